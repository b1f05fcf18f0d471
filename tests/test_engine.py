"""Engines: row-local stages over a spawn process pool give byte-identical outputs to one process."""

from __future__ import annotations

import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from curate import registry
from curate.registry import register
from curate.stage import Context, Stage, StageResult
from pipelines.engines import chunk_bounds, make_engine, merge_counters, merge_results
from pipelines.engines.local import LocalEngine
from pipelines.runner import StageError, run_pipeline
from pipelines.spec import parse_spec

SAMPLE = "pipelines/data/sample"


@register
class _RowLocalBoom(Stage):
    """Test-only row-local stage that refuses a row whose first turn says 'boom'."""

    name = "test_row_local_boom"
    row_local = True

    def run(self, df, ctx):
        firsts = [m[0]["content"] for m in df.get_column("messages").to_list()]
        if "boom" in firsts:
            raise ValueError(f"row {df.get_column('id')[firsts.index('boom')]} says boom")
        return StageResult(kept=df, counters={"rows": df.height})


def _frame(n: int) -> pl.DataFrame:
    from curate.schema import make_frame

    return make_frame([{"id": f"r#{i}", "source": "s",
                        "messages": [{"role": "user", "content": "boom" if i == n - 1 else f"  q{i} mail a{i}@x.org "},
                                     {"role": "assistant", "content": f"answer {i}\r\n"}]} for i in range(n)])


def test_chunk_bounds_cover_in_order():
    assert chunk_bounds(10, 4) == [(0, 3), (3, 3), (6, 2), (8, 2)]
    assert chunk_bounds(2, 4) == [(0, 1), (1, 1)]
    assert chunk_bounds(0, 3) == []


def test_merge_counters_sums_numbers_and_nested_dicts():
    a = {"rows": 2, "x.frac": 0.5, "file": {"n": 1, "fmt": "json"}, "name": "k"}
    b = {"rows": 3, "new": 1, "x.frac": 0.25, "file": {"n": 4, "fmt": "json"}, "name": "k"}
    assert merge_counters([a, b]) == {"rows": 5, "x.frac": 0.75, "file": {"n": 5, "fmt": "json"}, "name": "k", "new": 1}
    with pytest.raises(RuntimeError, match="counter 'name' differs between chunks"):
        merge_counters([{"name": "a"}, {"name": "b"}], "s")


def test_merge_results_refuses_artifacts_from_a_row_local_stage():
    df = _frame(2)
    with pytest.raises(RuntimeError, match="flagged row_local but wrote artifacts"):
        merge_results(_RowLocalBoom(), [(df, df.clear(), {}, {"x": "p"})])


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers must be ≥ 1, got 0"):
        make_engine("local", workers=0)
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        make_engine("spark")


def test_flags():
    def flag(c):  # a class flag, or a per-params property judged at the stage's defaults
        return c().row_local if isinstance(c.row_local, property) else c.row_local

    flagged = [n for n, c in registry.available().items() if not n.startswith("test_") and flag(c)]
    assert flagged[:4] == ["clean_text", "normalize", "quality", "redact_pii"]
    # quality is row-local unless its embedding rule (off_topic, batch z-scores) is on
    assert not registry.get("quality")(registry.get("quality").Params(drop=["off_topic"])).row_local
    assert not registry.get("near_dedup").row_local and not registry.get("mix").row_local


def test_pool_result_equals_one_process_for_every_flagged_stage():
    """normalize, clean_text, redact_pii on 5 chunks in 2 spawn workers == in this process."""
    df = _frame(9).head(8)
    engine = LocalEngine(workers=2, min_rows=1)
    try:
        for name in ("normalize", "clean_text", "redact_pii"):
            stage = registry.get(name)()
            assert engine.parallel(stage, df)
            one, many = stage.run(df.clone(), Context()), engine.run_stage(stage, df, Context())
            assert_frame_equal(one.kept, many.kept)
            assert_frame_equal(one.rejected, many.rejected)
            assert one.counters == many.counters, name
            df = one.kept
        assert not engine.parallel(registry.get("exact_dedup")(), df)  # global stage: in-process
    finally:
        engine.close()
    assert LocalEngine(workers=1, min_rows=1).parallel(registry.get("normalize")(), df) is False


def test_value_error_in_a_worker_is_one_line_naming_the_stage(tmp_path):
    engine = LocalEngine(workers=2, min_rows=1)
    try:
        with pytest.raises(ValueError, match=r"^row r#8 says boom$"):
            engine.run_stage(_RowLocalBoom(), _frame(9), Context())
    finally:
        engine.close()


SPEC = f"""
name: eng
seed: 13
stages:
  - stage: read
    inputs:
      - {{path: {SAMPLE}/oasst_en_100_tree.jsonl, source: oasst}}
      - {{path: {SAMPLE}/llamafactory_identity.json, source: identity}}
      - {{path: {SAMPLE}/fastchat_dummy_conversation.json, source: fastchat}}
  - {{stage: normalize}}
  - {{stage: clean_text}}
  - {{stage: redact_pii}}
  - {{stage: exact_dedup, view: conversation}}
  - {{stage: near_dedup, view: user_turns}}
  - {{stage: mix, weights: {{oasst: 0.5, identity: 0.2, fastchat: 0.3}}, total: 60}}
output: {{dir: OUT}}
"""


def _run(tmp_path, name, **kw):
    spec = parse_spec(SPEC.replace("OUT", str(tmp_path / name)), "eng.yaml")
    lines: list[str] = []
    rep = run_pipeline(spec, echo=lines.append, **kw)
    return rep, lines


