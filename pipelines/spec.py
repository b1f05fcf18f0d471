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
    engine: local         # optional: local (default) or ray; workers: N processes / CPUs (docs/ray.md)

Relative paths are resolved against the current working directory.

``load_spec`` validates the whole file before any work starts and reports **every** problem at
once, each with its place (``line 12: stages[3] (near_dedup).threshold: ...``), in the manner of
torchtune's ``tune validate``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import reprlib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from curate import registry
from curate.stage import Stage, StageParams
from train.spec import TrainSpec, check_train_against_stages


class SpecError(ValueError):
    """The pipeline file has problems; ``.problems`` lists them all (one string each)."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(self.report())

    def report(self) -> str:
        """``PATH: N problem(s)`` then one ``  - problem`` line each (what the CLI prints)."""
        return f"{self.path}: {len(self.problems)} problem(s)\n" + "\n".join(f"  - {p}" for p in self.problems)


class PushToHubSpec(BaseModel):
    """``output.push_to_hub``: the curated set pushed as a Hugging Face dataset (``datasets.Dataset.push_to_hub``;
    needs network and a token from ``huggingface-cli login`` or ``HF_TOKEN``)."""

    model_config = ConfigDict(extra="forbid")
    repo_id: str = Field(min_length=3, pattern=r"^[\w.-]+/[\w.-]+$", description="dataset repository, e.g. me/lima-1k")
    private: bool = Field(False, description="create the repository private")
    split: str = Field("train", min_length=1, description="split name of the curated rows")


class OutputSpec(BaseModel):
    """Where results go: ``dir`` gets curated.parquet, rejects.parquet, stats.json, run.json, model/; optionally
    also a ``datasets`` folder (``save_to_disk``) and a hub dataset (``push_to_hub``), ``pipelines.publish``."""

    model_config = ConfigDict(extra="forbid")
    dir: str = Field(description="output folder (created); not /, your home folder or a system folder")
    overwrite: bool = Field(False, description="allow a non-empty folder that holds no curatrain run "
                                               "(same as `curatrain run --force`)")
    save_to_disk: str | None = Field(None, min_length=1, description="also save the curated set with datasets' "
                                                                     "save_to_disk to this folder (load_from_disk)")
    push_to_hub: PushToHubSpec | None = Field(None, description="also push the curated set to the hub: "
                                                                "{repo_id, private, split}")


#: folders that are never an output folder, nor anything inside them.
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys",
                "/usr")
#: folders that are never an output folder themselves (a subfolder is fine, e.g. /tmp/x, /var/tmp/x).
SYSTEM_ROOTS = ("/", "/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/tmp", "/var")
#: any of these in a folder marks it as holding a curatrain run (so a rerun may write there).
RUN_MARKERS = ("run.json", "stats.json", ".cache", ".curatrain.lock", ".curatrain.lock.json")


def output_dir_problems(out_dir: str | Path, overwrite: bool = False, check_files: bool = True) -> list[str]:
    """Why ``out_dir`` must not receive a run's outputs (empty list: it may).

    Always refused (by path): ``/``, the home folder itself, ``SYSTEM_ROOTS`` themselves and
    anything under ``SYSTEM_TREES``. With ``check_files``: an existing non-directory (a file,
    ``/dev/null``), and a non-empty folder holding none of ``RUN_MARKERS`` unless ``overwrite``.
    Symlinks are resolved first, so a link to ``/etc`` is refused too.
    """
    p = Path(out_dir).expanduser()
    try:
        real = p.resolve()
    except (OSError, RuntimeError):
        real = p.absolute()
    home, text = Path.home().resolve(), str(real)
    tree = next((t for t in SYSTEM_TREES if text == t or text.startswith(t + "/")), None)
    if text == "/" or real == home or text in SYSTEM_ROOTS or tree:
        what = ("the root folder" if text == "/" else "your home folder" if real == home
                else f"in a system folder ({tree})" if tree else "a system folder")
        return [f"{out_dir} is {what}; choose a folder of its own, e.g. out/NAME"]
    if not check_files:
        return []
    if p.exists() and not p.is_dir():
        return [f"{out_dir} exists and is not a folder"]
    if p.is_dir() and not overwrite:
        try:
            names = {e.name for e in p.iterdir()}
        except OSError as exc:
            return [f"{out_dir}: cannot list the folder: {exc.strerror or exc}"]
        if names and not names & set(RUN_MARKERS):
            return [f"{out_dir} is not empty and holds no curatrain run ({len(names)} entr{'y' if len(names) == 1 else 'ies'}); choose a new "
                    f"folder, or allow it with output.overwrite: true or curatrain run --force"]
    return []


class _TopLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = Field(0, ge=0)
    stages: list[Any] = Field(min_length=1)  # entries are validated one by one in parse_spec
    output: OutputSpec
    cache_dir: str | None = Field(None, description="stage cache folder; default <output.dir>/.cache")
    train: TrainSpec | None = None
    engine: Literal["local", "ray"] = Field(
        "local", description="how stages execute (pipelines.engines); results do not depend on it")
    workers: int | None = Field(None, ge=1, description="processes (local) or CPUs of a local Ray for "
                                                       "row-local stages; default: the cores available")


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
    overwrite: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    engine: str = "local"  #: not in ``digest``: outputs do not depend on the engine
    workers: int | None = None
    output: "OutputSpec | None" = None  #: save_to_disk / push_to_hub (``pipelines.publish``); not in ``digest``

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


def _cut(key: Any, limit: int = 40) -> str:
    """A key as shown in a place label, cut to ``limit`` characters."""
    text = str(key)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _label(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{_cut(p)}" for p in path).lstrip(".") or "(top)"


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
                size += visit(k, path, depth + 1) + visit(v, path + (k.value,), depth + 1)
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


def _model_in(ann: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``X``, ``list[X]``, ``X | None``...), if any."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in typing.get_args(ann):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(model: type[BaseModel], path: tuple) -> type[BaseModel] | None:
    """The model that holds the keys at ``path`` below ``model`` (list indices are skipped)."""
    ann: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        current = _model_in(ann)
        if current is None or part not in current.model_fields:
            return None
        ann = current.model_fields[part].annotation
    return _model_in(ann)


def did_you_mean(key: str, choices: list[str] | Any, listed: int = 12) -> str:
    """``"; did you mean 'threshold'?"`` for the nearest of ``choices`` (difflib, cutoff 0.6), else
    ``"; known keys: a, b"`` when there are at most ``listed`` choices, else ``""``."""
    choices = sorted(choices)
    key = str(key)
    near = difflib.get_close_matches(key, choices, n=1, cutoff=0.6) if len(key) <= 100 else []
    if near:
        return f"; did you mean {near[0]!r}?"
    return f"; known keys: {', '.join(choices)}" if 0 < len(choices) <= listed else ""


def unknown_key_message(model: type[BaseModel], loc: tuple) -> str:
    """``unknown key; did you mean 'x'?`` for the extra key at the end of ``loc`` below ``model``
    (also for ``--set`` overrides: ``unknown_key_message(TrainSpec, ("learning_rat",))``)."""
    holder = _model_at(model, tuple(loc[:-1]))
    return "unknown key" + (did_you_mean(loc[-1], list(holder.model_fields)) if holder else "")


def format_validation_error(exc: ValidationError, label: str = "", model: type[BaseModel] | None = None,
                            prefix: tuple = (), find=lambda path: None) -> list[str]:
    """One ``[line N: ]label.loc: message`` string per pydantic error; offending values are cut to
    80 characters and unknown keys get a did-you-mean against ``model``'s fields."""
    out = []
    for err in exc.errors():
        if err["type"] == "finite_number":  # already reported, with its place, by _check_nodes
            continue
        loc = tuple(err["loc"])
        where = label + "".join(f"[{p}]" if isinstance(p, int) else f".{_cut(p)}" for p in loc)
        where = where.lstrip(".")
        if err["type"] == "extra_forbidden":
            msg = unknown_key_message(model, loc) if model is not None else "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = f"{err['msg']} (got {short_repr(err.get('input'))})"
        line = find(prefix + loc) or find(prefix)
        out.append(f"line {line}: {where}: {msg}" if line else f"{where}: {msg}")
    return out


