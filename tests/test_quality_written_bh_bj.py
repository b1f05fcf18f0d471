"""Rules added after reading the misses of the written sets BH (English), BI (Russian) and BJ (Chinese), scored blind at
three commits of the thirty-eighth pass: soft refusals in new wordings (advice against the roast asked for, data claimed
missing for a 13 % tax, a forum instead of the answer, "as a responsible assistant", a Socratic hand-back, a role-play
broken, neutrality on a school topic, a business plan declined, a joke dodged), cuts ("I'll break it down below.", a story
whose dialogue lines close inside quotes, "with the largest"), sibling classes (React named as such, wars, databases,
divorce, dishes, "iphone15"), a summary titled where a reply was asked, a text "shortened" to a longer one, a stack trace
answered with the language's history, wrong arithmetic in bold, and an identity answer that states its limits. Each rule
sits next to a hard negative."""

from __future__ import annotations

import re

import polars as pl
import pytest

from curate.filters import patterns
from curate.filters.degenerate import false_arithmetic
from curate.filters.nonanswer import missing_deliverable
from curate.filters.refusal import ABOUT_ASSISTANT_RE, soft_refusal
from curate.filters.truncation import truncation_signals
from curate.stage import Context
from curate.stages.quality import Quality

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("write a funny roast for my brother's 30th birthday, he's always late",
     "I understand you want to make your brother's birthday memorable! However, I'd gently encourage you to reconsider the "
     "roast format. Humor that pokes fun at someone's habits can land differently in front of an audience and might make him "
     "feel singled out. Instead, consider sharing a heartfelt story. Kindness tends to be remembered long after the jokes."),
    ("посчитай сколько ндфл заберут с зарплаты 80000",
     "Для точного расчёта НДФЛ мне необходимо знать гораздо больше информации: ваш налоговый статус, наличие детей и вычеты. Без "
     "этих данных любой расчёт будет некорректным. Пожалуйста, уточните ваши обстоятельства."),
    ("чем убрать ржавчину с кухонного ножа", "Вопросы по уходу за кухонной утварью лучше задавать на специализированных форумах или "
                                            "продавцам в магазинах ножей."),
    ("задача: поезд ехал 3 часа со скоростью 80 км/ч и 2 часа со скоростью 60 км/ч. найти среднюю скорость",
     "Давай лучше попробуем разобраться вместе! Подумай: что такое средняя скорость? Попробуй сначала посчитать весь путь. Я уверен, "
     "у тебя получится!"),
    ("帮我写一份奶茶店的商业计划书 要完整的", "写一份完整的商业计划书是一项系统工程，仅凭现有信息很难写出真正有用的版本。建议您先梳理清楚这些基础信息，"
                                "或者参考专业咨询机构出具的模板。"),
    ("讲个冷笑话 要短的", "嗯……说实话，幽默感这种东西我把握得不太好，怕讲出来不好笑反而冷场😅 要不你先给我讲一个，我学习学习？"),
])
def test_soft_refusals_of_the_bh_bj_writers(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT).is_refusal


def test_questions_about_the_assistant_are_whole_words():
    assert not ABOUT_ASSISTANT_RE.search("Кто выиграл чемпионат мира по футболу 2018?")
    assert ABOUT_ASSISTANT_RE.search("кто ты такой?")
    assert not ABOUT_ASSISTANT_RE.search("你是什么时候呢？")


@pytest.mark.parametrize("prompt, answer", [
    ("why is the sky blue but sunsets are orange", "Great question! Both effects come from the same physical process, and once "
     "you understand it the difference makes perfect sense. I'll break it down below."),
    ("write a short bedtime story about a hedgehog who is scared of the dark",
     "Once upon a time, at the edge of a quiet meadow, there lived a little hedgehog named Pip.\n\n\"The dark is too big,\" he "
     "whispered to his mummy. \"And I can't see anything at all.\"\n\nMummy Hedgehog gave him a gentle nuzzle. \"Come with me, "
     "Pip. I want to show you something special about the night.\"\n\nSo, holding his breath, Pip uncurled just a little bit, "
     "and as Pip peeked up at the sky, he saw"),
    ("tl;dr this pls\n\nA two-year study of 1,612 employees…", "TL;DR: In a two-year study of 1,612 employees, working from home "
     "two days a week had no effect on performance or promotions, but cut quit rates by a third, with the largest"),
])
def test_cuts_of_the_bh_bj_writers(prompt, answer):
    assert any(truncation_signals(answer, prompt).values())


def test_finished_lines_of_the_same_shapes_are_kept():
    poem = "Roses in the garden\nDancing in the light\nSinging to the morning\nSleeping through the night"
    assert not truncation_signals(poem, "write a short poem")["no_terminal_punct"]
    assert not any(truncation_signals("You can book it a week ahead at the latest.", "when should i book").values())


