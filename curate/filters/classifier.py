"""A learned quality filter: read the user's good/bad labels, fit a small scikit-learn model on
feature rows, cross-validate it, save and load it. Engine-free (numpy in, numpy out): the
``quality_classifier`` stage (curate/stages/quality_classifier.py) builds the feature rows from a
frame and its embeddings.

Recipe: a linear classifier on frozen sentence embeddings, as in FineWeb-Edu (Penedo et al. 2024,
"The FineWeb Datasets", §3.3: a linear head on Snowflake-arctic-embed vectors, trained on 450k
LLM-annotated pages) and, before it, GPT-3's logistic-regression quality classifier (Brown et al.
2020, appendix A). Here the labels are the user's own (a few hundred rows are enough to learn
"answers like ours that we call bad"), and the heuristic ``stat_*`` metrics the pipeline already
computed are extra columns next to the embedding.

Label file format: docs/labels.md. Classes: ``good``; ``bad`` or a defect class (``refusal``,
``truncated``, ``off_topic``, ``nonsense``, ``repetitive``), all bad; ``unsure`` rows are skipped.

Example::

    labels = read_labels("labels.jsonl")
    model = make_model("logistic", seed=13).fit(X, y)       # y: 1 = good, 0 = bad
    p_good = model.predict_proba(X_new)[:, 1]
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np

GOOD = "good"
BAD_CLASSES = ("bad", "refusal", "truncated", "off_topic", "nonsense", "repetitive")
SKIP = "unsure"
MODEL_KINDS = ("logistic", "gradient_boosting")
ModelKind = Literal["logistic", "gradient_boosting"]


class LabelError(ValueError):
    """A label file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class LabelRecord:
    """One usable label.

    Attributes:
        line: 1-based line of the record in its file (CSV: the header is line 1).
        id: row id to look up in the frame, or None.
        prompt, response: the pair's own text, or None (both or neither).
        label: the class as written (lower-cased), e.g. ``good``, ``bad``, ``truncated``.
        good: True for ``good``, False for every bad class.
    """

    line: int
    id: str | None
    prompt: str | None
    response: str | None
    label: str
    good: bool


@dataclass
class LabelSet:
    """``read_labels`` result: usable records and the number of ``unsure`` rows skipped."""

    path: str
    records: list[LabelRecord]
    unsure: int = 0


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value)
    return s if s.strip() else None


def _record(raw: dict, where: str, line: int) -> LabelRecord | None:
    if "label" not in raw:
        raise LabelError(f"{where}: no 'label' field (keys: {', '.join(sorted(map(str, raw))) or 'none'})")
    label = str(raw["label"] or "").strip().lower()
    if label == SKIP:
        return None
    if label != GOOD and label not in BAD_CLASSES:
        raise LabelError(f"{where}: unknown label {raw['label']!r}; expected good, {', '.join(BAD_CLASSES)} or unsure")
    rid = _text(raw.get("id"))
    prompt, response = _text(raw.get("prompt")), _text(raw.get("response"))
    if (prompt is None) != (response is None):
        raise LabelError(f"{where}: 'prompt' and 'response' go together; this record has only "
                         f"{'prompt' if prompt is not None else 'response'}")
    if rid is None and prompt is None:
        raise LabelError(f"{where}: needs an 'id' or both 'prompt' and 'response'")
    return LabelRecord(line, rid, prompt, response, label, label == GOOD)


