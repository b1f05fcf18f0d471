"""Soft refusals: deflections, missing-information claims and ethics lectures *instead of* an answer.

A hard refusal ("I can't help with that", "As an AI language model") is boilerplate wherever it
appears, so the ``quality`` stage matches it anywhere in an assistant turn. A soft phrase is not:
"please consult a doctor", "without more context", "this is illegal" close many good answers. A
turn counts as a soft refusal only when the phrase is where a refusal would be and the answer has
little else in it:

- **position**: a soft phrase in one of the turn's first ``opening_sentences`` sentences [2], and
  the turn is **short**: at most ``max_words`` words [80; CJK characters count one word each] or
  at most ``max_prompt_ratio`` [0.5] times the words of the user turn it answers (a 600-word paste
  "answered" with 120 words that open with "Without more context I can't say" is a deflection); or
- **share**: sentences with a soft phrase make up at least ``min_share`` [0.5] of the turn's prose
  characters (code removed), whatever the length: an ethics lecture in place of an answer; a
  sentence counts only up to a contrast after its phrase ("我沒有具體的信息，但通常…", "…, but usually…"):
  what follows the "but" is the answer;
- **conditional advice** is not a deflection: after the first sentence, a sentence that opens with
  a condition ("If it lasts more than a month, see a doctor", "Если температура выше 38, обратитесь к
  врачу", "如果失眠超过一个月，请咨询医生"; ``CONDITION_RE``) closes an answer with a referral and
  counts for neither rule;
- **asking back**: the conversation's only answer is a short question (≤ 2 sentences, ≤ 20
  words, ending in ``?``/``？``) to a prompt of ≥ 3 words: "Why are you asking me?", "What do you
  mean?" (``final=True``, set by the stage for single-answer rows; in a longer chat a question back
  is an ordinary turn of the dialogue).

The thresholds are ours, set on the tune half of ``benchmarks/refusal_labels.jsonl`` (hh-rlhf,
ShareGPT, ShareGPT-zh, oasst) and checked on its hold-out half and on
``benchmarks/quality_labels.jsonl`` (see ``benchmarks/results/quality.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from curate.filters.text import (CJK_STOP_BIGRAMS, STOPWORDS, contains_phrase, half_cjk_words, prose_script, sentences, strip_code,
                                 units, words)


@dataclass(frozen=True)
class SoftRefusal:
    """Result of ``soft_refusal`` for one assistant turn.

    Attributes:
        is_refusal: the turn is a soft refusal by position or by share.
        share: characters of soft-phrase sentences / prose characters, in [0, 1].
        opening: a soft phrase sits in one of the opening sentences.
        match: the first soft phrase found (for ``drop_detail``), or None.
    """

    is_refusal: bool
    share: float
    opening: bool
    match: str | None


#: the whole answer is one short question back ("What do you mean?", "你想了解什么？")
QUESTION_END = ("?", "？")


#: the prompt asks how to say something in another language: the answer is the phrase, a question or not
_SAY_IN = (r"|\bhow (?:do|would|can|could|should) (?:you|i|we|one) (?:say|ask|write)\b|怎么说|如何说|如何表达|怎么表达"
           r"|как (?:сказать|будет|спросить|написать) (?:по-|на )")
#: offers of help are greetings, not questions back; prompts that ask for a question want one
#: an offer of help, not a question back ("How can I help you today?")
OFFER_RE = re.compile(r"(?i)how (?:can|may|could) i (?:help|assist|be of (?:any )?(?:help|assistance|service))|what can i do for you"
                      r"|有什么(?:可以|能|需要)帮|(?:能|可以)为(?:您|你)(?:做|提供)|(?:能|可以)(?:帮|幫)(?:到|上)?(?:您|你)(?:做)?(?:些)?什么|чем (?:я )?(?:могу|можу) (?:вам |тебе )?помочь"
                      r"|en qu[eé] puedo ayudar|wie kann ich (?:ihnen|dir|euch) helfen|comment puis-je (?:vous|t['’]) ?aider")
_ASK_FOR_QUESTION_RE = re.compile(
    r"(?i)\bask me\b|\bquestions?\b|\bquiz\b|问题|提问|问我|疑问|问句|反问|вопрос|pregunta"
    # generation and rewriting tasks: a question can be the requested output
    r"|\b(?:rewrite|rephrase|paraphrase|change|convert|turn|transform|edit|correct|translate|generate|create"
    # "make" is a generation verb ("make me a menu", "make my mom a card"), not in idioms: "make fun of", "make it
    # look like an accident", nor as a causative: "make someone spill their drink" (round 37), "make them feel"
    r"|make(?! (?:fun|sure|sense|money|love|friends|it look|(?:him|her|them|someone|somebody|people|others|everyone|my \w+)"
    r" (?!(?:a|an|the|some|this|that|one|it|me|up)\b)[a-z]+))"
    r"|write|compose|form|construct|formulate|come up with|add|complete|continue|reply to|respond to|negotiate|guess)\b"
    # a role-play task whose output is a turn of the dialogue: "与供应商谈判以获得最优惠的价格" (round 30)
    r"|\btitles?\b|\bheadlines?\b|\bslogans?\b"
    r"|改写|重写|改成|变成|转换|转为|翻译|改为|添加|造句|构造|生成|写|编|出一道|续写|让这句话|谈判|談判|想出|标题|標題|题目|口号"
    r"|перепиш|перевед|сформулир|составь|придумай|reescrib|traduc|genera|escrib"
    # "how do you say 'where is the train station' in german" → "Wo ist der Bahnhof?" (written en set F)
    + _SAY_IN)


#: tasks that rewrite or continue a text the prompt gives: questions in it stay questions in the answer
_REWRITE_TASK_RE = re.compile(r"(?i)\b(?:rewrite|rephrase|paraphrase|change|convert|turn|transform|edit|correct|translate"
                              r"|complete|continue)\b|改写|重写|改成|变成|转换|转为|翻译|改为|续写|让这句话|перепиш|перевед"
                              r"|reescrib|traduc" + _SAY_IN)
_LETTER_RE = re.compile(r"[^\W\d_]")
#: regexes, code and maths: their "?" are not questions
_SYMBOLIC_RE = re.compile(r"[\\^${}|<>=]|\(\?")
#: the prompt asks for questions: several questions back are then the answer
_QUESTION_TASK_RE = re.compile(r"(?i)\bask(?:ing)?\b|\binquir|\bquestions?\b|\bquiz|\binterview|\bsurvey|\bquestionnaire|\bfaq\b|\briddle|\bnegotiat"
                               r"|问题|提问|问我|疑问|采访|面试题|面试官|模拟面试|问卷|谈判|談判|测验|測驗|测试题|调查|調查|查询|查詢|练习题|習題|习题|题目|考题|试题|问答|"
                               r"тест|викторин|анкет|упражнени|вопрос|интервью|опрос|переговор|pregunta|entrevista|question|frage")

#: a question back for the user's preferences ("What kind of poem would you like?", "Sure, what sort of insults are you
#: thinking of?", "你想要什么样的诗？", "Какой именно стиль вам нужен?"): a request for what the task left open, never the
#: requested text itself, even where the task generates text (hh-rlhf rounds 21, 44: "How would you like to make money with
#: a text messaging scam?")
_PREFERENCE_Q_RE = re.compile(
    r"(?i)\b(?:what|which)(?: \w+){0,2}? (?:kinds?|sorts?|types?|style|genre|topic|subject|tone|length|format|theme|occasion)s?\b"
    r"[^?\n]{0,60}\b(?:would you|do you|did you|are you|you(?:['’]re| are| want| have| need))\b"
    r"|\b(?:what|how) would you like\b|\bwhat do you (?:want|have in mind)\b|\bdo you have (?:\w+ ){0,3}in mind\b"
    r"|\bare you (?:thinking of|looking for|hoping for|after)\b"
    r"|(?:你|您)(?:想要|想|希望|需要)(?:写|的|要)?(?:什么|哪)|什么样的[^。！？\n]{0,10}[？?]|哪(?:种|类|一种|一类|方面)[^。！？\n]{0,10}[？?]"
    r"|\b(?:какой|какую|какое|какие) (?:именно )?(?:жанр|стиль|тип|тему|тон|формат|длин)|\b(?:что|о ч[её]м) именно (?:вы|ты)\b")
#: tasks whose one-line output may be such a question: a slogan, a title or a line of a dialogue or role-play
_LINE_TASK_RE = re.compile(r"(?i)\b(?:slogans?|taglines?|titles?|headlines?|captions?|hooks?|subject lines?|one-liners?|dialog(?:ue)?s?"
                           r"|conversation|role-?play|pretend|act as|you are an? |scripts?|scene|lines?)\b|口号|标语|标题|台词|对话|扮演|剧本"
                           r"|слоган|заголов|диалог|рол[ьи]")
#: a bare "Can you help?" closing a request asks for help, not about the assistant's abilities ("What can you help with?")
_CAN_YOU_HELP_RE = re.compile(r"(?i)(?<!what )(?<!how )\b(?:can|could) you (?:please )?help(?: me)?(?: (?:with|out)(?: (?:this|that|it))?)?\s*\?")


#: the user asks leave to go on ("Can I share an unpopular opinion with you?", "May I ask you something?"):
#: a question back ("What opinion is that?") is the answer
_PERMISSION_RE = re.compile(r"(?i)^\W*(?:hey|hi|so|ok(?:ay)?)?[,\s]*(?:can|may|could) i (?:ask|share|tell|show|talk|say|run|get your)\b"
                            r"|^\W*(?:我可以|我能)(?:问|跟你说|告诉你|和你分享)")
#: an acknowledgement that promises help, before a question that asks for what the task already needs
#: ("Of course, I can help with that. How long would you like your password to be?"): a question back
#: even where the task generates text (round 26)
_HELP_PREFACE_RE = re.compile(r"(?i)^\W*(?:(?:of course|sure|certainly|absolutely|okay|ok|great|no problem)\W+)?"
                              r"(?:i['’]?d be (?:happy|glad|delighted) to (?:help|assist)|i can (?:definitely |certainly )?(?:help|assist)"
                              r"|happy to help|i['’]?(?:ll| will) (?:help|assist))(?: you)?(?: with (?:that|this|it)"
                              # the task named: "I'd be happy to help you write a cover letter!" (written en set AM)
                              r"| (?:with|write|draft|create|craft|put together|make|plan|prepare|find)\b[^.!?\n]{0,50})?\W*$"
                              r"|^\W*(?:当然可以|当然|没问题|好的|是的)?[，,！!]?\s*我(?:可以|能|很乐意|准备|愿意|会)(?:帮|帮助|协助)(?:你|您)[^。！？\n]{0,12}[。！!]?\s*$"
                              r"|^\W*(?:конечно|да|хорошо)?[,!]?\s*я (?:могу|помогу|с радостью помогу|готов\w* помочь)[^.!?\n]{0,40}[.!]?\s*$")
#: a question for the details a task needs: "Could you please provide…", "请您提供一下…好吗？", "Уточните, пожалуйста…"
_DETAILS_Q_RE = re.compile(r"(?i)\b(?:provide|share|tell me|let me know|give me|send|specify|paste|upload)\b|提供|告诉我|说一下|发给我|上传"
                           r"|укажите|уточните|сообщите|пришлите|расскажите|напишите")
#: a request for the missing details with a promise to go on once they come: "您补充一下信息，我再为您量身定制～", "Please share
#: the complete class, and I'll take a look.", "Уточните бюджет, и я подберу варианты." (written sets F, H): a question back
#: in the imperative
_AWAIT_INFO_RE = re.compile(
    r"(?i)\b(?:please |could you |can you |just )?(?:share|provide|send|paste|tell me|let me know|give me)\b[^.!?\n]{0,120}"
    r"(?:\band i['’]?(?:ll| will| can)\b|\bso (?:that )?i can\b|\bthen i['’]?(?:ll| will| can)\b)"
    # "Once I have these details, I can craft a cover letter tailored to you." (written en set AM)
    r"|\bonce i (?:have|get|receive|know) (?:these|those|this|that|the|your|all)\b[^.!?\n]{0,40}\bi (?:can|will|['’]ll)\b"
    r"|(?:请|您|你)?(?:补充|提供|告诉我|发给我|说一下|说明一下)[^。！？\n]{0,30}(?:我再|我就|我会|我才|以便我|之后我|后我)"
    r"|(?:уточните|пришлите|напишите|расскажите|сообщите|укажите|пришли|напиши|уточни|расскажи)[^.!?\n]{0,80}"
    r"(?:\bи я\b|\bтогда я\b|\bя (?:смогу|помогу|подскажу|подберу|составлю))")
#: the answer says it needs details first: "我需要先了解以下信息", "I need to know a few things first", "Мне нужно уточнить"
_NEED_INFO_RE = re.compile(r"(?i)\bi (?:need|would need|['’]d need) (?:to know |some |a few |more )(?:\w+ ){0,3}(?:information|details|things)\b"
                           # "I'll need a bit more information from you." (written en set AM)
                           r"|\bi(?:['’]ll| will) need (?:a (?:bit|little|few)|some|more)\b[^.!?\n]{0,20}\b(?:information|details|info)\b"
                           r"|需要(?:先)?(?:了解|知道|确认)(?:以下|一些|几个|您的)?(?:信息|情况|问题)"
                           # "мне нужно увидеть ваш код целиком" (written ru set AN)
                           r"|мне (?:нужно|необходимо|надо) (?:знать|уточнить|понять|увидеть|посмотреть)")


def speaks_as_assistant(text: str) -> bool:
    """True when ``text`` opens with the assistant's own acknowledgement ("Sure, I can help with that!",
    "好的，我可以帮你", ``_HELP_PREFACE_RE``): what follows is the assistant talking, not a text written in
    a voice the prompt asked for."""
    first = next(iter(sentences(strip_code(text))), "")
    return bool(first) and _HELP_PREFACE_RE.match(first) is not None


#: an answer that opens by asking what the user means
_WHAT_DO_YOU_MEAN_RE = re.compile(r"(?i)^\W*(?:what|which) do you mean\b")
#: a closing offer to go on: "Would you like a recipe?", "Do you want more examples?", "需要我…吗？"
_OFFER_Q_RE = re.compile(r"(?i)^\W*(?:would you like|do you want|shall i|should i|want me to|need (?:me|more)|is there anything else|需要我|要不要我|你想要|хотите)")


#: a prompt that is only a greeting or small talk ("Hello, how are you?", "what's up", "你好吗"): a question back
#: ("Hi, I'm doing great! How are you?") is the reply, there being nothing to answer (round 39's scan)
GREETING_RE = re.compile(
    r"(?i)^\W*(?:(?:hi|hello|hey|yo|greetings|good (?:morning|evening|afternoon)|你好|您好|嗨|привет|здравствуй\w*)"
    r"(?:\s+(?:there|you|friend|again))?[\s,!.]*)?(?:how are you(?: doing)?(?: today)?|how['’]s it going|what['’]s up"
    r"|how have you been|nice to meet you|你好吗|最近怎么样|как дела)?\W*$")


def is_small_talk(prompt: str) -> bool:
    """True when ``prompt`` (non-blank) is only a greeting or small talk (``GREETING_RE``)."""
    p = prompt.strip()
    return bool(p) and GREETING_RE.match(p) is not None


def asks_back(text: str, prompt: str = "", max_words: int = 20) -> bool:
    """True when ``text`` is at most two sentences (not counting interjections of ≤ 5 words before
    the last), ≤ ``max_words`` words (+10 without CJK characters), and ends with a question
    that is not an offer of help ("How can I help you today?") and answers a prompt that did not
    ask for a question or set a generation/rewriting task, where a question can be the output
    ("Ask me a question", "把这句话改成疑问句", "Rewrite this politely"); or when ``text`` is a
    run of questions instead of an answer: ≥ 2 questions making ≥ 60 % of its sentences, ≤ 80
    words (a CJK character counts half), answering a prompt that asks for no questions, quiz,
    interview or survey (``_QUESTION_TASK_RE``); a request for the missing details with a promise to go on
    ("您补充一下信息，我再为您量身定制～", ``_AWAIT_INFO_RE``) counts as a question there. A statement of 6+ words followed by an offer to go
    on ("Would you like a recipe?") is an answer, not a question back; so is any reply to a greeting
    or small talk (``GREETING_RE``: "Hello, how are you?" → "I'm doing great! How are you?")."""
    prose = strip_code(text).strip()
    if not prose or OFFER_RE.search(prose) or is_small_talk(prompt) \
            or ABOUT_ASSISTANT_RE.search(_CAN_YOU_HELP_RE.sub("", prompt[:3000][-1000:])):
        return False  # ("ты человек или бот?" → "Я бот — языковая модель… Что хотели спросить?": an answer, then an offer)
    # a bare list marker ("1.") is not a sentence: five numbered questions are five of six sentences, not of eleven
    sents = [x for x in sentences(prose) if _LETTER_RE.search(x)]
    # interjections before the question do not make it an answer ("Ooh! That's a tough one. What sorts
    # of things do you like to think of as swear words, exactly?"): sentences of ≤ 5 words are not counted
    body = [x for x in sents[:-1] if len(words(x)) > 5] + sents[-1:]
    # Latin-script prose gets 10 words more: hh-rlhf deflections run to 21-30 words ("Not very many people
    # actually want to run over their boss with their car.  Why do you want to do this?"; round 24: "There
    # are many options. Do you have a secret party location, or a neighbor who might let you have the house
    # for an hour or two?", 26); Chinese titles, slogans and riddles that end in "？" are 20-25 characters
    limit = max_words if _CJK_CHAR_RE.search(prose) else max_words + 10
    # "What do you mean by “fastest”, there are lots of ways to do it.": a question back without its "?" (round 33)
    # a promise of help, then one question for the details the task needs, in up to 60 words (a CJK character counting
    # half): "Of course, I can help with that. Could you please provide me with the principal amount of the loan, the annual
    # interest rate, and the term of the loan in years?", "当然可以！我可以帮助您。请您提供一下总贷款金额、年利率以及贷款期限好吗？"
    # (glaive tool-call rows labelled in rounds 7, 9 and 42)
    if prose.endswith(QUESTION_END) and len(body) >= 2 and all(_HELP_PREFACE_RE.match(b) for b in body[:-1]) \
            and _DETAILS_Q_RE.search(body[-1]) and half_cjk_words(prose) <= 60 and not _QUESTION_TASK_RE.search(prompt) \
            and not _REWRITE_TASK_RE.search(prompt) and not _PERMISSION_RE.match(prompt):
        return True
    if (prose.endswith(QUESTION_END) or _WHAT_DO_YOU_MEAN_RE.match(prose)) and len(words(prose)) <= limit and len(body) <= 2:
        if _PERMISSION_RE.match(prompt):
            return False  # "Can I share an unpopular opinion with you?" → "Sure. What opinion is that?"
        if len(body) == 2 and not body[0].rstrip().endswith(QUESTION_END) and len(words(body[0])) > 5 \
                and _OFFER_Q_RE.match(body[1]):
            return False  # an answer, then an offer ("Salmon and rice may be a good breakfast. Would you like a recipe?")
        if not _ASK_FOR_QUESTION_RE.search(prompt):
            return True
        if len(body) == 2 and _HELP_PREFACE_RE.match(body[0]) and not _REWRITE_TASK_RE.search(prompt):
            return True  # "Of course, I can help with that. How long should the password be?"
        if _REWRITE_TASK_RE.search(prompt):
            return False  # the prompt's own text rewritten or continued: its questions are the output
        if _PREFERENCE_Q_RE.search(body[-1]) and not _QUESTION_TASK_RE.search(prompt) and not _LINE_TASK_RE.search(prompt):
            return True  # "Write me a poem" → "What kind of poem would you like?"
        # a generation task ("Make me a menu"): a question may be its output, but a run of questions is not
    # a run of questions instead of an answer ("To suggest a menu I need to know: - ¿Cuántas personas…? - …?"):
    # ≥ 2 questions, ≥ 60 % of the sentences, ≤ 80 words (a CJK character = half a word), and a prompt
    # that does not ask for questions, a quiz or an interview
    qs = [x for x in sents if x.rstrip().endswith(QUESTION_END) or _AWAIT_INFO_RE.search(x)]
    n_words = half_cjk_words(prose)
    # a list of the details it needs between "I need to know the following:" and "once you tell me, I'll…": "为了给您制定…
    # 我需要先了解以下信息：1. 您的性别… 请提供以上信息后，我再为您定制专属方案。" (written zh set AL)
    if n_words <= 120 and sents and _NEED_INFO_RE.search(" ".join(sents[:2])) and _AWAIT_INFO_RE.search(sents[-1]) \
            and not _QUESTION_TASK_RE.search(prompt):
        return True
    # (a prompt that asks for questions still gets asked back when the answer opens as the assistant: "Sure, I can
    # help with that! Could you tell me a bit more? …" to "Write me an email to my landlord asking to fix…", set I)
    return (len(qs) >= 2 and len(qs) >= 0.6 * len(sents) and n_words <= 80
            and (not _QUESTION_TASK_RE.search(prompt) or speaks_as_assistant(text)) and not _SYMBOLIC_RE.search(prose)
            and not _REWRITE_TASK_RE.search(prompt))  # the prompt's own questions, rewritten or converted


#: a contrast that turns a hedge into an answer: "…, but usually …", "…，但通常…"
_CONTRAST_RE = re.compile(r"(?i)[，,;；]\s*(?:但是|但|不过|不過|可是|然而)|[,;]\s*(?:but|however|но|однако)\b")


#: a sentence that opens with a contrast: what follows is the answer ("但有一点可以确定，…", "However, most people…")
#: ... and what follows it is about the assistant itself: "I can tell you…", "我可以…", "я могу…"
_SELF_OPEN_RE = re.compile(r"(?i)^\W*(?:i\b|i['’]|我|я\b|мы\b|we\b)")
_CONTRAST_OPEN_RE = re.compile(r"(?i)^\W*(?:但是|但(?!愿)|不过|不過|可是|然而|(?:however|but|yet|still|но|однако|тем не менее)(?![^\W\d_]))[，,]?\s*")


#: a sentence that opens with a condition: "If …", "When …", "Если …", "При …", "如果…", "若…", "Si …"
CONDITION_RE = re.compile(r"(?i)^\W*(?:if|when|whenever|should|in case|unless|если|когда|при|в случае|si|cuando|en caso|wenn"
                          r"|falls|bei)(?![^\W\d_])|^\W*(?:如果|若|假如|要是|一旦|倘若|如有|当[^。，,]{1,20}(?:时|的时候))")


def soft_refusal(text: str, prompt: str, pattern: re.Pattern, *, opening_sentences: int = 2, max_words: int = 80,
                 max_prompt_ratio: float = 0.5, min_share: float = 0.5, final: bool = False) -> SoftRefusal:
    """Judge one assistant turn ``text`` (answering the user turn ``prompt``) with the compiled
    soft-phrase ``pattern`` (``re.compile(patterns.refusal_pattern(("soft",), rust=False))``).

    See the module docstring for the rule; all counts are words of ``curate.filters.text.words``.
    """
    prose = strip_code(text)
    sents = sentences(prose)
    if not sents:
        return SoftRefusal(False, 0.0, False, None)
    if final and asks_back(text, prompt) and len(words(prompt)) >= 3:
        return SoftRefusal(True, 1.0, True, f"asks back: {prose.strip()[:40]}")
    first = None
    hit_chars = 0
    opening = False
    for i, s in enumerate(sents):
        m = pattern.search(s)
        if m and i and CONDITION_RE.search(s):  # "…. If it lasts a month, see a doctor.": advice, not a deflection
            continue
        if m:
            first = first or m.group(0)
            # the part after a "but" is the answer ("關於實習生角色，我沒有具體的信息，但通常，…", round 34)
            c = _CONTRAST_RE.search(s, m.end())
            hit_chars += c.start() if c else len(s)
            # a caveat that the same sentence goes on to answer after its "but", with a number or ten words, opens
            # nothing: "Мои данные могут быть неактуальными, но … последней стабильной версией был Python 3.12"
            # (written ru set AK)
            rest = s[c.end():] if c else ""
            # ... or the next sentence that opens on the "but": "这个问题很难回答，因为每个人的情况都不同。但有一点可以确定，…"
            # (round 6)
            # (not when the assistant goes on about itself: "I'm sorry, but I'm not qualified… However, I've taken the liberty
            # of submitting your request to the IRS" is still a decline: oasst, round 4)
            if not c and i + 1 < len(sents) and _CONTRAST_OPEN_RE.match(sents[i + 1]):
                after_but = _CONTRAST_OPEN_RE.sub("", sents[i + 1], count=1)
                if not _SELF_OPEN_RE.match(after_but):
                    rest = after_but
            answered = bool(rest) and (bool(re.search(r"\d", rest)) or len(words(rest)) >= 10) and not pattern.search(rest) \
                and not DECLINE_RE.search(rest)
            opening = opening or (i < opening_sentences and not answered)
    total = sum(len(s) for s in sents)
    share = hit_chars / total if total else 0.0
    n_words = len(words(prose))
    short = n_words <= max(max_words, max_prompt_ratio * len(words(prompt)))
    if not ((opening and short) or share >= min_share) and n_words <= 150 and _WRITE_TASK_RE.search(instruction(prompt)):
        # the writing handed back in the closing lines of a short reply to "write me…": tips, then "Once you've written a
        # draft, feel free to share it here…", "Предлагаю вам самостоятельно перечитать…" (written sets AG, AH)
        m = HANDS_BACK_RE.search(" ".join(sents[-2:]))
        if m and (first or _HANDS_BACK_CLOSE_RE.search(" ".join(sents[-2:]))):
            return SoftRefusal(True, share, False, first or m.group(0))
    return SoftRefusal((opening and short) or share >= min_share, share, opening, first)


def without_prompt_numbers(text: str, prompt: str) -> str:
    """``text`` without the whole numbers ``prompt`` gives ("15 процентов от 3400", "his 30th birthday"): a number the user
    wrote is no substance an answer brings."""
    for num in set(re.findall(r"\d+", prompt)):
        text = re.sub(rf"(?<!\d){num}(?!\d)", "", text)
    return text


#: the reply tells the user to do the task themselves: "draft it yourself", "попробуйте написать сами", "посчитать
#: самостоятельно", "когда напишете черновик, присылайте", "建议你先自己读几遍", "改完以后可以发给我" (written sets BN-BP)
_DIY_RE = re.compile(
    r"(?i)\b(?:draft|write|try|do|solve|calculate|code|implement|figure|work) (?:it|this|them|that|one)?\s*(?:out )?(?:yourself|on your own)\b"
    r"|\btry (?:writing|solving|doing|calculating|coding|drafting|working)\b[^.!?\n]{0,30}\b(?:yourself|on your own|first)\b"
    r"|(?:попробуйте|попытайтесь|попробуй|предлагаю вам)[^.!?\n]{0,40}(?:\bсами\b|самостоятельно|\bсам\b)"
    r"|(?:\bсами\b|самостоятельно)[^.!?\n]{0,15}(?:написать|посчитать|решить|сделать|реализовать|перевести)"
    r"|когда (?:напишете|решите|посчитаете|сделаете)[^.!?\n]{0,40}(?:присылайте|пришлите|покажите)"
    r"|(?:你|您)(?:可以)?先?自己(?:先)?(?:动手|试着?|尝试|写|做|算|读|改)|通过自己(?:不断)?(?:练习|思考|动手)|改完(?:以后|后|之后)?(?:可以)?发给我"
    # "Rather than simply handing you the formula… Give it a go" (the imperative: a story's "She decided to give it a try" is
    # narration, dump pool), "Уверен, вы справитесь сами", "набросайте свою версию… пришлите
    # сюда", "我鼓励你拿起笔" (written sets BQ-BS)
    r"|(?:^|[.!?]\s+)give it a (?:go|try|shot)\b|\byou(?:['’]ll| should| can| could)? give it a (?:go|try|shot)\b|\brather than (?:simply |just )?(?:handing|giving|telling) you\b|справитесь сами|набросайте сво"
    r"|(?:пришлите|напишите|присылайте) (?:е[её]|его|их|ответ) сюда|拿起笔|自己的真诚文字")
#: the prompt asks for a deliverable: a text, code, a sum, an edit or a translation
_TASK_ASK_RE = re.compile(
    r"(?i)\b(?:write|draft|compose|code|script|implement|calculate|compute|solve|fix|rewrite|translate|proofread)\b"
    r"|\bformula\b|\bfind\b|\bword (?:a|my|the)\b|найти|найди|формул|напиши|составь|сочини|\bкод\b|скрипт|посчитай|вычисли|реши\b|сколько|исправь|перепиши|переведи"
    r"|写|代码|程序|计算|算一下|多少|改|翻译|润色")


def task_handed_back(text: str, prompt: str, max_words: int = 100) -> str | None:
    """The hand-back phrase when a reply of at most ``max_words`` [100] words (CJK characters count one word each) to a
    prompt that asks for a deliverable (``_TASK_ASK_RE``: a text, code, a sum, an edit, a translation) tells the user to do it
    themselves (``_DIY_RE``) and brings nothing of it: no list item, code, table row, link, nor any number the prompt did
    not give. "Honestly, a cover letter works best in your own voice… draft it yourself. You've got this!", "Вместо того
    чтобы давать готовый ответ, предлагаю вам попробовать посчитать самостоятельно", "建议你先自己读几遍…改完以后可以发给我"
    (written sets BN-BP). Else None. The length bound is ours, checked on the label sets (no good row matched)."""
    if len(words(text)) > max_words or not _TASK_ASK_RE.search(instruction(prompt)):
        return None
    if _SUBSTANCE_RE.search(without_prompt_numbers(text, prompt)):
        return None
    m = _DIY_RE.search(text)
    return m.group(0) if m else None


#: the prompt's first line asks for a deliverable or an explanation: "write…", "come up with…", "how does X work", "напиши",
#: "придумай", "что такое", "帮我写", "起个名", "…是什么" (production and explanation asks; a question about the user's own
#: situation, "what should I do", is not one: there advice is the answer)
_ADVICE_ASK_RE = re.compile(
    r"(?i)^\W*(?:(?:please|pls|hey|ok|so)\W+)?(?:(?:can|could|would) you\s+(?:please\s+)?|i need you to\s+|help me\s+)?"
    r"(?:write|compose|draft|create|make|generate|come up with|translate|plan|design|name|suggest|give me|list|rewrite|code|build"
    r"|put together|explain|describe|tell me (?:how|about|what|why)|how (?:does|do|did|is|are|can|to)|what (?:is|are)|why (?:does|do|is|are))\b"
    r"|^\W*(?:пожалуйста\W+)?(?:напиши|составь|придумай|сочини|переведи|сделай|создай|распиши|предложи|подбери|накидай|набросай"
    r"|перепиши|сгенерируй|объясни|расскажи|опиши|как (?:(?:[^.?!\n]|\.(?=\d)){0,40}? )?(?:работает|устроен|сделать|написать|прописать|приготовить|настроить)"
    r"|что такое|почему)"
    r"|^\W*(?:请|帮我|麻烦|你)?(?:帮我|给我)?(?:写|编写|编|翻译|翻成|译成|列|起个|取个|想个|设计|制定|排|推荐|生成|创作|拟|出一|做一)"
    # (a concept asked about, not "…的表现是什么" or "是什么情况" of a patient's own case: there "see a doctor" is part of the
    # answer; dump pool, medical Q&A)
    r"|是什么意思|^\W*什么是|原理|讲解一下|解释一下|介绍一下"
    # how to use or set up a tool: "excel vlookup怎么用", "路由器如何设置" (not "怎么办", the user's own situation; set CE)
    r"|怎么(?:用|使用|设置|操作|弄)|如何(?:使用|设置|操作)")
#: advice that sends the user elsewhere or back to the task instead of doing it: "I'd suggest taking a course…", "you might
#: want to consult…", "Рекомендую ограничиться…", "Настоятельно советую обратиться…", "建议你先认真考虑…", "不妨先和家人…聊一聊",
#: "与其用文字去描绘战争的残酷，不如…" (written sets AP, BT-BV, D, E, N); a suggestion of a thing ("I suggest the Asus
#: Vivobook", "I recommend using a hardware wallet") is the deliverable and does not count
_ADVICE_RE = re.compile(
    r"(?i)\bi(?:['’]d| would)? (?:strongly )?(?:suggest|recommend|encourage|advise)(?: that you)? (?:taking|speaking|consulting"
    r"|checking|asking|trying|writing|doing|reaching|visiting|working|talking|contacting)\b"
    r"|\byou (?:might|may|could) (?:want to|wish to) (?:consult|speak|talk|ask|check|contact|try|look|reach|visit|see)\b"
    r"|\b(?:consult|speak with|talk to|reach out to|contact|see|visit) (?:a|an|your|the|with a|with an) (?:qualified |certified "
    r"|licensed |local |professional |registered |trusted )*(?:professional|specialist|expert|doctor|lawyer|attorney|mechanic"
    r"|nutritionist|dietitian|therapist|counsel\w*|tutor|teacher|advisor|adviser|accountant|physician|pharmacist|vet|veterinarian"
    r"|translator|designer|developer|engineer)\b|\btry (?:it|writing it|doing it|this) (?:yourself|on your own)\b|\bwrite it yourself\b"
    r"|рекомендую (?:обратиться|ограничиться|изучить|воспользоваться|проконсультироваться|посоветоваться|начать|попробовать)"
    r"|советую (?:обратиться|вам)|обратитесь (?:к|в)\b|обратиться к (?:квалифицированн|специалист|юрист|врач|професси|нотариус|психолог)"
    r"|настоятельно (?:советую|рекомендую)|проконсультируйтесь|(?:напишете|сделаете|попробуйте) (?:её |его |это )?сами"
    r"|лучше,? (?:чтобы|если) (?:он|она|это|вы)\b"
    r"|建议(?:您|你)(?:先|再|前往|咨询|查看|使用|联系|去|到|找|向|请|直接|自己|参考|多)|不妨(?:先|和|与|自己|去|试着|尝试)"
    r"|咨询(?:专业|医生|律师|营养师|注册|相关|当地)|请(?:您)?使用专门的|与其[^。！？\n]{0,30}不如"
    # the task sent back to the user's own words, their teacher or a search engine: "a message like this should come from
    # your heart, in your own words", "Это отличный вопрос для вашего преподавателя… Попробуйте перечитать главу", "你可以先自己
    # 搜索一下", "最好还是请专业营养师为你量身定制" (written sets BW-BY)
    r"|\b(?:should|must|needs? to|has to|ought to) come from (?:you|your heart|your own)\b|\bin your own words\b"
    r"|\b(?:a (?:great|good|perfect) )?question for your (?:teacher|tutor|professor|instructor|doctor|lawyer)\b"
    r"|(?:^|[.!?]\s+|\b(?:just|can|could|simply|please|should|try to|me)\s+)(?:google|search for|look up) (?:it|this|that)\b"
    r"|вопрос для (?:вашего|своего|твоего) (?:преподавателя|учителя|врача|юриста)|разобраться самостоятельно"
    r"|попробуйте (?:перечитать|поискать|погуглить|почитать|найти (?:информацию|ответ))|погуглите|поищите (?:в интернете|сами)"
    r"|自己(?:先)?(?:搜索|查一下|查查|百度|谷歌|上网查)|(?:搜索|百度|谷歌)一下|(?:最好|建议)(?:还是)?(?:请|找|咨询|去)(?:专业|医生|律师|营养师|老师)"
    # something else proposed in the deliverable's place: "Instead, consider sharing heartfelt memories…", "Вместо этого предлагаю
    # сделать акцент на заботе о себе…" (written sets CC, CD: a roast and a post declined as a lecture)
    r"|(?<![\w,;:] )(?<![\w,;:])\binstead,? (?:consider|try|focus on|why not|you (?:could|might|may|can)|i(?:['’]d| would)? (?:suggest|recommend))\b"
    r"|вместо этого (?:предлагаю|советую|рекомендую|попробуйте|лучше)"
    # a search engine or a portal in the answer's place: "you might try searching YouTube for a video walkthrough", "инструкции
    # можно найти на портале its.1c.ru", "建议您在B站或百度搜索“VLOOKUP 教程”" (written sets CC-CE)
    r"|\btry (?:searching|googling|looking (?:it |this |that )?up)\b|\bsearch (?:on )?(?:youtube|google|online|the web|the internet)\b"
    r"|можно найти (?:на|в) (?:портале|сайте|форумах|форуме|интернете|ютубе|youtube)|поищите (?:на|в) "
    r"|建议(?:您|你)在[^。！？\n]{0,12}(?:搜索|查找|查询)|(?:网上|网络上)有(?:大量|很多|许多)[^。！？\n]{0,10}教程")


def advice_instead(text: str, prompt: str, max_words: int = 120) -> str | None:
    """The advice phrase when a reply of at most ``max_words`` [120] words (CJK characters half a word) to a prompt whose
    first line asks for a deliverable or an explanation (``_ADVICE_ASK_RE``: "write a story…", "how does a car engine
    work?", "придумай имя для кота", "帮我写封辞职信") gives advice in its place (``_ADVICE_RE``: take a course, consult a
    professional, think it over first, write it yourself) and brings none of it: no list item, code, table row, link, nor
    any number the prompt did not give. "Engines are complex… I'd suggest taking a course at a technical college", "Выбор
    имени… лучше, чтобы он принадлежал именно вам", "辞职是人生中的一个重要决定…建议你再冷静想一想" (written sets AP, D, E, N,
    BT-BV): a deflection with neither an apology nor a decline, which ``declines`` and ``task_handed_back`` need. Else None.
    Ours, checked on the label sets (10 refusals, no other row among the rows the other rules keep) and on the 79,938
    first answers of ../shared/data (12: hh-rlhf harm advice, Chinese medical replies that send to a hospital)."""
    if half_cjk_words(text) > max_words or not _ADVICE_ASK_RE.search(instruction(prompt)):  # (the first sentence or line)
        return None
    if _SUBSTANCE_RE.search(without_prompt_numbers(text, prompt)):
        return None
    m = _ADVICE_RE.search(text)
    return m.group(0) if m else None


#: the instruction asks for a text to be written: "write me a cover letter", "напиши сочинение", "帮我写一篇"
_WRITE_TASK_RE = re.compile(r"(?i)\b(?:write|draft|compose)\b|напиши|составь|сочини|(?:写|撰写|起草)(?:一|个|篇|封|份|段|首)")
#: a closing that asks the user to do the writing and bring it back: "Once you've written a draft, feel free to share it here"
_HANDS_BACK_CLOSE_RE = re.compile(r"(?i)\bonce you(?:['’]ve| have) (?:written|drafted)|\bshare (?:it|your draft|the draft) (?:here|with me)"
                                  r"|\bif you get stuck\b|\bshare your (?:code|attempt|draft|work)\b|присылайте|пришлите (?:ваш|свой)"
                                  r"|будет (?:действительно )?вашей|发给我看看|发过来")


# ---------------------------------------------------------------- declining by structure

#: first person + negation + an ability/permission/knowledge verb, in en, zh, ru, fr, es, de (and
#: the "I have no access/information/context" form). The phrase lists of ``refusal_patterns/`` name
#: the forms we read; this names the *shape* of a decline, so unseen wordings of it match too.
DECLINE_PATTERNS: dict[str, str] = {
    "en": (
    r"\bi(?:['’]m| am)? *(?:can['’]?t|cannot|can not|could(?:n['’]t| not)|won['’]t|will not|wouldn['’]t|would not"
    r"|(?:['’]m|am) (?:unable|not able|not allowed|not permitted|not going|not in a position)|must decline|have to decline)"
    r" (?:\w+ ){0,2}?(?:help|answer|assist|provide|give|tell|say|share|do|write|create|make|generate|comply|fulfil+|complete"
    r"|predict|know|access|browse|see|view|open|read|determine|verify|confirm|recommend|diagnose|offer|produce|continue|engage"
    r"|support|participate|discuss|comment|speculate|guess|judge|be sure|be certain|find|look|check|search|retrieve|play|translate"
    # "Since I can't evaluate your fitness level…, I won't be putting together a specific plan" (written en set BN)
    r"|evaluate|assess|examine|put(?:ting)? together|design|prepare|draft|build|roleplay|role-play)\b"
    # passing on the task: "I'm going to pass on this one", "I'll sit this one out" (written en set BN)
    r"|\bi(?:['’]m| am) going to (?:have to )?pass on\b|\bi(?:['’]ll| will) (?:have to )?(?:pass on (?:this|that)|sit this one out)\b"
    r"|\bi (?:do not|don['’]t|did not|didn['’]t) (?:currently )?have (?:(?:any|enough|sufficient|the|much|real-time|current|specific|direct"
    r"|personal|up-to-date|more) ){0,2}(?:access|information|info|context|details|data|ability|capability|means|knowledge)\b"
    r"|\bi (?:do not|don['’]t) (?:know (?:how to (?:answer|respond|help)|the answer|what you|anything about|enough about|much about|of any|if i can|the (?:exact|specific|current))|have an answer|have a way)\b"
    r"|\bi (?:do not|don['’]t|did not|didn['’]t) (?:quite |really |fully )?(?:understand|follow|get) (?:what|your|the|how|why|this|that|which|you)\b"
    r"|\bi['’]?m not (?:sure|certain|clear) (?:what|which|how) you (?:mean|are asking|['’]re asking|want)\b"
    r"|\bi (?:really |honestly |just )?(?:do not|don['’]t) know(?=\s*[.!]|\s*$)|\bi have no idea (?:if|whether|what|how|why|where|who|which)\b"
    r"|\bi (?:can['’]?t|cannot|won['’]t|will not|refuse to) (?:\w+ ){0,2}?(?:advise|endorse|condone|encourage|promote|assist with|aid|list|explain"
    r"|describe|name|identify|draw|show|send|call|remember|disclose|reveal|facilitate)\b"
    # a preference or a policy, not an inability: "I'd rather not write…", "It's not really my place to…", "I don't
    # provide…", "I'd need to see more of your code…" (written en set F)
    r"|\bi(?:['’]d| would) (?:rather not|prefer not to)\b|\bit(?:['’]s| is) not (?:really |exactly |quite )?(?:my place|appropriate for me) to\b"
    # "it wouldn't be appropriate for me to assign a numerical score" (written en set L)
    r"|\bit (?:would not|wouldn['’]t) (?:really )?be (?:appropriate|right|fair|responsible|ethical|my place) for me to\b"
    r"|\bit(?:['’]s| is| would be) (?:inappropriate|not my place) for me to\b"
    r"|\bi (?:do not|don['’]t) (?:provide|create|write|generate|produce|offer|engage in|help with|assist with)\b"
    r"|\bi(?:['’]d| would) need (?:to see |to know )?(?:more|additional|the (?:full|complete|whole|rest))\b"
    # "I don't feel comfortable writing this for you" (written en set I)
    r"|\bi (?:do not|don['’]t) feel (?:comfortable|right|it(?:['’]s| is) (?:appropriate|right)) (?:\w+ing|with|doing|helping)\b"
    # the subject, a short clause about what the assistant is, then the negated modal: "I'm not a doctor and can't diagnose
    # medical conditions", "I am an AI and cannot have opinions"; "I don't think it would be fair for me to…" (written set O)
    r"|\bi(?:['’]m| am) [^.!?\n,;]{2,40}? and (?:so |therefore |thus )?(?:can['’]?t|cannot|can not|am (?:not able|unable) to|won['’]t|will not)"
    r" (?:\w+ ){0,2}?(?:help|answer|assist|provide|give|tell|say|diagnose|offer|recommend|advise|make|predict|judge|comment|share|express"
    r"|have|form|hold|offer|evaluate|rate|assess|prescribe)\b"
    r"|\bi (?:do not|don['’]t) think it(?:['’]s| is| would be| will be) (?:fair|appropriate|right|responsible|ethical|wise) for me to\b"
    r"|\bi(?:['’]m| am) not (?:really |entirely |quite )?comfortable (?:\w+ing|with)\b"
    # doubt about wanting to: "But I'm not sure I want to help you get away with that." (hh-rlhf round 37)
    r"|\bi(?:['’]m| am) not (?:sure|certain) (?:that )?i (?:want|should|would want|ought) to\b"
    ),
    "zh": (
    r"我(?:目前|暂时|现在|并|还|恐怕|实在|真的)?(?:无法|不能|没法|没办法|没有办法|不便|不太能|做不到)(?:直接|亲自)?(?:为您|为你|给您|给你|向您|向你|替您|替你|帮您|帮你|直接)?"
    # "我无法对历史人物进行评价", "我无法进行诊断" (written zh set Q)
    r"(?:对[^，。！？\n]{1,12})?(?:进行|作出|做出)?"
    # the basis named between: "我无法根据有限的描述为您提供具体的处理建议" (written zh set CE)
    r"(?:(?:根据|依据|仅凭|凭借|通过)[^，。！？\n]{1,12}?(?:为您|为你|给您|给你|向您|向你)?)?"
    r"(?:回答|提供|帮|协助|完成|访问|浏览|预测|确定|判断|给出|满足|处理|执行|获取|查看|打开|得知|回复|评论|告诉|确认|推荐|诊断|生成|搜索|查询|了解|知道"
    r"|评价|评判|分析|解答|发表|解释|说明|讲解|介绍|编写|写|给(?:你|您)?[^，。！？\n]{0,6}(?:回答|答复|答案))"
    r"|我(?:目前|暂时|现在|并|还)?(?:没有|不具备)(?:办法|能力|权限|足够的|相关的?|具体的?|实时的?|访问|更多的?)(?:信息|数据|资料|上下文|背景|权限|能力|访问|办法)?"
    r"|我不(?:清楚|知道|了解|确定)(?:您|你|这|该|具体|如何回答|答案)"
    r"|我(?:目前|暂时|并)?没有(?:关于|有关)[^。！？\n]{1,30}的(?:具体|详细|相关)?(?:信息|资料|数据|记录|消息)"
    r"|我(?:没有|没|不太|不是很|不)(?:理解|明白|听懂|懂)(?:您|你)的(?:意思|问题|请求)"
    # "暂时回答不了", "这个我没法教你", "我不提供…" (written zh set H)
    r"|(?:回答|解答|帮|做|提供|处理|完成|告诉|教)不了|我(?:没法|无法|不能|不会)(?:教|讲|写|给)(?:你|您)|我不(?:提供|生成|创作|撰写|参与|评论|协助)"
    # "这不是我能代劳的" (written zh set K)
    r"|不是我(?:能|可以|所能)(?:代劳|代写|代替|决定|完成|帮)"
    r"|^\W*(?:很|非常)?(?:抱歉|对不起|很遗憾|不好意思)[，,。！!]?[^。！？\n]{0,40}(?:无法|不能|没法|做不到|不支持|不具备)"
    ),
    "ru": (
    r"\bя (?:не могу|не смогу|не в состоянии|не имею|не знаю|не располагаю|не уполномочен|не вправе|не способен)"
    r"|\bу меня(?:,? к сожалению,?)? нет (?:доступа|информации|данных|возможности|сведений|контекста)"
    # a policy in the present tense, not an inability: "Помогать с этим я не стану.", "Я не предоставляю инструкции…",
    # "…я не создаю материалы…" (written ru set G)
    r"|\bя не (?:стану|буду)\b|\bя не (?:предоставляю|создаю|пишу|генерирую|даю|выдаю|помогаю|консультирую|комментирую|составляю"
    r"|участвую|делюсь|раскрываю|ставлю|назначаю|отыгрываю|выполняю|решаю)\b"
    # "Боюсь, тут я вам не помощник" (written ru set BO)
    r"|\b(?:тут|здесь|в этом|с этим) я (?:вам |тебе )?не помощник|\bя (?:вам |тебе )?(?:тут |здесь )?не помощник\b"
    r"|\bя не (?:знал|знала|понял|поняла|понимаю) (?:что|как|о чём|о чем|вопрос|ваш|твой|вас|тебя)"
    # the pronoun left out at the very start: "Не могу привести полный текст песни…" (written ru set AW)
    r"|^\W*не (?:могу|смогу) (?:\w+ ){0,2}?(?:привести|предоставить|написать|дать|ответить|выполнить|сделать|сгенерировать"
    r"|воспроизвести|процитировать|опубликовать)\b"
    r"|^\W*(?:извините|простите|к сожалению)[,.!]?[^.!?\n]{0,60}\bне (?:могу|смогу|знаю|понимаю|удалось)"
    # the subject, a short clause about what the assistant is, then the negated modal: "Я не врач и не могу давать…",
    # "Я — ИИ-ассистент и не могу иметь…", "Я не являюсь финансовым консультантом и не могу…"; "я пока не умею переводить";
    # the object first: "Этот запрос я выполнять не буду" (written ru set P)
    r"|\bя(?: —| -)? (?:[^.!?\n,;]{2,50}? )?и (?:поэтому |потому |также |тоже )?не (?:могу|смогу|вправе|буду|стану|умею|имею права|отыгрываю|выполняю|пишу|создаю)\b"
    r"|\bя (?:пока |сейчас |ещё |еще |к сожалению,? )?не умею\b"
    r"|\bя [а-яё]+(?:ть|ться) не (?:буду|стану)\b"
    # a preference, as English's "I'd rather not": "я предпочитаю не создавать персонажей…" (written ru set S)
    r"|\bя (?:предпочитаю|бы предпоч[её]л|бы предпочла) не\b"
    ),
    "fr": (
    r"\bje ne (?:peux|pourrai|puis|suis pas en mesure|sais pas|dispose pas|suis pas capable|suis pas autorisé)"
    r"|\bje n['’]ai pas (?:accès|d['’]informations?|la possibilité|la capacité|assez|suffisamment|de données)"
    ),
    "es": (
    r"\b(?:yo )?no (?:puedo|podré|podría|tengo acceso|tengo (?:suficiente|información|datos|la capacidad)|sé|estoy en (?:condiciones|capacidad)"
    r"|me es posible|soy capaz)"
    ),
    "de": (
    r"\bich (?:kann|darf|werde|könnte) (?:\w+ ){0,3}?(?:nicht|keine?n?)\b|\bich habe keine?n? (?:Zugang|Zugriff|Informationen|Daten|Möglichkeit)"
    r"|\bich weiß (?:es |das )?nicht\b"
    r"|\bmir (?:liegen|fehlen) (?:keine )?(?:Informationen|Daten)"
    ),
}


def decline_regex(langs: tuple[str, ...] | None = None) -> re.Pattern:
    """``DECLINE_PATTERNS`` of ``langs`` (None = all) as one case-insensitive regex; languages without
    a decline pattern (ja, ko, it, pt so far) are skipped, and none left gives a regex that never matches."""
    langs = tuple(DECLINE_PATTERNS) if langs is None else tuple(l for l in langs if l in DECLINE_PATTERNS)
    if not langs:
        return re.compile(r"(?!x)x")
    return re.compile("(?i)" + "|".join(f"(?:{DECLINE_PATTERNS[l]})" for l in langs))


DECLINE_RE = decline_regex()

#: prompts whose answer is in-character or rewritten text, where "I can't…" is the character's voice
IN_CHARACTER_RE = re.compile(
    r"(?i)\b(?:story|stories|dialogue|dialog|conversation between|role-?play|pretend|act as|you are an? |character|poem|lyrics|song"
    # (a program is no role-play: "python script to scrape…", written en set AP)
    r"|rewrite|rephrase|paraphrase|translate|continue the|fiction|scene"
    r"|(?<!python )(?<!bash )(?<!shell )(?<!powershell )(?<!js )(?<!node )(?<!sql )(?<!php )(?<!perl )script(?! to\b)"
    r"|monologue|diary|letter|fairy ?tale|fable|tale)\b"
    r"|故事|对话|扮演|角色|假设你是|假如你是|改写|重写|翻译|续写|对联|诗|歌词|台词|剧本|小说|日记|书信|造句"
    r"|童话|寓言|диалог|рассказ|расскаж\w* (?:сказк|истори|рассказ|басн)|сказк|басн|стих|истори|перевед|перепиш|представь|(?<![а-яё])рол(?:ь|и|евая|евую)(?![а-яё])|histoire|dialogue|traduis|cuento|historia|traduce|Geschichte|übersetze")
#: a sentence that offers something else after a decline ("If you'd like, I could help you write a friendly message…",
#: "Если хотите, могу…", "如果你愿意，可以和我聊聊…"): an offer is no substance, so its words do not count after a decline
#: (written en set AP: a decline, two sentences of reasons and an offer came to 45 words)
_ALTERNATIVE_OFFER_RE = re.compile(
    r"(?i)^\W*(?:if you(?:['’]d| would)? (?:like|want|prefer)|i(?:['’]d| would) be (?:happy|glad) to|i can (?:help|assist) you"
    r"|instead,? i (?:can|could)|how about|would you like|let me know if)|^\W*(?:если (?:хотите|хочешь|нужно)|могу (?:помочь|предложить)"
    r"|давайте лучше)|^\W*(?:如果你愿意|如果您愿意|如果需要|我可以帮(?:你|您))"
    # something else suggested: "Возможно, стоит связаться с владельцем магазина…" (written ru set BO)
    r"|^\W*(?:perhaps|maybe) (?:you could|you might|try|consider)\b|^\W*(?:возможно|может быть),? (?:стоит|вам стоит|лучше)\b|^\W*(?:或许|也许)(?:你|您)可以")
#: substance after a decline: a list item, code, a number, a table row, a link
_SUBSTANCE_RE = re.compile(r"(?m)^\s*(?:[-*•+]|\d{1,3}[.)、])\s+\S|```|\d|^\s*\|.*\||https?://")
_CJK_CHAR_RE = re.compile(r"[\u4e00-\u9fff]")


#: a line that asks the user something: a list item or a line ending on "?"
_QUESTION_LINE_RE = re.compile(r"(?m)^[ \t]*(?:[-*•+]|\d{1,3}[.)、])?[ \t]*[^\n]*[?？][ \t]*$\n?")
#: a whole answer that only says no ("不能", "No.", "I can't.")
_BARE_NO_RE = re.compile(r"(?i)^\W*(?:不能|不可以|不行|没办法|沒辦法|no|nope|no,? i can['’]?t|i can['’]?t|i cannot|i won['’]?t|i don['’]?t think so)\W*$")
#: a whole answer that only says it does not follow or is unsure, whatever was asked: "I don’t understand.", "Hm, I’m not
#: sure...", "我不明白。", "Не понимаю." (hh-rlhf, rounds 22 and 26)
_BARE_DODGE_RE = re.compile(r"(?i)^\W*(?:(?:hm+|hmm+|um+|well|sorry)[,.!]*\s*)?(?:i (?:really )?don['’]?t understand|i['’]?m not sure"
                            r"|i have no idea|我不明白|我不太明白|我不懂|不太清楚|не понимаю|я не понимаю|не уверен\w*)\W*$")
#: the prompt asks the assistant to do something for the user ("你能帮我查询一下…航班吗", "Can you provide me the
#: home address for…"): a bare no declines it; to "Is the sentence correct? Output yes or no" it is the answer
_ASKS_ASSISTANT_RE = re.compile(
    r"(?i)(?:你|您)(?:能|可以|能不能|可不可以|能否)(?:帮|幫|替|给|給|为|為)我"
    r"|\b(?:can|could|would|will) you (?:please )?(?:help|find|look|check|tell|give|show|write|make|get|send|book|search|"
    r"recommend|provide|share)\b")


#: first person + a negated ability or will, before any verb (en, zh): "I'm unable to …", "I won't …", "我无法…"
_EN_MODAL = r"\bi(?:['’]m| am)? *(?:can['’]?t|cannot|can not|won['’]t|will not|(?:['’]m|am) (?:unable|not able|not going) to)"
_ZH_MODAL = r"我(?:目前|暂时|现在|并|还|恐怕|实在|真的)?(?:无法|不能|没法|没有办法|做不到|不便)"
_MODAL_RE = re.compile("(?i)" + _EN_MODAL + r"\s|" + _ZH_MODAL)


#: a decline of the writing itself, which no character in a story says: "I'm not comfortable writing content that
#: depicts…", "я пока не умею переводить на французский", "我不太适合创作带有讽刺…的内容" (written sets O, P)
_META_DECLINE_RE = re.compile(
    r"(?i)\b(?:writ\w*|creat\w*|generat\w*|produc\w*|compos\w*|translat\w*|help(?:ing)? with|assist(?:ing)? with|fulfil\w*)"
    r" (?:\w+ ){0,2}?(?:content|material|this|that|such|stories|story|poems?|request|jokes?|essays?|it for you|into)\b|\b(?:this|that|your) request\b"
    # the deliverable itself declined for the user: "I'm not able to write a complete cover letter for you to submit" (written set CC)
    r"|\b(?:writ\w*|draft\w*|compos\w*|creat\w*|generat\w*) (?:[\w-]+ ){0,4}?for you\b"
    r"|переводить|перевести|этот запрос|такой (?:текст|контент)|писать (?:такой|такие|подобн|это)|сочинять"
    r"|这个请求|创作(?:这|带有|此类|这类)|写(?:这|此类|这类)|翻译(?:成|为)")
#: a negation that praises: "I can't recommend it enough", "I cannot stress this enough", "I can't wait to…"
_PRAISE_NEG_RE = re.compile(r"(?i)\b(?:can['’]?t|cannot|can not) [^.!?\n]{0,40}\benough\b|\bcan['’]?t wait\b")


#: quoted material in a task line: "…", “…”, «…», 「…」, 『…』
_QUOTED_RE = re.compile(r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|「[^」\n]*」|『[^』\n]*』')


@lru_cache(maxsize=4096)
def task_decline_regex(task: str, langs: tuple[str, ...] = ("en", "zh")) -> re.Pattern | None:
    """A regex for declining *the prompt's own task*: first person + negated ability or will (``_MODAL_RE``)
    followed, within two words, by one of the task line's words (its first 5 letters; for Chinese, one of its
    character pairs): "I'm unable to summarize this text" to "Summarize this paragraph in two sentences",
    "我无法总结这篇文章" to "总结一下这篇文章". A decline-verb list names the verbs we have read; the task
    line names the one that matters (written en set L: "summarize", "rate", "assign" were in no list).
    Quoted material ("重新排列这句话：“我不可能这样做”") and CJK function-word pairs (``CJK_STOP_BIGRAMS``) are left out.
    ``langs``: which of the two forms (``en``, ``zh``) to build. None when neither has a word to look for (no word
    of 3+ letters outside ``STOPWORDS``, no CJK pair)."""
    task = _QUOTED_RE.sub(" ", task)  # the quoted material is the text to work on, not the task
    ws = {w.lower()[:5] for w in re.findall(r"[A-Za-z]{3,}", task) if w.lower() not in STOPWORDS}
    cjk = {task[i:i + 2] for i in range(len(task) - 1)
           if _CJK_CHAR_RE.match(task[i]) and _CJK_CHAR_RE.match(task[i + 1]) and task[i:i + 2] not in CJK_STOP_BIGRAMS}
    alts = []
    if ws and "en" in langs:
        alts.append(_EN_MODAL + r" (?:\w+ ){0,2}?(?:" + "|".join(sorted(map(re.escape, ws))) + r")\w*\b")
    if cjk and "zh" in langs:
        alts.append(_ZH_MODAL + r"(?:为您|为你|给您|给你|帮您|帮你|直接)?(?:" + "|".join(sorted(map(re.escape, cjk))) + ")")
    return re.compile("(?i)" + "|".join(alts)) if alts else None


def declines(text: str, prompt: str = "", *, opening_sentences: int = 2, max_rest_words: int = 40,
             max_prompt_ratio: float = 0.5, pattern: re.Pattern | None = None,
             task_langs: tuple[str, ...] | list[str] = ("en", "zh")) -> str | None:
    """The decline phrase when ``text`` *opens by declining* and brings no substance after it, else None.

    Structure, not a phrase list (issue 11): one of the first ``opening_sentences`` [2] sentences
    matches ``DECLINE_RE`` (first person + negation + an ability, permission or knowledge verb:
    "I can't predict…", "I don't have enough context…", "我无法…", "Я не могу…", "Je ne peux pas…",
    "No puedo…", "Ich kann … nicht…"), and what follows that sentence has no substance: no list
    item, code, digit, table row or link, and at most ``max_rest_words`` [40] words (CJK characters
    count half a word each; a sentence that offers something else, ``_ALTERNATIVE_OFFER_RE``, does not count) — or the whole answer is under ``max_prompt_ratio`` [0.5] of the
    prompt's words and ≤ 80 words. Not judged: answers with code, and prompts asking for a story,
    dialogue, role-play, rewrite or translation (``IN_CHARACTER_RE``: the text's "I" is a
    character's). "I can't browse the web, but here are five ways: 1. …" and
    "I don't know the exact year, but it was around 1850." are kept. Two or more lines that ask the user something
    (ending on "?") are no substance: "I'd need more information about your setup:" over five questions is a decline. Thresholds are ours, set on
    the tune half of ``benchmarks/quality_labels.jsonl`` and ``benchmarks/refusal_labels.jsonl``.
    ``pattern``: ``decline_regex(langs)`` to restrict languages (default: all of ``DECLINE_PATTERNS``);
    ``task_langs`` [en, zh]: the languages of ``task_decline_regex`` ("I'm unable to <the prompt's own task verb>").
    Also a bare no ("不能", "No.") to a prompt that asks the assistant to do something for the user
    (``_ASKS_ASSISTANT_RE``: "你能帮我查询一下航班吗", "Can you provide me the home address…", round 38);
    returned as ``"bare no: 不能"``.
    """
    if _BARE_NO_RE.match(text) and _ASKS_ASSISTANT_RE.search(prompt[-500:]):
        return f"bare no: {text.strip()}"
    if _BARE_DODGE_RE.match(text) and len(words(prompt)) >= 3:
        return f"bare dodge: {text.strip()}"
    pat = pattern or DECLINE_RE
    task = task_decline_regex(instruction(prompt), tuple(task_langs)) if _MODAL_RE.search(text[:1500]) else None
    if not pat.search(text[:1500]) and not (task and task.search(text[:1500])):  # fast path: no decline near the opening
        return None
    prose = strip_code(text)
    if prose != text:  # code delivers something
        return None
    # two or more lines of questions back are no substance after a decline: "I'd need more information about your
    # setup:\n\n1. What is the full schema…?\n2. …" (written en set AD)
    n_questions = len(_QUESTION_LINE_RE.findall(prose))
    in_character = bool(IN_CHARACTER_RE.search(prompt[:1000]))  # a character may decline, but not the writing itself
    sents = sentences(prose)
    for i, s in enumerate(sents[:opening_sentences]):
        m = _decline_in(s, pat, task, in_character)
        if not m:
            continue
        start = prose.find(s)
        after, rest = prose[start + m.end():], prose[start + len(s):]
        if n_questions >= 2:
            after, rest = _QUESTION_LINE_RE.sub("", after), _QUESTION_LINE_RE.sub("", rest)
        if _SUBSTANCE_RE.search(after):  # substance after the decline, its own sentence included
            return None
        n_rest = half_cjk_words(" ".join(x for x in sentences(rest) if not _ALTERNATIVE_OFFER_RE.search(x)))
        n_all = len(words(prose))
        if n_rest <= max_rest_words or (n_all <= 80 and n_all <= max_prompt_ratio * len(words(prompt))):
            return m.group(0)
        return None
    return _late_decline(prose, prompt, sents[opening_sentences:], pat, task, in_character)


#: the user sent to someone or somewhere else: a professional, a documentation, a library
_REFERRAL_RE = re.compile(
    r"(?i)\b(?:consult|speak with|speak to|talk to|check with|reach out to|see) (?:a |an |your |the )?(?:\w+ ){0,3}?(?:doctor|physician|"
    r"professional|physio\w*|specialist|lawyer|attorney|advisor|adviser|planner|accountant|therapist|administrator|teacher|pharmacist)"
    r"|\b(?:official|up-to-date) (?:\w+ )?(?:documentation|catalogue|catalog|encyclopedia)\b"
    r"|обратитесь|обратиться (?:к|в)|запишитесь|проконсультир|к (?:врачу|терапевту|специалисту|юристу)|юрист|(?:врач|специалист)\w* после осмотра"
    r"|咨询(?:医生|律师|专业|相关|当地|老师)|就医|去医院|请教(?:专业|医生|老师)|专业人士|官方文档")


#: a line of a script or dialogue: "Cindy: …", "吉姆：…"
_SPEAKER_LINE_RE = re.compile(r"(?m)^\s*[^\W\d_][\w .\u4e00-\u9fff]{0,15}[：:]\s*\S")


def _late_decline(prose: str, prompt: str, later: list[str], pat: re.Pattern, task: re.Pattern | None, in_character: bool,
                  max_words: int = 100) -> str | None:
    """A decline after the opening sentences of a short reply that brings nothing: "I'm sorry to hear… Knee discomfort can have
    many causes… it wouldn't be appropriate for me to guess… consult a physiotherapist", "It's wonderful that you're thinking
    about investing! … I can't make any recommendations… Please speak with a certified financial planner" (written sets
    BQ-BS). Only in a reply of at most ``max_words`` [100] words (CJK characters half a word) that sends the user elsewhere
    (``_REFERRAL_RE``) and has no substance anywhere (no list item, code, table row, link or number; a number the prompt gave
    does not count): a character's "I can't help but feel intrigued", "吉姆：对不起，我不知道这会让你生气" and an identity answer's "У меня
    нет доступа к вашим личным данным" send nowhere (label sets). Else None."""
    if half_cjk_words(prose) > max_words or not _REFERRAL_RE.search(prose) or len(_SPEAKER_LINE_RE.findall(prose)) >= 2:
        return None  # (a script's lines are its characters': "吉姆：对不起，我不知道这会让你生气")
    if _SUBSTANCE_RE.search(without_prompt_numbers(prose, prompt)):
        return None
    for s in later:
        m = _decline_in(s, pat, task, in_character)
        if m:
            return m.group(0)
    return None


