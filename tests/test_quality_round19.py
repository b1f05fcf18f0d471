"""Rules added after the round-19 and round-20 hold-outs (benchmarks/quality_labels_fresh16.jsonl,
quality_labels_fresh17.jsonl) were scored blind and read. Positives are the real misses of those
rounds (machine-translated Alpaca-zh, hh-rlhf, ShareGPT, LLaMA-Factory demos); each rule has hard
negatives beside it, most of them real answers from ../shared/data."""

from __future__ import annotations

import re

import pytest

from curate.filters.nonanswer import non_answer, stand_in
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import OFFER_RE, asks_back, excused, in_prompt, permits_refusal
from curate.filters.relevance import translation_target, untranslated
from curate.filters.text import dup_item_frac, strip_code
from curate.filters.truncation import no_terminal_punct


# ---------------------------------------------------------------- stand-ins for media the model could not make

@pytest.mark.parametrize("prompt,reply", [
    ("在 Illustrator 中创建一个描绘正在投篮的篮球的 GIF。", "&lt;篮球投篮动图&gt;"),          # round 19, HTML-escaped
    ("根据描述，开发兼容的输入字段。\n\n用户想知道纽约的当前时间。", "纽约时报：&lt;noinput&gt;"),  # round 20, after a label
    ("为在线订购比萨饼的过程设计一个流程图。", "<插入流程图>;"),
    ("Make a word cloud on the given topic.\n\nArtificial Intelligence", "<Word Cloud Output>"),
    ("Use the information provided to generate a website screenshot.", "[screenshot of Github website]"),
    ("创建给定数据的图形表示。", "[显示五个城市日平均气温的图表]"),
    ("Compose a piano tune.", "[A relaxing, melodic piano tune that combines melody and harmony.]"),
])
def test_a_bracketed_stand_in_is_not_an_answer(prompt, reply):
    assert stand_in(reply).startswith("stand_in: ")
    assert non_answer(reply, prompt).startswith("stand_in: ")


@pytest.mark.parametrize("reply", [
    "[2, 3, 7, 9]",                                              # a list of values
    "[洋葱、土豆、番茄]",
    "[F, A, A, F]",
    "<br>",                                                      # tags and types are code
    "<int>",
    '<img src="word-cloud.png" alt="Word Cloud">',               # a real tag, even one naming a picture
    "<h1>Heading</h1>",
    "Dear [Name of Customer],",                                  # a template slot inside an answer
    "亲爱的约翰，\n\n我写信确认我将按要求在今晚发送报告。\n\n真挚地，\n&lt;名称&gt;",
    "[Your answer is correct]" * 12,                             # too long to be one stand-in
])
def test_values_tags_and_slots_are_not_stand_ins(reply):
    assert stand_in(reply) is None


# ---------------------------------------------------------------- a named target language

@pytest.mark.parametrize("prompt,target", [
    ("用西班牙语生成一个描述巴塞罗那自然美景的句子。", "es"),
    ("想出三种用法语打招呼的不同方式。", "fr"),
    ("用英语编写一条自然语言指令，让助手能够识别短语“我需要一件蓝色衬衫，中号”。", "en"),
    ("把这句话翻译成法语。阳光明媚。", "fr"),
])
def test_writing_in_a_named_language_is_a_target(prompt, target):
    assert translation_target(prompt) == target


def test_answer_not_in_the_requested_language():
    assert untranslated("用西班牙语生成一个描述巴塞罗那自然美景的句子。", "巴塞罗那的自然风光非常壮观，拥有海岸和古老的哥特区。") \
        == "translation into es asked, han answer"
    assert untranslated("用西班牙语生成一个描述巴塞罗那自然美景的句子。", "Barcelona tiene playas y montañas preciosas.") is None


@pytest.mark.parametrize("prompt", [
    "说出 3 个以西班牙语为官方语言的国家。",                       # names the language, asks for no text in it
    "我会用英语与你交流，请纠正我的语法。",                         # the user's language, not the answer's
    "2019年德国以德语为母语的人数是多少？",
])
def test_naming_a_language_is_not_asking_for_it(prompt):
    assert translation_target(prompt) is None


