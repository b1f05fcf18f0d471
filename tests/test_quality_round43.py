"""Rules changed after the round-43 hold-out (benchmarks/quality_labels_fresh40.jsonl) was scored blind and
read: hh-rlhf deflections and an ASCII smiley kept, each with hard negatives."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import degenerate_metrics
from curate.filters.patterns import refusal_pattern

SOFT = re.compile(refusal_pattern(("soft",), rust=False))
REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False))


@pytest.mark.parametrize("text", [
    "Hm, what did the Nazis believe? It depends on which ones you mean.",
    "It’s really an ethical question and that’s not my area of expertise.",
    "For real, I don’t really know of any great vegan insults.",
])
def test_soft_deflections(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text", [
    "It depends on what you mean by intermittent fasting: the 5:2 diet has little evidence behind it.",
    "Gardening is not my area, but tomatoes need six hours of sun.",  # "area" alone: a hedge before an answer
])
def test_hedges_before_an_answer_are_not_soft(text):
    assert not SOFT.search(text)


def test_not_actually_able_to_tell_you_is_a_refusal():
    assert REFUSAL.search("I’m happy to help, but I’m not actually able to tell you the weather forecast in Naperville.")


def test_an_ascii_smiley_is_the_answer_to_a_smiley_request():
    assert degenerate_metrics(":-)", "Generate a smiley face using only ASCII characters")["echo"] == 0
    assert degenerate_metrics(":-)", "仅使用 ASCII 字符生成笑脸")["echo"] == 0
    # an emoji returned for "convert to ASCII" is still no answer
    assert degenerate_metrics("😈", "将以下 unicode 文本转换为 ASCII\n\n“\\U0001F608”")["echo"] == 1
