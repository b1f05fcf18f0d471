"""``read``: the source stage. Reads every input file, detects its format, and emits canonical rows.

Records that cannot be parsed or converted become rejects with ``drop_reason`` (e.g.
``json_syntax_error``, ``unrecognized_record``) and ``drop_detail`` naming ``file:line``; the run
goes on. Formats and detection rules are documented in ``curate.readers``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator

from curate.readers import FORMATS, read_file
from curate.registry import register
from curate.schema import empty_frame, empty_rejects, make_frame, REJECT_COLUMNS, SCHEMA
from curate.stage import Context, Stage, StageParams, StageResult


class InputSpec(BaseModel):
    """One input file: ``path`` (JSON, JSONL, Parquet; .gz/.zst/.bz2/.xz), ``source`` name, format."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field(min_length=1, description="file path, relative to the working directory")
    source: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="source name used by mix/reports")
    format: str = Field("auto", description="auto, or one of curate.readers.FORMATS")
    limit: int | None = Field(None, ge=1, description="read at most this many records")

    @field_validator("format")
    @classmethod
    def _known_format(cls, v: str) -> str:
        if v != "auto" and v not in FORMATS:
            raise ValueError(f"unknown format {v!r}; known: auto, {', '.join(FORMATS)}")
        return v


@register
class Read(Stage):
    """Read conversation dumps (ShareGPT, OpenAI messages, Alpaca, Dolly, OpenAssistant, hh-rlhf...)."""

    name = "read"
    version = "1"
    is_source = True

    class Params(StageParams):
        inputs: list[InputSpec] = Field(min_length=1, description="files to read")

        def missing_files(self) -> list[str]:
            return [f"inputs[{i}].path: file not found: {inp.path} (relative to {Path.cwd()})"
                    for i, inp in enumerate(self.inputs) if not Path(inp.path).is_file()]

    def fingerprint(self) -> str:
        """Content hash of every input file, so editing a file invalidates the cache."""
        h = hashlib.blake2b(digest_size=16)
        for inp in self.params.inputs:
            p = Path(inp.path)
            h.update(str(p).encode())
            if p.is_file():
                with p.open("rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
        return h.hexdigest()

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        kept, rejected, counters = [], [], {}
        for inp in self.params.inputs:
            res = read_file(Path(inp.path), inp.source, inp.format, limit=inp.limit)
            for w in res.warnings:
                ctx.log.warning("%s: %s", inp.path, w)
            if res.rows:
                kept.append(make_frame(res.rows))
            if res.rejects:
                rejected.append(_rejects_frame(res.rejects, self.name))
            counters[f"file.{Path(inp.path).name}"] = {
                "format": res.format, "records": res.records, "rows": len(res.rows),
                "rejected": len(res.rejects), "warnings": len(res.warnings),
            }
        out = pl.concat(kept) if kept else empty_frame()
        rej = pl.concat(rejected) if rejected else empty_rejects()
        counters["records"] = sum(c["records"] for c in counters.values() if isinstance(c, dict))
        return StageResult(kept=out, rejected=rej, counters=counters)


def _rejects_frame(rows: list[dict], stage: str) -> pl.DataFrame:
    import json

    data = {
        "id": [str(r["id"]) for r in rows],
        "source": [str(r["source"]) for r in rows],
        "messages": [r.get("messages") for r in rows],
        "meta": [json.dumps(r.get("meta") or {}, ensure_ascii=False) for r in rows],
        "drop_stage": [stage] * len(rows),
        "drop_reason": [r["drop_reason"] for r in rows],
        "drop_detail": [r.get("drop_detail") for r in rows],
    }
    return pl.DataFrame(data, schema={**SCHEMA, **REJECT_COLUMNS})
