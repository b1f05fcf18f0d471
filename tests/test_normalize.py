"""normalize: exact kept rows and exact drop-reason counts, on reader fixtures and small inline frames."""

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from pydantic import ValidationError

from curate import registry
from curate.readers import read_file
from curate.schema import check_frame, make_frame
from curate.stage import Context
from curate.stages.normalize import REASONS, Normalize, role_order_problem

R = Path(__file__).parent / "fixtures" / "readers"


def frame(*convs, ids=None):
    """A canonical frame of conversations given as lists of (role, content)."""
    return make_frame({"id": ids[i] if ids else f"c{i}", "source": "t",
                       "messages": [{"role": r, "content": c} for r, c in conv]}
                      for i, conv in enumerate(convs))


def run(df, **params):
    return Normalize(Normalize.Params(**params)).run(df, Context())


def drops(res):
    return {k: v for k, v in res.counters.items() if k.startswith("dropped.") and v}


def test_registered_and_params_are_strict():
    assert registry.get("normalize") is Normalize
    with pytest.raises(ValidationError):
        Normalize.Params(merge_consecutive_role=True)  # misspelt: an error, never ignored
    with pytest.raises(ValidationError):
        Normalize.Params(min_turns=0)
    assert all(f.description for f in Normalize.Params.model_fields.values())


def test_fixtures_funnel_exact():
    # fastchat dummy (planted: empty assistant mid-chat, only assistant empty, leading gpt, tool after
    # user, system in the middle, CRLF + spaces), medicalgpt zh (one ends on human only), sharegpt92k
    # (one gpt-only segment), MT-Bench prompts (read as prompts, not rows: they never reach normalize),
    # a glaive tool-call chat and a rebuilt oasst tree
    rows = []
    for name in ["fastchat_dummy_conversation.json", "sharegpt_zh.json", "sharegpt92k_sample.jsonl",
                 "mt_bench.jsonl", "glaive_toolcall_en.json", "oasst_flat.jsonl"]:
        rows += read_file(R / name, "s").rows
    df = make_frame(rows)
    res = run(df)
    check_frame(res.kept, "kept")
    kept_roles = res.kept.select("id", roles=pl.col("messages").list.eval(pl.element().struct.field("role")))
    expected = pl.DataFrame({
        "id": ["s/fastchat_dummy_conversation.json#0", "s/fastchat_dummy_conversation.json#2",
               "s/fastchat_dummy_conversation.json#5", "s/sharegpt_zh.json#0", "s/sharegpt_zh.json#1",
               "s/sharegpt_zh.json#4", "s/sharegpt92k_sample.jsonl#0", "s/glaive_toolcall_en.json#0", "s/oasst_flat.jsonl#0"],
        "roles": [["user", "assistant"], ["user", "assistant"] * 2, ["user", "assistant"] * 2,
                  ["user", "assistant"], ["user", "assistant"], ["user", "assistant"], ["user", "assistant"],
                  ["user", "assistant", "user", "assistant", "tool", "assistant", "user", "assistant"],
                  ["user", "assistant"]],
    })
    assert_frame_equal(kept_roles, expected)
    assert res.rejected.select("id", "drop_reason", "drop_detail").rows() == [
        ("s/fastchat_dummy_conversation.json#1", "no_assistant_turn", "roles: user"),
        ("s/fastchat_dummy_conversation.json#3", "bad_role_order", "turn 1: tool after user"),
        ("s/fastchat_dummy_conversation.json#4", "system_not_first", "turn 2: system after assistant"),
        ("s/sharegpt92k_sample.jsonl#1", "empty_conversation", "nothing left after trimming; roles were: assistant"),
    ]
    assert set(res.rejected["drop_stage"].unique()) == {"normalize"}
    assert res.counters == {
        "rows_in": 13, "rows_out": 9, "texts_changed": 2, "empty_turns_dropped": 2, "turns_merged": 1,
        "leading_turns_dropped": 2, "trailing_turns_dropped": 1, "turns_in": 44, "turns_out": 28,
        "dropped.empty_conversation": 1, "dropped.no_assistant_turn": 1, "dropped.no_user_turn": 0,
        "dropped.system_not_first": 1, "dropped.bad_role_order": 1, "dropped.too_few_turns": 0,
    }
    first = res.kept.row(0, named=True)["messages"]
    assert first == [{"role": "user", "content": "Who are you?\n\nHave a nice day!"},
                     {"role": "assistant", "content": "You too!"}]
    crlf = res.kept.filter(pl.col("id") == "s/fastchat_dummy_conversation.json#5").row(0, named=True)
    assert crlf["messages"][0]["content"] == "Can you introduce yourself?"


