"""Phrase lists for the ``quality`` stage, as regular expressions.

Every pattern is written so that both Python ``re`` and the Rust ``regex`` crate (polars
``str.contains``/``str.extract``) accept it: no look-around, no back-references
(``refusal_pattern(rust=True)`` swaps in ASCII word boundaries for speed). Matching is case
insensitive.

Refusal and AI-boilerplate patterns live in one text file per language,
``curate/filters/refusal_patterns/<lang>.txt`` (en, zh, ru, fr, es, de, ja, pt, it, ko), read once
per process by ``load_refusal_patterns``. Each file has three sections (format in ``en.txt``):
``[ai_disclaimer]`` ("As an AI language model", knowledge-cutoff notes, role-play breaks),
``[refusal]`` (explicit refusals) and ``[soft]`` (deflections, claims of missing information,
ethics lectures: judged by position and share, see ``curate.filters.refusal``). Add a language by
adding a file; users add patterns from YAML with the ``quality`` stage's ``extra_patterns``.

Sources: the "As an AI language model" / refusal phrase list used to build
ShareGPT_Vicuna_unfiltered and WizardLM-uncensored (the ``optional_clean`` style lists in
FastChat's ``fastchat/data/optional_clean.py`` and the community ``clean_sharegpt`` forks), cut
down to phrases that are refusals or AI self-disclaimers in any context (topic words such as
"racism" or "inappropriate" were left out: they fire on helpful answers), plus the same phrases in
the other languages as they appear in the shared ShareGPT/oasst/hh-rlhf dumps.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# ---------------------------------------------------------------- refusal and AI boilerplate (assistant turns)

PATTERN_DIR = Path(__file__).with_name("refusal_patterns")
KINDS = ("ai_disclaimer", "refusal", "soft")
_SECTION_RE = re.compile(r"^\[(\w+)\]$")


def parse_pattern_file(text: str, source: str = "<text>") -> dict[str, list[str]]:
    """``{kind: [regex, ...]}`` from one pattern file's text (format: ``refusal_patterns/en.txt``).

    Raises ``ValueError`` naming ``source`` and the line for an unknown ``[kind]``, a pattern before
    any section, or a regex that Python ``re`` or polars (Rust ``regex``) rejects.
    """
    out: dict[str, list[str]] = {k: [] for k in KINDS}
    kind = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _SECTION_RE.match(line)
        if m:
            kind = m.group(1)
            if kind not in KINDS:
                raise ValueError(f"{source}:{n}: unknown section [{kind}] (expected one of {', '.join(KINDS)})")
            continue
        if kind is None:
            raise ValueError(f"{source}:{n}: pattern before any [section]")
        problem = regex_problem(line)
        if problem:
            raise ValueError(f"{source}:{n}: {problem}")
        out[kind].append(line)
    return out


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used (Python ``re`` or Rust ``regex`` error), or None if both accept it."""
    try:
        re.compile(pattern)
    except re.error as e:
        return f"bad regex {pattern!r}: {e}"
    import polars as pl

    try:
        pl.Series([""]).str.contains("(?i)" + _ascii_boundaries(pattern))
    except Exception as e:  # polars ComputeError: the Rust engine rejects look-around, back-references
        return f"regex {pattern!r} is not supported by polars (Rust regex: no look-around or back-references): {str(e).splitlines()[0]}"
    return None


@lru_cache(maxsize=1)
def load_refusal_patterns() -> dict[str, dict[str, tuple[str, ...]]]:
    """``{lang: {kind: (regex, ...)}}`` from every ``refusal_patterns/<lang>.txt`` (read once per process)."""
    out = {}
    for path in sorted(PATTERN_DIR.glob("*.txt")):
        parsed = parse_pattern_file(path.read_text(encoding="utf-8"), str(path))
        fix = apostrophe_optional if path.stem == "en" else (lambda p: p)
        out[path.stem] = {k: tuple(fix(p) for p in v) for k, v in parsed.items()}
    return out


def apostrophe_optional(pattern: str) -> str:
    """An English pattern that also matches contractions typed without the apostrophe, as crowd
    replies often are ("Im sorry", "I cant help", "I dont know"): the ``['’]`` class before ``m``
    and inside ``n't`` becomes optional. Other contractions ("we're" → "were", "it's" → "its")
    stay strict, since the bare forms are ordinary words."""
    return pattern.replace("['’]m", "['’]?m").replace("n['’]t", "n['’]?t")


def refusal_languages() -> tuple[str, ...]:
    """Languages that have a pattern file, e.g. ``('de', 'en', 'es', 'fr', 'it', 'ja', 'ko', 'pt', 'ru', 'zh')``."""
    return tuple(load_refusal_patterns())


def _ascii_boundaries(pat: str) -> str:
    return pat.replace(r"\b", r"(?-u:\b)")


