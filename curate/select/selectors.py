"""Budgeted selectors over candidate rows (numpy; no frames). The ``diversity_select`` stage wraps them.

Every selector takes a ``Budget`` (rows and/or tokens) and returns a ``Selection``: the chosen row
indices in pick order plus, for every other row, a reason (``not_selected`` or ``too_similar``)
and a detail. All are deterministic for a seed; ties in an ordering are broken by a seeded random
key, so ``random`` — and tie-breaks of the others — change with the seed.

=================  ===========================================================================================
method             what it does (source)
=================  ===========================================================================================
``repr_filter``    walk rows by score (desc); reject a row whose cosine to any already chosen row is
                   ``> max_cosine`` (``too_similar``); stop at the budget. DEITA's Repr Filter, τ = 0.9
                   (Liu et al. 2024, arXiv 2312.15685, ``selection/filter/base.py``). Blockwise: each block of
                   256 candidates is compared with the chosen set in one matmul, then in-block.
``kcenter``        greedy k-center / farthest-first traversal (Gonzalez 1985, TCS 38:293): start from the
                   best-scored row, then repeatedly add the row farthest (cosine distance) from the chosen
                   set. O(budget · n · d) time, O(n) extra memory. A 2-approximation of the k-center optimum.
``cluster_balanced`` k-means labels given; take rows round-robin over clusters (cluster order seeded), best
                   score first inside a cluster, so every cluster gets an even share (small clusters are
                   exhausted, the rest share what is left). LIMA's "sample for topic diversity"
                   (arXiv 2305.11206) without the manual step.
``longest``        the rows with the longest responses first (Zhao et al., "Long Is More for Alignment",
                   ICML 2024): an embarrassingly strong baseline.
``random``         a seeded random permutation.
=================  ===========================================================================================

Token budgets: a row that would overflow the remaining token budget is skipped (``not_selected``,
detail ``over token budget``) and the walk goes on, so shorter rows can fill the rest; the walk
ends when the row budget is reached or every row has been seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from curate.progress import task

NOT_SELECTED = "not_selected"
TOO_SIMILAR = "too_similar"
METHODS = ("repr_filter", "kcenter", "cluster_balanced", "longest", "random")


@dataclass
class Budget:
    """How much to select: ``rows`` (count) and/or ``tokens`` (sum of ``token_counts``); None = unlimited.

    ``token_counts`` (int64 (n,)) is required when ``tokens`` is set.
    """

    rows: int | None = None
    tokens: int | None = None
    token_counts: np.ndarray | None = None
    used_rows: int = 0
    used_tokens: int = 0

    def __post_init__(self):
        if self.rows is None and self.tokens is None:
            raise ValueError("a budget needs rows or tokens")
        if self.tokens is not None and self.token_counts is None:
            raise ValueError("a token budget needs token_counts")

    def full(self) -> bool:
        return (self.rows is not None and self.used_rows >= self.rows) or (
            self.tokens is not None and self.used_tokens >= self.tokens)

    def fits(self, i: int) -> bool:
        return self.tokens is None or self.used_tokens + int(self.token_counts[i]) <= self.tokens

    def take(self, i: int) -> None:
        self.used_rows += 1
        if self.token_counts is not None:
            self.used_tokens += int(self.token_counts[i])

    def describe(self) -> str:
        parts = []
        if self.rows is not None:
            parts.append(f"{self.rows} rows")
        if self.tokens is not None:
            parts.append(f"{self.tokens} tokens")
        return " / ".join(parts)


@dataclass
class Selection:
    """Result of a selector over ``n`` candidates.

    Attributes:
        chosen: int64 indices in pick order.
        reason: object (n,): None for chosen rows, else ``not_selected`` / ``too_similar``.
        detail: object (n,): free text for rejected rows (None for chosen rows and for
            ``too_similar``, whose detail the stage builds from ``similar_to``/``similarity``).
        similar_to: int64 (n,): for ``too_similar`` rows, the chosen row that was too close; else -1.
        similarity: float32 (n,): that cosine; NaN elsewhere.
    """

    chosen: np.ndarray
    reason: np.ndarray
    detail: np.ndarray
    similar_to: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    similarity: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float32))


def _new(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (np.full(n, NOT_SELECTED, dtype=object), np.full(n, None, dtype=object),
            np.full(n, -1, dtype=np.int64), np.full(n, np.nan, dtype=np.float32))


def seeded_order(key: np.ndarray, seed: int, descending: bool = True) -> np.ndarray:
    """Indices sorted by ``key`` (descending by default), ties broken by a seeded random key."""
    rng = np.random.default_rng([seed, 0x5E1])
    tie = rng.random(len(key))
    k = -np.asarray(key, dtype=np.float64) if descending else np.asarray(key, dtype=np.float64)
    return np.lexsort((tie, k))


def walk(order: np.ndarray, budget: Budget, what: str) -> Selection:
    """Take rows in ``order`` until the budget is full (the generic top-k with token skipping)."""
    n = len(order)
    reason, detail, sim_to, sim = _new(n)
    chosen = []
    for rank, i in enumerate(order):
        if budget.full():
            detail[order[rank:]] = f"budget reached ({budget.describe()}) by {what}"
            break
        if not budget.fits(i):
            detail[i] = f"over token budget ({budget.tokens - budget.used_tokens} left, row has {int(budget.token_counts[i])})"
            continue
        budget.take(i)
        chosen.append(i)
        reason[i] = None
    return Selection(np.asarray(chosen, dtype=np.int64), reason, detail, sim_to, sim)


def select_random(n: int, budget: Budget, seed: int) -> Selection:
    """A seeded random subset within ``budget``."""
    rng = np.random.default_rng([seed, 0xA11])
    return walk(rng.permutation(n), budget, "random order")


def select_longest(response_chars: np.ndarray, budget: Budget, seed: int) -> Selection:
    """Longest responses first (``response_chars`` int (n,)); Long Is More, ICML 2024."""
    return walk(seeded_order(response_chars, seed), budget, "response length")


def select_cluster_balanced(labels: np.ndarray, score: np.ndarray, budget: Budget, seed: int) -> Selection:
    """Round-robin over k-means clusters (``labels`` int (n,)), best ``score`` first within a cluster."""
    n = len(labels)
    within = seeded_order(score, seed)  # global order by score
    rank_in_cluster = np.empty(n, dtype=np.int64)
    lab_sorted = labels[within]
    # position of each row among its cluster's rows in score order
    counts: dict[int, int] = {}
    for pos, i in enumerate(within):
        c = int(lab_sorted[pos])
        rank_in_cluster[i] = counts.get(c, 0)
        counts[c] = rank_in_cluster[i] + 1
    k = int(labels.max()) + 1 if n else 0
    cluster_pos = np.random.default_rng([seed, 0xC1]).permutation(k)
    order = np.lexsort((cluster_pos[labels], rank_in_cluster))
    return walk(order, budget, "cluster round-robin")


def select_kcenter(X: np.ndarray, score: np.ndarray, budget: Budget, seed: int) -> Selection:
    """Greedy k-center (farthest-first) on unit rows ``X`` (n, d), starting from the best score."""
    n = X.shape[0]
    reason, detail, sim_to, sim = _new(n)
    chosen: list[int] = []
    if n == 0:
        return Selection(np.empty(0, dtype=np.int64), reason, detail, sim_to, sim)
    start_order = seeded_order(score, seed)
    avail = np.ones(n, dtype=bool)
    min_d = np.full(n, np.inf, dtype=np.float32)
    nearest = np.full(n, -1, dtype=np.int64)
    nxt = None
    for i in start_order:
        if budget.fits(i):
            nxt = int(i)
            break
        avail[i] = False
    with task("select: k-center picks", total=min(n, budget.rows) if budget.rows is not None else None,
              unit="picks") as bar:
        while nxt is not None and not budget.full():
            budget.take(nxt)
            chosen.append(nxt)
            reason[nxt] = None
            avail[nxt] = False
            d = 1.0 - X @ X[nxt]
            closer = d < min_d
            min_d[closer] = d[closer]
            nearest[closer] = nxt
            bar.advance()
            if budget.full():
                break
            if budget.tokens is not None:
                avail &= (budget.token_counts <= budget.tokens - budget.used_tokens)
            cand = np.where(avail, min_d, -np.inf)
            j = int(cand.argmax())
            nxt = j if np.isfinite(cand[j]) else None
    rest = np.flatnonzero(reason != None)  # noqa: E711  (object array)
    for i in rest:
        detail[i] = f"farthest-first stopped at {budget.describe()}; distance to nearest chosen {float(min_d[i]):.3f}"
    return Selection(np.asarray(chosen, dtype=np.int64), reason, detail, sim_to, sim)


def select_repr_filter(X: np.ndarray, score: np.ndarray, budget: Budget, seed: int,
                       max_cosine: float = 0.9, block: int = 256) -> Selection:
    """DEITA Repr Filter: by ``score`` desc, skip rows with cosine ``> max_cosine`` to a chosen row.

    ``X`` float32 (n, d) unit rows. Memory O(budget · d + block · budget); never n × n.
    """
    n, d = X.shape
    reason, detail, sim_to, sim = _new(n)
    order = seeded_order(score, seed)
    cap = budget.rows if budget.rows is not None else min(n, 1024)
    C = np.empty((max(1, min(cap, n)), d), dtype=np.float32)
    chosen: list[int] = []
    pos = 0
    with task("select: DEITA repr filter", total=n) as bar:
        while pos < n:
            if budget.full():
                detail[order[pos:]] = f"budget reached ({budget.describe()}) by score order"
                break
            blk = order[pos:pos + block]
            Xb = X[blk]
            m = len(chosen)
            if m:
                S = Xb @ C[:m].T
                a = S.argmax(1)
                mx = S[np.arange(len(blk)), a]
            else:
                a = np.zeros(len(blk), dtype=np.int64)
                mx = np.full(len(blk), -np.inf, dtype=np.float32)
            new_pos: list[int] = []
            for j, i in enumerate(blk):
                if budget.full():
                    detail[order[pos + j:]] = f"budget reached ({budget.describe()}) by score order"
                    pos = n
                    break
                if mx[j] > max_cosine:
                    reason[i] = TOO_SIMILAR
                    sim_to[i] = chosen[a[j]]
                    sim[i] = mx[j]
                    continue
                if new_pos:
                    s = Xb[new_pos] @ Xb[j]
                    t = int(s.argmax())
                    if s[t] > max_cosine:
                        reason[i] = TOO_SIMILAR
                        sim_to[i] = blk[new_pos[t]]
                        sim[i] = s[t]
                        continue
                if not budget.fits(i):
                    detail[i] = f"over token budget ({budget.tokens - budget.used_tokens} left, row has {int(budget.token_counts[i])})"
                    continue
                budget.take(i)
                if len(chosen) == C.shape[0]:
                    C = np.concatenate([C, np.empty_like(C)])
                C[len(chosen)] = X[i]
                chosen.append(int(i))
                new_pos.append(j)
                reason[i] = None
            else:
                pos += block
                bar.advance(len(blk))
        bar.advance(n - bar.completed)  # rows past a full budget are decided too (not_selected)
    return Selection(np.asarray(chosen, dtype=np.int64), reason, detail, sim_to, sim)
