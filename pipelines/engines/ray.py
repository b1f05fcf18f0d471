"""The Ray engine: the same pipeline YAML on Ray Data (``curatrain run P --engine ray``).

What runs where:

- A stage flagged ``row_local`` runs as ``Dataset.map_batches`` over Arrow blocks
  (``batch_format="pyarrow"``, one block per batch, ``pl.from_arrow`` is zero-copy): each task
  builds the stage from its pickled params and calls the same ``Stage.run`` the local engine
  calls. A task returns one envelope row (kept and rejected rows as Arrow IPC bytes, counters
  pickled), so stages whose outputs differ in columns between blocks (a column all-null in one
  block) never meet Ray's schema unification; the driver orders envelopes by their first row and
  merges them exactly as the local engine merges its chunks (``pipelines.engines.merge_results``).
- A stage flagged ``map_reduce`` (``curate.stage.MapReduceStage``: ``exact_dedup``,
  ``near_dedup``) runs its row-local ``map_columns`` the same way, over the same blocks; each task
  returns only the map columns and each row's index (Arrow IPC in one envelope row), the driver
  puts them in row order next to the frame it holds and calls the stage's ``reduce`` once (hash
  grouping; LSH bucketing, union-find and the keeper rule). The map and the reduce are the local
  code, so the result equals ``stage.run``. A stage whose map loads a model (``map_uses_model``)
  maps in an actor pool (one actor per CPU, or one per GPU with ``num_gpus=1`` when the cluster
  has GPUs), so each worker loads the model once.
- Every other stage (read, semantic dedup, selection, mix, templates that fit a tokenizer) runs
  in the driver on the gathered frame, with the local code: see docs/ray.md.
- The runner keeps the cache and the outputs as for the local engine (same keys, same files).

Progress: Ray Data's own progress bars (one per ``map_batches``, named after the stage) on stderr.

Connecting: ``address=None`` starts a local Ray with ``num_cpus`` CPUs (default: the cores
available) and shuts it down on ``close()``; ``address="auto"`` or ``"ray://head:10001"`` joins a
cluster (left running). A Ray already initialised in this process (a test's ``ray.init``) is used
as is. Workers must be able to import ``curatrain`` (install it on every node, or use a
``runtime_env``), see docs/ray.md.
"""

from __future__ import annotations

import logging
import math
import pickle
import time
from typing import Any

import polars as pl

from curate.stage import Context, Stage, StageResult
from pipelines.engines import (EngineUnavailable, chunk_bounds, ctx_fields, default_workers, from_ipc, merge_results,
                               to_ipc)

log = logging.getLogger("curatrain.engine")

_ROW = "__curatrain_row"


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise EngineUnavailable('the ray engine needs the ray extra: pip install -e ".[ray]" '
                           f'(ray[data]==2.60.0); import failed: {exc}') from None
    return ray


