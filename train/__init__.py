"""curatrain's training half: TRL SFT on the curated Parquet. Heavy imports (torch, transformers,
trl) happen only inside the functions that need them.

It uses ``curate.chat`` (training templates, the tiny tokenizer, the mask audit, tested library versions)
and never ``curate.stages``; nothing in ``curate/`` imports it. Modules: ``spec`` (the ``train:`` block),
``sft`` (``train_model``), ``tiny`` (the offline model), ``metrics`` (tokens/s, padding, supervised
fraction, MFU), ``attention`` (``sdpa_varlen``), ``lm_head`` (the CPU LM-head speed-up), ``launch``
(``run_training``) and ``cli`` (``curatrain train``), ``accelerate/`` (DDP and FSDP2 configs;
docs/multi_gpu.md)."""
