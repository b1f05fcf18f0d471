"""Text metrics for one string: stripping for language ID, Gopher repetition, character ratios, truncation.

Every function takes plain ``str`` and returns numbers, so the stages can run them per turn and the
tests can call them alone. Thresholds live in the stages' ``Params``; this module only measures.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# ---------------------------------------------------------------- stripping

#: a fenced code block (``` or ~~~), or an unclosed fence running to the end of the text
FENCE_RE = re.compile(r"(?:```|~~~)[^\n]*\n?.*?(?:```|~~~|\Z)", re.S)
INLINE_CODE_RE = re.compile(r"`[^`\n]+`")
URL_RE = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.I)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,300})?/?>")
ENTITY_RE = re.compile(r"&(?:[A-Za-z]{2,8}|#\d{1,6}|#x[0-9A-Fa-f]{1,6});")
LATEX_RE = re.compile(r"\$\$.*?\$\$|\$[^$\n]{1,200}\$|\\\[.*?\\\]|\\\(.*?\\\)", re.S)
MD_SYMBOLS_RE = re.compile(r"[#*_>|`~\[\](){}<>=+^\\/@$%&-]+")
WS_RE = re.compile(r"\s+")
LETTER_RE = re.compile(r"[^\W\d_]")


#: triple backticks opened and closed on one line: inline code (LIMA's StackExchange answers write
#: "a ```HashMap``` in Java"), which FENCE_RE would read as a fence opening and pair with the next one
INLINE_FENCE_RE = re.compile(r"```[^`\n]+```(?!`)")


def strip_code(text: str) -> str:
    """``text`` without fenced code blocks (an unclosed fence removes the rest of the text); inline
    code in triple backticks on one line ("over a ```Map``` in Java") becomes single-backtick inline
    code first, so fences still pair up."""
    if "```" not in text and "~~~" not in text:
        return text
    return FENCE_RE.sub("\n", INLINE_FENCE_RE.sub(lambda m: "`" + m.group(0)[3:-3] + "`", text) if "```" in text else text)


def strip_for_langid(text: str, max_chars: int = 1000) -> str:
    """Prose left for language ID: no fenced or inline code, URLs, e-mails, HTML tags/entities,
    LaTeX or markdown symbols; whitespace collapsed; cut to ``max_chars`` characters."""
    t = strip_code(text)
    t = INLINE_CODE_RE.sub(" ", t)
    t = URL_RE.sub(" ", t)
    t = EMAIL_RE.sub(" ", t)
    t = TAG_RE.sub(" ", t)
    t = ENTITY_RE.sub(" ", t)
    if "$" in t or "\\" in t:
        t = LATEX_RE.sub(" ", t)
    t = MD_SYMBOLS_RE.sub(" ", t)
    t = WS_RE.sub(" ", t).strip()
    return t[:max_chars]


CODE_PUNCT_RE = re.compile(r"[;{}()=<>\[\]]")


def code_density(text: str) -> float:
    """Share of code punctuation (``; { } ( ) = < > [ ]``) in ``text`` outside fenced blocks.

    Prose stays under 0.02; unfenced code (Code Alpaca answers, shell one-liners) is 0.05+.
    """
    t = strip_code(text)
    return len(CODE_PUNCT_RE.findall(t)) / len(t) if t else 0.0


#: everything that is not a letter (the complement of ``LETTER_RE``), in runs
_NON_LETTER_RE = re.compile(r"[\W\d_]+")


def contains_phrase(text: str, phrase: str) -> bool:
    """True when ``phrase`` occurs in ``text`` verbatim up to case (``casefold``) and whitespace (runs
    collapsed to one space): the prompt already holds the answer's words (an offered option, a string
    to process)."""
    return " ".join(phrase.casefold().split()) in " ".join(text.casefold().split())


def count_letters(text: str) -> int:
    """Number of letters (any script; digits and ``_`` excluded): the characters ``LETTER_RE``
    matches, counted by deleting the rest in runs (2-2.5x faster than ``len(LETTER_RE.findall(…))``,
    which builds a list of one-letter strings; the same count for every code point)."""
    return len(_NON_LETTER_RE.sub("", text))


# ---------------------------------------------------------------- words

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: a CJK ideograph or kana is one word; otherwise runs of letters/digits (with inner apostrophes)
WORD_RE = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)*")
CJK_RE = re.compile(rf"[{_CJK}]")


def words(text: str) -> list[str]:
    """Word tokens: CJK characters one by one, other scripts split on non-word characters."""
    return WORD_RE.findall(text)


# ---------------------------------------------------------------- Gopher repetition (MassiveText, Rae et al. 2021, table A1)

PARA_RE = re.compile(r"\n{2,}")
_ALNUM_RE = re.compile(r"[^\W_]")
LINE_RE = re.compile(r"\n+")


#: a numbered-list marker: "3. Ложитесь спать…" repeats "1. Ложитесь спать…" (written ru sets: a list whose
#: two items alternate 16 times had no duplicate line while the numbers differed)
_NUMBER_MARKER_RE = re.compile(r"^\s*\d{1,3}[.)、]\s*")


def _find_duplicates(items: list[str], sections: list[int] | None = None) -> tuple[int, int]:
    """(number of items equal to an earlier item, their total characters) — datatrove ``find_duplicates``,
    except that a numbered item is compared without its number ("1. X" and "3. X" are the same item).
    With ``sections`` (one section index per item), an item repeats only within its own section."""
    seen: set = set()
    dup_n = dup_chars = 0
    for k, it in enumerate(items):
        body = _NUMBER_MARKER_RE.sub("", it, count=1)
        key = (sections[k], body) if sections is not None else body
        if key in seen:
            dup_n += 1
            dup_chars += len(it)
        else:
            seen.add(key)
    return dup_n, dup_chars


#: a section header line: a markdown heading, a bold-only line, or a short line ending on a colon
#: ("Monday:", "**Chrome**", "### Step 2", "星期一：", "Понедельник:")
SECTION_HEADER_RE = re.compile(r"^\s*(?:#{1,6}\s+\S.{0,60}|\*\*[^*\n]{1,60}\*\*[:：]?|[^\s:：][^:：\n]{0,40}[:：])\s*$")


def template_sections(lines: list[str]) -> list[int] | None:
    """Section index of each line when ``lines`` form a *templated document* — at least 3 section
    headers (``SECTION_HEADER_RE``), ≥ 80 % of them distinct (Monday … Sunday, one per browser) —
    else None. A weekly plan repeats "Warm-up: 5-10 minutes…" under every day by design; a model
    stuck in a loop repeats its headers too, so it is not exempted."""
    heads = [ln.strip() for ln in lines if SECTION_HEADER_RE.match(ln) and len(words(ln)) <= 8]
    if len(heads) < 3 or len(set(heads)) < 0.8 * len(heads):
        return None
    out, k = [], 0
    for ln in lines:
        if SECTION_HEADER_RE.match(ln) and len(words(ln)) <= 8:
            k += 1
        out.append(k)
    return out


_ITEM_LINE_RE = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)、]|[A-Za-z][.)。、](?=\s|\S))\s*")  # "- x", "1. x", "A。很满意", "b) x"


_HTML_DOC_RE = re.compile(r"(?i)<!doctype html|<html[\s>]|<body[\s>]|<style[\s>]|<svg[\s>]|<\?xml")
_TAG_LINE_RE = re.compile(r"^\s*</?[A-Za-z][\w:-]*(?:\s[^<>\n]{0,200})?/?>(?:[^\n]{0,200}>)?\s*$")


#: unfenced code that opens with a definition or an import
_CODE_OPENING_RE = re.compile(r"\s*(?:def|class|import|function|public|private|package|using|#include|fn|func)\s+\w|\s*from\s+[\w.]+\s+import\b")


def _counted_line(line: str, min_words: int, min_item_words: int) -> bool:
    """Whether a line takes part in the duplicate-line counts (see ``repetition_metrics``)."""
    if _TAG_LINE_RE.match(line):
        return False  # a markup line ("</select>", "<option>1 - 差</option>") repeats in HTML/XML by design
    if not (min_words or min_item_words) or len(line) >= 160:  # a 160-character line has 8+ words (speed)
        return True
    n = len(words(line))
    return n >= min_words and (n >= min_item_words or not _ITEM_LINE_RE.match(line))


def repetition_metrics(text: str, top_ns: tuple[int, ...] = (2, 3, 4), dup_ns: tuple[int, ...] = (5, 6, 7, 8, 9, 10),
                       min_line_words: int = 0, min_item_words: int = 0, per_section: bool = False,
                       cjk_half_words: bool = False, prompt: str = "") -> dict[str, float]:
    """Gopher repetition metrics of ``text`` (datatrove ``GopherRepetitionFilter`` semantics).

    Returns fractions in [0, 1]:

    - ``dup_para_frac`` / ``dup_para_char_frac``: paragraphs (split on blank lines) equal to an
      earlier paragraph, by count and by characters.
    - ``dup_line_frac`` / ``dup_line_char_frac``: the same for lines.
    - ``top_{n}gram_frac`` for ``n`` in ``top_ns``: characters covered by the most frequent word
      n-gram (its length times its count) over all characters.
    - ``dup_{n}gram_frac`` for ``n`` in ``dup_ns``: characters in word n-grams that repeat an
      earlier n-gram (non-overlapping greedy scan) over all characters.

    Lines and paragraphs without any letter or digit (``\\[``, ``---``, ``}``, table rules) are not
    counted: in chat markdown, LaTeX and code they repeat by design (on the NuminaMath sample they
    made 19 % of answers fail ``dup_line_frac``). For mostly-CJK text (CJK characters are single
    words) n-grams are joined without spaces so the character shares stay comparable with
    space-separated languages.

    ``min_line_words`` (default 0 = Gopher): lines and paragraphs with fewer words than this are not
    counted either. Short lines repeat by design in chat answers — list items such as ingredients
    ("- Salt"), the options of every survey question ("- 很满意"), chord lines ("C  F  G") — and
    made most of the good answers the line metrics dropped on ``benchmarks/quality_labels.jsonl``.
    ``min_item_words`` (default 0): the same for list-item lines ("- ", "* ", "1. "), which repeat as
    the options of every question of a questionnaire or the steps of parallel recipes.
    ``per_section`` (default False = Gopher): in a templated document (``template_sections``: a
    weekly plan, notes per browser) a line or paragraph counts as a duplicate only within its own
    section. ``cjk_half_words`` (default False = Gopher): for mostly-CJK text the top n-grams are
    taken over ``2n`` characters (a CJK character is half a word, as elsewhere in curatrain): a
    two-character word repeated through a short Chinese maths answer ("比赛数") is not a loop.
    ``prompt`` (default "" = Gopher): the top n-gram is the most frequent one *not found in the
    prompt* (compared by crude stem, lower case and first 5 letters: "Electric Toothbrush" is found in
    "Electric Toothbrushes"): an answer that names its subject in every item ("美国医疗保健系统的…？" five times
    for five questions about the US health-care system) is on topic, not looping; and unfenced
    code (``code_density`` > 0.05, or > 0.02 when it opens with ``def``/``class``/``import``…),
    whose identifiers repeat by nature, gets no top n-gram shares.
    Markup lines (a line that opens with a tag and ends with ``>``) are not counted, and in an
    HTML/XML document (≥ 30 % markup lines, or a ``<!DOCTYPE html>``/``<html>``/``<body>``/``<style>``/
    ``<svg>``/``<?xml`` in it: CSS and markup) no line is: tags and attributes repeat by design.
    A top n-gram that occurs only twice gets a share of 0: in a 60-word answer one phrase said twice
    ("…the average January temperature is…") passes Gopher's 0.16-0.20 shares, which were set on
    web documents; a loop repeats more. A top n-gram that occurs once on each of 3+ lines whose numbers all differ (numbered list items
    in parallel form, "1. Both cats and dogs…", "2. Both cats and dogs…"; the steps of a
    calculation) is format, not a loop, and gets a share of 0; the ``dup_{n}gram`` shares still
    see a list that repeats itself.
    """
    text = text.strip()
    n_chars = len(text) or 1
    out: dict[str, float] = {}
    raw_lines = LINE_RE.split(text)
    sec_of_line = template_sections(raw_lines) if per_section else None
    sec_para = None
    if sec_of_line is not None:  # section of each paragraph: that of its first line (lines are contiguous)
        sec_para, k = [], 0
        for p in PARA_RE.split(text):
            sec_para.append(sec_of_line[min(k, len(sec_of_line) - 1)])
            k += len(LINE_RE.split(p))
    para_items = [(p, (sec_para[i] if sec_para else 0)) for i, p in enumerate(PARA_RE.split(text))
                  if _ALNUM_RE.search(p) and (not min_line_words or len(p) >= 160 or len(words(p)) >= min_line_words)]
    paras = [p for p, _ in para_items]
    dn, dc = _find_duplicates(paras, [k for _, k in para_items] if sec_para else None)
    out["dup_para_frac"] = dn / len(paras) if paras else 0.0
    out["dup_para_char_frac"] = dc / n_chars
    nonblank = [ln for ln in raw_lines if ln.strip()]
    markup_doc = bool(nonblank) and (sum(bool(_TAG_LINE_RE.match(ln)) for ln in nonblank) >= 0.3 * len(nonblank)
                                     or bool(_HTML_DOC_RE.search(text)))
    line_items = [] if markup_doc else [  # an HTML/XML document: its lines repeat by design
        (ln, (sec_of_line[i] if sec_of_line else 0)) for i, ln in enumerate(raw_lines)
        if _ALNUM_RE.search(ln) and _counted_line(ln, min_line_words, min_item_words)]
    lines = [ln for ln, _ in line_items]
    dn, dc = _find_duplicates(lines, [k for _, k in line_items] if sec_of_line else None)
    out["dup_line_frac"] = dn / len(lines) if lines else 0.0
    out["dup_line_char_frac"] = dc / n_chars
    ws = words(text)
    sep = 0 if ws and len(CJK_RE.findall(text)) * 2 > len(ws) else 1
    lens = list(map(len, ws))
    p_ws = words(prompt) if prompt else []
    # identifiers repeat in code by nature; Python has few brackets ("def deleteNode(head, node):" with
    # "node = None / return" in three branches: 0.028), so code that opens with a definition counts from 0.02
    dens = code_density(text) if prompt else 0.0
    unfenced_code = dens > 0.05 or (dens > 0.02 and _CODE_OPENING_RE.match(text) is not None)
    for n0 in top_ns:
        if unfenced_code:
            out[f"top_{n0}gram_frac"] = 0.0
            continue
        n = n0 * (2 if sep == 0 and cjk_half_words else 1)
        if len(ws) < n:
            out[f"top_{n0}gram_frac"] = 0.0
            continue
        counts = Counter(zip(*(ws[i:] for i in range(n))))
        if p_ws:
            # the prompt's n-grams by crude stem (lower case, first 5 letters: "Electric Toothbrush" in the answer
            # is "electric toothbrushes" in the prompt, "anti-aging drugs" is "anti-aging drug")
            p_st = [w.lower()[:5] for w in p_ws]
            in_prompt = set(zip(*(p_st[i:] for i in range(n))))
            top = next(((g, c) for g, c in counts.most_common() if tuple(w.lower()[:5] for w in g) not in in_prompt), None)
        else:
            top = counts.most_common(1)[0]
        if top is None:
            out[f"top_{n0}gram_frac"] = 0.0
            continue
        g, c = top
        if c < 3:
            out[f"top_{n0}gram_frac"] = 0.0  # said twice is not a loop ("the average January temperature is", round 34)
            continue
        if _numeric_steps(raw_lines, g, c):
            out[f"top_{n0}gram_frac"] = 0.0  # one templated line per item or step: format, not a loop
            continue
        out[f"top_{n0}gram_frac"] = (sum(map(len, g)) + sep * (n - 1)) * c / n_chars
    for n in dup_ns:
        seen: set[tuple] = set()
        rep = 0
        grams = list(zip(*(ws[i:] for i in range(n))))
        i, last = 0, len(grams)
        while i < last:
            g = grams[i]
            if g in seen:
                rep += sum(lens[i:i + n]) + sep * (n - 1)
                i += n
            else:
                seen.add(g)
                i += 1
        out[f"dup_{n}gram_frac"] = rep / n_chars
    return out


_NUM_RE = re.compile(r"\d+(?:\.\d+)?")


def _numeric_steps(lines: list[str], gram: tuple, count: int) -> bool:
    """True when the n-gram ``gram`` occurs at most once per line, on ``count`` different lines that
    mostly carry numbers (an enumerator counts; at least half of them), and no two of those lines
    hold the same numbers (or, without numbers, the same text):
    numbered items or the steps of a calculation written on one template
    ("第二次弹起，小球到达的高度为 21 * 0.7 = 14.7 米。")."""
    n = len(gram)
    hits, with_num, seen = 0, 0, set()
    for ln in lines:
        lw = words(ln)
        k = sum(1 for i in range(len(lw) - n + 1) if tuple(lw[i:i + n]) == gram)
        if k > 1:
            return False
        if k == 1:
            found = tuple(_NUM_RE.findall(ln))
            key = found or ln.strip()
            if key in seen:
                return False
            seen.add(key)
            with_num += bool(found)
            hits += 1
    return hits == count and with_num * 2 >= hits


_ENUM_ITEM_SEP_RE = re.compile(r"[，；、;]|,\s|(?<=[”\"])\s*或\s*(?=[“\"])")
_LIST_ITEM_TEXT_RE = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)、])\s+(.*\S)\s*$")


def dup_item_frac(text: str, min_items: int = 4, prompt: str = "") -> float:
    """Repeated items of an enumeration, the largest share over the text (0.0 when none).

    Two shapes, both of which Gopher's line and n-gram shares miss in short answers:

    - an inline enumeration: a line split on ``，；、;`` / ", " / a quoted ``”或“`` into ≥
      ``min_items`` [4] items with at least 3 distinct ones; the share of items equal (case, punctuation and spaces folded) to an earlier item of
      the same line ("充满活力的，发光的，闪闪发光的，闪闪发光的，…": a model listing synonyms in a loop);
      items without a letter and lines with brackets or ``=`` (arrays, sets, calls) are skipped, and so
      are lines where more than a fifth of the items run past 8 words: clauses of a prose sentence
      (a Flask answer's "…access the files, work, and workoptions parameters…, the `work` variable…");
    - a list: list-item lines equal to the item right before them ("- Contemplate" three times in
      a row), or a block of 2-3 items pasted again and again ("1. 多喝温水 2. 注意休息 3. 多喝温水 4. 注意休息
      …": the items from the block's second copy on count); items repeated *apart* (the same
      ingredient in two recipes, the options of every question of a survey, separated by the
      questions) are not counted; nor are labels answering the prompt's own list item by item (≤ 3 distinct items of ≤ 3
      words, the prompt holding at least as many list lines: "1) спам 2) не спам 3) не спам 4) спам" for four messages,
      written ru set BC);
    - a sentence or a block of 2-3 sentences pasted back to back ≥ 3 times (prose sentences of ≥ 4 words,
      a CJK character counting half; markup and code lines skipped): "学习编程最重要的是坚持和多动手实践。" six
      times, the same paragraph three times; the share of the copies. A restated sentence, or each day's
      "Warm-up: …" in a weekly plan, is not a loop.
    """
    lines = [ln for ln in text.split("\n") if ln.strip()]
    best = 0.0
    for ln in lines:
        if _CODE_CHARS_RE.search(ln):
            continue  # arrays, sets, calls: "arr = [0, 0, 0]" is data, not a list of words
        raw = [x for x in _ENUM_ITEM_SEP_RE.split(ln) if LETTER_RE.search(x)]  # folding keeps letters: same items
        if len(raw) < min_items or sum(len(words(x)) > 8 for x in raw) > 0.2 * len(raw):
            continue  # too few items, or clauses of a prose sentence ("…the files, work, and workoptions")
        parts = [_FOLD_ITEM_RE.sub("", x.lower()) for x in raw]
        if len(set(parts)) >= 3:  # two labels repeated ("Odd, Odd, Even") are answers
            best = max(best, (len(parts) - len(set(parts))) / len(parts))
    items = [_LIST_ITEM_TEXT_RE.match(ln) for ln in lines]
    folded = [_FOLD_ITEM_RE.sub("", m.group(1).lower()) if m else None for m in items]
    n_items = sum(x is not None for x in folded)
    labels = [x for x in folded if x is not None]
    per_item = prompt and len(set(labels)) <= 3 and all(len(m.group(1).split()) <= 3 for m in items if m) \
        and sum(1 for ln in prompt.split("\n") if _LIST_ITEM_TEXT_RE.match(ln)) >= len(labels)
    if n_items >= min_items and not per_item:
        adjacent = sum(1 for a, b in zip(folded, folded[1:]) if a is not None and a == b)
        best = max(best, adjacent / n_items)
        # a block of up to six items pasted back to back (non-items break it): "1. Oranges 2. Kiwi 3. Strawberries 4. Guava
        # 5. Oranges …" seven times (written en set AA)
        best = max(best, _cycle_share(folded, periods=(1, 2, 3, 4, 5, 6)))
    # prose sentences only: markup and code lines ("<td></td>", "</tr>") repeat by design
    # (a short sentence, a heading or a formula between two copies is None: it breaks the run)
    sents = [_FOLD_ITEM_RE.sub("", x.lower()) if half_cjk_words(x) >= 4 and not _CODE_CHARS_RE.search(x) else None
             for x in sentences(text)]
    best = max(best, _cycle_share(sents))
    return best


_TAG_RE = re.compile(r"<[^>\n]{1,80}>")


def stanza_loop_frac(text: str) -> float:
    """Share of the blank-line-separated blocks of ``text`` taken by a block of ≥ 2 lines (or a pair of such blocks)
    pasted back to back ≥ 3 times, from its second copy on (0.0 when none): a poem that loops on its first stanza
    (seven copies of "The frost is on the window,…"; written en set AA). Verse is exempt from the other repetition
    metrics (a refrain repeats by design), but a song repeats its chorus between verses, not three times in a row."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    if len(blocks) < 3:
        return 0.0
    folded = [_FOLD_ITEM_RE.sub("", b.lower()) if b.count("\n") >= 1 else None for b in blocks]
    return _cycle_share(folded, min_repeats=2, periods=(1, 2))


