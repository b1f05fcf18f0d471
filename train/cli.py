"""``curatrain train``: the click command that trains a pipeline's curated output.

``pipelines/cli.py`` attaches ``train_command`` to the ``curatrain`` group; this is the only command-line
entry for training, on one process or under ``accelerate launch ... $(which curatrain) train PIPELINE``
(docs/multi_gpu.md). The work is done by ``train.launch.run_training``, which imports nothing from here.
One-line errors, exit status 1, never a traceback for user input; metrics as one JSON line on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from train.launch import is_main_process, run_training

ACCELERATE_CONFIGS = Path(__file__).resolve().parent / "accelerate"


def _print_config(ctx: click.Context, _param, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    click.echo(ACCELERATE_CONFIGS / f"{value}.yaml")
    ctx.exit(0)


@click.command(name="train", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("pipeline", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a train: field (YAML value; dotted keys for lora.*), e.g. --set learning_rate=3e-5.")
@click.option("--epochs", type=float, help="Shorthand for --set epochs=N.")
@click.option("--learning-rate", type=float, help="Shorthand for --set learning_rate=X.")
@click.option("--max-steps", type=int, help="Shorthand for --set max_steps=N.")
@click.option("--resume", is_flag=True, help="Resume from the newest checkpoint-* even if the data or train: "
              "settings changed (a rerun of the same settings resumes by itself).")
@click.option("--merge-adapter", is_flag=True, help="LoRA: also save the merged model in <output>/merged.")
@click.option("--accelerate-config", type=click.Choice(["ddp", "fsdp"]), callback=_print_config, expose_value=False,
              is_eager=True, help="Print the path of a shipped accelerate config (for accelerate launch) and exit.")
def train_command(pipeline: str, overrides: tuple[str, ...], epochs: float | None, learning_rate: float | None,
                  max_steps: int | None, resume: bool, merge_adapter: bool) -> None:
    """Train on PIPELINE's curated output (run the pipeline first) using its train: block.

    Prints the metrics as one JSON line on stdout (logs on stderr).

    Example: curatrain train pipelines/lima.yaml --set max_steps=50 --set lora.r=8

    Several GPUs: accelerate launch --config_file $(curatrain train --accelerate-config ddp)
    --num_processes 4 $(which curatrain) train pipelines/lima.yaml
    """
    from pipelines.spec import SpecError, load_spec

    items = list(overrides)
    for key, value in (("epochs", epochs), ("learning_rate", learning_rate), ("max_steps", max_steps)):
        if value is not None:
            items.append(f"{key}={value}")
    if resume:
        items.append("resume_from_checkpoint=true")
    if merge_adapter:
        items.append("merge_adapter=true")
    try:
        spec = load_spec(pipeline, check_files=False)
    except SpecError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)
    try:
        result = run_training(spec, items, echo=lambda s: click.echo(s, err=True))
    except (ValueError, FileNotFoundError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    keys = ("output_dir", "first_loss", "last_loss", "eval_loss", "eval_loss_by_source", "tokens_per_second",
            "padding_fraction", "mfu", "audit", "merged_dir")
    if is_main_process():
        click.echo(json.dumps({k: result.get(k) for k in keys}, default=str))
