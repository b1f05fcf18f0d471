"""The local engine: every stage on this machine; row-local stages on all its cores.

A stage flagged ``row_local`` (``curate.stage.Stage.row_local``) runs on ``2 × workers``
contiguous chunks of its frame (more for a large frame: at most ``MAX_CHUNK_ROWS`` rows each, and
at most ``workers + 1`` chunks serialised at a time, so memory stays bounded) in a ``concurrent.futures.ProcessPoolExecutor`` with the *spawn*
start method (polars' thread pool is not fork-safe), frames passed as Arrow IPC bytes. Results are
concatenated in input order and counters summed (``pipelines.engines.merge_results``), so the
output is byte-identical to ``workers=1``. The pool is created on first use and reused by every
later row-local stage of the run (models a stage caches per process, e.g. the language-ID model,
load once per worker); ``close()`` shuts it down.

Each worker gets ``POLARS_MAX_THREADS = cores // workers`` so that the workers' polars pools do
not oversubscribe the cores. Frames under ``min_rows`` rows run in this process: starting spawn
workers (importing polars, loading models) costs about a second each, more than a small frame saves.

Example::

    engine = LocalEngine(workers=2)
    result = engine.run_stage(registry.get("redact_pii")(), df, Context())
    engine.close()
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor

import polars as pl

from curate.stage import Context, Stage, StageResult
from pipelines.engines import chunk_bounds, ctx_fields, default_workers, from_ipc, merge_results, run_chunk, to_ipc

log = logging.getLogger("curatrain.engine")


class LocalEngine:
    """Run stages in this process, row-local ones over a spawn process pool.

    Args:
        workers: worker processes for row-local stages (default ``default_workers()``, the cores
            this process may use; 1 = no pool, every stage in this process). Must be ≥ 1.
        min_rows: frames with fewer rows run in this process (default ``MIN_ROWS``).
    Raises:
        ValueError: ``workers`` < 1 or ``min_rows`` < 1.
    """

    name = "local"
    #: a frame smaller than this runs in-process (a spawn worker costs ~1 s to start).
    MIN_ROWS = 4000
    #: chunks per worker: load balancing, since rows differ in cost (the quality stage on 27.9k rows
    #: of the 100k scale bench, 2 workers, warm: 23.1-24.7 s with 2 chunks per worker, 20.4-21.2 s
    #: with 4, 20.4 s with 8; one process 32.9 s)
    CHUNKS_PER_WORKER = 4
    #: rows per chunk at most, so a worker holds a bounded slice (issue 12 item 3: 1M rows)
    MAX_CHUNK_ROWS = 50_000

    def __init__(self, workers: int | None = None, min_rows: int | None = None):
        self.workers = default_workers() if workers is None else int(workers)
        self.min_rows = self.MIN_ROWS if min_rows is None else int(min_rows)
        if self.workers < 1:
            raise ValueError(f"workers must be ≥ 1, got {self.workers}")
        if self.min_rows < 1:
            raise ValueError(f"min_rows must be ≥ 1, got {self.min_rows}")
        self._pool: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        """``local, 2 workers`` (for the funnel header)."""
        return f"local, {self.workers} worker{'s' if self.workers != 1 else ''}"

    def parallel(self, stage: Stage, df: pl.DataFrame) -> bool:
        """Whether ``stage`` on ``df`` goes to the pool: row-local, more than one worker, big enough."""
        return bool(getattr(stage, "row_local", False)) and self.workers > 1 and df.height >= max(self.min_rows, 2)

    def run_stage(self, stage: Stage, df: pl.DataFrame, ctx: Context) -> StageResult:
        """``stage.run(df, ctx)``, on chunks in the pool when ``parallel(stage, df)``."""
        if not self.parallel(stage, df):
            return stage.run(df, ctx)
        pool = self._get_pool()
        blob, fields = pickle.dumps(stage), ctx_fields(ctx)
        n_chunks = max(self.workers * self.CHUNKS_PER_WORKER, -(-df.height // self.MAX_CHUNK_ROWS))
        bounds = chunk_bounds(df.height, n_chunks)
        # at most `workers + 1` chunks in flight, serialised only when submitted: the Arrow IPC copies
        # held at once stay bounded whatever the frame size (a 1M-row frame no longer exists 2-3 times)
        in_flight: dict[int, object] = {}
        parts: list = [None] * len(bounds)
        nxt = 0
        try:
            for i in range(len(bounds)):
                while nxt < len(bounds) and len(in_flight) <= self.workers:
                    o, n = bounds[nxt]
                    in_flight[nxt] = pool.submit(run_chunk, blob, fields, to_ipc(df.slice(o, n)))
                    nxt += 1
                kept, rejected, counters, artifacts = in_flight.pop(i).result()
                parts[i] = (from_ipc(kept), from_ipc(rejected), counters, artifacts)
        except BaseException:
            for f in in_flight.values():
                f.cancel()
            raise
        return merge_results(stage, parts)

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            threads = str(max(1, default_workers() // self.workers))
            old = os.environ.get("POLARS_MAX_THREADS")
            os.environ["POLARS_MAX_THREADS"] = threads  # inherited by the spawned workers
            try:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
                # start every worker now, while the variable is set (the executor spawns lazily)
                for f in [self._pool.submit(_warm) for _ in range(self.workers)]:
                    f.result()
            finally:
                if old is None:
                    os.environ.pop("POLARS_MAX_THREADS", None)
                else:
                    os.environ["POLARS_MAX_THREADS"] = old
            log.info("started %d spawn workers (POLARS_MAX_THREADS=%s)", self.workers, threads)
        return self._pool

    def close(self) -> None:
        """Shut the pool down (idempotent)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _warm() -> int:
    """Touch a worker so it is started (and has imported polars and the stages)."""
    from curate import registry

    registry.available()
    return os.getpid()
