"""Degenerate-text metrics for one assistant turn: low character entropy, token loops, gibberish, echo.

``degenerate_metrics(text, prompt)`` returns numbers the ``quality`` stage stores as ``stat_*``
columns and compares to thresholds (``degenerate`` rule):

``char_entropy``
    Shannon entropy (bits per character) of the turn's characters, whitespace excluded, for turns
    of ≥ 20 characters (None below). Natural text sits at 4–5 bits (English) and 7–9 (Chinese);
    "!!!!!!", "ok ok ok ok" or "1 1 1 1" fall under 1.5 (the ``min_char_entropy`` default; a
    table of numbers between dashed rules sits at ~1.7, so the threshold stays low). Used as a
    low-entropy check in the same way as the character-level filters of Data-Juicer
    (``character_repetition_filter``) and the "special characters / flagged words" family of
    BigScience ROOTS (Laurençon et al. 2022).
``tail_loop``
    Share of the turn's words covered by one unit of 1–12 words repeated back to back at the very
    end ("... and then and then and then"): the signature of a decoding loop (Holtzman et al.
    2020, "The Curious Case of Neural Text Degeneration"). Counted only with ≥ 4 repeats of the unit;
    0 otherwise; or, when larger, the share covered by a block of 1–8 lines that loops through the end, each line
    a copy or a near copy of the one a block earlier (``line_loop``: a stanza or a paragraph retold). Threshold
    ``max_tail_loop`` [0.3].
``token_run``
    Longest run of one identical word token anywhere (e.g. "very very very very ..."). Threshold
    ``max_token_run`` [8]; CJK characters are single tokens, so "哈哈哈哈哈哈哈哈哈" counts 9.
``gibberish``
    Share of Latin-script words of ≥ 4 letters that no language writes: no vowel (``aeiouy`` and
    accented forms), 5+ consonants in a row ("asdfghjkl", "xkcd qwrtz") or mostly a sweep along one
    keyboard row (``key_sweep``); Cyrillic words the same way (vowels ``аеёиоуыэюя``, 6+ consonants,
    ЙЦУКЕН rows: "ывап ролдж фывапр"); 1.0 for mojibake, UTF-8 read with the wrong code page
    ("РљРѕС€РєРё", ``mojibake``), and for 3-4 Latin words of 4+ letters of which 3 are implausible, two of them key
    sweeps ("asdfghjkl 啊啊啊 qwertyuiop；；；zxcv"); words with digits and acronyms are skipped; None under 5 such words, except a reply of at most 4 words whose
    every such word is 8+ letters long with no vowel or 6+ consonants in a row ("qklvzwuriljql": 1.0). Threshold
    ``max_gibberish`` [0.3]. Also 1.0 for code that repeats a keyword back to back ("return return", ``garbled_code``),
    for a Chinese stutter or a scraped page's furniture (``junk_text``),
    for three scripts mixed word by word (``script_salad``), for islands of another language in a text of one script
    (``script_islands``: "…dann 把水 boil … Put the lid на кастрюлю…") and for a term defined by itself
    (``circular_definition``: "Inflation is when things inflate…"). Not judged when the prompt asks for random letters, a password, a
    code or an anagram (``RANDOM_ASK_RE``).
``echo``
    1 when the turn only repeats the prompt (identical after case and whitespace folding, ≥ 10
    characters) or only repeats the prompt's input text that the instruction asks to change
    (``echoes_input``), or holds no letter or digit at all (a lone ".", "...") unless the prompt
    asks for emoji, symbols or punctuation (``SYMBOL_ASK_RE``), 0 otherwise.
``leak``
    Lines of leaked prompt-template or few-shot scaffolding (``LEAK_RE``: Alpaca's "### Instruction:"
    / "### Input:" / "### Response:", "6. Instruction: …", its machine-translated "11. 说明：" / "11.输入：" /
    "11.输出：" (round 27: 24 Alpaca-zh answers that run on into the next numbered task), "#endanswer",
    "[EX Q]:", "<|endoftext|>", "§§"): the model
    went on to write the next training example; plus 1 when it writes the next exchange itself
    ("Human: …" then "Assistant: …", or an answer that opens with "Human:", ``role_continuation``) unprompted; plus 1
    for a tokenizer's or chat template's own tokens ("<|im_end|>", "<0x0A>", "▁обу ▁маш", ``token_leak``). A bare "Output:" or
    "# Output:" is not counted (code answers print their output that way).
    Threshold: any (``max_leak`` [0]).

Fenced code and URLs are removed first (code loops and hashes by design), and a turn that is
unfenced code (``code_density`` > 0.03: "arr = [[0, 0], [0, 0]]") or answers a prompt that asks
for repetition ("repeat ... five times", "重复", "повтори") gets no entropy, loop or run metric.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from curate.filters.text import FENCE_RE, STOPWORDS, URL_RE, code_density, strip_code, words

#: six consonants in a row: "qklvzw" (English "strengths" has five)
_LONG_CONS_RUN_RE = re.compile(r"(?i)[bcdfghjklmnpqrstvwxz]{6,}")
_LATIN_WORD_RE = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]{4,}")
_VOWEL_RE = re.compile(r"[aeiouyAEIOUYÀ-ÆÈ-ÏÒ-ÖØ-Ýà-æè-ïò-öø-ÿ]")
_CONS_RUN_RE = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{5,}")
_WS_RE = re.compile(r"\s+")
_ALNUM_RE = re.compile(r"[^\W_]")

DEGENERATE_KEYS = ("char_entropy", "tail_loop", "token_run", "gibberish", "echo", "leak")

#: leaked prompt-template or few-shot scaffolding inside an answer: the model went on to write the
#: next example ("### Instruction:", "[EX Q]:", "<|endoftext|>", "§§ --- README.md")
LEAK_RE = re.compile(r"(?im)^\s*#{2,4}\s*(?:instruction|input|response)\s*:|^\s*(?:\d{1,2}\.\s*)?instruction\s*:\s*\S?"
                     r"|\[EX [QA]\]:|<\|?endoftext\|?>|§§|^\s*-{3,}\s*\S+\.(?:md|txt|py)\s*$"
                     r"|^\s*\d{1,2}\s*[.．]\s*(?:说明|指令|输入|输出)\s*[:：]|^\s*#end(?:answer|of)\w*"
                     # an end marker and a tokenizer's begin-of-sequence token never closed: "…thank teacher ##END## <s> Dear
                     # Dear." (written en set BB); "<s>…</s>" is HTML strike-through
                     r"|#{2}\s*(?:end|eos|stop)\s*#{2}|<s>(?![\s\S]*</s>)")
#: the answer goes on to write the user's next turn: a "Human:"/"User:" line and a later "Assistant:" line
_USER_LINE_RE = re.compile(r"(?im)^\s*(?:#{1,4}\s*)?(?:human|user|用户|пользователь)\s*[:：]")
_ASSISTANT_LINE_RE = re.compile(r"(?im)^\s*(?:#{1,4}\s*)?(?:assistant|ai|bot|gpt|chatgpt|助手|ассистент)\s*[:：]")
#: prompts whose answer is itself a dialogue or transcript (then role lines are content)
_DIALOGUE_ASK_RE = re.compile(r"(?i)dialog|conversation|chat|transcript|script|interview|role-?play|scene|exchange|对话|剧本|采访|脚本|聊天"
                              r"|диалог|разговор|сценар|user\s*:|human\s*:")


def char_entropy(text: str) -> float | None:
    """Shannon entropy in bits per non-whitespace character; None under 20 such characters."""
    chars = _WS_RE.sub("", text)
    n = len(chars)
    if n < 20:
        return None
    return -sum(c / n * math.log2(c / n) for c in Counter(chars).values())


def tail_loop(tokens: list[str], max_unit: int = 12, min_repeats: int = 4) -> float:
    """Share of ``tokens`` covered by the longest back-to-back repetition of a 1–``max_unit``-token
    unit at the end of the sequence (with ≥ ``min_repeats`` copies), else 0."""
    n = len(tokens)
    best = 0
    for p in range(1, min(max_unit, n // min_repeats) + 1):
        unit = tokens[n - p:]
        reps = 1
        i = n - 2 * p
        while i >= 0 and tokens[i:i + p] == unit:
            reps += 1
            i -= p
        if reps >= min_repeats:
            best = max(best, reps * p)
    return best / n if n else 0.0


_LETTERS_RE = re.compile(r"[^\W\d_]")


def _width(line: str) -> int:
    """Characters of ``line``, a CJK character counting two (it carries a word)."""
    return len(line) + sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff")


def _shingles(line: str, k: int = 3) -> set[str]:
    t = "".join(line.lower().split())
    return {t[i:i + k] for i in range(max(len(t) - k + 1, 1))}


def line_loop(text: str, max_unit: int = 8, min_repeats: int = 3, min_similarity: float = 0.7) -> float:
    """Share of the characters of ``text``'s non-empty lines covered by a block of 1–``max_unit`` lines that repeats back to
    back (≥ ``min_repeats`` copies) through the end, each line the same as the one a block earlier or a near copy
    (character-trigram Jaccard ≥ ``min_similarity`` [0.7]; between Chinese lines bigrams and 0.1 less, where one changed
    character breaks two bigrams of few; lines of ≥ 60 characters, a CJK character counting two); lines with fewer than 3 letters are
    left out; a last partial copy counts. A decoding loop whose unit is a
    stanza or a paragraph, too long for ``tail_loop``'s 12 words: a four-line stanza sung four and a half times ("蓝色的大海啊
    / 你是那么宽广 / …", written zh set AI), one paragraph retold six times with a word changed (written en set AG). 0 when
    there is none."""
    # (lines of three letters or more: an emptied table row "| | |" or a list of links is no loop)
    lines = [ln.strip() for ln in text.split("\n") if len(_LETTERS_RE.findall(ln)) >= 3]
    n = len(lines)
    if n < min_repeats:
        return 0.0
    width = [_width(ln) for ln in lines]
    # (Chinese lines by character bigrams: a changed character breaks two of few, not three; "珍贵/宝贵", "高兴/喝彩" in
    # a paragraph retold four times read 0.57 as trigrams, 0.64 as bigrams: written zh set AO)
    sh = [_shingles(ln, 2 if 2 * w > 3 * len(ln) else 3) for ln, w in zip(lines, width)]

    def same(i: int, j: int) -> bool:
        if lines[i] == lines[j]:
            return True
        if min(width[i], width[j]) < 60:
            return False  # short near copies are an enumeration: "Hello, this is iteration number 1 … 5"
        a, b = sh[i], sh[j]
        cjk = 2 * width[i] > 3 * len(lines[i])  # (most characters ideographs)
        return len(a & b) >= (min_similarity - (0.1 if cjk else 0.0)) * len(a | b)

    total = sum(len(ln) for ln in lines)
    best = 0
    for u in range(1, min(max_unit, n // min_repeats) + 1):
        start = n  # the periodic stretch, walked back from the end: lines[i] ~ lines[i - u]
        while start - 1 - u >= 0 and same(start - 1, start - 1 - u):
            start -= 1
        start -= u  # the first copy of the unit
        if start < 0 or (n - start) < min_repeats * u:
            continue
        best = max(best, sum(len(ln) for ln in lines[start:]))
    return best / total if total else 0.0


def token_run(tokens: list[str]) -> int:
    """Length of the longest run of one identical token."""
    best = run = 0
    prev = None
    for t in tokens:
        run = run + 1 if t == prev else 1
        prev = t
        best = max(best, run)
    return best


#: keyboard rows (QWERTY and ЙЦУКЕН), lower case: a mash sweeps along one of them ("asdf", "ывапролдж")
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
_KEY_POS = {ch: (row, i) for row, keys in enumerate(_KEY_ROWS) for i, ch in enumerate(keys)}
_CYR_WORD_RE = re.compile(r"[а-яёА-ЯЁ]{4,}")
_CYR_VOWEL_RE = re.compile(r"[аеёиоуыэюяАЕЁИОУЫЭЮЯ]")
#: 6+ consonants in a row (Russian writes 5: "бодрствовать"; ь/ъ are not consonants: "удовольствия")
_CYR_CONS_RUN_RE = re.compile(r"[бвгджзйклмнпрстфхцчшщБВГДЖЗЙКЛМНПРСТФХЦЧШЩ]{6,}")


def key_sweep(word: str) -> float:
    """Share (0-1) of ``word``'s letters covered by its longest run of ≥ 4 letters that step to the
    next key of one keyboard row in one direction ("asdf", "ролдж": 1.0; "пролог": 0.67; "the": 0.0)."""
    w = word.lower()
    best = run = 1
    step = 0
    for a, b in zip(w, w[1:]):
        pa, pb = _KEY_POS.get(a), _KEY_POS.get(b)
        d = pb[1] - pa[1] if pa and pb and pa[0] == pb[0] else 0
        if d in (1, -1) and (run == 1 or d == step):
            run, step = run + 1, d
        else:
            run, step = (2, d) if d in (1, -1) else (1, 0)
        best = max(best, run)
    return best / len(w) if best >= 4 and w else 0.0


#: a UTF-8 lead byte read as cp1252/latin-1, then a continuation byte (0x80-0xBF) read the same way: "Ã"/"Â" lead
#: Latin letters, "Ð"/"Ñ" Cyrillic, "à"-"ï" (0xE0-0xEF) the three-byte sequences of CJK text ("ä½ å¥½ï¼Œ" is "你好，",
#: written zh set N)
_MOJIBAKE_PAIR_RE = re.compile(r"[ÃÂÐÑà-ï][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")


def mojibake(text: str, min_letters: int = 20) -> bool:
    """True when ``text`` (≥ ``min_letters`` letters) is UTF-8 decoded with the wrong code page: it
    encodes to cp1251 or cp1252/latin-1 bytes that decode as valid UTF-8 into a different text
    ("РљРѕС€РєРё РјСѓСЂР»С‹С‡СѓС‚" is "Кошки мурлычут"; "CafÃ© crÃ¨me" is "Café crème"). Real
    Cyrillic or accented text does not survive that round trip: its cp1251/cp1252 bytes are not
    valid UTF-8 sequences. The test ftfy's ``fix_encoding`` starts from (Speer 2019, ftfy). Also True
    for the classic Chinese garbage strings "锟斤拷" (U+FFFD written as UTF-8 and read as GBK), "烫烫烫" /
    "屯屯屯" (MSVC's fill of uninitialised memory read as GBK) and for ≥ 2 U+FFFD replacement characters."""
    if "锟斤拷" in text or "烫烫烫" in text or "屯屯屯" in text or text.count("\ufffd") >= 2:
        return True  # GBK/UTF-8 replacement mojibake, MSVC's uninitialised-memory fill, U+FFFD replacement characters
    # mojibake of mojibake no longer round-trips ("Ã¯Â»Â¿Ã¢â‚¬Å“…", written en set F; "Ã©tÃ© â€™ Ã  lâ€™Ã©tÃ©", set I,
    # under the letter minimum): UTF-8 lead bytes read as cp1252 ("Ã", "Â", "â", "Ð", "Ñ") each followed by a
    # continuation byte's character, over a third of the text
    pairs = _MOJIBAKE_PAIR_RE.findall(text)
    if len(pairs) >= 4 and 2 * len(pairs) >= 0.3 * len("".join(text.split())):
        return True
    if sum(ch.isalpha() for ch in text) < min_letters or text.isascii():
        return False
    for codec in ("cp1251", "cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text:
            return True
    return _gbk_mojibake(text)


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
#: characters that UTF-8's lead bytes of common Chinese become when read as GBK ("涓" for 中's E4 B8, "鐨" for 的, "锛" for "，")
_GBK_HINT_RE = re.compile(r"[涓鐨锛銆鍦浠鏄杩浣鎴鍙鏂]")


def _gbk_mojibake(text: str, min_han: int = 10, max_lost: float = 0.15) -> bool:
    """True when Chinese UTF-8 was read as GBK ("鍦?Linux 涓嬭В鍘?tar.gz 鏂囦欢锛" is "在 Linux 下解压 tar.gz 文件，";
    written zh set W): the text's GBK bytes decode as UTF-8 into ≥ 6 ideographs with at most ``max_lost`` [0.15]
    replacement characters per ideograph (the bytes the first misreading lost, shown as "?"). Real Chinese
    (≥ ``min_han`` [10] ideographs) does not survive: GBK's two-byte pairs are almost never UTF-8's three-byte
    sequences, so its round trip is mostly U+FFFD. No answer among the 82,945 dump pairs of ``../shared/data`` is caught."""
    if not _GBK_HINT_RE.search(text) or len(_HAN_RE.findall(text)) < min_han:
        return False  # (the cheap test first: misread text holds these rare characters, real Chinese hardly ever)
    fixed = text.encode("gbk", errors="replace").decode("utf-8", errors="replace")
    han = len(_HAN_RE.findall(fixed))
    return han >= 6 and fixed.count("\ufffd") <= max_lost * han and fixed != text


#: a run of one script: Han ideographs, a Cyrillic or a Latin word (kana is left out: Japanese mixes it with Han and
#: Latin by design)
_CYRILLIC_RE = re.compile(r"[а-яёА-ЯЁ]")
_SCRIPT_RUN_RE = re.compile(r"[\u4e00-\u9fff]+|[а-яёА-ЯЁ]+|[A-Za-z]{2,}")


#: code no compiler accepts and no programmer writes: a keyword twice in a row ("return return", "function function",
#: "const const"), "=> =>", "+++", ";; ;;"
_GARBLED_CODE_RE = re.compile(r"\b(return|function|const|let|var|def|import|for|class|if|else|elif|new|while)\s+\1\b|=>\s*=>|\+\+\+|;;\s*;;")


#: a weak Chinese model's stutter: a particle or a punctuation mark doubled ("是的的的，是因为，所以…是是，，。。")
_ZH_STUTTER_RE = re.compile(r"(的|是|了|吗|呢|，|。)\1")
#: a scraped web page's furniture ("Privacy Policy", "© 2019 All Rights Reserved", "Share on Facebook", "« Previous Post")
_WEB_FURNITURE_RE = re.compile(
    r"(?i)privacy policy|terms of (?:use|service)|all rights reserved|share on (?:facebook|twitter)|\bposted by\b|previous post"
    r"|next post|\bsitemap\b|\bleave a (?:comment|reply)\b|\b\d+ comments?\b|subscribe to (?:our|the) newsletter|\| ?home ?\||\btweet\b"
    r"|\bpin it\b|политика конфиденциальности|все права защищены|поделиться в|предыдущая запись|следующая запись"
    r"|版权所有|隐私政策|上一篇|下一篇|分享到|发表评论|网站地图"
    # a Chinese forum thread's furniture ("本帖最后由 admin 于 2012-3-4 编辑", "只看该作者", written zh set AL)
    r"|本帖最后由|只看该作者|发表于 ?\d|使用道具|收藏 ?分享|回复 ?#\d|顶顶顶|楼主")
#: prompts about web pages, whose answers may hold such furniture as content
_WEB_ASK_RE = re.compile(r"(?i)website|web ?page|landing page|footer|html|\bblog\b|сайт|网站|网页|页脚|博客")


_ESCAPE_RE = re.compile(r"\\u[0-9a-fA-F]{4}")
#: prompts about encodings, markup or data, whose answers may be escapes or markup
_ESCAPE_ASK_RE = re.compile(r"(?i)unicode|escape|encod|json|html|xml|markup|javascript|\bjs\b|css|转义|编码|кодировк|экраниров")
#: a line that is only a null value: "undefined", "NaN", "null"
_NULL_LINE_RE = re.compile(r"(?i)undefined|nan|null|none")
#: a line of markup, brackets or null values and nothing else
_JUNK_LINE_RE = re.compile(r"(?i)(?:</?[a-z][^<>]{0,60}>|undefined|nan|null|none|[\[\]{}()\"'`;,.:]|\s)+")


def junk_text(text: str, prompt: str = "") -> bool:
    """True for text a weak model or a scraper leaves where an answer belongs: a Chinese stutter, three or more doubled
    particles or punctuation marks (``_ZH_STUTTER_RE``: "是的的的，…是是，，。。", written zh set AI), or the furniture of a
    scraped web page, three distinct markers (``_WEB_FURNITURE_RE``: "Privacy Policy | Terms of Use | Sitemap", "Posted
    by admin", "Share on Facebook"; written en set AG; a forum thread's "本帖最后由…编辑", set AL) to a prompt that is not about web
    pages (``_WEB_ASK_RE``); or escaped code points making half the text ("\\u042f \\u0441…"), or ≥ 4 lines, 60 % of them
    markup, brackets or null values and one a bare null ("<div class=…>", "undefined", "NaN"), to a prompt about no
    encoding, markup or web page.
    Any of them makes ``gibberish`` 1.0."""
    prose = strip_code(text)
    if len(_ZH_STUTTER_RE.findall(prose)) >= 3 and not _ZH_STUTTER_RE.search(prompt):
        return True
    # escaped code points where the text belongs ("\u042f \u0441\u043a\u0443\u0447", written ru set AK), or lines of
    # markup and null values ("<div class=…>", "undefined", "NaN", written zh set AL)
    esc = _ESCAPE_RE.findall(text)
    if len(esc) >= 3 and 6 * len(esc) >= 0.5 * len("".join(text.split())) and not _ESCAPE_ASK_RE.search(prompt[:2000]):
        return True
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if len(lines) >= 4 and sum(bool(_JUNK_LINE_RE.fullmatch(ln)) for ln in lines) >= 0.6 * len(lines) \
            and any(_NULL_LINE_RE.fullmatch(ln) for ln in lines) \
            and not _ESCAPE_ASK_RE.search(prompt[:2000]) and not _WEB_ASK_RE.search(prompt[:2000]):
        return True  # (a web page asked for is markup: "<html>\n  <head>…", alpaca)
    marks = {m.group(0).lower() for m in _WEB_FURNITURE_RE.finditer(prose)}
    return len(marks) >= 3 and not _WEB_ASK_RE.search(prompt[:2000])


_PY_BLOCK_RE = re.compile(r"```(?:python3?|py)[ \t]*\n(.*?)```", re.S | re.I)
_PY_KEYWORD_RE = re.compile(r"(?m)^\s*(?:def|class|import|from|for|while|if|return|print)\b")
_PY_CONTINUATION_RE = re.compile(r"^\s*(?:except|elif|else|finally)\b|^\s+\S")
_PROSE_LINE_RE = re.compile(r"^\s*(?:\d+\.\s+)?[A-Z][^=(){}\[\]]{20,}[.:]\s*$")


def python_syntax_errors(code: str, limit: int = 6) -> int:
    """Syntax errors in a Python snippet, counted by blanking each offending line (``pass`` at its indentation) and
    parsing again, up to ``limit`` [6]; 0 for a snippet whose first error is an indentation one (dumps collapse leading
    spaces, so ``IndentationError`` first says nothing of the code), for a continuation ("except …:" first) and for a
    block without a Python keyword line or with prose lines (an outline or a music notation tagged ``python``)."""
    import ast
    import textwrap
    import warnings

    text = textwrap.dedent(code.replace("\\_", "_"))
    lines = text.split("\n")
    body = [ln for ln in lines if ln.strip()]
    if not body or _PY_CONTINUATION_RE.match(body[0]) or not _PY_KEYWORD_RE.search(text) \
            or any(_PROSE_LINE_RE.match(ln) for ln in body):
        return 0
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(limit):
            try:
                ast.parse("\n".join(lines))
                return n
            except SyntaxError as e:
                if isinstance(e, IndentationError) and n == 0:
                    return 0
                n += 1
                i = min(max((e.lineno or 1) - 1, 0), len(lines) - 1)
                lines[i] = " " * (len(lines[i]) - len(lines[i].lstrip())) + "pass"
            except (ValueError, RecursionError, MemoryError):
                return n
    return n


def garbled_code(text: str) -> bool:
    """True when the fenced code of ``text`` (or the whole text, when it is code: ``code_density`` > 0.1) repeats a
    keyword back to back or doubles an operator (``_GARBLED_CODE_RE``: "return return False True", "function function
    unique((", "i+++"): a weak model's code-shaped gibberish (written sets U, V, W, AA, AB, AC: 11 nonsense rows of the
    label sets, every one garbled), or holds a ``python`` block with two or more syntax errors (``python_syntax_errors``;
    label sets: 10 nonsense rows; 2 of 154 good answers with Python blocks and 4 of 145 dump pairs were caught as well
    before the keyword and prose-line guards, which leave none of them). Prose is not judged: "if if he is a soldier" and "is for for astronomical" are a
    typo in two good rows."""
    code = "\n".join(FENCE_RE.findall(text))
    if not code and code_density(text) > 0.1:
        code = text
    if bool(code) and bool(_GARBLED_CODE_RE.search(code)):
        return True
    # a Python block with two or more syntax errors: "if n = 0:", "max = list[0", "prev -> next = None" (written sets AT-AX)
    return any(python_syntax_errors(b) >= 2 for b in _PY_BLOCK_RE.findall(text[:20000]))


def script_salad(text: str, min_runs: int = 10, min_switches: int = 8, min_rate: float = 0.3) -> bool:
    """True when ``text`` switches between three scripts word by word: Han, Cyrillic and Latin each hold ≥ 2 runs,
    and ≥ ``min_switches`` [8] of the (≥ ``min_runs`` [10]) runs, at least ``min_rate`` [0.4] of the steps between
    runs, change script ("Для сырники you need творог 的 200 g, затем mix с яйцо and 加入 мука"; written sets U, V:
    a weak multilingual model's garbled mix; ``min_rate`` was 0.4 until an English-led mix, "Good way to start cooking 是
    first you need 准备 the ingredients и потом нагреть сковороду", switched at 0.35: written en set AD). Chinese with English terms, or Russian with them, uses two scripts;
    none of the 82,945 dump pairs of ``../shared/data`` mixes three so. Not judged where the prompt asks for a
    translation or for several languages (``degenerate_metrics``)."""
    if not _CYRILLIC_RE.search(text) or not _HAN_RE.search(text):
        return False  # (the cheap test first: two of the three scripts)
    runs = _SCRIPT_RUN_RE.findall(text)
    if len(runs) < min_runs:
        return False
    kinds = ["han" if "\u4e00" <= r[0] <= "\u9fff" else "lat" if r[0].isascii() else "cyr" for r in runs]
    if min(kinds.count(k) for k in ("han", "cyr", "lat")) < 2:
        return False
    switches = sum(a != b for a, b in zip(kinds, kinds[1:]))
    return switches >= min_switches and switches >= min_rate * (len(kinds) - 1)


#: a word run of one script for ``script_islands``: CJK (Han, kana and Hangul together: Japanese mixes kana with Han by
#: design), Cyrillic, Latin (accents included), Thai, Arabic, Devanagari
_ISLAND_RUN_RE = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]+|[а-яёА-ЯЁ]+|[A-Za-zÀ-ÖØ-öø-ÿ]+|[\u0e00-\u0e7f]+"
                            r"|[\u0600-\u06ff]+|[\u0900-\u097f]+")
