"""Throughput metrics for a training run: tokens/s, supervised-token fraction, padding fraction and,
on a GPU, model FLOPs utilisation (MFU).

``ThroughputCallback`` is a ``transformers.TrainerCallback``; ``attach(trainer)`` also wraps the
trainer's ``training_step`` so every micro-batch is counted as the model sees it (padded, padding-free
or packed alike), with no host sync until a log step. Works on any ``Trainer`` (curatrain's runs and
plain TRL in ``benchmarks/train_bench.py``)::

    cb = ThroughputCallback(n_params=sum(p.numel() for p in model.parameters()))
    trainer.add_callback(cb); cb.attach(trainer)
    trainer.train(); cb.summary()   # {"tokens_per_second": ..., "padding_fraction": ..., "mfu": ...}

Definitions (per micro-batch, summed over the run):

- ``tokens``: positions the model ran on (``input_ids.numel()``), padding included;
- ``real_tokens``: non-padding positions (``attention_mask.sum()``; all positions when the batch
  carries no attention mask: padding-free and packed batches);
- ``supervised``: positions with a label (``labels != -100``);
- counts are summed over all processes under torch.distributed (DDP/FSDP), so rates are the job's;
- ``tokens_per_second`` = real_tokens / seconds from the first to the last training step (eval excluded
  when it happens at a log step: the clock pauses in ``on_evaluate`` … next step);
- ``tokens_per_cpu_second`` = real_tokens / process CPU seconds over the same steps: on a shared
  machine with one torch thread this is the steadier figure (time lost waiting for a core is not counted);
- ``padding_fraction`` = 1 − real_tokens / tokens; ``supervised_token_fraction`` = supervised / real_tokens;
- ``mfu`` = 6 · N · tokens_per_second / (peak bf16 dense FLOP/s · GPUs) (Kaplan et al. 2020's 6N
  FLOPs per token, attention ignored, as in nanochat and anchors §2 row 11), N = all parameters;
  ``None`` on CPU, without bf16, or on a GPU not in ``PEAK_BF16_FLOPS``.
"""

from __future__ import annotations

import time
from typing import Any

try:
    from transformers import TrainerCallback
except ImportError:  # pragma: no cover - transformers is a training dependency
    TrainerCallback = object  # type: ignore[misc,assignment]

#: dense bf16 peak FLOP/s per GPU, by a substring of ``torch.cuda.get_device_name()``, first match wins
#: (NVIDIA datasheets; the sparsity figures are twice these). Order matters: "H100 PCIe" before "H100".
PEAK_BF16_FLOPS: list[tuple[str, float]] = [
    ("H200", 989e12),
    ("GH200", 989e12),
    ("H100 PCIe", 756e12),
    ("H100 NVL", 835e12),
    ("H100", 989e12),   # SXM / HBM3
    ("A100", 312e12),
]


def peak_flops(device_name: str | None) -> float | None:
    """Peak dense bf16 FLOP/s for a CUDA device name, or None when unknown."""
    if not device_name:
        return None
    for key, flops in PEAK_BF16_FLOPS:
        if key in device_name:
            return flops
    return None


def mfu(n_params: int, tokens_per_second: float | None, peak: float | None, n_devices: int = 1) -> float | None:
    """6 · N · tokens/s ÷ (peak · devices); None if any input is missing."""
    if not tokens_per_second or not peak or not n_params:
        return None
    return 6.0 * n_params * tokens_per_second / (peak * max(n_devices, 1))


