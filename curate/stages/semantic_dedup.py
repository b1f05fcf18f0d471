"""``semantic_dedup``: drop rows whose view embedding has cosine ≥ ``threshold`` with another row's.

Params (defaults): ``view`` (conversation), ``model`` (``default`` = all-MiniLM-L6-v2 from the
offline package, see ``curate.embed``), ``backend`` (``torch``; ``onnx``, ``onnx-int8``, ``static``:
speed and agreement with torch fp32 in ``benchmarks/results/embedding.md``), ``threshold`` (0.95; sources: NeMo SemDeDup eps 0.01 →
0.99, DEITA τ 0.9, see ``curate.dedup.semantic``), ``max_seq_length`` (256 word pieces),
``batch_size`` (64 texts per forward pass), ``block`` (4096: cosine tiles of block × block, never
n × n), ``cache_dir`` (null: ``<pipeline cache>/embeddings`` when run by the runner, no cache
otherwise), ``source_priority`` ([]), ``cluster`` (``keeper``; or ``component``).

Rows with an empty view are kept and never clustered. Rejects: ``semantic_duplicate`` with
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

Cost: embedding dominates (~300 short texts/s, ~30/s for 200-word texts on 2 CPU cores,
research/env-check.md §2); the blockwise cosine pass is ~n²·384 flops.

Example (YAML): ``- {stage: semantic_dedup, view: first_user_turn, threshold: 0.95}``
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from curate.dedup.cluster import star_clusters, union_find
from curate.dedup.keeper import keeper_rank, keepers, split_clusters
from curate.dedup.semantic import cosine_edges
from curate.registry import register
from curate.schema import view_expr
from curate.stage import Context, Stage, StageParams, StageResult


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

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        from curate.embed import default_cache_dir, embed_texts

        p = self.params
        texts = df.select(view_expr(p.view).fill_null("").alias("t"))["t"].to_list()
        valid = np.fromiter((bool(t.strip()) for t in texts), dtype=bool, count=len(texts))
        cache = p.cache_dir or default_cache_dir(ctx)
        if df.height:
            emb = embed_texts(texts, p.model, batch_size=p.batch_size, max_seq_length=p.max_seq_length,
                              cache_dir=cache, backend=p.backend)
        else:
            emb = np.zeros((0, 1), dtype=np.float32)
        u, v, _ = cosine_edges(emb, p.threshold, valid, p.block)
        labels = union_find(df.height, u, v)
        rank = keeper_rank(df, p.source_priority)
        size = np.bincount(labels, minlength=df.height)
        counters = {"candidate_pairs": int(len(u)), "rows_without_text": int((~valid).sum()),
                    "components": int((size > 1).sum()), "largest_component": int(size.max()) if df.height else 0}
        if p.cluster == "component":
            keep = keepers(labels, rank)
            sim = np.einsum("ij,ij->i", emb, emb[keep]).astype(np.float64) if df.height else np.zeros(0)
        else:
            keep, sim, rounds = star_clusters(
                labels, rank, p.threshold,
                lambda a, b: np.einsum("ij,ij->i", emb[a], emb[b]).astype(np.float64))
            in_comp = size[labels] > 1 if df.height else np.zeros(0, bool)
            counters.update(star_rounds=rounds, kept_by_recluster=int(
                ((keep == np.arange(df.height)) & in_comp).sum()) - counters["components"])
            labels = keep
        return split_clusters(self, df, labels, keep, sim, "semantic_duplicate", "cosine", counters)
