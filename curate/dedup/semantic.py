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
            ii, jj = np.nonzero(sims >= threshold)
            if j == i:  # upper triangle only (filtering the few hits is cheaper than masking the tile)
                upper = jj > ii
                ii, jj = ii[upper], jj[upper]
            if len(ii):
                us.append(rows[i + ii])
                vs.append(rows[j + jj])
                cs.append(sims[ii, jj].astype(np.float64))
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(us), np.concatenate(vs), np.concatenate(cs)


# ------------------------------------------------------------------ static-embedding prefilter cascade
#
# The cascade (issue 12 item 1; the "cheap filter, expensive verifier" pattern of retrieve-then-rerank):
# a static model2vec embedding of every text (~10^4 texts/s) proposes candidate pairs with a low-ish
# static cosine, only the texts in a candidate pair are embedded with the transformer backend, and
# duplicates are decided on the transformer vectors among candidate pairs only. A pair the prefilter
# misses is never a duplicate, so the cascade's drops are (up to int8 batch noise) a subset of the full
# path's: measured recall in benchmarks/results/semantic_cascade.md.


def candidate_rows(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Sorted unique row indices (int64) appearing in any pair ``(u[i], v[i])``."""
    if len(u) == 0:
        return np.zeros(0, np.int64)
    return np.unique(np.concatenate([np.asarray(u, np.int64), np.asarray(v, np.int64)]))


def verify_pairs(vecs: np.ndarray, pos: np.ndarray, u: np.ndarray, v: np.ndarray,
                 threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs whose cosine on ``vecs`` is ≥ ``threshold``: ``(u, v, cos)``.

    Args:
        vecs: ``(m, d)`` float32 L2-normalised embeddings of the candidate rows.
        pos: ``(n,)`` int64, row index → its row in ``vecs`` (-1 for rows without a vector; every
            row of a pair must have one, else ``ValueError``).
        u, v: ``(k,)`` int64 candidate pairs (row indices, ``u < v``).
        threshold: cosine cut-off.
    """
    u = np.asarray(u, np.int64)
    v = np.asarray(v, np.int64)
    if len(u) == 0:
        return u, v, np.zeros(0)
    pu, pv = pos[u], pos[v]
    if (pu < 0).any() or (pv < 0).any():
        raise ValueError("verify_pairs: a candidate pair has a row without a vector")
    cos = np.empty(len(u), dtype=np.float64)
    step = 1 << 18  # bounded temporaries: 2 × step × d float32
    for i in range(0, len(u), step):
        cos[i: i + step] = np.einsum("ij,ij->i", vecs[pu[i: i + step]], vecs[pv[i: i + step]])
    ok = cos >= threshold
    return u[ok], v[ok], cos[ok]


def pair_similarity(vecs: np.ndarray, pos: np.ndarray, n: int, u: np.ndarray, v: np.ndarray):
    """A ``similarity(rows, keepers)`` for ``curate.dedup.cluster.star_clusters`` restricted to pairs.

    Returns the cosine of ``vecs[pos[a]]`` and ``vecs[pos[b]]`` when ``{a, b}`` is one of the pairs
    ``(u, v)`` (in either order), and -1.0 (the lowest cosine) otherwise, so a row is only ever
    assigned to a keeper it was paired with. ``n``: number of rows (for the pair keys).
    """
    keys = np.sort(np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v))

    def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a = np.asarray(a, np.int64)
        b = np.asarray(b, np.int64)
        out = np.full(len(a), -1.0)
        if len(a) == 0 or len(keys) == 0:
            return out
        k = np.minimum(a, b) * n + np.maximum(a, b)
        idx = np.minimum(np.searchsorted(keys, k), len(keys) - 1)
        hit = keys[idx] == k
        if hit.any():
            out[hit] = np.einsum("ij,ij->i", vecs[pos[a[hit]]], vecs[pos[b[hit]]])
        return out

    return similarity


def identical_pairs(texts: list[str], valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Star pairs ``(u, v)`` (``u < v``) linking each valid text to the first row with the same text.

    Identical texts are always candidates of the cascade: their static vectors may be zero (a text
    made only of word pieces the static model dropped, e.g. '你好') and so never pass a cosine test.
    """
    first: dict[str, int] = {}
    us, vs = [], []
    for i in np.flatnonzero(valid).tolist():
        j = first.setdefault(texts[i], i)
        if j != i:
            us.append(j)
            vs.append(i)
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)
