"""Miroudot & Ye (2021): exvatools 0.9 reference numbers, a brute-force oracle and identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.measure import MY_TERMS, MY_WORLD_TERMS, ExportAccounts, bm_source, miroudot_ye
from gpnlab.measure.miroudot_ye import miroudot_ye_bilateral, miroudot_ye_perimeter
from gpnlab.synthetic import random_table
from tests.measure.exvatools_reference import (
    assert_close,
    reference_arrays,
    reference_long,
    reference_table,
)

tables = st.builds(
    random_table,
    countries=st.integers(2, 5),
    sectors=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
    zero_sectors=st.integers(0, 1),
    negative_inventories=st.booleans(),
)


@pytest.mark.parametrize("tag", ["wiodtest", "leather"])
@pytest.mark.parametrize(
    ("perim", "call", "names"),
    [("country", "my_country", MY_TERMS), ("world", "my_world", MY_WORLD_TERMS)],
)
def test_matches_exvatools_cell_by_cell(tag: str, perim: str, call: str, names: tuple) -> None:
    """Every exporter x sector x partner cell of make_exvadec(method = "my") to 1e-8."""
    acc = ExportAccounts(reference_table(tag))
    ours = miroudot_ye_bilateral(acc, perim)  # type: ignore[arg-type]
    ref = reference_arrays(tag, call)
    assert set(ref) == set(names)
    for name in names:
        assert_close(ours[name], ref[name], f"{tag} {call} {name}")


# exvatools' sector groups of the wiodtest table (info_sec("wiodtest"))
WIODTEST_SECTORS = {
    "TOTAL": None,
    "PRIMARY": ["01T09"],
    "MANUF": ["10T39"],
    "SRVWC": ["41T98"],
    "GOODSWU": ["01T09", "10T39"],
}


@pytest.mark.parametrize(
    "case",
    [
        "ESP:FRA:TOTAL",
        "ESP:WLD:MANUF",
        "USA:CHN:PRIMARY",
        "MEX:USA|CHN:TOTAL",
        "FRA:WLD:GOODSWU",
        "CHN:ESP|ROW:SRVWC",
    ],
)
def test_perimeters_match_exvatools(case: str) -> None:
    """make_exvadec(wio, exporter, method = "my", partner = ..., sector = ...) on wiodtest."""
    exporter, partner, sector = case.split(":")
    acc = ExportAccounts(reference_table("wiodtest"))
    ours = miroudot_ye_perimeter(
        acc,
        exporter,
        partners=None if partner == "WLD" else partner.split("|"),
        sectors=WIODTEST_SECTORS[sector],
    ).set_index(["sector", "importer"])
    ref = reference_long("wiodtest")
    ref = ref[(ref["set"] == f"my_perim:{case}") & (ref["column"] != exporter)]
    assert set(ref["term"]) == set(MY_TERMS)
    for term, g in ref.groupby("term"):
        r = g.set_index([g["sector"].astype(str), "column"])["value"]
        o = ours.loc[list(r.index), term].to_numpy()
        assert_close(o, r.to_numpy(), f"{case} {term}")


def test_whole_country_perimeter_is_the_country_decomposition() -> None:
    acc = ExportAccounts(reference_table("leather"))
    full = miroudot_ye(acc, "bilateral")
    for exporter in acc.table.countries:
        one = miroudot_ye_perimeter(acc, exporter)
        mine = full[full.exporter == exporter].reset_index(drop=True)
        np.testing.assert_allclose(one[list(MY_TERMS)], mine[list(MY_TERMS)], rtol=1e-12)


def test_perimeter_bad_input() -> None:
    acc = ExportAccounts(reference_table("leather"))
    with pytest.raises(InputError, match="unknown exporter XXX"):
        miroudot_ye_perimeter(acc, "XXX")
    with pytest.raises(InputError, match="itself"):
        miroudot_ye_perimeter(acc, "ARG", partners=["ARG"])
    with pytest.raises(InputError, match="unknown sectors"):
        miroudot_ye_perimeter(acc, "ARG", sectors=["s9"])


def _brute_force(table) -> dict[str, np.ndarray]:
    """The terms with explicit extraction inverses B^o = (I - A^o)^-1 per exporter (MY eq.)."""
    acc = ExportAccounts(table)
    G, N, n = acc.G, acc.N, acc.n
    A, B, v = acc.system.A, acc.system.B, acc.system.v
    E = acc.E3
    out = {k: np.zeros((G, N, G)) for k in ("DVA", "DDC", "FVA", "FDC", "FDC1")}
    Ad = np.zeros_like(A)
    for s in range(G):
        b = slice(s * N, (s + 1) * N)
        Ad[b, b] = A[b, b]
    Bw = np.linalg.inv(np.eye(n) - Ad)
    for s in range(G):
        b = slice(s * N, (s + 1) * N)
        Ao = A.copy()
        Ao[b, :] = 0.0
        Ao[b, b] = A[b, b]
        Bo = np.linalg.inv(np.eye(n) - Ao)
        AI = A - Ao
        VBo = v[:, None] * Bo  # diag(v) B^o
        VBAIB = v[:, None] * (Bo @ AI @ B)
        AIw = A - Ad
        VFDC1 = v[:, None] * (Bw @ AIw @ Bw)
        mask = np.ones(n, bool)
        mask[b] = False
        dva = VBo[b, b].sum(0)
        ddc = VBAIB[b, b].sum(0)
        fva = VBo[mask][:, b].sum(0)
        fdc = VBAIB[mask][:, b].sum(0)
        fdc1 = VFDC1[mask][:, b].sum(0)
        for k, coef in (("DVA", dva), ("DDC", ddc), ("FVA", fva), ("FDC", fdc), ("FDC1", fdc1)):
            out[k][s] = coef[:, None] * E[s]
    return out


@settings(max_examples=25, deadline=None)
@given(tables)
def test_equals_explicit_extraction_inverses(table) -> None:
    """No second inverse in the code; the explicit B^o of every exporter gives the same terms."""
    acc = ExportAccounts(table)
    ours = miroudot_ye_bilateral(acc, "country")
    world = miroudot_ye_bilateral(acc, "world")
    brute = _brute_force(table)
    scale = max(float(np.abs(acc.E3).sum()), 1.0)
    for k in ("DVA", "DDC", "FVA", "FDC"):
        np.testing.assert_allclose(ours[k], brute[k], rtol=0, atol=1e-9 * scale, err_msg=k)
    np.testing.assert_allclose(world["FDC1"], brute["FDC1"], rtol=0, atol=1e-9 * scale)


@settings(max_examples=25, deadline=None)
@given(tables)
def test_terms_add_up_to_gross_exports(table) -> None:
    """DVA + DDC + FVA + FDC = EXGR (column sums of V B are one) in both perimeters."""
    acc = ExportAccounts(table)
    scale = max(float(np.abs(acc.E3).sum()), 1.0)
    c = miroudot_ye_bilateral(acc, "country")
    w = miroudot_ye_bilateral(acc, "world")
    total_c = c["DVA"] + c["DDC"] + c["FVA"] + c["FDC"]
    total_w = w["DVA"] + w["DDC"] + w["FDC1"] + w["FDC2"]
    np.testing.assert_allclose(total_c, acc.E3, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(total_w, acc.E3, rtol=0, atol=1e-9 * scale)
    sign = np.sign(acc.E3)  # exports are negative where inventories fall below zero
    assert (sign * w["FDC1"] >= -1e-12 * scale).all()
    assert (sign * c["FVA"] >= -1e-12 * scale).all()


def test_country_perimeter_is_borin_mancini_source() -> None:
    """MY's country perimeter counts like BM (2019) source-based exporter perspective."""
    acc = ExportAccounts(reference_table("wiodtest"))
    my = miroudot_ye(acc, "country")
    bm = bm_source(acc, "country")
    for a, b in (("EXGR", "GEXP"), ("DVA", "DVA"), ("DDC", "DDC"), ("FVA", "FVA")):
        np.testing.assert_allclose(my[a], bm[b], rtol=1e-12)


