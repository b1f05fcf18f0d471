"""The thirty-sixth pass: answers that miss the ask by their shape. A difference or a choice between two named things
asked, and an answer that names neither (or, for a difference, only one) of them (``comparison_unmet``); a code-writing
ask answered with a prose list whose items end on ";" (``no_code``); a how-to answered with its topic's definition or
history (``no_howto``); a sum answered with another number (``wrong_result``); a rewrite given back unchanged
(``unchanged_rewrite``). Each rule sits next to hard negatives: a choice answered by naming one, a table, "both", Chinese
synonyms, code answers, a definition followed by the answer, thousands separators, a correction of a right sentence."""

from __future__ import annotations

import pytest

from curate.filters.nonanswer import arithmetic_result, comparison_sides, missing_deliverable
from tests.quality_helpers import quality_drops

FUND = ("A stock represents a share of ownership in a company. When you buy a stock, you become a part-owner and may "
        "benefit if the company grows or pays dividends. Prices move with earnings, interest rates and market mood, so "
        "stocks are riskier than bonds over short periods.")


@pytest.mark.parametrize("prompt,sides", [
    ("what's the difference between an ETF and a mutual fund", ("ETF", "mutual fund", "difference")),
    ("В чём разница между list и tuple в Python?", ("list", "tuple", "difference")),
    ("Чем отличается ООО от ИП?", ("ООО", "ИП", "difference")),
    ("python里list和tuple有什么区别", ("list", "tuple", "difference")),
    ("识别并解释陈述句和疑问句之间的区别。", ("陈述句", "疑问句", "difference")),
    ("Что лучше для утепления балкона изнутри: пеноплекс или минвата? Балкон уже застеклён",
     ("пеноплекс", "минвата", "choice")),
    ("上班族一个人住，养猫好还是养狗好？你怎么看", ("猫", "狗", "choice")),
])
def test_the_two_sides_of_a_comparison(prompt, sides):
    assert comparison_sides(prompt) == sides


@pytest.mark.parametrize("prompt", [
    "Compare two given strings and determine if they are the same.",  # no named sides
    "Compare the strengths and weaknesses of React and Angular",  # the sides are aspects
    "Are you Alexa or Siri?",  # a choice nobody weighs
    "Write a Python function that checks if a number is prime or not?",
    "写出下面给出的文章的结论。  该研究发现，男性和女性之间没有差异。",  # a comparison inside the given text
    "草莓状血管瘤什么时间治疗最好，现在还是很小,哪里手术比较安全",
    "Python 2 vs Python 3?",  # the sides share a name
])
def test_no_comparison_is_read_where_none_is_asked(prompt):
    assert comparison_sides(prompt) is None


@pytest.mark.parametrize("prompt,reply", [
    ("what's the difference between an ETF and a mutual fund", FUND),
    ("Что лучше для утепления балкона изнутри: пеноплекс или минвата? Балкон уже застеклён",
     "Утепление балкона — важный этап, который позволяет превратить его в полноценное жилое пространство. Правильно "
     "выполненное утепление помогает сохранить тепло в квартире, снизить расходы на отопление и создать комфортную "
     "атмосферу. Перед началом работ важно тщательно продумать все детали."),
    ("Чем отличается ООО от ИП?",
     "Чтобы зарегистрировать ИП, подайте заявление по форме Р21001 в налоговую или через Госуслуги, приложите копию "
     "паспорта и выберите коды ОКВЭД. Решение принимают за три рабочих дня, после чего вы получаете лист записи ЕГРИП "
     "и можете открывать расчётный счёт в банке."),
    ("Python中列表和元组有什么区别？",
     "Python中的字典（dict）和集合（set）都是基于哈希表实现的：字典存储键值对，通过键快速查找值；集合只存储不重复的元素，常用于去重和集合运算。"
     "它们的查找时间复杂度平均都是 O(1)，键必须是可哈希的对象。"),
])
def test_a_comparison_answered_about_something_else_is_flagged(prompt, reply):
    note = missing_deliverable(reply, prompt)
    assert note is not None and note.startswith("comparison_unmet:"), note


