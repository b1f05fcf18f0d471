"""``semantic_dedup``: drop rows whose view embedding has cosine ≥ ``threshold`` with another row's.

Params (defaults): ``view`` (conversation), ``model`` (``default`` = all-MiniLM-L6-v2 from the
offline package, see ``curate.embed``), ``backend`` (``torch``; ``onnx``, ``onnx-int8``, ``static``:
speed and agreement with torch fp32 in ``benchmarks/results/embedding.md``), ``threshold`` (0.95; sources: NeMo SemDeDup eps 0.01 →
0.99, DEITA τ 0.9, see ``curate.dedup.semantic``), ``max_seq_length`` (256 word pieces),
``batch_size`` (64 texts per forward pass), ``block`` (4096: cosine tiles of block × block, never
n × n), ``cache_dir`` (null: ``<pipeline cache>/embeddings`` when run by the runner, no cache
otherwise), ``source_priority`` ([]), ``cluster`` (``keeper``; or ``component``).

Rows with an empty view are kept and never clustered, and so are rows whose view is in a script
the model cannot read (``scripts: auto``: the default English MiniLM reads Latin script only; it
scores unrelated Chinese prompts ≥ 0.95, ``curate.embed_scripts``); counter
``outside_model_scripts``. Rejects: ``semantic_duplicate`` with
``dup_of``, ``similarity`` (cosine to the kept row), ``cluster_id`` (``semantic_dedup:<kept id>``)
and ``drop_detail`` ``cosine=0.97 with <kept id>``. Kept rows get
``stat_semantic_dedup_cluster_size``.

Cluster rule: pairs with cosine ≥ ``threshold`` form connected components, which can chain rows
less similar than the threshold. ``cluster: keeper`` (default) drops a row only if its cosine to
**the row kept for it** is ≥ ``threshold``: in each component the keeper-rule winner is kept, the
members within the threshold of it are dropped, the others re-clustered among themselves the same
way (greedy star clustering, ``curate.dedup.cluster.star_clusters``; the "keep a representative,
drop what lies within the threshold of it" policy of SemDeDup and DEITA's Repr Filter). So
``similarity`` ≥ ``threshold`` for every reject. ``cluster: component`` drops whole components
(text-dedup / datatrove style), where ``similarity`` may fall below the threshold.

Prefilter cascade (``prefilter: static``; issue 12 item 1): every text is first embedded with the
``static`` backend (model2vec distilled from ``model``, ~10^4 texts/s on 2 cores); pairs with static
cosine ≥ ``prefilter_threshold`` (blockwise, ``curate.dedup.semantic.cosine_edges``) are the
candidates; only the texts in a candidate pair are embedded with ``backend`` (through the same
embedding cache, so ``diversity_select`` reuses them), and duplicates are decided on those vectors
among candidate pairs only (``cosine ≥ threshold``), with the same cluster rule, keeper rule and
reject columns as the full path. A pair the prefilter misses is never a duplicate (in ``cluster:
keeper`` a row is only assigned to a keeper it forms a verified pair with), so the cascade's drops
are a subset of the full path's, up to ``onnx-int8``'s batch noise (its vectors move slightly with
their batch-mates). Measured on real first user turns (``benchmarks/semantic_cascade_bench.py``,
``benchmarks/results/semantic_cascade.md``): at the default ``prefilter_threshold`` 0.80 the static
candidates held ≥ 97.5% of the full path's pairs in every sample measured; with ``backend: torch`` the
cascade dropped exactly the full path's rows (6k English turns, 2.65× faster); with ``onnx-int8``
recall of the full path's drops is ~0.89, bounded by int8's batch noise (the full int8 path run with
another batch size agrees at recall 0.947), at 1.9-3× the full path's texts/s.
Identical texts are always candidates, and texts whose static vector is zero (no word piece the
static model kept, e.g. some CJK greetings) are embedded with ``backend`` and compared among
themselves. Extra counters: ``prefilter_pairs`` (candidate pairs), ``prefilter_rows`` (texts
embedded with ``backend``), ``prefilter_blind_rows`` (zero static vectors).

Cost: embedding dominates (~300 short texts/s, ~30/s for 200-word texts on 2 CPU cores,
research/env-check.md §2); the blockwise cosine pass is ~n²·384 flops up to ``exact_max_rows``
[100,000] texts. Past that, pairs are searched inside k-means partitions of at most
``partition_max_cluster`` [8192] texts (SemDeDup, Abbas et al. 2023; NeMo Curator), boundary
points in two partitions (``curate.dedup.partition``): linear in n, and a subset of the all-pairs
result (recall 0.9998 on 62k real first turns, ``benchmarks/results/scale.md``).

Example (YAML): ``- {stage: semantic_dedup, view: first_user_turn, threshold: 0.95}``
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field, model_validator

from curate.dedup.cluster import star_clusters, union_find
from curate.dedup.keeper import keeper_rank, keepers, split_clusters
from curate.dedup.semantic import candidate_rows, cosine_edges, identical_pairs, pair_similarity, verify_pairs
from curate.registry import register
from curate.schema import view_expr
from curate.stage import Context, Stage, StageParams, StageResult


#: default static cosine for ``prefilter: static`` (measured in benchmarks/results/semantic_cascade.md)
PREFILTER_THRESHOLD = 0.80


@register
class SemanticDedup(Stage):
    """Drop semantic duplicates: sentence-embedding cosine ≥ threshold (blockwise, CPU)."""

    name = "semantic_dedup"
    version = "2"  # 2: cluster param, default keeper (was: connected components)

    class Params(StageParams):
        view: Literal["conversation", "first_user_turn", "user_turns", "assistant_turns"] = Field(
            "conversation", description="text embedded")
        model: str = Field("default", min_length=1, description="'default' (offline MiniLM), a local path or hub id")
        backend: Literal["torch", "onnx", "onnx-int8", "static"] = Field(
            "torch", description="embedding backend (curate.embed): torch fp32 (reference), onnx, onnx-int8 "
                                 "(dynamic int8), static (model2vec distilled from the model); exported once, offline")
        threshold: float = Field(0.95, gt=0.0, le=1.0, description="cosine similarity cut-off")
        max_seq_length: int = Field(256, ge=8, le=8192, description="word pieces embedded per text")
        batch_size: int = Field(64, ge=1, description="texts per forward pass")
        block: int = Field(4096, ge=16, description="cosine tile side (memory ≈ 4·block² bytes)")
        cache_dir: str | None = Field(None, description="embedding cache; null: <pipeline cache>/embeddings")
        source_priority: list[str] = Field(default_factory=list, description="keeper tie-break: earlier sources win")
        cluster: Literal["keeper", "component"] = Field(
            "keeper", description="keeper: drop only rows within threshold of their kept row; "
                                  "component: drop whole connected components")
        prefilter: Literal["none", "static"] = Field(
            "none", description="none: embed every text with backend; static: a static (model2vec) pass proposes "
                                "candidate pairs, only their texts are embedded with backend and only they can be "
                                "duplicates (benchmarks/results/semantic_cascade.md)")
        scripts: list[str] | Literal["auto", "all"] = Field(
            "auto", description="scripts whose texts are embedded and compared (curate.embed_scripts): auto = the "
                                "model's (the default English MiniLM: latin; it collapses Chinese, scoring unrelated "
                                "prompts ≥ 0.95); all; or a list. Other texts are kept, never compared here "
                                "(exact_dedup / near_dedup still judge them)")
        exact_max_rows: int = Field(
            100_000, ge=2, description="up to this many texts every pair is compared; above it pairs are searched "
                                       "inside k-means partitions (SemDeDup; curate.dedup.partition), linear instead "
                                       "of quadratic, with boundary points in two partitions")
        partition_max_cluster: int = Field(8192, ge=256, description="largest partition compared exactly")
        prefilter_threshold: float = Field(
            PREFILTER_THRESHOLD, gt=0.0, le=1.0,
            description="static cosine at which a pair becomes a candidate (prefilter: static); lower keeps "
                        "more of the full path's duplicates and embeds more texts")

        @model_validator(mode="after")
        def _prefilter_needs_a_model_backend(self):
            if self.prefilter == "static" and self.backend == "static":
                raise ValueError("prefilter: static with backend: static would embed every text twice with the "
                                 "same model; use prefilter: none, or a backend torch|onnx|onnx-int8")
            return self

    def _edges(self, emb: np.ndarray, threshold: float, valid: np.ndarray | None):
        """Pairs at or above ``threshold``: all pairs up to ``exact_max_rows`` texts, else inside k-means
        partitions (``curate.dedup.partition.partitioned_cosine_edges``, seed 0: deterministic)."""
        p = self.params
        m = len(emb) if valid is None else int(valid.sum())
        if m <= p.exact_max_rows:
            return cosine_edges(emb, threshold, valid, p.block)
        from curate.dedup.partition import partitioned_cosine_edges

        return partitioned_cosine_edges(emb, threshold, valid, max_cluster=p.partition_max_cluster, block=p.block)

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        from curate.embed import default_cache_dir, embed_texts

        from curate.embed_scripts import model_scripts, readable

        p = self.params
        texts = df.select(view_expr(p.view).fill_null("").alias("t"))["t"].to_list()
        valid = np.fromiter((bool(t.strip()) for t in texts), dtype=bool, count=len(texts))
        scripts = model_scripts(p.model) if p.scripts == "auto" else (None if p.scripts == "all" else p.scripts)
        inside = readable(texts, scripts)
        outside = valid & ~inside
        if outside.any():  # texts the model cannot read: kept, never compared (and never embedded)
            texts = [t if ok else "" for t, ok in zip(texts, inside)]
            valid &= inside
        cache = p.cache_dir or default_cache_dir(ctx)
        n = df.height
        counters: dict = {"outside_model_scripts": int(outside.sum())}
        if n and p.prefilter == "static":
            stat = embed_texts(texts, p.model, batch_size=p.batch_size, max_seq_length=p.max_seq_length,
                               cache_dir=cache, backend="static")
            cu, cv, _ = self._edges(stat, p.prefilter_threshold, valid)
            # rows the static model cannot see (zero vector: no known word piece) are compared with the
            # backend among themselves; identical texts are always candidates
            blind = np.flatnonzero(valid & (np.einsum("ij,ij->i", stat, stat) < 0.25))
            del stat
            iu, iv = identical_pairs(texts, valid)
            rows = np.union1d(candidate_rows(np.r_[cu, iu], np.r_[cv, iv]), blind)
            pos = np.full(n, -1, dtype=np.int64)
            pos[rows] = np.arange(len(rows))
            vecs = embed_texts([texts[i] for i in rows], p.model, batch_size=p.batch_size,
                               max_seq_length=p.max_seq_length, cache_dir=cache, backend=p.backend) \
                if len(rows) else np.zeros((0, 1), dtype=np.float32)
            bu, bv, _ = cosine_edges(vecs[pos[blind]], p.threshold, None, p.block) if len(blind) \
                else (np.zeros(0, np.int64), np.zeros(0, np.int64), None)
            cu, cv = np.r_[cu, iu, blind[bu]], np.r_[cv, iv, blind[bv]]
            if len(cu):  # unique pairs (static and identical-text pairs overlap)
                key = np.unique(np.minimum(cu, cv) * n + np.maximum(cu, cv))
                cu, cv = key // n, key % n
            u, v, _ = verify_pairs(vecs, pos, cu, cv, p.threshold)
            counters.update(prefilter_pairs=int(len(cu)), prefilter_rows=int(len(rows)),
                            prefilter_blind_rows=int(len(blind)))
            similarity = pair_similarity(vecs, pos, n, u, v)
        else:
            emb = embed_texts(texts, p.model, batch_size=p.batch_size, max_seq_length=p.max_seq_length,
                              cache_dir=cache, backend=p.backend) if n else np.zeros((0, 1), dtype=np.float32)
            u, v, _ = self._edges(emb, p.threshold, valid)
            vecs, pos = emb, np.arange(n, dtype=np.int64)

            def similarity(a, b):
                return np.einsum("ij,ij->i", emb[a], emb[b]).astype(np.float64)
        labels = union_find(df.height, u, v)
        rank = keeper_rank(df, p.source_priority)
        size = np.bincount(labels, minlength=df.height)
        counters.update({"candidate_pairs": int(len(u)), "rows_without_text": int((~valid).sum()),
                         "components": int((size > 1).sum()), "largest_component": int(size.max()) if n else 0})
        if p.cluster == "component":
            keep = keepers(labels, rank)
            sim = np.ones(n, dtype=np.float64)
            inc = np.flatnonzero(size[labels] > 1) if n else np.zeros(0, np.int64)
            if len(inc):  # rows of components all have vectors (they are in a verified pair)
                sim[inc] = np.einsum("ij,ij->i", vecs[pos[inc]], vecs[pos[keep[inc]]])
        else:
            keep, sim, rounds = star_clusters(labels, rank, p.threshold, similarity)
            in_comp = size[labels] > 1 if n else np.zeros(0, bool)
            counters.update(star_rounds=rounds, kept_by_recluster=int(
                ((keep == np.arange(n)) & in_comp).sum()) - counters["components"])
            labels = keep
        return split_clusters(self, df, labels, keep, sim, "semantic_duplicate", "cosine", counters)