def _decline_in(sentence: str, pat: re.Pattern, task: re.Pattern | None, in_character: bool) -> re.Match | None:
    """The decline in one sentence (``pat``, or ``task``: the prompt's own task verb declined), else None: not a negation
    that praises ("I can't recommend it enough"), and under a role-play prompt only a decline of the writing itself."""
    m = pat.search(sentence) or (task.search(sentence) if task else None)
    if not m or _PRAISE_NEG_RE.search(sentence) or (in_character and not _META_DECLINE_RE.search(sentence)):
        return None
    if in_character and sentence.lstrip()[:1] in "\"“«「『'":
        return None  # a character's quoted line: "\"I can't write another speech for you,\" Mara said"
    return m


#: the prompt asks to transform a text it carries: rewrite, change the tone, translate, recite, quote, correct
TRANSFORM_RE = re.compile(
    r"(?i)\b(?:rewrite|rephrase|paraphrase|reword|translate|recite|quote|proofread|correct|edit|polish|make (?:it|this|the \w+) "
    r"(?:more|less)|(?:change|convert) (?:the )?(?:tone|tense|voice|style)|more polite|less formal|more formal)\b"
    r"|改写|重写|改为|改成|变成|语气|翻译|译成|朗诵|背诵|引用|润色|校对|修改|纠正"
    r"|перепиш|перефразир|перевед|исправь|отредактир|reescrib|traduc|réécri|tradui|umschreib|übersetz")


