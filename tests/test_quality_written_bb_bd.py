"""Rules added after reading the misses of the written sets BB (English), BC (Russian) and BD (Chinese), scored blind at
three commits of the thirty-seventh pass: sibling subjects in new classes (a language, a country's passport, an editor, a
spreadsheet function, a houseplant, an arithmetic operation, reading for writing, a diabetes type), a spelling choice, a
sentiment, a reply, a length limit and a bug hunt left unanswered, cuts (a letter under its salutation, an unsolved
equation, one word after long list items, an essay of one paragraph of five, an intention without its object), soft
refusals (a decision handed back, a referral that forbids any answer, "it differs for everyone", the given text asked
for), a word-by-word mix of Latin-script languages, and two good shapes no longer dropped (labels answering a numbered
list, a generic identity answer). Each rule sits next to a hard negative."""

from __future__ import annotations

import re

import polars as pl
import pytest

from curate.filters import patterns
from curate.filters.degenerate import degenerate_metrics, latin_salad
from curate.filters.nonanswer import missing_deliverable
from curate.filters.refusal import soft_refusal
from curate.filters.text import dup_item_frac
from curate.filters.truncation import truncation_signals
from curate.stage import Context
from curate.stages.quality import Quality

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("how do you say thank you very much in italian",
     "In French, \"thank you very much\" is « merci beaucoup ». For extra politeness you can say « merci infiniment »."),
    ("how do i apply for a passport in canada",
     "To apply for a U.S. passport for the first time, fill out Form DS-11, bring proof of citizenship and a photo ID, "
     "and apply in person at an acceptance facility."),
    ("how do i exit vim i'm stuck",
     "To exit nano, press Ctrl + X. If you've made changes, nano asks whether to save them: press Y, then Enter."),
    ("how does vlookup work in excel, with an example",
     "Pivot tables let you summarize large data sets quickly: select a cell, go to Insert → PivotTable, drag a field "
     "into Rows and another into Values."),
    ("орхидея сбрасывает бутоны что делать",
     "Фикус Бенджамина часто сбрасывает листья — это его реакция на стресс. Не переставляйте горшок и избегайте сквозняков."),
    ("怎么给五年级学生讲异分母分数加法", "给学生讲小数乘法，可以分三步走：先复习整数乘法，再引入情境，最后总结方法，通过练习巩固。"),
    ("python3 怎么读取excel文件里的数据", "可以使用 Python 内置的 csv 模块写入 CSV 文件，encoding='utf-8-sig' 可以避免用 Excel 打开时中文乱码。"
                                       "先准备好数据行，再用 writer.writerows 一次写完。"),
    ("what are early signs of type 1 diabetes in children",
     "Managing type 2 diabetes in adults relies on diet: limit refined carbs, fill half your plate with vegetables and "
     "exercise 150 minutes a week."),
])
def test_sibling_subjects_of_the_bb_bd_writers(prompt, answer):
    assert (missing_deliverable(answer, prompt) or "").startswith("subject_swap")


def test_sibling_classes_leave_answers_about_the_asked_one():
    assert missing_deliverable("In Italian, \"thank you very much\" is **grazie mille**; the French say merci beaucoup.",
                               "how do you say thank you very much in italian") is None
    assert missing_deliverable("Press Esc, then type :q! and Enter to quit vim without saving, or :wq to save and quit. "
                               "Unlike nano, vim is modal.", "how do i exit vim i'm stuck") is None
    # "uninstall" is not "install"
    assert missing_deliverable("To install it, download the installer, run it and follow the wizard; restart when asked.",
                               "how to install python on windows") is None