class ThroughputCallback(TrainerCallback):
    """Counts tokens per micro-batch and adds throughput metrics to each training log entry.

    Args:
        n_params: parameters N for MFU (all of them; for LoRA this overstates the backward pass).
        bf16: whether the run computes in bf16 (MFU is only reported then).
    """

    def __init__(self, n_params: int = 0, bf16: bool = False):
        self.n_params = int(n_params)
        self.bf16 = bf16
        self.device_name: str | None = None
        self.n_devices = 1
        self._acc: dict[str, Any] = {}
        self.totals = {"tokens": 0, "real_tokens": 0, "supervised": 0}
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self._t_last: float | None = None
        self._c_last: float | None = None
        self._interval = {"tokens": 0, "real_tokens": 0, "supervised": 0, "seconds": 0.0}

    # ---- counting
    def attach(self, trainer) -> "ThroughputCallback":
        """Wrap ``trainer.training_step`` so each micro-batch is counted; returns self."""
        orig = trainer.training_step

        def training_step(model, inputs, *args, **kwargs):
            self.observe(inputs)
            return orig(model, inputs, *args, **kwargs)

        trainer.training_step = training_step
        self.n_devices = max(getattr(trainer.args, "world_size", 1) or 1, 1)
        return self

    def observe(self, inputs: dict) -> None:
        """Count one micro-batch (``input_ids``, optional ``attention_mask`` and ``labels``)."""
        ids = inputs.get("input_ids")
        if ids is None:
            return
        total = ids.numel()
        am = inputs.get("attention_mask")
        real = am.sum() if am is not None else total
        labels = inputs.get("labels")
        sup = (labels != -100).sum() if labels is not None else real
        for k, v in (("tokens", total), ("real_tokens", real), ("supervised", sup)):
            self._acc[k] = self._acc.get(k, 0) + v  # tensors stay on device until _flush

    def _flush(self) -> None:
        """Move the on-device counts into the totals; under torch.distributed (several processes), sum
        them over all ranks first, so tokens/s is the whole job's. Called on every rank at the same
        points (each log step, ``summary``), as the collective needs."""
        import torch

        keys = ("tokens", "real_tokens", "supervised")
        vals = [self._acc.get(k, 0) for k in keys]
        dev = next((v.device for v in vals if hasattr(v, "device")), None)
        if torch.distributed.is_available() and torch.distributed.is_initialized() \
                and torch.distributed.get_world_size() > 1:
            if dev is None or (dev.type == "cpu" and torch.distributed.get_backend() == "nccl"):
                dev = torch.device("cuda", torch.cuda.current_device()) if torch.cuda.is_available() else torch.device("cpu")
            t = torch.stack([torch.as_tensor(v, dtype=torch.int64, device=dev) for v in vals])
            torch.distributed.all_reduce(t)
            vals = t.tolist()
        for k, v in zip(keys, vals):
            v = int(v.item()) if hasattr(v, "item") else int(v)
            self.totals[k] += v
            self._interval[k] += v
        self._acc = {}

    # ---- timing
    def on_train_begin(self, args, state, control, **kwargs):
        try:
            import torch

            if torch.cuda.is_available():
                self.device_name = torch.cuda.get_device_name()
        except Exception:  # pragma: no cover
            pass
        self._t_last = time.perf_counter()
        self._c_last = time.process_time()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if self._t_last is not None:
            dt = now - self._t_last
            self.seconds += dt
            self._interval["seconds"] += dt
        if self._c_last is not None:
            self.cpu_seconds += cpu - self._c_last
        self._t_last, self._c_last = now, cpu

    def on_step_end(self, args, state, control, **kwargs):
        self._tick()

    def on_evaluate(self, args, state, control, **kwargs):
        self._t_last = time.perf_counter()  # evaluation time is not training time
        self._c_last = time.process_time()

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or "loss" not in logs:
            return
        self._flush()
        iv = self._interval
        tps = iv["real_tokens"] / iv["seconds"] if iv["seconds"] > 0 else None
        extra = self._metrics(iv["tokens"], iv["real_tokens"], iv["supervised"], tps)
        if state.log_history and state.log_history[-1].get("step") == state.global_step:
            state.log_history[-1].update({k: v for k, v in extra.items() if v is not None})
        logs.update({k: v for k, v in extra.items() if v is not None})
        self._interval = {"tokens": 0, "real_tokens": 0, "supervised": 0, "seconds": 0.0}

    def _metrics(self, tokens: int, real: int, sup: int, tps: float | None) -> dict[str, float | None]:
        peak = peak_flops(self.device_name) if self.bf16 else None
        return {
            "tokens_per_second": tps,
            "supervised_token_fraction": sup / real if real else None,
            "padding_fraction": 1.0 - real / tokens if tokens else None,
            "mfu": mfu(self.n_params, tps, peak, self.n_devices),
        }

    def summary(self) -> dict[str, Any]:
        """Whole-run metrics: ``tokens_seen`` (positions incl. padding), ``real_tokens``,
        ``supervised_tokens``, ``train_seconds``, ``train_cpu_seconds``, ``tokens_per_cpu_second``,
        ``tokens_per_second``, ``supervised_token_fraction``,
        ``padding_fraction``, ``mfu`` (None on CPU), ``peak_flops`` and ``device``."""
        self._flush()
        t = self.totals
        tps = t["real_tokens"] / self.seconds if self.seconds > 0 else None
        out: dict[str, Any] = {"tokens_seen": t["tokens"], "real_tokens": t["real_tokens"],
                               "supervised_tokens": t["supervised"], "train_seconds": self.seconds,
                               "train_cpu_seconds": self.cpu_seconds,
                               "tokens_per_cpu_second": t["real_tokens"] / self.cpu_seconds if self.cpu_seconds > 0 else None}
        out.update(self._metrics(t["tokens"], t["real_tokens"], t["supervised"], tps))
        out["peak_flops"] = peak_flops(self.device_name) if self.bf16 else None
        out["device"] = self.device_name or "cpu"
        return out


class EchoCallback(TrainerCallback):
    """Sends one line per training log to ``echo``: ``  step 10/120  loss=2.31  learning_rate=0.003 ...``
    (loss, learning rate, grad norm, tokens/s, padding fraction, MFU, epoch and every ``eval_*_loss``); the
    final ``train_runtime`` summary is skipped (``train_model`` prints its own)."""

    KEYS = ("loss", "learning_rate", "grad_norm", "tokens_per_second", "padding_fraction", "mfu", "epoch")

    def __init__(self, echo):
        self.echo = echo

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not logs or "train_runtime" in logs:
            return
        parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                 for k, v in logs.items() if k in self.KEYS or (k.startswith("eval_") and k.endswith("_loss"))]
        self.echo(f"  step {state.global_step}/{state.max_steps}  " + "  ".join(parts))
