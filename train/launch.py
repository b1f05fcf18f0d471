"""Train a pipeline's curated output: the one implementation behind ``curatrain run`` (via
``pipelines.runner.train_from_outputs``), ``curatrain train`` (``train.cli``) and ``accelerate launch``.

Single process::

    curatrain train pipelines/lima.yaml --set max_steps=50

Several GPUs (docs/multi_gpu.md; configs in train/accelerate/): launch the installed ``curatrain``
script, never ``-m train...`` (``-m`` puts the working directory first on ``sys.path``, so a user's own
``train/`` folder would be imported instead of curatrain's)::

    accelerate launch --config_file train/accelerate/ddp.yaml --num_processes 4 $(which curatrain) train pipelines/lima.yaml

Every process reads the same curated Parquet, splits eval rows by the same hash and builds the same
tokenizer; TRL/accelerate shard the batches. Only rank 0 writes ``lineage.json``, ``README.md``,
``metrics.json`` and the ``train`` entry of ``stats.json``. Run the curation stages first
(``curatrain run PIPELINE --no-train``): stages are not meant to run once per GPU.

This module imports no click and no other ``train`` module at import time (``train.cli`` imports it,
never the reverse).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import yaml


def is_main_process() -> bool:
    """True on rank 0 (or without a launcher): ``RANK`` unset or ``"0"``."""
    return os.environ.get("RANK", "0") == "0"


def apply_overrides(train: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """``train`` (a ``train:`` block as a dict) with ``KEY=VALUE`` overrides applied; ``KEY`` may be
    dotted (``lora.r=8``), ``VALUE`` is parsed as YAML (``true``, ``3e-5``, ``[q_proj, v_proj]``).
    Raises ``ValueError`` for an item without ``=``."""
    out = json.loads(json.dumps(train))
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set {item!r}: expected KEY=VALUE, e.g. --set learning_rate=3e-5")
        key, value = item.split("=", 1)
        node = out
        parts = key.strip().split(".")
        for p in parts[:-1]:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        node[parts[-1]] = yaml.safe_load(value)
    return out


def run_training(spec, overrides: list[str] | None = None, echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Train ``spec`` (a ``pipelines.spec.PipelineSpec`` with a ``train:`` block) on
    ``<output.dir>/curated.parquet``; returns ``train.sft.train_model``'s metrics.

    Raises ``ValueError`` when the spec has no ``train:`` block, an override is invalid (pydantic's
    message, one line per problem) or the (overridden) block disagrees with the ``chat_template`` stage
    (``train.spec.check_train_against_stages``), ``FileNotFoundError`` when the pipeline has not been run.
    """
    from pydantic import ValidationError

    from train.sft import train_model
    from train.spec import TrainSpec, check_train_against_stages, unknown_key_hint

    if spec.train is None:
        raise ValueError(f"{spec.path} has no train: block")
    train = spec.train
    if overrides:
        try:
            train = TrainSpec.model_validate(apply_overrides(spec.train.model_dump(mode="json", exclude_unset=True),
                                                             overrides))
        except ValidationError as exc:
            problems = [f"train.{'.'.join(str(x) for x in e['loc'])}: "
                        + (unknown_key_hint(tuple(e["loc"])) if e["type"] == "extra_forbidden" else e["msg"])
                        for e in exc.errors()]
            raise ValueError("invalid --set:\n" + "\n".join(f"  - {p}" for p in problems)) from None
    problems = check_train_against_stages(train, [(s.name, s.params) for s in spec.stages])
    if problems:
        raise ValueError("train: block disagrees with the curation stages:\n" + "\n".join(f"  - {p}" for p in problems))
    out = spec.output_dir
    curated_path, stats_path = out / "curated.parquet", out / "stats.json"
    if not curated_path.exists() or not stats_path.exists():
        raise FileNotFoundError(f"{curated_path} not found: run the pipeline first (curatrain run {spec.path} --no-train)")
    stats = json.loads(stats_path.read_text())
    if is_main_process() and "train" in stats:  # until this run completes, no trained model is reported
        stats.pop("train")
        stats_path.write_text(json.dumps(stats, indent=2, default=str))
    # the stage that saved a tokenizer (chat_template) decides tokenizer and template; found by artifact, not name
    tok_dir = next((st["artifacts"]["tokenizer"] for st in stats["stages"] if (st.get("artifacts") or {}).get("tokenizer")),
                   None)
    result = train_model(curated_path, train, out / train.output_subdir, seed=spec.seed,
                         tokenizer_dir=Path(tok_dir) if tok_dir else None, lineage=stats,
                         echo=echo if is_main_process() else (lambda s: None))
    if is_main_process():
        stats["train"] = result
        stats_path.write_text(json.dumps(stats, indent=2, default=str))
    return result
