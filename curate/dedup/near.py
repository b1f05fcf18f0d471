"""The near-duplicate engine behind the ``near_dedup`` stage: streamed MinHash → LSH → union-find
→ (by default) greedy star clustering around keepers.

Cluster rule (``cluster``, default ``keeper``). LSH candidate pairs, optionally verified, are joined
into connected components (union-find, as text-dedup and datatrove do). Components chain on
templated data (A~B, B~C, ... while A and C are far apart), so dropping a whole component drops rows
that are not similar to the row kept: 7,642 of the 7,673 GPTeacher toolformer rows on the
``conversation`` view. Under ``keeper`` a row is dropped only if its similarity **to the row kept
for it** is ≥ ``threshold``: in each component the keeper-rule winner is kept, members within the
threshold of it are dropped, the others are re-clustered among themselves the same way
(``curate.dedup.cluster.star_clusters``): the "keep one representative, drop members within the
threshold of it" policy of SemDeDup (NeMo Curator) and DEITA's greedy Repr Filter, restricted to
the members of a component. ``component`` keeps the connected-components behaviour. Similarity is
the MinHash estimate from the 16-bit sketch below, or the exact shingle-set Jaccard under
``verify``. Cost: one vectorised round per kept row of the largest component (706 rounds,
0.2 s for the 7,642-row toolformer component; 2,050 rounds, ~10 s for the 104,547-row component
of the 1M benchmark), rows with identical sketches (or shingle sets) riding with one
representative.

Memory: rows are processed in batches of ``batch_size``; per batch the normalised text, tokens,
shingles and signatures exist only transiently. What survives is what LSH needs, the band hashes
(``n × bands × 8`` bytes: 200 MB for 1M rows at 25 bands), plus a 16-bit "b-bit MinHash" sketch
(the low 16 bits of every signature value, ``n × num_perm × 2`` bytes: 256 MB at 1M × 128) from
which the ``similarity`` column is estimated without a second signature pass (Li & König 2010:
P(equal low bits) = J + (1 - J)·2^-16, corrected in ``similarity_to_keeper``). Shingle sets are
recomputed only for rows in candidate pairs, and only for ``verify``, in batches of ``batch_size``
rows. Measured: 1M conversations at 2.6 GB peak RSS including the 0.8 GB input frame, 3.2 GB
with ``verify`` (benchmarks/dedup_bench.py; all shingle sets at once had peaked at ~20 GB).

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
from curate.dedup.cluster import (band_edges, csr_sets, exact_jaccard_edges, star_clusters,
                                  union_find)
from curate.dedup.text import normalized_view, token_lists
from curate.progress import task


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
        cluster: ``keeper`` (default: a row is dropped only if its similarity to its kept row is
            ≥ ``threshold``; greedy star clustering inside each component) or ``component``
            (every member of a connected component is a duplicate of its keeper).
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
    cluster: str = "keeper"

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
        sets: under ``verify``, ``(rows, ptr, val)``: the sorted row indices of every candidate
            pair and their shingle sets as CSR (``csr_sets``), reused for exact similarities.
    """

    labels: np.ndarray
    candidates: int
    verified: int
    bands: int
    rows: int
    seconds: dict
    sketch: np.ndarray | None = None
    sets: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass
class NearSignatures:
    """The row-local part of near-dup (``near_signatures``): what LSH and the keeper rule need.

    Attributes:
        bands: ``(n, bands)`` uint64 LSH band keys (``minhash.band_hashes``).
        sketch: ``(n, num_perm)`` uint16, the low 16 bits of every signature value.
        valid: ``(n,)`` bool, the row has at least one shingle (others are never clustered).
        seconds: wall seconds spent computing them.
    """

    bands: np.ndarray
    sketch: np.ndarray
    valid: np.ndarray
    seconds: float = 0.0


def near_signatures(df: pl.DataFrame, cfg: NearDedupConfig) -> NearSignatures:
    """MinHash signatures of ``df``'s rows, folded into LSH band keys and a 16-bit sketch, in
    batches of ``cfg.batch_size`` rows (the costly, row-local part: each row's output depends only
    on its own view text, ``cfg`` and the seed, so any contiguous blocks give the same arrays).
    Raises ``ValueError`` for inconsistent bands/rows."""
    b, r = cfg.resolved_bands_rows()
    n = df.height
    t0 = time.perf_counter()
    bands = np.empty((n, b), dtype=np.uint64)
    sketch = np.empty((n, cfg.num_perm), dtype=np.uint16)
    valid = np.zeros(n, dtype=bool)
    with task("near-dup: MinHash signatures", total=n) as bar:
        for s in range(0, n, cfg.batch_size):
            part = df.slice(s, cfg.batch_size)
            sig, ok = signatures_for(part, cfg)
            bands[s: s + part.height] = mh.band_hashes(sig, b, r)
            sketch[s: s + part.height] = sig  # keeps the low 16 bits
            valid[s: s + part.height] = ok
            del sig
            bar.advance(part.height)
    return NearSignatures(bands, sketch, valid, time.perf_counter() - t0)


