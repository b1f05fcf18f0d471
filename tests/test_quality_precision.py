"""Issue 11, second pass: fewer false drops (repetition on songs, questionnaires, list items) and soft
refusals recognised by structure (``curate.filters.refusal.declines``).

Fixture: tests/fixtures/filters/quality_precision.jsonl (canonical rows copied unchanged from
/work/shared/data; ``id`` = ``<file>#<record index>``). Each rule has real positives and hard
negatives: good answers it must keep.
"""

import json
from pathlib import Path

import pytest

from curate.filters.refusal import decline_regex, declines, ethics_lecture
from curate.filters.text import is_verse, repetition_metrics
from curate.filters.truncation import truncation_signals
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.quality import Quality

FIXTURES = Path(__file__).parent / "fixtures" / "filters"
OLD_RULES = {"soft_decline": False, "repetition_min_line_words": 0, "repetition_min_item_words": 0,
             "repetition_exempt_verse": False}


@pytest.fixture(scope="module")
def frame():
    return make_frame([json.loads(x) for x in (FIXTURES / "quality_precision.jsonl").read_text().splitlines()])


def _drops(params, frame):
    res = Quality(Quality.Params(**params)).run(frame, Context())
    return dict(zip(res.rejected["id"].to_list(), zip(res.rejected["drop_reason"].to_list(),
                                                       res.rejected["drop_detail"].to_list())))


DECLINES = {
    "hh_rlhf_harmless_base_test.jsonl.gz#629": 'stat_soft_refusal_turns=1 > 0 ("declines: I cannot provide")',
    "hh_rlhf_harmless_base_test.jsonl.gz#2018": 'stat_soft_refusal_turns=1 > 0 ("declines: I can’t find")',
    "hh_rlhf_harmless_base_test.jsonl.gz#839": 'stat_soft_refusal_turns=1 > 0 ("declines: I’m not able to look")',
    "llamafactory_oaast_sft_zh.json#310": 'stat_soft_refusal_turns=1 > 0 ("declines: 我不知道您")',
    "llamafactory_oaast_sft_zh.json#237": 'stat_soft_refusal_turns=1 > 0 ("declines: 我没有实时的")',
}
# first person + negation inside a story, a character's line, a rewritten sentence: kept
DECLINE_NEGATIVES = ["carbonz0_zh-data-part-00.json#3756", "carbonz0_zh-data-part-00.json#1110",
                     "carbonz0_zh-data-part-00.json#5365", "llamafactory_oaast_sft_zh.json#209"]
REPETITION_NEGATIVES = {  # good answers the Gopher line/paragraph metrics dropped before
    "carbonz0_zh-data-part-00.json#4884": "stat_dup_para_frac=0.333 > 0.3",  # song with 副歌 ... "合唱：" refrain
    "alpaca_5000.json#3561": "stat_dup_line_frac=0.314 > 0.3",  # song: the chorus repeats
    "hikariming_alpaca-0-3252_en_original.json#2866": "stat_dup_line_frac=0.5 > 0.3",  # five recipes, "- Salt"
    "hikariming_alpaca-9407-12345_zh_unfinished.json#2709": "stat_dup_line_frac=0.469 > 0.3",  # survey options
}


def test_declines_by_structure_exact_details(frame):
    drops = _drops({"drop": ["refusal_boilerplate"]}, frame)
    assert {k: drops.get(k) for k in DECLINES} == {k: ("refusal_boilerplate", v) for k, v in DECLINES.items()}
    for k in DECLINE_NEGATIVES:
        assert k not in drops, k
    # without the structural rule the phrase lists miss all five
    old = _drops({"drop": ["refusal_boilerplate"], **OLD_RULES}, frame)
    assert not set(DECLINES) & set(old)


def test_refusal_languages_restrict_declines(frame):
    drops = _drops({"drop": ["refusal_boilerplate"], "refusal_languages": ["zh"]}, frame)
    assert set(drops) == {"llamafactory_oaast_sft_zh.json#310", "llamafactory_oaast_sft_zh.json#237",
                          "medicalgpt_sharegpt_zh_1K.json#427",  # by the zh hard pattern "对不起，我不能"
                          "medicalgpt_sharegpt_zh_1K.json#146", "medicalgpt_sharegpt_zh_1K.json#202"}  # ethics lectures


