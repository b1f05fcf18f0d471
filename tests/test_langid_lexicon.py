"""Short chat texts that lid.176 does not know: the Latin lexicons and the Ukrainian/Bulgarian words."""
from __future__ import annotations

import pytest

from curate.filters import langid
from curate.filters.langid import LATIN_WORDS, cyrillic_rule, detect_ensemble, lexicon_votes


def test_lexicon_votes_counts_distinct_words_per_language():
    assert lexicon_votes("slt ça va ?") == {"fr": 2}
    assert lexicon_votes("Qu’est-ce que c’est ?") == {"fr": 2}  # typographic apostrophes fold to '
    assert lexicon_votes("vlw mano") == {"pt": 1}
    assert lexicon_votes("Kun je dit wat korter uitleggen?") == {}  # Dutch: shared words are not in any list
    assert lexicon_votes("") == {}


def test_no_lexicon_word_is_in_two_languages():
    langs = list(LATIN_WORDS)
    for i, a in enumerate(langs):
        for b in langs[i + 1:]:
            assert not LATIN_WORDS[a] & LATIN_WORDS[b], (a, b, sorted(LATIN_WORDS[a] & LATIN_WORDS[b]))


@pytest.mark.parametrize("text, lang", [
    ("slt", "fr"), ("jsp", "fr"), ("Recette de crêpes", "fr"), ("Merci infiniment", "fr"), ("c koi ce truc", "fr"),
    ("Moin moin", "de"), ("Arrivederci", "it"), ("Valeu", "pt"), ("Jajajaja.", "es"),
])
def test_short_texts_go_to_the_lexicon_language(text, lang):
    """Each text inside a batch of ordinary sentences of several languages (the batch prior), as the stage
    sees a dump; before the lexicons lid.176 read "jsp" as Czech (0.96), "Recette de crêpes" as Cebuano
    (0.95), "Moin moin" as French (0.96) and "slt" with no evidence (en 0.12)."""
    batch = ["Comment apprendre le piano rapidement ?", "Explique-moi la photosynthèse, s'il te plaît.",
             "How do I bake sourdough bread at home?", "Wie spät ist es in Berlin?", "¿Dónde está la estación de tren?",
             "Dove posso comprare un biglietto del treno?", "Qual é a capital do Brasil?", text]
    assert detect_ensemble(batch, seed=0)[-1].code == lang


def test_a_confident_long_verdict_is_not_touched():
    """Lexicon words in a text of 50+ letters change nothing: fastText reads those well."""
    text = "The restaurant served a wonderful crêpe with fromage, and the waiter said merci to everyone."
    assert detect_ensemble([text], seed=0)[0].code == "en"


@pytest.mark.parametrize("text, lang", [
    ("Дякую", "uk"), ("Чому небо блакитне?", "uk"), ("Добрий день", "uk"),
    ("Благодаря", "bg"), ("Много благодаря!", "bg"), ("за утре сутринта", "bg"),
    ("Благодаря вашей помощи мы справились", "ru"), ("Спасибо, всё понятно", "ru"),
])
def test_cyrillic_words(text, lang):
    assert cyrillic_rule(text, langid.fasttext_topk([text], 3)[0]) == lang
