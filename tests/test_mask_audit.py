"""The mask-coverage audit catches the silent partial-mask loss of anchors §4.7: a tokenizer built with
``trim_offsets=True`` and an assistant reply starting with a space gives that turn and every later turn
a 0 mask, which TRL does not notice. Planted rows are caught 100%, clean rows pass, in the stage
(rejects with reason mask_mismatch), in ``audit_conversations`` and in ``train_model``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from curate.schema import make_frame
from curate.stage import Context
from curate.stages.chat_template import ChatTemplate
from curate.chat.audit import audit_conversations
from curate.chat.templates import CHATML
from curate.chat.tokenizer import train_tokenizer

FIXTURES = Path(__file__).parent / "fixtures" / "train"


def _clean_rows() -> list[dict]:
    rows = [json.loads(line) for line in (FIXTURES / "conversations.jsonl").open()]
    for r in rows:  # no assistant reply starts with whitespace: these must pass
        for m in r["messages"]:
            if m["role"] == "assistant":
                m["content"] = m["content"].lstrip() or "ok"
    return rows


def _planted(rows: list[dict], seed: int = 0, prefixes: tuple[str, ...] = (" ",)) -> list[dict]:
    """A copy of every row with one assistant reply (chosen at random) given a leading space."""
    rng = random.Random(seed)
    out = []
    for r in rows:
        msgs = [dict(m) for m in r["messages"]]
        turns = [i for i, m in enumerate(msgs) if m["role"] == "assistant"]
        k = rng.choice(turns)
        msgs[k]["content"] = rng.choice(prefixes) + msgs[k]["content"]
        out.append({"id": f"plant/{r['id']}", "source": "plant", "messages": msgs, "turn": turns.index(k)})
    return out


@pytest.fixture(scope="module")
def data():
    clean = _clean_rows()
    planted = _planted(clean)
    return clean, planted


@pytest.fixture(scope="module")
def trim_dir(data, tmp_path_factory) -> Path:
    clean, _ = data
    tok = train_tokenizer([m["content"] for r in clean for m in r["messages"]], 600, trim_offsets=True)
    path = tmp_path_factory.mktemp("trim") / "tok"
    tok.save_pretrained(path)
    return path


def _supervised_text_ok(tok, conv) -> bool:
    """Ground truth from the text: the masked tokens decode to every reply + <|im_end|>."""
    out = tok.apply_chat_template(conv, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    got = tok.decode([i for i, m in zip(out["input_ids"], out["assistant_masks"]) if m])
    return got == "".join(m["content"] + "<|im_end|>" for m in conv if m["role"] == "assistant")


def test_planted_rows_really_lose_supervision(data, trim_dir):
    from transformers import AutoTokenizer

    clean, planted = data
    tok = AutoTokenizer.from_pretrained(trim_dir)
    assert all(_supervised_text_ok(tok, r["messages"]) for r in clean)
    assert not any(_supervised_text_ok(tok, r["messages"]) for r in planted)
    # and TRL's own check (some assistant token) passes on most of them: the loss is silent
    silent = [r for r in planted if any(tok.apply_chat_template(r["messages"], tokenize=True, return_dict=True,
                                                                 return_assistant_tokens_mask=True)["assistant_masks"])]
    assert silent


def test_stage_rejects_every_planted_row(data, trim_dir, tmp_path):
    clean, planted = data
    frame = make_frame(clean + planted)
    stage = ChatTemplate(ChatTemplate.Params(tokenizer=str(trim_dir), template="chatml"))
    res = stage.run(frame, Context(seed=0, artifact_dir=tmp_path))
    assert sorted(res.rejected["id"].to_list()) == sorted(r["id"] for r in planted)      # 100% caught
    assert set(res.kept["id"].to_list()) == {r["id"] for r in clean}                     # no false alarm
    assert set(res.rejected["drop_reason"]) == {"mask_mismatch"}
    assert res.counters["dropped.mask_mismatch"] == len(planted)
    assert res.counters["audit.rows_checked"] == frame.height and res.counters["audit.rows_failed"] == len(planted)
    by_id = dict(zip(res.rejected["id"], res.rejected["drop_detail"]))
    for r in planted:
        assert f"assistant turn {r['turn']} (message" in by_id[r["id"]] and "masked 0" in by_id[r["id"]], by_id[r["id"]]


def test_exact_path_catches_every_planted_row(data, trim_dir):
    from transformers import AutoTokenizer

    clean, planted = data
    tok = AutoTokenizer.from_pretrained(trim_dir)
    res = audit_conversations(tok, [r["messages"] for r in clean + planted], batch_size=7)
    assert res.rows_checked == len(clean) + len(planted)
    assert res.failed_indices() == list(range(len(clean), len(clean) + len(planted)))


def test_audit_agrees_with_the_text(data, trim_dir):
    """Other leading whitespace sometimes survives (a token straddles the header): the audit flags a row
    exactly when the supervised tokens do not decode to the replies."""
    from transformers import AutoTokenizer

    clean, _ = data
    tok = AutoTokenizer.from_pretrained(trim_dir)
    mixed = _planted(clean, seed=1, prefixes=("  ", "\n", " \n", "\t", "\n\n"))
    convs = [r["messages"] for r in mixed]
    truth = [not _supervised_text_ok(tok, c) for c in convs]
    assert any(truth) and not all(truth)
    assert [d is not None for d in audit_conversations(tok, convs).details] == truth


def test_later_turns_lost_too(trim_dir):
    """Only the second reply starts with a space: turn 0 is fine, turn 1 is reported."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(trim_dir)
    conv = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "Fine."},
            {"role": "user", "content": "b"}, {"role": "assistant", "content": " Lost."},
            {"role": "user", "content": "c"}, {"role": "assistant", "content": "Also lost."}]
    detail = audit_conversations(tok, [conv]).details[0]
    assert "assistant turn 0" not in detail
    assert "assistant turn 1 (message 3): expected" in detail and "assistant turn 2 (message 5)" in detail


