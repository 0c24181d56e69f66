"""Results store: one embedded DuckDB database per experiment (``DIR/results.duckdb``).

Tables:

* ``meta(key, value)`` -- the spec (JSON), its digest, the base world (JSON), gpnlab version;
* ``runs`` -- run id, design point, regime, focal country, replicate, seed, one column per
  parameter, ``params`` (JSON), ``status`` (pending | done | failed), wall time, error, attempts;
* ``panel`` -- (run_id, period, country, kept outcome columns);
* ``stages`` -- (run_id, period, stage, country, output, value_added, firms).

Each finished run's outputs and its status change commit in one transaction, so a killed
experiment never holds half a run: DuckDB replays only committed transactions from its
write-ahead log. Only the driver process writes.
"""

from __future__ import annotations

import json
import os
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
TABLES = ("runs", "panel", "stages")


def _q(name: str) -> str:
    """Quote an identifier (parameter names contain dots)."""
    return '"' + name.replace('"', '""') + '"'


def _create(con: duckdb.DuckDBPyConnection, spec: Spec, base: World, runs: list[RunSpec]) -> None:
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
        "CREATE TABLE stages(run_id INTEGER, period INTEGER, stage VARCHAR, country VARCHAR, "
        "output DOUBLE, value_added DOUBLE, firms INTEGER)"
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


def open_store(
    out: Path, spec: Spec, base: World, runs: list[RunSpec]
) -> duckdb.DuckDBPyConnection:
    """Create ``out/results.duckdb`` or reopen it to resume (the spec must be the same)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the output folder ({exc.strerror})",
            where=str(out),
            field="--out",
            fix="choose a folder you can write to",
        ) from None
    path = out / DB_NAME
    fresh = not path.exists()
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise InputError(
            f"cannot open the results database ({exc})".replace("\n", " "),
            where=str(path),
            field="--out",
            fix="close other programs using it or choose another --out",
        ) from None
    if fresh:
        try:
            _create(con, spec, base, runs)
        except BaseException:
            con.close()
            path.unlink(missing_ok=True)
            Path(str(path) + ".wal").unlink(missing_ok=True)
            raise
        return con
    row = con.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()
    if row is None or row[0] != spec.digest():
        con.close()
        raise InputError(
            "the folder holds a different experiment",
            where=str(path),
            field="--out",
            fix="choose another --out, or --fresh to discard the stored runs",
        )
    return con


def pending_runs(con: duckdb.DuckDBPyConnection, runs: list[RunSpec]) -> list[RunSpec]:
    """Runs not yet done (pending, failed, or in flight when the last driver was killed)."""
    done = {r for (r,) in con.execute("SELECT run_id FROM runs WHERE status = 'done'").fetchall()}
    return [r for r in runs if r.run_id not in done]


def commit_results(con: duckdb.DuckDBPyConnection, results: list[RunResult]) -> None:
    """Store a batch of finished runs: outputs and status in one transaction."""
    ids = [r.run_id for r in results]
    panels = [r.panel for r in results if r.panel is not None]
    stages = [r.stages for r in results if r.stages is not None]
    con.begin()
    try:
        con.execute("DELETE FROM panel WHERE run_id IN (SELECT unnest(?))", [ids])
        con.execute("DELETE FROM stages WHERE run_id IN (SELECT unnest(?))", [ids])
        if panels:
            con.register("new_panel", pd.concat(panels, ignore_index=True))
            con.execute("INSERT INTO panel SELECT * FROM new_panel")
            con.unregister("new_panel")
        if stages:
            con.register("new_stages", pd.concat(stages, ignore_index=True))
            con.execute("INSERT INTO stages SELECT * FROM new_stages")
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
        con.rollback()
        raise


def _read_only(out: Path) -> duckdb.DuckDBPyConnection:
    path = out / DB_NAME
    if not path.exists():
        raise InputError(
            "no results database", where=str(out), field="DIR", fix="run gpnlab experiment first"
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputError(
            f"cannot read the results database ({type(exc).__name__})",
            where=str(path),
            field="DIR",
            fix="wait for the running experiment to finish (it holds the database) or stop it",
        ) from None


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
        }


def export_parquet(con: duckdb.DuckDBPyConnection, out: Path) -> list[Path]:
    """Write runs/panel/stages to ``out/<table>.parquet`` (temp file, then rename)."""
    paths = []
    for name in TABLES:
        final = out / f"{name}.parquet"
        tmp = out / f".{name}.parquet.tmp-{os.getpid()}"
        target = tmp.as_posix().replace("'", "''")
        con.execute(f"COPY (SELECT * FROM {name} ORDER BY ALL) TO '{target}' (FORMAT parquet)")
        os.replace(tmp, final)
        paths.append(final)
    return paths
