"""Record layouts: detect a record's layout by meaning (the synonym table), and convert it to turns.

``detect(rec, vocab)`` names the layout of one record by the first rule of ``LAYOUTS`` that
matches; the key names it looks for come from ``curate.readers.synonyms`` (or from an input's
explicit mapping). Every converter takes ``(record, vocab, options)`` and returns a list of
``(messages, meta)`` pairs (one for almost every layout; Self-Instruct instances, ``outputs: all``
and ``pairwise: both`` give several). A pair whose messages hold no assistant turn is a *prompt*
(``read_file`` puts it in ``ReadResult.prompts``). Converters raise ``Malformed`` with a short
reason when a field has the wrong type or is missing; ``read_file`` turns that, and any
TypeError/ValueError/KeyError/AttributeError/RecursionError, into a ``malformed_record`` reject.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from curate.readers.synonyms import (
    ANSWER_ONLY_KEYS, BOOKKEEPING_TOKENS, DEFAULT, GRADE_TOKENS, NESTED_KEYS, PREFERENCE_PAIRS, ROLE_VALUES, SIDES,
    STRING_DIALOGUE_KEYS, VERDICT_TOKENS, WINNER_TOKENS, Vocab, is_prompt_key, is_response_key, tokens,
)

Message = dict[str, str]
Conversion = tuple[list[Message], dict[str, Any]]

#: role value → canonical role (the synonym table's ``ROLE_VALUES``; kept under its old name).
ROLE_MAP: dict[str, str] = ROLE_VALUES

#: joins an instruction and its input/context into one user turn (Alpaca's prompt puts a blank
#: line between the ``### Instruction:`` and ``### Input:`` sections).
INPUT_SEP = "\n\n"

#: depth to which nested answers (evaluation reports) and message text are searched.
MAX_DEPTH = 6


@dataclass(frozen=True)
class Options:
    """Per-input reading options.

    Attributes:
        pairwise: ``better`` (default) keeps the answer the file's own grade or winner prefers;
            ``both`` keeps each answer as its own conversation.
        outputs: for a record holding several candidate answers (evaluation reports,
            ``completions: [...]``): ``best`` (default) keeps the candidate the file's own score
            fields rate highest (``overall_score``, ``score``, ``rating``, ``reward``; a ``rank`` is
            lower-better; fine-grained ``{aspect: {rating: n}}`` ratings averaged; see ``_score``)
            and the lowest-rated one in ``meta.rejected``, or the first when no candidate carries a
            score; ``first`` keeps the first; ``all`` keeps one conversation per candidate.
    """

    pairwise: str = "better"
    outputs: str = "best"


DEFAULT_OPTIONS = Options()


class Malformed(ValueError):
    """A record of a known layout has a field of the wrong type, or lacks one it needs.

    ``reason`` is the reject's ``drop_reason`` (``malformed_record`` unless a subclass says otherwise).
    """

    reason = "malformed_record"


class AnswerWithoutPrompt(Malformed):
    """A record holds answers and no prompt (MT-Bench model-answer files): it cannot become a
    conversation or a prompt on its own; rejected as ``answer_without_prompt``."""

    reason = "answer_without_prompt"


# ---------------------------------------------------------------- key lookup

@lru_cache(maxsize=4096)
def _lower_map(keys: tuple) -> dict[str, Any]:
    return {str(x).lower(): x for x in reversed(keys)}  # the first spelling wins


def _get(rec: dict, keys: tuple[str, ...], *, present: bool = False) -> tuple[str | None, Any]:
    """First key of ``keys`` (exact, else case-insensitive) whose value is not None/""/[]/{}
    (``present=True``: any value, even empty). Returns ``(record_key, value)`` or ``(None, None)``."""
    lower = None
    for k in keys:
        if k in rec:
            real = k
        else:
            if lower is None:
                lower = _lower_map(tuple(rec))
            real = lower.get(k.lower())
            if real is None:
                continue
        v = rec[real]
        if present or not _empty(v):
            return real, v
    return None, None


def _empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, (list, dict)):
        return not v
    return False


def _maybe_json(v: Any) -> Any:
    """A string holding a JSON list/object (CSV cells, some Parquet columns) → the parsed value."""
    if isinstance(v, str):
        s = v.strip()
        if s[:1] in "[{" and s[-1:] in "]}":
            try:
                return json.loads(s)
            except (json.JSONDecodeError, RecursionError):
                return v
    return v


def _maybe_turns(v: Any, vocab: Vocab) -> Any:
    """A string holding JSON messages (a CSV cell) → the parsed messages; any other value as is
    (answers that are JSON text stay text)."""
    parsed = _maybe_json(v)
    if parsed is v:
        return v
    items = parsed if isinstance(parsed, list) else [parsed]
    if items and all(isinstance(x, dict) and _role_value(x, vocab)[0] for x in items):
        return parsed
    return v


def _role_value(t: dict, vocab: Vocab) -> tuple[bool, Any]:
    for k in vocab.role:
        if k in t:
            return True, t[k]
    return False, None


def _is_turn(t: Any, vocab: Vocab) -> bool:
    if isinstance(t, str):
        return True
    if not isinstance(t, dict):
        return False
    has, raw = _role_value(t, vocab)
    if has and isinstance(raw, (str, dict)):
        return True
    if _pair_turn(t, vocab) is not None:
        return True
    if any(k in t for k in vocab.text):
        return not (_get(t, vocab.prompt[:8])[0] or any(k in t for k in ("output", "response", "answer")))
    return False


def _pair_turn(t: dict, vocab: Vocab) -> tuple[str, str] | None:
    """``(prompt_key, response_key)`` of a turn holding a whole exchange, as Firefly's
    ``conversation: [{"human": ..., "assistant": ...}]``; else None."""
    if len(t) > 6:
        return None
    pk, _ = _get(t, vocab.prompt[:12], present=True)
    if pk is None:
        return None
    rk, _ = _get(t, vocab.response, present=True)
    return (pk, rk) if rk is not None and rk != pk else None


def _columnar(v: Any, vocab: Vocab) -> list | None:
    """``{"role": [...], "content": [...]}`` (messages stored column-wise, as some Parquet exports
    do) → a list of turn dicts; None for anything else."""
    if not isinstance(v, dict):
        return None
    rk, roles = _get(v, vocab.role, present=True)
    tk, texts = _get(v, vocab.text, present=True)
    if rk is None or tk is None or not isinstance(roles, list) or not isinstance(texts, list) or len(roles) != len(texts):
        return None
    return [{rk: r, tk: x} for r, x in zip(roles, texts)]


_TURN_KEY = re.compile(r"^(?:turn|round|step|t|r)?[ _-]?(\d{1,6})$", re.I)
#: a speaker tag written into the text (MOSS ``"<|Human|>: hi<eoh>"``): the tag, and the
#: ``<eoX>`` end-of-turn marker that closes such text.
_SPEAKER_TAG = re.compile(r"^\s*<\|([^|<>\n]{1,40})\|>[ \t]*[:：][ \t]*")
_END_TAG = re.compile(r"\s*<eo[a-z]{1,2}>\s*$")


def _strip_speaker_tag(text: str, speaker: str | None = None) -> str:
    """``"<|Human|>: hi<eoh>"`` → ``"hi"``: a leading ``<|name|>:`` tag is removed (with the
    ``<eoX>`` marker ending the text) when ``name`` is the turn's speaker, a known role name, or
    ``speaker`` is None; other text is returned as is."""
    m = _SPEAKER_TAG.match(text)
    if m is None:
        return text
    name = m.group(1).strip()
    if speaker is not None and name.lower() != speaker.strip().lower() and DEFAULT.role_of(name) is None:
        return text
    return _END_TAG.sub("", text[m.end():])


#: words in an unknown speaker name that make its turn a tool turn (MOSS ``Tool Responses``).
_TOOL_WORDS = frozenset({"tool", "tools", "result", "results", "observation", "observations", "function", "api"})


def _turn_dict(v: Any, vocab: Vocab) -> list | None:
    """A conversation stored as an object of turns, as MOSS's ``{"turn_1": {"Human": "<|Human|>: ..",
    "MOSS": "<|MOSS|>: .."}, "turn_2": ...}`` or ``{"0": {"role": .., "content": ..}, "1": ...}``
    → a list of turn dicts in the order of the keys' numbers (``turn_N``, ``round_N``, ``N``).

    Inside a turn without a role key each ``speaker: text`` item is one turn, in item order; a
    leading ``<|tag|>:`` is stripped (``_strip_speaker_tag``) and items whose text is empty or ``None``
    (MOSS's unused ``Inner Thoughts``/``Commands`` slots) are left out. One or two speaker names
    the table does not know are guessed by position (``_guess_roles``); with a known user and more
    unknown names (MOSS plugin data: ``Inner Thoughts``, ``Commands``, ``Tool Responses``, ``MOSS``)
    a name with a tool word (``tool``, ``results``, ``observation``...) is ``tool`` and the others
    ``assistant``. None when ``v`` is not such an object.
    """
    if not isinstance(v, dict) or not v:
        return None
    keyed = []
    for k, t in v.items():
        m = _TURN_KEY.match(str(k))
        if m is None or not isinstance(t, dict) or not t:
            return None
        keyed.append((int(m.group(1)), t))
    keyed.sort(key=lambda x: x[0])
    turns: list[list] = []
    for _, t in keyed:
        if _role_value(t, vocab)[0]:
            turns.append([t])
            continue
        items = []
        for speaker, text in t.items():
            if text is None:
                continue
            if not isinstance(text, str):
                return None
            text = _strip_speaker_tag(text).strip()  # the item's key already names its speaker
            if text and text != "None":
                items.append({"role": str(speaker), "content": text})
        turns.append(items)
    unknown = {t["role"] for items in turns for t in items if vocab.role_of(t["role"]) is None}
    has_user = any(vocab.role_of(t["role"]) == "user" for items in turns for t in items)
    if len(unknown) > 1 and has_user:  # MOSS plugin turns: Human, Inner Thoughts, Commands, Tool Responses, MOSS
        for items in turns:
            for t in items:
                if t["role"] in unknown:
                    t["role"] = "tool" if set(tokens(t["role"])) & _TOOL_WORDS else "assistant"
    out = [t for items in turns for t in items]
    return out or None


_NUMBERED_TURN = re.compile(r"^(message|msg|utterance|utt)[ _-]?(\d{1,3})$", re.I)


def _numbered_turns(rec: dict) -> list[str] | None:
    """Keys of a dialogue stored as numbered fields, CAMEL-style ``message_1`` (user),
    ``message_2`` (assistant), ``message_3``...: at least two string fields named
    ``message``/``msg``/``utterance``/``utt`` + a number, numbered from 0 or 1 without gaps; in
    number order. None otherwise. (``turn_N`` strings are left out: they may be a question file's
    turns.)"""
    found: dict[int, str] = {}
    stem = None
    for k, v in rec.items():
        m = _NUMBERED_TURN.match(k) if isinstance(k, str) and k[-1:].isdigit() else None
        if m is None:
            continue
        if not isinstance(v, str) or (stem is not None and m.group(1).lower() != stem):
            return None
        stem = m.group(1).lower()
        found[int(m.group(2))] = k
    if len(found) < 2:
        return None
    nums = sorted(found)
    if nums != list(range(nums[0], nums[0] + len(nums))) or nums[0] > 1:
        return None
    return [found[n] for n in nums]


def _conversation_key(rec: dict, vocab: Vocab) -> str | None:
    """Key of a list of turns (see ``Vocab.conversation``), or None. An empty list counts; so do
    column-wise turns and turn dicts (``_columnar``, ``_turn_dict``), and a list of ≥ 2 strings
    under ``STRING_DIALOGUE_KEYS`` (``data``) beside an id key and no prompt or answer key (UltraChat
    ``{"id", "data": [q, a]}``)."""
    for k in vocab.conversation:
        real, v = _get(rec, (k,), present=True)
        if real is None:
            continue
        v = _maybe_json(v)
        if isinstance(v, dict):
            v = _columnar(v, vocab) or _turn_dict(v, vocab)
        if isinstance(v, list) and (not v or all(_is_turn(t, vocab) for t in v[:4])):
            return real
    if "conversation" not in vocab.mapped:
        real, v = _get(rec, STRING_DIALOGUE_KEYS)
        if (isinstance(v, list) and len(v) >= 2 and all(isinstance(x, str) for x in v)
                and _get(rec, vocab.id)[0] is not None and _get(rec, vocab.prompt)[0] is None
                and _get(rec, vocab.response)[0] is None):
            return real
    return None


# ---------------------------------------------------------------- text and turns

def _text(value: Any, where: str, vocab: Vocab = DEFAULT, *, allow_json: bool = False, depth: int = 0) -> str:
    """Text of a turn's content: a string; a dict holding a text key (``{"text": ...}``, ChatGPT's
    ``{"parts": [...]}``); a list of strings or ``{type: text, text}`` parts (joined by newlines)."""
    if isinstance(value, str):
        return value
    if depth > MAX_DEPTH:
        raise Malformed(f"{where}: content nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        k, v = _get(value, vocab.text, present=True)
        if k is not None and v is not None:
            return _text(v, f"{where}.{k}", vocab, allow_json=allow_json, depth=depth + 1)
        if allow_json:
            return json.dumps(value, ensure_ascii=False)
        raise Malformed(f"{where}: content is an object without a text key (keys: {_keys_list(value)})")
    if isinstance(value, list):
        if allow_json and value and all(isinstance(p, dict) and not any(k in p for k in vocab.text) for p in value):
            return json.dumps(value, ensure_ascii=False)
        parts = []
        for i, p in enumerate(value):
            if isinstance(p, dict) and p.get("type", "text") not in ("text", "input_text", "output_text"):
                continue  # image/audio parts carry no text
            parts.append(_text(p, f"{where}[{i}]", vocab, allow_json=allow_json, depth=depth + 1))
        return "\n".join(parts)
    if value is None:
        raise Malformed(f"{where}: content is null")
    raise Malformed(f"{where}: content is {type(value).__name__}, expected text")


def _keys_list(d: dict) -> str:
    keys = sorted(map(str, d))
    return ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "")


def _role(raw: Any, where: str, vocab: Vocab = DEFAULT) -> str:
    if isinstance(raw, dict):  # ChatGPT export: "author": {"role": "user", ...}
        has, inner = _role_value(raw, vocab)
        if not has:
            inner = raw.get("name")
        if inner is None:
            raise Malformed(f"{where}: role is an object without a role key (keys: {_keys_list(raw)})")
        raw = inner
    if not isinstance(raw, str):
        raise Malformed(f"{where}: role is {type(raw).__name__}, expected a string")
    role = vocab.role_of(raw)
    if role is None:
        raise Malformed(f"{where}: unknown role {raw[:40]!r}")
    return role


def _guess_roles(turns: list, vocab: Vocab) -> dict[str, str]:
    """Roles for speaker names the table does not know (``"from": "Harry"``, ``"from": "gpt-4-0613"``):
    one unknown name beside user turns is the assistant (beside assistant turns, the user); two
    unknown names and no other role are user then assistant, in order of appearance. Else {}."""
    known: set[str] = set()
    unknown: list[str] = []
    for t in turns:
        if not isinstance(t, dict):
            continue
        has, raw = _role_value(t, vocab)
        if not (has and isinstance(raw, str)):
            continue
        role = vocab.role_of(raw)
        if role is not None:
            known.add(role)
        elif raw not in unknown:
            unknown.append(raw)
            if len(unknown) > 2:
                return {}
    known.discard("system")
    if len(unknown) == 1 and known == {"user"}:
        return {unknown[0]: "assistant"}
    if len(unknown) == 1 and known == {"assistant"}:
        return {unknown[0]: "user"}
    if len(unknown) == 2 and not known:
        return {unknown[0]: "user", unknown[1]: "assistant"}
    return {}


def _turns(turns: Any, where: str, vocab: Vocab, meta: dict, *, alternate_from: str = "user",
           only_user: bool = False) -> tuple[list[Message], list[Any]]:
    """A list of turns → messages and per-turn ``language`` labels.

    A turn is a dict with a role key and a text key (names from ``vocab``), or a bare string.
    Turns without a role alternate user/assistant starting from ``alternate_from``
    (``only_user``: all user, as for MT-Bench ``turns``).
    """
    turns = _maybe_json(turns)
    if isinstance(turns, dict):
        turns = _columnar(turns, vocab) or _turn_dict(turns, vocab) or turns
    if not isinstance(turns, list):
        raise Malformed(f"field {where!r} is {type(turns).__name__}, expected list")
    guess = _guess_roles(turns, vocab)
    if guess:
        meta["guessed_roles"] = guess
        vocab = replace(vocab, roles={**vocab.roles, **{k.strip().lower(): v for k, v in guess.items()}})
    msgs: list[Message] = []
    langs: list[Any] = []
    nxt = alternate_from
    for i, t in enumerate(turns):
        w = f"{where}[{i}]"
        if isinstance(t, str):
            role, content = ("user" if only_user else nxt), t
        elif isinstance(t, dict) and not _role_value(t, vocab)[0] and _pair_turn(t, vocab) is not None:
            pk, rk = _pair_turn(t, vocab)
            sk, system = _get(t, vocab.system)
            if isinstance(system, str) and not msgs:
                msgs.append({"role": "system", "content": system})
                langs.append(None)
            msgs.append({"role": "user", "content": _text(t[pk], f"{w}.{pk}", vocab)})
            langs.append(None)
            cands = _candidates(t[rk], f"{w}.{rk}", vocab)
            if cands:
                msgs += cands[0]
                langs += [None] * len(cands[0])
            nxt = "user"
            continue
        elif isinstance(t, dict):
            has, raw = _role_value(t, vocab)
            role = _role(raw, w, vocab) if has and raw is not None else ("user" if only_user else nxt)
            k, value = _get(t, vocab.text, present=True)
            if role == "assistant" and (value is None) and (t.get("tool_calls") or t.get("function_call")):
                content = json.dumps(t.get("tool_calls") or t.get("function_call"), ensure_ascii=False)
            elif k is None:
                raise Malformed(f"{w}: no text key (keys: {_keys_list(t)})")
            else:
                if isinstance(value, list):  # content parts: image/audio parts are counted, not lost
                    skipped = sum(isinstance(p, dict) and p.get("type", "text") not in ("text", "input_text", "output_text")
                                  for p in value)
                    if skipped:
                        meta["non_text_parts"] = meta.get("non_text_parts", 0) + skipped
                content = _text(value, w, vocab, allow_json=role != "user")
                if content[:2] == "<|":  # "<|Human|>: ..." speaker tag written into the text
                    content = _strip_speaker_tag(content, raw if isinstance(raw, str) else None)
            if isinstance(t.get("language"), str):
                langs.append(t["language"])
            else:
                langs.append(None)
            msgs.append({"role": role, "content": content})
            nxt = "assistant" if role == "user" else "user"
            continue
        else:
            raise Malformed(f"{w} is {type(t).__name__}, expected object or string")
        msgs.append({"role": role, "content": content})
        langs.append(None)
        nxt = "assistant" if role == "user" else "user"
    return msgs, langs


def _prompt_turns(value: Any, where: str, vocab: Vocab) -> list[Message]:
    """A prompt: a string, a message dict, a list of messages (TRL) or of strings (user turns)."""
    value = _maybe_turns(value, vocab)
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, dict):
        has, _ = _role_value(value, vocab)
        if has:
            return _turns([value], where, vocab, {})[0]
        conv = _conversation_key(value, vocab)
        if conv is not None:  # {"request": {"messages": [...]}}
            return _turns(value[conv], f"{where}.{conv}", vocab, {})[0]
        stem = value.get("stem")
        if isinstance(stem, str):  # ARC / OpenBookQA {"stem": .., "choices": [{"text": .., "label": "A"}]}
            choices = value.get("choices")
            lines = [f"{c.get('label')}. {c.get('text')}" for c in choices if isinstance(c, dict)] \
                if isinstance(choices, list) else []
            return [{"role": "user", "content": _join(stem, "\n".join(lines))}]
        if not any(k in value for k in vocab.text):
            texts = [v for v in value.values() if isinstance(v, str) and v.strip()]
            if texts and len(texts) == len(value):  # {"en": "...", "fr": "..."}: the first language
                return [{"role": "user", "content": texts[0]}]
        return [{"role": "user", "content": _text(value, where, vocab)}]
    if isinstance(value, list):
        if all(isinstance(x, str) for x in value):
            return [{"role": "user", "content": x} for x in value]
        return _turns(value, where, vocab, {})[0]
    raise Malformed(f"field {where!r} is {type(value).__name__}, expected text or messages")


def _candidates(value: Any, where: str, vocab: Vocab, depth: int = 0) -> list[list[Message]]:
    """Candidate answers held by a response value, each as assistant-side messages.

    A string is one answer; a message dict (role + text) one turn; a dict with a text key one
    answer (a list under that key: one answer per item); a dict of strings only one answer per
    value (``{model: answer}``); a list of messages with roles is one answer (TRL's ``chosen``);
    any other list holds one candidate per item. Empty → [].
    """
    value = _maybe_turns(value, vocab)
    if _empty(value):
        return []
    if depth > MAX_DEPTH:
        raise Malformed(f"{where}: answer nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return [[{"role": "assistant", "content": value}]]
    if isinstance(value, dict):
        has, raw = _role_value(value, vocab)
        if has:
            return [_turns([value], where, vocab, {})[0]]
        k, v = _get(value, vocab.text)
        if k is None and _get(value, vocab.text, present=True)[0] is not None:
            return []  # {"text": ""}: no answer
        if k is not None:
            v = _maybe_json(v)
            if isinstance(v, list) and all(isinstance(x, str) for x in v):
                return [[{"role": "assistant", "content": x}] for x in v if x.strip()]
            return [[{"role": "assistant", "content": _text(v, f"{where}.{k}", vocab)}]]
        found = _nested(value, vocab, where, depth + 1)
        if found:
            return found
        if all(isinstance(x, str) for x in value.values()):  # {"gpt4": "..", "llama": ".."}: one answer per model
            return [[{"role": "assistant", "content": x}] for x in value.values() if x.strip()]
        for x in value.values():  # DROP {"spans": ["3"], "types": ["number"]}: the first list of strings
            if isinstance(x, list) and x and all(isinstance(y, str) for y in x):
                return [[{"role": "assistant", "content": y}] for y in x if y.strip()]
        raise Malformed(f"{where}: answer object without a text key (keys: {_keys_list(value)})")
    if isinstance(value, list):
        if all(isinstance(x, dict) and _role_value(x, vocab)[0] for x in value):
            return [_turns(value, where, vocab, {})[0]]
        out: list[list[Message]] = []
        for i, x in enumerate(value):
            out += _candidates(x, f"{where}[{i}]", vocab, depth + 1)
        return out
    if isinstance(value, bool):
        return [[{"role": "assistant", "content": "true" if value else "false"}]]  # BoolQ-style answers
    if isinstance(value, (int, float)) and math.isfinite(value):
        return [[{"role": "assistant", "content": str(value)}]]  # eval answers such as 42 or 3.5
    raise Malformed(f"field {where!r} is {type(value).__name__}, expected text")


def _nested(obj: Any, vocab: Vocab, where: str, depth: int = 0, skip: frozenset = frozenset()) -> list[list[Message]]:
    """Answers found below ``obj`` under response keys or answer containers (``results``,
    ``outputs``, ``choices``...): evaluation reports such as ``{prompt, results: [{outputs: [...]}]}``."""
    if depth > MAX_DEPTH:
        return []
    out: list[list[Message]] = []
    if isinstance(obj, list):
        for i, x in enumerate(obj):
            if isinstance(x, str) and x.strip():
                out.append([{"role": "assistant", "content": x}])
            elif isinstance(x, (dict, list)):
                out += _nested(x, vocab, f"{where}[{i}]", depth + 1)
        return out
    if not isinstance(obj, dict):
        return out
    has_role, raw = _role_value(obj, vocab)
    if has_role and isinstance(raw, str) and any(k in obj for k in vocab.text):
        try:
            return [_turns([obj], where, vocab, {})[0]]  # {"role": "assistant", "content": ...}
        except Malformed:
            return []
    for k, v in obj.items():
        if k in skip or not isinstance(k, str) or _empty(v):
            continue
        kl = k.lower()
        if kl in ("message", "delta") and isinstance(v, dict):  # OpenAI choices[i].message
            out += _nested(v, vocab, f"{where}.{k}", depth + 1)
            continue
        if (kl in vocab.response or (("response" not in vocab.mapped) and is_response_key(k))) and not isinstance(v, (int, float)):
            try:
                out += _candidates(v, f"{where}.{k}", vocab, depth + 1)
            except Malformed:
                out += _nested(v, vocab, f"{where}.{k}", depth + 1)
        elif kl in NESTED_KEYS and isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
            out += [[{"role": "assistant", "content": x}] for x in v.values() if x.strip()]  # {model: answer}
        elif kl in NESTED_KEYS and isinstance(v, (list, dict)):
            out += _nested(v, vocab, f"{where}.{k}", depth + 1)
    return out


def _join(*parts: str) -> str:
    return INPUT_SEP.join(p for p in parts if p)


def _json_str(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- meta

def _lang_meta(rec: dict, meta: dict) -> None:
    for key in ("lang", "language"):
        value = rec.get(key)
        if isinstance(value, str):
            meta["lang"] = value
            return


def _original_id(rec: dict, meta: dict, vocab: Vocab = DEFAULT) -> None:
    for key in vocab.id:
        value = rec.get(key)
        if value is not None and not isinstance(value, (dict, list)) and not (isinstance(value, float) and math.isnan(value)):
            meta["original_id"] = str(value)
            return


def _common_meta(rec: dict, meta: dict, vocab: Vocab) -> dict:
    _original_id(rec, meta, vocab)
    _lang_meta(rec, meta)
    if isinstance(rec.get("category"), str):
        meta["category"] = rec["category"]
    return meta


def _system(rec: dict, vocab: Vocab) -> list[Message]:
    k, v = _get(rec, vocab.system)
    if k is None:
        return []
    if not isinstance(v, str):
        raise Malformed(f"field {k!r} is {type(v).__name__}, expected str")
    return [{"role": "system", "content": v}]


def _history(rec: dict, vocab: Vocab) -> list[Message]:
    """``history``: ``[[user, assistant], ...]`` pairs (LLaMA-Factory, ChatGLM) or a list of turns."""
    k, hist = _get(rec, vocab.history)
    if k is None:
        return []
    hist = _maybe_json(hist)
    if not isinstance(hist, list):
        raise Malformed(f"field {k!r} is {type(hist).__name__}, expected list")
    if all(isinstance(p, (list, tuple)) for p in hist):
        msgs = []
        for i, pair in enumerate(hist):
            if not (len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                raise Malformed(f"{k}[{i}] is not a [user, assistant] pair of strings")
            msgs += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
        return msgs
    return _turns(hist, k, vocab, {})[0]


def _tools(rec: dict, meta: dict) -> None:
    tools = rec.get("tools")
    if tools not in (None, "", [], {}):
        meta["tools"] = _json_str(tools)


def _finish(rec: dict, msgs: list[Message], langs: list[Any], meta: dict, vocab: Vocab) -> Conversion:
    _original_id(rec, meta, vocab)
    _lang_meta(rec, meta)
    if any(lang is not None for lang in langs):
        meta["message_langs"] = langs
    return msgs, meta


_PAIR_KEYS = frozenset(g for g, _ in PREFERENCE_PAIRS[1:])


def _preference_keys(rec: dict, vocab: Vocab) -> tuple[str, str | None] | None:
    """``(preferred_key, dispreferred_key or None)`` of a preference record: ``chosen`` (with any
    ``rejected`` synonym), else the first pair of ``PREFERENCE_PAIRS`` whose two keys are both
    present and hold text or messages (``pos_resp``/``neg_resp``, ``response_j``/``response_k``...)."""
    lower = _lower_map(tuple(rec))
    k = lower.get("chosen")
    if k is not None:
        return k, _get(rec, vocab.rejected)[0]
    if _PAIR_KEYS.isdisjoint(lower):
        return None
    for good, bad in PREFERENCE_PAIRS[1:]:
        gk, bk = lower.get(good), lower.get(bad)
        if gk is not None and bk is not None and isinstance(rec[gk], (str, list, dict)) \
                and isinstance(rec[bk], (str, list, dict)):
            return gk, bk
    return None


def _rejected_meta(rec: dict, meta: dict, vocab: Vocab, key: str | None = None) -> None:
    k, v = (key, rec[key]) if key is not None and not _empty(rec.get(key)) else _get(rec, vocab.rejected)
    if k is not None:
        meta["rejected"] = v if isinstance(v, str) else _json_str(v)


# ---------------------------------------------------------------- hh-rlhf markers

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


# ---------------------------------------------------------------- detection

def _prompt_key(rec: dict, vocab: Vocab) -> tuple[str | None, Any]:
    k, v = _get(rec, vocab.prompt)
    if k is not None or "prompt" in vocab.mapped:
        return k, v
    for key, v in rec.items():  # origin_prompt, question_body, user_prompt...
        if isinstance(key, str) and isinstance(v, (str, list)) and not _empty(v) and is_prompt_key(key):
            return key, v
    return None, None


def _response_key(rec: dict, vocab: Vocab, skip: tuple = ()) -> tuple[str | None, Any]:
    """The record's direct response key (table order, then token match), present even if empty."""
    k, v = _get(rec, vocab.response, present=True)
    if k is not None and k not in skip:
        return k, v
    if "response" in vocab.mapped:
        return None, None
    if any(isinstance(x, str) and x.lower() == "q" for x in skip):  # {"q": .., "a": ..}: "a" only beside "q"
        k, v = _get(rec, ("a",), present=True)
        if k is not None:
            return k, v
    for key, v in rec.items():
        if isinstance(key, str) and key not in skip and is_response_key(key) and not isinstance(v, (bool, int, float)):
            return key, v
    return None, None


def _pairwise(rec: dict) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """``((key_a, key_b), (side_a, side_b))`` for two answers to compare, e.g. ``left_answer`` /
    ``right_answer``, ``response_a`` / ``response_b``, ``output_1`` / ``output_2``."""
    answer_words = {"answer", "response", "output", "completion", "reply", "generation", "conversation", "ref",
                    "answers", "responses", "outputs", "solution", "prediction", "text", "réponse", "reponse",
                    "respuesta", "ответ", "回答", "答案", "antwort", "risposta", "resposta"}
    keys = [k for k in rec if isinstance(k, str)]
    for side_a, side_b in SIDES:
        groups: dict[tuple, dict[str, str]] = {}
        for k in keys:
            toks = tokens(k)
            for pos, t in enumerate(toks):
                if t in (side_a, side_b):
                    pattern = tuple(toks[:pos] + ["*"] + toks[pos + 1:])
                    groups.setdefault(pattern, {})[t] = k
        for pattern, found in groups.items():
            if len(found) == 2 and set(pattern) & answer_words:
                return (found[side_a], found[side_b]), (side_a, side_b)
            if len(found) == 2 and pattern == ("*",) and side_a in ("left", "gauche") \
                    and _get(rec, DEFAULT.prompt)[0] is not None and all(
                    isinstance(rec[k], str) or (isinstance(rec[k], dict) and any(is_response_key(x) for x in rec[k] if isinstance(x, str)))
                    for k in found.values()):  # {"question": .., "left": {"answer": .., "grade": ..}, "right": {..}}
                return (found[side_a], found[side_b]), (side_a, side_b)
    return None


_MARK = re.compile(r"(?:(?:^|\n)[ \t]*(?:<\|)?|###[ \t]*|(?<=[\s>])(?=USER:|ASSISTANT:))"
                   r"(Human|User|USER|HUMAN|Assistant|ASSISTANT|Bot|GPT)(?:\|>)?[ \t]*[:：]")
_ANGLE_MARK = re.compile(r"(?:(?<=\n)|^)[ \t]*<(human|bot|user|assistant)>[ \t]*:?", re.I)
_MARK_ROLE = {"human": "user", "user": "user", "assistant": "assistant", "bot": "assistant", "gpt": "assistant"}
_CHATML = re.compile(r"<\|im_start\|>[ \t]*(\w+)[ \t]*\n?(.*?)(?:<\|im_end\|>|(?=<\|im_start\|>)|$)", re.S)
_ZEPHYR = re.compile(r"<\|(system|user|assistant)\|>[ \t]*\n?(.*?)(?:</s>)?\s*(?=<\|(?:system|user|assistant)\|>|$)", re.S)
_INST = re.compile(r"\[INST\](.*?)\[/INST\](.*?)(?=(?:</s>)?\s*(?:<s>)?\s*\[INST\]|$)", re.S)
_SYS = re.compile(r"<<SYS>>(.*?)<</SYS>>", re.S)
_ALPACA_PROMPT = re.compile(r"###\s*(Instruction|Input|Response)\s*:\s*\n?", re.I)


def split_dialogue(text: str) -> list[Message] | None:
    """Turns of a dialogue written in one string, or None when it is not one (needs a user and an
    assistant turn). Recognised, in order: ChatML (``<|im_start|>user ... <|im_end|>``), Llama-2
    (``<s>[INST] <<SYS>>...<</SYS>> q [/INST] a </s>``), Zephyr (``<|user|> ... </s>``), the Alpaca
    prompt (``### Instruction:`` / ``### Input:`` / ``### Response:``), and speaker markers
    (``Human:``/``Assistant:`` at line starts, ``### Human:``, Vicuna's ``USER: ... ASSISTANT:``,
    OIG's ``<human>: ... <bot>: ...``)."""
    msgs: list[Message] = []
    if "<|im_start|>" in text:
        for role, body in _CHATML.findall(text):
            r = DEFAULT.role_of(role)
            if r is not None:
                msgs.append({"role": r, "content": body.strip()})
    elif "[INST]" in text and "[/INST]" in text:
        for q, a in _INST.findall(text):
            m = _SYS.search(q)
            if m and not msgs:
                msgs.append({"role": "system", "content": m.group(1).strip()})
            q = _SYS.sub("", q)
            msgs.append({"role": "user", "content": q.strip()})
            a = re.sub(r"\s*</s>\s*(<s>)?\s*$", "", a).strip()
            if a:
                msgs.append({"role": "assistant", "content": a})
    elif re.search(r"<\|(user|assistant)\|>", text):
        msgs = [{"role": r, "content": b.strip()} for r, b in _ZEPHYR.findall(text)]
    elif _ALPACA_PROMPT.search(text):
        parts = _ALPACA_PROMPT.split(text)
        fields = {k.lower(): v.strip() for k, v in zip(parts[1::2], parts[2::2])}
        if "instruction" in fields:
            msgs = [{"role": "user", "content": _join(fields["instruction"], fields.get("input", ""))}]
            if fields.get("response"):
                msgs.append({"role": "assistant", "content": fields["response"]})
    else:
        if "<" in text:  # OIG ``<human>: .. <bot>: ..`` → the plain markers
            text = _ANGLE_MARK.sub(lambda m: m.group(1).capitalize() + ":", text)
        marks = list(_MARK.finditer(text))
        for m, nxt in zip(marks, marks[1:] + [None]):
            body = text[m.end(): nxt.start() if nxt else len(text)].strip()
            body = re.sub(r"\s*</s>$", "", body).strip()
            msgs.append({"role": _MARK_ROLE[m.group(1).lower()], "content": body})
    roles = {m["role"] for m in msgs}
    return msgs if {"user", "assistant"} <= roles else None


def _dialogue_text(rec: dict) -> str | None:
    """Key of a lone text field written as a dialogue (see ``split_dialogue``), or None."""
    for k in ("text", "content", "dialogue", "conversation", "chosen", "prompt", "data", "sample"):
        v = rec.get(k)
        if isinstance(v, str) and len(v) > 8 and split_dialogue(v) is not None:
            return k
    return None


def flat_view(rec: dict) -> dict | None:
    """The record with the fields of its object-valued fields lifted one level (top-level keys
    win), for records that hide their prompt one level down (``{"doc": {"question": ...},
    "target": ...}``, as in lm-eval-harness samples); None when no field holds an object."""
    inner = [v for v in rec.values() if isinstance(v, dict)]
    if not inner:
        return None
    view: dict = {}
    for v in inner:
        for k, x in v.items():
            view.setdefault(k, x)
    view.update({k: v for k, v in rec.items() if not isinstance(v, dict)})
    return view


def detect(rec: Any, vocab: Vocab = DEFAULT) -> str | None:
    """The layout of one record (first rule of ``LAYOUTS`` that matches), or None.

    A bare string is a ``prompt``. Key names come from ``vocab`` (the synonym table by default).
    """
    if isinstance(rec, str):
        return "prompt" if rec.strip() else None
    if isinstance(rec, list):  # a record that is itself a list of turns, or of strings
        if rec and all(isinstance(t, dict) and (_role_value(t, vocab)[0] or _pair_turn(t, vocab)) for t in rec[:8]):
            return "conversation"
        if rec and all(isinstance(t, str) for t in rec):
            return "conversation" if len(rec) >= 2 else "prompt"
        return None
    if not isinstance(rec, dict):
        return None
    k = rec.keys()
    if "message_tree_id" in k and "prompt" in k:
        return "oasst_tree"
    if "message_id" in k and "text" in k and "role" in k:
        return "oasst_nested" if "replies" in k else "oasst_flat"
    if ("paragraphs" in k or "qas" in k) and _squad_paragraphs(rec) is not None:
        return "squad"
    conv = _conversation_key(rec, vocab)
    pref = _preference_keys(rec, vocab)
    chosen_k, chosen = (pref[0], rec[pref[0]]) if pref else (None, None)
    if conv is not None:
        if chosen_k is not None:
            return "sharegpt_preference"
        if conv.lower() == "turns" and not any(isinstance(t, dict) and _role_value(t, vocab)[0]
                                               for t in _maybe_json(rec[conv])):
            return "mt_bench"
        return {"conversations": "sharegpt", "messages": "openai"}.get(conv.lower(), "conversation")
    if chosen_k is not None:
        chosen = _maybe_turns(chosen, vocab)
        if isinstance(chosen, list):
            return "openai_preference"
        if _prompt_key(rec, vocab)[0] is None and isinstance(chosen, str):
            return "hh_rlhf"
        return "prompt_chosen"
    if _pairwise(rec) is not None:
        return "pairwise"
    pk, _ = _prompt_key(rec, vocab)
    if (pk is None or _NUMBERED_TURN.match(pk)) and "conversation" not in vocab.mapped and _numbered_turns(rec):
        return "conversation"  # CAMEL message_1, message_2, ...
    lower = {str(x).lower() for x in k}
    if "instruction" in lower and "instances" in lower:
        return "self_instruct"
    if pk is not None and pk.lower() not in ("text", "texte", "content"):
        rk, _ = _response_key(rec, vocab, skip=(pk,))
        if pk.lower() == "instruction" and "response" not in vocab.mapped:
            if ("context" in lower or "category" in lower) and "response" in lower:
                return "dolly"
            if "response" in lower and "output" not in lower:
                return "gpteacher"
            if rk is None or rk.lower() == "output":
                return "alpaca"
        if rk is not None:
            return "prompt_response"
        if _nested(rec, vocab, "", skip=frozenset({pk})):
            return "eval_report"
        if _option_answer(rec) is not None:
            return "prompt_response"
        return "prompt"
    if _dialogue_text(rec) is not None:
        return "text_dialogue"
    if pk is not None:
        rk, _ = _response_key(rec, vocab, skip=(pk,))
        return "prompt_response" if rk is not None else "prompt"
    ek, _ = _get(rec, vocab.prompt, present=True)
    if ek is not None and _get(rec, vocab.response)[0] is None:
        return "prompt"  # {"prompt": ""}: an empty prompt is still a prompt, not an unknown record
    if ek is None and _answer_only_key(rec, vocab) is not None:
        return "answer_only"
    return None


#: layouts of records that hold no answer (a record list of these is no wrapper of records).
_ANSWERLESS = frozenset({None, "prompt", "mt_bench", "answer_only"})


def _answer_only_key(rec: dict, vocab: Vocab) -> str | None:
    """The key holding answers of a record that has no prompt (MT-Bench model answers
    ``{question_id, model_id, choices: [{turns: [...]}]}``, ``{id, output}``), or None.

    Not one when the answers are records themselves (a wrapper ``{"outputs": [{prompt, output}]}``),
    a prompt sits one object down (``{"doc": {"question": ..}, "target": ..}``), or another key
    holds text that is no bookkeeping (``{"ask": .., "reply_text": ..}`` may hold its prompt under
    a name the table lacks: left unrecognized, so the keys are shown and a mapping fixes it)."""
    if "prompt" in vocab.mapped:
        return None
    view = flat_view(rec)
    if view is not None and _prompt_key(view, vocab)[0] is not None:
        return None
    found = None
    for k, v in rec.items():
        if found is None and _answers_under(k, v, vocab):
            found = k
        elif isinstance(v, str) and v.strip() and not set(tokens(str(k))) & BOOKKEEPING_TOKENS:
            return None
    return found


def _answers_under(k: Any, v: Any, vocab: Vocab) -> bool:
    """True when key ``k`` names answers (response table, token match, ``choices``) and ``v`` holds
    some that are not records of their own."""
    if not isinstance(k, str) or isinstance(v, (bool, int, float)) or _empty(v):
        return False
    kl = k.lower()
    if not (kl in vocab.response or kl in ANSWER_ONLY_KEYS
            or ("response" not in vocab.mapped and is_response_key(k))):
        return False
    items = v if isinstance(v, list) else [v]
    if any(isinstance(x, dict) and detect(x, vocab) not in _ANSWERLESS for x in items[:5]):
        return False
    return bool(any(isinstance(x, str) and x.strip() for x in items) or _nested(items, vocab, k) or any(
        isinstance(x, dict) and _get(x, ("turns",))[0] for x in items))


def join_answers(rec: dict, prompt: list[Message], vocab: Vocab = DEFAULT) -> Conversion:
    """An answer-only record joined with its question's turns: the ``system``/``user`` turns of
    ``prompt`` interleaved with the record's answers (MT-Bench ``choices[0].turns``: one answer per
    user turn; any other answer key: its first candidate). User turns left without an answer at the
    end are dropped. Meta: the record's id (``original_id``) and ``model`` (``model_id``, ``model``,
    ``generator``) when given. Raises ``AnswerWithoutPrompt`` when the record holds no answer text."""
    k = _answer_only_key(rec, vocab)
    if k is None:
        raise AnswerWithoutPrompt("no answer text to join")
    v = _maybe_json(rec[k])
    first = v[0] if isinstance(v, list) and v else v
    if isinstance(first, dict) and _get(first, ("turns",))[0] is not None:
        tk, turns = _get(first, ("turns",))
        turns = turns if isinstance(turns, list) else [turns]
        answers = [_text(t, f"{k}[0].{tk}[{i}]", vocab) for i, t in enumerate(turns)]
    else:
        cands = _candidates(v, k, vocab)
        answers = [m["content"] for m in cands[0]] if cands else []
    msgs: list[Message] = [m for m in prompt if m["role"] == "system"]
    users = [m for m in prompt if m["role"] == "user"]
    for u, a in zip(users, answers):
        msgs += [dict(u), {"role": "assistant", "content": a}]
    if not any(m["role"] == "assistant" for m in msgs):
        raise AnswerWithoutPrompt(f"answers under {k!r} are empty")
    meta = _common_meta(rec, {}, vocab)
    mk, model = _get(rec, ("model_id", "model", "generator"))
    if isinstance(model, str):
        meta["model"] = model
    return msgs, meta


def _squad_paragraphs(rec: dict) -> list | None:
    """The paragraphs of a SQuAD-v1/v2 JSON article (``{title, paragraphs: [{context, qas}]}``) or
    of one paragraph (``{context, qas}``), else None."""
    paras = rec.get("paragraphs", [rec] if "qas" in rec else None)
    if isinstance(paras, list) and paras and all(isinstance(p, dict) and isinstance(p.get("qas"), list) for p in paras):
        return paras
    return None


def conv_squad(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """SQuAD-style nested reading comprehension (SQuAD, FQuAD, PIAF, SberQuAD, CMRC 2018, DRCD):
    one conversation per question: the question and its paragraph's ``context`` (appended after a
    blank line, as Alpaca does) → the first answer's text; a question with no answer (SQuAD v2
    ``is_impossible``) is a prompt. Meta: ``original_id`` (the question's id), ``title``."""
    paras = _squad_paragraphs(rec)
    if paras is None:
        raise Malformed("no paragraphs with qas")
    out: list[Conversion] = []
    for pi, p in enumerate(paras):
        context = p.get("context")
        if context is not None and not isinstance(context, str):
            raise Malformed(f"paragraphs[{pi}].context is {type(context).__name__}, expected str")
        for qi, qa in enumerate(p["qas"]):
            where = f"paragraphs[{pi}].qas[{qi}]"
            if not isinstance(qa, dict) or not isinstance(qa.get("question"), str):
                raise Malformed(f"{where}: no question text")
            cands = _candidates(qa.get("answers"), f"{where}.answers", vocab)
            meta: dict[str, Any] = {}
            if qa.get("id") is not None:
                meta["original_id"] = str(qa["id"])
            if isinstance(rec.get("title"), str):
                meta["title"] = rec["title"]
            user = [{"role": "user", "content": _join(qa["question"], context or "")}]
            out.append((user + (cands[0] if cands else []), meta))
    return out


def conv_answer_only(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """Answers with no prompt (``answer_only``): never a conversation nor a prompt; raises
    ``AnswerWithoutPrompt`` (reject ``answer_without_prompt``) saying how to join them with their
    questions."""
    k = _answer_only_key(rec, vocab) or "?"
    ik, ident = _get(rec, ("question_id", "prompt_id", "custom_id", *vocab.id))
    key = f"keyed by {ik}={str(ident)[:40]}" if ik is not None else "with no id"
    raise AnswerWithoutPrompt(
        f"answers under {k!r} and no prompt ({key}): model answers; join them with their question file "
        f"on {ik or 'an id'}, or name the prompt key with fields: {{prompt: ...}}")


# ---------------------------------------------------------------- converters

def conv_conversation(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """A list of turns under any conversation key (ShareGPT ``conversations: [{from, value}]``,
    OpenAI ``messages: [{role, content}]``, ``dialog: [{speaker, text}]``, a list of strings
    alternating user/assistant...). Record-level ``system`` is prepended; ``tools`` kept in meta."""
    meta: dict[str, Any] = {}
    if isinstance(rec, list):  # the record is the turn list itself
        msgs, langs = _turns(rec, "record", vocab, meta)
        return [(msgs, meta)]
    key = _conversation_key(rec, vocab)
    numbered = _numbered_turns(rec) if key is None else None
    if numbered is not None:  # CAMEL message_1, message_2, ...: alternating user/assistant
        msgs, langs = _turns([rec[k] for k in numbered], "+".join(numbered[:2]), vocab, meta)
        return [_finish(rec, _system(rec, vocab) + msgs, [None] * (len(msgs) + len(_system(rec, vocab))), meta, vocab)]
    if key is None:
        raise Malformed("no list of turns under " + ", ".join(vocab.conversation[:4])
                        + (", ..." if len(vocab.conversation) > 4 else ""))
    msgs, langs = _turns(rec[key], key, vocab, meta, only_user=key.lower() == "turns")
    _system_as_agent(msgs, meta)
    system = _system(rec, vocab)
    if system and not (msgs and msgs[0]["role"] == "system"):
        msgs, langs = system + msgs, [None] + langs
    _tools(rec, meta)
    return [_finish(rec, msgs, langs, meta, vocab)]


def _system_as_agent(msgs: list[Message], meta: dict) -> None:
    """Task-oriented dialogue corpora (MultiWOZ, SGD, Taskmaster: ``speaker: USER | SYSTEM``) call
    the agent ``SYSTEM``. When a conversation has no assistant turn and system turns come after a
    user turn, those system turns are the assistant's (in place; ``meta.system_as_assistant``); a
    system turn before the first user turn stays a system prompt."""
    if any(m["role"] == "assistant" for m in msgs):
        return
    first_user = next((i for i, m in enumerate(msgs) if m["role"] == "user"), None)
    if first_user is None:
        return
    changed = 0
    for m in msgs[first_user + 1:]:
        if m["role"] == "system":
            m["role"] = "assistant"
            changed += 1
    if changed:
        meta["system_as_assistant"] = changed


def conv_preference(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """Preference records: ``chosen`` (a string, a message dict or a message list) after a prompt in
    any layout (a conversation list, a prompt string or message list, none); ``rejected`` is kept
    in ``meta.rejected``. Other preferred/dispreferred key pairs (``pos_resp``/``neg_resp``,
    ``response_j``/``response_k``, ``good``/``bad``... see ``synonyms.PREFERENCE_PAIRS``) read the
    same way. hh-rlhf dialogue strings are split on their markers."""
    meta: dict[str, Any] = {}
    pref = _preference_keys(rec, vocab)
    if pref is None:
        raise Malformed("no preferred answer (chosen, pos_resp, response_j, good, ...)")
    ck, rk = pref
    chosen = _maybe_turns(rec[ck], vocab)
    conv = _conversation_key(rec, vocab)
    pk, prompt = _prompt_key(rec, vocab)
    prefix: list[Message] = []
    langs: list[Any] = []
    if conv is not None:
        prefix, langs = _turns(rec[conv], conv, vocab, meta)
    elif pk is not None:
        if isinstance(prompt, str) and isinstance(chosen, str) and _HH_MARK.search(prompt):
            _rejected_meta(rec, meta, vocab, rk)
            return [(split_hh(prompt + chosen, "prompt+chosen"), _common_meta(rec, meta, vocab))]
        prefix = _prompt_turns(prompt, pk, vocab)
    elif isinstance(chosen, str):
        _rejected_meta(rec, meta, vocab, rk)
        return [(split_hh(chosen, ck), meta)]
    if isinstance(chosen, list) and any(isinstance(m, dict) and _role_value(m, vocab)[0] for m in chosen):
        tail, tail_langs = _turns(chosen, ck, vocab, meta)
        if any(m["role"] == "user" for m in tail):  # chosen holds the whole conversation
            prefix, langs = [], []
    else:
        cands = _candidates(chosen, ck, vocab)
        if not cands:
            raise Malformed(f"field {ck!r} is empty")
        tail, tail_langs = cands[0], [None] * len(cands[0])
    msgs = prefix + tail
    langs = (langs or [None] * len(prefix)) + tail_langs
    system = _system(rec, vocab)
    if system and not (msgs and msgs[0]["role"] == "system"):
        msgs, langs = system + msgs, [None] + langs
    _tools(rec, meta)
    _rejected_meta(rec, meta, vocab, rk)
    return [_finish(rec, msgs, langs, meta, vocab)]


def conv_pair(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """Prompt/response pairs by any names in the table (Alpaca ``instruction/input/output``, Dolly,
    GPTeacher, ``question/answer``, ``query/response`` with ``history``, ``problem/solution``...).

    User turn = prompt, and the context field (``input``/``context``) joined by a blank line as
    Alpaca does; ``history`` (``[[user, assistant], ...]``) goes before it and ``system`` first.
    The response may be a string, a message dict, ``{"text": ...}`` or a list of candidates
    (``outputs: first|all``). No response (missing, null, empty) → user turns only: a prompt.
    """
    pk, prompt = _prompt_key(rec, vocab)
    if pk is None:
        raise Malformed("no prompt field (" + ", ".join(vocab.prompt[:6]) + (", ...)" if len(vocab.prompt) > 6 else ")"))
    user = _prompt_turns(prompt, pk, vocab)
    options = _choices_text(rec, vocab)
    if options:
        user[-1] = {"role": "user", "content": _join(user[-1]["content"], options)}
    ck, context = None, None
    for key in vocab.context:
        if key.lower() != pk.lower():
            ck, context = _get(rec, (key,))
            if ck is not None:
                break
    if ck is not None:
        user[-1] = {"role": "user", "content": _with_context(user[-1]["content"], context, ck)}
    head = _system(rec, vocab) + _history(rec, vocab)
    rk, response = _response_key(rec, vocab, skip=(pk, ck))
    cands = _candidates(response, rk, vocab) if rk is not None else []
    if rk is None:
        cands = _nested(rec, vocab, "", skip=frozenset({pk}))
    meta = _common_meta(rec, {}, vocab)
    _rejected_meta(rec, meta, vocab)
    if opts.outputs == "best" and len(cands) > 1 and rk is not None:
        best = _best_candidate(_maybe_json(response), rk, vocab, meta)
        if best is not None:
            cands = [best]
    if options and (not cands or isinstance(response, int)):
        picked = _option_answer(rec)  # MMLU answer: 1, HellaSwag label: 3 → "B. <option>"
        if picked is not None:
            cands = [[{"role": "assistant", "content": picked}]]
    if cands and len(user) == 1 and len(cands[0]) == 1:
        whole = _dialogue_prompt(user[0]["content"], cands[0][0]["content"], pk)
        if whole is not None:  # the prompt holds the dialogue so far and ends at the assistant's marker
            return [(head + whole, meta)]
    if not cands:
        return [(head + user, meta)]
    if opts.outputs != "all" or len(cands) == 1:
        if len(cands) > 1:
            meta["candidates"] = len(cands)
        return [(head + user + cands[0], meta)]
    return [(head + user + c, {**meta, "candidate": i}) for i, c in enumerate(cands)]


def _score(obj: Any) -> float | None:
    """The file's own rating of one candidate answer (higher is better), or None.

    In order: a numeric field whose name has a grade word and ``overall`` (UltraFeedback
    ``overall_score``); else the mean of the numeric ``score``/``rating``/``reward``/``grade``/
    ``points`` fields; else minus a ``rank`` (Nectar: rank 1 is best); else the mean of
    fine-grained ratings one object down (UltraFeedback ``annotations: {helpfulness: {Rating: "4"},
    honesty: {...}}``). Numbers written as text count (``"4"``); ``"N/A"`` does not.
    """
    if not isinstance(obj, dict):
        return None
    plain: dict[str, float] = {}
    ranks: list[float] = []
    for k, v in obj.items():
        if not isinstance(k, str) or isinstance(v, (dict, list)):
            continue
        toks = set(tokens(k))
        n = _number(v) if toks & GRADE_TOKENS else None
        if n is None:
            continue
        if "rank" in toks:
            ranks.append(-n)
        else:
            plain[k] = n
    overall = [v for k, v in plain.items() if "overall" in tokens(k)]
    if overall:
        return overall[0]
    if plain:
        return sum(plain.values()) / len(plain)
    if ranks:
        return ranks[0]
    fine = []
    for v in obj.values():
        for aspect in (v.values() if isinstance(v, dict) else ()):
            if isinstance(aspect, dict):
                n = next((_number(x) for k, x in aspect.items()
                          if isinstance(k, str) and set(tokens(k)) & GRADE_TOKENS and _number(x) is not None), None)
                if n is not None:
                    fine.append(n)
    return sum(fine) / len(fine) if fine else None


def _best_candidate(value: Any, key: str, vocab: Vocab, meta: dict) -> list[Message] | None:
    """The best-rated answer of a list of candidate objects (UltraFeedback ``completions: [{model,
    response, overall_score, annotations}]``, Nectar ``answers: [{answer, rank}]``) by ``_score``;
    the first wins a tie. Sets ``meta.candidates``, ``meta.candidate_scores``, ``meta.best_candidate``
    and, when a lower-rated answer exists, ``meta.rejected`` (the lowest-rated). None when the value
    is no such list or no candidate carries a score."""
    if not (isinstance(value, list) and len(value) > 1 and all(isinstance(x, dict) for x in value)):
        return None
    scored = []
    scores: list[float | None] = []
    for i, x in enumerate(value):
        cands = _candidates(x, f"{key}[{i}]", vocab)
        sc = _score(x) if cands else None
        scores.append(sc)
        if sc is not None:
            scored.append((sc, -i, cands[0]))
    if not scored:
        return None
    best, worst = max(scored, key=lambda t: (t[0], t[1])), min(scored, key=lambda t: (t[0], t[1]))
    meta.update(candidates=len(value), candidate_scores=scores, best_candidate=-best[1])
    if worst[0] < best[0] and "rejected" not in meta:
        meta["rejected"] = worst[2][-1]["content"]
    return best[2]


_ASSISTANT_END = re.compile(r"(?:Assistant|ASSISTANT|Bot|GPT|<bot>|<\|assistant\|>|助手|回答)[ \t]*[:：]?[ \t]*$")


def _dialogue_prompt(prompt: str, answer: str, key: str) -> list[Message] | None:
    """The turns of a prompt written as a dialogue that ends with the assistant's marker, completed
    by the answer: hh-rlhf-style ``"\n\nHuman: q\n\nAssistant:"`` + completion (Nectar, rm-static),
    BELLE multiturn ``"Human:q1\nAssistant:a1\nHuman:q2\nAssistant:"`` + output. None otherwise."""
    tail = prompt.rstrip()
    if not _ASSISTANT_END.search(tail):
        return None
    if _HH_MARK.search(tail):
        try:
            return split_hh(tail + " " + answer.lstrip(), key)
        except Malformed:
            pass
    msgs = split_dialogue(tail + " " + answer.lstrip())
    if msgs is None or msgs[-1]["role"] != "assistant" or msgs[-1]["content"] != answer.strip():
        return None
    return msgs


_LETTERS = ("A", "B", "C", "D", "E", "F")


def _with_context(prompt: str, context: Any, key: str) -> str:
    """The prompt with its context: a string is appended after a blank line (Alpaca); an object
    fills the prompt's ``{name}`` placeholders (MERA-style ``instruction`` templates) and any field
    not used is appended as ``name: value`` lines; a list of strings is appended line by line."""
    if isinstance(context, str):
        return _join(prompt, context)
    if isinstance(context, dict):
        rest = []
        for k, v in context.items():
            text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            if "{" + str(k) + "}" in prompt:
                prompt = prompt.replace("{" + str(k) + "}", text)
            else:
                rest.append(f"{k}: {text}")
        return _join(prompt, "\n".join(rest))
    if isinstance(context, list) and all(isinstance(x, str) for x in context):
        return _join(prompt, "\n".join(context))
    if isinstance(context, (int, float)) and not isinstance(context, bool):
        return _join(prompt, str(context))
    raise Malformed(f"field {key!r} is {type(context).__name__}, expected text")


def _choices_text(rec: dict, vocab: Vocab) -> str:
    """Multiple-choice options as ``A. ...`` lines: fields ``A``..``F`` (C-Eval, MMLU layouts) or an
    ``options`` list of strings; "" when the record has none."""
    letters = [(x, rec[x]) for x in _LETTERS if isinstance(rec.get(x), (str, int, float)) and not isinstance(rec.get(x), bool)]
    if len(letters) >= 2:
        return "\n".join(f"{x}. {v}" for x, v in letters)
    opts = _option_list(rec)
    return "\n".join(f"{chr(65 + i)}. {o}" for i, o in enumerate(opts)) if opts else ""


#: keys that hold the index (0-based int) or letter of the right option of a multiple-choice record.
OPTION_ANSWER_KEYS = ("answer", "label", "correct_option", "answer_idx", "answer_index", "correct_answer",
                      "answerKey", "gold", "target", "correct")


def _option_list(rec: dict) -> list[str] | None:
    """Options of a multiple-choice record held as a list of 2-26 strings (or an object keyed
    ``A``, ``B``...: CMB ``option``): under ``options``/``option`` or ``endings`` (HellaSwag), or
    under ``choices`` beside an answer key (MMLU ``{question, choices, answer: 1}``; without an
    answer key ``choices`` stays candidate answers)."""
    k, opts = _get(rec, ("options", "choices_text", "options_list", "endings", "option"))
    if k is None and _get(rec, OPTION_ANSWER_KEYS, present=True)[0] is not None:
        k, opts = _get(rec, ("choices",))
    opts = _maybe_json(opts)
    if isinstance(opts, dict) and opts and all(isinstance(x, str) and len(x) == 1 for x in opts):
        letters = sorted(opts, key=str.upper)  # CMB {"option": {"A": .., "B": ..}}
        if [x.upper() for x in letters] == [chr(65 + i) for i in range(len(letters))]:
            opts = [opts[x] for x in letters]
    if k is not None and isinstance(opts, list) and 2 <= len(opts) <= 26 and all(isinstance(o, str) for o in opts):
        return opts
    return None


def _option_answer(rec: dict) -> str | None:
    """``"B. <option>"`` for a multiple-choice record whose answer is an option index (MMLU
    ``answer: 1``, HellaSwag ``label: 3``, LogiQA ``correct_option: 2``; 0-based) or an option letter
    (AQuA ``correct: "B"``), or None. An index that is itself one of the options' texts
    (``options: ["3", "4"], answer: 1``) is ambiguous: None."""
    opts = _option_list(rec)
    if not opts:
        return None
    for key in OPTION_ANSWER_KEYS:
        k, v = _get(rec, (key,), present=True)
        if k is None or v is None or v == "":
            continue
        if isinstance(v, str) and len(v.strip()) == 1 and v.strip().isalpha() and v.strip().isascii():
            i = ord(v.strip().upper()) - 65
            return f"{chr(65 + i)}. {opts[i]}" if 0 <= i < len(opts) else None
        if isinstance(v, str) and v.strip().isdigit():
            v = int(v.strip())
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(opts) and str(v) not in opts:
            return f"{chr(65 + v)}. {opts[v]}"
        return None
    return None


def conv_pairwise(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """Two answers to one prompt (``left_answer``/``right_answer``, ``response_a``/``response_b``,
    ``output_1``/``output_2``, Chatbot Arena ``conversation_a``/``conversation_b``, SHP
    ``human_ref_A``/``human_ref_B`` with the post in ``history``...).

    ``pairwise: better`` keeps the answer the file prefers: by its grades (``left_grade``/``score_a``,
    or ``grades: {left: .., right: ..}`` / ``scores: [a, b]``; higher is better, ``rank`` lower is
    better) or its winner field (``winner: model_a``, ``preferred: right``...). A tie or no verdict
    keeps the first answer (``meta.pairwise_choice`` says which and why). ``pairwise: both`` keeps
    both answers as two conversations.
    """
    found = _pairwise(rec)
    if found is None:
        raise Malformed("no pair of answers (left/right, a/b, 1/2)")
    (ka, kb), sides = found
    conv = _conversation_key(rec, vocab)
    pk, prompt = _prompt_key(rec, vocab)
    prefix: list[Message] = []
    if conv is not None:
        prefix = _turns(rec[conv], conv, vocab, {})[0]
    elif pk is not None:
        hist = _get(rec, vocab.history)[1]
        prefix = (_history(rec, vocab) if isinstance(_maybe_json(hist), list) else []) + _prompt_turns(prompt, pk, vocab)
    else:  # SHP: {"history": "<the post>", "human_ref_A": .., "human_ref_B": ..}
        hk, hist = _get(rec, vocab.history)
        if isinstance(hist, str):
            prefix = [{"role": "user", "content": hist}]
        elif hk is not None:
            prefix = _history(rec, vocab)
    answers = []
    for key in (ka, kb):
        cands = _candidates(rec[key], key, vocab)
        if not cands:
            answers.append(None)
            continue
        c = cands[0]
        answers.append(c if any(m["role"] == "user" for m in c) else prefix + c)
    if not any(answers):
        raise Malformed(f"fields {ka!r} and {kb!r} are both empty")
    meta = _common_meta(rec, {}, vocab)
    head = [] if (prefix and prefix[0]["role"] == "system") else _system(rec, vocab)
    if opts.pairwise == "both":
        return [(head + a, {**meta, "pairwise_side": s}) for a, s in zip(answers, sides) if a]
    pick, why = _verdict(rec, sides, (ka, kb))
    if answers[pick] is None:
        pick, why = 1 - pick, f"{why}; the other answer is empty"
    other = answers[1 - pick]
    meta["pairwise_choice"] = f"{sides[pick]} ({why})"
    if other:
        meta["rejected"] = other[-1]["content"]
    return [(head + answers[pick], meta)]


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if not math.isnan(v) else None
    if isinstance(v, str):
        m = re.match(r"\s*(-?\d+(?:\.\d+)?)", v)
        return float(m.group(1)) if m else None
    return None


def _verdict(rec: dict, sides: tuple[str, str], answer_keys: tuple[str, str]) -> tuple[int, str]:
    """Index (0/1) of the preferred answer and a short reason."""
    grades: dict[str, dict[str, float]] = {}
    for k, v in rec.items():
        if not isinstance(k, str) or k in answer_keys:
            continue
        toks = tokens(k)
        if not set(toks) & GRADE_TOKENS:
            continue
        lower_better = "rank" in toks
        side = next((s for s in sides if s in toks), None)
        if side is not None and _number(v) is not None:
            pattern = "_".join("*" if t == side else t for t in toks)
            grades.setdefault(pattern, {})[side] = _number(v) * (-1 if lower_better else 1)
        elif isinstance(v, dict):
            g = {s: _number(v.get(s, v.get(s.upper()))) for s in sides}
            if None not in g.values():
                grades[k] = {s: x * (-1 if lower_better else 1) for s, x in g.items()}
        if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list):  # JudgeLM "score": [[8, 9]]
            v = v[0]
        if isinstance(v, list) and len(v) == 2 and None not in map(_number, v) and side is None:
            grades[k] = {s: _number(x) * (-1 if lower_better else 1) for s, x in zip(sides, v)}
    for side, key in zip(sides, answer_keys):  # grades inside each answer object
        inner = rec.get(key)
        if isinstance(inner, dict):
            for k, v in inner.items():
                toks = set(tokens(str(k)))
                if toks & GRADE_TOKENS and _number(v) is not None:
                    grades.setdefault(f"{k} in each answer", {})[side] = _number(v) * (-1 if "rank" in toks else 1)
                    break
    for name, g in grades.items():
        if len(g) == 2:
            a, b = g[sides[0]], g[sides[1]]
            if a == b:
                return 0, f"tie on {name}"
            return (0 if a > b else 1), f"by {name}"
    for k, v in rec.items():
        if not isinstance(k, str) or k in answer_keys or not set(tokens(k)) & (WINNER_TOKENS | VERDICT_TOKENS):
            continue
        if set(tokens(k)) & VERDICT_TOKENS and not (isinstance(v, str) and len(v) <= 40):
            continue  # a verdict-like key only counts when it holds a short label
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # alpaca_eval "preference": 2.0
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            continue
        toks = set(tokens(str(v)))
        if toks & {"tie", "draw", "equal", "same", "both", "neither"}:
            return 0, f"tie on {k}"
        named = [i for i, s in enumerate(sides) for kk, vv in rec.items()
                 if isinstance(kk, str) and kk not in answer_keys and kk != k and s in tokens(kk)
                 and isinstance(vv, (str, int)) and not isinstance(vv, bool) and vv == v]
        if len(set(named)) == 1:  # winner: "gpt-4" with model_a: "gpt-4"
            return named[0], f"by {k}"
        hit = [i for i, s in enumerate(sides) if s in toks]
        if len(hit) == 1:
            return hit[0], f"by {k}"
        if sides == ("left", "right") or sides == ("a", "b"):
            alias = {"1": 0, "2": 1, "a": 0, "b": 1}
            idx = {alias[t] for t in toks if t in alias}
            if len(idx) == 1:
                return idx.pop(), f"by {k}"
    return 0, "no grade or winner"


def conv_self_instruct(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """Self-Instruct user-oriented ``{id, instruction, instances: [{input, output}], motivation_app?}``.

    One conversation per instance (instruction + instance input → output).
    """
    ik, instruction = _get(rec, ("instruction",), present=True)
    if not isinstance(instruction, str):
        raise Malformed(f"field 'instruction' is {type(instruction).__name__}, expected str")
    instances = _maybe_json(_get(rec, ("instances",), present=True)[1])
    if not isinstance(instances, list):
        raise Malformed(f"field 'instances' is {type(instances).__name__}, expected list")
    if not instances:
        raise Malformed("field 'instances' is empty")
    out = []
    for i, inst in enumerate(instances):
        if not isinstance(inst, dict):
            raise Malformed(f"instances[{i}] is {type(inst).__name__}, expected object")
        extra = inst.get("input") or ""
        answer = inst.get("output")
        if not isinstance(extra, str) or not isinstance(answer, str):
            raise Malformed(f"instances[{i}]: 'input' and 'output' must be strings")
        meta: dict[str, Any] = {}
        _original_id(rec, meta, vocab)
        if isinstance(rec.get("motivation_app"), str):
            meta["motivation_app"] = rec["motivation_app"]
        out.append(([{"role": "user", "content": _join(instruction, extra)},
                     {"role": "assistant", "content": answer}], meta))
    return out


def conv_mt_bench(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """Prompt-only turn lists: MT-Bench ``{question_id, category, turns: [str, ...]}`` and
    ``{"turns": [{"content": ...}]}``: user turns only (a prompt; reference answers, if any, are
    in ``meta.reference``)."""
    k, turns = _get(rec, ("turns",), present=True)
    turns = _maybe_json(turns)
    if not isinstance(turns, list) or not turns:
        raise Malformed("field 'turns' must be a non-empty list")
    msgs, _ = _turns(turns, "turns", vocab, {}, only_user=True)
    meta: dict[str, Any] = {}
    _original_id(rec, meta, Vocab(id=("question_id", *vocab.id)))
    if isinstance(rec.get("category"), str):
        meta["category"] = rec["category"]
    ref = rec.get("reference")
    if ref:
        meta["reference"] = _json_str(ref)
    return [(msgs, meta)]


def conv_prompt(rec: Any, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """A prompt without an answer: a bare JSON string, or a record holding only a prompt field."""
    if isinstance(rec, str):
        return [([{"role": "user", "content": rec}], {})]
    if isinstance(rec, list):
        return [(_prompt_turns(rec, "record", vocab), {})]
    pk, prompt = _prompt_key(rec, vocab)
    if pk is None:
        pk, prompt = _get(rec, vocab.prompt, present=True)
        if pk is None or not _empty(prompt):
            raise Malformed("no prompt field (" + ", ".join(vocab.prompt[:6]) + ", ...)")
        return [([{"role": "user", "content": ""}], _common_meta(rec, {"empty_prompt": True}, vocab))]
    return [(_system(rec, vocab) + _prompt_turns(prompt, pk, vocab), _common_meta(rec, {}, vocab))]


def conv_text_dialogue(rec: dict, vocab: Vocab = DEFAULT, opts: Options = DEFAULT_OPTIONS) -> list[Conversion]:
    """A dialogue written in one text field (ChatML, Llama-2 ``[INST]``, Zephyr, the Alpaca prompt,
    ``Human:``/``Assistant:`` markers...): split into turns by ``split_dialogue``."""
    k = _dialogue_text(rec)
    if k is None:
        raise Malformed("no text field written as a dialogue (ChatML, [INST], Human:/Assistant: markers...)")
    return [(split_dialogue(rec[k]), _common_meta(rec, {}, vocab))]


Converter = Callable[[Any, Vocab, Options], list[Conversion]]

#: the layout table, in detection order (oasst layouts are converted in ``curate.readers.oasst``).
LAYOUTS: dict[str, Converter] = {
    "sharegpt_preference": conv_preference,
    "sharegpt": conv_conversation,
    "openai": conv_conversation,
    "conversation": conv_conversation,
    "mt_bench": conv_mt_bench,
    "openai_preference": conv_preference,
    "hh_rlhf": conv_preference,
    "prompt_chosen": conv_preference,
    "pairwise": conv_pairwise,
    "self_instruct": conv_self_instruct,
    "dolly": conv_pair,
    "gpteacher": conv_pair,
    "alpaca": conv_pair,
    "prompt_response": conv_pair,
    "eval_report": conv_pair,
    "text_dialogue": conv_text_dialogue,
    "squad": conv_squad,
    "prompt": conv_prompt,
    "answer_only": conv_answer_only,
}

#: old name, kept for callers that look converters up by format name.
CONVERTERS = LAYOUTS
