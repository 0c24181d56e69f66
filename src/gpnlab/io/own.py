"""The project's own table layout (also the layout of ``shared/data/wiod2013/YEAR``).

A folder with one wide file per matrix, CSV (optionally gzipped) or Parquet:

* ``Z.csv`` -- intermediate use, n x n. First column and header: ``COUNTRY_SECTOR`` labels
  (rows: producing country-sector; columns: using country-sector, same order).
* ``Y.csv`` -- final demand, n rows; columns ``COUNTRY_CATEGORY`` (destination, category).
* ``x.csv`` -- gross output, one column ``output``.
* ``va.csv`` -- optional value added, one column ``va``.
* ``taxes.csv`` -- optional taxes less subsidies on products by using sector (part of value
  added as decompositions use it), one column ``taxes``; the simulator writes it.

In Parquet files the labels are in a first column named ``label``. Values in one money unit
(recorded in an optional ``unit.txt``). CSV files may be gzipped (``Z.csv.gz``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.io.labels import join_labels, split_labels
from gpnlab.io.matrix import (
    Header,
    Matrix,
    check_table_memory,
    count_countries,
    expect_file,
    read_matrix,
    read_text_file,
    refuse_duplicates,
    sniff,
)
from gpnlab.outdir import atomic_dir
from gpnlab.table import IOTable, OutputRule, TableWarning, ValueAddedRule

SUFFIXES = (".parquet", ".csv", ".csv.gz")
#: The one value column of each vector file.
VECTOR_COLUMNS = {"x": "output", "va": "va", "taxes": "taxes"}


def find_file(folder: Path, stem: str, *, required: bool = True) -> Path | None:
    """``folder/stem`` with one of the known suffixes (a folder of that name is refused)."""
    found = [
        folder / f"{stem}{suffix}" for suffix in SUFFIXES if (folder / f"{stem}{suffix}").exists()
    ]
    if len(found) > 1:
        raise InputError(
            f"{len(found)} files for {stem}: {', '.join(p.name for p in found)}",
            where=str(folder),
            field=stem,
            fix=f"keep one {stem} file (.csv, .csv.gz or .parquet)",
        )
    if found:
        expect_file(found[0], f"{stem} matrix")
        return found[0]
    if required:
        raise InputError(
            f"missing file {stem}.csv, {stem}.csv.gz or {stem}.parquet",
            where=str(folder),
            field=stem,
            fix=f"add the {stem} matrix, or pass --format for another layout",
        )
    return None


def read_wide(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Read a wide labelled matrix: (row labels, column labels, values), every cell a finite
    number (:mod:`gpnlab.io.matrix` names the first bad cell, label or byte)."""
    name = path.name.split(".")[0]
    m = read_matrix(sniff(path, what=f"{name} matrix"), field=name)
    m.refuse_nonfinite(name)
    return m.rows, m.cols, m.values


def _read_checked(header: Header, name: str, rows: list[str] | None) -> Matrix:
    """Read ``name`` (Z, Y, x or va): finite cells, unique labels, rows equal to ``rows``."""
    m = read_matrix(header, field=name)
    refuse_duplicates(m.rows, where=m.path, field=f"{name} labels", axis="row")
    refuse_duplicates(m.cols, where=m.path, field=f"{name} columns", axis="column")
    if rows is not None and m.rows != rows:
        raise InputError(
            f"row labels of {name} differ from those of Z ({len(m.rows)} rows, Z has "
            f"{len(rows)}; first difference: {_first_difference(m.rows, rows)})",
            where=str(m.path),
            field=f"{name} labels",
            fix=f"give {name} the same COUNTRY_SECTOR rows as Z, in the same order",
        )
    m.refuse_nonfinite(name)
    return m


def _first_difference(got: list[str], want: list[str]) -> str:
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return f"data row {i + 1} is {a!r}, Z has {b!r}"
    i = min(len(got), len(want))
    return f"data row {i + 1} is missing" if len(got) < len(want) else f"extra data row {i + 1}"


def _one_column(header: Header, name: str) -> None:
    """``x`` holds exactly one value column ``output``; ``va`` one column ``va``."""
    want = VECTOR_COLUMNS[name]
    if header.value_columns != [want]:
        got = ", ".join(repr(c) for c in header.value_columns[:5])
        raise InputError(
            f"expected exactly one column named {want!r} after the labels, found "
            f"{header.n_cols}: {got}",
            where=str(header.path),
            field=f"{name} columns",
            fix=f"write {name} as two columns: the labels and {want}",
        )


