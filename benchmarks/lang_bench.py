"""Language-ID benchmark on our labelled set (benchmarks/lang_labels/*.jsonl): accuracy and speed.

Run (offline, ~1 min on a loaded 2-core machine)::

    .venv/bin/python benchmarks/lang_bench.py                # all variants, Markdown to stdout
    .venv/bin/python benchmarks/lang_bench.py --only ensemble

Every text counts: ``und`` (undetermined) is wrong. texts/s is given by the wall clock and by
this process's CPU time (``time.process_time``): on the shared, loaded machine the second is the
fairer figure of what one process can do. Each text is run through the ``language``
stage as a one-turn ``user`` conversation (so texts/s is the stage's, preprocessing included),
except the two references that have no stage any more:

- ``old stage default``: the ``language`` stage as it was before issue 11 (version 1): seeded
  langdetect with the CJK script rule at 30 % Han, texts under 50 letters (10 if the script rule
  decides) and unfenced-code turns undetermined.
- ``fastText alone``: lid.176's top label on the stripped text, no rule.

``ensemble + conversation pooling`` is measured on the OpenAssistant messages that have a parent:
each becomes the conversation [parent, message], and the message's role is judged (pooling only
touches short, unsure verdicts). ``ensemble alone`` is shown on the same messages for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from curate.filters import langid  # noqa: E402
from curate.filters.text import code_density, count_letters, strip_for_langid  # noqa: E402
from curate.schema import make_frame  # noqa: E402
from curate.stage import Context  # noqa: E402
from curate.stages.language import Language  # noqa: E402

LABELS = Path(__file__).resolve().parent / "lang_labels"
SHORT = 50


def uptime() -> str:
    try:
        return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "load ?"


def load_labels() -> list[dict]:
    """The labelled set. Files derived from ../shared/data (research/testing licences) are not
    committed: they are rebuilt here, deterministically, by ``lang_labels/build.py`` when absent;
    only ``handwritten.jsonl`` (written for this set) lives in the repository."""
    if not (LABELS / "oasst.jsonl").is_file():
        import importlib.util

        spec = importlib.util.spec_from_file_location("lang_labels_build", LABELS / "build.py")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)
        build.main()
    rows = []
    for f in sorted(LABELS.glob("*.jsonl")):
        rows += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return rows


def old_stage(texts: list[str], seed: int = 0) -> list[str]:
    """The v1 ``language`` stage default on one-turn conversations (see module doc)."""
    out = []
    judged = []
    for t in texts:
        if code_density(t) > 0.05:
            out.append("")
            continue
        s = strip_for_langid(t, 500)
        n = count_letters(s)
        ok = n >= 50 or (n >= 10 and langid.script_guess(s, 0.3))
        out.append(s if ok else "")
    for s in out:
        if not s:
            judged.append(langid.UND)
        else:
            code = langid.script_guess(s, 0.3)
            judged.append(code or (langid.langdetect_probs(s, seed) or [(langid.UND, 0.0)])[0][0])
    return judged


def fasttext_alone(texts: list[str]) -> list[str]:
    stripped = [strip_for_langid(t, 500) for t in texts]
    return [top[0][0] if top else langid.UND for top in langid.fasttext_topk(stripped, 1)]


def stage_user(texts: list[str], **params) -> tuple[list[str], Counter]:
    frame = make_frame([{"id": str(i), "source": "labels", "messages": [{"role": "user", "content": t}]} for i, t in enumerate(texts)])
    res = Language(Language.Params(keep=[], roles=["user"], **params)).run(frame, Context(seed=0))
    return res.kept.sort(pl.col("id").cast(pl.Int64))["stat_lang_user"].to_list(), Counter(
        {k: v for k, v in res.counters.items() if k.startswith("by.")})


def score(name: str, rows: list[dict], preds: list[str], seconds: float | None, extra: str = "",
          cpu: float | None = None) -> dict:
    per = defaultdict(Counter)
    conf = Counter()
    short = Counter()
    for r, g in zip(rows, preds):
        ok = g == r["lang"]
        per[r["lang"]]["n"] += 1
        per[r["lang"]]["ok"] += ok
        if r["_short"]:
            short["n"] += 1
            short["ok"] += ok
        if not ok:
            conf[(r["lang"], g or "und")] += 1
    n = len(rows)
    ok = sum(c["ok"] for c in per.values())
    return {"name": name, "n": n, "acc": ok / n, "short_acc": short["ok"] / max(short["n"], 1),
            "short_n": short["n"], "und": sum(1 for g in preds if g in (None, langid.UND)),
            "tps": n / seconds if seconds else None, "cpu_tps": n / cpu if cpu else None,
            "per": per, "conf": conf, "extra": extra}


def report(results: list[dict], top_conf: int = 12) -> str:
    lines = [f"| variant | texts | accuracy (all; und = wrong) | short (< {SHORT} letters) | und "
             "| texts/s (wall) | texts/s (CPU time) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        tps = f"{r['tps']:,.0f}" if r["tps"] else "–"
        cps = f"{r['cpu_tps']:,.0f}" if r["cpu_tps"] else "–"
        lines.append(f"| {r['name']} | {r['n']:,} | {r['acc']:.4f} | {r['short_acc']:.4f} ({r['short_n']:,}) "
                     f"| {r['und']:,} | {tps} | {cps} |")
    langs = sorted({k for r in results for k in r["per"]}, key=lambda k: -results[0]["per"][k]["n"])
    lines += ["", "Per language (accuracy, n):", "",
              "| lang | n | " + " | ".join(r["name"] for r in results) + " |",
              "|---|---:|" + "---:|" * len(results)]
    for k in langs:
        n = max(r["per"][k]["n"] for r in results)
        if n < 5:
            continue
        cells = [f"{r['per'][k]['ok'] / r['per'][k]['n']:.3f}" if r["per"][k]["n"] else "–" for r in results]
        lines.append(f"| {k} | {n} | " + " | ".join(cells) + " |")
    lines += ["", "Top confusions (label → verdict: count):", ""]
    for r in results:
        lines.append(f"- {r['name']}: " + ", ".join(f"{a}→{b} {c}" for (a, b), c in r["conf"].most_common(top_conf))
                     + (f" ({r['extra']})" if r["extra"] else ""))
    return "\n".join(lines)


def pooling_rows(rows: list[dict]) -> list[tuple[dict, list[dict], str]]:
    """OpenAssistant labelled messages with a parent, as (row, conversation, role)."""
    data = ROOT.parent / "shared" / "data"
    by_id: dict[str, dict] = {}
    parent: dict[str, str] = {}

    def walk(m):
        by_id[m["message_id"]] = m
        for r in m.get("replies") or []:
            parent[r["message_id"]] = m["message_id"]
            walk(r)

    for name in ["oasst2_filtered_openpaws.jsonl", "oasst_en_100_message.jsonl"]:
        for line in (data / name).read_text().splitlines():
            d = json.loads(line)
            walk(d.get("prompt", d))
    for line in (data / "oasst1_en_validation.jsonl").read_text().splitlines():
        d = json.loads(line)
        by_id[d["message_id"]] = d
        if d.get("parent_id"):
            parent[d["message_id"]] = d["parent_id"]
    role = {"prompter": "user", "assistant": "assistant"}
    out = []
    prefix = {m_id[:8]: m_id for m_id in by_id}
    for r in rows:
        if not r["origin"].startswith("oasst") or ".s" in r["origin"].split("#")[1]:
            continue
        mid = prefix.get(r["origin"].split("#")[1])
        if not mid or mid not in parent or parent[mid] not in by_id:
            continue
        m, pm = by_id[mid], by_id[parent[mid]]
        conv = [{"role": role[pm["role"]], "content": pm["text"]}, {"role": role[m["role"]], "content": m["text"]}]
        out.append((r, conv, role[m["role"]]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=None, help="run one part: old|fasttext|ensemble (with the 17 %% mix)|"
                    "ablation (other stage backends)|pooling; default: all")
    args = ap.parse_args()
    rows = load_labels()
    for r in rows:
        r["_short"] = count_letters(strip_for_langid(r["text"], 500)) < SHORT
    texts = [r["text"] for r in rows]
    print(f"{len(rows):,} labelled texts ({sum(r['_short'] for r in rows):,} short), "
          f"{len(set(r['lang'] for r in rows))} languages; {uptime()} at start, {os.cpu_count()} CPUs", file=sys.stderr)
    stage_user(["warm up fastText and langdetect with a sentence."])  # fastText's model and the stage's imports
    langid.langdetect_probs("bonjour")  # langdetect's 55 profiles (~0.4 s once per process; the sentence above never asks it)
    results = []
    want = lambda k: args.only in (None, k)  # noqa: E731
    if want("old"):
        t0, c0 = time.perf_counter(), time.process_time()
        preds = old_stage(texts)
        results.append(score("old stage default (langdetect + script rule, v1)", rows, preds, time.perf_counter() - t0,
                             cpu=time.process_time() - c0))
    if want("fasttext"):
        t0, c0 = time.perf_counter(), time.process_time()
        preds = fasttext_alone(texts)
        results.append(score("fastText lid.176 alone (stripped text)", rows, preds, time.perf_counter() - t0,
                             cpu=time.process_time() - c0))
    variants = [("ensemble (stage default)", {})]
    if want("ensemble"):
        # the blind set's share of short texts (17 %, issue 11): every long text, a seeded sample of short ones
        import random

        longs = [i for i, r in enumerate(rows) if not r["_short"]]
        shorts = [i for i, r in enumerate(rows) if r["_short"]]
        pick = sorted(longs + random.Random(0).sample(shorts, round(len(longs) * 17 / 83)))
        sub = [rows[i] for i in pick]
        t0, c0 = time.perf_counter(), time.process_time()
        preds, by = stage_user([r["text"] for r in sub])
        mix = score("ensemble on a 17 %-short mix (blind set's share)", sub, preds, time.perf_counter() - t0,
                    "decided by " + ", ".join(f"{k[8:]} {v}" for k, v in by.most_common()), cpu=time.process_time() - c0)
    if want("ablation"):
        variants = [("stage backend=langdetect (+ script rule)", {"backend": "langdetect"}),
                    ("stage backend=fasttext (+ script rule)", {"backend": "fasttext"}),
                    ("ensemble without the prior/langdetect step (tie_prob=0)", {"tie_prob": 0.0})] + variants
    if want("ensemble") or want("ablation"):
        for name, params in variants:
            t0, c0 = time.perf_counter(), time.process_time()
            preds, by = stage_user(texts, **params)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            results.append(score(name, rows, preds, dt, "decided by " + ", ".join(f"{k[8:]} {v}" for k, v in by.most_common()),
                                 cpu=dc))
    print(f"## On all {len(rows):,} labelled texts ({uptime()} at end)\n")
    print(report(results))
    if want("ensemble"):
        print(f"\n## A subset with the blind set's share of short texts: {mix['n']:,} texts ({mix['short_n']:,} short)\n")
        print(report([mix]))
    if want("pooling"):
        pr = pooling_rows(rows)
        sub = [r for r, _, _ in pr]
        out = []
        for name, pool in [("ensemble alone (pool_below_letters=0)", 0), ("ensemble + conversation pooling", 50)]:
            frame = make_frame([{"id": str(i), "source": "oasst", "messages": conv} for i, (_, conv, _) in enumerate(pr)])
            t0, c0 = time.perf_counter(), time.process_time()
            res = Language(Language.Params(keep=[], pool_below_letters=pool)).run(frame, Context(seed=0))
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            kept = res.kept.sort(pl.col("id").cast(pl.Int64))
            preds = [kept[f"stat_lang_{role}"][i] for i, (_, _, role) in enumerate(pr)]
            pooled = res.counters.get("pooled.user", 0) + res.counters.get("pooled.assistant", 0)
            out.append(score(name, sub, preds, dt / 2, f"pooled {pooled} role texts", cpu=dc / 2))
        print(f"\n## Conversation pooling: {len(sub):,} OpenAssistant messages judged inside [parent, message] "
              f"({sum(r['_short'] for r in sub):,} short; texts/s counts 2 turns per row)\n")
        print(report(out))


if __name__ == "__main__":
    main()
