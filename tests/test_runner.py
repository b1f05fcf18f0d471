"""Runner: funnel accounting, stage cache (rerun from the edited stage only), crash safety, outputs."""

from __future__ import annotations

import json

import polars as pl
import pytest
from pydantic import Field

from curate.registry import register
from curate.schema import make_frame
from curate.stage import FilterStage, Stage, StageParams, StageResult
from pipelines.runner import SUCCESS, run_pipeline
from pipelines.spec import parse_spec

RUNS: dict[str, int] = {}


@register
class _TestSource(Stage):
    """Test-only source: a few fixed conversations."""

    name = "test_source"
    is_source = True

    class Params(StageParams):
        n: int = Field(4, ge=1)

    def run(self, df, ctx):
        RUNS["test_source"] = RUNS.get("test_source", 0) + 1
        rows = [
            {"id": f"t#{i}", "source": "s1" if i % 2 else "s2",
             "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a" * (i + 1)}]}
            for i in range(self.params.n)
        ]
        return StageResult(kept=make_frame(rows))


@register
class _TestMinLen(FilterStage):
    """Test-only filter on assistant length."""

    name = "test_min_len"

    class Params(StageParams):
        min_chars: int = Field(2, ge=0)
        crash: bool = False

    def compute_stats(self, df, ctx):
        RUNS["test_min_len"] = RUNS.get("test_min_len", 0) + 1
        if self.params.crash:
            raise RuntimeError("injected crash")
        from curate.schema import assistant_text

        return df.with_columns(stat_assistant_chars=assistant_text().str.len_chars())

    def rules(self, df):
        p = self.params
        return [(pl.col("stat_assistant_chars") < p.min_chars, "too_short",
                 pl.format("stat_assistant_chars={} < {}", "stat_assistant_chars", pl.lit(p.min_chars)))]


@register
class _TestLoser(Stage):
    """Test-only buggy stage that loses a row."""

    name = "test_loser"

    def run(self, df, ctx):
        return StageResult(kept=df.head(max(df.height - 1, 0)))


def _spec(tmp_path, min_chars=2, n=4, crash=False, extra=""):
    text = f"""
name: t
seed: 7
stages:
  - {{stage: test_source, n: {n}}}
  - {{stage: test_min_len, min_chars: {min_chars}, crash: {str(crash).lower()}}}
{extra}
output: {{dir: {tmp_path / 'out'}}}
"""
    return parse_spec(text, "t.yaml")


def test_funnel_outputs_and_rejects(tmp_path):
    lines: list[str] = []
    rep = run_pipeline(_spec(tmp_path, min_chars=3), echo=lines.append)
    assert [(s.stage, s.rows_in, s.rows_out) for s in rep.stages] == [("test_source", 0, 4), ("test_min_len", 4, 2)]
    assert rep.stages[1].dropped == {"too_short": 2}
    curated = pl.read_parquet(rep.curated_path)
    assert curated["id"].to_list() == ["t#2", "t#3"]
    rejects = pl.read_parquet(rep.rejects_path)
    assert sorted(rejects["drop_detail"].to_list()) == ["stat_assistant_chars=1 < 3", "stat_assistant_chars=2 < 3"]
    assert set(rejects["drop_stage"]) == {"test_min_len"}
    stats = json.loads(rep.stats_path.read_text())
    assert stats["rows_curated"] == 2 and stats["rows_rejected"] == 2
    assert stats["sources"] == {"s2": 1, "s1": 1} or stats["sources"] == {"s1": 1, "s2": 1}
    assert stats["per_source"] == {
        "s1": {"rejected": {"test_min_len": 1}, "curated": 1, "rejected_total": 1},
        "s2": {"rejected": {"test_min_len": 1}, "curated": 1, "rejected_total": 1},
    }
    assert any("too_short 2" in line for line in lines)


def test_second_run_is_cached_and_edit_reruns_from_that_stage(tmp_path):
    RUNS.clear()
    run_pipeline(_spec(tmp_path, min_chars=3), echo=lambda s: None)
    rep = run_pipeline(_spec(tmp_path, min_chars=3), echo=lambda s: None)
    assert [s.cached for s in rep.stages] == [True, True]
    assert RUNS == {"test_source": 1, "test_min_len": 1}
    rep = run_pipeline(_spec(tmp_path, min_chars=1), echo=lambda s: None)  # edit stage 1 only
    assert [s.cached for s in rep.stages] == [True, False]
    assert RUNS == {"test_source": 1, "test_min_len": 2}
    assert rep.stages[1].rows_out == 4
    rep = run_pipeline(_spec(tmp_path, min_chars=1, n=5), echo=lambda s: None)  # edit stage 0: all rerun
    assert [s.cached for s in rep.stages] == [False, False]


