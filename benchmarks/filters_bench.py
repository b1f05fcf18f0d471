"""Benchmarks for the filter block (``clean_text`` → ``redact_pii`` → ``language`` → ``quality``).

Reproduces every figure in the filters report::

    .venv/bin/python benchmarks/filters_bench.py lang        # language accuracy per language + turns/s
    .venv/bin/python benchmarks/filters_bench.py refusal     # refusal_boilerplate precision/recall on hand labels
    .venv/bin/python benchmarks/filters_bench.py block       # throughput of the whole block over /work/shared/data
    .venv/bin/python benchmarks/filters_bench.py all

Options: ``--data DIR`` (default /work/shared/data), ``--lingua`` (also run lingua in ``lang``),
``--max-chars N`` (``lang``), ``--repeat N`` (block runs, default 1). Every timing line carries the ``uptime`` load averages,
because the machine is shared.

Data is read with ``curate.readers``. In the refusal benchmark, row ids are
``<file name>#<record index>``: what ``benchmarks/refusal_labels.jsonl`` refers to.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path("/work/shared/data")
LABELS = Path(__file__).with_name("refusal_labels.jsonl")

def load_file(path: Path) -> list[dict]:
    """Canonical rows of one shared-data file via ``curate.readers.read_file``, with ids
    ``<file name>#<record index>`` (what ``benchmarks/refusal_labels.jsonl`` refers to; oasst flat
    message files: one row per tree, indexed in root order)."""
    from curate.readers import read_file, source_name

    rows = read_file(path, source_name(path)).rows
    for r in rows:
        r["id"] = r["id"].rsplit("/", 1)[1]
    return rows


def load_frame(data: Path = DATA):
    """Every file of ``data`` as one canonical frame (``curate.readers.read_paths``)."""
    from curate.readers import read_paths
    from curate.schema import make_frame

    return make_frame(read_paths([data]).rows)


def uptime() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- language accuracy

def load_records(path: Path) -> list:
    """The raw JSON records of a file (``curate.readers.containers.load``; unparseable ones skipped:
    labels need parsed records)."""
    from curate.readers.containers import load

    return [r.value for r in load(path).records if r.error is None]


def labelled_texts(data: Path = DATA) -> list[tuple[str, str, str, str]]:
    """(label, role, text, file) for every message with a language label in the shared data
    (all messages of every oasst tree, not only the best-ranked path the reader keeps)."""
    from curate.readers.formats import ROLE_MAP

    out = []

    def walk(node, fname):
        out.append((node.get("lang"), ROLE_MAP.get(node.get("role"), "user"), node.get("text") or "", fname))
        for r in node.get("replies") or []:
            walk(r, fname)

    for fname in ("oasst1_en_validation.jsonl",):
        for r in load_records(data / fname):
            out.append((r["lang"], ROLE_MAP.get(r["role"], "user"), r["text"] or "", fname))
    for fname in ("oasst2_filtered_openpaws.jsonl", "oasst_en_100_tree.jsonl"):
        seen = set()
        for r in load_records(data / fname):
            if r["message_tree_id"] in seen:
                continue
            seen.add(r["message_tree_id"])
            walk(r["prompt"], fname)
    for r in load_records(data / "sharegpt92k_sample_part_a.jsonl"):
        for m in r["conversations"]:
            if m.get("language"):
                out.append((m["language"], ROLE_MAP.get(m["from"], "user"), m["value"] or "", "sharegpt92k_sample_part_a.jsonl"))
    for r in load_records(data / "medicalgpt_sharegpt_zh_1K.json"):
        for m in r["conversations"]:
            out.append((r.get("lang") or "zh", ROLE_MAP.get(m["from"], "user"), m["value"] or "", "medicalgpt_sharegpt_zh_1K.json"))
    from curate.filters.langid import normalize_code

    return [(normalize_code(lab), role, text, f) for lab, role, text, f in out if lab]


def bench_lang(data: Path, lingua: bool, max_chars: int | None = None) -> None:
    """Accuracy per labelled language and texts/s, with the ``language`` stage's preprocessing
    (strip, ``max_chars``, ``min_letters``/``min_letters_cjk``, unfenced-code skip) per message."""
    from curate.filters import langid
    from curate.filters.text import code_density, count_letters, strip_for_langid
    from curate.stages.language import Language

    P = Language.Params()
    mc = max_chars or P.max_chars
    items = labelled_texts(data)

    def prep(cjk_rule: bool) -> list[str]:
        out = []
        for _, _, t, _ in items:
            if code_density(t) > P.max_code_density:
                out.append("")
                continue
            s = strip_for_langid(t, mc)
            n = count_letters(s)
            ok = n >= P.min_letters or (cjk_rule and n >= P.min_letters_cjk and langid.script_guess(s))
            out.append(s if ok else "")
        return out

    print(f"labelled messages: {len(items)} (max_chars={mc}, min_letters={P.min_letters}, "
          f"min_letters_cjk={P.min_letters_cjk}, max_code_density={P.max_code_density})")
    backends = [
        ("langdetect+cjk_script (default)", True, lambda ts: langid.detect_langdetect(ts)),
        ("langdetect, no cjk_script", False, lambda ts: langid.detect_langdetect(ts, cjk_script=False)),
    ]
    if lingua:
        backends += [
            ("lingua(all,high)", False, lambda ts: langid.detect_lingua(ts)),
            ("lingua(all,low)", False, lambda ts: langid.detect_lingua(ts, None, True)),
        ]
    for name, cjk_rule, fn in backends:
        judged = prep(cjk_rule)
        fn(["warm up the detector with a sentence in English, please."])
        t0 = time.perf_counter()
        preds = fn(judged)
        dt = time.perf_counter() - t0
        n_judged = sum(1 for t in judged if t)
        print(f"\n[{name}] {n_judged} judged texts in {dt:.1f} s = {n_judged / dt:.0f} texts/s ({uptime()})")
        per = defaultdict(Counter)
        per_file = defaultdict(Counter)
        for (lab, role, _, f), t, (code, prob) in zip(items, judged, preds):
            if not t:
                per[lab]["und"] += 1
                continue
            ok = code == lab
            per[lab]["n"] += 1
            per[lab]["ok"] += ok
            per[lab]["ok65"] += ok and prob >= 0.65
            per[lab]["wrong_confident"] += (not ok) and prob >= 0.65
            per_file[f]["n"] += 1
            per_file[f]["ok"] += ok
        tot = sum(c["n"] for c in per.values())
        okt = sum(c["ok"] for c in per.values())
        print(f"overall accuracy {okt}/{tot} = {okt / tot:.3f}; not judged (und) {sum(c['und'] for c in per.values())}")
        print("lang   n_judged  acc    acc@p>=0.65  wrong@p>=0.65  und")
        for lab, c in sorted(per.items(), key=lambda kv: -kv[1]["n"]):
            if c["n"] >= 5:
                print(f"{lab:6} {c['n']:8}  {c['ok'] / c['n']:.3f}  {c['ok65'] / c['n']:.3f}        "
                      f"{c['wrong_confident']:5}          {c['und']}")
        rest = {k: c for k, c in per.items() if c["n"] < 5}
        if rest:
            n = sum(c["n"] for c in rest.values())
            ok = sum(c["ok"] for c in rest.values())
            print(f"other ({len(rest)} langs with < 5 judged) n={n} acc={ok / max(n, 1):.3f}")
        for f, c in per_file.items():
            print(f"  {f}: acc {c['ok'] / c['n']:.3f} (n={c['n']})")


# ---------------------------------------------------------------- refusal precision / recall

def bench_refusal(data: Path) -> None:
    import polars as pl

    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality

    labels = [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]
    by_file = defaultdict(dict)
    for lab in labels:
        fname, idx = lab["id"].rsplit("#", 1)
        by_file[fname][int(idx)] = lab
    rows = []
    for fname, want in by_file.items():
        for r in load_file(data / fname):
            if int(r["id"].rsplit("#", 1)[1]) in want:
                rows.append(r)
    df = make_frame(rows)
    st = Quality(Quality.Params(drop=["refusal_boilerplate"]))
    out = st.compute_stats(df, Context())
    pred = dict(zip(out["id"].to_list(), (out["stat_refusal_turns"] > 0).to_list()))
    match = dict(zip(out["id"].to_list(), out["_refusal_match"].to_list()))
    for split in ("tune", "holdout", "all"):
        sel = [lab for lab in labels if split == "all" or lab.get("split", "tune") == split]
        tp = fp = fn = tn = 0
        errors = []
        for lab in sel:
            p, y = pred.get(lab["id"], False), bool(lab["refusal"])
            tp += p and y
            fp += p and not y
            fn += (not p) and y
            tn += (not p) and not y
            if p != y:
                errors.append((lab["id"], "FP" if p else "FN", repr(match.get(lab["id"])) if p else "", lab.get("note", "")))
        print(f"\n[{split}] refusal_boilerplate on {len(sel)} hand-labelled rows ({sum(bool(x['refusal']) for x in sel)} positive)")
        print(f"TP {tp} FP {fp} FN {fn} TN {tn}; precision {tp / max(tp + fp, 1):.3f} recall {tp / max(tp + fn, 1):.3f}")
        if split != "all":
            for e in errors:
                print("  ", *e)


# ---------------------------------------------------------------- whole block

def bench_block(data: Path, repeat: int) -> None:
    import polars as pl

    from curate.stage import Context
    from curate.stages.clean import CleanText, RedactPii
    from curate.stages.language import Language
    from curate.stages.quality import Quality

    t0 = time.perf_counter()
    df = load_frame(data)
    n_turns = int(df["messages"].list.len().sum())
    print(f"loaded {df.height} conversations, {n_turns} turns, "
          f"{df['messages'].list.eval(pl.element().struct.field('content').str.len_chars()).list.sum().sum() / 1e6:.1f} M chars "
          f"in {time.perf_counter() - t0:.1f} s")
    stages = [
        CleanText(),
        RedactPii(),
        Language(Language.Params(keep=[])),
        Quality(),
    ]
    for rep in range(repeat):
        cur = df
        total = 0.0
        print(f"\nrun {rep + 1} ({uptime()})")
        for st in stages:
            t = time.perf_counter()
            res = st.run(cur, Context())
            dt = time.perf_counter() - t
            total += dt
            drops = {k: v for k, v in res.counters.items() if k.startswith("dropped.") and v}
            print(f"  {st.name:12} {cur.height:6} -> {res.kept.height:6}  {dt:6.1f} s  {cur.height / dt:8.0f} conv/s  "
                  f"({uptime()}) {drops}")
            if st.name in ("clean_text", "redact_pii"):
                print("      ", {k: v for k, v in res.counters.items() if v})
            if st.name == "language":
                lang_counters = res.counters
            cur = res.kept
        print(f"  block total {total:.1f} s = {df.height / total:.0f} conv/s, {n_turns / total:.0f} turns/s")
    mix = {k: v for k, v in lang_counters.items() if k.startswith("lang.user.")}
    top = sorted(mix.items(), key=lambda kv: -kv[1])[:12]
    print("language mix (user):", ", ".join(f"{k[10:]}={v}" for k, v in top))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["lang", "refusal", "block", "all"])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--lingua", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--max-chars", type=int, default=None, help="lang: override the stage default")
    a = ap.parse_args()
    if a.what in ("lang", "all"):
        bench_lang(a.data, a.lingua, a.max_chars)
    if a.what in ("refusal", "all"):
        bench_refusal(a.data)
    if a.what in ("block", "all"):
        bench_block(a.data, a.repeat)


if __name__ == "__main__":
    main()
