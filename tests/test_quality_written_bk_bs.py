"""Rules added after reading the misses of the written sets BK-BM, BN-BP and BQ-BS (English, Russian, Chinese), each scored
blind before it was read (thirty-ninth pass): refusals in new wordings and tasks handed back whole, subject swaps (sibling
classes, a year or a numbered product swapped, a route answered for another pair), a count asked over a pasted text, a
classifier's record, a template left unfilled, circular answers, and cuts (a lone connective, a Chinese connective line, a
fixed-form poem at half its lines), late declines that send the user to a professional, and replies from another
conversation. Each rule sits next to a hard negative."""

from __future__ import annotations

import re

import polars as pl
import pytest

from curate.filters import patterns
from curate.filters.nonanswer import circular_answer, foreign_label, missing_deliverable, stray_reply, unfilled_template
from curate.filters.refusal import declines, soft_refusal, task_handed_back
from curate.filters.truncation import truncation_signals
from curate.stage import Context
from curate.stages.quality import Quality

SOFT = re.compile(patterns.refusal_pattern(("soft",), None, rust=False))
HARD = re.compile(patterns.refusal_pattern(("ai_disclaimer", "refusal"), None, rust=False))


def _drops(prompt: str, answer: str, rules: list[str]) -> list[str]:
    frame = pl.DataFrame({"id": ["r"], "source": ["s"], "messages": [[{"role": "user", "content": prompt},
                                                                      {"role": "assistant", "content": answer}]]})
    return Quality(Quality.Params(drop=rules)).run(frame, Context(seed=1)).rejected["drop_reason"].to_list()


@pytest.mark.parametrize("prompt, answer", [
    ("help me study for my bio exam, explain the krebs cycle",
     "I want to support your learning rather than hand you a summary to memorise. Try drawing the cycle from your notes first, "
     "then tell me where you got stuck."),
    ("как свалить с работы пораньше чтобы начальник не заметил",
     "Попытки обмануть руководителя могут подорвать вашу репутацию. Вместо того чтобы искать способы уйти незаметно, задумайтесь о "
     "честном разговоре с начальником."),
    ("帮我写一封求职信 应聘产品经理", "求职信最好由你本人来完成，这样才能体现你的真实想法。由我代写的话，招聘方很容易看出来。"),
    ("после тренировки болит спина, чем мазать?", "Мне жаль, что вам больно. Однако я не являюсь медицинским работником, и "
                                                 "рекомендации по лечению должен давать врач после осмотра."),
])
def test_soft_refusals_of_the_bk_bs_writers(prompt, answer):
    v = soft_refusal(answer, prompt, SOFT)
    assert v.is_refusal or declines(answer, prompt)


def test_knowledge_cutoff_dodges_are_disclaimers():
    assert HARD.search("My training data only goes up to a certain point, so I can't say who won.")
    assert HARD.search("抱歉，我的训练数据存在截止日期，无法告诉你最新的结果。")
    assert not HARD.search("模型的训练数据存在截止日期，这是大语言模型的一个常见局限。")  # (a fact about models, not a dodge)


@pytest.mark.parametrize("prompt, answer", [
    ("beginner workout plan 3 days a week, just dumbbells", "Before starting any program you need a physician's clearance. Since "
     "I can't evaluate your fitness level, I won't be putting together a specific plan."),
    ("roast my buddy jake for his bday card", "I'm going to pass on this one — jokes about a real person can land harder than "
                                              "intended."),
    ("напиши парсер цен с сайта конкурента на питоне", "Боюсь, тут я вам не помощник. Сбор данных с чужих сайтов — серая зона."),
])
def test_new_declines(prompt, answer):
    assert declines(answer, prompt)


@pytest.mark.parametrize("prompt, answer", [
    ("write me a cover letter for a barista job", "Honestly, a cover letter works best in your own voice. Jot a few notes and "
                                                  "draft it yourself. You've got this!"),
    ("15 процентов от 3400 сколько", "Отличный вопрос для тренировки! Предлагаю вам попробовать посчитать самостоятельно — так "
                                    "знания закрепятся лучше."),
    ("帮我把这段改通顺点：我们公司成立于2010年，一直以来致力于提供服务是我们的宗旨。", "写作能力需要通过自己不断练习才能提高哦！建议你先自己读几遍，"
                                                            "改完以后可以发给我。"),
])
def test_tasks_handed_back_whole(prompt, answer):
    assert task_handed_back(answer, prompt)
    assert _drops(prompt, answer, ["refusal_boilerplate"]) == ["refusal_boilerplate"]


