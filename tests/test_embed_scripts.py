"""curate.embed_scripts: which texts the English MiniLM reads, lexical vectors for the rest, and the stages."""

from __future__ import annotations

import numpy as np

from curate.embed_scripts import join_spaces, lexical_vectors, model_scripts, readable


def test_readable_by_main_script():
    texts = ["How do I bake bread?", "解释货币贬值的概念", "Как испечь хлеб?", "42", "", "What does 你好 mean in English?"]
    assert model_scripts("default") == ("latin",) and model_scripts("my/multilingual-model") is None
    assert readable(texts, ("latin",)).tolist() == [True, False, False, True, True, True]
    assert readable(texts, None).all()


def test_lexical_vectors_tell_chinese_prompts_apart_and_join_orthogonally():
    zh = ["解释货币贬值的概念", "解释细菌转化的过程", "货币贬值的原因是什么", "细菌如何转化", "写一首关于秋天的诗", "秋天的诗歌"]
    v = lexical_vectors(zh, dim=8, seed=0)
    assert v.shape == (6, 8) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[2] > v[0] @ v[4]                     # shares 货币贬值 more than it shares with the poem
    assert np.array_equal(v, lexical_vectors(zh, dim=8, seed=0))
    model = np.eye(3, 4, dtype=np.float32)
    x = join_spaces(model, np.array([True, False, True, False, True]), v[:2])
    assert x.shape == (5, 12) and abs(float(x[0] @ x[1])) == 0.0 and float(x[1] @ x[3]) == float(v[0] @ v[1])


def test_semantic_dedup_leaves_unreadable_scripts_alone():
    import polars as pl

    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.semantic_dedup import SemanticDedup

    rows = [{"id": f"r{i}", "source": "s", "messages": [{"role": "user", "content": u}, {"role": "assistant", "content": "ok."}]}
            for i, u in enumerate(["解释货币贬值的概念", "解释细菌转化的过程", "How do I bake bread?", "How do I bake bread at home?"])]
    df = make_frame(rows)
    res = SemanticDedup(SemanticDedup.Params(view="first_user_turn", backend="static", threshold=0.9)).run(df, Context())
    assert res.counters["outside_model_scripts"] == 2
    assert not set(res.rejected["id"].to_list()) & {"r0", "r1"}   # never compared by an English model
    both = SemanticDedup(SemanticDedup.Params(view="first_user_turn", backend="static", threshold=0.9, scripts="all"))
    assert both.run(df, Context()).counters["outside_model_scripts"] == 0
    assert isinstance(res.kept, pl.DataFrame)
