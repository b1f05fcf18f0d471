"""Training extras: per-source eval split and losses, LoRA merge/export, the throughput metrics and MFU
table, the sdpa_varlen attention, template agreement with the chat_template stage, lineage and the model
card, the train CLI, and the accelerate configs (parsed with accelerate's own classes; no GPU needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curate.schema import make_frame
from train.data import eval_bucket, eval_sets, load_curated, split_eval
from train.sft import train_model
from train.spec import TrainSpec

from tests.test_train import FIXTURES, TINY, _rows, curated  # noqa: F401  (shared fixture)

ROOT = Path(__file__).parent.parent


def test_eval_split_per_source_is_stable(curated):
    ds = load_curated(curated)
    tr, ev = split_eval(ds, 0.2, per_source=True)
    tr2, ev2 = split_eval(ds, 0.2, per_source=True)
    assert ev["id"] == ev2["id"] and len(tr) + len(ev) == len(ds)
    counts = {s: ds["source"].count(s) for s in set(ds["source"])}
    for src, n in counts.items():  # every source big enough to be measured is
        if n >= 5:
            assert src in ev["source"], src
    hashed = {i for i in ds["id"] if eval_bucket(i) < 0.2}
    assert hashed <= set(ev["id"])  # the hash split is kept; per-source only adds rows
    sets = eval_sets(ev, per_source=True)
    assert set(sets) == {"all", *set(ev["source"])} and len(sets["all"]) == len(ev)
    assert eval_sets(ev, per_source=False).keys() == {"all"}
    # adding rows of a new source moves no existing row
    more = make_frame(_rows() + [{"id": f"new/{i}", "source": "new", "messages": _rows()[0]["messages"]}
                                 for i in range(10)])
    path = curated.parent / "more.parquet"
    more.write_parquet(path)
    _, ev3 = split_eval(load_curated(path), 0.2, per_source=True)
    assert set(ev["id"]) <= set(ev3["id"]) and "new" in ev3["source"]


@pytest.fixture(scope="module")
def lora_run(curated, tmp_path_factory):
    out = tmp_path_factory.mktemp("lora") / "model"
    spec = TrainSpec(max_steps=4, learning_rate=1e-2, batch_size=4, logging_steps=2, max_length=128,
                     eval_fraction=0.2, lora={"r": 4, "alpha": 8, "dropout": 0.0}, merge_adapter=True, tiny=TINY)
    lineage = {"pipeline": "fx", "pipeline_digest": "d1g", "pipeline_file": "p.yaml", "sources": {"fastchat": 20},
               "stages": [{"stage": "read", "rows_in": 0, "rows_out": 30, "dropped": {}},
                          {"stage": "quality", "rows_in": 30, "rows_out": 28, "dropped": {"repetition": 2}}]}
    return train_model(curated, spec, out, seed=3, tokenizer_dir=None, lineage=lineage, echo=lambda s: None), out


def test_per_source_eval_loss(lora_run):
    result, _ = lora_run
    assert result["eval_loss"] is not None and len(result["eval_loss_by_source"]) >= 2
    assert all(v > 0 for v in result["eval_loss_by_source"].values())


def test_merge_adapter(lora_run):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    result, out = lora_run
    merged_dir = Path(result["merged_dir"])
    assert merged_dir == out / "merged" and (out / "adapter_config.json").is_file()
    assert (merged_dir / "model.safetensors").is_file() and (merged_dir / "tokenizer.json").is_file()
    merged = AutoModelForCausalLM.from_pretrained(merged_dir)
    assert not any("lora" in n for n, _ in merged.named_parameters())
    # merged == the base the adapter was trained on (same seed → same init) + the saved adapter
    from transformers import AutoTokenizer

    from train.spec import TinyModelSpec
    from train.tiny import build_tiny_model

    def fresh():
        return build_tiny_model(AutoTokenizer.from_pretrained(out), TinyModelSpec(**TINY), max_position_embeddings=128,
                                seed=3)

    with_adapter = PeftModel.from_pretrained(fresh(), out).eval()
    ids = torch.tensor([[5, 6, 7, 8, 9, 10]])
    with torch.no_grad():
        got = merged(input_ids=ids).logits
        assert torch.allclose(got, with_adapter(input_ids=ids).logits, atol=1e-5)
        assert not torch.allclose(got, fresh()(input_ids=ids).logits, atol=1e-5)  # the adapter did change it
    readme = (out / "README.md").read_text()
    assert "merged full model is in `merged/`" in readme


def test_metrics_lineage_and_card(lora_run):
    result, out = lora_run
    assert result["padding_fraction"] == 0.0  # padding-free by default
    assert 0 < result["supervised_token_fraction"] < 1 and result["tokens_per_second"] > 0
    assert result["mfu"] is None  # CPU
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["throughput"]["device"] == "cpu" and metrics["audit"]["rows_failed"] == 0
    lineage = json.loads((out / "lineage.json").read_text())
    tr = lineage["training"]
    assert lineage["pipeline_digest"] == "d1g" and tr["template"] == "chatml"
    assert {"torch", "transformers", "trl", "peft"} <= set(tr["versions"])
    assert sum(m["rows"] for m in tr["mix"].values()) == result["rows_prepared"] <= result["rows_train"]
    assert tr["rows"]["train"] == result["rows_train"] and tr["tokens"]["trained"] > 0
    rows = tr["rows"]  # the funnel adds up: curated = train + eval; train - audit - truncation = trained
    assert rows["curated"] == rows["train_split"] + rows["eval_split"]
    assert rows["train_split"] - rows["audit_dropped_train"] - rows["truncated_to_nothing"] == rows["trained"]
    assert rows["trained"] == result["rows_prepared"]
    card = (out / "README.md").read_text()
    for heading in ("## Run", "## Curation funnel", "## Realised mix", "## Results", "## Versions"):
        assert heading in card, heading
    assert "| 1 | quality | 30 | 28 | repetition 2 |" in card
    assert "| pipeline digest | d1g |" in card and "eval loss (fastchat)" in card


def test_padded_run_reports_padding(curated, tmp_path):
    spec = TrainSpec(max_steps=2, batch_size=4, logging_steps=1, max_length=128, eval_fraction=0.0,
                     padding_free=False, tiny=TINY)
    result = train_model(curated, spec, tmp_path / "m", seed=0, tokenizer_dir=None, lineage={}, echo=lambda s: None)
    assert result["padding_fraction"] > 0
    logged = [h for h in json.loads((tmp_path / "m" / "metrics.json").read_text())["loss_history"]]
    assert logged


def test_mfu_table():
    from train.metrics import mfu, peak_flops

    assert peak_flops("NVIDIA H100 80GB HBM3") == 989e12
    assert peak_flops("NVIDIA H100 PCIe") == 756e12
    assert peak_flops("NVIDIA H200") == 989e12
    assert peak_flops("NVIDIA A100-SXM4-80GB") == 312e12
    assert peak_flops("NVIDIA GeForce RTX 4090") is None and peak_flops(None) is None
    assert mfu(1_000_000_000, 10_000, 989e12) == pytest.approx(6e13 / 989e12)
    assert mfu(1_000, None, 989e12) is None and mfu(1_000, 5.0, None) is None


def test_sdpa_varlen_equals_separate_rows():
    import torch

    from train.attention import register
    from curate.chat.tokenizer import train_tokenizer
    from train.tiny import build_tiny_model

    tok = train_tokenizer(["hello world how are you today"] * 20, 300)
    model = build_tiny_model(tok, seed=0, max_position_embeddings=64).eval()
    register()
    model.set_attn_implementation("sdpa_varlen")
    lens = [5, 9, 3]
    rows = [torch.randint(4, len(tok), (1, n)) for n in lens]
    with torch.no_grad():
        ref = [model(input_ids=r, use_cache=False).logits for r in rows]
        flat = torch.cat(rows, 1)
        pos = torch.cat([torch.arange(n) for n in lens])[None]
        cu = torch.tensor([0, 5, 14, 17], dtype=torch.int32)
        for kw in ({"cu_seq_lens_q": cu, "cu_seq_lens_k": cu, "max_length_q": 9, "max_length_k": 9}, {}):
            out = model(input_ids=flat, position_ids=pos, use_cache=False, **kw).logits
            for (a, b), r in zip([(0, 5), (5, 14), (14, 17)], ref):
                assert torch.allclose(out[:, a:b], r, atol=1e-5)


def test_template_must_agree_with_stage(curated, tmp_path):
    from curate.chat.tokenizer import train_tokenizer

    tok_dir = tmp_path / "tok"
    train_tokenizer([m["content"] for r in _rows() for m in r["messages"]], 600, "llama3").save_pretrained(tok_dir)
    (tok_dir / "curatrain_template.json").write_text(json.dumps({"template": "llama3"}))
    with pytest.raises(ValueError, match="train.template is chatml but the chat_template stage rendered with llama3"):
        train_model(curated, TrainSpec(template="chatml", max_steps=1, tiny=TINY), tmp_path / "m", seed=0,
                    tokenizer_dir=tok_dir, lineage={}, echo=lambda s: None)
    result = train_model(curated, TrainSpec(max_steps=2, batch_size=4, max_length=128, eval_fraction=0, tiny=TINY),
                         tmp_path / "m", seed=0, tokenizer_dir=tok_dir, lineage={}, echo=lambda s: None)
    assert result["template"] == "llama3" and result["audit"]["rows_failed"] == 0
    assert (tmp_path / "m" / "chat_template.jinja").read_text().startswith("{{- '<|begin_of_text|>' }}")


def test_spec_checks():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="merge_adapter needs a lora"):
        TrainSpec(merge_adapter=True)
    with pytest.raises(ValidationError, match="packing already implies padding_free"):
        TrainSpec(packing=True, padding_free=True)
    assert TrainSpec(packing=True).padding_free is False and TrainSpec().padding_free is True
    assert 1e-5 <= TrainSpec().learning_rate <= 5e-5 and 1 <= TrainSpec().epochs <= 5


def test_train_cli(curated, tmp_path):
    import shutil

    from click.testing import CliRunner

    from train.cli import train_command

    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(curated, out / "curated.parquet")
    (out / "stats.json").write_text(json.dumps({"pipeline": "cli", "stages": []}))
    spec = tmp_path / "p.yaml"
    spec.write_text(f"""
