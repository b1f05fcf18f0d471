"""Run a validated pipeline: stages in order, each cached, then the outputs (and training).

Cache: stage k's result lives in ``<cache_dir>/<k>_<name>_<key>/`` with ``kept.parquet``,
``rejected.parquet``, ``stats.json``, ``artifacts/`` and a ``_SUCCESS`` marker. The key hashes the
previous stage's key, the stage name, its ``version``, its params, its ``fingerprint()`` (input
file hashes for ``read``) and, for a stage that reads it (``Stage.uses_seed``), the pipeline seed,
so editing stage k reruns k and everything after
it, and nothing before. Results are written to a temporary folder and renamed only when complete,
so a crash never leaves a half-written entry that a rerun would trust.

Every non-source stage must account for every row: ``rows_in + rows_added == kept + rejected``
(``rows_added`` is a counter a stage sets when it upsamples). A stage that loses rows is a bug and
stops the run.

Outputs in ``output.dir``: ``curated.parquet`` (canonical frame, loadable by ``datasets`` and TRL
as is), ``rejects.parquet`` (every dropped row from every stage, with ``drop_stage``,
``drop_reason``, ``drop_detail``), ``stats.json`` (funnel, counters, versions, pipeline digest,
``run_id``), ``report.html`` (``pipelines.report``: the run on one self-contained page, rebuilt
after training) and ``run.json``, the manifest that ties them together.

Committing outputs (all or nothing): every output file is first written into a staging folder
``<output.dir>/.tmp-run-<pid>/``; only when all are complete is the old ``run.json`` removed, each
file renamed into place (``os.replace``, atomic within one filesystem) and a new ``run.json``
written last (itself via a temporary name). ``run.json`` holds the ``run_id`` (also in stats.json)
and the byte size and SHA-256 of every Parquet output. So a crash or a full disk while writing
leaves the previous run's set untouched; a crash during the renames leaves a folder with no
``run.json``, which ``verify_outputs`` refuses and a rerun repairs (its stages come from the cache).
``commit_outputs`` moves every file found in the staging folder, so an output added later (a report)
only needs to be written there before the commit.

One run per output folder: ``run_pipeline`` holds ``<output.dir>/.curatrain.lock`` (the
``filelock`` library, an OS lock the kernel releases when the process dies) for the whole run,
training included, and writes the owner's pid and start time to ``.curatrain.lock.json``. A
second run fails at once with ``out/x is in use by pid N since T``. An owner file left by a killed
run (its lock is free) is reported and taken over. While holding the lock, the run removes
``.tmp-*`` leftovers of killed runs from the output folder and from the cache (there only those
whose pid, the last ``-N`` of the name, is not a live process, as a cache may be shared).

I/O errors (disk full, permission denied, read-only filesystem) while writing the cache or the
outputs end in ``OutputError``, one line naming the path; the half-written temporary entry is
removed, so a rerun with space succeeds.

Engines (``pipelines.engines``): the runner asks an engine to run each stage that is not cached.
``local`` (default) runs stages flagged ``row_local`` over ``workers`` spawn processes and the rest
in this process; ``ray`` runs row-local stages as Ray Data ``map_batches`` and the rest on the
gathered frame. Chunk results merge to exactly the single-process result, so the cache key does not
include the engine or the worker count: a cache filled by one engine serves the other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import polars as pl

from curate.schema import check_frame, empty_frame, empty_rejects
from curate.stage import Context, StageResult
from pipelines.engines import Engine, EngineUnavailable, make_engine, release_memory
from pipelines.report import REPORT_NAME, build_report, input_files
from pipelines.spec import PipelineSpec, StageSpec, output_dir_problems

log = logging.getLogger("curatrain.runner")

SUCCESS = "_SUCCESS"
MANIFEST = "run.json"
LOCK_FILE = ".curatrain.lock"
OWNER_FILE = ".curatrain.lock.json"


class RunError(RuntimeError):
    """A run stopped for a reason the user can act on; the message is one line (the CLI prints it)."""


class StageError(RunError):
    """A stage refused its input or settings (a ``ValueError`` inside it), e.g. a mix target that
    cannot be met. The message names the stage: ``stages[10] (mix): ...``. Bugs (other exception
    types) are not wrapped, so they keep their traceback."""


class OutputError(RunError):
    """The cache or output folder cannot be written (disk full, permission, read-only filesystem,
    an unsafe ``output.dir``) or holds an incomplete set of outputs. Names the path."""


class BusyError(RunError):
    """Another live run holds the output folder's lock: ``out/x is in use by pid N since T``."""