def test_text_cleaning_keeps_code_indentation():
    code = "Here:\r\n\r\n```python\r\ndef f():   \r\n    return 1\t\r\n```  "
    df = frame([("user", "cafe\u0301 ?  "), ("assistant", code)])
    res = run(df)
    assert res.kept["messages"].to_list() == [[
        {"role": "user", "content": "caf\u00e9 ?"},
        {"role": "assistant", "content": "Here:\n\n```python\ndef f():\n    return 1\n```"},
    ]]
    assert res.counters["texts_changed"] == 2
    untouched = run(df, unicode_form="none", strip_whitespace=False)
    assert untouched.kept["messages"].to_list() == df["messages"].to_list()
    assert untouched.counters["texts_changed"] == 0


def test_merge_trim_and_extra_columns_pass_through():
    df = frame(
        [("assistant", "…continued"), ("user", "a"), ("user", "b"), ("assistant", "c"), ("assistant", "d"), ("user", "bye")],
        [("system", "be brief"), ("assistant", "stray"), ("user", "q"), ("assistant", "a")],
    ).with_columns(stat_x=pl.Series([1, 2]))
    res = run(df)
    expected = frame(
        [("user", "a\n\nb"), ("assistant", "c\n\nd")],
        [("system", "be brief"), ("user", "q"), ("assistant", "a")],
    ).with_columns(stat_x=pl.Series([1, 2]))
    assert_frame_equal(res.kept, expected)
    c = res.counters
    assert (c["turns_merged"], c["leading_turns_dropped"], c["trailing_turns_dropped"]) == (2, 2, 1)


def test_each_reason_exactly():
    df = frame(
        [("user", "  "), ("assistant", "")],                        # empty_conversation
        [("user", "q1"), ("user", "q2")],                           # no_assistant_turn
        [("system", "s"), ("assistant", "a")],                      # no_user_turn (leading trim)
        [("user", "q"), ("system", "s"), ("assistant", "a")],      # system_not_first
        [("user", "q"), ("tool", "{}"), ("assistant", "a")],       # bad_role_order
        [("user", "q"), ("assistant", "a"), ("tool", "{}"), ("assistant", "b")],  # kept: tool after assistant
        [("user", "q"), ("assistant", "call"), ("tool", "1"), ("tool", "2"), ("assistant", "b")],  # kept
    )
    res = run(df)
    assert res.kept["id"].to_list() == ["c5", "c6"]
    assert res.kept["messages"].list.len().to_list() == [4, 5]  # tool turns are never merged
    assert res.rejected.select("id", "drop_reason", "drop_detail").rows() == [
        ("c0", "empty_conversation", "no turns left of 2"),
        ("c1", "no_assistant_turn", "roles: user, user"),
        ("c2", "no_user_turn", "roles were: system, assistant"),
        ("c3", "system_not_first", "turn 1: system after user"),
        ("c4", "bad_role_order", "turn 1: tool after user"),
    ]
    assert drops(res) == {"dropped.empty_conversation": 1, "dropped.no_assistant_turn": 1, "dropped.no_user_turn": 1,
                          "dropped.system_not_first": 1, "dropped.bad_role_order": 1}
    assert set(k.removeprefix("dropped.") for k in res.counters if k.startswith("dropped.")) == set(REASONS)


def test_switches_off():
    df = frame([("assistant", "hi"), ("user", "q"), ("assistant", "a"), ("user", "more?")],
               [("user", "q"), ("assistant", "a")])
    strict = run(df, drop_leading_assistant=False, drop_trailing_user=False)
    assert strict.rejected.select("drop_reason", "drop_detail").rows() == [
        ("bad_role_order", "turn 0: assistant after start")]
    lax = run(df, drop_leading_assistant=False, drop_trailing_user=False, require_alternation=False)
    assert lax.kept.height == 2
    assert run(df, min_turns=3).rejected.select("id", "drop_reason", "drop_detail").rows() == [
        ("c0", "too_few_turns", "2 turn(s) < min_turns=3"),  # 2 left after trimming
        ("c1", "too_few_turns", "2 turn(s) < min_turns=3")]
    kept_empty = run(frame([("user", "q"), ("assistant", " ")]), drop_empty_turns=False)
    assert kept_empty.kept["messages"].to_list() == [[{"role": "user", "content": "q"}, {"role": "assistant", "content": ""}]]


def test_empty_frame_and_grammar_helper():
    res = run(make_frame([]))
    assert res.kept.height == 0 and res.rejected.height == 0
    assert role_order_problem(["user", "assistant", "tool"]) == ("bad_role_order", "ends on tool (turn 2), not assistant")
    assert role_order_problem(["user", "assistant", "user", "user"]) == ("bad_role_order", "turn 3: user after user")
    assert role_order_problem(["system", "user", "assistant", "tool", "tool", "assistant"]) is None
