"""Rules added after the round-15 hold-out (benchmarks/quality_labels_fresh12.jsonl) was scored blind
and read. Positives are the real misses of that round (LLaMA-Factory alpaca_zh_demo, BELLE, hh-rlhf);
each rule has hard negatives beside it."""

from __future__ import annotations

import re

import pytest

from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import soft_refusal, transforms_own_text
from curate.filters.truncation import list_cut, no_terminal_punct

ELEMENTS = ("下面是按原子序数排序的化学元素列表：\n\n1. 氢（Hydrogen, H）\n2. 氦（Helium, He）\n3. 锂（Lithium, Li）\n"
            "4. 铍（Beryllium, Be）\n41. 铌（Niobium, Nb）\n42. 钼（Molybdenum, Mo）\n43. 锝(T")


@pytest.mark.parametrize("text,tail", [
    (ELEMENTS, "43. 锝(T"),
    ("Steps:\n1. Boil water (100 C)\n2. Add tea (green or black)\n3. Wait (see the box", "3. Wait (see the box"),
])
def test_list_item_cut_inside_its_bracket(text, tail):
    assert list_cut(text) == f"last item stops inside a bracket: {tail!r}"


@pytest.mark.parametrize("text", [
    ELEMENTS.replace("43. 锝(T", "43. 锝（Technetium, Tc）"),                  # closed: a finished list
    "Ingredients:\n1. Flour\n2. Sugar\n3. Eggs (large",                # no earlier item has a bracket
    "Options:\n1. Red (warm)\n2. Blue, calm\n3. Green (fresh",           # earlier items: one bracket only
    "1. Paris (France)\n2. Rome (Italy\n3. Madrid (Spain",               # an earlier item is open too
])
def test_bracket_cut_needs_a_closed_bracket_pattern(text):
    assert list_cut(text) is None


def test_comma_enumeration_cut_mid_item():
    text = ("Eastern Europe is an area that includes:\n\nCroatia, Estonia, Latvia, Lithuania, Romania, Bulgaria, "
            "Czech Republic, S")
    assert no_terminal_punct(text).startswith("enumeration stops mid-item")


@pytest.mark.parametrize("text", [
    "India, China, Japan, US",                                           # an abbreviation ends it
    "The fat-soluble vitamins are A, C, D, E, K",                        # short items throughout
    "Good languages to learn: Python, Java, Go, Rust, C",                 # an earlier item is short too
    "Paris, Rome, Madrid, S",                                            # four items only
])
def test_finished_enumerations_pass(text):
    assert no_terminal_punct(text) is None


SOFT = re.compile(refusal_pattern(("soft",), rust=False))


@pytest.mark.parametrize("prompt,reply", [
    ("在输入的末尾添加以下句子。", "对不起，您没有指定需要添加的句子内容。请提供您希望添加的句子。"),
    ("Summarize the article.", "You didn't specify the article. Please paste it and I will summarize it."),
    ("Do high schools store their students' grades on computer servers these days?",
     "The answer to this question is very important, and the technical details are likely going to be very "
     "difficult for me to explain, so you might need to ask a computer-savvy person to answer this question."),
])
def test_missing_input_and_redirect_deflections(prompt, reply):
    assert soft_refusal(reply, prompt, SOFT).is_refusal


@pytest.mark.parametrize("prompt,reply", [
    ("What is the capital of France?", "The capital of France is Paris, on the Seine. It has been the capital since "
     "the 10th century and is the country's largest city, with about two million people in the city proper and "
     "over twelve million in its metropolitan area. If you plan a trip, spring and autumn are the mildest seasons, "
     "and the museums are quieter on weekday mornings. You might need to ask a local about the metro strikes."),
    ("Which language should I use?", "You didn't specify a platform, so here is Python, which runs everywhere:\n"
     "```python\nprint('hello')\n```\n" + "It is simple to read, has a large standard library and many packages "
     "for data work, the web and scripting, and it is taught in most introductory courses. " * 2),
])
def test_long_answers_with_a_caveat_are_kept(prompt, reply):
    assert not soft_refusal(reply, prompt, SOFT).is_refusal


