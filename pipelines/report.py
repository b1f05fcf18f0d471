"""``report.html``: one self-contained page that shows what a run did, readable offline.

``build_report(out_dir)`` reads what ``curatrain run`` left in ``output.dir`` and writes
``<out_dir>/report.html``; ``curatrain report DIR`` rebuilds it. Inputs, all optional but
``stats.json``:

- ``stats.json``: the funnel (rows per stage, drops by reason, seconds), per-source accounting,
  stage counters (language mix, selection coverage, realised mix), the training summary;
- ``curated.parquet`` and ``rejects.parquet``: lengths before and after, ``stat_*`` histograms,
  duplicate clusters and rejected samples per reason;
- stage artifacts named in ``stats.json`` (the selection map PNG);
- ``model/metrics.json``: loss and eval-loss curves, per-source eval loss, tokens/s, mask audit.

Sections: summary, funnel, per source (rows read → curated; user/assistant length histograms
before and after), language mix, duplicate clusters (keeper beside 2-3 members, with the
similarity), rule metrics (``stat_*`` histograms with the threshold parsed from the rules'
``drop_detail``), rejected samples per reason, selection (map and cluster coverage), mix (realised
vs target), mask audit, training.

Safety: the page is rendered by a Jinja2 environment with autoescape on, so every string from the
data (turn text, ids, sources, details) is HTML-escaped; plots are matplotlib figures embedded as
base64 PNG ``<img>`` data URIs (an image cannot run script), and the page references no external
resource (no script, stylesheet or font is fetched). Conversation text is truncated to
``max_chars`` characters per turn.

"Before" lengths are measured on every row that reached ``normalize`` (curated rows plus rejected
rows that still carry their messages); "after" on the curated rows.

Example::

    >>> from pipelines.report import build_report
    >>> build_report(Path("out/lima"))          # doctest: +SKIP
    PosixPath('out/lima/report.html')
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ReportError", "build_report"]

REPORT_NAME = "report.html"
TEMPLATE = "report.html.j2"
_DUP_REASONS = ("exact_duplicate", "near_duplicate", "semantic_duplicate")
#: ``stat_x=0.42 > 0.3`` / ``stat_x=3 < 10`` / ``stat_x=1 >= 1`` inside a rule's drop_detail
_THRESHOLD = re.compile(r"(stat_[A-Za-z0-9_]+)=[^\s<>]+\s*(<=|>=|<|>)\s*(-?[0-9.eE+-]+)")


class ReportError(ValueError):
    """The folder holds no run to report on (no ``stats.json``), or it cannot be read."""


@dataclass
class Figure:
    """One embedded plot: ``title`` and a ``data:image/png;base64,...`` URI."""

    title: str
    uri: str


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _read_parquet(path: Path):
    import polars as pl

    if not path.is_file():
        return None
    try:
        return pl.read_parquet(path)
    except Exception as exc:  # a torn or foreign file: say so, do not crash the report
        raise ReportError(f"{path}: cannot read as Parquet: {exc}") from exc


def _clip(text: Any, n: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= n else s[:n] + f" … [{len(s) - n:,} more characters]"


def _resolve_artifact(p: str, out_dir: Path) -> Path | None:
    """Artifact paths in stats.json are relative to the run's working directory; fall back to
    the part after ``.cache/`` inside ``out_dir`` (the report may be built from elsewhere)."""
    cand = Path(p)
    if cand.is_file():
        return cand
    if ".cache/" in p:
        alt = out_dir / ".cache" / p.split(".cache/", 1)[1]
        if alt.is_file():
            return alt
    return None


# ---------------------------------------------------------------- sections

def _funnel(stats: dict) -> tuple[list[dict], list[Figure]]:
    plt = _plt()
    rows = []
    for s in stats.get("stages", []):
        rows.append({"index": s.get("index"), "stage": s.get("stage"), "rows_in": s.get("rows_in", 0),
                     "rows_out": s.get("rows_out", 0), "seconds": s.get("seconds", 0.0),
                     "cached": s.get("cached", False),
                     "dropped": sorted((s.get("dropped") or {}).items(), key=lambda kv: -kv[1])})
    if not rows:
        return rows, []
    names = [f"{r['index']} {r['stage']}" for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.35 * len(rows) + 1.4), sharey=True)
    y = list(range(len(rows)))[::-1]
    a1.barh(y, [r["rows_out"] for r in rows], color="#4c78a8", label="rows out")
    a1.barh(y, [sum(n for _, n in r["dropped"]) for r in rows], left=[r["rows_out"] for r in rows],
            color="#e45756", label="dropped")
    a1.set_yticks(y, names)
    a1.set_xlabel("rows")
    a1.legend(loc="lower right", fontsize=8)
    a1.set_title("rows per stage")
    a2.barh(y, [r["seconds"] for r in rows], color="#72b7b2")
    a2.set_xlabel("seconds")
    a2.set_title("time per stage")
    return rows, [Figure("Funnel: rows kept and dropped per stage; time per stage", _png(fig))]


def _lengths(frame, role: str):
    import polars as pl

    return (frame.select(pl.col("messages").list.eval(
        pl.element().filter(pl.element().struct.field("role") == role).struct.field("content").str.len_chars()
    ).list.sum().alias("n")).get_column("n").drop_nulls().to_list())


def _per_source(stats: dict, before, after) -> tuple[list[dict], list[Figure]]:
    plt = _plt()
    read_counts: dict[str, int] = {}
    if before is not None:
        for src, n in before.group_by("source").len().iter_rows():
            read_counts[src] = n
    table = []
    for src, acc in sorted((stats.get("per_source") or {}).items()):
        table.append({"source": src, "curated": acc.get("curated", 0), "rejected": acc.get("rejected_total", 0),
                      "by_stage": sorted((acc.get("rejected") or {}).items(), key=lambda kv: -kv[1])})
    figs = []
    if before is not None and after is not None and before.height:
        import numpy as np

        fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
        for ax, role in zip(axes, ("user", "assistant")):
            b, a = _lengths(before, role), _lengths(after, role)
            hi = max(b + a + [10])
            bins = np.logspace(0, np.log10(hi + 1), 40)
            ax.hist([x + 1 for x in b], bins=bins, alpha=0.5, label=f"before ({len(b):,})", color="#9d9da1")
            ax.hist([x + 1 for x in a], bins=bins, alpha=0.7, label=f"curated ({len(a):,})", color="#4c78a8")
            ax.set_xscale("log")
            ax.set_xlabel(f"{role} characters per conversation (log)")
            ax.set_ylabel("conversations")
            ax.legend(fontsize=8)
        figs.append(Figure("Lengths before and after curation, all sources", _png(fig)))
        sources = sorted(set(before.get_column("source").unique().to_list()))
        if 1 < len(sources) <= 12:
            fig, axes = plt.subplots(1, len(sources), figsize=(2.6 * len(sources), 2.6), squeeze=False)
            for ax, src in zip(axes[0], sources):
                import polars as pl

                b = _lengths(before.filter(pl.col("source") == src), "assistant")
                a = _lengths(after.filter(pl.col("source") == src), "assistant")
                hi = max(b + a + [10])
                bins = np.logspace(0, np.log10(hi + 1), 25)
                ax.hist([x + 1 for x in b], bins=bins, alpha=0.5, color="#9d9da1")
                ax.hist([x + 1 for x in a], bins=bins, alpha=0.7, color="#4c78a8")
                ax.set_xscale("log")
                ax.set_title(_clip(src, 24), fontsize=9)
                ax.tick_params(labelsize=7)
            figs.append(Figure("Assistant characters per conversation, per source (grey: before, blue: curated)",
                               _png(fig)))
    for row in table:
        row["read"] = read_counts.get(row["source"], row["curated"] + row["rejected"])
    return table, figs


def _language(stats: dict) -> tuple[list[dict], list[Figure]]:
    plt = _plt()
    mix: dict[str, dict[str, int]] = {}
    for s in stats.get("stages", []):
        for k, v in (s.get("counters") or {}).items():
            parts = k.split(".")
            if len(parts) == 3 and parts[0] == "lang" and isinstance(v, (int, float)):
                mix.setdefault(parts[1], {})[parts[2]] = mix.setdefault(parts[1], {}).get(parts[2], 0) + int(v)
    table = [{"role": role, "langs": sorted(c.items(), key=lambda kv: -kv[1])} for role, c in sorted(mix.items())]
    if not mix:
        return table, []
    fig, axes = plt.subplots(1, len(mix), figsize=(5.5 * len(mix), 3), squeeze=False)
    for ax, row in zip(axes[0], table):
        top = row["langs"][:15]
        ax.bar([k for k, _ in top], [v for _, v in top], color="#54a24b")
        ax.set_title(f"{row['role']} turns by language", fontsize=10)
        ax.tick_params(axis="x", labelsize=8, rotation=45)
    return table, [Figure("Language mix", _png(fig))]


def _turns(messages: Any, max_chars: int, max_turns: int = 4) -> list[dict]:
    out = []
    for m in (messages or [])[:max_turns]:
        out.append({"role": m.get("role"), "content": _clip(m.get("content"), max_chars)})
    if messages and len(messages) > max_turns:
        out.append({"role": "…", "content": f"{len(messages) - max_turns} more turns"})
    return out


def _duplicates(rejects, curated, max_clusters: int, max_chars: int) -> list[dict]:
    import polars as pl

    if rejects is None or "dup_of" not in rejects.columns:
        return []
    dups = rejects.filter(pl.col("drop_reason").is_in(_DUP_REASONS) & pl.col("dup_of").is_not_null())
    if not dups.height:
        return []
    sizes = dups.group_by("dup_of", "drop_reason").len().sort(["len", "dup_of"], descending=[True, False])
    frames = [f.select("id", "source", "messages") for f in (curated, rejects) if f is not None]
    by_id = pl.concat(frames).unique("id", keep="first")
    out = []
    for keeper, reason, n in sizes.head(max_clusters).iter_rows():
        k = by_id.filter(pl.col("id") == keeper)
        members = dups.filter((pl.col("dup_of") == keeper) & (pl.col("drop_reason") == reason)).sort("id").head(3)
        out.append({
            "reason": reason, "size": n + 1, "keeper_id": keeper,
            "keeper": _turns(k.row(0, named=True)["messages"] if k.height else None, max_chars, 2),
            "members": [{"id": r["id"], "similarity": r.get("similarity"),
                         "turns": _turns(r["messages"], max_chars, 2)} for r in members.iter_rows(named=True)],
        })
    return out


def _metrics(rejects, curated, max_plots: int = 16) -> list[Figure]:
    """Histograms of the ``stat_*`` columns a rule fired on, with the rule's threshold drawn: one
    figure, one panel per metric (one ``savefig``: each costs ~1 s on a small CPU)."""
    import numpy as np
    import polars as pl

    plt = _plt()
    if rejects is None:
        return []
    thresholds: dict[str, tuple[str, float]] = {}
    details = rejects.filter(pl.col("drop_detail").is_not_null()).group_by("drop_reason").head(50)
    for d in details.get_column("drop_detail").to_list():
        for col, op, val in _THRESHOLD.findall(d or ""):
            try:
                thresholds.setdefault(col, (op, float(val)))
            except ValueError:
                continue
    frames = [f for f in (curated, rejects) if f is not None]
    panels = []
    for col, (op, thr) in sorted(thresholds.items())[:max_plots]:
        vals = np.concatenate([np.zeros(0)] + [f.get_column(col).drop_nulls().cast(pl.Float64).to_numpy()
                                               for f in frames if col in f.columns and f.schema[col].is_numeric()])
        if len(vals):
            panels.append((col, op, thr, vals))
    if not panels:
        return []
    ncols = min(4, len(panels))
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.5 * nrows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (col, op, thr, vals) in zip(axes.flat, panels):
        ax.hist(vals, bins=40, color="#b279a2")
        ax.axvline(thr, color="#e45756", linestyle="--", label=f"drop if {op} {thr:g}")
        ax.set_yscale("log")
        ax.set_title(col, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    # fixed spacing for the fixed-size panels: tight_layout measured every log-scale axis once more
    # (2.2 of the report's 5.8 s at 100k conversations)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.06, top=0.95, wspace=0.3, hspace=0.55)
    return [Figure("Rule metrics of every row that reached the rule (log counts); red: the rule's threshold",
                   _png(fig))]


def _samples(rejects, per_reason: int, max_chars: int) -> list[dict]:
    import polars as pl

    if rejects is None or not rejects.height:
        return []
    groups = (rejects.group_by("drop_stage", "drop_reason").len()
              .sort(["drop_stage", "drop_reason"]))
    out = []
    for stage, reason, n in groups.iter_rows():
        sub = rejects.filter((pl.col("drop_stage") == stage) & (pl.col("drop_reason") == reason)).sort("id")
        rows = []
        for r in sub.head(per_reason).iter_rows(named=True):
            raw = None
            if r["messages"] is None:
                try:
                    raw = _clip(json.loads(r["meta"] or "{}").get("raw"), max_chars)
                except (ValueError, AttributeError):
                    raw = _clip(r["meta"], max_chars)
            rows.append({"id": r["id"], "detail": _clip(r["drop_detail"], 300), "raw": raw,
                         "turns": _turns(r["messages"], max_chars)})
        out.append({"stage": stage, "reason": reason, "count": n, "rows": rows})
    return out


def _selection(stats: dict, out_dir: Path) -> tuple[list[dict], list[Figure]]:
    info, figs = [], []
    for s in stats.get("stages", []):
        arts = s.get("artifacts") or {}
        if "selection_map" not in arts and s.get("stage") != "diversity_select":
            continue
        c = s.get("counters") or {}
        info.append({"stage": s.get("stage"), "method": c.get("method"), "selected": c.get("selected"),
                     "n_clusters": c.get("n_clusters"), "clusters_covered": c.get("clusters_covered"),
                     "mean_nn": c.get("selected_mean_nn_distance")})
        png = _resolve_artifact(arts["selection_map"], out_dir) if "selection_map" in arts else None
        if png is not None:
            figs.append(Figure(f"Selection map ({s.get('stage')}): 2-D PCA of the embeddings, selected vs not",
                               "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")))
    return info, figs


def _mix(stats: dict) -> tuple[list[dict], list[Figure]]:
    plt = _plt()
    for s in stats.get("stages", []):
        realised = (s.get("counters") or {}).get("realised")
        if s.get("stage") == "mix" and isinstance(realised, dict) and realised:
            rows = [{"key": k, **v} for k, v in realised.items()]
            fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(rows) + 1.2))
            y = list(range(len(rows)))
            ax.barh([i + 0.2 for i in y], [r.get("target_share") or 0 for r in rows], height=0.4,
                    label="target", color="#9d9da1")
            ax.barh([i - 0.2 for i in y], [r.get("share") or 0 for r in rows], height=0.4,
                    label="realised", color="#f58518")
            ax.set_yticks(y, [_clip(r["key"], 30) for r in rows])
            ax.set_xlabel(f"share ({(s.get('counters') or {}).get('unit', 'rows')})")
            ax.legend(fontsize=8)
            return rows, [Figure("Mix: realised vs target shares", _png(fig))]
    return [], []


def _training(stats: dict, out_dir: Path) -> tuple[dict | None, list[Figure]]:
    """The training section: loss with the in-domain ``eval_history`` and the ``general_eval_history`` (general
    held-out set, ``train.guards``) as curves, eval loss per source, the summary table with the epoch
    recommendation and, when general eval loss rose while in-domain fell, the forgetting warning
    (``train.guards.forgetting_warning``, recomputed from the histories when ``metrics.json`` predates it)."""
    from train.guards import forgetting_warning

    plt = _plt()
    train = stats.get("train")
    metrics_path = out_dir / "model" / "metrics.json"
    if isinstance(train, dict) and train.get("output_dir"):
        alt = Path(train["output_dir"]) / "metrics.json"
        metrics_path = alt if alt.is_file() else metrics_path
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else None
    if metrics is None and not isinstance(train, dict):
        return None, []
    m = {**(train or {}), **(metrics or {})}
    figs = []
    losses = m.get("loss_history") or []
    evals = m.get("eval_history") or []
    general = m.get("general_eval_history") or []
    if losses:
        fig, ax = plt.subplots(figsize=(6.5, 3))
        ax.plot([s for s, _ in losses], [v for _, v in losses], label="train loss", color="#4c78a8")
        if evals:
            ax.plot([e[0] for e in evals], [e[1] for e in evals], "o-", label="eval loss (in-domain)", color="#e45756")
        if general:
            ax.plot([e[0] for e in general], [e[1] for e in general], "s--", label="general held-out eval loss",
                    color="#54a24b")
        if m.get("best_step") is not None and evals:
            ax.axvline(m["best_step"], color="#9d9da1", linestyle=":", label=f"best eval (step {m['best_step']})")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
        figs.append(Figure("Training loss" + (" and eval loss" if evals else "")
                           + (" with the general held-out eval" if general else ""), _png(fig)))
    by_source = m.get("eval_loss_by_source") or {}
    if by_source:
        fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(by_source) + 1.2))
        ax.barh(list(by_source), list(by_source.values()), color="#72b7b2")
        ax.set_xlabel("eval loss")
        figs.append(Figure("Eval loss per source", _png(fig)))
    keys = ("model", "template", "params", "steps", "rows_train", "rows_eval", "rows_prepared", "first_loss",
            "last_loss", "eval_loss", "general_eval_loss", "best_step", "best_eval_loss", "stopped_early",
            "epoch_recommendation", "tokens_per_second", "supervised_token_fraction", "padding_fraction",
            "mfu", "train_runtime")
    summary = {k: m.get(k) for k in keys if m.get(k) is not None}
    warning = m.get("forgetting_warning") or forgetting_warning(evals, general)
    if warning:
        summary = {"WARNING": warning, **summary}
    audit = m.get("audit")
    return {"summary": summary, "audit": audit if isinstance(audit, dict) else None}, figs


# ---------------------------------------------------------------- entry point

def build_report(out_dir: Path, *, samples_per_reason: int = 3, max_chars: int = 600,
                 max_clusters: int = 8) -> Path:
    """Write ``<out_dir>/report.html`` from the outputs of a run and return its path.

    Args:
        out_dir: a pipeline's ``output.dir`` (holds ``stats.json``; ``curated.parquet``,
            ``rejects.parquet`` and ``model/metrics.json`` are used when present).
        samples_per_reason: rejected rows shown per (stage, drop reason); default 3.
        max_chars: characters shown per turn (longer text is cut and says how much is left).
        max_clusters: duplicate clusters shown (largest first; ties by keeper id).

    Raises ``ReportError`` (a ``ValueError``) when ``out_dir`` holds no ``stats.json`` or an
    output cannot be read, and ``OSError`` when the page cannot be written.
    """
    import jinja2

    out_dir = Path(out_dir)
    stats_path = out_dir / "stats.json"
    if not stats_path.is_file():
        raise ReportError(f"{out_dir}: no stats.json here; run `curatrain run PIPELINE` first")
    try:
        stats = json.loads(stats_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ReportError(f"{stats_path}: not valid JSON: {exc}") from exc
    curated = _read_parquet(out_dir / "curated.parquet")
    rejects = _read_parquet(out_dir / "rejects.parquet")
    before = None
    if curated is not None:
        import polars as pl

        parts = [curated.select("id", "source", "messages")]
        if rejects is not None:
            parts.append(rejects.filter(pl.col("messages").is_not_null()).select("id", "source", "messages"))
        before = pl.concat(parts).unique("id", keep="first", maintain_order=True)

    funnel, funnel_figs = _funnel(stats)
    sources, source_figs = _per_source(stats, before, curated)
    langs, lang_figs = _language(stats)
    selection, selection_figs = _selection(stats, out_dir)
    mix, mix_figs = _mix(stats)
    training, train_figs = _training(stats, out_dir)
    ctx = {
        "stats": stats, "funnel": funnel, "funnel_figs": funnel_figs,
        "sources": sources, "source_figs": source_figs, "langs": langs, "lang_figs": lang_figs,
        "clusters": _duplicates(rejects, curated, max_clusters, max_chars),
        "metric_figs": _metrics(rejects, curated),
        "samples": _samples(rejects, samples_per_reason, max_chars),
        "selection": selection, "selection_figs": selection_figs, "mix": mix, "mix_figs": mix_figs,
        "training": training, "train_figs": train_figs,
        "read_files": _read_files(stats),
    }
    env = jinja2.Environment(loader=jinja2.PackageLoader("pipelines", "templates"),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda v, nd=0: (f"{v:,.{nd}f}" if isinstance(v, (int, float)) else ("" if v is None else str(v)))
    page = env.get_template(TEMPLATE).render(**ctx)
    target = out_dir / REPORT_NAME
    tmp = out_dir / f".tmp-report-{os.getpid()}.html"  # removed with other orphans if a run is killed here
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


def input_files(counters: dict) -> list[dict]:
    """The ``file.<name>`` counters of a source stage, one dict per input file: ``file`` (path, else
    name), ``format``, ``records``, ``rows``, ``prompts``, ``rejected`` (ints, 0 when missing) and
    ``by_reason`` (``"reason n, ..."``, most frequent first). Tolerates missing keys; used by the
    report's table and by the lines ``run`` prints after the funnel."""
    out = []
    for key, c in counters.items():
        if not key.startswith("file.") or not isinstance(c, dict):
            continue
        by = c.get("rejected_by_reason") or {}
        reasons = ", ".join(f"{r} {int(n):,}" for r, n in sorted(by.items(), key=lambda kv: (-int(kv[1]), kv[0])))
        out.append({"file": c.get("path") or key[len("file."):], "format": c.get("format"),
                    **{k: int(c.get(k) or 0) for k in ("records", "rows", "prompts", "rejected")},
                    "by_reason": reasons})
    return out


def _read_files(stats: dict) -> list[dict]:
    """``input_files`` of every read stage in ``stats.json``."""
    return [f for s in stats.get("stages", []) if s.get("stage") == "read"
            for f in input_files(s.get("counters") or {})]
