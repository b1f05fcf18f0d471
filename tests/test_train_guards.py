"""Overfitting and forgetting guards (issue 14 items 5-6): eval every N steps, early stopping on a planted overfit
with the best checkpoint's weights kept, the epoch recommendation, the general held-out eval curve beside the
in-domain one, the forgetting warning; and ``report_to``/``run_name`` reaching TRL's ``SFTConfig``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from curate.schema import make_frame
from train import guards
from train.config import Device, build_sft_config
from train.sft import train_model
from train.spec import GeneralEvalSpec, TrainSpec

FIXTURES = Path(__file__).parent / "fixtures" / "train"
GENERAL = "pipelines/data/sample/oasst_en_100_tree.jsonl"
TINY = {"vocab_size": 600, "hidden_size": 64, "intermediate_size": 128}
CPU = Device(cuda=False, bf16=False, threads=1, fused_lm_head=False)


@pytest.fixture(scope="module")
def curated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "curated.parquet"
    make_frame([json.loads(line) for line in (FIXTURES / "conversations.jsonl").open()]).write_parquet(path)
    return path


# ---------------------------------------------------------------- pure functions

def test_default_eval_steps_from_dataset_size():
    assert guards.steps_per_epoch(950, 8, 1) == 119
    assert guards.default_eval_steps(950, 8, 1, max_steps=-1) == 30  # 4 evals per epoch
    assert guards.default_eval_steps(950, 8, 2, max_steps=-1) == 15
    assert guards.default_eval_steps(950, 8, 1, max_steps=20) == 5  # a run shorter than an epoch: 4 evals in all
    assert guards.default_eval_steps(3, 8, 1, max_steps=-1) == 1


def test_epoch_recommendation_text():
    hist = [[10, 2.0], [20, 1.5], [30, 1.6], [40, 1.7]]
    epochs = {10: 0.5, 20: 1.0, 30: 1.5, 40: 2.0}
    assert guards.epoch_recommendation(hist, epochs, stopped_early=True) == (
        "eval loss was lowest at step 20 (epoch 1.0): train ~1 epochs on this data "
        "(early stopping ended the run at step 40)")
    assert guards.epoch_recommendation(hist[:2], epochs, stopped_early=False) == (
        "eval loss was still falling at the last eval (step 20, epoch 1.0): more epochs may help")
    assert guards.epoch_recommendation([], {}, stopped_early=False) is None


def test_forgetting_warning_on_planted_curves():
    in_domain = [[5, 3.0], [10, 2.5], [15, 2.2], [20, 2.0]]
    general = [[5, 4.0], [10, 3.8], [15, 3.9], [20, 4.2]]
    assert guards.forgetting_warning(in_domain, general) == (
        "forgetting: general eval loss rose 3.8000 → 4.2000 (step 10 → 20) while in-domain eval loss fell "
        "2.5000 → 2.0000: add general data (mix replay:), train fewer steps or lower the learning rate")
    assert guards.forgetting_warning(in_domain, [[5, 4.0], [10, 3.8], [15, 3.7], [20, 3.6]]) is None  # both fall
    assert guards.forgetting_warning(in_domain, [[5, 4.0], [10, 3.8], [20, 3.81]]) is None  # within 1%
    assert guards.forgetting_warning([[5, 2.0], [10, 2.5]], [[5, 3.0], [10, 3.5]]) is None  # both rise: overfit


def test_eval_histories_from_log_history():
    log = [{"step": 4, "loss": 5.0, "epoch": 0.5}, {"step": 4, "eval_all_loss": 4.0, "epoch": 0.5},
           {"step": 4, "eval_a_loss": 3.0}, {"step": 4, guards.GENERAL_METRIC: 6.0},
           {"step": 8, "eval_all_loss": 3.5, "epoch": 1.0}, {"step": 8, guards.GENERAL_METRIC: 6.5},
           {"step": 8, "eval_all_loss": 3.5}]  # the final trainer.evaluate() repeats the last step
    hist, gen, epochs = guards.eval_histories(log, "eval_all_loss")
    assert hist == [[4, 4.0], [8, 3.5]] and gen == [[4, 6.0], [8, 6.5]] and epochs == {4: 0.5, 8: 1.0}


def test_general_eval_spec_needs_one_kind():
    assert GeneralEvalSpec(path=GENERAL).rows == 64
    with pytest.raises(ValueError, match="exactly one of path, source, replay"):
        GeneralEvalSpec(path=GENERAL, source="oasst")
    with pytest.raises(ValueError, match="got none"):
        GeneralEvalSpec()


# ---------------------------------------------------------------- SFTConfig mapping

def test_config_early_stopping_and_tracking(tmp_path):
    spec = TrainSpec(report_to="tensorboard", run_name="lima-guards", early_stopping_patience=2, tiny=TINY)
    cfg = build_sft_config(spec, tmp_path, seed=1, device=CPU, has_eval=True, eval_steps=7, best_metric="eval_all_loss")
    assert cfg.report_to == ["tensorboard"] and cfg.run_name == "lima-guards"
    assert (cfg.eval_strategy.value, cfg.eval_steps, cfg.save_strategy.value) == ("steps", 7, "best")
    assert cfg.load_best_model_at_end and cfg.metric_for_best_model == "eval_all_loss" and cfg.greater_is_better is False
    off = build_sft_config(TrainSpec(early_stopping_patience=None, tiny=TINY), tmp_path, seed=1, device=CPU,
                           has_eval=True, eval_steps=7, best_metric=None)
    assert (off.load_best_model_at_end, off.save_strategy.value, off.report_to) == (False, "steps", [])
    none = build_sft_config(TrainSpec(tiny=TINY), tmp_path, seed=1, device=CPU, has_eval=False)
    assert none.eval_strategy.value == "no" and not none.load_best_model_at_end


def test_resolve_eval():
    spec = TrainSpec(batch_size=8, tiny=TINY)
    assert guards.resolve_eval(spec, 950, object()) == (30, "eval_loss")
    assert guards.resolve_eval(spec, 950, {"all": 1, guards.GENERAL_KEY: 2}) == (30, "eval_all_loss")
    assert guards.resolve_eval(spec, 950, {guards.GENERAL_KEY: 2}) == (30, None)  # no in-domain eval: no stopping
    assert guards.resolve_eval(spec, 950, None) == (None, None)
    assert guards.resolve_eval(TrainSpec(eval_steps=3, early_stopping_patience=None, tiny=TINY), 950, object()) == (3, None)


# ---------------------------------------------------------------- training runs

def test_planted_overfit_stops_early_keeps_best_and_recommends_epochs(curated, tmp_path):
    # 27 training rows, 40 epochs at a high learning rate: in-domain eval loss turns after 4 epochs
    spec = TrainSpec(epochs=40, learning_rate=1e-2, warmup_ratio=0.0, batch_size=8, logging_steps=4, max_length=256,
                     eval_fraction=0.1, eval_steps=4, early_stopping_patience=2, num_threads=1, tiny=TINY,
                     general_eval={"path": GENERAL, "rows": 16})
    lines: list[str] = []
    out = tmp_path / "model"
    r = train_model(curated, spec, out, seed=7, tokenizer_dir=None, lineage={}, echo=lines.append)
    assert r["stopped_early"] is True
    assert (r["best_step"], r["steps"]) == (16, 24)  # patience 2: evals at 20 and 24 did not improve
    assert [s for s, _ in r["eval_history"]] == [4, 8, 12, 16, 20, 24]
    assert [s for s, _ in r["general_eval_history"]] == [4, 8, 12, 16, 20, 24]
    assert r["best_eval_loss"] == min(v for _, v in r["eval_history"])
    assert math.isclose(r["eval_loss"], r["best_eval_loss"], rel_tol=1e-5)  # the saved weights are the best step's
    assert r["epoch_recommendation"] == ("eval loss was lowest at step 16 (epoch 4.0): train ~4 epochs on this data "
                                         "(early stopping ended the run at step 24)")
    assert r["general_eval_loss"] is not None and "general_heldout" not in r["eval_loss_by_source"]
    card = (out / "README.md").read_text()
    assert "## Overfitting and forgetting guards" in card and r["epoch_recommendation"] in card
    assert json.loads((out / "metrics.json").read_text())["eval_history"] == r["eval_history"]
    assert f"train: {r['epoch_recommendation']}" in lines
    assert any("general eval: 16 rows of " + GENERAL in line for line in lines)


def test_general_eval_from_a_source_is_held_out_of_training(curated, tmp_path):
    spec = TrainSpec(max_steps=6, learning_rate=3e-3, batch_size=8, logging_steps=2, max_length=256,
                     eval_fraction=0.1, eval_steps=3, num_threads=1, tiny=TINY, save_steps=None,
                     general_eval={"source": "oasst", "rows": 3})
    r = train_model(curated, spec, tmp_path / "m", seed=7, tokenizer_dir=None, lineage={}, echo=lambda s: None)
    rows = r["rows"]
    assert rows["general_heldout"] == 3
    assert rows["curated"] == rows["train_split"] + rows["eval_split"] + rows["general_heldout"] == 30
    assert [s for s, _ in r["general_eval_history"]] == [3, 6] and len(r["eval_history"]) == 2


def test_report_training_section_plots_general_curve_and_warns(tmp_path):
    from pipelines.report import _training

    (tmp_path / "model").mkdir()
    metrics = {"loss_history": [[1, 5.0], [5, 3.0], [10, 2.0], [15, 1.5], [20, 1.2]], "steps": 20,
               "eval_history": [[5, 3.0], [10, 2.5], [15, 2.2], [20, 2.0]],
               "general_eval_history": [[5, 4.0], [10, 3.8], [15, 3.9], [20, 4.2]], "best_step": 20,
               "epoch_recommendation": "eval loss was still falling at the last eval (step 20, epoch 2.0): more "
                                       "epochs may help"}
    (tmp_path / "model" / "metrics.json").write_text(json.dumps(metrics))
    section, figs = _training({}, tmp_path)
    assert [f.title for f in figs] == ["Training loss and eval loss with the general held-out eval"]
    assert section["summary"]["WARNING"].startswith("forgetting: general eval loss rose 3.8000 → 4.2000 (step 10 → 20)")
    assert section["summary"]["epoch_recommendation"] == metrics["epoch_recommendation"]
    metrics["general_eval_history"] = [[5, 4.0], [10, 3.8], [15, 3.7], [20, 3.6]]
    (tmp_path / "model" / "metrics.json").write_text(json.dumps(metrics))
    assert "WARNING" not in _training({}, tmp_path)[0]["summary"]


def test_replay_rows_are_the_default_general_eval(tmp_path):
    from curate.stage import Context
    from curate.stages.mix import Mix
    from train.data import load_split, take_general_eval

    rows = [json.loads(line) for line in (FIXTURES / "conversations.jsonl").open()]
    mixed = Mix(Mix.Params(weights={"fastchat": 1}, replay={"source": "oasst", "share": 0.25})).run(
        make_frame(rows), Context(seed=3)).kept  # 20 fastchat + round(0.25 * 20 / 0.75) = 7 oasst replay rows
    path = tmp_path / "curated.parquet"
    mixed.write_parquet(path)
    split = load_split(path, 0.1, per_source=True)
    split, general, desc = take_general_eval(split, None, path)
    assert len(general) == 1 and set(general["source"]) == {"oasst"}  # a quarter of 7, at least 1
    assert desc == "1 rows marked meta.replay (the mix stage's replay: block) held out of training (default: replay rows present)"
    assert general["id"][0] not in set(split.train["id"]) | set(split.eval["id"] if split.eval is not None else [])
    assert split.rows.curated == 27 == split.rows.train_split + split.rows.eval_split + split.rows.general_heldout


def test_validate_general_eval_against_stages():
    from pipelines.spec import load_spec
    from train.spec import check_train_against_stages

    spec = load_spec(Path(__file__).resolve().parent.parent / "pipelines" / "lima.yaml", check_files=False)
    stages = [(s.name, s.params) for s in spec.stages]
    assert check_train_against_stages(spec.train, stages) == []  # lima: mix replay + general_eval replay
    no_replay = [(n, p) for n, p in stages if n != "mix"]
    assert check_train_against_stages(spec.train, no_replay) == [
        "train.general_eval.replay: no mix stage has a replay: block, so no row is marked meta.replay; add mix "
        "replay: {source|path, share}, or give general_eval a path or source"]
    bad = TrainSpec(general_eval={"source": "wiki"}, tiny={"hidden_size": 64})
    assert check_train_against_stages(bad, stages)[0].startswith(
        "train.general_eval.source: 'wiki' is not read by any input; declared sources: fastchat_identity, ")
