"""Readers for raw conversation dumps: layout detection by a synonym table, explicit mappings,
prompt sets, and inputs of every common kind.

``read_file(path, source)`` reads one file and returns a ``ReadResult``: conversations
``{id, source, messages: [{role, content}], meta: dict}`` in ``rows``, answer-less prompts of the
same shape in ``prompts``, and rejects with a reason; no record is dropped silently. Roles are
``system``, ``user``, ``assistant``, ``tool``.

Example::

    >>> from curate.readers import read_file
    >>> res = read_file("../shared/data/alpaca_5000.json", "alpaca")      # doctest: +SKIP
    >>> res.format, res.records, len(res.rows), len(res.prompts)          # doctest: +SKIP
    ('alpaca', 5000, 4998, 2)

Inputs (``curate.readers.sources``): a file, a folder, a glob, an fsspec URL (``hf://``, ``s3://``,
``https://``, ``memory://``); JSON array, single object (a record, a ``{"data": [...]}`` wrapper,
``{"train": [...], "test": [...]}`` splits, ``{"0": {...}, "1": {...}}`` keyed records), JSON Lines,
Parquet, CSV/TSV, Arrow (``datasets.save_to_disk``), ``.txt`` prompt lists; gzip/zstd/bz2/xz.
Containers are parsed by ``curate.readers.containers``.

Detection: each record's layout is the first row of this table that matches; key names and role
values come from the synonym table ``curate.readers.synonyms`` (any case; French, Russian, Chinese,
Spanish, German, Japanese, Portuguese, Italian role names), or from the input's ``fields:``/``roles:``
mapping. ``fmt=`` forces one layout for every record. A record no row matches, but whose object
fields hold a prompt one level down (``{"doc": {"question": ...}, "target": ...}``), is read through
that lifted view.

=======================  ==================================================================  ==========================================
layout                   rule                                                                examples
=======================  ==================================================================  ==========================================
``oasst_tree``           ``message_tree_id`` and ``prompt``                                  oasst export trees
``oasst_nested``         ``message_id``, ``text``, ``role``, ``replies``                     oasst messages with nested replies
``oasst_flat``           ``message_id``, ``text``, ``role``, no ``replies``                  oasst HF release (trees rebuilt)
``sharegpt_preference``  a conversation list and ``chosen``                                  LLaMA-Factory dpo
``mt_bench``             ``turns`` whose items carry no role                                 MT-Bench, Arena-Hard questions (prompts)
``sharegpt``             a list of turns under ``conversations``                             ShareGPT, FastChat, LLaMA-Factory
``openai``               ... under ``messages`` (also column-wise ``{role: [..], content:      OpenAI, HF/TRL conversational
                         [..]}``)
``conversation``         ... under ``conversation``, ``dialog``, ``chat``, ``turns``...:       Firefly ``[{human, assistant}]``,
                         turn dicts with a role key, exchange dicts, or strings; an object   ``dialog: [{speaker, text}]``,
                         of numbered turns (``turn_1: {Human: .., MOSS: ..}``); ≥ 2 strings  MOSS, UltraChat ``data``,
                         under ``data`` beside an id; ``message_1``, ``message_2``...        CAMEL, LCCC
``openai_preference``    ``chosen`` holding a message list                                   HF/TRL preference
``hh_rlhf``              ``chosen`` a string, no prompt                                      Anthropic hh-rlhf
``prompt_chosen``        ``chosen`` (string or message dict) and a prompt, or another        prompt/chosen/rejected, CValues,
                         preference pair (``pos_resp``/``neg_resp``, ``response_j``/         StackExchange-paired
                         ``response_k``, ``good``/``bad``...: ``synonyms.PREFERENCE_PAIRS``)
``pairwise``             two answers ``left/right``, ``a/b``, ``1/2`` (``left_answer``,       Chatbot Arena, JudgeLM, alpaca_eval,
                         ``response_a``, ``answer1_body``, ``human_ref_A``...)                pairwise grading files, SHP
``self_instruct``        ``instruction`` and ``instances``                                   Self-Instruct user-oriented
``dolly``                ``instruction``, ``context``/``category``, ``response``              databricks-dolly
``gpteacher``            ``instruction`` and ``response``, no ``output``                     GPTeacher
``alpaca``               ``instruction`` (and ``output`` or no answer)                        Alpaca, BELLE, LLaMA-Factory alpaca
``prompt_response``      a prompt key and a response key (table names or tokens)              question/answer, query/response,
                                                                                             problem/solution, 问题/回答, CSV tables
``eval_report``          a prompt and answers nested under ``results``/``outputs``/...        evaluation reports
``text_dialogue``        a text field written as a dialogue: ChatML, ``[INST]``, Zephyr,      guanaco, llama2-formatted dumps
                         Alpaca prompt, ``Human:``/``Assistant:``, ``USER:``/``ASSISTANT:``
``squad``                ``paragraphs: [{context, qas: [{question, answers}]}]`` or           SQuAD, FQuAD, SberQuAD, CMRC, DRCD
                         ``{context, qas}``: one conversation per question
``prompt``               a prompt and no answer; a bare JSON string                          prompt lists, eval sets
``answer_only``          answers (``choices``, ``output``, ``response``...) and no prompt,   MT-Bench/Arena-Hard model answers,
                         other text keys only bookkeeping: rejected                          OpenAI batch outputs
                         ``answer_without_prompt`` unless ``join=`` (``prompts_from:``)
=======================  ==================================================================  ==========================================

Rules inside the layouts: a conversation with no assistant turn whose ``system`` turns follow a
user turn reads those as the assistant (task-oriented ``USER``/``SYSTEM`` dialogues;
``meta.system_as_assistant``); a leading ``<|Human|>:`` speaker tag and its ``<eoh>`` marker are
stripped; a prompt that is a dialogue ending at the assistant's marker (hh-rlhf, Nectar, BELLE
multiturn ``Human:..\nAssistant:``) is split into turns; an option index (MMLU ``answer: 1``,
HellaSwag ``label``, LogiQA ``correct_option``) becomes ``B. <option>``; an ARC question object
``{stem, choices: [{text, label}]}`` is the stem and its options.

Answers may be a string, a number (eval answers such as 42), a message dict, ``{"text": ...}``,
a list of candidates (``Options.outputs``: ``best`` by the file's own scores, ``first`` or ``all``)
or nested deeper. A conversation
with no assistant turn is a prompt (``ReadResult.prompts``), never a malformed record. Preference
records keep ``chosen``; ``rejected`` goes to ``meta.rejected``. Pairwise records keep the answer
the file's grade or winner prefers (``Options.pairwise``: ``better`` or ``both``).

Ids: ``f"{source}/{name}#{index}"``, ``name`` = the file's path relative to the folder or glob root
(its file name for a single file), ``index`` = the record's 0-based position in the file (array
element, non-blank JSONL line, Parquet/CSV row; unique across splits); nested records get
``index/key/j``, keyed records their key. A record that yields several conversations gets
``#index.k``. Any id the record had goes to ``meta.original_id``. ``meta.format`` names the layout;
other meta keys: ``lang``, ``message_langs``, ``category``, ``tools``, ``split``, ``rejected``,
``pairwise_choice``, ``candidates``, ``candidate_scores``, ``best_candidate``, ``guessed_roles``,
``system_as_assistant``, ``joined_on``, ``model``, ``motivation_app``, ``tree_state``, ``tree_messages``.

Rejects (``ReadResult.rejects``): ``{id, source, messages: None, meta: {"raw": first 500 chars},
drop_reason, drop_detail}``; ``drop_detail`` starts with ``file:line`` (or ``file#index``).
``drop_reason`` is one of ``json_syntax_error`` and the other container reasons of
``curate.readers.containers`` (``nesting_too_deep``, ``truncated_file``...), ``csv_syntax_error``,
``unrecognized_record`` (no layout matches; the detail lists the keys), ``answer_without_prompt``
(model answers with no question: the detail names the id to join on), ``malformed_record`` (a
field of the wrong type; any TypeError/ValueError/KeyError/AttributeError/RecursionError raised
while converting one record lands here too, with its message), ``oasst_deleted_root``,
``oasst_orphan``, ``duplicate_message``.

Missing files raise ``FileNotFoundError``; undecompressable data raises ``ReadError``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.readers.containers import RawRecord, ReadError
from curate.readers.formats import DEFAULT_OPTIONS, LAYOUTS, AnswerWithoutPrompt, Malformed, Options, detect, flat_view, join_answers
from curate.readers.oasst import conv_oasst_nested, conv_oasst_tree, convert_root, rebuild_flat
from curate.readers.sources import DataFile, expand, load_records
from curate.readers.synonyms import DEFAULT, SPLIT_NAMES, Vocab

__all__ = ["FORMATS", "ReadError", "ReadResult", "detect", "read_file", "read_paths", "make_vocab", "prompt_index"]

_CONVERTERS = {**LAYOUTS,
               "oasst_tree": lambda rec, vocab, opts: conv_oasst_tree(rec),
               "oasst_nested": lambda rec, vocab, opts: conv_oasst_nested(rec)}

#: every layout name, in detection order (``format:`` accepts these, or ``auto``).
FORMATS: tuple[str, ...] = ("oasst_tree", "oasst_nested", "oasst_flat", *LAYOUTS)

RAW_CHARS = 500
#: exceptions a converter may raise on a hostile record; each becomes a ``malformed_record`` reject.
RECORD_ERRORS = (TypeError, ValueError, RecursionError, AttributeError, KeyError, IndexError)


@dataclass
class ReadResult:
    """What ``read_file`` returns.

    Attributes:
        rows: conversations ``{id, source, messages: [{role, content}], meta: dict}`` (at least one
            assistant turn).
        prompts: prompt rows of the same shape whose messages hold no assistant turn (user turns,
            maybe a system turn): eval prompts, prompt lists, records whose answer is missing/empty.
        rejects: ``{id, source, messages (list or None), meta: dict, drop_reason, drop_detail}``.
        format: the layout most records were read as (``unknown`` when none).
        layouts: records per layout (``Counter``).
        records: records seen in the file, after opening wrapper objects and split objects (each
            record becomes rows, prompts or rejects; flat oasst counts messages, not trees).
        warnings: human-readable notes (e.g. a trailing comma read leniently).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    format: str = "unknown"
    records: int = 0
    warnings: list[str] = field(default_factory=list)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    layouts: Counter = field(default_factory=Counter)

    def rejected_by_reason(self) -> dict[str, int]:
        """``{drop_reason: count}`` of the rejects, most common first."""
        return dict(Counter(r["drop_reason"] for r in self.rejects).most_common())


