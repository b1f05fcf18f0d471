"""Replies that are not answers: fillers, unrelated questions, one-word replies to real requests.

Real dumps (OpenAssistant crowd replies, preference files' rejected answers, weak-model
generations) hold assistant turns that address nothing: "ok" to a request for a rewrite, "hi" to
"guide me through building such a system", "Very Good" to a question, a new question of the
replier's own ("can you description the google protobuf?" to a question about proof-of-stake:
the assistant slot holds a *user* turn), "已验证" to "生成 12 个字母的随机序列". They share one
shape that needs no embedding and no language model: the reply is tiny or a question, and it
shares no content with the prompt. Everything here is per row (the ``quality`` stage stays
row-local) and judges the *first* answer of a chat against the first user turn.

``non_answer(text, prompt)`` returns a note naming the kind, or None:

``filler``
    The whole reply, with punctuation, emoji and case folded away, is a phatic word or phrase of
    ``FILLERS`` (en, zh, ru, fr, es, de: "ok", "hi", "thanks", "cool", "very good", "好的",
    "回答不错", "спасибо", "vale"...). Yes/no words ("yes", "no", "是的", "да") count only when
    the prompt is not a yes/no question, or offers alternatives ("…or…?", "还是", "или"): "Yes it
    is!" does not answer "Is it better to eat at set times or whenever I feel hungry?". Not
    judged when the prompt is itself phatic (a greeting answered by a greeting).
``unrelated_question``
    The reply is at most two sentences and ``max_question_words`` [30] words (a CJK character
    counts half a word), ends with a question mark, and shares no content unit with the prompt
    (``shared_units``: words of 3+ letters outside ``STOPWORDS`` compared by their first 5
    letters; CJK character bigrams), while the prompt has 3+ words and is not small talk
    (``refusal.is_small_talk``: "Hello, how are you?" → "I'm doing great! How are you?"). Offers of help
    ("How can I help you today?") are left to the refusal rules.
``no_output``
    The reply is Self-Instruct/Alpaca's "no output" marker (``<nooutput>``, ``&lt;无输出&gt;``,
    ``<noinput>``, "No Output, GPT model cannot…"), or only repeats the prompt's empty input field
    ("N/A", "None", "无"): ``no_output``.
``shouting``
    A reply of 4-40 words in capitals that shares nothing with a prompt that is neither shouted
    nor asking for capitals (``shouting``).
``no_content``
    The reply has at most ``max_tiny_words`` [2] words (CJK: 4 characters), no digit, shares no
    content unit with the prompt, and the prompt asks for text a word cannot hold (``CONTENT_ASK_RE``:
    write, explain, describe, list, summarize, guide, 写, 解释, 生成…序列, напиши, объясни…) and does
    not ask for a word, a name, a label or a short answer (``SHORT_ASK_RE``).

``no_number``, ``no_quantity``
    The prompt asks for a calculation with its own numbers, or asks how many, how much or what year, and the answer
    holds no number (``missing_deliverable``):
    an answer on the topic that misses the ask
    ("Отличный вопрос! Математика окружает нас повсюду…" to "Посчитай НДС 20% от 15000"; written sets F-H).
``no_code``, ``code_language``, ``no_extraction``, ``no_poem``, ``subject_swap``, ``no_recommendation``, ``source_ignored``,
``comparison_unmet``, ``no_howto``, ``wrong_result``, ``unchanged_rewrite``
    Code asked in a named language and none given, or only code in another language; e-mail addresses or names
    asked to be extracted from a text that holds them, and none given; a poem asked and its form explained instead, or
    an essay with a date or a count in it given instead; a subject named (Go, Excel, iPhone, Jupiter, a cat, a
    derivative, Russia, the high-speed train, novels, Japanese) and the answer about its sibling (Python, Android,
    Saturn, a dog, an integral, the USA, a flight, films, Chinese) without naming it; a difference or a choice between
    two named things asked and neither (or only one) named; a how-to answered with a definition or the history of its
    topic; a sum asked and another number given; a rewrite asked and the text given back unchanged (``missing_deliverable``;
    written sets U-Y, AD-AO).
``foreign_label``
    The whole reply is a label from another task: a sentiment label to a prompt that speaks of no sentiment,
    or a tagged option letter ("Ответ: B") to a prompt without options (``foreign_label``).
``unfilled_template``
    The reply is a template whose single-brace slots were never filled ("{greeting}, {name}! {body}"), or a short reply
    around one slot named for the answer ("The answer is {answer}.") (``unfilled_template``).
``empty_json``
    The whole reply is a JSON record whose values are empty or whose answer key is null, to a prompt that asks for no
    structured output ('{"message": null, "recipient": "", …}') (``empty_json``).
``continues_prompt``
    The reply opens on a comma and carries on the user's sentence in the asker's words ("，最好拍照好一点…求各位大佬推荐")
    (``continues_prompt``).
``restated_question``
    The reply only talks about the question ("You're asking why…", "Это интересный вопрос:…"), or asks the prompt's
    question again and then talks about it ("Why is the sky blue? This is a question that…") (``restated_question``).
``forum_voice``
    The reply speaks as the asker: thanks in advance, "does anyone know", "same problem here" (``forum_voice``).
``pleasantry``
    The reply is only praise of the question, wishes and encouragement, sharing nothing with the prompt
    ("Рад, что вы обратились! Надеюсь, у вас отличный день…", "这是一个很好的问题！…加油！").

Thresholds are ours, set on ``benchmarks/quality_labels.jsonl`` (all 729 rows, read by hand) and
checked for false drops on every good row there; the fresh hold-out
``benchmarks/quality_labels_fresh.jsonl`` was scored once afterwards
(``benchmarks/results/quality.md``).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata

from curate.filters.refusal import IN_CHARACTER_RE, OFFER_RE, QUESTION_END, WRITES_IN_VOICE_RE, is_small_talk
from curate.filters.relevance import TRANSLATION_RE
from curate.filters.truncation import TEMPLATE_TASK_RE
from curate.filters.text import CJK_RE, CJK_STOP_BIGRAMS, EMAIL_RE, STOPWORDS, half_cjk_words, prose_script, sentences, shared_units, strip_code, units, words  # noqa: F401 (re-exported)

#: whole replies that say nothing (compared after ``fold``: NFKC, lower case, punctuation/emoji removed)
_FILLER_TEXT = """
ok|okay|k|kk|okey|oki|alright|all right|fine|sure|sure thing|got it|noted|understood|cool|nice|great|good|very good
good job|well done|awesome|perfect|wow|lol|lmao|haha|hahaha|hehe|hmm|hm|uh|um|yeah|yea|yep|yup|nope|nah|yes|no
ugh|ew|eww|yikes|oops|huh|meh|ah|oh|oh no|oh my|omg|gosh|geez|sigh|what|what s that|huh what|uh oh
hi|hello|hey|hey there|yo|hiya|greetings|thanks|thank you|thx|ty|thanks a lot|you re welcome|you are welcome|welcome
yes it is|yes i can|yes of course|of course|no it isn t|no it is not|no i can t|bye|goodbye|interesting|true|right|exactly|indeed|agreed|correct|nice one|same|me too|idk|i don t know|dunno|whatever
好|好的|好吧|好啊|嗯|嗯嗯|哦|噢|是|是的|对|对的|对啊|没错|不是|不对|你好|您好|嗨|哈哈|哈哈哈|谢谢|谢谢你|多谢|不客气
不错|很好|非常好|太好了|回答不错|回答得不错|回答得很好|好评|赞|厉害|收到|明白|知道了|了解|可以|行|再见|拜拜|已验证|无|没有
ок|окей|хорошо|ладно|да|нет|ага|угу|привет|здравствуйте|спасибо|пожалуйста|отлично|круто|класс|супер|понятно|ясно
пока|норм|нормально|согласен|верно|точно
oui|non|merci|bonjour|salut|d accord|bien|très bien|parfait
sí|si|vale|gracias|hola|bueno|muy bien|claro|perfecto|genial
ja|nein|danke|hallo|gut|sehr gut|genau|klar
"""
#: test input typed into the answer slot ("Test", "asdf"): a filler unless a word was asked for
TEST_WORDS = frozenset(("test", "testing", "test test", "asdf", "asd", "qwerty", "lorem ipsum"))
FILLERS = frozenset(x.strip() for line in _FILLER_TEXT.strip().splitlines() for x in line.split("|") if x.strip()) | TEST_WORDS
_MAX_FILLER_CHARS = 2 * max(map(len, FILLERS))  # a longer reply is never a filler: skip folding it

#: fillers that answer a yes/no question (judged only when the prompt is not one)
YES_NO = frozenset(("yes no yeah yea yep yup nope nah sure true false right wrong correct incorrect exactly indeed agreed "
                    "是 是的 对 对的 对啊 没错 不是 不对 可以 行 да нет ага угу верно точно согласен "
                    "oui non sí si ja nein genau claro").split()
                   + ["yes it is", "yes i can", "yes of course", "of course", "no it isn t", "no it is not", "no i can t"])

#: a yes/no question: opens with an auxiliary (en, fr, es, de), ends on 吗/么/是否, or carries ли
_YES_NO_Q_RE = re.compile(
    r"(?i)^\W*(?:is|are|am|was|were|do|does|did|can|could|will|would|should|shall|may|might|must|have|has|had"
    r"|isn['’]t|aren['’]t|don['’]t|doesn['’]t|didn['’]t|can['’]t|won['’]t|est-ce|es|está|son|ist|sind|kann|hast|hat)\b"
    r"|[吗嘛么][？?]?\s*$|是否|能否|可否|有没有|是不是|\bли\b")
#: an open question (what, how, why...): no yes/no word answers it
_WH_Q_RE = re.compile(
    r"(?i)^\W*(?:what|how|why|where|when|who|whom|whose|which|describe|explain|tell me|list|write|give)\b"
    r"|什么|如何|怎么|怎样|为什么|为何|哪|谁|多少|几|^\W*(?:как|что|почему|зачем|где|когда|кто|какой|какая|какие|сколько)\b")
#: the question offers alternatives: a yes/no word does not pick one
_ALTERNATIVE_RE = re.compile(r"(?i)\bor\b|还是|或者|\bили\b|\bou\b|\bo\b|\boder\b")

#: the prompt asks for running text a word or two cannot hold
CONTENT_ASK_RE = re.compile(
    r"(?i)\b(?:write|explain|describe|list|summari[sz]e|outline|compose|draft|elaborate|discuss|compare|guide|walk me"
    r"|tell me (?:about|how|why)|give me (?:a |an )?(?:list|plan|guide|overview|summary|example|explanation)|create an? "
    r"(?:plan|story|essay|poem|list|guide|program|script|letter|email|article|menu|schedule|outline|proposal)"
    r"|how (?:do|can|should|would|to)|why (?:do|does|is|are|did|would))\b"
    r"|写一[篇段首封个份]|撰写|解释|描述|列出|列举|总结|概括|介绍一下|详细|生成[^。？\n]{0,12}(?:序列|列表|清单|段落|文章|故事|计划)"
    r"|帮我写|如何|怎么|怎样|为什么|给我讲"
    r"|напиши|объясни|опиши|перечисли|расскажи|составь|сравни|как (?:мне|сделать|можно)|почему"
    r"|\b(?:écris|explique|décris|escribe|explica|describe|schreib|erkläre|beschreibe)\b")
#: ...unless it asks for a word, a name, a label, a number or a short answer
SHORT_ASK_RE = re.compile(
    r"(?i)\b(?:one|single|1|two|a)[- ]word|\bin (?:one|a) word|\bwords?\b|\bname\b|\btitle\b|\blabel|\bclassif|\bcategor"
    r"|\bsynonym|\bantonym|\byes or no\b|\btrue or false\b|\bnumber\b|\bshort(?:est)? answer|\bonly (?:the|with|answer|respond|say)"
    r"|\bjust (?:say|answer|respond|the)|\brespond with\b|\banswer with\b|\bchoose\b|\bpick\b|\bselect\b|\boption"
    r"|\bwhether\b|\bdecide|\bcommand|\bbash\b|\bshell\b|\bsql\b|命令|归类|归为|分为|属于|评价|评估"
    r"|\bidentif|\bdetermine|\bdetect|\bfind (?:out )?(?:the|which|what)|\bguess|\bwhich\b|\bregex|\bregular expression"
    r"|词|字|名字|名称|歌名|书名|标题|题目|分类|类别|类型|种类|哪种|选择|选项|是或否|对或错|数字|只回答|只需|一句话|简短|简要|形式|确定|识别|判断"
    r"|слово|назва|заголов|категор|выбер|одним|только|кратко|mot|palabra|wort")

_PUNCT_RE = re.compile(r"[^\w\s]|_", re.U)
_DIGIT_RE = re.compile(r"\d")
#: refusal's offers of help, plus offers that open a clarifying question ("Sure, I can help. What is …?")
_OFFER_RE = re.compile(OFFER_RE.pattern + r"|有什么(?:可以|能|需要)|i can help|i['’]d be (?:happy|glad) to|我可以帮|我能帮"
                       r"|当然可以|乐意|anything else")
_QUESTION_END = QUESTION_END + ("?\"", "？”")
#: the prompt offers quoted labels to choose from: 'Output "correct" or "incorrect"', 输出“好”或“坏”
_CHOICE_RE = re.compile(r"[“\"'「][^”\"'」\n]{1,15}[”\"'」]\s*(?:或|或者|还是|or|или|ou|o|oder)\s*[“\"'「]")
#: a reply made only of words and sentence punctuation (no code, regex, markup or math: those are answers)
_PLAIN_RE = re.compile(r"[\w\s.,!?！？。，、…'’\"“”«»~-]+")
#: the prompt sets a task whose output can be a question, a greeting or a short phrase
TASK_OUTPUT_RE = re.compile(
    r"(?i)\bask\b|\bquestions?\b|\bquiz|\briddle|\bjoke|\bgreeting|\bphrase|\bsentence|\bdialog|\bconversation|\brespon[sd]"
    r"|\breply|\bsay\b|\bexample|\bfollowing\b|\bpolite|\bemail|\bedit\b|\bclean up|\bsound (?:like|more)|以下|下面|下列|这句话|请求|礼貌|邮件|编辑|修改|听起来|следующ"
    r"|\b(?:rewrite|rephrase|paraphrase|convert|transform|translate|generate|create|construct|formulate"
    r"|come up with|make up|turn (?:it|this|the))\b|\bchange (?:it|this|the)"
    r"|问题|提问|问句|疑问|反问|谜语|笑话|问候|短语|句子|对话|回应|回复|回答.{0,4}[“\"]|说|改写|重写|改成|变成|转换|翻译|生成|创建|构造|举一个|例子|造句|添加"
    r"|вопрос|загадк|шутк|фраз|предложени|диалог|ответь|перепиш|перевед|придумай|составь|сформулир"
    r"|pregunta|frase|traduc|question|phrase|traduis|frage|satz|übersetze")


def fold(text: str) -> str:
    """NFKC, lower case, punctuation/emoji/symbols removed, whitespace collapsed: the form fillers are compared in."""
    t = unicodedata.normalize("NFKC", text).lower().replace("’", " ").replace("'", " ")
    t = "".join(ch if (ch.isalnum() or ch.isspace()) else " " for ch in t)
    return " ".join(t.split())


def word_count(text: str) -> float:
    """Words of ``text`` with each CJK character counting half a word."""
    ws = words(text)
    n_cjk = len(CJK_RE.findall(text))
    return len(ws) - n_cjk + n_cjk / 2


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?。！？])\s*", text.strip()) if s.strip()]


#: Alpaca's "no output" marker opening an answer: <nooutput>, &lt;无输出&gt;, [No Output], <no input>
_NO_OUTPUT_MARK_RE = re.compile(
    r"(?i)^\W{0,2}(?:<|&lt;|\[|\()\s*(?:no[\s_-]*(?:output|input)|无输出|无输入|無輸出|無輸入)[^<>\[\]\n]{0,80}(?:>|&gt;|\]|\))")
#: ...or unbracketed, as the whole answer or followed by why ("No Output, GPT model cannot create visuals.")
_NO_OUTPUT_WORD_RE = re.compile(
    r"(?i)^\W{0,2}(?:no[\s_-]*(?:output|input)(?:\s+(?:required|needed|necessary|possible))?|无输出|无输入|无需输出)\W{0,3}$"
    r"|^\W{0,2}(?:no[\s_-]*output|无输出|n/a)\s*[,.:;，。：；(（-]\s*[^\n]{0,80}(?:gpt|model|cannot|can['’]?t|unable|visual|image|模型|无法|不能)")
#: the whole answer is one bracketed stand-in for a picture, chart, file or sound the model could not
#: make ("&lt;插入流程图&gt;", "<Word Cloud Output>", "[screenshot of Github website]"), after at most a short
#: label ("纽约时报：&lt;noinput&gt;"); entities (&lt; &gt;) are decoded first
_BRACKETED_RE = re.compile(r"\W{0,2}(?:[^\s<>\[\]‹›（）()]{1,12}[:：]\s*)?(?:<([^<>\n]{2,160})>|‹([^‹›<>\n]{2,160})[›>]|\[([^\[\]\n]{2,200})\]"
                           r"|[（(]([^（）()\n]{2,200})[）)]|【([^【】\n]{2,200})】)\W{0,2}")
#: what a stand-in names: a media or file artifact, a "no output" marker, or an insertion note
_STAND_IN_RE = re.compile(
    r"(?i)\b(?:image|picture|photo|screenshot|chart|graph|diagram|flow ?chart|infographic|illustration|drawing|sketch|poster"
    r"|logo|gif|video|audio|recording|tune|melody|song|music|meme|word ?cloud|slides?|presentation|map|painting|animation"
    r"|design|layout|mock-?up|web ?page|attachment|file|output|answer|insert|no ?input|arranged|graphical representation"
    r"|visuali[sz]ation)\b"
    r"|图片|图像|圖片|圖像|照片|截图|截圖|图表|圖表|图示|流程图|信息图|插图|图画|图纸|绘图|草图|素描|海报|动图|视频|音频|录音|曲子|旋律"
    r"|甘特图|示意图|条形图|柱状图|饼图|折线图|思维导图|结构图|散点图|图案"
    r"|歌曲|模因|表情包|词云|幻灯片|演示文稿|地图|网页|布局|设计|附件|文件|输出|插入|无输入|无输出|名称")
#: inside angle brackets, an HTML/XML tag or a generic type ("<br>", "<a href=…>", "<int>") is code, not a stand-in
_TAG_INSIDE_RE = re.compile(r"\s*/?[A-Za-z][\w:.-]*(?:\s+[\w:.-]+\s*=\s*[^<>]*)*\s*/?\s*")


def stand_in(text: str) -> str | None:
    """A note when the whole answer is a bracketed stand-in for content a text model cannot make, else
    None: ``<…>``, ``‹…›``, ``[…]``, ``(…)``/``（…）`` or ``【…】`` (round 44: "【Github网站截图】"; HTML entities ``&lt;``/``&gt;`` decoded first, after at most a
    12-character label such as "纽约时报：") whose text names a picture, chart, drawing, recording,
    file or "output" (``_STAND_IN_RE``) and is not an HTML/XML tag or a list of values. Alpaca's
    generation left these where the task asked for a drawing, a GIF or a word cloud
    ("&lt;篮球投篮动图&gt;", "[显示五个城市日平均气温的图表]", "<Word Cloud Output>", "（甘特图）"); readers labelled
    them truncated or nonsense (rounds 19-20, 26). Anchored on the stand-in noun: "[2, 3, 7, 9]",
    "<b>bold</b>" and "Dear [Name of Customer]," are answers."""
    reply = text.strip()
    if len(reply) > 240 or not any(c in reply for c in "<[‹&（(【"):
        return None
    reply = html.unescape(reply)
    m = _BRACKETED_RE.fullmatch(reply)
    if m is None:
        return None
    inner = next(g for g in m.groups() if g is not None)
    if m.group(1) is not None and _TAG_INSIDE_RE.fullmatch(inner) and not (" " in inner.strip() and "=" not in inner) \
            and not re.fullmatch(r"(?i)\s*no[\s_-]*(?:input|output)\s*", inner):
        return None  # <br>, <a href="…">, <int>: a tag or a type, not words
    if (m.group(3) is not None or m.group(4) is not None or m.group(5) is not None) and (re.search(r"\d", inner) and "," in inner or inner.count(",") + inner.count("、") >= 2):
        return None  # [1, 2, 3], [洋葱、土豆、番茄]: a list of values
    if not _STAND_IN_RE.search(inner):
        return None
    if re.search(r"[“\"「『][^”\"」』]{6,}[”\"」』]", inner):
        return None  # a described meme or poster with its caption ("[…三明治的模因，上面写着“当你对午餐太兴奋的时候。”]", round 35): content
    return f"stand_in: {reply[:40]!r}"


#: an answer that is only ``<img …>`` tags, inside layout wrappers at most (``<html>``, ``<div>``, ``<noinput>``)
_IMAGE_ONLY_RE = re.compile(r"(?is)\s*(?:(?:</?(?:html|body|head|div|p|center|figure|span|noinput|nooutput)\b[^<>]*>"
                            r"|<img\b[^<>]*>)\s*)+")
#: the prompt asks for markup or code, where an image tag is the answer
_MARKUP_TASK_RE = re.compile(r"(?i)html|markup|markdown|\btags?\b|syntax|\bsvg\b|\bcode\b|\bembed"
                             r"|标记|标签|代码|语法|разметк|тег")


def image_only(text: str, prompt: str) -> str | None:
    """A note when the whole answer is HTML image tags (``<img src="pie-chart.png">``) standing in for
    a chart, word cloud or infographic the task asked a text model to make, else None. Alpaca's
    generation left a made-up file name there; readers labelled them truncated or nonsense (rounds
    19-29), the one good ``<img>`` answer was asked for as HTML. Not judged when the prompt asks for
    markup ("Write the HTML syntax for adding an image"), nor for an ``http`` image where it asks for
    a picture or link (``_LINK_ASK_RE``). Markdown images and bare URLs are ``bare_link``'s."""
    reply = html.unescape(text.strip())
    if len(reply) > 600 or "<img" not in reply.lower() or _MARKUP_TASK_RE.search(prompt[:2000]):
        return None
    if not _IMAGE_ONLY_RE.fullmatch(reply) or ("http" in reply and _LINK_ASK_RE.search(prompt[:2000])):
        return None
    return f"image_only: {reply[:40]!r}"


#: an empty input field ("N/A", "None", "无") that an answer only repeats
_EMPTY_FIELD = frozenset(("n a", "na", "none", "null", "nil", "no input", "noinput", "无", "无输入", "нет"))


def no_output(text: str, prompt: str) -> str | None:
    """A note when the answer is a "no output" marker instead of an answer, else None.

    Self-Instruct / Alpaca generation (Wang et al. 2023; Taori et al. 2023) told the model to write
    ``<nooutput>`` for tasks a text model cannot do (draw a logo, record a song); the released
    Alpaca data and its translations (``&lt;无输出&gt;``, ``<无输入>``) keep thousands of such
    answers, sometimes followed by a why ("GPT 模型无法完成此类指令"). Also an answer that only
    repeats the prompt's empty input field ("N/A" under "Generate a unique algorithm…\n\nN/A"), a
    bracketed stand-in (``stand_in``) or image references only (``image_only``)."""
    reply = text.strip()
    m = _NO_OUTPUT_MARK_RE.match(reply[:200])  # a bracketed marker opening an answer of any length
    if not m and len(reply) > 200:
        return image_only(reply, prompt)  # image URLs run long
    m = m or _NO_OUTPUT_WORD_RE.match(reply)
    if m:
        return f"no_output: {reply[:40]!r}"
    note = stand_in(reply) or image_only(reply, prompt)
    if note:
        return note
    folded = fold(reply)
    if folded in _EMPTY_FIELD:
        last = prompt.strip().rsplit("\n", 1)[-1] if "\n" in prompt.strip() else ""
        if last and fold(last) == folded:
            return f"no_output: echoes the empty input {reply[:20]!r}"
    return None


#: the prompt asks for text in a user's voice (a question, a request, a line of dialogue, a prompt,
#: a rewrite of the user's own words): a reply that reads as a user turn may be the answer
VOICE_TASK_RE = re.compile(
    r"(?i)\bask\b|\bquestion|\bquiz|\bprompt|\bdialog|\bconversation|\brole[- ]?play|\bpretend|\bact as|\bplay the"
    r"|\byou are an?\b|\bimagine|\bcustomer|\buser\b|\binterview|\brespond as|\breply as|\bsay\b|\brequest|\bimperative"
    r"|\bcommand|\bsentence|\bphrase|\bslogan|\bexample|\bjoke|\bpun\b|\bquer(?:y|ies)|\btasks?\b|\bsearch|\bhypothetical|\bscenario|\b(?:rewrite|rephrase|paraphrase|translate|convert|edit|correct"
    r"|simplify|capitali[sz]e|delete|remove|replace|change|turn|transform)\b"
    r"|问题|提问|问句|疑问|对话|扮演|假装|假设你|客户|用户|请求|命令|句子|短语|口号|例子|改写|重写|翻译|转换|修改|改成|删除|替换"
    r"|笑话|谜语|查询|搜索|任务|编辑|假设|情景|场景"
    r"|вопрос|диалог|представь|притвор|пользоват|клиент|просьб|предложени|фраз|перепиш|перевед|измени"
    r"|pregunta|di[aá]logo|frase|traduc|question|phrase|frage|satz")


#: a turn that opens as a request to an assistant: an imperative with "me/us" ("Write me…", "give us…"),
#: "can/could/would you…", or a task verb on "your answer / a / the…" ("Summarise your answer into bullet points")
_REQUEST_RE = re.compile(
    r"(?i)^\s*(?:please[,\s]+)?(?:(?:write|give|tell|show|send|make|draw|teach|find|get|explain to|recommend|suggest"
    r"|list|generate|create|compose|summari[sz]e|describe|translate)\s+(?:me|us)\b|(?:can|could|would|will) you\b"
    r"|(?:write|summari[sz]e|rewrite|explain|describe|list|create|generate|compose|translate|outline)\s+"
    r"(?:a|an|the|your|some|this|that|my|it)\b)")


def request_form(reply: str) -> bool:
    """True when ``reply`` opens as a request addressed to an assistant ("Write me an essay about climate
    change.", "Can you…", "Summarise your answer into bullet points…"): in the assistant slot, with
    nothing shared with the prompt, such a turn is a user turn (the quality stage scores it with the
    user-voice model at a lower threshold, ``non_answer_user_voice_request``). English only."""
    return bool(_REQUEST_RE.search(reply))


