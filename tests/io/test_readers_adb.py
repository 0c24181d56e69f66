"""ADB MRIO (the Excel sheet exported as CSV): a hand-made file in the exact layout, read cell by
cell, compared with the same table in the own layout, and bad input refused."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_own, read_table, write_own
from gpnlab.io.adb import read_adb
from gpnlab.resources import ResourceError
from gpnlab.table import IOTable
from tests.io.layouts import ADB_FD, Truth, make_truth, write_adb

ECONOMIES = ["AUS", "PRC", "IND", "RoW"]
SECTORS = ["c1", "c2", "c3"]


def fd_block(table: IOTable, fd: list[tuple[str, str]]) -> np.ndarray:
    return table.Y[:, table.fd_labels.get_indexer(pd.MultiIndex.from_tuples(fd))]


@pytest.fixture
def mrio(tmp_path: Path) -> tuple[Path, Truth, list[list[str]]]:
    t = make_truth(ECONOMIES, SECTORS, ECONOMIES, ADB_FD, seed=31, n_others=4, integers=False)
    p = tmp_path / "ADB-MRIO-2019_Mar2022.csv"
    return p, t, write_adb(p, t)


def rewrite(p: Path, lines: list[list[str]]) -> None:
    with open(p, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)


def test_cell_by_cell(mrio: tuple[Path, Truth, list[list[str]]], tmp_path: Path) -> None:
    p, t, _ = mrio
    got = read_adb(p, output="given")
    assert got.countries == ECONOMIES and got.sectors == SECTORS and got.categories == ADB_FD
    np.testing.assert_array_equal(got.Z, t.Z)
    np.testing.assert_array_equal(fd_block(got, t.fd), t.Y)
    np.testing.assert_array_equal(got.x, t.x)  # the ToT column
    np.testing.assert_array_equal(got.taxes, t.taxes)  # "Taxes less subsidies on products"
    np.testing.assert_allclose(got.va, t.va_residual)  # the six value-added rows
    given = read_adb(p, value_added="given")
    np.testing.assert_array_equal(given.va, t.va_given)  # "Value added at basic prices"
    back = read_own(write_own(got, tmp_path / "own"), output="given", value_added="given")
    for name in ("Z", "Y", "va", "x"):
        np.testing.assert_array_equal(getattr(back, name), getattr(got, name), err_msg=name)


def test_without_total_column_output_comes_from_r69(
    mrio: tuple[Path, Truth, list[list[str]]],
) -> None:
    p, t, lines = mrio
    lines = [rec[: 4 + len(t.rows) + len(t.fd)] for rec in lines]
    rewrite(p, lines)
    np.testing.assert_array_equal(read_table(p, "adb", output="given").x, t.x)


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda L: L[9].__setitem__(5, "1 234"), "'1 234' is not a number at line 10"),
        (lambda L: L[6].__setitem__(6, "c9"), "no row"),
        (lambda L: L[6].__setitem__(5, "X1"), "has code 'X1'"),
        (lambda L: L.__delitem__(6), "no header line with the final-demand code F1"),
        (lambda L: L[8].__setitem__(3, "s2"), "line 9 has code 's2'"),
        (lambda L: L.insert(-2, list(L[8])), "comes after the value-added rows"),
    ],
)
def test_bad_layouts_are_one_line(
    mrio: tuple[Path, Truth, list[list[str]]], edit: object, needle: str
) -> None:
    p, _t, lines = mrio
    edit(lines)  # type: ignore[operator]
    rewrite(p, lines)
    with pytest.raises(InputError, match=needle) as info:
        read_table(p, "adb")
    assert "\n" not in str(info.value)


def test_memory_is_refused_before_the_body_is_read(
    mrio: tuple[Path, Truth, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    p, _t, _ = mrio
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    monkeypatch.setattr(pacsv, "read_csv", lambda *_a, **_k: pytest.fail("body was read"))
    with pytest.raises(ResourceError, match="12 rows and columns, 4 countries"):
        read_adb(p)


def test_xlsx_workbook_reads_the_same(
    mrio: tuple[Path, Truth, list[list[str]]], tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    p, _t, lines = mrio
    wb = openpyxl.Workbook()
    ws = wb.active
    for rec in lines:
        cells: list[object] = []
        for v in rec:
            try:
                cells.append(float(v))
            except ValueError:
                cells.append(v or None)
        ws.append(cells)
    x = tmp_path / "ADB-MRIO-2019_Mar2022.xlsx"
    wb.save(x)
    a, b = read_adb(p), read_table(x, "adb")
    for name in ("Z", "Y", "va", "x"):  # openpyxl stores 16 significant digits: 1 ulp apart
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-15, err_msg=name)
