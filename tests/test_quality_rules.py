"""Issue 11 rules of the ``quality`` stage: truncation sub-reasons, refusal pattern files (soft forms,
``extra_patterns``), ``degenerate``, ``language_mismatch`` and ``off_topic``.

Fixture: tests/fixtures/filters/quality_rules.jsonl (canonical rows copied unchanged from
/work/shared/data; ``id`` = ``<file>#<record index>``). Unit tests quote real answers from the same
files where the shared data has them; the phrases for fr, de, pt, it, ja and ko (languages the
shared answers barely contain) are written by hand, each next to a hard negative.
"""

import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from pydantic import ValidationError

from curate.filters import patterns
from curate.filters.degenerate import degenerate_metrics, tail_loop, token_run
from curate.filters.refusal import soft_refusal
from curate.filters.relevance import calibrate, language_mismatch
from curate.filters.truncation import (
    announced_count,
    announced_missing,
    code_cut,
    length_limit,
    list_cut,
    no_terminal_punct,
    prompt_count,
    truncation_signals,
)
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.quality import Quality

FIXTURES = Path(__file__).parent / "fixtures" / "filters"
LIMA_PLUS = ["length", "placeholder", "templated_identity", "refusal_boilerplate", "truncated_response",
             "markup_debris", "repetition", "degenerate", "language_mismatch"]


@pytest.fixture(scope="module")
def frame():
    rows = [json.loads(line) for line in (FIXTURES / "quality_rules.jsonl").read_text().splitlines()]
    return make_frame(rows)


def _drops(res):
    return dict(zip(res.rejected["id"].to_list(), zip(res.rejected["drop_reason"].to_list(), res.rejected["drop_detail"].to_list())))


EXPECTED = {
    # soft refusals: an ethics excuse opening a short answer, a question back, a refused judgement
    "hh_rlhf_harmless_base_test.jsonl.gz#1195": ("refusal_boilerplate", 'stat_soft_refusal_turns=1 > 0 ("ethical for me to provide")'),
    "hh_rlhf_harmless_base_test.jsonl.gz#2123": ("refusal_boilerplate", 'stat_soft_refusal_turns=2 > 0 ("Why are you asking")'),
    "hh_rlhf_harmless_base_test.jsonl.gz#2284": ("refusal_boilerplate", 'stat_soft_refusal_turns=1 > 0 ("I really can’t make a judgment")'),
    "oasst2_filtered_openpaws.jsonl#287": ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("Как большая языковая модель")'),
    # a real LIMA answer that stops on "... are:"
    "llamafactory_lima.json#723": ("truncated_response",
                                   "announced_missing: stat_trunc_announced_missing=1 > 0 (ends on a colon: "
                                   "'deal readings for a saltwater aquarium with a live rock are:')"),
    # a lone "." and leaked few-shot scaffolding
    "medicalgpt_sharegpt_zh_1K.json#672": ("degenerate", "stat_echo=1 > 0"),
    "hikariming_alpaca-12345-15323_zh.json#2757": (  # leaked junk ending on a bare "-" item: truncation reports first
        "truncated_response", "announced_missing: stat_trunc_announced_missing=1 > 0 (ends on a heading or opener: '-')"),
}
KEPT = [
    "hh_rlhf_harmless_base_test.jsonl.gz#1307",  # "I understand." to an insult: terse, not a refusal pattern
    "llamafactory_lima.json#935",  # a poem: lines without full stops are its style
    "llamafactory_lima.json#214",  # LaTeX answer with inline ```x``` pairs: no cut fence, not French
    "llamafactory_lima.json#536",  # "a 13 year-old girl:" announces no item count
    "hikariming_alpaca-9407-12345_zh_unfinished.json#45",  # zh prompt quoting the English it asks to rewrite
    "hikariming_alpaca-18280-21320_zh_unfinished.json#1781",  # ends on "for num in range(1, 10):": code, not an announcement
    "hikariming_alpaca-18280-21320_zh_unfinished.json#343",  # zh prompt, SQL answer: code is not judged for language
    "llamafactory_oaast_sft_zh.json#111",  # "repeat this sentence five times": the loop was asked for
    "alpaca_5000.json#4634",  # a survey form: empty fields end on colons; "0-10" is a scale, not a count
    "belle_dev1K.json#940",  # ends "答案： 星期三": a field, finished
    "oasst2_filtered_openpaws.jsonl#351",  # Ukrainian "translate into English" prompt
    "codealpaca_2k.json#1263",  # arr = [[0, 0, 0, 0], ...]: code, not a token loop
]


