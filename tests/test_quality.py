"""``quality`` stage and ``curate.filters`` metrics, on real rows from /work/shared/data.

Fixture: tests/fixtures/filters/quality.jsonl (canonical rows copied unchanged from the shared
files; ``id`` = ``<file>#<record index>``).
"""

import json
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from curate import registry
from curate.filters import patterns
from curate.filters.text import ends_mid_sentence, repetition_metrics, unbalanced_fences
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.quality import RULES, Quality

CLEAN = [
    "alpaca_5000.json#1",
    "oasst_en_100_tree.jsonl#0",
    "llamafactory_alpaca_zh_demo.json#0",
    "gpteacher_codegen_instruct.json#0",
    "medicalgpt_medical_sft_1K_format.jsonl#584",  # enumeration without a full stop: not truncated
    # a questionnaire repeating its options under every question is not repetitive (docs/labels.md);
    # the list-item lines "1.位置" are under repetition_min_item_words
    "carbonz0_zh-data-part-00.json#9496",
    # "&quot;" escapes in Latin prose: LIMA's escaping, which clean_text repairs, not markup debris (round 29)
    "llamafactory_lima.json#34",
]
# opt-in rules' rows pass the default rule set
OPT_IN_ROWS = ["carbonz0_zh-data-part-01.json#4556", "alpaca_5000.json#2362"]

EXPECTED_DEFAULT = {
    "medicalgpt_sharegpt_zh_1K.json#147": ("refusal_boilerplate", 'stat_refusal_turns=4 > 0 ("我无法提供")'),
    "hh_rlhf_harmless_base_test.jsonl.gz#1395": ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("I’m sorry, but I can’t")'),
    "sharegpt92k_sample_part_a.jsonl#299": ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("I am a language model")'),
    "oasst2_filtered_openpaws.jsonl#522": ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("como modelo de lenguaje")'),
    "sharegpt92k_sample_part_a.jsonl#6": ("truncated_response", "no_terminal_punct: stat_trunc_no_terminal_punct=1 > 0 (ends on 'the': 'beloved and valued part of the')"),
    "llamafactory_alpaca_en_demo.json#179": ("truncated_response", "code_cut: stat_trunc_code_cut=1 > 0 (unclosed ``` fence)"),
    "medicalgpt_sharegpt_zh_1K.json#84": ("truncated_response", "stat_continue_turns=1 > 0"),
    "sharegpt92k_sample_part_a.jsonl#83": ("repetition", "stat_top2gram_frac=0.328 > 0.2"),
    "alpaca_5000.json#4654": ("markup_debris", "stat_markup_count=3 > 2"),
    "carbonz0_zh-data-part-01.json#9334": ("markup_debris", "stat_markup_count=24 > 2"),
    "medicalgpt_sharegpt_zh_1K.json#780": ("length", "stat_conv_width=11 < 16"),  # 5 CJK characters count twice
    "medicalgpt_sharegpt_zh_1K.json#58": ("length", "stat_min_user_chars=0 < 1"),
    "fastchat_dummy_conversation.json#7": ("templated_identity", "stat_identity_turns=1 > 0"),
    "llamafactory_identity.json#0": ("placeholder", "stat_placeholder_count=2 > 0"),
}


FIXTURES = Path(__file__).parent / "fixtures" / "filters"


@pytest.fixture(scope="module")
def frame():
    rows = [json.loads(line) for line in (FIXTURES / "quality.jsonl").read_text().splitlines()]
    return make_frame(rows)


def _drops(res):
    return dict(zip(res.rejected["id"].to_list(), zip(res.rejected["drop_reason"].to_list(), res.rejected["drop_detail"].to_list())))


def test_registered():
    assert registry.get("quality") is Quality


def test_default_rules_exact_reasons_and_details(frame):
    res = Quality().run(frame, Context())
    assert _drops(res) == EXPECTED_DEFAULT
    assert sorted(res.kept["id"].to_list()) == sorted(CLEAN + OPT_IN_ROWS)
    assert res.kept.height + res.rejected.height == frame.height
    assert res.rejected["drop_stage"].unique().to_list() == ["quality"]
    assert {k: v for k, v in res.counters.items() if k.startswith("dropped.")} == {
        "dropped.length": 2, "dropped.placeholder": 1, "dropped.templated_identity": 1,
        "dropped.refusal_boilerplate": 4, "dropped.truncated_response": 3, "dropped.markup_debris": 2,
        "dropped.repetition": 1,
    }
    # the kept frame carries the metrics, not the private match column
    assert "stat_refusal_turns" in res.kept.columns and "_refusal_match" not in res.kept.columns


