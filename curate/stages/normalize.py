"""``normalize``: clean every turn's text and repair or reject conversations whose roles are out of order.

Per conversation, in this order:

1. text: Unicode normal form (``unicode_form``, NFC by default); with ``strip_whitespace``, ``\\r\\n``
   and lone ``\\r`` become ``\\n``, spaces and tabs at the end of each line are removed and the turn
   is stripped at both ends (internal newlines and the indentation of later lines are kept);
2. ``drop_empty_turns``: turns whose content is empty (or only whitespace) are removed;
3. a conversation with no turns left is rejected ``empty_conversation``; one with no assistant turn
   ``no_assistant_turn`` (e.g. prompt-only MT-Bench rows) — checked before any trimming, so the
   reason names what is really missing;
4. ``merge_consecutive_roles``: consecutive turns of the same role (not ``tool``: parallel tool
   results stay separate) are joined with a blank line;
5. ``drop_leading_assistant``: assistant and tool turns before the first user turn are removed
   (a system turn at the start stays). FastChat's ``clean_sharegpt`` drops a leading non-human turn
   for the same reason: split ShareGPT chats often start mid-answer;
6. ``drop_trailing_user``: user turns after the last assistant turn are removed (FastChat's
   ``clean_sharegpt`` drops a trailing human turn: there is no answer to learn from);
7. checks, first failure names the reject: ``empty_conversation`` (trimming left nothing),
   ``no_user_turn``; then with ``require_alternation``
   ``system_not_first`` and ``bad_role_order`` against the grammar *optional system, then user;
   after user comes assistant; after assistant comes user or tool; after tool comes tool or
   assistant; the last turn is assistant*; then ``too_few_turns`` (fewer than ``min_turns``).

``drop_detail`` says where, with 0-based turn indices into the cleaned messages, e.g.
``"turn 3: user after user"``. Rejected rows carry the cleaned messages (what the checks saw).

Counters: ``rows_in``, ``rows_out``, ``turns_in``, ``turns_out`` (kept rows), ``texts_changed``,
``empty_turns_dropped``, ``turns_merged``, ``leading_turns_dropped``, ``trailing_turns_dropped``,
and ``dropped.<reason>`` for every reason (0 when none).

Implementation: text cleaning is vectorised with polars over the exploded turns; the role logic
(a small state machine) is one Python pass over flat role lists, and the cleaned turns go back
into the list column with a polars ``group_by``; no Python objects are built per message.
"""

from __future__ import annotations

from typing import Any, Literal

import polars as pl
from pydantic import Field

from curate.registry import register
from curate.schema import MESSAGES
from curate.stage import Context, Stage, StageParams, StageResult

REASONS = (
    "empty_conversation",
    "no_assistant_turn",
    "no_user_turn",
    "system_not_first",
    "bad_role_order",
    "too_few_turns",
)

# what may follow each role (None = start of the conversation, after an optional system turn)
_NEXT = {
    None: ("user",),
    "system": ("user",),
    "user": ("assistant",),
    "assistant": ("user", "tool"),
    "tool": ("tool", "assistant"),
}


def role_order_problem(roles: list[str]) -> tuple[str, str] | None:
    """Check ``roles`` against the alternation grammar; return ``(reason, detail)`` or None.

    Grammar: optional ``system`` first; then ``user``; after ``user`` comes ``assistant``; after
    ``assistant`` comes ``user`` or ``tool``; after ``tool`` comes ``tool`` or ``assistant``; the
    conversation ends on ``assistant``. A ``system`` turn anywhere but first is ``system_not_first``.

    >>> role_order_problem(["system", "user", "assistant"]) is None
    True
    >>> role_order_problem(["user", "assistant", "user", "user"])
    ('bad_role_order', 'turn 3: user after user')
    """
    for i, role in enumerate(roles):
        if role == "system" and i > 0:
            return "system_not_first", f"turn {i}: system after {roles[i - 1]}"
    prev = None
    for i, role in enumerate(roles):
        if i == 0 and role == "system":
            prev = "system"
            continue
        allowed = _NEXT.get(prev, ())
        if role not in allowed:
            return "bad_role_order", f"turn {i}: {role} after {prev or 'start'}"
        prev = role
    if prev != "assistant":
        return "bad_role_order", f"ends on {prev or 'nothing'} (turn {len(roles) - 1}), not assistant"
    return None


