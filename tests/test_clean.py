"""``clean_text`` and ``redact_pii`` map stages, and ``curate.filters.pii``, on real rows.

Fixture: tests/fixtures/filters/clean.jsonl (rows copied unchanged from /work/shared/data). The
HTML-export and credit-card cases use short inline strings: the shared data holds no raw ShareGPT
HTML dump and no real card number (only Stripe's public test card, which is in the fixture).
"""

import json
from pathlib import Path

import polars as pl
import pytest

from curate import registry
from curate.filters import pii
from curate.schema import make_frame
from curate.stage import Context
from curate.stages.clean import CleanText, RedactPii, normalize_whitespace

FIXTURES = Path(__file__).parent / "fixtures" / "filters"


@pytest.fixture(scope="module")
def frame():
    rows = [json.loads(line) for line in (FIXTURES / "clean.jsonl").read_text().splitlines()]
    return make_frame(rows)


def _turns(df: pl.DataFrame, rid: str) -> list[str]:
    return [m["content"] for m in df.filter(pl.col("id") == rid)["messages"].to_list()[0]]


def test_registered():
    assert registry.get("clean_text") is CleanText
    assert registry.get("redact_pii") is RedactPii


def test_clean_text_repairs_real_rows(frame):
    res = CleanText().run(frame, Context())
    kept = res.kept
    assert kept.height == frame.height and res.rejected.height == 0
    # mojibake (LLaMA-Factory DPO demo)
    assert "her fiancé Cal Hockley" in "\n".join(_turns(kept, "llamafactory_dpo_en_demo.json#15"))
    assert "fiancÃ©" not in "\n".join(_turns(kept, "llamafactory_dpo_en_demo.json#15"))
    # HTML entities from machine translation / StackExchange
    assert _turns(kept, "carbonz0_zh-data-part-01.json#9334")[1].startswith("[['哈利波特', 'abcd1234'")
    assert '"hobbit"' in "\n".join(_turns(kept, "llamafactory_lima.json#34"))
    # zero-width spaces
    assert _turns(kept, "hikariming_alpaca-15323-18280_zh.json#409")[1] == "非物质对象的一个例子是想法。"
    # LaTeX \frac eaten by a JSON "\f" escape
    assert "$y = \\frac{2x-1}{3}$" in _turns(kept, "hikariming_alpaca-12345-15323_zh.json#98")[0]
    # CRLF
    assert all("\r" not in t for t in _turns(kept, "gpteacher_codegen_instruct.json#1224"))
    c = res.counters
    assert c["turns"] == sum(len(m) for m in frame["messages"].to_list())
    assert c["turns_changed.fix_mojibake"] == 1
    assert c["turns_changed.html_to_markdown"] == 0  # off by default
    assert c["turns_changed.unescape_entities"] == 2  # carbonz0 answer, LIMA answer
    assert c["turns_changed"] >= 7
    # rows with nothing to repair are untouched
    assert _turns(kept, "carbonz0_zh-data-part-00.json#7313") == _turns(frame, "carbonz0_zh-data-part-00.json#7313")


def test_clean_text_is_idempotent(frame):
    once = CleanText().run(frame, Context()).kept
    twice = CleanText().run(once, Context())
    assert twice.counters["turns_changed"] == 0
    assert twice.kept["messages"].to_list() == once["messages"].to_list()


def test_entities_inside_code_are_kept():
    df = make_frame([{"id": "x", "source": "s", "messages": [
        {"role": "user", "content": "escape it"},
        {"role": "assistant", "content": "Use &amp; in HTML:\n```html\n<p>A &amp; B</p>\n```"}]}])
    out = CleanText().run(df, Context()).kept
    assert _turns(out, "x")[1] == "Use & in HTML:\n```html\n<p>A &amp; B</p>\n```"


