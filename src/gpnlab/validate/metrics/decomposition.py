"""Decompositions of the change in a weighted mean (capability, productivity) between snapshots.

The aggregate of a group (tier, country) at ``t`` is ``Phi_t = sum_i s_it phi_it`` with shares
``s_it = w_it / sum_j w_jt`` of a weight (employment, output; equal shares without one) over the
group's firms at ``t``. Between snapshots ``t = 1`` (start) and ``2`` (end), firms are survivors
``S`` (in the group at both), entrants ``E`` (end only) or exiters ``X`` (start only); a firm that
changes group (e.g. tier) exits the old group and enters the new one.

**Melitz & Polanec (2015), dynamic Olley-Pakes** (their eq. 6). With ``s_Gt = sum_{i in G} s_it``
and ``Phi_Gt = sum_{i in G} (s_it / s_Gt) phi_it``::

    Phi_2 - Phi_1 = (mean_S phi_2 - mean_S phi_1)            within (unweighted mean change)
                  + (cov_S2 - cov_S1)                        covariance (reallocation)
                  + s_E2 (Phi_E2 - Phi_S2)                   entry
                  + s_X1 (Phi_S1 - Phi_X1)                   exit

where ``cov_St = Phi_St - mean_S phi_t = sum_{i in S} (s_it / s_St - 1/n_S)(phi_it - mean)``
(Olley & Pakes 1996). Entry is measured against survivors at the end and exit against survivors
at the start. Without survivors (or with zero survivor weight) the terms are undefined: NaN (the
total still is reported). A group with zero weight in entrants (exiters) has entry (exit) 0.

**Foster, Haltiwanger & Krizan (2001)**, with the start aggregate ``Phi_1`` as reference::

    Phi_2 - Phi_1 = sum_S s_i1 dphi_i                        within
                  + sum_S ds_i (phi_i1 - Phi_1)              between
                  + sum_S ds_i dphi_i                        cross
                  + sum_E s_i2 (phi_i2 - Phi_1)              entry
                  - sum_X s_i1 (phi_i1 - Phi_1)              exit (reported with its sign)

Both add up to ``Phi_2 - Phi_1`` exactly. :func:`within_split` splits the Melitz-Polanec within
term into absorbed transfer and own learning.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import as_list, require_columns

MP_TERMS = ("within", "covariance", "entry", "exit")
FHK_TERMS = ("within", "between", "cross", "entry", "exit")


def _snapshot(
    firms: pd.DataFrame,
    at: int,
    *,
    value: str,
    weight: str | None,
    keys: list[str],
    firm: str,
    period: str,
    where: str,
) -> pd.DataFrame:
    """Firms of period ``at``: keys, firm, value ``v`` and share ``s`` within their group."""
    snap = firms.loc[firms[period] == at, [*keys, firm, value, *([weight] if weight else [])]]
    if snap.empty:
        raise InputError(f"no firm at period {at}", where=where, field=period)
    if snap[firm].duplicated().any():
        raise InputError(
            f"firm ids repeat within period {at}", where=where, field=firm, fix="one row per firm"
        )
    v = snap[value].to_numpy(dtype=float)
    if not np.isfinite(v).all():
        raise InputError(f"non-finite {value} at period {at}", where=where, field=value)
    out = snap[[*keys, firm]].copy()
    out["v"] = v
    if weight:
        w = snap[weight].to_numpy(dtype=float)
        if not (np.isfinite(w).all() and (w >= 0).all()):
            raise InputError("weights must be finite and >= 0", where=where, field=weight)
    else:
        w = np.ones(len(snap))
    out["w"] = w
    total = out.groupby(keys, dropna=False)["w"].transform("sum") if keys else out["w"].sum()
    out["s"] = out["w"] / total  # NaN where a group's weights are all zero
    return out.drop(columns="w")


def _merged(
    firms: pd.DataFrame,
    *,
    start: int,
    end: int,
    value: str,
    weight: str | None,
    by: str | Sequence[str] | None,
    firm: str,
    period: str,
    where: str,
) -> tuple[pd.DataFrame, list[str]]:
    """Start and end snapshots merged on (group, firm): ``s1, v1, s2, v2`` (NaN where absent)
    and the status masks ``S``, ``E``, ``X`` as booleans; a constant group ``_all`` if no
    ``by``."""
    keys = as_list(by)
    require_columns(firms, [period, firm, value, weight, *keys], where=where)
    a, b = (
        _snapshot(
            firms, at, value=value, weight=weight, keys=keys, firm=firm, period=period, where=where
        )
        for at in (start, end)
    )
    m = a.merge(b, on=[*keys, firm], how="outer", suffixes=("1", "2"), indicator=True)
    m["S"] = m["_merge"] == "both"
    m["X"] = m["_merge"] == "left_only"
    m["E"] = m["_merge"] == "right_only"
    m = m.drop(columns="_merge")
    if not keys:
        m["_all"] = 0
        keys = ["_all"]
    return m, keys


def _group_sums(m: pd.DataFrame, keys: list[str], cols: dict[str, pd.Series]) -> pd.DataFrame:
    frame = pd.DataFrame({k: m[k] for k in keys} | {c: v.fillna(0.0) for c, v in cols.items()})
    return frame.groupby(keys, sort=True, dropna=False).sum()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den).where(den > 0)


def _finish(
    g: pd.DataFrame, keys: list[str], start: int, end: int, terms: tuple[str, ...]
) -> pd.DataFrame:
    """The output rows: keys, dates, levels, total, ``terms`` (NaN where a level is undefined)
    and the counts."""
    undefined = g["level_start"].isna() | g["level_end"].isna()
    g.loc[undefined, list(terms)] = np.nan
    cols = ["level_start", "level_end", "total", *terms, "n_survivors", "n_entrants", "n_exiters"]
    g = g.reset_index()
    g.insert(len(keys), "period_start", start)
    g.insert(len(keys) + 1, "period_end", end)
    g = g[[*keys, "period_start", "period_end", *cols]]
    if keys == ["_all"]:
        g = g.drop(columns="_all")
    for c in ("n_survivors", "n_entrants", "n_exiters"):
        g[c] = g[c].astype("int64")
    return g.reset_index(drop=True)


def _levels(m: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group: ``level_start``, ``level_end`` (NaN if the group is absent) and counts."""
    g = _group_sums(
        m,
        keys,
        {
            "sv1": m["s1"] * m["v1"],
            "sv2": m["s2"] * m["v2"],
            "has1": m["s1"].notna() & m["v1"].notna(),
            "has2": m["s2"].notna() & m["v2"].notna(),
            "n_survivors": m["S"],
            "n_entrants": m["E"],
            "n_exiters": m["X"],
        },
    )
    g["level_start"] = g["sv1"].where(g["has1"] > 0)
    g["level_end"] = g["sv2"].where(g["has2"] > 0)
    g["total"] = g["level_end"] - g["level_start"]
    return g