@register
class Normalize(Stage):
    """Clean turn text (Unicode form, whitespace), drop empty turns, merge same-role runs, trim
    leading assistant / trailing user turns, and reject conversations that still break the
    user/assistant alternation. See the module docstring for the exact order and reasons."""

    name = "normalize"
    version = "1"
    row_local = True

    class Params(StageParams):
        """Switches for each cleaning step (all on by default) and the checks applied after them."""

        unicode_form: Literal["NFC", "NFKC", "NFD", "NFKD", "none"] = Field(
            "NFC", description="Unicode normal form applied to every turn; 'none' leaves text as is")
        strip_whitespace: bool = Field(
            True, description="normalise \\r\\n to \\n, drop spaces/tabs at line ends, strip each turn; "
                              "internal newlines and indentation are kept")
        drop_empty_turns: bool = Field(True, description="remove turns whose content is empty or whitespace")
        merge_consecutive_roles: bool = Field(
            True, description="join consecutive same-role turns (except tool) with a blank line")
        drop_leading_assistant: bool = Field(
            True, description="remove assistant/tool turns before the first user turn (FastChat clean_sharegpt)")
        drop_trailing_user: bool = Field(
            True, description="remove user turns after the last assistant turn (FastChat clean_sharegpt)")
        min_turns: int = Field(2, ge=1, description="reject conversations with fewer turns (system counts) after cleaning")
        require_alternation: bool = Field(
            True, description="reject conversations that break the system?/user/assistant(/tool) grammar")

    def run(self, df: pl.DataFrame, ctx: Context) -> StageResult:
        """Clean ``df`` (canonical frame; extra columns pass through) → kept rows, rejects, counters."""
        p = self.params
        c = dict.fromkeys(("texts_changed", "empty_turns_dropped", "turns_merged",
                           "leading_turns_dropped", "trailing_turns_dropped", "turns_in", "turns_out"), 0)
        # 1: text cleaning, vectorised over all turns of all rows (polars, in Rust)
        lens = df.get_column("messages").list.len().fill_null(0)
        flat = (df.select("messages").filter(lens > 0).explode("messages").unnest("messages")
                .with_columns(pl.col("content").fill_null(""), pl.col("role").fill_null("")))
        text = pl.col("content")
        if p.unicode_form != "none":
            text = text.str.normalize(p.unicode_form)
        if p.strip_whitespace:
            text = (text.str.replace_all("\r\n", "\n", literal=True).str.replace_all("\r", "\n", literal=True)
                    .str.replace_all(r"[ \t]+\n", "\n").str.strip_chars())
        flat = flat.with_columns(_text=text).with_columns(
            _changed=pl.col("_text") != pl.col("content"),
            _empty=pl.col("_text").str.strip_chars() == "",
        )
        c["texts_changed"] = int(flat.get_column("_changed").sum())
        c["turns_in"] = flat.height
        roles = flat.get_column("role").to_list()
        texts = flat.get_column("_text").to_list()
        empty = flat.get_column("_empty").to_list() if p.drop_empty_turns else [False] * flat.height

        out_row: list[int] = []
        out_role: list[str] = []
        out_text: list[str] = []
        reasons: list[str | None] = []
        details: list[str | None] = []
        pos = 0
        for row, n in enumerate(lens.to_list()):
            turns, reason, detail = self._fix_roles(roles, texts, empty, pos, n, c)
            pos += n
            reasons.append(reason)
            details.append(detail)
            for role, content in turns:
                out_row.append(row)
                out_role.append(role)
                out_text.append(content)

        cleaned = (pl.DataFrame({"_row": out_row, "role": out_role, "content": out_text},
                                schema={"_row": pl.Int64, "role": pl.String, "content": pl.String})
                   .group_by("_row", maintain_order=True)
                   .agg(messages=pl.struct("role", "content")))
        messages = (pl.DataFrame({"_row": pl.int_range(df.height, dtype=pl.Int64, eager=True)})
                    .join(cleaned, on="_row", how="left", maintain_order="left")
                    .get_column("messages").cast(MESSAGES).fill_null(pl.lit([], dtype=MESSAGES)))
        tagged = df.with_columns(
            messages.alias("messages"),
            pl.Series("_reason", reasons, dtype=pl.String),
            pl.Series("_detail", details, dtype=pl.String),
        )
        keep = pl.col("_reason").is_null()
        kept = tagged.filter(keep).drop("_reason", "_detail")
        dropped = tagged.filter(~keep)
        rejected = self.reject(dropped, pl.col("_reason"), pl.col("_detail")).drop("_reason", "_detail")
        counts = dict(dropped.group_by("_reason").len().rows())
        c["turns_out"] = int(kept.get_column("messages").list.len().sum()) if kept.height else 0
        counters: dict[str, Any] = {"rows_in": df.height, "rows_out": kept.height, **c}
        counters.update({f"dropped.{r}": int(counts.get(r, 0)) for r in REASONS})
        return StageResult(kept=kept, rejected=rejected, counters=counters)

    def _fix_roles(self, roles: list[str], texts: list[str], empty: list[bool], pos: int, n: int,
                   c: dict[str, int]) -> tuple[list[list[str]], str | None, str | None]:
        """Steps 2-7 for the turns ``pos:pos+n`` of the flat lists: ``(turns, reason, detail)``."""
        p = self.params
        turns = []
        for i in range(pos, pos + n):
            if empty[i]:
                c["empty_turns_dropped"] += 1
            else:
                turns.append([roles[i], texts[i]])
        if not turns:
            return turns, "empty_conversation", f"no turns left of {n}"
        if not any(t[0] == "assistant" for t in turns):
            return turns, "no_assistant_turn", "roles: " + ", ".join(t[0] for t in turns)
        before = ", ".join(t[0] for t in turns)
        # 4: merge same-role runs (tool turns stay separate)
        if p.merge_consecutive_roles:
            merged = [turns[0]]
            for t in turns[1:]:
                last = merged[-1]
                if t[0] == last[0] and t[0] != "tool":
                    last[1] = last[1] + "\n\n" + t[1]
                    c["turns_merged"] += 1
                else:
                    merged.append(t)
            turns = merged
        # 5: leading assistant/tool turns (a first system turn stays)
        if p.drop_leading_assistant:
            start = 1 if turns[0][0] == "system" else 0
            end = start
            while end < len(turns) and turns[end][0] in ("assistant", "tool"):
                end += 1
            if end > start:
                c["leading_turns_dropped"] += end - start
                del turns[start:end]
        # 6: trailing user turns
        if p.drop_trailing_user:
            while turns and turns[-1][0] == "user":
                turns.pop()
                c["trailing_turns_dropped"] += 1
        roles_now = [t[0] for t in turns]
        if not turns:
            return turns, "empty_conversation", f"nothing left after trimming; roles were: {before}"
        if "user" not in roles_now:
            return turns, "no_user_turn", f"roles were: {before}"
        if p.require_alternation and (problem := role_order_problem(roles_now)) is not None:
            return turns, problem[0], problem[1]
        if len(turns) < p.min_turns:
            return turns, "too_few_turns", f"{len(turns)} turn(s) < min_turns={p.min_turns}"
        return turns, None, None
