"""The read stage: prompt sets, prompt-only records, per-file accounting, empty files, mapping
params (ours, Axolotl's roles lists, LLaMA-Factory's columns/tags) and validate-time input checks."""

import json
import logging
import shutil
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from curate.stage import Context
from curate.stages.read import InputSpec, Read
from pipelines.spec import SpecError, parse_spec

F = Path(__file__).parent / "fixtures" / "read"


def run(inputs, tmp_path=None):
    ctx = Context(artifact_dir=tmp_path or Path("."))
    return Read(Read.Params(inputs=inputs)).run(pl.DataFrame(), ctx)


def test_prompt_sets_go_to_the_artifact_not_the_training_frame(tmp_path):
    res = run([{"path": str(F / "dialog_fr.jsonl"), "source": "fr"},
               {"path": str(F / "prompts_turns.jsonl"), "source": "mt", "kind": "prompts"},
               {"path": str(F / "zh_eval_std_answer.jsonl"), "source": "zh", "kind": "prompts"}], tmp_path)
    assert res.kept["source"].unique().to_list() == ["fr"] and res.rejected.height == 0
    assert res.artifacts == {"prompts": str(tmp_path / "prompts.parquet")}
    prompts = pl.read_parquet(res.artifacts["prompts"])
    assert prompts.columns == ["id", "source", "messages", "meta"]
    assert prompts["id"].to_list() == ["mt/prompts_turns.jsonl#0", "mt/prompts_turns.jsonl#1", "mt/prompts_turns.jsonl#2",
                                       "zh/zh_eval_std_answer.jsonl#0", "zh/zh_eval_std_answer.jsonl#1"]
    zh = prompts.row(3, named=True)
    assert zh["messages"] == [{"role": "user", "content": "给出三个保持健康的提示。"}]  # user turns only
    assert json.loads(zh["meta"])["has_response"] is True
    assert res.counters["prompts"] == 5 and res.counters["file.prompts_turns.jsonl"]["prompts"] == 3


def test_prompt_only_records_in_a_conversation_input_are_rejects_with_one_log_line(tmp_path, caplog):
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text((F / "dialog_fr.jsonl").read_text() + (F / "prompts_turns.jsonl").read_text())
    with caplog.at_level(logging.WARNING, logger="curatrain"):
        res = run([{"path": str(mixed), "source": "m"}])
    assert res.kept.height == 3
    assert res.rejected["drop_reason"].to_list() == ["prompt_only"] * 3
    assert res.rejected["drop_detail"][0] == "mixed.jsonl#3: a prompt with no response (mt_bench)"
    assert res.rejected["messages"][0].to_list()[0]["role"] == "user"
    lines = [r.getMessage() for r in caplog.records if "prompts but no responses" in r.getMessage()]
    assert lines == [f"{mixed}: 3 records hold prompts but no responses; read it with kind: prompts "
                     "(e.g. as an eval set for decontaminate)"]
    c = res.counters["file.mixed.jsonl"]
    assert {k: c[k] for k in ("records", "rows", "prompts", "rejected", "rejected_by_reason")} == {
        "records": 6, "rows": 3, "prompts": 3, "rejected": 3, "rejected_by_reason": {"prompt_only": 3}}
    assert c["layouts"] == {"conversation": 3, "mt_bench": 3}


def test_a_file_with_no_conversation_is_an_error_unless_allowed():
    with pytest.raises(ValueError) as err:
        run([{"path": str(F / "dialog_fr.jsonl"), "source": "fr"}, {"path": str(F / "custom_keys.jsonl"), "source": "k"},
             {"path": str(F / "prompts_strings.json"), "source": "p"}])
    msg = str(err.value)
    assert f"{F / 'custom_keys.jsonl'}: 0 conversations read, top reject reason unrecognized_record (2 of 2 records)" in msg
    assert f"{F / 'prompts_strings.json'}: 0 conversations read, top reject reason prompt_only (3 of 3 records); " \
           "read it with kind: prompts" in msg
    assert "\n" not in msg
    with pytest.raises(ValueError, match="custom_keys.jsonl: 0 prompts read from 2 records, top reject reason "
                                         r"unrecognized_record \(2\)"):
        run([{"path": str(F / "custom_keys.jsonl"), "source": "k", "kind": "prompts"}])
    ok = run([{"path": str(F / "custom_keys.jsonl"), "source": "k", "allow_empty": True}])
    assert ok.kept.height == 0 and ok.rejected.height == 2


