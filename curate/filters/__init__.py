"""Metric functions and word lists behind the ``language``, ``quality`` and ``clean`` stages.

Pure functions over one string (or small lists), no polars, so they can be tested and reused alone:

- ``curate.filters.text``: code/URL/markup stripping, letter counts, Gopher repetition metrics,
  symbol and alphanumeric ratios, truncation checks.
- ``curate.filters.patterns``: refusal / "as an AI" boilerplate phrases in several languages,
  "continue" follow-ups, identity questions, placeholder and markup-debris patterns.
- ``curate.filters.pii``: typed PII regexes (``<EMAIL>``, ``<PHONE>``, ``<IP>``, ``<CREDIT_CARD>``,
  ``<API_KEY>``) with validation (Luhn for cards, public-IP check).
- ``curate.filters.langid``: seeded langdetect and lingua wrappers that return ``(code, prob)``.
"""
