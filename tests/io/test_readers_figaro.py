"""FIGARO flat CSV (industry by industry): a hand-made file in the exact layout, read cell by cell,
compared with the same table in the own layout, and bad input refused."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_own, read_table, write_own
from gpnlab.io.figaro import FD_CODES, read_figaro
from gpnlab.resources import ResourceError
from gpnlab.table import IOTable
from tests.io.layouts import Truth, make_truth, write_figaro

AREAS = ["AT", "BE", "US", "FIGW1"]
INDUSTRIES = ["A01", "C10-12", "G46", "U"]


def fd_block(table: IOTable, fd: list[tuple[str, str]]) -> np.ndarray:
    return table.Y[:, table.fd_labels.get_indexer(pd.MultiIndex.from_tuples(fd))]


@pytest.fixture
def flat(tmp_path: Path) -> tuple[Path, Truth, list[list[str]]]:
    t = make_truth(AREAS, INDUSTRIES, AREAS, list(FD_CODES), seed=41, n_others=4)
    t.Z[0, 3] = 0.0  # a missing line is a zero cell
    t.x[:] = t.Z.sum(axis=1) + t.Y.sum(axis=1)
    t.va_given[:] = t.x - t.Z.sum(axis=0) - t.taxes - t.others.sum(axis=0)
    p = tmp_path / "flatfile_eu-ic-io_ind-by-ind_23ed_2020.csv"
    return p, t, write_figaro(p, t)


def rewrite(p: Path, lines: list[list[str]]) -> None:
    with open(p, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)


def test_cell_by_cell(flat: tuple[Path, Truth, list[list[str]]], tmp_path: Path) -> None:
    p, t, _ = flat
    got = read_figaro(p, output="given")
    assert got.countries == AREAS and got.sectors == INDUSTRIES
    assert got.categories == list(FD_CODES)
    np.testing.assert_array_equal(got.Z, t.Z)
    np.testing.assert_array_equal(fd_block(got, t.fd), t.Y)
    np.testing.assert_allclose(got.x, t.x)  # column totals 1'Z + primary inputs
    np.testing.assert_array_equal(got.taxes, t.taxes)  # D21X31
    np.testing.assert_allclose(got.va, t.va_residual)
    given = read_figaro(p, value_added="given")
    b2, d29 = t.others[0], t.others[1]
    np.testing.assert_allclose(given.va, t.va_given + b2 + d29)  # D1 + B2A3G + D29X39
    back = read_own(write_own(got, tmp_path / "own"), output="given", value_added="given")
    for name in ("Z", "Y", "va", "x"):
        np.testing.assert_array_equal(getattr(back, name), getattr(got, name), err_msg=name)


def test_extra_columns_and_order_do_not_matter(
    flat: tuple[Path, Truth, list[list[str]]], tmp_path: Path
) -> None:
    p, t, lines = flat
    head, body = lines[0], lines[1:]
    body = body[::-1]
    q = tmp_path / "shuffled.csv"
    rewrite(q, [[*head[::-1], "unit"], *([*r[::-1], "MIO_EUR"] for r in body)])
    a, b = read_figaro(p), read_table(q, "figaro")
    assert set(a.countries) == set(b.countries)
    a2 = a.Z[np.ix_(a.labels.get_indexer(b.labels), a.labels.get_indexer(b.labels))]
    np.testing.assert_array_equal(a2, b.Z)


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda L: L[0].__setitem__(3, "rowpi"), "no column rowPi"),
        (lambda L: L[5].__setitem__(6, "1.2.3"), "obsValue '1.2.3' on line 6 is not a number"),
        (lambda L: L[5].__setitem__(6, ""), "blank obsValue on line 6"),
        (lambda L: L[7].__setitem__(3, "X99"), "rowPi 'X99' .line 8. is neither"),
        (lambda L: L.append(list(L[4])), "appears twice"),
        (lambda L: L[9].__setitem__(2, ""), "blank refArea"),
    ],
)
def test_bad_files_are_one_line(
    flat: tuple[Path, Truth, list[list[str]]], edit: object, needle: str
) -> None:
    p, _t, lines = flat
    edit(lines)  # type: ignore[operator]
    rewrite(p, lines)
    with pytest.raises(InputError, match=needle) as info:
        read_table(p, "figaro")
    assert "\n" not in str(info.value)


def test_memory_is_refused_before_the_body_is_read(
    flat: tuple[Path, Truth, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    p, _t, _ = flat
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    monkeypatch.setattr(pacsv, "read_csv", lambda *_a, **_k: pytest.fail("body was read"))
    with pytest.raises(ResourceError, match="more than the 1.0 KiB"):
        read_figaro(p)
