"""Readers for raw conversation dumps, with format auto-detection.

``read_file(path, source)`` reads one file and returns canonical rows
``{id, source, messages: [{role, content}], meta: dict}`` plus rejects, never dropping a record
silently. Roles are ``system``, ``user``, ``assistant``, ``tool``.

Example::

    >>> from curate.readers import read_file
    >>> res = read_file(Path("../shared/data/alpaca_5000.json"), "alpaca")   # doctest: +SKIP
    >>> res.format, res.records, len(res.rows), res.rows[0]["id"]            # doctest: +SKIP
    ('alpaca', 5000, 5000, 'alpaca/alpaca_5000.json#0')

Containers (see ``curate.readers.containers``): JSON array, a single JSON object (one record, or a
wrapper holding one list of records), JSON Lines (also when the file is named ``.json``: the
content decides, never the extension), Parquet; gzip/zstd/bz2/xz by magic bytes or extension.

Detection: each record's format is decided from its keys, by the first rule that matches
(``fmt=`` forces one format for every record instead):

========================  ===========================================================  =====================================
format                    rule (keys of the record)                                    source
========================  ===========================================================  =====================================
``oasst_tree``            ``message_tree_id`` and ``prompt``                           oasst export trees
``oasst_nested``          ``message_id``, ``text``, ``role`` and ``replies``           oasst messages with nested replies
``oasst_flat``            ``message_id``, ``text``, ``role``, no ``replies``           oasst HF release (trees rebuilt)
``sharegpt_preference``   ``conversations``   and ``chosen``                             LLaMA-Factory dpo
``sharegpt``              ``conversations``                                            ShareGPT, FastChat, LLaMA-Factory
``openai``                ``messages``                                                 OpenAI / HF / TRL conversational
``openai_preference``     ``chosen`` holding a list                                    HF / TRL preference
``prompt_chosen``         ``chosen`` (not a list) and ``prompt``                       prompt/chosen pairs
``hh_rlhf``               ``chosen`` (not a list), no ``prompt``                       Anthropic hh-rlhf
``mt_bench``              ``turns``                                                    MT-Bench questions (prompt only)
``self_instruct``         ``instruction`` and ``instances``                            Self-Instruct user-oriented
``dolly``                 ``instruction`` and (``context`` or ``category``)            databricks-dolly
``gpteacher``             ``instruction`` and ``response``, no ``output``              GPTeacher
``alpaca``                ``instruction``                                              Alpaca, BELLE, LLaMA-Factory alpaca
========================  ===========================================================  =====================================

Role mapping (``curate.readers.formats.ROLE_MAP``): human/user/prompter → user;
gpt/assistant/chatgpt/bard/bing/model → assistant; function_call → assistant (content = the call's
JSON text); observation/tool/function → tool; system/developer → system. LLaMA-Factory record-level
``system`` (prepended) and ``tools`` (``meta.tools``, a JSON string) are honoured.

Ids: ``f"{source}/{file_name}#{index}"``, ``index`` = the record's 0-based position in the file
(array element, non-blank JSONL line, Parquet row); for ``oasst_flat`` it is the tree's position
among the trees, in the order their roots appear. A record that yields several conversations
(Self-Instruct with several instances) gets ``#index.k``. Any id the record had goes to
``meta.original_id``. ``meta.format`` names the format; other meta keys: ``lang`` (record field),
``message_langs`` (per-message language labels aligned with ``messages``), ``category``,
``tools``, ``motivation_app``, ``tree_state``, ``tree_messages``.

Rejects (``ReadResult.rejects``): ``{id, source, messages: None, meta: {"raw": first 500 chars},
drop_reason, drop_detail}``; ``drop_reason`` is one of

- ``json_syntax_error``: a JSONL line or array element that does not parse (``file:line:col: message``);
- ``unrecognized_record``: a record whose keys match no rule (detail lists the keys);
- ``malformed_record``: a record of a known format missing a field or with a wrong type;
- ``oasst_deleted_root``: an oasst tree whose root message is deleted;
- ``oasst_orphan`` / ``duplicate_message``: flat oasst messages that cannot join a tree.

Missing files raise ``FileNotFoundError``; undecompressable data raises ``ReadError``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.readers.containers import RawRecord, ReadError, load
from curate.readers.formats import CONVERTERS, Malformed, detect
from curate.readers.oasst import conv_oasst_nested, conv_oasst_tree, convert_root, rebuild_flat

__all__ = ["FORMATS", "ReadError", "ReadResult", "detect", "read_file"]

_CONVERTERS = {**CONVERTERS, "oasst_tree": conv_oasst_tree, "oasst_nested": conv_oasst_nested}

FORMATS: tuple[str, ...] = (
    "sharegpt", "sharegpt_preference", "openai", "openai_preference", "prompt_chosen", "hh_rlhf",
    "alpaca", "gpteacher", "dolly", "self_instruct", "mt_bench",
    "oasst_tree", "oasst_nested", "oasst_flat",
)

RAW_CHARS = 500


@dataclass
class ReadResult:
    """What ``read_file`` returns.

    Attributes:
        rows: canonical rows ``{id, source, messages: [{role, content}], meta: dict}``.
        rejects: ``{id, source, messages (list or None), meta: dict, drop_reason, drop_detail}``.
        format: the detected (or given) format name; the most common one if records differ.
        records: records seen in the file (rows + rejects, before any tree flattening).
        warnings: human-readable notes (e.g. a trailing comma read leniently).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    format: str = "unknown"
    records: int = 0
    warnings: list[str] = field(default_factory=list)


