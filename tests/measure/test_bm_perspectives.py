"""Borin-Mancini perspectives, VAXIM and the imports decomposition.

Reference numbers: exvatools 0.9.0 (R) ``make_exvadec`` on decompr's leather table, exvatools'
wiodtest table and WIOD 2011 (fixtures/exvatools_r/README.md gives the calls). Where no
reference implementation exists (world perspective, imports) the terms are recomputed from
their definitions with explicit inverses of the modified matrices, and the cross-perspective
identities are checked.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpnlab.measure import (
    ExportAccounts,
    bm_decomposition,
    imports_decomposition,
)
from gpnlab.measure.bm_perspectives import (
    PERIMETER_TERMS,
    bm_terms,
    imports_by_origin,
    perimeter_bilateral,
    vaxim,
    world_country,
    world_fva,
)
from gpnlab.measure.borin_mancini import BM_TERMS, bm_source_bilateral
from gpnlab.synthetic import random_table
from gpnlab.table import IOTable
from tests.conftest import WIOD, needs_shared

FIXTURES = Path(__file__).parent / "fixtures" / "exvatools_r"
RTOL = 1e-8

tables = st.builds(
    random_table,
    countries=st.integers(2, 4),
    sectors=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
    zero_sectors=st.integers(0, 1),
)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------------------------------------
# helpers
def fixture_table(name: str) -> IOTable:
    """The table exvatools decomposed, as exported from its ``wio`` object (Z | Y by country)."""
    df = pd.read_csv(FIXTURES / f"{name}_table.csv", index_col=0)
    n = len(df)
    labels = [tuple(str(s).split("_", 1)) for s in df.index]
    countries = list(dict.fromkeys(c for c, _ in labels))
    return IOTable.build(
        df.to_numpy()[:, :n], df.to_numpy()[:, n:], labels, [(c, "FD") for c in countries]
    )


def cells(acc: ExportAccounts, ref: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, i, r) indices of the reference rows (row label ``CTY_SECTOR``, importer code)."""
    t = acc.table
    split = ref["row"].str.split("_", n=1)
    s = split.str[0].map({c: k for k, c in enumerate(t.countries)}).to_numpy()
    i = split.str[1].map({c: k for k, c in enumerate(t.sectors)}).to_numpy()
    r = ref["importer"].map({c: k for k, c in enumerate(t.countries)}).to_numpy()
    assert not (pd.isna(s).any() or pd.isna(i).any() or pd.isna(r).any())
    return s.astype(int), i.astype(int), r.astype(int)


def reference_terms(ref: pd.DataFrame) -> dict[str, np.ndarray]:
    """exvatools' columns in gpnlab's names (``terms`` output summed to DVA, VAX, FVA)."""
    out = {
        k: ref[k].to_numpy(float)
        for k in ref.columns
        if k not in ("case", "exporter", "partner", "sector", "row", "importer")
        and ref[k].notna().all()
    }
    out["GEXP"] = out.pop("EXGR")
    if "VAX1" in out:
        vax = sum(out.pop(f"VAX{k}") for k in range(1, 5))
        ref_ = out.pop("REF1") + out.pop("REF2")
        fva = sum(out.pop(f"FVA{k}") for k in range(1, 5))
        out.update(VAX=vax, REF=ref_, DVA=vax + ref_, FVA=fva)
    return out


def assert_close(got: np.ndarray, want: np.ndarray, scale: float, what: object) -> None:
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale, err_msg=str(what))


CASES = {
    "exporter_source": ("exporter", "source"),
    "exporter_sink": ("exporter", "sink"),
    "partner": ("bilateral", "source"),
    "sector": ("sector", "source"),
    "partner_sector": ("self", "source"),
}


