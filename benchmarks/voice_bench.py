"""Build and measure the user-voice model (``curate.filters.voice``): P(user | text).

Data: every file of ../shared/data through ``curate.readers.read_paths``; per conversation ONE user
turn and ONE assistant turn (drawn at random among its turns with a fixed seed, so follow-up user
turns such as "first answer good, what is the purpose of secound?" are in), plus every message of
the OpenAssistant-2 trees (the reader keeps one path per tree; the trees hold most of the
non-English turns). Identical texts once; at most ``--cap`` (3,000) texts per role per source.
EXCLUDED from training and from the cross-validation: every prompt and response text (stripped) of
benchmarks/quality_labels.jsonl, quality_labels_fresh.jsonl and quality_labels_fresh2.jsonl — those
are the evaluation sets, read here only to score their responses with the final model.

Measured:
- leave-one-source-GROUP-out accuracy and ROC-AUC (the honest figure for a dump the model never saw);
  sources that are copies or translations of one another form one group (``GROUPS``), so e.g. the
  eight hikariming alpaca translations or the alpaca re-packagings are held out together;
- the same per language (en / zh / ru / other by script, OpenAssistant's own tag where it has one),
  and for texts <= 40 words (CJK ideographs count half a word) separately;
- out-of-fold false-"user" rate on assistant turns at thresholds 0.5 / 0.8 / 0.9 / 0.95;
- with the final model (trained on everything above): P(user) of the label files' responses,
  off_topic / nonsense vs good;
- throughput of ``user_voice`` on one core.

Run (about 6 minutes on a shared 2-core machine)::

    .venv/bin/python benchmarks/voice_bench.py --out curate/filters/models/user_voice.npz \\
        --results benchmarks/results/voice.md
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
LABEL_FILES = [ROOT / "benchmarks" / f for f in
               ("quality_labels.jsonl", "quality_labels_fresh.jsonl", "quality_labels_fresh2.jsonl")]
OASST_TREES = "oasst2_filtered_openpaws.jsonl"
SEED = 7
THRESHOLDS = (0.5, 0.8, 0.9, 0.95)
SHORT_WORDS = 40

# source -> held-out group: copies / translations / re-packagings of one dataset go together
GROUP_PREFIXES = [
    ("hikariming_", "alpaca"), ("alpaca_", "alpaca"), ("fastchat_alpaca", "alpaca"),
    ("llamafactory_alpaca", "alpaca"), ("codealpaca", "alpaca"), ("gpt4llm", "alpaca"),
    ("carbonz0_", "carbonz0"), ("belle", "belle"), ("medicalgpt_Belle", "belle"),
    ("oasst", "oasst"), ("llamafactory_oaast", "oasst"), ("gpteacher_", "gpteacher"),
    ("llamafactory_glaive", "glaive"), ("sharegpt", "sharegpt"), ("medicalgpt_sharegpt", "sharegpt"),
]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_CYR = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"\w+")


def group_of(source: str) -> str:
    for prefix, g in GROUP_PREFIXES:
        if source.startswith(prefix):
            return g
    return source


def script_lang(text: str, tag: str | None = None) -> str:
    """en / zh / ru / other: OpenAssistant's tag where given, else by script."""
    if tag:
        tag = tag.split("-")[0]
        return tag if tag in ("en", "zh", "ru") else "other"
    letters = sum(ch.isalpha() for ch in text) or 1
    if _KANA_HANGUL.search(text):
        return "other"
    if len(_CJK.findall(text)) / letters > 0.2:
        return "zh"
    if len(_CYR.findall(text)) / letters > 0.3:
        return "ru"
    if len(_LATIN.findall(text)) / letters > 0.5:
        return "en"
    return "other"


def n_words(text: str) -> float:
    """Words, each CJK ideograph counting half a word (as the quality rules count)."""
    return sum(len(_CJK.findall(w)) / 2 if _CJK.search(w) else 1 for w in _WORD.findall(text))


