"""The ``language`` stage on short chat texts (``benchmarks/lang_labels/chat/``): accuracy per set and language.

Each set is judged twice through the real stage (one ``user`` turn per text, ``keep: []``, the
default ensemble): ``alone`` (a batch of that set only, shuffled with seed 0) and ``mixed`` (the set
inside the 8,909 texts of ``lang_labels/*.jsonl``, whose languages then set the batch prior, as in a
dump where chat texts are a minority; the labelled set's own accuracy in that batch is printed too).
Every text counts; ``und`` is wrong. ``--lexicon-weight 0`` scores without the chat word lists
(``curate.filters.langid.LATIN_WORDS``; the Ukrainian/Bulgarian word rule stays).

Run (about 10 s)::

    .venv/bin/python benchmarks/lang_chat_bench.py [--show]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import lang_bench as LB  # noqa: E402

CHAT = ROOT / "benchmarks" / "lang_labels" / "chat"


def main() -> None:
    from curate.filters import langid

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--show", action="store_true", help="print every wrong verdict of the 'alone' runs")
    ap.add_argument("--lexicon-weight", type=float, default=None, help="detect_ensemble's lexicon_weight (default: its own)")
    a = ap.parse_args()
    if a.lexicon_weight is not None:
        orig = langid.detect_ensemble
        langid.detect_ensemble = lambda *x, **k: orig(*x, **{**k, "lexicon_weight": a.lexicon_weight})
    labelled = LB.load_labels()
    print(f"# {LB.uptime()}")
    print("| set | batch | accuracy | per language | labelled set in the batch |\n|---|---|---|---|---|")
    for f in sorted(CHAT.glob("*.jsonl")):
        rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
        for mode in ("alone", "mixed"):
            batch = rows if mode == "alone" else rows + labelled
            order = list(range(len(batch)))
            random.Random(0).shuffle(order)
            preds, _ = LB.stage_user([batch[i]["text"] for i in order])
            pred = dict(zip(order, preds))
            per: dict[str, Counter] = defaultdict(Counter)
            for i, r in enumerate(rows):
                per[r["lang"]]["n"] += 1
                per[r["lang"]]["ok"] += pred[i] == r["lang"]
            ok = sum(c["ok"] for c in per.values())
            other = ""
            if mode == "mixed":
                ok2 = sum(pred[len(rows) + j] == r["lang"] for j, r in enumerate(labelled))
                other = f"{ok2:,}/{len(labelled):,} = {ok2 / len(labelled):.4f}"
            print(f"| {f.stem} | {mode} | {ok}/{len(rows)} = {ok / len(rows):.3f} | "
                  + " ".join(f"{k} {v['ok']}/{v['n']}" for k, v in per.items()) + f" | {other} |")
            if a.show and mode == "alone":
                for i, r in enumerate(rows):
                    if pred[i] != r["lang"]:
                        print(f"    {r['lang']} -> {pred[i]} | {r['text']}", file=sys.stderr)


if __name__ == "__main__":
    main()
