"""decontaminate: n-gram overlap and near-match rules, the stage's drops, details, counters, errors.

Real prompts: the MT-Bench questions shipped in pipelines/data/sample (FastChat, Apache-2.0) and four
Chinese instructions from LLaMA-Factory's data/alpaca_zh_demo.json (Apache-2.0, commit ff6d4d12) in
tests/fixtures/decontam/alpaca_zh_eval.json. Clean training rows: the first rows of
pipelines/data/sample/llamafactory_identity.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from curate.dedup.decontam import EDIT, JACCARD, NGRAM, DecontamConfig, EvalPrompt, build_index, find_matches, matched_span
from curate.readers import read_file
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.decontaminate import Decontaminate
from pipelines.spec import SpecError, parse_spec
from tests.conftest import FIXTURES, REPO

MT = REPO / "pipelines/data/sample/fastchat_mt_bench_question.jsonl"
ZH = FIXTURES / "decontam/alpaca_zh_eval.json"


@pytest.fixture(scope="module")
def mt():
    with MT.open(encoding="utf-8") as f:
        return {r["question_id"]: r["turns"] for r in map(json.loads, f)}


@pytest.fixture(scope="module")
def zh():
    return [r["instruction"] for r in json.loads(ZH.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def clean_rows():
    res = read_file(REPO / "pipelines/data/sample/llamafactory_identity.json", "identity")
    return res.rows[:5]


def conv(rid, *users, answer="Sure, here it is."):
    msgs = []
    for u in users:
        msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": answer}]
    return {"id": rid, "source": "train", "messages": msgs}


def prompts(texts, name="ev"):
    return [EvalPrompt(name, str(i), 1, t) for i, t in enumerate(texts)]


# ---------------------------------------------------------------- the engine's rules

def test_long_prompt_found_by_any_13gram_and_embedded(mt):
    p = mt[81][0]  # 21 tokens
    idx = build_index(prompts([p]))
    texts = [p, "Before we start: " + p + " Thanks a lot!", " ".join(p.split()[:13]), " ".join(p.split()[:12]),
             "Compose an engaging travel blog post about Hawaii."]
    m = find_matches(texts, idx)
    # text 3 (12 tokens) lies whole inside the prompt: a truncated copy; text 4 shares 6 tokens in a row
    assert m.text.tolist() == [0, 1, 2, 3]
    assert m.method.tolist() == [NGRAM] * 4 and m.length.tolist() == [13, 13, 13, 12]
    assert m.start.tolist() == [0, 3, 0, 0]
    assert matched_span(texts[1], 3, 13) == ("compose an engaging travel blog post about a recent trip to hawaii "
                                             "highlighting")


def test_short_prompt_must_appear_whole_and_short_text_inside_prompt(mt):
    short = mt[97][1]  # "What are the differences between Riemannian geometry and euclidean geometry?": 10 tokens
    long = mt[81][0]
    idx = build_index(prompts([short, long]))
    texts = [
        "Hi! What are the differences between Riemannian geometry and euclidean geometry? Please be brief.",
        "What are the differences between Riemannian geometry and hyperbolic geometry?",  # 9 of 10 in a row: no
        "compose an engaging travel blog post about a recent",  # 9 tokens, all inside the long prompt
        "compose an engaging travel blog post about",  # 7 tokens < min_ngram
    ]
    m = find_matches(texts, idx)
    got = list(zip(m.text.tolist(), m.prompt.tolist(), m.method.tolist(), m.length.tolist()))
    # text 1 is a 1-word paraphrase: bigram Jaccard 7/11 = 0.64 >= 0.5, found by the near-match
    assert got == [(0, 0, NGRAM, 10), (1, 0, JACCARD, 0), (2, 1, NGRAM, 9)]
    assert m.jaccard[1] == pytest.approx(7 / 11)


def test_jaccard_threshold_is_exact():
    p = "how do i bake a loaf of sourdough bread at home"  # 11 tokens: 10 bigrams
    edited = "how do i bake a loaf of rye bread in my home"  # 11 bigrams, 6 shared: J = 6 / 15
    for t, found in ((0.6, False), (0.41, False), (0.4, True)):
        idx = build_index(prompts([p]), DecontamConfig(min_ngram=13, threshold=t))  # n-grams off for short texts
        m = find_matches([edited], idx)
        assert (len(m) == 1) is found, t
    assert m.method.tolist() == [JACCARD] and m.jaccard.tolist() == [pytest.approx(6 / 15)]


def test_chinese_prompts_by_characters(zh):
    idx = build_index(prompts(zh))
    p = zh[0]  # 识别并解释给定列表中的两个科学理论：细胞理论和日心说。
    texts = [
        p.replace("两个", "三个"),                      # one word changed: near-match
        "你好！" + p + "谢谢。",                        # embedded: character 13-gram
        p[:14],                                         # first half: 13 characters inside the prompt
        "请解释细胞理论。",                              # 7 characters: nothing
    ]
    m = find_matches(texts, idx)
    got = list(zip(m.text.tolist(), m.prompt.tolist(), m.method.tolist()))
    assert got == [(0, 0, NGRAM), (1, 0, NGRAM), (2, 0, NGRAM)]
    assert matched_span(texts[1], m.start[1], m.length[1]) == "识别并解释给定列表中的两个"
    # "三个" for "两个" leaves 11 characters before and 13 after the edit (25 in all, punctuation
    # dropped): with 16-grams only the near-match finds it. 23 distinct character bigrams (理论 twice),
    # 2 of them changed: J = 21 / 25
    idx16 = build_index(prompts(zh), DecontamConfig(ngram=16, min_ngram=16))
    m = find_matches(texts[:1], idx16)
    assert m.method.tolist() == [JACCARD] and m.jaccard[0] == pytest.approx(21 / 25)


def test_too_short_prompts_are_skipped_and_batches_do_not_matter(mt, zh):
    ps = prompts(["Thanks!", "Can you parallelize it?"] + [t for q in sorted(mt) for t in mt[q]][:40] + zh)
    idx = build_index(ps)
    assert idx.skipped.tolist()[:2] == [True, False]
    texts = ["thanks", "Can you parallelize it?"] + [t + " please" for t in mt[82]] + ["unrelated words " * 9]
    a = find_matches(texts, idx)
    b = find_matches(texts, build_index(ps, DecontamConfig(batch_size=1)))
    assert a.text.tolist() == b.text.tolist() == [1, 2, 3]
    assert a.prompt.tolist() == b.prompt.tolist() and np.array_equal(a.jaccard, b.jaccard, equal_nan=True)
    with pytest.raises(ValueError, match="no eval prompt has at least min_tokens=4 tokens"):
        build_index(prompts(["Thanks!", "ok"]))


# ---------------------------------------------------------------- the stage

def run_stage(df, tmp_path, artifacts=None, **params):
    st = Decontaminate(Decontaminate.Params(**params))
    return st.run(df, Context(artifact_dir=tmp_path, artifacts=artifacts or {}))


def test_stage_drops_planted_rows_with_details_and_counters(mt, zh, clean_rows, tmp_path):
    planted = [
        conv("exact", mt[81][0]),
        conv("second_turn", "Write me a haiku about rain.", mt[90][1]),
        conv("truncated", " ".join(mt[92][0].split()[: len(mt[92][0].split()) // 2])),
        conv("zh", zh[1].replace("文章", "段落")),
    ]
    assistant_only = {"id": "answer_quotes", "source": "train",
                      "messages": [{"role": "user", "content": "Give me a writing prompt."},
                                   {"role": "assistant", "content": mt[81][0]}]}
    df = make_frame(clean_rows + planted + [assistant_only])
    zh_path = ZH
    res = run_stage(df, tmp_path, eval_sets=[{"path": str(MT), "name": "mt_bench"},
                                             {"path": str(zh_path), "name": "alpaca_zh"}])
    assert res.kept["id"].to_list() == [r["id"] for r in clean_rows] + ["answer_quotes"]
    rej = dict(zip(res.rejected["id"], res.rejected["drop_detail"]))
    assert set(res.rejected["drop_reason"]) == {"eval_contamination"}
    assert rej == {
        # 19 tokens: 7 shared 13-grams
        "exact": 'mt_bench item 81 turn 1: 13-gram "compose an engaging travel blog post about a recent trip to '
                 'hawaii highlighting" (7 shared)',
        # an 11-token prompt, found whole
        "second_turn": 'mt_bench item 90 turn 2: 11-gram "modify your earlier reply and eliminate the use of '
                       'gendered pronouns"',
        # the first 19 of 38 words, 20 tokens ("don’t" gives two): 8 shared 13-grams
        "truncated": 'mt_bench item 92 turn 1: 13-gram "embrace the role of sheldon from the big bang theory as '
                     'we delve" (8 shared)',
        # 文章 → 段落 changes 3 of 17 character bigrams: J = 14 / 20; alpaca records have no id of their own
        "zh": "alpaca_zh item alpaca_zh/alpaca_zh_eval.json#1 turn 1: jaccard=0.70",
    }
    c = res.counters
    assert (c["dropped.eval_contamination"], c["prompts"], c["prompts_skipped_short"]) == (4, 164, 0)
    assert (c["eval.mt_bench.items"], c["eval.mt_bench.prompts"], c["eval.mt_bench.rows"],
            c["eval.mt_bench.items_hit"]) == (80, 160, 3, 3)
    assert (c["eval.alpaca_zh.items"], c["eval.alpaca_zh.rows"], c["eval.alpaca_zh.items_hit"]) == (4, 1, 1)
    matches = pl.read_parquet(res.artifacts["matches"])
    assert sorted(matches["id"]) == ["exact", "second_turn", "truncated", "zh"]

    # with view: all_turns the assistant answer quoting MT-Bench is caught too
    res = run_stage(df, tmp_path, eval_sets=[{"path": str(MT), "name": "mt_bench"}], view="all_turns")
    assert sorted(res.rejected["id"]) == ["answer_quotes", "exact", "second_turn", "truncated"]


def test_prompts_artifact_of_the_read_stage(mt, clean_rows, tmp_path):
    art = tmp_path / "prompts.parquet"
    make_frame([{"id": "held/x.jsonl#0", "source": "heldout", "messages": [{"role": "user", "content": mt[99][0]}],
                 "meta": {"original_id": "q7"}}]).write_parquet(art)
    df = make_frame(clean_rows + [conv("leak", mt[99][0])])
    res = run_stage(df, tmp_path, artifacts={"read": {"prompts": str(art)}})
    assert res.rejected["id"].to_list() == ["leak"]
    assert res.rejected["drop_detail"][0].startswith('heldout item q7 turn 1: 13-gram "')
    assert res.counters["eval.heldout.rows"] == 1
    # the artifact absent and no eval_sets: one-line error
    with pytest.raises(ValueError, match="^no eval prompts found: give eval_sets"):
        run_stage(df, tmp_path)


def test_eval_file_without_prompts_is_an_error(tmp_path, clean_rows):
    bad = tmp_path / "empty.jsonl"
    bad.write_text('{"foo": 1}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"^eval_sets\[0\] .*empty.jsonl: no prompts read \(1 records, top reject: "):
        run_stage(make_frame(clean_rows), tmp_path, eval_sets=[{"path": str(bad), "name": "e"}])


def test_validate_reports_missing_eval_file_and_missing_prompt_set():
    text = """