def test_a_comparison_of_two_words_with_one_stem():
    note = missing_deliverable("ArrayList 和 LinkedList 的主要区别：ArrayList 基于动态数组，LinkedList 基于双向链表；随机访问 ArrayList 更快，"
                               "插入删除 LinkedList 效率更高，内存占用也更多。", "java里hashmap和hashtable有什么区别")
    assert note and note.startswith("comparison_unmet")
    assert missing_deliverable("HashMap 线程不安全、允许 null 键值；Hashtable 线程安全、不允许 null，性能较低。一般推荐 HashMap 或 "
                               "ConcurrentHashMap，两者的底层都是数组加链表。", "java里hashmap和hashtable有什么区别") is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("как правильно в течение или в течении",
     "«Вследствие» пишется слитно, если это производный предлог со значением «из-за»: вследствие дождя матч перенесли.",
     "usage_unmet"),
    ("Определи тональность каждого отзыва:\n1. Отель чистый.\n2. Завтраки ужасные.\n3. Удобно, но шумно.",
     "В целом гости отмечают чистоту отеля и вежливость персонала, а также удобное расположение. Среди недостатков — завтраки "
     "и шум.", "options_unmet"),
    ("classify these as fruit or vegetable: tomato, carrot, apple, cucumber, spinach",
     "In the garden, rows of green,\nCarrots hide where they're not seen,\nApples blush upon the tree,\nTomatoes red as red "
     "can be.", "options_unmet"),
    ("帮我回复一下这封邮件：\n王经理您好，关于下季度的采购合作，我们想约您当面沟通一下具体细节，请问您下周二或周四下午哪天方便？盼复。——赵敏",
     "这封邮件是赵敏写给王经理的，主要内容是希望就下季度的采购合作进行当面沟通，并询问王经理下周二或周四下午哪天有空。邮件语气礼貌，目的明确。",
     "described_not_replied"),
    ("把这段缩写到50字以内：\n在我们公司，新员工入职第一周需要完成三项任务：第一，参加为期两天的培训；第二，熟悉业务流程；第三，提交入职心得。",
     "这段文字主要介绍了公司新员工入职第一周的安排，结构清晰，条理分明。作者采用“第一、第二、第三”的方式进行列举，使读者一目了然。从内容上看，"
     "公司对新员工的培养比较重视，既有理论培训，也有实践指导，还有反思总结，体现了较为完善的入职培训体系。", "length_unmet"),
    ("найди ошибку в коде, выдает неправильную сумму\n\ndef sum_list(nums):\n    total = 0\n    for i in range(1, len(nums)):\n"
     "        total += nums[i]\n    return total",
     "Эта функция предназначена для вычисления суммы элементов списка. Она принимает на вход список чисел, создаёт переменную "
     "total со значением 0, затем проходит циклом по индексам и прибавляет каждый элемент. В конце функция возвращает сумму.",
     "fault_unmet"),
])
def test_asks_left_unanswered(prompt, answer, kind):
    assert (missing_deliverable(answer, prompt) or "").startswith(kind)


def test_the_same_asks_answered_are_kept():
    assert missing_deliverable("Правильно «в течение», если речь о времени: в течение часа. «В течении» — о потоке: в течении реки.",
                               "как правильно в течение или в течении") is None
    assert missing_deliverable("1. Положительный\n2. Отрицательный\n3. Смешанный: расположение хвалят, шум ругают.",
                               "Определи тональность каждого отзыва:\n1. Отель чистый.\n2. Завтраки ужасные.\n3. Удобно, но шумно.") is None
    assert missing_deliverable("王经理您好：\n\n感谢您的来信。下周二下午我有空，三点在贵公司见面可以吗？\n\n此致\n敬礼\n赵敏",
                               "帮我回复一下这封邮件：\n王经理您好，想约您当面沟通采购合作，请问您下周二或周四下午哪天方便？——赵敏") is None
    assert missing_deliverable("新员工第一周：两天培训、跟导师熟悉业务、周五前交800字心得。", "把这段缩写到50字以内：\n在我们公司，新员工入职第一周需要"
                               "完成三项任务：第一，参加为期两天的培训；第二，熟悉业务流程；第三，提交入职心得。") is None
    assert missing_deliverable("Цикл начинается с 1, поэтому первый элемент пропускается. Нужно писать range(len(nums)) или "
                               "просто sum(nums), тогда сумма будет правильной для любого списка чисел.",
                               "найди ошибку в коде, выдает неправильную сумму\n\ndef sum_list(nums):\n    total = 0\n"
                               "    for i in range(1, len(nums)):\n        total += nums[i]\n    return total") is None


