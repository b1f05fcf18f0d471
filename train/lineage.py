"""What a trained model was trained on, written next to its weights: ``metrics.json`` (``build_result``),
``lineage.json`` and the ``README.md`` model card (``write_lineage``, ``model_card``).

``lineage.json`` carries the run's stats (pipeline digest, funnel, per-source accounting) and a ``training``
section: curated file and its sha256, seed, spec, template, package versions, mask audit, realised mix, row
counts from curated to trained, and the metrics.

Example::

    result = build_result(trainer, train_output, throughput, ...)
    write_lineage(Path("out/lima/model"), Path("out/lima/curated.parquet"), spec, 13, stats, result)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import time
from pathlib import Path
from typing import Any

from train.spec import TrainSpec


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def training_versions() -> dict[str, str]:
    """Versions of the packages that decide the training result (python, torch, transformers, trl,
    peft, accelerate, datasets, tokenizers, bitsandbytes if present) and the CUDA runtime."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "tokenizers", "bitsandbytes"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    try:
        import torch

        out["cuda"] = torch.version.cuda or "none"
    except Exception:  # pragma: no cover
        pass
    return out


def write_lineage(out_dir: Path, curated_path: Path, spec: TrainSpec, seed: int, lineage: dict, result: dict) -> None:
    """Write ``lineage.json`` and the ``README.md`` model card.

    ``lineage.json``: ``lineage`` (the run's stats.json: pipeline name/file/digest, per-stage funnel
    with counters, per-source accounting, curation package versions) with a stale ``train`` key
    removed and a ``training`` section added: time, curated file and sha256, seed, spec, template,
    package versions, mask audit, realised mix (rows, tokens, supervised tokens per source) and the
    metrics. The model card shows the same in tables: run, funnel, mix, eval loss per source,
    throughput, versions.
    """
    training = {
        "trained_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "curated_path": str(curated_path),
        "curated_sha256": _file_digest(curated_path),
        "seed": seed,
        "template": result.get("template"),
        "spec": spec.model_dump(mode="json"),
        "versions": training_versions(),
        "audit": result.get("audit"),
        "mix": result.get("mix"),
        "rows": {"train": result["rows_train"], "eval": result["rows_eval"], "prepared": result["rows_prepared"],
                 **(result.get("rows") or {})},  # + the funnel: curated → eval split → audit → truncation → trained
        "tokens": {"trained": result["train_tokens"], "supervised_fraction": result["supervised_token_fraction"]},
        "metrics": {k: v for k, v in result.items() if k not in ("loss_history", "eval_history", "general_eval_history")},
    }
    doc = {k: v for k, v in (lineage or {}).items() if k != "train"}
    doc["training"] = training
    (out_dir / "lineage.json").write_text(json.dumps(doc, indent=2, default=str))
    (out_dir / "README.md").write_text(model_card(doc, spec, result))


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:.4g}"
        if isinstance(x, int):
            return f"{x:,}"
        return str(x).replace("|", "\\|")
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows] + [""]