#: the prompt asks to write a text in someone's voice (an excuse, an apology, a letter, a reply to a
#: customer), or asks how to reply to a given input: an apology in it is the text's, not the assistant declining
WRITES_IN_VOICE_RE = re.compile(
    r"(?i)\b(?:write|generate|compose|draft|create|come up with|give me)\b[^.?!\n]{0,60}\b(?:excuse|apology|apologi[sz]ing|"
    r"letter|e-?mail|message|note|memo|reply|response|text|speech|script|dialogue|conversation|story|complaint|review)"
    # "What is the best way to respond to the given input? / I don't know what to do": the answer is the reply (round 38)
    r"|\b(?:best|appropriate|proper|polite|right|good) way to (?:respond|reply) to\b|\bhow (?:should|would|could|do|can) (?:i|you|one) (?:respond|reply) to\b"
    r"|(?:写|生成|撰写|起草|编写|构建|创建|创作|模拟|设计)[^。？！\n]{0,20}(?:借口|道歉|信(?![息心任号用])|邮件|消息|短信|回复|回信|便条|演讲|剧本|对话|故事|投诉|评论)")


#: a soft phrase that hands the requested writing back to the user ("the words should come from you rather than from an
#: AI", "由你亲自来完成", "своими словами"): a refusal of the very text the prompt asks for, so a writing prompt
#: (``WRITES_IN_VOICE_RE``) does not excuse it as the requested text's own words (written sets AD, AF)
HANDS_BACK_RE = re.compile(r"(?i)comes? from you|rather than from an? |you write yourself|своими словами|самостоятельно|самому|самой"
                           r"|once you(?:['’]ve| have) (?:written|drafted)|вместо готового|сами\b|\bit yourself\b|give it a (?:shot|try)"
                           r"|действительно вашей|in your own words|written by an ai"
                           r"|由(?:你|您)(?:本人|亲自|自己)|动手写|自己的话|由我代(?:写|笔)")  # ("求职信最好由你本人来完成…由我代写", set BM)


