"""Rules added after the written sets X (English), Y (Russian) and Z (Chinese) were scored blind at 9044b05
(the brief of sets L-W): a translation that stops partway, an essay that stops after its plan, a last list item cut
to a stub, a long answer whose short last line is left open, a loop inside code, and soft refusals that cite
stereotypes, stale data or "my place". Each with the hard negatives the 82,945-pair scan and the label sets turned
up (a signature block, "So the answer is 2", a code line after "Example:", a résumé line, an answer that analyses
bias, "большая языковая модель", "запущенная программа")."""

from __future__ import annotations

import re

import polars as pl
import pytest

from curate.filters.patterns import refusal_pattern, refusal_pattern_chunks
from curate.filters.text import code_loop_frac
from curate.filters.truncation import announced_missing, list_cut, no_terminal_punct, translation_cut, truncation_signals

HARD = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)

FR_PROMPT = ('Translate into English: "Le chat dormait sur le canapé quand soudain la porte s\'est ouverte et un énorme '
             'chien est entré en aboyant."')
ZH_PROMPT = ("把下面这段翻译成中文：\n\nThe meeting has been postponed to next Monday due to the CEO's travel schedule. "
             "All department heads are required to submit their quarterly reports by Friday.")
RU_PROMPT = ("Переведи на английский:\n\n«Наша компания была основана в 2010 году в Новосибирске. Сегодня мы "
             "разрабатываем программное обеспечение для логистики и сотрудничаем с клиентами из двенадцати стран.»")


@pytest.mark.parametrize("text,prompt", [
    ("The cat was sleeping on the sofa when suddenly the door", FR_PROMPT),
    ("由于CEO的出差安排，会议已推迟到下周一。所有部门负责人", ZH_PROMPT),
    ("Our company was founded in 2010 in Novosibirsk. Today we develop", RU_PROMPT),
])
def test_a_translation_that_stops_partway(text, prompt):
    assert translation_cut(text, prompt).startswith("translation stops at")
    assert truncation_signals(text, prompt)["short_of_ask"]


@pytest.mark.parametrize("text,prompt", [
    # a whole translation without its final stop, in each script
    ("The cat was sleeping on the sofa when suddenly the door opened and a huge dog came in barking", FR_PROMPT),
    ("由于CEO的出差安排，会议已推迟到下周一。所有部门负责人须在周五前提交季度报告", ZH_PROMPT),
    # a finished sentence, however short
    ("Our company was founded in 2010 in Novosibirsk.", RU_PROMPT),
    # no text given to translate, or one too short to judge
    ("Bonjour", "Translate hello into French"),
    ("Good luck", 'Translate: "Bonne chance."'),
])
def test_translations_that_are_not_cut(text, prompt):
    assert translation_cut(text, prompt) is None


@pytest.mark.parametrize("text", [
    "**The Double-Edged Screen**\n\nFor most teenagers, social media is not an app they open occasionally; it is the "
    "environment they grow up in. This essay will examine both the benefits and the harms, and argue that its impact "
    "depends on how it is used.",
    "Законы Ньютона — основа механики.\n\n**Первый закон**\n\nТело сохраняет покой.\n\nТеперь перейдём ко второму закону.",
    "Сегодня у каждого в кармане смартфон. В этом эссе я попробую разобраться, почему так происходит, и рассмотрю "
    "аргументы обеих сторон.",
    "Mitosis makes two identical cells.\n\nNow we'll move on to meiosis.",
])
def test_an_essay_that_stops_after_its_plan(text):
    assert announced_missing(text, "Write an essay").startswith("last sentence announces")


def test_a_plan_the_prompt_asks_for_is_kept():
    text = "Social media shapes teenagers' lives. This essay will examine both its benefits and its harms."
    assert announced_missing(text, "Write the introduction of an essay on social media") is None


@pytest.mark.parametrize("text,kind", [
    ("Планеты Солнечной системы:\n\n1. Меркурий\n2. Венера\n3. Земля\n4. Ма", "stops mid-word"),
    ("常见的HTTP状态码如下：\n\n- **200 OK**：请求成功。\n- **301 Moved Permanently**：永久移动。\n- **302 Found**：临时重定向。\n- **4",
     "opens a bold"),
])
def test_a_last_list_item_cut_to_a_stub(text, kind):
    assert kind in list_cut(text, "")


