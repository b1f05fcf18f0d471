"""Scale benchmark (issue 12): lima.yaml's curation stages on N real conversations, cold caches.

Builds ``N`` conversations (default 100,000) from every file of ../shared/data, as the readers see
them, topped up with word-edited copies (each copy: ~10% of the words of every turn replaced,
dropped or swapped, seeded), writes them as one JSONL file, writes a pipeline with the same
curation stages and settings as ``pipelines/lima.yaml`` (read → ... → mix; no training; the mix
total scaled to the data) and prints the command to time it::

    .venv/bin/python benchmarks/scale_bench.py --n 100000 --out /tmp/scale100k
    /usr/bin/time -v .venv/bin/curatrain run /tmp/scale100k/pipeline.yaml --no-train

Run it with nothing else on the machine and give ``uptime``'s load with the figure. The language
stage keeps ``en`` and ``zh`` here (the shared data is half Chinese), as ``benchmarks/all_data.yaml``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curate.readers import read_paths  # noqa: E402

DATA = REPO.parent / "shared" / "data"


def edit(text: str, rng: random.Random, rate: float = 0.1) -> str:
    """Replace, drop or swap about ``rate`` of the whitespace-separated words of ``text``."""
    words = text.split(" ")
    out = []
    i = 0
    while i < len(words):
        w = words[i]
        r = rng.random()
        if r < rate / 3:
            i += 1
            continue  # drop
        if r < 2 * rate / 3:
            out.append(rng.choice(words))  # replace by another word of the text
        elif r < rate and i + 1 < len(words):
            out += [words[i + 1], w]  # swap with the next word
            i += 2
            continue
        else:
            out.append(w)
        i += 1
    return " ".join(out)


def build(n: int, out: Path, seed: int = 0) -> Path:
    """Write ``out/conversations.jsonl`` with ``n`` conversations (real first, then edited copies)."""
    res = read_paths([DATA])
    rows = [{"messages": r["messages"], "source": r["source"]} for r in res.rows]
    rng = random.Random(seed)
    real = len(rows)
    while len(rows) < n:
        base = rows[rng.randrange(real)]
        rows.append({"messages": [{"role": m["role"], "content": edit(m["content"], rng)} for m in base["messages"]],
                     "source": base["source"]})
    rows = rows[:n]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "conversations.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"messages": r["messages"], "origin": r["source"]}, ensure_ascii=False) + "\n")
    print(f"{path}: {len(rows):,} conversations ({real:,} real, {len(rows) - real:,} word-edited copies)")
    return path


def pipeline(data: Path, out: Path, n: int) -> Path:
    """lima.yaml's curation stages on ``data``; language keeps en+zh; mix → one source, total n/20."""
    spec = yaml.safe_load((REPO / "pipelines" / "lima.yaml").read_text())
    stages = []
    for s in spec["stages"]:
        if s["stage"] == "read":
            s = {"stage": "read", "inputs": [{"path": str(data), "source": "all"}]}
        elif s["stage"] == "language":
            s = {**s, "keep": ["en", "zh"]}
        elif s["stage"] == "diversity_select":
            s = {**s, "budget": max(1000, n // 10)}
        elif s["stage"] == "mix":
            s = {"stage": "mix", "weights": {"all": 1.0}, "total": max(1000, n // 20)}
        elif s["stage"] == "decontaminate":
            continue
        stages.append(s)
    doc = {"name": f"scale{n}", "seed": spec.get("seed", 0), "stages": stages,
           "output": {"dir": str(out / "run"), "overwrite": True}}
    path = out / "pipeline.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    print(f"{path}: {len(stages)} stages; time it with\n  /usr/bin/time -v {REPO}/.venv/bin/curatrain run {path} --no-train")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/scale100k"))
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    data = build(a.n, a.out, a.seed)
    pipeline(data, a.out, a.n)


if __name__ == "__main__":
    main()
