"""Where records come from: files, folders, globs, CSV/TSV, Arrow (``datasets.save_to_disk``) and
remote paths through fsspec.

``expand(path)`` turns one input ``path`` into the data files it stands for, each as a
``DataFile(location, name)``: ``name`` is the file's path relative to the folder or glob root (the
file name for a single file), used in row ids (``source/name#index``) and per-file counters, so ids
stay stable per file whatever else the folder holds.

- a local file → itself;
- a local folder → its data files (``*.json``, ``*.jsonl``, ``*.parquet``, ``*.csv``, ``*.tsv``, ``*.txt``,
  ``*.arrow``, also compressed), found recursively in name order, hidden entries skipped; a folder
  written by ``datasets``' ``save_to_disk`` (``state.json`` + ``*.arrow``, or ``dataset_dict.json``
  with one such folder per split) → its Arrow files in the order ``state.json`` lists them;
- a glob (``data/*.jsonl.gz``, ``**`` allowed) → the matching files, sorted;
- ``hf://``, ``s3://``, ``gs://``, ``https://``, ``memory://``... → the same through fsspec
  (``fsspec.core.url_to_fs``; globs and folders too). Remote files are read into memory once.

``load_records(file, ...)`` returns a ``containers.Container`` for any of these: CSV/TSV (header
row; one record per row, cells as strings, the line number where the row starts; a ``.csv`` split
at ``;``, tab or ``|`` when its header says so, ``sniff_delimiter``), ``.txt`` prompt lists (one
prompt per non-blank line) and Arrow are read here; CSV/TSV/.txt text in UTF-8, UTF-16/32, or
GBK/cp1251/cp1252 as spreadsheets export it (``sniff_encoding``, with a warning), everything else by ``curate.readers.containers.load`` (remote bytes go through a temporary
file of the same name). ``file_signature(file)`` is what the read stage hashes into its cache key:
the content for local files, fsspec's ``info()`` (etag/size/mtime) for remote ones.
"""

from __future__ import annotations

import csv
import glob as globlib
import hashlib
import io
import itertools
import json
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curate.readers.containers import Container, RawRecord, ReadError, load

DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".parquet", ".csv", ".tsv", ".arrow", ".txt")
COMPRESSED = (".gz", ".gzip", ".zst", ".zstd", ".bz2", ".xz")
GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class DataFile:
    """One data file of an input: ``location`` (local path or fsspec URL) and ``name`` (for ids)."""

    location: str
    name: str

    @property
    def remote(self) -> bool:
        return is_remote(self.location)


def is_remote(path: str) -> bool:
    """True for an fsspec URL other than ``file://`` (``hf://``, ``s3://``, ``https://``, ``memory://``...)."""
    return "://" in str(path) and not str(path).startswith("file://")


def is_data_file(name: str) -> bool:
    """True for a name ending in a data suffix, optionally followed by a compression suffix."""
    n = name.lower()
    for c in COMPRESSED:
        if n.endswith(c):
            n = n[: -len(c)]
            break
    return n.endswith(DATA_SUFFIXES)


def _hidden(rel: str) -> bool:
    return any(part.startswith((".", "_")) for part in Path(rel).parts)


def _save_to_disk_files(folder: Path) -> list[Path] | None:
    """Arrow files of a ``datasets.save_to_disk`` folder (a Dataset or a DatasetDict), or None."""
    if (folder / "dataset_dict.json").is_file():
        splits = json.loads((folder / "dataset_dict.json").read_text()).get("splits", [])
        out: list[Path] = []
        for split in splits:
            out += _save_to_disk_files(folder / split) or []
        return out
    state = folder / "state.json"
    if state.is_file():
        files = json.loads(state.read_text()).get("_data_files", [])
        return [folder / f["filename"] for f in files if isinstance(f, dict) and "filename" in f]
    return None


