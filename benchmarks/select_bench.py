"""Benchmark of diversity selection and mixing on real data from ../shared/data (2-core CPU).

What it measures (each sub-command in its own process, so peak RSS is per run):

- ``embed``: embedding throughput (texts/s) of the first user turn of N real rows, cold cache.
- ``select``: wall time and peak RSS of the ``diversity_select`` stage over N candidates for
  every method (embeddings from the cache). N above ``--real`` real rows (a seeded sample of the
  ~29k English pool rows) is reached with **synthetic perturbations**: copy j of a real row gets the text ``<text> [v j σ<noise>]``
  and, in the embedding cache, the real row's vector plus Gaussian noise (σ = ``--noise``),
  re-normalised; so the stage runs unchanged, but near-duplicates are synthetic.
- ``diversity``: selected 1k vs. random 1k from the pool (or its ``--real`` sample): mean cosine distance to the
  nearest other selected row, and the number of k-means clusters (fitted on the pool) covered.

Run (from the repo root; the pool loader is a stand-in until curate.readers lands)::

    .venv/bin/python benchmarks/select_bench.py embed --n 10000
    .venv/bin/python benchmarks/select_bench.py select --n 10000 --real 10000
    .venv/bin/python benchmarks/select_bench.py select --n 100000 --real 10000
    .venv/bin/python benchmarks/select_bench.py diversity --budget 1000 --real 10000

Results are printed as JSON lines (and appended to ``--out`` if given).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from curate.schema import make_frame, view_expr  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CACHE = Path(os.environ.get("SELECT_BENCH_CACHE", "/tmp/curatrain-select-bench/emb"))

# English instruction/chat files in alpaca-like or sharegpt-like shapes
ALPACA_FILES = {
    "alpaca": "alpaca_5000.json", "codealpaca": "codealpaca_2k.json", "gpteacher_code": "gpteacher_codegen_instruct.json",
    "gpteacher_roleplay": "gpteacher_roleplay_simple_deduped.json", "gpteacher_tool": "gpteacher_toolformer_dedupe_only.json",
    "lima": "llamafactory_lima.json", "alpaca_demo": "llamafactory_alpaca_en_demo.json",
    "alpaca_cleaned": "fastchat_alpaca_data_cleaned_1000.json", "alpaca_hk": "hikariming_alpaca-0-3252_en_original.json",
}
SHAREGPT_FILES = {
    "sharegpt": "sharegpt92k_sample_part_a.jsonl", "numina": "medicalgpt_numina_cot_sharegpt_data_1k.jsonl",
    "fastchat_dummy": "fastchat_dummy_conversation.json",
}
def load_pool(data: Path = DATA) -> pl.DataFrame:
    """All rows of the English alpaca-like and sharegpt-like files above as a canonical frame."""
    from curate.readers import read_file

    rows = []
    for source, name in {**ALPACA_FILES, **SHAREGPT_FILES}.items():
        rows += read_file(data / name, source).rows
    return make_frame(rows)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(rec: dict, out: str | None) -> None:
    line = json.dumps(rec)
    print(line, flush=True)
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")


def sample(df: pl.DataFrame, n: int, seed: int = 0) -> pl.DataFrame:
    return df if n >= df.height else df.sample(n, seed=seed, shuffle=True)


def cmd_embed(a) -> None:
    import torch

    from curate.embed import embed_texts, load_model

    torch.set_num_threads(a.threads)
    df = sample(load_pool(), a.n, seed=1)
    texts = df.select(view_expr(a.view).fill_null("").alias("t"))["t"].to_list()
    t0 = time.perf_counter()
    load_model("all-MiniLM-L6-v2", None, a.max_seq_length)
    load_s = time.perf_counter() - t0
    cache = None if a.no_cache else CACHE
    t0 = time.perf_counter()
    X = embed_texts(texts, batch_size=a.batch_size, max_seq_length=a.max_seq_length, cache_dir=cache)
    s = time.perf_counter() - t0
    words = float(np.mean([len(t.split()) for t in texts]))
    emit({"bench": "embed", "n": len(texts), "view": a.view, "mean_words": round(words, 1), "max_seq_length": a.max_seq_length,
          "load_s": round(load_s, 2), "seconds": round(s, 2), "texts_per_s": round(len(texts) / s, 1),
          "dim": int(X.shape[1]), "threads": a.threads, "peak_rss_mb": round(peak_rss_mb()), "load": os.getloadavg()}, a.out)


def synthetic_frame(n: int, noise: float, real: int, seed: int = 0) -> pl.DataFrame:
    """``real`` pool rows (the ``embed`` sample: seed 1) + perturbed copies up to ``n`` rows; the
    perturbed vectors are written to the cache under the copies' texts."""
    from curate.embed import EmbeddingCache, embed_texts, model_key, text_keys

    pool = sample(load_pool(), real, seed=1)
    base = pool.with_columns(_t=view_expr("first_user_turn").fill_null(""))
    texts = base["_t"].to_list()
    Xb = embed_texts(texts, max_seq_length=256, cache_dir=CACHE)
    if n <= pool.height:
        return sample(pool, n, seed)
    rng = np.random.default_rng(seed)
    extra = n - pool.height
    src = rng.integers(0, pool.height, extra)
    new_texts = [f"{texts[i]} [v {j} σ{noise:g}]" for j, i in enumerate(src)]
    mkey = model_key("all-MiniLM-L6-v2", 256)
    keys = text_keys(new_texts, mkey)
    cache = EmbeddingCache(CACHE / mkey)
    found, _ = cache.lookup(keys)
    if not found.all():
        V = Xb[src] + rng.normal(0, noise, (extra, Xb.shape[1])).astype(np.float32)
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        cache.add(keys[~found], V[~found])
    msgs = pool["messages"].to_list()
    rows = [{"id": f"synthetic#{j}", "source": pool["source"][int(i)],
             "messages": [{"role": m["role"], "content": (new_texts[j] if k == _first_user(msgs[i]) else m["content"])}
                          for k, m in enumerate(msgs[i])]} for j, i in enumerate(src)]
    return pl.concat([pool, make_frame(rows)])