def label_texts() -> set[str]:
    out = set()
    for f in LABEL_FILES:
        if f.exists():
            for line in f.open(encoding="utf-8"):
                if line.strip():
                    r = json.loads(line)
                    out.add((r.get("prompt") or "").strip())
                    out.add((r.get("response") or "").strip())
    out.discard("")
    return out


def collect(cap: int, seed: int = SEED) -> tuple[list[dict], dict]:
    """Rows ``{text, user (0/1), source, group, lang}``, deduplicated, label texts excluded, capped."""
    from curate.readers import read_paths

    excluded = label_texts()
    res = read_paths([DATA])
    rng = random.Random(seed)
    cands: list[dict] = []
    for row in sorted(res.rows, key=lambda r: r["id"]):
        msgs = [m for m in row["messages"] if m["role"] in ("user", "assistant")]
        tag = row["meta"].get("lang")
        for role in ("user", "assistant"):
            turns = [(m.get("content") or "").strip() for m in msgs if m["role"] == role]
            turns = [t for t in turns if t]
            if turns:
                cands.append({"text": rng.choice(turns), "user": int(role == "user"), "source": row["source"], "tag": tag})

    def walk(msg: dict) -> None:
        text = (msg.get("text") or "").strip()
        if text and msg.get("role") in ("prompter", "assistant"):
            cands.append({"text": text, "user": int(msg["role"] == "prompter"),
                          "source": OASST_TREES.rsplit(".", 1)[0], "tag": msg.get("lang")})
        for child in msg.get("replies") or []:
            walk(child)

    with open(DATA / OASST_TREES, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                walk(json.loads(line)["prompt"])

    seen: set[str] = set()
    per: dict[tuple[str, int], list[dict]] = defaultdict(list)
    stats = Counter()
    for c in cands:
        if c["text"] in excluded:
            stats["excluded_label_text"] += 1
            continue
        if c["text"] in seen:
            stats["duplicate"] += 1
            continue
        seen.add(c["text"])
        per[(c["source"], c["user"])].append(c)
    rows = []
    for key in sorted(per):
        lst = per[key]
        rng.shuffle(lst)
        stats["over_cap"] += max(0, len(lst) - cap)
        for c in lst[:cap]:
            rows.append({"text": c["text"], "user": c["user"], "source": c["source"], "group": group_of(c["source"]),
                         "lang": script_lang(c["text"], c["tag"])})
    stats["rows"] = len(rows)
    return rows, dict(stats)


def auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else float("nan")


def loso(rows: list[dict], C: float, settings: dict | None = None) -> tuple[np.ndarray, list[tuple]]:
    """Out-of-fold P(user) with each source group held out in turn (texts hashed once)."""
    from curate.filters.voice import featurize, fit_features

    X = featurize([r["text"] for r in rows], settings)
    y = np.array([r["user"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    p = np.full(len(rows), np.nan, dtype=np.float32)
    times = []
    for g in sorted(set(groups.tolist())):
        te = groups == g
        t0 = time.perf_counter()
        m = fit_features(X[~te], y[~te], C=C, seed=SEED, settings=settings)
        z = X[te] @ m.coef.astype(np.float32) + np.float32(m.intercept)
        p[te] = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        times.append((g, int(te.sum()), time.perf_counter() - t0))
    return p, times


def fmt(x: float, nd: int = 3) -> str:
    return "n/a" if x != x else f"{x:.{nd}f}"


def cv_tables(rows: list[dict], p: np.ndarray) -> list[str]:
    y = np.array([r["user"] for r in rows])
    short = np.array([n_words(r["text"]) <= SHORT_WORDS for r in rows])
    out = []

    def line(name: str, mask: np.ndarray) -> str:
        yy, pp = y[mask], p[mask]
        a = yy == 0
        fu = " | ".join(fmt(float((pp[a] >= t).mean()) if a.any() else float("nan")) for t in THRESHOLDS)
        return (f"| {name} | {int(yy.sum())} | {int((yy == 0).sum())} | {fmt(float(((pp >= 0.5) == yy).mean()))} | "
                f"{fmt(auc(yy, pp))} | {fu} |")

    head = ("| held-out group / slice | user | assistant | accuracy@0.5 | ROC-AUC | false-user@0.5 | @0.8 | @0.9 | @0.95 |\n"
            "|---|---|---|---|---|---|---|---|---|")
    for title, extra in (("all lengths", np.ones(len(rows), bool)), (f"texts <= {SHORT_WORDS} words", short)):
        out += [f"\n### Leave-one-source-group-out, {title}\n", head]
        out.append(line("**all**", extra))
        for lang in ("en", "zh", "ru", "other"):
            out.append(line(f"lang {lang}", extra & np.array([r["lang"] == lang for r in rows])))
        for g in sorted({r["group"] for r in rows}):
            out.append(line(f"group {g}", extra & np.array([r["group"] == g for r in rows])))
    return out


def label_scores(model) -> list[str]:
    rows = []
    for f in LABEL_FILES:
        if f.exists():
            rows += [json.loads(line) | {"file": f.name} for line in f.open(encoding="utf-8") if line.strip()]
    p = model.predict_proba([(r.get("response") or "").strip() for r in rows])
    out = ["| label file rows | slice | n | median P(user) | >= 0.5 | >= 0.8 | >= 0.9 | >= 0.95 |", "|---|---|---|---|---|---|---|---|"]
    for lab_name, labs in (("good", {"good"}), ("off_topic", {"off_topic"}), ("nonsense", {"nonsense"}),
                           ("off_topic+nonsense", {"off_topic", "nonsense"}), ("other bad (refusal/truncated/repetitive)", {"refusal", "truncated", "repetitive"})):
        for slice_name, short in (("all", None), (f"<= {SHORT_WORDS} words", True)):
            m = np.array([r["label"] in labs and (short is None or n_words(r["response"]) <= SHORT_WORDS) for r in rows])
            pp = p[m]
            cells = " | ".join(str(int((pp >= t).sum())) for t in THRESHOLDS)
            out.append(f"| {lab_name} | {slice_name} | {int(m.sum())} | {fmt(float(np.median(pp)) if len(pp) else float('nan'))} | {cells} |")
    hi = sorted(((float(p[i]), r) for i, r in enumerate(rows) if r["label"] in ("off_topic", "nonsense")), key=lambda t: -t[0])
    good_hi = sorted(((float(p[i]), r) for i, r in enumerate(rows) if r["label"] == "good" and p[i] >= 0.9), key=lambda t: -t[0])
    out.append("\nGood answers scoring >= 0.9 (response, first 80 characters):\n")
    out += [f"- {s:.3f} `{r['id']}` {json.dumps(r['response'][:80], ensure_ascii=False)}" for s, r in good_hi[:25]]
    out.append("\nOff_topic / nonsense answers by score (response, first 80 characters):\n")
    out += [f"- {s:.3f} [{r['label']}] `{r['id']}` {json.dumps(r['response'][:80], ensure_ascii=False)}" for s, r in hi]
    return out


def throughput(model_path: Path, rows: list[dict]) -> str:
    from curate.filters import voice

    cut = voice.DEFAULT_SETTINGS["max_chars"]
    texts = [r["text"] for r in rows if not r["user"]]
    random.Random(SEED).shuffle(texts)
    out = []
    for name, sample in (("assistant turns", texts[:5000]),
                         (f"assistant turns <= {SHORT_WORDS} words", [t for t in texts if n_words(t) <= SHORT_WORDS][:5000])):
        voice._load_cached.cache_clear()
        voice.user_voice(sample[:10], model_path)
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            voice.user_voice(sample, model_path)
            best = min(best, time.perf_counter() - t0)
        chars = np.mean([min(len(t), cut) for t in sample])
        out.append(f"{len(sample) / best:,.0f} texts/s on {len(sample)} {name} (mean {chars:.0f} characters after the {cut}-character cut)")
    return "; ".join(out) + " — best of 3, single process, model load excluded"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="write the model trained on all rows here (the shipped model)")
    ap.add_argument("--results", type=Path, help="write the markdown report here")
    ap.add_argument("--cap", type=int, default=3000, help="max texts per role per source [3000]")
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--no-cv", action="store_true", help="skip the leave-one-group-out CV")
    args = ap.parse_args()
    from curate.filters.voice import fit_user_voice

    t_start = time.perf_counter()
    rows, stats = collect(args.cap)
    print("data:", stats, file=sys.stderr)
    by_src = Counter((r["source"], r["user"]) for r in rows)
    lang_n = Counter((r["lang"], r["user"]) for r in rows)
    report = ["# User-voice model: P(user | text)\n",
              f"Command: `{' '.join(['.venv/bin/python'] + sys.argv)}`  ",
              f"Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; commit "
              f"`{subprocess.run(['git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}`; "
              f"C = {args.C}; cap {args.cap} per role per source.\n",
              f"Data: {len(rows)} texts ({sum(r['user'] for r in rows)} user, {sum(1 - r['user'] for r in rows)} assistant) "
              f"from {len({r['source'] for r in rows})} sources in {len({r['group'] for r in rows})} held-out groups; "
              f"{stats.get('excluded_label_text', 0)} candidate turns dropped as label-file texts, "
              f"{stats.get('duplicate', 0)} as duplicates, {stats.get('over_cap', 0)} over the cap.  ",
              "Per language (user / assistant): " + ", ".join(f"{l} {lang_n[(l, 1)]} / {lang_n[(l, 0)]}" for l in ("en", "zh", "ru", "other")) + ".\n"]
    if not args.no_cv:
        t0 = time.perf_counter()
        p, times = loso(rows, args.C)
        report.append(f"Leave-one-source-group-out: {len(times)} folds, {time.perf_counter() - t0:.0f} s in all. "
                      "false-user@t = share of held-out ASSISTANT turns with P(user) >= t.")
        report += cv_tables(rows, p)
        report.append("\nGroups: " + "; ".join(f"{g}: " + ", ".join(sorted({r['source'] for r in rows if r['group'] == g}))
                                                for g in sorted({r["group"] for r in rows})))
    t0 = time.perf_counter()
    model = fit_user_voice([r["text"] for r in rows if r["user"]], [r["text"] for r in rows if not r["user"]], C=args.C, seed=SEED)
    model.meta.update({"data": "../shared/data via curate.readers.read_paths + oasst2 trees; label-file texts excluded",
                       "cap_per_role_per_source": args.cap, "built_by": "benchmarks/voice_bench.py"})
    report.append(f"\nFinal model: trained on all {len(rows)} texts in {time.perf_counter() - t0:.1f} s.")
    if args.out:
        model.save(args.out)
        report.append(f"Saved to `{args.out}` ({args.out.stat().st_size / 1e6:.2f} MB).")
        report.append("\nThroughput of `user_voice`: " + throughput(args.out, rows) + ".")
    report.append("\n## Label files (final model; read only for this scoring, never for training or tuning)\n")
    report += label_scores(model)
    report.append("\nPer source (user / assistant texts): " + ", ".join(f"{s} {by_src[(s, 1)]}/{by_src[(s, 0)]}" for s in sorted({s for s, _ in by_src})))
    up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    report.append(f"\n`uptime` at the end: `{up}` (2 cores shared with another engineer). Total {time.perf_counter() - t_start:.0f} s.")
    text = "\n".join(report) + "\n"
    if args.results:
        args.results.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