def test_levels_and_bad_perimeter() -> None:
    acc = ExportAccounts(reference_table("leather"))
    bil = miroudot_ye(acc, "bilateral", perim="world")
    assert list(bil.columns[:3]) == ["exporter", "sector", "importer"]
    assert len(bil) == acc.G * acc.N * (acc.G - 1)
    sec = miroudot_ye(acc, "sector")
    np.testing.assert_allclose(sec.groupby(level="country", sort=False).sum(), miroudot_ye(acc))
    with pytest.raises(ValueError, match="perim"):
        miroudot_ye(acc, perim="partner")  # type: ignore[arg-type]


@pytest.fixture
def wiod2011_accounts() -> ExportAccounts:
    from tests.measure.exvatools_reference import wiod2011_accounts_or_skip

    return wiod2011_accounts_or_skip()


@pytest.mark.shared
def test_wiod_2011_matches_exvatools_by_country(wiod2011_accounts: ExportAccounts) -> None:
    """Country sums of every MY matrix on WIOD 2011 (Timmer et al. 2015) to 1e-8."""
    from tests.measure.exvatools_reference import wiod_country_terms

    acc = wiod2011_accounts
    countries = acc.table.countries
    ours = miroudot_ye(acc)
    ref = wiod_country_terms("my_country", countries)
    assert set(ref) == set(MY_TERMS)
    for name in MY_TERMS:
        np.testing.assert_allclose(ours[name].to_numpy(), ref[name], rtol=1e-8, err_msg=name)
    world = miroudot_ye(acc, perim="world")
    ref = wiod_country_terms("my_world", countries)
    assert set(ref) == set(MY_WORLD_TERMS)
    for name in MY_WORLD_TERMS:
        np.testing.assert_allclose(
            world[name].to_numpy(), ref[name], rtol=1e-8, atol=1e-9, err_msg=name
        )
