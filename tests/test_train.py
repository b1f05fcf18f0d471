"""Training: a few dozen steps of the offline tiny model through ``train_model`` on real
conversations (tests/fixtures/train), the assistant-only labels TRL builds, saving and reloading,
LoRA + padding-free, resume, and the clear errors."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from curate.schema import SchemaError, make_frame
from train.data import eval_bucket, pretokenize, split_eval
from train.sft import train_model
from train.spec import TrainSpec
from curate.chat.templates import CHATML

FIXTURES = Path(__file__).parent / "fixtures" / "train"
TINY = {"vocab_size": 600, "hidden_size": 64, "intermediate_size": 128}


def _rows() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "conversations.jsonl").open()]


@pytest.fixture(scope="module")
def curated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "curated.parquet"
    make_frame(_rows()).write_parquet(path)
    return path


@pytest.fixture(scope="module")
def trained(curated, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "model"
    spec = TrainSpec(max_steps=30, learning_rate=3e-3, warmup_ratio=0.0, batch_size=8, logging_steps=5,
                     early_stopping_patience=None,  # fixed 30 steps (tests/test_train_guards.py stops early)
                     max_length=256, eval_fraction=0.1, save_steps=15, tiny=TINY)
    lines: list[str] = []
    lineage = {"pipeline": "fixture-pipeline", "pipeline_digest": "abc123", "sources": {"fastchat": 20},
               "stages": [{"stage": "read", "rows_out": 30}], "train": {"stale": True}}
    result = train_model(curated, spec, out, seed=7, tokenizer_dir=None, lineage=lineage, echo=lines.append)
    return result, out, lines


def test_loss_falls_and_metrics(trained):
    result, out, lines = trained
    assert result["steps"] == 30
    assert result["last_loss"] < result["first_loss"] - 1.0, result
    assert result["rows_train"] + result["rows_eval"] == 30 and result["rows_eval"] > 0
    assert math.isfinite(result["eval_loss"])
    assert result["train_tokens"] > 0 and result["tokens_per_second"] > 0
    assert 0.2 < result["supervised_token_fraction"] < 0.95
    assert result["output_dir"] == str(out)
    assert any(line.strip().startswith("step 30/30") for line in lines)


def test_outputs_and_lineage(trained):
    result, out, _ = trained
    for name in ("model.safetensors", "config.json", "tokenizer.json", "chat_template.jinja", "lineage.json", "README.md"):
        assert (out / name).is_file(), name
    lineage = json.loads((out / "lineage.json").read_text())
    assert lineage["pipeline_digest"] == "abc123" and "train" not in lineage
    assert lineage["training"]["metrics"]["steps"] == 30 and lineage["training"]["seed"] == 7
    readme = (out / "README.md").read_text()
    assert "fixture-pipeline" in readme and "abc123" in readme and "fastchat 20" in readme
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-15"]  # none at the last step (train.checkpoints)


def test_reload_offline_and_generate(trained):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _, out, _ = trained
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    assert tok.chat_template == CHATML and tok.eos_token == "<|im_end|>" and tok.pad_token_id != tok.eos_token_id
    assert model.config.vocab_size == len(tok) and model.config.tie_word_embeddings
    ids = tok.apply_chat_template([{"role": "user", "content": "Who are you?"}], add_generation_prompt=True,
                                  return_tensors="pt", return_dict=True)
    with torch.no_grad():
        gen = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert gen.shape[1] > ids["input_ids"].shape[1]


def test_labels_are_assistant_tokens_only(trained, curated):
    """In the dataset TRL prepares, labels are -100 on every non-assistant token and equal input_ids on
    every assistant token, <|im_end|> included; checked against the text, not against the mask code."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer
    import datasets

    _, out, _ = trained
    tok = AutoTokenizer.from_pretrained(out)
    rows = _rows()
    rows.append({"id": "edge", "source": "edge", "messages": [  # leading spaces: the trim_offsets pitfall
        {"role": "user", "content": " hi"}, {"role": "assistant", "content": " Hello."},
        {"role": "user", "content": "again"}, {"role": "assistant", "content": " Twice, 中文."}]})
    ds = datasets.Dataset.from_list([{"messages": r["messages"]} for r in rows])
    cfg = SFTConfig(output_dir=str(out.parent / "labels"), assistant_only_loss=True, max_length=None, report_to="none",
                    use_cpu=True, bf16=False, activation_checkpointing=False)
    trainer = SFTTrainer(model=AutoModelForCausalLM.from_pretrained(out), args=cfg, train_dataset=ds,
                         processing_class=tok)
    prepared = trainer.train_dataset
    assert len(prepared) == len(rows)
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    im_start = tok.convert_tokens_to_ids("<|im_start|>")
    for row, ex in zip(rows, prepared):
        ids, labels = ex["input_ids"], ex["labels"]
        assert all(lab == -100 or lab == i for i, lab in zip(ids, labels))
        sup = [i for i, lab in zip(ids, labels) if lab != -100]
        unsup = [i for i, lab in zip(ids, labels) if lab == -100]
        asst = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
        assert tok.decode(sup) == "".join(c + "<|im_end|>" for c in asst)
        assert sup.count(im_end) == len(asst) and im_start not in sup
        non_asst = "".join(
            f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" if m["role"] != "assistant" else "<|im_start|>assistant\n\n"
            for m in row["messages"])
        assert tok.decode(unsup) == non_asst
    # the padding-free path tokenizes the same way
    mine = pretokenize(ds, tok, 10_000, assistant_only_loss=True)
    assert mine["input_ids"] == prepared["input_ids"] and mine["labels"] == prepared["labels"]


