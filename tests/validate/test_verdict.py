"""summarise_seeds: the interval, the share of seeds and the verdict on hand numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.validate.metrics.verdict import parse_target, summarise_by, summarise_seeds


def test_interval_by_hand():
    # values 1, 2, 3: mean 2, sd 1, se 1/sqrt(3); t_{0.975, 2} = 4.302652729911275
    s = summarise_seeds([1.0, 2.0, 3.0], ">0")
    half = 4.302652729911275 / math.sqrt(3)
    assert s["mean"] == pytest.approx(2.0)
    assert s["sd"] == pytest.approx(1.0)
    assert s["ci_low"] == pytest.approx(2 - half)  # -0.484: straddles 0
    assert s["ci_high"] == pytest.approx(2 + half)
    assert s["verdict"] == "inconclusive"
    assert s["share_holds"] == 1.0  # every seed is > 0, yet the mean's interval is not
    assert s["n_seeds"] == 3 and s["n_finite"] == 3 and s["n_dropped"] == 0
    assert s["note"] == "interval straddles the target"


def test_holds_fails_inconclusive_directions():
    tight = [1.0, 1.1, 0.9, 1.05, 0.95]  # mean 1, interval about [0.90, 1.10]
    assert summarise_seeds(tight, ">0")["verdict"] == "holds"
    assert summarise_seeds(tight, "<0")["verdict"] == "fails"
    assert summarise_seeds(tight, ">1")["verdict"] == "inconclusive"
    assert summarise_seeds(tight, "<2")["verdict"] == "holds"
    assert summarise_seeds(tight, ">=0.5")["verdict"] == "holds"
    assert summarise_seeds(tight, "<= 0.5")["verdict"] == "fails"
    assert summarise_seeds(-np.array(tight), "<0")["verdict"] == "holds"


def test_range_target():
    tight = np.array([0.60, 0.62, 0.58, 0.61, 0.59])  # interval about [0.58, 0.62]
    assert summarise_seeds(tight, (0.45, 0.93))["verdict"] == "holds"
    assert summarise_seeds(tight, (0.70, 0.93))["verdict"] == "fails"  # wholly below
    assert summarise_seeds(tight, (0.10, 0.30))["verdict"] == "fails"  # wholly above
    assert summarise_seeds(tight, (0.60, 0.93))["verdict"] == "inconclusive"
    s = summarise_seeds(tight, (0.60, 0.93))
    assert s["share_holds"] == pytest.approx(3 / 5)  # 0.60, 0.62 and 0.61 are in [0.60, 0.93]
    assert s["target"] == "[0.6, 0.93]"


def test_strict_bounds_at_a_point_interval():
    # identical seeds: the interval is the point 0; ">0" is violated by 0, ">=0" is satisfied
    s = summarise_seeds([0.0, 0.0, 0.0], ">0")
    assert (s["ci_low"], s["ci_high"]) == (0.0, 0.0)
    assert s["verdict"] == "fails" and s["share_holds"] == 0.0
    assert summarise_seeds([0.0, 0.0], ">=0")["verdict"] == "holds"
    assert summarise_seeds([0.0, 0.0], "<0")["verdict"] == "fails"
    # an interval [0, x] touching a strict bound from inside is not wholly inside
    assert summarise_seeds([0.0, 2.0], ">0")["verdict"] == "inconclusive"


def test_nan_seeds_dropped_and_counted():
    s = summarise_seeds([1.0, np.nan, 1.1, np.inf, 0.9, 1.0], ">0")
    assert s["n_seeds"] == 6 and s["n_finite"] == 4 and s["n_dropped"] == 2
    assert s["mean"] == pytest.approx(1.0)
    assert s["share_holds"] == 1.0
    assert s["verdict"] == "holds"


@pytest.mark.parametrize("values", [[], [np.nan, np.nan], [3.0], [3.0, np.nan]])
def test_fewer_than_two_finite_seeds_is_inconclusive(values):
    s = summarise_seeds(values, ">0")
    assert s["verdict"] == "inconclusive"
    assert math.isnan(s["ci_low"]) and math.isnan(s["ci_high"])
    assert "fewer than 2" in s["note"]


def test_min_finite_raises_the_bar():
    s = summarise_seeds([1.0, 1.1, 0.9], ">0", min_finite=5)
    assert s["verdict"] == "inconclusive"
    assert summarise_seeds([1.0, 1.1, 0.9], ">0", min_finite=3)["verdict"] == "holds"


def test_bad_targets_and_values():
    for bad in ["0", "> ", "=>0", "0<", "positive"]:
        with pytest.raises(InputError):
            parse_target(bad)
    with pytest.raises(InputError):
        parse_target((1.0, 0.0))
    with pytest.raises(InputError):
        summarise_seeds([[1.0, 2.0]], ">0")
    with pytest.raises(InputError):
        summarise_seeds([1.0, 2.0], ">0", level=1.0)
    assert parse_target(">-1.5e-2").lo == pytest.approx(-0.015)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-10, 10), min_size=2, max_size=30),
    st.floats(-10, 10),
    st.floats(0, 5),
)
def test_verdict_is_consistent_with_the_interval(values, lo, width):
    """holds <=> interval inside the target; fails <=> disjoint from it; for both target kinds."""
    for target in (f">{lo!r}", f"<{lo!r}", (lo, lo + width)):
        s = summarise_seeds(values, target)
        t = parse_target(target)
        a, b = s["ci_low"], s["ci_high"]
        inside = bool(t.satisfied(np.array([a, b])).all())
        # disjoint: no point of [a, b] in the target (check densely, bounds included)
        grid = np.concatenate([np.linspace(a, b, 201), [t.lo, t.hi]])
        grid = grid[(grid >= a) & (grid <= b)]
        disjoint = not t.satisfied(grid).any()
        assert (s["verdict"] == "holds") == inside
        if s["verdict"] == "fails":
            assert disjoint
        if disjoint and not inside:
            assert s["verdict"] == "fails"


def test_summarise_by_groups():
    df = pd.DataFrame(
        {
            "fact": ["a"] * 3 + ["b"] * 3,
            "horizon": [20] * 6,
            "value": [1.0, 1.1, 0.9, -1.0, -1.1, np.nan],
        }
    )
    out = summarise_by(df, "value", ">0", by=["fact", "horizon"])
    assert list(out["fact"]) == ["a", "b"]
    assert list(out["verdict"]) == ["holds", "fails"]
    assert list(out["n_dropped"]) == [0, 1]
    assert "ci_low" in out.columns
