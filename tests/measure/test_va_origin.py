"""Value added by origin in gross exports (exvatools make_exvadir) and the WWZ-to-KWW map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.measure import (
    KWW_TERMS,
    WWZ_TERMS,
    WWZ_TO_KWW,
    ExportAccounts,
    kww,
    miroudot_ye,
    tiva_wide,
    va_origin,
    wwz,
    wwz_to_kww,
)
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
@pytest.mark.parametrize("va_type", ["TC", "TVA"])
def test_matches_exvadir_for_every_exporter(tag: str, va_type: str) -> None:
    """make_exvadir(wio, exporter, va_type = ..., flow_type = "EXGR"), every exporter, to 1e-8."""
    t = reference_table(tag)
    acc = ExportAccounts(t)
    by_dest = va_origin(acc, destination=True, va_type=va_type)  # type: ignore[arg-type]
    total = va_origin(acc, va_type=va_type)  # type: ignore[arg-type]
    for exporter in t.countries:
        ref = reference_arrays(tag, f"exvadir_{va_type}_{exporter}")[va_type]
        mine = by_dest[by_dest.exporter == exporter]
        ours = (
            mine.pivot_table(index=["origin", "sector"], columns="importer", values="value")
            .reindex(
                index=pd.MultiIndex.from_product([t.countries, t.sectors]), columns=t.countries
            )
            .fillna(0.0)  # exports to itself are not listed
            .to_numpy()
            .reshape(t.G, t.N, t.G)
        )
        assert_close(ours, ref, f"{tag} exvadir {va_type} {exporter}")
        tot = total[total.exporter == exporter].value.to_numpy().reshape(t.G, t.N)
        assert_close(tot, ref.sum(axis=2), f"{tag} exvadir {exporter} summed")


@settings(max_examples=30, deadline=None)
@given(tables)
def test_origins_add_up_to_exports_and_content(table) -> None:
    """Summed over origins: gross exports; own origin: EXGR_DVA; the others: EXGR_FVA."""
    acc = ExportAccounts(table)
    v = va_origin(acc)
    scale = max(float(np.abs(acc.E3).sum()), 1.0)
    per = v.groupby(["exporter", "sector"], sort=False).value.sum().to_numpy()
    np.testing.assert_allclose(per, acc.Etot.reshape(-1), rtol=0, atol=1e-9 * scale)
    w = tiva_wide(acc)
    own = v[v.origin == v.exporter].groupby("exporter").value.sum()[w.index]
    np.testing.assert_allclose(own.to_numpy(), w.EXGR_DVA.to_numpy(), rtol=0, atol=1e-9 * scale)
    fva = v[v.origin != v.exporter].groupby("exporter").value.sum()[w.index]
    np.testing.assert_allclose(fva.to_numpy(), w.EXGR_FVA.to_numpy(), rtol=0, atol=1e-9 * scale)


@settings(max_examples=25, deadline=None)
@given(tables)
def test_value_added_by_origin_is_miroudot_ye(table) -> None:
    """TVA: own origin = Miroudot-Ye DVA, other origins sum to their FVA (country perimeter)."""
    acc = ExportAccounts(table)
    v = va_origin(acc, va_type="TVA")
    my = miroudot_ye(acc, "sector")
    scale = max(float(np.abs(acc.E3).sum()), 1.0)
    own = v[v.origin == v.exporter].value.to_numpy()
    foreign = v[v.origin != v.exporter].groupby(["exporter", "sector"]).value.sum()
    foreign = foreign.reindex(pd.MultiIndex.from_tuples(list(acc.table.labels))).to_numpy()
    np.testing.assert_allclose(own, my.DVA.to_numpy(), rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(foreign, my.FVA.to_numpy(), rtol=0, atol=1e-9 * scale)
    with pytest.raises(ValueError, match="va_type"):
        va_origin(acc, va_type="DVA")  # type: ignore[arg-type]


def test_map_uses_every_wwz_term_once() -> None:
    used = [term for parts in WWZ_TO_KWW.values() for term in parts]
    assert sorted(used) == sorted(WWZ_TERMS)
    assert tuple(WWZ_TO_KWW) == KWW_TERMS


@settings(max_examples=30, deadline=None)
@given(tables)
def test_wwz_aggregates_to_kww(table) -> None:
    """Wang, Wei & Zhu's 16 terms regroup into KWW's 9 (gpnlab kww()) to 1e-9."""
    acc = ExportAccounts(table)
    agg = wwz_to_kww(wwz(acc))
    ref = kww(acc)
    scale = max(float(np.abs(ref.gross_exports).sum()), 1.0)
    np.testing.assert_allclose(
        agg[list(KWW_TERMS) + ["gross_exports"]].loc[ref.index].to_numpy(),
        ref[list(KWW_TERMS) + ["gross_exports"]].to_numpy(),
        rtol=0,
        atol=1e-9 * scale,
    )


def test_wwz_to_kww_takes_country_frames_and_rejects_others() -> None:
    acc = ExportAccounts(reference_table("leather"))
    bil = wwz(acc)
    by_country = bil.groupby("exporter", sort=False)[list(WWZ_TERMS)].sum()
    by_country.index.name = "country"
    pd.testing.assert_frame_equal(
        wwz_to_kww(by_country), wwz_to_kww(bil).drop(columns="gross_exports")
    )
    with pytest.raises(InputError, match="lacks the term columns"):
        wwz_to_kww(bil.drop(columns="ODC"))
    with pytest.raises(InputError, match="neither"):
        wwz_to_kww(bil.drop(columns="exporter"))


@pytest.fixture
def wiod2011_accounts() -> ExportAccounts:
    from tests.measure.exvatools_reference import wiod2011_accounts_or_skip

    return wiod2011_accounts_or_skip()


@pytest.mark.shared
@pytest.mark.parametrize("va_type", ["TC", "TVA"])
def test_wiod_2011_matches_exvadir_by_origin(
    wiod2011_accounts: ExportAccounts, va_type: str
) -> None:
    """Origin x exporter totals of make_exvadir on WIOD 2011 (Timmer et al. 2015) to 1e-8."""
    from tests.measure.exvatools_reference import wiod_country_terms

    acc = wiod2011_accounts
    countries = acc.table.countries
    ref = wiod_country_terms(f"exvadir_{va_type}_by_exporter", countries)  # exporter -> origin
    v = va_origin(acc, va_type=va_type)  # type: ignore[arg-type]
    ours = v.groupby(["origin", "exporter"]).value.sum().unstack()
    ours = ours.reindex(index=countries, columns=countries)
    assert set(ref) == set(countries)
    for exporter, r in ref.items():
        scale = float(np.abs(r).max())
        np.testing.assert_allclose(
            ours[exporter].to_numpy(), r, rtol=1e-8, atol=1e-11 * scale, err_msg=exporter
        )


@pytest.mark.shared
def test_wiod_2011_wwz_aggregates_to_kww(wiod2011_accounts: ExportAccounts) -> None:
    acc = wiod2011_accounts
    agg = wwz_to_kww(wwz(acc))
    ref = kww(acc)
    cols = list(KWW_TERMS) + ["gross_exports"]
    scale = float(ref.gross_exports.abs().max())
    np.testing.assert_allclose(
        agg.loc[ref.index, cols].to_numpy(), ref[cols].to_numpy(), rtol=0, atol=1e-9 * scale
    )
