"""lm_score: response perplexity, IFD and reward on tiny models built from configs, saved to a folder and
loaded through the same ``from_pretrained`` path a hub id takes.

Hand checks: the conditioned and unconditioned perplexities of one real row recomputed with torch on the
same model, IFD = their ratio, batch-size invariance, a rerun served from the cache with no forward call,
threshold drops with their details, the offline error. The slow test plants an easy/hard split
(copy tasks vs unrelated answers), trains the tiny model on it for a few hundred steps and checks that IFD
separates the two (AUC bound measured with margin; figures in benchmarks/results/lm_score.md).
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from curate.registry import get
from curate.schema import make_frame
from curate.stage import Context

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from curate.chat.tokenizer import train_tokenizer  # noqa: E402


def _rows(fixtures, n=12):
    lines = (fixtures / "train" / "conversations.jsonl").read_text().splitlines()[:n]
    return [json.loads(x) for x in lines]


def make_causal_lm(folder, texts, *, vocab_size=400, hidden=32, layers=2, seed=0, max_pos=512):
    """Save a tiny random Llama (``LlamaConfig``) and a BPE tokenizer trained on ``texts`` to ``folder``."""
    tok = train_tokenizer(texts, vocab_size=vocab_size)
    torch.manual_seed(seed)
    cfg = transformers.LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden,
                                   num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4,
                                   max_position_embeddings=max_pos, tie_word_embeddings=True,
                                   eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    model = transformers.LlamaForCausalLM(cfg)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return model.eval(), tok


@pytest.fixture(scope="module")
def frame():
    from tests.conftest import FIXTURES

    return make_frame(_rows(FIXTURES))


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory, frame):
    folder = tmp_path_factory.mktemp("tiny_lm")
    texts = [m["content"] for conv in frame["messages"].to_list() for m in conv]
    model, tok = make_causal_lm(folder, texts)
    return folder, model, tok


def run_stage(df, ctx=None, **params):
    cls = get("lm_score")
    return cls(cls.Params(**params)).run(df, ctx or Context())


def hand_nll(model, ids, scored):
    """Mean NLL of positions ``scored`` (indices into ids) of one unpadded sequence, torch by hand."""
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
    return -sum(logp[t - 1, ids[t]].item() for t in scored) / len(scored)


def test_perplexity_and_ifd_match_a_hand_computation(tiny_lm, frame):
    folder, model, tok = tiny_lm
    res = run_stage(frame, model=str(folder), batch_size=4)
    assert res.kept.height == frame.height and res.rejected.height == 0
    row = res.kept.row(0, named=True)
    msgs = row["messages"]  # fastchat identity row: user, assistant, user, assistant
    start = tok.eos_token_id  # the chatml tiny tokenizer has no bos: EOS starts a document
    q = tok(msgs[0]["content"] + "\n\n", add_special_tokens=False)["input_ids"]
    a = tok(msgs[1]["content"], add_special_tokens=False)["input_ids"]
    cond = [start] + q + a
    ppl_c = math.exp(hand_nll(model, cond, range(1 + len(q), len(cond))))
    ppl_a = math.exp(hand_nll(model, [start] + a, range(1, 1 + len(a))))
    assert row["stat_ppl_tokens"] == len(a)
    assert row["stat_ppl_response"] == pytest.approx(ppl_c, rel=1e-5)
    assert row["stat_ppl_response_alone"] == pytest.approx(ppl_a, rel=1e-5)
    assert row["stat_ifd"] == pytest.approx(ppl_c / ppl_a, rel=1e-5)
    ifd = res.kept["stat_ifd"].to_numpy()
    ratio = (res.kept["stat_ppl_response"] / res.kept["stat_ppl_response_alone"]).to_numpy()
    np.testing.assert_allclose(ifd, ratio, rtol=1e-12)
    # a random model is near-uniform over the vocabulary, so perplexities sit near its size
    assert 0.5 * len(tok) < res.kept["stat_ppl_response_alone"].min() < res.kept["stat_ppl_response_alone"].max() < 2 * len(tok)


def test_all_turns_score_every_answer(tiny_lm, frame):
    folder, model, tok = tiny_lm
    first = run_stage(frame.head(1), model=str(folder))
    both = run_stage(frame.head(1), model=str(folder), turns="all")
    msgs = frame["messages"][0].to_list()
    n_ans = sum(len(tok(m["content"], add_special_tokens=False)["input_ids"]) for m in msgs if m["role"] == "assistant")
    assert both.kept["stat_ppl_tokens"][0] == n_ans > first.kept["stat_ppl_tokens"][0]


def test_chat_template_format_scores_what_the_assistant_turn_adds(tiny_lm, frame):
    folder, model, tok = tiny_lm
    res = run_stage(frame.head(1), model=str(folder), format="chat_template")
    msgs = frame["messages"][0].to_list()
    # chatml: '<|im_start|>assistant\n' is the prompt side; 'content<|im_end|>\n' is the answer
    a = tok(msgs[1]["content"] + "<|im_end|>\n", add_special_tokens=False)["input_ids"]
    assert res.kept["stat_ppl_tokens"][0] == len(a)


def test_batch_size_and_order_do_not_change_scores(tiny_lm, frame):
    folder, _, _ = tiny_lm
    one = run_stage(frame, model=str(folder), batch_size=1)
    many = run_stage(frame.reverse(), model=str(folder), batch_size=5).kept.reverse()
    for c in ("stat_ppl_response", "stat_ppl_response_alone", "stat_ifd"):
        np.testing.assert_allclose(one.kept[c].to_numpy(), many[c].to_numpy(), rtol=1e-5)
    again = run_stage(frame, model=str(folder), batch_size=1)
    assert again.kept.equals(one.kept)


def test_rerun_hits_the_cache_without_a_forward_pass(tiny_lm, frame, tmp_path, monkeypatch):
    folder, _, _ = tiny_lm
    calls = []
    orig = transformers.LlamaForCausalLM.forward

    def counting(self, *a, **k):
        calls.append(1)
        return orig(self, *a, **k)

    monkeypatch.setattr(transformers.LlamaForCausalLM, "forward", counting)
    ctx = Context(cache_dir=tmp_path)
    first = run_stage(frame, ctx, model=str(folder), batch_size=4)
    n_seq = first.counters["sequences"]
    assert first.counters["sequences_computed"] == n_seq and len(calls) == math.ceil(n_seq / 4)
    calls.clear()
    second = run_stage(frame, ctx, model=str(folder), batch_size=4, max_ifd=5.0)
    assert calls == [] and second.counters["sequences_cached"] == n_seq
    assert second.kept.equals(first.kept)
    # one edited row: only its two sequences run again
    edited = frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(
        pl.col("messages").list.eval(pl.struct(role=pl.element().struct.field("role"),
                                               content=pl.element().struct.field("content") + "!")))
        .otherwise(pl.col("messages")).alias("messages"))
    third = run_stage(edited, ctx, model=str(folder), batch_size=4)
    assert third.counters["sequences_computed"] == 2 and len(calls) == 1


def test_thresholds_drop_with_reasons_and_details(tiny_lm, frame):
    folder, _, _ = tiny_lm
    scored = run_stage(frame, model=str(folder)).kept
    ifd = scored["stat_ifd"].to_numpy()
    cut = float(np.median(ifd))
    res = run_stage(frame, model=str(folder), max_ifd=cut)
    want = set(scored.filter(pl.col("stat_ifd") > cut)["id"])
    assert set(res.rejected["id"]) == want and len(want) == (ifd > cut).sum() > 0
    assert set(res.rejected["drop_reason"]) == {"ifd_above_max"}
    assert res.counters["dropped.ifd_above_max"] == len(want)
    r = res.rejected.row(0, named=True)
    assert r["drop_detail"] == f"stat_ifd={round(r['stat_ifd'], 4)} > {cut:g}"
    lo = float(scored["stat_ppl_response"].min())
    res2 = run_stage(frame, model=str(folder), min_ppl=lo + 1e-9, max_ifd=1e9)
    assert res2.rejected["drop_reason"].to_list() == ["ppl_below_min"]


def test_rows_without_an_answer_get_null_stats_and_stay(tiny_lm):
    folder, _, _ = tiny_lm
    df = make_frame([{"id": "a", "source": "s", "messages": [{"role": "user", "content": "hello there"},
                                                            {"role": "assistant", "content": ""}]},
                     {"id": "b", "source": "s", "messages": [{"role": "user", "content": "hi"},
                                                            {"role": "assistant", "content": "hello"}]}])
    res = run_stage(df, model=str(folder), max_ifd=0.001, max_ppl=1.0)
    assert res.kept["id"].to_list() == ["a"] and res.kept["stat_ifd"].to_list() == [None]
    assert res.counters["rows_without_response"] == 1
    assert res.rejected["drop_reason"].to_list() == ["ppl_above_max"]


def test_params_are_checked():
    cls = get("lm_score")
    with pytest.raises(ValueError, match="need scorer: perplexity"):
        cls.Params(model="m", scorer="reward", max_ifd=1.0)
    with pytest.raises(ValueError, match="min_reward needs scorer: reward"):
        cls.Params(model="m", min_reward=0.0)
    with pytest.raises(ValueError, match="extra"):
        cls.Params(model="m", max_idf=1.0)


def test_hub_id_not_cached_offline_is_a_one_line_error(tmp_path, monkeypatch, frame):
    import huggingface_hub.constants as c

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(c, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(c, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ValueError) as e:
        run_stage(frame.head(1), model="nobody-here/no-such-model")
    msg = str(e.value)
    assert "\n" not in msg and "not in the local Hugging Face cache and HF_HUB_OFFLINE=1" in msg
    assert "hf download nobody-here/no-such-model" in msg


def test_cache_key_changes_with_the_weights(tmp_path, frame):
    from curate.score.models import resolve_model

    texts = [m["content"] for conv in frame["messages"].to_list() for m in conv]
    make_causal_lm(tmp_path / "m", texts, seed=0)
    k0 = resolve_model(str(tmp_path / "m"))[1]
    make_causal_lm(tmp_path / "m", texts, seed=1)
    assert resolve_model(str(tmp_path / "m"))[1] != k0


# -- reward model -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_rm(tmp_path_factory, frame):
    folder = tmp_path_factory.mktemp("tiny_rm")
    texts = [m["content"] for conv in frame["messages"].to_list() for m in conv]
    tok = train_tokenizer(texts, vocab_size=400)
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                  intermediate_size=64, max_position_embeddings=512, num_labels=1,
                                  pad_token_id=tok.pad_token_id)
    model = transformers.BertForSequenceClassification(cfg).eval()
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder, model, tok


@pytest.mark.parametrize("fmt", ["chat_template", "plain"])
def test_reward_matches_the_model_logit(tiny_rm, frame, fmt):
    folder, model, tok = tiny_rm
    res = run_stage(frame, model=str(folder), scorer="reward", format=fmt, batch_size=3)
    msgs = frame["messages"][0].to_list()[:2]
    if fmt == "chat_template":
        enc = tok(tok.apply_chat_template(msgs, tokenize=False), add_special_tokens=False, return_tensors="pt")
    else:
        enc = tok(msgs[0]["content"], msgs[1]["content"], return_tensors="pt")
    with torch.no_grad():
        want = model(**enc).logits[0, 0].item()
    assert res.kept["stat_reward"][0] == pytest.approx(want, rel=1e-5, abs=1e-6)
    assert res.kept["stat_reward"].null_count() == 0 and res.kept["stat_reward"].n_unique() > 1


def test_reward_threshold_alpagasus_style(tiny_rm, frame):
    folder, _, _ = tiny_rm
    scored = run_stage(frame, model=str(folder), scorer="reward").kept
    cut = float(scored["stat_reward"].median())
    res = run_stage(frame, model=str(folder), scorer="reward", min_reward=cut)
    assert set(res.rejected["id"]) == set(scored.filter(pl.col("stat_reward") < cut)["id"])
    assert set(res.rejected["drop_reason"]) == {"reward_below_min"}
    assert res.rejected["drop_detail"][0].startswith("stat_reward=") and f"< {cut:g}" in res.rejected["drop_detail"][0]


# -- planted easy/hard split (issue 14: "IFD on the tiny model correlates with a planted easy/hard split") --

WORDS = ("apple river stone cloud green house music paper light window table garden silver orange winter "
         "summer forest ocean bread chair lemon tiger horse plane train shirt candle mirror pencil basket "
         "rocket violin castle island desert meadow pepper marble copper falcon").split()


#: the easy pairs' successor map: a fixed random cycle through WORDS
_CYCLE = random.Random(0).sample(WORDS, len(WORDS))
NEXT = {w: _CYCLE[(i + 1) % len(_CYCLE)] for i, w in enumerate(_CYCLE)}


def planted_pairs(n, seed, n_words=5):
    """``n`` easy and ``n`` hard (prompt, response, is_hard) triples, interleaved. Easy: "continue: X" →
    the ``n_words`` words after X on a fixed cycle (NEXT), so the instruction determines the answer. Hard:
    "topic: X" → ``n_words`` words drawn independently of X and of each other."""
    rng = random.Random(seed)
    out = []
    for i in range(2 * n):
        x = rng.choice(WORDS)
        if i % 2 == 0:
            ans = [NEXT[x]]
            while len(ans) < n_words:
                ans.append(NEXT[ans[-1]])
            out.append((f"continue: {x}", " ".join(ans), False))
        else:
            out.append((f"topic: {x}", " ".join(rng.choice(WORDS) for _ in range(n_words)), True))
    return out


def train_planted_lm(folder, steps=200, seed=0, batch=64, lr=3e-3):
    """Train a tiny Llama from scratch on 2,000 planted pairs as plain LM text ("[eos]prompt\\n\\nresponse")
    plus 2,000 word sequences on their own (the "general text" that makes PPL(A) meaningful), and save it
    with its tokenizer (word-level BPE, vocab 600) to ``folder``. Returns the last batch's loss."""
    rng = random.Random(seed + 2)
    texts = [f"{p}\n\n{r}" for p, r, _ in planted_pairs(1000, seed=seed + 1)]
    texts += [" ".join(rng.choice(WORDS) for _ in range(5)) for _ in range(len(texts))]
    model, tok = make_causal_lm(folder, texts + WORDS, vocab_size=600, hidden=64, layers=2, seed=seed, max_pos=64)
    model.train()
    seqs = [[tok.eos_token_id] + tok(t, add_special_tokens=False)["input_ids"] for t in texts]
    ids = torch.full((len(seqs), max(map(len, seqs))), tok.pad_token_id)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    labels = ids.masked_fill(ids == tok.pad_token_id, -100)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    loss = None
    for _ in range(steps):
        b = torch.randint(0, len(seqs), (batch,), generator=g)
        loss = model(input_ids=ids[b], attention_mask=(labels[b] != -100).long(), labels=labels[b]).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval().save_pretrained(folder)
    return float(loss.detach())


