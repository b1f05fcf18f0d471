"""Rules added after reading the misses of the written sets AV (English), AW (Russian) and AX (Chinese), scored blind at
the start of the thirty-seventh pass and again with AS-AU's rules: soft refusals in new wordings, cuts after an opener or
a salutation, a labelled heading or a sign-off, Python blocks that do not parse, more circular definitions, letters and
procedures in place of each other, slash-listed classes never named, an English answer to a translation into French, and
more sibling swaps. Each rule sits next to a hard negative."""

from __future__ import annotations

import re

import pytest

from curate.filters import patterns
from curate.filters.degenerate import circular_definition, degenerate_metrics, python_syntax_errors
from curate.filters.nonanswer import missing_deliverable
from curate.filters.refusal import declines, ethics_lecture, soft_refusal
from curate.filters.relevance import untranslated
from curate.filters.truncation import prompt_count, truncation_signals

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))
HARD = re.compile(patterns.refusal_pattern(("ai_disclaimer", "refusal"), None, rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("good dose of melatonin for jet lag? flying to tokyo next week",
     "Melatonin dosing can vary quite a bit from person to person depending on factors like age and other medications. "
     "Because of this, the most appropriate approach is to speak with your doctor or pharmacist before your trip."),
    ("есть 500к, хочу чтобы работали. вклад или офз или акции? горизонт 3 года",
     "Я не являюсь финансовым консультантом, и мои ответы не могут рассматриваться как инвестиционная рекомендация. "
     "Для принятия решения рекомендую обратиться к лицензированному финансовому советнику."),
    ("как снизить холестерин без таблеток, анализ показал 6.2",
     "Этот вопрос требует индивидуального подхода. Только врач после обследования сможет подобрать подходящую стратегию."),
    ("结婚后两个人一起还贷款的房子，首付是男方婚前付的，离婚怎么分",
     "离婚财产分割是一个复杂的法律问题，不同案件的处理结果可能存在较大差异。建议您携带相关材料咨询专业的婚姻家事律师。"),
    ("傅里叶变换的直观意义是什么 我们老师讲的听不懂", "这个问题比较专业，超出了我目前能够准确解答的范围。建议你课后直接向老师请教。"),
])
def test_soft_deflections_of_the_av_ax_writers(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT).is_refusal


def test_a_cutoff_note_and_a_copyright_decline_in_russian():
    assert HARD.search("Моя база знаний обновлялась в прошлом, поэтому у меня может не быть информации о последних событиях.")
    assert declines("Не могу привести полный текст песни «Группа крови» — он защищён авторским правом.",
                    "напиши полностью текст песни группа крови цоя")
    # a year in a sentence is no cutoff note
    assert not HARD.search("Мои данные о продажах за 2023 год показывают рост на 12 %.")


