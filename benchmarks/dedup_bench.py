"""Dedup benchmarks: near_dedup / exact_dedup throughput and peak RSS, signature engines, planted F1.

Run with the project venv from the repository root. Data goes to /tmp, never into the repo.

    .venv/bin/python benchmarks/dedup_bench.py prepare --out /tmp/dd_bench      # all.parquet + 1m.parquet
    .venv/bin/python benchmarks/dedup_bench.py run /tmp/dd_bench/all.parquet   # one JSON line
    .venv/bin/python benchmarks/dedup_bench.py run /tmp/dd_bench/1m.parquet --verify
    .venv/bin/python benchmarks/dedup_bench.py engines /tmp/dd_bench/all.parquet   # numpy vs MinHash.bulk
    .venv/bin/python benchmarks/dedup_bench.py planted /tmp/dd_bench/all.parquet --ngram 2 --threshold 0.5
    .venv/bin/python benchmarks/dedup_bench.py export --out /tmp/dd_bench      # texts for datatrove_bench.py
    .venv/bin/python benchmarks/dedup_bench.py chain /work/shared/data/gpteacher_toolformer_dedupe_only.json

``run`` measures the whole ``near_dedup`` (or ``exact_dedup``) stage in a fresh process: signatures,
clustering, keeper, similarity and the kept/rejected frames, after the Parquet file is loaded;
peak RSS (``ru_maxrss``) includes the loaded frame. Record ``uptime`` next to every figure: the dev
machine has 2 cores shared with other engineers.

The 1M set repeats every row of /work/shared/data 13 times (then keeps the first 1,000,000):
copy 0 unchanged, and copies 1..12 cycle through four edits of every message (first word dropped,
first " the " → " a ", " indeed" appended, and no edit), so it holds exact and near duplicates
at scale. Edits use alphabetic words only (datatrove's normaliser maps digits to 0).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = Path("/work/shared/data")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@click.group()
def cli() -> None:
    """Dedup benchmarks (see the module docstring)."""


@cli.command()
@click.option("--out", default="/tmp/dd_bench", show_default=True)
@click.option("--copies", default=13, show_default=True)
@click.option("--size", default=1_000_000, show_default=True)
def prepare(out: str, copies: int, size: int) -> None:
    """Load /work/shared/data (curate.readers) → all.parquet; build the perturbed 1M set → 1m.parquet."""
    import polars as pl

    from curate.readers import read_paths
    from curate.schema import make_frame

    o = Path(out)
    o.mkdir(parents=True, exist_ok=True)
    df = make_frame(read_paths([DATA]).rows)
    df.write_parquet(o / "all.parquet")
    flat = df.with_row_index("_r").explode("messages").unnest("messages")
    parts = []
    for k in range(copies):
        c = pl.col("content")
        edit = [c, c.str.replace(r"^\S+\s*", ""), c.str.replace(" the ", " a ", literal=True),
                c + pl.lit(" indeed")][0 if k == 0 else 1 + (k - 1) % 3 if k % 4 else 0]
        f = (flat.with_columns(content=edit)
             .group_by("_r", maintain_order=True)
             .agg(pl.first("id"), pl.first("source"), pl.first("meta"),
                  pl.struct("role", "content").alias("messages"))
             .with_columns(id=pl.col("id") + pl.lit(f"~{k}"))
             .select("id", "source", "messages", "meta"))
        parts.append(f)
    big = pl.concat(parts).head(size)
    big.write_parquet(o / "1m.parquet")
    click.echo(json.dumps({"all_rows": df.height, "1m_rows": big.height, "out": str(o)}))


@cli.command()
@click.argument("parquet")
@click.option("--stage", type=click.Choice(["near_dedup", "exact_dedup"]), default="near_dedup")
@click.option("--view", default="conversation")
@click.option("--num-perm", default=128)
@click.option("--ngram", default=2)
@click.option("--threshold", default=0.5)
@click.option("--bands", type=int, default=None)
@click.option("--rows", type=int, default=None)
@click.option("--verify", is_flag=True)
@click.option("--engine", default="numpy")
@click.option("--batch-size", default=8192)
@click.option("--cluster", type=click.Choice(["keeper", "component"]), default="keeper")
def run(parquet, stage, view, num_perm, ngram, threshold, bands, rows, verify, engine, batch_size,
        cluster) -> None:
    """Time one dedup stage on PARQUET; print one JSON line (rows/s, peak RSS, counters)."""
    import os

    import polars as pl

    from curate.stage import Context
    from curate.stages.exact_dedup import ExactDedup
    from curate.stages.near_dedup import NearDedup

    df = pl.read_parquet(parquet)
    rss_loaded = _rss_mb()
    if stage == "near_dedup":
        st = NearDedup(NearDedup.Params(view=view, num_perm=num_perm, ngram=ngram, threshold=threshold,
                                        bands=bands, rows=rows, verify=verify, engine=engine,
                                        batch_size=batch_size, cluster=cluster))
        from curate.dedup import minhash  # noqa: F401  (import datasketch before timing)
        import datasketch.lsh  # noqa: F401
    else:
        st = ExactDedup(ExactDedup.Params(view=view))
    t0 = time.perf_counter()
    res = st.run(df, Context())
    secs = time.perf_counter() - t0
    click.echo(json.dumps({
        "data": parquet, "stage": stage, "params": st.params.model_dump(), "rows": df.height,
        "seconds": round(secs, 2), "rows_per_s": round(df.height / secs), "kept": res.kept.height,
        "dropped": res.rejected.height, "peak_rss_mb": round(_rss_mb()), "rss_after_load_mb": round(rss_loaded),
        "counters": res.counters, "load": os.getloadavg(),
    }))


@cli.command()
@click.argument("parquet")
@click.option("--limit", default=20000, show_default=True)
def engines(parquet: str, limit: int) -> None:
    """Signature speed on the first LIMIT rows: numpy path vs datasketch MinHash.bulk (affine32);
    checks they are identical."""
    import os

    import numpy as np
    import polars as pl

    from curate.dedup import minhash as mh
    from curate.dedup.near import NearDedupConfig, shingles_for

    df = pl.read_parquet(parquet).head(limit)
    cfg = NearDedupConfig()
    t0 = time.perf_counter()
    sh, counts = shingles_for(df, cfg)
    t1 = time.perf_counter()
    a = mh.signatures(sh, counts, cfg.num_perm)
    t2 = time.perf_counter()
    b = mh.signatures_datasketch(sh, counts, cfg.num_perm)
    t3 = time.perf_counter()
    click.echo(json.dumps({
        "rows": df.height, "shingles": int(len(sh)), "shingling_s": round(t1 - t0, 2),
        "numpy_s": round(t2 - t1, 2), "datasketch_bulk_s": round(t3 - t2, 2),
        "numpy_rows_per_s_incl_shingling": round(df.height / (t2 - t0)),
        "datasketch_rows_per_s_incl_shingling": round(df.height / (t1 - t0 + t3 - t2)),
        "identical": bool(np.array_equal(a, b)), "load": os.getloadavg(),
    }))


def _planted(parquet: str, n_base: int, seed: int, view: str):
    import polars as pl

    from curate.dedup.evaluate import plant

    return plant(pl.read_parquet(parquet), n_base=n_base, seed=seed, view=view)


@cli.command()
@click.argument("parquet")
@click.option("--n-base", default=2000)
@click.option("--seed", default=1)
@click.option("--view", default="conversation")
@click.option("--num-perm", default=128)
@click.option("--ngram", default=2)
@click.option("--threshold", default=0.5)
@click.option("--bands", type=int, default=None)
@click.option("--rows", type=int, default=None)
@click.option("--verify", is_flag=True)
@click.option("--cluster", type=click.Choice(["keeper", "component"]), default="keeper")
def planted(parquet, n_base, seed, view, num_perm, ngram, threshold, bands, rows, verify, cluster) -> None:
    """Planted-duplicate P/R/F1 of one near_dedup config on PARQUET's rows (one JSON line)."""
    from curate.dedup.evaluate import evaluate_near
    from curate.dedup.near import NearDedupConfig

    ps = _planted(parquet, n_base, seed, view)
    cfg = NearDedupConfig(view=view, num_perm=num_perm, ngram=ngram, threshold=threshold, bands=bands,
                          rows=rows, verify=verify, cluster=cluster)
    rep = evaluate_near(ps, cfg)
    s = rep.scores
    click.echo(json.dumps({"view": view, "seed": seed, "n_base": ps.pairs.height, "num_perm": num_perm,
                           "ngram": ngram, "threshold": threshold, "bands": rep.bands, "rows": rep.rows,
                           "verify": verify, "cluster": cluster, "precision": round(s.precision, 4), "recall": round(s.recall, 4),
                           "f1": round(s.f1, 4), "tp": s.tp, "fp": s.fp, "fn": s.fn}))


