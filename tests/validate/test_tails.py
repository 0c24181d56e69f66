"""Tail exponents: Pareto samples recover their exponent; hand-made samples give exact values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.validate.metrics.tails import gabaix_ibragimov, hill, tail_exponents


def pareto(alpha: float, n: int = 20_000, seed: int = 12345) -> np.ndarray:
    # numpy's pareto is Lomax (Pareto II); + 1 gives the classical Pareto with x_min = 1
    return np.random.default_rng(seed).pareto(alpha, n) + 1.0


@pytest.mark.parametrize("alpha", [1.0, 1.5])
@pytest.mark.parametrize("share", [None, 0.1])
def test_pareto_sample_recovers_its_exponent(alpha, share):
    x = pareto(alpha)
    h = hill(x, top_share=share)
    g = gabaix_ibragimov(x, top_share=share)
    for fit in (h, g):
        assert abs(fit["zeta"] - alpha) < 3 * fit["se"], fit
    # the standard errors are the documented formulas
    assert h["se"] == pytest.approx(h["zeta"] / math.sqrt(h["k"]))
    assert g["se"] == pytest.approx(g["zeta"] * math.sqrt(2 / g["k"]))
    if share is None:
        assert (h["k"], g["k"], h["n"]) == (19_999, 20_000, 20_000)
    else:
        assert h["k"] == g["k"] == 2_000


def test_exponents_differ_between_alphas():
    """The estimate tracks the tail: 1.5 is told apart from 1.0 by many standard errors."""
    a, b = hill(pareto(1.0, seed=1)), hill(pareto(1.5, seed=2))
    assert (b["zeta"] - a["zeta"]) > 10 * math.hypot(a["se"], b["se"])


def test_hill_by_hand():
    # sizes 8, 4, 2, 1, k = 3: threshold 1; log excesses 3 ln2, 2 ln2, ln2, mean 2 ln2
    h = hill([1.0, 8.0, 2.0, 4.0], k=3)
    assert h["zeta"] == pytest.approx(1 / (2 * math.log(2)))
    assert h["se"] == pytest.approx(h["zeta"] / math.sqrt(3))
    assert h["threshold"] == 1.0 and h["n"] == 4
    # k = 2: threshold 2; excesses 2 ln2, ln2 -> zeta = 1 / (1.5 ln2)
    assert hill([1.0, 8.0, 2.0, 4.0], k=2)["zeta"] == pytest.approx(1 / (1.5 * math.log(2)))


def test_gabaix_ibragimov_exact_on_a_power_law():
    # sizes with ln(i - 1/2) = -zeta ln x_i exactly: the regression recovers zeta, intercept 0
    zeta = 1.3
    i = np.arange(1, 51)
    x = (i - 0.5) ** (-1 / zeta)
    g = gabaix_ibragimov(np.random.default_rng(0).permutation(x))
    assert g["zeta"] == pytest.approx(zeta)
    assert g["intercept"] == pytest.approx(0.0, abs=1e-12)
    assert g["se"] == pytest.approx(zeta * math.sqrt(2 / 50))


def test_zero_nan_and_degenerate_samples():
    # zeros and NaN are not sizes; they are dropped and n counts the positive ones
    h = hill([0.0, np.nan, 1.0, 8.0, 2.0, 4.0, -3.0], k=3)
    assert h["n"] == 4 and h["zeta"] == pytest.approx(1 / (2 * math.log(2)))
    assert math.isnan(hill([5.0, 5.0, 5.0])["zeta"])  # no spread: undefined, not infinite
    assert math.isnan(gabaix_ibragimov([5.0, 5.0, 5.0])["zeta"])
    assert math.isnan(hill([2.0, 1.0])["zeta"])  # k = 1 < 2
    assert math.isnan(gabaix_ibragimov([2.0, 1.0])["zeta"])
    assert math.isnan(hill([])["zeta"])
    with pytest.raises(InputError):
        hill([1.0, 2.0], k=1, top_share=0.5)
    with pytest.raises(InputError):
        gabaix_ibragimov([1.0, 2.0], top_share=1.5)


def test_tail_exponents_by_group():
    df = pd.DataFrame(
        {
            "role": ["HT"] * 20_000 + ["LT"] * 20_000,
            "employment": np.concatenate([pareto(1.0, seed=3), pareto(1.5, seed=4)]),
        }
    )
    out = tail_exponents(df, "employment", by="role", top_share=0.2)
    assert list(out.columns) == ["role", "method", "zeta", "se", "k", "n", "threshold"]
    assert len(out) == 4
    for role, alpha in (("HT", 1.0), ("LT", 1.5)):
        sub = out[out["role"] == role]
        assert set(sub["method"]) == {"hill", "gabaix_ibragimov"}
        assert ((sub["zeta"] - alpha).abs() < 3 * sub["se"]).all()
        assert (sub["k"] == 4_000).all()
