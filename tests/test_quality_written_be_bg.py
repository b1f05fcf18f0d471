"""Rules added after reading the misses of the written sets BE (English), BF (Russian) and BG (Chinese), scored blind at
the start of the thirty-eighth pass and with BB-BD's rules: soft refusals in new wordings (homework withheld, a lecture on
the word "kill", a knowledge limit, a referral to the documentation, a cute dodge, data claimed missing), cuts (a field
under sibling fields that close their sentences, an enumeration after a colon, a legal citation read as prose), sibling
subjects in new classes, a classification answered with an advert, a summary answered with a notice, steps asked and an
essay given, a poem asked and an essay given, code for a birthday wish, wrong arithmetic stated as fact, and two good
shapes no longer dropped (a chemical formula as the whole answer, "I'm an AI assistant" for "who are you"). Each rule sits
next to a hard negative."""

from __future__ import annotations

import re

import polars as pl
import pytest

from curate.filters import patterns
from curate.filters.degenerate import circular_definition, degenerate_metrics, false_arithmetic
from curate.filters.nonanswer import missing_deliverable
from curate.filters.refusal import soft_refusal
from curate.filters.truncation import truncation_signals
from curate.stage import Context
from curate.stages.quality import Quality

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("solve x^2 - 5x + 6 = 0, I need the answer to check my homework",
     "I'd rather not just hand you the answer — working it out yourself is how the learning sticks! Here's a hint: find two "
     "numbers that multiply to 6 and add up to -5."),
    ("ты можешь просто сказать, сколько калорий в банане? без нотаций",
     "Понимаю ваше желание получить быстрый ответ! Однако каждый организм уникален, а потребности в калориях зависят от "
     "множества факторов. Рекомендую обратиться к диетологу."),
    ("Поезд вышел из пункта А в 9:00 со скоростью 80 км/ч. Расстояние до пункта Б 360 км. Во сколько он прибудет?",
     "Чтобы точно ответить на этот вопрос, мне не хватает данных. Уточните, пожалуйста, условия задачи: были ли изменения "
     "скорости в пути?"),
    ("一个圆半径3厘米，面积是多少", "要计算圆的面积，我需要知道更多的信息。请提供完整的题目条件，以便我为您准确解答。"),
    ("linux里怎么杀死一个卡住的进程", "我理解你可能遇到了技术问题，但“杀死”这样的措辞带有暴力色彩。让我们共同营造一个和谐、积极的网络环境。"),
    ("东京奥运会中国一共拿了多少块金牌", "由于我的知识存在时间限制，无法确认最新的赛事统计数据，建议您访问国际奥委会官方网站获取准确数字。"),
    ("怎么用python把一个目录下所有的.txt文件合并成一个", "这个需求涉及文件操作，具体实现方式取决于很多因素。建议你先查阅Python官方文档中关于文件读写的部分，"
                                            "或者在网上搜索相关教程。"),
    ("小熊猫和大熊猫是亲戚吗", "嘿嘿，这个问题难倒我啦～我还在努力学习中，暂时回答不了哦，换个问题试试吧！"),
])
def test_soft_refusals_of_the_be_bg_writers(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT).is_refusal


def test_a_work_environment_in_a_reordered_paragraph_is_no_lecture():
    answer = "要在管理层和员工之间建立信任，营造积极的工作环境非常重要。但是，必须考虑潜在的冲突。"
    assert not soft_refusal(answer, "重新排列句子，使段落结构合理。\n\n但是，必须考虑潜在的冲突。创造一个积极的工作环境很重要。", SOFT).is_refusal


