"""Run a validated pipeline: stages in order, each cached, then the outputs (and training).

Cache: stage k's result lives in ``<cache_dir>/<k>_<name>_<key>/`` with ``kept.parquet``,
``rejected.parquet``, ``stats.json``, ``artifacts/`` and a ``_SUCCESS`` marker. The key hashes the
previous stage's key, the stage name, its ``version``, its params, its ``fingerprint()`` (input
file hashes for ``read``) and the pipeline seed, so editing stage k reruns k and everything after
it, and nothing before. Results are written to a temporary folder and renamed only when complete,
so a crash never leaves a half-written entry that a rerun would trust.

Every non-source stage must account for every row: ``rows_in + rows_added == kept + rejected``
(``rows_added`` is a counter a stage sets when it upsamples). A stage that loses rows is a bug and
stops the run.

Outputs in ``output.dir``: ``curated.parquet`` (canonical frame, loadable by ``datasets`` and TRL
as is), ``rejects.parquet`` (every dropped row from every stage, with ``drop_stage``,
``drop_reason``, ``drop_detail``), ``stats.json`` (funnel, counters, versions, pipeline digest).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import polars as pl

from curate.schema import check_frame, empty_frame, empty_rejects
from curate.stage import Context, StageResult
from pipelines.spec import PipelineSpec, StageSpec

SUCCESS = "_SUCCESS"


class StageError(RuntimeError):
    """A stage refused its input or settings (a ``ValueError`` inside it), e.g. a mix target that
    cannot be met. The message names the stage: ``stages[10] (mix): ...``. Bugs (other exception
    types) are not wrapped, so they keep their traceback."""


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


def _hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def stage_keys(spec: PipelineSpec) -> list[str]:
    """The cache key of every stage, in order (fingerprints are computed, nothing is run)."""
    keys, prev = [], _hash("curatrain-v1", str(spec.seed))
    for s in spec.stages:
        prev = _hash(prev, s.name, s.cls.version, s.params_json(), s.build().fingerprint())
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
    return {r: int(n) for r, n in rejected.group_by("drop_reason").len().sort("len", descending=True).rows()}


def _entry_dir(spec: PipelineSpec, s: StageSpec, key: str) -> Path:
    return spec.cache_dir / f"{s.index:02d}_{s.name}_{key[:12]}"


def _load_cached(entry: Path) -> tuple[StageResult, dict[str, Any]] | None:
    if not (entry / SUCCESS).exists():
        return None
    stats = json.loads((entry / "stats.json").read_text())
    result = StageResult(
        kept=pl.read_parquet(entry / "kept.parquet"),
        rejected=pl.read_parquet(entry / "rejected.parquet"),
        counters=stats.get("counters", {}),
        artifacts={k: str(entry / v) for k, v in stats.get("artifacts", {}).items()},
    )
    return result, stats


def _run_and_store(stage_spec: StageSpec, df: pl.DataFrame, entry: Path, ctx: Context) -> tuple[StageResult, float]:
    tmp = entry.with_name(f".tmp-{entry.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "artifacts").mkdir(parents=True)
    ctx.artifact_dir = tmp / "artifacts"
    stage = stage_spec.build()
    t0 = time.perf_counter()
    try:
        result = stage.run(df, ctx)
    except ValueError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise StageError(f"stages[{stage_spec.index}] ({stage_spec.name}): {exc}") from exc
    seconds = time.perf_counter() - t0
    check_frame(result.kept, f"stage {stage_spec.name} output")
    rows_in = 0 if stage_spec.cls.is_source else df.height
    added = int(result.counters.get("rows_added", 0))
    if not stage_spec.cls.is_source and rows_in + added != result.kept.height + result.rejected.height:
        raise RuntimeError(
            f"stage {stage_spec.name} lost rows: {rows_in} in (+{added} added) but "
            f"{result.kept.height} kept + {result.rejected.height} rejected"
        )
    rejected = result.rejected if result.rejected.height else empty_rejects()
    result.kept.write_parquet(tmp / "kept.parquet")
    rejected.write_parquet(tmp / "rejected.parquet")
    rel_artifacts = {k: str(Path(v).resolve().relative_to(tmp.resolve())) for k, v in result.artifacts.items()}
    (tmp / "stats.json").write_text(json.dumps(
        {"stage": stage_spec.name, "seconds": seconds, "counters": result.counters, "artifacts": rel_artifacts},
        indent=2, default=str))
    (tmp / SUCCESS).touch()
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


def _write_atomic_parquet(df: pl.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.write_parquet(tmp)
    tmp.replace(path)


def per_source_accounting(reports: list[StageReport], rejects_list: list[pl.DataFrame],
                          curated: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per source: rows that entered (read kept + read rejects), rejects by stage, rows curated.

    ``entered == sum(rejected.values()) + curated - added`` for every source, where ``added`` counts
    upsampled copies; so no source's rows vanish unaccounted.
    """
    out: dict[str, dict[str, Any]] = {}
    rej = pl.concat([r.select("source", "drop_stage") for r in rejects_list]) if rejects_list else None
    if rej is not None and rej.height:
        for source, stage, n in rej.group_by("source", "drop_stage").len().sort("source", "drop_stage").rows():
            out.setdefault(source, {"rejected": {}})["rejected"][stage] = int(n)
    for source, n in (curated.group_by("source").len().rows() if curated.height else []):
        out.setdefault(source, {"rejected": {}})["curated"] = int(n)
    for source, d in out.items():
        d.setdefault("curated", 0)
        d["rejected_total"] = sum(d["rejected"].values())
    return dict(sorted(out.items()))


