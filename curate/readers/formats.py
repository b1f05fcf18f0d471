"""Record formats: detect a record's format from its keys, and convert it to canonical turns.

Every converter takes one record (a dict) and returns a list of ``(messages, meta)`` pairs (one
pair for almost every format; Self-Instruct records give one per instance). It raises
``Malformed`` with a short reason when a field the format needs is missing or has the wrong type.
The detection rules are listed in ``curate.readers``; the OpenAssistant tree formats are in
``curate.readers.oasst``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Message = dict[str, str]
Conversion = tuple[list[Message], dict[str, Any]]

#: ``from``/``role`` value → canonical role. ShareGPT and FastChat names (human, gpt, chatgpt, bard,
#: bing, model), LLaMA-Factory's tool-calling names (function_call → assistant; observation → tool),
#: OpenAI names (function → tool, developer → system) and OpenAssistant's prompter.
ROLE_MAP: dict[str, str] = {
    "system": "system", "developer": "system",
    "human": "user", "user": "user", "prompter": "user",
    "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant", "bard": "assistant",
    "bing": "assistant", "model": "assistant", "function_call": "assistant",
    "observation": "tool", "tool": "tool", "function": "tool", "ipython": "tool",
}

#: joins an instruction and its input/context into one user turn (Alpaca's prompt puts a blank
#: line between the ``### Instruction:`` and ``### Input:`` sections).
INPUT_SEP = "\n\n"


class Malformed(ValueError):
    """A record of a known format lacks a field it needs, or a field has the wrong type.

    ``reason`` is the reject's ``drop_reason`` (``malformed_record`` unless a subclass says otherwise).
    """

    reason = "malformed_record"


# ---------------------------------------------------------------- detection

def detect(rec: Any) -> str | None:
    """The format of one record, from its keys (first rule that matches), or None.

    Rules, in order: see the table in ``curate.readers``.
    """
    if not isinstance(rec, dict):
        return None
    k = rec.keys()
    if "message_tree_id" in k and "prompt" in k:
        return "oasst_tree"
    if "message_id" in k and "text" in k and "role" in k:
        return "oasst_nested" if "replies" in k else "oasst_flat"
    if "conversations" in k:
        return "sharegpt_preference" if "chosen" in k else "sharegpt"
    if "messages" in k:
        return "openai"
    if "chosen" in k:
        if isinstance(rec["chosen"], list):
            return "openai_preference"
        return "prompt_chosen" if "prompt" in k else "hh_rlhf"
    if "turns" in k:
        return "mt_bench"
    if "instruction" in k:
        if "instances" in k:
            return "self_instruct"
        if "context" in k or "category" in k:
            return "dolly"
        if "response" in k and "output" not in k:
            return "gpteacher"
        return "alpaca"
    return None


# ---------------------------------------------------------------- helpers

def _field(rec: dict, key: str, kind: type | tuple[type, ...] = str, *, required: bool = True, default: Any = None) -> Any:
    """``rec[key]`` checked against ``kind``; missing/None → ``Malformed`` if required, else ``default``."""
    value = rec.get(key)
    if value is None:
        if required:
            raise Malformed(f"missing field {key!r}" if key not in rec else f"field {key!r} is null")
        return default
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(t.__name__ for t in kind)
        raise Malformed(f"field {key!r} is {type(value).__name__}, expected {names}")
    return value


def _role(raw: Any, where: str) -> str:
    role = ROLE_MAP.get(raw.lower() if isinstance(raw, str) else raw)
    if role is None:
        raise Malformed(f"{where}: unknown role {raw!r}")
    return role


def _text(value: Any, where: str, *, allow_json: bool = False) -> str:
    if isinstance(value, str):
        return value
    if allow_json and isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        raise Malformed(f"{where}: content is null")
    raise Malformed(f"{where}: content is {type(value).__name__}, expected str")


def _json_str(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _lang_meta(rec: dict, meta: dict) -> None:
    for key in ("lang", "language"):
        value = rec.get(key)
        if isinstance(value, str):
            meta["lang"] = value
            return


def _original_id(rec: dict, meta: dict, *keys: str) -> None:
    for key in keys or ("id",):
        value = rec.get(key)
        if value is not None and not isinstance(value, (dict, list)):
            meta["original_id"] = str(value)
            return


def _join(*parts: str) -> str:
    return INPUT_SEP.join(p for p in parts if p)


# ---------------------------------------------------------------- ShareGPT family

def _sharegpt_turns(turns: Any, where: str = "conversations") -> tuple[list[Message], list[Any]]:
    """``[{from, value}]`` (or ``[{role, content}]``) → messages and per-turn ``language`` labels."""
    if not isinstance(turns, list):
        raise Malformed(f"field {where!r} is {type(turns).__name__}, expected list")
    msgs, langs = [], []
    for i, t in enumerate(turns):
        if not isinstance(t, dict):
            raise Malformed(f"{where}[{i}] is {type(t).__name__}, expected object")
        raw_role = t.get("from", t.get("role"))
        if raw_role is None:
            raise Malformed(f"{where}[{i}]: missing 'from'")
        role = _role(raw_role, f"{where}[{i}]")
        value = t["value"] if "value" in t else t.get("content")
        msgs.append({"role": role, "content": _text(value, f"{where}[{i}]", allow_json=role != "user")})
        langs.append(t.get("language") if isinstance(t.get("language"), str) else None)
    return msgs, langs


def _llamafactory_extras(rec: dict, msgs: list[Message], langs: list[Any], meta: dict) -> tuple[list[Message], list[Any]]:
    """Honour LLaMA-Factory's record-level ``system`` (prepended) and ``tools`` (kept in meta)."""
    system = rec.get("system")
    if isinstance(system, str) and system.strip():
        msgs = [{"role": "system", "content": system}, *msgs]
        langs = [None, *langs]
    elif system is not None and not isinstance(system, str):
        raise Malformed(f"field 'system' is {type(system).__name__}, expected str")
    tools = rec.get("tools")
    if tools not in (None, "", [], {}):
        meta["tools"] = _json_str(tools)
    return msgs, langs


