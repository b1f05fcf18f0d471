"""Dedup: views, normalisation, exact/near/semantic stages, keeper rule, LSH maths, evaluation.

Tiny real data: tests/fixtures/dedup/rows.jsonl (pairs described in its README.md)."""

import json

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from curate.dedup import minhash as mh
from curate.dedup.cluster import band_edges, union_find
from curate.dedup.evaluate import KINDS, plant, score
from curate.dedup.keeper import keeper_rank
from curate.dedup.near import NearDedupConfig
from curate.dedup.text import normalize_text, token_lists
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.exact_dedup import ExactDedup
from curate.stages.near_dedup import NearDedup
from curate.stages.semantic_dedup import SemanticDedup


@pytest.fixture(scope="module")
def rows(request):
    from tests.conftest import FIXTURES

    with open(FIXTURES / "dedup" / "rows.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture
def df(rows):
    return make_frame(rows)


def ids(frame):
    return sorted(frame["id"].to_list())


def dropped(res):
    return dict(zip(res.rejected["id"].to_list(), res.rejected["dup_of"].to_list()))


def check_accounting(res, n):
    assert res.kept.height + res.rejected.height == n


# ---------------------------------------------------------------- normalisation and views

def test_normalize_steps():
    assert normalize_text("  Hello,\tWORLD!!  ｆｕｌｌ-width…  ") == "hello world full width"
    assert normalize_text("Digits 4/16 stay") == "digits 4 16 stay"
    assert normalize_text("你好，世界。") == "你好 世界"


def test_auto_tokens_split_cjk_chars():
    tok, is_char = token_lists(pl.Series(["hello world 你好世界", "plain english text"]), "auto")
    tokens = [[t for t in row if t] for row in tok.to_list()]  # empty tokens are skipped later
    assert tokens == [["hello", "world", "你", "好", "世", "界"], ["plain", "english", "text"]]
    assert is_char.to_list() == [False, False]


_EXACT_CONV = {"hikari/hikariming_alpaca-0-3252_en_original.json#3069": "alpaca/alpaca_5000.json#9",
               "oasst_tree/oasst_en_100_tree.jsonl#0": "oasst_msg/oasst_en_100_message.jsonl#0"}
_SAME_PROMPT = {
    # kept: the longer assistant answer
    "hikari/hikariming_alpaca-0-3252_en_original.json#11": "fastchat/fastchat_alpaca_data_cleaned_1000.json#10",
    "fastchat/fastchat_alpaca_data_cleaned_1000.json#34": "hikari/hikariming_alpaca-0-3252_en_original.json#35",
    "hikari/hikariming_alpaca-0-3252_en_original.json#1": "fastchat/fastchat_alpaca_data_cleaned_1000.json#1",
    "identity/llamafactory_identity.json#17": "identity/llamafactory_identity.json#16",
}


@pytest.mark.parametrize("view, expected", [
    # same prompt with different answers is a duplicate only when keyed on the prompt
    ("conversation", _EXACT_CONV),
    ("first_user_turn", {**_EXACT_CONV, **_SAME_PROMPT}),
    ("user_turns", {**_EXACT_CONV, **_SAME_PROMPT}),
])
def test_exact_dedup_views(df, view, expected):
    res = ExactDedup(ExactDedup.Params(view=view)).run(df, Context())
    check_accounting(res, df.height)
    assert dropped(res) == expected
    assert set(res.rejected["drop_reason"]) == {"exact_duplicate"}
    assert (res.rejected["similarity"] == 1.0).all()


def test_exact_dedup_columns_and_keeper(df):
    res = ExactDedup().run(df, Context())
    d = dropped(res)
    # identical records: equal assistant length, no quality, no priority → smaller id kept
    assert d == _EXACT_CONV
    r = res.rejected.filter(pl.col("id") == "oasst_tree/oasst_en_100_tree.jsonl#0").row(0, named=True)
    assert r["cluster_id"] == "exact_dedup:oasst_msg/oasst_en_100_message.jsonl#0"
    assert r["drop_detail"] == "exact=1.0 with oasst_msg/oasst_en_100_message.jsonl#0"
    sizes = dict(zip(res.kept["id"], res.kept["stat_exact_dedup_cluster_size"]))
    assert sizes["alpaca/alpaca_5000.json#9"] == 2 and sizes["lima/llamafactory_lima.json#3"] == 1


def test_exact_dedup_raw_text_is_case_sensitive(rows):
    a = rows[14]
    b = {**a, "id": "x#1", "messages": [{**m, "content": m["content"].upper()} for m in a["messages"]]}
    df = make_frame([a, b])
    assert ExactDedup().run(df, Context()).rejected.height == 1
    assert ExactDedup(ExactDedup.Params(normalize=False)).run(df, Context()).rejected.height == 0


# ---------------------------------------------------------------- near dedup

def test_near_dedup_real_alpaca_near_duplicates(df):
    res = NearDedup().run(df, Context())
    check_accounting(res, df.height)
    d = dropped(res)
    # the two one-word edits of the same Alpaca answer across files, plus the exact twins
    assert d == {
        "hikari/hikariming_alpaca-0-3252_en_original.json#11": "fastchat/fastchat_alpaca_data_cleaned_1000.json#10",
        "fastchat/fastchat_alpaca_data_cleaned_1000.json#34": "hikari/hikariming_alpaca-0-3252_en_original.json#35",
        **_EXACT_CONV,
        "identity/llamafactory_identity.json#22": "identity/llamafactory_identity.json#20",
    }
    assert set(res.rejected["drop_reason"]) == {"near_duplicate"}
    r = res.rejected.filter(pl.col("id") == "hikari/hikariming_alpaca-0-3252_en_original.json#11").row(0, named=True)
    assert 0.6 < r["similarity"] <= 1.0
    assert r["drop_detail"].startswith("jaccard=") and r["drop_detail"].endswith(
        "with fastchat/fastchat_alpaca_data_cleaned_1000.json#10")
    assert r["cluster_id"] == "near_dedup:fastchat/fastchat_alpaca_data_cleaned_1000.json#10"
    assert "stat_near_dedup_cluster_size" in res.kept.columns


def test_near_dedup_verify_gives_exact_jaccard(df):
    res = NearDedup(NearDedup.Params(verify=True)).run(df, Context())
    sim = dict(zip(res.rejected["id"], res.rejected["similarity"]))
    assert sim["hikari/hikariming_alpaca-0-3252_en_original.json#11"] == pytest.approx(0.8333, abs=1e-3)
    assert sim["fastchat/fastchat_alpaca_data_cleaned_1000.json#34"] == pytest.approx(0.9130, abs=1e-3)


def test_near_dedup_chinese_needs_char_shingles(rows):
    df = make_frame(rows[10:12])  # two Chinese identity answers, Jaccard 0.60 (auto) / 0.31 (word)
    auto = NearDedup(NearDedup.Params(verify=True)).run(df, Context())
    word = NearDedup(NearDedup.Params(verify=True, shingle="word")).run(df, Context())
    char = NearDedup(NearDedup.Params(verify=True, shingle="char", char_ngram=3)).run(df, Context())
    assert auto.rejected["id"].to_list() == ["identity/llamafactory_identity.json#22"]
    assert char.rejected.height == 1
    assert word.rejected.height == 0


def test_verify_removes_lsh_false_positive(rows):
    # 64 bands of 1 row: any single equal MinHash value makes a candidate pair
    df = make_frame(rows[12:14])  # different Chinese greetings, exact Jaccard 0.29
    loose = dict(bands=64, rows=1, num_perm=64, threshold=0.5)
    no_verify = NearDedup(NearDedup.Params(**loose, cluster="component")).run(df, Context())
    verify = NearDedup(NearDedup.Params(**loose, verify=True)).run(df, Context())
    assert no_verify.rejected.height == 1 and no_verify.counters["candidate_pairs"] == 1
    assert verify.rejected.height == 0 and verify.counters["verified_pairs"] == 0
    # the keeper rule checks the estimated similarity to the kept row even without verify
    keeper = NearDedup(NearDedup.Params(**loose)).run(df, Context())
    assert keeper.counters["candidate_pairs"] == 1 and keeper.rejected.height == 0


def test_near_dedup_order_independent(df):
    a = NearDedup().run(df, Context())
    b = NearDedup().run(df.reverse(), Context())
    assert dropped(a) == dropped(b)


def test_near_dedup_params_validation():
    with pytest.raises(ValueError, match="both bands and rows"):
        NearDedup.Params(bands=10)
    with pytest.raises(ValueError, match="must be <= num_perm"):
        NearDedup.Params(bands=20, rows=10, num_perm=128)
    with pytest.raises(ValueError):
        NearDedup.Params(threshold=1.5)
    with pytest.raises(ValueError):
        NearDedup.Params(thresold=0.5)  # misspelled keys are errors


def test_empty_views_never_cluster(rows):
    # two rows without a user turn: no first_user_turn text, so nothing to compare
    a = {"id": "a#0", "source": "s", "messages": [{"role": "assistant", "content": "same text here"}]}
    b = {"id": "a#1", "source": "s", "messages": [{"role": "assistant", "content": "same text here"}]}
    df = make_frame([a, b])
    for stage in (ExactDedup(ExactDedup.Params(view="first_user_turn")),
                  NearDedup(NearDedup.Params(view="first_user_turn"))):
        assert stage.run(df, Context()).rejected.height == 0


# ---------------------------------------------------------------- keeper rule

def test_keeper_rule_order(rows):
    base = rows[14]
    longer = [base["messages"][0], {"role": "assistant", "content": base["messages"][1]["content"] + " Done."}]
    frame = make_frame([
        {"id": "z#9", "source": "b", "messages": longer},          # longest assistant text wins
        {"id": "a#1", "source": "a", "messages": base["messages"]},
        {"id": "a#2", "source": "b", "messages": base["messages"]},
        {"id": "a#0", "source": "c", "messages": base["messages"]},
    ])
    assert list(np.argsort(keeper_rank(frame))) == [0, 3, 1, 2]           # then smallest id
    assert list(np.argsort(keeper_rank(frame, ["b", "a"]))) == [0, 2, 1, 3]  # then source priority
    q = frame.with_columns(stat_quality=pl.Series([None, 0.1, 0.2, 0.9]))
    assert list(np.argsort(keeper_rank(q, ["b", "a"]))) == [0, 3, 2, 1]      # quality before priority


def test_keeper_in_stage(rows):
    base = rows[14]
    frame = make_frame([
        {"id": "a#1", "source": "a", "messages": base["messages"]},
        {"id": "b#1", "source": "b", "messages": base["messages"]},
    ])
    res = ExactDedup(ExactDedup.Params(source_priority=["b"])).run(frame, Context())
    assert res.kept["id"].to_list() == ["b#1"] and dropped(res) == {"a#1": "b#1"}


# ---------------------------------------------------------------- MinHash / LSH maths

def test_numpy_signatures_equal_datasketch(df):
    cfg = NearDedupConfig()
    from curate.dedup.near import shingles_for

    sh, counts = shingles_for(df, cfg)
    counts = np.concatenate([counts, [0]])  # plus an empty document
    a = mh.signatures(sh, counts, 128, max_cells=1 << 10)
    b = mh.signatures_datasketch(sh, counts, 128)
    assert a.dtype == np.uint32 and a.shape == (df.height + 1, 128)
    assert np.array_equal(a, b)
    assert (a[-1] == 0xFFFFFFFF).all()


def test_optimizer_and_s_curve():
    assert mh.optimal_bands_rows(0.5, 128) == (25, 5)
    assert mh.optimal_bands_rows(0.7, 256) == (25, 10)  # curation-anchors.md §4a
    curve = dict(mh.s_curve(14, 8, [0.5, 0.7, 0.8]))   # datatrove 14 × 8
    assert curve[0.8] == pytest.approx(0.924, abs=1e-3)
    assert curve[0.7] == pytest.approx(0.565, abs=1e-3)
    assert curve[0.5] == pytest.approx(0.053, abs=1e-3)
    assert mh.s_curve_midpoint(14, 8) == pytest.approx(0.719, abs=1e-3)


def test_band_edges_and_union_find():
    bands = np.array([[1, 9], [2, 9], [1, 7], [3, 8], [4, 8], [5, 6]], dtype=np.uint64)
    u, v = band_edges(bands)
    assert sorted(zip(u.tolist(), v.tolist())) == [(0, 1), (0, 2), (3, 4)]
    assert union_find(6, u, v).tolist() == [0, 0, 0, 3, 3, 5]
    assert union_find(4, np.array([3, 2]), np.array([2, 1])).tolist() == [0, 1, 1, 1]
    u, v = band_edges(bands, valid=np.array([True, False, True, True, True, True]))
    assert sorted(zip(u.tolist(), v.tolist())) == [(0, 2), (3, 4)]


# ---------------------------------------------------------------- semantic dedup

def test_semantic_dedup(rows, tmp_path):
    frame = make_frame([rows[0], rows[1], rows[2], rows[14], rows[15]])
    res = SemanticDedup(SemanticDedup.Params(threshold=0.95, cache_dir=str(tmp_path))).run(frame, Context())
    check_accounting(res, frame.height)
    assert dropped(res) == {"hikari/hikariming_alpaca-0-3252_en_original.json#11":
                            "fastchat/fastchat_alpaca_data_cleaned_1000.json#10"}
    r = res.rejected.row(0, named=True)
    assert r["drop_reason"] == "semantic_duplicate" and r["similarity"] >= 0.95
    assert r["drop_detail"].startswith("cosine=")
    assert any(tmp_path.rglob("shard-*.npz"))  # embeddings cached


def test_cosine_edges_blockwise():
    from curate.dedup.semantic import cosine_edges

    rng = np.random.default_rng(0)
    e = rng.normal(size=(50, 8)).astype(np.float32)
    e[7] = e[3] + 0.01
    e[40] = e[3]
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    u, v, c = cosine_edges(e, 0.99, block=16)
    assert sorted(zip(u.tolist(), v.tolist())) == [(3, 7), (3, 40), (7, 40)]


# ---------------------------------------------------------------- planted-pair evaluation

def test_plant_and_score(rows):
    frame = make_frame([r for r in rows if r["source"] not in ("fastchat", "alpaca", "oasst_msg")])
    ps = plant(frame, n_base=20, seed=3, min_tokens=4)
    again = plant(frame, n_base=20, seed=3, min_tokens=4)
    assert ps.frame.equals(again.frame) and ps.pairs.equals(again.pairs)  # deterministic
    nb = ps.frame.height // 2
    assert ps.pairs.height == nb and set(ps.pairs["kind"]) <= set(KINDS)
    perfect = ps.group.copy()
    neg = ~ps.pairs["label"].to_numpy()
    perfect[nb:][neg] = np.arange(nb)[neg] + 1000  # split the negative pairs
    s = score(ps, perfect)
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    s = score(ps, np.zeros(ps.frame.height, dtype=int))  # everything in one cluster
    assert s.recall == 1.0 and s.precision < 0.2 and s.fp_cross > 0


def test_make_variant_kinds(rows):
    import random

    from curate.dedup.evaluate import make_variant

    msgs = rows[8]["messages"]
    assert make_variant(msgs, "format", ["x"], ["的"], random.Random(0)) != msgs
    fmt = make_variant(msgs, "format", ["x"], ["的"], random.Random(0))
    assert [normalize_text(m["content"]) for m in fmt] == [normalize_text(m["content"]) for m in msgs]
    t = make_variant(msgs, "truncate_75", ["x"], ["的"], random.Random(0))
    assert len(t[-1]["content"].split()) == int(len(msgs[-1]["content"].split()) * 0.75)


def test_dedup_eval_cli(tmp_path):
    from pipelines.dedup_eval import dedup_eval
    from tests.conftest import FIXTURES

    res = CliRunner().invoke(dedup_eval, [str(FIXTURES / "dedup" / "rows.jsonl"), "--n-base", "10",
                                          "--min-tokens", "4", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "F1" in res.output and "P(candidate | J)" in res.output
    bad = CliRunner().invoke(dedup_eval, [str(FIXTURES / "dedup" / "rows.jsonl"), "--bands", "3"])
    assert bad.exit_code == 1 and "error:" in bad.output


# ---------------------------------------------------------------- cluster rule: keeper vs component

def _chain(rows):
    """A~B and B~C but not A~C: three overlapping 100-word windows of the LIMA #3 answer
    (exact bigram Jaccard A-B 0.69, B-C 0.57, A-C 0.39); A has the longest answer, so it is kept."""
    w = rows[15]["messages"][1]["content"].split()

    def row(name, a, b):
        return {"id": f"chain#{name}", "source": "lima",
                "messages": [{"role": "user", "content": "Continue the story."},
                             {"role": "assistant", "content": " ".join(w[a:b])}]}

    return make_frame([row("a", 0, 110), row("b", 30, 130), row("c", 55, 155)])


@pytest.mark.parametrize("verify", [False, True])
def test_chain_component_drops_far_rows_keeper_does_not(rows, verify):
    frame = _chain(rows)
    comp = NearDedup(NearDedup.Params(verify=verify, cluster="component")).run(frame, Context())
    keep = NearDedup(NearDedup.Params(verify=verify)).run(frame, Context())
    assert comp.counters["largest_component"] == 3 and keep.counters["largest_component"] == 3
    # component: C goes as a duplicate of A although they are far apart
    assert dropped(comp) == {"chain#b": "chain#a", "chain#c": "chain#a"}
    c_sim = comp.rejected.filter(pl.col("id") == "chain#c")["similarity"][0]
    assert c_sim < 0.5
    # keeper (default): only B is within the threshold of A; C is re-clustered alone and kept
    assert dropped(keep) == {"chain#b": "chain#a"}
    assert ids(keep.kept) == ["chain#a", "chain#c"]
    assert keep.rejected["similarity"][0] >= 0.5
    assert keep.counters["kept_by_recluster"] == 1
    sizes = dict(zip(keep.kept["id"], keep.kept["stat_near_dedup_cluster_size"]))
    assert sizes == {"chain#a": 2, "chain#c": 1}
    if verify:
        assert keep.rejected["similarity"][0] == pytest.approx(0.6923, abs=1e-3)
        assert c_sim == pytest.approx(0.3885, abs=1e-3)


def test_star_clusters_rule_and_order_independence():
    from curate.dedup.cluster import star_clusters

    # 0-1-2-3-4 a chain (neighbours 0.8 similar, others 0.2), plus the pair 5-6; rank = row order
    sim = np.full((7, 7), 0.2)
    for i in range(4):
        sim[i, i + 1] = sim[i + 1, i] = 0.8
    sim[5, 6] = sim[6, 5] = 0.9
    labels = union_find(7, np.array([0, 1, 2, 3, 5]), np.array([1, 2, 3, 4, 6]))
    keep, s, rounds = star_clusters(labels, np.arange(7), 0.5, lambda a, b: sim[a, b])
    # keep 0 (drops 1); then 2 (drops 3); then 4 alone; and 5 (drops 6)
    assert keep.tolist() == [0, 0, 2, 2, 4, 5, 5]
    assert s.tolist() == [1.0, 0.8, 1.0, 0.8, 1.0, 1.0, 0.9] and rounds == 3
    # permuting rows (labels, ranks and similarities with them) permutes the result
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.permutation(7)  # new row i is old row p[i]
        inv = np.argsort(p)
        lab = union_find(7, inv[[0, 1, 2, 3, 5]], inv[[1, 2, 3, 4, 6]])
        k2, s2, _ = star_clusters(lab, p.astype(np.int64), 0.5, lambda a, b: sim[p[a], p[b]])
        assert p[k2].tolist() == keep[p].tolist() and s2.tolist() == s[p].tolist()


@pytest.fixture(scope="module")
def toolformer():
    from tests.conftest import FIXTURES

    with open(FIXTURES / "dedup" / "toolformer.jsonl", encoding="utf-8") as f:
        return make_frame([json.loads(line) for line in f])


@pytest.mark.parametrize("verify", [False, True])
def test_keeper_invariant_on_templated_rows(toolformer, verify):
    """Every reject's dup_of is a kept row, and its similarity to it (the MinHash estimate,
    recomputed here from full signatures, or the exact Jaccard with verify) is ≥ threshold."""
    from curate.dedup.cluster import csr_sets, exact_jaccard_edges
    from curate.dedup.near import shingles_for, signatures_for

    df = toolformer
    comp = NearDedup(NearDedup.Params(verify=verify, cluster="component")).run(df, Context())
    res = NearDedup(NearDedup.Params(verify=verify)).run(df, Context())
    check_accounting(res, df.height)
    assert res.counters["largest_component"] >= 20  # the shared tool description chains them
    assert res.kept.height > comp.kept.height + 3
    assert set(res.rejected["dup_of"]) <= set(res.kept["id"])
    sim = res.rejected["similarity"].to_numpy()
    assert (sim >= 0.5).all()
    pos = {i: k for k, i in enumerate(df["id"])}
    a = np.array([pos[i] for i in res.rejected["id"]])
    b = np.array([pos[i] for i in res.rejected["dup_of"]])
    cfg = NearDedup.Params(verify=verify).config(Context().seed)  # the stage ran with the pipeline seed
    if verify:
        ptr, val = csr_sets(*shingles_for(df, cfg))
        assert exact_jaccard_edges(ptr, val, a, b) == pytest.approx(sim, abs=1e-12)
    else:
        sig = signatures_for(df, cfg)[0]
        est = ((sig[a] & 0xFFFF) == (sig[b] & 0xFFFF)).mean(axis=1)
        assert (np.abs(est - sim) < 1e-4).all()  # the 16-bit sketch, collision-corrected
        assert ((sig[a] == sig[b]).mean(axis=1) >= 0.5 - 1e-4).all()
    # the counter says how many rows connected components would have dropped on top
    assert res.counters["kept_by_recluster"] == res.kept.height - comp.kept.height


@pytest.mark.parametrize("cluster", ["keeper", "component"])
def test_cluster_rule_order_independent(toolformer, cluster):
    p = NearDedup.Params(cluster=cluster, verify=cluster == "keeper")
    a = NearDedup(p).run(toolformer, Context())
    for seed in (0, 1):
        b = NearDedup(p).run(toolformer.sample(fraction=1.0, shuffle=True, seed=seed), Context())
        assert dropped(a) == dropped(b)
        assert dict(zip(a.rejected["id"], a.rejected["similarity"])) == pytest.approx(
            dict(zip(b.rejected["id"], b.rejected["similarity"])))


def test_semantic_dedup_keeper_rule(rows, tmp_path, monkeypatch):
    """The semantic stage applies the same rule to cosine: a chain of embeddings."""
    import curate.embed

    frame = make_frame([rows[14], rows[15], rows[16]])  # LIMA (frame row 1) has the longest answer
    ang = np.array([0.5, 0.0, 1.0])  # chain LIMA - Code Alpaca - BELLE: cos 0.88, 0.88; ends cos 0.54
    e = np.stack([np.cos(ang), np.sin(ang)], axis=1).astype(np.float32)
    monkeypatch.setattr(curate.embed, "embed_texts", lambda texts, *a, **k: e)
    # planted vectors for every row, BELLE (Chinese) included: compare every script (the default skips it)
    comp = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.85, cluster="component")).run(frame, Context())
    keep = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.85)).run(frame, Context())
    assert comp.rejected.height == 2 and comp.rejected["similarity"].min() < 0.85
    assert dropped(keep) == {rows[14]["id"]: rows[15]["id"]} and keep.rejected["similarity"][0] >= 0.85
    assert set(keep.rejected["dup_of"]) <= set(keep.kept["id"])