@cli.command()
@click.option("--out", default="/tmp/dd_bench", show_default=True)
@click.option("--n-base", default=2000)
@click.option("--seed", default=1)
@click.option("--view", default="conversation")
def export(out: str, n_base: int, seed: int, view: str) -> None:
    """Write view texts as JSONL for datatrove: all_text.jsonl (from all.parquet), planted_text.jsonl
    and planted.npz (group, pairs) for scoring."""
    import numpy as np
    import polars as pl

    from curate.schema import view_expr

    o = Path(out)
    df = pl.read_parquet(o / "all.parquet")
    for name, frame in (("all_text.jsonl", df),):
        frame.select("id", view_expr(view).fill_null("").alias("text")).write_ndjson(o / name)
    ps = _planted(str(o / "all.parquet"), n_base, seed, view)
    ps.frame.select("id", view_expr(view).fill_null("").alias("text")).write_ndjson(o / "planted_text.jsonl")
    ps.frame.write_parquet(o / "planted.parquet")
    np.savez(o / "planted.npz", group=ps.group, base=ps.pairs["base"].to_numpy(),
             variant=ps.pairs["variant"].to_numpy(), label=ps.pairs["label"].to_numpy(),
             kind=np.array(ps.pairs["kind"].to_list()), level=ps.pairs["level"].to_numpy())
    click.echo(json.dumps({"all": df.height, "planted_rows": ps.frame.height, "out": str(o)}))


