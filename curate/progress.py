"""Progress bars and the logging setup: what a long stage shows while it works, always on stderr.

One small helper over ``rich.progress`` (Textualize's rich; the same role as datatrove's
``tqdm(..., disable=not self.doc_progress)``) so every stage that loops over rows, files or batches
shows the same bar, and the command line's ``-v/-q`` switch them all at once:

- ``task(desc, total, unit)``: a context manager for loops that count by hand
  (``with task("near_dedup: signatures", total=n) as t: ... t.advance(len(batch))``).
- ``progress(iterable, desc, total, unit)``: wraps an iterable and advances once per item.

Where it shows: on **stderr only**, never stdout (stdout holds data: the funnel table, JSON, paths),
and only when stderr is a terminal, so CI logs, pipes and tests stay clean. ``configure(force=True)``
or ``CURATRAIN_PROGRESS=1`` shows bars anyway (on a non-terminal rich prints each finished bar once,
when its loop ends); ``configure(quiet=True)`` (``curatrain -q``) or ``CURATRAIN_PROGRESS=0`` hides
them. Bars are also hidden in worker processes (``multiprocessing`` children of the local engine),
whose bars would overwrite the parent's. Whether or not a bar shows, each top-level ``task`` logs a
start line and an end line (count, seconds, rate) at INFO on its logger (``curatrain.progress`` unless
given), which ``curatrain -v`` prints. Nothing here touches the data: outputs are identical with bars
on or off.

Nesting: bars opened inside another (e.g. one per input file under a read bar) share one rich
``Progress`` display; an inner bar disappears when its loop ends, an outer bar stays as a record of
the stage.

``setup_logging(verbosity)`` is the command line's logging setup (``-v`` → 1, ``-q`` → -1): one
handler on the root logger that writes to whatever ``sys.stderr`` is *at the time of the record*, so
log lines go above a live bar (rich redirects stderr while a bar is live) and into click's
``CliRunner`` in tests.

Example::

    from curate.progress import progress, task

    for path in progress(paths, "read: files", unit="files"):
        ...
    with task("language: detect", total=len(texts), unit="texts") as t:
        for batch in batches:
            ...
            t.advance(len(batch))
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Task", "configure", "enabled", "is_quiet", "progress", "setup_logging", "task"]

T = TypeVar("T")

log = logging.getLogger("curatrain.progress")

#: ``quiet`` hides every bar; ``force`` shows bars on a non-terminal stderr (None = decide by TTY).
_settings: dict[str, Any] = {"quiet": False, "force": None}
_display: Any = None  # the live rich.progress.Progress while any task is open
_depth = 0


_KEEP: Any = object()


def configure(*, quiet: bool | None = None, force: bool | None = _KEEP) -> None:
    """Set the process-wide switches (the CLI calls this from ``-q``); an argument left out keeps its value.

    Args:
        quiet: True hides every bar (logging is set separately by ``setup_logging``).
        force: True shows bars even when stderr is not a terminal, False never shows them, None
            (the initial value) shows them on a terminal only.
    """
    if quiet is not None:
        _settings["quiet"] = bool(quiet)
    if force is not _KEEP:
        _settings["force"] = force


def is_quiet() -> bool:
    """Whether ``-q`` is in force (``configure(quiet=True)``): callers drop their own stderr chatter too."""
    return bool(_settings["quiet"])


def enabled() -> bool:
    """Whether a bar would be drawn now: not quiet, not in a worker process, and stderr is a terminal
    (or forced by ``configure(force=True)`` / ``CURATRAIN_PROGRESS=1``; ``CURATRAIN_PROGRESS=0``
    wins over both)."""
    env = os.environ.get("CURATRAIN_PROGRESS", "").strip().lower()
    if _settings["quiet"] or env in ("0", "false", "no", "off"):
        return False
    if multiprocessing.parent_process() is not None:
        return False
    if _settings["force"] is not None:
        return bool(_settings["force"])
    if env in ("1", "true", "yes", "on"):
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


class Task:
    """One loop's progress: ``advance(n)`` adds ``n`` done items; ``completed`` is the running count.

    Made by ``task()``; without a display (bars off) it only counts, for the end-of-loop log line.
    """

    #: seconds between updates of the drawn bar; ``advance`` in between only adds to a counter, so
    #: calling it once per row costs about what an integer add and a clock read cost.
    REFRESH_S = 0.1

    def __init__(self, desc: str, total: int | None, unit: str, display: Any = None, task_id: Any = None):
        self.desc, self.total, self.unit = desc, total, unit
        self.completed = 0
        self._display, self._id = display, task_id
        self._pending, self._last = 0, time.monotonic()

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done (``n`` ≥ 0; a count past ``total`` is shown as is)."""
        self.completed += n
        if self._display is not None:
            self._pending += n
            now = time.monotonic()
            if now - self._last >= self.REFRESH_S:
                self._flush(now)

    def _flush(self, now: float | None = None) -> None:
        if self._display is not None and self._pending:
            self._display.advance(self._id, self._pending)
            self._pending = 0
        self._last = time.monotonic() if now is None else now

    def set_total(self, total: int | None) -> None:
        """Change the expected count (e.g. once a file's row count is known)."""
        self.total = total
        if self._display is not None:
            self._display.update(self._id, total=total)


