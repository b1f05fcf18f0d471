"""The Ray engine runs exact and near dedup as map/reduce (map_batches for the hashes and MinHash
band keys, keeper selection in the driver) and curates the same rows as the local engine.

Tiny real data: the embedded sample (pipelines/data/sample). Ray tests start a local 2-CPU Ray
inside the test and are skipped when ``ray`` is not installed."""

from __future__ import annotations

import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from curate.stage import Context, MapReduceStage, StageResult
from curate.stages.exact_dedup import ExactDedup
from curate.stages.near_dedup import NearDedup
from pipelines.runner import run_pipeline
from pipelines.spec import parse_spec

SAMPLE = "pipelines/data/sample"

SPEC = f"""
name: ray-dedup
seed: 13
stages:
  - stage: read
    inputs:
      - {{path: {SAMPLE}/oasst_en_100_tree.jsonl, source: oasst}}
      - {{path: {SAMPLE}/llamafactory_identity.json, source: identity}}
      - {{path: {SAMPLE}/fastchat_dummy_conversation.json, source: fastchat}}
      - {{path: {SAMPLE}/gpteacher_roleplay_simple_deduped.json, source: gpteacher}}
  - {{stage: exact_dedup, view: first_user_turn}}
  - {{stage: near_dedup, view: conversation}}
  - {{stage: near_dedup, view: user_turns, verify: true, cluster: component, source_priority: [oasst]}}
output: {{dir: OUT}}
"""


def _run(tmp_path, name, **kw):
    spec = parse_spec(SPEC.replace("OUT", str(tmp_path / name)), "ray-dedup.yaml")
    return run_pipeline(spec, echo=lambda line: None, **kw)


def _dedup_rejects(path) -> list[tuple[str, str, str, str]]:
    rej = pl.read_parquet(path).sort("id")
    return list(zip(rej["id"], rej["drop_stage"], rej["drop_reason"], rej["dup_of"]))


class _MapBoom(MapReduceStage):
    """Test-only map/reduce stage: the map refuses a row whose id ends in 'boom'; the reduce keeps
    rows whose map column is even."""

    name = "test_map_boom"

    def map_column_names(self):
        return ["_map_test_map_boom_n"]

    def map_columns(self, df, ctx):
        bad = [i for i in df["id"].to_list() if i.endswith("boom")]
        if bad:
            raise ValueError(f"row {bad[0]} says boom")
        return df.with_columns(_map_test_map_boom_n=pl.col("id").str.len_chars())

    def reduce(self, df, ctx):
        self.require_map_columns(df)
        even = df["_map_test_map_boom_n"] % 2 == 0
        df = df.drop(self.map_column_names())
        kept = df.filter(even)
        rejected = self.reject(df.filter(~even), "odd")
        return StageResult(kept=kept, rejected=rejected, counters={"rows": df.height})


class _ModelMap(_MapBoom):
    """Test-only map that 'loads a model' on its first call (a token standing for an embedding
    model, dropped when the stage is pickled). With ``map_uses_model`` the Ray engine maps it in an
    actor pool, so blocks mapped by one actor share one load; ``reduce`` records the loads seen."""

    name = "test_model_map"
    map_uses_model = True

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("model", "loads")}

    def map_column_names(self):
        return ["_map_test_map_boom_n", "_map_test_model_map_model"]

    def map_columns(self, df, ctx):
        import uuid

        if not hasattr(self, "model"):
            self.model = uuid.uuid4().hex
        return super().map_columns(df, ctx).with_columns(_map_test_model_map_model=pl.lit(self.model))

    def reduce(self, df, ctx):
        self.loads = df["_map_test_model_map_model"].n_unique()
        return super().reduce(df, ctx)


class _TaskMap(_ModelMap):
    """The same map without ``map_uses_model``: one Ray task per block, one 'load' per block."""

    name = "test_task_map"
    map_uses_model = False


def _frame(n: int, boom: bool = False) -> pl.DataFrame:
    from curate.schema import make_frame

    return make_frame([{"id": f"r#{'x' * i}{'boom' if boom and i == n - 1 else ''}", "source": "s",
                        "messages": [{"role": "user", "content": f"question {i}"},
                                     {"role": "assistant", "content": "same answer"}]} for i in range(n)])


def test_dedup_stages_are_map_reduce():
    assert ExactDedup.map_reduce and NearDedup.map_reduce and not ExactDedup.row_local
    res = _MapBoom().run(_frame(5), Context())
    assert res.kept.height == 3 and res.rejected.height == 2 and "seconds.map" in res.counters


@pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")  # Ray's own DataContext fields
def test_ray_map_reduce_dedup_equals_local(tmp_path):
    ray = pytest.importorskip("ray")
    from pipelines.engines.ray import RayEngine

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        rep_r = _run(tmp_path, "ray", engine="ray")
        engine = RayEngine(rows_per_block=50)  # the Ray this test started; many blocks
        frame = pl.concat([_frame(40), _frame(7).with_columns(id=pl.col("id") + "-2")])
        for stage in (ExactDedup(), NearDedup(NearDedup.Params(verify=True)), _MapBoom(), _ModelMap()):
            one, dist = stage.run(frame, Context(seed=3)), engine.run_stage(stage, frame, Context(seed=3))
            assert_frame_equal(one.kept, dist.kept)
            assert_frame_equal(one.rejected, dist.rejected)
            untimed = lambda c: {k: v for k, v in c.items() if not k.startswith("seconds")}  # noqa: E731
            assert untimed(one.counters) == untimed(dist.counters), stage.name
        model_map, task_map = _ModelMap(), _TaskMap()
        engine.run_stage(model_map, frame, Context())  # 4 blocks (2 per CPU), an actor pool of ≤ 2
        engine.run_stage(task_map, frame, Context())
        assert 1 <= model_map.loads <= 2 and task_map.loads == 4
        with pytest.raises(ValueError, match=r"^row r#xxxxxxxxxboom says boom$"):  # a task's ValueError: one line
            engine.run_stage(_MapBoom(), _frame(10, boom=True), Context())
        engine.close()
        assert ray.is_initialized()
    finally:
        ray.shutdown()
    rep_l = _run(tmp_path, "local", workers=1)
    cur_r, cur_l = (pl.read_parquet(r.curated_path) for r in (rep_r, rep_l))
    assert cur_r["id"].to_list() == cur_l["id"].to_list()
    rej_r, rej_l = (_dedup_rejects(tmp_path / d / "rejects.parquet") for d in ("ray", "local"))
    assert rej_r == rej_l
    stages = [r[1] for r in rej_l]
    assert stages.count("exact_dedup") > 0 and stages.count("near_dedup") > 0  # every dedup stage drops rows
    for f in ("curated.parquet", "rejects.parquet"):
        assert (tmp_path / "ray" / f).read_bytes() == (tmp_path / "local" / f).read_bytes(), f
    stats = json.loads((tmp_path / "ray" / "stats.json").read_text())
    assert stats["engine"] == "ray, 2 CPUs (local)"  # no row-local stage here: Ray ran the dedup maps
    untimed = lambda s: [{k: v for k, v in st["counters"].items() if not k.startswith("seconds")}  # noqa: E731
                         for st in s["stages"]]
    assert untimed(stats) == untimed(json.loads((tmp_path / "local" / "stats.json").read_text()))
