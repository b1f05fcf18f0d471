"""Property-based hostile-input suite (hypothesis): malformed records in every layout, in every
container, compression and encoding, through ``curate.readers.read_file``.

Asserted for every generated file: no exception escapes; every input record is accounted for (each
record index ``i`` has at least one row, prompt or reject whose id is ``source/file#i...``, and no
output names an index that was not written); every reject has a snake_case ``drop_reason`` and a
``drop_detail`` naming the file. Truncated compressed files: nothing escapes but a one-line
``ReadError`` naming the file, and the cut is reported.

Budget: ``CURATRAIN_HYPOTHESIS_EXAMPLES`` examples per property (default 40, derandomized, so CI is
deterministic); e.g. ``CURATRAIN_HYPOTHESIS_EXAMPLES=2000 pytest tests/test_hostile.py`` for a
longer hunt.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import re
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from curate.readers import ReadError, read_file

EXAMPLES = int(os.environ.get("CURATRAIN_HYPOTHESIS_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

# raw JSON spliced in after json.dumps, for values json.dumps cannot write
RAW = {
    "@@HUGE_INT@@": "9" * 5000,
    "@@NEG_HUGE_INT@@": "-" + "1" * 4400,
    "@@DEEP_3000@@": "[" * 3000 + "]" * 3000,         # past Python's parser (RecursionError)
    "@@DEEP_300@@": "{\"a\": " * 300 + "1" + "}" * 300,  # parses, past the depth cap
    "@@NAN@@": "NaN",
    "@@NEG_INF@@": "-Infinity",
}
ODD = ["", " ", "\u2028", "\x00", "\ufeff", "a\ud800b", "\udc00", "\U0001F600", "e\u0301", "\u202e\u05d0",
       "\\", '"', "\n\nHuman: ", "\n\nAssistant:", "<|im_start|>", "x" * 300]

text = st.one_of(st.text(max_size=20), st.sampled_from(ODD))
scalar_junk = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), text,
                        st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(sorted(RAW)))
junk = st.recursive(scalar_junk, lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.text(max_size=6), kids, max_size=3), max_leaves=6)

sg_role = st.sampled_from(["human", "gpt", "system", "user", "assistant", "function_call", "observation", "bot"])
oa_role = st.sampled_from(["user", "assistant", "system", "tool", "developer", "narrator"])
content = st.one_of(text, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": text}), max_size=2))
openai_msgs = st.lists(st.fixed_dictionaries({"role": oa_role, "content": content}), max_size=4)
hh_text = st.builds(lambda a, b: f"\n\nHuman: {a}\n\nAssistant: {b}", text, text)


def oasst_node(depth: int) -> st.SearchStrategy:
    kids = st.just([]) if depth == 0 else st.lists(st.deferred(lambda: oasst_node(depth - 1)), max_size=2)
    return st.fixed_dictionaries({"message_id": st.text(max_size=4), "text": text,
                                  "role": st.sampled_from(["prompter", "assistant"]), "replies": kids},
                                 optional={"rank": st.integers(0, 3), "deleted": st.booleans(), "lang": text})


LAYOUTS = {
    "sharegpt": st.fixed_dictionaries({"conversations": st.lists(
        st.fixed_dictionaries({"from": sg_role, "value": text}), max_size=4)}, optional={"id": text, "system": text}),
    "openai": st.fixed_dictionaries({"messages": openai_msgs}),
    "alpaca": st.fixed_dictionaries({"instruction": text, "output": text}, optional={"input": text, "history": junk}),
    "hh_rlhf": st.fixed_dictionaries({"chosen": hh_text, "rejected": hh_text}),
    "prompt_chosen": st.fixed_dictionaries({"prompt": text, "chosen": text, "rejected": text}),
    "openai_preference": st.fixed_dictionaries({"chosen": openai_msgs, "rejected": openai_msgs}),
    "sharegpt_preference": st.fixed_dictionaries({
        "conversations": st.lists(st.fixed_dictionaries({"from": sg_role, "value": text}), max_size=2),
        "chosen": st.fixed_dictionaries({"from": sg_role, "value": text}),
        "rejected": st.fixed_dictionaries({"from": sg_role, "value": text})}),
    "oasst_tree": st.fixed_dictionaries({"message_tree_id": text, "tree_state": st.just("ready_for_export"),
                                         "prompt": oasst_node(2)}),
    "oasst_nested": oasst_node(2),
    "mt_bench": st.fixed_dictionaries({"question_id": st.integers(), "turns": st.lists(text, max_size=2)}),
    "self_instruct": st.fixed_dictionaries({"instruction": text, "instances": st.lists(
        st.fixed_dictionaries({"input": text, "output": text}), max_size=3)}),
    "dolly": st.fixed_dictionaries({"instruction": text, "context": text, "response": text, "category": text}),
    "junk": junk,
}


@st.composite
def mutated(draw, value):
    """``value`` with one randomly chosen subtree replaced by junk (wrong types anywhere)."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: draw(mutated(value[key]))}
    if isinstance(value, list) and value and draw(st.booleans()):
        i = draw(st.integers(0, len(value) - 1))
        return [*value[:i], draw(mutated(value[i])), *value[i + 1:]]
    return draw(junk)


