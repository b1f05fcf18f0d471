"""``diversity_select``: pick a small, diverse, high-scoring subset within a row or token budget.

Input: a canonical frame (any ``stat_*`` columns kept). Output: the chosen rows (input order, plus
``stat_select_rank`` = 0-based pick order) with the score columns of ``curate.select.scores``
(``stat_response_chars``, ``stat_turns``, ``stat_instruction_complexity``, ``stat_tokens_est``,
``stat_nn_distance``, ``stat_cluster``, ``stat_cluster_rarity``, ``stat_select_score``); every other
row is rejected with ``not_selected`` (budget reached / over token budget / farthest-first stopped)
or ``too_similar`` (``repr_filter`` only; detail ``cosine=0.931 to id X``).

Methods (see ``curate.select.selectors`` for the algorithms and sources): ``repr_filter`` (DEITA,
arXiv 2312.15685, τ = ``max_cosine`` = 0.9), ``kcenter`` (Gonzalez 1985), ``cluster_balanced``
(k-means, even share per cluster; LIMA arXiv 2305.11206 "diversity"), ``longest`` (Long Is More,
ICML 2024), ``random``.

Budget: ``budget`` (rows) and/or ``budget_tokens``; both given → stop at whichever is reached first.
Tokens are ``stat_tokens`` when the frame has that column (e.g. from the chat_template stage),
else ``ceil(characters of all turns / 4)``.

Embeddings (``curate.embed.embed_texts`` with ``backend`` torch | onnx | onnx-int8 | static, on-disk
cache in ``cache_dir``; texts in a script the model cannot read get character n-gram vectors in an
orthogonal block instead, ``curate.embed_scripts``) of the ``view`` text are
computed for ``repr_filter``, ``kcenter`` and ``cluster_balanced``, and for ``longest``/``random``
only when ``report: true``. Then spherical k-means (``n_clusters``, default ``round(sqrt(n))`` ≤ 1000)
and the nearest-neighbour distance (exact blockwise up to 20,000 rows; above that, or with
``nn_search: cluster``, searched among the 3 nearest clusters only).

Determinism: the same frame, params and ``ctx.seed`` give the same rows. The seed drives k-means
seeding (hence ``stat_cluster_rarity`` and the score), every tie-break, and ``random``.

On τ with MiniLM: DEITA's 0.9 was tuned for a 7B model's last-token embeddings. With MiniLM on first
user turns, the 1,000 best-scored rows of a 10k real pool had no pair above cosine 0.74, so
``max_cosine: 0.9`` acts as near-duplicate removal only (measured rejections in that walk:
τ 0.9 → 0, 0.8 → 0, 0.7 → 1, 0.6 → 31). For spread, use ``kcenter``/``cluster_balanced`` or τ ≈ 0.6.

Artifacts (when embeddings exist): ``selection_map`` (PNG, 2-D PCA, selected vs. rejected) and
``selection_clusters`` (JSON, per-cluster size and selected count).

Scale (``benchmarks/select_bench.py``, 2 cores shared with other jobs, load 3.5-7): the whole stage
on cached vectors takes 3-10 s for 10k candidates and 30-60 s for 100k (k-means 10-25 s,
cluster-restricted nearest neighbours 5-15 s, the selector itself < 1 s for repr_filter and 8-17 s
for kcenter), peak RSS ~1.1-1.3 GB at 100k. Embedding dominates a cold run: ~300 short texts/s on an
idle machine (env-check §2), 14-46 texts/s measured under that contention.

Example::

    - {stage: diversity_select, method: repr_filter, budget: 1000, max_cosine: 0.9}
    - {stage: diversity_select, method: longest, budget_tokens: 750000}
"""

from __future__ import annotations

import os
import time
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field, model_validator

from curate.registry import register
from curate.schema import view_expr
from curate.select import clustering as km
from curate.select import scores as sc
from curate.select import selectors as sel
from curate.select.report import cluster_counts, write_report
from curate.stage import Context, Stage, StageParams, StageResult

EMBEDDING_METHODS = ("repr_filter", "kcenter", "cluster_balanced")
#: above this many candidates ``nn_search: auto`` searches nearby clusters only
EXACT_NN_MAX_ROWS = 20_000


