"""The ``train:`` block of a pipeline: a small, validated spec mapped onto TRL's ``SFTConfig``.

Field names follow TRL/transformers where one exists (``learning_rate``, ``max_length``,
``packing``, ``packing_strategy``, ``padding_free``, ``gradient_accumulation_steps``) so configs copy
across. ``padding_free`` is on by default: same batches and loss curve as padded, no compute on
padding (benchmarks/train_bench.py, CPU, tiny model, LIMA + ShareGPT at max_length 1024: 1.33× the
tokens per CPU-second of padded batches with the same LM head; about 3× plain TRL padded overall,
benchmarks/results/train_bench_1024.json). Defaults follow common SFT practice: a small learning rate
(2e-5, TRL's default) and 3 epochs for real models; the shipped ``lima.yaml`` raises the rate for the
from-scratch ``tiny`` model, which learns nothing at 2e-5 in a few minutes. Checkpoints are on by default
(``save_steps``, ``save_minutes``; ``train.checkpoints``), and the ``chat_template`` stage owns the tokenizer and
template (``check_train_against_stages``).

This module imports no torch, so ``curatrain validate`` stays fast.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


#: vocabulary of the tiny tokenizer when ``train:`` trains it itself (no ``chat_template`` stage)
DEFAULT_TINY_VOCAB = 4000



#: transformers.SchedulerType values (transformers 5.23; ``tests/test_train_config.py`` checks the mirror)
SchedulerName = Literal["linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
                        "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr",
                        "cosine_warmup_with_min_lr", "warmup_stable_decay", "greedy"]
#: transformers' attention functions (AttentionInterface keys, 5.23) plus curatrain's ``sdpa_varlen``;
#: a Hub kernel id (``org/name``, e.g. kernels-community/flash-attn) is also accepted
AttentionName = Annotated[str, AfterValidator(lambda v: _attention_name(v))]
ATTENTION_NAMES = ("eager", "sdpa", "flash_attention_2", "flash_attention_3", "flash_attention_4", "flex_attention",
                   "paged|eager", "sdpa_varlen")


def _attention_name(v: str) -> str:
    if v in ATTENTION_NAMES or "/" in v:
        return v
    import difflib

    near = difflib.get_close_matches(v, ATTENTION_NAMES, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise ValueError(f"unknown attention implementation {v!r}{hint} (known: {', '.join(ATTENTION_NAMES)}, "
                     "or a Hub kernel id org/name)")

class TinyModelSpec(BaseModel):
    """Shape of the from-config ``tiny`` model (a Llama) and, without a ``chat_template`` stage, its BPE
    tokenizer's vocabulary. With a ``chat_template`` stage, that stage trains the tokenizer and owns its
    ``vocab_size``; setting ``tiny.vocab_size`` too is a validate error (``check_train_against_stages``)."""

    model_config = ConfigDict(extra="forbid")
    vocab_size: int | None = Field(
        None, ge=300, le=65536,
        description=f"BPE vocabulary target (tokens) when no chat_template stage trains the tokenizer; "
                    f"default {DEFAULT_TINY_VOCAB}. With a chat_template stage, set its vocab_size instead")
    hidden_size: int = Field(64, ge=8, description="model width")
    intermediate_size: int = Field(256, ge=8, description="MLP width")
    num_hidden_layers: int = Field(2, ge=1, description="decoder layers")
    num_attention_heads: int = Field(4, ge=1, description="attention heads")
    num_key_value_heads: int = Field(2, ge=1, description="KV heads (GQA)")


class GeneralEvalSpec(BaseModel):
    """A general-purpose held-out eval set scored next to the in-domain eval at every eval step (the forgetting
    guard, ``train.guards``): rows never trained on, whose loss rising while in-domain eval loss falls is
    catastrophic forgetting as it happens (Luo et al. 2023, "An Empirical Study of Catastrophic Forgetting in
    LLMs During Continual Fine-tuning"). Exactly one of ``path``, ``source``, ``replay``."""

    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(None, min_length=1, description="a conversation file read with curate.readers (any "
                                                             "format it detects), e.g. pipelines/data/sample/"
                                                             "oasst_en_100_tree.jsonl; relative to the working folder")
    source: str | None = Field(None, min_length=1, description="a source of the curated data: its rows taken here "
                                                               "are held out of training")
    replay: bool = Field(False, description="the curated rows the mix stage marked meta.replay (its replay: block); "
                                            "those taken here are held out of training")
    rows: int = Field(64, ge=1, le=100000, description="rows in the set, chosen by a stable hash of id")

    @model_validator(mode="after")
    def _one(self) -> "GeneralEvalSpec":
        given = [k for k in ("path", "source") if getattr(self, k) is not None] + (["replay"] if self.replay else [])
        if len(given) != 1:
            raise ValueError(f"give exactly one of path, source, replay: true (got {', '.join(given) or 'none'})")
        return self


class LoraSpec(BaseModel):
    """LoRA adapter settings passed to ``peft.LoraConfig`` (Hu et al. 2021)."""

    model_config = ConfigDict(extra="forbid")
    r: int = Field(16, ge=1, description="adapter rank")
    alpha: int = Field(32, ge=1, description="scaling numerator (lora_alpha)")
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = "all-linear"
    load_in_4bit: bool = Field(False, description="QLoRA (needs a CUDA GPU and bitsandbytes)")
    use_dora: bool = Field(False, description="DoRA (Liu et al. 2024) through peft")


class TrainSpec(BaseModel):
    """Supervised fine-tuning settings.

    ``model``: ``tiny`` (built from ``tiny`` config, tokenizer trained on the curated text, runs on a
    CPU in minutes), a local folder, or a hub id (needs network the first time).
    """

    model_config = ConfigDict(extra="forbid")
    model: str = Field("tiny", min_length=1)
    tiny: TinyModelSpec = Field(default_factory=TinyModelSpec)
    assistant_only_loss: bool = True
    packing: bool = False
    packing_strategy: Literal["bfd", "bfd_split"] = "bfd"
    padding_free: bool = Field(True, description="flatten each batch without padding (same batches and loss as "
                                                   "padded; set false, or packing: true, to change)")
    max_length: int = Field(1024, ge=16, description="tokens per row (and per packed row)")
    epochs: float = Field(3.0, gt=0)
    max_steps: int = Field(-1, ge=-1, description="-1: run whole epochs")
    learning_rate: float = Field(2e-5, gt=0, lt=1)
    lr_scheduler_type: SchedulerName = Field(
        "cosine", description="transformers' SchedulerType (its values are mirrored here so validate stays torch-free)")
    warmup_ratio: float = Field(0.03, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    batch_size: int = Field(8, ge=1, description="per-device train batch (rows)")
    gradient_accumulation_steps: int = Field(1, ge=1)
    eval_fraction: float = Field(0.05, ge=0, lt=1, description="rows held out by hash of id")
    logging_steps: int = Field(10, ge=1)
    lora: LoraSpec | None = None
    output_subdir: str = Field("model", min_length=1, description="under output.dir")
    num_threads: int | None = Field(None, ge=1, description="torch CPU threads; default torch's")
    bf16: bool | None = Field(None, description="default: True on a GPU with bf16, False on CPU")
    resume_from_checkpoint: bool | str = Field(
        "auto", description="auto: resume from the newest checkpoint of the same run key (same curated data and "
                            "train: settings; train.checkpoints), else start fresh; true: the newest checkpoint "
                            "whatever the key; false: never; or a checkpoint folder")
    save_steps: int | None = Field(
        100, ge=1, description="write a checkpoint every N optimizer steps (null: none by steps)")
    save_minutes: float | None = Field(
        10.0, gt=0, description="also write one when this many minutes passed since the last (null: none by time)")
    save_total_limit: int | None = Field(2, ge=1, description="checkpoints kept under output_dir (oldest deleted)")
    eval_steps: int | None = Field(
        None, ge=1, description="evaluate every N optimizer steps; default: 4 times per epoch (of a shorter "
                                "max_steps run: 4 times in all), from the dataset size (train.guards.default_eval_steps)")
    early_stopping_patience: int | None = Field(
        3, ge=1, description="stop when in-domain eval loss has not improved for this many evals, then load the "
                             "best checkpoint (transformers' EarlyStoppingCallback + load_best_model_at_end); "
                             "checkpoints are then written at each new best (save_strategy best) and by "
                             "save_minutes, not by save_steps. null: train every step, keep the last weights")
    general_eval: GeneralEvalSpec | None = Field(
        None, description="general-purpose held-out eval scored at every eval step (forgetting guard); default: "
                          "a quarter of the mix stage's replay rows (at most 64) when the curated data has any")
    report_to: str | list[str] = Field(
        "none", description="TRL/transformers reporting integrations: none, tensorboard, trackio, wandb, mlflow... "
                            "(SFTConfig.report_to; the package must be installed)")
    run_name: str | None = Field(None, min_length=1, description="run name shown by the tracker (SFTConfig.run_name)")
    gradient_checkpointing: bool | None = Field(
        None, description="activation checkpointing; default: on for a GPU (TRL's default), off on CPU")
    attn_implementation: AttentionName | None = Field(
        None, description="sdpa, eager, flash_attention_2, sdpa_varlen (train.attention)...; default for "
                          "padding-free/packed runs: flash_attention_2 on a GPU with flash-attn, else sdpa_varlen; "
                          "otherwise transformers' (tiny: sdpa)")
    template: Literal["chatml", "llama3", "qwen2.5", "qwen3", "mistral", "gemma", "tokenizer"] | None = Field(
        None, description="training chat template; default: the chat_template stage's (from its tokenizer "
                          "artifact), else chatml for tiny and the tokenizer's own for other models. "
                          "Must agree with the stage")
    audit: Literal["raise", "drop", "off"] = Field(
        "raise", description="mask-coverage audit on the exact training tokenizer: raise on a row whose "
                             "assistant turns are not all masked, drop such rows, or skip")
    eval_per_source: bool = Field(
        True, description="report eval loss per source (a dict eval_dataset); every source with at least "
                          "1/eval_fraction rows gets at least one eval row")
    merge_adapter: bool = Field(False, description="LoRA: also save the merged full model in <output>/merged")
    sample_weight: str | None = Field(
        None, min_length=1, description="numeric column of the curated data (e.g. stat_quality) that weights each "
                                        "training row's loss (divided by its mean; train.weights); needs "
                                        "padding-free batches (the default)")
    cpu_fused_lm_head: bool | None = Field(
        None, description="CPU only: score the LM head on supervised positions with lean in-place tiles "
                          "(train.lm_head; patches private TRL functions). Default: on when the installed trl "
                          "is in the tested range (curate.chat.compat.TESTED), else off; true outside the "
                          "range is an error; false: TRL's own CPU path")

    @model_validator(mode="after")
    def _check(self) -> "TrainSpec":
        if self.packing and "padding_free" in self.model_fields_set and self.padding_free:
            raise ValueError("packing already implies padding_free; set only one")
        if self.packing:
            self.padding_free = False
        if self.model == "tiny" and self.lora is not None and self.lora.load_in_4bit:
            raise ValueError("lora.load_in_4bit (QLoRA) needs a pretrained model, not tiny")
        if self.merge_adapter and self.lora is None:
            raise ValueError("merge_adapter needs a lora: block (there is no adapter to merge)")
        if self.sample_weight is not None and not self.padding_free:
            raise ValueError("sample_weight needs padding_free batches (packing would merge rows of different "
                             "weights): drop packing / padding_free: false, or sample_weight")
        if self.model == "tiny" and self.template == "tokenizer":
            raise ValueError("template: tokenizer needs a real model's tokenizer; tiny takes a named template")
        return self


def check_train_against_stages(train: TrainSpec | None, stages: list[tuple[str, BaseModel]]) -> list[str]:
    """Problems between a ``train:`` block and the curation stages that feed it, one string each, starting with
    the ``train.`` key at fault (``train.tiny.vocab_size: ...``); empty when they agree or there is no ``train:``.

    ``stages`` is ``[(stage name, validated params), ...]`` in pipeline order. The last ``chat_template`` stage
    owns the tokenizer and the template, because it counted, audited and length-filtered the rows with them;
    training inherits both (``train.model.resolve_template``, ``train.launch.run_training``). So these are errors,
    found by ``curatrain validate`` rather than after curation:

    - ``train.tiny.vocab_size`` different from the stage's ``vocab_size`` (the stage trains the tiny tokenizer;
      the train value would be ignored);
    - ``train.template`` different from the stage's ``template``;
    - ``train.model: tiny`` with a stage ``tokenizer`` other than ``tiny``, or another model with the stage's
      ``tokenizer: tiny`` (rows counted and audited with another vocabulary than the one trained);
    - ``train.general_eval.replay`` without a ``mix`` stage that has a ``replay:`` block, or
      ``train.general_eval.source`` that no read stage declares (``_general_eval_problems``).
    """
    if train is None:
        return []
    out = _general_eval_problems(train, stages)
    staged = [p for name, p in stages if name == "chat_template"]
    if not staged:
        return out
    p = staged[-1]
    where = "the chat_template stage"
    if train.model == "tiny" and getattr(p, "tokenizer", "tiny") == "tiny" and train.tiny.vocab_size is not None \
            and train.tiny.vocab_size != getattr(p, "vocab_size", None):
        out.append(f"train.tiny.vocab_size: {train.tiny.vocab_size} differs from {where}'s vocab_size "
                   f"{p.vocab_size}, which trains the tokenizer: remove train.tiny.vocab_size")
    if train.template is not None and train.template != getattr(p, "template", None):
        out.append(f"train.template: {train.template} differs from {where}'s template {p.template}, which the rows "
                   "were counted and audited with: remove train.template to inherit it")
    tok = getattr(p, "tokenizer", None)
    if train.model == "tiny" and tok not in (None, "tiny"):
        out.append(f"train.model: tiny trains the tiny tokenizer, but {where} counted rows with tokenizer {tok}: "
                   "set its tokenizer: tiny, or train.model to that model")
    elif train.model != "tiny" and tok == "tiny":
        out.append(f"train.model: {train.model} has its own tokenizer, but {where} counted rows with the tiny one: "
                   f"set its tokenizer: {train.model}")
    return out


def _general_eval_problems(train: TrainSpec, stages: list[tuple[str, BaseModel]]) -> list[str]:
    """``train.general_eval`` against the stages: ``replay: true`` needs a ``mix`` stage with ``replay:``; a
    ``source`` must be declared by a read stage's inputs (when there is a read stage with inputs)."""
    ge = train.general_eval
    if ge is None:
        return []
    out = []
    if ge.replay and not any(name == "mix" and getattr(p, "replay", None) is not None for name, p in stages):
        out.append("train.general_eval.replay: no mix stage has a replay: block, so no row is marked meta.replay; "
                   "add mix replay: {source|path, share}, or give general_eval a path or source")
    declared = {i.source for name, p in stages if name == "read" for i in (getattr(p, "inputs", None) or [])}
    if ge.source is not None and declared and ge.source not in declared:
        out.append(f"train.general_eval.source: {ge.source!r} is not read by any input; declared sources: "
                   f"{', '.join(sorted(declared))}")
    return out


def unknown_key_hint(loc: tuple) -> str:
    """``unknown key; did you mean 'x'?`` for an unknown ``train:`` field at ``loc`` (a pydantic error
    location, e.g. ``("learning_rat",)`` or ``("lora", "rr")``), matched with difflib against the
    fields of the model at that depth; plain ``unknown key`` when nothing is close."""
    import difflib
    import typing

    model: type[BaseModel] | None = TrainSpec
    for part in loc[:-1]:
        field = model.model_fields.get(str(part)) if model is not None else None
        nested = [a for a in typing.get_args(field.annotation) or (field.annotation,)
                  if isinstance(a, type) and issubclass(a, BaseModel)] if field is not None else []
        model = nested[0] if nested else None
    near = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1) if model is not None else []
    return "unknown key" + (f"; did you mean {near[0]!r}?" if near else "")

