"""Speed of the full indicator set against a dense inversion and pymrio, in one run.

For WIOD 2011 (n = 1435, when ../shared is present) and synthetic tables of n = 2464
(44 x 56, WIOD 2016 size), 3645 (81 x 45, OECD ICIO 2023 size) and 9800 (140 x 70) it prints:

* ``measure``  -- gpnlab's full indicator set (Leontief/Ghosh, BM bilateral, KWW, WWZ, TiVA,
  position, linkages) via :func:`gpnlab.measure.measure_all`;
* ``inv``      -- one dense inversion of ``I - A`` (scipy.linalg.inv), the named baseline, under
  the same BLAS thread rule as ``measure`` (:func:`gpnlab.measure.threads.blas_threads`);
* ``LU rate``  -- the machine's dense LU speed in GFLOP/s (scipy lu_factor, 2/3 n^3 flops);
* ``pymrio``   -- pymrio ``IOSystem.calc_all()`` on the same table (A, L, x, accounts);
* ``peak``     -- peak memory allocated during ``measure`` (tracemalloc; numpy reports to it);
* ``pp``       -- :func:`gpnlab.measure.production_participation` (Wang, Wei, Yu & Zhu 2017a, b)
  given the Leontief system, and ``pp/inv`` its ratio to the dense inversion.

With ``--threads`` a second table compares BLAS thread counts (issue 13, item 8) for each size:
``inv 1`` / ``inv all`` -- gpnlab's LU inverse (getrf + getri) with one thread and with every
core; ``measure 1`` / ``measure all`` -- :func:`measure_all` likewise; ``rule`` -- the thread
count :func:`gpnlab.measure.threads.blas_threads` picks; ``dB`` -- the largest difference
between the two inverses relative to ``max |B|`` (0 means bit-identical).

Ratios ``measure / inv`` and ``pymrio / measure`` are the figures to read; absolute seconds
depend on the machine. Usage: ``python benchmarks/bench_measure.py [--sizes 1435,2464]
[--threads] [--threads-sizes 200,500,1000,1435,2464] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy.linalg

from gpnlab.measure import measure_all, production_participation
from gpnlab.measure.leontief import input_coefficients, inverse_via_lu, leontief_system
from gpnlab.measure.threads import available_cores, blas_limit, blas_threads
from gpnlab.synthetic import random_table
from gpnlab.table import IOTable, TableWarning

SHARED = (
    Path(os.environ.get("GPNLAB_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
    / "data"
    / "wiod2013"
    / "2011"
)
SYNTHETIC = {
    200: (10, 20),
    500: (10, 50),
    1000: (20, 50),
    2000: (40, 50),
    2464: (44, 56),
    3645: (81, 45),
    5000: (100, 50),
    7000: (100, 70),
    9800: (140, 70),
}


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
    ap.add_argument("--threads", action="store_true", help="also compare 1 thread vs all cores")
    ap.add_argument("--threads-sizes", default="200,500,1000,1435,2000,2464,3645")
    ap.add_argument("--repeat", type=int, default=0, help="best of this many (0: by size)")
    ap.add_argument("--threads-only", action="store_true", help="skip the main table")
    ap.add_argument("--inv-only", action="store_true", help="threads table: skip measure_all")
    args = ap.parse_args()
    warnings.simplefilter("ignore", TableWarning)
    if not args.threads_only:
        main_table(args)
    if args.threads or args.threads_only:
        threads_table(args)


def threads_table(args: argparse.Namespace) -> None:
    """1 BLAS thread against every core, for the inverse and for the full measure_all."""
    cores = available_cores()
    sizes = [int(s) for s in args.threads_sizes.split(",")]
    if 1435 in sizes and not SHARED.exists():
        sizes.remove(1435)
    print(f"\nBLAS threads: 1 vs all {cores} cores (best of repeats; ratio = 1 thread / all)")
    print(
        f"{'table':<20}{'n':>6}{'inv 1':>9}{'inv all':>9}{'ratio':>7}{'measure 1':>11}"
        f"{'measure all':>12}{'ratio':>7}{'rule':>6}{'dB':>10}"
    )
    for n in sizes:
        name, table = load(n)
        repeat = args.repeat or (7 if n <= 1500 else 3 if n <= 3645 else 1)
        M = np.eye(table.n) - input_coefficients(table)
        inv: dict[int, float] = {}
        meas: dict[int, float] = {}
        Bs: dict[int, np.ndarray] = {}
        for k in (1, cores):
            with blas_limit(table.n, k):
                out: list[np.ndarray] = []
                inv[k] = best_of(lambda M=M, out=out: out.append(inverse_via_lu(M)), repeat)
                Bs[k] = out[-1]
                del out
            meas[k] = (
                float("nan")
                if args.inv_only
                else best_of(lambda t=table, k=k: measure_all(t, threads=k), max(1, repeat // 2))
            )
        dB = float(np.abs(Bs[1] - Bs[cores]).max() / np.abs(Bs[1]).max())
        print(
            f"{name:<20}{n:>6}{inv[1]:>9.3f}{inv[cores]:>9.3f}{inv[1] / inv[cores]:>7.2f}"
            f"{meas[1]:>11.3f}{meas[cores]:>12.3f}{meas[1] / meas[cores]:>7.2f}"
            f"{blas_threads(table.n):>6}{dB:>10.1e}",
            flush=True,
        )
        del M, Bs, table
        gc.collect()


def main_table(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    if 1435 in sizes and not SHARED.exists():
        print(f"skip n=1435: {SHARED} not found")
        sizes.remove(1435)
    header = (
        f"{'table':<20}{'n':>6}{'measure s':>11}{'inv s':>9}{'ratio':>7}{'LU GF/s':>9}"
        f"{'pymrio s':>10}{'pymrio/ours':>12}{'peak GiB':>10}{'pp s':>8}{'pp/inv':>8}"
    )
    print(header)
    for n in sizes:
        name, table = load(n)
        repeat = 3 if n <= 3645 else 1
        t_measure = best_of(lambda t=table: measure_all(t, with_wwz=True), repeat)
        A = input_coefficients(table)
        M = np.eye(table.n) - A
        del A
        with blas_limit(table.n):  # the same thread rule as measure_all
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
        system = leontief_system(table)
        t_pp = best_of(lambda s=system: production_participation(s), repeat)
        del system
        print(
            f"{name:<20}{n:>6}{t_measure:>11.3f}{t_inv:>9.3f}{t_measure / t_inv:>7.2f}"
            f"{gflops:>9.1f}{t_pymrio:>10.2f}{t_pymrio / t_measure:>12.1f}{peak:>10.2f}"
            f"{t_pp:>8.3f}{t_pp / t_inv:>8.2f}",
            flush=True,
        )
        del table
        gc.collect()


if __name__ == "__main__":
    main()
