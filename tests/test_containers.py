"""Containers on hostile input: depth, surrogates, huge ints, NaN, BOMs, UTF-16/32, truncated and
corrupt compression, bombs, truncated arrays, split objects. Real records from tests/fixtures/readers."""

import bz2
import gzip
import json
import lzma
import re
from pathlib import Path

import polars as pl
import pytest
import zstandard

from curate.readers import containers
from curate.readers.containers import ReadError, load, load_bytes

R = Path(__file__).parent / "fixtures" / "readers"
LINES = (R / "sharegpt92k_sample.jsonl").read_text().splitlines()       # 2 real ShareGPT records
RECS = [json.loads(x) for x in LINES]
ALPACA = json.loads((R / "alpaca.json").read_text())                    # 5 real Alpaca records


def nested(depth: int) -> str:
    """A JSON object whose bracket nesting is exactly ``depth`` levels."""
    return '{"a": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def errors(box):
    return [(r.index, r.reason, r.error) for r in box.records if r.error is not None]


def values(box):
    return [r.value for r in box.records if r.error is None]


def test_deep_jsonl_lines_are_rejects_and_reading_goes_on():
    text = "\n".join([LINES[0], nested(10_000), nested(257), nested(256), LINES[1]]) + "\n"
    box = load_bytes(text.encode(), "deep.jsonl")
    assert box.kind == "jsonl" and len(box.records) == 5
    assert errors(box) == [(1, "nesting_too_deep", "deep.jsonl:2:1: nesting deeper than 256 levels"),
                           (2, "nesting_too_deep", "deep.jsonl:3:1: nesting deeper than 256 levels")]
    assert values(box)[0] == RECS[0] and values(box)[2] == RECS[1]
    assert box.records[1].raw == nested(10_000)[:500]


def test_brackets_inside_strings_do_not_count_as_nesting():
    rec = {"instruction": "[" * 600 + "{" * 600, "output": '\\"]"' * 300}
    box = load_bytes(json.dumps(rec).encode(), "code.jsonl")
    assert values(box) == [rec] and box.warnings == []


def test_bracket_bomb_array_file_is_two_rejects_not_a_recursion_error():
    box = load_bytes(b"[" * 100_000, "brackets.json")
    assert errors(box) == [
        (0, "nesting_too_deep", "brackets.json:1:2: nesting deeper than 256 levels"),
        (1, "json_syntax_error", "brackets.json:1:100001: a value is not closed before the end of the file "
                                 "(0 bytes left unread)"),
    ]


def test_deep_array_element_is_skipped_and_the_next_ones_are_read():
    text = "[\n" + LINES[0] + ",\n" + "[" * 5000 + "]" * 5000 + ",\n" + nested(300) + ",\n" + LINES[1] + "\n]"
    box = load_bytes(text.encode(), "deep.json")
    assert values(box) == RECS
    assert errors(box) == [(1, "nesting_too_deep", "deep.json:3:1: nesting deeper than 256 levels"),
                           (2, "nesting_too_deep", "deep.json:4:1: nesting deeper than 256 levels")]
    assert [r.line for r in box.records] == [2, 3, 4, 5]


def test_max_depth_is_a_parameter_and_wrappers_do_not_count():
    text = json.dumps([{"a": [1]}, {"a": [[1]]}])
    box = load_bytes(text.encode(), "d.json", max_depth=2)
    assert values(box) == [{"a": [1]}]
    assert errors(box) == [(1, "nesting_too_deep", "d.json:1:14: nesting deeper than 2 levels")]
    wrapped = load_bytes(json.dumps({"train": [{"a": [1]}]}).encode(), "w.json", max_depth=2)
    assert values(wrapped) == [{"a": [1]}] and wrapped.records[0].split == "train"