#: function words that only a sentence holds: a Latin island with one of them is a phrase of another language, not a term
#: ("the book", "which", "hope für", "très"); "a", "de", "la" are left out (variables, names)
_ISLAND_FUNCTION_WORDS = frozenset("the which is are of to and for with that this very für und ist très est avec pour los las una".split())
#: a quoted or bracketed span, inline code or bold: a term or a title cited in another script, not an island
_CITED_SPAN_RE = re.compile(r'"[^"\n]{0,80}"|“[^”\n]{0,80}”|«[^»\n]{0,80}»|「[^」\n]{0,80}」|《[^》\n]{0,80}》|\([^)\n]{0,80}\)'
                            r"|（[^）\n]{0,80}）|`[^`\n]*`|\*\*[^*\n]{0,80}\*\*")


def _uncited_prose(text: str) -> str:
    """``text`` without code, URLs and cited spans (``_CITED_SPAN_RE``: quotes, brackets, bold, inline code): the words a
    mix of languages is judged on (``script_islands``, ``latin_salad``)."""
    return _CITED_SPAN_RE.sub(" ", URL_RE.sub(" ", strip_code(text)))


def _run_script(run: str) -> str:
    c = run[0]
    if "\u4e00" <= c <= "\u9fff" or "\u3040" <= c <= "\u30ff" or "\uac00" <= c <= "\ud7af":
        return "cjk"
    if _CYRILLIC_RE.match(c):
        return "cyr"
    return "thai" if "\u0e00" <= c <= "\u0e7f" else "arab" if "\u0600" <= c <= "\u06ff" else "deva" if "\u0900" <= c <= "\u097f" else "lat"


