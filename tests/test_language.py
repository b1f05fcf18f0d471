"""``language`` stage: per-role language ID on real oasst2 / ShareGPT-zh / Alpaca rows.

Fixture: tests/fixtures/filters/language.jsonl (rows copied unchanged from /work/shared/data).
"""

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from curate import registry
from curate.filters import langid
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.language import Language

NOT_EN = {
    "oasst2_filtered_openpaws.jsonl#135": "user=es(1.0); assistant=es(1.0)",
    "oasst2_filtered_openpaws.jsonl#54": "user=de(1.0); assistant=de(1.0)",
    "oasst2_filtered_openpaws.jsonl#382": "user=ru(1.0); assistant=ru(1.0)",
    "oasst2_filtered_openpaws.jsonl#274": "user=zh(1.0); assistant=zh(1.0)",
    "medicalgpt_sharegpt_zh_1K.json#346": "user=zh(1.0); assistant=zh(1.0)",
}
SHORT = ["alpaca_5000.json#535", "alpaca_5000.json#81"]  # "Solve 8 x 8." / "64"; "Elephant, dog, coyote, and human."


FIXTURES = Path(__file__).parent / "fixtures" / "filters"


@pytest.fixture(scope="module")
def frame():
    rows = [json.loads(line) for line in (FIXTURES / "language.jsonl").read_text().splitlines()]
    return make_frame(rows)


def test_registered():
    assert registry.get("language") is Language


def test_keep_en_exact_drops(frame):
    res = Language().run(frame, Context())
    got = dict(zip(res.rejected["id"].to_list(), res.rejected["drop_detail"].to_list()))
    assert got == NOT_EN
    assert res.rejected["drop_reason"].unique().to_list() == ["language_not_kept"]
    assert res.kept.height + res.rejected.height == frame.height
    assert res.counters["dropped.language_not_kept"] == 5
    assert res.counters["lang.user.en"] == 3 and res.counters["lang.user.zh"] == 2
    assert res.counters["und.user"] == 3


def test_short_texts_are_und_and_kept(frame):
    res = Language().run(frame, Context())
    kept = res.kept.filter(pl.col("id").is_in(SHORT))
    assert kept.height == len(SHORT)
    assert kept["stat_lang_user"].to_list() == ["und", "und"]
    assert kept["stat_lang_assistant"].to_list() == ["und", "und"]
    assert kept["stat_lang_user_prob"].to_list() == [0.0, 0.0]


def test_unfenced_code_and_translation_answers_not_judged(frame):
    out = Language().compute_stats(frame, Context()).filter(
        pl.col("id").is_in(["codealpaca_2k.json#312", "alpaca_5000.json#151"]))
    assert out["stat_lang_user"].to_list() == ["en", "en"]
    assert out["stat_lang_assistant"].to_list() == ["und", "und"]


def test_deterministic_two_runs(frame):
    a = Language().compute_stats(frame, Context())
    b = Language().compute_stats(frame.reverse(), Context()).reverse()
    assert_frame_equal(a, b)


def test_keep_zh_and_keep_all(frame):
    res = Language(Language.Params(keep=["zh-cn"], roles=["user"])).run(frame, Context())
    assert "medicalgpt_sharegpt_zh_1K.json#346" in res.kept["id"].to_list()
    assert "oasst2_filtered_openpaws.jsonl#74" in res.rejected["id"].to_list()
    res = Language(Language.Params(keep=[])).run(frame, Context())
    assert res.rejected.height == 0 and res.counters["lang.assistant.en"] == 2


def test_uncertain_rule_is_opt_in(frame):
    p = Language.Params(keep=["en", "es", "de", "ru", "zh"], drop_uncertain=True, min_prob=0.65)
    stats = Language(p).compute_stats(frame, Context()).with_columns(
        pl.when(pl.col("id") == "oasst2_filtered_openpaws.jsonl#74").then(0.5)
        .otherwise(pl.col("stat_lang_assistant_prob")).alias("stat_lang_assistant_prob"))
    from curate.stage import split_by_rules

    st = Language(p)
    res = split_by_rules(st, stats, st.rules(stats))
    assert res.rejected["drop_detail"].to_list() == ["assistant=en(0.5) < 0.65"]


def test_code_normalisation():
    assert langid.normalize_code("zh-cn") == "zh"
    assert langid.normalize_code("zh-TW") == "zh"
    assert langid.normalize_code("pt-BR") == "pt"
    assert langid.normalize_code(None) == "und"
    assert langid.script_guess("我如何使用持久同调或其他拓扑不变量来完成它？") == "zh"
    assert langid.script_guess("ぐりとぐらの絵本シリーズを紹介してください") == "ja"
    assert langid.script_guess("plain English text") is None


def test_lingua_backend_restricted(frame):
    pytest.importorskip("lingua")
    p = Language.Params(backend="lingua", lingua_languages=["en", "zh", "es", "de", "ru", "fr"])
    res = Language(p).run(frame, Context())
    assert sorted(res.rejected["id"].to_list()) == sorted(NOT_EN)
    assert res.rejected.filter(pl.col("id") == "oasst2_filtered_openpaws.jsonl#54")["drop_detail"].item() == \
        "user=de(1.0); assistant=de(1.0)"
