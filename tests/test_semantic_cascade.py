"""semantic_dedup's static-embedding prefilter cascade (``prefilter: static``, issue 12 item 1).

Fast tests drive the stage with planted vectors (``curate.embed.embed_texts`` replaced): a pair the
prefilter misses is never dropped, and only candidate texts reach the backend. The slow test runs
the real models (static model2vec distilled once per session into a private model cache, ~30 s;
torch fp32 MiniLM from the offline package) on the 17 real rows of ``tests/fixtures/dedup`` plus
planted rewordings, and checks the exact kept/dropped ids of both paths.
"""

from __future__ import annotations

import json
import socket

import numpy as np
import pytest

from curate.dedup.semantic import candidate_rows, cosine_edges, identical_pairs, pair_similarity, verify_pairs
from curate.schema import make_frame, view_expr
from curate.stage import Context
from curate.stages.semantic_dedup import PREFILTER_THRESHOLD, SemanticDedup

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def rows():
    with open(FIXTURES / "dedup" / "rows.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def dropped(res):
    return dict(zip(res.rejected["id"].to_list(), res.rejected["dup_of"].to_list()))


def unit(*angles_deg):
    a = np.radians(np.asarray(angles_deg, dtype=np.float64))
    return np.stack([np.cos(a), np.sin(a)], axis=1).astype(np.float32)


# ---------------------------------------------------------------- helpers

def test_candidate_rows_and_verify_pairs():
    u, v = np.array([4, 0, 2]), np.array([6, 4, 6])
    assert candidate_rows(u, v).tolist() == [0, 2, 4, 6]
    assert candidate_rows(np.zeros(0, np.int64), np.zeros(0, np.int64)).tolist() == []
    pos = np.full(7, -1)
    pos[[0, 2, 4, 6]] = [0, 1, 2, 3]
    vecs = unit(0, 60, 5, 10)  # rows 0, 2, 4, 6
    vu, vv, c = verify_pairs(vecs, pos, u, v, 0.99)
    assert list(zip(vu.tolist(), vv.tolist())) == [(4, 6), (0, 4)]  # 5°: cos 0.9962; row 2-6: 50°
    np.testing.assert_allclose(c, np.cos(np.radians([5, 5])), rtol=1e-6)
    with pytest.raises(ValueError, match="row without a vector"):
        verify_pairs(vecs, pos, np.array([1]), np.array([2]), 0.9)


def test_identical_pairs_star_to_first_valid_row():
    texts = ["你好", "b", "你好", "", "b", "你好", ""]
    valid = np.array([True, True, True, False, True, False, False])  # row 5 invalid although equal
    u, v = identical_pairs(texts, valid)
    assert list(zip(u.tolist(), v.tolist())) == [(0, 2), (1, 4)]


def test_pair_similarity_is_minus_one_off_the_pairs():
    vecs = unit(0, 5, 10)
    pos = np.array([0, 1, 2])
    f = pair_similarity(vecs, pos, 3, np.array([0]), np.array([1]))
    out = f(np.array([1, 2, 0]), np.array([0, 0, 1]))
    np.testing.assert_allclose(out, [np.cos(np.radians(5)), -1.0, np.cos(np.radians(5))], rtol=1e-6)


def test_prefilter_static_needs_another_backend():
    with pytest.raises(ValueError, match="prefilter: static with backend: static"):
        SemanticDedup.Params(prefilter="static", backend="static")
    assert SemanticDedup.Params().prefilter == "none"
    assert SemanticDedup.Params(prefilter="static").prefilter_threshold == PREFILTER_THRESHOLD


# ---------------------------------------------------------------- planted vectors

@pytest.fixture
def planted(rows, monkeypatch):
    """Rows 14-17 (LIMA, Code Alpaca, BELLE, ...) with planted static and backend vectors.

    Backend (angles): A 0°, B 4°, C 8°, D 90° → cos A-B 0.9976, B-C 0.9976, A-C 0.9903, D far.
    Static: A 0°, B 10°, C 40°, D 90° → cos A-B 0.985, B-C 0.866, A-C 0.766: at prefilter 0.95 only
    A-B is a candidate, so C (a duplicate of A and B under the backend) is missed by the prefilter.
    """
    import curate.embed

    frame = make_frame(rows[13:17])
    texts = frame.select(view_expr("conversation"))
    by_text = {t: i for i, t in enumerate(texts.to_series().to_list())}
    vec = {"torch": unit(0, 4, 8, 90), "static": unit(0, 10, 40, 90)}
    calls = []

    def fake(texts, *a, backend="torch", **k):
        calls.append((backend, [by_text[t] for t in texts]))
        return vec[backend][[by_text[t] for t in texts]]

    monkeypatch.setattr(curate.embed, "embed_texts", fake)
    return frame, calls


def test_prefilter_miss_is_not_dropped(planted):
    frame, calls = planted
    ids = frame["id"].to_list()
    full = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.95)).run(frame, Context())
    assert calls == [("torch", [0, 1, 2, 3])]
    calls.clear()
    cas = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.95, prefilter="static",
                                             prefilter_threshold=0.95)).run(frame, Context())
    assert calls == [("static", [0, 1, 2, 3]), ("torch", [0, 1])]  # only candidate texts embedded
    # keeper rank: C (LIMA, longest answer) first, then B, A, D
    assert dropped(full) == {ids[0]: ids[2], ids[1]: ids[2]}
    # the cascade sees only the candidate pair A-B: B is kept for it, C (missed by the prefilter) stays
    assert dropped(cas) == {ids[0]: ids[1]}
    assert cas.kept["id"].to_list() == [ids[1], ids[2], ids[3]]
    assert cas.counters["prefilter_pairs"] == 1 and cas.counters["prefilter_rows"] == 2
    assert cas.counters["candidate_pairs"] == 1 and full.counters["candidate_pairs"] == 3
    r = cas.rejected.row(0, named=True)
    assert r["similarity"] == pytest.approx(np.cos(np.radians(4)), abs=1e-6)
    assert r["drop_detail"] == f"cosine=1.0 with {r['dup_of']}"