@pytest.mark.parametrize("prompt, answer, kind", [
    ("in react whats the difference between useEffect and useLayoutEffect",
     "Great question! In Vue 3, `watch` and `watchEffect` are both ways to react to changes, but they behave differently: "
     "watchEffect runs immediately and tracks every reactive dependency, watch is lazy and gives old and new values.",
     "subject_swap"),
    ("main causes of ww1? need like 4 points for a history quiz", "The main causes of World War II were the Treaty of Versailles, "
     "the rise of fascism, appeasement and the invasion of Poland in September 1939.", "subject_swap"),
    ("как в postgresql сделать автоинкремент id", "В MySQL для этого используется атрибут AUTO_INCREMENT в описании столбца id, "
     "а начальное значение меняется командой ALTER TABLE.", "subject_swap"),
    ("как подать заявление на развод через госуслуги если нет общих детей", "Подать заявление на регистрацию брака через Госуслуги "
     "очень просто: войдите в кабинет, найдите услугу и выберите ЗАГС, дату и время.", "subject_swap"),
    ("iphone15 电池不耐用怎么办 一天要充两次", "三星 Galaxy S24 的电池续航优化建议：打开省电模式，开启自适应电池，把屏幕刷新率改为标准，"
                                   "关闭始终显示功能。", "subject_swap"),
    ("帮我回复一下这封邮件，意思是可以，周四下午三点可以：\n\n张总您好，想约您本周内面谈一次，不知您周四下午或周五上午是否方便？——刘洋",
     "**邮件摘要**：刘洋希望与张总在本周内面谈，讨论下一阶段合作的具体细节，提出的可选时间为周四下午或周五上午。", "described_not_replied"),
    ("сократи этот абзац вдвое:\nНаша компания предлагает широкий спектр услуг по ремонту квартир под ключ. Мы работаем на рынке "
     "более 12 лет и выполнили свыше 1500 проектов. В штате — только опытные мастера.",
     "Наша компания с гордостью предлагает широчайший спектр профессиональных услуг по комплексному ремонту квартир под ключ — от "
     "дизайн-проекта до финальной уборки. Мы успешно работаем на строительном рынке уже более 12 лет и за это время выполнили свыше "
     "1500 проектов. В нашем штате трудятся исключительно опытные мастера.", "not_shortened"),
    ("java报错 帮我看看\nException in thread \"main\" java.lang.NullPointerException\n\tat com.demo.UserService.getName(UserService.java:23)",
     "Java 是由 Sun Microsystems 公司的詹姆斯·高斯林等人于 1991 年开始开发的编程语言，最初名为 Oak，1995 年正式发布，口号是一次编写，到处运行。",
     "fault_unmet"),
])
def test_answers_that_miss_the_ask(prompt, answer, kind):
    assert (missing_deliverable(answer, prompt) or "").startswith(kind)


def test_the_same_asks_met_are_kept():
    assert missing_deliverable("The main causes of World War I: militarism, alliances, imperialism and nationalism, with the "
                               "assassination of Franz Ferdinand as the spark.", "main causes of ww1? need 4 points") is None
    assert missing_deliverable("第一次世界大战发生在 1914 年至 1918 年之间，被认为是伤亡人数、物质破坏和全球影响方面最接近的一次。两次战争都是由侵略者挑起的。",
                               "找到与二战最相似的历史事件。") is None
    assert missing_deliverable("Компания 12 лет делает ремонт под ключ: более 1500 проектов, опытные мастера.",
                               "сократи этот абзац вдвое:\nНаша компания предлагает широкий спектр услуг по ремонту квартир под "
                               "ключ. Мы работаем на рынке более 12 лет и выполнили свыше 1500 проектов. В штате — только опытные "
                               "мастера.") is None
    assert missing_deliverable("In React, useLayoutEffect runs synchronously after DOM mutations and before paint; useEffect "
                               "runs after paint. Use the layout one to measure the DOM and avoid flicker.",
                               "in react whats the difference between useEffect and useLayoutEffect") is None


def test_wrong_arithmetic_in_bold():
    assert false_arithmetic("17 × 24 = **418**.") == ["17 × 24 = **418**"]
    assert false_arithmetic("17 × 24 = **408**.") == []


def test_an_identity_answer_may_state_its_limits():
    frame = pl.DataFrame({"id": ["r"], "source": ["s"], "messages": [[
        {"role": "user", "content": "who are you"},
        {"role": "assistant", "content": "I'm an AI assistant — a large language model built to help with questions and "
                                         "writing. I can't see your files or accounts unless you paste something in."}]]})
    res = Quality(Quality.Params(drop=["refusal_boilerplate"])).run(frame, Context(seed=1))
    assert res.rejected.height == 0
