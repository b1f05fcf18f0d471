"""Spherical k-means and blockwise similarity helpers for L2-normalised embeddings (numpy only).

Everything here works on float32 arrays of shape ``(n, d)`` whose rows have unit L2 norm (as
``curate.embed.embed_texts`` returns), so a dot product is a cosine similarity. Nothing builds an
``n × n`` matrix: similarities are computed in row blocks whose size is chosen from a memory budget
(``block_rows``), which keeps 100k × 384 candidates under ~300 MB of scratch.

Why our own k-means rather than scikit-learn: scikit-learn is not a declared dependency of
curatrain, and we want bit-for-bit determinism for a seed on any thread count. The algorithm is
Lloyd's with k-means++ seeding (Arthur & Vassilvitskii 2007) on a seeded subsample, cosine
assignment (spherical k-means, Dhillon & Modha 2001), empty clusters re-seeded with the points
farthest from their centroid.
"""

from __future__ import annotations

import numpy as np

from curate.progress import task

#: scratch budget for one similarity block, in bytes (float32)
BLOCK_BYTES = 256 * 1024 * 1024


def block_rows(n_cols: int, budget_bytes: int = BLOCK_BYTES) -> int:
    """Rows per block so that a ``(rows, n_cols)`` float32 block fits ``budget_bytes`` (≥ 1)."""
    return max(1, min(65536, budget_bytes // (4 * max(1, n_cols))))


def default_k(n: int) -> int:
    """Default number of clusters: ``round(sqrt(n))`` clipped to ``[1, 1000]`` and to ``n``."""
    return int(max(1, min(n, 1000, round(np.sqrt(max(n, 1))))))


def assign(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid by cosine, blockwise. Returns ``(labels int64 (n,), similarity float32 (n,))``."""
    n = X.shape[0]
    labels = np.empty(n, dtype=np.int64)
    sims = np.empty(n, dtype=np.float32)
    step = block_rows(centroids.shape[0])
    for i in range(0, n, step):
        s = X[i:i + step] @ centroids.T
        labels[i:i + step] = s.argmax(1)
        sims[i:i + step] = s[np.arange(s.shape[0]), labels[i:i + step]]
    return labels, sims


def _kmeanspp(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding with cosine distance ``1 - x·c`` (squared-distance weights)."""
    n = X.shape[0]
    idx = [int(rng.integers(n))]
    d = np.maximum(0.0, 1.0 - X @ X[idx[0]]).astype(np.float64)
    for _ in range(1, k):
        w = d * d
        tot = w.sum()
        if tot <= 0:  # all remaining points coincide with a centre: take any unused one
            unused = np.setdiff1d(np.arange(n), idx)
            nxt = int(unused[rng.integers(len(unused))]) if len(unused) else int(rng.integers(n))
        else:
            nxt = int(rng.choice(n, p=w / tot))
        idx.append(nxt)
        d = np.minimum(d, np.maximum(0.0, 1.0 - X @ X[nxt]))
    return X[idx].copy()


def _cluster_sums(X: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster sums of rows (k, d) and counts (k,), via one sort and ``np.add.reduceat``."""
    counts = np.bincount(labels, minlength=k)
    sums = np.zeros((k, X.shape[1]), dtype=np.float32)
    order = np.argsort(labels, kind="stable")
    nonempty = np.flatnonzero(counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[nonempty]
    sums[nonempty] = np.add.reduceat(X[order], starts, axis=0)
    return sums, counts


def kmeans(X: np.ndarray, k: int, seed: int = 0, max_iter: int = 25, init_sample: int = 20000,
           tol: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means of unit rows ``X`` (n, d) into ``k`` clusters.

    Args:
        X: float32 (n, d), rows L2-normalised.
        k: number of clusters, 1 ≤ k (clipped to n).
        seed: RNG seed; the same seed and input give the same result.
        max_iter: Lloyd iterations at most (stops early when the mean cosine to the centroid
            improves by less than ``tol``).
        init_sample: k-means++ seeds are drawn from a seeded subsample of this many rows
            (max(init_sample, 3k)), so seeding costs O(k · init_sample · d) not O(k · n · d).

    Returns:
        ``(labels, centroids)``: int64 (n,) in ``[0, k)``, float32 (k, d) unit rows.

    Raises:
        ValueError: if ``X`` is empty or ``k < 1``.
    """
    n = X.shape[0]
    if n == 0 or k < 1:
        raise ValueError(f"kmeans needs at least one row and k >= 1 (got n={n}, k={k})")
    k = min(k, n)
    X = np.ascontiguousarray(X, dtype=np.float32)
    rng = np.random.default_rng([seed, 0x6B6D])
    m = min(n, max(init_sample, 3 * k))
    sample = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
    C = _kmeanspp(X[sample], k, rng).astype(np.float32)
    prev = -np.inf
    labels = np.zeros(n, dtype=np.int64)
    with task(f"k-means: {k} clusters", total=max_iter, unit="iterations") as bar:
        for _ in range(max_iter):
            labels, sims = assign(X, C)
            score = float(sims.mean())
            sums, counts = _cluster_sums(X, labels, k)
            empty = np.flatnonzero(counts == 0)
            if len(empty):  # re-seed empty clusters with the worst-fitting points
                far = np.argsort(sims, kind="stable")[: len(empty)]
                sums[empty] = X[far]
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            C = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
            bar.advance()
            if score - prev < tol and not len(empty):
                break
            prev = score
    labels, _ = assign(X, C)
    return labels, C


def nearest_neighbour_sim(X: np.ndarray, labels: np.ndarray | None = None,
                          centroids: np.ndarray | None = None, nprobe: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of every row to its nearest *other* row, and that row's index.

    Exact by default: blockwise ``X[block] @ X.T`` (O(n² d) time, O(block · n) memory; ~100k rows
    take minutes on 2 cores). With ``labels`` and ``centroids`` from ``kmeans`` the search is
    restricted to the members of the ``nprobe`` clusters whose centroids are nearest to the row's
    own centroid (an approximation: the similarity found is a lower bound of the true one, so the
    nearest-neighbour *distance* is an upper bound). A row with no other row gets similarity -1 and
    index -1.

    Returns ``(sim float32 (n,), index int64 (n,))``.
    """
    n = X.shape[0]
    best = np.full(n, -1.0, dtype=np.float32)
    arg = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return best, arg
    if labels is None or centroids is None:
        step = block_rows(n)
        with task("nearest neighbours (exact)", total=n) as bar:
            for i in range(0, n, step):
                s = X[i:i + step] @ X.T
                r = np.arange(s.shape[0])
                s[r, i + r] = -np.inf
                a = s.argmax(1)
                arg[i:i + step] = a
                best[i:i + step] = s[r, a]
                bar.advance(s.shape[0])
        return best, arg
    k = centroids.shape[0]
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    members = [order[bounds[c]:bounds[c + 1]] for c in range(k)]
    cc = centroids @ centroids.T
    probe = np.argsort(-cc, axis=1, kind="stable")[:, : max(1, min(nprobe, k))]
    with task(f"nearest neighbours ({nprobe} nearest of {k} clusters)", total=n) as bar:
        for c in range(k):
            rows = members[c]
            if len(rows) == 0:
                continue
            cand = np.concatenate([members[j] for j in probe[c]])
            if c not in probe[c]:
                cand = np.concatenate([rows, cand])
            step = block_rows(len(cand))
            for i in range(0, len(rows), step):
                rb = rows[i:i + step]
                s = X[rb] @ X[cand].T
                s[rb[:, None] == cand[None, :]] = -np.inf
                a = s.argmax(1)
                got = s[np.arange(len(rb)), a]
                ok = np.isfinite(got)
                best[rb[ok]] = got[ok]
                arg[rb[ok]] = cand[a[ok]]
                bar.advance(len(rb))
    return best, arg
