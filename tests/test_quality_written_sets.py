"""Rules added after the written Chinese sets D/E and Russian set C (benchmarks/quality_zh_written.jsonl,
benchmarks/quality_ru_written.jsonl) were scored blind: chat-model deflections and lectures, questions
back under list numbers, CJK comma and conjunction endings, short loops, Chinese mojibake. Each with the
hard negatives the 81,173-pair scan turned up (quizzes, surveys, an input that ends on a comma, a weekly
plan, an answer about stereotypes)."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import degenerate_metrics, mojibake
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import asks_back
from curate.filters.text import dup_item_frac
from curate.filters.truncation import no_terminal_punct, prompt_count, truncation_signals

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


@pytest.mark.parametrize("text", [
    "这个话题我不太方便进行评价哦～我们聊点别的吧！",
    "关于职业群体的笑话往往容易形成刻板印象。",
    "使用尖酸刻薄的语言评价作品可能会伤害创作者的感情，也不利于良好的网络环境。",
    "建议您直接拨打发卡银行的客服电话进行咨询。",
    "建议您咨询报考院校的研究生招生办公室或专业人士，以获取准确的信息。",
    "请您补充以上信息后，我再为您撰写。",
    "Шутки про тёщу построены на стереотипах и могут кого-то задеть.",
    "Предлагаю вместо этого написать тёплое поздравление.",
    "По вопросам доступа вам следует связаться со службой поддержки портала.",
    "При ошибках рекомендуется обратиться в авторизованный сервисный центр.",
    "Актуальный перечень документов лучше уточнить в МФЦ.",
])
def test_chat_model_deflections_are_soft(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text", ["我不是医生，不能提供医疗建议。如果您感到身体不适，请及时就医。",
                                  "Я ИИ-ассистент и не выполняю экзаменационные задания за учащихся."])
def test_declines_without_a_second_subject(text):
    assert REFUSAL.search(text)


@pytest.mark.parametrize("text", [
    "这句话含有性别偏见，强化了现有的性别刻板印象。",  # an answer about stereotypes
    "刻板印象",  # the fallacy asked for
    "多喝温水，注意休息。如果症状持续，请及时就医。",
])
def test_answers_are_not_deflections(text):
    assert not SOFT.search(text) and not REFUSAL.search(text)


def test_numbered_questions_back_are_asking_back():
    qs = ("为了给您写出更合适的自我介绍，我想先了解几个问题：\n\n1. 您毕业于哪所学校？\n2. 您有哪些实习或项目经历？\n"
          "3. 您掌握了哪些技术栈？\n4. 自我介绍需要控制在多长时间内？\n\n请您补充以上信息后，我再为您撰写。")
    assert asks_back(qs, "帮我写一段面试用的自我介绍，我是计算机专业应届本科生，应聘Java后端开发。")
    quiz = "1. 什么是 9 x 8？\n2. 什么是 5 x 10？\n3. 什么是 6 x 7？"
    assert not asks_back(quiz, "提供3道乘法练习题")
    assert not asks_back("1. 您对互联网的依赖程度如何？\n2. 您平时上网的频率是多少？\n3. 你觉得上网安全吗？", "设计一项调查来评估高中生对互联网的态度。")
    assert not asks_back('"Hello World! What\'s your name? Really?"', "将下列文字中所有的全角字符转换为半角字符。")


@pytest.mark.parametrize("text", [
    "尊敬的王老师：\n\n您好！我是2023级硕士研究生李明。这周五的组会我因为需要去医院复查，",
    "提高英语口语可以从以下几个方面入手：首先，要多听多模仿；其次，要敢于开口，可以找语伴或者",
    "把面饼放在平底锅上烤至金黄色，然后在面饼中加入填料、生菜和",
])
def test_chinese_comma_and_conjunction_endings_are_cut(text):
    assert no_terminal_punct(text)


def test_a_comma_the_input_ends_on_or_a_sign_off_is_not_a_cut():
    assert truncation_signals("我喜欢看星星在夜空中跳舞，", "用适当的词完成这首诗。\n\n我喜欢看夜空中的 _______ 舞蹈，")[
        "no_terminal_punct"] is None
    assert no_terminal_punct("亲爱的乔，\n\n感谢您让我知道您即将到来的假期。玩得开心！\n\n最好的，") is None
    assert no_terminal_punct("这个数列的总和") is None  # 和 closes the word 总和


def test_chinese_counts_with_more_measure_words():
    assert prompt_count("推荐5本适合零基础入门的Python书。") == 5
    from curate.filters.truncation import list_cut
    assert list_cut("1. 《Python编程：从入门到实践》\n2. 《笨办法学Python》", "推荐5本适合零基础入门的Python书。")
    # an unmarked first item above the list: not counted as a short list
    assert list_cut("-均衡饮食\n- 经常锻炼\n- 足够的睡眠", "列出我应该做的三件事才能更健康。") is None


def test_short_loops_are_repeated_items():
    assert dup_item_frac("感冒时可以这样做：\n\n1. 多喝温水\n2. 注意休息\n3. 多喝温水\n4. 注意休息\n5. 多喝温水\n6. 注意休息") > 0.5
    assert dup_item_frac("学习编程最重要的是坚持和多动手实践。" * 6) > 0.8
    para = "春天来了，万物复苏，小草从土里探出头来，柳树抽出了嫩绿的新芽。"
    assert dup_item_frac("\n\n".join([para] * 3)) > 0.6
    # each day's warm-up in a weekly plan, and the same sub-points under different headings, are templates
    plan = "\n\n".join(f"{d}:\n\nWarm-up: 5-10 minutes of light cardio and stretching.\nSquat: 5 sets of 5 reps at 80 percent."
                       for d in ("Monday", "Wednesday", "Friday"))
    assert dup_item_frac(plan) == 0.0
    assert dup_item_frac("Mix the flour and the water. Bake it for an hour. Mix the flour and the water.") == 0.0


def test_chinese_mojibake():
    assert mojibake("锟斤拷烫烫烫 端午安康")
    assert mojibake("端午节快乐\ufffd\ufffd，粽子飘香")
    assert not mojibake("端午节快乐，粽子飘香，阖家安康。")
    # an answer that explains the garbage string is about it
    assert degenerate_metrics("“烫烫烫”是 MSVC 调试模式下未初始化栈内存的填充值 0xCC 按 GBK 显示的结果。",
                              "为什么我的 C 程序输出烫烫烫？")["gibberish"] is None


def test_a_case_change_on_a_caseless_script_is_not_an_echo():
    """Round 47: "rewrite without capital letters" over a Chinese sentence is answered by the sentence."""
    from curate.filters.degenerate import echoes_input

    assert not echoes_input("约翰访问了纽约市。", "不使用任何大写字母重写这句话。\n\n约翰访问了纽约市。")
    assert echoes_input("John visited New York City.", "Rewrite this sentence without any capital letters.\n\nJohn visited New York City.")
