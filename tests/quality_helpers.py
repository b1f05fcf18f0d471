"""Helpers shared by the quality-rule tests."""

from __future__ import annotations

from curate.schema import make_frame
from curate.stage import Context
from curate.stages.quality import Quality


def quality_drops(prompt: str, replies: list[str], drop: list[str]) -> list[str]:
    """Ids ("0", "1", …) of ``replies`` to ``prompt`` that the ``quality`` stage with ``drop`` rules rejects."""
    df = make_frame([{"id": str(i), "source": "t", "messages": [{"role": "user", "content": prompt},
                                                                {"role": "assistant", "content": a}]}
                     for i, a in enumerate(replies)])
    return Quality(Quality.Params(drop=drop)).run(df, Context()).rejected["id"].to_list()