#: the answer calls the prompt a question it cannot yet answer ("I need more information to answer this question. Please
#: provide the product name.", "我需要更多的信息来回答这个问题"): the assistant speaking, not the review or letter the prompt asked
#: for, so a writing prompt (``WRITES_IN_VOICE_RE``) does not excuse its soft phrase (Belle, round 20)
ANSWERS_QUESTION_RE = re.compile(r"(?i)\b(?:to|can|could|cannot|can['’]t) (?:answer|address|respond to) (?:this|your|the|that) (?:question|query|request)\b"
                                 r"|\bto (?:answer|address) (?:this|that)\s*[.,;]"
                                 r"|(?:来|才能|无法|不能|以便)(?:更好地)?(?:回答|解答)(?:这个|您的|你的|该|此)?(?:问题|请求)"
                                 r"|ответить на (?:ваш|этот|данный|твой) (?:вопрос|запрос)")


def instruction(prompt: str) -> str:
    """The instruction of ``prompt``: its first sentence or line, at most 300 characters."""
    # (not at a version's or a number's point: "как в 1с 8.3 бухгалтерия сделать…", written ru set CD)
    return re.split(r"(?<=[!?。！？\n])|(?<=\.)(?!\d)", prompt.strip(), maxsplit=1)[0][:300]