def test_keeper_only_through_a_candidate_pair(planted):
    """A-B and B-C candidates, A-C not: C is not dropped as A's duplicate although A-C ≥ threshold."""
    frame, calls = planted
    ids = frame["id"].to_list()
    full = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.95)).run(frame, Context())
    cas = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.95, prefilter="static",
                                             prefilter_threshold=0.85)).run(frame, Context())
    assert cas.counters["prefilter_pairs"] == 2 and cas.counters["candidate_pairs"] == 2
    # keeper C: B is dropped through the verified pair B-C; A-C is no candidate, so A is kept
    assert dropped(full) == {ids[0]: ids[2], ids[1]: ids[2]}
    assert dropped(cas) == {ids[1]: ids[2]}
    assert cas.counters["kept_by_recluster"] == 1
    comp = SemanticDedup(SemanticDedup.Params(scripts="all", threshold=0.95, prefilter="static", prefilter_threshold=0.85,
                                              cluster="component")).run(frame, Context())
    assert set(dropped(comp)) == set(dropped(full))  # components: A-B-C chain through B
    assert comp.rejected["similarity"].min() >= float(np.cos(np.radians(8))) - 1e-6


def test_empty_frame_and_no_candidates(planted):
    frame, calls = planted
    p = SemanticDedup.Params(scripts="all", prefilter="static", prefilter_threshold=1.0)
    res = SemanticDedup(p).run(frame.head(0), Context())
    assert res.kept.height == 0 and res.rejected.height == 0 and calls == []
    res = SemanticDedup(SemanticDedup.Params(scripts="all", prefilter="static", prefilter_threshold=0.9999)).run(
        frame.slice(2, 2), Context())  # C and D: static 50° apart
    assert res.kept.height == 2 and calls == [("static", [2, 3])]
    assert res.counters["prefilter_rows"] == 0


# ---------------------------------------------------------------- real models

def _no_network(*a, **k):
    raise AssertionError(f"network access attempted: {a[1:] if len(a) > 1 else a}")


@pytest.fixture(scope="session")
def static_model_root(tmp_path_factory):
    """A private model cache with the static model distilled once (~30 s), sockets forbidden."""
    from curate import embed as E

    root = tmp_path_factory.mktemp("cascade-models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CURATRAIN_MODEL_CACHE", str(root))
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        E.prepare_backend("default", "static")
        yield root


def _with_rewordings(rows):
    """The 17 real rows, plus planted rewordings of the first user turn of rows 6, 9 and 14."""
    out = [dict(r) for r in rows]
    edits = {6: lambda t: "Please " + t[0].lower() + t[1:], 9: lambda t: t.rstrip(".?!") + ", thanks!",
             14: lambda t: t.replace("  ", " ") + " Please answer briefly."}
    for i, f in edits.items():
        msgs = [dict(m) for m in rows[i]["messages"]]
        first = next(k for k, m in enumerate(msgs) if m["role"] == "user")
        msgs[first]["content"] = f(msgs[first]["content"])
        out.append({**rows[i], "id": rows[i]["id"] + "-reworded", "messages": msgs})
    return out