def _fmt_pydantic(exc: ValidationError, prefix: tuple, label: str, find, model=None) -> list[str]:
    return format_validation_error(exc, label, model, prefix, find)


def _name_stage(problem: str, raw: dict) -> str:
    """``line 8: stages[1].weights.a: ...`` → ``line 8: stages[1] (mix).weights.a: ...``."""
    m = re.match(r"(line \d+: stages\[(\d+)\])([.:])", problem)
    stages = raw.get("stages") if isinstance(raw.get("stages"), list) else []
    if m and int(m.group(2)) < len(stages) and isinstance(stages[int(m.group(2))], dict):
        name = stages[int(m.group(2))].get("stage")
        if isinstance(name, str) and len(name) <= 40:
            return f"{m.group(1)} ({name}){problem[m.end(1):]}"
    return problem


def _parsed_or_none(model: type[BaseModel], value: Any) -> BaseModel | None:
    try:
        return model.model_validate(value)
    except ValidationError:
        return None


def _loc_of(msg: str) -> tuple:
    """``("inputs", 0, "path")`` from a message that starts ``inputs[0].path: ...`` (else ``()``)."""
    m = re.match(r"([A-Za-z_]\w*(?:\[\d+\]|\.[A-Za-z_]\w*)*): ", msg)
    if not m:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in re.findall(r"[A-Za-z_]\w*|\d+", m.group(1)))