def _first_user(msgs: list[dict]) -> int:
    return next((k for k, m in enumerate(msgs) if m["role"] == "user"), -1)


def cmd_select(a) -> None:
    import tempfile

    import torch

    from curate.stage import Context
    from curate.stages.diversity_select import DiversitySelect

    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    df = synthetic_frame(a.n, a.noise, a.real)
    prep = time.perf_counter() - t0
    emit({"bench": "select_prep", "n": df.height, "seconds": round(prep, 1), "peak_rss_mb": round(peak_rss_mb())}, a.out)
    for method in a.methods.split(","):
        params = DiversitySelect.Params(method=method, budget=a.budget, cache_dir=str(CACHE), report=True)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = DiversitySelect(params).run(df, Context(seed=a.seed, artifact_dir=Path(tmp)))
            s = time.perf_counter() - t0
        c = res.counters
        emit({"bench": "select", "n": df.height, "method": method, "budget": a.budget, "seconds": round(s, 2),
              **{k: c.get(k) for k in ("embed_seconds", "kmeans_seconds", "nn_seconds", "nn_search", "select_seconds",
                                        "n_clusters", "selected", "dropped.too_similar", "selected_mean_nn_distance",
                                        "clusters_covered")},
              "peak_rss_mb": round(peak_rss_mb()), "load": os.getloadavg()}, a.out)


def cmd_diversity(a) -> None:
    import tempfile

    import torch

    from curate.embed import embed_texts
    from curate.select import clustering as km
    from curate.stage import Context
    from curate.stages.diversity_select import DiversitySelect, diversity_summary

    torch.set_num_threads(a.threads)
    pool = sample(load_pool(), a.real, seed=1)
    X = embed_texts(pool.select(view_expr("first_user_turn").fill_null(""))[:, 0].to_list(), max_seq_length=256, cache_dir=CACHE)
    labels, C = km.kmeans(X, a.k, seed=0)
    rank = {i: j for j, i in enumerate(pool["id"].to_list())}
    for method in a.methods.split(","):
        for seed in range(a.seeds):
            params = DiversitySelect.Params(method=method, budget=a.budget, cache_dir=str(CACHE), report=False,
                                            max_cosine=a.max_cosine)
            with tempfile.TemporaryDirectory() as tmp:
                res = DiversitySelect(params).run(pool, Context(seed=seed, artifact_dir=Path(tmp)))
            mask = np.zeros(pool.height, dtype=bool)
            mask[[rank[i] for i in res.kept["id"].to_list()]] = True
            d = diversity_summary(X, mask, labels)
            resp = res.kept["stat_response_chars"]
            emit({"bench": "diversity", "pool": pool.height, "k": a.k, "method": method, "seed": seed, "selected": int(mask.sum()),
                  "max_cosine": a.max_cosine if method == "repr_filter" else None,
                  "too_similar": res.counters.get("dropped.too_similar"),
                  "mean_nn_distance": d.get("selected_mean_nn_distance"), "min_nn_distance": d.get("selected_min_nn_distance"),
                  "clusters_covered": d.get("clusters_covered"), "median_response_chars": int(resp.median()),
                  "sources": dict(res.kept.group_by("source").len().sort("len", descending=True).rows()[:5])}, a.out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("embed", "select", "diversity"):
        p = sub.add_parser(name)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--out", default=None)
    e = sub.choices["embed"]
    e.add_argument("--n", type=int, default=10000)
    e.add_argument("--view", default="first_user_turn")
    e.add_argument("--max-seq-length", type=int, default=256)
    e.add_argument("--batch-size", type=int, default=64)
    e.add_argument("--no-cache", action="store_true", help="do not read or write the cache (cold throughput)")
    s = sub.choices["select"]
    s.add_argument("--n", type=int, default=10000)
    s.add_argument("--budget", type=int, default=1000)
    s.add_argument("--noise", type=float, default=0.02)
    s.add_argument("--real", type=int, default=10**9, help="real rows (seeded sample, seed 1) to build from")
    s.add_argument("--seed", type=int, default=13)
    s.add_argument("--methods", default="repr_filter,kcenter,cluster_balanced,longest,random")
    d = sub.choices["diversity"]
    d.add_argument("--budget", type=int, default=1000)
    d.add_argument("--real", type=int, default=10**9, help="use a seeded sample of this many pool rows (seed 1)")
    d.add_argument("--k", type=int, default=100)
    d.add_argument("--seeds", type=int, default=1)
    d.add_argument("--max-cosine", type=float, default=0.9, help="repr_filter threshold")
    d.add_argument("--methods", default="repr_filter,kcenter,cluster_balanced,longest,random")
    a = ap.parse_args()
    {"embed": cmd_embed, "select": cmd_select, "diversity": cmd_diversity}[a.cmd](a)


if __name__ == "__main__":
    main()