def refusal_pattern(kinds: tuple[str, ...] = ("ai_disclaimer", "refusal"), languages: tuple[str, ...] | None = None,
                    rust: bool = True, extra: tuple[str, ...] = ()) -> str:
    """One case-insensitive alternation over the chosen kinds and languages, plus ``extra`` regexes
    (``(?i)`` prefix included, one capture group around the whole match).

    ``rust=True`` (for polars) turns ``\\b`` into the ASCII word boundary ``(?-u:\\b)``: the Unicode
    boundary keeps Rust's regex off its DFA and was ~70x slower on the ShareGPT sample (18.5 s vs
    0.26 s for 12k turns). ``rust=False`` gives a Python ``re`` pattern. When nothing is selected the
    result is a pattern that never matches, ``(?i)([^\\s\\S])``.
    """
    parts: list[str] = []
    for lang, table in load_refusal_patterns().items():
        if languages is not None and lang not in languages:
            continue
        for kind in kinds:
            parts.extend(table.get(kind, ()))
    parts.extend(extra)
    if not parts:
        return r"(?i)([^\s\S])"
    pat = "(?i)(" + "|".join(f"(?:{p})" for p in parts) + ")"
    return _ascii_boundaries(pat) if rust else pat


def refusal_pattern_chunks(kinds: tuple[str, ...], languages: tuple[str, ...] | None = None, rust: bool = True) -> list[str]:
    """``refusal_pattern`` split by language: one alternation per pattern file that has the chosen kinds (an empty
    list when none has). Test a text against each (``pl.any_horizontal``) rather than against their union: past a
    size, Rust's regex gives up its lazy DFA for a far slower engine, and the union of every language's ``soft``
    patterns crossed it (15,000 dump answers: 14 s for the union, 0.11 s for the ten files one by one)."""
    return [refusal_pattern(kinds, (lang,), rust) for lang, table in load_refusal_patterns().items()
            if (languages is None or lang in languages) and any(table.get(k) for k in kinds)]


# ---------------------------------------------------------------- truncation: "continue" follow-ups (user turns)

#: the whole user turn (after stripping punctuation/whitespace) asks to go on
CONTINUE_RE = re.compile(
    r"^(?:please |pls |now |ok(?:ay)?,? )?(?:continue|cont|go on|keep going|carry on|more|finish|go ahead)"
    r"(?: please| pls)?(?: (?:writing|the (?:code|text|answer|story|list|script)|from where you (?:left off|stopped)"
    r"|where you left off|your (?:answer|response)))?(?: please)?$"
    r"|^(?:请)?继续(?:写|说|回答|输出|生成)?(?:吧|下去)?$"
    r"|^(?:continúa|continua|sigue|weiter|weitermachen|fahre fort|continuez|continue s'il te plaît|продолжай|продолжи|続けて|続き)$",
    re.I,
)
_EDGE_PUNCT = " \t\r\n.!?。！？…,，:;\"'“”"


def is_continue_request(text: str) -> bool:
    """True when a user turn only asks the assistant to continue its previous (cut) answer."""
    t = text.strip(_EDGE_PUNCT)
    return len(t) <= 60 and CONTINUE_RE.match(t) is not None


# ---------------------------------------------------------------- templated identity (user turns)

IDENTITY_RE = re.compile(
    r"^(?:hi|hello|hey)?[ ,!]*(?:please |pls |now )?(?:"
    r"who (?:are|r) (?:you|u)|what(?:'s| is) your name|what are you|introduce yourself|can you introduce yourself"
    r"|(?:can you |could you )?tell me (?:a little |a little bit |a bit |more )?about (?:yourself|you)|tell me (?:your name|who you are|what you are)"
    r"|what are you called|(?:what|how) (?:should|do|can|may) i (?:call|address) you|who (?:created|made|built|developed|trained|programmed|taught|designed|wrote) you|who is your (?:creator|developer|author)"
    r"|what (?:is|'s) your (?:purpose|model|identity)|are you (?:chatgpt|gpt-?\d|an ai|a bot|human|a robot|vicuna|claude|bard|llama|alpaca|(?:davinci|curie|babbage|ada)(?:-\d+)?)"
    r"|do you (?:call|use) (?:the )?(?:\w+ ){0,2}apis?"
    r"|what (?:company|organi[sz]ation) (?:created|made|built|trained|developed) you|what model are you|which model are you"
    r"|are you (?:based on|trained by|developed by|made by|created by) [^?]{1,40}"
    r"|你是谁|你叫什么|你的名字|介绍一下你自己|介绍一下自己|你是(?:什么|哪个)(?:模型|ai|AI)|谁(?:创造|开发|训练|制造)了你|创造你的人是谁|你是(?:chatgpt|ChatGPT|gpt)"
    r")[ ?？!！.。]*$",
    re.I,
)


def is_identity_question(text: str) -> bool:
    """True for a short user turn that only asks who/what the assistant is."""
    t = text.strip()
    return len(t) <= 80 and IDENTITY_RE.match(t) is not None


