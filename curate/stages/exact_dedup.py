"""``exact_dedup``: drop rows whose normalised view text is identical to another row's.

Params (defaults): ``view`` (``conversation``; or ``first_user_turn``, ``user_turns``,
``assistant_turns``), ``normalize`` (true: NFKC, lowercase, punctuation stripped, whitespace
collapsed, see ``curate.dedup.text``; false: the raw view text), ``source_priority`` ([]: the
keeper tie-break, see ``curate.dedup.keeper``).

Hash: xxh3_64 of the UTF-8 text; memory O(n) in uint64 hashes. Rows with a null or empty view are
kept and never grouped. Rejects: ``drop_reason`` ``exact_duplicate``, ``drop_detail``
``exact=1.0 with <kept id>``, plus ``dup_of``, ``similarity`` (1.0) and ``cluster_id``
(``exact_dedup:<kept id>``). Kept rows get ``stat_exact_dedup_cluster_size``.

Map/reduce (``curate.stage.MapReduceStage``): the map adds ``_map_exact_dedup_hash`` (UInt64, the
row's xxh3_64, null for an empty view; 8 bytes per row), the reduce groups equal hashes and picks
each group's keeper in the driver, so an engine may hash blocks in parallel with the same result.

Example (YAML): ``- {stage: exact_dedup, view: first_user_turn}``
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import Field
from typing import Literal

from curate.dedup.exact import exact_labels, hash_series, hashes_of
from curate.dedup.keeper import keeper_rank, keepers, split_clusters
from curate.registry import register
from curate.stage import Context, MapReduceStage, StageParams, StageResult

View = Literal["conversation", "first_user_turn", "user_turns", "assistant_turns"]


@register
class ExactDedup(MapReduceStage):
    """Drop exact duplicates of a (normalised) text view, keeping one row per group by the keeper rule."""

    name = "exact_dedup"
    version = "1"

    class Params(StageParams):
        view: View = Field("conversation", description="text compared: conversation, first_user_turn, user_turns, assistant_turns")
        normalize: bool = Field(True, description="compare NFKC-lowercased text without punctuation, whitespace collapsed")
        source_priority: list[str] = Field(default_factory=list, description="keeper tie-break: earlier sources win")

    HASH = "_map_exact_dedup_hash"

    def map_column_names(self) -> list[str]:
        """``[_map_exact_dedup_hash]``: UInt64 xxh3_64 of the view, null when it is empty."""
        return [self.HASH]

    def map_columns(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        """``df`` plus ``_map_exact_dedup_hash`` (row-local)."""
        return df.with_columns(hash_series(df, self.params.view, self.params.normalize, self.HASH))

    def reduce(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        """Group equal hashes, keep one row per group by the keeper rule (in the driver)."""
        p = self.params
        self.require_map_columns(df)
        hashes, valid = hashes_of(df.get_column(self.HASH))
        df = df.drop(self.HASH)
        labels = exact_labels(hashes, valid)
        keep = keepers(labels, keeper_rank(df, p.source_priority))
        return split_clusters(self, df, labels, keep, np.ones(df.height), "exact_duplicate", "exact",
                              {"rows_without_text": int((~valid).sum())})
