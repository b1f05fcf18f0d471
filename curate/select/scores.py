"""Selection scores as ``stat_*`` columns, and the formula that combines them.

Per-row metrics (all computed by ``add_proxy_stats`` / ``add_embedding_stats``):

=============================  ========  ===================================================================
column                         unit      meaning
=============================  ========  ===================================================================
``stat_response_chars``        chars     total length of the assistant turns (Long Is More's signal)
``stat_turns``                 messages  number of messages in the conversation
``stat_instruction_complexity`` count    heuristic count on the first user turn: constraint words, question
                                         marks, list/step requests, numbered/bulleted lines, +1 per 50 words
``stat_tokens_est``            tokens    ``stat_tokens`` if present, else ``ceil(chars of all turns / 4)``
``stat_nn_distance``           cosine    ``1 - cos`` to the nearest other candidate (0 = exact duplicate)
``stat_cluster``               id        k-means cluster of the row's embedding
``stat_cluster_rarity``        [0, 1)    ``1 - size(cluster) / size(largest cluster)``
``stat_quality*``              any       written by the quality filters (higher = better); used if present
``stat_ifd``                   ratio     ``lm_score``'s Instruction-Following Difficulty (higher = harder to follow,
                                         the rows Cherry LLM keeps; drop IFD > 1 with ``lm_score.max_ifd``)
``stat_reward``                logit     ``lm_score``'s reward-model score (higher = better; AlpaGasus)
``stat_select_score``          [0, 1]    the combined score (below)
=============================  ========  ===================================================================

Combined score. Every component is turned into its **percentile rank** among the candidates
(average rank / n, in (0, 1]; nulls rank lowest), so units and scales do not matter, then::

    stat_select_score = Σ_c w_c · pct(c) / Σ_c w_c        (over components present, w_c > 0)

Default weights (``DEFAULT_WEIGHTS``): ``quality`` 1.0 (mean percentile of every ``stat_quality*``
column; skipped when none exists), ``response_chars`` 0.5, ``complexity`` 0.5, ``turns`` 0.25,
``nn_distance`` 0.5, ``cluster_rarity`` 0.25, and, when an ``lm_score`` stage ran before, ``ifd`` 1.0
(Li et al. 2024, "From Quantity to Quality", NAACL) and ``reward`` 1.0 (AlpaGasus, Chen et al. 2024). This stands in for DEITA's complexity × quality score
(arXiv 2312.15685), whose LLaMA-13B scorers need a GPU; response length is the Long Is More signal
(ICML 2024), and the diversity terms reward rows far from others.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from curate.schema import assistant_text, first_user_turn

DEFAULT_WEIGHTS: dict[str, float] = {
    "quality": 1.0,
    "response_chars": 0.5,
    "complexity": 0.5,
    "turns": 0.25,
    "nn_distance": 0.5,
    "cluster_rarity": 0.25,
    "ifd": 1.0,
    "reward": 1.0,
}

#: component name → column it ranks (``quality`` is special: all ``stat_quality*`` columns)
COMPONENT_COLUMNS = {
    "response_chars": "stat_response_chars",
    "complexity": "stat_instruction_complexity",
    "turns": "stat_turns",
    "nn_distance": "stat_nn_distance",
    "cluster_rarity": "stat_cluster_rarity",
    "ifd": "stat_ifd",
    "reward": "stat_reward",
}

#: chars per token for the token estimate when no ``stat_tokens`` column exists
CHARS_PER_TOKEN = 4

_CONSTRAINT = re.compile(
    r"\b(must|should|at least|at most|no more than|fewer than|less than|exactly|without|only|"
    r"do not|don't|avoid|in \d+ (?:words|sentences|paragraphs|lines)|format|json|table|"
    r"step[- ]by[- ]step|explain|compare|why|how)\b",
    re.IGNORECASE,
)
_LIST_REQ = re.compile(r"\b(list|enumerate|bullet|steps|outline|examples?|ways|tips|ideas)\b", re.IGNORECASE)
_ITEM_LINE = re.compile(r"(?m)^\s*(?:[-*•]|\d+[.)])\s+")


def instruction_complexity(text: str | None) -> int:
    """Heuristic complexity of an instruction (int ≥ 0): constraint words + question marks +
    list/step requests + numbered or bulleted lines + 1 per 50 words. ``None`` → 0."""
    if not text:
        return 0
    return (len(_CONSTRAINT.findall(text)) + text.count("?") + len(_LIST_REQ.findall(text))
            + len(_ITEM_LINE.findall(text)) + len(text.split()) // 50)


def total_chars() -> pl.Expr:
    """Characters of every turn of the conversation (int)."""
    return pl.col("messages").list.eval(pl.element().struct.field("content").str.len_chars()).list.sum()


def token_expr(df: pl.DataFrame) -> pl.Expr:
    """Tokens per row: ``stat_tokens`` if the frame has it, else ``ceil(total chars / 4)``."""
    if "stat_tokens" in df.columns:
        return pl.col("stat_tokens").cast(pl.Int64).fill_null(0)
    return ((total_chars().fill_null(0) + (CHARS_PER_TOKEN - 1)) // CHARS_PER_TOKEN).cast(pl.Int64)


def add_proxy_stats(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``stat_response_chars``, ``stat_turns``, ``stat_instruction_complexity`` and
    ``stat_tokens_est`` (see the module table). Cheap: no model, O(total chars)."""
    out = df.with_columns(
        stat_response_chars=assistant_text().str.len_chars().fill_null(0).cast(pl.Int64),
        stat_turns=pl.col("messages").list.len().fill_null(0).cast(pl.Int64),
        stat_tokens_est=token_expr(df),
        _first=first_user_turn(),
    )
    cx = [instruction_complexity(t) for t in out["_first"].to_list()]
    return out.with_columns(stat_instruction_complexity=pl.Series(cx, dtype=pl.Int64)).drop("_first")


