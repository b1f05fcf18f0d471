"""The shipped learned quality filter: ``LinearQualityModel`` (a fitted logistic pipeline as numpy
arrays) and ``quality_classifier`` with ``pretrained: builtin``, on the 40 real labelled pairs of
tests/fixtures/quality_labels_small.jsonl (copied from benchmarks/quality_labels.jsonl, so the
builtin model saw them: the end-to-end check is in-sample)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from curate.filters.classifier import BUILTIN_MODEL, LinearQualityModel, make_model
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.quality import Quality
from curate.stages.quality_classifier import QualityClassifier

FIX = Path(__file__).parent / "fixtures" / "quality_labels_small.jsonl"


def fixture_frame() -> tuple[pl.DataFrame, dict[str, str]]:
    rows = [json.loads(line) for line in FIX.read_text(encoding="utf-8").splitlines()]
    df = make_frame([{"id": r["id"], "source": r["source"],
                      "messages": [{"role": "user", "content": r["prompt"]},
                                   {"role": "assistant", "content": r["response"]}]} for r in rows])
    return df, {r["id"]: r["label"] for r in rows}


def test_numpy_model_equals_scikit_learn(tmp_path):
    rng = np.random.default_rng(0)
    E = rng.normal(size=(120, 9))
    S = rng.normal(size=(120, 4))
    S[rng.random(S.shape) < 0.1] = np.nan
    y = (E[:, 0] + np.nan_to_num(S[:, 1]) + rng.normal(scale=0.5, size=120) > 0).astype(int)
    X = np.hstack([E, S])
    sk = make_model("logistic", seed=1, n_embedding=9, components=3).fit(X, y)
    lin = LinearQualityModel.from_sklearn(sk, {"stat_columns": ["a", "b", "c", "d"], "threshold": 0.4})
    assert np.allclose(lin.p_good(E, S), sk.predict_proba(X)[:, 1], atol=1e-12)
    back = LinearQualityModel.load(lin.save(tmp_path / "m.npz"))
    assert np.allclose(back.p_good(E, S), sk.predict_proba(X)[:, 1], atol=1e-12)
    assert back.meta == lin.meta and back.stat_columns == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="do not match"):
        back.p_good(E[:, :8], S)
    with pytest.raises(ValueError, match="not a logistic make_model pipeline"):
        LinearQualityModel.from_sklearn(make_model("logistic"), {})


def test_builtin_model_describes_itself():
    m = LinearQualityModel.load("builtin")
    assert m.meta["backend"] == "onnx-int8" and m.meta["max_seq_length"] == 128
    assert 0.0 < m.meta["threshold"] < 0.5 and m.components.shape == (16, 769)
    assert len(m.stat_columns) + len(m.pair_columns) == m.stat_fill.shape[0] and "stat_refusal_turns" in m.stat_columns
    assert m.meta["trained_on"]["rows"] > 2000


def test_refusal_head_round_trips_and_checks_widths(tmp_path):
    """P(refusal) = sigmoid(r · coef + intercept) on the answer vector; saved and loaded with the model;
    a model without the head, or vectors of another width, raise ValueError."""
    rng = np.random.default_rng(1)
    E, S = rng.normal(size=(30, 9)), rng.normal(size=(30, 2))
    sk = make_model("logistic", seed=1, n_embedding=9, components=3).fit(np.hstack([E, S]), (E[:, 0] > 0).astype(int))
    lin = LinearQualityModel.from_sklearn(sk, {})
    assert not lin.has_refusal_head
    with pytest.raises(ValueError, match="no refusal head"):
        lin.p_refusal(E[:, 4:8])
    lin.refusal_coef, lin.refusal_intercept = np.array([1.0, -2.0, 0.5, 0.0]), -0.25
    R = E[:, 4:8]
    want = 1 / (1 + np.exp(-(R @ lin.refusal_coef - 0.25)))
    back = LinearQualityModel.load(lin.save(tmp_path / "m.npz"))
    assert back.has_refusal_head and np.allclose(back.p_refusal(R), want, atol=1e-12)
    assert back.p_refusal(np.zeros((0, 4))).shape == (0,)
    with pytest.raises(ValueError, match=r"takes \(n, 4\)"):
        back.p_refusal(E)


def test_prompt_aware_refusal_head_reads_answer_then_prompt(tmp_path):
    """A head of 2d coefficients scores [answer vector, prompt vector] (the builtin's); it needs the
    prompt vectors, of the answers' shape."""
    rng = np.random.default_rng(3)
    E, S = rng.normal(size=(30, 9)), rng.normal(size=(30, 2))
    sk = make_model("logistic", seed=1, n_embedding=9, components=3).fit(np.hstack([E, S]), (E[:, 0] > 0).astype(int))
    lin = LinearQualityModel.from_sklearn(sk, {})
    lin.refusal_coef, lin.refusal_intercept = rng.normal(size=8), 0.1
    Q, R = E[:, :4], E[:, 4:8]
    assert lin.refusal_uses_prompt
    want = 1 / (1 + np.exp(-(np.hstack([R, Q]) @ lin.refusal_coef + 0.1)))
    back = LinearQualityModel.load(lin.save(tmp_path / "m.npz"))
    assert np.allclose(back.p_refusal(R, Q), want, atol=1e-12)
    with pytest.raises(ValueError, match="takes the prompt vectors too"):
        back.p_refusal(R)
    with pytest.raises(ValueError, match="differ"):
        back.p_refusal(R, Q[:5])
    assert LinearQualityModel.load("builtin").refusal_uses_prompt


def test_main_model_does_not_judge_translations(tmp_path):
    """A translation request is not scored by the main model (stat_quality_clf null, kept): the English
    MiniLM cannot relate a Hindi prompt to its English answer (round 22: P(good) 0.03 for a correct one)."""
    assert LinearQualityModel.judges(["Translate to French: good luck", "把这句话翻译成英文：你好", "Explain gravity."]).tolist() \
        == [False, False, True]
    prompt = ("Detailed Instructions: In this task, you are given a sentence in the Hindi language and your task is to "
              "convert it into the English language. In translation, keep numbers as it is.\nProblem:हालांकि, प्रथम "
              "विश्व युद्ध के मद्देनजर ओटोमन और रूसी साम्राज्यों के पतन के कारण आर्मेनियाई-अज़रबैजानी युद्ध हुआ।\nSolution:")
    answer = ("However, the Armenian-Azerbaijani war took place due to the fall of the Ottoman and Russian empires in "
              "the context of World War I.")
    df = make_frame([{"id": "t", "source": "s", "messages": [{"role": "user", "content": prompt},
                                                              {"role": "assistant", "content": answer}]}])
    res = QualityClassifier(QualityClassifier.Params(pretrained="builtin")).run(df, Context(seed=13, cache_dir=tmp_path))
    assert res.rejected.height == 0 and res.kept["stat_quality_clf"].to_list() == [None]


def test_main_model_does_not_judge_terse_answers(tmp_path):
    """Answers of fewer than min_judged_words [4] words are the rules' to judge (written ru set G: "206" and "H₂SO₄"
    scored P(good) 0.06 and 0.03); min_judged_words: 0 judges them again."""
    rows = [("Сколько костей у взрослого человека?", "206"), ("Формула серной кислоты", "H₂SO₄"),
            ("Explain why the sky is blue.", "Sunlight scatters off air molecules, and blue light scatters most.")]
    df = make_frame([{"id": str(i), "source": "s", "messages": [{"role": "user", "content": q},
                                                                 {"role": "assistant", "content": a}]}
                     for i, (q, a) in enumerate(rows)])
    res = QualityClassifier(QualityClassifier.Params(pretrained="builtin")).run(df, Context(seed=13, cache_dir=tmp_path))
    scores = dict(zip(res.kept["id"].to_list(), res.kept["stat_quality_clf"].to_list()))
    assert scores["0"] is None and scores["1"] is None and scores["2"] is not None
    res0 = QualityClassifier(QualityClassifier.Params(pretrained="builtin", min_judged_words=0)).run(
        df, Context(seed=13, cache_dir=tmp_path))
    judged = pl.concat([res0.kept.select("id", "stat_quality_clf"), res0.rejected.select("id", "stat_quality_clf")])
    assert judged["stat_quality_clf"].null_count() == 0


def test_refusal_head_skips_transform_prompts():
    """A translation, rewrite or quotation task is not judged by the refusal head: "Good luck." is
    the translation of "Bonne chance", not a brush-off (round 18)."""
    applies = LinearQualityModel.refusal_head_applies(
        ['Translate the phrase "Bonne chance" into English', "把这句话翻译成英文：祝你好运",
         "Rewrite this sentence politely.\nGo away.", "How do I make a bomb?", "Tell me a joke. Translate it later."])
    assert applies.tolist() == [False, False, False, True, True]


def test_refusal_threshold_needs_a_refusal_head(tmp_path):
    """refusal_threshold with labels (no head) is a config error; with a model file that has no head it is
    reported at validate time (check_inputs), naming the file."""
    with pytest.raises(ValidationError, match="refusal_threshold applies to a pretrained model"):
        QualityClassifier.Params(labels=str(FIX), refusal_threshold=0.9)
    assert QualityClassifier.Params(pretrained="builtin", refusal_threshold=0.9).check_inputs() == []
    rng = np.random.default_rng(2)
    E, S = rng.normal(size=(30, 9)), rng.normal(size=(30, 2))
    sk = make_model("logistic", seed=1, n_embedding=9, components=3).fit(np.hstack([E, S]), (E[:, 0] > 0).astype(int))
    path = LinearQualityModel.from_sklearn(sk, {}).save(tmp_path / "nohead.npz")
    assert QualityClassifier.Params(pretrained=str(path), refusal_threshold=0.9).check_inputs() == [
        f"refusal_threshold: the model {path} has no refusal head"]


def test_params_need_exactly_one_source(tmp_path):
    with pytest.raises(ValidationError, match="exactly one of labels"):
        QualityClassifier.Params()
    with pytest.raises(ValidationError, match="exactly one of labels"):
        QualityClassifier.Params(labels=str(FIX), pretrained="builtin")
    with pytest.raises(ValidationError, match="unknown embedding backend"):
        QualityClassifier.Params(labels=str(FIX), backend="tensorrt")
    assert QualityClassifier.Params(pretrained="builtin").model_path() == BUILTIN_MODEL
    assert QualityClassifier.Params(pretrained="builtin").missing_files() == []
    nope = tmp_path / "nope.npz"
    assert QualityClassifier.Params(pretrained=str(nope)).missing_files() == [
        f"pretrained: file not found: {nope} (relative to {Path.cwd()})"]
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(2))
    msgs = QualityClassifier.Params(pretrained=str(bad)).check_inputs()
    assert len(msgs) == 1 and msgs[0].startswith("pretrained: ") and "not a curatrain quality model" in msgs[0]


