"""LIMA-style selection: scores (``stat_*``), budgeted selectors, spherical k-means, and the report.

Used by the ``diversity_select`` and ``mix`` stages (``curate/stages/diversity_select.py``,
``curate/stages/mix.py``); usable on their own with any unit-normalised embedding matrix::

    from curate.select import Budget, select_repr_filter
    sel = select_repr_filter(X, score, Budget(rows=1000), seed=13, max_cosine=0.9)
"""

from curate.select.clustering import assign, default_k, kmeans, nearest_neighbour_sim
from curate.select.scores import DEFAULT_WEIGHTS, add_embedding_stats, add_proxy_stats, combine, token_expr
from curate.select.selectors import (
    METHODS,
    Budget,
    Selection,
    select_cluster_balanced,
    select_kcenter,
    select_longest,
    select_random,
    select_repr_filter,
)

__all__ = [
    "DEFAULT_WEIGHTS", "METHODS", "Budget", "Selection", "add_embedding_stats", "add_proxy_stats", "assign",
    "combine", "default_k", "kmeans", "nearest_neighbour_sim", "select_cluster_balanced", "select_kcenter",
    "select_longest", "select_random", "select_repr_filter", "token_expr",
]
