"""Pipeline spec validation: every problem at once, each with its place; every shipped YAML is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.spec import SpecError, load_spec, parse_spec

REPO = Path(__file__).resolve().parent.parent

THREE_MISTAKES = """\
name: broken
seed: 1
stages:
  - stage: read
    inputs: [{path: pipelines/data/sample/llamafactory_identity.json, source: identity}]
  - stage: normalise
  - stage: chat_template
    max_tokens: -5
output: {dir: out/broken}
trian: {model: tiny}
"""


def test_three_mistakes_reported_together_with_places():
    with pytest.raises(SpecError) as err:
        parse_spec(THREE_MISTAKES, "broken.yaml", check_files=False)
    problems = err.value.problems
    assert len(problems) == 3, problems
    joined = "\n".join(problems)
    assert "line 10: trian: unknown key" in joined
    assert "line 6: stages[1]: unknown stage 'normalise'; did you mean 'normalize'?" in joined
    assert "line 8: stages[2] (chat_template).max_tokens:" in joined


def test_first_stage_must_read_and_only_once():
    text = """
name: x
stages:
  - {stage: normalize}
  - stage: read
    inputs: [{path: a.json, source: a}]
output: {dir: out/x}
"""
    with pytest.raises(SpecError) as err:
        parse_spec(text, check_files=False)
    joined = "\n".join(err.value.problems)
    assert "first stage must read data" in joined and "only the first stage may read data" in joined


def test_missing_input_file_is_reported():
    text = """
name: x
stages:
  - stage: read
    inputs: [{path: no/such/file.jsonl, source: a}]
output: {dir: out/x}
"""
    with pytest.raises(SpecError) as err:
        parse_spec(text)
    assert "file not found: no/such/file.jsonl" in err.value.problems[0]


def test_yaml_syntax_error_names_line():
    with pytest.raises(SpecError) as err:
        parse_spec("name: x\nstages: [\n", "bad.yaml")
    assert err.value.problems[0].startswith("line ")


@pytest.mark.parametrize("path", sorted(p for d in ("pipelines", "benchmarks") for p in (REPO / d).glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_shipped_pipeline_validates(path, monkeypatch):
    monkeypatch.chdir(REPO)
    # benchmark pipelines read ../shared/data, which only exists beside a checkout
    check_files = path.parent.name == "pipelines"
    spec = load_spec(path, check_files=check_files)
    assert spec.stages and spec.stages[0].name == "read"


ALL_KINDS = """\
name: broken
stages:
  - stage: read
    inputs:
      - {path: no/such.jsonl, source: a}
  - {stage: near_dedup, threshhold: 0.8}
  - stage: mix
    weights: {a: 0.5, zz: 0.5}
    total: 10
output: {dir: OUT}
train: {learning_rat: 0.1}
"""


def test_one_pass_reports_parse_cross_stage_file_and_output_problems_with_lines(tmp_path):
    """Cross-stage and file checks run although other stages failed to parse; unknown keys get a
    did-you-mean; every message has its line."""
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SpecError) as err:
        parse_spec(ALL_KINDS.replace("OUT", str(tmp_path)), "b.yaml")
    assert err.value.problems == [
        f"line 5: stages[0] (read): inputs[0].path: file not found: no/such.jsonl (relative to {Path.cwd()})",
        "line 6: stages[1] (near_dedup).threshhold: unknown key; did you mean 'threshold'?",
        "line 8: stages[2] (mix): weights: source 'zz' is not read by any input; declared sources: a",
        f"line 10: output.dir: {tmp_path} is not empty and holds no curatrain run (1 entry); choose a new folder, "
        "or allow it with output.overwrite: true or curatrain run --force",
        "line 11: train.learning_rat: unknown key; did you mean 'learning_rate'?",
    ]


@pytest.mark.parametrize("out_dir, message", [
    ("/", "/ is the root folder; choose a folder of its own, e.g. out/NAME"),
    ("/etc/curatrain", "/etc/curatrain is in a system folder (/etc); choose a folder of its own, e.g. out/NAME"),
    ("/dev/null", "/dev/null is in a system folder (/dev); choose a folder of its own, e.g. out/NAME"),
    ("/var", "/var is a system folder; choose a folder of its own, e.g. out/NAME"),
    ("~", "~ is your home folder; choose a folder of its own, e.g. out/NAME"),
])
def test_unsafe_output_dirs_are_refused_even_without_file_checks(out_dir, message):
    text = f"name: x\nstages: [{{stage: normalize}}]\noutput: {{dir: '{out_dir}', overwrite: true}}\n"
    with pytest.raises(SpecError) as err:
        parse_spec(text, check_files=False)
    assert f"line 3: output.dir: {message}" in err.value.problems


def test_output_dir_file_foreign_folder_and_overwrite(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    text = f"name: x\nstages:\n  - {{stage: read, inputs: [{{path: {a_file}, source: a}}]}}\noutput: {{dir: OUT}}\n"
    with pytest.raises(SpecError) as err:
        parse_spec(text.replace("OUT", str(a_file)))
    assert err.value.problems == [f"line 4: output.dir: {a_file} exists and is not a folder"]
    with pytest.raises(SpecError, match="holds no curatrain run"):
        parse_spec(text.replace("OUT", str(tmp_path)))
    assert parse_spec(text.replace("OUT", str(tmp_path)), overwrite=True).overwrite is True
    assert parse_spec(text.replace("{dir: OUT}", f"{{dir: {tmp_path}, overwrite: true}}")).overwrite is True
    (tmp_path / "stats.json").write_text("{}")  # a folder with a curatrain run may be rerun into
    assert parse_spec(text.replace("OUT", str(tmp_path))).output_dir == tmp_path


def test_format_validation_error_suggests_keys_for_set_overrides():
    """The helper `curatrain train --set` can use: same one-line shape, did-you-mean at any depth."""
    from pydantic import ValidationError

    from pipelines.spec import format_validation_error
    from train.spec import TrainSpec

    with pytest.raises(ValidationError) as err:
        TrainSpec.model_validate({"learning_rat": 0.1, "lora": {"rr": 3}})
    assert sorted(format_validation_error(err.value, "train", TrainSpec)) == [
        "train.learning_rat: unknown key; did you mean 'learning_rate'?",
        "train.lora.rr: unknown key; did you mean 'r'?",
    ]
