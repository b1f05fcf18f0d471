"""Text views and normalisation for deduplication, as polars expressions (vectorised, no Python loop).

A dedup stage compares one *view* of each conversation (``curate.schema.view_expr``):

- ``conversation``: every turn as ``role: content``, joined with newlines (whole-conversation dedup);
- ``first_user_turn``: the first user message (the prompt; catches the same instruction answered twice);
- ``user_turns``: all user messages joined (multi-turn prompt dedup);
- ``assistant_turns``: all assistant messages joined (rarely wanted; offered for completeness).

The view text is then normalised, in this order (``normalize_expr``):

1. Unicode **NFKC**: compatibility forms fold together (full-width ``ｆｕｌｌ`` → ``full``, ligatures,
   super/subscripts, the ideographic space → a space);
2. **lowercase** (Unicode-aware);
3. **punctuation and symbols stripped**: every character of Unicode category ``P*`` or ``S*`` becomes a
   space (so ``end.Start`` still splits into two words; ``don't`` becomes ``don t``). Digits are kept,
   unlike datatrove's normaliser, which maps them to 0 (research/env-check.md P9);
4. **whitespace collapsed**: runs of any Unicode whitespace become one space; ends trimmed.

A null view (e.g. no user turn) stays null, and dedup stages never cluster null or empty views.

Tokens: ``word`` splits the normalised text on spaces; ``char`` drops spaces and takes every character
(for Chinese/Japanese, which do not put spaces between words; text-dedup#41 and NeMo use character
shingles). ``auto`` makes every CJK character (Han, Hiragana, Katakana) its own token and splits the
rest on spaces, so a mostly-CJK text is shingled by characters and an English one by words, with
one rule for every row. (A per-row switch between word and char shingles was tried first: a
truncated or reordered copy of a mixed Chinese/English chat could land on the other side of the
switch and share no shingle with its original.) Korean uses spaces and stays word-based.
``is_char`` reports rows whose first 256 non-space characters are more than half CJK.
"""

from __future__ import annotations

import polars as pl

from curate.schema import VIEWS, view_expr

#: views a dedup stage accepts (``curate.schema.VIEWS``).
DEDUP_VIEWS = tuple(VIEWS)

_PUNCT_OR_SPACE = r"[\p{P}\p{S}\s]+"
_CJK = r"[\p{Han}\p{Hiragana}\p{Katakana}]"
_CJK_GROUP = r"([\p{Han}\p{Hiragana}\p{Katakana}])"


def normalize_expr(expr: pl.Expr) -> pl.Expr:
    """Normalise a String expression: NFKC → lowercase → punctuation/symbols to spaces → collapse
    whitespace (see the module docstring). Nulls stay null."""
    # steps 3 and 4 in one regex pass: every run of punctuation, symbols and whitespace → one space
    return (
        expr.str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_all(_PUNCT_OR_SPACE, " ")
        .str.strip_chars(" ")
    )


def normalized_view(view: str) -> pl.Expr:
    """The normalised text of ``view`` for every row. Raises ``KeyError`` for an unknown view."""
    if view not in VIEWS:
        raise KeyError(f"unknown view {view!r}; known: {', '.join(VIEWS)}")
    return normalize_expr(view_expr(view))


def cjk_ratio_expr(expr: pl.Expr, head: int = 256) -> pl.Expr:
    """Share of CJK characters among the non-space characters of the first ``head`` characters of
    ``expr`` (0.0 for empty text). Looking at the head only keeps ``auto`` cheap on long chats."""
    h = expr.str.slice(0, head)
    n = h.str.len_chars() - h.str.count_matches(r"\s")
    return (h.str.count_matches(_CJK) / n).fill_nan(0.0).fill_null(0.0)


def normalize_text(text: str) -> str:
    """Python-side convenience: normalise one string exactly like ``normalize_expr``."""
    return pl.Series([text]).to_frame("t").select(normalize_expr(pl.col("t"))).item()


def token_lists(norm: pl.Series, shingle: str) -> tuple[pl.Series, "pl.Series"]:
    """Split normalised texts into tokens.

    Args:
        norm: normalised texts (String; nulls allowed, they give no tokens).
        shingle: ``word``, ``char`` or ``auto`` (CJK characters as single tokens, other words by spaces).

    Returns:
        ``(tokens, is_char)``: a ``List(String)`` series (``[""]`` or ``[]`` for null/empty text;
        ``shingle_hashes`` skips empty tokens) and a
        Boolean series saying which rows were split into characters.
    """
    if shingle not in ("word", "char", "auto"):
        raise ValueError(f"shingle must be word, char or auto, got {shingle!r}")
    df = norm.rename("t").to_frame()
    t = pl.col("t").fill_null("")
    if shingle == "word":
        is_char = pl.lit(False)
    elif shingle == "char":
        is_char = pl.lit(True)
    else:
        is_char = cjk_ratio_expr(t) > 0.5
    out = df.select(
        is_char=is_char,
        t=t,
    )
    if shingle == "auto":
        # every CJK character is its own token; other text splits on spaces
        # (double spaces give empty tokens, which shingle_hashes skips)
        out = out.select("is_char", tok=pl.col("t").str.replace_all(_CJK_GROUP, " $1 ").str.split(" "))
    elif shingle == "char":
        out = out.select("is_char", tok=pl.col("t").str.replace_all(" ", "").str.split(""))
    else:
        out = out.select("is_char", tok=pl.col("t").str.split(" "))
    return out["tok"], out["is_char"]
