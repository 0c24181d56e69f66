"""OECD ICIO 2016, 2018 and 2021 layouts: hand-made files in the exact layout (tests/io/layouts.py),
read cell by cell against the arrays written, against the same table in the own layout, and
(shared) against pymrio's ``parse_oecd`` on pymrio's own mock files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_own, read_table, write_own
from gpnlab.io.oecd_icio import detect_release, read_oecd_icio
from gpnlab.resources import ResourceError
from gpnlab.table import IOTable
from tests.conftest import SHARED, needs_shared
from tests.io.helpers import assert_one_error_line, run_cli
from tests.io.layouts import (
    FD_2016,
    FD_2018,
    FD_2021,
    Truth,
    make_truth,
    write_icio_2016,
    write_icio_2021,
)

MOCK = SHARED / "fixtures" / "oecd_mock"
PRODUCERS = ["AUS", "CN1", "CN2", "MX1", "MX2", "ROW"]
MERGED = ["AUS", "CHN", "MEX", "ROW"]
SECTORS = ["01T02", "05T06", "10T12"]
SPLIT = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}


def merger(t: Truth) -> np.ndarray:
    """Rows of the merged table x rows of the file (CN1 + CN2 -> CHN)."""
    merged = [(SPLIT.get(c, c), s) for c, s in t.rows]
    target = list(dict.fromkeys(merged))
    R = np.zeros((len(target), len(t.rows)))
    for j, lab in enumerate(merged):
        R[target.index(lab), j] = 1.0
    return R


def fd_block(table: IOTable, fd: list[tuple[str, str]]) -> np.ndarray:
    """The columns of ``table.Y`` in the order of ``fd``."""
    return table.Y[:, table.fd_labels.get_indexer(pd.MultiIndex.from_tuples(fd))]


def assert_same_as_own(t: IOTable, tmp_path: Path) -> None:
    """Written in the own layout and read back: Z, Y, va and x equal."""
    back = read_own(write_own(t, tmp_path / "own"), output="given", value_added="given")
    for name in ("Z", "Y", "va", "x"):
        np.testing.assert_array_equal(getattr(back, name), getattr(t, name), err_msg=name)
    assert list(back.labels) == list(t.labels) and list(back.fd_labels) == list(t.fd_labels)


@pytest.fixture
def truth_2021() -> Truth:
    return make_truth(PRODUCERS, SECTORS, MERGED, FD_2021, seed=11, n_others=1)


def test_detect_release_from_labels() -> None:
    assert detect_release(["AUS_01", "VA+TAXSUB", "OUT"], ["AUS_01", "HFCE_AUS", "DISC"]) == "2016"
    assert detect_release(["AUS_01", "AUS_TAXSUB", "VALU"], ["AUS_01", "AUS_P33"]) == "2018"
    assert detect_release(["AUS_01", "OUTPUT"], ["AUS_01", "AUS_DPABR", "TOTAL"]) == "2021"
    assert detect_release(["AUS_A01", "TLS", "VA", "OUT"], ["AUS_A01", "AUS_HFCE", "OUT"]) == "2023"


@pytest.mark.parametrize("merge", [True, False])
def test_2021_layout_cell_by_cell(truth_2021: Truth, tmp_path: Path, merge: bool) -> None:
    t = truth_2021
    p = tmp_path / "ICIO2021_2018.csv"
    write_icio_2021(p, t, tax_countries=MERGED)
    got = read_oecd_icio(p, merge_split=merge, output="given")
    assert got.meta["release"] == "2021"
    valu = t.va_given + t.others.sum(axis=0)
    R = merger(t) if merge else np.eye(len(t.rows))
    countries = MERGED if merge else [*PRODUCERS, "CHN", "MEX"]
    assert got.countries == countries and got.sectors == SECTORS
    assert got.categories == FD_2021
    n = R.shape[0]
    np.testing.assert_allclose(got.Z[:n, :n], R @ t.Z @ R.T)
    np.testing.assert_allclose(fd_block(got, t.fd)[:n], R @ t.Y)
    np.testing.assert_allclose(got.x[:n], R @ t.x)
    np.testing.assert_allclose(got.tax_row[:n], R @ t.taxes)  # sum of the XXX_TAXSUB rows
    assert got.taxes is not None
    np.testing.assert_allclose(got.va[:n], R @ (t.x - t.Z.sum(axis=0)))  # residual
    np.testing.assert_allclose(got.va_basic[:n], R @ valu)  # residual less taxes = VALU
    given = read_oecd_icio(p, merge_split=merge, value_added="given")
    np.testing.assert_allclose(given.va[:n], R @ valu)
    assert given.taxes is None and given.meta["va_row"] == "VALU"
    assert_same_as_own(got, tmp_path)


def test_2018_layout_is_told_apart_by_p33(tmp_path: Path) -> None:
    t = make_truth(
        ["AUS", "MEX", "MX1", "USA"], SECTORS, ["AUS", "MEX", "USA"], FD_2018, seed=4, n_others=1
    )
    p = tmp_path / "ICIO2018_2010.CSV"
    # MEX has rows of its own beside MX1 (as pymrio's mock has): summed, with a note
    write_icio_2021(p, t, tax_countries=["AUS", "MEX", "USA"])
    with pytest.warns(UserWarning, match="rows or columns of their own for MEX"):
        got = read_table(tmp_path, "oecd-icio", year=2010)
    assert got.meta["release"] == "2018" and got.countries == ["AUS", "MEX", "USA"]
    assert "P33" in got.categories
    R = np.zeros((9, 12))
    for j, (c, s) in enumerate(t.rows):
        R[["AUS", "MEX", "USA"].index(SPLIT.get(c, c)) * 3 + SECTORS.index(s), j] = 1
    np.testing.assert_allclose(got.Z, R @ t.Z @ R.T)


def test_2016_layout_cell_by_cell(tmp_path: Path) -> None:
    t = make_truth(
        ["AUS", "CN1", "CN2", "PER"], SECTORS, ["AUS", "CHN", "PER"], FD_2016, seed=7, n_others=1
    )
    p = tmp_path / "ICIO2016_2003.csv"
    write_icio_2016(p, t, zero_rows=("CHN",))  # CHN's own rows: zero, as in the release
    got = read_oecd_icio(p, merge_split=True, output="given")
    assert got.meta["release"] == "2016" and got.meta["va_row"] == "VA+TAXSUB"
    assert got.countries == ["AUS", "CHN", "PER"]
    assert got.categories == [*FD_2016[:-1], "DISC"]
    R = np.zeros((9, 12))
    for j, (c, s) in enumerate(t.rows):
        R[["AUS", "CHN", "PER"].index(SPLIT.get(c, c)) * 3 + SECTORS.index(s), j] = 1
    np.testing.assert_allclose(got.Z, R @ t.Z @ R.T)
    kept = [(c, k) for c, k in t.fd if k != FD_2016[-1]]
    pos = {lab: j for j, lab in enumerate(t.fd)}
    np.testing.assert_allclose(fd_block(got, kept), R @ t.Y[:, [pos[f] for f in kept]])
    # DISC: final use of the producing country, never an export
    disc = t.Y[:, [pos[f] for f in t.fd if f[1] == FD_2016[-1]]].sum(axis=1)
    own = fd_block(got, [(c, "DISC") for c in ["AUS", "CHN", "PER"]])
    expect = np.zeros((9, 3))
    expect[np.arange(9), np.repeat(np.arange(3), 3)] = R @ disc
    np.testing.assert_allclose(own, expect)
    np.testing.assert_allclose(got.x, R @ t.x)
    assert got.taxes is None  # 2016 has no separate tax row
    given = read_oecd_icio(p, merge_split=True, value_added="given")
    np.testing.assert_allclose(given.va, R @ (t.x - t.Z.sum(axis=0)))
    assert_same_as_own(got, tmp_path)


def test_2016_with_nonzero_country_rows_beside_halves_is_summed_with_a_note(
    tmp_path: Path,
) -> None:
    t = make_truth(["AUS", "CHN", "CN1"], SECTORS, ["AUS", "CHN"], FD_2016, seed=2, n_others=1)
    p = tmp_path / "ICIO2016_2003.csv"
    write_icio_2016(p, t)
    with pytest.warns(UserWarning, match="summed with the halves"):
        got = read_oecd_icio(p, merge_split=True)
    np.testing.assert_allclose(got.Z.sum(), t.Z.sum())


@needs_shared(MOCK)
@pytest.mark.shared
@pytest.mark.parametrize("name", ["ICIO2016_2003.csv", "ICIO2018_2010.CSV"])
def test_against_pymrio_parse_oecd(name: str, tmp_path: Path) -> None:
    pymrio = pytest.importorskip("pymrio")
    p = MOCK / name
    io = pymrio.parse_oecd(str(p))
    got = read_oecd_icio(p, merge_split=True, output="given", value_added="given")
    labels = list(got.labels)
    np.testing.assert_array_equal(io.Z.loc[labels, labels].to_numpy(), got.Z)
    Y = io.Y.loc[labels]
    fd = [c for c in Y.columns if c[0] != "ALL"]
    np.testing.assert_array_equal(Y[fd].to_numpy(), fd_block(got, fd))
    if ("ALL", "DISC") in Y.columns:  # pymrio: a destination ALL; gpnlab: own final use
        disc = fd_block(got, [(c, "DISC") for c in got.countries]).sum(axis=1)
        np.testing.assert_allclose(disc, Y[("ALL", "DISC")].to_numpy())
    F = io.factor_inputs.F.loc[:, labels]
    va_row = "VA+TAXSUB" if "VA+TAXSUB" in F.index else "VALU"
    np.testing.assert_allclose(got.va, F.loc[va_row].to_numpy())
    taxes = F.loc[[r for r in F.index if str(r).endswith("_TAXSUB")]].sum(axis=0).to_numpy()
    if va_row == "VALU":
        residual = read_oecd_icio(p, merge_split=True, output="given")
        np.testing.assert_allclose(residual.tax_row, taxes)
        assert residual.taxes is not None
    assert_same_as_own(got, tmp_path)


def test_memory_is_refused_before_the_body_is_read(
    truth_2021: Truth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gpnlab.io.matrix as matrix

    p = tmp_path / "ICIO2021_2018.csv"
    write_icio_2021(p, truth_2021, tax_countries=MERGED)
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    monkeypatch.setattr(matrix, "_read_csv", lambda *_a, **_k: pytest.fail("body was read"))
    with pytest.raises(ResourceError, match="more than the 1.0 KiB"):
        read_oecd_icio(p)


def test_bad_2021_cell_is_one_line(truth_2021: Truth, tmp_path: Path) -> None:
    p = tmp_path / "ICIO2021_2018.csv"
    lines = write_icio_2021(p, truth_2021, tax_countries=MERGED)
    lines[-1][3] = "n/a"  # OUTPUT row, under an intermediate-use column
    p.write_text("\n".join(",".join(r) for r in lines) + "\n")
    with pytest.raises(InputError, match="row 'OUTPUT'") as info:
        read_oecd_icio(p)
    assert "\n" not in str(info.value)


def test_cli_va_given_and_residual(truth_2021: Truth, tmp_path: Path) -> None:
    p = tmp_path / "ICIO2021_2018.csv"
    write_icio_2021(p, truth_2021, tax_countries=MERGED)
    gdp = {}
    for va in ("given", "residual"):
        out = tmp_path / f"out-{va}"
        proc = run_cli(
            "measure",
            str(p),
            "--format",
            "oecd-icio",
            "--va",
            va,
            "--out",
            str(out),
            "--no-figures",
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        meta = json.loads((out / "meta.json").read_text())
        assert meta["options"]["va"] == va
        gdp[va] = pd.read_csv(out / "country.csv")
    assert not gdp["given"].equals(gdp["residual"])
    bad = run_cli(
        "measure", str(p), "--format", "oecd-icio", "--va", "net", "--out", str(tmp_path / "bad")
    )
    assert_one_error_line(bad, "--va", "residual or given")
    assert not (tmp_path / "bad").exists()
