"""The allocator settings (gpnlab.simulate.allocator) against glibc's defaults, same run.

Runs the default world at ``--firms`` (default 1e6) for ``--periods`` quarters (default 15) in
two fresh processes, one with ``GPNLAB_KEEP_FREED_MEMORY=0`` (the baseline: glibc's defaults)
and one with the settings, the two taking turns ``--rounds`` times (default 2); prints each
side's best steps-only seconds (the quarters after the warm-up), system time, minor page faults
and peak memory, and the ratio. Usage: ``python benchmarks/bench_allocator.py [--firms N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CODE = """
import json, resource, time
from gpnlab.simulate import load_preset, simulate
from gpnlab.simulate.config import scale_firms
simulate(scale_firms(load_preset("default"), 3000), periods=24)  # load the compiled kernels
started = []
def mark(m):
    if not started:
        started.append((time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)))
simulate(scale_firms(load_preset("default"), {firms}), periods={periods}, on_period=mark)
t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
t0, r0 = started[0]
print(json.dumps({{"seconds": t1 - t0, "sys": r1.ru_stime - r0.ru_stime,
                  "faults": r1.ru_minflt - r0.ru_minflt, "peak_mib": r1.ru_maxrss / 1024}}))
"""


def run(firms: int, periods: int, keep: bool) -> dict[str, float]:
    env = {**os.environ, "GPNLAB_KEEP_FREED_MEMORY": "1" if keep else "0"}
    code = CODE.format(firms=firms, periods=periods)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--periods", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    best: dict[bool, dict[str, float]] = {}
    for _ in range(a.rounds):
        for keep in (False, True):
            r = run(a.firms, a.periods, keep)
            if keep not in best or r["seconds"] < best[keep]["seconds"]:
                best[keep] = r
    print(f"{'allocator':<34}{'steps s':>9}{'sys s':>8}{'page faults':>13}{'peak MiB':>10}")
    for keep, name in ((False, "glibc defaults (baseline)"), (True, "gpnlab.simulate.allocator")):
        r = best[keep]
        print(
            f"{name:<34}{r['seconds']:>9.2f}{r['sys']:>8.2f}{r['faults']:>13,.0f}"
            f"{r['peak_mib']:>10.0f}"
        )
    print(
        f"{a.firms:,} firms x {a.periods} quarters, best of {a.rounds}: the settings take "
        f"{best[True]['seconds'] / best[False]['seconds']:.2f}x the baseline's time"
    )


if __name__ == "__main__":
    main()