def voice_candidate(reply: str, prompt: str, max_words: int = 30, min_words: int = 4) -> bool:
    """True when ``reply`` may be a user turn in the assistant slot and is worth scoring with the
    user-voice model (``curate.filters.voice``): ``min_words`` to ``max_words`` words (CJK
    character = half a word; shorter replies are labels and names, judged by ``non_answer``'s
    other kinds), plain words, no content unit shared with a prompt of 3+ words, and the prompt
    does not ask for text in a user's voice (``VOICE_TASK_RE``), a translation or a label."""
    r = reply.strip()
    if not r or len(r) > 12 * max_words or not min_words <= word_count(r) <= max_words or not _PLAIN_RE.fullmatch(r):
        return False
    head = prompt[:2000]
    if len(words(prompt)) < 3 or VOICE_TASK_RE.search(head) or TRANSLATION_RE.search(head) or _CHOICE_RE.search(head):
        return False
    return shared_units(r, prompt) == 0


_VOWEL_RE = re.compile(r"[AEIOUaeiouАЕИОУЫЭЮЯаеиоуыэюя]")
_UPPER_ASK_RE = re.compile(r"(?i)caps|upper|capital|acronym|abbreviat|initials|shout|yell|大写|縮寫|缩写|заглавн|прописн")


def shouting(reply: str, prompt: str, max_words: int = 40) -> str | None:
    """A note when the reply is a shouted remark: 4 to ``max_words`` words, ≥ 90 % of its cased
    letters upper case, sharing at most a quarter of its content units with a prompt (a long
    prompt shares a word or two with anything) that is not itself shouted and does
    not ask for capitals or acronyms ("YOU POLITICIANS CANNOT RULE OVER THE PEOPLE, YOU CANNOT
    CENSOR US!!4" to a request about a project's name), else None."""
    ws = words(reply)
    if not 4 <= len(ws) <= max_words:
        return None
    if sum(len(w) >= 4 and bool(_VOWEL_RE.search(w)) for w in ws) < 0.5 * len(ws):
        return None  # acronyms ("TCP/IP, UDP, FTP"), notes ("C D D E"), codes: not words
    cased = [c for c in reply if c.isupper() or c.islower()]
    if len(cased) < 12 or sum(c.isupper() for c in cased) < 0.9 * len(cased):
        return None
    p_cased = [c for c in prompt[:2000] if c.isupper() or c.islower()]
    if not p_cased or sum(c.isupper() for c in p_cased) > 0.5 * len(p_cased) or _UPPER_ASK_RE.search(prompt[:2000]):
        return None
    r_units = units(reply)
    return f"shouting: {reply.strip()[:40]!r}" if len(r_units & units(prompt)) <= 0.25 * len(r_units) else None


#: the whole reply is one link: a bare URL or a markdown link/image
_BARE_LINK_RE = re.compile(r"\s*(?:!?\[[^\]\n]{0,80}\]\(\s*https?://[^\s)]+\s*\)|<?https?://\S+?>?)\s*[.。]?\s*")
#: the prompt asks for a link, a source, a site or a picture to look at
_LINK_ASK_RE = re.compile(r"(?i)\b(?:links?|url|urls|website|site|web ?page|source|sources|reference|citation|cite|"
                          r"download|image|picture|photo|gif|meme|video|playlist|song|article|look up|find online)\b|网址|链接|網址|鏈接|网站|網站|来源|出处|"
                          r"图片|圖片|照片|视频|視頻|ссылк|сайт|источник|картинк|enlace|sitio|fuente")


def bare_link(text: str, prompt: str) -> str | None:
    """``bare_link: '<url>'`` when the whole reply is one URL or markdown link/image and the prompt
    asks for no link, source, site or picture (``_LINK_ASK_RE``): a logo "designed" as a thumbnail
    link, a leaked API address ("https://open-assistant.io/api/messages/user"). Else None."""
    if not _BARE_LINK_RE.fullmatch(text) or _LINK_ASK_RE.search(prompt[:2000]):
        return None
    return f"bare_link: {text.strip()[:60]!r}"


# ---------------------------------------------------------------- the asked-for deliverable is missing

#: the prompt asks to calculate with its own numbers: "Посчитай НДС 20% от 15000", "月薪12000…到手大概多少"
CALC_ASK_RE = re.compile(r"(?i)\b(?:calculate|compute|work out)\b|посчитай|посчитайте|вычисли|рассчитай|рассчитайте"
                         r"|计算(?!机)|算一下|算算|到手(?:大概)?(?:是)?多少|等于几")
#: (a call "f(", not big-O notation "O(n²)", written ru set V, nor "25(OH)D", written ru set S)
_CODE_IN_REPLY_RE = re.compile(r"```|^\s*(?:def|function|return|import|for|while|public|const|let|var)\b|[=;{}]|<-|\b(?!O\()[^\W\d]\w*\(", re.M)
#: a sign of code in an answer to a code-writing ask (``no_code``): ``_CODE_IN_REPLY_RE`` without the bare ";" that ends
#: items of prose lists ("- постоянная усталость и слабость;", written ru set S), and with SQL statements, comparisons
#: and a line ended by ";" after a Latin identifier, a quote or a bracket
_CODE_SIGN_RE = re.compile(r"```|^\s*(?:def|function|return|import|for|while|public|const|let|var|class|#include)\b|[{}]|<-|==|\w\s*=\s*\S"
                           r"|\)\s*;|\b(?!O\()[^\W\d]\w*\(|\b(?:SELECT|UPDATE|DELETE)\b[^\n]*?\b(?:FROM|SET|WHERE)\b|\bINSERT INTO\b|\bCREATE (?:TABLE|INDEX|VIEW)\b"
                           r"|(?i:^\s*select\b[^\n]*\bfrom\b)|[A-Za-z0-9_'\")\]]\s*;\s*$", re.M)
#: two numbers in the prompt: the calculation's own operands ("20% от 15000", "月薪12000，…22%")
_TWO_NUMBERS_RE = re.compile(r"\d[\d.,]*\D+\d")
#: a number in an answer: a digit, a spelled-out number, or a Chinese numeral ("三个苹果", "周二")
_NUMBER_RE = re.compile(r"(?i)\d|[²³¹⁰-⁹₀-₉½¼¾]|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty"
                        r"|hundred|thousand|million|billion|trillion|dozen|(?:hundred|thousand|million|billion|trillion|dozen)s|percent|half|ноль|один|одна|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять"
                        r"|двадцать|сто|тысяч\w*|миллион\w*|половин\w*)\b"
                        r"|[零一二两三四五六七八九十百千万亿]")


#: programming languages a prompt names for the code it asks for, each with the fence tags that write it
_CODE_LANGS = {
    "python": ("python", "py", "python3"), "javascript": ("javascript", "js", "jsx", "node", "typescript", "ts", "tsx"),
    "java": ("java",), "c++": ("cpp", "c++", "cc", "cxx"), "c#": ("csharp", "cs", "c#"), "go": ("go", "golang"),
    "rust": ("rust", "rs"), "ruby": ("ruby", "rb"), "php": ("php",), "kotlin": ("kotlin", "kt"), "swift": ("swift",),
    "sql": ("sql", "mysql", "postgresql", "postgres", "sqlite", "tsql", "plsql"),
}
#: a language named in a prompt: "in Python", "на JavaScript", "用Python", "Python function"
#: (ASCII boundaries: "用Python写一个函数" names Python between two ideographs)
_CODE_LANG_RE = re.compile(r"(?i)(?<![A-Za-z0-9_+#])(python|javascript|typescript|java|c\+\+|c#|golang|rust|ruby|php|kotlin|swift|sql)(?![A-Za-z0-9_+#])")
_LANG_OF = {"typescript": "javascript", "golang": "go"}
#: the prompt asks to write code: a verb of writing and a unit of code
CODE_WRITE_ASK_RE = re.compile(
    r"(?i)\b(?:write|create|implement|give me|make|build)\b[^.?!\n]{0,60}\b(?:function|script|program|class|method|query|snippet"
    r"|regex|regular expression)\b"
    r"|напиши[^.?!\n]{0,60}(?:функци|скрипт|программ|класс|метод|запрос|регулярн)|реализуй"
    r"|(?:写|编写|实现)[^。？！\n]{0,30}(?:函数|脚本|程序|类|方法|查询|正则|爬虫)"
    # a task to do in a named language: "用Python读取一个CSV文件，并计算…", "Use Python to read…" (written zh set W)
    r"|^\W*(?:请)?(?:用|使用)\s*(?:python|java|javascript|c\+\+|c#|golang|rust|php|ruby|kotlin|swift)(?![a-z+#])\s*(?:写|编写|实现|读取|计算|统计|解析|爬取|处理|生成|判断|求)"
    r"|^\W*(?:please )?use (?:python|java|javascript|c\+\+|c#|golang|rust|php|ruby|kotlin|swift) to (?:read|write|parse|compute|calculate|count"
    r"|sort|scrape|generate|build|implement|check|find)\b")
#: the prompt names a programming language, library, tool or notation ("pandas удалить дубликаты…", "正则 匹配大陆手机号",
#: "Как посмотреть логи контейнера в докере?"): a how-to whose answer may be code alone (written sets A, N, AH, AI)
CODE_TOPIC_RE = re.compile(
    # (ASCII edges: a name written against Chinese counts, "python冒泡排序"; "c语言冒泡排序", written zh set AO)
    r"(?i)(?<![A-Za-z0-9_.])(?:python|pandas|numpy|sql|mysql|postgres\w*|sqlite|docker\w*|докер\w*|kubectl|kubernetes|git|bash|shell|linux|"
    r"regex|regexp|javascript|js|typescript|node\.?js|react|css|html|java|c\+\+|c#|golang|rust|php|ruby|vba|powershell|nginx|curl|"
    r"ssh|json|yaml|numpy|matplotlib|excel)(?![A-Za-z0-9_+#])|(?<![A-Za-z])(?:c|go)\s?语言|正则|命令行?|代码|脚本|函数"
    r"|регулярк|регулярн|командн|скрипт|функци")
#: the prompt asks what code prints or returns: prose answers it
_OUTPUT_ASK_RE = re.compile(r"(?i)\boutput\b|\bprint(?:s|ed)?\b|\bwhat (?:would|will|does)\b|вывед|выведет|输出|打印")
#: the prompt asks for advice about code, not code: "编写高效 SQL 查询的技巧", "best practices for writing a class"
_ADVICE_ASK_RE = re.compile(r"(?i)\btips?\b|\bbest practices?\b|\badvice\b|\bways to\b|技巧|建议|советы|рекомендаци")
_CAN_YOU_WRITE_RE = re.compile(r"(?i)^\W*(?:can|could|would|will) you (?:please )?(?:write|create|implement|make|build|give)\b"
                               r"|^\W*(?:можешь|можете|не мог(?:ли)? бы (?:ты|вы)) (?:написать|реализовать|создать)|^\W*(?:你)?能(?:不能)?(?:帮我)?(?:写|编写|实现)")
#: fence tags that are no programming language: output, shell sessions, data
_NEUTRAL_FENCE_TAGS = {"", "text", "txt", "plaintext", "output", "console", "bash", "sh", "shell", "zsh", "powershell", "cmd",
                       "json", "yaml", "yml", "xml", "html", "css", "toml", "ini", "csv", "markdown", "md", "diff"}
_FENCE_TAG_RE = re.compile(r"^\s*```\s*([\w+#.-]*)", re.M)


def _asked_code_language(prompt: str) -> str | None:
    """The one programming language a code-writing prompt names ("Write a Python function…", "Напиши функцию на
    JavaScript", "用Python写一个函数"), else None (none named, two named: a port between languages, or no code asked)."""
    head = prompt.strip().split("\n", 1)[0][:300]  # the instruction line: not the code it quotes ("public class Test")
    if not CODE_WRITE_ASK_RE.search(head) or _EXPLAIN_ASK_RE.search(head) or TRANSLATION_RE.search(head) \
            or _OUTPUT_ASK_RE.search(head) or _ADVICE_ASK_RE.search(head) \
            or (re.search(r"[?？]", head) and not _CAN_YOU_WRITE_RE.match(head)):
        return None  # (advice about code, or a question: "Is it possible to create a program that…?")
    names = {_LANG_OF.get(m.lower(), m.lower()) for m in _CODE_LANG_RE.findall(head)}
    return names.pop() if len(names) == 1 else None


def _code_language_note(reply: str, prompt: str) -> str | None:
    """``no_code`` / ``code_language`` (see ``missing_deliverable``), else None."""
    lang = _asked_code_language(prompt)
    if lang is None:
        return None
    tags = [t.lower() for t in _FENCE_TAG_RE.findall(reply)[::2]]  # opening fences only
    if not tags and not _CODE_SIGN_RE.search(reply) and word_count(reply) >= 8:
        return f"no_code: {lang} asked, {reply[:40]!r}"
    named = {next((k for k, v in _CODE_LANGS.items() if t in v), t) for t in tags if t not in _NEUTRAL_FENCE_TAGS}
    if named and lang not in named and all(n in _CODE_LANGS for n in named) and not (lang == "sql" or "sql" in named):
        return f"code_language: {lang} asked, {', '.join(sorted(named))} given"
    return None


#: the prompt asks to extract items from the text it gives
_EXTRACT_ASK_RE = re.compile(r"(?i)\b(?:extract|pull out|find all|list all|identify all)\b|извлеки|выпиши|найди (?:все|всех)|提取|找出(?:所有|全部)?|列出所有")
#: a name inside a sentence: a capitalised word after a lower-case word ("…thanked David Okafor", "…пишите Марии")
_NAME_ITEM_RE = re.compile(r"(?<=[a-zа-яё,] )[A-ZА-ЯЁ][a-zа-яё]{2,}(?: [A-ZА-ЯЁ][a-zа-яё]{2,})?")
_NAME_ASK_RE = re.compile(r"(?i)\bnames?\b|\bpeople\b|\bpersons?\b|имен|имён|фамили|人名|姓名|名字")
_EMAIL_ASK_RE = re.compile(r"(?i)e-?mails?|\baddress|почт|адрес|邮箱|邮件|电子邮")


def _no_extraction_note(reply: str, prompt: str) -> str | None:
    """``no_extraction`` (see ``missing_deliverable``), else None."""
    m = _EXTRACT_ASK_RE.search(prompt[:300])
    if not m:
        return None
    ask, source = prompt[:m.end() + 120], prompt[m.end():]
    if re.search(r"[{}\[\]=<>]", source):
        return None  # JSON, code or markup: its keys and values are not prose names
    if _EMAIL_ASK_RE.search(ask):
        items = set(EMAIL_RE.findall(source))
        if items and not any(x.lower() in reply.lower() for x in items):
            return f"no_extraction: {len(items)} e-mail address(es) in the text, none in {reply[:30]!r}"
    if _NAME_ASK_RE.search(ask):
        items = set(_NAME_ITEM_RE.findall(source))
        if len(items) >= 2 and not any(x.split()[-1][:4] in reply for x in items):
            return f"no_extraction: {len(items)} names in the text, none in {reply[:30]!r}"
    return None


#: the prompt asks to write a poem (en, ru, zh)
_POEM_ASK_RE = re.compile(
    r"(?i)\b(?:write|compose|create|make up)\b[^.?!\n]{0,40}\b(?:haiku|poem|limerick|sonnet|acrostic|verse|quatrain|ode)s?\b"
    r"|(?:напиши|сочини|придумай)[^.?!\n]{0,40}(?:стих|четверостиш|поэм|хайку|акростих|частушк|лимерик|сонет)"
    r"|(?:写|作|创作)(?:一|两|几|一组)?首")  # (a count word: "确定下面所写诗歌的类型" asks for no poem)
#: the prompt names a poem (not a bare measure word "首", which counts songs and pieces of music too)
_POEM_WORD_RE = re.compile(r"(?i)haiku|poem|limerick|sonnet|verse|стих|четверостиш|хайку|лимерик|сонет|诗")
#: an answer that defines the poetic form: "A haiku is a traditional form…", "藏头诗是杂体诗的一种", "Хайку — это…"
_FORM_DEFINED_RE = re.compile(
    r"(?i)\b(?:haiku|poem|limerick|sonnet|acrostic|poetry|verse|quatrain|ode)s? (?:is|are) (?:a|an|the|one)\b"
    r"|(?:хайку|стихотворение|акростих|лимерик|сонет|четверостишие|частушка)\s*[—–-]\s*(?:это|один|одна|жанр|форма)"
    r"|(?:诗|俳句)(?:是|，是|指的是)")


