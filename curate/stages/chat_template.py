"""``chat_template``: count each conversation's tokens under the training chat template, and drop
rows that are too long (or teach too little).

Adds ``stat_tokens`` (the length of ``apply_chat_template(messages)`` in tokens) and
``stat_assistant_tokens`` (tokens under the template's ``{% generation %}`` mask: what
``assistant_only_loss`` trains on, end-of-turn token included) to every row, then drops
``too_many_tokens`` (``stat_tokens > max_tokens``) and ``too_few_assistant_tokens``
(``stat_assistant_tokens < min_assistant_tokens``).

``tokenizer: tiny`` trains the offline byte-level BPE tokenizer of ``train.tiny`` on every message
content of the input frame (deterministic), gives it the ``template`` and saves it under the
stage's ``artifacts/tokenizer``; training reuses it (``pipelines.runner.train_from_outputs``).
A local folder or hub id keeps that tokenizer's own template; nothing is saved, training loads the
model's tokenizer. For ``tiny`` + ``chatml`` the text is rendered in polars and tokenized in one
batch, which gives exactly the counts of ``apply_chat_template(..., return_assistant_tokens_mask=True)``
(tested) at a fraction of the cost; other tokenizers go through ``apply_chat_template`` in batches.

Example::

    - {stage: chat_template, template: chatml, tokenizer: tiny, vocab_size: 4000, max_tokens: 2048}
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field

from curate.registry import register
from curate.stage import Context, FilterStage, Rule, StageParams, StageResult, split_by_rules

_BATCH = 1024


@register
class ChatTemplate(FilterStage):
    """Token counts under the training chat template; drops rows over ``max_tokens``."""

    name = "chat_template"
    version = "1"

    class Params(StageParams):
        template: Literal["chatml"] = Field(
            "chatml", description="template for the tiny tokenizer (llama3/qwen/mistral/gemma later)")
        tokenizer: str = Field(
            "tiny", min_length=1,
            description="'tiny' (train a BPE tokenizer on this data) or a local folder / hub id (its own template)")
        vocab_size: int = Field(4000, ge=300, le=65536, description="tiny tokenizer vocabulary size")
        max_tokens: int | None = Field(None, ge=1, description="drop rows with more tokens (too_many_tokens)")
        min_assistant_tokens: int | None = Field(
            None, ge=1, description="drop rows with fewer supervised tokens (too_few_assistant_tokens)")

    def fingerprint(self) -> str:
        """Hash of a local tokenizer folder's files, so replacing the tokenizer reruns the stage."""
        p = Path(self.params.tokenizer)
        if self.params.tokenizer == "tiny" or not p.is_dir():
            return ""
        h = hashlib.blake2b(digest_size=16)
        for f in sorted(p.glob("*.json")) + sorted(p.glob("*.jinja")) + sorted(p.glob("*.model")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
        return h.hexdigest()

    def load_tokenizer(self, df: pl.DataFrame, ctx: Context):
        """The tokenizer to count with, and the artifacts to report (``{"tokenizer": path}`` for tiny)."""
        p = self.params
        if p.tokenizer == "tiny":
            from train.templates import TEMPLATES
            from train.tiny import train_tokenizer

            texts = (df.select(pl.col("messages").list.eval(pl.element().struct.field("content")))
                     .to_series().explode().drop_nulls().to_list())
            tok = train_tokenizer(texts, p.vocab_size)
            tok.chat_template = TEMPLATES[p.template]
            out = Path(ctx.artifact_dir) / "tokenizer"
            tok.save_pretrained(out)
            return tok, {"tokenizer": str(out)}
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(p.tokenizer)
        if not tok.chat_template:
            raise ValueError(f"chat_template: tokenizer {p.tokenizer!r} has no chat template")
        return tok, {}

    def compute_stats(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        tok, self._artifacts = self.load_tokenizer(df, ctx)
        if df.height == 0:
            return df.with_columns(stat_tokens=pl.lit(None, pl.Int64), stat_assistant_tokens=pl.lit(None, pl.Int64))
        from train.templates import RENDERERS, TEMPLATES

        if self.params.tokenizer == "tiny" and tok.chat_template == TEMPLATES[self.params.template]:
            n_tok, n_asst = count_tokens_rendered(tok, *RENDERERS[self.params.template](df))
        else:
            n_tok, n_asst = count_tokens(tok, df["messages"].to_list())
        return df.with_columns(stat_tokens=pl.Series(n_tok, dtype=pl.Int64),
                               stat_assistant_tokens=pl.Series(n_asst, dtype=pl.Int64))

    def rules(self, df: pl.DataFrame) -> list[Rule]:
        p, rules = self.params, []
        if p.max_tokens is not None:
            rules.append((pl.col("stat_tokens") > p.max_tokens, "too_many_tokens",
                          pl.format("stat_tokens={} > max_tokens={}", "stat_tokens", pl.lit(p.max_tokens))))
        if p.min_assistant_tokens is not None:
            rules.append((pl.col("stat_assistant_tokens") < p.min_assistant_tokens, "too_few_assistant_tokens",
                          pl.format("stat_assistant_tokens={} < min_assistant_tokens={}",
                                    "stat_assistant_tokens", pl.lit(p.min_assistant_tokens))))
        return rules

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        df = self.compute_stats(df, ctx)
        res = split_by_rules(self, df, self.rules(df))
        res.artifacts = dict(self._artifacts)
        res.counters["tokens_kept"] = int(res.kept["stat_tokens"].sum() or 0)
        res.counters["assistant_tokens_kept"] = int(res.kept["stat_assistant_tokens"].sum() or 0)
        return res


def count_tokens(tokenizer, conversations: list[list[dict]], batch_size: int = _BATCH) -> tuple[list[int], list[int]]:
    """Tokens and assistant-mask tokens per conversation, via ``tokenizer.apply_chat_template``.

    The reference path for any tokenizer: batches of ``batch_size`` conversations go through
    ``apply_chat_template(tokenize=True, return_dict=True, return_assistant_tokens_mask=True)``
    (transformers renders each with Jinja, tokenizes the batch at once). Returns two lists of ints
    (same order as ``conversations``); the second is all zeros when the template has no
    ``{% generation %}`` markers.
    """
    n_tok: list[int] = []
    n_asst: list[int] = []
    for i in range(0, len(conversations), batch_size):
        chunk = [[{k: v for k, v in m.items() if v is not None} for m in conv]
                 for conv in conversations[i:i + batch_size]]
        out = tokenizer.apply_chat_template(chunk, tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True)
        n_tok += [len(x) for x in out["input_ids"]]
        n_asst += [sum(m) for m in out["assistant_masks"]]
    return n_tok, n_asst


def count_tokens_rendered(tokenizer, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[list[int], list[int]]:
    """Tokens and assistant-mask tokens for pre-rendered ``texts`` with generation ``spans``.

    Tokenizes all texts in one batch with the fast backend (no special tokens added, as
    ``apply_chat_template`` does) and maps each ``(start, end)`` character span to tokens exactly
    like transformers 5.23 ``apply_chat_template``: ``char_to_token(start)`` to
    ``char_to_token(end - 1)`` inclusive; a start that maps to no token ends the row's mask (the
    later turns count 0); an end that maps to no token (or to token 0) extends to the row's end.
    Returns two lists of ints.
    """
    encs = tokenizer.backend_tokenizer.encode_batch(texts, add_special_tokens=False)
    n_tok = [len(e.ids) for e in encs]
    n_asst = []
    for e, row_spans, n in zip(encs, spans, n_tok):
        covered, last = 0, -1  # union of token ranges; spans are in order
        for s, t in row_spans:
            a = e.char_to_token(s)
            if a is None:
                break
            b = e.char_to_token(t - 1)
            b = b if b else n - 1
            a = max(a, last + 1)
            if b >= a:
                covered += b - a + 1
                last = b
        n_asst.append(covered)
    return n_tok, n_asst