def script_islands(text: str, prompt: str = "", min_islands: int = 3, max_island_words: int = 4,
                   min_majority: float = 0.55) -> list[str]:
    """Islands of another language inside a text of one script, when there are ≥ ``min_islands`` [3] of them (else []): a
    run of ≤ ``max_island_words`` [4] words in a minority script between two runs of the majority one (≥ ``min_majority``
    [0.55] of the words; a CJK character counts half a word). A Latin island inside Chinese or Russian text counts only
    when it holds a function word (``_ISLAND_FUNCTION_WORDS``: "the book", "which", "hope für") and is not mostly
    capitalised (a name, "Gertrude the Great AI"): terms ("Python", "API") are how Chinese and Russian technical text
    is written. A one-character CJK island does not count ("的" between English titles). Quoted, bracketed, bold and
    inline-code spans, code comments and URLs are removed first; code (``code_density`` > 0.03) and a prompt that itself
    mixes two scripts (3+ words of the second) are not judged. "Primero, el rice debe washing mit kaltem Wasser, dann
    把水 boil … Put the lid на кастрюлю … für 18 минут … 好吃 enjoy" (written en set AS: 4 islands), "我推荐 the book 叫做
    《时间的 river》 which 是非常 good 的 reading ของ 人生，它 erzählt 关于 a man 和 他的 hope für 未来" (set AU: 6): a weak
    multilingual model’s word-by-word mix. Label sets: 21 nonsense rows and no good one; dump pool (80,179 pairs): 4
    machine-translated code answers ("self.name = 名字"), themselves garbled."""
    if code_density(text) > 0.03:
        return []
    prompt_scripts = Counter(_run_script(r) for r in _ISLAND_RUN_RE.findall(prompt[:2000]) if len(r) >= 2)
    if len(prompt_scripts) >= 2 and sorted(prompt_scripts.values())[-2] >= 3:
        return []
    t = _uncited_prose(text)
    t = re.sub(r"(?:#|//)[^\n]*", " ", t)
    runs = [r for r in _ISLAND_RUN_RE.findall(t) if len(r) >= 2 or _run_script(r) == "cjk"]  # (x, y, A: variables)
    if len(runs) < 2 * min_islands + 2:
        return []
    kinds = [_run_script(r) for r in runs]
    weight: Counter = Counter()
    for r, k in zip(runs, kinds):
        weight[k] += len(r) / 2 if k == "cjk" else 1
    major, w = weight.most_common(1)[0]
    if w < min_majority * sum(weight.values()):
        return []
    islands: list[str] = []
    i = 0
    while i < len(runs):
        if kinds[i] == major:
            i += 1
            continue
        j = i
        while j < len(runs) and kinds[j] != major:
            j += 1
        seg, seg_kinds = runs[i:j], set(kinds[i:j])
        if i > 0 and j < len(runs) and len(seg) <= max_island_words:
            if seg_kinds - {"lat"}:
                if not (seg_kinds == {"cjk"} and len("".join(seg)) < 2):
                    islands.append(" ".join(seg))
            elif any(x in _ISLAND_FUNCTION_WORDS for x in seg) and 2 * sum(x[:1].isupper() for x in seg) < len(seg):
                islands.append(" ".join(seg))
        i = j
    return islands if len(islands) >= min_islands else []


