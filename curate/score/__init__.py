"""Model-based scores of conversations, used by the ``lm_score`` stage (``curate/stages/lm_score.py``).

Modules:

- ``models``: resolve a hub id or local folder to files on disk (offline-aware), a fingerprint of the
  weights for cache keys, device/dtype choice, and ``ScoreCache`` (per-sequence scores on disk);
- ``perplexity``: response perplexity with and without the instruction, and IFD (Li et al. 2024), with
  any causal LM (``AutoModelForCausalLM``);
- ``reward``: one scalar per conversation from a reward model (``AutoModelForSequenceClassification``),
  for AlpaGasus-style thresholding (Chen et al. 2024).

Only numpy/xxhash are imported at module level; torch/transformers inside the functions, so
``curatrain validate`` stays fast.
"""