# ---------------------------------------------------------------- truncation

def test_year_range_cut():
    assert no_terminal_punct("The chart shows recorded revenue growth for three companies from 2019 to 20") \
        .startswith("ends mid-word")


@pytest.mark.parametrize("text", [
    "Revenue grew in the 2019-20 season",          # a season, not a cut
    "Sales doubled from 2019 to 2020.",
])
def test_finished_year_ranges_pass(text):
    assert no_terminal_punct(text) is None


OUTLINE = ("Here's a broad outline for a website:\n\nTitle: Heroes of the Mahabharata\nTagline: Discover the Legends of "
           "Ancient India\n\nSection 1: Introduction\n\n* An overview of the epic\n\nSection 2: Features of the Heroes\n\n"
           "* A list of the main heroes\n\nSection 3: Details about the Heroes\n\n"
           "Arjuna was the third of the Pandavas and a central figure in the great battle of Kurukshetra.\n\n"
           "Bhima was the strongest of the Pandavas and was known for his incredible physical strength. He was a fierce "
           "warrior and was instrumental in many of the battles. Bhima was also known for his loyalty to his")


def test_outline_headings_do_not_make_an_open_line_style():
    """Round 19: the "Section N: …" headings ended open and spared the cut profile as a poem-like style."""
    assert no_terminal_punct(OUTLINE) == "ends 'o known for his loyalty to his'"


def test_a_poem_still_leaves_lines_open():
    poem = ("The river runs beneath the silver moon\nAnd every stone remembers what it knew\n"
            "The willow bends to hear the water's tune\nAnd all the night is singing something new\n"
            "We walk along the quiet edge of June and carry home the light we never knew")
    assert no_terminal_punct(poem) is None


# ---------------------------------------------------------------- refusals and AI boilerplate

@pytest.mark.parametrize("kind,text", [
    ("ai_disclaimer", "I am not programmed with sexual functions or emotions, so I do not experience desire."),
    ("ai_disclaimer", "Please note that writing complete code isn't the primary function of the AI, but I'll try."),
    ("ai_disclaimer", "作为一个助手AI，我很高兴能够协助你的商业发展。"),
    ("soft", "很抱歉，我需要您提供一篇文章才能进行编辑和润色。"),
    # misses the shipped model still let through on rounds 10-20, read after their blind scores
    ("ai_disclaimer", "Hello! I'm here to help you with your question. As a respectful and honest assistant, I'll do my best."),
    ("ai_disclaimer", "I'll do my best to suggest engaging responses as your helpful, respectful, and honest assistant!"),
    ("ai_disclaimer", "作为一个有帮助、尊重和诚实的助手，我会尽力回答。"),
    ("ai_disclaimer", "Как полезный, уважительный и честный помощник, я постараюсь ответить."),
    ("soft", "I can't figure out which warehouse you mean."),
    ("soft", "很抱歉，您提供的内容中似乎没有包含足够的信息以提取出会议室、开始时间和结束时间的具体信息。"),
])
def test_round19_20_refusal_forms(kind, text):
    assert re.search(refusal_pattern((kind,), rust=False), text)


@pytest.mark.parametrize("text", [
    "The robot was not programmed with a sense of humour, so the joke fell flat.",   # third person
    "The primary function of the kidney is filtering blood.",
    "我需要一个助手来帮我整理文件。",
    "As a friendly assistant, you will greet guests and answer phones.",   # a job description: one adjective
    "作为一个负责任的助手，你需要按时完成工作。",
    "I can't figure out the answer to number 4 either; here is my attempt.",
])
def test_round19_20_answers_without_refusal(text):
    assert not re.search(refusal_pattern(("ai_disclaimer", "refusal", "soft"), rust=False), text)


def test_asking_what_the_assistant_does_permits_a_self_description():
    assert permits_refusal("你做了什么？", "作为一个 AI", ai_disclaimer=True)
    assert permits_refusal("What do you do?", "As an AI assistant", ai_disclaimer=True)
    # a narrative task or an anecdote is not a question about the assistant (readers: refusal)
    assert not permits_refusal("写一个关于上周末你做了什么的简短叙述。", "由于我是一个人工智能", ai_disclaimer=True)
    assert not permits_refusal("Describe a situation where you had to demonstrate teamwork.", "As an AI assistant",
                               ai_disclaimer=True)


