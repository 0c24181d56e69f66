"""Results store: one embedded DuckDB database per experiment (``DIR/results.duckdb``).

Tables:

* ``meta(key, value)`` -- the spec (JSON), its digest, the base world (JSON), gpnlab version;
* ``runs`` -- run id, design point, regime, focal country, replicate, seed, one column per
  parameter, ``params`` (JSON), ``status`` (pending | done | failed), wall time, error, attempts;
* ``panel`` -- (run_id, period, country, kept outcome columns);
* ``stages`` -- (run_id, period, stage, country, output, value_added, taxes, firms): value
  added at basic prices, taxes on products paid (tariffs).

Each finished run's outputs and its status change commit in one transaction, so a killed
experiment never holds half a run: DuckDB replays only committed transactions from its
write-ahead log. Only the driver process writes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from gpnlab import __version__
from gpnlab.errors import InputError
from gpnlab.experiments.design import RunSpec
from gpnlab.experiments.spec import Spec
from gpnlab.experiments.worker import RunResult
from gpnlab.simulate.config import World

DB_NAME = "results.duckdb"
TABLES = ("runs", "panel", "stages", "metrics")


def _q(name: str) -> str:
    """Quote an identifier (parameter names contain dots)."""
    return '"' + name.replace('"', '""') + '"'


def _create_tables(
    con: duckdb.DuckDBPyConnection, spec: Spec, base: World, runs: list[RunSpec]
) -> None:
    pcols = "".join(f", {_q(n)} DOUBLE" for n in spec.parameters)
    ocols = ", ".join(f"{_q(c)} DOUBLE" for c in spec.outputs.columns)
    con.begin()
    con.execute("CREATE TABLE meta(key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(
        "CREATE TABLE runs(run_id INTEGER PRIMARY KEY, point INTEGER, regime VARCHAR, "
        f"focal VARCHAR, replicate INTEGER, seed BIGINT{pcols}, params VARCHAR, "
        "status VARCHAR, wall_s DOUBLE, error VARCHAR, attempts INTEGER)"
    )
    con.execute(f"CREATE TABLE panel(run_id INTEGER, period INTEGER, country VARCHAR, {ocols})")
    con.execute(
        "CREATE TABLE metrics(run_id INTEGER, metric VARCHAR, period INTEGER, "
        '"group" VARCHAR, value DOUBLE)'
    )
    con.execute(
        "CREATE TABLE stages(run_id INTEGER, period INTEGER, stage VARCHAR, country VARCHAR, "
        "output DOUBLE, value_added DOUBLE, taxes DOUBLE, firms INTEGER)"
    )
    meta = {
        "spec": json.dumps(spec.model_dump(mode="json"), sort_keys=True),
        "digest": spec.digest(),
        "base_world": json.dumps(base.model_dump(mode="json"), sort_keys=True),
        "gpnlab_version": __version__,
    }
    con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    rows = pd.DataFrame(
        {
            "run_id": [r.run_id for r in runs],
            "point": [r.point for r in runs],
            "regime": [r.regime for r in runs],
            "focal": [r.focal for r in runs],
            "replicate": [r.replicate for r in runs],
            "seed": [r.seed for r in runs],
            **{n: [dict(r.params)[n] for r in runs] for n in spec.parameters},
            "params": [json.dumps(dict(r.params)) for r in runs],
        }
    )
    con.register("new_runs", rows)
    cols = ", ".join(_q(c) for c in rows.columns)
    con.execute(
        f"INSERT INTO runs ({cols}, status, wall_s, error, attempts) "
        f"SELECT {cols}, 'pending', NULL, NULL, 0 FROM new_runs"
    )
    con.unregister("new_runs")
    con.commit()


def _create(con: duckdb.DuckDBPyConnection, spec: Spec, base: World, runs: list[RunSpec]) -> None:
    """Create the tables and the pending runs in one transaction (nothing if it fails)."""
    try:
        _create_tables(con, spec, base, runs)
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


LOCK_HELD = ("Could not set lock", "Conflicting lock")
DISK_FULL = ("No space left on device", "Disk quota exceeded", "disk is full", "out of disk space")


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the disk is full: an
    ``OSError`` with errno ENOSPC / EDQUOT, or a DuckDB error whose message says so."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(exc, (duckdb.Error, OSError)) and any(m in str(exc) for m in DISK_FULL):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


FIX_DAMAGED = (
    "run again with --fresh to start over (it removes only gpnlab's own files), "
    "or give --out another folder"
)


def _cannot_open(
    exc: duckdb.Error, path: Path, *, field: str, fix_lock: str, fix_damaged: str = FIX_DAMAGED
) -> InputError:
    """One line for a database that will not open: held by another program, or damaged."""
    text = _first_line(exc)
    if any(m in text for m in LOCK_HELD):
        pid = re.search(r"\(PID (\d+)\)", text)
        who = f"another program (pid {pid.group(1)})" if pid else "another program"
        return InputError(
            f"{who} has the results database open", where=str(path), field=field, fix=fix_lock
        )
    if "Permission denied" in text:
        return InputError(
            "cannot open the results database (permission denied)",
            where=str(path),
            field=field,
            fix="choose a folder you can write to",
        )
    return InputError(
        f"the results database is damaged or not a DuckDB file ({text})",
        where=str(path),
        field=field,
        fix=fix_damaged,
    )


def _has_meta(con: duckdb.DuckDBPyConnection) -> bool:
    (n,) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone() or (0,)
    return bool(n)


def connect_store(
    path: Path,
    *,
    other_tables: str,
    create: Callable[[duckdb.DuckDBPyConnection], None],
    fix_lock: str,
) -> tuple[duckdb.DuckDBPyConnection, dict[str, str] | None]:
    """Open the results database at ``path`` for writing: a new (or never committed) one is
    created by ``create`` and returned with ``None``; one with gpnlab's ``meta`` table is
    returned with its stored meta, for the caller to check that it may resume; one with other
    tables only is refused (``other_tables``: the message).

    A database that will not open is one line: held by another program (``fix_lock``), or
    damaged / not a DuckDB file / holding other tables (``--fresh`` or another ``--out``). A
    full disk is raised as it is (the caller reports it)."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        if is_disk_full(exc):
            raise
        raise _cannot_open(exc, path, field="--out", fix_lock=fix_lock) from None
    try:
        if not _has_meta(con):
            if con.execute("SELECT count(*) FROM information_schema.tables").fetchone() != (0,):
                raise InputError(
                    other_tables,
                    where=str(path),
                    field="--out",
                    fix=FIX_DAMAGED,
                )
            create(con)
            return con, None
        return con, dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.Error as exc:
        con.close()
        if is_disk_full(exc):
            raise
        raise _cannot_open(exc, path, field="--out", fix_lock=fix_lock) from None
    except BaseException:
        con.close()
        raise


