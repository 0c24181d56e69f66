"""The notebook API (issue 14, item 1): exports, the Analysis tables recomputed from the panel,
rank distribution and horizon totals on known data, a Dask client passed in."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gpnlab.experiments as ex
import gpnlab.simulate as sim
from gpnlab.experiments.analysis import (
    FewReplicatesWarning,
    differences,
    horizon_long,
    rank_distribution,
)
from gpnlab.experiments.api import Analysis
from tests.experiments.conftest import stored, tiny_spec


def test_the_notebook_names_are_exported() -> None:
    for name in ("load_spec", "run_experiment", "read_results", "analyse", "Analysis"):
        assert callable(getattr(ex, name)), name
        assert name in ex.__all__
    for name in ("apply_regime", "load_preset", "preset_names", "REGIMES"):
        assert hasattr(sim, name), name
    assert "default" in sim.preset_names()
    with pytest.raises(AttributeError):
        _ = ex.no_such_name  # type: ignore[attr-defined]


def test_analysis_holds_tidy_frames(reported: tuple[Path, Analysis]) -> None:
    _, a = reported
    for name in ("summary", "differences", "ranking", "smile", "concentration"):
        frame = getattr(a, name)
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0, name
    assert isinstance(a.sensitivity, pd.DataFrame) and a.sensitivity.empty  # factorial design
    assert isinstance(a.notes, list) and any("replicate" in n for n in a.notes)
    assert {"focal", "regime", "point", "period", "outcome", "mean", "ci_low", "ci_high"} <= set(
        a.summary.columns
    )
    r = a.ranking
    assert set(r["regime"]) == {"laissez_faire", "build", "hybrid"}
    for col in ("p_best", "rank_low", "rank_high", "rank_mean", "ce", "ce_low", "ce_high"):
        assert col in r.columns, col
    assert ((r["rank_low"] <= r["rank_mean"]) & (r["rank_mean"] <= r["rank_high"])).all()
    assert "value_captured_cum_diff" in r.columns and "policy_cost_cum_ci_low" in r.columns


def _last_wide(a: Analysis, out: Path, outcome: str) -> pd.DataFrame:
    """(replicate x regime) table of ``outcome`` at the last quarter, read from the store."""
    t = ex.read_results(out)
    p = t.panel.merge(t.runs[["run_id", "regime", "focal", "replicate"]], on="run_id")
    p = p.loc[(p["country"] == p["focal"]) & (p["period"] == p["period"].max())]
    return p.pivot_table(index="replicate", columns="regime", values=outcome)


def test_probability_of_best_counts_the_seeds_where_a_regime_is_highest(
    reported: tuple[Path, Analysis],
) -> None:
    out, a = reported
    wide = _last_wide(a, out, "value_captured")
    winners = wide.idxmax(axis=1).value_counts(normalize=True)
    r = a.ranking.set_index("regime")
    for regime in wide.columns:
        assert r.loc[regime, "p_best"] == pytest.approx(winners.get(regime, 0.0))
    assert r["p_best"].sum() == pytest.approx(1.0)


def test_cost_effectiveness_is_the_ratio_of_paired_horizon_means(
    reported: tuple[Path, Analysis],
) -> None:
    """Recomputed from the stored panel: cumulative totals with kept quarters standing for
    the quarters since the previous kept one (every = 2: each value counts twice)."""
    out, a = reported
    t = ex.read_results(out)
    p = t.panel.merge(t.runs[["run_id", "regime", "focal", "replicate"]], on="run_id")
    p = p.loc[p["country"] == p["focal"]]
    assert sorted(p["period"].unique()) == [2, 4, 6, 8]
    total = p.groupby(["regime", "replicate"])[["value_captured", "policy_cost"]].sum() * 2
    gain = total["value_captured"].unstack(0)
    cost = total["policy_cost"].unstack(0)
    ce = a.cost_effectiveness.set_index("regime")
    r = a.ranking.set_index("regime")
    for regime in ("build", "hybrid"):
        dy = gain[regime] - gain["laissez_faire"]
        dc = cost[regime] - cost["laissez_faire"]
        assert ce.loc[regime, "gain"] == pytest.approx(dy.mean())
        assert r.loc[regime, "value_captured_cum_diff"] == pytest.approx(dy.mean())
        assert r.loc[regime, "policy_cost_cum_diff"] == pytest.approx(dc.mean())
        if np.isfinite(ce.loc[regime, "ratio"]):
            assert ce.loc[regime, "ratio"] == pytest.approx(dy.mean() / dc.mean())
            assert ce.loc[regime, "ratio_low"] <= ce.loc[regime, "ratio"]
            assert ce.loc[regime, "ratio"] <= ce.loc[regime, "ratio_high"]
        else:
            assert ce.loc[regime, "note"]


def test_intervals_stay_inside_the_range_of_the_quantity(reported: tuple[Path, Analysis]) -> None:
    _, a = reported
    s = a.summary
    cost = s.loc[s["outcome"] == "policy_cost"]
    assert (cost["ci_low"] >= 0).all()
    shares = s.loc[s["outcome"].isin(["dva_share", "informal_share", "functional_position"])]
    assert ((shares["ci_low"] >= 0) & (shares["ci_high"] <= 1)).all()
    # the baseline spends nothing: a cost difference from it cannot be negative
    base = s.loc[(s["regime"] == "laissez_faire") & (s["outcome"] == "policy_cost")]
    assert (base["mean"] == 0).all()
    for frame in (a.differences, a.horizon_differences):
        d = frame.loc[frame["outcome"] == "policy_cost"]
        assert len(d) and (d["ci_low"] >= 0).all()
    assert (a.smile["va_focal_low"] >= 0).all()
    for frame in (a.summary, a.differences, a.horizon, a.horizon_differences):
        ok = frame.dropna(subset=["ci_low"])
        assert ((ok["ci_low"] <= ok["mean"]) & (ok["mean"] <= ok["ci_high"])).all()


def test_the_stated_range_of_every_outcome_holds_in_a_simulation() -> None:
    """Clipping is only as right as the ranges: every panel outcome of a small world over 8
    quarters, all countries, lies in :func:`support` (shares in [0, 1], the rest >= 0)."""
    from gpnlab.experiments.analysis import FLOWS, NON_NEGATIVE, SHARES, support
    from gpnlab.simulate.config import scale_firms
    from gpnlab.simulate.record import PANEL_OUTCOMES

    assert set(SHARES) | set(NON_NEGATIVE) | set(FLOWS) <= set(PANEL_OUTCOMES)
    world = sim.apply_regime(scale_firms(sim.load_preset("default"), 400), "gvc_oriented")
    panel = sim.simulate(world, seed=4, periods=8).panel
    for outcome in PANEL_OUTCOMES:
        lo, hi = support(outcome)
        v = panel[outcome].dropna().to_numpy(float)
        assert ((v >= lo - 1e-12) & (v <= hi + 1e-12)).all(), (outcome, v.min(), v.max())


def test_rank_distribution_on_known_seeds() -> None:
    """A always highest, B and C tied on seed 0 and C above B on the others."""
    rows = []
    for rep, (a, b, c) in enumerate([(5.0, 1.0, 1.0), (5.0, 1.0, 2.0), (6.0, 0.0, 3.0)]):
        for regime, v in zip("ABC", (a, b, c), strict=True):
            rows.append(
                {"focal": "X", "point": 0, "replicate": rep, "regime": regime,
                 "outcome": "y", "period": 1, "value": v}
            )  # fmt: skip
    d = rank_distribution(pd.DataFrame(rows), "y", ["A", "B", "C"]).set_index("regime")
    assert d.loc["A", "p_best"] == 1.0 and d.loc["B", "p_best"] == 0.0
    assert (d.loc["A", "rank_low"], d.loc["A", "rank_high"]) == (1.0, 1.0)
    assert (d.loc["C", "rank_mean"], d.loc["B", "rank_mean"]) == (2.0, 3.0)
    # a tie at the top splits the seed
    tie = pd.DataFrame(
        {"focal": "X", "point": 0, "replicate": [0, 0], "regime": ["A", "B"], "outcome": "y",
         "period": 1, "value": [1.0, 1.0]}
    )  # fmt: skip
    t = rank_distribution(tie, "y", ["A", "B"]).set_index("regime")
    assert t.loc["A", "p_best"] == t.loc["B", "p_best"] == 0.5


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 5),
    st.integers(1, 8),
    st.lists(st.integers(0, 3), min_size=40, max_size=40),
)
def test_probability_of_best_sums_to_one_and_rank_intervals_hold_the_rank(
    regimes: int, seeds: int, draws: list[int]
) -> None:
    """Any outcomes (ties included, coarse integers make many): P(best) sums to 1 per country,
    and the rank of the means lies in its bootstrap interval, inside [1, regimes]."""
    names = [f"r{i}" for i in range(regimes)]
    rows = [
        {"focal": f, "point": 0, "replicate": k, "regime": r, "outcome": "y", "period": 1,
         "value": float(draws[(i * seeds + k + 7 * j) % len(draws)])}
        for j, f in enumerate(("A", "B"))
        for i, r in enumerate(names)
        for k in range(seeds)
    ]  # fmt: skip
    d = rank_distribution(pd.DataFrame(rows), "y", names)
    assert d.groupby("focal")["p_best"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    assert ((d["rank_mean"] >= 1) & (d["rank_mean"] <= regimes)).all()
    if seeds >= 2:
        assert ((d["rank_low"] >= 1) & (d["rank_high"] <= regimes)).all()
        assert (d["rank_low"] <= d["rank_high"]).all()


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 12),
    st.lists(st.floats(0, 1e3), min_size=12, max_size=12),
)
def test_horizon_totals_weight_each_kept_quarter_by_the_quarters_it_stands_for(
    every: int, T: int, quarterly: list[float]
) -> None:
    """A flow constant between kept quarters (piecewise, as the periods kept imply) sums to
    its quarter-by-quarter total; a stock's horizon value is its mean over the quarters."""
    kept = sorted({p for p in range(1, T + 1) if p % every == 0} | {T})
    y = {}
    prev = 0
    for p in kept:
        for q in range(prev + 1, p + 1):
            y[q] = quarterly[p - 1]  # the kept value held over the quarters it stands for
        prev = p
    long = pd.DataFrame(
        [
            {"run_id": 0, "focal": "X", "regime": "r", "point": 0, "replicate": 0,
             "period": p, "outcome": o, "value": quarterly[p - 1]}
            for p in kept
            for o in ("policy_cost", "dva_share")
        ]
    )  # fmt: skip
    h = horizon_long(long).set_index("outcome")
    assert h.loc["policy_cost", "value"] == pytest.approx(sum(y.values()), rel=1e-9, abs=1e-9)
    assert h.loc["dva_share", "value"] == pytest.approx(sum(y.values()) / T, rel=1e-9, abs=1e-9)
    assert h.loc["policy_cost", "aggregate"] == "sum" and h.loc["dva_share", "aggregate"] == "mean"


