"""A faster CPU path for TRL 1.16's fused LM head (``cpu_lm_head()``), used by ``train_model`` on CPU.

TRL 1.16 always computes the SFT loss through a fused, chunked LM head
(``trl.trainer.utils.add_fused_lm_head`` → ``trl.kernels.chunked_logprob.ChunkedLogProbFunction``):
per tile of [tokens × vocabulary] logits it folds an online log-sum-exp, the target logit, the entropy
and the top-1 flag, and the backward recomputes each tile into the logits gradient. On CUDA that fold
is one Triton kernel; on CPU it is a chain of whole-tile torch ops (``_forward_tile`` /
``_backward_tile``: ~12 and ~14 passes over the tile, each allocating a temporary). Profiled on the
tiny model (train/ profile, 2026-11-21), the head took ~88% of a padding-free CPU step, ~70% of it in
those element-wise ops. Inside ``cpu_lm_head()``:

1. **compact**: ``trl.trainer.utils._use_triton`` answers True for CPU tensors, so the head runs on
   supervised positions only (TRL does this on CUDA/XPU; elsewhere it scores every position to keep
   tile shapes static for compilers such as Neuron's, which eager CPU does not need);
2. **lean tiles**: ``_forward_tile``/``_backward_tile`` are replaced by versions that work in place on
   the tile buffer (forward: max+argmax, shift, exp, sum, row-wise dot; backward: shift, exp, scale,
   one scatter-add): the same statistics and gradients (tests/test_train_extras.py compares them with
   TRL's own functions), 3-4× fewer passes. Tiles with softcapping, a logit scale, non-fp32 compute,
   ``log_sum_sq_probs``/``mean_logits`` or an entropy gradient go to TRL's functions unchanged.

Everything is restored on exit. The patch relies on private TRL names and their argument lists, so
``cpu_lm_head()`` first checks that the installed trl is in the tested range (``curate.chat.compat``,
``require("cpu_fused_lm_head")``) and that TRL's functions still take exactly the arguments the lean
versions take; either check failing raises a one-line ``ValueError`` naming ``train.cpu_fused_lm_head``.
``train_model`` enables it on CPU by default (``train.config.resolve_device``). The kernels still choose
Triton by their own check, so GPUs are unaffected.
"""

from __future__ import annotations

import math

def lean_forward_tile(tile, tile_stride, targets, running_max, sum_exp, x_sum_exp, sq_sum_exp, z_sum,
                      max_before_target, target_logit, vocab_start, n_cols, logit_scale, softcap, inv_t,
                      HAS_SOFTCAP, HAS_ENTROPY, HAS_LOG_SUM_SQ_PROBS, HAS_MEAN_LOGITS, HAS_IS_TOP1, BLOCK_SIZE,
                      _fallback=None):
    """Drop-in for ``trl.kernels.chunked_logprob._forward_tile`` (same arguments, same updates of the
    running statistics); ``tile`` [n, n_cols] is a scratch buffer and is overwritten."""
    import torch

    if (HAS_SOFTCAP or HAS_LOG_SUM_SQ_PROBS or HAS_MEAN_LOGITS or logit_scale != 1.0
            or tile.dtype != torch.float32):
        return _fallback(tile, tile_stride, targets, running_max, sum_exp, x_sum_exp, sq_sum_exp, z_sum,
                         max_before_target, target_logit, vocab_start, n_cols, logit_scale=logit_scale,
                         softcap=softcap, inv_t=inv_t, HAS_SOFTCAP=HAS_SOFTCAP, HAS_ENTROPY=HAS_ENTROPY,
                         HAS_LOG_SUM_SQ_PROBS=HAS_LOG_SUM_SQ_PROBS, HAS_MEAN_LOGITS=HAS_MEAN_LOGITS,
                         HAS_IS_TOP1=HAS_IS_TOP1, BLOCK_SIZE=BLOCK_SIZE)
    z = tile
    if inv_t != 1.0:
        z.mul_(inv_t)
    m_tile, arg = z.max(-1)  # first maximal index on ties, like argmax
    local = targets - vocab_start
    in_tile = (local >= 0) & (local < n_cols)
    target_z = z.gather(-1, local.clamp(0, n_cols - 1).unsqueeze(-1)).squeeze(-1)
    if HAS_IS_TOP1:
        # only the comparison target_logit > max_before_target matters: a tile entirely before the
        # target contributes its max; in the target's tile, a max strictly before it (first argmax
        # < target) is m_tile, otherwise nothing before the target reaches the target's logit
        before = (local >= n_cols) | (in_tile & (arg < local))
        cand = torch.where(before, m_tile, torch.full_like(m_tile, -math.inf))
        torch.maximum(max_before_target, cand, out=max_before_target)
    new_m = torch.maximum(running_max, m_tile)
    rescale = torch.exp(running_max - new_m)
    z.sub_(new_m.unsqueeze(-1))  # z - max
    e = torch.exp(z)
    s = e.sum(-1)
    if HAS_ENTROPY:
        # Σ e·z_orig = Σ e·(z - max) + max·Σ e
        xs = torch.einsum("ij,ij->i", e, z) + new_m * s
        x_sum_exp.mul_(rescale).add_(xs)
    sum_exp.mul_(rescale).add_(s)
    running_max.copy_(new_m)
    target_logit.copy_(torch.where(in_tile, target_z, target_logit))