#: a prompt that asks what a term is ("what is inflation", "что такое ипотека", "什么是民主"), for ``circular_definition``
_DEFINITION_ASK_RE = re.compile(
    r"(?i)^\W*(?:(?:can you |could you |please )?(?:explain|define|describe)(?: to me)?(?: what)?|what(?:['’]s| is| are| does)"
    r"|what do you mean by|meaning of|(?:объясни(?:те)?|расскажи(?:те)?)(?: мне)?(?:,? что такое)?|что (?:такое|значит|означает)"
    r"|что это)\b|什么是|是什么|什么叫|何为|解释一下|介绍一下|怎么理解|如何理解|是(?:研究|做|干)什么")
#: the Chinese term asked about: "什么是民主", "机器学习是什么"
_ZH_TERM_RE = re.compile(r"(?:什么是|什么叫|何为|解释一下|介绍一下|怎么理解|如何理解)([^？?。，,！!\s]{2,8})"
                         r"|([^？?。，,！!\s]{2,8}?)(?:到底)?(?:是(?:研究|做|干)?什么|指的是什么)")
#: words of a definition ask that are not its term
_ASK_STEMS = frozenset({"expla", "defin", "descr", "объяс", "расск", "такое", "прост", "кратк", "слова", "means", "meani",
                        "simpl", "terms", "словa", "значи", "означ"})
