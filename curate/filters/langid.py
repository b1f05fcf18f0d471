"""Language identification backends returning ``(code, probability)`` for a list of texts.

- ``langdetect`` (default; profiles ship in the package): seeded with ``DetectorFactory.seed = 0``
  before the first call, which makes its random sampling repeatable (unseeded, 12–18 of 2,000
  labels changed between runs: /work/shared/research/env-check.md §3). Each text gets its own
  detector seeded with the same value, so a result does not depend on the order of the texts.
- CJK script rule (``detect_langdetect(..., cjk_script=True)``): langdetect labels plain Chinese
  as ``ko``/``vi``/``no`` with p≈1.0 surprisingly often (≈ 6 % of the ShareGPT-zh messages), so a
  text whose letters are ≥ 30 % Han characters is ``zh``, ≥ 5 % kana ``ja``, ≥ 30 % Hangul ``ko``,
  with probability 1.0, before langdetect is asked.
- ``lingua`` (``lingua-language-detector``, optional extra): deterministic, models in the wheel.
  ``languages`` restricts the candidates (much faster); ``low_accuracy`` uses trigram-only mode.

Codes are ISO 639-1 in lower case; ``zh-cn``/``zh-tw`` become ``zh``. Empty input gives
``("und", 0.0)``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache

UND = "und"
_CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh", "zh-hans": "zh", "zh-hant": "zh", "pt-br": "pt", "pt-pt": "pt"}
_lock = threading.Lock()


def normalize_code(code: str | None) -> str:
    """Lower-case ISO code with regional variants folded (``zh-cn`` → ``zh``, ``pt-BR`` → ``pt``)."""
    if not code:
        return UND
    c = code.strip().lower().replace("_", "-")
    return _CODE_MAP.get(c, c.split("-")[0])


@lru_cache(maxsize=1)
def _langdetect_factory():
    from langdetect import DetectorFactory
    from langdetect.detector_factory import init_factory
    import langdetect.detector_factory as df_mod

    with _lock:
        DetectorFactory.seed = 0
        init_factory()
        return df_mod._factory


_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")


def script_guess(text: str) -> str | None:
    """``zh``/``ja``/``ko`` when the script decides it (see module doc), else None."""
    han = len(_HAN_RE.findall(text))
    kana = len(_KANA_RE.findall(text))
    hangul = len(_HANGUL_RE.findall(text))
    if not (han or kana or hangul):
        return None
    letters = len(_LETTER_RE.findall(text)) or 1
    if kana >= 0.05 * letters:
        return "ja"
    if hangul >= 0.3 * letters:
        return "ko"
    if han >= 0.3 * letters:
        return "zh"
    return None


def detect_langdetect(texts: Sequence[str], cjk_script: bool = True) -> list[tuple[str, float]]:
    """Seeded langdetect on each text: the top language and its probability."""
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect_factory()
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
        det = factory.create()
        det.seed = 0
        det.append(t)
        try:
            probs = det.get_probabilities()
        except LangDetectException:
            out.append((UND, 0.0))
            continue
        if not probs:
            out.append((UND, 0.0))
        else:
            out.append((normalize_code(probs[0].lang), float(probs[0].prob)))
    return out


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


def detect_lingua(texts: Sequence[str], languages: tuple[str, ...] | None = None, low_accuracy: bool = False) -> list[tuple[str, float]]:
    """lingua on each text (in parallel threads): the top language and its relative confidence."""
    det = _lingua_detector(tuple(languages) if languages else None, low_accuracy)
    idx = [i for i, t in enumerate(texts) if t]
    out: list[tuple[str, float]] = [(UND, 0.0)] * len(texts)
    if not idx:
        return out
    results = det.compute_language_confidence_values_in_parallel([texts[i] for i in idx])
    for i, vals in zip(idx, results):
        if vals and vals[0].value > 0:
            out[i] = (normalize_code(vals[0].language.iso_code_639_1.name), float(vals[0].value))
    return out


BACKENDS = {"langdetect": detect_langdetect, "lingua": detect_lingua}
