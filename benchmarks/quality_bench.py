"""Recall and false drops of the ``quality`` stage on labelled answers, before and after issue 11.

Reproduces every figure in ``benchmarks/results/quality.md``::

    .venv/bin/python benchmarks/quality_bench.py refusal   # (a) benchmarks/refusal_labels.jsonl (tune / holdout)
    .venv/bin/python benchmarks/quality_bench.py trunc     # (b) good answers cut at natural points
    .venv/bin/python benchmarks/quality_bench.py labels    # (c) benchmarks/quality_labels.jsonl, halves by hash of the response
    .venv/bin/python benchmarks/quality_bench.py labels --split tune   # the half rules are developed on
    .venv/bin/python benchmarks/quality_bench.py speed     # conversations/s of before / after / after+ on 4 shared files
    .venv/bin/python benchmarks/quality_bench.py all
    options: --relevance (also run the embedding off_topic rule in `labels`), --show N (misses to print)
    .venv/bin/python benchmarks/quality_bench.py sets --save /tmp/after.json [--against /tmp/before.json]
                                                           # every label file at once, lima + the shipped model (below)

``sets`` scores every label file (``quality_labels*.jsonl`` and the writer sets ``quality_*_written.jsonl``, ``unsure`` left
out, ids made ``<file stem>:<id>``) as lima.yaml runs them: its ``quality`` entry, then the shipped ``quality_classifier`` on
what that keeps (``model_drops``). It prints caught/total per label for the dump rounds, the read writer sets, each unread
writer set (``train_quality_model.UNREAD_WRITTEN``) and their pool, saves every drop with ``--save`` (JSON: commit, load, drops,
rows), and with ``--against`` an earlier save prints old → new per group and each row that changed, except the rows of unread
sets: for those only counts, so a hold-out stays unread (the protocol of ``docs/labels.md``). About 3 minutes on 2 cores.

"Before" is the ``quality`` stage at commit ``BEFORE_REV`` (its quality.py and patterns.py read
with ``git show``), "after" is the working tree; both run with lima.yaml's ``drop:`` list
(``LIMA_DROP``); "after+" adds the rules this work proposes for lima.yaml (``PROPOSED_EXTRA``).
A labelled row counts as caught when the stage drops it for any reason; "own rule" counts only
drops by the rule for its label. Timing lines carry ``uptime``'s load (the machine is shared).

The truncation set (b) is built here, deterministically (seed 0), from answers of well-kept files
(LIMA, oasst, oasst-zh, ShareGPT-zh, Alpaca-zh): each answer the *after* stage keeps whole is cut at
one natural point of each kind it allows — ``list_item_end`` (after a full stop ending list item
k < n: an early stop), ``mid_item`` (inside a list item), ``mid_code`` (inside a fenced block),
``before_announced`` (right after a line ending on a colon), ``mid_sentence`` (at a word boundary
inside prose), ``sentence_end`` (after a full stop half-way through: an early stop no rule can see
without the prompt). The uncut originals are the negatives (false-drop rate).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DATA = Path("/work/shared/data")
REFUSAL_LABELS = ROOT / "benchmarks" / "refusal_labels.jsonl"
QUALITY_LABELS = ROOT / "benchmarks" / "quality_labels.jsonl"
BEFORE_REV = "b254e8c"
LIMA_DROP = ["length", "placeholder", "templated_identity", "refusal_boilerplate", "truncated_response",
             "markup_debris", "repetition"]
PROPOSED_EXTRA = ["degenerate", "language_mismatch"]
OWN_RULE = {"refusal": {"refusal_boilerplate"}, "truncated": {"truncated_response"},
            "repetitive": {"repetition", "degenerate"},
            "off_topic": {"off_topic", "language_mismatch", "degenerate", "non_answer"},
            "nonsense": {"degenerate", "off_topic", "language_mismatch", "non_answer"}}


def uptime() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def half(key: str) -> str:
    """``tune`` or ``holdout``, by the first byte of sha1(key): stable, independent of file order.

    For quality_labels.jsonl the key is the response text, so the 14 rows that repeat another
    row's answer land in the same half (docs/labels.md asks evaluations to group them)."""
    return "tune" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "holdout"


