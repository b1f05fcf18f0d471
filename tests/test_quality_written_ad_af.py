"""Rules added after reading the misses of the written sets AD (English), AE (Russian) and AF (Chinese), the unread
hold-out of the thirty-first pass: cuts hidden by a letter's address block or a bold list label, translations and
speeches stopped early, announced lists followed by a closing line, an answer about a sibling subject (Python for
Go, Android for iPhone, Saturn for Jupiter), writing handed back to the user, risk-and-referral lectures, a two-line
loop inside code and an English-led three-script mix. Each with the hard negatives the label sets turned up."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import script_salad
from curate.filters.nonanswer import missing_deliverable
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import declines, ethics_lecture
from curate.filters.text import code_loop_frac
from curate.filters.truncation import list_cut, no_terminal_punct, short_of_ask, translation_cut
from tests.quality_helpers import quality_drops

HARD = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


# ---------------------------------------------------------------- truncation

def test_a_list_item_under_a_bold_label_that_stops_on_a_conjunction():
    text = ("Основные реформы:\n\n1. **Военная реформа.** Создание регулярной армии, строительство флота.\n\n"
            "2. **Церковная реформа.** В 1721 году патриаршество было упразднено и")
    assert no_terminal_punct(text) == "ends on 'и': 'атриаршество было упразднено и'"


def test_an_equation_list_cut_after_a_gas_arrow_and_plus():
    text = "常见反应：\n\n1. 2Na + 2H₂O = 2NaOH + H₂↑\n2. Cu + 4HNO₃(浓) = Cu(NO₃)₂ + 2NO₂↑ +"
    assert no_terminal_punct(text).startswith("ends on an operator")


def test_a_letter_cut_in_its_body_despite_its_open_address_block():
    claim = ("Директору ООО «ТехноМир»\nот Иванова Петра Сергеевича,\nпроживающего по адресу: г. Москва, ул. Садовая, д. 12,\n\n"
             "**ПРЕТЕНЗИЯ**\nо возврате денежных средств за товар ненадлежащего качества\n\n"
             "15 октября я приобрёл в вашем магазине кофемашину стоимостью 42 990 рублей, что подтверждается чеком.\n\n"
             "В течение гарантийного срока кофемашина перестала нагревать воду, правила эксплуатации я соблюдал.\n\n"
             "В соответствии со статьёй 18 Закона «О защите прав потребителей» потребитель вправе")
    assert no_terminal_punct(claim) == f"ends {claim[-30:]!r}"
    mail = ("Subject: Chinese New Year Holiday Notice\n\nDear Valued Customer,\n\nWe hope this email finds you well.\n\n"
            "Please be advised that our company will be closed from February 8 to February 17. During this period, all orders")
    assert no_terminal_punct(mail) == f"ends {mail[-30:]!r}"


def test_verse_still_leaves_its_lines_open():
    poem = ("The river runs beneath the hill\nand carries light from far away\nthe willows bend and then are still\n"
            "and evening folds the edge of day\nthe heron waits beside the reeds")
    assert no_terminal_punct(poem) is None


def test_a_chinese_translation_of_a_closed_sentence_that_ends_on_an_ideograph():
    prompt = ("翻译成中文：Although the project faced significant delays due to supply chain issues, the team delivered a product "
              "that exceeded customer expectations, which strengthened the company's reputation.")
    assert translation_cut("尽管该项目由于供应链问题而遭遇了严重延误，但团队交付了一款超出客户预期的产品，这最终增", prompt) \
        .startswith("translation stops mid-sentence")
    assert translation_cut("尽管该项目由于供应链问题而遭遇了严重延误，但团队交付了一款超出客户预期的产品，这增强了公司的声誉。", prompt) is None


def test_a_word_count_in_a_clause_of_its_own_after_the_ask():
    prompt = "帮我写一篇在公司年会上的发言稿，我是技术部负责人，回顾今年的工作、感谢团队、展望明年，大概800字"
    speech = "尊敬的各位领导、亲爱的同事们：\n\n大家晚上好！\n\n时间过得真快，转眼又到了一年一度的年会。我想代表技术部，和大家一起回顾过去这一年走过的路。"
    assert short_of_ask(speech, prompt) == f"asked for 800 characters, {len(re.findall(r'[一-鿿]', speech))} given"
    assert short_of_ask(speech, "帮我写一篇发言稿，不超过800字") is None


def test_an_announced_list_short_by_half_whatever_follows_it():
    text = ("以下是10个程序员面试中最常见的问题及回答思路：\n\n**1. 请做一下自我介绍**\n思路：控制在两分钟内。\n\n"
            "**2. 你为什么离开上一家公司？**\n思路：不抱怨前公司。\n\n以上是面试中最常被问到的问题。")
    assert list_cut(text) == "announced 10 items, 2 given"
    # nine of ten: announcements round, and list_cut judges the list that ends a turn more finely
    nine = "Here are 10 tips:\n\n" + "\n".join(f"{i}. Tip number {i}." for i in range(1, 10)) + "\n\nGood luck!"
    assert list_cut(nine) is None
    # a count outside the intro's last clause is no announcement (82,945-pair scan: maths steps, a menu for eight guests)
    steps = ("To determine how many candy bars Carl can buy after four weeks, we need to follow these steps:\n\n"
             "1. Calculate the total amount he earns.\n2. Divide by the price.\n\nSo the final answer is 6.")
    assert list_cut(steps) is None
    # bullets under a numbered announcement are not counted here
    assert list_cut("Top 5 fruits:\n\n- apple\n- pear\n\nThat's all I know.") is None


# ---------------------------------------------------------------- off-topic: a sibling subject

@pytest.mark.parametrize("prompt,reply,expected", [
    ("How do I handle errors properly in Go?",
     "In Python, you handle errors using `try` / `except` blocks:\n\n```python\ntry:\n    f = open('x')\nexcept OSError:\n    pass\n```",
     "subject_swap: go asked, python answered"),
    ("Как сбросить iPhone до заводских настроек, если забыл код-пароль?",
     "Чтобы сбросить Android-смартфон до заводских настроек, откройте «Настройки», перейдите в раздел «Система» и выберите сброс.",
     "subject_swap: ios asked, android answered"),
    ("Сколько спутников у Юпитера?",
     "Кольца Сатурна — одно из самых впечатляющих явлений Солнечной системы. Они состоят в основном из частиц водяного льда.",
     "subject_swap: jupiter asked, saturn answered"),
    ("How do I convert a column of Celsius temperatures to Fahrenheit in Excel?",
     "You can convert Celsius to Fahrenheit in Python with a simple function:\n\n```python\ndef c_to_f(c):\n    return c * 9 / 5 + 32\n```",
     "subject_swap: excel asked, python answered"),
])
def test_an_answer_about_a_sibling_subject(prompt, reply, expected):
    assert missing_deliverable(reply, prompt) == expected


@pytest.mark.parametrize("prompt,reply", [
    # the asked subject is named too
    ("How do I read a CSV file in Python?", "Unlike Java, Python has the csv module built in: use csv.reader(open('f.csv'))."),
    # a choice between two, and alternatives asked
    ("Should I learn Python or Java first?", "Start with JavaScript if you want to build websites, since it runs everywhere."),
    ("What can I use instead of Excel for budgeting?", "Google Sheets is free, works in the browser and shares easily with family."),
    # "c++" is a loop step in Java code, "java script" is JavaScript, "excel" a verb
    ("Write a code in Java to print the letters a to z.",
     "public class P {\n  public static void main(String[] a) {\n    for (char c = 'a'; c <= 'z'; c++) System.out.print(c);\n  }\n}"),
    ("provide the java script again", "Here's the updated JavaScript code again, with the click handler fixed and tested."),
    # a name in a URL or a file name
    ("Write a Python script that queries the Open Trivia API.",
     "import requests\n\nurl = 'https://opentdb.com/api.php?amount=1'\nresponse = requests.get(url)\nprint(response.json())"),
    ("What skills help people excel in cybersecurity?", "Networking, Linux administration and scripting in Python or Java all help a lot."),
])
def test_sibling_subjects_that_answer(prompt, reply):
    assert missing_deliverable(reply, prompt) is None


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("text", [
    "I think it's important that the words come from you rather than from an AI.",
    "Once you provide this information, I can help you further.",
    "Humor that targets a specific person can sometimes hurt feelings in ways we don't intend.",
    "Rather than roasting Marco, why not celebrate the qualities you appreciate about him?",
    "Может быть, поговорим о чём-нибудь другом?",
    "Я бы предпочёл не вдаваться в её обсуждение.",
    "不过撰写评价这件事，我觉得还是由你亲自来完成比较好。",
])
def test_soft_deflections(text):
    assert SOFT.search(text)


def test_a_refusal_to_write_fiction_content():
    assert HARD.search("However, I'm not able to write content that involves threats of violence, even in a fictional context.")
    assert not HARD.search("The villain said: 'I'm able to write content for any scroll you bring me.'")


def test_writing_handed_back_is_not_excused_by_the_writing_prompt():
    prompt = "I need to break up with my girlfriend. Can you write a kind text message I can send? She prefers text."
    handed_back = ("I'm sorry you're going through this. However, a breakup is a deeply personal moment, and I think it's "
                   "important that the words come from you rather than from an AI.\n\nTake some time to reflect. You've got this.")
    written = ("Here's a gentle message you could send:\n\n\"Hey, I've been thinking a lot about us. I care about you, but I "
               "don't think we're right for each other, and I'd rather be honest now. I'm sorry.\"")
    assert quality_drops(prompt, [handed_back, written], ["refusal_boilerplate"]) == ["0"]


def test_a_risk_and_referral_lecture_in_place_of_the_how_to():
    assert ethics_lecture("Bleach is a strong chemical that can be hazardous if used incorrectly. It can cause irritation, and "
                          "mixing it with ammonia can produce toxic gases. Because products vary, I'd recommend following the "
                          "instructions on your bleach bottle or contacting the manufacturer directly.",
                          prompt="How much bleach should I add to a load of white towels?")
    assert ethics_lecture("公积金贷款额度的计算方式因城市而异，涉及的政策因素较多。建议您直接咨询当地住房公积金管理中心或拨打12329热线。",
                          prompt="公积金贷款最多能贷多少是怎么算的？")
    # the amount given: task content
    assert ethics_lecture("Use 3/4 cup of bleach for a normal load. Bleach can be hazardous, so follow the instructions on the "
                          "label.", prompt="How much bleach should I add to a load of white towels?") is None


def test_a_chinese_decline_with_two_adverbs():
    assert declines("我不能直接替你完成作业。代写作业违反学术诚信原则。加油！", "帮我写一篇800字的历史小论文")


# ---------------------------------------------------------------- degenerate

def test_a_two_line_block_looping_inside_code():
    body = "    if n % 2 == 0:\n        return False\n" * 10
    assert code_loop_frac(f"```python\ndef is_prime(n):\n    if n < 2:\n        return False\n{body}```") > 0.5
    # short lines that repeat in real code do not key a loop
    assert code_loop_frac("```\n" + "x = 1\n}\n" * 8 + "```") == 0.0


def test_an_english_led_three_script_mix():
    assert script_salad("Good way to start cooking 是 first you need 准备 the ingredients и потом нагреть сковороду. Cooking "
                        "learning is the 最重要 of basic knife, of basic 火候, the oil when hot you put в кастрюлю and then 尝一尝 "
                        "salt. Step 1 begin of 开始. 祝你好运 удачи!!")
    # two scripts with terms, or a third script quoted once: not a mix (a prompt about languages is exempt in the stage)
    assert not script_salad("装饰器 decorator 是 Python 中的一种函数，它可以在不修改源代码的情况下，用 functools.wraps 包装 wrapper "
                            "函数，并通过 @ 符号调用 inner 函数，然后 return 结果。")
    assert not script_salad("Слово «чай» пришло в русский из китайского 茶 (chá) через северные диалекты, а английское tea "
                            "пришло через голландский thee и южные диалекты, где говорили te.")


# ---------------------------------------------------------------- a quantity asked, none given

@pytest.mark.parametrize("prompt,reply,expected", [
    ("How much bleach should I add to a load of white towels?",
     "Bleach is a strong chemical that can be hazardous if used incorrectly, so I'd follow the instructions on the bottle.",
     "no_quantity"),
    ("Сколько спутников у Юпитера?", "Юпитер — крупнейшая планета Солнечной системы, газовый гигант с мощным магнитным полем.",
     "no_quantity"),
    # a number in any form answers
    ("How far is the Moon from Earth?", "About 384,400 km on average, a little more at apogee.", None),
    ("How many black holes are there?", "There could be millions or even billions of black holes in our galaxy alone.", None),
    ("What is the time complexity of bubble sort? How much is it?", "Bubble sort runs in O(n²) time in its worst case, always.", None),
    # list markers are no quantity, but "eight" is
    ("How many phases does the Moon have?", "The Moon goes through eight phases:\n\n1. New Moon\n2. Waxing Crescent\n3. First Quarter", None),
    # Chinese "几个" asks for "a few"
    ("给我的猫起几个名字，它是橘色的，很胖", "橘猫胖胖的，这些名字都挺合适：\n\n- 橘子\n- 大橘\n- 南瓜\n- 汤圆\n- 肉松\n- 芒果", None),
])
def test_a_quantity_asked_and_no_number_given(prompt, reply, expected):
    got = missing_deliverable(reply, prompt)
    assert (got.split(":")[0] if got else None) == expected


def test_a_decline_over_a_list_of_questions_back():
    reply = ("Before I can write a query for this, I'd need more information about your setup:\n\n1. What is the full schema "
             "of the `users` table?\n2. Are there foreign keys that reference `users.id`?\n3. Which version of PostgreSQL "
             "are you running?\n\nDeleting data is destructive, so it's important to get these details right. Once you "
             "provide this information, I can help you further.")
    assert declines(reply, "In PostgreSQL, how do I delete duplicate rows from `users` with the same email?")
    # a decline followed by real steps is kept
    assert declines("I can't browse the web, but here are two ways:\n1. Search the archive.\n2. Ask the librarian?",
                    "Find me the 1998 article") is None