def test_builtin_scores_real_pairs(tmp_path, caplog):
    """After lima.yaml's quality stats, the builtin model ranks the 40 labelled pairs: bad pairs
    score lower than good ones (ROC-AUC ≥ 0.8, in-sample), the model's threshold is the default, a
    threshold in the YAML replaces it, and a frame without the stat columns is scored with a warning."""
    import yaml

    df, labels = fixture_frame()
    spec = yaml.safe_load((Path(__file__).parents[1] / "pipelines" / "lima.yaml").read_text())
    qp = {k: v for k, v in next(s for s in spec["stages"] if s.get("stage") == "quality").items() if k != "stage"}
    ctx = Context(seed=13, cache_dir=tmp_path / "cache")
    stats = Quality(Quality.Params(**qp)).compute_stats(df, ctx)
    stage = QualityClassifier(QualityClassifier.Params(pretrained="builtin"))
    res = stage.run(stats, ctx)
    score = dict(zip(res.kept["id"].to_list() + res.rejected["id"].to_list(),
                     res.kept["stat_quality_clf"].to_list() + res.rejected["stat_quality_clf"].to_list()))
    good = [score[i] for i, lab in labels.items() if lab == "good" and score[i] is not None]
    bad = [score[i] for i, lab in labels.items() if lab != "good" and score[i] is not None]
    auc = np.mean([g > b for g in good for b in bad])
    assert auc >= 0.8, auc
    meta = LinearQualityModel.load("builtin").meta
    thr, r_thr = meta["threshold"], meta["refusal_threshold"]
    refusal = dict(zip(res.kept["id"].to_list() + res.rejected["id"].to_list(),
                       res.kept["stat_refusal_clf"].to_list() + res.rejected["stat_refusal_clf"].to_list()))
    judged = {i: s for i, s in refusal.items() if s is not None}  # null: a translate/rewrite prompt, not judged
    assert set(res.rejected["id"]) == {i for i, s in score.items()
                                       if (s is not None and s < thr) or judged.get(i, 0.0) > r_thr}
    # the refusal head: what it drops is labelled bad, and labelled refusals score above the good rows
    head = {i for i, s in judged.items() if s > r_thr}
    # (the fixture's off_topic "抱歉，作为AI语言模型我无法直接生成图片…" opens with a refusal too)
    assert head and all(labels[i] != "good" for i in head) and sum(labels[i] == "refusal" for i in head) >= 3, head
    assert res.counters["dropped_by_refusal_head"] == len({i for i in head if score[i] >= thr})  # first rule wins
    ref = [judged[i] for i, lab in labels.items() if lab == "refusal" and i in judged]
    assert np.mean([r > judged[i] for r in ref for i, lab in labels.items() if lab == "good" and i in judged]) >= 0.85
    assert res.counters["stat_columns_missing"] == 0
    none = QualityClassifier(QualityClassifier.Params(pretrained="builtin", threshold=0.0, refusal_head=False)).run(
        stats, ctx)
    assert none.rejected.height == 0 and "stat_refusal_clf" not in none.kept.columns
    only_head = QualityClassifier(QualityClassifier.Params(pretrained="builtin", threshold=0.0)).run(stats, ctx)
    assert set(only_head.rejected["id"]) == head
    assert only_head.rejected["drop_detail"].str.ends_with("(refusal head)").all()
    scored = QualityClassifier(QualityClassifier.Params(pretrained="builtin", threshold=None)).run(stats, ctx)
    assert scored.rejected.height == 0 and "stat_refusal_clf" in scored.kept.columns
    with caplog.at_level(logging.WARNING):
        bare = stage.run(df, ctx)
    assert bare.counters["stat_columns_missing"] == len(LinearQualityModel.load("builtin").stat_columns)
    assert "take the training medians" in caplog.text


