"""Deduplication building blocks behind the ``exact_dedup``, ``near_dedup`` and ``semantic_dedup``
stages, plus the planted-duplicate evaluation behind ``curatrain dedup-eval``.

Modules:

- ``text``: views (``conversation``, ``first_user_turn``, ``user_turns``, ``assistant_turns``) and
  the normalisation (NFKC → lowercase → punctuation/symbols stripped → whitespace collapsed);
  word / char / auto (CJK characters as tokens) tokenisation.
- ``minhash``: vectorised token and shingle hashes, MinHash signatures identical to datasketch 2.0
  ``affine32``, LSH band hashes, the FP/FN b × r optimiser and the S-curve.
- ``cluster``: candidate pairs from sorted band hashes, vectorised union-find, exact Jaccard of
  candidate pairs (verification), greedy star clustering inside components (``cluster: keeper``).
- ``keeper``: the deterministic keeper rule and the kept/rejected frames (``dup_of``,
  ``similarity``, ``cluster_id``).
- ``exact``: xxh3_64 view hashes and exact groups.
- ``near``: the streamed MinHash-LSH engine and its defaults (with sources).
- ``semantic``: blockwise cosine pairs over sentence embeddings.
- ``evaluate``: planted duplicates, pairwise precision / recall / F1.
"""
