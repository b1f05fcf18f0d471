"""CLI: help everywhere, one-line errors with exit 1, inspect groups rejects by reason."""

from __future__ import annotations

import json
import os

import polars as pl
import pytest
import yaml
from click.testing import CliRunner

from curate.schema import make_frame, rejects_from
from pipelines.cli import main
from tests.test_spec import THREE_MISTAKES


@pytest.mark.parametrize("cmd", [[], *[[c] for c in main.commands]])
def test_help_for_every_command(cmd):
    res = CliRunner().invoke(main, [*cmd, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example:" in res.output


def test_validate_reports_every_problem_and_exits_1(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(THREE_MISTAKES)
    res = CliRunner().invoke(main, ["validate", "--no-files", str(bad)])
    assert res.exit_code == 1
    assert "3 problem(s)" in res.output
    assert "unknown stage 'normalise'; did you mean 'normalize'?" in res.output
    assert "trian: unknown key" in res.output
    assert "Traceback" not in res.output


def test_stages_lists_and_describes():
    res = CliRunner().invoke(main, ["stages"])
    assert res.exit_code == 0 and "read" in res.output
    res = CliRunner().invoke(main, ["stages", "read"])
    assert res.exit_code == 0 and "inputs" in res.output
    res = CliRunner().invoke(main, ["stages", "raed"])
    assert res.exit_code == 1 and "did you mean 'read'" in res.output


def test_inspect_shows_samples_per_reason(tmp_path):
    df = make_frame([{"id": f"r{i}", "source": "s", "messages": [{"role": "user", "content": f"question {i}"},
                                                                  {"role": "assistant", "content": "x"}]}
                     for i in range(5)])
    rej = pl.concat([rejects_from(df.head(3), "quality", "too_short", "stat_chars=1 < 20"),
                     rejects_from(df.tail(2), "near_dedup", "near_duplicate", "jaccard=0.9")])
    path = tmp_path / "rejects.parquet"
    rej.write_parquet(path)
    res = CliRunner().invoke(main, ["inspect", str(path), "-n", "2"])
    assert res.exit_code == 0, res.output
    assert "== quality / too_short: 3 rows" in res.output
    assert "== near_dedup / near_duplicate: 2 rows" in res.output
    assert res.output.count("-- r") == 4
    res = CliRunner().invoke(main, ["inspect", str(path), "--reason", "near_duplicate"])
    assert "too_short" not in res.output


def test_version():
    from importlib.metadata import version

    res = CliRunner().invoke(main, ["--version"])
    assert res.exit_code == 0 and res.output == f"curatrain {version('curatrain')}\n"


def test_offline_flag_and_default_from_env(monkeypatch, tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("name: x\n")
    for var in ("HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_OFFLINE"):
        monkeypatch.setenv(var, "1")  # restored after the test, whatever the commands set
    CliRunner().invoke(main, ["validate", str(bad)])
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    CliRunner().invoke(main, ["--online", "validate", str(bad)])
    assert os.environ["HF_HUB_OFFLINE"] == "0" and os.environ["HF_DATASETS_OFFLINE"] == "0"
    monkeypatch.delenv("HF_HUB_OFFLINE")
    CliRunner().invoke(main, ["validate", str(bad)])
    assert os.environ["HF_HUB_OFFLINE"] == "0"
    CliRunner().invoke(main, ["--offline", "validate", str(bad)])
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_stages_name_shows_types_choices_bounds_defaults_and_an_example():
    res = CliRunner().invoke(main, ["stages", "near_dedup"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "  view: one of: conversation, first_user_turn, user_turns, assistant_turns; default \"conversation\"" in lines
    assert "  threshold: float (> 0.0, < 1.0); default 0.5" in lines
    assert "  bands: int or null (≥ 1); default null" in lines
    assert "example (defaults as they are; fill in the <...> values):" in lines
    example = yaml.safe_load("\n".join(lines[lines.index("example (defaults as they are; fill in the <...> values):")
                                             + 1:]))
    assert example[0]["stage"] == "near_dedup" and example[0]["threshold"] == 0.5
    from pipelines.spec import parse_spec

    text = yaml.safe_dump({"name": "x", "stages": [{"stage": "read", "inputs": [{"path": "a", "source": "a"}]},
                                                   example[0]], "output": {"dir": "out/x"}})
    assert parse_spec(text, check_files=False).stages[1].params.threshold == 0.5  # the example validates
    res = CliRunner().invoke(main, ["stages", "read"])
    assert "  inputs: list of InputSpec (not empty); required" in res.output
    assert "    - {path: <path>, source: my_source}" in res.output


def _tiny_pipeline(tmp_path, train: bool) -> str:
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps({"conversations": [{"from": "human", "value": f"question {i}?"},
                                                             {"from": "gpt", "value": f"answer number {i}."}]})
                              for i in range(3)) + "\n")
    spec = tmp_path / "p.yaml"
    spec.write_text(f"name: t\nstages:\n  - stage: read\n    inputs: [{{path: {data}, source: d}}]\n"
                    f"output: {{dir: {tmp_path / 'out'}}}\n" + ("train: {model: tiny}\n" if train else ""))
    return str(spec)


@pytest.mark.parametrize("exc, line", [
    (ValueError("3 rows would train on a partial assistant mask; set train.audit: drop"),
     "error: 3 rows would train on a partial assistant mask; set train.audit: drop"),
    (OSError("We couldn't connect to 'https://huggingface.co' to load the files.\nCheck your connection."),
     "error: We couldn't connect to 'https://huggingface.co' to load the files. (hub access is off: download the "
     "model first, e.g. `huggingface-cli download ID`, or run with --online)"),
    (FileNotFoundError(2, "No such file or directory", "out/t/model/config.json"),
     "error: out/t/model/config.json: No such file or directory"),
])
def test_training_errors_in_run_are_one_line(tmp_path, monkeypatch, exc, line):
    import pipelines.runner

    def fail(spec, echo=print):
        raise exc

    monkeypatch.setattr(pipelines.runner, "train_from_outputs", fail)
    res = CliRunner().invoke(main, ["--offline", "run", _tiny_pipeline(tmp_path, train=True)])
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == line and "Traceback" not in res.output


def test_inspect_a_file_that_is_not_parquet_is_one_line(tmp_path):
    bad = tmp_path / "rejects.parquet"
    bad.write_text("not parquet")
    res = CliRunner().invoke(main, ["inspect", str(bad)])
    assert res.exit_code == 1 and len(res.output.splitlines()) == 1
    assert res.output.startswith(f"error: {bad}: not a readable Parquet file")
    pl.DataFrame({"a": [1]}).write_parquet(bad)
    res = CliRunner().invoke(main, ["inspect", str(bad)])
    assert res.output == f"error: {bad}: not a rejects file (no drop_reason, drop_stage, id column)\n"


def test_dedup_eval_read_failure_is_one_line(tmp_path, monkeypatch):
    import pipelines.dedup_eval

    def refuse(path):
        raise ValueError(f"{tmp_path}/d.jsonl: 0 conversations read (top reject reason: json_syntax_error)")

    monkeypatch.setattr(pipelines.dedup_eval, "_from_pipeline", refuse)
    spec = tmp_path / "p.yaml"
    spec.write_text("name: x\n")
    res = CliRunner().invoke(main, ["dedup-eval", str(spec)])
    assert res.exit_code == 1
    assert res.output == (f"error: cannot read inputs: {tmp_path}/d.jsonl: 0 conversations read "
                          "(top reject reason: json_syntax_error)\n")


@pytest.mark.parametrize("name", ["read", "normalize", "exact_dedup", "near_dedup", "quality", "chat_template", "mix"])
def test_stages_example_validates_as_printed(name):
    from curate import registry
    from pipelines.cli import describe_stage
    from pipelines.spec import parse_spec

    text = describe_stage(name, registry.get(name))
    example = yaml.safe_load(text.split("fill in the <...> values):\n", 1)[1])[0]
    assert example["stage"] == name
    stages = [example] if name == "read" else [{"stage": "read", "inputs": [{"path": "a.jsonl", "source": "a"}]},
                                                example]
    spec = parse_spec(yaml.safe_dump({"name": "x", "stages": stages, "output": {"dir": "out/x"}}), check_files=False)
    assert spec.stages[-1].name == name


def test_validate_imports_no_torch():
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys; from click.testing import CliRunner; from pipelines.cli import main; "
            "r = CliRunner().invoke(main, ['validate', 'pipelines/lima.yaml']); "
            "print(r.exit_code, sorted(m for m in ('torch', 'transformers', 'trl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 []"