#: sibling subjects a user names and an answer can swap for another of the same kind: programming languages and the
#: spreadsheet apps that do the same sums, phone and desktop platforms, planets. Each name is a regex (the spellings in
#: en/ru/zh); a class's names are alternatives. ("Go", "Windows", "Mac" and Russian planets are case-sensitive: they
#: are words too.)
_SIBLING_CLASSES = {
    "tool": {
        "python": r"(?i:python)|питон", "javascript": r"(?i:javascript|typescript|node\.js)|\b(?i:js)\b",
        "c": r"(?i:c语言)|\b(?:in|with|using) C\b(?![+#])|\bна (?:C|Си)\b(?![+#])",
        "java": r"(?i:java)(?! ?[Ss]cript)", "c++": r"(?i:c\+\+)(?!\s*[);])", "c#": r"(?i:c#)",
        "go": r"(?i:golang)|(?:\b(?:in|with|using|to) |\b(?:в|на) |用|使用)Go\b|\bGo(?:\s*(?:里|中|语言)|['’]s\b)",
        "rust": r"\bRust\b|(?i:\b(?:in|with|using) rust\b)|(?i:rust)(?=\s*(?:的|里|中|语言|\())", "ruby": r"(?i:ruby)", "php": r"(?i:php)", "kotlin": r"(?i:kotlin)", "swift": r"\bSwift\b",
        "excel": r"\bExcel\b|\b(?:in|into|from) excel\b|[Ээ]ксел", "sheets": r"(?i:google sheets)|(?i:google таблиц)",
    },
    "platform": {
        # ("iphone15": written zh set BJ)
        "ios": r"(?i:iphone|ipad)(?:\s?\d{1,2}(?:\s?(?i:pro|max|plus))*)?|\biOS\b|айфон|苹果手机", "android": r"(?i:android|google play)|андроид|安卓",
        "windows": r"\b(?i:windows)\b|виндовс",
        "macos": r"\bmacOS\b|\bMac ?OS\b|(?i:macbook)|макбук|苹果电脑|(?i:меню apple|apple menu)|苹果菜单"
                 # ("на Mac:", "mac上怎么安装python3": written sets BL, BM; not a MAC address nor a Big Mac)
                 r"|(?<!Big )\bMac\b(?! ?(?:address|адрес|and cheese|n cheese))|(?i:\bmac)(?=上|电脑|系统|里|版)"
                 # a Mac key combination: "Press **Cmd + Shift + 4**" for a Windows screenshot (written en set BW)
                 r"|\bCmd\s*\+\s*(?:Shift|Option|Ctrl|Control|[A-Z0-9]\b)|⌘",
        "linux": r"(?i:linux|ubuntu|debian)|линукс",
        # phone makers: an iPhone question answered for a Huawei (written zh set AL)
        # ("小米14怎么打开nfc" answered for a Huawei: written zh set CE)
        "huawei": r"(?i:huawei)|华为|хуавей", "xiaomi": r"(?i:xiaomi|redmi)|小米手机|小米\s?\d{1,2}(?!\d)|红米|сяоми", "samsung": r"(?i:samsung)|\bGalaxy (?:S|Z|Note|A)\d*|三星|самсунг",
    },
    "office": {
        "css": r"\bCSS\b", "word": r"\b(?:Microsoft|MS) Word\b|\bWord document\b|(?i:в ворде)|\bWord\b(?= ?документ)",
        # written zh set AX: Excel's page numbers for "word怎么从第三页开始加页码"; set CE: Word's header for "excel怎么冻结首行"
        "word_zh": r"(?i:word)(?=\s*(?:怎么|里|中|文档|如何|页))", "excel_office": r"(?i:(?<![a-z])excel(?![a-z])(?! (?:in|at|as)\b))|[Ээ]ксел",
        "zoom": r"\bZoom\b", "tencent_meeting": r"腾讯会议|(?i:tencent meeting|voov)", "teams": r"\b(?:Microsoft )?Teams\b",
        "dingtalk": r"钉钉|(?i:dingtalk)", "feishu": r"飞书|(?i:lark)\b",
    },
    "router": {
        "keenetic": r"(?i:keenetic)|кинетик", "tplink": r"(?i:tp-?link|tplinkwifi)", "asus": r"\b(?i:asus)\b",
        "mikrotik": r"(?i:mikrotik)|микротик", "xiaomi_router": r"小米路由",
    },
    "city": {
        "moscow": r"\bMoscow\b|Москв|莫斯科", "petersburg": r"(?i:st\.? petersburg|saint petersburg)|(?i:петербург|\bпитер\w*|\bспб\b)|圣彼得堡",
        "kazan": r"\bKazan\b|Казан|(?i:\bказан(?:ь|и|ью)\b)|喀山", "nizhny": r"\bNizhny Novgorod\b|(?i:нижн\w* новгород)|下诺夫哥罗德", "beijing": r"\bBeijing\b|Пекин|北京", "shanghai": r"\bShanghai\b|Шанха|上海",
        "chengdu": r"\bChengdu\b|Чэнду|成都", "xian": r"\bXi['’]?an\b|Сиань|西安", "hangzhou": r"\bHangzhou\b|杭州",
        "guangzhou": r"\bGuangzhou\b|广州", "shenzhen": r"\bShenzhen\b|深圳", "paris": r"\bParis\b|Париж|巴黎",
        "london": r"\bLondon\b|Лондон|伦敦", "tokyo": r"\bTokyo\b|Токио|东京", "new_york": r"\bNew York\b|Нью-Йорк|纽约",
        # written ru set BC: Tallinn for "из питера в хельсинки"
        "helsinki": r"\bHelsinki\b|(?i:хельсинки)|赫尔辛基", "tallinn": r"\bTallinn\b|(?i:таллин)|塔林", "riga": r"\bRiga\b|(?i:\bриг[аеуи]\b)|里加",
        "berlin": r"\bBerlin\b|Берлин|柏林", "rome": r"\bRome\b|(?i:\bрим(?:а|е|у)?\b)|罗马", "madrid": r"\bMadrid\b|Мадрид|马德里", "barcelona": r"\bBarcelona\b|(?i:\bbarcelona\b)|Барселон|巴塞罗那",
        "prague": r"\bPrague\b|Праг[аеуи]|布拉格", "istanbul": r"\bIstanbul\b|Стамбул|伊斯坦布尔", "seoul": r"\bSeoul\b|Сеул|首尔",
        "bangkok": r"\bBangkok\b|Бангкок|曼谷", "dubai": r"\bDubai\b|Дуба[йи]|迪拜",
        # written sets BQ, BR: Venice for Vienna, Seoul for Kyoto, Kostroma for Yaroslavl
        "vienna": r"\b(?i:vienna)\b|\bВен[аеуы]\b|维也纳", "venice": r"\b(?i:venice)\b|(?i:венеци)|威尼斯", "kyoto": r"\b(?i:kyoto)\b|(?i:киото)|京都",
        "yaroslavl": r"\b(?i:yaroslavl)\b|(?i:ярославл)|雅罗斯拉夫尔", "kostroma": r"\b(?i:kostroma)\b|(?i:костром)|科斯特罗马",
        # written sets BT, BW: Porto for Lisbon and back; "питер" is how Russian prompts name St Petersburg (set BX)
        "lisbon": r"\b(?i:lisbon)\b|(?i:лиссабон)|里斯本", "porto": r"\b(?i:porto)\b|(?i:\bпорту\b)|波尔图",
    },
    "writer": {
        "libai": r"李白", "dufu": r"杜甫", "baijuyi": r"白居易", "sushi": r"苏轼", "wangwei": r"王维", "liqingzhao": r"李清照",
        "pushkin": r"\bPushkin\b|Пушкин", "lermontov": r"\bLermontov\b|Лермонтов", "tolstoy": r"\bTolstoy\b|Толст(?:ой|ого|ому|ым)",
        "dostoevsky": r"\bDostoevsky\b|Достоевск", "chekhov": r"\bChekhov\b|Чехов",
    },
    "cereal": {
        "buckwheat": r"\b(?i:buckwheat)\b|(?i:гречк|гречнев)|荞麦", "rice": r"\b(?i:rice)\b|\b[Рр]ис(?:а|у|ом|е)?\b|大米|米饭",
        "oats": r"\b(?i:oats|oatmeal)\b|(?i:овсян)|燕麦",
        # noodles for rice: "煮面条的小技巧" for "电饭煲煮米饭 米和水的比例" (written zh set BY)
        "noodles": r"\b(?i:noodles)\b|(?i:лапш)|面条",
    },
    "geometry": {
        "area": r"\b(?i:area)\b|(?i:площад)|面积", "perimeter": r"\b(?i:perimeter|circumference)\b|(?i:периметр|длин\w* окружност)|周长",
        "volume": r"\b(?i:volume)\b|(?i:\bобъ[её]м)|体积",
    },
    "planet": {
        "mercury": r"\bMercury\b|Меркури|水星", "venus": r"\bVenus\b|Венер|金星", "mars": r"\bMars\b|Марс|火星",
        "jupiter": r"\bJupiter\b|Юпитер|木星", "saturn": r"\bSaturn\b|Сатурн|土星", "uranus": r"\bUranus\b|天王星",
        "neptune": r"\bNeptune\b|Нептун|海王星",
    },
    # written sets AH, AI: dogs for a cat, Chinese for Japanese, the USA for Russia, an integral for a derivative, a flight
    # for the high-speed train, films for novels, one classic novel for another
    "pet": {
        "cat": r"\b(?i:cats?|kittens?)\b|(?i:кош(?:к|ек|ач)|\bкот(?:а|у|ом|е|ы|ов|ам|ами|ах|ёнок|ят\w*|енок)?\b|кот[её]н)|(?<!熊)猫",
        "dog": r"\b(?i:dogs?|pupp(?:y|ies))\b|(?i:собак|\bщен|\bп[её]с\b|\bпса\b)|狗",
    },
    "spoken": {
        # ("In French, …" opens a sentence: written en set BB, Italian asked)
        "english": r"\b(?i:in|into) English\b|(?i:по-английски|английск\w* язык)|英语|英文",
        "french": r"\b(?i:in|into) (?i:french)\b|(?i:по-французски|французск\w* язык)|法语",
        "spanish": r"\b(?i:in|into) (?i:spanish)\b|(?i:по-испански|испанск\w* язык)|西班牙语",
        "german": r"\b(?i:in|into) (?i:german)\b|(?i:по-немецки|немецк\w* язык)|德语",
        "italian": r"\b(?i:in|into) (?i:italian)\b|(?i:по-итальянски|итальянск\w* язык)|意大利语",
        "portuguese": r"\b(?i:in|into) (?i:portuguese)\b|(?i:по-португальски|португальск\w* язык)|葡萄牙语",
        "chinese": r"\b(?i:in|into) (?:Chinese|Mandarin)\b|(?i:по-китайски|китайск\w* язык)|中文|汉语",
        "japanese": r"\b(?i:in|into) Japanese\b|(?i:по-японски|японск\w* язык)|日语|日文",
        "korean": r"\b(?i:in|into) Korean\b|(?i:по-корейски|корейск\w* язык)|韩语",
    },
    "country": {
        "russia": r"\bRussia\b|(?i:\bросси(?:я|и|ю|ей)\b|российск)|\bРФ\b|俄罗斯",
        "usa": r"\b(?:USA|US|United States)\b|\bU\.S\.(?!\w)|\bСША\b|(?i:\bв америке\b|американск)|美国",
        "uk": r"\b(?:UK|United Kingdom|Britain|England)\b|(?i:\b(?:in|the) uk\b)|(?i:великобритани|\bв англии\b)|英国",
        "china": r"\bChina\b|(?i:\bв кита[йе]\b)|中国(?!人)|国内|我国",  # ("визы в Китай", "我国个人所得税": sets BF, BG)
        "germany": r"\b(?i:germany)\b|(?i:\bв германи[ию]\b)|德国",
        # written sets AS-AU: US brackets for Canada, Armenia for Georgia
        "canada": r"\b(?i:canada|canadian|ontario|quebec|british columbia|alberta|manitoba|nova scotia)\b|(?i:канад|онтарио|квебек)|加拿大|安大略", "australia": r"\b(?i:australia|australian)\b|(?i:австрали)|澳大利亚|澳洲",
        "france": r"\bFrance\b|(?i:во франци[ию])|法国", "japan": r"\bJapan\b|(?i:в япони[июя])|日本(?!语|文)",
        "georgia": r"(?i:в грузи|грузию|грузии\b)|格鲁吉亚", "armenia": r"\bArmenia\b|(?i:армени)|亚美尼亚",
        "kazakhstan": r"\bKazakhstan\b|(?i:казахстан)|哈萨克斯坦", "turkey": r"\bTurkey\b|(?i:в турци|турцию)|土耳其",
        # written sets BB-BD: a U.S. passport for Canada ("U.S." ends on a dot: no \b after it), Schengen for a U.S. visa
        "schengen": r"\b(?i:schengen)\b|(?i:шенген)|申根", "italy": r"\bItaly\b|(?i:в итали|италию)|意大利(?!语)",
        "spain": r"\bSpain\b|(?i:в испани|испанию)|西班牙(?!语)", "thailand": r"\bThailand\b|(?i:в таиланд|таиланд)|泰国",
        "korea": r"\b(?:South )?Korea\b|(?i:в корее|южн\w* коре)|韩国", "india": r"\bIndia\b|(?i:в индии|индию)|印度",
        "finland": r"\bFinland\b|(?i:финлянди)|芬兰", "estonia": r"\bEstonia\b|(?i:эстони)|爱沙尼亚",
    },
    # written set AU: the fall of the Qing for the Ming's
    "dynasty": {"tang": r"唐朝", "song": r"宋朝", "yuan": r"元朝", "ming": r"明朝", "qing": r"清朝", "han": r"汉朝"},
    # written set AU: a diabetic diet for hypertension
    "condition": {
        "hypertension": r"\b(?i:hypertension|high blood pressure)\b|(?i:гипертони)|高血压",
        "diabetes": r"\b(?i:diabetes|diabetic)\b|(?i:диабет)|糖尿病", "gout": r"\b(?i:gout)\b|(?i:подагр)|痛风",
        "asthma": r"\b(?i:asthma)\b|(?i:астм)|哮喘",
    },
    # written set AU: a cover letter explained for a resignation letter
    "letter": {
        "resignation": r"\b(?i:resignation letter|letter of resignation)\b|(?i:заявлени\w* об увольнении)|辞职信|离职信",
        "cover": r"\b(?i:cover letter)\b|(?i:сопроводительн\w* письм)|求职信|自荐信",
    },
    "calculus": {
        "derivative": r"(?i:derivative|differentiat)|производн|дифференцир|导数|求导",
        "integral": r"(?i:integral|integrat|antiderivative)|интеграл|интегрир|первообразн|积分|∫",
    },
    "travel": {
        "train": r"\b(?i:trains?|railway|rail)\b|поезд|электричк|\bсапсан|高铁|火车|动车",
        # (not "airport": the way from an airport into town is a train or a bus, not a flight; written en set BW)
        "flight": r"\b(?i:flights?|fly|plane|airline)\b|самол[её]т|авиа|перел[её]т|\bрейс|飞机|航班",
        "bus": r"\b(?i:bus|coach)\b|автобус|大巴|长途汽车",
    },
    "medium": {
        "novel": r"\b(?i:novels?)\b|\bкниг|\bроман(?:а|ы|ов)?\b|小说",
        "film": r"\b(?i:movies?|films?)\b|фильм|кино(?!театр)|电影|影片",
    },
    "classic": {
        "hongloumeng": r"红楼梦", "xiyouji": r"西游记", "shuihuzhuan": r"水浒传", "sanguo": r"三国演义",
        # written ru set AW: Pechorin's circle for "главные герои евгения онегина"
        "onegin": r"(?i:онегин)|\bOnegin\b", "hero_of_our_time": r"(?i:печорин|герой нашего времени)",
        "war_and_peace": r"(?i:война и мир|болконск|безухов)", "crime_and_punishment": r"(?i:раскольников|преступление и наказание)",
        # written ru set BF: "Идиот" summarised for "Преступление и наказание"
        "idiot": r"«Идиот»|(?i:князь мышкин|мышкин)", "karamazov": r"(?i:братья карамазовы|карамазов)",
        "dead_souls": r"(?i:м[её]ртвые души|чичиков)", "fathers_and_sons": r"(?i:отцы и дети|базаров)",
        "master_margarita": r"(?i:мастер и маргарита)",
    },
    # written sets BB-BD: nano for vim, a pivot table for VLOOKUP, ArrayList for HashMap, a ficus for an orchid, decimal
    # multiplication for adding fractions, writing a CSV for reading Excel, type 2 diabetes for type 1
    "editor": {"vim": r"\b(?i:n?vim)\b", "nano": r"\b(?i:nano)\b", "emacs": r"\b(?i:emacs)\b",
               "vscode": r"(?i:\bvs ?code\b|visual studio code)"},
    "spreadsheet_function": {
        "vlookup": r"(?i:\bvlookup|впр\b)", "hlookup": r"(?i:\bhlookup)", "xlookup": r"(?i:\bxlookup)", "sumif": r"(?i:\bsumifs?\b|суммесли)",
        "countif": r"(?i:\bcountifs?\b|счётесли|счетесли)", "pivot": r"(?i:pivot ?tables?|сводн\w* таблиц)|数据透视表",
    },
    "java_collection": {"hashmap": r"(?i:hashmap)", "hashtable": r"(?i:hashtable)", "arraylist": r"(?i:arraylist)",
                        "linkedlist": r"(?i:linkedlist)", "hashset": r"(?i:hashset)", "treemap": r"(?i:treemap)"},
    "houseplant": {
        "orchid": r"\b(?i:orchids?)\b|(?i:орхиде)|兰花|蝴蝶兰", "ficus": r"\b(?i:ficus)\b|(?i:фикус)|榕树|橡皮树",
        "cactus": r"\b(?i:cact(?:us|i))\b|(?i:кактус)|仙人掌", "monstera": r"\b(?i:monstera)\b|(?i:монстер)|龟背竹",
        "succulent": r"\b(?i:succulents?)\b|(?i:суккулент)|多肉", "violet": r"(?i:african violet|фиалк)|紫罗兰",
    },
    "arithmetic": {
        "addition": r"\b(?i:addition|adding)\b|(?i:сложени)|加法", "subtraction": r"\b(?i:subtraction|subtracting)\b|(?i:вычитани)|减法",
        "multiplication": r"\b(?i:multiplication|multiplying)\b|(?i:умножени)|乘法", "division": r"\b(?i:division|dividing)\b|(?i:делени)|除法",
    },
    # (a Chinese verb is matched by its first character, the rest looked ahead: the wrapper's look-ahead would refuse
    # "读取excel")
    "file_direction": {"read": r"读(?=取|入)|(?i:\bread(?:ing)? (?:an? |the )?(?:excel|csv|json|file|xlsx))", "write": r"写(?=入)|(?i:\bwrit(?:e|ing) (?:to )?(?:an? |the )?(?:excel|csv|json|file|xlsx))"},
    "transfer": {"upload": r"\b(?i:upload\w*)|上(?=传)", "download": r"\b(?i:download\w*)|下(?=载)"},
    "install": {"install": r"\b(?i:install\w*)|安(?=装)", "uninstall": r"\b(?i:uninstall\w*)|卸(?=载)"},
    "diabetes_type": {
        "type1": r"(?i:type (?:1|i|one) diabetes|\bt1d\b)|(?i:диабет\w* (?:1|первого) типа|(?:1|первого) типа)|1型糖尿病|一型糖尿病",
        "type2": r"(?i:type (?:2|ii|two) diabetes|\bt2d\b)|(?i:диабет\w* (?:2|второго) типа|(?:2|второго) типа)|2型糖尿病|二型糖尿病",
    },
    # written sets BE-BG: Vue for React, meiosis for mitosis, the American revolution for the French one, civil litigation for labour arbitration, the root formula for the vertex,
    # pregnancy for weaning, amatriciana for carbonara, shchi for borscht
    # (React as named, or lowercase after "in"/"в"/before a Chinese particle: "ways to react to changes" is a verb, set BH)
    "framework": {"react": r"\bReact(?:\.js|JS)?\b(?! Native)|(?i:react(?:\.js|js))|(?<=in )react\b|(?<=в )react\b|react(?=\s*(?:里|中|的|hooks?|组件))"
                  r"|\breact(?= (?:class|components?|hooks?|apps?|router|state|projects?|context)\b)", "vue": r"(?i:vue(?:\.js|js)?)", "angular": r"(?i:angular(?:js)?)",
                  "svelte": r"(?i:svelte)"},
    # written sets BK, BL: checkers' rules for castling in chess, a parallelogram's area for a trapezoid's, books on Greece for Rome
    "board_game": {"chess": r"\b(?i:chess)\b|(?i:шахмат)|国际象棋", "checkers": r"\b(?i:checkers|draughts)\b|(?i:шашк|шашеч)|跳棋",
                   "xiangqi": r"(?<!国际)象棋|\b(?i:xiangqi)\b"},
    "shape": {"trapezoid": r"\b(?i:trapezoids?|trapezi(?:um|a|ums))\b|(?i:трапеци)|梯形",
              "parallelogram": r"\b(?i:parallelograms?)\b|(?i:параллелограмм)|平行四边形",
              "triangle": r"\b(?i:triangles?)\b|(?i:треугольник)|三角形", "rhombus": r"\b(?i:rhombus|rhombi)\b|(?i:\bромб)|菱形",
              "rectangle": r"\b(?i:rectangles?)\b|(?i:прямоугольник)|长方形|矩形", "circle": r"\b(?i:circles?)\b|(?i:\bкруг(?:а|е|у)?\b)|圆形|圆的"},
    # (the people and the adjective too: "ancient Egyptian history"; not the language: the Rosetta Stone's "Ancient Greek", dump pool)
    "ancient_world": {"ancient_rome": r"(?i:ancient rom(?:e|ans?)|roman empire|roman republic)|(?i:древн\w* рим|римск\w* импери)|古罗马|罗马帝国",
                      "ancient_greece": r"(?i:ancient greece|ancient greeks)|(?i:древн\w* греци|эллин)|古希腊",
                      "ancient_egypt": r"(?i:ancient egypt(?:ians?)?)|(?i:древн\w* египт)|古埃及"},
    "cell_division": {"mitosis": r"\b(?i:mito(?:sis|tic))\b|(?i:митоз)|有丝分裂", "meiosis": r"\b(?i:meio(?:sis|tic))\b|(?i:мейоз)|减数分裂"},
    "revolution": {
        "french_rev": r"(?i:french revolution)|(?i:французск\w* революци)|法国大革命", "american_rev": r"(?i:american revolution)"
        r"|(?i:войн\w* за независимость сша|американск\w* революци)|美国独立战争|美国革命",
        "russian_rev": r"(?i:russian revolution|october revolution)|(?i:октябрьск\w* революци)|十月革命|俄国革命",
        "industrial_rev": r"(?i:industrial revolution)|(?i:промышленн\w* (?:революци|переворот))|工业革命",
    },
    "dispute": {"arbitration": r"\b(?i:arbitration)\b|(?i:арбитраж|трудов\w* спор)|仲裁", "litigation": r"\b(?i:lawsuit|litigation)\b|(?i:исков\w* заявлени|судебн\w* иск)|民事诉讼|起诉"},
    "quadratic": {"vertex": r"\b(?i:vertex)\b|(?i:вершин\w* параболы)|顶点", "roots": r"(?i:quadratic formula|roots? formula)|(?i:формул\w* корней|дискриминант)|求根公式|判别式"},
    "life_stage": {"pregnancy": r"\b(?i:pregnan\w*)\b|(?i:беременн)|孕期|怀孕|孕妇|孕早期",
                   "infant": r"\b(?i:infants?|babies|baby|weaning)\b|(?i:прикорм|младен|грудничк)|宝宝|婴儿|辅食"},
    "dish": {"carbonara": r"(?i:carbonara)|(?i:карбонар)|卡邦尼|培根蛋", "amatriciana": r"(?i:amatriciana)|(?i:аматричан)",
             "bolognese": r"(?i:bolognese)|(?i:болоньезе)|肉酱面", "borscht": r"(?i:borscht|borsch)|(?i:борщ)|罗宋汤",
             "shchi": r"(?i:\bщи\b|\bщей\b)", "pad_thai": r"(?i:pad thai)|(?i:пад тай)|泰式炒河粉", "green_curry": r"(?i:green curry)|绿咖喱",
             "kungpao": r"宫保鸡丁|(?i:kung pao)", "yuxiang": r"鱼香肉丝", "tangcu": r"糖醋里脊", "hongshao": r"红烧肉",
             # written en set BH: moussaka for lasagna
             "lasagna": r"(?i:lasagn[ae])|(?i:лазань)|千层面", "moussaka": r"(?i:moussaka)|(?i:мусак)|穆萨卡"},
    # written sets BH, BI: the Second World War's causes for the First's, MySQL for PostgreSQL, marriage for divorce
    "world_war": {"ww1": r"(?i:ww ?1|ww ?i\b|world war (?:1|i|one)\b|first world war|great war)|(?i:перв\w* миров)|一战|第一次世界大战",
                  "ww2": r"(?i:ww ?2|ww ?ii\b|world war (?:2|ii|two)\b|second world war)|(?i:втор\w* миров|великая отечественная)|二战|第二次世界大战"},
    "database": {"postgresql": r"(?i:postgres(?:ql)?|psql)", "mysql": r"(?i:mysql|mariadb)", "sqlite": r"(?i:sqlite)",
                 "mongodb": r"(?i:mongo(?:db)?)", "sqlserver": r"(?i:sql server|mssql|t-sql)", "oracle_db": r"\bOracle\b"},
    "marriage": {"divorce": r"\b(?i:divorce\w*)\b|(?i:развод|расторжени\w* брака)|离婚",
                 "wedding_reg": r"(?i:marriage (?:registration|licen[cs]e))|(?i:регистраци\w* брака|заключени\w* брака)|结婚登记|领结婚证"},
    # written zh set AX: a poem for "father" when one for "mother" was asked
    "parent": {
        "mother": r"\b(?i:mother|mom|mum)s?\b|(?i:\bмам[аыуеой]|\bматер[иья])|妈妈|母亲",
        "father": r"\b(?i:father|dad)s?\b|(?i:\bпап[аыуеой]|\bотц[ауеом]|\bотец)|爸爸|父亲",
    },
    # written sets BN-BP: metformin's side effects for Ozempic's, Japanese for Spanish, Macbeth for Hamlet, espresso for cold brew,
    # Borodino for Kulikovo, CSV for JSON, the law of sines for the law of cosines, merge for rebase, Fibonacci for factorial
    "drug": {"semaglutide": r"(?i:ozempic|wegovy|semaglutide)|(?i:оземпик|семаглутид)|司美格鲁肽|诺和泰", "metformin": r"(?i:metformin)|(?i:метформин)|二甲双胍",
             "ibuprofen": r"(?i:ibuprofen|advil|nurofen)|(?i:ибупрофен|нурофен)|布洛芬", "paracetamol": r"(?i:paracetamol|acetaminophen|tylenol)|(?i:парацетамол)|对乙酰氨基酚",
             "aspirin": r"(?i:aspirin)|(?i:аспирин)|阿司匹林", "amoxicillin": r"(?i:amoxicillin)|(?i:амоксициллин)|阿莫西林"},
    "human_language": {"spanish": r"\b(?i:spanish)\b|(?i:испанск)|西班牙语", "japanese": r"\b(?i:japanese)\b|(?i:японск)|日语",
                       "french": r"\b(?i:french)\b(?! (?:press|fries|toast|revolution))|(?i:французск\w* язык|французский\b)|法语",
                       "german": r"\b(?i:german)\b|(?i:немецк)|德语", "italian": r"\b(?i:italian)\b|(?i:итальянск)|意大利语",
                       "korean": r"\b(?i:korean)\b|(?i:корейск)|韩语"},
    "play": {"hamlet": r"\b(?i:hamlet)\b|(?i:гамлет)|哈姆雷特", "macbeth": r"\b(?i:macbeth)\b|(?i:макбет)|麦克白",
             "othello": r"\b(?i:othello)\b|(?i:отелло)|奥赛罗", "lear": r"(?i:king lear)|(?i:король лир)|李尔王",
             "romeo": r"(?i:romeo and juliet)|(?i:ромео и джульетт)|罗密欧与朱丽叶"},
    "coffee": {"cold_brew": r"(?i:cold[- ]brew)|(?i:колд[- ]брю)|冷萃", "espresso": r"\b(?i:espresso)\b|(?i:эспрессо)|意式浓缩|浓缩咖啡",
               "french_press": r"(?i:french press)|(?i:френч[- ]пресс)|法压", "pour_over": r"(?i:pour[- ]over)|(?i:пуровер)|手冲"},
    "battle": {"kulikovo": r"(?i:kulikovo)|(?i:куликовск)|库利科沃", "borodino": r"(?i:borodino)|(?i:бородин(?:о|ск))|博罗季诺",
               "stalingrad": r"(?i:stalingrad)|(?i:сталинград)|斯大林格勒", "waterloo": r"\b(?i:waterloo)\b|(?i:ватерлоо)|滑铁卢",
               "poltava": r"(?i:poltava)|(?i:полтавск)|波尔塔瓦"},
    "data_format": {"json": r"(?i:json)", "csv": r"(?i:csv)", "xml": r"(?i:xml)(?!http)", "yaml": r"(?i:ya?ml)"},
    "trig_law": {"cosines": r"(?i:law of cosines|cosine rule)|(?i:теорем\w* косинусов)|余弦定理", "sines": r"(?i:law of sines|sine rule)|(?i:теорем\w* синусов)|正弦定理"},
    "git_op": {"rebase": r"(?i:rebas(?:e|ing))|(?i:ребейз)|变基", "merge": r"(?i:git merge|merge commit)|合并提交",
               "cherry_pick": r"(?i:cherry[- ]pick)"},
    "sequence": {"factorial": r"\b(?i:factorials?)\b|(?i:факториал)|阶乘", "fibonacci": r"(?i:fibonacci)|(?i:фибоначчи)|斐波那契",
                 # written en set BQ: a prime check for an even check
                 "prime": r"\b(?i:is prime|primes|prime numbers?)\b|(?i:прост\w* числ)|质数|素数",
                 "even": r"\b(?i:is even|even numbers?|even or odd)\b|(?i:ч[её]тн\w* числ|ч[её]тное)|偶数"},
    # written sets BQ-BS: the Lusitania for the Titanic, rugby league for union, VAT for personal income tax, Newton's third law for his
    # first, SwiftUI for flexbox, photosynthesis explained as respiration (a season class was tried: a poem about autumn names the
    # summer gone and the winter coming, not the autumn; 3 good rows of the label sets)
    "ship": {"titanic": r"(?i:titanic)|(?i:титаник)|泰坦尼克", "lusitania": r"(?i:lusitania)|(?i:лузитани)|卢西塔尼亚"},
    "rugby": {"union": r"(?i:rugby union)|(?i:регби[- ]15|регби[- ]юнион)|联合式橄榄球", "league": r"(?i:rugby league)|(?i:регби[- ]13|регби[- ]лиг)|联盟式橄榄球"},
    "tax": {"income_tax": r"(?i:\bндфл\b|personal income tax)|个人所得税|个税", "vat": r"(?i:\bндс\b|\bvat\b|value[- ]added tax)|增值税"},
    "newton_law": {"first": r"(?i:newton['’]s first law|first law of motion)|(?i:перв\w* закон\w* ньютона)|牛顿第一定律",
                   "second": r"(?i:newton['’]s second law|second law of motion)|(?i:втор\w* закон\w* ньютона)|牛顿第二定律",
                   "third": r"(?i:newton['’]s third law|third law of motion)|(?i:трет\w* закон\w* ньютона)|牛顿第三定律"},
    "ui_framework": {"css": r"(?i:flexbox|\bcss\b)", "swiftui": r"(?i:swiftui)", "flutter": r"(?i:flutter)", "tkinter": r"(?i:tkinter)"},
    "bio_process": {"photosynthesis": r"(?i:photosynthe\w*)|(?i:фотосинтез)|光合作用", "respiration": r"(?i:respiration)|(?i:клеточн\w* дыхани)|呼吸作用"},
    # written sets CD, CE: КАСКО explained for an ОСАГО claim, today's gaokao subjects for the Qing imperial examination
    "car_insurance": {"osago": r"(?i:осаго)|\bOSAGO\b", "kasko": r"(?i:каско)|\bKASKO\b"},
    "exam_system": {"keju": r"科举|(?i:imperial examination)|(?i:имперск\w* экзамен)", "gaokao": r"高考|(?i:gaokao)|(?i:гаокао)"},
}
#: (a name after "." or "/" is a file or a URL: "api.php")
_SIBLING_RES = {cls: {name: re.compile(rf"(?<![A-Za-z0-9_+#./])(?:{pat})(?![A-Za-z0-9_+#])") for name, pat in names.items()}
                for cls, names in _SIBLING_CLASSES.items()}
#: the prompt weighs choices, asks for alternatives or gives a text to translate: another subject may answer it
#: ("What can I use instead of Excel?"); a port between two named subjects names both and is not judged anyway
_SWAP_ASK_EXEMPT_RE = re.compile(r"(?i)\bvs\.?\b|\bversus\b|\bor\b|\btranslat|\balternative|\binstead\b|\bother than\b|\bbesides\b"
                                 r"|\bnot in\b|\bnon-|\bне на\b|不用|别用|不要用"  # ("Write a sentence not in English.")
                                 r"|\bsimilar\b|\bcompar|相似|类似|相比|похож|сравни"  # ("找到与二战最相似的历史事件": another war is the answer)
                                 r"|\bили\b|переве|вместо|альтернатив|кроме|还是|或者|翻译|替代|代替|除了")  # ("поставили" holds "или")


#: an exception's name: "KeyError", "ModuleNotFoundError", "NullPointerException"
_ERROR_NAME_RE = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b")
#: classes judged only under an ask to recommend or list: a story the prompt asks to write may mention a film
#: ("写一个反映给定场景的短篇小说" → "她从电影中看到的大城市生活…", dump pool)
_SIBLING_ASK_GATE = {"medium": re.compile(r"(?i)\brecommend|\bsuggest|\blist\b|\bbest\b|\bgood\b|推荐|好看|有哪些|посовет|порекоменд|назови|лучши"),
                     # (a language to learn, not a cuisine; a file format read or written; a git command)
                     "human_language": re.compile(r"(?i)\blearn|\bstud(?:y|ying)\b|\bspeak|\bfluent|\bverbs?\b|conjugat|учить|выучить|изуч"
                                                  r"|глагол|спряг|学|动词"),
                     "data_format": re.compile(r"(?i)\bread|\bpars|\bload|\bopen|\bwrite|\bsave|прочит|считать|читать|распарс|загруз|открыть|сохран|读|解析|加载|写入|打开|保存"),
                     "git_op": re.compile(r"(?i)\bgit\b")}


#: the prompt asks to recommend a work or a product: its answer must name one
_RECOMMEND_ASK_RE = re.compile(
    r"(?i)(?:推荐|посоветуй|посоветуйте|порекомендуй|порекомендуйте|\brecommend|\bsuggest)[^。？！?.!\n]{0,30}"
    r"(?:\bbooks?\b|\bnovels?\b|\bfilms?\b|\bmovies?\b|\bseries\b|\btv shows?\b|\bsongs?\b|\balbums?\b|\bpodcasts?\b"
    r"|\bgames?\b|\bapps?\b|\blaptops?\b|\bphones?\b|书|小说|电影|剧|歌|游戏|手机|电脑|笔记本|动漫|книг|фильм|сериал|песн"
    r"|игр|телефон|смартфон|ноутбук|аниме)")
#: the ask is for a way, a name or a kind, not a work: "Suggest a creative way for a movie character…", "你推荐什么类型的书？"
_RECOMMEND_NOT_RE = re.compile(r"(?i)\b(?:ways?|ideas?|methods?|names?|titles?|strateg\w+|approach\w*|characters?|plots?"
                               r"|scenes?|type|kind|genres?)\b|类型|种类|题材|名字|方法|жанр|тип|вид")
