"""The chat domain shared by curation and training: training chat templates, tokenizers, mask audit.

Both halves use it and it uses neither: the ``chat_template`` stage (``curate/stages/``) counts and audits
rows with it, and ``train/`` trains with the same templates and tokenizer. Modules:

- ``templates``: six families' Jinja training templates with ``{% generation %}`` markers, their fast
  Python/polars renderers and the system-prompt policies (``FAMILIES``, ``render``, ``apply_system_policy``);
- ``tokenizer``: the offline byte-level BPE tokenizer (``train_tokenizer``), ``apply_family``,
  ``TEMPLATE_META`` / ``read_template_meta`` (what the stage saves beside its tokenizer), ``count_tokens``;
- ``audit``: the mask-coverage audit (``audit_conversations``, ``count_and_audit``);
- ``compat``: the library version ranges these and ``train/`` rely on (``TESTED``, ``require``).

Only polars and numpy are imported at module level; transformers/tokenizers inside the functions.
"""
