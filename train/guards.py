"""Guards against the two pitfalls of SFT on small curated sets: overfitting and catastrophic forgetting.

- **Overfitting** (too many epochs on LIMA-size data; Zhou et al. 2023 trained LIMA 15 epochs and picked the
  checkpoint by hand): in-domain eval every ``eval_steps`` (default from the dataset size,
  ``default_eval_steps``), early stopping on eval loss with ``early_stopping_patience`` (transformers'
  ``EarlyStoppingCallback`` with ``load_best_model_at_end``, so the saved weights are the best eval's), and an
  epoch recommendation from where eval loss turned (``epoch_recommendation``).
- **Forgetting** (Luo et al. 2023, "An Empirical Study of Catastrophic Forgetting in LLMs During Continual
  Fine-tuning"): a general-purpose held-out set (``train.general_eval``, or the ``mix`` stage's replay rows)
  scored at every eval step next to the in-domain set; ``forgetting_warning`` names the steps where general eval
  loss rose while in-domain eval loss fell.

Histories are ``[[step, loss], ...]`` as in ``metrics.json`` (``eval_history``, ``general_eval_history``), read
from the trainer's ``log_history`` by ``eval_histories``. Pure Python: no torch here, so the report can use it.

Example::

    hist, gen, epochs = eval_histories(trainer.state.log_history, in_domain_key="eval_loss")
    epoch_recommendation(hist, epochs, stopped_early=True)
    forgetting_warning(hist, gen)
"""

from __future__ import annotations

import math
from typing import Any

#: key of the general held-out set in the trainer's eval dict (metrics ``eval_general_heldout_loss``)
GENERAL_KEY = "general_heldout"
#: metric of the general held-out set in the trainer's logs
GENERAL_METRIC = f"eval_{GENERAL_KEY}_loss"
#: evaluations per epoch when ``eval_steps`` is not given
EVALS_PER_EPOCH = 4
#: relative rise of general eval loss above its lowest value that counts as forgetting (1%: above the
#: step-to-step noise of a 64-row eval set on the tiny model, benchmarks/results/guards.md)
FORGETTING_TOLERANCE = 0.01


def steps_per_epoch(train_rows: int, batch_size: int, grad_accum: int, world_size: int = 1) -> int:
    """Optimizer steps in one epoch of ``train_rows`` rows (at least 1)."""
    return max(1, math.ceil(train_rows / max(1, batch_size * grad_accum * world_size)))


def default_eval_steps(train_rows: int, batch_size: int, grad_accum: int, max_steps: int,
                       world_size: int = 1) -> int:
    """``eval_steps`` when the ``train:`` block gives none: ``EVALS_PER_EPOCH`` evaluations per epoch, or, when
    ``max_steps`` (> 0) ends the run within an epoch, ``EVALS_PER_EPOCH`` evaluations in all; at least 1.
    E.g. 950 rows, batch 8 → 119 steps per epoch → every 30 steps."""
    span = steps_per_epoch(train_rows, batch_size, grad_accum, world_size)
    if max_steps and max_steps > 0:
        span = min(span, max_steps)
    return max(1, math.ceil(span / EVALS_PER_EPOCH))


def eval_histories(log_history: list[dict[str, Any]], in_domain_key: str
                   ) -> tuple[list[list[float]], list[list[float]], dict[int, float]]:
    """``(eval_history, general_eval_history, {step: epoch})`` from a trainer's ``state.log_history``.

    ``in_domain_key``: the in-domain metric (``eval_loss`` for one eval set, ``eval_all_loss`` for per-source
    sets). Each history is ``[[step, loss], ...]`` in step order, one entry per evaluation (the final
    ``trainer.evaluate()`` after training repeats the last step and is left out)."""
    hist: dict[int, float] = {}
    gen: dict[int, float] = {}
    epochs: dict[int, float] = {}
    for h in log_history:
        step = h.get("step")
        if step is None:
            continue
        if in_domain_key in h and step not in hist:
            hist[step] = float(h[in_domain_key])
            epochs.setdefault(step, float(h.get("epoch") or 0.0))
        if GENERAL_METRIC in h and step not in gen:
            gen[step] = float(h[GENERAL_METRIC])
            epochs.setdefault(step, float(h.get("epoch") or 0.0))
    return ([[s, v] for s, v in sorted(hist.items())], [[s, v] for s, v in sorted(gen.items())], epochs)


def best_eval(history: list[list[float]]) -> tuple[int, float] | None:
    """``(step, loss)`` of the lowest eval loss (the first on ties), or None for an empty history."""
    if not history:
        return None
    step, loss = min(history, key=lambda e: (e[1], e[0]))
    return int(step), float(loss)


