"""The selection report: a 2-D PCA map of the embeddings (selected vs. rejected) and per-cluster counts.

``write_report`` writes two files into a folder and returns their paths:

- ``selection_map.png``: PCA (numpy SVD on the centred embeddings, fitted on at most
  ``max_points`` rows drawn with the seed) projected to 2-D; rejected points grey, selected points
  coloured. Drawn with matplotlib's Agg backend (no display needed).
- ``selection_clusters.json``: ``{"n_clusters", "clusters": [{"cluster", "size", "selected",
  "share_selected"}...], "clusters_covered"}`` from the k-means labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def pca_2d(X: np.ndarray, seed: int = 0, max_fit: int = 20000) -> np.ndarray:
    """Project ``X`` (n, d) to (n, 2) with PCA fitted on at most ``max_fit`` seeded rows."""
    n = X.shape[0]
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    rng = np.random.default_rng([seed, 0x9CA])
    fit = X if n <= max_fit else X[np.sort(rng.choice(n, max_fit, replace=False))]
    mu = fit.mean(0)
    _, _, vt = np.linalg.svd(fit - mu, full_matrices=False)
    comps = vt[:2]
    if comps.shape[0] < 2:
        comps = np.vstack([comps, np.zeros((2 - comps.shape[0], X.shape[1]), dtype=comps.dtype)])
    return ((X - mu) @ comps.T).astype(np.float32)


def cluster_counts(labels: np.ndarray, selected: np.ndarray) -> dict:
    """Per-cluster sizes and selected counts. ``selected`` is a bool mask aligned with ``labels``."""
    k = int(labels.max()) + 1 if len(labels) else 0
    size = np.bincount(labels, minlength=k)
    sel = np.bincount(labels[selected], minlength=k) if selected.any() else np.zeros(k, dtype=np.int64)
    rows = [{"cluster": c, "size": int(size[c]), "selected": int(sel[c]),
             "share_selected": round(float(sel[c] / size[c]), 4) if size[c] else 0.0} for c in range(k)]
    return {"n_clusters": k, "clusters_covered": int((sel > 0).sum()), "clusters": rows}


def write_report(folder: str | Path, X: np.ndarray, selected: np.ndarray, labels: np.ndarray | None,
                 seed: int = 0, title: str = "selection", max_points: int = 20000) -> dict[str, str]:
    """Write ``selection_map.png`` (and ``selection_clusters.json`` when ``labels`` is given).

    Args:
        folder: output folder (created).
        X: float32 (n, d) embeddings.
        selected: bool (n,) mask of chosen rows.
        labels: int (n,) k-means labels, or None.
        max_points: at most this many points are drawn (all selected ones first, then a seeded
            sample of the rejected ones); PCA is fitted on the same number of rows.

    Returns: ``{"selection_map": path, "selection_clusters": path}`` (strings).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}
    n = X.shape[0]
    rng = np.random.default_rng([seed, 0x9107])
    sel_idx, rej_idx = np.flatnonzero(selected), np.flatnonzero(~selected)
    room = max(0, max_points - len(sel_idx))
    if len(rej_idx) > room:
        rej_idx = np.sort(rng.choice(rej_idx, room, replace=False))
    draw = np.concatenate([rej_idx, sel_idx])
    xy = pca_2d(X[draw], seed=seed, max_fit=max_points) if n else np.zeros((0, 2))
    sel_mask = np.zeros(len(draw), dtype=bool)
    sel_mask[len(rej_idx):] = True
    png = folder / "selection_map.png"
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 6), dpi=110)
    ax.scatter(xy[~sel_mask, 0], xy[~sel_mask, 1], s=3, c="#bbbbbb", label=f"rejected ({n - len(sel_idx):,})",
               linewidths=0, rasterized=True)
    ax.scatter(xy[sel_mask, 0], xy[sel_mask, 1], s=6, c="#d62728", label=f"selected ({len(sel_idx):,})",
               linewidths=0)
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")
    shown = "" if len(draw) == n else f" ({len(draw):,} of {n:,} points drawn)"
    ax.set_title(f"{title}{shown}", fontsize=10)
    ax.legend(loc="best", fontsize=8, markerscale=3)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)
    out["selection_map"] = str(png)
    if labels is not None:
        js = folder / "selection_clusters.json"
        js.write_text(json.dumps(cluster_counts(labels, selected), indent=1))
        out["selection_clusters"] = str(js)
    return out
