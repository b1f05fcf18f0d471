"""``curatrain``: the command line. Thin commands over the library; data to stdout, logs to stderr.

Commands: ``run``, ``validate``, ``stages``, ``inspect`` here; ``train`` (train/cli.py) and
``dedup-eval`` (pipelines/dedup_eval.py) live beside the code they drive and are attached below. Errors in user input end in one
line (or one line per problem) and exit status 1, never a traceback: spec problems, a stage's or
training's ``ValueError``, ``RunError`` (busy or unsafe output folder, empty result) and any
``OSError`` (disk full, permission denied, read-only filesystem), which names its path. Only bugs
keep their traceback.

Hub access: ``--offline`` (default: on when ``HF_HUB_OFFLINE`` is set to 1) sets
``HF_HUB_OFFLINE``, ``HF_DATASETS_OFFLINE`` and ``TRANSFORMERS_OFFLINE`` for the whole command, so a
hub id fails at once instead of retrying; ``--online`` lets a hub id download on first use.
"""

from __future__ import annotations

import json
import os
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import BaseModel

from pipelines.spec import SpecError, load_spec

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_TRUE = ("1", "true", "yes", "on")


def set_offline(offline: bool) -> None:
    """Switch Hugging Face hub access off (or on) for this process: the ``*_OFFLINE`` variables, and
    ``huggingface_hub``'s constant when the library is already imported (it reads them at import)."""
    value = "1" if offline else "0"
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ[var] = value
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None and hasattr(hub, "HF_HUB_OFFLINE"):
        hub.HF_HUB_OFFLINE = offline


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(1)


def oserror_line(exc: OSError) -> str:
    """One line for an ``OSError``: ``PATH: No space left on device``, or the first line of the
    message (e.g. transformers' "We couldn't connect to ...") with a hint about ``--offline`` when
    the error is about reaching the hub."""
    text = (exc.strerror or str(exc) or type(exc).__name__).strip()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    if exc.filename:
        return f"{exc.filename}: {first}"
    if re.search(r"huggingface|hub|offline|connect", text, re.I):
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in _TRUE
        first += (" (hub access is off: download the model first, e.g. `huggingface-cli download ID`, or run with "
                  "--online)" if offline else " (no network? download the model first and run with --offline)")
    return first


def _load(path: str, check_files: bool = True, overwrite: bool = False):
    try:
        return load_spec(path, check_files=check_files, overwrite=overwrite)
    except SpecError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="curatrain", prog_name="curatrain", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True,
              help="Log stage details to stderr (INFO; -vv: DEBUG). Progress bars show on a terminal anyway.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars and only errors on stderr; stdout is unchanged.")
@click.option("--offline/--online", default=None,
              help="Never reach the Hugging Face hub (a hub id fails at once), or allow downloads. "
                   "Default: offline when HF_HUB_OFFLINE=1, else online.")
def main(verbose: int, quiet: bool, offline: bool | None) -> None:
    """Curate raw conversation dumps into a small, clean, diverse SFT set and train on it.

    Data (the funnel table, JSON, paths) goes to stdout; logs, progress bars, warnings and
    training lines go to stderr, so `curatrain run x.yaml > funnel.txt` keeps only the data.

    Example: curatrain -q run pipelines/lima.yaml
    """
    from curate.progress import setup_logging

    if verbose and quiet:
        raise click.UsageError("-v and -q exclude each other")
    setup_logging(-1 if quiet else verbose)
    if offline is None:
        offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE
    set_offline(offline)


@main.command()
@click.argument("pipeline", type=click.Path(dir_okay=False))
@click.option("--no-train", is_flag=True, help="Curate only; skip the train: block.")
@click.option("--force", is_flag=True, help="Ignore the stage cache and rerun every stage; also allow an "
                                           "output folder that is not empty and holds no curatrain run.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None,
              help="Where stages execute (default: the pipeline's engine:, else local). Outputs are the same.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes (local) or CPUs of a local Ray for row-local stages; 1 = one process. "
                   "Default: the pipeline's workers:, else the cores available.")
@click.option("--ray-address", default=None, metavar="ADDR",
              help="Join this Ray cluster (auto, ray://head:10001) instead of starting a local one.")
def run(pipeline: str, no_train: bool, force: bool, engine: str | None, workers: int | None,
        ray_address: str | None) -> None:
    """Validate PIPELINE, run its stages (cached), write outputs, then train if it has a train: block.

    Prints the funnel (one line per stage), then one line per input file. Exits 1 with one line
    when the output folder is in use by another run, a write fails, or every row was rejected.

    Example: curatrain run pipelines/lima.yaml --no-train --engine ray
    """
    from curate.progress import is_quiet
    from pipelines.runner import RunError, run_pipeline

    spec = _load(pipeline, overwrite=force)
    # note: housekeeping and training lines, stderr (silent under -q); echo: the funnel, stdout
    note = (lambda line: None) if is_quiet() else (lambda line: click.echo(line, err=True))
    try:
        report = run_pipeline(spec, train=not no_train, force=force, echo=click.echo, note=note, engine=engine,
                              workers=workers, ray_address=ray_address)
    except (RunError, ValueError) as exc:  # StageError, OutputError, BusyError, EmptyRunError; training's ValueError
        _fail(str(exc))
    except OSError as exc:
        _fail(oserror_line(exc))
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
    click.echo(describe_stage(name, cls))


