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
    ids = ["run_id", "focal", "regime", "point", "replicate", "period"]
    if spec.design.kind != "factorial":
        # pool parameter uncertainty; runs still pair within their own design point
        panel = panel.assign(design_point=panel["point"], point=0)
        ids.append("design_point")
    return panel.melt(
        id_vars=ids,
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
    if "design_point" in long.columns:  # a pooled design pairs runs of the same point
        pair.append("design_point")
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
    # the baseline has no difference rows: 0; a regime's missing interval (one replicate)
    # stays missing rather than reading as [0, 0]
    base = out[diff_cols].isna().all(axis=1) if diff_cols else out["regime"].notna()
    out.loc[base, diff_cols] = 0.0
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


# -- support of each outcome, horizon aggregates, rank distribution, cost-effectiveness -------

SHARES = (
    "domestic_input_share",
    "dva_share",
    "dva_share_basic",
    "fva_share",
    "functional_position",
    "informal_share",
    "outsourcing_share",
)
"""Outcomes that are shares or indices on [0, 1]."""

NON_NEGATIVE = (
    "gross_exports",
    "gvc_backward",
    "gvc_forward",
    "match_ht",
    "match_lt",
    "domestic_ht",
    "domestic_lt",
    "capability_ht",
    "capability_lt",
    "employment",
    "wage_bill",
    "policy_cost",
    "supplier_drops",
    "odm_firms",
    "obm_firms",
    "obm_attempts",
    "obm_successes",
    "obm_exits",
    "brand_leaders",
    "brand_promotions",
    "brand_exits",
    "rd_spend",
    "learning_investment",
    "knowledge_received_ht",
    "knowledge_received_lt",
    "firms",
)
"""Outcomes that cannot be negative (counts, money spent, capability indices)."""

FLOWS = (
    "gross_exports",
    "gvc_backward",
    "gvc_forward",
    "value_captured",
    "value_added",
    "wage_bill",
    "policy_cost",
    "supplier_drops",
    "rd_spend",
    "learning_investment",
    "knowledge_received_ht",
    "knowledge_received_lt",
)
"""Per-quarter flows: their horizon aggregate is the sum over quarters (a stock or a share is
averaged over the horizon instead)."""


def support(outcome: str) -> tuple[float, float]:
    """The range an outcome can take: [0, 1] for shares, [0, inf) for non-negative ones."""
    if outcome in SHARES:
        return (0.0, 1.0)
    if outcome in NON_NEGATIVE:
        return (0.0, np.inf)
    return (-np.inf, np.inf)


def clip_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Clip the interval of each level (``ci_low``, ``ci_high``) to its outcome's support.

    A t-interval ``mean +- t s / sqrt(n)`` of a cost near 0 or a share near 1 can leave the
    range the quantity takes; the true mean lies in the support, so intersecting the interval
    with the support keeps its coverage (it only drops impossible values). ``clipped`` marks
    the rows where a bound moved. Bootstrap intervals never leave the support.
    """
    if frame.empty:
        return frame.assign(clipped=pd.Series(dtype=bool))
    lo = frame["outcome"].map(lambda o: support(str(o))[0]).to_numpy(float)
    hi = frame["outcome"].map(lambda o: support(str(o))[1]).to_numpy(float)
    return _clip(frame, lo, hi)


def clip_differences(diffs: pd.DataFrame, summary: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Clip each paired difference's interval to the range a mean difference can take.

    With ``y`` in ``[a, b]``, the mean paired difference ``mean(y - y_base)`` lies in
    ``[a - mean(y_base), b - mean(y_base)]``: a cost difference from a baseline that spends
    nothing is >= 0, a share difference stays in ``[-base, 1 - base]``.
    """
    if diffs.empty:
        return diffs.assign(clipped=pd.Series(dtype=bool))
    keys = ["focal", "point", "period", "outcome"]
    base = summary.loc[summary["regime"] == baseline, [*keys, "mean"]]
    d = diffs.merge(base.rename(columns={"mean": "_base"}), on=keys, how="left")
    a = d["outcome"].map(lambda o: support(str(o))[0]).to_numpy(float)
    b = d["outcome"].map(lambda o: support(str(o))[1]).to_numpy(float)
    m = d["_base"].to_numpy(float)
    lo = np.where(np.isfinite(m), a - m, -np.inf)
    hi = np.where(np.isfinite(m), b - m, np.inf)
    out = _clip(d.drop(columns="_base"), lo, hi)
    out["significant"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out


def _clip(frame: pd.DataFrame, lo: np.ndarray, hi: np.ndarray) -> pd.DataFrame:
    cl = frame["ci_low"].to_numpy(float)
    ch = frame["ci_high"].to_numpy(float)
    m = frame["mean"].to_numpy(float)
    # never past the estimate itself: a mean outside the stated range would be a wrong range
    lo = np.where(np.isfinite(m), np.minimum(lo, m), lo)
    hi = np.where(np.isfinite(m), np.maximum(hi, m), hi)
    new_lo = np.where(np.isnan(cl), cl, np.clip(cl, lo, hi))
    new_hi = np.where(np.isnan(ch), ch, np.clip(ch, lo, hi))
    moved = ~np.isclose(new_lo, cl, equal_nan=True) | ~np.isclose(new_hi, ch, equal_nan=True)
    return frame.assign(ci_low=new_lo, ci_high=new_hi, clipped=moved)


def horizon_long(long: pd.DataFrame) -> pd.DataFrame:
    """One value per (run, outcome) over the whole horizon: flows summed, the rest averaged.

    Kept periods ``p_1 < ... < p_K`` (every ``outputs.every``-th quarter and the last) stand
    for the quarters since the previous kept one, so a flow's cumulative total is
    ``sum_k y_{p_k} (p_k - p_{k-1})`` with ``p_0 = 0`` (exact when every quarter is kept) and
    a stock's horizon mean is that sum over ``p_K``. ``period`` is set to ``p_K``.
    """
    if long.empty:
        return long.assign(aggregate=pd.Series(dtype=str))
    periods = np.sort(long["period"].unique())
    width = pd.Series(np.diff(np.concatenate([[0], periods])), index=periods)
    d = long.dropna(subset=["value"])
    d = d.assign(w=d["period"].map(width), wy=d["value"] * d["period"].map(width))
    keys = [c for c in d.columns if c not in ("period", "value", "w", "wy")]
    g = d.groupby(keys, sort=True, dropna=False)[["wy", "w"]].sum().reset_index()
    flow = g["outcome"].isin(FLOWS)
    T = float(periods[-1])
    g["value"] = np.where(flow, g["wy"], g["wy"] / T)
    g["aggregate"] = np.where(flow, "sum", "mean")
    g["period"] = int(periods[-1])
    return g.drop(columns=["wy", "w"])


def _paired_matrix(
    long: pd.DataFrame, outcome: str, regimes: list[str]
) -> dict[tuple[object, object], pd.DataFrame]:
    """Per (focal, point): a (pair x regime) matrix of ``outcome``, complete pairs only."""
    d = long.loc[long["outcome"] == outcome]
    pair = ["replicate", "design_point"] if "design_point" in d.columns else ["replicate"]
    out: dict[tuple[object, object], pd.DataFrame] = {}
    for key, g in d.groupby(["focal", "point"], sort=True):
        m = g.pivot_table(index=pair, columns="regime", values="value", aggfunc="mean")
        m = m.reindex(columns=[r for r in regimes if r in m.columns]).dropna()
        out[(key[0], key[1])] = m
    return out


def _resample_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(B, k) means of the columns of ``values`` (n x k) over B paired resamples of rows."""
    n = values.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n, 1)))
    draws = rng.integers(0, n, size=(resamples, n))
    C = np.zeros((resamples, n))
    np.add.at(C, (np.repeat(np.arange(resamples), n), draws.ravel()), 1.0)
    return np.asarray(C @ values / n)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 = highest along the last axis (average ranks for ties)."""
    return np.asarray(stats.rankdata(-values, axis=-1, method="average"))


def rank_distribution(
    long: pd.DataFrame,
    rank_by: str,
    regimes: list[str],
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Probability of being best and rank interval of every regime, per (focal, point).

    ``long`` holds one period (e.g. the last, or :func:`horizon_long`). For each paired seed
    (replicate; design point too in a pooled design) the regimes are ranked by ``rank_by``:

    * ``p_best`` -- share of paired seeds in which the regime has the highest outcome (a tie
      splits the seed equally), so it sums to 1 over the regimes of a country;
    * ``rank_low``, ``rank_high`` -- percentile interval (``level``) of the regime's rank
      when the ranking is made on the means of a paired bootstrap resample of the seeds
      (Efron & Tibshirani 1993, ch. 13; rank intervals by bootstrap as in Hall & Miller 2009);
      ``rank_mean`` is the rank of the mean over all seeds.
    """
    rows = []
    alpha = (1 - level) / 2
    for (focal, point), m in _paired_matrix(long, rank_by, regimes).items():
        if m.empty:
            continue
        v = m.to_numpy(float)
        best = v == v.max(axis=1, keepdims=True)
        p_best = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
        rank_mean = _ranks(v.mean(axis=0))
        if v.shape[0] >= 2:
            boot = _ranks(_resample_means(v, resamples, seed))
            lo = np.quantile(boot, alpha, axis=0, method="inverted_cdf")
            hi = np.quantile(boot, 1 - alpha, axis=0, method="inverted_cdf")
        else:
            lo = hi = np.full(v.shape[1], np.nan)
        for j, regime in enumerate(m.columns):
            rows.append(
                {
                    "focal": focal,
                    "point": point,
                    "regime": regime,
                    "pairs": v.shape[0],
                    "p_best": float(p_best[j]),
                    "rank_mean": float(rank_mean[j]),
                    "rank_low": float(lo[j]),
                    "rank_high": float(hi[j]),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "focal",
            "point",
            "regime",
            "pairs",
            "p_best",
            "rank_mean",
            "rank_low",
            "rank_high",
        ],
    )


def cost_effectiveness(
    horizon: pd.DataFrame,
    rank_by: str,
    baseline: str,
    regimes: list[str],
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    cost: str = "policy_cost",
) -> pd.DataFrame:
    """Gain in ``rank_by`` per unit of policy cost over the horizon, with a bootstrap interval.

    ``ratio = mean_r(dY_r) / mean_r(dC_r)`` -- the ratio of the paired mean differences from
    the baseline of the horizon aggregates (:func:`horizon_long`: cumulative value gained per
    million spent for flows). The interval is the percentile interval of the ratio over paired
    bootstrap resamples of the seeds. A ratio with a denominator that may be 0 has no finite
    interval (Fieller 1954), so the ratio is reported only when the cost difference's
    bootstrap interval lies above 0 (``note`` says why otherwise).
    """
    rows = []
    alpha = (1 - level) / 2
    ys = _paired_matrix(horizon, rank_by, regimes)
    cs = _paired_matrix(horizon, cost, regimes)
    for key, y in ys.items():
        c = cs.get(key)
        if c is None or baseline not in y.columns or baseline not in c.columns:
            continue
        common = y.index.intersection(c.index)
        y, c = y.loc[common], c.loc[common]
        for regime in y.columns:
            if regime == baseline:
                continue
            dy = (y[regime] - y[baseline]).to_numpy(float)
            dc = (c[regime] - c[baseline]).to_numpy(float)
            row: dict[str, object] = {
                "focal": key[0],
                "point": key[1],
                "regime": regime,
                "gain": float(dy.mean()) if dy.size else np.nan,
                "cost": float(dc.mean()) if dc.size else np.nan,
                "ratio": np.nan,
                "ratio_low": np.nan,
                "ratio_high": np.nan,
                "note": "",
            }
            if dy.size < 2:
                row["note"] = "fewer than two paired seeds"
            else:
                means = _resample_means(np.column_stack([dy, dc]), resamples, seed)
                c_lo = float(np.quantile(means[:, 1], alpha))
                if c_lo <= 0:
                    row["note"] = "the cost difference is not above 0: no ratio"
                else:
                    # a resample below the lower bound may have no extra cost: its ratio is
                    # infinite (it sorts into the tail) or undefined (left out)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        ratio = means[:, 0] / means[:, 1]
                    row["ratio"] = float(dy.mean() / dc.mean())
                    row["ratio_low"] = float(np.nanquantile(ratio, alpha))
                    row["ratio_high"] = float(np.nanquantile(ratio, 1 - alpha))
            rows.append(row)
    cols = ["focal", "point", "regime", "gain", "cost", "ratio", "ratio_low", "ratio_high", "note"]
    return pd.DataFrame(rows, columns=cols)


# -- stage tables: smile curve and concentration ---------------------------------------------


def last_stage_rows(
    tables: dict[str, pd.DataFrame], spec: Spec, stage_names: list[str]
) -> pd.DataFrame:
    """Stage rows of done runs at the last period (first design point of a factorial), with
    the stage's position along the chain."""
    st = tables["stages"]
    if st.empty:
        return st
    st = with_run_factors(st.loc[st["period"] == st["period"].max()], tables["runs"])
    if spec.design.kind == "factorial":
        st = st.loc[st["point"] == st["point"].min()]
    position = {s: i for i, s in enumerate(stage_names)}
    return st.assign(position=st["stage"].map(position))


def smile_table(st: pd.DataFrame, level: float, method: str = "t", seed: int = 0) -> pd.DataFrame:
    """World VA share and focal-country VA by stage, averaged over replicates."""
    if st.empty:
        return pd.DataFrame()
    world = st.groupby(["run_id", "stage"], sort=False)["value_added"].sum().rename("va_stage")
    total = world.groupby(level="run_id").transform("sum")
    per_run = (world / total).rename("va_share_world").reset_index()
    focal = st.loc[st["country"] == st["focal"], ["run_id", "stage", "value_added"]]
    per_run = per_run.merge(focal, on=["run_id", "stage"], how="left").fillna({"value_added": 0})
    keys = st[["run_id", "focal", "regime", "position", "stage"]].drop_duplicates()
    per_run = per_run.merge(keys, on=["run_id", "stage"])
    ci = interval_frame(
        per_run.rename(columns={"value_added": "value"}),
        ["focal", "regime", "position", "stage"],
        level,
        method,
        seed=seed,
    ).rename(
        columns={
            "mean": "va_focal_mean",
            "ci_low": "va_focal_low",
            "ci_high": "va_focal_high",
            "sd": "va_focal_sd",
        }
    )
    by = ["focal", "regime", "position", "stage"]
    # value added at basic prices can be negative (sales below input cost); where no run's is,
    # the interval is clipped at 0, the bound the runs show
    floor = per_run.groupby(by)["value_added"].min().clip(upper=0.0).rename("_floor")
    ci = ci.merge(floor.reset_index(), on=by)
    ci["va_focal_low"] = np.maximum(ci["va_focal_low"], ci.pop("_floor"))
    share = per_run.groupby(by)["va_share_world"].mean().reset_index()
    return share.merge(ci, on=by)


def concentration_table(st: pd.DataFrame) -> pd.DataFrame:
    """Per stage: countries with output > 0 and HHI of output shares, mean over replicates."""
    if st.empty:
        return pd.DataFrame()
    total = st.groupby(["run_id", "stage"])["output"].transform("sum")
    share = np.where(total > 0, st["output"] / total.where(total > 0, 1.0), 0.0)
    st = st.assign(share2=share**2, producing=(share > 1e-9).astype(float))
    per_run = (
        st.groupby(["run_id", "focal", "regime", "position", "stage"])
        .agg(hhi=("share2", "sum"), producers=("producing", "sum"))
        .reset_index()
    )
    return (
        per_run.groupby(["focal", "regime", "position", "stage"])[["hhi", "producers"]]
        .mean()
        .reset_index()
    )
