"""Engine benchmark: the same curation pipeline on the local engine (1 and 2 workers) and on Ray.

Run from the repository root (writes benchmarks/results/engine.md unless --out):

    .venv/bin/python benchmarks/engine_bench.py --data sample            # embedded sample, ~1 min
    .venv/bin/python benchmarks/engine_bench.py --data all --stages      # all of ../shared/data

What it measures, per data set:

1. Pipeline runs. The curation stages of pipelines/lima.yaml (sample) or benchmarks/all_data.yaml
   (all) **without** semantic_dedup, chat_template and diversity_select (embedding ~50k texts
   with MiniLM takes ~10 min on 2 cores and would hide every other cost; the engines run those
   stages the same way, in one process), run three times into fresh caches: ``local`` with
   ``workers=1``, ``local`` with ``workers=2``, ``ray`` on a local 2-CPU Ray. The read stage is
   computed once and its cache entry copied into each run's cache, so the wall time is stages 1..n
   plus the engine's start (spawning workers, ``ray.init``). Checks: curated ids identical (and in
   the same order), curated.parquet and rejects.parquet byte-identical.
2. ``--stages``: per-stage seconds in one process vs ``LocalEngine(workers=2)`` for redact_pii
   (flagged row-local) and for language and quality with the flag **forced on** for the
   measurement (they are not flagged yet; the check says whether their chunked output equals the
   one-process output, i.e. whether flagging them is safe).

Timings depend on the machine's load: the report prints ``uptime`` before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate import registry  # noqa: E402
from curate.stage import Context  # noqa: E402
from pipelines.engines.local import LocalEngine  # noqa: E402
from pipelines.runner import run_pipeline  # noqa: E402
from pipelines.spec import parse_spec  # noqa: E402

SKIP = {"semantic_dedup", "chat_template", "diversity_select"}
DROP: set[str] = set()  #: more stages left out of the pipeline runs (--drop-stage)


def bench_spec(data: str, out_dir: Path, cache_dir: Path, keep_all: bool = False, read_only: bool = False) -> str:
    """The benchmark pipeline YAML for ``data`` (``sample`` or ``all``), heavy embedding stages
    (and ``DROP``, unless ``keep_all``) removed."""
    src = ROOT / ("pipelines/lima.yaml" if data == "sample" else "benchmarks/all_data.yaml")
    raw = yaml.safe_load(src.read_text())
    raw["stages"] = [s for s in raw["stages"] if s["stage"] not in SKIP | (set() if keep_all else DROP)]
    for s in raw["stages"]:
        if s["stage"] == "read":
            for inp in s["inputs"]:
                inp["path"] = str((ROOT / inp["path"]).resolve())
                # all_data.yaml lists prompt-only files (fastchat_mt_bench_question.jsonl), which
                # read now refuses unless allowed: they read as 0 conversations here
                inp.setdefault("allow_empty", True)
    if read_only:
        raw["stages"] = raw["stages"][:1]
    raw.pop("train", None)
    raw["name"] = f"engine-bench-{data}"
    raw["output"] = {"dir": str(out_dir)}
    raw["cache_dir"] = str(cache_dir)
    return yaml.safe_dump(raw, sort_keys=False)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run_config(data: str, work: Path, label: str, read_entry: Path | None, read_only: bool = False, **kw):
    """One timed run into ``work/label`` (only the read stage when ``read_only``); returns
    (wall seconds, report, funnel lines)."""
    out, cache = work / label / "out", work / label / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    if read_entry is not None:
        shutil.copytree(read_entry, cache / read_entry.name)
    spec = parse_spec(bench_spec(data, out, cache, read_only=read_only), f"{label}.yaml")
    lines: list[str] = []
    t0 = time.perf_counter()
    rep = run_pipeline(spec, echo=lines.append, train=False, **kw)
    return time.perf_counter() - t0, rep, lines


def pipeline_runs(data: str, work: Path, skip_ray: bool) -> tuple[list[str], dict]:
    md: list[str] = []
    # read once, keep its cache entry for every configuration
    _, rep0, _ = run_config(data, work, "read", None, read_only=True, workers=1)
    read_entry = next((work / "read" / "cache").glob("00_read_*"))
    configs = [("local, workers=1", dict(engine="local", workers=1)),
               ("local, workers=2", dict(engine="local", workers=2)),
               ("ray, 2 CPUs (local)", dict(engine="ray", workers=2))]
    if skip_ray:
        configs = configs[:2]
    results = {}
    for label, kw in configs:
        slug = f"{kw['engine']}{kw['workers']}"
        wall, rep, _ = run_config(data, work, slug, read_entry, **kw)
        results[label] = (wall, rep)
        print(f"{data}: {label}: {wall:.1f}s", file=sys.stderr)
    base_wall, base = results["local, workers=1"]
    base_ids = pl.read_parquet(base.curated_path).get_column("id").to_list()
    stage_names = [s.stage for s in base.stages]
    md.append(f"Rows read: {rep0.stages[0].rows_out:,}; curated: {len(base_ids):,}.\n")
    md.append("| engine | wall s (stages 1..n) | " + " | ".join(stage_names[1:]) + " | same ids | same bytes |")
    md.append("|---|---:|" + "---:|" * (len(stage_names) - 1) + "---|---|")
    for label, (wall, rep) in results.items():
        ids = pl.read_parquet(rep.curated_path).get_column("id").to_list()
        same_bytes = all((rep.curated_path.parent / f).read_bytes() == (base.curated_path.parent / f).read_bytes()
                         for f in ("curated.parquet", "rejects.parquet"))
        md.append(f"| {label} | {wall:.1f} | " + " | ".join(f"{s.seconds:.1f}" for s in rep.stages[1:])
                  + f" | {'yes' if ids == base_ids else 'NO'} | {'yes' if same_bytes else 'NO'} |")
    return md, results


def stage_runs(base_rep, stages: list[str], rows: int | None = None) -> list[str]:
    """One process vs 2 workers on the frame each stage received in the workers=1 run (its first
    ``rows`` rows when set). A stage left out of the pipeline runs gets the frame of the stage
    before it in the full list (language: near_dedup's output)."""
    md = ["| stage | rows in | 1 process s | 2 workers s | speed-up | chunked output identical |",
          "|---|---:|---:|---:|---:|---|"]
    by_name = {s.stage: s for s in base_rep.stages}
    keys = base_rep.stages
    engine = LocalEngine(workers=2, min_rows=1)
    try:
        warm = _input_of(base_rep, keys, "redact_pii").head(8)
        engine.run_stage(registry.get("redact_pii")(), warm, Context())  # start the workers before timing
        for name in stages:
            cls = registry.get(name)
            df = _input_of(base_rep, keys, name)
            if rows is not None and name != "redact_pii":
                df = df.head(rows)
            stage = cls(_params_of(base_rep, name))
            forced = not cls.row_local
            cls.row_local = True
            try:
                t0 = time.perf_counter()
                one = stage.run(df.clone(), Context(seed=13))
                t1 = time.perf_counter()
                two = engine.run_stage(stage, df, Context(seed=13))
                t2 = time.perf_counter()
            finally:
                if forced:
                    cls.row_local = False
            same = one.kept.equals(two.kept) and one.rejected.equals(two.rejected) and \
                {k: v for k, v in one.counters.items() if not k.startswith("seconds")} == \
                {k: v for k, v in two.counters.items() if not k.startswith("seconds")}
            diff = ""
            if not same:
                a = set(one.kept.get_column("id").to_list())
                b = set(two.kept.get_column("id").to_list())
                diff = f" (kept ids differ: {len(a ^ b)})"
            md.append(f"| {name}{' (flag forced)' if forced else ''} | {df.height:,} | {t1 - t0:.1f} | {t2 - t1:.1f} | "
                      f"{(t1 - t0) / max(t2 - t1, 1e-9):.2f}× | {'yes' if same else 'NO' + diff} |")
            print(md[-1], file=sys.stderr)
    finally:
        engine.close()
    return md


_SPECS: dict[str, object] = {}


def _input_of(rep, stages, name: str) -> pl.DataFrame:
    """The kept frame of the stage before ``name`` in ``rep``'s cache."""
    order = [s.name for s in _SPECS["full"].stages]
    before = order[:order.index(name)]
    prev = [s for s in stages if s.stage in before][-1]
    cache = Path(_SPECS["cache"])
    entry = next(cache.glob(f"{prev.index:02d}_{prev.stage}_{prev.key[:12]}"))
    return pl.read_parquet(entry / "kept.parquet")


def _params_of(rep, name: str):  # the params the bench spec gives stage ``name``
    return next(s.params for s in _SPECS["full"].stages if s.name == name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", choices=["sample", "all", "both"], default="sample")
    ap.add_argument("--stages", action="store_true", help="also time language/quality/redact_pii, 1 vs 2 workers")
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--drop-stage", action="append", default=[], help="leave this stage out of the pipeline runs")
    ap.add_argument("--stage-rows", type=int, default=None,
                    help="per-stage timings of language and quality on the first N rows of their input")
    ap.add_argument("--with-report", action="store_true",
                    help="also build report.html in every run (matplotlib; the same cost on every engine)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/engine.md"))
    ap.add_argument("--work", default=None, help="scratch folder (default: a temp folder, removed)")
    args = ap.parse_args()
    os.chdir(ROOT)
    DROP.update(args.drop_stage)
    if not args.with_report:
        import pipelines.runner as runner

        runner.build_report = lambda folder: None  # engine-independent; measured on its own below
    work_root = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="engine-bench-"))
    md = ["# Engine benchmark (issue 12 items 2, 4)", "",
          f"`{' '.join(['.venv/bin/python', 'benchmarks/engine_bench.py'] + sys.argv[1:])}`", "",
          f"Load before: `{uptime()}`", "",
          "Pipeline runs leave out semantic_dedup, chat_template, diversity_select"
          + (f" and {', '.join(args.drop_stage)}" if args.drop_stage else "")
          + "; report.html is " + ("built" if args.with_report else "not built") + " (same cost on every engine).", ""]
    try:
        for data in (["sample", "all"] if args.data == "both" else [args.data]):
            work = work_root / data
            md += [f"## {data}", ""]
            lines, results = pipeline_runs(data, work, args.skip_ray)
            md += lines + [""]
            if args.stages:
                base = results["local, workers=1"][1]
                _SPECS["cache"] = str(work / "local1" / "cache")
                _SPECS["full"] = parse_spec(bench_spec(data, work / "x", work / "local1" / "cache", keep_all=True),
                                            "x.yaml", check_files=False)
                md += ["Per stage, on the frame each stage received"
                       + (f" (language and quality: its first {args.stage_rows:,} rows)" if args.stage_rows else "")
                       + ":", ""]
                md += stage_runs(base, ["redact_pii", "language", "quality"], args.stage_rows) + [""]
    finally:
        if not args.work:
            shutil.rmtree(work_root, ignore_errors=True)
    md += [f"Load after: `{uptime()}`", ""]
    Path(args.out).write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