def test_star_clusters_repeated_rows_ride_with_representative():
    """``same`` (equal keys = identical rows) gives exactly the result without it."""
    from curate.dedup.cluster import star_clusters

    rng = np.random.default_rng(1)
    base = rng.random((12, 12))
    base = (base + base.T) / 2
    np.fill_diagonal(base, 1.0)
    src = np.concatenate([np.arange(12), rng.integers(0, 12, 18)])  # 30 rows: 18 repeats
    sim = base[np.ix_(src, src)]
    labels = np.where(src < 9, 0, 9).astype(np.int64)  # two components
    labels = np.array([min(np.flatnonzero(labels == labels[i])) for i in range(30)])
    rank = rng.permutation(30).astype(np.int64)
    plain = star_clusters(labels, rank, 0.6, lambda a, b: sim[a, b])
    fast = star_clusters(labels, rank, 0.6, lambda a, b: sim[a, b], same=src.astype(np.uint64))
    assert plain[0].tolist() == fast[0].tolist() and plain[1].tolist() == fast[1].tolist()
    assert (plain[1][plain[0] != np.arange(30)] >= 0.6).all()


# ---------------------------------------------------------------- map/reduce split (engines)

def _blockwise(stage, frame, blocks, ctx):
    """What an engine does: map_columns on contiguous blocks, map columns concatenated in row
    order onto the whole frame, one reduce."""
    from pipelines.engines import chunk_bounds

    cols = stage.map_column_names()
    parts = [stage.map_columns(frame.slice(o, n), ctx).select(cols) for o, n in chunk_bounds(frame.height, blocks)]
    return stage.reduce(frame.hstack(pl.concat(parts).get_columns()), ctx)


