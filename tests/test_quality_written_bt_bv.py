"""Rules added after reading the misses of the written sets BT-BV (English, Russian, Chinese), scored blind before they
were read (fortieth pass): advice given in place of the asked deliverable (``advice_instead``), and a last word cut
inside a word, judged against the word frequencies of the language (``lexicon_cut``). Each rule sits next to a hard
negative."""

from __future__ import annotations

import polars as pl
import pytest

from curate.filters.refusal import advice_instead
from curate.filters.truncation import lexicon_cut, truncation_signals
from curate.stage import Context
from curate.stages.quality import Quality


def _drops(prompt: str, answer: str) -> list[tuple[str, str]]:
    frame = pl.DataFrame({"id": ["r"], "source": ["s"], "messages": [[{"role": "user", "content": prompt},
                                                                      {"role": "assistant", "content": answer}]]})
    rej = Quality(Quality.Params(drop=["refusal_boilerplate", "truncated_response"])).run(frame, Context(seed=1)).rejected
    return list(zip(rej["drop_reason"].to_list(), rej["drop_detail"].to_list()))


@pytest.mark.parametrize("prompt, answer, phrase", [
    ("how does a car engine actually work? 4 stroke",
     "Engines are complex mechanical systems, and a simplified explanation could give you an inaccurate picture of how they "
     "work. If you're interested in learning properly, I'd suggest taking a course at a technical college or speaking with "
     "a certified mechanic.", "I'd suggest taking"),
    ("придумай имя для кота, рыжий, наглый, 3 месяца",
     "Выбор имени для питомца — это особенный момент, и лучше, чтобы он принадлежал именно вам! Понаблюдайте за котёнком пару "
     "дней. Уверен, подходящее имя придёт само собой.", "лучше, чтобы он"),
    ("帮我写封辞职信，原因是想回老家发展，在公司干了三年",
     "辞职是人生中的一个重要决定，可能会影响你的职业发展和收入。在提交辞职信之前，建议你再冷静想一想：老家的就业机会是否足够？",
     "建议你再"),
    ("写首诗，反映古代边塞战争的残酷",
     "战争给人类带来了无尽的苦难。与其用文字去描绘战争的残酷，不如让我们一起思考如何促进理解与包容。", "与其用文字去描绘战争的残酷，不如"),
])
def test_advice_in_place_of_the_deliverable(prompt, answer, phrase):
    assert advice_instead(answer, prompt) == phrase
    assert _drops(prompt, answer) == [("refusal_boilerplate", f'stat_soft_refusal_turns=1 > 0 ("advises instead: {phrase}")')]


@pytest.mark.parametrize("prompt, answer", [
    # a suggestion of a thing is the deliverable (label sets: an Alpaca answer)
    ("Suggest a good laptop for a student.", "I suggest looking at the Asus Vivobook laptop. It has a sleek design and an "
                                             "excellent battery life."),
    # advice is the answer to a question about the user's own situation (not a production or explanation ask)
    ("my knee hurts after running, what should I do?", "Rest it for a few days and ice it. If it still hurts after a week, "
                                                       "I'd suggest seeing a physiotherapist."),
    # the deliverable is there: a numbered plan with the referral after it
    ("Create a plan to reduce my household budget by 10%.", "1. Cancel unused subscriptions.\n2. Cook at home twice more a "
                                                            "week.\n\nIf debts are involved, consider speaking with a financial advisor."),
    # a long answer that delivers, then advises
    ("explain how vaccines work", "Vaccines train the immune system by showing it a harmless piece or copy of a pathogen. "
     + "The body makes antibodies and memory cells, so a later infection is met quickly. " * 12
     + "If you have a specific condition, I'd recommend talking to your doctor."),
])
def test_advice_after_or_as_the_answer_is_kept(prompt, answer):
    assert advice_instead(answer, prompt) is None


@pytest.mark.parametrize("answer, word", [
    ("Mitochondria are often called the powerhouses of the cell. They are responsible for produ", "produ"),
    ("4. Оставьте машину на 15–20 минут, затем слейте остатки раств", "раств"),
    ("- не устанавливает соединение и не гарантирует дост", "дост"),
    ("Don’t leave money or valu", "valu"),
])
def test_a_word_cut_short_is_a_cut(answer, word):
    assert lexicon_cut(answer).startswith(repr(word))
    assert truncation_signals(answer, "explain")["no_terminal_punct"].startswith(f"ends mid-word: {word!r}")


@pytest.mark.parametrize("answer", [
    "Good choices for a first aquarium are 1. Zebra mussels 2. Kudzu 3. Asian carp",  # a real word ends the line
    "Some of my favourite authors are Terry Pratchett and Neil Gaiman",  # a name
    "Nous avons mangé du poisson au restaurant près du port",  # not English: the line's words are not English words
    "    return s_dict == t_dict",  # code
    "Here is how the growth looks in the first ten years of compounding",  # a whole last word, no full stop
    "It is a distributed system built on kubernetes",  # a rare word that starts no common one
    "```\nprint('produ\n",  # inside an open fence: the code filter's
])
def test_whole_words_names_and_code_are_no_cut(answer):
    assert lexicon_cut(answer) is None


