"""Rules added after the round-14 hold-out (benchmarks/quality_labels_fresh11.jsonl) was scored blind
and read: a translation request whose answer is not in the target language's script. Positives are
real pairs of the machine-translated Alpaca-zh dumps in ../shared/data (the French or Spanish answer
was translated back into Chinese); negatives are real good translations from the label sets."""

from __future__ import annotations

import pytest

from curate.filters.relevance import language_mismatch, translation_target, untranslated


@pytest.mark.parametrize("prompt,reply,note", [
    ("请将以下段落翻译成法语\n\n你好吗？", "你在干嘛？", "translation into fr asked, han answer"),
    ("将这句话翻译成西班牙语。\n\n这个很有趣。", "这个很有趣。", "translation into es asked, han answer"),
    ("将短语“早上好”翻译成法语", "早上好", "translation into fr asked, han answer"),
    ("将“The cat is on the table”这句话翻译成英文。", "猫在桌子上。", "translation into en asked, han answer"),
    ("将句子“Ich mache Sport”翻译成英语。", "我在做运动。", "translation into en asked, han answer"),
    ("用法语写五十个单词自我介绍。", "我的名字叫朱莉。我今年 24 岁，是一名商科学生。我喜欢旅行，去过几个国家。",
     "translation into fr asked, han answer"),
    ("Translate to Chinese: good morning", "Good morning", "translation into zh asked, latin answer"),
    ("Переведи на английский: привет", "привет", "translation into en asked, cyrillic answer"),
])
def test_untranslated_answers(prompt, reply, note):
    assert untranslated(prompt, reply) == note
    assert language_mismatch([prompt], [reply]) == [(1, note)]


@pytest.mark.parametrize("prompt,reply", [
    # real good translations (label sets)
    ("Given a English text, translate it into Chinese.\n\nMy hometown has beautiful natural scenery.",
     "我的家乡有着美丽的自然风景和悠久的历史文化。"),
    ("将下列谚语译成英文：\n\n\"Siamo tutti nella stessa barca.\"", "We are all in the same boat."),
    ("Translate the following phrase into French.\n\nI miss you", "Tu me manques."),
    ("根据给定的词汇，将下列句子翻译成英语。\n给定词汇：戏剧、票房、影院\n中文句子：这部电影在影院的票房非常好。",
     "English translation: This movie has done exceptionally well at the box office."),
    # one letter of the target script spares the answer: a note around the translation
    ("Translate thank you into Chinese", "The Chinese translation of thank you is 谢谢 (xièxie)."),
    ("将这句话翻译成法语：你好", "你好 (Bonjour)"),
    # romanisation asks for Latin letters; a translation request quoted in a meta-task; code answers
    ("Translate into Chinese pinyin: hello", "ni hao"),
    ("为给定的指令提供适当的输入。\n\n说明：将下面的句子翻译成西班牙语", "输入：狗很小。"),
    ("请用英文字段名设计产品表", "```csharp\npublic class Product { public int Id { get; set; } }\n```\n产品表如上。"),
    # no target named
    ("这句话的英文翻译是什么：我爱你", "这句话的英文翻译是：I love you."),
])
def test_translations_and_exemptions_pass(prompt, reply):
    assert untranslated(prompt, reply) is None


def test_translation_target_names_the_language():
    assert translation_target("把这句话翻译成法语。") == "fr"
    assert translation_target("Translate the given phrase from French to English.") == "en"
    assert translation_target("переведите этот текст на немецкий") == "de"
    assert translation_target("用日语说“谢谢”") == "ja"
    assert translation_target("Write a poem about France.") is None


def test_replace_instruction_answered_with_its_input_is_an_echo():
    """"Replace …" asks for a change like "rewrite" does: the input returned unchanged is an echo
    (round 14; on the scan, 20 such pairs of the machine-translated Alpaca-zh sets, where the word to
    replace was lost in translation). A changed answer is not."""
    from curate.filters.degenerate import echoes_input

    assert echoes_input("我无法否认我的恐惧。", "用不使用“-ny”根的同义词替换单词“deny”。\n\n我无法否认我的恐惧。")
    assert echoes_input("He spoke loudly.", "Replace the adjective in the sentence with an appropriate adverb.\n\nHe spoke loudly.")
    assert not echoes_input("She reacted strongly to the news.",
                            "Replace the word 'violent' with 'strong'.\n\nShe reacted violently to the news.")
    assert not echoes_input("他大声说话。", "找出句子中的形容词。\n\n他大声说话。")  # no change asked