def test_injected_crash_leaves_no_success_marker(tmp_path):
    spec = _spec(tmp_path, crash=True)
    with pytest.raises(RuntimeError, match="injected crash"):
        run_pipeline(spec, echo=lambda s: None)
    entries = sorted(p.name for p in spec.cache_dir.iterdir())
    done = [e for e in entries if (spec.cache_dir / e / SUCCESS).exists()]
    assert len(done) == 1 and done[0].startswith("00_test_source")
    assert not any(e.startswith("01_") for e in entries)  # the crashed stage left no entry a rerun would trust


def test_stage_that_loses_rows_stops_the_run(tmp_path):
    spec = _spec(tmp_path, extra="  - {stage: test_loser}")
    with pytest.raises(RuntimeError, match="lost rows"):
        run_pipeline(spec, echo=lambda s: None)


@register
class _TestRefuser(Stage):
    """Test-only stage that refuses its settings."""

    name = "test_refuser"

    def run(self, df, ctx):
        raise ValueError("target 37 rows but only 7 available")


def test_stage_value_error_is_one_line_at_the_cli(tmp_path):
    from click.testing import CliRunner

    from pipelines.cli import main

    spec = tmp_path / "p.yaml"
    spec.write_text(f"""
name: t
stages:
  - {{stage: test_source}}
  - {{stage: test_refuser}}
output: {{dir: {tmp_path / 'out'}}}
""")
    res = CliRunner().invoke(main, ["run", str(spec)])
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == "error: stages[1] (test_refuser): target 37 rows but only 7 available"
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "out" / ".cache").iterdir())


def test_seed_enters_the_cache_key_only_at_stages_that_use_it(tmp_path):
    from pipelines.runner import stage_keys

    sample = "pipelines/data/sample/llamafactory_identity.json"

    def keys(seed: int, near: str = "{stage: near_dedup}") -> list[str]:
        text = (f"name: s\nseed: {seed}\nstages:\n  - stage: read\n    inputs: [{{path: {sample}, source: a}}]\n"
                f"  - {{stage: normalize}}\n  - {near}\n  - {{stage: exact_dedup}}\n"
                f"output: {{dir: {tmp_path / 'out'}}}\n")
        return stage_keys(parse_spec(text, "s.yaml"))

    a, b = keys(1), keys(2)
    assert a[:2] == b[:2]                  # read and normalize ignore the seed: their cache survives
    assert a[2] != b[2] and a[3] != b[3]   # near_dedup takes the pipeline seed; later stages chain on it
    pinned = "{stage: near_dedup, seed: 7}"
    assert keys(1, pinned) == keys(2, pinned)  # a stage's own seed overrides: no stage uses the pipeline's


def test_write_rejects_streams_the_union_of_the_stages_columns(tmp_path):
    """Rejects are streamed from the stages' cache entries; columns differ per stage (dup_of, stat_*)."""
    import polars as pl

    from pipelines.runner import write_rejects

    a = pl.DataFrame({"id": ["a"], "source": ["s"], "drop_stage": ["near_dedup"], "dup_of": ["b"]})
    b = pl.DataFrame({"id": ["c", "d"], "source": ["s", "t"], "drop_stage": ["quality", "quality"], "stat_x": [1.5, None]})
    a.write_parquet(tmp_path / "a.parquet")
    b.write_parquet(tmp_path / "b.parquet")
    write_rejects([tmp_path / "a.parquet", tmp_path / "b.parquet"], tmp_path / "rejects.parquet")
    out = pl.read_parquet(tmp_path / "rejects.parquet")
    assert out["id"].to_list() == ["a", "c", "d"]
    assert out["dup_of"].to_list() == ["b", None, None] and out["stat_x"].to_list() == [None, 1.5, None]
    write_rejects([], tmp_path / "none.parquet")
    assert pl.read_parquet(tmp_path / "none.parquet").height == 0