@st.composite
def records(draw):
    out = []
    for _ in range(draw(st.integers(1, 6))):
        layout = draw(st.sampled_from(sorted(LAYOUTS)))
        rec = draw(LAYOUTS[layout])
        if draw(st.integers(0, 2)) == 0:
            rec = draw(mutated(rec))
        out.append(rec)
    return out


def dumps(value, ascii_only: bool) -> str:
    s = json.dumps(value, ensure_ascii=ascii_only, allow_nan=True)
    for marker, raw in RAW.items():
        s = s.replace(json.dumps(marker), raw)
    return s


def compress(codec: str, data: bytes) -> bytes:
    return {"none": lambda d: d, "gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress,
            "zst": zstandard.ZstdCompressor().compress}[codec](data)


def write(tmp: Path, recs: list, container: str, codec: str, encoding: str, line_boms: bool) -> Path:
    ascii_only = encoding == "ascii"
    if container == "jsonl":
        bom = "\ufeff" if line_boms else ""
        text = "\n".join(bom + dumps(r, ascii_only) for r in recs) + "\n"
    else:
        text = "[\n" + ",\n".join(dumps(r, ascii_only) for r in recs) + "\n]"
    # lone surrogates written raw (ensure_ascii=False) make invalid UTF-8/UTF-16: a hostile file too
    data = text.encode("utf-8" if ascii_only else encoding, "surrogatepass")
    path = tmp / (f"h.{'jsonl' if container == 'jsonl' else 'json'}" + ("" if codec == "none" else f".{codec}"))
    path.write_bytes(compress(codec, data))
    return path


def check_accounting(res, n: int, name: str) -> None:
    outputs = res.rows + res.prompts + res.rejects
    ids = [o["id"] for o in outputs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    seen = set()
    for rid in ids:
        m = re.fullmatch(rf"src/{re.escape(name)}#(\d+)(?:[./].*)?", rid)
        assert m, rid
        seen.add(int(m.group(1)))
    missing, extra = sorted(set(range(n)) - seen), sorted(seen - set(range(n)))
    assert not missing and not extra, f"records unaccounted: {missing}, extra: {extra}"
    for r in res.rejects:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r["drop_reason"]), r
        assert r["drop_detail"] and r["drop_detail"].startswith(name), r


@pytest.mark.filterwarnings("ignore")
@SETTINGS
@given(recs=records(), container=st.sampled_from(["jsonl", "array"]),
       codec=st.sampled_from(["none", "none", "gz", "zst", "bz2", "xz"]),
       encoding=st.sampled_from(["ascii", "utf-8", "utf-16", "utf-16-le", "utf-32"]), line_boms=st.booleans())
