"""Annual quantities of simulated and real panels, and the moments computed from them.

The same definitions on both sides (Borin & Mancini 2019, source-based exporter perspective,
the terms :func:`gpnlab.measure.borin_mancini.bm_source_bilateral` computes):

* ``fva_share`` = FVA / GEXP: foreign value added in the country's gross exports;
* ``gvc_backward_share`` = GVCB / GEXP and ``gvc_forward_share`` = GVCF / GEXP: backward and
  forward GVC participation as shares of gross exports;
* ``export_share`` = GEXP_s / sum_r GEXP_r: the country's share of world exports;
* ``domestic_input_share``: the domestic share of the intermediate inputs of the sector (real
  table: its column of ``Z``; simulated: the chain's stage columns of the country,
  :func:`gpnlab.measure.tiva.domestic_input_use` on both).

On a real table the terms are those of the sector the chain stands for (``bm_source(acc,
"sector")`` at that sector's row); in the simulated world the whole table is the chain, so the
panel's country terms (:func:`gpnlab.simulate.record.trade_indicators`, the same function on the
emitted table) are summed over its stages. A simulated year's value is the mean of its
quarters' values; quarters of the burn-in are dropped.

Moments of an annual series ``v``: ``level`` v[year]; ``change`` v[to] - v[from]; ``slope``
the OLS slope of v on the year over a window (per year).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab.calibrate.spec import CalibrationSpec, Target
from gpnlab.errors import InputError

#: Panel columns a simulated run keeps to compute every quantity.
PANEL_COLUMNS = [
    "gross_exports", "fva_share", "gvc_backward", "gvc_forward", "domestic_input_share"
]  # fmt: skip


def quarter_years(periods: np.ndarray, spec: CalibrationSpec) -> np.ndarray:
    """Calendar year of each simulated quarter (``-1`` in the burn-in)."""
    q = np.asarray(periods, dtype=np.int64) - spec.burn_in - 1
    return np.where(q >= 0, spec.start_year + q // spec.quarters_per_year, -1)


QUANTITIES = (
    "fva_share", "export_share", "gvc_backward_share", "gvc_forward_share",
    "domestic_input_share",
)  # fmt: skip


def sim_annual(panel: pd.DataFrame, spec: CalibrationSpec) -> pd.DataFrame:
    """(country, year, quantity, value) of one run's panel, for the mapped archetypes.

    Vectorised (bincounts, no groupby): it runs once per simulated run in the driver."""
    period = panel["period"].to_numpy(np.int64)
    country = panel["country"].to_numpy()
    g = panel["gross_exports"].to_numpy(np.float64)
    p0 = period.min() if len(period) else 0
    world = np.bincount(period - p0, g)[period - p0]
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "fva_share": panel["fva_share"].to_numpy(np.float64),
            "export_share": np.where(world > 0, g / world, np.nan),
            "gvc_backward_share": np.where(g > 0, panel["gvc_backward"].to_numpy() / g, np.nan),
            "gvc_forward_share": np.where(g > 0, panel["gvc_forward"].to_numpy() / g, np.nan),
            "domestic_input_share": panel["domestic_input_share"].to_numpy(np.float64),
        }
    year = quarter_years(period, spec)
    archetypes = list(spec.countries)
    code = {c: i for i, c in enumerate(archetypes)}
    ci = np.array([code.get(c, -1) for c in country], dtype=np.int64)
    keep = (year >= 0) & (ci >= 0)
    years = np.unique(year[keep])
    yi = np.searchsorted(years, year[keep])
    key = ci[keep] * len(years) + yi
    n = len(archetypes) * len(years)
    count = np.bincount(key, minlength=n)
    cols: dict[str, list[object]] = {"country": [], "year": [], "quantity": [], "value": []}
    cells = np.flatnonzero(count > 0)
    for q in QUANTITIES:
        v = values[q][keep]
        ok = np.isfinite(v)
        sums = np.bincount(key[ok], v[ok], minlength=n)
        nums = np.bincount(key[ok], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(nums > 0, sums / np.maximum(nums, 1), np.nan)
        cols["country"] += [archetypes[k // len(years)] for k in cells]
        cols["year"] += [int(years[k % len(years)]) for k in cells]
        cols["quantity"] += [q] * len(cells)
        cols["value"] += mean[cells].tolist()
    return pd.DataFrame(cols)


def real_annual_table(table: object, sector: str, year: int) -> pd.DataFrame:
    """(year, country, quantity, value) of one real table at ``sector`` (gpnlab.measure)."""
    from gpnlab.measure.blocks import ExportAccounts
    from gpnlab.measure.borin_mancini import bm_source
    from gpnlab.measure.tiva import domestic_input_use, safe_share
    from gpnlab.table import IOTable

    assert isinstance(table, IOTable)
    if sector not in table.sectors:
        raise InputError(
            f"sector {sector!r} is not in the table",
            where=str(year),
            field="sector",
            fix=f"choose among {', '.join(table.sectors[:40])}",
        )
    terms = bm_source(ExportAccounts(table), "sector")
    rows = terms.xs(sector, level="sector")  # one row per country, in table order
    g = rows["GEXP"].to_numpy(np.float64)
    domestic, total = domestic_input_use(table)
    k = list(table.sectors).index(sector)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "fva_share": rows["FVA"].to_numpy() / g,
            "export_share": g / g.sum(),
            "gvc_backward_share": rows["GVCB"].to_numpy() / g,
            "gvc_forward_share": rows["GVCF"].to_numpy() / g,
            "domestic_input_share": safe_share(domestic[:, k], total[:, k]),
        }
    frame = pd.DataFrame({"country": [str(c) for c in rows.index], **values})
    frame.insert(0, "year", year)
    return frame.melt(["year", "country"], var_name="quantity", value_name="value")


def real_annual(folder: Path, sector: str, years: list[int], fmt: str = "own") -> pd.DataFrame:
    """Annual real quantities of ``sector`` over ``years``, one table per year in ``folder``."""
    from gpnlab.io import read_table
    from gpnlab.measure.panel import year_entries
    from gpnlab.table import TableWarning

    have = dict(year_entries(folder, fmt))
    missing = [y for y in years if y not in have]
    if missing:
        raise InputError(
            f"no table for year(s) {', '.join(map(str, missing))}",
            where=str(folder),
            field="tables",
            fix="give a folder with one table per year (docs/estimation.md)",
        )
    frames = []
    for y in years:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TableWarning)
            table = read_table(have[y], fmt)
        frames.append(real_annual_table(table, sector, y))
    return pd.concat(frames, ignore_index=True)


def read_annual_csv(path: Path) -> pd.DataFrame:
    """The CSV written by ``examples/calibration/wiod_moments.py`` (lines starting with ``#``
    are comments: the source and its citation)."""
    try:
        frame = pd.read_csv(path, comment="#")
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the real data ({type(exc).__name__})",
            where=str(path),
            field="data",
            fix="give the CSV of annual values (year, country, quantity, value)",
        ) from None
    need = {"year", "country", "quantity", "value"}
    if not need <= set(frame.columns):
        raise InputError(
            f"columns {sorted(need - set(frame.columns))} missing",
            where=str(path),
            field="data",
            fix="columns year, country, quantity, value",
        )
    return frame[["year", "country", "quantity", "value"]]


def series_moment(target: Target, series: dict[int, float]) -> float:
    """The moment ``target`` describes, of one annual series (year -> value)."""
    if target.kind == "level":
        return float(series.get(int(target.year), np.nan))  # type: ignore[arg-type]
    if target.kind == "change":
        a = series.get(int(target.from_year), np.nan)  # type: ignore[arg-type]
        b = series.get(int(target.to_year), np.nan)  # type: ignore[arg-type]
        return float(b - a)
    years = np.array(target.years(), dtype=np.float64)
    v = np.array([series.get(int(y), np.nan) for y in years])
    if not np.isfinite(v).all():
        return float("nan")
    x = years - years.mean()
    return float((x * (v - v.mean())).sum() / (x * x).sum())


@dataclass(frozen=True)
class Moment:
    """One fitted moment: a target applied to one archetype (and its real country)."""

    index: int  # position among the moments
    target: int  # index in spec.targets
    archetype: str
    real: str
    label: str
    value: float  # the target value


def expand_moments(
    spec: CalibrationSpec, real: pd.DataFrame | None, *, where: str = "spec"
) -> list[Moment]:
    """One moment per (target, country); values from the target or the real training data.

    ``real`` must hold training years only: it is filtered here again, so that no held-out
    value can enter a target.
    """
    if real is not None:
        real = real[(real["year"] >= spec.train[0]) & (real["year"] <= spec.train[1])]
    out: list[Moment] = []
    for i, t in enumerate(spec.targets):
        for arch in [t.country] if t.country is not None else list(spec.countries):
            code = spec.countries[arch]
            if t.value is not None:
                value = float(t.value)
            else:
                assert real is not None
                rows = real[(real["country"] == code) & (real["quantity"] == t.quantity)]
                value = series_moment(t, dict(zip(rows["year"], rows["value"], strict=True)))
                if not np.isfinite(value):
                    raise InputError(
                        f"target {i}: no real {t.quantity} of {code} for year(s) "
                        f"{t.years()[0]}-{t.years()[-1]}",
                        where=where,
                        field=f"targets.{i}",
                        fix="check the country code in [countries] and the real data's years",
                    )
            out.append(Moment(len(out), i, arch, code, t.label(f"{arch}/{code}"), value))
    return out


def run_moments(annual: pd.DataFrame, spec: CalibrationSpec, moments: list[Moment]) -> np.ndarray:
    """The moments of one simulated run's annual values (NaN where undefined)."""
    out = np.full(len(moments), np.nan)
    by: dict[tuple[str, str], dict[int, float]] = {}
    for c, y, q, v in zip(
        annual["country"], annual["year"], annual["quantity"], annual["value"], strict=True
    ):
        by.setdefault((str(c), str(q)), {})[int(y)] = float(v)
    for m in moments:
        t = spec.targets[m.target]
        series = by.get((m.archetype, t.quantity))
        if series is not None:
            out[m.index] = series_moment(t, series)
    return out
