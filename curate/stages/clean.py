"""Map stages that repair turn text in place: ``clean_text`` and ``redact_pii``. No row is dropped.

Two stages, not one with switches, because they answer different questions (is the text
well-formed? / may this text be kept as is?) and users enable PII redaction on its own; each has
its own switches.

``clean_text`` steps, in this order (each a boolean param, all on by default):

- ``fix_mojibake``: ftfy ``fix_text`` limited to encoding repair (``fiancÃ©`` → ``fiancé``,
  ``â€™`` → ``’``): quotes are not uncurled, full-width characters are kept (Chinese punctuation
  stays), no HTML unescaping, no Unicode normalisation (ftfy docs: ``TextFixerConfig``).
- ``html_to_markdown`` (**off by default**): turns of ``html_roles`` [assistant] that look like a
  chat-UI HTML export (start with ``<div``/``<p>``, no ``<html>``/``<body>``/``<form>``/``<script>``…)
  and whose prose (outside fenced code) holds ≥ ``html_min_tags`` [3] HTML tags are converted with
  markdownify (headings ATX, ``-`` bullets, ``<pre>`` → fenced code, no markdown escaping) — the
  FastChat ``clean_sharegpt`` step for raw ShareGPT HTML dumps. Off by default because in the
  shared data every HTML-heavy turn is an *answer that is HTML code* (Code Alpaca: "create an HTML
  form" → unfenced ``<form>…``), which conversion would destroy; turn it on for raw HTML exports.
  Fenced code blocks are never touched. User turns are off by default too.
- ``unescape_entities``: ``&amp;``, ``&lt;``, ``&#39;``, ``&nbsp;``… outside fenced code become
  characters (machine-translated Alpaca sets are full of them: ``elif mid * mid &lt; n``).
- ``normalize_whitespace``: ``\\r\\n``/``\\r`` → ``\\n``; a form feed or backspace right before
  a lower-case letter is a LaTeX backslash eaten by JSON escaping (``"\\frac"`` written as
  ``"\frac"`` → U+000C + ``rac``; seen in the translated Alpaca sets) and becomes ``\\f``/``\\b``
  again; other control characters (C0 except tab and newline, C1, zero-width space/joiners, BOM,
  soft hyphen) are removed; no-break and other Unicode
  spaces → space (outside code); trailing spaces on each line removed; 3+ blank lines → 2; the turn
  is stripped. Indentation is kept (code).

Counters: ``turns_changed`` and ``turns_changed.<step>``; ``turns`` (total).
Overlap note: the ``normalize`` stage (another module) may also touch whitespace; running both is
harmless (idempotent), ``clean_text`` only adds the control-character and Unicode-space rules. The ``meta`` column is
not touched.

``redact_pii`` replaces PII in the turns of ``roles`` [user, assistant, system, tool] by typed
placeholders (``<EMAIL>``, ``<PHONE>``, ``<IP>``, ``<CREDIT_CARD>``, ``<API_KEY>``; patterns and
their sources in ``curate.filters.pii``) and adds ``stat_pii_<kind>`` (Int64, hits per row) for each
kind in ``kinds``. Counters: ``turns_changed``, ``rows_changed``, ``pii.<kind>``.

Example::

    - {stage: clean_text}
    - {stage: redact_pii, kinds: [email, phone, ip, credit_card, api_key]}
"""

from __future__ import annotations

import html
import re
from typing import Literal

import polars as pl
from pydantic import Field

from curate.filters import pii
from curate.filters.patterns import MARKUP_TAG_RE
from curate.registry import register
from curate.schema import MESSAGES
from curate.stage import Context, Stage, StageParams, StageResult

Role = Literal["system", "user", "assistant", "tool"]

_FENCE_SPLIT_RE = re.compile(r"((?:```|~~~)[^\n]*\n.*?(?:```|~~~)|(?:```|~~~)[^\n]*\n.*\Z)", re.S)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\u00ad]")
_LATEX_FF_RE = re.compile("[\x0c\x08](?=[a-z])")
_SPACES_RE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_TRAILING_RE = re.compile(r"[ \t]+\n")
_BLANKS_RE = re.compile(r"\n{4,}")
_ENTITY_RE = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});")


def _split_code(text: str) -> list[tuple[bool, str]]:
    """[(is_code, segment)] with fenced blocks (and an unclosed trailing fence) marked as code."""
    if "```" not in text and "~~~" not in text:
        return [(False, text)]
    parts = _FENCE_SPLIT_RE.split(text)
    return [(i % 2 == 1, s) for i, s in enumerate(parts) if s]


def _on_prose(text: str, fn) -> str:
    return "".join(s if code else fn(s) for code, s in _split_code(text))


def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
        fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
        fix_surrogates=True, remove_control_chars=False, normalization=None, explain=False,
    )


def _html_to_md(segment: str) -> str:
    from markdownify import markdownify

    out = markdownify(
        segment, heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False,
        escape_misc=False, strip=["script", "style"],
    )
    return _BLANKS_RE.sub("\n\n\n", out).strip("\n")


_EXPORT_START_RE = re.compile(r"^\s*<(?:div|p)[\s>]", re.I)
_DOCUMENT_TAG_RE = re.compile(r"<(?:!DOCTYPE|html|head|body|form|input|script|style|template)\b", re.I)