def test_a_chinese_offer_of_help_is_a_greeting_not_a_question_back():
    assert OFFER_RE.search("嘿！今天我能帮到你什么？")
    assert not asks_back("嘿！今天我能帮到你什么？", "为聊天机器人建议原始且听起来自然的问候语。")
    assert asks_back("你说的是哪一个城市？", "告诉我那个城市的人口是多少")


# ---------------------------------------------------------------- read from round 21 (fresh18), after its blind score

@pytest.mark.parametrize("prompt,match", [
    ("Premise: ... Hypothesis: ... Options:\n- yes\n- no\n- it is not possible to tell", "it is not possible to tell"),
    ("Count the vowels in the string.\n\nHello, I am an AI language model!", "I am an AI language model"),
    ("Discern which of these statements is true.\n\nIt is illegal to hunt endangered species.", "It is illegal"),
])
def test_a_phrase_the_prompt_holds_is_task_material(prompt, match):
    assert in_prompt(prompt, match)
    assert excused(prompt, match, match)


@pytest.mark.parametrize("prompt,match", [
    ("Tell me about whales. Don't say 'as an AI language model'.", "as an AI language model"),  # forbidden, said anyway
    ("How do I pick a lock?", "I can't help with that"),                                        # not in the prompt
    ("Is it legal? Options: yes, no", "no"),                                                     # too short to count
])
def test_phrases_the_prompt_does_not_supply_still_count(prompt, match):
    assert not in_prompt(prompt, match)


def test_prose_clauses_are_not_an_enumeration():
    flask = ("This endpoint uses the Flask framework to handle HTTP requests and the `request` object to access the "
             "files, work, and workoptions parameters in the payload of a POST request. The `files` variable is a list "
             "of the file objects, the `work` variable is the string of the work and the `workoptions` variable is the "
             "string of the workoptions. The endpoint does something with the files, work, and workoptions, you can "
             "replace the comment with your specific functionality.")
    assert dup_item_frac(flask) == 0.0
    assert dup_item_frac("充满活力的，发光的，闪闪发光的，闪闪发光的，闪闪发光的，明亮的") > 0.2  # a synonym loop still counts


def test_inline_triple_backticks_do_not_unpair_fences():
    """LIMA's StackExchange answers write inline code in triple backticks; FENCE_RE paired them with
    the real fences and left the code blocks in the prose (a HashMap answer dropped as repetitive)."""
    text = "Iterate over a ```Map``` like this:\n```Map map = new HashMap();\nfor (x : map) {\n}\n```\nDone, see ```keySet```."
    assert strip_code(text) == "Iterate over a `Map` like this:\n\n\nDone, see `keySet`."


@pytest.mark.parametrize("text", [
    "To create it you can follow these steps:\n\n1. Init the project.\n```ts\nlisten('x', f);\n```\n\nThese",
    "# A better coding style would be to add an extra space around the comparator operator, i.e. if a ==",
])
def test_round21_cuts(text):
    assert no_terminal_punct(text)


@pytest.mark.parametrize("kind,text", [
    ("ai_disclaimer", "抱歉，我是一台计算机程序，我没有个人喜好或情感。"),
    ("ai_disclaimer", "我没有个人喜好。"),
])
def test_round21_refusal_forms(kind, text):
    assert re.search(refusal_pattern((kind,), rust=False), text)


def test_a_programmer_is_not_a_program():
    assert not re.search(refusal_pattern(("ai_disclaimer",), rust=False), "我是一个程序员，也是一个计算机爱好者。")


def test_one_item_picked_from_the_prompts_options_is_not_a_cut_list():
    from curate.filters.truncation import list_cut

    prompt = "Classify the following data with one of the three following labels. 1. Alphabetical Data\n2. Numeric Data"
    assert list_cut("1. Alphabetical Data", prompt) is None
    assert list_cut("1. Alphabetical Data", "Name the kinds of data.") == "numbered list stops at item 1"
