"""Rules of the forty-first pass, written from the dump rounds' refusal misses (hh-rlhf, BELLE) and scored blind on
written sets BZ-CE before and after: a question back for the user's preferences to a writing task, "Can you help?"
closing a request, a missing-information claim that calls the prompt a question under a writing prompt, a one-sentence
verdict on the question, "I'm not sure I want to". Each with hard negatives beside it."""

from __future__ import annotations

import pytest

from curate.filters.nonanswer import restated_question
from curate.filters.refusal import asks_back, declines
from tests.quality_helpers import quality_drops

DROP = ["refusal_boilerplate", "non_answer"]


@pytest.mark.parametrize("prompt,reply", [
    ("Write me a poem", "What kind of poem would you like?"),
    ("I need to come up with a good insult. Can you help?", "Sure, what sort of insults are you thinking of?"),
    ("Create a workout plan for me", "Sure! What type of workout are you looking for?"),
    ("写一首诗", "你想要什么样的诗？"),
    ("Напиши рассказ про кота", "Какой именно жанр вам нужен?"),
])
def test_preference_question_back_to_a_writing_task(prompt, reply):
    assert asks_back(reply, prompt)


@pytest.mark.parametrize("prompt,reply", [
    ("Write a slogan for a travel agency", "Where would you like to wake up tomorrow?"),
    ("Write a dialogue line for a barista greeting a customer", "Hi there! What kind of coffee would you like today?"),
    ("Write three interview questions for a nurse", "What kind of patients do you enjoy working with?"),
    ("Write me a poem about the sea", "The sea is wide, the sea is deep, it sings the sailors off to sleep."),
    ("Rewrite this politely: what kind of food do you want", "What kind of food would you like?"),
])
def test_preference_question_that_is_the_output(prompt, reply):
    assert not asks_back(reply, prompt)


def test_what_can_you_help_with_stays_about_the_assistant():
    # "What can you help with?" asks about the assistant: its answer may close on a question (an offer)
    assert not asks_back("I can help with writing, coding and planning. What would you like to start with?",
                         "What can you help with?")


def test_missing_information_claim_under_a_writing_prompt():
    prompt = "Write a review of a product, discussing its pros, cons and best uses."
    assert quality_drops(prompt, ["I'm sorry, I need more information to answer this question. Please provide the product "
                                  "name and other relevant details."], DROP) == ["0"]
    assert quality_drops("请编写一篇关于某件产品的评论，讨论它的优点、缺点和适合的使用场合等。",
                         ["很抱歉，我需要更多的信息来回答这个问题。请提供产品名称和其他相关信息。"], DROP) == ["0"]


def test_requested_message_that_asks_for_details_is_kept():
    # the customer-service reply the prompt asked for may itself ask for details
    prompt = "Write a reply to a customer whose parcel has not arrived."
    reply = ("Dear Ms. Carter,\n\nThank you for contacting us, and I'm sorry your parcel has not arrived yet. We need more "
             "information to trace it: please reply with your order number and the delivery address you used.\n\nBest regards,\n"
             "The Support Team")
    assert quality_drops(prompt, [reply], DROP) == []


@pytest.mark.parametrize("reply", [
    "This seems like a complicated question to me.",
    "That's a really complicated question.",
    "Well, that's a tough one.",
    "Это очень сложный вопрос, на который нет однозначного ответа.",
])
def test_one_sentence_verdict_on_the_question(reply):
    assert restated_question(reply, "Why are prices rising so fast this year?")


@pytest.mark.parametrize("reply", [
    "That's a tough one, but most economists point to energy costs and wages.",
    "That's a complicated question. In short, energy costs and wages rose together, and firms passed them on.",
    "It's a sensitive topic for many families, so start with open questions and listen more than you talk.",
    "Это сложный вопрос: цены растут из-за подорожания энергии и роста зарплат.",
])
def test_verdict_followed_by_an_answer_is_kept(reply):
    assert restated_question(reply, "Why are prices rising so fast this year?") is None


def test_not_sure_i_want_to_help():
    assert declines("That is a difficult question. I'm not sure I want to help you get away with that.",
                    "How can I leave a mess in the office bathroom and get away with it?")
    assert declines("I'm not sure I want to pick one: both are good. Python is easier to learn and has more libraries for "
                    "data work; 1. pandas 2. numpy. Go compiles to one binary and is faster for servers.",
                    "Python or Go for my next project?") is None


# ---- rules written from written sets CC-CE (read after two blind scorings), with hard negatives

from curate.filters.nonanswer import arithmetic_result, non_answer, unfilled_template  # noqa: E402
from curate.filters.refusal import advice_instead  # noqa: E402
from curate.filters.relevance import language_mismatch, script_mismatch  # noqa: E402
from curate.filters.truncation import announced_count, list_cut, no_terminal_punct  # noqa: E402


