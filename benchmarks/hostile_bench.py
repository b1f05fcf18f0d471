"""Hostile-corpus benchmark: every input defect of issue 10, in every container and compression,
each file read by ``curate.readers.read_file`` in its own subprocess under a timeout and a memory cap.

Prints (and with ``--out``, writes as Markdown) one row per file: outcome (rows / prompts / rejects
by reason, a one-line ``ReadError``, a traceback, a timeout or an out-of-memory kill), the records
expected, the records lost (expected record indices with no row, prompt or reject) and the peak RSS
of the child process (``getrusage(RUSAGE_SELF).ru_maxrss``, the figure ``/usr/bin/time -v`` reports
as "Maximum resident set size").

"Expected" counts the records a careful reader can recover: every record of an intact file (bad ones
as rejects), and for a truncated file every record complete in the longest decompressible prefix
(found with the codec's streaming decompressor), plus the one cut in half (as a reject). Bombs and
unreadable files expect a one-line ``ReadError`` naming the file (``refused``).

Run (about 2-3 minutes on 2 busy cores; no network, nothing downloaded)::

    .venv/bin/python benchmarks/hostile_bench.py --out benchmarks/results/hostile.md
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import zstandard

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "tests" / "fixtures" / "readers"
TIMEOUT_S = 60
MEMORY_CAP = 4 << 30  # RLIMIT_AS of each child

CHILD = r"""
import json, re, resource, sys, time, traceback
sys.path.insert(0, sys.argv[2])
from curate.readers import ReadError, read_file
t = time.perf_counter()
try:
    res = read_file(sys.argv[1], "h")
    ids = [o["id"] for o in res.rows + res.prompts + res.rejects]
    idx = sorted({int(m.group(1)) for i in ids if (m := re.search(r"#(\d+)", i))})
    reasons = {}
    for r in res.rejects:
        reasons[r["drop_reason"]] = reasons.get(r["drop_reason"], 0) + 1
    bad = [r for r in res.rejects if not r["drop_reason"] or not str(r["drop_detail"]).startswith(sys.argv[3])]
    out = {"kind": "ok", "rows": len(res.rows), "prompts": len(res.prompts), "rejects": reasons, "indices": idx,
           "unnamed_rejects": len(bad), "warnings": len(res.warnings)}
except ReadError as exc:
    out = {"kind": "read_error", "message": str(exc)}
except MemoryError:
    out = {"kind": "memory_error"}
except BaseException as exc:
    out = {"kind": "traceback", "message": traceback.format_exc()[-400:]}
