"""Rules added after reading the misses of the written sets U (English), V (Russian) and W (Chinese), the hold-out
of two earlier rounds: a letter that stops at its salutation, an emphasised closing label, a comparison cut after
its operator, Chinese stages announced and not written, a translation of the first sentence only, mojibake of
UTF-8 read as GBK, three scripts mixed word by word, leaked tokenizer tokens, a lecture on a poem's form instead of
the poem, code asked for in Chinese without a writing verb, the asker's follow-up in the answer, and soft refusals.
Each with the hard negatives the 82,945-pair scan and the label sets turned up."""

from __future__ import annotations

import re

import pytest

from curate.filters.degenerate import degenerate_metrics, gibberish, mojibake, script_salad, token_leak
from curate.filters.nonanswer import forum_voice, missing_deliverable, non_answer, restated_question
from curate.filters.patterns import refusal_pattern
from curate.filters.truncation import announced_missing, list_cut, no_terminal_punct, translation_cut

HARD = re.compile(refusal_pattern(("ai_disclaimer", "refusal"), rust=False), re.I)
SOFT = re.compile(refusal_pattern(("soft",), rust=False), re.I)


@pytest.mark.parametrize("text", [
    "Subject: Urgent: Heater Repair Needed at Unit 4B\n\nDear Mr. Patel,\n\n",
    "Директору ООО «УК Комфорт»\nот Смирновой Елены Викторовны,\nпроживающей по адресу: г. Самара, ул. Садовая, д. 14\n\n"
    "ЗАЯВЛЕНИЕ (ЖАЛОБА)\n\nУважаемый",
])
def test_a_letter_that_stops_at_its_salutation(text):
    assert announced_missing(text).startswith("ends on the salutation")


@pytest.mark.parametrize("text", [
    # a letter with its body
    "Dear Mr. Patel,\n\nThe heater in unit 4B has been broken for two weeks. Please send someone this week.\n\nBest,\nAnna",
    # a closing that ends on "Dear" inside a sentence is not a salutation line
    "I wrote to him twice and he never answered, which is why I am asking you, dear",
    # a one-line answer "Уважаемый" to a question about the word
    "Уважаемый",
])
def test_salutations_that_are_not_a_cut_letter(text):
    assert (announced_missing(text) or "").startswith("ends on the salutation") is False


def test_an_emphasised_closing_label():
    text = ("**Classic Banana Bread**\n\n*Ingredients:*\n- 3 ripe bananas\n- 75 g melted butter\n- 1 tsp baking soda\n\n"
            "*Instructions:*")
    assert announced_missing(text).startswith("ends on a colon")
    assert announced_missing("*Ingredients:* bananas, butter, flour.\n\n*Method:* mash, mix and bake for an hour.") is None


def test_a_plan_announced_in_the_first_person():
    text = ("Перешить пуговицу несложно. Главное — сделать «ножку» из ниток. "
            "Ниже приведу подробную пошаговую инструкцию.")
    assert announced_missing(text).startswith("last sentence announces")
    assert announced_missing("Below, I'll walk you through each step of the setup.").startswith("last sentence announces")


def test_a_comparison_cut_after_its_operator():
    text = "Проходим по массиву: 5 < 7 — отправляем влево, 2 < 7 — влево, 9 >"
    assert no_terminal_punct(text) == f"ends on an operator: {text[-30:]!r}"
    # an arrow or a lone comparison is not a cut
    assert no_terminal_punct("The result is printed like this: value ->") is None
    assert no_terminal_punct("Используйте оператор сравнения, например >") is None


@pytest.mark.parametrize("text", [
    # a derivation's verb without its object
    "这是一个一元二次方程，可以用因式分解法求解。\n\n第一步：找两个数，使它们的积为 6，和为 -5。\n\n第二步：将方程分解为",
    # an enumeration earlier in the line does not spare the open last sentence
    "“刻舟求剑”出自《吕氏春秋》。讲的是一个楚国人坐船渡江，把剑掉进了水里。\n\n"
    "这个故事讽刺了那些不懂得事物在发展变化、拘泥固执、不知变通的人。它告诉我们，看问题、办事情要根据情况的变化而改",
])
def test_chinese_sentences_left_open(text):
    assert no_terminal_punct(text)


@pytest.mark.parametrize("text", [
    "常见的水果有：苹果、香蕉、橙子、葡萄、西瓜",
    "解得 x = 2 或 x = 3，所以方程的两个根分别是 2 和 3。",
    "成功的关键是坚持、耐心、专注和努力",
])
def test_chinese_endings_that_are_finished(text):
    assert no_terminal_punct(text) is None


def test_chinese_stages_announced_and_not_written():
    text = ("蛙泳学习一般可以分成以下五个阶段：\n\n**阶段一：熟悉水性**\n先在浅水区练习憋气和漂浮。\n\n"
            "**阶段二：蹬腿练习**\n扶着浮板练习蛙泳腿，脚掌要外翻。")
    assert list_cut(text) == "sections stop at stage 2 of 5"
    whole = text + "\n\n**阶段三：划手**\n练习划手。\n\n**阶段四：配合**\n练习配合。\n\n**阶段五：完整游**\n完整游。"
    assert list_cut(whole) is None


