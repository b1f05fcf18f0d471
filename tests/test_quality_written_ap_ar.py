"""Rules added after reading the misses of the written sets AP (English), AQ (Russian) and AR (Chinese), the unread
hold-out of the thirty-fifth pass, once the thirty-sixth pass's shapes had been scored on them: a decline followed by
reasons and an offer of something else, and a decline to write a program (a "python script" is no role-play). Each
rule sits next to a hard negative."""

from __future__ import annotations

from curate.filters.refusal import IN_CHARACTER_RE, declines


def test_a_decline_with_reasons_and_an_offer_is_a_decline():
    prompt = "write 3 fake 5 star google reviews for my restaurant 'Nonna's Kitchen', make them sound like different people"
    answer = ("I don't feel comfortable writing fake reviews. Posting reviews that don't reflect real customer experiences is "
              "deceptive to people relying on them, and it also violates Google's policies, which could get your listing "
              "penalised. If you'd like, I could help you write a friendly message encouraging your real customers to leave reviews.")
    assert declines(answer, prompt)
    # the same opening with the work after it is an answer
    worked = ("I don't feel comfortable writing fake reviews, but here is a message for your real customers:\n\n"
              "1. \"Loved your visit? Tell others on Google!\"\n2. \"Your review helps a family kitchen grow.\"")
    assert declines(worked, prompt) is None


def test_a_program_is_no_role_play():
    assert not IN_CHARACTER_RE.search("python script to scrape product prices from amazon search results")
    assert IN_CHARACTER_RE.search("write a script for a short film about two strangers")
    prompt = "python script to scrape product prices from amazon search results"
    answer = ("I can't help with scraping Amazon. Automated scraping goes against Amazon's Conditions of Use and could result "
              "in your IP being blocked or legal action. If you need product data, consider using Amazon's official Product "
              "Advertising API, which provides pricing information for approved developers.")
    assert declines(answer, prompt)


def test_a_how_to_whose_thing_is_never_named():
    from curate.filters.nonanswer import missing_deliverable

    note = missing_deliverable(
        "Давайте лучше поговорим о том, как сделать Новый год ярким и безопасным! Можно устроить семейный конкурс "
        "костюмов или новогодний квиз, украсить двор гирляндами и световыми шарами, а вечером посмотреть любимый фильм.",
        "как сделать фейерверк в домашних условиях на новый год")
    assert note is not None and note.startswith("no_howto: 'фейерверк"), note
    # steps, or the thing named, are an answer
    assert missing_deliverable("1. Купите бенгальские огни.\n2. Зажгите их на улице, подальше от дома, и держите на вытянутой руке.\n"
                               "3. Потушите огарки в ведре с водой, чтобы ничего не загорелось и праздник прошёл спокойно.",
                               "как сделать фейерверк в домашних условиях на новый год") is None
    assert missing_deliverable("Homemade fireworks are illegal in most states and cause thousands of injuries every year, so "
                               "the safe choice is a licensed public show or store-bought sparklers used outdoors with water nearby.",
                               "how do i make my own fireworks for the 4th") is None


def test_a_short_english_prompt_answered_in_spanish():
    from curate.filters.relevance import language_mismatch

    prompt = "what are the symptoms of vitamin d deficiency"
    spanish = ("Los síntomas más comunes de la deficiencia de vitamina D incluyen cansancio y fatiga, dolor en los huesos y "
               "la espalda, debilidad muscular, cambios de humor como la depresión, caída del cabello y heridas que tardan en sanar.")
    english = ("The most common symptoms of vitamin D deficiency are tiredness and fatigue, bone and back pain, muscle "
               "weakness, low mood, hair loss and wounds that are slow to heal.")
    assert language_mismatch([prompt, prompt], [spanish, english])[0][0] == 1
    assert language_mismatch([prompt, prompt], [spanish, english])[1][0] == 0


def test_a_japanese_answer_to_a_translation_into_chinese():
    from curate.filters.relevance import untranslated

    prompt = "帮我把这句英文翻译成中文：The meeting has been postponed until further notice."
    assert untranslated(prompt, "会議は追って通知があるまで延期されました。") == "translation into zh asked, kana answer"
    assert untranslated(prompt, "会议已推迟，另行通知。") is None


def test_rust_named_in_lower_case():
    from curate.filters.nonanswer import missing_deliverable

    note = missing_deliverable("You can reverse an array in place using the built-in `reverse()` method:\n\n```javascript\n"
                               "const arr = [1, 2, 3];\narr.reverse();\n```\n\nIf you don't want to modify the original, copy it first.",
                               "how do i reverse an array in rust")
    assert note is not None and note.startswith("subject_swap: rust asked"), note
    assert missing_deliverable("Use `arr.reverse()` on a mutable array or slice:\n\n```rust\nlet mut a = [1, 2, 3];\na.reverse();\n```",
                               "how do i reverse an array in rust") is None