def _raw(it: RawRecord) -> str:
    if it.raw is not None:
        return it.raw[:RAW_CHARS]
    try:
        return json.dumps(it.value, ensure_ascii=False, default=str)[:RAW_CHARS]
    except (TypeError, ValueError, RecursionError):
        return repr(it.value)[:RAW_CHARS]


def _keys(value: Any) -> str:
    if not isinstance(value, dict):
        return f"record is a JSON {type(value).__name__}, not an object"
    keys = sorted(map(str, value))
    shown = ", ".join(keys[:20]) + (f", ... ({len(keys)} keys)" if len(keys) > 20 else "")
    return f"keys: {shown or '(none)'}"


def make_vocab(fields: dict[str, str] | None = None, roles: dict[str, str] | None = None) -> Vocab:
    """The synonym table with an input's explicit mapping applied (see ``Vocab.with_fields``)."""
    return DEFAULT.with_fields(fields, roles) if (fields or roles) else DEFAULT


def _record_lists(value: Any, vocab: Vocab, depth: int = 0) -> list[tuple[str, list]]:
    """Lists of records held by an object that is itself no record: ``{"train": [...], "test": [...]}``
    splits, an evaluation report ``{"model": ..., "results": [{prompt, ...}, ...]}``, also one or two
    objects down (``{"tasks": {"math": {"samples": [...]}}}`` gives ``tasks/math/samples``)."""
    if not isinstance(value, dict):
        return []
    out = []
    for k, v in value.items():
        if isinstance(v, list) and v:
            sample = v[:5]
            if sum(isinstance(x, (dict, str)) and detect(x, vocab) is not None for x in sample) * 2 > len(sample):
                out.append((str(k), v))
        elif isinstance(v, dict) and depth < 2 and detect(v, vocab) is None:
            out += [(f"{k}/{path}", items) for path, items in _record_lists(v, vocab, depth + 1)]
    return out


