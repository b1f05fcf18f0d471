"""Readers: format detection, role mapping, containers, compression and rejects, on tiny real fixtures.

Fixtures in tests/fixtures/readers are extracts of ../shared/data (see each test); planted defects
are named where they are used.
"""

import bz2
import gzip
import json
import lzma
from pathlib import Path

import polars as pl
import pytest

from curate.readers import FORMATS, ReadError, detect, read_file
from curate.readers.oasst import best_path
from curate.schema import ROLES, make_frame
from curate.stage import Context
from curate.stages.read import Read

R = Path(__file__).parent / "fixtures" / "readers"


def roles(row):
    return [m["role"] for m in row["messages"]]


def reasons(res):
    return sorted(r["drop_reason"] for r in res.rejects)


@pytest.mark.parametrize("name, fmt, records, rows", [
    ("sharegpt_zh.json", "sharegpt", 5, 3),  # 2 ShareGPT + 1 {question, answer}; 1 prompt
    ("fastchat_dummy_conversation.json", "sharegpt", 6, 6),
    ("sharegpt92k_sample.jsonl", "sharegpt", 2, 2),
    ("glaive_toolcall_en.json", "sharegpt", 1, 1),
    ("dpo_en.json", "sharegpt_preference", 2, 2),
    ("openai_messages.jsonl", "openai", 2, 2),
    ("alpaca.json", "alpaca", 5, 4),
    ("alpaca_trailing_comma.json", "alpaca", 2, 2),
    ("alpaca_broken_array.json", "alpaca", 3, 2),
    ("lima_history.json", "alpaca", 1, 1),
    ("gpteacher_codegen.json", "gpteacher", 2, 2),
    ("dolly_layout.jsonl", "dolly", 2, 2),
    ("self_instruct.jsonl", "self_instruct", 2, 2),
    ("mt_bench.jsonl", "mt_bench", 2, 0),  # prompts only: res.prompts
    ("oasst_tree.jsonl", "oasst_tree", 1, 1),
    ("oasst_message.jsonl", "oasst_nested", 1, 1),
    ("oasst_flat.jsonl", "oasst_flat", 10, 1),
    ("hh_rlhf.jsonl.gz", "hh_rlhf", 2, 2),
])
def test_detects_every_fixture(name, fmt, records, rows):
    res = read_file(R / name, "src")
    assert (res.format, res.records, len(res.rows)) == (fmt, records, rows)
    assert all(r["meta"]["format"] == fmt for r in res.rows) or name == "sharegpt_zh.json"
    # every row is canonical: the core can frame it, roles are known, ids are source/file#index
    make_frame(res.rows)
    assert all(set(roles(r)) <= set(ROLES) for r in res.rows)
    assert all(r["id"].startswith(f"src/{name}#") for r in res.rows + res.rejects)


