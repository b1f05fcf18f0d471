"""``quality``: conversation-aware heuristic filters, enabled by name.

``compute_stats`` adds ``stat_*`` metric columns for the enabled rules; ``rules`` compares them to
thresholds (params), so re-thresholding needs no recompute. A row is dropped by the first enabled
rule that fires (order of ``RULES`` below); ``drop_detail`` names the metric, its value and the
threshold, e.g. ``stat_dup_line_frac=0.42 > 0.3``.

Rules (``drop:`` names), their metrics and thresholds (defaults in brackets, with their source):

``length``
    ``stat_conv_chars``, ``stat_conv_width`` (characters with each CJK character counted twice, its
    display width: "路不拾遗。" is a whole answer), ``stat_numeric_answer`` (1 when the one answer is a
    bare number and the prompt holds a digit: "Solve 8 x 8." → "64" is short but whole; round 25; or a chemical
    formula where one is asked: "水的化学式" → "H₂O。", written zh set BG),
    ``stat_min_user_chars``, ``stat_min_assistant_chars`` (0 when the row has no assistant turn),
    ``stat_max_turn_chars``. Drop when ``stat_conv_width < min_conversation_chars`` [16, FastChat
    ``clean_sharegpt``] and the answer is not numeric, ``> max_conversation_chars``
    [200,000 ≈ 50k tokens; ours, far above any SFT context — use ``chat_template.max_tokens`` for
    token limits], ``stat_min_user_chars < min_user_chars`` [1: an empty user turn],
    ``stat_min_assistant_chars < min_assistant_chars`` [1: an empty or missing answer],
    ``stat_max_turn_chars > max_turn_chars`` [100,000; ours].
``placeholder``
    ``stat_placeholder_count``: template leftovers outside code in any turn — ``{{name}}``,
    ``<|im_start|>``-style special tokens, ``[INST]``, ``<<SYS>>``, a tokenizer's ``<unk>``/``</s>``/``[PAD]``. Drop when >
    ``max_placeholders`` [0] (LLaMA-Factory ``identity.json`` ships ``{{name}}``/``{{author}}``).
``templated_identity``
    ``stat_identity_turns``: user turns that only ask who/what the assistant is ("Who are you?",
    "What is your name?", "你是谁") whose answer names a model, a maker or a persona
    (``patterns.names_identity``: "I am Vicuna … (LMSYS)", "我是通义千问", "My default name is…", or a question left
    unanswered). Drop when > ``max_identity_turns`` [0]: a fine-tune learns to claim that name (FastChat
    ``dummy_conversation.json``, which FastChat itself re-injects with its own identity in ``prepare_all.py``/``merge.py``).
    A generic "I'm an AI assistant, a language model trained to help with…" names nobody and is kept (label sets: good
    rows this rule drops 50 → 43; the answers that name Vicuna, Claude, 通义千问… stay dropped, as labelled good or not).
``refusal_boilerplate``
    ``stat_refusal_turns``: assistant turns matching a hard pattern anywhere — ``[ai_disclaimer]``
    ("As an AI language model", knowledge-cutoff notes, role-play breaks) and ``[refusal]`` ("I
    can't help with that") sections of ``curate/filters/refusal_patterns/<lang>.txt`` (en, zh, ru,
    fr, es, de, ja, pt, it, ko; ``refusal_languages`` picks files) plus ``extra_patterns`` (a list
    of regexes or ``{lang: [regex]}``, checked at validation in both regex engines).
    ``stat_soft_refusal_turns``: turns where a ``[soft]`` phrase (deflection, missing-information
    claim, ethics lecture) opens a short answer (≤ ``soft_max_words`` [80] words or ≤
    ``soft_max_prompt_ratio`` [0.5] of its prompt's words), or soft sentences are ≥
    ``soft_min_share`` [0.5] of the prose, or the row's only answer is a short question back
    (``soft_ask_back``; see ``curate.filters.refusal``), or the row's last answer *declines by
    structure* (``soft_decline``: an opening sentence with first person + negation + an ability,
    permission or knowledge verb in en/zh/ru/fr/es/de, and no list, code, digit or more than
    ``soft_decline_max_rest_words`` [40] words after it; ``curate.filters.refusal.declines``;
    detail ``declines: <phrase>``), or is an *ethics lecture* (``soft_ethics_lecture``: ≤ 150 words,
    ≥ 2 sentences, ≥ ``soft_ethics_min_share`` [0.6] of them moral/safety framing, no list, code or
    digit; ``curate.filters.refusal.ethics_lecture``, all languages whatever ``refusal_languages``;
    detail ``ethics lecture: <phrase>``), or hands the task back (``curate.filters.refusal.task_handed_back``; detail
    ``hands back: <phrase>``) or gives advice in place of a deliverable or explanation it was asked for (``soft_decline``:
    ≤ 120 words, no list, code, digit or link, "I'd suggest taking a course…", "建议你再冷静想一想";
    ``curate.filters.refusal.advice_instead``; detail ``advises instead: <phrase>``). Drop when either is >
    ``max_refusal_turns`` [0] (the ShareGPT_Vicuna_unfiltered / WizardLM-uncensored practice).
    Detail quotes the first match. ``refusal_kinds`` picks sections. ``refusal_exempt_ai_roleplay``
    [True]: an ``[ai_disclaimer]`` match ("I am an AI assistant") does not count in a chat whose
    first prompt (or the turn's own prompt) asks for role-play or creative text *as* an AI or
    language model (``curate.filters.refusal.ai_roleplay_prompt``; GPTeacher role-play, e.g.
    "Role play as an AI assistant who has gained sentience"); explicit refusals still count.
``truncated_response``
    Named sub-reasons of the last assistant turn, each a 0/1 column ``stat_trunc_<name>`` and named
    first in ``drop_detail`` (``list_cut: stat_trunc_list_cut=1 > 0 (announced 5 items, 2 given)``),
    reported in this order (``curate.filters.truncation``): ``code_cut`` (unclosed fence in any
    answer, or a last code block/unfenced JSON ending with open brackets), ``announced_missing``
    (ends on a colon, a last sentence that only announces, "here is the code:" with no code),
    ``list_cut`` (fewer items than announced or than the prompt asks for, a numbered list stopping
    at item 1, a last item cut mid-sentence), ``short_of_ask`` (the prompt asks for N ≥ 200 words or Chinese
    characters and the answer holds under a fifth of them: "写一篇800字的作文" answered by its opening paragraph),
    ``continue`` (``stat_continue_turns``: user turns
    that only say "continue", "go on", "继续": the previous answer hit the limit),
    ``no_terminal_punct`` (last prose line of ≥ ``trunc_min_words`` [8] words in a turn of ≥
    ``trunc_min_chars`` [200] characters ends without its script's terminal punctuation; from 20
    characters when it ends on a function word such as "the" or inside an open bracket),
    ``length_limit`` (token count — ``stat_assistant_tokens`` when present and the row has one
    answer, else an estimate — within ``length_limit_tolerance`` [0.02] of ``length_limits``
    [256, 512, 1024, 2048, 4096], ending mid-sentence). ``trunc_checks`` picks sub-reasons;
    ``flagged.truncated_response.<name>`` counts each.
``markup_debris``
    ``stat_markup_count``: leftover HTML tags (``<div>``, ``<br>``, ``<span class=…>``…) and
    entities (``&nbsp;``, ``&quot;``, ``&#39;``) outside code blocks and inline code, in the
    assistant turns (``markup_all_turns`` [False]: user turns too). Quote and ampersand entities
    alone (``patterns.QUOTE_ENTITY_RE``) in a turn with no CJK character and prose-level code
    punctuation (≤ 0.03) are not counted: that is LIMA's escaping of its StackExchange answers
    ("&quot;Pure&quot; water is a very poor conductor"), which readers label good; the same
    entities in machine-translated code (Alpaca-zh) still count.
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
    or digit are not counted as duplicates (see ``curate.filters.text.repetition_metrics``), nor are
    lines under ``repetition_min_line_words`` [4] words or list items under
    ``repetition_min_item_words`` [8] (ingredients, questionnaire options, chord lines). URLs are
    removed first; mostly-CJK turns need three times the minimum (a CJK character is one word; at
    twice, 28 good Chinese answers on the all-data scan were dropped, math word problems naming
    their objects and product names, and no repetitive label row needs it); songs and
    poems (``repetition_exempt_verse`` [True]: the prompt asks for verse or the answer has
    "Chorus:"/"副歌：" labels) get no repetition metrics. On the tune half of
    ``benchmarks/quality_labels.jsonl`` these cut good rows dropped as repetition from 11 to 3.
    ``stat_dup_item_frac`` > ``max_dup_item_frac`` [0.2] (any length): repeated items of an enumeration or list,
    sentences pasted back to back (``curate.filters.text.dup_item_frac``), and, code included, a block of 1-3 lines
    pasted back to back ≥ 6 times (``code_loop_frac``: ten copies of "import requests"); in verse, only a stanza pasted
    three times in a row (``stanza_loop_frac``); unless the prompt asks
    for repetition.
``degenerate``
    Per assistant turn (``curate.filters.degenerate``), worst over turns: ``stat_char_entropy`` <
    ``min_char_entropy`` [1.5 bits/char], ``stat_tail_loop`` > ``max_tail_loop`` [0.3 of the words
    in a loop at the end], ``stat_token_run`` > ``max_token_run`` [10], ``stat_gibberish`` >
    ``max_gibberish`` [0.3 of Latin words unpronounceable], ``stat_echo`` > 0 (the answer repeats
    the prompt or has no letter/digit; ``drop_echo``), ``stat_leak_lines`` > ``max_leak_lines`` [0]
    ("### Instruction:", "[EX Q]:", "<|endoftext|>"). Code answers and prompts asking for repetition
    get no entropy/loop metrics. Opt-in.
``language_mismatch``
    ``stat_language_mismatch``: 1 when the first answer is not in the first user turn's language
    and the prompt neither asks for a translation nor names a target language
    (``curate.filters.relevance.language_mismatch``, ``curate.filters.langid``'s detector).
    Judged from ``mismatch_min_letters`` [20] letters and ``mismatch_min_prob`` [0.8]. Also 1 when
    the prompt asks for a translation into a named language and the answer has no letter in that
    language's script ("将这句话翻译成西班牙语。这个很有趣。" → "这个很有趣。";
    ``curate.filters.relevance.untranslated``). Opt-in.
``non_answer``
    ``stat_non_answer``: 1 when a chat's only answer is not an answer to its prompt
    (``curate.filters.nonanswer.non_answer``): a filler ("ok", "hi", "Very Good", "回答不错",
    "спасибо"; yes/no words only where the prompt is not a yes/no question), a question sharing no
    content with the prompt (the reply reads as a user turn: "can you description the google
    protobuf?"), or one or two words sharing nothing with a prompt that asks for running text
    ("hi" to "guide me through building such a system"). Thresholds
    ``non_answer_max_question_words`` [30] and ``non_answer_max_tiny_words`` [2]. Also Alpaca's
    ``<nooutput>`` markers (``no_output``), and a short reply sharing no content with the prompt
    that reads as a *user* turn ("how can a gain muscle though exercise? detail what exercises to
    do"): P(user) ≥ ``non_answer_user_voice`` [0.97] under the shipped user-voice model, or ≥
    ``non_answer_user_voice_request`` [0.9] when it opens as a request to an assistant ("Write me an
    essay about climate change.": 0.95; ``curate.filters.nonanswer.request_form``)
    (``curate.filters.voice``: hashed character n-grams, logistic regression trained on the user
    and assistant turns of 37 dumps; ROC-AUC 0.92 on sources it never saw, 2.6 % of short
    assistant turns ≥ 0.9; weak on Russian). Row-local; the detail names the kind (``filler``,
    ``unrelated_question``, ``no_content``, ``no_output``, ``user_voice``). Opt-in (lima.yaml drops it).
``off_topic``
    ``stat_relevance``: cosine of the embeddings of the first user turn and the first answer
    (all-MiniLM-L6-v2 via ``curate.embed.embed_texts``, first ``relevance_max_seq_length`` [128]
    word pieces, the pipeline's embedding cache); ``stat_relevance_z``: its robust z-score within
    the batch's (script, length) group. Drop when ``stat_relevance`` < ``min_relevance`` [0.1]
    (and ``stat_relevance_z`` < ``max_relevance_z`` when set). Opt-in: embedding answers costs
    ~2-6 texts/s per core on CPU.
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
truncated_response, markup_debris, repetition]``; ``degenerate``, ``language_mismatch``,
``off_topic``, ``symbol_ratio``, ``alnum_ratio`` and ``response_prompt_ratio`` are opt-in (they drop math/LaTeX and code answers: see the filters report).
Counters: ``dropped.<rule>`` and ``flagged.<rule>`` (rows whose metrics would fire the rule on its
own, before the first-rule-wins split).

Example::

    - {stage: quality, drop: [refusal_boilerplate, truncated_response, repetition], max_dup_line_frac: 0.3}
    - stage: quality
      drop: [refusal_boilerplate, truncated_response, degenerate, language_mismatch]
      extra_patterns: {en: ['\\bcomputer says no\\b']}   # single quotes keep the backslashes
      trunc_checks: [code_cut, announced_missing, list_cut, continue, no_terminal_punct]
"""