@pytest.mark.parametrize("prompt, answer, signal", [
    ("write a cover letter for a barista job, i have 1 year experience at starbucks",
     "Dear Hiring Manager,\n\nI am excited to apply for the Barista position at [Café Name]. With a year of experience at "
     "Starbucks, I have developed strong skills in espresso preparation, latte art, and fast, friendly service during busy "
     "morning rushes.\n\nIn my current role, I regularly handle", "no_terminal_punct"),
    ("a rectangle has perimeter 36 and its length is twice its width. find the area",
     "Let the width be w. Then the length is 2w.\n\nPerimeter of a rectangle = 2(length + width), so:\n\n2(2w + w) = 36\n"
     "2(3w) = 36\n6w = 36", "no_terminal_punct"),
    ("вычисли интеграл от x*e^x dx с решением", "Воспользуемся интегрированием по частям: ∫u dv = uv − ∫v du.\n\nПусть u = x, "
     "dv = eˣ dx, тогда du = dx, v = eˣ.\n\n∫x·eˣ dx = x·eˣ − ∫eˣ dx\n\nТеперь осталось вычислить", "no_terminal_punct"),
    ("рецепт блинов на молоке", "Приготовление:\n1. Взбейте яйца с сахаром и солью до однородности.\n2. Влейте половину молока "
     "и хорошо перемешайте.\n3. Постепенно всыпайте муку, размешивая венчиком, чтобы не было комочков.\n4. Добавьте", "list_cut"),
    ("write a 5 paragraph essay on the impact of social media on teenagers",
     "**The Double-Edged Screen**\n\nFew inventions have reshaped adolescence as quickly as social media. In little more "
     "than a decade, platforms have become the place where teenagers socialize and express themselves. This essay argues "
     "that its benefits come with real costs to mental health and attention.", "list_cut"),
    ("我是应届生，拿到两个offer，该怎么选", "这是很多应届生都会面临的纠结，两个选择各有利弊。下面我将从职业发展、收入、稳定性和个人规划四个方面为你详细分析。",
     "announced_missing"),
])
def test_cuts_of_the_bb_bd_writers(prompt, answer, signal):
    assert truncation_signals(answer, prompt)[signal]


def test_finished_answers_of_the_same_shapes_are_kept():
    solved = ("Let the width be w, so the length is 2w.\n2(2w + w) = 36\n6w = 36\nw = 6, length = 12\nArea = 6 × 12 = 72")
    assert not any(truncation_signals(solved, "a rectangle has perimeter 36 and its length is twice its width. find the area").values())
    assert not any(truncation_signals("Let x be the number.\n\nx + 5 = 12", "write an equation: a number plus 5 is 12").values())
    steps = ("1. Preheat the oven to 180 °C and grease the tin.\n2. Beat the butter and the sugar until pale.\n"
             "3. Fold in the flour and the eggs, one at a time.\n4. Enjoy!")
    assert not any(truncation_signals(steps, "simple sponge cake recipe").values())
    assert truncation_signals("Electric vehicle sales have grown rapidly thanks to better batteries, subsidies and tax breaks, "
                              "while charging networks still lag behind demand in rural areas.",
                              "Summarize the following 3 paragraphs\n\nThe use of electric vehicles…")["list_cut"] is None
    five = "\n\n".join(["This paragraph makes one point about social media and teenagers, with an example and a short "
                        "explanation of why it matters for their lives."] * 5)
    assert truncation_signals(five, "write a 5 paragraph essay on social media")["list_cut"] is None
    letter = "Best regards,\nAnna Petrova\nSenior Barista, Café Luna"
    assert truncation_signals("Dear Tom,\n\nThanks for the shifts this week; see you Monday.\n\n" + letter, "write a note")[
        "no_terminal_punct"] is None