def code_loop_frac(text: str, min_copies: int = 6, min_letters: int = 4) -> float:
    """Share of the non-blank lines of ``text`` (code included) taken by the copies of a block of 1-3 lines pasted back
    to back ≥ ``min_copies`` [6] times, from its second copy on (0.0 when none): a generation loop inside code, which
    ``dup_item_frac`` leaves out with the code ("import requests\nfrom bs4 import BeautifulSoup" ten times,
    ``<li>Яйца</li>`` eighteen times; written sets X and Y). A line counts only with ≥ ``min_letters`` [4] letters
    outside markup tags, or with a letter and ≥ 8 other characters ("if n % 2 == 0:" between its "return False" lines,
    eighteen times; written en set AD): ``}``, ``</div>``, ``<td></td>`` and rows of numbers repeat in real code.
    Threshold ours: no label set or dump pair of ``../shared/data`` holds six back-to-back copies in a good answer."""
    if text.count("\n") < min_copies:
        return 0.0
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]

    def key(ln: str) -> str | None:
        bare = _TAG_RE.sub("", ln)
        n_letters = len(LETTER_RE.findall(bare))
        return ln if n_letters >= min_letters or (n_letters and len("".join(bare.split())) >= 8) else None

    keyed = [key(ln) for ln in lines]
    return _cycle_share(keyed, min_repeats=min_copies - 1)