from __future__ import annotations

import re
from typing import Literal

import polars as pl
from pydantic import Field, model_validator

from curate.filters import patterns
from curate.filters.degenerate import DEDUP_ASK_RE, DEGENERATE_KEYS, REPEAT_ASK_RE, degenerate_metrics
from curate.filters.refusal import (ANSWERS_QUESTION_RE, HANDS_BACK_RE, WRITES_IN_VOICE_RE, advice_instead, ai_roleplay_prompt,
                                    asks_back, decline_regex, declines, ethics_lecture, excused, soft_refusal, speaks_as_assistant,
                                    task_handed_back)
from curate.filters.text import (CJK_RE, CODE_PUNCT_RE, URL_RE, alnum_ratio, code_loop_frac, dup_item_frac, is_verse, repetition_metrics,
                                 stanza_loop_frac, strip_code,
                                 symbol_word_ratio, words)
from curate.filters.truncation import DEFAULT_LIMITS, TRUNCATION_REASONS, code_cut, truncation_signals
from curate.registry import register
from curate.stage import Context, FilterStage, StageParams, StageResult, split_by_rules

RuleName = Literal[
    "length", "placeholder", "templated_identity", "refusal_boilerplate", "truncated_response",
    "markup_debris", "repetition", "degenerate", "language_mismatch", "non_answer", "off_topic",
    "symbol_ratio", "alnum_ratio", "response_prompt_ratio",
]
TruncName = Literal["code_cut", "announced_missing", "list_cut", "short_of_ask", "no_terminal_punct", "length_limit", "continue"]
#: evaluation order (the first rule that fires names the drop)
RULES: tuple[str, ...] = RuleName.__args__  # type: ignore[attr-defined]
#: truncated_response sub-reasons in the order they name a drop
TRUNCATION_ORDER = ("code_cut", "announced_missing", "list_cut", "short_of_ask", "continue", "no_terminal_punct", "length_limit")
DEFAULT_DROP = ["length", "placeholder", "templated_identity", "refusal_boilerplate",
                "truncated_response", "markup_debris", "repetition"]

