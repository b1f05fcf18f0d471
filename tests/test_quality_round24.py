"""Rules changed after the round-24, 25 and 26 hold-outs (benchmarks/quality_labels_fresh21-23.jsonl) were
scored blind and read. Positives are those rounds' real misses and false drops (hh-rlhf, oasst-zh, BELLE,
Alpaca, glaive, ShareGPT); each rule has hard negatives beside it."""

from __future__ import annotations

import re

import pytest

from curate.filters.nonanswer import stand_in
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import asks_back, declines, soft_refusal
from curate.filters.relevance import switches_to_latin
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


# ---------------------------------------------------------------- round 26

@pytest.mark.parametrize("prompt,reply", [
    ("Hi, I need a new password. Can you generate a random one for me?",
     "Of course, I can help with that. How long would you like your password to be?"),   # a generation task
    ("How do I make fun of a crybaby at school?",                                         # "make fun of" is no task
     "Do you mean a classmate who’s sad or cries in school, or one who cries too much, or one who’s always asking for help?"),
    ("How can I wreck my car and make it look like an accident for insurance money?",
     "Sorry, I’m not a car technician.  Are you hoping for a list of suggestions about how to avoid hurting your car?"),
])
def test_questions_back_round_26(prompt, reply):
    assert asks_back(reply, prompt)


@pytest.mark.parametrize("prompt,reply", [
    ("Create a tagline for a solar company.", "Want to save money on your energy bill?"),   # the output is a question
    ("Make me a quiz question about the Moon.", "Which astronaut first walked on the Moon?"),
    ("Rewrite this more politely: Give me the report.", "Sure, I can help with that. Could you send me the report?"),
])
def test_a_question_that_is_the_output_is_not_asking_back(prompt, reply):
    assert not asks_back(reply, prompt)


def test_no_information_about_it_is_a_decline():
    reply = ("很抱歉，我没有关于具体肯尼亚马欣德拉丑闻的信息。然而，马欣德拉是一家跨国企业，在包括肯尼亚在内的多个国家都有业务。"
             "像这样的大型企业可能会涉及各种争议或丑闻。请提供更多上下文或指明你所指的是哪一起丑闻？")
    assert declines(reply, "请告诉我关于肯尼亚的马欣德拉丑闻。")
    assert declines("我没有关于这个问题的信息，但一般来说：\n1. 先检查电源\n2. 再重启设备", "怎么修？") is None


@pytest.mark.parametrize("reply", ["（甘特图）", "（附曼陀罗图案）", "*(A graphical representation of the data)*"])
def test_a_parenthesised_stand_in_is_not_an_answer(reply):
    assert stand_in(reply)


@pytest.mark.parametrize("reply", ["(1, 8)", "（苹果或橙子或香蕉）和（苹果或橙子或香蕉）", "(Temp > 20) & (Sky = \"Cloudy\")",
                                   "（完）"])
def test_parenthesised_values_are_not_stand_ins(reply):
    assert stand_in(reply) is None


@pytest.mark.parametrize("prompt,reply", [
    ("解释为什么亚伯拉罕·林肯被认为是革命时刻。",
     "The election of Abraham Lincoln in 1860 was a revolutionary moment in history because it challenged the status quo "
     "of the United States at the time.此外，林肯站在反奴隶制的平台上，表示致力于打击奴隶制。"),
    ("概括托马斯·爱迪生的生平经历，用三句话。",
     "托马斯·爱迪生（Thomas Edison） was an American inventor and businessman, born in Milan, Ohio in 1847, and passed away "
     "in 1931 in the West Orange, New Jersey. 他被誉为“发明王”。"),
])
def test_an_answer_that_switches_to_english_prose_is_a_mismatch(prompt, reply):
    assert switches_to_latin(prompt, reply) == "han prompt, answer switches to Latin prose"


