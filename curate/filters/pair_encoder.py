"""Pair encoder: does an answer belong to its prompt? A small learned dual encoder that reads any script.

Why: the relevance signals the quality filter had were the English MiniLM cosine (ROC-AUC 0.98 on
English answers moved to another prompt, 0.74 on Chinese ones: the model does not read Chinese) and
the share of the prompt's content units found in the answer (``curate.filters.text.units``; literal
overlap, blind to "写一首诗" → a poem about the moon). Every dump holds thousands of (prompt, answer)
pairs, so the association between the words of a prompt and the words of its answer can be learned
from the pairs themselves, in any language the dumps hold, with no model download.

Method: a StarSpace-style linear embedding of bags of features (Wu et al. 2018, "StarSpace: Embed All
The Things!"), with hashed features as in DSSM (Huang et al. 2013) and trained like a dual-encoder
retriever with in-batch negatives (DPR, Karpukhin et al. 2020; symmetric InfoNCE, temperature
``tau``). Tokens (:func:`tokens`): Latin/Cyrillic/other alphabetic words of 2+ letters outside
``curate.filters.text.STOPWORDS``, cut to their first 5 letters (the crude stem of ``units``), and
every CJK character and CJK character bigram; the text is NFKC-folded, lower-cased and cut to its
first ``max_chars`` [3000] characters. Tokens are hashed (scikit-learn ``HashingVectorizer``,
``n_features`` [2**15] buckets), weighted by log(1 + tf) · idf and L2-normalised: a sparse row x.
One matrix W ``(n_features, dim)`` serves prompt and answer (a shared tower: literal overlap then
scores high by itself, and the learning adds associations on top); a text's vector is x·W,
L2-normalised; the association of a pair is the cosine of its two vectors, in [-1, 1].

Shipped model (``models/pair_encoder.npz``, W as float16, 2**15 × 64): fit by
``benchmarks/train_pair_encoder.py`` on every (first prompt, first answer) pair of ``../shared/data``
whose prompt is not in a quality label file (``benchmarks/quality_labels*.jsonl``), so the features
the quality model is fit on are out of sample. Held-out figures (a model fit without 15 whole
sources, scored on them; each answer moved to another prompt of the same source language), in
``benchmarks/results/pair_encoder.md``.

Speed: tokenising is the cost (pure Python); hashing and the product are vectorised.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from curate.filters.text import STOPWORDS

__all__ = ["FORMAT_VERSION", "DEFAULT_MODEL", "DEFAULT_SETTINGS", "tokens", "featurize", "PairEncoder", "fit_pair_encoder",
           "association"]

FORMAT_VERSION = 1
DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "pair_encoder.npz"
DEFAULT_SETTINGS: dict = {"version": FORMAT_VERSION, "max_chars": 3000, "n_features": 2**15, "stem": 5}

_CJK_RUN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def tokens(text: str, max_chars: int = 3000, stem: int = 5) -> list[str]:
    """The features of one text before hashing: word stems (first ``stem`` letters of each word of 2+
    letters, stopwords out) and CJK characters and character bigrams, in order of appearance.
    ``tokens("写诗 about the moon")`` → ``["moon", "写", "诗", "写诗"]``."""
    t = unicodedata.normalize("NFKC", (text or "")[: max_chars * 2])[:max_chars].lower()
    out = [w[:stem] for w in _WORD_RE.findall(_CJK_RUN_RE.sub(" ", t)) if w not in STOPWORDS]
    for run in _CJK_RUN_RE.findall(t):
        out.extend(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


@lru_cache(maxsize=4)
def _vectorizer(key: str):
    from sklearn.feature_extraction.text import HashingVectorizer

    s = json.loads(key)
    return HashingVectorizer(analyzer=lambda t: tokens(t, s["max_chars"], s["stem"]), n_features=s["n_features"],
                             alternate_sign=False, norm=None, dtype=np.float32)


def featurize(texts: Sequence[str], idf: np.ndarray | None = None, settings: dict | None = None):
    """Hashed token counts of ``texts`` as a sparse CSR float32 matrix ``(n, n_features)``: log(1 + tf),
    times ``idf`` (shape ``(n_features,)``) when given, rows L2-normalised (an empty text stays a zero
    row). Deterministic, no fitted state besides ``idf``."""
    s = dict(DEFAULT_SETTINGS, **(settings or {}))
    X = _vectorizer(json.dumps(s, sort_keys=True)).transform([t or "" for t in texts]).tocsr()
    X.data = np.log1p(X.data)
    if idf is not None:
        X = X.multiply(np.asarray(idf, dtype=np.float32)[None, :]).tocsr()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return X.multiply((1.0 / norms)[:, None]).tocsr().astype(np.float32)


@dataclass
class PairEncoder:
    """A fitted pair encoder: ``weights`` float16 ``(n_features, dim)``, ``idf`` float32
    ``(n_features,)``, the featurizer ``settings`` (with ``version``) and free-form ``meta``."""

    weights: np.ndarray
    idf: np.ndarray
    settings: dict = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.settings = dict(DEFAULT_SETTINGS, **self.settings)
        self.weights = np.asarray(self.weights, dtype=np.float16)
        self.idf = np.asarray(self.idf, dtype=np.float32).ravel()
        n = self.settings["n_features"]
        if self.weights.ndim != 2 or self.weights.shape[0] != n or self.idf.shape != (n,):
            raise ValueError(f"pair encoder weights {self.weights.shape} and idf {self.idf.shape} do not fit "
                             f"n_features {n}")
        self._w = self.weights.astype(np.float32)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised vectors of ``texts``, float32 ``(n, dim)``; a text without tokens gets zeros."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._w.shape[1]), dtype=np.float32)
        V = np.asarray(featurize(texts, self.idf, self.settings) @ self._w, dtype=np.float32)
        n = np.linalg.norm(V, axis=1, keepdims=True)
        n[n == 0] = 1.0
        return V / n

    def association(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Cosine of each prompt's vector with its response's, float32 ``(n,)`` in [-1, 1] (0 when
        either text has no tokens). Raises ``ValueError`` when the two lists differ in length."""
        prompts, responses = list(prompts), list(responses)
        if len(prompts) != len(responses):
            raise ValueError(f"pair encoder: {len(prompts)} prompts but {len(responses)} responses")
        return np.einsum("ij,ij->i", self.vectors(prompts), self.vectors(responses)).astype(np.float32)

    def save(self, path: str | Path) -> Path:
        """Write a compressed ``.npz`` (weights float16, idf float32, settings and meta as JSON)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, weights=self.weights, idf=self.idf,
                                settings=np.array(json.dumps(self.settings, sort_keys=True)),
                                meta=np.array(json.dumps(self.meta, sort_keys=True, ensure_ascii=False)))
        return path

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL) -> "PairEncoder":
        """Read a file written by :meth:`save`. A missing or malformed file, or one of another format
        version, raises a one-line ``ValueError`` naming the path."""
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                settings = json.loads(str(z["settings"]))
                if settings.get("version") != FORMAT_VERSION:
                    raise ValueError(f"format version {settings.get('version')!r}, expected {FORMAT_VERSION}")
                return cls(weights=z["weights"], idf=z["idf"], settings=settings,
                           meta=json.loads(str(z["meta"])) if "meta" in z.files else {})
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line naming the file
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            raise ValueError(f"cannot load pair encoder {path}: {reason}") from None


def fit_pair_encoder(prompts: Sequence[str], responses: Sequence[str], groups: Sequence[str] | None = None, *,
                     dim: int = 64, epochs: int = 4, batch: int = 512, tau: float = 0.05, lr: float = 0.01,
                     seed: int = 0, settings: dict | None = None) -> PairEncoder:
    """Fit a :class:`PairEncoder` on real (prompt, response) pairs (torch, CPU; ~10 s per 10,000 pairs
    and epoch on 2 cores).

    ``idf`` = log((2n + 1) / (df + 1)) over the 2n texts. Each step takes ``batch`` pairs of one group
    (``groups``, e.g. the language: negatives of another language would be too easy), encodes both
    sides with the shared matrix W ``(n_features, dim)`` (init N(0, 0.1²), seeded), and minimises the
    symmetric in-batch InfoNCE loss at temperature ``tau`` with Adam (``lr``): each prompt must pick
    its own answer among the batch's answers, and each answer its prompt. Groups smaller than half a
    batch train in one short batch. Raises ``ValueError`` for fewer than 2 pairs or lists of unequal
    length."""
    import torch

    prompts, responses = list(prompts), list(responses)
    groups = list(groups) if groups is not None else [""] * len(prompts)
    if not len(prompts) == len(responses) == len(groups) or len(prompts) < 2:
        raise ValueError(f"fit_pair_encoder needs >= 2 pairs of equal-length lists: {len(prompts)} prompts, "
                         f"{len(responses)} responses, {len(groups)} groups")
    s = dict(DEFAULT_SETTINGS, **(settings or {}))
    Xp, Xr = featurize(prompts, None, s), featurize(responses, None, s)
    df = np.asarray((Xp > 0).sum(axis=0)).ravel() + np.asarray((Xr > 0).sum(axis=0)).ravel()
    idf = np.log((2 * len(prompts) + 1) / (df + 1)).astype(np.float32)
    Xp, Xr = featurize(prompts, idf, s), featurize(responses, idf, s)

    def sparse(X):
        X = X.tocoo()
        return torch.sparse_coo_tensor(np.vstack([X.row, X.col]).astype(np.int64), X.data, X.shape,
                                       check_invariants=False).coalesce()

    gen = torch.Generator().manual_seed(seed)
    W = torch.nn.Parameter(torch.randn(s["n_features"], dim, generator=gen) * 0.1)
    opt = torch.optim.Adam([W], lr=lr)
    rng = np.random.default_rng(seed)
    g = np.array(groups, dtype=object)
    losses = []
    for _ in range(epochs):
        batches = []
        for key in sorted(set(groups)):
            idx = rng.permutation(np.flatnonzero(g == key))
            batches += [idx[i:i + batch] for i in range(0, max(len(idx) - batch // 2, 1), batch)]
        rng.shuffle(batches)
        total = 0.0
        for b in (b for b in batches if len(b) >= 2):
            P = torch.nn.functional.normalize(torch.sparse.mm(sparse(Xp[b]), W), dim=1)
            R = torch.nn.functional.normalize(torch.sparse.mm(sparse(Xr[b]), W), dim=1)
            logits = P @ R.T / tau
            y = torch.arange(len(b))
            loss = (torch.nn.functional.cross_entropy(logits, y) + torch.nn.functional.cross_entropy(logits.T, y)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        losses.append(round(total / max(len(batches), 1), 4))
    return PairEncoder(weights=W.detach().numpy(), idf=idf, settings=s,
                       meta={"pairs": len(prompts), "dim": dim, "epochs": epochs, "batch": batch, "tau": tau, "lr": lr,
                             "seed": seed, "loss_per_epoch": losses})


@lru_cache(maxsize=1)
def _default() -> PairEncoder:
    return PairEncoder.load(DEFAULT_MODEL)


def association(prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
    """:meth:`PairEncoder.association` with the shipped model (``DEFAULT_MODEL``, loaded once)."""
    return _default().association(prompts, responses)