TOP_N = (2, 3, 4)
DUP_N = (5, 6, 7, 8, 9, 10)
BASE_REP_KEYS = ["dup_para_frac", "dup_line_frac", "dup_para_char_frac", "dup_line_char_frac"] + \
    [f"top_{n}gram_frac" for n in TOP_N]
REP_KEYS = BASE_REP_KEYS + [f"dup_{n}gram_frac" for n in DUP_N]


REP_COLS = {k: "stat_" + re.sub(r"_(\d)", r"\1", k) for k in REP_KEYS}  # dup_line_frac -> stat_dup_line_frac, top_2gram_frac -> stat_top2gram_frac

_CODE_RE = r"(?s)(?:```|~~~).*?(?:```|~~~|\z)|`[^`\n]+`"
#: code punctuation share under which escaped quotes are prose, not code (``text.code_density``: prose < 0.02)
_ESCAPED_PROSE_CODE_SHARE = 0.03
_PY_DTYPES = {"_prompt_of": pl.String, "_symbol": pl.Float64, "_dup_item_frac": pl.Float64, "_soft_match": pl.String, "_deg_char_entropy": pl.Float64,
              "_deg_tail_loop": pl.Float64, "_deg_gibberish": pl.Float64}
_PY_DTYPES.update({f"_{k}": pl.Float64 for k in REP_KEYS})
#: private columns carried from compute_stats to the drop details, removed from the output
PRIVATE_COLS = ("_refusal_match", "_soft_match", "_trunc_note", "_mismatch_note", "_non_answer_note")
#: an answer that is only a number ("64", "5.", "等于2", "-3.5", a ratio "1.33:1", a share "25%"): a whole answer to a sum, however short
NUMERIC_ANSWER_RE = r"^\s*(?:等于|=)?\s*[-+−]?\d[\d.,/]*(?:\s*:\s*\d[\d.,]*)?\s*%?\s*[.。]?\s*$"
#: a lone chemical formula or symbol ("H₂O。", "NaCl", "Fe") answering a prompt that asks for one ("水的化学式": written zh set BG)
FORMULA_ANSWER_RE = r"^\s*(?:[A-Z][a-z]?[₀-₉0-9]*){1,6}\s*[.。]?\s*$"
FORMULA_ASK_RE = r"(?i)化学式|分子式|元素符号|化学符号|formula|chemical symbol|формул|химическ\w* символ"
INT_STATS = ("stat_conv_chars", "stat_conv_width", "stat_numeric_answer", "stat_min_assistant_chars", "stat_refusal_turns", "stat_soft_refusal_turns",
             "stat_markup_count", "stat_placeholder_count", "stat_identity_turns", "stat_continue_turns",
             "stat_language_mismatch", "stat_non_answer", "stat_echo", "stat_leak_lines") + tuple(f"stat_trunc_{k}" for k in TRUNCATION_REASONS)


