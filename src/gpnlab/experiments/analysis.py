"""Analysis of an experiment: intervals across replicates, paired differences, sensitivity.

Outcomes are read for the run's focal country (the country that pursues the regime).

* Summary: per (focal, regime, point, period, outcome) the mean, standard deviation and the
  Student-t interval ``mean +- t_{1-a/2, n-1} s / sqrt(n)`` across replicates.
* Differences from the baseline regime, paired by seed: replicate ``r`` of a regime and of the
  baseline share their seed (common random numbers), so ``d_r = y_r(regime) - y_r(baseline)``
  and the interval is the t-interval of the ``d_r``. Pairing removes the variance that the two
  runs share, which is most of it (Law 2015, ch. 11 "common random numbers").
* Factorial designs keep one row per parameter point; sampled designs (lhs, sobol, morris)
  pool over points, i.e. the interval covers parameter and stochastic uncertainty together.
* Sobol indices (Saltelli et al. 2010; Jansen estimator as in SALib) and Morris elementary
  effects (Campolongo et al. 2007) of the replicate-mean outcome at the last period, with
  SALib's bootstrap confidence intervals.

A :class:`FewReplicatesWarning` is raised when the replicates are too few for the interval
asked for: fewer than two (no interval), or so few that the t quantile exceeds the normal one
by more than 25% (n <= 6 at 95%, n <= 9 at 99%): the interval is then driven by the
uncertainty about the standard deviation and assumes near-normal outcomes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from gpnlab.experiments.spec import Spec


class FewReplicatesWarning(UserWarning):
    """Too few replicates for a reliable interval at the requested level."""


KEYS = ["focal", "regime", "point", "period"]


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """Mean, standard deviation and Student-t interval of ``values``: (mean, sd, lo, hi, n)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = v.size
    if n == 0:
        return (np.nan, np.nan, np.nan, np.nan, 0)
    mean = float(v.mean())
    if n < 2:
        return (mean, np.nan, np.nan, np.nan, 1)
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / np.sqrt(n)
    return (mean, sd, mean - half, mean + half, n)


def replicates_too_few(n: int, level: float, method: str = "t") -> bool:
    """True when n < 2 or t_{(1+level)/2, n-1} > 1.25 z_{(1+level)/2} (t-interval), or
    n < 10 (percentile bootstrap: too few distinct resamples, it under-covers)."""
    if n < 2:
        return True
    if method == "bootstrap":
        return n < 10
    z = stats.norm.ppf(0.5 + level / 2)
    return bool(stats.t.ppf(0.5 + level / 2, n - 1) > 1.25 * z)


def interval_frame(
    df: pd.DataFrame,
    keys: list[str],
    level: float,
    method: str = "t",
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Intervals of column ``value`` grouped by ``keys``: Student t or percentile bootstrap."""
    clean = df.dropna(subset=["value"])
    g = clean.groupby(keys, sort=True)["value"]
    res = g.agg(n="count", mean="mean", sd="std").reset_index()
    if method == "bootstrap":
        lo, hi = bootstrap_bounds(clean, keys, level, resamples, seed)
        res["ci_low"], res["ci_high"] = lo, hi
        return res
    q = stats.t.ppf(0.5 + level / 2, np.maximum(res["n"].to_numpy() - 1, 1))
    half = np.where(res["n"] >= 2, q * res["sd"] / np.sqrt(res["n"]), np.nan)
    res["ci_low"] = res["mean"] - half
    res["ci_high"] = res["mean"] + half
    return res


def bootstrap_bounds(
    df: pd.DataFrame, keys: list[str], level: float, resamples: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap bounds of the group means (Efron & Tibshirani 1993, ch. 13).

    Groups of equal size share one set of resampling weights: ``B`` multinomial count vectors
    ``C`` (B x n), so every group's resampled means are one product ``values @ C' / n``.
    Deterministic for a given ``seed``. Bounds stay inside the range of the data (a share
    stays in [0, 1]), unlike a t-interval on a skewed outcome.
    """
    codes = df.groupby(keys, sort=True).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    values = df["value"].to_numpy(float)[order]
    codes = codes[order]
    n_groups = int(codes.max()) + 1 if codes.size else 0
    sizes = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    lo = np.full(n_groups, np.nan)
    hi = np.full(n_groups, np.nan)
    alpha = (1 - level) / 2
    for n in np.unique(sizes):
        if n < 2:
            continue
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(n),)))
        draws = rng.integers(0, n, size=(resamples, n))
        C = np.zeros((resamples, n))
        np.add.at(C, (np.repeat(np.arange(resamples), n), draws.ravel()), 1.0)
        groups = np.flatnonzero(sizes == n)
        M = values[starts[groups, None] + np.arange(n)]  # (groups, n)
        means = M @ C.T / n  # (groups, B)
        lo[groups], hi[groups] = np.quantile(means, [alpha, 1 - alpha], axis=1)
    return lo, hi


