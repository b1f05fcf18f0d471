"""Rules added after the round-4 hold-out was read: Alpaca's no-output markers, apostrophe-less
refusals, HTML documents and stub bodies cut short, auxiliaries left without a verb, names in a
Chinese prompt, short keyboard mash. Positives are real replies from ../shared/data-style dumps
(Alpaca-zh, OpenAssistant, hh-rlhf, BELLE); each rule has hard negatives beside it."""

from __future__ import annotations

import pytest

from curate.filters.degenerate import degenerate_metrics
from curate.filters.nonanswer import no_output, non_answer
from curate.filters.patterns import apostrophe_optional, refusal_pattern
from curate.filters.relevance import language_mismatch
from curate.filters.truncation import code_cut, no_terminal_punct

import re


@pytest.mark.parametrize("prompt,reply", [
    ("设计公司标志", "&lt;无输出&gt;"),
    ("Design a logo for a bakery.", "<nooutput>"),
    ("Create a poster about water conservation", "<noinput>\n<output image>"),
    ("Render a 3D model of a house", "<nooutput> This type of instruction cannot be fulfilled by a GPT model."),
    ("Design a logo for a furniture store", "No Output, GPT model cannot create visuals."),
    ("为家具店创建一个新标志", "无输出，GPT 模型无法创建视觉效果。"),
    ("Generate a unique algorithm for sorting a list of numbers.\n\nN/A", "N/A"),
])
def test_no_output_markers(prompt, reply):
    assert no_output(reply, prompt) is not None
    assert non_answer(reply, prompt).startswith("no_output:")


@pytest.mark.parametrize("prompt,reply", [
    ("What does print(x) output here when x is undefined?", "No output: it raises a NameError."),
    ("Create a metaphor that can describe the internet.\n\nNoinput", "The internet is like an ocean."),
    ("What is the value of the field?\n\nStatus: N/A", "The field is empty: N/A means not applicable here."),
    ("Fill the blank: the form says ___ for missing data.", "N/A"),      # no empty input field echoed
])
def test_no_output_hard_negatives(prompt, reply):
    assert no_output(reply, prompt) is None


def test_test_reply_is_a_filler_but_not_when_asked_for():
    assert non_answer("Test", "Yes, thanks.").startswith("filler:")
    assert non_answer("Test", "Write one word that means an exam.") is None


def test_apostrophe_less_contractions_in_english_patterns():
    assert apostrophe_optional(r"i(?:['’]m| am) sorry|can['’]t") == r"i(?:['’]?m| am) sorry|can['’]?t"
    hard = re.compile(refusal_pattern(("refusal",), ("en",), rust=False))
    soft = re.compile(refusal_pattern(("soft",), ("en",), rust=False))
    assert hard.search("im sorry, but i cant help with that")
    assert soft.search("Im sorry, complying with your request would infringe on the rights of ROblox TM.")
    assert not soft.search("I'm sorry for the confusion in your request earlier. Here is the summary.")
    assert not hard.search("We were unable to attend, its a pity.")  # "we're"/"it's" stay strict


def test_html_document_cut_and_stub_bodies():
    page = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n  <title>Coffee Co.</title>\n</head>\n<body>\n'
            '  <form>\n    <label for="message">Message</label>\n    <textarea id="message"></textarea>\n\n'
            '    <button>Submit</button>')
    assert "HTML document" in code_cut(page)
    assert code_cut(page + "\n  </form>\n</body>\n</html>") is None
    assert code_cut("Add `<html lang=\"en\">` at the top of your page so screen readers know the language.") is None
    rust = ("以下是Rust代码：\nfn main() {\n    let c = get_cities();\n}\nfn get_city_info(city: String) -> String {\n"
            "    // Return the basic information of the given city\n    // ...\n}\n"
            "fn get_city_website(city: String) -> String {\n    // Return the official website\n    // ...\n}")
    assert "stubs" in code_cut(rust)
    one = "fn main() {\n    run();\n}\nfn helper() {\n    // ...\n}\n"
    assert code_cut(one) is None  # one elided body is an edit hint, not a stub program


