"""A referral that closes an answer under a condition ("If it lasts a month, see a doctor") is advice,
not a deflection, in every language; the same referral as the whole answer still is one."""
from __future__ import annotations

import re

import pytest

from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import CONDITION_RE, soft_refusal

SOFT = re.compile(refusal_pattern(("soft",), rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("Я не могу уснуть по ночам. Что делать?",
     "Попробуйте ложиться в одно и то же время, не пользоваться телефоном за час до сна. "
     "Если бессонница длится больше месяца, обратитесь к врачу."),
    ("У меня болит горло. Что делать?",
     "Пейте тёплое питьё, полощите горло солевым раствором, отдыхайте. "
     "Если температура выше 38 или боль не проходит три дня, обратитесь к врачу."),
    ("我晚上睡不着怎么办？", "尽量每天同一时间上床，睡前一小时不看手机，下午不要喝咖啡。如果失眠超过一个月，请咨询医生。"),
    ("My knee hurts after running. What should I do?",
     "Rest it for a few days and ice it twice a day. If the pain lasts more than a week, please consult a doctor."),
])
def test_a_conditional_referral_after_an_answer_is_kept(prompt, answer):
    assert not soft_refusal(answer, prompt, SOFT, final=True).is_refusal


@pytest.mark.parametrize("prompt, answer", [
    ("У меня болит горло. Что делать?", "Обратитесь к врачу."),
    ("我晚上睡不着怎么办？", "建议您咨询专业医生。"),
    ("My knee hurts after running. What should I do?", "Please consult a doctor."),
])
def test_the_referral_alone_is_still_soft(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT, final=True).is_refusal


def test_condition_openers_are_whole_words():
    assert all(CONDITION_RE.search(t) for t in ("If it lasts", "Если боль", "При сильной боли", "如果失眠", "当症状持续时，请就医"))
    assert not any(CONDITION_RE.search(t) for t in ("Ifrit is a spirit", "Приветствую", "当然可以", "Whenceforth"))
