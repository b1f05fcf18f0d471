"""mix: weights → quotas, caps, upsampling and rows_added, temperature, categories, errors, realised
mix, ordering, determinism, and the spec-time check() of weight keys against the read stage."""

from __future__ import annotations

import json

import polars as pl
import pytest
from pydantic import ValidationError

from curate.schema import make_frame
from curate.stage import Context
from curate.stages.mix import Mix, _largest_remainder


def rows(source: str, n: int, chars: int = 40, start: int = 0, **meta):
    return [{"id": f"{source}#{i}", "source": source, "meta": meta,
             "messages": [{"role": "user", "content": "q" * (chars // 2)},
                          {"role": "assistant", "content": "a" * (chars - chars // 2)}]}
            for i in range(start, start + n)]


def frame(**sizes) -> pl.DataFrame:
    out = []
    for s, n in sizes.items():
        out += rows(s, n)
    return make_frame(out)


def run(df, seed=0, **params):
    res = Mix(Mix.Params(**params)).run(df, Context(seed=seed))
    # the runner's invariant: every input row is kept or rejected, plus the copies added
    assert df.height + res.counters["rows_added"] == res.kept.height + res.rejected.height
    assert res.kept["id"].n_unique() == res.kept.height
    return res


def per_source(res) -> dict[str, int]:
    return dict(res.kept.group_by("source").len().rows())


def test_weights_to_quotas_and_source_not_in_mix():
    df = frame(a=10, b=20, c=5)
    res = run(df, weights={"a": 1, "b": 1}, total=10)
    assert per_source(res) == {"a": 5, "b": 5}
    reasons = dict(res.rejected.group_by("drop_reason").len().rows())
    assert reasons == {"mix_over_quota": 20, "source_not_in_mix": 5}
    assert res.counters["dropped.source_not_in_mix"] == 5
    assert res.counters["realised"]["a"]["share"] == 0.5
    assert res.counters["realised"]["a"]["target_share"] == 0.5


def test_default_total_is_largest_without_upsampling():
    df = frame(a=10, b=20)
    res = run(df, weights={"a": 0.5, "b": 0.5})
    assert res.counters["total_target"] == 20  # min(10 / 0.5, 20 / 0.5)
    assert per_source(res) == {"a": 10, "b": 10}
    res = run(df, weights={"a": 0.2, "b": 0.8})
    assert res.counters["total_target"] == 25  # min(10/0.2=50, 20/0.8=25)
    assert per_source(res) == {"a": 5, "b": 20}
    assert res.counters["rows_added"] == 0


def test_largest_remainder_rounding_sums_to_total():
    df = frame(a=10, b=10, c=10)
    res = run(df, weights={"a": 1, "b": 1, "c": 1}, total=10)
    assert sorted(per_source(res).values()) == [3, 3, 4]
    assert res.kept.height == 10
    assert _largest_remainder([3.5, 3.5, 3.0]) == [4, 3, 3]
    assert _largest_remainder([0.2, 0.2, 0.6]) == [0, 0, 1]


def test_caps_override_weights():
    df = frame(a=10, b=20)
    res = run(df, weights={"a": 0.5, "b": 0.5}, total=20, caps={"b": 3})
    assert per_source(res) == {"a": 10, "b": 3}
    r = res.counters["realised"]["b"]
    assert r["quota"] == 3 and r["share"] == round(3 / 13, 4) and r["target_share"] == 0.5
    # a capped source never limits the default total
    res = run(df, weights={"a": 0.1, "b": 0.9}, caps={"b": 5})
    assert res.counters["total_target"] == 100 and per_source(res) == {"a": 10, "b": 5}


def test_target_not_met_without_upsampling_raises_naming_source():
    df = frame(a=10, b=20)
    with pytest.raises(ValueError) as e:
        run(df, weights={"a": 0.5, "b": 0.5}, total=30)
    msg = str(e.value)
    assert "'a'" in msg and "target 15 rows" in msg and "only 10 rows available" in msg and "upsampling is off" in msg


def test_weighted_source_with_no_rows_raises():
    with pytest.raises(ValueError, match="source 'b': target share 50.0% but no rows available"):
        run(frame(a=10), weights={"a": 1, "b": 1})


def test_upsampling_limit_and_rows_added():
    df = frame(a=10, b=20)
    res = run(df, weights={"a": 0.5, "b": 0.5}, total=30, max_upsample=2.0)
    assert per_source(res) == {"a": 15, "b": 15}
    assert res.counters["rows_added"] == 5
    dups = res.kept.filter(pl.col("id").str.contains("#dup"))
    assert dups.height == 5 and all(i.endswith("#dup1") for i in dups["id"])
    base = res.kept.with_columns(pl.col("id").str.replace(r"#dup\d+$", "")).group_by("id").len()
    assert base["len"].max() <= 2
    assert res.counters["realised"]["a"]["copies"] == 5
    # a target above available × max_upsample still fails
    with pytest.raises(ValueError, match="max_upsample 1.2 allows 12"):
        run(df, weights={"a": 0.5, "b": 0.5}, total=30, max_upsample=1.2)
    # three copies at most with 2.5
    res = run(frame(a=4, b=40), weights={"a": 0.5, "b": 0.5}, total=20, max_upsample=2.5)
    assert per_source(res)["a"] == 10
    assert {"a#0#dup1", "a#0#dup2"} <= set(res.kept["id"])
    assert not any(i.endswith("#dup3") for i in res.kept["id"])


def test_tokens_unit():
    # a: 10 rows × 40 chars = 10 tokens each; b: 10 rows × 400 chars = 100 tokens each
    df = make_frame(rows("a", 10, chars=40) + rows("b", 10, chars=400))
    res = run(df, unit="tokens", weights={"a": 0.5, "b": 0.5})
    real = res.counters["realised"]
    assert res.counters["total_target"] == 200  # min(100 / 0.5, 1000 / 0.5)
    assert real["a"]["tokens"] == 100 and real["b"]["tokens"] == 100
    assert real["a"]["rows"] == 10 and real["b"]["rows"] == 1
    assert real["a"]["share"] == 0.5
    # stat_tokens wins over chars/4
    df2 = df.with_columns(stat_tokens=pl.when(pl.col("source") == "a").then(50).otherwise(100))
    res2 = run(df2, unit="tokens", weights={"a": 0.5, "b": 0.5}, total=400)
    assert res2.counters["realised"]["a"]["tokens"] == 200 and res2.counters["realised"]["a"]["rows"] == 4
    with pytest.raises(ValueError, match="tokens"):
        run(df, unit="tokens", weights={"a": 0.5, "b": 0.5}, total=1000)


def test_temperature_sampling():
    df = frame(a=100, b=25)
    res = run(df, temperature=1.0, total=50)
    assert per_source(res) == {"a": 40, "b": 10}  # proportional
    res = run(df, temperature=2.0, total=30)
    assert per_source(res) == {"a": 20, "b": 10}  # ∝ sqrt(n): 10 : 5
    res = run(df, temperature=100.0, total=40)
    assert per_source(res) == {"a": 20, "b": 20}  # ≈ uniform
    res = run(df)  # default: natural proportions, everything fits
    assert per_source(res) == {"a": 100, "b": 25}


def test_categories_split_a_source():
    df = make_frame(rows("d", 6, category="open_qa") + rows("d", 6, start=6, category="brainstorming")
                    + rows("d", 3, start=12, category="classification") + rows("e", 10))
    res = run(df, weights={"d": 0.5, "e": 0.5}, total=12,
              category_weights={"d": {"open_qa": 2, "brainstorming": 1}})
    cats = [json.loads(m).get("category") for m in res.kept.filter(pl.col("source") == "d")["meta"]]
    assert cats.count("open_qa") == 4 and cats.count("brainstorming") == 2
    assert res.counters["dropped.category_not_in_mix"] == 3
    rc = res.counters["realised_categories"]
    assert rc["d/open_qa"]["taken"] == 4 and rc["d/brainstorming"]["target_share"] == round(1 / 6, 4)
    with pytest.raises(ValueError, match="category 'open_qa'"):
        run(df, weights={"d": 0.5, "e": 0.5}, total=20, category_weights={"d": {"open_qa": 1}})


def test_order_by_select_score_else_seeded_random():
    df = frame(a=10).with_columns(stat_select_score=pl.Series([float(i) for i in range(10)]))
    res = run(df, weights={"a": 1}, total=3)
    assert sorted(res.kept["id"]) == ["a#7", "a#8", "a#9"]
    plain = frame(a=30)
    one = run(plain, seed=1, weights={"a": 1}, total=5)
    again = run(plain, seed=1, weights={"a": 1}, total=5)
    other = run(plain, seed=2, weights={"a": 1}, total=5)
    assert one.kept["id"].to_list() == again.kept["id"].to_list()
    assert set(one.kept["id"]) != set(other.kept["id"])
    detail = one.rejected["drop_detail"][0]
    assert detail.startswith("a: quota 5 rows filled (rank ")


def test_params_validation():
    with pytest.raises(ValidationError, match="not both"):
        Mix.Params(weights={"a": 1}, temperature=2.0)
    with pytest.raises(ValidationError):
        Mix.Params(weights={"a": -1, "b": 1})
    with pytest.raises(ValidationError):
        Mix.Params(max_upsample=0.5)
    with pytest.raises(ValidationError, match="no weight"):
        Mix.Params(weights={"a": 1}, category_weights={"b": {"x": 1}})
    with pytest.raises(ValidationError):
        Mix.Params(unit="bytes")
    with pytest.raises(ValidationError):
        Mix.Params(wieghts={"a": 1})


# ---------------------------------------------------------------- spec-time cross-validation

def read_params(*sources):
    from curate.stages.read import Read

    return Read.Params(inputs=[{"path": f"{s}.jsonl", "source": s} for s in sources])


def test_check_weight_keys_against_read_sources():
    stages = [("read", read_params("sharegpt", "oasst")), ("mix", None)]
    ok = Mix.Params(weights={"sharegpt": 0.7, "oasst": 0.3}, caps={"oasst": 100})
    assert Mix.check(ok, stages) == []
    bad = Mix.Params(weights={"sharegpt": 0.7, "alpaca": 0.3}, caps={"dolly": 5},
                     category_weights={"alpaca": {"open_qa": 1}})
    problems = Mix.check(bad, stages)
    assert len(problems) == 3
    assert problems[0] == "weights: source 'alpaca' is not read by any input; declared sources: oasst, sharegpt"
    assert problems[1].startswith("caps: source 'dolly'")
    assert problems[2].startswith("category_weights: source 'alpaca'")
    assert Mix.check(bad, [("mix", bad)]) == []  # no read stage: nothing to check against


def test_check_runs_in_parse_spec(tmp_path):
    from pipelines.spec import SpecError, parse_spec

    text = """
name: mixcheck
stages:
  - stage: read
    inputs: [{path: a.jsonl, source: sharegpt}]
  - {stage: mix, weights: {sharegpt: 0.5, alpaca: 0.5}}
output: {dir: out}
"""
    with pytest.raises(SpecError) as e:
        parse_spec(text, check_files=False)
    assert any("stages[1] (mix): weights: source 'alpaca' is not read by any input" in p for p in e.value.problems)


def test_empty_frame():
    res = Mix(Mix.Params()).run(make_frame([]), Context())
    assert res.kept.height == 0 and res.rejected.height == 0 and res.counters["rows_added"] == 0


# ---------------------------------------------------------------- replay (forgetting guard)

def test_replay_source_exact_share_and_marks_meta():
    df = frame(a=10, b=20, c=30)
    res = run(df, weights={"a": 1, "b": 1}, replay={"source": "c", "share": 0.2}, total=16)
    assert per_source(res) == {"a": 8, "b": 8, "c": 4}  # 4 / (16 + 4) = 0.2 exactly
    rep = res.counters["replay"]
    assert rep == {"source": "c", "path": None, "share": 0.2, "target_share": 0.2, "quota": 4, "rows": 4}
    real = res.counters["realised"]
    assert real["c"]["share"] == 0.2 and real["c"]["replay"] is True
    assert real["a"]["share"] == 0.4 and real["a"]["target_share"] == 0.4  # 0.5 scaled by 1 - 0.2
    metas = [json.loads(m) for m in res.kept["meta"]]
    assert [m.get("replay") is True for m in metas] == [s == "c" for s in res.kept["source"]]
    reasons = dict(res.rejected.group_by("drop_reason").len().rows())
    assert reasons == {"mix_over_quota": 2 + 12 + 26}
    assert res.counters["dropped.mix_over_quota"] == 40


def test_replay_tokens_share():
    df = make_frame(rows("a", 10, chars=80) + rows("g", 40, chars=40))  # 20 and 10 tokens per row
    res = run(df, unit="tokens", weights={"a": 1}, replay={"source": "g", "share": 0.25})
    assert res.counters["realised"]["a"]["tokens"] == 200
    assert res.counters["replay"]["quota"] == 67 and res.counters["realised"]["g"]["tokens"] == 60
    assert res.counters["realised"]["g"]["share"] == round(60 / 260, 4)


def test_replay_from_path_adds_rows():
    path = "pipelines/data/sample/oasst_en_100_tree.jsonl"
    df = frame(a=12)
    res = run(df, weights={"a": 1}, replay={"path": path, "share": 0.25, "name": "general"})
    assert per_source(res) == {"a": 12, "general": 4}
    assert res.counters["rows_added"] == 4 and res.rejected.height == 0
    assert all(json.loads(m)["replay"] is True for m in res.kept.filter(source="general")["meta"])
    again = run(df, weights={"a": 1}, replay={"path": path, "share": 0.25, "name": "general"})
    assert again.kept["id"].to_list() == res.kept["id"].to_list()  # seeded order


def test_replay_errors():
    with pytest.raises(ValidationError, match="exactly one of source, path"):
        Mix.Params(replay={"share": 0.1})
    with pytest.raises(ValidationError, match="also has a weight"):
        Mix.Params(weights={"a": 1, "c": 1}, replay={"source": "c", "share": 0.1})
    with pytest.raises(ValueError, match="replay 'c': share 90.0% of the mix needs 90 rows but only 30"):
        run(frame(a=10, c=30), weights={"a": 1}, replay={"source": "c", "share": 0.9})


def test_check_replay_source_and_path():
    stages = [("read", read_params("sharegpt", "oasst")), ("mix", None)]
    assert Mix.check(Mix.Params(weights={"sharegpt": 1}, replay={"source": "oasst", "share": 0.1}), stages) == []
    assert Mix.check(Mix.Params(weights={"sharegpt": 1}, replay={"source": "wiki", "share": 0.1}), stages) == [
        "replay.source: 'wiki' is not read by any input; declared sources: oasst, sharegpt"]
    assert Mix.check(Mix.Params(weights={"sharegpt": 1}, replay={"path": "no/such.jsonl", "share": 0.1,
                                                                 "name": "oasst"}), stages) == [
        "replay.path: no/such.jsonl is not a file",
        "replay.name: 'oasst' is also a source read by the pipeline; pick another name"]
