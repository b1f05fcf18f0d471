"""curate.dedup.partition: k-means partitioned cosine pairs find (almost) every exact pair, never a false one."""

from __future__ import annotations

import numpy as np

from curate.dedup.partition import kmeans, partitioned_cosine_edges
from curate.dedup.semantic import cosine_edges


def _clustered(n: int, d: int = 32, seed: int = 0) -> np.ndarray:
    """Unit vectors around 40 topics, with planted near-duplicates (cos ≈ 0.97-0.99) and skew:
    one topic holds a third of the points (an English model's view of Chinese text)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(40, d))
    which = np.where(rng.random(n) < 0.33, 0, rng.integers(1, 40, n))
    x = topics[which] + 0.9 * rng.normal(size=(n, d))
    dup = rng.random(n) < 0.2
    src = rng.integers(0, n, n)
    x[dup] = x[src[dup]] + 0.12 * rng.normal(size=(int(dup.sum()), d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_partitioned_pairs_are_exact_pairs_with_high_recall():
    x = _clustered(6000)
    u, v, c = cosine_edges(x, 0.95)
    pu, pv, pc = partitioned_cosine_edges(x, 0.95, max_cluster=800, seed=1)
    full = set(zip(u.tolist(), v.tolist()))
    part = set(zip(pu.tolist(), pv.tolist()))
    assert len(full) > 300
    assert part <= full                                  # never a pair the exact pass would not find
    assert len(part) / len(full) >= 0.97                 # boundary points in two clusters keep recall high
    assert np.all(pc >= 0.95) and np.all(pu < pv)
    again = partitioned_cosine_edges(x, 0.95, max_cluster=800, seed=1)
    assert np.array_equal(again[0], pu) and np.array_equal(again[1], pv)  # deterministic


def test_small_inputs_take_the_exact_path_and_valid_masks_rows():
    x = _clustered(500)
    valid = np.ones(500, bool)
    valid[::7] = False
    u, v, _ = partitioned_cosine_edges(x, 0.95, valid, max_cluster=1000)
    eu, ev, _ = cosine_edges(x, 0.95, valid)
    assert sorted(zip(u.tolist(), v.tolist())) == sorted(zip(eu.tolist(), ev.tolist()))
    assert not (set(u.tolist()) | set(v.tolist())) & set(np.flatnonzero(~valid).tolist())


def test_kmeans_centroids_are_unit_and_deterministic():
    x = _clustered(3000)
    a, b = kmeans(x, 12, seed=3), kmeans(x, 12, seed=3)
    assert a.shape == (12, 32) and np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5) and np.array_equal(a, b)


def test_semantic_dedup_partitions_past_exact_max_rows():
    """Above exact_max_rows the stage searches pairs in k-means partitions; on a small real frame of
    templated chats (the hardest case: many near-identical prompts) the drops match the all-pairs path's."""
    from curate.readers import read_paths
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.semantic_dedup import SemanticDedup

    df = make_frame(read_paths(["pipelines/data/sample/fastchat_dummy_conversation.json",
                                "pipelines/data/sample/oasst_en_100_tree.jsonl"]).rows)
    base = dict(view="first_user_turn", backend="static", threshold=0.9)
    full = SemanticDedup(SemanticDedup.Params(**base)).run(df, Context())
    part = SemanticDedup(SemanticDedup.Params(**base, exact_max_rows=50, partition_max_cluster=256)).run(df, Context())
    assert full.rejected.height > 20
    a, b = set(full.rejected["id"].to_list()), set(part.rejected["id"].to_list())
    assert len(a & b) >= 0.97 * len(a) and len(b - a) <= 0.01 * len(a)  # a pair split by a boundary may be missed