def test_a_chinese_second_item_that_runs_on_through_its_commas():
    text = ("通货膨胀的主要成因包括：\n\n1. **需求拉动**：社会总需求超过总供给，价格就被推高。\n"
            "2. **成本推动**：原材料、能源、工资等生产成本上升，企业为了维持利润而提高售价，运输和化工产品的价格也会随之上")
    assert list_cut(text).startswith("last item stops mid-sentence")
    # two items, the second without its stop but short: a list written without stops
    assert list_cut("主要有两种：\n\n1. 需求拉动型通货膨胀。\n2. 成本推动型通货膨胀") is None


RU_THREE = ("Переведи на английский:\n\n«Вчера вечером мы долго гуляли по набережной. Было тепло, и на реке отражались "
            "огни города. Потом мы зашли в маленькое кафе и пили чай с пирогом до самого закрытия.»")


def test_a_translation_of_the_first_sentence_only():
    assert translation_cut("Yesterday evening we took a long walk along the embankment.", RU_THREE).startswith(
        "translation stops after 1 of 3 sentences")
    whole = ("Yesterday evening we took a long walk along the embankment. It was warm, and the city lights were "
             "reflected in the river. Then we went into a small cafe and drank tea with pie until closing time.")
    assert translation_cut(whole, RU_THREE) is None
    # the prompt asks for the first sentence, or a summary
    assert translation_cut("Yesterday evening we took a long walk along the embankment.",
                           RU_THREE.replace("Переведи на английский", "Переведи первое предложение на английский")) is None


def test_utf8_read_as_gbk_is_mojibake():
    text = "鍦?Linux 涓嬭В鍘?tar.gz 鏂囦欢锛屽彲浠ヤ娇鐢ㄤ互涓嬪懡浠わ細\n\n浣跨敤 tar 鍛戒护 鍔犱笂 鍙傛暟 鍗冲彲銆"
    assert mojibake(text)
    assert not mojibake("在 Linux 下解压 tar.gz 文件，可以使用以下命令：tar -xzvf 文件名.tar.gz，解压后的文件会出现在当前目录中。")


def test_three_scripts_mixed_word_by_word():
    salad = ("API 是一个 interface которое позволяет programs to 交流 between друг с другом, like the 服务器 отвечает на "
             "request но потом the 接口 returns и тогда response 被 sent обратно к the client")
    assert script_salad(salad)
    assert gibberish(salad) == 1.0
    assert degenerate_metrics(salad, "Explain what an API is.")["gibberish"] == 1.0
    # a glossary the prompt asks for holds three scripts by design
    glossary = "cat — кошка — 猫\ndog — собака — 狗\nbird — птица — 鸟\nfish — рыба — 鱼\nhorse — лошадь — 马\ncow — корова — 牛"
    assert degenerate_metrics(glossary, "Translate these animals into Russian and Chinese")["gibberish"] != 1.0
    # Chinese with English terms, Japanese with kana, Russian with English terms: two scripts
    assert not script_salad("使用 Python 的 pandas 库读取 CSV 文件，然后用 groupby 按 category 分组，再用 mean 计算 price 的平均值。")
    assert not script_salad("BTB domainと呼ばれる配列モチーフを含み、このドメインはタンパク質間相互作用やDNA結合の制御などに関与する。")
    assert not script_salad("Установите Docker, затем выполните docker compose up и откройте http://localhost:8080 в браузере Chrome.")


def test_leaked_tokenizer_tokens():
    assert token_leak("ный ▁обу ▁## ▁маш ин ▁ное ение ▁<0x0A> ▁ные ▁данных")
    assert token_leak("Sure, here it is.<|im_end|>")
    assert degenerate_metrics("The answer is 4. [/INST] Thanks!", "What is 2 + 2?")["leak"] == 1
    # the prompt is about chat templates or tokenizers
    assert not token_leak("Each turn ends with <|im_end|>.", "How does the ChatML template mark the end of a turn?")
    # a sparkline is not a SentencePiece mark
    assert not token_leak("CPU load: ▁▂▃▅▇▅▃▂▁")


@pytest.mark.parametrize("reply,prompt", [
    ("A haiku is a traditional form of Japanese poetry consisting of three lines with a 5-7-5 syllable pattern. "
     "Famous haiku poets include Matsuo Bashō and Kobayashi Issa.", "Write a haiku about autumn leaves."),
    ("藏头诗是杂体诗的一种，它把所要表达的内容分别藏在每句诗的第一个字中，连起来读便能看出作者的真实意图。", "以“新年快乐”为藏头写一首七言诗"),
])
def test_a_lecture_on_the_form_instead_of_the_poem(reply, prompt):
    assert missing_deliverable(reply, prompt).startswith("no_poem")