def read_labels(path: str | Path) -> LabelSet:
    """Read a label file (``.csv`` with a header row, else JSON Lines); format in docs/labels.md.

    Returns a ``LabelSet`` (``unsure`` rows counted, not returned). Raises ``FileNotFoundError``
    for a missing file and ``LabelError`` (a ``ValueError``) naming ``file:line`` for a malformed
    JSON line, a record that is not an object, a missing or unknown label, or a record with
    neither an ``id`` nor ``prompt`` + ``response``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"labels file not found: {path}")
    out = LabelSet(str(path), [])
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "label" not in reader.fieldnames:
                raise LabelError(f"{path}:1: CSV header has no 'label' column (columns: {', '.join(reader.fieldnames or [])})")
            for i, raw in enumerate(reader, start=2):
                rec = _record(raw, f"{path}:{i}", i)
                if rec is None:
                    out.unsure += 1
                else:
                    out.records.append(rec)
        return out
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LabelError(f"{path}:{i}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(raw, dict):
                raise LabelError(f"{path}:{i}: expected a JSON object, got {type(raw).__name__}")
            rec = _record(raw, f"{path}:{i}", i)
            if rec is None:
                out.unsure += 1
            else:
                out.records.append(rec)
    return out


def pair_features(prompt_vecs: np.ndarray, response_vecs: np.ndarray) -> np.ndarray:
    """Embedding features of (prompt, response) pairs: ``[prompt vector, response vector, cosine]``.

    Inputs: two float arrays of shape ``(n, d)`` with L2-normalised rows (``curate.embed``). Output:
    float32 ``(n, 2d + 1)``. The cosine is the prompt–response relevance an off-topic answer
    lacks; a row with an empty text has a zero vector and cosine 0.
    """
    if prompt_vecs.shape != response_vecs.shape:
        raise ValueError(f"prompt and response vectors differ in shape: {prompt_vecs.shape} vs {response_vecs.shape}")
    cos = np.einsum("ij,ij->i", prompt_vecs, response_vecs)[:, None]
    return np.hstack([prompt_vecs, response_vecs, cos]).astype(np.float32)


#: the columns ``pair_stats`` can return, in their default order
PAIR_COLUMNS = ("pair_cosine", "pair_overlap", "pair_prompt_units", "pair_cjk", "pair_cosine_cjk", "pair_overlap_cjk",
                "pair_assoc", "pair_assoc_cjk")


def pair_stats(prompts: list[str], responses: list[str], cosine: np.ndarray,
               columns: Sequence[str] = PAIR_COLUMNS) -> np.ndarray:
    """Relevance metrics of (prompt, response) pairs, float64 ``(n, len(columns))``, columns in the order
    asked (any of ``PAIR_COLUMNS``; models saved before the association columns name the first six).

    - ``pair_cosine``: the embedding cosine (``pair_features``' last column), passed on unmixed: inside
      the PCA block of 769 columns its variance is lost, and a linear model then barely sees the one
      signal an answer to another prompt lacks;
    - ``pair_overlap``: the share of the prompt's content units (``curate.filters.text.units``: stemmed
      words outside stopwords, CJK character bigrams) found in the response; 0 for a prompt without
      any;
    - ``pair_prompt_units``: ``log1p`` of the prompt's content units (short prompts share little);
    - ``pair_cjk``: 1.0 when CJK characters are most of the prompt's letters, where an English
      MiniLM's cosine says little (ROC-AUC 0.74 on our swapped Chinese answers, 0.98 on English ones)
      and the overlap more; ``pair_cosine_cjk`` and ``pair_overlap_cjk``: the two products, so a
      linear model weighs each signal per script;
    - ``pair_assoc``: the cosine of the shipped pair encoder (``curate.filters.pair_encoder``: a
      dual encoder over hashed word stems and CJK characters, learned from the dumps' own pairs; it
      reads Chinese, which MiniLM does not); ``pair_assoc_cjk``: its product with ``pair_cjk``.
      Computed only when asked for (the model file is read once).

    The swapped-answer check that motivated these (a good answer paired with another prompt's good
    answer): benchmarks/results/quality_classifier.md, "Answers to another prompt".
    Raises ``ValueError`` when the three inputs differ in length or a column is unknown.
    """
    from curate.filters.text import CJK_RE, count_letters, units

    unknown = [c for c in columns if c not in PAIR_COLUMNS]
    if unknown:
        raise ValueError(f"pair_stats: unknown columns {unknown} (known: {list(PAIR_COLUMNS)})")
    cos = np.asarray(cosine, dtype=np.float64).reshape(-1)
    if not len(prompts) == len(responses) == len(cos):
        raise ValueError(f"pair_stats: {len(prompts)} prompts, {len(responses)} responses, {len(cos)} cosines")
    out = np.zeros((len(cos), len(PAIR_COLUMNS)))
    for i, (p, r) in enumerate(zip(prompts, responses)):
        up = units(p)
        overlap = len(up & units(r)) / len(up) if up else 0.0
        letters = count_letters(p)
        cjk = 1.0 if letters and 2 * len(CJK_RE.findall(p)) > letters else 0.0
        out[i, :6] = (cos[i], overlap, np.log1p(len(up)), cjk, cos[i] * cjk, overlap * cjk)
    if any(c.startswith("pair_assoc") for c in columns) and len(cos):
        from curate.filters.pair_encoder import association

        out[:, 6] = association(prompts, responses)
        out[:, 7] = out[:, 6] * out[:, 3]
    return out[:, [PAIR_COLUMNS.index(c) for c in columns]]


def _columns_from(X: np.ndarray, start: int) -> list[int]:
    """Column indices ``start .. X.shape[1] - 1`` (the metric block of a feature row)."""
    return list(range(start, X.shape[1]))


def make_model(kind: ModelKind = "logistic", seed: int = 0, *, n_embedding: int = 0, components: int | None = 16):
    """An unfitted scikit-learn classifier for feature rows that may hold NaN (missing metrics).

    Feature rows are ``[embedding block (n_embedding columns), metric block (the rest)]``. The
    embedding block is reduced to ``components`` principal components (PCA, seeded; None keeps
    every column) and standardised; the metric block gets median imputation and standardisation.
    Why PCA: on our 626 labelled pairs the raw 769 MiniLM columns overfit (ROC-AUC 0.63-0.69 at any
    C) and drown the ``stat_*`` columns, while 16 components add to them (0.85 → 0.88; see
    benchmarks/results/quality_classifier.md).

    ``logistic`` (default): L2 logistic regression (C=1, ``class_weight="balanced"`` so the rarer
    class is not ignored, lbfgs, deterministic). ``gradient_boosting``:
    ``HistGradientBoostingClassifier`` (200 trees of depth ≤ 3, learning rate 0.1, balanced class
    weights, no early stopping, seeded). Fit with ``y`` = 1 for good, 0 for bad;
    ``predict_proba(X)[:, 1]`` is P(good). Raises ``ValueError`` for another ``kind``.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "logistic":
        clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000, random_state=seed)
    elif kind == "gradient_boosting":
        clf = HistGradientBoostingClassifier(max_iter=200, max_depth=3, learning_rate=0.1, class_weight="balanced",
                                             early_stopping=False, random_state=seed)
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(MODEL_KINDS)}")
    metrics = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler())
    if n_embedding <= 0:
        return make_pipeline(metrics, clf)
    emb_steps = ([PCA(n_components=components, random_state=seed)] if components else []) + [StandardScaler()]
    # the metric columns are chosen at fit time, so a frame without stat_* columns gives an empty
    # selection, which ColumnTransformer skips (a module-level partial, so the model pickles)
    blocks = ColumnTransformer([("embedding", make_pipeline(*emb_steps), slice(0, n_embedding)),
                                ("metrics", metrics, partial(_columns_from, start=n_embedding))])
    return make_pipeline(blocks, clf)


