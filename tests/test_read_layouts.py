"""Layout detection by the synonym table, explicit mappings, and record-level robustness.

Fixtures in tests/fixtures/read/ are real records (alpaca_5000.json 0-2, hikariming zh 0-1, MT-Bench
81-83) re-laid out into the layouts users bring.
"""

import json
from pathlib import Path

import pytest

from curate.readers import FORMATS, read_file
from curate.readers.formats import LAYOUTS as LAYOUT_CONVERTERS
from curate.readers.formats import Options, detect
from curate.readers.synonyms import DEFAULT, is_response_key, tokens

F = Path(__file__).parent / "fixtures" / "read"
ALPACA = json.loads((F / "source_alpaca3.json").read_text())  # alpaca_5000.json records 0-2


def q(r):
    return r["instruction"] + ("\n\n" + r["input"] if r.get("input") else "")


def roles(row):
    return [m["role"] for m in row["messages"]]


def answers(res):
    return [r["messages"][-1]["content"] for r in res.rows]


@pytest.mark.parametrize("name, layout, rows, prompts", [
    ("dialog_fr.jsonl", "conversation", 3, 0),
    ("dialog_ru_zh.jsonl", "conversation", 2, 0),
    ("zh_eval_std_answer.jsonl", "prompt_response", 2, 0),
    ("pairwise.jsonl", "pairwise", 3, 0),
    ("eval_report.json", "eval_report", 2, 0),
    ("splits.json", "prompt_response", 3, 0),
    ("preference.jsonl", "prompt_chosen", 2, 0),
    ("qa.csv", "prompt_response", 3, 0),
    ("prompts_strings.json", "prompt", 0, 3),
    ("prompts_turns.jsonl", "mt_bench", 0, 3),
])
def test_every_layout_is_detected_without_mapping(name, layout, rows, prompts):
    res = read_file(F / name, "t")
    assert (res.format, len(res.rows), len(res.prompts), res.rejects) == (layout, rows, prompts, [])
    assert all(roles(r)[-1] == "assistant" for r in res.rows)
    assert all(set(roles(p)) <= {"user", "system"} for p in res.prompts)


def test_role_names_in_five_languages_and_original_ids():
    fr = read_file(F / "dialog_fr.jsonl", "fr")
    assert [r["messages"] for r in fr.rows] == [
        [{"role": "user", "content": q(a)}, {"role": "assistant", "content": a["output"]}] for a in ALPACA]
    assert [r["meta"]["original_id"] for r in fr.rows] == ["fr0", "fr1", "fr2"]
    ru_zh = read_file(F / "dialog_ru_zh.jsonl", "x")  # Пользователь/Ассистент and 用户/助手 under chat/author/message
    assert [roles(r) for r in ru_zh.rows] == [["user", "assistant"]] * 2
    assert ru_zh.rows[1]["messages"][0]["content"] == "给出三个保持健康的提示。"
    for raw, want in [("utilisateur", "user"), ("USUARIO", "user"), ("Benutzer", "user"), ("人类", "user"),
                      ("ассистент", "assistant"), ("Asistente", "assistant"), ("modèle", "assistant"),
                      ("ユーザー", "user"), ("observation", "tool"), ("ipython", "tool"), ("Système", "system")]:
        assert DEFAULT.role_of(raw) == want, raw


def test_pairwise_better_by_grade_winner_and_tie_or_both():
    res = read_file(F / "pairwise.jsonl", "p")
    assert answers(res) == [a["output"] for a in ALPACA]  # right by grade 9 > 2; a by winner; tie → first
    assert [r["meta"]["pairwise_choice"] for r in res.rows] == [
        "right (by *_grade)", "a (by winner)", "a (tie on winner)"]
    assert res.rows[0]["meta"]["rejected"] == "I don't know."
    both = read_file(F / "pairwise.jsonl", "p", options=Options(pairwise="both"))
    assert [r["id"] for r in both.rows] == [f"p/pairwise.jsonl#{i}.{k}" for i in range(3) for k in range(2)]
    assert answers(both)[:2] == ["I don't know.", ALPACA[0]["output"]]


