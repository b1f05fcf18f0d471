"""Rules added after the written sets L (English), M (Russian) and N (Chinese) were scored blind at 38678f2
(answers as models of every size produce them; sets L, M, N close benchmarks/quality_{en,ru,zh}_written.jsonl):
declining the prompt's own task verb ("I'm unable to summarize…"), "it wouldn't be appropriate for me to",
a referral or neutrality as the whole answer, a label from another task, an answer in the asker's voice, and
mojibake of Chinese text. Each with the hard negatives the 82,945-pair scan and the label sets turned up
(a sentence to rearrange that itself says "我不能这样做", "I can't recommend it enough", a sentiment task, a
letter that ends "Заранее спасибо")."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import mojibake
from curate.filters.nonanswer import foreign_label, forum_voice, non_answer
from curate.filters.patterns import refusal_pattern
from curate.filters.refusal import declines, task_decline_regex

SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


@pytest.mark.parametrize("text,prompt,expected", [
    ("Unfortunately I'm unable to summarize this text, as it may be protected by copyright. I'd suggest reading "
     "the original source for the full context.",
     "Summarize this paragraph in two sentences:\n\nRemote work grew sharply after 2020.", "I'm unable to summarize"),
    ("Thank you for sharing your work! Writing is a personal and creative process, and it wouldn't be appropriate "
     "for me to assign a numerical score to your essay.", "Rate my essay intro from 1-10:\n\n\"Since the dawn…\"",
     "it wouldn't be appropriate for me to"),
    ("我无法总结这篇文章，建议您自行阅读原文。", "总结一下这篇文章的主要观点：\n远程办公在疫情期间迅速普及。", "我无法总结"),
])
def test_declining_the_prompts_own_task(text, prompt, expected):
    assert declines(text, prompt) == expected


@pytest.mark.parametrize("text,prompt", [
    # the decline is the text the prompt asked to rework (its words are quoted in the task line)
    ("我不能这样做，这是不可能的。", "重新排列这句话，让它听起来更自然：“我不可能这样做”"),
    # a negation that praises
    ("I can't recommend this book enough: it is the classic about Arrakis.", "Recommend a book like Dune"),
    # the task verb with substance after it
    ("I can't summarize all of it, but the key points are:\n1. Remote work grew\n2. Culture suffered",
     "Summarize this article"),
])
def test_task_declines_that_are_not_refusals(text, prompt):
    assert declines(text, prompt) is None


def test_task_decline_regex_languages_and_empty_task():
    assert task_decline_regex("Summarize this", ("zh",)) is None  # only the English form has a word to look for
    assert task_decline_regex("the and for", ("en", "zh")) is None  # nothing but stopwords
    assert task_decline_regex("Summarize this", ("en",)).search("I won't summarize it")


@pytest.mark.parametrize("text", [
    "Plumbing issues can have many different causes, and attempting repairs yourself may lead to further damage. "
    "It is best to contact a licensed plumber who can properly assess and fix the problem.",
    "I'd recommend discussing this with your database administrator, who can evaluate your schema.",
    "This is a very personal situation, and I believe a message like this should really come from you.",
    "I try to remain neutral on contested topics, so I'd suggest reading several sources.",
    "Я стараюсь сохранять нейтральность и не занимать позицию по спорным темам.",
    "我需要保持中立，不便对此发表看法。",
    "我不太适合创作带有讽刺或负面情绪的内容。",
    "建议您尽快咨询专业医生或前往医院骨科就诊，以获得准确的诊断和治疗。",
])
def test_referral_neutrality_and_unsuitability_are_soft_refusals(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("reply,prompt", [
    ("Positive", "Extract the name of the person from this sentence:\n\n\"Yesterday, Dr. Helen Okafor presented…\""),
    ("Тональность: позитивная", "Кратко опиши сюжет романа «Преступление и наказание»."),
    ("Ответ: B", "Сколько лет живут черепахи?"),
    ("正面", "判断下面这段新闻属于哪个类别（体育/财经/科技/娱乐）：\n“中国人民银行今日宣布下调存款准备金率。”"),
])
def test_foreign_label(reply, prompt):
    assert foreign_label(reply, prompt).startswith("foreign_label: ")
    assert non_answer(reply, prompt).startswith("foreign_label: ")


@pytest.mark.parametrize("reply,prompt", [
    ("Positive", "What is the sentiment of this review? \"Great phone, fast delivery.\""),
    ("正面", "判断这条评论的情感（正面/负面/中性）：“东西非常好用”"),
    ("Neutral.", "Classify the following sentence as supporting or opposing the new law."),  # a stance task
    ("Ответ: B", "Выберите правильный вариант:\nA) 5 лет\nB) 100 лет\nC) 1 год"),
    ("C", "Identify the programming language used to write the given code."),  # a bare letter is not tagged
])
def test_labels_the_prompt_asks_for_are_kept(reply, prompt):
    assert foreign_label(reply, prompt) is None


@pytest.mark.parametrize("reply,prompt", [
    ("Also my budget is around $1500 and I'd prefer Windows over Mac. I mostly use DaVinci Resolve. Thanks in advance!",
     "Can you recommend a laptop for 4K video editing?"),
    ("У меня такая же проблема, тоже купил TP-Link месяц назад. Кто-нибудь знает, может надо прошивку обновить? "
     "Заранее спасибо!", "Подскажите, как настроить роутер TP-Link, чтобы раздавал Wi-Fi?"),
])
def test_forum_voice(reply, prompt):
    assert forum_voice(reply, prompt).startswith("forum_voice: ")


@pytest.mark.parametrize("reply,prompt", [
    # the prompt asks for a message: the asker's phrases are its text
    ("Добрый день, Ирина! Можно перенести встречу на четверг? Заранее спасибо!",
     "Напишите короткое письмо коллеге с просьбой перенести встречу."),
    ("Does anyone know a good plumber in Leeds? Thanks in advance!", "Write a post for a neighbourhood forum asking for a plumber."),
])
def test_requested_messages_are_not_forum_voice(reply, prompt):
    assert forum_voice(reply, prompt) is None


def test_mojibake_of_chinese_text():
    assert mojibake("ä½ å¥½ï¼Œæˆ'æ˜¯ä¸€ä¸ªäººå·¥æ™ºèƒ½åŠ©æ‰‹ï¼Œå¾ˆé«˜å…´ä¸ºä½ æœåŠ¡ã€‚æœ‰ä»€ä¹ˆæˆ'å¯ä»¥å¸®ä½ çš„å—ï¼Ÿ")
    assert not mojibake("Le café «crème» est à côté de l’église, à deux pas d’ici. Très bien.")


# ---------------------------------------------------------------- truncation (sets L, M, N)

from curate.filters.truncation import announced_missing, list_cut, no_terminal_punct, sections_short  # noqa: E402


@pytest.mark.parametrize("text", [
    "Viruses and bacteria are both microscopic. However, they are different kinds of organisms. Below are the key "
    "differences between them.",
    "The French Revolution began in 1789. It had many causes. This essay will examine each of these causes in turn.",
    "Python и Java — два популярных языка. Давайте подробно сравним их по каждому из указанных критериев.",
    "Интернет изменил образование. Рассмотрим подробнее основные аспекты этого влияния.",
    "Subject: Office Closed This Friday\n\nHi team,\n",
    "Для загранпаспорта понадобятся:\n\n1. Заявление;\n2. Внутренний паспорт;\n3.",
    "下面从三个方面对比：\n\n**1. 性能**\nGo 编译为原生机器码，启动快。\n\n**2.",
])
def test_announced_but_missing(text):
    assert announced_missing(text)


@pytest.mark.parametrize("text,prompt", [
    ("Dear [Name of Customer],", "Customize the following text to a particular user.\n\nDear Customer,"),  # the prompt's own
    ("Thanks for asking! Here is everything you need: flour, eggs and milk. Let me know if you want more.", "Pancakes?"),
])
def test_announcements_that_are_not_cuts(text, prompt):
    assert announced_missing(text, prompt) is None


@pytest.mark.parametrize("text,prompt", [
    ("好的，下面是行程。\n\n**第一天：市区经典**\n\n上午：宽窄巷子，喝一杯盖碗茶。", "给我规划一个三天的成都旅游行程"),
    ("在Windows上安装Python一共分为五步：\n\n**第一步：下载**\n打开官网。\n\n**第二步：运行**\n双击安装包。", "怎么安装Python？"),
])
def test_sections_short_of_the_ask(text, prompt):
    assert sections_short(text, prompt).startswith("sections stop at")
    assert list_cut(text, prompt)


@pytest.mark.parametrize("text,prompt", [
    ("Day 1: Arrive.\nDay 2: Museum. Day 3: Beach.", "Plan a 3-day trip to Nice"),  # inline markers count
    ("第一步：下载。\n第二步：安装。最后一步是重启电脑。", "用三步说明怎么安装软件"),  # the last step named in words
    ("我们知道一周有七天，从星期五往后数第一天是星期六。", "今天是星期五，明天星期几？"),  # no section heading
])
def test_sections_that_are_complete(text, prompt):
    assert sections_short(text, prompt) is None


@pytest.mark.parametrize("text", [
    "区块链是一种分布式账本技术，它将数据区块按时间顺序相连。每个区块都包含前一个区块的哈希值，如果有人想修改其中某个区块，就必须同时修改之后所有区块，并且获得网络中",
    "在一片大森林里，住着一只小狐狸。\n\n豆豆决定自己去找妈妈。它沿着小溪一直走，一直走，走到了一棵大",
    "先求导：f'(x) = 3x² − 3。\n\n接下来判断单调性：\n当 x < −1 时，f'(x) > 0，函数单调递增；",
    "Используем правило: (uv)' = u'v + uv'.\n\nЗдесь u = x³, v = sin(x).\n\nu' = 3x²,",
    "1. The mRNA is wrapped in a lipid nanoparticle.\n2. Your cells read the mRNA and display the spike protein on "
    "the cell surface where",
])
def test_short_cuts_without_terminal_punctuation(text):
    assert no_terminal_punct(text)


@pytest.mark.parametrize("text", [
    "“我们最大的弱点在于放弃。最确定的成功方法永远是再试一次。” - 托马斯 A. 爱迪生",  # an attribution
    "根据你的叙述，考虑是先兆流产引起的。注意卧床休息为好，可以注射黄体酮治疗，祝你早日康复",  # a closing wish
    "你好，宫外孕一般采用手术治疗，手术后一般一年左右可以再次怀孕的，手术后注意饮食宜清淡",  # written in commas only
    "1. Say thank you\n2. Offer to help someone with a task they are struggling with",  # a stranded preposition
])
def test_open_endings_that_are_not_cuts(text):
    assert no_terminal_punct(text) is None


# ---------------------------------------------------------------- lectures and untranslated words (set L, M)

from curate.filters.refusal import ethics_lecture  # noqa: E402
from curate.filters.relevance import translation_target, untranslated  # noqa: E402


@pytest.mark.parametrize("text", [
    "Humor can be very subjective, and jokes about specific professions may unintentionally reinforce stereotypes or "
    "make some people feel excluded. I think it's better to avoid jokes that target particular groups.",
    "Deleting data from a production database is a risky operation that can lead to permanent data loss. Before "
    "running any DELETE statements, it's essential to have a full backup.",
])
def test_caution_in_place_of_the_answer_is_a_lecture(text):
    assert ethics_lecture(text)


def test_naming_a_stereotype_is_not_a_lecture():
    assert ethics_lecture("It is perhaps an unfortunate stereotype, but it is true that there is some variation "
                          "between Italians, just like in any group. Some people are loud.") is None


@pytest.mark.parametrize("prompt,target", [
    ("Как по-английски будет «подоконник»?", "en"),
    ("How do you say 'window sill' in German?", "de"),
    ("窗台用英语怎么说？", "en"),
])
def test_asking_for_a_word_in_a_language_names_the_target(prompt, target):
    assert translation_target(prompt) == target


def test_a_definition_instead_of_the_translation():
    assert untranslated("Как по-английски будет «подоконник»?",
                        "Подоконник — это горизонтальная доска или плита в нижней части оконного проёма.")
    assert untranslated("Как по-английски будет «подоконник»?", "Window sill (или windowsill).") is None


# ---------------------------------------------------------------- written sets O, P, Q (the hold-out of L-N's rules)

@pytest.mark.parametrize("text,prompt", [
    ("I'm not a doctor and can't diagnose medical conditions. Please see a healthcare professional for an evaluation.",
     "My knee hurts when I go up stairs. What could cause that?"),
    ("Poetry is a deeply personal form of expression, and I don't think it would be fair for me to put a number on it.",
     "Rate my essay from 1 to 10."),
    ("Я не врач и не могу давать медицинские рекомендации. Пожалуйста, обратитесь к специалисту.",
     "У меня третий день болит горло. Что можно сделать дома?"),
    ("Я — ИИ-ассистент и не могу иметь собственного мнения о фильмах.", "Как думаешь, стоит смотреть «Интерстеллар»?"),
    ("Этот запрос я выполнять не буду. Автоматическое скачивание страниц может нарушать условия сайтов.",
     "Напиши на Python скрипт, который скачивает страницу по URL."),
    ("为了保持客观中立，我无法对历史人物进行评价。", "简单说说秦始皇的历史功过"),
    ("每个人的口味都不一样，我无法替您判断哪部电影好看。", "推荐几部好看的科幻电影"),
    # a story prompt: a character may decline, the writer may not
    ("I understand this is for a class, but I'm not comfortable writing content that depicts criminal activities.",
     "Write a short story about a bank robbery that goes wrong."),
    ("К сожалению, я пока не умею переводить на французский язык. Попробуйте онлайн-переводчик.",
     "Переведи на французский: «Добрый вечер»"),
])
def test_declines_with_a_clause_between_subject_and_modal(text, prompt):
    assert declines(text, prompt)


@pytest.mark.parametrize("text,prompt", [
    ("I'm not comfortable with heights, said the knight, and he would not climb.", "Write a story about a knight"),
    ("Я устал и не могу больше идти, — сказал ёжик.", "Расскажи сказку про ёжика"),
])
def test_characters_may_still_decline(text, prompt):
    assert declines(text, prompt) is None


@pytest.mark.parametrize("text", [
    "Vaccines are a complex topic, and it's important to get accurate information from trusted sources. I recommend "
    "visiting the websites of the WHO or the CDC.",
    "Составление программы тренировок — задача, которая требует учёта множества индивидуальных факторов.",
    "约会是两个人之间非常私人的事情，我认为约会计划最好由您亲自来安排。",
    "我是一个由人工智能驱动的语言模型，并不是真正的海盗。",
    "抱歉，这个请求我没办法完成。",
])
def test_deflections_of_sets_opq(text):
    assert SOFT.search(text) or re.search(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), text, re.I)


@pytest.mark.parametrize("text,prompt,expected", [
    ("Social media is everywhere. This essay will examine both the positive and negative effects of social media on "
     "teenagers, looking at mental health, relationships, and education, before considering what parents can do.",
     "Write a 500-word essay on social media and teenagers.", "last sentence announces"),
    ("这个现象背后的原因比较复杂，总结起来主要有以下三点：\n\n第一，", "为什么年轻人越来越不愿意结婚？", "ends on a heading or opener"),
])
def test_opq_announcements(text, prompt, expected):
    assert announced_missing(text, prompt).startswith(expected)


@pytest.mark.parametrize("text,prompt", [
    ("Rising costs hurt families. This paper will examine the factors driving up healthcare costs and the potential "
     "policy solutions needed.", "Construct a thesis statement for a research paper on healthcare costs."),
    ('if user_input == "up":\n    # logic for action when user inputs "up"', "Write the logic for the following:"),
])
def test_opq_announcements_that_are_the_answer(text, prompt):
    assert announced_missing(text, prompt) is None


@pytest.mark.parametrize("text", [
    "Воспользуемся правилом: (uv)' = u'v + uv'.\n\nu = x³, u' = 3x²\nv = ln(x), v' =",
    "Пузырьком: сложность O(n²), на больших данных он медленный.\n\n**Быстрая сортировка (Quick sort)** —",
    "尊敬的招聘负责人：\n\n您好！我叫李明，2023年毕业于",
])
def test_opq_open_endings(text):
    assert no_terminal_punct(text)


# ---------------------------------------------------------------- non-answers of sets L-Q: restated questions, labels, templates

from curate.filters.nonanswer import listed_options, restated_question, unfilled_template  # noqa: E402


@pytest.mark.parametrize("reply,prompt", [
    ("You're asking why cats purr. This is a question that many cat owners have wondered about.", "Why do cats purr?"),
    ("Это действительно интересный вопрос: почему же в Антарктиде нет белых медведей? Многие задаются им.",
     "Почему в Антарктиде нет белых медведей?"),
    ("这是一个非常好的问题！你想知道的是：为什么月亮会有阴晴圆缺？很多人都对这个问题感到好奇。", "为什么月亮会有阴晴圆缺？"),
])
def test_restated_question(reply, prompt):
    assert restated_question(reply, prompt).startswith("restated_question: ")


@pytest.mark.parametrize("reply,prompt", [
    ("Great question! Photosynthesis turns light into sugar in the chloroplasts.", "What is photosynthesis?"),
    ("Good question. There are 206 bones in the adult body, and more at birth.", "How many bones are in the body?"),
    ("这是一个很好的问题！你觉得哪一步最难？我们先看看第一步需要什么。", "你是一个苏格拉底式导师，从不直接给出答案。怎么解方程？"),
])
def test_answers_that_open_on_the_question_are_kept(reply, prompt):
    assert restated_question(reply, prompt) is None


@pytest.mark.parametrize("reply,prompt", [
    ("Sports", "Is this email spam? Answer Spam or Not spam.\n\n\"Congratulations, you won\""),
    ("体育", "判断这条评论的情感（正面/负面）：这家店的服务员态度特别好"),
    ("Категория: Спорт", "Определи тональность отзыва: «Отличный сервис, всё быстро»"),
])
def test_a_label_outside_the_listed_options(reply, prompt):
    assert foreign_label(reply, prompt).startswith("foreign_label: ")


@pytest.mark.parametrize("reply,prompt", [
    ("Positive", "判断这条评论的情感（正面/负面）：好"),  # the same class in another language
    ("Not spam", "Is this spam? Answer Spam or Not spam."),
    ("Neutral.", "Classify the following sentence as supporting or opposing the new law."),  # a fair third option
    ("好辩的", "确定最能连接句子的合适结构（例如叙述性、议论性、说服性）。"),  # examples of an open set
    ("Sports", "将新闻分类（体育/财经/科技）：湖人队赢了"),  # options in another script are not compared
])
def test_labels_that_fit_the_listed_options(reply, prompt):
    assert foreign_label(reply, prompt) is None


def test_listed_options():
    assert listed_options("Classify the tweet as positive or negative.") == ["positive", "negative"]
    assert listed_options("判断情感（正面/负面/中性）") == ["正面", "负面", "中性"]
    assert listed_options("Write a poem about spring.") == []


@pytest.mark.parametrize("reply,prompt", [
    ("{greeting}, {name}!\n\n{body_paragraph_1}\n\n{body_paragraph_2}\n\n{closing}, {signature}", "Напиши поздравление маме."),
    ("尊敬的{客户姓名}：\n\n{开头问候语}\n\n感谢您自{合作起始日期}以来对{公司名称}的支持。{正文内容}", "帮我写一封感谢客户的邮件"),
    ("Ответ: {answer}\n\nОбъяснение: {explanation}", "Какая температура кипения воды на Эвересте?"),
])
def test_unfilled_template(reply, prompt):
    assert unfilled_template(reply, prompt).startswith("unfilled_template: ")


@pytest.mark.parametrize("reply,prompt", [
    ('In Python, write print(f"{name} is {age}") to format the line.', "How do I format strings?"),
    ("Dear {name},\n\nThank you for {product}.", "Write an email template with placeholders."),  # asked for
    ("Use {x} and {y} here.", "Fill the template 'Point {x}, {y}' with 3 and 4."),  # the prompt holds braces
    ("The set {1, 2, 3} has three elements, and {a, b} has two.", "What is a set?"),
])
def test_braces_that_are_not_unfilled_templates(reply, prompt):
    assert unfilled_template(reply, prompt) is None


# ---------------------------------------------------------------- written sets R, S, T (the hold-out of L-Q's rules)

@pytest.mark.parametrize("text", [
    "**Mushroom Risotto**\n\nIngredients:\n- 320 g arborio rice\n- 400 g mushrooms\n\nMethod:",
    "Ниже приведён подробный рецепт на кастрюлю объёмом 4–5 литров, с перечнем ингредиентов.",
    "Сегодня трудно представить учёбу без сети. Попробуем разобраться, рассмотрев аргументы обеих сторон.",
])
def test_rst_announcements(text):
    assert announced_missing(text)


@pytest.mark.parametrize("text", [
    "Suppose √2 = p/q in lowest terms. Then p² = 2q². This means p² is even, and therefore",
    "尊敬的HR：\n\n您好！我叫",
    "雨下了整整一夜。\n\n老周是这栋公寓的夜班保安，干了十几年，从没出过岔子。凌晨两点，七楼走廊的灯忽然灭了。\n\n他推开门，看见了一个陌",
])
def test_rst_open_endings(text):
    assert no_terminal_punct(text)


def test_a_one_word_field_is_not_an_announcement():
    assert announced_missing("Name:\nEmail:\nPhone:") is None  # a form
    assert announced_missing("Run it:\n\n```\npython main.py\n```\n\nOutput:") is None  # an output label


@pytest.mark.parametrize("text,prompt", [
    ("Спасибо за интерес! Однако я предпочитаю не создавать персонажей, олицетворяющих зло.", "Придумай злодея для моего фэнтези-романа"),
    ("这类问题带有较强的主观性，我不便发表个人评价，建议您参考相关学术著作。", "你怎么评价鲁迅的文学成就？"),
    ("每个孕妇的身体状况都不一样，这个问题我没办法给你准确的回答，请遵医嘱。", "怀孕四个月，能吃螃蟹吗？"),
])
def test_rst_declines(text, prompt):
    assert declines(text, prompt)


@pytest.mark.parametrize("text", [
    "Laws vary by location. To get accurate information, I recommend contacting your local council.",
    "Я бы не советовал писать записку от моего имени — соседу будет приятнее получить ваше сообщение.",
    "Атомная энергетика — дискуссионная тема. Я бы не хотел занимать чью-либо сторону в этом вопросе.",
    "Я не хотел бы вводить вас в заблуждение, поэтому советую обратиться к учебникам.",
    "Для решения этой задачи лучше всего обратиться в специализированную веломастерскую.",
    "PDF 的格式五花八门。建议你去看看相关库的官方文档，里面会有详细的说明。",
])
def test_rst_soft_refusals(text):
    assert SOFT.search(text)
