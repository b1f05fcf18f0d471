"""Engines: how the runner executes one stage on a frame.

The runner (``pipelines.runner``) owns ordering, the stage cache, accounting and the outputs; an
engine only answers "run this stage on this frame" and returns the same ``StageResult`` the stage
would return in-process. Two engines:

- ``local`` (``pipelines.engines.local.LocalEngine``): one machine. A stage flagged
  ``row_local`` runs on chunks of its frame in a process pool (``workers`` processes, spawn
  context since polars is not fork-safe, frames travel as Arrow IPC bytes); every other stage,
  and any frame too small to be worth a pool, runs in this process.
- ``ray`` (``pipelines.engines.ray.RayEngine``): a row-local stage runs as Ray Data
  ``map_batches`` over Arrow blocks (``batch_format="pyarrow"``, zero-copy to polars), calling the
  same stage code; a map/reduce stage (``curate.stage.MapReduceStage``: exact_dedup's hashes,
  near_dedup's MinHash band keys) runs its map that way and its reduce in the driver; other global
  stages (semantic dedup, selection, mix) run on the gathered frame in the driver.

Both merge chunk results the same way (``merge_results``): kept and rejected rows concatenated in
input order, counters summed. For a stage that keeps the ``row_local`` contract this is exactly
the single-process result, so the curated and rejects Parquet files are byte-identical whatever
the engine or worker count, and the cache (keyed without the engine) is shared between engines.
"""

from __future__ import annotations

import ctypes
import gc
import io
import os
import pickle
from typing import Any, Protocol

import polars as pl

from curate.schema import empty_rejects
from curate.stage import Context, Stage, StageResult

ENGINES = ("local", "ray")

#: one chunk's result: kept rows, rejected rows, counters, artifacts
ChunkResult = tuple[pl.DataFrame, pl.DataFrame, dict[str, Any], dict[str, str]]


class EngineUnavailable(RuntimeError):
    """The engine cannot start (e.g. ``ray`` not installed, or the cluster cannot be reached);
    the message is one line saying what to do."""


class Engine(Protocol):
    """What the runner needs from an engine."""

    name: str

    def run_stage(self, stage: Stage, df: pl.DataFrame, ctx: Context) -> StageResult:
        """``stage.run(df, ctx)``'s result, however it is computed."""

    def close(self) -> None:
        """Release processes / cluster connections."""


