"""How a run trains: the device (CUDA or CPU, bf16, threads, the CPU LM-head speed-up), the ``trl.SFTConfig``
the ``train:`` block maps onto, and the log of every resolved setting.

``resolve_device(spec)`` decides the hardware-dependent settings once; ``build_sft_config`` maps the spec onto
TRL; ``log_settings`` writes every resolved value to stderr (``logging``, logger ``curatrain.train``), one per
line, in the manner of nanochat's ``chat_sft.py``, so a run's log says exactly what it trained with.

Example::

    device = resolve_device(spec)
    cfg = build_sft_config(spec, Path("out/lima/model"), seed=13, device=device, has_eval=True)
    log_settings(spec, device, cfg, template="chatml", model="tiny Llama ...")

trl/torch are imported inside the functions.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train.spec import TrainSpec

log = logging.getLogger("curatrain.train")


def train_logger() -> logging.Logger:
    """The ``curatrain.train`` logger at INFO (WARNING on ranks other than 0 under a launcher, so a multi-GPU run
    logs its settings once); when nothing else configured logging (no root handler), it writes bare messages to
    stderr."""
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO if os.environ.get("RANK", "0") == "0" else logging.WARNING)
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return log


@dataclass(frozen=True)
class Device:
    """Hardware-dependent settings, resolved once per run.

    ``cuda``: a CUDA GPU is used; ``bf16``: compute in bf16; ``threads``: torch CPU threads;
    ``fused_lm_head``: ``train.lm_head.cpu_lm_head`` wraps training (CPU only)."""

    cuda: bool
    bf16: bool
    threads: int
    fused_lm_head: bool

    def describe(self) -> str:
        return (f"{'cuda' if self.cuda else 'cpu'}{', bf16' if self.bf16 else ''}, {self.threads} threads"
                + (", CPU fused LM head" if self.fused_lm_head else ""))


def resolve_device(spec: TrainSpec) -> Device:
    """``Device`` for ``spec``: sets torch's thread count to ``spec.num_threads`` when given; bf16 defaults to
    on for a GPU that supports it; the CPU LM-head speed-up (``spec.cpu_fused_lm_head``) defaults to on on CPU
    when the installed trl is in the tested range (``curate.chat.compat``) and off otherwise (logged). Raises
    ``curate.chat.compat.VersionRangeError`` when ``cpu_fused_lm_head: true`` is asked for outside that range."""
    import torch

    from curate.chat.compat import TESTED, in_range, installed, require

    train_logger()  # the run's first step: its notes and settings reach stderr from here on
    if spec.num_threads:
        torch.set_num_threads(spec.num_threads)
    cuda = torch.cuda.is_available()
    bf16 = spec.bf16 if spec.bf16 is not None else bool(cuda and torch.cuda.is_bf16_supported())
    if cuda:
        fused = False  # the patch only acts on CPU tensors; GPUs run TRL's Triton kernel
    elif spec.cpu_fused_lm_head is None:
        fused = in_range("trl")
        if not fused:
            log.info(f"note: trl {installed('trl')} is outside {TESTED['trl']}: the CPU LM-head speed-up is off")
    else:
        if spec.cpu_fused_lm_head:
            require("cpu_fused_lm_head")
        fused = spec.cpu_fused_lm_head
    return Device(cuda=cuda, bf16=bf16, threads=torch.get_num_threads(), fused_lm_head=fused)


def build_sft_config(spec: TrainSpec, out_dir: Path, *, seed: int, device: Device, has_eval: bool,
                     eval_steps: int | None = None, best_metric: str | None = None):
    """Map ``spec`` onto ``trl.SFTConfig``.

    Names copy across (``learning_rate``, ``max_length``, ``packing``, ``packing_strategy``,
    ``padding_free``, ``gradient_accumulation_steps``, ``lr_scheduler_type``, ``weight_decay``,
    ``logging_steps``); ``epochs`` → ``num_train_epochs``, ``batch_size`` →
    ``per_device_{train,eval}_batch_size``, ``warmup_ratio`` → ``warmup_steps`` (a float < 1 is a
    ratio in transformers 5). ``padding_free`` sets ``max_length=None`` (rows are pre-truncated by
    ``pretokenize``). CPU: ``use_cpu``, ``bf16=False`` unless ``spec.bf16``, no activation
    checkpointing, no pinned memory. GPU: bf16 if supported, activation checkpointing on unless
    ``spec.gradient_checkpointing`` is false. Checkpoints every ``spec.save_steps`` (and by time through
    ``train.checkpoints.CheckpointPolicy``), the last ``spec.save_total_limit`` kept.

    Evaluation (``has_eval``): every ``eval_steps`` (the resolved value, ``train.guards.default_eval_steps``;
    default ``spec.eval_steps``). Early stopping (``spec.early_stopping_patience`` and ``best_metric``, the
    in-domain eval metric, e.g. ``eval_loss`` or ``eval_all_loss``): ``load_best_model_at_end``,
    ``metric_for_best_model=best_metric``, ``greater_is_better=False`` and ``save_strategy="best"`` (a checkpoint
    at each new best eval loss; transformers keeps the best one beside the ``save_total_limit`` newest), so the
    weights saved at the end are the best eval's. ``spec.report_to`` / ``spec.run_name`` pass through
    (default ``"none"``: no tracker).
    """
    from trl import SFTConfig

    cuda, bf16 = device.cuda, device.bf16
    ckpt = spec.gradient_checkpointing if spec.gradient_checkpointing is not None else cuda
    eval_steps = eval_steps or spec.eval_steps
    evaluate = bool(has_eval and eval_steps)
    best = bool(evaluate and best_metric and spec.early_stopping_patience)
    save_strategy = "best" if best else ("steps" if spec.save_steps else "no")
    return SFTConfig(
        output_dir=str(out_dir),
        seed=seed,
        data_seed=seed,
        num_train_epochs=spec.epochs,
        max_steps=spec.max_steps,
        learning_rate=spec.learning_rate,
        lr_scheduler_type=spec.lr_scheduler_type,
        warmup_steps=spec.warmup_ratio,
        weight_decay=spec.weight_decay,
        per_device_train_batch_size=spec.batch_size,
        per_device_eval_batch_size=spec.batch_size,
        gradient_accumulation_steps=spec.gradient_accumulation_steps,
        logging_steps=spec.logging_steps,
        logging_first_step=True,
        eval_strategy="steps" if evaluate else "no",
        eval_steps=eval_steps if evaluate else None,
        save_strategy=save_strategy,  # save_minutes: train.checkpoints.CheckpointPolicy
        save_steps=spec.save_steps or 1,  # unused with save_strategy "no" / "best"
        save_total_limit=spec.save_total_limit,
        load_best_model_at_end=best,
        metric_for_best_model=best_metric if best else None,
        greater_is_better=False if best else None,
        report_to=spec.report_to,
        run_name=spec.run_name,
        disable_tqdm=True,
        # padding_free rows arrive tokenized with labels already masked (``pretokenize``); TRL only
        # accepts assistant_only_loss on conversational rows
        assistant_only_loss=spec.assistant_only_loss and not spec.padding_free,
        packing=spec.packing,
        packing_strategy=spec.packing_strategy,
        padding_free=spec.padding_free,
        max_length=None if spec.padding_free else spec.max_length,
        use_cpu=not cuda,
        bf16=bf16,
        activation_checkpointing=ckpt,
        dataloader_pin_memory=cuda,
        remove_unused_columns=spec.sample_weight is None,  # keep sample_weight for train.weights' collator
    )


#: SFTConfig fields shown by ``log_settings`` (what decides the run; the rest are TRL/transformers defaults)
_SHOWN = ("output_dir", "seed", "data_seed", "num_train_epochs", "max_steps", "learning_rate", "lr_scheduler_type",
          "warmup_steps", "weight_decay", "per_device_train_batch_size", "gradient_accumulation_steps",
          "max_length", "packing", "packing_strategy", "padding_free", "assistant_only_loss", "bf16", "use_cpu",
          "activation_checkpointing", "logging_steps", "eval_strategy", "eval_steps", "save_strategy",
          "save_steps", "save_total_limit", "load_best_model_at_end", "metric_for_best_model", "report_to",
          "run_name")


def resolved_settings(spec: TrainSpec, device: Device, cfg: Any, **extra: Any) -> dict[str, Any]:
    """Every setting of the run as one flat dict: the ``train:`` block (``spec.<field>``, nested with dots),
    the device (``device.<field>``), the ``SFTConfig`` values that decide training (``sft.<field>``) and
    ``extra`` (template, model, resume point...)."""
    out: dict[str, Any] = {}

    def flat(prefix: str, d: dict) -> None:
        for k, v in d.items():
            if isinstance(v, dict):
                flat(f"{prefix}{k}.", v)
            else:
                out[f"{prefix}{k}"] = v

    flat("spec.", spec.model_dump(mode="json"))
    flat("device.", {k: getattr(device, k) for k in ("cuda", "bf16", "threads", "fused_lm_head")})
    flat("sft.", {k: getattr(getattr(cfg, k, None), "value", getattr(cfg, k, None)) for k in _SHOWN})  # enums
    out.update(extra)
    return out


def log_settings(settings: dict[str, Any]) -> None:
    """Log ``settings`` (``resolved_settings``) one per line, aligned, to the ``curatrain.train`` logger."""
    logger = train_logger()
    width = max((len(k) for k in settings), default=0)
    logger.info("settings:")
    for k, v in settings.items():
        logger.info(f"  {k:<{width}} = {v}")