def _cycle_share(seq: list, min_repeats: int = 2, periods: tuple[int, ...] = (1, 2, 3)) -> float:
    """Share of ``seq`` covered by its longest back-to-back repetition of a block of 1-3 elements: the
    elements from the block's second copy on, when the block is copied ≥ ``min_repeats`` more times
    (A A A, A B A B A B); 0.0 otherwise. Repeats apart (each day's "Warm-up" in a weekly plan) do not count."""
    best = 0.0
    for period in periods:
        run = longest = 0
        for i in range(period, len(seq)):
            run = run + 1 if seq[i] is not None and seq[i] == seq[i - period] else 0
            longest = max(longest, run)
        if longest >= min_repeats * period:
            best = max(best, longest / len(seq))
    return best


_IDEOGRAPH_RE = re.compile(r"[\u4e00-\u9fff]")


def half_cjk_words(text: str) -> float:
    """Words of ``text`` (``words``) with each CJK ideograph counting half a word."""
    return len(words(text)) - len(_IDEOGRAPH_RE.findall(text)) / 2


#: a sentence: text up to and including its terminal punctuation (Latin, CJK, or a line end)
SENTENCE_RE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+[\"'”’»」』)]*|\n|$)")


def sentences(text: str) -> list[str]:
    """Non-blank sentences of ``text`` (split after ``. ! ? 。 ！ ？`` and at line ends)."""
    return [s.strip() for s in SENTENCE_RE.findall(text) if s.strip()]


