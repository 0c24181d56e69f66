"""Load the exvatools 0.9 reference numbers in tests/measure/fixtures/exvatools (see README)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.table import IOTable, TableWarning

FIXTURES = Path(__file__).parent / "fixtures" / "exvatools"


@cache
def reference_table(tag: str) -> IOTable:
    """The input table of ``tag`` (wiodtest, leather) in exvatools' order and labels."""
    Z = pd.read_csv(FIXTURES / f"{tag}_Z.csv", index_col=0)
    Y = pd.read_csv(FIXTURES / f"{tag}_Y.csv", index_col=0)
    labels = [tuple(lab.split("_", 1)) for lab in Z.index]
    fd = [(c, "FD") for c in Y.columns]
    return IOTable.build(Z.to_numpy(), Y.to_numpy(), labels, fd, source=f"exvatools {tag}")


@cache
def reference_long(tag: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / f"{tag}_reference.csv", keep_default_na=False)


def reference_arrays(tag: str, set_: str) -> dict[str, np.ndarray]:
    """exvatools' matrices of one call as [country, sector, column] arrays (table order).

    Columns are partner countries, except ``VA`` and ``PROD`` (one column) which come back as
    [country, sector, 1].
    """
    t = reference_table(tag)
    d = reference_long(tag)
    d = d[d["set"] == set_]
    ci = {c: k for k, c in enumerate(t.countries)}
    si = {s: k for k, s in enumerate(t.sectors)}
    out: dict[str, np.ndarray] = {}
    for term, g in d.groupby("term", sort=False):
        cols = list(dict.fromkeys(g["column"]))
        colpos = {c: ci.get(c, k) for k, c in enumerate(cols)}
        arr = np.full((t.G, t.N, len(cols) if len(cols) == 1 else t.G), np.nan)
        arr[
            g["country"].map(ci).to_numpy(),
            g["sector"].astype(str).map(si).to_numpy(),
            g["column"].map(colpos).to_numpy(),
        ] = g["value"].to_numpy()
        out[str(term)] = arr
    return out


def assert_close(ours: np.ndarray, ref: np.ndarray, what: str, rtol: float = 1e-8) -> None:
    """Relative agreement on the scale of the reference (cells near zero judged absolutely)."""
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} vs {ref.shape}"
    assert not np.isnan(ref).any(), f"{what}: reference has holes"
    scale = max(float(np.abs(ref).max()), 1.0)
    err = np.abs(ours - ref)
    tol = rtol * np.maximum(np.abs(ref), 1e-3 * scale)
    bad = err > tol
    assert not bad.any(), f"{what}: {int(bad.sum())} cells off, max abs error {err.max():.3g}"


@cache
def wiod_country_reference() -> pd.DataFrame:
    """exvatools on WIOD 2011, country-level sums (see README): set, term, country, value."""
    return pd.read_csv(FIXTURES / "wiod2011_country.csv", keep_default_na=False)


def wiod_country_terms(set_: str, countries: list[str]) -> dict[str, np.ndarray]:
    """One call's country sums as term -> vector over ``countries`` (NaN where absent)."""
    d = wiod_country_reference()
    d = d[d["set"] == set_]
    return {
        str(term): g.set_index("country")["value"].reindex(countries).to_numpy(dtype=float)
        for term, g in d.groupby("term", sort=False)
    }


@cache
def _wiod2011(path: Path) -> ExportAccounts:
    import warnings

    from gpnlab.io import read_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)
        return ExportAccounts(read_table(path, "own"))


def wiod2011_accounts_or_skip() -> ExportAccounts:
    """WIOD 2011 from ../shared (read once per session); skips when the folder is absent."""
    import pytest

    from tests.conftest import WIOD

    path = WIOD / "2011"
    if not path.exists():
        pytest.skip(f"{path} not found: the shared data folder is not beside the repo")
    return _wiod2011(path)
