"""The model and tokenizer a run trains: the offline ``tiny`` Llama or a local folder / hub id, with the training
template the ``chat_template`` stage counted and audited the rows with.

``resolve_template`` decides the template (the stage's, read from ``curate.chat.tokenizer.TEMPLATE_META`` beside
its tokenizer); ``load_model_and_tokenizer`` builds both; ``merge_adapter`` writes a merged LoRA model.

Example::

    template, meta = resolve_template(spec, Path("out/lima/.cache/.../artifacts/tokenizer"))
    model, tokenizer, desc = load_model_and_tokenizer(spec, [], tokenizer_dir, seed=13, cuda=False, bf16=False,
                                                      template=template)

torch/transformers/peft are imported inside the functions.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from train.spec import DEFAULT_TINY_VOCAB, TrainSpec

log = logging.getLogger("curatrain.train")


def resolve_template(spec: TrainSpec, tokenizer_dir: Path | None) -> tuple[str, dict]:
    """The training template name and the ``chat_template`` stage's metadata (``{}`` without one).

    Order: ``spec.template``; else the stage's (``curatrain_template.json`` beside its tokenizer);
    else ``chatml`` for ``tiny`` and ``tokenizer`` (the model's own) otherwise. Raises
    ``ValueError`` when ``spec.template`` and the stage disagree: the rows were counted, audited and
    truncated for the stage's template, so training with another would silently differ.
    """
    from curate.chat.tokenizer import read_template_meta

    meta = read_template_meta(tokenizer_dir)
    staged = meta.get("template")
    if spec.template and staged and spec.template != staged:
        raise ValueError(f"train.template is {spec.template} but the chat_template stage rendered with {staged}; "
                         "set both to the same template (or drop train.template to inherit the stage's)")
    return spec.template or staged or ("chatml" if spec.model == "tiny" else "tokenizer"), meta


def needs_system_fold(template: str, stage_meta: dict) -> bool:
    """True when ``template`` has no system role (gemma, mistral) and no ``chat_template`` stage normalised the
    rows (``stage_meta`` empty): system prompts must then be folded into the first user turn, as the stage would."""
    from curate.chat.templates import FAMILIES

    return template in FAMILIES and not FAMILIES[template].has_system and not stage_meta


def load_model_and_tokenizer(spec: TrainSpec, texts: list[str], tokenizer_dir: Path | None, *, seed: int,
                             cuda: bool, bf16: bool, template: str | None = None):
    """``(model, tokenizer, description)`` for ``spec.model``.

    ``tiny``: the tokenizer is loaded from ``tokenizer_dir`` (the ``chat_template`` stage's
    artifact, which carries the template) or, without one, trained on ``texts`` with
    ``spec.tiny.vocab_size`` and the ``template`` family's special tokens; the model is a fresh
    ``train.tiny.build_tiny_model`` seeded with ``seed``, positions for ``spec.max_length``.
    Otherwise ``spec.model`` is a local folder or hub id loaded with ``AutoTokenizer`` /
    ``AutoModelForCausalLM.from_pretrained`` (bf16 or float32, ``spec.attn_implementation``,
    4-bit NF4 when ``spec.lora.load_in_4bit``); its tokenizer (which matches its embeddings) gets the
    named training ``template`` (``template="tokenizer"`` keeps its own). Raises ``ValueError`` for
    QLoRA on the tiny model, without CUDA or without bitsandbytes, and for a template whose special
    tokens the model's tokenizer lacks.
    """
    from transformers import AutoTokenizer

    template = template or ("chatml" if spec.model == "tiny" else "tokenizer")
    qlora = spec.lora is not None and spec.lora.load_in_4bit
    if qlora and not cuda:
        raise ValueError("train.lora.load_in_4bit (QLoRA) needs a CUDA GPU and bitsandbytes; "
                         "none found: set load_in_4bit: false to train plain LoRA on CPU")
    if qlora:
        import importlib.util

        if importlib.util.find_spec("bitsandbytes") is None:
            raise ValueError("train.lora.load_in_4bit (QLoRA) needs bitsandbytes: pip install 'bitsandbytes>=0.45.1'")
    attn = spec.attn_implementation
    if attn is None and (spec.padding_free or spec.packing):
        import importlib.util

        # flattened batches need per-document attention: flash-attention's varlen kernel on a GPU that
        # has it, else curatrain's per-document SDPA (transformers' sdpa would build a dense T×T mask)
        attn = "flash_attention_2" if cuda and importlib.util.find_spec("flash_attn") else "sdpa_varlen"
    if attn == "sdpa_varlen":
        from train.attention import register

        register()
    if spec.model == "tiny":
        if qlora:
            raise ValueError("train.lora.load_in_4bit: the tiny model is built from a config and is not quantized; "
                             "use a real model or drop load_in_4bit")
        from curate.chat.tokenizer import train_tokenizer
        from train.tiny import build_tiny_model

        if tokenizer_dir is not None:
            tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
            how = f"tokenizer from {tokenizer_dir}"
        else:
            tokenizer = train_tokenizer(texts, spec.tiny.vocab_size or DEFAULT_TINY_VOCAB, template)
            how = "tokenizer trained on the curated text"
        model = build_tiny_model(tokenizer, spec.tiny, max_position_embeddings=max(spec.max_length, 64), seed=seed)
        if attn and attn != "sdpa":
            model.set_attn_implementation(attn)
        n = sum(p.numel() for p in model.parameters())
        return model, tokenizer, f"tiny Llama ({n / 1e6:.2f}M params, vocab {len(tokenizer)}, {template}; {how})"

    import torch
    from transformers import AutoModelForCausalLM

    from curate.chat.tokenizer import apply_family

    tokenizer = AutoTokenizer.from_pretrained(spec.model)
    if tokenizer_dir is not None:
        staged = AutoTokenizer.from_pretrained(str(tokenizer_dir))
        if staged.get_vocab() != tokenizer.get_vocab():
            log.warning(f"warning: the chat_template stage counted tokens with another vocabulary ({tokenizer_dir}) "
                        f"than {spec.model}'s; lengths and the audit will differ")
    if template != "tokenizer":
        apply_family(tokenizer, template, where=f"train.model {spec.model}'s tokenizer")
    elif not tokenizer.chat_template:
        raise ValueError(f"{spec.model}'s tokenizer has no chat template: set train.template (chatml, llama3, ...)")
    kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if bf16 else torch.float32}
    if attn:
        kwargs["attn_implementation"] = attn
    if qlora:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16)
    model = AutoModelForCausalLM.from_pretrained(spec.model, **kwargs)
    if tokenizer.pad_token is None:
        log.info("note: the tokenizer has no pad token; TRL pads with eos and masks padding by position")
    n = sum(p.numel() for p in model.parameters())
    return model, tokenizer, f"{spec.model} ({n / 1e6:.1f}M params, {template} template)"


def merge_adapter(model, spec: TrainSpec, out_dir: Path, tokenizer, *, bf16: bool) -> str:
    """Merge the trained LoRA adapter into its base weights and save the full model (and tokenizer)
    to ``out_dir/merged``; returns that path. Under QLoRA the base is reloaded unquantized (bf16)
    and the saved adapter applied to it, since 4-bit weights cannot absorb the update exactly."""
    merged_dir = out_dir / "merged"
    if spec.lora is not None and spec.lora.load_in_4bit:
        import torch
        from peft import PeftModel
        from transformers import AutoModelForCausalLM

        base = AutoModelForCausalLM.from_pretrained(spec.model, dtype=torch.bfloat16 if bf16 else torch.float32)
        merged = PeftModel.from_pretrained(base, str(out_dir)).merge_and_unload()
    else:
        merged = model.merge_and_unload()
    merged.save_pretrained(str(merged_dir))
    tokenizer.save_pretrained(str(merged_dir))
    return str(merged_dir)
