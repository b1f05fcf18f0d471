"""Response perplexity with and without the instruction, and IFD, with any causal LM.

Instruction-Following Difficulty (IFD; Li et al. 2024, "From Quantity to Quality: Boosting LLM
Performance with Self-Guided Data Selection for Instruction Tuning", NAACL 2024; reference code:
github.com/tianyi-lab/Cherry_LLM, ``cherry_seletion/data_analysis.py``)::

    PPL(A | Q) = exp(mean over answer tokens of -log p(a_t | Q, a_<t))     conditioned (stat_ppl_response)
    PPL(A)     = exp(mean over answer tokens of -log p(a_t | a_<t))        alone (stat_ppl_response_alone)
    IFD(Q, A)  = PPL(A | Q) / PPL(A)                                        (stat_ifd)

IFD near 0: the instruction makes the answer easy to predict; near 1: the instruction does not help;
> 1: the answer is *less* likely given the instruction, which the paper treats as misaligned pairs and
filters out before ranking by IFD.

Which tokens (``build_segments``): a conversation becomes ordered text segments, each marked response
or not, tokenized separately and concatenated, so the answer tokens are the **same ids** in both
perplexities (Cherry tokenizes the whole text and finds the answer's start instead; the two differ only
where a BPE merge would cross the boundary):

- ``turns="first"`` (default, as the paper): every message before the first assistant turn (usually the
  first user turn, plus a system prompt if any) → the first assistant turn;
- ``turns="all"``: every assistant turn is a response, conditioned on everything before it;
- ``fmt="plain"``: ``"<turn>\\n\\n<turn>\\n\\n…"`` with the response content verbatim, after a start token
  (the tokenizer's BOS, else its EOS as document separator, GPT-2 style);
- ``fmt="chat_template"``: the tokenizer's chat template (``apply_chat_template(tokenize=False)``);
  the response segment is what the assistant turn adds to the rendering (content and end-of-turn).

The unconditioned sequence is the start token followed by the scored answer tokens (for ``turns="all"``
all answer turns back to back). Sequences are cut to ``max_length`` tokens on the right (as Cherry);
only answer tokens that survive the cut are scored in both, and a row with none has null scores.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

from curate.progress import progress
from curate.score.models import ScoreCache, sequence_keys

log = logging.getLogger("curatrain.score")

Turns = Literal["first", "all"]
Format = Literal["plain", "chat_template"]
SEP = "\n\n"


def build_segments(messages: Sequence[dict], turns: Turns = "first", fmt: Format = "plain",
                   tokenizer=None, where: str = "row") -> list[tuple[str, bool]]:
    """Ordered ``(text, is_response)`` segments of one conversation (see the module docstring).

    ``messages`` are ``{"role", "content"}`` dicts. Returns ``[]`` when there is no assistant turn with
    content. ``fmt="chat_template"`` needs ``tokenizer`` with a ``chat_template``; raises ``ValueError``
    naming ``where`` when the template fails on the row or a rendering is not a prefix of the next one.
    """
    msgs = [{"role": m["role"], "content": m["content"] or ""} for m in messages]
    answers = [i for i, m in enumerate(msgs) if m["role"] == "assistant" and m["content"]]
    if turns == "first":
        answers = answers[:1]
    if not answers:
        return []
    if fmt == "plain":
        segs: list[tuple[str, bool]] = []
        for i, m in enumerate(msgs[: answers[-1] + 1]):
            if i in answers:
                segs.append((m["content"], True))
            elif m["content"] or m["role"] != "assistant":
                segs.append((m["content"] + SEP, False))
        # a separator between an answer and the next turn belongs to the next (non-response) segment
        out: list[tuple[str, bool]] = []
        for k, (t, r) in enumerate(segs):
            if k and segs[k - 1][1] and not r:
                t = SEP + t
            out.append((t, r))
        return out
    if tokenizer is None or not getattr(tokenizer, "chat_template", None):
        raise ValueError(f"{where}: format chat_template but the tokenizer has no chat template")
    segs, done = [], ""
    for i in answers:
        try:
            head = tokenizer.apply_chat_template(msgs[:i], tokenize=False, add_generation_prompt=True) if i else ""
            full = tokenizer.apply_chat_template(msgs[: i + 1], tokenize=False)
        except Exception as e:  # jinja TemplateError / raise_exception in the template
            raise ValueError(f"{where}: chat template failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
        if not head.startswith(done) or not full.startswith(head):
            raise ValueError(f"{where}: the chat template's rendering of the first {i} turns is not a prefix of "
                             f"the next (template rewrites earlier turns); use format: plain")
        if head[len(done):]:
            segs.append((head[len(done):], False))
        segs.append((full[len(head):], True))
        done = full
    return segs


def start_token_id(tokenizer) -> int:
    """BOS id, else EOS id (GPT-2 style document separator). Raises ``ValueError`` when it has neither."""
    for t in (tokenizer.bos_token_id, tokenizer.eos_token_id):
        if t is not None:
            return int(t)
    raise ValueError("tokenizer has neither a bos nor an eos token to start an unconditioned sequence")


def tokenize_pairs(segments: list[list[tuple[str, bool]]], tokenizer, fmt: Format, max_length: int
                   ) -> tuple[list[tuple[list[int], list[bool]]], list[tuple[list[int], list[bool]]]]:
    """Conditioned and unconditioned ``(ids, label mask)`` per row, cut to ``max_length`` tokens.

    The label mask marks the answer tokens that are scored (never position 0). Rows without segments
    get ``([], [])`` twice.
    """
    flat = [t for segs in segments for t, _ in segs]
    enc = tokenizer(flat, add_special_tokens=False)["input_ids"] if flat else []
    start = start_token_id(tokenizer)
    cond, alone, k = [], [], 0
    for segs in segments:
        if not segs:
            cond.append(([], []))
            alone.append(([], []))
            continue
        ids: list[int] = [start] if fmt == "plain" else []
        mask: list[bool] = [False] * len(ids)
        for _, is_resp in segs:
            ids += enc[k]
            mask += [is_resp] * len(enc[k])
            k += 1
        ids, mask = ids[:max_length], mask[:max_length]
        if mask:
            mask[0] = False
        ans = [t for t, m in zip(ids, mask) if m]
        cond.append((ids, mask))
        alone.append(([start] + ans, [False] + [True] * len(ans)))
    return cond, alone


def sequence_bytes(ids: list[int], mask: list[bool]) -> bytes:
    """What a sequence's cache key hashes: its ids (int32) and packed label mask."""
    return np.asarray(ids, dtype=np.int32).tobytes() + b"|" + np.packbits(np.asarray(mask, dtype=bool)).tobytes()


