"""lm_score bench: does IFD separate a planted easy/hard split, and how fast is scoring on CPU?

1. Planted split (issue 14 Done-when): for each seed, train the tiny Llama of ``tests/test_lm_score.py``
   (2 layers, hidden 64, word-level BPE vocab 600) for 200 steps on easy pairs ("continue: X" → the next
   five words after X on a fixed cycle: the instruction determines the answer), hard pairs ("topic: X" →
   five independent random words) and plain word sequences; then score 40 + 40 fresh pairs with the
   ``lm_score`` stage. Reports AUC (P(IFD hard > IFD easy)), Spearman ρ(IFD, is_hard), mean IFD per side.
2. Speed: a random tiny Llama (hidden 32, 2 layers, BPE vocab 400 trained on the rows) scoring the first
   300 rows of ``../shared/data/alpaca_5000.json`` (instruction + input → user, output → assistant),
   first run and cached rerun, batch 8, max_length 1024.

Everything offline and CPU-only; no model is downloaded.

Run: ``.venv/bin/python benchmarks/lm_score_bench.py [--seeds 0 1 2]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--speed-data", default=str(REPO.parent / "shared/data/alpaca_5000.json"))
    ap.add_argument("--speed-rows", type=int, default=300)
    args = ap.parse_args()

    import torch
    from scipy.stats import spearmanr

    torch.set_num_threads(1)
    from curate.schema import make_frame
    from curate.stage import Context
    from tests.test_lm_score import auc, make_causal_lm, planted_frame, run_stage, train_planted_lm

    print("| seed | steps | final loss | train s | AUC | Spearman ρ | mean IFD easy | mean IFD hard | max easy | min hard |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            loss = train_planted_lm(d, steps=args.steps, seed=seed)
            t_train = time.perf_counter() - t0
            k = run_stage(planted_frame(40, seed=99 + seed), model=d, batch_size=16).kept
        ifd = k["stat_ifd"].to_numpy()
        hard = (k["source"] == "hard").to_numpy()
        rho = spearmanr(ifd, hard.astype(int)).statistic
        print(f"| {seed} | {args.steps} | {loss:.3f} | {t_train:.1f} | {auc(ifd[~hard], ifd[hard]):.3f} | {rho:.3f} | "
              f"{ifd[~hard].mean():.3f} | {ifd[hard].mean():.3f} | {ifd[~hard].max():.3f} | {ifd[hard].min():.3f} |")

    alpaca = json.loads(Path(args.speed_data).read_text())[: args.speed_rows]
    df = make_frame([{"id": f"alpaca#{i}", "source": "alpaca", "messages": [
        {"role": "user", "content": (r["instruction"] + "\n\n" + r["input"]).strip()},
        {"role": "assistant", "content": r["output"]}]} for i, r in enumerate(alpaca)])
    print()
    print("| run | rows | sequences computed | seconds | rows/s |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as cache:
        texts = [m["content"] for conv in df["messages"].to_list() for m in conv]
        make_causal_lm(d, texts)
        ctx = Context(cache_dir=Path(cache))
        for label in ("first (model load + 2 passes/row)", "rerun (cache)"):
            t0 = time.perf_counter()
            res = run_stage(df, ctx, model=d, batch_size=8)
            dt = time.perf_counter() - t0
            print(f"| {label} | {df.height} | {res.counters['sequences_computed']} | {dt:.2f} | {df.height / dt:.0f} |")
        n_tok = int(res.kept["stat_ppl_tokens"].sum())
        print(f"\nanswer tokens scored: {n_tok}; median stat_ppl_response "
              f"{res.kept['stat_ppl_response'].median():.1f} (random model: about the vocabulary size)")


if __name__ == "__main__":
    main()
