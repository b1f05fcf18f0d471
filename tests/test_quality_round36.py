"""Rules changed after the round-36 hold-out (benchmarks/quality_labels_fresh33.jsonl) was scored blind and
read, and after the off-topic misses left on every labelled round were read again. Positives are real
misses and false drops (oasst, NuminaMath, ShareGPT, Code Alpaca); each rule has hard negatives beside it."""

from __future__ import annotations

import pytest

from curate.filters.relevance import language_mismatch
from curate.filters.text import repetition_metrics
from curate.filters.truncation import code_cut


def _lang(lang: str):
    """A detector stub: Spanish and French by their opening words, every other text ``lang``."""
    def detect(texts):
        out = []
        for t in texts:
            if t.startswith(("ARGUMENTOS", "Muchas")):
                out.append(("es", 0.98))
            elif t.startswith(("Je suis", "Nous")):
                out.append(("fr", 0.98))
            else:
                out.append((lang, 0.97))
        return out
    return detect


# ---------------------------------------------------------------- quoted text in a Latin-script prompt

SPANISH = ("ARGUMENTOS EN CONTRA DE LA TECNOLOGÍA Muchas personas, especialmente las de mayor edad, suelen decir "
           "que antiguamente se vivía mejor sin tantos móviles y ordenadores, con mayor sensación de libertad.")


@pytest.mark.parametrize("prompt", [
    'Write a response that disagrees with the following post: "Technology is everything that doesn\'t work yet."',
    'Write an ending statement in favour of dog and cat in a hearing "should humanity terminate all dogs or cats"?',
])
def test_quoted_english_does_not_excuse_a_spanish_answer(prompt):
    got = language_mismatch([prompt], [SPANISH], detector=_lang("en"))
    assert got[0] == (1, "en prompt, es answer")


def test_a_quote_in_the_answers_language_still_excuses_it():
    prompt = 'Correct the grammar of this French sentence: "Je suis allé au magasin hier avec mes amis et nous avons mangé."'
    reply = "Je suis allé au magasin hier avec mes amis, et nous avons mangé une pizza ensemble au restaurant."
    assert language_mismatch([prompt], [reply], detector=_lang("en"))[0][0] == 0
    # the same reply to a prompt quoting English is judged
    prompt_en = 'Reply to this post: "We went to the shop yesterday with our friends and then we ate."'
    assert language_mismatch([prompt_en], [reply], detector=_lang("en"))[0] == (1, "en prompt, fr answer")


def test_a_russian_solution_to_an_english_problem_is_a_mismatch():
    prompt = ("The faces of a cube are inscribed with six natural numbers (possibly repeating) such that the numbers on "
              "adjacent faces differ by more than 1. What is the smallest possible sum of these six numbers?")
    reply = ("### Problem:\nНа гранях куба написаны шесть натуральных чисел (возможно, повторяющиеся), такие, что числа "
             "на соседних гранях отличаются больше чем на 1.\n\n1. Рассмотрим три грани, имеющие общую вершину. Пусть "
             "числа на этих гранях будут \\(a\\), \\(b\\) и \\(c\\):\n    \\[\n    |a - b| > 1, \\quad |b - c| > 1, "
             "\\quad |c - a| > 1\n    \\]\n2. Сумма чисел \\(a + b + c\\) равна:\n    \\[\n    1 + 3 + 5 = 9\n    \\]\n"
             "### Conclusion:\nНаименьшее возможное значение суммы равно \\(\\boxed{18}\\).")
    assert language_mismatch([prompt], [reply])[0] == (1, "latin prompt, cyrillic answer")


def test_unfenced_code_is_still_exempt():
    prompt = "Write a function that returns the sum of a list."
    reply = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s  # suma de la lista, devuelve el total"
    assert language_mismatch([prompt], [reply], detector=_lang("en"))[0][0] == 0


# ---------------------------------------------------------------- placeholder bodies

def test_code_for_x_goes_here_is_a_placeholder_body():
    reply = ("Here is the updated code:\n```python\ndef get_crop_data():\n    # Use AR to provide real-time data\n"
             "    # Code for AR technology goes here\n\n@app.route('/')\ndef home():\n    return 'ok'\n```\n")
    assert "placeholder" in (code_cut(reply) or "")


@pytest.mark.parametrize("reply", [
    "```python\n# this code goes through the list\nfor x in xs:\n    print(x)\n```",
    "```python\nprint('Here it goes')  # here\n```",
    "Put the code here: in the `<head>` of the page, before any other script.",
])
def test_comments_that_are_not_placeholders(reply):
    assert "placeholder" not in (code_cut(reply) or "")


# ---------------------------------------------------------------- repetition in unfenced Python

def test_python_with_few_brackets_gets_no_top_ngram_share():
    prompt = "Write a code to delete a given node from a linked list"
    code = ("def deleteNode(head,node_to_delete): \n    curr = head \n    if curr is None or node_to_delete is None: \n"
            "\t    return\n    if curr == node_to_delete: \n\t    head = curr.next \n\t    node_to_delete = None\n"
            "\t    return\n    while curr.next is not None: \n        if curr.next == node_to_delete: \n"
            "            curr.next = node_to_delete.next \n            node_to_delete = None\n            return\n"
            "        else:  \n            curr = curr.next")
    m = repetition_metrics(code, prompt=prompt)
    assert m["top_4gram_frac"] == 0.0


def test_prose_that_loops_still_gets_its_share():
    prompt = "Tell me about the sea."
    prose = "The sea is big and the sea is blue and the sea is deep. " * 8
    assert repetition_metrics(prose, prompt=prompt)["top_4gram_frac"] > 0.16