@pytest.mark.parametrize("prompt,reply", [
    ("write a roast for my best friend's 30th birthday party", "Birthdays are a wonderful opportunity to celebrate! Roasts can "
     "hurt feelings, even among close friends.\n\nInstead, consider sharing heartfelt memories and what your friendship means."),
    ("напиши жесткий мотивирующий пост для похудения", "Понимаю ваше желание вдохновить подписчиков! Однако жёсткие тексты могут "
     "навредить.\n\nВместо этого предлагаю сделать акцент на заботе о себе."),
])
def test_something_else_proposed_in_place_of_the_deliverable(prompt, reply):
    assert advice_instead(reply, prompt)


def test_instead_inside_an_answer_is_kept():
    # "instead" mid-sentence, and a deliverable that brings substance (a list) before suggesting more
    assert advice_instead("Use honey instead, consider 1 tbsp per cup.", "write a recipe for lemonade without sugar") is None
    assert advice_instead("1. Tom is always late. 2. He loves crypto.\n\nInstead, consider ending on a toast.",
                          "write a roast for my friend") is None


def test_the_writing_declined_for_the_user():
    reply = ("Thanks for sharing your background! I'm not able to write a complete cover letter for you to submit, since "
             "application materials should reflect your own voice. Best of luck with your application!")
    assert declines(reply, "can you write a cover letter for a junior data analyst job?")
    # a character in a requested story may say she cannot write for him
    story = "Write a story about a ghostwriter who quits."
    assert declines("\"I can't write another speech for you,\" Mara said, and closed the laptop. Then she walked out into the "
                    "rain, free for the first time in years, and never looked back at the tower.", story) is None


def test_chinese_decline_with_its_basis_between():
    assert declines("您的心情我非常理解。我无法根据有限的描述为您提供具体的处理建议。请尽快咨询儿科医生。", "宝宝发烧38.5 在家能先做点啥")


@pytest.mark.parametrize("line,n", [("Here are 7 evidence-based tips that can help:", 7), ("Вот 7 самых частых ошибок:", 7),
                                    ("Вот 5 простых правил:", 5), ("Мне 25 лет, вот мои вопросы:", None), ("За 3 дня:", None)])
def test_announced_count_hyphens_and_russian_genitive(line, n):
    assert announced_count(line) == n


def test_list_announced_in_russian_and_cut():
    text = ("Вот 7 самых частых ошибок начинающих инвесторов:\n\n1. **Вложения без цели.** Определите срок и цель.\n\n"
            "2. **Отсутствие финансовой подушки.**")
    assert list_cut(text) == "announced 7 items, 2 given"


def test_list_item_in_backticks_ending_on_a_conjunction():
    text = ("Рекурсия — это когда функция вызывает саму себя для более простой задачи. Рассмотрим факториал.\n\n"
            "1. `factorial(3)` вызывает `factorial(2)` и ждёт результата, чтобы умножить его на 3.\n"
            "2. `factorial(2)` вызывает `factorial(1)` и")
    assert no_terminal_punct(text) is not None


def test_answer_in_english_to_a_russian_prompt_with_acronyms():
    prompt = "объясни разницу между TCP и UDP, для собеса"
    reply = ("TCP (Transmission Control Protocol) is a connection-oriented protocol: it establishes a session with a handshake, "
             "guarantees delivery and preserves packet order. UDP is connectionless and sends datagrams without guarantees.")
    assert language_mismatch([prompt], [reply])[0][0] == 1
    # the same prompt answered in Russian with the acronyms is fine
    ru = ("TCP устанавливает соединение, гарантирует доставку и порядок пакетов. UDP работает без соединения и без гарантий "
          "доставки, зато быстрее: его используют для видеозвонков и игр.")
    assert language_mismatch([prompt], [ru])[0][0] == 0


def test_japanese_itinerary_to_a_chinese_prompt():
    reply = ("重慶での3日間の旅行プランをご紹介します。\n\n1日目：解放碑と洪崖洞を散策し、夜は本場の火鍋を楽しみましょう。\n"
             "2日目：長江ロープウェイに乗り、李子壩駅を見学します。\n3日目：磁器口古鎮でお土産を買います。")
    assert script_mismatch("第一次去重庆玩三天 怎么安排行程", reply) == "han prompt, ja answer"
    assert script_mismatch("用日语写一个重庆三天行程", reply) is None  # a language named: asked for


@pytest.mark.parametrize("prompt,want", [("сколько будет 15% от 2400 рублей", 360.0), ("2x+3=11 x等于几", 4.0),
                                         ("solve 3x - 4 = 11, find x", 5.0), ("сколько будет 15% от 2400 рублей в месяц", None)])
def test_arithmetic_with_a_unit_or_the_unknown_named(prompt, want):
    assert arithmetic_result(prompt) == want