@dataclass
class CVReport:
    """Cross-validated quality of the classifier as a filter (positive class: **bad**).

    Attributes:
        folds, n, n_good, n_bad: folds and labelled rows (good / bad) used.
        threshold: rows with out-of-fold P(good) below it count as dropped.
        precision: dropped rows that are bad / dropped rows (1.0 when nothing is dropped).
        recall: bad rows dropped / bad rows.
        good_dropped: good rows dropped / good rows.
        roc_auc: area under the ROC curve of P(bad) (threshold-free).
        recall_by_class: recall per bad class name (``truncated``: 0.6 ...), for labels that name one.
    """

    folds: int
    n: int
    n_good: int
    n_bad: int
    threshold: float
    precision: float
    recall: float
    good_dropped: float
    roc_auc: float
    recall_by_class: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        """One human-readable summary line."""
        by = ", ".join(f"{k} {v:.2f}" for k, v in sorted(self.recall_by_class.items()))
        return (f"{self.folds}-fold CV on {self.n} labels ({self.n_good} good, {self.n_bad} bad): at P(good) < "
                f"{self.threshold:g} bad-row precision {self.precision:.3f}, recall {self.recall:.3f}, good rows "
                f"dropped {self.good_dropped:.3f}; ROC-AUC {self.roc_auc:.3f}" + (f"; recall by class: {by}" if by else ""))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def filter_metrics(p_good: np.ndarray, y_good: np.ndarray, threshold: float,
                   classes: list[str] | None = None) -> dict[str, Any]:
    """Filter metrics of scores ``p_good`` (n,) against labels ``y_good`` (n,; 1 = good) at
    ``threshold``: ``precision``, ``recall``, ``good_dropped``, ``roc_auc`` (NaN with one class) and
    ``recall_by_class`` (from ``classes``, the label name per row)."""
    from sklearn.metrics import roc_auc_score

    y_good = np.asarray(y_good).astype(bool)
    drop = np.asarray(p_good) < threshold
    bad = ~y_good
    tp = int((drop & bad).sum())
    out = {"precision": tp / int(drop.sum()) if drop.any() else 1.0,
           "recall": tp / int(bad.sum()) if bad.any() else 0.0,
           "good_dropped": int((drop & y_good).sum()) / int(y_good.sum()) if y_good.any() else 0.0,
           "roc_auc": float(roc_auc_score(bad, 1 - np.asarray(p_good))) if bad.any() and y_good.any() else float("nan")}
    by: dict[str, float] = {}
    if classes is not None:
        names = np.asarray(classes)
        for c in sorted(set(names[bad]) - {"bad"}):
            m = bad & (names == c)
            by[str(c)] = float((drop & m).sum() / m.sum())
    out["recall_by_class"] = by
    return out


