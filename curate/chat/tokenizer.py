"""Tokenizers for the chat domain: the offline byte-level BPE tokenizer (``train_tokenizer``), a family's
training template put on any tokenizer (``apply_family``), the template metadata saved beside a
tokenizer (``TEMPLATE_META``) and the reference token count through ``apply_chat_template``.

The ``chat_template`` stage saves its tokenizer with ``TEMPLATE_META`` (template name and system policy);
``train/`` reads both back (``read_template_meta``), so the rows are trained with the tokenizer and template
they were counted and audited with.

Recipe and pitfalls of the tiny tokenizer: ``trim_offsets=False`` so assistant spans map to tokens; pad ≠ eos;
the end-of-turn token inside ``{% generation %}`` so ``assistant_only_loss`` trains the model to stop.

Example::

    >>> tok = train_tokenizer(["hello world", "how are you?"] * 3, vocab_size=300)
    >>> tok.eos_token, tok.pad_token
    ('<|im_end|>', '<|pad|>')

transformers/tokenizers are imported inside the functions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from curate.chat.templates import FAMILIES, SPECIAL_TOKENS
from curate.progress import task

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedTokenizerFast

EOS = "<|im_end|>"
PAD = "<|pad|>"
#: file written beside a saved tokenizer: {"template", "system", "default_system", "tokenizer"}
TEMPLATE_META = "curatrain_template.json"


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
        template: a ``curate.chat.templates.FAMILIES`` name (``chatml``, ``qwen2.5``, ``qwen3``,
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


@contextmanager
def tokenizers_parallelism(enabled: bool = True) -> Iterator[None]:
    """Let the ``tokenizers`` library use its Rust thread pool (rayon, one thread per core) inside the block.

    ``curatrain run`` sets ``TOKENIZERS_PARALLELISM=false`` for the whole process (``pipelines/cli.py``:
    no fork-after-threads warnings from training's data loaders), which leaves ``encode_batch`` on one
    core. ``tokenizers`` reads the variable at every call, so this sets it to ``true`` (or ``false``)
    for the block and restores the previous value (or its absence) afterwards. Encodings are the same
    either way (each row is encoded independently); only the speed changes. Do not use it around
    ``train_from_iterator``: on this data its rayon path was slower (25 s vs 17 s on 108k messages).
    """
    old = os.environ.get("TOKENIZERS_PARALLELISM")
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if enabled else "false"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TOKENIZERS_PARALLELISM", None)
        else:
            os.environ["TOKENIZERS_PARALLELISM"] = old


def read_template_meta(tokenizer_dir: str | Path | None) -> dict:
    """The ``TEMPLATE_META`` JSON saved beside a tokenizer by the ``chat_template`` stage; ``{}`` when
    ``tokenizer_dir`` is None or holds none."""
    if tokenizer_dir is None or not (Path(tokenizer_dir) / TEMPLATE_META).is_file():
        return {}
    return json.loads((Path(tokenizer_dir) / TEMPLATE_META).read_text())


def apply_family(tokenizer, template: str, where: str = "tokenizer") -> None:
    """Give ``tokenizer`` the ``curate.chat.templates`` training template ``template`` in place, after
    checking that each of the family's special tokens is one token of its vocabulary (raises
    ``ValueError`` naming the missing ones: pick the model's own family or ``template: tokenizer``)."""
    fam = FAMILIES[template]
    needed = {fam.eot, *fam.tokens} | ({"<|im_start|>", "<|im_end|>"} if "<|im_end|>" == fam.eot else set())
    vocab = tokenizer.get_vocab()
    missing = sorted(t for t in needed if t not in vocab)
    if missing:
        raise ValueError(f"{where} has no token(s) {', '.join(missing)} of template {template}: "
                         "use the model's own family or template: tokenizer")
    tokenizer.chat_template = fam.jinja


def count_tokens(tokenizer, conversations: list[list[dict]], batch_size: int = 1024) -> tuple[list[int], list[int]]:
    """Tokens and assistant-mask tokens per conversation, via ``tokenizer.apply_chat_template``.

    The reference path for any tokenizer: batches of ``batch_size`` conversations go through
    ``apply_chat_template(tokenize=True, return_dict=True, return_assistant_tokens_mask=True)``
    (transformers renders each with Jinja, tokenizes the batch at once). Returns two lists of ints
    (same order as ``conversations``); the second is all zeros when the template has no
    ``{% generation %}`` markers.
    """
    n_tok: list[int] = []
    n_asst: list[int] = []
    with task("chat_template: apply_chat_template", total=len(conversations)) as bar:
        for i in range(0, len(conversations), batch_size):
            chunk = [[{k: v for k, v in m.items() if v is not None} for m in conv]
                     for conv in conversations[i:i + batch_size]]
            out = tokenizer.apply_chat_template(chunk, tokenize=True, return_dict=True,
                                                return_assistant_tokens_mask=True)
            n_tok += [len(x) for x in out["input_ids"]]
            n_asst += [sum(m) for m in out["assistant_masks"]]
            bar.advance(len(chunk))
    return n_tok, n_asst
