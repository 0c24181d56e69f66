"""Execute runs: a pure function of (spec, base world, run) that returns the kept outputs.

This is what a process-pool or Dask worker executes, a batch of runs per task. It never touches
the results store (only the driver writes, so a killed worker cannot corrupt it). A run that
raises is returned as ``failed`` with its one-line error; ``--resume`` retries it.

Pool processes run :func:`watch_driver` first: they leave Ctrl-C to the driver (which stops the
pool itself) and exit on their own as soon as the driver is gone, so a driver killed with
SIGKILL leaves no worker (nor the forkserver and resource tracker they keep alive) behind.
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection

import numpy as np
import pandas as pd

from gpnlab.experiments.design import RunSpec
from gpnlab.experiments.parameters import apply_parameters
from gpnlab.experiments.spec import Spec
from gpnlab.simulate.config import World, scale_firms
from gpnlab.simulate.policy import apply_regime
from gpnlab.simulate.run import Results, simulate


@dataclass
class RunResult:
    run_id: int
    status: str  # "done" | "failed"
    wall_s: float
    error: str = ""
    panel: pd.DataFrame | None = None
    stages: pd.DataFrame | None = None
    metrics: pd.DataFrame | None = None  # (run_id, metric, period, group, value)


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


def simulate_with_metrics(spec: Spec, base: World, run: RunSpec) -> tuple[Results, pd.DataFrame]:
    """Simulate one run with the read-only collector of :mod:`gpnlab.validate` and compute its
    per-run metrics (``outputs.metrics = "validation"``)."""
    import math

    from gpnlab.validate.collect import Collector
    from gpnlab.validate.per_run import HAZARD_HORIZON, run_metrics

    T = spec.periods
    hs = sorted({h for h in spec.outputs.horizons if h <= T} | {T})
    world = run_world(spec, base, run)
    collector = Collector(periods={0, *range(HAZARD_HORIZON, T + 1, HAZARD_HORIZON), *hs})
    res = simulate(
        world,
        seed=run.seed,
        periods=T,
        mrio_every=math.gcd(*hs),
        record=set(kept_periods(spec)) | set(hs),
        on_period=collector,
    )
    metrics = run_metrics(world, res, collector.result(), hs)
    metrics.insert(0, "run_id", np.int32(run.run_id))
    return res, metrics


def execute_run(spec: Spec, base: World, run: RunSpec) -> RunResult:
    t0 = time.perf_counter()
    metrics = None
    try:
        if spec.outputs.metrics == "validation":
            res, metrics = simulate_with_metrics(spec, base, run)
            kept = set(kept_periods(spec))
            res.panel = res.panel[res.panel["period"].isin(kept)]
            res.stages = res.stages[res.stages["period"].isin(kept)].reset_index(drop=True)
        else:
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
    return RunResult(run.run_id, "done", wall, panel=panel, stages=stages, metrics=metrics)


def run_batch(spec: Spec, base: World, runs: list[RunSpec]) -> list[RunResult]:
    """One task: several runs in sequence (keeps scheduling overhead small)."""
    return [execute_run(spec, base, r) for r in runs]


#: Exit status of a pool worker whose driver died.
ORPHAN_EXIT = 75
#: Seconds between two checks that the driver is alive (where pidfd is not available).
POLL_S = 0.5


def watch_driver(driver_pid: int) -> None:
    """Pool initializer: ignore SIGINT, and exit as soon as process ``driver_pid`` ends.

    SIGINT from the terminal reaches the whole process group; the driver handles it and stops
    the pool, so a worker must not die with a KeyboardInterrupt traceback of its own. A
    forkserver worker's parent is the forkserver, not the driver, so the driver's pid is
    watched explicitly: a pidfd (Linux >= 5.3) becomes readable when the process ends;
    elsewhere the pid is polled every :data:`POLL_S` seconds.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_driver, args=(driver_pid,), name="gpnlab-watch-driver", daemon=True
    ).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return True
    return True


def _exit_with_driver(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(ORPHAN_EXIT)
    except (OSError, AttributeError):  # pragma: no cover - no pidfd on this system
        fd = -1
    if fd >= 0:
        select.select([fd], [], [])  # readable once the process has ended
        os._exit(ORPHAN_EXIT)
    while _alive(pid):  # pragma: no cover - fallback without pidfd
        time.sleep(POLL_S)
    os._exit(ORPHAN_EXIT)  # pragma: no cover


def serve(conn: Connection, spec: Spec, base: World, driver_pid: int) -> None:
    """Main of a pool process: run the batches the driver sends on ``conn`` until it sends
    None (or goes away). Replies ``("done", results)`` or ``("error", one line)``."""
    watch_driver(driver_pid)
    while True:
        try:
            runs = conn.recv()
        except (EOFError, OSError):
            return
        if runs is None:
            return
        try:
            reply: tuple[str, object] = ("done", run_batch(spec, base, runs))
        except Exception as exc:  # run_batch records failed runs itself; this is a bug
            last = traceback.format_exception_only(exc)[-1].strip().replace("\n", " ")
            reply = ("error", last)
        try:
            conn.send(reply)
        except (OSError, ValueError):  # the driver is gone
            return