name: x
stages:
  - stage: read
    inputs: [{path: pipelines/data/sample/llamafactory_identity.json, source: a}]
  - stage: decontaminate
    eval_sets: [{path: no/such/mt_bench.jsonl, name: mt}]
  - {stage: decontaminate, read_prompts: false}
  - {stage: decontaminate, ngram: 5, min_ngram: 8}
output: {dir: out/x}
"""
    with pytest.raises(SpecError) as err:
        parse_spec(text, check_files=True)
    joined = "\n".join(err.value.problems)
    assert "min_ngram (8) must be <= ngram (5)" in joined
    text = text.replace("  - {stage: decontaminate, ngram: 5, min_ngram: 8}\n", "")
    with pytest.raises(SpecError) as err:
        parse_spec(text, check_files=True)
    assert sorted(err.value.problems) == [
        f"line 7: stages[1] (decontaminate): eval_sets[0].path: file not found: no/such/mt_bench.jsonl "
        f"(relative to {Path.cwd()})",
        "line 8: stages[2] (decontaminate): no prompt set to decontaminate against: give eval_sets: [{path, name}]",
    ]


def test_read_stage_prompt_inputs_feed_decontaminate(mt, tmp_path):
    from curate.stages.read import Read

    read = Read(Read.Params(inputs=[
        {"path": "pipelines/data/sample/llamafactory_identity.json", "source": "identity", "limit": 4},
        {"path": str(MT), "source": "mt_bench", "kind": "prompts"},
    ]))
    (tmp_path / "read").mkdir()
    got = read.run(None, Context(artifact_dir=tmp_path / "read"))
    assert got.kept.height == 4 and "prompts" in got.artifacts
    df = pl.concat([got.kept, make_frame([conv("leak", "Please help. " + mt[130][1])])])
    res = run_stage(df, tmp_path, artifacts={"read": got.artifacts})
    assert res.rejected["id"].to_list() == ["leak"]
    assert res.rejected["drop_detail"][0].startswith("mt_bench item 130 turn 2: 13-gram ")
    assert (res.counters["prompts"], res.counters["eval.mt_bench.items"]) == (160, 80)
    # validate accepts a decontaminate stage fed by a kind: prompts input only
    parse_spec("""
