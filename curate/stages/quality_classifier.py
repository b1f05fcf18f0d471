"""``quality_classifier``: learn "good vs bad" from your own labels, score every row, drop the bad.

At each (uncached) run the stage reads ``labels`` (format: docs/labels.md), builds a feature row
per labelled conversation, prints cross-validated precision/recall, fits the model on all labels,
saves it as the artifact ``quality_classifier.joblib`` (with ``quality_classifier_cv.json``),
writes ``stat_quality_clf`` = P(good) on every row, and drops rows with ``stat_quality_clf <
threshold`` (``drop_reason`` ``quality_classifier``, ``drop_detail`` ``stat_quality_clf=0.213 <
0.5``). ``threshold: null`` only scores. The runner caches the result with the labels file's hash,
so editing the labels refits; changing the threshold refits too (the fit is seconds).

Features (``features``):

- ``embeddings``: ``[e(prompt), e(response), cos(e(prompt), e(response))]`` where e is the
  pipeline's sentence embedding (``curate.embed.embed_texts``, MiniLM by default, L2-normalised,
  cached under ``<pipeline cache>/embeddings`` and shared with semantic_dedup / diversity_select),
  prompt = the first user turn, response = the assistant turns joined by newlines, each truncated
  to ``max_seq_length`` [128] word pieces, the setting under which lima.yaml's semantic_dedup and
  the quality stage's relevance rule already cached them (single-turn rows). Two vectors
  rather than one "prompt [SEP] response" text so the cached prompt vectors are reused and the
  cosine (relevance) is explicit. 2·384 + 1 = 769 columns with MiniLM, reduced by PCA to
  ``embedding_components`` (16) before the classifier: on our labels the raw block overfits and
  drowns the stats (benchmarks/results/quality_classifier.md).
- ``stats``: every numeric ``stat_*`` column already in the frame (those of the ``quality``,
  ``language``, ... stages that ran before), sorted by name; missing values are filled with the
  training median.

Model (``model``): ``logistic`` regression (default) or ``gradient_boosting``; see
``curate.filters.classifier.make_model``. The recipe follows FineWeb-Edu (Penedo et al. 2024: a
linear head on frozen embeddings) with the user's labels instead of LLM annotations.

Which rows the labels name: a label with an ``id`` present in the frame uses that row. A label
that carries ``prompt`` + ``response`` (and no ``id`` found) uses its own text, and the ``stat_*``
of a frame row with the same first user turn and assistant text if there is one (else missing).
A label with only an unknown ``id`` is skipped and counted (``labels_unmatched``): rows dropped by
earlier stages are no longer in the frame.

Cross-validation: ``cv_folds``-fold stratified, identical (prompt, response) texts kept in one
fold, seeded from the pipeline ``seed``; positive class = bad. Logged at fit time (INFO on
``ctx.log``: shown by ``curatrain run -v``) and kept as the counters ``cv_precision``,
``cv_recall``, ``cv_good_dropped``, ``cv_roc_auc`` in stats.json. Measured on our own 626 labels
(benchmarks/results/quality_classifier.md): logistic, embeddings + stats, ROC-AUC 0.86, precision
0.62, recall 0.74 of bad rows at 0.13 of good rows dropped (the quality rules alone: recall 0.51
at 0.06). With ``max_seq_length: 256`` an earlier run gave 0.88 (different stat_* code then).

Pretrained (``pretrained: builtin`` or a path): no labels and no fit; the rows are scored with a
fitted ``curate.filters.classifier.LinearQualityModel`` (plain arrays in an ``.npz``). ``builtin``
is ``curate/filters/models/quality_lr.npz``, fit by ``benchmarks/train_quality_model.py`` on our
11,194 hand-labelled pairs (rounds 1-44, ``docs/labels.md``) plus 9,707 swapped-answer negatives:
MiniLM ``onnx-int8`` vectors of the first user turn at 128 word pieces (the cache lima.yaml's
semantic_dedup fills) and of the first answer at 32 (a quarter of the cost; blind figures no worse
than 64's or 128's), their cosine, PCA 16, the 33 ``stat_*`` columns of lima.yaml's ``quality``
entry (missing ones take the training medians, with a warning) and the eight relevance columns of
``curate.filters.classifier.pair_stats`` (among them ``pair_assoc``, the cosine of the shipped pair
encoder, ``curate.filters.pair_encoder``, which reads Chinese); its threshold (P(good) < 0.095) drops
0.7 % of the labelled good rows that lima's rules keep and it judges; answers to translation requests are not judged by it
(``stat_quality_clf`` null: ``LinearQualityModel.judges``), nor are answers of fewer than ``min_judged_words``
[4] words (a CJK character counts half): on the label sets the model dropped 16 good terse answers ("熟人",
"Matrix", "37, 81, 56") for 5 bad ones, in-sample, and on the written sets 2 good ("206", "H₂SO₄") for none, so
terse answers are left to the rules (``non_answer``, ``degenerate``); nor are fenced code answers with little prose to
a prompt that asks to write code (``skip_code_answers`` [true], ``code_answer``). Measured blind (each round scored by a model fit only
on the rounds before it, on top of lima's rules, rounds 9-14;
``benchmarks/results/quality_classifier.md``): 11 more bad rows caught for 5 more good rows
dropped of 1,277; answers moved to another prompt of the same language caught 624/845 (English)
and 48/432 (Chinese), against 53 and 14 for the rules alone. With the pair encoder's columns
(blind, rounds 33-43, each fit on the rounds before): Chinese swaps caught 360/815 (103 without),
English 1,366/1,739 (1,390), good rows dropped 38 of 2,554 (38). Where it pays: on a selected candidate
pool (lima.yaml runs it after ``diversity_select``), where a good row lost costs little.

Refusal head (``refusal_head``, default on, for models that carry one; the builtin does): a
second logistic regression, labelled refusals against good answers, on the full answer vector and
the prompt vector (all 384 dimensions of each; the main model's PCA keeps 16 and loses the direction
that separates soft deflections: "Let me look into it and get back to you", "are you talking to a
robot"; the prompt says which requests draw a deflection). It writes
``stat_refusal_clf`` = P(refusal) (null where the prompt asks to translate, rewrite or quote a
text: the head does not judge those; nor, with ``refusal_skip_structured`` [true], answers that deliver
sections past their opening, ``structured_answer``: 120+ words with 3+ list items, headings or table rows,
or a code block; the head reads 32 word pieces, and "I'm not a lawyer and this isn't legal advice, but…"
over a sectioned legal answer scored 0.921; on every label set 6 good rows kept, in-sample, and no refusal
lost) and drops rows above ``refusal_threshold`` (default the model's,
0.891: 0.25 % of the labelled good rows the rules keep and it judges score above it), ``drop_detail``
``stat_refusal_clf=0.912 > 0.891 (refusal head)``, counted in ``dropped_by_refusal_head``. Blind,
rounds 9-17 on top of lima's rules and the main model: 7 more refusals and 2 more off-topic rows
caught for 1 more good row of 1,932. Main model and head together, blind over rounds 9-20 with the
rules of round 20 (each round scored by a model fit on the rounds before it): 32 more bad rows
caught (17 refusals, 10 off-topic, 2 nonsense, 2 truncated) for 13 more good rows of 2,615 (rules
alone drop 28; with an answer-only head: 22 for the same 13); rounds 9-21 with the rules of round
21: 29 more bad rows for 18 more good rows of 2,836 (rules alone drop 29). ``threshold: null`` scores with both heads and drops nothing.

Errors (one line): neither or both of ``labels`` and ``pretrained``; a labels file or model that
does not exist (at validate time), cannot be parsed (the file and line), or leaves fewer than
``max(min_per_class, cv_folds)`` good or bad labels usable.

Example (YAML)::

    - {stage: quality_classifier, labels: labels/quality.jsonl, threshold: 0.5}
    - {stage: quality_classifier, pretrained: builtin}
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field, field_validator, model_validator

from curate.filters.classifier import (LabelError, LinearQualityModel, cross_validate, make_model, model_file,
                                       pair_features, pair_stats, read_labels, save_model)
from curate.filters.nonanswer import CODE_TOPIC_RE, CODE_WRITE_ASK_RE
from curate.filters.text import LIST_LINE_RE, half_cjk_words, prose_script, strip_code
from curate.registry import register
from curate.schema import view_expr
from curate.stage import Context, Stage, StageParams, StageResult, split_by_rules

SCORE = "stat_quality_clf"
REFUSAL_SCORE = "stat_refusal_clf"


def stat_columns(df: pl.DataFrame) -> list[str]:
    """Numeric ``stat_*`` columns of ``df`` (sorted), without this stage's own score."""
    return sorted(c for c, t in df.schema.items()
                  if c.startswith("stat_") and c not in (SCORE, REFUSAL_SCORE) and (t.is_numeric() or t == pl.Boolean))