#: two terms weighed against each other: their names come back in every sentence of a good answer
_COMPARISON_ASK_RE = re.compile(r"(?i)\b(?:differen\w*|between|compare\w*|vs\.?|versus)\b|отлича|разниц|сравн|区别|不同|比较|对比")
_TERM_WORD_RE = re.compile(r"[^\W\d_]{3,}")


#: function words distinctive of one Latin-script language each (none shared between two of the lists: "de", "la",
#: "que", "en", "die" are left out)
_SALAD_FUNCTION_WORDS = {
    "en": frozenset("the and is are with from into this that your then".split()),
    "es": frozenset("el los las una está hasta después pero muy y para del".split()),
    "de": frozenset("und dann ist mit für nicht ein eine auch wenn sehr noch".split()),
    "fr": frozenset("le les et pour dans avec une est sur pas très mais".split()),
    "it": frozenset("il gli della sono nel anche perché molto".split()),
    "pt": frozenset("os não uma também muito então com".split()),
}
_SALAD_WORD_RE = re.compile(r"[A-Za-zÀ-ÿ]+")


def latin_salad(text: str, prompt: str = "", min_languages: int = 3, min_hits: int = 2, max_words: int = 300) -> list[str]:
    """The Latin-script languages a short text mixes word by word (else []): ≥ ``min_languages`` [3] languages each with
    ≥ ``min_hits`` [2] distinct function words of its own (``_SALAD_FUNCTION_WORDS``), in ≤ ``max_words`` [300] words of
    prose (quoted, bracketed, bold and code spans removed): "Para hervir un egg, first put the huevo in agua fría und dann
    kochen… remove el egg y put into eau froide pour que la shell se peel" (written en set BB), the Latin-script twin of
    ``script_islands``. A lesson that quotes one foreign language in English names two, and a prompt about languages
    (``_LANGUAGES_ASK_RE``) is not judged by the caller."""
    t = _uncited_prose(text)
    toks = [w.lower() for w in _SALAD_WORD_RE.findall(t)]
    if not toks or len(toks) > max_words or code_density(text) > 0.03:
        return []
    present = set(toks)
    return sorted(lang for lang, fw in _SALAD_FUNCTION_WORDS.items() if len(fw & present) >= min_hits) \
        if sum(len(fw & present) >= min_hits for fw in _SALAD_FUNCTION_WORDS.values()) >= min_languages else []


