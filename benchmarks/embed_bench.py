"""Embedding backends on real first user turns: speed, and agreement with torch fp32 MiniLM.

For each backend of ``curate.embed`` (torch, onnx, onnx-int8, static) on N real first user turns
(a seeded sample of the English pool of ``benchmarks/select_bench.py``, from ../shared/data):

- speed: texts/s of a cold ``embed_texts`` (no embedding cache; the export already made and the
  model loaded, one 64-text warm-up), wall clock and also ``N / (process CPU seconds / threads)``,
  an estimate of the rate on ``threads`` idle cores that is less sensitive to other jobs on a
  shared machine (it counts CPU time of all our threads; tokenizer threads included);
- vectors: mean and 1st-percentile row cosine with the torch fp32 vector of the same text (only
  meaningful when the backend's vectors live in the same space: onnx, onnx-int8; the static model
  keeps MiniLM's output axes but averages per-token vectors, so its cosine is reported for context);
- semantic dedup: the pairs with cosine ≥ 0.95 (and ≥ 0.90) under the backend vs under fp32:
  precision and recall; and the rows the ``semantic_dedup`` stage drops (threshold 0.95,
  keeper rule): precision / recall of the dropped set vs fp32's;
- selection: the ``diversity_select`` stage (``cluster_balanced``, budget 1,000, seed 13) run on
  the backend's vectors: Jaccard of the selected ids with fp32's selection. Two references are
  printed with it: fp32 with another seed (14), and a random 1,000 (expected Jaccard ≈ 1000/(2N-1000)).

Run (from the repo root; nothing is downloaded; exports land in ``curate.embed.model_cache_root()``)::

    .venv/bin/python benchmarks/embed_bench.py --n 5000 --threads 2 --max-seq-length 128 \\
        --out benchmarks/results/embedding.jsonl

Prints one JSON line per backend (and appends them to ``--out``). Vectors are kept in
``--work`` (default /tmp/curatrain-embed-bench) so ``--reuse`` recomputes only the agreement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from curate import embed as E  # noqa: E402
from curate.dedup.semantic import cosine_edges  # noqa: E402
from curate.schema import view_expr  # noqa: E402


def load_texts(n: int) -> pl.DataFrame:
    from select_bench import load_pool, sample

    df = sample(load_pool(), n, seed=0)
    return df.with_columns(_t=view_expr("first_user_turn").fill_null(""))


def time_backend(texts: list[str], backend: str, a) -> tuple[np.ndarray, dict]:
    import torch

    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    enc = E.get_encoder(E.DEFAULT_MODEL, backend, "cpu", a.max_seq_length, a.threads)
    load_s = time.perf_counter() - t0
    E.embed_texts(texts[:64], backend=backend, max_seq_length=a.max_seq_length, device="cpu", threads=a.threads)
    w0, c0 = time.perf_counter(), time.process_time()
    X = E.embed_texts(texts, backend=backend, max_seq_length=a.max_seq_length, batch_size=a.batch_size,
                      device="cpu", threads=a.threads)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    info = {}
    if backend != "torch":
        info = json.loads((E.export_dir(E.DEFAULT_MODEL, backend) / "export.json").read_text())
    del enc
    return X, {"texts_per_s_wall": round(len(texts) / wall, 1),
               "texts_per_s_cpu_est": round(len(texts) / (cpu / a.threads), 1),
               "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load_s": round(load_s, 2),
               "export_s": info.get("seconds")}


def pair_set(X: np.ndarray, thr: float) -> set[tuple[int, int]]:
    u, v, _ = cosine_edges(X, thr, np.ones(len(X), bool), 4096)
    return set(zip(u.tolist(), v.tolist()))


def pr(pred: set, ref: set) -> tuple[float | None, float | None]:
    tp = len(pred & ref)
    return (round(tp / len(pred), 4) if pred else None, round(tp / len(ref), 4) if ref else None)


def run_stage(stage_name: str, params: dict, df: pl.DataFrame, seed: int):
    from curate import registry
    from curate.stage import Context

    cls = registry.get(stage_name)
    st = cls(cls.Params(**params))
    with tempfile.TemporaryDirectory() as art:
        return st.run(df, Context(seed=seed, artifact_dir=Path(art), cache_dir=None))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seq-length", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--budget", type=int, default=1000, help="diversity_select budget (rows)")
    ap.add_argument("--backends", default=",".join(E.BACKENDS))
    ap.add_argument("--work", default="/tmp/curatrain-embed-bench")
    ap.add_argument("--reuse", action="store_true", help="reuse vectors saved in --work (agreement only)")
    ap.add_argument("--out")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    df = load_texts(a.n)
    texts = df["_t"].to_list()
    ids = df["id"].to_list()
    backends = a.backends.split(",")
    if "torch" not in backends:
        backends.insert(0, "torch")
    cache = work / "cache"
    vecs, speed = {}, {}
    for b in backends:
        f = work / f"{b}-{a.n}-{a.max_seq_length}.npy"
        if a.reuse and f.exists():
            vecs[b], speed[b] = np.load(f), {}
        else:
            vecs[b], speed[b] = time_backend(texts, b, a)
            np.save(f, vecs[b])
        # the stages below read these vectors from the embedding cache, as in a pipeline run
        key = E.model_key(E.DEFAULT_MODEL, a.max_seq_length, b)
        E.EmbeddingCache(cache / key).add(E.text_keys(texts, key), vecs[b])

    def select(b: str, seed: int = 13) -> set[str]:
        res = run_stage("diversity_select", {"method": "cluster_balanced", "budget": a.budget, "view": "first_user_turn",
                                             "max_seq_length": a.max_seq_length, "backend": b, "report": False,
                                             "cache_dir": str(cache)}, df.drop("_t"), seed)
        return set(res.kept["id"].to_list())

    def dedup_drops(b: str) -> set[str]:
        res = run_stage("semantic_dedup", {"view": "first_user_turn", "threshold": 0.95, "backend": b,
                                           "max_seq_length": a.max_seq_length, "cache_dir": str(cache)},
                        df.drop("_t"), 13)
        return set(res.rejected["id"].to_list()) if res.rejected is not None else set()

    ref = vecs["torch"]
    ref_pairs = {t: pair_set(ref, t) for t in (0.95, 0.90)}
    ref_sel, ref_drop = select("torch"), dedup_drops("torch")
    jac = lambda x, y: round(len(x & y) / len(x | y), 4)  # noqa: E731
    rng = np.random.default_rng(0)
    rand = set(np.asarray(ids)[rng.choice(len(ids), min(a.budget, len(ids)), replace=False)].tolist())
    load = os.getloadavg()
    common = {"n": a.n, "threads": a.threads, "max_seq_length": a.max_seq_length, "batch_size": a.batch_size,
              "loadavg_1m": round(load[0], 2), "cpu": platform.processor() or platform.machine(),
              "reference": {"selection_jaccard_fp32_seed14": jac(select("torch", 14), ref_sel),
                            "selection_jaccard_random_1000": jac(rand, ref_sel),
                            "fp32_pairs_095": len(ref_pairs[0.95]), "fp32_pairs_090": len(ref_pairs[0.90]),
                            "fp32_dedup_drops": len(ref_drop)}}
    for b in backends:
        X = vecs[b]
        cos = np.einsum("ij,ij->i", X, ref)
        rec = {**common, "backend": b, **speed[b],
               "cosine_vs_fp32_mean": round(float(cos.mean()), 4),
               "cosine_vs_fp32_p01": round(float(np.percentile(cos, 1)), 4)}
        for t in (0.95, 0.90):
            p_, r_ = pr(pair_set(X, t), ref_pairs[t])
            rec[f"pairs_{int(t * 100)}_precision"], rec[f"pairs_{int(t * 100)}_recall"] = p_, r_
        drops = dedup_drops(b)
        rec["dedup_drops"] = len(drops)
        rec["dedup_drop_precision"], rec["dedup_drop_recall"] = pr(drops, ref_drop)
        rec["selection_jaccard_vs_fp32"] = jac(select(b), ref_sel)
        line = json.dumps(rec)
        print(line, flush=True)
        if a.out:
            with open(a.out, "a") as fh:
                fh.write(line + "\n")


if __name__ == "__main__":
    main()
