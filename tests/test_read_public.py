"""Public dataset layouts the lead's probe found unread (issue 9): MOSS turn dicts, UltraChat string
dialogues, UltraFeedback scored completions, preference key pairs, SHP, MT-Bench model answers,
USER/SYSTEM task dialogues.

Fixtures in tests/fixtures/read/public/ are real records (alpaca_5000.json 0-2, hikariming zh 0-1,
MT-Bench 81-82) re-laid out by make_public.py into each public layout.
"""

import json
from pathlib import Path

import pytest

from curate.readers import read_file
from curate.readers.formats import (
    Options, _prompt_key, _response_key, _score, _strip_speaker_tag, conv_conversation, detect,
)
from curate.readers.synonyms import DEFAULT

P = Path(__file__).parent / "fixtures" / "read" / "public"
ALPACA = json.loads((P.parent / "source_alpaca3.json").read_text())
ZH0 = ("给出三个保持健康的提示。", "1.饮食要均衡，确保包括足够的水果和蔬菜。\n2.定期运动以保持身体活跃和强壮。\n3.保持充足的睡眠并保持一致的睡眠时间表。")
ZH1 = ("什么是三原色？", "三原色是红色、蓝色和黄色。")


def q(r):
    return r["instruction"] + ("\n\n" + r["input"] if r.get("input") else "")


def pairs(row):
    return [(m["role"], m["content"]) for m in row["messages"]]


def meta(row):
    return {k: v for k, v in row["meta"].items() if k != "format"}


def test_moss_turn_dicts_strip_speaker_tags_and_guess_the_model_name():
    res = read_file(P / "moss.jsonl", "moss")
    assert (res.format, len(res.rows), res.prompts, res.rejects) == ("conversation", 2, [], [])
    first, second = res.rows
    assert pairs(first) == [("user", ZH0[0]), ("assistant", ZH0[1]), ("user", ZH1[0]), ("assistant", ZH1[1])]
    assert meta(first) == {"guessed_roles": {"MOSS": "assistant"}, "original_id": "1"}
    # numeric turn keys, and a model name the table does not know
    assert pairs(second) == [("user", q(ALPACA[1])), ("assistant", ALPACA[1]["output"])]
    assert meta(second)["guessed_roles"] == {"Claude-2": "assistant"}


def test_speaker_tag_strip_only_for_the_speaker_or_a_known_role():
    assert _strip_speaker_tag("<|Human|>: hi<eoh>\n") == "hi"
    assert _strip_speaker_tag("<|MOSS|>: ok<eom>", "MOSS") == "ok"
    assert _strip_speaker_tag("<|im_start|>: x", "gpt") == "<|im_start|>: x"  # neither the speaker nor a role
    assert _strip_speaker_tag("no tag <eoh>") == "no tag <eoh>"


def test_ultrachat_string_list_under_data_alternates_but_mt_bench_turns_stay_prompts():
    res = read_file(P / "ultrachat.jsonl", "uc")
    assert [pairs(r) for r in res.rows] == [
        [("user", q(ALPACA[0])), ("assistant", "No"), ("user", q(ALPACA[1])), ("assistant", "E, G, B")],
        [("user", ZH0[0]), ("assistant", ZH0[1])]]
    assert res.prompts == [] and res.rejects == []
    assert detect({"id": 1, "turns": ["q1", "q2"]}) == "mt_bench"        # MT-Bench: two user turns
    assert detect({"data": ["q1", "q2"]}) is None                        # no id: a wrapper of prompts
    assert detect({"id": 1, "data": ["only one"]}) is None