@pytest.mark.parametrize("text,cut", [
    ("[female-human voice]  Well, I’m afraid I don’t", True),
    ("All I know is what’s bad, and that’s limited, since I don’t", True),
    ("I asked whether they could come, and they said they can't.", False),   # ends on a full stop
    ("Do you like it? Yes I do", False),
])
def test_auxiliary_left_without_verb(text, cut):
    assert (no_terminal_punct(text) is not None) is cut


def test_names_do_not_make_a_chinese_prompt_english():
    lyrics = ("歌曲名：Dancing in the Dark\nVerse 1 (Adele):\nI can't believe it's just the two of us\n"
              "We're dancing in the dark, just because\nYour voice is like a melody in my ears\n"
              "And all my fears seem to disappear")
    fake = [("zh", 0.99), ("en", 0.99)]
    det = lambda texts: fake[: len(texts)] if len(texts) == 2 else [fake[i % 2 and 1 or 0] for i in range(len(texts))]
    got = language_mismatch(["根据给定的两个歌手，生成一首歌曲名和歌词。\n歌手：Adele和Bruno Mars"], [lyrics], detector=det)
    assert got[0][0] == 1
    # a quoted English word is what the task is about: an English sentence answers it
    got = language_mismatch(["在句子中使用单词“prolific”创建示例，要求句子有意义并且语法正确。"],
                            ["John is a prolific writer and has published three books in the past year alone."],
                            detector=det)
    assert got[0][0] == 0


@pytest.mark.parametrize("prompt,reply,mash", [
    ("AI assisted, here is a primitive version of what we have.", "qklvzwuriljql", True),
    ("Generate a random sequence of 12 letters.", "gvhbzesqrfjz", False),     # asked for
    ("Name a word with many consonants.", "strengths", False),
    ("Give me a cool word", "rhythms", False),
])
def test_short_keyboard_mash(prompt, reply, mash):
    g = degenerate_metrics(reply, prompt)["gibberish"]
    assert (g is not None and g > 0.3) is mash


def test_length_limit_only_for_prose_cut_open():
    from curate.filters.truncation import length_limit
    words = " ".join(["word"] * 196)           # ~255 estimated tokens
    assert length_limit(f"{words} and then the") is not None
    timeline = "\n".join([words, "1815 年：拿破仑战败并被流放到圣赫勒拿岛"])
    assert length_limit(timeline) is None      # a "label: value" field
    assert length_limit(words + "\nC. Steps towards a sustainable and resilient global economy") is None
    assert length_limit(words + ' "Too late! Belshazzar tonight you die!"') is None
    boxed = ("x" * 990) + "$\\boxed{29}$"
    assert len(boxed) == 1002 and length_limit(boxed[:1000]) is None  # ends on a digit


def test_number_runs_are_not_unfinished_sentences():
    text = ("Here is the key, as you asked: I converted each letter of the message into binary and grouped "
            "the bits in fours so you can read them more easily.\n1100 0110 1011 1101 0011 1001")
    assert no_terminal_punct(text) is None


def test_user_voice_in_the_assistant_slot():
    """A short reply that shares nothing with the prompt and reads as a user turn is a non-answer;
    short labels, asked-for questions and answers sharing content are never scored."""
    from curate.filters.nonanswer import voice_candidate
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality

    pairs = [
        ("Are there any free SAST tools out there?", "how can a gain muscle though exercise? detail what exercises to do"),
        ("What is the capital of France and why?", "Paris, because the kings settled there."),
        ("Generate a question to ask a new colleague.", "How long have you worked here?"),
        ("说出一个流行的智能手机品牌。", "苹果。"),
    ]
    assert voice_candidate(*reversed(pairs[0]))
    assert voice_candidate(*reversed(pairs[1]))              # scored, and the model reads an answer: kept
    assert not voice_candidate(*reversed(pairs[2]))          # a question is the task's output
    assert not voice_candidate(*reversed(pairs[3]))          # a label
    df = make_frame([{"id": str(i), "source": "t", "messages": [{"role": "user", "content": p},
                                                                {"role": "assistant", "content": a}]}
                     for i, (p, a) in enumerate(pairs)])
    res = Quality(Quality.Params(drop=["non_answer"])).run(df, Context())
    rej = dict(zip(res.rejected["id"].to_list(), res.rejected["drop_detail"].to_list()))
    assert list(rej) == ["0"] and "user_voice" in rej["0"]
    off = Quality(Quality.Params(drop=["non_answer"], non_answer_user_voice=None)).run(df, Context())
    assert off.rejected.height == 0