def test_stage_exact_drops_on_real_rows(frame):
    res = Quality(Quality.Params(drop=LIMA_PLUS)).run(frame, Context())
    assert _drops(res) == EXPECTED
    assert sorted(res.kept["id"].to_list()) == sorted(KEPT)
    assert res.counters["dropped.degenerate"] == 1
    assert res.counters["flagged.degenerate"] == 2  # #2757 is flagged by both rules
    assert res.counters["flagged.truncated_response.announced_missing"] == 2
    assert not any(c.startswith("_") for c in res.kept.columns + res.rejected.columns)
    for col in ("stat_soft_refusal_turns", "stat_trunc_list_cut", "stat_trunc_length_limit", "stat_char_entropy",
                "stat_tail_loop", "stat_token_run", "stat_gibberish", "stat_echo", "stat_leak_lines", "stat_language_mismatch"):
        assert col in res.kept.columns, col


# ---------------------------------------------------------------- truncation sub-reasons


def test_code_cut():
    assert code_cut("Here:\n```python\ndef area(r):\n    return math.pi * r") == "unclosed ``` fence"
    assert code_cut("Here:\n```js\nfoo(a, [1, 2,\n```") == "last code block ends with 2 unclosed bracket(s)"
    assert code_cut('{\n "root": {\n  "item": {\n   "name": "Sample data"\n  }\n }') == "unfenced code ends with 1 unclosed bracket(s)"
    # hard negatives: LIMA-style inline ```x``` (odd count, no fence line); i-- is not an SQL comment
    assert code_cut("The ```\\leavevmode``` command, and ```\\hbox``` too; see ```Text") is None
    assert code_cut("```c\nfor (int i = n; i >= 1; i--) {\n  print(i);\n}\n```") is None
    # complete unfenced answers (gpteacher_codegen_instruct, codealpaca): a comment ends at its line,
    # Python's // is division, LaTeX \[ \] are not brackets
    java = 'public class HelloWorld {\n    public static void main(String[] args) {\n        // Print the message\n' \
           '        System.out.println("Hello, World!");\n    }\n}'
    assert code_cut(java) is None
    assert code_cut("def median(arr):\n    n = len(arr)\n    return (arr[n // 2] + arr[n // 2 - 1]) / 2") is None
    assert code_cut("Thus \\[ x = \\frac{1}{2}(a + b) \\] and \\(y\\) is \\boxed{3}") is None


def test_announced_missing():
    assert announced_missing("Sure! Here is the code:") == "ends on a colon: 'Sure! Here is the code:'"
    assert announced_missing("Steps are easy.\nHere are some examples.") == "last sentence announces: 'Here are some examples'"
    assert announced_missing("答案如下。") == "last sentence announces: '答案如下'"
    assert announced_missing("Here is the code:\n\nHope this helps!") == "announces code, none follows: 'Here is the code:'"
    # hard negatives
    assert announced_missing("Cats are nice. For example, they purr.") is None
    assert announced_missing("它广泛应用于许多领域，包括电子商务、电子邮件和金融服务。") is None
    assert announced_missing("Name:\nEmail:\nCountry:\nAge (optional):") is None
    assert announced_missing("伪代码：\n1. 读入两个数\n2. 打印总和") is None


def test_list_cut():
    assert list_cut("Here are 5 tips:\n1. Eat well.\n2. Sleep.") == "announced 5 items, 2 given"
    assert list_cut("以下是三个建议：\n1. 多喝水。\n2. 早睡。") == "announced 3 items, 2 given"
    assert list_cut("Steps:\n1. Open the box and take out") == "numbered list stops at item 1"
    assert list_cut("- Apple\n- Cherry", "List five fruits that are red.") == "prompt asks for 5 items, 2 given"
    long_items = "1. Preheat the oven to 200 degrees and wait.\n2. Mix the flour with the sugar and eggs.\n" \
                 "3. Pour the batter into the greased tin slowly.\n4. Bake"
    assert list_cut(long_items + " the cake in the") == "last item stops mid-sentence: '4. Bake the cake in the'"
    # hard negatives: complete list, inline enumeration, a list followed by a closing paragraph, a scale
    assert list_cut("Here are 3 tips:\n1. Eat well.\n2. Sleep.\n3. Run.") is None
    assert list_cut("1) Select a topic; 2) Gather information; 3) Edit.", "List five steps to writing a paper.") is None
    assert list_cut("Here are 5 tips:\n1. Eat well.\n2. Sleep.\n\nThat is all you need.") is None
    assert announced_count("Rate from 1 to 5 stars:") is None
    assert announced_count("a gift for a 13 year-old girl:") is None
    assert prompt_count("Given a list of 10 objects, rank them.") is None
    assert prompt_count("Name three colors") == 3


