"""``semantic_dedup``: drop rows whose view embedding has cosine ≥ ``threshold`` with another row's.

Params (defaults): ``view`` (conversation), ``model`` (``default`` = all-MiniLM-L6-v2 from the
offline package, see ``curate.embed``), ``threshold`` (0.95; sources: NeMo SemDeDup eps 0.01 →
0.99, DEITA τ 0.9, see ``curate.dedup.semantic``), ``max_seq_length`` (256 word pieces),
``batch_size`` (64 texts per forward pass), ``block`` (4096: cosine tiles of block × block, never
n × n), ``cache_dir`` (null: ``<pipeline cache>/embeddings`` when run by the runner, no cache
otherwise), ``source_priority`` ([]).

Rows with an empty view are kept and never clustered. Rejects: ``semantic_duplicate`` with
``dup_of``, ``similarity`` (cosine to the kept row), ``cluster_id`` (``semantic_dedup:<kept id>``)
and ``drop_detail`` ``cosine=0.97 with <kept id>``. Clusters are connected components of the
≥ threshold graph (a chain can join rows less similar than the threshold; ``similarity`` shows it).
Kept rows get ``stat_semantic_dedup_cluster_size``.

Cost: embedding dominates (~300 short texts/s, ~30/s for 200-word texts on 2 CPU cores,
research/env-check.md §2); the blockwise cosine pass is ~n²·384 flops.

Example (YAML): ``- {stage: semantic_dedup, view: first_user_turn, threshold: 0.95}``
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from curate.dedup.cluster import union_find
from curate.dedup.keeper import keeper_rank, keepers, split_clusters
from curate.dedup.semantic import cosine_edges
from curate.registry import register
from curate.schema import view_expr
from curate.stage import Context, Stage, StageParams, StageResult


def default_cache_dir(ctx: Context) -> Path | None:
    """``<pipeline cache_dir>/embeddings`` when run by the runner; None (no cache) otherwise."""
    return Path(ctx.cache_dir) / "embeddings" if ctx.cache_dir is not None else None


@register
class SemanticDedup(Stage):
    """Drop semantic duplicates: sentence-embedding cosine ≥ threshold (blockwise, CPU)."""

    name = "semantic_dedup"
    version = "1"

    class Params(StageParams):
        view: Literal["conversation", "first_user_turn", "user_turns", "assistant_turns"] = Field(
            "conversation", description="text embedded")
        model: str = Field("default", min_length=1, description="'default' (offline MiniLM), a local path or hub id")
        threshold: float = Field(0.95, gt=0.0, le=1.0, description="cosine similarity cut-off")
        max_seq_length: int = Field(256, ge=8, le=8192, description="word pieces embedded per text")
        batch_size: int = Field(64, ge=1, description="texts per forward pass")
        block: int = Field(4096, ge=16, description="cosine tile side (memory ≈ 4·block² bytes)")
        cache_dir: str | None = Field(None, description="embedding cache; null: <pipeline cache>/embeddings")
        source_priority: list[str] = Field(default_factory=list, description="keeper tie-break: earlier sources win")

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        from curate.embed import embed_texts

        p = self.params
        texts = df.select(view_expr(p.view).fill_null("").alias("t"))["t"].to_list()
        valid = np.fromiter((bool(t.strip()) for t in texts), dtype=bool, count=len(texts))
        cache = p.cache_dir or default_cache_dir(ctx)
        if df.height:
            emb = embed_texts(texts, p.model, batch_size=p.batch_size, max_seq_length=p.max_seq_length,
                              cache_dir=cache)
        else:
            emb = np.zeros((0, 1), dtype=np.float32)
        u, v, _ = cosine_edges(emb, p.threshold, valid, p.block)
        labels = union_find(df.height, u, v)
        keep = keepers(labels, keeper_rank(df, p.source_priority))
        sim = np.einsum("ij,ij->i", emb, emb[keep]).astype(np.float64) if df.height else np.zeros(0)
        return split_clusters(self, df, labels, keep, sim, "semantic_duplicate", "cosine",
                              {"candidate_pairs": int(len(u)), "rows_without_text": int((~valid).sum())})