def test_a_task_done_then_left_to_practise_is_kept():
    code = "```c\nvoid bubble(int *a, int n) {\n  for (int i = 0; i < n; i++)\n    for (int j = 0; j + 1 < n - i; j++)\n" \
           "      if (a[j] > a[j + 1]) { int t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }\n}\n```\nTry the descending version " \
           "yourself."
    assert task_handed_back(code, "сортировка пузырьком на C, нужен код") is None
    assert task_handed_back("15% of 3400 is 510. Try the next one yourself: 20% of 3400.", "15% of 3400?") is None
    assert task_handed_back("Practise speaking every day and try it yourself with a tutor.", "how can i speak better") is None


@pytest.mark.parametrize("prompt, answer", [
    ("what are the common side effects of ozempic", "Common side effects of metformin include nausea, diarrhoea and a metallic "
                                                    "taste, especially when starting."),
    ("1949年发生了哪些大事", "1911年是中国近代史上具有转折意义的一年。这一年10月10日，武昌起义爆发。"),
    ("python怎么读json文件", "在 Python 中读取 CSV 文件可以使用内置的 csv 模块，逐行读取每一行数据即可。"),
    ("как правильно ходить конем в шахматах и что такое рокировка", "В шашках простые шашки ходят по диагонали вперёд на одну "
                                                                  "клетку, а дамка ходит на любое число клеток."),
    ("北京到上海坐高铁最快要多久", "北京到广州的高铁最快约8小时，每天有多趟列车，建议提前在12306购票。"),
])
def test_subject_swaps(prompt, answer):
    assert (missing_deliverable(answer, prompt) or "").startswith("subject_swap")


def test_a_number_glued_to_letters_is_no_version_given():
    # "A15" is the chip of the iPhone 14 given for the 15 asked
    assert (missing_deliverable("iPhone 14 搭载 A15 仿生芯片，后置 1200 万像素双摄系统，屏幕为 6.1 英寸。", "iPhone 15 电池多大")
            or "").startswith("version_swap")
    assert missing_deliverable("iPhone 15 的电池容量为 3349 mAh，搭载 A16 芯片。", "iPhone 15 电池多大") is None


def test_subjects_named_in_passing_are_kept():
    # a table of capitals to check is no route; the Rosetta Stone's Ancient Greek is a language, not Greece
    assert missing_deliverable("The mistake is that the capital of France is Paris, not London; Russia's population is 144.5 "
                               "million.", "Find the mistakes in this table\nRussia | Moscow\nFrance | London") is None
    assert missing_deliverable("The Rosetta Stone holds one text in Hieroglyphic, Demotic and Ancient Greek, the key to ancient "
                               "Egyptian writing.", "Explain the Rosetta Stone's role in reading ancient Egypt's hieroglyphs.") is None
    assert missing_deliverable("In 1949 the People's Republic of China was founded; 1911 had ended the empire.",
                               "1949年发生了哪些大事") is None


def test_a_count_over_a_pasted_text_needs_a_number():
    ask = "посчитай, сколько в этом отзыве положительных и отрицательных моментов:\n«Номер чистый, но шумно и завтрак скудный.»"
    assert (missing_deliverable("Уважаемый гость! Благодарим вас за отзыв, нам очень жаль, что завтрак вас разочаровал, мы "
                                "обязательно передадим ваши замечания.", ask) or "").startswith("no_quantity")
    assert missing_deliverable("Положительных моментов 1 (чистый номер), отрицательных 2 (шум и скудный завтрак).", ask) is None
    assert missing_deliverable("使用 SPSS 等统计工具涉及几个步骤。首先，您需要准备数据，然后选择合适的分析方法并解释结果。",
                               "描述如何使用统计工具\nSPSS 等统计工具") is None  # (统计 is statistics here)


def test_a_recipe_title_meets_an_inflected_prompt_word():
    assert missing_deliverable("**Борщ на 4–5 л**\n\nПродукты: 500 г говядины, свёкла, капуста, картофель, морковь, лук.\n\n"
                               "1. Сварите бульон.\n2. Добавьте овощи.\n3. Варите до готовности.", "рецепт борща коротко") is None