def test_every_record_is_kept_or_rejected_with_a_reason(tmp_path, recs, container, codec, encoding, line_boms):
    # one JSONL line holding an array is byte for byte a JSON array file: its elements are the records
    assume(not (container == "jsonl" and len(recs) == 1 and isinstance(recs[0], list)))
    path = write(tmp_path, recs, container, codec, encoding, line_boms)
    res = read_file(path, "src")
    check_accounting(res, len(recs), path.name)


@SETTINGS
@given(recs=records(), codec=st.sampled_from(["none", "gz", "zst"]))
def test_split_objects_are_read_whole(tmp_path, recs, codec):
    half = (len(recs) + 1) // 2
    train, test = recs[:half], recs[half:]
    # real dumps hold objects in each split; a split of scalars only is metadata, not records
    obj = {"version": 1, "train": [*train, {"instruction": "q", "output": "a"}],
           "test": [*test, {"instruction": "q", "output": "a"}]}
    path = tmp_path / f"s.json{'' if codec == 'none' else '.' + codec}"
    path.write_bytes(compress(codec, dumps(obj, True).encode()))
    res = read_file(path, "src")
    check_accounting(res, len(recs) + 2, path.name)


@SETTINGS
@given(recs=st.lists(LAYOUTS["sharegpt"], min_size=3, max_size=8), container=st.sampled_from(["jsonl", "array"]),
       codec=st.sampled_from(["none", "gz", "zst", "bz2", "xz"]), cut=st.floats(0.05, 0.999))
def test_truncated_files_are_reported_never_a_short_read(tmp_path, recs, container, codec, cut):
    full = write(tmp_path, recs, container, codec, "utf-8", False)
    data = full.read_bytes()
    full.write_bytes(data[: max(1, int(len(data) * cut))])
    try:
        res = read_file(full, "src")
    except ReadError as exc:
        assert str(exc).startswith(full.name) and "\n" not in str(exc)
        return
    assert res.rejects, "a cut file must produce at least one reject"
    if codec != "none":  # the stream itself says it was cut (zstd used to read short with no word)
        assert [r["drop_reason"] for r in res.rejects if "ends before the end" in r["drop_detail"]], res.rejects
    kept = len(res.rows) + len(res.prompts)
    assert kept <= len(recs)
    for r in res.rejects:
        assert r["drop_detail"].startswith(full.name), r