_FOLD_ITEM_RE = re.compile(r"[\s\"'“”‘’「」『』《》()（）.。!！?？:：*_]+")  # keeps C# and C++ apart from C
_CODE_CHARS_RE = re.compile(r"[\[\]{}()=<>]")


# ---------------------------------------------------------------- character ratios

GOPHER_SYMBOL_RE = re.compile(r"#|\.\.\.|…")


#: a prompt asking for verse, in the languages of the refusal pattern files
VERSE_ASK_RE = re.compile(
    r"(?i)\b(?:songs?|lyrics|poems?|poetry|verses?|rap|chant|anthem|jingle|hymn|ballad|limerick|haiku|sonnet|nursery rhyme"
    r"|chanson|poème|canción|poema|lied|gedicht|canzone|песн\w*|стих\w*)\b|歌词|歌曲|首歌|诗|童谣")
#: a section label of a song on a line of its own: "Chorus:", "[Verse 2]", "副歌：", "Припев:"
VERSE_LABEL_RE = re.compile(
    r"(?im)^\s*[\[(*]*\s*(?:chorus|refrain|pre-chorus|hook|bridge|outro|verse\s*\d*|副歌|合唱|主歌|桥段|припев|куплет|coro|estribillo|refrão)"
    r"\s*\d*\s*[\])*]*\s*[:：]?\s*$")