def test_ultrafeedback_keeps_the_best_scored_completion():
    res = read_file(P / "ultrafeedback.jsonl", "uf")
    assert [r["messages"][-1]["content"] for r in res.rows] == ["Non-citrus fruit.", "E, G, B", "No"]
    a, b, c = (meta(r) for r in res.rows)
    # overall_score; a tie (8.5, 8.5) goes to the first; the lowest-rated answer is kept as rejected
    assert a == {"candidates": 3, "candidate_scores": [2.0, 8.5, 8.5], "best_candidate": 1, "rejected": "Citrus fruit."}
    # fine-grained annotation ratings averaged ("N/A" does not count)
    assert b == {"candidates": 2, "candidate_scores": [2.0, 4.5], "best_candidate": 1, "rejected": "G, B, E"}
    assert c == {"candidates": 2}  # no scores: the first
    first = read_file(P / "ultrafeedback.jsonl", "uf", options=Options(outputs="first"))
    assert [r["messages"][-1]["content"] for r in first.rows] == ["Citrus fruit.", "G, B, E", "No"]
    every = read_file(P / "ultrafeedback.jsonl", "uf", options=Options(outputs="all"))
    assert len(every.rows) == 7


def test_score_rules():
    assert _score({"overall_score": 3, "score": 9}) == 3.0
    assert _score({"rating": "4", "reward": 2}) == 3.0
    assert _score({"answer": "x", "rank": 2}) == -2.0  # Nectar: lower rank is better
    assert _score({"annotations": {"a": {"Rating": "5"}, "b": {"Rating": "2"}}}) == 3.5
    assert _score({"response": "x", "model": "m"}) is None


def test_preference_key_pairs():
    res = read_file(P / "preference_pairs.jsonl", "pref")
    assert [pairs(r) for r in res.rows] == [
        [("user", ZH0[0]), ("assistant", ZH0[1])],
        [("user", q(ALPACA[0])), ("assistant", "No")],
        [("user", q(ALPACA[1])), ("assistant", "E, G, B")],
        [("user", q(ALPACA[2])), ("assistant", "Non-citrus fruit.")]]
    assert [r["meta"]["rejected"] for r in res.rows] == ["我不知道。", "Yes", "B, E, G", "Citrus."]
    assert {r["meta"]["format"] for r in res.rows} == {"prompt_chosen"}
    # a lone "good" key holding a label is no preference pair
    assert detect({"question": "q", "answer": "a", "good": "yes"}) == "prompt_response"


def test_shp_pair_with_the_post_in_history():
    res = read_file(P / "shp.jsonl", "shp")
    assert [pairs(r) for r in res.rows] == [
        [("user", q(ALPACA[1])), ("assistant", "E, G, B")],
        [("user", q(ALPACA[2])), ("assistant", "Non-citrus fruit.")]]
    assert [(r["meta"]["pairwise_choice"], r["meta"]["rejected"]) for r in res.rows] == [
        ("b (by score_*)", "G, B, E"), ("a (by score_*)", "Citrus.")]


def test_model_answers_without_prompts_are_rejected_with_how_to_join():
    res = read_file(P / "mtbench_answers.jsonl", "ans")
    assert (res.rows, res.prompts, res.format) == ([], [], "answer_only")
    assert res.rejected_by_reason() == {"answer_without_prompt": 2}
    assert res.rejects[0]["drop_detail"] == (
        "mtbench_answers.jsonl:1: answer_only: answers under 'choices' and no prompt (keyed by question_id=81): "
        "model answers; join them with their question file on question_id, or name the prompt key with fields: "
        "{prompt: ...}")
    # a wrapper of records, a prompt one object down, or an unknown text key are not answer-only
    assert detect({"model": "m", "outputs": [{"prompt": "p", "output": "o"}]}) is None
    assert detect({"doc": {"question": "q"}, "target": "t"}) is None
    assert detect({"ask": "q", "reply_text": "a"}) is None
    assert detect({"id": 3, "output": "an answer"}) == "answer_only"


def test_user_system_dialogues_read_system_turns_as_the_agent():
    res = read_file(P / "dialog_user_system.jsonl", "mwoz")
    a, b = res.rows
    assert pairs(a) == [("user", q(ALPACA[0])), ("assistant", "No"), ("user", q(ALPACA[1])), ("assistant", "E, G, B")]
    assert meta(a)["system_as_assistant"] == 2
    # a system turn before the first user turn stays the system prompt
    assert pairs(b) == [("system", "You book trains."), ("user", q(ALPACA[2])), ("assistant", "Non-citrus fruit.")]
    # with an assistant turn present, system turns are left alone
    rec = {"messages": [{"role": "user", "content": "q"}, {"role": "system", "content": "s"},
                        {"role": "assistant", "content": "a"}]}
    assert [m["role"] for m in conv_conversation(rec)[0][0]] == ["user", "system", "assistant"]


