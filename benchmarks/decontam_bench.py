"""Decontamination benchmark: plant eval prompts into a real training set, measure what the
``decontaminate`` stage finds and what else it drops.

Run from the repository root (reads ../shared/data, or --data; ~1 min on a quiet 2-core machine):

    .venv/bin/python benchmarks/decontam_bench.py                 # defaults + a small sweep
    .venv/bin/python benchmarks/decontam_bench.py --rows 100000   # timing at 100k rows too
    .venv/bin/python benchmarks/decontam_bench.py --scan          # real overlaps in all the data

Eval sets (all prompt turns the stage reads from the files):

- ``mt_bench``: the 80 MT-Bench questions, 160 turns (FastChat, Apache-2.0);
- ``user_oriented``: the 252 Self-Instruct user-oriented instructions (GPT-4-LLM copy), instruction
  plus input as one prompt; 100 of them are planted;
- ``belle_dev``: BELLE's dev1K Chinese instructions as a pseudo eval set; 100 planted.

Training set: ``--train`` conversations (default 20,000) drawn with a fixed seed from every other
file of the data folder (English and Chinese), none of the three eval files. Each planted prompt
is put into a new conversation (its own user turn, an answer borrowed from a clean row) as:

- ``exact``: the prompt as is;
- ``paraphrase``: 1 or 2 word edits (swap two adjacent words, drop one, insert one, substitute one;
  for Chinese the same on 2-character words), inserted words drawn from the training vocabulary;
- ``truncated``: the first half of the prompt's words (characters for Chinese);
- ``embedded``: the prompt between ~20 words of another row's user text and ~15 more.

Recall: planted rows dropped (and attributed to their own eval item). False drops: clean rows
dropped, printed with their drop detail for reading.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from curate.readers import read_file  # noqa: E402
from curate.schema import make_frame  # noqa: E402
from curate.stage import Context  # noqa: E402
from curate.stages.decontaminate import Decontaminate  # noqa: E402

EVAL_FILES = {
    "mt_bench": "fastchat_mt_bench_question.jsonl",
    "user_oriented": "gpt4llm_user_oriented_instructions.jsonl",
    "belle_dev": "belle_dev1K.json",
}
PLANT = {"mt_bench": None, "user_oriented": 100, "belle_dev": 100}  # None: every prompt
KINDS = ("exact", "paraphrase", "truncated", "embedded")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def is_cjk(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    return bool(chars) and sum(bool(_CJK.match(c)) for c in chars) / len(chars) > 0.3


def load_training(data: Path, n: int, seed: int) -> list[dict]:
    skip = set(EVAL_FILES.values())
    rows = []
    for f in sorted(data.iterdir()):
        if f.name in skip or not (".json" in f.name):
            continue
        res = read_file(f, re.sub(r"[^A-Za-z0-9_.-]", "_", f.name.split(".")[0]))
        rows += [r for r in res.rows if any(m["role"] == "user" for m in r["messages"])]
    rng = random.Random(seed)
    rng.shuffle(rows)
    return rows[:n]


def edit_words(words: list[str], k: int, vocab: list[str], rng: random.Random) -> list[str]:
    w = list(words)
    for _ in range(k):
        op = rng.choice(("swap", "drop", "insert", "substitute")) if len(w) > 2 else "insert"
        i = rng.randrange(len(w))
        if op == "swap" and i + 1 < len(w):
            w[i], w[i + 1] = w[i + 1], w[i]
        elif op == "drop":
            del w[i]
        elif op == "insert":
            w.insert(i, rng.choice(vocab))
        else:
            w[i] = rng.choice(vocab)
    return w


def paraphrase(text: str, vocab: list[str], zh_vocab: list[str], rng: random.Random) -> str:
    k = rng.choice((1, 2))
    if is_cjk(text):
        words = [text[i: i + 2] for i in range(0, len(text), 2)]  # 2-character "words"
        return "".join(edit_words(words, k, zh_vocab, rng))
    return " ".join(edit_words(text.split(), k, vocab, rng))


def truncate(text: str) -> str:
    if is_cjk(text):
        return text[: (len(text) + 1) // 2]
    w = text.split()
    return " ".join(w[: (len(w) + 1) // 2])


def plant(prompts, clean: list[dict], seed: int):
    """Planted rows and their labels ``(kind, eval_set, item, prompt_index)``."""
    rng = random.Random(seed + 1)
    users = [m["content"] for r in clean for m in r["messages"][:1] if m["role"] == "user"]
    en_users = [u for u in users if not is_cjk(u) and len(u.split()) > 40][:5000]
    zh_users = [u for u in users if is_cjk(u) and len(u) > 60][:5000]
    answers = [m["content"] for r in clean for m in r["messages"] if m["role"] == "assistant"][:5000]
    vocab = sorted({w for u in en_users[:2000] for w in u.split() if w.isalpha()})
    zh_vocab = sorted({u[i: i + 2] for u in zh_users[:500] for i in range(0, len(u) - 1, 7)
                       if _CJK.match(u[i]) and _CJK.match(u[i + 1])})
    by_set = defaultdict(list)
    for i, p in enumerate(prompts):
        by_set[p.eval_set].append(i)
    rows, labels = [], []
    for name, idxs in by_set.items():
        take = idxs if PLANT[name] is None else sorted(random.Random(seed).sample(idxs, PLANT[name]))
        for i in take:
            p = prompts[i]
            for kind in KINDS:
                if kind == "exact":
                    text = p.text
                elif kind == "paraphrase":
                    text = paraphrase(p.text, vocab, zh_vocab, rng)
                elif kind == "truncated":
                    text = truncate(p.text)
                else:
                    pool = zh_users if is_cjk(p.text) else en_users
                    a, b = rng.choice(pool), rng.choice(pool)
                    if is_cjk(p.text):
                        text = a[:40] + "\n" + p.text + "\n" + b[-30:]
                    else:
                        text = " ".join(a.split()[:20]) + "\n\n" + p.text + "\n\n" + " ".join(b.split()[-15:])
                rid = f"planted/{kind}/{name}/{i}"
                rows.append({"id": rid, "source": "planted", "messages": [
                    {"role": "user", "content": text}, {"role": "assistant", "content": rng.choice(answers)}]})
                labels.append((rid, kind, name, p.item, i))
    return rows, labels


def run_once(df, sets, tmp: Path, **params):
    st = Decontaminate(Decontaminate.Params(eval_sets=sets, read_prompts=False, **params))
    t0 = time.perf_counter()
    res = st.run(df, Context(artifact_dir=tmp))
    return res, time.perf_counter() - t0


def score(res, labels, prompts, texts):
    dropped = dict(zip(res.rejected["id"].to_list(), res.rejected["drop_detail"].to_list()))
    tok = {}
    from curate.dedup.decontam import tokenize

    lens = tokenize([p.text for p in prompts]).list.len().to_list()
    for i, n in enumerate(lens):
        tok[i] = n
    table = defaultdict(lambda: [0, 0, 0])  # (set, kind) -> [planted, dropped, attributed]
    bucket = defaultdict(lambda: [0, 0])
    missed = []
    planted_len = dict(zip(res_ids := [lab[0] for lab in labels], tokenize([texts[r] for r in res_ids]).list.len().to_list()))
    for rid, kind, name, item, i in labels:
        t = table[(name, kind)]
        t[0] += 1
        hit = rid in dropped
        t[1] += hit
        t[2] += hit and dropped[rid].startswith(f"{name} item {item} ")
        b = "<8" if tok[i] < 8 else ("8-12" if tok[i] < 13 else ">=13")
        bucket[(kind, b)][0] += 1
        bucket[(kind, b)][1] += hit
        pb = "planted<8" if planted_len[rid] < 8 else "planted>=8"
        bucket[(kind, pb)][0] += 1
        bucket[(kind, pb)][1] += hit
        if not hit:
            missed.append((rid, prompts[i].text[:70]))
    false = [(r, d) for r, d in dropped.items() if not r.startswith("planted/")]
    return table, bucket, false, missed


def pct(a, b):
    return f"{100 * a / b:.1f}%" if b else "-"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--train", type=int, default=20000, help="clean training conversations")
    ap.add_argument("--rows", type=int, default=0, help="also time the stage on this many rows (copies)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--scan", action="store_true",
                    help="instead: decontaminate every conversation of the data folder (no planting) and list the drops")
    ap.add_argument("--only", default="", help="run only the sweep settings whose label contains this")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    sets = [{"path": str(args.data / f), "name": n} for n, f in EVAL_FILES.items()]
    if args.scan:
        rows = load_training(args.data, 10 ** 9, args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            res, secs = run_once(make_frame(rows), sets, Path(tmp))
        print(f"## scan: {len(rows):,} real conversations, {res.counters['dropped.eval_contamination']} dropped "
              f"in {secs:.1f}s\n")
        msgs = {r["id"]: r["messages"] for r in rows}
        for r, d in sorted(zip(res.rejected["id"].to_list(), res.rejected["drop_detail"].to_list())):
            u = [m["content"] for m in msgs[r] if m["role"] == "user"]
            print(f"- `{r}`: {d}\n    user: {u[0][:160]!r}")
        return
    clean = load_training(args.data, args.train, args.seed)
    prompts = Decontaminate(Decontaminate.Params(eval_sets=sets, read_prompts=False)).prompts(Context())
    planted, labels = plant(prompts, clean, args.seed)
    df = make_frame(clean + planted)
    planted_text = {r["id"]: r["messages"][0]["content"] for r in planted}
    print(f"training set: {len(clean):,} clean + {len(planted):,} planted rows; {len(prompts)} eval prompts "
          f"({', '.join(f'{k} {v}' for k, v in Counter(p.eval_set for p in prompts).items())}); "
          f"built in {time.perf_counter() - t0:.1f}s\n")

    with tempfile.TemporaryDirectory() as tmp:
        res, secs = run_once(df, sets, Path(tmp))
        table, bucket, false, missed = score(res, labels, prompts, planted_text)
        print(f"## defaults: {df.height:,} rows in {secs:.2f}s "
              f"(index {res.counters['seconds.index']}s, match {res.counters['seconds.match']}s)\n")
        print("| eval set | kind | planted | found | recall | attributed to its item |")
        print("|---|---|---:|---:|---:|---:|")
        tot = defaultdict(lambda: [0, 0, 0])
        for (name, kind), (n, hit, att) in sorted(table.items(), key=lambda x: (x[0][0], KINDS.index(x[0][1]))):
            print(f"| {name} | {kind} | {n} | {hit} | {pct(hit, n)} | {pct(att, n)} |")
            for j, v in enumerate((n, hit, att)):
                tot[kind][j] += v
        for kind in KINDS:
            n, hit, att = tot[kind]
            print(f"| **all** | **{kind}** | {n} | {hit} | **{pct(hit, n)}** | {pct(att, n)} |")
        print("\nRecall by prompt length (tokens after normalisation):\n")
        print("| kind | prompt <8 | prompt 8-12 | prompt >=13 | planted text <8 | planted text >=8 |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind in KINDS:
            cells = [f"{bucket[(kind, b)][1]}/{bucket[(kind, b)][0]}"
                     for b in ("<8", "8-12", ">=13", "planted<8", "planted>=8")]
            print(f"| {kind} | " + " | ".join(cells) + " |")
        print(f"\nFalse drops: {len(false)} of {len(clean):,} clean rows ({pct(len(false), len(clean))})")
        ids = set(r for r, _ in false)
        texts = {r: m for r, m in zip(df["id"].to_list(), df["messages"].to_list()) if r in ids}
        for r, d in sorted(false):
            u = next((m["content"] for m in texts[r] if m["role"] == "user"), "")
            print(f"- `{r}`: {d}\n    user: {u[:160]!r}")
        print(f"\nMissed planted rows: {len(missed)}")
        for r, t in missed:
            print(f"- {r}: {t!r}")
        print("\nCounters:", {k: v for k, v in res.counters.items() if k.startswith(("eval.", "matches", "prompts"))})

        if not args.no_sweep:
            print("\n## sweep (recall per kind, all eval sets; false drops on clean rows)\n")
            sweep_false = {}
            all_msgs = dict(zip(df["id"].to_list(), df["messages"].to_list()))
            print("| setting | exact | paraphrase | truncated | embedded | false drops | seconds |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            for label, params in [
                ("defaults (13-gram, min_ngram 8, bigram J >= 0.5, 2 word edits)", {}),
                ("no word edits (max_edits 0)", {"max_edits": 0}),
                ("1 word edit (max_edits 1)", {"max_edits": 1}),
                ("no short rule (min_ngram 13)", {"min_ngram": 13}),
                ("n-grams only (threshold 1.0, max_edits 0)", {"threshold": 1.0, "max_edits": 0}),
                ("J >= 0.4", {"threshold": 0.4}),
                ("J >= 0.6", {"threshold": 0.6}),
                ("J >= 0.7", {"threshold": 0.7}),
                ("unigram shingles, J >= 0.6", {"shingle_ngram": 1, "threshold": 0.6}),
                ("unigram shingles, J >= 0.7", {"shingle_ngram": 1, "threshold": 0.7}),
                ("unigram shingles, J >= 0.8", {"shingle_ngram": 1, "threshold": 0.8}),
                ("8-gram (min_ngram 8)", {"ngram": 8}),
            ]:
                if args.only not in label:
                    continue
                r2, s2 = run_once(df, sets, Path(tmp), **params)
                t2, _, f2, _ = score(r2, labels, prompts, planted_text)
                cells = []
                for kind in KINDS:
                    n = sum(v[0] for (nm, k), v in t2.items() if k == kind)
                    h = sum(v[1] for (nm, k), v in t2.items() if k == kind)
                    cells.append(pct(h, n))
                print(f"| {label} | " + " | ".join(cells) + f" | {len(f2)} ({pct(len(f2), len(clean))}) | {s2:.1f} |")
                sweep_false[label] = f2
            for label, f2 in sweep_false.items():
                for r, d in sorted(f2):
                    u = next((m["content"] for m in all_msgs[r] if m["role"] == "user"), "")
                    print(f"- {label}: `{r}`: {d}\n    user: {u[:160]!r}")

        if args.rows:
            reps = -(-args.rows // df.height)
            big = pl.concat([df.with_columns(pl.col("id") + f"#{k}") for k in range(reps)]).head(args.rows)
            r3, s3 = run_once(big, sets, Path(tmp))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"\n## timing: {big.height:,} rows in {s3:.1f}s ({big.height / s3:,.0f} rows/s), "
                  f"{r3.counters['dropped.eval_contamination']:,} dropped; peak RSS {rss:,.0f} MB")


if __name__ == "__main__":
    main()
