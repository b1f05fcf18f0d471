"""Containers: turn one file (or its bytes) into a list of raw JSON records, whatever the wrapping.

Hostile input never crashes this module and never loses a record silently: every record that cannot
be used becomes a ``RawRecord`` with ``error`` (``"file:line[:col]: why"``) and ``reason`` (a
snake_case drop reason), every repair is counted in a warning, and a file that cannot be read at all
raises ``ReadError`` naming the file.

What is recognised (by content first, then by file name):

- compression, by magic bytes, else by extension: gzip (``1f 8b``, ``.gz``), zstandard
  (``28 b5 2f fd``, ``.zst``), bzip2 (``BZh``, ``.bz2``), xz (``fd 37 7a 58 5a 00``, ``.xz``);
- Parquet, by the ``PAR1`` magic or a ``.parquet`` extension (read with polars, one row = one record);
- text encoding, by the BOM or the pattern of NUL bytes in the first 4 bytes (RFC 4627 section 3,
  ``json.detect_encoding``): UTF-8 (with or without BOM), UTF-16 and UTF-32 (LE/BE). Bytes that are
  not valid in that encoding are replaced with U+FFFD and a warning gives the first byte offset;
- JSON text, by its first non-blank character, never by extension:

  - ``[``: a JSON array of records (unless the first line holds one complete value and more values
    follow on later lines: JSON Lines whose first record is an array). If strict parsing fails (e.g.
    a trailing comma before ``]``) or the array needs a repair (see below), it is read again element by element with
    ``json.JSONDecoder.raw_decode``; an element that cannot be parsed becomes a ``json_syntax_error``
    record and reading stops there, naming ``file:line:col`` and the bytes left unread. An array that
    ends before its ``]`` (a truncated file) keeps every element read and adds such a record too;
  - ``{`` holding one JSON value: a single JSON object. If it is itself no known record shape
    (``is_record``) and holds lists containing objects, every such list is records, each record
    tagged with its ``split`` (the key: ``{"train": [...], "test": [...]}``); other keys are named in
    a warning. Otherwise the object is one record. A broken or truncated object that is not JSON Lines
    (its first lines do not parse on their own) is read member by member: the records of its lists
    up to the break are kept, the break is a ``json_syntax_error`` record;
  - anything else: JSON Lines, one record per non-blank line (a BOM at the start of any line is
    dropped, as ``cat a.jsonl b.jsonl`` produces; lines end with ``\n``, or ``\r`` in a file with no
    ``\n``); a line that does not parse becomes a ``json_syntax_error`` record
    (``file:line:col: message``) and reading goes on.

Hostile values (decisions, all counted or rejected, never an abort):

- nesting deeper than ``max_depth`` (default ``MAX_DEPTH`` = 256 levels of ``[``/``{`` in one
  record, enough for a 120-message oasst reply chain) is a ``nesting_too_deep`` record, so later code
  that recurses over a value (``json.dumps``, converters) stays far from Python's recursion limit of
  1,000. Checked cheaply: a record with at most 256 brackets in its text cannot be deeper; only
  others are walked (iteratively, containers only). A value too deep even for Python's parser
  (``RecursionError``) is skipped by a bracket scan to its end, and reading goes on after it;
- a lone surrogate escape (``"\\ud800"``, which would later fail to encode as UTF-8 in polars/Arrow)
  is replaced with U+FFFD; a warning gives the count and the first ``file:line``. Valid escape pairs
  (``"\\ud83d\\ude00"``) are untouched;
- an integer literal longer than ``sys.get_int_max_str_digits()`` (4,300 digits; ``int()`` refuses
  it since Python 3.11, CVE-2020-10735) is kept as its decimal string, counted in a warning;
- ``NaN``, ``Infinity`` and ``-Infinity`` literals (accepted by Python's ``json``, invalid JSON per
  RFC 8259, written by pandas for missing values) are read as ``null``, counted in a warning.

Compressed input is verified and capped:

- the data is decompressed in chunks; when the output passes ``max_bytes`` (default ``MAX_BYTES`` =
  4 GiB or 1/16 of physical memory, whichever is less) or passes both ``RATIO_FLOOR`` (64 MiB) and
  ``max_ratio`` (default ``MAX_RATIO`` = 200) times the compressed bytes consumed so far,
  decompression stops with a one-line ``ReadError`` before memory grows further (a 3 MB gzip of
  3 GiB stops after 64 MiB, peak RSS 93 MiB). Real JSON text compresses 3-20x;
- a truncated or corrupt stream (gzip/bz2/xz ``EOFError`` or CRC error; zstd frame not ended, checked
  with ``ZstdDecompressionObj.eof`` because ``stream_reader().read()`` returns a short read silently)
  keeps the records decoded before the cut and adds one ``truncated_file`` (or ``corrupt_file``)
  record (``file:line`` of the end of the decoded text) saying how many bytes were decompressed; a
  stream that yields nothing raises ``ReadError``. A 0-byte compressed file is an empty file.

Drop reasons of error records: ``json_syntax_error``, ``nesting_too_deep``, ``truncated_file``,
``corrupt_file``. Errors: a missing file raises ``FileNotFoundError``; data that cannot be
decompressed at all, a bomb, or a Parquet file polars cannot read raises ``ReadError``; both name the
file.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_DEPTH = 256
"""Deepest ``[``/``{`` nesting accepted in one record (see the module docstring)."""
MAX_RATIO = 200.0
"""Largest decompressed/compressed size ratio accepted past ``RATIO_FLOOR`` (a bomb guard)."""
RATIO_FLOOR = 64 << 20
"""Decompressed bytes always allowed whatever the ratio (64 MiB), so small files are never refused."""
def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


MAX_BYTES = min(4 << 30, (_physical_memory() or 64 << 30) // 16)
"""Absolute ceiling on the decompressed size of one compressed file: 4 GiB, or 1/16 of the physical
memory if less (1.4 GiB on a 23 GiB machine). Records are held in memory as Python objects, several
times the size of their text, so a file past this would exhaust memory rather than be read."""
RAW_CHARS = 500
"""Characters of a broken record's text kept in ``RawRecord.raw``."""

_CHUNK = 1 << 20
_ZSTD_MAX_RATIO = 32768  # zstd's worst case: a 4-byte RLE block header expands to a 128 KiB block

_WS = re.compile(r"[ \t\n\r]*")
_NONWS = re.compile(r"[^ \t\n\r]")
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # any \uD800-\uDFFF escape: a lone surrogate is possible
_SURROGATE = re.compile("[\ud800-\udfff]")

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_EXT = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2", ".xz": "xz"}


class ReadError(ValueError):
    """A file exists but cannot be read at all (bad compression, a decompression bomb, unreadable
    Parquet). The message is one line starting with the file name."""


@dataclass(slots=True)
class RawRecord:
    """One record as found in the file.

    Attributes:
        index: 0-based position of the record in the file (array element, non-blank line, row),
            unique within the file, also across the splits of a wrapper object.
        line: 1-based line where the record starts, when known (JSONL, lenient arrays), else None.
        value: the parsed JSON value (any type), or None when ``error`` is set.
        error: for a record that could not be parsed: ``"file:line[:col]: message"``.
        raw: the unparsed text of a broken record (first ``RAW_CHARS`` characters), for ``meta.raw``.
        reason: the drop reason when ``error`` is set: ``json_syntax_error``, ``nesting_too_deep``,
            ``truncated_file`` or ``corrupt_file``.
        split: the key of the list holding the record in a wrapper object
            (``{"train": [...], "test": [...]}`` gives ``"train"`` / ``"test"``), else None.
    """

    index: int
    line: int | None
    value: Any = None
    error: str | None = None
    raw: str | None = None
    reason: str | None = None
    split: str | None = None

    def where(self, name: str) -> str:
        """``file:line`` when the line is known, else ``file#index`` (for reject details)."""
        return f"{name}:{self.line}" if self.line is not None else f"{name}#{self.index}"


@dataclass
class Container:
    """The records of one file, how they were wrapped, and notes for the user.

    ``kind``: ``json_array``, ``json_object``, ``json_object[key,...]`` (a wrapper; its list keys),
    ``jsonl``, ``parquet`` or ``empty``. ``encoding``: the text encoding used (``utf-8``,
    ``utf-16-le``...), None for Parquet.
    """

    records: list[RawRecord] = field(default_factory=list)
    kind: str = "empty"
    compression: str | None = None
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None


class _Bad(Exception):
    """A value that parsed (or could not parse) but must be rejected: ``reason``, message, position."""

    def __init__(self, reason: str, msg: str, pos: int):
        super().__init__(msg)
        self.reason, self.msg, self.pos = reason, msg, pos


class _Stop(Exception):
    """Reading a container must stop here (the reject is already recorded)."""


class _Limit(Exception):
    """``limit`` records were read."""


def load(path: Path, limit: int | None = None,
         is_record: Callable[[Any], bool] = lambda v: False, *,
         max_bytes: int | None = None, max_ratio: float | None = None,
         max_depth: int | None = None) -> Container:
    """Read ``path`` into a ``Container`` of at most ``limit`` records (see ``load_bytes``).

    Raises ``FileNotFoundError`` or ``ReadError`` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    return load_bytes(path.read_bytes(), path.name, limit, is_record,
                      max_bytes=max_bytes, max_ratio=max_ratio, max_depth=max_depth)


def load_bytes(data: bytes, name: str, limit: int | None = None,
               is_record: Callable[[Any], bool] = lambda v: False, *,
               max_bytes: int | None = None, max_ratio: float | None = None,
               max_depth: int | None = None) -> Container:
    """Parse the bytes of a file named ``name`` (used for the extension and in every message).

    Args:
        data: the file's bytes, compressed or not.
        name: the file name, e.g. ``"dump.jsonl.zst"`` (also a remote file's name).
        limit: read at most this many records (None: all).
        is_record: tells whether a lone top-level JSON object is itself a record (so that a
            one-record file is not mistaken for a ``{"data": [...]}`` wrapper).
        max_bytes: ceiling on decompressed bytes; None: ``MAX_BYTES`` (4 GiB or RAM/16).
        max_ratio: ceiling on decompressed/compressed bytes past ``RATIO_FLOOR``; None: ``MAX_RATIO``
            (200). ``float("inf")`` turns the ratio check off.
        max_depth: deepest nesting accepted in one record; None: ``MAX_DEPTH`` (256).

    Returns a ``Container``. Raises ``ReadError`` (undecompressable data, a bomb, bad Parquet).
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    max_ratio = MAX_RATIO if max_ratio is None else max_ratio
    max_depth = MAX_DEPTH if max_depth is None else max_depth
    box = Container()
    lower = name.lower()
    suffix = lower[lower.rfind("."):] if "." in lower else ""
    codec = next((c for magic, c in _MAGIC if data.startswith(magic)), None) or _EXT.get(suffix)
    problem: tuple[str, str] | None = None
    if codec:
        if data:  # a 0-byte file named .bz2/.xz is empty, as a 0-byte .gz or .zst is
            data, problem = _inflate(data, codec, name, max_bytes, max_ratio)
        box.compression = codec
    inner = lower[: -len(suffix)] if codec and suffix in _EXT else lower
    if data.startswith(b"PAR1") or inner.endswith(".parquet"):
        if problem:
            raise ReadError(f"{name}: {problem[1]}; a partial Parquet file cannot be read")
        _load_parquet(bytes(data), name, limit, box)
        return box
    text = _decode(data, name, box)
    del data
    p = _Parser(name, max_depth, box)
    m = _NONWS.search(text)
    if m is None:
        box.warnings.append(f"{name}: file is empty")
    else:
        start = m.start()
        try:
            if (text[start] == "[" and not _load_array(text, start, p, limit)) or (
                    text[start] == "{" and not _load_object(text, start, p, limit, is_record)):
                p.reset_notes()  # repairs seen while probing the first value are counted again below
                _load_jsonl(text, p, limit)
            elif text[start] not in "[{":
                _load_jsonl(text, p, limit)
        except _Limit:
            pass
    p.report()
    if problem:  # named at the line where the decoded text ends
        reason, msg = problem
        line = text.count("\n") + 1
        box.records.append(RawRecord(len(box.records), line, None, f"{name}:{line}: {msg}", text[-RAW_CHARS:],
                                     reason))
        box.warnings.append(f"{name}:{line}: {msg}")
    return box


# --------------------------------------------------------------------------------------- compression

def _inflate(data: bytes, codec: str, name: str, max_bytes: int,
             max_ratio: float) -> tuple[bytearray, tuple[str, str] | None]:
    """Decompress in chunks under the size caps. Returns (output, problem) where problem is
    ``(reason, message)`` for a stream that broke after yielding data; raises ``ReadError`` for a
    bomb or a stream that yields nothing."""
    out = bytearray()

    def allowed(consumed: int) -> float:
        return min(max_bytes, max(RATIO_FLOOR, max_ratio * consumed if consumed else 0))

    def check(consumed: int) -> None:
        size = len(out)
        if size > max_bytes:
            raise ReadError(f"{name}: decompresses past {size / 2**20:,.0f} MiB, over the ceiling of "
                            f"{max_bytes / 2**20:,.0f} MiB; raise max_decompressed_mb for this input")
        if size > allowed(consumed):
            raise ReadError(f"{name}: decompresses past {size / 2**20:,.0f} MiB from {consumed / 1024:,.0f} KiB "
                            f"of {codec} data (ratio {size / max(consumed, 1):,.0f}x > max {max_ratio:g}x), "
                            "a decompression bomb?; raise max_compression_ratio for this input")

    try:
        if codec == "zstd":
            ended = _inflate_zstd(data, out, check, allowed)
        else:
            _inflate_stream(data, codec, out, check)
            ended = True
    except ReadError:
        raise
    except ImportError as exc:  # pragma: no cover - zstandard is a pinned dependency
        raise ReadError(f"{name}: cannot read {codec} data: {exc}") from exc
    except Exception as exc:  # gzip.BadGzipFile, OSError, EOFError, lzma.LZMAError, zlib.error, ZstdError
        msg = " ".join(str(exc).split()) or type(exc).__name__
        if not out:
            raise ReadError(f"{name}: cannot decompress as {codec}: {msg}") from exc
        truncated = isinstance(exc, EOFError)
        what = "ends before the end of the stream (truncated file?)" if truncated else f"is corrupt ({msg})"
        return out, ("truncated_file" if truncated else "corrupt_file",
                     f"{codec} data {what} after {len(out):,} bytes decompressed; records before that point kept")
    if not ended:
        if not out:
            raise ReadError(f"{name}: cannot decompress as zstd: the frame ends before any data (truncated file?)")
        return out, ("truncated_file", f"zstd data ends before the end of the frame (truncated file?) after "
                                       f"{len(out):,} bytes decompressed; records before that point kept")
    return out, None


def _inflate_stream(data: bytes, codec: str, out: bytearray, check: Callable[[int], None]) -> None:
    """gzip/bz2/xz through the stdlib file readers, whose ``read(n)`` is bounded in output and which
    raise ``EOFError`` on a truncated stream and check CRCs (gzip, bz2) or checksums (xz). ``read1``
    makes one raw read per call, so output decoded before a broken block is never held back in a
    buffer when the error is raised (``read(n)`` would lose up to ``n`` bytes)."""
    raw = io.BytesIO(data)
    f = {"gzip": lambda: gzip.GzipFile(fileobj=raw, mode="rb"), "bz2": lambda: bz2.BZ2File(raw),
         "xz": lambda: lzma.LZMAFile(raw)}[codec]()
    with f:
        while chunk := f.read1(_CHUNK):
            out += chunk
            check(raw.tell())


def _inflate_zstd(data: bytes, out: bytearray, check: Callable[[int], None],
                  allowed: Callable[[int], float]) -> bool:
    """zstd with ``decompressobj`` (frames may lack a content size), fed in pieces small enough that
    zstd's worst-case ratio cannot overshoot the cap by more than the room left. Returns whether the
    last frame ended (False: truncated)."""
    import zstandard

    dctx = zstandard.ZstdDecompressor()
    d, fed = dctx.decompressobj(), 0
    view, pos, n = memoryview(data), 0, len(data)
    while pos < n:
        room = allowed(pos) - len(out)
        step = int(min(_CHUNK, max(256, room // _ZSTD_MAX_RATIO)))
        piece = view[pos:pos + step]
        pos += len(piece)
        fed += len(piece)
        out += d.decompress(piece)
        check(pos)
        if d.eof:  # a frame ended; any bytes after it start the next frame
            pos -= len(d.unused_data)
            d, fed = dctx.decompressobj(), 0
    return fed == 0


def _decode(data: bytes | bytearray, name: str, box: Container) -> str:
    enc = json.detect_encoding(bytes(data[:4]))
    enc = "utf-8-sig" if enc == "utf-8" else enc
    box.encoding = "utf-8" if enc == "utf-8-sig" else enc
    try:
        return data.decode(enc)
    except UnicodeDecodeError as exc:
        box.warnings.append(f"{name}: invalid {box.encoding.upper()} at byte {exc.start}; "
                            "undecodable bytes replaced with U+FFFD")
        return data.decode(enc, errors="replace")


def _load_parquet(data: bytes, name: str, limit: int | None, box: Container) -> None:
    import polars as pl

    try:
        df = pl.read_parquet(io.BytesIO(data), n_rows=limit)
        rows = list(df.iter_rows(named=True))
    except BaseException as exc:  # polars raises ComputeError...; a Rust panic is a BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        msg = " ".join(str(exc).split())[:200]
        raise ReadError(f"{name}: cannot read as Parquet (truncated or corrupt?): {msg}") from exc
    box.kind = "parquet"
    box.records = [RawRecord(i, None, row) for i, row in enumerate(rows)]


# --------------------------------------------------------------------------------------- JSON values

def _too_deep(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests deeper than ``limit`` (a scalar is depth 0, ``[]`` depth 1).
    Iterative, visiting containers only: about 0.4x the time ``json.loads`` took to build the value."""
    stack = [(value, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        x, d = pop()
        if type(x) is dict:
            x = x.values()
        elif type(x) is not list:
            continue
        if d > limit:
            return True
        for y in x:
            t = type(y)
            if t is dict or t is list:
                push((y, d + 1))
    return False


def _skip_value(text: str, pos: int) -> int | None:
    """End of the bracketed value starting at ``pos`` (a scan that never recurses), or None if it
    is not closed before the end of the text."""
    depth = 0
    for m in _TOKEN.finditer(text, pos):
        c = m.group()[0]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
    return None


class _Parser:
    """Parses the JSON text of one file under its limits, counting the repairs it makes."""

    def __init__(self, name: str, max_depth: int, box: Container):
        self.name, self.max_depth, self.box = name, max_depth, box
        self.dec = json.JSONDecoder(parse_constant=self._constant)
        self.big = json.JSONDecoder(parse_constant=self._constant, parse_int=self._int)
        self.line: int | None = None  # line of the value being parsed, for the notes
        self.notes: dict[str, list] = {}  # kind -> [count, first line]
        self.nonfinite, self.nonfinite_line = 0, None  # an int: saved and restored around a retried parse
        self._ln, self._ln_pos, self._ln_start = 1, 0, 0

    def reset_notes(self) -> None:
        """Forget the repairs counted so far (the text is about to be parsed again)."""
        self.notes.clear()
        self.nonfinite, self.nonfinite_line = 0, None

    def noted(self) -> bool:
        """Whether any repair was counted."""
        return bool(self.notes) or self.nonfinite > 0

    def _note(self, kind: str, n: int = 1) -> None:
        c = self.notes.setdefault(kind, [0, self.line])
        c[0] += n

    def _constant(self, s: str) -> None:
        self.nonfinite += 1
        if self.nonfinite_line is None:
            self.nonfinite_line = self.line
        return None

    def _int(self, s: str) -> int | str:
        try:
            return int(s)
        except ValueError:
            self._note("bigint")
            return s

    def report(self) -> None:
        """Add one warning per kind of repair made in the file."""
        labels = {
            "surrogate": "lone surrogate escapes (\\ud800-\\udfff) replaced with U+FFFD",
            "nonfinite": "NaN/Infinity literals (not valid JSON) read as null",
            "bigint": f"integers longer than {sys.get_int_max_str_digits()} digits kept as strings",
        }
        notes = {"nonfinite": [self.nonfinite, self.nonfinite_line]} if self.nonfinite else {}
        for kind, (n, line) in {**notes, **self.notes}.items():
            at = f"{self.name}:{line}" if line is not None else self.name
            self.box.warnings.append(f"{self.name}: {n} {labels[kind]}; first at {at}")

    def line_col(self, text: str, pos: int) -> tuple[int, int]:
        """1-based line and column of ``text[pos]`` (incremental for increasing ``pos``)."""
        if pos < self._ln_pos:
            self._ln, self._ln_pos, self._ln_start = 1, 0, 0
        nl = text.rfind("\n", self._ln_pos, pos)  # bounded search: O(n) over a whole file, not O(n^2)
        if nl != -1:
            self._ln += text.count("\n", self._ln_pos, pos)
            self._ln_start = nl + 1
        self._ln_pos = pos
        return self._ln, pos - self._ln_start + 1

    @staticmethod
    def deep(value: Any, text: str, start: int, end: int, limit: int) -> bool:
        """Whether ``value``, parsed from ``text[start:end]``, nests deeper than ``limit``: no deeper
        than its count of brackets (two C-speed counts), else walked (``_too_deep``)."""
        if text.count("[", start, end) + text.count("{", start, end) <= limit:
            return False
        return _too_deep(value, limit)

    def decode(self, text: str, pos: int, extra_depth: int = 0) -> tuple[Any, int]:
        """Parse the JSON value at ``text[pos]``; returns ``(value, end)``.

        Raises ``json.JSONDecodeError`` (syntax) or ``_Bad`` (``nesting_too_deep``), never
        ``RecursionError`` or the ``ValueError`` of a huge integer.
        """
        limit = self.max_depth + extra_depth
        nonfinite = self.nonfinite
        try:
            value, end = self.dec.raw_decode(text, pos)
        except RecursionError:
            raise self.too_deep(pos, limit) from None
        except json.JSONDecodeError:
            raise
        except ValueError:  # an integer past sys.get_int_max_str_digits(): parse again, keeping it a string
            self.nonfinite = nonfinite  # NaN seen by the failed attempt is counted again by the next one
            try:
                value, end = self.big.raw_decode(text, pos)
            except RecursionError:  # pragma: no cover - the first parse would have hit it
                raise self.too_deep(pos, limit) from None
        if self.deep(value, text, pos, end, limit):
            raise self.too_deep(pos, limit)
        if _SURROGATE_ESCAPE.search(text, pos, end):
            value = self._repair(value)
        return value, end

    @staticmethod
    def too_deep(pos: int, limit: int) -> _Bad:
        return _Bad("nesting_too_deep", f"nesting deeper than {limit} levels", pos)

    def whole(self, text: str) -> Any:
        """Parse ``text`` holding exactly one JSON value (like ``json.loads``), see ``decode``."""
        value, end = self.decode(text, _WS.match(text).end())
        end = _WS.match(text, end).end()
        if end != len(text):
            raise json.JSONDecodeError("Extra data", text, end)
        return value

    def _repair(self, v: Any) -> Any:
        """Replace lone surrogates with U+FFFD in every string and key (depth already bounded).
        A string holds one exactly when it cannot be encoded as UTF-8 (a C-speed test; valid
        escape pairs were already joined into one code point by the parser)."""
        if isinstance(v, str):
            try:
                v.encode("utf-8")
                return v
            except UnicodeEncodeError:
                fixed, n = _SURROGATE.subn("\ufffd", v)
                self._note("surrogate", n)
                return fixed
        if isinstance(v, list):
            return [self._repair(x) for x in v]
        if isinstance(v, dict):
            return {self._repair(k): self._repair(x) for k, x in v.items()}
        return v

    def error(self, text: str, pos: int, reason: str, msg: str, raw_from: int, line: int | None = None,
              split: str | None = None) -> RawRecord:
        """Record an error record at ``text[pos]`` (``file:line:col: msg``)."""
        ln, col = self.line_col(text, pos)
        rec = RawRecord(len(self.box.records), line or ln, None, f"{self.name}:{ln}:{col}: {msg}",
                        text[raw_from:raw_from + RAW_CHARS], reason, split)
        self.box.records.append(rec)
        return rec

    def stop(self, text: str, pos: int, msg: str, raw_from: int, split: str | None = None) -> None:
        """Record a ``json_syntax_error`` at ``text[pos]`` with the bytes left unread, then stop."""
        left = len(text[pos:].encode("utf-8", "surrogatepass"))
        ln, col = self.line_col(text, pos)
        self.error(text, pos, "json_syntax_error", f"{msg} ({left:,} bytes left unread)", raw_from, split=split)
        self.box.warnings.append(f"{self.name}: stopped at line {ln} column {col} ({msg}); {left} bytes left unread")
        raise _Stop


# --------------------------------------------------------------------------------------- containers

def _load_jsonl(text: str, p: _Parser, limit: int | None) -> None:
    box, name = p.box, p.name
    box.kind = "jsonl"
    out = box.records
    decode, depth_cap = p.dec.decode, p.max_depth
    # split on "\n" only: str.splitlines would also split on U+2028 and friends inside strings
    # (on "\r" when a file has no "\n" at all: classic Mac line endings)
    sep = "\r" if "\n" not in text and "\r" in text else "\n"
    for lineno, line in enumerate(text.split(sep), 1):
        if limit is not None and len(out) >= limit:
            break
        if line[:1] == "\ufeff":  # a BOM at the start of a later line: files concatenated with cat
            line = line.lstrip("\ufeff")
        if not line or line.isspace():
            continue
        p.line = lineno
        nonfinite = p.nonfinite
        try:  # fast path: what json.loads does, plus two counts and a substring test
            value = decode(line)
        except (ValueError, RecursionError):  # JSONDecodeError, a huge integer, deep nesting: the careful path
            p.nonfinite = nonfinite
        else:
            if line.count("[") + line.count("{") > depth_cap and _too_deep(value, depth_cap):
                col = len(line) - len(line.lstrip(" \t\r")) + 1
                out.append(RawRecord(len(out), lineno, None, f"{name}:{lineno}:{col}: nesting deeper than {depth_cap} "
                                     "levels", line[:RAW_CHARS], "nesting_too_deep"))
                continue
            if _SURROGATE_ESCAPE.search(line):
                value = p._repair(value)
            out.append(RawRecord(len(out), lineno, value))
            continue
        try:
            out.append(RawRecord(len(out), lineno, p.whole(line)))
        except json.JSONDecodeError as exc:
            out.append(RawRecord(len(out), lineno, None, f"{name}:{lineno}:{exc.colno}: {exc.msg}",
                                 line[:RAW_CHARS], "json_syntax_error"))
        except _Bad as exc:
            out.append(RawRecord(len(out), lineno, None, f"{name}:{lineno}:{exc.pos + 1}: {exc.msg}",
                                 line[:RAW_CHARS], exc.reason))


def _load_array(text: str, start: int, p: _Parser, limit: int | None) -> bool:
    """Read a file starting with ``[``; returns False when it is JSON Lines whose first record is an
    array (the first value ends on line 1 and more values follow on later lines)."""
    box, name = p.box, p.name
    box.kind = "json_array"
    why = None
    try:  # fast path: the whole array at once, when it needs no repair
        value = p.dec.decode(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            seg = text[start:exc.pos]
            first = seg.rstrip()
            if "\n" not in first and "\n" in seg[len(first):]:
                return False
        why = f"not strict JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
    except (RecursionError, ValueError):
        why = "nested too deep or holding a huge integer"
    else:
        if _SURROGATE_ESCAPE.search(text):  # often valid pairs (emoji): check the strings, keep the fast path
            value = p._repair(value)
        if p.noted():  # read again element by element, to name the first line of each repair
            why = "holding NaN/Infinity, huge integers or lone surrogates"
        elif p.deep(value, text, start, len(text), p.max_depth + 1):
            why = f"holding records nested deeper than {p.max_depth} levels"
        else:
            items = value[:limit] if limit else value
            box.records = [RawRecord(i, None, v) for i, v in enumerate(items)]
            if not value:
                box.warnings.append(f"{name}: the file is an empty JSON array: no records")
            return True
    p.reset_notes()
    box.warnings.append(f"{name}: {why}; reading the array leniently, element by element")
    try:
        end = _read_elements(text, start + 1, p, limit, None)
        tail = _NONWS.search(text, end)
        if tail is not None:
            p.stop(text, tail.start(), "data after the closing ']'", tail.start())
    except _Stop:
        pass
    return True


def _read_elements(text: str, pos: int, p: _Parser, limit: int | None, split: str | None) -> int:
    """Read the elements of the array whose ``[`` is just before ``pos``; returns the position after
    its ``]``. Raises ``_Stop`` (a reject recorded) or ``_Limit``."""
    box, n = p.box, len(text)
    pos = _WS.match(text, pos).end()
    if pos < n and text[pos] == "]":
        return pos + 1
    while True:
        if limit is not None and len(box.records) >= limit:
            raise _Limit
        if pos >= n:
            p.stop(text, pos, "array not closed: the file ends before ']' (truncated file?)", pos, split)
        ln, _ = p.line_col(text, pos)
        p.line = ln
        try:
            value, end = p.decode(text, pos)
        except json.JSONDecodeError as exc:
            p.stop(text, exc.pos, exc.msg, pos, split)
        except _Bad as exc:
            p.error(text, pos, exc.reason, exc.msg, pos, ln, split)
            end = _skip_value(text, pos)
            if end is None:
                p.stop(text, n, "a value is not closed before the end of the file", n, split)
        else:
            box.records.append(RawRecord(len(box.records), ln, value, split=split))
        pos = _WS.match(text, end).end()
        if pos < n and text[pos] == ",":
            pos = _WS.match(text, pos + 1).end()
            if pos < n and text[pos] == "]":
                ln, col = p.line_col(text, pos)
                box.warnings.append(f"{p.name}: trailing comma before ']' at line {ln} column {col}; ignored")
                return pos + 1
            continue
        if pos < n and text[pos] == "]":
            return pos + 1
        if pos >= n:
            p.stop(text, pos, "array not closed: the file ends before ']' (truncated file?)", pos, split)
        p.stop(text, pos, "expected ',' or ']' after an array element", pos, split)


def _record_lists(obj: dict) -> list[str]:
    """Keys of ``obj`` whose value is a list holding at least one object (a split of records)."""
    return [k for k, v in obj.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]


def _load_object(text: str, start: int, p: _Parser, limit: int | None,
                 is_record: Callable[[Any], bool]) -> bool:
    """Read a file starting with ``{`` as one object (a record or a wrapper of record lists).
    Returns False when the file is JSON Lines instead."""
    box, name = p.box, p.name
    p.line = 1
    try:
        obj, end = p.decode(text, start, extra_depth=2)
    except (json.JSONDecodeError, _Bad):
        return _load_object_leniently(text, start, p, limit, is_record)
    if _NONWS.search(text, end) is not None:
        return False  # more values follow: JSON Lines (or a broken file, read line by line)
    lists = [] if not isinstance(obj, dict) or is_record(obj) else _record_lists(obj)
    if not lists:
        box.kind = "json_object"
        if p.deep(obj, text, start, end, p.max_depth):
            p.error(text, start, "nesting_too_deep", f"nesting deeper than {p.max_depth} levels", start)
        else:
            box.records.append(RawRecord(0, None, obj))
        return True
    box.kind = f"json_object[{','.join(lists)}]"
    others = [k for k in obj if k not in lists]
    if others:
        box.warnings.append(f"{name}: records read from the list(s) {', '.join(map(repr, lists))}; "
                            f"other keys ignored: {', '.join(map(repr, others[:10]))}")
    for key in lists:
        for v in obj[key]:
            if limit is not None and len(box.records) >= limit:
                raise _Limit
            box.records.append(RawRecord(len(box.records), None, v, split=key))
    return True


def _load_object_leniently(text: str, start: int, p: _Parser, limit: int | None,
                           is_record: Callable[[Any], bool]) -> bool:
    """A ``{`` file that does not parse whole: JSON Lines if one of its first lines parses on its
    own, else a broken wrapper read member by member (lists → records up to the break)."""
    lines = [ln for ln in text[start:start + (1 << 20)].split("\n", 5)[:5] if ln.strip()]
    for ln in lines[:4]:
        try:
            p.whole(ln)
        except (json.JSONDecodeError, _Bad):
            continue
        p.reset_notes()
        return False
    box, n = p.box, len(text)
    first = len(box.records)
    nwarn = len(box.warnings)
    seen: dict[str, Any] = {}
    pos = start + 1
    try:
        while True:
            pos = _WS.match(text, pos).end()
            if pos < n and text[pos] == "}":
                break
            if pos >= n or text[pos] != '"':
                p.stop(text, pos, "expected a key or '}' in the top-level object", pos)
            try:
                key, pos = p.decode(text, pos)
            except json.JSONDecodeError as exc:
                p.stop(text, exc.pos, exc.msg, pos)
            pos = _WS.match(text, pos).end()
            if pos >= n or text[pos] != ":":
                p.stop(text, pos, "expected ':' after a key", pos)
            pos = _WS.match(text, pos + 1).end()
            if pos < n and text[pos] == "[":
                seen[key] = []
                pos = _read_elements(text, pos + 1, p, limit, key)
            else:
                try:
                    seen[key], pos = p.decode(text, pos)
                except json.JSONDecodeError as exc:
                    p.stop(text, exc.pos, exc.msg, pos)
                except _Bad as exc:
                    p.error(text, pos, exc.reason, f"member {key!r}: {exc.msg}", pos)
                    seen[key], pos = None, _skip_value(text, pos)
                    if pos is None:
                        p.stop(text, n, "a value is not closed before the end of the file", n)
            pos = _WS.match(text, pos).end()
            if pos < n and text[pos] == ",":
                pos += 1
                continue
            if pos < n and text[pos] == "}":
                break
            p.stop(text, pos, "expected ',' or '}' in the top-level object", pos)
    except (_Stop, _Limit, _Bad):
        pass
    splits = {r.split for r in box.records[first:] if r.split is not None}
    if not splits or is_record(seen):
        del box.records[first:]
        del box.warnings[nwarn:]
        p.reset_notes()
        return False
    box.kind = f"json_object[{','.join(k for k in seen if k in splits)}]"
    box.warnings.insert(nwarn, f"{p.name}: the top-level object does not parse whole; "
                               "reading its lists of records member by member")
    return True
