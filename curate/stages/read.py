"""``read``: the source stage. Reads every input (files, folders, globs, CSV/TSV, Parquet, Arrow,
fsspec URLs), detects each record's layout by the synonym table, and emits canonical rows.

Records that cannot be parsed or converted become rejects with ``drop_reason`` (e.g.
``json_syntax_error``, ``unrecognized_record``, ``malformed_record``) and ``drop_detail`` naming
``file:line``; the run goes on. A record holding a prompt but no answer is a *prompt*: in a
``kind: conversations`` input it is rejected as ``prompt_only`` (with one log line per file); in a
``kind: prompts`` input every record is written to the artifact ``prompts.parquet`` (columns ``id``,
``source``, ``messages``, ``meta`` as JSON; conversations keep only their user turns, with
``meta.has_response``) for ``decontaminate``, and nothing enters the training frame. Layouts,
mapping keys and containers are documented in ``curate.readers``, ``curate.readers.synonyms`` and
``curate.readers.sources``.

Answer-only records (MT-Bench ``model_answer/*.jsonl``: ``{question_id, model_id, choices: [{turns}]}``)
are rejected as ``answer_without_prompt`` unless the input names its question file: ``prompts_from:
question.jsonl`` (any layout) and ``join_on: question_id`` (default) join each answer with its
question's user turns (``curate.readers.prompt_index``, ``formats.join_answers``); the fingerprint
covers the question file too.

Counters: ``file.<name>`` per data file: ``{path, format, layouts, records, rows, prompts, rejected,
rejected_by_reason, warnings}``, and ``records`` in all. A file that yields no conversation (in a
``kind: prompts`` input: no prompt) ends the stage with a ValueError naming it and its top reject
reason, unless its input says ``allow_empty: true``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from curate.progress import progress
from curate.readers import FORMATS, ReadError, prompt_index, read_file
from curate.readers.formats import Options
from curate.readers.sources import expand, file_signature, is_remote, load_records, missing_data
from curate.readers.synonyms import CANONICAL_ROLES
from curate.registry import register
from curate.schema import empty_frame, empty_rejects, make_frame, REJECT_COLUMNS, SCHEMA
from curate.stage import Context, Stage, StageParams, StageResult

Format = Literal[("auto", *FORMATS)]  # type: ignore[valid-type]
FieldName = Literal["prompt", "response", "context", "system", "id", "messages", "role", "content",
                    "history", "chosen", "rejected", "query"]
#: LLaMA-Factory ``dataset_info.json`` ``columns:`` names → our ``fields:`` names.
LF_COLUMNS = {"prompt": "prompt", "query": "context", "response": "response", "history": "history",
              "system": "system", "messages": "messages", "chosen": "response", "rejected": "rejected"}
LFColumn = Literal["prompt", "query", "response", "history", "system", "messages", "chosen", "rejected",
                   "tools", "images", "videos", "audios", "kto_tag"]
#: LLaMA-Factory ``tags:`` → our turn keys (``role``/``content``) or a role value.
LFTag = Literal["role_tag", "content_tag", "user_tag", "assistant_tag", "observation_tag", "function_tag",
                "system_tag"]
LF_TAG_ROLES = {"user_tag": "user", "assistant_tag": "assistant", "observation_tag": "tool",
                "function_tag": "assistant", "system_tag": "system"}
CHECK_RECORDS = 20


class InputSpec(BaseModel):
    """One input: a file, folder, glob or fsspec URL, with an optional explicit mapping."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field(min_length=1, description="file, folder, glob (data/*.jsonl.gz) or fsspec URL "
                      "(hf://datasets/..., s3://..., https://...); relative to the working directory")
    source: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="source name used by mix/reports")
    format: Format = Field("auto", description="auto (detect by the synonym table), or force one layout")
    kind: Literal["conversations", "prompts"] = Field(
        "conversations", description="conversations (training data) or prompts (an eval/prompt set, "
        "written to prompts.parquet for decontaminate, never trained on)")
    limit: int | None = Field(None, ge=1, description="read at most this many records per file")
    fields: dict[FieldName, str] = Field(default_factory=dict, description="explicit keys: {prompt: question, "
                                         "response: std_answer, system: sys, id: uid, messages: dialog, role: speaker, content: text}")
    roles: dict[str, str | list[str]] = Field(default_factory=dict, description="role values: {UTILISATEUR: user} "
                                              "or Axolotl's {user: [human, UTILISATEUR], assistant: [bot]}")
    columns: dict[LFColumn, str] = Field(default_factory=dict, description="LLaMA-Factory dataset_info columns: (prompt, query, response, ...)")
    tags: dict[LFTag, str] = Field(default_factory=dict, description="LLaMA-Factory dataset_info tags: (role_tag, user_tag, ...)")
    pairwise: Literal["better", "both"] = Field("better", description="two-answer files: keep the answer the file grades better, or both")
    outputs: Literal["best", "first", "all"] = Field(
        "best", description="records with several candidate answers: keep the one the file's own scores rate best "
        "(overall_score, score, rating, rank; the first when none is scored), the first, or all")
    allow_empty: bool = Field(False, description="a file yielding no conversation is not an error")
    prompts_from: str | None = Field(None, min_length=1, description="question file (any layout) to join answer-only "
                                     "records with, e.g. MT-Bench question.jsonl for its model_answer/*.jsonl")
    join_on: str = Field("question_id", min_length=1, description="key shared by the answers and prompts_from records")
    max_decompressed_mb: int | None = Field(None, ge=1, description="cap on a compressed file's decompressed size (MB)")
    max_compression_ratio: float | None = Field(None, gt=1, description="cap on decompressed/compressed size")

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, val in v.items():
            if isinstance(val, list):
                if key not in CANONICAL_ROLES:
                    raise ValueError(f"roles.{key}: a list maps source values to a role; {key!r} is not one of "
                                     f"{', '.join(CANONICAL_ROLES)}")
            elif val not in CANONICAL_ROLES and key not in CANONICAL_ROLES:
                raise ValueError(f"roles.{key}: {val!r} is not one of {', '.join(CANONICAL_ROLES)}")
        return v

    @model_validator(mode="after")
    def _no_clash(self) -> "InputSpec":
        for col, key in self.columns.items():
            ours = LF_COLUMNS.get(col)
            if ours and ours in self.fields and self.fields[ours] != key:
                raise ValueError(f"columns.{col} ({key!r}) and fields.{ours} ({self.fields[ours]!r}) disagree")
        return self

    def mapping(self) -> tuple[dict[str, str], dict[str, str]]:
        """``(fields, roles)`` with LLaMA-Factory's ``columns``/``tags`` folded in; ``roles`` as
        ``{source value: canonical role}``."""
        fields = {LF_COLUMNS[c]: k for c, k in self.columns.items() if c in LF_COLUMNS}
        fields.update(self.fields)
        roles: dict[str, str] = {}
        for tag, value in self.tags.items():
            if tag == "role_tag":
                fields.setdefault("role", value)
            elif tag == "content_tag":
                fields.setdefault("content", value)
            else:
                roles[value] = LF_TAG_ROLES[tag]
        for key, val in self.roles.items():
            if isinstance(val, list):
                roles.update({str(src): key for src in val})
            elif val in CANONICAL_ROLES:
                roles[key] = val
            else:  # {user: UTILISATEUR}: canonical → source value
                roles[val] = key
        return fields, roles

    def read_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``curate.readers.read_file`` (caps only when set)."""
        fields, roles = self.mapping()
        kw: dict[str, Any] = {"fields": fields or None, "roles": roles or None,
                              "options": Options(pairwise=self.pairwise, outputs=self.outputs)}
        if self.max_decompressed_mb is not None:
            kw["max_bytes"] = self.max_decompressed_mb * 1024 * 1024
        if self.max_compression_ratio is not None:
            kw["max_ratio"] = self.max_compression_ratio
        if self.prompts_from is not None:
            kw["join"] = (self.join_on, prompt_index(self.prompts_from, self.join_on))
        return kw


@register
class Read(Stage):
    """Read conversation dumps in any common layout (ShareGPT, OpenAI messages, Alpaca, question/answer,
    preference, pairwise, evaluation reports, prompt lists, oasst...), from files, folders, globs,
    CSV/TSV, Parquet, Arrow or fsspec URLs."""

    name = "read"
    version = "2"
    is_source = True

    class Params(StageParams):
        inputs: list[InputSpec] = Field(min_length=1, description="files, folders, globs or URLs to read")

        def missing_files(self) -> list[str]:
            """One message per local input that names no data file (a missing file, an empty
            folder, a glob that matches nothing); remote URLs are checked at run time."""
            out = []
            for i, inp in enumerate(self.inputs):
                for field, path in (("path", inp.path), ("prompts_from", inp.prompts_from)):
                    what = missing_data(path) if path is not None else None
                    if what:
                        out.append(f"inputs[{i}].{field}: {what}: {path} (relative to {Path.cwd()})")
            return out

        def check_inputs(self) -> list[str]:
            """Open the first records of each local input's first file; report a file whose
            layout cannot be recognised (with the keys it saw) and ``fields:`` naming absent keys."""
            out = []
            for i, inp in enumerate(self.inputs):
                if is_remote(inp.path) or (inp.prompts_from and is_remote(inp.prompts_from)):
                    continue
                files = expand(inp.path)
                if not files or (inp.prompts_from and not expand(inp.prompts_from)):
                    continue
                f = files[0]
                try:
                    if Path(f.location).stat().st_size > 512 << 20:
                        continue
                    res = read_file(f, inp.source, inp.format, limit=CHECK_RECORDS, **inp.read_kwargs())
                    box = load_records(f, CHECK_RECORDS)
                except (OSError, ReadError, ValueError) as exc:
                    out.append(f"inputs[{i}] ({f.name}): {str(exc)[:200]}")
                    continue
                keys, turn_keys = _keys_seen([r.value for r in box.records if r.error is None])
                fields, _ = inp.mapping()
                before = len(out)
                for meaning, key in fields.items():
                    pool = turn_keys if meaning in ("role", "content") else keys
                    if key not in pool:
                        shown = ", ".join(sorted(pool)[:20]) or "(none)"
                        out.append(f"inputs[{i}].fields.{meaning}: key {key!r} is not in the first {len(box.records)} "
                                   f"records of {f.name} (keys: {shown})")
                layout_rejects = [r for r in res.rejects if r["drop_reason"] != "json_syntax_error"]
                if len(out) == before and layout_rejects and not res.rows and not res.prompts:  # syntax errors: run time
                    top = next(iter(res.rejected_by_reason()), "none")
                    detail = res.rejects[0]["drop_detail"] if res.rejects else ""
                    hint = "name its question file with prompts_from: (and join_on:)" if top == "answer_without_prompt" \
                        else "name its keys with fields: or format:"
                    out.append(f"inputs[{i}] ({f.name}): none of the first {res.records} records could be read "
                               f"({top}): {detail[:200]}; {hint}")
            return out

    def fingerprint(self) -> str:
        """Hash of every matched file (content for local files, fsspec info for remote ones), so
        editing, adding or removing a file invalidates the cache."""
        h = hashlib.blake2b(digest_size=16)
        for inp in self.params.inputs:
            for path in (inp.path, inp.prompts_from):
                if path is None:
                    continue
                h.update(path.encode())
                for f in expand(path):
                    h.update(file_signature(f))
        return h.hexdigest()

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        kept, rejected, counters, prompt_rows, empty = [], [], {}, [], []
        for i, inp in enumerate(self.params.inputs):
            files = expand(inp.path)
            if not files:
                raise ValueError(f"inputs[{i}].path: no data file matches {inp.path}")
            kw = inp.read_kwargs()
            for f in progress(files, f"read: {inp.source}", unit="files"):
                res = read_file(f, inp.source, inp.format, limit=inp.limit, **kw)
                for w in res.warnings:  # containers' warnings already start with the file name
                    ctx.log.warning("%s", w if w.startswith(Path(f.name).name) else f"{f.location}: {w}")
                if inp.kind == "prompts":
                    prompt_rows += res.prompts
                    prompt_rows += [{**r, "messages": [m for m in r["messages"] if m["role"] == "user"],
                                     "meta": {**r["meta"], "has_response": True}} for r in res.rows]
                else:
                    if res.rows:
                        kept.append(make_frame(res.rows))
                    if res.prompts:
                        ctx.log.warning("%s: %d records hold prompts but no responses; read it with kind: prompts "
                                        "(e.g. as an eval set for decontaminate)", f.location, len(res.prompts))
                        res.rejects += [{**r, "meta": r["meta"], "drop_reason": "prompt_only",
                                         "drop_detail": f"{r['id'].split('/', 1)[-1]}: a prompt with no response "
                                                        f"({r['meta'].get('format')})"} for r in res.prompts]
                if res.rejects:
                    rejected.append(_rejects_frame(res.rejects, self.name))
                key = f"file.{f.name}" if f"file.{f.name}" not in counters else f"file.{inp.source}/{f.name}"
                counters[key] = {
                    "path": f.location, "format": res.format, "layouts": dict(res.layouts.most_common()),
                    "records": res.records, "rows": len(res.rows), "prompts": len(res.prompts),
                    "rejected": len(res.rejects), "rejected_by_reason": res.rejected_by_reason(),
                    "warnings": len(res.warnings),
                }
                if inp.kind == "prompts" and not res.rows and not res.prompts and not inp.allow_empty:
                    top = next(iter(res.rejected_by_reason().items()), None)
                    empty.append(f"{f.location}: 0 prompts read from {res.records} records"
                                 + (f", top reject reason {top[0]} ({top[1]})" if top else ""))
                if inp.kind == "conversations" and not res.rows and not inp.allow_empty:
                    top = next(iter(res.rejected_by_reason().items()), None)
                    why = f"top reject reason {top[0]} ({top[1]} of {res.records} records)" if top else \
                        f"{res.records} records"
                    hint = "; read it with kind: prompts" if top and top[0] == "prompt_only" else \
                        "; name its question file with prompts_from: (and join_on:)" if top and top[0] == "answer_without_prompt" \
                        else "; see curatrain inspect --stage read, or map its keys with fields:"
                    empty.append(f"{f.location}: 0 conversations read, {why}{hint}")
        if empty:
            raise ValueError("; ".join(empty) + " (allow_empty: true on the input accepts this)")
        out = pl.concat(kept) if kept else empty_frame()
        rej = pl.concat(rejected) if rejected else empty_rejects()
        counters["records"] = sum(c["records"] for c in counters.values() if isinstance(c, dict))
        artifacts = {}
        if prompt_rows:
            path = Path(ctx.artifact_dir) / "prompts.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            prompts_frame(prompt_rows).write_parquet(path)
            artifacts["prompts"] = str(path)
            counters["prompts"] = len(prompt_rows)
        return StageResult(kept=out, rejected=rej, counters=counters, artifacts=artifacts)


def _keys_seen(values: list[Any]) -> tuple[set[str], set[str]]:
    """Top-level keys of the records, and keys of the dicts inside their lists (turn keys)."""
    keys: set[str] = set()
    turn: set[str] = set()
    for v in values:
        if isinstance(v, dict):
            keys |= set(map(str, v))
            for x in v.values():
                if isinstance(x, list):
                    for t in x[:8]:
                        if isinstance(t, dict):
                            turn |= set(map(str, t))
    return keys, turn


def prompts_frame(rows: list[dict]) -> pl.DataFrame:
    """Prompt rows as a frame: ``id``, ``source``, ``messages`` (list of struct{role, content}),
    ``meta`` (JSON string)."""
    return pl.DataFrame(
        {"id": [str(r["id"]) for r in rows], "source": [str(r["source"]) for r in rows],
         "messages": [r["messages"] for r in rows],
         "meta": [json.dumps(r.get("meta") or {}, ensure_ascii=False, default=str) for r in rows]},
        schema={k: SCHEMA[k] for k in ("id", "source", "messages", "meta")})


def _rejects_frame(rows: list[dict], stage: str) -> pl.DataFrame:
    data = {
        "id": [str(r["id"]) for r in rows],
        "source": [str(r["source"]) for r in rows],
        "messages": [r.get("messages") for r in rows],
        "meta": [json.dumps(r.get("meta") or {}, ensure_ascii=False, default=str) for r in rows],
        "drop_stage": [stage] * len(rows),
        "drop_reason": [r["drop_reason"] for r in rows],
        "drop_detail": [r.get("drop_detail") for r in rows],
    }
    return pl.DataFrame(data, schema={**SCHEMA, **REJECT_COLUMNS})