@pytest.mark.parametrize("stage", [
    ExactDedup(),
    ExactDedup(ExactDedup.Params(view="first_user_turn", normalize=False)),
    NearDedup(),
    NearDedup(NearDedup.Params(verify=True)),
    NearDedup(NearDedup.Params(cluster="component", view="user_turns", seed=5)),
], ids=["exact", "exact_raw_fut", "near", "near_verify", "near_component"])
def test_map_on_blocks_then_reduce_equals_run(stage, df, toolformer):
    """The map phase is row-local: any blocks give the single-process kept rows, rejects and
    counters (seconds aside), and no map column reaches the outputs."""
    from polars.testing import assert_frame_equal

    frame = pl.concat([df, toolformer, df.head(5).with_columns(id=pl.col("id") + "#copy")])
    ctx = Context(seed=3)
    one = stage.run(frame, ctx)
    assert one.kept.height < frame.height and stage.map_reduce
    for blocks in (2, 7):
        many = _blockwise(stage, frame, blocks, ctx)
        assert_frame_equal(one.kept, many.kept)
        assert_frame_equal(one.rejected, many.rejected)
        untimed = lambda c: {k: v for k, v in c.items() if not k.startswith("seconds")}  # noqa: E731
        assert untimed(one.counters) == untimed(many.counters)
    for out in (one.kept, one.rejected):
        assert not [c for c in out.columns if c.startswith("_map_")]
    assert "seconds.map" in one.counters