def model_card(doc: dict, spec: TrainSpec, result: dict) -> str:
    """The ``README.md`` of a trained model: what it is, what data made it (funnel and realised
    mix), how it was trained, how it did, and with which package versions; all from ``doc``
    (lineage.json's content) and ``result`` (``train_model``'s metrics)."""
    tr = doc["training"]
    name = doc.get("pipeline", "unnamed")
    lines = [f"# {name}: SFT with curatrain", "",
             f"Base model: {result['model']}. "
             + ("This folder holds a LoRA adapter; "
                + (f"the merged full model is in `{Path(result['merged_dir']).name}/`."
                   if result.get("merged_dir") else
                   "merge with `PeftModel.from_pretrained(base, dir).merge_and_unload()`.")
                if spec.lora else ""), "",
             "## Run", ""]
    lines += _table(["field", "value"], [
        ["pipeline", f"`{doc.get('pipeline_file', '?')}`"],
        ["pipeline digest", doc.get("pipeline_digest", "?")],
        ["seed", tr["seed"]],
        ["sources (curated rows)", ", ".join(f"{k} {v:,}" for k, v in (doc.get("sources") or {}).items()) or "-"],
        ["curated data", f"`{tr['curated_path']}` (sha256 {tr['curated_sha256']})"],
        ["rows (train / eval, held out by hash of id)", f"{result['rows_train']:,} / {result['rows_eval']:,}"],
        ["rows trained (after audit and truncation)",
         (result.get("rows") or {}).get("trained") if (result.get("rows") or {}).get("trained") is not None
         else result["rows_prepared"]],
        ["template", tr.get("template")],
        ["loss", ("assistant tokens only" if spec.assistant_only_loss else "all tokens")],
        ["batching", "packing " + spec.packing_strategy if spec.packing else
         ("padding-free" if spec.padding_free else "padded")],
        ["LoRA", f"r={spec.lora.r}, alpha={spec.lora.alpha}" + (" (QLoRA)" if spec.lora.load_in_4bit else "")
         if spec.lora else "no"],
        ["learning rate / epochs / max_length", f"{spec.learning_rate:g} / {spec.epochs:g} / {spec.max_length}"],
        ["mask audit (rows ok / checked, dropped)",
         f"{tr['audit']['rows_checked'] - tr['audit']['rows_failed']:,} / {tr['audit']['rows_checked']:,}, "
         f"{tr['audit']['rows_dropped']:,}"],
    ])
    if doc.get("stages"):
        lines += ["## Curation funnel", ""]
        lines += _table(["#", "stage", "rows in", "rows out", "dropped by reason"], [
            [i, s["stage"], s.get("rows_in", ""), s["rows_out"],
             ", ".join(f"{k} {v:,}" for k, v in (s.get("dropped") or {}).items()) or "-"]
            for i, s in enumerate(doc["stages"])])
    if tr.get("mix"):
        lines += ["## Realised mix (training rows after the audit)", ""]
        lines += _table(["source", "rows", "tokens", "supervised tokens", "share of supervised"], [
            [src, m["rows"], m["tokens"], m["supervised_tokens"], f"{100 * m['supervised_share']:.1f}%"]
            for src, m in tr["mix"].items()])
    elif doc.get("sources"):
        lines += ["## Sources (curated rows)", ""]
        lines += _table(["source", "rows"], [[k, v] for k, v in doc["sources"].items()])
    lines += ["## Results", ""]
    res_rows = [["steps", result["steps"]], ["train loss (first → last)",
                f"{_fmt(result['first_loss'])} → {_fmt(result['last_loss'])}"],
                ["eval loss (all)", _fmt(result["eval_loss"])]]
    if result.get("general_eval_loss") is not None:
        res_rows.append(["general held-out eval loss", _fmt(result["general_eval_loss"])])
    if result.get("best_step") is not None:
        res_rows.append(["best in-domain eval (step, epoch, loss)",
                         f"{result['best_step']}, {result.get('best_epoch') or 0:.2f}, {_fmt(result['best_eval_loss'])}"
                         + (" (weights of this step; early stopping)" if result.get("stopped_early") else "")])
    res_rows += [[f"eval loss ({k})", _fmt(v)] for k, v in sorted((result.get("eval_loss_by_source") or {}).items())]
    res_rows += [["tokens trained", result["train_tokens"]],
                 ["tokens/s", f"{result['tokens_per_second'] or 0:,.0f}"],
                 ["supervised-token fraction", _fmt(result["supervised_token_fraction"])],
                 ["padding fraction", _fmt(result.get("padding_fraction"))],
                 ["MFU", _fmt(result.get("mfu")) if result.get("mfu") is not None else "n/a (CPU or unknown GPU)"]]
    lines += _table(["metric", "value"], res_rows)
    guard_lines = [x for x in (result.get("epoch_recommendation"), result.get("forgetting_warning")) if x]
    if guard_lines or result.get("eval_history"):
        lines += ["## Overfitting and forgetting guards", ""]
        lines += [f"- {x}" if not x.startswith("forgetting") else f"- **Warning, {x}**" for x in guard_lines]
        if result.get("eval_history"):
            gen = {int(st): v for st, v in (result.get("general_eval_history") or [])}
            lines += [""] + _table(["step", "in-domain eval loss", "general eval loss"], [
                [int(st), _fmt(v), _fmt(gen.get(int(st)))] for st, v in result["eval_history"]])
        else:
            lines += [""]
    lines += ["## Versions", ""]
    lines += _table(["package", "version"], [[k, v] for k, v in tr["versions"].items()])
    lines += ["Full lineage (funnel counters, per-source accounting, spec): `lineage.json`; metrics: `metrics.json`."]
    return "\n".join(lines) + "\n"


