"""Reliability of ``gpnlab experiment`` (issue 9): owned folders, the experiment lock, clean
stops (SIGINT, SIGTERM, SIGKILL, a full disk), damaged databases and run-count bounds.

Every refusal leaves the user's files byte for byte as they were.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from gpnlab.cli import app
from gpnlab.errors import ExperimentStopped, InputError
from gpnlab.experiments import execute, store
from gpnlab.experiments.design import count_runs
from gpnlab.experiments.execute import (
    FILES,
    LOCK_NAME,
    Stopped,
    experiment_lock,
    run_experiment,
)
from gpnlab.experiments.store import DB_NAME, commit_results, read_tables
from gpnlab.outdir import MARKER, owned_files, write_marker
from gpnlab.resources import ResourceError
from gpnlab.simulate import load_preset
from tests.experiments.conftest import TINY, tiny_spec, write_spec

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("gpnlab")
GPNLAB = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "gpnlab.cli"]
USER_FILES = {"MY_THESIS.txt": b"chapter 1\n", "data/results.csv": b"a,b\n1,2\n"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def users_folder(path: Path, extra: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """A folder of the user's (no marker): a thesis and a data file, plus ``extra``."""
    for name, body in {**USER_FILES, **(extra or {})}.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(body)
    return snapshot(path)


def add_user_files(folder: Path) -> dict[str, bytes]:
    """The user's files put into gpnlab's folder after a run; returns them."""
    for name, body in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
    return {n: (folder / n).read_bytes() for n in USER_FILES}


def assert_user_files(folder: Path, files: dict[str, bytes]) -> None:
    for name, body in files.items():
        assert (folder / name).read_bytes() == body, name


def done_runs(out: Path) -> int:
    with duckdb.connect(str(out / DB_NAME), read_only=True) as con:
        (n,) = con.execute("SELECT count(*) FROM runs WHERE status = 'done'").fetchone() or (0,)
    return int(n)


BASE = load_preset("default")
SMALL = tiny_spec(replicates=1)  # 4 runs, about a second in this process


# -- ownership ------------------------------------------------------------------------------


def test_a_folder_of_the_users_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    before = users_folder(out)
    with pytest.raises(InputError, match="gpnlab did not write") as exc:
        run_experiment(SMALL, BASE, out, processes=1)
    assert str(out) in str(exc.value) and "--overwrite" in str(exc.value)
    assert snapshot(out) == before
    assert not (out / MARKER).exists() and not (out / LOCK_NAME).exists()


