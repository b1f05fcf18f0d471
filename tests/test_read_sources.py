"""Inputs beyond one local file: folders, globs, CSV/TSV (compressed), Parquet shards, datasets'
save_to_disk folders, and fsspec URLs (tested offline on fsspec's in-memory filesystem)."""

import gzip
import json
import shutil
from pathlib import Path

import fsspec
import polars as pl
import pytest

from curate.readers import read_file, read_paths
from curate.readers.sources import DataFile, expand, file_signature, is_data_file, load_records
from curate.stage import Context
from curate.stages.read import Read

F = Path(__file__).parent / "fixtures" / "read"
ALPACA = json.loads((F / "source_alpaca3.json").read_text())


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    (tmp_path / ".hidden").mkdir()
    shutil.copy(F / "dialog_fr.jsonl", tmp_path / "train" / "part-0.jsonl")
    (tmp_path / "train" / "part-1.jsonl.gz").write_bytes(gzip.compress((F / "zh_eval_std_answer.jsonl").read_bytes()))
    shutil.copy(F / "qa.csv", tmp_path / "test" / "qa.csv")
    shutil.copy(F / "qa.csv", tmp_path / ".hidden" / "qa.csv")
    (tmp_path / "README.md").write_text("not data")
    return tmp_path


def test_folder_and_glob_expand_to_data_files_with_stable_relative_names(tree):
    assert [f.name for f in expand(str(tree))] == ["test/qa.csv", "train/part-0.jsonl", "train/part-1.jsonl.gz"]
    assert [f.name for f in expand(f"{tree}/train/*.jsonl*")] == ["part-0.jsonl", "part-1.jsonl.gz"]
    assert [f.name for f in expand(f"{tree}/**/*.csv")] == ["test/qa.csv"]
    assert expand(f"{tree}/nothing/*.json") == [] and expand(str(tree / "missing.json")) == []
    res = read_paths([tree])
    assert (len(res.rows), res.records) == (3 + 3 + 2, 8)
    assert is_data_file("x.jsonl.zst") and is_data_file("a.TSV") and not is_data_file("notes.md")


def test_read_stage_over_a_folder_ids_and_counters(tree):
    stage = Read(Read.Params(inputs=[{"path": str(tree), "source": "d"}]))
    res = stage.run(pl.DataFrame(), Context())
    assert res.kept["id"].to_list()[:2] == ["d/test/qa.csv#0", "d/test/qa.csv#1"]
    assert res.kept.height == 8
    c = res.counters["file.train/part-1.jsonl.gz"]
    assert (c["format"], c["records"], c["rows"], c["prompts"], c["rejected"]) == ("prompt_response", 2, 2, 0, 0)
    assert c["path"] == str(tree / "train" / "part-1.jsonl.gz")


def test_fingerprint_changes_when_a_matched_file_changes_or_appears(tree):
    stage = Read(Read.Params(inputs=[{"path": f"{tree}/train/*", "source": "d"}]))
    before = stage.fingerprint()
    assert stage.fingerprint() == before
    (tree / "train" / "part-0.jsonl").write_text((F / "dialog_ru_zh.jsonl").read_text())
    edited = stage.fingerprint()
    assert edited != before
    shutil.copy(F / "qa.csv", tree / "train" / "part-2.csv")
    assert stage.fingerprint() != edited


def test_csv_tsv_compressed_and_ragged_rows(tmp_path):
    p = tmp_path / "qa.csv.gz"
    p.write_bytes(gzip.compress((F / "qa.csv").read_bytes()))
    res = read_file(p, "c")
    assert [r["messages"][-1]["content"] for r in res.rows] == [ALPACA[0]["output"], ALPACA[1]["output"], '{"a": 1}']
    bad = tmp_path / "bad.tsv"
    bad.write_text("question\tanswer\nq1\ta1\nq2\ta2\textra cell\n\nq3\ta3\n")
    res = read_file(bad, "b")
    assert [r["messages"][-1]["content"] for r in res.rows] == ["a1", "a3"]
    (rej,) = res.rejects
    assert (rej["drop_reason"], rej["drop_detail"]) == ("csv_syntax_error", "bad.tsv:3: row has 3 cells, header has 2")
    assert [r["id"] for r in res.rows] == ["b/bad.tsv#0", "b/bad.tsv#2"]


def test_parquet_shards_by_glob(tmp_path):
    rows = [{"messages": [{"role": "user", "content": a["instruction"]}, {"role": "assistant", "content": a["output"]}]}
            for a in ALPACA]
    pl.DataFrame(rows[:2]).write_parquet(tmp_path / "train-00000-of-00002.parquet")
    pl.DataFrame(rows[2:]).write_parquet(tmp_path / "train-00001-of-00002.parquet")
    res = read_paths([f"{tmp_path}/train-*.parquet"])
    assert [r["messages"][-1]["content"] for r in res.rows] == [a["output"] for a in ALPACA]
    assert res.format == "openai"


def test_datasets_save_to_disk_dataset_and_dataset_dict(tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_list([{"question": a["instruction"], "answer": a["output"]} for a in ALPACA])
    ds.save_to_disk(str(tmp_path / "one"))
    files = expand(str(tmp_path / "one"))
    assert [f.name for f in files] == ["data-00000-of-00001.arrow"]
    assert [r["messages"][-1]["content"] for r in read_file(files[0], "a").rows] == [a["output"] for a in ALPACA]
    datasets.DatasetDict({"train": ds.select([0, 1]), "test": ds.select([2])}).save_to_disk(str(tmp_path / "dd"))
    assert [f.name for f in expand(str(tmp_path / "dd"))] == ["train/data-00000-of-00001.arrow", "test/data-00000-of-00001.arrow"]
    assert len(read_paths([tmp_path / "dd"]).rows) == 3


def test_fsspec_memory_filesystem_file_folder_glob_and_signature():
    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/dump/a.jsonl", (F / "dialog_fr.jsonl").read_bytes())
    fs.pipe("/bucket/dump/sub/b.csv", (F / "qa.csv").read_bytes())
    fs.pipe("/bucket/dump/c.json.gz", gzip.compress((F / "eval_report.json").read_bytes()))
    try:
        files = expand("memory://bucket/dump")
        assert [f.name for f in files] == ["a.jsonl", "c.json.gz", "sub/b.csv"]
        assert all(f.remote for f in files)
        assert [f.name for f in expand("memory://bucket/dump/*.jsonl")] == ["a.jsonl"]
        res = read_file("memory://bucket/dump/a.jsonl", "m")
        assert [r["id"] for r in res.rows] == ["m/a.jsonl#0", "m/a.jsonl#1", "m/a.jsonl#2"]
        assert len(read_paths(["memory://bucket/dump"]).rows) == 3 + 2 + 3
        box = load_records(DataFile("memory://bucket/dump/sub/b.csv", "sub/b.csv"), limit=1)
        assert box.kind == "csv" and len(box.records) == 1
        sig = file_signature(files[0])
        fs.pipe("/bucket/dump/a.jsonl", (F / "dialog_ru_zh.jsonl").read_bytes())
        assert file_signature(files[0]) != sig
        assert expand("memory://bucket/none/*.json") == []
    finally:
        fs.rm("/bucket", recursive=True)
