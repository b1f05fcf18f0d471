"""``ShardCache``: numeric rows by uint64 key, kept on disk as ``.npz`` shards.

One write is one shard named by a hash of its keys (``shard-<blake2b-8>.npz``), written to a
temporary name and renamed, so a killed run never leaves a torn shard a later run would read. Opening
the cache loads every shard and sorts the keys once; lookups are a ``searchsorted``. Not safe for
concurrent writers (two runs on one cache folder are prevented by the runner's lock).

Used by the embedding cache (``curate.embed``: float32 vectors under the field ``vecs``) and the
model-score cache (``curate.score.models``: float64 scores under ``vals``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

__all__ = ["ShardCache"]


class ShardCache:
    """Rows of ``width`` numbers by uint64 key under ``folder`` (``None``: a cache that keeps nothing).

    Args:
        folder: the shard folder (created on the first ``add``), or None.
        field: the array name inside each ``.npz`` shard (``vecs`` for embeddings, ``vals`` for scores).
        dtype: the stored dtype (float32 for embeddings, float64 for scores).
    """

    def __init__(self, folder: Path | None, field: str = "vecs", dtype=np.float32):
        self.folder = Path(folder) if folder is not None else None
        self.field, self.dtype = field, dtype
        self.keys = np.empty(0, dtype=np.uint64)
        self.rows: np.ndarray | None = None
        shards = sorted(self.folder.glob("shard-*.npz")) if self.folder is not None and self.folder.exists() else []
        if shards:
            parts = [np.load(p) for p in shards]
            keys = np.concatenate([q["keys"] for q in parts])
            rows = np.concatenate([q[field] for q in parts])
            order = np.argsort(keys, kind="stable")
            self.keys, self.rows = keys[order], rows[order]

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask of shape (n,), index into ``self.rows`` — meaningful where found)."""
        if self.rows is None or len(self.keys) == 0:
            return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.int64)
        idx = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return self.keys[idx] == keys, idx

    def add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Store ``rows`` (n, width) under ``keys`` as one more shard; no-op without a folder or keys."""
        if self.folder is None or len(keys) == 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.blake2b(keys.tobytes(), digest_size=8).hexdigest()
        tmp = self.folder / f".shard-{name}.tmp.npz"
        np.savez(tmp, **{"keys": keys, self.field: np.asarray(rows, dtype=self.dtype)})
        tmp.replace(self.folder / f"shard-{name}.npz")
