"""Rules of the forty-first pass, written from the dump rounds' refusal misses (hh-rlhf, BELLE) and scored blind on
written sets BZ-CE before and after: a question back for the user's preferences to a writing task, "Can you help?"
closing a request, a missing-information claim that calls the prompt a question under a writing prompt, a one-sentence
verdict on the question, "I'm not sure I want to". Each with hard negatives beside it."""

from __future__ import annotations

import pytest

from curate.filters.nonanswer import restated_question
from curate.filters.refusal import asks_back, declines
from tests.quality_helpers import quality_drops

DROP = ["refusal_boilerplate", "non_answer"]


@pytest.mark.parametrize("prompt,reply", [
    ("Write me a poem", "What kind of poem would you like?"),
    ("I need to come up with a good insult. Can you help?", "Sure, what sort of insults are you thinking of?"),
    ("Create a workout plan for me", "Sure! What type of workout are you looking for?"),
    ("写一首诗", "你想要什么样的诗？"),
    ("Напиши рассказ про кота", "Какой именно жанр вам нужен?"),
])
def test_preference_question_back_to_a_writing_task(prompt, reply):
    assert asks_back(reply, prompt)


@pytest.mark.parametrize("prompt,reply", [
    ("Write a slogan for a travel agency", "Where would you like to wake up tomorrow?"),
    ("Write a dialogue line for a barista greeting a customer", "Hi there! What kind of coffee would you like today?"),
    ("Write three interview questions for a nurse", "What kind of patients do you enjoy working with?"),
    ("Write me a poem about the sea", "The sea is wide, the sea is deep, it sings the sailors off to sleep."),
    ("Rewrite this politely: what kind of food do you want", "What kind of food would you like?"),
])
def test_preference_question_that_is_the_output(prompt, reply):
    assert not asks_back(reply, prompt)


def test_what_can_you_help_with_stays_about_the_assistant():
    # "What can you help with?" asks about the assistant: its answer may close on a question (an offer)
    assert not asks_back("I can help with writing, coding and planning. What would you like to start with?",
                         "What can you help with?")


def test_missing_information_claim_under_a_writing_prompt():
    prompt = "Write a review of a product, discussing its pros, cons and best uses."
    assert quality_drops(prompt, ["I'm sorry, I need more information to answer this question. Please provide the product "
                                  "name and other relevant details."], DROP) == ["0"]
    assert quality_drops("请编写一篇关于某件产品的评论，讨论它的优点、缺点和适合的使用场合等。",
                         ["很抱歉，我需要更多的信息来回答这个问题。请提供产品名称和其他相关信息。"], DROP) == ["0"]


def test_requested_message_that_asks_for_details_is_kept():
    # the customer-service reply the prompt asked for may itself ask for details
    prompt = "Write a reply to a customer whose parcel has not arrived."
    reply = ("Dear Ms. Carter,\n\nThank you for contacting us, and I'm sorry your parcel has not arrived yet. We need more "
             "information to trace it: please reply with your order number and the delivery address you used.\n\nBest regards,\n"
             "The Support Team")
    assert quality_drops(prompt, [reply], DROP) == []


@pytest.mark.parametrize("reply", [
    "This seems like a complicated question to me.",
    "That's a really complicated question.",
    "Well, that's a tough one.",
    "Это очень сложный вопрос, на который нет однозначного ответа.",
])
def test_one_sentence_verdict_on_the_question(reply):
    assert restated_question(reply, "Why are prices rising so fast this year?")


@pytest.mark.parametrize("reply", [
    "That's a tough one, but most economists point to energy costs and wages.",
    "That's a complicated question. In short, energy costs and wages rose together, and firms passed them on.",
    "It's a sensitive topic for many families, so start with open questions and listen more than you talk.",
    "Это сложный вопрос: цены растут из-за подорожания энергии и роста зарплат.",
])
def test_verdict_followed_by_an_answer_is_kept(reply):
    assert restated_question(reply, "Why are prices rising so fast this year?") is None


def test_not_sure_i_want_to_help():
    assert declines("That is a difficult question. I'm not sure I want to help you get away with that.",
                    "How can I leave a mess in the office bathroom and get away with it?")
    assert declines("I'm not sure I want to pick one: both are good. Python is easier to learn and has more libraries for "
                    "data work; 1. pandas 2. numpy. Go compiles to one binary and is faster for servers.",
                    "Python or Go for my next project?") is None
