"""Supervised fine-tuning on the curated Parquet with TRL's ``SFTTrainer``.

Reads ``curated.parquet`` (the canonical frame, ``curate.schema``), holds out rows by a stable hash
of ``id`` (and per source), builds the model (the offline ``tiny`` Llama, or a local folder / hub id)
with the training template the ``chat_template`` stage used, audits the assistant mask on that exact
tokenizer (``train.audit``), maps the pipeline's ``train:`` block (``train.spec.TrainSpec``) onto
``trl.SFTConfig``, trains (padding-free by default), and writes next to the weights what they were
trained on and how fast (``metrics.json``, ``lineage.json``, ``README.md``; LoRA: ``merged/`` on request).

Run it through a pipeline (``curatrain run pipeline.yaml`` or ``pipelines.runner.train_from_outputs``)
or directly::

    from train.sft import train_model
    from train.spec import TrainSpec
    metrics = train_model(Path("out/lima/curated.parquet"), TrainSpec(max_steps=50, learning_rate=3e-3),
                          Path("out/lima/model"), seed=13, tokenizer_dir=None, lineage={})

TRL facts used here: ../shared/research/training-anchors.md §4 (SFTConfig defaults: bf16 and
gradient checkpointing on, so both are switched off on CPU; ``assistant_only_loss`` needs
``{% generation %}`` markers; ``padding_free`` without packing needs ``max_length=None``, so rows
are tokenized and truncated here first). torch/transformers/trl/datasets/peft are imported inside
the functions, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from train.spec import TrainSpec

REQUIRED_COLUMNS = ("id", "source", "messages")
_EVAL_SALT = b"curatrain-eval-v1:"


# ---------------------------------------------------------------- data

def check_curated_schema(path: Path) -> None:
    """Raise ``curate.schema.SchemaError`` (a ``ValueError``) naming every problem if the Parquet
    file at ``path`` lacks ``id``/``source`` (string) or ``messages`` (list of struct with string
    ``role`` and ``content``). Raises ``FileNotFoundError`` if it does not exist."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from curate.schema import SchemaError

    if not Path(path).is_file():
        raise FileNotFoundError(f"curated data not found: {path}")
    schema = pq.read_schema(path)
    problems = []
    for name in REQUIRED_COLUMNS:
        if name not in schema.names:
            problems.append(f"missing column {name!r}")
    for name in ("id", "source"):
        if name in schema.names and not pa.types.is_string(schema.field(name).type) \
                and not pa.types.is_large_string(schema.field(name).type):
            problems.append(f"column {name!r} is {schema.field(name).type}, expected string")
    if "messages" in schema.names:
        t = schema.field("messages").type
        ok = (pa.types.is_list(t) or pa.types.is_large_list(t)) and pa.types.is_struct(t.value_type)
        if ok:
            fields = {t.value_type.field(i).name: t.value_type.field(i).type for i in range(t.value_type.num_fields)}
            ok = all(k in fields and (pa.types.is_string(fields[k]) or pa.types.is_large_string(fields[k]))
                     for k in ("role", "content"))
        if not ok:
            problems.append(f"column 'messages' is {t}, expected list<struct<role: string, content: string>>")
    if problems:
        raise SchemaError(f"{path}: not a curated conversation file: " + "; ".join(problems))


def load_curated(path: Path):
    """The curated Parquet as an in-memory ``datasets.Dataset`` with columns ``id``, ``source``,
    ``messages`` (other columns, e.g. ``stat_*``, are not loaded). Checks the schema first
    (``check_curated_schema``)."""
    import datasets

    check_curated_schema(path)
    with tempfile.TemporaryDirectory(prefix="curatrain-ds-") as cache:
        ds = datasets.Dataset.from_parquet(str(path), columns=list(REQUIRED_COLUMNS), cache_dir=cache,
                                           keep_in_memory=True)
    return ds