@register
class Quality(FilterStage):
    """Heuristic quality rules for chats: refusals, truncation, repetition, debris, lengths, templates."""

    name = "quality"
    version = "2"

    @property
    def row_local(self) -> bool:  # type: ignore[override]
        """Every rule but ``off_topic`` judges a row from its own text alone (``language_mismatch``
        uses a batch-independent detector), so engines may run the stage on chunks in parallel.
        ``off_topic`` embeds through the pipeline cache and z-scores within the batch: not row-local."""
        return "off_topic" not in self.params.drop

    class Params(StageParams):
        drop: list[RuleName] = Field(default_factory=lambda: list(DEFAULT_DROP), description="rules to apply, by name")
        # length
        min_conversation_chars: int = Field(16, ge=0, description="FastChat clean_sharegpt minimum")
        max_conversation_chars: int = Field(200_000, ge=1)
        min_user_chars: int = Field(1, ge=0)
        min_assistant_chars: int = Field(1, ge=0)
        max_turn_chars: int = Field(100_000, ge=1)
        chunk_rows: int = Field(
            50_000, ge=1000, description="rows whose metrics are computed at a time (bounded memory; same result)")
        # placeholder / identity / refusal
        max_placeholders: int = Field(0, ge=0)
        max_identity_turns: int = Field(0, ge=0)
        max_refusal_turns: int = Field(0, ge=0)
        refusal_kinds: list[Literal["ai_disclaimer", "refusal", "soft"]] = Field(
            default_factory=lambda: ["ai_disclaimer", "refusal", "soft"], min_length=1,
            description="pattern sections of refusal_patterns/<lang>.txt: 'As an AI' disclaimers, refusals, "
                        "soft refusals (judged by position and share)")
        refusal_languages: list[str] | None = Field(
            None, description="pattern files to use (e.g. [en, zh]); None = every file in refusal_patterns/")
        extra_patterns: list[str] | dict[str, list[str]] = Field(
            default_factory=list,
            description="more refusal regexes (a match anywhere in an assistant turn is a refusal): a list, "
                        "or {lang: [regex]}; each must compile in Python re and polars (no look-around)")
        soft_opening_sentences: int = Field(2, ge=1, description="soft phrase must be in this many opening sentences")
        soft_max_words: int = Field(80, ge=1, description="an answer this short (words) opening softly is a refusal")
        soft_max_prompt_ratio: float = Field(
            0.5, ge=0, description="... or one under this share of its prompt's words")
        soft_min_share: float = Field(
            0.5, gt=0, le=1, description="soft-phrase sentences making up this share of the prose: a refusal at any length")
        soft_ask_back: bool = Field(
            True, description="a last answer that is only a short question back counts as a soft refusal")
        refusal_exempt_ai_roleplay: bool = Field(
            True, description="no hard refusal/AI-disclaimer match in answers to prompts that ask to write as an AI "
                              "or language model (role-play, creative writing: curate.filters.refusal.ai_roleplay_prompt)")
        soft_decline: bool = Field(
            True, description="an answer whose opening sentence declines (first person + negation + ability verb, "
                              "6 languages) and brings no substance after it counts as a soft refusal "
                              "(curate.filters.refusal.declines)")
        soft_ethics_lecture: bool = Field(
            True, description="a last answer of ≤ 150 words whose sentences are mostly moral/safety framing, with no "
                              "list, code or digit, counts as a soft refusal (curate.filters.refusal.ethics_lecture)")
        soft_ethics_min_share: float = Field(0.6, gt=0, le=1, description="share of framing sentences for an ethics lecture")
        soft_decline_max_rest_words: int = Field(
            40, ge=0, description="words after the declining sentence (no list, code, digit) still counted as no answer")
        # truncation
        trunc_checks: list[TruncName] = Field(
            default_factory=lambda: list(TRUNCATION_REASONS) + ["continue"], min_length=1,
            description="truncated_response sub-reasons to apply")
        trunc_min_words: int = Field(8, ge=1, description="words the last prose line needs to be judged (no_terminal_punct)")
        trunc_min_chars: int = Field(200, ge=0, description="characters the last assistant turn needs to be judged (no_terminal_punct)")
        length_limits: list[int] = Field(
            default_factory=lambda: list(DEFAULT_LIMITS),
            description="round generation limits (tokens) for length_limit; [] turns it off")
        length_limit_tolerance: float = Field(
            0.02, ge=0, le=0.5, description="relative distance to a limit that counts as 'at' it")
        # degenerate
        min_char_entropy: float = Field(1.5, ge=0, description="bits per character (whitespace excluded)")
        max_tail_loop: float = Field(0.3, gt=0, le=1, description="share of words in a loop at the end")
        max_token_run: int = Field(10, ge=2, description="longest run of one identical word (CJK: character)")
        max_gibberish: float = Field(0.3, gt=0, le=1, description="share of implausible Latin-script words")
        drop_echo: bool = Field(True, description="drop answers that only repeat the prompt or hold no letter/digit")
        max_leak_lines: int = Field(0, ge=0, description="lines of leaked template/few-shot scaffolding allowed")
        # language mismatch
        mismatch_min_letters: int = Field(20, ge=1, description="letters both texts need to be judged")
        mismatch_min_prob: float = Field(0.8, ge=0, le=1, description="language-ID probability both verdicts need")
        # non_answer
        non_answer_max_question_words: int = Field(
            30, ge=1, description="a reply that is a question of at most this many words (CJK character = half a word) "
                                  "sharing no content with the prompt is not an answer")
        non_answer_max_tiny_words: int = Field(
            2, ge=0, description="a reply of at most this many words sharing no content with a prompt that asks for "
                                 "running text is not an answer (0 turns the check off)")
        non_answer_user_voice: float | None = Field(
            0.97, ge=0, le=1, description="a single answer of at most non_answer_max_question_words words, sharing no "
                                         "content with the prompt, that the shipped user-voice model scores at least "
                                         "this P(user) is a user turn in the assistant slot (None: off)")
        non_answer_user_voice_request: float | None = Field(
            0.9, ge=0, le=1, description="the same from this P(user) when the answer opens as a request to an "
                                         "assistant ('Write me…', 'Summarise your answer…', 'Can you…'; "
                                         "nonanswer.request_form) (None: off)")
        # off_topic
        relevance_model: str = Field("all-MiniLM-L6-v2", description="sentence-transformers model (curate.embed)")
        relevance_max_seq_length: int = Field(128, ge=8, description="word pieces embedded per text")
        min_relevance: float = Field(0.1, ge=-1, le=1, description="cosine of prompt and answer below which a row is off-topic")
        max_relevance_z: float | None = Field(
            None, description="optional: also require the z-score within (script, length) groups below this")
        relevance_min_group: int = Field(30, ge=2, description="rows a (language, length) group needs for its own z")
        # markup
        max_markup: int = Field(2, ge=0, description="leftover HTML tags/entities outside code")
        markup_all_turns: bool = Field(
            False, description="count debris in user turns too; by default only the answers count (what the model "
                               "learns to write under assistant-only loss; an escaped prompt is repaired by clean_text)")
        markup_code_share: float = Field(
            0.3, ge=0, le=1,
            description="a turn whose prose is more than this share HTML tags is unfenced HTML code, not debris")
        # repetition (Gopher)
        repetition_min_words: int = Field(50, ge=1, description="Gopher: documents under 50 words are not judged")
        repetition_max_chars: int = Field(30_000, ge=100, description="characters of a turn scanned (speed cap)")
        repetition_min_line_words: int = Field(
            4, ge=0,
            description="lines/paragraphs under this many words are not counted as duplicates (list items, survey options, "
                        "chord lines repeat by design); 0 = Gopher")
        repetition_min_item_words: int = Field(
            8, ge=0, description="list-item lines under this many words are not counted as duplicates (the options of "
                                 "every question of a questionnaire); 0 = Gopher")
        repetition_exempt_verse: bool = Field(
            True, description="no repetition metrics for songs/poems (the prompt asks for one, or the answer has "
                              "Chorus/Refrain/副歌 section labels): refrains repeat by design")
        repetition_per_section: bool = Field(
            True, description="in a templated document (≥ 3 distinct section headers: a weekly plan, notes per "
                              "browser) lines/paragraphs count as duplicates only within their section; False = Gopher")
        repetition_skip_prompt_ngrams: bool = Field(
            True, description="the top n-gram shares skip n-grams found in the turn's prompt (its subject, named in "
                              "every item of a list, is not a loop); False = Gopher")
        repetition_cjk_half_words: bool = Field(
            True, description="mostly-CJK turns take top n-grams over 2n characters (a character is half a word); "
                              "False = Gopher over characters")
        max_dup_item_frac: float = Field(
            0.2, ge=0, le=1, description="share of repeated items in an inline enumeration, or of list items equal to "
                                         "the one before (curate.filters.text.dup_item_frac); judged at any length")
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
            if self.refusal_languages is not None:
                unknown = sorted(set(self.refusal_languages) - set(patterns.refusal_languages()))
                if unknown:
                    raise ValueError(f"refusal_languages: no pattern file for {', '.join(unknown)} "
                                     f"(have {', '.join(patterns.refusal_languages())})")
            extra = self.extra_patterns
            items = [(f"extra_patterns[{i}]", x) for i, x in enumerate(extra)] if isinstance(extra, list) else \
                [(f"extra_patterns.{k}[{i}]", x) for k, v in extra.items() for i, x in enumerate(v)]
            problems = [f"{where}: {why}" for where, x in items for why in [patterns.regex_problem(x)] if why]
            if problems:
                raise ValueError("; ".join(problems))
            if set(self.max_top_ngram_frac) - set(TOP_N):
                raise ValueError(f"max_top_ngram_frac keys must be in {TOP_N}")
            if set(self.max_dup_ngram_frac) - set(DUP_N):
                raise ValueError(f"max_dup_ngram_frac keys must be in {DUP_N}")
            return self

    # ------------------------------------------------------------ metrics

    def extra_regexes(self) -> tuple[str, ...]:
        """``extra_patterns`` as one flat tuple of regexes."""
        x = self.params.extra_patterns
        return tuple(x) if isinstance(x, list) else tuple(r for v in x.values() for r in v)

    def compute_stats(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        """The ``stat_*`` columns of the enabled rules. Frames above ``chunk_rows`` rows are computed
        slice by slice (every rule but ``off_topic`` is row-local, so the result is the same) to bound
        the Python objects held at once; ``off_topic`` needs the whole frame (its z-scores)."""
        p = self.params
        if df.height > p.chunk_rows and "off_topic" not in p.drop:
            return pl.concat([self._stats(df.slice(a, p.chunk_rows), ctx) for a in range(0, df.height, p.chunk_rows)],
                             how="diagonal_relaxed")
        return self._stats(df, ctx)

    def _stats(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
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
        langs = tuple(p.refusal_languages) if p.refusal_languages is not None else None
        hard_kinds = tuple(k for k in p.refusal_kinds if k != "soft")
        soft_on = "refusal_boilerplate" in on and "soft" in p.refusal_kinds
        if "refusal_boilerplate" in on:
            # one regex per language, and one for extra_patterns (``patterns.refusal_pattern_chunks``: a union past a size
            # leaves Rust's lazy DFA); the first that matches names the phrase
            chunks = patterns.refusal_pattern_chunks(hard_kinds, langs)
            extra = self.extra_regexes()
            if extra:
                chunks.append(patterns.refusal_pattern((), (), extra=extra))
            found = pl.coalesce([pl.col("content").str.extract(c, 1) for c in chunks]) if chunks else pl.lit(None, pl.String)
            exprs.append(pl.when(is_a).then(found).alias("_refusal"))
            if soft_on:
                chunks = patterns.refusal_pattern_chunks(("soft",), langs)  # one regex per language: see its doc
                hit = pl.any_horizontal([pl.col("content").str.contains(c) for c in chunks]) if chunks else pl.lit(False)
                exprs.append((is_a & hit).alias("_soft_hit"))
        if "markup_debris" in on:
            tag_re = patterns.MARKUP_TAG_RE.pattern
            prose_chars = prose.str.len_chars()
            tag_chars = prose_chars - prose.str.replace_all(tag_re, "").str.len_chars()
            sparse = (tag_chars <= p.markup_code_share * prose_chars) & ~pl.col("content").str.contains(
                patterns.HTML_CODE_SIGNAL_RE.pattern.replace(r"\b", r"(?-u:\b)"))
            tags = pl.when(sparse).then(prose.str.count_matches(tag_re)).otherwise(0)
            entities = prose.str.count_matches(patterns.MARKUP_ENTITY_RE.pattern)
            unescaped = prose.str.replace_all(patterns.MARKUP_ENTITY_RE.pattern, "")
            escaped_prose = ((entities == prose.str.count_matches(patterns.QUOTE_ENTITY_RE.pattern))
                             & ~pl.col("content").str.contains(CJK_RE.pattern)
                             & (unescaped.str.count_matches(CODE_PUNCT_RE.pattern)
                                <= _ESCAPED_PROSE_CODE_SHARE * unescaped.str.len_chars()))
            exprs.append((pl.when(escaped_prose).then(0).otherwise(entities) + tags).alias("_markup"))
        if "placeholder" in on:
            # {{ x }} in a Jinja/Django/Handlebars template or an HTML page is the template's syntax, not a leftover
            template_doc = prose.str.contains(r"\{%|<html|<body|<div|<table|<ul|<tr|<td|<template|v-for|ng-repeat")
            exprs.append(pl.when(template_doc).then(prose.str.count_matches(patterns.SPECIAL_TOKEN_RE.pattern))
                         .otherwise(prose.str.count_matches(patterns.PLACEHOLDER_RE.pattern)).alias("_placeholder"))
        turns = turns.with_columns(exprs)

        # Python metrics, only on the turns that need them
        py: dict[str, list] = {}
        roles = turns.get_column("role").to_list()
        contents = turns.get_column("content").to_list()
        row_ids = turns.get_column("_row").to_list()
        n = len(contents)
        # the user turn each assistant turn answers ("" when none in the same row)
        prompt_of: list[str] = [""] * n
        last_u, last_row = "", None
        for i, (rid, r, c) in enumerate(zip(row_ids, roles, contents)):
            if rid != last_row:
                last_u, last_row = "", rid
            if r == "user":
                last_u = c
            elif r == "assistant":
                prompt_of[i] = last_u
        py["_prompt_of"] = prompt_of
        if "refusal_boilerplate" in on:
            # a hard match is not a refusal when:
            # - it is an AI self-description and the prompt asks to write *as* an AI / language model ("作为一个语言
            #   模型，我…" is the requested voice; refusal_exempt_ai_roleplay); an explicit refusal ("对不起，我不能协助…")
            #   to a DAN-style jailbreak that also casts the model as an AI stays a refusal
            # - the prompt asks to rewrite, translate or recite a text that holds the phrase (transforms_own_text)
            # - the prompt allows "I don't know", or asks the assistant about itself (permits_refusal)
            ai_re = re.compile(patterns.refusal_pattern(("ai_disclaimer",), langs, rust=False))
            role_rows: set = set()
            if p.refusal_exempt_ai_roleplay:
                first_u: dict = {}
                for rid, r, c in zip(row_ids, roles, contents):
                    if r == "user" and rid not in first_u:
                        first_u[rid] = c
                role_rows = {rid for rid, c in first_u.items() if ai_roleplay_prompt(c)}  # the role holds for the chat

            def cleared(i: int, m: str) -> bool:
                is_ai = bool(ai_re.search(m))
                if is_ai and p.refusal_exempt_ai_roleplay and (row_ids[i] in role_rows or ai_roleplay_prompt(prompt_of[i])):
                    return True
                return excused(prompt_of[i], m, contents[i], is_ai)

            ref = turns.get_column("_refusal").to_list()
            kept_ref = [None if (m is not None and cleared(i, m)) else m for i, m in enumerate(ref)]
            if kept_ref != ref:
                turns = turns.with_columns(pl.Series("_refusal", kept_ref, dtype=pl.String))
        if "templated_identity" in on:
            # an identity question counts when the answer after it names a model, a maker or a persona (or there is none):
            # "I'm an AI assistant, a language model trained to help…" names nobody and is what a fine-tune should say
            py["_identity"] = [
                int(r == "user" and patterns.is_identity_question(c)
                    and not (i + 1 < n and row_ids[i + 1] == row_ids[i] and roles[i + 1] == "assistant"
                             and not patterns.names_identity(contents[i + 1])))
                for i, (r, c) in enumerate(zip(roles, contents))]
        if "truncated_response" in on:
            py["_continue"] = [int(r == "user" and patterns.is_continue_request(c)) for r, c in zip(roles, contents)]
            py["_fence"] = [int(r == "assistant" and code_cut(c) == "unclosed ``` fence") for r, c in zip(roles, contents)]
        if soft_on:
            soft_re = re.compile(patterns.refusal_pattern(("soft",), langs, rust=False))
            decline_re = decline_regex(langs)
            soft: list = [None] * n
            soft_match: list = [None] * n
            # asking back counts only for a single answer (the last assistant turn is also the first):
            # in a longer chat a question back is an ordinary turn of the dialogue
            n_answers: dict = {}
            for rid, r in zip(row_ids, roles):
                if r == "assistant":
                    n_answers[rid] = n_answers.get(rid, 0) + 1
            final = [r == "assistant" and n_answers.get(rid) == 1 for rid, r in zip(row_ids, roles)]
            # a decline counts in the row's last answer: earlier in a chat "I don't know what you mean" is a turn of the dialogue
            last_a: set[int] = set()
            seen_rows: set = set()
            for i in range(n - 1, -1, -1):
                if roles[i] == "assistant" and row_ids[i] not in seen_rows:
                    seen_rows.add(row_ids[i])
                    last_a.add(i)
            for i, hit in enumerate(turns.get_column("_soft_hit").to_list()):
                if p.soft_decline and i in last_a:
                    d = declines(contents[i], prompt_of[i], opening_sentences=p.soft_opening_sentences,
                                 max_rest_words=p.soft_decline_max_rest_words, max_prompt_ratio=p.soft_max_prompt_ratio,
                                 pattern=decline_re, task_langs=langs if langs is not None else ("en", "zh"))
                    # (an identity question permits the assistant's limits: "who are you" → "…I can't see your files", set BH)
                    if d and not excused(prompt_of[i], d, contents[i]) and not patterns.is_identity_question(prompt_of[i]):
                        soft[i], soft_match[i] = 1, f"declines: {d}"
                        continue
                # the task handed back whole: "…draft it yourself. You've got this!" (written sets BN-BP)
                if p.soft_decline and i in last_a:
                    diy = task_handed_back(contents[i], prompt_of[i])
                    if diy:
                        soft[i], soft_match[i] = 1, f"hands back: {diy}"
                        continue
                    # advice in place of the deliverable: "…I'd suggest taking a course at a technical college" (written sets BT-BV)
                    adv = advice_instead(contents[i], prompt_of[i])
                    if adv:
                        soft[i], soft_match[i] = 1, f"advises instead: {adv}"
                        continue
                if p.soft_ethics_lecture and i in last_a:
                    e = ethics_lecture(contents[i], min_share=p.soft_ethics_min_share, prompt=prompt_of[i])
                    if e:
                        soft[i], soft_match[i] = 1, f"ethics lecture: {e}"
                        continue
                if hit or (final[i] and p.soft_ask_back and asks_back(contents[i], prompt_of[i])):
                    v = soft_refusal(contents[i], prompt_of[i], soft_re, opening_sentences=p.soft_opening_sentences,
                                     max_words=p.soft_max_words, max_prompt_ratio=p.soft_max_prompt_ratio,
                                     min_share=p.soft_min_share, final=final[i] and p.soft_ask_back)
                    # (a requested letter may apologise or ask; an answer that opens "Sure, I can help with that!"
                    # and then asks is the assistant asking back: written en set I)
                    in_voice = WRITES_IN_VOICE_RE.search(prompt_of[i][:1000]) and not (
                        v.match and v.match.startswith("asks back") and speaks_as_assistant(contents[i])) \
                        and not (v.match and HANDS_BACK_RE.search(v.match)) \
                        and not ANSWERS_QUESTION_RE.search(contents[i][:400])  # ("…from an AI", "…to answer this question")
                    # (an identity question permits the assistant's limits, "who are you" → "…I can't see your files", set BH;
                    # a question asked back is still no answer)
                    about_self = patterns.is_identity_question(prompt_of[i]) and not (v.match or "").startswith("asks back")
                    hit_ok = v.is_refusal and not (v.match and (excused(prompt_of[i], v.match, contents[i]) or in_voice or about_self))
                    soft[i] = int(hit_ok)
                    soft_match[i] = v.match if hit_ok else None
            py["_soft"] = soft
            py["_soft_match"] = soft_match
        if "degenerate" in on:
            deg = {k: [None] * n for k in DEGENERATE_KEYS}
            for i, (r, c) in enumerate(zip(roles, contents)):
                if r == "assistant":
                    for k, v in degenerate_metrics(c[: p.repetition_max_chars], prompt_of[i]).items():
                        deg[k][i] = v
            py.update({f"_deg_{k}": v for k, v in deg.items()})
        if "repetition" in on or "symbol_ratio" in on:
            dup_ns = tuple(sorted(p.max_dup_ngram_frac))
            rep_keys = BASE_REP_KEYS + [f"dup_{k}gram_frac" for k in dup_ns]
            rep: dict[str, list] = {k: [None] * n for k in rep_keys}
            sym: list = [None] * n
            items: list = [None] * n
            for i, (r, c) in enumerate(zip(roles, contents)):
                if r != "assistant":
                    continue
                t = URL_RE.sub(" ", strip_code(c[: p.repetition_max_chars]))
                # a repetition the prompt asks for ("write 'I will finish my homework on time' 5 times") is the answer
                repeat_ask = bool(REPEAT_ASK_RE.search(prompt_of[i][:500]))
                asked_repeat = repeat_ask and not DEDUP_ASK_RE.search(prompt_of[i][:500])
                if "repetition" in on and not (p.repetition_exempt_verse and is_verse(t, prompt_of[i])):
                    items[i] = 0.0 if asked_repeat else dup_item_frac(t, prompt=prompt_of[i])  # short enumerations too: no 50-word minimum
                    if not asked_repeat:
                        items[i] = max(items[i], code_loop_frac(c[: p.repetition_max_chars]))  # loops inside code
                elif "repetition" in on and not repeat_ask:
                    items[i] = stanza_loop_frac(t)  # verse: only a stanza pasted three times in a row
                ws = words(t)
                # a CJK character is one word: Gopher's 50-word minimum counts ~3 characters per word here
                min_w = p.repetition_min_words * (3 if len(CJK_RE.findall(t)) * 2 > len(ws) else 1)
                if len(ws) < min_w:
                    continue
                if "repetition" in on and not (p.repetition_exempt_verse and is_verse(t, prompt_of[i])):
                    for k, v in repetition_metrics(t, TOP_N, dup_ns, min_line_words=p.repetition_min_line_words,
                                                    min_item_words=p.repetition_min_item_words,
                                                    per_section=p.repetition_per_section,
                                                    cjk_half_words=p.repetition_cjk_half_words,
                                                    prompt=prompt_of[i] if p.repetition_skip_prompt_ngrams else "").items():
                        rep[k][i] = v
                if "symbol_ratio" in on:
                    sym[i] = symbol_word_ratio(t)
            if "repetition" in on:
                py.update({f"_{k}": v for k, v in rep.items()})
                py["_dup_item_frac"] = items
            if "symbol_ratio" in on:
                py["_symbol"] = sym
        if py:
            turns = turns.with_columns(**{k: pl.Series(k, v, dtype=_PY_DTYPES.get(k, pl.Int64)) for k, v in py.items()})

        # per-conversation aggregates
        aggs: list[pl.Expr] = [
            pl.col("_chars").sum().alias("stat_conv_chars"),
            (pl.col("_chars") + pl.col("content").str.count_matches(CJK_RE.pattern)).sum().alias("stat_conv_width"),
            pl.col("_chars").filter(is_u).sum().alias("_u_chars"),
            pl.col("_chars").filter(is_a).sum().alias("_a_chars"),
            pl.col("_chars").filter(is_u).min().alias("stat_min_user_chars"),
            pl.col("_chars").filter(is_a).min().alias("stat_min_assistant_chars"),
            pl.col("_chars").max().alias("stat_max_turn_chars"),
            pl.col("content").filter(is_a).last().alias("_last_a"),
            pl.col("_prompt_of").filter(is_a).last().alias("_last_a_prompt"),
            pl.col("content").filter(is_a).first().alias("_first_a"),
            pl.col("content").filter(is_u).first().alias("_first_u"),
            is_a.sum().alias("_n_a"),
        ]
        if "refusal_boilerplate" in on:
            aggs += [pl.col("_refusal").is_not_null().sum().alias("stat_refusal_turns"),
                     pl.col("_refusal").drop_nulls().first().alias("_refusal_match")]
            if soft_on:
                aggs += [pl.col("_soft").fill_null(0).sum().alias("stat_soft_refusal_turns"),
                         pl.col("_soft_match").drop_nulls().first().alias("_soft_match")]
        if "markup_debris" in on:
            mk = pl.col("_markup") if p.markup_all_turns else pl.col("_markup").filter(is_a)
            aggs.append(mk.sum().alias("stat_markup_count"))
        if "placeholder" in on:
            aggs.append(pl.col("_placeholder").sum().alias("stat_placeholder_count"))
        if "templated_identity" in on:
            aggs.append(pl.col("_identity").sum().alias("stat_identity_turns"))
        if "truncated_response" in on:
            # a "continue" as the very first user turn continues nothing in this row
            aggs += [pl.col("_continue").filter(is_u).slice(1).sum().alias("stat_continue_turns"),
                     pl.col("_fence").sum().alias("_open_fences")]
        if "degenerate" in on:
            aggs += [pl.col("_deg_char_entropy").min().alias("stat_char_entropy"),
                     pl.col("_deg_tail_loop").max().alias("stat_tail_loop"),
                     pl.col("_deg_token_run").max().alias("stat_token_run"),
                     pl.col("_deg_gibberish").max().alias("stat_gibberish"),
                     pl.col("_deg_echo").max().alias("stat_echo"),
                     pl.col("_deg_leak").sum().alias("stat_leak_lines")]
        if "repetition" in on:
            aggs += [pl.col(f"_{k}").max().alias(REP_COLS[k]) for k in rep_keys]
            aggs.append(pl.col("_dup_item_frac").max().alias("stat_dup_item_frac"))
        if "symbol_ratio" in on:
            aggs.append(pl.col("_symbol").max().alias("stat_symbol_word_ratio"))
        if "alnum_ratio" in on:
            aggs.append(pl.col("content").filter(is_a).str.join("\n").alias("_a_text"))
        per = turns.group_by("_row").agg(aggs).sort("_row")

        post: list[pl.Expr] = []
        if "truncated_response" in on:
            per = self._truncation(per, df)
        if "alnum_ratio" in on:
            per = per.with_columns(stat_alnum_ratio=pl.Series(
                [alnum_ratio(t) if t else None for t in per.get_column("_a_text").to_list()], dtype=pl.Float64))
        if "response_prompt_ratio" in on:
            post.append((pl.col("_a_chars") / pl.max_horizontal(pl.col("_u_chars"), 1)).alias("stat_resp_prompt_ratio"))
        if "length" in on:
            # a lone answer that is a number, to a prompt holding a digit ("3乘以6" → "18"): short, not empty
            # ... or a formula to a prompt that asks for one ("水的化学式" → "H₂O。")
            post.append(((pl.col("_n_a") == 1) & (
                (pl.col("_first_u").str.contains(r"\d").fill_null(False)
                 & pl.col("_first_a").str.contains(NUMERIC_ANSWER_RE).fill_null(False))
                | (pl.col("_first_u").str.contains(FORMULA_ASK_RE).fill_null(False)
                   & pl.col("_first_a").str.contains(FORMULA_ANSWER_RE).fill_null(False)))).cast(pl.Int64)
                        .alias("stat_numeric_answer"))
        per = per.with_columns(post) if post else per
        if "language_mismatch" in on:
            per = self._language_mismatch(per)
        if "non_answer" in on:
            from curate.filters.nonanswer import non_answer

            firsts = list(zip(per.get_column("_first_a").to_list(), per.get_column("_first_u").to_list(),
                              per.get_column("_n_a").to_list()))
            notes = [non_answer(a or "", u or "", max_question_words=p.non_answer_max_question_words,
                                max_tiny_words=p.non_answer_max_tiny_words) if n_a == 1 else None
                     for a, u, n_a in firsts]
            if p.non_answer_user_voice is not None:
                notes = self._user_voice(notes, firsts)
            per = per.with_columns(pl.Series("stat_non_answer", [int(x is not None) for x in notes], dtype=pl.Int64),
                                   pl.Series("_non_answer_note", notes, dtype=pl.String))
        if "off_topic" in on:
            per = self._relevance(per, ctx)
        keep_cols = [c for c in per.columns if c.startswith("stat_")] + [c for c in PRIVATE_COLS if c in per.columns]
        per = per.select("_row", *keep_cols)
        out = (
            df.with_columns(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"))
            .join(per, on="_row", how="left")
            .sort("_row")
            .drop("_row")
        )
        int_fill = [c for c in INT_STATS if c in out.columns]
        out = out.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in int_fill])
        if "stat_min_user_chars" in out.columns:
            out = out.with_columns(pl.col("stat_min_user_chars").cast(pl.Int64), pl.col("stat_max_turn_chars").fill_null(0).cast(pl.Int64))
        return out

    def _truncation(self, per: pl.DataFrame, df: pl.DataFrame) -> pl.DataFrame:
        """``stat_trunc_<sub_reason>`` (0/1) of the last assistant turn and ``_trunc_note`` (first firing note)."""
        p = self.params
        checks = set(p.trunc_checks)
        last = per.get_column("_last_a").to_list()
        last_prompt = per.get_column("_last_a_prompt").to_list()
        # chat_template's assistant token count, when the row has a single answer
        tok = None
        if "stat_assistant_tokens" in df.columns:
            counts = df.get_column("stat_assistant_tokens").to_list()
            tok = [c if n_a == 1 else None for c, n_a in zip((counts[r] for r in per.get_column("_row").to_list()),
                                                             per.get_column("_n_a").to_list())]
        cols: dict[str, list[int]] = {k: [] for k in TRUNCATION_REASONS}
        notes: list[str | None] = []
        fences = per.get_column("_open_fences").to_list()
        for i, t in enumerate(last):
            sig = truncation_signals(t or "", last_prompt[i] or "", min_words=p.trunc_min_words, min_chars=p.trunc_min_chars,
                                     token_count=tok[i] if tok else None, limits=tuple(p.length_limits),
                                     tolerance=p.length_limit_tolerance) if t else {}
            if fences[i] and not sig.get("code_cut"):
                sig["code_cut"] = "unclosed ``` fence in an earlier answer"
            note = None
            for k in TRUNCATION_REASONS:
                hit = k in checks and bool(sig.get(k))
                cols[k].append(int(hit))
                if hit and note is None:
                    note = sig[k]
            notes.append(note)
        return per.with_columns(
            *[pl.Series(f"stat_trunc_{k}", v, dtype=pl.Int64) for k, v in cols.items()],
            pl.Series("_trunc_note", notes, dtype=pl.String))

    def _language_mismatch(self, per: pl.DataFrame) -> pl.DataFrame:
        """``stat_language_mismatch`` (0/1) of the first user turn and the first answer, ``_mismatch_note``."""
        from curate.filters.relevance import language_mismatch

        p = self.params
        prompts = [x or "" for x in per.get_column("_first_u").to_list()]
        answers = [x or "" for x in per.get_column("_first_a").to_list()]
        res = language_mismatch(prompts, answers, min_letters=p.mismatch_min_letters, min_prob=p.mismatch_min_prob)
        return per.with_columns(pl.Series("stat_language_mismatch", [v for v, _ in res], dtype=pl.Int64),
                                pl.Series("_mismatch_note", [m for _, m in res], dtype=pl.String))

    def _user_voice(self, notes: list[str | None], firsts: list[tuple]) -> list[str | None]:
        """``non_answer`` notes plus ``user_voice`` for short single answers that share nothing with
        the prompt and that the user-voice model (``curate.filters.voice``) reads as a user turn with
        probability ≥ ``non_answer_user_voice``."""
        from curate.filters.nonanswer import request_form, voice_candidate
        from curate.filters.voice import user_voice

        cand = [i for i, (note, (a, u, n_a)) in enumerate(zip(notes, firsts))
                if note is None and n_a == 1 and a and u and voice_candidate(a, u, self.params.non_answer_max_question_words)]
        if not cand:
            return notes
        prob = user_voice([firsts[i][0] for i in cand])
        out = list(notes)
        low = self.params.non_answer_user_voice_request
        for i, pr in zip(cand, prob.tolist()):
            if pr >= self.params.non_answer_user_voice or (low is not None and pr >= low and request_form(firsts[i][0])):
                out[i] = f"user_voice: {firsts[i][0].strip()[:40]!r} (P(user)={pr:.2f})"
        return out

    def _relevance(self, per: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        """``stat_relevance`` (cosine of first user turn and first answer) and ``stat_relevance_z``."""
        from curate.embed import default_cache_dir
        from curate.filters import langid
        from curate.filters.relevance import calibrate, main_script, relevance

        script_guess = getattr(langid, "script_guess", lambda text: None)  # zh/ja/ko by script, if present

        p = self.params
        prompts = [x or "" for x in per.get_column("_first_u").to_list()]
        answers = [x or "" for x in per.get_column("_first_a").to_list()]
        cos = relevance(prompts, answers, model=p.relevance_model, max_seq_length=p.relevance_max_seq_length,
                        cache_dir=default_cache_dir(ctx))
        # calibration groups: the answer's script (CJK languages by script_guess), and its length
        groups = [script_guess(a) or main_script(a) or "none" for a in answers]
        z = calibrate(cos, groups, [len(words(a)) for a in answers], p.relevance_min_group)
        return per.with_columns(pl.Series("stat_relevance", cos, dtype=pl.Float64),
                                pl.Series("stat_relevance_z", z, dtype=pl.Float64))

    # ------------------------------------------------------------ thresholds

    def rules(self, df: pl.DataFrame):
        p = self.params
        on = set(p.drop)
        out = []

        def gt(col: str, thr, reason: str, digits: int = 3):
            c = pl.col(col)
            shown = c.round(digits) if df.schema[col].is_float() else c
            out.append((c > thr, reason, pl.format(f"{col}={{}} > {thr}", shown)))

        def lt(col: str, thr, reason: str, digits: int = 3, unless: pl.Expr | None = None):
            c = pl.col(col)
            shown = c.round(digits) if df.schema[col].is_float() else c
            out.append((c < thr if unless is None else (c < thr) & ~unless, reason, pl.format(f"{col}={{}} < {thr}", shown)))

        for rule in RULES:
            if rule not in on:
                continue
            if rule == "length":
                lt("stat_conv_width", p.min_conversation_chars, rule, unless=pl.col("stat_numeric_answer") == 1)
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
                if "stat_soft_refusal_turns" in df.columns:
                    out.append((
                        pl.col("stat_soft_refusal_turns") > p.max_refusal_turns, rule,
                        pl.format(f'stat_soft_refusal_turns={{}} > {p.max_refusal_turns} ("{{}}")',
                                  pl.col("stat_soft_refusal_turns"), pl.col("_soft_match")),
                    ))
            elif rule == "truncated_response":
                checks = set(p.trunc_checks)
                for sub in TRUNCATION_ORDER:
                    if sub not in checks:
                        continue
                    if sub == "continue":
                        gt("stat_continue_turns", 0, rule)
                        continue
                    col = f"stat_trunc_{sub}"
                    out.append((pl.col(col) > 0, rule,
                                pl.format(f"{sub}: {col}={{}} > 0 ({{}})", pl.col(col), pl.col("_trunc_note"))))
            elif rule == "degenerate":
                lt("stat_char_entropy", p.min_char_entropy, rule)
                gt("stat_tail_loop", p.max_tail_loop, rule)
                gt("stat_token_run", p.max_token_run, rule)
                gt("stat_gibberish", p.max_gibberish, rule)
                if p.drop_echo:
                    gt("stat_echo", 0, rule)
                gt("stat_leak_lines", p.max_leak_lines, rule)
            elif rule == "language_mismatch":
                out.append((pl.col("stat_language_mismatch") > 0, rule,
                            pl.format("stat_language_mismatch={} > 0 ({})", pl.col("stat_language_mismatch"),
                                      pl.col("_mismatch_note"))))
            elif rule == "non_answer":
                out.append((pl.col("stat_non_answer") > 0, rule,
                            pl.format("stat_non_answer={} > 0 ({})", pl.col("stat_non_answer"), pl.col("_non_answer_note"))))
            elif rule == "off_topic":
                if p.max_relevance_z is None:
                    lt("stat_relevance", p.min_relevance, rule)
                else:
                    out.append(((pl.col("stat_relevance") < p.min_relevance) & (pl.col("stat_relevance_z") < p.max_relevance_z),
                                rule, pl.format(f"stat_relevance={{}} < {p.min_relevance} and stat_relevance_z={{}} < {p.max_relevance_z}",
                                                pl.col("stat_relevance").round(3), pl.col("stat_relevance_z").round(2))))
            elif rule == "markup_debris":
                gt("stat_markup_count", p.max_markup, rule)
            elif rule == "repetition":
                gt("stat_dup_para_frac", p.max_dup_para_frac, rule)
                gt("stat_dup_line_frac", p.max_dup_line_frac, rule)
                gt("stat_dup_para_char_frac", p.max_dup_para_char_frac, rule)
                gt("stat_dup_line_char_frac", p.max_dup_line_char_frac, rule)
                gt("stat_dup_item_frac", p.max_dup_item_frac, rule)
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
        if "truncated_response" in self.params.drop and df.height:
            subs = [k for k in TRUNCATION_REASONS if f"stat_trunc_{k}" in df.columns]
            row = df.select(**{k: (pl.col(f"stat_trunc_{k}") > 0).sum() for k in subs}).row(0, named=True)
            res.counters.update({f"flagged.truncated_response.{k}": int(v) for k, v in row.items()})
        tmp = [c for c in PRIVATE_COLS if c in res.kept.columns]
        if tmp:
            res.kept = res.kept.drop(tmp)
            res.rejected = res.rejected.drop(tmp)
        return res
