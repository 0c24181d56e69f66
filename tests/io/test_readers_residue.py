"""The rounding-residue rule (a sector whose sales net to <= 0 gets zero output) goes through the
same path for every reader: reported in the table's notes (``meta["notes"]``,
``meta["rounding_residue"]``), as a warning, and in the ``meta.json`` of ``gpnlab measure``."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_table
from gpnlab.io.figaro import FD_CODES
from gpnlab.table import TableWarning
from tests.io.helpers import run_cli
from tests.io.layouts import (
    ADB_FD,
    FD_2021,
    WIOD_FD,
    Truth,
    make_truth,
    write_adb,
    write_figaro,
    write_icio_2021,
    write_wiod2016,
)


def with_residue(t: Truth, k: int, inventory: str) -> Truth:
    """Sector ``k`` sells nothing but a tiny inventory draw-down and buys nothing: rounding
    residue (its flows are far below 1e-6 of total output)."""
    t.Z[k, :] = 0.0
    t.Z[:, k] = 0.0
    t.Y[k, :] = 0.0
    t.Y[k, [j for j, (_c, cat) in enumerate(t.fd) if cat == inventory][0]] = -0.001
    t.taxes[k] = 0.0
    t.others[:, k] = 0.0
    t.x[:] = t.Z.sum(axis=1) + t.Y.sum(axis=1)
    t.va_given[:] = t.x - t.Z.sum(axis=0) - t.taxes - t.others.sum(axis=0)
    return t


def _icio(p: Path) -> tuple[Path, str, str]:
    t = with_residue(
        make_truth(["AUS", "LUX"], ["01T02", "05T06"], ["AUS", "LUX"], FD_2021, seed=5, n_others=1),
        3,
        "INVNT",
    )
    write_icio_2021(p / "ICIO2021_2011.csv", t, tax_countries=["AUS", "LUX"])
    return p / "ICIO2021_2011.csv", "oecd-icio", "LUX_05T06"


def _wiod(p: Path) -> tuple[Path, str, str]:
    t = with_residue(
        make_truth(["AUS", "LUX"], ["A01", "B"], ["AUS", "LUX"], WIOD_FD, seed=5, n_others=4),
        3,
        "INVEN",
    )
    write_wiod2016(p / "WIOT2011_Nov16_ROW.csv", t)
    return p / "WIOT2011_Nov16_ROW.csv", "wiod2016", "LUX_B"


def _adb(p: Path) -> tuple[Path, str, str]:
    t = with_residue(
        make_truth(["PRC", "MDV"], ["c1", "c2"], ["PRC", "MDV"], ADB_FD, seed=5, n_others=4),
        3,
        "F5",
    )
    write_adb(p / "ADB-MRIO-2011.csv", t)
    return p / "ADB-MRIO-2011.csv", "adb", "MDV_c2"


def _figaro(p: Path) -> tuple[Path, str, str]:
    t = with_residue(
        make_truth(["AT", "LU"], ["A01", "B"], ["AT", "LU"], list(FD_CODES), seed=5, n_others=4),
        3,
        "P5M",
    )
    write_figaro(p / "flatfile_2011.csv", t)
    return p / "flatfile_2011.csv", "figaro", "LU_B"


WRITERS: dict[str, Callable[[Path], tuple[Path, str, str]]] = {
    "oecd-icio": _icio,
    "wiod2016": _wiod,
    "adb": _adb,
    "figaro": _figaro,
}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_residue_rule_is_in_the_table_notes(fmt: str, tmp_path: Path) -> None:
    path, fmt, sector = WRITERS[fmt](tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TableWarning)
        t = read_table(path, fmt)
    assert t.meta["rounding_residue"] == [sector]
    notes = t.meta["notes"]
    assert isinstance(notes, list)
    (note,) = [n for n in notes if "rounding residue" in n]
    assert sector in note and "set to zero output" in note
    assert any(str(w.message) == note for w in caught)
    i = list(t.labels).index(tuple(sector.split("_", 1)))
    assert t.x[i] == 0 and not t.Y[i].any() and not t.Z[i].any() and not t.Z[:, i].any()
    np.testing.assert_allclose(t.row_gap(), 0, atol=1e-9)
    # kept as published (output="given"), the negative output is refused instead
    with pytest.raises(InputError, match="negative gross output"):
        read_table(path, fmt, output="given")


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_cli_measures_each_format_and_writes_the_note(fmt: str, tmp_path: Path) -> None:
    path, fmt, sector = WRITERS[fmt](tmp_path)
    out = tmp_path / "out"
    proc = run_cli("measure", str(path), "--format", fmt, "--out", str(out), "--no-figures")
    assert proc.returncode == 0, proc.stderr[-2000:]
    meta = json.loads((out / "meta.json").read_text())
    assert any(sector in n and "rounding residue" in n for n in meta["notes"])
    assert meta["options"]["format"] == fmt