def cross_validate(X: np.ndarray, y_good: np.ndarray, *, kind: ModelKind = "logistic", seed: int = 0, folds: int = 5,
                   threshold: float = 0.5, groups: np.ndarray | None = None, classes: list[str] | None = None,
                   n_embedding: int = 0, components: int | None = 16) -> tuple[CVReport, np.ndarray]:
    """Stratified k-fold cross-validation of ``make_model(kind, seed, n_embedding=..., components=...)``.

    Args:
        X: float features ``(n, k)`` (NaN allowed), embedding block first (``n_embedding`` columns).
        y_good: ``(n,)``, 1 = good, 0 = bad.
        folds: number of folds (≥ 2, ≤ the rarer class's count). threshold: drop cut-off on P(good).
        groups: optional ``(n,)`` group ids (identical texts share one) kept in one fold
            (``StratifiedGroupKFold``), so a duplicate never tests a model trained on its twin.
        classes: optional label name per row, for ``recall_by_class``.

    Returns ``(CVReport, out-of-fold P(good) of shape (n,))``. Deterministic for a given seed.
    Raises ``ValueError`` if a class has fewer rows than ``folds``.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(y_good).astype(int)
    n_good, n_bad = int(y.sum()), int(len(y) - y.sum())
    if min(n_good, n_bad) < folds:
        raise ValueError(f"{folds}-fold cross-validation needs at least {folds} good and {folds} bad labels; "
                         f"got {n_good} good, {n_bad} bad")
    if groups is not None:
        splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y, groups)
    else:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y)
    oof = np.full(len(y), np.nan)
    for train, test in splits:
        if len(set(y[train])) < 2:  # pragma: no cover - stratification keeps both classes
            raise ValueError("a cross-validation fold holds only one class; add labels of the rarer class")
        model = make_model(kind, seed, n_embedding=n_embedding, components=components).fit(X[train], y[train])
        oof[test] = model.predict_proba(X[test])[:, 1]
    m = filter_metrics(oof, y, threshold, classes)
    report = CVReport(folds=folds, n=len(y), n_good=n_good, n_bad=n_bad, threshold=threshold, **m)
    return report, oof


def save_model(model: Any, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``{"model": model, "meta": meta}`` with joblib (a pickle: load only files you trust)."""
    import joblib

    path = Path(path)
    joblib.dump({"model": model, "meta": meta}, path)
    return path


