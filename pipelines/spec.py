"""Pipeline definitions: the YAML a user reads, edits, shares and reruns.

Shape::

    name: lima            # used in messages and the output folder
    seed: 13              # every sampling stage derives its RNG from it
    stages:               # in order; the first is a source stage (``read``)
      - stage: read
        inputs: [{path: data.jsonl, source: mydata}]
      - {stage: normalize}
    output: {dir: out/lima}       # curated.parquet, rejects.parquet, stats.json (+ model/)
    train: {model: tiny, epochs: 3}   # optional, see ``train.spec.TrainSpec``

Relative paths are resolved against the current working directory.

``load_spec`` validates the whole file before any work starts and reports **every** problem at
once, each with its place (``line 12: stages[3] (near_dedup).threshold: ...``), in the manner of
torchtune's ``tune validate``.
"""

from __future__ import annotations

import hashlib
import json
import math
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curate import registry
from curate.stage import Stage, StageParams
from train.spec import TrainSpec


class SpecError(ValueError):
    """The pipeline file has problems; ``.problems`` lists them all (one string each)."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(self.report())

    def report(self) -> str:
        """``PATH: N problem(s)`` then one ``  - problem`` line each (what the CLI prints)."""
        return f"{self.path}: {len(self.problems)} problem(s)\n" + "\n".join(f"  - {p}" for p in self.problems)


class OutputSpec(BaseModel):
    """Where results go: ``dir`` gets curated.parquet, rejects.parquet, stats.json, model/."""

    model_config = ConfigDict(extra="forbid")
    dir: str = Field(description="output folder (created)")


class _TopLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = Field(0, ge=0)
    stages: list[Any] = Field(min_length=1)  # entries are validated one by one in parse_spec
    output: OutputSpec
    cache_dir: str | None = Field(None, description="stage cache folder; default <output.dir>/.cache")
    train: TrainSpec | None = None


@dataclass
class StageSpec:
    """One validated stage entry: its registry name, class and params."""

    index: int
    name: str
    cls: type[Stage]
    params: StageParams

    def build(self) -> Stage:
        return self.cls(self.params)

    def params_json(self) -> str:
        return json.dumps(self.params.model_dump(mode="json"), sort_keys=True)


@dataclass
class PipelineSpec:
    """A validated pipeline. ``digest`` hashes the whole normalised spec (lineage)."""

    path: str
    name: str
    seed: int
    description: str
    stages: list[StageSpec]
    output_dir: Path
    cache_dir: Path
    train: TrainSpec | None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        body = {
            "name": self.name,
            "seed": self.seed,
            "stages": [{"stage": s.name, "params": json.loads(s.params_json())} for s in self.stages],
            "train": self.train.model_dump(mode="json") if self.train else None,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- safe YAML

#: a pipeline file larger than this is refused before it is read (bytes).
MAX_SPEC_BYTES = 1 << 20
#: YAML nodes after alias expansion: a "billion laughs" file (9 anchors of 9 aliases each) is
#: refused while it is still a small node graph, before pydantic or repr() walk the expansion.
MAX_SPEC_NODES = 100_000
#: nesting depth of mappings/sequences.
MAX_SPEC_DEPTH = 50
_VALUE_CHARS = 80
_FLOAT_TAG = "tag:yaml.org,2002:float"


def short_repr(value: Any, limit: int = _VALUE_CHARS) -> str:
    """``repr(value)`` cut to at most ``limit`` characters (``...`` marks the cut), never walking a
    huge value whole: lists/dicts/strings are abbreviated by ``reprlib`` first."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxdict, r.maxtuple, r.maxset = 3, 6, 6, 6, 6
    r.maxstring, r.maxother, r.maxlong = limit, limit, limit
    text = r.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _label(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "(top)"


def _check_nodes(root: yaml.Node) -> list[str]:
    """Problems in a composed YAML node graph, each ``line N: where: what``.

    Raises ``ValueError`` (one line) when the graph expands (aliases followed) to more than
    ``MAX_SPEC_NODES`` nodes, nests deeper than ``MAX_SPEC_DEPTH`` or refers to itself; reports
    duplicate mapping keys and non-finite floats (``.inf``, ``.nan``, ``1e999``). Each node is
    visited once, so the cost is the size of the file, not of its expansion.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    problems: list[str] = []

    def visit(node: yaml.Node, path: tuple, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in on_path:
            raise ValueError(f"line {node.start_mark.line + 1}: {_label(path)}: an alias refers to itself")
        if depth > MAX_SPEC_DEPTH:
            raise ValueError(f"line {node.start_mark.line + 1}: {_label(path)}: nested deeper than {MAX_SPEC_DEPTH} levels")
        on_path.add(key)
        size = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value != "<<":
                    if k.value in seen:
                        problems.append(f"line {k.start_mark.line + 1}: {_label(path + (k.value,))}: duplicate key "
                                        f"(first at line {seen[k.value]})")
                    else:
                        seen[k.value] = k.start_mark.line + 1
                size += visit(k, path, depth + 1) + visit(v, path + (str(k.value)[:40],), depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                size += visit(v, path + (i,), depth + 1)
        elif node.tag == _FLOAT_TAG:
            text = node.value.replace("_", "").lower()
            try:
                finite = "inf" not in text and "nan" not in text and (":" in text or math.isfinite(float(text)))
            except ValueError:
                finite = True
            if not finite:
                problems.append(f"line {node.start_mark.line + 1}: {_label(path)}: {short_repr(node.value)} is not a "
                                f"finite number")
        on_path.discard(key)
        sizes[key] = size
        if size > MAX_SPEC_NODES:
            raise ValueError(f"line {node.start_mark.line + 1}: {_label(path)}: expands to more than "
                             f"{MAX_SPEC_NODES:,} values (aliases); a pipeline file is a short YAML")
        return size

    visit(root, (), 0)
    return problems


def _safe_yaml(text: str, path: str) -> tuple[yaml.Node | None, Any, list[str]]:
    """Compose ``text``, check the node graph (``_check_nodes``), then build Python values.

    Returns ``(root node, value, problems)``; raises ``SpecError`` (one line) for text that is not
    YAML or breaks a limit.
    """
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, []
        problems = _check_nodes(root)
        return root, loader.construct_document(root), problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(path, [f"{where}not valid YAML: {short_repr(what, 120).strip(chr(39))}"]) from None
    except RecursionError:
        raise SpecError(path, [f"nested deeper than {MAX_SPEC_DEPTH} levels"]) from None
    except ValueError as exc:
        raise SpecError(path, [str(exc)]) from None
    finally:
        loader.dispose()


# ---------------------------------------------------------------- error formatting

def _line_finder(root: yaml.Node | None):
    """Map a location path (keys and indices) under the composed ``root`` to a 1-based YAML line."""

    def find(path: tuple) -> int | None:
        node, line = root, None
        for part in path:
            if node is None:
                break
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for k, v in node.value:
                    if k.value == str(part):
                        line, nxt = k.start_mark.line + 1, v
                        break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    return find


def _fmt_pydantic(exc: ValidationError, prefix: tuple, label: str, find) -> list[str]:
    out = []
    for err in exc.errors():
        if err["type"] == "finite_number":  # already reported, with its place, by _check_nodes
            continue
        loc = tuple(err["loc"])
        where = label + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        where = where.lstrip(".")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = f"{err['msg']} (got {short_repr(err.get('input'))})"
        line = find(prefix + loc) or find(prefix)
        out.append(f"line {line}: {where}: {msg}" if line else f"{where}: {msg}")
    return out


# ---------------------------------------------------------------- loading

def load_spec(path: str | Path, check_files: bool = True) -> PipelineSpec:
    """Read and validate a pipeline YAML. Raises ``SpecError`` listing every problem found.

    ``check_files``: also check that input files named by source stages exist. A file larger than
    ``MAX_SPEC_BYTES`` (1 MiB) is refused before it is read; one that is not UTF-8 gets one line
    naming the first bad byte's line and column.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(str(path), [f"file is larger than {MAX_SPEC_BYTES // (1 << 20)} MiB; a pipeline file is a "
                                    f"short YAML (is this the right file?)"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line, col = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        raise SpecError(str(path), [f"line {line}, column {col}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                                    f"save the file as UTF-8"]) from None
    return parse_spec(text, str(path), check_files=check_files)


def parse_spec(text: str, path: str = "<string>", check_files: bool = True) -> PipelineSpec:
    """Validate pipeline YAML ``text`` (``path`` is used in messages). See ``load_spec``.

    The YAML is composed into nodes and checked (size, alias expansion, nesting, duplicate keys,
    non-finite numbers; see ``_check_nodes``) before any Python value is built from it.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(path, [f"text is larger than {MAX_SPEC_BYTES // (1 << 20)} MiB; a pipeline file is a short YAML"])
    root, raw, yaml_problems = _safe_yaml(text, path)
    if not isinstance(raw, dict):
        raise SpecError(path, ["the file must be a YAML mapping with name, stages and output"])
    find = _line_finder(root)
    problems: list[str] = list(yaml_problems)

    top: _TopLevel | None = None
    try:
        top = _TopLevel.model_validate(raw)
    except ValidationError as exc:
        problems += _fmt_pydantic(exc, (), "", find)

    stages: list[StageSpec] = []
    entries = raw.get("stages") if isinstance(raw.get("stages"), list) else []
    for i, entry in enumerate(entries):
        label = f"stages[{i}]"
        if not isinstance(entry, dict) or "stage" not in entry:
            line = find(("stages", i))
            problems.append(f"{'line %d: ' % line if line else ''}{label}: each stage needs a 'stage:' name")
            continue
        name = str(entry["stage"])
        try:
            cls = registry.get(name)
        except KeyError as exc:
            line = find(("stages", i, "stage"))
            problems.append(f"{'line %d: ' % line if line else ''}{label}: {exc.args[0]}")
            continue
        body = {k: v for k, v in entry.items() if k != "stage"}
        try:
            params = cls.Params.model_validate(body)
        except ValidationError as exc:
            problems += _fmt_pydantic(exc, ("stages", i), f"{label} ({name})", find)
            continue
        stages.append(StageSpec(i, name, cls, params))

    # cross-stage checks, only when every stage parsed
    if stages and len(stages) == len(entries):
        if not stages[0].cls.is_source:
            problems.append(f"stages[0] ({stages[0].name}): the first stage must read data (e.g. 'read')")
        for s in stages[1:]:
            if s.cls.is_source:
                problems.append(f"stages[{s.index}] ({s.name}): only the first stage may read data")
        pairs = [(s.name, s.params) for s in stages]
        for s in stages:
            for msg in s.cls.check(s.params, pairs):
                problems.append(f"stages[{s.index}] ({s.name}): {msg}")
            if check_files:
                for msg in getattr(s.params, "missing_files", lambda: [])():
                    problems.append(f"stages[{s.index}] ({s.name}): {msg}")

    if problems or top is None:
        def line_no(p: str) -> int:
            return int(p.split(":")[0][5:]) if p.startswith("line ") else 1 << 30
        raise SpecError(path, sorted(problems, key=line_no) or ["invalid pipeline"])
    out_dir = Path(top.output.dir)
    return PipelineSpec(
        path=path,
        name=top.name,
        seed=top.seed,
        description=top.description,
        stages=stages,
        output_dir=out_dir,
        cache_dir=Path(top.cache_dir) if top.cache_dir else out_dir / ".cache",
        train=top.train,
        raw=raw,
    )