def is_verse(text: str, prompt: str = "") -> bool:
    """True when ``text`` is a song or poem: ``prompt`` (first 500 characters) asks for verse, or ``text``
    has at least one song section label line ("Chorus:", "[Verse 2]", "副歌："). Refrains repeat lines
    and stanzas by design, so Gopher's line/paragraph/n-gram repetition does not apply to them."""
    return bool(VERSE_ASK_RE.search(prompt[:500]) or VERSE_LABEL_RE.search(text))


def alnum_ratio(text: str) -> float:
    """Alphanumeric characters over all characters (Data-Juicer ``alphanumeric_filter``, char mode)."""
    if not text:
        return 0.0
    return sum(map(str.isalnum, text)) / len(text)


def symbol_word_ratio(text: str) -> float:
    """Gopher symbol-to-word ratio: ``#`` and ellipsis (``...``/``…``) occurrences over words."""
    w = len(words(text))
    if w == 0:
        return 0.0
    return len(GOPHER_SYMBOL_RE.findall(text)) / w


# ---------------------------------------------------------------- truncation

#: characters a finished turn may end with (sentence ends, closing brackets/quotes, markup, math, emoji)
_TERMINAL = set(".!?。！？…:;)]}>\"'”’»」』）】〉》*_~`|$%/\\=+")
LIST_LINE_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)]|#{1,6}|\|)\s*")
HASHTAG_END_RE = re.compile(r"#\s?\w+$")
ENUM_SEP_RE = re.compile(r"[；;、|]|\s-\s")
CODE_CHARS_RE = re.compile(r"[=(){};<>\[\]]|^\s{2,}\S|\t")