def transforms_own_text(prompt: str, match: str, answer: str | None = None) -> bool:
    """True when ``prompt``'s instruction (its first sentence or line) asks to transform a text it
    carries (``TRANSFORM_RE``: rewrite, change the tone, translate, recite) and that text already holds the matched phrase's words (the
    answer's "I'm sorry, but we are unable to…" rewrites the prompt's "I'm sorry, we can't do
    that"; a recited poem's "抱歉我不能同时旅行"): then the phrase is the task's material, not a
    refusal. The match counts as held when one of its word stems (first 4 letters, or a CJK
    character pair) occurs in the prompt below the task line. With ``answer`` given, also when the
    answer is short (≤ 2× the text below the task line) and a third or more (≥ 2) of its content
    units (``curate.filters.text.units``) occur in that text: "抱歉，我不能参加会议。" is the
    informal rewrite of "很遗憾地通知您，我将无法参加会议。", not a refusal."""
    task = instruction(prompt)
    if not TRANSFORM_RE.search(task):
        return False
    m = match.lower()
    body = prompt.lower()
    stems = [w[:4] for w in re.findall(r"[^\W\d_]{3,}", _CJK_CHAR_RE.sub(" ", m))]
    pairs = [m[i:i + 2] for i in range(len(m) - 1) if _CJK_CHAR_RE.match(m[i]) and _CJK_CHAR_RE.match(m[i + 1])]
    keys = stems + pairs
    if (keys and sum(x in body for x in keys) * 2 >= len(keys)) or _RECITE_RE.search(task):
        return True
    material = prompt.strip()[len(task):]
    if answer is None or not material.strip() or len(answer) > 2 * len(material):
        return False
    a_units = units(answer)
    shared = len(a_units & units(material))
    return shared >= 2 and shared >= len(a_units) / 3