def epoch_recommendation(history: list[list[float]], epochs: dict[int, float], *, stopped_early: bool) -> str | None:
    """One sentence for the model card, from where in-domain eval loss turned; None without a history.

    - the lowest eval loss before the last eval: ``eval loss was lowest at step S (epoch E): train ~E epochs on
      this data`` (E rounded to 0.1; at least 0.1), plus ``(early stopping ended the run at step L)`` when it did;
    - the lowest at the last eval: ``eval loss was still falling at the last eval (step S, epoch E): more epochs
      may help``; with a single eval, only its step and loss.
    """
    best = best_eval(history)
    if best is None:
        return None
    step, loss = best
    epoch = epochs.get(step, 0.0)
    last = int(history[-1][0])
    if len(history) == 1:
        return f"eval loss {loss:.4f} at step {step} (epoch {epoch:.1f}): one eval only, no trend to read"
    if step == last:
        return (f"eval loss was still falling at the last eval (step {step}, epoch {epoch:.1f}): "
                "more epochs may help")
    e = max(0.1, round(epoch, 1))
    tail = f" (early stopping ended the run at step {last})" if stopped_early else ""
    return f"eval loss was lowest at step {step} (epoch {epoch:.1f}): train ~{e:g} epochs on this data{tail}"


def forgetting_warning(history: list[list[float]], general: list[list[float]],
                       tolerance: float = FORGETTING_TOLERANCE) -> str | None:
    """A warning when general eval loss rose while in-domain eval loss fell, else None.

    From the step ``a`` where general eval loss was lowest to its last eval ``b``: warns when general loss rose by
    more than ``tolerance`` (relative) and in-domain eval loss at ``b`` is below its value at ``a`` (both
    histories ``[[step, loss], ...]``; in-domain values are taken at the same steps, so both must share steps).
    """
    if len(general) < 2 or not history:
        return None
    ind = {int(s): v for s, v in history}
    a_step, a_gen = min(general, key=lambda e: (e[1], e[0]))
    b_step, b_gen = general[-1]
    if b_step == a_step or b_gen <= a_gen * (1 + tolerance):
        return None
    a_in, b_in = ind.get(int(a_step)), ind.get(int(b_step))
    if a_in is None or b_in is None or b_in >= a_in:
        return None
    return (f"forgetting: general eval loss rose {a_gen:.4f} → {b_gen:.4f} (step {int(a_step)} → {int(b_step)}) "
            f"while in-domain eval loss fell {a_in:.4f} → {b_in:.4f}: add general data (mix replay:), "
            "train fewer steps or lower the learning rate")


def early_stopping_callback(patience: int):
    """transformers' ``EarlyStoppingCallback(early_stopping_patience=patience)`` (threshold 0: any decrease
    counts as an improvement), told only about the evaluation that carries ``metric_for_best_model``: with a dict
    of eval sets (per source, general held-out) the Trainer calls ``on_evaluate`` once per set, and the stock
    callback would warn and skip on every other set. It needs ``load_best_model_at_end`` and
    ``metric_for_best_model`` (``train.config.build_sft_config`` sets both)."""
    from transformers import EarlyStoppingCallback

    class InDomainEarlyStopping(EarlyStoppingCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            key = args.metric_for_best_model or ""
            key = key if key.startswith("eval_") else f"eval_{key}"
            if not metrics or key not in metrics:
                return control
            return super().on_evaluate(args, state, control, metrics=metrics, **kwargs)

    return InDomainEarlyStopping(early_stopping_patience=patience)


def in_domain_metric(eval_in) -> str | None:
    """The trainer metric of the in-domain eval set: ``eval_loss`` (one dataset), ``eval_all_loss`` (a dict with
    ``all``), or None when only the general held-out set (or nothing) is evaluated."""
    if eval_in is None:
        return None
    if not isinstance(eval_in, dict):
        return "eval_loss"
    return "eval_all_loss" if "all" in eval_in else None


def resolve_eval(spec, train_rows: int, eval_in, world_size: int = 1) -> tuple[int | None, str | None]:
    """``(eval_steps, best_metric)`` for ``train.config.build_sft_config``: ``spec.eval_steps`` or
    ``default_eval_steps`` when there is any eval set (None otherwise); the in-domain metric
    (``in_domain_metric``) when ``spec.early_stopping_patience`` is set, else None."""
    if eval_in is None:
        return None, None
    steps = spec.eval_steps or default_eval_steps(train_rows, spec.batch_size, spec.gradient_accumulation_steps,
                                                  spec.max_steps, world_size)
    return steps, (in_domain_metric(eval_in) if spec.early_stopping_patience else None)


def summarize(log_history: list[dict[str, Any]], eval_in, *, steps: int, max_steps: int,
              early_stopping: bool) -> dict[str, Any]:
    """The guards' part of ``metrics.json``: ``eval_history`` and ``general_eval_history`` (``[[step, loss]]``),
    ``best_step``/``best_eval_loss``/``best_epoch`` (lowest in-domain eval), ``stopped_early`` (True when early
    stopping ended the run before ``max_steps``), ``epoch_recommendation`` and ``forgetting_warning`` (str or None)."""
    metric = in_domain_metric(eval_in)
    hist, gen, epochs = eval_histories(log_history, metric or "\0")
    best = best_eval(hist)
    stopped = bool(early_stopping and hist and steps < max_steps)
    return {
        "eval_history": hist,
        "general_eval_history": gen,
        "best_step": best[0] if best else None,
        "best_eval_loss": best[1] if best else None,
        "best_epoch": epochs.get(best[0]) if best else None,
        "stopped_early": stopped,
        "epoch_recommendation": epoch_recommendation(hist, epochs, stopped_early=stopped),
        "forgetting_warning": forgetting_warning(hist, gen),
    }