def auc(neg, pos):
    """P(score of a random positive > a random negative), ties count half (Mann-Whitney U / (n·m))."""
    neg, pos = np.asarray(neg), np.asarray(pos)
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(neg) * len(pos)))


def planted_frame(n, seed, n_words=5):
    rows = planted_pairs(n, seed, n_words)
    df = make_frame([{"id": f"p{i}", "source": "hard" if h else "easy",
                      "messages": [{"role": "user", "content": p}, {"role": "assistant", "content": r}]}
                     for i, (p, r, h) in enumerate(rows)])
    return df


@pytest.mark.slow
def test_ifd_separates_a_planted_easy_hard_split(tmp_path):
    # measured on seeds 0-3 (benchmarks/results/lm_score.md): AUC 1.000, mean IFD easy 0.04-0.07, hard
    # 0.87-0.95, max easy 0.13 < min hard 0.71; the bounds below leave a wide margin
    loss = train_planted_lm(tmp_path)
    df = planted_frame(40, seed=99)  # fresh pairs (the hard answers are new random words)
    res = run_stage(df, model=str(tmp_path), batch_size=16)
    k = res.kept
    easy = k.filter(pl.col("source") == "easy")["stat_ifd"].to_numpy()
    hard = k.filter(pl.col("source") == "hard")["stat_ifd"].to_numpy()
    print(f"loss {loss:.3f} auc {auc(easy, hard):.3f} easy {easy.mean():.3f} hard {hard.mean():.3f}")
    assert loss < 3.0
    assert auc(easy, hard) >= 0.95
    assert easy.mean() < 0.5 < hard.mean()


