"""Layout-detection benchmark: real records re-laid out into every layout the readers claim to read.

What it does: takes real (user, assistant) pairs from ../shared/data (English Alpaca, Chinese
hikariming/BELLE, ShareGPT zh and multi-turn ShareGPT) and the MT-Bench prompts, writes them into
one file per layout (ShareGPT, OpenAI messages, dialog/speaker with role names in fr/ru/zh/es/de/ja,
strings, history pairs, Alpaca, question/answer under many names, nested answers, candidate lists,
preference, pairwise, evaluation reports, split objects, CSV/TSV, Parquet, Arrow, dialogue text,
prompt-only lists; and the public layouts of issue 9's probe: MOSS turn dicts, UltraChat ``data``,
UltraFeedback scores, Nectar ranks, preference key pairs, SHP, USER/SYSTEM dialogues, CAMEL, MMLU answer
index, nested SQuAD, Russian/Chinese answer keys, ``;`` CSV), reads each with ``read_file`` by auto-detection alone (no mapping), and reports
per layout: records, conversations read, prompts, rejects, and whether the assistant text read is
the expected one. Exit status 1 when any answer-holding layout reads < 95% or a prompt-only record
is rejected as malformed/unrecognized.

Run (from the repo root; ~10 s)::

    .venv/bin/python benchmarks/read_layouts.py [--n 200] [--data ../shared/data] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curate.readers import read_file  # noqa: E402

LANG_ROLES = {  # (user, assistant) role values as users write them
    "fr": ("UTILISATEUR", "Assistant"), "ru": ("Пользователь", "Ассистент"), "zh": ("用户", "助手"),
    "es": ("Usuario", "Asistente"), "de": ("Benutzer", "Assistent"), "ja": ("ユーザー", "アシスタント"),
    "en-upper": ("USER", "ASSISTANT"), "en-bot": ("human", "bot"),
}


def pairs(data: Path, n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` real single-turn (user, assistant) pairs from four shared files, mixed languages."""
    out: list[tuple[str, str]] = []
    for name in ["alpaca_5000.json", "hikariming_alpaca-0-3252_zh_checked.json", "belle_dev1K.json",
                 "medicalgpt_sharegpt_zh_1K.json"]:
        res = read_file(data / name, "b", limit=400)
        for r in res.rows:
            m = r["messages"]
            if len(m) >= 2 and m[0]["role"] == "user" and m[1]["role"] == "assistant" and m[0]["content"].strip() \
                    and m[1]["content"].strip():
                out.append((m[0]["content"], m[1]["content"]))
    random.Random(seed).shuffle(out)
    return out[:n]


def prompts(data: Path) -> list[str]:
    return [json.loads(x)["turns"][0] for x in (data / "fastchat_mt_bench_question.jsonl").read_text().splitlines() if x.strip()]