# ---------------------------------------------------------------- stages


def before_stage_class():
    """The ``Quality`` class of commit ``BEFORE_REV``, loaded from ``git show`` under private module names."""
    tmp = Path(tempfile.mkdtemp(prefix="quality_before_"))
    pat = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE_REV}:curate/filters/patterns.py"],
                         check=True, capture_output=True, text=True).stdout
    qual = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE_REV}:curate/stages/quality.py"],
                          check=True, capture_output=True, text=True).stdout
    (tmp / "_before_patterns.py").write_text(pat)
    qual = qual.replace("from curate.filters import patterns", "import _before_patterns as patterns")
    qual = qual.replace("@register\n", "")
    (tmp / "_before_quality.py").write_text(qual)
    sys.path.insert(0, str(tmp))
    spec = importlib.util.spec_from_file_location("_before_quality", tmp / "_before_quality.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["_before_quality"] = mod
    spec.loader.exec_module(mod)
    return mod.Quality


CACHE_DIR = Path(tempfile.gettempdir()) / "curatrain_quality_bench"


def drops(stage, df) -> dict[str, tuple[str, str]]:
    """``{id: (drop_reason, drop_detail)}`` of one stage run (embeddings cached under ``CACHE_DIR``)."""
    from curate.stage import Context

    res = stage.run(df, Context(cache_dir=CACHE_DIR))
    return dict(zip(res.rejected["id"].to_list(), zip(res.rejected["drop_reason"].to_list(),
                                                       res.rejected["drop_detail"].to_list())))


def pair_frame(rows: list[dict]):
    """Canonical frame of ``{id, prompt, response}`` pairs (one user turn, one assistant turn)."""
    from curate.schema import make_frame

    return make_frame([{"id": r["id"], "source": r.get("source", "bench"),
                        "messages": [{"role": "user", "content": r["prompt"]},
                                     {"role": "assistant", "content": r["response"]}]} for r in rows])


def lima_quality_params() -> dict:
    """The ``quality`` entry of pipelines/lima.yaml as it stands (every param, not only ``drop``)."""
    import yaml

    spec = yaml.safe_load((ROOT / "pipelines" / "lima.yaml").read_text())
    entry = next(s for s in spec["stages"] if s.get("stage") == "quality")
    return {k: v for k, v in entry.items() if k != "stage"}


def stages(extra: list[str] | None = None):
    """(name, stage): ``before`` (commit BEFORE_REV) and ``after`` (working tree) with the old lima
    ``drop:`` list, ``after+`` with it plus PROPOSED_EXTRA, and ``lima``: pipelines/lima.yaml's
    ``quality`` entry as it stands today (``extra`` rules added to every list but ``before``)."""
    from curate.stages.quality import Quality

    Before = before_stage_class()
    out = [("before", Before(Before.Params(drop=LIMA_DROP))), ("after", Quality(Quality.Params(drop=LIMA_DROP)))]
    out.append(("after+", Quality(Quality.Params(drop=LIMA_DROP + PROPOSED_EXTRA + (extra or [])))))
    lima = lima_quality_params()
    lima["drop"] = list(dict.fromkeys(list(lima.get("drop", [])) + (extra or [])))
    out.append(("lima", Quality(Quality.Params(**lima))))
    return out


# ---------------------------------------------------------------- (a) refusal labels


def bench_refusal(show: int) -> None:
    from filters_bench import load_file

    from curate.schema import make_frame

    labels = [json.loads(x) for x in REFUSAL_LABELS.read_text().splitlines() if x.strip()]
    want = defaultdict(set)
    for lab in labels:
        f, i = lab["id"].rsplit("#", 1)
        want[f].add(int(i))
    rows = [r for f, idx in want.items() for r in load_file(DATA / f) if int(r["id"].rsplit("#", 1)[1]) in idx]
    df = make_frame(rows)
    print(f"\n## (a) refusal_labels.jsonl: {len(labels)} rows, {sum(x['refusal'] for x in labels)} refusals ({uptime()})")
    for name, st in stages():
        t0 = time.perf_counter()
        d = drops(st, df)
        dt = time.perf_counter() - t0
        for split in ("tune", "holdout"):
            sel = [x for x in labels if x.get("split", "tune") == split]
            pos = [x for x in sel if x["refusal"]]
            neg = [x for x in sel if not x["refusal"]]
            tp = sum(d.get(x["id"], ("",))[0] == "refusal_boilerplate" for x in pos)
            fp = sum(d.get(x["id"], ("",))[0] == "refusal_boilerplate" for x in neg)
            print(f"{name:7s} {split:8s} refusal recall {tp}/{len(pos)} = {tp / len(pos):.3f}; non-refusals dropped as refusal "
                  f"{fp}/{len(neg)} = {fp / len(neg):.3f}  ({dt:.1f} s)")
            if name != "before" and show:
                for x in [x for x in pos if d.get(x["id"], ("",))[0] != "refusal_boilerplate"][:show]:
                    print("     miss", x["id"], x.get("note", ""))
                for x in [x for x in neg if d.get(x["id"], ("",))[0] == "refusal_boilerplate"][:show]:
                    print("     false", x["id"], d[x["id"]][1][:120], "|", x.get("note", ""))


# ---------------------------------------------------------------- (b) truncation set

TRUNC_SOURCES = ["llamafactory_lima.json", "oasst1_en_validation.jsonl", "oasst2_filtered_openpaws.jsonl",
                 "llamafactory_oaast_sft_zh.json", "medicalgpt_sharegpt_zh_1K.json", "llamafactory_alpaca_zh_demo.json",
                 "gpteacher_codegen_instruct.json"]
_ITEM = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-*•])\s+\S.*$")
_SENT_END = re.compile(r"[.!?。！？](?=\s|$)")


