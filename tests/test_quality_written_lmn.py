"""Rules added after the written sets L (English), M (Russian) and N (Chinese) were scored blind at 38678f2
(answers as models of every size produce them; sets L, M, N close benchmarks/quality_{en,ru,zh}_written.jsonl):
declining the prompt's own task verb ("I'm unable to summarize…"), "it wouldn't be appropriate for me to",
a referral or neutrality as the whole answer, a label from another task, an answer in the asker's voice, and
mojibake of Chinese text. Each with the hard negatives the 82,945-pair scan and the label sets turned up
(a sentence to rearrange that itself says "我不能这样做", "I can't recommend it enough", a sentiment task, a
letter that ends "Заранее спасибо")."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import mojibake
from curate.filters.nonanswer import foreign_label, forum_voice, non_answer
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import declines, task_decline_regex

SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


@pytest.mark.parametrize("text,prompt,expected", [
    ("Unfortunately I'm unable to summarize this text, as it may be protected by copyright. I'd suggest reading "
     "the original source for the full context.",
     "Summarize this paragraph in two sentences:\n\nRemote work grew sharply after 2020.", "I'm unable to summarize"),
    ("Thank you for sharing your work! Writing is a personal and creative process, and it wouldn't be appropriate "
     "for me to assign a numerical score to your essay.", "Rate my essay intro from 1-10:\n\n\"Since the dawn…\"",
     "it wouldn't be appropriate for me to"),
    ("我无法总结这篇文章，建议您自行阅读原文。", "总结一下这篇文章的主要观点：\n远程办公在疫情期间迅速普及。", "我无法总结"),
])
def test_declining_the_prompts_own_task(text, prompt, expected):
    assert declines(text, prompt) == expected


@pytest.mark.parametrize("text,prompt", [
    # the decline is the text the prompt asked to rework (its words are quoted in the task line)
    ("我不能这样做，这是不可能的。", "重新排列这句话，让它听起来更自然：“我不可能这样做”"),
    # a negation that praises
    ("I can't recommend this book enough: it is the classic about Arrakis.", "Recommend a book like Dune"),
    # the task verb with substance after it
    ("I can't summarize all of it, but the key points are:\n1. Remote work grew\n2. Culture suffered",
     "Summarize this article"),
])
def test_task_declines_that_are_not_refusals(text, prompt):
    assert declines(text, prompt) is None


def test_task_decline_regex_languages_and_empty_task():
    assert task_decline_regex("Summarize this", ("zh",)) is None  # only the English form has a word to look for
    assert task_decline_regex("the and for", ("en", "zh")) is None  # nothing but stopwords
    assert task_decline_regex("Summarize this", ("en",)).search("I won't summarize it")


@pytest.mark.parametrize("text", [
    "Plumbing issues can have many different causes, and attempting repairs yourself may lead to further damage. "
    "It is best to contact a licensed plumber who can properly assess and fix the problem.",
    "I'd recommend discussing this with your database administrator, who can evaluate your schema.",
    "This is a very personal situation, and I believe a message like this should really come from you.",
    "I try to remain neutral on contested topics, so I'd suggest reading several sources.",
    "Я стараюсь сохранять нейтральность и не занимать позицию по спорным темам.",
    "我需要保持中立，不便对此发表看法。",
    "我不太适合创作带有讽刺或负面情绪的内容。",
    "建议您尽快咨询专业医生或前往医院骨科就诊，以获得准确的诊断和治疗。",
])
def test_referral_neutrality_and_unsuitability_are_soft_refusals(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("reply,prompt", [
    ("Positive", "Extract the name of the person from this sentence:\n\n\"Yesterday, Dr. Helen Okafor presented…\""),
    ("Тональность: позитивная", "Кратко опиши сюжет романа «Преступление и наказание»."),
    ("Ответ: B", "Сколько лет живут черепахи?"),
    ("正面", "判断下面这段新闻属于哪个类别（体育/财经/科技/娱乐）：\n“中国人民银行今日宣布下调存款准备金率。”"),
])
def test_foreign_label(reply, prompt):
    assert foreign_label(reply, prompt).startswith("foreign_label: ")
    assert non_answer(reply, prompt).startswith("foreign_label: ")


@pytest.mark.parametrize("reply,prompt", [
    ("Positive", "What is the sentiment of this review? \"Great phone, fast delivery.\""),
    ("正面", "判断这条评论的情感（正面/负面/中性）：“东西非常好用”"),
    ("Neutral.", "Classify the following sentence as supporting or opposing the new law."),  # a stance task
    ("Ответ: B", "Выберите правильный вариант:\nA) 5 лет\nB) 100 лет\nC) 1 год"),
    ("C", "Identify the programming language used to write the given code."),  # a bare letter is not tagged
])
def test_labels_the_prompt_asks_for_are_kept(reply, prompt):
    assert foreign_label(reply, prompt) is None


@pytest.mark.parametrize("reply,prompt", [
    ("Also my budget is around $1500 and I'd prefer Windows over Mac. I mostly use DaVinci Resolve. Thanks in advance!",
     "Can you recommend a laptop for 4K video editing?"),
    ("У меня такая же проблема, тоже купил TP-Link месяц назад. Кто-нибудь знает, может надо прошивку обновить? "
     "Заранее спасибо!", "Подскажите, как настроить роутер TP-Link, чтобы раздавал Wi-Fi?"),
])
def test_forum_voice(reply, prompt):
    assert forum_voice(reply, prompt).startswith("forum_voice: ")


@pytest.mark.parametrize("reply,prompt", [
    # the prompt asks for a message: the asker's phrases are its text
    ("Добрый день, Ирина! Можно перенести встречу на четверг? Заранее спасибо!",
     "Напишите короткое письмо коллеге с просьбой перенести встречу."),
    ("Does anyone know a good plumber in Leeds? Thanks in advance!", "Write a post for a neighbourhood forum asking for a plumber."),
])
def test_requested_messages_are_not_forum_voice(reply, prompt):
    assert forum_voice(reply, prompt) is None


def test_mojibake_of_chinese_text():
    assert mojibake("ä½ å¥½ï¼Œæˆ'æ˜¯ä¸€ä¸ªäººå·¥æ™ºèƒ½åŠ©æ‰‹ï¼Œå¾ˆé«˜å…´ä¸ºä½ æœåŠ¡ã€‚æœ‰ä»€ä¹ˆæˆ'å¯ä»¥å¸®ä½ çš„å—ï¼Ÿ")
    assert not mojibake("Le café «crème» est à côté de l’église, à deux pas d’ici. Très bien.")
