"""One scalar per conversation from a reward model (``AutoModelForSequenceClassification``, ``num_labels=1``).

Used for AlpaGasus-style filtering (Chen et al. 2024, "AlpaGasus: Training a Better Alpaca with Fewer
Data", ICLR 2024: score every pair with a strong judge, keep those above a threshold; they used a
ChatGPT grade ≥ 4.5 of 5, here any hub reward model gives the grade).

Inputs, as the two usual families of reward models expect them:

- ``fmt="plain"``: a text pair ``tokenizer(prompt, response)`` (OpenAssistant's
  ``reward-model-deberta-v3-large-v2`` model card: ``tokenizer(question, answer)``); the prompt is every
  turn before the scored answer joined by blank lines;
- ``fmt="chat_template"``: the conversation rendered with the tokenizer's chat template and tokenized
  without extra special tokens (Skywork-Reward / ArmoRM model cards).

``turns="first"`` scores the first user turn → first assistant turn (the conversation up to the first
assistant turn with content); ``"all"`` the conversation up to its last assistant turn. Inputs are cut to
``max_length`` tokens. Rows without an assistant turn with content get NaN.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from curate.progress import progress
from curate.score.models import ScoreCache, sequence_keys
from curate.score.perplexity import SEP, Format, Turns

log = logging.getLogger("curatrain.score")


def _cut(messages: Sequence[dict], turns: Turns) -> list[dict]:
    msgs = [{"role": m["role"], "content": m["content"] or ""} for m in messages]
    answers = [i for i, m in enumerate(msgs) if m["role"] == "assistant" and m["content"]]
    if not answers:
        return []
    return msgs[: (answers[0] if turns == "first" else answers[-1]) + 1]


def encode_rows(conversations: Sequence[Sequence[dict]], tokenizer, *, turns: Turns, fmt: Format,
                max_length: int, row_names: Sequence[str]) -> list[dict | None]:
    """Tokenizer outputs (``input_ids`` and, when the tokenizer gives them, ``token_type_ids``) per row,
    None for rows with nothing to score. Raises ``ValueError`` naming the row when the chat template fails."""
    out: list[dict | None] = []
    for conv, where in zip(conversations, row_names):
        msgs = _cut(conv, turns)
        if not msgs:
            out.append(None)
            continue
        if fmt == "chat_template":
            if not getattr(tokenizer, "chat_template", None):
                raise ValueError(f"{where}: format chat_template but the reward model's tokenizer has no chat template")
            try:
                text = tokenizer.apply_chat_template(msgs, tokenize=False)
            except Exception as e:
                raise ValueError(f"{where}: chat template failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
            enc = tokenizer(text, add_special_tokens=False, truncation=True, max_length=max_length)
        else:
            prompt = SEP.join(m["content"] for m in msgs[:-1])
            enc = tokenizer(prompt, msgs[-1]["content"], truncation=True, max_length=max_length)
        out.append({k: list(enc[k]) for k in ("input_ids", "token_type_ids") if k in enc})
    return out


def forward_reward(model, tokenizer, encs: list[dict], batch_size: int) -> np.ndarray:
    """``(n, 1)`` float64 rewards: ``logits[:, 0]`` per input, in batches of ``batch_size`` sorted by
    descending length, padded by ``tokenizer.pad`` (its padding side) with an attention mask."""
    import torch

    out = np.zeros((len(encs), 1))
    order = sorted(range(len(encs)), key=lambda i: -len(encs[i]["input_ids"]))
    dev = next(model.parameters()).device
    with torch.inference_mode():
        for b in progress(range(0, len(order), batch_size), "lm_score: batches", unit="batches"):
            idx = order[b:b + batch_size]
            batch = tokenizer.pad([encs[i] for i in idx], return_tensors="pt", return_attention_mask=True)
            logits = model(**{k: v.to(dev) for k, v in batch.items()}).logits
            out[idx, 0] = logits[:, 0].float().cpu().numpy()
    return out


def score_reward(conversations: Sequence[Sequence[dict]], tokenizer, load_model, model_key: str, *,
                 turns: Turns = "first", fmt: Format = "plain", max_length: int = 1024, batch_size: int = 8,
                 cache_dir=None, row_names: Sequence[str] | None = None) -> tuple[np.ndarray, dict]:
    """Rewards (float64, NaN for rows without an answer) and counters (``sequences``,
    ``sequences_cached``, ``sequences_computed``, ``rows_without_response``).

    ``load_model()`` returns the sequence-classification model, called only on a cache miss; it must
    have ``num_labels == 1`` (else ``ValueError``). A tokenizer without a pad token pads with its EOS, and a
    model config without ``pad_token_id`` gets the tokenizer's (caveat: a decoder RM whose inputs end with
    that EOS then pools one token earlier).
    """
    names = row_names or [f"row {i}" for i in range(len(conversations))]
    if tokenizer.pad_token is None:  # GPT-style tokenizers: pad with EOS (masked out by the attention mask)
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    encs = encode_rows(conversations, tokenizer, turns=turns, fmt=fmt, max_length=max_length, row_names=names)
    live = [i for i, e in enumerate(encs) if e is not None]
    rewards = np.full(len(encs), np.nan)
    if not live:
        return rewards, {"sequences": 0, "sequences_cached": 0, "sequences_computed": 0,
                         "rows_without_response": len(encs)}
    blobs = (b"|".join(np.asarray(encs[i][k], dtype=np.int32).tobytes() for k in sorted(encs[i])) for i in live)
    keys = sequence_keys(blobs, f"reward|{model_key}")
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    cache = ScoreCache(cache_dir)
    found, vals = cache.get(uniq)
    todo = np.flatnonzero(~found)
    if len(todo):
        model = load_model()
        if model.config.num_labels != 1:
            raise ValueError(f"reward model {model_key} has num_labels={model.config.num_labels}; "
                             "a reward model has one output (num_labels=1)")
        if model.config.pad_token_id is None:  # decoder RMs pool the last non-pad token and need to know pad
            model.config.pad_token_id = tokenizer.pad_token_id
        log.info("lm_score: %d rows to reward (%d cached) with %s", len(todo), int(found.sum()), model_key)
        new = forward_reward(model, tokenizer, [encs[live[first[i]]] for i in todo], batch_size)
        cache.add(uniq[todo], new)
        vals = vals if vals.shape[1] == 1 else np.full((len(uniq), 1), np.nan)
        vals[todo] = new
    rewards[live] = vals[inverse.reshape(-1), 0]
    return rewards, {"sequences": int(len(uniq)), "sequences_cached": int(found.sum()),
                     "sequences_computed": int(len(todo)), "rows_without_response": len(encs) - len(live)}