def _new_display():
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    # stderr=True: rich looks sys.stderr up on every write, so a swapped stream (CliRunner) is honoured.
    # redirect_stdout=False: anything printed to stdout while a bar is live stays on stdout (data).
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[unit]}"), TaskProgressColumn(), TimeElapsedColumn(),
                    TextColumn("eta"), TimeRemainingColumn(),
                    console=Console(stderr=True), redirect_stdout=False, redirect_stderr=True)


@contextmanager
def task(desc: str, total: int | None = None, unit: str = "rows",
         logger: logging.Logger | None = None) -> Iterator[Task]:
    """A progress bar for one loop, as a context manager yielding a ``Task``.

    Args:
        desc: what is being done, starting with the stage name (``"language: detect"``).
        total: expected number of items (None: unknown, the bar pulses and shows ``n/?``).
        unit: what an item is (``rows``, ``files``, ``texts``, ``batches``), shown after the count.
        logger: where the start/end INFO lines go (default ``curatrain.progress``).
    The bar is drawn on stderr only when ``enabled()``; the start/end lines are logged either way
    for a top-level task (nested tasks log at DEBUG). Exceptions propagate unchanged; the bar is
    closed first.
    """
    global _display, _depth
    lg = logger or log
    level = logging.INFO if _depth == 0 else logging.DEBUG
    lg.log(level, "%s: start (%s %s)", desc, "?" if total is None else f"{total:,}", unit)
    t0 = time.perf_counter()
    display = None
    if enabled():
        if _display is None:
            _display = _new_display()
            _display.start()
        display = _display
    handle = Task(desc, total, unit)
    if display is not None:
        handle._display, handle._id = display, display.add_task(desc, total=total, unit=unit)
    _depth += 1
    try:
        yield handle
    finally:
        _depth -= 1
        if display is not None:
            handle._flush()
            if _depth > 0:
                display.remove_task(handle._id)
            if _depth == 0 and _display is display:
                _display = None
                display.stop()
        secs = time.perf_counter() - t0
        rate = f", {handle.completed / secs:,.0f} {unit}/s" if secs > 0 and handle.completed else ""
        lg.log(level, "%s: %s %s in %.1f s%s", desc, f"{handle.completed:,}", unit, secs, rate)


def progress(iterable: Iterable[T], desc: str, total: int | None = None, unit: str = "rows",
             logger: logging.Logger | None = None) -> Iterator[T]:
    """Yield the items of ``iterable`` while advancing a bar by one per item (see ``task``).

    ``total`` defaults to ``len(iterable)`` when it has one. Leaving the loop early (``break``)
    closes the bar when the generator is closed or collected.
    """
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with task(desc, total=total, unit=unit, logger=logger) as t:
        for item in iterable:
            yield item
            t.advance(1)


class _StderrHandler(logging.StreamHandler):
    """A ``StreamHandler`` bound to the current ``sys.stderr`` at each record, not at creation."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; the property wins
        pass


def setup_logging(verbosity: int = 0) -> None:
    """Configure logging for a command: ``-q`` (-1), default (0), ``-v`` (1), ``-vv`` (2).

    Levels: -1 → ERROR everywhere and no bars; 0 → WARNING (every library's warnings); 1 → INFO for
    ``curatrain.*`` loggers (stage details, each bar's start/end line; other libraries stay at
    WARNING); 2 → DEBUG for ``curatrain.*``. One handler on the root logger writes
    ``LEVEL name: message`` to stderr; calling again replaces it (idempotent). Also sets
    ``configure(quiet=verbosity < 0)``.
    """
    root = logging.getLogger()
    for h in list(root.handlers):
        if isinstance(h, _StderrHandler):
            root.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.ERROR if verbosity < 0 else logging.WARNING)
    ours = logging.getLogger("curatrain")
    ours.setLevel(logging.ERROR if verbosity < 0 else logging.NOTSET if verbosity == 0
                  else logging.INFO if verbosity == 1 else logging.DEBUG)
    configure(quiet=verbosity < 0)