def test_html_export_to_markdown_keeps_code_and_html_answers():
    export = ('<div class="markdown prose"><p>Here is <strong>bold</strong> text:</p><ol><li>one</li><li>two</li></ol>'
              '<pre><code class="language-python">print("hi")\n</code></pre></div>')
    html_answer = '<form>\n  <label>Gender:</label>\n  <input type="radio" name="gender" value="male"> Male <br>\n</form>'
    df = make_frame([
        {"id": "export", "source": "s", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": export}]},
        {"id": "codealpaca_2k.json#312", "source": "s", "messages": [{"role": "user", "content": "Create an HTML form"},
                                                                  {"role": "assistant", "content": html_answer}]},
    ])
    res = CleanText(CleanText.Params(html_to_markdown=True)).run(df, Context())
    md = _turns(res.kept, "export")[1]
    assert "**bold**" in md and "1. one" in md and "```" in md and 'print("hi")' in md and "<" not in md
    assert _turns(res.kept, "codealpaca_2k.json#312")[1] == html_answer
    assert res.counters["turns_changed.html_to_markdown"] == 1


def test_normalize_whitespace_keeps_indentation():
    assert normalize_whitespace("def f():\r\n    return 1   \r\n\n\n\n\nx") == "def f():\n    return 1\n\n\nx"


def test_redact_pii_real_rows(frame):
    res = RedactPii().run(frame, Context())
    kept = res.kept
    assert _turns(kept, "carbonz0_zh-data-part-00.json#7313")[1] == "<EMAIL>"
    assert _turns(kept, "carbonz0_zh-data-part-01.json#5250")[0].endswith("\n\n<PHONE>")
    assert _turns(kept, "carbonz0_zh-data-part-01.json#5250")[1] == "<PHONE>"
    ips = _turns(kept, "carbonz0_zh-data-part-01.json#9896")
    assert ips[0].endswith("<IP>, 192.168.255.0, 255.256.12.1, <IP>")  # private and invalid kept
    card = "\n".join(_turns(kept, "medicalgpt_sharegpt_zh_1K.json#809"))
    assert '"number": "<CREDIT_CARD>"' in card and "4242424242424242" not in card
    keys = "\n".join(_turns(kept, "medicalgpt_sharegpt_zh_1K.json#991"))
    assert keys.count("<API_KEY>") == 2
    stats = dict(zip(kept["id"].to_list(), kept.select(pl.struct(pl.col("^stat_pii_.*$"))).to_series().to_list()))
    assert stats["carbonz0_zh-data-part-01.json#9896"] == {
        "stat_pii_email": 0, "stat_pii_api_key": 0, "stat_pii_credit_card": 0, "stat_pii_ip": 4, "stat_pii_phone": 0}
    assert stats["carbonz0_zh-data-part-01.json#5250"]["stat_pii_phone"] == 2
    assert stats["medicalgpt_sharegpt_zh_1K.json#991"]["stat_pii_api_key"] == 2
    assert stats["llamafactory_lima.json#34"] == dict.fromkeys(stats["llamafactory_lima.json#34"], 0)
    c = res.counters
    assert c["pii.email"] == 1 and c["pii.phone"] == 2 and c["pii.ip"] == 4 and c["pii.credit_card"] == 2
    assert c["pii.api_key"] == 2 and c["rows_changed"] == 5


def test_redact_pii_kinds_and_roles_switches(frame):
    res = RedactPii(RedactPii.Params(kinds=["email"], roles=["user"])).run(frame, Context())
    assert _turns(res.kept, "carbonz0_zh-data-part-00.json#7313")[1] == "example@gmail.com"  # assistant turn untouched
    assert [c for c in res.kept.columns if c.startswith("stat_pii_")] == ["stat_pii_email"]


@pytest.mark.parametrize("text,want", [
    ("card 4111 1111 1111 1111 ok", "card <CREDIT_CARD> ok"),
    ("binary 01010100 01110011 00100000 01110011", "binary 01010100 01110011 00100000 01110011"),
    ("table 3 6 9 12 15 18 21 24 27 30", "table 3 6 9 12 15 18 21 24 27 30"),
    ("mail bob@corp.io, not x@example.com", "mail <EMAIL>, not x@example.com"),
    ("dns 8.8.8.8, lan 10.0.0.1, version 2.10.1.5", "dns <IP>, lan 10.0.0.1, version 2.10.1.5"),
    ("call +1 415-555-0132 or 13812345678", "call <PHONE> or <PHONE>"),
    ("year 2023, pi 3.14159, id 12345", "year 2023, pi 3.14159, id 12345"),
    ("token ghp_" + "a1B2" * 9, "token <API_KEY>"),
])
def test_pii_patterns(text, want):
    assert pii.redact(text)[0] == want
