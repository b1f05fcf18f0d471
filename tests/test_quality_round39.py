"""Rules changed after the round-39 hold-out (benchmarks/quality_labels_fresh36.jsonl, a round focused on the
low-overlap, language-mismatch, echo and short cues) was scored blind and read. Real misses and false drops
(oasst, hh-rlhf), each with hard negatives."""

from __future__ import annotations

import re

import pytest

from curate.filters.nonanswer import non_answer
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import asks_back
from curate.filters.truncation import code_cut

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False))

CAT = ("Sure! There goes:\n\n```ascii\n /\\     /\\\n{  `---'  }\n{  O   O  }\n~~>  V  <~~\n \\  \\|/  /\n"
       "  `-----'__\n  /     \\  `^\\_\n {       }\\ |\\_\\_   W\n |  \\_/  |/ /  \\_\\_( )\n  \\__/  /(_E     \\__/\n"
       "    (  /\n     MM\n```")


def test_ascii_art_in_a_fence_is_not_cut_code():
    assert code_cut(CAT) is None
    # the same drawing under a code language is judged as code
    assert code_cut(CAT.replace("```ascii", "```python")) is not None


def test_a_missing_body_is_an_ai_disclaimer():
    assert REFUSAL.search("I don’t have arms.")
    assert REFUSAL.search("I don't have a physical body, so I can't sit in a theater.")
    assert not REFUSAL.search("The robot doesn't have arms, so it rolls the ball with its base.")


@pytest.mark.parametrize("prompt", ["Hello, how are you?", "Hello, How are you?", "hi there", "what's up", "你好吗"])
def test_a_question_back_to_small_talk_is_the_reply(prompt):
    reply = "Hi, I’m doing great!  How are you?"
    assert not asks_back(reply, prompt)
    assert non_answer(reply, prompt) is None


def test_a_question_back_to_a_request_is_still_asking_back():
    assert asks_back("Hi! What kind of car is it?", "Hello, where can I buy cheap tires for my car?")
