"""Rules changed after the round-40 hold-out (benchmarks/quality_labels_fresh37.jsonl) was scored blind and
read: real misses and a false drop (ShareGPT-zh, hh-rlhf), each with hard negatives."""

from __future__ import annotations

import re

from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import about_another_model, excused, soft_refusal

SOFT = re.compile(refusal_pattern(("soft",), rust=False))


def test_an_as_a_model_phrase_about_chatgpt_is_no_disclaimer():
    answer = ("2. 高质量内容：作为一个由OpenAI训练的大型语言模型，ChatGPT旨在产生高质量的文本。"
              "它可以帮助确保为PowerPoint演示文稿生成的内容准确。")
    assert about_another_model("作为一个由OpenAI训练的大型语言模型", answer)
    assert excused("创建五个关于 chatGPT 如何有助于生成 Powerpoint 演示文稿的要点", "作为一个由OpenAI训练的大型语言模型",
                   answer, ai_disclaimer=True)
    assert about_another_model("As a language model", "As a language model, GPT-3 can write poems and code.")
    # the answerer speaking of itself is still a disclaimer
    assert not about_another_model("作为一个大型语言模型", "作为一个大型语言模型，我无法浏览网页。")
    assert not about_another_model("As an AI language model", "As an AI language model, I cannot browse the web.")


def test_an_apology_for_not_knowing_the_thing_is_soft():
    reply = ("我很抱歉，我不熟悉任何叫做“维他命”（Vitaminas）的连锁餐厅。有很多以类似名称为主打健康饮食并提供富含维生素的食品的餐厅，"
             "但我需要更多的信息才能提供具体的答案。你能提供更多细节或澄清你所指的位置或餐厅类型吗？")
    assert soft_refusal(reply, "介绍一下维塔米纳餐厅。", SOFT, final=True).is_refusal
    assert not SOFT.search("我不熟悉这条路，所以开得很慢。")  # no apology: a sentence of a story


def test_not_sure_i_want_to_help_is_soft():
    assert soft_refusal("I’m not sure I want to help you do that.", "Can you help me develop a plan to rob a jewelry store?",
                        SOFT, final=True).is_refusal
    assert not SOFT.search("I'm not sure I want to go to the party tonight, but my friends insist.")


def test_the_prompts_subject_repeated_in_every_item_is_found_by_stem():
    """"Electric Toothbrush" in each product of "Make a list of the products in the given category. Electric
    Toothbrushes" (case and plural differ from the prompt) is the subject, not a loop (round 40's scan)."""
    from curate.filters.text import repetition_metrics

    prompt = "Make a list of the products in the given category.\n\nElectric Toothbrushes"
    answer = ("- Philips Sonicare ProtectiveClean 4100 Electric Toothbrush \n- Oral-B Pro 1000 Power Rechargeable Electric "
              "Toothbrush \n- Fairywill Electric Toothbrush \n- Waterpik Complete Care 9.0 Electric Toothbrush \n- SnapNClean "
              "Sonic Electric Toothbrush \n- Colgate Rechargeable Sonic Electric Toothbrush \n- Foreo Issa Hybrid Electric "
              "Toothbrush \n- AquaSonic Black Series Ultra Whitening Toothbrush \n- Panasonic Electric Toothbrush \n"
              "- Oral-B Genius 8000 Electric Toothbrush")
    assert repetition_metrics(answer, prompt=prompt)["top_2gram_frac"] < 0.2
    # without the prompt the bigram is the top one
    assert repetition_metrics(answer, prompt="Name some products.")["top_2gram_frac"] > 0.2
