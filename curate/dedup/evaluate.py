"""Planted-duplicate evaluation: plant labelled near-duplicates into the user's own rows, run a
dedup configuration, and score precision / recall / F1 over pairs.

Why: none of the anchors lets a user measure dedup quality on their own data
(research/curation-anchors.md §6 gap 5); text-dedup's CORE/NEWS-COPY sets live on the HF hub.

Construction (``plant``), deterministic for a seed:

1. draw ``n_base`` rows whose normalised view has ≥ ``min_tokens`` tokens, after removing rows
   that already look alike (a permissive MinHash pass: word 2-grams / char 3-grams, Jaccard ≥ 0.3,
   exact verification), so that unlabelled duplicates already in the data do not count as false
   positives;
2. give each base one variant, by a kind drawn from ``KINDS`` (weights below). The *level* is the
   designed share of words left untouched; the label says whether the pair is a duplicate:

   ==================  ======  =====  =====================================================
   kind                level   label  edit
   ==================  ======  =====  =====================================================
   ``format``          1.00    dup    whitespace, letter case and punctuation edits only
   ``reorder``         1.00    dup    two user/assistant exchanges swapped (multi-turn rows;
                                      single-exchange rows get ``format`` edits instead)
   ``edit_98``         0.98    dup    2 % of words inserted / deleted / swapped / substituted
   ``edit_95``         0.95    dup    5 % word edits
   ``edit_90``         0.90    dup    10 % word edits
   ``truncate_90``     0.90    dup    last assistant turn cut to its first 90 % of words
   ``truncate_75``     0.75    dup    ... to 75 %
   ``edit_50``         0.50    non    50 % word edits (a heavy rewrite sharing a template)
   ``edit_30``         0.30    non    70 % word edits
   ==================  ======  =====  =====================================================

   Every text gets at least one edit per turn for the ``edit_*`` kinds. Inserted and substituted
   words come from the pooled vocabulary of the base rows.
3. score (``score``): a pair is predicted duplicate when both rows end up in one cluster (under
   ``cluster: keeper``, one keeper's star; under ``component``, one connected component). Positives
   are the ``dup`` pairs; negatives are the ``non`` pairs **and every pair of rows from two
   different bases** that a method puts in one cluster. Precision = TP / (TP + FP), recall =
   TP / (TP + FN), F1 their harmonic mean (the duplicate-class figures of text-dedup's table).

The measured exact Jaccard of every planted pair under the evaluated shingling is reported per
kind next to the S-curve P(candidate | J), so a user sees where each kind falls on the curve.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from curate.dedup.cluster import csr_sets, exact_jaccard_edges
from curate.dedup.minhash import s_curve
from curate.dedup.near import NearDedupConfig, cluster_keepers, near_duplicates, shingles_for
from curate.dedup.text import normalized_view
from curate.schema import make_frame

#: kind → (level, is_duplicate, weight)
KINDS: dict[str, tuple[float, bool, float]] = {
    "format": (1.0, True, 1.0),
    "reorder": (1.0, True, 0.5),
    "edit_98": (0.98, True, 1.0),
    "edit_95": (0.95, True, 1.0),
    "edit_90": (0.90, True, 1.0),
    "truncate_90": (0.90, True, 0.75),
    "truncate_75": (0.75, True, 0.75),
    "edit_50": (0.50, False, 1.0),
    "edit_30": (0.30, False, 1.0),
}

_PUNCT = [",", ".", "!", "?", ";", ":", "-"]


@dataclass
class PlantedSet:
    """A planted evaluation set.

    Attributes:
        frame: canonical frame of bases and variants (``n_base * 2`` rows); variant ids are
            ``<base id>~<kind>``.
        group: ``(rows,)`` int64, the base index each row belongs to.
        pairs: one row per planted pair: ``base`` and ``variant`` (row positions in ``frame``),
            ``kind``, ``level``, ``label`` (True = duplicate).
    """

    frame: pl.DataFrame
    group: np.ndarray
    pairs: pl.DataFrame


@dataclass
class Scores:
    """Pairwise scores of one method on a ``PlantedSet`` (see the module docstring)."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    fp_cross: int
    per_kind: pl.DataFrame = field(repr=False)

    def line(self) -> str:
        return (f"precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}  "
                f"(TP {self.tp}, FP {self.fp} of which cross-base {self.fp_cross}, FN {self.fn})")


# ---------------------------------------------------------------- edits