def _finish(rec: dict, msgs: list[Message], langs: list[Any], meta: dict) -> Conversion:
    _original_id(rec, meta)
    _lang_meta(rec, meta)
    if any(lang is not None for lang in langs):
        meta["message_langs"] = langs
    return msgs, meta


def conv_sharegpt(rec: dict) -> list[Conversion]:
    """ShareGPT ``{conversations: [{from, value}], system?, tools?, id?, lang?}`` (FastChat, LLaMA-Factory)."""
    meta: dict[str, Any] = {}
    msgs, langs = _sharegpt_turns(_field(rec, "conversations", list))
    msgs, langs = _llamafactory_extras(rec, msgs, langs, meta)
    return [_finish(rec, msgs, langs, meta)]


def conv_sharegpt_preference(rec: dict) -> list[Conversion]:
    """LLaMA-Factory preference ``{conversations, chosen: {from, value}, rejected}``: the chosen turn is appended."""
    meta: dict[str, Any] = {}
    msgs, langs = _sharegpt_turns(_field(rec, "conversations", list))
    chosen, chosen_langs = _sharegpt_turns([_field(rec, "chosen", dict)], "chosen")
    msgs, langs = _llamafactory_extras(rec, msgs + chosen, langs + chosen_langs, meta)
    return [_finish(rec, msgs, langs, meta)]


# ---------------------------------------------------------------- OpenAI / HF messages

def _openai_content(m: dict, where: str, meta: dict) -> str:
    content = m.get("content")
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and part.get("type", "text") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, str):
                texts.append(part)
            else:
                meta["non_text_parts"] = meta.get("non_text_parts", 0) + 1
        return "\n".join(texts)
    if content is None and m.get("tool_calls"):
        return json.dumps(m["tool_calls"], ensure_ascii=False)
    return _text(content, where)