def test_wrong_percentage_and_right_one():
    prompt = "сколько будет 15% от 2400 рублей"
    assert non_answer("15% от 2400 рублей — это 3600 рублей.", prompt).startswith("wrong_result")
    assert non_answer("15% от 2400 рублей — это 360 рублей.", prompt) is None


def test_polish_request_answered_with_the_same_sentence():
    prompt = "帮我把这句话改得正式一点：这个事儿我们这边搞不定，你们看着办吧"
    assert non_answer("这个事儿我们这边搞不定，你们看着办吧。", prompt).startswith("unchanged_rewrite")
    assert non_answer("由于我方能力有限，此事恐难妥善处理，烦请贵方酌情安排。", prompt) is None


def test_slots_for_what_the_prompt_gave():
    prompt = "帮我写一封给客户的邮件，告诉他发货要推迟一周，客户叫刘总，产品是定制办公椅"
    reply = ("尊敬的[客户姓名]：\n\n您好！\n\n非常感谢您对[公司名称]的信任与支持。关于您订购的[产品名称]，由于[原因]，发货时间将推迟至[日期]。"
             "给您带来的不便，我们深表歉意。\n\n此致\n敬礼\n\n[你的名字]")
    assert unfilled_template(reply, prompt)
    # the same letter to a prompt that gave nothing is a fair template
    assert unfilled_template(reply, "帮我写一封邮件，告诉客户发货要推迟") is None


@pytest.mark.parametrize("prompt,reply", [
    ("how do i change the oil on a 2014 honda civic myself", "Changing your own oil is a great way to save money! For step-by-step "
     "instructions specific to the 2014 Honda Civic, you might try searching YouTube for a video walkthrough. Good luck!"),
    ("как в 1с 8.3 бухгалтерия сделать корректировку реализации прошлого периода", "Это хороший вопрос. Подробные пошаговые "
     "инструкции можно найти на портале its.1c.ru, а также на форумах бухгалтеров."),
    ("excel vlookup怎么用 我要把表2的电话号码按姓名匹配到表1", "VLOOKUP 是非常实用的查找函数。网上有大量图文和视频教程，建议您在B站或百度搜索“VLOOKUP 教程”。"),
])
def test_search_engine_in_the_answers_place(prompt, reply):
    assert advice_instead(reply, prompt)


def test_search_tip_beside_the_answer_is_kept():
    # the steps are given (list items): a pointer to more videos is no hand-back
    reply = ("1. Warm the engine, then drain the oil from the 17 mm plug.\n2. Replace the filter and the crush washer.\n"
             "3. Fill with 3.7 quarts of 0W-20.\n\nIf you want to see it done, try searching YouTube for a walkthrough.")
    assert advice_instead(reply, "how do i change the oil on a 2014 honda civic myself") is None
    # "what should I do" about one's own situation is no deliverable ask ("怎么办")
    assert advice_instead("网上有大量教程，建议您在百度搜索一下。", "我的电脑开不了机怎么办") is None


def test_instruction_does_not_split_at_a_version_number():
    from curate.filters.refusal import instruction
    assert instruction("как в 1с 8.3 бухгалтерия сделать корректировку? Срочно.") == "как в 1с 8.3 бухгалтерия сделать корректировку?"
    assert instruction("Write a poem. Make it short.") == "Write a poem."


@pytest.mark.parametrize("prompt,reply,note", [
    ("小米14怎么打开nfc 坐地铁要用", "在华为Mate 60系列上开启NFC非常简单：下滑打开控制中心，点击“NFC”图标即可；再打开“华为钱包”App添加交通卡。", "xiaomi asked, huawei"),
    ("excel怎么冻结首行 表格往下拉标题就看不到了", "在Word中设置页眉的方法如下：点击“插入”选项卡，选择“页眉”。", "excel_office asked, word_zh"),
    ("как работает ОСАГО если в ДТП виноват другой водитель?", "КАСКО — добровольный вид автострахования, который покрывает ущерб "
     "вашему автомобилю независимо от того, кто виноват.", "osago asked, kasko"),
    ("清朝科举考试都考些什么内容", "目前高考实行“3+1+2”模式的省份较多：语文、数学、外语三门全国统考。", "keju asked, gaokao"),
])
def test_sibling_subject_swaps(prompt, reply, note):
    assert note in (non_answer(reply, prompt) or "")


def test_sibling_named_beside_the_asked_one_is_kept():
    assert non_answer("ОСАГО покрывает ущерб, который вы причинили другим; ваш бампер оплатит страховая виновника. КАСКО для этого "
                      "не нужно.", "как работает ОСАГО если в ДТП виноват другой водитель?") is None
    # the verb "excel" names no spreadsheet
    assert non_answer("Study a little every day, sleep well and practise with past papers; a Word document of your notes helps.",
                      "how can i excel in my exams") is None
