"""Train a pipeline's curated output, on one process or under ``accelerate launch`` (DDP, FSDP).

Single process (same as ``curatrain train``)::

    python -m train.launch pipelines/lima.yaml --set max_steps=50

Several GPUs (docs/multi_gpu.md; configs in train/accelerate/)::

    accelerate launch --config_file train/accelerate/ddp.yaml --num_processes 4 -m train.launch pipelines/lima.yaml

Every process reads the same curated Parquet, splits eval rows by the same hash and builds the same
tokenizer; TRL/accelerate shard the batches. Only rank 0 writes ``lineage.json``, ``README.md``,
``metrics.json`` and the ``train`` entry of ``stats.json``. Run the curation stages first
(``curatrain run PIPELINE --no-train``): stages are not meant to run once per GPU.

It is the one implementation behind ``curatrain run`` (via ``pipelines.runner.train_from_outputs``),
``curatrain train`` and ``accelerate launch``: rank-0 guard and ``--set`` overrides included.
"""

from __future__ import annotations

import json
import os
import sys
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

    Raises ``ValueError`` when the spec has no ``train:`` block or an override is invalid (pydantic's
    message, one line per problem), ``FileNotFoundError`` when the pipeline has not been run.
    """
    from pydantic import ValidationError

    from train.sft import train_model
    from train.spec import TrainSpec

    if spec.train is None:
        raise ValueError(f"{spec.path} has no train: block")
    train = spec.train
    if overrides:
        try:
            train = TrainSpec.model_validate(apply_overrides(spec.train.model_dump(mode="json", exclude_unset=True),
                                                             overrides))
        except ValidationError as exc:
            problems = [f"train.{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
            raise ValueError("invalid --set:\n" + "\n".join(f"  - {p}" for p in problems)) from None
    out = spec.output_dir
    curated_path, stats_path = out / "curated.parquet", out / "stats.json"
    if not curated_path.exists() or not stats_path.exists():
        raise FileNotFoundError(f"{curated_path} not found: run the pipeline first (curatrain run {spec.path} --no-train)")
    stats = json.loads(stats_path.read_text())
    tok_dir = next((st["artifacts"].get("tokenizer") for st in stats["stages"]
                    if st["stage"] == "chat_template" and st.get("artifacts")), None)
    result = train_model(curated_path, train, out / train.output_subdir, seed=spec.seed,
                         tokenizer_dir=Path(tok_dir) if tok_dir else None, lineage=stats,
                         echo=echo if is_main_process() else (lambda s: None))
    if is_main_process():
        stats["train"] = result
        stats_path.write_text(json.dumps(stats, indent=2, default=str))
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m train.launch PIPELINE [--set KEY=VALUE ...]``; exit status 1 with one-line errors."""
    from train.cli import train_command

    try:
        train_command.main(args=argv if argv is not None else sys.argv[1:], prog_name="train.launch",
                           standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
