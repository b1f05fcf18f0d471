"""Leave-one-round-out: lima.yaml's quality rules alone vs the rules plus a learned filter.

The label files are rounds drawn and labelled one after another (``docs/labels.md``): our 729
(``quality_labels.jsonl``) and the hold-outs of rounds 4-9 (``quality_labels_fresh*.jsonl``).
For each round, a ``curate.filters.classifier`` model (logistic regression on MiniLM prompt and
answer vectors reduced to 16 PCA components, their cosine, and the ``quality`` stage's ``stat_*``
metrics with every rule computed; FineWeb-Edu-style: a small model on top of frozen embeddings)
is fit on the *other* rounds; its threshold is the P(good) quantile that drops ``--target`` of
the training rounds' good rows the rules keep; the held-out round is then scored with "rules"
(lima.yaml's quality entry) and "rules + model" (a row is dropped when either drops it).

Caveat: the rules were tuned while reading these rounds (all but round 8's first scoring), so the
"rules" figures are optimistic; the model's increment is measured on rounds it did not see.

Run (about 1 min with a warm embedding cache; the first run embeds ~3,900 texts)::

    .venv/bin/python benchmarks/quality_loro_bench.py [--stats-only] [--target 0.01]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from quality_bench import CACHE_DIR, lima_quality_params, pair_frame, uptime  # noqa: E402
from train_quality_model import fit, load  # noqa: E402

FILES = ["quality_labels", "quality_labels_fresh", "quality_labels_fresh2", "quality_labels_fresh3",
         "quality_labels_fresh4", "quality_labels_fresh5", "quality_labels_fresh6"]
CLASSES = ["refusal", "truncated", "off_topic", "nonsense", "repetitive"]


def main() -> None:
    from curate.embed import embed_texts
    from curate.filters.classifier import pair_features
    from curate.stage import Context
    from curate.stages.quality import RULES, Quality

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stats-only", action="store_true", help="the model sees stat_* metrics only (no embeddings)")
    ap.add_argument("--backend", default="torch", help="embedding backend: torch | onnx-int8 | static (curate.embed)")
    ap.add_argument("--target", type=float, default=0.01, help="share of the training rounds' kept good rows the model may drop")
    a = ap.parse_args()
    rows = load(FILES)
    df = pair_frame(rows)
    ctx = Context(seed=13, cache_dir=CACHE_DIR)
    t0 = time.perf_counter()
    stats = Quality(Quality.Params(drop=[r for r in RULES if r != "off_topic"])).compute_stats(df, ctx)
    cols = [c for c in stats.columns if c.startswith("stat_") and stats[c].dtype.is_numeric()]
    S = stats.select(cols).to_numpy().astype(np.float64)
    dropped = set(Quality(Quality.Params(**lima_quality_params())).run(df, ctx).rejected["id"].to_list())
    E = np.zeros((len(rows), 0), dtype=np.float32)
    if not a.stats_only:
        P = embed_texts([r["prompt"] for r in rows], "all-MiniLM-L6-v2", max_seq_length=128, cache_dir=CACHE_DIR,
                        backend=a.backend)
        R = embed_texts([r["response"] for r in rows], "all-MiniLM-L6-v2", max_seq_length=128, cache_dir=CACHE_DIR,
                        backend=a.backend)
        E = pair_features(P, R)
    X = np.hstack([E, S])
    y = np.array([r["label"] == "good" for r in rows], dtype=int)
    G = np.array([r["g"] for r in rows])
    rule = np.array([r["id"] in dropped for r in rows])
    counts: dict[tuple, list[int]] = {}
    for g in range(len(FILES)):
        tr, te = G != g, G == g
        model, thr = fit(E[tr], S[tr], y[tr], rule[tr], a.target)
        both = rule[te] | (model.predict_proba(X[te])[:, 1] < thr)
        labels = [rows[i]["label"] for i in np.where(te)[0]]
        for name, dr in (("rules", rule[te]), ("rules + model", both)):
            for c in CLASSES + ["good"]:
                cell = counts.setdefault((name, g, c), [0, 0])
                cell[0] += sum(1 for lab, x in zip(labels, dr) if lab == c and x)
                cell[1] += sum(1 for lab in labels if lab == c)
    feats = "stat_* only" if a.stats_only else f"MiniLM ({a.backend}) PCA16 + cosine + stat_*"
    print(f"# leave-one-round-out, {len(rows)} labelled rows, features: {feats}, target {a.target} "
          f"({time.perf_counter() - t0:.0f} s; {uptime()})\n")
    print("| filter | rounds | " + " | ".join(CLASSES) + " | good dropped |")
    print("|---|---|" + "---|" * (len(CLASSES) + 1))
    for name in ("rules", "rules + model"):
        for part, gs in (("ours + round 4", [0, 1]), (f"rounds 5-{len(FILES) + 2}", list(range(2, len(FILES))))):
            cells = []
            for c in CLASSES + ["good"]:
                k = sum(counts[(name, g, c)][0] for g in gs)
                n = sum(counts[(name, g, c)][1] for g in gs)
                cells.append(f"{k}/{n}")
            print(f"| {name} | {part} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
