"""All 17 WIOD 2013 tables load and satisfy the identities (integration, needs ../shared)."""

from __future__ import annotations

import numpy as np
import pytest

from gpnlab.io import read_table
from gpnlab.measure import KWW_TERMS, ExportAccounts, kww, measure_all
from gpnlab.measure.borin_mancini import bm_source_bilateral
from tests.conftest import WIOD, needs_shared

pytestmark = [needs_shared(WIOD), pytest.mark.shared]
YEARS = list(range(1995, 2012))


@pytest.mark.parametrize("year", YEARS)
def test_wiod_year_loads_and_adds_up(year: int) -> None:
    t = read_table(WIOD / str(year), "own")
    assert (t.G, t.N, t.n) == (41, 35, 1435)
    np.testing.assert_allclose(t.x, t.Z.sum(1) + t.Y.sum(1), atol=1e-6)
    acc = ExportAccounts(t)
    terms = bm_source_bilateral(acc)
    scale = float(terms["GEXP"].sum())
    tol = 1e-9 * scale
    assert np.abs(terms["GEXP"] - terms["DC"] - terms["FC"]).sum() < tol
    assert np.abs(terms["DC"] - terms["DVA"] - terms["DDC"]).sum() < tol
    assert np.abs(terms["FC"] - terms["FVA"] - terms["FDC"]).sum() < tol
    assert np.abs(terms["GVC"] - terms["GVCB"] - terms["GVCF"]).sum() < tol
    k = kww(acc)
    assert np.abs(k[list(KWW_TERMS)].sum(axis=1) - k.gross_exports).max() < tol
    gdp = acc.VAFD.sum(axis=1).reshape(t.G, t.N).sum(axis=1)
    np.testing.assert_allclose(gdp, t.gdp().to_numpy(), rtol=1e-9)


def test_wiod_2011_quirks_are_handled() -> None:
    import warnings

    from gpnlab.table import TableWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TableWarning)
        t = read_table(WIOD / "2011", "own")
    text = " ".join(str(w.message) for w in caught)
    assert "22 zero-output sectors" in text
    assert "negative final-demand" in text and "negative value-added" in text
    ind = measure_all(t)
    dead = t.x == 0
    assert int(dead.sum()) == 22
    assert ind.sector.upstreamness[dead].isna().all()
    assert ind.sector.upstreamness[~dead].notna().all()
    assert np.isfinite(ind.country[["gross_exports", "dva", "vax_ratio"]].to_numpy()).all()


def test_published_output_option() -> None:
    given = read_table(WIOD / "2011", "own", output="given")
    rows = read_table(WIOD / "2011", "own", output="rowsums")
    gap = given.row_gap()
    assert -110 <= gap.min() < 0 < gap.max() <= 110
    np.testing.assert_allclose(rows.row_gap(), 0, atol=1e-6)
