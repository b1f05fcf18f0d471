"""The synonym table: every key name and role value the readers recognise, in one place.

Layout detection (``curate.readers.formats.detect``) reads a record through a ``Vocab``: ordered
tuples of key names per meaning, plus a role-value map. ``DEFAULT`` is the table below; an input's
explicit mapping (``fields:``/``roles:`` in YAML, see ``curate.readers.mapping``) builds a ``Vocab``
whose mapped meanings hold only the user's key. Earlier names win when a record holds several.

=====================  ===========================================================================
meaning                keys (in priority order; case-sensitive record keys, compared lower-cased)
=====================  ===========================================================================
conversation list      conversations, messages, conversation, dialog, dialogue, dialogs, chat,
                       turns, utterances, chat_history, thread, 对话, диалог; ``data`` only for a
                       list of ≥ 2 strings beside an id key (UltraChat)
turn role              from, role, speaker, author, sender, who, participant, speaker_role, 角色,
                       роль, rôle, rol, rolle, type
turn text              value, content, text, message, utterance, msg, body, parts, prompt, 内容,
                       текст, contenu, texte, contenido, inhalt
prompt                 instruction, question, prompt, query, problem, input, human, user, request,
                       task, inputs, source, then 问题 指令 题目 问 输入 提问 вопрос инструкция
                       задание запрос consigne énoncé requête pregunta instrucción frage anweisung,
                       demande, last ctx (HellaSwag), text, texte, content, q (its answer: a)
context (appended)     input, context, inputs, query, passage, document, article, paragraph, contexte,
                       entrée, контекст, ввод, 上下文, 背景, 输入, kontext, contexto
                       (only when it is not the prompt key)
response               output, response, answer, std_answer, completion, target, reply, solution,
                       chosen, assistant, gpt, bot, best_answer, ref_answer, reference_answer,
                       model_output, model_answer, generation, prediction, outputs, responses,
                       answers, completions, generations, predictions, candidates, targets, reference,
                       generated_text, ideal (OpenAI evals), ground_truth, expected, expected_output,
                       回答 答案 输出 回复 解答 答 ответ решение réponse reponse respuesta antwort
                       risposta resposta
system                 system, system_prompt, system_message, sys, sys_prompt
history                history, chat_history (``[[user, assistant], ...]`` or a turn list)
id                     id, uid, question_id, idx, sample_id, example_id, conversation_id,
                       prompt_id, task_id, _id
rejected               rejected, rejected_response, rejected_answer
preference pairs       chosen/rejected, pos_resp/neg_resp, response_j/response_k, good/bad,
                       positive/negative, accepted/rejected, preferred/dispreferred, better/worse...
                       (``PREFERENCE_PAIRS``: the first key is kept, the second goes to meta.rejected)
turn dicts             ``{"turn_1": {"Human": .., "MOSS": ..}, "turn_2": ..}`` (keys turn_N, round_N,
                       N) under a conversation key: turns in key order, speaker → text
=====================  ===========================================================================

A key not in the prompt list counts as a prompt when one of its tokens is ``prompt``, ``question``,
``instruction``, ``query``, ``problem``, ``input``, ``message`` or ``request`` or their Russian, French,
Spanish, German equivalents (``origin_prompt``, ``question_body``, ``user_input``, ``вопрос_текст``), or,
for a CJK key, it contains 问题/指令/提问/题目 (``用户问题``); and no token is a bookkeeping word or an
answer/system word. Answer keys likewise by ``RESPONSE_TOKENS`` (with ``réponse``, ``ответ``, ``эталон``,
``expected``...: ``réponse_attendue``, ``правильный_ответ``) or CJK 答案/回答/回复/输出 (``标准答案``). A key not in the response list still counts as a response when one of its
``_``/``-``/camelCase/letter-digit tokens is a response word (``answer``, ``output``, ``response``, ``completion``, ``reply``,
``solution``, ``generation``, ``prediction``, ``target``, ``predicted``, ``sampled``; e.g. ``gpt4_answer``,
``modelOutput``, HELM ``predicted_text``, OpenAI evals ``sampled``) and
none is a bookkeeping word (``id``, ``len``, ``score``, ``time``, ``tokens``...).

Role values (lower-cased, surrounding spaces removed) → canonical role; ShareGPT/FastChat,
OpenAI, OpenAssistant, LLaMA-Factory names and their French, Russian, Chinese, Spanish, German,
Japanese, Portuguese and Italian equivalents are in ``ROLE_VALUES``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

CANONICAL_ROLES = ("system", "user", "assistant", "tool")

#: role value (lower-cased) → canonical role.
ROLE_VALUES: dict[str, str] = {}
for _role, _names in {
    "user": [
        "human", "user", "prompter", "usr", "customer", "client", "questioner", "asker", "question",
        "q", "instruction", "humans", "person",
        "utilisateur", "utilisatrice", "humain", "humaine",          # fr
        "пользователь", "человек", "юзер", "клиент", "вопрос",       # ru
        "用户", "人类", "提问者", "问", "问题", "客户", "使用者", "user用户",  # zh
        "usuario", "usuaria", "humano", "cliente",                   # es (pt: humano, cliente)
        "benutzer", "benutzerin", "nutzer", "nutzerin", "mensch", "anwender", "kunde",  # de
        "ユーザー", "ユーザ", "人間", "利用者",                        # ja
        "usuário", "utente", "umano",                                # pt, it
    ],
    "assistant": [
        "gpt", "assistant", "bot", "model", "chatbot", "ai", "chatgpt", "bard", "bing", "claude",
        "gpt-4", "gpt4", "gpt-3.5", "gpt-3.5-turbo", "llm", "answer", "a", "response", "function_call",
        "assistente", "assistante", "modèle", "modele", "robot", "ia", "agent",  # fr, it/pt
        "ассистент", "помощник", "бот", "модель", "ии", "ответ",      # ru
        "助手", "助理", "机器人", "模型", "智能助手", "ai助手", "答", "回答", "小助手", "人工智能",  # zh
        "asistente", "modelo",                                        # es, pt
        "assistent", "assistentin", "modell", "ki",                   # de
        "アシスタント", "モデル", "ボット",                              # ja
        "modello",                                                    # it
    ],
    "system": [
        "system", "developer", "sys", "système", "systeme", "система", "системный", "系统",
        "系统提示", "sistema", "システム",
    ],
    "tool": [
        "tool", "function", "observation", "ipython", "tool_response", "function_response",
        "tool_result", "tool_output", "outil", "инструмент", "функция", "工具", "函数", "观察",
        "herramienta", "función", "werkzeug", "funktion", "ツール", "ferramenta", "strumento",
    ],
}.items():
    for _n in _names:
        ROLE_VALUES[_n.lower()] = _role

CONVERSATION_KEYS = ("conversations", "messages", "conversation", "dialog", "dialogue", "dialogs",
                     "chat", "turns", "utterances", "chat_history", "thread", "对话", "диалог")
ROLE_KEYS = ("from", "role", "speaker", "author", "sender", "who", "participant", "speaker_role",
             "角色", "роль", "rôle", "rol", "rolle")
TEXT_KEYS = ("value", "content", "text", "message", "utterance", "msg", "body", "parts", "prompt",
             "内容", "текст", "contenu", "texte", "contenido", "inhalt")
PROMPT_KEYS = ("instruction", "question", "prompt", "query", "problem", "input", "human", "user",
               "request", "task", "inputs", "source",
               "问题", "指令", "题目", "问", "输入", "提问", "вопрос", "инструкция", "задание", "запрос",
               "consigne", "énoncé", "requête",
               "pregunta", "instrucción", "frage", "anweisung", "demande", "ctx", "text", "texte", "content", "q")
CONTEXT_KEYS = ("input", "context", "inputs", "query", "passage", "document", "article", "paragraph",
                "contexte", "entrée", "контекст", "ввод", "上下文", "背景", "输入", "kontext", "contexto")
RESPONSE_KEYS = ("output", "response", "answer", "std_answer", "completion", "target", "reply",
                 "solution", "chosen", "assistant", "gpt", "bot", "best_answer", "ref_answer",
                 "reference_answer", "model_output", "model_answer", "generation", "prediction",
                 "outputs", "responses", "answers", "completions", "generations", "predictions",
                 "candidates", "targets", "reference", "generated_text", "ideal", "ground_truth",
                 "groundtruth", "expected", "expected_output",
                 "回答", "答案", "输出", "回复", "解答", "答", "ответ", "решение", "réponse", "reponse",
                 "respuesta", "antwort",
                 "risposta", "resposta")
SYSTEM_KEYS = ("system", "system_prompt", "system_message", "sys", "sys_prompt")
HISTORY_KEYS = ("history", "chat_history")
ID_KEYS = ("id", "uid", "question_id", "idx", "sample_id", "example_id", "conversation_id",
           "prompt_id", "task_id", "_id")
REJECTED_KEYS = ("rejected", "rejected_response", "rejected_answer")
#: (preferred, dispreferred) answer keys of preference records, in priority order; a pair other
#: than ``chosen`` counts only when both keys are present (CValues ``pos_resp``/``neg_resp``,
#: StackExchange-paired ``response_j``/``response_k`` with j preferred, ``good``/``bad``...).
PREFERENCE_PAIRS = (("chosen", "rejected"), ("pos_resp", "neg_resp"), ("response_j", "response_k"),
                    ("good", "bad"), ("positive", "negative"), ("accepted", "rejected"),
                    ("preferred", "dispreferred"), ("better", "worse"), ("good_response", "bad_response"),
                    ("positive_response", "negative_response"), ("preferred_response", "dispreferred_response"),
                    ("chosen_answer", "rejected_answer"), ("win", "lose"))
#: keys under which a list of two or more plain strings is a dialogue alternating user/assistant
#: only when the record also has an id key (UltraChat ``{"id", "data": [q, a, q, a]}``); a lone
#: ``{"data": [...]}`` object stays a wrapper of records. Conversation keys (``dialog``,
#: ``utterances``...) always alternate; ``turns`` holds user turns only (MT-Bench prompts).
STRING_DIALOGUE_KEYS = ("data", "dialogue_turns", "texts")
#: answer-holding keys of records that have no prompt (MT-Bench model answers ``choices``).
ANSWER_ONLY_KEYS = ("choices",)

#: containers of candidate answers walked when looking for nested outputs (evaluation reports).
NESTED_KEYS = ("results", "outputs", "samples", "generations", "completions", "candidates", "choices",
               "predictions", "responses", "answers", "model_outputs", "runs", "body")

PROMPT_TOKENS = frozenset({"prompt", "question", "instruction", "query", "problem", "input", "message", "request",
                           "вопрос", "задание", "инструкция", "запрос", "задача", "consigne", "énoncé", "requête",
                           "demande", "pregunta", "instrucción", "frage", "anweisung", "aufgabe"})
#: words inside CJK keys (which have no separators to split at) that mark a prompt / an answer:
#: ``用户问题``, ``原始指令`` / ``标准答案``, ``参考答案``, ``模型回复``.
CJK_PROMPT_WORDS = ("问题", "指令", "提问", "题目", "问句")
CJK_RESPONSE_WORDS = ("答案", "回答", "回复", "输出", "答复", "解答", "应答")
#: tokens that keep a key from being taken as the prompt by its words (``system_message``, ``input_ids``).
NOT_PROMPT_TOKENS = frozenset({"system", "sys", "assistant", "response", "answer", "output", "reply", "completion",
                               "chosen", "rejected", "ref", "reference", "gold"})
RESPONSE_TOKENS = frozenset({"answer", "answers", "output", "outputs", "response", "responses", "completion",
                             "completions", "reply", "replies", "solution", "solutions", "generation",
                             "generations", "prediction", "predictions", "target", "targets", "generated",
                             "predicted", "sampled", "expected", "ideal",
                             "réponse", "reponse", "sortie", "ответ", "ответы", "решение", "эталон", "respuesta",
                             "antwort", "risposta", "resposta"})
BOOKKEEPING_TOKENS = frozenset({"id", "ids", "idx", "index", "len", "length", "tokens", "token", "count", "num",
                                "time", "date", "score", "scores", "grade", "grades", "rating", "ratings",
                                "type", "format", "lang", "language", "start", "end", "url", "path", "file",
                                "rank", "label", "labels", "status", "model", "source", "usage", "cost",
                                "judgment", "judgement", "explanation", "feedback", "critique", "logprobs"})
#: pairs of side tokens marking two answers to compare (``left_answer``/``right_answer``...).
SIDES = (("left", "right"), ("a", "b"), ("1", "2"), ("first", "second"), ("0", "1"), ("gauche", "droite"))
GRADE_TOKENS = frozenset({"grade", "score", "rating", "reward", "points", "judge", "rank",
                          "оценка", "балл", "баллы", "рейтинг", "note", "puntuación", "puntuacion", "bewertung",
                          "punkte", "评分", "分数", "得分", "打分"})
WINNER_TOKENS = frozenset({"winner", "preferred", "preference", "better", "choice", "chosen", "verdict", "win",
                           "победитель", "лучший", "лучше", "предпочтение", "выбор", "gagnant", "meilleur",
                           "meilleure", "préférence", "preference", "ganador", "mejor", "preferencia", "gewinner",
                           "besser", "präferenz", "胜者", "获胜者", "获胜", "更好", "偏好", "优胜"})
#: keys that name the winner only when they hold a short label (``"grade": "left"``, ``"label": "B"``).
VERDICT_TOKENS = frozenset({"grade", "judgment", "judgement", "label", "result", "decision", "outcome", "vote"})
SPLIT_NAMES = frozenset({"train", "test", "validation", "valid", "dev", "eval", "evaluation", "val",
                         "training", "testing", "holdout", "calibration"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
                    r"|(?<=[\u3400-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u3400-\u9fff])")
_SEP = re.compile(r"[^0-9A-Za-z\u00c0-\uffff]+")


@lru_cache(maxsize=65536)
def _tokens(key: str) -> tuple[str, ...]:
    return tuple(t for t in _SEP.split(_CAMEL.sub("_", key).lower()) if t)


def tokens(key: str) -> list[str]:
    """Lower-cased word tokens of a key, split at ``_``/``-``/spaces, camelCase, letter-digit and
    CJK-Latin boundaries: ``gpt4_Answer`` → ``[gpt, 4, answer]``; ``modelOutput`` → ``[model, output]``;
    ``answer1_body`` → ``[answer, 1, body]``; ``回答A`` → ``[回答, a]``."""
    return list(_tokens(key))


def is_prompt_key(key: str) -> bool:
    """True for a key whose tokens hold a prompt word (``origin_prompt``, ``question_body``,
    ``user_prompt``) and no bookkeeping word (``question_id``, ``prompt_tokens``)."""
    toks = set(tokens(key))
    if toks & (BOOKKEEPING_TOKENS | NOT_PROMPT_TOKENS):
        return False
    return bool(toks & PROMPT_TOKENS) or (_has_cjk(key) and any(w in key for w in CJK_PROMPT_WORDS)
                                          and not any(w in key for w in CJK_RESPONSE_WORDS))


def is_response_key(key: str) -> bool:
    """True for a key that names an answer by the table or by its tokens (see module docstring)."""
    k = key.lower()
    if k in RESPONSE_KEYS:
        return True
    toks = set(tokens(key))
    if toks & BOOKKEEPING_TOKENS:
        return False
    return bool(toks & RESPONSE_TOKENS) or (_has_cjk(key) and any(w in key for w in CJK_RESPONSE_WORDS))


_CJK = re.compile(r"[\u3400-\u9fff]")


def _has_cjk(key: str) -> bool:
    return _CJK.search(key) is not None


@dataclass(frozen=True)
class Vocab:
    """Key names per meaning, in priority order, and the role-value map, as used by detection.

    ``mapped`` names the meanings an explicit mapping fixed (then only the user's key is looked up,
    and token-based response matching is off when ``response`` is mapped).
    """

    conversation: tuple[str, ...] = CONVERSATION_KEYS
    role: tuple[str, ...] = ROLE_KEYS
    text: tuple[str, ...] = TEXT_KEYS
    prompt: tuple[str, ...] = PROMPT_KEYS
    context: tuple[str, ...] = CONTEXT_KEYS
    response: tuple[str, ...] = RESPONSE_KEYS
    system: tuple[str, ...] = SYSTEM_KEYS
    history: tuple[str, ...] = HISTORY_KEYS
    id: tuple[str, ...] = ID_KEYS
    rejected: tuple[str, ...] = REJECTED_KEYS
    roles: dict[str, str] = field(default_factory=lambda: dict(ROLE_VALUES))
    mapped: frozenset[str] = frozenset()

    def role_of(self, raw: str) -> str | None:
        """Canonical role of a role value (any case, surrounding spaces and a trailing colon
        ignored: ``" Human: "`` → ``user``), or None when unknown."""
        key = raw.strip().lower()
        return self.roles.get(key) or self.roles.get(key.rstrip(":：").strip())

    def with_fields(self, fields: dict[str, str], roles: dict[str, str] | None = None) -> "Vocab":
        """A copy where each mapped meaning (``prompt``, ``response``, ``messages``, ``role``,
        ``content``, ``system``, ``id``, ``context``, ``history``, ``rejected``) is exactly the user's key,
        and ``roles`` (source value → canonical role) override the role table."""
        names = {"messages": "conversation", "content": "text", "chosen": "response", "query": "context"}
        changes = {names.get(k, k): (v,) for k, v in fields.items()}
        merged = dict(self.roles)
        for src, dst in (roles or {}).items():
            merged[src.strip().lower()] = dst
        return replace(self, **changes, roles=merged, mapped=frozenset(changes))


DEFAULT = Vocab()