def build(tmp: Path, P: list[tuple[str, str]], Q: list[str]) -> dict[str, tuple[Path, list[str] | None]]:
    """Write every layout; returns ``{layout: (file, expected assistant texts or None for prompts)}``."""
    files: dict[str, tuple[Path, list[str] | None]] = {}
    answers = [a for _, a in P]

    def jsonl(name: str, recs: list, expect: list[str] | None = None) -> None:
        p = tmp / f"{name}.jsonl"
        p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n")
        files[name] = (p, answers if expect is None else expect)

    def js(name: str, obj, expect: list[str] | None = None) -> None:
        p = tmp / f"{name}.json"
        p.write_text(json.dumps(obj, ensure_ascii=False))
        files[name] = (p, answers if expect is None else expect)

    jsonl("sharegpt", [{"conversations": [{"from": "human", "value": q}, {"from": "gpt", "value": a}]} for q, a in P])
    jsonl("openai_messages", [{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": q},
                                            {"role": "assistant", "content": a}]} for q, a in P])
    for lang, (u, b) in LANG_ROLES.items():
        jsonl(f"dialog_speaker_{lang}", [{"dialog": [{"speaker": u, "text": q}, {"speaker": b, "text": a}]} for q, a in P])
    jsonl("conversation_author_message", [{"conversation": [{"author": "user", "message": q},
                                                            {"author": "model", "message": a}]} for q, a in P])
    jsonl("chatgpt_export_author_parts", [{"messages": [{"author": {"role": "user"}, "content": {"parts": [q]}},
                                                        {"author": {"role": "assistant"}, "content": {"parts": [a]}}]}
                                          for q, a in P])
    jsonl("turns_role_content", [{"turns": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in P])
    jsonl("dialogue_strings", [{"dialogue": [q, a]} for q, a in P])
    jsonl("chatglm_history", [{"history": [["hi", "hello"]], "query": q, "response": a} for q, a in P])
    jsonl("alpaca", [{"instruction": q, "input": "", "output": a} for q, a in P])
    for pk, rk in [("question", "answer"), ("question", "std_answer"), ("prompt", "completion"), ("query", "response"),
                   ("problem", "solution"), ("input", "target"), ("human", "assistant"), ("Instruction", "Response"),
                   ("问题", "回答"), ("вопрос", "ответ"), ("prompt", "gpt4_answer"), ("question", "best_answer")]:
        jsonl(f"pair_{pk}_{rk}", [{"id": i, pk: q, rk: a} for i, (q, a) in enumerate(P)])
    jsonl("pair_with_system", [{"system_prompt": "Tu es utile.", "question": q, "answer": a} for q, a in P])
    jsonl("nested_answer_text", [{"question": q, "answer": {"text": a, "score": 1}} for q, a in P])
    jsonl("candidate_outputs", [{"prompt": q, "outputs": [a, "second candidate"]} for q, a in P])
    jsonl("answer_message_dict", [{"question": q, "answer": {"role": "assistant", "content": a}} for q, a in P])
    jsonl("preference_strings", [{"prompt": q, "chosen": a, "rejected": "no"} for q, a in P])
    jsonl("preference_dict", [{"question": q, "chosen": {"role": "assistant", "content": a},
                               "rejected": {"role": "assistant", "content": "no"}} for q, a in P])
    jsonl("preference_full_lists", [{"prompt": q, "chosen": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
                                     "rejected": [{"role": "user", "content": q}, {"role": "assistant", "content": "no"}]}
                                    for q, a in P])
    jsonl("pairwise_grades", [{"question": q, "left_answer": "worse", "right_answer": a, "left_grade": 3, "right_grade": 8}
                              for q, a in P])
    jsonl("pairwise_winner", [{"prompt": q, "model_a": "m1", "model_b": "m2", "response_a": a, "response_b": "worse",
                               "winner": "model_a"} for q, a in P])
    js("eval_report", {"model": "my-model", "date": "2026-11-30", "results": [
        {"prompt": q, "results": [{"sampling": "greedy", "outputs": [a, "sample 2"]}]} for q, a in P]})
    half = len(P) // 2
    js("split_object", {"train": [{"instruction": q, "output": a} for q, a in P[:half]],
                        "test": [{"instruction": q, "output": a} for q, a in P[half:]]})
    for ext, delim in (("csv", ","), ("tsv", "\t")):
        p = tmp / f"table.{ext}"
        with p.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter=delim)
            w.writerow(["Question", "Answer"])
            w.writerows(P)
        files[f"table_{ext}"] = (p, answers)
    import polars as pl

    pq = tmp / "messages.parquet"
    pl.DataFrame({"messages": [[{"role": "user", "content": q}, {"role": "assistant", "content": a}] for q, a in P]}).write_parquet(pq)
    files["parquet_messages"] = (pq, answers)
    jsonl("text_dialogue", [{"text": f"### Human: {q} ### Assistant: {a}"} for q, a in P],
          [a.strip() for a in answers])
    jsonl("firefly_pair_turns", [{"conversation_id": i, "conversation": [{"human": q, "assistant": a}]}
                                 for i, (q, a) in enumerate(P)])
    jsonl("columnar_messages", [{"messages": {"role": ["user", "bot"], "content": [q, a]}} for q, a in P])
    js("keyed_predictions", {str(i): {"origin_prompt": [{"role": "HUMAN", "prompt": q}], "prediction": a, "gold": "x"}
                             for i, (q, a) in enumerate(P)})
    jsonl("text_llama2", [{"text": f"<s>[INST] {q} [/INST] {a} </s>"} for q, a in P], [a.strip() for a in answers])
    jsonl("text_chatml", [{"text": f"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>"} for q, a in P],
          [a.strip() for a in answers])
    jsonl("pairwise_judgelm", [{"question_id": i, "question_body": q, "answer1_body": "meh", "answer2_body": a,
                                "score": [[3, 9]]} for i, (q, a) in enumerate(P)])
    jsonl("lm_eval_doc", [{"doc_id": i, "doc": {"question": q}, "target": a, "resps": [["x"]]} for i, (q, a) in enumerate(P)])
    # public layouts added for the lead's probe (issue 9 gaps)
    jsonl("moss_turn_dicts", [{"conversation_id": i, "chat": {"turn_1": {
        "Human": f"<|Human|>: {q}<eoh>\n", "Inner Thoughts": "<|Inner Thoughts|>: None<eot>\n",
        "Commands": "<|Commands|>: None<eoc>\n", "Tool Responses": "<|Results|>: None<eor>\n",
        "MOSS": f"<|MOSS|>: {a}<eom>\n"}}} for i, (q, a) in enumerate(P)], [a.strip() for a in answers])
    jsonl("ultrachat_data_strings", [{"id": str(i), "data": [q, a]} for i, (q, a) in enumerate(P)])
    jsonl("ultrafeedback_scores", [{"instruction": q, "completions": [
        {"model": "m1", "response": "worse", "overall_score": 3.0}, {"model": "m2", "response": a, "overall_score": 8.5}]}
        for q, a in P])
    jsonl("nectar_ranks", [{"prompt": f"\n\nHuman: {q}\n\nAssistant: ", "answers": [
        {"answer": "worse", "model": "m1", "rank": 2.0}, {"answer": a, "model": "m2", "rank": 1.0}]} for q, a in P],
        [a.strip() for a in answers])
    for good, bad in (("pos_resp", "neg_resp"), ("response_j", "response_k"), ("good", "bad")):
        jsonl(f"preference_{good}", [{"question": q, good: a, bad: "worse"} for q, a in P])
    jsonl("shp_pairs", [{"post_id": str(i), "history": q, "human_ref_A": "worse", "human_ref_B": a, "score_A": 1,
                         "score_B": 9, "labels": 0} for i, (q, a) in enumerate(P)])
    jsonl("dialog_user_system", [{"dialog": [{"speaker": "USER", "text": q}, {"speaker": "SYSTEM", "text": a}]}
                                 for q, a in P])
    jsonl("camel_numbered", [{"role_1": "x", "message_1": q, "message_2": a} for q, a in P])
    jsonl("mmlu_answer_index", [{"question": q, "choices": ["worse", a], "answer": 1} for q, a in P],
          [f"B. {a}" for a in answers])
    js("squad_nested", {"version": "1", "data": [{"title": "t", "paragraphs": [
        {"context": "ctx", "qas": [{"id": str(i), "question": q, "answers": [{"text": a, "answer_start": 0}]}]}]}
        for i, (q, a) in enumerate(P)]})
    jsonl("ru_keys_pravilny_otvet", [{"вопрос": q, "правильный_ответ": a} for q, a in P])
    jsonl("zh_keys_biaozhun_daan", [{"问题": q, "标准答案": a} for q, a in P])
    p = tmp / "table_semicolon.csv"
    with p.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Вопрос", "Ответ"])
        w.writerows(P)
    files["table_semicolon_csv"] = (p, answers)
    # prompt-only layouts: expected None (every record a prompt)
    p = tmp / "prompts_lines.txt"
    p.write_text("\n".join(x.replace("\n", " ") for x in Q) + "\n")
    files["prompts_lines_txt"] = (p, None)
    js("prompts_bare_strings", Q, None)
    files["prompts_bare_strings"] = (files["prompts_bare_strings"][0], None)
    for name, recs in {"prompts_turns_content": [{"turns": [{"content": q}]} for q in Q],
                       "prompts_prompt_key": [{"id": i, "prompt": q} for i, q in enumerate(Q)],
                       "prompts_question_empty_answer": [{"question": q, "answer": ""} for q in Q],
                       "prompts_mt_bench": [{"question_id": i, "category": "x", "turns": [q, "and more"]} for i, q in enumerate(Q)]}.items():
        jsonl(name, recs)
        files[name] = (files[name][0], None)
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--keep", default=None, help="write the layout files here (else a temp folder)")
    args = ap.parse_args()
    data = Path(args.data)
    P, Q = pairs(data, args.n), prompts(data)
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="read-layouts-"))
    tmp.mkdir(parents=True, exist_ok=True)
    files = build(tmp, P, Q)
    bad = False
    tot_ans = tot_conv = 0
    print(f"{'layout':36} {'detected as':18} {'records':>7} {'convs':>6} {'prompts':>7} {'rejects':>7} {'right text':>10}")
    for name, (path, expect) in files.items():
        res = read_file(path, "bench")
        rej = res.rejected_by_reason()
        if expect is None:
            bad_rej = {k: v for k, v in rej.items() if k in ("malformed_record", "unrecognized_record")}
            ok = not bad_rej and len(res.prompts) == res.records and not res.rows
            right = "-"
        else:
            got = [r["messages"][-1]["content"] for r in res.rows]
            n_right = sum(g == e for g, e in zip(got, expect))
            right = f"{n_right}/{len(expect)}"
            tot_ans += len(expect)
            tot_conv += n_right
            ok = n_right >= 0.95 * len(expect)
        bad |= not ok
        print(f"{name:36} {res.format:18} {res.records:7} {len(res.rows):6} {len(res.prompts):7} "
              f"{len(res.rejects):7} {right:>10}{'' if ok else '   <-- FAIL ' + json.dumps(rej)}")
    print(f"\nanswer-holding records read as the right conversation: {tot_conv}/{tot_ans} "
          f"({100 * tot_conv / max(tot_ans, 1):.1f}%); files in {tmp}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