def open_store(
    out: Path, spec: Spec, base: World, runs: list[RunSpec]
) -> duckdb.DuckDBPyConnection:
    """Create ``out/results.duckdb`` or reopen it to resume (the spec must be the same).

    A database that will not open is one line: held by another program (close it), or damaged
    / not a DuckDB file (``--fresh`` or another ``--out``). A database whose creation never
    committed (the driver was killed while creating it) holds no tables and is created again.
    A full disk is raised as it is (the caller reports it).
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the output folder ({exc.strerror})",
            where=str(out),
            field="--out",
            fix="choose a folder you can write to",
        ) from None
    fix_lock = (
        "close the program that has it open (a DuckDB shell, a notebook), "
        "or give --out another folder"
    )
    path = out / DB_NAME
    con, stored = connect_store(
        path,
        other_tables="the results database holds tables but no experiment",
        create=lambda con: _create(con, spec, base, runs),
        fix_lock=fix_lock,
    )
    if stored is None:
        return con
    if stored.get("digest") != spec.digest():
        con.close()
        raise InputError(
            "the folder holds a different experiment",
            where=str(path),
            field="--out",
            fix="choose another --out, or --fresh to discard the stored runs",
        )
    # a run is a pure function of (config, seed, version): stored runs of another base world
    # or another gpnlab version are not resumed into this one
    world_now = json.dumps(base.model_dump(mode="json"), sort_keys=True)
    version = stored.get("gpnlab_version")
    if stored.get("base_world") != world_now or version != __version__:
        con.close()
        what = (
            f"gpnlab {version}, this is {__version__}"
            if version != __version__
            else "another base world (the config or preset changed since)"
        )
        raise InputError(
            f"the stored runs were made by {what}",
            where=str(path),
            field="--out",
            fix="run again with --fresh to redo them (it removes only gpnlab's own files), "
            "or give --out another folder",
        )
    return con


def count_done(con: duckdb.DuckDBPyConnection) -> int:
    """Runs stored as done."""
    (n,) = con.execute("SELECT count(*) FROM runs WHERE status = 'done'").fetchone() or (0,)
    return int(n)


def pending_runs(con: duckdb.DuckDBPyConnection, runs: list[RunSpec]) -> list[RunSpec]:
    """Runs not yet done (pending, failed, or in flight when the last driver was killed)."""
    done = {r for (r,) in con.execute("SELECT run_id FROM runs WHERE status = 'done'").fetchall()}
    return [r for r in runs if r.run_id not in done]


def commit_results(con: duckdb.DuckDBPyConnection, results: list[RunResult]) -> None:
    """Store a batch of finished runs: outputs and status in one transaction."""
    ids = [r.run_id for r in results]
    panels = [r.panel for r in results if r.panel is not None]
    stages = [r.stages for r in results if r.stages is not None]
    metrics = [r.metrics for r in results if r.metrics is not None]
    con.begin()
    try:
        con.execute("DELETE FROM panel WHERE run_id IN (SELECT unnest(?))", [ids])
        con.execute("DELETE FROM stages WHERE run_id IN (SELECT unnest(?))", [ids])
        con.execute("DELETE FROM metrics WHERE run_id IN (SELECT unnest(?))", [ids])
        if metrics:
            con.register("new_metrics", pd.concat(metrics, ignore_index=True))
            con.execute("INSERT INTO metrics SELECT * FROM new_metrics")
            con.unregister("new_metrics")
        if panels:
            con.register("new_panel", pd.concat(panels, ignore_index=True))
            con.execute("INSERT INTO panel SELECT * FROM new_panel")
            con.unregister("new_panel")
        if stages:
            con.register("new_stages", pd.concat(stages, ignore_index=True))
            con.execute(
                "INSERT INTO stages SELECT run_id, period, stage, country, output, value_added, "
                "taxes, firms FROM new_stages"
            )
            con.unregister("new_stages")
        status = pd.DataFrame(
            {
                "run_id": np.array(ids, dtype=np.int32),
                "status": [r.status for r in results],
                "wall_s": np.array([r.wall_s for r in results], dtype=np.float64),
                "error": pd.Series([r.error or None for r in results], dtype=object),
            }
        )
        con.register("new_status", status)  # one statement for the batch, not one per run
        con.execute(
            "UPDATE runs SET status = u.status, wall_s = u.wall_s, error = u.error, "
            "attempts = runs.attempts + 1 FROM new_status AS u WHERE runs.run_id = u.run_id"
        )
        con.unregister("new_status")
        con.commit()
    except BaseException:
        # a failed COMMIT (e.g. disk full) has already ended the transaction: rolling back
        # again would only replace the real error with "cannot rollback"
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _read_only(out: Path) -> duckdb.DuckDBPyConnection:
    path = out / DB_NAME
    if not path.exists():
        raise InputError(
            "no results database", where=str(out), field="DIR", fix="run gpnlab experiment first"
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            ok = _has_meta(con)
        except BaseException:
            con.close()
            raise
        if ok:
            return con
        con.close()
    except duckdb.Error as exc:
        err = _cannot_open(
            exc,
            path,
            field="DIR",
            fix_lock="wait for the running experiment to finish (it holds the database) or stop it",
            fix_damaged="run the experiment again with --fresh, or restore the folder",
        )
        if "has the results database open" in err.what:
            raise InputError(
                f"cannot read the results database ({type(exc).__name__})",
                where=str(path),
                field="DIR",
                fix=err.fix,
            ) from None
        raise err from None
    raise InputError(
        "the results database holds no experiment (its creation did not finish)",
        where=str(path),
        field="DIR",
        fix="run gpnlab experiment again into this folder",
    )


def read_meta(out: Path) -> tuple[Spec, World]:
    """The spec and base world an experiment folder was run with."""
    from gpnlab.experiments.spec import spec_from_dict
    from gpnlab.simulate.config import world_from_dict

    with _read_only(out) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    where = str(out / DB_NAME)
    return (
        spec_from_dict(json.loads(meta["spec"]), where=where),
        world_from_dict(json.loads(meta["base_world"]), where=where),
    )


def read_tables(out: Path) -> dict[str, pd.DataFrame]:
    """runs, panel and stages as DataFrames, ordered by run id (panel/stages: done runs only)."""
    with _read_only(out) as con:
        return {
            "runs": con.execute("SELECT * FROM runs ORDER BY run_id").df(),
            "panel": con.execute(
                "SELECT p.* FROM panel p JOIN runs r USING (run_id) WHERE r.status = 'done' "
                "ORDER BY run_id, period, country"
            ).df(),
            "stages": con.execute(
                "SELECT s.* FROM stages s JOIN runs r USING (run_id) WHERE r.status = 'done' "
                "ORDER BY run_id, period, country, stage"
            ).df(),
            "metrics": con.execute(
                "SELECT m.* FROM metrics m JOIN runs r USING (run_id) WHERE r.status = 'done' "
                'ORDER BY run_id, metric, period, "group"'
            ).df()
            if _has_table(con, "metrics")  # stores written before gpnlab validate have none
            else pd.DataFrame(columns=["run_id", "metric", "period", "group", "value"]),
        }


def export_parquet(con: duckdb.DuckDBPyConnection, out: Path) -> list[Path]:
    """Write runs/panel/stages to ``out/<table>.parquet`` (temp file, then rename)."""
    paths = []
    for name in TABLES:
        final = out / f"{name}.parquet"
        tmp = out / f".{name}.parquet.tmp-{os.getpid()}"
        target = tmp.as_posix().replace("'", "''")
        try:
            con.execute(f"COPY (SELECT * FROM {name} ORDER BY ALL) TO '{target}' (FORMAT parquet)")
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        paths.append(final)
    return paths
