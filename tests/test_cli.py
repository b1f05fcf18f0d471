"""CLI: help everywhere, one-line errors with exit 1, inspect groups rejects by reason."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

from curate.schema import make_frame, rejects_from
from pipelines.cli import main
from tests.test_spec import THREE_MISTAKES


@pytest.mark.parametrize("cmd", [[], *[[c] for c in main.commands]])
def test_help_for_every_command(cmd):
    res = CliRunner().invoke(main, [*cmd, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example:" in res.output


def test_validate_reports_every_problem_and_exits_1(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(THREE_MISTAKES)
    res = CliRunner().invoke(main, ["validate", "--no-files", str(bad)])
    assert res.exit_code == 1
    assert "3 problem(s)" in res.output
    assert "unknown stage 'normalise'; did you mean 'normalize'?" in res.output
    assert "trian: unknown key" in res.output
    assert "Traceback" not in res.output


def test_stages_lists_and_describes():
    res = CliRunner().invoke(main, ["stages"])
    assert res.exit_code == 0 and "read" in res.output
    res = CliRunner().invoke(main, ["stages", "read"])
    assert res.exit_code == 0 and "inputs" in res.output
    res = CliRunner().invoke(main, ["stages", "raed"])
    assert res.exit_code == 1 and "did you mean 'read'" in res.output


def test_inspect_shows_samples_per_reason(tmp_path):
    df = make_frame([{"id": f"r{i}", "source": "s", "messages": [{"role": "user", "content": f"question {i}"},
                                                                  {"role": "assistant", "content": "x"}]}
                     for i in range(5)])
    rej = pl.concat([rejects_from(df.head(3), "quality", "too_short", "stat_chars=1 < 20"),
                     rejects_from(df.tail(2), "near_dedup", "near_duplicate", "jaccard=0.9")])
    path = tmp_path / "rejects.parquet"
    rej.write_parquet(path)
    res = CliRunner().invoke(main, ["inspect", str(path), "-n", "2"])
    assert res.exit_code == 0, res.output
    assert "== quality / too_short: 3 rows" in res.output
    assert "== near_dedup / near_duplicate: 2 rows" in res.output
    assert res.output.count("-- r") == 4
    res = CliRunner().invoke(main, ["inspect", str(path), "--reason", "near_duplicate"])
    assert "too_short" not in res.output
