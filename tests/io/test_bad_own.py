"""Bad own-layout tables (issue 9): every one is an InputError of one line that names the file,
the field (row, column, byte) and the fix; never a traceback or a silently wrong table."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_own, read_table
from gpnlab.table import TableWarning
from tests.io.helpers import assert_one_error_line, edit_cell, gzip_file, own_table, run_cli


def refused(folder: Path, *needles: str) -> str:
    with pytest.raises(InputError) as info:
        read_own(folder)
    msg = str(info.value)
    assert "\n" not in msg
    assert "fix:" in msg
    for needle in needles:
        assert needle in msg, msg
    return msg


# ---------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    ("codec", "found"),
    [
        ("utf-16", "UTF-16 (little-endian byte-order mark)"),
        ("utf-16-be", "UTF-16 without a byte-order mark"),
        ("utf-32", "UTF-32 (little-endian byte-order mark)"),
    ],
)
def test_utf16_and_utf32_say_what_was_found(tmp_path: Path, codec: str, found: str) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    z.write_bytes(z.read_text().encode(codec))
    refused(t, "Z.csv", "expected UTF-8", found)


def test_utf16_big_endian_bom(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    z.write_bytes(b"\xfe\xff" + z.read_text().encode("utf-16-be"))
    refused(t, "UTF-16 (big-endian byte-order mark)")


def test_latin1_byte_is_located(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    text = z.read_text().replace("C01_s01", "C01_s\xe901", 1)  # é in the header
    z.write_bytes(text.encode("latin-1"))
    data = z.read_bytes()
    msg = refused(t, "expected UTF-8", f"not UTF-8 at byte {data.index(0xE9)}", "0xe9")
    assert "Z.csv" in msg


def test_latin1_byte_in_the_body_is_located(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    lines = z.read_text().splitlines()
    lines[2] = lines[2].replace("C01_s02", "C01_s\xe902")
    z.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    refused(t, "Z.csv", "expected UTF-8", "not UTF-8")


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    ref = read_own(t)
    for name in ("Z", "Y", "x", "va"):
        p = t / f"{name}.csv"
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    back = read_own(t)
    np.testing.assert_array_equal(back.Z, ref.Z)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"\x1f\x8b\x08\x00" + bytes(40), "gzip-compressed data"),
        (b"PAR1" + bytes(40), "a Parquet file"),
        (b"PK\x03\x04" + bytes(40), "ZIP archive"),
        (b"\xd0\xcf\x11\xe0" + bytes(40), "Excel .xls"),
        (b"label,a\x00b,c\nx,1,2\n", "binary data (a NUL byte at byte 7)"),
    ],
)
def test_binary_data_is_named(tmp_path: Path, data: bytes, found: str) -> None:
    t = own_table(tmp_path / "t")
    (t / "Z.csv").write_bytes(data)
    refused(t, "Z.csv", found)


def test_gzip_name_without_gzip_data(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    (t / "Z.csv").rename(t / "Z.csv.gz")
    refused(t, "Z.csv.gz", "not gzip data")


def test_truncated_gzip_body(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t", countries=6, sectors=8)
    gz = gzip_file(t / "Z.csv", t / "Z.csv.gz")
    (t / "Z.csv").unlink()
    data = gz.read_bytes()
    gz.write_bytes(data[: len(data) * 2 // 3])
    refused(t, "Z.csv.gz")


# ---------------------------------------------------------------- folders and files
def test_folder_where_a_file_is_expected(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    (t / "Y.csv").unlink()
    (t / "Y.csv").mkdir()
    refused(t, "Y.csv", "is a folder")


def test_file_where_the_table_folder_is_expected(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    msg = refused(t / "Z.csv", "is a file", "folder")
    assert "--format oecd-icio" in msg


def test_two_files_for_one_matrix(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    gzip_file(t / "Z.csv", t / "Z.csv.gz")
    refused(t, "2 files for Z")


# ---------------------------------------------------------------- empty tables
def test_empty_file(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    (t / "Z.csv").write_text("")
    refused(t, "Z.csv", "empty")


def test_empty_gzip_file(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    with gzip.open(t / "Z.csv.gz", "wb"):
        pass
    (t / "Z.csv").unlink()
    refused(t, "Z.csv.gz", "empty")


def test_header_only(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    z.write_text(z.read_text().splitlines()[0] + "\n")
    refused(t, "Z.csv", "no data rows")


def test_zero_by_zero_table(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    for name, col in (("Z", ""), ("Y", ""), ("x", ",output"), ("va", ",va")):
        (t / f"{name}.csv").write_text(f"label{col}\n")
    refused(t, "Z.csv", "no columns")


def test_semicolon_separated(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    z.write_text(z.read_text().replace(",", ";"))
    refused(t, "Z.csv", "separated by ';'")


# ---------------------------------------------------------------- cells
@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("", "blank or missing"),
        ("n/a", "blank or missing"),
        ("NA", "blank or missing"),
        ("abc", "cell 'abc' is not a number"),
        ("1,5", "fields"),  # a decimal comma splits the cell: the row has one field too many
        ("inf", "infinite"),
        ("1e999", "infinite"),
        ("true", "'true' is not a number"),
    ],
)
def test_bad_cell_names_row_and_column(tmp_path: Path, value: str, needle: str) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    edit_cell(z, 2, 3, value)
    msg = refused(t, "Z.csv", needle)
    if needle != "fields":
        assert "row 'C01_s02'" in msg and "column 'C02_s01'" in msg, msg
    else:
        assert "data row 2 ('C01_s02') has" in msg, msg


def test_text_cell_in_y(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    edit_cell(t / "Y.csv", 3, 1, "footnote 1")
    refused(t, "Y.csv", "'footnote 1' is not a number", "row 'C02_s01'", "column 'C01_HH'")


def test_blank_cells_count(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    edit_cell(t / "Z.csv", 1, 1, "")
    edit_cell(t / "Z.csv", 2, 2, "")
    refused(t, "2 blank, missing or infinite cells", "row 'C01_s01'")


def test_truncated_row(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    text = z.read_text()
    z.write_text(text[: text.rstrip().rfind(",")])
    refused(t, "Z.csv", "data row 4 ('C02_s02') has 4 fields, the header has 5", "truncated")


def test_cut_inside_the_last_number_is_a_note(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    text = z.read_text()
    z.write_text(text[: len(text) - 4])
    with pytest.warns(TableWarning, match="does not end with a line break"):
        read_own(t)


# ---------------------------------------------------------------- labels and columns
def test_misnamed_x_column(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    x = t / "x.csv"
    x.write_text(x.read_text().replace("output", "outptu"))
    refused(t, "x.csv", "exactly one column named 'output'", "'outptu'")


def test_doubled_x_column(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    x = t / "x.csv"
    lines = x.read_text().splitlines()
    x.write_text("\n".join(f"{ln},{ln.split(',')[1]}" for ln in lines) + "\n")
    refused(t, "x.csv", "found 2")


def test_misnamed_va_column(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    va = t / "va.csv"
    va.write_text(va.read_text().replace(",va", ",value_added"))
    refused(t, "va.csv", "exactly one column named 'va'")


def test_duplicated_row_labels_are_named(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    lines = z.read_text().splitlines()
    lines[2] = lines[1]
    z.write_text("\n".join(lines) + "\n")
    msg = refused(t, "Z.csv", "duplicated row label 'C01_s01' (data rows 1, 2)")
    assert "labels differ" not in msg


def test_duplicated_column_labels_are_named(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    z.write_text(z.read_text().replace("C02_s01", "C01_s02", 1))
    refused(t, "Z.csv", "duplicated column label 'C01_s02' (columns 2, 3)")


def test_duplicated_final_demand_columns_are_named(tmp_path: Path) -> None:
    # pandas used to rename the second one to C01_GOV.1: a new category, silently
    t = own_table(tmp_path / "t")
    y = t / "Y.csv"
    y.write_text(y.read_text().replace("C01_HH", "C01_GOV", 1))
    refused(t, "Y.csv", "duplicated column label 'C01_GOV'")


def test_rows_of_y_differ(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    y = t / "Y.csv"
    y.write_text(y.read_text().replace("C02_s02", "C09_s02"))
    refused(t, "Y.csv", "row labels of Y differ", "data row 4 is 'C09_s02'")


def test_unit_file_not_utf8_or_a_folder(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    (t / "unit.txt").write_bytes("millions of \xa3".encode("latin-1"))
    refused(t, "unit.txt", "expected UTF-8")
    (t / "unit.txt").unlink()
    (t / "unit.txt").mkdir()
    refused(t, "unit.txt", "is a folder")


# ---------------------------------------------------------------- Parquet
def test_parquet_text_and_missing_cells(tmp_path: Path) -> None:
    t = tmp_path / "pq"
    t.mkdir()
    rows = ["A_s1", "A_s2"]
    z = pd.DataFrame({"label": rows, "A_s1": [1.0, 2.0], "A_s2": ["3", "x"]})
    z.to_parquet(t / "Z.parquet", index=False)
    pd.DataFrame({"label": rows, "A_F": [5.0, 6.0]}).to_parquet(t / "Y.parquet", index=False)
    refused(t, "Z.parquet", "cell 'x' is not a number", "row 'A_s2'", "column 'A_s2'")
    z["A_s2"] = [3.0, None]
    z.to_parquet(t / "Z.parquet", index=False)
    refused(t, "Z.parquet", "blank or missing", "row 'A_s2'")
    (t / "Z.parquet").write_text("label,A_s1\n")
    refused(t, "Z.parquet", "not a Parquet file", "CSV")


def test_parquet_with_a_pandas_index_column(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    ref = read_own(t)
    for name in ("Z", "Y", "x", "va"):
        df = pd.read_csv(t / f"{name}.csv", index_col=0)
        (t / f"{name}.csv").unlink()
        df.index.name = None
        df = df.reset_index(names="label")
        df.index = pd.Index([f"r{i}" for i in range(len(df))])  # stored as __index_level_0__
        df.to_parquet(t / f"{name}.parquet", index=True)
    back = read_own(t)
    np.testing.assert_array_equal(back.Z, ref.Z)


# ---------------------------------------------------------------- overflow
def test_values_that_overflow(tmp_path: Path) -> None:
    t = own_table(tmp_path / "t")
    for name in ("Z", "Y", "x", "va"):
        p = t / f"{name}.csv"
        lines = p.read_text().splitlines()
        out = [lines[0]] + [
            ",".join([ln.split(",")[0]] + ["1e308"] * (len(ln.split(",")) - 1)) for ln in lines[1:]
        ]
        p.write_text("\n".join(out) + "\n")
    refused(t, "values overflow", "infinite", "larger unit")


# ---------------------------------------------------------------- the CLI
@pytest.mark.parametrize("case", ["utf16", "duplicated", "misnamed_x", "text_cell", "overflow"])
def test_cli_one_line_exit_2_nothing_written(tmp_path: Path, case: str) -> None:
    t = own_table(tmp_path / "t")
    z = t / "Z.csv"
    if case == "utf16":
        z.write_bytes(z.read_text().encode("utf-16"))
    elif case == "duplicated":
        lines = z.read_text().splitlines()
        lines[2] = lines[1]
        z.write_text("\n".join(lines) + "\n")
    elif case == "misnamed_x":
        (t / "x.csv").write_text((t / "x.csv").read_text().replace("output", "out"))
    elif case == "text_cell":
        edit_cell(z, 1, 1, "abc")
    else:
        for name in ("Z", "Y"):
            p = t / f"{name}.csv"
            lines = p.read_text().splitlines()
            p.write_text(
                "\n".join(
                    [lines[0]]
                    + [ln.split(",")[0] + ",1e308" * (len(ln.split(",")) - 1) for ln in lines[1:]]
                )
                + "\n"
            )
    out = tmp_path / "out"
    proc = run_cli("measure", str(t), "--out", str(out), "--no-figures")
    assert_one_error_line(proc, str(t))
    assert not out.exists()


def test_read_table_reports_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown format"):
        read_table(tmp_path, "xlsx")


def test_unreadable_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    t = own_table(tmp_path / "t")
    real_open = builtins.open

    def deny(file: object, *a: object, **k: object) -> object:
        if str(file).endswith("Z.csv"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", deny)
    refused(t, "Z.csv", "cannot read the file (Permission denied)")