def eval_bucket(row_id: str) -> float:
    """A stable number in [0, 1) for ``row_id`` (blake2b of the id, salted): rows with
    ``eval_bucket(id) < eval_fraction`` are held out. Same id → same bucket on every run and machine."""
    h = hashlib.blake2b(_EVAL_SALT + row_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2.0**64


def split_eval(ds, eval_fraction: float, per_source: bool = False):
    """Split ``ds`` into ``(train, eval)`` by ``eval_bucket(id) < eval_fraction``.

    With ``per_source`` (needs a ``source`` column), a source with at least ``1 / eval_fraction``
    rows that drew no eval row by hash gives up its row with the lowest bucket, so every such source
    is measured; the choice depends only on that source's ids, so it is stable across runs.
    ``eval`` is ``None`` when no row falls in it (e.g. ``eval_fraction=0``). Raises ``ValueError``
    when no training row is left.
    """
    ids = ds["id"]
    buckets = [eval_bucket(i) for i in ids]
    is_eval = [b < eval_fraction for b in buckets]
    if per_source and eval_fraction > 0 and "source" in ds.column_names:
        by_source: dict[str, list[int]] = {}
        for i, src in enumerate(ds["source"]):
            by_source.setdefault(src, []).append(i)
        for rows in by_source.values():
            if len(rows) >= 1 / eval_fraction and not any(is_eval[i] for i in rows):
                is_eval[min(rows, key=lambda i: buckets[i])] = True
    train_idx = [i for i, e in enumerate(is_eval) if not e]
    eval_idx = [i for i, e in enumerate(is_eval) if e]
    if not train_idx:
        raise ValueError(f"no training rows: {len(ids)} rows, all held out by eval_fraction={eval_fraction}")
    return ds.select(train_idx), (ds.select(eval_idx) if eval_idx else None)


def eval_sets(eval_ds, per_source: bool) -> dict[str, Any] | None:
    """The eval dataset(s) handed to the trainer: ``None``; the set itself as ``{"all": ds}`` when
    ``per_source`` is off or there is one source; else ``{"all": ds, <source>: rows of that source, ...}``
    (Trainer then logs ``eval_all_loss``, ``eval_<source>_loss``)."""
    if eval_ds is None:
        return None
    sources = sorted(set(eval_ds["source"])) if per_source else []
    out = {"all": eval_ds}
    if len(sources) > 1:
        col = eval_ds["source"]
        for src in sources:
            out[src] = eval_ds.select([i for i, x in enumerate(col) if x == src])
    return out


def pretokenize(ds, tokenizer, max_length: int, assistant_only_loss: bool):
    """Tokenize ``messages`` the way TRL 1.16 ``SFTTrainer._prepare_dataset`` does, then truncate.

    Used for ``padding_free`` without packing, where TRL needs ``max_length=None`` and therefore
    pre-truncated rows. Returns a dataset with ``input_ids`` and ``labels`` (−100 outside the
    assistant mask when ``assistant_only_loss``), truncated to ``max_length`` tokens (keep start),
    without rows left fully masked. Raises ``RuntimeError`` like TRL when a row has no assistant
    token under ``assistant_only_loss``.
    """
    def fn(example):
        out = tokenizer.apply_chat_template(example["messages"], tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=assistant_only_loss)
        ids = list(out["input_ids"])
        if assistant_only_loss:
            mask = out["assistant_masks"]
            if 1 not in mask:
                raise RuntimeError("assistant_only_loss: a row has no assistant tokens; does the chat template "
                                   "mark them with {% generation %}?")
            labels = [t if m else -100 for t, m in zip(ids, mask)]
        else:
            labels = list(ids)
        return {"input_ids": ids[:max_length], "labels": labels[:max_length]}

    ds = ds.map(fn, remove_columns=ds.column_names)
    return ds.filter(lambda ex: any(x != -100 for x in ex["labels"]))


def _token_counts(ds) -> tuple[int, int]:
    """(tokens, supervised tokens) in a prepared dataset with ``input_ids`` (and ``labels``)."""
    import numpy as np
    import pyarrow.compute as pc

    table = ds.with_format("arrow")[:]  # honours select/filter indices
    tokens = len(pc.list_flatten(table.column("input_ids")))
    if "labels" not in table.column_names:
        return tokens, tokens
    labels = np.asarray(pc.list_flatten(table.column("labels")))
    return tokens, int((labels != -100).sum())


# ---------------------------------------------------------------- model

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


def load_model_and_tokenizer(spec: TrainSpec, texts: list[str], tokenizer_dir: Path | None, *, seed: int,
                             cuda: bool, bf16: bool, echo: Callable[[str], None] = print,
                             template: str | None = None):
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
            tokenizer = train_tokenizer(texts, spec.tiny.vocab_size, template)
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
            echo(f"warning: the chat_template stage counted tokens with another vocabulary ({tokenizer_dir}) "
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
        echo("note: the tokenizer has no pad token; TRL pads with eos and masks padding by position")
    n = sum(p.numel() for p in model.parameters())
    return model, tokenizer, f"{spec.model} ({n / 1e6:.1f}M params, {template} template)"


def build_sft_config(spec: TrainSpec, out_dir: Path, *, seed: int, cuda: bool, bf16: bool, has_eval: bool):
    """Map ``spec`` onto ``trl.SFTConfig``.

    Names copy across (``learning_rate``, ``max_length``, ``packing``, ``packing_strategy``,
    ``padding_free``, ``gradient_accumulation_steps``, ``lr_scheduler_type``, ``weight_decay``,
    ``logging_steps``); ``epochs`` → ``num_train_epochs``, ``batch_size`` →
    ``per_device_{train,eval}_batch_size``, ``warmup_ratio`` → ``warmup_steps`` (a float < 1 is a
    ratio in transformers 5). ``padding_free`` sets ``max_length=None`` (rows are pre-truncated by
    ``pretokenize``). CPU: ``use_cpu``, ``bf16=False`` unless ``spec.bf16``, no activation
    checkpointing, no pinned memory. GPU: bf16 if supported, activation checkpointing on unless
    ``spec.gradient_checkpointing`` is false. Checkpoints only with ``spec.save_steps``; evaluation
    during training only with ``spec.eval_steps``. No reporting integrations (``report_to="none"``).
    """
    from trl import SFTConfig

    ckpt = spec.gradient_checkpointing if spec.gradient_checkpointing is not None else cuda
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
        eval_strategy="steps" if (spec.eval_steps and has_eval) else "no",
        eval_steps=spec.eval_steps,
        save_strategy="steps" if spec.save_steps else "no",
        save_steps=spec.save_steps or 500,
        save_total_limit=spec.save_total_limit,
        report_to="none",
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
    )


# ---------------------------------------------------------------- entry point

def train_model(curated_path: Path, spec: TrainSpec, out_dir: Path, *, seed: int, tokenizer_dir: Path | None,
                lineage: dict, echo: Callable[[str], None] = print) -> dict:
    """Fine-tune on ``curated_path`` with ``spec``; save the model, tokenizer and lineage in ``out_dir``.

    Steps: schema check → eval split (hash of ``id``, per source) → template (``resolve_template``;
    system prompts folded for gemma/mistral when no ``chat_template`` stage ran) → model and
    tokenizer → mask audit on the exact tokenizer (``spec.audit``) → TRL ``SFTTrainer``
    (padding-free by default; on CPU ``sdpa_varlen`` attention and the LM head on supervised
    positions only with lean tiles, ``train.attention``/``train.lm_head``) with ``ThroughputCallback`` → save
    (adapter, and the merged model with ``spec.merge_adapter``) → ``metrics.json``, ``lineage.json``,
    ``README.md``.

    Args:
        curated_path: canonical Parquet (``id``, ``source``, ``messages``); only ``messages`` reaches
            TRL, ``id`` decides the eval split (``spec.eval_fraction`` by ``eval_bucket``), ``source``
            the per-source eval sets and the realised mix.
        spec: the pipeline's ``train:`` block.
        out_dir: created; receives the weights (or the LoRA adapter, plus ``merged/``), tokenizer,
            ``chat_template.jinja``, ``metrics.json``, ``lineage.json``, ``README.md`` and any
            ``checkpoint-*``.
        seed: seeds model init, data order and the trainer.
        tokenizer_dir: the ``chat_template`` stage's tokenizer (the tiny model's tokenizer; for other
            models its template name is applied to the model's own tokenizer).
        lineage: what the data came from (the run's stats: pipeline digest, funnel, sources,
            versions); written to ``lineage.json`` with a ``training`` section added.
        echo: receives a few summary lines and one line per logging step.

    Returns:
        ``output_dir`` (str), ``first_loss``/``last_loss`` (first and last logged training loss),
        ``eval_loss`` (all eval rows; None without them), ``eval_loss_by_source`` ({source: loss}),
        ``train_runtime`` (s), ``steps`` (optimizer steps), ``rows_train``/``rows_eval`` (rows after
        the split), ``rows_prepared`` (training rows TRL kept: fewer when truncation left a row with
        no assistant token; packed rows when packing), ``train_tokens`` (non-pad tokens processed),
        ``tokens_per_second``, ``supervised_token_fraction`` and ``padding_fraction`` (over the
        batches trained on), ``mfu`` (None on CPU), ``audit`` ({rows_checked, rows_failed,
        rows_dropped}), ``template``, ``merged_dir`` (or None), ``loss_history`` ([step, loss]),
        plus ``model`` (a description) and ``params``.

    Raises:
        FileNotFoundError: no curated file, or ``resume_from_checkpoint`` finds no checkpoint.
        curate.schema.SchemaError: the file is not a canonical conversation frame.
        ValueError: no training rows; QLoRA without CUDA/bitsandbytes or on ``tiny``; the template
            disagrees with the ``chat_template`` stage; with ``audit: raise``, rows whose assistant
            mask is partial (the message names the first rows and the fix).
    """
    import torch
    from transformers import PrinterCallback, TrainerCallback
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer

    from curate.chat.audit import audit_conversations, describe_failures
    from train.metrics import ThroughputCallback

    t0 = time.perf_counter()
    curated_path, out_dir = Path(curated_path), Path(out_dir)
    if spec.num_threads:
        torch.set_num_threads(spec.num_threads)
    cuda = torch.cuda.is_available()
    bf16 = spec.bf16 if spec.bf16 is not None else bool(cuda and torch.cuda.is_bf16_supported())

    resume = spec.resume_from_checkpoint
    if resume is True:
        resume = get_last_checkpoint(str(out_dir)) if out_dir.is_dir() else None
        if resume is None:
            raise FileNotFoundError(f"resume_from_checkpoint: no checkpoint-* folder under {out_dir} "
                                    "(set train.save_steps to write checkpoints)")
    elif isinstance(resume, str) and not Path(resume).is_dir():
        raise FileNotFoundError(f"resume_from_checkpoint: {resume} is not a folder")

    ds = load_curated(curated_path)
    template, stage_meta = resolve_template(spec, tokenizer_dir)
    from curate.chat.templates import FAMILIES, apply_system_policy

    if template in FAMILIES and not FAMILIES[template].has_system and not stage_meta:
        # no chat_template stage normalised these rows: fold system prompts for gemma/mistral as it would
        ds = ds.map(lambda ex: {"messages": apply_system_policy(ex["messages"], "fold")})
    train_ds, eval_ds = split_eval(ds, spec.eval_fraction, per_source=spec.eval_per_source)
    texts: list[str] = []
    if spec.model == "tiny" and tokenizer_dir is None:
        texts = [m["content"] for conv in ds["messages"] for m in conv if m.get("content")]
    model, tokenizer, model_desc = load_model_and_tokenizer(
        spec, texts, tokenizer_dir, seed=seed, cuda=cuda, bf16=bf16, echo=echo, template=template)

    # ---- mask audit on the exact tokenizer TRL will use
    audit = {"rows_checked": 0, "rows_failed": 0, "rows_dropped": 0}
    mix_rows: dict[str, dict[str, int]] = {}
    if spec.audit != "off":
        parts = [("train", train_ds)] + ([("eval", eval_ds)] if eval_ds is not None else [])
        kept_parts = {}
        for name, part in parts:
            trunc = None if (spec.packing and spec.packing_strategy == "bfd_split") else spec.max_length
            res = audit_conversations(tokenizer, part["messages"], max_length=trunc)
            audit["rows_checked"] += res.rows_checked
            audit["rows_failed"] += res.rows_failed
            if res.rows_failed and spec.audit == "raise":
                raise ValueError(
                    f"mask audit: {res.rows_failed} of {res.rows_checked} {name} rows would train on a partial "
                    f"assistant mask with this tokenizer/template:\n{describe_failures(res.details, part['id'])}\n"
                    "fix the tokenizer (trim_offsets=False, no character-deleting normalizer) or the template, "
                    "run the chat_template stage (audit: reject) first, or set train.audit: drop")
            keep = [i for i, d in enumerate(res.details) if d is None]
            audit["rows_dropped"] += len(res.details) - len(keep)
            kept_parts[name] = part.select(keep) if len(keep) < len(part) else part
            for src, n_tok, n_sup, d in zip(part["source"], res.tokens, res.supervised_kept, res.details):
                if d is not None or name != "train" or (spec.assistant_only_loss and n_sup == 0):
                    continue  # failed the audit, eval row, or truncation left nothing to learn (TRL drops it)
                m = mix_rows.setdefault(src, {"rows": 0, "tokens": 0, "supervised_tokens": 0})
                m["rows"] += 1
                m["tokens"] += min(n_tok, trunc) if trunc else n_tok
                m["supervised_tokens"] += n_sup
        train_ds = kept_parts["train"]
        eval_ds = kept_parts.get("eval")
        if len(train_ds) == 0:
            raise ValueError("mask audit: every training row failed (audit: drop left nothing)")
        if audit["rows_dropped"]:
            echo(f"mask audit: dropped {audit['rows_dropped']} of {audit['rows_checked']} rows with a partial mask")
    rows_train, rows_eval = len(train_ds), (len(eval_ds) if eval_ds is not None else 0)
    echo(f"train: {rows_train:,} rows, eval: {rows_eval:,} rows; model {model_desc}; "
         f"{'cuda' if cuda else 'cpu'}{', bf16' if bf16 else ''}, {torch.get_num_threads()} threads; "
         f"mask audit {audit['rows_checked'] - audit['rows_failed']}/{audit['rows_checked']} ok")

    evals = eval_sets(eval_ds, spec.eval_per_source)
    train_in = train_ds.select_columns(["messages"])
    eval_in = {k: v.select_columns(["messages"]) for k, v in evals.items()} if evals else None
    if spec.padding_free:
        train_in = pretokenize(train_in, tokenizer, spec.max_length, spec.assistant_only_loss)
        if eval_in:
            eval_in = {k: pretokenize(v, tokenizer, spec.max_length, spec.assistant_only_loss) for k, v in eval_in.items()}
    if eval_in is not None and len(eval_in) == 1:
        eval_in = eval_in["all"]  # one source: plain eval_loss

    peft_config = None
    if spec.lora is not None:
        from peft import LoraConfig

        peft_config = LoraConfig(r=spec.lora.r, lora_alpha=spec.lora.alpha, lora_dropout=spec.lora.dropout,
                                 target_modules=spec.lora.target_modules, use_dora=spec.lora.use_dora,
                                 task_type="CAUSAL_LM")

    cfg = build_sft_config(spec, out_dir, seed=seed, cuda=cuda, bf16=bf16, has_eval=eval_in is not None)

    class _Echo(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "train_runtime" in logs:
                return
            parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in logs.items() if k in ("loss", "learning_rate", "grad_norm", "tokens_per_second",
                                                       "padding_fraction", "mfu", "epoch") or
                     (k.startswith("eval_") and k.endswith("_loss"))]
            echo(f"  step {state.global_step}/{state.max_steps}  " + "  ".join(parts))

    n_params = int(sum(p.numel() for p in model.parameters()))
    throughput = ThroughputCallback(n_params=n_params, bf16=bf16)
    trainer = SFTTrainer(model=model, args=cfg, train_dataset=train_in, eval_dataset=eval_in,
                         processing_class=tokenizer, peft_config=peft_config, callbacks=[throughput, _Echo()])
    trainer.remove_callback(PrinterCallback)  # _Echo prints the logs instead
    throughput.attach(trainer)
    ds_tokens, ds_supervised = _token_counts(trainer.train_dataset)
    from train.lm_head import cpu_lm_head

    with (cpu_lm_head() if not cuda else contextlib.nullcontext()):
        out = trainer.train(resume_from_checkpoint=resume or None)
    eval_loss, by_source = None, {}
    if eval_in is not None:
        em = trainer.evaluate()
        eval_loss = em.get("eval_loss", em.get("eval_all_loss"))
        by_source = {k[len("eval_"):-len("_loss")]: float(v) for k, v in em.items()
                     if k.startswith("eval_") and k.endswith("_loss") and k not in ("eval_loss", "eval_all_loss")}

    main = trainer.is_world_process_zero()
    out_dir.mkdir(parents=True, exist_ok=True)
    trainer.save_model(str(out_dir))
    merged_dir = None
    if main:
        tokenizer.save_pretrained(str(out_dir))
        if spec.merge_adapter:
            merged_dir = merge_adapter(trainer.model, spec, out_dir, tokenizer, bf16=bf16)
            echo(f"merged adapter → {merged_dir}")

    history = trainer.state.log_history
    losses = [(h["step"], h["loss"]) for h in history if "loss" in h]
    tp = throughput.summary()
    runtime = float(out.metrics.get("train_runtime", time.perf_counter() - t0))
    train_tokens = tp["real_tokens"] or int(getattr(trainer, "_total_train_tokens", 0) or 0)
    result = {
        "output_dir": str(out_dir),
        "model": model_desc,
        "template": template,
        "params": int(sum(p.numel() for p in trainer.model.parameters())),
        "first_loss": losses[0][1] if losses else None,
        "last_loss": losses[-1][1] if losses else None,
        "eval_loss": float(eval_loss) if eval_loss is not None and not math.isnan(eval_loss) else None,
        "eval_loss_by_source": by_source,
        "train_runtime": runtime,
        "steps": int(trainer.state.global_step),
        "rows_train": rows_train,
        "rows_eval": rows_eval,
        "rows_prepared": len(trainer.train_dataset),
        "train_tokens": train_tokens,
        "tokens_per_second": tp["tokens_per_second"] or (train_tokens / runtime if runtime > 0 else None),
        "supervised_token_fraction": tp["supervised_token_fraction"] if tp["supervised_token_fraction"] is not None
        else (ds_supervised / ds_tokens if ds_tokens else None),
        "padding_fraction": tp["padding_fraction"],
        "mfu": tp["mfu"],
        "throughput": tp,
        "audit": audit,
        "mix": _mix_table(mix_rows),
        "merged_dir": merged_dir,
        "loss_history": losses,
    }
    if main:
        (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, default=str))
        write_lineage(out_dir, curated_path, spec, seed, lineage, result)
    echo(f"trained {result['steps']} steps in {runtime:.1f}s ({result['tokens_per_second'] or 0:,.0f} tok/s, "
         f"padding {100 * (result['padding_fraction'] or 0):.0f}%); loss {result['first_loss']} → "
         f"{result['last_loss']}, eval {result['eval_loss']}; saved → {out_dir}")
    return result


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


