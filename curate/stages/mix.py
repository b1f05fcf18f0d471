"""``mix``: resample the frame to per-source (and per-category) target shares, in rows or tokens.

Input: a canonical frame. Output: the rows that fill each source's quota (input order), then any
upsampled copies (ids suffixed ``#dup1``, ``#dup2``...; ``counters["rows_added"]`` counts them).
Every other row is rejected: ``source_not_in_mix`` (source has no weight), ``category_not_in_mix``
(``category_weights`` given for the source and the row's ``meta.category`` is not listed) or
``mix_over_quota`` (its source's quota was already filled).

Arithmetic (``unit`` = ``rows`` or ``tokens``; tokens = ``stat_tokens`` or ``ceil(chars/4)``):

1. Shares ``w_s``: ``weights`` normalised to sum 1; without ``weights``, ``w_s ∝ n_s^(1/τ)``
   with ``n_s`` the source's size in ``unit`` and τ = ``temperature`` (default 1 = natural
   proportions; τ > 1 flattens towards uniform, as in multilingual sampling, e.g. XLM-R/mT5).
   ``category_weights[s]`` splits source ``s``'s share among the listed ``meta.category`` values.
2. ``total`` T: given, or the largest T at which every target fits its available data without
   upsampling: ``T = min over targets of available / share`` (a target whose cap is below its
   available data never limits T).
3. Quota ``q_s = min(w_s · T, caps[s])`` (caps win over weights; the realised share then falls
   below target and the report shows it), split over categories; row quotas are rounded with
   the largest-remainder method so they add up to the rounded total.
4. A quota above ``available × max_upsample`` raises ``ValueError`` naming the source (and
   category), the target and what is available. With ``max_upsample`` m > 1 a row may appear up to
   ``ceil(m)`` times and a target may take up to ``m × available``.
5. Filling: rows in order of ``stat_select_score`` (desc) when the column exists, else a seeded
   random order (ties seeded too). In tokens, a row that would overflow the quota is skipped
   and the walk goes on; later passes over the same order make the upsampled copies.

Counters: ``unit``, ``total_target``, ``rows_added``, ``dropped.<reason>`` and ``realised``:
``{source: {rows, tokens, share, target_share, quota, available_rows, available_tokens, copies}}``
(``share`` is in ``unit``), plus ``realised_categories`` when categories are mixed.

Replay (the forgetting guard): ``replay: {share, source | path}`` adds general-purpose rows so that they make up
``share`` of the final mix (in ``unit``) and marks them ``meta.replay = true``: training holds a slice of them out
as its general eval (``train.general_eval``, default: these rows) and warns when that loss rises while in-domain
eval loss falls. Replay of earlier/general data against forgetting in fine-tuning: Scialom et al. 2022 ("Fine-tuned
Language Models are Continual Learners", 1% rehearsal), Luo et al. 2023. ``source``: a source of this pipeline,
taken out of the weights arithmetic above and filled to ``R = round(share · U / (1 − share))`` units, U the units the
rest of the mix realised (seeded order, or ``stat_select_score``; its rows past the quota are ``mix_over_quota``).
``path``: a conversation file read with ``curate.readers`` (source ``replay.name``); its rows join the frame
(counted in ``rows_added``, not in rejects: they were never input). The realised mix lists the replay source with
``replay: true``; every other source's ``target_share`` is scaled by ``1 − share``.

Spec-time check: every key of ``weights``, ``caps`` and ``category_weights`` must be a source
declared by the read stage's ``inputs[].source``; so must ``replay.source``, which may not also have a weight.

Example::

    - {stage: mix, unit: tokens, weights: {sharegpt: 0.5, oasst: 0.3, alpaca: 0.2}, caps: {alpaca: 200000}}
    - {stage: mix, temperature: 2.0, total: 1000}
    - {stage: mix, weights: {glaive_toolcall: 1}, replay: {source: oasst, share: 0.2}}
    - {stage: mix, weights: {glaive_toolcall: 1}, replay: {path: pipelines/data/sample/oasst_en_100_tree.jsonl, share: 0.2}}
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from curate.registry import register
from curate.select.scores import token_expr
from curate.stage import Context, Stage, StageParams, StageResult

OVER_QUOTA = "mix_over_quota"
NOT_IN_MIX = "source_not_in_mix"
CATEGORY_NOT_IN_MIX = "category_not_in_mix"


class ReplaySpec(BaseModel):
    """General-purpose replay rows in the mix (see the module docstring). Exactly one of ``source``, ``path``."""

    model_config = ConfigDict(extra="forbid")
    share: float = Field(gt=0.0, lt=1.0, description="share of the final mix (in unit) made of replay rows")
    source: str | None = Field(None, min_length=1, description="a source read by this pipeline (no weight of its own)")
    path: str | None = Field(None, min_length=1, description="a conversation file read with curate.readers, e.g. "
                                                             "pipelines/data/sample/oasst_en_100_tree.jsonl")
    name: str = Field("replay", min_length=1, description="source name of the rows read from path")

    @model_validator(mode="after")
    def _one(self):
        if (self.source is None) == (self.path is None):
            raise ValueError("replay: give exactly one of source, path")
        return self


@register
class Mix(Stage):
    """Per-source / per-category target shares in rows or tokens, with caps, upsampling and temperature."""

    name = "mix"
    version = "1"
    uses_seed = True  # which rows fill a quota and which are upsampled

    class Params(StageParams):
        weights: dict[str, float] | None = Field(
            None, description="source → target weight (normalised); default: temperature sampling")
        category_weights: dict[str, dict[str, float]] | None = Field(
            None, description="source → {meta.category → weight} splitting that source's share")
        unit: Literal["rows", "tokens"] = Field("rows", description="what weights, total and caps count")
        total: int | None = Field(None, ge=1, description="rows/tokens in the mix, replay rows not counted (default: largest "
                                                              "without upsampling)")
        caps: dict[str, int] | None = Field(None, description="source → most rows/tokens it may contribute")
        max_upsample: float = Field(1.0, ge=1.0, le=100.0,
                                    description="a row may appear up to ceil(this) times; 1 = no upsampling")
        temperature: float | None = Field(
            None, gt=0.0, le=100.0, description="without weights: shares ∝ size^(1/temperature) (default 1)")
        replay: ReplaySpec | None = Field(
            None, description="general-purpose replay rows against forgetting: {share, source | path}; marked "
                              "meta.replay, held out in part as training's general eval")

        @model_validator(mode="after")
        def _check(self):
            if self.weights is not None:
                if self.temperature is not None:
                    raise ValueError("give weights or temperature, not both")
                if any(v < 0 for v in self.weights.values()) or not any(v > 0 for v in self.weights.values()):
                    raise ValueError("weights must be >= 0 with at least one > 0")
            for s, cw in (self.category_weights or {}).items():
                if any(v < 0 for v in cw.values()) or not any(v > 0 for v in cw.values()):
                    raise ValueError(f"category_weights[{s}] must be >= 0 with at least one > 0")
                if self.weights is not None and self.weights.get(s, 0) <= 0:
                    raise ValueError(f"category_weights names source {s!r}, which has no weight")
            if any(v < 0 for v in (self.caps or {}).values()):
                raise ValueError("caps must be >= 0")
            rs = self.replay.source if self.replay is not None else None
            if rs is not None and rs in (self.weights or {}) | (self.caps or {}) | (self.category_weights or {}):
                raise ValueError(f"replay.source {rs!r} also has a weight/cap: the replay share decides its rows")
            return self

    @classmethod
    def check(cls, params, stages) -> list[str]:
        """Every source named in weights/caps/category_weights must be declared by a read stage."""
        declared: set[str] = set()
        found = False
        for name, sp in stages:
            inputs = getattr(sp, "inputs", None)
            if name == "read" and inputs is not None:
                found = True
                declared.update(inp.source for inp in inputs)
        if not found:
            return []
        problems = []
        for field_name in ("weights", "caps", "category_weights"):
            for key in (getattr(params, field_name) or {}):
                if key not in declared:
                    problems.append(f"{field_name}: source {key!r} is not read by any input; "
                                    f"declared sources: {', '.join(sorted(declared)) or '(none)'}")
        rp = params.replay
        if rp is not None and rp.source is not None and rp.source not in declared:
            problems.append(f"replay.source: {rp.source!r} is not read by any input; "
                            f"declared sources: {', '.join(sorted(declared)) or '(none)'}")
        if rp is not None and rp.path is not None:
            if not Path(rp.path).is_file():
                problems.append(f"replay.path: {rp.path} is not a file")
            if rp.name in declared:
                problems.append(f"replay.name: {rp.name!r} is also a source read by the pipeline; pick another name")
        return problems

    # ------------------------------------------------------------------ run

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        rp = self.params.replay
        if rp is None:
            return self._mix(df, ctx)
        if rp.source is not None:
            replay_df, main = df.filter(pl.col("source") == rp.source), df.filter(pl.col("source") != rp.source)
        else:
            replay_df, main = _read_replay(rp), df
        if replay_df.height == 0:
            raise ValueError(f"mix: replay source {rp.source!r} has no rows (all dropped upstream?)")
        return self._add_replay(self._mix(main, ctx), replay_df, from_input=rp.source is not None, ctx=ctx)

    def _add_replay(self, res: StageResult, rdf: pl.DataFrame, *, from_input: bool, ctx: Context) -> StageResult:
        """``res`` (the mix without replay) plus the replay rows that make ``replay.share`` of the total units."""
        p, rp = self.params, self.params.replay
        c = res.counters
        main_units = int(c["total_realised"])
        quota = int(round(rp.share * main_units / (1.0 - rp.share)))
        n = rdf.height
        tok = rdf.select(token_expr(rdf).alias("t"))["t"].to_numpy().astype(np.int64)
        size = np.ones(n, dtype=np.int64) if p.unit == "rows" else tok
        available = int(size.sum())
        limit = math.floor(available * p.max_upsample + 1e-9)
        src = rp.source or rp.name
        if quota > limit:
            raise ValueError(f"mix: replay {src!r}: share {rp.share:.1%} of the mix needs {quota:,} {p.unit} but only "
                             f"{available:,} are available (max_upsample {p.max_upsample:g}); lower replay.share, "
                             "add replay rows or raise max_upsample")
        rng = np.random.default_rng([ctx.seed, 0x7E9])
        tie = rng.random(n)
        if "stat_select_score" in rdf.columns:
            key = rdf["stat_select_score"].to_numpy().astype(np.float64)
            order = np.lexsort((tie, -np.nan_to_num(key, nan=-np.inf)))
        else:
            order = np.argsort(tie, kind="stable")
        copies = np.zeros(n, dtype=np.int64)
        _fill(order, size, quota, math.ceil(p.max_upsample - 1e-9), copies)
        marked = rdf.with_columns(meta=pl.col("meta").map_elements(_mark_replay, return_dtype=pl.String))
        parts = [marked.filter(pl.Series(copies > 0))]
        for k in range(2, int(copies.max(initial=0)) + 1):
            parts.append(marked.filter(pl.Series(copies >= k)).with_columns(id=pl.col("id") + f"#dup{k - 1}"))
        kept = pl.concat([res.kept, *parts], how="diagonal_relaxed")
        rejected = res.rejected
        over = int((copies == 0).sum())
        if from_input and over:
            rej = self.reject(rdf.filter(pl.Series(copies == 0)), OVER_QUOTA,
                              f"replay {src}: quota {quota:,} {p.unit} filled")
            rejected = pl.concat([rejected, rej], how="diagonal_relaxed")
        added = int(np.maximum(copies - 1, 0).sum()) + (0 if from_input else int((copies > 0).sum()))
        units = int((size * copies).sum())
        total = main_units + units
        realised = {}
        for s, r in c["realised"].items():
            realised[s] = {**r, "target_share": round(r["target_share"] * (1.0 - rp.share), 4),
                           "share": round((r["tokens"] if p.unit == "tokens" else r["rows"]) / total, 4) if total else 0.0}
        realised[src] = {"rows": int(copies.sum()), "tokens": int((tok * copies).sum()),
                         "share": round(units / total, 4) if total else 0.0, "target_share": round(rp.share, 4),
                         "quota": quota, "available_rows": n, "available_tokens": int(tok.sum()),
                         "copies": int(np.maximum(copies - 1, 0).sum()), "replay": True}
        counters = {**c, "total_realised": total, "rows_added": c["rows_added"] + added,
                    "rows_out": c["rows_out"] + int(copies.sum()), "realised": realised,
                    "dropped.mix_over_quota": c["dropped.mix_over_quota"] + (over if from_input else 0),
                    "replay": {"source": src, "path": rp.path, "share": round(units / total, 4) if total else 0.0,
                               "target_share": rp.share, "quota": quota, "rows": int(copies.sum())}}
        return StageResult(kept=kept, rejected=rejected, counters=counters)

    def _mix(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        n = df.height
        tok = df.select(token_expr(df).alias("t"))["t"].to_numpy().astype(np.int64) if n else np.zeros(0, np.int64)
        size = np.ones(n, dtype=np.int64) if p.unit == "rows" else tok
        sources = np.asarray(df["source"].to_list(), dtype=object)
        cats = _categories(df) if p.category_weights else np.full(n, None, dtype=object)

        # 1. shares per source
        present = {s: int(size[sources == s].sum()) for s in dict.fromkeys(sources.tolist())}
        if p.weights is not None:
            w = {s: float(v) for s, v in p.weights.items() if v > 0}
        else:
            tau = p.temperature or 1.0
            w = {s: float(a) ** (1.0 / tau) for s, a in present.items() if a > 0}
        tot_w = sum(w.values())
        share = {s: v / tot_w for s, v in w.items()} if tot_w > 0 else {}

        # leaves: (source, category|None) with share, availability and member rows
        leaves: list[dict] = []
        reject_reason = np.full(n, None, dtype=object)
        reject_detail = np.full(n, None, dtype=object)
        in_mix = np.zeros(n, dtype=bool)
        for s, ws in share.items():
            rows_s = np.flatnonzero(sources == s)
            cw = (p.category_weights or {}).get(s)
            if cw:
                cw = {c: v for c, v in cw.items() if v > 0}
                cwt = sum(cw.values())
                for c, v in cw.items():
                    r = rows_s[cats[rows_s] == c]
                    leaves.append(dict(source=s, category=c, share=ws * v / cwt, source_share=ws, rows=r))
                    in_mix[r] = True
                out = rows_s[~np.isin(cats[rows_s].astype(str), list(cw))]
                reject_reason[out] = CATEGORY_NOT_IN_MIX
                reject_detail[out] = f"category not in category_weights[{s}]: {', '.join(cw)}"
            else:
                leaves.append(dict(source=s, category=None, share=ws, source_share=ws, rows=rows_s))
                in_mix[rows_s] = True
        not_in = ~in_mix & (reject_reason == None)  # noqa: E711
        reject_reason[not_in] = NOT_IN_MIX
        reject_detail[not_in] = f"mix sources: {', '.join(share)}"
        for lf in leaves:
            lf["available"] = int(size[lf["rows"]].sum())
            if lf["available"] == 0:
                where = f"source {lf['source']!r}" + (f" category {lf['category']!r}" if lf["category"] is not None else "")
                raise ValueError(f"mix: {where}: target share {lf['share']:.1%} but no {p.unit} available "
                                 f"(all its rows were dropped upstream?); remove it from weights")

        caps = p.caps or {}

        def leaf_cap(lf) -> float:
            c = caps.get(lf["source"])
            return math.inf if c is None else c * lf["share"] / lf["source_share"]

        # 2. total
        if p.total is not None:
            total = float(p.total)
        else:
            binding = [lf["available"] / lf["share"] for lf in leaves if leaf_cap(lf) > lf["available"]]
            if binding:
                total = min(binding)
            else:
                total = max((leaf_cap(lf) / lf["share"] for lf in leaves), default=0.0)
            total = float(math.floor(total + 1e-9))

        # 3. quotas
        raw = [min(lf["share"] * total, leaf_cap(lf)) for lf in leaves]
        quotas = _largest_remainder(raw) if raw else []
        # 4. feasibility
        for lf, q in zip(leaves, quotas):
            lf["quota"] = q
            limit = math.floor(lf["available"] * p.max_upsample + 1e-9)
            if q > limit:
                where = f"source {lf['source']!r}" + (f" category {lf['category']!r}" if lf["category"] is not None else "")
                how = ("upsampling is off (max_upsample: 1)" if p.max_upsample == 1.0
                       else f"max_upsample {p.max_upsample:g} allows {limit:,}")
                raise ValueError(
                    f"mix: {where}: target {q:,} {p.unit} ({lf['share']:.1%} of total {int(total):,}) but only "
                    f"{lf['available']:,} {p.unit} available and {how}; lower total, raise max_upsample "
                    f"to >= {q / max(lf['available'], 1):.2f}, or leave total unset")

        # 5. fill
        order_key = df["stat_select_score"].to_numpy() if "stat_select_score" in df.columns else None
        rng = np.random.default_rng([ctx.seed, 0x313])
        tie = rng.random(n)
        copies = np.zeros(n, dtype=np.int64)  # times each row is emitted
        max_copies = math.ceil(p.max_upsample - 1e-9)
        for lf in leaves:
            r = lf["rows"]
            if order_key is not None:
                o = r[np.lexsort((tie[r], -np.nan_to_num(order_key[r].astype(np.float64), nan=-np.inf)))]
            else:
                o = r[np.argsort(tie[r], kind="stable")]
            lf["taken"] = _fill(o, size, lf["quota"], max_copies, copies)
            over = o[copies[o] == 0]
            reject_reason[over] = OVER_QUOTA
            for rank_pos in np.flatnonzero(copies[o] == 0):
                reject_detail[o[rank_pos]] = (f"{lf['source']}" + (f"/{lf['category']}" if lf["category"] is not None else "")
                                              + f": quota {lf['quota']:,} {p.unit} filled (rank {rank_pos + 1} of {len(o)})")

        return self._result(df, tok, copies, reject_reason, reject_detail, leaves, share, total)

    def _result(self, df, tok, copies, reason, detail, leaves, share, total) -> StageResult:
        p = self.params
        base = df.with_columns(_reason=pl.Series(list(reason), dtype=pl.String),
                               _detail=pl.Series(list(detail), dtype=pl.String))
        kept_orig = df.filter(pl.Series(copies > 0))
        dup_frames = []
        for k in range(2, int(copies.max(initial=0)) + 1):
            d = df.filter(pl.Series(copies >= k)).with_columns(id=pl.col("id") + f"#dup{k - 1}")
            dup_frames.append(d)
        kept = pl.concat([kept_orig, *dup_frames]) if dup_frames else kept_orig
        rejected = self.reject(base.filter(pl.Series(copies == 0)), pl.col("_reason"), pl.col("_detail")).drop(
            "_reason", "_detail")
        rows_added = int(np.maximum(copies - 1, 0).sum())

        unit_size = np.ones(len(tok), dtype=np.int64) if p.unit == "rows" else tok
        src = np.asarray(df["source"].to_list(), dtype=object)
        total_units = int((unit_size * copies).sum())
        realised = {}
        for s, ws in share.items():
            m = src == s
            units = int((unit_size[m] * copies[m]).sum())
            realised[s] = {
                "rows": int(copies[m].sum()),
                "tokens": int((tok[m] * copies[m]).sum()),
                "share": round(units / total_units, 4) if total_units else 0.0,
                "target_share": round(ws, 4),
                "quota": int(sum(lf["quota"] for lf in leaves if lf["source"] == s)),
                "available_rows": int(m.sum()),
                "available_tokens": int(tok[m].sum()),
                "copies": int(np.maximum(copies[m] - 1, 0).sum()),
            }
        counters = {
            "unit": p.unit,
            "total_target": int(total),
            "total_realised": total_units,
            "rows_added": rows_added,
            "rows_out": int(copies.sum()),
            "realised": realised,
        }
        if p.category_weights:
            counters["realised_categories"] = {
                f"{lf['source']}/{lf['category']}": {
                    "quota": lf["quota"], "taken": lf["taken"], "available": lf["available"],
                    "target_share": round(lf["share"], 4)} for lf in leaves if lf["category"] is not None}
        rs = np.asarray(list(reason), dtype=object)
        for r in (OVER_QUOTA, NOT_IN_MIX, CATEGORY_NOT_IN_MIX):
            counters[f"dropped.{r}"] = int(((rs == r) & (copies == 0)).sum())
        return StageResult(kept=kept, rejected=rejected, counters=counters)


def _mark_replay(meta: str | None) -> str:
    """``meta`` (JSON object text) with ``"replay": true`` added; a missing or non-object meta becomes
    ``{"replay": true}`` (the original text kept under ``meta_raw``)."""
    try:
        d = json.loads(meta) if meta else {}
    except ValueError:
        d = {"meta_raw": meta}
    if not isinstance(d, dict):
        d = {"meta_raw": d}
    d["replay"] = True
    return json.dumps(d, ensure_ascii=False)


def _read_replay(rp: ReplaySpec) -> pl.DataFrame:
    """The conversations of ``rp.path`` (``curate.readers.read_file``, format detected) as a canonical frame with
    source ``rp.name``; raises ``ValueError`` naming the file when it holds none."""
    from curate.readers import read_file
    from curate.schema import make_frame

    res = read_file(Path(rp.path), source=rp.name)
    rows = [r for r in res.rows if r["messages"] and r["messages"][-1]["role"] == "assistant"]
    if not rows:
        raise ValueError(f"mix: replay.path {rp.path}: no conversation ending on an assistant turn "
                         f"({len(res.rows)} read, {len(res.rejects)} rejected)")
    return make_frame(rows)


def _categories(df: pl.DataFrame) -> np.ndarray:
    """``meta.category`` per row as an object array (None where absent or meta is not JSON)."""
    cat = df.select(pl.col("meta").str.json_path_match("$.category").alias("c"))["c"].to_list()
    return np.asarray(cat, dtype=object)


def _largest_remainder(raw: list[float]) -> list[int]:
    """Round non-negative ``raw`` to ints summing to ``round(sum(raw))`` (largest remainder; ties by position)."""
    finite = [0.0 if math.isinf(x) else x for x in raw]
    floors = [math.floor(x + 1e-9) for x in finite]
    target = int(round(sum(finite)))
    rem = target - sum(floors)
    order = sorted(range(len(finite)), key=lambda i: (-(finite[i] - floors[i]), i))
    for i in order[:max(0, rem)]:
        floors[i] += 1
    return floors


def _fill(order: np.ndarray, size: np.ndarray, quota: int, max_copies: int, copies: np.ndarray) -> int:
    """Take rows of ``order`` (passes 1..max_copies) while they fit ``quota`` units; updates ``copies``."""
    used = 0
    for _ in range(max_copies):
        if used >= quota:
            break
        before = used
        for i in order:
            if used >= quota:
                break
            if used + size[i] <= quota:
                copies[i] += 1
                used += int(size[i])
        if used == before:
            break
    return used
