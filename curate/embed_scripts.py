"""Which texts an embedding model can read, and a lexical stand-in for the others.

The default model, all-MiniLM-L6-v2, was trained on English sentence pairs. On Chinese it collapses:
unrelated prompts ("解释货币贬值的概念" / "解释细菌转化的过程") score cosine 0.96, and in a half-Chinese
pool 98.9 % of the pairs ≥ 0.95 involve Chinese text (issue 12 note, benchmarks/results/scale.md).
Semantic dedup on those vectors drops different questions, and cluster-balanced selection puts most
Chinese rows in one cluster. So:

- ``model_scripts(model)``: the scripts a model reads. The default MiniLM (and its onnx / int8 /
  static variants): Latin. Any other model: ``None`` (all scripts; a multilingual model such as
  paraphrase-multilingual-MiniLM-L12-v2 reads them all). Override per stage with ``scripts:``.
- ``readable(texts, scripts)``: a bool mask, True where the text's main script (most of its
  letters; ``curate.filters.relevance.main_script``) is one the model reads, or the text has no
  letters (numbers, code).
- ``lexical_vectors(texts, dim, seed)``: for the other texts, L2-normalised character n-gram
  vectors: hashed char 1-3-grams (scikit-learn ``HashingVectorizer``, 2^18 features), sublinear
  TF-IDF, ``TruncatedSVD`` to ``dim`` [64] dimensions (latent semantic analysis, Deerwester et al.
  1990). They tell apart texts that share few characters, which the collapsed model cannot.
- ``join_spaces(model_vecs, mask, lexical)``: one matrix whose model rows and lexical rows live in
  orthogonal blocks ([model | 0] and [0 | lexical]), so a cosine across the two groups is exactly 0
  and every selector and k-means works unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: models (by the names ``curate.embed`` accepts) that read Latin-script text only
LATIN_ONLY_MODELS = frozenset({"default", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


def model_scripts(model: str) -> tuple[str, ...] | None:
    """Scripts ``model`` reads (``curate.filters.relevance.SCRIPTS`` names), or None for all."""
    return ("latin",) if model in LATIN_ONLY_MODELS else None


def readable(texts: Sequence[str], scripts: Sequence[str] | None) -> np.ndarray:
    """``(n,)`` bool: the text's main script is in ``scripts`` (None: every text), or it has no letters."""
    if scripts is None:
        return np.ones(len(texts), dtype=bool)
    from curate.filters.relevance import main_script

    allowed = set(scripts)
    out = np.empty(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        s = main_script(t[:500]) if t else None
        out[i] = s is None or s in allowed
    return out


def lexical_vectors(texts: Sequence[str], dim: int = 64, seed: int = 0) -> np.ndarray:
    """``(n, dim)`` float32 L2-normalised LSA vectors of character 1-3-grams (see the module doc).
    Deterministic for ``seed``; fewer than ``dim + 1`` texts give ``min(n - 1, dim)`` real
    components, zero-padded to ``dim``."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, dim), dtype=np.float32)
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

    counts = HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=2 ** 18, alternate_sign=False,
                               norm=None, lowercase=True).transform([t[:2000] for t in texts])
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    k = min(dim, max(1, n - 1), tfidf.shape[1] - 1)
    if n < 3 or k < 1:
        x = np.zeros((n, dim), dtype=np.float32)
        x[:, 0] = 1.0
        return x
    z = TruncatedSVD(n_components=k, random_state=seed, algorithm="randomized", n_iter=5).fit_transform(tfidf)
    out = np.zeros((n, dim), dtype=np.float32)
    out[:, :k] = z
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(norms == 0, 1.0, norms)
    out[norms[:, 0] == 0, 0] = 1.0  # a text with no character n-gram: one shared direction
    return out


def join_spaces(model_vecs: np.ndarray, mask: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    """``(n, d_model + d_lex)`` float32: row i is ``[model_vecs[j] | 0]`` for the j-th True of
    ``mask`` and ``[0 | lexical[k]]`` for the k-th False. Cosines across the groups are 0."""
    n = len(mask)
    d1 = model_vecs.shape[1] if model_vecs.ndim == 2 and len(model_vecs) else 0
    d2 = lexical.shape[1] if lexical.ndim == 2 and len(lexical) else 0
    out = np.zeros((n, max(d1, 1) + d2), dtype=np.float32)
    if d1:
        out[mask, :d1] = model_vecs
    if d2:
        out[~mask, max(d1, 1):] = lexical
    return out