def test_eval_split_is_stable(curated):
    from train.data import load_curated

    ds = load_curated(curated)
    tr, ev = split_eval(ds, 0.3)
    tr2, ev2 = split_eval(ds, 0.3)
    assert ev["id"] == ev2["id"] and len(tr) + len(ev) == len(ds)
    assert set(ev["id"]) == {i for i in ds["id"] if eval_bucket(i) < 0.3}
    assert split_eval(ds, 0.0)[1] is None
    assert eval_bucket("fastchat/x#1") == eval_bucket("fastchat/x#1")


def test_lora_padding_free_on_cpu(curated, tmp_path):
    spec = TrainSpec(max_steps=3, learning_rate=1e-2, batch_size=4, logging_steps=1, max_length=128,
                     eval_fraction=0.0, padding_free=True, lora={"r": 4, "alpha": 8, "dropout": 0.0}, tiny=TINY)
    result = train_model(curated, spec, tmp_path / "m", seed=1, tokenizer_dir=None, lineage={}, echo=lambda s: None)
    assert result["steps"] == 3 and result["eval_loss"] is None
    assert (tmp_path / "m" / "adapter_config.json").is_file()
    assert "LoRA adapter" in (tmp_path / "m" / "README.md").read_text()


def test_resume_from_checkpoint(trained, curated, tmp_path):
    _, out, _ = trained
    run = tmp_path / "model"
    shutil.copytree(out, run)
    spec = TrainSpec(max_steps=32, learning_rate=3e-3, batch_size=8, logging_steps=1, max_length=256,
                     early_stopping_patience=None,
                     eval_fraction=0.1, tiny=TINY, resume_from_checkpoint=True)
    result = train_model(curated, spec, run, seed=7, tokenizer_dir=out, lineage={}, echo=lambda s: None)
    assert result["steps"] == 32


def test_errors_are_clear(curated, tmp_path):
    bad = tmp_path / "bad.parquet"
    pl.DataFrame({"id": ["a"], "text": ["hello"]}).write_parquet(bad)
    with pytest.raises(SchemaError, match="missing column 'source'.*missing column 'messages'"):
        train_model(bad, TrainSpec(), tmp_path / "m", seed=0, tokenizer_dir=None, lineage={})
    qlora = TrainSpec(lora={"load_in_4bit": True}, model="some/model")
    with pytest.raises(ValueError, match="QLoRA.*CUDA"):
        train_model(curated, qlora, tmp_path / "m", seed=0, tokenizer_dir=None, lineage={})
    with pytest.raises(FileNotFoundError, match="no complete checkpoint"):
        train_model(curated, TrainSpec(resume_from_checkpoint=True, max_steps=1, tiny=TINY), tmp_path / "m2",
                    seed=0, tokenizer_dir=None, lineage={})


def test_spec_rejects_qlora_on_tiny():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="needs a pretrained model"):
        TrainSpec(lora={"load_in_4bit": True})


def test_runner_hands_over_the_chat_template_tokenizer(trained, curated, tmp_path):
    """pipelines.runner.train_from_outputs → train_model with the chat_template stage's tokenizer."""
    from pipelines.runner import train_from_outputs
    from pipelines.spec import parse_spec

    _, out, _ = trained
    spec = parse_spec(f"""
name: fixture
seed: 3
stages:
  - {{stage: read, inputs: [{{path: nowhere.jsonl, source: x}}]}}
  - {{stage: chat_template, vocab_size: 600}}
output: {{dir: {tmp_path}}}
train: {{max_steps: 2, logging_steps: 1, max_length: 128, batch_size: 4, eval_fraction: 0, tiny: {{vocab_size: 600}}}}
""", check_files=False)
    shutil.copy(curated, tmp_path / "curated.parquet")
    stats = {"pipeline": "fixture", "pipeline_digest": spec.digest,
             "stages": [{"stage": "read", "rows_out": 30, "artifacts": {}},
                        {"stage": "chat_template", "rows_out": 30, "artifacts": {"tokenizer": str(out)}}]}
    (tmp_path / "stats.json").write_text(json.dumps(stats))
    lines: list[str] = []
    result = train_from_outputs(spec, echo=lines.append)
    assert result["steps"] == 2 and any(f"tokenizer from {out}" in line for line in lines)
    assert json.loads((tmp_path / "stats.json").read_text())["train"]["steps"] == 2
    assert json.loads((tmp_path / "model" / "lineage.json").read_text())["pipeline_digest"] == spec.digest