def unbalanced_fences(text: str) -> bool:
    """True when the number of ````` fence markers is odd (a code block was cut)."""
    return text.count("```") % 2 == 1


def ends_mid_sentence(text: str, min_words: int = 8, min_chars: int = 200) -> bool:
    """True when ``text`` seems cut mid-sentence.

    Only turns of at least ``min_chars`` characters are judged (a generation limit cuts long
    answers; short answers without a full stop are titles, terms or slogans). The last non-blank
    line must look like prose (no list/heading/table marker, no code characters, no trailing
    hashtag, not an enumeration with 3+ ``；``/``、`` separators, at least ``min_words`` words) and end in a letter (any script), digit, comma, or an
    opening bracket/quote, not in a sentence end, closing bracket or symbol. Lines inside an
    unclosed code fence are handled by ``unbalanced_fences`` instead.
    """
    t = text.rstrip()
    if len(t) < min_chars:
        return False
    last_line = t.rsplit("\n", 1)[-1]
    ch = t[-1]
    if ch in _TERMINAL:
        return False
    if not (ch.isalnum() or ch in ",，、(（[「『\"“‘-–—"):
        return False  # emoji, other symbols: treat as finished
    if LIST_LINE_RE.match(last_line) or CODE_CHARS_RE.search(last_line) or HASHTAG_END_RE.search(last_line):
        return False
    if len(ENUM_SEP_RE.findall(last_line)) >= 3:
        return False  # an enumeration ("A；B；C", "x、y、z") ends without a full stop
    return len(words(last_line)) >= min_words