def _mix_table(rows: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    """Per source: rows, tokens and supervised tokens after truncation to ``max_length``, and the
    share of supervised tokens: the mix the model actually trained on (one epoch)."""
    total = sum(r["supervised_tokens"] for r in rows.values()) or 1
    return {src: {**r, "supervised_share": r["supervised_tokens"] / total} for src, r in sorted(rows.items())}


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def training_versions() -> dict[str, str]:
    """Versions of the packages that decide the training result (python, torch, transformers, trl,
    peft, accelerate, datasets, tokenizers, bitsandbytes if present) and the CUDA runtime."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "tokenizers", "bitsandbytes"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    try:
        import torch

        out["cuda"] = torch.version.cuda or "none"
    except Exception:  # pragma: no cover
        pass
    return out


def write_lineage(out_dir: Path, curated_path: Path, spec: TrainSpec, seed: int, lineage: dict, result: dict) -> None:
    """Write ``lineage.json`` and the ``README.md`` model card.

    ``lineage.json``: ``lineage`` (the run's stats.json: pipeline name/file/digest, per-stage funnel
    with counters, per-source accounting, curation package versions) with a stale ``train`` key
    removed and a ``training`` section added: time, curated file and sha256, seed, spec, template,
    package versions, mask audit, realised mix (rows, tokens, supervised tokens per source) and the
    metrics. The model card shows the same in tables: run, funnel, mix, eval loss per source,
    throughput, versions.
    """
    training = {
        "trained_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "curated_path": str(curated_path),
        "curated_sha256": _file_digest(curated_path),
        "seed": seed,
        "template": result.get("template"),
        "spec": spec.model_dump(mode="json"),
        "versions": training_versions(),
        "audit": result.get("audit"),
        "mix": result.get("mix"),
        "rows": {"train": result["rows_train"], "eval": result["rows_eval"], "prepared": result["rows_prepared"]},
        "tokens": {"trained": result["train_tokens"], "supervised_fraction": result["supervised_token_fraction"]},
        "metrics": {k: v for k, v in result.items() if k not in ("loss_history",)},
    }
    doc = {k: v for k, v in (lineage or {}).items() if k != "train"}
    doc["training"] = training
    (out_dir / "lineage.json").write_text(json.dumps(doc, indent=2, default=str))
    (out_dir / "README.md").write_text(model_card(doc, spec, result))


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:.4g}"
        if isinstance(x, int):
            return f"{x:,}"
        return str(x).replace("|", "\\|")
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows] + [""]


def model_card(doc: dict, spec: TrainSpec, result: dict) -> str:
    """The ``README.md`` of a trained model: what it is, what data made it (funnel and realised
    mix), how it was trained, how it did, and with which package versions; all from ``doc``
    (lineage.json's content) and ``result`` (``train_model``'s metrics)."""
    tr = doc["training"]
    name = doc.get("pipeline", "unnamed")
    lines = [f"# {name}: SFT with curatrain", "",
             f"Base model: {result['model']}. "
             + ("This folder holds a LoRA adapter; "
                + (f"the merged full model is in `{Path(result['merged_dir']).name}/`."
                   if result.get("merged_dir") else
                   "merge with `PeftModel.from_pretrained(base, dir).merge_and_unload()`.")
                if spec.lora else ""), "",
             "## Run", ""]
    lines += _table(["field", "value"], [
        ["pipeline", f"`{doc.get('pipeline_file', '?')}`"],
        ["pipeline digest", doc.get("pipeline_digest", "?")],
        ["seed", tr["seed"]],
        ["sources (curated rows)", ", ".join(f"{k} {v:,}" for k, v in (doc.get("sources") or {}).items()) or "-"],
        ["curated data", f"`{tr['curated_path']}` (sha256 {tr['curated_sha256']})"],
        ["rows (train / eval, held out by hash of id)", f"{result['rows_train']:,} / {result['rows_eval']:,}"],
        ["template", tr.get("template")],
        ["loss", ("assistant tokens only" if spec.assistant_only_loss else "all tokens")],
        ["batching", "packing " + spec.packing_strategy if spec.packing else
         ("padding-free" if spec.padding_free else "padded")],
        ["LoRA", f"r={spec.lora.r}, alpha={spec.lora.alpha}" + (" (QLoRA)" if spec.lora.load_in_4bit else "")
         if spec.lora else "no"],
        ["learning rate / epochs / max_length", f"{spec.learning_rate:g} / {spec.epochs:g} / {spec.max_length}"],
        ["mask audit (rows ok / checked, dropped)",
         f"{tr['audit']['rows_checked'] - tr['audit']['rows_failed']:,} / {tr['audit']['rows_checked']:,}, "
         f"{tr['audit']['rows_dropped']:,}"],
    ])
    if doc.get("stages"):
        lines += ["## Curation funnel", ""]
        lines += _table(["#", "stage", "rows in", "rows out", "dropped by reason"], [
            [i, s["stage"], s.get("rows_in", ""), s["rows_out"],
             ", ".join(f"{k} {v:,}" for k, v in (s.get("dropped") or {}).items()) or "-"]
            for i, s in enumerate(doc["stages"])])
    if tr.get("mix"):
        lines += ["## Realised mix (training rows after the audit)", ""]
        lines += _table(["source", "rows", "tokens", "supervised tokens", "share of supervised"], [
            [src, m["rows"], m["tokens"], m["supervised_tokens"], f"{100 * m['supervised_share']:.1f}%"]
            for src, m in tr["mix"].items()])
    elif doc.get("sources"):
        lines += ["## Sources (curated rows)", ""]
        lines += _table(["source", "rows"], [[k, v] for k, v in doc["sources"].items()])
    lines += ["## Results", ""]
    res_rows = [["steps", result["steps"]], ["train loss (first → last)",
                f"{_fmt(result['first_loss'])} → {_fmt(result['last_loss'])}"],
                ["eval loss (all)", _fmt(result["eval_loss"])]]
    res_rows += [[f"eval loss ({k})", _fmt(v)] for k, v in sorted((result.get("eval_loss_by_source") or {}).items())]
    res_rows += [["tokens trained", result["train_tokens"]],
                 ["tokens/s", f"{result['tokens_per_second'] or 0:,.0f}"],
                 ["supervised-token fraction", _fmt(result["supervised_token_fraction"])],
                 ["padding fraction", _fmt(result.get("padding_fraction"))],
                 ["MFU", _fmt(result.get("mfu")) if result.get("mfu") is not None else "n/a (CPU or unknown GPU)"]]
    lines += _table(["metric", "value"], res_rows)
    lines += ["## Versions", ""]
    lines += _table(["package", "version"], [[k, v] for k, v in tr["versions"].items()])
    lines += ["Full lineage (funnel counters, per-source accounting, spec): `lineage.json`; metrics: `metrics.json`."]
    return "\n".join(lines) + "\n"
