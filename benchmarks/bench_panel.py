"""Speed of ``gpnlab measure FOLDER`` on the 17 WIOD 2013 years against a loop of single tables.

Both sides read every year and compute every indicator (Borin-Mancini source and sink, KWW,
WWZ, TiVA, position, linkages), in the same run:

* ``loop``  -- the named baseline: ``read_table`` + ``measure_all`` for each year in one
  process, as a user's script would do it (BLAS threads as the machine sets them);
* ``panel`` -- :func:`gpnlab.measure.panel.panel` with ``--workers`` threads (default one per
  core), one BLAS thread each, the years stacked with a ``year`` column.

The goal (issue 13) is the whole panel in under 15 s on 2 cores including reading. Needs
``../shared/data/wiod2013``. Usage: ``python benchmarks/bench_panel.py [--workers N] [--years K]``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

from gpnlab.io.formats import read_table
from gpnlab.measure import measure_all
from gpnlab.measure.panel import panel, year_entries
from gpnlab.table import TableWarning

WIOD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wiod2013"
GOAL_S = 15.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--years", type=int, default=17, help="the first K years")
    args = ap.parse_args()
    if not WIOD.exists():
        raise SystemExit(f"{WIOD} not found: the shared data folder is not beside the repo")
    warnings.simplefilter("ignore", TableWarning)
    years = [y for y, _p in year_entries(WIOD)][: args.years]
    print(f"{len(years)} WIOD years, {os.cpu_count()} cores, every indicator incl. WWZ and sink")

    t0 = time.perf_counter()
    for y in years:
        measure_all(read_table(WIOD / str(y), "own"), with_wwz=True, with_sink=True)
    loop = time.perf_counter() - t0

    t0 = time.perf_counter()
    p = panel(WIOD, years=years, with_wwz=True, with_sink=True, workers=args.workers)
    par = time.perf_counter() - t0
    assert p.years == years

    print(f"{'loop (baseline)':<18}{loop:8.2f} s  {loop / len(years):6.2f} s/year")
    print(f"{'panel':<18}{par:8.2f} s  {par / len(years):6.2f} s/year")
    print(f"panel is {loop / par:.2f}x the loop; goal {GOAL_S:.0f} s for 17 years: "
          f"{'met' if par * 17 / len(years) < GOAL_S else 'missed'}")  # fmt: skip


if __name__ == "__main__":
    main()