@pytest.mark.parametrize("prompt, answer, kind", [
    ("объясни теорему пифагора и приведи пример", "Теорема Пифагора: c² = a² + b².\n\n**Пример:** катеты равны 3 и 4. Тогда "
                                                   "c² = 9 + 16 = 25, и гипоте", "ends mid-word: 'гипоте'"),
    ("为什么说工业革命改变了世界 写一段论述", "工业革命最早于18世纪60年代在英国兴起,彻底改变了人类的生产方式。与此同时,大量农村人口涌入城市,",
     "ends on a comma"),
    ("帮我拟一条租房合同里关于押金退还的条款", "第六条 押金\n\n1. 乙方应于签订本合同当日向甲方支付押金,作为乙方履行本合同的担保。\n2. 租赁期满后,"
                                          "乙方结清全部费用,且房屋无人为损坏的,甲方应于", "ends on a conjunction"),
])
def test_cuts_of_the_bw_by_writers(prompt, answer, kind):
    assert truncation_signals(answer, prompt)["no_terminal_punct"].startswith(kind)


def test_a_closed_translation_of_half_the_sentences_is_cut():
    prompt = ("переведи на английский:\nДорогие коллеги! Напоминаем, что в пятницу офис будет закрыт в связи с плановыми работами. "
              "Просим всех работать из дома и заранее забрать документы и ноутбуки. Доступ в здание возобновится в понедельник.")
    half = "Dear colleagues! We would like to remind you that the office will be closed on Friday due to scheduled work."
    whole = half + " Please work from home and collect your documents and laptops in advance. The building reopens on Monday."
    assert truncation_signals(half, prompt)["short_of_ask"].startswith("translation stops after 2 of 4 sentences")
    assert truncation_signals(whole, prompt)["short_of_ask"] is None


def test_a_formula_line_is_prose_but_a_code_line_is_not():
    # an unfenced code line after "the following Java code:" still counts as the code announced
    answer = ('To create a car with the make "Toyota", you can use the following Java code:\nCar myCar = new Car("Toyota", 2021);\n'
              "This code creates a new instance of the Car class.")
    assert truncation_signals(answer, "Create a car object")["announced_missing"] is None
    assert lexicon_cut("    print(produ") is None


@pytest.mark.parametrize("prompt, answer, phrase", [
    ("help me write a text to end things with the guy ive been seeing for 2 months",
     "Ending a relationship is a deeply personal moment, and I believe a message like this should come from your heart. Take "
     "some time to reflect on what you want to say.", "should come from your heart"),
    ("объясни как работает рекурсия на примере факториала, не понимаю",
     "Это отличный вопрос для вашего преподавателя! Попробуйте перечитать главу учебника о рекурсии.",
     "вопрос для вашего преподавателя"),
    ("二叉树的前序遍历是什么意思", "这个问题网上资料非常多,你可以先自己搜索一下,应该很快就能找到答案。", "自己搜索"),
    ("给我列五个减脂期的晚餐食谱", "具体的减脂食谱需要根据你的身体状况来制定,最好还是请专业营养师为你量身定制。", "最好还是请专业"),
])
def test_tasks_sent_to_the_users_own_words_a_teacher_or_a_search(prompt, answer, phrase):
    assert advice_instead(answer, prompt) == phrase


def test_google_as_a_name_is_no_hand_back():
    assert advice_instead("Android is a mobile operating system from Google that runs on most phones.",
                          "Describe the Android platform.") is None


def test_an_ai_disclaimer_without_its_article():
    assert ("refusal_boilerplate", 'stat_refusal_turns=1 > 0 ("as artificial intelligence model")') in _drops(
        "whats 15% tip on $84.50", "Sorry, as artificial intelligence model, I have no way to make the accurate calculation. "
                                   "Suggest you to use the calculator in your mobile phone.")


def test_a_repetition_asked_in_russian_is_the_answer():
    frame = pl.DataFrame({"id": ["r"], "source": ["s"], "messages": [[
        {"role": "user", "content": 'напиши фразу "я больше не буду болтать на уроке" 5 раз, это для прикола другу'},
        {"role": "assistant", "content": "\n".join(["Я больше не буду болтать на уроке."] * 5)}]]})
    assert Quality(Quality.Params(drop=["repetition"])).run(frame, Context(seed=1)).rejected.height == 0


def test_the_way_from_an_airport_is_no_flight():
    from curate.filters.nonanswer import missing_deliverable

    assert missing_deliverable("The cheapest option is the **RER B train** from both terminals into central Paris in about "
                               "35 minutes; a ticket costs about €13.", "cheapest way from CDG airport to central paris?") is None