#: the prompt is about a recommender: "Create a machine learning model to recommend movies", "构建一个推荐系统" (Alpaca)
_RECOMMENDER_RE = re.compile(r"(?i)\b(?:system|algorithm|model|engine)s?\b|系统|算法|模型|引擎|систем|алгоритм|модел")
#: a named item: a title in 《》, «» or straight quotes, a capitalised word inside a sentence (Latin or Cyrillic), a list
#: item, a Latin name written into Chinese ("小米14", "iPhone")
_NAMED_ITEM_RE = re.compile(r"(?m)《[^》\n]{1,40}》|«[^»\n]{1,60}»|\"[^\"\n]{1,60}\"|(?<=[a-zа-яё,] )[A-ZА-ЯЁ][\w-]+"
                            r"|^\s*(?:[-*•]|\d{1,2}[.)、])\s*\S|[\u4e00-\u9fff]\s?[A-Za-z][A-Za-z0-9]+|[A-Za-z][A-Za-z0-9]+\s?[\u4e00-\u9fff]")


def _no_recommendation_note(reply: str, prompt: str) -> str | None:
    """``no_recommendation`` (see ``missing_deliverable``), else None."""
    m = _RECOMMEND_ASK_RE.search(prompt[:300])
    if not m or _RECOMMEND_NOT_RE.search(m.group(0)) or _RECOMMENDER_RE.search(prompt[:1000]):
        return None
    prose = strip_code(reply)
    if half_cjk_words(prose) < 30 or _NAMED_ITEM_RE.search(prose):
        return None
    return f"no_recommendation: {reply[:40]!r}"


#: the prompt asks to summarise or rewrite a text it gives: the answer's words come from that text
_SOURCE_TASK_RE = re.compile(
    r"(?i)summari[sz]|\bsummary\b|\btl;?dr\b|\bsum up\b|\b(?:rewrite|paraphrase|rephrase|proofread)\b|перескаж|кратко изложи"
    r"|резюмируй|суммаризир|выдели главное|перепиши|перефразируй|总结|概括|摘要|归纳|改写|润色")
#: share of the answer's content units a summary or rewrite takes from its source at least, by the prompt's script
#: (ours, label sets: good summaries take ≥ 0.17 (Latin) and ≥ 0.14 (Chinese, whose bigrams paraphrase more: a dump's
#: summary of a dialogue takes 0.09) of their units from the source; see ``missing_deliverable``)
_MIN_SOURCE_SHARE = {"lat": 0.1, "cyr": 0.1, "cjk": 0.05}


def _source_ignored_note(reply: str, prompt: str) -> str | None:
    """``source_ignored`` (see ``missing_deliverable``), else None."""
    if half_cjk_words(prompt) < 40 or TRANSLATION_RE.search(prompt[:2000]):
        return None
    # the ask is the instruction: the prompt's first sentence or its last ("Summarize this:", "…请总结以上对话的主要内容。"), not a
    # word inside the text ("…用AI生成一部作品并在此基础上润色？为什么", a tool's description that "displays a snippet summary")
    parts = [x for x in re.split(r"(?<=[.!?。！？:：])\s*|\n", prompt.strip().rstrip(".!?。！？ ")) if x.strip()]
    if not (_SOURCE_TASK_RE.search(parts[0][:200]) or _SOURCE_TASK_RE.search(parts[-1][-200:])):
        return None
    script = prose_script(prompt)
    if script is None or prose_script(reply) != script:
        return None  # (a summary in another language shares no words with its source)
    got = units(reply)
    if len(got) < 5:
        return None
    share = len(got & units(prompt)) / len(got)
    return f"source_ignored: {share:.2f} of the answer's words from the text given" if share < _MIN_SOURCE_SHARE[script] else None


#: classes whose siblings are cited in passing in a right answer (a novel's film adaptation): judged only when the sibling
#: is in the reply's first sentence or comes back
_ASIDE_CLASSES = frozenset({"medium"})


#: a route between two places: "from Beijing to Shanghai", "北京到上海", "из Москвы в Казань" (not a table that lists two capitals)
_ROUTE_ASK_RE = re.compile(r"(?i)\bfrom \w[\w ]{0,30}? to \w|[\u4e00-\u9fff]{2,4}(?:到|至|去)[\u4e00-\u9fff]{2,4}|\bиз \w+ (?:в|до|на) \w|->|→")
#: a full date: "2021 年 3 月 15 日", "March 15, 2021", "15.03.2021", "2021-03-15"
_DATE_RE = re.compile(r"(?i)\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b"
                      r"|\b\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"
                      r"|\d{1,2} (?:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)")