def _format_edit(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < 0.15:
            w = w.upper() if rng.random() < 0.5 else w.capitalize()
        elif r < 0.25:
            w = w + rng.choice(_PUNCT)
        elif r < 0.30:
            w = w.rstrip(".,!?;:")
        out.append(w)
        if rng.random() < 0.1:
            out.append("")  # a double space
    return " ".join(out) + rng.choice(["", " ", "\n", "  "])


def _word_edit(text: str, rate: float, vocab: list[str], rng: random.Random) -> str:
    words = text.split()
    if not words:
        return text
    ops = max(1, round(rate * len(words)))
    for _ in range(ops):
        op = rng.randrange(4)
        i = rng.randrange(len(words)) if words else 0
        if op == 0 and len(words) > 1:
            del words[i]
        elif op == 1:
            words.insert(i, rng.choice(vocab))
        elif op == 2 and len(words) > 1:
            j = min(i + 1, len(words) - 1) if i + 1 < len(words) else i - 1
            words[i], words[j] = words[j], words[i]
        else:
            words[i] = rng.choice(vocab)
    return " ".join(words)


def _is_cjk(text: str) -> bool:
    head = re.sub(r"\s", "", text[:256])
    return bool(head) and sum(1 for ch in head if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff") > len(head) / 2


def _cjk_edit(text: str, rate: float, vocab: list[str], rng: random.Random) -> str:
    chars = list(text)
    ops = max(1, round(rate * len(chars)))
    for _ in range(ops):
        i = rng.randrange(len(chars)) if chars else 0
        op = rng.randrange(3)
        if op == 0 and len(chars) > 1:
            del chars[i]
        elif op == 1:
            chars.insert(i, rng.choice(vocab)[:1] or "的")
        else:
            chars[i] = rng.choice(vocab)[:1] or "的"
    return "".join(chars)


def make_variant(messages: list[dict], kind: str, vocab: list[str], cjk_vocab: list[str],
                 rng: random.Random) -> list[dict]:
    """A planted variant of ``messages`` (list of ``{role, content}``) for ``kind`` (see KINDS).
    Raises ``KeyError`` for an unknown kind."""
    level, _, _ = KINDS[kind]
    msgs = [dict(m) for m in messages]
    if kind == "reorder":
        ex = []
        i = 0
        head = [m for m in msgs if m["role"] == "system"]
        body = [m for m in msgs if m["role"] != "system"]
        while i < len(body):
            j = i + 1
            while j < len(body) and body[j]["role"] != "user":
                j += 1
            ex.append(body[i:j])
            i = j
        if len(ex) >= 2:
            a, b = sorted(rng.sample(range(len(ex)), 2))
            ex[a], ex[b] = ex[b], ex[a]
            return head + [m for e in ex for m in e]
        kind = "format"
    if kind == "format":
        return [{"role": m["role"], "content": _format_edit(m["content"], rng)} for m in msgs]
    if kind.startswith("truncate"):
        for m in reversed(msgs):
            if m["role"] == "assistant" and m["content"]:
                if _is_cjk(m["content"]):
                    m["content"] = m["content"][: max(1, int(len(m["content"]) * level))]
                else:
                    w = m["content"].split()
                    m["content"] = " ".join(w[: max(1, int(len(w) * level))])
                break
        return msgs
    rate = 1.0 - level
    out = []
    for m in msgs:
        c = m["content"] or ""
        c = _cjk_edit(c, rate, cjk_vocab, rng) if _is_cjk(c) else _word_edit(c, rate, vocab, rng)
        out.append({"role": m["role"], "content": c})
    return out


# ---------------------------------------------------------------- planting

def _clean_bases(df: pl.DataFrame, view: str) -> pl.DataFrame:
    """Drop rows that already look alike (permissive MinHash + exact verification)."""
    cfg = NearDedupConfig(view=view, num_perm=128, ngram=2, char_ngram=3, shingle="auto",
                          threshold=0.3, verify=True)
    labels = near_duplicates(df, cfg).labels
    return df.filter(pl.Series(labels == np.arange(df.height)))


def plant(df: pl.DataFrame, n_base: int = 1000, seed: int = 0, view: str = "conversation",
          min_tokens: int = 8, kinds: dict[str, tuple[float, bool, float]] | None = None) -> PlantedSet:
    """Build a ``PlantedSet`` from ``df``'s rows (see the module docstring). Raises ``ValueError``
    when fewer than 10 usable rows remain."""
    kinds = kinds or KINDS
    rng = random.Random(seed)
    base = df.select("id", "source", "messages", "meta")
    ntok = base.select(normalized_view(view).str.split(" ").list.len().fill_null(0).alias("n"))["n"]
    base = base.filter(ntok >= min_tokens)
    base = base.sample(n=min(base.height, n_base * 3), seed=seed, shuffle=True) if base.height else base
    base = _clean_bases(base, view).head(n_base)
    if base.height < 10:
        raise ValueError(f"only {base.height} usable rows to plant duplicates into (need ≥ 10)")
    rows = base.to_dicts()
    vocab, cjk_vocab = [], []
    for r in rows[:500]:
        for m in r["messages"]:
            c = m["content"] or ""
            (cjk_vocab.extend(ch for ch in c[:200] if "\u4e00" <= ch <= "\u9fff") if _is_cjk(c)
             else vocab.extend(c.split()[:100]))
    vocab = vocab or ["the"]
    cjk_vocab = cjk_vocab or ["的"]
    names = list(kinds)
    weights = [kinds[k][2] for k in names]
    variants, pair_rows = [], []
    nb = len(rows)
    for i, r in enumerate(rows):
        kind = rng.choices(names, weights)[0]
        msgs = make_variant(r["messages"], kind, vocab, cjk_vocab, random.Random(f"{seed}:{i}"))
        variants.append({"id": f"{r['id']}~{kind}", "source": r["source"], "messages": msgs, "meta": r["meta"]})
        pair_rows.append({"base": i, "variant": nb + i, "kind": kind, "level": kinds[kind][0],
                          "label": kinds[kind][1]})
    frame = make_frame(rows + variants)
    group = np.concatenate([np.arange(nb), np.arange(nb)]).astype(np.int64)
    return PlantedSet(frame, group, pl.DataFrame(pair_rows))


# ---------------------------------------------------------------- scoring

def score(ps: PlantedSet, labels: np.ndarray) -> Scores:
    """Score cluster ``labels`` (``(rows,)``, equal = same cluster) against ``ps``."""
    labels = np.asarray(labels)
    b = ps.pairs["base"].to_numpy()
    v = ps.pairs["variant"].to_numpy()
    lab = ps.pairs["label"].to_numpy()
    same = labels[b] == labels[v]
    tp = int((same & lab).sum())
    fn = int((~same & lab).sum())
    fp_within = int((same & ~lab).sum())
    # pairs of rows from different bases sharing a cluster
    _, cl = np.unique(labels, return_inverse=True)
    c_sizes = np.bincount(cl)
    total_pairs = int((c_sizes * (c_sizes - 1) // 2).sum())
    key = cl.astype(np.int64) * (int(ps.group.max()) + 1) + ps.group
    _, cg = np.unique(key, return_counts=True)
    within = int((cg * (cg - 1) // 2).sum())
    fp_cross = total_pairs - within
    fp = fp_within + fp_cross
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    per_kind = (ps.pairs.with_columns(predicted=pl.Series(same))
                .group_by("kind", maintain_order=True)
                .agg(pl.first("level"), pl.first("label"), pl.len().alias("pairs"),
                     pl.mean("predicted").alias("predicted_dup"))
                .sort(["level", "kind"], descending=[True, False]))
    return Scores(p, r, f1, tp, fp, fn, fp_cross, per_kind)


def pair_jaccard(ps: PlantedSet, cfg: NearDedupConfig) -> np.ndarray:
    """Exact Jaccard of every planted pair under ``cfg``'s view and shingling, ``(pairs,)``."""
    sh, counts = shingles_for(ps.frame, cfg)
    ptr, val = csr_sets(sh, counts)
    return exact_jaccard_edges(ptr, val, ps.pairs["base"].to_numpy(), ps.pairs["variant"].to_numpy())


@dataclass
class EvalReport:
    """Everything ``evaluate_near`` measured."""

    scores: Scores
    bands: int
    rows: int
    curve: list[tuple[float, float]]
    per_kind: pl.DataFrame
    seconds: float


def evaluate_near(ps: PlantedSet, cfg: NearDedupConfig) -> EvalReport:
    """Run ``near_duplicates`` and ``cfg.cluster``'s rule (keeper rank with no source priority) on
    ``ps`` and score the clusters; per kind also the mean measured Jaccard and the S-curve
    probability at that Jaccard."""
    import time

    from curate.dedup.keeper import keeper_rank

    t0 = time.perf_counter()
    res = near_duplicates(ps.frame, cfg)
    cl = cluster_keepers(ps.frame, cfg, res, keeper_rank(ps.frame))
    secs = time.perf_counter() - t0
    sc = score(ps, cl.labels)
    j = pair_jaccard(ps, cfg)
    b, r = res.bands, res.rows
    pk = (ps.pairs.with_columns(jaccard=pl.Series(j))
          .group_by("kind", maintain_order=True).agg(pl.mean("jaccard").alias("mean_jaccard"),
                                                     pl.min("jaccard").alias("min_jaccard")))
    pk = sc.per_kind.join(pk, on="kind").with_columns(
        p_candidate_at_mean=1 - (1 - pl.col("mean_jaccard") ** r) ** b).sort(
        ["level", "kind"], descending=[True, False])
    return EvalReport(sc, b, r, s_curve(b, r), pk, secs)