def test_lone_surrogates_are_repaired_and_counted():
    lines = [LINES[0], r'{"x": "a\ud800b", "\udc00k": "\udfff", "pair": "\ud83d\ude00", "esc": "\\ud800"}']
    box = load_bytes("\n".join(lines).encode(), "s.jsonl")
    assert values(box)[1] == {"x": "a\ufffdb", "\ufffdk": "\ufffd", "pair": "\U0001F600", "esc": "\\ud800"}
    assert box.warnings == ["s.jsonl: 3 lone surrogate escapes (\\ud800-\\udfff) replaced with U+FFFD; "
                            "first at s.jsonl:2"]
    for v in values(box):
        json.dumps(v, ensure_ascii=False).encode("utf-8")  # would raise UnicodeEncodeError unrepaired


def test_huge_integers_and_nan_never_abort():
    big = "9" * 5000
    text = (f'{LINES[0]}\n{{"f": NaN, "n": {big}, "m": -{big}, "ok": 12, "g": [Infinity, -Infinity, 1.5]}}\n'
            '{"h": NaN}\n')
    box = load_bytes(text.encode(), "n.jsonl")
    assert values(box)[1:] == [{"n": big, "m": "-" + big, "ok": 12, "f": None, "g": [None, None, 1.5]}, {"h": None}]
    # NaN comes first in line 2, so the parse that fails on the huge integer saw it too: counted once
    assert box.warnings == ["n.jsonl: 4 NaN/Infinity literals (not valid JSON) read as null; first at n.jsonl:2",
                            "n.jsonl: 2 integers longer than 4300 digits kept as strings; first at n.jsonl:2"]


def test_repairs_in_the_first_line_are_counted_once():
    for first in ('{"f": NaN, "s": "\\ud800"}', '[NaN, "\\ud800"]'):
        box = load_bytes(f"{first}\n{LINES[0]}\n".encode(), "f.jsonl")
        assert box.kind == "jsonl" and values(box)[1] == RECS[0]
        assert box.warnings == ["f.jsonl: 1 NaN/Infinity literals (not valid JSON) read as null; first at f.jsonl:1",
                                "f.jsonl: 1 lone surrogate escapes (\\ud800-\\udfff) replaced with U+FFFD; "
                                "first at f.jsonl:1"]


def test_huge_integer_and_surrogate_in_an_array_name_the_line():
    text = "[\n" + LINES[0] + ',\n{"n": ' + "1" * 4301 + ', "s": "\\udbff"}\n]'
    box = load_bytes(text.encode(), "a.json")
    assert values(box) == [RECS[0], {"n": "1" * 4301, "s": "\ufffd"}]
    assert box.warnings[1:] == [
        "a.json: 1 integers longer than 4300 digits kept as strings; first at a.json:3",
        "a.json: 1 lone surrogate escapes (\\ud800-\\udfff) replaced with U+FFFD; first at a.json:3"]


@pytest.mark.parametrize("encoding,expect", [("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"),
                                             ("utf-16-be", "utf-16-be"), ("utf-32", "utf-32"),
                                             ("utf-8-sig", "utf-8")])
def test_utf16_and_utf32_files_are_decoded(encoding, expect):
    for text, kind in (("\n".join(LINES), "jsonl"), (json.dumps(ALPACA, ensure_ascii=False), "json_array")):
        box = load_bytes(text.encode(encoding), "u.json")
        assert (box.kind, box.encoding, box.warnings) == (kind, expect, [])
        assert values(box) == (RECS if kind == "jsonl" else ALPACA)


def test_bom_at_the_start_of_a_later_line_is_dropped():
    data = (LINES[0] + "\n").encode("utf-8-sig") + (LINES[1] + "\n").encode("utf-8-sig")  # cat a.jsonl b.jsonl
    box = load_bytes(data, "cat.jsonl")
    assert values(box) == RECS and errors(box) == []


def test_invalid_utf16_bytes_are_replaced_with_a_warning():
    data = "\n".join(LINES).encode("utf-16") + b"\x00"  # an odd trailing byte
    box = load_bytes(data, "odd.jsonl")
    assert values(box)[0] == RECS[0]
    assert box.warnings[0].startswith("odd.jsonl: invalid UTF-16 at byte ")