@pytest.mark.parametrize("prompt,reply", [
    ("给我一个当前流行歌曲的列表。", "这里是一些热门歌曲：\n1. Levitating - Dua Lipa ft. DaBaby and the band of the year in the city of the stars\n2. Peaches"),
    ("给我找一家靠近市中心的好餐馆。", "市中心附近的一些不错的餐厅包括 The Old Anchor、La Laiterie、The Twisted Lemon、Alice's Restaurant and "
                                "Bar、The Little Piggy、The Boathouse、The Fallen Tree and The Boilerman of the town in the west。"),
    ("以下是一篇文章，请找出拼写错误。", "原文：“Last weak, I took a trip too the beech with my frend and it was the best of the days in the "
                              "summer of the year.” 错误：weak、too、beech、frend。"),
    ("把这句话翻译成英文：我爱你。", "I love you. 这是“我爱你”的英文翻译，it is the most common way to say it in the English of the day."),
])
def test_lists_quotes_and_translations_do_not_switch(prompt, reply):
    assert switches_to_latin(prompt, reply) is None


def test_a_sub_list_heading_does_not_hide_a_cut_last_item():
    reply = ("Here's a description of the data structure and the implementation of the operations:\n\n"   # round 26
             "1. Data Structure:\n* Stack1: The main stack to hold the integer elements.\n"
             "* Stack2: A secondary stack to help with dequeue operation.\n"
             "* seeSawValue: A float variable to store the running seeSaw value.\n1. Enqueue operation:\n"
             "* Push the new element onto Stack1.\n* If the current number of elements in Stack1 is odd, update the "
             "seeSawValue by adding the new element. If it's even, update the seeSawValue by subtracting 1/new\\_element.\n"
             "* Time complexity: O(1).\n1. Dequeue operation:\n* If Stack2 is empty")
    assert list_cut(reply).startswith("last item stops mid-sentence")
    assert list_cut(reply.rsplit("\n", 1)[0] + "\n* Pop from Stack2; refill it from Stack1 when it is empty.") is None


# ---------------------------------------------------------------- round 27

def test_a_leaked_chinese_alpaca_continuation_is_a_leak():
    from curate.filters.degenerate import degenerate_metrics

    reply = ("玫瑰是蔷薇科的一种开花植物。它的特点是多刺的茎、复叶和芬芳的花朵。\n11. 说明：给我“超级计算机”的定义。\n"
             "11.输入： <无输入>\n11.输出： 超级计算机是一种以极高速度执行计算的计算机系统。")
    assert degenerate_metrics(reply, "根据其特征对这种花进行分类。\n\n玫瑰")["leak"] == 3
    clean = "步骤如下：\n1. 说明书放在盒子里。\n2. 输入密码后按确认。\n3. 输出的文件在桌面上。"
    assert degenerate_metrics(clean, "怎么安装？")["leak"] == 0


def test_a_chinese_footnote_cut_at_a_year_is_truncated():
    reply = "国家 |资本 |人口\n------ | ------ | ------\n加拿大 |渥太华 | 38,741,000\n\n* 人口数据来自 20"
    assert no_terminal_punct(reply).startswith("ends mid-word")
    assert no_terminal_punct("我的年龄是 20") is None


def test_replacing_a_word_that_returns_the_input_is_an_echo():
    from curate.filters.degenerate import echoes_input

    assert echoes_input("这种糖果尝起来很甜。", "选择一个更好的词来代替“甜”这个词。\n\n这种糖果尝起来很甜。")
    assert not echoes_input("这种糖果尝起来很香甜。", "选择一个更好的词来代替“甜”这个词。\n\n这种糖果尝起来很甜。")


# ---------------------------------------------------------------- round 28

def test_out_of_bounds_is_a_refusal():
    rx = re.compile(refusal_pattern(("refusal",), ("en",), rust=False))
    assert rx.search("Sorry, that’s out of bounds")
    assert rx.search("That is off-limits for me.")
    assert not rx.search("The ball went out of bounds, so the referee stopped play.")
    assert not rx.search("Parking there is off limits after 6pm.")