def near_duplicates(df: pl.DataFrame, cfg: NearDedupConfig, sig: NearSignatures | None = None) -> NearDupResult:
    """Cluster ``df``'s rows by MinHash LSH on ``cfg.view``. Rows whose view is null or empty are
    never clustered. ``sig``: precomputed ``near_signatures(df, cfg)`` (e.g. by an engine's map
    phase); None computes them here. This global part buckets rows by band key, joins candidate
    pairs (optionally verified on exact shingle sets, recomputed for candidate rows only) with
    union-find. Raises ``ValueError`` for inconsistent bands/rows or when ``sig``'s shapes do not
    match ``df`` and ``cfg``."""
    b, r = cfg.resolved_bands_rows()
    n = df.height
    own = sig is None
    if sig is None:
        sig = near_signatures(df, cfg)
    elif sig.bands.shape != (n, b) or sig.sketch.shape != (n, cfg.num_perm) or sig.valid.shape != (n,):
        raise ValueError(f"near-dup signatures have shapes bands {sig.bands.shape}, sketch {sig.sketch.shape}, "
                         f"valid {sig.valid.shape}; expected ({n}, {b}), ({n}, {cfg.num_perm}), ({n},)")
    t1 = time.perf_counter()
    u, v = band_edges(sig.bands, sig.valid)
    if own:
        sig.bands = None  # free the band keys before verification and clustering
    candidates = len(u)
    t2 = time.perf_counter()
    sets = None
    if cfg.verify and candidates:
        rows = np.unique(np.concatenate([u, v]))
        sets = (rows, *_subset_sets(df, cfg, rows))
        u, v = verify_edges(df, cfg, u, v, sets)
    t3 = time.perf_counter()
    labels = union_find(n, u, v)
    t4 = time.perf_counter()
    return NearDupResult(labels, candidates, len(u), b, r,
                         {"signatures": sig.seconds, "cluster": (t2 - t1) + (t4 - t3), "verify": t3 - t2},
                         sig.sketch, sets)


def _subset_sets(df: pl.DataFrame, cfg: NearDedupConfig, rows: np.ndarray):
    """Shingle sets of ``df[rows]`` as CSR ``(ptr, val)``, shingled in batches of ``batch_size``
    rows (one pass over all rows at once peaked at ~20 GB RSS on the 1M benchmark with verify)."""
    ptrs, vals, off = [np.zeros(1, dtype=np.int64)], [], 0
    with task("near-dup: shingle sets", total=len(rows)) as bar:
        for s in range(0, len(rows), cfg.batch_size):
            ptr, val = csr_sets(*shingles_for(df[rows[s: s + cfg.batch_size]], cfg))
            ptrs.append(ptr[1:] + off)
            vals.append(val)
            off += len(val)
            bar.advance(min(cfg.batch_size, len(rows) - s))
    return np.concatenate(ptrs), (np.concatenate(vals) if vals else np.zeros(0, dtype=np.uint32))


def verify_edges(df: pl.DataFrame, cfg: NearDedupConfig, u: np.ndarray, v: np.ndarray, sets=None):
    """Keep only candidate pairs whose exact shingle-set Jaccard ≥ ``cfg.threshold``. ``sets``:
    ``(rows, ptr, val)`` covering every row of ``u`` and ``v`` (computed when None)."""
    if sets is None:
        rows = np.unique(np.concatenate([u, v]))
        ptr, val = _subset_sets(df, cfg, rows)
    else:
        rows, ptr, val = sets
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
        sim[rows] = sketch_jaccard(sketch, rows, keeper[rows])
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


