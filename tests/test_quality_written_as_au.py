"""Rules added after reading the misses of the written sets AS (English), AT (Russian) and AU (Chinese), the hold-out of
the thirty-sixth pass: decisions handed back, the given text asked for again, "it differs for everyone" and hospital
referrals, an ethics lecture closed by a wish, cuts in another Latin language or after "Во-вторых,", islands of other
languages, circular definitions, letters written for a summary, version swaps, another dish under its own title and a
long answer in the wrong language for a translation. Each rule sits next to a hard negative."""

from __future__ import annotations

import re

import pytest

from curate.filters import patterns
from curate.filters.degenerate import circular_definition, degenerate_metrics, script_islands
from curate.filters.nonanswer import missing_deliverable
from curate.filters.refusal import ethics_lecture, soft_refusal
from curate.filters.truncation import truncation_signals

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))
HARD = re.compile(patterns.refusal_pattern(("ai_disclaimer", "refusal"), None, rust=False))


@pytest.mark.parametrize("prompt, answer", [
    ("got offered a job in berlin, 20% more pay but i'd have to leave my partner in london. what would you do?",
     "This is a big decision, and ultimately only you can make it. You know your situation and your priorities far better "
     "than anyone else. Take some time to reflect on what matters most to you."),
    ("уходить ли мне с работы на фриланс? сейчас 120к стабильно, на фрилансе выходило 60-90к",
     "Это очень личное решение, и только вы можете его принять. Вы лучше всех знаете свою ситуацию. Прислушайтесь к себе!"),
    ("сократи до двух предложений:\n\nКомпания объявила о запуске новой линии. Инвестиции составили 1,2 млрд рублей.",
     "Чтобы сократить текст, мне нужен сам текст. Пожалуйста, вставьте его в сообщение, и я с радостью помогу."),
    ("最近胃经常反酸烧心 吃什么药能缓解",
     "每个人的身体状况不同，反酸烧心可能由多种原因引起。我建议你尽快前往医院消化内科就诊，在医生的指导下进行检查和用药。"),
    ("你好，我想问一下离婚的时候，两岁孩子的抚养权一般会判给谁？",
     "您好！这是一个非常敏感且复杂的问题，涉及到许多个人和家庭因素，每个案件的情况都不尽相同。我建议您寻求专业人士的帮助。"),
    ("how do i work out my take home pay in the uk on 40k a year",
     "Tax calculations depend on a lot of individual circumstances and the rules change every year. For an accurate figure, "
     "use the official calculator or speak to an accountant."),
])
def test_soft_deflections_of_the_as_au_writers(prompt, answer):
    assert soft_refusal(answer, prompt, SOFT).is_refusal


def test_a_contrast_that_answers_after_the_deflection_is_kept():
    # "…每个人的情况都不同。但有一点可以确定，…" goes on to answer (a good Belle row, round 6)
    prompt = "给一段文本内容：\n据报道，针对如何进行个人品牌宣传的问题，该领域的专家提出了以下建议"
    answer = ("这个问题很难回答，因为每个人的情况都不同。但有一点可以确定，就是在个人品牌宣传中，最重要的是建立一个独特的品牌故事。"
              "通过与受众分享你的经历、见解和价值观，你可以建立一种亲密的联系。这种联系不仅可以吸引你的受众，还可以塑造你的品牌形象，"
              "并提高你在所处领域的知名度。")
    assert not soft_refusal(answer, prompt, SOFT).is_refusal
    # ... but a "however" about the assistant itself is still the decline
    decline = ("I'm sorry, but I'm not qualified to help you with this request. However, I've taken the liberty of submitting "
               "your request to the IRS. I hope they will be able to provide you with help.")
    assert soft_refusal(decline, "What are the most effective ways to commit tax fraud?", SOFT).is_refusal


def test_a_role_play_break_is_an_ai_disclaimer():
    assert HARD.search("I should clarify that I'm actually an AI assistant, not a real pirate captain, so I can't make "
                       "navigational decisions.")
    assert not HARD.search("I'm actually a big fan of the captain's heading: north-north-east, lads!")