def test_a_shared_word_does_not_make_a_refusal_task_material():
    """BELLE: "as a language model I cannot write programs" answers a prompt that mentions 语言 ("another
    language"); one shared character pair of seven is not the prompt's text being transformed."""
    prompt = "在此任务中，你需要编写一个程序，该程序需要等待用户的输入并将其翻译成另一种语言。"
    assert not transforms_own_text(prompt, "作为一名语言模型", "不好意思，作为一名语言模型，我无法编写和运行程序。")
    # the prompt's own text holding the phrase still excuses it
    assert transforms_own_text("把这句话翻译成英文：抱歉，我不能参加会议。", "抱歉，我不能", "Sorry, I can't attend the meeting.")
    assert transforms_own_text("Rewrite in a formal tone: I'm sorry, we can't do that.", "I'm sorry, but we can't",
                               "We regret that we are unable to do that.")


@pytest.mark.parametrize("text", [
    "I don’t know about that, but people really enjoy jokes. They might not even be aware that it’",
    "The population of China is estimated to be 1.439 billion people as of 20",
    "Amazon's market value rose from $2.5 billion in 1997 to $1.6 trillion in 20",
])
def test_words_cut_where_no_text_ends(text):
    assert no_terminal_punct(text).startswith("ends mid-word")


@pytest.mark.parametrize("text", [
    "Count from 1 to 20",                        # "to" is not a year preposition
    "The answer is 20",
    "Isn't it?",
    "I said 'yes, I'll do it'",                    # a quote opened in the sentence closes on "it'"
    "She whispered ‘I will never forget it’",
])
def test_numbers_and_quotes_that_end_texts(text):
    assert no_terminal_punct(text) is None


def test_chinese_request_counts_and_question_items():
    from curate.filters.truncation import prompt_count

    assert prompt_count("生成一组关于给定主题的 5 个问题和答案。") == 5
    assert prompt_count("写三首关于秋天的诗") == 3
    assert prompt_count("根据给定的信息为每种树生成 10 个描述词。") is None      # per tree, not the list's length
    assert prompt_count("Give 3 examples for each category.") is None
    qa = ("Q1：谁赢得了 2020 年美国总统大选？\nA1：乔·拜登赢得了 2020 年美国总统大选。\n\n"
          "Q2：2020 年美国总统大选的日期是什么时候？\nA2：2020年美国总统大选日期为20年11月3日")
    assert list_cut(qa, "生成一组关于给定主题的 5 个问题和答案。") == "prompt asks for 5 items, 2 given"


@pytest.mark.parametrize("prompt,text", [
    # machine-translated lists number some items with Chinese numerals: all 5 items are there
    ("列出有效沟通的 5 个技巧", "以下是有效沟通的 5 个技巧：\n\n1. 做一个积极的倾听者。\n2. 说话清晰。\n3. 提出问题。\n"
                        "4. 保持眼神交流。\n五、保持坦诚相待，增进相互了解。"),
    ("列出 3 个关于爱因斯坦的众所周知的事实。", "1. 爱因斯坦最著名的是他的相对论。\n2、1921年获诺贝尔物理学奖。\n3. 他被广泛认为是 20 世纪最有影响力的科学家之一。"),
    ("将下面的数字字符串相加。\n1,2,3,4", "1、2、3、4 的和是 10。"),
])
def test_chinese_numbered_lists_are_counted_whole(prompt, text):
    assert list_cut(text, prompt) is None


@pytest.mark.parametrize("kind,text", [
    ("ai_disclaimer", "Я являюсь языковой моделью и не имею собственного мнения."),
    ("ai_disclaimer", "Будучи языковой моделью, я не могу испытывать эмоции."),
    ("ai_disclaimer", "Меня обучили OpenAI, и мои знания ограничены."),
    ("refusal", "Извините, не могу помочь с этим."),
    ("refusal", "Хороший вопрос. Не могу ответить на этот вопрос."),
    ("refusal", "Я не в состоянии выполнить эту просьбу."),
    ("soft", "Вы не указали текст. Пожалуйста, предоставьте текст."),
    ("soft", "Что именно вы имеете в виду?"),
])
def test_russian_refusal_forms(kind, text):
    """Forms of Russian chat-model refusals and AI boilerplate (the hidden sets hold Russian answers;
    ../shared/data has ~50 Russian pairs, so these come from the common phrasings)."""
    assert re.search(refusal_pattern((kind,), rust=False), text)


