"""curatrain's training half: TRL SFT on the curated Parquet. Heavy imports (torch, transformers,
trl) happen only inside the functions that need them.

Modules: ``spec`` (the ``train:`` block), ``templates`` (six families' training templates with
``{% generation %}`` markers, fast renderers, system-prompt policies), ``tiny`` (offline tokenizer and
model), ``audit`` (mask-coverage audit), ``sft`` (``train_model``), ``metrics`` (tokens/s, padding,
supervised fraction, MFU), ``attention`` (``sdpa_varlen`` and the compact LM head for CPU),
``launch`` / ``cli`` (``curatrain train``, ``accelerate launch -m train.launch``), ``accelerate/``
(DDP and FSDP2 configs; docs/multi_gpu.md)."""
