"""Draw the (prompt, response) pairs behind benchmarks/quality_labels.jsonl.

What it does: reads every file in ../shared/data with ``curate.readers.read_paths`` (pinned to the
readers of commit ``READER_COMMIT``, see below), takes the first user turn and the assistant turn
that answers it from each conversation, tags each pair with cheap "suspect" cues, and draws a
stratified sample with fixed seeds that OVERSAMPLES likely-bad pairs, so that the rarer quality
labels (refusal, truncated, off_topic, nonsense, repetitive) get enough examples to measure recall
on. The cues only steer the draw; every ``label`` in quality_labels.jsonl was given by a person
reading the pair (see docs/labels.md), and the cue a pair was drawn under is kept as ``draw``.

The draw has three rounds; each keeps the earlier rounds exactly and excludes their ids:

1. 430 pairs (``SEED``): 30 Russian and 20 other-language pairs first (two thirds of them
   suspect), then per-cue quotas (``QUOTAS``) spread round-robin over sources:

   - ``refusal_kw``: the first 300 characters hold an apology / AI-boilerplate cue
     (``I'm sorry``, ``As an AI``, ``抱歉``, ``作为一个``, ``Извините``, ``К сожалению``, ...).
   - ``repetitive``: 30%+ of word 3-grams (CJK: character 3-grams) are repeats, or a non-empty line
     occurs 3+ times (Gopher-style repetition, Rae et al. 2021, appendix A).
   - ``short``: under 25 characters (CJK: under 8).
   - ``unfinished_file``: from a hikariming ``*_unfinished.json`` file.
   - ``no_end_punct``: no terminal punctuation, closing bracket/quote or code fence at the end.
   - ``low_overlap``: prompt and response share under 5% of their word (CJK: character) types.
   - ``long``: over 3,000 characters.
   - ``random``: no cue.

   Non-English oasst2 replies are taken from every branch of the message trees (sibling replies
   too), because the reader keeps one path per tree and leaves only 8 Russian answers.
2. 200 pairs (``SEED2``, ``QUOTAS2``), because round 1, once read, held under 25 truncated /
   off_topic / nonsense / repetitive pairs: sharper cues (ends in a colon, long without terminal
   punctuation, heavy repetition, answer in another script than the prompt, echo / junk) plus the
   *rejected* answers of the two preference files (hh-rlhf harmless-base test, LLaMA-Factory DPO).
3. 99 pairs (``SEED3``, ``QUOTAS3``): OpenAssistant replies that its crowd labels flag (spam,
   fails_task or lang_mismatch >= 0.5, or quality <= 0.2) and a stricter repetition cue.

4. ~420 pairs (``SEED4``, ``LANG_QUOTA4``, ``CUES4``), a fresh blind hold-out, not part of
   quality_labels.jsonl: 230 en, 120 zh, 70 ru; per language half plain random pairs, half spread
   over the suspect cues; excludes every id and response text of quality_labels.jsonl. Rows carry
   ``draw`` (``r4_<cue>``) instead of ``flag``.

Run (about 30 s; prints per-cue / per-language / per-source counts)::

    .venv/bin/python benchmarks/make_quality_sample.py --out /tmp/quality_sample.jsonl
    .venv/bin/python benchmarks/make_quality_sample.py --round 4 --out /tmp/fresh_draw.jsonl

Output rows: ``{id, source, lang, flag, prompt, response}``, in the order of
quality_labels.jsonl (which adds ``label`` and ``note`` and calls ``flag`` ``draw``).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
# The draw depends on how curate.readers turns files into conversations (ids, which oasst path is
# kept, ...), and the readers keep changing. The labelled sample was drawn with the readers of this
# commit; ``use_reader`` extracts that commit's ``curate/`` (git archive, read-only) so a rerun
# reproduces the labelled ids exactly. ``--reader-commit HEAD`` uses the current tree instead.
READER_COMMIT = "b254e8c"


def use_reader(commit: str) -> None:
    """Put ``curate`` of ``commit`` first on sys.path (``HEAD``: the working tree)."""
    import subprocess
    import tempfile

    if commit == "HEAD":
        sys.path.insert(0, str(ROOT))
        return
    dest = Path(tempfile.mkdtemp(prefix="quality_sample_reader_"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "curate"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    sys.path.insert(0, str(dest))
SEED = 11
# flag -> number of pairs to draw (total ~430; ru and "other" languages get their own quota below)
QUOTAS = {"refusal_kw": 70, "repetitive": 40, "short": 40, "unfinished_file": 30,
          "no_end_punct": 70, "low_overlap": 60, "long": 25, "random": 95}
LANG_QUOTA = {"ru": 30, "other": 20}  # drawn first, across flags, so these languages are present

_REFUSAL = re.compile(
    r"I'?m sorry|I am sorry|I apologi[sz]e|As an AI|as a language model|I'?m not able to|I cannot|I can'?t"
    r"|I don'?t have (?:access|enough|personal)|I'?m unable|抱歉|对不起|作为一[个名]|我无法|我不能|很遗憾"
    r"|Извините|К сожалению|Я не могу|как (?:ИИ|языковая модель)|Lo siento|Como (?:IA|modelo)"
    r"|Désolé|En tant qu|Es tut mir leid|Als KI", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_CYR = re.compile(r"[\u0400-\u04ff]")
_END = tuple(".!?。！？…)]}\"'»”’」』`*>|:;；：") + ("```",)
_WORD = re.compile(r"\w+")


def script_lang(text: str, meta_lang: str | None) -> str:
    """Language of a pair: the file's own label if it has one, else by script (zh / ru / en)."""
    if meta_lang:
        return meta_lang.split("-")[0]
    cjk, cyr = len(_CJK.findall(text)), len(_CYR.findall(text))
    letters = sum(ch.isalpha() for ch in text) or 1
    if cjk / letters > 0.2:
        return "zh"
    if cyr / letters > 0.3:
        return "ru"
    return "en"


