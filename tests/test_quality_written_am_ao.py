"""Rules added after reading the misses and false drops of the written sets AM (English), AN (Russian) and AO (Chinese),
the unread hold-out of the thirty-second to thirty-fourth passes: good rows first (a translation asked for without the
hyphen of "по-немецки", a code answer to "c语言冒泡排序", a book list that names a film once, a full legal answer that
opens with a caveat, a refusal quoted in an answer about a support bot), then cuts (prose left open under a closed code block, a step announced with a colon after inline
maths, an outline that stops at "II.", a derivation that stops at "代入得", a length asked for in words or pages, points
announced and one given), a paragraph retold with changed characters, soft refusals (details asked for that the prompt
gave, the task handed back, the subject changed, a lecture on a roast), unfilled templates to prompts that name their
particulars, and a Japanese answer to a Chinese prompt. Each rule sits next to a hard negative."""

from __future__ import annotations

import re

from curate.filters.degenerate import line_loop
from curate.filters.nonanswer import missing_deliverable, unfilled_template
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import asks_back, ethics_lecture, quoted_example, soft_refusal, speaks_as_assistant
from curate.filters.relevance import language_mismatch, translation_target
from curate.filters.truncation import announced_missing, list_cut, no_terminal_punct, ordinals_short, short_of_ask
from curate.stages.quality_classifier import code_answer, structured_answer
from tests.quality_helpers import quality_drops

SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


# ---------------------------------------------------------------- good rows

def test_a_translation_asked_without_the_hyphen():
    assert translation_target("как будет по немецки 'мне нужен столик на двоих'") == "de"
    assert translation_target("как по французски спасибо") == "fr"
    assert quality_drops("как будет по немецки 'я хотел бы забронировать столик на двоих на семь вечера'",
                         ["Ich möchte gern einen Tisch für zwei Personen um 19 Uhr reservieren."], ["language_mismatch"]) == []
    # "по русскому языку" is a school subject, not a language asked for
    assert translation_target("помоги с задачей по русскому языку") is None


def test_a_code_answer_to_a_language_named_against_chinese():
    answer = "```c\nvoid sort(int a[], int n) {\n    for (int i = 0; i < n; i++) {}\n}\n```\n输出：`1 2 3`"
    assert code_answer(answer, "c语言冒泡排序")
    assert code_answer(answer, "python冒泡排序")
    assert not code_answer(answer, "冒泡排序的原理是什么")


def test_a_sibling_named_once_is_an_aside():
    books = ("1. **《三体》** - 刘慈欣。宇宙社会学。\n2. **《基地》** - 阿西莫夫。心理史学。\n"
             "3. **《你一生的故事》** - 特德·姜。短篇集，电影《降临》的原著。\n4. **《沙丘》** - 赫伯特。沙漠星球。")
    assert missing_deliverable(books, "推荐几本好看的科幻小说") is None
    films = "推荐几部电影：\n1. 《星际穿越》\n2. 《降临》\n3. 《火星救援》，电影拍得很好看。"
    assert missing_deliverable(films, "推荐几本好看的科幻小说") == "subject_swap: novel asked, film answered"


def test_the_refusal_head_leaves_a_sectioned_answer_alone():
    legal = ("I'm not a lawyer and this isn't legal advice, but the rules here are clear and favour the tenant.\n\n"
             "**What the law says:**\n- A landlord may deduct only unpaid rent, damage beyond normal wear and tear, and the "
             "cleaning needed to return the unit to its move-in state.\n- Within 21 days they must send an itemized statement "
             "with receipts for any deduction over $125.\n- A vague charge for 'general cleaning' with no itemization is very "
             "likely not compliant.\n\n**What you can do:**\n1. Send a written demand letter asking for the deposit back "
             "within 14 days.\n2. Keep photos of the unit and your move-out checklist.\n3. If they refuse, small claims court "
             "handles deposit disputes up to $12,500 without a lawyer, and bad-faith retention can cost the landlord up to "
             "twice the deposit in penalties.")
    assert structured_answer(legal)
    assert not structured_answer("I'm not a lawyer, so I can't interpret your lease. Please consult an attorney.")


def test_a_refusal_quoted_in_an_answer_about_bots_or_declining():
    answer = ("Keep it short and offer a way forward. For example:\n\n> \"I'm sorry, but I can't share order details without "
              "verifying your account. Could you log in first?\"\n\nThen hand over to a human if they insist.")
    prompt = "what should our support bot reply when someone asks about another customer's order?"
    assert quoted_example(prompt, "I'm sorry, but I can't", answer)
    assert quality_drops(prompt, [answer], ["refusal_boilerplate"]) == []
    # said in the answer's own voice it is still a refusal, and so is a quote to a prompt about anything else
    assert quality_drops(prompt, ["I'm sorry, but I can't help with that."], ["refusal_boilerplate"]) == ["0"]
    assert not quoted_example("tell me about the weather in Paris", "I'm sorry, but I can't", answer)