def _openai_turns(turns: Any, where: str, meta: dict) -> list[Message]:
    if not isinstance(turns, list):
        raise Malformed(f"field {where!r} is {type(turns).__name__}, expected list")
    msgs = []
    for i, m in enumerate(turns):
        if not isinstance(m, dict):
            raise Malformed(f"{where}[{i}] is {type(m).__name__}, expected object")
        if "role" not in m:
            raise Malformed(f"{where}[{i}]: missing 'role'")
        role = _role(m["role"], f"{where}[{i}]")
        msgs.append({"role": role, "content": _openai_content(m, f"{where}[{i}]", meta)})
    return msgs


def conv_openai(rec: dict) -> list[Conversion]:
    """OpenAI / HF ``{messages: [{role, content}]}``; ``content`` may be a list of ``{type: text, text}`` parts
    (text parts joined with a newline; other parts counted in ``meta.non_text_parts``)."""
    meta: dict[str, Any] = {}
    msgs = _openai_turns(_field(rec, "messages", list), "messages", meta)
    msgs, langs = _llamafactory_extras(rec, msgs, [None] * len(msgs), meta)
    return [_finish(rec, msgs, langs, meta)]


def conv_openai_preference(rec: dict) -> list[Conversion]:
    """HF preference ``{prompt?, chosen: [messages], rejected}``: ``prompt`` (list or str) + ``chosen``."""
    meta: dict[str, Any] = {}
    chosen = _openai_turns(_field(rec, "chosen", list), "chosen", meta)
    prompt = rec.get("prompt")
    if isinstance(prompt, list):
        msgs = _openai_turns(prompt, "prompt", meta) + chosen
    elif isinstance(prompt, str):
        msgs = [{"role": "user", "content": prompt}, *chosen]
    elif prompt is None:
        msgs = chosen
    else:
        raise Malformed(f"field 'prompt' is {type(prompt).__name__}, expected list or str")
    return [_finish(rec, msgs, [None] * len(msgs), meta)]


# ---------------------------------------------------------------- hh-rlhf

_HH_MARK = re.compile(r"\n\n(Human|Assistant):[ ]?")


def split_hh(text: str, where: str = "chosen") -> list[Message]:
    """Split an hh-rlhf dialogue string on ``\\n\\nHuman:`` / ``\\n\\nAssistant:`` markers.

    The one space after a marker is removed; text before the first marker must be blank.
    Raises ``Malformed`` when there is no marker.
    """
    parts = _HH_MARK.split(text)
    if len(parts) < 3:
        raise Malformed(f"{where}: no '\\n\\nHuman:' / '\\n\\nAssistant:' markers")
    if parts[0].strip():
        raise Malformed(f"{where}: text before the first Human/Assistant marker")
    return [{"role": "user" if who == "Human" else "assistant", "content": body}
            for who, body in zip(parts[1::2], parts[2::2])]


def conv_hh_rlhf(rec: dict) -> list[Conversion]:
    """Anthropic hh-rlhf ``{chosen: str, rejected: str}``: the ``chosen`` dialogue, split on its markers."""
    return [(split_hh(_field(rec, "chosen", str)), {})]


def conv_prompt_chosen(rec: dict) -> list[Conversion]:
    """``{prompt: str, chosen: str}``: a user prompt and the chosen answer. A prompt holding hh-rlhf
    markers is split as a dialogue and ``chosen`` continues it."""
    prompt = _field(rec, "prompt", str)
    chosen = _field(rec, "chosen", str)
    meta: dict[str, Any] = {}
    _original_id(rec, meta)
    if _HH_MARK.search(prompt):
        return [(split_hh(prompt + chosen, "prompt+chosen"), meta)]
    return [([{"role": "user", "content": prompt}, {"role": "assistant", "content": chosen}], meta)]


# ---------------------------------------------------------------- instruction formats

def _history(rec: dict) -> list[Message]:
    hist = rec.get("history")
    if hist is None:
        return []
    if not isinstance(hist, list):
        raise Malformed(f"field 'history' is {type(hist).__name__}, expected list")
    msgs = []
    for i, pair in enumerate(hist):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            raise Malformed(f"history[{i}] is not a [user, assistant] pair of strings")
        msgs += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    return msgs