def forward_nll(model, seqs: list[tuple[list[int], list[bool]]], batch_size: int, pad_id: int) -> np.ndarray:
    """``(n, 2)`` float64: summed negative log-likelihood (nats) of the labelled tokens and their count.

    Batches of ``batch_size`` sequences in descending length order (the longest first, so memory
    runs out at once if it will), right-padded with ``pad_id`` under an attention mask; token
    ``t`` is scored by the logits at ``t-1`` (the causal LM shift), in float32.
    """
    import torch

    out = np.zeros((len(seqs), 2))
    order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i][0]))
    dev = next(model.parameters()).device
    with torch.inference_mode():
        for b in progress(range(0, len(order), batch_size), "lm_score: batches", unit="batches"):
            idx = [i for i in order[b:b + batch_size] if sum(seqs[i][1])]
            if not idx:
                continue
            width = max(len(seqs[i][0]) for i in idx)
            ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
            att = torch.zeros((len(idx), width), dtype=torch.long)
            lab = torch.zeros((len(idx), width), dtype=torch.bool)
            for r, i in enumerate(idx):
                n = len(seqs[i][0])
                ids[r, :n] = torch.tensor(seqs[i][0])
                att[r, :n] = 1
                lab[r, :n] = torch.tensor(seqs[i][1])
            ids, att, lab = ids.to(dev), att.to(dev), lab.to(dev)
            logits = model(input_ids=ids, attention_mask=att).logits
            sel = lab[:, 1:]
            for r, i in enumerate(idx):  # one row at a time: the float32 copy is (answer tokens, vocab), not the batch's
                nll = torch.nn.functional.cross_entropy(logits[r, :-1][sel[r]].float(), ids[r, 1:][sel[r]],
                                                        reduction="sum")
                out[i] = (float(nll), int(sel[r].sum()))
    return out