def _columns_as_records(value: Any) -> list[dict] | None:
    """A column-wise object (``{"prompt": [..], "completion": [..]}``, or pandas'
    ``orient="columns"`` ``{"instruction": {"0": .., "1": ..}, ...}``) as a list of records, when every
    value is a list (or an index-keyed object) of one common length ≥ 2; else None."""
    if not isinstance(value, dict) or len(value) < 2:
        return None
    cols = list(value.values())
    if all(isinstance(c, list) for c in cols):
        n = len(cols[0])
        if n >= 2 and all(len(c) == n for c in cols):
            return [{k: c[i] for k, c in value.items()} for i in range(n)]
    if all(isinstance(c, dict) for c in cols):
        index = list(cols[0])
        if len(index) >= 2 and all(list(c) == index for c in cols) and all(str(i).isdigit() for i in index):
            return [{k: c[i] for k, c in value.items()} for i in index]
    return None


def _keyed_records(value: dict, vocab: Vocab) -> list[tuple[str, Any]]:
    """``[(key, record)]`` for an object whose values are records keyed by id (at least two, and
    at least 80% of the values), else []."""
    if len(value) < 2:
        return []
    items = [(str(k), v) for k, v in value.items() if isinstance(v, dict)]
    if len(items) < 0.8 * len(value):
        return []
    sample = items[:5]
    if sum(detect(v, vocab) is not None for _, v in sample) * 2 <= len(sample):
        return []
    return items