def with_run_factors(frame: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``frame`` (panel or stages) of done runs, with their focal country, regime,
    design point and replicate."""
    factors = ["run_id", "focal", "regime", "point", "replicate"]
    return frame.merge(runs.loc[runs["status"] == "done", factors], on="run_id")


def focal_long(tables: dict[str, pd.DataFrame], spec: Spec) -> pd.DataFrame:
    """Long table (run, focal, regime, point, replicate, period, outcome, value), focal rows."""
    panel = with_run_factors(tables["panel"], tables["runs"])
    panel = panel.loc[panel["country"] == panel["focal"]]
    if spec.design.kind != "factorial":
        panel = panel.assign(point=0)  # pool parameter uncertainty
    return panel.melt(
        id_vars=["run_id", "focal", "regime", "point", "replicate", "period"],
        value_vars=spec.outputs.columns,
        var_name="outcome",
    )


def _warn_few(n_min: int, level: float, what: str, method: str = "t") -> None:
    if replicates_too_few(n_min, level, method):
        warnings.warn(
            f"{what}: only {n_min} replicate(s) per cell for a {level:.0%} interval; "
            "add replicates (>= 10 recommended)",
            FewReplicatesWarning,
            stacklevel=3,
        )


def summarise(
    long: pd.DataFrame, level: float = 0.95, method: str = "t", seed: int = 0
) -> pd.DataFrame:
    """Mean, sd and interval per (focal, regime, point, period, outcome)."""
    res = interval_frame(long, [*KEYS, "outcome"], level, method, seed=seed)
    if len(res):
        _warn_few(int(res["n"].min()), level, "summary", method)
    return res


def differences(
    long: pd.DataFrame, baseline: str, level: float = 0.95, method: str = "t", seed: int = 0
) -> pd.DataFrame:
    """Paired differences from ``baseline`` with t-intervals (pairs share seed and point)."""
    pair = ["focal", "point", "replicate", "period", "outcome"]
    base = long.loc[long["regime"] == baseline, [*pair, "value"]]
    other = long.loc[long["regime"] != baseline]
    d = other.merge(base, on=pair, suffixes=("", "_base"))
    d = d.assign(value=d["value"] - d["value_base"])
    res = interval_frame(d, [*KEYS, "outcome"], level, method, seed=seed)
    if len(res):
        _warn_few(int(res["n"].min()), level, "differences", method)
    res["significant"] = (res["ci_low"] > 0) | (res["ci_high"] < 0)
    return res


def ranking(diffs: pd.DataFrame, summary: pd.DataFrame, rank_by: str) -> pd.DataFrame:
    """Regimes ranked per focal country (and point) by the difference in ``rank_by``.

    Uses the last period; the baseline is listed with difference 0. Columns: the difference in
    every outcome with its interval, and the policy cost level when it is kept.
    """
    if summary.empty:
        return pd.DataFrame()
    last = summary["period"].max()
    d = diffs.loc[diffs["period"] == last]
    wide = d.pivot_table(
        index=["focal", "point", "regime"], columns="outcome", values=["mean", "ci_low", "ci_high"]
    )
    wide.columns = [f"{o}_{stat}".replace("_mean", "_diff") for stat, o in wide.columns]
    wide = wide.reset_index()
    s = summary.loc[summary["period"] == last]
    level = s.pivot_table(index=["focal", "point", "regime"], columns="outcome", values="mean")
    level.columns = [f"{c}_level" for c in level.columns]
    out = level.reset_index().merge(wide, on=["focal", "point", "regime"], how="left")
    diff_cols = [c for c in out.columns if c.endswith(("_diff", "_ci_low", "_ci_high"))]
    out[diff_cols] = out[diff_cols].fillna(0.0)
    key = f"{rank_by}_diff"
    if key not in out.columns:
        out[key] = 0.0
    out = out.sort_values(["focal", "point", key], ascending=[True, True, False])
    out["rank"] = out.groupby(["focal", "point"]).cumcount() + 1
    return out.reset_index(drop=True)


def sensitivity(
    problem: dict[str, object],
    kind: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    level: float = 0.95,
    second_order: bool = False,
    levels: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices with SALib's confidence intervals.

    ``X`` is the design in SALib's sample order, ``Y`` one value per design row.
    """
    names = list(problem["names"])  # type: ignore[call-overload]
    if kind == "sobol":
        from SALib.analyze import sobol

        si = sobol.analyze(
            problem,
            np.asarray(Y, dtype=float),
            calc_second_order=second_order,
            conf_level=level,
            seed=seed,
        )
        return pd.DataFrame(
            {
                "parameter": names,
                "S1": si["S1"],
                "S1_conf": si["S1_conf"],
                "ST": si["ST"],
                "ST_conf": si["ST_conf"],
            }
        )
    if kind == "morris":
        from SALib.analyze import morris

        si = morris.analyze(
            problem,
            np.asarray(X, dtype=float),
            np.asarray(Y, dtype=float),
            conf_level=level,
            num_levels=levels,
            seed=seed,
        )
        return pd.DataFrame(
            {
                "parameter": names,
                "mu_star": si["mu_star"],
                "mu_star_conf": si["mu_star_conf"],
                "sigma": si["sigma"],
            }
        )
    raise ValueError(f"no indices for a {kind} design")


def experiment_sensitivity(
    tables: dict[str, pd.DataFrame], spec: Spec, problem: dict[str, object], X: np.ndarray
) -> pd.DataFrame:
    """Indices per (focal, regime, outcome) from the replicate-mean outcome at the last period."""
    if spec.design.kind not in ("sobol", "morris"):
        return pd.DataFrame()
    panel = tables["panel"]
    panel = with_run_factors(panel.loc[panel["period"] == panel["period"].max()], tables["runs"])
    panel = panel.loc[panel["country"] == panel["focal"]]
    frames = []
    for (focal, regime), g in panel.groupby(["focal", "regime"], sort=True):
        for outcome in spec.analysis.sensitivity_outcomes:
            if outcome not in g.columns:
                continue
            y = g.groupby("point")[outcome].mean().reindex(range(len(X)))
            if y.isna().any():
                continue  # an unfinished design cannot be analysed
            si = sensitivity(
                problem,
                spec.design.kind,
                X,
                y.to_numpy(),
                level=spec.analysis.level,
                second_order=spec.design.second_order,
                levels=spec.design.levels,
                seed=spec.seed,
            )
            frames.append(si.assign(focal=str(focal), regime=str(regime), outcome=outcome))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
