"""Off-topic and nonsense answers made on purpose: how many does lima.yaml's filtering catch?

Our hand labels hold about 1 % off-topic or nonsense answers, too few to measure those rules. This
bench makes them from real pairs the way weak models and broken pipelines do, on the sources the
pair encoder's held-out check leaves out (``train_pair_encoder.HELD``: LIMA, OpenAssistant, ShareGPT,
BELLE, the LLaMA-Factory demos ...; not hh-rlhf, whose chosen answers are often deflections, nor the
tool-call demos; every prompt of the label files left out), per language (en, zh), ``--n`` prompts
each:

- ``clean``: the pair as it is (2n; dropped = false drops);
- ``swap``: the answer of another prompt of the same language and sources;
- ``near_swap``: the answer of the most similar other prompt (cosine of the pair encoder's idf-weighted
  token vectors, ``pair_encoder.featurize``; the lexical hard negatives of DPR, Karpukhin et al. 2020)
  below ``NEAR_MAX`` [0.6], above which two prompts often ask the same thing: "总结美国宪法修正程序" gets
  the answer to "总结最近的美国总统选举", the sibling-subject answer a weak model gives;
- ``echo``: the prompt itself as the answer;
- ``new_instruction``: another prompt as the answer (the model wrote a new task instead of answering);
- ``other_lang``: an answer from the other language;
- ``salad``: the answer's words (Chinese: characters) shuffled;
- ``continuation``: the answer, then an Alpaca "### Instruction:" block with the next example.

Scored as lima.yaml runs them: the ``quality`` entry (rules), then ``quality_classifier`` with
``--model`` (default the shipped ``builtin``; main model and refusal head) on the rows it keeps.

Run (about 30 s)::

    .venv/bin/python benchmarks/corruption_bench.py [--n 120] [--model path/to/quality_lr.npz]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from quality_bench import CACHE_DIR, lima_quality_params, pair_frame, uptime  # noqa: E402
from train_pair_encoder import HELD, labelled_prompts  # noqa: E402

#: the sources pairs are drawn from
SOURCES = tuple(s for s in HELD if s != "hh_rlhf_harmless_base_test" and "toolcall" not in s)
#: prompt similarity at or above which a neighbour's answer may well answer the prompt too (``near_swap``)
NEAR_MAX = 0.6
KINDS = ("clean", "swap", "near_swap", "echo", "new_instruction", "other_lang", "salad", "continuation")


def corrupted(n: int, seed: int = 7) -> list[dict]:
    """Rows ``{id, kind, lang, prompt, response}`` as described above."""
    import make_quality_sample as mqs

    lab = labelled_prompts()
    rng = random.Random(seed)
    base = {lg: [r for r in mqs.pairs() if r["lang"] == lg and r["source"] in SOURCES and r["prompt"].strip() not in lab
                 and "random" in r["flags"] and 15 <= len(r["response"]) <= 2500] for lg in ("en", "zh")}
    for lg in base:
        rng.shuffle(base[lg])
        if len(base[lg]) < 5 * n:
            raise SystemExit(f"only {len(base[lg])} {lg} pairs for --n {n} (need {5 * n})")
    rows: list[dict] = []

    def add(kind: str, lg: str, r: dict, resp: str) -> None:
        rows.append({"id": f"{kind}:{lg}:{len(rows)}", "kind": kind, "lang": lg, "prompt": r["prompt"], "response": resp})

    from curate.filters.pair_encoder import featurize

    for lg in ("en", "zh"):
        B, other = base[lg], base["zh" if lg == "en" else "en"]
        X = featurize([r["prompt"] for r in B])
        S = (X[:n] @ X.T).toarray()
        S[np.arange(n), np.arange(n)] = -1.0
        S[S >= NEAR_MAX] = -1.0
        for i in range(n):
            r = B[i]
            add("clean", lg, r, r["response"])
            add("clean", lg, B[n + i], B[n + i]["response"])
            add("swap", lg, r, B[2 * n + i]["response"])
            near = next(j for j in np.argsort(-S[i], kind="stable") if B[j]["response"] != r["response"])
            add("near_swap", lg, r, B[near]["response"])
            add("echo", lg, r, r["prompt"])
            add("new_instruction", lg, r, B[3 * n + i]["prompt"])
            add("other_lang", lg, r, other[i]["response"])
            units = list(r["response"]) if lg == "zh" else r["response"].split()
            rng.shuffle(units)
            add("salad", lg, r, ("" if lg == "zh" else " ").join(units))
            nxt = B[4 * n + i]
            add("continuation", lg, r, f"{r['response']}\n\n### Instruction:\n{nxt['prompt']}\n\n### Response:\n{nxt['response'][:300]}")
    return rows


def main() -> None:
    from curate.stage import Context
    from curate.stages.quality import Quality
    from curate.stages.quality_classifier import QualityClassifier

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=120, help="prompts per language")
    ap.add_argument("--model", default="builtin", help="quality_classifier pretrained model")
    a = ap.parse_args()
    t0 = time.perf_counter()
    rows = corrupted(a.n)
    ctx = Context(seed=13, cache_dir=CACHE_DIR)
    res = Quality(Quality.Params(**lima_quality_params())).run(pair_frame(rows), ctx)
    rules = dict(zip(res.rejected["id"].to_list(), res.rejected["drop_reason"].to_list()))
    qc = QualityClassifier(QualityClassifier.Params(pretrained=a.model)).run(res.kept, ctx)
    full = {**rules, **dict(zip(qc.rejected["id"].to_list(), qc.rejected["drop_reason"].to_list()))}
    tab: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    why: dict[tuple, Counter] = defaultdict(Counter)
    for r in rows:
        k = (r["kind"], r["lang"])
        tab[k][0] += 1
        tab[k][1] += r["id"] in rules
        tab[k][2] += r["id"] in full
        if r["id"] in full:
            why[k][full[r["id"]]] += 1
    print(f"# {len(rows)} rows, model {a.model}, {time.perf_counter() - t0:.0f} s; {uptime()}")
    print("| kind | lang | rules | rules + model | main reasons |\n|---|---|---|---|---|")
    for kind in KINDS:
        for lg in ("en", "zh"):
            n, a1, a2 = tab[(kind, lg)]
            print(f"| {kind} | {lg} | {a1}/{n} | {a2}/{n} | " + ", ".join(f"{k} {v}" for k, v in why[(kind, lg)].most_common(3)) + " |")


if __name__ == "__main__":
    main()
