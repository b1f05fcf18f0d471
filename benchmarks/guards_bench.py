"""The overfitting and forgetting guards on small CPU runs of the tiny model (issue 14 items 5-6).

1. ``overfit``: a LIMA-size set (1,000 conversations from the shipped samples: gpteacher role-play, hh-rlhf,
   OpenAssistant, glaive tool calls; 1,000 chosen by a sha256 of id among those ending on an assistant turn) trained
   for far too many epochs at a high learning rate: early stopping ends the run and the model card recommends an
   epoch count. ``overfit``: the default 64-wide tiny model (too small to memorise 1,000 rows in 12 epochs);
   ``overfit_wide``: 128 wide, max_length 96, constant learning rate 5e-3; ``overfit_200``: the same on 200 rows.
2. ``forgetting``: a narrow in-domain set (only the glaive tool-call sample) with the general held-out eval read
   from the shipped OpenAssistant sample (``train.general_eval.path``): general eval loss rises while in-domain
   falls, and the forgetting warning fires.

Run from the repository root (one CPU thread each; minutes)::

    .venv/bin/python benchmarks/guards_bench.py overfit overfit_wide overfit_200 forgetting

Writes ``benchmarks/results/guards_<case>.json`` (the metrics: histories, best step, recommendation, warning).
Nothing is downloaded: the tiny model and its tokenizer are built here.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from curate.readers import read_file
from curate.schema import make_frame
from train.sft import train_model
from train.spec import TrainSpec

SAMPLE = Path("pipelines/data/sample")
RESULTS = Path("benchmarks/results")
TINY = {"vocab_size": 2000, "hidden_size": 64, "intermediate_size": 256}


def conversations(files: dict[str, str], limit: int | None = None) -> list[dict]:
    rows = []
    for source, name in files.items():
        for r in read_file(SAMPLE / name, source=source).rows:
            msgs = r["messages"]
            if msgs and msgs[-1]["role"] == "assistant" and all(m["role"] in ("system", "user", "assistant")
                                                                 for m in msgs) and msgs[-1]["content"].strip():
                rows.append({"id": r["id"], "source": source, "messages": msgs, "meta": {}})
    # a sample by a hash of id that is independent of the eval split's hash (sorting by eval_bucket would put
    # every eval row first)
    rows.sort(key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())
    return rows[:limit] if limit else rows


CASES = {
    "overfit": dict(
        files={"gpteacher_roleplay": "gpteacher_roleplay_simple_deduped.json",
               "hh_rlhf": "hh_rlhf_harmless_base_test.jsonl.gz", "oasst": "oasst_en_100_tree.jsonl",
               "glaive_toolcall": "llamafactory_glaive_toolcall_en_demo.json"},
        limit=1000,
        spec=dict(epochs=12, learning_rate=1e-2, warmup_ratio=0.0, batch_size=16, max_length=128, eval_fraction=0.05,
                  early_stopping_patience=2, logging_steps=10, num_threads=1, save_minutes=None, tiny=TINY)),
    "overfit_wide": dict(  # the same data, a 2x wider tiny model at a constant learning rate: it memorises
        files={"gpteacher_roleplay": "gpteacher_roleplay_simple_deduped.json",
               "hh_rlhf": "hh_rlhf_harmless_base_test.jsonl.gz", "oasst": "oasst_en_100_tree.jsonl",
               "glaive_toolcall": "llamafactory_glaive_toolcall_en_demo.json"},
        limit=1000,
        spec=dict(epochs=8, learning_rate=5e-3, lr_scheduler_type="constant", warmup_ratio=0.0, batch_size=16,
                  max_length=96, eval_fraction=0.05, early_stopping_patience=2, logging_steps=10, num_threads=1,
                  save_minutes=None, tiny={**TINY, "hidden_size": 128, "intermediate_size": 512})),
    "overfit_200": dict(  # 200 of the same conversations, the 128-wide model: a small set it can memorise
        files={"gpteacher_roleplay": "gpteacher_roleplay_simple_deduped.json",
               "hh_rlhf": "hh_rlhf_harmless_base_test.jsonl.gz", "oasst": "oasst_en_100_tree.jsonl",
               "glaive_toolcall": "llamafactory_glaive_toolcall_en_demo.json"},
        limit=200,
        spec=dict(epochs=20, learning_rate=5e-3, lr_scheduler_type="constant", warmup_ratio=0.0, batch_size=16,
                  max_length=96, eval_fraction=0.1, early_stopping_patience=2, logging_steps=10, num_threads=1,
                  save_minutes=None, tiny={**TINY, "hidden_size": 128, "intermediate_size": 512})),
    "forgetting": dict(
        files={"glaive_toolcall": "llamafactory_glaive_toolcall_en_demo.json"},
        limit=None,
        spec=dict(epochs=8, learning_rate=1e-2, warmup_ratio=0.0, batch_size=16, max_length=128, eval_fraction=0.1,
                  early_stopping_patience=None, logging_steps=10, num_threads=1, save_minutes=None, tiny=TINY,
                  general_eval={"path": str(SAMPLE / "oasst_en_100_tree.jsonl"), "rows": 64})),
}


def run(case: str) -> dict:
    c = CASES[case]
    rows = conversations(c["files"], c["limit"])
    with tempfile.TemporaryDirectory(prefix="guards-") as tmp:
        path = Path(tmp) / "curated.parquet"
        make_frame(rows).write_parquet(path)
        t0 = time.perf_counter()
        r = train_model(path, TrainSpec(**c["spec"]), Path(tmp) / "model", seed=13, tokenizer_dir=None, lineage={},
                        echo=lambda s: print(s, file=sys.stderr))
        wall = time.perf_counter() - t0
    keys = ("steps", "rows_train", "rows_eval", "eval_history", "general_eval_history", "best_step", "best_epoch",
            "best_eval_loss", "stopped_early", "epoch_recommendation", "forgetting_warning", "eval_loss",
            "general_eval_loss", "train_runtime", "tokens_per_second")
    out = {"case": case, "rows": len(rows), "spec": c["spec"], "wall_seconds": round(wall, 1),
           **{k: r.get(k) for k in keys}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"guards_{case}.json").write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CASES):
        res = run(name)
        print(json.dumps({k: res[k] for k in ("case", "rows", "steps", "best_step", "stopped_early",
                                              "epoch_recommendation", "forgetting_warning", "wall_seconds")}))