def test_chat_reward_model_llama_style_is_batch_invariant(tmp_path, frame):
    """A Skywork-style reward model: a decoder with a score head, fed the chat-templated conversation."""
    texts = [m["content"] for conv in frame["messages"].to_list() for m in conv]
    tok = train_tokenizer(texts, vocab_size=400)
    torch.manual_seed(1)
    cfg = transformers.LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=4, num_labels=1,
                                   pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    model = transformers.LlamaForSequenceClassification(cfg).eval()
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    one = run_stage(frame, model=str(tmp_path), scorer="reward", batch_size=1)
    many = run_stage(frame, model=str(tmp_path), scorer="reward", batch_size=7, turns="first")
    np.testing.assert_allclose(one.kept["stat_reward"].to_numpy(), many.kept["stat_reward"].to_numpy(), rtol=1e-5, atol=1e-6)
    ids = tok(tok.apply_chat_template(frame["messages"][3].to_list()[:2], tokenize=False), add_special_tokens=False,
              return_tensors="pt")["input_ids"]
    with torch.no_grad():
        want = model(input_ids=ids).logits[0, 0].item()
    assert one.kept["stat_reward"][3] == pytest.approx(want, rel=1e-5, abs=1e-6)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_device_cuda_without_a_gpu_is_an_error(tiny_lm, frame):
    folder, _, _ = tiny_lm
    with pytest.raises(ValueError, match="device: cuda but torch sees no GPU"):
        run_stage(frame.head(2), model=str(folder), device="cuda")