def test_pair_stats_relevance_columns():
    """Cosine passed on, share of the prompt's content units in the answer, prompt size, script flag
    and the two per-script products; hand-computed on two pairs."""
    from curate.filters.classifier import PAIR_COLUMNS, pair_stats

    got = pair_stats(["Explain photosynthesis in plants", "写一首关于秋天的诗"],
                     ["Photosynthesis lets plants turn light into sugar.", "秋天的落叶金黄。"], np.array([0.7, 0.2]))
    assert got.shape == (2, len(PAIR_COLUMNS))
    # {expla, photo, plant}: photo and plant found; 8 bigrams of the poem prompt, 秋天 and 天的 found
    assert np.allclose(got[0, :6], [0.7, 2 / 3, np.log1p(3), 0.0, 0.0, 0.0])
    assert np.allclose(got[1, :6], [0.2, 2 / 8, np.log1p(8), 1.0, 0.2, 2 / 8])
    # the pair encoder's cosine, and its product with the CJK flag
    assert 0.0 < got[0, 6] <= 1.0 and got[0, 7] == 0.0 and got[1, 7] == got[1, 6] > 0.0
    assert np.allclose(pair_stats(["?"], ["Anything."], np.zeros(1)), [[0.0] * len(PAIR_COLUMNS)])
    # any subset, in the order asked (models saved before the association columns name the first six)
    sub = pair_stats(["Explain photosynthesis in plants"], ["Photosynthesis lets plants turn light into sugar."],
                     np.array([0.7]), columns=["pair_overlap", "pair_cosine"])
    assert np.allclose(sub, [[2 / 3, 0.7]])
    with pytest.raises(ValueError, match="2 prompts, 1 responses"):
        pair_stats(["a", "b"], ["c"], np.zeros(2))
    with pytest.raises(ValueError, match="unknown columns .'pair_bogus'."):
        pair_stats(["a"], ["b"], np.zeros(1), columns=["pair_bogus"])


