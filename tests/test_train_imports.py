"""Imports run one way: pipelines → train → curate.chat ← curate.stages (issue 14 item 1).

The graph is read with ``ast`` from every ``.py`` file under curate/ and train/, lazy imports inside
functions included, so nothing has to be imported (or installed) to check it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("curate", "train")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def import_graph() -> dict[str, set[str]]:
    """module → the modules it imports (absolute names; ``from a.b import c`` is ``a.b.c`` when that is
    a module of ours, else ``a.b``; relative imports resolved against the importing module)."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                edges.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for a in node.names:
                    full = f"{base}.{a.name}"
                    edges.add(full if full in mods else base)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle among our modules (one path per strongly connected component, Tarjan)."""
    ours = {m: {e for e in es if e in graph and e != m} for m, es in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(ours[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(ours):
        if v not in index:
            visit(v)
    return out


def test_graph_sees_known_edges():
    """The walker itself works: it finds edges we know exist (lazy ones included)."""
    g = import_graph()
    assert "curate.chat.templates" in g["curate.stages.chat_template"]
    assert "curate.chat.tokenizer" in g["train.model"]  # imported inside a function
    assert "train.launch" in g["train.cli"]


def test_curate_never_imports_train():
    g = import_graph()
    bad = sorted(f"{m} → {e}" for m, es in g.items() if m.split(".")[0] == "curate"
                 for e in es if e == "train" or e.startswith("train."))
    assert bad == []


def test_train_never_imports_curate_stages():
    g = import_graph()
    bad = sorted(f"{m} → {e}" for m, es in g.items() if m.split(".")[0] == "train"
                 for e in es if e == "curate.stages" or e.startswith("curate.stages."))
    assert bad == []


def test_no_import_circles():
    assert _cycles(import_graph()) == []


def test_cycle_finder_finds_a_planted_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
