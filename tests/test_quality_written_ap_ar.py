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