def melitz_polanec(
    firms: pd.DataFrame,
    *,
    start: int,
    end: int,
    value: str = "capability",
    weight: str | None = None,
    by: str | Sequence[str] | None = None,
    firm: str = "firm",
    period: str = "period",
) -> pd.DataFrame:
    """Melitz-Polanec dynamic Olley-Pakes decomposition of ``Phi_end - Phi_start`` per group.

    ``firms`` holds one row per firm and snapshot period (columns ``period``, ``firm``,
    ``value``, ``weight`` and the ``by`` columns). Returns one row per group: ``*by,
    period_start, period_end, level_start, level_end, total, within, covariance, entry, exit,
    n_survivors, n_entrants, n_exiters``; ``within + covariance + entry + exit == total``.
    """
    m, keys = _merged(
        firms,
        start=start,
        end=end,
        value=value,
        weight=weight,
        by=by,
        firm=firm,
        period=period,
        where="melitz_polanec",
    )
    S, E, X = m["S"], m["E"], m["X"]
    g = _levels(m, keys).join(
        _group_sums(
            m,
            keys,
            {
                "sS1": m["s1"].where(S),
                "svS1": (m["s1"] * m["v1"]).where(S),
                "sS2": m["s2"].where(S),
                "svS2": (m["s2"] * m["v2"]).where(S),
                "vS1": m["v1"].where(S),
                "vS2": m["v2"].where(S),
                "sE2": m["s2"].where(E),
                "svE2": (m["s2"] * m["v2"]).where(E),
                "sX1": m["s1"].where(X),
                "svX1": (m["s1"] * m["v1"]).where(X),
            },
        )
    )
    nS = g["n_survivors"].where(g["n_survivors"] > 0)
    phiS1, phiS2 = _ratio(g["svS1"], g["sS1"]), _ratio(g["svS2"], g["sS2"])
    meanS1, meanS2 = g["vS1"] / nS, g["vS2"] / nS
    g["within"] = meanS2 - meanS1
    g["covariance"] = (phiS2 - meanS2) - (phiS1 - meanS1)
    # an empty (or weightless) entrant / exiter group contributes 0, but only against defined
    # survivor aggregates
    phiE2, phiX1 = _ratio(g["svE2"], g["sE2"]), _ratio(g["svX1"], g["sX1"])
    entry = pd.Series(np.where(g["sE2"] > 0, g["sE2"] * (phiE2 - phiS2), 0.0), index=g.index)
    exit_ = pd.Series(np.where(g["sX1"] > 0, g["sX1"] * (phiS1 - phiX1), 0.0), index=g.index)
    g["entry"] = entry.where(phiS2.notna())
    g["exit"] = exit_.where(phiS1.notna())
    return _finish(g, keys, start, end, MP_TERMS)