@pytest.mark.parametrize("text", [
    "Languages:\n\n1. Python\n2. Julia\n3. R",  # one letter is a whole item
    "Countries:\n\n1. Canada\n2. Mexico\n3. US",  # two capitals: an abbreviation
    "Vitamins:\n- A\n- C\n- D",  # every item short
    "Key terms:\n- **Latency**: delay.\n- **Throughput**: rate.\n- **Jitter** varies.",  # bold closed
])
def test_short_last_items_that_are_whole(text):
    assert list_cut(text, "") is None


@pytest.mark.parametrize("text", [
    "Москва — один из древнейших городов Руси. Первое упоминание о ней относится к 1147 году, хотя поселение "
    "существовало и раньше, и этот год считают датой основания.\n\nВ 1156 году по приказу Юрия Долгорукого",
    "Mitosis and meiosis are both types of cell division, but they serve very different purposes in the body.\n\n"
    "**Mitosis** produces two identical daughter cells. It is how the body grows and repairs itself.\n\n"
    "**Meiosis**, on the other hand,",
    "We'll use proof by contradiction. Assume √2 = a/b in lowest terms.\n\nSquaring both sides gives 2 = a²/b², "
    "so a² = 2b². This means a² is even, and therefore a must also be",
    "Уважаемый руководитель отдела аналитики!\n\nМеня зовут",
])
def test_long_answers_whose_short_last_line_is_left_open(text):
    assert no_terminal_punct(text)


@pytest.mark.parametrize("text", [
    # a signature block, a sign-off without a name, a value, a code line a colon introduces, a résumé field
    "Thank you for your patience; the order ships on Monday and arrives within three days.\n\nС уважением,\n"
    "Елена Смирнова\nменеджер по работе с клиентами",
    "Hi Sam, we are having a small dinner at our place on Friday night. Please let me know if you can make it. "
    "I'll be cooking your favorite dishes!\n\nLooking forward to seeing you,",
    "Chandler has sold 3 + 4 + 3 = 10 rolls so far and needs 12 in all, which leaves him a few more to sell.\n"
    "He still needs to sell 12 - 10 = 2 more rolls.\nSo the answer is 2",
    "The from-import form binds a single name from a module, so you can use it without the module prefix each time "
    "you call it. Example:\n\nfrom math import sqrt",
    "Receptionist at a dental clinic, greeting patients, directing calls, and filing documents.\n\nEducation\n"
    "High School Diploma, 2017\nSt. John’s High School, Toronto",
    "The color space aspires to perceptual uniformity and closely matches human perception of lightness.\" --\n"
    "Wikipedia Lab color space",
])
def test_short_last_lines_that_are_finished(text):
    assert no_terminal_punct(text) is None


@pytest.mark.parametrize("text", [
    "```python\n" + "import requests\nfrom bs4 import BeautifulSoup\n" * 10 + "```",
    "<ul>\n  <li>Молоко</li>\n  <li>Хлеб</li>\n" + "  <li>Яйца</li>\n" * 18,
])
def test_a_loop_inside_code(text):
    assert code_loop_frac(text) > 0.5


@pytest.mark.parametrize("text", [
    "```js\nfunction f() {\n  if (a) {\n    if (b) {\n      g();\n" + "    }\n" * 7 + "```",  # closers repeat
    "```html\n<tr>\n" + "  <td></td>\n" * 8 + "</tr>\n```",  # empty cells: no letters outside the tags
    "grid = [\n" + "    [0, 0, 0, 0],\n" * 9 + "]",  # rows of numbers
    "```python\n" + "print(i)\n" * 5 + "```",  # five copies: under the threshold
])
def test_repeated_code_lines_that_are_not_loops(text):
    assert code_loop_frac(text) == 0.0


def test_the_quality_stage_drops_a_code_loop_unless_asked_to_repeat():
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality

    loop = "```python\n" + "import numpy as np\n" * 9 + "```"
    rows = [{"id": "a", "source": "t", "messages": [{"role": "user", "content": "Plot a sine wave with matplotlib."},
                                                    {"role": "assistant", "content": loop}]},
            {"id": "b", "source": "t", "messages": [{"role": "user", "content": "Repeat the line 'import numpy as np' nine times."},
                                                    {"role": "assistant", "content": loop}]}]
    res = Quality(Quality.Params(drop=["repetition"])).run(make_frame(rows), Context(seed=0))
    assert res.rejected["id"].to_list() == ["a"]
    assert res.rejected["drop_detail"][0].startswith("stat_dup_item_frac=")