def read_own(
    folder: str | os.PathLike[str],
    *,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read a table in the project's own layout (see module docstring).

    The headers of all files are read first; the memory the table needs is checked against
    the limit (:func:`gpnlab.io.matrix.check_table_memory`) before any body is read.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(
            "is a file, but the own layout is a folder" if root.exists() else "folder not found",
            where=str(root),
            field="PATH",
            fix="give the folder that holds Z, Y and x files"
            + (" (for one OECD ICIO CSV file pass --format oecd-icio)" if root.exists() else ""),
        )
    zpath = find_file(root, "Z")
    ypath = find_file(root, "Y")
    xpath = find_file(root, "x", required=False)
    vpath = find_file(root, "va", required=False)
    tpath = find_file(root, "taxes", required=False)
    assert zpath is not None and ypath is not None
    hz, hy = sniff(zpath, what="Z matrix"), sniff(ypath, what="Y matrix")
    hx = None if xpath is None else sniff(xpath, what="x vector")
    hv = None if vpath is None else sniff(vpath, what="va vector")
    ht = None if tpath is None else sniff(tpath, what="taxes vector")
    for h, name in ((hx, "x"), (hv, "va"), (ht, "taxes")):
        if h is not None:
            _one_column(h, name)
    n = hz.n_cols
    check_table_memory(
        zpath,
        cells=float(max(n, hz.rows_estimate)) * n,
        n=n,
        G=count_countries(hz.value_columns),
        text_bytes=float(hz.text_bytes + hy.text_bytes),
        extra_cells=float(max(n, hy.rows_estimate)) * (hy.n_cols + 2),
    )
    mz = _read_checked(hz, "Z", None)
    if mz.rows != mz.cols:
        raise InputError(
            f"row and column labels of Z differ ({len(mz.rows)} rows, {len(mz.cols)} columns; "
            f"first difference: {_first_difference(mz.rows, mz.cols)})",
            where=str(zpath),
            field="Z labels",
            fix="Z must be square with the same COUNTRY_SECTOR labels on rows and columns "
            "(a truncated file has fewer rows)",
        )
    my = _read_checked(hy, "Y", mz.rows)
    x = None if hx is None else _read_checked(hx, "x", mz.rows).values[:, 0]
    va = None if hv is None else _read_checked(hv, "va", mz.rows).values[:, 0]
    taxes = None if ht is None else _read_checked(ht, "taxes", mz.rows).values[:, 0]
    if x is None and output == "given":
        warnings.warn(
            f"{root}: no x file, so gross output is the row sums of [Z Y] (output='rowsums')",
            TableWarning,
            stacklevel=2,
        )
    unit_file = root / "unit.txt"
    unit = (
        read_text_file(unit_file, what="unit.txt").strip().splitlines()[0:1]
        if unit_file.exists()
        else []
    )
    return IOTable.build(
        mz.values,
        my.values,
        split_labels(mz.rows, where=str(zpath), field="Z labels"),
        split_labels(my.cols, where=str(ypath), field="Y columns"),
        x=x,
        va=va,
        taxes=taxes,
        output=output if x is not None else "rowsums",
        value_added=value_added,
        unit=unit[0].strip() if unit else "millions (source currency)",
        source=str(root),
    )


def write_own(
    table: IOTable,
    folder: str | os.PathLike[str],
    *,
    fmt: Literal["csv", "parquet"] = "csv",
    overwrite: bool = False,
) -> Path:
    """Write ``table`` in the project's own layout, atomically (temp folder, then rename).

    ``folder`` must be new, empty or a table gpnlab wrote; ``overwrite`` writes beside a user's
    files without deleting any (:func:`gpnlab.outdir.atomic_dir`).
    """
    target = Path(folder)
    rows = join_labels(table.labels)
    frames = {
        "Z": pd.DataFrame(table.Z, index=rows, columns=rows),
        "Y": pd.DataFrame(table.Y, index=rows, columns=join_labels(table.fd_labels)),
        "x": pd.DataFrame({"output": table.x}, index=rows),
        "va": pd.DataFrame({"va": table.va}, index=rows),
    }
    if table.taxes is not None:
        frames["taxes"] = pd.DataFrame({"taxes": table.taxes}, index=rows)
    with atomic_dir(target, command="write-table", overwrite=overwrite) as tmp:
        for name, df in frames.items():
            if fmt == "parquet":
                df.reset_index(names="label").to_parquet(tmp / f"{name}.parquet", index=False)
            else:
                df.to_csv(tmp / f"{name}.csv", float_format="%.17g")
        (tmp / "unit.txt").write_text(table.unit + "\n")
    return target