def foster_haltiwanger_krizan(
    firms: pd.DataFrame,
    *,
    start: int,
    end: int,
    value: str = "capability",
    weight: str | None = None,
    by: str | Sequence[str] | None = None,
    firm: str = "firm",
    period: str = "period",
) -> pd.DataFrame:
    """Foster-Haltiwanger-Krizan decomposition of ``Phi_end - Phi_start`` per group.

    Same input as :func:`melitz_polanec`. Returns one row per group: ``*by, period_start,
    period_end, level_start, level_end, total, within, between, cross, entry, exit,
    n_survivors, n_entrants, n_exiters``; the five terms add up to ``total``.
    """
    m, keys = _merged(
        firms,
        start=start,
        end=end,
        value=value,
        weight=weight,
        by=by,
        firm=firm,
        period=period,
        where="foster_haltiwanger_krizan",
    )
    lv = _levels(m, keys)
    ref = m[keys].merge(
        lv["level_start"].reset_index(), on=keys, how="left", validate="many_to_one"
    )["level_start"]
    ref.index = m.index
    S, E, X = m["S"], m["E"], m["X"]
    ds, dv = m["s2"] - m["s1"], m["v2"] - m["v1"]
    g = lv.join(
        _group_sums(
            m,
            keys,
            {
                "within": (m["s1"] * dv).where(S),
                "between": (ds * (m["v1"] - ref)).where(S),
                "cross": (ds * dv).where(S),
                "entry": (m["s2"] * (m["v2"] - ref)).where(E),
                "exit": -(m["s1"] * (m["v1"] - ref)).where(X),
            },
        )
    )
    return _finish(g, keys, start, end, FHK_TERMS)


def within_split(
    firms: pd.DataFrame,
    increments: pd.DataFrame,
    *,
    start: int,
    end: int,
    transfer: str,
    own: str,
    value: str = "capability",
    by: str | Sequence[str] | None = None,
    firm: str = "firm",
    period: str = "period",
) -> pd.DataFrame:
    """Split survivors' within-firm change into absorbed transfer and own learning.

    ``increments`` has one row per firm (``firm``, ``transfer``, ``own``): the capability each
    survivor gained between ``start`` and ``end`` from absorbed transfers and from its own
    learning, in the units of ``value`` and non-negative. The within term is the Melitz-Polanec
    one, ``within = mean_S (phi_end - phi_start)``; with ``a = sum_S transfer`` and ``l = sum_S
    own`` over the group's survivors::

        transfer_share = a / (a + l)
        within_transfer = within * transfer_share,     within_own = within * (1 - transfer_share)

    simple shares: whatever else moved capability (depreciation, obsolescence) is allocated in
    proportion. The direct means are reported too, with what they leave unexplained::

        mean_transfer = a / n_S,  mean_own = l / n_S,  residual = within - mean_transfer - mean_own

    Returns one row per group: ``*by, period_start, period_end, n_survivors, within,
    transfer_share, within_transfer, within_own, mean_transfer, mean_own, residual``
    (``transfer_share`` and the split NaN where ``a + l == 0``).
    """
    require_columns(increments, [firm, transfer, own], where="within_split increments")
    if increments[firm].duplicated().any():
        raise InputError("firm ids repeat", where="within_split increments", field=firm)
    inc = increments[[firm, transfer, own]].set_axis([firm, "_a", "_l"], axis=1)
    if not (np.isfinite(inc[["_a", "_l"]].to_numpy(dtype=float)).all()):
        raise InputError("non-finite increments", where="within_split increments")
    if (inc[["_a", "_l"]] < 0).to_numpy().any():
        raise InputError(
            "negative increments",
            where="within_split increments",
            field=f"{transfer},{own}",
            fix="shares of a sum need non-negative parts",
        )
    m, keys = _merged(
        firms,
        start=start,
        end=end,
        value=value,
        weight=None,
        by=by,
        firm=firm,
        period=period,
        where="within_split",
    )
    surv = m[m["S"]].merge(inc, on=firm, how="left", validate="many_to_one")
    lacking = surv["_a"].isna()
    if lacking.any():
        raise InputError(
            f"{int(lacking.sum())} survivor(s) without increments (e.g. firm "
            f"{surv.loc[lacking, firm].iloc[0]})",
            where="within_split increments",
            field=firm,
        )
    surv["dv"] = surv["v2"] - surv["v1"]
    g = surv.groupby(keys, sort=True, dropna=False).agg(
        n_survivors=("dv", "size"), within=("dv", "mean"), a=("_a", "sum"), l=("_l", "sum")
    )
    both = g["a"] + g["l"]
    g["transfer_share"] = _ratio(g["a"], both)
    g["within_transfer"] = g["within"] * g["transfer_share"]
    g["within_own"] = g["within"] * (1 - g["transfer_share"])
    g["mean_transfer"] = g["a"] / g["n_survivors"]
    g["mean_own"] = g["l"] / g["n_survivors"]
    g["residual"] = g["within"] - g["mean_transfer"] - g["mean_own"]
    g = g.reset_index()
    g.insert(len(keys), "period_start", start)
    g.insert(len(keys) + 1, "period_end", end)
    cols = [
        "n_survivors",
        "within",
        "transfer_share",
        "within_transfer",
        "within_own",
        "mean_transfer",
        "mean_own",
        "residual",
    ]
    g = g[[*keys, "period_start", "period_end", *cols]]
    return g.drop(columns="_all") if keys == ["_all"] else g