_NUM_TOKEN = r"\d{1,9}(?:[.,]\d{1,6})?"
#: one binary operation and its stated result, not inside a longer expression: "14 × 14 = 144", "17 ÷ 3 = 5.67", "2 + 2 = 5"
_EQUATION_RE = re.compile(rf"(?<![\d.,+\-−×÷*/^()=:·²³a-zA-Z又])({_NUM_TOKEN})[ \t]*([+×÷*/·]|[ \t][xх\-−][ \t])[ \t]*({_NUM_TOKEN})[ \t]*=[ \t]*"
                          rf"(?:\*\*)?({_NUM_TOKEN})(?:\*\*)?(?![\d.,]*\d|[ \t]*[+\-−×÷*/^(·%²³]|[ \t]*[a-zA-Z])")  # ("= **418**", set BH)
#: a remainder after a division: "5 ÷ 3 = 1 余 2", "7 ÷ 4 = 1 ... 3", "29 ÷ 5 = 5 … 4", "остаток"
_REMAINDER_RE = re.compile(r"^[ \t]*(?:余|…|\.\.\.|(?i:r\b|rem|remainder|остаток|ост\.))")
#: TeX math: bases, carries and variables there defeat a plain check
_TEX_RE = re.compile(r"\$|\\\(|\\\[|\\frac|\\begin")
_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "−": lambda a, b: a - b, "×": lambda a, b: a * b,
        "*": lambda a, b: a * b, "·": lambda a, b: a * b, "x": lambda a, b: a * b, "х": lambda a, b: a * b,
        "÷": lambda a, b: a / b if b else None, "/": lambda a, b: a / b if b else None}


def _number(token: str) -> float:
    """A number token as written: "5.67", "5,67" (a decimal comma), "1,000" (a thousands comma: three digits after it)."""
    if "," in token:
        head, tail = token.split(",", 1)
        token = head + tail if len(tail) == 3 and "." not in token else head + "." + tail
    return float(token)


def false_arithmetic(text: str, prompt: str = "") -> list[str]:
    """The equations of ``text`` whose stated result is wrong (else []): one binary operation between two numbers and its
    result on the same line, alone (not inside a longer expression, a date, a version or a variable's term), checked with
    the tolerance of the result's own decimals: "The square root of 144 is 14, because 14 × 14 = 144" (written en set BB,
    ru set BF); "17 ÷ 3 = 5.67" is right. Not counted: an integer division ("7 ÷ 4 = 1 … 3", "5 ÷ 3 = 1 余 2"), a result
    off by a power of ten (a unit changed: "4 * 750 = 3升"), an equation the prompt states ("如果1+1=3…"); code
    (``strip_code``) and TeX answers (bases, carries and variables there) are not judged. Confident wrong arithmetic is
    nonsense whatever the prompt: readers labelled every such answer in the written sets nonsense; in the dump pool
    (80,179 pairs) the ones caught are wrong sums of machine-made maths answers ("1 + 5 = 9", "6 + 4 = 14")."""
    out = []
    prose = strip_code(text)
    if _TEX_RE.search(prose):
        return out
    said = re.sub(r"\s", "", prompt)
    for m in _EQUATION_RE.finditer(prose):
        if re.search(r"[\d+\-−×÷*/^(=·x]\s*$", prose[max(0, m.start() - 4):m.start()]):
            continue  # the tail of a longer expression: "2 + 3 × 4 = 14"
        if re.sub(r"\s", "", m.group(0)) in said:
            continue  # the prompt's own premise: "如果1+1=3，那么…"
        a, op, b, c = m.group(1), m.group(2).strip(), m.group(3), m.group(4)
        try:
            x, y, z = _number(a), _number(b), _number(c)
        except ValueError:
            continue
        got = _OPS[op](x, y)
        if got is None:
            continue
        if op in "÷/" and x.is_integer() and y.is_integer() and z == x // y:
            continue  # integer division: "7 ÷ 4 = 1 … 3", "448 / 8 = 56 余数 0"
        if _REMAINDER_RE.match(prose[m.end():m.end() + 12]):
            continue
        if got and z and any(abs(got / z - k) < 1e-9 or abs(z / got - k) < 1e-9 for k in (10, 100, 1000)):
            continue  # a unit changed on the way: "4 * 750 = 3升" (millilitres to litres)
        decimals = len(re.split(r"[.,]", c)[1]) if re.search(r"[.,]\d{1,2}$", c) else 0
        tol = max(0.5 * 10 ** -decimals, 1e-9 * abs(got)) if decimals else 0.5 if op in "÷/" else 1e-9
        if abs(got - z) > tol + 1e-9:
            out.append(m.group(0))
    return out


def circular_definition(text: str, prompt: str) -> str | None:
    """The term when ``text`` defines it by itself, else None: a short definition ask (≤ 80 characters, no digit;
    ``_DEFINITION_ASK_RE``) answered with the term again and again and little else. Latin and Cyrillic: in a reply of
    ≤ 80 words, one stem of the prompt (first 5 letters of a content word) makes ≥ 4 of the reply's words, ≥ 30 % of its
    content words, and at least as many as the reply's distinct new stems ("Inflation is when things inflate. It happens
    because of inflation, which causes prices to become inflated…": 7 and 7; "Ипотека — это ипотечный кредит, который
    выдаётся по ипотеке…"). Chinese: the asked term (``_ZH_TERM_RE``) occurs ≥ 4 times and covers ≥ 25 % of the reply's
    ≤ 160 ideographs ("民主就是民主的制度，也就是以民主的方式来实行民主"), or two characters of it occur 6+ times and cover a
    quarter of them ("经济学是一门研究经济的学科。所谓经济…"). Latin and Cyrillic also: one stem 8+ times, at least half as
    often as the new stems and 35 % of the content words by itself ("Recursion is when a function recurses into its own
    recursion…"). Not for a comparison ("What is the difference
    between a static method and an instance method?", ``_COMPARISON_ASK_RE``). Written sets: 12 nonsense rows, no good one; a
    good definition names the term once or twice among many new words ("A function pointer is a pointer that contains
    the address of a function…": 5 against 10); dump pool (80,179 pairs): none. Code (``code_density`` > 0.03) is not judged."""
    p = prompt.strip()
    if len(p) > 80 or re.search(r"\d", p) or not _DEFINITION_ASK_RE.search(p) or _COMPARISON_ASK_RE.search(p):
        return None
    reply = strip_code(text)
    if code_density(reply) > 0.03:
        return None
    if _HAN_RE.search(p):
        m = _ZH_TERM_RE.search(p)
        term = re.sub(r"^下?一下", "", (m.group(1) or m.group(2)).strip()) if m else ""
        han = len(_HAN_RE.findall(reply))
        if len(term) < 2 or not 0 < han <= 160:
            return None
        n = reply.count(term)
        if n >= 4 and n * len(term) >= 0.25 * han:
            return term
        # ... or its most frequent two characters, six times and a quarter of the reply: "经济" in "经济学是一门研究经济的学科。
        # 所谓经济，就是经济学所研究的对象…" (written zh set AX)
        top = max(reply.count(term[i:i + 2]) for i in range(len(term) - 1))
        return term if top >= 6 and 2 * top >= 0.25 * han else None
    if len(words(reply)) > 80:
        return None
    stems = {w[:5] for w in _TERM_WORD_RE.findall(p.lower()) if len(w) >= 5 and w not in STOPWORDS} - _ASK_STEMS
    content = [w for w in (x.lower() for x in _TERM_WORD_RE.findall(reply)) if w not in STOPWORDS]
    hits = Counter(w[:5] for w in content if len(w) >= 5 and w[:5] in stems)
    if not hits or not content:
        return None
    stem, top = hits.most_common(1)[0]
    novel = {w[:5] for w in content if len(w) >= 4 and w[:5] not in stems}
    share = sum(hits.values()) / len(content)
    # (or 8+ times, at least half as often as new stems and 35 % of the content words by itself: "Recursion is when a function recurses into its own recursion…",
    # 13 against 17; "Алгоритм — это алгоритмическая последовательность…", 9 against 15: written sets AV, AW)
    # (written ru set BF: "Инфляция — это процесс инфляции… инфляционный рост", 8 against 16 and 33 % of 24 content words; the
    # first branch at two thirds of the new stems took a good answer that says "number" 7 times against 10, dump pool)
    return stem if (top >= 4 and top >= len(novel) and share >= 0.3) \
        or (top >= 8 and 2 * top >= len(novel) and top >= 0.3 * len(content)) else None


