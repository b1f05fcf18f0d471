"""Semantic-duplicate pairs at scale: k-means partitions, exact cosine within each (SemDeDup).

``curate.dedup.semantic.cosine_edges`` compares every pair (``n²·d`` flops): fine for 10^5 texts,
hours for 10^6 on a laptop. SemDeDup (Abbas et al. 2023, "SemDeDup: Data-efficient learning at
web-scale through semantic deduplication"; NeMo Curator's ``SemDedup``) clusters the embeddings with
k-means and compares pairs only inside each cluster: a pair with cosine ≥ 0.95 is two points a
short chord apart, so they almost always fall in the same cluster.

``partitioned_cosine_edges`` does that, with two additions so that recall stays measurable and
high, and cost stays bounded on skewed data:

- *Boundary points go to two clusters* (multi-probe): a point whose cosine to its second-nearest
  centroid is within ``margin`` [0.05] of its nearest is also compared inside the second cluster,
  so a near-duplicate pair split by a cluster boundary is still found (measured in
  ``benchmarks/results/scale.md``).
- *Large clusters are split again* (recursive k-means) until no cluster exceeds ``max_cluster``
  [8192] points: an English model puts most Chinese texts in one tight region, and a single
  100k-point cluster would be quadratic again.

Edges are exact cosines (the same float32 dot products as ``cosine_edges``), deduplicated across
clusters; what the partition can do is *miss* a pair, never invent one. K-means is seeded
(``seed``), trained on at most ``sample`` [50,000] points with ``iters`` [10] Lloyd iterations,
and deterministic for a given input.
"""

from __future__ import annotations

import numpy as np

from curate.dedup.semantic import cosine_edges


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iters: int = 10, sample: int = 50_000) -> np.ndarray:
    """``(k, d)`` unit-norm centroids of spherical k-means (cosine) on the rows of ``x`` (unit-norm
    float32 ``(n, d)``): k-means++-style seeding on a sample of ``sample`` rows, then ``iters``
    Lloyd steps. Empty clusters are re-seeded from the farthest points. Deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    k = max(1, min(k, n))
    xs = x[np.sort(rng.choice(n, size=min(sample, n), replace=False))] if n > sample else x
    # seeding: first centre at random, then points far from the chosen ones (k-means++ with sim = cosine)
    centres = [xs[rng.integers(len(xs))]]
    best = xs @ centres[0]
    for _ in range(1, k):
        d = np.clip(1.0 - best, 0.0, None) ** 2
        total = d.sum()
        idx = int(rng.integers(len(xs))) if total <= 0 else int(rng.choice(len(xs), p=d / total))
        centres.append(xs[idx])
        best = np.maximum(best, xs @ xs[idx])
    c = np.stack(centres).astype(np.float32)
    for _ in range(iters):
        assign = np.argmax(xs @ c.T, axis=1)
        new = np.zeros_like(c)
        np.add.at(new, assign, xs)
        counts = np.bincount(assign, minlength=len(c))
        empty = np.flatnonzero(counts == 0)
        if len(empty):
            far = np.argsort(np.max(xs @ c.T, axis=1))[: len(empty)]
            new[empty] = xs[far]
        norms = np.linalg.norm(new, axis=1, keepdims=True)
        c = (new / np.where(norms == 0, 1.0, norms)).astype(np.float32)
    return c


def _partition(x: np.ndarray, idx: np.ndarray, *, max_cluster: int, margin: float, seed: int, iters: int,
               sample: int, depth: int = 0) -> list[np.ndarray]:
    """Index groups (into ``x``) whose pairs are compared: recursive k-means with boundary points
    in two groups; groups of ≤ ``max_cluster`` points (or at depth 6) are returned as they are."""
    if len(idx) <= max_cluster or depth >= 6:
        return [idx]
    k = int(min(max(2, -(-len(idx) // (max_cluster // 2))), 1024))
    c = kmeans(x[idx], k, seed=seed + depth, iters=iters, sample=sample)
    out: list[np.ndarray] = []
    members: list[list[np.ndarray]] = [[] for _ in range(len(c))]
    step = 65536
    for a in range(0, len(idx), step):
        part = idx[a: a + step]
        sims = x[part] @ c.T
        top2 = np.argsort(-sims, axis=1)[:, :2] if sims.shape[1] > 1 else np.zeros((len(part), 1), np.int64)
        first = top2[:, 0]
        for j in np.unique(first):
            members[j].append(part[first == j])
        if sims.shape[1] > 1:
            s1 = sims[np.arange(len(part)), first]
            s2 = sims[np.arange(len(part)), top2[:, 1]]
            edge = s1 - s2 <= margin
            for j in np.unique(top2[edge, 1]):
                members[j].append(part[edge & (top2[:, 1] == j)])
    for j, parts in enumerate(members):
        if not parts:
            continue
        g = np.unique(np.concatenate(parts))
        if len(g) >= len(idx):  # k-means could not split it (identical points): compare as is
            out.append(g)
        else:
            out.extend(_partition(x, g, max_cluster=max_cluster, margin=margin, seed=seed, iters=iters,
                                  sample=sample, depth=depth + 1))
    return out


def partitioned_cosine_edges(emb: np.ndarray, threshold: float, valid: np.ndarray | None = None, *,
                             max_cluster: int = 8192, margin: float = 0.05, seed: int = 0, iters: int = 10,
                             sample: int = 50_000, block: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(u, v, cos)`` with ``u < v`` and ``emb[u] · emb[v] ≥ threshold``, found inside k-means
    partitions (see the module doc) instead of over all pairs.

    Args:
        emb: ``(n, d)`` float32 L2-normalised embeddings.
        threshold: cosine cut-off in (-1, 1].
        valid: ``(n,)`` bool; invalid rows are skipped. Default: all.
        max_cluster: largest group whose pairs are compared exactly (≈ ``4 · max_cluster²`` bytes per tile pass).
        margin: a point within this cosine of its second-nearest centroid is compared in that cluster too.
        seed, iters, sample: k-means seeding, Lloyd steps, training sample size.
        block: tile side inside a group (``cosine_edges``).

    Returns the same arrays as ``cosine_edges`` (sorted by ``(u, v)``); a subset of its pairs.
    """
    n = emb.shape[0]
    rows = np.arange(n) if valid is None else np.flatnonzero(valid)
    x = np.ascontiguousarray(emb, dtype=np.float32)
    if len(rows) <= max_cluster:
        u, v, c = cosine_edges(x, threshold, valid, block)
        order = np.lexsort((v, u))
        return u[order], v[order], c[order]
    groups = _partition(x, rows, max_cluster=max_cluster, margin=margin, seed=seed, iters=iters, sample=sample)
    us, vs, cs = [], [], []
    for g in groups:
        if len(g) < 2:
            continue
        u, v, c = cosine_edges(x[g], threshold, None, block)
        if len(u):
            gu, gv = g[u], g[v]
            us.append(np.minimum(gu, gv))
            vs.append(np.maximum(gu, gv))
            cs.append(c)
    if not us:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    u, v, c = np.concatenate(us), np.concatenate(vs), np.concatenate(cs)
    key = u.astype(np.int64) * n + v
    _, first = np.unique(key, return_index=True)  # a pair found in two groups counts once
    u, v, c = u[first], v[first], c[first]
    order = np.lexsort((v, u))
    return u[order], v[order], c[order]