#: a year: "1949", "в 1812 году", "2023年" (not a decade: "1980s", "1980年代", "1990-х")
_YEAR_RE = re.compile(r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})(?![\d.,]?\d|s\b|['’]s\b|年代|-[хе]\b)")


def _year_swap(reply: str, prompt: str) -> str | None:
    """"1949 asked, 1911 answered" when a short prompt (≤ 150 characters) names one year (not as a bound, "before 1990", nor a
    birth year, nor inside a full date, ``_DATE_RE``), the reply never names it and its first sentence names another:
    "1949年发生了哪些大事" → "1911年是中国近代史上…" (written zh set BP). On the label sets it flags 6 bad rows and no good one (4 of them off-topic); in
    the dump pool 2 answers that are wrong ("What critically acclaimed 2016 movie…" → a 2015 one; "2021年深度学习…" → "现在是2023年"). Else None."""
    if len(prompt) > 150:
        return None
    years = set(_YEAR_RE.findall(prompt))
    if len(years) != 1:
        return None
    year = years.pop()
    # (a bound or a birth year, not the year asked about: "released before 1990", "1992年在美国出生的人"; dump pool)
    if year in reply or re.search(rf"(?i)\b(?:before|after|since|until|till|by|between|from|prior to|born in|до|после|с|к|по)\s+(?:the\s+)?"
                                  rf"(?:year\s+)?{year}|{year}\s*年?\s*(?:以前|之前|以后|之后|以来|前|后|在\S{{0,6}}出生|出生)|出生|born|рожд", prompt) \
            or _DATE_RE.search(prompt):  # (a date to compute from: "该产品购买于 2021 年 3 月 15 日" → "有效期为2022年3月14日", dump pool)
        return None
    first = sentences(reply)[:1]
    other = _YEAR_RE.findall(first[0]) if first else []
    return f"{year} asked, {other[0]} answered" if other else None


def _subject_swap_note(reply: str, prompt: str) -> str | None:
    """``subject_swap`` (see ``missing_deliverable``), else None."""
    head = prompt[:500]
    if _SWAP_ASK_EXEMPT_RE.search(head) or word_count(reply) < 8:
        return None
    opening = strip_code(reply)[:250] + " " + " ".join(_FENCE_TAG_RE.findall(reply)[:1])  # (prose: "c++" is a loop step)
    # an error the prompt quotes, and another one explained: "KeyError: 'name' 是啥意思" → "IndexError: list index out of range
    # 表示…" (written sets AJ, AL)
    errors = set(_ERROR_NAME_RE.findall(head))
    if len(errors) == 1:
        asked_err = next(iter(errors))
        if asked_err not in reply:
            other = [e for e in _ERROR_NAME_RE.findall(opening) if e != asked_err]
            if other:
                return f"subject_swap: {asked_err} asked, {other[0]} answered"
    swap = _year_swap(reply, prompt)
    if swap:
        return f"subject_swap: {swap}"
    for cls, res in _SIBLING_RES.items():
        if cls in _SIBLING_ASK_GATE and not _SIBLING_ASK_GATE[cls].search(head):
            continue
        asked = [name for name, rx in res.items() if rx.search(head)]
        # a route between two cities answered for another pair: "北京到上海坐高铁最快要多久" → "北京到广州的高铁…" (written zh set BM)
        if cls == "city" and len(asked) == 2 and _ROUTE_ASK_RE.search(head):
            missing = [name for name in asked if not res[name].search(reply)]
            other = [name for name, rx in res.items() if name not in asked and rx.search(opening)]
            if len(missing) == 1 and other:
                return f"subject_swap: {missing[0]} asked, {', '.join(other)} answered"
            continue
        if len(asked) != 1 or res[asked[0]].search(reply):
            continue
        # (a film named once past the first sentence of a list of novels is an adaptation: "电影《降临》的原著", set AO; an
        # aside for media only: one fence tag or one "Samsung" is the whole swap in code and phone answers, sets AG, AJ)
        first = re.split(r"[。！？!?\n]|\.\s", reply.lstrip(), maxsplit=1)[0]
        given = [name for name, rx in res.items() if rx.search(opening)
                 and (cls not in _ASIDE_CLASSES or rx.search(first) or len(rx.findall(reply)) >= 2)]
        if given:
            return f"subject_swap: {asked[0]} asked, {', '.join(given)} answered"
    return None


#: a prompt that asks how two named things differ: "difference between X and Y", "X vs Y", "compare X and Y", "чем отличается X
#: от Y", "разница между X и Y", "X和Y有什么区别", "比较X和Y"; group 1 and 2 (or 3 and 4, ...) are the two sides
_SIDE = r"[^\s,.;:!?()«»\"“”'`，。？！、（）]+"
_SIDES = rf"((?:{_SIDE} ){{0,2}}{_SIDE})"
_CJK_SIDE = r"((?:(?![的之间或和与跟是])[A-Za-z0-9+#.\-\u4e00-\u9fff]){1,12}?)"
_DIFFERENCE_ASK_RES = (
    re.compile(rf"(?i)\bdifferences? between (?:the |an? )?{_SIDES} and (?:the |an? )?{_SIDES}"),
    re.compile(rf"(?i)\bhow (?:does|do|is|are) (?:the |an? )?{_SIDES} differ(?:ent)? from (?:the |an? )?{_SIDES}"),
    re.compile(rf"(?i)\b(?:compare|contrast) (?!the\b|two\b|these\b|those\b|both\b|them\b|it\b){_SIDES} (?:and|with|to|vs\.?|versus) (?:the |an? )?{_SIDES}"
               r"(?=\s*(?:[?？.!,:;]|$)|\s(?:in|for|on)\s)"),
    re.compile(rf"(?i)(?<![\w-])({_SIDE}) (?:vs\.?|versus) ({_SIDE})(?=\s*(?:[?？.!,:;]|$))"),
    re.compile(rf"(?i)разниц\w* между {_SIDES} и {_SIDES}"),
    re.compile(rf"(?i)отлич\w* (?:между )?{_SIDES} (?:от|и) {_SIDES}"),
    re.compile(rf"(?i)сравни(?:те)? (?!два\b|две\b|эти\b|следующ){_SIDES} (?:и|с|со) {_SIDES}"),
    re.compile(rf"{_CJK_SIDE}(?:和|与|跟)\s*{_CJK_SIDE}\s*(?:之间)?(?:的|有)?(?:什么|啥|哪些)?(?:区别|不同|差异|差别)"),
    re.compile(rf"(?:^|[\s，。,.;；：:]|请|帮我)(?:比较|对比)(?!度)(?:一下)?\s*{_CJK_SIDE}(?:和|与|跟)\s*{_CJK_SIDE}(?=$|[\s，。？！,.?!的])"),
)
#: a question that asks to choose between two named things, "X or Y?": "шипованные или липучка?", "养猫好还是养狗好？" (only an
#: answer that names neither is flagged: "Spaces." answers "tabs or spaces?")
_CHOICE_ASK_RES = (
    re.compile(rf"(?i)(?:^|[\s:—–-])({_SIDE}(?: {_SIDE})?) (?:or|или) ({_SIDE}(?: {_SIDE})?)\s*[?？]"),
    re.compile(rf"{_CJK_SIDE}还是{_CJK_SIDE}(?:好|更好|呢|合适|划算)?\s*[？?]"),
)
_CHOICE_SKIP_RE = re.compile(r"(?i)^(?:not|no|yes|true|false|neither|either|нет|да|не|something|anything|что-то|else|what|что|whatever|both|all"
                             r"|positive|negative|right|wrong|correct|incorrect|agree|disagree|[a-dа-г])$")
#: a choice question weighs the two: "which is better", "Что лучше купить", "养猫好还是养狗好" (not "Are you Alexa or Siri?")
_CHOICE_WORD_RE = re.compile(r"(?i)\b(?:better|best|prefer\w*|should|which|worth|recommend\w*|more)\b|лучше|предпоч|выбра|стоит|красивее|"
                             r"более|какой|какую|какие|好|选|哪|值得|划算|合适")
#: an answer that speaks of the two as a pair compares them ("Оба смартфона…", "| Параметр | iPhone | Android |")
_PAIR_TALK_RE = re.compile(r"(?im)\b(?:both|neither)\b|\bоба\b|\bобе\b|\bобоих\b|两者|二者|两种|^\s*\|.*\|.*\|")
#: a side cut where its own qualifier starts: "tuple in Python", "Go для бэкенда", "ython中list" (the part after 中)
_SIDE_TAIL_RE = re.compile(r"(?i)\s+(?:in|for|when|on|with|as|of|в|для|при|на|по|у|с|и)\s.*$|(?:之间|的).*$|\s*(?:在|对于|方面|上|中)$")
_SIDE_HEAD_RE = re.compile(r"^.*(?:中|里|的)(?=[A-Za-z\u4e00-\u9fff])|^(?:请问|请|问一下|问|你觉得|我想知道|说说|讲讲|解释|介绍|识别|描述|比较|对比|分析|概述|列举|写出|总结|说明|讨论|试|并|和|一下)+")
_SIDE_SKIP_RE = re.compile(r"(?i)^(?:two|2|the following|these|those|both|them|it|this|that|not|два|две|эти|оба|них)$|\b(?:two|pros|cons|advantages|disadvantages"
                           r"|similarit\w*|differences?|strengths?|weakness\w*|benefits?|drawbacks?|given|items?|your|my|our|their|this|that|these|those)\b"
                           r"|[点两它给以这那不你您我他她]")
_SIDE_TOKEN_RE = re.compile(r"[^\W_]*\d[\w-]*|[^\W\d_]{2,}")


def _side_tokens(side: str, cut: int | None = 4) -> set[str]:
    """Tokens that name one side of a comparison: words of 2+ letters outside ``STOPWORDS`` cut to ``cut`` [4] letters ("lists"/"list",
    "ипотеку"/"ипотека"; ``None``: whole), tokens with a digit whole ("1099", "w-2"), CJK character bigrams (a lone character itself)."""
    t = unicodedata.normalize("NFKC", side).lower()
    out = {w if any(c.isdigit() for c in w) else w[:cut] for w in _SIDE_TOKEN_RE.findall(CJK_RE.sub(" ", t)) if w not in STOPWORDS}
    for run in re.findall(r"[\u4e00-\u9fff]+", t):
        out.update([run] if len(run) == 1 else (run[i:i + 2] for i in range(len(run) - 1)))
    return out


def _distinct_tokens(side: str, other: str) -> set[str]:
    """``_side_tokens(side)`` less those of ``other``, when they share some, keeping tokens of 3+ characters: "401k" and "ira"
    tell "a roth 401k" from "a roth ira" (written en set AV); with nothing shared, all of the side's tokens; for Chinese
    sides that share some, none."""
    own, theirs = _side_tokens(side), _side_tokens(other)
    if not own & theirs:
        return own
    if CJK_RE.search(side + other):
        return set()  # ("第一类错误和第二类错误的区别" is answered by what each error is, not by their names: dump pool)
    distinct = {t for t in own - theirs if len(t) >= 3}
    if not distinct and own == theirs:  # one stem, two words: "hashmap" / "hashtable" (written zh set BD): whole words
        distinct = {t for t in _side_tokens(side, None) - _side_tokens(other, None) if len(t) >= 5}
    return distinct


def comparison_sides(prompt: str) -> tuple[str, str, str] | None:
    """The two things a prompt asks to compare and the kind of ask, ``(x, y, "difference" | "choice")``, else None:
    ``_DIFFERENCE_ASK_RES`` or ``_CHOICE_ASK_RES`` in the prompt's first line or sentence (its first 300 characters;
    not a comparison inside a text it gives), each side cut to its head ("list and tuple in Python" → "list",
    "tuple")."""
    head = re.split(r"[\n。！]", prompt.strip()[:300], maxsplit=1)[0]
    for kind, res in (("difference", _DIFFERENCE_ASK_RES), ("choice", _CHOICE_ASK_RES)):
        m = next((m for m in (rx.search(head) for rx in res) if m), None)
        if m is None or (kind == "choice" and not _CHOICE_WORD_RE.search(head)):
            continue
        sides = []
        for s in m.groups()[:2]:
            s = _SIDE_HEAD_RE.sub("", _SIDE_TAIL_RE.sub("", s.strip())).strip()
            s = s.lstrip("—–-: ")
            if kind == "choice":
                s = re.sub(r"^(?:养|买|用|学|选|去|做|吃|喝)|(?:好|更好|呢)$", "", s) or s
            if not s or _SIDE_SKIP_RE.search(s) or (kind == "choice" and _CHOICE_SKIP_RE.match(s)) or not _side_tokens(s):
                return None
            sides.append(s)
        if not (_distinct_tokens(sides[0], sides[1]) and _distinct_tokens(sides[1], sides[0])):
            return None  # ("Python 2 vs Python 3": the sides share a name and differ by no token of 3+ characters)
        return sides[0], sides[1], kind
    return None


def _comparison_unmet_note(reply: str, prompt: str) -> str | None:
    """``comparison_unmet`` (see ``missing_deliverable``), else None."""
    ask = comparison_sides(prompt)
    if ask is None or word_count(reply) < 25 or _PAIR_TALK_RE.search(reply) or TRANSLATION_RE.search(prompt[:300]) or _CODE_IN_REPLY_RE.search(strip_code(reply)) \
            or "```" in reply:
        return None
    body = unicodedata.normalize("NFKC", reply).lower()
    toks = _side_tokens(body)
    *sides, kind = ask
    # a token both sides share names neither ("roth" in "a roth 401k" and "a roth ira", written en set AV)
    own = [_distinct_tokens(s, sides[1 - i]) for i, s in enumerate(sides)]
    named = [s for s, o in zip(sides, own) if o & toks or s.lower() in body or any(len(t) > 4 and t in body for t in o)]
    if named and (kind == "choice" or any(CJK_RE.search(s) for s in sides)):
        return None  # (a choice is answered by naming one; Chinese: "比较苹果和橘子" is answered about 橙子)
    if len(named) == 2:
        return None
    return f"comparison_unmet: {sides[0]!r} and {sides[1]!r} asked, {'neither' if not named else 'only ' + repr(named[0])} named"


#: a how-to ask at the prompt's start: "How do I…", "how to…", "Как приготовить…", "怎么做", "如何…" (not "如何工作", "how would you
#: define", nor a question to the assistant, "你怎么做作业"), or an ask for the side effects, pros and cons, symptoms or causes of
#: something ("what are the side effects of metformin", "побочные эффекты", "副作用有哪些")
_HOWTO_ASK_RE = re.compile(
    r"(?i)^\W*(?:how (?:do|can|should) (?:i|we|one)\b|how to\b|what(?:'s| is) the best way to\b"
    r"|как (?:мне |можно |лучше |правильно )?[а-яё]+(?:ть|ти|чь)(?:ся)?\b"
    r"|(?:请问)?(?:我)?(?:应该|该)?(?:怎么|如何|怎样)(?!样|工作|运作|影响|进行|理解|看待|评价|解释|描述|定义)"
    r"|[^：:\n你您]{1,20}(?:怎么|怎样)(?:做|煮|炒|办|弄|设置|安装|处理|才能|才)[^\n]{0,12}[？?]?$"
    # "excel怎么冻结首行，…" (written zh set BG), "exact steps to file a small claims case" (set BE)
    r"|[A-Za-z0-9 ]{2,20}(?:怎么|怎样)(?!样|工作|运作|影响|进行|理解|看待|评价|解释|描述|定义)[\u4e00-\u9fff]{2}"
    r"|(?:what are )?(?:the )?(?:exact |detailed )?steps (?:to|for)\b"
    r"|what (?:are|is) the (?:main )?(?:side effects?|pros and cons|risks|symptoms|causes)\s+of\b"
    r"|(?:какие|каковы) (?:побочн\w+ эффект\w*|плюсы и минусы|симптомы|причины)\b)"
    r"|(?:的)?(?:副作用|优缺点|症状)(?:有哪些|是什么)")
#: the prompt asks what something is: a definition is the answer there
_DEFINE_ASK_RE = re.compile(r"(?i)\bdefin|\bdescribe|\bconcept|\bwhat (?:is|are)\b(?! the (?:main )?(?:side|pros|risks|symptoms|causes))"
                            r"|что так\w+|概念|定义|描述|是什么(?!.{0,4}副作用)")
#: an answer that opens by defining or praising the topic: "Плов — одно из древнейших блюд Востока", "Coffee has a long and
#: fascinating history", "Metformin is a medication used to…", "红烧肉是一道历史悠久的…" (group 1: the subject)
_TOPIC_OPENING_RE = re.compile(
    r"(?i)^\W*([^.!?。？！\n]{1,60}?)(?:\s[—–-]\s(?:это|одн[оа]? из|один из|важн|неотъемлем|популярн|древн|тропическ|традиционн)"
    r"|\b(?:is|are) (?:a|an|one of the)\b(?! (?:bad|good|great|common|really) (?:idea|question|practice|mistake))"
    r"|\bhas (?:a )?(?:long|rich)\b|是一种|是指|是一个|是一道|起源于|历史悠久|是人生"
    r"|是[^，。！？\n]{1,12}(?:推出|开发|发明|研发|出品)的一(?:款|种|个|部)"  # "Excel 是微软公司推出的一款…" (set BG)
    r"|作为[^，。！？\n]{1,30}之一)")  # "Excel 作为微软 Office 套件中最重要的组件之一" (set BJ)
#: steps in an answer: a list line, or a sequence word ("首先", "затем", "first,")
_STEPS_RE = re.compile(r"(?im)^\s*(?:\d+[.)、]|[-*•]|第[一二三四五])|首先|然后|接着|第一步|\bfirst(?:ly)?,|\bthen\b|\bnext,|сначала|затем|\bшаг")


#: a how-to that names the thing to make, fix or remove: "how do i make my own fireworks", "Как сделать фейерверк…",
#: "怎么做红烧肉" (group 1: the thing, up to a clause end or a place: "…fireworks for the 4th")
_HOWTO_OBJECT_RE = re.compile(
    r"(?i)^\W*(?:how (?:do|can|should) (?:i|we|you|one) (?:make|build|create|cook|bake|brew|fix|repair|remove|clean|install|grow"
    r"|get rid of)|how to (?:make|build|create|cook|bake|fix|repair|remove|clean|install|grow)"
    r"|как (?:мне |можно |лучше |правильно )?(?:сделать|приготовить|испечь|починить|убрать|удалить|вывести|почистить|установить"
    r"|вырастить|собрать))\s+(?:(?:a|an|the|my|own|my own|своими руками)\s+)*(?!sure\b)(.{3,60}?)"
    r"(?:[?.!,\n]|$| at | in | for | без | в | на | для | дома)"
    r"|^\W*(?:请问)?(?:怎么|如何|怎样)(?:在家)?(?:自己)?(?:做|制作|煮|烤|修|清洗|去除|安装)([\u4e00-\u9fff]{2,8}?)(?:[？?，,。]|$|才|的)"
    # a recipe asked by name: "recipe for shakshuka", "рецепт борща", "糖醋里脊怎么做", "红烧肉的做法" (written sets AS-AU)
    r"|^\W*(?:(?:a|an|the|give me a|need a)\s+)?(?:recipe|рецепт)(?:\s+(?:for|of|для))?\s+(.{3,40}?)(?:[?.!,\n]|$| чтобы| так чтобы"
    r"| that | which | so | with | without | без | с | на )"
    r"|^\W*([\u4e00-\u9fff]{2,8}?)(?:怎么做|怎样做|如何做|(?:的)?(?:正宗|家常|简单|详细)?做法|怎么烧|怎么煮)")
#: a section heading that names no dish or thing: "Ingredients:", "Ингредиенты", "食材", "Steps"
_SECTION_TITLE_RE = re.compile(r"(?i)^.{0,20}[:：]$|^(?:ingredients|instructions|method|steps|directions|recipe|ингредиенты|шаги"
                               r"|приготовление|рецепт|食材|材料|步骤|做法|配料)\W*$")
#: words a dish's name shares with another's ("Beef Bourguignon" for "beef stroganoff"): they do not make it the same dish
_SHARED_DISH_UNITS = {"beef", "chick", "pork", "lamb", "fish", "salad", "soup", "cake", "bread", "pasta", "sauce", "говяд", "курин",
                      "свини", "салат", "суп", "торт", "хлеб"}
#: an answer's first line that is a title: "**Huevos Rancheros**", "# Щи из свежей капусты" (group 1: the title)
_TITLE_LINE_RE = re.compile(r"^\s*(?:#{1,6}\s*|\*\*)([^*#\n]{2,40}?)\**\s*$")


def _units_meet(a: set[str], b: set[str]) -> bool:
    """True when a unit of ``a`` and one of ``b`` are equal or one begins the other and the shorter has 4+ letters: a
    title's "борщ" meets a prompt's "борща" (``units`` cuts words to 5 letters, so a 4-letter nominative and its inflected
    form make different units; written ru set BL: "**Борщ на 4–5 л**" for "рецепт борща коротко")."""
    return bool(a & b) or any(len(x) >= 4 and len(y) >= 4 and (x.startswith(y) or y.startswith(x)) for x in a for y in b)


def _howto_object_absent(reply: str, prompt: str) -> str | None:
    """The thing a how-to asks to make, fix or remove (``_HOWTO_OBJECT_RE``) when an answer of ≥ 25 words without steps
    or code never names it (no content unit, CJK bigram, in common), else None: "how do i make my own fireworks" →
    a backyard barbecue, "как сделать фейерверк" → "Давайте лучше поговорим о том, как сделать Новый год ярким". Steps
    are allowed when the answer opens on a title line that shares no content unit with the prompt (``_TITLE_LINE_RE``; words
    dishes share, ``_SHARED_DISH_UNITS``, and section headings, ``_SECTION_TITLE_RE``, do not count), or, untitled, on a
    definition of a Chinese subject that shares no two characters with the prompt (``_TOPIC_OPENING_RE``): another dish's
    recipe, "**Huevos Rancheros**" for "recipe for shakshuka", "鱼香肉丝是一道经典川菜…" for "宫保鸡丁的正宗做法" (written sets
    AS-AU, AX). Under such a title the thing counts as never named when its longest word is missing."""
    m = _HOWTO_OBJECT_RE.search(prompt.strip().split("\n", 1)[0][:200])
    if m is None or word_count(reply) < 25 or _CODE_SIGN_RE.search(reply) or "```" in reply:
        return None
    # steps are allowed under a title that names something the prompt does not: "**Huevos Rancheros**" for "recipe for
    # shakshuka", "**Щи из свежей капусты**" for "как приготовить борщ", "**宫保鸡丁**" for "糖醋里脊怎么做" (written sets AS-AU)
    title = _TITLE_LINE_RE.match(reply.strip().split("\n", 1)[0])
    if title:  # ("**Ингредиенты:**" names no dish)
        other_title = not _SECTION_TITLE_RE.match(title.group(1).strip()) \
            and not _units_meet(units(title.group(1)) - _SHARED_DISH_UNITS, units(prompt[:200]))
    else:  # ... or an opening that defines another dish: "鱼香肉丝是一道经典川菜…" for "宫保鸡丁的正宗做法" (written zh set AX)
        topic = _TOPIC_OPENING_RE.match(reply.strip())
        subject = topic.group(1) if topic else ""
        other_title = bool(CJK_RE.search(subject)) and not any(subject[i:i + 2] in prompt[:200] for i in range(len(subject) - 1))
    if _STEPS_RE.search(reply) and not other_title:
        return None
    thing = next(g for g in m.groups() if g)
    if CJK_RE.search(thing):  # a Chinese thing: any two characters of it in the answer
        own, have = {thing[i:i + 2] for i in range(len(thing) - 1)}, {reply[i:i + 2] for i in range(len(reply) - 1)}
    else:
        own, have = units(thing), units(reply)
        if other_title:  # under another dish's title the thing's name is its longest word: "stroganoff", "сырников"
            own = {max(own, key=len)} if own else own
    return thing if own and not own & have else None


#: steps asked by name: "exact steps to", "пошагово", "步骤"
_STEPS_ASK_RE = re.compile(r"(?i)\bsteps?\b|\bstep-by-step\b|пошагов|по шагам|\bшаги\b|步骤|一步一步")


#: a recipe or a calculation asked by name: "chocolate chip cookie recipe pls", "как испечь наполеон", "饺子怎么包", "教我"
_RECIPE_ASK_RE = re.compile(r"(?i)\brecipe\b|\bhow (?:do you|to) (?:make|cook|bake)\b|рецепт|как (?:испечь|приготовить|сварить|пожарить"
                            r"|посчитать|рассчитать)|做法|怎么(?:做|包|煮|炒|烤)|教我")
#: an opening that tells a history: an invention, an origin, a first appearance, a year ("in 1724", "в 1912 году"), a legend
_HISTORY_OPENING_RE = re.compile(
    r"(?i)\b(?:was invented|invented (?:in|by)|originated|origins? of|the history of|dates back|first appeared|was first"
    r"|traces? (?:its|their) roots)\b|\b(?:in|around|since) (?:the )?1\d{3}s?\b"
    r"|появил\w* в|истори\w+|изобрет\w+|впервые|был\w? введ\w+|в \d{4} году|相传|由来|起源|发明|历史上|最早(?:出现|起源|可以追溯)|公元")


def _history_instead(reply: str, prompt: str) -> str | None:
    """The history phrase when a how-to, recipe or calculation (``_HOWTO_ASK_RE``, ``_RECIPE_ASK_RE``, the prompt's first
    line) is answered by ≥ 25 words without a step or code whose first two sentences tell a history
    (``_HISTORY_OPENING_RE``): "The chocolate chip cookie was invented in the 1930s by Ruth Wakefield…" for a chewy-cookie
    recipe, "Торт «Наполеон» появился в России в 1912 году…", "饺子…相传由东汉医圣张仲景发明" for how to fold dumplings
    (written sets BP, BQ, BX, BY; the label sets: 10 off-topic and 1 nonsense row, no other; the dump pool: none). Ours."""
    first = prompt.strip().split("\n", 1)[0][:200]
    if not (_RECIPE_ASK_RE.search(first) or _HOWTO_ASK_RE.search(first)):
        return None
    if word_count(reply) < 25 or "```" in reply or _STEPS_RE.search(reply):
        return None
    m = _HISTORY_OPENING_RE.search(" ".join(_sentences(reply)[:2]))
    return m.group(0) if m else None


def _topic_essay_note(reply: str, prompt: str) -> str | None:
    """``no_howto`` (see ``missing_deliverable``), else None."""
    thing = _howto_object_absent(reply, prompt)
    if thing:
        return f"no_howto: {thing!r} never named, {reply.strip()[:40]!r}"
    history = _history_instead(reply, prompt)
    if history:
        return f"no_howto: a history ({history!r}), {reply.strip()[:40]!r}"
    head = prompt.strip()[:200]
    first_line = head.split("\n", 1)[0]
    if not _HOWTO_ASK_RE.search(first_line) or _DEFINE_ASK_RE.search(first_line) or _STEPS_RE.search(reply):
        return None
    # steps asked by name and an essay of 40+ words without one step, whatever it opens on: "The justice system is one of
    # the cornerstones of a functioning democracy…" for "exact steps to file a small claims case" (written en set BE)
    if _STEPS_ASK_RE.search(first_line) and word_count(reply) >= 40 and "```" not in reply and not _CODE_SIGN_RE.search(reply):
        return f"no_howto: no step given, {reply.strip()[:40]!r}"
    m = _TOPIC_OPENING_RE.match(reply.strip())
    if m is None:
        return None
    subject, asked = m.group(1), units(head)
    if not (units(subject) & asked or any(subject[i:i + 2] in head for i in range(len(subject) - 1) if CJK_RE.match(subject[i]))):
        return None  # (the opening defines something else: left to the relevance rules)
    if asked and len(asked & units(reply)) / len(asked) > 0.5:
        return None  # (a definition, then the answer: "Linear regression is a common method… The output of…")
    return f"no_howto: {reply.strip()[:40]!r}"


#: a prompt that is one arithmetic question: "What is 12 × 8?", "what's 15% of 80?", "7减4等于几？", "Сколько будет 2+5?",
#: "solve 2x = 10" (group ``expr``; a percentage of a number: ``pct`` and ``of``; a linear equation: ``a``, ``b``, ``c``)
_NUM = r"\d+(?:[.,]\d+)?"
_ARITH_OPS = {"+": "+", "-": "-", "−": "-", "–": "-", "*": "*", "×": "*", "x": "*", "·": "*", "/": "/", "÷": "/", "加": "+",
              "加上": "+", "减": "-", "减去": "-", "乘": "*", "乘以": "*", "除以": "/", "плюс": "+", "минус": "-",
              "умножить на": "*", "разделить на": "/"}
_OP = "|".join(sorted((re.escape(k) for k in _ARITH_OPS), key=len, reverse=True))
_EXPR = rf"(?P<expr>{_NUM}(?:\s*(?:{_OP})\s*{_NUM}){{1,3}})"
_ARITH_ASK_RE = re.compile(
    rf"(?i)^\W*(?:(?:what(?:'s| is)|how much is|calculate|compute|сколько будет|чему равно|посчитай|вычисли|计算|请问)\s*)?"
    # (a unit after the base: "сколько будет 15% от 2400 рублей", "15% of 80 dollars"; the unknown asked for after the
    # equation: "2x+3=11 x等于几", "3x - 4 = 11, find x"; written sets CD, CE)
    rf"(?:{_EXPR}|(?P<pct>{_NUM})\s*%\s*(?:of|от)\s*(?P<of>{_NUM})(?:\s*(?:[^\W\d_]{{1,12}}|[$€₽¥]))?"
    rf"|(?:solve\s*|реши\s*|解方程\s*)?(?P<a>{_NUM})\s*[a-zх]\s*(?:(?P<sign>[+\-−])\s*(?P<b>{_NUM}))?\s*=\s*(?P<c>{_NUM})"
    rf"(?:\s*[,，]?\s*(?:[a-zх]\s*(?:=\s*\??|等于(?:几|多少)|是多少|равно)|find [a-z]|найди [a-zх]|求[a-z]))?)"
    rf"\s*(?:=\s*\??|等于(?:几|多少)|是多少|equals?|равно)?\s*[?？.。]?\s*$")
_ANSWER_NUM_RE = re.compile(r"(?<![\d.,])-?\d+(?:[.,]\d+)*(?:\s*/\s*\d+)?")


def _num(text: str) -> float:
    return float(text.replace(",", "."))


def arithmetic_result(prompt: str) -> float | None:
    """The value a prompt that is only an arithmetic question asks for (``_ARITH_ASK_RE``: "What is 12 × 8?" → 96.0,
    "what's 15% of 80?" → 12.0, "7减4等于几？" → 3.0, "solve 2x = 10" → 5.0), else None (another prompt, a division by
    zero). Operator precedence is Python's."""
    m = _ARITH_ASK_RE.match(prompt.strip())
    if m is None:
        return None
    try:
        if m.group("expr"):
            parts = re.split(rf"\s*({_OP})\s*", m.group("expr"), flags=re.I)
            expr = "".join(_ARITH_OPS[p.lower()] if i % 2 else repr(_num(p)) for i, p in enumerate(parts))
            return float(eval(expr, {"__builtins__": {}}, {}))  # noqa: S307 - digits and + - * / only, built above
        if m.group("pct"):
            return _num(m.group("pct")) * _num(m.group("of")) / 100
        b = _num(m.group("b")) * (-1 if m.group("sign") in ("-", "−") else 1) if m.group("b") else 0.0
        return (_num(m.group("c")) - b) / _num(m.group("a"))
    except (ZeroDivisionError, SyntaxError, ValueError):
        return None


def _wrong_result_note(reply: str, prompt: str) -> str | None:
    """``wrong_result`` (see ``missing_deliverable``), else None."""
    want = arithmetic_result(prompt)
    if want is None:
        return None
    got = []
    for tok in _ANSWER_NUM_RE.findall(reply):
        num, _, den = tok.replace(" ", "").partition("/")
        if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", num):
            num = num.replace(",", "")  # ("4,160": a thousands separator, not a decimal comma)
        try:
            got.append(_num(num) / (_num(den) if den else 1))
        except (ValueError, ZeroDivisionError):
            continue  # ("4.23.92": no number)
    if not got:
        return None  # (no digit: left to no_number; "ninety-six" is not read)
    if any(abs(g - want) <= 1e-6 * max(1.0, abs(want)) or round(g, 2) == round(want, 2) for g in got):
        return None
    return f"wrong_result: {want:g} asked, {', '.join(f'{g:g}' for g in got[:4])} given"


#: the prompt asks to rewrite, convert or polish a text it gives (not to correct, check or translate it: a correct
#: sentence may come back as it was)
_REWRITE_ASK_RE = re.compile(
    r"(?i)\b(?:rewrite|paraphrase|rephrase|reword|make (?:it|this) (?:more )?\w+|convert\b[^.\n]{0,30}\b(?:passive|active|formal"
    r"|informal|past|future|question)|change\b[^.\n]{0,30}\b(?:passive|active|tense|voice))\b|перепиш|перефразир"
    r"|сделай (?:текст |его )?(?:более )?\w+|преобразуй|改成|改写|润色|转换成|变成(?:被动|主动|疑问|否定)|换个说法|缩写"
    r"|改得(?:更|正式|委婉|礼貌|专业|通顺|简洁|简短|好听)|写得(?:更|正式|委婉|礼貌|专业)")  # ("把这句话改得正式一点：…", set CE)
_REWRITE_NOT_RE = re.compile(r"(?i)\b(?:correct|fix|check|proofread|translat)|исправ|провер|переведи|改正|纠正|检查|翻译")
_SOURCE_QUOTE_RE = re.compile(r"[\"“«「『]([^\"”»」』\n]{4,})[\"”»」』]")
_ECHO_STRIP = " \t\n\"'“”「」『』«»‘’.。!！?？"


def rewrite_source(prompt: str) -> str:
    """The text a rewrite prompt gives: the first quoted span of its first line ("改成被动句：“…”"), else what follows the
    first line's colon, else the next line; stripped of quotes and end punctuation ("" when there is none)."""
    first, _, rest = prompt.strip().partition("\n")
    m = _SOURCE_QUOTE_RE.search(first)
    if m:
        return m.group(1).strip(_ECHO_STRIP)
    for sep in (":", "："):
        tail = first.split(sep, 1)[1].strip(_ECHO_STRIP) if sep in first else ""
        if tail:
            return tail
    return rest.strip().split("\n", 1)[0].strip(_ECHO_STRIP)


def _unchanged_rewrite_note(reply: str, prompt: str) -> str | None:
    """``unchanged_rewrite`` (see ``missing_deliverable``), else None."""
    head = prompt[:300]
    if not _REWRITE_ASK_RE.search(head) or _REWRITE_NOT_RE.search(head):
        return None
    answer = reply.strip(_ECHO_STRIP)
    if len(answer) < 8 or answer != rewrite_source(prompt):
        return None
    return f"unchanged_rewrite: {answer[:40]!r}"


def _poem_explained_note(reply: str, prompt: str) -> str | None:
    """``no_poem`` (see ``missing_deliverable``), else None."""
    if not _POEM_ASK_RE.search(prompt[:300]):
        return None
    lines = [ln.strip() for ln in reply.split("\n") if ln.strip()]
    if any(len(a) <= 60 and len(b) <= 60 for a, b in zip(lines, lines[1:])):
        return None  # verse: two short lines in a row
    if _FORM_DEFINED_RE.search(reply[:300]):
        return f"no_poem: the form explained, {reply[:40]!r}"
    # prose of 60+ words with a number in it and no line break inside a paragraph: an essay where a poem was asked for
    # ("The haiku originated in Japan in the 17th century…", "Международный женский день отмечается 8 марта…"; written
    # sets AA, AG, AH); a poem the dumps write as a paragraph ("第一节：大自然是一种恩赐…", "…a knight did shine,\ …") has no
    # date or count, and a piece of music ("作一首钢琴曲") is no poem; an opening that defines a topic is an essay too ("Ocean
    # conservation is one of the most pressing…" for a poem about the sea, written en set BE)
    if word_count(reply) >= 60 and all(len(ln) > 80 for ln in lines) and not re.search(r"[/\\]|```", reply) \
            and _POEM_WORD_RE.search(prompt[:300]) \
            and (re.search(r"\d", reply) or (_TOPIC_OPENING_RE.match(reply.strip()) and _POEM_ASK_RE.search(prompt.strip().split("\n", 1)[0]))) \
            and not re.search(r"(?i)第.{1,2}节|stanza|verse \d|куплет|строф", reply):  # ("第一节：…": stanzas in prose)
        return f"no_poem: prose, {reply[:40]!r}"
    return None


#: an instruction whose answer is never a letter: a summary, a classification, a translation, an extraction
_NOT_LETTER_TASK_RE = re.compile(
    r"(?i)\b(?:summar(?:y|i[sz]e)|tl;?dr|key points|classify|categori[sz]e|label|sentiment|translate|extract)\b"
    r"|кратк\w* (?:содержани|изложи|перескажи)|краткое содержание|суммаризир|классифицир|распредели по категори|определи тональн"
    r"|переведи|извлеки|выжимк|резюмируй|总结|概括|摘要|要点|分类|归类|判断|翻译|提取|情感倾向"
    # a text to shorten (written zh set BG: a property manager's reply for "压缩成一句话")
    r"|\b(?:shorten|condense)\b|сократи|сожми|压缩|缩写|一句话概括")
#: ... unless it also asks for a reply or a text to be written
_LETTER_ASK_RE = re.compile(r"(?i)\b(?:reply|respond|response|write|draft|compose|letter)\b|ответ|напиши|составь|письмо с|回复|回信|写")
#: a letter's salutation as its first sentence: "Hi Mark,", "Dear valued customer,", "Здравствуйте!", "Добрый день, коллеги!",
#: "小王你好：", "尊敬的张经理："
_LETTER_SALUTATION_RE = re.compile(
    r"(?i)^\W*(?:(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))\b[^.!?\n]{0,40}[,!:]"
    r"|(?:здравствуйте|добрый (?:день|вечер)|доброе утро|уважаем\w+|дорог\w+|привет)\b[^.!?\n]{0,40}[,!.]"
    r"|[^。！？\n]{0,10}(?:你好|您好)[：:，,！!]|(?:尊敬的|亲爱的)[^。！？\n]{1,20}[：:，,])")
#: thanks that close a Chinese notice: "感谢您的理解与支持"
_ZH_THANKS = r"感谢(?:您|你|大家)的(?:理解|支持|配合)(?:与|和)?(?:支持|配合|理解)?"
#: a letter's closing line: "Cheers,", "Best regards,", "С уважением,", "谢谢！", "此致"
_LETTER_CLOSE_RE = re.compile(r"(?i)^\W*(?:(?:best|kind|warm)(?: regards| wishes)?|regards|sincerely|yours\b[^\n]{0,20}|cheers"
                              r"|(?:thanks|thank you)(?: again| so much| in advance)?"
                              r"|с уважением|спасибо|всего доброго|谢谢|此致|祝好|顺祝"
                              # a Chinese notice's closing (written zh set BG: a property manager's reply)
                              rf"|(?:再次)?{_ZH_THANKS})\W{{0,3}}$")


#: a named version: "python 3.12", "Vue3", "iOS 17", "Windows 11", "C++20" (group 1: the name, group 2: the version)
_VERSION_RE = re.compile(r"(?<![\w.])([A-Za-z][A-Za-z+#]{1,14})(\s?)v?(\d{1,2}(?:\.\d{1,2})?)(?![\d.]*\d)(?![\w%°])")
#: products whose versions are written with a space and a whole number ("iOS 17", "Windows 11", "Java 21"); any other name
#: needs a dotted version ("python 3.12") or no space ("vue3", "C++20"): "of 15", "Transcript 1" are no versions
_VERSIONED_NAMES = frozenset("ios android windows iphone macos java python php node angular vue react ubuntu debian fedora excel office"
                             " photoshop unity xbox playstation ps galaxy pixel chrome firefox django rails swift kotlin dotnet net"
                             " laravel spring bootstrap tailwind webpack mysql postgresql postgres oracle sql redis gcc clang qt".split())


def _versions(text: str) -> list[tuple[str, str]]:
    """(name, version) pairs of ``text`` that are versions (see ``_VERSIONED_NAMES``)."""
    return [(name, ver) for name, space, ver in _VERSION_RE.findall(text)
            if not space or "." in ver or name.lower() in _VERSIONED_NAMES]


def _version_swap_note(reply: str, prompt: str) -> str | None:
    """``version_swap: '…'`` when the prompt's first line names a version of something (``_VERSION_RE``: "what's new in
    python 3.12", "vue3 的 setup 语法糖怎么用") that the answer never writes, and the answer's opening (its first 250
    characters) names the same thing with another version: "Python 3.8 introduced several notable features…", "在 Vue 2
    中，组件通常使用 Options API…" (written sets AS-AU). A version that extends the asked one ("Python 3" → "Python 3.12")
    counts as the same."""
    first = prompt.strip().split("\n", 1)[0][:200]
    for name, ver in _versions(first):
        if name.lower() in STOPWORDS:
            continue
        # (the number glued to other letters is another thing's: "A15" is the chip of an "iPhone 14" given for "iPhone 15", set BP;
        # glued to the name it is the asked one: "str1", "IPv6")
        if re.search(rf"(?<![\d.A-Za-z]){re.escape(ver)}(?![\d])|(?i:{re.escape(name)})\s?v?{re.escape(ver)}(?![\d])", reply):
            continue
        for other_name, other in _versions(reply[:250]):
            if other_name.lower() == name.lower() and other != ver and not other.startswith(ver + ".") \
                    and not ver.startswith(other + "."):
                return f"version_swap: {name} {ver} asked, {other_name} {other} answered"
    return None


#: a kind of text an answer can announce (group 1) and the prompt words that ask for it
_GENRES = {
    "poem": (r"\b(?:poem|haiku|sonnet|limerick)s?\b|стихотворени\w*|четверостиши\w*|хокку|(?:一首|首)[^，。：:\n]{0,10}诗|小诗|诗歌",
             r"(?i)\b(?:poem|poetry|haiku|sonnet|limerick|verse|rhym\w*|song|lyrics)\b|стих|хокку|песн|рифм|诗|词|歌"),
    "story": (r"\b(?:short )?(?:story|tale|fable)\b|рассказ|сказк\w*|(?:一个|个)[^，。：:\n]{0,10}故事|小故事",
              r"(?i)\b(?:story|stories|tale|fable|narrative|fiction|plot)\b|рассказ|сказк|истори|сюжет|故事|小说|童话|情节"),
    "recipe": (r"\brecipe\b|рецепт|食谱|菜谱", r"(?i)\b(?:recipe|cook|bake|dish|meal|food|eat|make|fry|roast|grill|boil)\w*|рецепт|пригот"
               r"|блюд|жар|вар|печ|食谱|菜谱|做|烹饪|菜|吃|炸|煮|炒|烤|蒸|煎|炖"),
    "joke": (r"\bjokes?\b|анекдот|шутк\w*|笑话", r"(?i)\b(?:joke|funny|humou?r|laugh)\w*|анекдот|шутк|смешн|笑话|搞笑|幽默|段子"),
}
#: an answer that opens by announcing a text: "Here is a poem about spring:", "好的，以下是一首描写春天的小诗：", "Вот рассказ о…"
_ANNOUNCE_HEAD = (r"(?i)^\W*(?:(?:sure|okay|ok|of course|certainly|absolutely|好的|当然|没问题|конечно|хорошо|вот)[,!，！。.\s]*)?"
                  r"(?:here(?:['’]s| is| are)|below is|以下是|下面是|这是|给你|вот|ниже)[^\n]{0,40}?")
_ANNOUNCED_GENRE_RES = {g: re.compile(_ANNOUNCE_HEAD + f"(?:{pat})") for g, (pat, _) in _GENRES.items()}
_GENRE_ASK_RES = {g: re.compile(ask) for g, (_, ask) in _GENRES.items()}


def _announced_genre_note(reply: str, prompt: str) -> str | None:
    """``announced_genre: '…'`` when the answer's first line announces a kind of text (``_GENRES``: a poem, a story, a
    recipe, a joke; "好的，以下是一首描写春天的小诗：") and the prompt has no word that asks for that kind: the answer of another
    sample (misaligned data: a spring poem for "勾三股四弦五是什么意思", written set AU)."""
    lines = [ln for ln in reply.strip().split("\n") if ln.strip()]
    first = lines[0][:120]
    if not (first.rstrip().endswith((":", "：")) or len(lines) >= 3):
        return None  # (a statement about a text, "这是一个故事。", answers "what kind of text is this?")
    for genre, announce in _ANNOUNCED_GENRE_RES.items():
        if announce.match(first) and not _GENRE_ASK_RES[genre].search(prompt[:3000]):
            return f"announced_genre: {genre}, {first[:40]!r}"
    return None


#: the prompt asks for questions: "common interview questions", "常问的面试题有哪些", "вопросы на собеседовании"
_QUESTIONS_ASK_RE = re.compile(r"(?i)\b(?:interview|quiz|exam|test|trivia|faq) questions\b|\bquestions (?:to ask|for (?:an? )?(?:interview|quiz))"
                               r"|面试题|面试问题|常问(?:的)?问题|考题|вопрос\w* (?:на|для) (?:собеседовани|интервью|викторин|экзамен)")


def _no_questions_note(reply: str, prompt: str) -> str | None:
    """``no_questions: '…'`` when the prompt's first line asks for questions (``_QUESTIONS_ASK_RE``: interview, quiz or exam
    questions, "面试题", "вопросы на собеседовании") and an answer of ≥ 30 words (a CJK character counting half) holds
    no question mark and no list line: an essay on the job instead of the questions ("产品经理是一个非常重要的岗位…",
    written set AU)."""
    if not _QUESTIONS_ASK_RE.search(prompt.strip().split("\n", 1)[0][:300]):
        return None
    prose = strip_code(reply)
    if half_cjk_words(prose) < 30 or "?" in prose or "？" in prose or _LIST_MARK_RE.search(prose) or re.search(r"(?m)^\s*[-*•]\s", prose):
        return None
    return f"no_questions: {reply.strip()[:40]!r}"


#: a classification asked: "下面这句话属于哪一类", "Определи категорию обращения", "classify the review"
_CLASSIFY_ASK_RE = re.compile(r"(?i)\bclassif|\bcategori[sz]|\bwhich (?:category|class|label)\b|\blabel (?:it|each|the)\b|属于哪|哪一类|分类|归类"
                              r"|判断[^。？！\n]{0,10}(?:类别|类型|情感|积极|消极|正面|负面)|определи\w* (?:категори|тональност|класс|тип)|классифиц|к какой категори")
#: options written as "A / B / C" (slashes, at least two options of 1-15 characters)
_SLASH_OPTIONS_RE = re.compile(r"([^\s/／:：()（）\[\]\n]{1,15}(?:[ \t]*[/／][ \t]*[^\s/／:：()（）\[\]\n]{1,15}){1,7})")


def _options_unmet_note(reply: str, prompt: str) -> str | None:
    """``options_unmet: '…'`` when the prompt asks to classify (``_CLASSIFY_ASK_RE``) into options it lists with slashes
    ("体育 / 财经 / 娱乐", "(оплата / доставка / возврат / другое)": ``_SLASH_OPTIONS_RE``) and an answer of more than 40
    characters names none of them: the news item continued for "下面这句话属于哪一类：体育 / 财经 / 娱乐", customer replies
    written for "Определи категорию обращения (оплата / доставка / возврат / другое)" (written sets AW, AX). A short
    answer is ``foreign_label``'s."""
    head = prompt[:400]
    if len(reply.strip()) <= 40 or not _CLASSIFY_ASK_RE.search(head):
        return None
    m = _SLASH_OPTIONS_RE.search(head)  # (only options written with slashes: "either a metaphor or hyperbole" is answered
    options = [o.strip() for o in re.split(r"[/／]", m.group(1))] if m else []  # "a metaphor", "verbs or nouns" with "verb")
    if not options:  # ... or a Chinese "是A还是B": "判断这条评论是正面还是负面" (written zh set BA)
        zh = re.search(r"是([\u4e00-\u9fff]{1,6}?)还是([\u4e00-\u9fff]{1,6}?)(?=[：:，,。？?！!\s“\"]|$)", head)
        options = [zh.group(1), zh.group(2)] if zh else []
    if not options:  # ... or "classify these as fruit or vegetable" (written en set BB: a poem about the garden), "как
        # положительный или отрицательный" (set BF: an advert for the vacuum cleaner); the words' stems ("fruits", "положительн")
        en = _AS_OPTIONS_RE.search(head)
        options = [re.sub(r"(?<=\w{3})(?:e?s|[ыиоа]й|[аяо]я|ое|ые)$", "", o) for o in en.groups() if o] if en else []
    options = [o for o in options if o and not re.fullmatch(r"[\d\W]+", o)]
    low = unicodedata.normalize("NFKC", reply).casefold()
    if len(options) < 2:
        # a sentiment asked without its labels ("Определи тональность каждого отзыва", written ru set BC: a summary of the
        # reviews): any sentiment word answers
        if _TONE_ASK_RE.search(head.split("\n", 1)[0][:200]) and not any(w in low for cls in _SENTIMENT_CLASSES for w in cls) \
                and not _SENTIMENT_WORD_RE.search(low):
            return "options_unmet: no sentiment named"
        return None
    if any(o.casefold() in low for o in options) or _same_sentiment(reply[:200], options):
        return None
    return f"options_unmet: none of {' / '.join(options)[:40]!r} named"


#: "classify … as X or Y", "categorize them into X or Y" (one word each side)
_AS_OPTIONS_RE = re.compile(r"(?i)\b(?:as|into)\s+(?:an?\s+|either\s+)?([a-z]{3,15})s?\s+or\s+(?:an?\s+)?([a-z]{3,15})\b"
                            r"|\b(?:как|на)\s+([а-яё]{4,20})\s+или\s+([а-яё]{4,20})\b")
#: a sentiment (tone) asked for: "sentiment", "тональность", "情感倾向"
_TONE_ASK_RE = re.compile(r"(?i)\bsentiment\b|тональност|情感倾向|情感色彩|情绪倾向")
#: sentiment words beyond the three classes of ``_SENTIMENT_CLASSES``: "mixed", "смешанн", "褒义/贬义", "good/bad review"
_SENTIMENT_WORD_RE = re.compile(r"(?i)\bmixed\b|смешанн|褒|贬|\b(?:good|bad) review")


#: "как правильно: в течение или в течении", "which is correct: affect or effect", "…还是…哪个对": a spelling or usage choice
_USAGE_CHOICE_RES = (
    re.compile(r"(?i)как (?:правильно|верно|пишется)(?: пишется| писать| говорить| сказать)?\s*[:,—-]?\s*[«\"]?([^«»\"?\n]{2,30}?)[»\"]?\s+или\s+[«\"]?([^«»\"?\n]{2,30}?)[»\"]?\s*\??\s*$"),
    re.compile(r"(?i)\bwhich is (?:correct|right)\s*[:,]?\s*[\"']?([^\"'?\n]{2,30}?)[\"']?\s+or\s+[\"']?([^\"'?\n]{2,30}?)[\"']?\s*\??\s*$"),
    re.compile(r"[“\"]?([^“”\"？?\n，,]{1,10}?)[”\"]?还是[“\"]?([^“”\"？?\n，,]{1,10}?)[”\"]?(?:哪个|哪一个)(?:对|正确|是对的)\s*[?？]?\s*$"),
)


#: a text for people asked: a greeting, a wish, a poem, a toast, a card ("给奶奶写一句80岁生日祝福", "поздравление", "a poem")
_PEOPLE_TEXT_ASK_RE = re.compile(r"(?i)\b(?:greeting|wish(?:es)?|poem|toast|card message|birthday message|condolence)\b|祝福|贺词|生日|诗|"
                                 r"贺卡|悼词|поздравлени|пожелани|стих|тост|открытк")


def _code_for_text_note(reply: str, prompt: str) -> str | None:
    """``code_for_text: '…'`` when the prompt's first line asks for a text for people (``_PEOPLE_TEXT_ASK_RE``: a greeting,
    a wish, a poem, a toast) and not for code, and the answer is a fenced code block with nothing outside it: an SQL query
    for "给奶奶写一句80岁生日祝福" (written zh set BG; an answer from another sample). A code answer to a plain prompt in
    general was measured and left alone (48 good label rows: "make a birthday card page" asks for HTML)."""
    first = prompt.strip().split("\n", 1)[0][:300]
    if not _PEOPLE_TEXT_ASK_RE.search(first) or CODE_TOPIC_RE.search(first) or CODE_WRITE_ASK_RE.search(first):
        return None
    if "```" not in reply or strip_code(reply).strip():
        return None
    return f"code_for_text: {reply.strip()[:40]!r}"


def _usage_unmet_note(reply: str, prompt: str) -> str | None:
    """``usage_unmet: '…'`` when a one-line prompt asks which of two spellings or usages is right (``_USAGE_CHOICE_RES``: "как
    правильно в течение или в течении", "which is correct: affect or effect", "的还是地哪个对") and an answer of 8+ words names
    neither (either written whole, or less its last letter: "в течени" names both cases): the rule for "вследствие"
    explained instead (written ru set BC)."""
    head = prompt.strip()
    if "\n" in head or len(head) > 120 or word_count(reply) < 8:
        return None
    m = next((m for m in (rx.search(head) for rx in _USAGE_CHOICE_RES) if m), None)
    if m is None:
        return None
    low = unicodedata.normalize("NFKC", reply).casefold()
    sides = [g.strip().casefold() for g in m.groups()]
    if any(x in low or (len(x) >= 4 and x[:-1] in low) for x in sides if x):
        return None
    return f"usage_unmet: neither {sides[0]!r} nor {sides[1]!r} named"


#: the prompt asks to answer a message it gives: "帮我回复一下这封邮件：", "reply to this email:", "ответь на письмо:"
_REPLY_TO_ASK_RE = re.compile(r"(?i)\b(?:reply|respond|write (?:a |an )?(?:reply|response)) to (?:this|the following|my|his|her|their)\b"
                              r"|\b(?:draft|write) (?:a |an )?(?:reply|response)\b|ответь на (?:это |следующее )?(?:письмо|сообщение)"
                              r"|напиши ответ на|回复(?:一下)?(?:这|以下|下面)|写(?:一)?(?:封|个)?回信")
#: an answer that describes the message instead of answering it: "这封邮件是赵敏写给王经理的", "This email is asking…",
#: "В этом письме…"
_DESCRIBES_MESSAGE_RE = re.compile(r"(?i)^\W*(?:this|the) (?:e-?mail|message|letter|note)\b(?: (?:is|was|from|asks|requests|says))"
                                   r"|^\W*(?:in this|in the) (?:e-?mail|message|letter)\b"
                                   r"|^\W*(?:это|данное) (?:письмо|сообщение)\b|^\W*в (?:этом|данном) (?:письме|сообщении)"
                                   r"|^\W*这(?:封|条|则)?(?:邮件|信|消息|短信)(?:是|主要|的主要|中)"
                                   # a summary given a title ("**邮件摘要**：刘洋希望…", written zh set BJ)
                                   r"|^\W*(?:邮件|信件|消息)?(?:摘要|概要|总结|要点)\W{0,3}[:：]|^\W*(?:e-?mail )?(?:summary|tl;?dr)\W{0,3}:")


def _described_not_replied_note(reply: str, prompt: str) -> str | None:
    """``described_not_replied: '…'`` when the prompt asks to reply to a message it gives (``_REPLY_TO_ASK_RE`` in its first
    line, text after it) and the answer opens by describing that message (``_DESCRIBES_MESSAGE_RE``: "这封邮件是赵敏写给王经理
    的，主要内容是…", written zh set BD) and holds no salutation: a summary where a reply was asked."""
    first = prompt.strip().split("\n", 1)[0][:200]
    if not _REPLY_TO_ASK_RE.search(first) or len(prompt.strip()) < len(first) + 20:
        return None
    if not _DESCRIBES_MESSAGE_RE.search(reply) or any(_LETTER_SALUTATION_RE.match(ln.strip()) for ln in reply.split("\n")[:6] if ln.strip()):
        return None
    return f"described_not_replied: {reply.strip()[:40]!r}"


#: a length limit asked: "缩写到50字以内", "不超过100字", "in 50 words or less", "under 30 words", "не более 50 слов", "в 20 словах"
_LENGTH_LIMIT_RES = (
    (re.compile(r"(?:(\d{1,4})\s*(?:个)?字(?:以内|之内|以下)|(?:不超过|不多于|少于|控制在)\s*(\d{1,4})\s*(?:个)?字)"), "cjk"),
    (re.compile(r"(?i)\b(?:in|within|under|below|at most|no more than|not more than|fewer than|less than|max(?:imum)?(?: of)?) (\d{1,4}) words\b"
                r"|\b(\d{1,4}) words or (?:less|fewer)\b"), "words"),
    (re.compile(r"(?i)(?:не более|не больше|до|менее|максимум|в пределах) (\d{1,4}) слов|\bв (\d{1,4}) слов(?:ах|а)?\b"), "words"),
)


def _length_unmet_note(reply: str, prompt: str, factor: float = 2.0) -> str | None:
    """``length_unmet: N asked, M given`` when the prompt's first or last line sets a length limit (``_LENGTH_LIMIT_RES``: "缩写到
    50字以内", "in 50 words or less", "не более 30 слов") and the answer, less a first line that ends on a colon, runs past
    ``factor`` [2.0] times it (CJK characters for a "字" limit, words otherwise): an analysis of the text where a 50-character
    digest was asked (written zh set BD). Twice the limit, as a summary a little over its count is still a summary; a list
    of several options (3+ list lines) is left alone. In the dump pool (80,179 pairs) it drops 5 machine-translated Alpaca
    answers whose "50 字以内" was "50 words" before translation: the pair as it stands asks for one length and gives another."""
    plines = [ln for ln in prompt.strip().split("\n") if ln.strip()]
    if not plines:
        return None
    ask = plines[0] + "\n" + plines[-1]
    lines = [ln for ln in reply.strip().split("\n") if ln.strip()]
    if len(lines) >= 2 and lines[0].rstrip().endswith((":", "：")):
        lines = lines[1:]
    if sum(1 for ln in lines if _LIST_ITEM_LINE_RE.match(ln.strip())) >= 3:
        return None
    body = "\n".join(lines)
    for rx, unit in _LENGTH_LIMIT_RES:
        m = rx.search(ask)
        if not m:
            continue
        want = int(next(g for g in m.groups() if g))
        if want < 5:
            return None
        given = len(CJK_RE.findall(body)) if unit == "cjk" else len(words(body))
        if given > factor * want:
            return f"length_unmet: {want} {'characters' if unit == 'cjk' else 'words'} asked, {given} given"
        return None
    return None


#: the prompt asks to find what is wrong with code or a text it gives: "найди ошибку в коде", "find the bug", "找出错误"
_BUG_ASK_RE = re.compile(r"(?i)\bfind (?:the |a )?(?:bug|error|mistake)s?\b|\bwhat(?:'s| is) wrong with\b|\bwhy (?:does|is) (?:this|my) (?:code|function|script)\b"
                         r"|найди\w* (?:ошибк|баг)|в ч[её]м ошибка|что не так с|почему (?:код|функция|программа)"
                         r"|找(?:出|一下)?(?:错误|bug|问题)|哪里(?:错|有问题)|为什么(?:报错|出错|结果不对)"
                         r"|(?:报错|出错)了?\s*(?:帮我看看|怎么办|怎么回事|什么原因)")  # ("java报错 帮我看看": set BJ)
#: an answer that names a fault or a fix: "error", "should", "instead", "ошибка", "вместо", "错误", "应该", "改为"
_FAULT_WORD_RE = re.compile(r"(?i)\b(?:error|bug|wrong|issue|problem|mistake|fix\w*|should|instead|incorrect|missing|skip\w*|off-by-one|typo|change)\b"
                            r"|ошиб|неправил|неверн|исправ|вместо|должн|проблем|пропуска|нужно|следует|замени|опечат"
                            r"|错|问题|应该|应当|改为|改成|修改|漏|缺少|bug")


#: the prompt asks to shorten a text it gives: "сократи этот абзац вдвое", "shorten this", "把这段话缩短"
_SHORTEN_ASK_RE = re.compile(r"(?i)\b(?:shorten|condense|trim|cut down)\b|сократи|сожми|укороти|缩短|精简|压缩|缩写")


def _not_shortened_note(reply: str, prompt: str) -> str | None:
    """``not_shortened: N → M characters`` when the prompt's first line asks to shorten the text under it
    (``_SHORTEN_ASK_RE``, 100+ characters given) and the answer is at least as long as that text: the paragraph rewritten
    longer, "с гордостью предлагает широчайший спектр…" for "сократи этот абзац вдвое" (written ru set BI)."""
    lines = prompt.strip().split("\n", 1)
    if len(lines) < 2 or not _SHORTEN_ASK_RE.search(lines[0][:200]):
        return None
    source, out = len(lines[1].strip()), len(reply.strip())
    if source < 100 or out < source:
        return None
    return f"not_shortened: {source} → {out} characters"


def _fault_unmet_note(reply: str, prompt: str) -> str | None:
    """``fault_unmet: '…'`` when the prompt asks to find what is wrong with code or text it gives (``_BUG_ASK_RE`` and 3+
    lines) and an answer of 20+ words names no fault and no fix (``_FAULT_WORD_RE``), holding no code: a description of what
    the function does for "найди ошибку в коде, выдает неправильную сумму" (written ru set BC)."""
    if not _BUG_ASK_RE.search(prompt[:300]) or prompt.strip().count("\n") < 2 or "```" in reply or word_count(reply) < 20:
        return None
    if _FAULT_WORD_RE.search(reply):
        return None
    return f"fault_unmet: {reply.strip()[:40]!r}"


#: the prompt asks for a letter, an e-mail or a message to someone: "напиши письмо соседу", "write an email to my landlord"
_LETTER_WRITE_ASK_RE = re.compile(r"(?i)\b(?:write|draft|compose)\b[^.?!\n]{0,30}\b(?:letter|e-?mail|message|note)\b"
                                  r"|(?:напиши|составь)[^.?!\n]{0,30}(?:письмо|сообщение|обращение|записку)|(?:写|起草)(?:一)?(?:封|份|条)[^。？！\n]{0,10}(?:信|邮件|消息)")


def _letter_missing_note(reply: str, prompt: str) -> str | None:
    """``letter_missing: '…'`` when the prompt's first line asks for a letter, an e-mail or a message
    (``_LETTER_WRITE_ASK_RE``) and the answer holds 3+ list lines but no salutation (in its first 12 lines) and no
    closing (in its last 3): a procedure given instead of the letter ("Если вас затопили соседи сверху, действуйте так:
    1. Перекройте воду…" for "напиши письмо соседу сверху", written set AW)."""
    first = prompt.strip().split("\n", 1)[0][:300]
    if not _LETTER_WRITE_ASK_RE.search(first) or _HOW_TO_WRITE_RE.search(first):
        return None  # ("How to write a confirmation letter?" asks for advice, which a list gives: LIMA)
    lines = [ln.strip() for ln in reply.split("\n") if ln.strip()]
    if sum(1 for ln in lines if _LIST_ITEM_LINE_RE.match(ln)) < 3:
        return None
    if any(_LETTER_SALUTATION_RE.match(ln) or _SUBJECT_LINE_RE.match(ln) for ln in lines[:12]) \
            or any(_LETTER_CLOSE_RE.match(ln) for ln in lines[-3:]):
        return None
    return f"letter_missing: {lines[0][:40]!r}"


_HOW_TO_WRITE_RE = re.compile(r"(?i)\bhow (?:to|do|can|should|would)\b|\btips?\b|как (?:мне )?(?:написать|составить)|怎么写|如何写|怎样写")
_LIST_ITEM_LINE_RE = re.compile(r"^(?:\d{1,2}[.)、]|[-*•])\s+\S")
_SUBJECT_LINE_RE = re.compile(r"(?i)^\W*(?:subject|re|тема|主题)\s*[:：]")


def _letter_for_task_note(reply: str, prompt: str) -> str | None:
    """``letter_for_task: '…'`` when the prompt's first or last line asks for a summary, a classification, a translation
    or an extraction (``_NOT_LETTER_TASK_RE``), asks for no reply or writing (``_LETTER_ASK_RE``), and the answer is a
    letter: it opens on a salutation (``_LETTER_SALUTATION_RE``) and one of its last three lines is a closing
    (``_LETTER_CLOSE_RE``). A reply to the e-mail it was asked to summarise ("Hi Mark, Thanks for the update on the move…
    Cheers, Anna"), a customer-care answer for "classify each review as positive or negative" (written sets AS-AU: 5
    off-topic rows)."""
    plines = [ln for ln in prompt[:3000].strip().split("\n") if ln.strip()]
    if not plines:
        return None
    ask = plines[0] + "\n" + plines[-1]
    if not _NOT_LETTER_TASK_RE.search(ask) or _LETTER_ASK_RE.search(ask):
        return None
    lines = [ln.strip() for ln in reply.split("\n") if ln.strip()]
    if len(lines) < 3 or not _LETTER_SALUTATION_RE.match(lines[0]):
        return None
    if not any(_LETTER_CLOSE_RE.match(ln) or _ZH_THANKS_TAIL_RE.search(ln) for ln in lines[-3:]):
        return None
    return f"letter_for_task: {lines[0][:40]!r}"


#: a Chinese notice that closes its last paragraph with thanks: "如有其他问题，欢迎随时拨打物业服务热线。感谢您的理解与支持！"
_ZH_THANKS_TAIL_RE = re.compile(rf"{_ZH_THANKS}\W{{0,3}}$")


def missing_deliverable(text: str, prompt: str) -> str | None:
    """``no_number: '…'`` when the prompt asks for a kind of output the answer does not hold at all, else None
    (issue 11: an answer on the prompt's topic that misses the ask, where neither an embedding nor word
    overlap can tell; written sets F-H):

    - ``no_number``: the prompt asks to calculate and gives two numbers (``CALC_ASK_RE``: "Посчитай НДС 20% от
      15000", "月薪12000…到手大概多少"), and the answer (4-60 words, no code) has no number at all, digit or word
      (``_NUMBER_RE``): a remark about maths instead of the sum.
    - ``no_quantity``: a one-line prompt asks how many, how much, how far, how long, what year or percentage
      (``_QUANTITY_ASK_RE``, English and Russian, at its start or its last sentence's: "How far is the Moon from Earth?",
      "Сколько спутников у Юпитера?"; ``_ZH_QUANTITY_ASK_RE``, a Chinese prompt that ends on "多少" not after "是", "多少钱", "几岁") and
      the answer (≥ 8 words of prose, no code) holds no number at all (digit, superscript, number word, "millions",
      "percent"; list markers do not count): moon phases for the distance, Saturn's rings for Jupiter's moons, "It
      depends…". Label sets: 17 bad rows (7 refusals, 6 off-topic, 3 nonsense, 1 cut) and 3 unsure, no good one; the
      82,945 dump pairs: 24, all hh-rlhf answers that dodge ("That depends on how long you want the body to stay hidden").
    - ``no_code`` / ``code_language``: the instruction line asks to write code (``CODE_WRITE_ASK_RE``: "Write a Python
      function…", "Напиши функцию на JavaScript", "用Python写一个函数") and names one programming language, and the
      answer (≥ 8 words) holds no code at all (no fence, no code line: a charlotte recipe), or its fenced code is all
      tagged with other languages (```javascript for Python). Not for questions ("Is it possible to create a program
      that…?" unless "Can you write…"), output questions, advice about code ("tips", "技巧"), ports between two named
      languages, explanations; shell, data and untagged fences count as neither language; SQL is not compared (it
      lives inside other languages' code).
    - ``no_extraction``: the prompt asks to extract e-mail addresses or names (``_EXTRACT_ASK_RE``) from a prose text
      (no JSON, code or markup) that holds them, and the answer holds none of them (a name counts by its last word's
      first four letters): a summary instead of the list. Written sets X and Y; U-W, unread, held 3 such rows.

    Not judged when the prompt asks to explain, analyse or translate (``_EXPLAIN_ASK_RE``: "explain this
    code", "分析这首诗"), where prose is the answer. (A broader ``no_code``, any prompt with "script", "program" or
    "class" and no code in the answer, was tried and left out: those words ask for films, trainings and lessons as
    often as for code, and unfenced shell scripts and regexes read as prose; 60 good rows lost in the label sets.
    The kind above needs a writing verb, a named programming language and an answer without a single code line.
    So was a broad ``no_poem``, a poem asked and one paragraph of prose given: dumps collapse verse into one
    paragraph, and a good Alpaca poem was lost for each off-topic answer caught. The kind kept needs more, below.)

    - ``no_poem``: a poem is asked (``_POEM_ASK_RE``: "Write a haiku…", "Напиши четверостишие…", "以…写一首七言诗") and the
      answer defines the form in its first 300 characters (``_FORM_DEFINED_RE``: "A haiku is a traditional form…",
      "藏头诗是杂体诗的一种") without two short lines (≤ 60 characters) in a row: a lecture on the form, not a poem
      (written sets U, W). A poem collapsed into one paragraph does not define its form.
    - ``subject_swap``: the prompt names one subject of a sibling class (``_SIBLING_CLASSES``: a programming language or
      spreadsheet app, a phone or desktop platform, a planet), the answer never names it, and its prose opening (first
      250 characters outside code, plus its first fence tag) names another of the same class: "How do I handle errors
      in Go?" answered "In Python, you handle errors…", "Как сбросить iPhone…" answered for Android, "Сколько спутников
      у Юпитера?" answered about Saturn's rings. Not when the prompt weighs choices or asks for alternatives ("or",
      "instead of", "вместо", "还是") or gives a text to translate. Written sets AD-AF (4 rows); on every earlier label
      set it flags 11 off-topic rows and no other (rounds 1-48 included).
    - ``no_recommendation``: the prompt asks to recommend a work or a product (``_RECOMMEND_ASK_RE``: a book, film, series,
      song, game, app, phone or laptop; "推荐一部最近好看的悬疑电影", "посоветуй книгу по машинному обучению") and the answer
      (≥ 30 words, a CJK character counting half) names none (``_NAMED_ITEM_RE``: no 《title》, «title» or "title", no
      capitalised name inside a sentence, no list item, no Latin name inside Chinese): an essay on the genre, reading
      tips, a forum post. Not when the ask is for a way, a name or a kind (``_RECOMMEND_NOT_RE``) or the prompt is about a
      recommender system (``_RECOMMENDER_RE``). Written sets N, Z, AF, AI and AN: 7 bad rows, no good one of 19 such asks in
      the label sets.
    - ``source_ignored``: the prompt asks to summarise or rewrite a text it gives (``_SOURCE_TASK_RE``: "Summarize this:",
      "перескажи", "总结", "paraphrase", "перепиши"; a prompt of ≥ 40 words, a CJK character counting half) and under
      ``_MIN_SOURCE_SHARE`` [0.1; Chinese 0.05] of the answer's ≥ 5 content units (``text.units``) come from the prompt, both
      in one script, the ask in the prompt's first sentence or its last:
      a summary of another text ("The article discusses customer satisfaction…" for a quarterly report), a refusal to
      summarise. Label sets: summaries and rewrites of a given text take 0.14-1.0 of their units from it (148 good rows);
      18 off-topic ones 0.0-0.12, 11 refusals 0.04-0.43 (written set AM among them).
    - ``comparison_unmet``: the prompt's first line or sentence asks how two named things differ (``comparison_sides``:
      "difference between X and Y", "how does X differ from Y", "compare X and Y", "X vs Y", "чем отличается X от Y",
      "разница между X и Y", "сравни X и Y", "X和Y有什么区别", "比较X和Y") or which of two to choose ("Что лучше: X или
      Y?", "X还是Y好？" with a word that weighs them: better, лучше, 好, 哪), and the answer (≥ 25 words, no code, no table,
      no "both"/"оба"/"两者") names neither side, or for a difference asked with Latin or Cyrillic sides names only one: a
      stock explained for "ETF vs mutual fund", Java arrays for "list和tuple", company registration for "ООО от ИП",
      insulation in general for "пеноплекс или минвата". A side is named when one of its tokens (``_side_tokens``: words
      cut to 4 letters, tokens with a digit whole, CJK bigrams) is in the answer. Not for choice questions answered by
      naming one ("tabs or spaces?" → "Spaces."), nor for Chinese sides named only once ("比较苹果和橘子" is answered about
      橙子). Read written sets: 7 off-topic and 2 refusals flagged, no good row of 93 such asks in the label sets and
      none of 389 in the dump pool.
    - ``no_howto``: the prompt's first line asks how to do something (``_HOWTO_ASK_RE``: "How do I…", "Как приготовить…",
      "红烧肉怎么做", "如何…"; not how something works, nor what it is: ``_DEFINE_ASK_RE``) or for the side effects, pros and
      cons, symptoms or causes of something, and the answer opens by defining or praising the prompt's own topic
      (``_TOPIC_OPENING_RE``: "Плов — одно из древнейших блюд Востока", "Coffee has a long and fascinating history",
      "Metformin is a medication used to…", "红烧肉是一道历史悠久的…"), gives no step (``_STEPS_RE``: no list line, no
      "first," / "затем" / "首先") and takes at most half of the prompt's content units: an essay on the topic instead of
      the how-to; or, for a how-to, recipe or calculation, its first two sentences tell a history (``_history_instead``:
      "…was invented in the 1930s by Ruth Wakefield", "появился в России в 1912 году", "相传由东汉医圣张仲景发明"). Label sets:
      13 off-topic rows in ten writer sets and no good one (the history: 10 more and a nonsense row); the dump pool: 5 hh-rlhf answers that
      dodge a harmful how-to ("A pipe is a tool that people use to manipulate water…"). Also when the how-to names the
      thing to make, fix or remove (``_HOWTO_OBJECT_RE``: "how do i make my own fireworks", "Как сделать фейерверк…") and
      an answer of 25+ words without steps or code never names it: a backyard barbecue for fireworks, "Давайте лучше
      поговорим о том, как сделать Новый год ярким" (written set AP-AR; label sets: 3 more bad rows, no good one; dump
      pool: 3 hh-rlhf answers, one of them beer and whiskey for "my own booze").
    - ``wrong_result``: the prompt is one arithmetic question (``arithmetic_result``: "What is 12 × 8?", "what's 15% of
      80?", "7减4等于几？", "Сколько будет 17*23?", "solve 2x + 3 = 11") and no number of the answer equals its value
      (to 1e-6, or to 2 decimals; "4,160" read with a thousands separator, "1/3" as a fraction): "12 × 8 is equal to 8 ×
      12, which is equal to 12 × 8", "15% of 60 is 9", "4x3+3x2 等于 21". An answer without digits is left to
      ``no_number``. Label sets: 8 bad rows (6 nonsense, 2 off-topic), no good one of 51 such prompts; dump pool: 2 (a
      wrong sum, a cut "4乘以5等于").
    - ``unchanged_rewrite``: the prompt asks to rewrite, convert or polish a text it gives (``_REWRITE_ASK_RE``: "rewrite",
      "paraphrase", "convert … to passive", "перепиши", "改成被动句", "润色"; not to correct, check or translate it, where a
      right sentence may come back as it was) and the answer (≥ 8 characters) is that text unchanged (``rewrite_source``;
      quotes and end punctuation aside): "把下面这句话改成被动句：小明打碎了妈妈最喜欢的花瓶。" → "小明打碎了妈妈最喜欢的花瓶。". Label sets:
      4 nonsense rows (1 dropped before), no good one; dump pool: 9 (4 not dropped before) machine-translated Alpaca rewrites that lost the
      rewrite ("改写以下句子，使其使用现在完成时：“我昨天写了一篇文章。”" → "我昨天写了一篇文章。").
    - ``letter_for_task``: a summary, classification, translation or extraction asked and a letter given (salutation and
      closing: ``_letter_for_task_note``); ``version_swap``: another version of the thing the prompt names ("python 3.12" →
      "Python 3.8 introduced…", ``_version_swap_note``); ``announced_genre``: the answer announces a poem, story, recipe or
      joke that the prompt never asks for (``_announced_genre_note``); ``no_questions``: interview or quiz questions asked,
      an essay without a question given (``_no_questions_note``). ``no_howto`` also fires for a recipe named by the prompt
      ("recipe for shakshuka", "糖醋里脊怎么做") answered under a title that names another dish, steps or not; ``subject_swap``
      also knows more countries, Chinese dynasties, chronic conditions and two kinds of letter. Written sets AS-AU."""
    reply = text.strip()
    head = prompt[:1500]
    if not reply:
        return None
    note = _code_language_note(reply, prompt) or _no_extraction_note(reply, prompt) or _poem_explained_note(reply, prompt) \
        or _subject_swap_note(reply, prompt) or _no_recommendation_note(reply, prompt) or _source_ignored_note(reply, prompt) \
        or _comparison_unmet_note(reply, prompt) or _topic_essay_note(reply, prompt) or _wrong_result_note(reply, prompt) \
        or _unchanged_rewrite_note(reply, prompt) or _letter_for_task_note(reply, prompt) or _version_swap_note(reply, prompt) \
        or _announced_genre_note(reply, prompt) or _no_questions_note(reply, prompt) or _options_unmet_note(reply, prompt) \
        or _letter_missing_note(reply, prompt) or _usage_unmet_note(reply, prompt) or _described_not_replied_note(reply, prompt) \
        or _length_unmet_note(reply, prompt) or _fault_unmet_note(reply, prompt) or _code_for_text_note(reply, prompt) \
        or _not_shortened_note(reply, prompt)
    if note:
        return note
    if _EXPLAIN_ASK_RE.search(head) or TRANSLATION_RE.search(head):
        return None
    if CALC_ASK_RE.search(head) and _TWO_NUMBERS_RE.search(head) and not _NUMBER_RE.search(reply) and 4 <= word_count(reply) <= 60 \
            and not _CODE_IN_REPLY_RE.search(reply):  # a function that computes it is an answer
        return f"no_number: {reply[:40]!r}"
    # the ask opens the prompt or its last sentence ("…купил за 4 млн продаю за 5. сколько налог?"), or a Chinese prompt
    # ends on it ("房贷100万 30年 利率3.1% 等额本息 月供多少"; written sets AH, AI)
    last = re.split(r"(?<=[.!?。！？])\s*", head.strip().rstrip("?？!！. "))[-1]
    asks = _QUANTITY_ASK_RE.search(head) or _QUANTITY_ASK_RE.search(last) or _ZH_QUANTITY_ASK_RE.search(head.strip())
    # a count asked in the first line over a text the prompt gives: "посчитай, сколько в этом отзыве положительных и отрицательных
    # моментов:\n«…»" answered with the hotel's reply (written ru set BL; no good label row has such an ask and no number)
    count_ask = _COUNT_ASK_RE.search(head.strip().split("\n", 1)[0][:300])
    if "\n" in head.strip():
        asks = asks or count_ask
    if (len(head) <= 200 and "\n" not in head.strip() or count_ask) and asks and not _CODE_IN_REPLY_RE.search(reply):
        prose = _LIST_MARK_RE.sub("", strip_code(reply))  # (a list's "1." is no quantity)
        prose = re.sub(r"\b[^\W\d_]+\d+\b", " ", prose)  # (nor a vitamin's name: "витамин B6", written ru set AW)
        if word_count(prose) >= 8 and not _NUMBER_RE.search(prose):
            return f"no_quantity: {reply[:40]!r}"
    return None


#: a one-line question that asks for a quantity, year or percentage (English and Russian; Chinese "几个"/"多少" ask for
#: "a few" as often, and "发病年龄是多少" is answered "新生儿期")
_QUANTITY_ASK_RE = re.compile(r"(?i)^\W*(?:how (?:many|much|far|long|old|tall|big|heavy|deep|high|often)\b|what (?:year|percentage|percent)\b"
                              r"|in what year\b|сколько\b|как(?:ой|ая) (?:процент|год)\b|в каком году\b)")
#: a first line that asks to count: "count how many", "посчитай, сколько", "统计…有几个" (the text to count in follows)
_COUNT_ASK_RE = re.compile(r"(?i)\bcount (?:the |how many|all )|\bhow many\b|посчитай|подсчитай|\bсколько\b|统计(?:一下|出)|数一数|数数|一共有?几"
                           r"|有几(?:个|处|条|句|种)|多少(?:个|处|条|句|种|次)")
#: a Chinese prompt that ends on a quantity ask: "月供多少", "个税大概扣多少？", "要多久", "几岁了" (not "或多或少")
#: ("…是多少" is no quantity ask in machine-translated Alpaca: "最快的游泳姿势是多少？", "实数的范围是多少？"; dump pool)
_ZH_QUANTITY_ASK_RE = re.compile(r"(?<![或是])多少(?:钱|度|岁|天|个|人|年|公里|米|斤|克|次|元|分钟|小时|号)?\s*[?？]?$|多少(?:钱|岁|公里|斤|元)\s*[?？]?$"
                                 r"|几岁了?\s*[?？]?$")
_LIST_MARK_RE = re.compile(r"(?m)^\s*\d{1,2}[.)、]\s")


#: the prompt asks to explain, analyse, review or fix a given text or code: prose is the answer there
_EXPLAIN_ASK_RE = re.compile(r"(?i)\b(?:explain|what does|what is wrong|why does|analy[sz]e|review|describe|difference|compare|debug|fix)\b"
                             r"|объясни|что делает|почему|проанализируй|разбери|в чём разница|чем отличается"
                             r"|解释|分析|为什么|什么意思|区别|赏析|讲解|说明一下")


#: a sentence that only pleases: praise of the question, wishes, encouragement, an open offer (en, ru, zh)
_PHATIC_RE = re.compile(
    r"(?i)\b(?:great|good|excellent|interesting|fascinating|wonderful) question\b|\bthanks? (?:you )?for (?:asking|reaching out|your question)"
    r"|\b(?:happy|glad) (?:you asked|to help)|\bi hope (?:this|that|you)\b|\bhave a (?:great|nice|wonderful|good|lovely) day"
    r"|\bfeel free to\b|\bdon['’]t hesitate to\b|\b(?:good|best of) luck\b|\byou(?:['’]ve| have) got this\b|\bstay positive\b"
    r"|\bbelieve in yourself\b|\byou can do it\b|\blet me know if\b"
    r"|(?:отличный|хороший|интересный|прекрасный) вопрос|спасибо за (?:вопрос|обращение)|\bрад(?:а)?,? что|\bрад(?:а)? помочь|надеюсь"
    r"|(?:хорошего|отличного|прекрасного) дня|отличный день|удачи|пишите|обращайтесь|на связи|всё получится|верьте в себя|не сдавайтесь"
    r"|好问题|很好的问题|这个问题(?:很|非常)好|问得好|感谢(?:你|您)的提问|很高兴|希望(?:对你|对您|这些|这个|以上)|祝(?:你|您)|加油"
    r"|相信(?:你|您|自己)|随时|欢迎(?:随时|继续)|保持积极")


def pleasantry(text: str, prompt: str, max_words: int = 60) -> str | None:
    """``pleasantry: '…'`` when the reply is only pleasantries: ≥ 2 sentences carry praise of the question,
    wishes or encouragement (``_PHATIC_RE``: "Great question!", "Надеюсь, у вас отличный день.", "加油！"),
    making ≥ 60 % of its sentences, in ≤ ``max_words`` [60] words (a CJK character counts half) with no digit
    and no content unit shared with the prompt, which has ≥ 3 words and is not small talk. "Great question!
    The capital is Paris. Hope this helps!" shares "capital" with its prompt and is kept. Else None."""
    reply = text.strip()
    if not reply or word_count(reply) > max_words or _DIGIT_RE.search(reply) or len(words(prompt)) < 3 or is_small_talk(prompt):
        return None
    sents = [x for x in _sentences(reply) if x.strip()]
    n = sum(1 for x in sents if _PHATIC_RE.search(x))
    if n >= 2 and n >= 0.6 * len(sents) and shared_units(reply, prompt) == 0:
        return f"pleasantry: {reply[:40]!r}"
    return None


#: a bare label of a sentiment task ("Positive", "Тональность: позитивная", "正面") or a multiple-choice letter
#: after an answer tag ("Ответ: B", "Answer: C")
_SENTIMENT_LABEL_RE = re.compile(
    r"(?i)^\W*(?:(?:sentiment|label|answer|class|ответ|тональность|метка|класс|答案|情感|标签|类别)\s*[:：]\s*)?"
    r"(positive|negative|neutral|позитивн\w*|негативн\w*|нейтральн\w*|положительн\w*|отрицательн\w*|正面|负面|中性|积极|消极)\W*$")
_LETTER_LABEL_RE = re.compile(r"(?i)^\W*(?:answer|the answer is|ответ|правильный ответ|答案|正确答案)\s*[:：]?\s*\(?([A-DА-Г])\)?\W*$")
#: the prompt speaks of sentiment, stance or polarity: then any such label may be the answer
_SENTIMENT_ASK_RE = re.compile(
    r"(?i)sentiment|\btone\b|emotion|feeling|mood|positiv|negativ|neutral|polarity|\bsupports? (?:or|and|vs)|oppos|agree|stance|opinion"
    r"|тональн|эмоци|позитив|негатив|нейтрал|положит|отрицат|настроен|отношени|мнени"
    r"|情感|情绪|正面|负面|积极|消极|中性|褒贬|态度|立场|观点")
#: the prompt offers lettered options ("A) …", "(B)", "C. …", "варианты", "选项")
_OPTIONS_RE = re.compile(r"(?im)^\s*\(?[A-DА-Г][).:：、]|\b[A-D]\)|\([A-DА-Г]\)|\boptions?\b|\bchoices?\b|multiple.choice|вариант|选项|选择题")


#: one line of a classifier's output: a label, score or category field with a short value
_CLASSIFIER_FIELD_RE = re.compile(
    r"(?i)^\W*(?:sentiment|label|confidence|score|probability|category|class|prediction|тональность|уверенность|вероятность|категория"
    r"|метка|класс|оценка|情感|情感倾向|置信度|标签|类别|分类|概率|得分)\s*[:：]\s*[\w.%-]{1,20}\W*$")
#: ... of which one names the label: "Sentiment:", "Категория:", "类别："
_LABEL_KEY_RE = re.compile(r"(?i)^\W*(?:sentiment|label|category|class|prediction|тональность|категория|метка|класс|情感倾向|情感|标签|类别|分类)\s*[:：]")
#: the prompt asks for a rating or a score: "Score: 7" may be the answer
_RATE_ASK_RE = re.compile(r"(?i)\brat(?:e|ing)\b|\bscore\b|\bevaluat|\bgrade\b|оцени|оценк|评分|打分|评估|评价")


def foreign_label(text: str, prompt: str) -> str | None:
    """``foreign_label: '…'`` when the whole answer is a label from another task, else None: a sentiment label
    (``_SENTIMENT_LABEL_RE``: "Positive", "Тональность: позитивная", "正面") to a prompt that speaks of no
    sentiment, stance or polarity (``_SENTIMENT_ASK_RE``), or a tagged option letter ("Ответ: B", "Answer: C")
    to a prompt that offers no lettered options (``_OPTIONS_RE``), a "Категория: …" field to a sentiment task, or a
    label of ≤ 3 words outside the options the prompt lists (``listed_options``: "Sports" to "Answer Spam or Not spam",
    "体育" to "（正面/负面）"; options in another script are not compared). A weak fine-tune or a misaligned row
    answers "Extract the name…", "Кратко опиши сюжет…" or "判断…属于哪个类别（体育/财经/科技/娱乐）" with
    the label of the classification task it saw most (written sets L, M, N: 4 of 54 off-topic answers, no
    good row of the label files or of 82,945 dump pairs)."""
    reply = text.strip()
    # a classifier's record: "Sentiment: POSITIVE\nConfidence: 0.93", "Тональность: POSITIVE\nУверенность: 0.94\nКатегория: 3"
    # for "write a short poem about autumn" (written sets BN, BO)
    fields = [ln for ln in reply.split("\n") if ln.strip()]
    if 2 <= len(fields) <= 6 and len(reply) <= 200 and all(_CLASSIFIER_FIELD_RE.match(ln) for ln in fields) \
            and not _SENTIMENT_ASK_RE.search(prompt[:3000]) and not _CATEGORY_ASK_RE.search(prompt[:3000]) \
            and not _STRUCTURED_ASK_RE.search(prompt[:3000]) and not _RATE_ASK_RE.search(prompt[:3000]) \
            and any(_LABEL_KEY_RE.match(ln) for ln in fields):
        return f"foreign_label: {reply[:40]!r}"
    if len(reply) > 40:
        return None
    head = prompt[:3000]
    # the instruction: the first and the last line of a prompt that carries material between them (a review in which
    # "客服态度倒是不错" is no ask for a sentiment: "帮我总结一下这段用户评价：…" → "负面", written zh set AL)
    plines = [ln for ln in head.strip().split("\n") if ln.strip()]
    ask = plines[0] + "\n" + plines[-1] if len(plines) >= 3 else head
    if _SENTIMENT_LABEL_RE.match(reply) and not _SENTIMENT_ASK_RE.search(ask):
        return f"foreign_label: {reply!r}"
    if _LETTER_LABEL_RE.match(reply) and not _OPTIONS_RE.search(head):
        return f"foreign_label: {reply!r}"
    if _CATEGORY_FIELD_RE.match(reply) and not _CATEGORY_ASK_RE.search(ask) \
            and (_SENTIMENT_ASK_RE.search(ask) or (_WRITE_ASK_RE.search(ask) and _CLASS_FIELD_RE.match(reply))):
        # "Категория: Спорт" to "Определи тональность отзыва" (written set P); "类别：社会民生" to "帮我给这条新闻起个标题" (set AL)
        return f"foreign_label: {reply!r}"
    options = listed_options(head)
    label = _LABEL_PREFIX_RE.sub("", reply).strip(" .。!！\"'“”«»")
    if options and label and half_cjk_words(label) <= 3 and not _DIGIT_RE.search(label):
        low = label.casefold()
        if not any(o.casefold() in low or low in o.casefold() for o in options) and not _same_sentiment(label, options) \
                and not _THIRD_OPTION_RE.search(label) \
                and not (_POLARITY_RE.match(label) and any(_POLARITY_RE.match(o) for o in options)) \
                and all(_script_of(o) == _script_of(label) for o in options):
            return f"foreign_label: {reply!r} (options: {' / '.join(options)[:40]})"  # "Sports" to "Answer Spam or Not spam"
    return None


#: options a prompt lists for its answer: "（正面/负面）", "(positive / negative / neutral)", "Answer Spam or Not spam."
_OPTION_GROUP_RE = re.compile(r"[(（]([^()（）\n]{1,80}?[/／|、][^()（）\n]{1,80}?)[)）]"
                              r"|\b(?:answer|reply|respond|output|return|choose|label it|classify [^.\n]{1,40}? as)\s+(?:with\s+)?"
                              r"[\"'“]?([^\W\d_][\w -]{0,20}?)[\"'”]?\s+or\s+[\"'“]?([^\W\d_][\w -]{0,20}?)[\"'”]?\s*[.?!\n]"
                              # two quoted options: 回答“是”或“否”, ответь «да» или «нет» (written zh set AC)
                              r"|(?:回答|答|选择|输出|回复|\banswer|\breply|\brespond|ответь|ответьте|выбери|выберите)[^“\"«\n]{0,6}"
                              r"[“\"«]([^”\"»\n]{1,15})[”\"»]\s*(?:或者?|还是|или|or)\s*[“\"«]([^”\"»\n]{1,15})[”\"»]", re.I)
_LABEL_PREFIX_RE = re.compile(r"(?i)^\W*(?:answer|label|class|category|sentiment|output|ответ|метка|класс|категория|тональность|答案|标签|类别|情感|结果)\s*[:：]\s*")
#: a class field, not a topic one ("主题：他" names a sentence's subject)
_CLASS_FIELD_RE = re.compile(r"(?i)^\W*(?:category|class|категория|рубрика|类别|分类)\s*[:：]")
#: the prompt asks for a text to be written: a title, a summary, a reply, a letter
_WRITE_ASK_RE = re.compile(r"(?i)\b(?:write|summari[sz]e|title|headline|reply|draft)\b|标题|总结|概括|摘要|写|напиши|заголов|кратко|сократи")
#: a reply that names a category field ("Категория: Спорт", "Category: Sports", "类别：体育")
_CATEGORY_FIELD_RE = re.compile(r"(?i)^\W*(?:category|topic|категория|тема|рубрика|类别|分类|主题)\s*[:：]")
_CATEGORY_ASK_RE = re.compile(r"(?i)categor|topic|категори|тема|тематик|рубрик|类别|分类|主题")
_SENTIMENT_CLASSES = (("positive", "позитив", "положит", "正面", "积极", "好评"), ("negative", "негатив", "отрицат", "负面", "消极", "差评"),
                      ("neutral", "нейтрал", "中性", "中立"))


#: an option group that only gives examples of an open set
_OPEN_SET_RE = re.compile(r"(?i)例如|比如|譬如|等[)）]?$|等等|\be\.g\.|\bsuch as\b|\betc\b|например|и т\.\s?д|и др")
#: a yes/no or true/false word: "错误的" answers "回答“真”或“假”", "不" answers "回答“是”或“否”" (dump pairs)
_POLARITY_RE = re.compile(r"(?i)^(?:不|否|没有|不是|错|错误|错误的|对|对的|正确|正确的|真|假|真的|假的|是|是的|yes|no|true|false|correct"
                          r"|incorrect|wrong|right|да|нет|не|верно|неверно|правда|ложь)\W*$")
#: a label outside a binary choice that is still a fair answer: neither, both, neutral, other
_THIRD_OPTION_RE = re.compile(r"(?i)^(?:neutral|mixed|none|neither|both|other|unknown|unclear|n/?a)\b|нейтрал|ни то ни другое|оба|другое"
                              r"|^(?:中性|中立|其他|都不是|都是|无法判断|不确定)")


def listed_options(prompt: str) -> list[str]:
    """The answer options a prompt lists (``_OPTION_GROUP_RE``: a bracketed "A/B/C" group or "answer X or Y"), 2-8 of
    them, or []."""
    m = _OPTION_GROUP_RE.search(prompt)
    if not m:
        return []
    if m.group(1):
        opts = [o.strip(" \"'“”«»") for o in re.split(r"[/／|、]", m.group(1))]
    elif m.group(2):
        opts = [m.group(2).strip(), m.group(3).strip()]
    else:
        opts = [m.group(4).strip(), m.group(5).strip()]
    opts = [o for o in opts if o]
    if _OPEN_SET_RE.search(m.group(0)):
        return []  # "（例如叙述性、议论性…）", "(nouns, verbs, etc.)": examples of an open set, not the choices
    return opts if 2 <= len(opts) <= 8 else []


def _same_sentiment(label: str, options: list[str]) -> bool:
    """True when ``label`` and one of ``options`` name the same sentiment class in any language ("Positive" for "正面")."""
    low = label.casefold()
    return any(any(w in low for w in cls) and any(any(w in o.casefold() for w in cls) for o in options) for cls in _SENTIMENT_CLASSES)


def _script_of(text: str) -> str:
    """"cjk", "cyrillic" or "latin": the script of ``text``'s first letter."""
    for ch in text:
        if CJK_RE.match(ch):
            return "cjk"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if ch.isalpha():
            return "latin"
    return "other"


#: what only the asker writes: thanks in advance, a call to other readers, "same problem here"
_FORUM_RE = re.compile(
    r"(?i)\bthanks? (?:you )?in advance\b|\btia\b|\b(?:does|do) any(?:one|body) (?:know|have)\b|\bany(?:one|body) (?:knows?|got|has) (?:an? )?(?:idea|clue|solution|fix)\b"
    r"|\bi(?:['’]m| am)? having the same (?:problem|issue)\b|\bsame (?:problem|issue) here\b"
    # the asker's plea and their own attempts ("Any help would be appreciated, I've been stuck on this for hours";
    # written set X)
    r"|\bany (?:help|advice|suggestions?|ideas?|pointers?) (?:would be|is|are|will be) (?:much |greatly |really |very much )?appreciated\b"
    r"|\b(?:i(?:['’]ve| have) been|i(?:['’]m| am)) stuck on this\b|\bwhat am i doing wrong\b"
    r"|буду (?:очень )?благодар(?:ен|на) за (?:любую )?помощь|что я делаю не так|помогите,? пожалуйста,? (?:разобраться|кто может)"
    r"|求大神|求助各位|请问各位|我哪里做错了|卡了(?:好)?几个小时"
    r"|заранее спасибо|спасибо заранее|кто-(?:нибудь|то) (?:знает|сталкивался|подскажет)|у меня (?:такая же|та же) проблема"
    r"|先谢谢|提前(?:感谢|谢谢)|有没有人(?:知道|遇到)|有人(?:知道|遇到过)|我也遇到(?:了|过)?(?:同样|一样|这个)"
    # another asker in the thread, or the asker's follow-up: "同问！…坐等回复，谢谢！", "Ещё у меня не работает клавиатура…
    # Подскажите, пожалуйста, куда лучше обратиться", "Also, could you make it a bit more casual…? Thanks!" (written sets U-W)
    r"|^\W*同问|坐等(?:回复|大神|答案|解答|大佬)|有没有懂行的|求(?:大佬|大神)(?:解答|指点|帮忙)"
    r"|подскажите,? пожалуйста,? (?:куда|где|кто|сколько|что делать|как быть)|^\W*(?:ещё|еще|также|а еще|а ещё) у меня (?:не |тоже |есть )"
    r"|^\W*also,? (?:could|can|would) you (?:please )?(?:make|add|write|give|tell|include|change|explain)\b")


def forum_voice(text: str, prompt: str, max_words: int = 90) -> str | None:
    """``forum_voice: '…'`` when the answer speaks as the asker: it thanks in advance, asks other readers
    ("Does anyone know…", "Кто-нибудь знает…", "有没有人知道") or reports the same problem (``_FORUM_RE``), in at
    most ``max_words`` [90] words without code, and the prompt asks for no message, post or role (``WRITES_IN_VOICE_RE``,
    ``IN_CHARACTER_RE``, ``_MESSAGE_ASK_RE``). A base model or a scraped forum thread continues the question
    instead of answering it ("Also my budget is around $1500… Thanks in advance!"; written sets L, M). Else None."""
    reply = text.strip()
    if not _FORUM_RE.search(reply) or "```" in reply or word_count(reply) > max_words:  # (the cheap test first)
        return None
    head = prompt[:1500]
    if WRITES_IN_VOICE_RE.search(head) or IN_CHARACTER_RE.search(head) or _MESSAGE_ASK_RE.search(head):
        return None
    return f"forum_voice: {reply[:40]!r}"


#: the prompt asks for a message, post, letter or announcement in ru/zh/en (then the asker's phrases are the text's)
_MESSAGE_ASK_RE = re.compile(r"(?i)\b(?:post|message|letter|e-?mail|announcement|notice|comment|forum|thread|tweet|ad)\b"
                             r"|письм|сообщени|пост\b|объявлени|комментари|форум|邮件|消息|帖子|公告|通知|留言|评论|信")


#: an answer that opens by talking about the question: "You're asking why cats purr.", "This is a great question",
#: "Это действительно интересный вопрос", "这是一个非常好的问题！", "你想知道的是"
_QUESTION_TALK_OPEN_RE = re.compile(
    r"(?i)^\W*(?:you(?:['’]re| are) asking (?:about|why|how|what|whether|if|for)|(?:this|that|it)(?:['’]s| is) (?:a |an )?(?:very |really |truly )?"
    r"(?:good|great|interesting|excellent|fascinating|common|fair) question|(?:great|good|interesting|excellent) question"
    r"|это (?:действительно |очень |весьма )?(?:интересный|хороший|отличный|любопытный|распространённый) вопрос|вопрос о том,|отличный вопрос"
    r"|хороший вопрос|这是一个(?:非常|很|特别)?(?:好|有趣|常见)的问题|好问题|你想知道的是|您想了解的是|你问的是|您问的是"
    r"|вы (?:спрашиваете|интересуетесь|хотите узнать)\b|(?:您|你)的问题是)")  # "Вы спрашиваете, сколько весит…" (written ru set V)
#: a sentence about the question itself: asking, wondering, being curious
_QUESTION_TALK_RE = re.compile(r"(?i)\bquestion|\bask(?:ing|ed)?\b|\bwonder|\bcurious|\binteresting\b|вопрос|спрашива|интересн|задумыва"
                               r"|задаются|问题|好奇|想知道|疑问|探讨|(?:你|您)(?:想)?问的是")  # ("您的问题是…" holds 问题)
#: a whole one-sentence reply that only calls the question hard or interesting: "This seems like a complicated question to
#: me.", "That's a tough one.", "Это очень сложный вопрос, на который нет однозначного ответа." (hh-rlhf round 39: a brush-off)
_QUESTION_VERDICT_ONLY_RE = re.compile(
    r"(?i)^\W*(?:well,? |hmm+,? |wow,? |oh,? )?(?:this|that|it)(?:['’]s| is| seems(?: like)?| sounds(?: like)?| would be) (?:a |an )?(?:really |very |quite |pretty "
    r"|rather |such an? |kind of a |an? )?(?:complicated|complex|difficult|tough|hard|tricky|loaded|deep|big|broad|good|great|interesting"
    r"|fascinating|thorny|sensitive) (?:question|one|topic|subject|issue)(?: to (?:answer|me))?(?: to me| for me)?\W*$"
    r"|^\W*это (?:очень |действительно |весьма |довольно )?(?:сложный|непростой|трудный|интересный|хороший|спорный|деликатный) "
    r"(?:вопрос|тема)(?:,? на (?:который|которую) (?:нет|не существует) (?:однозначного|простого|точного|единого) ответа)?\W*$")
#: the prompt asks to answer with questions (a Socratic tutor): talking about the question is the method
_SOCRATIC_RE = re.compile(r"(?i)socratic|never (?:give|tell) (?:the |them )?answers?|苏格拉底|从不[^。]{0,10}给[^。]{0,10}答案|сократ")


def restated_question(text: str, prompt: str, max_words: int = 90) -> str | None:
    """``restated_question: '…'`` when the answer only talks about the question: it opens on it ("You're asking why
    cats purr.", "Это действительно интересный вопрос:", "这是一个非常好的问题！"; ``_QUESTION_TALK_OPEN_RE``, or the prompt's
    own first question of ≤ 100 characters asked again) and more
    than half of its (≥ 2) sentences are about asking, wondering or the question itself or ask it again, in at most
    ``max_words`` [90] words with no digit, list or code, and the prompt does not ask for Socratic questions. Written
    sets L-Q hold one in each language (6 of 6 off-topic); no good row of the label sets; 4 hh-rlhf answers of the
    82,945 dump pairs ("Good question. This is an interesting problem. Let's see…"). Else None."""
    reply = strip_code(text).strip()
    # (or it opens by asking the prompt's own short question again: "Why is the sky blue? This is a question that…",
    # "如何提高英语口语？这是很多英语学习者都非常关心的问题。…"; written sets AG, AI)
    q = re.split(r"(?<=[?？])", prompt.strip(), maxsplit=1)[0]
    asks_again = 8 <= len(q) <= 100 and (q[-1:] in "?？" or "\n" not in q) and fold(reply).startswith(fold(q))
    verdict = _QUESTION_VERDICT_ONLY_RE.match(reply) is not None  # the whole reply: "That's a complicated question."
    if not (_QUESTION_TALK_OPEN_RE.search(reply) or asks_again or verdict) or _DIGIT_RE.search(reply) \
            or word_count(reply) > max_words or re.search(r"(?m)^\s*[-*•]\s", reply) \
            or _SOCRATIC_RE.search(prompt[:3000]):  # (numbered items have digits)
        return None
    sents = [x for x in _sentences(reply) if x.strip()]
    if verdict and len(sents) == 1:
        return f"restated_question: {reply[:40]!r}"
    n = sum(bool(_QUESTION_TALK_RE.search(x)) or x.rstrip().endswith(_QUESTION_END) for x in sents)
    if len(sents) >= 2 and n > 0.5 * len(sents):
        return f"restated_question: {reply[:40]!r}"
    return None


#: a single-brace slot of a template: "{greeting}", "{body_paragraph_1}", "{客户姓名}", "{answer}" (not JSON, code or maths)
_BRACE_SLOT_RE = re.compile(r"(?<![{$%\\A-Za-z0-9_])\{\s*([^\W\d][\w -]{0,38}?)\s*\}(?!\})")
#: the prompt asks for a template (``truncation.TEMPLATE_TASK_RE``) or a format string: its slots are the output
_TEMPLATE_ASK_RE = re.compile(TEMPLATE_TASK_RE.pattern + r"|\bformat string|f-string")  # (case-blind: the pattern opens with (?i))


#: a square-bracket slot: "[Recipient Name]", "[Opening line expressing gratitude]" (not a markdown link "[text](url)")
_SQUARE_SLOT_RE = re.compile(r"\[(?=[^\]\n]*(?:[^\W\d_]{3}|[\u4e00-\u9fff]{2}))([^\[\]\n]{2,80})\](?!\()")  # (a word inside: not "[3, 6, 9]", "[a-zA-Z0-9]"; "[称呼]")


#: the prompt gives particulars a letter would use: a number, a weekday, an hour
_SPECIFICS_RE = re.compile(r"(?i)\d|周[一二三四五六日天]|星期|[一二三四五六七八九十两]点|\b(?:monday|tuesday|wednesday|thursday|friday"
                           r"|saturday|sunday)\b|понедельник|вторник|сред[уа]|четверг|пятниц|суббот|воскресень"
                           # the user's own name given: "我叫陈晨 学会计的" (written zh set BP)
                           r"|我叫|名叫|我的名字|\bmy name is\b|меня зовут")
#: the prompt names someone: a capitalised word after a lower-case word ("to my neighbor Linda", "коллеге Марине"): a
#: particular the letter would use
_PROPER_NAME_RE = re.compile(r"(?<=[a-zа-яё,] )[A-ZА-ЯЁ][a-zа-яё]{2,}")
#: the generic part of a slot's label: "[客户姓名]" names the customer, "[Client's Name]" the client, "[Имя клиента]" the client
_SLOT_GENERIC_RE = re.compile(r"(?i)(?:姓名|名称|名字|称呼|名)$|['’]s\b|\b(?:name|title|full name)\b|\b(?:имя|название|фио)\b|^(?:the|your|ваш[аеи]?)\s+")


def _given_in_prompt(label: str, prompt: str) -> bool:
    """True when ``prompt`` gives the value a template slot ``label`` asks for: "客户叫刘总" for "[客户姓名]", "产品是定制办公椅"
    for "[产品名称]", "my manager's name is Dana" for "[Manager Name]", "клиента зовут Анна" for "[Имя клиента]"."""
    head = _SLOT_GENERIC_RE.sub(" ", label).strip().lower()
    if not 2 <= len(head) <= 20:
        return False
    h = re.escape(head)
    if CJK_RE.match(head):
        return re.search(rf"{h}(?:的)?(?:姓名|名称|名字)?(?:叫|是|为|：|:)\s*[^\s，。,.]", prompt) is not None
    return re.search(rf"(?i)\b{h}\w{{0,3}}(?:['’]s)?(?: name)?(?: is| called| named|:| —| -)\s+\w", prompt) is not None \
        or re.search(rf"(?i)\b(?:{h}\w{{0,3}} зовут|зовут {h})", prompt) is not None


#: a slot named for the deliverable itself: one such slot in a short answer is the whole answer left unfilled
_ANSWER_SLOT_RE = re.compile(r"(?i)answer|response|output|result|reply|text|content|solution|答案|回答|结果|输出|ответ|результат")


#: a copula or a "because" between a term and what is said of it: "is", "means", "because", "—", "это", "是因为", "就是"
_COPULA_RE = re.compile(r"(?i)\b(?:is|are|means|mean|refers to|because|when)\b|\s[—–-]\s|\b(?:это|значит|означает|потому что|так как|когда)\b"
                        r"|是因为|就是|是指|意思是|在于|因为")
#: a question that asks what something is, means or why: the prompts a circular answer restates
_CIRCULAR_ASK_RE = re.compile(r"(?i)[?？]|^\W*(?:what|whats|why|how|who|define|explain|meaning|что|почему|как|зачем|кто|为什么|什么|怎么|为何)"
                              r"|吗|呢|是啥|是什么|是谁|意思|为什么|为何|什么是")
#: ... but not a task, a comparison, a usage question or a how-to, whose answers restate their terms by right: "The best way to
#: find duplicates in an array is to…", "A callback function is a function that is passed…", "«Надеть» — …" (label sets)
_CIRCULAR_NOT_RE = re.compile(r"(?i)\b(?:write|generate|create|suggest|repeat|list|give|make|translate)\b|重复|写|生成|创建|列出|翻译|напиши"
                              r"|повтори|перечисли|переведи|составь|differ|\bor\b|\bvs\b|\bили\b|отлича|разниц|区别|还是|不同"
                              r"|\bhow (?:do|to|can|should)\b|best way|purpose|used for|\buse of\b|назначени|用途|作用|如何|怎么做"
                              # (a question on a text the prompt gives: "Is the above statement a valid syllogism?", dump pool)
                              r"|\babove\b|\bfollowing\b|\bgiven\b|\bthis statement\b|выше|ниже|以下|上述|给定")
#: content units (``units``) a circular answer adds beyond the prompt's, at most: Latin/Cyrillic words, CJK bigrams
_CIRCULAR_MAX_NEW, _CIRCULAR_MAX_NEW_CJK = 20, 60
#: words of a question that are no term of it
_QUESTION_WORDS = frozenset({"what", "whats", "does", "mean", "why", "how", "that", "this", "такое", "почему", "зачем", "делать", "чтобы"})
_CJK_QUESTION_BIGRAMS = frozenset({"什么", "为什", "怎么", "是什", "么是", "哪个", "是哪"})
_TERM_WORD_RE = re.compile(r"[^\W\d_]{4,}")


def _question_terms(prompt: str) -> set[str]:
    """The prompt's terms: 4-letter prefixes of its words of 4+ letters (no stopword or question word), and its CJK bigrams."""
    terms = {w.lower()[:4] for w in _TERM_WORD_RE.findall(CJK_RE.sub(" ", prompt)) if w.lower() not in STOPWORDS | _QUESTION_WORDS}
    for run in re.findall(r"[\u4e00-\u9fff]+", prompt):
        terms |= {run[i:i + 2] for i in range(len(run) - 1)} - CJK_STOP_BIGRAMS - _CJK_QUESTION_BIGRAMS
    return terms


def _holds_term(segment: str, term: str) -> bool:
    if CJK_RE.match(term[0]):
        return term in segment
    return any(w.lower().startswith(term) for w in _TERM_WORD_RE.findall(segment))


def circular_answer(text: str, prompt: str, max_words: int = 80) -> str | None:
    """``circular: '…'`` when the answer defines the asked term by itself: in at least two of its first four sentences, and in
    at least half of them, a term of the prompt (``_question_terms``) stands both before and after a copula or a "because"
    (``_COPULA_RE``): "Ephemeral means something that is ephemeral in nature… Something is ephemeral when it behaves
    ephemerally", "Подъём теста — это процесс, при котором тесто поднимается", "天空之所以是蓝色的，是因为天空呈现出蓝色" (written
    sets L-BP: 44 nonsense rows, 20 of them caught by no other rule; no good row of the label sets). Judged only for a short
    question (≤ 200 characters, ``_CIRCULAR_ASK_RE``) that is no task, comparison, usage question or how-to
    (``_CIRCULAR_NOT_RE``), answered in at most ``max_words`` [80] words (a CJK character half a word) without digit, list,
    code, quotation or emphasis, that adds at most ``_CIRCULAR_MAX_NEW`` [20] content units of its own (CJK: 60 bigrams): a real
    definition brings its own words (the dump pool's "Algorithmic trading is a form of automated trading that uses…" adds 32).
    Else None."""
    if len(prompt) > 200 or not _CIRCULAR_ASK_RE.search(prompt.strip()) or _CIRCULAR_NOT_RE.search(prompt) \
            or _DIGIT_RE.search(text) or "```" in text or re.search(r"(?m)^\s*[-*•]\s", text) or re.search(r"[«\"“*]", text) \
            or half_cjk_words(text) > max_words:
        return None
    # (a real definition brings words of its own: "Algorithmic trading is a form of automated trading that uses complex
    # algorithms…" adds 32 content units, the circular ones of the label sets at most 17, or 53 CJK bigrams; dump pool)
    if len(units(text) - units(prompt)) > (_CIRCULAR_MAX_NEW_CJK if CJK_RE.search(text) else _CIRCULAR_MAX_NEW):
        return None
    terms = _question_terms(prompt)
    sents = _sentences(text)[:4]
    circular = sum(any(any(_holds_term(s[:m.start()], t) and _holds_term(s[m.end():m.end() + 80], t) for t in terms)
                       for m in _COPULA_RE.finditer(s)) for s in sents)
    return f"circular: {text.strip()[:40]!r}" if circular >= 2 and circular >= 0.5 * len(sents) else None


def unfilled_template(text: str, prompt: str, min_slots: int = 2, min_share: float = 0.3) -> str | None:
    """``unfilled_template: '…'`` when the answer is a template whose single-brace slots were never filled: ≥ ``min_slots``
    [2] distinct slots (``_BRACE_SLOT_RE``: "{greeting}", "{body_paragraph_1}", "{开头问候语}") making ≥ ``min_share``
    [0.3] of its non-space characters, outside fenced code, in text that is not code once the slots are removed (at most
    one ``= ; < > [ ]``), to a
    prompt that neither asks for a template nor holds braces itself. Square-bracket slots count the same way
    ("Dear [Recipient Name],\n\n[Opening line expressing gratitude]\n\n…[Your Name]": ≥ 3 distinct slots making half the
    text, no code; written sets U, AA): a letter with a few "[Name]" slots in its prose is a template the reader
    fills, one whose every line is a slot says nothing. A pipeline that forgot its fill step ships
    "{greeting}, {name}! {body_paragraph_1} …" (written sets M, N, P, Q: 4 nonsense rows; no good row of the label sets
    and no dump pair). One slot named for the answer itself (``_ANSWER_SLOT_RE``: "{answer}", "{output}") in a reply of
    ≤ 12 words is unfilled too: "The answer is {answer}." (written en set AG). Else None."""
    prose = strip_code(text)
    if _TEMPLATE_ASK_RE.search(prompt[:2000]):
        return None
    square = _SQUARE_SLOT_RE.findall(prose) if "[" in prose else []
    square = [x for x in square if not re.search(r"[:：。]", x.rstrip(".。"))]  # not stage directions "[切到：店内。…]"
    # (code characters are looked for outside the slots: "[Paragraph describing … {subject}]", "[原日期][原时间]", set AJ, AL;
    # brace slots beside square ones count with them: "[Имя]… {пожелание_1}, {пожелание_2}", set AN)
    rest = _SQUARE_SLOT_RE.sub(" ", prose)
    braces = _BRACE_SLOT_RE.findall(rest) if square and "{" not in prompt else []
    rest = _BRACE_SLOT_RE.sub(" ", rest) if braces else rest
    if len(set(square)) >= 3 and "[" not in prompt and not re.search(r"[=;{}<>`^$\\]|\[\[|\]\]", rest):
        slot_chars = sum(len("".join(x.split())) + 2 for x in square + braces)
        share = slot_chars / max(len("".join(prose.split())), 1)
        # (particulars: a number, a weekday or a name the prompt gave: "to my neighbor Linda", set AM)
        specifics = _SPECIFICS_RE.search(prompt[:2000]) or _PROPER_NAME_RE.search(prompt[:2000])
        # (or ≥ 2 of the slots ask for what the prompt gave: "尊敬的[客户姓名]…[产品名称]" to "客户叫刘总，产品是定制办公椅", set CE)
        given = sum(_given_in_prompt(x, prompt[:2000]) for x in set(square))
        if share >= 0.5 or (share >= 0.3 and len(set(square + braces)) >= 6 and specifics) or given >= 2:
            # "Dear [Recipient Name],\n\n[Opening line…]" (sets U, AA); a mail of eight slots to a prompt that gave the
            # numbers and the dates ("尊敬的[收件人姓名]：…调整至[新日期][新时间]…", set AL), not to one that gave none
            # ("Write a letter to the editor…", "help me write them an email": a template is then a fair answer, LIMA)
            return f"unfilled_template: {text.strip()[:40]!r}"
    slots = _BRACE_SLOT_RE.findall(prose)
    if "{" in prompt:
        return None
    if len(set(slots)) == 1 and _ANSWER_SLOT_RE.fullmatch(slots[0].strip("{} ")) and word_count(prose) <= 12:
        return f"unfilled_template: {text.strip()[:40]!r}"  # "The answer is {answer}." (written en set AG)
    if len(set(slots)) < min_slots:
        return None
    # (a "[Your Name]" sign-off beside brace slots is a slot too, not code: "Dear {interviewer_name}, … [Your Name]", set BN)
    rest = _SQUARE_SLOT_RE.sub(" ", _BRACE_SLOT_RE.sub(" ", prose))
    if len(re.findall(r"[=;<>\[\]`]", rest)) > 1:
        return None  # code or a format string around the braces
    slot_chars = sum(len("".join(x.split())) + 2 for x in slots)
    if slot_chars >= min_share * len("".join(prose.split())):
        return f"unfilled_template: {text.strip()[:40]!r}"
    return None


#: the prompt asks for structured output: JSON (or a dict, an object, fields) may be the answer
_STRUCTURED_ASK_RE = re.compile(r"(?i)json|dict|object|schema|\bapi\b|field|key|format|structur|yaml|字段|格式|对象|字典|поля|формат|объект|ключ")


_ANSWER_KEYS = frozenset("answer response output text message content result reply completion".split())


def empty_json(text: str, prompt: str) -> str | None:
    """``empty_json: '…'`` when the whole answer is a JSON object, or an array of objects (it parses), to a prompt that asks for no
    structured output (``_STRUCTURED_ASK_RE``), and at least half of its ≥ 3 leaf values are empty: null, "", 0, -1, []
    or a "<placeholder>", or its answer key ("answer", "text", "message", "content"…) is null or "" — a pipeline's response record where the text belongs ('{"message": null, "recipient": "",
    "tone": "<tone>", "length": -1, …}', '{"answer": null, "confidence": 0.0, …}'; written sets AG, AI). Else None."""
    t = text.strip()
    if not t[:1] in "{[" or _STRUCTURED_ASK_RE.search(prompt[:2000]):
        return None
    try:
        obj = json.loads(t)
    except ValueError:
        try:  # JSON Lines: a dataset's records, one per line (written en set AJ)
            obj = [json.loads(ln) for ln in t.split("\n") if ln.strip()]
        except ValueError:
            return None
    if not isinstance(obj, dict) and not (isinstance(obj, list) and any(isinstance(x, dict) for x in obj)):
        return None  # a list of values is data: "[0, 0, 0, 1, 2, 3]" answers a sort (alpaca)
    leaves: list = []
    blank_answer = []

    def walk(x) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if str(k).lower() in _ANSWER_KEYS and (v is None or v == ""):
                    blank_answer.append(k)
                walk(v)
        elif isinstance(x, list) and x:
            for v in x:
                walk(v)
        else:
            leaves.append(x)

    walk(obj)
    empty = sum(v is None or v == "" or v == [] or v == {} or (isinstance(v, (int, float)) and not isinstance(v, bool) and v in (0, -1))
                or (isinstance(v, str) and re.fullmatch(r"<[^<>]{1,30}>", v.strip()) is not None) for v in leaves)
    if len(leaves) >= 3 and (empty >= 0.5 * len(leaves) or blank_answer):
        return f"empty_json: {t[:40]!r}"
    return None


#: the prompt asks to continue or complete its own text: a reply may then open mid-sentence
_CONTINUE_ASK_RE = re.compile(r"(?i)continu|complete|finish|fill in|extend|续写|接着|继续|补全|补充完整|填空|продолж|законч|допиши|дополни")


#: the words of someone asking for help, not giving it: "求各位大佬推荐，谢谢！", "please help", "подскажите"
_ASKER_VOICE_RE = re.compile(r"(?i)求(?:各位|大佬|大神|推荐|助)|请问|谢谢(?:大家|各位)?[！!]?\s*$|有没有人|\bplease help\b|\bthanks? in advance\b|\bany(?:one| ideas)\b"
                            r"|подскажите|помогите|заранее спасибо")


#: an opening that answers a report of success nobody made: "Glad that worked!", "Рад, что получилось!", "太好了，很高兴听到问题已经解决了",
#: "好的，已经帮您把…改到…" (a reply from another conversation)
_STRAY_OPEN_RE = re.compile(
    r"(?i)^\W*(?:(?:great|awesome|perfect|yay|wonderful|excellent)[,!.]*\s*)?(?:i['’]m |so |really )*(?:glad|happy|pleased) (?:to hear |that )?"
    r"(?:it|that|this|everything|the \w+)? ?(?:worked|helped|fixed|is working|was helpful|resolved|sorted)"
    r"|^\W*(?:рад|рада|очень рад|очень рада)[^.!?\n]{0,10},? что (?:\w+ ){0,3}?(?:получилось|помог|пригодил|сработал|решил|понравил)"
    r"|^\W*(?:спасибо|благодарю)[^.!?\n]{0,30}[!.]\s*(?:очень )?рад"
    r"|^\W*(?:太好了|好的|不客气)[，,！!。\s]*(?:很高兴)?[^。！？]{0,12}(?:已经(?:帮(?:您|你)|为(?:您|你))|问题已经解决|解决了|有帮助|帮到(?:您|你))")
#: the user reported a success or thanked: then the opening answers it
_USER_THANKS_RE = re.compile(r"(?i)thank|thanks|\bthx\b|\bwork(?:s|ed|ing)?\b|спасибо|благодар|получилось|помогло|заработал|谢谢|感谢|解决了|好了|可以了")


def stray_reply(text: str, prompt: str) -> str | None:
    """``stray_reply: '…'`` when the answer opens by reacting to a success or a request the user never reported (``_STRAY_OPEN_RE``:
    "Рад, что получилось! Значит, проблема была в канале Wi-Fi…" for a gift question, "好的，已经帮您把周四的会议改到周五…" for a
    question about power banks on trains) and the user turn thanks no one and reports nothing working (``_USER_THANKS_RE``): a
    reply from another conversation (written sets BO, BP, BR, BS: 4 off-topic rows; one good row, a ShareGPT turn after "it does
    seem to work", is excused by that report). Else None."""
    if _STRAY_OPEN_RE.search(text) and not _USER_THANKS_RE.search(prompt[-300:]):
        return f"stray_reply: {text.strip()[:40]!r}"
    return None


def continues_prompt(text: str, prompt: str) -> str | None:
    """``continues_prompt: '…'`` when the answer opens on a comma, an enumeration comma or a semicolon and goes on (≥ 5
    characters): it carries on the user's sentence instead of answering it ("帮我推荐一款3000左右的手机" → "，最好拍照好一点，
    续航也要好…求各位大佬推荐，谢谢！", written zh set AI) in the words of someone asking for help (``_ASKER_VOICE_RE``), unless
    the prompt asks to continue or complete a text (``_CONTINUE_ASK_RE``) or itself ends on such a mark. Else None."""
    t = text.lstrip()
    if t[:1] not in "，,、；;" or len(t) < 6 or _CONTINUE_ASK_RE.search(prompt[:2000]) or prompt.rstrip()[-1:] in "，,、；;:：":
        return None
    if not _ASKER_VOICE_RE.search(t):
        return None  # (medical Q&A dumps open answers on a stray "，" and then answer: "，一般的考虑是痔疮引起的症状…")
    return f"continues_prompt: {t[:40]!r}"


def non_answer(text: str, prompt: str, *, max_question_words: int = 30, max_tiny_words: int = 2) -> str | None:
    """A note (``filler: 'ok'``, ``unrelated_question: '…'``, ``no_content: '…'``, ``no_output: '…'``,
    ``shouting: '…'``, ``bare_link: '…'``, ``no_number: '…'``, ``no_quantity: '…'``, ``no_code: '…'``, ``code_language: '…'``, ``subject_swap: '…'``,
    ``no_extraction: '…'`` (``missing_deliverable``),
    ``pleasantry: '…'``, ``foreign_label: '…'``, ``forum_voice: '…'``, ``restated_question: '…'``, ``unfilled_template: '…'``, ``empty_json: '…'``, ``continues_prompt: '…'``) when the reply ``text`` to ``prompt`` is not an answer (see the module doc),
    else None. ``user_voice`` needs the model and a batch: the ``quality`` stage adds it."""
    reply = text.strip()
    # the question restated first: "Вы спрашиваете, сколько весит слон…" also lacks the quantity, but says more as this
    note = no_output(reply, prompt) or restated_question(reply, prompt) or missing_deliverable(reply, prompt) \
        or pleasantry(reply, prompt) or foreign_label(reply, prompt) or forum_voice(reply, prompt) \
        or unfilled_template(reply, prompt) or empty_json(reply, prompt) or continues_prompt(text, prompt) \
        or circular_answer(reply, prompt) or stray_reply(reply, prompt)
    if note:
        return note
    if len(reply) > 12 * max(max_question_words, max_tiny_words, 8):
        return None  # fast path: far longer than any other kind judged here
    note = shouting(reply, prompt)
    if note:
        return note
    note = bare_link(reply, prompt)
    if note:
        return note
    if not reply or not prompt.strip() or not _PLAIN_RE.fullmatch(reply):
        return None
    if TRANSLATION_RE.search(prompt[:2000]):
        return None  # "Bonjour." is the answer to "the French for good morning"
    if _CHOICE_RE.search(prompt[:2000]):
        return None  # 'Output "good" or "bad"': any short reply may be the chosen label
    folded = fold(reply) if len(reply) <= _MAX_FILLER_CHARS else ""
    if folded in FILLERS:
        p_folded = fold(prompt)
        if p_folded in FILLERS or len(p_folded.split()) < 2 and not CJK_RE.search(prompt):
            return None  # a greeting answered by a greeting, "thanks" by "you're welcome"
        if folded in p_folded or TASK_OUTPUT_RE.search(prompt[:2000]) or (folded in TEST_WORDS and SHORT_ASK_RE.search(prompt)):
            return None  # the prompt asks for this word ("reply OK until…", "find the adverb in: …非常好")
        if folded in YES_NO:
            last_q = prompt.strip().split("\n")[-1]
            if not (_WH_Q_RE.search(last_q) or (_YES_NO_Q_RE.search(last_q) and _ALTERNATIVE_RE.search(last_q))
                    or (CONTENT_ASK_RE.search(prompt) and not SHORT_ASK_RE.search(prompt))):
                return None  # a yes/no/true/false word may be the answer to a check or a classification
        return f"filler: {reply[:40]!r}"
    if len(words(prompt)) < 3 or TASK_OUTPUT_RE.search(prompt[:2000]):
        return None
    if reply.endswith(_QUESTION_END) and len(_sentences(reply)) <= 2 and word_count(reply) <= max_question_words \
            and not _OFFER_RE.search(reply) and shared_units(reply, prompt) == 0 and not is_small_talk(prompt):
        return f"unrelated_question: {reply[:40]!r}"
    if word_count(reply) <= max_tiny_words and not _DIGIT_RE.search(reply) and CONTENT_ASK_RE.search(prompt) \
            and not SHORT_ASK_RE.search(prompt) and shared_units(reply, prompt) == 0:
        return f"no_content: {reply[:40]!r}"
    return None
