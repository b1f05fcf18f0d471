"""A small stand-in loader for benchmarks and ``curatrain dedup-eval`` on raw files.

It understands the common shapes only: Alpaca (``instruction``/``input``/``output`` or
``response``, optional ``history``), ShareGPT (``conversations[{from, value}]``), OpenAI
``messages``, hh-rlhf (``chosen`` string with ``Human:``/``Assistant:`` markers), oasst message
trees (first branch, rank-0 replies) and single-text records (``text``/``question``/``turns``).
JSON arrays, JSON Lines (also behind a ``.json`` name), ``.gz``, and a trailing comma before the
closing bracket are accepted. Records it cannot map are skipped and counted.

This is **not** the project's reader (``curate.readers``, ``read`` stage); ``load_rows`` uses
that one when it is importable and falls back to the shapes above otherwise.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

_ROLE = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant",
         "bing": "assistant", "bard": "assistant", "system": "system", "function_call": "assistant",
         "observation": "tool", "tool": "tool", "prompter": "user"}


def _records(path: Path) -> list[Any]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", "replace").strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return json.loads(re.sub(r",\s*\]\s*$", "]", text))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def _oasst_branch(node: dict) -> list[dict]:
    msgs = []
    while node:
        msgs.append({"role": _ROLE.get(node.get("role", ""), "user"), "content": node.get("text") or ""})
        replies = node.get("replies") or []
        if not replies:
            break
        node = sorted(replies, key=lambda r: (r.get("rank") is None, r.get("rank") or 0))[0]
    return msgs


def to_messages(rec: Any) -> list[dict] | None:
    """Map one record to ``[{role, content}]`` or None if its shape is unknown."""
    if not isinstance(rec, dict):
        return None
    if "conversations" in rec and isinstance(rec["conversations"], list):
        msgs = [{"role": _ROLE.get(str(t.get("from", "")).lower(), "user"), "content": str(t.get("value") or "")}
                for t in rec["conversations"] if isinstance(t, dict)]
        if isinstance(rec.get("chosen"), dict):
            msgs.append({"role": "assistant", "content": str(rec["chosen"].get("value") or "")})
        return msgs or None
    if "messages" in rec and isinstance(rec["messages"], list):
        return [{"role": str(m.get("role")), "content": str(m.get("content") or "")} for m in rec["messages"]] or None
    if "instruction" in rec:
        msgs = []
        for pair in rec.get("history") or []:
            if isinstance(pair, list) and len(pair) == 2:
                msgs += [{"role": "user", "content": str(pair[0])}, {"role": "assistant", "content": str(pair[1])}]
        prompt = str(rec.get("instruction") or "")
        if rec.get("input"):
            prompt += "\n\n" + str(rec["input"])
        out = rec.get("output", rec.get("response"))
        if out is None and isinstance(rec.get("instances"), list) and rec["instances"]:
            inst = rec["instances"][0]
            if inst.get("input"):
                prompt += "\n\n" + str(inst["input"])
            out = inst.get("output")
        msgs += [{"role": "user", "content": prompt}, {"role": "assistant", "content": str(out or "")}]
        return msgs
    if isinstance(rec.get("chosen"), str):
        parts = re.split(r"\n\n(Human|Assistant): ", "\n\n" + rec["chosen"].lstrip())
        msgs = [{"role": "user" if parts[i] == "Human" else "assistant", "content": parts[i + 1]}
                for i in range(1, len(parts) - 1, 2)]
        return msgs or None
    if isinstance(rec.get("prompt"), dict):
        return _oasst_branch(rec["prompt"])
    if "text" in rec and "role" in rec and "replies" in rec:
        return _oasst_branch(rec)
    if "text" in rec and "role" in rec:
        return [{"role": _ROLE.get(rec["role"], "user"), "content": str(rec["text"] or "")}]
    if isinstance(rec.get("turns"), list):
        return [{"role": "user", "content": str(t)} for t in rec["turns"]]
    for key in ("text", "question", "prompt"):
        if isinstance(rec.get(key), str):
            return [{"role": "user", "content": rec[key]}]
    return None


def quick_rows(path: str | Path, source: str | None = None, limit: int | None = None) -> list[dict]:
    """Canonical row dicts (``id``, ``source``, ``messages``) from one file with the shapes above.
    ``id`` is ``source/file#index``. Raises ``OSError``/``json.JSONDecodeError`` for unreadable files."""
    path = Path(path)
    source = source or re.sub(r"[^A-Za-z0-9_.-]+", "_", path.name.split(".")[0])
    rows = []
    for i, rec in enumerate(_records(path)):
        if limit is not None and len(rows) >= limit:
            break
        msgs = to_messages(rec)
        if msgs:
            rows.append({"id": f"{source}/{path.name}#{i}", "source": source, "messages": msgs})
    return rows


def load_rows(paths: list[str | Path], limit: int | None = None, use_readers: bool = True) -> list[dict]:
    """Rows from every file in ``paths``: via ``curate.readers.read_file`` if available (and
    ``use_readers``), else ``quick_rows``. Directories are expanded to their ``*.json*`` files."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(x for x in p.iterdir() if ".json" in x.name) if p.is_dir() else [p]
    reader = None
    if use_readers:
        try:
            from curate.readers import read_file as reader  # type: ignore[no-redef]
        except ImportError:
            reader = None
    rows: list[dict] = []
    for f in files:
        source = re.sub(r"[^A-Za-z0-9_.-]+", "_", f.name.split(".")[0])
        if reader is not None:
            try:
                rows += list(reader(f, source, "auto", limit=limit).rows)
                continue
            except Exception:  # noqa: BLE001 - fall back to the quick shapes
                pass
        rows += quick_rows(f, source, limit)
    return rows