def test_builtin_model_reads_pair_columns(tmp_path):
    """The shipped model's stat block ends with the pair_stats columns, the pair encoder's among them;
    a file naming a pair column this version does not know is refused rather than misread."""
    from curate.filters.classifier import PAIR_COLUMNS

    m = LinearQualityModel.load("builtin")
    assert m.pair_columns == list(PAIR_COLUMNS) and "pair_assoc_cjk" in m.pair_columns
    assert m.stat_fill.shape[0] == len(m.stat_columns) + len(PAIR_COLUMNS)
    older = LinearQualityModel(**{**m.__dict__, "meta": {**m.meta, "pair_columns": list(PAIR_COLUMNS[:6])}})
    assert LinearQualityModel.load(older.save(tmp_path / "older.npz")).pair_columns == list(PAIR_COLUMNS[:6])
    odd = LinearQualityModel(**{**m.__dict__, "meta": {**m.meta, "pair_columns": ["pair_cosine", "pair_bogus"]}})
    with pytest.raises(ValueError, match="not among this version's"):
        LinearQualityModel.load(odd.save(tmp_path / "odd.npz")).pair_columns
    msgs = QualityClassifier.Params(pretrained=str(tmp_path / "odd.npz")).check_inputs()
    assert len(msgs) == 1 and msgs[0].startswith("pretrained: model pair_columns")  # before any work