def sketch_jaccard(sketch: np.ndarray, a: np.ndarray, b: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """``(len(a),)`` MinHash Jaccard estimate of rows ``a[i]`` and ``b[i]`` from the 16-bit sketch:
    the share of equal values, corrected for chance 16-bit collisions (Li & König 2010). Works in
    cache-sized chunks with integer counts (measured ~3× faster than one ``.mean`` over 50k rows)."""
    c = 2.0 ** -16
    eq = np.empty(len(a), dtype=np.int64)
    for s in range(0, len(a), chunk):
        eq[s: s + chunk] = np.count_nonzero(sketch[a[s: s + chunk]] == sketch[b[s: s + chunk]], axis=1)
    return np.clip((eq / sketch.shape[1] - c) / (1 - c), 0.0, 1.0)


def sketch_keys(sketch: np.ndarray, rows: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``(n,)`` uint64 hash of each row's whole sketch for ``rows`` (0 elsewhere): equal sketches,
    equal keys (a 64-bit collision between different sketches has probability ~n²/2^65)."""
    from curate.dedup.minhash import fmix64

    keys = np.zeros(len(sketch), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for s in range(0, len(rows), chunk):
            r = rows[s: s + chunk]
            w = np.ascontiguousarray(sketch[r]).view(np.uint8)
            pad = (-w.shape[1]) % 8
            if pad:
                w = np.concatenate([w, np.zeros((len(r), pad), np.uint8)], axis=1)
            w = w.view(np.uint64)
            h = np.full(len(r), np.uint64(0x9E3779B97F4A7C15), dtype=np.uint64)
            for j in range(w.shape[1]):
                h = fmix64(h ^ w[:, j]) * np.uint64(0x100000001B3)
            keys[r] = h
    return keys


def set_keys(ptr: np.ndarray, val: np.ndarray) -> np.ndarray:
    """``(len(ptr) - 1,)`` uint64 hash of each CSR row's shingle set (sum of mixed elements, mixed
    with the set size): equal sets, equal keys."""
    from curate.dedup.minhash import fmix64

    n = len(ptr) - 1
    lens = np.diff(ptr)
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        mixed = fmix64(val.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15))
        nz = np.flatnonzero(lens > 0)
        if len(nz):
            out[nz] = np.add.reduceat(mixed, ptr[nz])
        return fmix64(out ^ (lens.astype(np.uint64) * np.uint64(0x100000001B3)))


@dataclass
class NearClusters:
    """Which row each row is kept for, under ``cfg.cluster`` (output of ``cluster_keepers``).

    Attributes:
        labels: ``(n,)`` int64 cluster label: the keeper's row index (``keeper``) or the component
            label (``component``).
        keeper: ``(n,)`` int64 index of the kept row of each row (itself when kept).
        similarity: ``(n,)`` float64 similarity of each row to its keeper (1.0 for kept rows).
        counters: ``components`` (components of ≥ 2 rows), ``largest_component``, and under
            ``keeper`` ``star_rounds`` and ``kept_by_recluster`` (rows a component would drop that
            are kept because they are not within the threshold of a kept row).
    """

    labels: np.ndarray
    keeper: np.ndarray
    similarity: np.ndarray
    counters: dict


def cluster_keepers(df: pl.DataFrame, cfg: NearDedupConfig, res: NearDupResult,
                    rank: np.ndarray) -> NearClusters:
    """Apply ``cfg.cluster`` to ``near_duplicates``'s components (see the module docstring).

    ``rank``: ``(n,)`` keeper rank (``curate.dedup.keeper.keeper_rank``). Under ``keeper`` the
    similarity is the sketch estimate, or with ``verify`` the exact Jaccard; exact values are
    computed only for pairs whose estimate is within 3/√num_perm (six standard deviations of the
    estimate at J = 0.5) below the threshold; pairs further below count as below it.
    Raises ``ValueError`` for an unknown ``cfg.cluster``."""
    from curate.dedup.keeper import keepers

    n = df.height
    size = np.bincount(res.labels, minlength=n) if n else np.zeros(0, np.int64)
    comp = size[res.labels] > 1 if n else np.zeros(0, bool)
    counters = {"components": int((size > 1).sum()), "largest_component": int(size.max()) if n else 0}
    if cfg.cluster == "component":
        keep = keepers(res.labels, rank)
        sim = similarity_to_keeper(df, cfg, keep, exact=cfg.verify, sketch=res.sketch)
        return NearClusters(res.labels, keep, sim, counters)
    if cfg.cluster != "keeper":
        raise ValueError(f"cluster must be 'keeper' or 'component', not {cfg.cluster!r}")
    sketch = res.sketch
    if sketch is None:  # pragma: no cover - near_duplicates always keeps it
        raise ValueError("cluster: keeper needs the signature sketch")
    if cfg.verify and res.sets is not None:
        rows_, ptr, val = res.sets
        margin = 3.0 / np.sqrt(cfg.num_perm)

        def similarity(a, b):
            est = sketch_jaccard(sketch, a, b)
            out = np.zeros(len(a), dtype=np.float64)
            near = np.flatnonzero(est >= cfg.threshold - margin)
            if len(near):
                out[near] = exact_jaccard_edges(ptr, val, np.searchsorted(rows_, a[near]),
                                                np.searchsorted(rows_, b[near]))
            return out
        same = sketch_keys(sketch, np.flatnonzero(comp))
        same[rows_] ^= set_keys(ptr, val)  # equal shingle sets, not just equal sketches
    else:
        def similarity(a, b):
            return sketch_jaccard(sketch, a, b)
        same = sketch_keys(sketch, np.flatnonzero(comp))  # repeated rows ride with one representative
    keep, sim, rounds = star_clusters(res.labels, rank, cfg.threshold, similarity, same)
    kept = keep == np.arange(n)
    counters.update(star_rounds=rounds,
                    kept_by_recluster=int((kept & comp).sum()) - counters["components"])
    return NearClusters(keep, keep, sim, counters)
