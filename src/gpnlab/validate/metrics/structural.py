"""McMillan & Rodrik (2011) decomposition of aggregate labour-productivity change.

Aggregate productivity ``P_t = sum_i theta_it P_it`` with employment shares ``theta_it = L_it /
L_t`` and sector productivity ``P_it = VA_it / L_it``. Between ``t - k`` (start) and ``t`` (end),
McMillan & Rodrik (2011, eq. 1)::

    dP = sum_i theta_{i,t-k} dP_i   +   sum_i P_{i,t} dtheta_i
         within-sector                  structural change (between)

The structural term uses end-period productivities, so it is the sum of the static and dynamic
between terms of :func:`gpnlab.measure.structural_change` (de Vries, Timmer & de Vries 2015).
A sector with no workers in one period (it appears or vanishes) carries its other-period
productivity, so that its entry or exit is pure reallocation (any value gives the same sum).
``productivity_start`` / ``_end`` are ``sum VA / sum L``; ``residual = total - within -
structural`` is zero up to rounding unless a sector reports value added without employment
(then ``P`` is no longer a share-weighted mean of sector productivities).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import as_list, require_columns


def mcmillan_rodrik(
    df: pd.DataFrame,
    *,
    start: int,
    end: int,
    sector: str = "sector",
    value_added: str = "value_added",
    employment: str = "employment",
    by: str | Sequence[str] | None = None,
    period: str = "period",
) -> pd.DataFrame:
    """Within / structural-change decomposition of ``P_end - P_start`` per group (e.g. country).

    ``df`` has one row per (group, period, sector) (rows that repeat a key are summed).
    Returns one row per group: ``*by, period_start, period_end, productivity_start,
    productivity_end, total, within, structural, residual, n_sectors``.
    """
    keys = as_list(by)
    require_columns(df, [period, sector, value_added, employment, *keys], where="mcmillan_rodrik")
    d = df[df[period].isin([start, end])]
    grouped = bool(keys)
    if not grouped:
        d, keys = d.assign(_all=0), ["_all"]
    if (d[employment] < 0).any():
        raise InputError("negative employment", where="mcmillan_rodrik", field=employment)
    wide = d.pivot_table(
        index=[*keys, sector],
        columns=period,
        values=[value_added, employment],
        aggfunc="sum",
        fill_value=0.0,
        observed=True,
    )
    for p in (start, end):
        if (employment, p) not in wide.columns:
            raise InputError(f"no row at period {p}", where="mcmillan_rodrik", field=period)
    va0, va1 = (wide[(value_added, p)].astype(float) for p in (start, end))
    l0, l1 = (wide[(employment, p)].astype(float) for p in (start, end))
    L0 = l0.groupby(level=keys, sort=True).transform("sum")
    L1 = l1.groupby(level=keys, sort=True).transform("sum")
    th0 = (l0 / L0).where(L0 > 0)
    th1 = (l1 / L1).where(L1 > 0)
    p0 = (va0 / l0).where(l0 > 0)
    p1 = (va1 / l1).where(l1 > 0)
    p0, p1 = p0.fillna(p1), p1.fillna(p0)  # carried: entry / exit is pure reallocation
    terms = pd.DataFrame(
        {
            "va0": va0,
            "va1": va1,
            "l0": l0,
            "l1": l1,
            "within": (th0 * (p1 - p0)).fillna(0.0),
            "structural": (p1 * (th1 - th0)).fillna(0.0),
            "n_sectors": 1,
        }
    )
    g = terms.groupby(level=keys, sort=True).sum()
    g["productivity_start"] = (g["va0"] / g["l0"]).where(g["l0"] > 0)
    g["productivity_end"] = (g["va1"] / g["l1"]).where(g["l1"] > 0)
    g["total"] = g["productivity_end"] - g["productivity_start"]
    g.loc[g["total"].isna(), ["within", "structural"]] = np.nan
    g["residual"] = g["total"] - g["within"] - g["structural"]
    g = g.reset_index()
    g["period_start"], g["period_end"] = start, end
    cols = [
        "period_start", "period_end", "productivity_start", "productivity_end", "total",
        "within", "structural", "residual", "n_sectors",
    ]  # fmt: skip
    g = g[[*keys, *cols]].astype({"n_sectors": "int64"})
    return g if grouped else g.drop(columns="_all")
