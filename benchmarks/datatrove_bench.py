"""Side by side: datatrove's local 4-stage MinHash pipeline vs curatrain's near_dedup, same data,
same run: throughput, peak RSS and F1 on the planted-duplicate set.

Runs in its own venv (never install datatrove into the project venv; research/env-check.md §8):

    python3 -m venv /tmp/dtvenv && /tmp/dtvenv/bin/pip install torch==2.13.0 'datatrove[io,processing]' spacy
    .venv/bin/python benchmarks/dedup_bench.py prepare --out /tmp/dd_bench     # all.parquet (once)
    .venv/bin/python benchmarks/dedup_bench.py export --out /tmp/dd_bench      # texts + planted set (once)
    /tmp/dtvenv/bin/python benchmarks/datatrove_bench.py --work /tmp/dd_bench

For each configuration it runs, one after the other: datatrove (signatures → buckets → cluster →
filter, ``LocalPipelineExecutor``; one task for signatures, cluster and filter — one input file —
and one task per bucket with 2 workers for the bucket stage; input ``all_text.jsonl``, the
``conversation`` view text that curatrain compares), then curatrain's ``near_dedup`` stage on the
same rows (``dedup_bench.py run``, one process), each in a fresh child process; peak RSS is the
child's ``ru_maxrss``. F1: both methods cluster ``planted_text.jsonl`` / ``planted.parquet``
(``dedup_bench.py export``), datatrove's clusters are read from its ``.clusters`` files
(``save_cluster_id=True``), and both are scored by ``curate.dedup.evaluate.score``.

Caveats: datatrove's time includes reading JSONL and writing the filtered JSONL (its pipeline);
curatrain's excludes loading Parquet into memory. datatrove tokenises with its English word
tokenizer (no CJK splitting) and maps digits to 0.

The ``if __name__ == "__main__"`` guard is required: datatrove's executor uses forkserver (P9).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks" / "dedup_bench.py"

#: (name, datatrove n_grams, buckets, hashes per bucket); curatrain runs the same n-gram and b × r
CONFIGS = [
    ("bigram 25x5 (curatrain default)", 2, 25, 5),
    ("5-gram 14x8 (datatrove default)", 5, 14, 8),
]


def _datatrove_child(inp: str, work: str, n_grams: int, buckets: int, per_bucket: int, save_clusters: bool) -> None:
    """Run datatrove's 4 MinHash stages on the JSONL file ``inp``; print timings as JSON."""
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    w = Path(work)
    shutil.rmtree(w, ignore_errors=True)
    cfg = MinhashConfig(n_grams=n_grams, num_buckets=buckets, hashes_per_bucket=per_bucket)
    p = Path(inp)
    reader = lambda: JsonlReader(str(p.parent), glob_pattern=p.name, compression=None)  # noqa: E731
    times = {}
    stages = [
        ("signatures", [reader(), MinhashDedupSignature(output_folder=str(w / "sigs"), config=cfg)], 1, 1),
        ("buckets", [MinhashDedupBuckets(input_folder=str(w / "sigs"), output_folder=str(w / "buckets"), config=cfg)],
         buckets, 2),
        ("cluster", [MinhashDedupCluster(input_folder=str(w / "buckets"), output_folder=str(w / "remove"), config=cfg,
                                         save_cluster_id=save_clusters)], 1, 1),
        ("filter", [reader(), MinhashDedupFilter(input_folder=str(w / "remove")),
                    JsonlWriter(str(w / "out"), compression=None)], 1, 1),
    ]
    for name, pipe, tasks, workers in stages:
        t = time.perf_counter()
        LocalPipelineExecutor(pipeline=pipe, tasks=tasks, workers=workers,
                              logging_dir=str(w / "logs" / name)).run()
        times[name] = round(time.perf_counter() - t, 2)
    kept = sum(1 for f in (w / "out").glob("*.jsonl") for _ in open(f))
    print(json.dumps({"stage_seconds": times, "seconds": round(sum(times.values()), 2), "kept": kept}))


