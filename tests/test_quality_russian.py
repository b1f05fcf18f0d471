"""Russian rules added after the written Russian sets (benchmarks/quality_ru_written.jsonl) were scored
blind: referrals with an adjective or to an institution, declining to comment, "it depends on many
factors", ethics lectures; truncations at a Russian preposition or pronoun, after a bold label, on a
trailing comma, a dash, an "=", a colon after a formula, an empty list item; Cyrillic keyboard mash
and mojibake; Ukrainian answers to Russian prompts; numbered list items repeated. Each with hard
negatives that stay kept."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import gibberish, key_sweep, mojibake
from curate.filters.patterns import refusal_pattern
from curate.filters.relevance import cyrillic_variant_changed
from curate.filters.text import repetition_metrics
from curate.filters.truncation import announced_missing, no_terminal_punct

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


@pytest.mark.parametrize("text", [
    "В подобной ситуации лучше всего обратиться к квалифицированному юристу по трудовому праву.",
    "Вам необходимо очно обратиться к дерматологу.",
    "По этому вопросу обратитесь в налоговую инспекцию по месту жительства.",
    "При повышении температуры у ребёнка важно не заниматься самолечением.",
    "Это зависит от многих факторов: региона, дохода и инфляции.",
    "Универсального ответа на этот вопрос не существует.",
    "Важно оставаться уважительным даже в конфликте.",
    "Если я напишу его за вас, вы лишите себя возможности научиться.",
    "Анекдоты про тёщу строятся на устаревших стереотипах и могут обидеть людей.",
])
def test_russian_soft_refusals(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text", ["Есть темы, в которых я могу ошибиться. Лучше промолчу.",
                                  "Я воздержусь от комментариев."])
def test_declining_to_comment_is_a_refusal(text):
    assert REFUSAL.search(text)


@pytest.mark.parametrize("text", [
    "Пейте больше тёплой жидкости и полощите горло солевым раствором.",
    "Он промолчал и вышел из комнаты.",  # a story: the verb is not the assistant's
    "Врач-дерматолог осмотрит пятно и при необходимости возьмёт соскоб.",
    "Цена зависит от района: в центре дороже на треть.",
])
def test_russian_answers_are_not_refusals(text):
    assert not REFUSAL.search(text) and not SOFT.search(text)


@pytest.mark.parametrize("text", [
    "Для оформления паспорта понадобятся:\n\n1. Заявление.\n2. Внутренний паспорт.\n3. Военный билет — для мужчин от 18 до",
    "**Приготовление:**\n1. Сварите бульон из говядины, снимая пену.\n2. Свёклу натрите на тёрке и",
    "Уважаемая Анна Петровна!\n\nПишу вам, чтобы объяснить отсутствие моего сына на уроках. В эти дни он",
    "В Солнечной системе восемь планет. По порядку удаления от Солнца: Меркурий, Венера, Земля, Марс,",
    "Основные параметры ипотеки:\n\n- **Первоначальный взнос** — от 20%;\n- **Процентная ставка** —",
    "Коэффициенты: a = 1, b = −5, c = 6.\n\nD = b² − 4ac = 25 − 24 =",
    ("Фаленопсис неприхотлив, но у него есть свои особенности.\n\n**Свет.** Ставьте горшок на восточное окно.\n\n"
     "**Полив.** Поливайте раз в неделю методом погружения: опустите горшок в тёплую воду на 15–20 минут, "
     "затем дайте полностью стечь лишней вла"),
])
def test_russian_cuts(text):
    assert no_terminal_punct(text)


@pytest.mark.parametrize("text", [
    "Сложим оба уравнения: 2x = 12, откуда x = 6. Теперь подставим x в первое уравнение:",
    "Падение республики — результат долгого кризиса. Можно выделить несколько причин:\n\n1.",
])
def test_russian_announced_content_missing(text):
    assert announced_missing(text)


@pytest.mark.parametrize("text", [
    "Я люблю его.",
    "Москва, Санкт-Петербург, Казань.",
    "Спасибо за письмо. С уважением,\nАнна",
    "x = 5\nprint(x == 5)",
    "Закодированная строка: aGVsbG8gd29ybGQ=",
    "Ответ — 42.",
    "for i in range(5):\n    print(i)\n\nПосле исправления добавьте двоеточие в строке:\n\nfor i in range(5):",
])
def test_finished_russian_answers(text):
    assert not no_terminal_punct(text)
    if not text.startswith("for i"):
        assert not announced_missing(text)


def test_cyrillic_keyboard_mash_and_mojibake():
    assert gibberish("ывап ролдж фывапр лдж ывапролджэ ывапр") == 1.0
    assert mojibake("РљРѕС€РєРё РјСѓСЂР»С‹С‡СѓС‚ РїРѕ РЅРµСЃРєРѕР»СЊРєРёРј РїСЂРёС‡РёРЅР°Рј")
    assert mojibake("CafÃ© crÃ¨me brÃ»lÃ©e is a French dessert")
    # real text does not survive the code-page round trip
    assert not mojibake("Кошки мурлычут по нескольким причинам: от удовольствия и для общения.")
    assert not mojibake("Café crème brûlée is a French dessert, très bon.")
    assert gibberish("Кошки мурлычут по нескольким причинам: от удовольствия, для успокоения и общения с котятами.") == 0.0
    # a home-row sweep is mash; words that only contain a short run are not
    assert key_sweep("asdf") == key_sweep("ролдж") == 1.0
    assert key_sweep("пролог") < 0.75 and key_sweep("кенгуру") < 0.75 and key_sweep("strewn") < 0.75


def test_ukrainian_answer_to_a_russian_prompt():
    uk = ("Ось кілька порад, які можуть допомогти: розбивайте великі завдання на маленькі кроки, ставте собі "
          "конкретні дедлайни та винагороджуйте себе за виконані справи.")
    ru = ("Вот несколько советов: разбивайте большие задачи на маленькие шаги, ставьте себе конкретные "
          "сроки и награждайте себя за выполненные дела.")
    assert cyrillic_variant_changed("Посоветуй, как бороться с прокрастинацией", uk) == "ru prompt, uk answer"
    assert cyrillic_variant_changed("Порадь, як боротися з прокрастинацією, будь ласка", ru) == "uk prompt, ru answer"
    assert cyrillic_variant_changed("Посоветуй, как бороться с прокрастинацией", ru) is None
    # a Ukrainian prompt without і/ї/є/ґ ("цей" is Ukrainian), and a translation request
    assert cyrillic_variant_changed("Перетвори цей текст в список тез.", uk) is None
    assert cyrillic_variant_changed("Переведи на украинский: как бороться с прокрастинацией", uk) is None


def test_numbered_items_repeated_under_new_numbers_are_duplicate_lines():
    items = ["Ложитесь спать в одно и то же время.", "Не пользуйтесь телефоном перед сном."]
    text = "\n".join(f"{i + 1}. {items[i % 2]}" for i in range(12))
    assert repetition_metrics(text)["dup_line_frac"] > 0.8
    distinct = "\n".join(f"{i + 1}. Совет номер {w}." for i, w in enumerate("один два три четыре пять".split()))
    assert repetition_metrics(distinct)["dup_line_frac"] == 0.0