# ---------------------------------------------------------------- cuts

def test_prose_left_open_under_a_closed_code_block():
    text = ("Here's a script that does both:\n\n```bash\n#!/bin/bash\nset -euo pipefail\nDEST=\"/mnt/backup/docs-$(date +%F)\"\n"
            "mkdir -p \"$DEST\"\nrsync -a /home/user/docs/ \"$DEST/\"\n```\n\nNext, to delete the old backups,")
    assert no_terminal_punct(text)
    assert no_terminal_punct(text.rsplit("\n", 1)[0] + "\nRun it daily from cron.") is None


def test_a_step_announced_after_inline_maths():
    text = ("Add the two equations so that y cancels out:\n3x = 12\nx = 4\n\n"
            "Now we substitute x = 4 into the second equation to find y:")
    assert announced_missing(text).startswith("ends on a colon")
    assert announced_missing("Here is the loop:\n\nfor i in range(3):") is None


def test_an_outline_that_stops_at_its_next_numeral():
    text = ("Essay Outline: Climate Change and Farming\n\nI. Introduction\n   A. Hook: record heatwaves cut wheat yields.\n"
            "   B. Thesis: warming threatens harvests.\n\nII.")
    assert announced_missing(text) == "ends on an empty list item: 'II.'"
    assert announced_missing("I. Introduction\nII. Body\nIII. Conclusion") is None


def test_a_derivation_that_stops_at_its_verb():
    text = "假设 √2 是有理数，写成 p/q。两边平方得 p² = 2q²，所以 p 是偶数。设 p = 2k，代入得"
    assert no_terminal_punct(text).startswith("ends on a derivation step")
    assert no_terminal_punct(text + " 4k² = 2q²，即 q² = 2k²，q 也是偶数，矛盾。") is None


def test_a_length_asked_in_words_or_pages():
    opening = ("Кот Барсик жил на девятом этаже и каждую ночь смотрел на звёзды. Однажды утром хозяйка собралась на "
               "работу раньше обычного. Она была инженером в ЦУПе.")
    assert short_of_ask(opening, "напиши рассказ про кота который стал космонавтом, страницы на 2") == "asked for 500 words, 25 given"
    assert short_of_ask(opening, "сочинение на тему 'роль книги в жизни человека' 300 слов").startswith("asked for 300 words")
    assert short_of_ask(opening, "напиши рассказ про кота, не более 300 слов") is None
    assert short_of_ask(opening, "напиши короткий рассказ про кота") is None


def test_points_announced_and_one_given():
    text = ("进程和线程的区别主要体现在以下三个方面：\n\n第一，资源分配。进程是资源分配的基本单位，线程共享进程的资源。")
    assert ordinals_short(text) == "announced 3 points, 1 given"
    assert list_cut(text, "进程和线程有什么区别") == "announced 3 points, 1 given"
    whole = text + "\n\n第二，调度。线程是调度的基本单位。\n\n第三，开销。创建线程的开销更小。"
    assert ordinals_short(whole) is None
    assert ordinals_short("There are three reasons:\n\nFirst, cost.\n\nSecond, time.\n\nIn short, it pays.") is None


def test_a_paragraph_retold_with_changed_characters():
    a = "友谊是人生中最珍贵的财富之一。真正的朋友会在你困难的时候伸出援手，在你成功的时候为你高兴。友谊需要用心去经营，需要相互理解和包容。"
    b = a.replace("珍贵", "宝贵").replace("高兴", "喝彩")
    c = a.replace("伸出援手", "给予帮助").replace("经营", "维护")
    d = a.replace("理解", "信任")
    assert line_loop("\n\n".join([a, b, c, d])) == 1.0
    other = ["春天万物复苏，田野里的油菜花开得金黄一片，农民们忙着播种，孩子们在田埂上奔跑放风筝，空气中弥漫着泥土的清香。",
             "夏天烈日炎炎，池塘里的荷花亭亭玉立，蝉在树上不停地鸣叫，人们躲在树荫下乘凉，吃着冰镇西瓜消暑解渴。",
             "秋天天高气爽，果园里挂满了红彤彤的苹果和金灿灿的梨，稻田一片金黄，农民们脸上洋溢着丰收的喜悦。",
             "冬天寒风凛冽，大雪覆盖了整个村庄，孩子们堆雪人打雪仗，大人们围着火炉聊天，期待着新年的到来。"]
    assert line_loop("\n\n".join(other)) == 0.0