def _type_text(ann: Any) -> str:
    """A readable type: ``one of: a, b``, ``list of InputSpec``, ``float or null``..."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [_type_text(a) for a in args if a is not type(None)]
        return " or ".join(parts) + (" or null" if type(None) in args else "")
    if origin in (list, tuple, set, frozenset):
        return f"list of {_type_text(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping {_type_text(args[0])} → {_type_text(args[1])}" if len(args) == 2 else "mapping"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann.__name__
    return getattr(ann, "__name__", None) or str(ann).replace("typing.", "")


def _bounds_text(f: Any) -> str:
    """``> 0, ≤ 1`` from a pydantic field's annotated-types metadata."""
    out = []
    for m in f.metadata:
        for attr, sym in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            if getattr(m, attr, None) is not None:
                out.append(f"{sym} {getattr(m, attr)}")
        if getattr(m, "min_length", None):
            out.append("not empty" if m.min_length == 1 else f"length ≥ {m.min_length}")
        if getattr(m, "pattern", None):
            out.append(f"matches {m.pattern}")
    return ", ".join(out)


def _example_value(fname: str, f: Any) -> Any:
    """A YAML example value: the default (a field whose default is null but that declares
    ``examples`` shows its first example), else ``examples``, else a placeholder from the type."""
    if not f.is_required():
        value = f.get_default(call_default_factory=True)
        if value is None and f.examples:
            return f.examples[0]
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    if f.examples:
        return f.examples[0]
    ann = f.annotation
    inner = next((a for a in typing.get_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if inner is not None:
        item = {k: _example_value(k, sub) for k, sub in inner.model_fields.items() if sub.is_required()}
        return [item] if typing.get_origin(ann) in (list, tuple) else item
    pattern = next((m.pattern for m in f.metadata if getattr(m, "pattern", None)), None)
    if pattern and re.fullmatch(pattern, f"my_{fname}"):
        return f"my_{fname}"  # a placeholder that passes the field's pattern
    return f"<{fname}>"


def describe_stage(name: str, cls: Any) -> str:
    """``curatrain stages NAME``: doc, every parameter (type, allowed values, bounds, default,
    description; nested models such as ``inputs`` entries indented below) and a YAML example."""
    lines = [f"{name} (version {cls.version})", (cls.__doc__ or "").strip(), "", "parameters:"]

    def fields(model: type[BaseModel], indent: str, seen: set) -> None:
        for fname, f in model.model_fields.items():
            default = "required" if f.is_required() else "default " + json.dumps(
                _example_value(fname, f), default=str, ensure_ascii=False)
            bounds = _bounds_text(f)
            lines.append(f"{indent}{fname}: {_type_text(f.annotation)}{' (' + bounds + ')' if bounds else ''}; {default}")
            if f.description:
                lines.append(f"{indent}    {f.description}")
            nested = [a for a in (f.annotation, *typing.get_args(f.annotation))
                      if isinstance(a, type) and issubclass(a, BaseModel)]
            for sub in nested[:1]:
                if sub not in seen:
                    each = "each " if typing.get_origin(f.annotation) in (list, tuple) else ""
                    doc = ((sub.__doc__ or "").strip().splitlines() or [""])[0]
                    lines.append(f"{indent}    {each}{sub.__name__}: {doc}")
                    fields(sub, indent + "    ", seen | {sub})

    fields(cls.Params, "  ", set())
    if not cls.Params.model_fields:
        lines.append("  (none)")
    example = {"stage": name, **{k: _example_value(k, f) for k, f in cls.Params.model_fields.items()}}
    lines += ["", "example (defaults as they are; fill in the <...> values):",
              "\n".join("  " + ln for ln in yaml.safe_dump([example], sort_keys=False, allow_unicode=True,
                                                            default_flow_style=None, width=100).splitlines())]
    return "\n".join(lines)


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
    try:
        df = pl.read_parquet(path)
    except OSError as exc:
        _fail(oserror_line(exc))
    except pl.exceptions.PolarsError as exc:
        _fail(f"{path}: not a readable Parquet file ({str(exc).strip().splitlines()[0][:120]})")
    missing = {"drop_stage", "drop_reason", "id"} - set(df.columns)
    if missing:
        _fail(f"{path}: not a rejects file (no {', '.join(sorted(missing))} column)")
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


@main.command()
@click.argument("out_dir", type=click.Path(file_okay=False))
def report(out_dir: str) -> None:
    """Rebuild OUT_DIR/report.html from a run's outputs (stats.json, curated and rejects Parquet,
    model/metrics.json): one self-contained page, readable offline. `run` writes it already.

    Example: curatrain report out/lima
    """
    from pipelines.report import build_report

    try:
        path = build_report(Path(out_dir))
    except ValueError as exc:  # ReportError
        _fail(str(exc))
    except OSError as exc:
        _fail(oserror_line(exc))
    click.echo(str(path))


def _attach_commands() -> None:
    """Commands that live beside the code they drive (one file each), attached here."""
    from pipelines.dedup_eval import dedup_eval
    from train.cli import train_command

    main.add_command(dedup_eval)
    main.add_command(train_command)


_attach_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