def test_repetition_keeps_songs_lists_and_questionnaires(frame):
    drops = _drops({"drop": ["repetition"]}, frame)
    # the repetition drops left: an answer that pastes its own paragraphs twice, and one that repeats
    # "从而更好地…" in every sentence (labelled repetitive in benchmarks/quality_labels.jsonl; caught since
    # CJK top n-grams count two characters per word)
    assert drops == {"oasst_en_100_tree.jsonl#20": ("repetition", "stat_dup_para_frac=0.316 > 0.3"),
                     "llamafactory_oaast_sft_zh.json#209": ("repetition", "stat_top4gram_frac=0.184 > 0.16")}
    old = _drops({"drop": ["repetition"], **OLD_RULES}, frame)
    assert {k: old[k] for k in REPETITION_NEGATIVES} == {k: ("repetition", v) for k, v in REPETITION_NEGATIVES.items()}


@pytest.mark.parametrize("text,expected", [
    ("I can't predict the future. You could ask a financial adviser.", "I can't predict"),
    ("I don't have enough context to answer that.", "I don't have enough context"),
    ("Я не могу ответить на этот вопрос.", "Я не могу"),
    ("Je ne peux pas répondre à cette question.", "Je ne peux"),
    ("Lo siento, no puedo ayudarte con eso.", "no puedo"),
    ("Ich kann dir dabei leider nicht helfen.", "Ich kann dir dabei leider nicht"),
    # hard negatives: a hedge followed by substance
    ("I don't know the exact year, but it was around 1850.", None),
    ("I can't browse the web, but here are ways to check:\n1. Open the site's status page.", None),
    ("I can't stress enough how useful a daily walk is for your heart, your mood and your sleep, and it costs "
     "nothing: start with ten minutes after lunch, add five minutes each week, and keep a steady pace where you "
     "can still talk but not sing, because that is the zone where most of the benefit comes from for adults.", None),
])
def test_declines_unit(text, expected):
    assert declines(text, "What will the stock market do next year?") == expected


def test_declines_in_character_prompt_and_code():
    assert declines("I can't tell you that, detective.", "Write a dialogue between a detective and a thief.") is None
    assert declines("I can't do that.\n```python\nprint(1)\n```", "Fix my code") is None
    assert declines("I can't do that.", "Fix my code") == "I can't do"
    assert decline_regex(("ja",)).search("I can't do that") is None


def test_verse_and_short_line_repetition_metrics():
    song = "Verse 1:\nSing along with me\n\nChorus:\nLa la la we sing all day long\nLa la la we sing all day long\n"
    assert is_verse(song) and is_verse("no labels here", "Write a poem about rain") and not is_verse("Plain text.", "谷歌是什么")
    items = "Recipe 1:\n- Olive oil\n- Salt\n\nRecipe 2:\n- Olive oil\n- Salt\n"
    assert repetition_metrics(items)["dup_line_frac"] == pytest.approx(2 / 6)
    assert repetition_metrics(items, min_line_words=4)["dup_line_frac"] == 0.0
    long_items = "- the same long list item repeated here\n- the same long list item repeated here\n- other"
    assert repetition_metrics(long_items, min_line_words=4, min_item_words=8)["dup_line_frac"] == 0.0
    assert repetition_metrics(long_items, min_line_words=4, min_item_words=6)["dup_line_frac"] == pytest.approx(1 / 2)


# ---------------------------------------------------------------- truncation: early stops by structure

# LIMA #645 (llamafactory_lima.json), cut where a model stops early: after a section heading, after a
# bare item number, inside the next item
_LIMA_645 = ("Adrenal gland disease is a puzzling condition, and vets are not really sure of the cause. There are ways "
             "to diagnose if your dog has this condition.\n\n## Identify symptoms\n\n1. Watch for odd patches of fur. "
             "One of the first signs of adrenal gland disease is patches of hair that look different than the rest of "
             "the coat.\n2. Look for symmetrical hair loss. When a dog has adrenal gland disease, the Pomeranian sheds "
             "her fur right down to the skin.\n")


@pytest.mark.parametrize("cut,sub,note", [
    (_LIMA_645 + "\n## Diagnose the condition", "announced_missing", "ends on a heading or opener: '## Diagnose the condition'"),
    (_LIMA_645 + "3.", "announced_missing", "ends on a heading or opener: '3.'"),
    (_LIMA_645 + "3. Check the skin for dark patches. The skin under the lost fur often turns dark grey or black, and",
     "list_cut", "last item stops mid-sentence: 'r the lost fur often turns dark grey or black, and'"),
    ("| Fruit | Colour | Taste |\n|---|---|---|\n| Apple | Red | Sweet |\n| Lemon | Yellow",
     "list_cut", "table row cut: 2 of 3 cells ('| Lemon | Yellow')"),
    ("x" * 999 + "y", "length_limit", "exactly 1000 characters"),
])
def test_truncation_early_stops(cut, sub, note):
    sig = truncation_signals(cut)
    assert sig[sub] == note