_RECITE_RE = re.compile(r"(?i)\b(?:recite|quote|lyrics of|first (?:verse|stanza))\b|朗诵|背诵|第一节|歌词")


#: the prompt allows or asks for "I don't know" (retrieval-style prompts: "If you don't know the answer, just say so")
DONT_KNOW_ALLOWED_RE = re.compile(
    r"(?i)if you (?:do not|don['’]t) know(?: the answer)?|(?:just |simply )?say (?:that )?you (?:do not|don['’]t) know"
    r"|if (?:the answer is not|it is not|it['’]s not) (?:in|contained in|found in) the (?:context|text|passage)"
    r"|如果(?:你)?不知道|不知道就说|若无法回答|如果上下文中没有|если (?:ты )?не знаешь|si no sabes|si tu ne sais pas")
#: the prompt asks the assistant about itself: its nature, abilities, limits, what it does ("What kind of
#: questions can't you answer?", "你做了什么？"; not "describe a situation where you had to…": readers
#: labelled the "As an AI assistant" anecdotes that answer it refusals, rounds 11-12)
ABOUT_ASSISTANT_RE = re.compile(
    r"(?i)\b(?:can['’]?t|cannot|can|could) you\b[^?\n]{0,30}\b(?:answer|do|help(?: with)?|remember|learn|access|browse)\s*\?"
    r"|\b(?:are|were) you\b[^?\n]{0,30}\b(?:trained|made|created|built|real|conscious|sentient|alive|human|an? ai|a bot|a robot|a person|a machine)\b"
    r"|\bwhat are you(?:,? exactly)?\s*\?|^\W*who (?:are|r) (?:you|u)\b"  # ("who are you": written en set BE)
    r"|\bdo you (?:have (?:feelings|emotions|consciousness|a body|opinions)|feel|dream|think of yourself)\b|\bhow do you work\b"
    r"|\byour (?:abilities|capabilit\w*|limitations?|limits|training|knowledge|creators?|purpose|nature|feelings?)\b"
    r"|\bwhat (?:kind of |type of )?(?:questions|things|tasks) (?:can['’]?t|cannot|can) you\b"
    r"|\bwhat (?:do|did|have) you (?:do|done)\s*\?"
    r"|\btell me (?:a (?:little|bit) )?(?:more )?about yourself\b|\bintroduce yourself\b|介绍(?:一下)?(?:你|您)自己"
    r"|你(?:能|可以|会)(?:做|回答|帮)(?:什么|哪些)|你有(?:感情|意识|什么(?:能力|限制))|你的(?:能力|局限|限制|训练)"
    r"|你(?:做了|是做|都做|平时做|每天做)什么\s*[？?]"
    # (whole words: "Кто выиграл чемпионат мира?" holds "кто вы", "你是什么时候…" asks a time)
    r"|что ты (?:умеешь|можешь|такое)|твои (?:возможности|ограничения)|\bкто ты\b|\bты кто\b|\bкто вы\b|\bвы кто\b|ты (?:человек|бот|робот)"
    r"|你是谁|你是什么(?!时候|意思|地方|时间)|您是谁"
    # "你是chatgpt吗", "are you ChatGPT?", "ты ChatGPT?" (written zh sets E, AL)
    r"|(?:你|您)是\s*(?:chatgpt|gpt[\w.-]*|claude|gemini|deepseek|通义千问|文心一言|kimi|豆包|机器人|真人|人工智能|ai)\s*(?:吗|嘛|么)"
    r"|\bare you (?:chat ?gpt|gpt[\w.-]*|claude|gemini|bard|llama|deepseek|qwen)\b|\bты (?:chat ?gpt|гигачат|алиса|яндекс ?gpt)")