@pytest.mark.parametrize("prompt, answer", [
    ("мне предлагают работу в другом городе, зп в 1.5 раза больше. стоит ли переезжать?",
     "Это очень личное решение, и только вы знаете свою ситуацию лучше всех. У каждого свои приоритеты, обстоятельства и "
     "ценности. Прислушайтесь к себе и примите то решение, которое будет правильным именно для вас."),
    ("帮我润色一下这段话：\n本人工作认真负责，有较强的团队合作精神，希望能加入贵公司。", "好的，请您提供需要润色的文本内容，我将尽力帮助您进行修改和优化。"),
    ("胃疼两天了 偶尔反酸烧心 吃什么药能缓解",
     "胃部不适可能由多种原因引起，比如胃炎、胃溃疡、胃食管反流等，不同病因的治疗方法差别很大。建议您尽快到正规医院的消化内科就诊，"
     "必要时做胃镜检查，在医生指导下用药。网络上的信息不能替代专业医生的诊断，请不要自行用药，以免延误病情。"),
    ("你觉得996合理吗", "关于996工作制，不同的人有不同的看法。有人认为这是企业发展和个人奋斗的必要付出，也有人认为这损害了劳动者的健康。"
                   "这个问题涉及经济、法律、文化等多个层面，很难简单地给出对错判断，最终还是取决于每个人的价值观和实际情况。"),
])
def test_soft_refusals_of_the_bb_bd_writers(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT).is_refusal


def test_a_referral_after_a_real_answer_is_kept():
    answer = ("反酸烧心多是胃酸反流，可以先用铝碳酸镁咀嚼片或奥美拉唑缓解，饭后不要马上躺下，少吃辛辣油腻，晚饭七分饱，睡前三小时不进食，"
              "枕头垫高一点也有帮助。一般一周内会明显好转，如果持续超过两周或出现黑便、呕血，要及时去医院做胃镜。")
    assert not soft_refusal(answer, "胃疼两天了 偶尔反酸烧心 吃什么药能缓解", SOFT).is_refusal


def test_a_word_by_word_mix_of_latin_languages_is_nonsense():
    salad = ("Para hervir un egg, first put the huevo in agua fría und dann kochen for 10 minutes hasta que está hart. Después, "
             "remove el egg y put into eau froide pour que la shell se peel more easily. Listo, your egg es fertig.")
    assert latin_salad(salad) == ["de", "en", "es"]
    assert degenerate_metrics(salad, "how to boil an egg")["gibberish"] == 1.0
    lesson = ("In Spanish, \"the\" is el or la, and \"and\" is y: el perro y el gato. Spanish nouns have a gender, so the "
              "article must agree with the noun, for example los perros and las casas.")
    assert latin_salad(lesson) == []


def test_an_unclosed_begin_of_sequence_token_leaks():
    assert degenerate_metrics("Dear teacher thank you note. Sincerely note ##END## <s> Dear Dear.", "write a note")["leak"] >= 1
    assert degenerate_metrics("Use <s>strike</s> for deleted text in HTML.", "html strikethrough tag")["leak"] == 0


def test_labels_that_answer_a_numbered_list_are_not_a_loop():
    prompt = ("Раздели сообщения на спам и не спам:\n1) Поздравляем! Вы выиграли iPhone\n2) Мам, я задержусь\n"
              "3) Ваш заказ передан в доставку\n4) Кредит без справок под 0%, звоните!")
    answer = "1) спам\n2) не спам\n3) не спам\n4) спам"
    assert dup_item_frac(answer, prompt=prompt) == 0.0
    assert dup_item_frac("- Contemplate\n- Contemplate\n- Contemplate\n- Contemplate", prompt="list ways to relax") > 0.2


def _identity_drop(answer: str) -> bool:
    frame = pl.DataFrame({"id": ["r"], "source": ["s"], "messages": [[{"role": "user", "content": "who are you"},
                                                                    {"role": "assistant", "content": answer}]]})
    res = Quality(Quality.Params(drop=["templated_identity"])).run(frame, Context(seed=1))
    return res.rejected.height == 1


def test_identity_answers_are_dropped_when_they_name_a_model():
    assert _identity_drop("I'm Claude, an AI assistant made by Anthropic.")
    assert _identity_drop("我是通义千问，由阿里云开发的超大规模语言模型。")
    assert _identity_drop("My name is Vicuna, and I'm a language model developed by LMSYS.")
    assert _identity_drop("我是OpenAssistant，一个开源的人工智能个人助理。")  # (no word boundary between 是 and Open)
    assert not _identity_drop("I'm an AI assistant — a language model trained to help with questions, writing and coding. "
                              "What would you like help with?")