# ---------------------------------------------------------------------------------------------
# reference numbers (exvatools 0.9.0)
@pytest.mark.parametrize("name", ["leather", "wiodtest"])
@pytest.mark.parametrize("case", list(CASES))
def test_matches_exvatools(name: str, case: str) -> None:
    acc = ExportAccounts(fixture_table(name))
    ref_all = pd.read_csv(FIXTURES / f"{name}_bm.csv", keep_default_na=False)
    ref = ref_all[ref_all.case == case].reset_index(drop=True)
    assert len(ref) > 0
    got = bm_terms(acc, *CASES[case])
    s, i, r = cells(acc, ref)
    want = reference_terms(ref.replace("", np.nan).dropna(axis=1, how="all"))
    scale = float(np.abs(acc.E3).max())
    expected_terms = {
        "exporter_source": set(BM_TERMS),
        "exporter_sink": {*PERIMETER_TERMS, "VAXIM"},
    }.get(case, {"GEXP", "DVA", "VAX", "REF", "DDC", "FVA", "FDC"})
    assert set(want) >= expected_terms - {"DC", "FC"}, sorted(want)
    for term in expected_terms & set(want):
        assert_close(got[term][s, i, r], want[term], scale, (name, case, term))
    # every perimeter of the table is in the fixture, and its cells are the perimeter's exports
    if case != "exporter_source" and case != "exporter_sink":
        assert_close(got["GEXP"][s, i, r], acc.E3[s, i, r], scale, "GEXP")


# ---------------------------------------------------------------------------------------------
# explicit definitions on small tables (modified inverses with np.linalg.inv)
def _explicit_perimeter(acc: ExportAccounts, perspective: str) -> dict[str, np.ndarray]:
    """DVA and FVA from the inverse of I - A with the perimeter's rows of A removed."""
    G, N, n = acc.G, acc.N, acc.n
    A, v = acc.system.A, acc.system.v
    own = np.repeat(np.arange(G), N)
    dva = np.zeros((G, N, G))
    fva = np.zeros((G, N, G))
    for s in range(G):
        for i in range(N):
            for r in range(G):
                if r == s:
                    continue
                Ax = A.copy()
                rows = slice(s * N, (s + 1) * N) if perspective == "bilateral" else [s * N + i]
                cols = (own == r) if perspective in ("bilateral", "self") else (own != s)
                Ax[rows, :] = np.where(cols[None, :], 0.0, Ax[rows, :])
                col = np.linalg.inv(np.eye(n) - Ax)[:, s * N + i]
                vb = v * col
                e = acc.E3[s, i, r]
                dva[s, i, r] = vb[own == s].sum() * e
                fva[s, i, r] = vb[own != s].sum() * e
    return {"DVA": dva, "FVA": fva}


@SETTINGS
@given(tables, st.sampled_from(["bilateral", "sector", "self"]))
def test_perimeters_equal_explicit_modified_inverses(table: IOTable, perspective: str) -> None:
    acc = ExportAccounts(table)
    got = perimeter_bilateral(acc, perspective)
    want = _explicit_perimeter(acc, perspective)
    scale = float(np.abs(acc.E3).max())
    for k in ("DVA", "FVA"):
        assert_close(got[k], want[k], scale, (perspective, k))


@SETTINGS
@given(tables)
def test_vaxim_equals_explicit_definition(table: IOTable) -> None:
    """BM 2019 eq. 39 with B^{not s} = inv(I - A without A^{s,-s}) formed explicitly."""
    acc = ExportAccounts(table)
    G, N, n = acc.G, acc.N, acc.n
    A, Y = acc.system.A, acc.Y3
    own = np.repeat(np.arange(G), N)
    want = np.zeros((G, N, G))
    for s in range(G):
        Ax = A.copy()
        Ax[np.ix_(own == s, own != s)] = 0.0
        Bx = np.linalg.inv(np.eye(n) - Ax)
        for r in range(G):
            if r == s:
                continue
            y = Y[:, :, r].reshape(-1).copy()
            y[own == s] = 0.0
            x = Bx @ y
            rb = own == r
            arx = A[np.ix_(rb, ~rb)] @ x[~rb]
            inner = acc.Lss[r] @ (Y[r, :, r] + arx)
            phi = Y[s, :, r] + A[np.ix_(own == s, rb)] @ inner
            want[s, :, r] = acc.VBdom[s] * phi
    assert_close(vaxim(acc), want, float(np.abs(acc.E3).max()), "VAXIM")