def lean_backward_tile(tile, tile_stride, targets, log_z, entropy, grad_logprobs, grad_entropy, vocab_start,
                       n_cols, logit_scale, softcap, inv_t, HAS_SOFTCAP, HAS_LOGPROB_GRAD, HAS_ENTROPY_GRAD,
                       BLOCK_SIZE, _fallback=None):
    """Drop-in for ``trl.kernels.chunked_logprob._backward_tile``: turns the recomputed logits ``tile``
    into d(loss)/d(logits) in place: ``g · inv_t · (onehot(target) − p)``."""
    import torch

    if HAS_SOFTCAP or HAS_ENTROPY_GRAD or logit_scale != 1.0 or tile.dtype != torch.float32:
        return _fallback(tile, tile_stride, targets, log_z, entropy, grad_logprobs, grad_entropy, vocab_start,
                         n_cols, logit_scale=logit_scale, softcap=softcap, inv_t=inv_t, HAS_SOFTCAP=HAS_SOFTCAP,
                         HAS_LOGPROB_GRAD=HAS_LOGPROB_GRAD, HAS_ENTROPY_GRAD=HAS_ENTROPY_GRAD,
                         BLOCK_SIZE=BLOCK_SIZE)
    if not HAS_LOGPROB_GRAD:
        tile.zero_()
        return
    if inv_t != 1.0:
        tile.mul_(inv_t)
    tile.sub_(log_z.unsqueeze(-1)).exp_()  # p
    g = grad_logprobs * inv_t
    tile.mul_(g.neg().unsqueeze(-1))       # -g·p
    local = targets - vocab_start
    rows = ((local >= 0) & (local < n_cols)).nonzero().squeeze(-1)
    tile.index_put_((rows, local[rows]), g[rows], accumulate=True)  # +g at the target


def check_hooks(tu, ck) -> None:
    """Raise ``ValueError`` (one line) unless ``tu`` (``trl.trainer.utils``) has ``_use_triton`` and ``ck``
    (``trl.kernels.chunked_logprob``) has ``_forward_tile``/``_backward_tile`` taking exactly the arguments of
    ``lean_forward_tile``/``lean_backward_tile`` (by name, in order)."""
    import inspect

    problems = [] if callable(getattr(tu, "_use_triton", None)) else ["trl.trainer.utils._use_triton is gone"]
    for name, lean in (("_forward_tile", lean_forward_tile), ("_backward_tile", lean_backward_tile)):
        theirs = getattr(ck, name, None)
        want = [p for p in inspect.signature(lean).parameters if p != "_fallback"]
        if theirs is None or list(inspect.signature(theirs).parameters) != want:
            problems.append(f"trl.kernels.chunked_logprob.{name} no longer takes ({', '.join(want[:3])}, ...)")
    if problems:
        raise ValueError("train.cpu_fused_lm_head: " + "; ".join(problems) + ": set train.cpu_fused_lm_head: false")


class cpu_lm_head:
    """Context manager: compact scoring and lean tiles for TRL's fused LM head on CPU (see module)."""

    def __enter__(self):
        from curate.chat.compat import require

        require("cpu_fused_lm_head")
        import trl.kernels.chunked_logprob as ck
        import trl.trainer.utils as tu

        check_hooks(tu, ck)
        self._saved = []
        orig_use = tu._use_triton
        self._saved.append((tu, "_use_triton", orig_use))
        tu._use_triton = lambda device: device.type == "cpu" or orig_use(device)
        fwd, bwd = ck._forward_tile, ck._backward_tile
        self._saved += [(ck, "_forward_tile", fwd), (ck, "_backward_tile", bwd)]
        ck._forward_tile = lambda *a, **k: lean_forward_tile(*a, **k, _fallback=fwd)
        ck._backward_tile = lambda *a, **k: lean_backward_tile(*a, **k, _fallback=bwd)
        return self

    def __exit__(self, *exc):
        for mod, name, value in reversed(self._saved):
            setattr(mod, name, value)
        return False