@pytest.mark.parametrize("prompt,reply", [
    # a choice is answered by naming one
    ("tabs or spaces? which is better, just give me your take",
     "Spaces. They render the same everywhere, and most style guides (PEP 8, Google, Prettier defaults) use them. The "
     "real rule, though: follow whatever the project already does and let the formatter enforce it, so nobody argues."),
    # Chinese: "橘子" answered as "橙子"; one side named is enough
    ("比较苹果和橘子。", "苹果和橙子都是受欢迎的水果，但它们在几个方面有所不同。苹果通常圆而结实，带有酸甜的味道。橙子通常呈球形、多汁且甜美。"
                   "苹果有从绿色到红色的多种颜色，而橙子主要是橙色。"),
    # a table compares, in any script ("айфон" is written "iPhone" there)
    ("Сравни айфон и андроид в табличке по основным параметрам",
     "Вот сравнение по ключевым параметрам:\n\n| Параметр | iPhone (iOS) | Android |\n|---|---|---|\n| Выбор устройств | "
     "Только смартфоны Apple | Сотни моделей разных производителей |\n| Цена | От среднего до высокого | От бюджетных "
     "до флагманов |\n| Обновления | Долго и одновременно | Зависит от производителя |"),
    # "both" speaks of the pair
    ("Сравни iPhone 15 и Samsung Galaxy S24 по камере, батарее и цене.",
     "Отличный вопрос! Оба смартфона являются флагманами своих производителей и вышли примерно в одно время, поэтому "
     "их часто сравнивают. По камере у первого лучше видео, у второго — зум; батарея дольше держит у второго."),
    # both sides named
    ("whats the difference between a W-2 and a 1099",
     "Both are US tax forms that report income, but a W-2 is for employees with taxes withheld, while a 1099-NEC is "
     "for contractors who pay their own taxes through quarterly estimates and self-employment tax."),
])
def test_answers_that_compare_are_kept(prompt, reply):
    note = missing_deliverable(reply, prompt)
    assert note is None or not note.startswith("comparison_unmet:"), note


def test_a_prose_list_ending_on_semicolons_is_no_code():
    prompt = "Напиши функцию на JavaScript, которая переворачивает строку."
    vitamin = ("Основные признаки дефицита витамина D:\n\n- постоянная усталость и слабость;\n- боли в костях и спине;\n"
               "- частые простуды;\n- медленное заживление ран.\n\nЧтобы точно узнать уровень витамина, нужно сдать анализ "
               "крови на 25(OH)D.")
    assert missing_deliverable(vitamin, prompt).startswith("no_code:")
    # unfenced code and SQL still count as code
    assert missing_deliverable("function reverse(s) {\n  return s.split('').reverse().join('');\n}", prompt) is None
    assert missing_deliverable("SELECT name, age FROM person WHERE age > 18 ORDER BY age DESC LIMIT 10;",
                               "Write a SQL query that returns the ten oldest adults from the person table.") is None
    assert missing_deliverable("The SQL query to extract the top 10 highest salaries is: SELECT salary FROM employees "
                               "ORDER BY salary DESC LIMIT 10",
                               "Write a SQL query to extract the top 10 highest salaries.") is None


def test_the_quality_stage_drops_a_comparison_answered_elsewhere():
    assert quality_drops("what's the difference between an ETF and a mutual fund", [FUND], ["non_answer"]) != []


# ---------------------------------------------------------------- no_howto: the topic defined instead of the how-to

@pytest.mark.parametrize("prompt,reply", [
    ("Как приготовить плов в мультиварке?",
     "Плов — одно из древнейших блюд Востока. Считается, что его рецепт известен со времён Александра Македонского, а в "
     "Средней Азии плов до сих пор готовят по праздникам и на свадьбах."),
    ("how do I make cold brew coffee at home?",
     "Coffee has a long and fascinating history. According to legend, it was discovered in Ethiopia by a goat herder "
     "named Kaldi, who noticed his goats became energetic after eating the berries."),
    ("what are the side effects of metformin",
     "Metformin is a medication used to treat type 2 diabetes. It belongs to a class of drugs called biguanides and is "
     "usually the first medicine prescribed for the condition."),
    ("红烧肉怎么做才能肥而不腻？", "红烧肉是一道历史悠久的传统名菜，相传与北宋文学家苏东坡有关。苏东坡在黄州时曾写下《猪肉颂》，流传至今。"),
])
def test_a_how_to_answered_with_the_topics_history_is_flagged(prompt, reply):
    note = missing_deliverable(reply, prompt)
    assert note is not None and note.startswith("no_howto:"), note


