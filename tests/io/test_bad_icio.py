"""Bad OECD ICIO files, --year, memory bounds and pymrio folders (issue 9): one line each."""

from __future__ import annotations

import gzip
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_oecd_icio, read_table
from gpnlab.io.formats import find_year
from gpnlab.resources import ResourceError
from gpnlab.table import TableWarning
from tests.io.helpers import assert_one_error_line, own_table, run_cli, write_icio

PRODUCERS = ["AUS", "CN1", "CN2", "USA"]
CONSUMERS = ["AUS", "CHN", "USA"]
SECTORS = ["01T02", "10T12"]


@pytest.fixture()
def icio(tmp_path: Path) -> tuple[Path, list[str]]:
    p = tmp_path / "ICIO2021_2018.csv"
    return p, write_icio(p, PRODUCERS, SECTORS, CONSUMERS)


def put(path: Path, lines: list[str], line: int, field: int, value: str) -> None:
    rows = [ln.split(",") for ln in lines]
    rows[line][field] = value
    path.write_text("\n".join(",".join(r) for r in rows) + "\n")


def refused(path: Path, *needles: str, merge_split: bool = True) -> str:
    with pytest.raises(InputError) as info:
        read_oecd_icio(path, merge_split=merge_split)
    msg = str(info.value)
    assert "\n" not in msg and "fix:" in msg and str(path) in msg
    for needle in needles:
        assert needle in msg, msg
    return msg


@pytest.mark.parametrize("merge_split", [True, False])
@pytest.mark.parametrize(
    ("value", "needle"),
    [("abc", "cell 'abc' is not a number"), ("", "blank or missing"), ("n/a", "blank or missing")],
)
def test_bad_cells_name_row_and_column(
    icio: tuple[Path, list[str]], merge_split: bool, value: str, needle: str
) -> None:
    # these used to be a traceback (text) or read as 0 (blank, n/a)
    p, lines = icio
    put(p, lines, 2, 3, value)
    refused(p, needle, "row 'AUS_10T12'", "column 'CN1_01T02'", merge_split=merge_split)


def test_blank_cells_outside_the_used_part_are_tolerated(icio: tuple[Path, list[str]]) -> None:
    p, lines = icio
    va_line = next(i for i, ln in enumerate(lines) if ln.startswith("VA,"))
    put(p, lines, va_line, len(lines[0].split(",")) - 2, "")  # VA row, a final-demand column
    t = read_oecd_icio(p, merge_split=True)
    assert np.isfinite(t.va).all()
    put(p, lines, va_line, 1, "")  # VA row, an intermediate-use column: used, refused
    refused(p, "blank or missing", "row 'VA'", "column 'AUS_01T02'")


@pytest.mark.parametrize("merge_split", [True, False])
def test_duplicated_rows_are_named_not_summed(
    icio: tuple[Path, list[str]], merge_split: bool
) -> None:
    # merged, the duplicate used to be summed (AUS gross exports 296 -> 439); kept split, a
    # traceback
    p, lines = icio
    p.write_text("\n".join([*lines[:2], lines[1], *lines[2:]]) + "\n")
    refused(p, "duplicated row label 'AUS_01T02' (data rows 1, 2)", merge_split=merge_split)


def test_duplicated_columns_are_named(icio: tuple[Path, list[str]]) -> None:
    p, lines = icio
    header = lines[0].split(",")
    header[2] = header[1]
    p.write_text("\n".join([",".join(header), *lines[1:]]) + "\n")
    refused(p, "duplicated column label 'AUS_01T02' (columns 1, 2)")


def test_split_halves_and_the_country_would_collide(tmp_path: Path) -> None:
    p = tmp_path / "icio.csv"
    write_icio(p, ["AUS", "CN1", "CN2", "CHN"], SECTORS, CONSUMERS)
    refused(p, "CN1_01T02, CN2_01T02, CHN_01T02 would all be merged into CHN_01T02")
    t = read_oecd_icio(p, merge_split=False)
    assert {"CN1", "CN2", "CHN"} <= set(t.countries)


