"""Drop hazard: observations from a hand-written history, binned rates and slopes by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.validate.metrics.hazard import binned_hazard, drop_observations, hazard_slope

# last period 10, horizon 4: snapshots 0 and 4 are used, 8 is censored (8 + 4 > 10)
#  spell 1: 1 -> 100, 0 .. open              t0: kept      t4: kept
#  spell 2: 2 -> 100, 0 .. 3 dropped         t0: dropped   t4: not alive
#  spell 3: 3 -> 101, 0 .. 6 capacity        t0: kept      t4: ended, not a drop
#  spell 4: 3 -> 102, 2 .. 8 dropped         t0: not alive t4: dropped (8 <= 4 + 4)
#  spell 5: 2 -> 103, 5 .. 7 dropped         alive at no snapshot
LINKS = pd.DataFrame(
    {
        "supplier": [1, 2, 3, 3, 2],
        "buyer": [100, 100, 101, 102, 103],
        "start": [0, 0, 0, 2, 5],
        "end": [-1, 3, 6, 8, 7],
        "reason": [None, "dropped", "capacity", "dropped", "dropped"],
    }
)
FIRMS = pd.DataFrame(
    {
        "period": [0, 0, 0, 4, 4, 4, 8, 8, 8],
        "firm": [1, 2, 3] * 3,
        "gap": [0.1, 0.5, 0.9, 0.0, 0.4, 0.8, 0.0, 0.3, 0.7],
        "role": ["HT", "LT", "LT"] * 3,
    }
)


def test_observations_by_hand():
    obs = drop_observations(LINKS, FIRMS, last_period=10, carry="role")
    assert list(obs.columns) == ["period", "supplier", "buyer", "gap", "role", "dropped", "ended"]
    got = {(r.period, r.supplier, r.buyer): (r.gap, r.dropped, r.ended) for r in obs.itertuples()}
    assert got == {
        (0, 1, 100): (0.1, False, False),
        (0, 2, 100): (0.5, True, True),
        (0, 3, 101): (0.9, False, False),
        (4, 1, 100): (0.0, False, False),
        (4, 3, 101): (0.8, False, True),
        (4, 3, 102): (0.8, True, True),
    }
    assert set(obs["period"]) == {0, 4}  # 8 is censored
    with pytest.raises(InputError, match="past the last period"):
        drop_observations(LINKS, FIRMS, last_period=10, periods=[8])


def test_observations_horizon_one():
    # horizon 1, snapshot 4: spell 4 (ends 8) and spell 3 (ends 6) survive to 5: no drop
    obs = drop_observations(LINKS, FIRMS, last_period=10, horizon=1, periods=[4])
    assert not obs["dropped"].any() and len(obs) == 3


def test_binned_hazard_by_hand():
    obs = pd.DataFrame(
        {"gap": [0.0, 0.0, 0.1, 0.2, 0.6, 0.7, 0.8, 0.9], "dropped": [0, 0, 0, 1, 0, 1, 1, 1]}
    )
    out = binned_hazard(obs, bins=2)  # median split: {0, 0, .1, .2} and {.6, .7, .8, .9}
    assert list(out["n"]) == [4, 4]
    assert list(out["events"]) == [1, 3]
    assert list(out["hazard"]) == pytest.approx([0.25, 0.75])
    assert list(out["gap_low"]) == [0.0, 0.6] and list(out["gap_high"]) == [0.2, 0.9]
    # ten bins on eight points with a tie at 0: tied edges merge
    assert binned_hazard(obs)["n"].sum() == 8
    one = binned_hazard(obs.assign(gap=0.3))
    assert len(one) == 1 and one["hazard"].iloc[0] == pytest.approx(0.5)


def test_linear_probability_by_hand():
    # gap 0: events 0, 1; gap 1: 1, 1 -> intercept .5, slope .5
    # HC1: (X'X)^-1 = [[.5, -.5], [-.5, 1]], meat = 2 * .25 e1 e1', scale 4/2 -> var(b) = .25
    obs = pd.DataFrame({"gap": [0.0, 0.0, 1.0, 1.0], "dropped": [0, 1, 1, 1]})
    fit = hazard_slope(obs, method="linear")
    assert (fit["intercept"], fit["slope"], fit["se"]) == pytest.approx((0.5, 0.5, 0.5))
    assert fit["n"] == 4 and fit["events"] == 3


def test_logit_by_hand():
    # binary regressor: intercept = logit(1/4), slope = logit(3/4) - logit(1/4) = 2 ln 3,
    # var(slope) = sum over the two cells of 1 / (n p (1 - p)) = 2 * 4/3
    obs = pd.DataFrame({"gap": [0.0] * 4 + [1.0] * 4, "dropped": [1, 0, 0, 0, 1, 1, 1, 0]})
    fit = hazard_slope(obs)
    assert fit["converged"] == 1.0
    assert fit["intercept"] == pytest.approx(math.log(1 / 3))
    assert fit["slope"] == pytest.approx(2 * math.log(3))
    assert fit["se"] == pytest.approx(math.sqrt(8 / 3))
    assert fit["ame"] == pytest.approx(2 * math.log(3) * 0.1875)  # p(1-p) = 3/16 everywhere


def test_logit_recovers_a_simulated_slope():
    rng = np.random.default_rng(7)
    gap = rng.uniform(0, 1, 20_000)
    p = 1 / (1 + np.exp(-(-3.0 + 2.0 * gap)))
    obs = pd.DataFrame({"gap": gap, "dropped": rng.uniform(size=gap.size) < p})
    fit = hazard_slope(obs)
    assert abs(fit["slope"] - 2.0) < 3 * fit["se"]
    assert abs(fit["intercept"] + 3.0) < 0.2
    lin = hazard_slope(obs, method="linear")
    assert lin["slope"] > 0 and abs(lin["slope"] - fit["ame"]) < 3 * lin["se"]


def test_degenerate_fits_are_nan():
    base = pd.DataFrame({"gap": [0.1, 0.2, 0.3, 0.4], "dropped": [0, 0, 0, 0]})
    assert math.isnan(hazard_slope(base)["slope"])  # no event
    assert math.isnan(hazard_slope(base.assign(dropped=1))["slope"])  # only events
    assert math.isnan(hazard_slope(base.assign(gap=0.5, dropped=[0, 1, 0, 1]))["slope"])
    separated = base.assign(dropped=[0, 0, 1, 1])  # perfect separation: no finite MLE
    fit = hazard_slope(separated)
    assert math.isnan(fit["slope"]) and fit["converged"] == 0.0
    assert not math.isnan(hazard_slope(separated, method="linear")["slope"])
