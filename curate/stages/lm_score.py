"""``lm_score``: score every conversation with a model: response perplexity and IFD (any causal LM), or a
reward (any reward model). A scorer: no row is dropped unless a threshold is set.

``scorer: perplexity`` (default; ``curate.score.perplexity``) writes

- ``stat_ppl_response``: perplexity of the answer tokens conditioned on the prompt, PPL(A | Q);
- ``stat_ppl_response_alone``: perplexity of the same tokens without the prompt, PPL(A);
- ``stat_ifd``: Instruction-Following Difficulty = PPL(A | Q) / PPL(A) (Li et al. 2024, "From Quantity to
  Quality: Boosting LLM Performance with Self-Guided Data Selection for Instruction Tuning", NAACL 2024;
  Cherry LLM). High IFD (below 1) = the instruction helps little: the hard, informative samples the paper
  selects; IFD > 1 = the answer fits the instruction worse than no instruction, rows the paper removes
  (``max_ifd: 1.0``);
- ``stat_ppl_tokens``: answer tokens scored.

``scorer: reward`` (``curate.score.reward``) writes ``stat_reward`` (the model's single logit), for
AlpaGasus-style thresholding ``min_reward`` (Chen et al. 2024, "AlpaGasus: Training a Better Alpaca with
Fewer Data", ICLR 2024).

Rows with nothing to score (no assistant turn with content, or the prompt alone fills ``max_length``) get
null stats and are kept. The ``stat_*`` columns feed ``quality`` rules, ``diversity_select`` scores and
``train.sample_weight``.

Model: ``model`` is a hub id (optionally ``revision``) or a local folder, loaded with
``AutoTokenizer``/``AutoModelForCausalLM`` (``AutoModelForSequenceClassification`` for ``reward``). With
``HF_HUB_OFFLINE=1`` (``curatrain --offline``) a hub id must already be in the local Hugging Face cache,
else a one-line error says how to get it. ``device: auto`` takes the GPU when torch sees one;
``dtype: auto`` is bfloat16 (float16 on GPUs without bf16) on a GPU and float32 on CPU; log-likelihoods
are always summed in float32/float64.

Batching and cache: sequences are tokenized, cut to ``max_length`` tokens (or the tokenizer's
``model_max_length`` when smaller), sorted by length and run
``batch_size`` at a time, right-padded under an attention mask. Each scored sequence is cached under
``<pipeline cache>/lm_score/<model key>/`` (or ``cache_dir``), keyed by the model's weights (hub commit
sha, or a fingerprint of the local folder's files) and the exact token ids; a rerun, a threshold change or
another stage's edit upstream that leaves a row's text alone runs no forward pass for it.

Drops (first rule that fires; ``drop_detail`` = metric, value, threshold, like ``quality``):
``ppl_below_min`` (``stat_ppl_response=1.021 < 1.5``), ``ppl_above_max``, ``ifd_above_max``,
``reward_below_min``.

Cost: one forward pass per row for ``reward``, two (with and without the prompt) for ``perplexity``.

Example (YAML)::

    - {stage: lm_score, model: Qwen/Qwen2.5-0.5B, max_ifd: 1.0}
    - {stage: lm_score, scorer: reward, model: OpenAssistant/reward-model-deberta-v3-large-v2, min_reward: 0.0}
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field, model_validator

from curate.registry import register
from curate.stage import Context, Rule, Stage, StageParams, StageResult, split_by_rules

_PPL_ONLY = ("min_ppl", "max_ppl", "max_ifd")


def _load(path: str, kind: str, device: str, dtype: str):
    import transformers

    from curate.score.models import pick_device, pick_dtype

    dev = pick_device(device)
    cls = transformers.AutoModelForCausalLM if kind == "perplexity" else transformers.AutoModelForSequenceClassification
    model = cls.from_pretrained(path, dtype=pick_dtype(dtype, dev))
    return model.to(dev).eval()


@register
class LmScore(Stage):
    """Score rows with a causal LM (response perplexity, IFD) or a reward model; optional thresholds."""

    name = "lm_score"
    version = "1"

    class Params(StageParams):
        model: str = Field(..., min_length=1, description="hub id or local folder of the scoring model")
        revision: str | None = Field(None, description="hub branch, tag or commit (hub ids only)")
        scorer: Literal["perplexity", "reward"] = Field(
            "perplexity", description="perplexity: stat_ppl_response, stat_ppl_response_alone, stat_ifd "
                                      "(causal LM); reward: stat_reward (sequence-classification reward model)")
        turns: Literal["first", "all"] = Field(
            "first", description="first: first user turn → first assistant turn (as the IFD paper); "
                                 "all: every assistant turn, conditioned on all before it")
        format: Literal["auto", "plain", "chat_template"] = Field(
            "auto", description="plain: 'prompt\\n\\nresponse' (perplexity) or a text pair (reward); "
                                "chat_template: the tokenizer's chat template; auto: plain for perplexity, "
                                "for reward the chat template when the tokenizer has one")
        max_length: int = Field(1024, ge=8, le=1_000_000, description="tokens per sequence (cut on the right)")
        batch_size: int = Field(8, ge=1, le=4096, description="sequences per forward pass")
        dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
            "auto", description="weights dtype; auto: bf16/fp16 on GPU, float32 on CPU")
        device: Literal["auto", "cpu", "cuda"] = Field("auto", description="auto: cuda when available")
        cache_dir: str | None = Field(None, description="score cache; null: <pipeline cache>/lm_score")
        min_ppl: float | None = Field(None, gt=0, description="drop rows with stat_ppl_response below this")
        max_ppl: float | None = Field(None, gt=0, description="drop rows with stat_ppl_response above this")
        max_ifd: float | None = Field(None, gt=0, description="drop rows with stat_ifd above this (paper: 1.0)")
        min_reward: float | None = Field(None, description="drop rows with stat_reward below this (reward scorer)")

        def missing_files(self) -> list[str]:
            from curate.score.models import looks_like_path

            m = Path(self.model).expanduser()
            if looks_like_path(self.model) and not m.is_dir():
                return [f"model: folder not found: {self.model} (relative to {Path.cwd()})"]
            if m.is_dir() and not (m / "config.json").is_file():
                return [f"model: {self.model} has no config.json (not a transformers model folder)"]
            return []

        @model_validator(mode="after")
        def _thresholds_match_scorer(self):
            if self.scorer == "reward":
                wrong = [k for k in _PPL_ONLY if getattr(self, k) is not None]
                if wrong:
                    raise ValueError(f"{', '.join(wrong)} need scorer: perplexity (scorer is reward)")
            elif self.min_reward is not None:
                raise ValueError("min_reward needs scorer: reward")
            if self.min_ppl is not None and self.max_ppl is not None and self.min_ppl > self.max_ppl:
                raise ValueError(f"min_ppl {self.min_ppl} > max_ppl {self.max_ppl}")
            return self

    def fingerprint(self) -> str:
        """The model's weights (``curate.score.models.weights_fingerprint``), so retraining a local model in
        place, or a new snapshot of a hub id in the local cache, reruns the stage."""
        from curate.score.models import weights_fingerprint

        return weights_fingerprint(self.params.model, self.params.revision)

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        from transformers import AutoTokenizer

        from curate.score.models import resolve_model

        p = self.params
        cols = (["stat_reward"] if p.scorer == "reward" else
                ["stat_ppl_response", "stat_ppl_response_alone", "stat_ifd"])
        if df.height == 0:
            extra = {c: pl.Series(c, [], pl.Float64) for c in cols}
            if p.scorer == "perplexity":
                extra["stat_ppl_tokens"] = pl.Series("stat_ppl_tokens", [], pl.Int64)
            return split_by_rules(self, df.with_columns(**extra), self.rules())
        path, key = resolve_model(p.model, p.revision, what="lm_score model")
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
        except Exception as e:
            raise ValueError(f"lm_score: cannot load a tokenizer from {p.model!r}: {type(e).__name__}: "
                             f"{str(e).splitlines()[0] if str(e) else ''}") from None
        max_length = min(p.max_length, int(min(tokenizer.model_max_length, 1e9)))  # the model's own limit
        fmt = p.format
        if fmt == "auto":
            fmt = "chat_template" if p.scorer == "reward" and getattr(tokenizer, "chat_template", None) else "plain"
        base = Path(p.cache_dir) if p.cache_dir else (Path(ctx.cache_dir) / "lm_score" if ctx.cache_dir else None)
        cache = base / key / p.scorer if base is not None else None
        load = partial(_load, path, p.scorer, p.device, p.dtype)
        convs = df["messages"].to_list()
        names = [f"row id={i}" for i in df["id"].to_list()]
        if p.scorer == "reward":
            from curate.score.reward import score_reward

            reward, counters = score_reward(convs, tokenizer, load, key, turns=p.turns, fmt=fmt,
                                            max_length=max_length, batch_size=p.batch_size,
                                            cache_dir=cache, row_names=names)
            df = df.with_columns(stat_reward=_col(reward))
        else:
            from curate.score.perplexity import score_perplexity

            s = score_perplexity(convs, tokenizer, load, key, turns=p.turns, fmt=fmt, max_length=max_length,
                                 batch_size=p.batch_size, cache_dir=cache, row_names=names)
            counters = s.counters
            df = df.with_columns(stat_ppl_response=_col(s.ppl_response),
                                 stat_ppl_response_alone=_col(s.ppl_response_alone),
                                 stat_ifd=_col(s.ifd), stat_ppl_tokens=pl.Series(s.tokens, dtype=pl.Int64))
        ctx.log.info("lm_score: %s with %s (%s, max_length %d): %d sequences, %d cached", p.scorer, key, fmt,
                     max_length, counters["sequences"], counters["sequences_cached"])
        res = split_by_rules(self, df, self.rules())
        res.counters.update(counters)
        return res

    def rules(self) -> list[Rule]:
        """Threshold rules in the order min_ppl, max_ppl, max_ifd, min_reward (only those set)."""
        p = self.params
        out: list[Rule] = []
        for col, op, thr, reason in (("stat_ppl_response", "<", p.min_ppl, "ppl_below_min"),
                                     ("stat_ppl_response", ">", p.max_ppl, "ppl_above_max"),
                                     ("stat_ifd", ">", p.max_ifd, "ifd_above_max"),
                                     ("stat_reward", "<", p.min_reward, "reward_below_min")):
            if thr is None:
                continue
            cond = pl.col(col) < thr if op == "<" else pl.col(col) > thr
            detail = pl.format(f"{col}={{}} {op} {thr:g}", pl.col(col).round(4))
            out.append((cond, reason, detail))
        return out


def _col(a: np.ndarray) -> pl.Series:
    """float64 Series with NaN turned into null (so threshold rules skip unscored rows)."""
    return pl.Series(a, dtype=pl.Float64).fill_nan(None)