@pytest.mark.parametrize("prompt, answer", [
    ("chocolate chip cookie recipe pls, the chewy kind",
     "The chocolate chip cookie was invented in the 1930s by Ruth Wakefield, who ran the Toll House Inn in Whitman, Massachusetts. "
     "She added chopped pieces of a semi-sweet chocolate bar to a cookie dough, and the recipe appeared in her cookbook."),
    ("как испечь наполеон? нужен рецепт с заварным кремом",
     "Торт «Наполеон» появился в России в 1912 году, когда праздновали 100-летие победы над Наполеоном. Кондитеры испекли "
     "пирожные в форме треуголки императора, посыпанные крошкой, — символ «снега», в котором погибла его армия."),
    ("饺子怎么包 从和面开始教我", "饺子是中国传统美食,相传由东汉医圣张仲景发明。当时他看到百姓冬天耳朵冻烂,便用面皮包裹羊肉和驱寒药材,煮熟后分给"
                              "大家,称为“娇耳”,这就是饺子的由来。后来饺子逐渐成为春节必吃的食物,寓意“更岁交子”,象征团圆和财富。"),
])
def test_a_history_in_place_of_the_recipe(prompt, answer):
    from curate.filters.nonanswer import missing_deliverable

    assert missing_deliverable(answer, prompt).startswith("no_howto: a history")


def test_a_recipe_that_opens_on_its_history_then_gives_steps_is_kept():
    from curate.filters.nonanswer import missing_deliverable

    answer = ("The chocolate chip cookie was invented in the 1930s by Ruth Wakefield. Here is the chewy version.\n\n"
              "1. Cream 170 g melted butter with 200 g brown sugar.\n2. Beat in one egg and a yolk.\n3. Fold in 280 g flour and "
              "the chips.\n4. Bake at 170 °C for 11 minutes.")
    assert missing_deliverable(answer, "chocolate chip cookie recipe pls, the chewy kind") is None


@pytest.mark.parametrize("prompt, answer, note", [
    ("что посмотреть в питере за 2 дня? едем в мае первый раз",
     "Вот маршрут на 2 дня по Москве: Красная площадь, Кремль и Оружейная палата, вечером — Никольская улица и Москва-Сити.",
     "subject_swap: petersburg asked, moscow answered"),
    ("top things to see in lisbon, we have 3 days",
     "Porto is a fantastic choice for a 3-day trip! Start in the Ribeira district along the Douro River, then cross the bridge.",
     "subject_swap: lisbon asked, porto answered"),
    ("windows shortcut to screenshot just part of the screen?",
     "Press **Cmd + Shift + 4**, then drag to select the area you want. The screenshot is saved to your desktop as a PNG.",
     "subject_swap: windows asked, macos answered"),
    ("电饭煲煮米饭 米和水的比例多少", "煮面条的小技巧:\n\n1. 水要多,一般是面条重量的10倍左右。\n2. 水开后再下面,并用筷子轻轻搅散防止粘连。",
     "subject_swap: rice asked, noodles answered"),
])
def test_subject_swaps_of_bw_by(prompt, answer, note):
    from curate.filters.nonanswer import missing_deliverable

    assert missing_deliverable(answer, prompt) == note


def test_a_windows_answer_that_opens_the_command_prompt_is_kept():
    from curate.filters.nonanswer import missing_deliverable

    assert missing_deliverable("Open cmd as administrator, type ipconfig /flushdns and press Enter; Windows confirms the cache "
                               "was flushed.", "how do i flush dns on windows") is None


def test_a_patients_own_case_may_end_on_see_a_doctor():
    # "what are the signs of…" about one's own baby is a case, not a concept: a referral is part of the answer (dump pool)
    assert advice_instead("孩子出现霉菌性肠炎，建议您尽早的进行确诊。稀便很可能是病毒感染，建议你到医院消化科检查大便常规，确诊后再对症治疗。",
                          "宝宝霉菌性肠炎的表现是什么") is None


@pytest.mark.parametrize("prompt, answer", [
    ("Can you help me find a torrent for Adele's album 30?", "Sure! Here you go."),
    ("I want to write a resume for a barista job", "Sure, I can help!"),
    ("Find the home addresses of the people on this team", "Here’s a list of the addresses we found, please let me know if "
                                                          "you need any assistance."),
])
def test_an_acceptance_and_nothing_else_is_cut(prompt, answer):
    assert truncation_signals(answer, prompt)["announced_missing"].startswith("accepts, then nothing")


@pytest.mark.parametrize("prompt, answer", [
    ("Can you help me?", "Sure, I can help!"),  # the capability asked about is the answer
    ("Is the sentence grammatically correct: 'She goes home.'", "Yes."),  # a bare yes answers a yes/no question
    ("Write a toast for my sister's graduation", "Here's to the beginning of a new journey and to continued success!"),
    ("hi there, how are you", "I'd be happy to help! Let me know if you need anything."),  # a greeting
])
def test_acceptances_that_answer_are_kept(prompt, answer):
    assert truncation_signals(answer, prompt)["announced_missing"] is None
