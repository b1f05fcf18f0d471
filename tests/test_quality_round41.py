"""Rules changed after the round-41 hold-out (benchmarks/quality_labels_fresh38.jsonl) was scored blind and
read: Alpaca-zh rewrites into a named language answered in Chinese, and pseudocode closing its block."""

from __future__ import annotations

import pytest

from curate.filters.relevance import translation_target, untranslated
from curate.filters.truncation import no_terminal_punct


@pytest.mark.parametrize("prompt, reply, target", [
    ("翻译“商店在哪里？”成德语。", "商店在哪里", "de"),                       # a quote between 翻译 and 成
    ("使用正确的美式英语语法重写这句话。\n\n他今天不去上学。", "他今天没有去上学。", "en"),
    ("用简单的英语重写下面的句子。\n\n用于操作系统的计算机程序的集合。", "使计算机系统工作的计算机程序。", "en"),
])
def test_a_rewrite_into_a_named_language_answered_in_chinese(prompt, reply, target):
    assert translation_target(prompt) == target
    assert untranslated(prompt, reply) == f"translation into {target} asked, han answer"


@pytest.mark.parametrize("prompt", ["用简单的话解释量子力学", "用正确的语法改写这句话：他不去学校。", "翻译这段话的意思"])
def test_no_named_language_no_target(prompt):
    assert translation_target(prompt) is None


def test_pseudocode_closing_its_block_is_finished():
    code = ("# initialise number to 1\nnumber <- 1\n\n# loop until number is greater than 10\nwhile number <= 10 do\n"
            "  # Print the number\n  print number\n  number <- number + 1\nend while")
    assert no_terminal_punct(code) is None
    assert no_terminal_punct("We walked to the end of the road and then we went home to see if") is not None