def code_answer(answer: str, prompt: str, max_prose_words: int = 40) -> bool:
    """True when ``answer`` holds fenced code and at most ``max_prose_words`` [40] words of prose (a CJK character
    counts half) and the first 300 characters of ``prompt`` ask to write code (``nonanswer.CODE_WRITE_ASK_RE``:
    "Write a Python function…", "写一个正则…") or name a programming language, library or tool (``nonanswer.CODE_TOPIC_RE``:
    "pandas удалить дубликаты по одному столбцу", "正则 匹配大陆手机号", "логи контейнера в докере", a name written against
    Chinese: "python冒泡排序", "c语言冒泡排序", written zh set AO). MiniLM reads such answers
    poorly: on the label sets the shipped model dropped 6 good ones of the first kind and no bad one (a palindrome
    function, a phone-number regex; written sets M-Z), and 4 good how-to answers of the second (written sets A, N, AH, AI), whose prose must then be in the prompt's script
    (``curate.filters.text.prose_script``);
    off-topic code is the rules' (``non_answer``: ``code_language``, ``no_code``)."""
    head = prompt[:300]
    if "```" not in answer or half_cjk_words(strip_code(answer)) > max_prose_words:
        return False
    if CODE_WRITE_ASK_RE.search(head):
        return True
    # a how-to: its prose must be in the prompt's script (an English answer to "Как в Python отсортировать словарь…?" is
    # the model's to judge: written ru set C)
    return bool(CODE_TOPIC_RE.search(head)) and prose_script(answer) in (None, prose_script(prompt[:2000]))


