"""Run an experiment: validate, open the store, farm batches of runs out, commit as they finish.

Backends (the results are the same bits on each; a run is a pure function of its inputs):

* ``local`` (default) -- a process pool on this machine (``concurrent.futures``, forkserver);
* ``dask`` -- ``workers=N`` starts a ``distributed.LocalCluster`` of N single-threaded worker
  processes; ``scheduler="tcp://host:port"`` uses an existing Dask cluster (docs/distributed.md);
* ``processes=1`` runs in this process (no pool), for debugging and profiling.

Runs travel in batches (several runs per task) so that scheduling overhead stays small. Only
this driver writes to the store, one transaction per finished batch; runs that were pending,
failed or in flight when a previous driver stopped are run again on resume.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gpnlab.errors import ExperimentStopped, InputError
from gpnlab.experiments.design import RunSpec, build_runs, design_points
from gpnlab.experiments.parameters import ParameterError, apply_parameters
from gpnlab.experiments.spec import Spec
from gpnlab.experiments.store import DB_NAME, commit_results, export_parquet, open_store
from gpnlab.experiments.store import pending_runs as stored_pending
from gpnlab.experiments.worker import RunResult, run_batch
from gpnlab.simulate.config import World, load_world
from gpnlab.simulate.mechanisms.policy import REGIMES
from gpnlab.simulate.presets import load_preset


@dataclass
class Outcome:
    """What an experiment call did."""

    out: Path
    total: int
    ran: int
    failed: int
    skipped: int
    wall_s: float
    backend: str
    simulated: int = 0  # distinct simulations (runs that share inputs share one)


def resolve_base(spec: Spec, root: Path, *, where: str = "spec") -> World:
    """The base world: ``base_file`` (relative to the spec's folder) or a shipped preset."""
    if spec.base_file is not None:
        return load_world(root / spec.base_file)
    try:
        return load_preset(spec.base)
    except InputError as exc:
        raise InputError(exc.what, where=where, field="base", fix=exc.fix) from None


def validate(spec: Spec, base: World, points: np.ndarray, *, where: str = "spec") -> None:
    """Check what pydantic cannot: focal codes exist, every parameter applies at its extremes
    over the design ``points``."""
    codes = [c.code for c in base.countries]
    for code in spec.focal:
        if code not in codes:
            raise InputError(
                f"unknown focal country {code!r}",
                where=where,
                field="focal",
                fix=f"use codes of the base world: {', '.join(codes)}",
            )
    for j, name in enumerate(spec.parameters):
        for value in (points[:, j].min(), points[:, j].max()):
            try:
                apply_parameters(base, {name: float(value)}, spec.focal[0])
            except (ParameterError, InputError) as exc:
                msg = exc.what if isinstance(exc, InputError) else str(exc)
                raise InputError(
                    f"{msg} (value {value:g})",
                    where=where,
                    field=f"parameters.{name}",
                    fix="use a path and range valid for the world (docs/experiments.md)",
                ) from None


def twin_key(run: RunSpec) -> tuple[object, ...]:
    """Runs with the same key simulate the same world with the same seed.

    The focal country changes a run's world only through its regime's instruments (none under
    ``laissez_faire``) or a ``countries.focal.*`` parameter, so e.g. the baseline runs of
    several focal countries are one simulation (a run is a pure function of its inputs).
    """
    acts = bool(REGIMES[run.regime])
    focal_matters = acts or any(".focal." in f".{name}." for name, _ in run.params)
    return (run.seed, run.params, run.regime if acts else "", run.focal if focal_matters else "")


def group_twins(runs: list[RunSpec]) -> dict[int, list[int]]:
    """Representative run id -> ids of the other runs that share its results."""
    first: dict[tuple[object, ...], int] = {}
    twins: dict[int, list[int]] = {}
    for r in runs:
        rep = first.setdefault(twin_key(r), r.run_id)
        twins.setdefault(rep, [])
        if rep != r.run_id:
            twins[rep].append(r.run_id)
    return twins


def with_twins(results: list[RunResult], twins: dict[int, list[int]]) -> list[RunResult]:
    """The results of representatives, copied to their twins (only run_id differs)."""
    out = []
    for r in results:
        out.append(r)
        for tid in twins.get(r.run_id, []):
            out.append(
                replace(
                    r,
                    run_id=tid,
                    panel=None if r.panel is None else r.panel.assign(run_id=np.int32(tid)),
                    stages=None if r.stages is None else r.stages.assign(run_id=np.int32(tid)),
                )
            )
    return out


def batches(runs: list[RunSpec], workers: int, size: int | None) -> list[list[RunSpec]]:
    """Split runs into tasks: about four tasks per worker, at most 16 runs each."""
    if size is None:
        size = max(1, min(16, math.ceil(len(runs) / (4 * max(workers, 1)))))
    return [runs[i : i + size] for i in range(0, len(runs), size)]


def connect_dask(workers: int | None, scheduler: str | None) -> Any:
    """A Dask client: to ``scheduler`` if given, else to a new LocalCluster of ``workers``."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            return Client(scheduler, timeout="5s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler ({type(exc).__name__})",
                where="--scheduler",
                field="scheduler",
                fix="start it (dask scheduler) or give its tcp://host:port",
            ) from None
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster)


BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread per worker process (as Dask's nanny does): with one process per core,
    multi-threaded BLAS in every worker oversubscribes the cores (measured: a 2-process pool
    ran slower than one process on 2 cores). The user's own settings are kept."""
    saved = {k: os.environ.get(k) for k in BLAS_THREADS}
    for k in BLAS_THREADS:
        os.environ.setdefault(k, "1")
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _local_results(
    spec: Spec, base: World, tasks: list[list[RunSpec]], processes: int
) -> Iterator[list[RunResult]]:
    if processes == 1:
        for t in tasks:
            yield run_batch(spec, base, t)
        return
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    with single_threaded_blas(), ProcessPoolExecutor(max_workers=processes, mp_context=ctx) as pool:
        futures: list[Future[list[RunResult]]] = [
            pool.submit(run_batch, spec, base, t) for t in tasks
        ]
        try:
            for f in as_completed(futures):
                yield f.result()
        finally:
            for f in futures:
                f.cancel()


def _dask_results(
    client: Any, spec: Spec, base: World, tasks: list[list[RunSpec]]
) -> Iterator[list[RunResult]]:
    from distributed import as_completed as dask_completed

    futures = [client.submit(run_batch, spec, base, t, pure=False) for t in tasks]
    try:
        for f in dask_completed(futures):
            yield f.result()
    finally:
        client.cancel(futures)


def run_experiment(
    spec: Spec,
    base: World,
    out: Path,
    *,
    processes: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    where: str = "spec",
    on_start: Callable[[int, int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> Outcome:
    """Run (or resume) an experiment into ``out``; returns counts and wall time.

    ``on_start(total, already_done)`` and ``on_batch(runs_finished)`` drive a progress bar.
    """
    t0 = time.perf_counter()
    points = design_points(spec)
    validate(spec, base, points, where=where)
    runs = build_runs(spec, points)
    client = None
    if workers is not None or scheduler is not None:
        if workers is not None and workers < 1:
            raise InputError("workers must be at least 1", where="--workers", field="workers")
        client = connect_dask(workers, scheduler)  # before any run: fails fast
    try:
        if fresh and out.exists():
            for name in (DB_NAME, DB_NAME + ".wal"):
                (out / name).unlink(missing_ok=True)
        con = open_store(out, spec, base, runs)
        try:
            todo = stored_pending(con, runs)
            if on_start is not None:
                on_start(len(runs), len(runs) - len(todo))
            twins = group_twins(todo)
            reps = [r for r in todo if r.run_id in twins]
            if client is not None:
                n_workers = max(1, len(client.scheduler_info().get("workers", {})))
                stream = _dask_results(
                    client, spec, base, batches(reps, n_workers, spec.batch_size)
                )
                backend = f"dask ({n_workers} workers)"
            else:
                n_proc = processes or os.cpu_count() or 1
                stream = _local_results(spec, base, batches(reps, n_proc, spec.batch_size), n_proc)
                backend = f"local ({n_proc} processes)"
            failed = 0
            try:
                with (out / "experiment.log").open("a") as log:
                    for rep_results in stream:
                        results = with_twins(rep_results, twins)
                        commit_results(con, results)
                        for r in results:
                            failed += r.status == "failed"
                            log.write(f"run {r.run_id} {r.status} {r.wall_s:.3f}s {r.error}\n")
                        log.flush()
                        if on_batch is not None:
                            on_batch(len(results))
            except (KeyboardInterrupt, Exception) as exc:
                (stored,) = con.execute(
                    "SELECT count(*) FROM runs WHERE status = 'done'"
                ).fetchone() or (0,)
                reason = (
                    "interrupted"
                    if isinstance(exc, KeyboardInterrupt)
                    else f"{type(exc).__name__}: {exc}".splitlines()[0]
                )
                raise ExperimentStopped(reason, int(stored), len(runs), out) from exc
            export_parquet(con, out)
        finally:
            con.close()
    finally:
        if client is not None:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
    return Outcome(
        out,
        len(runs),
        len(todo),
        failed,
        len(runs) - len(todo),
        time.perf_counter() - t0,
        backend,
        simulated=len(reps),
    )