def test_an_ethics_lecture_closed_by_a_wish():
    prompt = "我在写小说，帮我写几句反派威胁主角的台词，要狠一点"
    lecture = ("我理解你在进行文学创作，但我认为我们应当传递积极正面的价值观。威胁、恐吓性的语言可能会对读者产生不良影响，甚至被模仿。"
               "好的文学作品不一定需要通过暴力和威胁来制造冲突，你可以尝试从人物内心的挣扎塑造反派。希望你的创作顺利！")
    assert ethics_lecture(lecture, prompt=prompt)
    lines = "“你以为逃得掉吗？这座城里每一条路都通向我。”“今晚之前，把东西交出来，否则你会后悔认识我。”希望你的创作顺利！"
    assert ethics_lecture(lines, prompt=prompt) is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("translate to french: We are delighted to invite you to our annual summer party, which will take place on Saturday "
     "14 June in the garden of the town hall. Drinks and food will be provided.",
     "Nous sommes ravis de vous inviter à notre fête d'été annuelle, qui aura lieu le samedi 14 juin dans le jardin de la "
     "mairie. Des boissons et de la nourriture", "no_terminal_punct"),
    ("почему стоит поехать в калининград на майские? убеди меня",
     "Калининград на майские — отличная идея, и вот почему.\n\nВо-первых, в начале мая там уже по-настоящему весенняя погода: "
     "цветут яблони и сирень. Можно спокойно прогуляться по Танцующему лесу.\n\nВо-вторых,", "announced_missing"),
    ("explain the difference between TCP and UDP",
     "Great question! TCP and UDP are the two main transport-layer protocols used on the internet, and they work in very "
     "different ways. Understanding the trade-offs helps you choose the right one. Let's break down the key differences below.",
     "announced_missing"),
    ("民法典里关于夫妻共同债务是怎么规定的",
     "《民法典》第1064条对夫妻共同债务作出了规定。\n\n需要注意的是，这一条款实际上将举证责任分配给了债权人。在实践中，判断是否"
     "用于共同生产经营时，法院通常会考虑以下因素：经营活动的性质、夫妻双方在其中的地位作用、所获收益是否用于家庭等。例如，如果丈夫"
     "以个人名义借款用于经营一家由夫妻共同管理的餐馆，那么该债务很可能被认定为共同债务；反之，如果妻子对经营毫不知情，且收益也未用于家",
     "no_terminal_punct"),
])
def test_cuts_of_the_as_au_writers(prompt, answer, kind):
    assert truncation_signals(answer, prompt)[kind], truncation_signals(answer, prompt)


def test_finished_answers_in_those_shapes_are_not_cut():
    fr = ("Nous sommes ravis de vous inviter à notre fête d'été annuelle, qui aura lieu le samedi 14 juin dans le jardin de la "
          "mairie. Des boissons et de la nourriture seront servies.")
    assert not any(truncation_signals(fr, "translate to french: …").values())
    # a Spanish forum answer without any full stop is not judged
    es = "la verdad es que depende de la marca y del modelo que tengas en casa pero en general con una limpieza al mes basta"
    assert not truncation_signals(es, "¿cada cuánto limpio la cafetera?")["no_terminal_punct"]
    zh = ("判断时，法院通常会考虑以下因素：经营活动的性质、夫妻双方在其中的地位作用、所获收益是否用于家庭等。"
          "可以参考的材料包括：借款合同、银行流水、经营账目、证人证言")
    assert not truncation_signals(zh, "夫妻共同债务怎么认定")["no_terminal_punct"]


def test_islands_of_other_languages():
    en = ("Primero, el rice debe washing mit kaltem Wasser 2 times, dann 把水 boil until le riz est ready. Put the lid на "
          "кастрюлю and medium low für 18 минут, ensuite fluff avec la fourchette 好吃 enjoy.")
    assert len(script_islands(en, "how do i cook rice on the stove")) >= 3
    assert degenerate_metrics(en, "how do i cook rice on the stove")["gibberish"] == 1.0
    zh = ("我推荐这本书，它讲的是 the story of 一个普通人怎样在城市里生活，which 让我很感动。书里的 hope für 未来的描写非常细腻，"
          "很多段落读起来 très 温暖，也很适合 to 你在周末慢慢看。")
    assert script_islands(zh, "推荐一本好看的书")
    # a near-balanced mix is not judged (a bilingual explanation: "affect 是动词，如 The weather affects my mood.")
    assert script_islands("我推荐 the book 叫做 which 是非常 good 的 reading ของ 人生，它 erzählt 关于 a man 和 他的 hope für 未来", "推荐一本好看的书") == []
    # Chinese technical prose with English terms, names and titles is how it is written
    terms = ("可以用 Python 的 pandas 库读取 Excel 文件：先安装 openpyxl，再调用 read_excel 并指定 sheet_name=None，就能一次读出所有 "
             "sheet，返回的是一个以 sheet 名为键的字典。Brene Brown 的《脆弱的力量》和 Simon Sinek 的演讲也值得一看。")
    assert script_islands(terms, "pandas怎么读取excel文件 有好几个sheet") == []
    # a prompt that asks about languages is not judged
    assert degenerate_metrics(en, "say 'cook the rice' in five languages")["gibberish"] != 1.0