def test_every_format_has_a_detection_rule():
    samples = {
        "oasst_tree": {"message_tree_id": "t", "prompt": {}},
        "oasst_nested": {"message_id": "m", "text": "x", "role": "prompter", "replies": []},
        "oasst_flat": {"message_id": "m", "parent_id": None, "text": "x", "role": "prompter"},
        "sharegpt_preference": {"conversations": [], "chosen": {}},
        "sharegpt": {"conversations": []},
        "openai": {"messages": []},
        "openai_preference": {"prompt": [], "chosen": [], "rejected": []},
        "prompt_chosen": {"prompt": "p", "chosen": "c"},
        "hh_rlhf": {"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": ""},
        "mt_bench": {"turns": ["q"]},
        "self_instruct": {"instruction": "i", "instances": []},
        "dolly": {"instruction": "i", "context": "", "response": "r", "category": "qa"},
        "gpteacher": {"instruction": "i", "input": "", "response": "r"},
        "alpaca": {"instruction": "i", "input": "", "output": "o"},
        "conversation": {"dialog": [{"speaker": "USER", "text": "q"}]},
        "pairwise": {"question": "q", "left_answer": "a", "right_answer": "b"},
        "prompt_response": {"question": "q", "answer": "a"},
        "eval_report": {"prompt": "p", "results": [{"outputs": ["a"]}]},
        "text_dialogue": {"text": "### Human: hi ### Assistant: hello"},
        "prompt": {"prompt": "p"},
        "answer_only": {"question_id": 81, "choices": [{"index": 0, "turns": ["a"]}]},
        "squad": {"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "1", "question": "q", "answers": []}]}]},
    }
    assert set(samples) == set(FORMATS)
    assert {f: detect(r) for f, r in samples.items()} == {f: f for f in samples}
    assert detect("a bare string is a prompt") == "prompt"
    assert detect({"foo": 1, "bar": [1, 2]}) is None
    assert detect([1, 2]) is None and detect(["q", "a"]) == "conversation"  # a record that is a turn list


def test_jsonl_named_json_with_bad_line_and_unknown_shape():
    # extract of medicalgpt_sharegpt_zh_1K.json (JSON Lines despite .json); planted: line 3 cut at
    # 120 characters, line 5 a {question, answer} record (read by the synonym table since issue 9)
    res = read_file(R / "sharegpt_zh.json", "zh")
    assert [r["id"] for r in res.rows] == ["zh/sharegpt_zh.json#0", "zh/sharegpt_zh.json#1", "zh/sharegpt_zh.json#4"]
    assert res.rows[0]["meta"] == {"format": "sharegpt", "original_id": "xMOjHOk", "lang": "zh"}
    assert res.rows[2]["meta"]["format"] == "prompt_response" and roles(res.rows[2]) == ["user", "assistant"]
    (prompt,) = res.prompts  # a lone human turn holds no answer: a prompt, not a conversation
    assert prompt["id"] == "zh/sharegpt_zh.json#3" and roles(prompt) == ["user"]
    (syntax,) = res.rejects
    assert syntax["id"] == "zh/sharegpt_zh.json#2" and syntax["messages"] is None
    assert syntax["drop_reason"] == "json_syntax_error"
    assert syntax["drop_detail"].startswith("sharegpt_zh.json:3:")
    assert syntax["meta"]["raw"].startswith('{"id": "0qXa9NO"')
    assert res.layouts == {"sharegpt": 3, "prompt_response": 1}
    assert res.warnings == ["sharegpt_zh.json: records of several layouts: sharegpt 3, prompt_response 1"]


def test_sharegpt_role_mapping_and_tool_calls():
    # glaive_toolcall_en_demo.json record 0: human, gpt, function_call, observation; tools as a JSON string
    row = read_file(R / "glaive_toolcall_en.json", "glaive").rows[0]
    assert roles(row) == ["user", "assistant", "user", "assistant", "tool", "assistant", "user", "assistant"]
    call = json.loads(row["messages"][3]["content"])
    assert call["name"] == "search_recipes"
    assert json.loads(row["meta"]["tools"])[0]["name"] == "search_recipes"


def test_sharegpt_message_langs_and_original_id():
    res = read_file(R / "sharegpt92k_sample.jsonl", "sg")
    first, gpt_only = res.rows
    raw = json.loads((R / "sharegpt92k_sample.jsonl").read_text().splitlines()[0])
    assert first["meta"]["original_id"] == raw["id"]
    assert first["meta"]["message_langs"] == [m["language"] for m in raw["conversations"]]
    assert len(first["meta"]["message_langs"]) == len(first["messages"])
    assert set(first["meta"]) == {"format", "original_id", "message_langs"}  # no giant feature dicts
    assert roles(gpt_only) == ["assistant"]


def test_llamafactory_preference_takes_chosen_and_system():
    plain, with_system = read_file(R / "dpo_en.json", "dpo").rows
    raw = json.loads((R / "dpo_en.json").read_text())
    assert roles(plain) == ["user", "assistant"]
    assert plain["messages"][-1]["content"] == raw[0]["chosen"]["value"]
    assert roles(with_system)[:2] == ["system", "user"]
    assert with_system["messages"][-1]["content"] == raw[1]["chosen"]["value"]


def test_openai_messages_and_text_parts():
    plain, parts = read_file(R / "openai_messages.jsonl", "oa").rows
    assert roles(plain) == ["user", "assistant"] * (len(plain["messages"]) // 2)
    raw = [json.loads(line) for line in (R / "openai_messages.jsonl").read_text().splitlines()]
    assert parts["messages"][0]["content"] == raw[1]["messages"][0]["content"][0]["text"]
    assert parts["meta"]["non_text_parts"] == 1  # the image part is counted, not silently lost


def test_alpaca_fields_and_malformed_records():
    # alpaca_5000.json records 0-1, hikariming 6382-9407's record without "input", and two planted
    # oddities: output is a number (read as its text, as eval answers such as 42 are); output missing
    res = read_file(R / "alpaca.json", "alpaca")
    raw = json.loads((R / "alpaca.json").read_text())
    a0 = res.rows[0]["messages"]
    assert a0 == [{"role": "user", "content": raw[0]["instruction"] + "\n\n" + raw[0]["input"]},
                  {"role": "assistant", "content": raw[0]["output"]}]
    assert res.rows[2]["messages"][0]["content"] == raw[2]["instruction"]  # no input field: fine
    assert res.rejects == []
    assert res.rows[3]["messages"][-1] == {"role": "assistant", "content": "42"}
    (prompt,) = res.prompts  # output missing: a prompt (instruction + input), never malformed
    assert prompt["id"] == "alpaca/alpaca.json#4"
    assert prompt["messages"] == [{"role": "user", "content": raw[4]["instruction"] + "\n\n" + raw[4]["input"]}]


def test_trailing_comma_array_read_leniently():
    # first two elements of hikariming_alpaca-9407-12345_zh_unfinished.json and its ending "},\n]"
    res = read_file(R / "alpaca_trailing_comma.json", "hk")
    assert len(res.rows) == 2 and res.rejects == []
    assert res.warnings == [
        "alpaca_trailing_comma.json: not strict JSON (Expecting value at line 12 column 1); "
        "reading the array leniently, element by element",
        "alpaca_trailing_comma.json: trailing comma before ']' at line 12 column 1; ignored",
    ]


def test_broken_array_element_stops_the_file_with_a_reject():
    # planted: the third element has an unterminated string; the fourth is never reached
    res = read_file(R / "alpaca_broken_array.json", "br")
    assert len(res.rows) == 2
    (rej,) = res.rejects
    assert rej["drop_reason"] == "json_syntax_error"
    assert rej["drop_detail"].startswith("alpaca_broken_array.json:4:")
    assert rej["id"] == "br/alpaca_broken_array.json#2"
    assert res.warnings[-1].startswith("alpaca_broken_array.json: stopped at line 4 column")
    assert res.warnings[-1].endswith("bytes left unread")


def test_history_system_and_instruction_variants():
    lima = read_file(R / "lima_history.json", "lima").rows[0]
    raw = json.loads((R / "lima_history.json").read_text())[0]
    assert [m["content"] for m in lima["messages"][:2]] == raw["history"][0]
    assert lima["messages"][-1]["content"] == raw["output"]
    assert roles(lima) == ["user", "assistant"] * (len(raw["history"]) + 1)

    gt = read_file(R / "gpteacher_codegen.json", "gt").rows[0]
    assert roles(gt) == ["user", "assistant"]

    dolly = read_file(R / "dolly_layout.jsonl", "dolly").rows
    assert dolly[0]["meta"]["category"] == "open_qa"
    assert dolly[1]["messages"][0]["content"] == "Label the following animal as either an invertebrate or a vertebrate"

    si = read_file(R / "self_instruct.jsonl", "si").rows[0]
    assert si["meta"] == {"format": "self_instruct", "original_id": "user_oriented_task_0", "motivation_app": "Grammarly"}
    assert roles(si) == ["user", "assistant"]

    mt = read_file(R / "mt_bench.jsonl", "mt").prompts[0]
    assert roles(mt) == ["user", "user"]  # prompt only: in res.prompts
    assert mt["meta"] == {"format": "mt_bench", "original_id": "81", "category": "writing"}


def test_self_instruct_with_several_instances(tmp_path):
    p = tmp_path / "si.jsonl"
    p.write_text(json.dumps({"id": "t", "instruction": "Add.", "instances": [
        {"input": "1+1", "output": "2"}, {"input": "2+2", "output": "4"}]}) + "\n")
    res = read_file(p, "si")
    assert [r["id"] for r in res.rows] == ["si/si.jsonl#0.0", "si/si.jsonl#0.1"]
    assert res.rows[1]["messages"][0]["content"] == "Add.\n\n2+2"


def test_oasst_tree_nested_and_flat():
    tree = read_file(R / "oasst_tree.jsonl", "oa").rows[0]
    nested = read_file(R / "oasst_message.jsonl", "oa").rows[0]
    assert tree["messages"] == nested["messages"]  # same tree, two layouts
    assert tree["meta"]["original_id"] == nested["meta"]["original_id"] == "d26fa28e-63bb-481a-a7ba-bfe1afeeea59"
    assert roles(tree)[0] == "user" and tree["meta"]["message_langs"] == ["en"] * len(tree["messages"])

    # oasst1_en_validation.jsonl: tree 847d084a (9 messages: rank-0 reply 9c476fd3 leads to a prompter
    # leaf; the rank-1 branch holds a deleted reply) + one message whose parent is not in the file
    flat = read_file(R / "oasst_flat.jsonl", "v")
    (row,) = flat.rows
    lines = [json.loads(x) for x in (R / "oasst_flat.jsonl").read_text().splitlines()]
    assert row["id"] == "v/oasst_flat.jsonl#0" and row["meta"]["tree_messages"] == 9
    assert row["messages"] == [{"role": "user", "content": lines[0]["text"]},
                               {"role": "assistant", "content": lines[1]["text"]},
                               {"role": "user", "content": lines[2]["text"]}]
    assert row["meta"]["original_id"] == "847d084a-ebf1-45dd-be09-29910b94263e"
    (orphan,) = flat.rejects
    assert orphan["drop_reason"] == "oasst_orphan" and orphan["id"] == "v/oasst_flat.jsonl#msg9"
    assert orphan["drop_detail"].startswith("oasst_flat.jsonl:10: parent ")


def test_best_path_rank_rules():
    def msg(mid, rank=None, deleted=False, replies=()):
        return {"message_id": mid, "role": "assistant", "text": mid, "rank": rank, "deleted": deleted,
                "replies": list(replies)}

    root = {"message_id": "r", "role": "prompter", "text": "q", "replies": [
        msg("a", rank=None), msg("b", rank=1), msg("c", rank=0, deleted=True), msg("d", rank=1)]}
    assert [m["message_id"] for m in best_path(root)] == ["r", "b"]  # c deleted; b/d tie → b
    root["replies"] = [msg("z", rank=None), msg("y", rank=None)]
    assert [m["message_id"] for m in best_path(root)] == ["r", "y"]  # all unranked → by id


def test_hh_rlhf_gzip_split():
    res = read_file(R / "hh_rlhf.jsonl.gz", "hh")
    raw = [json.loads(x) for x in gzip.open(R / "hh_rlhf.jsonl.gz", "rt").read().splitlines()]
    for row, rec in zip(res.rows, raw):
        rebuilt = "".join(f"\n\n{'Human' if m['role'] == 'user' else 'Assistant'}: {m['content']}"
                          for m in row["messages"])
        assert rebuilt == rec["chosen"]


def test_preference_variants(tmp_path):
    p = tmp_path / "pref.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in [
        {"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "hello"}],
         "rejected": [{"role": "assistant", "content": "go away"}]},
        {"prompt": "hi", "chosen": "hello", "rejected": "no"},
        {"prompt": "\n\nHuman: hi", "chosen": "\n\nAssistant: hello", "rejected": "\n\nAssistant: no"},
        {"chosen": "no markers here", "rejected": ""},
    ]) + "\n")
    res = read_file(p, "p")
    expected = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    assert [r["messages"] for r in res.rows] == [expected] * 3
    assert [r["meta"]["format"] for r in res.rows] == ["openai_preference", "prompt_chosen", "prompt_chosen"]
    assert reasons(res) == ["malformed_record"]
    assert "markers" in res.rejects[0]["drop_detail"]
    assert "several layouts" in res.warnings[0]
    assert res.rows[1]["meta"]["rejected"] == "no"  # rejected answers kept in meta


