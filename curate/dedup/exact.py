"""Exact duplicates: a stable 64-bit hash of each row's (normalised) view, grouped with numpy.

Hash: ``xxhash.xxh3_64`` of the UTF-8 text (stable across runs, machines and versions; the same
hash text-dedup uses). Memory: one uint64 per row plus a sort; the texts of a batch are hashed and
dropped. Two different texts share a 64-bit hash with probability ~n²/2^65 (≈ 3e-8 for 1M rows);
that risk is accepted, as in datatrove and text-dedup.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import xxhash

from curate.dedup.text import normalized_view
from curate.schema import view_expr


def view_hashes(df: pl.DataFrame, view: str, normalize: bool = True,
                batch_size: int = 65536) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes uint64 (n,), valid bool (n,))``: xxh3_64 of each row's view text; rows whose text
    is null or empty are not valid (never grouped). Raises ``KeyError`` for an unknown view."""
    n = df.height
    out = np.zeros(n, dtype=np.uint64)
    valid = np.zeros(n, dtype=bool)
    expr = normalized_view(view) if normalize else view_expr(view)
    h = xxhash.xxh3_64_intdigest
    for s in range(0, n, batch_size):
        texts = df.slice(s, batch_size).select(expr.alias("t"))["t"].to_list()
        out[s: s + len(texts)] = np.fromiter((h(t.encode("utf-8", "surrogatepass")) if t else 0 for t in texts),
                                             dtype=np.uint64, count=len(texts))
        valid[s: s + len(texts)] = np.fromiter((bool(t) for t in texts), dtype=bool, count=len(texts))
    return out, valid


def hash_series(df: pl.DataFrame, view: str, normalize: bool = True, name: str = "hash") -> pl.Series:
    """``view_hashes`` as one ``UInt64`` series of ``df.height`` values named ``name``, null where the
    view is null or empty (the ``exact_dedup`` stage's map column). Row-local: hashing any
    contiguous blocks and concatenating gives the same series. Raises ``KeyError`` for an unknown
    view."""
    hashes, valid = view_hashes(df, view, normalize)
    s = pl.Series(name, hashes, dtype=pl.UInt64)
    return s if valid.all() else pl.select(pl.when(pl.Series(valid)).then(s).alias(name)).to_series()


def hashes_of(s: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of ``hash_series``: ``(hashes uint64 (n,), valid bool (n,))``, 0 where null.
    Raises ``ValueError`` unless ``s`` is ``UInt64``."""
    if s.dtype != pl.UInt64:
        raise ValueError(f"column {s.name} must be UInt64 content hashes, not {s.dtype}")
    return s.fill_null(0).to_numpy().astype(np.uint64, copy=False), s.is_not_null().to_numpy()


def exact_labels(hashes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``(n,)`` labels: rows with equal valid hashes share the smallest row index of the group."""
    n = len(hashes)
    labels = np.arange(n, dtype=np.int64)
    rows = np.flatnonzero(valid)
    if len(rows) < 2:
        return labels
    h = hashes[rows]
    order = np.argsort(h, kind="stable")
    hs = h[order]
    new = np.empty(len(hs), dtype=bool)
    new[0] = True
    np.not_equal(hs[1:], hs[:-1], out=new[1:])
    first = order[new][np.cumsum(new) - 1]
    labels[rows[order]] = rows[first]
    return labels
