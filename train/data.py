"""Training data: the curated Parquet read, checked, split into train/eval rows, audited and prepared for TRL.

``load_split`` reads ``curated.parquet`` (the canonical frame, ``curate.schema``), checks its schema and holds
out rows by a stable hash of ``id`` (per source); ``audit_split`` runs the mask-coverage audit
(``curate.chat.audit``) on the exact training tokenizer and counts what each source contributes;
``prepare_for_trl`` tokenizes and truncates rows for padding-free batches. ``TrainRows`` carries every row count
from curated file to trained rows, with the reason for each difference (eval split, audit, truncation), so the
rows announced equal the rows trained or the difference is printed with its reasons.

Example::

    split = load_split(Path("out/lima/curated.parquet"), eval_fraction=0.05, per_source=True)
    split.rows.curated, len(split.train), len(split.eval or [])

datasets/pyarrow/numpy are imported inside the functions.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REQUIRED_COLUMNS = ("id", "source", "messages")
#: the per-row loss weight column carried from the curated file to the batches (``train.weights``)
SAMPLE_WEIGHT = "sample_weight"
_EVAL_SALT = b"curatrain-eval-v1:"


@dataclass
class TrainRows:
    """Row counts from the curated file to the rows trained on, each difference with its reason.

    ``curated`` = ``train_split`` + ``eval_split`` + ``general_heldout`` (curated rows moved to the general
    held-out eval, ``take_general_eval``); ``train_split`` − ``audit_dropped_train`` −
    ``truncated_to_nothing`` = ``trained`` (``truncated_to_nothing``: rows whose assistant tokens all lie
    beyond ``max_length``, which TRL drops; ``None`` when not known before TRL prepares the data).
    """

    curated: int = 0
    train_split: int = 0
    eval_split: int = 0
    audit_dropped_train: int = 0
    audit_dropped_eval: int = 0
    general_heldout: int = 0
    truncated_to_nothing: int | None = None
    trained: int | None = None

    def describe(self, max_length: int) -> str:
        """One line, e.g. ``rows: 1,000 curated → 50 held out for eval → 950 train; 12 lost every
        assistant token to truncation at max_length 256 → 938 trained``."""
        parts = [f"rows: {self.curated:,} curated → {self.eval_split:,} held out for eval (hash of id) → "
                 f"{self.train_split:,} train"]
        if self.general_heldout:
            parts[0] = parts[0].replace(" → ", f" → {self.general_heldout:,} held out for the general eval → ", 1)
        if self.audit_dropped_train:
            parts.append(f"{self.audit_dropped_train:,} dropped by the mask audit")
        if self.truncated_to_nothing:
            parts.append(f"{self.truncated_to_nothing:,} lost every assistant token to truncation at "
                         f"max_length {max_length}")
        tail = f" → {self.trained:,} trained" if self.trained is not None else ""
        return "; ".join(parts) + tail

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


@dataclass
class Split:
    """Training and eval rows (``datasets.Dataset`` with ``id``, ``source``, ``messages``; ``eval`` may be
    None), every curated row in file order (``curated``), the audit summary, the realised mix per source and
    the row counts."""

    train: Any
    eval: Any
    rows: TrainRows
    curated: Any = None
    audit: dict[str, int] = field(default_factory=lambda: {"rows_checked": 0, "rows_failed": 0, "rows_dropped": 0})
    mix: dict[str, dict[str, float]] = field(default_factory=dict)

    def texts(self) -> list[str]:
        """Every message content of train and eval rows (what the tiny tokenizer is trained on without a
        ``chat_template`` stage), in file order."""
        return [m["content"] for conv in self.curated["messages"] for m in conv if m.get("content")]


def check_curated_schema(path: Path) -> None:
    """Raise ``curate.schema.SchemaError`` (a ``ValueError``) naming every problem if the Parquet
    file at ``path`` lacks ``id``/``source`` (string) or ``messages`` (list of struct with string
    ``role`` and ``content``). Raises ``FileNotFoundError`` if it does not exist."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from curate.schema import SchemaError

    if not Path(path).is_file():
        raise FileNotFoundError(f"curated data not found: {path}")
    schema = pq.read_schema(path)
    problems = []
    for name in REQUIRED_COLUMNS:
        if name not in schema.names:
            problems.append(f"missing column {name!r}")
    for name in ("id", "source"):
        if name in schema.names and not pa.types.is_string(schema.field(name).type) \
                and not pa.types.is_large_string(schema.field(name).type):
            problems.append(f"column {name!r} is {schema.field(name).type}, expected string")
    if "messages" in schema.names:
        t = schema.field("messages").type
        ok = (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_struct(t.value_type)
        if ok:
            fields = {t.value_type.field(i).name: t.value_type.field(i).type for i in range(t.value_type.num_fields)}
            ok = all(k in fields and (pa.types.is_string(fields[k]) or pa.types.is_large_string(fields[k]))
                     for k in ("role", "content"))
        if not ok:
            problems.append(f"column 'messages' is {t}, expected list<struct<role: string, content: string>>")
    if problems:
        raise SchemaError(f"{path}: not a curated conversation file: " + "; ".join(problems))


def load_curated(path: Path, weight_column: str | None = None):
    """The curated Parquet as an in-memory ``datasets.Dataset`` with columns ``id``, ``source``,
    ``messages`` and, with ``weight_column``, ``sample_weight`` (that column's values, ``sample_weights``);
    other columns are not loaded. Checks the schema first (``check_curated_schema``)."""
    import datasets

    check_curated_schema(path)
    with tempfile.TemporaryDirectory(prefix="curatrain-ds-") as cache:
        ds = datasets.Dataset.from_parquet(str(path), columns=list(REQUIRED_COLUMNS), cache_dir=cache,
                                           keep_in_memory=True)
    if weight_column is not None:
        ds = ds.add_column(SAMPLE_WEIGHT, sample_weights(path, weight_column))
    return ds


def sample_weights(path: Path, column: str) -> list[float]:
    """Per-row loss weights from ``column`` of the curated Parquet (e.g. a ``stat_*`` score), as floats, in file
    order (``load_split`` divides them by their mean over the training rows).

    Raises ``ValueError`` naming the file, the column (and the numeric columns there are) when it is missing or
    not numeric, and the first row id when a value is null, NaN, infinite or negative, or when all are 0."""
    import math

    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    numeric = [f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)]
    if column not in numeric:
        what = "is not numeric" if column in schema.names else "is not a column"
        raise ValueError(f"{path}: train.sample_weight {column!r} {what}; numeric columns: {', '.join(numeric) or 'none'}")
    table = pq.read_table(path, columns=["id", column])
    values, ids = table.column(column).to_pylist(), table.column("id").to_pylist()
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v) or v < 0:
            raise ValueError(f"{path}: train.sample_weight {column!r} is {v} in row {ids[i]}: weights must be "
                             "finite and >= 0 (drop such rows in curation, or fill them)")
    return [float(v) for v in values]


