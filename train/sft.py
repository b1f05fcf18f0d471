"""Supervised fine-tuning on the curated Parquet with TRL's ``SFTTrainer``: ``train_model``.

One call per step, each in its own module: the data (``train.data``: schema check, eval split by a hash of
``id``, mask audit, padding-free preparation), the model and tokenizer with the ``chat_template`` stage's template
(``train.model``), the ``SFTConfig`` and every resolved setting logged (``train.config``), and what the weights
were trained on (``train.lineage``: ``metrics.json``, ``lineage.json``, ``README.md``).

Run it through a pipeline (``curatrain run pipeline.yaml``, ``curatrain train pipeline.yaml``) or directly::

    from train.sft import train_model
    from train.spec import TrainSpec
    metrics = train_model(Path("out/lima/curated.parquet"), TrainSpec(max_steps=50, learning_rate=3e-3),
                          Path("out/lima/model"), seed=13, tokenizer_dir=None, lineage={})

TRL facts used (TRL 1.16 documentation): ``SFTConfig`` turns bf16 and activation checkpointing on by default,
so both are switched off on CPU; ``assistant_only_loss`` needs ``{% generation %}`` markers; ``padding_free``
without packing needs ``max_length=None``, so rows are tokenized and truncated here first. torch, transformers,
trl, datasets and peft are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Callable

from train.spec import TrainSpec


def train_model(curated_path: Path, spec: TrainSpec, out_dir: Path, *, seed: int, tokenizer_dir: Path | None,
                lineage: dict, echo: Callable[[str], None] = print, callbacks: list | tuple = ()) -> dict:
    """Fine-tune on ``curated_path`` with ``spec``; save the model, tokenizer and lineage in ``out_dir``.

    Steps:
      0. nothing to do when ``out_dir`` holds a finished model of the same run key (``train.checkpoints``);
      1. device: CUDA or CPU, bf16, threads, the CPU LM-head speed-up (``train.config.resolve_device``);
      2. template: the ``chat_template`` stage's, or ``spec.template`` (``train.model.resolve_template``);
      3. data: schema check, eval split by a hash of ``id`` per source (``train.data.load_split``), and the
         general held-out eval set (``train.data.take_general_eval``; the forgetting guard, ``train.guards``);
      4. model and tokenizer (``train.model.load_model_and_tokenizer``);
      5. mask audit on that exact tokenizer (``train.data.audit_split``, ``spec.audit``);
      6. rows prepared for TRL, padding-free by default (``train.data.prepare_for_trl``);
      7. ``SFTConfig`` with eval every ``eval_steps`` and early stopping (``train.guards.resolve_eval``); the checkpoint to resume from, when this run (same data and settings) was stopped
         (``train.checkpoints``); every resolved setting logged (``train.config``);
      8. train with ``SFTTrainer`` (on CPU inside ``train.lm_head.cpu_lm_head`` when enabled), then evaluate;
      9. save weights and tokenizer (and the merged model with ``spec.merge_adapter``), ``metrics.json``,
         ``lineage.json``, ``README.md`` (``train.lineage``), and last the ``_COMPLETE`` marker.

    Args:
        curated_path: canonical Parquet; ``messages`` reaches TRL, ``id`` decides the eval split
            (``spec.eval_fraction``), ``source`` the per-source eval sets and the realised mix.
        spec: the pipeline's ``train:`` block. seed: model init, data order and the trainer.
        out_dir: created; gets the weights (or LoRA adapter, ``merged/``), tokenizer, ``metrics.json``,
            ``lineage.json``, ``README.md``, ``checkpoint-*`` and ``_COMPLETE``.
        tokenizer_dir: the ``chat_template`` stage's tokenizer (tiny), or whose template a model's own takes.
        lineage: the run's stats (pipeline digest, funnel, sources), written to ``lineage.json`` plus ``training``.
        echo: gets the row funnel, a summary and one line per log step. callbacks: extra ``TrainerCallback``.

    Returns:
        the metrics, also in ``metrics.json`` (each key described in ``train.lineage.build_result``).

    Raises:
        FileNotFoundError: no curated file, or ``resume_from_checkpoint: true`` finds no checkpoint.
        curate.schema.SchemaError: the file is not a canonical conversation frame.
        ValueError: no training rows; QLoRA without CUDA/bitsandbytes or on ``tiny``; a template that
            disagrees with the ``chat_template`` stage; ``audit: raise`` and a partial assistant mask (naming
            the rows and the fix); trl/transformers outside the tested range (``curate.chat.compat``).
    """
    from train import checkpoints, config, data, guards, lineage as lin, model as mdl

    t0 = time.perf_counter()
    curated_path, out_dir = Path(curated_path), Path(out_dir)
    key = checkpoints.run_key(curated_path, spec, seed, tokenizer_dir)
    if (done := checkpoints.finished(out_dir, spec, key)) is not None:                          # 0
        echo(f"train: cached, {out_dir} was trained on the same data with the same settings (run key {key})")
        return done
    device = config.resolve_device(spec)                                                        # 1
    template, stage_meta = mdl.resolve_template(spec, tokenizer_dir)                            # 2
    fold = mdl.needs_system_fold(template, stage_meta)
    split = data.load_split(curated_path, spec.eval_fraction, spec.eval_per_source,             # 3
                            fold_system=fold, weight_column=spec.sample_weight)
    split, general, general_desc = data.take_general_eval(split, spec.general_eval, curated_path, fold_system=fold)
    texts = split.texts() if spec.model == "tiny" and tokenizer_dir is None else []
    model, tokenizer, model_desc = mdl.load_model_and_tokenizer(                                # 4
        spec, texts, tokenizer_dir, seed=seed, cuda=device.cuda, bf16=device.bf16, template=template)
    split = data.audit_split(split, tokenizer, mode=spec.audit, max_length=truncation(spec),    # 5
                             assistant_only_loss=spec.assistant_only_loss)
    train_in, eval_in = data.prepare_for_trl(                                                   # 6
        split, tokenizer, padding_free=spec.padding_free, max_length=spec.max_length,
        assistant_only_loss=spec.assistant_only_loss, per_source=spec.eval_per_source, general=general)
    eval_steps, best_metric = guards.resolve_eval(spec, len(train_in), eval_in, world_size())
    cfg = config.build_sft_config(spec, out_dir, seed=seed, device=device, has_eval=eval_in is not None,  # 7
                                  eval_steps=eval_steps, best_metric=best_metric)
    resume = checkpoints.prepare(out_dir, spec, key=key, curated_path=curated_path, seed=seed)
    config.log_settings(config.resolved_settings(spec, device, cfg, template=template, model=model_desc,
                                                 resume_from=resume, run_key=key, curated=str(curated_path)))
    echo(split.rows.describe(spec.max_length))
    echo(f"train: {len(split.train):,} rows, eval: {len(split.eval) if split.eval is not None else 0:,} rows; "
         f"model {model_desc}; {device.describe()}; mask audit "
         f"{split.audit['rows_checked'] - split.audit['rows_failed']}/{split.audit['rows_checked']} ok"
         + (f"; general eval: {general_desc}" if general_desc else ""))
    trainer, throughput = build_trainer(model, tokenizer, cfg, train_in, eval_in, spec, device, echo, callbacks)
    with fused_lm_head(device):                                                                 # 8
        train_output = trainer.train(resume_from_checkpoint=resume)
    eval_loss, by_source = evaluate(trainer, eval_in)
    guard = guards.summarize(trainer.state.log_history, eval_in, steps=trainer.state.global_step,
                             max_steps=trainer.state.max_steps, early_stopping=cfg.load_best_model_at_end)
    merged_dir = save_model(trainer, tokenizer, spec, out_dir, device, echo)                    # 9
    result = lin.build_result(trainer, train_output, throughput, out_dir=out_dir, model_desc=model_desc,
                              template=template, rows=split.rows.as_dict(), audit=split.audit, mix=split.mix,
                              merged_dir=merged_dir, eval_loss=eval_loss, eval_by_source=by_source, t0=t0,
                              guards=guard)
    if trainer.is_world_process_zero():
        (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, default=str))
        lin.write_lineage(out_dir, curated_path, spec, seed, lineage, result)
        checkpoints.mark_complete(out_dir, key)  # last: without it the folder is not a trained model
    echo(f"trained {result['steps']} steps in {result['train_runtime']:.1f}s "
         f"({result['tokens_per_second'] or 0:,.0f} tok/s, padding {100 * (result['padding_fraction'] or 0):.0f}%); "
         f"loss {result['first_loss']} → {result['last_loss']}, eval {result['eval_loss']}; saved → {out_dir}")
    for line in (result.get("epoch_recommendation"), result.get("forgetting_warning")):
        if line:
            echo(f"train: {line}")
    return result


def world_size() -> int:
    """Processes under a launcher (``WORLD_SIZE``), else 1."""
    import os

    return max(1, int(os.environ.get("WORLD_SIZE", "1") or 1))


def truncation(spec: TrainSpec) -> int | None:
    """Tokens a row keeps in training: ``spec.max_length``, or None when ``bfd_split`` packing splits long
    rows instead of truncating them."""
    return None if (spec.packing and spec.packing_strategy == "bfd_split") else spec.max_length


def build_trainer(model, tokenizer, cfg, train_in, eval_in, spec: TrainSpec, device, echo, callbacks=()):
    """``(SFTTrainer, ThroughputCallback)``: the trainer with a LoRA ``peft_config`` when ``spec.lora``, the
    throughput counter attached, ``EchoCallback`` printing each log line through ``echo`` (instead of
    transformers' ``PrinterCallback``), ``CheckpointPolicy`` when checkpoints are on, transformers'
    ``EarlyStoppingCallback`` when the config loads the best model at the end, then ``callbacks``; with
    ``spec.sample_weight`` the trainer weighs each row's loss (``train.weights``)."""
    from transformers import PrinterCallback
    from trl import SFTTrainer

    from train.checkpoints import CheckpointPolicy
    from train.metrics import EchoCallback, ThroughputCallback

    peft_config = None
    if spec.lora is not None:
        from peft import LoraConfig

        peft_config = LoraConfig(r=spec.lora.r, lora_alpha=spec.lora.alpha, lora_dropout=spec.lora.dropout,
                                 target_modules=spec.lora.target_modules, use_dora=spec.lora.use_dora,
                                 task_type="CAUSAL_LM")
    throughput = ThroughputCallback(n_params=int(sum(p.numel() for p in model.parameters())), bf16=device.bf16)
    timed = [CheckpointPolicy(spec.save_minutes)] if (spec.save_steps or spec.save_minutes) else []
    if cfg.load_best_model_at_end:
        from train.guards import early_stopping_callback

        timed.append(early_stopping_callback(spec.early_stopping_patience))
    trainer_cls = SFTTrainer
    if spec.sample_weight:
        from train.weights import weighted_trainer_class

        trainer_cls = weighted_trainer_class()
    trainer = trainer_cls(model=model, args=cfg, train_dataset=train_in, eval_dataset=eval_in,
                         processing_class=tokenizer, peft_config=peft_config,
                         callbacks=[throughput, EchoCallback(echo), *timed, *callbacks])
    trainer.remove_callback(PrinterCallback)
    if spec.sample_weight:
        from train.weights import SampleWeightCollator

        trainer.data_collator = SampleWeightCollator(trainer.data_collator)
    throughput.attach(trainer)
    return trainer, throughput


def fused_lm_head(device):
    """``train.lm_head.cpu_lm_head()`` when ``device.fused_lm_head``, else a no-op context."""
    if not device.fused_lm_head:
        return contextlib.nullcontext()
    from train.lm_head import cpu_lm_head

    return cpu_lm_head()


def evaluate(trainer, eval_in) -> tuple[float | None, dict[str, float]]:
    """``(in-domain eval loss over all eval rows, {source: eval loss})`` after training (the general held-out set,
    ``train.guards.GENERAL_KEY``, appears in the dict under that key); ``(None, {})`` without eval rows."""
    if eval_in is None:
        return None, {}
    em = trainer.evaluate()
    by_source = {k[len("eval_"):-len("_loss")]: float(v) for k, v in em.items()
                 if k.startswith("eval_") and k.endswith("_loss") and k not in ("eval_loss", "eval_all_loss")}
    return em.get("eval_loss", em.get("eval_all_loss")), by_source


def save_model(trainer, tokenizer, spec: TrainSpec, out_dir: Path, device, echo) -> str | None:
    """Save the weights (or adapter) to ``out_dir`` and, on the main process, the tokenizer and the merged model
    when ``spec.merge_adapter``; returns the merged folder or None."""
    from train.model import merge_adapter

    out_dir.mkdir(parents=True, exist_ok=True)
    trainer.save_model(str(out_dir))
    if not trainer.is_world_process_zero():
        return None
    tokenizer.save_pretrained(str(out_dir))
    if not spec.merge_adapter:
        return None
    merged_dir = merge_adapter(trainer.model, spec, out_dir, tokenizer, bf16=device.bf16)
    echo(f"merged adapter → {merged_dir}")
    return merged_dir