def _raw(it: RawRecord) -> str:
    if it.raw is not None:
        return it.raw[:RAW_CHARS]
    try:
        return json.dumps(it.value, ensure_ascii=False, default=str)[:RAW_CHARS]
    except (TypeError, ValueError):  # pragma: no cover - parsed JSON always dumps
        return repr(it.value)[:RAW_CHARS]


def _keys(value: Any) -> str:
    if not isinstance(value, dict):
        return f"record is a JSON {type(value).__name__}, not an object"
    keys = sorted(map(str, value))
    shown = ", ".join(keys[:20]) + (f", ... ({len(keys)} keys)" if len(keys) > 20 else "")
    return f"keys: {shown or '(none)'}"


def read_file(path: Path, source: str, fmt: str = "auto", limit: int | None = None) -> ReadResult:
    """Read one file of conversations into canonical rows and rejects.

    Args:
        path: the file (JSON, JSONL, Parquet, optionally .gz/.zst/.bz2/.xz).
        source: source name put in every row's ``source`` and id.
        fmt: ``"auto"`` (detect per record, see the module docstring) or one of ``FORMATS``.
        limit: read at most this many records (lines/messages for flat oasst).

    Raises ``FileNotFoundError`` (missing file), ``ReadError`` (bad compression or Parquet) and
    ``ValueError`` (unknown ``fmt``), each naming the file.
    """
    path = Path(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"{path}: unknown format {fmt!r}; known: auto, {', '.join(FORMATS)}")
    box = load(path, limit, is_record=lambda v: detect(v) is not None)
    name = path.name
    res = ReadResult(records=len(box.records), warnings=list(box.warnings))
    seen: Counter = Counter()
    flat: list[RawRecord] = []
    prefix = f"{source}/{name}#"

    def reject(it: RawRecord, reason: str, detail: str, rid: str | None = None) -> None:
        res.rejects.append({"id": rid or f"{prefix}{it.index}", "source": source, "messages": None,
                            "meta": {"raw": _raw(it)}, "drop_reason": reason, "drop_detail": detail})

    def emit(index: Any, f: str, msgs: list, meta: dict) -> None:
        res.rows.append({"id": f"{prefix}{index}", "source": source, "messages": msgs,
                         "meta": {"format": f, **meta}})

    for it in box.records:
        if it.error is not None:
            reject(it, "json_syntax_error", it.error)
            continue
        f = fmt if fmt != "auto" else detect(it.value)
        if f is None or not isinstance(it.value, dict):
            reject(it, "unrecognized_record", f"{it.where(name)}: no known format matches ({_keys(it.value)})")
            continue
        seen[f] += 1
        if f == "oasst_flat":
            flat.append(it)
            continue
        try:
            convs = _CONVERTERS[f](it.value)
        except Malformed as exc:
            reject(it, exc.reason, f"{it.where(name)}: {f}: {exc}")
            continue
        if len(convs) == 1:
            emit(it.index, f, *convs[0])
        else:
            for k, conv in enumerate(convs):
                emit(f"{it.index}.{k}", f, *conv)

    if flat:
        roots, problems = rebuild_flat(flat, name)
        for it, reason, detail in problems:
            reject(it, reason, detail, rid=f"{prefix}msg{it.index}")
        for tree_index, (it, root) in enumerate(roots):
            try:
                msgs, meta = convert_root(root, root.get("message_tree_id"), root.get("tree_state"))
            except Malformed as exc:
                reject(it, exc.reason, f"{it.where(name)}: oasst_flat: {exc}", rid=f"{prefix}{tree_index}")
                continue
            emit(tree_index, "oasst_flat", msgs, meta)

    if seen:
        res.format = seen.most_common(1)[0][0]
        if len(seen) > 1:
            mix = ", ".join(f"{k} {v}" for k, v in seen.most_common())
            res.warnings.append(f"{name}: records of several formats: {mix}")
    elif fmt != "auto":
        res.format = fmt
    return res


def source_name(path: Path) -> str:
    """Default source name for a file: its name up to the first dot, with characters outside
    ``[A-Za-z0-9_.-]`` replaced by ``_`` (``hh_rlhf_harmless_base_test.jsonl.gz`` → ``hh_rlhf_harmless_base_test``)."""
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).name.split(".")[0]) or "data"


def read_paths(paths: list[str | Path], limit: int | None = None) -> ReadResult:
    """Read every file in ``paths`` with ``read_file``; a folder stands for its data files
    (``*.json``, ``*.jsonl``, ``*.parquet``, compressed or not), in name order. Each file's source is
    ``source_name(file)``. Returns one ``ReadResult`` with the rows, rejects, record counts and
    warnings of all files (``format`` is ``"mixed"`` when files differ). For ad-hoc tools such as
    ``curatrain dedup-eval`` and the benchmarks; pipelines use the ``read`` stage.

    Raises what ``read_file`` raises, naming the file.
    """
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(x for x in p.iterdir() if x.is_file() and (".json" in x.name or ".parquet" in x.name))
        else:
            files.append(p)
    out = ReadResult()
    formats = set()
    for f in files:
        res = read_file(f, source_name(f), "auto", limit=limit)
        out.rows += res.rows
        out.rejects += res.rejects
        out.records += res.records
        out.warnings += res.warnings
        formats.add(res.format)
    out.format = formats.pop() if len(formats) == 1 else ("mixed" if formats else "unknown")
    return out
