"""train.config / train.data.TrainRows / train.sft: settings said once, logged once; rows announced = rows trained."""

from __future__ import annotations

import logging
import typing
from pathlib import Path

import pytest

from train.config import Device, build_sft_config, log_settings, resolved_settings
from train.data import TrainRows
from train.spec import TrainSpec


def test_every_resolved_setting_is_logged(caplog, tmp_path):
    spec = TrainSpec(learning_rate=3e-3, max_length=256, lora={"r": 4})
    device = Device(cuda=False, bf16=False, threads=1, fused_lm_head=True)
    cfg = build_sft_config(spec, tmp_path / "m", seed=13, device=device, has_eval=False)
    settings = resolved_settings(spec, device, cfg, template="chatml")
    # every train: field (nested ones dotted), the device and the SFTConfig values that decide the run
    assert {f"spec.{k}" for k in TrainSpec.model_fields if k not in ("tiny", "lora")} <= set(settings)
    assert settings["spec.lora.r"] == 4 and settings["spec.tiny.hidden_size"] == 64
    assert settings["device.fused_lm_head"] is True and settings["template"] == "chatml"
    assert settings["sft.max_length"] is None  # padding-free: rows are pre-truncated, TRL must not truncate
    assert settings["sft.learning_rate"] == 3e-3 and settings["sft.seed"] == 13 and settings["sft.use_cpu"] is True
    with caplog.at_level(logging.INFO, logger="curatrain.train"):
        log_settings(settings)
    lines = [r.getMessage() for r in caplog.records if r.name == "curatrain.train"]
    assert lines[0] == "settings:" and len(lines) == len(settings) + 1
    assert any(line.split() == ["spec.learning_rate", "=", "0.003"] for line in lines)


def test_rows_funnel_line():
    rows = TrainRows(curated=1000, train_split=950, eval_split=50, audit_dropped_train=3, truncated_to_nothing=12,
                     trained=935)
    assert rows.describe(256) == (
        "rows: 1,000 curated → 50 held out for eval (hash of id) → 950 train; 3 dropped by the mask audit; "
        "12 lost every assistant token to truncation at max_length 256 → 935 trained")
    assert TrainRows(curated=10, train_split=10, trained=10).describe(64) == (
        "rows: 10 curated → 0 held out for eval (hash of id) → 10 train → 10 trained")


def test_train_block_checked_against_the_chat_template_stage():
    from curate.stages.chat_template import ChatTemplate
    from train.spec import check_train_against_stages

    def stage(**p):
        return [("read", None), ("chat_template", ChatTemplate.Params(**p))]

    assert check_train_against_stages(TrainSpec(), stage(vocab_size=2000)) == []
    assert check_train_against_stages(TrainSpec(tiny={"vocab_size": 2000}), stage(vocab_size=2000)) == []  # agrees
    assert check_train_against_stages(TrainSpec(tiny={"vocab_size": 4000}), [("read", None)]) == []  # no stage
    assert check_train_against_stages(None, stage()) == []
    got = check_train_against_stages(TrainSpec(tiny={"vocab_size": 600}, template="llama3"), stage(vocab_size=2000))
    assert got == [
        "train.tiny.vocab_size: 600 differs from the chat_template stage's vocab_size 2000, which trains the "
        "tokenizer: remove train.tiny.vocab_size",
        "train.template: llama3 differs from the chat_template stage's template chatml, which the rows were counted "
        "and audited with: remove train.template to inherit it"]
    assert check_train_against_stages(TrainSpec(model="Qwen/Qwen2.5-0.5B"), stage()) == [
        "train.model: Qwen/Qwen2.5-0.5B has its own tokenizer, but the chat_template stage counted rows with the "
        "tiny one: set its tokenizer: Qwen/Qwen2.5-0.5B"]
    assert check_train_against_stages(TrainSpec(), stage(tokenizer="some/folder", template="tokenizer")) == [
        "train.model: tiny trains the tiny tokenizer, but the chat_template stage counted rows with tokenizer "
        "some/folder: set its tokenizer: tiny, or train.model to that model"]


def test_shipped_lima_says_each_setting_once():
    from pipelines.spec import load_spec
    from train.spec import check_train_against_stages

    spec = load_spec(Path(__file__).resolve().parent.parent / "pipelines" / "lima.yaml", check_files=False)
    assert spec.train.tiny.vocab_size is None  # the chat_template stage owns it
    assert check_train_against_stages(spec.train, [(s.name, s.params) for s in spec.stages]) == []


def test_overrides_are_checked_against_the_stages_too(tmp_path):
    import pytest

    from pipelines.spec import parse_spec
    from train.launch import run_training

    spec = parse_spec(f"""
name: t
stages:
  - {{stage: read, inputs: [{{path: x.jsonl, source: x}}]}}
  - {{stage: chat_template, vocab_size: 2000}}
output: {{dir: {tmp_path / 'out'}}}
train: {{max_steps: 1}}
""", "t.yaml", check_files=False)
    with pytest.raises(ValueError) as exc:
        run_training(spec, ["tiny.vocab_size=600"])
    assert str(exc.value) == (
        "train: block disagrees with the curation stages:\n  - train.tiny.vocab_size: 600 differs from the "
        "chat_template stage's vocab_size 2000, which trains the tokenizer: remove train.tiny.vocab_size")


def test_scheduler_and_attention_names_are_closed_choices():
    import pydantic
    from transformers import SchedulerType

    from train.spec import SchedulerName, TrainSpec

    assert set(typing.get_args(SchedulerName)) == {s.value for s in SchedulerType}  # the mirror is exact
    with pytest.raises(pydantic.ValidationError, match="cosinee"):
        TrainSpec(lr_scheduler_type="cosinee")
    with pytest.raises(pydantic.ValidationError, match="did you mean 'sdpa'"):
        TrainSpec(attn_implementation="spda")
    assert TrainSpec(attn_implementation="kernels-community/flash-attn").attn_implementation == "kernels-community/flash-attn"


def test_unknown_train_key_gets_a_suggestion_at_any_depth():
    from train.spec import unknown_key_hint

    assert unknown_key_hint(("learning_rat",)) == "unknown key; did you mean 'learning_rate'?"
    assert unknown_key_hint(("lora", "rr")) == "unknown key; did you mean 'r'?"
    assert unknown_key_hint(("zzzzz",)) == "unknown key"
