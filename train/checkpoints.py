"""Training that survives ``kill -9``: periodic checkpoints, automatic resume, and a completion marker.

- **Checkpoints** are on by default: every ``train.save_steps`` optimizer steps (default 100) and every
  ``train.save_minutes`` minutes (default 10, ``CheckpointPolicy``), whichever comes first, never at the last
  step (the final model is saved instead); transformers keeps the last ``train.save_total_limit`` (default 2)
  ``checkpoint-<step>`` folders under the model folder.
- **Run key**: a hash of what decides the outputs: the curated file's bytes, the ``train:`` block (less the
  fields that do not change them: checkpointing, logging, threads, resume, output folder), the seed and the
  tokenizer folder's files. Written to ``curatrain_run.json`` in the model folder when training starts.
- **Resume** (``prepare``): with ``train.resume_from_checkpoint: auto`` (the default), a run whose key equals the
  one in the folder resumes from its newest *complete* checkpoint (one whose ``trainer_state.json`` parses and
  names its step: transformers writes that file last); checkpoints of another key are removed, so an edited
  ``train:`` block or new data starts fresh. ``true`` resumes from the newest checkpoint whatever its key;
  ``false`` never resumes; a path resumes from that folder. The Trainer restores optimizer, scheduler, RNG
  states and the data order (it skips the batches already seen), so a resumed run ends with the weights an
  uninterrupted one would have (tests/test_train_resume.py).
- **Finished**: a folder whose ``_COMPLETE`` names the same run key is not trained again (``finished``: its
  ``metrics.json`` is returned), as a cached stage is not rerun.
- **Completion**: ``_COMPLETE`` (JSON: run key, time) is written last, after the weights, tokenizer,
  ``metrics.json``, ``lineage.json`` and the model card; ``prepare`` removes it, and those three files of an
  earlier model, before anything else is written. A folder without it is not a trained model (``is_complete``).

Example::

    key = run_key(curated_path, spec, seed=13, tokenizer_dir=None)
    resume = prepare(out_dir, spec, key=key, curated_path=curated_path, seed=13)
    trainer.train(resume_from_checkpoint=resume)
    ...
    mark_complete(out_dir, key)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import re
import shutil
import time
from pathlib import Path

from train.spec import TrainSpec

try:
    from transformers import TrainerCallback
except ImportError:  # pragma: no cover - transformers is a training dependency
    TrainerCallback = object  # type: ignore[misc,assignment]

log = logging.getLogger("curatrain.train")

MARKER = "_COMPLETE"
#: files that describe a finished model; removed with the marker when a run starts, written again at its end
DESCRIBES_MODEL = ("metrics.json", "lineage.json", "README.md")
RUN_FILE = "curatrain_run.json"
#: train: fields that do not change the trained weights, left out of the run key
_NOT_IN_KEY = ("resume_from_checkpoint", "save_steps", "save_minutes", "save_total_limit", "logging_steps",
               "num_threads", "output_subdir", "report_to", "run_name")
_CKPT = re.compile(r"^checkpoint-(\d+)$")


def _digest_file(h, path: Path) -> None:
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)


def run_key(curated_path: Path, spec: TrainSpec, seed: int, tokenizer_dir: Path | None) -> str:
    """16 hex characters of sha256 over the curated file's bytes, the ``train:`` block less ``_NOT_IN_KEY``,
    ``seed`` and every file of ``tokenizer_dir`` (names and bytes). Same inputs → same key on any machine."""
    h = hashlib.sha256()
    _digest_file(h, Path(curated_path))
    body = {k: v for k, v in spec.model_dump(mode="json").items() if k not in _NOT_IN_KEY}
    h.update(json.dumps({"spec": body, "seed": seed}, sort_keys=True).encode())
    if tokenizer_dir is not None:
        for f in sorted(p for p in Path(tokenizer_dir).rglob("*") if p.is_file()):
            h.update(str(f.relative_to(tokenizer_dir)).encode())
            _digest_file(h, f)
    return h.hexdigest()[:16]


def checkpoints(out_dir: Path) -> list[tuple[int, Path]]:
    """``[(step, folder), ...]`` of the ``checkpoint-<step>`` folders under ``out_dir``, oldest first."""
    if not out_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in out_dir.iterdir() if p.is_dir() and (m := _CKPT.match(p.name))]
    return sorted(found)


def is_complete_checkpoint(folder: Path, step: int) -> bool:
    """True when ``folder``'s ``trainer_state.json`` (written last by transformers) parses and names ``step``."""
    try:
        return json.loads((folder / "trainer_state.json").read_text()).get("global_step") == step
    except (OSError, ValueError):
        return False


def latest_checkpoint(out_dir: Path) -> Path | None:
    """The newest complete checkpoint under ``out_dir`` (``is_complete_checkpoint``), or None."""
    for step, folder in reversed(checkpoints(out_dir)):
        if is_complete_checkpoint(folder, step):
            return folder
    return None