def _expand_records(records: list[RawRecord], vocab: Vocab, wrapper: str | None,
                    fmt: str) -> list[tuple[RawRecord, dict, str | None]]:
    """Records with split objects and record-holding wrappers opened up: ``(record, extra meta,
    layout)``; the layout is detected here once (None: detect later, or none matched)."""
    out: list[tuple[RawRecord, dict, str | None]] = []
    single = len(records) == 1
    base_meta = {"split": wrapper} if wrapper in SPLIT_NAMES else {}
    for it in records:
        v = it.value
        f = None
        if single and it.error is None:
            rows = _columns_as_records(v)
            if rows is not None and sum(detect(r, vocab) is not None for r in rows[:5]) * 2 > min(len(rows), 5):
                out += [(RawRecord(i, None, r), {}, None) for i, r in enumerate(rows)]
                continue
        if it.error is None and isinstance(v, dict):
            try:
                f = detect(v, vocab) if fmt == "auto" else fmt
                lists = [] if f is not None and not (set(map(str, v)) & SPLIT_NAMES) else _record_lists(v, vocab)
            except RECORD_ERRORS:
                lists, f = [], None
            try:
                keyed = _keyed_records(v, vocab) if f is None and not lists else []
            except RECORD_ERRORS:
                keyed = []
            if keyed:  # {"0": {record}, "1": {record}} (OpenCompass predictions and similar)
                for key, x in keyed:
                    idx = key if single else f"{it.index}/{key}"
                    out.append((RawRecord(idx, it.line, x), {"key": key}, None))
                continue
            if lists:
                parent = {k: x for k, x in v.items() if isinstance(x, (str, int, float)) and not isinstance(x, bool)
                          and len(str(x)) <= 80}
                for key, items in lists:
                    meta = {"split": key} if key.split("/")[-1].lower() in SPLIT_NAMES else {"group": key}
                    if parent:
                        meta["parent"] = dict(list(parent.items())[:8])
                    for j, x in enumerate(items):
                        idx = f"{key}/{j}" if single else f"{it.index}/{key}/{j}"
                        out.append((RawRecord(idx, it.line, x), meta, None))
                continue
        split = getattr(it, "split", None)  # set by containers for {"train": [...], "test": [...]}
        if split:
            out.append((it, {"split": split} if str(split).lower() in SPLIT_NAMES else {"group": split}, f))
        else:
            out.append((it, base_meta, f))
    return out


def _is_record_fn(vocab: Vocab):
    def is_record(v: Any) -> bool:
        try:
            return detect(v, vocab) is not None and not (isinstance(v, dict) and set(map(str, v)) & SPLIT_NAMES)
        except RECORD_ERRORS:
            return False
    return is_record


def prompt_index(path: str, key: str) -> dict[str, list[dict[str, str]]]:
    """``{str(record[key]): [system/user turns]}`` for every record of a question file (a file,
    folder, glob or URL, any layout), to join answer-only records with (``read_file(join=...)``,
    the read stage's ``prompts_from:``/``join_on:``). Records without ``key`` or that convert to no
    user turn are left out; the first record wins a repeated key.

    Raises ``FileNotFoundError`` when ``path`` matches no file, and what ``read_file`` raises.
    """
    files = expand(path)
    if not files:
        raise FileNotFoundError(f"{path}: no data file found")
    index: dict[str, list[dict[str, str]]] = {}
    for f in files:
        box = load_records(f, None, _is_record_fn(DEFAULT))
        wrapper = box.kind[len("json_object["):-1] if box.kind.startswith("json_object[") else None
        for it, _, layout in _expand_records(box.records, DEFAULT, wrapper, "auto"):
            v = it.value
            if it.error is not None or not isinstance(v, dict) or v.get(key) is None or str(v[key]) in index:
                continue
            try:
                layout = layout or detect(v, DEFAULT)
                if layout is None or layout.startswith("oasst") or layout == "answer_only":
                    continue
                convs = _CONVERTERS[layout](v, DEFAULT, DEFAULT_OPTIONS)
            except (Malformed, *RECORD_ERRORS):
                continue
            turns = [m for m in convs[0][0] if m["role"] in ("system", "user")] if convs else []
            if any(m["role"] == "user" for m in turns):
                index[str(v[key])] = turns
    return index