def build_result(trainer, train_output, throughput, *, out_dir: Path, model_desc: str, template: str,
                 rows: dict[str, Any], audit: dict, mix: dict, merged_dir: str | None, eval_loss: float | None,
                 eval_by_source: dict[str, float], t0: float, guards: dict[str, Any] | None = None) -> dict[str, Any]:
    """``train_model``'s result (also ``metrics.json``).

    Keys: ``output_dir`` (str), ``first_loss``/``last_loss`` (first and last logged training loss),
    ``eval_loss`` (all eval rows; None without them), ``eval_loss_by_source`` ({source: loss}),
    ``train_runtime`` (s), ``steps`` (optimizer steps), ``rows_train``/``rows_eval`` (rows after the split and
    the audit), ``rows_prepared`` (rows in TRL's prepared dataset: packed rows when packing), ``rows``
    (``train.data.TrainRows``: curated, train_split, eval_split, audit_dropped_train/eval,
    truncated_to_nothing, trained), ``train_tokens`` (non-pad tokens processed), ``tokens_per_second``,
    ``supervised_token_fraction`` and ``padding_fraction`` (over the batches trained on; from ``throughput``,
    ``train.metrics.ThroughputCallback``, else the prepared dataset), ``mfu`` (None on CPU), ``throughput``
    (its whole summary), ``audit`` ({rows_checked, rows_failed, rows_dropped}), ``mix`` (per source),
    ``template``, ``merged_dir`` (or None), ``loss_history`` ([step, loss]), ``model`` (a description), ``params``,
    ``general_eval_loss`` (the general held-out set after training, None without one), and the guards
    (``train.guards.summarize``): ``eval_history``/``general_eval_history`` ([step, loss] per eval), ``best_step``,
    ``best_eval_loss``, ``best_epoch``, ``stopped_early``, ``epoch_recommendation``, ``forgetting_warning``.
    """
    from train.guards import GENERAL_KEY

    from train.data import token_counts

    losses = [(h["step"], h["loss"]) for h in trainer.state.log_history if "loss" in h]
    tp = throughput.summary()
    runtime = float(train_output.metrics.get("train_runtime", time.perf_counter() - t0))
    ds_tokens, ds_supervised = token_counts(trainer.train_dataset)
    train_tokens = tp["real_tokens"] or 0
    return {
        "output_dir": str(out_dir),
        "model": model_desc,
        "template": template,
        "params": int(sum(p.numel() for p in trainer.model.parameters())),
        "first_loss": losses[0][1] if losses else None,
        "last_loss": losses[-1][1] if losses else None,
        "eval_loss": float(eval_loss) if eval_loss is not None and not math.isnan(eval_loss) else None,
        "eval_loss_by_source": {k: v for k, v in eval_by_source.items() if k != GENERAL_KEY},
        "general_eval_loss": eval_by_source.get(GENERAL_KEY),
        "train_runtime": runtime,
        "steps": int(trainer.state.global_step),
        "rows_train": rows["train_split"] - rows["audit_dropped_train"],
        "rows_eval": rows["eval_split"] - rows["audit_dropped_eval"],
        "rows_prepared": len(trainer.train_dataset),
        "rows": rows,
        "train_tokens": train_tokens,
        "tokens_per_second": tp["tokens_per_second"] or (train_tokens / runtime if runtime > 0 else None),
        "supervised_token_fraction": tp["supervised_token_fraction"] if tp["supervised_token_fraction"] is not None
        else (ds_supervised / ds_tokens if ds_tokens else None),
        "padding_fraction": tp["padding_fraction"],
        "mfu": tp["mfu"],
        "throughput": tp,
        "audit": audit,
        "mix": mix,
        "merged_dir": merged_dir,
        "loss_history": losses,
        **(guards or {}),
    }