#: an identity answer that names a model, a maker or a persona: the name is what a fine-tune would learn to claim
#: (names bounded by non-letters, not ``\b``: "我是OpenAssistant" has no word boundary; FastChat's "I am Vicuna … (LMSYS)", "I'm Claude, made by Anthropic", "我是通义千问，由阿里云开发", "My default name is Open
#: Assistant"); "I'm an AI assistant, a large language model trained to help with…" names nobody and is kept
IDENTITY_NAME_RE = re.compile(
    r"(?i)(?<![a-z])(?:chat ?gpt|gpt-?\d|openai|vicuna|lmsys|large model systems|llama|meta ai|\bmeta\b|claude|anthropic|bard|gemini|google|"
    r"deepmind|open ?assistant|laion|alpaca|stanford|koala|mistral|qwen|alibaba|baichuan|chatglm|glm-?\d|zhipu|deepseek|moss|"
    r"ernie|baidu|microsoft|bing|copilot|yandex|gigachat|sber|yi-|01\.ai|kimi|moonshot|minimax|internlm|tsinghua|fudan)(?![a-z])"
    r"|(?i:\b(?:company|corporation|organi[sz]ation|team|lab|startup) (?:called|named))"
    r"|\{\{\s*(?:name|author)\s*\}\}"
    r"|\bmy (?:default )?name is\b|\b(?:i am|i['’]m) called\b|\bi go by\b|\bcall me\b"
    r"|通义|千问|文心|百度|阿里|智谱|清华|复旦|深度求索|月之暗面|讯飞|星火|混元|腾讯|字节|豆包|我(?:的名字)?叫|我的名字是"
    r"|меня зовут|мо[её] имя\b|яндекс|алиса|сбер|гигачат"
)


def names_identity(answer: str) -> bool:
    """True when an identity answer names a model, a maker or a persona (``IDENTITY_NAME_RE``), which is what
    ``templated_identity`` drops: a fine-tune learns the name. A generic "I'm an AI assistant…" names nobody."""
    return IDENTITY_NAME_RE.search(answer) is not None


# ---------------------------------------------------------------- placeholders and markup debris (outside code)

#: template leftovers: {{name}}, {{ author }}, chat special tokens like <|im_start|> / <|endoftext|>, a tokenizer's
#: <unk>, </s> and [PAD]; not a
#: LaTeX argument in double braces ("\\text{{J}}(a,b,c)", NuminaMath prompts, round 34): the braces follow a
#: letter, digit, backslash or brace there; a tool call whose argument is the dataset template's own variable
#: ("…can be found with a search query: search('{input}').", GPTeacher toolformer: 4 in the 65,398 pairs, round 30)
PLACEHOLDER_RE = re.compile(r"(?:^|[^A-Za-z0-9_\\{}])\{\{\s*[A-Za-z_][\w.]*\s*\}\}|<\|[A-Za-z_]+(?:\|>|>)|\[(?:INST|/INST)\]|<</?SYS>>"
                            # a tokenizer's own special tokens leaked into the text ("<unk> <unk> </s> [PAD]", written sets G, H)
                            r"|<(?:unk|pad|eos|bos)>|</s>|\[(?:PAD|UNK)\]"
                            r"|\b[A-Za-z_]\w*\(\s*['\"]\{(?:input|instruction|output|question|query|prompt|text)\}[^'\"\n]{0,40}['\"]\s*\)")
#: ...the chat special tokens alone (what still counts inside a template document)
SPECIAL_TOKEN_RE = re.compile(r"<\|[A-Za-z_]+(?:\|>|>)|\[(?:INST|/INST)\]|<</?SYS>>|<(?:unk|pad|eos|bos)>|</s>|\[(?:PAD|UNK)\]")

#: HTML tags of the kinds ShareGPT's HTML export leaves behind, and HTML entities
MARKUP_TAG_RE = re.compile(
    r"</?(?:div|span|p|br|hr|a|b|i|u|em|strong|ul|ol|li|table|thead|tbody|tr|td|th|pre|code|img|h[1-6]"
    r"|blockquote|sup|sub|font|svg|path|button|label|section|article)(?:\s[^<>]{0,300})?/?>",
    re.I,
)
MARKUP_ENTITY_RE = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{2,6}|#x[0-9a-fA-F]{2,6});")
#: entities that stand for a quote or an ampersand: in Latin-script prose with no other entity and no code
#: they are one dump's escaping (LIMA's StackExchange answers: "&quot;Pure&quot; water is…"), which
#: ``clean_text`` repairs, not debris (rounds 1-31: 4 good and 2 unsure rows, 26 of the 28 scan drops LIMA)
QUOTE_ENTITY_RE = re.compile(r"&(?:quot|apos|amp|#34|#39);")

#: a turn containing any of these is HTML/JSX *code* (unfenced), so its tags are not debris
HTML_CODE_SIGNAL_RE = re.compile(
    r"<(?:!DOCTYPE|html|head|body|form|input|script|style|template|button|select|textarea|link|meta)\b"
    r"|\bclass(?:Name)?=|\bon[A-Z][a-z]+=|\bhref=|\bsrc=|\breturn \(|\bfunction\b|\bimport\b",
    re.I,
)
