"""``decontaminate``: drop training conversations that overlap an evaluation prompt set.

Training on a benchmark's prompts inflates its score; MT-Bench, Arena-style lists and a user's own
held-out prompts are what SFT data gets evaluated on, so they are what it must not contain.

Where the prompts come from:

- ``eval_sets: [{path, name, format?, limit?}]``: a file, folder, glob or fsspec URL, as the
  ``read`` stage takes them, read with ``curate.readers.read_file`` (any layout the readers know:
  an MT-Bench ``question.jsonl`` reads as prompt-only records); every user turn of every record
  is one prompt, records with answers included. Paths are checked by ``curatrain validate``.
- with ``read_prompts: true`` (default), every ``kind: prompts`` input of the ``read`` stage (its
  ``prompts`` artifact: Parquet with ``id``, ``source``, ``messages``, ``meta``), named by source.

No prompt at all is an error. What is compared: each **user turn** of a training conversation
(``view: user_turns``, default) or every turn (``view: all_turns``, assistant answers included)
against each prompt, by 13-gram overlap, a MinHash near-match checked by exact Jaccard, and (short
prompts) a word-edit distance (rules, thresholds and their sources: ``curate.dedup.decontam``).

Params (defaults): ``ngram`` 13, ``min_ngram`` 8, ``min_tokens`` 4, ``threshold`` 0.5,
``shingle_ngram`` 2, ``max_edits`` 2, ``num_perm`` 128, ``seed`` null (the pipeline seed), ``batch_size`` 20000 (turns
per batch).

Rejects: ``drop_reason`` ``eval_contamination``; ``drop_detail`` names the eval set, the item id
(the record's own id such as MT-Bench's ``question_id`` when it has one, else its row id), the
prompt's turn and the evidence, e.g. ``mt_bench item 81 turn 1: 13-gram "compose an engaging
travel blog post about a recent trip to hawaii highlighting" (7 shared)``, ``mt_bench item 99
turn 2: jaccard=1.00`` or ``mt_bench item 135 turn 2: word_edits=2``; ``(K shared)`` counts the
row's n-grams in that prompt and ``; +N more eval prompts`` the other prompts it matches. When a
row matches several prompts, the reported one is an n-gram match before a near-match before a
word-edit match, then the prompt sharing the most n-grams with the row (an exact copy of one
prompt shares all of them, a prompt of the same template a few), then the highest Jaccard, then
prompt order (eval sets in the order given, then read prompts). Every match is written to the
``matches`` artifact (Parquet: ``id``, ``eval_set``, ``item``, ``turn``, ``method``, ``tokens``,
``jaccard``, ``word_edits``).

Counters: ``dropped.eval_contamination``, ``prompts``, ``prompts_skipped_short``,
``matches.ngram``, ``matches.jaccard``, ``matches.edit``, and per eval set NAME
``eval.NAME.items``, ``eval.NAME.prompts``, ``eval.NAME.rows`` (training rows it contaminated; a
row matching two sets counts for both) and ``eval.NAME.items_hit`` (its items matched by at least
one row).

Example (YAML)::

    - stage: decontaminate
      eval_sets: [{path: pipelines/data/sample/fastchat_mt_bench_question.jsonl, name: mt_bench}]
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from curate.dedup.decontam import EDIT, JACCARD, NGRAM, DecontamConfig, EvalPrompt, build_index, find_matches, matched_spans
from curate.registry import register
from curate.stage import Context, Stage, StageParams, StageResult

_D = DecontamConfig()
REASON = "eval_contamination"


class EvalSetSpec(BaseModel):
    """One prompt set: ``path``, ``name`` (used in drop details and counters), reader ``format``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field(min_length=1, description="prompt file, folder, glob or fsspec URL (relative to the working directory)")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="eval set name in drop details")
    format: str = Field("auto", description="auto, or a reader format (curatrain stages read)")
    limit: int | None = Field(None, ge=1, description="read at most this many records")

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        from curate.readers import FORMATS

        if v != "auto" and v not in FORMATS:
            raise ValueError(f"unknown format {v!r}; known: auto, {', '.join(FORMATS)}")
        return v