def test_template_faults(trim_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(trim_dir)
    conv = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    eot_outside = CHATML.replace("message['content'] + '<|im_end|>' }}{%- endgeneration %}",
                                 "message['content'] }}{%- endgeneration %}{{- '<|im_end|>' }}")
    assert eot_outside != CHATML
    assert "not an end-of-turn token" in audit_conversations(tok, [conv], chat_template=eot_outside).details[0]
    no_markers = CHATML.replace("{%- generation %}", "").replace("{%- endgeneration %}", "")
    assert "template marks 0 of 1 assistant turns" in audit_conversations(tok, [conv], chat_template=no_markers).details[0]
    assert audit_conversations(tok, [conv]).details == [None]


def test_stage_audit_stop_and_off(data, trim_dir, tmp_path):
    clean, planted = data
    frame = make_frame(clean[:3] + planted[:2])
    with pytest.raises(ValueError, match="2 of 5 rows would train on a partial assistant mask"):
        ChatTemplate(ChatTemplate.Params(tokenizer=str(trim_dir), audit="stop")).run(
            frame, Context(seed=0, artifact_dir=tmp_path / "a"))
    res = ChatTemplate(ChatTemplate.Params(tokenizer=str(trim_dir), audit="off")).run(
        frame, Context(seed=0, artifact_dir=tmp_path / "b"))
    assert res.rejected.height == 0 and res.counters["audit.rows_checked"] == 0


def test_train_model_audits_the_exact_tokenizer(data, trim_dir, tmp_path):
    from train.sft import train_model
    from train.spec import TrainSpec

    clean, planted = data
    path = tmp_path / "curated.parquet"
    make_frame(clean + planted).write_parquet(path)
    spec = dict(max_steps=2, batch_size=4, logging_steps=1, max_length=128, eval_fraction=0.0, tiny={"vocab_size": 600})
    with pytest.raises(ValueError, match=r"mask audit: \d+ of 60 train rows would train on a partial"):
        train_model(path, TrainSpec(**spec), tmp_path / "m", seed=0, tokenizer_dir=trim_dir, lineage={},
                    echo=lambda s: None)
    result = train_model(path, TrainSpec(audit="drop", **spec), tmp_path / "m", seed=0, tokenizer_dir=trim_dir,
                         lineage={}, echo=lambda s: None)
    assert result["audit"] == {"rows_checked": 60, "rows_failed": 30, "rows_dropped": 30}
    assert result["rows_train"] == 30 and "plant" not in result["mix"]
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["audit"]["rows_dropped"] == 30
