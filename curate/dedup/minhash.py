"""Shingling, MinHash signatures and LSH band hashes, vectorised with numpy.

Pipeline for a batch of normalised texts (``curate.dedup.text``):

1. **tokens** → 64-bit token hashes, computed over the UTF-8 bytes of all tokens at once
   (a polynomial hash mod 2^64 over the Arrow string buffer, then the MurmurHash3 64-bit
   finaliser). Stable across runs, machines and library versions (no Python ``hash``, no polars
   ``hash``, which is documented as unstable).
2. **shingles**: every run of ``ngram`` consecutive tokens of a document, combined into one 64-bit
   hash; a document with fewer than ``ngram`` (but at least one) tokens gets one shingle of all its
   tokens (text-dedup skips such documents; for SFT prompts they matter). The signature input is
   the low 32 bits of that hash (``shingle_hashes``).
3. **MinHash** in datasketch 2.0's ``affine32`` scheme: ``h' = fmix32(h)``, then for permutation k
   ``(a_k * h' + b_k) mod 2^32`` with odd ``a_k``, min over the document's shingles. The
   permutations are taken from ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` itself,
   so ``signatures`` equals ``datasketch.MinHash.bulk(shingle lists, hashfunc=identity)`` bit for
   bit (``signatures_datasketch``; tested in tests/test_dedup.py).
4. **LSH bands**: the first ``bands * rows`` signature values, ``rows`` per band, each band folded
   into one uint64 (``band_hashes``). Only these (n × bands × 8 bytes) are kept for clustering.

Speed (2-core shared dev machine, ``benchmarks/dedup_bench.py engines``): on the 9.8M bigram
shingles of all 82,320 conversations of /work/shared/data, numpy signatures took 1.9 s and
``MinHash.bulk`` 5.7 s (3.0×; bulk runs a Python-level hash call per shingle and one
``update_batch`` per document), with identical output; so numpy is the default ``engine``.
Shingling itself (normalise, tokenise, hash) costs more than either.

LSH parameters: ``optimal_bands_rows`` wraps datasketch's FP/FN-area optimiser
(``datasketch.lsh._optimal_param``, weights 0.5/0.5 as datasketch and Data-Juicer use);
``s_curve`` gives P(candidate | J) = 1 - (1 - J^r)^b.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

U64 = np.uint64
U32 = np.uint32
_P64 = U64(0x100000001B3)  # FNV-64 prime, odd
_C64 = U64(0x9E3779B97F4A7C15)
_MASK32 = U64(0xFFFFFFFF)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 64-bit finaliser (a bijection on uint64), element-wise; wraps mod 2^64."""
    h = h ^ (h >> U64(33))
    h = h * U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> U64(33))
    h = h * U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> U64(33))


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finaliser, identical to ``datasketch.minhash._fmix(h, 32)``."""
    h = h ^ (h >> U32(16))
    h = h * U32(0x85EBCA6B)
    h = h ^ (h >> U32(13))
    h = h * U32(0xC2B2AE35)
    return h ^ (h >> U32(16))


@lru_cache(maxsize=8)
def _powers(n: int) -> np.ndarray:
    p = np.full(n, _P64, dtype=U64)
    p[0] = U64(1)
    with np.errstate(over="ignore"):
        return np.cumprod(p, dtype=U64)


def token_hashes(flat: pl.Series) -> np.ndarray:
    """uint64 hash of every string in ``flat`` (no nulls, no empty strings), shape ``(len(flat),)``."""
    import pyarrow as pa

    if len(flat) == 0:
        return np.zeros(0, dtype=U64)
    arr = flat.to_arrow(compat_level=pl.CompatLevel.oldest())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    offsets = offsets - offsets[0]
    lens = np.diff(offsets)
    ends = np.repeat(offsets[1:], lens)  # per byte: end offset of its token
    pos_from_end = ends - 1 - np.arange(len(data), dtype=np.int64)
    del ends
    with np.errstate(over="ignore"):
        contrib = (data.astype(U64) + U64(1)) * _powers(int(lens.max()) + 1)[pos_from_end]
        del pos_from_end
        h = np.add.reduceat(contrib, offsets[:-1])
        return fmix64(h ^ (lens.astype(U64) * _C64))


def shingle_hashes(tokens: pl.Series, ngram: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of every document.

    Args:
        tokens: ``List(String)`` series, one token list per document (empty list = no shingles).
        ngram: tokens per shingle (≥ 1), one int or one per document (``auto`` shingling uses a
            different n for char rows).

    Returns:
        ``(sh, counts)``: ``sh`` uint32 shingle hashes of all documents, concatenated in document
        order, shape ``(S,)``; ``counts`` int64 shingles per document, shape ``(n,)``.
    """
    n = len(tokens)
    raw_lens = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = tokens.explode()  # an empty list explodes to one null
    valid = (flat.is_not_null() & (flat.str.len_bytes() > 0)).to_numpy()
    rows_per_doc = np.maximum(raw_lens, 1)
    if valid.all():
        lens = raw_lens
    else:
        lens = np.bincount(np.repeat(np.arange(n), rows_per_doc)[valid], minlength=n).astype(np.int64)
        flat = flat.filter(pl.Series(valid))
    t = token_hashes(flat)
    k = np.broadcast_to(np.asarray(ngram, dtype=np.int64), (n,))
    m = np.where(lens >= k, lens - k + 1, np.minimum(lens, 1))
    S = int(m.sum())
    if S == 0:
        return np.zeros(0, dtype=U32), m
    doc_start = np.cumsum(lens) - lens
    sh_start = np.cumsum(m) - m
    idx = np.repeat(doc_start, m) + (np.arange(S, dtype=np.int64) - np.repeat(sh_start, m))
    kmax = int(k.max())
    T = len(t)
    tp = np.concatenate([t, np.zeros(kmax, dtype=U64)])
    with np.errstate(over="ignore"):
        if (k == kmax).all():
            # rolling hash at every token position with contiguous slices, then pick the starts
            h = np.full(T, _C64, dtype=U64)
            for j in range(kmax):
                h ^= tp[j: T + j]
                h *= _P64
            h = h[idx]
            short = np.flatnonzero(np.repeat(lens < k, m))
        else:
            h = np.zeros(S, dtype=U64)
            short = np.arange(S)
        if len(short):
            # documents shorter than n (or mixed n): combine only the tokens inside the document
            span = np.repeat(np.minimum(lens, k), m)[short]
            hs = np.full(len(short), _C64, dtype=U64)
            for j in range(kmax):
                hs = np.where(j < span, (hs ^ tp[idx[short] + j]) * _P64, hs)
            h[short] = hs
        h = fmix64(h)
    return (h & _MASK32).astype(U32), m


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` uint32 arrays of shape ``(num_perm,)``: datasketch's affine32 permutations."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(U32), b.astype(U32)


def signatures(sh: np.ndarray, counts: np.ndarray, num_perm: int, seed: int = 1,
               max_cells: int = 1 << 18) -> np.ndarray:
    """MinHash signatures (affine32), shape ``(n, num_perm)`` uint32; a document without shingles
    gets all ``0xFFFFFFFF`` (datasketch's empty sketch).

    Works on cache-sized blocks of ``(num_perm, ~max_cells / num_perm shingles)`` (1 MiB by
    default), permutations on the rows, so ``np.minimum.reduceat`` runs over contiguous memory;
    this layout measured ~6× faster than a ``(shingles, perms)`` block of 32 MiB."""
    a, b = permutations(num_perm, seed)
    n = len(counts)
    out = np.full((n, num_perm), U32(0xFFFFFFFF), dtype=U32)
    if len(sh) == 0:
        return out
    hv = fmix32(sh)
    ends = np.cumsum(counts)
    starts = ends - counts
    step = max(1, max_cells // num_perm)
    a2, b2 = a[:, None], b[:, None]
    i = 0
    while i < n:
        # grow the group of documents until it holds ~step shingles (at least one document)
        j = min(n, max(i + 1, int(np.searchsorted(ends, starts[i] + step, side="right"))))
        s0, s1 = int(starts[i]), int(ends[j - 1])
        if s1 > s0:
            block = a2 * hv[None, s0:s1] + b2
            docs = np.flatnonzero(counts[i:j] > 0)
            out[i + docs] = np.minimum.reduceat(block, starts[i + docs] - s0, axis=1).T
        i = j
    return out


def signatures_datasketch(sh: np.ndarray, counts: np.ndarray, num_perm: int, seed: int = 1) -> np.ndarray:
    """Same as ``signatures`` through ``datasketch.MinHash.bulk`` (scheme affine32, identity
    hashfunc over the shingle hashes). Slower; kept for the equality test and the benchmark."""
    from datasketch import MinHash

    splits = np.split(sh, np.cumsum(counts)[:-1])
    mhs = MinHash.bulk([s.tolist() for s in splits], num_perm=num_perm, seed=seed,
                       scheme="affine32", hashfunc=_identity)
    return np.stack([m.hashvalues for m in mhs]).astype(U32) if mhs else np.zeros((0, num_perm), U32)


def _identity(x):
    return x


def band_hashes(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Fold each band of ``rows`` signature values into one uint64: shape ``(n, bands)``.

    Raises ``ValueError`` if ``bands * rows`` exceeds the signature length."""
    n, p = sig.shape
    if bands * rows > p:
        raise ValueError(f"bands*rows = {bands * rows} > num_perm = {p}")
    out = np.empty((n, bands), dtype=U64)
    with np.errstate(over="ignore"):
        for k in range(bands):
            h = np.full(n, U64(k + 1) * _C64, dtype=U64)
            for j in range(rows):
                h = (h ^ sig[:, k * rows + j].astype(U64)) * _P64
            out[:, k] = fmix64(h)
    return out


def optimal_bands_rows(threshold: float, num_perm: int, fp_weight: float = 0.5,
                       fn_weight: float = 0.5) -> tuple[int, int]:
    """``(bands, rows)`` minimising ``fp_weight * FP area + fn_weight * FN area`` of the S-curve
    around ``threshold`` (datasketch's ``lsh._optimal_param``, also used by Data-Juicer and
    text-dedup). E.g. 0.7 with 256 perms → (25, 10); 0.8 with 128 → (9, 13)."""
    from datasketch.lsh import _optimal_param

    return tuple(int(x) for x in _optimal_param(threshold, num_perm, fp_weight, fn_weight))


def s_curve(bands: int, rows: int, js=None) -> list[tuple[float, float]]:
    """``[(J, P(candidate | J))]`` with P = 1 - (1 - J^rows)^bands, for J in ``js``
    (default 0.1, 0.2, ..., 1.0 plus 0.75 and 0.85)."""
    if js is None:
        js = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0]
    return [(float(j), float(1.0 - (1.0 - j ** rows) ** bands)) for j in js]


def s_curve_midpoint(bands: int, rows: int) -> float:
    """J where the S-curve is steepest, approximately (1/bands)^(1/rows)."""
    return float((1.0 / bands) ** (1.0 / rows))
