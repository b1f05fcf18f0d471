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
  characters (code removed), whatever the length: an ethics lecture in place of an answer.

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


def soft_refusal(text: str, prompt: str, pattern: re.Pattern, *, opening_sentences: int = 2, max_words: int = 80,
                 max_prompt_ratio: float = 0.5, min_share: float = 0.5) -> SoftRefusal:
    """Judge one assistant turn ``text`` (answering the user turn ``prompt``) with the compiled
    soft-phrase ``pattern`` (``re.compile(patterns.refusal_pattern(("soft",), rust=False))``).

    See the module docstring for the rule; all counts are words of ``curate.filters.text.words``.
    """
    prose = strip_code(text)
    sents = sentences(prose)
    if not sents:
        return SoftRefusal(False, 0.0, False, None)
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