name: cli
stages:
  - {{stage: read, inputs: [{{path: nowhere.jsonl, source: x}}]}}
output: {{dir: {out}}}
train: {{max_length: 128, batch_size: 4, eval_fraction: 0, tiny: {{vocab_size: 600}}}}
""")
    runner = CliRunner()
    res = runner.invoke(train_command, [str(spec), "--max-steps", "2", "--set", "lora.r=4", "--merge-adapter"])
    assert res.exit_code == 0, res.output
    line = json.loads(res.stdout.strip().splitlines()[-1])
    assert line["merged_dir"].endswith("merged") and line["audit"]["rows_failed"] == 0
    assert json.loads((out / "stats.json").read_text())["train"]["steps"] == 2
    bad = runner.invoke(train_command, [str(spec), "--set", "learning_rate=-1", "--set", "nonsense=1"])
    assert bad.exit_code == 1 and "train.learning_rate" in bad.output and "train.nonsense" in bad.output
    assert "Example:" in runner.invoke(train_command, ["-h"]).output


@pytest.mark.parametrize("name,kind", [("ddp", "MULTI_GPU"), ("fsdp", "FSDP")])
def test_accelerate_configs_parse(name, kind):
    from accelerate.commands.config.config_args import ClusterConfig, load_config_from_file
    from accelerate.utils import DistributedType

    cfg = load_config_from_file(str(ROOT / "train" / "accelerate" / f"{name}.yaml"))
    assert isinstance(cfg, ClusterConfig)
    assert cfg.distributed_type == DistributedType[kind]
    assert cfg.mixed_precision == "bf16" and cfg.num_machines == 1 and not cfg.use_cpu
    if name == "fsdp":
        assert cfg.fsdp_config["fsdp_version"] == 2
        assert cfg.fsdp_config["fsdp_state_dict_type"] == "FULL_STATE_DICT"
        assert cfg.fsdp_config["fsdp_auto_wrap_policy"] == "TRANSFORMER_BASED_WRAP"


def test_accelerate_config_path_and_unshadowable_launch():
    """curatrain train --accelerate-config prints the shipped config's path; the documented multi-GPU commands
    launch the installed script, never ``-m train...`` (which a user's own train/ folder would shadow)."""
    from click.testing import CliRunner

    from train.cli import train_command

    res = CliRunner().invoke(train_command, ["--accelerate-config", "fsdp"])
    assert res.exit_code == 0 and Path(res.output.strip()) == (ROOT / "train" / "accelerate" / "fsdp.yaml").resolve()
    doc = (ROOT / "docs" / "multi_gpu.md").read_text()
    launches = [line for line in doc.splitlines() if "accelerate launch --config_file" in line and "--help" not in line]
    assert launches and all("$(which curatrain) train" in line for line in launches)
    assert "-m train" not in doc.replace("`-m train.…`", "").replace("`-m train.launch` entry", "")


def test_launch_overrides():
    from train.launch import apply_overrides

    got = apply_overrides({"lora": {"r": 8}, "epochs": 3}, ["lora.alpha=16", "epochs=1", "lora.target_modules=[q_proj]"])
    assert got == {"lora": {"r": 8, "alpha": 16, "target_modules": ["q_proj"]}, "epochs": 1}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        apply_overrides({}, ["epochs"])


def test_cpu_lm_head_same_log_probs_and_grads(monkeypatch):
    """Inside cpu_lm_head() the fused head scores only supervised positions, with the lean tiles, and gives
    TRL's log-probs, entropy, top-1 flags and gradients (several vocab tiles, ties included); the
    patches are undone on exit."""
    import torch
    import trl.kernels.chunked_logprob as ck
    import trl.trainer.utils as tu

    from train.lm_head import cpu_lm_head

    torch.manual_seed(0)
    n, h, v = 37, 16, 300
    hidden = torch.randn(n, h, dtype=torch.float64).float().requires_grad_()
    weight = torch.randn(v, h).requires_grad_()
    weight.data[7] = weight.data[3]  # duplicate rows: tied logits for the top-1 rule
    targets = torch.randint(0, v, (n,))
    targets[:5] = 3
    outs = ("entropy", "is_top1")

    def run(chunk):
        hid, w = hidden.detach().clone().requires_grad_(), weight.detach().clone().requires_grad_()
        lp, ent, _, _, top1 = tu._ChunkedLogProbFunction.apply(hid, w, None, targets, 0.7, chunk, None, 1.0, outs)
        (lp.sum() * 0.5).backward()
        return lp, ent, top1, hid.grad, w.grad

    for chunk in (64, 4096):  # 5 vocab tiles, then one
        ref = run(chunk)
        with cpu_lm_head():
            assert ck._forward_tile.__name__ == "<lambda>"  # the lean tiles are in place
            got = run(chunk)
        for a, b in zip(ref, got):
            assert torch.allclose(a.float(), b.float(), atol=1e-5, rtol=1e-4), (chunk, a, b)
    assert tu._use_triton(torch.device("cpu")) is False and ck._forward_tile.__name__ == "_forward_tile"

    # compact: the fused head projects only supervised positions on CPU inside the context
    from curate.chat.tokenizer import train_tokenizer
    from train.tiny import build_tiny_model

    tok = train_tokenizer(["hello world how are you today"] * 20, 300)
    model = build_tiny_model(tok, seed=0, max_position_embeddings=64)
    tu.add_fused_lm_head(model)
    rows_scored = []
    real_apply = tu._ChunkedLogProbFunction.apply
    monkeypatch.setattr(tu._ChunkedLogProbFunction, "apply",
                        lambda hid, *a: (rows_scored.append(hid.shape[0]), real_apply(hid, *a))[1])
    ids = torch.randint(4, len(tok), (2, 12))
    labels = ids.clone()
    labels[:, :7] = -100
    full = model(input_ids=ids, labels=labels, fused_lm_head=True).log_probs
    with cpu_lm_head():
        compact = model(input_ids=ids, labels=labels, fused_lm_head=True).log_probs
    assert rows_scored == [2 * 11, 2 * 5]  # every shifted position, then only the supervised ones
    assert torch.allclose(full, compact, atol=1e-5)