def _child(cmd: list[str]) -> tuple[dict, float]:
    """Run ``cmd``; return (its last JSON line, its peak RSS in MB from ``wait4``, i.e. the largest
    of the child and its descendants)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
        if p.returncode:
            err.seek(0)
            raise RuntimeError(f"{cmd[:3]} failed ({p.returncode}): {err.read().decode()[-2000:]}")
    line = [ln for ln in text.splitlines() if ln.startswith("{")][-1]
    return json.loads(line), ru.ru_maxrss / 1024


def _datatrove_labels(work: Path, n: int) -> "list[int]":
    import numpy as np

    labels = np.arange(n, dtype=np.int64)
    for f in (work / "remove").glob("*.clusters"):
        data = f.read_bytes()
        for doc, cid in struct.iter_unpack("<II", data):
            labels[doc] = n + cid
    return labels


def main() -> None:
    import numpy as np

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="/tmp/dd_bench")
    ap.add_argument("--curatrain-python", default=str(REPO / ".venv" / "bin" / "python"))
    ap.add_argument("--only", type=int, default=None, help="run only CONFIGS[i]")
    args = ap.parse_args()
    work = Path(args.work)
    py = args.curatrain_python
    all_text, planted_text = work / "all_text.jsonl", work / "planted_text.jsonl"
    n_all = sum(1 for _ in open(all_text))
    n_planted = sum(1 for _ in open(planted_text))
    print(f"# uptime: {os.popen('uptime').read().strip()}")
    results = []
    for i, (name, ng, b, r) in enumerate(CONFIGS):
        if args.only is not None and i != args.only:
            continue
        me = [sys.executable, __file__, "--_dt"]
        # --- throughput on all rows
        load0 = os.getloadavg()
        dt, dt_rss = _child(me + [str(all_text), str(work / "dt_all"), str(ng), str(b), str(r), "0"])
        ct, ct_rss = _child([py, str(BENCH), "run", str(work / "all.parquet"), "--ngram", str(ng),
                             "--num-perm", str(b * r), "--bands", str(b), "--rows", str(r)])
        load1 = os.getloadavg()
        # --- F1 on the planted set
        _child(me + [str(planted_text), str(work / "dt_planted"), str(ng), str(b), str(r), "1"])
        np.save(work / "planted_labels_datatrove.npy", _datatrove_labels(work / "dt_planted", n_planted))
        dt_f1, _ = _child([py, str(BENCH), "score", str(work / "planted_labels_datatrove.npy"), "--out", str(work)])
        subprocess.run([py, str(BENCH), "planted-labels", "--out", str(work), "--ngram", str(ng), "--num-perm",
                        str(b * r), "--bands", str(b), "--rows", str(r)], check=True, capture_output=True)
        ct_f1, _ = _child([py, str(BENCH), "score", str(work / "planted_labels_curatrain.npy"), "--out", str(work)])
        row = {
            "config": name, "rows": n_all,
            "datatrove_s": dt["seconds"], "datatrove_stage_s": dt["stage_seconds"], "datatrove_kept": dt["kept"],
            "datatrove_rows_per_s": round(n_all / dt["seconds"]), "datatrove_peak_rss_mb": round(dt_rss),
            "curatrain_s": ct["seconds"], "curatrain_kept": ct["kept"], "curatrain_rows_per_s": ct["rows_per_s"],
            "curatrain_peak_rss_mb": ct["peak_rss_mb"], "speedup": round(dt["seconds"] / ct["seconds"], 2),
            "datatrove_f1": dt_f1["f1"], "datatrove_p": dt_f1["precision"], "datatrove_r": dt_f1["recall"],
            "curatrain_f1": ct_f1["f1"], "curatrain_p": ct_f1["precision"], "curatrain_r": ct_f1["recall"],
            "load_before": load0, "load_after": load1,
        }
        results.append(row)
        print(json.dumps(row), flush=True)
    print(f"# uptime: {os.popen('uptime').read().strip()}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_dt":
        a = sys.argv[2:]
        _datatrove_child(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), a[5] == "1")
    else:
        main()