@pytest.mark.parametrize("name", sorted(p.name for p in P.glob("*.jsonl")))
def test_every_public_fixture_accounts_for_every_record(name):
    res = read_file(P / name, "x")
    lines = [x for x in (P / name).read_text().splitlines() if x.strip()]
    assert res.records == len(lines)
    assert len(res.rows) + len(res.prompts) + len(res.rejects) >= len(lines)


def test_csv_with_semicolons_reads_by_its_header():
    from curate.readers.sources import sniff_delimiter

    res = read_file(P / "ru_semicolon.csv", "ru")
    assert [pairs(r) for r in res.rows] == [[("user", q(ALPACA[0])), ("assistant", "No")],
                                            [("user", ZH1[0]), ("assistant", ZH1[1])]]
    assert [sniff_delimiter(h) for h in ("a,b", "Вопрос;Ответ", '"x;y",z', "a\tb", "a;b,c,d", "one")] == \
        [",", ";", ",", "\t", ",", ","]


def test_more_public_layouts():
    rows = read_file(P / "more_layouts.jsonl", "more").rows
    nectar, belle, mmlu, oig, camel, evals = rows
    # Nectar: rank 1 is best even when the prompt is an hh-rlhf dialogue waiting for the answer
    assert pairs(nectar) == [("user", q(ALPACA[0])), ("assistant", "No")]
    assert meta(nectar) == {"candidates": 2, "candidate_scores": [-2.0, -1.0], "best_candidate": 1, "rejected": "Yes"}
    # BELLE multiturn: the instruction holds the dialogue so far
    assert pairs(belle) == [("user", ZH0[0]), ("assistant", ZH0[1]), ("user", ZH1[0]), ("assistant", ZH1[1])]
    # MMLU: options appended to the question, the answer index as its letter and text
    assert pairs(mmlu)[0][1].endswith("\n\nA. Citrus\nB. Non-citrus") and pairs(mmlu)[1] == ("assistant", "B. Non-citrus")
    assert pairs(oig) == [("user", q(ALPACA[1])), ("assistant", "E, G, B")]
    assert pairs(camel) == [("user", q(ALPACA[2])), ("assistant", "Non-citrus fruit.")]
    assert pairs(evals) == [("system", "Answer briefly."), ("user", q(ALPACA[0])), ("assistant", "No")]
    assert [r["meta"]["format"] for r in rows] == ["prompt_response", "alpaca", "prompt_response", "text_dialogue",
                                                   "conversation", "prompt_response"]
    # a choices list with no answer key stays candidate answers
    assert detect({"question": "q", "choices": ["a", "b"]}) == "eval_report"


def test_read_stage_joins_model_answers_with_their_question_file(tmp_path):
    import polars as pl

    from curate.stage import Context
    from curate.stages.read import Read

    questions = tmp_path / "question.jsonl"
    questions.write_text((P.parent / "prompts_turns.jsonl").read_text())  # MT-Bench 81-83, turns as {content}
    q81 = [t["content"] for t in json.loads(questions.read_text().splitlines()[0])["turns"]]
    inp = {"path": str(P / "mtbench_answers.jsonl"), "source": "ans", "prompts_from": str(questions)}
    stage = Read(Read.Params(inputs=[inp]))
    res = stage.run(pl.DataFrame(), Context(artifact_dir=tmp_path))
    assert res.kept.height == 2 and res.rejected.height == 0
    assert [(m["role"], m["content"]) for m in res.kept["messages"][0].to_list()] == [
        ("user", q81[0]), ("assistant", "No"), ("user", q81[1]), ("assistant", "E, G, B")]
    assert json.loads(res.kept["meta"][0])["joined_on"] == "question_id=81"
    before = stage.fingerprint()
    questions.write_text(questions.read_text().splitlines()[0] + "\n")  # only question 81 left
    assert stage.fingerprint() != before
    res = stage.run(pl.DataFrame(), Context(artifact_dir=tmp_path))
    assert res.kept.height == 1
    assert res.rejected["drop_detail"].to_list() == [
        "mtbench_answers.jsonl:2: answer_only: no question with question_id=82 in prompts_from"]
    with pytest.raises(ValueError, match="top reject reason answer_without_prompt"):
        Read(Read.Params(inputs=[{"path": str(P / "mtbench_answers.jsonl"), "source": "ans"}])).run(
            pl.DataFrame(), Context(artifact_dir=tmp_path))
    assert Read.Params(inputs=[{**inp, "prompts_from": str(tmp_path / "none.jsonl")}]).missing_files() == [
        f"inputs[0].prompts_from: file not found: {tmp_path / 'none.jsonl'} (relative to {Path.cwd()})"]