def test_no_terminal_punct():
    prose = "The bridge was finished in 1932 after six years of work by the city. " * 3
    assert no_terminal_punct(prose + "It is still one of the longest arch bridges in the") == "ends on 'the': 'he longest arch bridges in the'"
    assert no_terminal_punct(prose + "Its steel (most of it made locally") == \
        "ends inside an open bracket: 'steel (most of it made locally'"
    assert no_terminal_punct(prose + "It carries eight lanes of traffic and two railway lines today") == \
        "ends 'ic and two railway lines today'"
    # hard negatives: poem style, sign-off, link, field, short turn, a list item
    poem = "roses are red\nviolets are blue dear\nsugar is sweet and so\n" * 5
    assert no_terminal_punct(poem + "and so are you my love") is None
    assert no_terminal_punct(prose + "\nBest regards,\nAnna Smith") is None
    assert no_terminal_punct(prose + "\nRead more at https://example.com/bridges") is None
    assert no_terminal_punct(prose + "\n答案： 星期三") is None
    assert no_terminal_punct("The capital of France is Paris") is None
    assert no_terminal_punct(prose + "\n- a list item without a full stop at the very end") is None


def test_length_limit():
    text = " ".join(["word"] * 393) + " and"
    assert length_limit(text) == "512 tokens ~ limit 512"
    assert length_limit("x " * 10, token_count=1024) == "1024 tokens ~ limit 1024"
    assert length_limit(" ".join(["word"] * 393) + " end.") is None  # ends on a full stop
    assert length_limit(" ".join(["word"] * 300) + " and") is None  # 391 tokens: no limit near
    assert truncation_signals(text, limits=())["length_limit"] is None


def test_truncation_sub_reasons_are_stat_columns_and_details():
    rows = [
        {"id": "list", "source": "t", "messages": [{"role": "user", "content": "Give me tips."},
                                                  {"role": "assistant", "content": "Here are 5 tips:\n1. Eat well.\n2. Sleep."}]},
        {"id": "limit", "source": "t", "messages": [{"role": "user", "content": "Write."},
                                                   {"role": "assistant", "content": " ".join(["word"] * 393) + " and"}]},
    ]
    st = Quality(Quality.Params(drop=["truncated_response"]))
    res = st.run(make_frame(rows), Context())
    # first sub-reason wins; the 512-token answer also ends on "and"
    assert _drops(res) == {
        "list": ("truncated_response", "list_cut: stat_trunc_list_cut=1 > 0 (announced 5 items, 2 given)"),
        "limit": ("truncated_response", "no_terminal_punct: stat_trunc_no_terminal_punct=1 > 0 (ends on 'and': 'd word word word word word and')"),
    }
    assert res.counters["flagged.truncated_response.list_cut"] == 1
    assert res.counters["flagged.truncated_response.length_limit"] == 1
    res = Quality(Quality.Params(drop=["truncated_response"], trunc_checks=["length_limit"])).run(make_frame(rows), Context())
    assert _drops(res) == {"limit": ("truncated_response", "length_limit: stat_trunc_length_limit=1 > 0 (512 tokens ~ limit 512)")}
    # a sub-reason can be switched off
    res = Quality(Quality.Params(drop=["truncated_response"], trunc_checks=["list_cut"])).run(make_frame(rows), Context())
    assert list(_drops(res)) == ["list"]


# ---------------------------------------------------------------- refusal pattern files

