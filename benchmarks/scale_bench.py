"""Scale benchmark (issue 12): lima.yaml's curation stages on N real conversations, cold caches.

Builds ``N`` conversations (default 100,000) from every file of ../shared/data, as the readers see
them, topped up with word-edited copies (each copy: ~10% of the words of every turn replaced,
dropped or swapped, seeded), writes them as one JSONL file, writes a pipeline with the same
curation stages and settings as ``pipelines/lima.yaml`` (read → ... → mix; no training; the mix
total scaled to the data) and prints the command to time it::

    .venv/bin/python benchmarks/scale_bench.py --n 100000 --out /tmp/scale100k
    /usr/bin/time -v .venv/bin/curatrain run /tmp/scale100k/pipeline.yaml --no-train

Run it with nothing else on the machine and give ``uptime``'s load with the figure. The language
stage keeps ``en`` and ``zh`` here by default (the shared data is half Chinese), as
``benchmarks/all_data.yaml``; ``--keep lima`` keeps lima.yaml's own ``[en]``.

One stage alone (``--stage``): run a registered stage on a frame saved by such a run (e.g. the
``kept.parquet`` of the stage before it in ``<out>/run/.cache``), with params as ``key=value``
(YAML values), in this process, with an empty embedding cache under ``--work``; prints one JSON line
(seconds, CPU seconds of this process and its children, rows kept / rejected, counters, ``uptime``
load before and after), writes the rejected ids to ``<work>/<tag>.ids`` and the kept / rejected
frames to ``<work>/<tag>.{kept,rejected}.parquet``. With ``--reference TAG`` it adds the precision /
recall of this run's rejected ids against that earlier run's::

    .venv/bin/python benchmarks/scale_bench.py --stage semantic_dedup \
        --frame /tmp/scale100k/frames/pre_semdedup.parquet --tag full view=first_user_turn \
        threshold=0.95 max_seq_length=128 backend=onnx-int8
    .venv/bin/python benchmarks/scale_bench.py --stage semantic_dedup --frame ... --tag cascade80 \
        --reference full ... prefilter=static prefilter_threshold=0.80
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import yaml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # as `curatrain run` (pipelines/cli.py)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curate.readers import read_paths  # noqa: E402

DATA = REPO.parent / "shared" / "data"


def edit(text: str, rng: random.Random, rate: float = 0.1) -> str:
    """Replace, drop or swap about ``rate`` of the whitespace-separated words of ``text``."""
    words = text.split(" ")
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        r = rng.random()
        if r < rate / 3:
            i += 1
            continue  # drop
        if r < 2 * rate / 3:
            out.append(rng.choice(words))  # replace by another word of the text
        elif r < rate and i + 1 < len(words):
            out += [words[i + 1], w]  # swap with the next word
            i += 2
            continue
        else:
            out.append(w)
        i += 1
    return " ".join(out)


def build(n: int, out: Path, seed: int = 0) -> Path:
    """Write ``out/conversations.jsonl`` with ``n`` conversations (real first, then edited copies)."""
    res = read_paths([DATA])
    rows = [{"messages": r["messages"], "source": r["source"]} for r in res.rows]
    rng = random.Random(seed)
    real = len(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "conversations.jsonl"
    with path.open("w", encoding="utf-8") as f:  # copies are written as they are made: 1M rows never sit in memory
        for k in range(n):
            if k < real:
                r = rows[k]
            else:
                base = rows[rng.randrange(real)]
                r = {"messages": [{"role": m["role"], "content": edit(m["content"], rng)} for m in base["messages"]],
                     "source": base["source"]}
            f.write(json.dumps({"messages": r["messages"], "origin": r["source"]}, ensure_ascii=False) + "\n")
    print(f"{path}: {n:,} conversations ({min(n, real):,} real, {max(0, n - real):,} word-edited copies)")
    return path


def pipeline(data: Path, out: Path, n: int, keep: str = "en,zh") -> Path:
    """lima.yaml's curation stages on ``data``; language keeps ``keep`` (``lima``: lima.yaml's own
    ``keep: [en]``); mix → one source, total n/20."""
    spec = yaml.safe_load((REPO / "pipelines" / "lima.yaml").read_text())
    stages = []
    for s in spec["stages"]:
        if s["stage"] == "read":
            s = {"stage": "read", "inputs": [{"path": str(data), "source": "all"}]}
        elif s["stage"] == "language" and keep != "lima":
            s = {**s, "keep": keep.split(",")}
        elif s["stage"] == "diversity_select":
            s = {**s, "budget": max(1000, n // 10)}
        elif s["stage"] == "mix":
            s = {"stage": "mix", "weights": {"all": 1.0}, "total": max(1000, n // 20)}
        elif s["stage"] == "decontaminate":
            continue
        stages.append(s)
    doc = {"name": f"scale{n}", "seed": spec.get("seed", 0), "stages": stages,
           "output": {"dir": str(out / "run"), "overwrite": True}}
    path = out / "pipeline.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    print(f"{path}: {len(stages)} stages; time it with\n  /usr/bin/time -v {REPO}/.venv/bin/curatrain run {path} --no-train")
    return path


def load() -> str:
    """``uptime``'s three load averages, e.g. ``'1.20 0.90 0.80'``."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (pool workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_stage(name: str, frame: Path, params: list[str], work: Path, tag: str, reference: str | None,
              seed: int = 13, rows: int | None = None) -> dict:
    """Run stage ``name`` once on ``frame`` (its first ``rows`` rows; params ``key=value``, YAML
    values) with a fresh cache folder ``work/cache-<tag>``; the JSON record described in the module
    docstring."""
    import polars as pl

    from curate import registry
    from curate.stage import Context

    cls = registry.get(name)
    kw = {k: yaml.safe_load(v) for k, v in (p.split("=", 1) for p in params)}
    stage = cls(cls.Params(**kw))
    df = pl.read_parquet(frame)
    if rows:
        df = df.head(rows)
    cache = work / f"cache-{tag}"
    shutil.rmtree(cache, ignore_errors=True)
    (cache / "artifacts").mkdir(parents=True)
    ctx = Context(seed=seed, artifact_dir=cache / "artifacts", cache_dir=cache)
    before, t0, c0 = load(), time.perf_counter(), cpu_seconds()
    res = stage.run(df, ctx)
    secs, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    ids = sorted(res.rejected["id"].cast(pl.String).to_list())
    (work / f"{tag}.ids").write_text("\n".join(ids))
    res.kept.write_parquet(work / f"{tag}.kept.parquet")
    res.rejected.write_parquet(work / f"{tag}.rejected.parquet")
    rec = {"stage": name, "tag": tag, "params": kw, "rows": df.height, "seconds": round(secs, 1),
           "cpu_seconds": round(cpu, 1), "rows_per_s": round(df.height / secs, 1), "kept": res.kept.height,
           "rejected": res.rejected.height, "counters": res.counters, "load_before": before, "load_after": load()}
    if reference:
        ref = set(filter(None, (work / f"{reference}.ids").read_text().split("\n")))
        got = set(ids)
        rec.update(reference=reference, precision=round(len(got & ref) / max(len(got), 1), 4),
                   recall=round(len(got & ref) / max(len(ref), 1), 4))
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/scale100k"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", default="en,zh",
                    help="languages the language stage keeps (comma list), or 'lima' for lima.yaml's own (en)")
    ap.add_argument("--stage", help="run this one stage on --frame instead of building the data")
    ap.add_argument("--frame", type=Path, help="Parquet frame for --stage")
    ap.add_argument("--work", type=Path, default=Path("/tmp/scale100k/stage_bench"))
    ap.add_argument("--tag", default="run", help="name of this --stage run (ids file, cache folder)")
    ap.add_argument("--reference", help="tag of an earlier --stage run to compare rejected ids with")
    ap.add_argument("--rows", type=int, help="--stage on the first ROWS rows of --frame only")
    ap.add_argument("params", nargs="*", help="stage params as key=value (YAML values), for --stage")
    a = ap.parse_args()
    if a.stage:
        if a.frame is None or not a.frame.is_file():
            ap.error("--stage needs --frame, an existing Parquet file")
        a.work.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run_stage(a.stage, a.frame, a.params, a.work, a.tag, a.reference, rows=a.rows)), flush=True)
        return
    data = build(a.n, a.out, a.seed)
    pipeline(data, a.out, a.n, a.keep)


if __name__ == "__main__":
    main()