def expand(path: str) -> list[DataFile]:
    """The data files ``path`` stands for (see the module docstring); [] when nothing matches."""
    path = str(path)
    if is_remote(path):
        return _expand_remote(path)
    if path.startswith("file://"):
        path = path[len("file://"):]
    p = Path(path)
    if GLOB_CHARS & set(path):
        root = Path(path.split("*")[0].split("?")[0].split("[")[0])
        root = root if root.is_dir() else root.parent
        hits = sorted(Path(x) for x in globlib.glob(path, recursive=True))
        return [DataFile(str(h), h.relative_to(root).as_posix() if h.is_relative_to(root) else h.name)
                for h in hits if h.is_file()]
    if p.is_dir():
        arrow = _save_to_disk_files(p)
        if arrow is not None:
            return [DataFile(str(f), f.relative_to(p).as_posix()) for f in arrow]
        files = sorted(x for x in p.rglob("*") if x.is_file() and is_data_file(x.name)
                       and not _hidden(x.relative_to(p).as_posix()))
        return [DataFile(str(f), f.relative_to(p).as_posix()) for f in files]
    if p.is_file():
        return [DataFile(str(p), p.name)]
    return []


def _expand_remote(url: str) -> list[DataFile]:
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    if GLOB_CHARS & set(root):
        base = root.split("*")[0].split("?")[0].split("[")[0].rstrip("/")
        hits = sorted(h for h in fs.glob(root) if fs.isfile(h))
    elif fs.isdir(root):
        base = root.rstrip("/")
        hits = sorted(h for h in fs.find(root) if is_data_file(h) and not _hidden(h[len(base):].lstrip("/")))
    elif fs.exists(root):
        return [DataFile(url, root.rsplit("/", 1)[-1])]
    else:
        return []
    out = []
    for h in hits:
        rel = h[len(base):].lstrip("/") if h.startswith(base) else h.rsplit("/", 1)[-1]
        out.append(DataFile(fs.unstrip_protocol(h), rel or h.rsplit("/", 1)[-1]))
    return out