@pytest.mark.parametrize("prompt,reply", [
    # a definition, then the answer: most of the prompt's words come back
    ("How to interpret the output of a linear regression model?",
     "Linear regression is a common method of predicting one variable based on another. The output of a linear "
     "regression model shows the coefficients: to interpret them, read each as the change in the outcome per unit."),
    # steps after the opening
    ("如何禁用Windows的自动更新？", "禁用 Windows 的自动更新是一个相当简单的过程，只需几个步骤即可完成。 首先，单击“开始”按钮，然后选择“控制面板”。"),
    # the prompt asks what it is, or how it works
    ("如何描述“黑洞”的概念？", "黑洞是一个非常致密的空间区域，当一颗恒星由于自身的引力而自行坍缩时形成。"),
    ("无监督学习如何工作？", "无监督学习是一种不需要标记数据的机器学习算法。在无监督学习中，数据根据相似特征进行聚类或组织。"),
    # a question to the assistant
    ("你怎么做作业？", "我不做作业，因为我是一个自然语言人工智能，不是一个学生。"),
    # an evaluative opening is no definition
    ("How to add margin top to rows using twitter bootstrap framework?",
     "Editing or overriding the row in Twitter bootstrap is a bad idea, because this is a core part of the page "
     "scaffolding and you will need rows without a top margin elsewhere."),
])
def test_how_to_answers_that_open_with_a_definition_are_kept(prompt, reply):
    note = missing_deliverable(reply, prompt)
    assert note is None or not note.startswith("no_howto:"), note


# ---------------------------------------------------------------- wrong_result and unchanged_rewrite

@pytest.mark.parametrize("prompt,value", [
    ("What is 12 × 8?", 96), ("what's 15% of 80?", 12), ("7减4等于几？", 3), ("Сколько будет 17 умножить на 23?", 391),
    ("solve 2x + 3 = 11", 4), ("2+2*2", 6), ("计算 104 x 40。", 4160),
])
def test_the_value_of_an_arithmetic_question(prompt, value):
    assert arithmetic_result(prompt) == value


@pytest.mark.parametrize("prompt", ["What is 12 × 8 in binary?", "Explain why 2+2=4", "What is 5/0?", "Write a poem about 7"])
def test_other_prompts_hold_no_arithmetic_question(prompt):
    assert arithmetic_result(prompt) is None


@pytest.mark.parametrize("prompt,reply,flagged", [
    ("What is 12 × 8?", "12 × 8 is equal to 8 × 12, which is equal to 12 × 8. The answer is the product of 12 and 8.", True),
    ("What is 15% of 80?", "15% of 60 is 9.", True),
    ("4x3+3x2 是多少？", "4x3+3x2 等于 21。", True),
    ("计算 104 x 40。", "104 x 40 = 4,160", False),  # a thousands separator
    ("Сколько будет 15% от 2400?", "360.", False),
    ("solve 3x + 7 = 22", "Subtract 7 from both sides: 3x = 15. Divide both sides by 3: x = 5.", False),
    ("What is 10+19", "I'm not sure why you're asking me this question.", False),  # no digit: not judged here
])
def test_a_sum_answered_with_another_number(prompt, reply, flagged):
    note = missing_deliverable(reply, prompt)
    assert (note is not None and note.startswith("wrong_result:")) == flagged, note


@pytest.mark.parametrize("prompt,reply,flagged", [
    ("把下面这句话改成被动句：小明打碎了妈妈最喜欢的花瓶。", "小明打碎了妈妈最喜欢的花瓶。", True),
    ("Перепиши текст в более вежливой форме: «Почему до сих пор не прислали отчёт?»", "Почему до сих пор не прислали отчёт?", True),
    ("把下面这句话改成被动句：小明打碎了妈妈最喜欢的花瓶。", "妈妈最喜欢的花瓶被小明打碎了。", False),
    # a correction may give a right sentence back as it was
    ("Correct the grammar: \"She goes to school every day.\"", "She goes to school every day.", False),
    # the instruction quotes one sentence and the input holds another
    ("Rewrite the following sentence: \"She smiled and nodded\"\nShe grinned and nodded", "She grinned and nodded.", False),
    ("Rewrite the following string with proper capitalization.\ni am a student", "I am a student.", False),
])
def test_a_rewrite_given_back_unchanged(prompt, reply, flagged):
    note = missing_deliverable(reply, prompt)
    assert (note is not None and note.startswith("unchanged_rewrite:")) == flagged, note