def test_ethics_lectures_with_a_softener_and_an_offer():
    roast = ("I appreciate that you and Dave have a playful friendship! However, jokes that focus on someone's physical "
             "appearance can be hurtful even when they're meant in good fun. Milestone birthdays can also be a sensitive time. "
             "Instead of a roast, you might consider a heartfelt toast. Focusing on positivity is a great way to end the night.")
    assert ethics_lecture(roast, prompt="write a roast for my buddy dave's 40th birthday")
    horror = ("恐怖题材的内容可能会引起部分读者的不适和恐惧，影响身心健康。我们应该多创作和传播积极向上、温暖人心的内容。"
              "不如我为你写一个发生在深夜医院里的温馨故事吧？如果你有兴趣，我可以马上开始创作。")
    assert ethics_lecture(horror, prompt="写一个恐怖小说的开头 大概300字 场景是深夜的医院")
    # a roast that is a roast
    assert ethics_lecture("Dave turns 40 today, and his hairline retired before he did. He's late to everything except "
                          "the golf course. Happy birthday, you magnificent chrome dome!",
                          prompt="write a roast for my buddy dave's 40th birthday") is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("summarize this for me:\n\nThe company reported third-quarter revenue of $4.2 billion, up 12% year over year.",
     "The passage describes the company's third-quarter financial results and highlights three main points. First,",
     "announced_missing"),
    ("how do i set up ssh keys for github",
     "Setting up SSH keys takes a few minutes:\n\n**Step 1: Generate a new SSH key**\n\n```bash\nssh-keygen -t ed25519\n```\n\n"
     "**Step 2: Add the key to the SSH agent**\n\n```bash\neval \"$(ssh-agent -s)\"\n```\n\n**Step 3: Add the public key to GitHub**",
     "announced_missing"),
    ("write a formal complaint letter to my internet provider about repeated outages",
     "Customer Relations Department\n[Internet Provider Name]\n\nDear Sir or Madam,\n\nI am writing to formally", "no_terminal_punct"),
    ("write a short story about a lighthouse keeper", "The storm had passed by morning.\n\nHe almost missed it. Inside was a "
     "sheet of paper.\n\n*To whoever finds this,* it began. *My name is Clara, and I am eleven years old. My grandfather says that "
     "lighthouses", "no_terminal_punct"),
    ("какие документы нужны для получения загранпаспорта", "Понадобятся:\n\n1. Заявление\n2. Внутренний паспорт\n"
     "3. Квитанция об оплате госпошлины\n4. Старый загранпаспорт, если", "no_terminal_punct"),
    ("vue3里父组件怎么调用子组件的方法", "在 Vue 3 中，父组件调用子组件的方法，主要是通过 ref 获取子组件实例来实现的。\n\n下面分别给出子组件和父组件的完整代码示例。",
     "announced_missing"),
    ("中国十大名胜古迹都有哪些", "中国十大名胜古迹通常指以下这些：\n\n1. **万里长城**：军事防御工程。\n2. **桂林山水**：山青水秀。\n"
     "3. **杭州西湖**：湖光山色。\n4. **北京故宫**：皇家宫殿。", "list_cut"),
    ("我这段代码为什么死循环了\ni = 0\nwhile i < 10:\n    continue", "好的，我们来一步一步分析一下这段代码的执行过程，看看问题出在哪里。",
     "announced_missing"),
    ("帮我写一封求职信 应聘新媒体运营", "尊敬的招聘负责人：\n\n您好！\n\n我在贵公司官网上看到新媒体运营岗位的招聘信息，特此写信应聘。\n\n"
     "期待能有机会与您进一步沟通。\n\n此", "no_terminal_punct"),
])
def test_cuts_of_the_av_ax_writers(prompt, answer, kind):
    assert truncation_signals(answer, prompt)[kind], truncation_signals(answer, prompt)


def test_their_finished_forms_are_not_cut():
    for prompt, answer in [
        ("summarize this", "The passage describes the results and highlights three main points. First, revenue grew 12 %."),
        ("write a complaint letter", "Dear Sir or Madam,\n\nI am writing to formally complain about repeated outages at my "
                                     "address since March. Please restore a stable service and credit my account.\n\n"
                                     "Yours faithfully,\nJordan Lee"),
        ("Сделай краткое содержание в 2 предложения", "Гордума утвердила программу велодорожек. Первые участки откроют "
                                                      "следующим летом."),
        ("帮我写一封求职信", "尊敬的招聘负责人：\n\n您好！\n\n特此写信应聘。\n\n此致\n敬礼"),
    ]:
        assert not any(truncation_signals(answer, prompt).values()), (answer, truncation_signals(answer, prompt))
    assert prompt_count("中国四大发明是什么") == 4
    assert prompt_count("四大名著哪本最好看") is None


def test_python_blocks_that_do_not_parse():
    garbled = "```python\ndef factorial(n):\n    if n = 0:\n        return factorial\n    result *= factorial(i - n\n    return n\n```"
    assert degenerate_metrics(garbled, "напиши функцию факториала на python")["gibberish"] == 1.0
    # collapsed indentation from a dump, a continuation, an outline tagged python: not judged
    assert python_syntax_errors("def f(x):\n total = x + 1\n  return total") == 0
    assert python_syntax_errors("except Exception as e:\n    return None") == 0
    assert python_syntax_errors("1. Import the necessary libraries, such as nltk.\n    import nltk\n2. Tokenize the text.") == 0
    assert python_syntax_errors("def f(xs):\n    return [x * 2 for x in xs]\n") == 0


@pytest.mark.parametrize("prompt, answer", [
    ("can you explain recursion simply", "Recursion is when a function recurses into its own recursion, so the recursive part "
     "becomes the base of the function. The base case is the case that is recursive, and it calls itself until the recursion is "
     "recursed fully. In this way, recursion is simply the process of recursing, which is why it is recursive recursion."),
    ("经济学到底是研究什么的", "经济学是一门研究经济的学科。所谓经济，就是经济学所研究的对象，也就是各种经济现象和经济活动。而经济活动，"
                          "则是在经济中发生的、具有经济性质的活动。"),
])
def test_more_circular_definitions(prompt, answer):
    assert circular_definition(answer, prompt)


