"""The project's own layout: round trips, gzip, Parquet and every kind of broken file."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_own, read_table, write_own
from gpnlab.synthetic import random_table


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_is_exact(tmp_path: Path, fmt: str) -> None:
    t = random_table(3, 4, seed=11, zero_sectors=1, negative_inventories=True)
    write_own(t, tmp_path / "t", fmt=fmt)  # type: ignore[arg-type]
    back = read_own(tmp_path / "t", value_added="given")
    np.testing.assert_array_equal(back.Z, t.Z)
    np.testing.assert_array_equal(back.Y, t.Y)
    np.testing.assert_allclose(back.x, t.x, rtol=1e-15)
    assert list(back.labels) == list(t.labels)
    assert list(back.fd_labels) == list(t.fd_labels)
    assert back.unit == t.unit


def gzip_folder(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.glob("*.csv"):
        with open(f, "rb") as fin, gzip.open(dst / (f.name + ".gz"), "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return dst


def test_gzipped_csv_like_wiod(tmp_path: Path) -> None:
    t = random_table(2, 3, seed=5)
    write_own(t, tmp_path / "plain")
    gz = gzip_folder(tmp_path / "plain", tmp_path / "gz")
    back = read_table(gz, "own")
    np.testing.assert_array_equal(back.Z, t.Z)


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    t = random_table(3, 3, seed=5)
    write_own(t, tmp_path / "plain")
    gz = gzip_folder(tmp_path / "plain", tmp_path / "gz")
    data = (gz / "Z.csv.gz").read_bytes()
    (gz / "Z.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="Z.csv.gz") as info:
        read_own(gz)
    assert "fix:" in str(info.value)


def test_truncated_csv_rows_are_a_label_error(tmp_path: Path) -> None:
    t = random_table(2, 3, seed=5)
    write_own(t, tmp_path / "t")
    lines = (tmp_path / "t" / "Z.csv").read_text().splitlines()
    (tmp_path / "t" / "Z.csv").write_text("\n".join(lines[:-2]) + "\n")
    with pytest.raises(InputError, match="labels of Z differ"):
        read_own(tmp_path / "t")


def test_missing_file_names_it(tmp_path: Path) -> None:
    t = random_table(2, 2, seed=5)
    write_own(t, tmp_path / "t")
    (tmp_path / "t" / "Y.csv").unlink()
    with pytest.raises(InputError, match="missing file Y.csv"):
        read_own(tmp_path / "t")


def test_empty_cell_is_reported_with_file(tmp_path: Path) -> None:
    t = random_table(2, 2, seed=5)
    write_own(t, tmp_path / "t")
    p = tmp_path / "t" / "Z.csv"
    lines = p.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = ""
    lines[1] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="Z.csv") as info:
        read_own(tmp_path / "t")
    assert "blank or missing" in str(info.value)
    assert "row 'C01_s01'" in str(info.value) and "column 'C01_s02'" in str(info.value)


def test_mismatched_y_rows(tmp_path: Path) -> None:
    t = random_table(2, 2, seed=5)
    write_own(t, tmp_path / "t")
    p = tmp_path / "t" / "Y.csv"
    p.write_text(p.read_text().replace("C01_s01", "C09_s01"))
    with pytest.raises(InputError, match="row labels of Y"):
        read_own(tmp_path / "t")


def test_bad_label_is_explained(tmp_path: Path) -> None:
    t = random_table(2, 2, seed=5)
    write_own(t, tmp_path / "t")
    for name in ("Z", "Y", "x", "va"):
        p = tmp_path / "t" / f"{name}.csv"
        p.write_text(p.read_text().replace("C01_s01", "C01s01"))
    with pytest.raises(InputError, match="COUNTRY_CODE"):
        read_own(tmp_path / "t")


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    t = random_table(2, 2, seed=5)

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(OSError):
        write_own(t, tmp_path / "t")
    assert not (tmp_path / "t").exists()
    assert list(tmp_path.iterdir()) == []
