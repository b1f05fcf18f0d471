"""Output streams of the command line: data on stdout, logs/progress/training lines on stderr; -v/-q."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import curate.progress as P
from pipelines.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "pipelines" / "data" / "sample" / "fastchat_dummy_conversation.json"
STAGES = ("read", "exact_dedup", "near_dedup", "language")
# the funnel on stdout: header, column titles, one line per stage, one per input file, the outputs line
FUNNEL = [r"pipeline t \([0-9a-f]+\)  cache .*", r"\s+# stage\s+rows in → out\s+dropped\s+by reason\s+time",
          *[rf"\s+{i} {name}\s+\d+ → \d+.*\d\.\ds( cached)?" for i, name in enumerate(STAGES)],
          r"\s+.*fastchat_dummy_conversation\.json \[sharegpt\]: 60 records → 60 rows.*",
          r"curated 7 rows → .*curated\.parquet; rejects 53 → .*rejects\.parquet; stats → .*stats\.json"]


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch):
    monkeypatch.delenv("CURATRAIN_PROGRESS", raising=False)
    root, ours = logging.getLogger(), logging.getLogger("curatrain")
    saved = (root.level, ours.level, list(root.handlers), dict(P._settings))
    yield
    root.setLevel(saved[0])
    ours.setLevel(saved[1])
    for h in list(root.handlers):
        if h not in saved[2]:
            root.removeHandler(h)
    P._settings.update(saved[3])


def _pipeline(tmp_path: Path) -> str:
    spec = tmp_path / "p.yaml"
    spec.write_text("name: t\nstages:\n  - stage: read\n"
                    f"    inputs: [{{path: {SAMPLE}, source: fastchat, limit: 60}}]\n"
                    "  - {stage: exact_dedup}\n  - {stage: near_dedup}\n  - {stage: language, keep: [en]}\n"
                    f"output: {{dir: {tmp_path / 'out'}}}\n")
    return str(spec)


def _assert_funnel_only(stdout: str) -> None:
    lines = stdout.splitlines()
    assert len(lines) == len(FUNNEL), stdout
    for line, pat in zip(lines, FUNNEL):
        assert re.fullmatch(pat, line), (pat, line)


def test_run_stdout_is_the_funnel_and_logs_and_bars_go_to_stderr(tmp_path):
    spec = _pipeline(tmp_path)
    res = CliRunner().invoke(main, ["run", "--force", spec])
    assert res.exit_code == 0, res.output
    _assert_funnel_only(res.stdout)
    assert res.stderr == ""  # not a terminal, no -v: nothing to say

    res = CliRunner(env={"CURATRAIN_PROGRESS": "1"}).invoke(main, ["-v", "run", "--force", spec])
    assert res.exit_code == 0, res.output
    _assert_funnel_only(res.stdout)
    err = res.stderr
    assert "INFO curatrain.progress: near-dup: MinHash signatures: start (60 rows)" in err
    assert re.search(r"INFO curatrain.progress: near-dup: MinHash signatures: 60 rows in \d+\.\d s", err)
    assert "INFO curatrain.progress: language: detect: start (" in err
    # the bars themselves (printed once each when stderr is not a terminal)
    assert re.search(r"near-dup: MinHash signatures .*60/60 rows 100%", err)
    assert re.search(r"language: strip turns .*14/14 texts", err)  # 7 rows reach language (near_dedup takes the pipeline seed), 2 roles each
    assert "━" not in res.stdout and "INFO" not in res.stdout


def test_quiet_silences_bars_and_logs(tmp_path):
    spec = _pipeline(tmp_path)
    res = CliRunner(env={"CURATRAIN_PROGRESS": "1"}).invoke(main, ["-q", "run", "--force", spec])
    assert res.exit_code == 0, res.output
    _assert_funnel_only(res.stdout)
    assert res.stderr == ""
    res = CliRunner().invoke(main, ["-q", "-v", "validate", spec])
    assert res.exit_code == 2 and "-v and -q exclude each other" in res.stderr and res.stdout == ""


def test_training_lines_go_to_stderr_in_run_as_in_train(tmp_path, monkeypatch):
    import pipelines.runner

    def fake_train(spec, echo=print):
        echo("step 1/2: loss 2.0000")
        echo("step 2/2: loss 1.5000")
        return {"output_dir": str(tmp_path / "model"), "first_loss": 2.0, "last_loss": 1.5, "train_runtime": 3.0}

    monkeypatch.setattr(pipelines.runner, "train_from_outputs", fake_train)
    spec = Path(_pipeline(tmp_path))
    spec.write_text(spec.read_text() + "train: {model: tiny}\n")
    res = CliRunner().invoke(main, ["--offline", "run", str(spec)])
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines() == ["step 1/2: loss 2.0000", "step 2/2: loss 1.5000"]
    lines = res.stdout.splitlines()
    _assert_funnel_only("\n".join(lines[:-1]))
    assert lines[-1] == f"trained → {tmp_path / 'model'}: loss 2.000 → 1.500 in 3s"
    res = CliRunner().invoke(main, ["-q", "--offline", "run", str(spec)])  # cached curation, same result line
    assert res.exit_code == 0 and res.stderr == "" and res.stdout.splitlines()[-1] == lines[-1]


def test_other_commands_keep_stdout_for_data(tmp_path):
    spec = _pipeline(tmp_path)
    res = CliRunner().invoke(main, ["-v", "validate", spec])
    assert res.exit_code == 0 and res.stdout == f"{spec}: ok (4 stages)\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: t\nstages:\n  - {stage: near_dedup, threshold: 2}\n")
    res = CliRunner().invoke(main, ["validate", "--no-files", str(bad)])
    assert res.exit_code == 1 and res.stdout == "" and "threshold" in res.stderr
    res = CliRunner().invoke(main, ["stages"])
    assert res.exit_code == 0 and res.stderr == "" and re.search(r"^near_dedup\s", res.stdout, re.M)
    assert "\x1b[" not in res.stdout
