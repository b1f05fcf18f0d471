"""``curatrain dedup-eval``: measure near-dedup precision / recall / F1 on planted duplicates of your
own rows, and show the S-curve of the chosen bands × rows.

The lead attaches it to the CLI with ``main.add_command(dedup_eval)`` (``pipelines/cli.py``).
Method: ``curate.dedup.evaluate`` (planted kinds, labels and scoring are documented there).

Example::

    curatrain dedup-eval pipelines/lima.yaml                 # data + near_dedup params from the YAML
    curatrain dedup-eval ../shared/data/alpaca_5000.json --view first_user_turn --verify
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

_NEAR_KEYS = ("view", "num_perm", "ngram", "char_ngram", "shingle", "threshold", "bands", "rows", "verify", "cluster")


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(1)


def _from_pipeline(path: str):
    """(frame, near_dedup params dict) from a pipeline YAML: its read stage, its near_dedup stage."""
    from pipelines.spec import SpecError, load_spec
    from curate.stage import Context
    from curate.schema import empty_frame

    try:
        spec = load_spec(path)
    except SpecError as exc:
        _fail(f"{exc.path}: " + "; ".join(exc.problems))
    params = {}
    for s in spec.stages:
        if s.name == "near_dedup":
            params = {k: v for k, v in s.params.model_dump().items() if k in _NEAR_KEYS}
            break
    frame = spec.stages[0].build().run(empty_frame(), Context(seed=spec.seed)).kept
    return frame, params


@click.command(name="dedup-eval")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--view", type=click.Choice(["conversation", "first_user_turn", "user_turns", "assistant_turns"]),
              default=None, help="Text compared [conversation].")
@click.option("--num-perm", type=click.IntRange(8, 1024), default=None, help="MinHash permutations [128].")
@click.option("--ngram", type=click.IntRange(1, 32), default=None, help="Tokens per shingle [2].")
@click.option("--char-ngram", type=click.IntRange(1, 64), default=None, help="Characters per shingle with --shingle char [5].")
@click.option("--shingle", type=click.Choice(["word", "char", "auto"]), default=None, help="Tokenisation [auto].")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Jaccard threshold [0.5].")
@click.option("--bands", type=click.IntRange(1), default=None, help="LSH bands (with --rows; default: optimiser).")
@click.option("--rows", type=click.IntRange(1), default=None, help="Rows per band (with --bands).")
@click.option("--verify/--no-verify", default=None, help="Exact-Jaccard check of candidate pairs [off].")
@click.option("--cluster", type=click.Choice(["keeper", "component"]), default=None,
              help="Drop rule: within the threshold of the kept row, or whole LSH components [keeper].")
@click.option("--n-base", type=click.IntRange(10), default=1000, show_default=True, help="Rows to plant variants of.")
@click.option("--min-tokens", type=click.IntRange(1), default=8, show_default=True, help="Shortest usable view.")
@click.option("--seed", type=int, default=0, show_default=True, help="Sampling and edit seed.")
def dedup_eval(inputs, view, num_perm, ngram, char_ngram, shingle, threshold, bands, rows, verify,
               cluster, n_base, min_tokens, seed) -> None:
    """Plant labelled near-duplicates into INPUTS (a pipeline YAML, or data files/folders) and print
    precision, recall and F1 of near_dedup, per-kind results and the S-curve P(candidate | J).

    Options left out come from the pipeline's near_dedup stage, else from near_dedup's defaults.

    Example: curatrain dedup-eval ../shared/data/alpaca_5000.json --threshold 0.5 --verify
    """
    import polars as pl

    from curate.dedup.evaluate import evaluate_near, plant
    from curate.dedup.minhash import s_curve_midpoint
    from curate.dedup.near import NearDedupConfig
    from curate.readers import read_paths
    from curate.schema import make_frame

    if len(inputs) == 1 and Path(inputs[0]).suffix in (".yaml", ".yml"):
        try:
            frame, params = _from_pipeline(inputs[0])
        except (OSError, ValueError) as exc:  # the read stage refused a file: one line, like `run`
            _fail(f"cannot read inputs: {exc}")
    else:
        try:
            frame, params = make_frame(read_paths(list(inputs)).rows), {}
        except (OSError, ValueError) as exc:
            _fail(f"cannot read inputs: {exc}")
    given = dict(view=view, num_perm=num_perm, ngram=ngram, char_ngram=char_ngram, shingle=shingle,
                 threshold=threshold, bands=bands, rows=rows, verify=verify, cluster=cluster)
    params.update({k: v for k, v in given.items() if v is not None})
    if bands is not None or rows is not None:
        params["bands"], params["rows"] = bands, rows
    cfg = NearDedupConfig(**params)
    try:
        b, r = cfg.resolved_bands_rows()
    except ValueError as exc:
        _fail(str(exc))
    try:
        ps = plant(frame, n_base=n_base, seed=seed, view=cfg.view, min_tokens=min_tokens)
    except ValueError as exc:
        _fail(str(exc))
    rep = evaluate_near(ps, cfg)
    click.echo(f"data: {frame.height:,} rows → {ps.pairs.height:,} bases + {ps.pairs.height:,} planted variants "
               f"({int(ps.pairs['label'].sum()):,} duplicates, {int((~ps.pairs['label']).sum()):,} hard negatives)")
    click.echo(f"config: view={cfg.view} num_perm={cfg.num_perm} shingle={cfg.shingle} ngram={cfg.ngram} "
               f"threshold={cfg.threshold} bands×rows={b}×{r} (midpoint {s_curve_midpoint(b, r):.3f}) "
               f"verify={cfg.verify} cluster={cfg.cluster}")
    click.echo(rep.scores.line() + f"  [{rep.seconds:.2f}s]")
    click.echo("\nper kind (predicted_dup = share of planted pairs put in one cluster):")
    with pl.Config(tbl_rows=50, tbl_hide_dataframe_shape=True, tbl_formatting="ASCII_MARKDOWN",
                   tbl_hide_column_data_types=True, float_precision=3):
        click.echo(str(rep.per_kind))
    click.echo(f"\nS-curve, bands={b} rows={r}: P(candidate | J) = 1 - (1 - J^{r})^{b}")
    click.echo("| J | P(candidate | J) |\n|---|---|")
    for j, p in rep.curve:
        click.echo(f"| {j:.2f} | {p:.4f} |")