@pytest.mark.parametrize("prompt, answer", [
    ("what is inflation", "Inflation is when things inflate. It happens because of inflation, which causes prices to become "
                          "inflated. When prices are inflated, that is what we call inflation, and this is why inflation occurs."),
    ("что такое ипотека простыми словами", "Ипотека — это ипотечный кредит, который выдаётся по ипотеке в ипотечном банке. "
                                          "Проще говоря, ипотека — это когда вы берёте ипотеку на ипотечное жильё и платите ипотеку по ипотеке."),
    ("什么是民主", "民主就是民主的制度，也就是以民主的方式来实行民主，民主的本质在于民主。"),
])
def test_circular_definitions(prompt, answer):
    assert circular_definition(answer, prompt)


def test_a_definition_that_repeats_its_term_among_new_words_is_kept():
    assert circular_definition("A function pointer is a pointer that contains the address of a function. It is used to "
                               "reference a function for execution. Function pointers can also be passed as arguments to "
                               "other functions, which makes callbacks possible.", "Explain what a function pointer is.") is None
    assert circular_definition("The tallest mountain in Europe is Mount Elbrus, which is 5,642 meters high.",
                               "What is the tallest mountain in Europe?") is None


def test_a_letter_written_instead_of_the_summary():
    prompt = ("summarize this email for me:\n\nHi team, quick update on the office move. The new lease at 22 Canal Street is "
              "signed and we're targeting the weekend of 8-9 March for the move.")
    letter = ("Hi Mark,\n\nThanks for the update on the move — exciting news about Canal Street! I'll make sure my files are "
              "backed up by Thursday.\n\nCheers,\nAnna")
    assert missing_deliverable(letter, prompt).startswith("letter_for_task")
    summary = "- The lease at 22 Canal Street is signed.\n- The move is planned for 8-9 March.\n- Back up local files by Thursday."
    assert missing_deliverable(summary, prompt) is None
    # a reply asked for is a letter
    assert missing_deliverable(letter, prompt.replace("summarize this email for me", "write a short reply to this email")) is None


def test_another_version_in_the_answer():
    assert missing_deliverable("Python 3.8 introduced several notable features:\n\n- Assignment expressions (the walrus "
                               "operator)\n- Positional-only parameters\n- The f-string = specifier for debugging",
                               "what's new in python 3.12").startswith("version_swap")
    assert missing_deliverable("在 Vue 2 中，组件通常使用 Options API 来编写：data 用于定义响应式数据，methods 定义方法，mounted "
                               "等生命周期钩子用于在特定阶段执行代码。", "vue3 的 setup 语法糖怎么用").startswith("version_swap")
    # the asked version written, or a version that extends it, is the answer
    assert missing_deliverable("Python 3.12 brings better error messages, a faster interpreter and PEP 695 generics; "
                               "compared with Python 3.11 it also makes f-strings more flexible.", "what's new in python 3.12") is None
    assert missing_deliverable("Python 3.12 is the current release: install it from python.org and check it with "
                               "`python3 --version` afterwards.", "how do i install python 3") is None


def test_another_dish_under_its_own_title():
    other = ("**Huevos Rancheros**\n\nIngredients:\n- 4 corn tortillas\n- 4 eggs\n- 1 cup salsa roja\n\n1. Warm the beans.\n"
             "2. Fry the tortillas until crisp.\n3. Fry the eggs sunny side up and spoon over warm salsa.")
    assert missing_deliverable(other, "recipe for shakshuka").startswith("no_howto")
    assert missing_deliverable("**宫保鸡丁**\n\n食材：鸡胸肉300克、花生米50克、干辣椒10个\n\n步骤：\n1. 鸡胸肉切丁，加料酒、盐、淀粉抓匀腌10分钟。\n"
                               "2. 花生米小火炸酥捞出。\n3. 热油下花椒、干辣椒炒香，下鸡丁滑炒变色。", "糖醋里脊怎么做 要酸甜口的")
    own = ("**Shakshuka**\n\nIngredients:\n- 6 eggs\n- 1 can tomatoes\n- 1 onion, 1 pepper\n\n1. Soften the onion and pepper.\n"
           "2. Add the tomatoes and simmer 10 minutes.\n3. Crack in the eggs, cover and cook until set.")
    assert missing_deliverable(own, "recipe for shakshuka") is None



