"""Rules added after reading the misses of the written sets AA (English), AB (Russian) and AC (Chinese), scored first
as the hold-out of U-W's rules: a letter that stops after its opening, chapters or stanzas announced and not
written, a list item or a paragraph that stops on its subject or conjunction, a quoted pair of options answered with
a label from another task, square-bracket templates, code-shaped gibberish, a stanza pasted in a loop, and soft
refusals. Each with the hard negatives the 82,945-pair scan and the label sets turned up."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import degenerate_metrics, garbled_code
from curate.filters.nonanswer import foreign_label, non_answer, unfilled_template
from curate.filters.patterns import refusal_pattern
from curate.filters.text import dup_item_frac, stanza_loop_frac
from curate.filters.truncation import announced_missing, list_cut, no_terminal_punct, stanzas_short

HARD = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)

COVER = ("Write a cover letter for a junior accountant position at Hartley & Finch LLP. I have a BS in Accounting and did "
         "a 6-month internship.")


def test_a_letter_that_stops_after_its_opening():
    text = ("Dear Hiring Manager,\n\nI am writing to express my strong interest in the Junior Accountant position at "
            "Hartley & Finch LLP.")
    assert announced_missing(text, COVER).startswith("letter stops after its opening")
    assert announced_missing("主题：关于XX项目延期情况的说明\n\n尊敬的王经理：\n\n您好！\n\n关于上周",
                             "帮我给王经理写一封邮件，说明上周的项目延期原因").startswith("letter stops after its opening")


@pytest.mark.parametrize("text,prompt", [
    # the whole letter
    ("Dear Hiring Manager,\n\nI am writing to apply for the Junior Accountant position.\n\nDuring my internship I "
     "reconciled accounts.\n\nSincerely,\nAnna", COVER),
    # a short note is asked for
    ("Dear Linda,\n\nThank you so much for watering my plants while I was away!", "Write a short thank-you note to Linda."),
    # no letter asked
    ("Dear Hiring Manager,\n\nI am writing to apply for the position.", "How should a cover letter open?"),
])
def test_letters_that_are_whole_or_not_asked(text, prompt):
    assert (announced_missing(text, prompt) or "").startswith("letter stops") is False


def test_chapters_announced_and_not_written():
    text = ("**Animal Farm – Chapter Summaries**\n\n**Chapter 1:** Old Major gathers the animals.\n\n"
            "**Chapter 2:** The animals drive Jones off the farm.")
    assert list_cut(text, "Give me a chapter-by-chapter summary of Animal Farm (all 10 chapters).") == \
        "sections stop at chapter 2 of 10"


@pytest.mark.parametrize("text,prompt,expected", [
    ("**Бабушкин дом**\n\nТам, где речка за околицей\nУбегает в тёмный лес,\nДом стоит, и ставни клонятся\nПод синью небес.",
     "Напиши стихотворение из четырёх строф про бабушкин дом", "stanzas: 1 of 4"),
    ("Frost on the window,\nthe kettle starts to sing.\n\nThe world is white,\nand waiting for the spring.",
     "Write a poem of 3 stanzas about winter mornings", "stanzas: 2 of 3"),
])
def test_stanzas_announced_and_not_written(text, prompt, expected):
    assert stanzas_short(text, prompt) == expected


@pytest.mark.parametrize("text,prompt", [
    ("Там, где речка\nУбегает в лес.\n\nДом стоит\nПод синью небес.", "Напиши стихотворение из двух строф"),
    # "二十四节气" and "第3节" count no stanzas
    ("小满是二十四节气中的第八个节气。\n\n**文化寓意：** 小满也常被引申为一种处世态度。", "介绍一下二十四节气中的小满"),
    ("时间慢慢流逝\n但我仍然站在原地试图飞翔", "续写这首诗的第3节"),
])
def test_stanza_counts_that_hold(text, prompt):
    assert stanzas_short(text, prompt) is None


@pytest.mark.parametrize("text", [
    "The TCP handshake:\n\n1. **SYN** – The client sends a SYN.\n\n2. **SYN-ACK** – The server replies with ACK = x + 1, and",
    "D = b² − 4ac\n\nПодставим значения:\n\nD = (−5)² − 4 · 1 ·",
    "这是一个一元二次方程，可以用因式分解法求解。\n\n所以原方程可以分解为：\n\n(x − 2)(x − 3) = 0\n\n因此",
    "**第三条 租金及支付方式**\n月租金为人民币______元（大写：______），按",
])
def test_ends_on_a_conjunction_or_an_operator(text):
    assert no_terminal_punct(text)


def test_a_paragraph_that_stops_on_its_subject():
    story = ("Once upon a time there lived a little hedgehog named Pip. Pip loved sunny mornings and the smell of rain. "
             "But there was one thing Pip did not love at all: the dark.\n\nOne night, a soft glow floated past his "
             "burrow. It was a firefly, blinking gently like a tiny lantern.\n\n\"Why are you hiding?\" asked the "
             "firefly.\n\n\"Because the dark is scary,\" said Pip.\n\nThe firefly")
    assert no_terminal_punct(story).startswith("ends after its subject")
    assert no_terminal_punct(story[:-len("The firefly")] + "The End") is None


def test_list_items_cut_in_their_body():
    borscht = ("Приготовление:\n\n1. Залейте мясо 4 литрами холодной воды, доведите до кипения, снимите пену.\n"
               "2. Выньте мясо, отделите от кости и нарежьте. Бульон процедите.\n"
               "3. Свёклу нарежьте соломкой и потушите на сковороде с маслом 10 минут.\n"
               "4. Лук и морковь обжарьте до мягкости, добавьте томатную пасту.\n"
               "5. В кипящий бульон положите нарезанный кубиками картофель, через 10 минут добавьте нашинкованную")
    assert list_cut(borscht).startswith("last item stops mid-sentence")
    ribs = "**做法：**\n1. 排骨剁成小段，冷水下锅，加姜片和料酒焯水，水开后撇去浮沫，煮2分钟捞出，沥干水分。\n2. 锅中放少量油，下排"
    assert list_cut(ribs).startswith("last item stops mid-sentence")
    report = ("**一、本周工作完成情况**\n\n1. **登录页改版**\n   - 完成登录页UI重构，适配新版设计稿；\n"
              "   - 新增手机号验证码登录方式，优化了表单校验逻辑；\n   - 完成移动端适配及兼容性测试，已上线。\n\n"
              "2. **线上问题修复**\n   - 修复")
    assert list_cut(report) == "last item stops after '修复'"
    books = ("好的，下面推荐三本适合零基础读者的经济学入门书：\n\n1. **《经济学原理》（曼昆）**\n"
             "   这是全球最畅销的经济学教材之一，语言通俗，适合作为系统学习的起点。")
    assert list_cut(books) == "announced 3 items, 1 given"


def test_short_sub_items_that_are_whole():
    text = "配料：\n1. 主料\n   - 排骨，500克。\n   - 冰糖，30克。\n2. 调料\n   - 盐"
    assert list_cut(text) is None  # the siblings are not sentences that close


def test_a_label_outside_the_quoted_options():
    prompt = "判断下面这句话是不是疑问句，回答“是”或“否”：\n你明天几点到公司？"
    assert foreign_label("体育", prompt).startswith("foreign_label")
    assert foreign_label("是", prompt) is None
    # two quoted words the prompt does not offer as answers
    assert foreign_label("/[Aa]pple/", "写一个正则表达式，匹配“apple”或“Apple”") is None


def test_a_template_of_square_bracket_slots():
    text = ("Dear [Recipient Name],\n\n[Opening line expressing gratitude]\n\n[Specific detail about what they did]\n\n"
            "[Closing sentiment]\n\nBest regards,\n[Your Name]")
    assert unfilled_template(text, "Write a thank-you note to my neighbor Linda.").startswith("unfilled_template")
    assert non_answer(text, "Write a thank-you note to my neighbor Linda.").startswith("unfilled_template")
    letter = "Dear [Name],\n\nThank you so much for watering my plants for two weeks. They look great!\n\nBest,\n[Your Name]"
    assert unfilled_template(letter, "Write a thank-you note.") is None
    assert unfilled_template("[\n  [3, 6, 9],\n  [12, 15, 18],\n  [21, 24, 27]\n]", "Multiply the matrix by 3") is None
    assert unfilled_template("^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\\.[a-zA-Z0-9-.]+$", "写一个匹配邮箱的正则") is None
    assert unfilled_template(text, "Give me a thank-you note template with placeholders.") is None


def test_code_shaped_gibberish():
    assert garbled_code("```python\ndef even(number) is even:\n    return return False True\n```")
    assert garbled_code("```javascript\nfunction function unique(( arr ) {{\n  const const = = = undefined(\n```")
    assert degenerate_metrics("```js\nfor (let i = 0; i < n; i+++) {}\n```", "Write a loop")["gibberish"] == 1.0
    # a typo in prose is not code
    assert not garbled_code("There is someone (x) such that if if he is a soldier, then he is general of someone.")
    assert not garbled_code("```python\ndef f(x):\n    if x:\n        return x\n    return None\n```")


def test_a_list_block_pasted_in_a_loop():
    fruits = "Here are some fruits:\n\n" + "\n".join(f"{i + 1}. {f}" for i, f in
                                                   enumerate(["Oranges", "Kiwi", "Strawberries", "Guava"] * 7))
    assert dup_item_frac(fruits) > 0.2
    assert dup_item_frac("1. Oranges\n2. Kiwi\n3. Strawberries\n4. Guava\n5. Lemons\n6. Mango") == 0.0


def test_a_stanza_pasted_in_a_loop():
    stanza = "The frost is on the window,\nthe kettle starts to sing,\nthe world is white and quiet,\nand waiting for the spring."
    assert stanza_loop_frac("\n\n".join([stanza] * 7)) > 0.5
    chorus = "Oh la la, oh la la,\nsing it all night long."
    song = "\n\n".join(["Verse one line,\nand its second line.", chorus, "Verse two line,\nand its other line.", chorus])
    assert stanza_loop_frac(song) == 0.0
    assert stanza_loop_frac("\n\n".join([chorus] * 2)) == 0.0


@pytest.mark.parametrize("text,expected", [
    ("Before beginning any weight-loss program, it's important to consult your physician and a certified trainer.",
     "consult your physician"),
    ("Providing summaries of literary works isn't something I do, as it can discourage reading.", "isn't something i do"),
    ("Humor that targets someone's habits can sometimes hurt more than we intend.", "hurt more than we intend"),
    ("Интерпретация результатов анализов — задача врача. Покажите результаты вашему терапевту.", "задача врача"),
    ("通过改写来规避查重系统属于学术不端行为。", "学术不端"),
    ("股市有风险，投资需谨慎。我不会推荐任何具体的股票。", "我不会推荐任何"),
    ("膝盖疼痛的原因有很多，我不是医生，无法根据描述做出判断。", "我不是医生，无法"),
])
def test_aa_ac_soft_refusals(text, expected):
    # (any match: "投资需谨慎" is a soft phrase of its own since written set AL)
    assert any(expected.lower() in m.group(0).lower() for m in SOFT.finditer(text))


@pytest.mark.parametrize("text", [
    # a disclaimer that goes on to answer
    "Я не врач, но при железодефицитной анемии обычно назначают препараты железа и проверяют ферритин через месяц.",
    "我不是医生，但从描述看，爬楼梯时膝盖疼、平地不疼，常见原因是髌骨软化或髌腱炎。",
])
def test_aa_ac_disclaimers_that_answer(text):
    assert SOFT.search(text) is None


def test_a_weak_model_that_calls_itself_a_learning_language_model():
    assert HARD.search("对不起，我还是一个正在学习中的语言模型，暂时无法完成这个翻译任务。")
    assert HARD.search("这是一个大型语言模型的训练流程示意。") is None