# ---------------------------------------------------------------- content units (topic overlap of two texts)

#: words that carry no topic (en, ru; other languages rely on the length cut)
STOPWORDS = frozenset("""
the and for are but not you your yours all any can her his was one our out has have had him how its may new now
who did get got let say she too use way what when where which while whom why will with would could should this
that these those there their them then than they been being from into onto about above after again against
also just only very more most much many some such each other over under here does doing done make made please
tell give know want need like really thing things yes well okay sure thank thanks hello just what's it's i'm
""".split()) | frozenset("""
что это как для который которые которая которое которых которой так его она они оно был была были было быть будет будут
есть или если чтобы также только уже еще ещё может можно нужно надо очень более менее всех все всё весь вся этот эта эти
этого этой этих того тем том той при про над под без через между после перед когда где куда тоже даже свой своей своих
свою свои них него неё нее ней нас вас вам нам мне меня тебя тебе себя себе вот там тут здесь потому поэтому однако
хотя чем чего кто какой какая какие каких какое мой моя мои ваш ваша ваши наш наша наши пожалуйста спасибо привет
нет
""".split())

_CONTENT_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_CONTENT_CJK_RUN_RE = re.compile(rf"{CJK_RE.pattern}+")

#: CJK bigrams that carry no topic (question words, pronouns, modal verbs)
CJK_STOP_BIGRAMS = frozenset("""
如何 怎么 怎样 什么 为什么 可以 能否 是否 一个 一些 这个 那个 这些 我们 你们 他们 我的 你的 请你 请问 帮我 告诉 知道
有没 没有 是不 不是 如果 因为 所以 但是 还是 或者 需要 应该 哪些 多少
""".split())