def _implausible_latin(word: str) -> bool:
    """A Latin-script word no language writes: no vowel, 5+ consonants in a row, or mostly a keyboard-row sweep."""
    return not _VOWEL_RE.search(word) or bool(_CONS_RUN_RE.search(word)) or key_sweep(word) >= 0.75


def gibberish(text: str, mixed_scripts: bool = True) -> float | None:
    """Share of implausible Latin-script and Cyrillic words (see module doc); 1.0 for mojibake
    (``mojibake``); None under 5 words of ≥ 4 letters, when such words are under 30 % of all words
    (a Chinese or Japanese text quoting acronyms), or in code-like text (``code_density`` > 0.03).
    Acronyms (all capitals) are skipped. A word is implausible when it has no vowel, 5+ consonants
    in a row (Cyrillic: 6+), or is mostly a sweep along one keyboard row (``key_sweep`` ≥ 0.75: "asdf", "фывап").
    Also 1.0 for a word-by-word mix of three scripts (``script_salad``) unless ``mixed_scripts`` [True] is off."""
    if mojibake(text) or (mixed_scripts and script_salad(text)):
        return 1.0
    cyr = [w for w in _CYR_WORD_RE.findall(text) if not w.isupper()]
    if len(cyr) >= 5 and len(cyr) >= 0.3 * len(words(text)) and code_density(text) <= 0.03:
        bad = sum(not _CYR_VOWEL_RE.search(w) or bool(_CYR_CONS_RUN_RE.search(w)) or key_sweep(w) >= 0.75 for w in cyr)
        return bad / len(cyr)
    ws = [w for w in _LATIN_WORD_RE.findall(text) if not w.isdigit() and not w.isupper()]
    long_ws = [w for w in ws if len(w) >= 4]
    implausible = [w for w in long_ws if _implausible_latin(w)]
    if 3 <= len(long_ws) < 5 and code_density(text) <= 0.03 and len(implausible) >= 3 \
            and sum(key_sweep(w) >= 0.75 for w in long_ws) >= 2:
        return 1.0  # a mash among other scripts: "asdfghjkl 啊啊啊 qwertyuiop；；；zxcv 123123 jjjjk" (written zh set H)
    if len(ws) < 5 and len(words(text)) <= 4 and ws and code_density(text) <= 0.03:
        # a reply of a few words: only a long mash ("qklvzwuriljql") with nothing plausible beside it
        bad = [w for w in ws if len(w) >= 8 and not any(ch.isdigit() for ch in w)
               and (not _VOWEL_RE.search(w) or _LONG_CONS_RUN_RE.search(w))]
        return 1.0 if len(bad) == len(ws) else None
    if len(ws) < 5 or len(ws) < 0.3 * len(words(text)) or code_density(text) > 0.03:
        return None
    bad = 0
    for w in ws:
        if any(ch.isdigit() for ch in w):
            continue  # units and versions: 400Pa, mp3, 5GHz
        if _implausible_latin(w):
            bad += 1
    return bad / len(ws)


def _fold(text: str) -> str:
    return _WS_RE.sub(" ", text).strip().lower()


#: an instruction to change a text (not to check it: "correct"/"proofread" inputs may already be right)
CHANGE_ASK_RE = re.compile(r"(?i)\b(?:rewrite|rephrase|paraphrase|reword|change|convert|transform|turn|make (?:it|this|the sentence)|"
                           r"translate|simplify|shorten|expand|summari[sz]e|replace|substitute)\b|改写|重写|改变|改成|改为|转换|变成|翻译|"
                           r"简化|缩短|扩写|总结|替换|换成|代替|取代|перепиш|перефразир|измени|преобразуй|перевед|упрости|сократи|замени")


_QUOTED_RE = re.compile(r"[“\"「]([^”\"」\n]{2,200})[”\"」]")
_CASE_RE = re.compile(r"(?i)capital|upper ?case|lower ?case|大写|小写|大寫|小寫|заглавн|строчн|регистр")
_TENSE_RE = re.compile(r"(?i)\btense|时态|现在时|过去时|将来时|进行时|完成时|过去的完美|время глагола")


#: instructions whose answer may be their input as it is: a correction of a text that has no error, a
#: question or selection whose answer is the input word, a sort of a sorted list, "repeat after me"
KEEP_INPUT_RE = re.compile(
    r"(?i)\b(?:correct|fix|proofread|check|spell|grammar|grammatical|identify|find|select|pick|choose|extract|return|output"
    r"|repeat|copy|echo|which|what|is|are|does|classify|categori[sz]e|determine|tell|name|give|list|sort|arrange|order|rank"
    r"|count|capitali[sz]e|punctuat|organi[sz]e|reorder|chronolog\w*|match|cite|citation|spaces?|whitespace|period"
    r"|full stop)\b|更正|句号|句点"
    r"|纠正|改正|修正|校对|检查|拼写|语法|找出|选择|挑出|提取|输出|返回|重复|复制|哪|是否|分类|判断|确定|命名|排序|排列|排名|排行|顺序"
    r"|匹配|引用|空格|标点|大写|исправ|провер|выбер|найди|повтор")


def echoes_input(text: str, prompt: str) -> bool:
    """True when the answer is the prompt's input text unchanged (spaces folded, case kept, ≥ 2
    characters, a final full stop ignored) in an Alpaca-style instruction / input prompt (a line
    break between the two) whose instruction does not allow that (``KEEP_INPUT_RE``: a correction,
    question, selection or sort, whose input can be its own answer; nor a tense change, which can
    leave a Chinese sentence as it was): "从语法上改变这句话\n\n她没有参加考试。" answered "她没有参加考试。",
    "删除给定句子的最后两个词。\n\n这是最好的方法" answered "这是最好的方法"; or the answer is a text quoted in
    an instruction that asks to change it (``CHANGE_ASK_RE``: '将短语“早上好”翻译成法语' answered "早上好")."""
    head, sep, body = prompt.strip().partition("\n")
    if _TENSE_RE.search(head):
        return False  # a tense change can leave a Chinese sentence as it was
    if _CASE_RE.search(head) and not any(ch.isupper() or ch.islower() for ch in text):
        return False  # "不使用任何大写字母重写这句话" over a Chinese sentence: a caseless script is its own answer (round 47)
    f = _WS_RE.sub(" ", text).strip().strip("“”\"'「」")  # case kept: "HELLO WORLD." answers "change to uppercase"
    if len(f) < 2:
        return False
    change = CHANGE_ASK_RE.search(head) is not None
    if sep and body.strip() and (change or not KEEP_INPUT_RE.search(head)) \
            and f.rstrip("。.") == _WS_RE.sub(" ", body).strip().rstrip("。."):
        return True
    if not change:
        return False
    # the text to change is quoted in the instruction itself: '将短语“早上好”翻译成法语' answered '早上好'
    return any(f == q.strip() for q in _QUOTED_RE.findall(head))