def test_evaluation_logs_and_answer_files(tmp_path):
    a0, a1 = ALPACA[0], ALPACA[1]
    recs = [
        # HELM scenario state: the prompt one object down, the answer in predicted_text
        {"instance": {"id": "i1", "input": {"text": q(a0)}, "references": [{"output": {"text": "No"}}]},
         "predicted_text": a0["output"]},
        # OpenAI evals log event: prompt messages and sampled completions under data
        {"run_id": "r", "event_id": 1, "type": "sampling", "data": {"prompt": [{"role": "user", "content": q(a1)}],
                                                                     "sampled": [a1["output"]]}},
        # one answer per model
        {"prompt": q(a1), "model_outputs": {"gpt4": a1["output"], "llama": "G, B, E"}},
        # OpenAI batch output: answers keyed by custom_id, prompts in the batch input file
        {"id": "b1", "custom_id": "req-1", "response": {"status_code": 200, "body": {
            "choices": [{"message": {"role": "assistant", "content": a0["output"]}}]}}},
    ]
    path = tmp_path / "logs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    res = read_file(path, "logs")
    assert [pairs(r) for r in res.rows] == [[("user", q(a0)), ("assistant", "No")],
                                            [("user", q(a1)), ("assistant", "E, G, B")],
                                            [("user", q(a1)), ("assistant", "E, G, B")]]
    assert res.rejected_by_reason() == {"answer_without_prompt": 1}
    assert "keyed by custom_id=req-1" in res.rejects[0]["drop_detail"]


def test_nested_squad_json_gives_one_conversation_per_question():
    res = read_file(P / "squad_nested.json", "fquad")
    assert res.format == "squad" and res.rejects == []
    assert [(r["id"], pairs(r)) for r in res.rows] == [
        ("fquad/squad_nested.json#0.0", [("user", ALPACA[0]["instruction"] + "\n\n" + ALPACA[0]["input"]),
                                         ("assistant", "No")]),
        ("fquad/squad_nested.json#1", [("user", ZH0[0] + "\n\n" + ZH0[1]), ("assistant", ZH0[1][:20])])]
    assert [r["meta"]["original_id"] for r in res.rows] == ["q1", "q3"]
    # a SQuAD v2 question with no answer is a prompt
    (prompt,) = res.prompts
    assert pairs(prompt) == [("user", ZH1[0] + "\n\n" + ALPACA[0]["input"])]


def test_multiple_choice_eval_records():
    arc, hellaswag, logiqa, drop = read_file(P / "mc_eval.jsonl", "mc").rows
    a2, a1, a0 = ALPACA[2], ALPACA[1], ALPACA[0]
    assert pairs(arc) == [("user", f"{a2['instruction']} {a2['input']}\n\nA. citrus\nB. non-citrus"), ("assistant", "B")]
    assert pairs(hellaswag) == [("user", f"{a1['instruction']}: {a1['input']}\n\nA. G, B, E\nB. E, G, B"),
                                ("assistant", "B. E, G, B")]
    assert pairs(logiqa) == [("user", f"{a0['instruction']}\n\nA. Yes\nB. No\n\n{a0['input']}"), ("assistant", "B. No")]
    assert pairs(drop) == [("user", f"{a1['instruction']}\n\n{a1['input']}"), ("assistant", "E, G, B")]
    # an index out of range is no answer: the record stays a prompt
    assert detect({"ctx": "c", "endings": ["a", "b"], "label": 5}) == "prompt"


