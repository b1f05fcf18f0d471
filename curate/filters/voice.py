"""User voice: P(user | text), a small text classifier that tells a user turn from an assistant turn.

Why: real dumps (OpenAssistant crowd replies, the rejected answers of preference files) hold
assistant turns that are really user messages given as the *answer* to an unrelated prompt
("Hi can you act as a therapist?", "Wie ist dein Name?", "first answer good, what is the purpose of
secound?"). Every dump holds thousands of turns labelled by role, so a role classifier trained on
them is a cheap, mostly language-agnostic signal for "the assistant slot holds a user turn". The
``non_answer`` rule is meant to combine it with "shares no content with the prompt" and a length
cap; on its own a high score is NOT a verdict (short, plain answers also score high; see the
figures below).

Source of the idea: speaker / dialogue-role classification (telling who speaks from the words of a
turn) is an old task in dialogue research, and training on the role tags that chat dumps carry for
free is common practice. The particular recipe here (hashed character n-grams plus word uni/bigrams,
class-balanced logistic regression, applied to the assistant slot to flag user-voiced answers) is our
own method, not taken from a paper, and has only been measured on our data.

Features (:func:`featurize`): the first ``max_chars`` (300) characters of each text after NFKC
normalisation, hashed with two scikit-learn ``HashingVectorizer`` s, no fitted vocabulary:

- character n-grams within word boundaries (``char_wb``, ``char_ngram`` = (2, 5), case kept, since
  users often skip capitals), ``2**18`` columns, l2-normalised;
- word unigrams and bigrams (lower-cased; punctuation marks are tokens, so "?" counts),
  ``2**17`` columns, l2-normalised.

The two blocks are stacked, so a shipped model is just ``coef`` (float16, one per column),
``intercept`` and the featurizer settings (``version`` included).

Shipped model (``models/user_voice.npz``, 0.74 MB): trained by ``benchmarks/voice_bench.py`` on
79,845 user and assistant turns of every file in ``../shared/data`` (one turn per role per
conversation plus the OpenAssistant-2 trees, at most 3,000 per role per source, identical texts once,
every prompt and response text of the quality label files left out). Leave-one-source-group-out
ROC-AUC 0.922 (texts <= 40 words: 0.925, en 0.931, zh 0.915); on held-out assistant turns <= 40
words, 2.6% score >= 0.9 (held-out OpenAssistant 6.2%, hh-rlhf 15.3%). On the label files, 3 of 974
good answers and 9 of 76 off_topic/nonsense ones score >= 0.9. Russian is untested: the data has no
Russian assistant turns outside the label files. Details: ``models/README.md`` and
``benchmarks/results/voice.md``.

Speed: hashing is the cost; one process did about 5,500 typical answers (or 10,500 answers of
<= 40 words) per second on the shared machine.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

__all__ = ["FORMAT_VERSION", "DEFAULT_MODEL", "DEFAULT_SETTINGS", "featurize", "fit_user_voice", "fit_features",
           "UserVoiceModel", "user_voice"]

FORMAT_VERSION = 1
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "user_voice.npz"
DEFAULT_SETTINGS: dict = {
    "version": FORMAT_VERSION,
    "max_chars": 300,
    "char_ngram": [2, 5],
    "char_features": 2**18,
    "char_lowercase": False,
    "word_ngram": [1, 2],
    "word_features": 2**17,
}
_WORD_TOKEN = r"(?u)\b\w+\b|[^\w\s]"


def _settings(overrides: dict | None = None) -> dict:
    s = dict(DEFAULT_SETTINGS)
    if overrides:
        unknown = set(overrides) - set(s)
        if unknown:
            raise ValueError(f"unknown user-voice settings: {sorted(unknown)}")
        s.update(overrides)
    s["char_ngram"] = [int(v) for v in s["char_ngram"]]
    s["word_ngram"] = [int(v) for v in s["word_ngram"]]
    return s


@lru_cache(maxsize=8)
def _vectorizers(key: str):
    from sklearn.feature_extraction.text import HashingVectorizer

    s = json.loads(key)
    char = HashingVectorizer(analyzer="char_wb", ngram_range=tuple(s["char_ngram"]), n_features=s["char_features"],
                             alternate_sign=False, norm="l2", lowercase=s["char_lowercase"], dtype=np.float32)
    word = HashingVectorizer(analyzer="word", ngram_range=tuple(s["word_ngram"]), n_features=s["word_features"],
                             alternate_sign=False, norm="l2", lowercase=True, token_pattern=_WORD_TOKEN,
                             dtype=np.float32)
    return char, word


def featurize(texts: Iterable[str], settings: dict | None = None):
    """Hash ``texts`` into a sparse CSR float32 matrix of shape ``(n, char_features + word_features)``
    (default ``(n, 393216)``). Deterministic, no fitted state. Each text is cut to its first
    ``max_chars`` characters after NFKC normalisation; ``None`` counts as "". ``settings`` overrides
    :data:`DEFAULT_SETTINGS` (unknown keys raise ``ValueError``)."""
    import scipy.sparse as sp

    s = _settings(settings)
    n = s["max_chars"]
    docs = [unicodedata.normalize("NFKC", (t or "")[: n * 2])[:n] for t in texts]
    char, word = _vectorizers(json.dumps(s, sort_keys=True))
    return sp.hstack([char.transform(docs), word.transform(docs)], format="csr", dtype=np.float32)


@dataclass
class UserVoiceModel:
    """A linear P(user | text) model over :func:`featurize` columns.

    ``coef``: float16 array of shape ``(char_features + word_features,)``; ``intercept``: float;
    ``settings``: the featurizer settings (with ``version``); ``meta``: free-form training notes
    (JSON-serialisable), saved with the model."""

    coef: np.ndarray
    intercept: float
    settings: dict = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.settings = _settings({k: v for k, v in self.settings.items()})
        self.coef = np.asarray(self.coef, dtype=np.float16).ravel()
        self.intercept = float(np.float32(self.intercept))
        width = self.settings["char_features"] + self.settings["word_features"]
        if self.coef.shape != (width,):
            raise ValueError(f"user-voice coef has shape {self.coef.shape}, settings need ({width},)")
        self._w = self.coef.astype(np.float32)

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Logits, float32 array of shape ``(n,)``."""
        texts = list(texts)
        if not texts:
            return np.zeros(0, dtype=np.float32)
        X = featurize(texts, self.settings)
        return (X @ self._w + np.float32(self.intercept)).astype(np.float32)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(user) for each text: float32 array of shape ``(n,)`` in [0, 1]."""
        z = self.decision(texts)
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)

    def save(self, path: str | Path) -> Path:
        """Write a compressed ``.npz`` (coef float16, intercept float32, settings and meta as JSON)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, coef=self.coef, intercept=np.array([self.intercept], dtype=np.float32),
                                settings=np.array(json.dumps(self.settings, sort_keys=True)),
                                meta=np.array(json.dumps(self.meta, sort_keys=True)))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "UserVoiceModel":
        """Read a model written by :meth:`save`. A missing, unreadable or malformed file, or one of
        another format version, raises a one-line ``ValueError`` naming the path."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                coef, intercept = z["coef"], z["intercept"]
                settings = json.loads(str(z["settings"]))
                meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
            if settings.get("version") != FORMAT_VERSION:
                raise ValueError(f"format version {settings.get('version')!r}, expected {FORMAT_VERSION}")
            return cls(coef=coef, intercept=float(intercept.ravel()[0]), settings=settings, meta=meta)
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line naming the file
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            raise ValueError(f"cannot load user-voice model {path}: {reason}") from None


def fit_user_voice(user_texts: Sequence[str], assistant_texts: Sequence[str], *, C: float = 4.0,
                   seed: int = 0, settings: dict | None = None, max_iter: int = 200) -> UserVoiceModel:
    """Fit P(user | text) on two lists of texts (label 1 = user, 0 = assistant).

    Class-balanced l2 logistic regression (scikit-learn ``LogisticRegression``, ``liblinear``,
    single process) with inverse regularisation strength ``C``; ``seed`` fixes liblinear's shuffling.
    Raises ``ValueError`` if either list is empty. The returned coefficients are rounded to float16,
    so a saved and reloaded model scores exactly as the returned one."""
    user_texts, assistant_texts = list(user_texts), list(assistant_texts)
    if not user_texts or not assistant_texts:
        raise ValueError(f"fit_user_voice needs both voices: {len(user_texts)} user, {len(assistant_texts)} assistant texts")
    s = _settings(settings)
    X = featurize(user_texts + assistant_texts, s)
    y = np.r_[np.ones(len(user_texts)), np.zeros(len(assistant_texts))]
    return fit_features(X, y, C=C, seed=seed, settings=s, max_iter=max_iter)


def fit_features(X, y, *, C: float = 4.0, seed: int = 0, settings: dict | None = None,
                 max_iter: int = 200) -> UserVoiceModel:
    """:func:`fit_user_voice` on an already hashed matrix ``X`` (from :func:`featurize` with the same
    ``settings``) and labels ``y`` (1 = user, 0 = assistant), so cross-validation hashes once."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y)
    if len(set(y.tolist())) != 2:
        raise ValueError("fit_user_voice needs both voices (labels 0 and 1)")
    s = _settings(settings)
    clf = LogisticRegression(C=C, solver="liblinear", class_weight="balanced", random_state=seed, max_iter=max_iter)
    clf.fit(X, y)
    return UserVoiceModel(coef=clf.coef_.ravel(), intercept=float(clf.intercept_[0]), settings=s,
                          meta={"n_user": int((y == 1).sum()), "n_assistant": int((y == 0).sum()), "C": C, "seed": seed})


@lru_cache(maxsize=4)
def _load_cached(path: str) -> UserVoiceModel:
    return UserVoiceModel.load(path)


def user_voice(texts: Sequence[str], model_path: str | Path | None = None) -> np.ndarray:
    """P(user) for each text under the shipped model (or ``model_path``): float32 array, shape ``(n,)``.
    The model is loaded once per path and cached. Missing/corrupt file: one-line ``ValueError``."""
    return _load_cached(str(Path(model_path) if model_path else DEFAULT_MODEL)).predict_proba(texts)