def test_a_pooled_design_pairs_runs_within_their_design_point() -> None:
    """Two design points, two replicates: four pairs, not the 8 of pairing by replicate only."""
    rows = []
    for point in (0, 1):
        for rep in (0, 1):
            for regime, shift in (("base", 0.0), ("r", 1.0)):
                rows.append(
                    {"focal": "X", "regime": regime, "point": 0, "design_point": point,
                     "replicate": rep, "period": 1, "outcome": "y",
                     "value": 10.0 * point + rep + shift}
                )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewReplicatesWarning)
        d = differences(pd.DataFrame(rows), "base")
    assert d["n"].tolist() == [4]
    assert d["mean"].tolist() == [1.0] and d["sd"].tolist() == [0.0]


def test_run_experiment_takes_a_dask_client_and_leaves_it_open(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = tiny_spec(periods=3, replicates=1, parameters={})
    base = sim.load_preset("default")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        outcome = ex.run_experiment(spec, base, tmp_path / "dask", client=client)
        assert outcome.backend.startswith("dask") and outcome.failed == 0
        assert client.status == "running"  # the caller's client is not closed
    ex.run_experiment(spec, base, tmp_path / "serial", processes=1)
    a, b = stored(tmp_path / "dask"), stored(tmp_path / "serial")
    pd.testing.assert_frame_equal(a["panel"], b["panel"])


def test_run_experiment_refuses_a_client_with_workers(tmp_path: Path) -> None:
    from gpnlab.errors import InputError

    with pytest.raises(InputError, match="not both"):
        ex.run_experiment(tiny_spec(), out=tmp_path / "x", client=object(), workers=2)
    assert not (tmp_path / "x").exists()
