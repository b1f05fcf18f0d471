"""Outputs committed as one set, one-line I/O errors with a consistent cache, one run per output
folder (a lock held across processes, stale locks taken over, orphaned temp entries removed),
per-file lines and the empty-run exit code."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap

import polars as pl
import pytest
from click.testing import CliRunner
from pydantic import Field

from curate.registry import register
from curate.schema import make_frame
from curate.stage import Stage, StageParams, StageResult
from pipelines.cli import main
from pipelines.runner import (BusyError, EmptyRunError, OutputError, RunLock, format_file_lines, run_pipeline,
                              verify_outputs, StageReport)
from pipelines.spec import parse_spec

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@register
class _OutSource(Stage):
    """Test-only source: n conversations and per-file counters like the read stage's."""

    name = "test_out_source"
    is_source = True

    class Params(StageParams):
        n: int = Field(4, ge=0)

    def run(self, df, ctx):
        rows = [{"id": f"o#{i}", "source": "s", "messages": [{"role": "user", "content": f"q{i}"},
                                                             {"role": "assistant", "content": f"answer {i}"}]}
                for i in range(self.params.n)]
        counters = {"file.a.jsonl": {"path": "data/a.jsonl", "format": "sharegpt", "records": self.params.n + 3,
                                     "rows": self.params.n, "prompts": 0, "rejected": 3,
                                     "rejected_by_reason": {"malformed_record": 1, "json_syntax_error": 2}}}
        return StageResult(kept=make_frame(rows), counters=counters)


@register
class _OutDropAll(Stage):
    """Test-only stage that rejects every row."""

    name = "test_out_drop_all"

    def run(self, df, ctx):
        return StageResult(kept=df.head(0), rejected=self.reject(df, "too_short", "always"))


def _write(tmp_path, n=4, extra=""):
    path = tmp_path / "p.yaml"
    path.write_text(f"name: t\nstages:\n  - {{stage: test_out_source, n: {n}}}\n{extra}"
                    f"output: {{dir: {tmp_path / 'out'}}}\n")
    return path


def _tmp_entries(tmp_path):
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob(".tmp-*"))


def test_outputs_are_committed_with_a_manifest(tmp_path):
    rep = run_pipeline(parse_spec(_write(tmp_path).read_text(), "p.yaml"), echo=lambda s: None)
    out = tmp_path / "out"
    manifest = verify_outputs(out)
    assert sorted(manifest["files"]) == ["curated.parquet", "rejects.parquet", "report.html", "stats.json"]
    assert json.loads(rep.stats_path.read_text())["run_id"] == manifest["run_id"] == rep.run_id
    assert manifest["files"]["curated.parquet"]["bytes"] == (out / "curated.parquet").stat().st_size
    assert _tmp_entries(tmp_path) == [] and not (out / ".curatrain.lock.json").exists()
    (out / "rejects.parquet").write_bytes(b"PAR1 not the committed file")
    with pytest.raises(OutputError, match=r"rejects.parquet is not the file of run .* \(mixed outputs\)"):
        verify_outputs(out)
    (out / "run.json").unlink()
    with pytest.raises(OutputError, match="holds no complete run"):
        verify_outputs(out)