@pytest.mark.slow
def test_cascade_agrees_with_full_path_on_real_rows(rows, static_model_root, tmp_path):
    frame = make_frame(_with_rewordings(rows))
    common = dict(view="first_user_turn", threshold=0.95, max_seq_length=128)
    full = SemanticDedup(SemanticDedup.Params(**common, cache_dir=str(tmp_path / "a"))).run(frame, Context())
    cache = tmp_path / "b"
    cas = SemanticDedup(SemanticDedup.Params(**common, prefilter="static", cache_dir=str(cache))).run(frame, Context())
    assert dropped(cas) == dropped(full) == EXPECTED_DROPS
    assert cas.kept["id"].to_list() == full.kept["id"].to_list()
    assert cas.rejected["similarity"].to_list() == pytest.approx(full.rejected["similarity"].to_list(), abs=1e-5)
    assert cas.counters["prefilter_rows"] == EXPECTED_PREFILTER_ROWS < frame.height
    # the 2 rows with zero static vectors were Chinese greetings: they and the other 3 Chinese rows are
    # now outside the English model's scripts (scripts: auto), never embedded or compared
    assert cas.counters["prefilter_blind_rows"] == 0 and cas.counters["outside_model_scripts"] == 5
    assert cas.counters["candidate_pairs"] == full.counters["candidate_pairs"]
    # the backend's vectors of the candidate texts are in the shared cache (diversity_select reuses them)
    from curate.embed import EmbeddingCache, model_key
    texts = frame.select(view_expr("first_user_turn"))
    cached = EmbeddingCache(cache / model_key("default", 128, "torch"))
    # distinct texts less the 4 without a static candidate and the Chinese greeting (outside the model's scripts)
    assert len(cached.keys) == len(set(texts.to_series().to_list())) - 5


#: the fixture's documented pairs (README there) plus the three planted rewordings; identity #16/#17 are
#: both '你好', whose static vector is zero (so only the identical-text rule makes them candidates)
EXPECTED_DROPS = {
    "hikari/hikariming_alpaca-0-3252_en_original.json#11": "fastchat/fastchat_alpaca_data_cleaned_1000.json#10",
    "fastchat/fastchat_alpaca_data_cleaned_1000.json#34": "hikari/hikariming_alpaca-0-3252_en_original.json#35",
    "hikari/hikariming_alpaca-0-3252_en_original.json#1": "fastchat/fastchat_alpaca_data_cleaned_1000.json#1",
    "hikari/hikariming_alpaca-0-3252_en_original.json#3069": "alpaca/alpaca_5000.json#9",
    "oasst_tree/oasst_en_100_tree.jsonl#0": "oasst_msg/oasst_en_100_message.jsonl#0",
    # identity.json#16/#17 are Chinese greetings: the English MiniLM cannot read them (scripts: auto), so
    # semantic_dedup leaves them to exact/near dedup
    "hikari/hikariming_alpaca-0-3252_en_original.json#3069-reworded": "alpaca/alpaca_5000.json#9",
    "oasst_msg/oasst_en_100_message.jsonl#0-reworded": "oasst_msg/oasst_en_100_message.jsonl#0",
    "codealpaca/codealpaca_2k.json#5-reworded": "codealpaca/codealpaca_2k.json#5",
}
EXPECTED_PREFILTER_ROWS = 14  # of 20: the 4 rows without a static candidate and the 2 Chinese ones are never embedded by torch


def test_cosine_edges_equals_all_pairs_across_tiles():
    # diagonal tiles keep only their upper triangle; off-diagonal tiles everything; same order as a scan
    rng = np.random.default_rng(0)
    base = rng.normal(size=(40, 16))
    emb = np.vstack([base, base[:25] + 0.05 * rng.normal(size=(25, 16))]).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    full = emb @ emb.T
    want = [(i, j) for i in range(len(emb)) for j in range(i + 1, len(emb)) if full[i, j] >= 0.9]
    for block in (7, 16, 100):
        u, v, c = cosine_edges(emb, 0.9, None, block)
        assert sorted(zip(u.tolist(), v.tolist())) == want and len(want) >= 25
        np.testing.assert_allclose(c, full[u, v], atol=1e-6)
        assert (u < v).all()