def cut_points(text: str, rng: random.Random) -> dict[str, str]:
    """``{kind: cut text}`` for the kinds of natural cut ``text`` allows (see module doc)."""
    out: dict[str, str] = {}
    items = list(_ITEM.finditer(text))
    if len(items) >= 3:
        ends = [m for m in items[:-1] if m.group(0).rstrip()[-1:] in ".。!?！？"]
        if ends:
            m = rng.choice(ends)
            out["list_item_end"] = text[:m.end()].rstrip()
        m = rng.choice(items)
        body = m.group(0)
        sp = [i.start() for i in re.finditer(r"\s", body.strip())]
        if len(sp) >= 4:
            k = sp[len(sp) // 2]
            out["mid_item"] = text[:m.start() + (len(body) - len(body.lstrip())) + k]  # inside the item, at a space
    fences = [m.start() for m in re.finditer("```", text)]
    if len(fences) >= 2:
        a, b = fences[0], fences[1]
        nl = [i for i in range(a, b) if text[i] == "\n"]
        if len(nl) >= 3:
            out["mid_code"] = text[:rng.choice(nl[1:-1])].rstrip()
    colon = [m.end() for m in re.finditer(r"[:：][ \t]*\n", text) if m.end() < len(text) - 40]
    if colon:
        out["before_announced"] = text[:rng.choice(colon)].rstrip()
    prose = [m.start() for m in re.finditer(r"(?<=[^\W\d_]) (?=[^\W\d_])", text)]
    if "```" not in text and len(prose) >= 10:
        out["mid_sentence"] = text[:rng.choice(prose[len(prose) // 3: -3])]
    sents = [m.end() for m in _SENT_END.finditer(text) if len(text) * 0.3 < m.end() < len(text) * 0.8]
    if sents and "```" not in text:
        out["sentence_end"] = text[:rng.choice(sents)]
    return out


def truncation_set(per_file: int = 60, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(positives, negatives): cut answers ``{id, prompt, response, kind}`` and their uncut originals."""
    from filters_bench import load_file

    from curate.stages.quality import Quality

    rng = random.Random(seed)
    originals = []
    for f in TRUNC_SOURCES:
        rows = [r for r in load_file(DATA / f) if len(r["messages"]) >= 2 and r["messages"][0]["role"] == "user"
                and r["messages"][1]["role"] == "assistant" and len(r["messages"][1]["content"]) >= 150]
        rng.shuffle(rows)
        originals += [{"id": r["id"], "source": f, "prompt": r["messages"][0]["content"],
                       "response": r["messages"][1]["content"]} for r in rows[:per_file]]
    # keep originals no rule of the after stage flags (so a cut is the only defect)
    d = drops(Quality(Quality.Params(drop=LIMA_DROP)), pair_frame(originals))
    clean = [o for o in originals if o["id"] not in d]
    pos = []
    for o in clean:
        for kind, cut in cut_points(o["response"], rng).items():
            if cut.strip() and len(cut) < len(o["response"]) - 5:
                pos.append({**o, "id": f"{o['id']}~{kind}", "response": cut, "kind": kind})
    return pos, originals


def bench_trunc(show: int) -> None:
    pos, neg = truncation_set()
    df_pos, df_neg = pair_frame(pos), pair_frame(neg)
    kinds = Counter(p["kind"] for p in pos)
    print(f"\n## (b) truncation set: {len(pos)} cut answers {dict(sorted(kinds.items()))}, {len(neg)} uncut originals "
          f"from {len(TRUNC_SOURCES)} files ({uptime()})")
    for name, st in stages():
        dp, dn = drops(st, df_pos), drops(st, df_neg)
        by_kind = Counter(p["kind"] for p in pos if dp.get(p["id"], ("",))[0] == "truncated_response")
        sub = Counter(dp[p["id"]][1].split(":")[0] for p in pos if dp.get(p["id"], ("",))[0] == "truncated_response")
        tot = sum(by_kind.values())
        per = ", ".join(f"{k} {by_kind[k]}/{n}" for k, n in sorted(kinds.items()))
        fd = sum(1 for o in neg if o["id"] in dn)
        fdt = sum(1 for o in neg if dn.get(o["id"], ("",))[0] == "truncated_response")
        print(f"{name:7s} truncated_response recall {tot}/{len(pos)} = {tot / len(pos):.3f} [{per}]")
        print(f"{'':7s} originals dropped: any rule {fd}/{len(neg)} = {fd / len(neg):.3f}, as truncated {fdt}/{len(neg)}"
              f"; sub-reasons {dict(sub.most_common())}")
        if name == "after" and show:
            for p in [p for p in pos if dp.get(p["id"], ("",))[0] != "truncated_response"][:show]:
                print("     miss", p["kind"], p["id"], repr(p["response"][-80:]))
            for o in [o for o in neg if dn.get(o["id"], ("",))[0] == "truncated_response"][:show]:
                print("     false", o["id"], dn[o["id"]][1][:100], repr(o["response"][-60:]))


# ---------------------------------------------------------------- (c) quality_labels.jsonl


def model_drops(st, df) -> dict[str, tuple[str, str]]:
    """``drops`` of the quality stage ``st``, then of ``quality_classifier`` with the shipped model
    (``pretrained: builtin``: main model and refusal head) on the rows it keeps, as lima.yaml runs
    them (there after diversity_select)."""
    from curate.stage import Context
    from curate.stages.quality_classifier import QualityClassifier

    ctx = Context(seed=13, cache_dir=CACHE_DIR)
    res = st.run(df, ctx)
    out = {i: (r, dt) for i, r, dt in res.rejected.select("id", "drop_reason", "drop_detail").iter_rows()}
    qc = QualityClassifier(QualityClassifier.Params(pretrained="builtin")).run(res.kept, ctx)
    out.update({i: (r, dt) for i, r, dt in qc.rejected.select("id", "drop_reason", "drop_detail").iter_rows()})
    return out


def bench_labels(show: int, relevance: bool, splits: tuple[str, ...] = ("tune", "holdout"),
                 path: Path = QUALITY_LABELS, model: bool = False) -> None:
    """Recall per label and good rows dropped, per split (``all``: every row), for each stage of
    ``stages()`` (with ``model``, also lima's quality entry followed by the shipped
    ``quality_classifier``: line ``+model``). Misses are printed (``show``) for any split of
    quality_labels.jsonl, never for a blind file (``*fresh*``: it is scored once, unread)."""
    if not path.exists():
        print(f"\n## (c) {path.name}: not present yet")
        return
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    blind = "fresh" in path.name
    print(f"\n## (c) {path.name}: {len(rows)} rows {dict(Counter(r['label'] for r in rows))} ({uptime()})")
    sts = stages(["off_topic"] if relevance else None)
    if model:
        sts = sts + [("+model", dict(sts)["lima"])]
    for split in splits:
        sel = rows if split == "all" else [r for r in rows if half(r["response"]) == split]
        print(f"\n[{split}] {len(sel)} rows {dict(sorted(Counter(r['label'] for r in sel).items()))}")
        for name, st in sts:
            t0 = time.perf_counter()
            d = model_drops(st, pair_frame(sel)) if name == "+model" else drops(st, pair_frame(sel))
            dt = time.perf_counter() - t0
            parts = []
            for lab in ("refusal", "truncated", "off_topic", "nonsense", "repetitive"):
                lr = [r for r in sel if r["label"] == lab]
                if not lr:
                    continue
                anyd = sum(r["id"] in d for r in lr)
                own = sum(d.get(r["id"], ("",))[0] in OWN_RULE[lab] for r in lr)
                parts.append(f"{lab} {anyd}/{len(lr)} (own {own})")
            good = [r for r in sel if r["label"] == "good"]
            gd = [r for r in good if r["id"] in d]
            print(f"{name:7s} caught: {'; '.join(parts)}; good dropped {len(gd)}/{len(good)} = "
                  f"{len(gd) / max(len(good), 1):.3f} {dict(Counter(d[r['id']][0] for r in gd))} ({dt:.1f} s)")
            if name == "lima" and show and not blind:
                for r in [r for r in sel if r["label"] not in ("good", "unsure") and r["id"] not in d][:show]:
                    print("     miss", r["label"], r["id"], repr(r["response"][:100]), "|", r.get("note", "")[:80])
                for r in gd[:show]:
                    print("     false", r["id"], d[r["id"]][0], d[r["id"]][1][:100])


# ---------------------------------------------------------------- every label file at once

LABEL_CLASSES = ("refusal", "truncated", "off_topic", "nonsense", "repetitive", "good")


def label_rows() -> list[dict]:
    """Every labelled row of the label files (dump rounds, then the writer sets), ``unsure`` left out, ``id`` made unique
    as ``<file stem>:<id>``."""
    files = [QUALITY_LABELS] + sorted(ROOT.glob("benchmarks/quality_labels_fresh*.jsonl")) \
        + sorted(ROOT.glob("benchmarks/quality_*_written.jsonl"))
    rows = []
    for f in files:
        for line in f.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                if r["label"] != "unsure":
                    rows.append({**r, "id": f"{f.stem}:{r['id']}"})
    return rows


def _groups(rows: dict[str, tuple[str, str]], unread: set[str]) -> dict[str, set[str]]:
    """Row keys by report group: dump rounds, read writer sets, each unread writer set and the unread pool."""
    out: dict[str, set[str]] = defaultdict(set)
    for k, (_, src) in rows.items():
        if "written" not in k.split(":", 1)[0]:
            out["dump rounds"].add(k)
        elif src in unread:
            out[f"unread {src}"].add(k)
            out["unread, pooled"].add(k)
        else:
            out["writer sets, read"].add(k)
    return dict(sorted(out.items(), key=lambda kv: (kv[0].startswith("unread"), kv[0])))


def _caught(keys: set[str], rows: dict, drops: dict) -> str:
    n, c = Counter(), Counter()
    for k in keys:
        n[rows[k][0]] += 1
        c[rows[k][0]] += k in drops
    return "; ".join(f"{lab} {c[lab]}/{n[lab]}" for lab in LABEL_CLASSES if n[lab])


def bench_sets(save: Path | None, against: Path | None) -> None:
    """``sets``: see the module doc."""
    from train_quality_model import UNREAD_WRITTEN

    rows = label_rows()
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True).stdout.strip())
    load = uptime()
    print(f"\n## sets: {len(rows)} rows of the label files at {rev}{' (working tree)' if dirty else ''} ({load})")
    t0 = time.perf_counter()
    from curate.stages.quality import Quality

    d = model_drops(Quality(Quality.Params(**lima_quality_params())), pair_frame(rows))
    meta = {k["id"]: (k["label"], k.get("source", "")) for k in rows}
    print(f"scored in {time.perf_counter() - t0:.0f} s")
    groups = _groups(meta, set(UNREAD_WRITTEN))
    old = json.loads(against.read_text()) if against else None
    for name, keys in groups.items():
        if old:
            common = {k for k in keys if k in old["rows"]}
            print(f"{name:28s} {old['commit']}: {_caught(common, meta, old['drops'])}")
            print(f"{'':28s} now: {_caught(common, meta, d)}" + (f" (+{len(keys - common)} rows new since)" if keys - common else ""))
        else:
            print(f"{name:28s} {_caught(keys, meta, d)}")
    if old:
        hidden = {k for k, (_, src) in meta.items() if src in UNREAD_WRITTEN}
        for k in sorted(meta):
            if k in hidden or k not in old["rows"] or (k in d) == (k in old["drops"]):
                continue
            sign, detail = ("+", d[k]) if k in d else ("-", old["drops"][k])
            print(f"  {sign} {meta[k][0]:10s} {k}  {detail[0]}: {detail[1][:110]}")
    if save:
        save.write_text(json.dumps({"commit": rev + ("+" if dirty else ""), "load": load,
                                    "drops": {k: list(v) for k, v in d.items()},
                                    "rows": {k: list(v) for k, v in meta.items()}}, ensure_ascii=False))
        print(f"saved {len(d)} drops → {save}")


# ---------------------------------------------------------------- speed

SPEED_FILES = ["sharegpt92k_sample_part_a.jsonl", "carbonz0_zh-data-part-00.json", "oasst2_filtered_openpaws.jsonl",
               "hh_rlhf_harmless_base_test.jsonl.gz"]


def bench_speed() -> None:
    from filters_bench import load_file

    from curate.schema import make_frame

    df = make_frame([r for f in SPEED_FILES for r in load_file(DATA / f) if r["messages"]])
    print(f"\n## speed: {df.height} conversations from {', '.join(SPEED_FILES)} ({uptime()})")
    for name, st in stages():
        t0 = time.perf_counter()
        d = drops(st, df)
        dt = time.perf_counter() - t0
        print(f"{name:7s} {dt:6.1f} s = {df.height / dt:,.0f} conversations/s, {len(d)} dropped ({uptime()})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["refusal", "trunc", "labels", "sets", "speed", "all"])
    ap.add_argument("--show", type=int, default=0, help="print up to N misses / false drops per split")
    ap.add_argument("--relevance", action="store_true", help="also run the off_topic embedding rule in `labels`")
    ap.add_argument("--split", choices=["tune", "holdout", "both", "all"], default="both",
                    help="halves of the labels to score in `labels` (all: every row as one set)")
    ap.add_argument("--labels", type=Path, default=QUALITY_LABELS,
                    help="labels file for `labels` (e.g. benchmarks/quality_labels_fresh.jsonl, the blind hold-out)")
    ap.add_argument("--model", action="store_true",
                    help="`labels`: also lima's rules followed by the shipped quality_classifier (line +model)")
    ap.add_argument("--save", type=Path, help="`sets`: write every drop, with the rows' labels and sources, to this JSON file")
    ap.add_argument("--against", type=Path, help="`sets`: an earlier --save file to compare with (unread sets: counts only)")
    a = ap.parse_args()
    if a.what == "sets":
        bench_sets(a.save, a.against)
        return
    if a.what in ("refusal", "all"):
        bench_refusal(a.show)
    if a.what in ("trunc", "all"):
        bench_trunc(a.show)
    if a.what in ("labels", "all"):
        bench_labels(a.show, a.relevance, ("tune", "holdout") if a.split == "both" else (a.split,), a.labels, a.model)
    if a.what in ("speed", "all"):
        bench_speed()


if __name__ == "__main__":
    main()