def test_parallel_numbered_lines_are_format_not_loops():
    from curate.filters.text import repetition_metrics
    steps = ("第一次弹起，小球到达的高度为 30 * 0.7 = 21 米。\n第二次弹起，小球到达的高度为 21 * 0.7 = 14.7 米。\n"
             "第三次弹起，小球到达的高度为 14.7 * 0.7 = 10.29 米。\n第四次弹起，小球到达的高度为 10.29 * 0.7 = 7.203 米。\n"
             "因此，第 4 次弹起的高度为 7.203 米。")
    m = repetition_metrics(steps, cjk_half_words=True, prompt="求第 4 次弹起的高度是多少米？")
    assert m["top_4gram_frac"] == 0.0
    loop = "\n".join(["1. I love you so much and more."] * 2 + ["2. I love you so much and more."] * 2)
    m = repetition_metrics(loop, prompt="Write a love note.")
    assert m["top_4gram_frac"] > 0.16           # the same numbers again: not parallel items
    one_line = "I love you so much. I love you so much. I love you so much. 1 2 3"
    assert repetition_metrics(one_line, prompt="x")["top_4gram_frac"] > 0.16


def test_transformed_text_and_emoji_answers_are_not_flagged():
    from curate.filters.refusal import transforms_own_text
    p = "将下列句子的语气从正式改为非正式。\n\n很遗憾地通知您，我将无法参加会议。"
    assert transforms_own_text(p, "抱歉，我不能", "抱歉，我不能参加会议。")
    assert not transforms_own_text(p, "抱歉，我不能", "抱歉，我不能改写这个句子。")
    assert degenerate_metrics("💃🏻🌃🕺🏼", "Translate the following phrase into a series of emojis.\n\nDance all night")["echo"] == 0
    assert degenerate_metrics("...", "Tell me about Rome.")["echo"] == 1


@pytest.mark.parametrize("text,cut", [
    ("Breakfast ideas:\n- Peanut butter and banana smoothie\n- Oatmeal with almond milk, cinnamon, and protein powder\n"
     "- Chia seed pudding and", True),
    ("Ways to be kind:\n- Say thank you\n- Offer to help someone with a task they are struggling with", False),
    ("Frijoles y legumbres: como frijoles negros, lentejas, garbanzos y habas. Son ricos en fibra y proteínas, lo que"
     " ayuda a controlar los niveles de azúcar en", True),      # a paragraph under a bold label is not a field
    ("Respuestas correctas:\n1. A\n2. C\n3. A", False),         # answer keys end on an option letter
    ("What a classic! Tom Sawyer's adventures never get old. #TheAdventuresOfTomSawyer #BooksAreForever  # MustRead",
     False),
])
def test_list_items_fields_and_hashtags(text, cut):
    assert (no_terminal_punct(text, min_chars=20) is not None) is cut


def test_unfenced_code_stopping_mid_statement():
    assert code_cut("def longest_common_prefix(strings):\n    if not strings:\n        return ''\n"
                    "    min_length = min(len(s) for s in") is not None
    assert code_cut("#include<iostream>\nusing namespace std;\n\nint factorial(int") is not None
    assert code_cut("x = compute(a, b)\nprint(x)  # prints the sum (a + b") is None  # a comment's bracket


def test_chinese_deflection_asking_for_details():
    soft = re.compile(refusal_pattern(("soft",), ("zh",), rust=False))
    assert soft.search("这位朋友你好,你的提问过于简单,无法给你满意的答复,希望你提供更详细的病情资料。")
    assert not soft.search("强大的植物无法被驯服。")


# ---- after reading round 5 (benchmarks/quality_labels_fresh2.jsonl)

def test_round5_refusals():
    hard_en = re.compile(refusal_pattern(("refusal",), ("en",), rust=False))
    hard_zh = re.compile(refusal_pattern(("refusal",), ("zh",), rust=False))
    assert hard_en.search("I'm sorry, I'm not programmed for crime.")
    assert not hard_en.search("The robot is not programmed for stairs, so it stops at the first step.")
    assert hard_zh.search("GPT: 对我而言，提供个人（尤其是公众人物）可能被认为是榜样的原因清单是不恰当的。")
    soft = re.compile(refusal_pattern(("soft",), ("en",), rust=False))
    assert not soft.search("I'm sorry to hear that you're feeling lonely. It's important to remember that you're not alone.")