@SETTINGS
@given(tables)
def test_imports_equal_explicit_definition(table: IOTable) -> None:
    """BM 2019 eq. 51 with B~^r = inv(I - A without r's imported inputs) formed explicitly."""
    acc = ExportAccounts(table)
    G, N, n = acc.G, acc.N, acc.n
    A, B, v = acc.system.A, acc.system.B, acc.system.v
    own = np.repeat(np.arange(G), N)
    VA, DC = imports_by_origin(acc)
    scale = float(np.abs(acc.E3).sum())
    for r in range(G):
        At = A.copy()
        At[np.ix_(own != r, own == r)] = 0.0
        Bt = np.linalg.inv(np.eye(n) - At)
        d = acc.E3[:, :, r].reshape(-1)
        g = (B @ d)[own == r]
        h = np.where(own == r, 0.0, A[:, own == r] @ g)
        assert_close(VA[:, r], v * (Bt @ d), scale, ("VA", r))
        assert_close(DC[:, r], v * (Bt @ h), scale, ("DC", r))


@SETTINGS
@given(tables)
def test_world_source_equals_explicit_sum(table: IOTable) -> None:
    """BM 2019 eq. 52: sum over t != s of V^t L^{tt} A^{ts} L^{ss} E^{s*}, block by block."""
    acc = ExportAccounts(table)
    G, N = acc.G, acc.N
    A, v = acc.system.A, acc.system.v
    want = np.zeros(G)
    for s in range(G):
        bs = slice(s * N, (s + 1) * N)
        Ls = np.linalg.inv(np.eye(N) - A[bs, bs])
        for t in range(G):
            if t == s:
                continue
            bt = slice(t * N, (t + 1) * N)
            Lt = np.linalg.inv(np.eye(N) - A[bt, bt])
            want[s] += v[bt] @ Lt @ A[bt, bs] @ Ls @ acc.Etot[s]
    assert_close(world_fva(acc, "source"), want, float(acc.Etot.sum()), "world FVA")


# ---------------------------------------------------------------------------------------------
# identities across perspectives (each can fail: none is how the code defines the terms)
@SETTINGS
@given(tables)
def test_world_fva_totals_agree_across_approaches(table: IOTable) -> None:
    """World FVA is counted once in world exports either way: source and sink world totals match."""
    acc = ExportAccounts(table)
    src, snk = world_fva(acc, "source"), world_fva(acc, "sink")
    assert src.sum() == pytest.approx(snk.sum(), rel=1e-9, abs=1e-9)
    w = world_country(acc, "sink")
    assert np.all(w["FVA"] <= w["FC"] + 1e-9 * w["GEXP"].sum())


@SETTINGS
@given(tables)
def test_imports_split_into_value_added_and_double_counting(table: IOTable) -> None:
    acc = ExportAccounts(table)
    VA, DC = imports_by_origin(acc)
    gross = acc.E3.sum(axis=(0, 1))
    scale = float(gross.sum())
    assert_close(VA.sum(0) + DC.sum(0), gross, scale, "VA + DC = gross imports")
    assert np.all(-1e-12 * scale <= VA) and np.all(-1e-12 * scale <= DC)
    frame = imports_decomposition(acc)
    wide = frame.pivot(index="importer", columns="term", values="value").loc[table.countries]
    assert_close(wide["GIMP"].to_numpy(), gross, scale, "GIMP")
    bil = imports_decomposition(acc, "bilateral").groupby(["importer", "term"]).value.sum()
    assert_close(
        bil.xs("VA", level="term").loc[table.countries].to_numpy(),
        wide["VA"].to_numpy(),
        scale,
        "VA by origin",
    )


@SETTINGS
@given(tables)
def test_vaxim_between_davax_and_vax(table: IOTable) -> None:
    """DAVAX <= VAXIM <= VAX cell by cell (BM 2019 sec. 3.3) on a nonnegative table."""
    acc = ExportAccounts(table)
    src = bm_source_bilateral(acc)
    snk = bm_terms(acc, "exporter", "sink")
    tol = 1e-9 * float(acc.E3.sum())
    assert np.all(src["DAVAX"] <= snk["VAXIM"] + tol)
    assert np.all(snk["VAXIM"] <= snk["VAX"] + tol)


@SETTINGS
@given(tables)
def test_narrower_perimeters_count_more_value_added(table: IOTable) -> None:
    """Fewer removed loops, more value added once (BM 2019 sec. 4).

    exporter <= pair and sector <= self <= domestic content, cell by cell.
    """
    acc = ExportAccounts(table)
    dva = {p: perimeter_bilateral(acc, p)["DVA"] for p in ("bilateral", "sector", "self")}
    dva["exporter"] = bm_source_bilateral(acc)["DVA"]
    tol = 1e-9 * float(acc.E3.sum())
    assert np.all(dva["exporter"] <= dva["sector"] + tol)
    assert np.all(dva["exporter"] <= dva["bilateral"] + tol)
    assert np.all(dva["sector"] <= dva["self"] + tol)
    assert np.all(dva["bilateral"] <= dva["self"] + tol)
    assert np.all(dva["self"] <= bm_source_bilateral(acc)["DC"] + tol)


