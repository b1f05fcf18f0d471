"""The keeper policy: which row of a duplicate cluster survives, and how the others are recorded.

Rule (deterministic; never insertion order), applied within each cluster, first difference wins:

1. the **longest assistant text** (characters of all assistant turns joined), longest first;
2. the highest **quality score**, if the frame has a ``stat_quality`` column (nulls last);
3. **source priority**: the position of ``source`` in the ``source_priority`` parameter (earlier
   wins; sources not listed come after all listed ones);
4. the **smallest id** (string order).

Because ``id`` is unique, the order is total, so the same input set always keeps the same rows,
whatever the row order. Which rows form a cluster is the stage's ``cluster`` rule: ``keeper``
(default; greedy stars, ``curate.dedup.cluster.star_clusters``: a row joins a kept row only if it
is within the threshold of it) or ``component`` (connected components; ``keepers`` below). Every
other member of the cluster is rejected with ``dup_of`` (the kept id), ``similarity`` (to the kept row: estimated or exact Jaccard for MinHash, cosine for
semantic, 1.0 for exact), ``cluster_id`` (``<stage>:<kept id>``) and a ``drop_detail`` such as
``jaccard=0.86 with oasst/x#3``. Kept rows get ``stat_<stage>_cluster_size`` (1 for a singleton).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from curate.schema import assistant_text
from curate.stage import Stage, StageResult


def keeper_rank(df: pl.DataFrame, source_priority: list[str] | tuple[str, ...] = ()) -> np.ndarray:
    """``(n,)`` int64 rank of every row under the keeper rule (0 = the row kept first)."""
    n = df.height
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    prio = {s: i for i, s in enumerate(source_priority)}
    keys = df.select(
        _alen=assistant_text().str.len_chars().fill_null(0),
        _q=(pl.col("stat_quality").cast(pl.Float64) if "stat_quality" in df.columns
            else pl.lit(None, dtype=pl.Float64)),
        _p=pl.col("source").replace_strict(prio, default=len(prio), return_dtype=pl.Int64),
        _id=pl.col("id"),
    ).with_row_index("_i")
    order = keys.sort(["_alen", "_q", "_p", "_id"], descending=[True, True, False, False],
                      nulls_last=True)["_i"].to_numpy()
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank


def keepers(labels: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """``(n,)`` index of the kept row of each row's cluster (``labels`` from ``union_find``)."""
    n = len(labels)
    best = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, labels, rank)
    inv = np.empty(n, dtype=np.int64)
    inv[rank] = np.arange(n)
    return inv[best[labels]]


def split_clusters(stage: Stage, df: pl.DataFrame, labels: np.ndarray, keeper: np.ndarray,
                   similarity: np.ndarray, reason: str, metric: str,
                   counters: dict | None = None) -> StageResult:
    """Kept rows and rejects for clustered ``df``.

    Args:
        labels: ``(n,)`` component labels; keeper: ``(n,)`` kept row index per row.
        similarity: ``(n,)`` float, each row's similarity to its keeper (ignored for kept rows).
        reason: ``drop_reason`` (``exact_duplicate``, ``near_duplicate``, ``semantic_duplicate``).
        metric: name used in ``drop_detail`` (``jaccard``, ``cosine``, ``exact``).
    """
    n = df.height
    size = np.bincount(labels, minlength=n)[labels] if n else np.zeros(0, np.int64)
    is_kept = keeper == np.arange(n)
    ids = df["id"]
    kept_id = ids.gather(keeper) if n else ids
    tagged = df.with_columns(
        pl.Series(f"stat_{stage.name}_cluster_size", size, dtype=pl.Int64),
        _dup_of=kept_id.rename("_dup_of"),
        _sim=pl.Series("_sim", similarity, dtype=pl.Float64),
        _kept=pl.Series("_kept", is_kept),
    )
    kept = tagged.filter(pl.col("_kept")).drop("_dup_of", "_sim", "_kept")
    drop = tagged.filter(~pl.col("_kept")).drop(f"stat_{stage.name}_cluster_size")
    detail = pl.format(f"{metric}={{}} with {{}}", pl.col("_sim").round(2), pl.col("_dup_of"))
    rejected = stage.reject(drop, reason, detail).with_columns(
        dup_of=pl.col("_dup_of"),
        similarity=pl.col("_sim"),
        cluster_id=pl.lit(f"{stage.name}:") + pl.col("_dup_of"),
    ).drop("_dup_of", "_sim", "_kept")
    c = {
        f"dropped.{reason}": int(drop.height),
        "clusters": int((is_kept & (size > 1)).sum()),
        "rows_in_clusters": int((size > 1).sum()),
        "largest_cluster": int(size.max()) if n else 0,
    }
    c.update(counters or {})
    return StageResult(kept=kept, rejected=rejected, counters=c)