@pytest.mark.parametrize("codec", ["zst", "bz2", "xz", "gz-named-json"])
def test_compression(tmp_path, codec):
    data = (R / "alpaca.json").read_bytes()
    if codec == "zst":
        import zstandard

        p = tmp_path / "alpaca.json.zst"
        p.write_bytes(zstandard.ZstdCompressor().compress(data))
    elif codec == "bz2":
        p = tmp_path / "alpaca.json.bz2"
        p.write_bytes(bz2.compress(data))
    elif codec == "xz":
        p = tmp_path / "alpaca.json.xz"
        p.write_bytes(lzma.compress(data))
    else:  # gzip content under a plain .json name: found by the magic bytes
        p = tmp_path / "alpaca.json"
        p.write_bytes(gzip.compress(data))
    res = read_file(p, "c")
    assert (res.format, len(res.rows), len(res.prompts), reasons(res)) == ("alpaca", 4, 1, [])


def test_zstd_stream_without_content_size(tmp_path):
    import zstandard

    p = tmp_path / "x.jsonl.zst"
    with open(p, "wb") as f, zstandard.ZstdCompressor().stream_writer(f) as w:
        w.write((R / "mt_bench.jsonl").read_bytes())
    assert len(read_file(p, "z").prompts) == 2


def test_parquet_and_wrapped_object(tmp_path):
    raw = json.loads((R / "alpaca.json").read_text())[:2]
    pq = tmp_path / "a.parquet"
    pl.DataFrame(raw).write_parquet(pq)
    res = read_file(pq, "pq")
    assert [r["messages"] for r in res.rows] == [r["messages"] for r in read_file(R / "alpaca.json", "pq").rows[:2]]
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"version": 1, "data": raw}))
    assert len(read_file(wrapped, "w").rows) == 2
    single = tmp_path / "one.json"  # a lone ShareGPT record is a record, not a wrapper
    single.write_text(json.dumps({"id": "x", "conversations": [{"from": "human", "value": "hi"}]}))
    assert read_file(single, "s").prompts[0]["meta"]["original_id"] == "x"


