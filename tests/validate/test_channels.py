"""Channels of a DVA-share change: hand numbers, a new export stage, and exact adding up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.validate.metrics.channels import CHANNELS, dva_channels

# Country H, regime "baseline" -> "join":
#   baseline: E = (60, 40) -> w = (.6, .4); m = (.5, .2) -> d = (.5, .8); tau = (.1, .05)
#             DVA/EXP = .6*.5 + .4*.8 = .62
#   join:     E = (30, 70) -> w = (.3, .7); m = (.4, .3) -> d = (.6, .7); tau = (.1, .1)
#             DVA/EXP = .3*.6 + .7*.7 = .67;  total .05
#   composition = (-.3)(.55) + (.3)(.75)         = .06
#   within      = (.45)(.1) + (.55)(-.1)         = -.01
#   trade_costs = (.45)(0) + (.55)(.05)          = .0275
#   sourcing    = (.45)(.1 - 0) + (.55)(-.1 - .05) = -.0375
# Country J: a new export stage C with high domestic content
#   baseline: A E=100 d=.5;  join: A E=50 d=.5, C E=50 d=.9 -> .5 -> .7, all composition
ROWS = [
    ("H", "baseline", "A", 60.0, 0.5, 0.1),
    ("H", "baseline", "B", 40.0, 0.2, 0.05),
    ("H", "join", "A", 30.0, 0.4, 0.1),
    ("H", "join", "B", 70.0, 0.3, 0.1),
    ("J", "baseline", "A", 100.0, 0.5, 0.0),
    ("J", "join", "A", 50.0, 0.5, 0.0),
    ("J", "join", "C", 50.0, 0.1, 0.0),
]
DF = pd.DataFrame(ROWS, columns=["country", "regime", "stage", "exports", "m", "tau"])
KW = dict(start="baseline", end="join", state="regime", imported_share="m", tax_share="tau")


def test_channels_by_hand():
    out = dva_channels(DF, **KW).set_index("country")
    h, j = out.loc["H"], out.loc["J"]
    assert (h["dva_start"], h["dva_end"], h["total"]) == pytest.approx((0.62, 0.67, 0.05))
    assert h["composition"] == pytest.approx(0.06)
    assert h["within"] == pytest.approx(-0.01)
    assert h["trade_costs"] == pytest.approx(0.0275)
    assert h["sourcing"] == pytest.approx(-0.0375)
    assert (j["dva_start"], j["dva_end"]) == pytest.approx((0.5, 0.7))
    assert (j["composition"], j["within"]) == pytest.approx((0.2, 0.0))
    assert (h["start"], h["end"]) == ("baseline", "join")


def test_per_stage_contributions():
    out = dva_channels(DF, per_stage=True, **KW)
    h = out[out["country"] == "H"].set_index("stage")
    # A: composition -.3*.55 = -.165, within .45*.1 = .045; B: .225 and -.055, trade .0275
    assert h.loc["A", "composition"] == pytest.approx(-0.165)
    assert h.loc["B", "composition"] == pytest.approx(0.225)
    assert h.loc["A", "within"] == pytest.approx(0.045)
    assert h.loc["B", "trade_costs"] == pytest.approx(0.0275)
    assert h.loc["A", "total"] == pytest.approx(0.18 - 0.3)
    sums = out.groupby("country")[[*CHANNELS, "total"]].sum()
    agg = dva_channels(DF, **KW).set_index("country")
    pd.testing.assert_frame_equal(sums, agg[[*CHANNELS, "total"]], check_exact=False)


def test_domestic_share_input_and_no_tax():
    dom = DF.assign(d=1 - DF["m"])
    a = dva_channels(dom, start="baseline", end="join", state="regime", domestic_share="d")
    b = dva_channels(DF, start="baseline", end="join", state="regime", imported_share="m")
    pd.testing.assert_frame_equal(a, b)
    assert (a["trade_costs"] == 0).all()
    assert np.allclose(a["sourcing"], a["within"])


def test_bad_input():
    with pytest.raises(InputError, match="exactly one"):
        dva_channels(DF, start="baseline", end="join", state="regime")
    with pytest.raises(InputError, match="outside"):
        dva_channels(DF.assign(tau=0.9), **KW)  # taxes above domestic content
    with pytest.raises(InputError, match="no row"):
        dva_channels(DF, **{**KW, "end": "build"})
    with pytest.raises(InputError, match="repeat"):
        dva_channels(pd.concat([DF, DF.iloc[[0]]]), **KW)


@st.composite
def frames(draw):
    rows = []
    for country in ("X", "Y"):
        for t in (0, 1):
            for s in ("a", "b", "c"):
                if draw(st.booleans()) or s == "a":
                    m = draw(st.floats(0, 1))
                    tau = draw(st.floats(0, 1)) * (1 - m)
                    rows.append((country, t, s, draw(st.floats(0.1, 100)), m, tau))
    return pd.DataFrame(rows, columns=["country", "period", "stage", "exports", "m", "tau"])


@settings(max_examples=100, deadline=None)
@given(frames())
def test_channels_add_up_exactly(df):
    out = dva_channels(df, start=0, end=1, imported_share="m", tax_share="tau")
    assert np.allclose(out["composition"] + out["within"], out["total"], atol=1e-12)
    assert np.allclose(out["sourcing"] + out["trade_costs"], out["within"], atol=1e-12)
    for r in out.itertuples():  # total is the change of the export-weighted domestic content
        for t, level in ((0, r.dva_start), (1, r.dva_end)):
            g = df[(df["country"] == r.country) & (df["period"] == t)]
            assert level == pytest.approx(float((g["exports"] * (1 - g["m"])).sum() /
                                                g["exports"].sum()))  # fmt: skip