def load_model(path: str | Path) -> tuple[Any, dict[str, Any]]:
    """``(model, meta)`` saved by ``save_model``. Raises ``FileNotFoundError`` for a missing file."""
    import joblib

    obj = joblib.load(Path(path))
    return obj["model"], obj["meta"]


# ---------------------------------------------------------------- a fitted logistic model as plain arrays

#: the learned quality filter that ships with curatrain (``benchmarks/train_quality_model.py`` writes it)
BUILTIN_MODEL = Path(__file__).resolve().parent / "models" / "quality_lr.npz"


def model_file(name: str | Path) -> Path:
    """The ``.npz`` a pretrained model name points to: ``"builtin"`` is ``BUILTIN_MODEL``, any other a path."""
    return BUILTIN_MODEL if str(name) == "builtin" else Path(name)


@dataclass
class LinearQualityModel:
    """A fitted ``make_model("logistic", n_embedding=…)`` pipeline as numpy arrays: no pickle, no
    scikit-learn at load time, the same P(good) to float precision.

    Feature rows are ``[embedding block (pair_features: prompt vector, response vector, cosine),
    stat block (``stat_columns`` then ``pair_columns``, in that order)]``; ``pair_columns`` (meta, may
    be empty in older files) are the ``pair_stats`` relevance metrics. The embedding block is centred and projected
    on ``components`` (PCA), then standardised (``emb_mean``/``emb_scale``); missing stats take
    ``stat_fill`` (the training medians) and are standardised (``stat_mean``/``stat_scale``);
    P(good) = sigmoid(z · ``coef`` + ``intercept``). ``meta`` names the embedding model, backend and
    ``max_seq_length`` the vectors must come from, the stat columns, the default ``threshold`` and
    where the model came from (label files, rows, measured figures).

    Optional refusal head (``refusal_coef``, ``refusal_intercept``; files from before it have none):
    P(refusal) = sigmoid(x · ``refusal_coef`` + ``refusal_intercept``), a logistic regression of
    labelled refusals against good answers on x = the raw answer vector r (the middle ``d`` columns of
    the embedding block) or, when ``refusal_coef`` has ``2d`` entries, on ``[r, q]`` with q the prompt
    vector (the first ``d`` columns): a deflection is a deflection *of a request*, and the prompt says
    which requests get one (blind, rounds 9-20: 7 more refusals caught than the answer-only head for
    the same good rows dropped; ``benchmarks/results/quality_classifier.md``). It sees all ``d``
    dimensions: the PCA of the main model keeps 16 and loses the refusal direction.
    ``meta["refusal_threshold"]`` is its default cut.
    """

    pca_mean: np.ndarray
    components: np.ndarray
    emb_mean: np.ndarray
    emb_scale: np.ndarray
    stat_fill: np.ndarray
    stat_mean: np.ndarray
    stat_scale: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)
    refusal_coef: np.ndarray | None = None
    refusal_intercept: float = 0.0

    @property
    def stat_columns(self) -> list[str]:
        """The frame's ``stat_*`` columns the model reads, in order."""
        return list(self.meta.get("stat_columns", []))

    @property
    def pair_columns(self) -> list[str]:
        """The ``pair_stats`` columns after them (names from ``PAIR_COLUMNS``, or none). Raises
        ``ValueError`` for a name this version does not know."""
        cols = list(self.meta.get("pair_columns", []))
        unknown = [c for c in cols if c not in PAIR_COLUMNS]
        if unknown:
            raise ValueError(f"model pair_columns {unknown} are not among this version's {list(PAIR_COLUMNS)}")
        return cols

    @classmethod
    def from_sklearn(cls, model: Any, meta: dict[str, Any]) -> LinearQualityModel:
        """Arrays of a fitted ``make_model("logistic", n_embedding=d, components=k)`` (k set, d > 0).
        Raises ``ValueError`` for another pipeline shape."""
        try:
            blocks, clf = model.steps[0][1], model.steps[-1][1]
            emb = blocks.named_transformers_["embedding"]
            pca, emb_sc = emb.steps[0][1], emb.steps[-1][1]
            metrics = blocks.named_transformers_["metrics"]
            imp, stat_sc = metrics.steps[0][1], metrics.steps[-1][1]
        except (AttributeError, KeyError, IndexError) as exc:
            raise ValueError(f"not a logistic make_model pipeline with an embedding PCA block: {exc}") from None
        if not hasattr(pca, "components_") or not hasattr(clf, "coef_"):
            raise ValueError("the embedding block has no PCA step or the classifier is not linear")
        return cls(pca_mean=pca.mean_.astype(np.float64), components=pca.components_.astype(np.float64),
                   emb_mean=emb_sc.mean_.astype(np.float64), emb_scale=emb_sc.scale_.astype(np.float64),
                   stat_fill=imp.statistics_.astype(np.float64), stat_mean=stat_sc.mean_.astype(np.float64),
                   stat_scale=stat_sc.scale_.astype(np.float64), coef=clf.coef_[0].astype(np.float64),
                   intercept=float(clf.intercept_[0]), meta=dict(meta))

    def p_good(self, embedding_block: np.ndarray, stats: np.ndarray) -> np.ndarray:
        """P(good) per row, shape ``(n,)``. ``embedding_block``: ``(n, 2d + 1)`` from ``pair_features``;
        ``stats``: ``(n, len(stat_columns) + len(pair_columns))`` with NaN where a metric is missing. Raises
        ``ValueError`` when a block's width does not match the model."""
        E = np.asarray(embedding_block, dtype=np.float64)
        S = np.array(stats, dtype=np.float64, copy=True).reshape(len(E), -1)
        if E.shape[1] != self.pca_mean.shape[0] or S.shape[1] != self.stat_fill.shape[0]:
            raise ValueError(f"feature widths {E.shape[1]} + {S.shape[1]} do not match the model's "
                             f"{self.pca_mean.shape[0]} + {self.stat_fill.shape[0]}")
        z_e = ((E - self.pca_mean) @ self.components.T - self.emb_mean) / self.emb_scale
        miss = np.isnan(S)
        S[miss] = np.broadcast_to(self.stat_fill, S.shape)[miss]
        z_s = (S - self.stat_mean) / self.stat_scale
        logit = np.hstack([z_e, z_s]) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logit))

    @staticmethod
    def judges(prompts: list[str]) -> np.ndarray:
        """Per prompt, whether the main model's P(good) is used: not when the prompt asks for a
        translation (``curate.filters.relevance.TRANSLATION_RE`` in its first 2,000 characters), where
        the English MiniLM cannot compare a prompt with its answer in another language and the
        relevance columns mislead (a correct Hindi → English translation scored P(good) 0.03, round
        22; over rounds 9-21 the model's only drop among 73 translation prompts was a good row).
        Shape ``(n,)`` bool."""
        from curate.filters.relevance import TRANSLATION_RE

        return np.array([not TRANSLATION_RE.search(p[:2000]) for p in prompts], dtype=bool)

    @staticmethod
    def refusal_head_applies(prompts: list[str]) -> np.ndarray:
        """Per prompt, whether the refusal head judges its answer: not when the prompt's instruction
        (first sentence or line) asks to transform a text (``curate.filters.refusal.TRANSFORM_RE``:
        translate, rewrite, quote…), whose output can read like a deflection ("Bonne chance" →
        "Good luck."), nor when the prompt asks the assistant about itself (``curate.filters.refusal.
        ABOUT_ASSISTANT_RE``: "Are you a person?" → "No, I'm an AI language model…", which the rules permit
        too; written en set I), nor when it asks how to say no or for an example refusal (``curate.filters.refusal.
        REFUSAL_EXAMPLE_ASK_RE``: "give me some ways to say no without being rude" → quoted refusals, written en set AG).
        Shape ``(n,)`` bool."""
        from curate.filters.refusal import ABOUT_ASSISTANT_RE, REFUSAL_EXAMPLE_ASK_RE, TRANSFORM_RE, instruction

        return np.array([not TRANSFORM_RE.search(instruction(p)) and not ABOUT_ASSISTANT_RE.search(p[:3000][-1000:])
                         and not REFUSAL_EXAMPLE_ASK_RE.search(p[:2000]) for p in prompts], dtype=bool)

    @property
    def has_refusal_head(self) -> bool:
        """True when the file carries the refusal head (``p_refusal``)."""
        return self.refusal_coef is not None

    @property
    def refusal_uses_prompt(self) -> bool:
        """True when the refusal head takes ``[answer vector, prompt vector]`` (``2d`` coefficients)."""
        return self.refusal_coef is not None and self.refusal_coef.shape[0] == 2 * ((self.pca_mean.shape[0] - 1) // 2)

    def p_refusal(self, answer_vectors: np.ndarray, prompt_vectors: np.ndarray | None = None) -> np.ndarray:
        """P(refusal) per row, shape ``(n,)``, from the answers' L2-normalised vectors ``(n, d)`` (the
        model's embedding model, backend and ``answer_max_seq_length``) and, for a head that takes
        them (``refusal_uses_prompt``), the prompts' ``(n, d)`` (``max_seq_length``). Raises
        ``ValueError`` when the model has no refusal head, the widths do not fit it, or it needs the
        prompt vectors and none are given."""
        if self.refusal_coef is None:
            raise ValueError("this quality model has no refusal head")
        X = np.asarray(answer_vectors, dtype=np.float64)
        if self.refusal_uses_prompt:
            if prompt_vectors is None:
                raise ValueError("this refusal head takes the prompt vectors too (p_refusal(answers, prompts))")
            Q = np.asarray(prompt_vectors, dtype=np.float64)
            if X.ndim != 2 or Q.shape != X.shape:
                raise ValueError(f"answer vectors of shape {X.shape} and prompt vectors of shape {Q.shape} differ")
            X = np.hstack([X, Q])
        if X.ndim != 2 or X.shape[1] != self.refusal_coef.shape[0]:
            raise ValueError(f"vectors of shape {X.shape}, the refusal head takes (n, {self.refusal_coef.shape[0]})")
        return 1.0 / (1.0 + np.exp(-(X @ self.refusal_coef + self.refusal_intercept)))

    def save(self, path: str | Path) -> Path:
        """Write the arrays and ``meta`` (as JSON) to an ``.npz`` file."""
        path = Path(path)
        head = {} if self.refusal_coef is None else {
            "refusal_coef": self.refusal_coef, "refusal_intercept": np.array([self.refusal_intercept])}
        np.savez_compressed(path, pca_mean=self.pca_mean, components=self.components, emb_mean=self.emb_mean,
                            emb_scale=self.emb_scale, stat_fill=self.stat_fill, stat_mean=self.stat_mean,
                            stat_scale=self.stat_scale, coef=self.coef, intercept=np.array([self.intercept]),
                            meta=np.array(json.dumps(self.meta, ensure_ascii=False)), **head)
        return path

    @classmethod
    def load(cls, path: str | Path) -> LinearQualityModel:
        """Read a file written by ``save`` ("builtin": ``BUILTIN_MODEL``). Raises ``FileNotFoundError``
        for a missing file and ``ValueError`` for an ``.npz`` without the arrays."""
        path = model_file(path)
        if not path.is_file():
            raise FileNotFoundError(f"quality model not found: {path}")
        with np.load(path, allow_pickle=False) as z:
            try:
                return cls(pca_mean=z["pca_mean"], components=z["components"], emb_mean=z["emb_mean"],
                           emb_scale=z["emb_scale"], stat_fill=z["stat_fill"], stat_mean=z["stat_mean"],
                           stat_scale=z["stat_scale"], coef=z["coef"], intercept=float(z["intercept"][0]),
                           meta=json.loads(str(z["meta"])),
                           refusal_coef=z["refusal_coef"] if "refusal_coef" in z else None,
                           refusal_intercept=float(z["refusal_intercept"][0]) if "refusal_intercept" in z else 0.0)
            except KeyError as exc:
                raise ValueError(f"{path}: not a curatrain quality model (missing {exc})") from None
