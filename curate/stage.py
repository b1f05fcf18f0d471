"""The stage protocol: what every curation stage is, and the small bases most stages build on.

A stage is a class registered under a snake_case name (the name users write in YAML), with a
pydantic ``Params`` model (``extra="forbid"``: typed, ranged, described) and a ``version``. It takes
a canonical frame (see ``curate.schema``) and returns a ``StageResult``: kept rows, rejected rows
with ``drop_reason``/``drop_detail``, and counters. The runner caches each result under a key built
from the previous key, the stage name, version, params and ``fingerprint()``, so bumping
``version`` when behaviour changes invalidates old caches.

Bases:

- ``Stage``: anything. Override ``run``.
- ``MapReduceStage``: a global stage split into a row-local **map** (``map_columns``: per-row
  columns such as a content hash, MinHash band keys or an embedding; the costly part) and a global
  **reduce** (``reduce``: the decision over all rows, e.g. grouping and keeper selection; small).
  ``run`` is ``reduce(map_columns(df))``, so in one process nothing changes; an engine may run
  ``map_columns`` on blocks of the frame in parallel (``pipelines.engines``), concatenate the added
  columns in row order and call ``reduce`` once on the whole frame, with the same result.
- ``FilterStage``: compute ``stat_*`` metric columns in ``compute_stats``, then return
  ``rules(df)`` as ``(condition, reason, detail)`` triples; the first rule that fires names the
  drop. Re-thresholding needs no recompute of the metrics (data-juicer's compute_stats/process split).

Example::

    @register
    class MinTurns(FilterStage):
        name = "min_turns"
        class Params(StageParams):
            min_turns: int = Field(2, ge=1, description="fewest turns kept")
        def compute_stats(self, df, ctx):
            return df.with_columns(stat_turns=pl.col("messages").list.len())
        def rules(self, df):
            p = self.params
            return [(pl.col("stat_turns") < p.min_turns, "too_few_turns",
                     pl.format("stat_turns={} < {}", "stat_turns", pl.lit(p.min_turns)))]
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
from pydantic import BaseModel, ConfigDict

from curate.schema import empty_rejects, rejects_from

log = logging.getLogger("curatrain")


class StageParams(BaseModel):
    """Base for every stage's ``Params``: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def missing_files(self) -> list[str]:
        """Validate-time check (``curatrain validate``, skipped by ``--no-files``): one message per
        file these params name that does not exist, starting with the key, e.g.
        ``inputs[0].path: file not found: a.jsonl``. Default: none."""
        return []

    def check_inputs(self) -> list[str]:
        """Validate-time check that may open the first records of each input (e.g. a layout the
        reader cannot recognise); same message shape and switch as ``missing_files``. Default: none."""
        return []


@dataclass
class Context:
    """What a stage may use besides its input frame.

    Attributes:
        seed: the pipeline's seed (int); stages that sample must derive their RNG from it.
        artifact_dir: a private, empty folder for files this stage produces (cached with it).
        artifacts: artifacts of earlier stages, ``{stage_name: {artifact_name: path}}``.
        spec_dir: folder of the pipeline YAML (for messages only; paths resolve against the cwd).
        cache_dir: the pipeline's cache folder, for caches shared across stages and runs (e.g.
            ``<cache_dir>/embeddings``); None outside the runner.
    """

    seed: int = 0
    artifact_dir: Path = field(default_factory=lambda: Path("."))
    artifacts: dict[str, dict[str, str]] = field(default_factory=dict)
    spec_dir: Path = field(default_factory=lambda: Path("."))
    cache_dir: Path | None = None
    log: logging.Logger = log


@dataclass
class StageResult:
    """A stage's output.

    Attributes:
        kept: canonical frame of surviving rows (may carry new ``stat_*`` columns).
        rejected: rejects frame (core columns + ``drop_stage``/``drop_reason``/``drop_detail``,
            plus any extra columns the stage documents, e.g. ``dup_of``).
        counters: numbers worth reporting (``{name: int | float}``), JSON-serialisable.
        artifacts: files written under ``ctx.artifact_dir`` (``{name: path}``).
    """

    kept: pl.DataFrame
    rejected: pl.DataFrame = field(default_factory=empty_rejects)
    counters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)