def test_missing_va_and_out_rows_are_a_note(tmp_path: Path) -> None:
    p = tmp_path / "icio.csv"
    lines = write_icio(p, PRODUCERS, SECTORS, CONSUMERS, special=("TLS",))
    # drop the OUT column too
    p.write_text("\n".join(",".join(ln.split(",")[:-1]) for ln in lines) + "\n")
    with pytest.warns(TableWarning, match="no VA or OUT row or column") as rec:
        t = read_oecd_icio(p, merge_split=True)
    text = " ".join(str(w.message) for w in rec)
    assert "value added is the residual" in text and "row sums of [Z Y]" in text
    np.testing.assert_allclose(t.x, t.Z.sum(axis=0) + t.va)
    with pytest.raises(InputError, match="no value-added row"):
        read_oecd_icio(p, value_added="given")


def test_missing_va_row_only(tmp_path: Path) -> None:
    p = tmp_path / "icio.csv"
    write_icio(p, PRODUCERS, SECTORS, CONSUMERS, special=("TLS", "OUT"))
    with pytest.warns(TableWarning, match="no VA row; value added is the residual"):
        read_oecd_icio(p, merge_split=True)


def test_folder_with_several_csv_files(tmp_path: Path) -> None:
    for y in (2017, 2018):
        write_icio(tmp_path / f"ICIO2021_{y}.csv", PRODUCERS, SECTORS, CONSUMERS)
    with pytest.raises(InputError, match=r"2 CSV files \(ICIO2021_2017.csv, ICIO2021_2018.csv\)"):
        read_oecd_icio(tmp_path)


def test_icio_utf16_and_empty(tmp_path: Path, icio: tuple[Path, list[str]]) -> None:
    p, lines = icio
    p.write_bytes("\n".join(lines).encode("utf-16"))
    refused(p, "expected UTF-8, found UTF-16")
    p.write_bytes(b"")
    refused(p, "empty")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match="folder holds 0 CSV files"):
        read_oecd_icio(tmp_path / "dir.csv")


@pytest.mark.parametrize("flag", ["--merge-split", "--no-merge-split"])
def test_cli_duplicated_icio_rows(icio: tuple[Path, list[str]], tmp_path: Path, flag: str) -> None:
    p, lines = icio
    p.write_text("\n".join([*lines[:2], lines[1], *lines[2:]]) + "\n")
    out = tmp_path / "out"
    proc = run_cli("measure", str(p), "--format", "oecd-icio", flag, "--out", str(out))
    assert_one_error_line(proc, "duplicated row label 'AUS_01T02'")
    assert not out.exists()


# ---------------------------------------------------------------- --year
def test_year_matches_whole_years_only(tmp_path: Path) -> None:
    for name in ("1995", "2011"):
        own_table(tmp_path / name)
    with pytest.raises(InputError, match="year 1 is not a four-digit year"):
        read_table(tmp_path, year=1)
    with pytest.raises(InputError, match="no table for year 1996"):
        read_table(tmp_path, year=1996)
    assert read_table(tmp_path, year=2011).source == str(tmp_path / "2011")


def test_year_as_a_token_of_file_names(tmp_path: Path) -> None:
    for name in ("ICIO2021_2017.csv", "ICIO2021_2018.csv", "notes_2018.txt", "ICIO2021_20180.csv"):
        (tmp_path / name).write_text("x")
    assert find_year(tmp_path, 2018, "oecd-icio") == tmp_path / "ICIO2021_2018.csv"
    assert find_year(tmp_path, 2017, "oecd-icio") == tmp_path / "ICIO2021_2017.csv"
    with pytest.raises(InputError, match="3 entries match year 2021") as info:
        find_year(tmp_path, 2021, "oecd-icio")
    assert "ICIO2021_2017.csv" in str(info.value) and "ICIO2021_2018.csv" in str(info.value)
    with pytest.raises(InputError, match="no table for year 2018"):  # own wants folders
        find_year(tmp_path, 2018, "own")
    with pytest.raises(InputError, match="not a folder"):
        find_year(tmp_path / "ICIO2021_2017.csv", 2017, "oecd-icio")


def test_cli_year_1_is_refused(tmp_path: Path) -> None:
    own_table(tmp_path / "1995")
    out = tmp_path / "out"
    proc = run_cli("measure", str(tmp_path), "--year", "1", "--out", str(out))
    assert_one_error_line(proc, "four-digit year", "--year")
    assert not out.exists()


