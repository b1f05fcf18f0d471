"""curate.filters.voice: the shipped user-voice model loads and separates clear cases; save/load is
exact; a corrupt file fails in one line; fitting a tiny synthetic set works. Offline, fast."""
from __future__ import annotations

import numpy as np
import pytest

from curate.filters import voice
from curate.filters.voice import DEFAULT_MODEL, UserVoiceModel, featurize, fit_user_voice, user_voice

# hand-written, real-looking; not taken from the label files or the training dumps
USER = [
    "hey can you help me write a cover letter for a barista job? i have no experience",
    "how do i make my python script run faster, it takes like 10 minutes",
    "Can you act as my personal trainer and tell me what exercises to do today?",
    "ok thanks. now explain the second one again but simpler please",
    "我想学做红烧肉，你能告诉我怎么做吗？",
    "帮我写一封请假邮件给老板，明天要去医院",
    "Привет, можешь подсказать, как настроить роутер дома?",
    "Спасибо, а можно подробнее про второй пункт?",
]
# Known gap: ../shared/data holds almost no Russian turns once the label files' texts are left out
# (15 user, 0 assistant), so Russian scores rest on punctuation and layout: questions come out high,
# a plain imperative request does not.
RU_IMPERATIVE = "Напиши мне, пожалуйста, короткое поздравление с днём рождения для мамы"
ASSISTANT = [
    "Sure! Here is a short cover letter you can adapt:\n\nDear Hiring Manager,\n\nI am excited to apply for "
    "the barista position at your café. Although I have not worked in a coffee shop before, I bring strong "
    "customer-service skills and a willingness to learn.",
    "There are several ways to speed up a Python script:\n\n1. Profile it first with `cProfile` to find the "
    "slow parts.\n2. Use built-in functions and list comprehensions instead of explicit loops.\n3. Consider "
    "NumPy for numerical work.",
    "The capital of Australia is Canberra. It was chosen as a compromise between Sydney and Melbourne and "
    "has been the seat of government since 1927.",
    "红烧肉的做法如下：\n1. 将五花肉切成小块，冷水下锅焯水。\n2. 锅中放少量油，加入冰糖炒出糖色。\n3. 放入肉块翻炒上色，"
    "加入生抽、老抽和料酒。\n4. 加开水没过肉，小火炖一个小时，最后大火收汁即可。",
    "Чтобы настроить роутер, выполните следующие шаги:\n1. Подключите роутер к компьютеру кабелем.\n2. Откройте "
    "в браузере адрес 192.168.0.1.\n3. Введите логин и пароль, указанные на наклейке устройства.",
]


def test_featurize_shape_and_determinism():
    X = featurize(["hello there", "", None, "你好"])
    width = voice.DEFAULT_SETTINGS["char_features"] + voice.DEFAULT_SETTINGS["word_features"]
    assert X.shape == (4, width) and X.dtype == np.float32
    assert X[1].nnz == 0 and X[2].nnz == 0
    assert (featurize(["hello there"]) != X[0]).nnz == 0
    # only the first max_chars characters count
    n = voice.DEFAULT_SETTINGS["max_chars"]
    assert (featurize(["a" * (n + 100) + "zzz"]) != featurize(["a" * n])).nnz == 0
    with pytest.raises(ValueError, match="unknown"):
        featurize(["x"], {"no_such_setting": 1})


def test_shipped_model_loads_and_separates_clear_cases():
    assert DEFAULT_MODEL.exists() and DEFAULT_MODEL.stat().st_size < 1_500_000
    m = UserVoiceModel.load(DEFAULT_MODEL)
    assert m.settings["version"] == voice.FORMAT_VERSION
    pu, pa = user_voice(USER), user_voice(ASSISTANT)
    assert pu.dtype == np.float32 and pu.shape == (len(USER),)
    assert (pu > 0.5).all(), dict(zip(USER, pu.round(3)))
    assert (pa < 0.5).all(), dict(zip(ASSISTANT, pa.round(3)))
    assert pu.min() > pa.max()
    assert user_voice([]).shape == (0,)


@pytest.mark.xfail(strict=True, reason="no Russian training turns; see RU_IMPERATIVE and models/README.md")
def test_russian_imperative_request_scores_high():
    assert user_voice([RU_IMPERATIVE])[0] > 0.5


def test_save_load_round_trip_is_exact(tmp_path):
    m = fit_user_voice(USER * 2, ASSISTANT * 2, C=1.0, seed=3, settings={"char_features": 2**10, "word_features": 2**8})
    path = m.save(tmp_path / "m.npz")
    m2 = UserVoiceModel.load(path)
    assert np.array_equal(m.coef, m2.coef) and m.intercept == m2.intercept and m.settings == m2.settings
    texts = USER + ASSISTANT + ["hi", "Wie ist dein Name?"]
    assert np.array_equal(m.predict_proba(texts), m2.predict_proba(texts))
    assert np.array_equal(user_voice(texts, model_path=path), m.predict_proba(texts))


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", None])
def test_missing_or_corrupt_file_is_one_line_value_error(tmp_path, content):
    path = tmp_path / "bad.npz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError) as err:
        UserVoiceModel.load(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg


def test_wrong_version_and_shape_rejected(tmp_path):
    m = fit_user_voice(["how do i do this?"], ["Here is how you do it."], settings={"char_features": 64, "word_features": 32})
    path = tmp_path / "v.npz"
    np.savez_compressed(path, coef=m.coef, intercept=np.array([0.0], np.float32),
                        settings=np.array('{"version": 99}'))
    with pytest.raises(ValueError, match="version"):
        UserVoiceModel.load(path)
    with pytest.raises(ValueError, match="shape"):
        UserVoiceModel(coef=np.zeros(5), intercept=0.0, settings=m.settings)


def test_fit_tiny_synthetic_set():
    users = [f"can you tell me how to {v} my {n}?" for v in ("fix", "clean", "paint", "sell") for n in ("car", "bike", "house")]
    assts = [f"To {v} your {n}, start by checking the manual. Then follow these steps carefully." for v in ("fix", "clean", "paint", "sell")
             for n in ("car", "bike", "house")]
    m = fit_user_voice(users, assts, C=10.0, settings={"char_features": 2**12, "word_features": 2**10})
    p = m.predict_proba(["can you tell me how to wash my dog?", "To wash your dog, start by checking the water. Then follow these steps."])
    assert p.shape == (2,) and p[0] > 0.5 > p[1]
    with pytest.raises(ValueError, match="both voices"):
        fit_user_voice([], assts)
