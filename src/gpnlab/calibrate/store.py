"""Calibration store: one DuckDB database per calibration (``DIR/calibration.duckdb``).

Tables (in the style of :mod:`gpnlab.experiments.store`: only the driver writes, one
transaction per finished trial, so a killed calibration never holds half a trial):

* ``meta(key, value)`` -- the spec (JSON), its digest, the base world, gpnlab version, the
  moments and their targets, the weighting matrix once it is fixed;
* ``trials`` -- (phase, number): ``phase`` is ``screen`` (Morris), ``search`` (optuna's trial
  number) or ``profile`` (diagnostics); batch, params (JSON and one column each), J, status,
  wall time, error, the sampler's system attributes (JSON, to rebuild the optuna study);
* ``moments`` -- (phase, number, seed_index, moment, value): the moments of each seed's run;
* ``annual`` -- (phase, number, seed_index, country, year, quantity, value): the simulated
  annual paths of the mapped archetypes (the report's paths and out-of-sample statistics).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from gpnlab import __version__
from gpnlab.calibrate.spec import CalibrationSpec
from gpnlab.errors import InputError
from gpnlab.experiments.store import _q, connect_store
from gpnlab.simulate.config import World

DB_NAME = "calibration.duckdb"


@dataclass
class TrialRecord:
    phase: str
    number: int
    batch: int
    params: dict[str, float]
    status: str  # "done" | "failed"
    wall_s: float
    moments: np.ndarray  # (R, K)
    annual: pd.DataFrame | None  # seed_index, country, year, quantity, value
    J: float | None = None
    error: str = ""
    system_attrs: str = "{}"


def _create(con: duckdb.DuckDBPyConnection, spec: CalibrationSpec, base: World) -> None:
    pcols = "".join(f", {_q(n)} DOUBLE" for n in spec.parameters)
    con.begin()
    try:
        con.execute("CREATE TABLE meta(key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute(
            "CREATE TABLE trials(phase VARCHAR, number INTEGER, batch INTEGER, params VARCHAR"
            f"{pcols}, J DOUBLE, status VARCHAR, wall_s DOUBLE, error VARCHAR, "
            "system_attrs VARCHAR, PRIMARY KEY (phase, number))"
        )
        con.execute(
            "CREATE TABLE moments(phase VARCHAR, number INTEGER, seed_index INTEGER, "
            "moment INTEGER, value DOUBLE)"
        )
        con.execute(
            "CREATE TABLE annual(phase VARCHAR, number INTEGER, seed_index INTEGER, "
            "country VARCHAR, year INTEGER, quantity VARCHAR, value DOUBLE)"
        )
        meta = {
            "spec": spec_json(spec),
            "digest": spec.digest(),
            "base_world": json.dumps(base.model_dump(mode="json"), sort_keys=True),
            "gpnlab_version": __version__,
        }
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def open_store(out: Path, spec: CalibrationSpec, base: World) -> duckdb.DuckDBPyConnection:
    """Create ``out/calibration.duckdb`` or reopen it to resume (same spec, world, version)."""
    path = out / DB_NAME
    con, stored = connect_store(
        path,
        other_tables="the database holds tables but no calibration",
        create=lambda con: _create(con, spec, base),
        fix_lock="close the program that has it open, or give --out another folder",
    )
    if stored is None:
        return con
    world_now = json.dumps(base.model_dump(mode="json"), sort_keys=True)
    problem = ""
    if stored.get("digest") != spec.digest():
        problem = "the folder holds a different calibration (the spec changed)"
    elif stored.get("base_world") != world_now:
        problem = "the stored trials were made with another base world"
    elif stored.get("gpnlab_version") != __version__:
        problem = f"the stored trials were made by gpnlab {stored.get('gpnlab_version')}"
    if problem:
        con.close()
        raise InputError(
            problem,
            where=str(path),
            field="--out",
            fix="give another --out, or --fresh to discard the stored trials",
        )
    # the same calibration; fields outside the digest (search.trials, diagnostics.jacobian_span)
    # may differ: the stored spec is the one this run reads its stored trials with
    set_meta(con, "spec", spec_json(spec))
    return con


def spec_json(spec: CalibrationSpec) -> str:
    """The spec as stored in ``meta`` (JSON, keys sorted)."""
    return json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True)


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def commit_trial(con: duckdb.DuckDBPyConnection, spec: CalibrationSpec, t: TrialRecord) -> None:
    """Store one new finished trial (its row, its moments per seed, its annual paths) in one
    transaction (a trial is run only if it is not stored: the primary key refuses a repeat)."""
    names = list(spec.parameters)
    con.begin()
    try:
        cols = ", ".join(
            [
                "phase",
                "number",
                "batch",
                "params",
                *map(_q, names),
                "J",
                "status",
                "wall_s",
                "error",
                "system_attrs",
            ]
        )
        values = [
            t.phase,
            t.number,
            t.batch,
            json.dumps(t.params, sort_keys=True),
            *[t.params.get(n) for n in names],
            None if t.J is None or not np.isfinite(t.J) else float(t.J),
            t.status,
            t.wall_s,
            t.error or None,
            t.system_attrs,
        ]
        marks = ", ".join("?" * len(values))
        con.execute(f"INSERT INTO trials ({cols}) VALUES ({marks})", values)
        R, K = t.moments.shape
        mom = pd.DataFrame(
            {
                "phase": t.phase,
                "number": np.int32(t.number),
                "seed_index": np.repeat(np.arange(R, dtype=np.int32), K),
                "moment": np.tile(np.arange(K, dtype=np.int32), R),
                "value": t.moments.reshape(-1),
            }
        )
        con.register("new_moments", mom)
        con.execute("INSERT INTO moments SELECT * FROM new_moments")
        con.unregister("new_moments")
        if t.annual is not None and len(t.annual):
            a = t.annual.assign(phase=t.phase, number=np.int32(t.number))
            a = a[["phase", "number", "seed_index", "country", "year", "quantity", "value"]]
            con.register("new_annual", a)
            con.execute("INSERT INTO annual SELECT * FROM new_annual")
            con.unregister("new_annual")
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def set_objective(con: duckdb.DuckDBPyConnection, phase: str, values: dict[int, float]) -> None:
    """Record J of stored trials (once W is fixed)."""
    con.begin()
    try:
        for number, J in values.items():
            con.execute(
                "UPDATE trials SET J = ? WHERE phase = ? AND number = ?",
                [None if not np.isfinite(J) else float(J), phase, number],
            )
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise


def stored_trials(con: duckdb.DuckDBPyConnection, phase: str) -> pd.DataFrame:
    return con.execute("SELECT * FROM trials WHERE phase = ? ORDER BY number", [phase]).df()


def stored_moments(
    con: duckdb.DuckDBPyConnection, phase: str, R: int, K: int
) -> dict[int, np.ndarray]:
    """number -> (R, K) moments of the stored trials of ``phase``."""
    df = con.execute(
        "SELECT number, seed_index, moment, value FROM moments WHERE phase = ?", [phase]
    ).df()
    out: dict[int, np.ndarray] = {}
    for number, g in df.groupby("number"):
        m = np.full((R, K), np.nan)
        m[g["seed_index"].to_numpy(), g["moment"].to_numpy()] = g["value"].to_numpy()
        out[int(str(number))] = m
    return out


def read_store(folder: Path) -> dict[str, pd.DataFrame | dict[str, str]]:
    """Every table of a calibration folder (read-only), for the report and notebooks."""
    path = folder / DB_NAME
    if not path.exists():
        raise InputError(
            "no calibration database",
            where=str(folder),
            field="DIR",
            fix="run gpnlab calibrate first",
        )
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            "meta": dict(con.execute("SELECT key, value FROM meta").fetchall()),
            "trials": con.execute("SELECT * FROM trials ORDER BY phase, number").df(),
            "moments": con.execute("SELECT * FROM moments ORDER BY ALL").df(),
            "annual": con.execute("SELECT * FROM annual ORDER BY ALL").df(),
        }