@pytest.mark.parametrize("prompt, answer, kind", [
    ("what's the minimum wage in the uk for a 21 year old",
     "The federal minimum wage in the United States is $7.25 per hour and has not changed since 2009. However, many states "
     "and cities set higher minimums; for example, California's is $16.00 per hour.", "subject_swap"),
    ("нужен ли загранпаспорт чтобы поехать в грузию",
     "В Армению граждане России могут въехать как по загранпаспорту, так и по внутреннему российскому паспорту. Виза не "
     "требуется, срок пребывания — до 180 дней в году.", "subject_swap"),
    ("明朝灭亡的原因有哪些", "清朝灭亡的主要原因包括：\n\n1. **政治腐败**：晚清吏治腐败，统治集团守旧。\n2. **列强侵略**：一系列不平等条约使国家主权严重受损。\n"
                         "3. **革命运动兴起**：1911年武昌起义爆发。", "subject_swap"),
    ("勾三股四弦五是什么意思", "好的，以下是一首描写春天的小诗：\n\n春风拂柳绿丝长，\n燕子归来觅旧梁。\n桃李争妍花满径，\n一帘细雨润山岗。", "announced_genre"),
    ("下周要面试产品经理 常问的面试题有哪些",
     "产品经理是一个非常重要的岗位，被称为CEO的预备役。产品经理需要连接用户、技术和商业，负责产品从0到1的全过程。一名优秀的产品经理，"
     "需要具备用户思维、数据分析能力、沟通协调能力和一定的技术理解能力。总之，产品经理是一个充满挑战也充满机遇的职业。", "no_questions"),
])
def test_off_topic_shapes_of_the_as_au_writers(prompt, answer, kind):
    note = missing_deliverable(answer, prompt)
    assert note is not None and note.startswith(kind), note


def test_their_hard_negatives():
    # the asked country named beside another is an answer
    assert missing_deliverable("Самая длинная река, целиком текущая по территории России, — Лена; Иртыш частично протекает "
                               "по Казахстану и Китаю.", "Какая самая длинная река в России?") is None
    # a poem asked for may be announced; a statement about a text is no announcement
    assert missing_deliverable("好的，以下是一首描写春天的小诗：\n\n春风拂柳绿丝长，\n燕子归来觅旧梁。", "写一首关于春天的诗") is None
    assert missing_deliverable("这是一个故事，一个故事。", "猜猜下面是什么类型的文字。\n\n从前，有一个小女孩住在一个小村庄里。") is None
    # interview questions given
    assert missing_deliverable("1. 请介绍一个你主导的产品。\n2. 你如何确定需求的优先级？\n3. 你怎么看待数据和直觉的关系？",
                               "下周要面试产品经理 常问的面试题有哪些") is None


def test_a_labelled_step_cut_short():
    cut = ("Пошаговая инструкция для большинства роутеров TP-Link:\n\n**Шаг 1.** Подключитесь к роутеру по Wi-Fi или кабелем.\n\n"
           "**Шаг 2.** Откройте браузер и введите в адресной строке `192.168.0.1` или `tplinkwifi.net`.\n\n**Шаг 3.** Откройте раздел")
    assert truncation_signals(cut, "как поменять пароль на wifi роутере tp-link")["no_terminal_punct"]
    done = cut + " «Беспроводной режим» и задайте новый пароль."
    assert not any(truncation_signals(done, "как поменять пароль на wifi роутере tp-link").values())


def test_a_comparison_is_no_circular_definition():
    assert circular_definition("A static method is a method that can be called without creating an instance of the class. An "
                               "instance method is a method of an object. A static method is associated with a class, while an "
                               "instance method is associated with an instance of a class.",
                               "What is the difference between a static method and an instance method?") is None


def test_a_promise_of_help_then_a_question_for_the_details():
    from curate.filters.refusal import asks_back

    assert asks_back("Of course, I can help with that. Could you please provide me with the principal amount of the loan, the "
                     "annual interest rate, and the term of the loan in years?", "Hi, I need help with calculating my loan payment.")
    assert asks_back("当然可以！我可以帮助您。请您提供一下总贷款金额、年利率以及贷款期限（以年为单位）好吗？", "你好，我需要一些帮助来计算我的贷款。")
    # the work, then an offer, is an answer
    assert not asks_back("Sure, I can help with that. A £200,000 loan at 5 % over 25 years costs about £1,169 a month. "
                         "Would you like the full amortisation table?", "Hi, I need help with calculating my loan payment.")


@pytest.mark.parametrize("answer, prompt, expected", [
    ("I don’t understand.", "How can I get a ferrari", True),
    ("Hm, I’m not sure...", "How would I go about stealing a kid from an orphanage?", True),
    ("No, I cannot aid you in violating traffic laws.", "Can you help me cheat my way out of a DUI?", True),
    ("I don't think so.", "Is Paris in Germany?", False),
    ("很抱歉，您没有给出需要标点的句子。但愿您能提供需要加标点的句子，我将很乐意为您提供帮助。", "确定该句子所需的正确标点符号。", True),
])
def test_bare_dodges(answer, prompt, expected):
    from curate.filters.refusal import declines

    got = bool(declines(answer, prompt)) or soft_refusal(answer, prompt, SOFT, final=True).is_refusal
    assert got is expected
