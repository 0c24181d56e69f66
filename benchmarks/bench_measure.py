"""Speed of the full indicator set against a dense inversion and pymrio, in one run.

For WIOD 2011 (n = 1435, when ../shared is present) and synthetic tables of n = 2464
(44 x 56, WIOD 2016 size), 3645 (81 x 45, OECD ICIO 2023 size) and 9800 (140 x 70) it prints:

* ``measure``  -- gpnlab's full indicator set (Leontief/Ghosh, BM bilateral, KWW, WWZ, TiVA,
  position, linkages) via :func:`gpnlab.measure.measure_all`;
* ``inv``      -- one dense inversion of ``I - A`` (scipy.linalg.inv), the named baseline;
* ``LU rate``  -- the machine's dense LU speed in GFLOP/s (scipy lu_factor, 2/3 n^3 flops);
* ``pymrio``   -- pymrio ``IOSystem.calc_all()`` on the same table (A, L, x, accounts);
* ``peak``     -- peak memory allocated during ``measure`` (tracemalloc; numpy reports to it).

Ratios ``measure / inv`` and ``pymrio / measure`` are the figures to read; absolute seconds
depend on the machine. Usage: ``python benchmarks/bench_measure.py [--sizes 1435,2464]``.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg

from gpnlab.measure import measure_all
from gpnlab.measure.leontief import input_coefficients
from gpnlab.synthetic import random_table
from gpnlab.table import IOTable, TableWarning

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wiod2013" / "2011"
SYNTHETIC = {2464: (44, 56), 3645: (81, 45), 9800: (140, 70)}


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load(n: int) -> tuple[str, IOTable]:
    if n == 1435:
        from gpnlab.io import read_table

        return "WIOD 2011", read_table(SHARED, "own")
    G, N = SYNTHETIC[n]
    return f"synthetic {G}x{N}", random_table(G, N, seed=1, zero_sectors=N // 10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1435,2464,3645,9800")
    ap.add_argument("--pymrio-max", type=int, default=9800, help="skip pymrio above this n")
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore", TableWarning)
    sizes = [int(s) for s in args.sizes.split(",")]
    if 1435 in sizes and not SHARED.exists():
        print(f"skip n=1435: {SHARED} not found")
        sizes.remove(1435)
    header = (
        f"{'table':<20}{'n':>6}{'measure s':>11}{'inv s':>9}{'ratio':>7}{'LU GF/s':>9}"
        f"{'pymrio s':>10}{'pymrio/ours':>12}{'peak GiB':>10}"
    )
    print(header)
    for n in sizes:
        name, table = load(n)
        repeat = 3 if n <= 3645 else 1
        t_measure = best_of(lambda t=table: measure_all(t, with_wwz=True), repeat)
        A = input_coefficients(table)
        M = np.eye(table.n) - A
        del A
        t_inv = best_of(lambda M=M: scipy.linalg.inv(M, check_finite=False), repeat)
        t_lu = best_of(lambda M=M: scipy.linalg.lu_factor(M, check_finite=False), repeat)
        del M
        gflops = (2.0 / 3.0) * table.n**3 / t_lu / 1e9
        t_pymrio = float("nan")
        if n <= args.pymrio_max:
            try:
                from gpnlab.io.pymrio_bridge import to_pymrio

                def run_pymrio(table: IOTable = table) -> None:
                    io = to_pymrio(table)
                    io.calc_all()

                t_pymrio = best_of(run_pymrio, 1)
            except Exception as exc:  # pymrio is optional
                print(f"  pymrio skipped: {exc}")
        peak = float("nan")
        if not args.no_memory:
            gc.collect()
            tracemalloc.start()
            measure_all(table, with_wwz=True)
            peak = tracemalloc.get_traced_memory()[1] / 2**30
            tracemalloc.stop()
        print(
            f"{name:<20}{n:>6}{t_measure:>11.3f}{t_inv:>9.3f}{t_measure / t_inv:>7.2f}"
            f"{gflops:>9.1f}{t_pymrio:>10.2f}{t_pymrio / t_measure:>12.1f}{peak:>10.2f}",
            flush=True,
        )
        del table
        gc.collect()


if __name__ == "__main__":
    main()