@cli.command()
@click.argument("labels_npy")
@click.option("--out", default="/tmp/dd_bench", show_default=True)
def score(labels_npy: str, out: str) -> None:
    """Score cluster labels (``.npy``, one per planted row, in planted_text.jsonl order)."""
    import numpy as np
    import polars as pl

    from curate.dedup.evaluate import PlantedSet, score as score_fn

    z = np.load(Path(out) / "planted.npz")
    pairs = pl.DataFrame({"base": z["base"], "variant": z["variant"], "kind": z["kind"].tolist(),
                          "level": z["level"], "label": z["label"]})
    ps = PlantedSet(pl.DataFrame(), z["group"], pairs)
    s = score_fn(ps, np.load(labels_npy))
    click.echo(json.dumps({"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4),
                           "tp": s.tp, "fp": s.fp, "fn": s.fn,
                           "per_kind": s.per_kind.select("kind", "label", "predicted_dup").rows()}))


@cli.command(name="planted-labels")
@click.option("--out", default="/tmp/dd_bench", show_default=True)
@click.option("--num-perm", default=128)
@click.option("--ngram", default=2)
@click.option("--threshold", default=0.5)
@click.option("--bands", type=int, default=None)
@click.option("--rows", type=int, default=None)
@click.option("--shingle", default="auto")
@click.option("--cluster", type=click.Choice(["keeper", "component"]), default="keeper")
def planted_labels(out, num_perm, ngram, threshold, bands, rows, shingle, cluster) -> None:
    """curatrain's cluster labels on the exported planted set → planted_labels_curatrain.npy."""
    import numpy as np
    import polars as pl

    from curate.dedup.keeper import keeper_rank
    from curate.dedup.near import NearDedupConfig, cluster_keepers, near_duplicates

    frame = pl.read_parquet(Path(out) / "planted.parquet")
    cfg = NearDedupConfig(num_perm=num_perm, ngram=ngram, threshold=threshold, bands=bands, rows=rows,
                          shingle=shingle, cluster=cluster)
    labels = cluster_keepers(frame, cfg, near_duplicates(frame, cfg), keeper_rank(frame)).labels
    np.save(Path(out) / "planted_labels_curatrain.npy", labels)
    click.echo(str(Path(out) / "planted_labels_curatrain.npy"))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--view", default="conversation")
@click.option("--threshold", default=0.5)
def chain(inputs, view, threshold) -> None:
    """Kept/dropped rows of INPUTS (data files, quick loader) under ``cluster: component`` and
    ``keeper``, with and without ``verify``; checks that every reject's ``dup_of`` is a kept row and
    reports the smallest exact Jaccard (and MinHash estimate) of a reject to its ``dup_of``. One JSON
    line per setting."""
    import os

    import numpy as np
    import polars as pl

    from curate.dedup.cluster import csr_sets, exact_jaccard_edges
    from curate.dedup.near import shingles_for
    from curate.readers import read_paths
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.near_dedup import NearDedup

    df = make_frame(read_paths(list(inputs)).rows)
    for verify in (False, True):
        for cluster in ("component", "keeper"):
            st = NearDedup(NearDedup.Params(view=view, threshold=threshold, verify=verify, cluster=cluster))
            t0 = time.perf_counter()
            res = st.run(df, Context())
            secs = time.perf_counter() - t0
            pos = {i: k for k, i in enumerate(df["id"].to_list())}
            a = np.array([pos[i] for i in res.rejected["id"].to_list()], dtype=np.int64)
            b = np.array([pos[i] for i in res.rejected["dup_of"].to_list()], dtype=np.int64)
            ptr, val = csr_sets(*shingles_for(df, st.params.config()))
            j = exact_jaccard_edges(ptr, val, a, b) if len(a) else np.zeros(0)
            kept = set(res.kept["id"].to_list())
            click.echo(json.dumps({
                "rows": df.height, "view": view, "threshold": threshold, "verify": verify, "cluster": cluster,
                "kept": res.kept.height, "dropped": res.rejected.height,
                "largest_component": res.counters["largest_component"],
                "largest_cluster": res.counters["largest_cluster"],
                "star_rounds": res.counters.get("star_rounds"),
                "kept_by_recluster": res.counters.get("kept_by_recluster"),
                "dup_of_always_kept": bool(set(res.rejected["dup_of"].to_list()) <= kept),
                "min_similarity": round(float(res.rejected["similarity"].min()), 4) if len(a) else None,
                "min_exact_jaccard_to_dup_of": round(float(j.min()), 4) if len(a) else None,
                "rejects_below_threshold_exact": int((j < threshold).sum()),
                "seconds": round(secs, 2), "load": os.getloadavg(),
            }))


if __name__ == "__main__":
    cli()