def test_validate_points_answer_files_to_prompts_from():
    from curate.stages.read import Read

    params = Read.Params(inputs=[{"path": str(P / "mtbench_answers.jsonl"), "source": "ans"}])
    (msg,) = params.check_inputs()
    assert msg.startswith("inputs[0] (mtbench_answers.jsonl): none of the first 2 records could be read (answer_without_prompt)")
    assert msg.endswith("; name its question file with prompts_from: (and join_on:)")
    joined = Read.Params(inputs=[{"path": str(P / "mtbench_answers.jsonl"), "source": "ans",
                                  "prompts_from": str(P.parent / "prompts_turns.jsonl")}])
    assert joined.check_inputs() == []


@pytest.mark.parametrize("rec, prompt_key, answer_key", [
    ({"consigne": 0, "réponse_attendue": 1}, "consigne", "réponse_attendue"),
    ({"вопрос": 0, "правильный_ответ": 1}, "вопрос", "правильный_ответ"),
    ({"вопрос_текст": 0, "эталон": 1}, "вопрос_текст", "эталон"),
    ({"用户问题": 0, "模型回复": 1}, "用户问题", "模型回复"),
    ({"问题": 0, "标准答案": 1}, "问题", "标准答案"),
    ({"question": 0, "ground_truth": 1}, "question", "ground_truth"),
    ({"instruction": 0, "expected": 1}, "instruction", "expected"),
    ({"q": 0, "a": 1}, "q", "a"),
])
def test_answer_and_prompt_keys_in_other_languages_and_short_names(rec, prompt_key, answer_key):
    rec = {k: (q(ALPACA[1]) if v == 0 else ALPACA[1]["output"]) for k, v in rec.items()}  # alpaca record 1
    assert detect(rec) == "prompt_response"
    assert _prompt_key(rec, DEFAULT)[0] == prompt_key
    assert _response_key(rec, DEFAULT, skip=(prompt_key,))[0] == answer_key


def test_a_is_an_answer_only_beside_q():
    # C-Eval test split: options A-D and no answer stay a prompt with its options
    assert detect({"question": "q", "A": "1", "B": "2", "C": "3", "D": "4"}) == "prompt"


def test_moss_plugin_turns_read_thoughts_and_commands_as_assistant_and_results_as_tool():
    rec = {"conversation_id": 3, "chat": {"turn_1": {
        "Human": f"<|Human|>: {ZH0[0]}<eoh>\n", "Inner Thoughts": "<|Inner Thoughts|>: 需要搜索<eot>\n",
        "Commands": "<|Commands|>: Search(\"健康\")<eoc>\n", "Tool Responses": f"<|Results|>:\n{ZH1[1]}<eor>\n",
        "MOSS": f"<|MOSS|>: {ZH0[1]}<eom>\n"}}}
    (msgs, meta), = conv_conversation(rec)
    assert [(m["role"], m["content"]) for m in msgs] == [
        ("user", ZH0[0]), ("assistant", "需要搜索"), ("assistant", 'Search("健康")'), ("tool", ZH1[1]),
        ("assistant", ZH0[1])]


def test_option_letters_and_the_data_rule_guard():
    from curate.readers.formats import conv_pair

    # AQuA-style: the right option by letter under "correct", no answer key
    rec = {"question": q(ALPACA[2]), "options": ["A)citrus", "B)non-citrus"], "rationale": "bananas", "correct": "B"}
    assert detect(rec) == "prompt_response"
    assert conv_pair(rec)[0][0][-1] == {"role": "assistant", "content": "B. B)non-citrus"}
    # a list of strings under data beside a prompt and an answer is no dialogue
    assert detect({"id": 1, "data": ["tag1", "tag2"], "instruction": q(ALPACA[0]), "output": "No"}) == "alpaca"