def structured_answer(answer: str, min_words: int = 120, min_items: int = 3) -> bool:
    """True when ``answer`` delivers structured content past its opening: ≥ ``min_words`` [120] words (a CJK
    character counts half) with ≥ ``min_items`` [3] list items, headings or table rows (``text.LIST_LINE_RE``) or a
    closed fenced code block. The refusal head reads only the answer's first 32 word pieces, so a caveat that opens a
    full answer ("I'm not a lawyer and this isn't legal advice, but California's rules…" and a sectioned list of the
    law: P(refusal) 0.921, written en set AM) reads to it like a deflection; a refusal does not go on to deliver
    sections. Refusals that open with boilerplate before an answer are the rules' (``refusal_boilerplate``)."""
    if half_cjk_words(answer) < min_words:
        return False
    if answer.count("```") >= 2:
        return True
    return sum(bool(LIST_LINE_RE.match(ln)) for ln in answer.splitlines() if ln.strip()) >= min_items


@register
class QualityClassifier(Stage):
    """Fit a classifier on the user's good/bad labels (embeddings + stat_* metrics), score and filter rows."""

    name = "quality_classifier"
    version = "1"
    uses_seed = True  # cross-validation folds and the model's random state

    class Params(StageParams):
        labels: str | None = Field(None, min_length=1, description="label file (.jsonl or .csv, docs/labels.md)")
        pretrained: str | None = Field(
            None, min_length=1, description="score with a fitted model instead of labels: 'builtin' (the shipped "
                                            "curate/filters/models/quality_lr.npz) or a .npz written by "
                                            "benchmarks/train_quality_model.py; its threshold is the default")
        backend: str = Field("torch", description="embedding backend with labels (curate.embed: torch, onnx, "
                                                  "onnx-int8, static); a pretrained model names its own")
        model: Literal["logistic", "gradient_boosting"] = Field("logistic", description="classifier kind")
        threshold: float | None = Field(0.5, ge=0.0, le=1.0,
                                        description="drop rows with P(good) below this; null: score only")
        refusal_threshold: float | None = Field(
            None, ge=0.0, le=1.0, description="pretrained models with a refusal head: drop rows with P(refusal) "
                                              "above this; null: the model's own")
        refusal_head: bool = Field(True, description="pretrained: use the model's refusal head (score, and drop "
                                                     "above its threshold); false: neither")
        min_judged_words: int = Field(
            4, ge=0, description="pretrained: answers of fewer words (a CJK character counts half) are not judged by "
                                 "the main model (stat_quality_clf null): a terse answer ('206', 'H₂SO₄', '熟人') is "
                                 "the rules' to judge; 0 judges every answer")
        refusal_skip_structured: bool = Field(
            True, description="pretrained: the refusal head does not judge an answer that delivers structured content "
                              "(120+ words with 3+ list items, headings or table rows, or a code block; "
                              "structured_answer): the head reads the answer's opening only")
        skip_code_answers: bool = Field(
            True, description="pretrained: a fenced code answer with at most 40 words of prose, to a prompt that asks "
                              "to write code, is not judged by the main model (stat_quality_clf null; code_answer)")
        features: list[Literal["embeddings", "stats"]] = Field(
            default_factory=lambda: ["embeddings", "stats"], min_length=1,
            description="feature groups: sentence embeddings of prompt and response, stat_* metrics")
        cv_folds: int = Field(5, ge=2, le=20, description="cross-validation folds printed at fit time")
        min_per_class: int = Field(10, ge=2, description="fewest good and fewest bad labels accepted")
        embedding_components: int | None = Field(
            16, ge=1, le=768, description="PCA components kept of the embedding block; null: all 2d+1 columns")
        embed_model: str = Field("default", min_length=1, description="'default' (offline MiniLM), a local path or hub id")
        max_seq_length: int = Field(128, ge=8, le=8192,
                                    description="word pieces embedded per text (128: the cache key lima.yaml's "
                                                "semantic_dedup and the quality stage's relevance use)")
        batch_size: int = Field(64, ge=1, description="texts per embedding forward pass")
        cache_dir: str | None = Field(None, description="embedding cache; null: <pipeline cache>/embeddings")

        @field_validator("features")
        @classmethod
        def _unique(cls, v: list[str]) -> list[str]:
            if len(set(v)) != len(v):
                raise ValueError(f"features listed twice: {v}")
            return v

        @field_validator("backend")
        @classmethod
        def _backend(cls, v: str) -> str:
            from curate.embed import check_backend

            return check_backend(v)

        @model_validator(mode="after")
        def _one_source(self):
            if (self.labels is None) == (self.pretrained is None):
                raise ValueError("give exactly one of labels (fit on your labels) and pretrained "
                                 "('builtin' or a .npz model)")
            if self.labels is not None and self.refusal_threshold is not None:
                raise ValueError("refusal_threshold applies to a pretrained model's refusal head; with labels there is none")
            return self

        def model_path(self) -> Path | None:
            """The pretrained model file, or None with labels."""
            return None if self.pretrained is None else model_file(self.pretrained)

        def missing_files(self) -> list[str]:
            path = Path(self.labels) if self.labels is not None else self.model_path()
            if path.is_file():
                return []
            what = "labels" if self.labels is not None else "pretrained"
            return [f"{what}: file not found: {path} (relative to {Path.cwd()})"]

        def check_inputs(self) -> list[str]:
            """Parse the label file or load the model, so a bad line or file is reported before any work."""
            if self.pretrained is not None:
                if not self.model_path().is_file():
                    return []
                try:
                    lin = LinearQualityModel.load(self.model_path())
                    lin.pair_columns  # noqa: B018 (raises for another version's)
                except (ValueError, OSError) as exc:
                    return [f"pretrained: {exc}"]
                if self.refusal_threshold is not None and not lin.has_refusal_head:
                    return [f"refusal_threshold: the model {self.model_path()} has no refusal head"]
                return []
            if not Path(self.labels).is_file():
                return []
            try:
                read_labels(self.labels)
            except LabelError as exc:
                return [f"labels: {exc}"]
            return []

    def fingerprint(self) -> str:
        """The SHA-256 of the labels file (editing the labels refits) or of the pretrained model."""
        p = self.params
        path = Path(p.labels) if p.labels is not None else p.model_path()
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        p = self.params
        if p.pretrained is not None:
            return self._run_pretrained(df, ctx)
        try:
            labels = read_labels(p.labels)
        except FileNotFoundError as exc:
            raise ValueError(str(exc)) from None
        frame_prompt = df.select(view_expr("first_user_turn").fill_null("").alias("t"))["t"].to_list()
        frame_resp = df.select(view_expr("assistant_turns").fill_null("").alias("t"))["t"].to_list()
        by_id = {rid: i for i, rid in enumerate(df["id"].to_list())}
        by_text: dict[tuple[str, str], int] = {}
        for i, key in enumerate(zip(frame_prompt, frame_resp)):
            by_text.setdefault(key, i)

        # each usable label → (frame row or None, prompt, response, good, class name)
        rows: list[int | None] = []
        texts: list[tuple[str, str]] = []
        y: list[int] = []
        classes: list[str] = []
        unmatched = 0
        for rec in labels.records:
            i = by_id.get(rec.id) if rec.id is not None else None
            if i is None and rec.prompt is not None:
                i = by_text.get((rec.prompt, rec.response))
                pair = (rec.prompt, rec.response)
            elif i is not None:
                pair = (frame_prompt[i], frame_resp[i])
            else:
                unmatched += 1
                continue
            rows.append(i)
            texts.append(pair)
            y.append(int(rec.good))
            classes.append(rec.label)
        n_good, n_bad = sum(y), len(y) - sum(y)
        need = max(p.min_per_class, p.cv_folds)
        if min(n_good, n_bad) < need:
            raise ValueError(
                f"labels {p.labels}: {n_good} good and {n_bad} bad labels usable, need at least {need} of each "
                f"(min_per_class {p.min_per_class}, cv_folds {p.cv_folds}); {unmatched} ids not in the frame, "
                f"{labels.unsure} unsure")

        stats = stat_columns(df) if "stats" in p.features else []
        fold_rows = len(y) - -(-len(y) // p.cv_folds)  # fewest rows a fold trains on
        if "embeddings" in p.features and p.embedding_components and p.embedding_components > fold_rows:
            raise ValueError(f"embedding_components {p.embedding_components} exceeds the {fold_rows} labelled rows a "
                             f"cross-validation fold trains on; lower it or add labels")
        X_frame, X_lab = self._features(df, stats, frame_prompt, frame_resp, rows, texts, ctx)
        n_emb = X_lab.shape[1] - len(stats)
        components = min(p.embedding_components, n_emb) if n_emb and p.embedding_components else None
        y_arr = np.asarray(y)
        group_of: dict[tuple[str, str], int] = {}
        groups = np.asarray([group_of.setdefault(t, len(group_of)) for t in texts])
        threshold = 0.5 if p.threshold is None else p.threshold
        report, _ = cross_validate(X_lab, y_arr, kind=p.model, seed=ctx.seed, folds=p.cv_folds, threshold=threshold,
                                   groups=groups, classes=classes, n_embedding=n_emb, components=components)
        ctx.log.info("quality_classifier: %s (%s, features %s)", report.line(), p.model, "+".join(p.features))

        model = make_model(p.model, ctx.seed, n_embedding=n_emb, components=components).fit(X_lab, y_arr)
        meta = {"kind": p.model, "features": list(p.features), "stat_columns": stats, "embedding_columns": n_emb,
                "embedding_components": components, "embed_model": p.embed_model,
                "max_seq_length": p.max_seq_length, "seed": ctx.seed, "labels": p.labels, "cv": report.as_dict()}
        ctx.artifact_dir.mkdir(parents=True, exist_ok=True)
        model_path = save_model(model, ctx.artifact_dir / "quality_classifier.joblib", meta)
        cv_path = ctx.artifact_dir / "quality_classifier_cv.json"
        cv_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

        score = model.predict_proba(X_frame)[:, 1] if df.height else np.zeros(0)
        result = self._split(df, score, p.threshold, p.threshold)
        result.counters.update(
            labels_used=len(y), labels_good=n_good, labels_bad=n_bad, labels_unmatched=unmatched,
            labels_unsure=labels.unsure, labels_from_text=sum(i is None for i in rows), stat_columns=len(stats),
            cv_precision=round(report.precision, 4), cv_recall=round(report.recall, 4),
            cv_good_dropped=round(report.good_dropped, 4), cv_roc_auc=round(report.roc_auc, 4))
        result.artifacts = {"model": str(model_path), "cv": str(cv_path)}
        return result

    def _split(self, df: pl.DataFrame, score: np.ndarray, threshold: float | None, shown: float | None,
               refusal: tuple[np.ndarray, float, float | None] | None = None) -> StageResult:
        """``df`` with ``stat_quality_clf`` = ``score``, split at ``threshold`` (None: all kept);
        ``drop_detail`` shows the threshold as ``shown``. ``refusal`` = ``(P(refusal), threshold, shown)``
        adds ``stat_refusal_clf`` and drops above its threshold too (``shown`` None: score only)."""
        scored = df.with_columns(pl.Series(SCORE, score, dtype=pl.Float64, nan_to_null=True))
        rules = [] if threshold is None else [(
            pl.col(SCORE) < threshold, "quality_classifier",
            pl.format(SCORE + "={} < {}", pl.col(SCORE).round(3), pl.lit(shown)))]
        if refusal is not None:
            p_refusal, r_thr, r_shown = refusal
            scored = scored.with_columns(pl.Series(REFUSAL_SCORE, p_refusal, dtype=pl.Float64, nan_to_null=True))
            if r_shown is not None:
                rules.append((pl.col(REFUSAL_SCORE) > r_thr, "quality_classifier",
                              pl.format(REFUSAL_SCORE + "={} > {} (refusal head)", pl.col(REFUSAL_SCORE).round(3),
                                        pl.lit(r_shown))))
        return split_by_rules(self, scored, rules)

    def _run_pretrained(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        """Score every row with a fitted ``LinearQualityModel`` (no labels, no fit) and drop below the
        threshold (the model's own unless ``threshold`` is set in the YAML)."""
        from curate.embed import default_cache_dir, embed_texts

        p = self.params
        lin = LinearQualityModel.load(p.model_path())
        meta = lin.meta
        threshold = p.threshold if "threshold" in p.model_fields_set else meta.get("threshold", 0.5)
        cols = lin.stat_columns
        present = [c for c in cols if c in df.columns]
        n = df.height
        if n:
            # the pairs it was fit on: first user turn → first answer; prompts at the truncation lima.yaml's
            # semantic_dedup caches them with, answers at the model's own (shorter: cheaper)
            prompts = df.select(view_expr("first_user_turn").fill_null("").alias("t"))["t"].to_list()
            answers = df.select(view_expr("first_assistant_turn").fill_null("").alias("t"))["t"].to_list()
            cache = p.cache_dir or default_cache_dir(ctx)
            P = embed_texts(prompts, meta["model"], batch_size=p.batch_size, max_seq_length=meta["max_seq_length"],
                            backend=meta["backend"], cache_dir=cache)
            R = embed_texts(answers, meta["model"], batch_size=p.batch_size, backend=meta["backend"], cache_dir=cache,
                            max_seq_length=meta.get("answer_max_seq_length", meta["max_seq_length"]))
            S = np.full((n, len(cols)), np.nan)
            for j, c in enumerate(cols):
                if c in present:
                    S[:, j] = df[c].cast(pl.Float64).to_numpy()
            E = pair_features(P, R)
            if lin.pair_columns:
                S = np.hstack([S, pair_stats(prompts, answers, E[:, -1], lin.pair_columns)])
            # translations, terse answers and code answers to code asks: not judged (null)
            terse = np.array([half_cjk_words(a) < p.min_judged_words for a in answers], dtype=bool)
            if p.skip_code_answers:
                terse |= np.array([code_answer(a, q) for a, q in zip(answers, prompts)], dtype=bool)
            score = np.where(lin.judges(prompts) & ~terse, lin.p_good(E, S), np.nan)
        else:
            score, P, R = np.zeros(0), np.zeros((0, 0)), np.zeros((0, 0))
        refusal = None
        if p.refusal_head and lin.has_refusal_head:
            r_thr = p.refusal_threshold if p.refusal_threshold is not None else meta.get("refusal_threshold", 0.5)
            p_ref = np.zeros(0)
            if n:
                applies = lin.refusal_head_applies(prompts)
                if p.refusal_skip_structured:
                    applies &= ~np.array([structured_answer(a) for a in answers], dtype=bool)
                p_ref = np.where(applies, lin.p_refusal(R, P), np.nan)
            refusal = (p_ref, r_thr, None if threshold is None else round(r_thr, 4))
        result = self._split(df, score, threshold, None if threshold is None else round(threshold, 4), refusal)
        result.counters.update(stat_columns=len(present), stat_columns_missing=len(cols) - len(present))
        if refusal is not None:
            result.counters["dropped_by_refusal_head"] = int(
                result.rejected["drop_detail"].str.ends_with("(refusal head)").sum())
        if len(present) < len(cols):
            ctx.log.warning("quality_classifier: %d of the model's %d stat_* columns are not in the frame (run the "
                            "quality stage with lima.yaml's drop list before it); they take the training medians",
                            len(cols) - len(present), len(cols))
        return result

    def _features(self, df: pl.DataFrame, stats: list[str], frame_prompt: list[str], frame_resp: list[str],
                  rows: list[int | None], texts: list[tuple[str, str]], ctx: Context) -> tuple[np.ndarray, np.ndarray]:
        """Feature matrices ``(frame rows, labelled rows)``: embedding block then stat block."""
        p = self.params
        n, m = df.height, len(rows)
        blocks_frame: list[np.ndarray] = []
        blocks_lab: list[np.ndarray] = []
        if "embeddings" in p.features:
            from curate.embed import default_cache_dir, embed_texts

            ext = [k for k, i in enumerate(rows) if i is None]
            all_texts = frame_prompt + frame_resp + [texts[k][0] for k in ext] + [texts[k][1] for k in ext]
            emb = embed_texts(all_texts, p.embed_model, batch_size=p.batch_size, max_seq_length=p.max_seq_length,
                              backend=p.backend, cache_dir=p.cache_dir or default_cache_dir(ctx))
            feats_frame = pair_features(emb[:n], emb[n:2 * n])
            feats_ext = pair_features(emb[2 * n:2 * n + len(ext)], emb[2 * n + len(ext):])
            lab = np.zeros((m, feats_frame.shape[1] if n else feats_ext.shape[1]), dtype=np.float32)
            pos = {k: j for j, k in enumerate(ext)}
            for k, i in enumerate(rows):
                lab[k] = feats_frame[i] if i is not None else feats_ext[pos[k]]
            blocks_frame.append(feats_frame)
            blocks_lab.append(lab)
        if stats:
            S = df.select([pl.col(c).cast(pl.Float64) for c in stats]).to_numpy() if n else np.zeros((0, len(stats)))
            lab = np.full((m, len(stats)), np.nan)
            for k, i in enumerate(rows):
                if i is not None:
                    lab[k] = S[i]
            blocks_frame.append(S)
            blocks_lab.append(lab)
        if not blocks_frame:
            raise ValueError("features: 'stats' chosen but the frame has no numeric stat_* column "
                             "(run the quality or language stage first, or add 'embeddings')")
        return np.hstack(blocks_frame).astype(np.float64), np.hstack(blocks_lab).astype(np.float64)
