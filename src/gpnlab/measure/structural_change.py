"""Decomposition of aggregate labour-productivity growth (McMillan & Rodrik 2011).

Aggregate productivity ``P = sum_i θ_i p_i`` with employment shares ``θ_i`` and sectoral
productivity ``p_i = VA_i / L_i``. Between two periods 0 and 1 (McMillan & Rodrik 2011, eq. 1,
with the three-way split of de Vries, Timmer & de Vries 2015):

* within           ``sum_i θ_i0 (p_i1 - p_i0)``
* static between   ``sum_i p_i0 (θ_i1 - θ_i0)``
* dynamic between  ``sum_i (p_i1 - p_i0)(θ_i1 - θ_i0)``

The three add up to ``P_1 - P_0`` exactly. A negative between term is *productivity-reducing
structural change*: labour moving to less productive activities (e.g. the informal sector).
Units: value added per worker, in the units of the input columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.errors import InputError

REQUIRED = ("period", "sector", "value_added", "employment")


def structural_change(
    panel: pd.DataFrame, *, group: str | None = None, where: str = "panel"
) -> pd.DataFrame:
    """Decompose productivity growth between consecutive periods of a sector panel.

    ``panel`` has columns ``period, sector, value_added, employment`` (and ``group``, e.g.
    ``country``, if given). Returns one row per (group,) period with
    ``productivity_start, productivity_end, growth, within, static_between, dynamic_between``.
    """
    missing = [c for c in (*REQUIRED, *([group] if group else [])) if c not in panel.columns]
    if missing:
        raise InputError(
            f"missing columns {missing}",
            where=where,
            field=",".join(missing),
            fix=f"give columns {list(REQUIRED)}",
        )
    if (panel["employment"] < 0).any():
        raise InputError(
            "negative employment", where=where, field="employment", fix="employment is >= 0"
        )
    keys = [group] if group else []
    rows: list[dict[str, object]] = []
    for key, df in panel.groupby(keys) if keys else [((), panel)]:
        wide = df.pivot_table(
            index="sector", columns="period", values=["value_added", "employment"], aggfunc="sum"
        ).fillna(0.0)
        periods = sorted(df["period"].unique())
        for p0, p1 in zip(periods[:-1], periods[1:], strict=True):
            va0, va1 = wide["value_added"][p0].to_numpy(), wide["value_added"][p1].to_numpy()
            l0, l1 = wide["employment"][p0].to_numpy(), wide["employment"][p1].to_numpy()
            th0, th1 = l0 / l0.sum(), l1 / l1.sum()
            pr0 = np.divide(va0, l0, out=np.zeros_like(va0), where=l0 > 0)
            pr1 = np.divide(va1, l1, out=np.zeros_like(va1), where=l1 > 0)
            # a sector that appears (or vanishes) has no own productivity in the other period:
            # carry its observed productivity so that its entry is pure reallocation
            pr0 = np.where(l0 > 0, pr0, pr1)
            pr1 = np.where(l1 > 0, pr1, pr0)
            row: dict[str, object] = dict(
                zip(keys, key if isinstance(key, tuple) else (key,), strict=True)
            )
            row.update(
                period_start=p0,
                period_end=p1,
                productivity_start=float(th0 @ pr0),
                productivity_end=float(th1 @ pr1),
                within=float(th0 @ (pr1 - pr0)),
                static_between=float(pr0 @ (th1 - th0)),
                dynamic_between=float((pr1 - pr0) @ (th1 - th0)),
            )
            row["growth"] = float(row["productivity_end"]) - float(row["productivity_start"])  # type: ignore[arg-type]
            rows.append(row)
    return pd.DataFrame(rows)
