"""The near-duplicate engine behind the ``near_dedup`` stage: streamed MinHash → LSH → union-find.

Memory: rows are processed in batches of ``batch_size``; per batch the normalised text, tokens,
shingles and signatures exist only transiently. What survives is what LSH needs, the band hashes
(``n × bands × 8`` bytes: 200 MB for 1M rows at 25 bands), plus a 16-bit "b-bit MinHash" sketch
(the low 16 bits of every signature value, ``n × num_perm × 2`` bytes: 256 MB at 1M × 128) from
which the ``similarity`` column is estimated without a second signature pass (Li & König 2010:
P(equal low bits) = J + (1 - J)·2^-16, corrected in ``similarity_to_keeper``). Shingle sets are
recomputed only for rows in candidate pairs, and only for ``verify``. Measured: 1M conversations
at 2.8 GB peak RSS including the 0.8 GB input frame (benchmarks/dedup_bench.py).

Defaults and where they come from (research/curation-anchors.md §4a):

- datatrove: 112 perms, 14 bands × 8 rows, word 5-grams (S-curve midpoint ≈ 0.72);
- Data-Juicer: 256 perms, Jaccard 0.7, bands/rows by the FP/FN optimiser (paper runs 32 × 8);
- text-dedup CORE benchmark (F1 0.9518): 200 perms, 50 × 4, word **bigrams**, threshold 0.5;
- NeMo Curator: 260 perms, 20 × 13, char 24-grams, optional exact-Jaccard verification.

curatrain's defaults (``NearDedupConfig``): 128 perms, **word bigrams** (each CJK character one
token under ``shingle: auto``), **threshold 0.5**, bands × rows from the optimiser (0.5 @ 128 perms
→ 25 × 5, S-curve midpoint ≈ 0.53), verify off — the text-dedup CORE recipe (bigrams, 0.5) at
128 perms. Chosen on the planted-duplicate set from /work/shared/data (``curate.dedup.evaluate``,
2,000 bases, seeds 1 and 2): F1 0.983 / 0.989 on ``conversation`` and 0.958 / 0.966 on
``first_user_turn``; with ``verify: true`` 0.991 / 0.994 and 0.975 / 0.982. Word 3-grams gave
0.970 / 0.974 (conversation) but only 0.939 / 0.948 on first_user_turn, and datatrove's 5-grams at
14 × 8 0.78: short prompts lose many 3- and 5-grams per edited word. For short views (prompts)
turn ``verify`` on: bigrams collide more often between different short texts.
"""

from __future__ import annotations

from dataclasses import dataclass
import time

import numpy as np
import polars as pl

from curate.dedup import minhash as mh
from curate.dedup.cluster import band_edges, csr_sets, exact_jaccard_edges, union_find
from curate.dedup.text import normalized_view, token_lists


@dataclass(frozen=True)
class NearDedupConfig:
    """MinHash-LSH settings (see the module docstring for sources).

    Attributes:
        view: text view (``conversation``, ``first_user_turn``, ``user_turns``, ``assistant_turns``).
        num_perm: MinHash permutations (signature length; cost is linear in it).
        ngram: tokens per word shingle.
        char_ngram: characters per shingle under ``shingle: char``.
        shingle: ``word``, ``char`` or ``auto`` (each CJK character one token, other words by
            spaces; ``ngram`` tokens per shingle).
        threshold: target Jaccard similarity (0 < t < 1); also the verify cut-off.
        bands, rows: LSH banding; both None → ``optimal_bands_rows(threshold, num_perm)``.
        verify: drop candidate pairs whose exact shingle-set Jaccard is below ``threshold``.
        seed: MinHash permutation seed (datasketch's default is 1).
        batch_size: rows per streamed batch.
        engine: ``numpy`` (default, faster) or ``datasketch`` (``MinHash.bulk``); same signatures.
    """

    view: str = "conversation"
    num_perm: int = 128
    ngram: int = 2
    char_ngram: int = 5
    shingle: str = "auto"
    threshold: float = 0.5
    bands: int | None = None
    rows: int | None = None
    verify: bool = False
    seed: int = 1
    batch_size: int = 8192
    engine: str = "numpy"

    def resolved_bands_rows(self) -> tuple[int, int]:
        """``(bands, rows)``: as given, or from the FP/FN optimiser when both are None.
        Raises ``ValueError`` when only one is given or ``bands * rows > num_perm``."""
        if self.bands is None and self.rows is None:
            return mh.optimal_bands_rows(self.threshold, self.num_perm)
        if self.bands is None or self.rows is None:
            raise ValueError("give both bands and rows, or neither (then the optimiser picks them)")
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands*rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")
        return self.bands, self.rows