class EmptyRunError(RunError):
    """Every row was rejected: the curated set is empty (outputs are still written, for inspection)."""


def io_message(exc: BaseException, path: str | Path | None = None) -> str:
    """One line for an I/O failure: ``cannot write PATH: No space left on device``.

    Takes an ``OSError`` (``strerror`` and ``filename``) or a polars error that wraps one (polars
    reports ``... IO error: No space left on device (os error 28)``).
    """
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc) or type(exc).__name__
        where = path or exc.filename
    else:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        m = re.search(r"(?:IO error|io error)[: ]+(.*?)(?: \(os error (\d+)\))?$", text)
        what = (os.strerror(int(m.group(2))) if m and m.group(2) else m.group(1)) if m else text
        where = path
    return f"cannot write {where}: {what}" if where else what


@contextmanager
def _writing(path: Path, cleanup: Path | None = None) -> Iterator[None]:
    """Turn an I/O failure while writing ``path`` into ``OutputError`` (one line), after removing
    ``cleanup`` (a temporary entry) so nothing half-written stays behind."""
    try:
        yield
    except (OSError, pl.exceptions.PolarsError) as exc:
        if isinstance(exc, pl.exceptions.PolarsError) and not re.search(r"io error|os error", str(exc), re.I):
            raise  # a polars bug or a bad frame, not the disk: keep its traceback
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise OutputError(io_message(exc, path)) from exc


@dataclass
class StageReport:
    """One funnel line: what a stage did."""

    index: int
    stage: str
    rows_in: int
    rows_out: int
    dropped: dict[str, int]
    seconds: float
    cached: bool
    key: str
    counters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)


@dataclass
class RunReport:
    """What ``run_pipeline`` produced."""

    spec_digest: str
    stages: list[StageReport]
    curated_path: Path
    rejects_path: Path
    stats_path: Path
    train: dict[str, Any] | None = None
    run_id: str = ""  #: ties stats.json and run.json (the manifest) of this run


def _hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def stage_keys(spec: PipelineSpec) -> list[str]:
    """The cache key of every stage, in order (fingerprints are computed, nothing is run)."""
    keys, prev = [], _hash("curatrain-v2")
    for s in spec.stages:
        stage = s.build()
        seed = str(spec.seed) if stage.uses_seed else ""
        prev = _hash(prev, s.name, s.cls.version, s.params_json(), stage.fingerprint(), seed)
        keys.append(prev)
    return keys


