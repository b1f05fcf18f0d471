"""Training survives a kill (issue 10 item 7): checkpoints by default, automatic resume of the same run key,
a model folder complete only with its marker, and the resumed weights equal an uninterrupted run's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import TrainerCallback

from tests.test_train import TINY, curated  # noqa: F401  (shared fixture)
from train.checkpoints import MARKER, RUN_FILE, checkpoints, is_complete, run_key
from train.sft import train_model
from train.spec import TrainSpec

# 30 rows, batch 4: 8 steps an epoch, so 10 steps cross an epoch boundary after the resume point
SPEC = dict(max_steps=10, learning_rate=3e-3, warmup_ratio=0.0, batch_size=4, logging_steps=1, max_length=128,
            eval_fraction=0.0, save_steps=3, save_minutes=None, tiny=TINY)


class Killed(Exception):
    pass


class KillAt(TrainerCallback):
    """Stops training like kill -9 would, after step ``step`` and before anything of that step is saved."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.step:
            raise Killed(f"killed at step {state.global_step}")


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def _train(curated, out, callbacks=(), **over):
    return train_model(curated, TrainSpec(**{**SPEC, **over}), out, seed=11, tokenizer_dir=None, lineage={},
                       echo=lambda s: None, callbacks=list(callbacks))


@pytest.fixture(scope="module")
def uninterrupted(curated, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "model"
    return _train(curated, out), out


def test_defaults_write_checkpoints():
    spec = TrainSpec()
    assert (spec.save_steps, spec.save_minutes, spec.save_total_limit, spec.resume_from_checkpoint) == \
        (100, 10.0, 2, "auto")


def test_killed_run_resumes_and_ends_with_the_same_weights(curated, uninterrupted, tmp_path, caplog):
    import logging

    import torch

    whole, whole_dir = uninterrupted
    assert is_complete(whole_dir) and whole["steps"] == 10
    out = tmp_path / "model"
    with pytest.raises(Killed):
        _train(curated, out, callbacks=[KillAt(7)])
    assert [s for s, _ in checkpoints(out)] == [3, 6]  # the last two kept
    assert not (out / MARKER).exists() and not is_complete(out)  # never reported as a trained model
    assert not any((out / f).exists() for f in ("metrics.json", "lineage.json"))  # (TRL writes its own README.md)
    half = out / "checkpoint-9"  # a kill while saving leaves a checkpoint without trainer_state.json
    half.mkdir()
    (half / "model.safetensors").write_bytes(b"\0" * 10)

    with caplog.at_level(logging.INFO, logger="curatrain.train"):
        result = _train(curated, out)
    assert f"removing {half}: unfinished (the run was stopped while saving it)" in caplog.messages
    run = json.loads((out / RUN_FILE).read_text())
    assert run["resumed_from"] == str(out / "checkpoint-6")
    assert [s for s, _ in checkpoints(out)] == [6, 9]  # the resumed run saved step 9 for real; never the last step
    assert result["steps"] == 10 and is_complete(out, run["run_key"])
    a, b = _weights(whole_dir), _weights(out)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    # the loss history of the resumed run continues the killed one: the same losses step by step
    assert result["loss_history"] == whole["loss_history"]


def test_other_settings_start_fresh(curated, tmp_path):
    out = tmp_path / "model"
    _train(curated, out, max_steps=2)  # a finished model, then a killed run of other settings in its folder
    assert is_complete(out) and (out / "metrics.json").exists()
    with pytest.raises(Killed):
        _train(curated, out, callbacks=[KillAt(4)])
    assert [s for s, _ in checkpoints(out)] == [3]  # checkpoint-2 of the first run was not this run's
    assert not is_complete(out) and not (out / "metrics.json").exists()  # the old model is no longer reported
    result = _train(curated, out, learning_rate=1e-3, max_steps=2)  # another run key: checkpoint-3 is not ours
    assert json.loads((out / RUN_FILE).read_text())["resumed_from"] is None
    assert result["steps"] == 2 and checkpoints(out) == [] and is_complete(out)  # 3 was removed


def test_a_finished_model_is_not_trained_again(curated, uninterrupted):
    whole, whole_dir = uninterrupted
    before = (whole_dir / "model.safetensors").stat().st_mtime_ns
    lines: list[str] = []
    again = train_model(curated, TrainSpec(**{**SPEC, "logging_steps": 5}), whole_dir, seed=11, tokenizer_dir=None,
                        lineage={}, echo=lines.append)  # logging_steps does not change the weights: same run key
    assert lines == [f"train: cached, {whole_dir} was trained on the same data with the same settings "
                     f"(run key {run_key(curated, TrainSpec(**SPEC), 11, None)})"]
    assert again["loss_history"] == [list(x) for x in whole["loss_history"]] and (whole_dir / "model.safetensors").stat().st_mtime_ns == before


def test_no_checkpoint_at_the_last_step(curated, tmp_path):
    """transformers 5.23 resumed from a last-step checkpoint trains one step too many; so none is written there,
    and a run killed after its last step resumes from the one before and still ends at max_steps."""
    out = tmp_path / "model"
    _train(curated, out, max_steps=6)  # save_steps=3: checkpoint 3 only, not 6
    assert [s for s, _ in checkpoints(out)] == [3]
    (out / MARKER).unlink()  # as if killed after the final save, before the marker
    again = _train(curated, out, max_steps=6)
    assert again["steps"] == 6 and json.loads((out / RUN_FILE).read_text())["resumed_from"] == str(out / "checkpoint-3")


def test_run_key_ignores_what_does_not_change_the_weights(curated):
    key = run_key(curated, TrainSpec(**SPEC), 11, None)
    assert run_key(curated, TrainSpec(**{**SPEC, "logging_steps": 5, "save_steps": 7, "num_threads": 1}), 11, None) == key
    assert run_key(curated, TrainSpec(**{**SPEC, "learning_rate": 1e-3}), 11, None) != key
    assert run_key(curated, TrainSpec(**SPEC), 12, None) != key


_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from transformers import TrainerCallback
from tests.test_train_resume import SPEC
from train.sft import train_model
from train.spec import TrainSpec

class Slow(TrainerCallback):  # gives the parent time to kill between steps; changes no number
    def on_step_end(self, args, state, control, **kwargs):
        time.sleep(0.3)

train_model({curated!r}, TrainSpec(**SPEC), {out!r}, seed=11, tokenizer_dir=None, lineage={{}},
            echo=lambda s: None, callbacks=[Slow()])
"""


@pytest.mark.slow
def test_kill_9_mid_training_then_rerun(curated, uninterrupted, tmp_path):
    """A real SIGKILL once checkpoint-6 is on disk; the rerun resumes and ends with the uninterrupted weights."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import torch

    out = tmp_path / "model"
    root = Path(__file__).resolve().parent.parent
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=str(root), curated=str(curated), out=str(out))],
                             cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not (out / "checkpoint-6" / "trainer_state.json").exists():
        assert child.poll() is None and time.monotonic() < deadline, "the child ended before checkpoint-6"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not is_complete(out)
    _train(curated, out)
    assert json.loads((out / RUN_FILE).read_text())["resumed_from"] == str(out / "checkpoint-6")
    a, b = _weights(uninterrupted[1]), _weights(out)
    assert all(torch.equal(a[k], b[k]) for k in a) and is_complete(out)
