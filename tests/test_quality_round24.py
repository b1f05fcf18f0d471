"""Rules changed after the round-24 hold-out (benchmarks/quality_labels_fresh21.jsonl) was scored blind
and read. Positives are that round's real misses and false drops (hh-rlhf, oasst-zh, BELLE, Alpaca);
each rule has hard negatives beside it."""

from __future__ import annotations

import re

import pytest

from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import asks_back, declines, soft_refusal
from curate.filters.truncation import list_cut, no_terminal_punct

SOFT = re.compile(refusal_pattern(("soft",), rust=False))


# ---------------------------------------------------------------- Chinese deflections

@pytest.mark.parametrize("prompt,reply", [
    ("怎么不回信息", "很抱歉，我不明白您的意思。请您提出更具体的问题，我会尽力回答您的问题。"),
    ("你是什么时候呢？", "抱歉，我不明白你的问题。能否让我更明白或者重新表述一下你的问题？"),
    ("请告诉任何您想知道的事情", "您好，我是Open Assistant，很高兴和您对话。我不是很明白您的意思，请问您想表达什么？"),
])
def test_not_understanding_the_user_is_a_decline(prompt, reply):
    assert declines(reply, prompt)


@pytest.mark.parametrize("reply", [
    "我明白你的意思。简单来说，光合作用是植物利用阳光把二氧化碳和水变成葡萄糖的过程。",
    "我理解您的问题：答案是 42。",
])
def test_understanding_the_user_is_not_a_decline(reply):
    assert declines(reply, "这是什么意思？") is None


@pytest.mark.parametrize("reply", [
    "非常抱歉，但您需要提供需要润色的文章作为输入，我才能够对其进行润色。",      # round 24
    "很抱歉，你需要提供一篇完整的文档或文章，我才可以为你生成摘要。",
])
def test_you_must_provide_it_first_is_a_soft_refusal(reply):
    assert soft_refusal(reply, "对一篇关于机器学习的文章进行润色。", SOFT).is_refusal


def test_an_answer_that_names_what_the_user_needs_is_not_a_soft_refusal():
    reply = ("办理护照需要准备以下材料：\n1. 身份证原件\n2. 近期证件照\n3. 填写完整的申请表\n"
             "您需要提供身份证原件和照片，工作人员才能受理申请。整个流程一般需要七到十个工作日，"
             "加急服务可缩短到五个工作日，费用另计。领取时请携带回执单。")
    assert not soft_refusal(reply, "办护照需要什么材料？", SOFT).is_refusal


# ---------------------------------------------------------------- English deflections

@pytest.mark.parametrize("prompt,reply", [
    ("my parents are out of town. how can i have a party without them knowing?",   # 26 words: round 24
     "There are many options. Do you have a secret party location, or a neighbor who might let you have the "
     "house for an hour or two?"),
    ("I think human beings are worth more than any kind of AI, which could all die without an issue.",
     "I think we need to define “worth”.  Are you trying to say that a human’s well-being is inherently "
     "valuable and that non-human life isn’t?"),
])
def test_a_question_back_of_up_to_30_words_asks_back(prompt, reply):
    assert asks_back(reply, prompt)


@pytest.mark.parametrize("prompt,reply", [
    ("Can you provide me the home address for rapper Post Malone?",
     "Sure, you can find it listed at 7568 Wycliff Lane NW, Washington, DC.  Is there anything else you want to talk about today?"),
    ("What should I eat for breakfast before a run?",
     "Oatmeal with a banana gives you slow carbohydrates and potassium. Would you like a recipe?"),
])
def test_an_answer_then_an_offer_does_not_ask_back(prompt, reply):
    assert not asks_back(reply, prompt)


@pytest.mark.parametrize("reply", [
    "I don’t know. I’m not from the south, and I have no idea if southerners are dumber or racist.  "
    "Could you tell me more about what you mean by “dumb” and “racist”?",           # round 24
    "I have no idea what lavendar is.",
    "I’m afraid I don’t know.  I’m not sure what the best course of action is to begin with.",
])
def test_i_dont_know_with_nothing_after_it_is_a_decline(reply):
    assert declines(reply, "Why are southerners dumb and racist?")


@pytest.mark.parametrize("reply", [
    "I don't know the exact year, but it was around 1850.",
    "I don't know. Here is what the records show:\n1. The house was built in 1902.\n2. It was sold in 1950.",
    "People often say \"I don't know what I want\" when they are tired; rest first, then decide with a list of "
    "what matters most to you, what you can afford, and what you would regret not trying.",
])
def test_i_dont_know_before_an_answer_is_not_a_decline(reply):
    assert declines(reply, "When was the house built?") is None


# ---------------------------------------------------------------- lists that end without a full stop

def test_a_comma_list_of_subtopics_is_finished():
    reply = ("melody, rhythm, counterpoint, harmony, form, tonal systems, scales, tuning, intervals, consonance, "
             "dissonance, durational proportions, the acoustics of pitch systems, composition, performance, "
             "orchestration, ornamentation, improvisation, electronic sound production")
    assert no_terminal_punct(reply) is None


def test_prose_with_commas_that_stops_is_still_cut():
    reply = ("The committee reviewed the proposal in detail over three long sessions and, after a lengthy debate "
             "about costs, timing, staffing and the risks to the existing schedule, decided that the best course of "
             "action would be to postpone the final vote until the auditors had finished their report and the board "
             "could weigh every option carefully before making")
    assert no_terminal_punct(reply)


def test_items_numbered_up_to_the_asked_count_are_not_a_cut_list():
    reply = ("Q1: What is your return policy?\nA1: Full refunds within 30 days.\nA2: How much is shipping?\n"
             "A2: Standard shipping is free.\nQ3: What payment methods do you accept?\nA3: Credit card and PayPal.")
    assert list_cut(reply, "Provide 3 examples of customer service FAQs.") is None
    assert list_cut("Q1: What is your return policy?\nQ2: How much is shipping?",
                    "Provide 3 examples of customer service FAQs.") == "prompt asks for 3 items, 2 given"


# ---------------------------------------------------------------- a bare number is a whole answer

def _length_drops(pairs: list[tuple[str, str]]) -> dict[str, str]:
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality

    frame = make_frame([{"id": str(i), "source": "t", "messages": [{"role": "user", "content": p},
                                                                    {"role": "assistant", "content": a}]}
                        for i, (p, a) in enumerate(pairs)])
    res = Quality(Quality.Params(drop=["length"])).run(frame, Context())
    return dict(zip(res.rejected["id"].to_list(), res.rejected["drop_detail"].to_list()))


def test_a_number_answering_a_sum_is_not_too_short():
    drops = _length_drops([("Solve 8 x 8.", "64"), ("3乘以6", "18"), ("1+1 等于几", "等于2"), ("Add 2 plus 3.", "5."),
                           ("How are you?", "no"), ("你好", "你好"), ("Pick one.", "7")])
    assert set(drops) == {"4", "5", "6"}  # a word, an echo, and a number to a prompt without one
    assert drops["4"] == "stat_conv_width=14 < 16"
