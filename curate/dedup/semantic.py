"""Semantic near-duplicates: pairs of embeddings with cosine similarity ≥ a threshold, blockwise.

Embeddings come from ``curate.embed.embed_texts`` (L2-normalised float32, so a dot product is the
cosine). ``cosine_edges`` walks the upper triangle in ``block × block`` tiles (default 4096:
64 MiB of float32 per tile), never an ``n × n`` matrix, and returns the pairs above the threshold;
clusters then come from the same union-find and keeper rule as MinHash.

Threshold default 0.95. Sources: NeMo Curator SemDeDup drops pairs with cosine ≥ 1 - eps, eps 0.01
(0.99) in its shipped config; DEITA's Repr Filter rejects samples with cosine > τ = 0.9 to the
selected set; distilabel ``EmbeddingDedup`` uses 0.99. 0.95 sits between the dedup-only setting
(0.99, paraphrase-level duplicates survive) and DEITA's diversity setting (0.9, which also removes
different questions on the same topic).
"""

from __future__ import annotations

import numpy as np


def cosine_edges(emb: np.ndarray, threshold: float, valid: np.ndarray | None = None,
                 block: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(u, v, cos)`` with ``u < v`` and ``emb[u] · emb[v] ≥ threshold``.

    Args:
        emb: ``(n, d)`` float32 L2-normalised embeddings.
        threshold: cosine cut-off in (-1, 1].
        valid: ``(n,)`` bool; invalid rows (empty text) are skipped. Default: all.
        block: tile side; peak extra memory ≈ ``4 * block²`` bytes.
    """
    n = emb.shape[0]
    rows = np.arange(n) if valid is None else np.flatnonzero(valid)
    e = np.ascontiguousarray(emb[rows], dtype=np.float32)
    us, vs, cs = [], [], []
    m = len(rows)
    for i in range(0, m, block):
        a = e[i: i + block]
        for j in range(i, m, block):
            sims = a @ e[j: j + block].T
            if j == i:
                sims = np.triu(sims, k=1) + np.tril(np.full_like(sims, -2.0))  # upper triangle only
            ii, jj = np.nonzero(sims >= threshold)
            if len(ii):
                us.append(rows[i + ii])
                vs.append(rows[j + jj])
                cs.append(sims[ii, jj].astype(np.float64))
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(us), np.concatenate(vs), np.concatenate(cs)