def shingles_for(df: pl.DataFrame, cfg: NearDedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of ``df``'s rows: ``(sh uint32 (S,), counts int64 (n,))`` (see minhash)."""
    norm = df.select(normalized_view(cfg.view).alias("t"))["t"]
    tok, is_char = token_lists(norm, cfg.shingle)
    return mh.shingle_hashes(tok, cfg.char_ngram if cfg.shingle == "char" else cfg.ngram)


def signatures_for(df: pl.DataFrame, cfg: NearDedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """``(signatures (n, num_perm) uint32, has_shingles (n,) bool)`` for ``df``."""
    sh, counts = shingles_for(df, cfg)
    sig_fn = mh.signatures if cfg.engine == "numpy" else mh.signatures_datasketch
    return sig_fn(sh, counts, cfg.num_perm, cfg.seed), counts > 0


@dataclass
class NearDupResult:
    """Output of ``near_duplicates``.

    Attributes:
        labels: ``(n,)`` component label per row (smallest row index of its cluster).
        candidates: number of candidate pairs from LSH (star edges, unique).
        verified: pairs kept after exact-Jaccard verification (== candidates without verify).
        bands, rows: LSH banding used.
        seconds: time per phase (``signatures``, ``cluster``, ``verify``).
        sketch: ``(n, num_perm)`` uint16, low 16 bits of each signature value (similarity estimates).
    """

    labels: np.ndarray
    candidates: int
    verified: int
    bands: int
    rows: int
    seconds: dict
    sketch: np.ndarray | None = None


def near_duplicates(df: pl.DataFrame, cfg: NearDedupConfig) -> NearDupResult:
    """Cluster ``df``'s rows by MinHash LSH on ``cfg.view``. Rows whose view is null or empty are
    never clustered. Raises ``ValueError`` for inconsistent bands/rows."""
    b, r = cfg.resolved_bands_rows()
    n = df.height
    t0 = time.perf_counter()
    bands = np.empty((n, b), dtype=np.uint64)
    sketch = np.empty((n, cfg.num_perm), dtype=np.uint16)
    valid = np.zeros(n, dtype=bool)
    for s in range(0, n, cfg.batch_size):
        part = df.slice(s, cfg.batch_size)
        sig, ok = signatures_for(part, cfg)
        bands[s: s + part.height] = mh.band_hashes(sig, b, r)
        sketch[s: s + part.height] = sig  # keeps the low 16 bits
        valid[s: s + part.height] = ok
        del sig
    t1 = time.perf_counter()
    u, v = band_edges(bands, valid)
    del bands
    candidates = len(u)
    t2 = time.perf_counter()
    if cfg.verify and candidates:
        u, v = verify_edges(df, cfg, u, v)
    t3 = time.perf_counter()
    labels = union_find(n, u, v)
    t4 = time.perf_counter()
    return NearDupResult(labels, candidates, len(u), b, r,
                         {"signatures": t1 - t0, "cluster": (t2 - t1) + (t4 - t3), "verify": t3 - t2}, sketch)


def _subset_sets(df: pl.DataFrame, cfg: NearDedupConfig, rows: np.ndarray):
    sub = df[rows]
    sh, counts = shingles_for(sub, cfg)
    return csr_sets(sh, counts)


def verify_edges(df: pl.DataFrame, cfg: NearDedupConfig, u: np.ndarray, v: np.ndarray):
    """Keep only candidate pairs whose exact shingle-set Jaccard ≥ ``cfg.threshold``."""
    rows = np.unique(np.concatenate([u, v]))
    ptr, val = _subset_sets(df, cfg, rows)
    j = exact_jaccard_edges(ptr, val, np.searchsorted(rows, u), np.searchsorted(rows, v))
    keep = j >= cfg.threshold
    return u[keep], v[keep]


def similarity_to_keeper(df: pl.DataFrame, cfg: NearDedupConfig, keeper: np.ndarray,
                         exact: bool, sketch: np.ndarray | None = None) -> np.ndarray:
    """``(n,)`` Jaccard of each clustered row to its keeper: exact (shingle sets) when ``exact``,
    else the MinHash estimate: from ``sketch`` (16-bit values, collision-corrected) when given,
    otherwise from signatures recomputed for the rows involved. Kept rows get 1.0."""
    n = df.height
    sim = np.ones(n, dtype=np.float64)
    rows = np.flatnonzero(keeper != np.arange(n))
    if len(rows) == 0:
        return sim
    if not exact and sketch is not None:
        c = 2.0 ** -16
        eq = np.empty(len(rows), dtype=np.float64)
        for s in range(0, len(rows), 65536):
            r = rows[s: s + 65536]
            eq[s: s + 65536] = (sketch[r] == sketch[keeper[r]]).mean(axis=1)
        sim[rows] = np.clip((eq - c) / (1 - c), 0.0, 1.0)
        return sim
    involved = np.unique(np.concatenate([rows, keeper[rows]]))
    a, bpos = np.searchsorted(involved, rows), np.searchsorted(involved, keeper[rows])
    if exact:
        ptr, val = _subset_sets(df, cfg, involved)
        sim[rows] = exact_jaccard_edges(ptr, val, a, bpos)
    else:
        sig = np.empty((len(involved), cfg.num_perm), dtype=np.uint32)
        for s in range(0, len(involved), cfg.batch_size):
            sig[s: s + cfg.batch_size] = signatures_for(df[involved[s: s + cfg.batch_size]], cfg)[0]
        sim[rows] = (sig[a] == sig[bpos]).mean(axis=1)
    return sim