class Stage:
    """Base class of every stage. Subclasses set ``name``, ``Params`` and implement ``run``."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    Params: ClassVar[type[StageParams]] = StageParams
    #: a source stage (``read``) ignores its input frame and produces rows.
    is_source: ClassVar[bool] = False
    #: each output row (kept or rejected) depends only on its own input row and every counter is a sum
    #: over rows, so an engine may run the stage on chunks in parallel (``pipelines.engines``).
    row_local: ClassVar[bool] = False
    #: the stage reads ``ctx.seed``: only then does the pipeline seed enter its cache key (and, through
    #: the chained keys, every later stage's), so changing the seed reruns no stage that ignores it.
    #: A stage with its own ``seed`` param uses the pipeline's only when that param is null (set per instance).
    uses_seed: ClassVar[bool] = False
    #: the stage implements the map/reduce protocol (``map_columns`` + ``reduce``, see
    #: ``MapReduceStage``): an engine may run ``map_columns`` on blocks and ``reduce`` once.
    map_reduce: ClassVar[bool] = False

    def __init__(self, params: StageParams | None = None):
        self.params = params if params is not None else self.Params()
        if "seed" in type(self.params).model_fields:  # its own seed param; null takes the pipeline's
            self.uses_seed = self.params.seed is None

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def map_columns(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        """Map phase of a ``map_reduce`` stage: ``df`` (n rows) with per-row columns appended (n
        rows, same order); see ``MapReduceStage``. Raises ``NotImplementedError`` on a stage that
        does not implement the protocol."""
        raise NotImplementedError(f"stage {self.name} has no map phase (map_reduce is False)")

    def reduce(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        """Reduce phase of a ``map_reduce`` stage: the whole frame with its map columns in, the
        stage's result out; see ``MapReduceStage``. Raises ``NotImplementedError`` on a stage that
        does not implement the protocol."""
        raise NotImplementedError(f"stage {self.name} has no reduce phase (map_reduce is False)")

    def fingerprint(self) -> str:
        """Extra cache-key material beyond params (e.g. input file hashes). Default: none."""
        return ""

    @classmethod
    def check(cls, params: StageParams, stages: list[tuple[str, StageParams]]) -> list[str]:
        """Cross-stage checks run at validation time (e.g. ``mix`` weights name known sources).

        ``stages`` lists every ``(stage_name, params)`` of the pipeline in order. Return one
        message per problem; the default finds none.
        """
        return []

    def reject(self, df: pl.DataFrame, reason: str | pl.Expr, detail: str | pl.Expr | None = None) -> pl.DataFrame:
        """Rows of ``df`` as rejects of this stage."""
        return rejects_from(df, self.name, reason, detail)


class MapReduceStage(Stage):
    """A global stage split into a row-local map and a global reduce (``map_reduce = True``).

    Contract (what lets an engine distribute the map and still get the single-process result):

    - ``map_columns(df, ctx)`` returns ``df`` with the columns named by ``map_column_names()``
      appended (same rows in the same order, the input columns unchanged). Each added value depends
      only on its own row and the stage's params (and ``ctx.seed``), never on other rows or on where
      a block starts, so the map may run on any contiguous blocks of ``df`` whose added columns are
      then concatenated in row order. Map column names start with ``_map_<stage name>_`` so they
      never clash with canonical or ``stat_*`` columns.
    - ``reduce(df, ctx)`` takes the whole frame *with* the map columns and returns the stage's
      ``StageResult``; its kept and rejected frames carry no map column. It raises ``ValueError``
      (one line, ``require_map_columns``) when a map column is missing.
    - ``run(df, ctx)`` is ``reduce(map_columns(df, ctx), ctx)`` (the local engine's path), plus a
      ``seconds.map`` counter: wall seconds of the map phase.

    Memory: the reduce holds the map columns of every row (near-dup: ``bands × 8 + num_perm × 2``
    bytes per row, exact dedup: 8), so they should be compact; from the frame itself the reduce
    reads only what its decision needs (ids, the keeper rule's inputs, texts of candidate pairs).
    """

    map_reduce: ClassVar[bool] = True
    #: ``map_columns`` loads a model (e.g. an embedding model): an engine should run the map in
    #: long-lived workers that load it once (Ray: an actor pool, one GPU per actor when the cluster
    #: has GPUs) rather than in one short task per block.
    map_uses_model: ClassVar[bool] = False

    def map_column_names(self) -> list[str]:  # pragma: no cover - abstract
        """Names of the columns ``map_columns`` appends, in order."""
        raise NotImplementedError

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        """``reduce(map_columns(df, ctx), ctx)`` with a ``seconds.map`` counter (wall seconds)."""
        t0 = time.perf_counter()
        mapped = self.map_columns(df, ctx)
        seconds = time.perf_counter() - t0
        res = self.reduce(mapped, ctx)
        res.counters.setdefault("seconds.map", round(seconds, 3))
        return res

    def require_map_columns(self, df: pl.DataFrame) -> None:
        """Raise ``ValueError`` (one line) unless ``df`` has every ``map_column_names()`` column."""
        missing = [c for c in self.map_column_names() if c not in df.columns]
        if missing:
            raise ValueError(f"stage {self.name}: reduce needs the map columns {', '.join(missing)} "
                             f"(run map_columns first)")


Rule = tuple[pl.Expr, str, pl.Expr | str | None]


class FilterStage(Stage):
    """A stage that adds ``stat_*`` metrics, then drops rows by ordered threshold rules."""

    def compute_stats(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        return df

    def rules(self, df: pl.DataFrame) -> list[Rule]:
        """Ordered ``(condition, reason, detail)``; a row is dropped by the first that is true."""
        return []

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        df = self.compute_stats(df, ctx)
        return split_by_rules(self, df, self.rules(df))


def split_by_rules(stage: Stage, df: pl.DataFrame, rules: list[Rule]) -> StageResult:
    """Split ``df`` into kept rows and rejects of ``stage`` by the first rule that fires.

    Null conditions count as false. Counters: ``dropped.<reason>`` for every rule (0 if none).
    """
    if not rules or df.height == 0:
        return StageResult(kept=df, counters={f"dropped.{r}": 0 for _, r, _ in rules})
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    detail: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, name, det in reversed(rules):
        det_e = pl.lit(det) if isinstance(det, str) else (pl.lit(None, dtype=pl.String) if det is None else det)
        hit = cond.fill_null(False)
        reason = pl.when(hit).then(pl.lit(name)).otherwise(reason)
        detail = pl.when(hit).then(det_e.cast(pl.String)).otherwise(detail)
    tagged = df.with_columns(_reason=reason, _detail=detail)
    kept = tagged.filter(pl.col("_reason").is_null()).drop("_reason", "_detail")
    dropped = tagged.filter(pl.col("_reason").is_not_null())
    rejected = rejects_from(dropped, stage.name, pl.col("_reason"), pl.col("_detail")).drop("_reason", "_detail")
    counts = dropped.group_by("_reason").len().rows()
    counts = dict(counts)
    counters = {f"dropped.{name}": int(counts.get(name, 0)) for _, name, _ in rules}
    return StageResult(kept=kept, rejected=rejected, counters=counters)
