"""Fit the pair encoder that ships with curatrain (``curate/filters/models/pair_encoder.npz``) and measure it.

Data: every (first user turn, its answer) pair of ``../shared/data`` (``make_quality_sample.pairs``:
the reader's first pair per conversation plus the non-English oasst2 tree replies), identical pairs
once, every pair whose prompt is in a quality label file (``benchmarks/quality_labels*.jsonl``) left
out, so the ``pair_assoc`` feature the quality model is fit on (``train_quality_model.py``) is out of
sample. Groups (one batch = one group) = the pair's language.

``--held-out`` fits without the sources in ``HELD`` (whole files: LIMA, OpenAssistant, ShareGPT, BELLE,
the LLaMA-Factory demos, hh-rlhf ...) and scores their pairs: each answer against its own prompt and
against the prompt of another pair of the same language (a seeded derangement); it prints ROC-AUC
and the share of moved answers caught at 1 % and 5 % of real pairs flagged, for the association, the
content-unit overlap (``pair_stats``' ``pair_overlap``; many real pairs share no unit with their
prompt, so at 1 % or 5 % flagged it can catch nothing), per language and per source. It writes nothing but ``--results``.

Run (about 1 min; deterministic up to torch's float summation order)::

    .venv/bin/python benchmarks/train_pair_encoder.py [--out curate/filters/models/pair_encoder.npz]
    .venv/bin/python benchmarks/train_pair_encoder.py --held-out
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

#: sources left out of the --held-out fit and scored
HELD = ("belle_dev1K", "medicalgpt_Belle_open_source_1k", "medicalgpt_sharegpt_zh_1K", "llamafactory_alpaca_zh_demo",
        "llamafactory_oaast_sft_zh", "llamafactory_glaive_toolcall_zh_demo", "llamafactory_lima", "oasst1_en_validation",
        "oasst_en_100_message", "sharegpt92k_sample_part_a", "llamafactory_dpo_en_demo",
        "gpt4llm_user_oriented_instructions", "oasst2_filtered_openpaws", "hh_rlhf_harmless_base_test",
        "llamafactory_glaive_toolcall_en_demo")
FIT = {"dim": 64, "epochs": 4, "batch": 512, "tau": 0.05, "lr": 0.01, "seed": 0}


def labelled_prompts() -> set[str]:
    """First user turns of every quality label file (stripped)."""
    out = set()
    for f in sorted((ROOT / "benchmarks").glob("quality_labels*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.add(json.loads(line)["prompt"].strip())
    return out


def training_pairs() -> list[dict]:
    """The pairs described above (``id``, ``source``, ``lang``, ``prompt``, ``response``)."""
    import make_quality_sample as mqs

    lab, seen, out = labelled_prompts(), set(), []
    for r in mqs.pairs():
        key = (r["prompt"], r["response"])
        if key not in seen and r["prompt"].strip() not in lab:
            seen.add(key)
            out.append(r)
    return out


def tpr_at(real: np.ndarray, moved: np.ndarray, fpr: float) -> float:
    """Share of ``moved`` scores below the ``fpr`` quantile of ``real`` scores (low = flagged)."""
    return float((moved < np.quantile(real, fpr)).mean())


def held_out(pairs: list[dict], out: Path | None) -> None:
    from sklearn.metrics import roc_auc_score

    from curate.filters.pair_encoder import fit_pair_encoder
    from curate.filters.text import units
    from quality_bench import uptime

    t0 = time.perf_counter()
    tr = [r for r in pairs if r["source"] not in HELD]
    te = [r for r in pairs if r["source"] in HELD and r["lang"] in ("en", "zh")]
    enc = fit_pair_encoder([r["prompt"] for r in tr], [r["response"] for r in tr], [r["lang"] for r in tr], **FIT)

    def overlap(ps, rs):
        o = []
        for p, r in zip(ps, rs):
            up = units(p)
            o.append(len(up & units(r)) / len(up) if up else 0.0)
        return np.array(o)

    rng = random.Random(1)
    lines = [f"Fit on {len(tr):,} pairs of {len({r['source'] for r in tr})} sources ({FIT}), scored on {len(te):,} "
             f"pairs of {len(HELD)} held-out sources; each answer also paired with another prompt of its language "
             f"and source set. {time.perf_counter() - t0:.0f} s to fit; {uptime()}.", "",
             "| slice | pairs | AUC assoc | AUC overlap | caught @1 % assoc / overlap | @5 % assoc / overlap |",
             "|---|---|---|---|---|---|"]
    for lang in ("en", "zh"):
        rows = [r for r in te if r["lang"] == lang]
        perm = list(range(len(rows)))
        rng.shuffle(perm)
        ps = [r["prompt"] for r in rows]
        own, moved = [r["response"] for r in rows], [rows[j]["response"] for j in perm]
        keep = np.array([a != b for a, b in zip(own, moved)])
        a1, a0 = enc.association(ps, own), enc.association(ps, moved)
        o1, o0 = overlap(ps, own), overlap(ps, moved)
        src = np.array([r["source"] for r in rows])
        for name in ["all"] + sorted(set(src)):
            m = keep & ((src == name) if name != "all" else True)
            if m.sum() < 50:
                continue
            y = np.r_[np.ones(m.sum()), np.zeros(m.sum())]
            auc = [roc_auc_score(y, np.r_[x1[m], x0[m]]) for x1, x0 in ((a1, a0), (o1, o0))]
            c1 = [tpr_at(x1[m], x0[m], 0.01) for x1, x0 in ((a1, a0), (o1, o0))]
            c5 = [tpr_at(x1[m], x0[m], 0.05) for x1, x0 in ((a1, a0), (o1, o0))]
            lines.append(f"| {lang} {name} | {int(m.sum()):,} | " + " | ".join(f"{v:.3f}" for v in auc) + " | "
                         + " / ".join(f"{v:.2f}" for v in c1) + " | " + " / ".join(f"{v:.2f}" for v in c5) + " |")
    text = "\n".join(lines)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")


def main() -> None:
    from curate.filters.pair_encoder import DEFAULT_MODEL, fit_pair_encoder
    from quality_bench import uptime

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--held-out", action="store_true", help="fit without the HELD sources and score them; write no model")
    ap.add_argument("--results", type=Path, default=None, help="with --held-out: also write the table here")
    a = ap.parse_args()
    pairs = training_pairs()
    if a.held_out:
        held_out(pairs, a.results)
        return
    t0 = time.perf_counter()
    enc = fit_pair_encoder([r["prompt"] for r in pairs], [r["response"] for r in pairs], [r["lang"] for r in pairs], **FIT)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    enc.meta.update({"trained_on": {"pairs": len(pairs), "languages": dict(Counter(r["lang"] for r in pairs).most_common(8)),
                                    "left_out": "every prompt of benchmarks/quality_labels*.jsonl"},
                     "commit": commit, "made_by": "benchmarks/train_pair_encoder.py"})
    enc.save(a.out)
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e6:.2f} MB): {len(pairs):,} pairs, loss per epoch "
          f"{enc.meta['loss_per_epoch']} ({time.perf_counter() - t0:.0f} s; {uptime()})")


if __name__ == "__main__":
    main()
