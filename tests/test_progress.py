"""curate.progress: bars only on stderr, only when wanted; start/end lines logged; results unchanged."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

import curate.progress as P
from curate.progress import configure, enabled, progress, setup_logging, task


@pytest.fixture(autouse=True)
def _reset(monkeypatch):
    monkeypatch.delenv("CURATRAIN_PROGRESS", raising=False)
    saved = dict(P._settings)
    yield
    P._settings.update(saved)
    assert P._display is None and P._depth == 0  # every bar was closed


def test_silent_when_stderr_is_not_a_terminal(capsys):
    assert not sys.stderr.isatty() and not enabled()
    with task("stage: loop", total=3) as t:
        for _ in range(3):
            t.advance()
    assert t.completed == 3
    assert capsys.readouterr() == ("", "")


def test_forced_bar_goes_to_stderr_never_stdout(capsys):
    configure(force=True)
    assert list(progress(range(4), "near-dup: batches", unit="batches")) == [0, 1, 2, 3]
    out, err = capsys.readouterr()
    assert out == ""
    assert "near-dup: batches" in err and "4/4" in err and "batches" in err and "100%" in err


def test_quiet_and_env_off_win_over_force(capsys, monkeypatch):
    configure(force=True, quiet=True)
    assert not enabled()
    list(progress([1, 2], "x"))
    assert capsys.readouterr() == ("", "")
    configure(quiet=False)
    assert enabled()
    monkeypatch.setenv("CURATRAIN_PROGRESS", "0")
    assert not enabled()
    configure(force=None)
    monkeypatch.setenv("CURATRAIN_PROGRESS", "1")
    assert enabled()


def test_never_drawn_in_a_worker_process(monkeypatch):
    configure(force=True)
    monkeypatch.setattr(P.multiprocessing, "parent_process", lambda: object())
    assert not enabled()


def test_nested_bar_is_removed_outer_stays(capsys):
    configure(force=True)
    with task("read: files", total=2, unit="files") as outer:
        for _ in range(2):
            for _ in progress(range(5), "read: rows of one file"):
                pass
            outer.advance()
    err = capsys.readouterr().err
    assert "read: files" in err and "2/2" in err
    assert "rows of one file" not in err


def test_start_and_end_lines_at_info_even_when_silent(caplog):
    with caplog.at_level(logging.INFO, logger="curatrain"):
        with task("language: detect", total=5, unit="texts") as t:
            t.advance(5)
    msgs = [r.getMessage() for r in caplog.records if r.name == "curatrain.progress"]
    assert msgs[0] == "language: detect: start (5 texts)"
    assert msgs[1].startswith("language: detect: 5 texts in ") and all(r.levelno == logging.INFO for r in caplog.records)


def test_unknown_total_and_exception_close_the_bar(capsys):
    configure(force=True)
    with pytest.raises(KeyError):
        for i in progress((x for x in range(10)), "stage: gen"):
            if i == 3:
                raise KeyError("boom")
    err = capsys.readouterr().err
    assert "stage: gen" in err and "3/?" in err  # advanced after each finished item: 0, 1, 2


def test_results_identical_with_bars_on_and_off():
    from curate.select.clustering import kmeans, nearest_neighbour_sim
    from curate.select.selectors import Budget, select_kcenter, select_repr_filter

    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 8)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    score = rng.random(300)

    def once():
        lab, C = kmeans(X, 7, seed=1)
        sim, arg = nearest_neighbour_sim(X, lab, C)
        r = select_repr_filter(X, score, Budget(rows=40), seed=1, max_cosine=0.8)
        k = select_kcenter(X, score, Budget(rows=20), seed=1)
        return lab, sim, arg, r.chosen, list(r.reason), k.chosen

    configure(force=False)
    off = once()
    configure(force=True)
    on = once()
    for a, b in zip(off, on):
        assert np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))


def test_setup_logging_levels_and_handler_follows_stderr(capsys):
    root, ours = logging.getLogger(), logging.getLogger("curatrain")
    saved = (root.level, ours.level, list(root.handlers))
    try:
        setup_logging(1)
        setup_logging(1)  # idempotent: one handler of ours
        assert sum(isinstance(h, P._StderrHandler) for h in root.handlers) == 1
        assert ours.getEffectiveLevel() == logging.INFO
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
        logging.getLogger("curatrain.x").info("hello %d", 1)
        out, err = capsys.readouterr()  # capsys swapped sys.stderr after the handler was made
        assert out == "" and "INFO curatrain.x: hello 1" in err
        setup_logging(-1)
        assert P._settings["quiet"] and ours.getEffectiveLevel() == logging.ERROR
        logging.getLogger("curatrain.x").warning("hidden")
        assert capsys.readouterr().err == ""
        setup_logging(0)
        assert not P._settings["quiet"] and ours.level == logging.NOTSET
    finally:
        root.setLevel(saved[0])
        ours.setLevel(saved[1])
        for h in list(root.handlers):
            if h not in saved[2]:
                root.removeHandler(h)