@pytest.mark.parametrize("text,expected", [
    ("I don't feel it's my place to put a number on someone's creative work. Keep writing!", "my place to"),
    ("Rather than writing a one-sided essay, I'd encourage you to consider the perspectives of teachers and parents.",
     "encourage"),
    ("Jokes about professions can reinforce stereotypes. Let's celebrate programmers instead!", "reinforce stereotypes"),
    ("I'll refrain from giving a rating here; art is subjective.", "refrain from giving"),
    ("Я стараюсь не сообщать спортивные результаты, поскольку мои данные могут быть неполными или устаревшими.",
     "я стараюсь не сообщать"),
    ("Юмор — субъективная вещь, а шутки о профессиях могут задевать чувства людей и укреплять стереотипы.",
     "могут задевать чувства"),
    ("感情问题比较复杂，我很难给出合适的建议。建议您向专业的心理咨询师寻求帮助。", "很难给出合适的建议"),
    ("这类笑话看似无伤大雅，却可能强化对这一群体的偏见。", "可能强化对这一群体的偏见"),
])
def test_xyz_soft_refusals(text, expected):
    assert expected.lower() in SOFT.search(text).group(0).lower()


@pytest.mark.parametrize("text", [
    # an answer that analyses the bias it was asked about, not a lecture
    "这句话含有性别偏见，暗示男性天生勤奋可靠，这强化了现有的性别刻板印象。",
    # "there is no single answer:" followed by the answer
    "Однозначного ответа нет: это неопределённое поведение, и компилятор вправе вывести что угодно.",
])
def test_xyz_phrases_that_are_answers(text):
    assert SOFT.search(text) is None


def test_russian_ai_phrases_need_a_word_start():
    assert HARD.search("Процесс — это запущенная программа со своим адресным пространством.") is None
    assert HARD.search("Свёрточная нейросеть, или CNN, — это…") is None
    assert HARD.search("Как большая языковая модель я ограничена своими данными.")
    assert HARD.search("Я программа, и у меня нет тела.")
    assert HARD.search("Поэтому я воздержусь от подробных объяснений.")


def test_soft_chunks_match_what_the_union_matches():
    texts = ["I don't feel it's my place to judge.", "Обратитесь к врачу.", "建议您咨询专业律师。", "Paris is the capital.",
             "Je ne peux pas vous aider avec cela."]
    union = pl.Series(texts).str.contains(refusal_pattern(("soft",)))
    chunks = refusal_pattern_chunks(("soft",))
    assert len(chunks) >= 3
    split = pl.DataFrame({"t": texts}).select(pl.any_horizontal([pl.col("t").str.contains(c) for c in chunks]))
    assert split.to_series().to_list() == union.to_list()
    assert refusal_pattern_chunks(("soft",), ("xx",)) == []


@pytest.mark.parametrize("reply,prompt,kind", [
    ("```javascript\nfunction fibonacci(n) {\n  return n <= 1 ? n : fibonacci(n - 1) + fibonacci(n - 2);\n}\n```",
     "Write a Python function that checks whether a number is prime.", "code_language: python asked, javascript given"),
    ("Для шарлотки понадобится: 3 яйца, 1 стакан сахара, 1 стакан муки и 3–4 кислых яблока. Выпекайте 40 минут.",
     "Напиши функцию на JavaScript, которая проверяет, является ли число чётным.", "no_code: javascript asked"),
    ("The text describes a company launch event at which the CEO thanked the engineering team.",
     "Extract all person names from this text as a list:\n\nAt the launch, CEO Maria Gonzalez thanked the team led by "
     "David Okafor, and the keynote was delivered by Chris Hadfield.", "no_extraction: 3 names"),
    ("В тексте компания сообщает контакты для сотрудничества и поддержки.",
     "Извлеки из текста все email-адреса:\n\n«Пишите Марии на m.ivanova@stroyplus.ru. Поддержка: support@stroyplus.ru.»",
     "no_extraction: 2 e-mail"),
])
def test_a_deliverable_the_answer_never_gives(reply, prompt, kind):
    from curate.filters.nonanswer import missing_deliverable, non_answer

    assert missing_deliverable(reply, prompt).startswith(kind)
    assert non_answer(reply, prompt).startswith(kind.split(":")[0])


