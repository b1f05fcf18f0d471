"""Probe: does auto-detection read the layouts of well-known public datasets? (issue 9)

Each case is one record laid out as a public dataset card shows it (the lead's 30, then more
French, Russian, Chinese SFT/eval layouts and English public ones). Every case is written to a
temporary folder and read by ``curate.readers.read_file`` with no mapping. A case passes when its
first row holds an assistant turn whose text contains the expected answer (the better/best one for
pairwise, preference and scored files), or, for the cases marked ``reject``/``prompts``, when the
record is rejected with that reason / read as prompts.

    .venv/bin/python benchmarks/read_probe.py          # prints one line per case, then the score
"""

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curate.readers import read_file  # noqa: E402

Q, A = "What is the capital of France?", "The capital of France is Paris."
Q2, A2 = "And of Germany?", "Berlin is the capital of Germany."
LEAD = {
 "moss.jsonl": [{"conversation_id": 1, "chat": {"turn_1": {"Human": "<|Human|>: "+Q, "MOSS": "<|MOSS|>: "+A}, "turn_2": {"Human": Q2, "MOSS": A2}}}],
 "ultrachat.jsonl": [{"id": "0", "data": [Q, A, Q2, A2]}],
 "openorca.jsonl": [{"id": "niv.1", "system_prompt": "You are helpful.", "question": Q, "response": A}],
 "arena.jsonl": [{"question_id": "x", "model_a": "m1", "model_b": "m2", "winner": "model_b",
                  "conversation_a": [{"role": "user", "content": Q}, {"role": "assistant", "content": "Lyon."}],
                  "conversation_b": [{"role": "user", "content": Q}, {"role": "assistant", "content": A}]}],
 "alpaca_eval.json": [{"instruction": Q, "output": A, "generator": "gpt4", "dataset": "helpful_base"}],
 "saiga.jsonl": [{"messages": [{"role": "user", "content": "Какая столица Франции?"}, {"role": "bot", "content": "Париж."}]}],
 "zhihu.jsonl": [{"INSTRUCTION": "法国的首都是哪里？", "RESPONSE": "巴黎。", "SOURCE": "zhihu", "METADATA": "{}"}],
 "gsm8k.jsonl": [{"question": "2+2?", "answer": "2+2=4\n#### 4"}],
 "math.jsonl": [{"problem": "Solve x+1=2", "solution": "x=1", "level": "Level 1", "type": "Algebra"}],
 "lmsys.jsonl": [{"conversation_id": "a", "model": "vicuna", "conversation": [{"content": Q, "role": "user"}, {"content": A, "role": "assistant"}], "turn": 1, "language": "English"}],
 "ultrafeedback.jsonl": [{"source": "evol", "instruction": Q, "completions": [{"model": "a", "response": "Lyon.", "overall_score": 2.0}, {"model": "b", "response": A, "overall_score": 9.0}]}],
 "helpsteer.jsonl": [{"prompt": Q, "response": A, "helpfulness": 4, "correctness": 4}],
 "cvalues.jsonl": [{"prompt": "法国的首都是哪里？", "pos_resp": "巴黎。", "neg_resp": "不知道", "label": 1}],
 "firefly.jsonl": [{"kind": "ClassicalChinese", "input": "法国的首都是哪里？", "target": "巴黎。"}],
 "ru_alpaca.jsonl": [{"instruction": "Назовите столицу Франции.", "input": "", "output": "Париж.", "alternative_output": "Париж", "label": "ok"}],
 "fr_dolly.jsonl": [{"instruction": "Quelle est la capitale de la France ?", "context": "", "response": "Paris.", "category": "open_qa"}],
 "shp.jsonl": [{"post_id": "x", "history": Q, "human_ref_A": "Lyon.", "human_ref_B": A, "labels": 0, "score_A": 1, "score_B": 10}],
 "pairwise.jsonl": [{"question": Q, "left_answer": "Lyon.", "right_answer": A, "left_score": 2, "right_score": 9}],
 "evalreport.json": {"model": "m", "results": [{"prompt": Q, "results": [{"outputs": [A]}]}]},
 "mtbench_answers.jsonl": [{"question_id": 81, "answer_id": "x", "model_id": "m", "choices": [{"index": 0, "turns": [A, A2]}]}],
 "wildchat.jsonl": [{"conversation_hash": "h", "model": "gpt-4", "conversation": [{"content": Q, "role": "user", "language": "English", "toxic": False}, {"content": A, "role": "assistant", "language": "English"}]}],
 "belle_multiturn.jsonl": [{"instruction": "Human:"+Q+"\nAssistant:"+A+"\nHuman:"+Q2+"\nAssistant:", "input": "", "output": A2}],
 "sharegpt_fr_roles.jsonl": [{"conversations": [{"from": "utilisateur", "value": "Quelle est la capitale ?"}, {"from": "assistant", "value": "Paris."}]}],
 "dialog_speaker.jsonl": [{"dialog": [{"speaker": "USER", "text": Q}, {"speaker": "SYSTEM", "text": A}]}],
 "qa_nested.jsonl": [{"query": Q, "answers": {"text": [A], "answer_start": [0]}}],
 "csv_like_columns.jsonl": [{"Question": Q, "Answer": A}],
 "chinese_keys.jsonl": [{"问题": "法国的首都是哪里？", "回答": "巴黎。"}],
 "prompt_completion_list.jsonl": [{"prompt": [{"role": "user", "content": Q}], "completion": [{"role": "assistant", "content": A}]}],
 "text_only_chatml.jsonl": [{"text": "<|im_start|>user\n"+Q+"<|im_end|>\n<|im_start|>assistant\n"+A+"<|im_end|>"}],
 "llama2_inst.jsonl": [{"text": "<s>[INST] "+Q+" [/INST] "+A+" </s>"}],
}