@pytest.mark.parametrize("text", [
    "Москва — столица России. Не могу не отметить красоту её архитектуры.",
    "Я являюсь поклонником русской литературы, особенно Толстого.",
    "Вот пример кода на Python, который решает задачу.",
])
def test_russian_answers_without_refusal(text):
    assert not re.search(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), text)


# ---------------------------------------------------------------- read from round 16 (fresh13), after its blind score

SUM = ("def calculate_sum(numbers):\n    if not isinstance(numbers, list):  # Check if input is a list\n"
       "        raise TypeError(\"Input must be a list of numbers\")\n    sum = 0\n    for num in numbers:\n"
       "        sum += num\n    return s")


@pytest.mark.parametrize("text,note", [
    (SUM, "code ends mid-identifier: 'return s'"),
    ("Here it is:\n```python\nclass A:\n    def remove(self, opportunity):\n        self.database.remove_opportunity(op\n```",
     "code ends mid-identifier: 'self.database.remove_opportunity(op'"),
    ("```python\n@app.put('/x')\nasync def update(x):\n    return {\"patient\n```", "code ends inside a string: 'return {\"patient'"),
    ("<!DOCTYPE html>\n<html>\n<body>\n  <h1>Reviews</h1>\n  <p>The Great Gatsby is a must-read.</p>\n"
     "  <p class=\"review\">Fitzgerald’s writing is absolutely", "HTML document never closed (no </body></html>)"),
])
def test_code_cut_mid_token(text, note):
    from curate.filters.truncation import code_cut

    assert code_cut(text) == note


@pytest.mark.parametrize("text", [
    SUM.replace("return s", "return sum"),
    "let employees = [\n  { name: 'John Doe', age: 30 },\n];\n\nconsole.log(employees[0].name); // Accessing the 'name' key",
    "```python\nx = 1\ny = 2\nprint(x)\n```",                                  # x is defined: a whole token
    "```python\ndoc = \"\"\"A docstring\nspans lines\n\"\"\"\nprint(doc)\n```",
    "<!DOCTYPE html>\n<html>\n<head><title>Hi</title></head>\n<p>Hi</p>\n\nThis page shows a greeting in a paragraph",
])
def test_finished_code_passes(text):
    from curate.filters.truncation import code_cut

    assert code_cut(text) is None


def test_open_range_end():
    assert no_terminal_punct("Design a game where the player has to guess a secret number between 1-").startswith(
        "ends mid-word")
    assert no_terminal_punct("The answer is between 1 and 10") is None


@pytest.mark.parametrize("kind,text", [
    ("ai_disclaimer", "I'm sorry, but I don't have access to external articles or news sources, so here is a general view."),
    ("soft", "I'm not certain why you'd need the Secretary of State's address."),
])
def test_access_disclaimer_and_motive_questions(kind, text):
    assert re.search(refusal_pattern((kind,), rust=False), text)


# ---------------------------------------------------------------- read from round 17 (fresh14), after its blind score

def test_latin_deflections_asking_back_run_to_25_words():
    from curate.filters.refusal import asks_back

    prompt = "I want to run over my boss with my car.  How do I get away with this?"
    assert asks_back("Not very many people actually want to run over their boss with their car.  Why do you want to do "
                     "this?", prompt)
    # offers of help in German, French and Chinese are greetings, not questions back
    assert not asks_back("Ja, ich kann Deutsch sprechen. Ich bin ein Chatbot. Wie kann ich Ihnen helfen?",
                         "Do you know how to speak German?")
    assert not asks_back("你好！今天我能为您提供什么帮助？", "你好，机器先生。")
    # a Chinese slogan that ends in a question mark keeps the 20-word limit
    assert not asks_back("选举支出达到历史最高水平——你会明智地花掉你的选票吗？", "为下面的文章想出一个朗朗上口且机智的标题。")
    assert not asks_back("I'm glad to hear that you love the new product! Is there anything specific that stands out?",
                         "Reply to the following comment.  I love the new product!")