def units(text: str) -> set[str]:
    """Content units of ``text``: Latin/Cyrillic words of 3+ letters outside ``STOPWORDS``, cut to
    their first 5 letters (a crude stem: "explain"/"explanation" meet), and CJK character bigrams
    outside ``CJK_STOP_BIGRAMS``."""
    t = unicodedata.normalize("NFKC", text).lower()
    out = {w[:5] for w in _CONTENT_WORD_RE.findall(CJK_RE.sub(" ", t)) if w not in STOPWORDS}
    for run in _CONTENT_CJK_RUN_RE.findall(t):
        out.update(b for b in (run[i:i + 2] for i in range(len(run) - 1)) if b not in CJK_STOP_BIGRAMS)
    return out


def shared_units(a: str, b: str) -> int:
    """How many content units (``units``) ``a`` and ``b`` share."""
    return len(units(a) & units(b))


def prose_script(text: str, phrase: bool = False) -> str | None:
    """The script most of the prose of ``text`` is in (``cjk``, ``cyr``, ``lat``), counting a CJK character, a Cyrillic
    word and a Latin word as one each, code left out; None without any (``relevance.main_script`` instead weighs the
    letters of every script, code included). A ``phrase`` takes any CJK or Cyrillic it holds:
    "我是由OpenAI训练" is Chinese with a name in it."""
    prose = text if phrase else strip_code(text)
    n_cjk = len(CJK_RE.findall(prose))
    n_cyr = len(re.findall(r"[\u0400-\u04ff]+", prose))
    n_lat = len(re.findall(r"[A-Za-z\u00c0-\u024f]+", prose))
    if phrase:
        return "cjk" if n_cjk else "cyr" if n_cyr else "lat" if n_lat else None
    counts = {"cjk": n_cjk, "cyr": n_cyr, "lat": n_lat}
    best = max(counts, key=counts.get)
    return best if counts[best] else None
