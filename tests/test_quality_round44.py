"""Rules changed after the round-44 hold-out (benchmarks/quality_labels_fresh41.jsonl) was scored blind and
read: "That depends!" as the whole answer, its Russian forms, and a 【…】 stand-in, each with hard negatives."""

from __future__ import annotations

import re

import pytest

from curate.filters.nonanswer import stand_in
from curate.filters.patterns import refusal_pattern

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False))
SOFT = re.compile(refusal_pattern(("soft",), rust=False))


@pytest.mark.parametrize("text", ["That depends!", "That depends.", "Well, this really depends.", "It all depends"])
def test_it_depends_alone_is_a_refusal(text):
    assert REFUSAL.search(text)


@pytest.mark.parametrize("text", ["Зависит от ситуации.", "Смотря как.", "Ну, это зависит."])
def test_russian_it_depends_alone_is_soft(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text", [
    "That depends on the water temperature: cold shock can kill within minutes.",
    "The answer depends on your income and where you live.",
    "Всё зависит от температуры воды: в холодной воде счёт идёт на минуты.",
])
def test_it_depends_before_an_answer_is_not(text):
    assert not REFUSAL.search(text) and not SOFT.search(text)


def test_a_full_width_bracketed_screenshot_is_a_stand_in():
    assert stand_in("【Github网站截图】") == "stand_in: '【Github网站截图】'"
    assert stand_in("【老师、学生、作业】") is None  # a list of values
    assert stand_in("【答案】42") is None  # a heading before the answer