def read_file(path: Path | str | DataFile, source: str, fmt: str = "auto", limit: int | None = None, *,
              fields: dict[str, str] | None = None, roles: dict[str, str] | None = None,
              options: Options = DEFAULT_OPTIONS, name: str | None = None,
              max_bytes: int | None = None, max_ratio: float | None = None,
              join: tuple[str, dict[str, list[dict[str, str]]]] | None = None) -> ReadResult:
    """Read one file of conversations into rows, prompts and rejects.

    Args:
        path: a local file (JSON, JSONL, Parquet, CSV/TSV, Arrow; optionally .gz/.zst/.bz2/.xz), an
            fsspec URL, or a ``sources.DataFile``.
        source: source name put in every row's ``source`` and id.
        fmt: ``"auto"`` (detect per record by the synonym table) or one of ``FORMATS``.
        limit: read at most this many records (lines/messages for flat oasst).
        fields, roles: explicit mapping (``curate.readers.synonyms.Vocab.with_fields``).
        options: ``Options(pairwise=..., outputs=...)``.
        name: the file's name in ids and details (default: the file name).
        max_bytes, max_ratio: decompressed-size caps passed to ``containers.load`` when set.
        join: ``(key, prompt_index(...))``: answer-only records (MT-Bench model answers) are joined
            with the question whose ``key`` value they share (``formats.join_answers``;
            ``meta.joined_on``); one with no such question stays an ``answer_without_prompt`` reject.

    Returns a ``ReadResult``: conversations in ``rows``, answer-less prompts in ``prompts``.
    Raises ``FileNotFoundError`` (missing file), ``ReadError`` (bad compression, Parquet, Arrow, CSV)
    and ``ValueError`` (unknown ``fmt``), each naming the file.
    """
    if not isinstance(path, DataFile):
        path = DataFile(str(path), name or str(path).rstrip("/").rsplit("/", 1)[-1])
    elif name:
        path = DataFile(path.location, name)
    name = path.name
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"{name}: unknown format {fmt!r}; known: auto, {', '.join(FORMATS)}")
    vocab = make_vocab(fields, roles)
    box = load_records(path, limit, _is_record_fn(vocab), max_bytes=max_bytes, max_ratio=max_ratio)
    res = ReadResult(warnings=list(box.warnings))
    wrapper = box.kind[len("json_object["):-1] if box.kind.startswith("json_object[") else None
    seen = res.layouts
    flat: list[RawRecord] = []
    prefix = f"{source}/{name}#"

    def reject(it: RawRecord, reason: str, detail: str, rid: str | None = None, msgs: list | None = None) -> None:
        res.rejects.append({"id": rid or f"{prefix}{it.index}", "source": source, "messages": msgs,
                            "meta": {"raw": _raw(it)}, "drop_reason": reason, "drop_detail": detail[:1000]})

    def emit(index: Any, f: str, msgs: list, meta: dict) -> None:
        row = {"id": f"{prefix}{index}", "source": source, "messages": msgs, "meta": {"format": f, **meta}}
        if any(m["role"] == "assistant" for m in msgs):
            res.rows.append(row)
        else:
            res.prompts.append(row)

    items = _expand_records(box.records, vocab, wrapper, fmt)
    res.records = len(items)
    for it, extra, f in items:
        if it.error is not None:
            reject(it, getattr(it, "reason", None) or "json_syntax_error", it.error)
            continue
        try:
            if f is None:
                f = fmt if fmt != "auto" else detect(it.value, vocab)
            if f is None and isinstance(it.value, dict):
                view = flat_view(it.value)
                if view is not None and (f := detect(view, vocab)) is not None:
                    it = RawRecord(it.index, it.line, view, raw=_raw(it))
        except RECORD_ERRORS as exc:
            reject(it, "malformed_record", f"{it.where(name)}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if f is None:
            reject(it, "unrecognized_record", f"{it.where(name)}: no known layout matches ({_keys(it.value)})")
            continue
        if not isinstance(it.value, dict) and f not in ("prompt", "conversation"):
            reject(it, "malformed_record", f"{it.where(name)}: {f}: {_keys(it.value)}")
            continue
        seen[f] += 1
        if f == "oasst_flat":
            flat.append(it)
            continue
        if f == "answer_only" and join is not None:
            jk, index = join
            jv = it.value.get(jk)
            prompt = index.get(str(jv)) if jv is not None else None
            if prompt is None:
                reject(it, "answer_without_prompt", f"{it.where(name)}: answer_only: no question with {jk}="
                       f"{str(jv)[:40] if jv is not None else '(missing)'} in prompts_from")
                continue
            try:
                msgs, meta = join_answers(it.value, prompt, vocab)
                emit(it.index, f, msgs, {**extra, **meta, "joined_on": f"{jk}={jv}"})
            except (Malformed, *RECORD_ERRORS) as exc:
                reject(it, getattr(exc, "reason", "malformed_record"), f"{it.where(name)}: answer_only: {exc}")
            continue
        try:
            convs = _CONVERTERS[f](it.value, vocab, options)
            for msgs, _ in convs:
                for m in msgs:
                    if not (isinstance(m.get("content"), str) and m.get("role") in ("system", "user", "assistant", "tool")):
                        raise Malformed(f"turn {m.get('role')!r} has no text")
            if not convs or not any(msgs for msgs, _ in convs):
                raise Malformed("no turns")
        except Malformed as exc:
            reject(it, exc.reason, f"{it.where(name)}: {f}: {exc}")
            continue
        except RECORD_ERRORS as exc:
            reject(it, "malformed_record", f"{it.where(name)}: {f}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if len(convs) == 1:
            emit(it.index, f, convs[0][0], {**extra, **convs[0][1]})
        else:
            for k, (msgs, meta) in enumerate(convs):
                emit(f"{it.index}.{k}", f, msgs, {**extra, **meta})

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
            except RECORD_ERRORS as exc:
                reject(it, "malformed_record", f"{it.where(name)}: oasst_flat: {type(exc).__name__}: {exc}",
                       rid=f"{prefix}{tree_index}")
                continue
            emit(tree_index, "oasst_flat", msgs, meta)

    if seen:
        res.format = seen.most_common(1)[0][0]
        if len(seen) > 1:
            mix = ", ".join(f"{k} {v}" for k, v in seen.most_common())
            res.warnings.append(f"{name}: records of several layouts: {mix}")
    elif fmt != "auto":
        res.format = fmt
    return res


def source_name(path: Path | str) -> str:
    """Default source name for a file: its name up to the first dot, with characters outside
    ``[A-Za-z0-9_.-]`` replaced by ``_`` (``hh_rlhf_harmless_base_test.jsonl.gz`` → ``hh_rlhf_harmless_base_test``)."""
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(path).rstrip("/").rsplit("/", 1)[-1].split(".")[0]) or "data"


def read_paths(paths: list[str | Path], limit: int | None = None) -> ReadResult:
    """Read every file ``paths`` stand for (files, folders, globs, fsspec URLs; see
    ``curate.readers.sources.expand``) with ``read_file``, each with source ``source_name(file)``.
    Returns one ``ReadResult`` with the rows, prompts, rejects, record counts and warnings of all
    files (``format`` is ``"mixed"`` when files differ). For ad-hoc tools such as
    ``curatrain dedup-eval`` and the benchmarks; pipelines use the ``read`` stage.

    Raises ``FileNotFoundError`` for a path that matches no file, and what ``read_file`` raises.
    """
    files: list[DataFile] = []
    for p in map(str, paths):
        found = expand(p)
        if not found:
            raise FileNotFoundError(f"{p}: no data file found")
        files += found
    out = ReadResult()
    formats = set()
    for f in files:
        res = read_file(f, source_name(f.name), "auto", limit=limit, name=Path(f.name).name)
        out.rows += res.rows
        out.prompts += res.prompts
        out.rejects += res.rejects
        out.records += res.records
        out.warnings += res.warnings
        out.layouts.update(res.layouts)
        formats.add(res.format)
    out.format = formats.pop() if len(formats) == 1 else ("mixed" if formats else "unknown")
    return out