def add_embedding_stats(df: pl.DataFrame, nn_sim: np.ndarray, labels: np.ndarray | None) -> pl.DataFrame:
    """Add ``stat_nn_distance`` (``1 - nn_sim``, clipped to [0, 2]) and, with ``labels``,
    ``stat_cluster`` and ``stat_cluster_rarity``. ``nn_sim``/``labels`` are aligned with ``df`` rows."""
    cols = {"stat_nn_distance": pl.Series(np.clip(1.0 - nn_sim.astype(np.float64), 0.0, 2.0))}
    if labels is not None:
        sizes = np.bincount(labels)
        rarity = 1.0 - sizes[labels] / sizes.max()
        cols["stat_cluster"] = pl.Series(labels.astype(np.int64))
        cols["stat_cluster_rarity"] = pl.Series(rarity.astype(np.float64))
    return df.with_columns(**cols)


def _pct(col: str) -> pl.Expr:
    """Percentile rank in (0, 1] (average ties; nulls → 0)."""
    c = pl.col(col).cast(pl.Float64)
    return (c.rank("average") / c.count().cast(pl.Float64)).fill_null(0.0).fill_nan(0.0)


def combine(df: pl.DataFrame, weights: dict[str, float] | None = None) -> pl.DataFrame:
    """Add ``stat_select_score`` = weighted mean of the percentile ranks of the components present.

    ``weights`` maps component names (``quality`` and the keys of ``COMPONENT_COLUMNS``) to
    non-negative weights; missing components, or weight 0, are skipped. With no component
    present the score is 0.5 for every row. Raises ``ValueError`` on an unknown component or a
    negative weight.
    """
    weights = DEFAULT_WEIGHTS if weights is None else weights
    unknown = set(weights) - {"quality", *COMPONENT_COLUMNS}
    if unknown:
        raise ValueError(f"unknown score components {sorted(unknown)}; known: quality, {', '.join(COMPONENT_COLUMNS)}")
    if any(w < 0 for w in weights.values()):
        raise ValueError("score weights must be >= 0")
    terms: list[tuple[float, pl.Expr]] = []
    qcols = [c for c in df.columns if c.startswith("stat_quality")]
    if weights.get("quality", 0) > 0 and qcols:
        terms.append((weights["quality"], pl.mean_horizontal([_pct(c) for c in qcols])))
    for name, col in COMPONENT_COLUMNS.items():
        if weights.get(name, 0) > 0 and col in df.columns:
            terms.append((weights[name], _pct(col)))
    if not terms or df.height == 0:
        return df.with_columns(stat_select_score=pl.lit(0.5, dtype=pl.Float64))
    total = sum(w for w, _ in terms)
    expr = pl.sum_horizontal([e * (w / total) for w, e in terms])
    return df.with_columns(stat_select_score=expr.cast(pl.Float64))
