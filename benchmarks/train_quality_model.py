"""Fit the learned quality filter that ships with curatrain (``curate/filters/models/quality_lr.npz``).

Data: every hand-labelled round (``benchmarks/quality_labels.jsonl`` and the blind hold-outs
``quality_labels_fresh*.jsonl``, ``docs/labels.md``), ``unsure`` rows left out. Features, as the
``quality_classifier`` stage builds them in a pipeline: MiniLM (all-MiniLM-L6-v2, ``onnx-int8``)
vectors of the first user turn (128 word pieces) and of the answer (32), their cosine, reduced to
16 PCA components; the ``stat_*`` metrics of lima.yaml's ``quality`` entry; and the relevance
metrics ``curate.filters.classifier.pair_stats`` (cosine, content-unit overlap, per script, and the
pair encoder's cosine: ``curate.filters.pair_encoder``).
Model: ``curate.filters.classifier.make_model("logistic")`` (L2, balanced classes), the FineWeb-Edu
recipe (Penedo et al. 2024: a linear head on frozen embeddings). Threshold: the P(good) below which
0.7 % of the labelled good rows that lima's rules keep and the model judges (not translation
requests: ``LinearQualityModel.judges``) fall (0.5 % until the pair encoder's columns came: blind
over rounds 33-43, 0.7 % with them drops the same 38 good rows of 2,554 as 0.5 % without, and
catches 360 Chinese swaps instead of 103).

Answers to another prompt (``--swaps``, default 1): the hand labels hold few off-topic answers
(about 3 %), too few to teach a model that an answer must fit its prompt. So each good row of a
round also enters training once more as a negative, its prompt paired with the answer of another
good row of the same round and language (seeded shuffle): the negative sampling of retrieval
training (e.g. DPR, Karpukhin et al. 2020, random negatives). The threshold is still set on the
hand-labelled good rows only, and ``--rounds-before`` also prints how many of the scored round's
own swapped pairs are caught.

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

#: label files in the order they were drawn (index = round position: 16 = round 19, 17 = round 20, ..., 19 = round 22, 20 = round 23, 21 = round 24, 22 = round 25, 23 = round 26, 24 = round 27, 25 = round 28, 26..42 = rounds 29..45)
FILES = ["quality_labels"] + [f"quality_labels_fresh{s}" for s in ("", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
                                                                    "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25",
                                                                    "26", "27", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45")]
CLASSES = ["refusal", "truncated", "off_topic", "nonsense", "repetitive", "good"]
EMBED = {"model": "all-MiniLM-L6-v2", "backend": "onnx-int8", "max_seq_length": 128, "answer_max_seq_length": 32}
TARGET = 0.007
#: refusal head: L2 strength (scikit-learn C) and the share of rule-kept good rows its threshold may drop;
#: it reads [answer vector, prompt vector] (blind, rounds 9-20 on top of the rules and the main model:
#: answer only, C 0.3: refusal 241, good 41 of 2,615; with the prompt, C 0.1: 248 and 41; C 0.3: 250 and 43).
#: Checked again on 2026-12-03 with answers that deliver sections no longer judged (``structured_answer``), blind over
#: rounds 33-48 on top of the rules and the main model, targets 0.25 %, 0.5 %, 1 %: refusals 238, 248, 256 of 279, good
#: rows dropped 54, 63, 76 of 3,823 (rules and main model alone: 215 and 48); a refit at 0.5 % caught no more refusal
#: of the written sets (out of sample) and dropped 2 more good ones there, so the target stays
REFUSAL_C, REFUSAL_TARGET = 0.1, 0.0025
#: hand-written label sets (``docs/labels.md``): pairs written by people who never saw the filters, in the
#: model-answer shapes real dumps hold (en, ru, zh), with the refusal, off-topic and nonsense rows the dump rounds hold
#: few of. ``--written`` adds them to the fit; the shipped model leaves them out: with them, blind over rounds 33-48
#: (``--rounds-before 30-45``) the model caught 5 refusals and 190 swapped answers fewer for 4 good rows fewer, and on
#: the written sets AM-AO and AP-AR, both unread then, it moved nothing but +1 refusal, +1 off-topic and one good row
#: more dropped (``benchmarks/results/quality_classifier.md``, 2026-12-03)
WRITTEN = ["quality_en_written", "quality_ru_written", "quality_zh_written"]
#: written sets nobody has read, kept out of every fit: they are the hold-out the next rules and models are
#: scored on first (``docs/labels.md`` names them; move a set here when it is written, out when it is read)
UNREAD_WRITTEN = {"written_en_bz", "written_ru_ca", "written_zh_cb", "written_en_cf", "written_ru_cg", "written_zh_ch"}


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


def load_written(files: list[str] = WRITTEN, exclude: set[str] = UNREAD_WRITTEN) -> list[dict]:
    """Labelled rows of the written sets ``files`` whose ``source`` is not in ``exclude`` (``unsure`` left
    out); ``g`` = -1 (in every fit, ``--rounds-before`` too), ids made unique as in ``load``."""
    rows = []
    for f in files:
        for line in (ROOT / "benchmarks" / f"{f}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["label"] != "unsure" and r["source"] not in exclude:
                rows.append(dict(r, g=-1, id=f"w:{r['id']}"))
    return rows


def swapped(rows: list[dict], per_row: int = 1, seed: int = 13) -> list[dict]:
    """Negatives made from ``rows``: per (round ``g``, ``lang``), each good row's prompt with the answer
    of another good row (``per_row`` seeded derangements, identical answers skipped); label
    ``off_topic``, ``swap`` = K + 1 (1 for the first pass), ids ``swapK:<id>``."""
    import random

    rng = random.Random(seed)
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["label"] == "good":
            groups.setdefault((r["g"], r["lang"]), []).append(r)
    out = []
    for k in range(per_row):
        for key in sorted(groups):
            lst = groups[key]
            if len(lst) < 2:
                continue
            perm = lst[:]
            rng.shuffle(perm)
            for a, b in zip(perm, perm[1:] + perm[:1]):
                if a["response"] != b["response"]:
                    out.append(dict(a, response=b["response"], label="off_topic", swap=k + 1, id=f"swap{k}:{a['id']}"))
    return out


def features(rows: list[dict]) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """``(embedding block, stat block, stat column names, dropped by lima's rules)`` for ``rows``;
    the stat block ends with the ``pair_stats`` columns (``PAIR_COLUMNS``, not in the names)."""
    from curate.embed import embed_texts
    from curate.filters.classifier import pair_features, pair_stats
    from curate.stage import Context, split_by_rules
    from curate.stages.quality import Quality

    df = pair_frame(rows)
    ctx = Context(seed=13, cache_dir=CACHE_DIR)
    stage = Quality(Quality.Params(**lima_quality_params()))
    stats = stage.compute_stats(df, ctx)
    cols = sorted(c for c in stats.columns if c.startswith("stat_") and stats[c].dtype.is_numeric())
    S = stats.select(cols).to_numpy().astype(np.float64)
    dropped = set(split_by_rules(stage, stats, stage.rules(stats)).rejected["id"].to_list())  # the stats once
    kw = dict(max_seq_length=EMBED["max_seq_length"], cache_dir=CACHE_DIR, backend=EMBED["backend"])
    P = embed_texts([r["prompt"] for r in rows], EMBED["model"], **kw)
    R = embed_texts([r["response"] for r in rows], EMBED["model"], **dict(kw, max_seq_length=EMBED["answer_max_seq_length"]))
    E = pair_features(P, R)
    S = np.hstack([S, pair_stats([r["prompt"] for r in rows], [r["response"] for r in rows], E[:, -1])])
    return E, S, cols, np.array([r["id"] in dropped for r in rows])


def fit(E: np.ndarray, S: np.ndarray, y: np.ndarray, rule: np.ndarray, target: float = TARGET,
        natural: np.ndarray | None = None):
    """The fitted pipeline and its threshold (``target`` of the good rows the rules keep fall below it;
    only rows where ``natural`` is True count there, default all). ``E`` may have no columns (a
    stats-only model)."""
    from curate.filters.classifier import make_model

    natural = np.ones(len(y), dtype=bool) if natural is None else natural
    model = make_model("logistic", seed=13, n_embedding=E.shape[1], components=16).fit(np.hstack([E, S]), y)
    kept_good = np.sort(model.predict_proba(np.hstack([E, S])[(y == 1) & ~rule & natural])[:, 1])
    return model, float(kept_good[int(target * len(kept_good))])


def fit_refusal_head(R: np.ndarray, labels: np.ndarray, rule: np.ndarray, target: float = REFUSAL_TARGET,
                     C: float = REFUSAL_C) -> tuple[np.ndarray, float, float]:
    """``(coef, intercept, threshold)`` of the refusal head: L2 logistic regression (``C``, balanced
    classes) of ``refusal`` against ``good`` rows on ``R`` ``(n, k)``: the answer vectors, then the prompt
    vectors (``np.hstack([answers, prompts])``, k = 2d; ``LinearQualityModel.p_refusal``); the threshold
    is the P(refusal) above which ``target`` of the good rows not in ``rule`` fall (the rows the
    rules keep and the head judges: ``LinearQualityModel.refusal_head_applies``)."""
    from sklearn.linear_model import LogisticRegression

    m = np.isin(labels, ["refusal", "good"])
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(R[m], (labels[m] == "refusal").astype(int))
    kept_good = np.sort(clf.predict_proba(R[(labels == "good") & ~rule])[:, 1])[::-1]
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0]), float(kept_good[int(target * len(kept_good))])


def _index_range(text: str) -> list[int]:
    """``"9"`` -> ``[9]``; ``"33-45"`` -> ``[33, ..., 45]`` (indices of ``FILES``)."""
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    from curate.filters.classifier import BUILTIN_MODEL, LinearQualityModel

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=BUILTIN_MODEL)
    ap.add_argument("--backend", default=EMBED["backend"], help="embedding backend of both vectors (curate.embed)")
    ap.add_argument("--answer-max-seq", type=int, default=32, help="word pieces embedded per answer (prompts: 128)")
    ap.add_argument("--rounds-before", type=_index_range, default=None,
                    help="fit on the label files before this index of FILES, score that file, write nothing; "
                         "a range N-M does so for each index in turn and also prints the pooled counts")
    ap.add_argument("--swaps", type=int, default=1,
                    help="swapped-answer negatives per good row (0: none, the model shipped before)")
    ap.add_argument("--no-pair-stats", action="store_true", help="leave out the pair_stats relevance columns")
    ap.add_argument("--no-pair-assoc", action="store_true",
                    help="leave out the pair encoder's columns (pair_assoc, pair_assoc_cjk; the model shipped before)")
    ap.add_argument("--target", type=float, default=TARGET,
                    help="share of the labelled good rows the rules keep that the threshold may drop")
    ap.add_argument("--no-refusal-head", action="store_true", help="write no refusal head (the model shipped before)")
    ap.add_argument("--written", action="store_true",
                    help="add the read written label sets to the fit (not the shipped model); unread ones are always left out")
    ap.add_argument("--refusal-target", type=float, default=REFUSAL_TARGET,
                    help="share of the labelled good rows the rules keep that the refusal head may drop")
    a = ap.parse_args()
    t0 = time.perf_counter()
    EMBED["answer_max_seq_length"] = a.answer_max_seq
    EMBED["backend"] = a.backend
    labelled = load(FILES) + (load_written() if a.written else [])
    rows = labelled + swapped(labelled, max(a.swaps, 1))  # swaps of every round exist, to be scored
    E, S, cols, rule = features(rows)
    from curate.filters.classifier import PAIR_COLUMNS

    pair_cols = [] if a.no_pair_stats else [c for c in PAIR_COLUMNS if not (a.no_pair_assoc and c.startswith("pair_assoc"))]
    S = S[:, list(range(len(cols))) + [len(cols) + PAIR_COLUMNS.index(c) for c in pair_cols]]
    y = np.array([r["label"] == "good" for r in rows], dtype=int)
    G = np.array([r["g"] for r in rows])
    swap_k = np.array([r.get("swap", 0) for r in rows])
    swap, used = swap_k > 0, swap_k <= a.swaps  # the labelled rows and the first --swaps passes train
    labels = np.array([r["label"] for r in rows])
    dim = (E.shape[1] - 1) // 2
    R = np.hstack([E[:, dim:2 * dim], E[:, :dim]])  # the refusal head's input: answer vectors, then prompt vectors
    prompts = [r["prompt"] for r in rows]
    langs = np.array([r["lang"] for r in rows])
    judged = LinearQualityModel.judges(prompts)  # the rows the stage lets the main model judge (not translations)
    # the rows the stage lets the refusal head judge: not transforms, questions about the assistant or example refusals
    # asked for, nor answers that deliver sections, lists or code past their opening (``structured_answer``)
    from curate.stages.quality_classifier import structured_answer

    applies = LinearQualityModel.refusal_head_applies(prompts) & ~np.array([structured_answer(r["response"]) for r in rows])
    if a.rounds_before is not None:
        pooled: dict[str, Counter] = {}
        for n in a.rounds_before:
            tr, te = (G < n) & used, G == n
            model, thr = fit(E[tr], S[tr], y[tr], rule[tr], a.target, natural=~swap[tr] & judged[tr])
            lin = LinearQualityModel.from_sklearn(model, {})
            drop = rule | (judged & (lin.p_good(E, S) < thr))
            nat, sw0 = te & ~swap, te & (swap_k == 1)
            hm = tr & ~swap
            lin.refusal_coef, lin.refusal_intercept, rthr = fit_refusal_head(R[hm], labels[hm], rule[hm] | ~applies[hm],
                                                                             a.refusal_target)
            drop_head = drop | (applies & (lin.p_refusal(R[:, :dim], R[:, dim:]) > rthr))
            print(f"# fit on the label files before {FILES[n]}{' and the read written sets' if a.written else ''} "
                  f"(swaps {a.swaps}, pair columns {len(pair_cols)}, target {a.target}, refusal target "
                  f"{a.refusal_target}), scored on {FILES[n]} (threshold {thr:.3f}, refusal head {rthr:.3f}; {uptime()})")
            for name, d in (("rules", rule), ("rules + model", drop), ("+ refusal head", drop_head)):
                # per class and per language of the swapped answers: (caught, of)
                got = Counter({**{c: int(d[nat & (labels == c)].sum()) for c in CLASSES},
                               **{c + "/": int((nat & (labels == c)).sum()) for c in CLASSES},
                               **{lang: int(d[sw0 & (langs == lang)].sum()) for lang in ("en", "zh")},
                               **{lang + "/": int((sw0 & (langs == lang)).sum()) for lang in ("en", "zh")}})
                pooled.setdefault(name, Counter()).update(got)
                print(f"{name:14s}", "  ".join(f"{c} {got[c]}/{got[c + '/']}" for c in CLASSES),
                      " | swapped answers caught", "  ".join(f"{lang} {got[lang]}/{got[lang + '/']}" for lang in ("en", "zh")))
        if len(a.rounds_before) > 1:
            print(f"# pooled over {FILES[a.rounds_before[0]]} .. {FILES[a.rounds_before[-1]]}")
            for name, got in pooled.items():
                print(f"{name:14s}", "  ".join(f"{c} {got[c]}/{got[c + '/']}" for c in CLASSES),
                      " | swapped answers caught", "  ".join(f"{lang} {got[lang]}/{got[lang + '/']}" for lang in ("en", "zh")))
        return
    model, thr = fit(E[used], S[used], y[used], rule[used], a.target, natural=~swap[used] & judged[used])
    lin = LinearQualityModel.from_sklearn(model, {})
    p_sk = model.predict_proba(np.hstack([E, S]))[:, 1]
    gap = float(np.abs(lin.p_good(E, S) - p_sk).max())
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    drop = rule | (judged & (lin.p_good(E, S) < thr))
    head = ""
    if not a.no_refusal_head:
        lin.refusal_coef, lin.refusal_intercept, rthr = fit_refusal_head(R[~swap], labels[~swap],
                                                                         rule[~swap] | ~applies[~swap], a.refusal_target)
        drop |= applies & (lin.p_refusal(R[:, :dim], R[:, dim:]) > rthr)
        head = f", refusal head threshold {rthr:.4f}"
    lin.meta = {
        **EMBED, "stat_columns": cols, "pair_columns": pair_cols,
        "threshold": round(thr, 6), "target_good_dropped": a.target,
        **({} if a.no_refusal_head else {
            "refusal_threshold": round(rthr, 6), "refusal_target_good_dropped": a.refusal_target,
            "refusal_head": f"LogisticRegression(C={REFUSAL_C}, balanced classes): refusal vs good on [answer vector, prompt vector]"}),
        "features": "pair_features(prompt, answer) -> PCA 16 + stat_* of lima.yaml's quality entry + pair_stats",
        "trained_on": {"files": [f for f in FILES if (ROOT / "benchmarks" / f"{f}.jsonl").exists()]
                       + (WRITTEN if a.written else []),
                       **({"written_sets_left_out": sorted(UNREAD_WRITTEN)} if a.written else {}),
                       "rows": int((~swap).sum()), "labels": dict(Counter(r["label"] for r in labelled)),
                       "swapped_negatives": int((used & swap).sum())},
        "commit": commit, "made_by": "benchmarks/train_quality_model.py",
    }
    lin.save(a.out)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1024:.1f} KiB): {int((~swap).sum())} labelled rows + "
          f"{int((used & swap).sum())} swapped, {len(cols)} stat columns, threshold {thr:.4f}{head}, numpy vs scikit-learn "
          f"max |dP| {gap:.2e}; in-sample swapped answers caught {int(drop[used & swap].sum())}/{int((used & swap).sum())} "
          f"({time.perf_counter() - t0:.0f} s; {uptime()})")


if __name__ == "__main__":
    main()
