"""Tables of a finished calibration: estimates and their uncertainty, the fit, paths against the
real data, out-of-sample statistics and identification diagnostics. The report renders them.

* Estimates: the best search trial; uncertainty (1) the SMM sandwich standard error
  (:func:`gpnlab.calibrate.objective.sandwich`, from the least-squares Jacobian of the
  diagnostics' profile points near the estimate) with a 90% normal interval clipped to the
  bounds, for the parameters the moments identify (``response_p`` below ``IDENTIFIED_P``:
  :func:`gpnlab.calibrate.objective.response`, and whose information is beyond the noise of
  their slope: :func:`gpnlab.calibrate.objective.informative`; the others get a note and no
  standard error, and the standard errors are conditional on their values),
  and (2) the range (min-max) of the best 10% of trials (at least 3): how flat J is, not a
  sampling interval.
* Fit: each moment's target, simulated mean at the estimate over the R seeds and the 90% band
  over seeds (5th-95th percentiles).
* Out of sample, per (quantity, country) with real data in the held-out window, using the
  estimate's simulated annual paths (never refitted): RMSE of the seed mean against the real
  values; coverage = share of held-out real values inside the simulated 90% band; direction =
  whether the simulated change from the last training year to the last held-out year has the
  sign of the real change; and, as a yardstick, the RMSE of persistence (the last training
  year's real value carried forward).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gpnlab.calibrate.objective import IDENTIFIED_P

if TYPE_CHECKING:
    from gpnlab.calibrate.run import Problem, Result

Z90 = 1.6448536269514722


def estimates(prob: Problem, res: Result, trials: pd.DataFrame) -> pd.DataFrame:
    search = trials[(trials["phase"] == "search") & np.isfinite(trials["J"].astype(float))]
    best = search.nsmallest(max(3, int(np.ceil(0.1 * len(search)))), "J")
    cov = res.extra.get("cov")
    response_p = res.extra.get("response_p")
    held = res.extra.get("held")
    rows = []
    for j, n in enumerate(res.active):
        lo, hi = prob.spec.parameters[n].range
        se = float(np.sqrt(cov[j, j])) if cov is not None and np.isfinite(cov[j, j]) else np.nan
        p = float(response_p[j]) if response_p is not None else np.nan
        v = res.best[n]
        note = ""
        if response_p is None:
            note = "no diagnostics run: no standard error"
        elif not p < IDENTIFIED_P:
            note = (
                f"not identified: no moment's response to it near the estimate is beyond the "
                f"seed noise (p = {p:.2g}); no standard error"
            )
        elif held is not None and held[j]:
            note = (
                f"responds (p = {p:.2g}) but within the seed noise of its slope: held at its "
                "estimate, no standard error (the others' are conditional on it)"
            )
        elif not np.isfinite(se):
            note = (
                "G'WG, net of the Jacobian's seed noise, is not positive definite at the "
                "estimate: no standard error"
            )
        rows.append(
            {
                "parameter": n,
                "estimate": v,
                "lower_bound": lo,
                "upper_bound": hi,
                "se": se,
                "ci90_low": max(lo, v - Z90 * se) if np.isfinite(se) else np.nan,
                "ci90_high": min(hi, v + Z90 * se) if np.isfinite(se) else np.nan,
                "best10_low": float(best[n].min()),
                "best10_high": float(best[n].max()),
                "response_p": p,
                "note": note,
            }
        )
    for n in res.fixed:
        rows.append(
            {
                "parameter": n,
                "estimate": np.nan,
                "lower_bound": prob.spec.parameters[n].range[0],
                "upper_bound": prob.spec.parameters[n].range[1],
                "se": np.nan,
                "note": "fixed at the base value by screening",
            }
        )
    return pd.DataFrame(rows)


def fit_table(prob: Problem, best_m: np.ndarray, W: np.ndarray) -> pd.DataFrame:
    mean = np.nanmean(best_m, axis=0)
    d = mean - prob.targets
    contrib = d * (W @ d)
    return pd.DataFrame(
        {
            "moment": [m.label for m in prob.moments],
            "target": prob.targets,
            "simulated": mean,
            "band_low": np.nanquantile(best_m, 0.05, axis=0),
            "band_high": np.nanquantile(best_m, 0.95, axis=0),
            "J_share": contrib / contrib.sum() if contrib.sum() > 0 else np.nan,
        }
    )


def paths(prob: Problem, annual: pd.DataFrame) -> pd.DataFrame:
    """Simulated mean and 90% band at the estimate, with the real values, by year."""
    spec = prob.spec
    quantities = sorted({t.quantity for t in spec.targets})
    a = annual[annual["quantity"].isin(quantities)]
    g = a.groupby(["quantity", "country", "year"])["value"]
    sim = pd.DataFrame(
        {
            "sim_mean": g.mean(),
            "sim_low": g.quantile(0.05),
            "sim_high": g.quantile(0.95),
        }
    ).reset_index()
    sim["real_country"] = sim["country"].map(spec.countries)
    if prob.real is not None:
        real = prob.real.rename(columns={"country": "real_country", "value": "real"})
        sim = sim.merge(real, on=["quantity", "real_country", "year"], how="left")
    else:
        sim["real"] = np.nan
    window = np.where(sim["year"] <= spec.train[1], "train", "other")
    if spec.test is not None:
        held = (sim["year"] >= spec.test[0]) & (sim["year"] <= spec.test[1])
        window = np.where(held, "test", window)
    sim["window"] = window
    return sim


def out_of_sample(prob: Problem, p: pd.DataFrame) -> pd.DataFrame:
    spec = prob.spec
    if spec.test is None:
        return pd.DataFrame()
    rows = []
    for (q, c), g in p.groupby(["quantity", "country"]):
        test = g[(g["window"] == "test") & g["real"].notna()]
        train = g[(g["window"] == "train") & g["real"].notna()]
        if test.empty or train.empty:
            continue
        last_train = train[train["year"] == train["year"].max()].iloc[0]
        last_test = test[test["year"] == test["year"].max()].iloc[0]
        err = test["sim_mean"] - test["real"]
        inside = (test["real"] >= test["sim_low"]) & (test["real"] <= test["sim_high"])
        real_change = last_test["real"] - last_train["real"]
        sim_change = last_test["sim_mean"] - last_train["sim_mean"]
        rows.append(
            {
                "quantity": q,
                "country": c,
                "real_country": spec.countries[str(c)],
                "years": len(test),
                "rmse": float(np.sqrt((err**2).mean())),
                "rmse_train": float(np.sqrt(((train["sim_mean"] - train["real"]) ** 2).mean())),
                "rmse_persistence": float(
                    np.sqrt(((test["real"] - last_train["real"]) ** 2).mean())
                ),
                "coverage": float(inside.mean()),
                "real_change": float(real_change),
                "sim_change": float(sim_change),
                "direction_right": bool(np.sign(real_change) == np.sign(sim_change)),
            }
        )
    return pd.DataFrame(rows)


def identification(prob: Problem, res: Result) -> pd.DataFrame:
    """Elasticity-like table: d moment / d parameter times the parameter's range, in units of
    the moment's seed standard deviation (how many noise units a move across the range
    makes)."""
    G = res.extra.get("jacobian")
    if G is None:
        return pd.DataFrame()
    sd = np.sqrt(np.diag(res.weights.S))
    ranges = np.array([np.diff(prob.spec.parameters[n].range)[0] for n in res.active])
    t = G * ranges[None, :] / sd[:, None]
    return pd.DataFrame(t, index=[m.label for m in prob.moments], columns=res.active)


def summarise(prob: Problem, res: Result, tables: dict[str, Any]) -> str:
    oos = tables["oos"]
    if oos is None or len(oos) == 0:
        return "no held-out real data: no out-of-sample statistics"
    return (
        f"out of sample ({prob.spec.test[0]}-{prob.spec.test[1]}, "  # type: ignore[index]
        f"{len(oos)} series): RMSE {oos['rmse'].mean():.3g} (persistence "
        f"{oos['rmse_persistence'].mean():.3g}), coverage of the 90% band "
        f"{oos['coverage'].mean():.0%}, direction of change right in "
        f"{int(oos['direction_right'].sum())} of {len(oos)}"
    )
