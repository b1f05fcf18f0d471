"""The whole product on a small real slice: every stage, then a few training steps, via the CLI."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from tests.conftest import REPO

SAMPLE = REPO / "pipelines" / "data" / "sample"

PIPELINE = """
name: e2e
seed: 3
stages:
  - stage: read
    inputs:
      - {{path: {sample}/oasst_en_100_tree.jsonl, source: oasst, limit: 40}}
      - {{path: {sample}/fastchat_dummy_conversation.json, source: identity, limit: 60}}
      - {{path: {sample}/llamafactory_glaive_toolcall_en_demo.json, source: glaive, limit: 40}}
      - {{path: {sample}/hh_rlhf_harmless_base_test.jsonl.gz, source: hh, limit: 80}}
  - {{stage: normalize}}
  - {{stage: clean_text}}
  - {{stage: redact_pii}}
  - {{stage: exact_dedup, view: conversation}}
  - {{stage: near_dedup, view: user_turns, verify: true}}
  - {{stage: language, keep: [en]}}
  - {{stage: quality}}
  - {{stage: chat_template, tokenizer: tiny, vocab_size: 600, max_tokens: 1024}}
  - {{stage: diversity_select, method: cluster_balanced, budget: 60, max_seq_length: 64}}
  - {{stage: mix, weights: {{hh: 0.5, oasst: 0.3, glaive: 0.2}}}}
output: {{dir: {out}}}
train:
  model: tiny
  tiny: {{vocab_size: 600, hidden_size: 32, intermediate_size: 64}}
  max_length: 128
  max_steps: 8
  learning_rate: 3.0e-3
  batch_size: 4
  logging_steps: 2
  eval_fraction: 0.1
  num_threads: 1
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    spec = tmp / "e2e.yaml"
    spec.write_text(PIPELINE.format(sample=SAMPLE, out=tmp / "out"))
    res = CliRunner().invoke(main, ["run", str(spec)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return tmp, spec, res.output


def test_funnel_accounts_for_every_record(run_dir):
    tmp, _, output = run_dir
    stats = json.loads((tmp / "out" / "stats.json").read_text())
    stages = stats["stages"]
    assert [s["stage"] for s in stages][0] == "read" and len(stages) == 11
    for s in stages[1:]:  # nothing lost between stages
        assert s["rows_in"] == s["rows_out"] + sum(s["dropped"].values()) - s["counters"].get("rows_added", 0)
    read = stages[0]
    assert read["rows_out"] + sum(read["dropped"].values()) == 40 + 60 + 40 + 80
    assert stats["rows_curated"] + stats["rows_rejected"] == 220
    for line in ("read", "near_dedup", "mix"):
        assert line in output


def test_curated_parquet_is_trl_ready(run_dir):
    tmp, _, _ = run_dir
    curated = pl.read_parquet(tmp / "out" / "curated.parquet")
    assert curated.height > 0
    assert set(curated["source"]) <= {"hh", "oasst", "glaive"}  # identity chats are templated: dropped
    import datasets

    ds = datasets.load_dataset("parquet", data_files=str(tmp / "out" / "curated.parquet"), split="train")
    first = ds[0]["messages"]
    assert first[-1]["role"] == "assistant" and set(first[0]) == {"role", "content"}


def test_rejects_keep_reasons(run_dir):
    tmp, _, _ = run_dir
    rejects = pl.read_parquet(tmp / "out" / "rejects.parquet")
    assert rejects["drop_reason"].null_count() == 0
    assert {"near_duplicate", "mix_over_quota"} <= set(rejects["drop_reason"])
    dups = rejects.filter(pl.col("drop_reason") == "near_duplicate")
    assert dups["dup_of"].null_count() == 0


def test_model_trained_and_saved_with_lineage(run_dir):
    tmp, _, output = run_dir
    model_dir = tmp / "out" / "model"
    assert (model_dir / "config.json").exists() and (model_dir / "tokenizer.json").exists()
    lineage = json.loads((model_dir / "lineage.json").read_text())
    assert lineage["pipeline"] == "e2e"
    stats = json.loads((tmp / "out" / "stats.json").read_text())
    assert stats["train"]["last_loss"] < stats["train"]["first_loss"]
    assert "trained →" in output


def test_rerun_is_fully_cached(run_dir):
    tmp, spec, _ = run_dir
    res = CliRunner().invoke(main, ["run", "--no-train", str(spec)])
    assert res.exit_code == 0
    stage_lines = [l for l in res.output.splitlines() if l[:4].strip().isdigit()]
    assert len(stage_lines) == 11 and all(l.endswith("cached") for l in stage_lines)