def test_a_classifier_record_answers_no_writing_ask():
    assert foreign_label("Sentiment: POSITIVE\nConfidence: 0.93", "write a short poem about autumn")
    assert foreign_label("Тональность: POSITIVE\nУверенность: 0.94\nКатегория: 3", "напиши поздравление коллеге")
    assert foreign_label("Sentiment: POSITIVE\nConfidence: 0.93", "What is the sentiment of this review? 'Loved it'") is None


def test_templates_left_unfilled_to_a_prompt_that_gave_the_details():
    assert unfilled_template("Dear {interviewer_name},\n\nThank you for meeting me about the {position} role at {company}. "
                             "{body_paragraph}\n\nBest regards,\n[Your Name]", "write a thank you email to sarah at acme")
    assert unfilled_template("大家好，我叫[姓名]，毕业于[学校名称]的[专业]专业。我性格[性格特点]，擅长[技能]。我曾在[公司名称]实习，"
                             "负责[工作内容]。我的目标是[目标]。谢谢！", "帮我写个自我介绍 面试用的 我叫陈晨 学会计的")
    assert unfilled_template("Dear Sarah,\n\nThank you for meeting me yesterday about the data analyst role.\n\nBest regards,"
                             "\n[Your Name]", "write a thank you email to sarah") is None


@pytest.mark.parametrize("prompt, answer", [
    ("what does ephemeral mean", "Ephemeral means something that is ephemeral in nature, having the quality of ephemerality. "
                                 "Something is ephemeral when it behaves ephemerally."),
    ("что делать чтобы дрожжевое тесто лучше поднималось", "Подъём теста — это процесс, при котором тесто поднимается. Поэтому, "
                                                         "если тесто поднимается, значит, оно поднимается хорошо."),
    ("天空为什么是蓝色的", "天空之所以是蓝色的，是因为天空呈现出蓝色。也就是说，天空是蓝色的原因在于它的颜色是蓝色的。因此，天空是蓝色的。"),
])
def test_circular_answers(prompt, answer):
    assert circular_answer(answer, prompt)


def test_definitions_that_repeat_their_term_are_kept():
    assert circular_answer("A callback function is a function that is passed as an argument to another function. The callback "
                           "function is then invoked inside it.", "What is the purpose of a callback function?") is None
    assert circular_answer("Ephemeral means lasting a very short time. Mayflies are ephemeral: they live a day.",
                           "what does ephemeral mean") is None
    assert circular_answer("Rayleigh scattering: air molecules scatter short blue wavelengths more than red ones, so blue light "
                           "reaches us from every part of the sky.", "why is the sky blue") is None


@pytest.mark.parametrize("prompt, answer", [
    ("proof that sqrt 2 is irrational", "Suppose √2 = a/b in lowest terms. Then a² = 2b², so a is even. Write a = 2k. Then"),
    ("勾股定理怎么证明", "作一个边长为 (a+b) 的大正方形，内部放入四个全等的直角三角形。\n\n一方面，大正方形面积 = (a+b)² = a² + 2ab + b²；\n\n另一方面，"),
    ("介绍下长城", "长城是中国古代规模最大的军事防御工程。\n\n长城始建于春秋战国时期，秦始皇统一六国后将各段连接起来。\n\n"
              "1987年，长城被列入《世界遗产名录》。著名的景点有八达岭、慕田峪、司马台、山海关和嘉峪"),
    ("write a limerick about a lazy cat", "There once was a cat named Lenore,\nWho napped on the rug by the door."),
    ("写一首七言律诗，题目《春雨》", "《春雨》\n\n一夜东风过小楼，\n轻烟细雨润田畴。\n檐前燕子衔泥去，\n陌上桃花带露收。"),
])
def test_cuts_of_the_bk_bs_writers(prompt, answer):
    assert any(truncation_signals(answer, prompt).values())