# ---------------------------------------------------------------- memory, before the body
def gzip_bomb(folder: Path, n: int) -> Path:
    """An own-layout folder whose Z.csv.gz is small but expands to an n x n table of zeros."""
    folder.mkdir()
    labels = [f"C{i // 50:03d}_s{i % 50:02d}" for i in range(n)]
    row = ("," + ",".join(["0"] * n)).encode()
    with gzip.open(folder / "Z.csv.gz", "wb", compresslevel=1) as f:
        f.write(("," + ",".join(labels) + "\n").encode())
        for lab in labels:
            f.write(lab.encode() + row + b"\n")
    with gzip.open(folder / "Y.csv.gz", "wb") as f:
        f.write(b",C000_HH\n" + b"".join(lab.encode() + b",1\n" for lab in labels))
    return folder


def test_gzip_bomb_is_refused_from_its_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gpnlab.io.matrix as matrix

    bomb = gzip_bomb(tmp_path / "bomb", 3000)
    assert (bomb / "Z.csv.gz").stat().st_size < 200_000
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "256M")

    def no_body(*_a: object, **_k: object) -> None:
        raise AssertionError("the body was read before the memory check")

    monkeypatch.setattr(matrix, "_read_csv", no_body)
    t0 = time.perf_counter()
    with pytest.raises(ResourceError) as info:
        read_table(bomb)
    assert time.perf_counter() - t0 < 5
    msg = str(info.value)
    assert "3,000 rows" in msg and "GPNLAB_MAX_MEMORY" in msg and "256.0 MiB" in msg
    assert "\n" not in msg


def test_icio_memory_is_checked_from_the_header(
    icio: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gpnlab.io.matrix as matrix

    p, _ = icio
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    monkeypatch.setattr(matrix, "_read_csv", lambda *_a, **_k: pytest.fail("body was read"))
    with pytest.raises(ResourceError, match="more than the 1.0 KiB"):
        read_oecd_icio(p)


def test_cli_memory_refusal(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t", countries=4, sectors=5)
    out = tmp_path / "out"
    proc = run_cli("measure", str(t), "--out", str(out), env={"GPNLAB_MAX_MEMORY": "2K"})
    assert_one_error_line(proc, "needs about", "GPNLAB_MAX_MEMORY")
    assert not out.exists()


def test_memory_estimate_from_the_header_is_not_below_the_real_peak(tmp_path: Path) -> None:
    """The reader's estimate covers the measured peak of reading and measuring (tracemalloc
    sees numpy's allocations; Arrow's parse buffers are covered by the text term)."""
    import tracemalloc

    import gpnlab.io.matrix as matrix
    from gpnlab.measure import measure_all

    t = own_table(tmp_path / "t", countries=12, sectors=10)
    seen: list[float] = []
    real = matrix.check_memory

    def spy(estimate: float, **kw: str) -> None:
        seen.append(estimate)
        real(estimate, **kw)

    # threadpoolctl's controller (the BLAS thread limit of measure_all) inspects the loaded
    # libraries once per process, about 0.45 MB that no table size changes: made before the
    # trace, so the peak is that of reading and measuring whichever test runs first
    from gpnlab.measure.threads import _controller

    _controller()
    matrix.check_memory = spy  # type: ignore[assignment]
    try:
        tracemalloc.start()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            measure_all(read_table(t))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        matrix.check_memory = real
    assert seen and seen[0] >= peak


# ---------------------------------------------------------------- pymrio
def test_pymrio_file_is_refused_and_a_saved_folder_reads(tmp_path: Path) -> None:
    pymrio = pytest.importorskip("pymrio")
    with pytest.raises(InputError, match="is a file, but a saved pymrio system is a folder"):
        read_table(own_table(tmp_path / "t") / "Z.csv", "pymrio")
    io = pymrio.load_test()
    io.calc_all()
    io.save_all(tmp_path / "saved")
    t = read_table(tmp_path / "saved", "pymrio")
    assert t.n == io.Z.shape[0]
    with pytest.raises(InputError, match="not a saved pymrio system"):
        read_table(tmp_path / "t", "pymrio")


def test_pymrio_memory_is_checked_from_z_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pymrio = pytest.importorskip("pymrio")
    io = pymrio.load_test()
    io.calc_all()
    io.save_all(tmp_path / "saved")
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    monkeypatch.setattr(pymrio, "load_all", lambda *_a, **_k: pytest.fail("pymrio read it"))
    with pytest.raises(ResourceError, match="48 rows"):
        read_table(tmp_path / "saved", "pymrio")
