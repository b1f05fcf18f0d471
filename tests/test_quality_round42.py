"""Rules changed after the round-42 hold-out (benchmarks/quality_labels_fresh39.jsonl) was scored blind and
read: an answer cut right after a currency sign (Alpaca-zh), with TeX math and prices as hard negatives."""

from __future__ import annotations

import pytest

from curate.filters.truncation import no_terminal_punct


@pytest.mark.parametrize("text", [
    "你好，我想订一份披萨。是的，听起来不错。总成本是多少？有什么特别优惠吗？\n\n太好了。总费用为 $",
    "它的现金储备增长到 370 亿美元，比 2018 年增长 42%，其自由现金流为 $",
    "Thank you for your order. The total for your order comes to $",
])
def test_a_currency_sign_with_no_amount_is_a_cut(text):
    assert "currency sign" in no_terminal_punct(text)


@pytest.mark.parametrize("text", [
    "Hence the random variables are independent, as required.\n\n   $\\blacksquare$",
    "Solve for x where the value is $x$",
    "The shirt costs 20$",
    "价格是100元，约合15€",
])
def test_math_and_prices_are_finished(text):
    assert no_terminal_punct(text) is None


def test_more_identity_questions():
    """FastChat's Vicuna self-introductions answer "Can you tell me a little bit about yourself?" and "What are
    you called?" (lima.yaml runs kept them, two turns into a conversation)."""
    from curate.filters.patterns import is_identity_question

    assert is_identity_question("Can you tell me a little bit about yourself?")
    assert is_identity_question("Tell me more about yourself.")
    assert is_identity_question("What are you called?")
    assert is_identity_question("what should i call you?")
    assert not is_identity_question("What do I call you when you are angry at me in a story?")
    # every question FastChat's dummy conversations answer with a Vicuna/LMSYS identity
    for q in ("Are you davinci-003?", "Are you curie?", "Do you call OpenAI APIs?", "Who programmed you?",
              "Who taught you?", "Tell me your name.", "Tell me about you.", "Tell me who you are."):
        assert is_identity_question(q), q
    for q in ("Tell me about your day", "Do you use the weather API to get the forecast for Paris?",
              "Tell me about the Roman empire"):
        assert not is_identity_question(q), q
    assert not is_identity_question("Tell me about yourself and your hobbies in detail")