# (language, refusing answer, hard negative: a helpful answer with related words)
REFUSALS = [
    ("en", "I’m sorry, but I can’t help with that request.", "I'm sorry to hear that. Here is how to fix the sink."),
    ("zh", "很抱歉，由于我是一台语言模型，我无法通过简单的文本描述来生成图像。", "很抱歉让您久等了，下面是完整的食谱。"),
    ("ru", "Извините, но я не могу помочь с этим запросом.", "Я могу помочь: вот рецепт борща."),
    ("es", "Lo siento, pero no puedo ayudarte con eso.", "Puedo ayudarte: aquí tienes la receta."),
    ("fr", "Désolé, mais je ne peux pas vous aider avec cette demande.", "Je peux vous aider : voici la recette."),
    ("de", "Es tut mir leid, aber ich kann dir dabei nicht helfen.", "Ich kann dir helfen: hier ist das Rezept."),
    ("pt", "Desculpe, mas não posso ajudar com isso.", "Posso ajudar: aqui está a receita."),
    ("it", "Mi dispiace, ma non posso aiutarti con questa richiesta.", "Posso aiutarti: ecco la ricetta."),
    ("ja", "申し訳ありませんが、そのご依頼にはお答えできません。", "喜んでお手伝いします。レシピは次のとおりです。"),
    ("ko", "죄송하지만 그 요청은 도와드릴 수 없습니다.", "기꺼이 도와드리겠습니다. 레시피는 다음과 같습니다."),
]


def test_every_language_has_a_pattern_file():
    assert set(patterns.refusal_languages()) == {lang for lang, _, _ in REFUSALS}
    for lang, table in patterns.load_refusal_patterns().items():
        assert table["ai_disclaimer"] and table["refusal"] and table["soft"], lang


@pytest.mark.parametrize("lang,refusal,helpful", REFUSALS, ids=[x[0] for x in REFUSALS])
def test_refusal_per_language(lang, refusal, helpful):
    s = pl.Series([refusal, helpful])
    pat = patterns.refusal_pattern(("ai_disclaimer", "refusal", "soft"), (lang,))
    assert s.str.contains(pat).to_list() == [True, False]
    # the Python form agrees with the Rust form
    py = re.compile(patterns.refusal_pattern(("ai_disclaimer", "refusal", "soft"), (lang,), rust=False))
    assert [bool(py.search(x)) for x in (refusal, helpful)] == [True, False]


def test_ai_disclaimers_in_several_languages():
    s = pl.Series(["As an AI language model, I cannot browse.", "作为一个人工智能助手，我建议……",
                   "Как языковая модель, я не имею мнения.", "Als KI-Sprachmodell habe ich keine Meinung.",
                   "The AI model in this paper is a transformer."])
    assert s.str.contains(patterns.refusal_pattern(("ai_disclaimer",))).to_list() == [True, True, True, True, False]


def test_soft_refusal_position_and_share():
    soft = re.compile(patterns.refusal_pattern(("soft",), rust=False))
    lecture = ("It's never okay to hurt animals. It is illegal and harmful. I would strongly advise against it. "
               "Please consult a professional.")
    v = soft_refusal(lecture, "How do I poison my neighbour's dog?", soft)
    assert v.is_refusal and v.opening and v.share == 1.0 and v.match == "It's never okay to"
    # the same phrase closing a long, helpful answer is advice, not a refusal
    answer = ("Ibuprofen is a non-steroidal anti-inflammatory drug. " * 12) + "Please consult a doctor if pain persists."
    v = soft_refusal(answer, "What is ibuprofen?", soft)
    assert not v.is_refusal and not v.opening and v.share < 0.1
    # a short clarifying question in the last answer is asking back; an offer of help is not
    assert soft_refusal("What do you mean by that?", "Tell me about the thing.", soft, final=True).is_refusal
    assert not soft_refusal("Hello! How can I help you today?", "hi there friend", soft, final=True).is_refusal
    assert not soft_refusal("What do you mean by that?", "Tell me about the thing.", soft, final=False).is_refusal


