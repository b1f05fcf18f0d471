"""Eval-set decontamination: which training texts overlap which evaluation prompts.

Engine-free (plain lists of strings in, numpy arrays out); the ``decontaminate`` stage wraps it.
Texts are normalised and tokenised exactly as the dedup stages do (``curate.dedup.text``: NFKC,
lowercase, punctuation and symbols to spaces; ``auto`` tokens, i.e. words split on spaces and
every CJK character a token of its own), and token hashes come from ``curate.dedup.minhash``.

Three tests, any of which marks a (training text, eval prompt) pair as a match:

1. **Word n-gram overlap** (default n = 13 tokens). GPT-3 (Brown et al. 2020, App. C) called a
   test example contaminated when any N-gram of it occurred in the training data, with N between
   8 and 13 depending on the task's example lengths; lm-evaluation-harness (``docs/decontamination
   .md``) and datatrove (``pipeline/decont/n_grams.py``, default 12) use one fixed N. An SFT prompt
   is often shorter than 13 words (half of MT-Bench's second turns are), so the rule here is
   symmetric in length: a training text T and a prompt E overlap when they share a run of
   ``m = min(ngram, |E|, |T|)`` consecutive tokens and ``m >= min_ngram`` (default 8, GPT-3's
   smallest N). In words: a long prompt is found by any of its 13-grams; a prompt of 8-12 tokens
   is found only whole (its whole token run inside the training text); a training text of 8-12
   tokens is found when all of it appears inside a prompt (a truncated copy). Windows never cross
   turns: each training turn is one text.
2. **MinHash near-match** on whole texts, for what n-grams miss: short prompts and CJK prompts
   paraphrased by a word or two, where no run of ``min_ngram`` tokens survives. Shingles are
   ``shingle_ngram`` consecutive tokens (default 2: word bigrams, and CJK character bigrams under
   ``auto`` tokens, the text-dedup/near_dedup recipe); a pair matches when the **exact** Jaccard
   of the two shingle sets is ≥ ``threshold`` (default 0.5, near_dedup's and text-dedup's bigram
   threshold), MinHash LSH only proposing candidates, so no LSH false positive survives. The
   banding is chosen for recall (``recall_bands_rows``: 42 bands × 3 rows at 0.5 and 128
   permutations, P(candidate | J = 0.5) = 0.996). Training texts whose shingle-set size rules out
   J ≥ threshold with every prompt (J ≤ min/max of the set sizes) are never signed.
3. **Word edits** for short prompts (``min_ngram`` ≤ |E| < ``ngram`` tokens): a whole training
   text within ``max_edits`` (default 2) token edits of the prompt (optimal string alignment: a
   word substituted, inserted or deleted, or two adjacent words swapped, each 1). On a 10-token
   prompt two substitutions leave bigram Jaccard at 5/13, so the near-match cannot see what the
   issue calls "a paraphrase of 1-2 words" there. Candidates by the pigeonhole rule (d edits
   remove at most d distinct prompt tokens, so the text holds one of the prompt's d + 1 rarest),
   verified exactly.

Prompts with fewer than ``min_tokens`` tokens (default 4) are too generic to test ("Thanks!",
"Continue") and are skipped (``EvalIndex.skipped``); prompts with ``min_tokens`` ≤ |E| <
``min_ngram`` are tested by the near-match only, which for such short prompts is almost an exact
whole-turn match (one edit in "What is the capital of France?" already makes another question). A
short prompt embedded inside a longer training turn is therefore not found: a run of fewer than 8
tokens is shared by unrelated texts too often to be evidence.

Defaults measured (benchmarks/decontam_bench.py, results in benchmarks/results/decontam.md):
MT-Bench, Self-Instruct user-oriented and BELLE dev (Chinese) prompts planted into 20,000 real
conversations. The defaults found 98 % of 1-2 word paraphrases (95 % without the word-edit test)
and 88 % of first-half truncations (all halves of ≥ 8 tokens) with no clean row dropped; bigram
J ≥ 0.6 instead of 0.5 lost 6 / 9 points, J ≥ 0.4 dropped a clean row (a factorial program
prompt for MT-Bench's Fibonacci one), unigram sets dropped clean rows from J ≥ 0.6 ("can you do
it" for "can you parallelize it"), and 8-grams matched Chinese rows on 8 shared characters.

Hashing: each window of k tokens hashes to a uint64 by a rolling xor-multiply over the 64-bit
token hashes, finalised with MurmurHash3's fmix64 mixed with k; eval windows sit in a sorted
array behind a bit filter, and every training window is looked up with one gather and, if the
filter lets it through, ``np.searchsorted`` (no Python loop over windows). Deterministic across
runs and machines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from curate.dedup import minhash as mh
from curate.dedup.cluster import csr_sets, exact_jaccard_edges
from curate.dedup.text import normalize_expr, token_lists
from curate.progress import task

U64 = np.uint64
_P64 = U64(0x100000001B3)  # FNV-64 prime (odd), as in curate.dedup.minhash
_C64 = U64(0x9E3779B97F4A7C15)

NGRAM, JACCARD, EDIT = 0, 1, 2  # ``Matches.method`` codes, in order of preference


@dataclass(frozen=True)
class DecontamConfig:
    """Decontamination settings (sources in the module docstring).

    Attributes:
        ngram: tokens per n-gram (13, GPT-3).
        min_ngram: shortest run accepted as overlap when a prompt or a training text is shorter than
            ``ngram`` (8, GPT-3's smallest N).
        min_tokens: prompts with fewer tokens are skipped (4).
        threshold: exact shingle-set Jaccard for a near-match, 0 < t ≤ 1 (0.5).
        shingle_ngram: tokens per shingle for the near-match (2).
        max_edits: word edits allowed between a whole training text and a short prompt (2; 0: off).
        num_perm: MinHash permutations (128).
        seed: MinHash permutation seed (1, datasketch's default).
        batch_size: training texts per batch (memory knob; results do not depend on it).

    Raises ``ValueError`` naming the setting when a value is out of range.
    """

    ngram: int = 13
    min_ngram: int = 8
    min_tokens: int = 4
    threshold: float = 0.5
    shingle_ngram: int = 2
    max_edits: int = 2
    num_perm: int = 128
    seed: int = 1
    batch_size: int = 20000

    def __post_init__(self):
        if self.ngram < 1:
            raise ValueError(f"ngram must be >= 1, got {self.ngram}")
        if not 1 <= self.min_ngram <= self.ngram:
            raise ValueError(f"min_ngram must be between 1 and ngram={self.ngram}, got {self.min_ngram}")
        if self.min_tokens < 1:
            raise ValueError(f"min_tokens must be >= 1, got {self.min_tokens}")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.max_edits < 0:
            raise ValueError(f"max_edits must be >= 0, got {self.max_edits}")
        if self.shingle_ngram < 1 or self.num_perm < 8 or self.batch_size < 1:
            raise ValueError("shingle_ngram and batch_size must be >= 1 and num_perm >= 8")


@dataclass(frozen=True)
class EvalPrompt:
    """One evaluation prompt: ``eval_set`` name, ``item`` id within it, 1-based ``turn``, ``text``."""

    eval_set: str
    item: str
    turn: int
    text: str


@dataclass
class Matches:
    """Matched (training text, eval prompt) pairs, one per pair, sorted by text then prompt.

    Attributes (all shape ``(m,)``):
        text: index of the training text.
        prompt: index of the eval prompt (``EvalIndex.prompts``).
        method: ``NGRAM`` (0), ``JACCARD`` (1) or ``EDIT`` (2); a pair found several ways reports
            the first of these.
        length: tokens in the shared run (0 for a near-match).
        start: first token of the shared run in the training text (0 for a near-match).
        jaccard: exact shingle-set Jaccard for a near-match (NaN for an n-gram match).
        edits: word edits between the training text and a short prompt (``EDIT``; -1 otherwise).
        hits: shared windows (n-grams, or whole short runs) of the pair; 0 for a near-match only.
            An exact copy of a long prompt shares all of its n-grams, another prompt of the same
            template a few: the stage reports the prompt with the most.
    """

    text: np.ndarray
    prompt: np.ndarray
    method: np.ndarray
    length: np.ndarray
    start: np.ndarray
    jaccard: np.ndarray
    hits: np.ndarray
    edits: np.ndarray

    def __len__(self) -> int:
        return len(self.text)


@dataclass
class EvalIndex:
    """Everything the training side is looked up against; build with ``build_index``.

    Attributes:
        prompts: the prompts, in the given order (the order decides which match a row reports).
        cfg: the settings.
        n_tokens: ``(P,)`` tokens per prompt.
        skipped: ``(P,)`` bool, prompts shorter than ``min_tokens`` (never matched).
        any_windows: ``{k: table}`` (``_table``): every k-window of a training text is looked up
            (k = ngram: all n-grams of long prompts; min_ngram ≤ k < ngram: whole short prompts).
        whole_windows: ``{k: table}`` for min_ngram ≤ k < ngram: a training text of
            exactly k tokens is looked up among the k-windows of the longer prompts.
        bands, rows: LSH banding of the near-match.
        band_table: band hashes of the prompts (``_table``; owners are prompt indices).
        set_ptr, set_val: CSR shingle sets of every prompt (empty for skipped ones).
        size_lo, size_hi: shingle-set sizes a training text needs to reach the threshold with at
            least one prompt.
        short_ids, short_tokens: the short prompts (min_ngram ≤ tokens < ngram) and their token
            hashes, for the word-edit check.
    """

    prompts: list[EvalPrompt]
    cfg: DecontamConfig
    n_tokens: np.ndarray
    skipped: np.ndarray
    any_windows: dict[int, tuple] = field(default_factory=dict)
    whole_windows: dict[int, tuple] = field(default_factory=dict)
    bands: int = 0
    rows: int = 0
    band_table: tuple = field(default_factory=lambda: _table(np.zeros(0, U64), np.zeros(0, np.int64)))
    set_ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    set_val: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint32))
    size_lo: int = 1
    size_hi: int = 0
    short_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    short_tokens: list = field(default_factory=list)


# ---------------------------------------------------------------- tokens and windows

def tokenize(texts: Sequence[str | None] | pl.Series) -> pl.Series:
    """Normalised ``auto`` tokens of every text: a ``List(String)`` series without empty tokens
    (null or empty text → ``[]``)."""
    s = texts if isinstance(texts, pl.Series) else pl.Series("t", list(texts), dtype=pl.String)
    norm = s.rename("t").to_frame().select(normalize_expr(pl.col("t")))["t"]
    tok, _ = token_lists(norm, "auto")
    return tok.list.eval(pl.element().filter(pl.element().str.len_bytes() > 0))


def _flat_hashes(tok: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(token hashes (T,) uint64, tokens per text (n,) int64)``."""
    lens = tok.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = tok.explode().drop_nulls()
    return mh.token_hashes(flat), lens


def _windows(t: np.ndarray, lens: np.ndarray, ks: set[int]):
    """Yield ``(k, hashes, text, start)`` for every k in ``ks`` (ascending): the uint64 hash of every
    window of k consecutive tokens that lies inside one text, its text index and first token."""
    if not ks or len(t) == 0:
        return
    kmax = max(ks)
    T = len(t)
    text_of = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    starts = np.cumsum(lens) - lens
    pos = np.arange(T, dtype=np.int64) - starts[text_of]
    left = lens[text_of] - pos  # tokens from this position to the end of its text
    tp = np.concatenate([t, np.zeros(kmax, dtype=U64)])
    h = np.full(T, _C64, dtype=U64)
    with np.errstate(over="ignore"):
        for j in range(kmax):
            h ^= tp[j: T + j]
            h *= _P64
            k = j + 1
            if k in ks:
                ok = np.flatnonzero(left >= k)
                yield k, mh.fmix64(h[ok] ^ (U64(k) * _C64)), text_of[ok], pos[ok]


def _table(keys: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A lookup table for ``_lookup``: ``(sorted keys, their owners, filter bits)``; duplicate
    (key, owner) pairs removed. The filter is a bit array indexed by the top bits of a key (≥ 8
    slots per key, at least 2^16), so most training windows are ruled out by one gather and only
    the rest are binary-searched."""
    order = np.lexsort((owners, keys))
    k, o = keys[order], owners[order]
    if len(k) > 1:
        keep = np.ones(len(k), dtype=bool)
        keep[1:] = (k[1:] != k[:-1]) | (o[1:] != o[:-1])
        k, o = k[keep], o[keep]
    bits = max(16, min(30, int(np.ceil(np.log2(max(1, len(k)) * 8)))))
    filt = np.zeros(1 << bits, dtype=bool)
    filt[(k >> U64(64 - bits)).astype(np.int64)] = True
    return k, o, filt


def _lookup(table: tuple[np.ndarray, np.ndarray, np.ndarray], q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ``(i, owner)`` with ``q[i]`` equal to a key of ``table`` (all owners of a shared key)."""
    keys, owners, filt = table
    if len(keys) == 0 or len(q) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bits = int(np.log2(len(filt)))
    maybe = np.flatnonzero(filt[(q >> U64(64 - bits)).astype(np.int64)])
    qm = q[maybe]
    lo = np.searchsorted(keys, qm, side="left")
    hi = np.searchsorted(keys, qm, side="right")
    cnt = hi - lo
    sel = np.flatnonzero(cnt)
    if len(sel) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    c = cnt[sel]
    first = np.repeat(lo[sel], c)
    offs = np.arange(int(c.sum()), dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
    return np.repeat(maybe[sel], c).astype(np.int64), owners[first + offs]


# ---------------------------------------------------------------- index

def recall_bands_rows(threshold: float, num_perm: int, target: float = 0.98) -> tuple[int, int]:
    """``(bands, rows)`` for the near-match: the most rows per band (fewest candidates) whose S-curve
    still gives P(candidate | J = threshold) = 1 - (1 - t^rows)^bands ≥ ``target``, with
    ``bands = num_perm // rows``. Recall-first because a missed pair is contamination left in
    while a candidate costs one exact Jaccard (eval sets are small); datasketch's FP/FN optimiser
    (25 × 5 at 0.5 and 128 permutations) gives P = 0.55 at the threshold. E.g. 0.5 → 42 × 3
    (P = 0.996), 0.6 → 32 × 4 (P = 0.988), 0.8 → 18 × 7 (P = 0.986)."""
    best = (num_perm, 1)
    for r in range(1, num_perm + 1):
        b = num_perm // r
        if 1.0 - (1.0 - threshold ** r) ** b >= target:
            best = (b, r)
        else:
            break
    return best


def build_index(prompts: Sequence[EvalPrompt], cfg: DecontamConfig = DecontamConfig()) -> EvalIndex:
    """Index ``prompts`` for ``find_matches``. Raises ``ValueError`` when no prompt has at least
    ``cfg.min_tokens`` tokens (nothing could ever match)."""
    prompts = list(prompts)
    tok = tokenize([p.text for p in prompts])
    t, lens = _flat_hashes(tok)
    skipped = lens < cfg.min_tokens
    idx = EvalIndex(prompts, cfg, lens, skipped)
    if len(prompts) == 0 or skipped.all():
        raise ValueError(f"no eval prompt has at least min_tokens={cfg.min_tokens} tokens "
                         f"({len(prompts)} prompts)")
    n, m0 = cfg.ngram, cfg.min_ngram
    usable = ~skipped
    short_lens = set(int(x) for x in lens[usable & (lens >= m0) & (lens < n)])
    ks = set(range(m0, n + 1))
    any_parts: dict[int, list] = {}
    whole_parts: dict[int, list] = {}
    for k, h, text, start in _windows(t, lens, ks):
        ok = usable[text]
        h, text, start = h[ok], text[ok], start[ok]
        if k == n:
            any_parts[k] = (h, text)
        else:
            whole = lens[text] == k
            if k in short_lens:
                any_parts[k] = (h[whole], text[whole])
            # windows of longer prompts (a prompt of exactly k tokens is already in any_parts)
            whole_parts[k] = (h[~whole], text[~whole])
    idx.any_windows = {k: _table(*v) for k, v in any_parts.items() if len(v[0])}
    if cfg.max_edits:
        idx.short_ids = np.flatnonzero(usable & (lens >= m0) & (lens < n))
        starts = np.cumsum(lens) - lens
        idx.short_tokens = [t[starts[i]: starts[i] + lens[i]] for i in idx.short_ids]
    idx.whole_windows = {k: _table(*v) for k, v in whole_parts.items() if len(v[0])}

    # near-match: shingle sets of every usable prompt, MinHash bands
    sh, counts = mh.shingle_hashes(tok, cfg.shingle_ngram)
    keep = np.repeat(usable, counts)
    counts = np.where(usable, counts, 0)
    idx.set_ptr, idx.set_val = csr_sets(sh[keep], counts)
    sizes = np.diff(idx.set_ptr)
    b, r = recall_bands_rows(cfg.threshold, cfg.num_perm)
    idx.bands, idx.rows = b, r
    live = np.flatnonzero(sizes > 0)
    sig = mh.signatures(idx.set_val, sizes, cfg.num_perm, cfg.seed)[live]
    idx.band_table = _table(mh.band_hashes(sig, b, r).ravel(), np.repeat(live, b))
    if len(live):
        idx.size_lo = int(math.ceil(cfg.threshold * sizes[live].min() - 1e-9))
        idx.size_hi = int(math.floor(sizes[live].max() / cfg.threshold + 1e-9))
    return idx


# ---------------------------------------------------------------- matching

def find_matches(texts: Sequence[str | None] | pl.Series, index: EvalIndex) -> Matches:
    """Match every training text against ``index`` (see the module docstring for the rules).

    Args:
        texts: training texts (one per turn; None or empty texts never match), length n.
        index: from ``build_index``.

    Returns ``Matches`` with one entry per matched (text, prompt) pair, sorted by (text, prompt).
    """
    s = texts if isinstance(texts, pl.Series) else pl.Series("t", list(texts), dtype=pl.String)
    parts = []
    with task("decontaminate: match turns", total=len(s), unit="turns") as bar:
        for off in range(0, len(s), index.cfg.batch_size):
            m = _match_batch(s.slice(off, index.cfg.batch_size), index)
            m[0] += off
            parts.append(m)
            bar.advance(min(index.cfg.batch_size, len(s) - off))
    cols = [np.concatenate([p[i] for p in parts]) if parts else np.zeros(0) for i in range(7)]
    text, prompt, method, length, start, jac, _ = cols
    if len(text) == 0:
        z = np.zeros(0, np.int64)
        return Matches(z, z, z.astype(np.uint8), z, z, np.zeros(0), z, z)
    # one entry per (text, prompt): n-gram first, then the longest run, then the earliest start
    order = np.lexsort((start, -length, method, prompt, text))
    text, prompt = text[order], prompt[order]
    first = np.ones(len(text), dtype=bool)
    first[1:] = (text[1:] != text[:-1]) | (prompt[1:] != prompt[:-1])
    group = np.cumsum(first) - 1
    hits = np.bincount(group, weights=(method[order] == NGRAM)).astype(np.int64)
    sel = order[first]
    return Matches(cols[0][sel].astype(np.int64), cols[1][sel].astype(np.int64), cols[2][sel].astype(np.uint8),
                   cols[3][sel].astype(np.int64), cols[4][sel].astype(np.int64), cols[5][sel].astype(np.float64),
                   hits, cols[6][sel].astype(np.int64))


def _match_batch(s: pl.Series, index: EvalIndex) -> list[np.ndarray]:
    cfg = index.cfg
    tok = tokenize(s)
    t, lens = _flat_hashes(tok)
    out_text, out_prompt, out_len, out_start = [], [], [], []
    ks = set(index.any_windows) | set(index.whole_windows)
    for k, h, text, start in _windows(t, lens, ks):
        if k in index.any_windows:
            qi, owner = _lookup(index.any_windows[k], h)
            out_text.append(text[qi]); out_prompt.append(owner)
            out_len.append(np.full(len(qi), k, np.int64)); out_start.append(start[qi])
        if k in index.whole_windows:
            w = np.flatnonzero((start == 0) & (lens[text] == k))
            qi, owner = _lookup(index.whole_windows[k], h[w])
            out_text.append(text[w][qi]); out_prompt.append(owner)
            out_len.append(np.full(len(qi), k, np.int64)); out_start.append(np.zeros(len(qi), np.int64))
    ng = [np.concatenate(x) if x else np.zeros(0, np.int64) for x in (out_text, out_prompt, out_len, out_start)]
    nt, npr, nj = _near_matches(tok, index)
    et, epr, ee = _edit_matches(t, lens, index)
    m_ng, m_near, m_ed = len(ng[0]), len(nt), len(et)
    z = np.zeros(m_near + m_ed, np.int64)
    return [
        np.concatenate([ng[0], nt, et]).astype(np.int64),
        np.concatenate([ng[1], npr, epr]).astype(np.int64),
        np.concatenate([np.full(m_ng, NGRAM, np.uint8), np.full(m_near, JACCARD, np.uint8), np.full(m_ed, EDIT, np.uint8)]),
        np.concatenate([ng[2], z]).astype(np.int64),
        np.concatenate([ng[3], z]).astype(np.int64),
        np.concatenate([np.full(m_ng, np.nan), nj, np.full(m_ed, np.nan)]),
        np.concatenate([np.full(m_ng + m_near, -1, np.int64), ee]).astype(np.int64),
    ]


def _segments(ptr_starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Flat positions of the segments ``[ptr_starts[i], ptr_starts[i] + sizes[i])``, concatenated."""
    total = int(sizes.sum())
    return np.repeat(ptr_starts, sizes) + (np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes))


def _near_matches(tok: pl.Series, index: EvalIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near-matches of a batch of tokenised texts: ``(text, prompt, jaccard)`` arrays."""
    cfg = index.cfg
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if len(index.band_table[0]) == 0:
        return empty
    sh, counts = mh.shingle_hashes(tok, cfg.shingle_ngram)
    # a shingle set has at most `counts` elements: texts under the lower size bound cannot match
    cand = np.flatnonzero((counts >= index.size_lo) & (counts > 0))
    if len(cand) == 0:
        return empty
    ptr, val = csr_sets(sh[_segments((np.cumsum(counts) - counts)[cand], counts[cand])], counts[cand])
    sizes = np.diff(ptr)
    fit = np.flatnonzero((sizes >= index.size_lo) & (sizes <= index.size_hi))
    if len(fit) == 0:
        return empty
    fsz = sizes[fit]
    fval = val[_segments(ptr[fit], fsz)]
    sig = mh.signatures(fval, fsz, cfg.num_perm, cfg.seed)
    qi, owner = _lookup(index.band_table, mh.band_hashes(sig, index.bands, index.rows).ravel())
    if len(qi) == 0:
        return empty
    P = len(index.prompts)
    pair = np.unique((qi // index.bands).astype(np.int64) * P + owner)
    local, owner = pair // P, pair % P
    # exact Jaccard on one CSR: the prompts' sets, then the fitting texts' sets
    ptr_all = np.concatenate([index.set_ptr, index.set_ptr[-1] + np.cumsum(fsz)])
    j = exact_jaccard_edges(ptr_all, np.concatenate([index.set_val, fval]), local + P, owner)
    ok = j >= cfg.threshold - 1e-12
    return cand[fit[local[ok]]], owner[ok], j[ok]


def _edit_matches(t: np.ndarray, lens: np.ndarray, index: EvalIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole training texts within ``max_edits`` word edits of a short prompt: ``(text, prompt,
    edits)`` arrays.

    Candidates by the pigeonhole rule: d edits remove at most d distinct tokens of the prompt, so a
    text within d edits holds at least one of any d + 1 distinct prompt tokens; each prompt is
    indexed by its d + 1 rarest tokens (fewest occurrences among this batch's texts of a fitting
    length), and candidates of the right length are verified with the optimal-string-alignment
    distance."""
    d = index.cfg.max_edits
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    if d == 0 or len(index.short_ids) == 0 or len(t) == 0:
        return empty
    plens = index.n_tokens[index.short_ids]
    fit = (lens >= max(1, int(plens.min()) - d)) & (lens <= int(plens.max()) + d)
    if not fit.any():
        return empty
    text_of = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    sel = np.flatnonzero(fit[text_of])
    uniq, counts = np.unique(t[sel], return_counts=True)  # rarity among the texts of a fitting length
    keys, owners = [], []
    for j, toks in enumerate(index.short_tokens):
        s = np.unique(toks)
        pos = np.minimum(np.searchsorted(uniq, s), len(uniq) - 1)
        freq = np.where(uniq[pos] == s, counts[pos], 0)
        keys.append(s[np.argsort(freq, kind="stable")[: d + 1]])
        owners.append(np.full(len(keys[-1]), j, np.int64))
    qi, owner = _lookup(_table(np.concatenate(keys), np.concatenate(owners)), t[sel])
    S = len(index.short_ids)
    pair = np.unique(text_of[sel][qi] * S + owner)
    text, j = pair // S, pair % S
    ok = np.abs(lens[text] - plens[j]) <= d
    text, j = text[ok], j[ok]
    starts = np.cumsum(lens) - lens
    dist = np.array([_osa(t[starts[a]: starts[a] + lens[a]].tolist(), index.short_tokens[b].tolist(), d)
                     for a, b in zip(text.tolist(), j.tolist())], dtype=np.int64)
    ok = dist <= d
    return text[ok], index.short_ids[j[ok]], dist[ok]


def _osa(a: list, b: list, limit: int) -> int:
    """Optimal-string-alignment distance of two token lists (substitution, insertion, deletion and
    adjacent swap each cost 1), or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for k in range(1, len(b) + 1):
            c = min(prev[k] + 1, cur[k - 1] + 1, prev[k - 1] + (a[i - 1] != b[k - 1]))
            if i > 1 and k > 1 and a[i - 1] == b[k - 2] and a[i - 2] == b[k - 1]:
                c = min(c, prev2[k - 2] + 1)
            cur[k] = c
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# ---------------------------------------------------------------- evidence

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def matched_spans(texts: Sequence[str], starts: Sequence[int], lengths: Sequence[int],
                  max_chars: int = 80) -> list[str]:
    """For each i, the normalised tokens ``starts[i] .. starts[i] + lengths[i]`` of ``texts[i]`` as
    one string (CJK characters rejoined without spaces), cut to ``max_chars`` with ``…``. One
    tokenisation pass for all texts."""
    out = []
    for toks, a, n in zip(tokenize(list(texts)).to_list(), starts, lengths):
        s = _CJK_SPACE.sub("", " ".join(toks[int(a): int(a) + int(n)]))
        out.append(s if len(s) <= max_chars else s[: max_chars - 1] + "…")
    return out


def matched_span(text: str, start: int, length: int, max_chars: int = 80) -> str:
    """``matched_spans`` for one text."""
    return matched_spans([text], [start], [length], max_chars)[0]
