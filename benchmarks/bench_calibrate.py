"""Calibration throughput against bare ``simulate`` calls on the same runs.

Prints, on this machine and in the same run:

* ``bare``   -- every (trial, seed) run of the calibration as a plain ``simulate`` call in a
  loop (the trials' parameters read back from the store), one process;
* ``calib``  -- the same trials through ``run_calibration(processes=1)``: optuna's ask/tell,
  the worker wrapping, the moments of each run, the DuckDB commit of each trial and the
  outputs (trials.parquet, best.toml; no report, no diagnostics), in one process;
* the ratio calib / bare and the overhead calib / bare - 1 (goal: under 10%), best of five
  runs of each, the two taking turns (single runs vary by about 10% on a shared machine);
* ``inside`` -- the same overhead without the noise between two timings: the calibration's
  time outside its ``simulate_run`` calls (optuna, moments, commits, outputs), over its time
  inside them, in the same run;
* ``local``  -- the calibration on a 2-process pool (``--processes 2``), for scale.

Runs are small (``--firms`` x 4 + 4 ``--years`` quarters, default 28); ``--trials`` trials of ``--seeds``
seeds. Usage: ``python benchmarks/bench_calibrate.py [--trials 16 --seeds 2 --firms 1000]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from gpnlab.calibrate.run import engine_spec, run_calibration
from gpnlab.calibrate.spec import CalibrationSpec, calibration_from_dict
from gpnlab.experiments.design import RunSpec, replicate_seed
from gpnlab.experiments.worker import simulate_run
from gpnlab.simulate import load_preset


def make_spec(trials: int, seeds: int, firms: int, years: int = 6) -> CalibrationSpec:
    return calibration_from_dict(
        {
            "name": "bench",
            "firms": firms,
            "seed": 1,
            "seeds": seeds,
            "start_year": 2000,
            "quarters_per_year": 4,
            "burn_in": 4,
            "train": [2000, 1999 + years],
            "countries": {"LEM": "CHN", "MXL": "MEX", "KRL": "KOR"},
            "parameters": {
                "mechanisms.switching_cost": {"range": [0.0, 0.3]},
                "countries.LEM.knowledge_base": {"range": [0.3, 0.7]},
            },
            "targets": [
                {"quantity": "fva_share", "kind": "level", "year": 2001, "value": 0.3},
                {
                    "quantity": "fva_share",
                    "kind": "change",
                    "from": 2000,
                    "to": 2005,
                    "value": 0.05,
                },
                {
                    "quantity": "export_share",
                    "kind": "slope",
                    "window": [2000, 2005],
                    "value": 0.001,
                },
            ],
            "search": {"trials": trials, "batch": 4, "startup": 4},
            "diagnostics": {"enabled": False},
        }
    )


def bare(spec: CalibrationSpec, out: Path) -> float:
    base = load_preset(spec.base)
    exp = engine_spec(spec, base)
    with duckdb.connect(str(out / "calibration.duckdb"), read_only=True) as con:
        params = [
            json.loads(p)
            for (p,) in con.execute(
                "SELECT params FROM trials WHERE phase = 'search' ORDER BY number"
            ).fetchall()
        ]
    focal = base.countries[0].code
    t0 = time.perf_counter()
    for k, p in enumerate(params):
        for r in range(spec.seeds):
            run = RunSpec(
                0,
                k,
                "laissez_faire",
                focal,
                r,
                replicate_seed(spec.seed, r),
                tuple(sorted(p.items())),
            )
            simulate_run(exp, base, run)
    return time.perf_counter() - t0


def timed_calibration(spec: CalibrationSpec, out: Path, processes: int) -> float:
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    run_calibration(spec, out, processes=processes, report=False)
    return time.perf_counter() - t0


def inside_simulate(spec: CalibrationSpec, out: Path) -> tuple[float, float]:
    """(total, time inside simulate_run) of one in-process calibration."""
    import gpnlab.experiments.worker as worker

    inner = worker.simulate_run
    spent = [0.0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0

    worker.simulate_run = timed  # type: ignore[assignment]
    try:
        total = timed_calibration(spec, out, 1)
    finally:
        worker.simulate_run = inner  # type: ignore[assignment]
    return total, spent[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--firms", type=int, default=1000)
    ap.add_argument("--years", type=int, default=6, help="years after a 4-quarter burn-in")
    args = ap.parse_args()
    spec = make_spec(args.trials, args.seeds, args.firms, args.years)
    tmp = Path(tempfile.mkdtemp(prefix="bench-calibrate-"))
    try:
        timed_calibration(spec, tmp / "warm", 1)  # compiled kernels loaded, caches warm
        rows = []
        for rep in range(5):  # alternated, best of five each
            c = timed_calibration(spec, tmp / f"calib{rep}", 1)
            b = bare(spec, tmp / f"calib{rep}")
            rows.append({"calib_s": c, "bare_s": b})
        total, sim = inside_simulate(spec, tmp / "inside")
        local = timed_calibration(spec, tmp / "local", 2)
        df = pd.DataFrame(rows)
        c, b = df["calib_s"].min(), df["bare_s"].min()
        runs = args.trials * args.seeds
        print(
            f"{args.trials} trials x {args.seeds} seeds = {runs} runs of {args.firms} firms "
            f"x {spec.periods()} quarters"
        )
        print(f"bare     {b:8.2f} s  {runs / b:6.2f} runs/s")
        print(f"calib    {c:8.2f} s  {runs / c:6.2f} runs/s  {args.trials / c:6.2f} trials/s")
        print(f"ratio    {c / b:8.3f}   overhead {100 * (c / b - 1):+.1f}% (goal < 10%)")
        print(
            f"inside   {total - sim:8.2f} s outside simulate_run, {sim:.2f} s inside: "
            f"overhead {100 * (total - sim) / sim:+.1f}%"
        )
        print(f"local x2 {local:8.2f} s  {args.trials / local:6.2f} trials/s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