class RayEngine:
    """Run row-local stages and the map of map/reduce stages as Ray Data ``map_batches``, the rest
    (and every reduce) in the driver.

    Args:
        address: Ray cluster to join (``auto``, ``ray://host:10001``); None starts a local Ray.
        num_cpus: CPUs of a locally started Ray (default ``default_workers()``); ignored when
            joining a cluster.
        min_rows: frames with fewer rows run in the driver (default 1: every row-local stage on Ray).
        rows_per_block: target rows per Arrow block (default 20,000); at least 2 blocks per CPU.
    Raises:
        EngineUnavailable: ``ray`` is not installed (one line saying how to install it), or the
            cluster at ``address`` cannot be reached.
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None, min_rows: int | None = None,
                 rows_per_block: int = 20_000):
        self.ray = _import_ray()
        self.address, self.num_cpus = address, num_cpus
        self.min_rows = 1 if min_rows is None else int(min_rows)
        self.rows_per_block = int(rows_per_block)
        self._started = False
        self.cpus = 0  #: CPUs of the cluster; 0 until the first row-local stage connects

    def _connect(self) -> None:
        """Join or start Ray on first use, so a run whose row-local stages are all cached never
        pays for ``ray.init``."""
        if self.cpus:
            return
        address, num_cpus = self.address, self.num_cpus
        if not self.ray.is_initialized():
            if address:
                try:
                    self.ray.init(address=address, logging_level=logging.WARNING)
                except ConnectionError as exc:
                    raise EngineUnavailable(f"cannot join the Ray cluster at {address}: "
                                            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
            else:
                self.ray.init(num_cpus=num_cpus or default_workers(), include_dashboard=False,
                              logging_level=logging.WARNING)
                self._started = True
        self.cpus = max(1, int(self.ray.cluster_resources().get("CPU", 1)))
        ctx = self.ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # envelopes are also sorted by first row below
        ctx.enable_progress_bars = True

    def describe(self) -> str:
        """``ray, 2 CPUs (local)`` or ``ray, 64 CPUs at ray://head:10001`` (for stats.json); ``ray,
        not started`` when no stage needed it."""
        if not self.cpus:
            return "ray, not started (no row-local or map/reduce stage to run)"
        where = f"at {self.address}" if self.address else "(local)"
        return f"ray, {self.cpus} CPU{'s' if self.cpus != 1 else ''} {where}"

    def run_stage(self, stage: Stage, df: pl.DataFrame, ctx: Context) -> StageResult:
        """``stage.run(df, ctx)``; a row-local stage as ``map_batches`` over Arrow blocks, a
        map/reduce stage's map likewise, then its reduce in the driver."""
        if df.height >= self.min_rows and getattr(stage, "map_reduce", False):
            return self._map_reduce(stage, df, ctx)
        if not getattr(stage, "row_local", False) or df.height < self.min_rows:
            return stage.run(df, ctx)
        self._connect()
        out = self._blocks(df)[0].map_batches(_stage_fn(stage, ctx), batch_format="pyarrow", batch_size=None,
                                              zero_copy_batch=True)
        envelopes = sorted(out.take_all(), key=lambda r: r["first_row"])
        errors = [e["error"] for e in envelopes if e["error"]]
        if errors:
            raise ValueError(errors[0])
        parts = [(from_ipc(e["kept"]), from_ipc(e["rejected"]), pickle.loads(e["counters"]),
                  pickle.loads(e["artifacts"])) for e in envelopes]
        n = sum(p[0].height + p[1].height for p in parts) - sum(int(p[2].get("rows_added", 0)) for p in parts)
        if n != df.height:  # a block lost or doubled: never merge a partial result
            raise RuntimeError(f"ray engine: stage {stage.name} returned {n} rows for {df.height}")
        return merge_results(stage, parts)

    def _blocks(self, df: pl.DataFrame) -> tuple[Any, int]:
        """``(dataset, rows of the largest block)``: ``df`` plus its row index (``_ROW``) as a Ray
        Dataset of contiguous Arrow blocks, at least 2 per CPU, about ``rows_per_block`` rows each."""
        bounds = chunk_bounds(df.height, max(2 * self.cpus, math.ceil(df.height / self.rows_per_block)))
        indexed = df.with_columns(pl.int_range(df.height, dtype=pl.Int64).alias(_ROW))
        tables = [indexed.slice(o, n).to_arrow() for o, n in bounds]
        return self.ray.data.from_arrow(tables), max(n for _, n in bounds)

    def _map_reduce(self, stage: Stage, df: pl.DataFrame, ctx: Context) -> StageResult:
        """``stage.reduce(stage.map_columns(df))`` with the map on Ray: tasks (or, for
        ``map_uses_model``, an actor pool) over Arrow blocks return the map columns; the driver
        orders them by row index, checks every row came back once, and reduces. Counter
        ``seconds.map``: wall seconds of the distributed map. A ``ValueError`` from a map task is
        re-raised as is (one line)."""
        self._connect()
        t0 = time.perf_counter()
        (ds, block_rows), blob, fields = self._blocks(df), pickle.dumps(stage), ctx_fields(ctx)
        if getattr(stage, "map_uses_model", False):
            gpus = int(self.ray.cluster_resources().get("GPU", 0))
            kw: dict[str, Any] = {"compute": self.ray.data.ActorPoolStrategy(min_size=1, max_size=gpus or self.cpus),
                                  "fn_constructor_args": (blob, fields), "batch_size": None}
            if gpus:  # Ray Data needs an explicit batch size with GPUs: the largest block
                kw.update(num_gpus=1, batch_size=block_rows)
            actor = type(stage.name, (_MapActor,), {"__doc__": _MapActor.__doc__})  # names the progress bar
            out = ds.map_batches(actor, batch_format="pyarrow", zero_copy_batch=True, **kw)
        else:
            out = ds.map_batches(_map_fn(stage, ctx), batch_format="pyarrow", batch_size=None,
                                 zero_copy_batch=True)
        envelopes = out.take_all()
        errors = sorted((e["first_row"], e["error"]) for e in envelopes if e["error"])
        if errors:
            raise ValueError(errors[0][1])
        cols = pl.concat([from_ipc(e["columns"]) for e in envelopes], how="vertical").sort(_ROW)
        if not cols.get_column(_ROW).equals(pl.int_range(df.height, dtype=pl.Int64, eager=True).alias(_ROW)):
            raise RuntimeError(f"ray engine: the map of stage {stage.name} returned {cols.height} rows "
                               f"for {df.height}, not each row once")
        seconds = time.perf_counter() - t0
        res = stage.reduce(df.hstack(cols.drop(_ROW).get_columns()), ctx)
        res.counters.setdefault("seconds.map", round(seconds, 3))
        return res

    def close(self) -> None:
        """Shut down the Ray this engine started (a joined cluster keeps running)."""
        if self._started and self.ray.is_initialized():
            self.ray.shutdown()
        self._started = False


