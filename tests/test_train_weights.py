"""Per-sample loss weights (issue 14 item 7): train.sample_weight names a stat_* column; the loss is
Σ_t w_row(t)·NLL_t / N_supervised, checked against a loss computed by hand from the model's logits."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from curate.schema import make_frame
from tests.test_train import TINY, _rows
from train.spec import TrainSpec

WEIGHTS = [0.0, 1.0, 3.0, 2.0] + [1.0] * 26  # 30 fixture rows; mean 32/30 before normalising


@pytest.fixture(scope="module")
def weighted(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("w") / "curated.parquet"
    make_frame(_rows()).with_columns(stat_quality=pl.Series(WEIGHTS)).write_parquet(path)
    return path


def test_weighted_loss_equals_hand_computed(weighted):
    import torch

    from curate.chat.tokenizer import train_tokenizer
    from train.config import Device, build_sft_config
    from train.data import load_split, prepare_for_trl
    from train.sft import build_trainer
    from train.tiny import build_tiny_model

    spec = TrainSpec(sample_weight="stat_quality", eval_fraction=0.0, max_length=128, batch_size=4, max_steps=1,
                     save_steps=None, save_minutes=None, tiny=TINY)
    split = load_split(weighted, 0.0, False, weight_column="stat_quality")
    assert split.train["sample_weight"][:4] == pytest.approx([0.0, 15 / 16, 45 / 16, 30 / 16])  # divided by the mean
    tok = train_tokenizer(split.texts(), 600)
    model = build_tiny_model(tok, spec.tiny, max_position_embeddings=256, seed=3)
    train_in, _ = prepare_for_trl(split, tok, padding_free=True, max_length=128, assistant_only_loss=True,
                                  per_source=False)
    device = Device(cuda=False, bf16=False, threads=1, fused_lm_head=False)
    cfg = build_sft_config(spec, Path("/tmp/unused-weighted"), seed=3, device=device, has_eval=False)
    trainer, _ = build_trainer(model, tok, cfg, train_in, None, spec, device, echo=lambda s: None)
    rows = [train_in[i] for i in range(4)]
    batch = trainer.data_collator(rows)
    assert batch["token_weights"].shape == batch["labels"].shape and batch["labels"].shape[0] == 1  # padding-free
    loss = trainer.compute_loss(model, dict(batch))

    # by hand: each row alone through the model, next-token NLL on its supervised tokens, weighted, / all tokens
    total, n = torch.tensor(0.0), 0
    with torch.no_grad():
        for r in rows:
            ids, labels = torch.tensor([r["input_ids"]]), torch.tensor(r["labels"])
            logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
            target = labels[1:]
            keep = target != -100
            nll = -logp[keep].gather(-1, target[keep].unsqueeze(-1)).squeeze(-1)
            total += r["sample_weight"] * nll.sum()
            n += int(keep.sum())
    assert float(loss) == pytest.approx(float(total / n), rel=1e-5)

    # all weights 1 → TRL's own loss, unchanged
    ones = [{**r, "sample_weight": 1.0} for r in rows]
    plain = trainer.data_collator([{k: v for k, v in r.items() if k != "sample_weight"} for r in rows])
    assert float(trainer.compute_loss(model, dict(trainer.data_collator(ones)))) == pytest.approx(
        float(trainer.compute_loss(model, dict(plain))), rel=1e-6)


def test_weighted_training_runs_end_to_end(weighted, tmp_path):
    from train.sft import train_model

    spec = TrainSpec(sample_weight="stat_quality", eval_fraction=0.1, max_length=128, batch_size=8, max_steps=3,
                     logging_steps=1, learning_rate=3e-3, save_steps=None, save_minutes=None, tiny=TINY)
    result = train_model(weighted, spec, tmp_path / "m", seed=3, tokenizer_dir=None, lineage={}, echo=lambda s: None)
    assert result["steps"] == 3 and result["eval_loss"] is not None and len(result["loss_history"]) == 3


def test_bad_weights_are_one_line_errors(tmp_path):
    from train.data import load_split

    path = tmp_path / "c.parquet"
    frame = make_frame(_rows()[:3])
    frame.with_columns(stat_quality=pl.Series([1.0, None, 2.0]), note=pl.lit("x")).write_parquet(path)
    with pytest.raises(ValueError) as exc:
        load_split(path, 0.0, False, weight_column="stat_quality")
    assert str(exc.value) == (f"{path}: train.sample_weight 'stat_quality' is None in row {frame['id'][1]}: weights "
                              "must be finite and >= 0 (drop such rows in curation, or fill them)")
    with pytest.raises(ValueError, match=r"'stat_nope' is not a column; numeric columns: stat_quality$"):
        load_split(path, 0.0, False, weight_column="stat_nope")
    with pytest.raises(ValueError, match="'note' is not numeric"):
        load_split(path, 0.0, False, weight_column="note")
    with pytest.raises(ValueError, match="needs padding_free"):
        TrainSpec(sample_weight="stat_quality", packing=True)