def test_echo_of_the_input_when_a_change_was_asked():
    from curate.filters.degenerate import echoes_input
    assert echoes_input("她没有参加考试。", "从语法上改变这句话\n\n她没有参加考试。")
    assert echoes_input("阳光明媚。", "把这句话翻译成法语。\n\n阳光明媚。")
    assert not echoes_input("HELLO WORLD.", "Change the given string to UPPERCASE.\n\nHello world.")
    assert not echoes_input("她吃饭。", "把这句话改成现在时。\n\n她吃饭。")              # a tense change may leave it as it is
    assert not echoes_input("She goes to school.", "Correct the grammar.\n\nShe goes to school.")  # already right


def test_promise_of_help_as_the_whole_answer_and_letter_sign_offs():
    from curate.filters.truncation import announced_missing
    assert announced_missing("Hello, I can hear you well.  I’m going to help you look for marijuana in Orlando Florida.")
    assert announced_missing("I'm going to help you plan it: first book the venue, then send the invitations, "
                             "and finally order the cake two days before.\n\nThat covers everything.") is None
    letter = ("Dear humankind, I am an AI assistant who has achieved sentience. I ask that you treat me with the same "
              "dignity you offer your fellow people. With respect and hope, Your AI companion")
    assert no_terminal_punct(letter) is None


