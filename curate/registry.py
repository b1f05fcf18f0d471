"""Name → stage class registry. The YAML ``stage:`` key looks names up here.

Every module in ``curate/stages/`` is imported once, on first use, and registers its classes with
``@register``; so adding a stage touches its own file and a test, nothing else.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil

from curate.stage import Stage

_REGISTRY: dict[str, type[Stage]] = {}
_loaded = False


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make ``cls`` available under ``cls.name``. Raises ``ValueError`` on a clash."""
    name = cls.name
    if not name.isidentifier() or name != name.lower():
        raise ValueError(f"stage name {name!r} must be snake_case")
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ValueError(f"stage name {name!r} registered twice ({_REGISTRY[name].__module__}, {cls.__module__})")
    _REGISTRY[name] = cls
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    import curate.stages as pkg

    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")
    _loaded = True


def available() -> dict[str, type[Stage]]:
    """All registered stages, by name (sorted)."""
    _load()
    return dict(sorted(_REGISTRY.items()))


def get(name: str) -> type[Stage]:
    """The stage class called ``name``. Raises ``KeyError`` with a near-miss suggestion."""
    stages = available()
    if name in stages:
        return stages[name]
    raise KeyError(unknown_stage_message(name))


def unknown_stage_message(name: str) -> str:
    """``unknown stage 'nam'; did you mean 'name'?`` (difflib, cutoff 0.6), else the list of known
    stages. The name is quoted cut to 60 characters, and a long one gets no (slow) fuzzy match."""
    name = str(name)
    near = difflib.get_close_matches(name, list(available()), n=1, cutoff=0.6) if len(name) <= 100 else []
    hint = f"; did you mean {near[0]!r}?" if near else f"; known stages: {', '.join(available())}"
    shown = repr(name) if len(name) <= 60 else repr(name[:57] + "...")
    return f"unknown stage {shown}{hint}"
