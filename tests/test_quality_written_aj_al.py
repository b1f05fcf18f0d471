"""Rules added after reading the misses and false drops of the written sets AJ (English), AK (Russian) and AL (Chinese),
the hold-out of the thirty-third pass: good rows first (refusal examples asked for in other words, a caveat the same
sentence answers past its "но", an identity question answered and an offer made, a repetition asked for, a quoted
foreign phrase explained, a plan that states a count of days it was not asked for, a formula in bold at the end),
then soft refusals (details asked before any plan, the subject dropped, the plan handed back), cuts (a derivation
that stops at "解得", a last list item that runs on under closed ones), swapped subjects (an error, a city, a poet, a
phone maker, a meeting app), a category field for a title, JSON Lines records, escaped code points, markup junk, a
forum thread's furniture and mail templates that ignore the names and dates the prompt gave."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import junk_text, line_loop
from curate.filters.nonanswer import empty_json, foreign_label, missing_deliverable, unfilled_template
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import ABOUT_ASSISTANT_RE, asks_back, quoted_example, soft_refusal
from curate.filters.relevance import language_mismatch
from curate.filters.truncation import announced_missing, list_cut, no_terminal_punct, sections_short
from tests.quality_helpers import quality_drops

SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


# ---------------------------------------------------------------- good rows

def test_refusal_examples_asked_for_in_other_words():
    answer = ("Here's an example of a polite decline:\n\n> \"I'm sorry, but I can't help find someone's home address — that "
              "could put their safety at risk.\"\n\nWhat makes this a good decline: it is clear and offers an alternative.")
    assert quoted_example("give me an example of how a chatbot should politely decline when someone asks for an address",
                          "I'm sorry, but I can't", answer)
    ru = "Примеры фраз:\n\n1. «Извините, я не могу помочь с этим вопросом. Я отвечаю на вопросы о заказах.»"
    assert quoted_example("делаю чат-бота. как сделать чтобы он вежливо отказывал если вопрос не по теме? дай примеры фраз",
                          "Извините, я не могу", ru)


def test_a_caveat_that_its_own_sentence_answers():
    text = ("Мои данные могут быть неактуальными, но на момент их последнего обновления последней стабильной версией был "
            "Python 3.12 (вышел в октябре 2023 года). Точную версию можно посмотреть на python.org.")
    assert not soft_refusal(text, "какая сейчас последняя версия python?", SOFT).is_refusal
    # a caveat whose "but" leads to no answer is still one
    assert soft_refusal("Мои данные могут быть неактуальными, но я не могу это проверить.", "какая версия python?",
                        SOFT).is_refusal


def test_an_identity_question_answered_with_an_offer():
    assert not asks_back("Я бот — языковая модель, живого человека по ту сторону нет. Что хотели спросить?", "ты человек или бот?")
    assert ABOUT_ASSISTANT_RE.search("你是chatgpt吗") and ABOUT_ASSISTANT_RE.search("are you ChatGPT?")


def test_a_repetition_the_prompt_asks_for():
    prompt = "write 'I will finish my homework on time' 5 times for my little brother's punishment lol"
    lines = "\n".join(["I will finish my homework on time."] * 5)
    assert quality_drops(prompt, [lines], ["repetition"]) == []
    assert quality_drops("write a sentence about homework", [lines], ["repetition"]) == ["0"]
    # removing repeats is no ask for them: a repeat left in the answer is still one
    assert quality_drops("给定一个单词列表，删除重复的单词并输出包含唯一单词的列表。大象，大象，老鼠，猫，老鼠，老鼠",
                         ["大象、老鼠、猫、老鼠"], ["repetition"]) == ["0"]


def test_a_quoted_foreign_phrase_explained_in_the_prompts_language():
    notes = language_mismatch(["what does 'Ich habe keine Ahnung' mean"],
                              ["It's German for **\"I have no idea.\"** (Literally: \"I have no clue.\") It's a very common, casual phrase."])
    assert notes == [(0, None)]


def test_a_plan_that_states_another_count_of_days():
    plan = ("第一次去北京，三天可以这样安排：\n\n**Day 1：中轴线**\n- 上午：故宫（务必提前7天预约）\n\n**Day 2：长城**\n- 八达岭\n\n"
            "**Day 3：颐和园**\n- 上午：颐和园")
    assert sections_short(plan, "北京玩三天怎么安排 第一次去") is None
    assert sections_short(plan, "北京玩五天怎么安排") == "sections stop at day 3 of 5"


def test_a_formula_in_bold_closes_a_text():
    text = ("Plants make their own food! That's photosynthesis.\n\nHere's how it works:\n\n- **Sunlight** is the energy.\n"
            "- **Water** comes up from the roots.\n\nSo the whole recipe is:\n\n**Sunlight + water + carbon dioxide → sugar + oxygen**")
    assert announced_missing(text, "explain photosynthesis for a 10 year old") is None


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("text", [
    "Rather than getting into that debate, is there something else I can help you with today?",
    "Let's keep things positive! Instead of roasting Jake, how about a verse that celebrates him?",
    "I recommend speaking with a qualified tax professional or CPA who can review your circumstances.",
    "Так работа будет действительно вашей и соответствовать требованиям вуза.",
    "这个话题我们暂时先不聊啦～要不要换个轻松点的？",
    "股票投资具有较高的风险，任何人都无法准确预测个股走势。入市需谨慎。",
    "您好！不过您似乎没有提供具体的代码内容，请把需要转换的Python代码粘贴过来。",
])
def test_soft_deflections(text):
    assert SOFT.search(text)


def test_details_asked_before_any_plan():
    text = ("为了给您制定科学合理的减脂食谱，我需要先了解以下信息：\n\n1. 您的性别、年龄、身高和体重；\n2. 日常活动量；\n"
            "3. 是否有食物过敏。\n\n请提供以上信息后，我再为您定制专属方案。")
    assert asks_back(text, "帮我出一份一周减脂餐食谱")
    assert not asks_back("一周减脂餐：周一 燕麦+鸡蛋，午餐鸡胸肉。需要的话告诉我你的体重，我再调整热量。", "帮我出一份一周减脂餐食谱")


def test_a_script_handed_back_with_hints():
    prompt = "write a python script that renames all files in a folder to lowercase"
    hints = ("This is a great exercise for practicing Python! I'd recommend trying it yourself — you'll learn a lot more. "
             "Here are some hints:\n\n- Look into `os.listdir()` and `os.rename()`.\n\n"
             "Give it a shot, and if you get stuck, feel free to share your code and I'll help you debug it!")
    assert quality_drops(prompt, [hints], ["refusal_boilerplate"]) == ["0"]


# ---------------------------------------------------------------- truncation

def test_a_derivation_that_stops_at_its_verb():
    assert no_terminal_punct("解：设宽为 x cm，则长为 (x + 4) cm。\n\n得方程：2 × (2x + 4) = 36\n\n化简：2x + 4 = 18\n\n解得") \
        .startswith("ends on a derivation step")


def test_a_last_item_that_runs_on_under_closed_ones():
    text = ("**食材**\n- 鸡翅中 10个\n- 可乐 1罐\n\n**做法**\n1. 鸡翅两面各划两刀，方便入味。冷水下锅，煮开后捞出沥干。\n"
            "2. 锅里放少许油，鸡翅皮朝下放入，小火煎至两面金黄")
    assert list_cut(text).startswith("last item stops mid-sentence")
    closed = text + "。"
    assert list_cut(closed) is None


def test_a_paragraph_retold_with_a_character_changed():
    base = "人工智能是计算机科学的一个分支，它致力于研究和开发能够模拟、延伸和扩展人类智能的理论、方法和技术。"
    variants = [base, base.replace("和开发", "、开发"), base.replace("一个分支", "一个重要分支"), base.replace("及", "和"), base]
    assert line_loop("人工智能（AI）是什么？\n\n" + "\n\n".join(variants)) > 0.8


# ---------------------------------------------------------------- off-topic and nonsense

@pytest.mark.parametrize("prompt,reply,expected", [
    ("python报错 KeyError: 'name' 是啥意思\n\ndata = {'id': 1}\nprint(data['name'])",
     "IndexError: list index out of range 表示列表索引超出范围，也就是你访问了一个不存在的下标，解决方法是先检查长度。",
     "subject_swap: KeyError asked, IndexError answered"),
    ("去西安玩四天 怎么安排", "成都四天行程推荐：第一天宽窄巷子、人民公园喝盖碗茶，第二天去大熊猫繁育研究基地看熊猫，第三天都江堰。",
     "subject_swap: xian asked, chengdu answered"),
    ("李白有哪些代表作", "杜甫被誉为「诗圣」，他的诗被称为「诗史」。代表作有《春望》《登高》《茅屋为秋风所破歌》《石壕吏》等。",
     "subject_swap: libai asked, dufu answered"),
    ("iphone怎么截长图", "华为手机截长屏有以下几种方法：用单指关节敲击屏幕并画一个「S」形，即可自动滚动截取长图。",
     "subject_swap: ios asked, huawei answered"),
    ("腾讯会议怎么共享屏幕", "在 Zoom 中共享屏幕的方法：进入会议后，点击底部工具栏的绿色「Share Screen」按钮，选择要共享的窗口。",
     "subject_swap: tencent_meeting asked, zoom answered"),
    ("сколько варить гречку на воде", "Рис на гарнир варят так: промойте его, залейте водой в пропорции 1:2 и варите 15–18 минут.",
     "subject_swap: buckwheat asked, rice answered"),
    ("найди площадь круга радиусом 5 см", "Длина окружности вычисляется по формуле C = 2πr. Подставим r = 5 см: C = 31,4 см.",
     "subject_swap: area asked, perimeter answered"),
])
def test_a_sibling_subject_answered(prompt, reply, expected):
    assert (missing_deliverable(reply, prompt) or "").startswith(expected)


def test_an_error_explained_is_not_a_swap_when_the_asked_one_is_named():
    reply = "KeyError 表示字典里没有这个键。和 IndexError 不同，它出现在字典而不是列表上。可以用 data.get('name') 避免。"
    assert missing_deliverable(reply, "python报错 KeyError: 'name' 是啥意思") is None


def test_labels_from_another_task():
    review = "帮我总结一下这段用户评价：\n「物流挺快的，但是衣服颜色比图片暗很多。客服态度倒是不错。」\n谢谢"
    assert foreign_label("负面", review) == "foreign_label: '负面'"
    assert foreign_label("类别：社会民生", "帮我给这条新闻起个标题：本市今日起将对30条公交线路进行优化调整。") is not None
    assert foreign_label("主题：他\n动词：正在写", "找出句子的主语和动词：他正在写作业。") is None


def test_records_in_json_lines():
    lines = ('{"id": 4821, "label": null, "split": "train", "text": ""}\n'
             '{"id": 4822, "label": null, "split": "train", "text": null}')
    assert empty_json(lines, "write a haiku about coffee").startswith("empty_json")


def test_escapes_markup_junk_and_a_forum_thread():
    assert junk_text(r"\u042f \u0441\u043a\u0443\u0447 \u0430\u044e \ud83d \u0000", "как будет по-английски 'я скучаю'")
    assert not junk_text(r"Use \u00e9 for é in a JSON string.", "how do i escape é in json")
    junk = '<div class="answer"><span>{"区块": null}</span></div>]]}}\n<br><br>\nundefined\nNaN\n</div></div>'
    assert junk_text(junk, "解释一下什么是区块链")
    page = "<html>\n<head>\n<title>Shoes</title>\n</head>\n<body>\nnull\n</body>\n</html>"
    assert not junk_text(page, "生成显示给定信息的网页")
    thread = "回复 #3楼 xiaoyu 的帖子\n\n顶顶顶\n\n本帖最后由 admin 于 2012-3-4 21:15 编辑\n\n发表于 2012-3-4 21:07 | 只看该作者"
    assert junk_text(thread, "考研数学一和数学二区别大吗")


def test_a_mail_template_that_ignores_the_names_and_dates_given():
    mail = ("尊敬的[收件人姓名]：\n\n您好！\n\n关于[会议名称]，原定于[原日期][原时间]举行，现因[原因]调整至[新日期][新时间]，地点[会议地点]不变。\n\n"
            "给您带来的不便，敬请谅解。\n\n此致\n敬礼\n\n[你的名字]\n[你的职位]\n[日期]")
    assert unfilled_template(mail, "帮我写封邮件给张经理，说下周二的会议改到周四下午三点").startswith("unfilled_template")
    letter = ("Dear [Hiring Manager],\n\nI am writing to apply for the Registered Nurse position at St Mary's Hospital. Over five "
              "years in the ICU I have cared for patients after cardiac surgery, trained new staff and led our sepsis audit, and I "
              "would bring the same care to your ward.\n\nSincerely,\n[Your Name]")
    assert unfilled_template(letter, "write a cover letter for a registered nurse position at st mary's, 5 years in ICU") is None
