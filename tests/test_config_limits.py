"""Hostile pipeline files: size, alias expansion, nesting, duplicate keys, non-finite numbers,
non-UTF-8 bytes. Each fails fast with one line per problem and never echoes a huge value."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.spec import MAX_SPEC_BYTES, SpecError, load_spec, parse_spec, short_repr

GOOD_TAIL = "output: {dir: out/x}\n"


def _billion_laughs() -> str:
    lines = ['name: x', 'lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("stages: *a9")
    return "\n".join(lines) + "\n" + GOOD_TAIL


def _problems(text: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        parse_spec(text, "p.yaml", check_files=False)
    return err.value.problems


def test_billion_laughs_fails_fast_in_one_line():
    t0 = time.perf_counter()
    problems = _problems(_billion_laughs())
    assert time.perf_counter() - t0 < 1.0
    assert problems == ["line 7: lol5: expands to more than 100,000 values (aliases); a pipeline file is a short YAML"]


def test_recursive_alias_and_deep_nesting_are_one_line():
    assert _problems("name: x\nx: &a [*a]\n") == ["line 2: x[0]: an alias refers to itself"]
    deep = "name: x\nstages: " + "[" * 60 + "]" * 60 + "\n" + GOOD_TAIL
    assert _problems(deep) == ["line 2: stages" + "[0]" * 50 + ": nested deeper than 50 levels"]


def test_large_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("w") as f:
        f.write("name: x\n" + "a: " + "b" * (50 << 20) + "\n")  # 50 MB
    t0 = time.perf_counter()
    with pytest.raises(SpecError) as err:
        load_spec(big)
    assert time.perf_counter() - t0 < 1.0
    assert err.value.problems == ["file is larger than 1 MiB; a pipeline file is a short YAML (is this the right file?)"]
    assert MAX_SPEC_BYTES == 1 << 20


def test_non_utf8_file_names_line_and_column(tmp_path):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("name: x\nseed: 1   # café\n".encode("latin-1"))
    res = CliRunner().invoke(main, ["validate", str(bad)])
    assert res.exit_code == 1
    assert res.output == (f"{bad}: 1 problem(s)\n"
                          "  - line 2, column 16: not UTF-8 text (byte 0xe9); save the file as UTF-8\n")


def test_duplicate_keys_and_non_finite_numbers_have_lines():
    text = """\
name: x
seed: 1
name: y
stages:
  - stage: read
    inputs: [{path: a.jsonl, source: a}]
  - stage: mix
    weights: {a: .inf}
    total: 10
output: {dir: out/x}
"""
    assert _problems(text) == [
        "line 3: name: duplicate key (first at line 1)",
        "line 8: stages[1] (mix).weights.a: '.inf' is not a finite number",
    ]
    assert _problems("name: x\nseed: .nan\nstages: [{stage: normalize}]\n" + GOOD_TAIL)[0] == \
        "line 2: seed: '.nan' is not a finite number"


def test_offending_values_are_cut_to_80_characters():
    text = "name: x\nstages:\n  - {stage: read, inputs: [{path: a, source: a}]}\n  - {stage: near_dedup, threshold: " \
           + "x" * 5000 + "}\n" + GOOD_TAIL
    (problem,) = _problems(text)
    assert problem.startswith("line 4: stages[1] (near_dedup).threshold: Input should be a valid number")
    assert problem.endswith("(got '" + "x" * 37 + "..." + "x" * 38 + "')") and len(problem) < 200
    assert short_repr(list(range(10 ** 6))) == "[0, 1, 2, 3, 4, 5, ...]"
    assert len(short_repr("y" * 10 ** 6)) <= 80


def test_huge_names_and_keys_are_cut_and_fast():
    long = "z" * 200_000
    t0 = time.perf_counter()
    key = "k" * 1000  # PyYAML's longest plain key
    problems = _problems(f"name: x\nstages:\n  - stage: {long}\n  - {{stage: normalize, {key}: 1}}\n" + GOOD_TAIL)
    assert time.perf_counter() - t0 < 1.0
    assert problems[0].startswith("line 3: stages[0]: unknown stage '" + "z" * 57 + "...'; known stages: ")
    assert problems[1].startswith("line 4: stages[1] (normalize)." + "k" * 37 + "...: unknown key; known keys: ")
    assert max(len(p) for p in problems) < 600