@pytest.mark.parametrize("rec, choice", [
    ({"вопрос": 0, "ответ_a": 1, "ответ_b": 2, "победитель": "b"}, "b (by победитель)"),
    ({"question": 0, "réponse_1": 1, "réponse_2": 2, "préférence": 2}, "2 (by préférence)"),
    ({"question": 0, "réponse_gauche": 1, "réponse_droite": 2, "gagnant": "droite"}, "droite (by gagnant)"),
    ({"问题": 0, "回答1": 1, "回答2": 2, "胜者": "回答2"}, "2 (by 胜者)"),
    ({"问题": 0, "回答A": 1, "回答B": 2, "更好": "B"}, "b (by 更好)"),
    ({"вопрос": 0, "ответ_модели_a": 1, "ответ_модели_b": 2, "оценка_a": 2, "оценка_b": 9}, "b (by оценка_*)"),
])
def test_pairwise_files_with_keys_and_verdicts_in_other_languages(rec, choice):
    from curate.readers.formats import conv_pairwise

    text = {0: q(ALPACA[1]), 1: "G, B, E", 2: ALPACA[1]["output"]}
    rec = {k: text.get(v, v) if k not in ("préférence", "оценка_a", "оценка_b") else v for k, v in rec.items()}
    assert detect(rec) == "pairwise"
    (msgs, meta), = conv_pairwise(rec)
    assert [(m["role"], m["content"]) for m in msgs] == [("user", q(ALPACA[1])), ("assistant", "E, G, B")]
    assert meta["pairwise_choice"] == choice and meta["rejected"] == "G, B, E"


@pytest.mark.parametrize("name, prompt, answer, encoding", [
    ("ru_cp1251.csv", ALPACA[1]["instruction"], "E, G, B", "cp1251"),
    ("zh_gbk.csv", ZH1[0], ZH1[1], "gb18030"),
    ("zh_utf16.tsv", ZH1[0], ZH1[1], None),
])
def test_spreadsheet_exports_in_legacy_encodings(name, prompt, answer, encoding):
    res = read_file(P / name, "x")
    assert [pairs(r) for r in res.rows] == [[("user", prompt), ("assistant", answer)]]
    notes = [w for w in res.warnings if "not UTF-8" in w]
    assert notes == ([f"{name}: not UTF-8; read as {encoding} (guessed from the file's first bytes)"] if encoding else [])


def test_sniff_encoding_keeps_western_text_out_of_cp1251():
    from curate.readers.sources import sniff_encoding

    assert sniff_encoding("question,réponse\nQuelle est la capitale ?,à côté\n".encode("cp1252")) == "cp1252"
    assert sniff_encoding("a,b\n1,2\n".encode("utf-8")) == "utf-8-sig"
    assert sniff_encoding("Вопрос\tОтвет\n".encode("utf-16-le")) == "utf-16-le"


def test_chinese_exam_layouts_agieval_and_cmb():
    from curate.readers.formats import conv_pair

    # AGIEval: answer null, the letter under label
    agi = {"passage": None, "question": ZH1[0], "options": ["(A)红黄蓝", "(B)黑白灰"], "label": "A", "answer": None}
    assert detect(agi) == "prompt_response"
    assert conv_pair(agi)[0][0] == [{"role": "user", "content": ZH1[0] + "\n\nA. (A)红黄蓝\nB. (B)黑白灰"},
                                    {"role": "assistant", "content": "A. (A)红黄蓝"}]
    # CMB: options as an object keyed by letter
    cmb = {"exam_type": "x", "question": ZH1[0], "option": {"B": "黑白灰", "A": "红黄蓝"}, "answer": "A"}
    assert conv_pair(cmb)[0][0][0]["content"] == ZH1[0] + "\n\nA. 红黄蓝\nB. 黑白灰"
    # an empty answer stays a prompt (C-Eval test split)
    assert [m["role"] for m in conv_pair({"question": "q", "options": ["a", "b"], "answer": ""})[0][0]] == ["user"]