# ---------------------------------------------------------------------------------------------
# frames
def test_frames_are_tidy_and_add_up() -> None:
    acc = ExportAccounts(random_table(3, 2, seed=5))
    t = acc.table
    bil = bm_decomposition(acc, "exporter", "sink", "bilateral")
    assert list(bil.columns) == ["exporter", "importer", "sector", "term", "value"]
    assert set(bil.term) == {*PERIMETER_TERMS, "VAXIM"}
    assert (bil.exporter != bil.importer).all()
    cty = bm_decomposition(acc, "exporter", "sink", "country")
    assert (cty.importer == "WLD").all() and (cty.sector == "TOTAL").all()
    a = bil.groupby(["exporter", "term"]).value.sum()
    b = cty.set_index(["exporter", "term"]).value.loc[a.index]
    assert_close(a.to_numpy(), b.to_numpy(), float(acc.E3.sum()), "bilateral -> country")
    world = bm_decomposition(acc, "world", "sink")
    assert len(world) == t.G * len(PERIMETER_TERMS)
    sec = bm_decomposition(acc, "sector", level="sector")
    assert len(sec) == t.n * len(PERIMETER_TERMS)
    # source and sink coincide at the country level of the exporter perspective
    src = bm_decomposition(acc, "exporter", "source").set_index(["exporter", "term"]).value
    both = [k for k in b.index if k[1] in PERIMETER_TERMS]
    assert_close(
        src.loc[both].to_numpy(), b.loc[both].to_numpy(), float(acc.E3.sum()), "source = sink"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"perspective": "planet"}, "perspective must be one of"),
        ({"approach": "middle"}, "approach must be source or sink"),
        ({"perspective": "world", "level": "bilateral"}, "defined at level country"),
        ({"perspective": "self", "level": "country"}, "defined at level bilateral"),
        ({"level": "firm"}, "not 'firm'"),
    ],
)
def test_bad_options_are_refused(kwargs: dict, message: str) -> None:
    acc = ExportAccounts(random_table(2, 2, seed=1))
    with pytest.raises(ValueError, match=message):
        bm_decomposition(acc, **kwargs)


# ---------------------------------------------------------------------------------------------
# WIOD 2011 (../shared): country and perimeter totals against exvatools
@pytest.mark.shared
@needs_shared(WIOD / "2011")
def test_wiod_2011_matches_exvatools_totals() -> None:
    from gpnlab.io import read_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = read_table(WIOD / "2011", "own")
    acc = ExportAccounts(t)
    ref = pd.read_csv(FIXTURES / "wiod2011_bm_totals.csv", keep_default_na=False)
    codes = {("ROW" if c == "RoW" else c): k for k, c in enumerate(t.countries)}
    scale = float(acc.E3.sum())
    checked = 0
    terms = {case: bm_terms(acc, *options) for case, options in CASES.items()}
    for (case, exporter, partner, sector), grp in ref.groupby(
        ["case", "exporter", "partner", "sector"], sort=False
    ):
        got = terms[case]
        s = codes[exporter]
        mask = np.zeros((t.G, t.N, t.G), dtype=bool)
        mask[s] = True
        if partner != "WLD":
            mask[s, :, [r for r in range(t.G) if r != codes[partner]]] = False
        if sector != "TOTAL":
            mask[s, [i for i in range(t.N) if f"DS{i + 1:02d}" != sector], :] = False
        want = reference_terms(
            grp.set_index("term")
            .value.to_frame()
            .T.assign(
                case=case, exporter=exporter, partner=partner, sector=sector, row="", importer=""
            )
        )
        for term, value in want.items():
            if term in got:
                assert got[term][mask].sum() == pytest.approx(
                    float(value[0]), rel=RTOL, abs=RTOL * scale
                ), (case, term)
                checked += 1
    # 41 exporters x (13 source + 10 sink terms) + 10 perimeters x 7 terms
    assert checked == 41 * 23 + 10 * 7