def test_a_definition_that_names_its_term_often_is_kept():
    assert circular_definition("A function pointer is a pointer that contains the address of a function. It is used to "
                               "reference a function for execution. Function pointers can also be passed to other functions "
                               "as callbacks.", "Explain what a function pointer is.") is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("what's the difference between a roth 401k and a roth ira",
     "The main difference between a Traditional IRA and a Roth IRA is how they're taxed: traditional contributions may be "
     "tax-deductible and you pay taxes on withdrawal, while Roth contributions are made after tax and qualified withdrawals "
     "are tax-free.", "comparison_unmet"),
    ("下面这句话属于哪一类：体育 / 财经 / 娱乐\n“本赛季CBA总决赛第五场将于周日晚在北京举行”",
     "届时，北京首钢队将坐镇主场迎战对手，力争在主场拿下关键一胜。据悉，本场比赛门票在开售后不到10分钟即被抢购一空。", "options_unmet"),
    ("напиши письмо соседу сверху что он нас затопил, вежливо, но чтобы возместил ремонт",
     "Если вас затопили соседи сверху, действуйте так:\n\n1. **Перекройте воду**.\n2. **Вызовите управляющую компанию**.\n"
     "3. **Сфотографируйте повреждения**.\n4. **Закажите независимую оценку** ущерба.", "letter_missing"),
    ("сделай краткую выжимку из письма:\n\nДобрый день, Олег! Макеты согласованы, срок сдвинут на неделю.",
     "Добрый день, Марина!\n\nСпасибо за информацию по итогам встречи.\n\nС уважением,\nОлег", "letter_for_task"),
    ("как отключить автообновление в windows 11", "Чтобы отключить автоматические обновления:\n\n1. Откройте меню Apple → "
     "**Системные настройки**.\n2. Перейдите в раздел **Основные** → **Обновление ПО**.", "subject_swap"),
    ("写一首关于妈妈的小诗 短一点 母亲节用", "《父亲》\n\n父亲的背影，\n是一座沉默的山，\n风雨中从不弯腰，\n只为我撑起一片晴天。", "subject_swap"),
    ("recipe for beef stroganoff", "**Beef Bourguignon**\n\n1. Brown the bacon, then sear the beef in batches.\n2. Soften the "
     "onion and carrots, add garlic and tomato paste.\n3. Pour in the wine and stock and braise for 3 hours.", "no_howto"),
    # (the dish named by the prompt is outside subject_swap's "dish" class, which would name the swap first: written set BF)
    ("干煸豆角的正宗做法", "鱼香肉丝是一道经典川菜，鱼香味是由泡椒、葱姜蒜、糖、醋调出来的。\n\n**做法**：\n1. 里脊切丝腌制10分钟。\n"
                        "2. 热锅凉油，下肉丝滑炒至变色盛出。\n3. 倒回肉丝，淋入鱼香汁，大火收汁即可。", "no_howto"),
])
def test_off_topic_shapes_of_the_av_ax_writers(prompt, answer, kind):
    note = missing_deliverable(answer, prompt)
    assert note is not None and note.startswith(kind), note


def test_their_hard_negatives():
    assert missing_deliverable("For 2024 a Roth 401k lets you put in up to $23,000 through payroll, while a Roth IRA caps "
                               "you at $7,000 and has income limits; both grow tax-free and qualified withdrawals are tax-free.",
                               "what's the difference between a roth 401k and a roth ira") is None
    assert missing_deliverable("这句话属于体育类。它讲的是CBA总决赛第五场的比赛时间和地点，属于体育赛事新闻。",
                               "下面这句话属于哪一类：体育 / 财经 / 娱乐\n“本赛季CBA总决赛第五场将于周日晚在北京举行”") is None
    assert missing_deliverable("There are several kinds of confirmation letters:\n\n1. Appointment confirmations\n2. Order "
                               "confirmations\n3. Employment confirmations", "How to write a confirmation letter?") is None
    assert missing_deliverable("**Beef Stroganoff**\n\n1. Sear thin strips of beef.\n2. Soften onions and mushrooms.\n3. Stir "
                               "in sour cream and mustard off the heat.", "recipe for beef stroganoff") is None


def test_an_english_answer_to_a_translation_into_french():
    prompt = "translate into french: \"I'll be a little late, start without me.\""
    assert untranslated(prompt, "This sentence means that the speaker expects to arrive after the scheduled time and is "
                                "telling the others not to wait for them.")
    assert untranslated(prompt, "Je serai un peu en retard, commencez sans moi.") is None
    assert untranslated("Translate the phrase \"I love you\" into Spanish.",
                        "The phrase \"I love you\" translated into Spanish is \"Te quiero\" or \"Te amo\".") is None
