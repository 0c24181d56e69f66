"""Simulation speed: firm-periods per second against an idiomatic Mesa 3 baseline, one run.

Prints, on this machine and in the same run:

* ``mesa core``  -- the reduced core (sourcing, transfer, absorption, dropping) in Mesa 3
  (``benchmarks/mesa_baseline.py``) at 1e4 firms: the named baseline (best of five runs);
* ``gpnlab reduced core`` -- the same four mechanisms on gpnlab's arrays at 1e4 firms (best
  of five, taking turns with the baseline's runs);
* ``gpnlab``     -- gpnlab's *full* period step (all sixteen mechanisms plus the per-period IO
  table and its indicators) at 1e4, 1e5 and 1e6 firms; peak resident memory of each run
  (each run in its own process; best of three processes at 1e4 and 1e5);
* the ratio gpnlab / Mesa at 1e4 firms and the cost per firm across sizes (linearity).

``firms`` is the mean number of firms over the run (entry and exit change it); ``seconds`` and
``firm-periods/s`` include building the world and forming the initial network (the warm-up),
``steps only/s`` counts the quarters alone (their recording included): the rate of the period
step itself. Neither includes loading the compiled kernels: a small world is run first, long
enough to call every kernel (once per process, about 0.5 s from the cache; the first run after
installation compiles them, ~10 s).

``--long`` adds the 1e6 firms x 100 periods run (a few minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def gpnlab_run(firms: int, periods: int) -> dict[str, float]:
    code = f"""
import json, resource, time, warnings
from gpnlab.simulate import load_preset, simulate
from gpnlab.simulate.config import scale_firms
simulate(scale_firms(load_preset("default"), 3000), periods=24)  # load the compiled kernels
w = scale_firms(load_preset("default"), {firms})
started = []  # when the warm-up ended (on_period is first called at period 0)
t0 = time.perf_counter()
r = simulate(w, periods={periods}, on_period=lambda m: started or started.append(time.perf_counter()))
dt = time.perf_counter() - t0
print(json.dumps({{"seconds": dt, "step_seconds": t0 + dt - started[0],
                  "firms": int(r.panel.firms.sum() / {periods}),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def gpnlab_core(firms: int, periods: int) -> float:
    """Firm-periods per second of gpnlab's reduced core: the four mechanisms the Mesa model has."""
    from gpnlab.simulate import load_preset
    from gpnlab.simulate.config import scale_firms
    from gpnlab.simulate.init import build_model
    from gpnlab.simulate.mechanisms.absorption import absorption
    from gpnlab.simulate.mechanisms.review import review
    from gpnlab.simulate.mechanisms.sourcing import sourcing
    from gpnlab.simulate.mechanisms.transfer import transfer
    from gpnlab.simulate.step import warm_up

    m = build_model(scale_firms(load_preset("default"), firms))
    warm_up(m)
    n = int(m.firms.alive.sum())
    t0 = time.perf_counter()
    for _ in range(periods):
        sourcing(m)
        transfer(m)
        absorption(m)
        review(m)
        m.period += 1
    return n * periods / (time.perf_counter() - t0)


def mesa_run(firms: int, periods: int) -> float:
    sys.path.insert(0, str(HERE))
    from mesa_baseline import CoreModel

    model = CoreModel(firms)
    t0 = time.perf_counter()
    for _ in range(periods):
        model.step()
    return firms * periods / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--long", action="store_true", help="also run 1e6 firms x 100 periods")
    args = ap.parse_args()
    # best of five for both sides of the headline ratio, the two sides taking turns: this
    # machine is noisy (single runs of either side vary by 30%), and a slow Mesa run would
    # flatter gpnlab
    mesa_rates, core_rates = [], []
    for _ in range(5):
        mesa_rates.append(mesa_run(10_000, 5))
        core_rates.append(gpnlab_core(10_000, 50))
    mesa_rate, core = max(mesa_rates), max(core_rates)
    print(
        f"{'model':<28}{'firms':>10}{'periods':>9}{'seconds':>10}{'firm-periods/s':>16}{'peak MiB':>10}"
        f"{'steps only/s':>14}"
    )
    print(
        f"{'mesa core (baseline)':<28}{10_000:>10}{5:>9}{50_000 / mesa_rate:>10.2f}{mesa_rate:>16,.0f}{'':>10}"
    )
    print(f"{'gpnlab reduced core':<28}{10_000:>10}{50:>9}{'':>10}{core:>16,.0f}{'':>10}")
    rates = {}
    plan = [(10_000, 20), (100_000, 10), (1_000_000, 5)]
    if args.long:
        plan.append((1_000_000, 100))
    for firms, periods in plan:
        # best of three processes where a run is short (each builds its world afresh)
        tries = 3 if firms * periods <= 1_000_000 else 1
        r = min((gpnlab_run(firms, periods) for _ in range(tries)), key=lambda r: r["seconds"])
        rate = r["firms"] * periods / r["seconds"]
        step_rate = r["firms"] * periods / r["step_seconds"]
        rates[(firms, periods)] = rate
        print(
            f"{'gpnlab full step':<28}{r['firms']:>10}{periods:>9}{r['seconds']:>10.2f}{rate:>16,.0f}"
            f"{r['peak_mib']:>10.0f}{step_rate:>14,.0f}",
            flush=True,
        )
    print(f"same reduced core, gpnlab / mesa at 1e4 firms: {core / mesa_rate:.1f}x")
    print(
        f"full gpnlab step / mesa reduced core at 1e4 firms: {rates[(10_000, 20)] / mesa_rate:.1f}x"
    )
    big = (1_000_000, 100) if (1_000_000, 100) in rates else (1_000_000, 5)
    print(
        f"cost per firm-period, 1e6 x {big[1]} vs 1e4 x 20: {rates[(10_000, 20)] / rates[big]:.2f}x"
        " (seconds include building the world: short runs at 1e6 are mostly set-up)"
    )


if __name__ == "__main__":
    main()
