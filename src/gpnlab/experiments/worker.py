"""Execute runs: a pure function of (spec, base world, run) that returns the kept outputs.

This is what a process-pool or Dask worker executes, a batch of runs per task. It never touches
the results store (only the driver writes, so a killed worker cannot corrupt it). A run that
raises is returned as ``failed`` with its one-line error; ``--resume`` retries it.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpnlab.experiments.design import RunSpec
from gpnlab.experiments.parameters import apply_parameters
from gpnlab.experiments.spec import Spec
from gpnlab.simulate.config import World, scale_firms
from gpnlab.simulate.mechanisms.policy import apply_regime
from gpnlab.simulate.run import Results, simulate


@dataclass
class RunResult:
    run_id: int
    status: str  # "done" | "failed"
    wall_s: float
    error: str = ""
    panel: pd.DataFrame | None = None
    stages: pd.DataFrame | None = None


def run_world(spec: Spec, base: World, run: RunSpec) -> World:
    """The world of one run: base, scaled, parameters set, regime applied to the focal country."""
    world = base if spec.firms is None else scale_firms(base, spec.firms)
    world = apply_parameters(world, dict(run.params), run.focal)
    return apply_regime(world, run.regime, [run.focal])


def kept_periods(spec: Spec) -> list[int]:
    T = spec.periods
    return sorted({p for p in range(1, T + 1) if p % spec.outputs.every == 0} | {T})


def simulate_run(spec: Spec, base: World, run: RunSpec, *, mrio_every: int = 0) -> Results:
    """Simulate one run (the bare call the experiment bookkeeping is measured against)."""
    return simulate(
        run_world(spec, base, run),
        seed=run.seed,
        periods=spec.periods,
        mrio_every=mrio_every,
        record=set(kept_periods(spec)),
    )


def execute_run(spec: Spec, base: World, run: RunSpec) -> RunResult:
    t0 = time.perf_counter()
    try:
        res = simulate_run(spec, base, run)
    except Exception as exc:  # a failed run is recorded, not fatal to the experiment
        last = traceback.format_exception_only(exc)[-1].strip()
        return RunResult(run.run_id, "failed", time.perf_counter() - t0, last.replace("\n", " "))
    p = res.panel  # simulate recorded the kept periods only
    panel = pd.DataFrame(
        {
            "run_id": np.full(len(p), run.run_id, dtype=np.int32),
            "period": p["period"].to_numpy(np.int32),
            "country": p["country"].to_numpy(),
            **{c: p[c].to_numpy(np.float64) for c in spec.outputs.columns},
        }
    )
    stages = None
    if spec.outputs.stages:
        stages = res.stages
        stages.insert(0, "run_id", np.int32(run.run_id))
    wall = time.perf_counter() - t0
    return RunResult(run.run_id, "done", wall, panel=panel, stages=stages)


def run_batch(spec: Spec, base: World, runs: list[RunSpec]) -> list[RunResult]:
    """One task: several runs in sequence (keeps scheduling overhead small)."""
    return [execute_run(spec, base, r) for r in runs]
