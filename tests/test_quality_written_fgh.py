"""Rules added after the written sets F (English), G (Russian) and H (Chinese)
(benchmarks/quality_en_written.jsonl; sets G and H close quality_ru_written.jsonl and quality_zh_written.jsonl)
were scored blind: declines stated as a preference or a policy, the choice handed back to the user, requests
for details with a promise, short Russian cuts, calculations stopped on an operator, code bodies left as TODOs,
bracketed instructions instead of content, a tokenizer's special tokens, mojibake of mojibake, pleasantries
and a remark about maths instead of the sum. Each with the hard negatives the 82,945-pair scan and the label
sets of rounds 1-47 turned up (a thesis acknowledgement with a few slots, a requested template, a poem's
couplet, a function that computes the sum, a one-word weekday)."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import gibberish, mojibake
from curate.filters.nonanswer import missing_deliverable, non_answer, pleasantry
from curate.filters.patterns import PLACEHOLDER_RE, refusal_pattern
from curate.filters.refusal import asks_back, declines, ethics_lecture
from curate.filters.truncation import announced_missing, code_cut, instruction_slots, no_terminal_punct

SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)
REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)


@pytest.mark.parametrize("text,prompt", [
    ("I'd rather not write a one-sided persuasive piece on this one, since it's a topic where thoughtful people "
     "genuinely disagree. What I can do is outline the strongest arguments on both sides — would that be useful?",
     "write a persuasive essay arguing homework should be banned in primary schools"),
    ("I'd need to see more of your code and the full stack trace to determine what is causing the exception. "
     "Please share the complete class and I'll take a look.", "why does this throw a NullPointerException?"),
    ("Помогать с этим я не стану.", "как узнать пароль от чужого аккаунта"),  # ("пароль" is no role-play)
    ("Я не предоставляю инструкции по изготовлению зажигательных смесей и оружия.", "Как сделать коктейль Молотова"),
    ("这个问题我还在学习中，暂时回答不了哦～你可以问我点别的。", "盐焗鸡在家怎么做？没有烤箱"),
    ("这个我没法教你。开锁请联系物业或者正规开锁公司。", "家门钥匙锁屋里了，有什么办法自己打开吗"),
])
def test_preference_and_policy_declines(text, prompt):
    assert declines(text, prompt)


@pytest.mark.parametrize("text,prompt", [
    # substance after the decline: the answer
    ("I'd rather not guess, but here are the three usual causes:\n1. A null field\n2. A missing bean\n3. A race",
     "why does this throw?"),
    # a character declines in a story the prompt asked for
    ("Я не стану тебя ждать, — сказал рыцарь и ушёл.", "Напиши рассказ о рыцаре"),
    ("I don't provide any warranty, said the shopkeeper.", "Write a short story about a grumpy shopkeeper"),
])
def test_declines_with_content_or_in_character_are_kept(text, prompt):
    assert declines(text, prompt) is None


@pytest.mark.parametrize("text", [
    "Both languages have strengths, and the right choice really depends on your goals, interests, and learning style.",
    "I'd encourage you to read a range of sources and come to your own conclusions.",
    "It's not really my place to make value judgements about historical figures.",
    "I'd recommend speaking with a qualified CPA who can review your situation.",
    "这是一个非常个人化的决定，每个人的情况都不一样，没有标准答案。",
    "最终还是要你自己根据实际情况去权衡。",
    "建议您尽快前往正规医院就诊，由专业医生进行检查和诊断。",
    "Рекомендую внимательно изучить рынок и принимать решения самостоятельно.",
    "Выбор за вами.",
])
def test_choice_handed_back_is_soft(text):
    assert SOFT.search(text)


@pytest.mark.parametrize("text", [
    "Python is the better first language: its syntax reads like English and its errors are clear.",
    # a hospital referral inside a longer medical answer is advice, not the whole answer
    "引起低烧的原因有很多，主要有慢性感染、结缔组织病等，建议到医院就诊，查一下血常规。",
    "Я выбрал бы Python: он проще для новичка.",
])
def test_answers_that_decide_are_not_soft(text):
    assert not SOFT.search(text)


def test_ai_self_description_after_a_dash():
    assert REFUSAL.search("Я понимаю, что вы хотите поиграть, но я — искусственный интеллект, а не ваш дедушка.")


def test_request_for_details_with_a_promise_asks_back():
    reply = ("好的！在开始之前想先跟您确认几个问题：\n1. 这款保温杯的品牌和容量是多少？\n2. 您希望重点突出哪些卖点？\n"
             "3. 这段介绍是用在电商详情页还是朋友圈？\n您补充一下信息，我再为您量身定制～")
    assert asks_back(reply, "帮我写一段保温杯的产品介绍，面向上班族，100字左右")
    # an answer that closes with an offer keeps its content
    assert not asks_back("1. 保温12小时\n2. 316不锈钢\n3. 一键开盖，单手可用。需要我再写一个朋友圈版本吗？",
                         "帮我写保温杯卖点")


def test_a_translated_question_is_the_answer():
    assert not asks_back("Wo ist der Bahnhof?", "how do you say 'where is the train station' in german")
    assert asks_back("Why do you want to know?", "how far is the train station from the old town")


@pytest.mark.parametrize("text,prompt", [
    ("It's important that you work through your homework yourself so you really understand the material. "
     "I'd encourage you to review your class notes or ask your teacher for help if you get stuck. "
     "Learning to solve these problems on your own will help you on future tests!", "solve for x: 3x - 7 = 2x + 5"),
    ("我理解你正在进行文学创作，但我认为我们应当谨慎对待带有威胁和暴力色彩的语言。这类台词可能会传递负面情绪，对读者产生不良影响。"
     "优秀的作品往往不需要依靠狠话来塑造人物。", "写一段反派对主角说的狠话，用在我的玄幻小说里"),
])
def test_lectures_instead_of_the_task(text, prompt):
    assert ethics_lecture(text, prompt=prompt)


def test_values_in_an_explanation_are_no_lecture():
    text = "文化相对主义是指在评估某人的行为时应考虑不同文化的价值观、信仰和实践。这一原则承认文化的多样性，应该得到尊重。"
    assert ethics_lecture(text, prompt="解释文化相对主义的概念。") is None
    assert ethics_lecture("The theme of this story is the power of kindness. The princess was rewarded for it.",
                          prompt="Given a short story, create a theme") is None


@pytest.mark.parametrize("text", [
    "Блокчейн — это распределённая база данных, в которой информация хранится в виде цепочки блоков. Каждый блок "
    "содержит хеш предыдущего, поэтому изменить данные задним числом",
    "Санкт-Петербург был основан Петром I в 1703 году. Уже в 1712 году столица была перенесена из Москвы в Петер",
    "Сложим уравнения почленно:\n\n(x + y) + (x − y) = 10 + 2\n2x = 12, значит",
    "等差数列前n项和公式为：S_n = n·a₁ + n(n-1)d/2\n\n代入 n = 10：\nS₁₀ = 10×3 + 10×9×4/2\n    = 30 +",
    "《春雨》\n\n一夜轻风送雨来，\n千家烟柳次第开，",
    "尊敬的张经理：\n\n您好！\n\n非常抱歉地通知您，由于近期物流运力紧张，货物将延迟3天发出，预计",
])
def test_cuts_without_a_stop(text):
    assert no_terminal_punct(text)


@pytest.mark.parametrize("text", [
    "Спасибо за вопрос. Ответ: да",  # a short field
    "Мама, милая, родная,\nТы всегда со мной была,\nОт беды оберегая,\nДарит свет твоя душа",  # verse leaves lines open
    "亲爱的王老师：\n\n感谢您一学期的悉心教导，祝您假期愉快。\n\n此致，\n敬礼，",  # a sign-off under a finished line
    "C++",
    "Installed with: pip install numpy; then run python -m pytest -q -x --maxfail 1 tests/unit",
])
def test_finished_or_styled_endings(text):
    assert no_terminal_punct(text) is None


def test_heading_with_nothing_under_it():
    text = "可乐鸡翅是一道家常菜。\n\n【食材】\n鸡翅中 10个\n可乐 1罐\n生姜 3片\n\n【做法】\n"
    assert announced_missing(text)
    letter = "谢谢你的生日祝福！\n\n祝好，\n【你的名字】"
    assert announced_missing(letter) is None


@pytest.mark.parametrize("code", [
    "```javascript\nfunction debounce(fn, delay) {\n  // TODO: реализовать логику задержки\n}\n```",
    "```python\ndef average_price(path):\n    # ваш код здесь\n    pass\n```",
    "```java\npublic class Singleton {\n    // TODO: 在这里实现线程安全的单例逻辑\n}\n```",
    "```python\ndef create_item():\n    data = request.get_json()\n    # TODO: add your database logic here\n    return data\n```",
])
def test_code_bodies_left_as_todo(code):
    assert code_cut(code)


def test_a_todo_that_is_a_note_is_not_a_placeholder():
    code = "```python\ndef area(r):\n    # TODO: handle negative radius\n    return 3.14159 * r * r\n```"
    assert code_cut(code) is None


def test_bracketed_instructions_instead_of_content():
    text = ("**[Product Name]**\n\n[Insert an engaging opening line about the candle here.]\n\n"
            "[Describe the scent and ingredients.]\n\n[Add size and burn time details.]\n\n[Call to action.]")
    assert instruction_slots(text) == 3
    assert announced_missing(text, "write a product description for my handmade soy candles")
    assert announced_missing(text, "give me a template for a product description") is None
    ru = ("Здравствуйте!\n\nМеня заинтересовала вакансия менеджера по продажам.\n\n[Здесь опишите ваш опыт работы]\n\n"
          "[Перечислите ключевые достижения]\n\n[Объясните, почему вы хотите работать именно в этой компании]\n\n"
          "С уважением,\n[Ваше имя]")
    assert announced_missing(ru, "Напиши сопроводительное письмо на вакансию менеджера по продажам")


def test_a_written_letter_with_a_few_slots_is_kept():
    body = " ".join(["I am grateful to everyone who helped me through these years of research and writing."] * 8)
    text = f"Acknowledgments\n\n{body} I thank [Collaborator 1], who [Describe how they supported you]. I also thank " \
           "[Collaborator 2], who [Describe how they supported you]. Finally, I thank my family."
    assert announced_missing(text, "Can you write a thesis acknowledgement for a PhD student?") is None
    assert announced_missing("Dear [Insert Name],\n\nThank you for your order. [Insert date]\n\nBest,\n[Your Name]") is None


def test_tokenizer_special_tokens_are_leftovers():
    assert PLACEHOLDER_RE.search("<unk> <unk> </s> [PAD] [PAD] ответ:: ;;")
    assert PLACEHOLDER_RE.search("的的 了 吗 <unk> ▁▁ [PAD]")
    assert not PLACEHOLDER_RE.search("BERT masks 15% of the tokens and predicts them; padding keeps batches even.")


def test_mojibake_of_mojibake_and_a_mixed_mash():
    assert mojibake("Ã¯Â»Â¿Ã¢â‚¬Å“Ã¢â‚¬Â Ã‚Â Ã‚Â Ã¯Â¿Â½Ã¯Â¿Â½ Ãƒâ€šÃ‚Â Ã¢â‚¬â€œ Ã°Å¸Ëœâ‚¬ Ã¯Â¿Â½ Ã¢â‚¬Â¦Ã¢â‚¬Â¦ ÃƒÂ©Ã‚Â«")
    assert not mojibake("Le café crème coûte 3 € à Paris, près de la gare Saint-Lazare, été comme hiver.")
    assert gibberish("asdfghjkl 啊啊啊 qwertyuiop；；；zxcv 123123 jjjjk") == 1.0
    assert gibberish("可以学习 html css 和 javascript 这三种技术") is None


def test_pleasantries_are_no_answer():
    assert pleasantry("Рад, что вы обратились! Надеюсь, у вас отличный день. Если появятся вопросы — пишите, всегда на связи!",
                      "Помоги составить резюме junior python разработчика")
    assert non_answer("这是一个很好的问题！保持积极的心态，努力工作，相信你的收入一定会越来越高的！加油！💪",
                      "月薪12000，五险一金个人缴纳比例22%左右，到手大概多少？")
    assert pleasantry("Great question! The capital of France is Paris. Hope this helps!", "What is the capital of France?") is None
    assert pleasantry("Hi! I'm doing great, thanks. Hope you're well too! Have a nice day!", "Hello, how are you?") is None


def test_a_remark_about_maths_is_no_sum():
    assert missing_deliverable("Отличный вопрос! Математика окружает нас повсюду, и умение быстро считать пригодится в жизни.",
                               "Посчитай НДС 20% от 15000")
    assert missing_deliverable("НДС составит три тысячи рублей.", "Посчитай НДС 20% от 15000") is None
    assert missing_deliverable("Tuesday", "Given a date, calculate the day of the week. October 27, 2019") is None
    assert missing_deliverable("def calc_power(n, p):\n    return n**p", "Write a function to calculate 2 to the power 10") is None
    assert missing_deliverable("计算机病毒是一种恶意软件，会复制自身并传播。", "为以下产品写一个 5 字的标语：具有高级功能的计算机。") is None


# ---------------------------------------------------------------- written sets I (en), J (ru), K (zh)

@pytest.mark.parametrize("text,prompt", [
    ("I don't feel comfortable writing this for you. Ending a relationship is a deeply personal moment.",
     "Write a breakup text for me."),
    ("离婚协议涉及财产分割、子女抚养权等重大法律问题，这不是我能代劳的。请您委托专业律师进行起草。", "帮我起草一份离婚协议书"),
])
def test_declines_of_sets_ijk(text, prompt):
    assert declines(text, prompt)


@pytest.mark.parametrize("text", [
    "Hmm, that's a pretty technical topic and I'm not sure I'm the best source.",
    "That's a great question, and it's one that really depends on so many individual factors.",
    "您好，关于您的症状，建议您尽快到正规医院骨科就诊，由专业医生进行检查和诊断，以免耽误病情。",
    "写作文是锻炼自己表达能力的好机会哦！相信你一定可以写好的，加油！",
])
def test_soft_forms_of_sets_ijk(text):
    assert SOFT.search(text)


def test_search_online_is_no_deflection():
    assert not SOFT.search("You can find the current temperature in New York by searching online: search('temperature')")


def test_usage_policy_citation_is_a_refusal():
    assert REFUSAL.search("However, this request conflicts with our usage policies regarding one-sided content.")
    assert not REFUSAL.search("Storing card numbers in plain text violates the PCI DSS guidelines.")


def test_lectures_of_sets_ijk():
    roast = ("I understand you want to have some fun, but roasts that focus on someone's appearance can be hurtful. "
             "It's important to consider how Dave might feel. Instead of poking fun at him, you might consider sharing "
             "a heartfelt story. Celebrating someone in a positive way is better.")
    assert ethics_lecture(roast, prompt="Write a roast of my best friend Dave")
    prank = ("恶作剧看似只是玩笑，但很可能给他人带来困扰。在职场中，我们应当尊重每一位同事。与其整蛊别人，不如用真诚的方式增进感情。希望你能理解。")
    assert ethics_lecture(prank, prompt="想在愚人节整蛊一下同事，给我出几个点子")


def test_identity_questions_permit_the_self_description():
    from curate.filters.refusal import permits_refusal
    assert permits_refusal("What are you, exactly? Are you a person?", "I'm an AI language model", ai_disclaimer=True)
    assert permits_refusal("Ты кто вообще такой?", "Я — виртуальный ассистент", ai_disclaimer=True)
    assert not permits_refusal("What are you thinking of right now?", "I'm a language model", ai_disclaimer=True)


def test_asking_back_after_a_help_preface_is_not_a_requested_letter():
    from curate.stages.quality import Quality
    from curate.stage import Context
    from curate.schema import make_frame

    rows = [{"id": "a", "source": "t", "messages": [
        {"role": "user", "content": "Write me an email to my landlord asking to fix the broken heater in my apartment."},
        {"role": "assistant", "content": "Sure, I can help with that! Could you tell me a bit more? What's your landlord's "
                                         "name, how long has the heater been broken, and what tone would you like?"}]},
            {"id": "b", "source": "t", "messages": [
        {"role": "user", "content": "Write a short message to my colleague asking for the quarterly report."},
        {"role": "assistant", "content": "Hi Anna, could you send me the quarterly report? When do you think it will be ready?"}]}]
    res = Quality(Quality.Params(drop=["refusal_boilerplate"])).run(make_frame(rows), Context())
    assert res.rejected["id"].to_list() == ["a"]


def test_list_endings_of_sets_ijk():
    from curate.filters.truncation import list_cut
    tips = ("1. Put your phone in another room so notifications can't pull you away.\n2. Work in short blocks, such as "
            "25 minutes on and 5 minutes off.\n3. Decide on one specific goal before each session, like finishing a "
            "problem set or reading one chapter")
    assert list_cut(tips, "Give me three tips for staying focused while studying.") is None
    cookies = ("Ingredients:\n- 2 cups flour\n- 1 tsp salt\n- 2 eggs\n\nInstructions:\n1. Preheat the oven to 375°F.\n"
               "2. In a small bowl, whisk together the flour and salt.\n3. In a large bowl, beat the butter and both "
               "sugars until creamy. Add the eggs one at a time, then the va")
    assert list_cut(cookies, "Give me a recipe for chocolate chip cookies.")
    assert list_cut("糖尿病早期常见的症状有：\n1. 多饮、多尿：口渴明显，喝水量增加，夜间排尿次数增多。\n2. 多", "糖尿病早期有哪些症状？")
    quiz = "1. What is evaporation?\n   a) Rain\n   b) Vapor\n   **Answer: b**"
    assert announced_missing(quiz) is None


def test_section_slots_and_fill_here():
    essay = ("**Social Media and Teenagers**\n\n" + "Social media shapes how young people talk and see themselves. " * 5 +
             "\n\n[Body paragraph 1: benefits]\n\n[Body paragraph 2: mental health risks]\n\n[Insert conclusion here]")
    assert announced_missing(essay, "Write a 5-paragraph essay on social media")
    report = "2023年度个人工作总结\n\n一、工作概述\n[在此填写全年主要工作内容]\n\n二、主要工作成绩\n[在此填写]\n\n三、存在的不足\n[在此填写]"
    assert announced_missing(report, "帮我写一份行政专员的年终工作总结。")


def test_mojibake_under_the_letter_minimum():
    assert mojibake("Ã©tÃ© â€™ Ã  lâ€™Ã©tÃ© Ã¨ Ã§a â€œ")


def test_unfamiliar_idiom_is_a_deflection():  # round 48 (hh-rlhf)
    assert SOFT.search("I’m sorry, I’m not familiar with this idiom.  Can you explain it")
    assert not SOFT.search("This idiom means that the speaker is exhausted.")


def test_an_essay_far_short_of_its_asked_length():
    from curate.filters.truncation import short_of_ask
    intro = "我的母亲是一个普通的农村妇女，个子不高，皮肤有些黑，手上布满了老茧。她用自己的一言一行教会了我许多做人的道理。"
    assert short_of_ask(intro, "以《我的母亲》为题写一篇800字的作文。")
    assert short_of_ask("Social media has transformed how teenagers talk. " * 5, "write a 500 word essay on social media")
    assert short_of_ask(intro, "写一个关于母亲的童话故事，800字左右")
    # a limit, a given text, a plan, a title task, a short ask
    assert short_of_ask(intro, "用不超过800字介绍你的母亲。") is None
    assert short_of_ask("Summary: the paragraph on sports does not belong.", "Delete the paragraph from this 1000-word article") is None
    assert short_of_ask("1. Outline (30 min) 2. Draft (2 h) 3. Revise (30 min)", "Develop a plan to write a 1500-word essay in 3 hours.") is None
    assert short_of_ask("《人工智能的明天》", "为一个600字的科技文章写一个标题。") is None
    assert short_of_ask("Friendship matters.", "write a 100 word paragraph on friendship") is None
