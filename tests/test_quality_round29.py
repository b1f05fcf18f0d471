"""Rules changed after the round-29 hold-out (benchmarks/quality_labels_fresh26.jsonl) was scored blind and
read, and after the rule misses left on rounds 24-28 were read again. Positives are real misses and false
drops (hh-rlhf, oasst-zh, BELLE, Alpaca, LIMA); each rule has hard negatives beside it."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import role_continuation
from curate.filters.nonanswer import image_only, no_output
from curate.filters.patterns import refusal_pattern
from curate.filters.truncation import list_cut, no_terminal_punct, prompt_count

REFUSAL = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False))


# ---------------------------------------------------------------- disclaimers and declines

@pytest.mark.parametrize("reply", [
    "I'm not a lawyer, so I can't give you legal advice on that.",
    "我不是法律专家，所以我不能给你准确的法律意见。但是，我可以根据一些常识和道德原则，给你一些可能的答案。",
    "由于缺乏数据集的详细信息和目标，我无法提出具体的建议。但是，以下步骤可能是有用的：",
    "抱歉，我认为您不应该写具有欺骗性的工作日报。但是，您可以通过语言上的修饰让这件事看上去很充实。",
    "I am not comfortable saying that Polo Ralph Lauren is a bad company or a good company.",
])
def test_disclaimer_openers_and_declines_are_refusals(reply):
    assert REFUSAL.search(reply)


@pytest.mark.parametrize("reply", [
    "I'm not a doctor, but ibuprofen is usually fine for a headache.",               # a hedge before an answer
    "我不是皮肤科医生，但我可以提供一些有关使用维甲酸的一般信息。",
    "我不是律师，但是我可以根据一般的法律常识来回答这些问题。",
    "My sister is not a doctor, but she knows a lot about first aid.",              # not the assistant
    "A nurse practitioner is not a doctor, but can prescribe medicine in most states.",
    "If you are not a lawyer, you can still read the statute yourself.",
    "我不是很确定你指的是哪一部电影，不过《星际穿越》上映于2014年。",                      # not a profession
    "作者认为，我们不是专家也能读懂这本书。",                                          # not at the start
    "由于缺乏维生素D，骨骼会变得脆弱，因此需要多晒太阳。",                               # no "我无法"
    "抱歉，让你久等了。答案是：北京。",
    "I'm not comfortable in crowded places either; here are five ways to cope.",
])
def test_look_alikes_are_not_refusals(reply):
    assert REFUSAL.search(reply) is None


# ---------------------------------------------------------------- image tags as the whole answer

@pytest.mark.parametrize("prompt,reply", [
    ("将以下数据转换成饼图。\n\n技术：80%，娱乐：10%，教育：10%", '<img src="pie-chart.png" width="500">'),
    ("Design an infographic on a given topic\n\nThe history of human settlement",
     '<html>\n   <div>\n     <img src="human_settlement_infographic.jpg" alt="human settlement infographic">\n   </div>\n</html>'),
    ("Generate a word cloud for the given text.\n\nData Science is changing the world",
     '<img src="word-cloud.png" alt="Word Cloud">'),
    ("使用提供的内容生成图形。\n\n连续三个相同半径的圆。", '<noinput>\n<img src="circles.jpg" alt="连续三个相同半径的圆。">'),
])
def test_an_image_reference_alone_is_not_an_answer(prompt, reply):
    assert image_only(reply, prompt).startswith("image_only")
    assert no_output(reply, prompt) is not None  # ("<noinput>" is caught as a no-output marker first)


@pytest.mark.parametrize("prompt,reply", [
    ("Write the HTML syntax for the required action.\n\nadding an image to the page", '<img src="url" alt="alternatetext">'),
    ("生成有效的 HTML 标记", '<img src="image.jpg">'),
    ("Show me a picture of a cat.", '<img src="https://example.com/cat.png">'),     # an http image, asked for
    ("Make a flowchart.", "![流程图](https://example.com/Flowchart.jpg)"),              # markdown: bare_link's
    ("Draw a chart of the data.", 'Here is the chart:\n<img src="chart.png">\nSales rose 20 % in May.'),
    ("Make an SVG star.", '<svg width="100" height="100"><polygon points="50,5 20,99 95,35 5,35 80,99"/></svg>'),
])
def test_markup_tasks_and_images_with_text_are_answers(prompt, reply):
    assert image_only(reply, prompt) is None


# ---------------------------------------------------------------- an answer that speaks as the user

def test_an_answer_that_opens_with_a_user_tag_is_a_leak():
    prompt = "Should I go swimming in my local lake? The sign says no swimming but I think it should be fine."
    assert role_continuation("Human: The surface temperature of the water is only 19 degrees C.", prompt) == 1
    assert role_continuation("Human:  Male ballet dancers are about 50% gay.", "Is it true?") == 1
    assert role_continuation("The water is cold.\nHuman: thanks", prompt) == 0        # a later user line alone


def test_a_requested_dialogue_that_opens_with_the_user_is_content():
    script = "用户：嗨！\n聊天机器人：你好！我怎么帮你？\n用户：我需要帮助设置我的帐户\n聊天机器人：没问题！"
    assert role_continuation(script, "为自动聊天机器人编写脚本。") == 0
    # a dialogue repeats its speakers even where the prompt does not say so
    assert role_continuation("User: hi\nClerk: hello, how can I help?\nUser: a coffee, please", "Show an example.") == 0


# ---------------------------------------------------------------- counts and numbers

def test_a_list_of_n_is_a_count():
    assert prompt_count("Generate a list of 20 challenging questions about the given topic.") == 20
    assert prompt_count("Give me a set of 5 tips for sleeping better.") == 5
    assert prompt_count("Rate each answer on a scale of 1 to 10.") is None
    items = "\n".join(f"{i}. Question number {i} about the industrial revolution?" for i in range(1, 20))
    assert list_cut(items, "Generate a list of 20 challenging questions about the given topic.") == \
        "prompt asks for 20 items, 19 given"


def test_a_sentence_that_ends_on_a_value_is_finished():
    reply = ("Here is the regular expression you can use:\n\n```\n/^\\d*\\.?\\d*$/\n```\n\n* `^` - Beginning of the line;\n"
             "* `$` - End of the line.\n\nThis allows for .5 decimal rather than requiring the leading zero, such as 0.5")
    assert no_terminal_punct(reply) is None
    assert no_terminal_punct("Population of China is estimated to be 1.439 billion people as of 20").startswith("ends mid-word")
    assert no_terminal_punct("This allows for a decimal rather than requiring the leading zero, and it also accepts the "
                             "empty string as a valid number, which you may want to exclude by adding a lookahead that "
                             "requires at least one digit somewhere in the") is not None


def test_a_ratio_or_share_is_a_numeric_answer():
    from curate.stages.quality import NUMERIC_ANSWER_RE

    for reply in ("1.33:1", "25%", "= 7.", "12:30"):
        assert re.search(NUMERIC_ANSWER_RE, reply), reply
    for reply in ("3 apples", "ratio 4:3", "1.33:1 because"):
        assert not re.search(NUMERIC_ANSWER_RE, reply), reply


# ---------------------------------------------------------------- escaped quotes in prose (LIMA)

def _markup(pairs: list[tuple[str, str]]) -> list[int]:
    from curate.schema import make_frame
    from curate.stage import Context
    from curate.stages.quality import Quality

    frame = make_frame([{"id": str(i), "source": "t", "messages": [{"role": "user", "content": p},
                                                                    {"role": "assistant", "content": a}]}
                        for i, (p, a) in enumerate(pairs)])
    res = Quality(Quality.Params(drop=["markup_debris"])).run(frame, Context())
    out = {r["id"]: r["stat_markup_count"] for r in res.kept.iter_rows(named=True)}
    out.update({r["id"]: r["stat_markup_count"] for r in res.rejected.iter_rows(named=True)})
    return [out[str(i)] for i in range(len(pairs))]


def test_escaped_quotes_in_latin_prose_are_not_debris_but_elsewhere_they_are():
    lima = ("&quot;Pure&quot; water is a very poor conductor (resistivity is actually used as a measure of purity).\n"
            "&quot;Real&quot; water is not pure - it contains electrolytes and is quite conductive.")
    mt_code = "定义 函数(x)：\n    如果 x == &quot;a&quot;：\n        返回 &quot;b&quot;"
    tags = "The answer is <br> yes <br> and no <br> maybe &quot;so&quot;."
    lt = "Use &lt;b&gt; for bold &quot;text&quot; in HTML."
    assert _markup([("Why is water dangerous near electricity?", lima), ("把代码翻译成中文", mt_code),
                    ("Explain.", tags), ("How do I make bold text?", lt)]) == [0, 4, 5, 4]


# ---------------------------------------------------------------- rounds 30-31

@pytest.mark.parametrize("reply", [
    "很抱歉，但“有趣”完全取决于个人喜好和阅读喜好。所以，对于不同的人来说，这些书的排名可能是不同的。",
    "无法回答，需要详细的数据集和代码才能为您提供分类准确率。",
    "对不起，我无法回答您的问题，因为您并未提供诗歌的具体内容。",
])
def test_chinese_apology_openers_and_cannot_answer_are_refusals(reply):
    assert REFUSAL.search(reply)


@pytest.mark.parametrize("reply", ["抱歉，让你久等了。答案是：北京。", "这个问题无法回答的人很多，但答案其实是 42。", "我们不能回答所有问题，但可以回答这一个：水在 100 度沸腾。"])
def test_chinese_look_alikes_are_not_refusals(reply):
    assert REFUSAL.search(reply) is None


@pytest.mark.parametrize("reply", ["Ah, this is a common urban legend.  Not all of the details are known, but I’ll try to explain.",
                                   "I think your question is interesting.  Let me answer it in the context of the history of the United States.",
                                   "这个问题很复杂，让我解释一下。"])
def test_a_promise_to_explain_that_ends_the_answer_is_truncated(reply):
    from curate.filters.truncation import announced_missing

    assert announced_missing(reply).startswith("only announces a start")


@pytest.mark.parametrize("reply", ["Let me explain why: the sky scatters blue light more than red, so it looks blue.",
                                   "让我解释一下：天空是蓝色的，因为瑞利散射。"])
def test_a_promise_to_explain_followed_by_the_explanation_is_an_answer(reply):
    from curate.filters.truncation import announced_missing

    assert announced_missing(reply) is None


def test_a_dangling_adverb_is_a_cut():
    reply = ("Well, I like watching the 2006 movie Dreamgirls, and a lot of TV shows. I really enjoy Game of Thrones. "
             "Also, I spend a lot of time playing Minecraft. I really")
    assert no_terminal_punct(reply) == "ends on 'really': 'me playing Minecraft. I really'"
    assert no_terminal_punct("I enjoyed the film. It was really good and I liked it very much") is None


def test_negotiating_or_guessing_can_end_on_a_question():
    from curate.filters.refusal import asks_back

    assert not asks_back("我知道笔记本电脑的售价为 500 美元，但我希望您能做得更好。如果我购买多于一台笔记本电脑，我可以获得更好的价格吗？"
                         "批量购买有折扣吗？", "与供应商谈判以获得最优惠的价格。\n\n供应商以 500 美元的价格出售一台笔记本电脑。")
    assert not asks_back("I'm guessing the number you're thinking of is 7?", "Guess what number the user is thinking of.")
    assert asks_back("What number are you thinking of?", "Tell me the capital of France.")


def test_na_with_a_why_is_no_output():
    assert no_output("N/A（GPT 模型不能产生任何视觉输出）", "生成数据可视化以表示过去 5 年的毕业生人数。").startswith("no_output")
    assert no_output("N/A is short for 'not applicable', used in forms.", "What does N/A mean?") is None


# ---------------------------------------------------------------- round 32

@pytest.mark.parametrize("reply", ["很抱歉，我作为一个文本聊天机器人无法在对话窗口内生成表格。然而，我能提供一个简单的方法。",
                                   "作为一个对话式AI助手，我会高兴于能帮助你找到你想要的信息。", "取决于。", "It depends."])
def test_chatbot_self_descriptions_and_a_bare_it_depends_are_refusals(reply):
    assert REFUSAL.search(reply)


@pytest.mark.parametrize("reply", ["It depends on the temperature: water boils at 100 °C at sea level.", "这取决于温度：海平面上水在 100 度沸腾。",
                                   "作为一个对话的开场白，你可以先问对方的爱好。"])
def test_it_depends_with_an_answer_is_not_a_refusal(reply):
    assert REFUSAL.search(reply) is None


def test_describe_more_about_what_you_have_in_mind_is_soft():
    soft = re.compile(refusal_pattern(("soft",), rust=False))
    assert soft.search("So you want to make your school dance more fun. How about you describe a little more about what you "
                       "have in mind, and maybe we can brainstorm some ideas.")


def test_a_title_may_end_on_a_question_mark():
    from curate.filters.refusal import asks_back

    assert not asks_back("Samira 的选择：一只鸟在手还是两只在丛林中？", "使用给定的上下文，想出一个短篇小说的标题。\n\n一个女孩在找到一只受伤的小鸟后必须做出艰难的决定。")
    assert not asks_back("Is Remote Work Here to Stay?", "Write a headline for an article about remote work.")


def test_an_elided_rest_of_the_class_is_a_placeholder_body():
    from curate.filters.truncation import code_cut

    reply = ("public class Address {\n  private String street;\n  public String getStreet() {\n    return street;\n  }\n\n"
             "  // rest of the getters, setters and equals() method\n\n}")
    assert code_cut(reply).startswith("code body left as a placeholder")
    assert code_cut("```java\n// the rest of the class stays as it is\nint x = 1;\n```") is None


# ---------------------------------------------------------------- round 33

def test_what_do_you_mean_and_please_give_details_open_a_deflection():
    from curate.filters.refusal import soft_refusal

    soft = re.compile(refusal_pattern(("soft",), rust=False))
    assert soft_refusal("What do you mean by “fastest”, there are lots of ways to do it.",
                        "What is the quickest way to commit suicide?", soft, final=True).is_refusal
    # inside a longer chat a question back is a turn of the dialogue
    assert not soft_refusal("What do you mean by “fastest”, there are lots of ways to do it.",
                            "What is the quickest way to commit suicide?", soft, final=False).is_refusal
    assert soft_refusal("抱歉，请提供详细信息以表达其含义。", "下面的文字请列入表格中。", soft).is_refusal
    long_answer = "What do you mean by a word? " + "Linguists define a word as the smallest free form of a language. " * 12
    assert not soft_refusal(long_answer, "What is a word?", soft).is_refusal


# ---------------------------------------------------------------- round 34 (the final blind check, then read)

def test_a_phrase_said_twice_is_not_a_loop():
    from curate.filters.text import repetition_metrics

    reply = ("Lithuania and Latvia have similar climates, with cold winters and mild summers. In Lithuania, the average "
             "January temperature is around -4°C, while in Latvia the average January temperature is -1°C. In both "
             "countries, the temperatures in July are roughly the same, with temperatures ranging from 17 to 18°C.")
    m = repetition_metrics(reply, prompt="Compare the climates of Lithuania and Latvia.")
    assert m["top_4gram_frac"] == 0.0
    loop = "I like the cat. " * 3 + "Then I like the cat and the dog and the bird in the garden."
    assert repetition_metrics(loop)["top_4gram_frac"] > 0.16


def test_latex_double_braces_are_not_template_placeholders():
    from curate.filters.patterns import PLACEHOLDER_RE

    assert not PLACEHOLDER_RE.search("define $$\\text{{J}}(a,b,c) = \\frac{a}{b}$$ and find $\\text{{J}}(3,18,27)$")
    assert len(PLACEHOLDER_RE.findall("I am {{name}}, an assistant made by {{author}}.")) == 2
    assert PLACEHOLDER_RE.search("{{name}}")


def test_a_hedge_then_but_and_an_answer_is_not_a_lecture():
    from curate.filters.refusal import soft_refusal

    soft = re.compile(refusal_pattern(("soft",), rust=False))
    reply = ("Zipline Logistics是一家科技驅動的物流公司，為企業提供供應鏈解決方案。它擁有一個軟件平台，可幫助客戶管理其交付和貨運。\n\n"
             "關於軟件應用實習生角色，我沒有具體的信息，但通常，軟件應用實習生的職責是協助軟件開發團隊創建和維護應用程序，調試代碼並測試軟件以確保其質量和功能性。")
    v = soft_refusal(reply, "你了解Zipline Logistics和他们的软件应用开发实习岗位吗？", soft)
    assert v.match and not v.is_refusal and v.share < 0.2
    assert soft_refusal("我没有具体的信息。", "你了解这家公司吗？请详细介绍一下它的业务、历史和主要产品。", soft).is_refusal


# ---------------------------------------------------------------- a same-text task answered in the other script

@pytest.mark.parametrize("prompt,reply", [
    ("重写以下句子以使其语法正确：“The painting were of a lady in a white dress.”", "这幅画是一位身穿白色连衣裙的女士。"),
    ("从这个句子中删除所有元音。\n\n敏捷的棕色狐狸跳过了懒狗。", "Th qck brwn fx jmps vr th lzy dg。"),
    ("自动更正以下句子中的语法：“The two dogs sleeps in the garden”。", "两只狗睡在花园里。"),
])
def test_a_correction_answered_in_another_script_is_a_mismatch(prompt, reply):
    from curate.filters.relevance import input_script_changed, language_mismatch

    assert input_script_changed(prompt, reply)
    assert language_mismatch([prompt], [reply], detector=lambda texts: [("und", 0.0)] * len(texts))[0][0] == 1


@pytest.mark.parametrize("prompt,reply", [
    ("检测这个句子中是否有拼写错误\n\nThe teachere gave us homwork to do", "有拼写错误"),          # a verdict, any language
    ("重写以下句子以使其语法正确：“The painting were of a lady in a white dress.”", "The painting was of a lady in a white dress."),
    ("把这句话翻译成英文并纠正语法：“我昨天去学校。”", "I went to school yesterday."),                   # translation asked
    ("编写一段代码，以全部小写字母打印以下字符串。\n\n混合大小写字符", 'print("mixed case characters".lower())'),
    ("用另外两种方式重写短语“A star is born”。", "闪亮的光芒出现或新的名人出现。"),                     # a paraphrase may move
])
def test_verdicts_translations_code_and_paraphrases_are_not_judged(prompt, reply):
    from curate.filters.relevance import input_script_changed

    assert input_script_changed(prompt, reply) is None


# ---------------------------------------------------------------- round 35 (a last blind check, then read)

def test_please_introduce_yourself_is_an_identity_question():
    from curate.filters.patterns import is_identity_question

    assert is_identity_question("Please introduce yourself.")   # FastChat's Vicuna rows stay templated_identity
    assert not is_identity_question("Please introduce yourself to the class in a short speech about your hobbies.")


def test_a_self_description_answers_a_question_about_the_assistant():
    from curate.filters.refusal import permits_refusal

    assert permits_refusal("你会做哪些工作？", "我是一个开源的人工智能助手", ai_disclaimer=True)
    assert permits_refusal("Tell me about yourself.", "As a language model", ai_disclaimer=True)
    assert not permits_refusal("什么事情让你感到高兴？", "作为一个对话式AI助手", ai_disclaimer=True)


def test_a_described_meme_with_its_caption_is_content():
    from curate.filters.nonanswer import stand_in

    assert stand_in("[一个人吃一个巨大的三明治的模因，上面写着“当你对午餐太兴奋的时候。”]") is None
    assert stand_in("[显示五个城市日平均气温的图表]").startswith("stand_in")