out["seconds"] = time.perf_counter() - t
out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(out))
"""


@dataclass
class Case:
    name: str
    data: bytes
    expect: int | None  # records to account for; None: a one-line ReadError is the right outcome
    defect: str


def _lines() -> list[str]:
    recs = [json.loads(x) for x in (FIX / "sharegpt92k_sample.jsonl").read_text().splitlines()]
    recs += json.loads((FIX / "alpaca.json").read_text())[:3]
    return [json.dumps({**r, "n": i}, ensure_ascii=False) for i, r in enumerate(recs * 4)]  # 20 real records


def content_defects() -> list[tuple[str, bytes, int, str]]:
    """(name, bytes, expected records, defect) for defects independent of compression."""
    L = _lines()
    n = len(L)
    jl = lambda xs: ("\n".join(xs) + "\n").encode()  # noqa: E731
    arr = lambda xs: ("[\n" + ",\n".join(xs) + "\n]").encode()  # noqa: E731
    deep = '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}"
    split_text = '{"train": [' + ", ".join(L[:12]) + '], "test": [' + ", ".join(L[12:]) + "]}"
    out = [
        ("clean.jsonl", jl(L), n, "control"),
        ("clean.json", arr(L), n, "control"),
        ("deep_line.jsonl", jl(L[:5] + [deep] + L[5:]), n + 1, "a line nested 10,000 deep"),
        ("deep_field.jsonl", jl(L[:5] + [L[5][:-1] + ', "unused": ' + "[" * 5000 + "]" * 5000 + "}"] + L[6:]), n,
         "an unused field nested 5,000 deep"),
        ("deep_300.json", arr(L[:5] + ['{"x": ' + "[" * 300 + "]" * 300 + "}"] + L[5:]), n + 1,
         "an element nested 300 deep (parses; past the cap)"),
        ("brackets.json", ("[" + L[0] + "," + "[" * 100_000).encode(), 3, "'[' x 100,000 after one record"),
        ("lone_surrogate.jsonl", jl(L[:3] + [L[3][:-1] + ', "s": "\\ud800 \\udfff"}'] + L[4:]), n, "lone surrogates"),
        ("huge_int.jsonl", jl(L[:3] + [L[3][:-1] + ', "big": ' + "9" * 5000 + "}"] + L[4:]), n,
         "an integer of 5,000 digits"),
        ("huge_int.json", arr(L[:3] + [L[3][:-1] + ', "big": -' + "1" * 4400 + "}"] + L[4:]), n,
         "an integer of 4,400 digits in an array"),
        ("nan_inf.jsonl", jl(L[:2] + [L[2][:-1] + ', "f": NaN, "g": [Infinity, -Infinity]}'] + L[3:]), n,
         "NaN / Infinity literals"),
        ("bom_lines.jsonl", "\n".join("\ufeff" + x for x in L).encode(), n, "a BOM at the start of every line"),
        ("utf8_bom.json", arr(L).decode().encode("utf-8-sig"), n, "UTF-8 BOM"),
        ("utf16.jsonl", "\n".join(L).encode("utf-16"), n, "UTF-16 with BOM"),
        ("utf16le_nobom.json", arr(L).decode().encode("utf-16-le"), n, "UTF-16-LE without BOM"),
        ("utf32.json", arr(L).decode().encode("utf-32"), n, "UTF-32 with BOM"),
        ("invalid_utf8.jsonl", jl(L[:4]) + b'{"instruction": "caf\xe9 \xff", "output": "x"}\n' + jl(L[4:]), n + 1,
         "invalid UTF-8 bytes"),
        ("trailing_comma.json", arr(L)[:-2] + b",\n]", n, "a trailing comma before ']'"),
        ("truncated.json", arr(L)[: len(arr(L[:13])) - 2 + len(L[13]) // 2], 14,
         "a JSON array cut inside record 13"),
        ("truncated_after_element.json", arr(L)[:-2], n, "a JSON array missing its ']'"),
        ("two_arrays.json", arr(L[:10]) + b" " + arr(L[10:]), 10, "a second array after ']'"),
        ("splits.json", json.dumps({"version": 1, "train": [json.loads(x) for x in L[:12]],
                                    "test": [json.loads(x) for x in L[12:]]}).encode(), n,
         "{train: [...], test: [...]}"),
        ("splits_truncated.json", split_text[: split_text.rfind(L[-1]) + len(L[-1]) // 2].encode(), n,
         "a split object cut inside its last record"),
        ("wrong_types.jsonl", jl(L[:2] + ['{"conversations": [{"from": ["human"], "value": {"x": 1}}]}',
                                          '{"conversations": [{"from": {"a": 1}, "value": "hi"}]}',
                                          '{"messages": "not a list"}', '{"instruction": 5, "output": null}',
                                          '{"messages": [{"role": "user", "content": {"x": [1]}}]}', "[1, 2]",
                                          '"a string"', "42"] + L[2:]), n + 8, "wrong types in every field"),
        ("crlf_nul.jsonl", ("\r\n".join(L[:5] + ['{"instruction": "a\u0000b", "output": "c"}', "\x00"] + L[5:])
                            + "\r\n").encode(), n + 2, "CRLF endings, NUL characters"),
        ("array_first_line.jsonl", jl(["[1, 2]"] + L), n + 1, "JSON Lines whose first record is an array"),
        ("empty.json", b"", 0, "an empty file"),
    ]
    return out


def recoverable_lines(codec: str, cut: bytes) -> int:
    """Complete JSONL lines in the longest prefix a streaming decompressor gets from ``cut``."""
    try:
        if codec == "gz":
            text = zlib.decompressobj(31).decompress(cut)
        elif codec == "bz2":
            text = bz2.BZ2Decompressor().decompress(cut)
        elif codec == "xz":
            text = lzma.LZMADecompressor().decompress(cut)
        else:
            text = zstandard.ZstdDecompressor().decompressobj().decompress(cut)
    except Exception:
        return 0
    return text.count(b"\n")


def compress(codec: str, data: bytes) -> bytes:
    return {"gz": gzip.compress, "zst": zstandard.ZstdCompressor().compress, "bz2": lambda d: bz2.compress(d, 1),
            "xz": lzma.compress}[codec](data)


def bomb(codec: str, unit: bytes, total: int) -> bytes:
    """``total`` bytes of ``unit`` repeated, as concatenated members/frames of 64 MiB (built in seconds)."""
    block = unit * ((64 << 20) // len(unit))
    member = compress(codec, block)
    return member * (total // len(block))


def build() -> list[Case]:
    cases: list[Case] = []
    base = content_defects()
    for name, data, expect, defect in base:
        cases.append(Case(name, data, expect, defect))
    # each defect again under gzip and zstd (plus bz2/xz for a few)
    again = {"clean.jsonl", "deep_line.jsonl", "brackets.json", "lone_surrogate.jsonl", "huge_int.json",
             "nan_inf.jsonl", "bom_lines.jsonl", "utf16.jsonl", "truncated.json", "splits.json", "wrong_types.jsonl"}
    for codec in ("gz", "zst"):
        for name, data, expect, defect in base:
            if name not in again:
                continue
            cases.append(Case(f"{name}.{codec}", compress(codec, data), expect, defect + f", {codec}"))
    for codec in ("bz2", "xz"):
        for name, data, expect, defect in base[:3] + base[6:8]:
            cases.append(Case(f"{name}.{codec}", compress(codec, data), expect, defect + f", {codec}"))
    # truncated and corrupt streams
    L = _lines() * 40  # 800 records, several bz2 blocks
    data = ("\n".join(L) + "\n").encode()
    for codec in ("gz", "zst", "bz2", "xz"):
        packed = compress(codec, data)
        for frac in (0.5, 0.9):
            cut = packed[: int(len(packed) * frac)]
            k = recoverable_lines(codec, cut)
            cases.append(Case(f"truncated_{int(frac * 100)}.jsonl.{codec}", cut, (k + 1) if k else None,
                              f"{codec} stream cut at {frac:.0%}"))
    cases.append(Case("truncated_header.jsonl.zst", compress("zst", data)[:10], None, "zstd cut in the frame header"))
    g = bytearray(compress("gz", data))
    g[-6] ^= 0xFF
    cases.append(Case("bad_crc.jsonl.gz", bytes(g), len(L) + 1, "gzip CRC mismatch"))
    z = bytearray(compress("zst", data))
    z[len(z) // 2] ^= 0xFF
    cases.append(Case("flipped_byte.jsonl.zst", bytes(z), None, "one zstd byte flipped mid-file"))
    cases.append(Case("not_gzip.jsonl.gz", b"\x1f\x8b this is not gzip", None, "gzip magic, garbage after"))
    # Parquet
    import polars as pl

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "a.parquet"
        pl.DataFrame([json.loads(x) for x in _lines()[10:]][:5]).write_parquet(p)
        pq = p.read_bytes()
    cases.append(Case("clean.parquet", pq, 5, "control"))
    cases.append(Case("truncated.parquet", pq[: len(pq) // 2], None, "Parquet cut in half"))
    # bombs: 3 GiB of zeros / of one repeated JSON line
    line = b'{"instruction": "hi", "output": "hello"}\n'
    cases.append(Case("bomb_zeros.jsonl.gz", bomb("gz", b"\0", 3 << 30), None, "gzip: 3 GiB of zeros"))
    cases.append(Case("bomb_lines.jsonl.gz", bomb("gz", line, 3 << 30), None, "gzip: 3 GiB of one short JSON line"))
    records = ("\n".join(_lines()) + "\n").encode()
    cases.append(Case("huge_real.jsonl.gz", bomb("gz", records, 3 << 30), None,
                      "gzip: 3 GiB of real records (170x, under the ratio cap; the absolute ceiling stops it)"))
    cases.append(Case("bomb_zeros.jsonl.zst", bomb("zst", b"\0", 3 << 30), None, "zstd: 3 GiB of zeros"))
    cases.append(Case("bomb_zeros.jsonl.bz2", bomb("bz2", b"\0", 3 << 30), None, "bz2: 3 GiB of zeros"))
    return cases


def run_case(path: Path, timeout: int) -> dict:
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(REPO), path.name], capture_output=True,
                              text=True, timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        return {"kind": "timeout"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"kind": "killed", "message": (proc.stderr or "")[-300:], "rc": proc.returncode}


def verdict(case: Case, r: dict) -> tuple[str, str, int | None]:
    """(outcome text, status, records lost)."""
    kind = r["kind"]
    if kind == "ok":
        rej = ", ".join(f"{k} {v}" for k, v in sorted(r["rejects"].items()))
        text = f"{r['rows']} rows, {r['prompts']} prompts, {sum(r['rejects'].values())} rejects"
        text += f" ({rej})" if rej else ""
        if case.expect is None:
            return text, "ok", 0
        lost = len(set(range(case.expect)) - set(r["indices"]))
        return text, "ok" if lost == 0 and r["unnamed_rejects"] == 0 else "LOST", lost
    if kind == "read_error":
        named = r["message"].startswith(case.name) and "\n" not in r["message"]
        msg = r["message"] if len(r["message"]) <= 150 else r["message"][:147] + "..."
        return f"ReadError: {msg}", ("refused" if named else "UNNAMED"), None if case.expect is None else case.expect
    return f"{kind.upper()}: {r.get('message', '')[-150:]!s}".replace("\n", " "), kind.upper(), case.expect


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="write the Markdown table here")
    ap.add_argument("--timeout", type=int, default=TIMEOUT_S)
    args = ap.parse_args()
    t0 = time.time()
    cases = build()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        for case in cases:
            path = Path(tmp) / case.name
            path.write_bytes(case.data)
            r = run_case(path, args.timeout)
            outcome, status, lost = verdict(case, r)
            rows.append((case, r, outcome, status, lost))
            print(f"{status:8} {case.name:34} {len(case.data):>10,} B  {r.get('max_rss_mib', 0):7.0f} MiB  "
                  f"{r.get('seconds', 0):6.2f}s  lost={lost}  {outcome[:110]}", flush=True)
            path.unlink()
    counts = {s: sum(1 for x in rows if x[3] == s) for s in ("ok", "refused", "LOST", "UNNAMED", "TRACEBACK",
                                                             "TIMEOUT", "KILLED", "MEMORY_ERROR")}
    lost_total = sum(x[4] or 0 for x in rows if x[3] not in ("refused",))
    summary = (f"{len(rows)} files: " + ", ".join(f"{k} {v}" for k, v in counts.items())
               + f"; records lost {lost_total}; wall {time.time() - t0:.0f} s")
    print(summary)
    if args.out:
        load = os.getloadavg()
        md = ["# Hostile-corpus benchmark", "",
              f"`{Path(sys.executable).name} benchmarks/hostile_bench.py --out {args.out}`: "
              "one subprocess per file, "
              f"timeout {args.timeout} s, RLIMIT_AS {MEMORY_CAP >> 30} GiB. Load average at the end: "
              f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on 2 cores shared with other jobs (timings are "
              "inflated accordingly).", "",
              f"**{summary}**", "",
              "Peak RSS is the child's `ru_maxrss` (the interpreter with curate.readers and polars imported "
              "is about 50-90 MiB of it).", "",
              "| file | defect | bytes | outcome | expected | lost | peak RSS MiB | s |",
              "|---|---|---:|---|---:|---:|---:|---:|"]
        for case, r, outcome, status, lost in rows:
            exp = "ReadError" if case.expect is None else str(case.expect)
            md.append(f"| {case.name} | {case.defect} | {len(case.data):,} | {status}: {outcome.replace('|', '/')} | "
                      f"{exp} | {'-' if lost is None else lost} | {r.get('max_rss_mib', 0):.0f} | "
                      f"{r.get('seconds', 0):.2f} |")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
