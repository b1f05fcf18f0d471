"""Training throughput on CPU: curatrain's default vs plain TRL with padding, same data, same model.

What runs (one torch thread each, alternating A/B/A/B so a busy box hurts both alike):

- ``trl_padded``: plain ``trl.SFTTrainer`` with its defaults (padded batches, ``sdpa``) plus
  ``assistant_only_loss=True``; bf16 and activation checkpointing off as every CPU run needs
  (anchors §4.6), ``max_length`` as below.
- ``curatrain``: ``train.sft.train_model`` with the default ``TrainSpec``: padding-free batches (rows
  pre-tokenized and truncated, ``pretokenize``), the ``sdpa_varlen`` attention (one causal SDPA per
  document instead of a dense block-diagonal mask; train/attention.py) and, on CPU, TRL's fused LM head
  on supervised positions only with lean tiles (train/lm_head.py).
- optional (``--variants``), to split the gain: ``curatrain_padded`` (padded batches, the LM-head path
  only), ``curatrain_sdpa`` (padding-free with transformers' dense block-diagonal mask),
  ``curatrain_bfd`` (packing, bfd; different batches, so speed only).

Same model init (tiny Llama, seed), same tokenizer (trained once on the data), same rows, batch, learning
rate, schedule and data order: padded and padding-free batches hold the same rows, so the loss curves
must match (reported side by side); packing changes the batches and is shown for speed only.
tokens/s = non-padding tokens / seconds of training steps (``train.metrics.ThroughputCallback``, both);
tokens per CPU-second (process time) is reported too, the steadier figure on a shared machine.

Data: LIMA (LLaMA-Factory's ``llamafactory_lima.json``, long answers) + ShareGPT (``sharegpt92k_sample_part_a.jsonl``,
varied multi-turn), read with ``curate.readers.read_file``.

Run::

    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/train_bench.py --steps 30 --max-length 1024 \\
        --out benchmarks/results/train_bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def load_rows(n: int, seed: int) -> list[dict]:
    """``n`` conversations (user/assistant/system turns, ending on an assistant reply), half LIMA,
    half ShareGPT when both have enough, shuffled with ``seed``."""
    from curate.readers import read_file

    def ok(r):
        m = r["messages"]
        return (len(m) >= 2 and m[-1]["role"] == "assistant" and all(x["content"] for x in m)
                and all(x["role"] in ("system", "user", "assistant") for x in m))

    lima = [r for r in read_file(DATA / "llamafactory_lima.json", "lima").rows if ok(r)]
    share = [r for r in read_file(DATA / "sharegpt92k_sample_part_a.jsonl", "sharegpt", limit=4 * n).rows if ok(r)]
    rng = random.Random(seed)
    rng.shuffle(lima)
    rng.shuffle(share)
    rows = lima[: n // 2] + share[: n - min(n // 2, len(lima))]
    rng.shuffle(rows)
    return rows[:n]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:  # pragma: no cover
        return "n/a"


def run_trl_padded(curated: Path, tok_dir: Path, args) -> dict:
    import datasets
    import torch
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from train.metrics import ThroughputCallback
    from train.spec import TinyModelSpec
    from train.tiny import build_tiny_model

    torch.set_num_threads(args.threads)
    tok = AutoTokenizer.from_pretrained(tok_dir)
    model = build_tiny_model(tok, TinyModelSpec(), max_position_embeddings=args.max_length,
                             seed=args.seed)
    ds = datasets.Dataset.from_parquet(str(curated), columns=["messages"], keep_in_memory=True)
    cfg = SFTConfig(output_dir=tempfile.mkdtemp(prefix="bench-trl-"), assistant_only_loss=True,
                    max_length=args.max_length, max_steps=args.steps, per_device_train_batch_size=args.batch,
                    learning_rate=args.lr, lr_scheduler_type="cosine", warmup_steps=0, seed=args.seed,
                    data_seed=args.seed, logging_steps=args.log_every, logging_first_step=True, report_to="none",
                    use_cpu=True, bf16=False,
                    activation_checkpointing=False, save_strategy="no", disable_tqdm=True, dataloader_pin_memory=False)
    cb = ThroughputCallback(n_params=sum(p.numel() for p in model.parameters()))
    trainer = SFTTrainer(model=model, args=cfg, train_dataset=ds, processing_class=tok, callbacks=[cb])
    cb.attach(trainer)
    trainer.train()
    losses = [(h["step"], h["loss"]) for h in trainer.state.log_history if "loss" in h]
    return {**cb.summary(), "loss_history": losses}


def run_curatrain(curated: Path, tok_dir: Path, args, **overrides) -> dict:
    from train.sft import train_model
    from train.spec import TrainSpec

    spec = TrainSpec(max_steps=args.steps, batch_size=args.batch, max_length=args.max_length, learning_rate=args.lr,
                     warmup_ratio=0.0, eval_fraction=0.0, logging_steps=args.log_every, num_threads=args.threads,
                     save_steps=None, save_minutes=None, **overrides)  # no checkpoints, like the plain TRL run
    res = train_model(curated, spec, Path(tempfile.mkdtemp(prefix="bench-ct-")) / "m", seed=args.seed,
                      tokenizer_dir=tok_dir, lineage={}, echo=lambda s: None)
    return {**res["throughput"], "loss_history": res["loss_history"]}


VARIANTS = {
    "trl_padded": run_trl_padded,
    "curatrain": run_curatrain,
    "curatrain_sdpa": lambda c, t, a: run_curatrain(c, t, a, attn_implementation="sdpa"),
    "curatrain_padded": lambda c, t, a: run_curatrain(c, t, a, padding_free=False),
    "curatrain_bfd": lambda c, t, a: run_curatrain(c, t, a, packing=True),
}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=600)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--max-length", type=int, default=1024)
    p.add_argument("--vocab", type=int, default=4000)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--log-every", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--variants", default="trl_padded,curatrain")
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)

    import torch

    from curate.schema import make_frame
    from curate.chat.tokenizer import train_tokenizer

    torch.set_num_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="train-bench-"))
    rows = load_rows(args.rows, args.seed)
    curated = work / "curated.parquet"
    make_frame(rows).write_parquet(curated)
    tok = train_tokenizer([m["content"] for r in rows for m in r["messages"]], args.vocab)
    tok_dir = work / "tok"
    tok.save_pretrained(tok_dir)
    lens = [len(tok.apply_chat_template(r["messages"], tokenize=True, return_dict=True)["input_ids"]) for r in rows]
    data = {"rows": len(rows), "sources": {s: sum(r["source"] == s for r in rows) for s in {r["source"] for r in rows}},
            "tokens_per_row_mean": statistics.mean(lens), "tokens_per_row_median": statistics.median(lens),
            "rows_over_max_length": sum(n > args.max_length for n in lens), "vocab": len(tok)}
    print(f"data: {data}", file=sys.stderr)

    runs: dict[str, list[dict]] = {v: [] for v in args.variants.split(",")}
    for rep in range(args.repeats):
        for name in runs:
            before = uptime()
            t0 = time.perf_counter()
            r = VARIANTS[name](curated, tok_dir, args)
            r.update(wall_s=time.perf_counter() - t0, uptime_before=before, uptime_after=uptime(), repeat=rep)
            runs[name].append(r)
            print(f"{name} #{rep}: {r['tokens_per_second']:,.0f} tok/s ({r['tokens_per_cpu_second']:,.0f} per CPU-s), padding {r['padding_fraction']:.1%}, "
                  f"train {r['train_seconds']:.1f}s; {r['uptime_after']}", file=sys.stderr)

    summary = {}
    for name, rs in runs.items():
        summary[name] = {"tokens_per_second_median": statistics.median(r["tokens_per_second"] for r in rs),
                         "tokens_per_second_runs": [r["tokens_per_second"] for r in rs],
                         "tokens_per_cpu_second_median": statistics.median(r["tokens_per_cpu_second"] for r in rs),
                         "padding_fraction": rs[0]["padding_fraction"],
                         "supervised_token_fraction": rs[0]["supervised_token_fraction"],
                         "real_tokens": rs[0]["real_tokens"], "tokens_seen": rs[0]["tokens_seen"],
                         "loss_history": rs[0]["loss_history"]}
    base = summary.get("trl_padded", {}).get("tokens_per_second_median")
    base_cpu = summary.get("trl_padded", {}).get("tokens_per_cpu_second_median")
    for name, s in summary.items():
        s["speedup_vs_trl_padded"] = s["tokens_per_second_median"] / base if base else None
        s["cpu_speedup_vs_trl_padded"] = s["tokens_per_cpu_second_median"] / base_cpu if base_cpu else None
    if "trl_padded" in summary and "curatrain" in summary:
        a = [l for _, l in summary["trl_padded"]["loss_history"]]
        b = [l for _, l in summary["curatrain"]["loss_history"]]
        summary["loss_max_abs_diff_curatrain_vs_trl"] = max(abs(x - y) for x, y in zip(a, b)) if a and b else None
    out = {"args": vars(args) | {"out": str(args.out) if args.out else None}, "data": data, "summary": summary,
           "runs": runs, "torch_threads": torch.get_num_threads()}
    text = json.dumps(out, indent=2, default=str)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "loss_history"} if isinstance(v, dict) else v
                      for k, v in summary.items()}, indent=2, default=str))
    for name in summary:
        if isinstance(summary[name], dict):
            print(f"loss {name}: " + " ".join(f"{s}:{l:.4f}" for s, l in summary[name]["loss_history"]))
    return out


if __name__ == "__main__":
    main()
