"""Containers: turn one file on disk into a list of raw JSON records, whatever the wrapping.

What is recognised (by content first, then by file name):

- compression, by magic bytes, else by extension: gzip (``1f 8b``, ``.gz``), zstandard
  (``28 b5 2f fd``, ``.zst``), bzip2 (``BZh``, ``.bz2``), xz (``fd 37 7a 58 5a 00``, ``.xz``);
- Parquet, by the ``PAR1`` magic or a ``.parquet`` extension (read with polars, one row = one record);
- JSON text, by its first non-blank character, never by extension:

  - ``[`` — a JSON array of records. If strict parsing fails (e.g. a trailing comma before ``]``),
    the array is read again element by element with ``json.JSONDecoder.raw_decode``; an element
    that cannot be parsed becomes a syntax-error record and reading stops there, with a warning
    saying how many bytes were left unread;
  - ``{`` followed by nothing but whitespace after the first value — a single JSON object. If the
    object is itself no known record shape and holds exactly one list of objects (``{"data": [...]}``),
    that list is the records; otherwise the object is one record;
  - anything else — JSON Lines: one record per non-blank line; a line that does not parse becomes a
    syntax-error record (``file:line: message``) and reading goes on.

Errors: a missing file raises ``FileNotFoundError``; data that cannot be decompressed or a Parquet
file polars cannot read raises ``ReadError``; both name the file.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_NONWS = re.compile(r"[^ \t\n\r]")

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_EXT = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2", ".xz": "xz"}


class ReadError(ValueError):
    """A file exists but cannot be read at all (bad compression, unreadable Parquet)."""


@dataclass(slots=True)
class RawRecord:
    """One record as found in the file.

    Attributes:
        index: 0-based position of the record in the file (array element, non-blank line, row).
        line: 1-based line where the record starts, when known (JSONL, lenient arrays), else None.
        value: the parsed JSON value (any type), or None when ``error`` is set.
        error: for a record that could not be parsed: ``"file:line[:col]: message"``.
        raw: the unparsed text of a broken record (for the reject's ``meta.raw``).
    """

    index: int
    line: int | None
    value: Any = None
    error: str | None = None
    raw: str | None = None

    def where(self, name: str) -> str:
        """``file:line`` when the line is known, else ``file#index`` (for reject details)."""
        return f"{name}:{self.line}" if self.line is not None else f"{name}#{self.index}"


@dataclass
class Container:
    """The records of one file, how they were wrapped, and notes for the user."""

    records: list[RawRecord] = field(default_factory=list)
    kind: str = "empty"          # json_array | json_object | jsonl | parquet | empty
    compression: str | None = None
    warnings: list[str] = field(default_factory=list)


def _decompress(data: bytes, codec: str, name: str) -> bytes:
    try:
        if codec == "gzip":
            return gzip.decompress(data)
        if codec == "bz2":
            return bz2.decompress(data)
        if codec == "xz":
            return lzma.decompress(data)
        if codec == "zstd":
            import zstandard

            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
                return reader.read()
    except ImportError as exc:  # pragma: no cover - zstandard is a pinned dependency
        raise ReadError(f"{name}: cannot read {codec} data: {exc}") from exc
    except Exception as exc:  # gzip.BadGzipFile, OSError, EOFError, lzma.LZMAError, ZstdError...
        raise ReadError(f"{name}: cannot decompress as {codec}: {exc}") from exc
    raise ReadError(f"{name}: unknown compression {codec!r}")  # pragma: no cover


def _decode(data: bytes, name: str, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        warnings.append(f"{name}: invalid UTF-8 at byte {exc.start}; undecodable bytes replaced with U+FFFD")
        return data.decode("utf-8-sig", errors="replace")


def load(path: Path, limit: int | None = None,
         is_record: Callable[[Any], bool] = lambda v: False) -> Container:
    """Read ``path`` into a ``Container`` of at most ``limit`` records.

    ``is_record(obj)`` tells whether a lone top-level JSON object is itself a record (so that a
    one-record file is not mistaken for a ``{"data": [...]}`` wrapper). Raises ``FileNotFoundError``
    or ``ReadError`` naming the file.
    """
    name = path.name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    data = path.read_bytes()
    box = Container()
    codec = next((c for magic, c in _MAGIC if data.startswith(magic)), None) or _EXT.get(path.suffix.lower())
    if codec:
        data = _decompress(data, codec, name)
        box.compression = codec
    inner = path.stem if codec and path.suffix.lower() in _EXT else path.name
    if data.startswith(b"PAR1") or inner.lower().endswith(".parquet"):
        _load_parquet(data, name, limit, box)
        return box
    text = _decode(data, name, box.warnings)
    m = _NONWS.search(text)
    if m is None:
        box.warnings.append(f"{name}: file is empty")
        return box
    start = m.start()
    if text[start] == "[":
        _load_array(text, start, name, limit, box)
    elif text[start] == "{" and _is_single_object(text, start):
        obj = json.loads(text)
        records = obj
        wrapper = None
        if not is_record(obj):
            lists = [k for k, v in obj.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
            if len(lists) == 1:
                wrapper = lists[0]
                records = obj[wrapper]
        box.kind = "json_object" if wrapper is None else f"json_object[{wrapper}]"
        items = records if isinstance(records, list) else [records]
        box.records = [RawRecord(i, None, v) for i, v in enumerate(items[:limit] if limit else items)]
    else:
        _load_jsonl(text, name, limit, box)
    return box


def _is_single_object(text: str, start: int) -> bool:
    """True when the text holds exactly one JSON value starting at ``start``."""
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError:
        return False
    return _NONWS.search(text, end) is None


def _load_parquet(data: bytes, name: str, limit: int | None, box: Container) -> None:
    import polars as pl

    try:
        df = pl.read_parquet(io.BytesIO(data), n_rows=limit)
    except Exception as exc:
        raise ReadError(f"{name}: cannot read as Parquet: {exc}") from exc
    box.kind = "parquet"
    box.records = [RawRecord(i, None, row) for i, row in enumerate(df.iter_rows(named=True))]


def _load_jsonl(text: str, name: str, limit: int | None, box: Container) -> None:
    box.kind = "jsonl"
    loads = json.loads
    out = box.records
    index = 0
    # split on "\n" only: str.splitlines would also split on U+2028 and friends inside strings
    for lineno, line in enumerate(text.split("\n"), 1):
        if limit is not None and index >= limit:
            break
        if not line or line.isspace():
            continue
        try:
            out.append(RawRecord(index, lineno, loads(line)))
        except json.JSONDecodeError as exc:
            out.append(RawRecord(index, lineno, None, f"{name}:{lineno}:{exc.colno}: {exc.msg}", line[:500]))
        index += 1


def _load_array(text: str, start: int, name: str, limit: int | None, box: Container) -> None:
    box.kind = "json_array"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        box.warnings.append(
            f"{name}: not strict JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            "reading the array leniently, element by element")
        _load_array_leniently(text, start, name, limit, box)
        return
    if not isinstance(value, list):  # pragma: no cover - a text starting with "[" parses to a list
        value = [value]
    items = value[:limit] if limit else value
    box.records = [RawRecord(i, None, v) for i, v in enumerate(items)]


def _load_array_leniently(text: str, start: int, name: str, limit: int | None, box: Container) -> None:
    """Read ``[v, v, ...]`` with ``raw_decode``, tolerating a trailing comma; stop at the first bad element."""
    decode = json.JSONDecoder().raw_decode
    n = len(text)
    line, line_pos = 1, 0  # line number of text[line_pos], advanced incrementally

    def line_col(pos: int) -> tuple[int, int]:
        nonlocal line, line_pos
        line += text.count("\n", line_pos, pos)
        line_pos = pos
        return line, pos - (text.rfind("\n", 0, pos) + 1) + 1

    pos = _WS.match(text, start + 1).end()
    index = 0
    while True:
        if limit is not None and index >= limit:
            return
        if pos >= n:
            box.warnings.append(f"{name}: array not closed: missing ']' at end of file")
            return
        if text[pos] == "]":
            break
        ln, col = line_col(pos)
        try:
            value, end = decode(text, pos)
        except json.JSONDecodeError as exc:
            left = len(text[pos:].encode("utf-8"))
            box.records.append(RawRecord(index, ln, None, f"{name}:{exc.lineno}:{exc.colno}: {exc.msg}",
                                         text[pos:pos + 500]))
            box.warnings.append(f"{name}: stopped at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                                f"{left} bytes left unread")
            return
        box.records.append(RawRecord(index, ln, value))
        index += 1
        pos = _WS.match(text, end).end()
        if pos < n and text[pos] == ",":
            pos = _WS.match(text, pos + 1).end()
            if pos < n and text[pos] == "]":
                ln, col = line_col(pos)
                box.warnings.append(f"{name}: trailing comma before ']' at line {ln} column {col}; ignored")
                break
            continue
        if pos < n and text[pos] == "]":
            break
        ln, col = line_col(pos)
        left = len(text[pos:].encode("utf-8"))
        msg = "expected ',' or ']' after an array element"
        box.records.append(RawRecord(index, ln, None, f"{name}:{ln}:{col}: {msg}", text[pos:pos + 500]))
        box.warnings.append(f"{name}: stopped at line {ln} column {col} ({msg}); {left} bytes left unread")
        return
    tail = _NONWS.search(text, pos + 1)
    if tail is not None:
        ln, col = line_col(tail.start())
        left = len(text[tail.start():].encode("utf-8"))
        box.warnings.append(f"{name}: {left} bytes after the closing ']' (line {ln} column {col}) left unread")
