"""Run an experiment: validate, open the store, farm batches of runs out, commit as they finish.

Backends (the results are the same bits on each; a run is a pure function of its inputs):

* ``local`` (default) -- a process pool on this machine (``concurrent.futures``, forkserver);
* ``dask`` -- ``workers=N`` starts a ``distributed.LocalCluster`` of N single-threaded worker
  processes; ``scheduler="tcp://host:port"`` uses an existing Dask cluster (docs/distributed.md);
* ``processes=1`` runs in this process (no pool), for debugging and profiling.

Runs travel in batches (several runs per task) so that scheduling overhead stays small. Only
this driver writes to the store, one transaction per finished batch; runs that were pending,
failed or in flight when a previous driver stopped are run again on resume.

Reliability (issue 9, docs/reliability.md):

* the output folder is *owned* (:mod:`gpnlab.outdir`): new, empty, or one ``gpnlab
  experiment`` wrote before; every file written is listed in its marker, and ``--fresh``
  removes only the database files listed there;
* an exclusive lock (``OUT/.gpnlab.lock``, :func:`fcntl.flock`, holding the driver's pid) is
  taken before anything is removed or opened and held for the whole run: a second driver on
  the same folder is refused with one line;
* the run count, memory and time are estimated before the design is drawn; more than the
  machine's memory is refused, more than a day of work needs ``yes=True`` (``--yes``);
* SIGINT, SIGTERM, a dead worker or a full disk end in :class:`Stopped` (the runs stored,
  how to resume; ``exit_code`` 130 / 143 / 1); every run committed before stays stored;
* pool workers exit when the driver is gone (:func:`~gpnlab.experiments.worker.watch_driver`),
  and a stop ends them at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import multiprocessing
import os
import shlex
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TextIO

import duckdb
import numpy as np

from gpnlab import outdir, resources
from gpnlab.errors import ExperimentStopped, InputError
from gpnlab.experiments.design import (
    RunSpec,
    build_runs,
    check_design,
    count_runs,
    design_bytes,
    design_points,
)
from gpnlab.experiments.parameters import ParameterError, apply_parameters
from gpnlab.experiments.spec import Spec
from gpnlab.experiments.store import (
    DB_NAME,
    TABLES,
    commit_results,
    count_done,
    export_parquet,
    is_disk_full,
    open_store,
)
from gpnlab.experiments.store import pending_runs as stored_pending
from gpnlab.experiments.worker import RunResult, run_batch, serve
from gpnlab.simulate.budget import simulation_bytes, simulation_seconds
from gpnlab.simulate.config import World, load_world, scale_firms
from gpnlab.simulate.policy import REGIMES, check_focal
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


class NamesBase(Protocol):
    """A spec that names its base world: an experiment's or a calibration's."""

    @property
    def base(self) -> str: ...

    @property
    def base_file(self) -> str | None: ...


def resolve_base(spec: NamesBase, root: Path, *, where: str = "spec") -> World:
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
    check_focal(base, spec.focal, where=where)
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
                    metrics=None if r.metrics is None else r.metrics.assign(run_id=np.int32(tid)),
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
        # our own workers' logs: a run's errors reach the driver through its futures, and at a
        # normal close a worker's last heartbeat can race the closing scheduler and log an
        # ERROR with a traceback (seen once in the README's experiment block)
        silence_logs=logging.CRITICAL,
    )
    client = Client(cluster)
    try:  # our own workers leave Ctrl-C to the driver (no KeyboardInterrupt traceback each)
        client.register_plugin(_ignore_sigint_plugin(), name="gpnlab-ignore-sigint")
    except BaseException:
        client.close()
        cluster.close()
        raise
    return client


def quiet_dask_shutdown() -> None:
    """After a stop, tasks that the closing cluster cancels are not errors to show: tornado
    and distributed log them with tracebacks from their event-loop thread (seen on Ctrl-C:
    a ``NameError`` in ``distributed.utils.sync``'s cancel path), under the one-line stop
    message. Raise those loggers to CRITICAL for the rest of the process."""
    for name in ("tornado.application", "tornado.general", "distributed", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _ignore_sigint_plugin() -> Any:
    """A Dask worker plugin (for our LocalCluster only) that ignores SIGINT in the workers."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class IgnoreSigint(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            with contextlib.suppress(ValueError):  # not the main thread
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreSigint()


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


COMMAND = "experiment"
LOCK_NAME = ".gpnlab.lock"
LOG_NAME = "experiment.log"
#: Every file ``gpnlab experiment`` writes into its folder (the report adds its own).
FILES = (DB_NAME, DB_NAME + ".wal", LOG_NAME, LOCK_NAME, *(f"{t}.parquet" for t in TABLES))
EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_STOPPED = 130, 143, 1


class Terminated(BaseException):
    """Raised by the SIGTERM handler that :func:`run_experiment` installs (like
    KeyboardInterrupt for SIGINT: not an ``Exception``, so no ``except Exception`` eats it)."""


class Stopped(ExperimentStopped):
    """The experiment stopped early; the runs stored before are kept.

    ``reason``: ``"interrupted"`` (SIGINT), ``"terminated"`` (SIGTERM), ``"disk full"``, or the
    error's type and first line; ``exit_code``: 130, 143 or 1; ``resume``: the command that
    resumes (never with ``--fresh``, which would discard the stored runs).
    """

    def __init__(
        self, reason: str, stored: int, total: int, out: Path, *, exit_code: int, resume: str
    ) -> None:
        super().__init__(reason, stored, total, out)
        self.exit_code, self.resume = exit_code, resume
        what = f"experiment stopped ({reason})"
        if reason == "disk full":
            what = "experiment stopped (disk full: no space left on the device)"
            todo = f"free disk space, then resume with: {resume}"
        else:
            todo = f"resume with: {resume}"
        msg = f"{out}: {what}; {stored} of {total} runs are stored and safe; {todo}"
        self.args = (msg,)


def resume_command(where: str, out: Path) -> str:
    """How to resume: the CLI command when ``where`` is the spec file's path."""
    if where == "spec" or not where:
        return "the same spec and folder again (without --fresh)"
    return f"gpnlab experiment {shlex.quote(where)} --out {shlex.quote(str(out))}"


@dataclass
class _Signals:
    """The stop signal that arrived first (if any) and when; inside :meth:`deferred` a signal
    is held (``pending``) and raised when the block ends."""

    signum: int | None = None
    at: float = 0.0
    defer: int = 0
    pending: int | None = None

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """A block that a stop signal does not cut short (a commit and its bookkeeping)."""
        self.defer += 1
        try:
            yield
        finally:
            self.defer -= 1
        if self.defer == 0 and self.pending is not None:
            signum, self.pending = self.pending, None
            raise _stop_exception(signum)


def _stop_exception(signum: int) -> BaseException:
    return KeyboardInterrupt() if signum == signal.SIGINT else Terminated()


#: A second SIGINT/SIGTERM within this many seconds of the first does not interrupt the cleanup.
REPEAT_GRACE_S = 10.0


@contextmanager
def stop_signals() -> Iterator[_Signals]:
    """SIGINT raises KeyboardInterrupt and SIGTERM :class:`Terminated` for the duration (in the
    main thread only; the old handlers come back after). The first signal is recorded, so an
    interruption that a library turns into its own error (DuckDB: ``RuntimeError: Query
    interrupted``) is still known as one; repeats in the next :data:`REPEAT_GRACE_S` seconds
    are ignored, so that the stop (workers ended, store closed) finishes."""
    state = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if state.signum is not None and now - state.at < REPEAT_GRACE_S:
            return
        if state.signum is None:
            state.signum = signum
        state.at = now
        if state.defer:
            state.pending = signum
            return
        raise _stop_exception(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield state
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _is_interrupt(exc: BaseException) -> bool:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, KeyboardInterrupt | duckdb.InterruptException):
            return True
        if isinstance(e, RuntimeError | duckdb.Error) and "interrupted" in str(e).lower():
            return True
        e = e.__cause__ or e.__context__
    return False


def stop_reason(exc: BaseException, signals: _Signals) -> tuple[str, int]:
    """The reason and exit code of a stop caused by ``exc``."""
    if signals.signum == signal.SIGTERM or isinstance(exc, Terminated):
        return "terminated", EXIT_TERMINATED
    if signals.signum == signal.SIGINT or _is_interrupt(exc):
        return "interrupted", EXIT_INTERRUPTED
    if is_disk_full(exc):
        return "disk full", EXIT_STOPPED
    lines = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return lines[0], EXIT_STOPPED


# -- run count, memory and time, before anything is allocated ------------------------------


def _mrio_every(spec: Spec) -> int:
    """How often a run emits its IO table (the validation metrics need it at their horizons;
    as :func:`~gpnlab.experiments.worker.simulate_with_metrics`)."""
    if spec.outputs.metrics != "validation":
        return 0
    T = spec.periods
    return math.gcd(*sorted({h for h in spec.outputs.horizons if h <= T} | {T}))


def check_resources(
    spec: Spec, base: World, runs: int, local_workers: int, workers: int, *, yes: bool, where: str
) -> float:
    """Refuse (one line, :class:`~gpnlab.resources.ResourceError`) an experiment whose memory
    (the design in the driver + one simulation per local worker) exceeds the machine, or whose
    estimated time exceeds a day without ``yes``; returns the estimated seconds."""
    check_design(spec, where=where)  # the design alone, with its own field and fix
    world = base if spec.firms is None else scale_firms(base, spec.firms)
    sim_bytes = simulation_bytes(world, spec.periods, mrio_every=_mrio_every(spec))
    sim_s = simulation_seconds(world, spec.periods)
    driver = design_bytes(spec)
    pool = sim_bytes * local_workers
    resources.check_memory(
        driver + pool,
        what=(
            f"the experiment ({runs:,} runs; design {resources.human_bytes(driver)}, "
            f"{local_workers} simulation(s) of {resources.human_bytes(sim_bytes)} at once)"
        ),
        where=where,
        field="firms" if pool >= driver else "design",
        fix=(
            "fewer --processes, fewer firms or periods, or a smaller design; "
            "or raise --max-memory on a larger machine"
        ),
    )
    return resources.check_run_count(runs, sim_s, workers, yes=yes, where=where, field="runs")


# -- the folder: ownership and lock ----------------------------------------------------------


#: What an experiment folder written before output markers existed (gpnlab <= 0.1 sessions)
#: may hold besides :data:`FILES`: the report and its tables and figures.
LEGACY_EXTRA = ("report.html", "tables", "figures")


def adopt_legacy_folder(folder: Path) -> bool:
    """Give an experiment folder from before output markers its marker, if it is certainly
    gpnlab's: no marker, a results database whose ``meta`` table gpnlab wrote, and nothing but
    the experiment's own file names (``tables/*.csv``, ``figures/*.png``). Returns whether it
    adopted the folder; anything else is left to the usual refusal."""
    import duckdb

    if not folder.is_dir() or outdir.read_marker(folder) is not None:
        return False
    db = folder / DB_NAME
    entries = {e.name for e in folder.iterdir()}
    if not db.is_file() or not entries <= set(FILES) | set(LEGACY_EXTRA):
        return False
    for sub, suffix in (("tables", ".csv"), ("figures", ".png")):
        d = folder / sub
        if d.exists() and (not d.is_dir() or any(
            not p.is_file() or p.suffix != suffix for p in d.iterdir()
        )):  # fmt: skip
            return False
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            keys = {k for (k,) in con.execute("SELECT key FROM meta").fetchall()}
    except (duckdb.Error, OSError):
        return False
    if not {"gpnlab_version", "digest", "spec"} <= keys:
        return False
    files = [str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()]
    outdir.write_marker(folder, COMMAND, files)
    return True


def _check_names(folder: Path, *, skip: tuple[str, ...] = ()) -> set[str]:
    """The experiment's files already in ``folder`` must be gpnlab's (``overwrite`` lets
    gpnlab write beside the user's files, never over them); returns the owned ones."""
    owned = outdir.owned_files(folder, COMMAND)
    clash = sorted(n for n in FILES if n not in skip and (folder / n).exists() and n not in owned)
    outdir.refuse_clash(folder, clash, fix="move it away or give --out another folder")
    return owned


def _lock_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return text if text.isdigit() else ""


@contextmanager
def experiment_lock(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s experiment lock (exclusive, non-blocking ``flock``) for the block; a
    second holder is refused with one line naming the folder and the running driver's pid."""
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise InputError(
            f"cannot create the experiment's lock file {LOCK_NAME} ({exc.strerror})",
            where=str(folder),
            field="--out",
            fix="choose a folder you can write to",
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _lock_holder(fd)
            raise InputError(
                f"another gpnlab process{f' (pid {pid})' if pid else ''} is running the "
                "experiment in this folder",
                where=str(folder),
                field="--out",
                fix="wait for it to finish or stop it (it can be resumed), "
                "or give --out another folder",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


# -- backends ---------------------------------------------------------------------------------


@dataclass
class _Worker:
    proc: Any  # multiprocessing.Process of the chosen context
    conn: Connection
    busy: bool = False


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _local_results(
    spec: Spec, base: World, tasks: list[list[RunSpec]], processes: int
) -> Iterator[list[RunResult]]:
    """Results of ``tasks`` as they finish, from ``processes`` worker processes.

    A small pool of its own rather than ``ProcessPoolExecutor`` (:class:`LocalPool`): one pipe
    per worker, no threads, so a stop can end the workers at once (SIGKILL) without the
    executor's manager thread hanging on a half-sent result; a worker that dies raises
    ``BrokenProcessPool``. Workers run :func:`~gpnlab.experiments.worker.serve` (they watch
    the driver and exit when it is gone).
    """
    if processes == 1:
        for t in tasks:
            yield run_batch(spec, base, t)
        return
    pool = LocalPool(spec, base, min(processes, len(tasks)))
    try:
        yield from pool.results(tasks)
    finally:
        pool.close()


class LocalPool:
    """``processes`` worker processes that stay up between calls of :meth:`results` (the
    calibration runs batch after batch on one pool); :meth:`close` ends them (busy ones are
    killed). Started on the first call; ``processes=1`` runs in this process."""

    def __init__(self, spec: Spec, base: World, processes: int) -> None:
        self.spec, self.base, self.processes = spec, base, max(1, processes)
        self.pool: list[_Worker] = []

    def _start(self) -> None:
        methods = multiprocessing.get_all_start_methods()
        ctx: Any = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with single_threaded_blas():
            for _ in range(self.processes):
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(
                    target=serve, args=(theirs, self.spec, self.base, os.getpid()), daemon=True
                )
                proc.start()
                theirs.close()
                self.pool.append(_Worker(proc, mine))

    def results(self, tasks: list[list[RunSpec]]) -> Iterator[list[RunResult]]:
        """Results of ``tasks`` as they finish."""
        if self.processes == 1:
            for t in tasks:
                yield run_batch(self.spec, self.base, t)
            return
        if not self.pool:
            self._start()
        pool = self.pool
        queue = deque(tasks)
        for w in pool:
            if queue:
                w.conn.send(queue.popleft())
                w.busy = True
        while any(w.busy for w in pool):
            busy = [w for w in pool if w.busy]
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy]))
            for w in busy:
                if w.conn in ready or w.conn.poll():
                    try:
                        kind, payload = w.conn.recv()
                    except (EOFError, OSError):
                        w.proc.join(1)
                        raise BrokenProcessPool(
                            f"pool worker {w.proc.pid} ended abruptly "
                            f"({_exit_text(w.proc.exitcode)})"
                        ) from None
                    w.busy = False
                    if kind == "error":
                        raise RuntimeError(f"pool worker {w.proc.pid}: {payload}")
                    if queue:
                        w.conn.send(queue.popleft())
                        w.busy = True
                    yield payload
                elif w.proc.sentinel in ready:
                    w.proc.join(1)
                    raise BrokenProcessPool(
                        f"pool worker {w.proc.pid} ended abruptly ({_exit_text(w.proc.exitcode)})"
                    )

    def close(self) -> None:
        _end_pool(self.pool)
        self.pool = []


def _end_pool(pool: list[_Worker]) -> None:
    """Ask idle workers to exit; kill the busy ones (a stop does not wait for their batch)."""
    for w in pool:
        if not w.busy:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        elif w.proc.is_alive():
            with contextlib.suppress(OSError):
                w.proc.kill()
    deadline = time.monotonic() + 5.0
    for w in pool:
        w.proc.join(max(0.0, deadline - time.monotonic()))
        if w.proc.is_alive():
            with contextlib.suppress(OSError):
                w.proc.kill()
            w.proc.join(1.0)
        w.conn.close()


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


# -- the experiment ------------------------------------------------------------------------------


def open_log(folder: Path) -> TextIO:
    """``experiment.log``, appended to: one line per finished run."""
    return (folder / LOG_NAME).open("a", encoding="utf-8")


@dataclass
class _Progress:
    done_before: int | None = None  # runs done when the store was opened
    committed: int = 0  # runs committed as done since

    def stored(self, out: Path) -> int:
        """Runs stored as done now (read from the database if it was never opened)."""
        if self.done_before is None:
            return _stored_in(out)
        return self.done_before + self.committed


def _stored_in(folder: Path) -> int:
    """Runs done in ``folder``'s database if gpnlab wrote it, read from the file (0 if there
    is none or it cannot be read)."""
    if DB_NAME not in outdir.owned_files(folder, COMMAND) or not (folder / DB_NAME).exists():
        return 0
    try:
        with duckdb.connect(str(folder / DB_NAME), read_only=True) as con:
            return count_done(con)
    except (duckdb.Error, RuntimeError):
        return 0


def run_experiment(
    spec: Spec | str | Path,
    base: World | None = None,
    out: str | Path | None = None,
    *,
    root: str | Path | None = None,
    client: Any = None,
    processes: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    where: str = "spec",
    on_start: Callable[[int, int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
    overwrite: bool = False,
    yes: bool = False,
) -> Outcome:
    """Run (or resume) an experiment into ``out``; returns counts and wall time.

    ``on_start(total, already_done)`` and ``on_batch(runs_finished)`` drive a progress bar.
    ``overwrite`` lets gpnlab write into a folder that holds other files (never over them);
    ``yes`` starts an experiment estimated to take more than a day. Bad input raises
    :class:`~gpnlab.errors.InputError` before anything is written; a stop raises
    :class:`Stopped` (runs stored, how to resume, ``exit_code``).

    From a notebook: ``spec`` may be the spec file's path (read with :func:`load_spec`);
    ``base`` defaults to the spec's base world (``base_file`` relative to ``root``, else to
    the spec file's folder or the working directory); ``out`` defaults to
    ``out/experiments/<name>``. ``client``: a ``distributed.Client`` the runs go to (it is
    left open: the caller owns it), instead of ``workers`` / ``scheduler``.
    """
    t0 = time.perf_counter()
    if not isinstance(spec, Spec):
        from gpnlab.experiments.spec import load_spec

        where = str(spec) if where == "spec" else where
        spec, spec_root = load_spec(spec)
        root = spec_root if root is None else root
    if base is None:
        base = resolve_base(spec, Path(root) if root is not None else Path.cwd(), where=where)
    out = Path(out) if out is not None else Path("out/experiments") / spec.name
    if client is not None and (workers is not None or scheduler is not None):
        raise InputError(
            "give client, or workers / scheduler, not both", where=where, field="client"
        )
    resume = resume_command(where, out)
    with stop_signals() as signals:
        return _run(
            spec, base, out, t0, signals, user_client=client,
            processes=processes, workers=workers, scheduler=scheduler, fresh=fresh,
            where=where, on_start=on_start, on_batch=on_batch, overwrite=overwrite,
            yes=yes, resume=resume,
        )  # fmt: skip


def _run(
    spec: Spec,
    base: World,
    out: Path,
    t0: float,
    signals: _Signals,
    *,
    user_client: Any = None,
    processes: int | None,
    workers: int | None,
    scheduler: str | None,
    fresh: bool,
    where: str,
    on_start: Callable[[int, int], None] | None,
    on_batch: Callable[[int], None] | None,
    overwrite: bool,
    yes: bool,
    resume: str,
) -> Outcome:
    total = 0
    folder: Path | None = None
    progress = _Progress()
    client = user_client
    try:
        if workers is not None and workers < 1:
            raise InputError("workers must be at least 1", where="--workers", field="workers")
        if processes is not None and processes < 1:
            raise InputError("processes must be at least 1", where="--processes", field="processes")
        total = count_runs(spec)
        dask = workers is not None or scheduler is not None or client is not None
        if client is not None:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            local = 0
        elif scheduler is not None:
            client = connect_dask(workers, scheduler)  # before any run: fails fast
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            local = 0
        else:
            n_workers = workers or processes or os.cpu_count() or 1
            local = n_workers
        check_resources(spec, base, total, local, n_workers, yes=yes, where=where)
        points = design_points(spec)
        validate(spec, base, points, where=where)
        runs = build_runs(spec, points)
        total = len(runs)
        if dask and client is None:
            client = connect_dask(workers, scheduler)
        # the folder: checked (nothing written), claimed (only the marker), then locked
        adopt_legacy_folder(Path(out))
        checked = outdir.check_output(out, command=COMMAND, overwrite=overwrite)
        if checked.exists():
            _check_names(checked)
        folder = outdir.claim_folder(out, command=COMMAND, overwrite=overwrite)
        with experiment_lock(folder):
            owned = _check_names(folder, skip=(LOCK_NAME,))  # again, under the lock
            outdir.record_files(folder, COMMAND, FILES)
            if fresh:
                for name in (DB_NAME, DB_NAME + ".wal"):
                    if name in owned:
                        (folder / name).unlink(missing_ok=True)
            outcome = _execute(
                spec, base, runs, folder, client, processes, progress, signals, on_start, on_batch
            )
            outdir.record_files(folder, COMMAND, FILES)  # again: a concurrent claim may race
    except InputError as exc:
        if not is_disk_full(exc):
            raise
        # e.g. the folder's marker could not be written
        stored = progress.stored(out)
        raise Stopped(
            "disk full", stored, total, out, exit_code=EXIT_STOPPED, resume=resume
        ) from exc
    except BaseException as exc:
        reason, code = stop_reason(exc, signals)
        if folder is None and code == EXIT_STOPPED and reason != "disk full":
            raise  # before the folder is touched, an error is not a stop of the experiment
        if client is not None and user_client is None:
            quiet_dask_shutdown()
        stored = progress.stored(out)
        raise Stopped(reason, stored, total, out, exit_code=code, resume=resume) from exc
    finally:
        if client is not None and user_client is None:  # a client of the caller stays open
            cluster = client.cluster
            with contextlib.suppress(Exception):
                client.close()
                if cluster is not None:
                    cluster.close()
    return replace(outcome, out=out, wall_s=time.perf_counter() - t0)


def _execute(
    spec: Spec,
    base: World,
    runs: list[RunSpec],
    folder: Path,
    client: Any,
    processes: int | None,
    progress: _Progress,
    signals: _Signals,
    on_start: Callable[[int, int], None] | None,
    on_batch: Callable[[int], None] | None,
) -> Outcome:
    """Open the store, run what is pending, commit batch by batch, export the tables."""
    con = open_store(folder, spec, base, runs)
    try:
        todo = stored_pending(con, runs)
        progress.done_before = len(runs) - len(todo)
        if on_start is not None:
            on_start(len(runs), len(runs) - len(todo))
        twins = group_twins(todo)
        reps = [r for r in todo if r.run_id in twins]
        stream: Iterator[list[RunResult]]
        if client is not None:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            stream = _dask_results(client, spec, base, batches(reps, n_workers, spec.batch_size))
            backend = f"dask ({n_workers} workers)"
        else:
            n_proc = processes or os.cpu_count() or 1
            stream = _local_results(spec, base, batches(reps, n_proc, spec.batch_size), n_proc)
            backend = f"local ({n_proc} processes)"
        failed = 0
        try:
            with open_log(folder) as log:
                for rep_results in stream:
                    results = with_twins(rep_results, twins)
                    with signals.deferred():  # the count below must match what committed
                        commit_results(con, results)
                        progress.committed += sum(r.status == "done" for r in results)
                    for r in results:
                        failed += r.status == "failed"
                        log.write(f"run {r.run_id} {r.status} {r.wall_s:.3f}s {r.error}\n")
                    log.flush()
                    if on_batch is not None:
                        on_batch(len(results))
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # ends the pool's workers if the loop stopped early
        export_parquet(con, folder)
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
    return Outcome(
        folder,
        len(runs),
        len(todo),
        failed,
        len(runs) - len(todo),
        0.0,
        backend,
        simulated=len(reps),
    )