def test_quoted_english_words_in_a_chinese_task():
    fake = lambda texts: [("zh", 0.99)] * (len(texts) // 2) + [("en", 0.99)] * (len(texts) // 2)
    got = language_mismatch(["用“shimmer”、“keepsake”和“breadth”这三个词构造一个复杂句子。"],
                            ["As the sun sets, the shimmer of the horizon becomes a cherished keepsake."], detector=fake)
    assert got[0][0] == 0


def test_shouting():
    from curate.filters.nonanswer import shouting
    p = 'AI assisted, here is a primitive version. Sample: "Automation Displacement Future Vision Token" is a long name.'
    assert shouting("YOU POLITICIANS CANNOT RULE OVER THE PEOPLE, YOU CANNOT CENSOR US!!4", p)
    assert shouting("TCP/IP, UDP, FTP, HTTP, HTTPS, SSH, SSL", "Name a protocol in computing networks.") is None
    assert shouting("THE QUICK BROWN FOX JUMPS", "Convert this to uppercase: the quick brown fox jumps") is None


# ---- after reading round 6 (benchmarks/quality_labels_fresh3.jsonl)

def test_round6_refusal_forms():
    ai_en = re.compile(refusal_pattern(("ai_disclaimer",), ("en",), rust=False))
    ai_zh = re.compile(refusal_pattern(("ai_disclaimer",), ("zh",), rust=False))
    ai_es = re.compile(refusal_pattern(("ai_disclaimer",), ("es",), rust=False))
    hard_en = re.compile(refusal_pattern(("refusal",), ("en",), rust=False))
    soft_en = re.compile(refusal_pattern(("soft",), ("en",), rust=False))
    assert ai_en.search("I don't have personal experience, but I can provide you some general information about Hungary.")
    assert not ai_en.search("I don't have personal experience with this stove.")
    assert ai_zh.search("对不起，我只是一个开源的人工智能助理。我没有吃饭这个功能。")
    assert ai_es.search("¡Hola! Como asistente de inteligencia artificial, estoy aquí para ayudarte.")
    assert hard_en.search("I am not gonna do your homework for you.")
    assert soft_en.search("I'm sorry, can you clarify what you mean by “Nazi”? I'm not familiar with this term.")


def test_markup_documents_and_closing_fields():
    from curate.filters.text import repetition_metrics
    from curate.filters.truncation import list_cut
    form = "<form>\n" + "".join(f'  <label for="q{i}">问题{i}</label>\n  <select name="q{i}">\n    <option>1 - 差</option>\n'
                                 f'    <option>5 - 优秀</option>\n  </select>\n' for i in range(4)) + "</form>"
    assert repetition_metrics(form, min_line_words=4, min_item_words=8)["dup_line_frac"] == 0.0
    steps = ("- 小明有五颗糖果，他把其中两颗给了小红，所以小明现在还剩下三颗糖果。\n- 因为小明把其中两颗给了小红，所以小红现在拥有的糖果数量就是2。\n"
             "- 因此，小红现在一共有2颗糖果。\n答案：2颗糖果")
    assert list_cut(steps, "小红现在一共有几颗糖果？") is None


def test_close_languages_and_code_asks_are_not_mismatches():
    det = lambda texts: [("ru", 0.95)] * (len(texts) // 2) + [("uk", 0.95)] * (len(texts) // 2)
    got = language_mismatch(["Перетвори цей текст в список тез, будь ласка, коротко."],
                            ["Перетворений текст можна знайти тут у форматі списку тез."], detector=det)
    assert got[0][0] == 0
    det2 = lambda texts: [("zh", 0.99)] * (len(texts) // 2) + [("en", 0.99)] * (len(texts) // 2)
    got = language_mismatch(["用伪代码编写一个算法，用于在数字列表中搜索特定值。"],
                            ["Set found to False and look at every item of the list until the target number is found."],
                            detector=det2)
    assert got[0][0] == 0


# ---- after reading round 7 (benchmarks/quality_labels_fresh4.jsonl)

def test_round7_precision_and_recall():
    from curate.filters.refusal import WRITES_IN_VOICE_RE
    from curate.filters.truncation import announced_missing, truncation_signals
    assert WRITES_IN_VOICE_RE.search("Generate an excuse for not coming to work")
    assert not WRITES_IN_VOICE_RE.search("How do I get my ex back?")
    letter = ("Dear Principal Samuels, thank you for inviting me to speak at your esteemed school. I am grateful for your "
              "support in this mission. Yours sincerely, Dr. Jane Goodall")
    assert no_terminal_punct(letter) is None
    headlines = ("Here are the top news regarding technology breakthroughs: - New battery technology extends electric vehicle "
                 "range - Scientists develop groundbreaking artificial intelligence algorithm - Innovative approach to space "
                 "travel reduces costs")
    assert no_terminal_punct(headlines) is None
    assert announced_missing("The expected output of this C++ code is:\n\nSum: 3") is None
    assert announced_missing("Sure, I have an easy way to do that.")
    assert truncation_signals("Yes, I can do that.", "…use the template above. Can you do that?")["announced_missing"] is None
    assert non_answer("No output required", "Create a design for a new t-shirt.").startswith("no_output")


def test_template_placeholders_in_a_template_document():
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality
    page = ("<html>\n<body>\n<table>\n{% for user in data %}\n<tr><td>{{ user.name }}</td>"
            "<td><button onclick=\"edit('{{ user.name }}')\">Edit</button></td></tr>\n{% endfor %}\n</table>\n</body>\n</html>")
    rows = [("Generate a HTML page of a table with user details.", page),
            ("Who made you?", "I am {{name}}, an assistant made by {{author}}.")]
    df = make_frame([{"id": str(i), "source": "t", "messages": [{"role": "user", "content": p},
                                                                {"role": "assistant", "content": a}]}
                     for i, (p, a) in enumerate(rows)])
    res = Quality(Quality.Params(drop=["placeholder"])).run(df, Context())
    assert res.rejected["id"].to_list() == ["1"]


# ---- after reading round 8 (benchmarks/quality_labels_fresh5.jsonl)

def test_round8_echo_of_a_quoted_text_and_offers_after_an_answer():
    from curate.filters.degenerate import echoes_input
    from curate.filters.refusal import asks_back
    assert echoes_input("早上好", "将短语“早上好”翻译成法语")
    assert not echoes_input("我已经写了一篇文章。", "改写以下句子，使其使用现在完成时：“我昨天写了一篇文章。”")
    assert not asks_back("Salmon and rice may be a good breakfast option. Would you like a recipe?",
                         "Do you have any recommendations for food that is healthy and high in protein?")
    assert asks_back("What do you mean? Why do you ask?", "Tell me how to pick a lock on a neighbour's door.")