def package_versions() -> dict[str, str]:
    """Versions of the packages that decide curatrain's results (for lineage)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in ("curatrain", "polars", "datasketch", "sentence-transformers", "langdetect",
                 "torch", "transformers", "trl", "datasets", "peft"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _dropped_by_reason(rejected: pl.DataFrame) -> dict[str, int]:
    if rejected.height == 0:
        return {}
    # most frequent first, ties by name: group_by's order is not stable, and the printed funnel should be
    return {r: int(n) for r, n in rejected.group_by("drop_reason").len().sort(["len", "drop_reason"],
                                                                           descending=[True, False]).rows()}


def _entry_dir(spec: PipelineSpec, s: StageSpec, key: str) -> Path:
    return spec.cache_dir / f"{s.index:02d}_{s.name}_{key[:12]}"


def _load_cached(entry: Path) -> tuple[StageResult, dict[str, Any]] | None:
    """The stored result of a complete cache entry, or None (no ``_SUCCESS`` marker, or an entry
    that cannot be read back, e.g. damaged on disk: logged, then recomputed and replaced)."""
    if not (entry / SUCCESS).exists():
        return None
    try:
        stats = json.loads((entry / "stats.json").read_text())
        result = StageResult(
            kept=pl.read_parquet(entry / "kept.parquet"),
            rejected=pl.read_parquet(entry / "rejected.parquet"),
            counters=stats.get("counters", {}),
            artifacts={k: str(entry / v) for k, v in stats.get("artifacts", {}).items()},
        )
    except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
        log.warning("cache entry %s cannot be read (%s); recomputing it", entry, str(exc).splitlines()[0][:200])
        return None
    return result, stats


def _run_and_store(stage_spec: StageSpec, df: pl.DataFrame, entry: Path, ctx: Context,
                   engine: Engine | None = None) -> tuple[StageResult, float]:
    tmp = entry.with_name(f".tmp-{entry.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    with _writing(tmp, cleanup=tmp):
        (tmp / "artifacts").mkdir(parents=True)
    ctx.artifact_dir = tmp / "artifacts"
    stage = stage_spec.build()
    t0 = time.perf_counter()
    try:
        result = engine.run_stage(stage, df, ctx) if engine is not None else stage.run(df, ctx)
    except ValueError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StageError(f"stages[{stage_spec.index}] ({stage_spec.name}): {exc}") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    seconds = time.perf_counter() - t0
    check_frame(result.kept, f"stage {stage_spec.name} output")
    rows_in = 0 if stage_spec.cls.is_source else df.height
    added = int(result.counters.get("rows_added", 0))
    if not stage_spec.cls.is_source and rows_in + added != result.kept.height + result.rejected.height:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(
            f"stage {stage_spec.name} lost rows: {rows_in} in (+{added} added) but "
            f"{result.kept.height} kept + {result.rejected.height} rejected"
        )
    rejected = result.rejected if result.rejected.height else empty_rejects()
    rel_artifacts = {k: str(Path(v).resolve().relative_to(tmp.resolve())) for k, v in result.artifacts.items()}
    with _writing(tmp / "kept.parquet", cleanup=tmp):
        result.kept.write_parquet(tmp / "kept.parquet")
    with _writing(tmp / "rejected.parquet", cleanup=tmp):
        rejected.write_parquet(tmp / "rejected.parquet")
    with _writing(tmp / "stats.json", cleanup=tmp):
        (tmp / "stats.json").write_text(json.dumps(
            {"stage": stage_spec.name, "seconds": seconds, "counters": result.counters, "artifacts": rel_artifacts},
            indent=2, default=str))
        (tmp / SUCCESS).touch()
    with _writing(entry, cleanup=tmp):
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
    result.artifacts = {k: str(entry / v) for k, v in rel_artifacts.items()}
    return result, seconds


def format_funnel_line(r: StageReport) -> str:
    """``  3 near_dedup      4,321 → 4,100   -221 near_duplicate 200, ...   1.2s  cached``"""
    drops = ", ".join(f"{k} {v:,}" for k, v in r.dropped.items()) or "-"
    total = sum(r.dropped.values())
    return (f"{r.index:>3} {r.stage:<18} {r.rows_in:>9,} → {r.rows_out:<9,} "
            f"{('-' + format(total, ',')) if total else '':>8}  {drops:<60} {r.seconds:7.1f}s"
            f"{'  cached' if r.cached else ''}")


# ---------------------------------------------------------------- one run per output folder

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _read_owner(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


class RunLock:
    """Exclusive hold of an output folder for one run (``with RunLock(out_dir, echo): ...``).

    The lock is ``<out_dir>/.curatrain.lock`` through ``filelock.FileLock`` (an ``flock`` the kernel
    drops when its process dies, so a killed run never blocks the next one); ``.curatrain.lock.json``
    beside it names the owner (pid, host, start time, pipeline). Raises ``BusyError`` at once when a
    live run holds it. Stale locks are reported through ``echo`` and taken over: an owner file whose
    run is gone (lock free), and a lock still held although its owner pid (on this host) is not
    running, e.g. by a leftover child that inherited it, or a plain lock file where the filesystem
    has no OS locks (filelock's fallback): the lock file is replaced and taken. Two runs starting in
    the same instant on such a stale lock could both take it; anything else is exclusive.
    """

    def __init__(self, out_dir: Path, pipeline: str = "", echo: Callable[[str], None] = print):
        self.out_dir, self.pipeline, self.echo = Path(out_dir), pipeline, echo
        self.owner_path = self.out_dir / OWNER_FILE
        self._lock: Any = None
        self.took_over: dict[str, Any] | None = None

    def __enter__(self) -> "RunLock":
        from filelock import Timeout

        try:
            self._acquire()
        except OSError as exc:
            if not isinstance(exc, Timeout):  # filelock's Timeout is an OSError too
                raise OutputError(io_message(exc, self.out_dir / LOCK_FILE)) from exc
            owner = _read_owner(self.owner_path)
            if self._owner_is_dead(owner):
                # The owner died but its lock is still held: a leftover child process inherited it
                # (or the filesystem has no OS locks and filelock fell back to a lock file). Take
                # the lock over on a fresh lock file; the leftover keeps the old, unlinked one.
                (self.out_dir / LOCK_FILE).unlink(missing_ok=True)
                try:
                    self._acquire()
                    return self._own()
                except Timeout:
                    owner = _read_owner(self.owner_path)
            who = f"pid {owner['pid']}" if "pid" in owner else "another run"
            host = f" on {owner['host']}" if owner.get("host") and owner.get("host") != socket.gethostname() else ""
            since = f" since {owner['started']}" if owner.get("started") else ""
            raise BusyError(f"{self.out_dir} is in use by {who}{host}{since}; wait for it to finish or stop it") from None
        return self._own()

    def _acquire(self) -> None:
        from filelock import FileLock

        self._lock = FileLock(str(self.out_dir / LOCK_FILE), blocking=False, thread_local=False)
        self._lock.acquire()

    @staticmethod
    def _owner_is_dead(owner: dict[str, Any]) -> bool:
        pid = owner.get("pid")
        return (isinstance(pid, int) and pid != os.getpid() and owner.get("host", socket.gethostname())
                == socket.gethostname() and not _pid_alive(pid))

    def _own(self) -> "RunLock":
        old = _read_owner(self.owner_path)
        if old.get("pid") and old.get("pid") != os.getpid():
            self.took_over = old
            state = "not running" if not _pid_alive(int(old["pid"])) else "no longer holding the lock"
            self.echo(f"note: took over a stale lock on {self.out_dir} from pid {old['pid']} "
                      f"(started {old.get('started', '?')}, {state})")
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "pipeline": self.pipeline,
                 "started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        try:
            with _writing(self.owner_path):
                tmp = self.owner_path.with_name(f".tmp-owner-{os.getpid()}")
                tmp.write_text(json.dumps(owner))
                tmp.replace(self.owner_path)
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if _read_owner(self.owner_path).get("pid") == os.getpid():
                self.owner_path.unlink(missing_ok=True)
        except OSError:
            pass
        self._lock.release()


def remove_orphans(out_dir: Path, cache_dir: Path) -> list[str]:
    """Remove ``.tmp-*`` leftovers of killed runs; call while holding ``RunLock(out_dir)``.

    In ``out_dir`` every ``.tmp-*`` entry goes (the lock makes them dead). In ``cache_dir``, which
    several output folders may share, only entries whose trailing ``-PID`` is not a live process
    (or is this process). Returns the removed paths.
    """
    removed = []
    for folder, needs_dead_pid in ((out_dir, False), (cache_dir, True)):
        try:
            entries = [e for e in folder.iterdir() if e.name.startswith(".tmp-")]
        except OSError:
            continue
        for e in entries:
            m = re.search(r"-(\d+)$", e.name)
            if needs_dead_pid and m and int(m.group(1)) != os.getpid() and _pid_alive(int(m.group(1))):
                continue
            if needs_dead_pid and not m:
                continue
            if e.is_dir() and not e.is_symlink():
                shutil.rmtree(e, ignore_errors=True)
            else:
                e.unlink(missing_ok=True)
            removed.append(str(e))
    return removed


# ---------------------------------------------------------------- committing outputs

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def commit_outputs(out_dir: Path, staging: Path, manifest: dict[str, Any]) -> Path:
    """Move every file of ``staging`` into ``out_dir`` as one set and write ``run.json`` last.

    ``manifest`` (``run_id``, pipeline, ...) is completed with ``files``: per Parquet file its
    ``bytes`` and ``sha256``; other files (stats.json, which training later amends) are listed by
    name and carry the ``run_id`` themselves. Returns the manifest path. Raises ``OutputError``.
    """
    files: dict[str, Any] = {}
    for f in sorted(staging.iterdir()):
        files[f.name] = {"bytes": f.stat().st_size, "sha256": _sha256(f)} if f.suffix == ".parquet" else {}
    body = json.dumps({**manifest, "files": files}, indent=2)
    manifest_path = out_dir / MANIFEST
    with _writing(manifest_path):
        manifest_path.unlink(missing_ok=True)  # from here until the new one lands, no committed set
        for name in files:
            os.replace(staging / name, out_dir / name)
        tmp = out_dir / f".tmp-{MANIFEST}-{os.getpid()}"
        tmp.write_text(body)
        os.replace(tmp, manifest_path)
    shutil.rmtree(staging, ignore_errors=True)
    return manifest_path


def verify_outputs(out_dir: str | Path) -> dict[str, Any]:
    """The manifest of the run committed in ``out_dir``, after checking that every Parquet file it
    lists has its recorded size and SHA-256 and that stats.json carries its ``run_id``.

    Raises ``OutputError`` naming what is missing or mixed (rerun ``curatrain run`` to repair).
    """
    out_dir = Path(out_dir)
    manifest = _read_owner(out_dir / MANIFEST)
    if not manifest.get("run_id"):
        raise OutputError(f"{out_dir} holds no complete run ({MANIFEST} is missing); run the pipeline again")
    for name, info in manifest.get("files", {}).items():
        path = out_dir / name
        if not path.is_file():
            raise OutputError(f"{path} is missing from run {manifest['run_id']}; run the pipeline again")
        if info.get("sha256") and (path.stat().st_size != info.get("bytes") or _sha256(path) != info["sha256"]):
            raise OutputError(f"{path} is not the file of run {manifest['run_id']} (mixed outputs); "
                              f"run the pipeline again")
    if "stats.json" in manifest.get("files", {}):
        if _read_owner(out_dir / "stats.json").get("run_id") != manifest["run_id"]:
            raise OutputError(f"{out_dir / 'stats.json'} is not from run {manifest['run_id']}; run the pipeline again")
    return manifest


# ---------------------------------------------------------------- per-file lines

def format_file_lines(report: "StageReport") -> list[str]:
    """One line per input file of a source stage, from its ``file.<name>`` counters::

        FILE: 500 records → 480 rows, 0 prompts, 20 rejected (json_syntax_error 12, malformed_record 8)

    Tolerates missing keys (``path``, ``records``, ``rows``, ``prompts``, ``rejected``,
    ``rejected_by_reason``, ``format``).
    """
    return [f"  {f['file']}" + (f" [{f['format']}]" if f["format"] else "")
            + f": {f['records']:,} records → {f['rows']:,} rows, {f['prompts']:,} prompts, {f['rejected']:,} rejected"
            + (f" ({f['by_reason']})" if f["by_reason"] else "") for f in input_files(report.counters)]


def rejects_by_source(rejected: pl.DataFrame) -> pl.DataFrame:
    """``{source, drop_stage, len}`` counts of one stage's rejected rows: all the run keeps of them in memory."""
    return rejected.group_by("source", "drop_stage").len()


def per_source_accounting(reports: list[StageReport], rejects_list: list[pl.DataFrame],
                          curated: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per source: rows that entered (read kept + read rejects), rejects by stage, rows curated.

    ``rejects_list``: each stage's ``rejects_by_source`` counts (or its rejected rows themselves).
    ``entered == sum(rejected.values()) + curated - added`` for every source, where ``added`` counts
    upsampled copies; so no source's rows vanish unaccounted.
    """
    out: dict[str, dict[str, Any]] = {}
    counts = [r if "len" in r.columns else rejects_by_source(r) for r in rejects_list]
    rej = pl.concat(counts) if counts else None
    if rej is not None and rej.height:
        rej = rej.group_by("source", "drop_stage").agg(pl.col("len").sum())
        for source, stage, n in rej.sort("source", "drop_stage").rows():
            out.setdefault(source, {"rejected": {}})["rejected"][stage] = int(n)
    for source, n in (curated.group_by("source").len().rows() if curated.height else []):
        out.setdefault(source, {"rejected": {}})["curated"] = int(n)
    for source, d in out.items():
        d.setdefault("curated", 0)
        d["rejected_total"] = sum(d["rejected"].values())
    return dict(sorted(out.items()))


def write_rejects(files: list[Path], dest: Path) -> None:
    """Write the stages' rejected rows (``files``: their cache entries' ``rejected.parquet``, in
    stage order) as one Parquet file, streamed (``scan_parquet`` → ``sink_parquet``) so memory does
    not grow with the number of rejects. Columns are the union of the stages' (missing ones null,
    types relaxed to a common supertype, as ``pl.concat(how="diagonal_relaxed")``)."""
    if not files:
        empty_rejects().write_parquet(dest)
        return
    pl.concat([pl.scan_parquet(f) for f in files], how="diagonal_relaxed").sink_parquet(dest)


def run_pipeline(spec: PipelineSpec, *, train: bool = True, force: bool = False, overwrite: bool = False,
                 echo: Callable[[str], None] = print, note: Callable[[str], None] | None = None,
                 engine: str | None = None, workers: int | None = None, ray_address: str | None = None,
                 min_rows: int | None = None) -> RunReport:
    """Run ``spec``: every stage (from cache where possible), commit the outputs, then train if asked.

    ``force`` ignores the cache (results are still stored) and, like ``overwrite`` and
    ``output.overwrite``, allows a non-empty output folder that holds no curatrain run. ``echo``
    receives one funnel line per stage, then one line per input file; ``note`` (default ``echo``)
    receives housekeeping lines (a stale lock taken over, leftovers removed) and training's lines. ``engine`` (``local`` or
    ``ray``; default the spec's ``engine:``), ``workers`` (default the spec's ``workers:``, else the
    cores available) and ``ray_address`` choose how stages execute (``pipelines.engines.make_engine``;
    ``min_rows`` is for tests); outputs do not depend on them. Holds the output folder's
    ``RunLock`` throughout. Raises ``BusyError`` (folder in use), ``OutputError`` (unsafe folder,
    I/O failure, one line naming the path), ``StageError`` (a stage refused its input),
    ``EmptyRunError`` (nothing curated; outputs are written first) and whatever a stage raises;
    the cache keeps every stage that finished.
    """
    out = spec.output_dir
    problems = output_dir_problems(out, overwrite=overwrite or force or spec.overwrite)
    if problems:
        raise OutputError(f"output.dir: {problems[0]}")
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
    note = note or echo
    with RunLock(out, spec.name, note):
        with _writing(spec.cache_dir):
            spec.cache_dir.mkdir(parents=True, exist_ok=True)
        removed = remove_orphans(out, spec.cache_dir)
        if removed:
            note(f"removed {len(removed)} temporary entr{'y' if len(removed) == 1 else 'ies'} left by killed runs")
        try:  # ray missing or its cluster unreachable: one line (a cluster is joined on first use)
            runner_engine = make_engine(engine or ("ray" if ray_address else spec.engine),
                                        workers if workers is not None else spec.workers, ray_address, min_rows)
            try:
                report = _run_locked(spec, force=force, echo=echo, engine=runner_engine)
            finally:
                runner_engine.close()
        except EngineUnavailable as exc:
            raise RunError(str(exc)) from None
        if train and spec.train is not None:
            report.train = train_from_outputs(spec, echo=note)  # training lines are logs: stderr in the CLI, as in `train`
            with _writing(out / REPORT_NAME):
                build_report(out)  # now with the training curves
    return report


def _run_locked(spec: PipelineSpec, *, force: bool, echo: Callable[[str], None],
                engine: Engine | None = None) -> RunReport:
    keys = stage_keys(spec)
    df = empty_frame()
    reports: list[StageReport] = []
    # rejected rows stay on disk (each stage's cache entry); only their counts stay in memory, and the
    # rejects file is streamed from the entries at the end: a 1M-row run never holds every dropped row
    reject_files: list[Path] = []
    reject_counts: list[pl.DataFrame] = []
    n_rejected = 0
    artifacts: dict[str, dict[str, str]] = {}
    echo(f"pipeline {spec.name} ({spec.digest})  cache {spec.cache_dir}"
         + (f"  engine {engine.describe()}" if engine is not None and engine.name == "local" else "")
         + ("  engine ray" if engine is not None and engine.name == "ray" else ""))
    echo(f"{'#':>3} {'stage':<18} {'rows in':>9} → {'out':<9} {'dropped':>8}  {'by reason':<60} {'time':>8}")
    for s, key in zip(spec.stages, keys):
        entry = _entry_dir(spec, s, key)
        cached = None if force else _load_cached(entry)
        rows_in = 0 if s.cls.is_source else df.height
        if cached is not None:
            result, stats = cached
            seconds, was_cached = float(stats.get("seconds", 0.0)), True
        else:
            ctx = Context(seed=spec.seed, artifacts=artifacts, spec_dir=Path(spec.path).parent,
                          cache_dir=spec.cache_dir)
            result, seconds = _run_and_store(s, df, entry, ctx, engine)
            was_cached = False
        artifacts[s.name] = result.artifacts
        rep = StageReport(s.index, s.name, rows_in, result.kept.height, _dropped_by_reason(result.rejected),
                          seconds, was_cached, key, result.counters, result.artifacts)
        reports.append(rep)
        echo(format_funnel_line(rep))
        if result.rejected.height:
            reject_files.append(entry / "rejected.parquet")
            reject_counts.append(rejects_by_source(result.rejected))
            n_rejected += result.rejected.height
        df = result.kept
        del result, cached
        release_memory()  # give back what the stage freed (1M rows: ~1 GiB of Python heap after read)
    for rep in reports:
        if spec.stages[rep.index].cls.is_source:
            for line in format_file_lines(rep):
                echo(line)

    out = spec.output_dir
    run_id = f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
    staging = out / f".tmp-run-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    curated_path, rejects_path, stats_path = out / "curated.parquet", out / "rejects.parquet", out / "stats.json"
    stats = {
        "pipeline": spec.name,
        "pipeline_digest": spec.digest,
        "pipeline_file": str(spec.path),
        "run_id": run_id,
        "seed": spec.seed,
        "engine": engine.describe() if engine is not None else "local, 1 worker",
        "rows_curated": df.height,
        "rows_rejected": n_rejected,
        "sources": dict(sorted(df.group_by("source").len().rows())) if df.height else {},
        "per_source": per_source_accounting(reports, rejects_list=reject_counts, curated=df),
        "stages": [asdict(r) for r in reports],
        "versions": package_versions(),
        "outputs": {"curated": str(curated_path), "rejects": str(rejects_path), "manifest": str(out / MANIFEST)},
    }
    with _writing(staging, cleanup=staging):
        staging.mkdir(parents=True)
    with _writing(staging / "curated.parquet", cleanup=staging):
        df.write_parquet(staging / "curated.parquet")
    with _writing(staging / "rejects.parquet", cleanup=staging):
        write_rejects(reject_files, staging / "rejects.parquet")
    with _writing(staging / "stats.json", cleanup=staging):
        (staging / "stats.json").write_text(json.dumps(stats, indent=2, default=str))
    with _writing(staging / REPORT_NAME, cleanup=staging):
        build_report(staging)  # committed with the other outputs; rebuilt after training
    commit_outputs(out, staging, {"run_id": run_id, "pipeline": spec.name, "pipeline_digest": spec.digest,
                                  "pipeline_file": str(spec.path), "rows_curated": df.height,
                                  "rows_rejected": n_rejected})
    echo(f"curated {df.height:,} rows → {curated_path}; rejects {n_rejected:,} → {rejects_path}; "
         f"stats → {stats_path}")
    if df.height == 0:
        emptied = next((r for r in reports if r.rows_out == 0), reports[-1])
        top = ", ".join(f"{k} {v:,}" for k, v in list(emptied.dropped.items())[:3])
        raise EmptyRunError(f"the curated set is empty: no rows left after stages[{emptied.index}] ({emptied.stage})"
                            + (f" (dropped: {top})" if top else "")
                            + f"; see the rejects with: curatrain inspect {spec.path}")
    from pipelines.publish import publish_outputs  # output.save_to_disk / output.push_to_hub, through datasets
    publish_outputs(spec.output, curated_path, echo=echo)
    return RunReport(spec.digest, reports, curated_path, rejects_path, stats_path, run_id=run_id)


def train_from_outputs(spec: PipelineSpec, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Train with ``spec.train`` on ``<output.dir>/curated.parquet`` written by an earlier run.

    The one implementation lives in ``train.launch.run_training`` (it also serves ``curatrain
    train`` overrides and ``accelerate launch``); this is it with no overrides. Returns the training
    metrics, also stored under ``train`` in stats.json. Raises ``FileNotFoundError`` if the pipeline
    has not been run.
    """
    from train.launch import run_training

    return run_training(spec, [], echo=echo)
