"""semantic_dedup with the static-embedding prefilter cascade vs the full path, on real first user turns.

Issue 12 item 1. Data: every file of ../shared/data read as canonical conversations, then the
``exact_dedup`` (view conversation) and ``near_dedup`` (view user_turns, defaults) stages, as in
``benchmarks/all_data.yaml``; the rows with a non-empty first user turn; a seeded sample of ``--n``
of them (``--n 0``: all). The deduplicated pool is kept in ``--work`` and reused.

For ``--backend`` (onnx-int8, torch, onnx):

1. full path: ``semantic_dedup`` (view first_user_turn, threshold 0.95, max_seq_length 128,
   ``prefilter: none``), cold (an emptied embedding cache under ``--work``, which it fills, as in a
   pipeline run): texts/s and rows dropped. Step 2 reads its vectors back from that cache.
2. prefilter sweep: for each static cosine ``t``, the share of the full path's pairs (backend cosine
   ≥ 0.95) whose static cosine is ≥ ``t`` (pair recall), and the share of texts in a static pair
   ≥ ``t`` (the texts the cascade embeds with the backend).
   With ``--batch-noise``, the full path again with batch_size 48: P / R of its drops vs batch 64's.
3. cascade: ``semantic_dedup`` with ``prefilter: static`` at each ``--prefilter`` threshold, cold
   (no embedding cache; the static and backend models already exported and loaded, one 64-text
   warm-up each, as in ``embed_bench.py``): texts/s end to end (static pass, candidate pairs,
   partial embedding, decisions), rows dropped, and precision / recall of its dropped ids vs the
   full path's (same backend).

Run (from the repo root; nothing is downloaded; exports already in ``curate.embed.model_cache_root()``)::

    .venv/bin/python benchmarks/semantic_cascade_bench.py --backend onnx-int8 --n 20000 \\
        --prefilter 0.90 0.93 --out /tmp/cascade.jsonl

Prints one JSON line per measurement (appended to ``--out``); ``uptime`` load before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from curate import embed as E  # noqa: E402
from curate.dedup.semantic import cosine_edges  # noqa: E402
from curate.schema import view_expr  # noqa: E402
from curate.stage import Context  # noqa: E402
from curate.stages.semantic_dedup import SemanticDedup  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CJK = r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
COMMON = dict(view="first_user_turn", threshold=0.95, max_seq_length=128)


def load_pool(work: Path) -> pl.DataFrame:
    """All of ../shared/data after exact_dedup (conversation) and near_dedup (user_turns); cached."""
    path = work / "pool.parquet"
    if path.exists():
        return pl.read_parquet(path)
    from curate.readers import read_paths
    from curate.schema import make_frame
    from curate.stages.exact_dedup import ExactDedup
    from curate.stages.near_dedup import NearDedup

    df = make_frame(read_paths([DATA]).rows)
    n0 = df.height
    ctx = Context()
    df = ExactDedup(ExactDedup.Params(view="conversation")).run(df, ctx).kept
    n1 = df.height
    df = NearDedup(NearDedup.Params(view="user_turns")).run(df, ctx).kept
    print(f"pool: {n0:,} read → {n1:,} after exact_dedup → {df.height:,} after near_dedup", file=sys.stderr)
    df = df.filter(view_expr("first_user_turn").fill_null("").str.strip_chars() != "")
    work.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path)
    return df


def uptime() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def emit(rec: dict, out: str | None) -> None:
    line = json.dumps(rec)
    print(line, flush=True)
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")


def run_stage(df: pl.DataFrame, **params) -> tuple[set, dict, float]:
    stage = SemanticDedup(SemanticDedup.Params(**COMMON, **params))
    t0 = time.perf_counter()
    res = stage.run(df, Context())
    return set(res.rejected["id"].to_list()), res.counters, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="onnx-int8", choices=["onnx-int8", "torch", "onnx"])
    ap.add_argument("--n", type=int, default=20000, help="sample size (0: the whole pool)")
    ap.add_argument("--prefilter", type=float, nargs="*", default=[0.80])
    ap.add_argument("--batch-noise", action="store_true",
                    help="also run the full path again with batch_size 48 (cold): P / R of its drops vs batch 64, "
                         "the agreement ceiling of a backend whose vectors move with their batch-mates (onnx-int8)")
    ap.add_argument("--sweep", type=float, nargs="+", default=[0.88, 0.90, 0.91, 0.92, 0.93, 0.94, 0.95])
    ap.add_argument("--lang", default="all", choices=["all", "no-cjk"],
                    help="no-cjk: only first user turns without a CJK / kana / hangul character (the pool is ~half "
                         "Chinese, where English MiniLM vectors collapse: see results/semantic_cascade.md)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/curatrain-cascade-bench"))
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    pool = load_pool(a.work)
    if a.lang == "no-cjk":
        pool = pool.filter(~view_expr("first_user_turn").str.contains(CJK))
    df = pool if a.n <= 0 or a.n >= pool.height else pool.sample(a.n, seed=0, shuffle=True)
    texts = df.select(view_expr("first_user_turn").fill_null("").alias("t"))["t"].to_list()
    base = dict(backend=a.backend, lang=a.lang, n=df.height, pool=pool.height, threads=a.threads)
    for b in ("static", a.backend):  # load both models (exports made once, outside the timing)
        E.embed_texts(texts[:64], backend=b, max_seq_length=128)

    cache = a.work / f"cache-{a.backend}-{a.lang}-{df.height}"
    shutil.rmtree(cache, ignore_errors=True)  # the full path runs cold, filling this cache
    load0 = uptime()
    full, fc, ft = run_stage(df, backend=a.backend, cache_dir=str(cache))
    emit({**base, "path": "full", "seconds": round(ft, 1), "texts_per_s": round(df.height / ft, 1),
          "dropped": len(full), "load_before": load0, "load_after": uptime(), **fc}, a.out)

    if a.batch_noise:
        load0 = uptime()
        got, _, nt = run_stage(df, backend=a.backend, batch_size=48)
        tp = len(got & full)
        emit({**base, "path": "full, batch_size 48", "seconds": round(nt, 1), "dropped": len(got),
              "precision": round(tp / len(got), 4) if got else 1.0, "recall": round(tp / len(full), 4) if full else 1.0,
              "load_before": load0, "load_after": uptime()}, a.out)

    # prefilter sweep on the same texts (the full path's vectors, from its cache)
    X = E.embed_texts(texts, backend=a.backend, max_seq_length=128, cache_dir=cache)
    S = E.embed_texts(texts, backend="static", max_seq_length=128, cache_dir=cache)
    u, v, _ = cosine_edges(X, 0.95)
    scos = np.einsum("ij,ij->i", S[u], S[v])
    su, sv, sc = cosine_edges(S, min(a.sweep))
    for t in a.sweep:
        m = sc >= t
        touched = len(np.unique(np.concatenate([su[m], sv[m]]))) if m.any() else 0
        emit({**base, "sweep_static_threshold": t, "full_pairs": int(len(u)),
              "pair_recall": round(float((scos >= t).mean()) if len(u) else 1.0, 4),
              "static_pairs": int(m.sum()), "texts_embedded_share": round(touched / df.height, 4)}, a.out)

    for t in a.prefilter:
        load0 = uptime()
        got, cc, ct = run_stage(df, backend=a.backend, prefilter="static", prefilter_threshold=t)
        tp = len(got & full)
        emit({**base, "path": "cascade", "prefilter_threshold": t, "seconds": round(ct, 1),
              "texts_per_s": round(df.height / ct, 1), "dropped": len(got),
              "precision": round(tp / len(got), 4) if got else 1.0,
              "recall": round(tp / len(full), 4) if full else 1.0,
              "load_before": load0, "load_after": uptime(), **cc}, a.out)


if __name__ == "__main__":
    main()