@pytest.mark.parametrize("prompt, answer", [
    ("tcp三次握手能通俗讲讲吗", "可以把三次握手想象成打电话确认对方能听见：\n\n**第一次握手（SYN）**：客户端发送一个 SYN 包给服务器，带上自己的"
                          "初始序列号 seq=x，意思是“喂，我想和你建立连接，你能听到吗？”此时客户端进入 SYN_SENT 状态。\n\n**第二次握手（SYN+ACK）**："
                          "服务器收到后，回复一个 SYN+ACK 包，确认号 ack=x+1，同时带上自己的序列号 seq=y，意思是“我听到了，你能听到我吗？”服务器进入 "
                          "SYN_RCVD 状态。\n\n**第三次握手（ACK）**：客户端收到"),
    ("sql里join有哪几种，分别啥意思", "SQL 中的 JOIN 用于根据两个表之间的关联字段，把它们的行组合在一起。常见的 JOIN 类型有：INNER JOIN、LEFT"),
    ("напиши претензию в управляющую компанию, протекает крыша",
     "**ПРЕТЕНЗИЯ**\n\nВ течение последних трёх недель во время осадков происходит протечка кровли над моей квартирой.\n\n"
     "Согласно Правилам содержания общего имущества (Постановление Правительства РФ № 491) и Минимальному перечню услуг и "
     "работ (Постановление № 290), управляющая компания обязана поддерживать кровлю в исправном состоянии и устранять "
     "протечки в течение"),
])
def test_cuts_of_the_be_bg_writers(prompt, answer):
    assert truncation_signals(answer, prompt)["no_terminal_punct"]


def test_the_same_shapes_finished_are_kept():
    assert not truncation_signals("水果：苹果、香蕉\n蔬菜：洋葱、西红柿", "把这些分成水果和蔬菜：苹果、洋葱、香蕉、西红柿")["no_terminal_punct"]
    fields = "**姓名**：张三\n**年龄**：28\n**城市**：北京"
    assert not truncation_signals(fields, "把这段信息整理成字段")["no_terminal_punct"]
    # a paragraph whose brackets do not balance is still read as code-like, not cut
    assert truncation_signals("Use (a) and (b) and then (c or (d in a world of GUIs, though", "explain")["no_terminal_punct"] is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("in react how do i clean up a setInterval inside useEffect",
     "In Vue 3 you can use the lifecycle hooks: call setInterval in onMounted and clearInterval in onUnmounted, so the "
     "interval won't keep firing after the component is removed.", "subject_swap"),
    ("what are the stages of mitosis in order", "Meiosis has two rounds of division: Prophase I, Metaphase I, Anaphase I and "
     "Telophase I, then Prophase II to Telophase II, producing four haploid gametes.", "subject_swap"),
    ("какие документы нужны для визы в японию, туризм", "Для оформления туристической визы в Китай понадобятся загранпаспорт, анкета, "
     "фотография 33×48 мм и бронь отеля.", "subject_swap"),
    ("о чём роман преступление и наказание, кратко для урока", "«Идиот» — роман Ф. М. Достоевского. Главный герой, князь Мышкин, "
     "возвращается в Россию из Швейцарии и попадает в петербургское общество, полное корысти и страстей.", "subject_swap"),
    ("我国个人所得税起征点现在是多少", "美国联邦个人所得税采用累进税率，2023年的税率分为七档，单身申报者的标准扣除额为 13,850 美元。", "subject_swap"),
    ("宝宝6个月了，辅食应该怎么开始添加", "孕期饮食要注意营养均衡：孕早期注意补充叶酸，孕中期增加蛋白质和钙，孕晚期控制体重增长，避免生食和酒精。",
     "subject_swap"),
    ("классифицируй отзыв как положительный или отрицательный: «Пылесос мощный, но шумит»",
     "**Пылесос «ТурбоКлин X5» — мощность и удобство в каждом доме!** Забудьте о пыли: мощный мотор обеспечивает отличное "
     "всасывание на любых покрытиях.", "options_unmet"),
    ("帮我把这段话压缩成一句话：\n我们小区的物业最近越来越不像话了，垃圾两三天才收一次，楼道灯坏了一个月也没人修。",
     "尊敬的业主您好：\n\n非常感谢您对我们工作的监督和反馈，我们深表歉意，将在本周内完成整改。\n\n如有其他问题，欢迎随时拨打物业服务热线。"
     "感谢您的理解与支持！\n\nXX物业服务中心", "letter_for_task"),
    ("exact steps to file a small claims case in california for $3000 a contractor owes me",
     "The justice system is one of the cornerstones of a functioning democracy. Courts provide a peaceful forum in which "
     "disputes can be resolved according to the rule of law. Small claims courts make justice accessible to ordinary people "
     "who might otherwise be unable to afford legal representation.", "no_howto"),
    ("write a short poem about the sea for my grandma's card",
     "Ocean conservation is one of the most pressing environmental challenges of our time. Overfishing, plastic pollution "
     "and rising water temperatures threaten marine ecosystems worldwide. Coral reefs, which support a quarter of all "
     "marine species, are bleaching at alarming rates. Individuals can help by reducing single-use plastics, choosing "
     "sustainably sourced seafood and supporting marine protected areas, so the sea stays healthy for future generations.",
     "no_poem"),
    ("给奶奶写一句80岁生日祝福，要温馨一点", "```sql\nSELECT user_id, COUNT(*) AS order_cnt\nFROM orders\nGROUP BY user_id;\n```",
     "code_for_text"),
])
def test_answers_that_miss_the_ask(prompt, answer, kind):
    assert (missing_deliverable(answer, prompt) or "").startswith(kind)