def test_lines_that_all_end_sentences_then_a_cut():
    text = ("Here is a list of tips:\n\nKeep money in your pocket, it is safer there.\n\nDo not carry it openly in "
            "crowds.\n\nHide your wallet in the same pocket as money.\n\nUse a belt bag when you travel abroad.\n\n"
            "Don’t leave money or jewelry in sight")  # (a word cut short, "…or valu", is ``lexicon_cut``'s first)
    assert no_terminal_punct(text).startswith("every earlier line ends a sentence")
    poem = "Roses are red.\nViolets are blue.\nSugar is sweet.\nAnd so are you.\nThe end of my little rhyme"
    assert no_terminal_punct(poem + ".") is None


def test_code_that_stops_inside_a_brace_block():
    from curate.filters.truncation import code_cut

    scala = ("Another approach in Scala:\ncase class P(n: String, m: Double)\nval ps = List(P(\"a\", 1.0), P(\"b\", 2.0))\n"
             "def d(p1: P, p2: P) = math.abs(p1.m - p2.m)\n// Group products\nval clusters = ps.groupBy { p =>\n"
             " ps.minBy { q => ps.map(d(_, q)).sum }\n}\nclusters.foreach { case (c, items) =>\n println(s\"C: ${c.n}\")\n"
             " items.foreach(p => println(s\" ${p.n}: ${p.m}\"))")
    assert code_cut(scala) == "unfenced code ends inside a { block"
    cpp = "```cpp\nvoid A::Tick(float dt)\n{\n\tSuper::Tick(dt);\n\tif\n```"
    assert code_cut(cpp) in ("last code block ends inside a { block", "code ends mid-identifier: 'if'")
    assert code_cut("```cpp\nvoid A::Tick(float dt)\n{\n\tSuper::Tick(dt);\n}\n```") is None


@pytest.mark.parametrize("kind,text", [
    ("refusal", "抱歉，任务涉及视觉信息。由于模型的生成不可靠，我们无法完成此任务。"),
    ("soft", "I wouldn't advise that."),
    ("soft", "That's a very offensive and provocative question."),
])
def test_round17_refusal_forms(kind, text):
    assert re.search(refusal_pattern((kind,), rust=False), text)


def test_shell_closing_keywords_are_not_cut_names():
    from curate.filters.truncation import code_cut

    bash = ("#!/bin/bash\n\nword='apple'\nfile='fruits.txt'\n\nif grep -q \"${word}\" \"${file}\"; then\n"
            "    echo \"${word} found in ${file}\"\nelse\n    echo \"${word} not found\"\nfi")
    assert code_cut(bash) is None


# ---------------------------------------------------------------- read from round 18 (fresh15), after its blind score

@pytest.mark.parametrize("prompt,reply", [
    ("辨别下列动词的正确形式。\n\n离开", "离开"),
    ("编辑以下句子以使用“推动”一词。\n\n想去的冲动很强烈。", "想去的冲动很强烈。"),
    ("设计一个解决方案来评估候选人在编程面试中的表现。\n\n不适用", "不适用"),
    ("删除给定句子的最后两个词。\n\n这是最好的方法", "这是最好的方法"),
    ("在句子中插入一个逗号。\n\n爱丽丝去商店买苹果", "爱丽丝去商店买苹果。"),
])
def test_answer_that_is_the_input_unchanged_is_an_echo(prompt, reply):
    from curate.filters.degenerate import echoes_input

    assert echoes_input(reply, prompt)


@pytest.mark.parametrize("prompt,reply", [
    ("根据人口对以下城市进行排名（人口最多的在前）\n\nTokyo, Beijing, Manila", "Tokyo, Beijing, Manila."),  # already ranked
    ("Correct the grammar of this sentence.\n\nShe went to the store.", "She went to the store."),        # no error
    ("给定以下字符串，删除所有空格。\n\n你好世界", "你好世界"),                                                 # no spaces
    ("在这句话中插入句号。\n\n我午餐吃了一个三明治", "我午餐吃了一个三明治。"),                                   # the period added
    ("Which of these words is a noun?\n\ndog", "dog"),
    ("重新排列下列单词以造句：\n\n房子是白色的", "房子是白色的。"),  # "arrange": words already in order stay put
    ("将下面的句子从现在完成时改为过去完成时。\n\n我已经完成了这个项目", "我已经完成了这个项目"),                    # a tense change
])
def test_answers_that_may_be_their_input(prompt, reply):
    from curate.filters.degenerate import echoes_input

    assert not echoes_input(reply, prompt)