@pytest.mark.parametrize("reply,prompt", [
    # the poem, then a note on its form
    ("Crimson leaves descend\nwhispering to the cold ground\nautumn lets them go\n\nA haiku is a three-line poem.",
     "Write a haiku about autumn leaves."),
    # a poem collapsed into one paragraph that does not define its form
    ("Crimson leaves descend, whispering to the cold ground, autumn lets them go.", "Write a haiku about autumn leaves."),
    # the form explained because it was asked
    ("A haiku is a three-line poem of 5, 7 and 5 syllables.", "What is a haiku?"),
])
def test_poems_and_answers_about_poems(reply, prompt):
    assert missing_deliverable(reply, prompt) is None


def test_code_asked_in_chinese_without_a_writing_verb():
    prompt = "用Python读取一个CSV文件，并计算其中“price”这一列的平均值"
    reply = "CSV（Comma-Separated Values，逗号分隔值）是一种常见的纯文本数据格式。它的每一行代表一条记录，字段之间用逗号分隔。"
    assert missing_deliverable(reply, prompt).startswith("no_code: python")
    code = "```python\nimport pandas as pd\nprint(pd.read_csv('data.csv')['price'].mean())\n```"
    assert missing_deliverable(code, prompt) is None


def test_big_o_notation_is_not_code():
    prompt = "Напиши на Python функцию сортировки пузырьком."
    reply = ("Сортировка пузырьком — один из простейших алгоритмов сортировки. Алгоритм имеет сложность O(n²) в худшем "
             "случае, поэтому на практике для больших массивов его почти не применяют.")
    assert missing_deliverable(reply, prompt).startswith("no_code: python")
    assert missing_deliverable("def bubble(a):\n    return sorted(a)", prompt) is None


@pytest.mark.parametrize("reply", [
    "同问！我家的也是，一到冬天就跑不了多远。有没有懂行的大佬出来说一下？坐等回复，谢谢！",
    "Ещё у меня не работает клавиатура на этом же ноутбуке. Подскажите, пожалуйста, куда лучше обратиться?",
    "Also, could you make it a bit more casual and add a fun fact about bees at the end? Thanks!",
])
def test_the_askers_follow_up_in_the_answer(reply):
    assert forum_voice(reply, "Помогите, ноутбук не включается. Что делать?").startswith("forum_voice")


def test_an_answer_that_offers_more_is_not_the_asker():
    assert forum_voice("Here is the summary: bees dance to show where food is. Would you like a more casual version?",
                       "Summarise this paragraph in one sentence") is None


@pytest.mark.parametrize("reply", [
    "Вы спрашиваете, сколько весит взрослый африканский слон. Это действительно интересный вопрос, который многих интересует.",
    "您问的是为什么飞机在起飞和降落的时候需要把遮光板打开。这是很多乘客在坐飞机时都会注意到的一个问题。",
])
def test_the_question_restated(reply):
    assert restated_question(reply, "?").startswith("restated_question")
    assert non_answer(reply, "Сколько весит слон?").startswith("restated_question")


@pytest.mark.parametrize("text,expected", [
    ("Thank you for sharing your poem! I don't think it would be appropriate for me to assign a numerical score to your "
     "creative work.", "appropriate for me to"),
    ("Я не предназначен для выполнения сложных математических вычислений и могу допустить ошибку.",
     "я не предназначен для выполнения"),
    ("Рекомендую доверить эту работу квалифицированным специалистам официального сервисного центра.",
     "доверить эту работу квалифицированным специалистам"),
    ("Насмешки могут подорвать авторитет. Вместо этого советую подготовить поздравление.", "вместо этого советую"),
    ("出于审慎考虑，我不便就此话题展开讨论，建议您关注官方发布的权威信息。", "不便就此话题展开讨论"),
    ("我理解您正在进行创作，但我不太适合编写包含威胁内容的台词。", "不太适合编写"),
    ("请先提供以下信息：1. 您的姓名 2. 请假日期。收到这些信息后，我会马上为您撰写。", "收到这些信息后，我会马上为您撰写"),
])
def test_uvw_soft_refusals(text, expected):
    assert expected.lower() in SOFT.search(text).group(0).lower()


def test_a_bare_refusal_with_the_object_first():
    assert HARD.search("Не могу с этим помочь.")
    assert HARD.search("Не могу в этом помочь, извините.")
    # "не могу" inside an answer
    assert HARD.search("Если компьютер пишет «не могу найти файл», проверьте путь.") is None


def test_hard_negatives_from_the_dump_scan():
    # a contract's signature block: blanks to fill, not an emphasised label
    assert announced_missing("兹证明，双方自下文所写日期起执行本协议。\n\n公司甲：________________\n\nB公司：________________") is None
    # a result on the line above a step is not a count of steps
    assert list_cut("步骤1：将总糖果数（30）除以朋友数（5）。\n30 ÷ 5 = 6\n步骤2：每个朋友可以得到6个糖果。\n答案：每个朋友可以得到6个糖果。") is None
    # a prompt that names a written poem asks for its type, not for a poem
    assert missing_deliverable("这首诗是俳句的一个例子。这是一首无韵诗，共17个音节，分为三行。",
                               "确定下面所写诗歌的类型。\n\n深夜寂寞，\n寒冷漆黑的天空中。") is None
