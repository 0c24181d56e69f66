"""The validation battery's time against the same runs as bare ``simulate`` calls.

Prints, on this machine and in the same run:

* ``bare``    -- every distinct simulation of the battery (the same worlds, seeds and quarters)
  as plain ``simulate`` calls in one process: the named baseline;
* ``battery`` -- ``run_battery(processes=1)``: collector hook, per-run metrics, DuckDB store,
  seven experiments, judging the facts, in one process; overhead = battery / bare - 1
  (target under 10%);
* ``pool``    -- ``run_battery`` with the default local pool (all cores), the wall time a user
  sees (target for the default battery -- 20 seeds, 100 quarters, the default world -- under
  10 minutes on 2 cores; ``--full``).

Default: a small battery (``--seeds 3 --periods 24 --firms 3000``) that runs in a few minutes.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from gpnlab.experiments.design import build_runs
from gpnlab.experiments.execute import group_twins
from gpnlab.experiments.worker import simulate_run
from gpnlab.simulate import load_preset
from gpnlab.validate.battery import experiment_specs, run_battery
from gpnlab.validate.facts import default_focal


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--periods", type=int, default=24)
    ap.add_argument("--firms", type=int, default=3000)
    ap.add_argument("--full", action="store_true", help="the default battery (pool only)")
    args = ap.parse_args()
    world = load_preset("default")
    focal = default_focal(world)
    if args.full:
        args.seeds, args.periods, args.firms = 20, 100, None
    horizons = [h for h in (20, 60, 100) if h <= args.periods] or [args.periods]
    specs = experiment_specs(
        world, seeds=args.seeds, periods=args.periods, firms=args.firms, focal=focal,
        horizons=horizons,
    )  # fmt: skip
    runs = [(spec, r) for spec in specs.values() for r in build_runs(spec)]
    distinct = [
        (spec, r)
        for spec in specs.values()
        for r in build_runs(spec)
        if r.run_id in group_twins(build_runs(spec))
    ]
    print(f"battery: {len(runs)} runs, {len(distinct)} distinct simulations, "
          f"{args.seeds} seeds x {args.periods} quarters x {args.firms or 'default'} firms")  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix="bench-validate-"))
    try:
        if not args.full:
            t0 = time.perf_counter()
            for spec, r in distinct:
                simulate_run(spec, world, r)
            bare = time.perf_counter() - t0
            t0 = time.perf_counter()
            run_battery(world, tmp / "serial", seeds=args.seeds, periods=args.periods,
                        firms=args.firms, focal=focal, horizons=horizons, processes=1)  # fmt: skip
            serial = time.perf_counter() - t0
            print(f"bare simulate  {bare:8.1f} s")
            print(f"battery (1 process) {serial:8.1f} s  overhead {serial / bare - 1:+.1%}"
                  "  (target < +10%)")  # fmt: skip
        t0 = time.perf_counter()
        b = run_battery(world, tmp / "pool", seeds=args.seeds, periods=args.periods,
                        firms=args.firms, focal=focal, horizons=horizons)  # fmt: skip
        pool = time.perf_counter() - t0
        print(f"battery (pool)  {pool:8.1f} s  ({len(b.facts)} fact rows)"
              + ("  (target < 600 s)" if args.full else ""))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