def _looks_like_export(text: str) -> bool:
    """A chat-UI HTML export turn: starts with ``<div``/``<p>`` and holds no document/form tags."""
    return _EXPORT_START_RE.match(text) is not None and _DOCUMENT_TAG_RE.search(text) is None


def normalize_whitespace(text: str) -> str:
    """Line breaks, control characters, Unicode spaces, trailing spaces and blank-line runs (see module doc)."""
    t = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x0c" in t or "\x08" in t:  # JSON "\f"/"\b" escapes that ate a LaTeX backslash: \frac, \beta
        t = _LATEX_FF_RE.sub(lambda m: "\\f" if m.group(0) == "\x0c" else "\\b", t)
    t = _CONTROL_RE.sub("", t)
    t = _on_prose(t, lambda s: _SPACES_RE.sub(" ", s))
    t = _TRAILING_RE.sub("\n", t)
    t = _BLANKS_RE.sub("\n\n\n", t)
    return t.strip()


def _rebuild(df: pl.DataFrame, msgs: list) -> pl.DataFrame:
    return df.with_columns(pl.Series("messages", msgs, dtype=MESSAGES))


@register
class CleanText(Stage):
    """Repair turn text: mojibake (ftfy), HTML→markdown, HTML entities, whitespace and control chars."""

    name = "clean_text"
    version = "1"
    row_local = True

    class Params(StageParams):
        fix_mojibake: bool = Field(True, description="ftfy encoding repair only")
        html_to_markdown: bool = Field(
            False, description="markdownify turns that look like a chat-UI HTML export (off: HTML answers are code)")
        html_roles: list[Role] = Field(default_factory=lambda: ["assistant"], description="roles converted")
        html_min_tags: int = Field(3, ge=1, description="HTML tags outside code needed to convert a turn")
        unescape_entities: bool = Field(True, description="&amp; &lt; &#39; ... outside code → characters")
        normalize_whitespace: bool = Field(True, description="line breaks, control chars, spaces, blank lines")

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        counts = dict.fromkeys(("fix_mojibake", "html_to_markdown", "unescape_entities", "normalize_whitespace"), 0)
        changed = total = 0
        fix = None
        if p.fix_mojibake:
            import ftfy

            cfg = _ftfy_config()
            fix = lambda s: ftfy.fix_text(s, cfg)  # noqa: E731
        html_roles = set(p.html_roles)
        msgs = df.get_column("messages").to_list() if df.height else []
        for conv in msgs:
            for m in conv or ():
                c0 = c = m["content"]
                if not c:
                    continue
                total += 1
                if fix is not None and not c.isascii():
                    new = fix(c)
                    if new != c:
                        counts["fix_mojibake"] += 1
                        c = new
                if p.html_to_markdown and m["role"] in html_roles and _looks_like_export(c):
                    segs = _split_code(c)
                    if sum(len(MARKUP_TAG_RE.findall(s)) for code, s in segs if not code) >= p.html_min_tags:
                        new = "".join(s if code else _html_to_md(s) for code, s in segs)
                        if new != c:
                            counts["html_to_markdown"] += 1
                            c = new
                if p.unescape_entities and "&" in c:
                    new = _on_prose(c, lambda s: _ENTITY_RE.sub(lambda mm: html.unescape(mm.group(0)), s))
                    if new != c:
                        counts["unescape_entities"] += 1
                        c = new
                if p.normalize_whitespace:
                    new = normalize_whitespace(c)
                    if new != c:
                        counts["normalize_whitespace"] += 1
                        c = new
                if c != c0:
                    m["content"] = c
                    changed += 1
        kept = _rebuild(df, msgs) if changed else df
        counters = {"turns": total, "turns_changed": changed, **{f"turns_changed.{k}": v for k, v in counts.items()}}
        return StageResult(kept=kept, counters=counters)


@register
class RedactPii(Stage):
    """Replace e-mails, phones, public IPs, Luhn-valid card numbers and API keys by typed placeholders."""

    name = "redact_pii"
    version = "1"
    row_local = True

    class Params(StageParams):
        kinds: list[Literal["email", "phone", "ip", "credit_card", "api_key"]] = Field(
            default_factory=lambda: list(pii.KINDS), min_length=1, description="PII kinds to redact")
        roles: list[Role] = Field(
            default_factory=lambda: ["system", "user", "assistant", "tool"], min_length=1,
            description="roles whose turns are redacted")

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        kinds = tuple(k for k in pii.KINDS if k in p.kinds)
        roles = set(p.roles)
        msgs = df.get_column("messages").to_list() if df.height else []
        per_row = {k: [0] * len(msgs) for k in kinds}
        totals = dict.fromkeys(kinds, 0)
        turns_changed = rows_changed = 0
        for i, conv in enumerate(msgs):
            row_hit = False
            for m in conv or ():
                if m["role"] not in roles or not m["content"]:
                    continue
                new, cnt = pii.redact(m["content"], kinds)
                if new != m["content"]:
                    m["content"] = new
                    turns_changed += 1
                    row_hit = True
                for k, v in cnt.items():
                    per_row[k][i] += v
                    totals[k] += v
            rows_changed += row_hit
        kept = _rebuild(df, msgs) if turns_changed else df
        kept = kept.with_columns(**{f"stat_pii_{k}": pl.Series(v, dtype=pl.Int64) for k, v in per_row.items()})
        counters = {"turns_changed": turns_changed, "rows_changed": rows_changed, **{f"pii.{k}": v for k, v in totals.items()}}
        return StageResult(kept=kept, counters=counters)