def default_workers() -> int:
    """CPU cores this process may use (``os.sched_getaffinity``; ``os.cpu_count()`` elsewhere)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)


def make_engine(name: str = "local", workers: int | None = None, ray_address: str | None = None,
                min_rows: int | None = None) -> "Engine":
    """The engine called ``name`` (``local`` or ``ray``).

    ``workers``: processes (local) or CPUs of a locally started Ray (default: ``default_workers()``;
    1 = every stage in this process, today's path). ``ray_address``: join that Ray cluster
    (``auto``, ``ray://head:10001``) instead of starting a local one. ``min_rows``: frames with
    fewer rows run in-process (default ``LocalEngine.MIN_ROWS``; tests set 1). Raises
    ``ValueError`` for an unknown engine and ``EngineUnavailable`` (one line, how to install)
    when ``ray`` is asked for but not installed or cannot be reached.
    """
    if name == "local":
        from pipelines.engines.local import LocalEngine

        return LocalEngine(workers=workers, min_rows=min_rows)
    if name == "ray":
        from pipelines.engines.ray import RayEngine

        return RayEngine(address=ray_address, num_cpus=workers, min_rows=min_rows)
    raise ValueError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")


# ---------------------------------------------------------------- helpers shared by the engines

def to_ipc(df: pl.DataFrame) -> bytes:
    """``df`` as Arrow IPC stream bytes (uncompressed: the bytes are read back at once)."""
    buf = io.BytesIO()
    df.write_ipc_stream(buf, compression="uncompressed")
    return buf.getvalue()


def from_ipc(data: bytes) -> pl.DataFrame:
    """Inverse of ``to_ipc``."""
    return pl.read_ipc_stream(io.BytesIO(data))


def chunk_bounds(n: int, chunks: int) -> list[tuple[int, int]]:
    """``chunks`` contiguous ``(offset, length)`` slices covering ``range(n)`` in order, sizes
    differing by at most one (empty slices omitted)."""
    chunks = max(1, min(chunks, n))
    base, extra = divmod(n, chunks)
    out, start = [], 0
    for i in range(chunks):
        size = base + (1 if i < extra else 0)
        if size:
            out.append((start, size))
        start += size
    return out


def run_chunk(stage_blob: bytes, fields: dict[str, Any],
              chunk: bytes) -> tuple[bytes, bytes, dict[str, Any], dict[str, str]]:
    """Worker body: run a pickled stage on one IPC chunk; return kept/rejected as IPC bytes,
    counters and artifacts. A ``ValueError`` propagates unchanged (the runner turns it into a
    one-line ``StageError``)."""
    stage: Stage = pickle.loads(stage_blob)
    ctx = Context(**fields)
    res = stage.run(from_ipc(chunk), ctx)
    out = to_ipc(res.kept), to_ipc(res.rejected), res.counters, res.artifacts
    del res
    release_memory()
    return out


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc ``malloc_trim(0)``; a no-op
    elsewhere). A stage that held a million conversations as Python objects leaves most of that
    heap mapped after freeing it: on the 1M-row read, RSS 2.5 → 1.6 GiB (benchmarks/results/scale.md)."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _libc():
    try:
        lib = ctypes.CDLL("libc.so.6")
        lib.malloc_trim.argtypes = [ctypes.c_size_t]
        return lib
    except (OSError, AttributeError):  # not glibc (macOS, musl, Windows)
        return None


_LIBC = _libc()


def ctx_fields(ctx: Context) -> dict[str, Any]:
    """The picklable parts of a ``Context`` (the logger is re-created by name in the worker)."""
    return {"seed": ctx.seed, "artifact_dir": ctx.artifact_dir, "artifacts": ctx.artifacts,
            "spec_dir": ctx.spec_dir, "cache_dir": ctx.cache_dir}


def merge_counters(parts: list[dict[str, Any]], stage: str = "") -> dict[str, Any]:
    """Sum per-chunk counters key by key, in order of first appearance.

    Numbers (int/float, not bool) are summed, nested dicts merged recursively; any other value
    (a string, a list, a bool) must be equal in every chunk that has it, else ``RuntimeError``
    (the stage is not row-local and must not be flagged so).
    """
    out: dict[str, Any] = {}
    for part in parts:
        for k, v in part.items():
            if k not in out:
                out[k] = merge_counters([v], stage) if isinstance(v, dict) else v
            elif isinstance(v, dict) and isinstance(out[k], dict):
                out[k] = merge_counters([out[k], v], stage)
            elif (isinstance(v, (int, float)) and not isinstance(v, bool)
                  and isinstance(out[k], (int, float)) and not isinstance(out[k], bool)):
                out[k] = out[k] + v
            elif out[k] != v:
                raise RuntimeError(f"stage {stage}: counter {k!r} differs between chunks ({out[k]!r} vs {v!r}) "
                                   f"and cannot be summed; the stage is not row-local")
    return out


def merge_results(stage: Stage, parts: list[ChunkResult]) -> StageResult:
    """One ``StageResult`` from per-chunk results in input order: kept rows concatenated (a column
    that is all-null in one chunk takes the type it has elsewhere), rejects concatenated
    (chunks with none skipped), counters summed (``merge_counters``), then rechunked so the frames
    write the same Parquet bytes as a single-process result. A row-local stage writes no
    artifacts; a chunk that does raises ``RuntimeError``."""
    if any(p[3] for p in parts):
        raise RuntimeError(f"stage {stage.name} is flagged row_local but wrote artifacts; it must not be")
    kept = pl.concat([p[0] for p in parts], how="vertical_relaxed").rechunk()
    rej = [p[1] for p in parts if p[1].height]
    rejected = pl.concat(rej, how="diagonal_relaxed").rechunk() if rej else empty_rejects()
    return StageResult(kept=kept, rejected=rejected, counters=merge_counters([p[2] for p in parts], stage.name))
