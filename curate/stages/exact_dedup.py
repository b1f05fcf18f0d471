"""``exact_dedup``: drop rows whose normalised view text is identical to another row's.

Params (defaults): ``view`` (``conversation``; or ``first_user_turn``, ``user_turns``,
``assistant_turns``), ``normalize`` (true: NFKC, lowercase, punctuation stripped, whitespace
collapsed, see ``curate.dedup.text``; false: the raw view text), ``source_priority`` ([]: the
keeper tie-break, see ``curate.dedup.keeper``).

Hash: xxh3_64 of the UTF-8 text; memory O(n) in uint64 hashes. Rows with a null or empty view are
kept and never grouped. Rejects: ``drop_reason`` ``exact_duplicate``, ``drop_detail``
``exact=1.0 with <kept id>``, plus ``dup_of``, ``similarity`` (1.0) and ``cluster_id``
(``exact_dedup:<kept id>``). Kept rows get ``stat_exact_dedup_cluster_size``.

Example (YAML): ``- {stage: exact_dedup, view: first_user_turn}``
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import Field
from typing import Literal

from curate.dedup.exact import exact_labels, view_hashes
from curate.dedup.keeper import keeper_rank, keepers, split_clusters
from curate.registry import register
from curate.stage import Context, Stage, StageParams, StageResult

View = Literal["conversation", "first_user_turn", "user_turns", "assistant_turns"]


@register
class ExactDedup(Stage):
    """Drop exact duplicates of a (normalised) text view, keeping one row per group by the keeper rule."""

    name = "exact_dedup"
    version = "1"

    class Params(StageParams):
        view: View = Field("conversation", description="text compared: conversation, first_user_turn, user_turns, assistant_turns")
        normalize: bool = Field(True, description="compare NFKC-lowercased text without punctuation, whitespace collapsed")
        source_priority: list[str] = Field(default_factory=list, description="keeper tie-break: earlier sources win")

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        hashes, valid = view_hashes(df, p.view, p.normalize)
        labels = exact_labels(hashes, valid)
        keep = keepers(labels, keeper_rank(df, p.source_priority))
        return split_clusters(self, df, labels, keep, np.ones(df.height), "exact_duplicate", "exact",
                              {"rows_without_text": int((~valid).sum())})