def file_signature(f: DataFile) -> bytes:
    """Bytes that change when the file changes: its content hash (local) or fsspec ``info()``
    fields ``etag``/``ETag``/``sha``/``size``/``mtime``/``LastModified`` (remote, no download)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f.location.encode())
    if f.remote:
        import fsspec

        fs, p = fsspec.core.url_to_fs(f.location)
        info = fs.info(p)
        keep = {k: str(info.get(k)) for k in ("etag", "ETag", "sha", "blob_id", "size", "mtime",
                                              "LastModified", "last_modified", "created") if info.get(k) is not None}
        h.update(json.dumps(keep, sort_keys=True).encode())
        if set(keep) <= {"size"}:  # nothing but the size: hash the bytes (memory://, some http servers)
            with fs.open(p, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        return h.digest()
    local = f.location[len("file://"):] if f.location.startswith("file://") else f.location
    with open(local, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def _inner_name(name: str) -> tuple[str, str | None]:
    n = name.lower()
    for c in COMPRESSED:
        if n.endswith(c):
            return n[: -len(c)], c
    return n, None


def _open_decompressed(path: Path, codec: str | None) -> io.BufferedIOBase:
    import bz2
    import gzip
    import lzma

    if codec in (".gz", ".gzip"):
        return gzip.open(path, "rb")
    if codec == ".bz2":
        return bz2.open(path, "rb")
    if codec == ".xz":
        return lzma.open(path, "rb")
    if codec in (".zst", ".zstd"):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_across_frames=True)
    return open(path, "rb")


def _error_record(index: int, line: int, error: str, raw: str) -> RawRecord:
    """A ``csv_syntax_error`` record (a row whose cell count differs from the header's)."""
    rec = RawRecord(index, line, None, error, raw)
    if hasattr(rec, "reason"):
        rec.reason = "csv_syntax_error"
    return rec


SNIFF_BYTES = 1 << 16


def sniff_encoding(sample: bytes) -> str:
    """Text encoding of a CSV/TSV/.txt file from its first bytes: a BOM (UTF-8, UTF-16, UTF-32) or
    NUL bytes (UTF-16 without BOM, as Excel's "Unicode text" export) name it; valid UTF-8 is
    ``utf-8-sig``; otherwise the legacy encoding spreadsheets write for the languages users have:
    ``gb18030`` (Chinese GBK) when most decoded hanzi are common ones (GB2312 level 1), ``cp1251``
    (Russian) when Cyrillic letters come in mostly-lowercase runs of their own (not single letters
    inside Latin words, which is Western text misread), else ``cp1252`` (French, Spanish, German).
    ``sample``: up to ``SNIFF_BYTES`` first bytes (decompressed)."""
    if sample.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    head = sample[:400]
    ctrl = [i for i, b in enumerate(head) if b < 0x09 or 0x0e <= b < 0x20]  # UTF-16 high bytes (0x00, 0x04...)
    if head and len(ctrl) * 4 >= len(head):
        return "utf-16-le" if sum(i % 2 for i in ctrl) * 2 > len(ctrl) else "utf-16-be"
    import codecs

    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # a cut last character is fine
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    zh = sample.decode("gb18030", errors="replace")
    hanzi = [c for c in zh if "\u4e00" <= c <= "\u9fff"]
    if hanzi and zh.count("\ufffd") * 20 < len(hanzi):
        common = sum(0xB0 <= c.encode("gb18030")[0] <= 0xD7 for c in hanzi)
        if common >= 0.7 * len(hanzi):
            return "gb18030"
    ru = sample.decode("cp1251", errors="replace")
    cyr = [i for i, c in enumerate(ru) if "\u0400" <= c <= "\u04ff"]
    if cyr:
        lower = sum(ru[i].islower() for i in cyr)
        in_latin = sum(any(0 <= j < len(ru) and ru[j].isascii() and ru[j].isalpha() for j in (i - 1, i + 1)) for i in cyr)
        if lower >= 0.6 * len(cyr) and in_latin <= 0.2 * len(cyr):
            return "cp1251"
    return "cp1252"


def sniff_delimiter(header: str) -> str:
    """The delimiter of a ``.csv`` file by its header line: ``,`` unless ``;`` (the CSV of French,
    Russian, German spreadsheets: ``Вопрос;Ответ``), a tab or ``|`` splits it into more cells
    (counted outside double quotes)."""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = {d: bare.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > counts[","] else ","


def _note_encoding(box: Container, name: str, enc: str) -> None:
    box.encoding = "utf-8" if enc == "utf-8-sig" else enc
    if enc not in ("utf-8-sig", "utf-16", "utf-32", "utf-16-le", "utf-16-be"):
        box.warnings.append(f"{name}: not UTF-8; read as {enc} (guessed from the file's first bytes)")


def _load_table(path: Path, name: str, delimiter: str, codec: str | None, limit: int | None) -> Container:
    """CSV/TSV with a header row → one record per row (``{column: cell}``; empty cells → None)."""
    box = Container(kind="tsv" if delimiter == "\t" else "csv", compression=codec)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with _open_decompressed(path, codec) as raw:
            raw = io.BufferedReader(raw) if not hasattr(raw, "peek") else raw
            enc = sniff_encoding(raw.peek(SNIFF_BYTES)[:SNIFF_BYTES])
            _note_encoding(box, name, enc)
            text = io.TextIOWrapper(raw, encoding=enc, errors="replace", newline="")
            first = text.readline()
            if delimiter == ",":
                delimiter = sniff_delimiter(first)
            reader = csv.reader(itertools.chain([first] if first else [], text), delimiter=delimiter)
            header = next(reader, None)
            if header is None:
                box.warnings.append(f"{name}: file is empty")
                return box
            header = [h.strip() for h in header]
            start = reader.line_num + 1
            for row in reader:
                if limit is not None and len(box.records) >= limit:
                    break
                index = len(box.records)
                if not any(c.strip() for c in row):
                    start = reader.line_num + 1
                    continue
                if len(row) != len(header):
                    box.records.append(_error_record(index, start, f"{name}:{start}: row has {len(row)} cells, "
                                                     f"header has {len(header)}", delimiter.join(row)[:500]))
                else:
                    box.records.append(RawRecord(index, start, {h: (c if c.strip() else None)
                                                                for h, c in zip(header, row)}))
                start = reader.line_num + 1
    except (OSError, EOFError, csv.Error, UnicodeError) as exc:
        raise ReadError(f"{name}: cannot read as {box.kind}: {exc}") from exc
    except Exception as exc:  # zstd / lzma errors have no common base
        raise ReadError(f"{name}: cannot read as {box.kind}: {exc}") from exc
    return box


def _load_lines(path: Path, name: str, codec: str | None, limit: int | None) -> Container:
    """A ``.txt`` prompt list: one record (a string: a prompt) per non-blank line."""
    box = Container(kind="lines", compression=codec)
    try:
        with _open_decompressed(path, codec) as raw:
            raw = io.BufferedReader(raw) if not hasattr(raw, "peek") else raw
            enc = sniff_encoding(raw.peek(SNIFF_BYTES)[:SNIFF_BYTES])
            _note_encoding(box, name, enc)
            text = io.TextIOWrapper(raw, encoding=enc, errors="replace")
            for lineno, line in enumerate(text, 1):
                if limit is not None and len(box.records) >= limit:
                    break
                if line.strip():
                    box.records.append(RawRecord(len(box.records), lineno, line.rstrip("\r\n")))
    except Exception as exc:  # OSError, EOFError, zstd/lzma errors
        raise ReadError(f"{name}: cannot read as text lines: {exc}") from exc
    return box


def _load_arrow(path: Path, name: str, limit: int | None) -> Container:
    """An Arrow IPC stream or file (``datasets.save_to_disk`` writes streams) → one record per row."""
    import pyarrow as pa

    box = Container(kind="arrow")
    try:
        with pa.memory_map(str(path)) as src:
            try:
                table = pa.ipc.open_stream(src).read_all()
            except pa.ArrowInvalid:
                src.seek(0)
                table = pa.ipc.open_file(src).read_all()
    except (pa.ArrowException, OSError) as exc:
        raise ReadError(f"{name}: cannot read as Arrow: {exc}") from exc
    if limit is not None:
        table = table.slice(0, limit)
    box.records = [RawRecord(i, None, row) for i, row in enumerate(table.to_pylist())]
    return box


def load_records(f: DataFile, limit: int | None = None, is_record: Callable[[Any], bool] = lambda v: False,
                 **caps: Any) -> Container:
    """The records of one data file as a ``Container`` (see the module docstring).

    ``caps`` (``max_bytes``, ``max_ratio``) are passed to ``containers.load`` when not None.
    Raises ``FileNotFoundError`` or ``ReadError`` naming the file.
    """
    caps = {k: v for k, v in caps.items() if v is not None}
    if f.remote:
        import fsspec

        try:
            with fsspec.open(f.location, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"{f.location}: file not found") from None
        except OSError as exc:
            raise ReadError(f"{f.location}: cannot fetch: {exc}") from exc
        base = Path(f.name).name or "data"
        inner, codec = _inner_name(base)
        if not (inner.endswith((".csv", ".tsv", ".arrow"))):
            try:
                from curate.readers.containers import load_bytes
            except ImportError:  # older containers.py: go through a temporary file
                load_bytes = None
            if load_bytes is not None:
                return load_bytes(data, f.name, limit, is_record, **caps)
        with tempfile.TemporaryDirectory(prefix="curatrain-read-") as tmp:
            local = Path(tmp) / base
            local.write_bytes(data)
            return load_records(DataFile(str(local), f.name), limit, is_record, **caps)
    path = Path(f.location[len("file://"):] if f.location.startswith("file://") else f.location)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    inner, codec = _inner_name(path.name)
    if inner.endswith(".csv") or inner.endswith(".tsv"):
        return _load_table(path, f.name, "\t" if inner.endswith(".tsv") else ",", codec, limit)
    if inner.endswith(".arrow") and codec is None:
        return _load_arrow(path, f.name, limit)
    if inner.endswith(".txt"):
        return _load_lines(path, f.name, codec, limit)
    return load(path, limit, is_record, **caps)


def exists(path: str) -> bool:
    """True when ``path`` names at least one data file (local) — remote paths are not checked."""
    return is_remote(path) or bool(expand(path))


__all__ = ["DataFile", "expand", "file_signature", "load_records", "is_remote", "is_data_file", "exists"]


def missing_data(path: str) -> str | None:
    """Why the local ``path`` names no data file — ``"file not found"``, ``"folder holds no data
    file"`` or ``"no file matches"`` (a glob) — or None when it does, or when it is a remote URL
    (checked at run time). For validate-time messages of every stage that reads files."""
    if is_remote(path) or expand(path):
        return None
    if set("*?[") & set(path):
        return "no file matches"
    return "folder holds no data file" if Path(path).is_dir() else "file not found"