EXTRA = {
 # French / Russian / Chinese SFT and eval files
 "fr_suffixed_keys.jsonl": [{"instruction_fr": "Quelle est la capitale de la France ?", "input_fr": "", "output_fr": "Paris.", "instruction": Q, "output": A}],
 "fr_texte_reponse.jsonl": [{"texte": "Quelle est la capitale de la France ?", "réponse": "Paris."}],
 "fr_question_reponse_caps.jsonl": [{"Question": "Quelle est la capitale de la France ?", "Réponse": "Paris."}],
 "ru_vopros_otvet.jsonl": [{"вопрос": "Какая столица Франции?", "ответ": "Париж."}],
 "ru_caps.jsonl": [{"Вопрос": "Какая столица Франции?", "Ответ": "Париж."}],
 "ru_csv_semicolon.csv": "Вопрос;Ответ\nКакая столица Франции?;Париж.\nА Германии?;Берлин.\n",
 "zh_wen_da.json": [{"问": "法国的首都是哪里？", "答": "巴黎。"}],
 "zh_ceval.jsonl": [{"id": 0, "question": "法国的首都是？", "A": "里昂", "B": "巴黎", "C": "马赛", "D": "尼斯", "answer": "B", "explanation": "巴黎是法国首都。"}],
 "zh_cmmlu.csv": "Question,A,B,C,D,Answer\n法国的首都是？,里昂,巴黎,马赛,尼斯,B\n",
 "zh_gaokao.json": {"keywords": "2010-2022_Geography_MCQs", "example": [{"year": "2010", "category": "（新课标）", "question": "法国的首都是？A.里昂 B.巴黎", "answer": ["B"], "analysis": "巴黎。", "index": 0, "score": 5}]},
 "conv_role_message.jsonl": [{"conversations": [{"role": "Human", "message": Q}, {"role": "Assistant", "message": A}]}],
 "zh_firefly_multi.jsonl": [{"conversation_id": 1, "category": "Brainstorming", "conversation": [{"human": "法国的首都是哪里？", "assistant": "巴黎。"}, {"human": "德国呢？", "assistant": "柏林。"}]}],
 "zh_coig_cqia.jsonl": [{"instruction": "法国的首都是哪里？", "input": "", "output": "巴黎。", "task_type": {"major": ["问答"], "minor": ["地理"]}, "domain": ["通用"], "metadata": "", "answer_from": "human", "human_verified": True, "copyright": ""}],
 "ru_saiga_bot.jsonl": [{"messages": [{"role": "system", "content": "Ты — Сайга."}, {"role": "user", "content": "Какая столица Франции?"}, {"role": "bot", "content": "Париж."}]}],
 # English public layouts
 "pku_saferlhf.jsonl": [{"prompt": Q, "response_0": "Lyon.", "response_1": A, "is_response_0_safe": True, "is_response_1_safe": True, "better_response_id": 1, "safer_response_id": 1}],
 "nectar.jsonl": [{"prompt": "\n\nHuman: " + Q + "\n\nAssistant: ", "answers": [{"answer": "Lyon.", "model": "m1", "rank": 2.0}, {"answer": A, "model": "m2", "rank": 1.0}], "turns": 1, "num_responses": 2, "source": ["sharegpt"]}],
 "stack_exchange_paired.jsonl": [{"qid": 1, "question": Q, "date": "2010/01/01", "metadata": ["u"], "response_j": A, "response_k": "Lyon."}],
 "hc3.jsonl": [{"id": "0", "question": Q, "human_answers": [A], "chatgpt_answers": ["Paris, of course."]}],
 "openai_evals.jsonl": [{"input": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": Q}], "ideal": A}],
 "mmlu_choices.jsonl": [{"question": "The capital of France is", "subject": "geography", "choices": ["Lyon", "Paris", "Nice", "Lille"], "answer": 1}],
 "humaneval.jsonl": [{"task_id": "HumanEval/0", "prompt": "def add(a, b):\n", "canonical_solution": "    return a + b\n", "test": "assert add(1,2)==3", "entry_point": "add"}],
 "aya.jsonl": [{"inputs": Q, "targets": A, "language": "English", "language_code": "eng", "annotation_type": "original-annotations", "user_id": "u"}],
 "belle_multiturn_zh.jsonl": [{"instruction": "Human:法国的首都是哪里？\nAssistant:巴黎。\nHuman:德国呢？\nAssistant:", "input": "", "output": "柏林。"}],
 "oig_text.jsonl": [{"text": "<human>: " + Q + "\n<bot>: " + A, "metadata": {"source": "x"}}],
 "dolly_ru.jsonl": [{"instruction": "Какая столица Франции?", "context": "", "response": "Париж.", "category": "open_qa"}],
 "prompt_list_questions.jsonl": [{"id": 1, "questions": [Q, Q2]}],
 "camel_ai.jsonl": [{"role_1": "Physicist_RoleType.ASSISTANT", "topic;": "geo", "sub_topic": "capitals", "message_1": Q, "message_2": A}],
 "orca_math.jsonl": [{"question": "2+2?", "answer": "4"}],
 "chatbot_arena_pairs_zh.jsonl": [{"question_id": "x", "model_a": "m1", "model_b": "m2", "winner": "tie", "conversation_a": [{"role": "user", "content": "法国的首都是哪里？"}, {"role": "assistant", "content": "巴黎。"}], "conversation_b": [{"role": "user", "content": "法国的首都是哪里？"}, {"role": "assistant", "content": "巴黎市。"}]}],
 "rm_static.jsonl": [{"prompt": "\n\nHuman: " + Q + "\n\nAssistant:", "response": " " + A, "chosen": " " + A, "rejected": " Lyon."}],
 "alpaca_gpt4_zh_json.json": [{"instruction": "法国的首都是哪里？", "input": "", "output": "巴黎。"}],
 # evaluation logs and reports, pairwise and answer files, prompt-only lists
 "helm.jsonl": [{"instance": {"id": "i1", "input": {"text": Q}, "references": [{"output": {"text": A}, "tags": ["correct"]}]}, "predicted_text": A}],
 "oai_evals_log.jsonl": [{"run_id": "r", "event_id": 1, "sample_id": "s.0", "type": "sampling", "data": {"prompt": [{"role": "user", "content": Q}], "sampled": [A]}}],
 "promptfoo.json": {"results": {"results": [{"prompt": {"raw": Q, "label": "p"}, "response": {"output": A}, "vars": {}, "success": True, "score": 1}]}},
 "inspect_log.json": {"eval": {"task": "t"}, "samples": [{"id": 1, "input": Q, "target": A, "messages": [{"role": "user", "content": Q}, {"role": "assistant", "content": A}], "scores": {}}]},
 "openai_batch_out.jsonl": [{"id": "b1", "custom_id": "req-1", "response": {"status_code": 200, "body": {"choices": [{"message": {"role": "assistant", "content": A}}]}}}],
 "arena_hard_answers.jsonl": [{"question_id": "q1", "answer_id": "a", "model_id": "m", "choices": [{"index": 0, "turns": [{"content": A, "token_len": 7}]}], "tstamp": 1.0}],
 "crosswoz_usr_sys.jsonl": [{"messages": [{"role": "usr", "content": "你好"}, {"role": "sys", "content": "您好"}]}],
 "lccc_strings.jsonl": [{"dialog": ["你好", "你好呀", "吃了吗", "吃了"]}],
 "opencompass_preds.json": {"0": {"origin_prompt": Q, "prediction": A, "gold": "Paris"}, "1": {"origin_prompt": Q2, "prediction": A2, "gold": "Berlin"}},
 "ru_mera.jsonl": [{"instruction": "Вопрос: {question}\nОтвет:", "inputs": {"question": "Какая столица Франции?"}, "outputs": "Париж", "meta": {"id": 1}}],
 "alpaca_eval_annotations.json": [{"instruction": Q, "output_1": "Lyon", "output_2": A, "generator_1": "a", "generator_2": "b", "preference": 2.0}],
 "judgelm.jsonl": [{"question_id": 1, "question_body": Q, "answer1_body": A, "answer2_body": "Lyon", "score": [[9, 2]]}],
 "mt_bench_human_judgments.jsonl": [{"question_id": 81, "model_a": "x", "model_b": "y", "winner": "model_a", "judge": "h", "conversation_a": [{"role": "user", "content": Q}, {"role": "assistant", "content": A}], "conversation_b": [{"role": "user", "content": Q}, {"role": "assistant", "content": "Lyon"}], "turn": 1}],
 "zh_alignbench.jsonl": [{"question_id": 1, "category": "基本任务", "subcategory": "x", "question": "法国的首都是哪里？", "reference": "巴黎"}],
 "zh_prompts_only.json": [{"id": 1, "问题": "法国的首都是哪里？"}, {"id": 2, "问题": "德国呢？"}],
 "ru_prompts_semicolon.csv": "id;Вопрос\n1;Какая столица Франции?\n2;А Германии?\n",
 "fr_prompts_consigne.jsonl": [{"id": 1, "consigne": "Quelle est la capitale ?", "catégorie": "géo"}],
 "eval_outputs_ru.jsonl": [{"id": 1, "lang": "ru", "prompt": "Какая столица Франции?", "model": "m", "output": "Париж", "score": 5}],
 "model_outputs_by_model.jsonl": [{"prompt": Q, "model_outputs": {"gpt4": A, "llama": "Lyon"}}],
 # reading comprehension and multiple-choice evaluation files
 "fr_fquad_nested.json": {"version": "1.0", "data": [{"title": "Paris", "paragraphs": [{"context": "Paris est la capitale de la France.", "qas": [{"id": "q1", "question": "Quelle est la capitale ?", "answers": [{"text": "Paris", "answer_start": 0}]}]}]}]},
 "zh_cmrc_nested.json": {"version": "v1.0", "data": [{"paragraphs": [{"id": "p1", "context": "巴黎是法国首都。", "qas": [{"question": "法国首都是？", "id": "q1", "answers": [{"text": "巴黎", "answer_start": 0}]}]}], "id": "d1", "title": "巴黎"}]},
 "ru_sberquad_flat.jsonl": [{"id": 1, "title": "Т", "context": "Париж — столица Франции.", "question": "Какая столица?", "answers": {"text": ["Париж"], "answer_start": [0]}}],
 "arc.jsonl": [{"id": "Mercury_1", "question": {"stem": "Which is a planet?", "choices": [{"text": "Moon", "label": "A"}, {"text": "Mars", "label": "B"}]}, "answerKey": "B"}],
 "hellaswag.jsonl": [{"ind": 1, "activity_label": "Cooking", "ctx": "A man cracks an egg", "endings": ["and fries it.", "and flies away."], "label": 0}],
 "logiqa.jsonl": [{"context": "All A are B.", "query": "Which follows?", "options": ["x", "y", "z", "w"], "correct_option": 2}],
 "drop.jsonl": [{"section_id": "s", "query_id": "q", "passage": "Three goals.", "question": "How many goals?", "answers_spans": {"spans": ["3"], "types": ["number"]}}],
 "boolq.jsonl": [{"question": "is paris the capital of france", "passage": "Paris is the capital.", "answer": True}],
 "triviaqa.jsonl": [{"question": "Capital of France?", "question_id": "t1", "answer": {"value": "Paris", "aliases": ["Paris"], "normalized_value": "paris"}}],
 "c3_zh.jsonl": [{"context": ["男：你好", "女：你好"], "question": "他们在做什么？", "choice": ["打招呼", "吃饭"], "answer": "打招呼"}],
 "ifeval_prompts.jsonl": [{"key": 1000, "prompt": "Write a 300+ word summary.", "instruction_id_list": ["punctuation:no_comma"], "kwargs": [{}]}],
 "arena_hard_questions.jsonl": [{"question_id": "q1", "category": "arena-hard-v0.1", "cluster": "c", "turns": [{"content": "Write a poem."}]}],
 # answer and prompt keys named in other languages, short keys
 "fr_reponse_attendue.jsonl": [{"consigne": "Quelle est la capitale ?", "réponse_attendue": "Paris."}],
 "ru_pravilny_otvet.jsonl": [{"вопрос": "Какая столица Франции?", "правильный_ответ": "Париж."}],
 "ru_etalon.jsonl": [{"id": 1, "вопрос": "Какая столица Франции?", "эталон": "Париж."}],
 "zh_biaozhun_daan.jsonl": [{"问题": "法国的首都是哪里？", "标准答案": "巴黎。", "解析": "常识"}],
 "zh_user_question_model_reply.jsonl": [{"用户问题": "法国的首都是哪里？", "模型回复": "巴黎。"}],
 "ground_truth.jsonl": [{"question": Q, "ground_truth": A}],
 "q_a.jsonl": [{"q": Q, "a": A}],
 # pairwise files with keys and verdicts in other languages, option letters
 "ru_pairwise_winner.jsonl": [{"вопрос": "Какая столица Франции?", "ответ_a": "Лион.", "ответ_b": "Париж.", "победитель": "b"}],
 "fr_pairwise_gagnant.jsonl": [{"question": "Quelle est la capitale ?", "réponse_gauche": "Lyon.", "réponse_droite": "Paris.", "gagnant": "droite"}],
 "zh_pairwise_shengzhe.jsonl": [{"问题": "法国的首都是哪里？", "回答1": "里昂。", "回答2": "巴黎。", "胜者": "回答2"}],
 "aqua_letter.jsonl": [{"question": "The capital of France?", "options": ["A)Lyon", "B)Paris"], "rationale": "Paris.", "correct": "B"}],
 "zh_agieval.jsonl": [{"passage": None, "question": "法国的首都是？", "options": ["(A)里昂", "(B)巴黎"], "label": "B", "answer": None, "other": None}],
 "zh_cmb_option_dict.jsonl": [{"exam_type": "医师考试", "question": "法国的首都是？", "option": {"A": "里昂", "B": "巴黎"}, "answer": "B", "explanation": "常识"}],
}

#: expected outcome per case: the answer text the first row must end with (default: A, or the
#: case's own), ``reject:<reason>`` or ``prompts``.
EXPECT = {
    "saiga.jsonl": "Париж.", "zhihu.jsonl": "巴黎。", "gsm8k.jsonl": "#### 4", "math.jsonl": "x=1",
    "moss.jsonl": A2, "ultrachat.jsonl": A2,
    "cvalues.jsonl": "巴黎。", "firefly.jsonl": "巴黎。", "ru_alpaca.jsonl": "Париж.", "fr_dolly.jsonl": "Paris.",
    "mtbench_answers.jsonl": "reject:answer_without_prompt", "belle_multiturn.jsonl": A2,
    "sharegpt_fr_roles.jsonl": "Paris.", "chinese_keys.jsonl": "巴黎。",
    "fr_suffixed_keys.jsonl": A, "fr_texte_reponse.jsonl": "Paris.", "fr_question_reponse_caps.jsonl": "Paris.",
    "ru_vopros_otvet.jsonl": "Париж.", "ru_caps.jsonl": "Париж.", "ru_csv_semicolon.csv": "Париж.",
    "zh_wen_da.json": "巴黎。", "zh_ceval.jsonl": "B", "zh_cmmlu.csv": "B", "zh_gaokao.json": "B",
    "zh_firefly_multi.jsonl": "柏林。", "zh_coig_cqia.jsonl": "巴黎。", "ru_saiga_bot.jsonl": "Париж.",
    "orca_math.jsonl": "4", "humaneval.jsonl": "return a + b", "chatbot_arena_pairs_zh.jsonl": "巴黎。",
    "hc3.jsonl": A, "belle_multiturn_zh.jsonl": "柏林。", "mmlu_choices.jsonl": "Paris",
    "alpaca_gpt4_zh_json.json": "巴黎。", "dolly_ru.jsonl": "Париж.", "prompt_list_questions.jsonl": "prompts",
    "openai_batch_out.jsonl": "reject:answer_without_prompt", "arena_hard_answers.jsonl": "reject:answer_without_prompt",
    "crosswoz_usr_sys.jsonl": "您好", "lccc_strings.jsonl": "吃了", "ru_mera.jsonl": "Париж", "zh_alignbench.jsonl": "巴黎",
    "zh_prompts_only.json": "prompts", "ru_prompts_semicolon.csv": "prompts", "fr_prompts_consigne.jsonl": "prompts",
    "eval_outputs_ru.jsonl": "Париж",
    "fr_fquad_nested.json": "Paris", "zh_cmrc_nested.json": "巴黎", "ru_sberquad_flat.jsonl": "Париж", "arc.jsonl": "B",
    "hellaswag.jsonl": "A. and fries it.", "logiqa.jsonl": "C. z", "drop.jsonl": "3", "boolq.jsonl": "true",
    "triviaqa.jsonl": "Paris", "c3_zh.jsonl": "打招呼", "ifeval_prompts.jsonl": "prompts",
    "arena_hard_questions.jsonl": "prompts",
    "fr_reponse_attendue.jsonl": "Paris.", "ru_pravilny_otvet.jsonl": "Париж.", "ru_etalon.jsonl": "Париж.",
    "zh_biaozhun_daan.jsonl": "巴黎。", "zh_user_question_model_reply.jsonl": "巴黎。",
    "ru_pairwise_winner.jsonl": "Париж.", "fr_pairwise_gagnant.jsonl": "Paris.", "zh_pairwise_shengzhe.jsonl": "巴黎。",
    "aqua_letter.jsonl": "B. B)Paris", "zh_agieval.jsonl": "B. (B)巴黎", "zh_cmb_option_dict.jsonl": "B",
}
#: a few cases where the whole conversation must come out turn by turn (user, assistant, ...).
TURNS = {"moss.jsonl": 4, "ultrachat.jsonl": 4, "belle_multiturn.jsonl": 4, "belle_multiturn_zh.jsonl": 4,
         "zh_firefly_multi.jsonl": 4}


def write(path: Path, recs) -> None:
    if isinstance(recs, str):
        path.write_text(recs)
    elif path.suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n")
    else:
        path.write_text(json.dumps(recs, ensure_ascii=False))


def check(name: str, res) -> tuple[bool, str]:
    want = EXPECT.get(name, A)
    if want.startswith("reject:"):
        reasons = [r["drop_reason"] for r in res.rejects]
        return (not res.rows and reasons and set(reasons) == {want[7:]}), ",".join(sorted(set(reasons)))
    if want == "prompts":
        return (not res.rows and bool(res.prompts) and not res.rejects), f"{len(res.prompts)} prompts"
    if not res.rows:
        return False, f"no rows; prompts={len(res.prompts)} {res.rejected_by_reason()}"
    msgs = res.rows[0]["messages"]
    got = msgs[-1]["content"]
    ok = msgs[-1]["role"] == "assistant" and got.strip().endswith(want.strip()) or want.strip() in got
    n = sum(m["role"] in ("user", "assistant") for m in msgs)
    if name in TURNS and n != TURNS[name]:
        ok = False
    return ok, " | ".join(f"{m['role'][0]}:{m['content'][:24]!r}" for m in msgs)[:150]


def main() -> int:
    cases = {**LEAD, **EXTRA}
    passed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, recs in cases.items():
            p = Path(tmp) / name
            write(p, recs)
            try:
                res = read_file(p, "probe")
            except Exception as exc:  # noqa: BLE001 - a probe reports every failure
                print(f"{name:32} FAIL exception {type(exc).__name__}: {exc}")
                continue
            ok, desc = check(name, res)
            passed += ok
            print(f"{name:32} {'ok  ' if ok else 'FAIL'} {res.format:20} {desc}")
    print(f"{passed} / {len(cases)} layouts read as expected ({len(LEAD)} from the lead's probe, {len(EXTRA)} added)")
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