def test_overwrite_refuses_a_users_file_with_an_experiment_files_name(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    before = users_folder(out, {DB_NAME: b"my own database", "runs.parquet": b"mine too"})
    with pytest.raises(InputError, match="exists and gpnlab did not write it") as exc:
        run_experiment(SMALL, BASE, out, processes=1, overwrite=True)
    assert "runs.parquet" in str(exc.value) or DB_NAME in str(exc.value)
    assert snapshot(out) == before
    assert not (out / MARKER).exists() and not (out / LOCK_NAME).exists()


def test_overwrite_adds_gpnlabs_files_beside_the_users(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    before = users_folder(out)
    outcome = run_experiment(SMALL, BASE, out, processes=1, overwrite=True)
    assert outcome.ran == 4
    assert_user_files(out, before)
    owned = owned_files(out, "experiment")
    assert owned == set(FILES)
    assert not owned & set(USER_FILES)
    # a rerun resumes; --fresh again removes only gpnlab's database
    again = run_experiment(SMALL, BASE, out, processes=1, fresh=True)
    assert again.ran == 4
    assert_user_files(out, before)


def test_fresh_removes_only_gpnlabs_database(tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)
    mine = add_user_files(out)
    (out / "results.duckdb.bak").write_bytes(b"my backup")
    outcome = run_experiment(tiny_spec(replicates=2), BASE, out, processes=1, fresh=True)
    assert outcome.ran == 8 and outcome.skipped == 0
    assert_user_files(out, mine)
    assert (out / "results.duckdb.bak").read_bytes() == b"my backup"
    assert len(read_tables(out)["runs"]) == 8


def test_fresh_never_removes_a_database_gpnlab_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "x"
    out.mkdir()
    write_marker(out, "experiment", ["experiment.log"])  # gpnlab's marker, but not its db
    (out / DB_NAME).write_bytes(b"the user's database")
    before = users_folder(out)
    with pytest.raises(InputError, match=f"{DB_NAME} exists and gpnlab did not write it"):
        run_experiment(SMALL, BASE, out, processes=1, fresh=True)
    assert snapshot(out) == before


def test_a_folder_of_another_command_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    out.mkdir()
    write_marker(out, "simulate", ["panel.parquet"])
    (out / "panel.parquet").write_bytes(b"simulated")
    before = users_folder(out)
    with pytest.raises(InputError, match="gpnlab simulate"):
        run_experiment(SMALL, BASE, out, processes=1, fresh=True)
    assert snapshot(out) == before


def test_out_that_is_a_file_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "results.csv"
    target.write_bytes(b"a,b\n")
    with pytest.raises(InputError, match="is a file"):
        run_experiment(SMALL, BASE, target, processes=1)
    assert target.read_bytes() == b"a,b\n"


# -- the experiment lock ----------------------------------------------------------------------


def test_a_second_driver_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)
    mine = add_user_files(out)
    db = (out / DB_NAME).read_bytes()
    with experiment_lock(out):  # what a running driver holds
        for fresh in (False, True):
            with pytest.raises(InputError) as exc:
                run_experiment(SMALL, BASE, out, processes=1, fresh=fresh)
            msg = str(exc.value)
            assert msg.startswith(f"{out}: another gpnlab process (pid {os.getpid()})"), msg
            assert "is running the experiment in this folder" in msg and "\n" not in msg
        assert (out / DB_NAME).read_bytes() == db
        assert_user_files(out, mine)
    assert run_experiment(SMALL, BASE, out, processes=1).skipped == 4  # free again


def start_driver(
    tmp_path: Path, out: Path, *extra: str, replicates: int = 8
) -> tuple[Path, subprocess.Popen[str]]:
    """``gpnlab experiment`` of 4 x ``replicates`` runs on 2 pool processes, in a session of
    its own, stdout and stderr piped."""
    spec = write_spec(tmp_path / "spec.toml", {**TINY, "periods": 10, "replicates": replicates})
    proc = subprocess.Popen(
        [*GPNLAB, "experiment", str(spec), "--out", str(out), "--processes", "2", "--no-report"]
        + list(extra),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return spec, proc


def wait_logged(out: Path, proc: subprocess.Popen[str], n: int, timeout: float = 120) -> None:
    log = out / "experiment.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and len(log.read_text().splitlines()) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the experiment ended first: {proc.communicate()}")
        time.sleep(0.01)
    pytest.fail("the experiment logged no runs")


@contextlib.contextmanager
def cleanup(proc: subprocess.Popen[str]) -> Iterator[None]:
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            proc.communicate(timeout=10)


def test_fresh_while_another_process_runs_the_experiment_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "x"
    spec, first = start_driver(tmp_path, out, replicates=100)  # runs longer than this test
    with cleanup(first):
        wait_logged(out, first, 1)
        second = subprocess.run(
            [*GPNLAB, "experiment", str(spec), "--out", str(out), "--fresh", "--no-report"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert first.poll() is None, "the first experiment ended before the second was refused"
        os.kill(first.pid, signal.SIGINT)
        _, err = first.communicate(timeout=60)
    assert second.returncode == 2, second.stderr
    errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, second.stderr
    assert f"another gpnlab process (pid {first.pid}) is running the experiment" in errors[0]
    assert str(out) in errors[0]
    assert first.returncode == 130, err
    # the running experiment's database was not touched: it holds what the first reported
    n = done_runs(out)
    assert n > 0 and f"{n} of 400 runs are stored" in err


# -- clean stops ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sig", "code", "reason"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_sigint_and_sigterm_stop_with_the_runs_stored_and_how_to_resume(
    tmp_path: Path, sig: int, code: int, reason: str
) -> None:
    out = tmp_path / "x"
    spec, proc = start_driver(tmp_path, out)
    with cleanup(proc):
        wait_logged(out, proc, 2)
        if sig == signal.SIGINT:  # Ctrl-C at a terminal: the driver and its pool processes
            os.killpg(proc.pid, sig)
        else:  # kill PID
            os.kill(proc.pid, sig)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    last = [line for line in err.splitlines() if line.strip()][-1]
    n = done_runs(out)
    assert 2 <= n < 32
    assert last.startswith(f"error: {out}: experiment stopped ({reason}); "), last
    assert f"{n} of 32 runs are stored and safe" in last
    assert f"resume with: gpnlab experiment {spec} --out {out}" in last
    assert "Traceback" not in err
    resumed = runner.invoke(app, ["experiment", str(spec), "--out", str(out), "--no-report"])
    assert resumed.exit_code == 0, resumed.output
    assert f"{n} already done" in resumed.output
    assert done_runs(out) == 32


def test_ctrl_c_with_a_dask_local_cluster_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "x"
    spec = write_spec(tmp_path / "spec.toml", {**TINY, "periods": 10, "replicates": 8})
    proc = subprocess.Popen(
        [*GPNLAB, "experiment", str(spec), "--out", str(out), "--workers", "2", "--no-report"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    with cleanup(proc):
        wait_logged(out, proc, 2)
        os.killpg(proc.pid, signal.SIGINT)  # the driver and the cluster's worker processes
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    last = [line for line in err.splitlines() if line.strip()][-1]
    assert "experiment stopped (interrupted)" in last and f"{done_runs(out)} of 32" in last


def _interrupt_during_the_export(sig: int) -> Any:
    """An export_parquet that receives ``sig`` while DuckDB runs a long query (DuckDB turns
    it into ``RuntimeError: Query interrupted``)."""

    def export(con: duckdb.DuckDBPyConnection, out: Path) -> None:
        threading.Timer(0.2, os.kill, (os.getpid(), sig)).start()
        # short queries: DuckDB may honour an interrupt only between chunks of its work
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            con.execute("SELECT sum(i) FROM range(200000000) t(i)").fetchall()
        pytest.fail("the queries were not interrupted")

    return export


@pytest.mark.parametrize(
    ("sig", "code", "reason"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_during_a_duckdb_query_is_a_clean_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sig: int, code: int, reason: str
) -> None:
    monkeypatch.setattr(execute, "export_parquet", _interrupt_during_the_export(sig))
    old = signal.getsignal(sig)
    out = tmp_path / "x"
    with pytest.raises(ExperimentStopped) as exc:
        run_experiment(tiny_spec(), BASE, out, processes=1)
    assert signal.getsignal(sig) == old  # the handler is restored
    stop = exc.value
    assert isinstance(stop, Stopped)
    assert (stop.reason, stop.exit_code, stop.stored, stop.total) == (reason, code, 12, 12)
    assert "Query interrupted" not in str(stop)
    monkeypatch.undo()
    assert done_runs(out) == 12
    assert run_experiment(tiny_spec(), BASE, out, processes=1).skipped == 12


def test_duckdbs_query_interrupted_error_is_an_interruption() -> None:
    from gpnlab.experiments.execute import _Signals, stop_reason

    query = RuntimeError("Query interrupted")
    assert stop_reason(query, _Signals()) == ("interrupted", 130)
    assert stop_reason(duckdb.InterruptException("INTERRUPT Error"), _Signals()) == (
        "interrupted",
        130,
    )
    assert stop_reason(query, _Signals(signum=signal.SIGTERM)) == ("terminated", 143)
    wrapped = duckdb.IOException("IO Error: could not write: No space left on device")
    assert stop_reason(wrapped, _Signals()) == ("disk full", 1)
    assert stop_reason(ValueError("boom\nmore"), _Signals()) == ("ValueError: boom", 1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_commit_waits_for_it_and_counts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sig: int
) -> None:
    calls = {"n": 0}

    def commit(con: duckdb.DuckDBPyConnection, results: list[Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            os.kill(os.getpid(), sig)  # handled at once, while the commit is deferred
            time.sleep(0.05)
        commit_results(con, results)

    monkeypatch.setattr(execute, "commit_results", commit)
    out = tmp_path / "x"
    with pytest.raises(Stopped) as exc:
        run_experiment(tiny_spec(), BASE, out, processes=1)
    assert exc.value.stored == 4 and calls["n"] == 2
    monkeypatch.undo()
    assert done_runs(out) == 4


def _proc_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, start time) of every process (from /proc)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        table[int(entry)] = (int(fields[1]), fields[0], fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """Live descendants of ``pid``: pid -> start time."""
    table = _proc_table()
    found: dict[int, str] = {}
    stack = [pid]
    while stack:
        parent = stack.pop()
        for child, (ppid, _, start) in table.items():
            if ppid == parent and child not in found:
                found[child] = start
                stack.append(child)
    return found


def still_alive(procs: dict[int, str]) -> list[int]:
    table = _proc_table()
    return [
        p
        for p, start in procs.items()
        if p in table and table[p][1] not in ("Z", "X") and table[p][2] == start
    ]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigkill_of_the_driver_leaves_no_process_behind(tmp_path: Path) -> None:
    out = tmp_path / "x"
    _, proc = start_driver(tmp_path, out)
    with cleanup(proc):
        wait_logged(out, proc, 1)
        family = descendants(proc.pid)
        assert len(family) >= 3, family  # resource tracker, forkserver, pool workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while still_alive(family) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = still_alive(family)
        for p in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
    assert not left, f"processes left behind by the killed driver: {left}"


def test_a_stop_ends_the_pool_workers_at_once(tmp_path: Path) -> None:
    out = tmp_path / "x"
    _, proc = start_driver(tmp_path, out, replicates=40)
    with cleanup(proc):
        wait_logged(out, proc, 1)
        family = descendants(proc.pid)
        t0 = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
        took = time.monotonic() - t0
        deadline = time.monotonic() + 5
        while still_alive(family) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not still_alive(family)
    assert proc.returncode == 143 and took < 10


# -- a full disk --------------------------------------------------------------------------------


def _full_after(calls: int, error: BaseException) -> Any:
    n = {"calls": 0}

    def commit(con: duckdb.DuckDBPyConnection, results: list[Any]) -> None:
        n["calls"] += 1
        if n["calls"] > calls:
            raise error
        commit_results(con, results)

    return commit


DISK_ERRORS = [
    duckdb.IOException('IO Error: Could not write file "x.wal": No space left on device'),
    duckdb.TransactionException(
        'TransactionContext Error: Failed to commit: Could not write file "results.duckdb.wal": '
        "No space left on device"
    ),
    OSError(errno.ENOSPC, "No space left on device"),
]


@pytest.mark.parametrize("error", DISK_ERRORS, ids=["io", "commit", "oserror"])
def test_disk_full_during_a_commit_keeps_the_stored_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    monkeypatch.setattr(execute, "commit_results", _full_after(2, error))
    out = tmp_path / "x"
    with pytest.raises(Stopped) as exc:
        run_experiment(tiny_spec(), BASE, out, processes=1)
    msg = str(exc.value)
    assert exc.value.reason == "disk full" and exc.value.exit_code == 1
    assert "disk full" in msg and "4 of 12 runs are stored and safe" in msg
    assert "free disk space" in msg and "rollback" not in msg and "\n" not in msg
    monkeypatch.undo()
    assert done_runs(out) == 4
    assert run_experiment(tiny_spec(), BASE, out, processes=1).skipped == 4


class _FailingCommit:
    """A connection whose COMMIT fails as DuckDB's does on a full disk (the transaction is
    gone, so a ROLLBACK after it fails too)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def commit(self) -> None:
        self._con.rollback()
        raise DISK_ERRORS[1]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def test_a_failed_commit_raises_the_disk_error_not_cannot_rollback(tmp_path: Path) -> None:
    from gpnlab.experiments.design import build_runs
    from gpnlab.experiments.worker import run_batch

    spec = tiny_spec(replicates=1)
    runs = build_runs(spec)
    con = store.open_store(tmp_path, spec, BASE, runs)
    try:
        results = run_batch(spec, BASE, runs[:2])
        with pytest.raises(duckdb.TransactionException, match="No space left on device"):
            commit_results(_FailingCommit(con), results)  # type: ignore[arg-type]
        assert store.count_done(con) == 0
        commit_results(con, results)  # the connection is still usable
        assert store.count_done(con) == 2
    finally:
        con.close()


def test_disk_full_while_exporting_parquet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if str(dst).endswith(".parquet"):
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        real(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    out = tmp_path / "x"
    with pytest.raises(Stopped, match="12 of 12 runs are stored and safe") as exc:
        run_experiment(tiny_spec(), BASE, out, processes=1)
    assert exc.value.reason == "disk full"
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]  # no half-written export
    monkeypatch.undo()
    again = run_experiment(tiny_spec(), BASE, out, processes=1)
    assert again.skipped == 12 and (out / "runs.parquet").exists()


class _FullLog(io.StringIO):
    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_writing_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(execute, "open_log", lambda folder: _FullLog())
    out = tmp_path / "x"
    with pytest.raises(Stopped, match="2 of 12 runs are stored and safe") as exc:
        run_experiment(tiny_spec(), BASE, out, processes=1)
    assert exc.value.reason == "disk full"
    assert done_runs(out) == 2  # the batch committed before its log line failed


def test_disk_full_on_the_command_line_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(execute, "commit_results", _full_after(1, DISK_ERRORS[1]))
    spec = write_spec(tmp_path / "spec.toml", TINY)
    out = tmp_path / "x"
    result = runner.invoke(
        app, ["experiment", str(spec), "--out", str(out), "--processes", "1", "--no-report"]
    )
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "disk full" in errors[0] and "2 of 12 runs are stored and safe" in errors[0]
    assert "rollback" not in result.output and "Traceback" not in result.output


def test_disk_full_while_writing_the_folders_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpnlab import outdir

    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)

    def full(folder: Path, command: str, files: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outdir, "write_marker", full)
    with pytest.raises(Stopped, match="4 of 4 runs are stored and safe") as exc:
        run_experiment(SMALL, BASE, out, processes=1)
    assert exc.value.reason == "disk full"


def _can_mount() -> bool:
    return (
        sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None
    )


@pytest.mark.skipif(not _can_mount(), reason="a real full disk needs root to mount a tmpfs")
def test_a_really_full_disk_keeps_the_stored_runs(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        out = disk / "x"
        spec = tiny_spec(replicates=20)
        with pytest.raises(Stopped) as exc:
            run_experiment(spec, BASE, out, processes=1)
        stop = exc.value
        assert stop.reason == "disk full" and 0 < stop.stored < 80, str(stop)
        assert "rollback" not in str(stop)
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        assert done_runs(out) == stop.stored
        again = run_experiment(spec, BASE, out, processes=1)
        assert again.skipped == stop.stored and done_runs(out) == 80
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


# -- damaged or locked databases ---------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_database_says_so_and_how_to_start_over(tmp_path: Path, damage: str) -> None:
    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)
    db = out / DB_NAME
    (out / (DB_NAME + ".wal")).unlink(missing_ok=True)
    body = db.read_bytes()
    db.write_bytes({"truncated": body[:5000], "garbage": os.urandom(20000), "empty": b""}[damage])
    mine = add_user_files(out)
    damaged = db.read_bytes()
    with pytest.raises(InputError) as exc:
        run_experiment(SMALL, BASE, out, processes=1)
    msg = str(exc.value)
    assert msg.startswith(f"{db}: the results database is damaged or not a DuckDB file"), msg
    assert "--fresh" in msg and "another folder" in msg and "close other programs" not in msg
    assert db.read_bytes() == damaged
    assert_user_files(out, mine)
    with pytest.raises(InputError, match="damaged or not a DuckDB file"):
        read_tables(out)  # gpnlab report says the same
    assert run_experiment(SMALL, BASE, out, processes=1, fresh=True).ran == 4
    assert_user_files(out, mine)


def test_a_damaged_database_on_the_command_line_exits_2(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "spec.toml", {**TINY, "replicates": 1})
    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)
    (out / DB_NAME).write_bytes(b"\0" * 100)
    result = runner.invoke(app, ["experiment", str(spec), "--out", str(out), "--no-report"])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "damaged or not a DuckDB file" in errors[0], result.output


def test_a_database_held_by_another_program_says_so(tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', "
            "flush=True); time.sleep(60)",
            str(out / DB_NAME),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(InputError) as exc:
            run_experiment(SMALL, BASE, out, processes=1)
    finally:
        holder.kill()
        holder.wait()
    msg = str(exc.value)
    assert f"another program (pid {holder.pid}) has the results database open" in msg, msg
    assert "close the program" in msg and "damaged" not in msg


def test_a_database_whose_creation_never_committed_is_created_again(tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_experiment(SMALL, BASE, out, processes=1)
    for name in (DB_NAME, DB_NAME + ".wal"):
        (out / name).unlink(missing_ok=True)
    duckdb.connect(str(out / DB_NAME)).close()  # a driver killed while creating the tables
    with pytest.raises(InputError, match="holds no experiment"):
        read_tables(out)
    assert run_experiment(SMALL, BASE, out, processes=1).ran == 4


# -- run-count and memory bounds -------------------------------------------------------------


HUGE: dict[str, object] = {
    **TINY,
    "firms": 1500,
    "periods": 400,
    "replicates": 50_000,
    "parameters": {"mechanisms.transfer_rate": {"levels": [0.005 * i for i in range(1, 21)]}},
}  # 20 levels x 2 regimes x 1 focal x 50,000 replicates = 2,000,000 runs


class _Drawn(Exception):
    pass


def _no_design(spec: Any) -> Any:
    raise _Drawn("the design was drawn")


def test_two_million_runs_do_not_start_without_yes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tiny_spec(**HUGE)
    assert count_runs(spec) == 2_000_000
    monkeypatch.setattr(execute, "design_points", _no_design)
    out = tmp_path / "huge"
    t0 = time.perf_counter()
    with pytest.raises(ResourceError) as exc:
        run_experiment(spec, BASE, out, processes=2, where="huge.toml")
    assert time.perf_counter() - t0 < 5
    msg = str(exc.value)
    assert msg.startswith("huge.toml: 2,000,000 runs would take about "), msg
    assert "hours on 2 worker(s)" in msg and "--yes" in msg
    assert not out.exists()
    with pytest.raises(_Drawn):  # --yes lets it go on to the design
        run_experiment(spec, BASE, out, processes=2, yes=True)
    assert not out.exists()


def test_two_million_runs_beyond_the_memory_limit_are_refused_with_the_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tiny_spec(**HUGE)
    monkeypatch.setattr(execute, "design_points", _no_design)
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "64M")
    with pytest.raises(ResourceError) as exc:
        run_experiment(spec, BASE, tmp_path / "huge", processes=2, yes=True)
    msg = str(exc.value)
    assert "2,000,000 runs" in msg and "needs about" in msg and "64.0 MiB" in msg, msg
    assert not (tmp_path / "huge").exists()


def test_a_huge_spec_on_the_command_line_asks_for_yes(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "huge.toml", HUGE)
    out = tmp_path / "huge"
    result = runner.invoke(
        app, ["experiment", str(spec), "--out", str(out), "--processes", "2", "--no-report"]
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "2,000,000 runs would take about" in errors[0] and "--yes" in errors[0]
    assert not out.exists()


def test_stopped_carries_the_exit_code_and_resume_command(tmp_path: Path) -> None:
    stop = Stopped(
        "terminated",
        3,
        10,
        tmp_path,
        exit_code=143,
        resume=f"gpnlab experiment s.toml --out {tmp_path}",
    )
    assert isinstance(stop, ExperimentStopped) and stop.exit_code == 143
    assert str(stop) == (
        f"{tmp_path}: experiment stopped (terminated); 3 of 10 runs are stored and safe; "
        f"resume with: gpnlab experiment s.toml --out {tmp_path}"
    )


# -- folders from before output markers ------------------------------------------------------


def _legacy(tmp_path: Path) -> Path:
    """An experiment folder as gpnlab wrote it before markers: no marker, no lock file."""
    out = tmp_path / "old"
    run_experiment(SMALL, BASE, out, processes=1)
    (out / "tables").mkdir()
    (out / "tables" / "summary.csv").write_text("a\n1\n")
    (out / "report.html").write_text("<html></html>")
    (out / MARKER).unlink()
    (out / LOCK_NAME).unlink()
    return out


def test_a_folder_from_before_markers_is_adopted_and_resumes(tmp_path: Path) -> None:
    out = _legacy(tmp_path)
    outcome = run_experiment(SMALL, BASE, out, processes=1)
    assert outcome.skipped == outcome.total and outcome.ran == 0
    assert "tables/summary.csv" in owned_files(out, "experiment")


def test_a_folder_from_before_markers_with_a_users_file_is_not_adopted(tmp_path: Path) -> None:
    out = _legacy(tmp_path)
    before = snapshot(out) | users_folder(out)
    with pytest.raises(InputError, match="did not write"):
        run_experiment(SMALL, BASE, out, processes=1)
    assert snapshot(out) == before
    assert not (out / MARKER).exists()