def test_limit_forced_format_and_errors(tmp_path):
    assert read_file(R / "alpaca.json", "a", limit=2).records == 2
    forced = read_file(R / "alpaca.json", "a", fmt="sharegpt")
    assert forced.format == "sharegpt" and len(forced.rejects) == 5
    assert forced.rejects[0]["drop_detail"] == (
        "alpaca.json#0: sharegpt: no list of turns under conversations, messages, conversation, dialog, ...")
    with pytest.raises(FileNotFoundError, match="nope.json"):
        read_file(tmp_path / "nope.json", "a")
    bad = tmp_path / "bad.jsonl.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(ReadError, match="bad.jsonl.gz: cannot decompress as gzip"):
        read_file(bad, "a")
    with pytest.raises(ValueError, match="unknown format 'csv'"):
        read_file(R / "alpaca.json", "a", fmt="csv")


def test_read_stage_frames_rows_and_rejects(caplog):
    stage = Read(Read.Params(inputs=[{"path": str(R / "sharegpt_zh.json"), "source": "zh"},
                                     {"path": str(R / "alpaca_trailing_comma.json"), "source": "hk"}]))
    res = stage.run(pl.DataFrame(), Context())
    assert res.kept.height == 5 and res.rejected.height == 2
    assert sorted(res.rejected["drop_reason"].to_list()) == ["json_syntax_error", "prompt_only"]
    assert "1 records hold prompts but no responses; read it with kind: prompts" in caplog.text
    assert res.counters["file.sharegpt_zh.json"] == {
        "path": str(R / "sharegpt_zh.json"), "format": "sharegpt", "layouts": {"sharegpt": 3, "prompt_response": 1},
        "records": 5, "rows": 3, "prompts": 1, "rejected": 2,
        "rejected_by_reason": {"json_syntax_error": 1, "prompt_only": 1}, "warnings": 1}
