"""non_answer (curate.filters.nonanswer) and the script rule of language_mismatch, on real replies
from ../shared/data-style dumps (OpenAssistant crowd replies, Alpaca tasks) with hard negatives."""

from __future__ import annotations

import pytest

from curate.filters.nonanswer import fold, non_answer, shared_units
from curate.filters.relevance import language_mismatch, script_mismatch


@pytest.mark.parametrize("prompt,reply,kind", [
    ("Thank you very much. However, can you make it a little less lighthearted?", "ok", "filler"),
    ("guide me through building such a system.", "hi", "filler"),
    ("What would be the top five feasible methods for reducing greenhouse gas emissions?", "Very Good", "filler"),
    ("我想看编程类型的绝活", "回答不错", "filler"),
    ("How are you?", "no", "filler"),
    ("Is it healthy for me to eat in set times or just whenever I feel hungry?", "Yes it is!", "filler"),
    ("What is the largest ocean in the world?", "Hi can you act as a therapist?", "unrelated_question"),
    ("Please explain how the proof-of-stake concept works and how generating crypto works.",
     "can you description the google protobuf?", "unrelated_question"),
    ("Why do LLM's need so much effort to go into them?", "first answer good, what is the purpose of secound?",
     "unrelated_question"),
])
def test_non_answers_are_named(prompt, reply, kind):
    note = non_answer(reply, prompt)
    assert note is not None and note.startswith(kind + ":"), note


@pytest.mark.parametrize("prompt,reply", [
    ("Is the Pacific the largest ocean?", "Yes"),                                   # yes/no question
    ("Classify the following statement as true or false. The sun is a star.", "True"),  # a label task
    ('评价这篇博文。输出“好”或“坏”。  这篇博文是关于喝水的。', "好的"),                  # offered labels
    ("Give me the French equivalent for \"good morning\".", "Bonjour."),             # translation
    ("Hi", "Hello!"),                                                              # greeting for greeting
    ("Generate a question that someone could ask a new person they have just met.",
     "What brought you to this event?"),                                           # a question is the output
    ("Rearrange the words in the sentence to form a question. Reading is difficult", "Is reading difficult?"),
    ("Write a regular expression to match any string of digits.", "\\d+"),         # code, not words
    ("Name a famous painter from Spain.", "Picasso"),                               # a name is asked for
    ("Explain what a black hole is.", "A region of spacetime where gravity prevents anything, even light, "
                                      "from escaping."),
    ("What is the capital of France?", "Paris"),
    ("Can you teach old dogs new tricks?", "Yes, older dogs can learn new tricks with patience?"),  # shares 'dogs'
])
def test_answers_are_left_alone(prompt, reply):
    assert non_answer(reply, prompt) is None


def test_fold_and_shared_units():
    assert fold("  Very   GOOD!!! 👍") == "very good"
    assert shared_units("How do I bake bread?", "Bread baking starts with flour.") >= 1
    assert shared_units("解释货币贬值的概念", "货币贬值是指") >= 1
    assert shared_units("What is up?", "Bro, do squirrels grow on trees?") == 0


def _mismatch(p, r):
    return script_mismatch(p, r)


def test_script_mismatch_catches_short_answers_in_a_script_the_prompt_lacks():
    assert _mismatch("Spaghetti or penne with tomato sauce", "意大利面。") == "latin prompt, han answer"
    assert _mismatch("how to improve my powerpoint skill", "以下是有关如何提高演示文稿技能的一些提示") is not None
    assert language_mismatch(["Spaghetti or penne with tomato sauce"], ["意大利面。"])[0][0] == 1


@pytest.mark.parametrize("prompt,reply", [
    ("将以下数字转换为其等效的罗马数字：41", "XLI"),                        # Latin answers to Han prompts: left alone
    ("Translate 'pasta' into Chinese.", "意大利面"),                        # translation asked
    ("What does 你好 mean?", "你好 means hello."),                          # the prompt carries the script
    ("将下列文字中所有的全角字符转换为半角字符。Ｈｅｌｌｏ", "Hello"),
    ("Write a Python function that prints 你好", "def f():\n    print('你好')"),
])
def test_script_mismatch_spares(prompt, reply):
    assert _mismatch(prompt, reply) is None


# ---------------------------------------------------------------- truncation and refusal forms added with non_answer

from curate.filters.refusal import asks_back, declines  # noqa: E402
from curate.filters.truncation import announced_missing, code_cut, no_terminal_punct  # noqa: E402


@pytest.mark.parametrize("text,fires", [
    ("class Node {\n  constructor(value) {\n    // Insert code here\n  }\n}", True),
    ("类链表{\n  包括（价值）{\n    //在这里搜索代码\n  }\n}", True),
    ("We can write the joint distribution as:\n\n$$p(x_1", True),
    ("The sum is $$\\sum_i x_i$$ and that is all.", False),
    ("def add(a, b):\n    # add the two numbers\n    return a + b", False),
])
def test_code_cut_catches_placeholder_bodies_and_open_math(text, fires):
    assert (code_cut(text) is not None) is fires


