"""Training chat templates (Jinja) and their vectorised twins (polars), by name.

Every template here marks what the model should learn with ``{% generation %}`` …
``{% endgeneration %}``: the assistant content **and** the end-of-turn token, with the role
header outside, so ``apply_chat_template(..., return_assistant_tokens_mask=True)`` and TRL's
``assistant_only_loss`` train the model to answer and to stop (anchors §3 items 1-2, §4.4).

Only ``chatml`` exists for now; ``llama3``, ``qwen``, ``mistral`` and ``gemma`` fit the same shape:
add the Jinja string to ``TEMPLATES`` and, if the stage should count tokens quickly, a
``render_<name>`` returning the same text and generation spans as the Jinja.

This module imports polars only.
"""

from __future__ import annotations

import polars as pl

#: special tokens of the tiny tokenizer, in id order (0..3).
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>")

#: ChatML (``<|im_start|>role\ncontent<|im_end|>\n``). Any role name renders (``tool`` too).
CHATML = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

TEMPLATES: dict[str, str] = {"chatml": CHATML}


def render_chatml(df: pl.DataFrame) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Render every row's ``messages`` with ``CHATML`` in polars, without Jinja.

    Returns ``(texts, spans)``: one rendered string per row (identical to
    ``tokenizer.apply_chat_template(messages, tokenize=False)`` with ``CHATML``) and, per row, the
    ``(start, end)`` character spans of its generation blocks (assistant content + ``<|im_end|>``),
    end exclusive, in Python ``str`` indices. About 50× faster than one Jinja render per row.
    """
    if df.height == 0:
        return [], []
    el = pl.element()
    role = el.struct.field("role")
    content = el.struct.field("content").fill_null("")
    header = pl.lit("<|im_start|>") + role + pl.lit("\n")
    piece = header + content + pl.lit("<|im_end|>\n")
    parts = df.select(
        pieces=pl.col("messages").list.eval(piece),
        header_len=pl.col("messages").list.eval(header.str.len_chars()),
        content_len=pl.col("messages").list.eval(content.str.len_chars()),
        is_asst=pl.col("messages").list.eval(role == "assistant"),
    )
    texts = parts.select(pl.col("pieces").list.join("")).to_series().to_list()
    # span start = offset of the piece + header length; end = start + content + len('<|im_end|>')
    ex = (parts.with_row_index("row")
          .select("row", "header_len", "content_len", "is_asst")
          .explode("header_len", "content_len", "is_asst")
          .with_columns(piece_len=pl.col("header_len") + pl.col("content_len") + 11)
          .with_columns(offset=pl.col("piece_len").cum_sum().over("row") - pl.col("piece_len"))
          .filter(pl.col("is_asst"))
          .with_columns(start=pl.col("offset") + pl.col("header_len"))
          .with_columns(end=pl.col("start") + pl.col("content_len") + 10)
          .group_by("row", maintain_order=True).agg("start", "end"))
    spans: list[list[tuple[int, int]]] = [[] for _ in range(df.height)]
    for row, starts, ends in ex.iter_rows():
        spans[row] = list(zip(starts, ends))
    return texts, spans


RENDERERS = {"chatml": render_chatml}
