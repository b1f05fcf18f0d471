"""The pair encoder (curate.filters.pair_encoder): tokens, hashing, fitting, the shipped model, errors."""
from __future__ import annotations

import numpy as np
import pytest

from curate.filters.pair_encoder import DEFAULT_MODEL, PairEncoder, association, featurize, fit_pair_encoder, tokens


def test_tokens_word_stems_and_cjk_characters():
    """Stopwords out, words cut to 5 letters, every CJK character and bigram; NFKC folds full-width."""
    assert tokens("Write a POEM about the Moonlight") == ["write", "poem", "moonl"]
    assert tokens("写诗 about the moon") == ["moon", "写", "诗", "写诗"]
    assert tokens("ＡＢＣＤ") == ["abcd"]
    assert tokens("") == [] and tokens("123 ?!") == []


def test_featurize_rows_are_unit_length_and_empty_rows_zero():
    X = featurize(["The moon rises over the sea", "", "月亮升起"])
    assert X.shape == (3, 2**15)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert np.allclose(norms, [1.0, 0.0, 1.0], atol=1e-6)


def _toy_pairs(n: int, seed: int):
    """Prompts name a topic by one word, answers use another word of the same topic (no shared word)."""
    topics = [("kitten", "purring whiskers"), ("volcano", "lava eruption"), ("violin", "strings bow"),
              ("soccer", "goal striker"), ("bakery", "bread flour"), ("comet", "orbit tail"),
              ("glacier", "ice melting"), ("tomato", "garden sauce")]
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        k = int(rng.integers(len(topics)))
        filler = " ".join(rng.choice(["please", "tell", "something", "quick", "short", "nice"], 2))
        out.append((f"{filler} {topics[k][0]}", f"{topics[k][1]} indeed", k))
    return out


def test_fit_learns_associations_without_shared_words(tmp_path):
    """Trained on toy pairs whose prompt and answer share no word, the encoder scores held-out true
    pairs above the same prompts with another topic's answer; save/load keeps every score."""
    train, test = _toy_pairs(400, 0), _toy_pairs(60, 1)
    enc = fit_pair_encoder([p for p, _, _ in train], [r for _, r, _ in train], dim=16, epochs=6, batch=32, seed=0,
                           settings={"n_features": 2**10})
    ps, rs = [p for p, _, _ in test], [r for _, r, _ in test]
    other = [next(r2 for _, r2, k2 in test if k2 != k) for _, _, k in test]
    own, moved = enc.association(ps, rs), enc.association(ps, other)
    assert (own > moved).mean() >= 0.95
    assert enc.meta["pairs"] == 400 and len(enc.meta["loss_per_epoch"]) == 6
    back = PairEncoder.load(enc.save(tmp_path / "enc.npz"))
    assert np.array_equal(back.association(ps, rs), own)


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="needs >= 2 pairs"):
        fit_pair_encoder(["a"], ["b"])
    with pytest.raises(ValueError, match="2 prompts, 1 responses"):
        fit_pair_encoder(["a", "b"], ["c"])


def test_shipped_model_reads_chinese():
    """The shipped encoder ranks each Chinese answer higher with its own prompt than with the others,
    where the English MiniLM cannot tell (a poem about autumn, a recipe, a maths word problem)."""
    prompts = ["写一首关于秋天的诗", "制作香蕉煎饼的食谱", "一支球队赢了6场输了3场，求胜率"]
    answers = ["落叶飘零，金风送爽，田野一片金黄。", "原料：2杯面粉、2个鸡蛋、2根香蕉，搅拌后用平底锅煎至两面金黄。",
               "胜率 = 6 ÷ 10 = 60%，输率 = 3 ÷ 10 = 30%。"]
    enc = PairEncoder.load(DEFAULT_MODEL)
    S = enc.vectors(prompts) @ enc.vectors(answers).T
    assert all(S[i, i] > max(S[i, j] for j in range(3) if j != i) for i in range(3))
    assert np.allclose(association(prompts, answers), np.diag(S), atol=1e-6)
    assert association(["?"], ["好"]).tolist() == [0.0]


def test_load_errors_are_one_line(tmp_path):
    with pytest.raises(ValueError, match=r"cannot load pair encoder .*missing\.npz"):
        PairEncoder.load(tmp_path / "missing.npz")
    enc = PairEncoder(weights=np.zeros((2**4, 2)), idf=np.ones(2**4), settings={"n_features": 2**4})
    path = enc.save(tmp_path / "v.npz")
    with np.load(path) as z:
        arrays = dict(z)
    arrays["settings"] = np.array('{"version": 99, "n_features": 16}')
    np.savez(tmp_path / "v99.npz", **arrays)
    with pytest.raises(ValueError, match="format version 99"):
        PairEncoder.load(tmp_path / "v99.npz")
    with pytest.raises(ValueError, match="do not fit n_features"):
        PairEncoder(weights=np.zeros((8, 2)), idf=np.ones(8), settings={"n_features": 16})