def test_eval_report_first_or_all_outputs_and_splits():
    first = read_file(F / "eval_report.json", "e")
    assert answers(first) == [ALPACA[0]["output"], ALPACA[1]["output"]]
    assert first.rows[0]["meta"]["candidates"] == 2 and first.rows[0]["meta"]["group"] == "results"
    every = read_file(F / "eval_report.json", "e", options=Options(outputs="all"))
    assert answers(every) == [ALPACA[0]["output"], "second sample", ALPACA[1]["output"], "second sample"]
    assert [r["id"] for r in every.rows][:2] == ["e/eval_report.json#0.0", "e/eval_report.json#0.1"]
    splits = read_file(F / "splits.json", "s")
    assert [r["meta"]["split"] for r in splits.rows] == ["train", "test", "test"]


def test_preference_chosen_kept_rejected_in_meta_and_csv_json_text_answer():
    pref = read_file(F / "preference.jsonl", "p")
    assert answers(pref) == [ALPACA[0]["output"], ALPACA[1]["output"]]
    assert json.loads(pref.rows[0]["meta"]["rejected"]) == {"role": "assistant", "content": "no"}
    assert pref.rows[1]["meta"]["rejected"] == "no"
    csv_rows = read_file(F / "qa.csv", "c").rows  # capitalised headers; a JSON-text answer stays text
    assert csv_rows[2]["messages"][-1]["content"] == '{"a": 1}'
    assert [r["id"] for r in csv_rows] == ["c/qa.csv#0", "c/qa.csv#1", "c/qa.csv#2"]


def test_prompt_sets_are_prompts_not_rejects():
    mt = read_file(F / "prompts_turns.jsonl", "mt")
    assert [p["meta"]["original_id"] for p in mt.prompts] == ["81", "82", "83"]
    assert roles(mt.prompts[0]) == ["user", "user"]
    strings = read_file(F / "prompts_strings.json", "s")
    assert strings.prompts[0]["messages"][0]["content"].startswith("Compose an engaging travel blog post")


def test_mapping_reads_what_detection_cannot():
    assert read_file(F / "custom_keys.jsonl", "k").rejected_by_reason() == {"unrecognized_record": 2}
    res = read_file(F / "custom_keys.jsonl", "k",
                    fields={"prompt": "ask", "response": "reply_text", "system": "sys", "id": "sample"})
    assert [r["messages"] for r in res.rows][0] == [
        {"role": "system", "content": "Réponds en français."}, {"role": "user", "content": q(ALPACA[0])},
        {"role": "assistant", "content": ALPACA[0]["output"]}]
    assert res.rows[1]["meta"]["original_id"] == "1"
    tsv = read_file(F / "custom.tsv", "t", fields={"prompt": "consigne_texte", "response": "reponse_ref", "id": "uid"})
    assert [(r["meta"]["original_id"], roles(r)) for r in tsv.rows] == [("u0", ["user", "assistant"]), ("u1", ["user", "assistant"])]
    conv = read_file(F / "custom_roles.jsonl", "r", fields={"messages": "log", "role": "who", "content": "said"},
                     roles={"client_x": "user", "AGENT_Y": "assistant", "note": "tool"})
    assert [roles(r) for r in conv.rows] == [["user", "assistant", "tool"]] * 2
    bad = read_file(F / "custom_roles.jsonl", "r", fields={"messages": "log", "role": "who", "content": "said"})
    assert bad.rejects[0]["drop_detail"] == "custom_roles.jsonl:1: conversation: log[0]: unknown role 'CLIENT_X'"