def is_complete(model_dir: Path, key: str | None = None) -> bool:
    """True when ``model_dir`` holds a finished model: its ``_COMPLETE`` marker exists (and names ``key``, when
    given). A folder left by a killed run has no marker."""
    try:
        marker = json.loads((Path(model_dir) / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return key is None or marker.get("run_key") == key


def prepare(out_dir: Path, spec: TrainSpec, *, key: str, curated_path: Path, seed: int) -> str | None:
    """Get ``out_dir`` ready for the run ``key`` (``run_key``) and decide where it resumes; returns the checkpoint
    folder to resume from, or None.

    Removes the completion marker (and ``metrics.json``, ``lineage.json``, ``README.md``) first, then applies ``spec.resume_from_checkpoint`` (see the module), removes
    incomplete checkpoints (a kill during a save) and records the run key. Raises ``FileNotFoundError`` for
    ``true`` with no checkpoint or a path that is not a folder."""
    main = os.environ.get("RANK", "0") == "0"  # under a launcher only rank 0 changes the folder
    if main:  # the folder stops describing a finished model before anything changes in it
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in (MARKER, *DESCRIBES_MODEL):
            (out_dir / name).unlink(missing_ok=True)
    mode = spec.resume_from_checkpoint
    same_run = _read_key(out_dir) == key
    resume: str | None = None
    if mode is True:
        found = latest_checkpoint(out_dir)
        if found is None:
            raise FileNotFoundError(f"resume_from_checkpoint: no complete checkpoint-* folder under {out_dir} "
                                    "(train.save_steps / save_minutes write them)")
        resume = str(found)
    elif isinstance(mode, str) and mode != "auto":
        if not Path(mode).is_dir():
            raise FileNotFoundError(f"resume_from_checkpoint: {mode} is not a folder")
        resume = mode
    elif mode == "auto" and same_run:
        found = latest_checkpoint(out_dir)
        resume = str(found) if found is not None else None
    drop_all = resume is None and (mode is False or (mode == "auto" and not same_run))
    if main:
        for step, folder in checkpoints(out_dir):
            if drop_all:
                why = "resume_from_checkpoint: false" if mode is False else "another run key (data or train: changed)"
            elif not is_complete_checkpoint(folder, step):
                why = "unfinished (the run was stopped while saving it)"
            else:
                continue
            log.info(f"removing {folder}: {why}")
            shutil.rmtree(folder)
        (out_dir / RUN_FILE).write_text(json.dumps({"run_key": key, "curated": str(curated_path), "seed": seed,
                                                    "resumed_from": resume}, indent=2))
    return resume


def _read_key(out_dir: Path) -> str | None:
    try:
        return json.loads((out_dir / RUN_FILE).read_text()).get("run_key")
    except (OSError, ValueError):
        return None


def mark_complete(out_dir: Path, key: str) -> None:
    """Write ``_COMPLETE`` (run key and UTC time) in ``out_dir``: call it after every other output is written."""
    tmp = out_dir / f".{MARKER}.tmp"
    tmp.write_text(json.dumps({"run_key": key, "completed_at": _dt.datetime.now(_dt.timezone.utc)
                              .isoformat(timespec="seconds")}))
    tmp.replace(out_dir / MARKER)


def finished(out_dir: Path, spec: TrainSpec, key: str) -> dict | None:
    """The stored metrics of a finished model in ``out_dir`` with run key ``key`` (``_COMPLETE`` and
    ``metrics.json``), when ``spec.resume_from_checkpoint`` is ``auto``: training it again would give the same
    weights. None otherwise."""
    if spec.resume_from_checkpoint != "auto" or not is_complete(out_dir, key):
        return None
    try:
        return json.loads((out_dir / "metrics.json").read_text())
    except (OSError, ValueError):
        return None


class CheckpointPolicy(TrainerCallback):
    """Checkpoint timing beside ``save_steps``: a checkpoint when ``minutes`` (None: never by time) have passed
    since the last one, and none at the last step (``state.global_step >= state.max_steps``): ``train_model``
    saves the final model itself, and transformers 5.23 resumed from a last-step checkpoint trains one step past
    ``max_steps`` (seen here: 4 steps of a 3-step run), so a resume always starts before the end."""

    def __init__(self, minutes: float | None):
        self.seconds = minutes * 60.0 if minutes else None
        self._last = time.monotonic()

    def on_train_begin(self, args, state, control, **kwargs):
        self._last = time.monotonic()

    def on_step_end(self, args, state, control, **kwargs):
        if self.seconds is not None and time.monotonic() - self._last >= self.seconds:
            control.should_save = True
        if state.max_steps and state.global_step >= state.max_steps:
            control.should_save = False
        return control

    def on_save(self, args, state, control, **kwargs):
        self._last = time.monotonic()
