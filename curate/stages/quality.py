"""``quality``: conversation-aware heuristic filters, enabled by name.

``compute_stats`` adds ``stat_*`` metric columns for the enabled rules; ``rules`` compares them to
thresholds (params), so re-thresholding needs no recompute. A row is dropped by the first enabled
rule that fires (order of ``RULES`` below); ``drop_detail`` names the metric, its value and the
threshold, e.g. ``stat_dup_line_frac=0.42 > 0.3``.

Rules (``drop:`` names), their metrics and thresholds (defaults in brackets, with their source):

``length``
    ``stat_conv_chars``, ``stat_min_user_chars``, ``stat_min_assistant_chars`` (0 when the row has
    no assistant turn), ``stat_max_turn_chars``. Drop when ``stat_conv_chars <
    min_conversation_chars`` [16, FastChat ``clean_sharegpt``], ``> max_conversation_chars``
    [200,000 ≈ 50k tokens; ours, far above any SFT context — use ``chat_template.max_tokens`` for
    token limits], ``stat_min_user_chars < min_user_chars`` [1: an empty user turn],
    ``stat_min_assistant_chars < min_assistant_chars`` [1: an empty or missing answer],
    ``stat_max_turn_chars > max_turn_chars`` [100,000; ours].
``placeholder``
    ``stat_placeholder_count``: template leftovers outside code in any turn — ``{{name}}``,
    ``<|im_start|>``-style special tokens, ``[INST]``, ``<<SYS>>``. Drop when >
    ``max_placeholders`` [0] (LLaMA-Factory ``identity.json`` ships ``{{name}}``/``{{author}}``).
``templated_identity``
    ``stat_identity_turns``: user turns that only ask who/what the assistant is ("Who are you?",
    "What is your name?", "你是谁"). Drop when > ``max_identity_turns`` [0]: the answers name
    another model (FastChat ``dummy_conversation.json``, which FastChat itself re-injects with its
    own identity in ``prepare_all.py``/``merge.py``).
``refusal_boilerplate``
    ``stat_refusal_turns``: assistant turns matching a refusal or "As an AI language model"
    pattern (``curate.filters.patterns``: en, zh, es, de, fr, pt, it, ru, ja). Drop when >
    ``max_refusal_turns`` [0] (the ShareGPT_Vicuna_unfiltered / WizardLM-uncensored practice of
    removing every conversation with such a phrase). Detail quotes the first match.
``truncated_response``
    ``stat_trunc_unterminated`` (1 when the last assistant turn ends mid-sentence: last line is
    prose of ≥ ``trunc_min_words`` [8] words ending in a letter/digit/comma, in a turn of ≥
    ``trunc_min_chars`` [200] characters; ours, checked by reading the flagged rows of every
    shared file), ``stat_trunc_open_fence`` (assistant turns with an odd number of
    ````` fences), ``stat_continue_turns`` (user turns that only say "continue", "go on",
    "继续", ...: the previous answer was cut at the generation limit). Drop when any is > 0.
``markup_debris``
    ``stat_markup_count``: leftover HTML tags (``<div>``, ``<br>``, ``<span class=…>``…) and
    entities (``&nbsp;``, ``&quot;``, ``&#39;``) outside code blocks and inline code, in any turn.
    Tags count only where they are sparse (tag characters ≤ ``markup_code_share`` [0.3] of the
    turn's prose) and the turn has no HTML/JSX code signal (``<html``, ``<form``, ``class=``,
    ``onClick=``, ``href=``…, ``patterns.HTML_CODE_SIGNAL_RE``): such turns are unfenced HTML
    answers (Code Alpaca), not debris.
    Drop when > ``max_markup`` [2; ours: prose that *talks about* a tag mentions one or two].
    Run ``clean_text`` first to repair entities instead of dropping (LIMA's ``&quot;``,
    machine-translated Alpaca's ``&lt;``/``&#39;``).
``repetition``
    Gopher repetition metrics (Rae et al. 2021, "Scaling Language Models: Methods, Analysis &
    Insights from Training Gopher", MassiveText table A1; datatrove ``GopherRepetitionFilter``
    defaults), per assistant turn with fenced code removed, for turns with ≥
    ``repetition_min_words`` [50, Gopher's minimum document length], maximum over turns:
    ``stat_dup_para_frac`` > ``max_dup_para_frac`` [0.30], ``stat_dup_line_frac`` >
    ``max_dup_line_frac`` [0.30], ``stat_dup_para_char_frac`` > ``max_dup_para_char_frac`` [0.20],
    ``stat_dup_line_char_frac`` > ``max_dup_line_char_frac`` [0.20], ``stat_top{2,3,4}gram_frac``
    > ``max_top_ngram_frac`` [{2: 0.20, 3: 0.18, 4: 0.16}]. Gopher's duplicated 5–10-gram shares
    (``stat_dup{5..10}gram_frac``, thresholds 0.15 … 0.10) are opt-in via ``max_dup_ngram_frac``:
    with them on, 303 of the 1,476 ShareGPT-sample + ShareGPT-zh rows were dropped for repetition
    (62 without), and the flagged answers we read were good ones (a product name such as "Google
    Cloud Speech-to-Text" repeated down a list, a table with a repeated column). Lines without any letter
    or digit are not counted as duplicates (see ``curate.filters.text.repetition_metrics``).
``symbol_ratio``
    ``stat_symbol_word_ratio``: Gopher symbol-to-word ratio (``#`` and ellipses per word) of the
    assistant prose (code removed), judged from ``repetition_min_words`` words. Drop when >
    ``max_symbol_word_ratio`` [0.1, Gopher / datatrove ``GopherQualityFilter``].
``alnum_ratio``
    ``stat_alnum_ratio``: alphanumeric characters / all characters of the assistant turns
    (Data-Juicer ``alphanumeric_filter``). Drop when < ``min_alnum_ratio`` [0.25, Data-Juicer
    default].
``response_prompt_ratio``
    ``stat_resp_prompt_ratio``: assistant characters / user characters. Drop when <
    ``min_resp_prompt_ratio`` [0.01; ours: a 10,000-character paste answered with "OK"] or >
    ``max_resp_prompt_ratio`` [None = off].

Default ``drop``: ``[length, placeholder, templated_identity, refusal_boilerplate,
truncated_response, markup_debris, repetition]``; ``symbol_ratio``, ``alnum_ratio`` and
``response_prompt_ratio`` are opt-in (they drop math/LaTeX and code answers: see the filters report).
Counters: ``dropped.<rule>`` and ``flagged.<rule>`` (rows whose metrics would fire the rule on its
own, before the first-rule-wins split).

Example::

    - {stage: quality, drop: [refusal_boilerplate, truncated_response, repetition], max_dup_line_frac: 0.3}
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl
from pydantic import Field, model_validator

from curate.filters import patterns
from curate.filters.text import (
    alnum_ratio,
    ends_mid_sentence,
    repetition_metrics,
    strip_code,
    symbol_word_ratio,
    unbalanced_fences,
    words,
)
from curate.registry import register
from curate.stage import Context, FilterStage, StageParams, StageResult, split_by_rules

RuleName = Literal[
    "length", "placeholder", "templated_identity", "refusal_boilerplate", "truncated_response",
    "markup_debris", "repetition", "symbol_ratio", "alnum_ratio", "response_prompt_ratio",
]
#: evaluation order (the first rule that fires names the drop)
RULES: tuple[str, ...] = RuleName.__args__  # type: ignore[attr-defined]
DEFAULT_DROP = ["length", "placeholder", "templated_identity", "refusal_boilerplate",
                "truncated_response", "markup_debris", "repetition"]

TOP_N = (2, 3, 4)
DUP_N = (5, 6, 7, 8, 9, 10)
BASE_REP_KEYS = ["dup_para_frac", "dup_line_frac", "dup_para_char_frac", "dup_line_char_frac"] + \
    [f"top_{n}gram_frac" for n in TOP_N]
REP_KEYS = BASE_REP_KEYS + [f"dup_{n}gram_frac" for n in DUP_N]


REP_COLS = {k: "stat_" + re.sub(r"_(\d)", r"\1", k) for k in REP_KEYS}  # dup_line_frac -> stat_dup_line_frac, top_2gram_frac -> stat_top2gram_frac

_CODE_RE = r"(?s)(?:```|~~~).*?(?:```|~~~|\z)|`[^`\n]+`"


@register
class Quality(FilterStage):
    """Heuristic quality rules for chats: refusals, truncation, repetition, debris, lengths, templates."""

    name = "quality"
    version = "1"

    class Params(StageParams):
        drop: list[RuleName] = Field(default_factory=lambda: list(DEFAULT_DROP), description="rules to apply, by name")
        # length
        min_conversation_chars: int = Field(16, ge=0, description="FastChat clean_sharegpt minimum")
        max_conversation_chars: int = Field(200_000, ge=1)
        min_user_chars: int = Field(1, ge=0)
        min_assistant_chars: int = Field(1, ge=0)
        max_turn_chars: int = Field(100_000, ge=1)
        # placeholder / identity / refusal
        max_placeholders: int = Field(0, ge=0)
        max_identity_turns: int = Field(0, ge=0)
        max_refusal_turns: int = Field(0, ge=0)
        refusal_kinds: list[Literal["ai_disclaimer", "refusal"]] = Field(
            default_factory=lambda: ["ai_disclaimer", "refusal"], min_length=1,
            description="pattern families: 'As an AI language model' disclaimers and/or refusals")
        # truncation
        trunc_min_words: int = Field(8, ge=1, description="words the last prose line needs to be judged")
        trunc_min_chars: int = Field(200, ge=0, description="characters the last assistant turn needs to be judged")
        # markup
        max_markup: int = Field(2, ge=0, description="leftover HTML tags/entities outside code")
        markup_code_share: float = Field(
            0.3, ge=0, le=1,
            description="a turn whose prose is more than this share HTML tags is unfenced HTML code, not debris")
        # repetition (Gopher)
        repetition_min_words: int = Field(50, ge=1, description="Gopher: documents under 50 words are not judged")
        repetition_max_chars: int = Field(30_000, ge=100, description="characters of a turn scanned (speed cap)")
        max_dup_para_frac: float = Field(0.30, ge=0, le=1)
        max_dup_line_frac: float = Field(0.30, ge=0, le=1)
        max_dup_para_char_frac: float = Field(0.20, ge=0, le=1)
        max_dup_line_char_frac: float = Field(0.20, ge=0, le=1)
        max_top_ngram_frac: dict[int, float] = Field(default_factory=lambda: {2: 0.20, 3: 0.18, 4: 0.16})
        max_dup_ngram_frac: dict[int, float] = Field(
            default_factory=dict,
            description="Gopher duplicated n-gram shares, opt-in: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}")
        # ratios
        max_symbol_word_ratio: float = Field(0.1, ge=0)
        min_alnum_ratio: float = Field(0.25, ge=0, le=1)
        min_resp_prompt_ratio: float = Field(0.01, ge=0)
        max_resp_prompt_ratio: float | None = Field(None, gt=0)

        @model_validator(mode="after")
        def _ngrams(self):
            if set(self.max_top_ngram_frac) - set(TOP_N):
                raise ValueError(f"max_top_ngram_frac keys must be in {TOP_N}")
            if set(self.max_dup_ngram_frac) - set(DUP_N):
                raise ValueError(f"max_dup_ngram_frac keys must be in {DUP_N}")
            return self

    # ------------------------------------------------------------ metrics

    def compute_stats(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        p = self.params
        on = set(p.drop)
        if df.height == 0:
            return df
        turns = (
            df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), "messages")
            .explode("messages")
            .filter(pl.col("messages").is_not_null())
            .unnest("messages")
            .with_columns(pl.col("content").fill_null(""))
        )
        is_a = pl.col("role") == "assistant"
        is_u = pl.col("role") == "user"
        chars = pl.col("content").str.len_chars()
        prose = pl.col("content").str.replace_all(_CODE_RE, " ")
        exprs: list[pl.Expr] = [chars.alias("_chars")]
        if "refusal_boilerplate" in on:
            pat = patterns.refusal_pattern(tuple(p.refusal_kinds))
            exprs.append(pl.when(is_a).then(pl.col("content").str.extract(pat, 1)).alias("_refusal"))
        if "markup_debris" in on:
            tag_re = patterns.MARKUP_TAG_RE.pattern
            prose_chars = prose.str.len_chars()
            tag_chars = prose_chars - prose.str.replace_all(tag_re, "").str.len_chars()
            sparse = (tag_chars <= p.markup_code_share * prose_chars) & ~pl.col("content").str.contains(
                patterns.HTML_CODE_SIGNAL_RE.pattern.replace(r"\b", r"(?-u:\b)"))
            tags = pl.when(sparse).then(prose.str.count_matches(tag_re)).otherwise(0)
            exprs.append((prose.str.count_matches(patterns.MARKUP_ENTITY_RE.pattern) + tags).alias("_markup"))
        if "placeholder" in on:
            exprs.append(prose.str.count_matches(patterns.PLACEHOLDER_RE.pattern).alias("_placeholder"))
        turns = turns.with_columns(exprs)

        # Python metrics, only on the turns that need them
        py: dict[str, list] = {}
        roles = turns.get_column("role").to_list()
        contents = turns.get_column("content").to_list()
        n = len(contents)
        if "templated_identity" in on:
            py["_identity"] = [int(r == "user" and patterns.is_identity_question(c)) for r, c in zip(roles, contents)]
        if "truncated_response" in on:
            py["_continue"] = [int(r == "user" and patterns.is_continue_request(c)) for r, c in zip(roles, contents)]
            py["_fence"] = [int(r == "assistant" and unbalanced_fences(c)) for r, c in zip(roles, contents)]
        if "repetition" in on or "symbol_ratio" in on:
            dup_ns = tuple(sorted(p.max_dup_ngram_frac))
            rep_keys = BASE_REP_KEYS + [f"dup_{k}gram_frac" for k in dup_ns]
            rep: dict[str, list] = {k: [None] * n for k in rep_keys}
            sym: list = [None] * n
            for i, (r, c) in enumerate(zip(roles, contents)):
                if r != "assistant":
                    continue
                t = strip_code(c[: p.repetition_max_chars])
                if len(words(t)) < p.repetition_min_words:
                    continue
                if "repetition" in on:
                    for k, v in repetition_metrics(t, TOP_N, dup_ns).items():
                        rep[k][i] = v
                if "symbol_ratio" in on:
                    sym[i] = symbol_word_ratio(t)
            if "repetition" in on:
                py.update({f"_{k}": v for k, v in rep.items()})
            if "symbol_ratio" in on:
                py["_symbol"] = sym
        if py:
            turns = turns.with_columns(**{k: pl.Series(v, dtype=pl.Float64 if k.startswith("_dup_") or k.startswith("_top_") or k == "_symbol" else pl.Int64) for k, v in py.items()})

        # per-conversation aggregates
        aggs: list[pl.Expr] = [
            pl.col("_chars").sum().alias("stat_conv_chars"),
            pl.col("_chars").filter(is_u).sum().alias("_u_chars"),
            pl.col("_chars").filter(is_a).sum().alias("_a_chars"),
            pl.col("_chars").filter(is_u).min().alias("stat_min_user_chars"),
            pl.col("_chars").filter(is_a).min().alias("stat_min_assistant_chars"),
            pl.col("_chars").max().alias("stat_max_turn_chars"),
            pl.col("content").filter(is_a).last().alias("_last_a"),
        ]
        if "refusal_boilerplate" in on:
            aggs += [pl.col("_refusal").is_not_null().sum().alias("stat_refusal_turns"),
                     pl.col("_refusal").drop_nulls().first().alias("_refusal_match")]
        if "markup_debris" in on:
            aggs.append(pl.col("_markup").sum().alias("stat_markup_count"))
        if "placeholder" in on:
            aggs.append(pl.col("_placeholder").sum().alias("stat_placeholder_count"))
        if "templated_identity" in on:
            aggs.append(pl.col("_identity").sum().alias("stat_identity_turns"))
        if "truncated_response" in on:
            # a "continue" as the very first user turn continues nothing in this row
            aggs += [pl.col("_continue").filter(is_u).slice(1).sum().alias("stat_continue_turns"),
                     pl.col("_fence").sum().alias("stat_trunc_open_fence")]
        if "repetition" in on:
            aggs += [pl.col(f"_{k}").max().alias(REP_COLS[k]) for k in rep_keys]
        if "symbol_ratio" in on:
            aggs.append(pl.col("_symbol").max().alias("stat_symbol_word_ratio"))
        if "alnum_ratio" in on:
            aggs.append(pl.col("content").filter(is_a).str.join("\n").alias("_a_text"))
        per = turns.group_by("_row").agg(aggs)

        post: list[pl.Expr] = []
        if "truncated_response" in on:
            last = per.get_column("_last_a").to_list()
            per = per.with_columns(stat_trunc_unterminated=pl.Series(
                [int(bool(t) and ends_mid_sentence(t, p.trunc_min_words, p.trunc_min_chars)) for t in last], dtype=pl.Int64))
        if "alnum_ratio" in on:
            per = per.with_columns(stat_alnum_ratio=pl.Series(
                [alnum_ratio(t) if t else None for t in per.get_column("_a_text").to_list()], dtype=pl.Float64))
        if "response_prompt_ratio" in on:
            post.append((pl.col("_a_chars") / pl.max_horizontal(pl.col("_u_chars"), 1)).alias("stat_resp_prompt_ratio"))
        per = per.with_columns(post) if post else per
        keep_cols = [c for c in per.columns if c.startswith("stat_")] + (["_refusal_match"] if "refusal_boilerplate" in on else [])
        per = per.select("_row", *keep_cols)
        out = (
            df.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"))
            .join(per, on="_row", how="left")
            .sort("_row")
            .drop("_row")
        )
        int_fill = [c for c in ("stat_conv_chars", "stat_min_assistant_chars", "stat_refusal_turns", "stat_markup_count",
                                "stat_placeholder_count", "stat_identity_turns", "stat_continue_turns",
                                "stat_trunc_open_fence", "stat_trunc_unterminated") if c in out.columns]
        out = out.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in int_fill])
        if "stat_min_user_chars" in out.columns:
            out = out.with_columns(pl.col("stat_min_user_chars").cast(pl.Int64), pl.col("stat_max_turn_chars").fill_null(0).cast(pl.Int64))
        return out

    # ------------------------------------------------------------ thresholds

    def rules(self, df: pl.DataFrame):
        p = self.params
        on = set(p.drop)
        out = []

        def gt(col: str, thr, reason: str, digits: int = 3):
            c = pl.col(col)
            shown = c.round(digits) if df.schema[col].is_float() else c
            out.append((c > thr, reason, pl.format(f"{col}={{}} > {thr}", shown)))

        def lt(col: str, thr, reason: str, digits: int = 3):
            c = pl.col(col)
            shown = c.round(digits) if df.schema[col].is_float() else c
            out.append((c < thr, reason, pl.format(f"{col}={{}} < {thr}", shown)))

        for rule in RULES:
            if rule not in on:
                continue
            if rule == "length":
                lt("stat_conv_chars", p.min_conversation_chars, rule)
                gt("stat_conv_chars", p.max_conversation_chars, rule)
                lt("stat_min_user_chars", p.min_user_chars, rule)
                lt("stat_min_assistant_chars", p.min_assistant_chars, rule)
                gt("stat_max_turn_chars", p.max_turn_chars, rule)
            elif rule == "placeholder":
                gt("stat_placeholder_count", p.max_placeholders, rule)
            elif rule == "templated_identity":
                gt("stat_identity_turns", p.max_identity_turns, rule)
            elif rule == "refusal_boilerplate":
                out.append((
                    pl.col("stat_refusal_turns") > p.max_refusal_turns, rule,
                    pl.format(f'stat_refusal_turns={{}} > {p.max_refusal_turns} ("{{}}")',
                              pl.col("stat_refusal_turns"), pl.col("_refusal_match")),
                ))
            elif rule == "truncated_response":
                gt("stat_trunc_open_fence", 0, rule)
                gt("stat_continue_turns", 0, rule)
                gt("stat_trunc_unterminated", 0, rule)
            elif rule == "markup_debris":
                gt("stat_markup_count", p.max_markup, rule)
            elif rule == "repetition":
                gt("stat_dup_para_frac", p.max_dup_para_frac, rule)
                gt("stat_dup_line_frac", p.max_dup_line_frac, rule)
                gt("stat_dup_para_char_frac", p.max_dup_para_char_frac, rule)
                gt("stat_dup_line_char_frac", p.max_dup_line_char_frac, rule)
                for n_, thr in sorted(p.max_top_ngram_frac.items()):
                    gt(f"stat_top{n_}gram_frac", thr, rule)
                for n_, thr in sorted(p.max_dup_ngram_frac.items()):
                    gt(f"stat_dup{n_}gram_frac", thr, rule)
            elif rule == "symbol_ratio":
                gt("stat_symbol_word_ratio", p.max_symbol_word_ratio, rule)
            elif rule == "alnum_ratio":
                lt("stat_alnum_ratio", p.min_alnum_ratio, rule)
            elif rule == "response_prompt_ratio":
                lt("stat_resp_prompt_ratio", p.min_resp_prompt_ratio, rule)
                if p.max_resp_prompt_ratio is not None:
                    gt("stat_resp_prompt_ratio", p.max_resp_prompt_ratio, rule)
        return out

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        if df.height == 0:
            return StageResult(kept=df, counters={f"dropped.{r}": 0 for r in RULES if r in self.params.drop})
        df = self.compute_stats(df, ctx)
        rules = self.rules(df)
        res = split_by_rules(self, df, rules)
        if df.height:
            flags: dict[str, pl.Expr] = {}
            for cond, name, _ in rules:
                c = cond.fill_null(False)
                flags[name] = flags[name] | c if name in flags else c
            row = df.select(**{k: v.sum() for k, v in flags.items()}).row(0, named=True) if flags else {}
            res.counters.update({f"flagged.{k}": int(v) for k, v in row.items()})
        tmp = [c for c in ("_refusal_match",) if c in res.kept.columns]
        if tmp:
            res.kept = res.kept.drop(tmp)
            res.rejected = res.rejected.drop(tmp)
        return res
