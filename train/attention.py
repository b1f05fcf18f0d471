"""``sdpa_varlen``: padding-free attention for CPU (and any device without flash-attention).

TRL's padding-free and packed batches are one row of concatenated documents with ``position_ids``
restarting at 0 per document and ``cu_seq_lens_q`` marking the boundaries. With ``sdpa``,
transformers 5 turns that into a dense block-diagonal (T × T) mask and attends over all T² pairs
(env-check.md §6: correct, but 3-5× slower per step than padded batches on CPU). This attention
instead runs ``scaled_dot_product_attention(is_causal=True)`` once per document, so the cost is
Σ Lᵢ² instead of (Σ Lᵢ)² and no mask is built — what flash-attention's varlen kernel does on GPU.

Use: ``register()`` once, then load or build the model with ``attn_implementation="sdpa_varlen"``.
Batches without document boundaries (padded batches with an ``attention_mask``, generation with a
KV cache) go to transformers' ``sdpa`` unchanged. Tested equal to per-document forward passes in
tests/test_train_extras.py.
"""

from __future__ import annotations

NAME = "sdpa_varlen"
_registered = False


def _segments(kwargs: dict, n: int) -> list[int]:
    cu = kwargs.get("cu_seq_lens_q")
    if cu is not None:
        return [int(x) for x in cu.tolist()]
    pos = kwargs.get("position_ids")
    if pos is not None and pos.shape[0] == 1 and pos.shape[-1] == n:
        starts = (pos[0] == 0).nonzero().flatten().tolist()
        if not starts or starts[0] != 0:
            starts = [0] + starts
        return starts + [n]
    return [0, n]


def varlen_sdpa_forward(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None,
                        is_causal=None, **kwargs):
    """Attention interface function: ``query`` (1, H, T, D), ``key``/``value`` (1, H_kv, T, D) →
    ``(output (1, T, H, D), None)``; per-document causal SDPA when the batch is one flattened row
    with no attention mask, else transformers' ``sdpa_attention_forward``."""
    import torch
    import torch.nn.functional as F
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    n = query.shape[2]
    if attention_mask is not None or query.shape[0] != 1 or key.shape[2] != n:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, is_causal=is_causal, **kwargs)
    gqa = query.shape[1] != key.shape[1]
    bounds = _segments(kwargs, n)
    outs = [F.scaled_dot_product_attention(query[:, :, s:e], key[:, :, s:e], value[:, :, s:e], dropout_p=dropout,
                                           scale=scaling, is_causal=True, enable_gqa=gqa)
            for s, e in zip(bounds[:-1], bounds[1:]) if e > s]
    out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)
    return out.transpose(1, 2).contiguous(), None


def _varlen_mask(*args, **kwargs):
    """No mask for one flattened row without an attention mask whose causal skip transformers
    disabled (that is: packed documents); otherwise transformers' ``sdpa_mask``."""
    from transformers.masking_utils import sdpa_mask

    if kwargs.get("attention_mask") is None and kwargs.get("batch_size") == 1 \
            and kwargs.get("allow_is_causal_skip") is False:
        return None
    return sdpa_mask(*args, **kwargs)


def register() -> str:
    """Register ``sdpa_varlen`` with transformers' attention and mask interfaces (idempotent);
    returns the name."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface

        AttentionInterface.register(NAME, varlen_sdpa_forward)
        AttentionMaskInterface.register(NAME, _varlen_mask)
        _registered = True
    return NAME

