"""Build the labelled language-ID set ``benchmarks/lang_labels/*.jsonl`` from ../shared/data.

Run: ``.venv/bin/python benchmarks/lang_labels/build.py`` (deterministic; seconds).

Each output line is ``{"text", "lang", "origin"}`` (ISO 639-1 ``lang``; ``origin`` = file#record).
Where labels come from, and how they were checked:

- ``oasst.jsonl``: OpenAssistant messages with their human ``lang`` label (``pt-BR`` → ``pt``, ``nb``/``nb-NO`` → ``no`` as lid.176 names Norwegian,
  ``uk-UA`` → ``uk``, ``nb-NO`` → ``nb``). Checked by script: a ``zh``/``ja``/``ko`` label needs
  Han/kana/Hangul, a ``ru``/``uk``/``bg`` label Cyrillic letters for most of its letters, a
  Latin-script label Latin letters for most of its letters; failing messages are left out.
- ``short.jsonl``: sentences of 2–49 letters cut from those messages (first sentence of English
  messages, every sentence of the other languages), inheriting the message's label, same script
  check; plus short instructions from the zh and en Alpaca-style files.
- ``zh.jsonl``: Chinese instructions (+ input) from belle, carbonz0, hikariming ``*_zh_checked``,
  LLaMA-Factory ``alpaca_zh_demo``/``oaast_sft_zh`` and MedicalGPT ``sharegpt_zh`` user turns, whose
  letters are ≥ 20 % Han; instructions whose input is English (``mixed``: Chinese prompts quoting
  English, labelled ``zh``) are kept on purpose.
- ``en.jsonl``: Alpaca/LIMA/Code Alpaca instructions and answers (code-heavy ones included).
- ``handwritten.jsonl``: short texts written and labelled by hand for this set (fr, ru, bg, uk and
  more), because the shared data hold few short French/Russian texts and no Bulgarian.

Labels are never taken from a detector, but a detector check removes likely mislabels: a text
whose inherited label both fastText lid.176 and langdetect contradict, each with p ≥ 0.8 and on
the same other language (an English sentence quoted in a Spanish message, an oasst ``en`` message
written in Spanish), is left out and listed in ``excluded.txt`` (read by hand: nearly all are
English quotes, code or headings inside non-English messages). Sentences with code characters
(``= ( ) { } [ ] < > # $ _ \\ / | ` ``) are left out too.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
OUT = Path(__file__).resolve().parent
CODE_FIX = {"pt-br": "pt", "uk-ua": "uk", "nb-no": "no", "nb": "no"}

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")
HANGUL = re.compile(r"[\uac00-\ud7af]")
CYR = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
LETTER = re.compile(r"[^\W\d_]")
CODE_CHARS = re.compile(r"[=(){}\[\]<>#$_\\/|`]")
SENT = re.compile(r"(?<=[.!?。！？])\s+|\n+")
CJK_LANGS = {"zh", "ja", "ko"}
CYR_LANGS = {"ru", "uk", "bg", "mk", "sr", "be", "kk"}
OTHER_SCRIPT = {"ar", "fa", "th", "el", "he", "hi"}


def letters(t: str) -> int:
    return len(LETTER.findall(t))


def script_ok(text: str, lang: str) -> bool:
    n = letters(text) or 1
    if lang == "zh":
        return bool(HAN.search(text)) and not KANA.search(text)
    if lang == "ja":
        return bool(KANA.search(text))
    if lang == "ko":
        return len(HANGUL.findall(text)) >= 0.3 * n
    if lang in CYR_LANGS:
        return len(CYR.findall(text)) >= 0.6 * n
    if lang in OTHER_SCRIPT:
        return len(LATIN.findall(text)) < 0.4 * n
    return len(LATIN.findall(text)) >= 0.8 * n


def oasst_messages():
    def walk(m, name, out):
        out.append((name, m))
        for r in m.get("replies") or []:
            walk(r, name, out)

    out: list = []
    for name in ["oasst1_en_validation.jsonl", "oasst2_filtered_openpaws.jsonl", "oasst_en_100_message.jsonl"]:
        for line in (DATA / name).read_text().splitlines():
            d = json.loads(line)
            walk(d.get("prompt", d), name, out)
    seen, uniq = set(), []
    for name, m in out:
        if m["message_id"] in seen or not m.get("lang"):
            continue
        seen.add(m["message_id"])
        lang = m["lang"].lower()
        uniq.append((f"{name}#{m['message_id'][:8]}", CODE_FIX.get(lang, lang), m["text"]))
    return uniq


def load(name: str) -> list[dict]:
    text = (DATA / name).read_text()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            return json.loads(re.sub(r",\s*\]\s*$", "]", text))
        except json.JSONDecodeError:
            return [json.loads(x) for x in text.splitlines() if x.strip()]


def contradicted(rows: list[dict]) -> list[bool]:
    """Both detectors agree (p >= 0.8) on one language other than the label (see module doc)."""
    import sys

    sys.path.insert(0, str(OUT.parents[1]))
    from curate.filters import langid
    from curate.filters.text import strip_for_langid

    texts = [strip_for_langid(r["text"], 500) for r in rows]
    tops = langid.fasttext_topk(texts, 1)
    out = []
    for r, t, top in zip(rows, texts, tops):
        if not top or top[0][0] == r["lang"] or top[0][1] < 0.8 or r["lang"] in CJK_LANGS:
            out.append(False)
            continue
        ld = langid.langdetect_probs(t, 0)
        out.append(bool(ld) and ld[0][0] == top[0][0] and ld[0][1] >= 0.8)
    return out


EXCLUDED: list[dict] = []


def write(name: str, rows: list[dict]) -> None:
    seen, out = set(), []
    for r, bad in zip(rows, contradicted(rows)):
        if r["text"] in seen or letters(r["text"]) < 2:
            continue
        seen.add(r["text"])
        if bad:
            EXCLUDED.append(r)
            continue
        out.append(r)
    with open(OUT / name, "w") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(name, len(out))


def main() -> None:
    rng = random.Random(11)
    msgs = oasst_messages()
    oasst, short = [], []
    en_msgs = [m for m in msgs if m[1] == "en"]
    rng.shuffle(en_msgs)
    en_keep = {o for o, _, _ in en_msgs[:1500]}
    for origin, lang, text in msgs:
        if lang in {"bar", "swg"} or not script_ok(text, lang):
            continue
        if lang != "en" or origin in en_keep:
            oasst.append({"text": text, "lang": lang, "origin": origin})
        sents = [s.strip() for s in SENT.split(text) if s.strip()]
        if lang == "en":
            sents = sents[:1] if origin in en_keep else []
        for j, s in enumerate(sents):
            if 2 <= letters(s) < 50 and script_ok(s, lang) and not CODE_CHARS.search(s) and "http" not in s:
                short.append({"text": s, "lang": lang, "origin": f"{origin}.s{j}"})
    # short instructions (Alpaca-style, en and zh)
    for name, lang, cap in [("alpaca_5000.json", "en", 400), ("carbonz0_zh-data-part-00.json", "zh", 400),
                            ("belle_dev1K.json", "zh", 150)]:
        rows = load(name)
        idx = list(range(len(rows)))
        rng.shuffle(idx)
        n = 0
        for i in idx:
            t = rows[i]["instruction"].strip()
            if rows[i].get("input") or not (2 <= letters(t) < 50) or not script_ok(t, lang):
                continue
            short.append({"text": t, "lang": lang, "origin": f"{name}#{i}"})
            n += 1
            if n >= cap:
                break
    zh = []
    for name, cap in [("belle_dev1K.json", 300), ("carbonz0_zh-data-part-00.json", 400),
                      ("hikariming_alpaca-0-3252_zh_checked.json", 300), ("llamafactory_alpaca_zh_demo.json", 200),
                      ("llamafactory_oaast_sft_zh.json", 200)]:
        rows = load(name)
        idx = list(range(len(rows)))
        rng.shuffle(idx)
        plain = mixed = 0
        for i in idx:
            r = rows[i]
            ins, inp = r["instruction"].strip(), (r.get("input") or "").strip()
            if len(HAN.findall(ins)) < 4:
                continue
            t = f"{ins}\n{inp}" if inp else ins
            is_mixed = bool(inp) and len(LATIN.findall(inp)) >= 0.8 * max(letters(inp), 1)
            if is_mixed and mixed < cap // 3:
                zh.append({"text": t, "lang": "zh", "origin": f"{name}#{i}.mixed"})
                mixed += 1
            elif not is_mixed and plain < cap and len(HAN.findall(t)) >= 0.2 * letters(t):
                zh.append({"text": t, "lang": "zh", "origin": f"{name}#{i}"})
                plain += 1
            out = (r.get("output") or "").strip()
            if plain < cap and out and len(HAN.findall(out)) >= 0.2 * letters(out) and rng.random() < 0.3:
                zh.append({"text": out, "lang": "zh", "origin": f"{name}#{i}.output"})
                plain += 1
    n = 0
    for i, line in enumerate((DATA / "medicalgpt_sharegpt_zh_1K.json").read_text().splitlines()):
        d = json.loads(line)
        for j, m in enumerate(d["conversations"]):
            t = m["value"].strip()
            if m["from"] == "human" and t and len(HAN.findall(t)) >= 0.2 * letters(t) and script_ok(t, "zh") and n < 400:
                zh.append({"text": t, "lang": "zh", "origin": f"medicalgpt_sharegpt_zh_1K.json#{i}.{j}"})
                n += 1
    en = []
    for name, cap in [("alpaca_5000.json", 500), ("llamafactory_lima.json", 200), ("codealpaca_2k.json", 200),
                      ("fastchat_alpaca_data_cleaned_1000.json", 200)]:
        rows = load(name)
        idx = list(range(len(rows)))
        rng.shuffle(idx)
        for i in idx[:cap]:
            r = rows[i]
            t = r["instruction"].strip() + ("\n" + r["input"].strip() if r.get("input") else "")
            if script_ok(t, "en"):
                en.append({"text": t, "lang": "en", "origin": f"{name}#{i}"})
            o = (r.get("output") or "").strip()
            if name != "llamafactory_lima.json" and o and rng.random() < 0.5 and letters(o) >= 2 and script_ok(o, "en"):
                en.append({"text": o, "lang": "en", "origin": f"{name}#{i}.output"})
    write("oasst.jsonl", oasst)
    write("short.jsonl", short)
    write("zh.jsonl", zh)
    write("en.jsonl", en)
    hand = []
    for i, line in enumerate((OUT / "handwritten.txt").read_text(encoding="utf-8").splitlines()):
        if line.strip() and not line.startswith("#"):
            lang, text = line.split("\t")
            hand.append({"text": text, "lang": lang, "origin": f"handwritten.txt:{i + 1}"})
    with open(OUT / "handwritten.jsonl", "w") as f:
        for r in hand:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("handwritten.jsonl", len(hand))
    with open(OUT / "excluded.txt", "w") as f:
        for r in EXCLUDED:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("excluded.txt", len(EXCLUDED))


if __name__ == "__main__":
    main()
