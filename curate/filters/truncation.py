"""Truncation signals for one assistant turn, each a named sub-reason of ``truncated_response``.

``truncation_signals(text, ...)`` returns ``{sub_reason: note or None}``; a note (a short string
for ``drop_detail``) means the signal fired. Sub-reasons, in the order the ``quality`` stage
reports them:

``code_cut``
    an odd number of ```` ``` ```` fence lines (a code block was cut; inline ```x``` pairs on one
    line are not fences), or the last fenced block closes
    the turn with more ``( [ {`` opened than closed (outside string literals): cut mid-statement;
    or an unfenced answer that ends with brackets still open: JSON (starts with ``{``/``[``, one
    open bracket is enough) or code (``code_density`` > 0.05, two or more); LaTeX math is not
    judged this way. Also: code bodies left as placeholders ("// insert code here", two or more
    function bodies that are only comments and ``// ...``), an unclosed ``$$`` block, and an HTML
    document (``<!DOCTYPE html>``/``<html>``) that ends on a tag without ``</body>``/``</html>``.
``announced_missing``
    the turn announces content it never delivers: it ends on a colon ("Here is the code:"; not a
    code line such as ``for x in y:``, nor the last empty field of a form or questionnaire),
    its last sentence only announces ("Here are some examples.", "以下是步骤。", "Вот пример.") or plans what follows
    ("Below are the key differences.", "This essay will examine each cause in turn.", "Давайте сравним их по
    каждому критерию.", "下面详细介绍。"), it ends on a letter's salutation ("Hi team,", "尊敬的王老师："),
    or a line announcing code ("Here is the code:") is followed by no code at all, or the whole answer only accepts
    ("Sure, I can help!", "Oh, that’s easy!", ``empty_acceptance``); or its last line
    opens content that never comes: a heading ("### Step 3", "**Conclusion**"), "Step 3:",
    "第三步", "【做法】", a bare "4." item, "First,", "For example,", "…such as", "首先，" (``_OPENER_LAST_RE``;
    not in forms or code-dense turns); or its body is two or more bracketed instructions of ≥ 4 words
    ("[Describe the scent and ingredients.]", "[Здесь опишите ваш опыт работы]"; ``instruction_slots``)
    with at most 100 words outside brackets: a template still to be written (a written letter with a few
    such slots in its prose is kept); or a letter the prompt asks to write stops after its salutation or its
    first sentence, with no closing (``_letter_opening_only``); or an outline stops at its next Roman numeral
    ("I. Introduction\n   A. Hook…\n\nII.").
``list_cut``
    the turn ends inside a list that is visibly incomplete: the line before the list announces N
    items ("Here are 5 tips:", "以下是3个建议：") and fewer follow; a numbered list stops at item 1;
    or the last item stops mid-sentence — under 0.6 of the median item length, or ≥ 12 words, or on
    a comma or function word — while every earlier item (≥ 2) ends with a full stop; or the last of
    ≥ 3 items stops on a letter or digit inside a round bracket it opened, where the earlier items
    close theirs (≥ 2 of them have one: "42. 钼（Molybdenum, Mo）" then "43. 锝(T"); or the last item is a
    stub: a bold it never closes ("- **4" under "- **200 OK**：…") or two letters of a word ("4. Ма" under
    "1. Меркурий"; ``_item_fragment``); or the turn ends
    on a markdown table row with fewer cells than the header ("table row cut"); or its ordinal sections ("第一天",
    "**第二步**", "Day 2", "Шаг 3") stop before the number the prompt asks for or the answer announces
    ("三天的行程" with only "第一天"; ``sections_short``; also "阶段一", "Chapter 2" of "all 10 chapters"), or a poem
    holds fewer stanzas than the prompt asks for ("из четырёх строф" with one; ``stanzas_short``), or points written
    as paragraphs ("第一，…", "First, …", "Во-первых, …") stop before the number their intro announces
    ("…主要体现在以下三个方面：\n\n第一，…" and nothing after; ``ordinals_short``).
``short_of_ask``
    the prompt asks for a text of N ≥ 200 words (Chinese: characters) and the answer holds under a fifth
    of them: an essay that stops after its opening paragraph, ending on a full stop (``short_of_ask``); or it
    asks to translate a text it gives and the answer stops open well short of it, or closed after the first of
    its ≥ 3 sentences (``translation_cut``).
``no_terminal_punct``
    the last line is prose of ≥ ``min_words`` words, in a turn of ≥ ``min_chars`` characters, that
    ends without terminal punctuation in its script's convention (``. ! ? …`` for Latin and
    Cyrillic, ``。！？…`` for CJK; closing quotes/brackets, emoji, code, URLs, hashtags, list
    items, table rows and enumerations count as finished) — ``no_terminal_punct``. Short Chinese turns (40-200
    characters) are judged when their last line already punctuates ("…并且获得网络中"), and any turn whose
    Chinese prose line stops on "；" or whose derivation line stops on "," after a value ("u' = 3x²,").
    A last line of 4-7 words under a line that ends a sentence is judged as short English and Russian turns are
    (a paragraph "В 1156 году по приказу Юрия Долгорукого" after a closed one; ``_open_latin_sentence``), and a
    paragraph of 1-3 words that names its subject and stops in a turn of ≥ 300 characters ("The firefly").
    At any length: a conjunction after a comma ("…, and"), a comparison or "·" operator left without its operand,
    a Chinese verb or conclusion left without its object ("分解为", "因此", "，按"), and an English or Russian last word
    cut inside a word: rare in the language and the start of a common word by wordfreq's frequencies ("…responsible
    for produ", "…слейте остатки раств"; ``lexicon_cut``).
``length_limit``
    the turn's token count sits within ``tolerance`` (a fraction) of a round generation limit
    (``limits``: 256, 512, 1024, 2048, 4096) and it ends open (a letter, digit, comma, opening
    bracket: mid-word or mid-sentence, even on a list or code line). The count is
    ``token_count`` when given (e.g. ``chat_template``'s ``stat_assistant_tokens`` for one-answer
    rows), else the estimate ``estimate_tokens`` (CJK characters ×1, other words ×1.3: BPE averages
    of GPT-2/LLaMA tokenizers on English, ±15 %). Also a turn of exactly ``CHAR_LIMITS``
    characters (1,000, 2,000, 4,096…) that ends mid-word.

Rules and thresholds are ours, written from the cut answers in ShareGPT and the hikariming
``*_unfinished.json`` translations, and measured on a set of answers cut at natural points
(``benchmarks/quality_bench.py trunc``; figures in ``benchmarks/results/quality.md``).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from curate.filters.text import (CJK_RE, ENUM_SEP_RE, HASHTAG_END_RE, LETTER_RE, LIST_LINE_RE, code_density, contains_phrase,
                                 half_cjk_words, strip_code, words)

TRUNCATION_REASONS = ("code_cut", "announced_missing", "list_cut", "short_of_ask", "no_terminal_punct", "length_limit")
DEFAULT_LIMITS = (256, 512, 1024, 2048, 4096)
#: exact character caps seen in exports and chat UIs
CHAR_LIMITS = frozenset({1000, 1024, 1500, 2000, 2048, 3000, 4000, 4096, 5000, 8000, 8192, 10000})

_FENCE_BLOCK_RE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_STRING_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`\n]*`')
_COMMENT_RE = re.compile(r"(?m)(?:^|(?<=\s))(?://(?=\s*[^\W\d])|#(?!include|!)|--\s)[^\n]*|(?s:/\*.*?\*/)")
_ESCAPED_BRACKET_RE = re.compile(r"\\[\[\](){}]")
_MATH_RE = re.compile(r"\$|\\(?:frac|boxed|sqrt|quad|leq|geq|begin|end|left|right|cdot|times)\b")
#: a fence line (``` at the start of a line); LIMA-style inline ```code``` pairs are not fences
_FENCE_LINE_RE = re.compile(r"(?m)^\s*```")
_SENT_END = set(".!?。！？…")
#: a last line that is only a Chinese connective and its comma: "另一方面，", "其次，", "例如，" (no letter ends on one)
_ZH_CONNECTIVE_LINE_RE = re.compile(r"^(?:另一方面|一方面|首先|其次|再次|然后|接着|此外|另外|同时|因此|所以|但是|然而|而且|例如|比如|最后|总之)[，,]$")
#: a last sentence that is one connective, without its end: "Then", "So", "Тогда", "Значит" (after a closed sentence)
_LONE_CONNECTIVE_RE = re.compile(r"(?i)(?<=[.!?:])\s+(?:then|so|thus|therefore|hence|next|тогда|значит|поэтому|итак|следовательно|затем|далее)$")
_CLOSERS = set("\"'”’»」』)]）】")

# ---------------------------------------------------------------- code_cut


def code_only(code: str) -> str:
    """``code`` with string literals emptied and comments (``//`` followed by a word, ``#``, ``-- ``,
    ``/* */``) and backslash-escaped brackets removed: what bracket counts are taken on."""
    return _COMMENT_RE.sub("", _STRING_RE.sub('""', _ESCAPED_BRACKET_RE.sub("", code)))


def bracket_debt(code: str) -> int:
    """Opening minus closing brackets ``( [ {`` of ``code_only(code)``."""
    c = code_only(code)
    return sum(c.count(ch) for ch in "([{") - sum(c.count(ch) for ch in ")]}")


#: a code body left as a placeholder: "// Insert code here", "# your code here", "//这里插入代码"
PLACEHOLDER_BODY_RE = re.compile(
    r"(?im)(?://|#|/\*|--)\s*(?:(?:insert|add|put|write|place|implement)\s+(?:your\s+|the\s+)?(?:[\w-]+\s+){0,2}?(?:code|logic|implementation)"
    r"(?:\s+\w+){0,2}\s+here|your\s+code\s+(?:goes\s+)?here|code\s+goes\s+here)\b"
    r"|(?://|#)\s*(?:在?这里|此处|在此)[^\n]{0,6}(?:插入|添加|编写|写|搜索|实现)?[^\n]{0,4}代码"
    # "// TODO: implement…", "// TODO: реализовать логику задержки", "// TODO: 在这里实现…逻辑" (written sets F-H): the body to write
    r"|(?://|#|/\*)\s*TODO\b[:\s]*(?:implement|write|add (?:the |your )?(?:\w+ )?(?:logic|code)|реализ|напис|добав|(?:在?这里|此处|在此)?(?:实现|编写|补充|添加))"
    # "# ваш код здесь", "// здесь ваш код", "// вставьте свой код"
    r"|(?://|#|/\*|--)\s*(?:(?:ваш|свой)\s+код(?:\s+\w+){0,2}\s+(?:здесь|тут)|(?:здесь|тут)\s+(?:ваш|будет)\s+код|вставьте\s+(?:сюда\s+)?(?:ваш\s+|свой\s+)?код)"
    # "# Code for machine learning models goes here", "# Your code to process 'item' goes here" (round 36)
    r"|(?://|#|/\*|--)\s*(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:code|logic|implementation)\b[^\n]{0,60}?\b(?:goes|go|would go|will go)\s+here\b"
    # an elided rest: "// rest of the getters, setters and equals() method" (round 32)
    r"|(?://|#|/\*)\s*(?:\.\.\.\s*)?(?:the\s+)?(?:rest|remaining)\s+(?:of\s+the\s+)?(?:getters?|setters?|methods?|functions?|fields?)\b")
#: code that stops mid-statement: on an open bracket, a comma, an operator or a word that needs more
_OPEN_STATEMENT_RE = re.compile(r"(?:[(\[{,=+\-*/&|<]|\b(?:in|as|new|return|and|or|not|int|const|let|var|def|if|for|while))\Z")
#: a function body that is only comments ending in "// ..." and its closing brace: a stub
_STUB_BODY_RE = re.compile(r"\n[ \t]*//[ \t]*(?:\.\.\.|…)[ \t]*\n[ \t]*\}")
#: an HTML document opened ...
_HTML_OPEN_RE = re.compile(r"(?i)<!doctype html|<html[\s>]")
#: display math opened and never closed at the end: "... as:\n\n$$p(x_1"
_OPEN_DISPLAY_MATH_RE = re.compile(r"\$\$[^$]*\Z")
#: PHP, where ``$$name`` is a variable variable, not display math
_PHP_RE = re.compile(r"<\?php|\$[A-Za-z_]\w*\s*=\s*[^;\n$]{0,80};")


#: the last fenced block of a turn ends on a line that opens a block ("for epoch in range(n):", "if (x) {")
_EMPTY_BLOCK_END_RE = re.compile(r"\n[ \t]*(?:for|while|if|elif|else|def|class|with|try|except)\b[^\n]*:[ \t]*\n\s*```\s*\Z"
                                 r"|\n[^\n]*\b(?:for|while|if|function|def)\b[^\n]*\{[ \t]*\n\s*```\s*\Z")


#: a fenced block of ASCII art or plain text: its brackets are drawing, not code ("```ascii" over a cat whose
#: ears are "/\\     /\\" and whose body is "{  `---'  }", oasst, round 39)
_ART_FENCE_RE = re.compile(r"```[ \t]*(?:ascii(?:[-_ ]?art)?|art|text|txt|plain(?:text)?)[ \t]*\n", re.I)


def code_cut(text: str) -> str | None:
    """Note when a code block is cut (see module doc), else None."""
    if len(_FENCE_LINE_RE.findall(text)) % 2 == 1 and text.count("```") % 2 == 1:
        return "unclosed ``` fence"
    if _EMPTY_BLOCK_END_RE.search(text.rstrip()):
        return "the last code block ends on a line that opens a block"
    m = PLACEHOLDER_BODY_RE.search(text)
    if m:
        return f"code body left as a placeholder: {m.group(0).strip()[:40]!r}"
    if text.count("$$") % 2 == 1 and _OPEN_DISPLAY_MATH_RE.search(text.rstrip()) and not _PHP_RE.search(text):
        return "unclosed $$ math block"
    if len(_STUB_BODY_RE.findall(text)) >= 2:
        return "function bodies left as '// ...' stubs"
    html = _HTML_OPEN_RE.search(text)
    if html and "</html>" not in text[html.start():].lower() and "</body>" not in text.lower():
        tail = text.rstrip().removesuffix("```").rstrip()
        last_line = tail.rsplit("\n", 1)[-1]
        if tail.endswith(">") or (tail[-1:].isalnum() and (_OPEN_TAG_RE.search(last_line) or last_line[:1] in " \t")):
            return "HTML document never closed (no </body></html>)"
    blocks = list(_FENCE_BLOCK_RE.finditer(text))
    math = _MATH_RE.search(text.replace("${", ""))  # "${x}" is string interpolation (Scala, JS, shell), not TeX
    unfenced = not blocks and not math and (text.lstrip()[:1] in "{[" or code_density(text) > 0.05)
    if unfenced:
        debt = bracket_debt(text)
        if debt >= 2 or (debt >= 1 and (text.lstrip()[:1] in "{[" or _OPEN_STATEMENT_RE.search(text.rstrip()))):
            return f"unfenced code ends with {debt} unclosed bracket(s)"
    bare_code = not blocks and not math and (unfenced or _CODE_START_RE.match(text) is not None)
    code = text if bare_code else (blocks[-1].group(1) if blocks and not text[blocks[-1].end():].strip()
                                   and not _ART_FENCE_RE.match(blocks[-1].group(0)) else None)
    if code is not None:
        debt = bracket_debt(code)
        if blocks and (debt >= 2 or (debt >= 1 and code.rstrip()[-1:] in ",([{=+-*/&|\\")):
            return f"last code block ends with {debt} unclosed bracket(s)"
        cut = _cut_identifier(code)
        if cut:
            return cut
        if debt >= 1 and _inside_brace_block(code):
            return f"{'last code block' if blocks else 'unfenced code'} ends inside a {{ block"
    return None


def _inside_brace_block(code: str) -> bool:
    """True when ``code`` (strings and comments removed) opens more ``{`` than it closes and its last
    line is indented: it stops inside a block ("clusters.foreach { case … =>\n  println(…)")."""
    c = code_only(code)
    last = code.rstrip().rsplit("\n", 1)[-1]
    return c.count("{") > c.count("}") and last[:1] in " \t" and bool(last.strip())


#: an answer that starts as code (Python has too few symbols for ``code_density`` to tell)
_CODE_START_RE = re.compile(r"\s*(?:def|class|import|from|function|public|private|package|using|const|let|var|#include)\b")
#: an HTML opening tag ("<p class=…>", "<li>")
_OPEN_TAG_RE = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?>")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: keywords and values a code line may end on (shell, Ruby, Lua, VB, Python, C-family)
_CLOSING_WORDS = frozenset("fi esac done end endif endfor endwhile wend loop next then else do pass break continue "
                           "return true false nil null none self this exit go".split())


def _cut_identifier(code: str) -> str | None:
    """Note when ``code`` (a code answer, or its last fenced block with nothing after it) ends mid-token:
    its last line ends on an identifier that occurs nowhere else as a whole token but is a strict
    prefix of one that does ("sum = 0 … return s"; not a closing keyword such as shell's "fi" before
    "file"), or inside a string opened on that line
    (``return {"patient`` before the closing fence; lines with triple quotes or backticks are not
    judged)."""
    lines = code.rstrip().split("\n")
    last = lines[-1]
    if not last.strip() or last.lstrip().startswith(("#", "//", "--", "*", "<!--")) or _COMMENT_RE.search(last):
        return None  # a comment ends the line: its words are prose
    body = last.replace('\\"', "").replace("\\'", "")
    if '"""' not in body and "\'\'\'" not in body and "`" not in body and body.count('"') % 2 == 1 \
            and re.search(r'"[^"]*[A-Za-z0-9]\Z', body.rstrip()):
        return f"code ends inside a string: {last.strip()[-40:]!r}"
    m = re.search(r"(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_]*)\Z", last.rstrip())
    if not m or len(lines) < 3:
        return None
    frag = m.group(1)
    if frag.lower() in _CLOSING_WORDS:
        return None  # "fi", "done", "end": a statement that ends code, not a cut name
    earlier = _IDENT_RE.findall("\n".join(lines[:-1]) + " " + last.rstrip()[:m.start()])
    if frag not in earlier and any(w.startswith(frag) and len(w) > len(frag) for w in earlier):
        return f"code ends mid-identifier: {last.strip()[-40:]!r}"
    return None


# ---------------------------------------------------------------- announced_missing

#: a final sentence that only announces what follows ("Here are some examples.", "如下。", "Вот пример:")
_NOUN = (r"(?:code|steps?|examples?|list|items?|ways?|tips?|options?|points?|reasons?|ideas?|methods?|things?"
         r"|scripts?|commands?|suggestions?|instructions?|results?|details?|answers?|questions?|changes?|features?)")
ANNOUNCE_END_RE = re.compile(
    r"(?i)^(?:(?:sure|okay|ok|so|well|alright|great|certainly|absolutely|now|and|below)[,!]? )?here(?:['’]s| is| are) (?!where|why|when|to\b)(?:[\w’'-]+ ){0,10}[\w’'-]+[.:]?$"
    r"|\b(?:as follows|the following|(?:listed|shown|given) below|the following (?:[\w-]+ )?" + _NOUN + r")[.:]?$"
    r"|^(?:for example|for instance|such as|e\.g\.)[.:]?$"
    r"|^(?:voici|aqu[ií] (?:est[aá]n?|tienes|hay)|hier (?:ist|sind)|ecco|aqui (?:est[aá]|est[aã]o)|вот)\b[^.!?:\n]{0,60}[.:]?$"
    # ("…откроют следующим летом" is a time, not an announcement: written ru set AW; "доход… не ниже инфляции." compares, set BI)
    r"|(?:следующ\w*(?: образом| шаги| пункты| способы| варианты| этапы| действия| вопросы| пример\w*)?|(?<![Нн]е )ниже(?: \w+)?)[.:]?$"
    r"|(?:以下是|以下为|下面是|下面为|如下|代码如下)[^。！？\n，,、#\d]{0,15}[。：:]?$|(?:例如|比如|包括)[：:]$"
)

#: a last sentence that only opens the first point: "First,", "Firstly,", "Во-первых,", "首先，"
_OPENER_SENTENCE_RE = re.compile(r"(?i)^(?:first(?:ly)?|second(?:ly)?|to begin(?: with)?|во-первых|во-вторых|首先|其次|第一)[,，:：]$")

#: a last sentence that plans what follows: "Below are the key differences between them.", "This essay will examine each
#: of these causes in turn.", "Давайте подробно сравним их по каждому из указанных критериев.", "Рассмотрим подробнее
#: основные аспекты этого влияния." (written sets L, M, O: essays and comparisons that stop after their opening)
_PLAN_END_RE = re.compile(
    r"(?i)^below (?:are|is|you['’]ll find|i['’]ve (?:listed|outlined))\b[^.!?\n]{0,300}[.:]?$"
    r"|^(?:now,? )?(?:let['’]s|let us) (?:now )?(?:\w+ ){0,2}?(?:look at|take a (?:closer )?look|compare|examine|explore|break (?:it|this|them|these) down"
    r"|break down|go through|walk through|dive into|consider|start with|turn to|move on to)\b[^.!?\n]{0,80}[.:]?$"
    # "Now let's move on to the second law.", "Теперь перейдём ко второму закону." (written ru set Y)
    r"|^(?:now,? |next,? )?(?:we['’]ll|we will|i['’]ll|i will) (?:now )?(?:move on to|turn to|look at)\b[^.!?\n]{0,80}[.:]?$"
    r"|^(?:теперь |далее |дальше )?(?:перейд[её]м|переходим) (?:к|ко)\b[^.!?\n]{0,80}[.:]?$"
    r"|^(?:to (?:make|do|support) (?:this|that|so|the case)[\w ]{0,20},? )?(?:it|the essay|this essay) will (?:first )?(?:examine|explore|discuss|cover"
    r"|look at|analy[sz]e|consider|address)\b[^.!?\n]{0,300}[.:]?$"  # "To make this case, it will examine three areas: …" (set AA)
    r"|^(?:in )?this (?:essay|article|post|guide|paper|answer|section|report) (?:will|i will|we will) (?:\w+ ){0,2}?(?:examine|explore|discuss|cover"
    r"|look at|analy[sz]e|outline|describe|explain|compare|consider)\b[^.!?\n]{0,300}[.:]?$"
    r"|^(?:рассмотрим|разбер[её]м|давайте (?:\w+ ){0,2}?(?:рассмотрим|сравним|разбер[её]м|посмотрим|начн[её]м|перейд[её]м|остановимся))\b[^.!?\n]{0,300}[.:]?$"
    r"|^ниже (?:приведены|перечислены|представлены|описаны|рассмотрены|привед[её]н|представлен|описан|дан|даны)\b[^.!?\n]{0,300}[.:]?$"
    # "Ниже приведу подробную пошаговую инструкцию." (written ru set V)
    r"|^ниже (?:я )?(?:приведу|привед[её]м|перечислю|перечислим|опишу|опишем|расскажу|покажу|дам|разбер[её]м|рассмотрим)\b[^.!?\n]{0,300}[.:]?$"
    r"|^below,? (?:i|we)(?:['’]ll| will) (?:give|list|provide|outline|describe|explain|walk|go)\b[^.!?\n]{0,300}[.:]?$"
    # "I'll break it down below." with nothing below (written en set BH)
    r"|^(?:i|we)(?:['’]ll| will) (?:break (?:it|this|them) down|explain(?: it| this| why)?|walk you through (?:it|this)|go through (?:it|this|them))"
    r"(?: for you)? (?:below|next|step by step)[.:]?$"
    r"|^попробуем (?:разобраться|рассмотреть|понять|ответить)\b[^.!?\n]{0,300}[.:]?$"
    # "В этом эссе я попробую разобраться, почему…" (written ru set Y)
    r"|^(?:в|во) (?:этом|данном) (?:эссе|тексте|ответе|сочинении|статье) (?:мы |я )?(?:(?:попробую|попробуем|постараюсь|постараемся) )?"
    r"(?:рассмотр|разобрат|разбер|сравн|опиш|поговорим|обсуд)\w*\b[^.!?\n]{0,300}[.:]?$"
    r"|^(?:下面|接下来|以下)(?:我们|我)?(?:将|就|来)?(?:从[^。！？\n]{1,40}?(?:方面|角度|维度|几点|层面))?(?:为你|为您|给你|给您)?(?:详细|具体|逐一|分别|一一)?(?:介绍|说明|比较|对比|分析|讲解|列出|看看|探讨"
    r"|给出|提供|展示|演示|附上|写出)[^。！？\n]{0,30}[。：:]?$"
)
#: the prompt asks for an opening, which plans what follows by design: a thesis statement, an introduction, an outline
_OPENING_ASK_RE = re.compile(r"(?i)\bthesis|\bintro(?:duction)?\b|\bopening (?:paragraph|line|sentence)|\boutline\b|\babstract\b|\boverview\b"
                             r"|提纲|大纲|引言|开头|开篇|摘要|введени|вступлени|тезис|план (?:эссе|сочинения|статьи)")
#: a line ending on a colon that is code (Python blocks, labels): "for i in range(3):", "else:"
_CODE_COLON_RE = re.compile(r"^\s*(?:(?:for|while|if|elif|else|def|class|try|except|finally|with|case|default)\b|如果|否则|当)|\w\([^)]*\)\s*:$|[=<>\[\]]")
_CODE_WORD_RE = re.compile(r"(?i)\b(?:code|script|snippet|query|implementation)s?\b|代码|脚本|код|скрипт")
_OUTPUT_WORD_RE = re.compile(r"(?i)\b(?:output|result|prints?|returns?|displays?)\b|输出|结果|打印|返回|вывод|результат")
_CODE_LINE_RE = re.compile(r"[;{}=()<>\[\]]|^\s{2,}\S|^\s*(?:def|class|import|from|SELECT|function|var|let|const|#include|\$)\b")


#: a last line that opens content which never comes: a markdown heading, a bold-only title, "Step 3:",
#: "第三步：", "Шаг 3", a bare "1." item, "First,", "For example,", "such as", "including", "首先，", "例如，"
#: (a bold line with an arrow or "=" is a formula that closes a text: "**Sunlight + water + carbon dioxide → sugar +
#: oxygen**", written en set AJ)
_OPENER_LAST_RE = re.compile(
    r"(?i)^\s*(?:#{1,6}\s+[^\s:/=;{}()<>|$][^:/=;{}()<>|$\n]{0,79}[:：]?|\*\*[^*\n:：→=]{1,80}[:：]?\*\*[:：]?"
    r"|\*\*(?:step|part|phase|stage|шаг|этап)\s*\d{1,2}\b[^*\n]{0,80}\*\*|\*\*第[一二三四五六七八九十\d]{1,3}步[^*\n]{0,40}\*\*|(?:step|part|phase|section|chapter|stage)\s+\d{1,2}\b[^.!?\n]{0,60}"
    r"|第[一二三四五六七八九十\d]{1,3}[步章节部分]{1,2}[^。！？\n]{0,30}|(?:шаг|часть|этап)\s+\d{1,2}[^.!?\n]{0,60}"
    # a bracketed Chinese section heading ("【做法】" after the ingredients, written zh set H)
    r"|【(?![^】\n]*[你您的])[^】\n]{1,20}】[:：]?"  # (not a letter's slot: "【您的职称】")
    r"|(?:\d{1,2}[.)、]|[-*•])\s*|(?:first(?:ly)?|second(?:ly)?|next|then|finally|for example|for instance|e\.g\.|such as|including"
    r"|d['’]abord|premièrement|par exemple|primero|por ejemplo|zuerst|erstens|zum beispiel|во-первых|например|сначала"
    # the next point announced and never made: "Во-вторых," under the first (written ru set AT)
    r"|third(?:ly)?|lastly|also|additionally|furthermore|moreover|in addition|besides|ensuite|enfin|de plus|además|außerdem"
    r"|zweitens|во-вторых|в-третьих|в-четв[её]ртых|кроме того|помимо этого|также|далее|затем|наконец)[,:]?"
    r"|(?:首先|其次|然后|例如|比如|第一)[，,：:]?)\s*$"
    r"|^.{0,200}\b(?:such as|including|for example|e\.g\.|like)[,:]?\s*$")


_BARE_MARKER_RE = re.compile(r"^\s*(?:\d{1,2}[.)、]|[-*•])\s*$")
#: a bare numbered marker, bold or not, that opens an item never written: "3.", "**2.", "4)"
_BARE_NUMBER_RE = re.compile(r"^\s*(?:\*\*)?\d{1,2}[.)、](?:\*\*)?\s*$")
#: a bare Roman numeral from II, an outline's next section never written: "II.", "**III.**"
_BARE_ROMAN_RE = re.compile(r"^\s*(?:\*\*)?(?:II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)[.)](?:\*\*)?\s*$")
#: an outline's Roman-numbered section with its title: "I. Introduction", "**II. Body**"
_ROMAN_ITEM_RE = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?[IVX]{1,4}[.)]\s+\S")
#: a letter's salutation line, with nothing after it: "Hi team,", "Dear Ms. Lee,", "Здравствуйте, Ирина!", "尊敬的王老师："
_SALUTATION_RE = re.compile(r"(?i)^(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening))\b(?:[^.!?\n]|\b(?:mr|mrs|ms|dr|prof|st)\.){0,40},$"
                            r"|^(?:здравствуйте|добрый (?:день|вечер)|уважаем\w+|дорог\w+)\b[^.!?\n]{0,40}[,!]$"
                            r"|^(?:尊敬的|亲爱的)[^。！？\n]{1,20}[：:，,]$")
#: a salutation's first word alone, its addressee never written: "Уважаемый", "Dear", "尊敬的"
_BARE_SALUTATION_RE = re.compile(r"(?i)^(?:dear|уважаем(?:ый|ая|ые)|дорог(?:ой|ая|ие)|尊敬的|亲爱的)$")
#: a last line that asks the user for input (a simulated terminal, menu or game): "Enter your choice:", "请选择："
_INPUT_PROMPT_RE = re.compile(r"(?i)\b(?:enter|type|input|choose|select|pick)\b.{0,30}[:：]$|\byour (?:choice|selection|answer|move|command)\b.{0,10}[:：]$"
                              r"|请(?:输入|选择|进行您的选择|作出选择|回复)[^。！？\n]{0,10}[:：]$|(?:введите|выберите)[^.!?\n]{0,30}[:：]$")


#: a whole short answer that only says the work starts ("Sure. Let's get started with your content!")
_STARTS_ONLY_RE = re.compile(
    r"(?i)\blet['’]s (?:get started|begin|start|dive in|dive right in|get to it|do (?:it|this))\b[^.!?\n]{0,60}[.!:]?$"
    r"|(?:让我们|我们)(?:开始|现在开始)[^。！？\n]{0,20}[。！：:]?$|давай(?:те)? начн[её]м[^.!?\n]{0,40}[.!:]?$"
    # a promise of help that is the whole answer: "I'm going to help you look for …", "我来帮你找一下。"
    r"|\bi(?:['’]m going to|['’]ll| will) (?:help you|try to help you|find|look (?:for|up|into)|search for|get you)\b[^.!?\n]{0,80}[.!]?$"
    r"|\bi['’]m (?:looking into|checking|searching for|working on) (?:this|that|it|your)\b[^.!?\n]{0,60}[.!]?$"
    r"|^(?:sure|ok(?:ay)?|yes|of course|certainly)[,!.]?\s+(?:i|we)\b[^.!?\n]{0,50}\b(?:do (?:that|this|it)|help you(?: with (?:that|this))?)[.!]?$"
    r"|我(?:来|会|将)(?:帮你|帮您|为你|为您)[^。！？\n]{0,30}[。！]?$"
    # "好的，我们来一步一步分析一下这段代码的执行过程，看看问题出在哪里。" (written zh set AX)
    r"|(?:我们|我|让我们)来(?:一步一步|一步步|逐步|仔细|具体)?(?:地)?(?:分析|看看|拆解|梳理|排查)[^。！？\n]{0,40}[。！]?$"
    # a promise to explain that ends the answer: "…but I’ll try to explain.", "Let me answer it in the context of…" (round 30)
    r"|\b(?:let me|i['’]ll|i will|i['’]m going to)(?: try to| try and)? (?:explain(?: (?:it|this|that|why))?|answer (?:it|this|that|your question)"
    r"|elaborate|walk you through (?:it|this|that))\b[^.!?:\n]{0,80}[.!:]?$"
    r"|(?:让我|我来|我会|我将)(?:来|试着)?(?:解释|说明|回答)(?:一下)?[^。！？：:\n]{0,20}[。！：:]?$")


def _last_sentence(line: str) -> str:
    """The last sentence of ``line``: what follows its last ``. ! ? 。 ！ ？`` and a space."""
    return re.split(r"(?<=[.!?。！？])\s+", line.strip())[-1]


#: a bracketed instruction where content belongs: "[Describe the scent and ingredients.]", "[Здесь опишите ваш опыт
#: работы]", "[在此描述产品卖点]"; a template's name slots ("[Your Name]", "[Insert Name]") are short and not counted
_INSTRUCTION_SLOT_RE = re.compile(
    r"(?i)\[\s*(?:insert|describe|add|list|explain|write|mention|include|summari[sz]e|elaborate|provide|give|here|"
    # a section left as its label: "[Body paragraph 1: benefits]", "[Conclusion]" (written en set I)
    r"body|paragraph|section|conclusion|introduction|intro|point|argument|example|"
    r"опишите|перечислите|объясните|укажите|вставьте|добавьте|напишите|расскажите|приведите|здесь|"
    r"在此|此处|这里|请|填写|插入|描述|补充|列出|说明)[^\]\n]{0,120}\]")
#: a slot that only says "fill in here", whatever its length: "[在此填写]", "[Insert conclusion here]", "[Здесь ваш текст]"
_FILL_HERE_RE = re.compile(r"(?i)^\[\s*(?:(?:在此|此处|这里)(?:填写|输入|补充|插入)|(?:insert|add|write|put) (?:[\w-]+ ){0,2}here"
                           r"|здесь (?:ваш|будет|опишите))")


def instruction_slots(text: str) -> int:
    """How many bracketed instructions (``_INSTRUCTION_SLOT_RE``) ``text`` holds, each of ≥ 4 words (CJK
    characters count half a word) or one that only says "fill in here" (``_FILL_HERE_RE``: "[在此填写]",
    "[Insert conclusion here]"): a template whose body is still to be written. "[Your Name]" and
    "[Insert Name]" are a letter's name slots and do not count."""
    return sum(1 for m in _INSTRUCTION_SLOT_RE.finditer(text)
               if half_cjk_words(m.group(0)) >= 4 or _FILL_HERE_RE.match(m.group(0)))


#: the prompt asks for a template: its slots are the output
TEMPLATE_TASK_RE = re.compile(r"(?i)\btemplates?\b|\bplaceholders?\b|\bfill(?:-| )in\b|模板|模版|占位|шаблон|заготовк")


def _code_colon(sentence: str) -> bool:
    """True when a sentence that ends on a colon is a line of code (``_CODE_COLON_RE``: "for x in xs:", "def f(a):",
    "x = {"); an "=" or a bracket in a sentence of ≥ 6 words is inline maths in prose: "Now we substitute x = 4 into the
    second equation to find y:" announces a step that never comes (written en set AM)."""
    m = _CODE_COLON_RE.search(sentence)
    return bool(m) and (m.group(0) not in "=<>[]" or len(words(sentence)) < 6)


def announced_missing(text: str, prompt: str = "") -> str | None:
    """Note when ``text`` announces content it never delivers (see module doc), else None. ``prompt`` (the user
    turn, default "") spares the bracketed instructions of a template it asks for."""
    t = text.rstrip()
    if not t or t.count("```") % 2 == 1:
        return None
    # the content is still to be written (written sets F and G); a letter with a few slots in its prose is a template
    if instruction_slots(t) >= 2 and half_cjk_words(re.sub(r"\[[^\]\n]*\]", " ", t)) <= 100 \
            and not TEMPLATE_TASK_RE.search(prompt[:1000]):
        return f"instructions left as placeholders: {_INSTRUCTION_SLOT_RE.search(t).group(0)[:50]!r}"
    if len(words(t)) <= 30 and "\n" not in t and _STARTS_ONLY_RE.search(t):
        return f"only announces a start: {t[-60:]!r}"
    lines = [ln for ln in t.split("\n") if ln.strip()]
    last = lines[-1].strip().strip("*_#> ")
    # the code test reads the last sentence: "Сложим: 2x = 12, откуда x = 6. Теперь подставим x в уравнение:" is prose
    last_sentence = _last_sentence(last)
    bare = re.sub(r"(?:\*{1,2}|_{1,2})$", "", t)  # an emphasised label: "*Instructions:*" (written en set U); not "B公司：____"
    if bare.endswith((":", "：")) and len(words(last)) >= 2 and not _code_colon(last_sentence) and not _form_like(lines) \
            and not _INPUT_PROMPT_RE.search(last):
        return f"ends on a colon: {last[-60:]!r}"
    if bare.endswith((":", "：")) and len(lines) >= 3 and len(words(last)) == 1 and not _CODE_COLON_RE.search(last) \
            and not _form_like(lines) and not _INPUT_PROMPT_RE.search(last) and not _OUTPUT_WORD_RE.search(last) and code_density(t) <= 0.03:
        return f"ends on a colon: {last[-60:]!r}"  # "Ingredients: …\n\nMethod:" (written en set R)
    if len(lines) == 2 and _BARE_MARKER_RE.match(lines[-1]) and lines[0].rstrip().endswith((":", "：")):
        return f"ends on an empty list item: {lines[-1].strip()!r}"  # "Можно выделить несколько причин:\n\n1."
    if len(lines) == 2 and lines[0].rstrip().endswith((":", "：")) and _OPENER_LAST_RE.match(lines[-1]) and code_density(t) <= 0.03 \
            and not _CODE_COLON_RE.search(lines[0].strip()):
        return f"ends on a heading or opener: {lines[-1].strip()[-60:]!r}"  # "…主要有以下三点：\n\n第一，" (written zh set Q)
    # (under a subject line or a letterhead: "Subject: …\n\nDear Mr. Patel,", an address block then "Уважаемый"; written sets U, V)
    head_only = len(lines) <= 3 or all(len(words(ln)) <= 12 and ln.rstrip()[-1:] not in ".!?。！？" for ln in lines[:-1])
    if _BARE_SALUTATION_RE.match(lines[-1].strip()) and len(lines) >= 2 and head_only:
        return f"ends on the salutation: {lines[-1].strip()[-60:]!r}"
    if head_only and _SALUTATION_RE.match(lines[-1].strip()) and (len(lines) == 1 or not _SALUTATION_RE.match(lines[0].strip())) \
            and not any(_SALUTATION_RE.match(ln.strip()) for ln in prompt.split("\n")):  # (not the prompt's own salutation, rewritten)
        return f"ends on the salutation: {lines[-1].strip()[-60:]!r}"  # "Subject: …\n\nHi team," (written en set L)
    opening = _letter_opening_only(lines, prompt)
    if opening:
        return opening
    # (closed code blocks above do not make the text code: "…ssh-add ~/.ssh/id_ed25519\n```\n\n**Step 3: Add the public key to
    # your GitHub account**", written en set AV)
    if len(lines) >= 3 and _OPENER_LAST_RE.match(lines[-1]) and not _form_like(lines) \
            and code_density(_without_closed_fences(t)) <= 0.03:
        return f"ends on a heading or opener: {lines[-1].strip()[-60:]!r}"
    if len(lines) >= 3 and _BARE_NUMBER_RE.match(lines[-1]) and any(_LIST_ITEM_RE.match(ln) for ln in lines[:-1]) \
            and "```" not in t:
        return f"ends on an empty list item: {lines[-1].strip()!r}"  # "2. Внутренний паспорт;\n3.", "**2." (written sets M, N)
    if len(lines) >= 3 and _BARE_ROMAN_RE.match(lines[-1]) and any(_ROMAN_ITEM_RE.match(ln) for ln in lines[:-1]):
        return f"ends on an empty list item: {lines[-1].strip()!r}"  # an outline: "I. Introduction\n   A. Hook: …\n\nII." (set AM)
    tail_sent = re.split(r"(?<=[.!?。！？])\s*", last.rstrip(".。"))[-1].strip()
    # the first point opened after the sentence that announces the points: "…highlights three main points. First," (set AV)
    if len(words(last)) >= 4 and _OPENER_SENTENCE_RE.match(tail_sent):
        return f"ends on an opener: {tail_sent!r}"
    # (the code test reads the last sentence: "…they open occasionally; it is the environment…" is prose; written en set X)
    if not _LIST_ITEM_RE.match(lines[-1]) and not _CODE_LINE_RE.search(tail_sent) and len(words(last)) >= 2:
        if ANNOUNCE_END_RE.search(tail_sent) and len(words(tail_sent)) <= 25:
            return f"last sentence announces: {tail_sent[-60:]!r}"
        if _PLAN_END_RE.search(tail_sent) and len(words(tail_sent)) <= 60 and not _OPENING_ASK_RE.search(prompt[:500]):
            return f"last sentence announces: {tail_sent[-60:]!r}"
    # "Here is the code:" followed by no code (nor a list of steps: pseudo-code)
    if "```" not in t:
        for i, ln in enumerate(lines[:-1]):
            s = ln.strip()
            if s.endswith((":", "：")) and _CODE_WORD_RE.search(" ".join(s.split()[-6:])[-40:]) and len(words(s)) <= 30 \
                    and not _OUTPUT_WORD_RE.search(s):  # "The expected output of this code is:" announces text
                rest = lines[i + 1:]
                if not any(_CODE_LINE_RE.search(r) or _LIST_ITEM_RE.match(r) for r in rest):
                    return f"announces code, none follows: {s[-60:]!r}"
    return None


#: the prompt asks for a letter or an e-mail (not a short note)
_LETTER_ASK_RE = re.compile(r"(?i)\b(?:write|draft|compose|prepare)\b[^.?!\n]{0,40}\b(?:letter|e-?mail)\b"
                            r"|(?:напиши|составь|подготовь)[^.?!\n]{0,40}(?:письм|заявлени)|写[^。？！\n]{0,20}(?:邮件|信)")
_SHORT_ASK_RE = re.compile(r"(?i)\b(?:short|brief|quick|one[- ]line|one sentence|note|reply)\b|коротк|кратк|одно предложение|简短|一句")
#: a greeting line under the salutation: "您好！", "Здравствуйте!"
_GREETING_LINE_RE = re.compile(r"(?i)^(?:您好|你好|大家好|здравствуйте|добрый день|hello|hi)[！!。.,，]?$")
#: a letter's closing: "Sincerely,", "С уважением,", "此致"
_CLOSING_RE = re.compile(r"(?i)^(?:sincerely|best|kind regards|regards|yours|thank you|thanks|cheers|warm(?:est)? regards"
                         r"|с уважением|искренне|спасибо|заранее спасибо|此致|祝好|谢谢|顺祝)")


def _letter_opening_only(lines: list[str], prompt: str) -> str | None:
    """``"letter stops after its opening: …"`` when a letter the prompt asks for (``_LETTER_ASK_RE``, not a short
    note) has a salutation among its first four lines and then one body line of at most one sentence, or one left
    open, and no closing: "Dear Hiring Manager,\n\nI am writing to express my strong interest in the Junior
    Accountant position." for a cover letter, "尊敬的王经理：\n\n您好！\n\n关于上周" (written sets AA, AC), else None."""
    sal = next((i for i, ln in enumerate(lines[:4]) if _SALUTATION_RE.match(ln.strip())), None)
    if sal is None or not _LETTER_ASK_RE.search(prompt[:500]) or _SHORT_ASK_RE.search(prompt[:500]):
        return None
    body = [ln.strip() for ln in lines[sal + 1:] if not _GREETING_LINE_RE.match(ln.strip())]
    if len(body) != 1 or _CLOSING_RE.match(body[0]) or len(words(body[0])) > 40:
        return None
    if len(_SENT_STOP_RE.findall(body[0])) <= 1:
        return f"letter stops after its opening: {body[0][-50:]!r}"
    return None


def _form_like(lines: list[str]) -> bool:
    """A form or questionnaire: among the 4 lines before the last, ≥ 2 end on a colon (empty fields
    "Name:\nEmail:") or ≥ 2 are list items ending with a question mark (survey questions)."""
    prev = [ln.rstrip() for ln in lines[-5:-1]]
    colons = sum(ln.endswith((":", "：")) for ln in prev)
    questions = sum(bool(_LIST_ITEM_RE.match(ln)) and ln.endswith(("?", "？")) for ln in prev)
    return colons >= 2 or questions >= 2


# ---------------------------------------------------------------- list_cut

#: the answer under a numbered question item ("Q2: …" then "A2: …"): part of the item
_ANSWER_LINE_RE = re.compile(r"^\s*A\d{1,2}[:：.]")
#: a list item line: "1.", "2)", "3、", "-", "*", "(4)", numbered questions "Q5:" / "Q5：", and Chinese
#: numerals "一、" / "九、" (machine-translated lists mix them with digits: "一、域名\n2. 托管服务")
_LIST_ITEM_RE = re.compile(r"^(\s*)(?:#{1,6}\s*)?(?:\*\*)?(?:(\d{1,2})(?:[.)．](?!\d)|、(?!\d{1,3}(?!\d)))|[-*+•](?=\s)|[（(](\d{1,2})[)）]"
                           r"|Q(\d{1,2})[:：.]|[一二三四五六七八九十]{1,2}、)\s*\S")
#: a bulleted (not numbered) list item
_BULLET_MARK_RE = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\*\*)?[-*+•]\s")
_INLINE_ITEMS_RE = re.compile(r"(?:^|[\s；;,，、])[（(]?\d{1,2}[.)）、](?!\d)")
_NUM_WORDS = {
    # en, fr, es, de, it, pt, ru (nominative / genitive stems), zh
    **{w: n for n, ws in {
        2: "two deux dos zwei due dois два двух", 3: "three trois tres drei tre três три трёх трех",
        4: "four quatre cuatro vier quattro quatro четыре четырёх четырех", 5: "five cinq cinco fünf cinque пять пяти",
        6: "six seis sechs sei шесть шести", 7: "seven sept siete sieben sette sete семь семи",
        8: "eight huit ocho acht otto oito восемь восьми", 9: "nine neuf nueve neun nove девять девяти",
        10: "ten dix diez zehn dieci dez десять десяти"}.items() for w in ws.split()},
}
_ZH_NUM = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_COUNT_RE = re.compile(
    # (a hyphenated adjective between: "Here are 7 evidence-based tips:", written en set CC)
    r"(?i)(?<![\d.,\-])\b(\d{1,2})\s+(?=(?:[^\W\d_]+(?:-[^\W\d_]+)*\s+){0,2}?[^\W\d_]+(?:s|en|ов|ей|ий|ах)\b)(?!(?:year|month|week|day|hour|minute|second|percent|times|x\b|am\b|pm\b|"
    r"kg|km|cm|mm|lbs?|pounds|miles|meters|feet|inch|degrees|dollars|euros|people|persons|players|members|children|kids))"
    r"(?:[^\W\d_]+(?:-[^\W\d_]+)*\s+){0,2}?[^\W\d_]{3,}"
    # a Russian genitive plural without an ending ("Вот 7 самых частых ошибок:", "5 простых правил", "3 главные задачи";
    # written ru set CD), not a unit, an age or a sum
    r"|(?<![\d.,\-])\b(\d{1,2})\s+(?!(?:лет|год|раз|час|минут|секунд|процент|рубл|тысяч|человек|дн|сут|недел|месяц|км|кг|см|мм|гр|шт|штук|килограмм|грамм|литр|метр|сантиметр|доллар|евро|градус|этаж|класс|курс)"
    r"[а-яё]*\b)(?:[а-яё]+\s+){0,2}?[а-яё]{3,}"
    r"|\b(" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r")\s+[^\W\d_]{3,}"
    r"|(?:以下|如下|下面|下列|分别|包括|有|这|這)[^。！？\n]{0,8}?(?<![\d.])(\d{1,2}|[两二三四五六七八九十])\s*(?:个|種|种|条|條|点|點|步|项|項|個|大|类|類"
    r"|本|部|首|家|款|位|篇|道|件|门|座|处|张|句)")  # "下面推荐三本…入门书：" (written zh set AC)
#: a prompt that asks for a number of items ("List five ...", "Give me 3 examples", "列出5个", "Назови три")
PROMPT_ASK_RE = re.compile(
    r"(?im)(?:^|[.!?;:]\s+)(?:please\s+|can you\s+|could you\s+|now\s+)?(?:list|give|name|write|provide|suggest|generate|create|describe|identify|come up with|outline|share"
    r"|recommend|think of|brainstorm|enumerate|what are|mention|explain|find|compose|offer|state|cite|select|choose)\b"
    r"|列出|列举|给出|写出|举出|提供|说出|给我|写|生成|提出|描述|找出|推荐|想出|举例|перечисл|назов|привед|дай|напиш|предлож")


#: (but "a list of 20 questions", "a set of 5 tips" count: round 29)
_NOT_A_COUNT_RE = re.compile(r"(?i)(?:\bto|(?<!\blist )(?<!\bset )(?<!\bseries )(?<!\bgroup )(?<!\btotal )(?<!\bcollection )\bof"
                             r"|\bfrom|\bthan|\bscale|[=\-/–~])\s*$")


_ORD_NUM = {**_ZH_NUM, "一": 1, **{w: n for w, n in _NUM_WORDS.items() if w.isalpha()}, "две": 2}


def _ord(g: str) -> int | None:
    """The number a count word names: "12", "five", "пять", "三", "十二" (None for an unknown word)."""
    if g.isdigit():
        return int(g)
    if len(g) == 2 and g[0] == "十":
        return 10 + _ZH_NUM.get(g[1], 0)
    return _ORD_NUM.get(g.lower())


def announced_count(line: str) -> int | None:
    """The number of items a line announces ("Here are 5 tips:", "以下是三个建议："), or None."""
    m = _COUNT_RE.search(line)
    while m and _NOT_A_COUNT_RE.search(line[max(0, m.start() - 12):m.start()]):
        m = _COUNT_RE.search(line, m.end())  # "a scale of 0 to 10 points", "from 1 to 5 stars"
    if not m:
        return None
    n = _ord(next(g for g in m.groups() if g))
    return n if 2 <= n <= 20 else None


#: a Chinese request's count right after its verb: "生成一组关于给定主题的 5 个问题", "写三首诗"
_ZH_ASK_COUNT_RE = re.compile(r"^[^。！？\n]{0,15}?(?<![\d.])(\d{1,2}|[两二三四五六七八九十])\s*(?:个|個|种|種|条|條|点|點|步|项|項|类|類|首|句|道|篇|本|部|家|款|位|名|件|门|門|座|处|處|段|张|張)")


#: a Chinese prompt about "the N great …": "十大名胜古迹都有哪些", "四大发明是什么"
_ZH_TOP_N_RE = re.compile(r"(?<![\d一二三四五六七八九十])([二三四五六七八九十]|\d{1,2})大[\u4e00-\u9fff]{2,8}?(?:都)?(?:有哪些|是哪些|是什么|包括哪些|分别是)")


def prompt_count(prompt: str) -> int | None:
    """Items a prompt asks for ("List five fruits", "给出3个例子", "生成一组关于给定主题的 5 个问题"), from its
    first 300 characters, or None."""
    head = prompt[:300]
    m = PROMPT_ASK_RE.search(head)
    top = _ZH_TOP_N_RE.search(head)
    if top and not m:  # "中国十大名胜古迹都有哪些", "四大发明是什么" (written zh set AX)
        n = _ord(top.group(1))
        return n if n is not None and 2 <= n <= 20 else None
    if not m or re.search(r"(?i)每|\b(?:each|every|per)\b", head):
        return None  # "10 个描述词 for each tree", "3 examples for each": the count is per group, not the list's
    n = announced_count(head[m.start():])
    zh = None if n is not None else _ZH_ASK_COUNT_RE.match(head[m.end():])
    if zh:
        n = _ord(zh.group(1))
    return n if n is None or 2 <= n <= 20 else None


_SECTION_UNIT = {"chapter": "chapter", "глава": "chapter", "глав": "chapter", "章": "chapter", "步骤": "step", "步": "step", "天": "day", "日": "day", "周": "week", "阶段": "stage", "step": "step", "day": "day",
                 "week": "week", "stage": "stage", "phase": "stage", "шаг": "step", "день": "day", "неделя": "week", "этап": "stage",
                 "дн": "day", "недел": "week"}
#: an ordinal section marker anywhere: "第二天", "第 3 步", "Day 2", "Step 4", "День 2"
_SECTION_MARK = (r"第\s*([一二三四五六七八九十\d]{1,3})\s*(步|天|日|周|阶段)|\b(day|step|week|stage|phase)[ \t]+(\d{1,2})\b"
                 r"|\b(день|шаг|неделя|этап)[ \t]+(\d{1,2})\b"
                 r"|(阶段|步骤)\s*([一二三四五六七八九十\d]{1,3})(?=[：:、.\s*])|\b(chapter|глава)\s+(\d{1,2})\b"
                 r"|第\s*([一二三四五六七八九十\d]{1,3})\s*(章)")  # "**阶段一：熟悉水性**" (written zh set W)
_SECTION_MARK_RE = re.compile("(?i)" + _SECTION_MARK)
#: ... and one that opens a line (a heading): the answer is laid out in such sections
_SECTION_HEAD_RE = re.compile(r"(?im)^\s*(?:#{1,6}\s*)?(?:\*\*)?\s*(?:" + _SECTION_MARK + ")")
#: the answer names its last section in words ("最后一步", "the final day"): its count is not in its markers
_SECTION_LAST_RE = re.compile(r"(?i)最后一(?:步|天|日|周|个阶段)|\b(?:final|last) (?:step|day|week|stage|phase)\b"
                              r"|последн\w+ (?:день|шаг|недел\w+|этап)")
#: a number of days/steps/weeks asked for or announced: "三天的成都旅游行程", "一共分为五步", "a 7-day itinerary", "на 3 дня"
_SECTION_ASK_RE = re.compile(
    r"(?i)(?<!第)(?<!第 )(\d{1,2}|[两二三四五六七八九十])[ \t]*(?:个)?(天|日|步|周|阶段|章)(?!气)"  # (not "= 6\n步骤2")
    r"|\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)[- ](day|step|week|stage|phase|chapter)s?\b"
    r"|\b(\d{1,2}|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять)[- ]?(?:х )?(дн|шаг|недел|этап|глав)")


#: a line that concludes a worked answer: "答案：每个人分得4个苹果。" under a one-step solution "步骤1：…" (belle_dev1K)
#: (and a closing paragraph: "总之，…", "In short, …", "Итак, …", under points written as paragraphs: ``ordinals_short``)
_CONCLUSION_RE = re.compile(r"(?im)^\W*(?:答案|结论|总结|综上|所以|因此|总之|总而言之|总的来说|answer|in summary|in conclusion|in short"
                            r"|so the answer|overall|to sum up|ответ|итог|итак|в итоге|таким образом)")


def sections_short(text: str, prompt: str = "") -> str | None:
    """``sections stop at K of N``-note when the answer is laid out in ordinal sections ("第一天", "**第二步：…**",
    "Day 2:", "Шаг 3") that start at 1 and stop at K, while the prompt's first 300 or the answer's first 200
    characters ask for or announce N > K of that unit ("给我规划一个三天的成都旅游行程", "一共分为五步", "a 7-day
    itinerary", "план на 3 дня"); else None. At least one marker must open a line, and an answer that names
    its last section in words ("最后一步", "the final day") is not judged. Written sets D, K, N: itineraries that
    stop after day one, installs after step two, each ending on a full stop (4 truncated, no good row in the
    label sets; 1 of 82,945 dump pairs, itself cut). Steps (not days or stages: a one-day plan may say "Day 1") whose
    only marker is 1, with at most 600 characters after it, are cut whatever was asked: a single step is not numbered."""
    if not _SECTION_HEAD_RE.search(text) or _SECTION_LAST_RE.search(text):
        return None
    found = []  # (unit, ordinal or None, where the marker ends)
    for m in _SECTION_MARK_RE.finditer(text):
        unit = (m.group(2) or m.group(3) or m.group(5) or m.group(7) or m.group(9) or m.group(12)).lower()
        found.append((_SECTION_UNIT[unit], _ord(m.group(1) or m.group(4) or m.group(6) or m.group(8) or m.group(10)
                                                or m.group(11)), m.end()))
    marks = [(u, k) for u, k, _ in found if k]
    asked_units = set()
    for k_src, src in enumerate((prompt[:300], text[:200])):
        for m in _SECTION_ASK_RE.finditer(src):
            g = [x for x in m.groups() if x]
            n, unit = _ord(g[0]), _SECTION_UNIT.get(g[1].lower())
            if k_src == 0:
                asked_units.add(unit)
            elif unit in asked_units:
                continue  # the prompt's count rules: "北京玩三天" over a plan that says "务必提前7天…预约" (written zh set AL)
            ks = [k for u, k in marks if u == unit]
            if n and 2 <= n <= 14 and ks and min(ks) == 1 and max(ks) < n:
                return f"sections stop at {unit} {max(ks)} of {n}"
    # steps numbered from 1 that stop at 1 within 600 characters: a single step is not numbered ("Here's the full
    # process.\n\n**Step 1: Check for existing keys**…" and nothing after; written sets AG, AH, AI), unless the prompt
    # asks for that step; a tutorial's long "Step 1 — Starting the TypeScript Project" (2,830 characters, oasst) is whole
    steps = [(k, end) for u, k, end in found if u == "step"]
    if steps and all(k == 1 for k, _ in steps) and len(text) - steps[-1][1] <= 600 \
            and not _SECTION_MARK_RE.search(prompt[:2000]) and not _CONCLUSION_RE.search(text[steps[-1][1]:]):
        return "sections stop at step 1"
    return None


#: a number of stanzas asked for: "из четырёх строф", "4 stanzas", "写四节"
_STANZA_ASK_RE = re.compile(
    r"(?i)\b(\d|two|three|four|five|six)[- ](?:stanzas?|verses?|quatrains?)\b"
    r"|(\d|дв[уе]х|тр[её]х|четыр[её]х|пяти|шести|два|две|три|четыре|пять|шесть)[- ]?(?:строф|куплет|четверостиши)"
    r"|(?<!第)(?<!第 )(\d|[两二三四五六])\s*(?:个)?(?:诗节|节(?=的?(?:诗|现代诗|小诗)))")  # (not "二十四节气", "第3节")


def stanzas_short(text: str, prompt: str = "") -> str | None:
    """``"stanzas: K of N"`` when the prompt asks for a poem of N stanzas (``_STANZA_ASK_RE``: "из четырёх строф",
    "4 stanzas", "四节") and the answer holds K < N blocks of verse (≥ 2 lines, separated by blank lines; a one-line
    title does not count): "Напиши стихотворение из четырёх строф…" answered with one (written sets V, AB), else None."""
    m = _STANZA_ASK_RE.search(prompt[:300])
    if not m:
        return None
    g = next(x for x in m.groups() if x)
    n = _ord(g)
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if len([ln for ln in b.split("\n") if ln.strip()]) >= 2]
    if n and 2 <= n <= 12 and 1 <= len(blocks) < n and all(len(ln) <= 80 for b in blocks for ln in b.split("\n")):
        return f"stanzas: {len(blocks)} of {n}"
    return None


#: a number of paragraphs asked of the answer: "write a 5 paragraph essay", "in three paragraphs", "напиши эссе из трёх абзацев"
#: (not "Summarize the following 3 paragraphs", the input's; Chinese "3段" is as often a rope cut in three)
_PARAGRAPH_ASK_RE = re.compile(
    r"(?i)\b(?:write|compose|draft|create|generate|give me)\b[^.?!\n]{0,40}?\b(\d|two|three|four|five|six)[- ]paragraphs?\b"
    r"|\bin (\d|two|three|four|five|six) paragraphs\b"
    r"|(?:напиши|составь|сочини|подготовь)[^.?!\n]{0,40}?из (\d|тр[её]х|четыр[её]х|пяти|шести) (?:абзац|параграф)"
    r"|\bв (\d|тр[её]х|четыр[её]х|пяти|шести) (?:абзацах|параграфах)")


def paragraphs_short(text: str, prompt: str = "", min_words: int = 60) -> str | None:
    """``"paragraphs: K of N"`` when the prompt asks for N ≥ 3 paragraphs (``_PARAGRAPH_ASK_RE``: "write a 5 paragraph essay",
    "напиши эссе из трёх абзацев") and the answer holds at most half as many blocks of prose (separated by blank lines, or by
    line breaks when it has no blank line; a title line, a list item or a block of under 12 words does not count) in fewer than
    ``min_words`` [60] words per paragraph asked: one introduction for "write a 5 paragraph essay" (written en set BB), else
    None. One long paragraph that holds everything is an answer in the wrong layout, not a cut."""
    m = _PARAGRAPH_ASK_RE.search(prompt[:300])
    if not m:
        return None
    g = next(x for x in m.groups() if x)
    n = _ord(g)
    if not n or not 3 <= n <= 12 or half_cjk_words(text) >= min_words * n:
        return None
    sep = r"\n\s*\n" if re.search(r"\n\s*\n", text.strip()) else r"\n"
    blocks = [b.strip() for b in re.split(sep, text.strip()) if b.strip()]
    paras = [b for b in blocks if half_cjk_words(b) >= 12 and not _LIST_ITEM_RE.match(b)]
    if 1 <= len(paras) and 2 * len(paras) <= n:
        return f"paragraphs: {len(paras)} of {n}"
    return None


#: a paragraph opened by an ordinal word: "第一，资源分配。", "第二点：", "First, …", "Secondly: …", "Во-первых, …"
_ORDINAL_PARA_RE = re.compile(r"(?im)^\s*(?:\*\*)?(?:第([一二三四五六七八九十])(?:点|个方面|方面|是)?\s*(?:\*\*)?[，,、:：]"
                              r"|(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)(?:ly)?(?:\*\*)?[,:]"
                              r"|во-(первых|вторых|третьих|четв[её]ртых|пятых)(?:\*\*)?[,:])")
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                  "ninth": 9, "tenth": 10, "первых": 1, "вторых": 2, "третьих": 3, "четвертых": 4, "четвёртых": 4, "пятых": 5}


def _intro_count(lines: list[str], first: int) -> int | None:
    """The number of items the intro of a list or of points starting at line ``first`` announces: its nearest non-blank
    line above, when it ends on a colon, counted in its last clause ("Here are 10 tips:", not "…after four weeks, we
    need to follow these steps:"), else None."""
    intro = next((lines[j] for j in range(first - 1, -1, -1) if lines[j].strip()), "")
    if not intro.rstrip().endswith((":", "：")):
        return None
    return announced_count(re.split(r"[.!?。！？,，;；]\s*", intro.rstrip())[-1])


def ordinals_short(text: str) -> str | None:
    """``"announced N points, K given"`` when a line ending on a colon announces N points (``announced_count``:
    "进程和线程的区别主要体现在以下三个方面：", "There are three reasons:") and the paragraphs after it that open with an
    ordinal word (``_ORDINAL_PARA_RE``: "第一，", "First,", "Во-первых,") run 1..K with K < N and no closing line
    (``_CONCLUSION_RE``): the answer stopped after its first point (written zh set AO). Lists with markers are
    ``list_cut``'s; this reads points written as paragraphs. Else None."""
    lines = text.rstrip().split("\n")
    hits = [(i, m) for i, ln in enumerate(lines) for m in [_ORDINAL_PARA_RE.match(ln)] if m]
    if not hits or _CONCLUSION_RE.search("\n".join(lines[hits[-1][0] + 1:])):
        return None
    want = _intro_count(lines, hits[0][0])  # (its last clause: not "…2 moles of HCl, let's see:")
    nums = [_ord(m.group(1)) if m.group(1) else _ORDINAL_WORDS.get((m.group(2) or m.group(3)).lower(), 0) for _, m in hits]
    if want is None or nums != list(range(1, len(nums) + 1)) or len(nums) >= want:
        return None
    return f"announced {want} points, {len(nums)} given"


def list_cut(text: str, prompt: str = "") -> str | None:
    """Note when the turn ends inside a visibly incomplete list (see module doc), else None.

    ``prompt`` (the user turn answered) adds one check: it asks for N items ("List five ...") and
    the list that ends the turn has fewer.
    """
    t = text.rstrip()
    if not t or t.count("```") % 2 == 1:
        return None
    lines = t.split("\n")
    cut = _table_cut(lines) or sections_short(t, prompt) or stanzas_short(t, prompt) or paragraphs_short(t, prompt) \
        or ordinals_short(t)
    if cut:
        return cut
    item_idx = [i for i, ln in enumerate(lines) if _LIST_ITEM_RE.match(ln)]
    if not item_idx:
        return None
    last_idx = len(lines) - 1
    after = [j for j in range(item_idx[-1] + 1, last_idx + 1) if lines[j].strip() and not _ANSWER_LINE_RE.match(lines[j])]
    short = _announced_short(lines, item_idx)
    if short:
        return short
    if len(after) > 1 or (after and (not lines[after[0] - 1].strip() and not lines[after[0]].startswith((" ", "\t")))):
        return None  # prose after the list (a new paragraph): the list ended
    if after and _FIELD_RE.match(lines[after[0]].strip()) and not lines[after[0]].startswith((" ", "\t")):
        return None  # "答案：2颗糖果" under the steps: a closing field, not the rest of the last item
    # the final list: items whose gaps hold at most 3 non-blank non-item lines
    group = [item_idx[-1]]
    for i in reversed(item_idx[:-1]):
        gap = sum(1 for j in range(i + 1, group[0]) if lines[j].strip())
        if gap > 3:
            break
        group.insert(0, i)
    # one marker kind: numbered steps under a bulleted ingredient list are a list of their own (written en set I)
    group = [i for i in group if bool(_BULLET_MARK_RE.match(lines[i])) == bool(_BULLET_MARK_RE.match(lines[group[-1]]))]
    top = min(len(_LIST_ITEM_RE.match(lines[i]).group(1)) for i in group)
    top_items = [i for i in group if len(_LIST_ITEM_RE.match(lines[i]).group(1)) <= top + 1]
    if len(top_items) == 1 and len(_INLINE_ITEMS_RE.findall(lines[top_items[0]])) >= 2:
        return None  # "1) x; 2) y; 3) z" on one line: an inline enumeration
    nums = [int(n) for i in top_items for m in [_LIST_ITEM_RE.match(lines[i])] for n in [m.group(2) or m.group(3) or m.group(4)] if n]
    intro = next((lines[j] for j in range(group[0] - 1, -1, -1) if lines[j].strip()), "")
    n_items = len(top_items)
    if intro.rstrip().endswith((":", "：")):
        want = announced_count(intro)
        if want is not None and n_items < want:
            return f"announced {want} items, {n_items} given"
    asked = prompt_count(prompt) if prompt else None
    # the list must open the turn or follow an intro line ending on a colon: an unmarked first item above it
    # ("-均衡饮食" without its space, a "Johann Sebastian Bach（…）：…" paragraph) would be miscounted
    starts_clean = not intro.strip() or intro.rstrip().endswith((":", "："))
    if asked is not None and 2 <= n_items < asked and not after and not (nums and max(nums) >= asked) and starts_clean:
        # (the items numbered up to N: one marker miswritten, "Q1 … A2: <question> … Q3", round 24)
        return f"prompt asks for {asked} items, {n_items} given"
    indented_after = all(lines[j].startswith((" ", "\t")) for j in after)  # the item's own indented body
    if nums == [1] and n_items == 1 and (not after or indented_after) \
            and not (prompt and contains_phrase(prompt, lines[top_items[0]])):
        return "numbered list stops at item 1"  # (not when that item is one of the prompt's own options)
    last_line = lines[last_idx].rstrip()
    if not after and n_items >= 3:
        cut_item = _item_fragment([lines[i] for i in top_items[:-1]], last_line)
        if cut_item:
            return cut_item
    # mid-bracket: the last item opens a bracket it never closes, where the earlier items (≥ 2 with a
    # bracket) all close theirs: "42. 钼（Molybdenum, Mo）" then "43. 锝(T"
    if n_items >= 3 and last_line[-1:].isalnum() and _open_brackets(last_line) > 0:
        earlier = [lines[i] for i in top_items[:-1]]
        bracketed = [ln for ln in earlier if _open_brackets(ln, opened=True)]
        if len(bracketed) >= 2 and all(_open_brackets(ln) == 0 for ln in earlier):
            return f"last item stops inside a bracket: {last_line[-50:]!r}"
    # mid-item: the last item ends mid-sentence while earlier items end with a full stop
    ends_open = last_line[-1:].isalnum() or last_line[-1:] in ",，、"
    # two items are enough in Chinese when the last runs on through its commas: "2. **成本推动**：…，运输和化工产品的价格也会
    # 随之上" under an item that closes on "。" (written zh set W)
    cjk_run_on = n_items == 2 and "，" in last_line and bool(CJK_RE.match(last_line[-1:])) \
        and (len(CJK_RE.findall(last_line)) >= 20 or len(last_line) < 0.6 * len(lines[top_items[0]]))  # "2. 锅中放少量油，下排"
    if ends_open and len(words(_LIST_ITEM_RE.sub("", last_line))) >= 4 and (n_items >= 3 or cjk_run_on):
        # items that end on a colon head a sub-list ("1. Enqueue operation:" over "* Push …"): not counted
        ends = [e for e in (_item_end(lines, i, j) for i, j in zip(top_items, top_items[1:])) if e not in ":："]
        closed = sum(e in _SENT_END or e in _CLOSERS for e in ends)
        lens = sorted(len(lines[i]) for i in top_items[:-1])
        m_item = _LIST_ITEM_RE.match(last_line)
        body = last_line[m_item.end() - 1:] if m_item else last_line  # (the pattern ends on the item's first character)
        n_cjk = len(CJK_RE.findall(body))
        n_last = len(words(body)) - n_cjk / 2  # a CJK character is half a word here
        tail = body.split()[-1].lower() if body.split() else ""
        # a long last item without its stop is cut, unless the list already holds every item the prompt asked for
        # ("Give me three tips…" → three items, the third a full clause without a period: written en set I)
        long_open = (n_last >= 12 and not (asked is not None and n_items >= asked)) \
            or (tail in FUNCTION_WORDS or last_line[-1:] in ",，、")
        # a short Chinese item without a comma is a finished phrase that just lacks its 。: "5. 撒上葱花出锅", "6. 身份证、
        # 学历学位证书及复印件" (3 good rows of the written sets, no bad one or dump pair)
        cjk_phrase = bool(CJK_RE.match(last_line[-1:])) and not re.search(r"[，,]", body) and n_cjk <= 20
        if closed >= (1 if cjk_run_on else 2) and closed == len(ends) and (len(last_line) < 0.6 * lens[len(lens) // 2] or long_open) \
                and not cjk_phrase:
            return f"last item stops mid-sentence: {last_line[-50:]!r}"
    # a last list of one or two items whose last runs on, under the text's earlier items of the same marker kind that close
    # their sentences: "1. **补能不如加油方便**：…比较常见。冬季低温时" under "**一、优点**"'s four closed items, "2. 锅里放少许油，
    # 鸡翅皮朝下放入，小火煎至两面金黄" under "1. …捞出沥干。" (written zh set AL)
    if n_items <= 2 and not after and ends_open:
        bullet = bool(_BULLET_MARK_RE.match(last_line))
        earlier_items = [lines[i].rstrip() for i in item_idx[:-1] if bool(_BULLET_MARK_RE.match(lines[i])) == bullet
                         and len(lines[i].strip()) >= 10]
        m_last = _LIST_ITEM_RE.match(last_line)
        body = last_line[m_last.end() - 1:] if m_last else last_line
        n_cjk = len(CJK_RE.findall(body))
        run_on = n_cjk >= 20 and "，" in body and bool(CJK_RE.match(last_line[-1:]))
        closed = sum(e[-1:] in _SENT_END or e[-1:] in "；;" for e in earlier_items)
        if earlier_items and closed == len(earlier_items) and (len(earlier_items) >= 3 or run_on) \
                and (run_on or len(words(body)) - n_cjk / 2 >= 12 or (body.split()[-1].lower() if body.split() else "") in FUNCTION_WORDS):
            return f"last item stops mid-sentence: {last_line[-50:]!r}"
    # a last item of one or two characters after items that close their sentences: "2. 多" under
    # "1. 多饮、多尿：口渴明显，喝水量增加。" (written zh set K)
    m_last = _LIST_ITEM_RE.match(last_line)
    body = last_line[m_last.end() - 1:].strip() if m_last else None  # (the pattern ends on the item's first character)
    if body is not None and not after and n_items >= 2 and 1 <= len(body) <= 2 and body[-1:].isalnum() \
            and all(len(lines[i].strip()) >= 10 and lines[i].rstrip()[-1:] in _SENT_END for i in top_items[:-1]):
        return f"last item stops after {body!r}"
    # a last item of one word after 3+ items of 5+ words that close their sentences: "4. Добавьте" under "3. Постепенно всыпайте
    # муку, размешивая венчиком, чтобы не было комочков." (written ru set BC); not a Chinese phrase ("5. 撒上葱花出锅")
    if body is not None and not after and n_items >= 4 and re.fullmatch(r"[^\W\d_]{3,}", body) and not CJK_RE.search(body) \
            and all(len(words(lines[i])) >= 5 and lines[i].rstrip()[-1:] in _SENT_END for i in top_items[:-1]):
        return f"last item stops after {body!r}"
    # ... or a sub-item so cut, under sibling items (same indent, ≥ 2) that close on "。", "；" or ".": "   - 修复" (set AC)
    if body is None or after or not m_last.group(1) or not 1 <= len(body) <= 2 or not body[-1:].isalnum():
        return None
    siblings = [i for i in group[:-1] if len(_LIST_ITEM_RE.match(lines[i]).group(1)) == len(m_last.group(1))]
    if len(siblings) >= 2 \
            and all(len(lines[i].strip()) >= 10 and lines[i].rstrip()[-1:] in _SENT_END | set("；;") for i in siblings):
        return f"last item stops after {body!r}"
    return None


#: a list marker, an optional opening bold, then the item's text
_ITEM_BODY_RE = re.compile(r"^\s*(?:\d{1,2}[.)、]|[-*+•])\s*(\*\*)?\s*(.*)$")
#: a capitalised word cut after two letters, Latin or Cyrillic ("Ма"); one letter is a whole item often ("R", "C"),
#: and two capitals are an abbreviation ("US")
_WORD_FRAGMENT_RE = re.compile(r"[A-ZА-ЯЁ][a-zа-яё]")


def _announced_short(lines: list[str], item_idx: list[int]) -> str | None:
    """``"announced N items, K given"`` when a numbered list (its items numbered 1..K in order, ≥ 2) follows an intro
    line that ends on a colon and announces N ≥ 3K items in its last clause, whatever prose follows the list: "以下是10个…问题及回答
    思路：" over items 1 and 2 and a closing "以上是面试中最常被问到的问题。" (written zh set AF). A third, because
    announcements round ("10 tips" over 9), sub-lists recount and a short list may end on a line that closes it ("Here
    are 5 tips: 1… 2… That is all you need."); list_cut judges lists that end the turn more finely."""
    first = item_idx[0]
    want = _intro_count(lines, first)
    if want is None:
        return None
    indent = len(_LIST_ITEM_RE.match(lines[first]).group(1))
    nums = []
    for i in item_idx:
        m = _LIST_ITEM_RE.match(lines[i])
        if len(m.group(1)) == indent:
            n = m.group(2) or m.group(3) or m.group(4)
            if not n:
                return None  # bullets: counted by list_cut only
            nums.append(int(n))
    # (or half, when three or more of them are missing and three are given: "involves 6 main steps:" over three, written
    # set AY; "Here are 5 tips:" over two and "That is all you need." stays whole)
    if len(nums) < 2 or nums != list(range(1, len(nums) + 1)) or (3 * len(nums) > want and not (
            2 * len(nums) <= want and want - len(nums) >= 3 and len(nums) >= 3)):
        return None
    return f"announced {want} items, {len(nums)} given"


def _item_fragment(earlier: list[str], last: str) -> str | None:
    """Note when the last list item ``last`` is a stub its list never writes so: a bold it opens and never
    closes where every earlier item (``earlier``, ≥ 2) closes its own ("- **200 OK**：请求成功。" … "- **4"), or a
    capitalised word of two letters where every earlier item holds ≥ 4 letters ("1. Меркурий" … "4. Ма"; written sets
    Y and Z), else None. A whole two-letter last item ("Go" after "Python", "Rust") reads as cut too; no answer among
    the 82,945 dump pairs of ``../shared/data`` or the label sets ends so."""
    m = _ITEM_BODY_RE.match(last)
    if not m or len(earlier) < 2:
        return None
    bodies = [_ITEM_BODY_RE.match(ln) for ln in earlier]
    if not all(bodies):
        return None
    if m.group(1) and "**" not in m.group(2) and len(m.group(2)) <= 12 \
            and all(b.group(1) and "**" in b.group(2) for b in bodies):
        return f"last item opens a bold it never closes: {last.strip()[-30:]!r}"
    if _WORD_FRAGMENT_RE.fullmatch(m.group(2)) and all(len(LETTER_RE.findall(b.group(2))) >= 4 for b in bodies):
        return f"last item stops mid-word: {last.strip()[-30:]!r}"
    return None


def _table_cut(lines: list[str]) -> str | None:
    """Note when the turn ends on a markdown table row with fewer cells than the table's header row."""
    rows = []
    for ln in reversed(lines):
        if ln.strip().startswith("|"):
            rows.insert(0, ln.strip())
        else:
            break
    if len(rows) < 3 or not re.match(r"^\|[\s:|-]+\|?$", rows[1]):
        return None
    cells = lambda r: len([c for c in r.strip("|").split("|")])  # noqa: E731
    head, last = cells(rows[0]), cells(rows[-1])
    if last < head or not rows[-1].endswith("|") and rows[-2].endswith("|"):
        return f"table row cut: {last} of {head} cells ({rows[-1][-40:]!r})"
    return None


def _open_brackets(line: str, opened: bool = False) -> int:
    """Round brackets ``( （`` of ``line`` opened minus closed ``) ）`` (with ``opened``: opened only)."""
    n_open = line.count("(") + line.count("（")
    return n_open if opened else n_open - line.count(")") - line.count("）")


def _item_end(lines: list[str], i: int, j: int) -> str:
    """Last character of the item spanning lines ``i`` to ``j`` (exclusive)."""
    block = [ln for ln in lines[i:j] if ln.strip()]
    return block[-1].rstrip()[-1:] if block else ""


# ---------------------------------------------------------------- no_terminal_punct

#: characters a finished line may end with (sentence ends, closers, markup, math, emoji-free symbols)
_FINISHED = set(".!?。！？…:;：；)]}>\"'”’»」』）】〉》*_~`|$%/\\=+")
_OPEN_END = set(",，、(（[「『\"“‘-–—")
_CODE_LINE_CHARS_RE = re.compile(r";(?!\s)|[{}=<>]|^\s{2,}\S|\t|\$\w")  # "danced; but they" is prose
_BRACKETS_RE = re.compile(r"[()\[\]]")


#: a paragraph that opens with a bold label ("**Полив.** Поливайте раз в неделю…"): prose, not a list item
_EMPHASIS_OPEN_RE = re.compile(r"^\s*(?:\*\*|\*|__|_)(?=[^\s*_])")
_BOLD_LABEL_RE = re.compile(r"^\s*\*\*[^*\n]{1,80}\*\*(?:[:：.,]?\s+|：\s*)(?=\S)")  # ("**第一次握手**：客户端…", written zh set AI)


#: Chinese conjunctions no sentence ends on (multi-character: "总和" ends on 和), or "和/与/及/或" closing a 、 enumeration
_ZH_OPEN_TAIL_RE = re.compile(r"(?:或者|以及|而且|并且|但是|因为|所以|如果|比如|例如|包括|通过|为了|对于|关于|由于|虽然|即使|尽管|不仅"
                              r"|以便|或是|从而|以免|甚至|预计|诸如|譬如|导致|使得|以至于|接着|然后|随后|同时|此外|另外|于|我叫|名叫|叫做"
                              # a conclusion that never comes, a preposition after a comma: "…= 0\n\n因此", "…），按" (set AC)
                              r"|因此|于是|那么|进而|[，,](?:按|在|从|向|对|把|被|给|跟|以|将|由|经))\Z|、[^、，。！？\n]{1,12}(?:和|与|及|或)\Z")
#: a derivation's verb without its object: "第二步：将方程分解为" (written zh set W), "设 p = 2k，代入得" (set AO); judged on
#: lines with formulas too (``_prose_line`` would call "p = 2k" code)
_ZH_DERIVATION_TAIL_RE = re.compile(r"(?:(?:分解|化简|整理|变形|转化|改写|简化|代入|化)为|等于|可得|得到|解得|求得|算得"
                                    r"|(?:代入|带入|化简|整理|移项|平方|相加|相减|相乘|展开|联立)得|[，,]\s*得)\Z")
#: an enumeration after a colon, its items joined by "、", the last one open, in a line whose sentences close on 。: "…组合在一起。
#: 常见的 JOIN 类型有：INNER JOIN、LEFT" ("水果：苹果、香蕉" on a line of its own is a category and its members)
_CJK_ENUM_CUT_RE = re.compile(r"。[^。！？\n]{0,40}[：:][^：:。！？\n]{0,40}、[^、，。！？；\n]{1,15}\Z")
def _latin_term_cut(enumeration: str) -> bool:
    """True when the "、" items of ``enumeration`` (after its colon) are Latin-script terms and the last has fewer words
    than each earlier one: "INNER JOIN、LEFT" is a term cut after its first word; "借款合同、银行流水、…、证人证言" (Chinese items,
    a forum answer without its 。, written zh set AU) and "Python、Java" are whole."""
    items = [x.strip() for x in re.split(r"[：:]", enumeration)[-1].split("、")]
    if len(items) < 2 or not all(re.fullmatch(r"[A-Za-z][A-Za-z0-9 +#.-]*", x) for x in items):
        return False
    n_last = len(items[-1].split())
    return all(len(x.split()) > n_last for x in items[:-1])


#: a calculation stopped at its "=": a value, a space, "=" (not "==", nor base64 padding "aGk=")
_EQUALS_CUT_RE = re.compile(r"[\w)²³'’]\s+=\Z")
#: a calculation stopped after a spaced operator on a line with "=": "S₁₀ = 10×3 + 10×9×4/2 = 30 +" (written zh set H)
_OPERATOR_CUT_RE = re.compile(r"=[^=\n]*[\w)²³↑↓]\s+[+\-−×÷*/·]\Z")  # ("D = (−5)² − 4 · 1 ·", written ru set AB)
#: "with the largest", "with the most" as the text's end: the noun never came ("at the latest", "of the best" close sentences)
_WITH_SUPERLATIVE_CUT_RE = re.compile(r"(?i)\bwith the (?:largest|biggest|smallest|highest|lowest|greatest|strongest|fastest|longest"
                                      r"|shortest|oldest|youngest|most|least|best|worst)\Z")
#: a conjunction after a comma as the last word: "…, and", "…, или" (any line, list items too)
_COMMA_CONJUNCTION_CUT_RE = re.compile(r"(?i)[,，]\s*(?:and|or|but|и|а|но|или)\Z")
#: a comparison stopped after its operator, on a line that compares values already: "5 < 7 — влево, 2 < 7 — влево, 9 >"
#: (written ru set V)
_COMPARISON_CUT_RE = re.compile(r"\d\s*[<>≤≥]\s*\d[^\n]*\d\s+[<>≤≥]\Z")
#: a connective that introduces a conclusion, after a comma, as the last word: "2x = 12, значит", "…, so" (written
#: ru set G); no text ends there
_CONNECTIVE_CUT_RE = re.compile(r"(?i)(?:[,，]\s*|\band\s+|\bи\s+)(?:значит|следовательно|поэтому|то есть|тогда|so|then|therefore|thus|hence"
                                r"|which means|所以|因此|那么|于是)\Z")
#: a word (or a bold label) then a spaced em/en dash that ends the turn: the definition after it never came
_DASH_CUT_RE = re.compile(r"(?:[^\W\d_]{2,}|\))\**\s+[—–]\Z")


def _prose_line(line: str) -> bool:
    line = _BOLD_LABEL_RE.sub("", line, count=1)
    # an italic or a bold opened against its word is no list marker: "*To whoever finds this,* it began…", "**第三，多和
    # 母语者交流，可以通过" (written sets AV, AX)
    line = _EMPHASIS_OPEN_RE.sub("", line, count=1)
    # (brackets mark code when they are dense: "(Постановление Правительства РФ № 491) и … (Постановление № 290)" in a line of
    # 35 words is a legal citation, written ru set BF)
    brackets = _BRACKETS_RE.findall(line)
    return not (LIST_LINE_RE.match(line) or _CODE_LINE_CHARS_RE.search(line)
                or (len(brackets) >= 4 and (len(brackets) >= len(words(line)) // 6
                                           or line.count("(") != line.count(")") or line.count("[") != line.count("]"))))


#: words a sentence does not end on (articles, prepositions, conjunctions), en/fr/es/de/it/pt/ru
FUNCTION_WORDS = frozenset(
    "the a an of to in on at by for with from into and or but that which whose is are was were be than as "
    "le la les des du un une et ou de à en pour avec dans sur par que qui "
    "el los las del y o con para por en que un una al "
    "der die das den dem des ein eine und oder mit für von zu im auf aus dass "
    "il lo gli di da e con per che "
    "os as da dos das e ou com para em que um uma "
    "и в на с по к от для или но что как из за о а "
    # Russian prepositions and conjunctions, which never end a sentence ("…для мужчин от 18 до"; written ru set A)
    "до при через без под над об у со ко во про перед между чтобы который которая которое которые если потому "
    # a subject left without its verb ("В эти дни он"; written ru set B)
    "он она они мы я вы ты "
    # pronouns and determiners that open a clause ("…, but they", "…it's"), straight and curly apostrophes
    "they it's it’s its their our my your these those they're they’re we're we’re i'm i’m you're you’re there's there’s "
    "whose whether because although if when while where "
    # a subject or an auxiliary left without its verb ("Well, I'm afraid I don't", "…that we can't")
    "i we he she don't don’t can't can’t won't won’t didn't didn’t doesn't doesn’t isn't isn’t aren't aren’t "
    "wasn't wasn’t weren't weren’t couldn't couldn’t wouldn't wouldn’t shouldn't shouldn’t "
    # an adverb waiting for its verb or adjective ("…playing Minecraft. I really": round 31; 3 more in the scan, all cut)
    "really very actually quite".split())
#: words a list item does not end on (stranded prepositions do: "- people to connect with")
_LIST_OPEN_WORDS = frozenset("the a an and or but which whose where their our my your its "
                             # Russian prepositions do not strand as English ones do ("- people to connect with")
                             "и или но а что чтобы который которая которые в на с по к от для из за о до при через без под над "
                             "об у со ко во про перед между если когда потому хотя пока "
                             # ("5. Старый загранпаспорт, если", written ru set AW)
                             "if when because although unless while".split())
#: a bullet or numbered list item with prose in it ("- Chia seed pudding and")
_BULLET_ITEM_RE = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)])\s+(?:\*\*|__)?[`\"«“(]?[^\W\d_]")  # ("2. **Церковная реформа.** …и", set AE)
_URL_END_RE = re.compile(r"(?:https?://\S+|\S+@\S+\.\w+|www\.\S+|\S+\.(?:com|org|net|io|html?))$", re.I)
#: a letter's closing line: "Sincerely, Anna", "Best regards, [Your Name], CEO", "此致 敬礼", "С уважением, Анна"
_CLOSING = (r"yours (?:sincerely|truly|faithfully)|sincerely|best regards|kind regards|warm regards|respectfully"
            r"|with (?:love|gratitude|thanks)")
_SIGN_OFF_RE = re.compile(rf"(?i)^(?:{_CLOSING}|best(?: wishes)?|regards|cheers|thank you|thanks|looking forward to"
                          r"|with (?:\w+ ){0,3}\w+(?=,)|your (?:\w+ ){0,2}(?:friend|companion|servant|assistant|colleague|partner))\b[^.!?\n]{0,80}$"
                          r"|^(?:此致|敬上|谨上|顺祝)|^(?:с уважением|искренне ваш)")
#: the prompt ends by asking whether the assistant can or will do it: "Yes, I can do that." answers it
_ASKS_CAN_YOU_RE = re.compile(r"(?i)\b(?:can|could|will|would) you\b[^?\n]{0,60}\??\s*$|\b(?:do you understand|are you (?:able|ready)|"
                              r"is that (?:ok|clear)|got it)\b[^\n]{0,20}$|(?:明白|能做到|可以)吗[？?]?\s*$")
_ACCEPT_ONLY_RE = re.compile(r"(?i)^(?:sure|ok(?:ay)?|yes|of course|certainly)\b[^.!?\n]{0,60}[.!]?$")
#: ``empty_acceptance``'s parts: an acceptance word, an offer of help, an announcement of what follows
_ACCEPT_WORD = r"(?:sure(?: thing)?|ok(?:ay)?|of course|certainly|absolutely|no problem|yes|alright|all right|great|oh|well)"
_HELP_OFFER = (r"(?:(?:oh,? )?that['’]?s easy|i can help(?: (?:you )?with that)?|i can do that|i(?:['’]d| would) be (?:happy|glad) to"
               r"(?: help)?|happy to help|i(?:['’]m| am) on it|will do)")
_ANNOUNCE = (r"(?:here you go|here it is|here they are|here(?:['’]s| is| are) (?:a |an |the |my |some |what |your )?[\w’' ]{0,60}?"
             r"|let me (?:help|see|check|look|find|try|think)[\w’' ]{0,40}|i['’]?ll (?:look|find|check|get|search|try)[\w’' ]{0,40}"
             r"|coming (?:right )?up)")
_EMPTY_ACCEPT_RE = re.compile(rf"(?i)^\W*(?:{_ACCEPT_WORD}[!.,]*\s*)?(?:{_HELP_OFFER}[!.,]*\s*)?(?:{_ANNOUNCE})?[\s!.:,]*"
                              r"(?:(?:please )?let me know if you (?:need|have) [\w ]{0,40}[.!]?)?\s*$")
_OFFER_OR_ANNOUNCE_RE = re.compile(rf"(?i){_HELP_OFFER}|{_ANNOUNCE}")
#: a question about what the assistant can do, or a greeting: "Can you help me?" is answered by "Sure, I can help!"
#: ("Can you help me find a torrent…?" asks for the torrent: the capability verb must end the question)
_CAPABILITY_ASK_RE = re.compile(r"(?i)^\W*(?:can|could|will|would|do|are|is) (?:you|it)\b[^.!?]{0,30}\b(?:help(?: me| us)?|speak(?: \w+)?"
                                r"|understand(?: \w+)?|read|hear(?: me)?|see(?: me| this)?|remember(?: me)?|there|possible|able|know(?: \w+)?)"
                                r"\s*\?\s*$|^\W*(?:hi|hello|hey|thanks?|thank you|ok|okay)\b")


def empty_acceptance(text: str, prompt: str) -> str | None:
    """``"accepts, then nothing: '…'"`` when the whole answer (≤ 18 words, no digit or code) only accepts the request, offers
    help or announces what follows ("Sure, I can help!", "Oh, that’s easy!", "Here’s a list of the addresses we found, please
    let me know if you need any assistance.", "Here are some answers:"), to a prompt of ≥ 3 words that is no question about
    what the assistant can do ("Can you help me?") nor a greeting; a bare "Yes." or "Sure." is not judged (it may answer a
    yes/no question). English only. Dump rounds 7, 24, 37 (hh-rlhf answers labelled cut); label sets: 4 cut rows, no other;
    the dump pool: 6 first answers, all empty. Else None."""
    t = text.strip()
    if not t or len(t.split()) > 18 or re.search(r"\d|```", t) or not _EMPTY_ACCEPT_RE.match(t):
        return None
    if not _OFFER_OR_ANNOUNCE_RE.search(t) or re.search(r"(?i)\bhere['’]s to\b", t):
        return None  # (a bare "Yes." answers a yes/no question; "Here's to a new journey!" is a toast)
    if len(prompt.split()) < 3 or _CAPABILITY_ASK_RE.search(prompt.strip()[:300]):
        return None
    return f"accepts, then nothing: {t[:60]!r}"


#: a sign-off closing the last paragraph: "… in this mission. Yours sincerely, Dr. Jane Goodall"
_INLINE_SIGN_OFF_RE = re.compile(rf"(?i)\b(?:{_CLOSING})\s*,\s*[^\n]{{1,60}}$")
_FIELD_RE = re.compile(r"^[^:：]{1,40}[:：]\s*\S")


#: an attribution after a quotation ("…counts." -Winston Churchill, ― Roy T. Bennett, The Light in the Heart)
_ATTRIBUTION_RE = re.compile(r"(?:^\s*|[\"”’'.!?]\s*)[-–—―~]\s*[A-Z][^\n]{0,80}$|[\"”’'.!?]\s*\(\s*[A-Z][^\n]{0,80}$")
_LATIN_WORD_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
_EN_FUNCTION_WORDS = frozenset("the a an and to of you is are was that it in for with your i my be".split())
_RU_FUNCTION_WORDS = frozenset("и в на с по к от для что как это не из за о а но он она они".split())
#: function words of the other Latin-script languages of the refusal pattern files (fr, es, de, it, pt): a French
#: translation asked of an English prompt, "…qui aura lieu le samedi 14 juin. Des boissons et de la nourriture" (set AS)
_LATIN_FUNCTION_WORDS = frozenset(
    "le la les des du un une et de à en pour avec dans sur par que qui nous vous est sont "
    "el los las del y con para por es son al "
    "der die das den dem und ist sind mit für von zu im auf ein eine nicht "
    "il lo gli di della che per non è "
    "o os as do da dos das em um uma não são".split())
_CYRILLIC_WORD_RE = re.compile(r"[А-Яа-яЁё]+")


def _open_latin_sentence(text: str, last: str) -> bool:
    """A short English or Russian turn (``short_min_chars`` .. ``min_chars``) whose last line is a sentence
    left open: its last sentence has ≥ 4 words, is not a comma list of names ("Breaking Bad, Arrow,
    NCIS": 3+ commas between segments of ≤ 4 words), not a quotation's attribution and not a
    ``label: value`` field ("Answer: Napoleon and Wellington", "My address is: 11 Holger Way"). Short
    Chinese turns are not judged: forum answers (medical Q&A, oasst zh) often end without 。."""
    letters = LETTER_RE.findall(text)
    if not letters:
        return False
    # Russian closes every sentence as English does: "…поэтому изменить данные задним числом", "…столица была
    # перенесена из Москвы в Петер" (written ru set G, 171 and 176 characters)
    russian = sum(1 for c in letters if "а" <= c.lower() <= "я" or c in "ёЁ") >= 0.9 * len(letters)
    if russian:
        word_re, function_words, min_function_words = _CYRILLIC_WORD_RE, _RU_FUNCTION_WORDS, 2
    elif sum(1 for c in letters if c.isascii()) >= 0.9 * len(letters):
        word_re, function_words, min_function_words = _LATIN_WORD_RE, _EN_FUNCTION_WORDS, 3
    else:
        return False
    text_words = {w.lower() for w in word_re.findall(text)}
    if len(function_words.intersection(text_words)) < min_function_words:
        # (English: a Spanish or Basque forum answer without a final period is not cut; another Latin-script language
        # is judged only when the turn itself closes an earlier sentence: "…dans le jardin de la mairie. Des boissons et")
        if russian or len(_LATIN_FUNCTION_WORDS.intersection(text_words)) < 4 \
                or not re.search(r"[.!?](?=\s+\S)", text.rstrip()):
            return False
    sentence = re.split(r"(?<=[.!?])\s+", last.strip())[-1]
    segments = sentence.split(",")
    if not russian and len(segments) >= 4 \
            and sum(len(_LATIN_WORD_RE.findall(seg)) <= 4 for seg in segments) >= 0.75 * len(segments):
        return False
    return len(word_re.findall(sentence)) >= 4 and not _ATTRIBUTION_RE.search(last) \
        and not _FIELD_RE.match(last.strip()) and not _FIELD_RE.match(sentence)


#: a word cut where no text ends: a contraction left open ("aware that it’", "I don'"), a year after
#: its first two digits ("as of 20", "in 19"), a range after its first bound ("between 1-")
_CUT_WORD_END_RE = re.compile(
    r"(?i)\b(?:it|i|you|we|they|he|she|that|there|what|don|can|won|isn|aren|didn|doesn|wasn|couldn|wouldn|shouldn)[’']\Z"
    r"|\b(?:as of|in|since|by|until|from|around|circa|before|after)\s+(?:19|20)\Z"
    r"|(?:来自|截至|截止|始于|自|从|于)\s*(?:19|20)\Z"
    r"|\b(?:19|20)\d\d\s+(?:to|until|till|through)\s+(?:19|20)\d?\Z"
    r"|\w\s*(?:==|!=|&&|\|\|)\Z"
    r"|\b(?:between|from) \d+\s*[-–]\Z"
    # a letter stopped before the writer's name: "Уважаемый руководитель…!\n\nМеня зовут" (written ru set Y)
    r"|\b(?:my name is|меня зовут)\Z")
_OPENING_SINGLE_QUOTE_RE = re.compile(r"(?:^|[\s(\[“\"])[‘']\w")
#: the last word of a prose line and the words before it (Latin or Cyrillic letters only)
_LAST_WORD_RE = re.compile(r"(?<![\w'’-])([A-Za-zА-Яа-яЁё]{2,})\Z")
_LEX_WORD_RE = re.compile(r"[A-Za-zА-Яа-яЁё]+")
#: a last line that reads as code or markup, not prose: an underscore, brace, square bracket, hash, angle bracket,
#: backslash, pipe, "==", "()", "//", a semicolon before the end, or an indent (a formula's "=" and "(" are prose:
#: "Тогда c² = 9 + 16 = 25, и гипоте", written set BX)
_CODE_MARK_RE = re.compile(r"[_{}\[\]#<>\\|]|==|\(\)|//|;\s*\S|^\s{2,}")
#: ``lexicon_cut`` bounds, on wordfreq's Zipf scale (log10 of uses per billion words; Speer 2022, ``wordfreq`` 3): a
#: cut word is rarer than ``_CUT_MAX_ZIPF`` [3.0] and starts a word at least ``_CUT_MIN_GAIN`` [1.0] and ``_CUT_MIN_FULL``
#: [3.5] more common; the line's other words are ordinary (≥ 3.0 for ``_CUT_KNOWN_SHARE`` [0.8] of them)
_CUT_MAX_ZIPF, _CUT_MIN_GAIN, _CUT_MIN_FULL, _CUT_KNOWN_SHARE = 3.0, 1.0, 3.5, 0.8


@lru_cache(maxsize=4)
def _wordlist(lang: str) -> tuple[list[str], dict[str, float]]:
    """The alphabetic words of ``lang`` in wordfreq's best list (sorted, for prefix search) and their Zipf frequencies
    (log10 of uses per billion words). The lists ship inside the ``wordfreq`` wheel: nothing is downloaded; loading
    takes ~0.2 s (en) to ~0.7 s (ru) once per process."""
    import math

    import wordfreq

    freq = {w: round(math.log10(f * 1e9), 2) for w, f in wordfreq.get_frequency_dict(lang).items() if f > 0 and w.isalpha()}
    return sorted(freq), freq


def _zipf(word: str, lang: str) -> float:
    """Zipf frequency of a lower-case alphabetic ``word`` in ``lang`` (0.0 when wordfreq does not list it)."""
    return _wordlist(lang)[1].get(word, 0.0)


def lexicon_cut(text: str) -> str | None:
    """``"'produ' (Zipf 1.8; starts a word of 5.1)"`` when ``text`` stops inside a word, else None: its last line is English
    or Russian prose of ≥ 3 words (no code characters, outside any open fence) whose last word, lower-case and not a name,
    is rare in the language (Zipf < ``_CUT_MAX_ZIPF`` [3.0]) while a word it starts is common (Zipf ≥ ``_CUT_MIN_FULL``
    [3.5] and ≥ ``_CUT_MIN_GAIN`` [1.0] above it): "…They are responsible for produ", "…слейте остатки раств", "…не
    гарантирует дост" (written sets C, AK, AQ, BT). The line's other words must be ordinary words of that language (≥ 0.8
    of them at Zipf ≥ 3.0), so a French or German line is not read as broken English. Frequencies: wordfreq (Speer,
    2022; the lists ship in its wheel). Ours, checked on the label sets (5 cut answers, no other row among the rows the
    other rules keep) and on the 79,938 first answers of ../shared/data (3, all cut: "…money or valu")."""
    t = text.rstrip()
    if not t[-1:].isalpha() or t.count("```") % 2:
        return None
    last = t.rsplit("\n", 1)[-1]
    m = _LAST_WORD_RE.search(last)
    if not m or len(last.split()) < 3 or _CODE_MARK_RE.search(last):
        return None
    word = m.group(1)
    if word[0].isupper() or word.isupper():
        return None  # a name or an acronym ("…by Terry Pratchett", "…Smirnov")
    lw = word.lower()
    lang = "ru" if "а" <= lw[0] <= "я" or lw[0] == "ё" else "en"
    if lang == "en" and not lw.isascii():
        return None
    others = _LEX_WORD_RE.findall(last[: m.start()])[-12:]
    if len(others) < 2 or sum(_zipf(o.lower(), lang) >= 3.0 for o in others) < _CUT_KNOWN_SHARE * len(others):
        return None
    z = _zipf(lw, lang)
    if z >= _CUT_MAX_ZIPF:
        return None
    words_, freq = _wordlist(lang)
    best = 0.0
    i = bisect.bisect_left(words_, lw)
    for w in words_[i:i + 400]:
        if not w.startswith(lw):
            break
        if w != lw:
            best = max(best, freq[w])
    if best >= max(_CUT_MIN_FULL, z + _CUT_MIN_GAIN):
        return f"{word!r} (Zipf {z:.1f}; starts a word of {best:.1f})"
    return None


#: a word cut after one or two letters ("S", "Sl"); two capitals are an abbreviation ("US", "UK")
_LATIN_FRAGMENT_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][a-zß-öø-ÿ]?")


_CJK_IDEOGRAPH_RE = re.compile(r"[\u4e00-\u9fff]")
#: a quotation's attribution at the end of a line: "…的勇气。” - 温斯顿·丘吉尔", "——奥里森·斯威特·马登"
_ATTRIBUTION_END_RE = re.compile(r"(?:\s[-–—]|——)\s*[^\s。，,.!?！？][^。，！？\n]{0,24}$")
#: a closing wish, which casual answers leave without its stop: "…，祝你早日康复", "祝您生活愉快"
_ZH_WISH_END_RE = re.compile(r"祝(?:你|您|宝宝|孩子)?[^。，！？\n]{0,10}(?:康复|健康|顺利|愉快|快乐|成功|平安)$")


def _open_cjk_sentence(text: str, last: str, min_chars: int = 40, min_last_cjk: int = 10) -> bool:
    """True when a short Chinese turn (``min_chars`` [40] to 200 characters, half or more of them CJK) stops inside
    a sentence: it ends on an ideograph, and its last line is prose of ≥ ``min_last_cjk`` [10] ideographs that
    already punctuates (a ``，。；！？`` before its end), not a list item, table row, hashtag line, quotation
    attribution, enumeration (3+ ``；``/``、``) or verse (``_open_line_style``), in a turn that closes a sentence
    somewhere (``。！？``: answers written in commas alone are casual Q&A). Written sets D, E, H, K and N cut their
    short answers so ("…就必须同时修改之后所有区块，并且获得网络中", "…一直走，走到了一棵大")."""
    if len(text) < min_chars or "```" in text:
        return False
    # an ideograph, or a Latin token written into the Chinese sentence: "…随后客户端进入 SYN_SE" (written zh set AI)
    latin_tail = re.search(r"(?:[\u4e00-\u9fff]\s?)[A-Za-z0-9_]+\Z", text)
    if not (_CJK_IDEOGRAPH_RE.match(text[-1]) or latin_tail):
        return False
    s = last.strip()
    if len(_CJK_IDEOGRAPH_RE.findall(s)) < min_last_cjk or not re.search(r"[，。；！？]", s[:-1]):
        return False
    if len(_CJK_IDEOGRAPH_RE.findall(text)) < 0.5 * len("".join(text.split())) or not re.search(r"[。！？]", text):
        return False  # (answers that close no sentence at all write in commas: casual Q&A, not a cut)
    # (an enumeration is judged in the last sentence: "…拘泥固执、不知变通的人。它告诉我们，看问题、办事情要…而改" is cut)
    # (an inline "SYN=1, seq=x" is notation in a Chinese sentence, not code: written zh set AI)
    return _prose_line(re.sub(r"\b\w+=\w+\b", "", s)) and not _LIST_ITEM_RE.match(s) and not HASHTAG_END_RE.search(s) \
        and not re.search(r"[#＃|]", s) \
        and not _ATTRIBUTION_END_RE.search(s) and not _ZH_WISH_END_RE.search(s) \
        and len(ENUM_SEP_RE.findall(re.split(r"(?<=[。！？])", s)[-1])) < 3 \
        and not _open_line_style(text)


def _enumeration_cut(last: str) -> str | None:
    """Note when ``last`` (the turn's last line, prose) ends on a comma after ≥ 3 short items (≤ 4 words
    each: "…от Солнца: Меркурий, Венера, Земля, Марс,"), or is a comma enumeration of ≥ 5 items that stops
    mid-item: its last item is a bare fragment of one letter or a capital and a small letter while
    every earlier item ends on a word of ≥ 3 letters ("Croatia, Estonia, …, Czech Republic, S").
    "vitamins A, C, D, E, K" has short items throughout and "…, Japan, US" ends on an abbreviation:
    both finished."""
    items = [seg.strip() for seg in re.split(r"[,，]", last.strip())]
    if len(items) >= 4 and items[-1] == "" and all(items[-4:-1]) and _prose_line(last) \
            and all(len(words(seg)) <= 4 for seg in items[-4:-1]) and not _SIGN_OFF_RE.match(items[0]):
        return f"enumeration stops on a comma: {last.strip()[-40:]!r}"  # "Меркурий, Венера, Земля, Марс,"
    items = [seg.strip() for seg in last.strip().split(",")]
    if len(items) < 5 or not _LATIN_FRAGMENT_RE.fullmatch(items[-1]):
        return None
    if all(len((_LATIN_WORD_RE.findall(seg) or [""])[-1]) >= 3 for seg in items[:-1]):
        return f"enumeration stops mid-item: {last.strip()[-40:]!r}"
    return None


#: a value that can close a sentence without a stop: a decimal, a name with a number, a 4+-digit number or year
_VALUE_END_RE = re.compile(r"(?:\d[.,]\d+|[A-Za-z]-?\d+|(?<![\d.,])\d{4,})\Z")


#: a currency sign with no amount after it, after a space, a colon or a word ("总费用为 $", "The total is $", round 42);
#: a "$" after a Latin letter closes TeX math
_CURRENCY_CUT_RE = re.compile(r"(?:[\s:：]|[\u4e00-\u9fff])\$\Z|(?:[\s:：]|[^\W\d_])[€£¥￥]\Z")  # "…\\blacksquare$" closes math
#: a pseudocode line that closes a block ("end while" under "while number <= 10 do", Code Alpaca, round 41)
_PSEUDO_END_RE = re.compile(r"(?i)^\s*end\s*(?:while|if|for|foreach|loop|function|procedure|algorithm|repeat|case|do|sub)?\s*$")


#: a Chinese prose line (8+ ideographs, a comma) that stops on its "；": the next clause never comes (no dump pair ends so)
_SEMICOLON_CUT_RE = re.compile(r"^(?=(?:[^\u4e00-\u9fff\n]*[\u4e00-\u9fff]){8})[^\n]*，[^\n]*；$")
#: a derivation's line that stops on its comma: "u' = 3x²,", "Δ = b² − 4ac = 49," (an "=" with a value, brackets closed)
_VALUE_COMMA_CUT_RE = re.compile(r"^[^()\[\]{}\n]{0,40}\S\s*=\s*[^=,()\[\]{}\n]{1,30},$")


#: a new paragraph of one to three words that names its subject and stops: "The firefly", "Then the old man", "Но тут"
_SUBJECT_ONLY_RE = re.compile(r"^(?:the|a|an|his|her|their|this|that|he|she|they|it|but|and|then|when|suddenly"
                              r"|он|она|они|но|и|когда|тогда|вдруг|этот|эта)\b(?! end\b)[^.!?:;,\n]*$", re.I)


#: a labelled step: "**Step 3.** …", "Шаг 2: …", "**第三步**：…" (the label, with its bold)
_STEP_LABEL_RE = re.compile(r"(?i)^\s*(?:\*\*)?(?:step|шаг|этап)\s*\d{1,2}\s*[.:)]?\s*(?:\*\*)?\s*[.:)]?\s*(?=\S)"
                            r"|^\s*(?:\*\*)?第[一二三四五六七八九十\d]{1,3}步(?:\*\*)?\s*[：:，,]?\s*(?:\*\*)?(?=\S)")


#: a derivation's verb with its result missing: "…, which gives", "so we get", "Подставляем:", "тогда получаем"
_RESULT_VERB_CUT_RE = re.compile(r"(?i)(?:\b(?:which|that|this|so|thus|then) (?:gives|yields|becomes|equals|implies|we get)"
                                 r"|\bwe (?:get|obtain|have)|\bsubstituting"
                                 r"|\b(?:подставляем|получаем|имеем|тогда получим|отсюда)"
                                 # an intention with its object missing: "Теперь осталось вычислить" (written ru set BC)
                                 r"|\b(?:осталось|остается|остаётся|нужно|надо) (?:только )?(?:вычислить|найти|подставить|посчитать|решить)"
                                 r"|\b(?:it remains to|(?:now |next,? )?we (?:need|have) to|(?:now |next,? )?(?:we|let['’]s)) (?:find|compute|calculate|solve|evaluate|substitute))[:：]?\Z")


#: a last line that is an equation still to solve: a coefficient or a term beside the unknown, a number on the right ("6w = 36",
#: "2(3w) = 36", "x + 5 = 12"); a solved one ("w = 6", "Area = 72") is an end
_UNSOLVED_EQ_RE = re.compile(r"^\s*(?:\d+(?:[.,]\d+)?\s*[*·×]?\s*\(?[a-zа-я]\)?|\d+\s*\([^()\n=]*[a-zа-я][^()\n=]*\)"
                             r"|[a-zа-я]\s*[+\-−]\s*\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s*[+\-−]\s*[a-zа-я])\s*=\s*-?\d+(?:[.,]\d+)?\s*$")
#: the prompt asks for a result: "find", "solve", "calculate", "найди", "вычисли", "求", "计算"
_SOLVE_ASK_RE = re.compile(r"(?i)\b(?:find|solve|calculate|compute|determine|work out|what is|how (?:much|many|long|wide|far|old))\b"
                           r"|найди|найти|реши|вычисли|посчитай|сколько|求|解|计算|多少")
#: ... unless it asks for the equation itself: "write an equation", "составь уравнение", "列方程"
_EQUATION_ASK_RE = re.compile(r"(?i)\b(?:write|set up|form|create)\b[^.?!\n]{0,20}\bequations?\b|состав\w* уравнени|列(?:出)?方程")


def no_terminal_punct(text: str, min_words: int = 8, min_chars: int = 200, short_min_chars: int = 100,
                      prompt: str = "") -> str | None:
    """Note when the last line is unfinished prose (see module doc), else None. ``prompt`` (the user turn
    answered, default "") spares a CJK comma ending that the prompt's own text ends on.

    Judged only in turns of ≥ ``min_chars`` characters whose last line is prose (no list, heading,
    table or code marker, no hashtag, not an enumeration with 3+ ``；``/``、``) of ≥ ``min_words``
    words, in a turn that is not code (``code_density`` ≤ 0.03). Ends that count as unfinished: a
    letter (any script), a digit, a comma or an opening bracket/quote; but not a value that closes a
    sentence (``_VALUE_END_RE``: "…such as 0.5", "…second wave of COVID-19", "…in 2020": 2 good, 0
    truncated in rounds 1-29), while a cut year ("…in December 20", "…在202") still counts. Spared
    when the text's own style leaves lines open: at least half of the (≥ 2) earlier prose lines of ≥ 3 words also end
    without punctuation (poems, lyrics, slogans); also spared: a last line that is a link or
    e-mail, a sign-off under a line ending in a comma, a ``label: value`` field ("答案： 星期三").
    These endings fire at any length (from 20 characters): a last word that no sentence ends on
    (``FUNCTION_WORDS``: "the", "of", "and", "и", "до", "он", "de"...), an unclosed ``(`` in a prose line,
    a comma enumeration cut mid-item or on its comma (``_enumeration_cut``: "…, Czech Republic, S",
    "Меркурий, Венера, Земля, Марс,"), a spaced em/en dash after a word ("- **Процентная ставка** —"),
    an "=" after a value outside fenced code ("D = 25 − 24 ="), and a word
    cut where no text ends (``_CUT_WORD_END_RE``: "…aware that it’", "…as of 20", "…if a ==").
    English (Latin-script) and Russian turns from ``short_min_chars`` [100] characters are judged too when their
    last sentence is left open (``_open_latin_sentence``): "…Are you saying you want them", cut by a
    generation limit, is 188 characters (round-9 blind miss); "…из Москвы в Петер", 176 (written ru set G).
    Also at any length: a spaced operator after a value on a line with "=" ("= 30 +"), and a connective
    after a comma as the last word ("2x = 12, значит", "…, so"; ``_CONNECTIVE_CUT_RE``), and a Chinese derivation
    step without its result, formulas on the line or not ("设 p = 2k，代入得", ``_ZH_DERIVATION_TAIL_RE``; set AO).
    A closed code block above a short last line counts as a finished line ("```\n\nNext, to delete the old backups,").
    """
    t = text.rstrip()
    cut = _CUT_WORD_END_RE.search(t[-40:])
    if cut and len(t) >= 20 and not _OPENING_SINGLE_QUOTE_RE.search(re.split(r"(?<=[.!?。！？])\s", t[-300:])[-1]):
        return f"ends mid-word: {t[-30:]!r}"  # (a quote opened in the last sentence may close on "it’")
    lex = lexicon_cut(t) if len(t) >= 20 else None
    if lex:
        return f"ends mid-word: {lex}: {t[-30:]!r}"  # "…They are responsible for produ" (written en set BT)
    ch = t[-1:] or " "
    if _CURRENCY_CUT_RE.search(t[-12:]) and len(t) >= 20 and (ch != "$" or t.count("$") % 2 == 1):
        return f"ends on a currency sign: {t[-30:]!r}"  # "太好了。总费用为 $" (round 42); "$x$" closes math
    if ch == "=" and len(t) >= 20 and _EQUALS_CUT_RE.search(t[-40:]) and "```" not in t:
        return f"ends on '=': {t[-30:]!r}"  # "D = b² − 4ac = 25 − 24 =" (written ru set B)
    if ch in "+-−×÷*/·" and len(t) >= 20 and _OPERATOR_CUT_RE.search(t[-60:]) and "```" not in t:
        return f"ends on an operator: {t[-30:]!r}"  # "= 30 +" (written zh set H)
    if ch in "<>≤≥" and len(t) >= 20 and _COMPARISON_CUT_RE.search(t.rsplit("\n", 1)[-1][-120:]) and "```" not in t:
        return f"ends on an operator: {t[-30:]!r}"
    if len(t) >= 20 and _RESULT_VERB_CUT_RE.search(t[-40:]):
        return f"ends before its result: {t[-30:]!r}"  # "…so 4k² = 2b², which gives" (written en set AY)
    if ch.isdigit() and len(t) >= 20 and "```" not in t and _UNSOLVED_EQ_RE.match(t.rsplit("\n", 1)[-1]) \
            and _SOLVE_ASK_RE.search(prompt[:400]) and not _EQUATION_ASK_RE.search(prompt[:400]):
        return f"ends on an unsolved equation: {t[-30:]!r}"  # "…2(3w) = 36\n6w = 36" for "find the area" (written en set BB)
    if len(t) >= 20 and _CONNECTIVE_CUT_RE.search(t[-20:]):
        return f"ends on a connective: {t[-30:]!r}"  # "2x = 12, значит" (written ru set G)
    if len(t) >= 20 and _WITH_SUPERLATIVE_CUT_RE.search(t[-40:]):
        return f"ends on a superlative without its noun: {t[-30:]!r}"  # "…cut quit rates by a third, with the largest" (set BH)
    if len(t) >= 20 and _COMMA_CONJUNCTION_CUT_RE.search(t[-12:]):
        return f"ends on a conjunction: {t[-30:]!r}"  # "…sending ACK = x + 1, and" inside a list item (written en set AA)
    if ch == "," and len(t) >= 20 and "```" not in t and _VALUE_COMMA_CUT_RE.search(t.rsplit("\n", 1)[-1]):
        return f"ends on a comma after a value: {t[-30:]!r}"  # "u' = 3x²," (written ru set M)
    if ch == "；" and "。" in t and _SEMICOLON_CUT_RE.search(t.rsplit("\n", 1)[-1]):
        return f"ends on a semicolon: {t[-30:]!r}"  # "当 x < −1 时，f'(x) > 0，函数单调递增；" (written zh set N)
    if ch in _FINISHED or not (ch.isalnum() or ch in _OPEN_END):
        return None
    if ch in "—–" and len(t) >= 20 and t[-2:-1].isspace() and _DASH_CUT_RE.search(t[-60:]):
        return f"ends on a dash: {t[-30:]!r}"  # "- **Процентная ставка** —" (written ru set A)
    lines = [ln for ln in t.split("\n") if ln.strip()]
    last = lines[-1]
    # a sign-off line ("真挚地，") is spared, and so is a comma the prompt's own text ends on (completing "…舞蹈，",
    # customising "尊敬的顾客，"): then it is the input's, not a cut
    # (a short last line under one that ends on the same comma is a cut couplet: "一夜轻风送雨来，\n千家烟柳次第开，")
    couplet = len(lines) >= 2 and lines[-2].rstrip().endswith(ch) and len(lines[-2].strip()) >= 5  # (not "此致，\n敬礼，")
    # (a short last line is a cut too when it is a connective that opens a sentence: "另一方面，" after "一方面，…；",
    # written zh set BP)
    cjk_comma = ch in "，、" or (ch == "," and CJK_RE.match(t[-2:-1]))  # (an ASCII comma after a Chinese character: set BY)
    if cjk_comma and len(t) >= 6 and not (len(lines) >= 2 and len(last.strip()) <= 8 and not couplet
                                          and not _ZH_CONNECTIVE_LINE_RE.match(last.strip())) \
            and prompt.rstrip()[-1:] != ch:
        return f"ends on a comma: {t[-30:]!r}"  # "此外，", "这周五的组会我因为需要去医院复查，"
    if _ZH_OPEN_TAIL_RE.search(t[-12:]) and len(t) >= 10 and (_prose_line(last) or (
            _LIST_ITEM_RE.match(last) and len(CJK_RE.findall(last)) >= 15)):  # (a long clause item: "2. …,甲方应于", set BY)
        return f"ends on a conjunction: {t[-30:]!r}"  # "…可以找语伴或者", "…加入填料、生菜和"
    if last.strip() in ("此", "敬", "顺", "顺祝") and len(lines) >= 3:
        return f"ends mid sign-off: {t[-30:]!r}"  # "…感谢您在百忙之中阅读我的求职信。\n\n此" (written zh set AX)
    # an enumeration announced by a colon and cut after its "、": "常见的 JOIN 类型有：INNER JOIN、LEFT" (written zh set BG); a
    # Chinese enumeration closes on 等 or 。 (not a list item: "6. 身份证、学历学位证书及复印件" is whole)
    enum = _CJK_ENUM_CUT_RE.search(last) if ch.isalnum() and CJK_RE.search(last) and not _LIST_ITEM_RE.match(last) else None
    if enum and _latin_term_cut(enum.group(0)):
        return f"ends inside an enumeration: {t[-30:]!r}"
    if _ZH_DERIVATION_TAIL_RE.search(t[-12:]) and len(t) >= 10 and "```" not in t:
        return f"ends on a derivation step: {t[-30:]!r}"  # "…设 p = 2k，代入得", "第二步：将方程分解为"
    if _URL_END_RE.search(last) or (len(lines) >= 2 and lines[-2].rstrip().endswith(",") and len(words(last)) <= 6
                                     and not _SALUTATION_RE.match(lines[-2].strip())):
        return None  # a link or e-mail, or a sign-off ("Best regards,\nAnna")
    if len(lines) >= 3 and lines[-3].rstrip().endswith(",") and len(words(lines[-3])) <= 4 and len(words(last)) <= 8 \
            and not _SALUTATION_RE.match(lines[-3].strip()):  # ("Dear Hiring Manager,\n\n…\n\nIn my current role, I regularly handle": set BB)
        return None  # a signature block: "In trust,\nSir I.M. Boss\nPrime Minister to His Majesty", "С уважением,\nЕлена\nменеджер…"
    # (not under sibling lines of the same bold label that close their sentences: "**第三次握手（ACK）**：客户端收到" under
    # "**第二次握手（SYN+ACK）**：…进入 SYN_RCVD 状态。", written zh set BG)
    if _short_field(last) and not (_BOLD_LABEL_RE.match(last)
                                   and sum(1 for ln in lines[:-1] if _BOLD_LABEL_RE.match(ln) and ln.rstrip()[-1:] in _SENT_END) >= 2):
        return None  # "Answer: 42", "Preposition: on" fields (not a paragraph under a bold label)
    if ch.isdigit() and not any(c.isalpha() for c in " ".join(last.split()[-3:])):
        return None  # a run of numbers ("1100 0110 1011 1001"): data, not a sentence
    last_sentence = _last_sentence(last)
    if _SIGN_OFF_RE.match(last_sentence) or _INLINE_SIGN_OFF_RE.search(last):
        return None  # "…again. Yours sincerely, [Your Name], CEO"
    if _PSEUDO_END_RE.match(last):
        return None  # pseudocode closing its block ("end while", "END IF")
    tail = last.split()[-1].lower() if last.split() else ""
    if len(t) >= 20 and tail in FUNCTION_WORDS and last.split()[-1] not in "ABCDE" \
            and (_prose_line(last) or (_BULLET_ITEM_RE.match(last) and tail in _LIST_OPEN_WORDS)
                 # a formula earlier in the line: "…so a² = 2b². This means a² is even, and therefore a must also be"
                 or (len(words(last_sentence)) >= 4 and _prose_line(last_sentence) and not LIST_LINE_RE.match(last))) \
            and (len(words(last)) >= 2 or last.strip()[:1].isupper()):
        return f"ends on {tail!r}: {t[-30:]!r}"
    dens = _prose_code_density(t)
    if _prose_line(last) and last.count("(") > last.count(")") and len(words(last)) >= 3 and dens <= 0.03:
        return f"ends inside an open bracket: {t[-30:]!r}"
    if _prose_line(last) and last.count("“") > last.count("”") and ch != "“" and dens <= 0.03 \
            and not _open_line_style(t):
        return f"ends inside an open quotation: {t[-30:]!r}"
    cut_item = _enumeration_cut(last)
    if cut_item:
        return cut_item
    # a labelled step cut short under steps that close their sentences: "**Шаг 3.** Откройте раздел" under "**Шаг 2.** …
    # настройке)." (written ru set AT)
    steps = [ln for ln in lines[:-1] if _STEP_LABEL_RE.match(ln)]
    if _STEP_LABEL_RE.match(last) and len(steps) >= 2 and all(ln.rstrip()[-1:] in _SENT_END for ln in steps) and ch.isalpha() \
            and len(words(_STEP_LABEL_RE.sub("", last))) >= 1:
        return f"the last step stops: {t[-30:]!r}"
    earlier = [ln.rstrip()[-1:] for ln in lines[:-1] if len(words(ln)) >= 3]
    closed = sum(e in _SENT_END for e in earlier)
    if closed >= 4 and closed + sum(e in ":：" for e in earlier[:1]) == len(earlier) and _prose_line(last) \
            and len(words(last)) >= 3 and ch.isalpha() and dens <= 0.03:
        return f"every earlier line ends a sentence, the last stops: {t[-30:]!r}"
    if _VALUE_END_RE.search(t[-20:]):
        return None  # a value closes the sentence ("…such as 0.5", "…wave of COVID-19"); "…in December 20" is still judged
    if len(t) >= 300 and len(lines) >= 2 and 1 <= len(words(last)) <= 3 and _SUBJECT_ONLY_RE.match(last.strip()) \
            and lines[-2].rstrip()[-1:] in _SENT_END | set("\"”»") and _prose_line(last):
        return f"ends after its subject: {t[-30:]!r}"  # "…\"Because the dark is scary,\" said Pip.\n\nThe firefly" (set AA)
    if len(t) >= min_chars and last_sentence.strip() != last.strip() and 2 <= len(words(last_sentence)) <= 3 \
            and _SUBJECT_ONLY_RE.match(last_sentence.strip()) and ch.isalpha():
        # the same after a full stop on the last line: "**2. Находим корни** по формуле x = (−b ± √D) / 2a. Тогда корни"
        # (written ru set AH); two words at least: "5. A" is an answer key
        return f"ends after its subject: {t[-30:]!r}"
    if len(lines) >= 2 and _SALUTATION_RE.match(lines[-2].strip()) and _prose_line(last) \
            and (len(words(last)) <= 2 or (ch.isalpha() and not CJK_RE.match(ch))):  # ("Dear Sir or Madam,\n\nI am writing to
        # formally", set AV; a Chinese letter of one sentence without its 。 is machine-translated Alpaca's way: dump pool)
        return f"ends after its salutation: {t[-30:]!r}"  # "Уважаемый Иван Петрович!\n\nПрошу" (written ru set AH)
    # a closed paragraph whose last sentence is a lone connective: "…Write a = 2k. Then", "…D > 0. Тогда" (written en set BN)
    if len(t) >= 20 and _LONE_CONNECTIVE_RE.search(last) and last_sentence.strip() != last.strip():
        return f"ends on a connective: {t[-30:]!r}"
    # a Chinese paragraph whose earlier sentences close with 。 and whose last one stops on a character, under lines that all
    # end a sentence: "…列入《世界遗产名录》。著名的景点有八达岭、慕田峪、司马台、山海关和嘉峪" (written zh set BP)
    if CJK_RE.match(ch) and "。" in last.rstrip()[:-1] and "：" not in last_sentence and ":" not in last_sentence \
            and len(lines) >= 3 and all(ln.rstrip()[-1:] in _SENT_END for ln in lines[:-1] if len(ln.strip()) >= 10) \
            and sum(len(ln.strip()) >= 10 for ln in lines[:-1]) >= 2 and not _LIST_ITEM_RE.match(last) and dens <= 0.03:
        return f"ends mid-sentence: {t[-30:]!r}"
    if len(t) < min_chars and _open_cjk_sentence(t, last):
        return f"ends mid-sentence: {t[-30:]!r}"  # "…走到了一棵大", "…并且获得网络中" (written zh sets D, E, H, K, N)
    if len(t) < min_chars and not (len(t) >= short_min_chars and _open_latin_sentence(t, last)):
        return None
    # (an enumeration is read in the last sentence of a line that closes earlier ones, in a turn of 3+ lines: "…法院通常会考虑
    # 以下因素：经营活动的性质、…地位作用、所获收益是否用于家庭等。例如，…且收益也未用于家" is cut, written zh set AU; a one-paragraph
    # medical forum answer is read whole, as Chinese forum answers often end without 。)
    if not _prose_line(last) or HASHTAG_END_RE.search(last) or len(ENUM_SEP_RE.findall(re.split(r"(?<=[。！？])", last_sentence.rstrip("。！？"))[-1] if len(lines) >= 3 else last)) >= 3 \
            or _comma_list(last):
        return None
    # (a last line of 4-7 words is judged as short turns judge theirs: "…\n\nВ 1156 году по приказу Юрия Долгорукого",
    # "**Meiosis**, on the other hand,"; written sets X and Y; not a value, "So the answer is 2", nor what a colon
    # introduces, "Example:\n\nfrom math import sqrt", nor an attribution under "--")
    # (a closed code block above counts as a finished line: "```\n\nNext, to delete the old backups," set AM)
    if len(words(last)) < min_words and (ch.isdigit() or len(lines) < 2
                                         or (lines[-2].rstrip()[-1:] not in _SENT_END and lines[-2].strip() != "```")
                                         or not _open_latin_sentence(t, last)):
        return None  # (and only under a line that ends a sentence: a résumé's "St. John’s High School, Toronto" is a field)
    if dens > 0.03:
        return None
    if _open_line_style(t):
        return None
    return f"ends {t[-30:]!r}"


def _without_closed_fences(text: str) -> str:
    """``text`` without its fenced code blocks when every fence is closed, else ``text`` unchanged
    (a cut block is ``code_cut``'s case)."""
    if "```" in text and len(_FENCE_LINE_RE.findall(text)) % 2 == 0 and text.count("```") % 2 == 0:
        return strip_code(text)
    return text


def _prose_code_density(text: str) -> float:
    """``code_density`` of ``text`` without its closed fenced blocks: a closing remark under a code
    block ("…This is just a sample code to get you started. You can modify this code", round 37) is
    prose and is judged as prose."""
    return code_density(_without_closed_fences(text))


def _comma_list(line: str) -> bool:
    """True when ``line`` is one comma enumeration, which ends without a full stop by convention:
    ≥ 5 items, no sentence break inside, items of ≤ 6 words and half of them ≤ 3 ("melody, rhythm,
    counterpoint, …, electronic sound production": a list of subtopics, round 24)."""
    if re.search(r"[.!?。！？;；:：]\s", line):
        return False
    items = [len(words(seg)) for seg in re.split(r"[,，]", line)]
    return len(items) >= 5 and max(items) <= 6 and sorted(items)[len(items) // 2] <= 3


def _short_field(line: str) -> bool:
    """True for a ``label: value`` line whose value has ≤ 6 words ("Answer: 42", "Section 2: Features
    of the Heroes"): a field or an outline heading, which ends without punctuation by convention."""
    if not _FIELD_RE.match(line.strip()):
        return False
    value = re.split(r"[:：]", line, maxsplit=1)[1]
    # (a quotation after the colon is dialogue, not a field: "老周手里的烟差点掉下来：“你到底", written zh set BA)
    return len(words(value)) <= 6 and not re.match(r"\s*[“「『\"«]", value)


def _unquote_end(line: str) -> str:
    """``line`` without trailing closing quotes when a sentence stop stands before them ('…at all."' → '…at all.'), else
    ``line`` right-stripped: a quotation that closes its own sentence closes the line."""
    ln = line.rstrip()
    bare = ln.rstrip("\"”»’'」』")
    return bare if bare and bare != ln and bare[-1] in _SENT_END else ln


def _open_line_style(text: str) -> bool:
    """True when at least half of the (≥ 2) prose lines of ≥ 3 words before the last one end without
    punctuation: the text's own style leaves lines open (poems, lyrics, slogans). Headings and
    ``label: value`` fields (``_short_field``) do not count: a website outline whose last profile stops
    at "…his loyalty to his" was spared by its "Section 3: Details about the Heroes" lines (round 19);
    nor do the lines of closed fenced code blocks (round 37: ``import``s end without punctuation). Nor is it the style
    when the two prose lines right before the last both close a sentence: a letter's address block ("Директору ООО
    «ТехноМир»", "Dear Valued Customer,") leaves lines open, its body does not, and a salutation line ("Dear Valued Customer,") never counts (written sets AE, AF).
    It is also the style when ≥ 5 list items with a comma inside leave their ends open (80 % of them)."""
    lines = [ln for ln in _without_closed_fences(text).rstrip().split("\n") if ln.strip()]
    # (a short first line is a title, not a line of verse: "我的爷爷" over an essay, written zh set BA)
    body = lines[1:] if len(lines) >= 3 and len(lines[0].strip()) <= 20 else lines
    # (a closing quote after the sentence's own stop closes the line: '…he whispered. "And I can't see anything at all."',
    # written en set BH)
    earlier = [_unquote_end(ln) for ln in body[:-1] if _prose_line(ln) and len(words(ln)) >= 3
               and not _short_field(ln) and not _SALUTATION_RE.match(ln.strip())][-8:]
    if len(earlier) >= 3 and all(ln[-1] in _SENT_END for ln in earlier[-2:]):
        return False
    if len(earlier) >= 2 and sum(ln[-1].isalnum() or ln[-1] in _OPEN_END for ln in earlier) >= 0.5 * len(earlier):
        return True
    # list items that run on through their commas and never close: "- **钟水饺**：甜口红油，皮薄馅嫩，和北方水饺完全不同" ×10,
    # then "建议去玉林路…一带，苍蝇馆子多，价格也实在" (written zh set AI); ≥ 5 such items, each with a clause break inside
    items = [ln.rstrip() for ln in lines[:-1] if _LIST_ITEM_RE.match(ln) and re.search(r"[，,；;]", ln)]
    return len(items) >= 5 and sum(ln[-1].isalnum() for ln in items) >= 0.8 * len(items)


# ---------------------------------------------------------------- length_limit


def estimate_tokens(text: str) -> int:
    """Rough token count: CJK characters count 1, other words 1.3 (see module doc)."""
    cjk = len(CJK_RE.findall(text))
    return round(cjk + 1.3 * (len(words(text)) - cjk))


#: the prompt asks for a text of N words (or Chinese characters): "write a 500 word essay", "以《我的母亲》为题写一篇800字的
#: 作文", "写一个童话故事，500字左右", "напиши сочинение на 300 слов"
_LENGTH_ASK_RES = (
    re.compile(r"(?i)\b(?:write|compose|generate|create|draft|produce|give me)\b(?: me)?(?: (?:a|an))?\s*(\d{3,5})[- ]?words?\b"),
    re.compile(r"(?i)\b(?:write|compose|generate|create|draft|produce)\b[^.?!\n]{0,60}\b(?:of|in|with|around|approximately|about|at least)"
               r"\s+(\d{3,5})[- ]?words?\b"),
    re.compile(r"(?:写|生成|创作|撰写|编写)(?:一篇|一份|一段|一个|一封|篇|个)?[^，。？！\n]{0,15}?(\d{3,5})\s*字"),
    # the count in a clause of its own at the end: "帮我写一篇…发言稿，我是…，回顾…，大概800字" (written zh set AF)
    re.compile(r"(?:写|生成|创作|撰写|编写)[^。？！\n]{0,80}[，,]\s*(?:大概|大约|约|差不多|至少|不少于)?\s*(\d{3,5})\s*字(?:左右)?\s*[。！]?\s*$"),
    re.compile(r"(?i)(?:напиши|составь|сочини|подготовь)[^.?!\n]{0,60}?(?:на|в|из|объёмом|объемом)?\s*(\d{3,5})\s*слов"),
    # the text named without a verb, as users type it: "сочинение на тему '…' 300 слов", "essay on X, 500 words",
    # "a 300-word story", "作文 800字" (written ru set AN)
    re.compile(r"(?i)(?:сочинени|эссе|рассказ|стать[юяи]|доклад|реферат)[^?!\n]{0,80}?(\d{3,5})\s*слов"),
    re.compile(r"(?i)\b(?:essay|story|article|blog post|speech|report)\b[^?!\n]{0,60}?\b(\d{3,5})[- ]?words?\b"),
    re.compile(r"(?i)\b(\d{3,5})[- ]words?\s+(?:essay|story|article|blog post|speech|report)\b"),
    re.compile(r"(?:作文|文章|故事|演讲稿|发言稿|读后感|周记|日记)[^。？！\n]{0,30}?(\d{3,5})\s*字"),
)
#: a length asked in pages: "рассказ про кота, страницы на 2" (written ru set AN), "a 3 page story", "写两页" is not read;
#: a page counts ``_WORDS_PER_PAGE`` words
_PAGE_ASK_RES = (
    re.compile(r"(?i)(?:напиши|сочини|составь|рассказ|сочинени|эссе|истори)[^?!\n]{0,80}?(?:страниц[уаы]? на\s*([1-9])"
               r"|(?:на|в)\s*([1-9])\s*страниц)"),
    re.compile(r"(?i)\b(?:write|compose|essay|story|article)\b[^?!\n]{0,60}?\b([1-9])[- ]pages?\b"),
)
_WORDS_PER_PAGE = 250
#: the count is a limit or belongs to a text the prompt gives or plans: "in under 500 words", "a plan to write a
#: 1500-word essay", "从这篇 1000 字的文章中删除…", "不超过800字"
_LENGTH_NOT_ASK_RE = re.compile(r"(?i)\b(?:less than|fewer than|under|within|no more than|at most|up to|max(?:imum)?|plan to|how to"
                                r"|tips|steps to|outline|title|topics|ideas)\b|不超过|以内|以下|少于|最多|这篇|не более|не больше|до \d")
#: the count names a text the prompt gives: "Delete the paragraph from this 1000-word article" (alpaca)
_GIVEN_TEXT_RE = re.compile(r"(?i)\b(?:this|that|the|these|from|given|following|этот|этой|данн\w*)\s*$")


#: the prompt asks to translate a text it gives (en, ru, zh, fr, es, de)
_TRANSLATE_ASK_RE = re.compile(r"(?i)\btranslat|перевед|переведи|перевести|翻译|翻譯|译成|譯成|\btradu[cis]|übersetz")
#: a quoted span of the prompt: "…", “…”, «…», 「…」
_QUOTED_SPAN_RE = re.compile(r"[\"“«「『]([^\"”»」』]{20,})[\"”»」』]")
_SENT_STOP_RE = re.compile(r"[。！？]|[.!?…](?=[\s\"”»」』)]|$)")  # (a Chinese stop needs no space after it)


#: the prompt asks for part of a translation, or a summary in another language: a short answer is the ask
_PART_ASK_RE = re.compile(r"(?i)\b(?:first|title|headline|summar\w*|gist|main idea|key)\b|перв\w+ (?:предложени|строк|абзац)|заголов|кратк|суть"
                          r"|第一句|标题|概括|总结|大意|摘要")


def _translation_source(prompt: str) -> str:
    """The text a translation prompt gives: its longest quoted span of ≥ 20 characters, else what follows the
    first colon or line break after the ask ("" when the prompt gives none)."""
    m = _TRANSLATE_ASK_RE.search(prompt[:300])
    if not m:
        return ""
    quoted = max((q.group(1) for q in _QUOTED_SPAN_RE.finditer(prompt)), key=len, default="")
    if quoted:
        return quoted.strip()
    rest = re.split(r"[:：\n]", prompt[m.end():], maxsplit=1)
    return rest[1].strip() if len(rest) == 2 else ""


def translation_cut(text: str, prompt: str, max_share: float = 0.65, min_source: int = 40) -> str | None:
    """``"translation stops at …"`` when the prompt asks to translate a text it gives (≥ ``min_source`` [40]
    characters, ending on a sentence stop) and the answer ends open (on a letter or a comma), holds fewer sentence
    stops than the source and is shorter than ``max_share`` [0.65; 0.6 until a German letter cut at 0.62 of its length,
    written set AY] of the source's length, else None. Lengths
    compare in characters, a CJK character counting 3 (a Chinese translation of an English sentence holds about a
    third of its characters). "The cat was sleeping on the sofa when suddenly the door" for a 105-character French
    sentence, "由于CEO的出差安排，会议已推迟到下周一。所有部门负责人" for three English sentences (written sets X, Y, Z).
    Threshold ours: translations run 0.8-1.3 of their source in these units. A translation that ends closed is cut
    when it holds at most a third of the source's (≥ 3) sentences and under 0.45 of its length,
    unless the prompt asks for the first sentence, the title or a summary (``_PART_ASK_RE``): "Yesterday evening we took
    a long walk along the embankment." for three Russian sentences (written sets O, U, AC)."""
    t = text.rstrip()
    if not t or "```" in t:
        return None
    source = _translation_source(prompt)
    if len(source) < min_source or not _SENT_STOP_RE.search(source[-3:]):
        return None

    def size(s: str) -> int:
        return len(s) + 2 * len(CJK_RE.findall(s))

    n_t, n_source = len(_SENT_STOP_RE.findall(t)), len(_SENT_STOP_RE.findall(source))
    if not (t[-1].isalnum() or t[-1] in ",，、"):
        # a closed translation of the first sentence only: at most a third of the source's (≥ 3) sentences and under
        # half its length ("Yesterday evening we took a long walk along the embankment." for three; written en set U)
        # (or at most half of ≥ 4 sentences and under 0.75 of its length: "Dear colleagues! We would like to remind you…"
        # for four Russian sentences, two of four Chinese ones in English; written sets BX, BY)
        if n_source >= 3 and (3 * max(n_t, 1) <= n_source and size(t) < 0.45 * size(source)
                              or n_source >= 4 and 2 * max(n_t, 1) <= n_source and size(t) < 0.75 * size(source)) \
                and not _PART_ASK_RE.search(prompt[:300]):
            return f"translation stops after {n_t or 1} of {n_source} sentences: {t[-30:]!r}"
        return None
    if n_t >= n_source:
        return None
    if size(t) < max_share * size(source):
        return f"translation stops at {size(t)} of {size(source)} characters: {t[-30:]!r}"
    if CJK_RE.match(t[-1]) and not CJK_RE.search(source[-3:]):
        # a Chinese translation of closed sentences whose last clause is a stub, fewer ideographs than its source clause
        # has words (a whole one has ~1.5-2 per word): "…的产品，这最终增" for "…, which strengthened the company's
        # reputation." (written zh set AF); a last sentence that only drops its 。 ("…所有部门负责人须在周五前提交季度报告"
        # for "All department heads are required to submit…by Friday.", written zh set Z) is a whole clause
        t_last = re.split(r"[，,；;：:。！？]", t)[-1]
        s_last = re.split(r"[,;:.!?]\s", source.rstrip().rstrip(".!?\"'”’)"))[-1]
        if len(CJK_RE.findall(t_last)) < len(words(s_last)):
            return f"translation stops mid-sentence: {t[-30:]!r}"
    return None


#: a poem of a fixed number of lines asked by name, and that number: a limerick 5, a sonnet 14, a regulated verse (律诗) 8,
#: a quatrain (绝句) 4 (a haiku's 3 lines are often written on one line: not judged)
_FIXED_FORMS = (("limerick", re.compile(r"(?i)\blimericks?\b|лимерик"), 5), ("sonnet", re.compile(r"(?i)\bsonnets?\b|сонет"), 14),
                ("律诗", re.compile(r"律诗"), 8), ("绝句", re.compile(r"绝句"), 4))
#: a title line above a poem: "《春雨》", "**Autumn**", "Title: …", "# Ode"
_POEM_TITLE_RE = re.compile(r"^\s*(?:《[^》]{1,20}》|\*\*[^*]{1,40}\*\*|#{1,6} .{1,40}|(?i:title|название|标题)\s*[:：].{0,40})\s*$")


def _fixed_form_short(text: str, prompt: str) -> str | None:
    """``"a limerick asked: 5 lines, 2 given"`` when the prompt's first line asks for one poem of a fixed form (``_FIXED_FORMS``)
    and the answer is verse of 2+ lines but at most half the form's lines (titles not counted): a limerick that stops after
    two lines, a 七言律诗 of four (written sets BN, BP), else None. Half, not all: a good limerick may join its short third
    and fourth lines."""
    first = prompt.strip().split("\n", 1)[0][:200]
    form = next(((name, n) for name, rx, n in _FIXED_FORMS if rx.search(first)), None)
    if form is None or re.search(r"(?i)\b(?:two|three|four|five|\d+)\s+\w*\s*(?:limericks|sonnets)\b|几首|两首|三首|\d+\s*首", first):
        return None
    lines = [ln for ln in text.strip().split("\n") if ln.strip() and not _POEM_TITLE_RE.match(ln)]
    if len(lines) < 2 or any(len(words(ln)) > 16 for ln in lines) or "```" in text:
        return None
    # (a Chinese poem is often written a couplet to a line: "一夜东风过小楼，轻烟细雨润田畴。" holds two of its lines; written zh set BA)
    verses = max(len(lines), len([x for x in re.split(r"[，。！？；,]", "".join(lines)) if x.strip()])) if CJK_RE.search(text) else len(lines)
    name, n = form
    return f"a {name} asked: {n} lines, {verses} given" if verses <= n / 2 else None


def short_of_ask(text: str, prompt: str, max_share: float = 0.2, min_ask: int = 200) -> str | None:
    """``"asked for N words, K given"`` when the prompt asks for a text of N ≥ ``min_ask`` [200] words (Chinese:
    characters; ``_LENGTH_ASK_RES``) and the answer holds less than ``max_share`` [0.2] of that: an essay that stops
    after its opening paragraph ("以…为题写一篇800字的作文" answered with 64 characters; written sets F, H, K), else None.
    The text may be named without a verb ("сочинение на тему '…' 300 слов", "a 300-word story") and the length given in
    pages, ``_WORDS_PER_PAGE`` [250] words each ("рассказ про кота…, страницы на 2": 72 words given; written ru set AN).
    Not when the count is a limit, belongs to a text the prompt gives ("from this 1000-word article": ``_GIVEN_TEXT_RE``),
    or sits in a plan, a title task or a list of topics (``_LENGTH_NOT_ASK_RE``). Threshold ours: on the label sets of rounds 1-48 and the written sets no good
    row falls under it; dump answers at 0.25 of the asked length ("生成一篇…500字文章" → 125 characters) stay."""
    cut = translation_cut(text, prompt) or _fixed_form_short(text, prompt)
    if cut:
        return cut
    head = prompt[:600]
    for pat in _LENGTH_ASK_RES + _PAGE_ASK_RES:
        m = pat.search(head)
        if m:
            break
    else:
        return None
    if _LENGTH_NOT_ASK_RE.search(head[max(0, m.start() - 40):m.end() + 20]) or _GIVEN_TEXT_RE.search(head[:m.start(1)]):
        return None
    n = int(next(g for g in m.groups() if g))
    if pat in _PAGE_ASK_RES:
        n *= _WORDS_PER_PAGE
    if n < min_ask:
        return None
    chars = "字" in m.group(0)
    got = len(CJK_RE.findall(text)) if chars else len(words(strip_code(text)))
    return f"asked for {n} {'characters' if chars else 'words'}, {got} given" if got < max_share * n else None


def length_limit(text: str, token_count: int | None = None, limits: tuple[int, ...] = DEFAULT_LIMITS,
                 tolerance: float = 0.02) -> str | None:
    """Note when the turn's token count sits at a round generation limit and the turn ends open
    (on a letter or comma, in a prose line: mid-word or mid-sentence), else None. Also when the
    turn is *exactly* ``CHAR_LIMITS`` characters long (1,000, 2,000, 4,096…: a character cap of an
    export or a UI) and ends the same way. Endings on a digit, closer, quote or math, and last
    lines that are list items, outline entries or ``label: value`` fields are not judged: on all
    of ../shared/data those were complete answers (timelines, quiz options, boxed results)."""
    t = text.rstrip()
    if not t or not (t[-1].isalpha() or t[-1] in ",，、"):
        return None  # a cap cuts mid-word or mid-sentence: not after a digit, closer, quote or $…$
    last = t.rsplit("\n", 1)[-1].strip()
    if not _prose_line(last) or _FIELD_RE.match(last) or re.match(r"^(?:[A-Za-z]|[IVX]+)[.)]\s", last):
        return None  # a list item, an outline entry ("C. Steps…"), a "1799年：…" field, a quiz option
    if "```" not in t and code_density(t) <= 0.03 and _open_line_style(t):
        return None  # verse: lyrics and poems leave their lines open, the last one too
    tail_lines = [ln.strip() for ln in t.split("\n")[-5:] if ln.strip()]
    if len(last) <= 30 and any(_SIGN_OFF_RE.match(ln) or ln == "敬礼" for ln in tail_lines[:-1]):  # (_SIGN_OFF_RE has 此致)
        return None  # a letter's signature or date under its closing ("此致\n敬礼\n\nXX科技有限公司\n2024年X月X日", set BA)
    if len(text) in CHAR_LIMITS:
        return f"exactly {len(text)} characters"
    n = token_count if token_count is not None else estimate_tokens(t)
    for lim in limits:
        if abs(n - lim) <= tolerance * lim:
            return f"{n} tokens ~ limit {lim}"
    return None


# ---------------------------------------------------------------- all signals


def truncation_signals(text: str, prompt: str = "", *, min_words: int = 8, min_chars: int = 200, token_count: int | None = None,
                       limits: tuple[int, ...] = DEFAULT_LIMITS, tolerance: float = 0.02) -> dict[str, str | None]:
    """``{sub_reason: note or None}`` for the last assistant turn ``text`` answering the user turn
    ``prompt``, keys ``TRUNCATION_REASONS``.

    ``min_words``/``min_chars`` gate ``no_terminal_punct``; ``token_count``/``limits``/``tolerance``
    drive ``length_limit`` (``limits`` empty turns it off).
    """
    out: dict[str, str | None] = {
        "code_cut": code_cut(text),
        # ("Yes, I can do that." answers "…Can you do that?": neither rule judges it)
        "announced_missing": None if _ASKS_CAN_YOU_RE.search(prompt[-300:]) and _ACCEPT_ONLY_RE.match(text.strip())
        else announced_missing(text, prompt) or empty_acceptance(text, prompt),
        "list_cut": list_cut(text, prompt),
        "short_of_ask": short_of_ask(text, prompt),
        "no_terminal_punct": no_terminal_punct(text, min_words, min_chars, prompt=prompt),
        "length_limit": length_limit(text, token_count, limits, tolerance) if limits else None,
    }
    return out