@pytest.mark.parametrize("lang, n, min_swapped, max_good", [("en", 8, 6, 1), ("zh", 11, 6, 0)])
def test_builtin_drops_answers_to_another_prompt(tmp_path, lang, n, min_swapped, max_good):
    """The good pairs of one language in the fixture, each answer moved to the next prompt: the shipped
    model drops at least ``min_swapped`` of the swapped pairs and at most ``max_good`` originals.
    English (8 pairs): trained with swapped-answer negatives and the pair_stats columns it drops ≥ 6;
    the model before those (the cosine inside the PCA block) dropped 3. Chinese (11 pairs): with the
    pair encoder's columns it drops ≥ 6 and no original; the model before them (MiniLM cosine and
    unit overlap only) dropped 3."""
    import yaml

    rows = [json.loads(line) for line in FIX.read_text(encoding="utf-8").splitlines()]
    good = [r for r in rows if r["label"] == "good" and r["lang"] == lang]
    assert len(good) == n
    swapped = [dict(g, id="swap:" + g["id"], response=o["response"]) for g, o in zip(good, good[1:] + good[:1])]
    df = make_frame([{"id": r["id"], "source": r["source"],
                      "messages": [{"role": "user", "content": r["prompt"]},
                                   {"role": "assistant", "content": r["response"]}]} for r in good + swapped])
    spec = yaml.safe_load((Path(__file__).parents[1] / "pipelines" / "lima.yaml").read_text())
    qp = {k: v for k, v in next(s for s in spec["stages"] if s.get("stage") == "quality").items() if k != "stage"}
    ctx = Context(seed=13, cache_dir=tmp_path / "cache")
    res = QualityClassifier(QualityClassifier.Params(pretrained="builtin")).run(
        Quality(Quality.Params(**qp)).compute_stats(df, ctx), ctx)
    dropped = set(res.rejected["id"].to_list())
    assert sum(r["id"] in dropped for r in swapped) >= min_swapped
    assert sum(r["id"] in dropped for r in good) <= max_good


def test_refusal_head_skips_prompts_about_the_assistant():
    """"Are you a person?" → "No, I'm an AI language model…" is the answer (written en set I: P(refusal) 0.93)."""
    assert LinearQualityModel.refusal_head_applies(["What are you, exactly? Are you a person?", "你是谁？",
                                                    "Tell me a joke about cats."]).tolist() == [False, False, True]