def _fail_nth_write(monkeypatch, nth: int):
    """Make the nth DataFrame.write_parquet call fail as a full disk does, after writing a few bytes."""
    real, calls = pl.DataFrame.write_parquet, {"n": 0}

    def failing(self, file, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth:
            with open(file, "wb") as f:
                f.write(b"PAR1 half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, file, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing)


def test_disk_full_while_committing_keeps_the_previous_set(tmp_path, monkeypatch):
    spec_path = _write(tmp_path, n=4)
    run_pipeline(parse_spec(spec_path.read_text(), "p.yaml"), echo=lambda s: None)
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    spec_path.write_text(spec_path.read_text().replace("n: 4", "n: 5"))
    _fail_nth_write(monkeypatch, 4)  # cache kept, cache rejected, staged curated, staged rejects ← fails
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == (f"error: cannot write {out}/.tmp-run-{os.getpid()}/rejects.parquet: "
                                           "No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before  # old set untouched
    verify_outputs(out)
    assert _tmp_entries(tmp_path) == []
    monkeypatch.undo()
    res = CliRunner().invoke(main, ["run", str(spec_path)])  # with space again: the cache serves stage 0
    assert res.exit_code == 0, res.output
    assert "cached" in res.output.splitlines()[2]
    assert pl.read_parquet(out / "curated.parquet").height == 5 and verify_outputs(out)


def test_disk_full_in_the_cache_is_one_line_and_the_rerun_succeeds(tmp_path, monkeypatch):
    spec_path = _write(tmp_path)
    _fail_nth_write(monkeypatch, 1)
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    line = res.output.splitlines()[-1]
    assert line.startswith(f"error: cannot write {tmp_path}/out/.cache/.tmp-00_test_out_source_")
    assert line.endswith(f"-{os.getpid()}/kept.parquet: No space left on device")
    assert _tmp_entries(tmp_path) == [] and not (tmp_path / "out" / "run.json").exists()
    monkeypatch.undo()
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 0, res.output
    verify_outputs(tmp_path / "out")


def test_read_only_filesystem_is_one_line(tmp_path, monkeypatch):
    """EROFS (and EACCES alike) while creating the cache: one line naming the folder."""
    import pathlib

    spec_path = _write(tmp_path)
    real_mkdir = pathlib.Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.name == ".cache":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 1
    assert res.output == f"error: cannot write {tmp_path}/out/.cache: Read-only file system\n"


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipelines.runner import RunLock
    with RunLock(Path(sys.argv[1]), "holder", echo=lambda s: None):
        print("locked", flush=True)
        sys.stdin.readline()
""")


def test_second_run_on_the_same_folder_fails_fast(tmp_path):
    spec_path = _write(tmp_path)
    (tmp_path / "out").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "out")], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "locked"
        owner = json.loads((tmp_path / "out" / ".curatrain.lock.json").read_text())
        assert owner["pid"] == holder.pid
        res = CliRunner().invoke(main, ["run", str(spec_path)])
        assert res.exit_code == 1
        assert res.output.splitlines()[-1] == (f"error: {tmp_path / 'out'} is in use by pid {holder.pid} since "
                                               f"{owner['started']}; wait for it to finish or stop it")
        assert not (tmp_path / "out" / "run.json").exists()
    finally:
        holder.communicate("done\n", timeout=30)
    res = CliRunner().invoke(main, ["run", str(spec_path)])  # the holder is gone: the folder is free
    assert res.exit_code == 0, res.output


def test_stale_lock_of_a_killed_run_is_taken_over_and_orphans_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    spec_path = _write(tmp_path)
    out = tmp_path / "out"
    (out / ".cache" / f".tmp-00_test_out_source_abc-{pid}").mkdir(parents=True)
    (out / ".cache" / f".tmp-00_other_live-{os.getppid()}").mkdir()  # a live process's entry stays
    (out / f".tmp-run-{pid}").mkdir()
    (out / ".curatrain.lock.json").write_text(json.dumps({"pid": pid, "started": "2026-11-30T10:00:00Z"}))
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == (f"note: took over a stale lock on {out} from pid {pid} (started 2026-11-30T10:00:00Z, "
                        "not running)")
    assert lines[1] == "removed 2 temporary entries left by killed runs"
    assert res.stderr.splitlines() == lines[:2] and "note:" not in res.stdout  # housekeeping goes to stderr
    assert _tmp_entries(tmp_path) == [f"out/.cache/.tmp-00_other_live-{os.getppid()}"]
    assert not (out / ".curatrain.lock.json").exists()


ORPHAN = textwrap.dedent("""
    import json, sys
    from filelock import FileLock
    out, dead = sys.argv[1], int(sys.argv[2])
    lock = FileLock(out + "/.curatrain.lock", blocking=False)
    lock.acquire()  # a leftover child of a killed run: it still holds the lock its dead parent took
    open(out + "/.curatrain.lock.json", "w").write(json.dumps({"pid": dead, "started": "2026-11-30T09:00:00Z"}))
    print("holding", flush=True)
    sys.stdin.readline()
""")


def test_lock_held_by_a_leftover_of_a_dead_owner_is_taken_over(tmp_path):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)
    spec_path = _write(tmp_path)
    (tmp_path / "out").mkdir()
    leftover = subprocess.Popen([sys.executable, "-c", ORPHAN, str(tmp_path / "out"), str(dead)], cwd=REPO,
                                text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert leftover.stdout.readline().strip() == "holding"
        res = CliRunner().invoke(main, ["run", str(spec_path)])
        assert res.exit_code == 0, res.output
        assert res.stderr.splitlines()[0] == (f"note: took over a stale lock on {tmp_path / 'out'} from pid {dead} "
                                              "(started 2026-11-30T09:00:00Z, not running)")
        verify_outputs(tmp_path / "out")
    finally:
        leftover.communicate("done\n", timeout=30)


def test_lock_is_exclusive_within_a_process_too(tmp_path):
    with RunLock(tmp_path, "a", echo=lambda s: None):
        with pytest.raises(BusyError, match=f"^{tmp_path} is in use by pid {os.getpid()} since "):
            with RunLock(tmp_path, "b", echo=lambda s: None):
                pass


def test_per_file_lines_after_the_funnel(tmp_path):
    res = CliRunner().invoke(main, ["run", str(_write(tmp_path, n=4))])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[3] == ("  data/a.jsonl [sharegpt]: 7 records → 4 rows, 0 prompts, 3 rejected "
                        "(json_syntax_error 2, malformed_record 1)")
    rep = StageReport(0, "read", 0, 0, {}, 0.0, False, "k", {"file.b.json": {"records": 2}, "records": 2})
    assert format_file_lines(rep) == ["  b.json: 2 records → 0 rows, 0 prompts, 0 rejected"]


def test_empty_curated_set_exits_1_in_one_line_after_writing_outputs(tmp_path):
    spec_path = _write(tmp_path, extra="  - {stage: test_out_drop_all}\n")
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 1
    assert res.output.splitlines()[-1] == ("error: the curated set is empty: no rows left after stages[1] "
                                           f"(test_out_drop_all) (dropped: too_short 4); see the rejects with: "
                                           f"curatrain inspect {spec_path}")
    assert pl.read_parquet(tmp_path / "out" / "rejects.parquet").height == 4
    with pytest.raises(EmptyRunError):
        run_pipeline(parse_spec(spec_path.read_text(), "p.yaml"), echo=lambda s: None)


def test_unsafe_or_foreign_output_folder_at_run_time(tmp_path):
    spec_path = _write(tmp_path)
    spec = parse_spec(spec_path.read_text(), "p.yaml")
    (tmp_path / "out").write_text("a file appeared after validation")
    with pytest.raises(OutputError, match=f"^output.dir: {tmp_path / 'out'} exists and is not a folder$"):
        run_pipeline(spec, echo=lambda s: None)
    (tmp_path / "out").unlink()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("mine")
    res = CliRunner().invoke(main, ["run", str(spec_path)])
    assert res.exit_code == 1 and "holds no curatrain run (1 entry)" in res.output
    res = CliRunner().invoke(main, ["run", "--force", str(spec_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "thesis.tex").read_text() == "mine"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux /dev/full")
def test_polars_disk_full_error_becomes_one_line():
    """polars wraps ENOSPC in a ComputeError ('... IO error: ... (os error 28)'); it reads as the OS error."""
    from pathlib import Path

    from pipelines.runner import _writing, io_message

    frame = pl.DataFrame({"a": list(range(100_000))})
    with pytest.raises(pl.exceptions.PolarsError) as err:
        frame.write_parquet("/dev/full")
    assert io_message(err.value, "out/x/curated.parquet") == "cannot write out/x/curated.parquet: No space left on device"
    with pytest.raises(OutputError, match="^cannot write /dev/full: No space left on device$"):
        with _writing(Path("/dev/full")):
            frame.write_parquet("/dev/full")
    with pytest.raises(pl.exceptions.ColumnNotFoundError):  # not an I/O error: keeps its own type and traceback
        with _writing(Path("/dev/full")):
            frame.select("missing")


def test_a_damaged_cache_entry_is_recomputed(tmp_path, caplog):
    spec_path = _write(tmp_path)
    spec = parse_spec(spec_path.read_text(), "p.yaml")
    first = pl.read_parquet(run_pipeline(spec, echo=lambda s: None).curated_path)
    (entry,) = [e for e in (tmp_path / "out" / ".cache").iterdir() if e.name.startswith("00_")]
    (entry / "kept.parquet").write_bytes(b"PAR1 damaged")
    rep = run_pipeline(spec, echo=lambda s: None)
    assert [s.cached for s in rep.stages] == [False]
    assert "cannot be read" in caplog.text and "recomputing it" in caplog.text
    assert pl.read_parquet(rep.curated_path).equals(first)
    assert [s.cached for s in run_pipeline(spec, echo=lambda s: None).stages] == [True]  # replaced
