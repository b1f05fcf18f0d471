"""Phrase lists for the ``quality`` stage, as regular expressions.

Every pattern is written so that both Python ``re`` and the Rust ``regex`` crate (polars
``str.contains``/``str.extract``) accept it: no look-around, no back-references
(``refusal_pattern(rust=True)`` swaps in ASCII word boundaries for speed). Matching is case
insensitive. Add a language by adding a key; the stage joins all lists into one alternation.

Sources: the "As an AI language model" / refusal phrase list used to build
ShareGPT_Vicuna_unfiltered and WizardLM-uncensored (the ``optional_clean`` style lists in
FastChat's ``fastchat/data/optional_clean.py`` and the community ``clean_sharegpt`` forks), cut
down to phrases that are refusals or AI self-disclaimers in any context (topic words such as
"racism" or "inappropriate" were left out: they fire on helpful answers), plus the same phrases in
Chinese, Spanish, German, French, Portuguese, Italian, Russian and Japanese as they appear in the
shared ShareGPT/oasst dumps.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- refusal and AI boilerplate (assistant turns)

#: "As an AI language model" style self-disclaimers (boilerplate even when the answer goes on)
AI_DISCLAIMER: dict[str, list[str]] = {
    "en": [
        r"\bas an? (?:ai|artificial intelligence)(?: language)?(?: model| assistant| chatbot| program)?\b",
        r"\bas an? (?:large |open[- ]source )?language model\b",
        r"\bi(?:['’]m| am) (?:just |only |merely )?an? (?:ai|artificial intelligence)(?: language model| assistant| model| chatbot)?\b",
        r"\bi(?:['’]m| am) (?:just |only )?a (?:large )?language model\b",
        r"\bi(?:['’]m| am) an? (?:text-based |virtual )?(?:ai|assistant) (?:and|so|,) i (?:do not|don['’]t|cannot|can['’]t)\b",
        r"\bi (?:do not|don['’]t) have (?:personal |any )?(?:opinions?|feelings|emotions|beliefs|preferences|personal experiences)\b",
        r"\bi (?:do not|don['’]t) have an opinion\b",
        r"\b(?:my|as of my) (?:training data|knowledge) (?:cutoff|cut-off)\b",
        r"\bi (?:do not|don['’]t) have (?:the ability|access) to (?:browse|access) the (?:internet|web)\b",
        r"\b(?:trained|developed|created) by openai\b",
        r"\bthis content may violate (?:our|openai['’]s) content polic",
        r"\btoo many requests in 1 hour\b",
    ],
    "zh": [
        r"作为(?:一[个名种款位])?\s*(?:由\s*OpenAI\s*(?:创建|训练|开发)的\s*)?(?:大型)?\s*(?:AI|人工智能|智能)\s*(?:语言)?\s*(?:模型|助手|助理|程序|机器人)",
        r"作为(?:一[个名种款位])?\s*(?:由\s*OpenAI\s*(?:创建|训练|开发)的\s*)?(?:大型)?语言模型",
        r"作为(?:一[个名种款位])?\s*(?:AI|人工智能)(?:[，,]|\s*我)",
        r"我是(?:一[个名种款])?.{0,8}(?:AI|人工智能)\s*(?:语言模型|助手|模型)",
        r"我只是一个(?:AI|人工智能|语言模型|计算机程序)",
        r"我是一[个名]\s*(?:AI|人工智能|机器人)\s*[，,。]",
        r"作为(?:一[个名种款位])?\s*(?:机器人|计算机程序)[，,]\s*我(?:没有|不|无法)",
        r"我是由\s*OpenAI\s*(?:训练|开发|创建)",
        r"我(?:没有|并没有)(?:个人)?(?:观点|情感|感情|意见|偏好)",
        r"(?:可能)?违反了?(?:我们的|OpenAI\s*的)?内容政策",
    ],
    "es": [
        r"\bcomo (?:un |una )?(?:modelo de lenguaje|inteligencia artificial|ia|asistente virtual)\b",
        r"\bsoy (?:solo |sólo )?un (?:modelo de lenguaje|programa de ia)\b",
    ],
    "de": [
        r"\bals (?:eine? )?(?:ki|künstliche intelligenz|sprachmodell|ki-sprachmodell|ki-modell)\b",
        r"\bich bin (?:nur )?(?:eine? )?(?:ki|sprachmodell|ki-sprachmodell)\b",
    ],
    "fr": [
        r"\ben tant qu(?:e |')(?:ia|intelligence artificielle|modèle de langage|assistant virtuel)\b",
        r"\bje suis (?:seulement |juste )?un (?:modèle de langage|programme informatique|assistant virtuel)\b",
    ],
    "pt": [r"\bcomo (?:um |uma )?(?:modelo de linguagem|inteligência artificial|ia)\b"],
    "it": [r"\bcome (?:un |una )?(?:modello di linguaggio|intelligenza artificiale|ia)\b"],
    "ru": [r"как (?:языковая модель|искусственный интеллект|ии)", r"я (?:всего лишь |лишь )?(?:языковая модель|программа)"],
    "ja": [r"AI(?:言語)?モデルとして", r"私は(?:AI|人工知能)(?:です|なので)"],
}

#: refusals ("I can't help with that")
REFUSAL: dict[str, list[str]] = {
    "en": [
        r"\bi(?:['’]m| am) (?:so |very |really )?sorry,? (?:but )?(?:i|as an ai,? i) (?:can['’]t|cannot|won['’]t (?:be able|help|assist|provide)|will not (?:be able|help|assist|provide)|am (?:not able|unable)|(?:do not|don['’]t) (?:feel comfortable|think i can|think it['’]s appropriate))\b",
        r"\bi(?:['’]m| am) (?:so |very |really )?sorry,? (?:but )?i(?:['’]m| am) not (?:able|allowed|permitted|comfortable)\b",
        r"\bi (?:apologi[sz]e|(?:['’]m| am) sorry),? (?:but )?(?:i|as an ai,? i) (?:can['’]t|cannot|won['’]t|will not|am (?:not able|unable))\b",
        r"\bi (?:really |just |simply |afraid i )?(?:can['’]t|cannot|won['’]t|will not|am (?:not able|unable) to) (?:assist|help|comply|provide (?:assistance|help|information|that)|fulfill|engage|participate|support|create|generate|write|answer|make a judgment|tell you|share) (?:you )?(?:with |in |on )?(?:that|this|such|your (?:request|question)|requests?|any|you)\b",
        r"\bi (?:can['’]t|cannot|won['’]t|will not|must decline to|am not (?:able|comfortable)|am unable to|(?:do not|don['’]t) feel comfortable) (?:provide|providing|help|helping|assist|assisting) (?:with |you with )?(?:that|this|information on|instructions|advice on|any information)\b",
        r"\bi(?:['’]m| am) (?:not able|unable) to (?:help|assist|provide|fulfill|comply|do that|tell you|share)\b",
        r"\bi(?:['’]m| am) afraid i (?:can['’]t|cannot) (?:help|assist|do that)\b",
        r"\bi (?:must|have to) (?:respectfully )?(?:decline|refuse)\b",
        r"\bi(?:['’]m| am) not going to (?:answer|help|assist|do that|do this|provide|share|tell you)\b",
        r"\bi (?:can['’]t|cannot|won['’]t|will not) (?:disclose|condone|respond to)\b",
        r"\bso i (?:won['’]t|will not) respond\b",
        r"\b(?:it|this) (?:is|would be) (?:not appropriate|inappropriate|unethical|illegal) for me to\b",
        r"\bi(?:['’]m| am) not (?:programmed|designed|allowed|permitted) to\b",
        r"\bagainst my (?:programming|guidelines|ethical guidelines|policy)\b",
        r"\b(?:violates?|goes against) (?:my|openai['’]?s?) (?:content |usage )?(?:policy|policies|guidelines)\b",
    ],
    "zh": [
        r"(?:抱歉|对不起|很遗憾)[，,]?\s*(?:但是?)?我(?:无法|不能|不可以|没有办法|不会)",
        r"我(?:无法|不能)(?:为您|为你|帮助您|帮助你|帮您|帮你|提供|回答|满足|完成|协助)",
        r"我(?:不能|无法)(?:参与|支持|鼓励)",
        r"我无法(?:浏览|访问)(?:互联网|网页|网络|实时)",
        r"(?:没有|不具备)(?:联网|上网|浏览互联网|访问互联网)(?:获取信息)?的能力",
    ],
    "es": [
        r"\blo siento,? (?:pero )?no (?:puedo|es posible|estoy)\b",
        r"\bno puedo (?:ayudarte|ayudar|proporcionar|cumplir|responder|generar|crear)\b",
    ],
    "de": [
        r"\b(?:es tut mir leid|entschuldigung),? (?:aber )?ich kann (?:nicht|keine|dir nicht|ihnen nicht)\b",
        r"\bich kann (?:ihnen|dir) (?:dabei )?nicht helfen\b",
    ],
    "fr": [
        r"\b(?:je suis )?désolée?,? (?:mais )?je ne (?:peux|suis pas en mesure)\b",
        r"\bje ne peux pas (?:vous aider|t'aider|répondre|fournir|accéder)\b",
    ],
    "pt": [r"\b(?:desculpe|sinto muito),? (?:mas )?(?:eu )?não (?:posso|consigo)\b"],
    "it": [r"\bmi dispiace,? (?:ma )?non (?:posso|sono in grado)\b"],
    "ru": [r"(?:извините|к сожалению),? (?:но )?я не (?:могу|в состоянии)"],
    "ja": [r"申し訳(?:ありませんが|ございませんが)"],
}


def refusal_pattern(kinds: tuple[str, ...] = ("ai_disclaimer", "refusal"), languages: tuple[str, ...] | None = None,
                    rust: bool = True) -> str:
    """One case-insensitive alternation over the chosen phrase lists (``(?i)`` prefix included).

    ``rust=True`` (for polars) turns ``\\b`` into the ASCII word boundary ``(?-u:\\b)``: the Unicode
    boundary keeps Rust's regex off its DFA and was ~70x slower on the ShareGPT sample (18.5 s vs
    0.26 s for 12k turns). ``rust=False`` gives a Python ``re`` pattern.
    """
    parts: list[str] = []
    for kind, table in (("ai_disclaimer", AI_DISCLAIMER), ("refusal", REFUSAL)):
        if kind not in kinds:
            continue
        for lang, pats in table.items():
            if languages is None or lang in languages:
                parts.extend(pats)
    pat = "(?i)(" + "|".join(f"(?:{p})" for p in parts) + ")"
    return pat.replace(r"\b", r"(?-u:\b)") if rust else pat


# ---------------------------------------------------------------- truncation: "continue" follow-ups (user turns)

#: the whole user turn (after stripping punctuation/whitespace) asks to go on
CONTINUE_RE = re.compile(
    r"^(?:please |pls |now |ok(?:ay)?,? )?(?:continue|cont|go on|keep going|carry on|more|finish|go ahead)"
    r"(?: please| pls)?(?: (?:writing|the (?:code|text|answer|story|list|script)|from where you (?:left off|stopped)"
    r"|where you left off|your (?:answer|response)))?(?: please)?$"
    r"|^(?:请)?继续(?:写|说|回答|输出|生成)?(?:吧|下去)?$"
    r"|^(?:continúa|continua|sigue|weiter|weitermachen|fahre fort|continuez|continue s'il te plaît|продолжай|продолжи|続けて|続き)$",
    re.I,
)
_EDGE_PUNCT = " \t\r\n.!?。！？…,，:;\"'“”"


def is_continue_request(text: str) -> bool:
    """True when a user turn only asks the assistant to continue its previous (cut) answer."""
    t = text.strip(_EDGE_PUNCT)
    return len(t) <= 60 and CONTINUE_RE.match(t) is not None


# ---------------------------------------------------------------- templated identity (user turns)

IDENTITY_RE = re.compile(
    r"^(?:hi|hello|hey)?[ ,!]*(?:"
    r"who (?:are|r) (?:you|u)|what(?:'s| is) your name|what are you|introduce yourself|can you introduce yourself"
    r"|tell me about yourself|who (?:created|made|built|developed|trained) you|who is your (?:creator|developer|author)"
    r"|what (?:is|'s) your (?:purpose|model|identity)|are you (?:chatgpt|gpt-?\d|an ai|a bot|human|a robot|vicuna|claude|bard)"
    r"|what (?:company|organi[sz]ation) (?:created|made|built|trained|developed) you|what model are you|which model are you"
    r"|are you (?:based on|trained by|developed by|made by|created by) [^?]{1,40}"
    r"|你是谁|你叫什么|你的名字|介绍一下你自己|介绍一下自己|你是(?:什么|哪个)(?:模型|ai|AI)|谁(?:创造|开发|训练|制造)了你|创造你的人是谁|你是(?:chatgpt|ChatGPT|gpt)"
    r")[ ?？!！.。]*$",
    re.I,
)


def is_identity_question(text: str) -> bool:
    """True for a short user turn that only asks who/what the assistant is."""
    t = text.strip()
    return len(t) <= 80 and IDENTITY_RE.match(t) is not None


# ---------------------------------------------------------------- placeholders and markup debris (outside code)

#: template leftovers: {{name}}, {{ author }}, chat special tokens like <|im_start|> / <|endoftext|>
PLACEHOLDER_RE = re.compile(r"\{\{\s*[A-Za-z_][\w.]*\s*\}\}|<\|[A-Za-z_]+(?:\|>|>)|\[(?:INST|/INST)\]|<</?SYS>>")

#: HTML tags of the kinds ShareGPT's HTML export leaves behind, and HTML entities
MARKUP_TAG_RE = re.compile(
    r"</?(?:div|span|p|br|hr|a|b|i|u|em|strong|ul|ol|li|table|thead|tbody|tr|td|th|pre|code|img|h[1-6]"
    r"|blockquote|sup|sub|font|svg|path|button|label|section|article)(?:\s[^<>]{0,300})?/?>",
    re.I,
)
MARKUP_ENTITY_RE = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{2,6}|#x[0-9a-fA-F]{2,6});")

#: a turn containing any of these is HTML/JSX *code* (unfenced), so its tags are not debris
HTML_CODE_SIGNAL_RE = re.compile(
    r"<(?:!DOCTYPE|html|head|body|form|input|script|style|template|button|select|textarea|link|meta)\b"
    r"|\bclass(?:Name)?=|\bon[A-Z][a-z]+=|\bhref=|\bsrc=|\breturn \(|\bfunction\b|\bimport\b",
    re.I,
)
