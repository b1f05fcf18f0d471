"""Readers for raw conversation dumps, with format auto-detection. (Being written: see read_file.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS: tuple[str, ...] = ()


@dataclass
class ReadResult:
    """What ``read_file`` returns.

    Attributes:
        rows: canonical rows ``{id, source, messages: [{role, content}], meta: dict}``.
        rejects: ``{id, source, messages (list or None), meta: dict, drop_reason, drop_detail}``.
        format: the detected (or given) format name.
        records: records seen in the file (rows + rejects, before any tree flattening).
        warnings: human-readable notes (e.g. a trailing comma read leniently).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    format: str = "unknown"
    records: int = 0
    warnings: list[str] = field(default_factory=list)


def read_file(path: Path, source: str, fmt: str = "auto", limit: int | None = None) -> ReadResult:
    raise NotImplementedError("readers are being written")