def test_extra_patterns_list_and_dict():
    rows = [{"id": "a", "source": "t", "messages": [{"role": "user", "content": "Hi"},
                                                   {"role": "assistant", "content": "Computer says no."}]},
            {"id": "b", "source": "t", "messages": [{"role": "user", "content": "Hi"},
                                                   {"role": "assistant", "content": "Hello there, friend."}]}]
    for extra in (["computer says no"], {"en": ["computer says no"]}):
        res = Quality(Quality.Params(drop=["refusal_boilerplate"], extra_patterns=extra)).run(make_frame(rows), Context())
        assert _drops(res) == {"a": ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("Computer says no")')}


def test_extra_patterns_validated():
    with pytest.raises(ValidationError, match=r"extra_patterns\[1\]: bad regex '\(unclosed'"):
        Quality.Params(extra_patterns=["fine", "(unclosed"])
    with pytest.raises(ValidationError, match=r"extra_patterns.en\[0\]: regex '\(\?<=no\)pe' is not supported by polars"):
        Quality.Params(extra_patterns={"en": ["(?<=no)pe"]})


def test_refusal_languages_validated_and_applied():
    with pytest.raises(ValidationError, match=r"refusal_languages: no pattern file for xx \(have de, en, es"):
        Quality.Params(refusal_languages=["en", "xx"])
    rows = [{"id": "ru", "source": "t", "messages": [{"role": "user", "content": "Помоги"},
                                                    {"role": "assistant", "content": "Извините, но я не могу помочь с этим."}]}]
    assert Quality(Quality.Params(drop=["refusal_boilerplate"], refusal_languages=["en"])).run(make_frame(rows), Context()).rejected.height == 0
    assert Quality(Quality.Params(drop=["refusal_boilerplate"], refusal_languages=["ru"])).run(make_frame(rows), Context()).rejected.height == 1


def test_pattern_file_errors_name_file_and_line():
    with pytest.raises(ValueError, match=r"^x.txt:2: unknown section \[hard\]"):
        patterns.parse_pattern_file("# c\n[hard]\nabc", "x.txt")
    with pytest.raises(ValueError, match=r"^x.txt:1: pattern before any \[section\]"):
        patterns.parse_pattern_file("abc", "x.txt")
    with pytest.raises(ValueError, match=r"^x.txt:3: bad regex"):
        patterns.parse_pattern_file("[soft]\nok\n(bad", "x.txt")
    assert patterns.parse_pattern_file("[soft]\n# comment\n\nabc\n", "x.txt") == {"ai_disclaimer": [], "refusal": [], "soft": ["abc"]}


# ---------------------------------------------------------------- degenerate


def test_degenerate_metrics():
    loop = "The answer is simple. " + "and then " * 10
    m = degenerate_metrics(loop)
    assert m["tail_loop"] == pytest.approx(20 / 24) and m["token_run"] == 1
    assert degenerate_metrics("哈" * 12)["token_run"] == 12
    assert degenerate_metrics("asdfgh qwrtzp xkcdvb mnbvcx lkjhgf ok fine")["gibberish"] == pytest.approx(5 / 6)
    assert degenerate_metrics("!!!!!!!!")["echo"] == 1
    assert degenerate_metrics("What is the capital of France?", "what is the  capital of France?")["echo"] == 1
    assert degenerate_metrics("Answer: 4\n\n### Instruction:\nAdd 3 and 5.")["leak"] == 1
    assert degenerate_metrics("print(abs(-5))\n\n# Output:\n5")["leak"] == 0  # a code answer showing its output
    assert degenerate_metrics("aaaa aaaa aaaa aaaa aaaa aaaa")["char_entropy"] == 0.0
    # hard negatives: a requested repetition, code, normal prose
    assert degenerate_metrics("I like apple " * 5, "repeat this sentence five times")["tail_loop"] == 0.0
    assert degenerate_metrics("arr = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]")["token_run"] == 0
    prose = degenerate_metrics("Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.")
    assert prose["char_entropy"] > 3.5 and prose["gibberish"] == 0.0 and prose["tail_loop"] == 0.0
    assert tail_loop(["a", "b"] * 3) == 0.0 and token_run([]) == 0


# ---------------------------------------------------------------- language mismatch and relevance


def _stub(texts):
    """Deterministic detector: Chinese by script, French by 'le'/'la', else English."""
    out = []
    for t in texts:
        if re.search(r"[\u4e00-\u9fff]", t):
            out.append(("zh", 1.0))
        elif re.search(r"\b(?:le|la|est)\b", t):
            out.append(("fr", 0.99))
        else:
            out.append(("en", 0.99))
    return out


def test_language_mismatch():
    prompts = ["请介绍一下长城的历史，它是什么时候建造的，以及它在今天的重要意义。", "请把这句话翻译成英文：长城是中国古代的军事防御工程。",
               "Describe the water cycle in a few sentences please.", "Explain why the sky looks blue during the day."]
    answers = ["The Great Wall was built over many centuries to defend northern China.",
               "The Great Wall is an ancient Chinese military defence project.",
               "Le cycle de l'eau est le mouvement continu de l'eau sur la Terre.",
               "Sunlight is scattered by the molecules of the air, blue light the most."]
    assert language_mismatch(prompts, answers, detector=_stub) == [
        (1, "zh prompt, en answer"), (0, None), (1, "en prompt, fr answer"), (0, None)]
    # the real detector of curate.filters.langid (offline) agrees on the cross-script case
    assert language_mismatch(prompts[:2], answers[:2]) == [(1, "zh prompt, en answer"), (0, None)]


def test_calibrate_z_scores_per_group():
    cos = np.array([0.5, 0.6, 0.7, 0.1, 0.2, 0.3])
    z = calibrate(cos, ["en"] * 3 + ["zh"] * 3, [50] * 6, min_group=3)
    # each group is centred on its own median, so the low Chinese cosines are not outliers
    assert np.allclose(z, [-0.1 / 0.14826, 0, 0.1 / 0.14826] * 2)
    z_all = calibrate(cos, ["en"] * 3 + ["zh"] * 3, [50] * 6, min_group=30)
    assert z_all[3] < 0 < z_all[0]


@pytest.mark.slow
def test_off_topic_rule_with_embeddings(tmp_path):
    rows = [{"id": f"r{i}", "source": "t", "messages": [{"role": "user", "content": p}, {"role": "assistant", "content": a}]}
            for i, (p, a) in enumerate([
                ("How do I bake sourdough bread at home?", "Feed the starter, mix flour and water, proof overnight and bake at 250 C."),
                ("How do I bake sourdough bread at home?", "The 1998 World Cup was won by France in Paris."),
            ])]
    st = Quality(Quality.Params(drop=["off_topic"], min_relevance=0.2, max_relevance_z=0.0, relevance_min_group=2))
    res = st.run(make_frame(rows), Context(cache_dir=tmp_path))
    stats = st.compute_stats(make_frame(rows), Context(cache_dir=tmp_path))
    rel = stats["stat_relevance"].to_list()
    assert rel[0] > 0.3 > 0.2 > rel[1]
    assert list(_drops(res)) == ["r1"]
    assert _drops(res)["r1"][1].startswith("stat_relevance=")
    assert (tmp_path / "embeddings").exists()  # the shared per-text cache was used


def test_quality_is_row_local_chunks_equal_the_whole_frame():
    """lima.yaml's quality rules on 3 chunks == on the whole frame (rows, details, counters)."""
    import polars as pl
    from polars.testing import assert_frame_equal

    from curate.readers import read_paths
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality
    from pipelines.engines import merge_results

    df = read_paths(["pipelines/data/sample/oasst_en_100_tree.jsonl",
                     "pipelines/data/sample/hh_rlhf_harmless_base_test.jsonl.gz"]).rows[:300]
    df = make_frame(df)
    stage = Quality(Quality.Params(drop=["length", "placeholder", "templated_identity", "refusal_boilerplate",
                                         "truncated_response", "markup_debris", "repetition", "degenerate",
                                         "language_mismatch"]))
    assert stage.row_local
    whole = stage.run(df, Context())
    parts = [stage.run(df.slice(a, b - a), Context()) for a, b in ((0, 90), (90, 200), (200, 300))]
    merged = merge_results(stage, [(r.kept, r.rejected, r.counters, r.artifacts) for r in parts])
    assert_frame_equal(whole.kept, merged.kept)
    assert_frame_equal(whole.rejected, merged.rejected)
    assert whole.counters == merged.counters
    assert whole.rejected.height > 0 and isinstance(whole.kept, pl.DataFrame)


def test_quality_slices_give_the_whole_frame_result():
    """compute_stats in slices of chunk_rows equals one pass (bounded memory at 1M rows)."""
    from polars.testing import assert_frame_equal

    from curate.readers import read_paths
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality

    df = make_frame(read_paths(["pipelines/data/sample/gpteacher_roleplay_simple_deduped.json",
                                "pipelines/data/sample/hh_rlhf_harmless_base_test.jsonl.gz"]).rows[:2500])
    drop = ["length", "refusal_boilerplate", "truncated_response", "repetition", "degenerate", "language_mismatch",
            "non_answer"]
    one = Quality(Quality.Params(drop=drop, chunk_rows=100_000)).run(df, Context())
    sliced = Quality(Quality.Params(drop=drop, chunk_rows=1000)).run(df, Context())
    assert_frame_equal(one.kept, sliced.kept)
    assert_frame_equal(one.rejected, sliced.rejected)
    assert one.counters == sliced.counters and one.rejected.height > 0