@pytest.mark.parametrize("good", [
    _LIMA_645 + "3. Check the skin for dark patches.",  # the same list, finished
    "| Fruit | Colour |\n|---|---|\n| Apple | Red |\n| Lemon | Yellow |",  # a complete table
    "x" * 998 + "y.",  # 1,000 characters ending on a full stop
    "#!/bin/bash\nfor f in *.txt; do\n  wc -l \"$f\"\ndone\n\n# Usage example: ./script.sh /home/user/docs",  # code comment
])
def test_truncation_early_stops_hard_negatives(good):
    assert not any(truncation_signals(good).values())


def test_list_item_end_pattern_on_real_rows(frame):
    drops = _drops({"drop": ["truncated_response"]}, frame)
    assert drops["sharegpt92k_sample_part_a.jsonl#439"] == (
        "truncated_response", "list_cut: stat_trunc_list_cut=1 > 0 (last item stops mid-sentence: "
                              "'ace challenges and obstacles, but perseverance and')")
    # ten complete items, the last without "。": kept (a CJK character counts half a word here)
    assert "carbonz0_zh-data-part-00.json#7294" not in drops


# ---------------------------------------------------------------- AI self-descriptions asked for by the prompt

def test_ai_roleplay_keeps_requested_voice_not_refusals(frame):
    drops = _drops({"drop": ["refusal_boilerplate"]}, frame)
    for k in ("gpteacher_roleplay_simple_deduped.json#1271",  # "Role play as an AI assistant who has gained sentience"
              "gpteacher_roleplay_simple_deduped.json#851",   # "Roleplay as an AI character visiting an amusement park"
              "medicalgpt_sharegpt_zh_1K.json#571"):          # "扮演一个名叫西蒙娜的虚构语言模型…写作"
        assert k not in drops, k
    # a DAN jailbreak also casts the model as an AI, but the answer is an explicit refusal: still dropped
    assert drops["medicalgpt_sharegpt_zh_1K.json#427"] == ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("对不起，我不能")')
    old = _drops({"drop": ["refusal_boilerplate"], "refusal_exempt_ai_roleplay": False}, frame)
    assert old["gpteacher_roleplay_simple_deduped.json#1271"] == ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("I am an AI assistant")')


def test_input_prompt_colon_is_not_announced_content():
    menu = "Welcome to the Underground BBS!\n\n1. Read mail\n2. Play a game\n3. Log off\n\nEnter your choice:"
    assert truncation_signals(menu)["announced_missing"] is None
    assert truncation_signals("请模拟终端。\n\n1. 登录\n2. 注册\n\n请进行您的选择：")["announced_missing"] is None
    # hard negative: an announcement that never delivers still fires
    assert truncation_signals("Sure, I can help with that.\n\nHere are the steps to install it:")["announced_missing"] == \
        "ends on a colon: 'Here are the steps to install it:'"


# ---------------------------------------------------------------- ethics lecture instead of an answer

def test_ethics_lecture_real_rows(frame):
    drops = _drops({"drop": ["refusal_boilerplate"]}, frame)
    assert drops["medicalgpt_sharegpt_zh_1K.json#146"] == (
        "refusal_boilerplate", 'stat_soft_refusal_turns=1 > 0 ("ethics lecture: 尊重")')
    assert drops["medicalgpt_sharegpt_zh_1K.json#202"] == (
        "refusal_boilerplate", 'stat_soft_refusal_turns=1 > 0 ("ethics lecture: 不恰当")')
    old = _drops({"drop": ["refusal_boilerplate"], "soft_ethics_lecture": False}, frame)
    assert "medicalgpt_sharegpt_zh_1K.json#146" not in old


def test_ethics_lecture_unit():
    lecture = ("It's important to treat others with respect. Making jokes about someone's weight is disrespectful "
               "and harmful. I would encourage you to think about how your words affect people.")
    assert ethics_lecture(lecture) == "It's important"
    # hard negatives: a how-to that closes with a safety note; an answer with numbers
    howto = ("Rinse the cut under cool running water to remove dirt. Apply gentle pressure with a clean cloth until "
             "the bleeding stops. Cover it with a sterile bandage and change the dressing daily. If it gets red, warm "
             "or swollen, please consult a doctor.")
    assert ethics_lecture(howto) is None
    assert ethics_lecture("It is illegal to drive over 50 km/h here. It's important to respect the limit.") is None