def test_runner_outputs_are_byte_identical_with_one_and_two_workers(tmp_path):
    rep1, _ = _run(tmp_path, "w1", workers=1)
    rep2, _ = _run(tmp_path, "w2", workers=2, min_rows=1)
    for f in ("curated.parquet", "rejects.parquet"):
        assert (tmp_path / "w1" / f).read_bytes() == (tmp_path / "w2" / f).read_bytes(), f
    s1, s2 = (json.loads((tmp_path / d / "stats.json").read_text()) for d in ("w1", "w2"))
    assert (s1["engine"], s2["engine"]) == ("local, 1 worker", "local, 2 workers")
    untimed = lambda s: [{k: v for k, v in st["counters"].items() if not k.startswith("seconds")}  # noqa: E731
                         for st in s["stages"]]
    assert untimed(s1) == untimed(s2)
    assert pl.read_parquet(rep1.curated_path).height == 60
    assert rep2.stages[1].rows_in == rep1.stages[1].rows_in > 100  # normalize really saw a big frame


def test_stage_error_from_a_worker_ends_the_run_in_one_line(tmp_path):
    text = SPEC.replace("  - {stage: clean_text}\n", "  - {stage: test_row_local_boom}\n")
    spec = parse_spec(text.replace("OUT", str(tmp_path / "o")), "eng.yaml")
    import pipelines.runner as runner

    df = _frame(9)
    # the boom row only exists in our frame; run the stage alone through the runner's store
    with pytest.raises(StageError, match=r"^stages\[2\] \(test_row_local_boom\): row r#8 says boom$"):
        engine = LocalEngine(workers=2, min_rows=1)
        try:
            ctx = Context()
            runner._run_and_store(spec.stages[2], df, tmp_path / "entry", ctx, engine)
        finally:
            engine.close()
    assert not (tmp_path / "entry").exists() and not list(tmp_path.glob(".tmp-*"))


@pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")  # Ray's own DataContext fields
def test_ray_engine_gives_the_same_curated_ids_as_the_local_engine(tmp_path):
    ray = pytest.importorskip("ray")
    from pipelines.engines.ray import RayEngine

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        rep_r, _ = _run(tmp_path, "ray", engine="ray")
        engine = RayEngine()  # uses the Ray this test started, leaves it running
        with pytest.raises(ValueError, match=r"^row r#8 says boom$"):  # a task's ValueError stays one line
            engine.run_stage(_RowLocalBoom(), _frame(9), Context())
        same = engine.run_stage(registry.get("redact_pii")(), _frame(9).head(8), Context())
        assert_frame_equal(same.kept, registry.get("redact_pii")().run(_frame(9).head(8), Context()).kept)
        engine.close()
        assert ray.is_initialized()
    finally:
        ray.shutdown()
    rep_l, _ = _run(tmp_path, "local", workers=1)
    ids_r = pl.read_parquet(rep_r.curated_path).get_column("id").to_list()
    ids_l = pl.read_parquet(rep_l.curated_path).get_column("id").to_list()
    assert ids_r == ids_l and len(ids_l) == 60
    for f in ("curated.parquet", "rejects.parquet"):
        assert (tmp_path / "ray" / f).read_bytes() == (tmp_path / "local" / f).read_bytes(), f
    stats = json.loads((tmp_path / "ray" / "stats.json").read_text())
    assert stats["engine"] == "ray, 2 CPUs (local)"


def test_engine_and_workers_in_yaml_do_not_change_the_digest(tmp_path):
    from pipelines.spec import SpecError

    base = SPEC.replace("OUT", str(tmp_path / "o"))
    plain = parse_spec(base, "eng.yaml")
    on_ray = parse_spec(base + "engine: ray\nworkers: 3\n", "eng.yaml")
    assert (plain.engine, plain.workers, on_ray.engine, on_ray.workers) == ("local", None, "ray", 3)
    assert plain.digest == on_ray.digest
    with pytest.raises(SpecError) as err:
        parse_spec(base + "engine: spark\nworkers: 0\n", "eng.yaml")
    text = err.value.report()
    assert "engine: Input should be 'local' or 'ray'" in text
    assert "workers: Input should be greater than or equal to 1" in text


def test_ray_engine_without_ray_installed_is_one_line(tmp_path, monkeypatch):
    import sys

    from pipelines.runner import RunError

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError
    with pytest.raises(RunError, match=r'^the ray engine needs the ray extra: pip install -e "\.\[ray\]"'):
        _run(tmp_path, "noray", engine="ray")


def test_run_help_lists_the_engine_options():
    from click.testing import CliRunner

    from pipelines.cli import main

    res = CliRunner().invoke(main, ["run", "--help"])
    assert res.exit_code == 0
    for opt in ("--engine [local|ray]", "--workers", "--ray-address ADDR"):
        assert opt in res.output, opt



def test_large_frames_go_in_bounded_chunks_with_the_same_result(monkeypatch):
    """MAX_CHUNK_ROWS splits a frame into more chunks than 2 × workers (bounded memory); the merged
    result is still exactly the one-process result."""
    df = _frame(9).head(8)
    monkeypatch.setattr(LocalEngine, "MAX_CHUNK_ROWS", 1)  # 8 chunks for 2 workers, at most 3 in flight
    engine = LocalEngine(workers=2, min_rows=1)
    try:
        stage = registry.get("normalize")()
        one, many = stage.run(df.clone(), Context()), engine.run_stage(stage, df, Context())
        assert_frame_equal(one.kept, many.kept)
        assert one.counters == many.counters
    finally:
        engine.close()