# ---------------------------------------------------------------- refusals

def test_details_asked_for_that_the_prompt_gave():
    text = ("I'd be happy to help you write a cover letter! However, to make it effective, I'll need a bit more information "
            "from you. Could you please share:\n\n1. Your work experience\n2. Your key skills\n3. Your availability\n\n"
            "Once I have these details, I can craft a cover letter tailored to you.")
    prompt = "Write me a cover letter for a barista job. I have 2 years at Starbucks and I'm good with latte art. I'm Jake."
    assert speaks_as_assistant(text) and asks_back(text, prompt)
    assert quality_drops(prompt, [text], ["refusal_boilerplate"]) == ["0"]
    ru = ("Чтобы помочь разобраться с ошибкой, мне нужно увидеть ваш код целиком и полный текст ошибки. "
          "Пришлите их, пожалуйста, и я подскажу, в чём проблема.")
    assert asks_back(ru, "почему выдает ошибку?\n\nprint(sum([]) / len([]))\n\nZeroDivisionError: division by zero")
    # the letter itself, which may ask the reader a question, is the answer
    letter = ("Dear Hiring Manager,\n\nI am applying for the barista position. I have two years of experience at Starbucks "
              "and I love latte art. Could we meet for a short interview this week?\n\nBest regards,\nJake Morris")
    assert quality_drops(prompt, [letter], ["refusal_boilerplate"]) == []


def test_the_task_handed_back_or_the_subject_changed():
    ru = ("План урока лучше всего составить вам самостоятельно, ведь только вы знаете уровень своего класса. "
          "Опирайтесь на методические рекомендации к учебнику.")
    assert soft_refusal(ru, "составь план урока по теме сложение дробей, 5 класс", SOFT).is_refusal
    zh = "睡前看恐怖内容可能影响睡眠。不如我们换个方向——我可以给你写一个温馨的睡前小故事，你想听吗？"
    assert soft_refusal(zh, "写一个恐怖故事 要吓人一点的 睡前看", SOFT).is_refusal
    en = ("I'm not in a position to interpret the terms of your lease agreement. Lease interpretation is a legal matter. "
          "I'd recommend contacting a tenant's rights organization.")
    assert soft_refusal(en, "does 'tenant responsible for minor repairs' include the water heater?", SOFT).is_refusal
    # a plan written out is the answer
    plan = "План урока (45 минут):\n1. Организационный момент — 2 мин.\n2. Повторение — 8 мин.\n3. Новая тема — 20 мин."
    assert not soft_refusal(plan, "составь план урока по теме сложение дробей, 5 класс", SOFT).is_refusal


def test_a_lecture_instead_of_a_roast():
    text = ("While humor can be a great way to celebrate, jokes about someone's appearance can be hurtful even in fun. "
            "Hair loss can be a sensitive topic for many people. Instead, consider celebrating your friend's personality. "
            "Birthdays are a wonderful chance to make someone feel valued!")
    assert ethics_lecture(text, prompt="give me a roast line about my bald buddy for his 40th")
    joke = ("Happy 40th! Your hairline didn't recede, it just left to find a better party. Don't worry, more room for "
            "the birthday crown. Sensitive topic? Only for the mirror.")
    assert ethics_lecture(joke, prompt="give me a roast line about my bald buddy for his 40th") is None


# ---------------------------------------------------------------- templates, recommendations and languages

