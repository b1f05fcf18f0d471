"""Run a command and report the peak memory of its whole process tree (issue 12 item 3).

``/usr/bin/time -v`` reports the largest *single* process's peak RSS; a curatrain run with
``--workers 2`` (spawn pool) or Ray holds memory in several processes at once. This samples the
summed RSS (psutil's ``memory_info().rss``, which counts shared pages once per process, so the sum
is an upper bound) of the command and all its descendants every ``--interval`` seconds, and prints
the peak, when it happened, and the command's wall time and exit status::

    .venv/bin/python benchmarks/treemem.py --log /tmp/mem.tsv -- .venv/bin/curatrain run PIPELINE --no-train

``--log`` writes one ``seconds<TAB>MiB<TAB>processes`` line per sample (to place the peak in the
run's stage log). Exit status is the command's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import psutil


def tree_rss(proc: psutil.Process) -> tuple[int, int]:
    """(summed RSS in bytes, number of processes) of ``proc`` and its descendants; vanished ones skipped."""
    total, n = 0, 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0, 0
    for p in procs:
        try:
            total += p.memory_info().rss
            n += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interval", type=float, default=0.5, help="seconds between samples")
    ap.add_argument("--log", help="write every sample here (TSV: seconds, MiB, processes)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- command and its arguments")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("give the command after --")
    t0 = time.perf_counter()
    child = subprocess.Popen(cmd)
    proc = psutil.Process(child.pid)
    peak, peak_t, peak_n = 0, 0.0, 0
    log = open(a.log, "w") if a.log else None
    while child.poll() is None:
        rss, n = tree_rss(proc)
        t = time.perf_counter() - t0
        if log:
            log.write(f"{t:.1f}\t{rss / 2**20:.0f}\t{n}\n")
        if rss > peak:
            peak, peak_t, peak_n = rss, t, n
        time.sleep(a.interval)
    wall = time.perf_counter() - t0
    if log:
        log.close()
    print(f"treemem: exit {child.returncode}, wall {wall:.1f} s, peak tree RSS {peak / 2**30:.2f} GiB "
          f"at {peak_t:.0f} s ({peak_n} processes), load {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
          file=sys.stderr)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
