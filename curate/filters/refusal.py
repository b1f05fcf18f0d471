"""Soft refusals: deflections, missing-information claims and ethics lectures *instead of* an answer.

A hard refusal ("I can't help with that", "As an AI language model") is boilerplate wherever it
appears, so the ``quality`` stage matches it anywhere in an assistant turn. A soft phrase is not:
"please consult a doctor", "without more context", "this is illegal" close many good answers. A
turn counts as a soft refusal only when the phrase is where a refusal would be and the answer has
little else in it:

- **position**: a soft phrase in one of the turn's first ``opening_sentences`` sentences [2], and
  the turn is **short**: at most ``max_words`` words [80; CJK characters count one word each] or
  at most ``max_prompt_ratio`` [0.5] times the words of the user turn it answers (a 600-word paste
  "answered" with 120 words that open with "Without more context I can't say" is a deflection); or
- **share**: sentences with a soft phrase make up at least ``min_share`` [0.5] of the turn's prose
  characters (code removed), whatever the length: an ethics lecture in place of an answer;
- **asking back**: the conversation's only answer is a short question (≤ 2 sentences, ≤ 20
  words, ending in ``?``/``？``) to a prompt of ≥ 3 words: "Why are you asking me?", "What do you
  mean?" (``final=True``, set by the stage for single-answer rows; in a longer chat a question back
  is an ordinary turn of the dialogue).

The thresholds are ours, set on the tune half of ``benchmarks/refusal_labels.jsonl`` (hh-rlhf,
ShareGPT, ShareGPT-zh, oasst) and checked on its hold-out half and on
``benchmarks/quality_labels.jsonl`` (see ``benchmarks/results/quality.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from curate.filters.text import strip_code, words

#: a sentence: text up to and including its terminal punctuation (Latin, CJK, or a line end)
SENTENCE_RE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+[\"'”’»」』)]*|\n|$)")


def sentences(text: str) -> list[str]:
    """Non-blank sentences of ``text`` (split after ``. ! ? 。 ！ ？`` and at line ends)."""
    return [s.strip() for s in SENTENCE_RE.findall(text) if s.strip()]


@dataclass(frozen=True)
class SoftRefusal:
    """Result of ``soft_refusal`` for one assistant turn.

    Attributes:
        is_refusal: the turn is a soft refusal by position or by share.
        share: characters of soft-phrase sentences / prose characters, in [0, 1].
        opening: a soft phrase sits in one of the opening sentences.
        match: the first soft phrase found (for ``drop_detail``), or None.
    """

    is_refusal: bool
    share: float
    opening: bool
    match: str | None


#: the whole answer is one short question back ("What do you mean?", "你想了解什么？")
_QUESTION_END = ("?", "？")


#: offers of help are greetings, not questions back; prompts that ask for a question want one
_OFFER_RE = re.compile(r"(?i)how (?:can|may|could) i (?:help|assist)|what can i do for you|有什么(?:可以|能)帮|能为您做|чем (?:я )?(?:могу|можу) (?:вам |тебе )?помочь|en qu[eé] puedo ayudar")
_ASK_FOR_QUESTION_RE = re.compile(
    r"(?i)\bask me\b|\bquestions?\b|\bquiz\b|问题|提问|问我|疑问|问句|反问|вопрос|pregunta"
    # generation and rewriting tasks: a question can be the requested output
    r"|\b(?:rewrite|rephrase|paraphrase|change|convert|turn|transform|make|edit|correct|translate|generate|create"
    r"|write|compose|form|construct|formulate|come up with|add|complete|continue)\b"
    r"|改写|重写|改成|变成|转换|转为|翻译|改为|添加|造句|构造|生成|写|编|出一道|续写|让这句话"
    r"|перепиш|перевед|сформулир|составь|придумай|reescrib|traduc|genera|escrib")


def asks_back(text: str, prompt: str = "", max_words: int = 20) -> bool:
    """True when ``text`` is at most two sentences, ≤ ``max_words`` words, and ends with a question
    that is not an offer of help ("How can I help you today?") and answers a prompt that did not
    ask for a question or set a generation/rewriting task, where a question can be the output
    ("Ask me a question", "把这句话改成疑问句", "Rewrite this politely")."""
    prose = strip_code(text).strip()
    if not prose or not prose.endswith(_QUESTION_END) or len(words(prose)) > max_words or len(sentences(prose)) > 2:
        return False
    return not _OFFER_RE.search(prose) and not _ASK_FOR_QUESTION_RE.search(prompt)


def soft_refusal(text: str, prompt: str, pattern: re.Pattern, *, opening_sentences: int = 2, max_words: int = 80,
                 max_prompt_ratio: float = 0.5, min_share: float = 0.5, final: bool = False) -> SoftRefusal:
    """Judge one assistant turn ``text`` (answering the user turn ``prompt``) with the compiled
    soft-phrase ``pattern`` (``re.compile(patterns.refusal_pattern(("soft",), rust=False))``).

    See the module docstring for the rule; all counts are words of ``curate.filters.text.words``.
    """
    prose = strip_code(text)
    sents = sentences(prose)
    if not sents:
        return SoftRefusal(False, 0.0, False, None)
    if final and asks_back(text, prompt) and len(words(prompt)) >= 3:
        return SoftRefusal(True, 1.0, True, f"asks back: {prose.strip()[:40]}")
    first = None
    hit_chars = 0
    opening = False
    for i, s in enumerate(sents):
        m = pattern.search(s)
        if m:
            first = first or m.group(0)
            hit_chars += len(s)
            opening = opening or i < opening_sentences
    total = sum(len(s) for s in sents)
    share = hit_chars / total if total else 0.0
    n_words = len(words(prose))
    short = n_words <= max(max_words, max_prompt_ratio * len(words(prompt)))
    return SoftRefusal((opening and short) or share >= min_share, share, opening, first)
