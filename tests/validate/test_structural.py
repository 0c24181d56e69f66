"""McMillan-Rodrik decomposition on hand data, and agreement with gpnlab.measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.measure import structural_change
from gpnlab.validate.metrics.structural import mcmillan_rodrik

# Country K: agriculture and manufacturing.
#   t=0: agri L=60 VA=60 (P=1),   manuf L=40 VA=120 (P=3): P0 = 180/100 = 1.8
#   t=1: agri L=50 VA=60 (P=1.2), manuf L=50 VA=200 (P=4): P1 = 260/100 = 2.6; dP = .8
#   within     = .6 * .2 + .4 * 1      = .52
#   structural = 1.2 * (-.1) + 4 * .1  = .28
# Country M: a new sector appears.
#   t=0: agri L=100 VA=100 (P=1);   t=1: agri L=50 VA=50, services L=50 VA=150 (P=3)
#   P0 = 1, P1 = 2; within = 1 * 0 + 0 = 0; structural = 1 * (-.5) + 3 * .5 = 1
HAND = pd.DataFrame(
    [
        ("K", 0, "agri", 60.0, 60.0),
        ("K", 0, "manuf", 120.0, 40.0),
        ("K", 1, "agri", 60.0, 50.0),
        ("K", 1, "manuf", 200.0, 50.0),
        ("M", 0, "agri", 100.0, 100.0),
        ("M", 1, "agri", 50.0, 50.0),
        ("M", 1, "services", 150.0, 50.0),
    ],
    columns=["country", "period", "sector", "value_added", "employment"],
)


def test_by_hand():
    out = mcmillan_rodrik(HAND, start=0, end=1, by="country").set_index("country")
    k, m = out.loc["K"], out.loc["M"]
    assert (k["productivity_start"], k["productivity_end"]) == pytest.approx((1.8, 2.6))
    assert (k["total"], k["within"], k["structural"]) == pytest.approx((0.8, 0.52, 0.28))
    assert (m["total"], m["within"], m["structural"]) == pytest.approx((1.0, 0.0, 1.0))
    assert k["residual"] == pytest.approx(0.0, abs=1e-12)
    assert (k["n_sectors"], m["n_sectors"]) == (2, 2)
    assert list(out.reset_index().columns) == [
        "country", "period_start", "period_end", "productivity_start", "productivity_end",
        "total", "within", "structural", "residual", "n_sectors",
    ]  # fmt: skip


def test_no_group_and_repeated_rows_summed():
    k = HAND[HAND["country"] == "K"]
    split = pd.concat([k, k.assign(value_added=0.0, employment=0.0)])  # zero rows change nothing
    one = mcmillan_rodrik(split, start=0, end=1)
    assert "country" not in one.columns and len(one) == 1
    assert one["within"].iloc[0] == pytest.approx(0.52)


def test_agrees_with_measure_structural_change():
    rng = np.random.default_rng(3)
    rows = [
        (c, t, s, rng.uniform(1, 100), rng.uniform(1, 50))
        for c in ("A", "B")
        for t in (0, 4)
        for s in ("s1", "s2", "s3")
    ]
    df = pd.DataFrame(rows, columns=["country", "period", "sector", "value_added", "employment"])
    ours = mcmillan_rodrik(df, start=0, end=4, by="country").set_index("country")
    ref = structural_change(df, group="country").set_index("country")
    assert np.allclose(ours["within"], ref["within"])
    assert np.allclose(ours["structural"], ref["static_between"] + ref["dynamic_between"])
    assert np.allclose(ours["total"], ref["growth"])


def test_value_added_without_workers_shows_as_residual():
    odd = pd.concat(
        [HAND[HAND["country"] == "K"], pd.DataFrame([("K", 1, "design", 40.0, 0.0)],
                                                    columns=HAND.columns)]
    )  # fmt: skip
    out = mcmillan_rodrik(odd, start=0, end=1).iloc[0]
    assert out["productivity_end"] == pytest.approx(3.0)  # 300 / 100
    assert out["residual"] == pytest.approx(0.4)  # the 40 of VA with no workers, per worker


def test_bad_input():
    with pytest.raises(InputError, match="no row at period"):
        mcmillan_rodrik(HAND, start=0, end=2)
    with pytest.raises(InputError, match="negative"):
        mcmillan_rodrik(HAND.assign(employment=-1.0), start=0, end=1)