def _stage_fn(stage: Stage, ctx: Context):
    """The ``map_batches`` function for ``stage``: Arrow block in, one envelope row out. Named
    after the stage so Ray Data's progress bar reads ``MapBatches(redact_pii)``."""
    blob, fields = pickle.dumps(stage), ctx_fields(ctx)

    def fn(batch):
        import pyarrow as pa

        df = pl.from_arrow(batch)
        first = int(df.get_column(_ROW)[0]) if df.height else -1
        error = ""
        try:
            res = pickle.loads(blob).run(df.drop(_ROW), Context(**fields))
            kept, rejected = to_ipc(res.kept), to_ipc(res.rejected)
            counters, artifacts = pickle.dumps(res.counters), pickle.dumps(res.artifacts)
        except ValueError as exc:  # a user error: the runner makes it one line naming the stage
            kept = rejected = counters = artifacts = b""
            error = str(exc)
        return pa.table({"first_row": [first], "kept": pa.array([kept], pa.large_binary()),
                         "rejected": pa.array([rejected], pa.large_binary()),
                         "counters": pa.array([counters], pa.binary()),
                         "artifacts": pa.array([artifacts], pa.binary()), "error": [error]})

    fn.__name__ = fn.__qualname__ = stage.name
    return fn


def _map_envelope(stage: Stage, ctx: Context, batch):
    """One Arrow batch (with ``_ROW``) → one envelope row: ``first_row``, ``columns`` (Arrow IPC of
    ``_ROW`` and ``stage.map_column_names()``) and ``error`` (a ``ValueError``'s message, else '')."""
    import pyarrow as pa

    df = pl.from_arrow(batch)
    first = int(df.get_column(_ROW)[0]) if df.height else -1
    error, columns = "", b""
    try:
        mapped = stage.map_columns(df.drop(_ROW), ctx)
        names = stage.map_column_names()
        columns = to_ipc(pl.DataFrame([df.get_column(_ROW), *mapped.select(names).get_columns()]))
    except ValueError as exc:  # a user error: the runner makes it one line naming the stage
        error = str(exc)
    return pa.table({"first_row": [first], "columns": pa.array([columns], pa.large_binary()), "error": [error]})


def _map_fn(stage: Stage, ctx: Context):
    """The ``map_batches`` function of a map/reduce stage's map (tasks), named after the stage so
    Ray Data's progress bar reads ``MapBatches(near_dedup)``."""
    blob, fields = pickle.dumps(stage), ctx_fields(ctx)

    def fn(batch):
        return _map_envelope(pickle.loads(blob), Context(**fields), batch)

    fn.__name__ = fn.__qualname__ = stage.name
    return fn


class _MapActor:
    """``map_batches`` callable class for a map that loads a model (``map_uses_model``): one
    instance per actor keeps the stage (and whatever model it caches) across blocks."""

    def __init__(self, blob: bytes, fields: dict[str, Any]):
        self.stage, self.ctx = pickle.loads(blob), Context(**fields)

    def __call__(self, batch):
        return _map_envelope(self.stage, self.ctx, batch)