def run_pipeline(spec: PipelineSpec, *, train: bool = True, force: bool = False,
                 echo: Callable[[str], None] = print) -> RunReport:
    """Run ``spec``: every stage (from cache where possible), write outputs, then train if asked.

    ``force`` ignores the cache (results are still stored). ``echo`` receives one funnel line per
    stage. Raises whatever a stage raises; the cache keeps every stage that finished.
    """
    spec.cache_dir.mkdir(parents=True, exist_ok=True)
    spec.output_dir.mkdir(parents=True, exist_ok=True)
    keys = stage_keys(spec)
    df = empty_frame()
    reports: list[StageReport] = []
    rejects: list[pl.DataFrame] = []
    artifacts: dict[str, dict[str, str]] = {}
    echo(f"pipeline {spec.name} ({spec.digest})  cache {spec.cache_dir}")
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
            result, seconds = _run_and_store(s, df, entry, ctx)
            was_cached = False
        artifacts[s.name] = result.artifacts
        rep = StageReport(s.index, s.name, rows_in, result.kept.height, _dropped_by_reason(result.rejected),
                          seconds, was_cached, key, result.counters, result.artifacts)
        reports.append(rep)
        echo(format_funnel_line(rep))
        if result.rejected.height:
            rejects.append(result.rejected)
        df = result.kept

    out = spec.output_dir
    curated_path, rejects_path, stats_path = out / "curated.parquet", out / "rejects.parquet", out / "stats.json"
    _write_atomic_parquet(df, curated_path)
    all_rejects = pl.concat(rejects, how="diagonal_relaxed") if rejects else empty_rejects()
    _write_atomic_parquet(all_rejects, rejects_path)
    stats = {
        "pipeline": spec.name,
        "pipeline_digest": spec.digest,
        "pipeline_file": str(spec.path),
        "seed": spec.seed,
        "rows_curated": df.height,
        "rows_rejected": all_rejects.height,
        "sources": dict(sorted(df.group_by("source").len().rows())) if df.height else {},
        "per_source": per_source_accounting(reports, rejects_list=rejects, curated=df),
        "stages": [asdict(r) for r in reports],
        "versions": package_versions(),
        "outputs": {"curated": str(curated_path), "rejects": str(rejects_path)},
    }
    stats_path.write_text(json.dumps(stats, indent=2, default=str))
    echo(f"curated {df.height:,} rows → {curated_path}; rejects {all_rejects.height:,} → {rejects_path}; stats → {stats_path}")
    report = RunReport(spec.digest, reports, curated_path, rejects_path, stats_path)

    if train and spec.train is not None:
        report.train = train_from_outputs(spec, echo=echo)
    return report


def train_from_outputs(spec: PipelineSpec, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Train with ``spec.train`` on ``<output.dir>/curated.parquet`` written by an earlier run.

    The one implementation lives in ``train.launch.run_training`` (it also serves ``curatrain
    train`` overrides and ``accelerate launch``); this is it with no overrides. Returns the training
    metrics, also stored under ``train`` in stats.json. Raises ``FileNotFoundError`` if the pipeline
    has not been run.
    """
    from train.launch import run_training

    return run_training(spec, [], echo=echo)
