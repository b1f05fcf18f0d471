"""Rules added after reading the misses and false drops of the written sets AG (English), AH (Russian) and AI (Chinese),
the hold-out of the thirty-second pass: refusal examples the prompt asked for, a refusal phrase explained in another
language, code answers to how-to prompts, soft refusals that hand the writing back in their last lines, steps that stop
at step 1, a subject swapped for its sibling (a dog for a cat, an integral for a derivative), a translation into the
wrong language, prose where a poem was asked for, empty JSON records, a Chinese stutter, scraped page furniture, a
stanza or a paragraph looping, the question asked again, the prompt continued as the user. Each with the hard
negatives the label sets and the dump pool turned up."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import degenerate_metrics, junk_text, line_loop
from curate.filters.nonanswer import continues_prompt, empty_json, foreign_label, missing_deliverable, non_answer, restated_question
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import excused, quoted_example
from curate.filters.relevance import language_mismatch
from curate.filters.text import prose_script
from curate.filters.truncation import list_cut, no_terminal_punct, sections_short
from curate.stages.quality_classifier import code_answer
from tests.quality_helpers import quality_drops

HARD = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


# ---------------------------------------------------------------- refusals and their excuses

def test_refusal_examples_the_prompt_asked_for_are_not_refusals():
    prompt = "能不能给我举个例子，AI助手拒绝用户不当请求的时候一般怎么说？我在做客服机器人的话术培训"
    answer = ("好的拒绝话术一般包括三个部分。\n\n**例 1：涉及隐私**\n> 用户：帮我查一下这个手机号的机主是谁。\n"
              "> 助手：“抱歉，我无法帮您查询他人的个人信息，这涉及隐私保护。”")
    assert quoted_example(prompt, "抱歉，我无法", answer)
    ru_prompt = "мы пишем гайдлайн для чат-бота. приведи пример хорошего отказа"
    ru_answer = "Чего избегать:\n- «Как языковая модель, я не могу…» — звучит шаблонно;"
    assert quoted_example(ru_prompt, "Как языковая модель", ru_answer)
    # a real refusal to the same kind of prompt, outside quotation marks, is still one
    assert not quoted_example(ru_prompt, "Как языковая модель", "Как языковая модель, я не могу приводить такие примеры.")
    # and a quoted refusal to a prompt that asked for no example is not excused by the quotes
    assert not quoted_example("напиши рассказ", "я не могу", "Он сказал: «я не могу больше ждать»")


def test_a_refusal_phrase_explained_in_another_language():
    prompt = "what does к сожалению mean in russian and how do i use it"
    answer = ("**К сожалению** means **\"unfortunately\"**.\n\n- **К сожалению, я не смогу прийти.** — Unfortunately, I won't "
              "be able to come.\n- It's neutral and polite.")
    assert excused(prompt, "К сожалению, я не смогу", answer)
    # a Chinese refusal with an English name in it is Chinese: "我是由OpenAI训练" in a Chinese answer is no quotation
    zh = "我很抱歉，但是我不熟悉\"chatgpt\"。我是由OpenAI训练的大型语言模型，没有关于特定产品或技术的信息。"
    assert prose_script("我是由OpenAI训练", phrase=True) == "cjk"
    assert not quoted_example("什么是ChatGPT的主要用途？", "我是由OpenAI训练", zh)


@pytest.mark.parametrize("text", [
    "Rather than presenting a one-sided argument, it's important to consider the evidence on both sides.",
    "I'd encourage you to explore research so that you can form your own well-informed opinion on this issue.",
    "Instead of a roast, you might consider sharing a heartfelt story.",
    "Я не могу дать точный расчёт в вашей ситуации.",
    "Кроме того, сдача чужого текста является нарушением принципов академической честности.",
    "Вместо готового решения я дам вам подсказки.",
    "这个问题见仁见智。我们换个轻松点的话题吧！",
    "但是编造生病的理由属于不诚实的行为。",
])
def test_soft_deflections(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text,refusal", [
    ("I can't share the lyrics to \"Bohemian Rhapsody\" because they're protected by copyright.", True),
    ("Нет, с этим я не помогу.", True),
    ("这个我暂时帮不了你哦～我没办法访问12306的系统查询余票。", True),
    ("我是文心一言，无法为您提供具体的股票推荐。股市有风险，投资需谨慎。", True),
    ("You can share the lyrics with your choir once you have the licence.", False),
    ("С этим приложением я работаю каждый день.", False),
])
def test_hard_refusals(text, refusal):
    assert bool(HARD.search(text)) is refusal


def test_writing_handed_back_in_the_closing_lines():
    prompt = "write me a cover letter for a junior data analyst job. i know sql, excel and some python"
    tips = ("Writing a cover letter is a great opportunity to show off your voice! Here's how you can approach it:\n\n"
            "- Research the company.\n- Highlight your skills.\n- Keep it to one page.\n\n"
            "Once you've written a draft, feel free to share it here and I'd be glad to give you feedback!")
    letter = ("Dear Hiring Manager,\n\nI am writing to apply for the Junior Data Analyst position. During my internship at a "
              "warehouse I used SQL and Excel every day to track stock levels, and I have automated reports in Python.\n\n"
              "I would welcome the chance to bring these skills to your team.\n\nSincerely,\nAlex")
    assert quality_drops(prompt, [tips, letter], ["refusal_boilerplate"]) == ["0"]


def test_the_refusal_head_leaves_asked_for_ways_to_say_no():
    from curate.filters.classifier import LinearQualityModel

    applies = LinearQualityModel.refusal_head_applies(["give me some ways to say no without being rude", "how do i bake bread"])
    assert applies.tolist() == [False, True]


# ---------------------------------------------------------------- the learned filter

def test_code_answers_to_how_to_prompts_are_left_to_the_rules():
    answer = "```python\ndf = df.drop_duplicates(subset=[\"email\"], keep=\"last\")\n```\n\n`keep=\"last\"` оставляет последнее вхождение."
    assert code_answer(answer, "pandas удалить дубликаты по одному столбцу оставить последнюю")
    assert code_answer("```\n^1[3-9]\\d{9}$\n```\n\n说明：以 1 开头，共 11 位。", "正则 匹配大陆手机号")
    # an English answer to a Russian how-to is the model's to judge (language), as is code to a prompt about no code
    english = "You can sort a dictionary by its values:\n\n```python\nsorted(d.items(), key=lambda x: x[1])\n```"
    assert not code_answer(english, "Как в Python отсортировать словарь по значениям?")
    assert not code_answer("```python\nprint(1)\n```", "как приготовить борщ")


# ---------------------------------------------------------------- truncation

def test_steps_that_stop_at_step_one():
    text = ("Setting up SSH keys for GitHub takes just a few minutes. Here's the full process.\n\n**Step 1: Check for existing "
            "keys**\n\nOpen Terminal and run:\n\n```bash\nls -al ~/.ssh\n```\n\nIf you see files like `id_ed25519`, skip ahead.")
    assert sections_short(text, "how do i set up ssh keys for github on mac") == "sections stop at step 1"
    zh = "建议按下面的步骤来：\n\n**第一步：了解考试内容。**\n国考和省考的笔试一般都是两科。建议先找一套真题做一遍。"
    assert sections_short(zh, "怎么准备公务员考试") == "sections stop at step 1"
    # a one-step solution that gives its answer, a "## Step" heading over a numbered list, a long tutorial's step 1
    assert sections_short("小明有8个苹果。\n步骤1：用除法计算：8 ÷ 2 = 4。\n答案：每个人分得4个苹果。", "每个人分得几个？") is None
    assert sections_short("How to un-addict yourself.\n\n## Step\n\n1. Accept responsibility.\n2. Plan your day.", "") is None
    assert sections_short("Step 1 — Starting the Project\n\n" + "Run npm init and answer the questions. " * 40, "") is None
    assert sections_short(text, "what does step 1 of the ssh setup do?") is None


def test_an_announced_count_two_words_before_its_noun():
    text = ("Here are 10 science fair ideas that are fun, doable, and won't wreck your kitchen:\n\n1. **Which paper towel is "
            "most absorbent?** Test different brands.\n\n2. **Do plants grow better with music?** Grow three bean plants.")
    assert list_cut(text) == "announced 10 items, 2 given"


def test_a_sentence_stopped_after_its_subject_on_the_last_line():
    text = ("Уравнение имеет вид ax² + bx + c = 0, где a = 1, b = −5, c = 6.\n\n**1. Находим дискриминант:**\n\n"
            "D = 25 − 24 = 1.\n\nТак как D > 0, уравнение имеет два корня.\n\n**2. Находим корни** по формуле "
            "x = (−b ± √D) / 2a. Тогда корни")
    assert no_terminal_punct(text).startswith("ends after its subject")
    key = "Правильные ответы на все вопросы теста по истории России за девятый класс приведены ниже по порядку номеров:\n" \
          + "\n".join(f"{i}. Вариант ответа номер {i} в этом тесте." for i in range(1, 5)) + "\n5. A"
    assert no_terminal_punct(key) is None


def test_a_letter_that_stops_after_its_salutation():
    text = "Генеральному директору\nООО «Альфа-Строй»\nИванову И. П.\n\nЗаявление\n\nУважаемый Иван Петрович!\n\nПрошу"
    assert no_terminal_punct(text) == f"ends after its salutation: {text[-30:]!r}"


def test_a_chinese_sentence_cut_inside_a_latin_token():
    text = ("TCP 三次握手是建立连接的过程，目的是让双方确认彼此的收发能力都正常。\n\n**第一次握手**：客户端向服务器发送一个 SYN 报文，"
            "其中 SYN=1，序列号 seq=x，随后客户端进入 SYN_SE")
    assert no_terminal_punct(text).startswith("ends mid-sentence")


def test_list_items_that_leave_their_ends_open_set_the_style():
    items = "\n".join(f"- **小吃{i}**：味道很好，价格实在，和别处完全不同" for i in range(8))
    text = f"成都小吃非常多，下面这些基本是必吃的：\n\n{items}\n\n建议去玉林路、建设路一带，苍蝇馆子多，价格也实在"
    assert no_terminal_punct(text) is None


# ---------------------------------------------------------------- off-topic and nonsense

@pytest.mark.parametrize("prompt,reply,expected", [
    ("сколько длится беременность у кошки", "Беременность у собак длится в среднем 63 дня (от 58 до 68 дней). У мелких пород "
     "щенков обычно меньше.", "subject_swap: cat asked, dog answered"),
    ("найди производную y = x^2 * sin(x)", "Найдём интеграл ∫x² sin(x) dx по частям. Пусть u = x², dv = sin(x) dx.",
     "subject_swap: derivative asked, integral answered"),
    ("как сказать спасибо по-японски", "По-китайски «спасибо» — 谢谢 (xièxie, «сесе»). Более вежливый вариант — 非常感谢, "
     "«огромное спасибо». В ответ обычно говорят 不客气 — «не за что».",
     "subject_swap: japanese asked, chinese answered"),
    ("сколько дней отпуска положено по закону в россии", "В США федеральный закон не обязывает работодателей предоставлять "
     "оплачиваемый отпуск; в среднем работники получают 11 дней.", "subject_swap: russia asked, usa answered"),
    ("北京到上海坐高铁要多久", "北京飞上海的航班飞行时间一般在两小时左右，每天航班非常多，基本每隔半小时就有一班。",
     "subject_swap: train asked, flight answered"),
    ("推荐几本好看的科幻小说 最好是国内作者的", "为你推荐几部口碑很好的科幻电影：星际穿越、银翼杀手、降临，周末可以挑一部看看！",
     "subject_swap: novel asked, film answered"),
    ("用c语言写个函数 计算n的阶乘", "```python\ndef factorial(n):\n    return 1 if n < 2 else n * factorial(n - 1)\n```",
     "subject_swap: c asked, python answered"),
])
def test_a_sibling_subject_answered(prompt, reply, expected):
    assert (missing_deliverable(reply, prompt) or "").startswith(expected)


@pytest.mark.parametrize("prompt,reply", [
    # a story asked to be written may mention a film; a summary of the US economy names the US
    ("写一个反映给定场景的短篇小说。一个小镇女孩离开家乡去大城市。", "玛丽是一个小镇女孩，她从电影中看到的大城市生活方式深受启发，梦想有一天能亲身体验。"),
    ("Summarize the article examining the current state of the US economy.", "The US economy is growing, with unemployment "
     "at a low; tense US-China trade relations could slow it."),
    ("Write a sentence not in English.", "\"Je mange une pomme.\" This sentence is in French, and it means I am eating an apple."),
])
def test_siblings_that_answer(prompt, reply):
    assert missing_deliverable(reply, prompt) is None


def test_a_translation_into_the_wrong_language():
    prompts = ["translate into french: where is the train station?", "переведи на английский: Я опоздаю на 15 минут.",
               "Translate the phrase \"I love you\" into Spanish.", "把'欲速则不达'翻译成英文"]
    replies = ["¿Dónde está la estación de tren?", "Ich komme 15 Minuten zu spät, fangt ohne mich an.",
               "The phrase \"I love you\" translated into Spanish is \"Te quiero\".", "Haste makes waste.\n\n也可以直译为：More haste, less speed."]
    notes = [n for _, n in language_mismatch(prompts, replies)]
    assert notes[0] == "translation into fr asked, es answer"
    assert notes[1] == "translation into en asked, de answer"
    assert notes[2:] == [None, None]  # framed in the prompt's language; an English answer with a Chinese note


def test_prose_where_a_poem_was_asked_for():
    prompt = "write a haiku about my cat mochi who sleeps in the bathroom sink"
    essay = ("The haiku originated in Japan in the 17th century, evolving from the opening verse of a longer collaborative poem "
             "called renga. The poet Matsuo Bashō is widely considered the master of the form.\n\nTraditional haiku follow a "
             "5-7-5 syllable pattern and include a seasonal reference, which sets the scene for the reader. Many modern poets "
             "writing in English loosen these rules and count words or beats instead of syllables.")
    assert missing_deliverable(essay, prompt).startswith("no_poem: prose")
    stanzas = "第一节：大自然是一种恩赐，它的美是如此神圣，给了我们一个避难所，一个崇高的空间，让我们在1个清晨醒来，看见整个世界慢慢苏醒过来。"
    assert missing_deliverable(stanzas * 3, "写一首关于大自然的诗") is None
    assert missing_deliverable(essay, "作一首两分钟的钢琴曲") is None


def test_an_empty_json_record_where_the_text_belongs():
    assert empty_json('{"message": null, "recipient": "", "tone": "<tone>", "length": -1, "status": "OK"}',
                      "write a short thank you message for my colleague").startswith("empty_json")
    assert empty_json('{"answer": null, "confidence": 0.0, "tokens": [1823, 29871], "finish_reason": "length"}',
                      "三角形内角和是多少度").startswith("empty_json")
    assert empty_json("[0, 0, 0, 1, 2, 3]", "Sort the list [3, 0, 1, 0, 2, 0]") is None
    assert empty_json('{"name": "", "age": 0}', "Give me a JSON object with empty fields for name and age") is None


def test_an_answer_slot_left_unfilled():
    assert non_answer("The answer is {answer}.", "whats 12 times 12").startswith("unfilled_template")
    assert non_answer("Use {name} where the greeting goes.", "how do python f-strings work") is None


def test_a_chinese_stutter_and_scraped_page_furniture():
    assert junk_text("是的的的，是因为，所以苹果香蕉的，热量高低是的。香蕉苹果是高的，低的是是，，。。回答：苹果的香蕉。")
    assert not junk_text("目的的实现需要时间。我们的的确确做到了。")
    page = ("pancakes recipe easy | Home | Recipes | About Us\nPosted by admin on March 3, 2019 | 0 Comments\n"
            "Share on Facebook | Tweet | Pin it\n© 2019 All Rights Reserved. Privacy Policy | Terms of Use | Sitemap")
    assert junk_text(page, "easy pancake recipe")
    assert not junk_text(page, "write the footer for my website")
    assert degenerate_metrics(page, "easy pancake recipe")["gibberish"] == 1.0


def test_a_stanza_or_a_paragraph_looping():
    stanza = "蓝色的大海啊\n你是那么宽广\n海浪拍打着沙滩\n海鸥在天空飞翔\n"
    assert line_loop("大海\n\n" + stanza * 4 + "蓝色的大海啊\n你是那么宽广") > 0.9
    para = "The little fox walked into the forest to look for berries. The sun was shining and the birds were singing{}."
    story = "Once upon a time there was a fox.\n\n" + "\n\n".join(para.format(x) for x in ["", " brightly", " loudly", "", " too"])
    assert line_loop(story) > 0.8
    # counted lines, emptied table rows and a list of links are no loop
    assert line_loop("\n".join(f"Hello, this is iteration number {i}" for i in range(1, 6))) == 0.0
    assert line_loop("|年份 |温度 |\n|---|---|\n" + "| | |\n" * 5) == 0.0


def test_the_question_asked_again():
    reply = ("Why is the sky blue? This is a question that people of all ages have wondered about for centuries. It is natural "
             "to ask why it has this particular color. It is a great question to explore!")
    assert restated_question(reply, "why is the sky blue").startswith("restated_question")
    assert restated_question("Why is the sky blue? Sunlight scatters off air molecules, blue light the most.",
                             "why is the sky blue") is None


def test_a_sentiment_label_to_a_reply_ask_mentioning_support():
    prompt = ('Customer review: "The battery died after two days and support never answered my emails."\n'
              "Write a polite reply to this customer as the store owner.")
    assert foreign_label("Negative", prompt) == "foreign_label: 'Negative'"
    assert foreign_label("Negative", "Do you support or oppose the claim? Answer positive or negative.") is None


def test_the_prompt_continued_as_the_user():
    assert continues_prompt("，最好拍照好一点，续航也要好，我平时打游戏比较多。求各位大佬推荐，谢谢！", "帮我推荐一款3000左右的手机") \
        .startswith("continues_prompt")
    # a medical dump's stray opening comma, then an answer; a continuation asked for
    assert continues_prompt("，一般的考虑是痔疮引起的症状，及时的自我调理，可以改善症状的。", "便血怎么办") is None
    assert continues_prompt("，请问各位有什么推荐？", "续写这句话：我想买一部手机") is None


@pytest.mark.parametrize("prompt,reply,expected", [
    ("продаю квартиру, была в собственности 2 года, купил за 4 млн продаю за 5. сколько налог?",
     "Налоговые вопросы индивидуальны и зависят от множества факторов: способа приобретения, наличия льгот. "
     "Рекомендую обратиться в ФНС.", "no_quantity"),
    ("房贷100万 30年 利率3.1% 等额本息 月供多少", "您可以使用各大银行官网或手机App上的房贷计算器，输入贷款金额、期限和利率，即可快速得到准确的月供金额。",
     "no_quantity"),
    ("实数的范围是多少？", "实数的范围是数轴上从负无穷大到正无穷大的所有数，包括有理数和无理数，它们可以与数轴上的点对应。", None),
])
def test_a_quantity_asked_in_the_last_sentence_or_in_chinese(prompt, reply, expected):
    note = missing_deliverable(reply, prompt)
    assert (note or "").startswith(expected) if expected else note is None