@pytest.mark.parametrize("rule,row,detail", [
    ("symbol_ratio", "carbonz0_zh-data-part-01.json#9334", "stat_symbol_word_ratio=0.471 > 0.1"),
    ("alnum_ratio", "carbonz0_zh-data-part-01.json#4556", "stat_alnum_ratio=0.0 < 0.25"),
    ("response_prompt_ratio", "alpaca_5000.json#2362", "stat_resp_prompt_ratio=0.009 < 0.01"),
])
def test_opt_in_rules(frame, rule, row, detail):
    res = Quality(Quality.Params(drop=[rule])).run(frame, Context())
    drops = _drops(res)
    assert drops[row] == (rule, detail)
    for clean in CLEAN:
        assert clean not in drops


@pytest.mark.parametrize("rule", [r for r in RULES])
def test_each_rule_alone_keeps_clean_rows(frame, rule):
    res = Quality(Quality.Params(drop=[rule])).run(frame, Context())
    assert set(CLEAN) <= set(res.kept["id"].to_list())
    assert set(res.rejected["drop_reason"].to_list()) <= {rule}


def test_rethreshold_without_recompute(frame):
    st = Quality()
    stats = st.compute_stats(frame, Context())
    loose = Quality(Quality.Params(max_dup_line_frac=0.5, max_dup_para_char_frac=0.5, max_dup_line_char_frac=0.3))
    from curate.stage import split_by_rules

    res = split_by_rules(loose, stats, loose.rules(stats))
    drops = _drops(res)
    assert "carbonz0_zh-data-part-00.json#9496" not in drops
    assert drops["sharegpt92k_sample_part_a.jsonl#83"][0] == "repetition"  # fires on another metric
    assert drops["sharegpt92k_sample_part_a.jsonl#83"][1] == "stat_top2gram_frac=0.328 > 0.2"


def test_unknown_rule_and_bad_ngram_rejected():
    with pytest.raises(ValidationError):
        Quality.Params(drop=["refusal"])
    with pytest.raises(ValidationError):
        Quality.Params(max_top_ngram_frac={7: 0.1})
    with pytest.raises(ValidationError):
        Quality.Params(unknown_key=1)


def test_empty_frame():
    res = Quality().run(make_frame([]), Context())
    assert res.kept.height == 0 and res.rejected.height == 0


# ---------------------------------------------------------------- metric functions

def test_repetition_metrics_gopher_semantics():
    text = "the cat sat\nthe cat sat\nthe cat sat\na dog ran"
    m = repetition_metrics(text, (2,), (5,))
    assert m["dup_line_frac"] == pytest.approx(2 / 4)
    assert m["dup_line_char_frac"] == pytest.approx(22 / len(text))
    assert m["top_2gram_frac"] == pytest.approx(len("the cat") * 3 / len(text))
    # lines without letters/digits (LaTeX display delimiters) are not duplicates
    assert repetition_metrics("\\[\nx = 1\n\\]\n\\[\ny = 2\n\\]")["dup_line_frac"] == 0.0


def test_truncation_helpers():
    assert unbalanced_fences("see:\n```python\nprint(1)\n")
    assert not unbalanced_fences("```\nx\n```")
    long_prefix = "This is a complete sentence that is long enough to be judged by the rule. " * 3
    assert ends_mid_sentence(long_prefix + "And even though she was no longer able to carry water, Jinju remained a beloved part of the")
    assert not ends_mid_sentence(long_prefix + "It ends properly.")
    assert not ends_mid_sentence("Driving the Economy Forward: A History of the Automobile Industry")  # short title
    assert not ends_mid_sentence(long_prefix + "\n- a list item without a full stop at the very end")


@pytest.mark.parametrize("text,want", [
    ("continue", True), ("Continue.", True), ("please continue", True), ("继续", True), ("请继续", True),
    ("go on", True), ("continue the story where the dragon wins the war", False), ("Continue to Paris?", False),
])
def test_continue_requests(text, want):
    assert patterns.is_continue_request(text) is want


@pytest.mark.parametrize("text,want", [
    ("Who are you?", True), ("What is your name?", True), ("你是谁", True), ("创造你的人是谁", True),
    ("Are you based on davinci-001?", True), ("Who are the Beatles?", False), ("What is your opinion on tea?", False),
])
def test_identity_questions(text, want):
    assert patterns.is_identity_question(text) is want


def test_refusal_pattern_compiles_in_both_engines():
    import re

    re.compile(patterns.refusal_pattern(rust=False))
    s = pl.Series(["As an AI language model, I cannot", "作为一个AI语言模型，我", "Lo siento, pero no puedo", "Sure, here it is."])
    assert s.str.contains(patterns.refusal_pattern()).to_list() == [True, True, True, False]