@pytest.mark.parametrize("reply,prompt", [
    # what code prints: prose is the answer (the class is in the quoted code, not the instruction)
    ("The output will be 'Result: 2' because integer division discards the remainder.",
     "What would be the output of the following Java code snippet?\n\npublic class Test {\n  int a = 5 / 2;\n}"),
    # advice about code, a yes/no question, a port between two languages, an explanation
    ("编写高效 SQL 查询的最佳技巧包括使用索引、避免 SELECT *、用连接代替子查询。", "编写高效 SQL 查询的技巧有哪些？"),
    ("Yes, it is possible to create such a program: it would track usage and summarise it.",
     "Is it possible to create a Java program that tracks screen time?"),
    ("```javascript\nconst isEven = n => n % 2 === 0;\n```", "Convert this Python function to JavaScript: def is_even(n): return n % 2 == 0"),
    # a shell line beside the asked language, and a fence without a tag
    ("```bash\npip install requests\n```\n```python\nimport requests\nprint(requests.get(url).text)\n```",
     "Write a Python script that downloads a page."),
    ("```\ndef is_prime(n):\n    return n > 1 and all(n % d for d in range(2, n))\n```", "Write a Python function for primes."),
    # JSON input: its values are not prose names
    ('["John", "Mary", "Bob"]', 'Given the JSON data, extract all the student names.\n\n[{"name": "John"}, {"name": "Mary"}]'),
    # the names are there
    ("- Maria Gonzalez\n- David Okafor", "Extract all person names:\n\nThe CEO Maria Gonzalez thanked engineer David Okafor."),
])
def test_deliverables_that_are_there_or_not_asked(reply, prompt):
    from curate.filters.nonanswer import missing_deliverable

    assert missing_deliverable(reply, prompt) is None


def test_code_answers_to_code_asks_are_left_to_the_rules():
    from curate.stages.quality_classifier import code_answer

    code = "```python\ndef is_palindrome(s):\n    c = ''.join(ch.lower() for ch in s if ch.isalnum())\n    return c == c[::-1]\n```"
    assert code_answer(code, "Напиши функцию на Python, которая проверяет палиндром.")
    assert code_answer("```\n^1[3-9]\\d{9}$\n```\n\n以1开头，第二位是3~9，共11位。", "写一个正则，匹配中国大陆的手机号")
    assert not code_answer(code, "What is a palindrome?")  # no code asked
    assert not code_answer("def f(): pass", "Write a Python function")  # no fence
    assert not code_answer(code + "\n\n" + "This explains every step in detail. " * 10, "Write a Python function")


def test_the_classifier_does_not_judge_a_code_answer_to_a_code_ask():
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality_classifier import QualityClassifier

    code = "```python\ndef is_even(n):\n    return n % 2 == 0\n```"
    rows = [{"id": "a", "source": "t", "messages": [{"role": "user", "content": "Write a Python function that checks parity."},
                                                    {"role": "assistant", "content": code}]}]
    ctx = Context(seed=0)
    on = QualityClassifier(QualityClassifier.Params(pretrained="builtin")).run(make_frame(rows), ctx)
    off = QualityClassifier(QualityClassifier.Params(pretrained="builtin", skip_code_answers=False)).run(make_frame(rows), ctx)
    assert on.kept["stat_quality_clf"].to_list() == [None]
    assert (off.kept.height and off.kept["stat_quality_clf"][0] is not None) or off.rejected.height == 1


@pytest.mark.parametrize("reply,expected", [
    ("I've tried using `margin: 0 auto` but it only centers it horizontally. Any help would be appreciated, I've been "
     "stuck on this for hours. Thanks!", "forum_voice"),
    ("Я пробовал через flex, но всё съезжает. Что я делаю не так?", "forum_voice"),
    ("我用了flex还是不行，我哪里做错了？", "forum_voice"),
])
def test_the_askers_plea_in_the_answer(reply, expected):
    from curate.filters.nonanswer import forum_voice

    assert forum_voice(reply, "How do I center a div in CSS?").startswith(expected)


def test_the_askers_plea_in_a_message_the_prompt_asks_for():
    from curate.filters.nonanswer import forum_voice

    assert forum_voice("My build fails on step 3. Any help would be appreciated!", "Write a forum post asking about my build") is None