def test_forced_format_and_table_order():
    # a record matching two layouts: the table's order decides (conversation list before pair)
    assert detect({"messages": [{"role": "user", "content": "q"}], "question": "q", "answer": "a"}) == "openai"
    assert detect({"instruction": "i", "output": "o", "chosen": "c"}) == "prompt_chosen"
    res = read_file(F / "zh_eval_std_answer.jsonl", "z", fmt="prompt")
    assert (len(res.rows), len(res.prompts)) == (0, 2)
    assert "eval_report" in FORMATS and "pairwise" in FORMATS


def test_hostile_records_become_rejects_naming_file_and_line(tmp_path):
    deep: dict = {"text": "x"}
    for _ in range(60):
        deep = {"content": deep}
    records = [
        {"conversations": [{"from": ["human"], "value": "hi"}, {"from": "gpt", "value": "yo"}]},  # role a list
        {"messages": [{"role": {"x": 1}, "content": "hi"}]},                                       # role a dict
        {"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "a"}]},     # content int
        {"question": "q", "answer": {"no_text_here": 1}},                                          # odd answer
        {"instruction": 3.5, "output": "o"},                                                       # prompt a number
        {"messages": [{"role": "user", "content": deep}, {"role": "assistant", "content": "a"}]},  # deep content
        {"question": "q", "answer": "a"},                                                          # fine
    ]
    p = tmp_path / "hostile.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    res = read_file(p, "h")
    assert len(res.rows) + len(res.prompts) + len(res.rejects) == len(records)
    assert [r["drop_reason"] for r in res.rejects] == ["malformed_record"] * 6
    assert [r["drop_detail"].split(": ")[0] for r in res.rejects] == [f"hostile.jsonl:{i}" for i in range(1, 7)]
    assert "role is list, expected a string" in res.rejects[0]["drop_detail"]
    assert "role is an object without a role key" in res.rejects[1]["drop_detail"]
    assert "content is int, expected text" in res.rejects[2]["drop_detail"]
    assert "nested deeper than" in res.rejects[5]["drop_detail"]
    assert answers(res) == ["a"]


@pytest.mark.parametrize("layout, record", [
    ("conversation", lambda q, a: {"conversation_id": 1, "conversation": [{"human": q, "assistant": a}]}),  # Firefly
    ("openai", lambda q, a: {"messages": {"role": ["user", "bot"], "content": [q, a]}}),  # column-wise messages
    ("text_dialogue", lambda q, a: {"text": f"<s>[INST] {q} [/INST] {a} </s>"}),
    ("text_dialogue", lambda q, a: {"text": f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>"}),
    ("text_dialogue", lambda q, a: {"text": f"A chat. USER: {q} ASSISTANT: {a}</s>"}),
    ("pairwise", lambda q, a: {"question_body": q, "answer1_body": "meh", "answer2_body": a, "score": [[3, 9]]}),  # JudgeLM
    ("pairwise", lambda q, a: {"instruction": q, "output_1": "meh", "output_2": a, "preference": 2.0}),  # alpaca_eval
    ("prompt_response", lambda q, a: {"doc_id": 0, "doc": {"question": q}, "target": a, "resps": [["x"]]}),  # lm-eval
    ("prompt_response", lambda q, a: {"origin_prompt": [{"role": "HUMAN", "prompt": q}], "prediction": a}),
    ("sharegpt", lambda q, a: {"conversations": [{"from": "Harry", "value": q}, {"from": "Hermione", "value": a}]}),
    ("pairwise", lambda q, a: {"question": q, "left": {"answer": "meh", "grade": 3}, "right": {"answer": a, "grade": 8}}),
    ("pairwise", lambda q, a: {"question": q, "reponse_gauche": "meh", "reponse_droite": a, "winner": "droite"}),
    ("pairwise", lambda q, a: {"question": q, "left_answer": "meh", "right_answer": a, "grade": "right"}),
    ("prompt_response", lambda q, a: {"prompt": q, "generated_text": a}),
    ("conversation", lambda q, a: {"对话": [{"角色": "用户", "内容": q}, {"角色": "助手：", "内容": a}]}),
    ("prompt_response", lambda q, a: {"задание": q, "решение": a}),
    ("prompt_response", lambda q, a: {"id": 0, "question": q.split("\n\n")[0], "A": "x", "B": "y", "C": "z", "D": "w",
                                      "answer": a, "explanation": ""}),  # C-Eval: options join the question
])
def test_more_layouts_read_the_real_answer(tmp_path, layout, record):
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join(json.dumps(record(q(r), r["output"]), ensure_ascii=False) for r in ALPACA) + "\n")
    res = read_file(p, "x")
    assert (res.format, answers(res)) == (layout, [r["output"] for r in ALPACA])
    if "A" in record("q", "a"):
        assert [r["messages"][-2]["content"] for r in res.rows] == [
            r["instruction"] + "\n\nA. x\nB. y\nC. z\nD. w" for r in ALPACA]
        return
    assert [r["messages"][-2] for r in res.rows] == [{"role": "user", "content": q(r)} for r in ALPACA]


def test_context_objects_fill_prompt_templates():
    # MERA-style: the instruction is a template filled from the "inputs" object; the rest is appended
    rec = {"instruction": "Задание: {text}", "inputs": {"text": "2+2?", "option_a": "4"}, "outputs": "A"}
    ((msgs, _),) = LAYOUT_CONVERTERS["prompt_response"](rec)
    assert msgs == [{"role": "user", "content": "Задание: 2+2?\n\noption_a: 4"}, {"role": "assistant", "content": "A"}]


def test_column_wise_objects_and_records_that_are_turn_lists(tmp_path):
    cols = tmp_path / "cols.json"  # {"prompt": [...], "completion": [...]}, and pandas orient="columns"
    cols.write_text(json.dumps({"prompt": [q(r) for r in ALPACA], "completion": [r["output"] for r in ALPACA]}))
    assert answers(read_file(cols, "c")) == [r["output"] for r in ALPACA]
    pandas = tmp_path / "pandas.json"
    pandas.write_text(json.dumps({"instruction": {str(i): r["instruction"] for i, r in enumerate(ALPACA)},
                                  "output": {str(i): r["output"] for i, r in enumerate(ALPACA)}}))
    res = read_file(pandas, "p")
    assert (res.format, answers(res)) == ("alpaca", [r["output"] for r in ALPACA])
    arr = tmp_path / "arr.json"
    arr.write_text(json.dumps([[{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], ["q2", "a2"], ["p"]]))
    res = read_file(arr, "a")
    assert (answers(res), [p["messages"] for p in res.prompts]) == (["a", "a2"], [[{"role": "user", "content": "p"}]])


def test_odd_answers_and_prompts_are_read_not_rejected(tmp_path):
    recs = [{"question": "Is water wet?", "passage": "Water is a liquid.", "answer": True},  # BoolQ: bool answer
            {"question": "q", "answer": {"text": ""}},                                     # empty answer: a prompt
            {"id": 7, "prompt": {"en": "hello", "fr": "bonjour"}},                         # multilingual prompt
            {"prompt": ""},                                                                # empty prompt: a prompt
            {"user_input": "hi"}]                                                          # prompt key by its words
    p = tmp_path / "odd.jsonl"
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n")
    res = read_file(p, "o")
    assert res.rejects == []
    assert [r["messages"] for r in res.rows] == [[{"role": "user", "content": "Is water wet?\n\nWater is a liquid."},
                                                  {"role": "assistant", "content": "true"}]]
    assert [p["messages"][0]["content"] for p in res.prompts] == ["q", "hello", "", "hi"]


def test_report_with_record_lists_two_objects_down(tmp_path):
    rep = tmp_path / "report.json"
    rep.write_text(json.dumps({"model": "tiny", "tasks": {
        "fr": {"accuracy": 0.5, "samples": [{"prompt": q(ALPACA[0]), "output": ALPACA[0]["output"]}]},
        "zh": {"samples": [{"prompt": q(ALPACA[1]), "output": ALPACA[1]["output"]}]}}}))
    res = read_file(rep, "r")
    assert answers(res) == [ALPACA[0]["output"], ALPACA[1]["output"]]
    assert [(r["id"], r["meta"]["group"], r["meta"]["parent"]) for r in res.rows] == [
        ("r/report.json#tasks/fr/samples/0", "tasks/fr/samples", {"model": "tiny"}),
        ("r/report.json#tasks/zh/samples/0", "tasks/zh/samples", {"model": "tiny"})]


def test_keyed_records_object_and_txt_prompt_list(tmp_path):
    keyed = tmp_path / "predictions.json"  # OpenCompass-style {"0": {...}, "1": {...}}
    keyed.write_text(json.dumps({str(i): {"origin_prompt": q(r), "prediction": r["output"]} for i, r in enumerate(ALPACA)}))
    res = read_file(keyed, "k")
    assert (res.records, answers(res)) == (3, [r["output"] for r in ALPACA])
    assert [(r["id"], r["meta"]["key"]) for r in res.rows][:1] == [("k/predictions.json#0", "0")]
    txt = tmp_path / "prompts.txt"
    txt.write_text("first prompt\n\n  second prompt\n")
    res = read_file(txt, "t")
    assert [(p["id"], p["messages"][0]["content"]) for p in res.prompts] == [
        ("t/prompts.txt#0", "first prompt"), ("t/prompts.txt#1", "  second prompt")]


def test_synonym_helpers():
    assert tokens("gpt4_Answer") == ["gpt", "4", "answer"] and tokens("modelOutput") == ["model", "output"]
    assert is_response_key("std_answer") and is_response_key("gpt4_answer") and is_response_key("回答")
    assert not is_response_key("answer_id") and not is_response_key("output_tokens")
    mapped = DEFAULT.with_fields({"prompt": "ask", "messages": "log"}, {"UTILISATEUR": "user"})
    assert (mapped.prompt, mapped.conversation, mapped.role_of("utilisateur ")) == (("ask",), ("log",), "user")


KEYS = ["conversations", "messages", "dialog", "turns", "conversation", "from", "role", "speaker", "value", "content",
        "text", "instruction", "input", "question", "prompt", "output", "answer", "response", "chosen", "rejected",
        "left_answer", "right_answer", "left_grade", "winner", "results", "outputs", "history", "system", "id",
        "A", "B", "instances", "replies", "train", "test", "0", "1", "human", "gpt", "parts", "author"]


def test_no_record_shape_escapes_as_an_exception(tmp_path):
    """Property: any JSON built from synonym-table keys is read without an exception, and every
    record ends as a row, a prompt or a reject (hypothesis, fixed budget, derandomized)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    leaf = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) \
        | st.sampled_from(["user", "assistant", "gpt", "human", "UTILISATEUR", "用户", "", "x", "<s>[INST] q [/INST] a"])
    value = st.recursive(leaf, lambda kids: st.lists(kids, max_size=4)
                         | st.dictionaries(st.sampled_from(KEYS), kids, max_size=5), max_leaves=25)
    record = st.dictionaries(st.sampled_from(KEYS), value, min_size=1, max_size=6) | st.text(max_size=20)

    @settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(record, min_size=1, max_size=5))
    def check(records):
        records = [{"question": "q", "answer": "a"}, *records]  # two lines at least: JSON Lines, not one object
        p = tmp_path / "fuzz.jsonl"
        p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
        for pairwise, outputs in (("better", "first"), ("both", "all")):
            res = read_file(p, "f", options=Options(pairwise=pairwise, outputs=outputs))
            seen = {r["id"].split("#", 1)[1].split("/")[0].split(".")[0] for r in res.rows + res.prompts + res.rejects}
            assert seen == {str(i) for i in range(len(records))}
            assert all(isinstance(m["content"], str) for r in res.rows + res.prompts for m in r["messages"])

    check()