def _compress(codec: str, data: bytes) -> bytes:
    if codec == "gzip":
        return gzip.compress(data)
    if codec == "bz2":
        return bz2.compress(data, 1)  # 100 kB blocks: several complete blocks before the cut
    if codec == "xz":
        return lzma.compress(data)
    return zstandard.ZstdCompressor().compress(data)


@pytest.mark.parametrize("codec", ["gzip", "bz2", "xz", "zstd"])
def test_truncated_stream_keeps_records_and_says_so(codec):
    lines = [json.dumps({**RECS[i % 2], "id": f"r{i}"}) for i in range(400)]
    data = ("\n".join(lines) + "\n").encode()
    packed = _compress(codec, data)
    box = load_bytes(packed[: len(packed) * 3 // 4], f"t.jsonl.{codec}")
    good = values(box)
    assert 0 < len(good) < 400
    assert good == [json.loads(x) for x in lines[: len(good)]]  # every record before the cut, intact
    last = box.records[-1]
    assert last.reason == "truncated_file"
    assert re.match(rf"t.jsonl.{codec}:{last.line}: {codec} data ends before the end", last.error)
    assert last.line == len(good) + 1  # the line the decoded text ends in: where the cut is
    assert last.error.endswith("bytes decompressed; records before that point kept")
    assert box.warnings == [last.error]
    # the record cut in the middle, if any, is a syntax error of its own line
    assert all(r.reason == "json_syntax_error" for r in box.records[len(good):-1])
    assert len(box.records) - 1 - len(good) <= 1


def test_truncated_zstd_used_to_read_as_zero_records():
    data = ("\n".join(LINES * 50)).encode()
    with pytest.raises(ReadError, match=r"^x.jsonl.zst: cannot decompress as zstd: the frame ends before any data"):
        load_bytes(zstandard.ZstdCompressor().compress(data)[:12], "x.jsonl.zst")


def test_corrupt_gzip_crc_is_a_corrupt_file_record():
    data = ("\n".join(LINES * 3) + "\n").encode()
    packed = bytearray(gzip.compress(data))
    packed[-6] ^= 0xFF  # the CRC32 field of the trailer
    box = load_bytes(bytes(packed), "c.jsonl.gz")
    assert values(box) == RECS * 3
    assert box.records[-1].reason == "corrupt_file"
    assert box.records[-1].error.startswith("c.jsonl.gz:7: gzip data is corrupt (CRC check failed")


def test_multi_member_gzip_and_multi_frame_zstd_read_whole():
    a, b = (LINES[0] + "\n").encode(), (LINES[1] + "\n").encode()
    cz = zstandard.ZstdCompressor()
    for name, packed in (("m.jsonl.gz", gzip.compress(a) + gzip.compress(b)),
                         ("m.jsonl.zst", cz.compress(a) + cz.compress(b))):
        box = load_bytes(packed, name)
        assert values(box) == RECS and errors(box) == [] and box.warnings == []


def test_garbage_is_a_read_error_naming_the_file():
    with pytest.raises(ReadError, match=r"^bad.jsonl.gz: cannot decompress as gzip"):
        load_bytes(b"\x1f\x8b not really gzip", "bad.jsonl.gz")
    with pytest.raises(ReadError, match=r"^bad.jsonl.zst: cannot decompress as zstd"):
        load_bytes(b"\x28\xb5\x2f\xfd garbage garbage", "bad.jsonl.zst")


@pytest.mark.parametrize("codec", ["gzip", "bz2", "xz", "zstd"])
def test_bomb_stops_at_the_ratio_cap(codec, monkeypatch):
    monkeypatch.setattr(containers, "RATIO_FLOOR", 1 << 20)  # a 1 MiB floor keeps the test small
    packed = _compress(codec, b"\0" * (16 << 20))
    with pytest.raises(ReadError, match=rf"^b.jsonl.{codec}: decompresses past \d+ MiB from [\d,]+ KiB of "
                                        rf"{codec} data \(ratio [\d,]+x > max 200x\), a decompression bomb\?; "
                                        "raise max_compression_ratio for this input$"):
        load_bytes(packed, f"b.jsonl.{codec}")
    # the same data is fine when the user raises the ratio for this input
    assert load_bytes(packed, f"b.jsonl.{codec}", max_ratio=float("inf")).kind == "jsonl"


def test_absolute_ceiling_and_default_floor():
    packed = gzip.compress(("\n".join(LINES * 20)).encode())
    with pytest.raises(ReadError, match=r"^x.jsonl.gz: decompresses past \d+ MiB, over the ceiling of 0 MiB; "
                                        "raise max_decompressed_mb for this input$"):
        load_bytes(packed, "x.jsonl.gz", max_bytes=1000)
    # a small, very compressible file stays under the 64 MiB floor whatever its ratio
    tiny = gzip.compress(("\n".join(LINES * 2000)).encode())
    assert len(load_bytes(tiny, "x.jsonl.gz").records) == 4000


def test_truncated_array_keeps_elements_and_rejects_the_cut():
    full = json.dumps(ALPACA, indent=1)
    assert full.endswith("}\n]")
    box = load_bytes(full[:-2].encode(), "a.json")           # the closing ']' is gone
    assert values(box) == ALPACA
    ln, col = full.count("\n"), len(full[:-2].rsplit("\n", 1)[1]) + 1
    assert errors(box) == [(5, "json_syntax_error", f"a.json:{ln}:{col}: array not closed: the file ends before "
                                                    "']' (truncated file?) (0 bytes left unread)")]
    at = full.index(json.dumps(ALPACA[2]["instruction"]))
    box = load_bytes(full[:at + 1].encode(), "a.json")       # cut inside a string of the third element
    assert values(box) == ALPACA[:2]
    ln, col = full[:at].count("\n") + 1, at - full.rfind("\n", 0, at)
    assert errors(box) == [(2, "json_syntax_error", f"a.json:{ln}:{col}: Unterminated string starting at "
                                                    "(1 bytes left unread)")]
    assert box.warnings[-1].endswith("bytes left unread")


def test_data_after_the_closing_bracket_is_a_reject():
    one_line = json.dumps(RECS[:1]) + " " + json.dumps(RECS[1:])
    box = load_bytes(one_line.encode(), "two.json")
    assert values(box) == RECS[:1]
    col = len(json.dumps(RECS[:1])) + 2
    left = len(json.dumps(RECS[1:]).encode())
    assert errors(box) == [(1, "json_syntax_error", f"two.json:1:{col}: data after the closing ']' "
                                                    f"({left:,} bytes left unread)")]
    # one array per line is JSON Lines whose records are arrays (the reader rejects them by layout)
    lines = load_bytes((json.dumps(RECS[:1]) + "\n" + json.dumps(RECS[1:])).encode(), "two.jsonl")
    assert (lines.kind, values(lines)) == ("jsonl", [RECS[:1], RECS[1:]])


def test_object_with_several_splits_reads_every_split():
    obj = {"version": 2, "train": ALPACA[:3], "test": ALPACA[3:], "labels": ["a", "b"]}
    box = load_bytes(json.dumps(obj).encode(), "splits.json")
    assert box.kind == "json_object[train,test]"
    assert values(box) == ALPACA
    assert [r.split for r in box.records] == ["train"] * 3 + ["test"] * 2
    assert [r.index for r in box.records] == [0, 1, 2, 3, 4]
    assert box.warnings == ["splits.json: records read from the list(s) 'train', 'test'; "
                            "other keys ignored: 'version', 'labels'"]


def test_truncated_split_object_keeps_the_records_before_the_cut():
    text = json.dumps({"train": ALPACA[:3], "test": ALPACA[3:]}, indent=1)
    box = load_bytes(text[: text.rindex('"instruction"')].encode(), "splits.json")
    assert box.kind == "json_object[train,test]"
    assert values(box) == ALPACA[:4]
    assert [r.split for r in box.records] == ["train"] * 3 + ["test"] * 2
    assert box.records[-1].reason == "json_syntax_error" and box.records[-1].error.startswith("splits.json:")
    assert box.warnings[0] == ("splits.json: the top-level object does not parse whole; "
                               "reading its lists of records member by member")


def test_single_record_object_and_jsonl_with_a_broken_first_line():
    one = load_bytes(LINES[0].encode(), "one.json", is_record=lambda v: "conversations" in v)
    assert (one.kind, values(one)) == ("json_object", RECS[:1])
    broken = load_bytes(("{\"conversations\": [\n" + "\n".join(LINES)).encode(), "b.jsonl")
    assert broken.kind == "jsonl" and values(broken) == RECS
    assert errors(broken) == [(0, "json_syntax_error", "b.jsonl:1:20: Expecting value")]


def test_one_line_array_with_trailing_comma_reads_in_linear_time():
    items = [{"instruction": f"q{i}", "output": "a"} for i in range(50_000)]
    text = json.dumps(items)[:-1] + ",]"  # one line, lenient path: was O(n^2) (minutes)
    box = load_bytes(text.encode(), "big.json")
    assert values(box) == items
    assert box.warnings[-1] == f"big.json: trailing comma before ']' at line 1 column {len(text)}; ignored"


def test_load_is_load_bytes_of_the_file(tmp_path):
    p = tmp_path / "x.jsonl.gz"
    p.write_bytes(gzip.compress(("\n".join(LINES)).encode()))
    a, b = load(p), load_bytes(p.read_bytes(), "x.jsonl.gz")
    assert (a.kind, a.compression, values(a)) == (b.kind, b.compression, values(b)) == ("jsonl", "gzip", RECS)
    with pytest.raises(FileNotFoundError, match="nope.json: file not found"):
        load(tmp_path / "nope.json")


def test_truncated_parquet_is_a_read_error_naming_the_file(tmp_path):
    p = tmp_path / "a.parquet"
    pl.DataFrame(ALPACA[:2]).write_parquet(p)
    data = p.read_bytes()
    assert values(load_bytes(data, "a.parquet")) == ALPACA[:2]
    with pytest.raises(ReadError, match=r"^a.parquet: cannot read as Parquet \(truncated or corrupt\?\)"):
        load_bytes(data[: len(data) // 2], "a.parquet")
    with pytest.raises(ReadError, match=r"^a.parquet.gz: gzip data ends .*; a partial Parquet file cannot be read"):
        load_bytes(gzip.compress(data)[:-20], "a.parquet.gz")


def test_limit_counts_records_not_depth():
    text = "\n".join(json.dumps({"instruction": f"q{i}", "output": "a"}) for i in range(300))
    assert len(load_bytes(text.encode(), "l.jsonl").records) == 300   # more lines than MAX_DEPTH
    assert [r.value["instruction"] for r in load_bytes(text.encode(), "l.jsonl", limit=5).records] == \
        ["q0", "q1", "q2", "q3", "q4"]
    arr = ("[" + ",".join(json.dumps({"n": i}) for i in range(300)) + ",]").encode()  # lenient path
    assert [r.value for r in load_bytes(arr, "l.json", limit=3).records] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_empty_compressed_files_and_classic_mac_line_endings():
    for name in ("e.jsonl.gz", "e.jsonl.zst", "e.jsonl.bz2", "e.jsonl.xz"):
        box = load_bytes(b"", name)
        assert (box.kind, box.records, box.warnings) == ("empty", [], [f"{name}: file is empty"])
    box = load_bytes(("\r".join(LINES) + "\r").encode(), "cr.jsonl")
    assert (box.kind, values(box), [r.line for r in box.records]) == ("jsonl", RECS, [1, 2])
