"""The OECD TiVA set: exvatools 0.9 reference numbers, brute-force loops and identities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.measure import (
    SHARE_INDICATORS,
    TIVA_INDICATORS,
    ExportAccounts,
    oecd_exvadec,
    tiva_indicators,
    tiva_wide,
    vax_and_vs,
)
from gpnlab.measure.oecd_tiva import OECD_OUTPUTS, tiva_arrays
from gpnlab.synthetic import random_table
from tests.measure.exvatools_reference import assert_close, reference_arrays, reference_table

tables = st.builds(
    random_table,
    countries=st.integers(2, 5),
    sectors=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
    zero_sectors=st.integers(0, 1),
    negative_inventories=st.booleans(),
)


@pytest.mark.parametrize("tag", ["wiodtest", "leather"])
@pytest.mark.parametrize("output", ["standard", "terms", "tiva"])
def test_matches_exvatools_cell_by_cell(tag: str, output: str) -> None:
    """make_exvadec(method = "oecd", output = ...) matrix by matrix, every cell, to 1e-8."""
    acc = ExportAccounts(reference_table(tag))
    ours = oecd_exvadec(acc, output)
    ref = reference_arrays(tag, f"oecd_{output}")
    assert set(ref) == set(OECD_OUTPUTS[output])
    for name, r in ref.items():
        o = ours[name]
        if r.shape[2] == 1:  # VA and PROD: one column
            o = o.sum(axis=2, keepdims=True)
        assert_close(o, r, f"{tag} oecd {output} {name}")


def _loops(table) -> dict[str, np.ndarray]:
    """IMGR_DVA, FEXDVA and DEXFVA by explicit loops over countries and sectors."""
    acc = ExportAccounts(table)
    G, N = acc.G, acc.N
    v, B = acc.system.v, acc.system.B
    E = acc.E3
    out = {k: np.zeros((G, N, G)) for k in ("IMGR_DVA", "FEXDVA", "DEXFVA")}
    for s in range(G):
        for r in range(G):
            if r == s:
                continue
            for i in range(N):
                # value added of s in (r, i): sum_k v_{s,k} B_{(s,k),(r,i)}
                va_s_in_ri = sum(v[s * N + k] * B[s * N + k, r * N + i] for k in range(N))
                va_r_in_si = sum(v[r * N + k] * B[r * N + k, s * N + i] for k in range(N))
                out["IMGR_DVA"][s, i, r] = va_s_in_ri * E[r, i, s]
                out["FEXDVA"][s, i, r] = va_s_in_ri * E[r, i, :].sum()
                out["DEXFVA"][s, i, r] = va_r_in_si * E[s, i, :].sum()
    return out


@settings(max_examples=20, deadline=None)
@given(tables)
def test_participation_and_imports_content_by_loops(table) -> None:
    acc = ExportAccounts(table)
    arr = tiva_arrays(acc)
    brute = _loops(table)
    scale = max(float(np.abs(acc.E3).sum()), 1.0)
    for k, b in brute.items():
        np.testing.assert_allclose(arr[k], b, rtol=0, atol=1e-9 * scale, err_msg=k)


@settings(max_examples=30, deadline=None)
@given(tables)
def test_identities(table) -> None:
    """Content adds up to exports; value added in final demand to GDP; the two balances agree."""
    acc = ExportAccounts(table)
    w = tiva_wide(acc)
    scale = max(float(np.abs(acc.E3).sum() + np.abs(acc.table.va).sum()), 1.0)

    def close(a: object, b: object) -> None:
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-9 * scale)

    close(w.EXGR, w.EXGR_DVA + w.EXGR_FVA)
    close(w.EXGR_DVA, w.EXGR_DDC + w.EXGR_IDC + w.EXGR_RIM)
    close(w.EXGR, w.EXGR_FNL + w.EXGR_INT)
    close(w.FD_VA, w.VALU)  # all value added is absorbed somewhere
    close(w.FD_VA, w.DXD_DVA + w.FFD_DVA)
    close(w.FFD_DVA, vax_and_vs(acc).vax_jn)  # Johnson-Noguera VAX
    close(w.EXGR_FVA, vax_and_vs(acc).vs)  # Hummels-Ishii-Yi VS
    close(w.PROD, w.DOM + w.EXGR)  # output = domestic sales + exports (row sums)
    close(w.EXGR_FVA.sum(), w.FEXDVA.sum())  # world: backward = forward participation
    close(w.BALVAFD, w.BALGR)  # GDP - absorption: value-added and gross balances agree
    close(w.BALGR.sum(), 0.0)


def test_long_forms() -> None:
    acc = ExportAccounts(reference_table("wiodtest"))
    c = tiva_indicators(acc)
    assert list(c.columns) == ["country", "indicator", "value"]
    assert len(c) == acc.G * (len(TIVA_INDICATORS) + len(SHARE_INDICATORS))
    w = tiva_wide(acc)
    back = c.pivot(index="country", columns="indicator", values="value")
    pd.testing.assert_frame_equal(
        back.loc[w.index, list(w.columns)], w, check_names=False, check_exact=False, rtol=1e-12
    )
    assert ((w[list(SHARE_INDICATORS)] > 0) & (w[list(SHARE_INDICATORS)] < 1)).all().all()
    s = tiva_indicators(acc, "sector")
    assert list(s.columns) == ["country", "sector", "indicator", "value"]
    by_country = s.groupby(["country", "indicator"], sort=False)["value"].sum().unstack()
    np.testing.assert_allclose(
        by_country.loc[w.index, list(TIVA_INDICATORS)], w[list(TIVA_INDICATORS)]
    )
    p = tiva_indicators(acc, "partner")
    assert len(p) == acc.G * acc.N * acc.G * len(TIVA_INDICATORS)
    with pytest.raises(ValueError, match="level"):
        tiva_indicators(acc, "world")


def test_zero_exports_give_nan_shares() -> None:
    """A country that exports nothing has undefined export shares, not zeros."""
    t = reference_table("leather")
    Z, Y = t.Z.copy(), t.Yd.copy()
    Z[0:3, 3:] = 0.0
    Y[0:3, 1:] = 0.0
    from gpnlab.table import IOTable

    t2 = IOTable.build(Z, Y, list(t.labels), list(t.fd_labels))
    w = tiva_wide(ExportAccounts(t2))
    assert w.loc["ARG", "EXGR"] == 0
    assert np.isnan(w.loc["ARG", "EXGR_DVASH"]) and np.isfinite(w.loc["TUR", "EXGR_DVASH"])


@pytest.fixture
def wiod2011_accounts() -> ExportAccounts:
    from tests.measure.exvatools_reference import wiod2011_accounts_or_skip

    return wiod2011_accounts_or_skip()


@pytest.mark.shared
@pytest.mark.parametrize("output", ["standard", "terms", "tiva"])
def test_wiod_2011_matches_exvatools_by_country(
    wiod2011_accounts: ExportAccounts, output: str
) -> None:
    """Country sums of every exvatools oecd matrix on WIOD 2011 (Timmer et al. 2015) to 1e-8."""
    from tests.measure.exvatools_reference import wiod_country_terms

    acc = wiod2011_accounts
    ours = oecd_exvadec(acc, output)
    ref = wiod_country_terms(f"oecd_{output}", acc.table.countries)
    assert set(ref) == set(OECD_OUTPUTS[output])
    for name, r in ref.items():
        o = ours[name].sum(axis=(1, 2))
        scale = float(np.abs(r).max())
        np.testing.assert_allclose(o, r, rtol=1e-8, atol=1e-8 * scale * 1e-3, err_msg=name)
