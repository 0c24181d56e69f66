"""Melitz-Polanec and FHK decompositions: hand-computed panels, and the adding-up identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.validate.metrics.decomposition import (
    FHK_TERMS,
    MP_TERMS,
    foster_haltiwanger_krizan,
    melitz_polanec,
    within_split,
)

# Country X: A and B survive, C exits, D enters. Weights are employment.
#   period 0: A w=2 phi=1.0 | B w=1 phi=2.0 | C w=1 phi=0.5   shares .5 .25 .25
#   period 1: A w=2 phi=1.5 | B w=2 phi=2.0 | D w=1 phi=1.0   shares .4 .4  .2
#   Phi_0 = .5*1 + .25*2 + .25*.5 = 1.125;  Phi_1 = .4*1.5 + .4*2 + .2*1 = 1.6;  total .475
# Melitz-Polanec:
#   s_S0 = .75, Phi_S0 = (.5 + .5)/.75 = 4/3; s_X0 = .25, Phi_X0 = .5
#   s_S1 = .8,  Phi_S1 = (.6 + .8)/.8 = 1.75; s_E1 = .2,  Phi_E1 = 1
#   within     = mean(1.5, 2) - mean(1, 2) = 1.75 - 1.5 = .25
#   covariance = (1.75 - 1.75) - (4/3 - 1.5) = 1/6
#   entry      = .2 (1 - 1.75) = -.15
#   exit       = .25 (4/3 - .5) = 5/24
#   sum        = .25 + 1/6 - .15 + 5/24 = .475
# FHK (reference Phi_0 = 1.125):
#   within  = .5*.5 + .25*0 = .25
#   between = (-.1)(1 - 1.125) + (.15)(2 - 1.125) = .0125 + .13125 = .14375
#   cross   = (-.1)(.5) + (.15)(0) = -.05
#   entry   = .2 (1 - 1.125) = -.025
#   exit    = -.25 (.5 - 1.125) = .15625
#   sum     = .25 + .14375 - .05 - .025 + .15625 = .475
# Country Y: E survives (w=1, phi 1 -> 3), G exits (w=1, phi=2).
#   Phi_0 = 1.5, Phi_1 = 3, total 1.5
#   MP: within 2, covariance 0, entry 0, exit .5 (1 - 2) = -.5
#   FHK: within .5*2 = 1, between .5 (1 - 1.5) = -.25, cross .5*2 = 1, entry 0,
#        exit -.5 (2 - 1.5) = -.25
# Country Z: H exits (phi 1), I enters (phi 2): no survivors.
#   total 1; MP terms undefined (NaN); FHK entry 1 (2 - 1) = 1, exit -(1 - 1) = 0.
PANEL = pd.DataFrame(
    [
        (0, "A", "X", 2.0, 1.0),
        (0, "B", "X", 1.0, 2.0),
        (0, "C", "X", 1.0, 0.5),
        (1, "A", "X", 2.0, 1.5),
        (1, "B", "X", 2.0, 2.0),
        (1, "D", "X", 1.0, 1.0),
        (0, "E", "Y", 1.0, 1.0),
        (0, "G", "Y", 1.0, 2.0),
        (1, "E", "Y", 1.0, 3.0),
        (0, "H", "Z", 1.0, 1.0),
        (1, "I", "Z", 1.0, 2.0),
    ],
    columns=["period", "firm", "country", "employment", "capability"],
)

MP_HAND = {
    "X": dict(total=0.475, within=0.25, covariance=1 / 6, entry=-0.15, exit=5 / 24),
    "Y": dict(total=1.5, within=2.0, covariance=0.0, entry=0.0, exit=-0.5),
}
FHK_HAND = {
    "X": dict(total=0.475, within=0.25, between=0.14375, cross=-0.05, entry=-0.025, exit=0.15625),
    "Y": dict(total=1.5, within=1.0, between=-0.25, cross=1.0, entry=0.0, exit=-0.25),
    "Z": dict(total=1.0, within=0.0, between=0.0, cross=0.0, entry=1.0, exit=0.0),
}


def rows(df: pd.DataFrame, key: str = "country") -> dict[str, dict]:
    return {r[key]: r for r in df.to_dict("records")}


def test_melitz_polanec_by_hand():
    out = rows(melitz_polanec(PANEL, start=0, end=1, weight="employment", by="country"))
    for c, hand in MP_HAND.items():
        for term, v in hand.items():
            assert out[c][term] == pytest.approx(v, abs=1e-12), (c, term)
    assert out["X"]["level_start"] == pytest.approx(1.125)
    assert out["X"]["level_end"] == pytest.approx(1.6)
    assert (out["X"]["n_survivors"], out["X"]["n_entrants"], out["X"]["n_exiters"]) == (2, 1, 1)
    # no survivors: total defined, terms not
    assert out["Z"]["total"] == pytest.approx(1.0)
    assert all(np.isnan(out["Z"][t]) for t in MP_TERMS)


def test_fhk_by_hand():
    out = rows(foster_haltiwanger_krizan(PANEL, start=0, end=1, weight="employment", by="country"))
    for c, hand in FHK_HAND.items():
        for term, v in hand.items():
            assert out[c][term] == pytest.approx(v, abs=1e-12), (c, term)


def test_output_shape():
    mp = melitz_polanec(PANEL, start=0, end=1, weight="employment", by="country")
    assert list(mp.columns) == [
        "country", "period_start", "period_end", "level_start", "level_end", "total",
        "within", "covariance", "entry", "exit", "n_survivors", "n_entrants", "n_exiters",
    ]  # fmt: skip
    assert list(mp["country"]) == ["X", "Y", "Z"]
    fhk = foster_haltiwanger_krizan(PANEL[PANEL["country"] == "X"], start=0, end=1)
    assert "country" not in fhk.columns and len(fhk) == 1  # no by: one row


def test_equal_weights():
    # without weights shares are 1/n: survivors' weighted mean is their plain mean, covariance 0
    x = PANEL[PANEL["country"] == "X"]
    mp = melitz_polanec(x, start=0, end=1).iloc[0]
    # Phi_0 = (1 + 2 + .5)/3 = 7/6, Phi_1 = (1.5 + 2 + 1)/3 = 1.5; Phi_S0 = 1.5, Phi_S1 = 1.75
    # s_E1 = 1/3: entry = (1 - 1.75)/3 = -.25; s_X0 = 1/3: exit = (1.5 - .5)/3 = 1/3
    assert mp["total"] == pytest.approx(1.5 - 7 / 6)
    assert mp["within"] == pytest.approx(0.25)
    assert mp["covariance"] == pytest.approx(0.0, abs=1e-12)
    assert mp["entry"] == pytest.approx(-0.25)
    assert mp["exit"] == pytest.approx(1 / 3)


def test_group_switcher_exits_and_enters():
    # B moves from X to Y: an exiter of X and an entrant of Y
    moved = PANEL.copy()
    moved.loc[(moved["firm"] == "B") & (moved["period"] == 1), "country"] = "Y"
    out = rows(melitz_polanec(moved, start=0, end=1, weight="employment", by="country"))
    assert (out["X"]["n_survivors"], out["X"]["n_exiters"], out["X"]["n_entrants"]) == (1, 2, 1)
    assert (out["Y"]["n_survivors"], out["Y"]["n_entrants"]) == (1, 1)


def test_bad_input():
    with pytest.raises(InputError, match="repeat"):
        melitz_polanec(pd.concat([PANEL, PANEL.iloc[[0]]]), start=0, end=1)
    with pytest.raises(InputError, match="no firm"):
        melitz_polanec(PANEL, start=0, end=5)
    with pytest.raises(InputError, match=">= 0"):
        melitz_polanec(PANEL.assign(employment=-1.0), start=0, end=1, weight="employment")
    with pytest.raises(InputError, match="missing"):
        foster_haltiwanger_krizan(PANEL, start=0, end=1, by="tier")


@st.composite
def panels(draw):
    n = draw(st.integers(1, 9))
    presence = draw(st.lists(st.sampled_from(["S", "E", "X"]), min_size=n, max_size=n))
    rows_ = []
    for i, p in enumerate(presence):
        group = draw(st.sampled_from(["g1", "g2"]))
        for t in {"S": (0, 1), "E": (1,), "X": (0,)}[p]:
            w = draw(st.floats(0.01, 100))
            v = draw(st.floats(-10, 10))
            rows_.append((t, i, group, w, v))
    df = pd.DataFrame(rows_, columns=["period", "firm", "tier", "w", "v"])
    if set(df["period"]) != {0, 1}:
        df = pd.concat([df, pd.DataFrame([(0, 99, "g1", 1.0, 0.0), (1, 98, "g1", 1.0, 1.0)],
                                         columns=df.columns)])  # fmt: skip
    return df


@settings(max_examples=100, deadline=None)
@given(panels(), st.booleans())
def test_terms_add_up_to_the_total(df, weighted):
    kw = dict(start=0, end=1, value="v", weight="w" if weighted else None, by="tier")
    mp = melitz_polanec(df, **kw)
    fhk = foster_haltiwanger_krizan(df, **kw)
    assert np.allclose(
        fhk[list(FHK_TERMS)].sum(axis=1, skipna=False), fhk["total"], equal_nan=True, atol=1e-9
    )
    ok = mp["n_survivors"] > 0
    assert np.allclose(mp.loc[ok, list(MP_TERMS)].sum(axis=1), mp.loc[ok, "total"], atol=1e-9)
    assert mp.loc[~ok, list(MP_TERMS)].isna().all().all()
    pd.testing.assert_series_equal(mp["total"], fhk["total"])
    if not weighted:  # equal shares: survivors' weighted mean is their plain mean
        assert np.allclose(mp.loc[ok, "covariance"], 0.0, atol=1e-9)
    # every term against a firm-by-firm reference written from the papers' formulas
    for tier, g in df.groupby("tier"):
        ref = naive(g, weighted)
        if ref is None:
            continue
        m, f = rows(mp, "tier")[tier], rows(fhk, "tier")[tier]
        for term in MP_TERMS:
            assert m[term] == pytest.approx(ref["mp"][term], abs=1e-9), term
        for term in FHK_TERMS:
            assert f[term] == pytest.approx(ref["fhk"][term], abs=1e-9), term


def naive(g: pd.DataFrame, weighted: bool) -> dict | None:
    """Melitz-Polanec and FHK terms by explicit loops over firms (None if undefined)."""
    snap = {}
    for t in (0, 1):
        d = g[g["period"] == t]
        w = d["w"] if weighted else pd.Series(1.0, index=d.index)
        snap[t] = {f: (wi / w.sum(), v) for f, wi, v in zip(d["firm"], w, d["v"], strict=True)}
    a, b = snap[0], snap[1]
    S = [f for f in a if f in b]
    X = [f for f in a if f not in b]
    E = [f for f in b if f not in a]
    if not S:
        return None
    Phi0 = sum(s * v for s, v in a.values())

    def agg(d, fs):
        sg = sum(d[f][0] for f in fs)
        return sg, (sum(d[f][0] * d[f][1] for f in fs) / sg if sg > 0 else 0.0)

    sS0, PS0 = agg(a, S)
    sS1, PS1 = agg(b, S)
    sX0, PX0 = agg(a, X)
    sE1, PE1 = agg(b, E)
    mean0 = sum(a[f][1] for f in S) / len(S)
    mean1 = sum(b[f][1] for f in S) / len(S)
    mp = {
        "within": mean1 - mean0,
        "covariance": (PS1 - mean1) - (PS0 - mean0),
        "entry": sE1 * (PE1 - PS1),
        "exit": sX0 * (PS0 - PX0),
    }
    fhk = {
        "within": sum(a[f][0] * (b[f][1] - a[f][1]) for f in S),
        "between": sum((b[f][0] - a[f][0]) * (a[f][1] - Phi0) for f in S),
        "cross": sum((b[f][0] - a[f][0]) * (b[f][1] - a[f][1]) for f in S),
        "entry": sum(b[f][0] * (b[f][1] - Phi0) for f in E),
        "exit": -sum(a[f][0] * (a[f][1] - Phi0) for f in X),
    }
    return {"mp": mp, "fhk": fhk}


INCREMENTS = pd.DataFrame(
    {"firm": ["A", "B", "E"], "k_in": [0.3, 0.1, 0.5], "k_own": [0.1, 0.3, 0.0]}
)


def test_within_split_by_hand():
    # X survivors A (phi 1 -> 1.5) and B (2 -> 2): within .25
    #   a = .3 + .1 = .4, l = .1 + .3 = .4 -> share .5: .125 transfer, .125 own
    #   mean_transfer .2, mean_own .2, residual .25 - .4 = -.15 (B lost .4 otherwise)
    # Y survivor E (1 -> 3): within 2; a = .5, l = 0 -> share 1; residual 2 - .5 = 1.5
    out = rows(
        within_split(PANEL, INCREMENTS, start=0, end=1, transfer="k_in", own="k_own", by="country")
    )
    x, y = out["X"], out["Y"]
    assert x["within"] == pytest.approx(0.25) and x["n_survivors"] == 2
    assert x["transfer_share"] == pytest.approx(0.5)
    assert (x["within_transfer"], x["within_own"]) == pytest.approx((0.125, 0.125))
    assert (x["mean_transfer"], x["mean_own"], x["residual"]) == pytest.approx((0.2, 0.2, -0.15))
    assert y["transfer_share"] == pytest.approx(1.0)
    assert (y["within_transfer"], y["within_own"]) == pytest.approx((2.0, 0.0))
    assert y["residual"] == pytest.approx(1.5)
    assert "Z" not in out  # no survivors: nothing to split
    mp = rows(melitz_polanec(PANEL, start=0, end=1, by="country"))
    assert x["within"] == pytest.approx(mp["X"]["within"])


def test_within_split_refuses_bad_increments():
    with pytest.raises(InputError, match="without increments"):
        within_split(PANEL, INCREMENTS.iloc[:2], start=0, end=1, transfer="k_in", own="k_own",
                     by="country")  # fmt: skip
    with pytest.raises(InputError, match="negative"):
        within_split(PANEL, INCREMENTS.assign(k_own=-0.1), start=0, end=1, transfer="k_in",
                     own="k_own")  # fmt: skip
    zero = within_split(PANEL, INCREMENTS.assign(k_in=0.0, k_own=0.0), start=0, end=1,
                        transfer="k_in", own="k_own", by="country")  # fmt: skip
    assert zero["transfer_share"].isna().all() and zero["within"].notna().all()
