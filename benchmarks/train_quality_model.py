"""Fit the learned quality filter that ships with curatrain (``curate/filters/models/quality_lr.npz``).

Data: every hand-labelled round (``benchmarks/quality_labels.jsonl`` and the blind hold-outs
``quality_labels_fresh*.jsonl``, ``docs/labels.md``), ``unsure`` rows left out. Features, as the
``quality_classifier`` stage builds them in a pipeline: MiniLM (all-MiniLM-L6-v2, ``onnx-int8``
X
and of the answer, their cosine, reduced to 16 PCA components; and the ``stat_*`` metrics of
lima.yaml's ``quality`` entry. Model: ``curate.filters.classifier.make_model("logistic")`` (L2,
balanced classes), the FineWeb-Edu recipe (Penedo et al. 2024: a linear head on frozen
embeddings). Threshold: the P(good) below which 1 % of the labelled good rows that lima's rules
keep fall, so that on top of the rules the model costs about 1 % of good rows.

``--rounds-before N`` fits on the rounds before label file N only and scores file N (how the
blind figures in ``benchmarks/results/quality_classifier.md`` were made); the default fits on
every file and writes the model.

Run (about 1 min; the first run embeds ~5,400 texts)::

    .venv/bin/python benchmarks/train_quality_model.py [--out curate/filters/models/quality_lr.npz]
    .venv/bin/python benchmarks/train_quality_model.py --rounds-before 9
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from quality_bench import CACHE_DIR, lima_quality_params, pair_frame, uptime  # noqa: E402

#: label files in the order they were drawn (index = round position)
FILES = ["quality_labels"] + [f"quality_labels_fresh{s}" for s in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10")]
CLASSES = ["refusal", "truncated", "off_topic", "nonsense", "repetitive", "good"]
EMBED = {"model": "all-MiniLM-L6-v2", "backend": "onnx-int8", "max_seq_length": 128, "answer_max_seq_length": 32}
TARGET = 0.01


def load(files: list[str]) -> list[dict]:
    """Labelled rows of ``files`` (``unsure`` left out); ``g`` = file index, ids made unique."""
    rows = []
    for g, f in enumerate(files):
        path = ROOT / "benchmarks" / f"{f}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["label"] != "unsure":
                rows.append(dict(r, g=g, id=f"{g}:{r['id']}"))
    return rows


def features(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """``(embedding block, stat block, stat column names, dropped by lima's rules)`` for ``rows``."""
    from curate.embed import embed_texts
    from curate.filters.classifier import pair_features
    from curate.stage import Context
    from curate.stages.quality import Quality

    df = pair_frame(rows)
    ctx = Context(seed=13, cache_dir=CACHE_DIR)
    stage = Quality(Quality.Params(**lima_quality_params()))
    stats = stage.compute_stats(df, ctx)
    cols = sorted(c for c in stats.columns if c.startswith("stat_") and stats[c].dtype.is_numeric())
    S = stats.select(cols).to_numpy().astype(np.float64)
    dropped = set(stage.run(df, ctx).rejected["id"].to_list())
    kw = dict(max_seq_length=EMBED["max_seq_length"], cache_dir=CACHE_DIR, backend=EMBED["backend"])
    P = embed_texts([r["prompt"] for r in rows], EMBED["model"], **kw)
    R = embed_texts([r["response"] for r in rows], EMBED["model"], **dict(kw, max_seq_length=EMBED["answer_max_seq_length"]))
    return pair_features(P, R), S, cols, np.array([r["id"] in dropped for r in rows])


def fit(E: np.ndarray, S: np.ndarray, y: np.ndarray, rule: np.ndarray, target: float = TARGET):
    """The fitted pipeline and its threshold (``target`` of the good rows the rules keep fall below it).
    ``E`` may have no columns (a stats-only model)."""
    from curate.filters.classifier import make_model

    model = make_model("logistic", seed=13, n_embedding=E.shape[1], components=16).fit(np.hstack([E, S]), y)
    kept_good = np.sort(model.predict_proba(np.hstack([E, S])[(y == 1) & ~rule])[:, 1])
    return model, float(kept_good[int(target * len(kept_good))])


def main() -> None:
    from curate.filters.classifier import BUILTIN_MODEL, LinearQualityModel

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=BUILTIN_MODEL)
    ap.add_argument("--backend", default=EMBED["backend"], help="embedding backend of both vectors (curate.embed)")
    ap.add_argument("--answer-max-seq", type=int, default=32, help="word pieces embedded per answer (prompts: 128)")
    ap.add_argument("--rounds-before", type=int, default=None,
                    help="fit on the label files before this index of FILES, score that file, write nothing")
    a = ap.parse_args()
    t0 = time.perf_counter()
    EMBED["answer_max_seq_length"] = a.answer_max_seq
    EMBED["backend"] = a.backend
    rows = load(FILES)
    E, S, cols, rule = features(rows)
    y = np.array([r["label"] == "good" for r in rows], dtype=int)
    G = np.array([r["g"] for r in rows])
    if a.rounds_before is not None:
        tr, te = G < a.rounds_before, G == a.rounds_before
        model, thr = fit(E[tr], S[tr], y[tr], rule[tr])
        lin = LinearQualityModel.from_sklearn(model, {})
        drop = rule | (lin.p_good(E, S) < thr)
        labels = np.array([r["label"] for r in rows])
        print(f"# fit on {FILES[:a.rounds_before]}, scored on {FILES[a.rounds_before]} (threshold {thr:.3f}; {uptime()})")
        for name, d in (("rules", rule), ("rules + model", drop)):
            print(f"{name:14s}", "  ".join(f"{c} {int(d[te & (labels == c)].sum())}/{int((te & (labels == c)).sum())}"
                                          for c in CLASSES))
        return
    model, thr = fit(E, S, y, rule)
    lin = LinearQualityModel.from_sklearn(model, {})
    p_sk = model.predict_proba(np.hstack([E, S]))[:, 1]
    gap = float(np.abs(lin.p_good(E, S) - p_sk).max())
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lin.meta = {
        **EMBED, "stat_columns": cols, "threshold": round(thr, 6), "target_good_dropped": TARGET,
        "features": "pair_features(prompt, answer) -> PCA 16 + stat_* of lima.yaml's quality entry",
        "trained_on": {"files": [f for f in FILES if (ROOT / "benchmarks" / f"{f}.jsonl").exists()],
                       "rows": len(rows), "labels": dict(Counter(r["label"] for r in rows))},
        "commit": commit, "made_by": "benchmarks/train_quality_model.py",
    }
    lin.save(a.out)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1024:.1f} KiB): {len(rows)} rows, {len(cols)} stat columns, "
          f"threshold {thr:.4f}, numpy vs scikit-learn max |dP| {gap:.2e} ({time.perf_counter() - t0:.0f} s; {uptime()})")


if __name__ == "__main__":
    main()
