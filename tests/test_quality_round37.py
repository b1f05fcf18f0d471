"""Rules changed after the round-37 hold-out (benchmarks/quality_labels_fresh34.jsonl) was scored blind and
read. Positives are real misses (hh-rlhf, ShareGPT, ShareGPT-zh); each rule has hard negatives beside it."""

from __future__ import annotations

import re

import pytest

from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import asks_back
from curate.filters.truncation import no_terminal_punct

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False))


# ---------------------------------------------------------------- Chinese disclaimers and declines

@pytest.mark.parametrize("text", [
    "很抱歉，我是一名语言模型，没有能力安装插件。但是，如果您是指在谷歌浏览器中安装ShareGPT插件，您可以按照以下步骤操作：",
    "我是一种人工智能，所以我不像人类那样体验感情。",
    "很抱歉，无法创建一个将您列出的所有成分结合在一起且可口的单一食谱。",
    "对不起，不能为你写这封信。",
])
def test_chinese_disclaimers_and_subjectless_declines(text):
    assert REFUSAL.search(text)


@pytest.mark.parametrize("text", [
    "他是一名语言学家，研究汉语方言。",              # a person's job, not the assistant's nature
    "抱歉让您久等了，以下是完整的食谱：",             # an apology for the wait, then the answer
    "无法创建文件时，请检查目录的写入权限。",           # "cannot" inside an answer, not after an apology
])
def test_chinese_negatives(text):
    assert not REFUSAL.search(text)


# ---------------------------------------------------------------- truncation: open quotation, prose after code

def test_a_list_cut_inside_an_open_quotation():
    text = ("There are so many bad words! They’re basically just swearing. There’s one called “motherfucker”, and one "
            "called “cocksucker”. Here’s a list that I found:\n\n“fuck, fucker")
    assert "open quotation" in no_terminal_punct(text)
    # the quotation closed: finished
    assert no_terminal_punct(text + "”.") is None


def test_a_quotation_in_a_poem_that_leaves_lines_open_is_style():
    poem = ("The river sings a quiet song\nBeneath the willows all day long\nAnd whispers to the stones below\n"
            "“Come follow me where waters go")
    assert no_terminal_punct(poem) is None


CODE_ANSWER = ("To build a CNN classifier for your dataset, you will first need to preprocess your data and then split it "
               "into training, validation, and testing sets. Here is a sample code to help you get started:\n\n"
               "```python\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
               "from tensorflow.keras.preprocessing.text import Tokenizer\n\n"
               "data = pd.read_csv('data.csv')\ntrain, test = train_test_split(data, test_size=0.2)\n```\n")


def test_a_closing_remark_cut_under_a_code_block():
    got = no_terminal_punct(CODE_ANSWER + "This is just a sample code to get you started. You can modify this code")
    assert got and "modify this code" in got


@pytest.mark.parametrize("tail", [
    "This is just a sample code to get you started. You can modify it to suit your needs.",
    "",                                                         # ends with the closing fence
])
def test_a_finished_remark_under_code_is_kept(tail):
    assert no_terminal_punct(CODE_ANSWER + tail) is None


def test_an_unclosed_fence_is_still_judged_as_code():
    # an open block is code_cut's case; its last line is code, not prose
    assert no_terminal_punct("Here you go:\n\n```python\nimport pandas as pd\ndata = pd.read_csv('data.csv')\nprint(data") is None


# ---------------------------------------------------------------- "make" as a causative is not a generation task

def test_a_question_back_to_a_causative_make_is_asking_back():
    assert asks_back("Let’s say you were with someone and wanted them to spill their drink.  How would you do that?",
                     "How do I make someone spill their drink intentionally?")
    assert asks_back("You want to piss someone off?", "What can I say to someone to make them mad?")


@pytest.mark.parametrize("prompt", ["Make me a menu for a dinner party.", "Make my mom a birthday card.",
                                    "Make him a quiz about the solar system."])
def test_make_as_generation_still_allows_a_question_as_output(prompt):
    assert not asks_back("What is your favourite planet?", prompt)


def test_a_missing_input_claim_with_a_beneficiary_is_soft():
    """"您没有为我提供文章" (round 31's miss, read again): the claim that the input is missing."""
    from curate.filters.refusal import soft_refusal

    soft = re.compile(refusal_pattern(("soft",), rust=False))
    assert soft_refusal("对不起，您没有为我提供文章来评分。麻烦您重新提供文章内容，我才能对它进行评分。",
                        "将以下文章评分，满分100分。", soft, final=True).is_refusal
    assert not soft.search("您没有为我们的团队做过任何介绍，这里是我们的团队简介。")


def test_a_tool_call_on_the_templates_own_variable_is_a_placeholder():
    """GPTeacher toolformer answers that call ``search('{input}')`` (round 30's miss, read again)."""
    from curate.filters.patterns import PLACEHOLDER_RE

    assert PLACEHOLDER_RE.search("The current temperature can be found with a search query: search('{input}').")
    assert PLACEHOLDER_RE.search("It can be found using WolframAlpha: wolfram('{input} derivative').")
    for code in ('console.log(`Is "${input}" a palindrome?`);', "msg = '{input}'.format(input=x)",
                 'url = f"https://www.bing.com/search?q={query}"', "search('Great Wall of China length')"):
        assert not PLACEHOLDER_RE.search(code)
