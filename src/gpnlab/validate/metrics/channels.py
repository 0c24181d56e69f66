"""Channels of a change in the domestic value-added share of exports (thinning / thickening).

Per country and stage ``s``, with exports ``E_s``, export weights ``w_s = E_s / sum E`` and the
domestic value-added content of a unit of the stage's exports ``d_s`` (given, or ``1 - m_s``
from the imported-input content ``m_s``), ``DVA/EXP = sum_s w_s d_s``. Part ``tau_s`` of ``d_s``
is trade costs, margins and taxes counted as domestic value added; ``d_s - tau_s`` is value added
in production. Between two states ``0`` and ``1`` (periods or regimes), the shift-share with
midpoint weights (Bennet) is exact::

    d(DVA/EXP) = sum_s dw_s (d_s0 + d_s1)/2         composition of exports by stage
               + sum_s (w_s0 + w_s1)/2 dd_s          within-stage domestic content
    within     = sum_s wbar_s d(d_s - tau_s)         sourcing (value added in production)
               + sum_s wbar_s dtau_s                 trade costs / taxes booked as value added

MODEL.md sec. 4 wants thinning and thickening to come "through sourcing, not through how trade
costs are booked": the ``trade_costs`` channel is reported apart for that reason. A stage without
exports in one state carries its other-state content (its appearance is pure composition; any
value gives the same sum). The decomposition is of ``sum_s w_s d_s`` with the ``d_s`` given: it
equals a country's measured DVA share exactly when ``d_s`` is the stage's measured DVA per unit
of its gross exports (e.g. Borin-Mancini DVA / EXP by sector); with direct imported-input
shares it is an approximation that ignores indirect content.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import as_list, require_columns

CHANNELS = ("composition", "within", "sourcing", "trade_costs")


def dva_channels(
    df: pd.DataFrame,
    *,
    start: int | str,
    end: int | str,
    state: str = "period",
    stage: str = "stage",
    exports: str = "exports",
    imported_share: str | None = None,
    domestic_share: str | None = None,
    tax_share: str | None = None,
    by: str | Sequence[str] | None = "country",
    per_stage: bool = False,
) -> pd.DataFrame:
    """Decompose the change in ``sum_s w_s d_s`` between ``state == start`` and ``end``.

    ``df`` has one row per (group, state, stage): ``exports`` and exactly one of
    ``imported_share`` (``d = 1 - m``) or ``domestic_share`` (``d``), shares of the stage's
    export value, and optionally ``tax_share`` (``tau <= d``; 0 without it). Returns one row per
    group: ``*by, start, end, dva_start, dva_end, total, composition, within, sourcing,
    trade_costs`` with ``total = composition + within`` and ``within = sourcing + trade_costs``;
    with ``per_stage`` one row per (group, stage) holding the stage's contributions (they sum
    to the group's terms), ``dva_start``/``dva_end`` then being ``w_s d_s``.
    """
    if (imported_share is None) == (domestic_share is None):
        raise InputError(
            "give exactly one of imported_share and domestic_share", where="dva_channels"
        )
    keys = as_list(by)
    content: str = imported_share or domestic_share or ""
    require_columns(df, [state, stage, exports, content, tax_share, *keys], where="dva_channels")
    d = df[df[state].isin([start, end])].copy()
    d["_d"] = 1.0 - d[content] if imported_share else d[content]
    d["_tau"] = d[tax_share] if tax_share else 0.0
    if (d[exports] < 0).any():
        raise InputError("negative exports", where="dva_channels", field=exports)
    bad = ~((d["_d"] >= 0) & (d["_d"] <= 1) & (d["_tau"] >= 0) & (d["_tau"] <= d["_d"]))
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} row(s) with content shares outside 0 <= tax <= domestic <= 1",
            where="dva_channels",
            field=f"{content},{tax_share}" if tax_share else content,
        )
    if d.duplicated([*keys, state, stage]).any():
        raise InputError("rows repeat (group, state, stage)", where="dva_channels", field=stage)
    for s in (start, end):
        if not (d[state] == s).any():
            raise InputError(f"no row with {state} == {s!r}", where="dva_channels", field=state)
    gk = keys or ["_all"]
    if not keys:
        d["_all"] = 0
    wide = d.pivot(index=[*gk, stage], columns=state, values=[exports, "_d", "_tau"])
    e0 = wide[(exports, start)].fillna(0.0).astype(float)
    e1 = wide[(exports, end)].fillna(0.0).astype(float)
    d0, d1 = wide[("_d", start)].where(e0 > 0), wide[("_d", end)].where(e1 > 0)
    t0, t1 = wide[("_tau", start)].where(e0 > 0), wide[("_tau", end)].where(e1 > 0)
    d0, d1 = d0.fillna(d1).fillna(0.0), d1.fillna(d0).fillna(0.0)
    t0, t1 = t0.fillna(t1).fillna(0.0), t1.fillna(t0).fillna(0.0)
    tot0 = e0.groupby(level=gk).transform("sum")
    tot1 = e1.groupby(level=gk).transform("sum")
    w0, w1 = (e0 / tot0).where(tot0 > 0), (e1 / tot1).where(tot1 > 0)
    wbar = (w0 + w1) / 2
    terms = pd.DataFrame(
        {
            "dva_start": w0 * d0,
            "dva_end": w1 * d1,
            "composition": (w1 - w0) * (d0 + d1) / 2,
            "within": wbar * (d1 - d0),
            "sourcing": wbar * ((d1 - t1) - (d0 - t0)),
            "trade_costs": wbar * (t1 - t0),
        }
    )
    if per_stage:
        out = terms.reset_index()
        out["total"] = out["dva_end"] - out["dva_start"]
        lead = [*keys, stage]
    else:
        undefined = (tot0 <= 0) | (tot1 <= 0)
        out = terms.groupby(level=gk, sort=True).sum(min_count=1)
        bad_groups = undefined.groupby(level=gk).any()
        out.loc[bad_groups[bad_groups].index] = np.nan
        out = out.reset_index()
        out["total"] = out["dva_end"] - out["dva_start"]
        lead = list(keys)
    out = out.assign(start=[start] * len(out), end=[end] * len(out))
    cols = [*lead, "start", "end", "dva_start", "dva_end", "total", *CHANNELS]
    return out[cols].reset_index(drop=True)