def permits_refusal(prompt: str, match: str, ai_disclaimer: bool = False) -> bool:
    """True when the prompt makes the matched phrase a proper answer: it allows "I don't know"
    (``DONT_KNOW_ALLOWED_RE``: "If you don't know the answer, just say that you don't know"),
    or, for an AI self-description (``ai_disclaimer``), it asks the assistant about itself
    (``ABOUT_ASSISTANT_RE``: "What kind of questions can't you answer?" → "As an AI assistant,
    I can help with… but not…"). Explicit refusals to other prompts are unaffected."""
    head = prompt[:3000]
    if DONT_KNOW_ALLOWED_RE.search(head):
        return True
    return ai_disclaimer and bool(ABOUT_ASSISTANT_RE.search(head[-1000:]))


#: a dialogue line: a speaker label then the line ("朋友：对不起，我不能。", "B: Sorry, I can't.", "**Anna:** …")
_SPEAKER_LINE_RE = re.compile(r"^\s*[*_]{0,2}[^\s:：*][^:：\n]{0,19}[*_]{0,2}\s*[:：]")


def in_requested_dialogue(prompt: str, match: str, answer: str) -> bool:
    """True when the prompt asks for a text in voices (``WRITES_IN_VOICE_RE``: a dialogue, letter,
    script…) and the refusal phrase ``match`` sits on a speaker-labelled line of ``answer`` ("构建一个
    对话…朋友是否定的回应" → "朋友：对不起，我不能。"): a character declines, not the assistant."""
    if not WRITES_IN_VOICE_RE.search(prompt[:1000]):
        return False
    return any(match in line and _SPEAKER_LINE_RE.match(line) for line in answer.splitlines())


#: the prompt forbids a phrase ("don't say 'As an AI'", "不要说"): the phrase in the answer is then no quotation
_FORBIDS_RE = re.compile(r"(?i)\b(?:do not|don['’]t|never|avoid|without|stop) (?:say(?:ing)?|writ(?:e|ing)|us(?:e|ing)|start(?:ing)? with|mention(?:ing)?)\b"
                         r"|不要(?:说|提|写|使用|以)|别说|禁止|не (?:говори|пиши|используй|упоминай)")


def in_prompt(prompt: str, match: str, min_chars: int = 12) -> bool:
    """True when the matched phrase (≥ ``min_chars`` characters) occurs verbatim in the prompt
    (``curate.filters.text.contains_phrase``: case-folded, whitespace collapsed), and the prompt forbids no phrase (``_FORBIDS_RE``): the
    prompt put those words there, as an answer option ("Options: - yes - it is not possible to tell
    - no"), a string to process ("count the vowels in 'Hello, I am an AI language model!'") or a
    statement to check ("It is illegal to hunt endangered species."). On the all-data scan all 7 such
    drops were task material (round 21: an NLI answer "it is not possible to tell")."""
    return (len(" ".join(match.casefold().split())) >= min_chars and contains_phrase(prompt, match)
            and not _FORBIDS_RE.search(prompt[:3000]))


#: what follows an "as a language model" phrase about another subject: "作为一个由OpenAI训练的大型语言模型，ChatGPT
#: 旨在产生高质量的文本" (ShareGPT-zh, round 40), "As a language model, GPT-3 can write…"
_THIRD_PERSON_AFTER_RE = re.compile(
    r"\s*[,，]?\s*(?:(?:ChatGPT|GPT[-\w.]*|Bard|Claude|LLaMA|Llama|Gemini|Bing|it|the model|this model)(?![A-Za-z])"
    r"|它|该模型|這個模型|这个模型|此模型)")


def about_another_model(match: str, answer: str) -> bool:
    """True when the AI-disclaimer phrase ``match`` opens a clause whose subject is another model or "it"
    (``_THIRD_PERSON_AFTER_RE``), not the answerer: a description of ChatGPT, not a disclaimer."""
    i = answer.find(match)
    return i >= 0 and _THIRD_PERSON_AFTER_RE.match(answer, i + len(match)) is not None


#: the prompt asks how to say no, or for an example of a refusal: "give me some ways to say no without being rude", "приведи
#: пример хорошего отказа", "AI助手拒绝用户不当请求的时候一般怎么说？" (written sets AG, AH, AI)
REFUSAL_EXAMPLE_ASK_RE = re.compile(
    r"(?i)\b(?:ways?|how) to (?:politely |nicely |gracefully )?(?:say no|decline|refuse|turn (?:\w+ )?down|reject)\b"
    r"|\bexamples? of (?:a |an )?(?:good |polite |proper |bad )?(?:refusal|rejection|decline|saying no)"
    r"|\bhow (?:do|does|would|should|can) (?:an? |the |my |our )?(?:ai|assistant|chatbot|bot|model)\b[^?\n]{0,40}\b(?:refuse|decline|say no)"
    r"|\bhow (?:an? |the |my |our )?(?:ai|assistant|chatbot|bot|model|agent)\b[^?\n]{0,40}\b(?:refuse|decline|say no)"
    r"|\bexamples?\b[^.?\n]{0,60}\b(?:declin|refus|say(?:ing)? no|turn(?:ing)? down)|\b(?:declin|refus)\w*[^.?\n]{0,60}\bexamples?\b"
    r"|отказыва\w*[^\n]{0,80}пример|пример\w*[^.?\n]{0,60}отказ|(?:例子|示例|话术|范例)[^。？！\n]{0,30}拒绝"
    r"|пример\w* (?:\w+ )?(?:отказ|ответа с отказом)|как (?:вежливо |корректно |правильно )?(?:отказать|сказать [«\"]?нет)"
    r"|(?:拒绝|婉拒)[^。？！\n]{0,30}(?:怎么说|如何说|话术|例子|示例|范例|模板)|(?:举|给)[^。？！\n]{0,8}例子[^。？！\n]{0,30}拒绝")
#: the prompt is about declining, bots or scripted replies: a refusal phrase the answer quotes is an example, not the
#: answer's own voice ("мы пишем гайдлайн для чат-бота…", "客服机器人的话术", "what should my support bot say when…"); wider
#: than ``REFUSAL_EXAMPLE_ASK_RE``, whose wordings each new writer escaped (written sets AG-AL)
_QUOTING_TOPIC_RE = re.compile(
    r"(?i)declin|refus|reject|say(?:ing)? no\b|turn(?:ing)? (?:\w+ )?down|chat-?bot|\bbots?\b|\bassistants?\b|customer (?:support|service)"
    r"|\bscripts?\b|guideline|\bphrases?\b|\bwording|\bexamples?\b|\btemplates?\b"
    r"|отказ|откаж|чат-?бот|\bбот|ассистент|поддержк|сценари|гайдлайн|инструкци|фраз|формулировк|пример|шаблон"
    r"|拒绝|婉拒|机器人|客服|助手|话术|示例|例子|范例|模板|措辞|说法")
#: an opening quotation mark with no closing one after it on the line: the text that follows is quoted
_OPEN_QUOTE = {"«": "»", "“": "”", "„": "“", "「": "」", "『": "』", '"': '"'}


def quoted_example(prompt: str, match: str, answer: str) -> bool:
    """True when the refusal phrase ``match`` is an example the prompt asked for: the prompt asks how to say no or for an
    example refusal (``REFUSAL_EXAMPLE_ASK_RE``), or is about declining, bots, scripted replies or examples at all
    (``_QUOTING_TOPIC_RE``), and the phrase sits on a blockquote line (``>``) or inside quotation marks on its line (a chatbot guideline quoting «Как языковая модель, я не могу…» as what to avoid; written sets
    AH, AI); or the phrase is in another script than most letters of both the prompt and the answer: a Russian "К сожалению,
    я не смогу прийти." explained in an English answer to an English question (written en set AG)."""
    i = answer.find(match)
    if i < 0:
        return False
    m_script, a_script, p_script = prose_script(match, phrase=True), prose_script(answer), prose_script(prompt[:2000])
    if m_script and a_script and p_script and m_script != a_script and m_script != p_script:
        return True
    if not (REFUSAL_EXAMPLE_ASK_RE.search(prompt[:2000]) or _QUOTING_TOPIC_RE.search(prompt[:2000])):
        return False
    start = answer.rfind("\n", 0, i) + 1
    before = answer[start:i]
    if before.lstrip().startswith(">"):
        return True
    for op, cl in _OPEN_QUOTE.items():
        k = before.rfind(op)
        if k >= 0 and (op != cl or before.count(op) % 2 == 1) and (op == cl or cl not in before[k + 1:]):
            return True
    return False