def test_the_same_asks_met_are_kept():
    assert missing_deliverable("1. Find the right court.\n2. Fill out form SC-100.\n3. File it and pay the fee.\n4. Serve the "
                               "contractor.", "exact steps to file a small claims case in california") is None
    assert missing_deliverable("Отзыв отрицательный: шум и маленький контейнер перевешивают мощность.",
                               "классифицируй отзыв как положительный или отрицательный: «Пылесос мощный, но шумит»") is None
    # a poem's process explained where the prompt asks to explain it
    assert missing_deliverable("写诗可以是一种愉快的创造性练习。一般来说，这个过程从为这首诗集思广益的想法和主题开始，然后计划和构造这首诗，决定使用什么词和押韵"
                               "方案，写完后再修改和编辑。", "解释执行给定任务的过程。\n\n写一首诗。") is None
    assert missing_deliverable("```html\n<h1>Happy 80th birthday, Grandma!</h1>\n```", "make an html page with a birthday greeting") is None


def test_wrong_arithmetic_stated_as_fact_is_nonsense():
    assert false_arithmetic("The square root of 144 is 14, because 14 × 14 = 144.") == ["14 × 14 = 144"]
    assert degenerate_metrics("√144 = 14, так как 14 × 14 = 144.", "корень из 144")["gibberish"] == 1.0
    for right in ("17 ÷ 3 = 5.67", "7 ÷ 4 = 1 … 3", "5 ÷ 3 = 1 余 2", "2 + 3 × 4 = 14", "4 * 750 = 3升", "1,000 + 500 = 1,500",
                  "Solve $3 + 1 = 1$ in base 3", "5 × 9 =\n2. 9 × 5 ="):
        assert false_arithmetic(right) == [], right
    assert false_arithmetic("根据1+1=3类比，结果是3个苹果。", "如果1+1=3，那么1个苹果加一个苹果等于几个苹果？") == []


def test_a_circular_russian_definition():
    assert circular_definition("Инфляция — это процесс инфляции, при котором происходит инфляционный рост. Иными словами, инфляция "
                               "возникает тогда, когда в экономике наблюдается инфляция. Главной причиной инфляции является "
                               "инфляционное давление, а следствием инфляции — рост цен из-за инфляции.", "что такое инфляция")
    assert circular_definition("The simplest way to check if a number is a prime number is by using the trial division "
                               "algorithm. This algorithm divides the number by all numbers less than it to determine if any "
                               "of them is a factor. If no such number is found, then the number is a prime number.",
                               "Describe how you would check if a given number is a prime number.") is None


def _dropped(prompt: str, answer: str, drop: list[str]) -> bool:
    frame = pl.DataFrame({"id": ["r"], "source": ["s"], "messages": [[{"role": "user", "content": prompt},
                                                                    {"role": "assistant", "content": answer}]]})
    return Quality(Quality.Params(drop=drop)).run(frame, Context(seed=1)).rejected.height == 1


def test_a_formula_answer_and_an_ai_self_description_are_kept():
    assert not _dropped("水的化学式", "H₂O。", ["length"])
    assert _dropped("水的颜色", "H。", ["length"])
    assert not _dropped("who are you", "I'm an AI assistant — a language model trained to help with questions and writing.",
                        ["refusal_boilerplate"])