# ---------------------------------------------------------------- loading

def load_spec(path: str | Path, check_files: bool = True, overwrite: bool = False) -> PipelineSpec:
    """Read and validate a pipeline YAML. Raises ``SpecError`` listing every problem found.

    ``check_files``: also check that input files named by source stages exist (their params'
    ``missing_files()`` and ``check_inputs()``) and that ``output.dir`` may be written
    (``output_dir_problems``); ``overwrite``: see ``parse_spec``. A file larger than
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
    return parse_spec(text, str(path), check_files=check_files, overwrite=overwrite)


def parse_spec(text: str, path: str = "<string>", check_files: bool = True, overwrite: bool = False) -> PipelineSpec:
    """Validate pipeline YAML ``text`` (``path`` is used in messages). See ``load_spec``.

    ``overwrite`` allows an ``output.dir`` that is a non-empty folder holding no curatrain run, as
    ``output.overwrite: true`` does (``curatrain run --force``).

    The YAML is composed into nodes and checked (size, alias expansion, nesting, duplicate keys,
    non-finite numbers; see ``_check_nodes``) before any Python value is built from it.
    """
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(path, [f"text is larger than {MAX_SPEC_BYTES // (1 << 20)} MiB; a pipeline file is a short YAML"])
    root, raw, yaml_problems = _safe_yaml(text, path)
    if not isinstance(raw, dict):
        raise SpecError(path, ["the file must be a YAML mapping with name, stages and output"])
    find = _line_finder(root)
    problems: list[str] = [_name_stage(p, raw) for p in yaml_problems]

    top: _TopLevel | None = None
    try:
        top = _TopLevel.model_validate(raw)
    except ValidationError as exc:
        problems += _fmt_pydantic(exc, (), "", find, _TopLevel)

    stages: list[StageSpec] = []
    known: list[tuple[int, str, type[Stage]]] = []  # entries whose stage name is known, parsed or not
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
        known.append((i, name, cls))
        body = {k: v for k, v in entry.items() if k != "stage"}
        try:
            params = cls.Params.model_validate(body)
        except ValidationError as exc:
            problems += _fmt_pydantic(exc, ("stages", i), f"{label} ({name})", find, cls.Params)
            continue
        stages.append(StageSpec(i, name, cls, params))

    # One pass: the cross-stage and file checks run for every stage that parsed, beside the
    # problems above, each on the line of the key it names (or of its stage entry).
    def at(i: int, name: str, msg: str) -> str:
        line = find(("stages", i) + _loc_of(msg)) or find(("stages", i))
        return f"{'line %d: ' % line if line else ''}stages[{i}] ({name}): {msg}"

    for i, name, cls in known:
        if i == 0 and not cls.is_source:
            problems.append(at(i, name, "the first stage must read data (e.g. 'read')"))
        elif i > 0 and cls.is_source:
            problems.append(at(i, name, "only the first stage may read data"))
    pairs = [(s.name, s.params) for s in stages]
    for s in stages:
        for msg in s.cls.check(s.params, pairs):
            problems.append(at(s.index, s.name, msg))
        if check_files:
            for method in ("missing_files", "check_inputs"):
                for msg in getattr(s.params, method, lambda: [])():
                    problems.append(at(s.index, s.name, msg))
    if top is not None:  # the train: block against the stages that feed it (tokenizer, vocabulary, template)
        for msg in check_train_against_stages(top.train, pairs):
            key = tuple(msg.split(":", 1)[0].split("."))
            line = find(key) or find(("train",))
            problems.append(f"{'line %d: ' % line if line else ''}{msg}")
    output = top.output if top is not None else _parsed_or_none(OutputSpec, raw.get("output"))
    if output is not None:
        for msg in output_dir_problems(output.dir, overwrite or output.overwrite, check_files):
            line = find(("output", "dir")) or find(("output",))
            problems.append(f"{'line %d: ' % line if line else ''}output.dir: {msg}")
    if isinstance(raw.get("cache_dir"), str):
        for msg in output_dir_problems(raw["cache_dir"], True, False):
            problems.append(f"line {find(('cache_dir',))}: cache_dir: {msg}")

    if problems or top is None:
        def line_no(p: str) -> int:
            m = re.match(r"line (\d+)", p)
            return int(m.group(1)) if m else 1 << 30
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
        overwrite=top.output.overwrite or overwrite,
        raw=raw,
        engine=top.engine,
        workers=top.workers,
        output=top.output,
    )