@pytest.mark.parametrize("codec", ["gz", "zst"])
def test_a_folder_of_hostile_files_runs_through_the_cli(tmp_path, codec):
    """End to end: ``curatrain run`` on hostile files exits 0 and every record is a row or a reject.
    (Each file holds one good record: an input none of whose first records parse is refused by
    ``validate``, with one line naming it.)"""
    from click.testing import CliRunner

    from pipelines.cli import main

    data = tmp_path / "data"
    data.mkdir()
    good = [{"conversations": [{"from": "human", "value": f"question {i}?"},
                               {"from": "gpt", "value": f"answer number {i}."}]} for i in range(4)]
    files = {
        f"deep.jsonl.{codec}": compress(codec, ("\n".join([
            json.dumps(good[0]), '{"a": ' + "[" * 10000 + "]" * 10000 + "}", json.dumps(good[1])]) + "\n").encode()),
        "surrogate.jsonl": ("\n".join([json.dumps(good[2]), r'{"conversations": [{"from": "human", "value": "a\ud800"},'
                                                             r' {"from": "gpt", "value": "b"}]}']) + "\n").encode(),
        "bigint_nan.json": ("[" + json.dumps(good[3]) + ', {"instruction": "x", "output": "y", "n": '
                            + "7" * 5000 + ', "f": NaN}]').encode(),
        "utf16.jsonl": (json.dumps(good[0], ensure_ascii=False) + "\n").encode("utf-16"),
        "bom_lines.jsonl": ("\ufeff" + json.dumps(good[1]) + "\n\ufeff" + json.dumps(good[2]) + "\n").encode(),
        "truncated.json": json.dumps(good)[:-40].encode(),
        "splits.json": json.dumps({"train": good[:2], "test": good[2:]}).encode(),
        "brackets.json": ("[" + json.dumps(good[0]) + ", " + "[" * 100_000).encode(),
        "wrong_types.jsonl": (json.dumps(good[3]) + '\n{"conversations": [{"from": ["human"], "value": {"x": 1}}]}\n'
                              '{"messages": "not a list"}\n{"instruction": 5, "output": null}\n').encode(),
    }
    expected = {"deep": 3, "surrogate": 2, "bigint_nan": 2, "utf16": 1, "bom_lines": 2, "truncated": None,
                "splits": 4, "brackets": 3, "wrong_types": 4}
    for name, blob in files.items():
        (data / name).write_bytes(blob)
    inputs = "\n".join(f"      - {{path: {data / n}, source: {n.split('.')[0]}}}" for n in sorted(files))
    spec = tmp_path / "hostile.yaml"
    spec.write_text(f"name: hostile\nseed: 1\nstages:\n  - stage: read\n    inputs:\n{inputs}\n"
                    f"  - {{stage: normalize}}\noutput: {{dir: {tmp_path / 'out'}}}\n")
    res = CliRunner().invoke(main, ["run", str(spec)])
    assert res.exit_code == 0, res.output + repr(res.exception)
    import polars as pl

    rejects = pl.read_parquet(tmp_path / "out" / "rejects.parquet")
    read_rejects = rejects.filter(pl.col("drop_stage") == "read")
    assert read_rejects["drop_reason"].null_count() == 0
    per_source = {}
    for rid in [*pl.read_parquet(tmp_path / "out" / "curated.parquet")["id"].to_list(), *rejects["id"].to_list()]:
        src, idx = re.fullmatch(r"([^/]+)/[^#]+#(\d+).*", rid).groups()
        per_source.setdefault(src, set()).add(int(idx))
    for src, n in expected.items():
        if n is not None:
            assert per_source.get(src) == set(range(n)), (src, per_source.get(src))
    assert per_source["truncated"] == {0, 1, 2, 3}


SAMPLES = {  # real files of the fixtures, plain and compressed
    "s.jsonl": (Path(__file__).parent / "fixtures" / "readers" / "sharegpt92k_sample.jsonl").read_bytes(),
    "a.json": (Path(__file__).parent / "fixtures" / "readers" / "alpaca.json").read_bytes(),
}
SAMPLES.update({f"{k}.{c}": compress(c, v) for k, v in list(SAMPLES.items()) for c in ("gz", "zst", "bz2", "xz")})


@st.composite
def damaged(draw):
    """A real file with a few bytes flipped, deleted or inserted, or plain random bytes."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(sorted(SAMPLES))), draw(st.binary(max_size=300))
    name = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[name])
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "cut"]))
        if op == "flip":
            data[i] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 64))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[i:]
        if not data:
            break
    return name, bytes(data)


@SETTINGS
@given(case=damaged())
def test_damaged_bytes_never_escape_as_anything_but_a_named_read_error(tmp_path, case):
    name, data = case
    path = tmp_path / name
    path.write_bytes(data)
    try:
        res = read_file(path, "src")
    except ReadError as exc:
        assert str(exc).startswith(name) and "\n" not in str(exc)
        return
    ids = [o["id"] for o in res.rows + res.prompts + res.rejects]
    assert len(ids) == len(set(ids))
    indices = {int(re.search(r"#(\d+)", i).group(1)) for i in ids}
    assert indices == set(range(len(indices))), "every record index from 0 up is accounted for"
    for r in res.rejects:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r["drop_reason"]) and r["drop_detail"].startswith(name), r
