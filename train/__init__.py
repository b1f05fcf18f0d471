"""curatrain's training half: TRL SFT on the curated Parquet. Heavy imports (torch, transformers,
trl) happen only inside the functions that need them."""
