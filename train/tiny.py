"""The offline ``tiny`` model: a small Llama built from a config, sized for a tokenizer. Nothing is
downloaded, so tests and CPU demos run anywhere. Its tokenizer is ``curate.chat.tokenizer.train_tokenizer``
(trained by the ``chat_template`` stage on the curated text).

Example::

    from curate.chat.tokenizer import train_tokenizer
    tok = train_tokenizer(["hello world", "how are you?"], vocab_size=400)
    model = build_tiny_model(tok, TinyModelSpec(), max_position_embeddings=512)

torch/transformers are imported inside the function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from train.spec import TinyModelSpec

if TYPE_CHECKING:  # pragma: no cover
    from transformers import LlamaForCausalLM


def build_tiny_model(tokenizer, spec: TinyModelSpec | None = None, *, max_position_embeddings: int = 2048,
                     seed: int | None = None) -> "LlamaForCausalLM":
    """A randomly initialised ``LlamaForCausalLM`` sized by ``spec`` for ``tokenizer``.

    ``vocab_size=len(tokenizer)`` (added tokens included), tied input/output embeddings,
    ``attn_implementation="sdpa"``, float32, ``eos``/``pad``/``bos`` ids from the tokenizer (no BOS for chatml/qwen).
    ``max_position_embeddings`` must cover the longest training row (tokens). ``seed`` (optional)
    seeds torch before the weights are drawn, so the same seed gives the same model. The default
    ``TinyModelSpec`` (hidden 64, 2 layers, vocab 4000) has about 0.4M parameters.
    Raises ``ValueError`` when ``hidden_size`` is not divisible by the number of heads.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    spec = spec or TinyModelSpec()
    if spec.hidden_size % spec.num_attention_heads or spec.num_attention_heads % spec.num_key_value_heads:
        raise ValueError(
            f"tiny model: hidden_size={spec.hidden_size} must divide by num_attention_heads="
            f"{spec.num_attention_heads}, which must divide by num_key_value_heads={spec.num_key_value_heads}")
    cfg = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_hidden_layers,
        num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_key_value_heads,
        max_position_embeddings=max_position_embeddings,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        use_cache=True,
        attn_implementation="sdpa",  # public config argument (no private attribute)
    )
    if seed is not None:
        torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model