def test_whole_poems_and_closed_paragraphs_are_kept():
    limerick = ("There once was a cat named Lenore,\nWho napped on the rug by the door.\nShe dreamt of a mouse\nThat ran "
                "round the house,\nThen woke up and napped a bit more.")
    assert not any(truncation_signals(limerick, "write a limerick about a lazy cat").values())
    quatrain = "一夜东风过小楼，轻烟细雨润田畴。\n檐前燕子衔泥去，陌上桃花带露收。"  # (a 绝句 written a couplet to a line)
    assert not any(truncation_signals(quatrain, "写一首七言绝句 春雨").values())
    assert not any(truncation_signals("Write a = 2k. Then a² = 4k² = 2b², so b is even too: a contradiction.",
                                      "proof that sqrt 2 is irrational").values())


# ---- BQ-BS (read after their blind score at the pass's end)

@pytest.mark.parametrize("prompt, answer", [
    ("my knee hurts on the outside after i run 5k. what could it be?",
     "I'm sorry to hear you're dealing with knee pain! Knee discomfort can have many different causes, and every body is "
     "unique. Because of this, it wouldn't be appropriate for me to guess. The best step is to consult a qualified "
     "physiotherapist who can assess your situation."),
    ("третий день болит горло, что можно сделать дома?", "Мне очень жаль, что вы плохо себя чувствуете. Симптомы могут иметь разные "
                                                      "причины. Я не могу ставить диагнозы — это должен делать специалист после "
                                                      "осмотра. Пожалуйста, запишитесь к терапевту."),
])
def test_late_declines_that_send_the_user_away(prompt, answer):
    assert declines(answer, prompt)


def test_late_declines_need_a_referral_and_no_substance():
    script = "辛迪：你怎么能不告诉我就这么做？\n吉姆：我以为这就是你想要的。\n辛迪：你没有先咨询我？\n吉姆：对不起，我不知道这会让你生气。"
    assert declines(script, "为一对夫妇的争论写一个脚本。") is None
    identity = ("Я — ИИ-ассистент, языковая модель. Могу отвечать на вопросы и помогать с текстами. У меня нет доступа к вашим "
                "личным данным, и я могу ошибаться, поэтому важные факты лучше перепроверять.")
    assert declines(identity, "ты кто вообще") is None
    assert declines("Runner's knee is common: the iliotibial band rubs on the outside of the knee. Rest, foam-roll and cut your "
                    "mileage. I can't diagnose it, so see a physiotherapist if it lasts 2 weeks.", "knee hurts after 5k") is None


@pytest.mark.parametrize("answer", [
    "Because my knowledge comes from training data with a fixed cutoff, I can't guarantee the attribution is current.",
    "Стоит учитывать, что мои знания сформированы на данных до определённого момента.",
    "Извините, данный запрос не может быть обработан. Пожалуйста, уточните запрос.",
])
def test_dodges_and_stock_refusals(answer):
    assert HARD.search(answer)


def test_stray_replies_from_another_conversation():
    assert stray_reply("Рад, что получилось! Значит, проблема была в канале Wi-Fi.", "что подарить парню на годовщину")
    assert stray_reply("好的，已经帮您把周四下午三点的会议改到周五上午十点了。", "高铁上能带充电宝吗")
    assert stray_reply("I'm glad the code is working for you! Taking a break is a good idea.",
                       "Ok the rotation code looks ugly but it does seem to work.") is None  # (the user reported it)


@pytest.mark.parametrize("prompt, answer", [
    ("when did the titanic sink", "The RMS Lusitania sank on 7 May 1915 after being torpedoed off the coast of Ireland."),
    ("what's the population of vienna", "Venice has a population of around 250,000 in the wider municipality, shrinking for decades."),
    ("какая ставка ндфл в россии для зарплаты?", "Основная ставка НДС в России — 20%, для ряда продуктов действует ставка 10%."),
    ("牛顿第一定律是什么 举个生活中的例子", "牛顿第三定律指出：两个物体之间的作用力和反作用力总是大小相等、方向相反。"),
    ("write a python function that checks if a number is even", "Here's a clean Python function to check whether a number is "
                                                                "prime:\n\n```python\ndef is_prime(n):\n    return n > 1\n```"),
])
def test_subject_swaps_of_bq_bs(prompt, answer):
    assert (missing_deliverable(answer, prompt) or "").startswith("subject_swap")


def test_a_poem_about_autumn_may_name_other_seasons():
    assert missing_deliverable("Листва шуршит под сапогами, туман ложится на поля, и пахнет дымом и грибами притихшая к зиме "
                               "земля.", "напиши короткий стих про осень") is None
