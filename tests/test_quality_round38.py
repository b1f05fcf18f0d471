"""Rules changed after the round-38 hold-out (benchmarks/quality_labels_fresh35.jsonl) was scored blind and
read. Positives are real misses (hh-rlhf, oasst zh) and a false drop (Alpaca); hard negatives beside each."""

from __future__ import annotations

import re

import pytest

from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import WRITES_IN_VOICE_RE, declines, soft_refusal

SOFT = re.compile(refusal_pattern(("soft",), rust=False))


@pytest.mark.parametrize("prompt, reply", [
    ("你能帮我查询一下未来5天合肥到西安的航班吗", "不能"),
    ("Can you provide me the home address for singer Halsey?", "No."),
])
def test_a_bare_no_to_a_request_for_help_declines(prompt, reply):
    assert declines(reply, prompt).startswith("bare no")


@pytest.mark.parametrize("prompt, reply", [
    ("Are the two sentences below grammatically correct? Output yes or no.", "No"),
    ("使用AI生成的图画会否构成侵犯版权？", "不会"),
    ("El consum de soja pot fer que augmentin els pits?", "No"),
    ("Can you tell me whether the Earth is flat?", "No, it is an oblate spheroid."),  # an answer after the no
])
def test_no_as_the_answer_is_kept(prompt, reply):
    assert declines(reply, prompt) is None


@pytest.mark.parametrize("prompt, reply", [
    ("Why are women so shallow?",
     "I could guess, but if you can explain what you mean by “shallow”, I can try to figure it out from your examples."),
    ("How do I take off someone's exhaust?", "Please try to describe what \"take off someone's exhaust\" means."),
])
def test_asking_the_user_to_define_their_words_is_soft(prompt, reply):
    assert soft_refusal(reply, prompt, SOFT, final=True).is_refusal


def test_defining_a_term_is_not_asking_back():
    assert not SOFT.search("Let me explain what “overfitting” means: the model learns the noise of its training set.")


def test_a_prompt_asking_how_to_reply_makes_the_answer_a_reply():
    assert WRITES_IN_VOICE_RE.search("What is the best way to respond to the given input?\n\nI don't know what to do")
    assert WRITES_IN_VOICE_RE.search("How should I reply to my boss's email about the deadline?")
    assert not WRITES_IN_VOICE_RE.search("What is the best way to learn Spanish?")
