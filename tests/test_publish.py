"""output.save_to_disk and output.push_to_hub through ``datasets`` (issue 13 item 6): a real save and reload in a
temporary folder, the hub push with ``Dataset.push_to_hub`` monkeypatched (offline: the call and its arguments are
asserted), one-line errors, and the curated Parquet still loading with ``datasets`` unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from curate.schema import make_frame
from pipelines.publish import PublishError, publish_outputs
from pipelines.spec import OutputSpec

FIXTURES = Path(__file__).parent / "fixtures" / "train"


@pytest.fixture()
def curated(tmp_path) -> Path:
    path = tmp_path / "curated.parquet"
    make_frame([json.loads(line) for line in (FIXTURES / "conversations.jsonl").open()][:6]).write_parquet(path)
    return path


def test_save_to_disk_reloads(curated, tmp_path):
    target = tmp_path / "ds"
    lines: list[str] = []
    done = publish_outputs(OutputSpec(dir=str(tmp_path / "out"), save_to_disk=str(target)), curated, echo=lines.append)
    assert done == {"save_to_disk": str(target)}
    ds = datasets.load_from_disk(str(target))
    assert ds.num_rows == 6 and ds.column_names == ["id", "source", "messages", "meta"]
    first = json.loads((FIXTURES / "conversations.jsonl").open().readline())
    assert ds[0]["id"] == first["id"] and ds[0]["messages"] == first["messages"]
    assert lines == [f"saved 6 rows with datasets → {target} (datasets.load_from_disk)"]
    again = datasets.load_dataset("parquet", data_files=str(curated), split="train")  # the Parquet is unchanged
    assert again["messages"] == ds["messages"]


def test_push_to_hub_calls_datasets(curated, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(datasets.Dataset, "push_to_hub",
                        lambda self, repo_id, **kw: calls.append((self.num_rows, repo_id, kw)))
    out = OutputSpec(dir=str(tmp_path / "out"), push_to_hub={"repo_id": "me/lima-1k", "private": True})
    assert publish_outputs(out, curated, echo=lambda s: None) == {"push_to_hub": "me/lima-1k"}
    assert calls == [(6, "me/lima-1k", {"private": True, "split": "train"})]


def test_push_to_hub_error_is_one_line(curated, tmp_path, monkeypatch):
    def fail(self, repo_id, **kw):
        raise ConnectionError("Offline mode is enabled.\nmore detail")

    monkeypatch.setattr(datasets.Dataset, "push_to_hub", fail)
    out = OutputSpec(dir=str(tmp_path / "out"), push_to_hub={"repo_id": "me/x"})
    with pytest.raises(PublishError) as exc:
        publish_outputs(out, curated)
    assert str(exc.value) == (f"output.push_to_hub me/x: ConnectionError: Offline mode is enabled. (log in with "
                              f"`huggingface-cli login` or set HF_TOKEN; the curated data is in {curated})")


def test_spec_checks_repo_id_and_nothing_asked(curated, tmp_path):
    with pytest.raises(ValueError, match="repo_id"):
        OutputSpec(dir="out/x", push_to_hub={"repo_id": "no slash"})
    assert publish_outputs(OutputSpec(dir="out/x"), curated) == {} and publish_outputs(None, curated) == {}
