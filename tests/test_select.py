"""diversity_select and curate.select: selector invariants, scores, k-means, the stage and its report.

Fast and offline: selectors get injected unit vectors; one test embeds the 32 short fixture texts
with the offline MiniLM package.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from curate.schema import make_frame
from curate.select import clustering as km
from curate.select import scores as sc
from curate.select import selectors as sel
from curate.stage import Context
from curate.stages.diversity_select import DiversitySelect

METHODS = sel.METHODS


def unit(rng: np.random.Generator, n: int, d: int = 16) -> np.ndarray:
    X = rng.normal(size=(n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def blobs(k: int = 4, per: int = 10, d: int = 16, spread: float = 0.05, seed: int = 0):
    """k well-separated clusters of unit vectors; returns (X, true_labels)."""
    rng = np.random.default_rng(seed)
    centres = np.eye(d, dtype=np.float32)[:k]
    X = np.repeat(centres, per, axis=0) + rng.normal(0, spread, (k * per, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), np.repeat(np.arange(k), per)


def run_method(method, X, budget, seed=0, score=None, labels=None, resp=None, max_cosine=0.9):
    n = X.shape[0]
    score = np.linspace(1, 0, n) if score is None else score
    if method == "repr_filter":
        return sel.select_repr_filter(X, score, budget, seed, max_cosine)
    if method == "kcenter":
        return sel.select_kcenter(X, score, budget, seed)
    if method == "cluster_balanced":
        labels = km.kmeans(X, 4, seed=seed)[0] if labels is None else labels
        return sel.select_cluster_balanced(labels, score, budget, seed)
    if method == "longest":
        return sel.select_longest(np.arange(n) if resp is None else resp, budget, seed)
    return sel.select_random(n, budget, seed)


def check_accounting(s: sel.Selection, n: int):
    assert len(set(s.chosen.tolist())) == len(s.chosen)
    assert all(s.reason[i] is None for i in s.chosen)
    rest = np.setdiff1d(np.arange(n), s.chosen)
    assert all(s.reason[i] in (sel.NOT_SELECTED, sel.TOO_SIMILAR) for i in rest)


# ---------------------------------------------------------------- selector invariants

@pytest.mark.parametrize("method", METHODS)
def test_row_budget_respected(method):
    X = unit(np.random.default_rng(1), 60)
    s = run_method(method, X, sel.Budget(rows=12))
    assert len(s.chosen) == 12
    check_accounting(s, 60)


@pytest.mark.parametrize("method", METHODS)
def test_token_budget_respected(method):
    rng = np.random.default_rng(2)
    X = unit(rng, 60)
    tokens = rng.integers(10, 200, 60)
    s = run_method(method, X, sel.Budget(tokens=1000, token_counts=tokens))
    assert 0 < tokens[s.chosen].sum() <= 1000
    # greedy with skipping fills the budget: nothing left out fits in what remains
    left = 1000 - tokens[s.chosen].sum()
    assert all(tokens[i] > left or s.reason[i] == sel.TOO_SIMILAR for i in np.setdiff1d(np.arange(60), s.chosen))
    check_accounting(s, 60)


@pytest.mark.parametrize("method", METHODS)
def test_rows_and_tokens_both_bind(method):
    rng = np.random.default_rng(3)
    X = unit(rng, 40)
    tokens = np.full(40, 100)
    s = run_method(method, X, sel.Budget(rows=30, tokens=500, token_counts=tokens))
    assert len(s.chosen) == 5


@pytest.mark.parametrize("method", METHODS)
def test_deterministic_for_a_seed(method):
    X = unit(np.random.default_rng(4), 50)
    a = run_method(method, X, sel.Budget(rows=10), seed=7)
    b = run_method(method, X, sel.Budget(rows=10), seed=7)
    assert a.chosen.tolist() == b.chosen.tolist()
    assert list(a.reason) == list(b.reason)


def test_random_differs_with_seed_and_ties_are_seeded():
    X = unit(np.random.default_rng(5), 50)
    a = run_method("random", X, sel.Budget(rows=10), seed=1)
    b = run_method("random", X, sel.Budget(rows=10), seed=2)
    assert set(a.chosen.tolist()) != set(b.chosen.tolist())
    # longest with all-equal lengths: the seed breaks ties
    flat = np.zeros(50)
    la = sel.select_longest(flat, sel.Budget(rows=10), seed=1)
    lb = sel.select_longest(flat, sel.Budget(rows=10), seed=2)
    assert set(la.chosen.tolist()) != set(lb.chosen.tolist())


@pytest.mark.parametrize("tau", [0.5, 0.8, 0.9])
def test_repr_filter_max_cosine_among_chosen(tau):
    X, _ = blobs(k=4, per=25, spread=0.07, seed=6)
    s = sel.select_repr_filter(X, np.zeros(len(X)), sel.Budget(rows=100), seed=0, max_cosine=tau, block=16)
    C = X[s.chosen]
    G = C @ C.T
    np.fill_diagonal(G, -1)
    assert G.max() <= tau + 1e-6
    sim_rows = np.flatnonzero(s.reason == sel.TOO_SIMILAR)
    assert len(sim_rows) > 0
    for i in sim_rows:  # each too_similar row names a chosen row it is too close to
        j = s.similar_to[i]
        assert j in set(s.chosen.tolist())
        assert s.similarity[i] > tau
        assert abs(float(X[i] @ X[j]) - float(s.similarity[i])) < 1e-5


def test_repr_filter_walks_by_score_and_blocks_do_not_matter():
    X = unit(np.random.default_rng(8), 80, d=8)
    score = np.random.default_rng(9).random(80)
    a = sel.select_repr_filter(X, score, sel.Budget(rows=20), seed=0, max_cosine=0.8, block=7)
    b = sel.select_repr_filter(X, score, sel.Budget(rows=20), seed=0, max_cosine=0.8, block=256)
    assert a.chosen.tolist() == b.chosen.tolist()
    assert a.chosen[0] == int(np.argmax(score))
    assert np.all(np.diff(score[a.chosen]) < 0)  # picks come in score order


def test_kcenter_covers_separated_clusters():
    X, true = blobs(k=5, per=20, spread=0.05)
    s = sel.select_kcenter(X, np.zeros(len(X)), sel.Budget(rows=5), seed=0)
    assert sorted(true[s.chosen].tolist()) == [0, 1, 2, 3, 4]
    s2 = sel.select_kcenter(X, np.arange(len(X), dtype=float), sel.Budget(rows=2), seed=0)
    assert s2.chosen[0] == len(X) - 1  # starts at the best score
    assert s2.chosen[1] == int(np.argmin(X @ X[s2.chosen[0]]))  # then the farthest row


def test_cluster_balanced_even_shares():
    labels = np.array([0] * 30 + [1] * 8 + [2] * 2 + [3] * 20)
    s = sel.select_cluster_balanced(labels, np.zeros(60), sel.Budget(rows=20), seed=0)
    counts = np.bincount(labels[s.chosen], minlength=4)
    assert counts.sum() == 20
    assert counts[2] == 2  # a small cluster is exhausted
    assert sorted(counts[[0, 1, 3]].tolist()) == [6, 6, 6]


def test_cluster_balanced_prefers_score_within_cluster():
    labels = np.array([0] * 5 + [1] * 5)
    score = np.array([0.1, 0.9, 0.2, 0.3, 0.4, 0.5, 0.6, 0.95, 0.0, 0.1])
    s = sel.select_cluster_balanced(labels, score, sel.Budget(rows=2), seed=0)
    assert set(s.chosen.tolist()) == {1, 7}


def test_longest_takes_longest():
    resp = np.array([5, 100, 30, 80, 1])
    s = sel.select_longest(resp, sel.Budget(rows=2), seed=0)
    assert s.chosen.tolist() == [1, 3]
    assert "budget reached" in s.detail[0]


def test_budget_needs_rows_or_tokens():
    with pytest.raises(ValueError):
        sel.Budget()
    with pytest.raises(ValueError):
        sel.Budget(tokens=10)


# ---------------------------------------------------------------- k-means and nearest neighbours

def test_kmeans_recovers_blobs_and_is_deterministic():
    X, true = blobs(k=4, per=15, spread=0.05)
    a, C = km.kmeans(X, 4, seed=3)
    b, _ = km.kmeans(X, 4, seed=3)
    assert a.tolist() == b.tolist()
    assert C.shape == (4, X.shape[1])
    np.testing.assert_allclose(np.linalg.norm(C, axis=1), 1, atol=1e-5)
    # each true cluster maps to exactly one label
    assert all(len(set(a[true == c].tolist())) == 1 for c in range(4))
    assert len(set(a.tolist())) == 4


def test_kmeans_more_clusters_than_rows_and_errors():
    X = unit(np.random.default_rng(0), 3)
    labels, C = km.kmeans(X, 10, seed=0)
    assert C.shape[0] == 3 and labels.max() < 3
    with pytest.raises(ValueError):
        km.kmeans(X[:0], 2)


def test_nearest_neighbour_exact_and_cluster_bound(monkeypatch):
    X = unit(np.random.default_rng(11), 120, d=8)
    G = X @ X.T
    np.fill_diagonal(G, -np.inf)
    monkeypatch.setattr(km, "BLOCK_BYTES", 4 * 120 * 7)  # force 7-row blocks
    sim, idx = km.nearest_neighbour_sim(X)
    np.testing.assert_allclose(sim, G.max(1), atol=1e-6)
    assert (idx == G.argmax(1)).all()
    labels, C = km.kmeans(X, 6, seed=0)
    approx, _ = km.nearest_neighbour_sim(X, labels, C, nprobe=2)
    assert (approx <= sim + 1e-6).all()  # restricted search: a lower bound of the true similarity
    full, _ = km.nearest_neighbour_sim(X, labels, C, nprobe=6)
    np.testing.assert_allclose(full, sim, atol=1e-6)


# ---------------------------------------------------------------- scores

def test_instruction_complexity_heuristic():
    assert sc.instruction_complexity(None) == 0
    assert sc.instruction_complexity("Hi") == 0
    hard = "List 3 ways to cut costs. Explain why each works, in exactly 2 sentences?\n1. rent\n2. food"
    assert sc.instruction_complexity(hard) >= 6


def frame(rows):
    return make_frame(rows)


def conv(i, user, answer, source="s", **meta):
    return {"id": f"{source}#{i}", "source": source, "meta": meta,
            "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def test_proxy_stats_and_tokens():
    df = frame([conv(0, "abcd", "x" * 10), conv(1, "Why? How?", "y" * 3)])
    out = sc.add_proxy_stats(df)
    assert out["stat_response_chars"].to_list() == [10, 3]
    assert out["stat_turns"].to_list() == [2, 2]
    assert out["stat_tokens_est"].to_list() == [4, 3]  # ceil(14/4), ceil(12/4)
    assert out["stat_instruction_complexity"].to_list()[1] >= 3
    with_tok = df.with_columns(stat_tokens=pl.Series([100, 7]))
    assert sc.add_proxy_stats(with_tok)["stat_tokens_est"].to_list() == [100, 7]


def test_combine_formula_and_quality_columns():
    df = pl.DataFrame({"stat_response_chars": [1, 2, 3, 4], "stat_quality_a": [4.0, 3.0, 2.0, 1.0]})
    only_len = sc.combine(df, {"response_chars": 1.0})
    assert only_len["stat_select_score"].to_list() == [0.25, 0.5, 0.75, 1.0]
    both = sc.combine(df, {"response_chars": 1.0, "quality": 1.0})
    assert both["stat_select_score"].to_list() == [0.625] * 4
    q3 = sc.combine(df, {"response_chars": 1.0, "quality": 3.0})
    assert q3["stat_select_score"].to_list() == pytest.approx([0.8125, 0.6875, 0.5625, 0.4375])
    assert sc.combine(df, {"turns": 1.0})["stat_select_score"].to_list() == [0.5] * 4  # no component present
    with pytest.raises(ValueError, match="unknown"):
        sc.combine(df, {"lenght": 1.0})


# ---------------------------------------------------------------- the stage

def fixture_frame(fixtures) -> pl.DataFrame:
    rows = [json.loads(line) for line in (fixtures / "select" / "candidates.jsonl").read_text().splitlines()]
    return make_frame(rows)


def fake_embed(vectors_by_text):
    def embed(texts, model="x", **kw):
        return np.stack([vectors_by_text(t) for t in texts]).astype(np.float32)
    return embed


def injected(monkeypatch, df, seed=0):
    """Replace the embedding model by seeded random unit vectors (identical texts → identical vectors)."""
    import curate.embed as emb

    texts = sorted(set(df.select(pl.col("messages").list.first().struct.field("content"))[:, 0].to_list()))
    rng = np.random.default_rng(seed)
    table = {t: v for t, v in zip(texts, unit(rng, len(texts), d=24))}
    monkeypatch.setattr(emb, "embed_texts", fake_embed(lambda t: table[t]))


@pytest.mark.parametrize("method", METHODS)
def test_stage_accounts_for_every_row(monkeypatch, tmp_path, fixtures, method):
    df = fixture_frame(fixtures)
    injected(monkeypatch, df)
    p = DiversitySelect.Params(method=method, budget=10, cache_dir=None, report=True)
    res = DiversitySelect(p).run(df, Context(seed=13, artifact_dir=tmp_path))
    assert res.kept.height == 10
    assert res.kept.height + res.rejected.height == df.height
    assert set(res.kept["id"]) | set(res.rejected["id"]) == set(df["id"])
    assert set(res.rejected["drop_reason"]) <= {"not_selected", "too_similar"}
    assert res.rejected["drop_stage"].unique().to_list() == ["diversity_select"]
    assert sorted(res.kept["stat_select_rank"].to_list()) == list(range(10))
    for col in ("stat_select_score", "stat_response_chars", "stat_nn_distance", "stat_cluster"):
        assert col in res.kept.columns
    assert res.counters["selected"] == 10
    png, js = res.artifacts["selection_map"], res.artifacts["selection_clusters"]
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    clusters = json.loads(open(js).read())
    assert sum(c["selected"] for c in clusters["clusters"]) == 10
    assert sum(c["size"] for c in clusters["clusters"]) == df.height


def test_stage_token_budget_and_stat_tokens(monkeypatch, tmp_path, fixtures):
    df = fixture_frame(fixtures).with_columns(stat_tokens=pl.Series(range(10, 10 + 32)))
    injected(monkeypatch, df)
    res = DiversitySelect(DiversitySelect.Params(method="longest", budget_tokens=100, cache_dir=None)).run(
        df, Context(seed=0, artifact_dir=tmp_path))
    assert res.kept["stat_tokens"].sum() <= 100
    assert res.counters["tokens_selected"] == res.kept["stat_tokens"].sum()
    assert res.artifacts == {}  # longest does not embed unless report: true


def test_stage_seeds(monkeypatch, tmp_path, fixtures):
    df = fixture_frame(fixtures)
    injected(monkeypatch, df)

    def ids(method, seed):
        p = DiversitySelect.Params(method=method, budget=8, cache_dir=None, report=False)
        return DiversitySelect(p).run(df, Context(seed=seed, artifact_dir=tmp_path)).kept["id"].to_list()

    assert ids("repr_filter", 1) == ids("repr_filter", 1)
    assert ids("random", 1) == ids("random", 1)
    assert ids("random", 1) != ids("random", 2)


def test_stage_real_embeddings_reject_planted_duplicates(tmp_path, fixtures):
    """The offline MiniLM on 32 short real texts: identical instructions are too_similar (cosine 1.0)."""
    df = fixture_frame(fixtures)
    p = DiversitySelect.Params(method="repr_filter", budget=32, cache_dir=str(tmp_path / "emb"))
    res = DiversitySelect(p).run(df, Context(seed=0, artifact_dir=tmp_path / "art"))
    rej = res.rejected.filter(pl.col("drop_reason") == "too_similar")
    pairs = {("alpaca_hk#0", "alpaca_cleaned#0"), ("alpaca_hk#1", "alpaca_cleaned#1")}
    got = {r["id"]: r["drop_detail"] for r in rej.iter_rows(named=True)}
    for a, b in pairs:
        loser, winner = (a, b) if a in got else (b, a)
        assert loser in got, got
        assert got[loser].startswith("cosine=1.000 to id ") and got[loser].endswith(winner)
    kept = res.kept
    assert kept.height + res.rejected.height == df.height
    E = None  # chosen rows respect max_cosine under the real model too
    from curate.embed import embed_texts
    E = embed_texts(kept.select(pl.col("messages").list.first().struct.field("content"))[:, 0].to_list(),
                    cache_dir=str(tmp_path / "emb"))
    G = E @ E.T
    np.fill_diagonal(G, -1)
    assert G.max() <= 0.9 + 1e-6
    assert (tmp_path / "art" / "selection_map.png").exists()


def test_params_validation():
    with pytest.raises(ValidationError, match="budget"):
        DiversitySelect.Params(method="random")
    with pytest.raises(ValidationError):
        DiversitySelect.Params(budget=10, max_cosine=1.5)
    with pytest.raises(ValidationError):
        DiversitySelect.Params(budget=10, method="best")
    with pytest.raises(ValidationError, match="unknown components"):
        DiversitySelect.Params(budget=10, score_weights={"lenght": 1})
    with pytest.raises(ValidationError):
        DiversitySelect.Params(budget=10, budgett=3)


def test_empty_frame(tmp_path):
    res = DiversitySelect(DiversitySelect.Params(budget=3)).run(make_frame([]), Context(artifact_dir=tmp_path))
    assert res.kept.height == 0 and res.rejected.height == 0


def test_report_writes_png_map_and_cluster_counts(tmp_path):
    from curate.select.report import write_report

    X = unit(np.random.default_rng(0), 40)
    mask = np.arange(40) < 10
    out = write_report(tmp_path, X, mask, np.arange(40) % 3)
    data = open(out["selection_map"], "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    counts = json.loads(open(out["selection_clusters"]).read())
    assert counts["n_clusters"] == 3 and sum(c["selected"] for c in counts["clusters"]) == 10