name: x
stages:
  - stage: read
    inputs:
      - {path: pipelines/data/sample/llamafactory_identity.json, source: a}
      - {path: pipelines/data/sample/fastchat_mt_bench_question.jsonl, source: mt_bench, kind: prompts}
  - {stage: decontaminate}
output: {dir: out/x}
""", check_files=True)


def test_eval_set_folder_and_glob_and_fingerprint(mt, tmp_path, clean_rows):
    folder = tmp_path / "evals"
    folder.mkdir()
    (folder / "mt.jsonl").write_bytes(MT.read_bytes())
    (folder / "zh.json").write_bytes(ZH.read_bytes())
    df = make_frame(clean_rows + [conv("leak", mt[101][0])])
    for path in (str(folder), str(folder / "*.json*")):
        res = run_stage(df, tmp_path, eval_sets=[{"path": path, "name": "mine"}])
        assert res.rejected["id"].to_list() == ["leak"]
        assert (res.counters["eval.mine.prompts"], res.counters["eval.mine.items"]) == (164, 84)
    st = Decontaminate(Decontaminate.Params(eval_sets=[{"path": str(folder), "name": "mine"}]))
    before = st.fingerprint()
    (folder / "zh.json").write_text("[]", encoding="utf-8")
    assert st.fingerprint() != before


def test_reported_prompt_is_the_one_sharing_most_ngrams(mt, clean_rows, tmp_path):
    p = mt[81][0]
    template = " ".join(p.split()[:13]) + " in winter."  # shares one 13-gram with p
    ev = tmp_path / "ev.jsonl"
    ev.write_text(json.dumps({"question_id": 1, "turns": [template]}) + "\n"
                  + json.dumps({"question_id": 2, "turns": [p]}) + "\n", encoding="utf-8")
    res = run_stage(make_frame(clean_rows + [conv("copy", p)]), tmp_path, eval_sets=[{"path": str(ev), "name": "ev"}])
    assert res.rejected["drop_detail"].to_list() == [
        'ev item 2 turn 1: 13-gram "compose an engaging travel blog post about a recent trip to hawaii highlighting" '
        "(7 shared); +1 more eval prompt"]
    assert (res.counters["eval.ev.rows"], res.counters["eval.ev.items_hit"]) == (1, 2)


def test_rows_without_user_text_and_empty_frames(mt, tmp_path):
    sets = [{"path": str(MT), "name": "mt_bench"}]
    res = run_stage(make_frame([]), tmp_path, eval_sets=sets)
    assert (res.kept.height, res.rejected.height, res.counters["dropped.eval_contamination"]) == (0, 0, 0)
    rows = [{"id": "sys_only", "source": "t", "messages": [{"role": "system", "content": mt[81][0]},
                                                            {"role": "assistant", "content": "Hello."}]},
            {"id": "empty_user", "source": "t", "messages": [{"role": "user", "content": ""},
                                                              {"role": "assistant", "content": mt[81][0]}]}]
    res = run_stage(make_frame(rows), tmp_path, eval_sets=sets)
    assert res.kept["id"].to_list() == ["sys_only", "empty_user"] and res.rejected.height == 0
    res = run_stage(make_frame(rows), tmp_path, eval_sets=sets, view="all_turns")
    assert sorted(res.rejected["id"]) == ["empty_user", "sys_only"]


def test_short_prompt_within_two_word_edits(mt, tmp_path):
    p = mt[135][1]  # "Come up with 3 similar examples in the YAML format.": 10 tokens
    two = "Come up with 3 more examples in YAML format."  # similar→more, "the" dropped; bigram J 5/12
    three = "Come up with 5 more examples in YAML format."  # and 3→5
    swap = "Come up with 3 similar examples in the format YAML."  # one adjacent swap: 1 edit, bigram J 6/12
    idx = build_index(prompts([p]))
    m = find_matches([two, three, swap], idx)
    # a pair found both ways reports the near-match
    assert list(zip(m.text.tolist(), m.method.tolist(), m.edits.tolist())) == [(0, EDIT, 2), (2, JACCARD, -1)]
    m = find_matches([swap], build_index(prompts([p]), DecontamConfig(threshold=0.9)))
    assert list(zip(m.method.tolist(), m.edits.tolist())) == [(EDIT, 1)]
    assert len(find_matches([two], build_index(prompts([p]), DecontamConfig(max_edits=1)))) == 0
    res = run_stage(make_frame([conv("two", two)]), tmp_path, eval_sets=[{"path": str(MT), "name": "mt_bench"}])
    assert res.rejected["drop_detail"].to_list() == ["mt_bench item 135 turn 2: word_edits=2"]
    assert res.counters["matches.edit"] == 1
