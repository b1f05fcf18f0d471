"""Mask-coverage audit: is every assistant turn supervised in full, end-of-turn token included,
and nothing else?

TRL's ``assistant_only_loss`` trusts ``apply_chat_template(..., return_assistant_tokens_mask=True)``.
transformers 5.23 maps each ``{% generation %}`` character span to tokens with ``char_to_token``; when
a span's first character maps to no token (a tokenizer with ``trim_offsets=True`` and a reply that
starts with a space, a normalizer that deletes characters) it ``break``s, so that turn **and every
later turn** get a 0 mask, and when the last character maps to no token the mask runs to the end of
the row. TRL only rejects rows with no supervised token at all (anchors §4.4 item 5, §4.7), so a
partial loss trains silently. This module recomputes what the mask should be and compares:

- expected, per assistant turn: the tokens from the first token that any character of the span
  maps to, through the last one (so a token straddling the span edge counts as inside, as it does
  for transformers);
- checks per row: the template marks one span per assistant message; each span's tokens are all
  masked (``expected N tokens, masked M``); its last token is an end-of-turn token (an added /
  special token, e.g. ``<|im_end|>``); no token outside the spans is masked.

Two entry points:

- ``count_and_audit(tokenizer, texts, spans, n_assistant)``: for pre-rendered text (the
  ``chat_template`` stage's fast path); the mask is transformers' algorithm replayed on the
  tokenizer's offsets (tested equal to ``apply_chat_template``).
- ``audit_conversations(tokenizer, conversations)``: the exact path TRL takes, on the exact
  tokenizer: ``apply_chat_template`` masks vs the Jinja generation spans (``train_model``).

Both return one detail string per row (``None`` = passed), e.g.
``"assistant turn 1 (message 3): expected 12 tokens, masked 0"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from curate.progress import task

MAX_ISSUES = 3  # issues named per row in a detail string


@dataclass
class AuditResult:
    """Outcome of ``audit_conversations``.

    Attributes:
        rows_checked: rows audited.
        rows_failed: rows with at least one issue.
        details: per row, ``None`` or the issue text (same order as the input).
        tokens: per row, tokens of the rendered conversation (before truncation).
        supervised: per row, tokens under the tokenizer's assistant mask (before truncation).
        supervised_kept: per row, the same within the first ``max_length`` tokens (all without one).
        masks: per row, the tokenizer's assistant mask (list of 0/1), kept only when asked.
    """

    rows_checked: int = 0
    rows_failed: int = 0
    details: list[str | None] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    supervised: list[int] = field(default_factory=list)
    supervised_kept: list[int] = field(default_factory=list)
    masks: list[list[int]] | None = None

    def failed_indices(self) -> list[int]:
        return [i for i, d in enumerate(self.details) if d is not None]

    def summary(self) -> dict[str, int]:
        return {"rows_checked": self.rows_checked, "rows_failed": self.rows_failed}


def end_of_turn_ids(tokenizer) -> set[int]:
    """Ids a generation block may end on: the tokenizer's special and added tokens (TRL's
    ``is_chat_template_stop_token_trained`` asks for an added-vocab token)."""
    ids = set(getattr(tokenizer, "all_special_ids", []) or [])
    try:
        ids |= set(tokenizer.get_added_vocab().values())
    except Exception:  # pragma: no cover - slow tokenizers without added vocab
        pass
    return ids


def transformers_mask(char_to_token: Callable[[int], int | None], spans: list[tuple[int, int]], n: int) -> np.ndarray:
    """The assistant mask transformers 5.23 ``apply_chat_template`` builds for one row (``uint8[n]``):
    per span, ``char_to_token(start)`` … ``char_to_token(end - 1)`` inclusive; a start mapping to no
    token stops the row (later spans get 0); an end mapping to no token (or to token 0) runs to ``n``."""
    mask = np.zeros(n, dtype=np.uint8)
    for s, e in spans:
        a = char_to_token(s)
        if a is None:
            break
        b = char_to_token(e - 1)
        mask[a:(b + 1 if b else n)] = 1
    return mask


def _first_token(char_to_token, s: int, e: int, step: int) -> int | None:
    rng = range(s, e) if step > 0 else range(e - 1, s - 1, -1)
    for c in rng:
        t = char_to_token(c)
        if t is not None:
            return t
    return None


def audit_row(ids: list[int], char_to_token: Callable[[int], int | None], spans: list[tuple[int, int]],
              mask, n_assistant: int, eot_ids: set[int], message_index: list[int] | None = None) -> str | None:
    """Check one row; ``None`` if it passes, else a ``; ``-joined issue list (at most ``MAX_ISSUES``).

    Args:
        ids: the row's token ids (length n).
        char_to_token: char index → token index or None (``Encoding.char_to_token``).
        spans: generation spans ``(start, end)`` in characters, end exclusive.
        mask: the assistant mask to judge (length n, 0/1).
        n_assistant: assistant messages in the conversation (one span each is expected).
        eot_ids: ids accepted as a span's last token.
        message_index: position of each assistant message in the conversation (for the detail).
    """
    n = len(ids)
    mask = np.asarray(mask, dtype=bool)
    issues: list[str] = []
    if len(spans) != n_assistant:
        issues.append(f"template marks {len(spans)} of {n_assistant} assistant turns")
    expected = np.zeros(n, dtype=bool)
    for k, (s, e) in enumerate(spans):
        where = f"assistant turn {k}" + (f" (message {message_index[k]})" if message_index and k < len(message_index) else "")
        a, b = _first_token(char_to_token, s, e, 1), _first_token(char_to_token, s, e, -1)
        if a is None or b is None:
            issues.append(f"{where}: maps to no token")
            continue
        expected[a:b + 1] = True
        got = int(mask[a:b + 1].sum())
        if got != b - a + 1:
            issues.append(f"{where}: expected {b - a + 1} tokens, masked {got}")
        if ids[b] not in eot_ids:
            issues.append(f"{where}: ends on token {ids[b]}, not an end-of-turn token")
    extra = int((mask & ~expected).sum())
    if extra:
        issues.append(f"{extra} tokens masked outside assistant turns")
    if not issues:
        return None
    more = f"; +{len(issues) - MAX_ISSUES} more" if len(issues) > MAX_ISSUES else ""
    return "; ".join(issues[:MAX_ISSUES]) + more


def _clean_row(enc, spans: list[tuple[int, int]], n_assistant: int, eot_ids: set[int]) -> int | None:
    """Supervised tokens of a row that passes the audit in the plain way, else None (then the caller
    replays ``transformers_mask`` and ``audit_row``; this is only a shortcut to the same numbers).

    Plain: one span per assistant message; each span's first and last characters map to tokens
    ``a <= b`` with ``b > 0`` (transformers runs a mask from ``b == 0`` to the row's end), the token
    ranges in increasing order without overlap, and each ends on an end-of-turn id. Then the mask
    is the union of the ``[a, b]`` ranges, ``audit_row``'s expected tokens are the same ranges (its
    first/last mapped characters are the span's ends) and it reports nothing.
    """
    if len(spans) != n_assistant:
        return None
    ids, total, prev = enc.ids, 0, -1
    for s, e in spans:
        a, b = enc.char_to_token(s), enc.char_to_token(e - 1)
        if a is None or not b or a > b or a <= prev or ids[b] not in eot_ids:
            return None
        total += b - a + 1
        prev = b
    return total


def count_and_audit(tokenizer, texts: list[str], spans: list[list[tuple[int, int]]], n_assistant: list[int],
                    message_index: list[list[int]] | None = None, audit: bool = True
                    ) -> tuple[list[int], list[int], list[str | None]]:
    """Tokens, assistant-mask tokens and audit detail per pre-rendered row.

    Tokenizes every text in batches with the fast backend on every core
    (``curate.chat.tokenizer.tokenizers_parallelism``; no special tokens added, as
    ``apply_chat_template`` does), replays transformers' mask (``transformers_mask``) and, when
    ``audit``, checks it with ``audit_row``. Returns three lists in input order: ``n_tokens``
    (int), ``n_assistant_tokens`` (int, what TRL would supervise), ``details`` (None = ok; all None
    when ``audit`` is False).
    """
    from curate.chat.tokenizer import tokenizers_parallelism

    eot = end_of_turn_ids(tokenizer)
    n_tok, n_asst, details = [], [], []
    block = 2048  # encoded in blocks only to move the progress bar; each row's encoding is independent
    with task("chat_template: tokenize" + (" + mask audit" if audit else ""), total=len(texts)) as bar:
        for s in range(0, len(texts), block):
            with tokenizers_parallelism():  # both cores; the same encodings as one
                encs = tokenizer.backend_tokenizer.encode_batch(texts[s:s + block], add_special_tokens=False)
            for i, (enc, row_spans) in enumerate(zip(encs, spans[s:s + block]), start=s):
                n = len(enc.ids)
                n_tok.append(n)
                fast = _clean_row(enc, row_spans, n_assistant[i], eot)
                if fast is not None:  # the common row: every span maps cleanly, nothing to report
                    n_asst.append(fast)
                    details.append(None)
                    continue
                mask = transformers_mask(enc.char_to_token, row_spans, n)
                n_asst.append(int(mask.sum()))
                details.append(audit_row(enc.ids, enc.char_to_token, row_spans, mask, n_assistant[i], eot,
                                         message_index[i] if message_index else None) if audit else None)
            bar.advance(len(encs))
    return n_tok, n_asst, details


def _clean(conv: list[dict]) -> list[dict]:
    return [{k: v for k, v in m.items() if v is not None} for m in conv]


def audit_conversations(tokenizer, conversations: list[list[dict]], *, batch_size: int = 256,
                        keep_masks: bool = False, chat_template: str | None = None,
                        max_length: int | None = None) -> AuditResult:
    """Audit ``conversations`` exactly as TRL will tokenize them with ``tokenizer``.

    Per batch: ``tokenizer.apply_chat_template(..., tokenize=True, return_dict=True,
    return_assistant_tokens_mask=True)`` gives the masks TRL builds labels from; the same template
    rendered by ``transformers.utils.chat_template_utils.render_jinja_template`` gives the
    generation spans; ``audit_row`` compares them. ``chat_template`` defaults to the tokenizer's.
    Needs a fast tokenizer (offsets). Raises ``ValueError`` when the tokenizer has no chat template,
    ``curate.chat.compat.VersionRangeError`` (a ``ValueError``) when transformers is outside the tested
    range, and whatever the template raises (e.g. gemma on a system turn).
    """
    from transformers.utils.chat_template_utils import render_jinja_template

    from curate.chat.compat import require

    require("audit_render")
    template = chat_template or tokenizer.chat_template
    if not template:
        raise ValueError("mask audit: the tokenizer has no chat template")
    eot = end_of_turn_ids(tokenizer)
    res = AuditResult(masks=[] if keep_masks else None)
    with task("mask audit: apply_chat_template", total=len(conversations)) as bar:
        for i in range(0, len(conversations), batch_size):
            chunk = [_clean(c) for c in conversations[i:i + batch_size]]
            out = tokenizer.apply_chat_template(chunk, tokenize=True, return_dict=True, chat_template=template,
                                                return_assistant_tokens_mask=True)
            texts, gen = render_jinja_template(chunk, chat_template=template, return_assistant_tokens_mask=True,
                                               **tokenizer.special_tokens_map)
            enc = tokenizer(texts, add_special_tokens=False)
            for j, conv in enumerate(chunk):
                ids, mask = out["input_ids"][j], out["assistant_masks"][j]
                if list(enc["input_ids"][j]) != list(ids):  # pragma: no cover - same text, same tokenizer
                    raise RuntimeError("mask audit: re-tokenizing the rendered text gave different ids")
                msg_idx = [k for k, m in enumerate(conv) if m["role"] == "assistant"]
                detail = audit_row(ids, lambda c, _j=j: enc.char_to_token(_j, c), [tuple(s) for s in gen[j]], mask,
                                   len(msg_idx), eot, msg_idx)
                res.details.append(detail)
                res.tokens.append(len(ids))
                res.supervised.append(int(sum(mask)))
                res.supervised_kept.append(int(sum(mask[:max_length])) if max_length else res.supervised[-1])
                if keep_masks:
                    res.masks.append(list(mask))
            bar.advance(len(chunk))
    res.rows_checked = len(res.details)
    res.rows_failed = sum(d is not None for d in res.details)
    return res


def describe_failures(details: list[str | None], ids: list[Any] | None = None, limit: int = 5) -> str:
    """``"row <id>: <detail>"`` lines for the first ``limit`` failed rows (for error messages)."""
    lines = []
    for i, d in enumerate(details):
        if d is not None:
            lines.append(f"  row {ids[i] if ids else i}: {d}")
            if len(lines) == limit:
                break
    return "\n".join(lines)