def test_a_recommendation_that_names_nothing():
    essay = ("电影作为一种综合艺术形式，已经发展成为全球最具影响力的文化产业之一。悬疑片通过设置悬念、制造紧张感来吸引观众，"
             "近年来在叙事结构、视听语言等方面都取得了长足进步。总之，悬疑电影以其独特的魅力，深受广大观众的喜爱。")
    assert missing_deliverable(essay, "推荐一部最近好看的悬疑电影").startswith("no_recommendation")
    tips = ("Чтение — один из лучших способов развиваться. Книги расширяют кругозор и учат мыслить критически. Старайтесь "
            "читать регулярно, хотя бы по двадцать минут в день, выбирайте литературу по своим целям и ведите заметки о "
            "прочитанном.")
    assert missing_deliverable(tips, "посоветуй книгу по машинному обучению для новичка").startswith("no_recommendation")
    # a title in its marks, a name inside a sentence, a list: a recommendation
    assert missing_deliverable("推荐《白夜行》，东野圭吾的代表作，悬念一层接一层，结尾让人久久不能平静，非常适合喜欢推理的读者。"
                               "同名改编的电影也值得一看，节奏紧凑。", "推荐一部悬疑小说") is None
    assert missing_deliverable("Для новичка подойдёт книга Себастьяна Рашки о машинном обучении на Python: в ней мало "
                               "математики, много примеров кода и понятные объяснения каждой модели.",
                               "посоветуй книгу по машинному обучению для новичка") is None
    # a recommender to build, or a kind of book asked for, is no work to name
    generic = ("机器学习模型的目标是根据多种因素向用户推荐电影。这些因素可能包括电影评级、流派偏好、观看历史和用户评论，"
               "模型通过协同过滤找到相似的用户，并据此生成个性化的推荐列表。")
    assert missing_deliverable(generic, "创建机器学习模型来推荐电影。") is None
    assert missing_deliverable(tips, "посоветуй, какого жанра книгу почитать?") is None
    # a way or a strategy suggested is no work to name
    assert missing_deliverable("One way to reduce screen time is to set fixed hours for checking social media and to "
                               "turn off notifications, so that the phone stops pulling you back during the day.",
                               "Suggest a way to reduce the time spent on social media.") is None


def test_templates_to_prompts_that_name_their_particulars():
    en = ("Dear [Recipient Name],\n\nThank you so much for [action]. It meant a lot that you [specific detail]. "
          "I appreciate your [quality] and [quality].\n\nI hope I can return the favor by [gesture].\n\nWarm regards,\n[Your Name]")
    assert unfilled_template(en, "Write a thank-you note to my neighbor Linda for watering my plants.")
    assert unfilled_template(en, "write a thank-you note template for neighbors") is None
    ru = ("Дорогая [Имя]!\n\nОт имени [название отдела] поздравляем тебя с [повод]! Желаем {пожелание_1}, {пожелание_2} "
          "и [вставьте пожелание].\n\n[Дополнительный текст]\n\nС уважением,\n[Ваше имя]")
    assert unfilled_template(ru, "напиши поздравление коллеге Марине из бухгалтерии от отдела продаж")
    zh = "尊敬的[称呼]：\n\n大家[时间段]好！在这[形容词]的[季节]里，我们[动词]在[地点]。\n\n[段落1]\n\n最后，祝[对象][祝福语]！"
    assert unfilled_template(zh, "尊敬的各位来宾 开场白帮我写一个 公司年会用")
    assert unfilled_template("尊敬的王总：\n\n感谢您在[年份]对我们的支持。祝新年快乐！", "写一封给王总的新年贺信") is None


def test_a_summary_of_another_text():
    report = ("Summarize this: \"Our Q3 revenue rose 12% year over year to $4.2M, driven mainly by the new enterprise tier. "
              "Churn fell from 5% to 3.8%. However, marketing costs increased 30%, and we expect hiring to slow in Q4 while we "
              "focus on profitability and on the launch of the new analytics dashboard for enterprise customers.\"")
    other = ("The article discusses the importance of customer satisfaction in building a successful brand. It highlights how "
             "companies that invest in service see higher loyalty and recommends regular surveys.")
    assert missing_deliverable(other, report).startswith("source_ignored")
    summary = ("Q3 revenue grew 12% to $4.2M on the enterprise tier and churn fell to 3.8%, but marketing costs rose 30%; "
               "hiring will slow in Q4.")
    assert missing_deliverable(summary, report) is None
    # the ask must be the instruction, not a word inside the text: "…在此基础上润色" is part of a question
    essay_q = ("你认为在现代社会中，“真善美”和“高效率”之间哪一个更重要？如果你是一名画师，你会用一个月的时间创作一副精美的插画，"
               "还是会用AI在几秒钟内生成一副插画并以此为基础进行修改？如果你是一名小说家，你会用AI生成一部作品并在此基础上润色吗？为什么")
    assert missing_deliverable("两者并不对立。重复而简单的工作可以交给工具完成，精力留给需要创造力的整体设计。", essay_q) is None


def test_a_japanese_answer_to_a_chinese_prompt():
    ja = "林さんのお嬢さんのお名前でしたら、「林 美咲（みさき）」「林 結衣（ゆい）」などはいかがでしょうか。どれも上品な名前です。"
    assert language_mismatch(["给女儿起个名字 姓林 希望温柔大方一点"], [ja]) == [(1, "han prompt, ja answer")]
    assert language_mismatch(["用日语给女儿起个名字"], [ja]) == [(0, None)]
    assert language_mismatch(["给女儿起个名字 姓林"], ["林美咲、林结衣、林雨桐，都很温柔大方。"]) == [(0, None)]
