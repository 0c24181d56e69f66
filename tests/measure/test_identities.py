"""Accounting identities as property tests on random productive tables (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpnlab.measure import (
    BM_TERMS,
    KWW_TERMS,
    WWZ_TERMS,
    ExportAccounts,
    bm_source,
    kww,
    measure_all,
    structural_change,
    value_added_in_final_demand,
    vax_and_vs,
    wwz,
)
from gpnlab.measure.borin_mancini import (
    SINK_TERMS,
    bm_sink_bilateral,
    bm_source_bilateral,
    tax_in_dva,
)
from gpnlab.synthetic import random_table
from gpnlab.table import IOTable

RTOL = 1e-9

tables = st.builds(
    random_table,
    countries=st.integers(2, 5),
    sectors=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
    zero_sectors=st.integers(0, 1),
    negative_inventories=st.booleans(),
)
settings.register_profile(
    "gpnlab", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("gpnlab")


def close(a: object, b: object, scale: float) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=RTOL * max(scale, 1.0))


@given(tables)
def test_borin_mancini_terms_add_up(table) -> None:
    acc = ExportAccounts(table)
    t = bm_source_bilateral(acc)
    scale = float(np.abs(t["GEXP"]).sum())
    close(t["GEXP"], t["DC"] + t["FC"], scale)
    close(t["DC"], t["DVA"] + t["DDC"], scale)
    close(t["FC"], t["FVA"] + t["FDC"], scale)
    close(t["DVA"], t["VAX"] + t["REF"], scale)
    close(t["GVC"], t["GVCB"] + t["GVCF"], scale)
    close(t["GVC"], t["GEXP"] - t["DAVAX"], scale)


@given(tables)
def test_bilateral_sums_to_sector_sums_to_country(table) -> None:
    acc = ExportAccounts(table)
    bil = bm_source(acc, "bilateral")
    sec = bm_source(acc, "sector")
    cty = bm_source(acc, "country")
    scale = float(cty["GEXP"].abs().sum())
    by_sector = bil.groupby(["exporter", "sector"], sort=False)[list(BM_TERMS)].sum()
    sec_nonzero = sec.loc[by_sector.index]
    close(by_sector.to_numpy(), sec_nonzero.to_numpy(), scale)
    by_country = sec.groupby(level="country", sort=False)[list(BM_TERMS)].sum()
    close(by_country.loc[cty.index].to_numpy(), cty.to_numpy(), scale)
    # gross exports are the table's own exports
    close(cty["GEXP"].to_numpy(), table.exports_by_destination().reshape(table.G, -1).sum(1), scale)


@given(tables)
def test_sink_based_terms_add_up_and_match_source_at_country_level(table) -> None:
    acc = ExportAccounts(table)
    sink = bm_sink_bilateral(acc)
    src = bm_source_bilateral(acc)
    scale = float(np.abs(src["GEXP"]).sum())
    close(sink["DC"], sink["DVA"] + sink["DDC"], scale)
    close(sink["FC"], sink["FVA"] + sink["FDC"], scale)
    close(sink["DVA"], sink["VAX"] + sink["REF"], scale)
    close(sink["DC"], src["DC"], scale)  # contents are the same cell by cell
    # BM (2019, sec. 4): at a country's total exports the two approaches coincide
    for term in SINK_TERMS:
        close(sink[term].sum(axis=(1, 2)), src[term].sum(axis=(1, 2)), scale)


@given(tables)
def test_kww_terms_sum_to_gross_exports(table) -> None:
    k = kww(ExportAccounts(table))
    close(k[list(KWW_TERMS)].sum(axis=1), k["gross_exports"], float(k["gross_exports"].sum()))


@given(tables)
def test_wwz_terms_sum_to_bilateral_sector_exports(table) -> None:
    acc = ExportAccounts(table)
    w = wwz(acc)
    scale = float(w["gross_exports"].abs().sum())
    close(w[list(WWZ_TERMS)].sum(axis=1), w["gross_exports"], scale)
    # WWZ aggregates: domestic content = terms 1-10, foreign content = 11-16 (WWZ 2013, eq. 37)
    bm = bm_source(acc, "country")
    dc = w.groupby("exporter", sort=False)[list(WWZ_TERMS[:10])].sum().sum(axis=1)
    close(dc.loc[bm.index], bm["DC"], scale)


@given(tables)
def test_value_added_identities(table) -> None:
    acc = ExportAccounts(table)
    sysm = acc.system
    live = sysm.live
    # v B = 1' on the columns of producing sectors of a balanced table
    close((sysm.v @ sysm.B)[live], np.ones(int(live.sum())), float(table.n))
    # value added in final demand sums to each country's GDP
    vafd = value_added_in_final_demand(acc)
    gdp = vafd.sum(axis=1).groupby(level="country", sort=False).sum()
    close(gdp.loc[table.countries], table.gdp().loc[table.countries], float(table.va.sum()))
    # Borin-Mancini VAX at country level equals Johnson-Noguera's value added exported
    bm = bm_source(acc, "country")
    close(bm["VAX"], vax_and_vs(acc)["vax_jn"], float(bm["GEXP"].sum()))
    # Hummels-Ishii-Yi VS is the foreign content
    close(bm["FC"], vax_and_vs(acc)["vs"], float(bm["GEXP"].sum()))


@given(tables)
def test_country_table_is_consistent(table) -> None:
    c = measure_all(table).country
    close(c.gvc_backward + c.gvc_forward, c.gross_exports - c.davax, float(c.gross_exports.sum()))
    share = c.gvc_backward / c.gross_exports
    np.testing.assert_allclose(c.gvc_backward_share, share, rtol=1e-12)


employment = st.one_of(st.just(0.0), st.floats(0.01, 1e3))
sector_rows = st.lists(st.tuples(st.floats(0.0, 1e4), employment), min_size=3, max_size=3).filter(
    lambda r: sum(e for _, e in r) > 1
)


@given(sector_rows, sector_rows)
def test_structural_change_terms_add_up(p0, p1) -> None:
    rows = [
        {"period": t, "sector": f"s{i}", "value_added": va, "employment": emp}
        for t, pts in ((0, p0), (1, p1))
        for i, (va, emp) in enumerate(pts)
    ]
    out = structural_change(pd.DataFrame(rows)).iloc[0]
    total = out.within + out.static_between + out.dynamic_between
    assert abs(total - out.growth) <= 1e-9 * max(1.0, abs(out.productivity_end))


@given(tables, st.floats(0.0, 0.9), st.integers(0, 2**31 - 1))
def test_tax_content_is_dva_of_the_taxes_row(table, share: float, seed: int) -> None:
    """DVA is linear in the value-added coefficients: splitting residual value added into
    taxes and value added at basic prices, ``tax_in_dva`` equals the DVA that a table whose
    value added is only the taxes would give, and DVA - tax_in_dva the DVA of a table whose
    value added is only va_basic (each computed by the full decomposition, not by the split)."""
    rng = np.random.default_rng(seed)
    taxes = share * rng.random(table.n) * np.maximum(table.va, 0.0)
    taxed = IOTable.build(
        table.Z, table.Y, table.labels, table.fd_labels, x=table.x, va=table.va, taxes=taxes,
        output="given", value_added="given",
    )  # fmt: skip
    part = tax_in_dva(ExportAccounts(taxed)).sum(axis=1)

    def dva_with(va: np.ndarray) -> np.ndarray:
        t = IOTable.build(
            table.Z, table.Y, table.labels, table.fd_labels, x=table.x, va=va,
            output="given", value_added="given",
        )  # fmt: skip
        return bm_source_bilateral(ExportAccounts(t))["DVA"].sum(axis=(1, 2))

    scale = float(np.abs(table.gross_exports()).sum())
    close(part, dva_with(taxes), scale)
    dva = bm_source_bilateral(ExportAccounts(taxed))["DVA"].sum(axis=(1, 2))
    close(dva - part, dva_with(table.va - taxes), scale)
    np.testing.assert_allclose(taxed.va_basic + taxed.tax_row, taxed.va)