def test_map_columns_types_and_reduce_errors(df):
    near = NearDedup()
    mapped = near.map_columns(df, Context())
    b, r = near.params.config().resolved_bands_rows()
    assert mapped.columns == df.columns + near.map_column_names()
    assert mapped.schema["_map_near_dedup_bands"] == pl.Array(pl.UInt64, b)
    assert mapped.schema["_map_near_dedup_sketch"] == pl.Array(pl.UInt16, 128)
    exact = ExactDedup().map_columns(df.with_columns(messages=pl.col("messages").list.head(0)), Context())
    assert exact["_map_exact_dedup_hash"].null_count() == df.height  # empty views: null, never grouped
    with pytest.raises(ValueError, match=r"^stage near_dedup: reduce needs the map columns _map_near_dedup_sketch"):
        near.reduce(mapped.drop("_map_near_dedup_sketch"), Context())
    wider = NearDedup(NearDedup.Params(num_perm=64))
    with pytest.raises(ValueError, match=r"^near-dup signatures have shapes"):
        wider.reduce(mapped, Context())
    with pytest.raises(ValueError, match=r"must be UInt64 content hashes"):
        ExactDedup().reduce(df.with_columns(_map_exact_dedup_hash=pl.lit("x")), Context())
    from curate.stage import Stage

    class Plain(Stage):
        name = "plain"

    assert not Plain.map_reduce
    with pytest.raises(NotImplementedError, match="^stage plain has no map phase"):
        Plain().map_columns(df, Context())