@register
class DiversitySelect(Stage):
    """Budgeted diversity selection: repr_filter (DEITA), kcenter, cluster_balanced, longest, random."""

    name = "diversity_select"
    version = "1"
    uses_seed = True  # k-means, k-center and random selection draw from the pipeline seed

    class Params(StageParams):
        method: Literal["repr_filter", "kcenter", "cluster_balanced", "longest", "random"] = Field(
            "repr_filter", description="selection algorithm")
        budget: int | None = Field(None, ge=1, description="rows to select at most")
        budget_tokens: int | None = Field(None, ge=1, description="tokens to select at most (stat_tokens or chars/4)")
        max_cosine: float = Field(0.9, gt=0.0, le=1.0,
                                  description="repr_filter: reject a row whose cosine to a chosen row is above this (DEITA τ)")
        view: Literal["first_user_turn", "user_turns", "conversation"] = Field(
            "first_user_turn", description="text that is embedded")
        model: str = Field("all-MiniLM-L6-v2", min_length=1,
                           description="sentence-transformers model: default offline MiniLM, or a local path / hub id")
        backend: Literal["torch", "onnx", "onnx-int8", "static"] = Field(
            "torch", description="embedding backend (curate.embed): torch fp32 (reference), onnx, onnx-int8 "
                                 "(dynamic int8), static (model2vec distilled from the model); exported once, offline")
        cache_dir: str | None = Field(None, description="embedding cache folder; null: the pipeline's "
                                      "<cache_dir>/embeddings (shared with semantic_dedup)")
        scripts: list[str] | Literal["auto", "all"] = Field(
            "auto", description="scripts the model embeds (curate.embed_scripts): auto = the model's (default MiniLM: "
                                "latin); other texts get character n-gram LSA vectors in an orthogonal block, so "
                                "they are spread by their own content instead of collapsing into one cluster")
        batch_size: int = Field(64, ge=1, le=4096, description="embedding batch size")
        max_seq_length: int | None = Field(256, ge=8, le=8192, description="truncate texts to this many word pieces")
        n_clusters: int | None = Field(None, ge=1, le=100_000,
                                       description="k-means clusters (default round(sqrt(n)), at most 1000)")
        kmeans_iters: int = Field(25, ge=1, le=1000, description="k-means Lloyd iterations at most")
        nn_search: Literal["auto", "exact", "cluster"] = Field(
            "auto", description="nearest-neighbour search: exact blockwise, or among the 3 nearest clusters")
        score_weights: dict[str, float] | None = Field(
            None, description="weights of the score components (default curate.select.scores.DEFAULT_WEIGHTS)")
        report: bool | None = Field(None, description="write the PCA map and cluster counts (default: when embedding)")

        @model_validator(mode="after")
        def _check(self):
            if self.budget is None and self.budget_tokens is None:
                raise ValueError("set budget (rows) or budget_tokens")
            if self.score_weights is not None:
                unknown = set(self.score_weights) - {"quality", *sc.COMPONENT_COLUMNS}
                if unknown:
                    raise ValueError(f"score_weights: unknown components {sorted(unknown)}; "
                                     f"known: quality, {', '.join(sc.COMPONENT_COLUMNS)}")
                if any(v < 0 for v in self.score_weights.values()):
                    raise ValueError("score_weights must be >= 0")
            return self

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        n = df.height
        counters: dict = {"method": p.method, "candidates": n}
        if n == 0:
            return StageResult(kept=df, counters={**counters, "selected": 0})
        df = sc.add_proxy_stats(df)
        needs_emb = p.method in EMBEDDING_METHODS or bool(p.report)
        X = labels = None
        if needs_emb:
            X, labels, df, emb_counters = self._embed_and_cluster(df, ctx)
            counters.update(emb_counters)
        df = sc.combine(df, p.score_weights)
        tokens = df["stat_tokens_est"].to_numpy().astype(np.int64)
        budget = sel.Budget(rows=p.budget, tokens=p.budget_tokens, token_counts=tokens)
        score = df["stat_select_score"].to_numpy()
        t0 = time.perf_counter()
        if p.method == "repr_filter":
            s = sel.select_repr_filter(X, score, budget, ctx.seed, p.max_cosine)
        elif p.method == "kcenter":
            s = sel.select_kcenter(X, score, budget, ctx.seed)
        elif p.method == "cluster_balanced":
            s = sel.select_cluster_balanced(labels, score, budget, ctx.seed)
        elif p.method == "longest":
            s = sel.select_longest(df["stat_response_chars"].to_numpy(), budget, ctx.seed)
        else:
            s = sel.select_random(n, budget, ctx.seed)
        counters["select_seconds"] = round(time.perf_counter() - t0, 3)

        kept, rejected = self._split(df, s)
        mask = np.zeros(n, dtype=bool)
        mask[s.chosen] = True
        counters.update({
            "selected": int(len(s.chosen)),
            "tokens_selected": int(tokens[s.chosen].sum()),
            "dropped.not_selected": int((s.reason == sel.NOT_SELECTED).sum()),
            "dropped.too_similar": int((s.reason == sel.TOO_SIMILAR).sum()),
        })
        artifacts: dict[str, str] = {}
        if X is not None:
            counters.update(diversity_summary(X, mask, labels))
            if p.report is not False:
                artifacts = write_report(ctx.artifact_dir, X, mask, labels, seed=ctx.seed,
                                         title=f"diversity_select {p.method}: {mask.sum():,} of {n:,}")
        return StageResult(kept=kept, rejected=rejected, counters=counters, artifacts=artifacts)

    # ------------------------------------------------------------------ helpers

    def _embed_and_cluster(self, df: pl.DataFrame, ctx: Context):
        from curate.embed import default_cache_dir, embed_texts

        from curate.embed_scripts import join_spaces, lexical_vectors, model_scripts, readable

        p = self.params
        texts = df.select(view_expr(p.view).fill_null("").alias("t"))["t"].to_list()
        cache = os.path.expanduser(p.cache_dir) if p.cache_dir else default_cache_dir(ctx)
        scripts = model_scripts(p.model) if p.scripts == "auto" else (None if p.scripts == "all" else p.scripts)
        inside = readable(texts, scripts)
        t0 = time.perf_counter()
        X = embed_texts([t for t, ok in zip(texts, inside) if ok], p.model, batch_size=p.batch_size,
                        max_seq_length=p.max_seq_length, cache_dir=cache, backend=p.backend)
        if not inside.all():  # texts the model cannot read: character n-gram vectors in their own block
            X = join_spaces(X, inside, lexical_vectors([t for t, ok in zip(texts, inside) if not ok], seed=ctx.seed))
        emb_s = time.perf_counter() - t0
        X = np.ascontiguousarray(X, dtype=np.float32)
        t0 = time.perf_counter()
        k = p.n_clusters or km.default_k(len(texts))
        labels, C = km.kmeans(X, k, seed=ctx.seed, max_iter=p.kmeans_iters)
        kmeans_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        exact = p.nn_search == "exact" or (p.nn_search == "auto" and len(texts) <= EXACT_NN_MAX_ROWS)
        nn_sim, _ = km.nearest_neighbour_sim(X, None if exact else labels, None if exact else C)
        nn_s = time.perf_counter() - t0
        df = sc.add_embedding_stats(df, nn_sim, labels)
        counters = {
            "embed_seconds": round(emb_s, 3),
            "kmeans_seconds": round(kmeans_s, 3),
            "nn_seconds": round(nn_s, 3),
            "nn_search": "exact" if exact else "cluster",
            "n_clusters": int(C.shape[0]),
            "outside_model_scripts": int((~inside).sum()),
        }
        return X, labels, df, counters

    def _split(self, df: pl.DataFrame, s: sel.Selection) -> tuple[pl.DataFrame, pl.DataFrame]:
        n = df.height
        rank = np.full(n, -1, dtype=np.int64)
        rank[s.chosen] = np.arange(len(s.chosen))
        ids = df["id"].to_list()
        detail = s.detail.copy()
        for i in np.flatnonzero(s.reason == sel.TOO_SIMILAR):
            detail[i] = f"cosine={float(s.similarity[i]):.3f} to id {ids[int(s.similar_to[i])]}"
        tagged = df.with_columns(
            _rank=pl.Series(rank),
            _reason=pl.Series(list(s.reason), dtype=pl.String),
            _detail=pl.Series(list(detail), dtype=pl.String),
        )
        kept = (tagged.filter(pl.col("_rank") >= 0)
                .with_columns(stat_select_rank=pl.col("_rank"))
                .drop("_rank", "_reason", "_detail"))
        dropped = tagged.filter(pl.col("_rank") < 0)
        rejected = self.reject(dropped, pl.col("_reason"), pl.col("_detail")).drop("_rank", "_reason", "_detail")
        return kept, rejected


def diversity_summary(X: np.ndarray, mask: np.ndarray, labels: np.ndarray | None) -> dict:
    """Diversity of the chosen rows: mean/min cosine distance to the nearest other chosen row
    (exact, blockwise; over a seeded sample of 20,000 when more are chosen) and k-means clusters covered. ``X`` (n, d) unit rows, ``mask`` bool (n,)."""
    out: dict = {}
    idx = np.flatnonzero(mask)
    if len(idx) > EXACT_NN_MAX_ROWS:  # keep it O(20k²): a seeded sample of the chosen rows
        idx = np.sort(np.random.default_rng(0).choice(idx, EXACT_NN_MAX_ROWS, replace=False))
        out["selected_nn_sample"] = EXACT_NN_MAX_ROWS
    if len(idx) >= 2:
        sim, _ = km.nearest_neighbour_sim(X[idx])
        d = np.clip(1.0 - sim, 0.0, 2.0)
        out["selected_mean_nn_distance"] = round(float(d.mean()), 4)
        out["selected_min_nn_distance"] = round(float(d.min()), 4)
    if labels is not None:
        cc = cluster_counts(labels, mask)
        out["clusters_covered"] = cc["clusters_covered"]
    return out
