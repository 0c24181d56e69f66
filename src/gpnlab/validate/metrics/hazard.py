"""Upgrade or perish: the hazard that a buyer drops a supplier, against the supplier's gap.

Observations are built at snapshot dates (a discrete-time hazard on the snapshots of
``firms``). At each snapshot ``t`` with ``t + horizon <= last_period`` (later ones are censored),
every spell alive at ``t`` (the convention of :mod:`.links`) is one observation, with the
supplier's capability gap at ``t`` (e.g. ``gap = 1 - match`` from
:func:`.requirements.capability_scores`, computed on the snapshot) and::

    dropped = the spell ends within (t, t + horizon] with reason == "dropped"
    ended   = the spell ends within (t, t + horizon], for any reason

A spell that ends for another reason (supplier exit, capacity, retender) is a non-drop: the
rate is the probability of being dropped within the horizon (cause-specific cumulative
incidence, not conditioned on surviving the other risks). With a snapshot every quarter and
``horizon=1`` it is the quarterly drop hazard.

* :func:`binned_hazard`: observations cut at gap quantiles (deciles by default; tied quantile
  edges, e.g. many firms at gap 0, merge bins), drop rate per bin;
* :func:`hazard_slope`: ``P(dropped) = Lambda(a + b gap)`` by maximum likelihood (logit,
  Newton-Raphson, standard errors from the inverse Hessian; ``ame = b mean(p (1 - p))``, the
  average marginal effect) or ``P(dropped) = a + b gap`` by OLS with HC1 standard errors
  (linear probability). ``b > 0``: suppliers further from their requirements are dropped more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import as_list, require_columns
from gpnlab.validate.metrics.links import spell_bounds


def drop_observations(
    links: pd.DataFrame,
    firms: pd.DataFrame,
    *,
    last_period: int,
    gap: str = "gap",
    horizon: int = 4,
    periods: Sequence[int] | None = None,
    carry: str | Sequence[str] | None = None,
    dropped_reason: str = "dropped",
    end_inclusive: bool = False,
    supplier: str = "supplier",
    buyer: str = "buyer",
    start: str = "start",
    end: str = "end",
    reason: str = "reason",
    firm: str = "firm",
    period: str = "period",
) -> pd.DataFrame:
    """One row per (snapshot ``t``, spell alive at ``t``) with the supplier's ``gap`` at ``t``.

    ``periods`` are the snapshot dates used (default: every period of ``firms`` with ``t +
    horizon <= last_period``; a later one raises). ``carry`` names more columns of ``firms``
    to keep (e.g. ``role``, ``location``). Spells whose supplier is not in the snapshot are
    left out. Returns ``period, supplier, buyer, <gap>, *carry, dropped, ended`` (booleans).
    """
    extra = as_list(carry)
    require_columns(links, [supplier, buyer, start, end, reason], where="drop_observations links")
    require_columns(firms, [period, firm, gap, *extra], where="drop_observations firms")
    h = int(horizon)
    if h < 1:
        raise InputError(f"horizon {h} < 1", where="drop_observations", field="horizon")
    first, stop = spell_bounds(links, start=start, end=end, end_inclusive=end_inclusive)
    is_drop = (links[reason] == dropped_reason).fillna(False).to_numpy(dtype=bool)
    latest = last_period - h
    if periods is None:
        dates = sorted(int(p) for p in firms[period].unique() if p <= latest)
    else:
        dates = sorted(set(int(p) for p in periods))
        if dates and dates[-1] > latest:
            raise InputError(
                f"snapshot {dates[-1]} + {h} is past the last period {last_period}",
                where="drop_observations",
                field="periods",
                fix=f"periods <= {latest}: drops after the run are not observed",
            )
    sup = links[supplier].to_numpy()
    buy = links[buyer].to_numpy()
    parts = []
    for t in dates:  # loop over snapshots, vectorised over spells
        now = (first <= t) & (stop > t)
        ended = now & (stop <= t + h)
        obs = pd.DataFrame(
            {
                "period": t,
                "supplier": sup[now],
                "buyer": buy[now],
                "dropped": ended[now] & is_drop[now],
                "ended": ended[now],
            }
        )
        snap = firms.loc[firms[period] == t, [firm, gap, *extra]]
        if snap[firm].duplicated().any():
            raise InputError(
                f"firm ids repeat within period {t}", where="drop_observations firms", field=firm
            )
        obs = obs.merge(
            snap.rename(columns={firm: "supplier"}), on="supplier", how="inner", validate="m:1"
        )
        parts.append(obs)
    cols = ["period", "supplier", "buyer", gap, *extra, "dropped", "ended"]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


def binned_hazard(
    obs: pd.DataFrame, *, gap: str = "gap", event: str = "dropped", bins: int = 10
) -> pd.DataFrame:
    """Drop rate per gap-quantile bin.

    Returns ``bin, gap_low, gap_high, gap_mean, n, events, hazard``: one row per bin (fewer
    than ``bins`` when quantile edges tie), ``bin`` from 0 (smallest gaps). Observations with
    a NaN gap are left out.
    """
    require_columns(obs, [gap, event], where="binned_hazard")
    d = obs.loc[obs[gap].notna(), [gap, event]]
    cols = ["bin", "gap_low", "gap_high", "gap_mean", "n", "events", "hazard"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    x = d[gap].astype(float)
    if x.nunique() < 2:
        codes = pd.Series(0, index=d.index)
    else:
        codes = pd.Series(pd.qcut(x, bins, labels=False, duplicates="drop"), index=d.index)
    g = pd.DataFrame({"bin": codes, "x": x, "y": d[event].astype(float)}).groupby("bin")
    out = g.agg(
        gap_low=("x", "min"),
        gap_high=("x", "max"),
        gap_mean=("x", "mean"),
        n=("y", "size"),
        events=("y", "sum"),
    ).reset_index()
    out["hazard"] = out["events"] / out["n"]
    out["bin"] = out["bin"].astype("int64")
    out["events"] = out["events"].astype("int64")
    return out[cols]


def _logit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    X = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    p0 = y.mean()
    beta[0] = math.log(p0 / (1 - p0))
    for _ in range(100):
        p = 1 / (1 + np.exp(-(X @ beta)))
        W = p * (1 - p)
        H = X.T @ (X * W[:, None])
        try:
            step = np.linalg.solve(H, X.T @ (y - p))
        except np.linalg.LinAlgError:
            return beta, np.full((2, 2), np.nan), False
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            p = 1 / (1 + np.exp(-(X @ beta)))
            H = X.T @ (X * (p * (1 - p))[:, None])
            ok = bool(np.all(np.isfinite(beta)) and np.max(np.abs(beta)) < 1e3)
            return beta, np.linalg.inv(H), ok
    return beta, np.full((2, 2), np.nan), False


def hazard_slope(
    obs: pd.DataFrame,
    *,
    gap: str = "gap",
    event: str = "dropped",
    method: Literal["logit", "linear"] = "logit",
) -> dict[str, float]:
    """Slope of the drop probability in the gap.

    Returns ``{"slope", "se", "intercept", "ame", "n", "events", "converged"}`` (``ame``: the
    logit's average marginal effect, the slope itself for the linear model; ``converged`` 1.0 or
    0.0). NaN slope when there is no event, only events, no spread in the gap, or the logit does
    not converge (perfect separation).
    """
    if method not in ("logit", "linear"):
        raise InputError(f"method {method!r}", where="hazard_slope", fix="logit or linear")
    require_columns(obs, [gap, event], where="hazard_slope")
    d = obs.loc[obs[gap].notna(), [gap, event]]
    x = d[gap].to_numpy(dtype=float)
    y = d[event].to_numpy(dtype=float)
    n, events = int(x.size), float(y.sum())
    out = {
        "slope": math.nan,
        "se": math.nan,
        "intercept": math.nan,
        "ame": math.nan,
        "n": float(n),
        "events": events,
        "converged": 0.0,
    }
    if n < 3 or events == 0 or events == n or np.ptp(x) == 0:
        return out
    if method == "linear":
        X = np.column_stack([np.ones_like(x), x])
        XtX_inv = np.linalg.inv(X.T @ X)
        beta = XtX_inv @ (X.T @ y)
        e = y - X @ beta
        meat = X.T @ (X * (e**2)[:, None])
        V = XtX_inv @ meat @ XtX_inv * n / (n - 2)  # HC1
        out.update(
            slope=float(beta[1]),
            se=float(math.sqrt(V[1, 1])),
            intercept=float(beta[0]),
            ame=float(beta[1]),
            converged=1.0,
        )
        return out
    beta, V, ok = _logit(x, y)
    if not ok:
        return out
    p = 1 / (1 + np.exp(-(beta[0] + beta[1] * x)))
    out.update(
        slope=float(beta[1]),
        se=float(math.sqrt(V[1, 1])),
        intercept=float(beta[0]),
        ame=float(beta[1] * np.mean(p * (1 - p))),
        converged=1.0,
    )
    return out