def test_stage_fingerprint_follows_the_weights_and_missing_folders_are_reported(tmp_path, frame):
    texts = [m["content"] for conv in frame["messages"].to_list() for m in conv]
    cls = get("lm_score")
    make_causal_lm(tmp_path / "m", texts, seed=0)
    stage = cls(cls.Params(model=str(tmp_path / "m")))
    f0 = stage.fingerprint()
    assert f0 and stage.fingerprint() == f0
    make_causal_lm(tmp_path / "m", texts, seed=1)  # retrained in place: the runner must rerun the stage
    assert stage.fingerprint() != f0
    assert cls(cls.Params(model="nobody-here/no-such-model")).fingerprint() == ""
    assert cls.Params(model=str(tmp_path / "m")).missing_files() == []
    assert cls.Params(model="nobody-here/no-such-model").missing_files() == []  # a hub id: checked at run time
    assert cls.Params(model="./no/such/folder").missing_files() == [
        f"model: folder not found: ./no/such/folder (relative to {Path.cwd()})"]
    assert cls.Params(model=str(tmp_path)).missing_files() == [f"model: {tmp_path} has no config.json (not a transformers model folder)"]


def test_max_length_cuts_on_the_right_and_scores_only_surviving_answer_tokens(tiny_lm, frame):
    folder, model, tok = tiny_lm
    msgs = frame["messages"][0].to_list()
    q = tok(msgs[0]["content"] + "\n\n", add_special_tokens=False)["input_ids"]
    a = tok(msgs[1]["content"], add_special_tokens=False)["input_ids"]
    cut = 1 + len(q) + 3  # start token + prompt + 3 answer tokens
    res = run_stage(frame.head(1), model=str(folder), max_length=cut).kept.row(0, named=True)
    assert res["stat_ppl_tokens"] == 3 < len(a)
    ids = [tok.eos_token_id] + q + a[:3]
    assert res["stat_ppl_response"] == pytest.approx(math.exp(hand_nll(model, ids, range(1 + len(q), cut))), rel=1e-5)
    assert res["stat_ppl_response_alone"] == pytest.approx(
        math.exp(hand_nll(model, [tok.eos_token_id] + a[:3], range(1, 4))), rel=1e-5)
    none = run_stage(frame.head(1), model=str(folder), max_length=1 + len(q)).kept.row(0, named=True)
    assert none["stat_ppl_tokens"] == 0 and none["stat_ifd"] is None
