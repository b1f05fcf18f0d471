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
