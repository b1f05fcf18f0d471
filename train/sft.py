"""Supervised fine-tuning on the curated Parquet with TRL's ``SFTTrainer``.

Reads ``curated.parquet`` (the canonical frame, ``curate.schema``), holds out rows by a stable hash
of ``id``, builds the model (the offline ``tiny`` Llama, or a local folder / hub id), maps the
pipeline's ``train:`` block (``train.spec.TrainSpec``) onto ``trl.SFTConfig``, trains, and writes
next to the weights what they were trained on (``lineage.json``, ``README.md``).

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


def split_eval(ds, eval_fraction: float):
    """Split ``ds`` into ``(train, eval)`` by ``eval_bucket(id) < eval_fraction``.

    ``eval`` is ``None`` when no row falls in it (e.g. ``eval_fraction=0``). Raises ``ValueError``
    when no training row is left.
    """
    ids = ds["id"]
    is_eval = [eval_bucket(i) < eval_fraction for i in ids]
    train_idx = [i for i, e in enumerate(is_eval) if not e]
    eval_idx = [i for i, e in enumerate(is_eval) if e]
    if not train_idx:
        raise ValueError(f"no training rows: {len(ids)} rows, all held out by eval_fraction={eval_fraction}")
    return ds.select(train_idx), (ds.select(eval_idx) if eval_idx else None)


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

def load_model_and_tokenizer(spec: TrainSpec, texts: list[str], tokenizer_dir: Path | None, *, seed: int,
                             cuda: bool, bf16: bool, echo: Callable[[str], None] = print):
    """``(model, tokenizer, description)`` for ``spec.model``.

    ``tiny``: the tokenizer is loaded from ``tokenizer_dir`` (the ``chat_template`` stage's
    artifact) or, without one, trained on ``texts`` with ``spec.tiny.vocab_size``; the model is a
    fresh ``train.tiny.build_tiny_model`` seeded with ``seed``, positions for ``spec.max_length``.
    Otherwise ``spec.model`` is a local folder or hub id loaded with ``AutoTokenizer`` /
    ``AutoModelForCausalLM.from_pretrained`` (bf16 or float32, ``spec.attn_implementation``,
    4-bit NF4 when ``spec.lora.load_in_4bit``); ``tokenizer_dir`` is then ignored, because the
    model's own tokenizer must match its embeddings. Raises ``ValueError`` for QLoRA on the tiny
    model or without CUDA.
    """
    from transformers import AutoTokenizer

    qlora = spec.lora is not None and spec.lora.load_in_4bit
    if qlora and not cuda:
        raise ValueError("train.lora.load_in_4bit (QLoRA) needs a CUDA GPU and bitsandbytes; "
                         "none found: set load_in_4bit: false to train plain LoRA on CPU")
    if spec.model == "tiny":
        if qlora:
            raise ValueError("train.lora.load_in_4bit: the tiny model is built from a config and is not quantized; "
                             "use a real model or drop load_in_4bit")
        from train.tiny import build_tiny_model, train_tokenizer

        if tokenizer_dir is not None:
            tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
            how = f"tokenizer from {tokenizer_dir}"
        else:
            tokenizer = train_tokenizer(texts, spec.tiny.vocab_size)
            how = "tokenizer trained on the curated text"
        model = build_tiny_model(tokenizer, spec.tiny, max_position_embeddings=max(spec.max_length, 64), seed=seed)
        n = sum(p.numel() for p in model.parameters())
        return model, tokenizer, f"tiny Llama ({n / 1e6:.2f}M params, vocab {len(tokenizer)}; {how})"

    import torch
    from transformers import AutoModelForCausalLM

    if tokenizer_dir is not None:
        echo(f"note: ignoring the chat_template stage's tokenizer ({tokenizer_dir}); {spec.model} uses its own")
    tokenizer = AutoTokenizer.from_pretrained(spec.model)
    kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if bf16 else torch.float32}
    if spec.attn_implementation:
        kwargs["attn_implementation"] = spec.attn_implementation
    if qlora:
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16)
    model = AutoModelForCausalLM.from_pretrained(spec.model, **kwargs)
    if tokenizer.pad_token is None:
        echo("note: the tokenizer has no pad token; TRL pads with eos and masks padding by position")
    n = sum(p.numel() for p in model.parameters())
    return model, tokenizer, f"{spec.model} ({n / 1e6:.1f}M params)"


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

    Args:
        curated_path: canonical Parquet (``id``, ``source``, ``messages``); only ``messages`` reaches
            TRL, ``id`` decides the eval split (``spec.eval_fraction`` by ``eval_bucket``).
        spec: the pipeline's ``train:`` block.
        out_dir: created; receives the weights (or the LoRA adapter), tokenizer,
            ``chat_template.jinja``, ``lineage.json``, ``README.md`` and any ``checkpoint-*``.
        seed: seeds model init, data order and the trainer.
        tokenizer_dir: the ``chat_template`` stage's tokenizer (used by ``tiny`` only).
        lineage: what the data came from (the run's stats: pipeline digest, funnel, sources,
            versions); written to ``lineage.json`` with a ``training`` section added.
        echo: receives a few summary lines and one line per logging step.

    Returns:
        ``output_dir`` (str), ``first_loss``/``last_loss`` (first and last logged training loss),
        ``eval_loss`` (None without eval rows), ``train_runtime`` (s), ``steps`` (optimizer steps),
        ``rows_train``/``rows_eval`` (rows after the split), ``rows_prepared`` (training rows TRL
        kept: fewer when truncation left a row with no assistant token; packed rows when packing),
        ``train_tokens`` (non-pad tokens the model processed, TRL's count), ``tokens_per_second``
        (train_tokens / train_runtime), ``supervised_token_fraction`` (tokens with a label / all
        tokens of the prepared train set), plus ``model`` (a description) and ``params``.

    Raises:
        FileNotFoundError: no curated file, or ``resume_from_checkpoint`` finds no checkpoint.
        curate.schema.SchemaError: the file is not a canonical conversation frame.
        ValueError: no training rows; QLoRA without CUDA or on ``tiny``.
    """
    import torch
    from transformers import PrinterCallback, TrainerCallback
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer

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
    train_ds, eval_ds = split_eval(ds, spec.eval_fraction)
    rows_train, rows_eval = len(train_ds), (len(eval_ds) if eval_ds is not None else 0)
    texts: list[str] = []
    if spec.model == "tiny" and tokenizer_dir is None:
        texts = [m["content"] for conv in ds["messages"] for m in conv if m.get("content")]
    model, tokenizer, model_desc = load_model_and_tokenizer(
        spec, texts, tokenizer_dir, seed=seed, cuda=cuda, bf16=bf16, echo=echo)
    echo(f"train: {rows_train:,} rows, eval: {rows_eval:,} rows; model {model_desc}; "
         f"{'cuda' if cuda else 'cpu'}{', bf16' if bf16 else ''}, {torch.get_num_threads()} threads")

    train_in = train_ds.select_columns(["messages"])
    eval_in = eval_ds.select_columns(["messages"]) if eval_ds is not None else None
    if spec.padding_free:
        train_in = pretokenize(train_in, tokenizer, spec.max_length, spec.assistant_only_loss)
        eval_in = pretokenize(eval_in, tokenizer, spec.max_length, spec.assistant_only_loss) if eval_in else None

    peft_config = None
    if spec.lora is not None:
        from peft import LoraConfig

        peft_config = LoraConfig(r=spec.lora.r, lora_alpha=spec.lora.alpha, lora_dropout=spec.lora.dropout,
                                 target_modules=spec.lora.target_modules, task_type="CAUSAL_LM")

    cfg = build_sft_config(spec, out_dir, seed=seed, cuda=cuda, bf16=bf16, has_eval=eval_in is not None)

    class _Echo(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not logs or "train_runtime" in logs:
                return
            parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in logs.items() if k in ("loss", "eval_loss", "learning_rate", "grad_norm",
                                                       "mean_token_accuracy", "num_tokens", "epoch")]
            echo(f"  step {state.global_step}/{state.max_steps}  " + "  ".join(parts))

    trainer = SFTTrainer(model=model, args=cfg, train_dataset=train_in, eval_dataset=eval_in,
                         processing_class=tokenizer, peft_config=peft_config, callbacks=[_Echo()])
    trainer.remove_callback(PrinterCallback)  # _Echo prints the logs instead
    ds_tokens, ds_supervised = _token_counts(trainer.train_dataset)
    out = trainer.train(resume_from_checkpoint=resume or None)
    eval_loss = trainer.evaluate()["eval_loss"] if eval_in is not None else None

    out_dir.mkdir(parents=True, exist_ok=True)
    trainer.save_model(str(out_dir))
    tokenizer.save_pretrained(str(out_dir))

    history = trainer.state.log_history
    losses = [h["loss"] for h in history if "loss" in h]
    runtime = float(out.metrics.get("train_runtime", time.perf_counter() - t0))
    train_tokens = int(getattr(trainer, "_total_train_tokens", 0) or 0)
    if not train_tokens:  # fall back to the prepared set × epochs done
        train_tokens = int(ds_tokens * (trainer.state.epoch or 0))
    result = {
        "output_dir": str(out_dir),
        "model": model_desc,
        "params": int(sum(p.numel() for p in trainer.model.parameters())),
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "eval_loss": float(eval_loss) if eval_loss is not None and not math.isnan(eval_loss) else None,
        "train_runtime": runtime,
        "steps": int(trainer.state.global_step),
        "rows_train": rows_train,
        "rows_eval": rows_eval,
        "rows_prepared": len(trainer.train_dataset),
        "train_tokens": train_tokens,
        "tokens_per_second": train_tokens / runtime if runtime > 0 else None,
        "supervised_token_fraction": ds_supervised / ds_tokens if ds_tokens else None,
    }
    write_lineage(out_dir, curated_path, spec, seed, lineage, result)
    echo(f"trained {result['steps']} steps in {runtime:.1f}s ({result['tokens_per_second'] or 0:,.0f} tok/s); "
         f"loss {result['first_loss']} → {result['last_loss']}, eval {result['eval_loss']}; saved → {out_dir}")
    return result


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def write_lineage(out_dir: Path, curated_path: Path, spec: TrainSpec, seed: int, lineage: dict, result: dict) -> None:
    """Write ``lineage.json`` (``lineage`` with a stale ``train`` key removed and a ``training``
    section added: data file digest, spec, seed, metrics) and a short ``README.md`` model card
    naming the pipeline, its digest, the sources and the funnel."""
    training = {
        "trained_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "curated_path": str(curated_path),
        "curated_sha256": _file_digest(curated_path),
        "seed": seed,
        "spec": spec.model_dump(mode="json"),
        "metrics": result,
    }
    doc = {k: v for k, v in (lineage or {}).items() if k != "train"}
    doc["training"] = training
    (out_dir / "lineage.json").write_text(json.dumps(doc, indent=2, default=str))

    name = doc.get("pipeline", "unnamed")
    lines = [
        f"# {name}: SFT with curatrain",
        "",
        f"- Base model: {result['model']}",
        f"- Trained on: `{curated_path}` (sha256 {training['curated_sha256']}), "
        f"{result['rows_train']:,} rows for training, {result['rows_eval']:,} held out by hash of id",
        f"- Pipeline: `{doc.get('pipeline_file', '?')}`, digest {doc.get('pipeline_digest', '?')}, seed {seed}",
    ]
    if doc.get("sources"):
        lines.append("- Sources (curated rows): " + ", ".join(f"{k} {v:,}" for k, v in doc["sources"].items()))
    if doc.get("stages"):
        lines.append("- Funnel: " + " → ".join(f"{s['stage']} {s['rows_out']:,}" for s in doc["stages"]))
    lines += [
        f"- Loss: assistant tokens only = {spec.assistant_only_loss}; packing = {spec.packing}; "
        f"LoRA = {spec.lora.r if spec.lora else 'no'}",
        f"- Result: {result['steps']} steps, loss {_fmt(result['first_loss'])} → {_fmt(result['last_loss'])}, "
        f"eval loss {_fmt(result['eval_loss'])}",
        "",
        "Full lineage (funnel, versions, training spec): `lineage.json`.",
    ]
    if spec.lora:
        lines.append("This folder holds a LoRA adapter; merge with `PeftModel.from_pretrained(base, dir).merge_and_unload()`.")
    (out_dir / "README.md").write_text("\n".join(lines) + "\n")
