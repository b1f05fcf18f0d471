"""The offline ``tiny`` model: a byte-level BPE tokenizer trained on the curated text and a small
Llama built from a config. Nothing is downloaded, so tests and CPU demos run anywhere.

Recipe and pitfalls: ../shared/research/training-anchors.md §4.7 and env-check.md §6
(``trim_offsets=False`` so assistant spans map to tokens; pad ≠ eos; the end-of-turn token inside
``{% generation %}`` so ``assistant_only_loss`` trains the model to stop).

Example::

    tok = train_tokenizer(["hello world", "how are you?"], vocab_size=400)
    model = build_tiny_model(tok, TinyModelSpec(), max_position_embeddings=512)

torch/transformers/tokenizers are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from train.spec import TinyModelSpec
from train.templates import FAMILIES, SPECIAL_TOKENS

if TYPE_CHECKING:  # pragma: no cover
    from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

EOS = "<|im_end|>"
PAD = "<|pad|>"


def train_tokenizer(texts: Iterable[str], vocab_size: int = 4000, template: str = "chatml", *,
                    trim_offsets: bool = False) -> "PreTrainedTokenizerFast":
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it with a family's training template.

    Args:
        texts: the training text (e.g. every message content of the curated frame). Order matters
            only for ties; the same texts in the same order give the same tokenizer.
        vocab_size: target vocabulary size including the 256 byte symbols and the 4 special tokens
            (``<|endoftext|>``, ``<|im_start|>``, ``<|im_end|>``, ``<|pad|>``, ids 0-3) and the
            family's own special tokens (ids 4…, e.g. llama3's ``<|begin_of_text|>``,
            ``<|start_header_id|>``, ``<|end_header_id|>``, ``<|eot_id|>``), so any family trains
            offline. A small corpus may yield fewer tokens than asked for.
        template: a ``train.templates.FAMILIES`` name (``chatml``, ``qwen2.5``, ``qwen3``,
            ``llama3``, ``mistral``, ``gemma``); raises ``KeyError`` otherwise.
        trim_offsets: keep False. True reproduces the partial-mask pitfall of anchors §4.7 (an
            assistant turn starting with a space maps to no token) and exists for the audit's tests.

    Returns:
        ``PreTrainedTokenizerFast`` with ``eos_token`` = the family's end-of-turn token (chatml:
        ``<|im_end|>``, so generation stops), ``pad_token="<|pad|>"`` (≠ eos, see anchors §3
        item 3), ``bos_token`` = the family's (chatml/qwen: none; the template writes it, the
        tokenizer never adds it), and ``chat_template = TEMPLATES[template]`` (assistant content +
        end-of-turn inside ``{% generation %}``). Offsets are not trimmed, so
        ``return_assistant_tokens_mask`` works.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=trim_offsets)
    fam = FAMILIES[template]
    specials = list(SPECIAL_TOKENS) + [t for t in fam.tokens if t not in SPECIAL_TOKENS]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=fam.eot,
        pad_token=PAD,
        unk_token=None,
        bos_token=fam.bos,
        additional_special_tokens=[t for t in specials if t not in (fam.eot, PAD, fam.bos)],
        model_max_length=1_000_000,
        padding_side="right",
    )
    hf.chat_template = fam.jinja
    return hf


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
    )
    cfg._attn_implementation = "sdpa"
    if seed is not None:
        torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model