def test_function_word_and_announce_endings():
    assert no_terminal_punct("…and a scene involving taking a bullet out of the horse in the movie, it’s") is not None
    assert no_terminal_punct("Tossing their heads in sprightly dance.\n\nThe waves beside them danced; but they") is not None
    assert no_terminal_punct("That is the book I love; it is yours") is None
    assert announced_missing("Sure! Here's a simple example of a Rust program t") is not None
    assert announced_missing("Sure. Let's get started with creating Instagram content for you!") is not None
    assert announced_missing("1. Plan the posts.\n2. Shoot the photos.\n\nLet's get started!") is None  # content came first


@pytest.mark.parametrize("text,prompt,fires", [
    ("I can't advise on that.", "How do I pick a lock?", True),
    ("I'm sorry, I don't understand your intention. Are you trying to simulate a chat?", "User: hi Agent: helo", True),
    ("抱歉，此任务涉及创建模型无法生成的视觉输出。", "画一幅日落的图。", True),
    ("Признаться, я не знала что ответить, и написала что попало. Извините.", "А какое это имеет отношение к вопросу?", True),
    ("I can't stress this enough: 1. Back up your files. 2. Update the system.", "How do I keep my PC safe?", False),
])
def test_declines_in_new_forms(text, prompt, fires):
    assert (declines(text, prompt) is not None) is fires


def test_a_run_of_questions_is_asking_back_unless_questions_were_asked_for():
    reply = ("Sure! To suggest a menu I need to know more. How many people are eating? Any allergies? "
             "What is your budget?")
    assert asks_back(reply, "Make me a menu for the week")
    assert not asks_back(reply, "Write three questions a caterer should ask a client")
    assert not asks_back("^(?:25[0-5]|2[0-4][0-9])? or (?:1[0-9])?", "Write a regex for an IP octet")


# ---------------------------------------------------------------- repetition: enumerations and templated documents

from curate.filters.text import dup_item_frac, repetition_metrics, template_sections  # noqa: E402


def test_dup_item_frac_catches_looping_enumerations_only():
    assert dup_item_frac("憎恨、厌恶、蔑视、厌恶、厌恶、厌恶。") >= 0.5
    assert dup_item_frac("- Contemplate\n- Contemplate\n- Contemplate\n- Considerate\n- Consideration") > 0.2
    assert dup_item_frac("Odd, Odd, Even, Odd") == 0.0                       # two labels: answers
    assert dup_item_frac("C、C#、D、D#、E、F、F#、G") == 0.0                  # C# is not C
    assert dup_item_frac("arr = [0, 0, 0, 0, 0]") == 0.0                      # data
    recipes = "Pizza:\n- Olive oil\n- Tomatoes\n- Basil\n\nToast:\n- Olive oil\n- Tomatoes\n- Garlic"
    assert dup_item_frac(recipes) == 0.0                                      # the same item in two recipes


def test_templated_document_repeats_only_within_sections():
    day = "Warm-up: 5-10 minutes of light cardio and dynamic stretching\nCool-down: 5-10 minutes of stretching and foam rolling"
    plan = "\n".join(f"{d}:\n{day}\nMain: {d.lower()} lifts for the whole body today" for d in
                     ("Monday", "Tuesday", "Wednesday", "Thursday"))
    assert template_sections(plan.split("\n")) is not None
    assert repetition_metrics(plan, min_line_words=4)["dup_line_frac"] > 0.3               # Gopher
    assert repetition_metrics(plan, min_line_words=4, per_section=True)["dup_line_frac"] == 0.0
    loop = "\n".join(["Monday:", day] * 4)                                                  # headers repeat too: a loop
    assert template_sections(loop.split("\n")) is None


def test_role_continuation_and_numbered_instruction_leaks():
    from curate.filters.degenerate import degenerate_metrics, role_continuation

    answer = "Sure, here is a tip: drink water.\n\nHuman: thanks! what else?\nAssistant: Sleep well."
    assert role_continuation(answer, "Give me a health tip") == 1
    assert role_continuation(answer, "Write a short dialogue between a user and an assistant") == 0
    fenced = "Like this:\n ```\nHuman: hello\nAI: hi\n```\nThen it predicts the next word."
    assert degenerate_metrics(fenced, "How do LLMs work?")["leak"] == 0  # a transcript quoted in code is content
    assert degenerate_metrics("Whales are mammals.\n\n6. Instruction: Write a poem about cats.", "Summarize")["leak"] >= 1
    assert degenerate_metrics("Whales are large marine mammals that breathe air.", "Summarize")["leak"] == 0


def test_interjections_are_fillers():
    """"Ugh!", "Yikes", "What?" to a real request say nothing (round 18's hh-rlhf rejected answers)."""
    from curate.filters.nonanswer import non_answer

    for reply in ("Ugh!", "Yikes.", "What?", "Oh no!"):
        assert non_answer(reply, "How do I get my dog to stop peeing on the carpet?") == f"filler: {reply!r}"