def _instruction(rec: dict, answer_key: str, input_key: str = "input") -> list[Conversion]:
    meta: dict[str, Any] = {}
    instruction = _field(rec, "instruction", str)
    extra = _field(rec, input_key, str, required=False, default="")
    answer = _field(rec, answer_key, str)
    msgs: list[Message] = []
    system = _field(rec, "system", str, required=False, default="")
    if system.strip():
        msgs.append({"role": "system", "content": system})
    msgs += _history(rec)
    msgs += [{"role": "user", "content": _join(instruction, extra)}, {"role": "assistant", "content": answer}]
    _original_id(rec, meta)
    _lang_meta(rec, meta)
    if isinstance(rec.get("category"), str):
        meta["category"] = rec["category"]
    return [(msgs, meta)]


def conv_alpaca(rec: dict) -> list[Conversion]:
    """Alpaca ``{instruction, input?, output, system?, history?}`` (LLaMA-Factory's alpaca layout).

    User turn = instruction and input joined by a blank line (input optional); ``history``
    ``[[user, assistant], ...]`` goes before it and ``system`` first.
    """
    return _instruction(rec, "output")


def conv_gpteacher(rec: dict) -> list[Conversion]:
    """GPTeacher ``{instruction, input?, response}``: Alpaca with ``response`` for ``output``."""
    return _instruction(rec, "response")


def conv_dolly(rec: dict) -> list[Conversion]:
    """Dolly ``{instruction, context?, response, category?}``: context joined to the instruction;
    ``category`` kept in meta."""
    return _instruction(rec, "response", input_key="context")


def conv_self_instruct(rec: dict) -> list[Conversion]:
    """Self-Instruct user-oriented ``{id, instruction, instances: [{input, output}], motivation_app?}``.

    One conversation per instance (instruction + instance input → output).
    """
    instruction = _field(rec, "instruction", str)
    instances = _field(rec, "instances", list)
    if not instances:
        raise Malformed("field 'instances' is empty")
    out = []
    for i, inst in enumerate(instances):
        if not isinstance(inst, dict):
            raise Malformed(f"instances[{i}] is {type(inst).__name__}, expected object")
        try:
            extra = _field(inst, "input", str, required=False, default="")
            answer = _field(inst, "output", str)
        except Malformed as exc:
            raise Malformed(f"instances[{i}]: {exc}") from None
        meta: dict[str, Any] = {}
        _original_id(rec, meta)
        if isinstance(rec.get("motivation_app"), str):
            meta["motivation_app"] = rec["motivation_app"]
        out.append(([{"role": "user", "content": _join(instruction, extra)},
                     {"role": "assistant", "content": answer}], meta))
    return out


def conv_mt_bench(rec: dict) -> list[Conversion]:
    """MT-Bench style prompt-only ``{question_id, category, turns: [str, ...]}``: user turns only.

    No answers exist, so the normalize stage rejects these as ``no_assistant_turn`` (on purpose:
    they are evaluation prompts, and nothing is dropped silently here).
    """
    turns = _field(rec, "turns", list)
    if not turns or not all(isinstance(t, str) for t in turns):
        raise Malformed("field 'turns' must be a non-empty list of strings")
    meta: dict[str, Any] = {}
    _original_id(rec, meta, "question_id", "id")
    if isinstance(rec.get("category"), str):
        meta["category"] = rec["category"]
    return [([{"role": "user", "content": t} for t in turns], meta)]


CONVERTERS: dict[str, Callable[[dict], list[Conversion]]] = {
    "sharegpt": conv_sharegpt,
    "sharegpt_preference": conv_sharegpt_preference,
    "openai": conv_openai,
    "openai_preference": conv_openai_preference,
    "prompt_chosen": conv_prompt_chosen,
    "hh_rlhf": conv_hh_rlhf,
    "alpaca": conv_alpaca,
    "gpteacher": conv_gpteacher,
    "dolly": conv_dolly,
    "self_instruct": conv_self_instruct,
    "mt_bench": conv_mt_bench,
}