def units(text: str, cjk: bool) -> list[str]:
    return list(_CJK.findall(text)) if cjk else [w.lower() for w in _WORD.findall(text)]


def flags(src_file: str, prompt: str, resp: str, lang: str) -> list[str]:
    cjk = lang in ("zh", "ja", "ko")
    out = []
    if _REFUSAL.search(resp[:300]):
        out.append("refusal_kw")
    u = units(resp, cjk)
    grams = [tuple(u[i:i + 3]) for i in range(len(u) - 2)]
    lines = [ln.strip() for ln in resp.splitlines() if ln.strip()]
    if (len(grams) >= 20 and 1 - len(set(grams)) / len(grams) >= 0.3) or (lines and Counter(lines).most_common(1)[0][1] >= 3):
        out.append("repetitive")
    if len(resp.strip()) < (8 if cjk else 25):
        out.append("short")
    if "unfinished" in src_file:
        out.append("unfinished_file")
    if not resp.rstrip().endswith(_END):
        out.append("no_end_punct")
    pu, ru_ = set(units(prompt, cjk)), set(u)
    if pu and ru_ and len(pu & ru_) / len(pu | ru_) < 0.05:
        out.append("low_overlap")
    if len(resp) > 3000:
        out.append("long")
    return out or ["random"]


def pairs() -> list[dict]:
    """Every (first user turn, its answer) pair in ../shared/data, with lang and flags."""
    from curate.readers import read_paths

    res = read_paths([DATA])
    out = []
    for row in res.rows:
        msgs = [m for m in row["messages"] if m["role"] in ("user", "assistant")]
        for i in range(len(msgs) - 1):
            if msgs[i]["role"] == "user" and msgs[i + 1]["role"] == "assistant":
                p, r = msgs[i]["content"].strip(), msgs[i + 1]["content"].strip()
                if p and r:
                    lang = script_lang(p + " " + r, row["meta"].get("lang"))
                    fname = row["id"].split("/", 1)[1].split("#")[0]
                    out.append({"id": row["id"], "source": row["source"], "lang": lang,
                                "flags": flags(fname, p, r, lang), "prompt": p, "response": r})
                break
    seen = {(r["prompt"], r["response"]) for r in out}
    for r in oasst_pairs():
        if (r["prompt"], r["response"]) not in seen:
            seen.add((r["prompt"], r["response"]))
            out.append(r)
    return out


OASST_TREES = "oasst2_filtered_openpaws.jsonl"


