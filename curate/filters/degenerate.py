"""Degenerate-text metrics for one assistant turn: low character entropy, token loops, gibberish, echo.

``degenerate_metrics(text, prompt)`` returns numbers the ``quality`` stage stores as ``stat_*``
columns and compares to thresholds (``degenerate`` rule):

``char_entropy``
    Shannon entropy (bits per character) of the turn's characters, whitespace excluded, for turns
    of ≥ 20 characters (None below). Natural text sits at 4–5 bits (English) and 7–9 (Chinese);
    "hahahaha", "!!!!!!" or "1 1 1 1" fall under 2.5 (the ``min_char_entropy`` default). Used as a
    low-entropy check in the same way as the character-level filters of Data-Juicer
    (``character_repetition_filter``) and the "special characters / flagged words" family of
    BigScience ROOTS (Laurençon et al. 2022).
``tail_loop``
    Share of the turn's words covered by one unit of 1–12 words repeated back to back at the very
    end ("... and then and then and then"): the signature of a decoding loop (Holtzman et al.
    2020, "The Curious Case of Neural Text Degeneration"). Counted only with ≥ 4 repeats of the unit;
    0 otherwise. Threshold ``max_tail_loop`` [0.3].
``token_run``
    Longest run of one identical word token anywhere (e.g. "very very very very ..."). Threshold
    ``max_token_run`` [8]; CJK characters are single tokens, so "哈哈哈哈哈哈哈哈哈" counts 9.
``gibberish``
    Share of Latin-script words of ≥ 4 letters that no language writes: no vowel (``aeiouy`` and
    accented forms), or 5+ consonants in a row, or letters mixed with 3+ digits ("x7f9k2"); None
    under 5 such words. Threshold ``max_gibberish`` [0.3].
``echo``
    1 when the turn only repeats the prompt (identical after case and whitespace folding, ≥ 10
    characters), 0 otherwise.

Fenced code and URLs are removed first (code loops and hashes by design).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from curate.filters.text import URL_RE, code_density, strip_code, words

_LATIN_WORD_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]{4,}")
_VOWEL_RE = re.compile(r"[aeiouyAEIOUYÀ-ÆÈ-ÏÒ-ÖØ-Ýà-æè-ïò-öø-ÿ]")
_CONS_RUN_RE = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{5,}")
_WS_RE = re.compile(r"\s+")

DEGENERATE_KEYS = ("char_entropy", "tail_loop", "token_run", "gibberish", "echo")


def char_entropy(text: str) -> float | None:
    """Shannon entropy in bits per non-whitespace character; None under 20 such characters."""
    chars = _WS_RE.sub("", text)
    n = len(chars)
    if n < 20:
        return None
    return -sum(c / n * math.log2(c / n) for c in Counter(chars).values())


def tail_loop(tokens: list[str], max_unit: int = 12, min_repeats: int = 4) -> float:
    """Share of ``tokens`` covered by the longest back-to-back repetition of a 1–``max_unit``-token
    unit at the end of the sequence (with ≥ ``min_repeats`` copies), else 0."""
    n = len(tokens)
    best = 0
    for p in range(1, min(max_unit, n // min_repeats) + 1):
        unit = tokens[n - p:]
        reps = 1
        i = n - 2 * p
        while i >= 0 and tokens[i:i + p] == unit:
            reps += 1
            i -= p
        if reps >= min_repeats:
            best = max(best, reps * p)
    return best / n if n else 0.0


def token_run(tokens: list[str]) -> int:
    """Length of the longest run of one identical token."""
    best = run = 0
    prev = None
    for t in tokens:
        run = run + 1 if t == prev else 1
        prev = t
        best = max(best, run)
    return best


def gibberish(text: str) -> float | None:
    """Share of implausible Latin-script words (see module doc); None under 5 words of ≥ 4 letters,
    when Latin-script words are under 30 % of all words (a Chinese or Japanese text quoting
    acronyms), or in code-like text (``code_density`` > 0.03). Acronyms (all capitals) are skipped."""
    ws = [w for w in _LATIN_WORD_RE.findall(text) if not w.isdigit() and not w.isupper()]
    if len(ws) < 5 or len(ws) < 0.3 * len(words(text)) or code_density(text) > 0.03:
        return None
    bad = 0
    for w in ws:
        digits = sum(ch.isdigit() for ch in w)
        if (digits >= 3 and digits < len(w)) or not _VOWEL_RE.search(w) or _CONS_RUN_RE.search(w):
            bad += 1
    return bad / len(ws)


def _fold(text: str) -> str:
    return _WS_RE.sub(" ", text).strip().lower()


def degenerate_metrics(text: str, prompt: str = "") -> dict[str, float | int | None]:
    """``{char_entropy, tail_loop, token_run, gibberish, echo}`` of one assistant turn (see module doc)."""
    prose = URL_RE.sub(" ", strip_code(text))
    toks = [w.lower() for w in words(prose)]
    folded = _fold(text)
    return {
        "char_entropy": char_entropy(prose),
        "tail_loop": tail_loop(toks),
        "token_run": token_run(toks),
        "gibberish": gibberish(prose),
        "echo": int(len(folded) >= 10 and folded == _fold(prompt)),
    }