@register
class Decontaminate(Stage):
    """Drop conversations whose turns overlap eval prompts (13-gram overlap + MinHash near-match)."""

    name = "decontaminate"
    version = "1"

    class Params(StageParams):
        eval_sets: list[EvalSetSpec] = Field(default_factory=list, description="prompt files to decontaminate against")
        read_prompts: bool = Field(True, description="also use every kind: prompts input of the read stage")
        view: Literal["user_turns", "all_turns"] = Field(
            "user_turns", description="training turns compared: user turns, or every turn (answers too)")
        ngram: int = Field(_D.ngram, ge=1, le=64, description="tokens per n-gram (GPT-3: 13)")
        min_ngram: int = Field(_D.min_ngram, ge=1, le=64,
                               description="shortest shared run when a prompt or turn is shorter than ngram (GPT-3: 8)")
        min_tokens: int = Field(_D.min_tokens, ge=1, description="prompts with fewer tokens are skipped")
        threshold: float = Field(_D.threshold, gt=0.0, le=1.0, description="exact shingle-set Jaccard of a near-match")
        shingle_ngram: int = Field(_D.shingle_ngram, ge=1, le=16, description="tokens per near-match shingle")
        max_edits: int = Field(_D.max_edits, ge=0, le=4,
                               description="word edits allowed between a whole turn and a short prompt (0: off)")
        num_perm: int = Field(_D.num_perm, ge=8, le=1024, description="MinHash permutations")
        seed: int | None = Field(None, ge=0, description="MinHash permutation seed; null: the pipeline seed")
        batch_size: int = Field(_D.batch_size, ge=1, description="training turns per batch (memory knob)")

        @model_validator(mode="after")
        def _consistent(self):
            if self.min_ngram > self.ngram:
                raise ValueError(f"min_ngram ({self.min_ngram}) must be <= ngram ({self.ngram})")
            names = [e.name for e in self.eval_sets]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"eval set names must be unique; repeated: {', '.join(dup)}")
            return self

        def missing_files(self) -> list[str]:
            from curate.readers.sources import missing_data

            return [f"eval_sets[{i}].path: {what}: {e.path} (relative to {Path.cwd()})"
                    for i, e in enumerate(self.eval_sets) if (what := missing_data(e.path))]

        def config(self, pipeline_seed: int = 1) -> DecontamConfig:
            """The algorithm's settings; ``seed: null`` takes ``pipeline_seed``."""
            seed = pipeline_seed if self.seed is None else self.seed
            return DecontamConfig(ngram=self.ngram, min_ngram=self.min_ngram, min_tokens=self.min_tokens,
                                  threshold=self.threshold, shingle_ngram=self.shingle_ngram, max_edits=self.max_edits,
                                  num_perm=self.num_perm, seed=seed, batch_size=self.batch_size)

    @classmethod
    def check(cls, params, stages) -> list[str]:
        if params.eval_sets:
            return []
        if params.read_prompts:
            for name, p in stages:
                if name == "read" and any(getattr(i, "kind", None) == "prompts" for i in getattr(p, "inputs", [])):
                    return []
        return ["no prompt set to decontaminate against: give eval_sets: [{path, name}]"
                + (" or a read input with kind: prompts" if params.read_prompts else "")]

    def fingerprint(self) -> str:
        """Hash of every eval set file (content for local files, fsspec info for remote ones), so
        editing, adding or removing one invalidates the cache."""
        from curate.readers.sources import expand, file_signature

        h = hashlib.blake2b(digest_size=16)
        for e in self.params.eval_sets:
            h.update(e.path.encode())
            for f in expand(e.path):
                h.update(file_signature(f))
        return h.hexdigest()

    # ------------------------------------------------------------ prompts

    def prompts(self, ctx: Context) -> list[EvalPrompt]:
        """Every eval prompt: the eval set files, then the read stage's ``prompts`` artifact.
        Raises ``ValueError`` (one line) for an eval set that yields no prompt, or when there is
        no prompt at all."""
        from curate.readers import read_file
        from curate.readers.sources import expand

        out: list[EvalPrompt] = []
        for i, e in enumerate(self.params.eval_sets):
            files = expand(e.path)
            if not files:
                raise ValueError(f"eval_sets[{i}].path: no data file matches {e.path}")
            got, records, rejects = [], 0, []
            for f in files:
                res = read_file(f, e.name, e.format, limit=e.limit)
                # answer-less records are prompts; records with answers give their user turns
                got += _prompts_from_records(e.name, getattr(res, "prompts", []) or [])
                got += _prompts_from_records(e.name, res.rows)
                records += res.records
                rejects += res.rejects
            if not got:
                top = _top_reason(rejects)
                raise ValueError(f"eval_sets[{i}] {e.path}: no prompts read ({records} records"
                                 f"{', top reject: ' + top if top else ''})")
            out += got
        if self.params.read_prompts:
            path = (ctx.artifacts.get("read") or {}).get("prompts")
            if path and Path(path).is_file():
                frame = pl.read_parquet(path)
                recs = frame.select([c for c in ("id", "source", "messages", "meta") if c in frame.columns]).to_dicts()
                for src in dict.fromkeys(r.get("source") or "prompts" for r in recs):
                    out += _prompts_from_records(src, [r for r in recs if (r.get("source") or "prompts") == src])
        if not out:
            raise ValueError("no eval prompts found: give eval_sets: [{path, name}] or read an input with kind: prompts")
        return out

    # ------------------------------------------------------------ run

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        t0 = time.perf_counter()
        prompts = self.prompts(ctx)
        index = build_index(prompts, p.config(ctx.seed))
        if index.skipped.any():
            first = prompts[int(np.flatnonzero(index.skipped)[0])]
            ctx.log.warning("decontaminate: %d eval prompts shorter than min_tokens=%d tokens are not matched "
                            "(e.g. %s item %s: %r)", int(index.skipped.sum()), p.min_tokens, first.eval_set,
                            first.item, first.text[:60])
        t1 = time.perf_counter()
        turns = df.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"), "messages").explode("messages")
        turns = turns.select("_row", role=pl.col("messages").struct.field("role"),
                             content=pl.col("messages").struct.field("content"))
        if p.view == "user_turns":
            turns = turns.filter(pl.col("role") == "user")
        else:
            turns = turns.filter(pl.col("role").is_not_null())
        m = find_matches(turns["content"], index)
        t2 = time.perf_counter()

        rows = turns["_row"].to_numpy()[m.text] if len(m) else np.zeros(0, np.int64)
        # shared n-grams per (row, prompt), summed over the row's turns
        key = rows * len(prompts) + m.prompt
        uk, inv = np.unique(key, return_inverse=True)
        row_hits = np.bincount(inv, weights=m.hits).astype(np.int64)[inv] if len(m) else np.zeros(0, np.int64)
        # reported match per row: n-gram before near-match before word edits, then the prompt sharing
        # the most n-grams with the row, then the highest Jaccard, then prompt order, then turn order
        jac = np.nan_to_num(m.jaccard, nan=0.0)
        order = np.lexsort((m.text, m.prompt, -jac, -row_hits, m.method, rows))
        first = np.ones(len(order), dtype=bool)
        first[1:] = rows[order][1:] != rows[order][:-1]
        hit_rows = np.unique(rows)
        more = dict(zip(*np.unique(uk // len(prompts), return_counts=True))) if len(m) else {}
        rep = order[first]
        ng = rep[m.method[rep] == NGRAM]
        spans = dict(zip(ng.tolist(), matched_spans(turns["content"].gather(m.text[ng]).to_list(),
                                                     m.start[ng], m.length[ng])))
        details: dict[int, str] = {}
        for i in rep.tolist():
            r = int(rows[i])
            if i in spans:
                ev = f'{m.length[i]}-gram "{spans[i]}"' + (f" ({row_hits[i]} shared)" if row_hits[i] > 1 else "")
            elif m.method[i] == JACCARD:
                ev = f"jaccard={m.jaccard[i]:.2f}"
            else:
                ev = f"word_edits={m.edits[i]}"
            q = prompts[m.prompt[i]]
            n_more = int(more[r]) - 1
            details[r] = (f"{q.eval_set} item {q.item} turn {q.turn}: {ev}"
                          + (f"; +{n_more} more eval prompt{'s' if n_more > 1 else ''}" if n_more else ""))

        drop = np.zeros(df.height, dtype=bool)
        drop[hit_rows] = True
        mask = pl.Series(drop)
        kept = df.filter(~mask)
        bad = df.filter(mask)
        detail = pl.Series("d", [details[int(r)] for r in np.flatnonzero(drop)], dtype=pl.String)
        rejected = self.reject(bad, REASON, detail if bad.height else None)

        counters: dict[str, Any] = {f"dropped.{REASON}": int(drop.sum()), "prompts": len(prompts),
                                    "prompts_skipped_short": int(index.skipped.sum()),
                                    "matches.ngram": int((m.method == NGRAM).sum()),
                                    "matches.jaccard": int((m.method == JACCARD).sum()),
                                    "matches.edit": int((m.method == EDIT).sum())}
        sets = np.array([q.eval_set for q in prompts], dtype=object)
        items = np.array([q.item for q in prompts], dtype=object)
        for name in dict.fromkeys(sets.tolist()):
            mine = sets[m.prompt] == name if len(m) else np.zeros(0, bool)
            counters[f"eval.{name}.items"] = len(set(items[sets == name]))
            counters[f"eval.{name}.prompts"] = int((sets == name).sum())
            counters[f"eval.{name}.rows"] = len(np.unique(rows[mine]))
            counters[f"eval.{name}.items_hit"] = len(set(items[m.prompt[mine]]))
        counters["seconds.index"] = round(t1 - t0, 3)
        counters["seconds.match"] = round(t2 - t1, 3)

        artifacts = {}
        if len(m):
            ids = df["id"].to_numpy()
            pl.DataFrame({
                "id": ids[rows].tolist(),
                "eval_set": sets[m.prompt].tolist(),
                "item": items[m.prompt].tolist(),
                "turn": [prompts[k].turn for k in m.prompt],
                "method": np.array(["ngram", "jaccard", "edit"])[m.method].tolist(),
                "tokens": m.length.tolist(),
                "jaccard": m.jaccard.tolist(),
                "word_edits": m.edits.tolist(),
            }).write_parquet(Path(ctx.artifact_dir) / "matches.parquet")
            artifacts["matches"] = str(Path(ctx.artifact_dir) / "matches.parquet")
        return StageResult(kept=kept, rejected=rejected, counters=counters, artifacts=artifacts)


def _meta(meta: Any) -> dict:
    if isinstance(meta, dict):
        return meta
    if isinstance(meta, str) and meta:
        try:
            v = json.loads(meta)
            return v if isinstance(v, dict) else {}
        except ValueError:
            return {}
    return {}


def _prompts_from_records(name: str, records: list) -> list[EvalPrompt]:
    """Eval prompts of ``records``: each user turn of a record with ``messages`` (1-based turn
    numbers), or a record's ``prompt``/``text`` string, or a bare string. The item id is the
    record's own id (``meta.original_id``) when it has one, else its row id."""
    out: list[EvalPrompt] = []
    for k, r in enumerate(records):
        if isinstance(r, str):
            texts, item = [r], str(k)
        elif isinstance(r, dict):
            meta = _meta(r.get("meta"))
            rid = str(r.get("id", k))
            item = str(meta.get("original_id") or meta.get("question_id") or rid)
            msgs = r.get("messages")
            if msgs:
                texts = [m.get("content") for m in msgs if isinstance(m, dict) and m.get("role") == "user"]
            else:
                texts = [r.get("prompt") or r.get("text")]
        else:
            continue
        out += [EvalPrompt(name, item, t + 1, s) for t, s in enumerate(texts) if isinstance(s, str) and s.strip()]
    return out


def _top_reason(rejects: list[dict]) -> str:
    from collections import Counter

    c = Counter(r.get("drop_reason") for r in rejects)
    return c.most_common(1)[0][0] if c else ""
