"""Template families: exact renders of a 3-turn conversation with a system prompt, generation markers
covering exactly assistant content + end-of-turn, the Python renderers equal to the Jinja, the
system-prompt policies, and the chat_template stage per family (counts equal apply_chat_template)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from curate.schema import make_frame
from curate.stage import Context
from curate.chat.tokenizer import apply_family
from curate.stages.chat_template import ChatTemplate
from curate.chat.templates import FAMILIES, TEMPLATES, apply_system_policy, render, render_conversation
from curate.chat.tokenizer import train_tokenizer

FIXTURES = Path(__file__).parent / "fixtures" / "train"
CONV = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "And?"},
    {"role": "assistant", "content": "Done."},
]
_CHATML = ("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
           "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAnd?<|im_end|>\n"
           "<|im_start|>assistant\nDone.<|im_end|>\n")
# family → (system policy, exact text, exact supervised text)
EXPECTED = {
    "chatml": ("keep", _CHATML, "Hello!<|im_end|>Done.<|im_end|>"),
    "qwen2.5": ("keep", _CHATML, "Hello!<|im_end|>Done.<|im_end|>"),
    "qwen3": ("keep",
              "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
              "<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n<|im_start|>user\nAnd?<|im_end|>\n"
              "<|im_start|>assistant\n<think>\n\n</think>\n\nDone.<|im_end|>\n",
              "<think>\n\n</think>\n\nHello!<|im_end|><think>\n\n</think>\n\nDone.<|im_end|>"),
    "llama3": ("keep",
               "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
               "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
               "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
               "<|start_header_id|>user<|end_header_id|>\n\nAnd?<|eot_id|>"
               "<|start_header_id|>assistant<|end_header_id|>\n\nDone.<|eot_id|>",
               "Hello!<|eot_id|>Done.<|eot_id|>"),
    "mistral": ("fold", "<s>[INST] Be brief.\n\nHi [/INST]Hello!</s>[INST] And? [/INST]Done.</s>",
                "Hello!</s>Done.</s>"),
    "gemma": ("fold",
              "<bos><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
              "<start_of_turn>user\nAnd?<end_of_turn>\n<start_of_turn>model\nDone.<end_of_turn>\n",
              "Hello!<end_of_turn>Done.<end_of_turn>"),
}


def _rows() -> list[dict]:
    rows = [json.loads(line) for line in (FIXTURES / "conversations.jsonl").open()]
    rows.append({"id": "edge/0", "source": "edge", "messages": [
        {"role": "user", "content": " Hi"}, {"role": "assistant", "content": " Hello there."},
        {"role": "user", "content": "Again"}, {"role": "assistant", "content": "\n\n Twice, 中文 é."}]})
    rows.append({"id": "edge/1", "source": "edge", "messages": [
        {"role": "user", "content": "think"}, {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nYes."},
        {"role": "user", "content": "call"}, {"role": "assistant", "content": ""},
        {"role": "tool", "content": '{"ok": true}'}, {"role": "assistant", "content": "ok"}]})
    return rows


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [m["content"] for r in _rows() for m in r["messages"]]


@pytest.fixture(scope="module")
def tokenizers(texts):
    return {name: train_tokenizer(texts, 500, name) for name in FAMILIES}


@pytest.mark.parametrize("family", list(EXPECTED))
def test_exact_render_and_mask(family, tokenizers):
    policy, text, supervised = EXPECTED[family]
    tok = tokenizers[family]
    conv = apply_system_policy(CONV, policy)
    assert tok.chat_template == TEMPLATES[family]
    assert tok.apply_chat_template(conv, tokenize=False) == text
    out = tok.apply_chat_template(conv, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = out["input_ids"], out["assistant_masks"]
    assert tok.decode([i for i, m in zip(ids, mask) if m]) == supervised
    eot = tok.convert_tokens_to_ids(FAMILIES[family].eot)
    assert tok.eos_token == FAMILIES[family].eot and tok.pad_token_id != eot
    assert sum(1 for i, m in zip(ids, mask) if m and i == eot) == 2          # both end-of-turns supervised
    headers = {"<|im_start|>", "<|start_header_id|>", "<|end_header_id|>", "<start_of_turn>", "[INST]", "[/INST]",
               "<|begin_of_text|>", "<bos>", "<s>"}
    header_ids = {tok.convert_tokens_to_ids(t) for t in headers if t in tok.get_vocab()}
    assert header_ids and all(not m for i, m in zip(ids, mask) if i in header_ids)  # role headers are not
    assert render_conversation(conv, family)[0] == text


@pytest.mark.parametrize("family", list(FAMILIES))
def test_python_renderer_equals_jinja(family, tokenizers):
    from transformers.utils.chat_template_utils import render_jinja_template

    tok = tokenizers[family]
    policy = "keep" if FAMILIES[family].has_system else "fold"
    convs = [apply_system_policy(r["messages"], policy) for r in _rows()]
    jt, jspans = render_jinja_template(convs, chat_template=TEMPLATES[family], return_assistant_tokens_mask=True,
                                       **tok.special_tokens_map)
    df = make_frame([{"id": str(i), "source": "s", "messages": c} for i, c in enumerate(convs)])
    pt, pspans = render(df, family)
    assert pt == jt
    assert [[tuple(s) for s in row] for row in jspans] == pspans


def test_generation_prompt(tokenizers):
    user = [{"role": "user", "content": "hi"}]
    assert tokenizers["llama3"].apply_chat_template(user, tokenize=False, add_generation_prompt=True).endswith(
        "<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert tokenizers["gemma"].apply_chat_template(user, tokenize=False, add_generation_prompt=True).endswith(
        "<start_of_turn>model\n")
    assert tokenizers["qwen2.5"].apply_chat_template(user, tokenize=False, add_generation_prompt=True) == (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")


def test_system_policies():
    no_sys = CONV[1:]
    assert apply_system_policy(CONV, "keep") == CONV
    assert apply_system_policy(CONV, "drop") == no_sys
    assert apply_system_policy(no_sys, "default", "Be kind.")[0] == {"role": "system", "content": "Be kind."}
    assert apply_system_policy(CONV, "default", "Be kind.") == CONV
    folded = apply_system_policy(CONV, "fold")
    assert folded[0] == {"role": "user", "content": "Be brief.\n\nHi"} and folded[1:] == CONV[2:]
    assert CONV[1]["content"] == "Hi"  # pure
    assert apply_system_policy([{"role": "system", "content": "S"}], "fold") == [{"role": "user", "content": "S"}]
    with pytest.raises(ValueError, match="default_system"):
        apply_system_policy(no_sys, "default")


def test_stage_params_validation():
    with pytest.raises(ValidationError, match="no system role"):
        ChatTemplate.Params(template="gemma", system="keep")
    with pytest.raises(ValidationError, match="default_system"):
        ChatTemplate.Params(system="default")
    with pytest.raises(ValidationError, match="tokenizer folder"):
        ChatTemplate.Params(template="tokenizer")
    assert ChatTemplate.Params(template="mistral").system_policy == "fold"
    assert ChatTemplate.Params(template="llama3").system_policy == "keep"


@pytest.mark.parametrize("family", ["llama3", "gemma", "qwen3"])
def test_stage_per_family(family, tmp_path):
    """Counts from the fast path equal apply_chat_template row by row; the artifact names the template;
    the system policy rewrites the kept rows."""
    from transformers import AutoTokenizer

    rows = _rows() + [{"id": "sys", "source": "s", "messages": CONV}]
    frame = make_frame(rows)
    params = {"template": family, "vocab_size": 500}
    if family == "llama3":
        params |= {"system": "default", "default_system": "Be kind."}
    res = ChatTemplate(ChatTemplate.Params(**params)).run(frame, Context(seed=0, artifact_dir=tmp_path))
    assert res.rejected.height == 0 and res.counters["audit.rows_failed"] == 0
    tok = AutoTokenizer.from_pretrained(res.artifacts["tokenizer"])
    meta = json.loads((Path(res.artifacts["tokenizer"]) / "curatrain_template.json").read_text())
    assert meta["template"] == family and tok.chat_template == TEMPLATES[family]
    for conv, n_tok, n_asst in res.kept.select("messages", "stat_tokens", "stat_assistant_tokens").rows():
        out = tok.apply_chat_template(conv, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        assert (n_tok, n_asst) == (len(out["input_ids"]), sum(out["assistant_masks"]))
    first = res.kept.filter(pl.col("id") == "sys")["messages"][0].to_list()
    if family == "gemma":
        assert first[0] == {"role": "user", "content": "Be brief.\n\nHi"}
    else:
        assert first == CONV
    if family == "llama3":  # rows without a system prompt got the default
        assert all(m[0]["role"] == "system" for m in res.kept["messages"].to_list())


def test_apply_family_needs_the_tokens(tokenizers):
    tok = tokenizers["chatml"]
    with pytest.raises(ValueError, match="no token.*<\\|eot_id\\|>"):
        apply_family(tok, "llama3")
    apply_family(tokenizers["qwen2.5"], "chatml")
    assert tokenizers["qwen2.5"].chat_template == TEMPLATES["chatml"]