#: the prompt asks for emoji, symbols or punctuation: an answer without letters or digits is the answer
SYMBOL_ASK_RE = re.compile(r"(?i)emoji|emoticon|smiley|笑脸|symbol|punctuation|ascii (?:art|characters)|kaomoji|表情|符号|标点|смайл|эмодзи|символ|знак")
#: the prompt asks for random letters, a password, a code or an anagram: mash is the answer
RANDOM_ASK_RE = re.compile(r"(?i)random|password|passphrase|anagram|scramble|letters|\bstring\b|\bsequence|cipher|encrypt|"
                           r"\bcode\b|\btoken|\bkey\b|\bhash|随机|密码|字母|字符串|序列|乱码|加密|случайн|пароль|букв")
#: the prompt is about character encodings or garbled text: mojibake quoted in the answer is its subject
ENCODING_ASK_RE = re.compile(r"(?i)乱码|亂碼|编码|編碼|烫烫|锟斤拷|mojibake|encod|charset|кодировк|кракозябр")
#: the prompt asks for a translation or for several languages: then three scripts side by side are the answer
_LANGUAGES_ASK_RE = re.compile(r"(?i)translat|перев[еоё]д|翻译|翻譯|multilingual|languages|多语|多種語|多种语|многоязыч|языках"
                               r"|(?:中|英|俄|日)(?:文|语)|\b(?:in|into) (?:russian|chinese|english)\b|\blanguage\b"
                               r"|на (?:русском|китайском|английском)|по-(?:английски|китайски|русски|японски)")
REPEAT_ASK_RE = re.compile(r"(?i)\brepeat|\b(?:\d+|two|three|four|five|ten) times\b|重复|遍|повтор"
                           # "напиши фразу … 5 раз" (written ru set BX); not "в 5 раз больше"
                           r"|(?<!в )\b(?:\d+|два|три|пять|десять|сто) раза?\b(?! (?:больше|меньше|быстрее|дешевле|дороже|выше|ниже))")
#: ... and a prompt that asks to remove repeats ("删除重复的单词", "remove the duplicates"): a repeat left is an error
DEDUP_ASK_RE = re.compile(r"(?i)(?:删除|去除|去掉|删去)重复|去重|\bremove (?:the |all )?(?:duplicate|repeat)|\bdeduplicat|удал\w* (?:\w+ )?повтор|без повтор")


def degenerate_metrics(text: str, prompt: str = "") -> dict[str, float | int | None]:
    """``{char_entropy, tail_loop, token_run, gibberish, echo}`` of one assistant turn (see module doc)."""
    prose = URL_RE.sub(" ", strip_code(text))
    toks = [w.lower() for w in words(prose)]
    folded = _fold(text)
    exempt = code_density(prose) > 0.03 or bool(REPEAT_ASK_RE.search(prompt[:500]))
    return {
        "char_entropy": None if exempt else char_entropy(prose),
        "tail_loop": 0.0 if exempt else max(tail_loop(toks), line_loop(prose)),
        "token_run": 0 if exempt else token_run(toks),
        "gibberish": None if RANDOM_ASK_RE.search(prompt[:1000]) or ENCODING_ASK_RE.search(prompt[:1000])
        else 1.0 if garbled_code(text) or junk_text(text, prompt) or circular_definition(text, prompt) or false_arithmetic(text, prompt)
        or (not _LANGUAGES_ASK_RE.search(prompt[:1000]) and (script_islands(text, prompt) or latin_salad(text, prompt)))
        else gibberish(prose, mixed_scripts=not _LANGUAGES_ASK_RE.search(prompt[:1000])),
        "echo": int((len(folded) >= 10 and folded == _fold(prompt)) or echoes_input(text, prompt)
                    or (bool(text.strip()) and not _ALNUM_RE.search(text) and not SYMBOL_ASK_RE.search(prompt[:1000]))),
        "leak": len(LEAK_RE.findall(text)) + role_continuation(prose, prompt) + token_leak(prose, prompt),
    }


#: a tokenizer's or chat template's own tokens in the text: "<|im_end|>", "[/INST]", "<unk>", "[PAD]", byte tokens
#: ("<0x0A>"), or SentencePiece word marks ("▁обу ▁маш"): decoding went wrong (written sets U-W)
TOKEN_LEAK_RE = re.compile(r"<\|(?:im_start|im_end|eot_id|start_header_id|end_header_id|assistant|user|system|end)\|>|\[/?INST\]|<unk>"
                           r"|<0x[0-9A-Fa-f]{2}>|\[(?:PAD|SEP|CLS|UNK|MASK)\]|<pad>|(?:▁\w[^▁]*){3}")
#: the prompt is about tokenizers or chat templates: their tokens are the subject
_TOKEN_TALK_RE = re.compile(r"(?i)token|template|\binst\b|im_start|sentencepiece|special|токен|шаблон|模板|分词|词元")


def token_leak(text: str, prompt: str = "") -> int:
    """1 when the text (fenced code removed) holds a tokenizer's or chat template's own tokens (``TOKEN_LEAK_RE``):
    "<|im_end|>", "[/INST]", "<unk>", "[PAD]", a byte token "<0x0A>", or three SentencePiece word marks "▁";
    a model decoded without its tokenizer's cleanup or ran past its end-of-turn token. Not counted when the prompt
    speaks of tokens or templates (``_TOKEN_TALK_RE``). None of the 82,945 dump pairs of ``../shared/data`` holds
    one; written sets U-W hold three. Else 0."""
    return int(bool(TOKEN_LEAK_RE.search(text)) and not _TOKEN_TALK_RE.search(prompt[:2000]))


def role_continuation(text: str, prompt: str = "") -> int:
    """1 when the answer writes the conversation on by itself — a "Human:"/"User:"/"用户：" line
    followed later by an "Assistant:"/"AI:"/"助手：" line (the model generating the next exchange, a
    common weak-model and hh-rlhf artefact) — and the prompt does not ask for a dialogue,
    transcript or script (``_DIALOGUE_ASK_RE``); or when the answer *opens* with a user-role tag
    ("Human: The surface temperature of the water is…"): the assistant turn speaks as the user, an
    hh-rlhf artefact that readers labelled nonsense, refusal or unsure, never good (5 of 5, rounds
    1-29); else 0."""
    m = _USER_LINE_RE.search(text)
    if not m or _DIALOGUE_ASK_RE.search(prompt[:2000]):
        return 0
    if _ASSISTANT_LINE_RE.search(text, m.end()):
        return 1
    # opens with the tag, which never comes back (a dialogue the task asked for repeats its speakers)
    return int(not text[:m.start()].strip() and not _USER_LINE_RE.search(text, m.end()))
