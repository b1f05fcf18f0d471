"""``curatrain``: the command line. Thin commands over the library; data to stdout, logs to stderr.

Commands: ``run``, ``validate``, ``stages``, ``inspect`` here; ``train`` (train/cli.py) and
``dedup-eval`` (pipelines/dedup_eval.py) live beside the code they drive and are attached below. Errors in user input end in one
line (or one line per problem) and exit status 1, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from pipelines.spec import SpecError, load_spec

# Never reach for the hub by accident: a hub name fails in ~1 s instead of retrying for ~76 s.
# Users who want hub downloads set HF_HUB_OFFLINE=0 themselves.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(1)


def _load(path: str, check_files: bool = True):
    try:
        return load_spec(path, check_files=check_files)
    except SpecError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log details to stderr.")
def main(verbose: bool) -> None:
    """Curate raw conversation dumps into a small, clean, diverse SFT set and train on it.

    Example: curatrain run pipelines/lima.yaml
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("pipeline", type=click.Path(dir_okay=False))
@click.option("--no-train", is_flag=True, help="Curate only; skip the train: block.")
@click.option("--force", is_flag=True, help="Ignore the stage cache and rerun every stage.")
def run(pipeline: str, no_train: bool, force: bool) -> None:
    """Validate PIPELINE, run its stages (cached), write outputs, then train if it has a train: block.

    Example: curatrain run pipelines/lima.yaml --no-train
    """
    from pipelines.runner import StageError, run_pipeline

    spec = _load(pipeline)
    try:
        report = run_pipeline(spec, train=not no_train, force=force, echo=click.echo)
    except (StageError, FileNotFoundError) as exc:
        _fail(str(exc))
    if report.train:
        t = report.train
        click.echo(f"trained → {t.get('output_dir')}: loss {t.get('first_loss', float('nan')):.3f} → "
                   f"{t.get('last_loss', float('nan')):.3f} in {t.get('train_runtime', 0):.0f}s")


@main.command()
@click.argument("pipeline", type=click.Path(dir_okay=False))
@click.option("--no-files", is_flag=True, help="Do not check that input files exist.")
def validate(pipeline: str, no_files: bool) -> None:
    """Check PIPELINE without running it; report every problem at once.

    Example: curatrain validate pipelines/lima.yaml
    """
    spec = _load(pipeline, check_files=not no_files)
    click.echo(f"{pipeline}: ok ({len(spec.stages)} stages{', with training' if spec.train else ''})")


@main.command()
@click.argument("name", required=False)
def stages(name: str | None) -> None:
    """List the stages, or show one stage's parameters with types, defaults and descriptions.

    Example: curatrain stages near_dedup
    """
    from curate import registry

    if name is None:
        for n, cls in registry.available().items():
            doc = (cls.__doc__ or "").strip().splitlines()
            click.echo(f"{n:<20} {doc[0] if doc else ''}")
        return
    try:
        cls = registry.get(name)
    except KeyError as exc:
        _fail(exc.args[0])
    click.echo(f"{name} (version {cls.version})\n{(cls.__doc__ or '').strip()}\n\nparameters:")
    for fname, f in cls.Params.model_fields.items():
        default = "required" if f.is_required() else repr(f.get_default(call_default_factory=True))
        ann = getattr(f.annotation, "__name__", None) or str(f.annotation).replace("typing.", "")
        click.echo(f"  {fname:<22} {ann:<28} default {default:<14} {f.description or ''}")


@main.command()
@click.argument("pipeline_or_rejects", type=click.Path(exists=True, dir_okay=False))
@click.option("-n", "--samples", default=3, show_default=True, help="Rows shown per drop reason.")
@click.option("--reason", default=None, help="Show only this drop reason.")
@click.option("--stage", "stage_name", default=None, help="Show only rejects of this stage.")
@click.option("--chars", default=300, show_default=True, help="Characters shown per turn.")
@click.option("--seed", default=0, show_default=True, help="Which samples to draw.")
def inspect(pipeline_or_rejects: str, samples: int, reason: str | None, stage_name: str | None,
            chars: int, seed: int) -> None:
    """Show N rejected rows per drop reason, so a rule can be checked before it is trusted.

    Takes a pipeline YAML (reads its output rejects.parquet) or a rejects Parquet file.

    Example: curatrain inspect pipelines/lima.yaml --reason refusal_boilerplate -n 5
    """
    import polars as pl

    path = Path(pipeline_or_rejects)
    if path.suffix in (".yaml", ".yml"):
        path = _load(str(path), check_files=False).output_dir / "rejects.parquet"
        if not path.exists():
            _fail(f"{path} does not exist yet; run the pipeline first")
    df = pl.read_parquet(path)
    if stage_name:
        df = df.filter(pl.col("drop_stage") == stage_name)
    if reason:
        df = df.filter(pl.col("drop_reason") == reason)
    if df.height == 0:
        click.echo("no rejects match")
        return
    for (stage, why), group in df.group_by(["drop_stage", "drop_reason"], maintain_order=True):
        click.echo(f"== {stage} / {why}: {group.height:,} rows")
        for row in group.sample(min(samples, group.height), seed=seed).iter_rows(named=True):
            click.echo(f"-- {row['id']}  [{row.get('drop_detail') or ''}]")
            for m in row.get("messages") or []:
                text = (m["content"] or "").replace("\n", " ⏎ ")
                click.echo(f"   {m['role']:>9}: {text[:chars]}{'…' if len(text) > chars else ''}")
            if not row.get("messages"):
                click.echo(f"   meta: {(row.get('meta') or '')[:chars]}")


def _attach_commands() -> None:
    """Commands that live beside the code they drive (one file each), attached here."""
    from pipelines.dedup_eval import dedup_eval
    from train.cli import train_command

    main.add_command(dedup_eval)
    main.add_command(train_command)


_attach_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
