"""The ``chat_template`` stage and the tiny tokenizer: token counts equal ``apply_chat_template``,
``too_many_tokens`` drops, the tokenizer artifact, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from curate import registry
from curate.schema import make_frame
from curate.stage import Context
from curate.chat.tokenizer import count_tokens
from curate.stages.chat_template import ChatTemplate
from curate.chat.templates import CHATML, render_chatml


def _rows(fixtures: Path) -> list[dict]:
    rows = [json.loads(line) for line in (fixtures / "train" / "conversations.jsonl").open()]
    # edge cases for the assistant mask: leading space / newlines (the trim_offsets pitfall),
    # an empty reply, non-ASCII text, a tool turn
    rows.append({"id": "edge/0", "source": "edge", "messages": [
        {"role": "system", "content": " Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": " Hello there."},
        {"role": "user", "content": "Again"},
        {"role": "assistant", "content": "\n\n Twice, with 中文 and é."},
    ]})
    rows.append({"id": "edge/1", "source": "edge", "messages": [
        {"role": "user", "content": "call it"},
        {"role": "assistant", "content": '{"name": "f", "arguments": {}}'},
        {"role": "tool", "content": '{"ok": true}'},
        {"role": "assistant", "content": ""},
    ]})
    return rows


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return make_frame(_rows(FIXTURES))


def _run(df: pl.DataFrame, tmp: Path, **params):
    stage = ChatTemplate(ChatTemplate.Params(**{"vocab_size": 600, **params}))
    tmp.mkdir(parents=True, exist_ok=True)
    return stage.run(df, Context(seed=0, artifact_dir=tmp))


@pytest.fixture(scope="module")
def result(frame, tmp_path_factory):
    return _run(frame, tmp_path_factory.mktemp("ct"))


def test_registered_and_params_forbid_typos():
    assert registry.get("chat_template") is ChatTemplate
    with pytest.raises(ValidationError):
        ChatTemplate.Params(max_token=5)
    with pytest.raises(ValidationError):
        ChatTemplate.Params(template="alpaca")


def test_counts_equal_apply_chat_template_per_row(frame, result):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(result.artifacts["tokenizer"])
    got = result.kept.select("id", "stat_tokens", "stat_assistant_tokens").rows()
    assert len(got) == frame.height
    for (rid, n_tok, n_asst), conv in zip(got, frame["messages"].to_list()):
        out = tok.apply_chat_template(conv, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        assert (n_tok, n_asst) == (len(out["input_ids"]), sum(out["assistant_masks"])), rid
    # every assistant turn is supervised, including its <|im_end|>: at least content + 1 token each
    edge = result.kept.filter(pl.col("id") == "edge/1")
    assert edge["stat_assistant_tokens"][0] >= 3


def test_fast_path_equals_generic_path(frame, result, tmp_path):
    # template: tokenizer goes through apply_chat_template in batches (and the Jinja audit); same numbers.
    # The tokenizer is saved as the stage's artifact either way, naming its template, so train: agrees.
    res = _run(frame, tmp_path, tokenizer=result.artifacts["tokenizer"], template="tokenizer")
    meta = json.loads((Path(res.artifacts["tokenizer"]) / "curatrain_template.json").read_text())
    assert meta["template"] == "tokenizer" and meta["system"] == "keep"
    assert res.counters["audit.rows_checked"] == frame.height and res.counters["audit.rows_failed"] == 0
    cols = ["id", "stat_tokens", "stat_assistant_tokens"]
    assert res.kept.select(cols).rows() == result.kept.select(cols).rows()


def test_render_chatml_matches_jinja(frame, result):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(result.artifacts["tokenizer"])
    texts, spans = render_chatml(frame)
    for text, row_spans, conv in zip(texts, spans, frame["messages"].to_list()):
        assert text == tok.apply_chat_template(conv, tokenize=False)
        asst = [m["content"] for m in conv if m["role"] == "assistant"]
        assert [text[s:e] for s, e in row_spans] == [c + "<|im_end|>" for c in asst]


def test_too_many_tokens_dropped_with_detail(frame, result, tmp_path):
    limit = int(result.kept["stat_tokens"].median())
    res = _run(frame, tmp_path, max_tokens=limit)
    over = result.kept.filter(pl.col("stat_tokens") > limit)
    assert res.kept.height + res.rejected.height == frame.height
    assert res.rejected["id"].to_list() == over["id"].to_list()
    assert set(res.rejected["drop_reason"]) == {"too_many_tokens"}
    assert res.rejected["drop_detail"].to_list() == [f"stat_tokens={n} > max_tokens={limit}" for n in over["stat_tokens"]]
    assert res.counters["dropped.too_many_tokens"] == over.height
    assert (res.kept["stat_tokens"] <= limit).all()


def test_min_assistant_tokens(frame, result, tmp_path):
    floor = int(result.kept["stat_assistant_tokens"].quantile(0.25))
    res = _run(frame, tmp_path, min_assistant_tokens=floor)
    assert res.rejected.height > 0
    assert set(res.rejected["drop_reason"]) == {"too_few_assistant_tokens"}
    assert (res.rejected["stat_assistant_tokens"] < floor).all()
    assert (res.kept["stat_assistant_tokens"] >= floor).all()


def test_tokenizer_artifact(result):
    from transformers import AutoTokenizer

    path = Path(result.artifacts["tokenizer"])
    assert (path / "tokenizer.json").is_file() and (path / "chat_template.jinja").is_file()
    tok = AutoTokenizer.from_pretrained(path)
    assert tok.chat_template == CHATML
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|pad|>" and tok.pad_token_id != tok.eos_token_id
    assert tok.bos_token is None
    prompt = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_tokenizer_is_deterministic(frame, result, tmp_path):
    again = _run(frame, tmp_path)
    a = (Path(result.artifacts["tokenizer"]) / "tokenizer.json").read_bytes()
    b = (Path(again.artifacts["tokenizer"]) / "tokenizer.json").read_bytes()
    assert a == b
    assert again.kept.equals(result.kept)


def test_empty_frame(tmp_path):
    res = _run(make_frame([]), tmp_path)
    assert res.kept.height == 0 and "stat_tokens" in res.kept.columns


def test_count_tokens_batches(result, frame):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(result.artifacts["tokenizer"])
    convs = frame["messages"].to_list()
    assert count_tokens(tok, convs, batch_size=7) == count_tokens(tok, convs, batch_size=1000)


@pytest.mark.parametrize("trim_offsets", [False, True])
def test_audit_shortcut_equals_the_full_replay(frame, monkeypatch, trim_offsets):
    # count_and_audit's shortcut for plain rows gives the numbers of transformers' mask replay + audit_row,
    # on clean rows and on rows that fail the audit (trim_offsets=True: a reply starting with a space)
    from curate.chat import audit
    from curate.chat.templates import render
    from curate.chat.tokenizer import train_tokenizer

    texts_all = [m["content"] for conv in frame["messages"].to_list() for m in conv]
    tok = train_tokenizer(texts_all, 600, trim_offsets=trim_offsets)
    texts, spans = render(frame, "chatml")
    n_asst = [sum(m["role"] == "assistant" for m in conv) for conv in frame["messages"].to_list()]
    fast = audit.count_and_audit(tok, texts, spans, n_asst)
    monkeypatch.setattr(audit, "_clean_row", lambda *a: None)
    assert fast == audit.count_and_audit(tok, texts, spans, n_asst)
    assert any(d is not None for d in fast[2]) == trim_offsets