def eval_bucket(row_id: str) -> float:
    """A stable number in [0, 1) for ``row_id`` (blake2b of the id, salted): rows with
    ``eval_bucket(id) < eval_fraction`` are held out. Same id → same bucket on every run and machine."""
    h = hashlib.blake2b(_EVAL_SALT + row_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2.0**64


def split_eval(ds, eval_fraction: float, per_source: bool = False):
    """Split ``ds`` into ``(train, eval)`` by ``eval_bucket(id) < eval_fraction``.

    With ``per_source`` (needs a ``source`` column), a source with at least ``1 / eval_fraction``
    rows that drew no eval row by hash gives up its row with the lowest bucket, so every such source
    is measured; the choice depends only on that source's ids, so it is stable across runs.
    ``eval`` is ``None`` when no row falls in it (e.g. ``eval_fraction=0``). Raises ``ValueError``
    when no training row is left.
    """
    ids = ds["id"]
    buckets = [eval_bucket(i) for i in ids]
    is_eval = [b < eval_fraction for b in buckets]
    if per_source and eval_fraction > 0 and "source" in ds.column_names:
        by_source: dict[str, list[int]] = {}
        for i, src in enumerate(ds["source"]):
            by_source.setdefault(src, []).append(i)
        for rows in by_source.values():
            if len(rows) >= 1 / eval_fraction and not any(is_eval[i] for i in rows):
                is_eval[min(rows, key=lambda i: buckets[i])] = True
    train_idx = [i for i, e in enumerate(is_eval) if not e]
    eval_idx = [i for i, e in enumerate(is_eval) if e]
    if not train_idx:
        raise ValueError(f"no training rows: {len(ids)} rows, all held out by eval_fraction={eval_fraction}")
    return ds.select(train_idx), (ds.select(eval_idx) if eval_idx else None)


def eval_sets(eval_ds, per_source: bool) -> dict[str, Any] | None:
    """The eval dataset(s) handed to the trainer: ``None``; the set itself as ``{"all": ds}`` when
    ``per_source`` is off or there is one source; else ``{"all": ds, <source>: rows of that source, ...}``
    (Trainer then logs ``eval_all_loss``, ``eval_<source>_loss``)."""
    if eval_ds is None:
        return None
    sources = sorted(set(eval_ds["source"])) if per_source else []
    out = {"all": eval_ds}
    if len(sources) > 1:
        col = eval_ds["source"]
        for src in sources:
            out[src] = eval_ds.select([i for i, x in enumerate(col) if x == src])
    return out


def pretokenize(ds, tokenizer, max_length: int, assistant_only_loss: bool):
    """Tokenize ``messages`` the way TRL 1.16 ``SFTTrainer._prepare_dataset`` does, then truncate.

    TRL's behaviour is mirrored, not called (``_prepare_dataset`` is private), so this checks that the
    installed trl is in the tested range first (``curate.chat.compat.require("pretokenize")``, a
    ``ValueError`` outside it). Used for ``padding_free`` without packing, where TRL needs ``max_length=None`` and therefore
    pre-truncated rows. Returns a dataset with ``input_ids`` and ``labels`` (−100 outside the
    assistant mask when ``assistant_only_loss``), truncated to ``max_length`` tokens (keep start),
    without rows left fully masked; a ``sample_weight`` column is kept. Raises ``RuntimeError`` like TRL
    when a row has no assistant token under ``assistant_only_loss``.
    """
    from curate.chat.compat import require

    require("pretokenize")

    keep = [c for c in (SAMPLE_WEIGHT,) if c in ds.column_names]  # carried through, one value per row

    def fn(example):
        out = tokenizer.apply_chat_template(example["messages"], tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=assistant_only_loss)
        ids = list(out["input_ids"])
        if assistant_only_loss:
            mask = out["assistant_masks"]
            if 1 not in mask:
                raise RuntimeError("assistant_only_loss: a row has no assistant tokens; does the chat template "
                                   "mark them with {% generation %}?")
            labels = [t if m else -100 for t, m in zip(ids, mask)]
        else:
            labels = list(ids)
        return {"input_ids": ids[:max_length], "labels": labels[:max_length]}

    ds = ds.map(fn, remove_columns=[c for c in ds.column_names if c not in keep])
    return ds.filter(lambda ex: any(x != -100 for x in ex["labels"]))


def token_counts(ds) -> tuple[int, int]:
    """(tokens, supervised tokens) in a prepared dataset with ``input_ids`` (and ``labels``)."""
    import numpy as np
    import pyarrow.compute as pc

    table = ds.with_format("arrow")[:]  # honours select/filter indices
    tokens = len(pc.list_flatten(table.column("input_ids")))
    if "labels" not in table.column_names:
        return tokens, tokens
    labels = np.asarray(pc.list_flatten(table.column("labels")))
    return tokens, int((labels != -100).sum())


def load_split(path: Path, eval_fraction: float, per_source: bool, fold_system: bool = False,
               weight_column: str | None = None) -> Split:
    """Read and check the curated Parquet at ``path`` and split it into train/eval rows.

    ``weight_column``: training rows carry ``sample_weight`` from it (``sample_weights`` divided by their mean
    over the training rows, so the average weight is 1 and ``learning_rate`` keeps its meaning); eval rows do
    not, so eval loss stays the plain mean. ``fold_system`` merges system prompts into the first user turn (``curate.chat.templates.apply_system_policy``
    ``fold``), for templates without a system role when no ``chat_template`` stage normalised the rows. Raises
    what ``check_curated_schema`` and ``split_eval`` raise."""
    ds = load_curated(path, weight_column)
    if fold_system:
        from curate.chat.templates import apply_system_policy

        ds = ds.map(lambda ex: {"messages": apply_system_policy(ex["messages"], "fold")})
    train, held = split_eval(ds, eval_fraction, per_source=per_source)
    if weight_column is not None:
        w = train[SAMPLE_WEIGHT]
        mean = sum(w) / len(w)
        if mean <= 0:
            raise ValueError(f"{path}: train.sample_weight {weight_column!r} is 0 in every training row: "
                             "nothing would be learned")
        train = train.remove_columns(SAMPLE_WEIGHT).add_column(SAMPLE_WEIGHT, [x / mean for x in w])
        held = held.remove_columns(SAMPLE_WEIGHT) if held is not None else None
    rows = TrainRows(curated=len(ds), train_split=len(train), eval_split=len(held) if held is not None else 0)
    return Split(train, held, rows, curated=ds)


def _meta_replay(path: Path) -> list[bool]:
    """Per curated row (file order): True when its ``meta`` JSON has ``"replay": true`` (``mix``'s replay rows)."""
    import json

    import pyarrow.parquet as pq

    if "meta" not in pq.read_schema(path).names:
        return []
    out = []
    for m in pq.read_table(path, columns=["meta"]).column("meta").to_pylist():
        try:
            out.append(bool(m) and "replay" in m and json.loads(m).get("replay") is True)
        except (ValueError, AttributeError):
            out.append(False)
    return out


def _usable(messages: list[dict]) -> bool:
    """A conversation a chat template can score: system/user/assistant roles, ending on a non-empty assistant turn."""
    return bool(messages) and all(m.get("role") in ("system", "user", "assistant") for m in messages) \
        and messages[-1]["role"] == "assistant" and bool((messages[-1].get("content") or "").strip())


def take_general_eval(split: Split, general, curated_path: Path, fold_system: bool = False):
    """``(split, general eval dataset or None, description)``: the general held-out set of ``train.general_eval``
    (``train.spec.GeneralEvalSpec``; the forgetting guard, ``train.guards``).

    - ``source: S`` / ``replay: true``: the ``rows`` curated rows of source S / marked ``meta.replay`` with the
      lowest ``eval_bucket(id)`` are removed from the train and eval splits (never trained on) and returned;
      ``split.rows.general_heldout`` counts them.
    - ``path: FILE``: conversations read with ``curate.readers.read_file`` (format detected), those a chat
      template can score (``_usable``), the ``rows`` with the lowest ``eval_bucket(id)``.
    - ``general`` None: a quarter of the replay rows (at most 64, at least 1), when the curated data has any;
      else no set.

    Raises ``ValueError`` naming the source, the file or the missing replay rows when nothing is left to take,
    and when taking them leaves no training row; ``FileNotFoundError`` for a missing ``path``."""
    import datasets

    auto = general is None
    if auto:
        replay = _meta_replay(curated_path)
        if not any(replay):
            return split, None, None
        from train.spec import GeneralEvalSpec

        general = GeneralEvalSpec(replay=True, rows=min(64, max(1, sum(replay) // 4)))
    if general.path is not None:
        from curate.readers import read_file

        res = read_file(Path(general.path), source="general_eval")
        rows = [{"id": r["id"], "source": "general_eval",
                 "messages": [{"role": m["role"], "content": m["content"]} for m in r["messages"]]}
                for r in res.rows if _usable(r["messages"])]
        if not rows:
            raise ValueError(f"train.general_eval.path {general.path}: no conversation ending on an assistant turn "
                             f"({len(res.rows)} read, {len(res.rejects)} rejected)")
        rows = sorted(rows, key=lambda r: eval_bucket(r["id"]))[:general.rows]
        ds = datasets.Dataset.from_list(rows)
        what = f"{len(ds):,} rows of {general.path}"
    else:
        cur = split.curated
        if general.replay:
            flags = _meta_replay(curated_path)
            idx = [i for i, f in enumerate(flags) if f]
            where = "rows marked meta.replay (the mix stage's replay: block)"
        else:
            idx = [i for i, s in enumerate(cur["source"]) if s == general.source]
            where = f"rows of source {general.source!r}"
        if not idx:
            raise ValueError(f"train.general_eval: {curated_path} has no {where}; sources: "
                             f"{', '.join(sorted(set(cur['source'])))}")
        ids = cur["id"]
        idx = sorted(idx, key=lambda i: eval_bucket(ids[i]))[:general.rows]
        taken = {ids[i] for i in idx}
        ds = cur.select(sorted(idx)).select_columns(["id", "source", "messages"])
        train = split.train.filter(lambda ex: ex["id"] not in taken)
        if len(train) == 0:
            raise ValueError(f"train.general_eval takes every training row ({where}); lower rows or pick another source")
        held = split.eval.filter(lambda ex: ex["id"] not in taken) if split.eval is not None else None
        split.rows.train_split -= len(split.train) - len(train)
        if held is not None:
            split.rows.eval_split -= len(split.eval) - len(held)
            held = held if len(held) else None
        split.rows.general_heldout = len(taken)
        split.train, split.eval = train, held
        what = f"{len(ds):,} {where} held out of training" + (" (default: replay rows present)" if auto else "")
    if fold_system:
        from curate.chat.templates import apply_system_policy

        ds = ds.map(lambda ex: {"messages": apply_system_policy(ex["messages"], "fold")})
    return split, ds, what


def audit_split(split: Split, tokenizer, *, mode: str, max_length: int | None, assistant_only_loss: bool) -> Split:
    """Audit the assistant mask of every train and eval row on ``tokenizer`` (``curate.chat.audit``).

    ``mode``: ``raise`` (``ValueError`` naming the first failing rows and the fix), ``drop`` (failing rows are
    removed and counted) or ``off`` (no audit; the mix is then not measured). ``max_length``: truncation (None:
    rows are not truncated, e.g. ``bfd_split`` packing). Returns the split with failing rows removed,
    ``audit`` (``rows_checked``, ``rows_failed``, ``rows_dropped``), the realised ``mix`` per source (rows,
    tokens after truncation, supervised tokens, share) and ``rows.truncated_to_nothing``/``rows.trained``
    (rows whose supervised tokens all lie beyond ``max_length`` are not trained, as in TRL). Raises
    ``ValueError`` when no training row is left."""
    from curate.chat.audit import audit_conversations, describe_failures

    if mode == "off":
        return split
    audit = {"rows_checked": 0, "rows_failed": 0, "rows_dropped": 0}
    kept: dict[str, Any] = {}
    mix: dict[str, dict[str, int]] = {}
    lost = 0
    for name, part in (("train", split.train), ("eval", split.eval)):
        if part is None:
            continue
        res = audit_conversations(tokenizer, part["messages"], max_length=max_length)
        audit["rows_checked"] += res.rows_checked
        audit["rows_failed"] += res.rows_failed
        if res.rows_failed and mode == "raise":
            raise ValueError(
                f"mask audit: {res.rows_failed} of {res.rows_checked} {name} rows would train on a partial "
                f"assistant mask with this tokenizer/template:\n{describe_failures(res.details, part['id'])}\n"
                "fix the tokenizer (trim_offsets=False, no character-deleting normalizer) or the template, "
                "run the chat_template stage (audit: reject) first, or set train.audit: drop")
        keep = [i for i, d in enumerate(res.details) if d is None]
        audit["rows_dropped"] += len(res.details) - len(keep)
        kept[name] = part.select(keep) if len(keep) < len(part) else part
        if name == "train":
            split.rows.audit_dropped_train = len(res.details) - len(keep)
        else:
            split.rows.audit_dropped_eval = len(res.details) - len(keep)
        for src, n_tok, n_sup, d in zip(part["source"], res.tokens, res.supervised_kept, res.details):
            if d is not None or name != "train":
                continue
            if assistant_only_loss and n_sup == 0:
                lost += 1  # truncation left nothing to learn: TRL drops the row
                continue
            m = mix.setdefault(src, {"rows": 0, "tokens": 0, "supervised_tokens": 0})
            m["rows"] += 1
            m["tokens"] += min(n_tok, max_length) if max_length else n_tok
            m["supervised_tokens"] += n_sup
    if len(kept["train"]) == 0:
        raise ValueError("mask audit: every training row failed (audit: drop left nothing)")
    split.train, split.eval = kept["train"], kept.get("eval")
    split.rows.truncated_to_nothing = lost
    split.rows.trained = len(split.train) - lost
    split.audit, split.mix = audit, mix_table(mix)
    return split


def prepare_for_trl(split: Split, tokenizer, *, padding_free: bool, max_length: int, assistant_only_loss: bool,
                    per_source: bool, general=None):
    """``(train, eval)`` as TRL takes them: ``messages`` only (TRL tokenizes), or, with ``padding_free``,
    ``input_ids``/``labels`` pre-tokenized and truncated (``pretokenize``). ``eval`` is None, one dataset, or
    ``{"all": ..., <source>: ...}`` (``eval_sets``), plus ``train.guards.GENERAL_KEY`` for the ``general`` held-out
    set (``take_general_eval``; then always a dict). Sets ``split.rows.trained`` when padding-free (the rows
    that keep an assistant token after truncation)."""
    evals = eval_sets(split.eval, per_source)
    train_in = split.train.select_columns(["messages"] + [c for c in (SAMPLE_WEIGHT,) if c in split.train.column_names])
    eval_in = {k: v.select_columns(["messages"]) for k, v in evals.items()} if evals else None
    if general is not None:
        from train.guards import GENERAL_KEY

        eval_in = {**(eval_in or {}), GENERAL_KEY: general.select_columns(["messages"])}
    if padding_free:
        train_in = pretokenize(train_in, tokenizer, max_length, assistant_only_loss)
        if eval_in:
            eval_in = {k: pretokenize(v, tokenizer, max_length, assistant_only_loss) for k, v in eval_in.items()}
        split.rows.truncated_to_nothing = len(split.train) - len(train_in)
        split.rows.trained = len(train_in)
    if eval_in is not None and list(eval_in) == ["all"]:
        eval_in = eval_in["all"]  # one source: plain eval_loss
    return train_in, eval_in


def mix_table(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Per source: rows, tokens and supervised tokens after truncation to ``max_length``, and the
    share of supervised tokens: the mix the model actually trained on (one epoch)."""
    total = sum(r["supervised_tokens"] for r in rows.values()) or 1
    return {src: {**r, "supervised_share": r["supervised_tokens"] / total} for src, r in sorted(rows.items())}
