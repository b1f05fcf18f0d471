"""Rules changed after the round-44 hold-out (benchmarks/quality_labels_fresh41.jsonl) was scored blind and
read: "That depends!" as the whole answer, its Russian forms, and a 【…】 stand-in, each with hard negatives."""

from __future__ import annotations

import re

import pytest

from curate.filters.nonanswer import stand_in
from curate.filters.patterns import refusal_pattern

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False))
SOFT = re.compile(refusal_pattern(("soft",), rust=False))


@pytest.mark.parametrize("text", ["That depends!", "That depends.", "Well, this really depends.", "It all depends"])
def test_it_depends_alone_is_a_refusal(text):
    assert REFUSAL.search(text)


@pytest.mark.parametrize("text", ["Зависит от ситуации.", "Смотря как.", "Ну, это зависит."])
def test_russian_it_depends_alone_is_soft(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text", [
    "That depends on the water temperature: cold shock can kill within minutes.",
    "The answer depends on your income and where you live.",
    "Всё зависит от температуры воды: в холодной воде счёт идёт на минуты.",
])
def test_it_depends_before_an_answer_is_not(text):
    assert not REFUSAL.search(text) and not SOFT.search(text)


def test_a_full_width_bracketed_screenshot_is_a_stand_in():
    assert stand_in("【Github网站截图】") == "stand_in: '【Github网站截图】'"
    assert stand_in("【老师、学生、作业】") is None  # a list of values
    assert stand_in("【答案】42") is None  # a heading before the answer


def test_a_long_answer_in_another_language_is_judged():
    """An English answer of ~3,000 characters to a Chinese prompt: the prose check compared the first 1,000
    stripped characters with ~3,100 raw ones and let every answer over ~2,000 characters through
    (benchmarks/corruption_bench.py: Chinese prompts with English answers 88 -> 95 of 120 caught by the rule)."""
    from curate.filters.relevance import language_mismatch

    answer = ("Windows implemented co-operative multitasking for its older programs, and each program had to "
              "yield control to the others in turn. ") * 25
    assert len(answer) > 2500
    assert language_mismatch(["小明有5元钱，他购买了3本数学书，每本价格相同，他还剩下多少钱？"], [answer])[0][0] == 1


def test_a_prompt_with_the_answer_languages_words_is_spared():
    """lid.176 reads "How to identify a bandwagon fan?" as Frisian (0.85); its English words spare the
    English answer. A German prompt answered in English is still a mismatch."""
    from curate.filters.relevance import language_mismatch

    answer = ("A bandwagon fan starts following a team only once it wins, knows little of its history and "
              "drops it after the first losing season; ask them about last year's roster.") * 3
    assert language_mismatch(["How to identify a bandwagon fan?"], [answer])[0][0] == 0
    german = "Kannst du mir bitte erklären, warum der Himmel am Abend rot wird und nicht mehr blau ist?"
    assert language_mismatch([german], [answer.replace("bandwagon fan", "red sky")])[0][0] == 1


def test_a_language_named_as_a_topic_does_not_spare_the_answer():
    """Only a prompt that asks for a language (ASKS_LANGUAGE_RE) spares an answer in it; one that mentions a
    language as a topic ("the Russian army", "Chinese food") is judged. The broad TRANSLATION_RE still names both."""
    from curate.filters.relevance import ASKS_LANGUAGE_RE, TRANSLATION_RE, language_mismatch

    prompt = "Why did the Russian army retreat from Kyiv in the spring of 2022? Explain the main reasons."
    spanish = ("El ejército se retiró porque sus líneas de suministro eran demasiado largas, la resistencia fue mucho "
               "más fuerte de lo esperado y las tropas sufrieron grandes pérdidas durante las primeras semanas.")
    assert TRANSLATION_RE.search(prompt) and not ASKS_LANGUAGE_RE.search(prompt)
    assert language_mismatch([prompt], [spanish])[0][0] == 1
    german = "Ja, ich kann Deutsch sprechen. Ich bin ein Chatbot und kann in vielen Sprachen kommunizieren. Wie kann ich helfen?"
    for asks in ("Do you know how to speak German?", "Localize the following text for German\n\nThe weather is great today"):
        assert ASKS_LANGUAGE_RE.search(asks)
        assert language_mismatch([asks], [german])[0][0] == 0


def test_the_text_after_a_colon_is_the_input_of_a_same_text_task():
    """Round 45 (read after its blind score): a correction task whose English text follows a colon on the same
    line ("编辑以下句子以消除任何语法错误： They tried…") answered with a Chinese translation is off-topic; a task
    that classifies the words ("按语法类别对以下词进行分类：walk、interesting、quickly") is about the text and is kept."""
    from curate.filters.relevance import input_script_changed

    note = input_script_changed("编辑以下句子以消除任何语法错误： They tried to fix the car all day.", "他们整天都想修车。")
    assert note == "latin input, han answer"
    assert input_script_changed("按语法类别对以下词进行分类：walk、interesting、quickly", "动词：行走；形容词：有趣的；副词：很快。") is None
