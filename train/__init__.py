"""curatrain's training half: TRL SFT on the curated Parquet. Heavy imports (torch, transformers,
trl) happen only inside the functions that need them.

It uses ``curate.chat`` (training templates, the tiny tokenizer, the mask audit, tested library versions)
and never ``curate.stages``; nothing in ``curate/`` imports it. Modules, in the order a run uses them:
``spec`` (the ``train:`` block), ``sft`` (``train_model``, one call per step), ``config`` (device, ``SFTConfig``,
the settings log), ``data`` (schema, eval split, mask audit, padding-free rows, the row funnel), ``model``
(template, model and tokenizer), ``checkpoints`` (run key, resume, completion marker), ``weights`` (per-sample
loss weights), ``metrics`` (tokens/s, padding, supervised fraction, MFU), ``lineage`` (metrics.json,
lineage.json, model card), ``tiny`` (the offline model), ``attention`` (``sdpa_varlen``), ``lm_head`` (the CPU
LM-head speed-up), ``launch`` (``run_training``) and ``cli`` (``curatrain train``); ``accelerate/`` holds the DDP
and FSDP2 configs (docs/multi_gpu.md)."""