@dataclass
class PerplexityScores:
    """Per-row arrays (float64, NaN where a row has no scored answer token) and counters.

    ``ppl_response`` = PPL(A | Q), ``ppl_response_alone`` = PPL(A), ``ifd`` = their ratio, ``tokens`` =
    answer tokens scored (0 when none). ``counters``: ``sequences``, ``sequences_cached``,
    ``sequences_computed``, ``rows_without_response``.
    """

    ppl_response: np.ndarray
    ppl_response_alone: np.ndarray
    ifd: np.ndarray
    tokens: np.ndarray
    counters: dict = field(default_factory=dict)


def score_perplexity(conversations: Sequence[Sequence[dict]], tokenizer, load_model, model_key: str, *,
                     turns: Turns = "first", fmt: Format = "plain", max_length: int = 1024,
                     batch_size: int = 8, cache_dir=None, row_names: Sequence[str] | None = None
                     ) -> PerplexityScores:
    """Score ``conversations`` (lists of ``{"role", "content"}``) → ``PerplexityScores``.

    ``load_model()`` returns the causal LM (called only when some sequence is not in the cache);
    ``model_key`` names its weights in cache keys (``curate.score.models.resolve_model``). Identical
    sequences are scored once. ``row_names`` (e.g. row ids) name rows in errors.
    """
    names = row_names or [f"row {i}" for i in range(len(conversations))]
    segs = [build_segments(c, turns, fmt, tokenizer, where=str(w)) for c, w in zip(conversations, names)]
    cond, alone = tokenize_pairs(segs, tokenizer, fmt, max_length)
    seqs = cond + alone
    keys = sequence_keys((sequence_bytes(*s) for s in seqs), f"nll|{model_key}")
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    cache = ScoreCache(cache_dir)
    found, vals = cache.get(uniq)
    todo = np.flatnonzero(~found)
    if len(todo):
        log.info("lm_score: %d sequences to score (%d cached) with %s", len(todo), int(found.sum()), model_key)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else start_token_id(tokenizer)
        new = forward_nll(load_model(), [seqs[first[i]] for i in todo], batch_size, pad)
        cache.add(uniq[todo], new)
        vals = vals[:, :2] if vals.shape[1] >= 2 else np.full((len(uniq), 2), np.nan)
        vals[todo] = new
    per = vals[inverse.reshape(-1)]
    n = len(conversations)
    c, a = per[:n], per[n:]
    with np.errstate(divide="ignore", invalid="ignore"):
        tokens = c[:, 1]
        ok = tokens > 0
        ppl_c = np.where(ok, np.exp(c[:, 0] / np.where(ok, tokens, 1)), np.nan)
        ppl_a = np.where(ok, np.exp(a[:, 0] / np.where(ok, a[:, 1], 1)), np.nan)
        ifd = ppl_c / ppl_a
    counters = {"sequences": int(len(uniq)), "sequences_cached": int(found.sum()),
                "sequences_computed": int(len(todo)), "rows_without_response": int((~ok).sum())}
    return PerplexityScores(ppl_c, ppl_a, ifd, tokens.astype(np.int64), counters)
