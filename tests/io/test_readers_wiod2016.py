"""WIOD 2016 release (the WIOT sheet as CSV, and as xlsx): a hand-made file in the exact layout,
read cell by cell, compared with the same table in the own layout, and bad input refused."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_own, read_table, write_own
from gpnlab.io.wiod2016 import read_wiod2016
from gpnlab.resources import ResourceError
from gpnlab.table import IOTable
from tests.io.layouts import WIOD_FD, Truth, make_truth, write_wiod2016

COUNTRIES = ["AUS", "CHN", "USA", "ROW"]
SECTORS = ["A01", "C10-C12", "G46", "U"]


def fd_block(table: IOTable, fd: list[tuple[str, str]]) -> np.ndarray:
    return table.Y[:, table.fd_labels.get_indexer(pd.MultiIndex.from_tuples(fd))]


def assert_same_as_own(t: IOTable, tmp_path: Path) -> None:
    back = read_own(write_own(t, tmp_path / "own"), output="given", value_added="given")
    for name in ("Z", "Y", "va", "x"):
        np.testing.assert_array_equal(getattr(back, name), getattr(t, name), err_msg=name)


@pytest.fixture
def wiot(tmp_path: Path) -> tuple[Path, Truth, list[list[str]]]:
    t = make_truth(COUNTRIES, SECTORS, COUNTRIES, WIOD_FD, seed=21, n_others=4)
    p = tmp_path / "WIOT2014_Nov16_ROW.csv"
    return p, t, write_wiod2016(p, t)


def rewrite(p: Path, lines: list[list[str]]) -> None:
    with open(p, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)


def test_cell_by_cell(wiot: tuple[Path, Truth, list[list[str]]], tmp_path: Path) -> None:
    p, t, _ = wiot
    got = read_wiod2016(p, output="given")
    assert got.countries == COUNTRIES and got.sectors == SECTORS and got.categories == WIOD_FD
    np.testing.assert_array_equal(got.Z, t.Z)
    np.testing.assert_array_equal(fd_block(got, t.fd), t.Y)
    np.testing.assert_array_equal(got.x, t.x)
    np.testing.assert_array_equal(got.taxes, t.taxes)  # TXSP
    np.testing.assert_allclose(got.va, t.va_residual)  # TXSP + EXP_adj + PURR + PURNR + VA + IntTTM
    given = read_wiod2016(p, value_added="given")
    np.testing.assert_array_equal(given.va, t.va_given)  # the VA row
    assert given.taxes is None and got.meta["format"] == "wiod2016"
    assert_same_as_own(got, tmp_path)


def test_xlsx_workbook_reads_the_same(
    wiot: tuple[Path, Truth, list[list[str]]], tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    p, _t, lines = wiot
    wb = openpyxl.Workbook()
    ws = wb.active
    for rec in lines:
        ws.append([float(v) if _is_number(v) else (v or None) for v in rec])
    x = tmp_path / "WIOT2014_Nov16_ROW.xlsx"
    wb.save(x)
    a, b = read_wiod2016(p), read_table(x, "wiod2016")
    for name in ("Z", "Y", "va", "x"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def _is_number(v: str) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True


def test_text_cell_names_line_and_row(wiot: tuple[Path, Truth, list[list[str]]]) -> None:
    p, _t, lines = wiot
    lines[7][6] = "12,5 (est.)"
    rewrite(p, lines)
    with pytest.raises(InputError, match=r"'12,5 \(est.\)' is not a number at line 8") as info:
        read_wiod2016(p)
    assert "C10-C12" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda L: L[-3].__setitem__(0, "VAT"), "row 'VAT'"),
        (lambda L: L[3].__setitem__(4, "B"), "rows have no intermediate-use column"),
        (lambda L: L.__delitem__(3), "no header line with the final-demand code CONS_h"),
        (lambda L: L[6].__setitem__(2, ""), "has sector code 'A01' and country ''"),
        (lambda L: L[8].__setitem__(5, ""), "blank, missing or infinite cells"),
        (lambda L: L.append(list(L[-1])), "row 'GO' appears twice"),
    ],
)
def test_bad_layouts_are_one_line(
    wiot: tuple[Path, Truth, list[list[str]]], edit: object, needle: str
) -> None:
    p, _t, lines = wiot
    edit(lines)  # type: ignore[operator]
    rewrite(p, lines)
    with pytest.raises(InputError, match=needle) as info:
        read_table(p, "wiod2016")
    assert "\n" not in str(info.value)


def test_ragged_line_is_one_line(wiot: tuple[Path, Truth, list[list[str]]]) -> None:
    p, _t, lines = wiot
    lines[9] = lines[9][:-3]
    rewrite(p, lines)
    with pytest.raises(InputError, match="line 10 .* has .* fields"):
        read_wiod2016(p)


def test_memory_is_refused_before_the_body_is_read(
    wiot: tuple[Path, Truth, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    p, _t, _ = wiot
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    monkeypatch.setattr(pacsv, "read_csv", lambda *_a, **_k: pytest.fail("body was read"))
    with pytest.raises(ResourceError, match="16 rows and columns, 4 countries"):
        read_wiod2016(p)


def test_gzipped_csv_reads_the_same(
    wiot: tuple[Path, Truth, list[list[str]]], tmp_path: Path
) -> None:
    from tests.io.helpers import gzip_file

    p, _t, _ = wiot
    gz = gzip_file(p, tmp_path / "WIOT2014.csv.gz")
    a, b = read_wiod2016(p), read_table(gz, "wiod2016")
    for name in ("Z", "Y", "va", "x"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