def test_mapping_params_ours_axolotl_and_llamafactory():
    ours = InputSpec(path="x", source="s", fields={"messages": "log", "role": "who", "content": "said"},
                     roles={"CLIENT_X": "user", "AGENT_Y": "assistant", "NOTE": "tool"})
    axolotl = InputSpec(path="x", source="s", fields={"messages": "log", "role": "who", "content": "said"},
                        roles={"user": ["CLIENT_X"], "assistant": ["AGENT_Y"], "tool": ["NOTE"]})
    lf = InputSpec(path="x", source="s", columns={"messages": "log"},
                   tags={"role_tag": "who", "content_tag": "said", "user_tag": "CLIENT_X",
                         "assistant_tag": "AGENT_Y", "observation_tag": "NOTE"})
    assert ours.mapping() == axolotl.mapping() == lf.mapping() == (
        {"messages": "log", "role": "who", "content": "said"}, {"CLIENT_X": "user", "AGENT_Y": "assistant", "NOTE": "tool"})
    res = run([{"path": str(F / "custom_roles.jsonl"), "source": "r", "columns": {"messages": "log"},
                "tags": {"role_tag": "who", "content_tag": "said", "user_tag": "CLIENT_X", "assistant_tag": "AGENT_Y",
                         "observation_tag": "NOTE"}}])
    assert res.kept["messages"].to_list()[0][-1]["role"] == "tool"
    with pytest.raises(ValidationError, match="roles.bot: 'robot' is not one of system, user, assistant, tool"):
        InputSpec(path="x", source="s", roles={"bot": "robot"})
    with pytest.raises(ValidationError, match="fields.prompt"):
        InputSpec(path="x", source="s", fields={"prompt": "a"}, columns={"prompt": "b"})
    with pytest.raises(ValidationError, match="format"):
        InputSpec(path="x", source="s", format="csv")
    with pytest.raises(ValidationError, match="fields.questoin"):
        InputSpec(path="x", source="s", fields={"questoin": "a"})


def test_validate_reports_unreadable_layouts_and_wrong_field_names(tmp_path):
    for name in ("custom_keys.jsonl", "dialog_fr.jsonl"):
        shutil.copy(F / name, tmp_path / name)
    text = f"""name: x
stages:
  - stage: read
    inputs:
      - {{path: {tmp_path}/custom_keys.jsonl, source: a}}
      - {{path: {tmp_path}/custom_keys.jsonl, source: b, fields: {{prompt: question, response: reply_text}}}}
      - {{path: {tmp_path}/dialog_fr.jsonl, source: c}}
      - {{path: {tmp_path}/custom_keys.jsonl, source: d, fields: {{prompt: ask, response: reply_text}}}}
      - {{path: {tmp_path}/nothing/*.jsonl, source: e}}
output: {{dir: {tmp_path}/out}}
"""
    with pytest.raises(SpecError) as err:
        parse_spec(text)
    problems = [p.split(": ", 1)[1] for p in err.value.problems]
    assert problems == [
        "stages[0] (read): inputs[0] (custom_keys.jsonl): none of the first 2 records could be read "
        "(unrecognized_record): custom_keys.jsonl:1: no known layout matches (keys: ask, reply_text, sample, sys); "
        "name its keys with fields: or format:",
        "stages[0] (read): inputs[1].fields.prompt: key 'question' is not in the first 2 records of custom_keys.jsonl "
        "(keys: ask, reply_text, sample, sys)",
        "stages[0] (read): inputs[4].path: no file matches: " + f"{tmp_path}/nothing/*.jsonl (relative to {Path.cwd()})",
    ]