def oasst_pairs() -> list[dict]:
    """Every non-English (user message, assistant reply) pair in the oasst2 message trees, sibling
    replies included: the reader keeps one path per tree, which leaves too few Russian answers
    (8 in all of ../shared/data) for a per-language check. Ids: ``oasst2_trees/<file>#<message_id>``."""
    out = []

    def walk(msg: dict, parent: dict | None) -> None:
        lang = (msg.get("lang") or "").split("-")[0]
        if msg.get("role") == "assistant" and parent is not None and lang and lang != "en":
            p, r = (parent.get("text") or "").strip(), (msg.get("text") or "").strip()
            if p and r:
                out.append({"id": f"oasst2_trees/{OASST_TREES}#{msg['message_id']}", "source": "oasst2_filtered_openpaws",
                            "lang": lang, "flags": flags(OASST_TREES, p, r, lang), "prompt": p, "response": r})
        for child in msg.get("replies") or []:
            walk(child, msg)

    with open(DATA / OASST_TREES, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                walk(json.loads(line)["prompt"], None)
    return out


def draw(pool: list[dict], seed: int = SEED) -> list[dict]:
    """Stratified draw: language quotas first, then each flag's quota spread round-robin over
    sources, each source's candidates shuffled with ``seed``. Returns rows with one ``flag``."""
    rng = random.Random(seed)
    pool = sorted(pool, key=lambda r: r["id"])
    taken: set[str] = set()
    out: list[dict] = []

    def take(cands: list[dict], n: int, flag_of) -> None:
        by_src: dict[str, list[dict]] = defaultdict(list)
        for r in cands:
            if r["id"] not in taken:
                by_src[r["source"]].append(r)
        for lst in by_src.values():
            rng.shuffle(lst)
        srcs = sorted(by_src)
        got = 0
        while got < n and any(by_src[s] for s in srcs):
            for s in srcs:
                if got < n and by_src[s]:
                    r = by_src[s].pop()
                    taken.add(r["id"])
                    out.append({"id": r["id"], "source": r["source"], "lang": r["lang"], "flag": flag_of(r),
                                "prompt": r["prompt"], "response": r["response"]})
                    got += 1

    first = lambda r: next(f for f in QUOTAS if f in r["flags"])  # noqa: E731
    for lang, n in LANG_QUOTA.items():
        cands = [r for r in pool if (r["lang"] == lang if lang != "other" else r["lang"] not in ("en", "zh", "ru"))]
        # within a language, prefer suspect pairs 2:1 over unflagged ones
        take([r for r in cands if r["flags"] != ["random"]], n * 2 // 3, first)
        take(cands, n - n * 2 // 3, first)
    for flag, n in QUOTAS.items():
        have = sum(1 for r in out if r["flag"] == flag)
        take([r for r in pool if flag in r["flags"]], max(0, n - have), lambda r, f=flag: f)
    rng.shuffle(out)
    return out


# Round 2: the first draw (above) gave under 25 truncated / off_topic / nonsense / repetitive pairs
# once read, so a second draw targets them with sharper cues, from the same pool plus the
# *rejected* answers of the two preference files (real model answers that raters ranked lower).
# It excludes round-1 ids and uses its own seed, so round 1 stays exactly as it was labelled.
SEED2 = 12
QUOTAS2 = {"ends_colon": 20, "long_no_end": 45, "heavy_repeat": 35, "lang_mismatch": 25,
           "echo_or_junk": 30, "rejected": 45}
PREFERENCE_FILES = ("hh_rlhf_harmless_base_test.jsonl.gz", "llamafactory_dpo_en_demo.json")


def flags2(prompt: str, resp: str, lang: str) -> list[str]:
    """Round-2 cues (see QUOTAS2): announced content (ends in a colon), a long answer with no
    terminal punctuation, heavy repetition (half the word 3-grams repeated, or a line 4+ times), the
    answer in another script than the prompt, and echo / junk (the answer repeats the prompt, holds
    ``§§`` or a run of one character 30+ long, or is under 40% letters)."""
    cjk = lang in ("zh", "ja", "ko")
    out = []
    r = resp.rstrip()
    if r.endswith((":", "：")):
        out.append("ends_colon")
    if len(r) > 400 and not r.endswith(_END):
        out.append("long_no_end")
    u = units(resp, cjk)
    grams = [tuple(u[i:i + 3]) for i in range(len(u) - 2)]
    lines = [ln.strip() for ln in resp.splitlines() if ln.strip()]
    if (len(grams) >= 20 and 1 - len(set(grams)) / len(grams) >= 0.5) or (lines and Counter(lines).most_common(1)[0][1] >= 4):
        out.append("heavy_repeat")

    def script(t: str) -> str:
        letters = sum(ch.isalpha() for ch in t) or 1
        return "cjk" if len(_CJK.findall(t)) / letters > 0.3 else "cyr" if len(_CYR.findall(t)) / letters > 0.3 else "latin"
    if len(prompt) > 15 and len(resp) > 5 and script(prompt) != script(resp) and not re.search(r"translat|翻译|перев", prompt, re.I):
        out.append("lang_mismatch")
    letters = sum(ch.isalpha() for ch in resp)
    if (resp.strip() and resp.strip() in prompt) or "§§" in resp or re.search(r"(.)\1{29}", resp) or letters < 0.4 * len(resp):
        out.append("echo_or_junk")
    return out


def rejected_pairs() -> list[dict]:
    """(first user turn, rejected answer) pairs from the preference files; ids end in ``.rejected``."""
    from curate.readers.containers import load
    from curate.readers.formats import split_hh

    out = []
    for name in PREFERENCE_FILES:
        source = name.split(".")[0]
        for it in load(DATA / name).records:
            rec = it.value
            if not isinstance(rec, dict):
                continue
            if "conversations" in rec:  # LLaMA-Factory preference layout
                turns = [t for t in rec["conversations"] if t.get("from") == "human"]
                p = turns[0]["value"] if len(turns) == 1 else ""
                r = (rec.get("rejected") or {}).get("value", "")
            else:
                msgs = split_hh(rec["rejected"], "rejected")
                p = msgs[0]["content"] if msgs and msgs[0]["role"] == "user" else ""
                r = msgs[1]["content"] if len(msgs) > 1 and msgs[1]["role"] == "assistant" else ""
            p, r = p.strip(), r.strip()
            if p and r:
                lang = script_lang(p + " " + r, None)
                out.append({"id": f"{source}/{name}#{it.index}.rejected", "source": source, "lang": lang,
                            "flags": flags2(p, r, lang) + ["rejected"], "prompt": p, "response": r})
    return out


def draw2(pool: list[dict], exclude: set[str], seed: int = SEED2, quotas: dict[str, int] | None = None,
          prefix: str = "r2_") -> list[dict]:
    """Round 2 (and 3) draw: each cue's quota (default ``QUOTAS2``) spread round-robin over
    sources, seeded; the drawn cue is recorded as ``prefix + cue``."""
    rng = random.Random(seed)
    taken = set(exclude)
    out: list[dict] = []
    for flag, n in (QUOTAS2 if quotas is None else quotas).items():
        by_src: dict[str, list[dict]] = defaultdict(list)
        for r in sorted(pool, key=lambda r: r["id"]):
            if flag in r["flags"] and r["id"] not in taken:
                by_src[r["source"]].append(r)
        for lst in by_src.values():
            rng.shuffle(lst)
        got = 0
        while got < n and any(by_src.values()):
            for s in sorted(by_src):
                if got < n and by_src[s]:
                    r = by_src[s].pop()
                    taken.add(r["id"])
                    out.append({"id": r["id"], "source": r["source"], "lang": r["lang"], "flag": prefix + flag,
                                "prompt": r["prompt"], "response": r["response"]})
                    got += 1
    rng.shuffle(out)
    return out


# Round 3: still under 25 off_topic / nonsense / repetitive after round 2. Two more cues:
# OpenAssistant's own crowd labels on assistant replies (spam or fails_task >= 0.5, lang_mismatch
# >= 0.5, or quality <= 0.2; Koepf et al. 2023, "OpenAssistant Conversations") and a stricter
# repetition cue that skips songs, code and markup. Excludes round 1-2 ids; own seed.
SEED3 = 13
QUOTAS3 = {"oasst_flagged": 70, "strict_repeat": 30}
_SONG_OR_CODE = re.compile(r"verse|chorus|合唱|副歌|第 ?\d+ ?节|куплет|припев|```|def |class |public |function|<\w+>|\{", re.I)
OASST_FILES = ("oasst2_filtered_openpaws.jsonl", "oasst_en_100_tree.jsonl", "oasst1_en_validation.jsonl")


def strict_repeat(resp: str, lang: str) -> bool:
    """A word (CJK: character) 4-gram occurs 4+ times and 30%+ of 4-grams are repeats, in a
    response that is not a song, code or markup."""
    if _SONG_OR_CODE.search(resp):
        return False
    u = units(resp, lang in ("zh", "ja", "ko"))
    grams = [tuple(u[i:i + 4]) for i in range(len(u) - 3)]
    if len(grams) < 12:
        return False
    return Counter(grams).most_common(1)[0][1] >= 4 and 1 - len(set(grams)) / len(grams) >= 0.3


def _oasst_labels(msg: dict) -> dict[str, float]:
    lab = msg.get("labels") or {}
    if "name" in lab and isinstance(lab["name"], list):  # flat export: parallel lists
        return dict(zip(lab["name"], lab["value"]))
    return {k: v["value"] for k, v in lab.items() if isinstance(v, dict) and "value" in v}


def oasst_flagged_pairs() -> list[dict]:
    """(parent prompt, assistant reply) pairs from the three OpenAssistant files whose crowd labels
    flag the reply (see the round-3 note). Ids: ``oasst_labels/<file>#<message_id>``."""
    out = []

    def add(name: str, parent: dict, msg: dict) -> None:
        lab = _oasst_labels(msg)
        bad = (lab.get("spam", 0) >= 0.5 or lab.get("fails_task", 0) >= 0.5 or lab.get("lang_mismatch", 0) >= 0.5
               or ("quality" in lab and lab["quality"] <= 0.2))
        p, r = (parent.get("text") or "").strip(), (msg.get("text") or "").strip()
        if bad and p and r:
            lang = (msg.get("lang") or "en").split("-")[0]
            out.append({"id": f"oasst_labels/{name}#{msg['message_id']}", "source": name.split(".")[0], "lang": lang,
                        "flags": ["oasst_flagged"], "prompt": p, "response": r})

    def walk(name: str, msg: dict, parent: dict | None) -> None:
        if msg.get("role") == "assistant" and parent is not None:
            add(name, parent, msg)
        for child in msg.get("replies") or []:
            walk(name, child, msg)

    for name in OASST_FILES:
        with open(DATA / name, encoding="utf-8") as fh:
            recs = [json.loads(line) for line in fh if line.strip()]
        if "prompt" in recs[0]:  # one message tree per line
            for rec in recs:
                walk(name, rec["prompt"], None)
        else:  # flat messages: join each reply to its parent
            by_id = {rec["message_id"]: rec for rec in recs}
            for rec in recs:
                if rec.get("role") == "assistant" and rec.get("parent_id") in by_id:
                    add(name, by_id[rec["parent_id"]], rec)
    return out


def draw3(pool: list[dict], exclude: set[str], seed: int = SEED3) -> list[dict]:
    """Round 3 draw: ``draw2`` over QUOTAS3."""
    return draw2(pool, exclude, seed, QUOTAS3, "r3_")


# Round 4: a fresh, blind hold-out for measuring the rule filters on pairs nobody tuned on. It
# mimics an outside evaluator drawing "real model answers in en/zh/ru": per language
# (``LANG_QUOTA4``) half the pairs are plain uniform random pairs of that language (``r4_random``,
# no cue, so sources weigh by their size), the other half spread round-robin over the suspect cues
# above (``CUES4``, one pair per cue in turn, each cue's pairs round-robin over sources), so a cue
# with too few candidates leaves its share to the others. Russian pairs come mostly from the oasst2
# message-tree branches (``oasst_pairs``), as in round 1. It excludes every id AND every response
# text of benchmarks/quality_labels.jsonl (and repeats of a response within the draw); own seed.
SEED4 = 14
LANG_QUOTA4 = {"en": 230, "zh": 120, "ru": 70}
CUES4 = ("refusal_kw", "short", "no_end_punct", "low_overlap", "repetitive", "ends_colon", "lang_mismatch",
         "rejected", "oasst_flagged")
LABELS = ROOT / "benchmarks" / "quality_labels.jsonl"


def draw4(pool: list[dict], exclude_ids: set[str], exclude_text: set[str], seed: int = SEED4,
          cues: tuple[str, ...] = CUES4, random_share: float = 0.5) -> list[dict]:
    """Round 4 draw (see the note above). ``pool`` rows carry ``flags`` (round-1, round-2 and
    ``rejected`` / ``oasst_flagged`` cues) and ``extra`` (True for pairs that only a cue can draw:
    preference-file rejected answers and crowd-flagged OpenAssistant replies). Returns rows
    ``{id, source, lang, draw, prompt, response}`` with ``draw`` = ``r4_<cue>`` or ``r4_random``."""
    rng = random.Random(seed)
    pool = sorted(pool, key=lambda r: r["id"])
    taken_ids, taken_text = set(exclude_ids), set(exclude_text)
    out: list[dict] = []

    def free(r: dict) -> bool:
        return r["id"] not in taken_ids and r["response"].strip() not in taken_text

    def keep(r: dict, cue: str) -> None:
        taken_ids.add(r["id"])
        taken_text.add(r["response"].strip())
        out.append({"id": r["id"], "source": r["source"], "lang": r["lang"], "draw": "r4_" + cue,
                    "prompt": r["prompt"], "response": r["response"]})

    for lang, n in LANG_QUOTA4.items():
        cands = [r for r in pool if r["lang"] == lang]
        plain = [r for r in cands if not r.get("extra")]
        rng.shuffle(plain)
        n_rand = int(n * random_share)
        for r in plain:
            if sum(1 for o in out if o["lang"] == lang) >= n_rand:
                break
            if free(r):
                keep(r, "random")
        by_cue: dict[str, dict[str, list[dict]]] = {}
        for cue in cues:
            by_src: dict[str, list[dict]] = defaultdict(list)
            for r in cands:
                if cue in r["flags"]:
                    by_src[r["source"]].append(r)
            for lst in by_src.values():
                rng.shuffle(lst)
            by_cue[cue] = by_src
        turn = {cue: 0 for cue in cues}
        got = sum(1 for o in out if o["lang"] == lang)
        while got < n:
            progress = False
            for cue in cues:
                if got >= n:
                    break
                srcs = sorted(by_cue[cue])
                for k in range(len(srcs)):  # next source in this cue's rotation with a free pair
                    lst = by_cue[cue][srcs[(turn[cue] + k) % len(srcs)]]
                    while lst and not free(lst[-1]):
                        lst.pop()
                    if lst:
                        keep(lst.pop(), cue)
                        turn[cue] = (turn[cue] + k + 1) % len(srcs)
                        got += 1
                        progress = True
                        break
            if not progress:
                print(f"round 4/5: only {got} {lang} pairs available (wanted {n})", file=sys.stderr)
                break
    rng.shuffle(out)
    return out


# Round 5: a second blind hold-out, drawn the same way as round 4 once round 4 had been read (its
# misses turned into development data). Excludes every id and response text of
# quality_labels.jsonl and quality_labels_fresh.jsonl; own seed; Russian takes what is left.
SEED5 = 15
LANG_QUOTA5 = {"en": 200, "zh": 100, "ru": 40}
FRESH = ROOT / "benchmarks" / "quality_labels_fresh.jsonl"
# Round 6: a third blind hold-out once round 5 had been read; own seed, excludes rounds 1-5.
SEED6 = 16
FRESH2 = ROOT / "benchmarks" / "quality_labels_fresh2.jsonl"
# Round 7: a fourth blind hold-out once round 6 had been read; own seed, excludes rounds 1-6.
SEED7 = 17
FRESH3 = ROOT / "benchmarks" / "quality_labels_fresh3.jsonl"
# Round 8: the last blind hold-out of the session, once round 7 had been read; excludes rounds 1-7.
SEED8 = 18
FRESH4 = ROOT / "benchmarks" / "quality_labels_fresh4.jsonl"
# Round 9: a blind hold-out drawn at the start of the next session (rounds 1-8 all read), to score
# the shipped learned quality filter on pairs that neither the rules nor the model have seen.
SEED9 = 19
FRESH5 = ROOT / "benchmarks" / "quality_labels_fresh5.jsonl"
# Rounds 10-13: blind hold-outs of the same session, each drawn once the one before had been read
# (round 13 once round 12 had been scored: the last check of the shipped learned filter).
# Round 14: drawn at the start of the next session, to score the model refit on rounds 1-13 blind.
# Round 15: the same at the start of the session after (rules of round 14 and the pair-column model).
# Round 16: drawn mid-session once round 15 had been read, to score that session's code blind.
# Round 17: drawn once round 16 had been read, to score the session's code blind.
# Round 18: drawn once round 17 had been read, to score the session's code blind.
# Round 19: drawn once round 18 had been read, to score the session's final code blind.
# Round 20: drawn at the start of the next session (round 19 scored, then read), to score that session's code blind.
# Round 21: drawn once round 20 had been read, to score that session's code blind.
# Round 22: drawn once round 21 had been read, to score that session's code blind.
# Round 23: drawn once round 22 had been read, to score that session's final code blind.
# Round 24: drawn at the start of the next session (round 23 scored, then read), to score that session's code blind.
# Round 25: drawn once round 24 had been read, to score that session's code blind.
# Round 26: drawn once round 25 had been read and the model refit, to score that code blind.
# Round 27: drawn once round 26 had been read, to score that code blind.
# Round 28: drawn once round 27 had been read and the model refit on rounds 1-27: the session's final check.
# Round 29: drawn at the start of the next session (round 28 scored, then read), to score that session's code blind.
# Rounds 30-33: each drawn once the round before had been read, to score the code of that moment blind.
# Round 34: drawn once round 33 had been read and the model refit on rounds 1-33: the session's final check.
# Round 35: drawn once round 34 had been read and the model refit on rounds 1-34: a last check of that code.
# Round 36: drawn at the start of the next session (826180e: round 35's rules, the model refit on rounds 1-35).
# Round 37: drawn at the start of the session after (f3714ef: round 36's rules, the model refit on rounds 1-36).
# Round 38: drawn once round 37 had been read (6f25c13: its rules, the model refit on rounds 1-37).
# Round 39: a focused round, drawn once round 38 had been read (3e0dfae: its rules, the model refit on rounds 1-38):
# the plain rounds hold about 1 % off-topic or nonsense answers, too few to measure those rules blind, so 80 % of
# it comes from the cues that find them (FOCUS_ROUNDS) and 20 % is plain random pairs.
# Round 40: a plain round, drawn once round 39 had been read (a7b033b: its rules, the model refit on rounds 1-39).
# Round 41: a plain round, drawn once round 40 had been read (0ea0359: its rules, the model refit on rounds 1-40).
# Round 42: a plain round, drawn once round 41 had been read (97ebcc1: its rules, the model refit on rounds 1-41).
# Round 43: a plain round, drawn once round 42 had been read (2b21f9c: its rules, the model refit on rounds 1-42).
# Round 44: a plain round, drawn once the pair encoder, the conditional-referral rule and the chat word lists had landed (6015134: the model refit on rounds 1-43 with the pair encoder's columns).
# Round 45: a plain round, drawn once round 44 had been read and the language_mismatch fixes had landed (6f55adf: the model refit on rounds 1-44).
# Round 46: a plain round, drawn at the start of the next session (6327ae3: round 45's rules, the model refit on rounds 1-44).
# Round 47: a plain round, drawn at the end of that session (58d9224: the written sets' rules, the model refit on rounds 1-46).
# Round 48: a plain round, drawn once written sets F-K's rules had landed (5e61a23; the model as for round 47).
SEED10, SEED11, SEED12, SEED13, SEED14, SEED15, SEED16, SEED17, SEED18, SEED19 = 20, 21, 22, 23, 24, 25, 26, 27, 28, 29
SEED20, SEED21, SEED22, SEED23, SEED24, SEED25, SEED26, SEED27, SEED28 = 30, 31, 32, 33, 34, 35, 36, 37, 38
SEED29, SEED30, SEED31, SEED32, SEED33, SEED34, SEED35, SEED36, SEED37, SEED38, SEED39, SEED40, SEED41, SEED42, SEED43 = 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53
SEED44, SEED45, SEED46, SEED47, SEED48 = 54, 55, 56, 57, 58
FRESH6 = ROOT / "benchmarks" / "quality_labels_fresh6.jsonl"
FRESH7 = ROOT / "benchmarks" / "quality_labels_fresh7.jsonl"
FRESH8 = ROOT / "benchmarks" / "quality_labels_fresh8.jsonl"
FRESH9 = ROOT / "benchmarks" / "quality_labels_fresh9.jsonl"
FRESH10 = ROOT / "benchmarks" / "quality_labels_fresh10.jsonl"
FRESH11 = ROOT / "benchmarks" / "quality_labels_fresh11.jsonl"
FRESH12 = ROOT / "benchmarks" / "quality_labels_fresh12.jsonl"
FRESH13 = ROOT / "benchmarks" / "quality_labels_fresh13.jsonl"
FRESH14 = ROOT / "benchmarks" / "quality_labels_fresh14.jsonl"
FRESH15 = ROOT / "benchmarks" / "quality_labels_fresh15.jsonl"
FRESH16 = ROOT / "benchmarks" / "quality_labels_fresh16.jsonl"
FRESH17 = ROOT / "benchmarks" / "quality_labels_fresh17.jsonl"
FRESH18 = ROOT / "benchmarks" / "quality_labels_fresh18.jsonl"
FRESH19 = ROOT / "benchmarks" / "quality_labels_fresh19.jsonl"
FRESH20 = ROOT / "benchmarks" / "quality_labels_fresh20.jsonl"
FRESH21 = ROOT / "benchmarks" / "quality_labels_fresh21.jsonl"
FRESH22 = ROOT / "benchmarks" / "quality_labels_fresh22.jsonl"
FRESH23 = ROOT / "benchmarks" / "quality_labels_fresh23.jsonl"
FRESH24 = ROOT / "benchmarks" / "quality_labels_fresh24.jsonl"
FRESH25 = ROOT / "benchmarks" / "quality_labels_fresh25.jsonl"
FRESH26 = ROOT / "benchmarks" / "quality_labels_fresh26.jsonl"
FRESH27 = ROOT / "benchmarks" / "quality_labels_fresh27.jsonl"
FRESH28 = ROOT / "benchmarks" / "quality_labels_fresh28.jsonl"
FRESH29 = ROOT / "benchmarks" / "quality_labels_fresh29.jsonl"
FRESH30 = ROOT / "benchmarks" / "quality_labels_fresh30.jsonl"
FRESH31 = ROOT / "benchmarks" / "quality_labels_fresh31.jsonl"
FRESH32 = ROOT / "benchmarks" / "quality_labels_fresh32.jsonl"
FRESH33 = ROOT / "benchmarks" / "quality_labels_fresh33.jsonl"
FRESH34 = ROOT / "benchmarks" / "quality_labels_fresh34.jsonl"
FRESH35 = ROOT / "benchmarks" / "quality_labels_fresh35.jsonl"
FRESH36 = ROOT / "benchmarks" / "quality_labels_fresh36.jsonl"
FRESH37 = ROOT / "benchmarks" / "quality_labels_fresh37.jsonl"
FRESH38 = ROOT / "benchmarks" / "quality_labels_fresh38.jsonl"
FRESH39 = ROOT / "benchmarks" / "quality_labels_fresh39.jsonl"
FRESH40 = ROOT / "benchmarks" / "quality_labels_fresh40.jsonl"
FRESH41 = ROOT / "benchmarks" / "quality_labels_fresh41.jsonl"
FRESH42 = ROOT / "benchmarks" / "quality_labels_fresh42.jsonl"
FRESH43 = ROOT / "benchmarks" / "quality_labels_fresh43.jsonl"
FRESH44 = ROOT / "benchmarks" / "quality_labels_fresh44.jsonl"
FRESH45 = ROOT / "benchmarks" / "quality_labels_fresh45.jsonl"
# the label file of round 4, 5, ... in order: round N excludes the ids and answers of rounds 1-3 and 4..N-1
FRESH_FILES = [FRESH, FRESH2, FRESH3, FRESH4, FRESH5, FRESH6, FRESH7, FRESH8, FRESH9, FRESH10, FRESH11, FRESH12, FRESH13, FRESH14, FRESH15, FRESH16, FRESH17, FRESH18, FRESH19, FRESH20, FRESH21, FRESH22, FRESH23, FRESH24, FRESH25, FRESH26, FRESH27, FRESH28, FRESH29, FRESH30, FRESH31, FRESH32, FRESH33, FRESH34, FRESH35, FRESH36, FRESH37, FRESH38, FRESH39, FRESH40, FRESH41, FRESH42, FRESH43, FRESH44, FRESH45]
ROUND_SEEDS = {5: SEED5, 6: SEED6, 7: SEED7, 8: SEED8, 9: SEED9, 10: SEED10, 11: SEED11, 12: SEED12, 13: SEED13,
               14: SEED14, 15: SEED15, 16: SEED16, 17: SEED17, 18: SEED18, 19: SEED19, 20: SEED20, 21: SEED21, 22: SEED22, 23: SEED23, 24: SEED24, 25: SEED25, 26: SEED26, 27: SEED27, 28: SEED28,
               29: SEED29, 30: SEED30, 31: SEED31, 32: SEED32, 33: SEED33, 34: SEED34, 35: SEED35, 36: SEED36, 37: SEED37, 38: SEED38, 39: SEED39, 40: SEED40, 41: SEED41, 42: SEED42, 43: SEED43, 44: SEED44, 45: SEED45, 46: SEED46, 47: SEED47, 48: SEED48}
#: rounds drawn from a subset of the cues: round -> (cues, share of plain random pairs)
FOCUS_ROUNDS = {39: (("low_overlap", "lang_mismatch", "echo_or_junk", "short"), 0.2)}


def round4(pool: list[dict], out_path: str, round_no: int = 4) -> None:
    """Draw round 4 (or 5/6: ``SEED5``/``SEED6``, ``LANG_QUOTA5``, earlier rounds excluded too) from ``pool``
    (``pairs()``) and write it to ``out_path``."""
    global LANG_QUOTA4
    files = [LABELS] + FRESH_FILES[:max(0, round_no - 4)]
    labelled = [json.loads(line) for f in files for line in open(f, encoding="utf-8") if line.strip()]
    ids = {r["id"] for r in labelled}
    texts = {r["response"].strip() for r in labelled}
    pool4 = [dict(r, flags=r["flags"] + flags2(r["prompt"], r["response"], r["lang"])
                  + (["repetitive"] if strict_repeat(r["response"], r["lang"]) else [])) for r in pool]
    seen = {(r["prompt"], r["response"]) for r in pool4}
    for r in rejected_pairs() + oasst_flagged_pairs():
        if (r["prompt"], r["response"]) not in seen:
            seen.add((r["prompt"], r["response"]))
            f = ["oasst_flagged"] if r["flags"] == ["oasst_flagged"] else r["flags"]
            pool4.append(dict(r, flags=f + flags(r["id"], r["prompt"], r["response"], r["lang"]), extra=True))
    if round_no >= 5:
        LANG_QUOTA4 = LANG_QUOTA5
        seed = ROUND_SEEDS[round_no]
        cues, share = FOCUS_ROUNDS.get(round_no, (CUES4, 0.5))
        rows = [dict(r, draw=f"r{round_no}_" + r["draw"][3:]) for r in draw4(pool4, ids, texts, seed=seed, cues=cues, random_share=share)]
    else:
        rows = draw4(pool4, ids, texts)
    with open(out_path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"round {round_no}: drew {len(rows)} -> {out_path}", file=sys.stderr)
    for k in ("draw", "lang", "source"):
        print(k, dict(Counter(r[k] for r in rows).most_common()), file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/quality_sample.jsonl")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--round", type=int, choices=(3, 4, *ROUND_SEEDS), default=3,
                    help="3: rounds 1-3 (the labelled sample); 4: the fresh hold-out alone; 5-28: the later ones")
    ap.add_argument("--reader-commit", default=READER_COMMIT, help="curate/ of this commit reads the data (HEAD: working tree)")
    a = ap.parse_args()
    use_reader(a.reader_commit)
    pool = pairs()
    if a.round in (4, *ROUND_SEEDS):
        round4(pool, a.out, a.round)
        return
    print(f"pool: {len(pool)} pairs; flags: {Counter(f for r in pool for f in r['flags'])}", file=sys.stderr)
    rows = draw(pool, a.seed)
    pool2 = [dict(r, flags=flags2(r["prompt"], r["response"], r["lang"])) for r in pool] + rejected_pairs()
    rows += draw2(pool2, {r["id"] for r in rows})
    seen_text = {(r["prompt"], r["response"]) for r in rows}
    pool3 = [dict(r, flags=["strict_repeat"] if strict_repeat(r["response"], r["lang"]) else []) for r in pool]
    pool3 += [r for r in oasst_flagged_pairs() if (r["prompt"], r["response"]) not in seen_text]
    rows += [r for r in draw3(pool3, {r["id"] for r in rows}) if (r["prompt"], r["response"]) not in seen_text]
    with open(a.out, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"drew {len(rows)} -> {a.out}", file=sys.stderr)
    for k in ("flag", "lang", "source"):
        print(k, dict(Counter(r[k] for r in rows).most_common()), file=sys.stderr)


if __name__ == "__main__":
    main()
