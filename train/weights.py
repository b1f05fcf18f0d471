"""Per-sample loss weights from curation scores (``train.sample_weight: stat_quality``), applied in the loss.

Each training row carries ``sample_weight`` w_r (the column's value divided by its mean over the training rows,
``train.data.load_split``). The loss of a batch is

    L = Σ_t w_r(t) · (−log p(y_t | y_<t)) / N

over its supervised tokens t (labels ≠ −100), N = the number of supervised tokens (TRL's own normaliser:
per micro-batch, or ``num_items_in_batch`` across gradient accumulation). With every w = 1 this is exactly TRL's
token-mean NLL; a row of weight 2 counts as if it appeared twice in the batch, a row of weight 0 is not learned
from, and no row is duplicated (the weighted negative log-likelihood: each example's NLL scaled by its weight).

``SampleWeightCollator`` wraps TRL's collator and turns the rows' weights into ``token_weights`` aligned with
``labels`` (padded or padding-free batches); ``WeightedSFTTrainer.compute_loss`` multiplies TRL's per-token
log-probabilities (its fused LM head, ``model(..., fused_lm_head=True)``, a TRL-internal keyword: checked by
``curate.chat.compat.require("sample_weight")``) by them. Batches without ``token_weights`` (eval) take TRL's
loss unchanged.

Example::

    trainer = weighted_trainer_class()(model=model, args=cfg, train_dataset=train_in, processing_class=tok)
    trainer.data_collator = SampleWeightCollator(trainer.data_collator)
"""

from __future__ import annotations

from typing import Any

from train.data import SAMPLE_WEIGHT


class SampleWeightCollator:
    """Wraps a collator: strips ``sample_weight`` from each example, collates the rest with ``base``, and adds
    ``token_weights`` (float32, the shape of ``labels``: [1, Σ tokens] padding-free, [rows, longest] padded; 0 on
    padding) holding each row's weight on each of its tokens."""

    def __init__(self, base):
        self.base = base

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        if not examples or SAMPLE_WEIGHT not in examples[0]:
            return self.base(examples)
        weights = [float(e[SAMPLE_WEIGHT]) for e in examples]
        batch = self.base([{k: v for k, v in e.items() if k != SAMPLE_WEIGHT} for e in examples])
        per_row = [torch.full((len(e["input_ids"]),), w, dtype=torch.float32) for e, w in zip(examples, weights)]
        labels = batch["labels"]
        if labels.shape[0] == 1 and len(per_row) > 1:  # padding-free: one flattened row
            per_row = [torch.cat(per_row)]
        out = torch.zeros(labels.shape, dtype=torch.float32)
        for i, w in enumerate(per_row):
            out[i, :min(len(w), labels.shape[1])] = w[:labels.shape[1]]
        batch["token_weights"] = out
        return batch


def weighted_trainer_class():
    """``trl.SFTTrainer`` subclass whose ``compute_loss`` applies ``token_weights`` (see the module). Raises
    ``curate.chat.compat.VersionRangeError`` when trl is outside the tested range."""
    import torch
    from trl import SFTTrainer

    from curate.chat.compat import require

    require("sample_weight")

    class WeightedSFTTrainer(SFTTrainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            weights = inputs.pop("token_weights", None)
            if weights is None:
                return super().compute_loss(model, inputs, return_outputs=return_outputs,
                                            num_items_in_batch=num_items_in_batch)
            inputs["use_cache"] = False
            outputs = model(**inputs, fused_lm_head=True)
            log_probs = outputs.log_probs  # [rows, T-1], aligned with labels[:, 1:], 0 where ignored
            per_token = -log_probs * weights[:, 1:].to(log_probs.device, log_probs.dtype)
            n = outputs.label_mask.sum() if num_items_in_batch is None else num_items_in_batch
            loss = per_token.sum() / torch.as_tensor(n, device=per_token.device).clamp(min=1)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # as TRL: DDP averages the gradients
            return (loss, outputs) if return_outputs else loss

    return WeightedSFTTrainer
