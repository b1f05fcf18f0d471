"""The README's main job: pipelines/lima.yaml itself curates its 1,000 rows (curation only; training
is covered by test_end_to_end). A rule change that starves a mix source stops this pipeline with a
one-line error; this test catches it before a user does."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from tests.conftest import REPO


@pytest.mark.slow
def test_lima_yaml_curates_its_mix(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    text = (REPO / "pipelines" / "lima.yaml").read_text()
    assert "output: {dir: out/lima}" in text
    spec = tmp_path / "lima.yaml"  # the same pipeline, writing into tmp_path (input paths resolve as for lima.yaml)
    spec.write_text(text.replace("output: {dir: out/lima}", f"output: {{dir: {tmp_path / 'out'}}}"))
    res = CliRunner().invoke(main, ["run", str(spec), "--no-train"])
    assert res.exit_code == 0, res.output[-2000:] + repr(res.exception)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["rows_curated"] == 1000
    assert set(stats["sources"]) == {"gpteacher_roleplay", "hh_rlhf", "glaive_toolcall", "oasst"}