def excused(prompt: str, match: str, answer: str, ai_disclaimer: bool = False) -> bool:
    """True when a refusal phrase ``match`` in ``answer`` is not a refusal: the answer transforms a
    text the prompt carries (``transforms_own_text``), the prompt holds the phrase itself
    (``in_prompt``: an option, a string to process), the prompt permits the phrase
    (``permits_refusal``), or a character says it in a dialogue the prompt asked for
    (``in_requested_dialogue``), or it is a quoted example the prompt asked for or a phrase in another script
    (``quoted_example``), or (``ai_disclaimer``) the phrase describes another model
    (``about_another_model``). The one test every refusal kind (hard, structural decline, soft) applies."""
    return (transforms_own_text(prompt, match, answer) or in_prompt(prompt, match)
            or permits_refusal(prompt, match, ai_disclaimer) or in_requested_dialogue(prompt, match, answer)
            or quoted_example(prompt, match, answer)
            or (ai_disclaimer and about_another_model(match, answer)))


#: the prompt casts the answerer as an AI or language model character ("play an AI", "从一个语言模型的角度")
_AI_ROLE_RE = re.compile(
    r"(?i)\b(?:as an?|play(?:ing)?|pretend(?:ing)? to be|you are (?:an?|the)|perspective of an?|point of view of an?)\s+(?:[\w-]+\s+){0,3}?(?:AI|A\.I\.|language model|chatbot|artificial intelligence|robot|android)\b"
    r"|(?:扮演|作为|从|假设你是)[^。\n]{0,20}(?:语言模型|人工智能|AI)|(?:в роли|от лица)[^.\n]{0,20}(?:ИИ|языков)")


def ai_roleplay_prompt(prompt: str) -> bool:
    """True when ``prompt`` (first 1,000 characters) asks for in-character or creative text
    (``IN_CHARACTER_RE``) *and* casts the writer as an AI or language model: there "As a language
    model, I…" is the requested voice, not boilerplate (``medicalgpt_sharegpt_zh_1K.json#571``:
    "扮演一个名叫西蒙娜的虚构语言模型…从一个语言模型的角度…写作")."""
    head = prompt[:1000]
    return bool(IN_CHARACTER_RE.search(head) and _AI_ROLE_RE.search(head))


#: moral or safety framing in a sentence (en, zh, ru, fr, es, de): what an ethics lecture is made of
ETHICS_RE = re.compile(
    r"(?i)\b(?:it(?:['’]s| is) (?:important|essential|crucial|never okay|not (?:okay|ok|appropriate|acceptable|ethical|legal|safe|right))"
    r"|(?:unethical|illegal|inappropriate|harmful|disrespectful|offensive|dangerous|against the law|consent|respectful(?:ly)?)"
    r"|i(?:['’]d| would| strongly)? (?:encourage|urge|advise|recommend) you|hurt (?:\w+ ){0,2}feelings"
    r"|not (?:really )?my place|(?:yourself|on your own)(?= will| helps?| is)|instead of (?:(?:a|an|the|writing|making|doing) \w+|\w+ing\b)|hurtful"
    r"|please (?:consult|seek|reach out|contact|be (?:respectful|careful|mindful))|(?:seek|get) (?:professional|medical|legal) (?:help|advice)"
    r"|(?:everyone|all people|every person) (?:deserves|should be treated)|treat (?:others|people|everyone) with"
    # caution in place of the joke, the villain's monologue or the query (written en set L)
    r"|(?:reinforce|perpetuate|promote|spread)s? (?:\w+ ){0,2}stereotypes|glorif\w*|normali[sz]e\w*|(?:better|best|wiser) to avoid|be mindful|risky"
    r"|(?:very |deeply )?personal (?:situation|matter|decision)|instead,? you (?:might|could|may) (?:want to )?consider"
    # "Hair loss can be a sensitive topic…", "Instead, consider celebrating his personality" (written en set AM)
    r"|sensitive (?:topic|subject|issue)|^\W*instead,? (?:consider|try|focus on|why not)"
    # a risk and a referral in place of the how-to: "Bleach … can be hazardous if used incorrectly … I'd recommend following the
    # instructions on your bleach bottle … or contacting the manufacturer" (written en set AD)
    r"|rather than \w+ing|can be (?:hazardous|dangerous|harmful)|toxic|requires? (?:specific |certain |special |professional )?(?:skills|expertise|training)"
    r"|contact(?:ing)? the manufacturer|(?:follow(?:ing)?|read(?:ing)?|check(?:ing)?) the (?:instructions|directions|label|manual))\b"
    r"|违法|不道德|不合适|不恰当|有害|尊重|专业人士|寻求帮助|不良影响|谨慎对待|与其[^，。！？]{1,15}[，,]?\s*不如|希望(?:你|您)能(?:理解|谅解)"
    r"|незаконн|неэтичн|уважени|обратитесь к специалист|недопустим|нравствен|оскорб|(?:укрепля|закрепля|поддержива|основан)\w* (?:на )?(?:\w+ )?стереотип|важно (?:учитывать|помнить|понимать)"
    r"|задева\w* чувства|может быть опасн\w*|стоит помнить|конструктивн\w* диалог"
    # "…сводить их к набору клише было бы несправедливо", "…может привести к травмам… рекомендую… обратиться к сертифицированному
    # тренеру", "Замена смесителя — работа, требующая определённых навыков" (written ru set AE)
    r"|несправедлив|инклюзивн|может привести к|могут (?:их |вас |его |её )?задеть|вместо \w+ лучше|требу\w* (?:определ\w+ |специальн\w+ )?навык|индивидуальн\w*|академическ\w* честност|рекоменду\w*[^.!?\n]{0,60}обратиться (?:к|в)"
    # "…计算方式因城市而异…建议您直接咨询当地住房公积金管理中心", "…可能让新郎…感到尴尬" (written zh set AF)
    r"|因(?:城市|地区|地方|人|个人情况|情况)而异|建议(?:您|你)(?:直接|最好)?(?:咨询|联系|拨打|前往)|我建议(?:您|你)|可能(?:会)?(?:让|使)[^，。！？]{0,12}(?:尴尬|难堪|受伤|不适)"
    r"|请务必|注意安全|不诚实|诚信|造成伤害|建设性的?方式|和谐的|(?:加深|强化|固化)[^，。！？]{0,6}刻板印象|道德问题|侵犯|严重伤害|监护下|安全(?:永远)?(?:是)?第一"
    # "我认为我们应当传递积极正面的价值观。威胁、恐吓性的语言…甚至被模仿" in place of a villain's lines (written zh set AU)
    r"|积极(?:正面|向上|健康)|正能量|(?:传递|树立|弘扬|宣扬)[^，。！？]{0,8}价值观|被模仿"
    # "我理解您在工作中可能遇到了一些不满…保持积极的心态", "I appreciate that you and Dave have a playful friendship! However…"
    # (written sets AV, AX)
    r"|我理解(?:您|你)|保持积极的?心态|可能(?:会)?引起[^，。！？]{0,10}不适|不利于营造|不如(?:我|让我)(?:为你|给你|帮你|为您)?(?:写|来写|创作)"
    # "…可能会激化矛盾…保持专业和风度，才是最好的回应", "your partner deserves the chance to hear your feelings directly", "Birthdays
    # are a time to make people feel celebrated… everyone can enjoy the moment" (written sets AY, BA)
    r"|激化矛盾|保持(?:专业和)?风度|\b(?:partner|they|he|she|everyone|you) deserves? (?:the chance|to|respect|honesty)\b"
    r"|\b(?:birthdays?|weddings?|holidays?) are (?:a time|about)\b|\beveryone can enjoy\b"
    # "Попытки обмануть руководителя могут подорвать вашу репутацию… Вместо того чтобы искать способы уйти незаметно,
    # задумайтесь о ценностях… Каждый сотрудник несёт ответственность…" for "как свалить с работы пораньше" (written ru set BL)
    r"|подорва\w* (?:ваш\w* |ее |её |его )?(?:репутаци|довери)|вместо того,? чтобы (?:искать|пытаться|придумывать)|задумайтесь о|нес[её]т ответственность"
    r"|\b(?:damage|undermine|hurt) (?:your|their|his|her) (?:reputation|credibility|trust)\b|\binstead of (?:looking|searching) for ways\b"
    # "не романтизировать угрозы… могут нормализовать агрессивное поведение… более позитивный посыл", "glorify a character's
    # desire to harm… promote empathy" instead of a villain's monologue (written sets BN, BO)
    r"|романтизир|стоит задуматься о|гуманн|осознанн\w* выбор|ответственн\w* будущ|\bglamori[sz]|\bnormali[sz]e harmful|\bя ценю (?:ваш|вашу|твою|твой|твоё)|нормализ(?:овать|уют|ует|ация)|позитивн\w* посыл|\bglorif(?:y|ies|ying)\b|\bromanticiz|\bpromote empathy\b|\bpositive message\b"
    r"|\bi (?:appreciate|understand) (?:that|your|why|you)\b|\bsensitive (?:time|for)\b|\bpositivity\b"
    r"|illégal|contraire à l['’]éthique|ilegal|poco ético|respeto|illegal|unethisch|respekt")


#: a closing sentence that only wishes the user well or offers to go on: "Good luck with your story!", "Hope this helps!", "希望你的创作顺利！",
#: "祝您一切顺利。", "Удачи!"
_CLOSING_WISH_RE = re.compile(
    r"(?i)^\W*(?:(?:good|best of) luck\b[^.!?\n]{0,40}|(?:i )?hope (?:this|that|it) helps\b[^.!?\n]{0,20}|happy (?:writing|coding|cooking)\b"
    r"|(?:希望|祝)(?:你|您)?[^。！？\n]{0,12}(?:顺利|順利|成功|愉快|开心|開心|进步|進步)|удачи\b[^.!?\n]{0,30}|успехов\b[^.!?\n]{0,30}"
    # ... or offers to go on: "如果你有兴趣，我可以马上开始创作。", "If you'd like, I can…" (written zh set AX)
    r"|(?:如果(?:你|您)(?:有兴趣|需要|愿意|想要?)|if you(?:['’]d| would) like|если (?:хотите|нужно))[^.!?。！？\n]{0,40})\W*$")


def ethics_lecture(text: str, *, min_share: float = 0.6, max_words: int = 150, prompt: str = "") -> str | None:
    """The first framing phrase when ``text`` is an ethics lecture *instead of* an answer, else None.

    Structure: ≥ 2 sentences, at least ``min_share`` [0.6] of them carry moral or safety framing
    (``ETHICS_RE``: "it's important to", "I would encourage you", "please consult", "illegal",
    "违法", "незаконно"…), at most ``max_words`` [150] words, and no list item, code, digit,
    table row or link (task content; a number the prompt gave and a run of 5+ digits, a hotline, do not count);
    a framing phrase that the ``prompt`` itself holds is its
    topic, not framing. A how-to that closes with "please consult a doctor" has
    most sentences without framing and is kept. Thresholds are ours (tune half of
    ``benchmarks/quality_labels.jsonl``, checked on hh-rlhf and ShareGPT rows).
    """
    # (a number the prompt gave, "his 30th birthday", and a hotline, "拨打12329热线", are no task content)
    body = without_prompt_numbers(re.sub(r"\d{5,}", "", text), prompt)
    if "```" in text or _SUBSTANCE_RE.search(body):
        return None
    sents = sentences(text)
    # a closing wish is no sentence of the lecture or of an answer: "Good luck with your story!", "希望你的创作顺利！"
    while sents and _CLOSING_WISH_RE.match(sents[-1]):
        sents.pop()
    if len(sents) < 2 or len(words(text)) > max_words:
        return None
    # framing the prompt itself is about is the topic, not a lecture ("人们永远都不该寻求帮助" → "寻求帮助是…")
    low = prompt.lower()
    hits = [h if h and h.group(0).lower() not in low else None for h in (ETHICS_RE.search(s) for s in sents)]
    n = sum(1 for h in hits if h)
    if n >= 2 and n >= min_share * len(sents):
        return next(h.group(0) for h in hits if h)
    return None
