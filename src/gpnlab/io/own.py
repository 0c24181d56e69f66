"""The project's own table layout (also the layout of ``shared/data/wiod2013/YEAR``).

A folder with one wide file per matrix, CSV (optionally gzipped) or Parquet:

* ``Z.csv`` -- intermediate use, n x n. First column and header: ``COUNTRY_SECTOR`` labels
  (rows: producing country-sector; columns: using country-sector, same order).
* ``Y.csv`` -- final demand, n rows; columns ``COUNTRY_CATEGORY`` (destination, category).
* ``x.csv`` -- gross output, one column ``output``.
* ``va.csv`` -- optional value added, one column ``va``.

In Parquet files the labels are in a first column named ``label``. Values in one money unit
(recorded in an optional ``unit.txt``). CSV files may be gzipped (``Z.csv.gz``).
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.io.labels import join_labels, split_labels
from gpnlab.outdir import atomic_dir
from gpnlab.table import IOTable, OutputRule, ValueAddedRule

SUFFIXES = (".parquet", ".csv", ".csv.gz")


def find_file(folder: Path, stem: str, *, required: bool = True) -> Path | None:
    """``folder/stem`` with one of the known suffixes."""
    for suffix in SUFFIXES:
        p = folder / f"{stem}{suffix}"
        if p.exists():
            return p
    if required:
        raise InputError(
            f"missing file {stem}.csv, {stem}.csv.gz or {stem}.parquet",
            where=str(folder),
            field=stem,
            fix=f"add the {stem} matrix, or pass --format for another layout",
        )
    return None


def read_wide(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """Read a wide labelled matrix: (row labels, column labels, values)."""
    try:
        if path.suffix == ".parquet":
            df = pd.read_parquet(path)
            if df.columns[0] != "label":
                raise InputError(
                    "first column must be named 'label'",
                    where=str(path),
                    field="label",
                    fix="store row labels in a first column called label",
                )
            rows = df["label"].astype(str).tolist()
            df = df.drop(columns="label")
        else:
            df = pd.read_csv(path, index_col=0, engine="pyarrow")
            rows = [str(r) for r in df.index]
        cols = [str(c) for c in df.columns]
        values = df.to_numpy(dtype=np.float64, na_value=np.nan)
    except InputError:
        raise
    except (EOFError, OSError, zlib.error, ValueError, KeyError, IndexError) as exc:
        raise InputError(
            f"cannot read the file ({type(exc).__name__}: {str(exc)[:120]}); it may be truncated "
            "or not a wide labelled matrix",
            where=str(path),
            field=path.name,
            fix="re-export or re-download the file",
        ) from exc
    if not np.all(np.isfinite(values)):
        bad = int(values.size - np.count_nonzero(np.isfinite(values)))
        raise InputError(
            f"{bad} empty, NaN or infinite cells",
            where=str(path),
            field=path.name.split(".")[0],
            fix="fill missing cells with 0 or repair the file (a truncated file shows up here too)",
        )
    return rows, cols, values


def read_aligned(path: Path, name: str, rows: list[str]) -> tuple[list[str], np.ndarray]:
    """Read a wide matrix whose row labels must equal ``rows`` (those of Z)."""
    got_rows, cols, values = read_wide(path)
    if got_rows != rows:
        raise InputError(
            f"row labels of {name} differ from those of Z",
            where=str(path),
            field=f"{name} labels",
            fix=f"give {name} the same COUNTRY_SECTOR rows as Z, in the same order",
        )
    return cols, values


def read_own(
    folder: str | os.PathLike[str],
    *,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read a table in the project's own layout (see module docstring)."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(
            "not a folder",
            where=str(root),
            field="PATH",
            fix="give the folder that holds Z, Y and x files",
        )
    zpath = find_file(root, "Z")
    ypath = find_file(root, "Y")
    xpath = find_file(root, "x", required=False)
    vpath = find_file(root, "va", required=False)
    assert zpath is not None and ypath is not None
    zrows, zcols, Z = read_wide(zpath)
    if zrows != zcols:
        raise InputError(
            f"row and column labels of Z differ ({len(zrows)} rows, {len(zcols)} columns)",
            where=str(zpath),
            field="Z labels",
            fix="Z must be square with the same COUNTRY_SECTOR labels on rows and columns "
            "(a truncated file has fewer rows)",
        )
    ycols, Y = read_aligned(ypath, "Y", zrows)
    x = None if xpath is None else read_aligned(xpath, "x", zrows)[1][:, 0]
    va = None if vpath is None else read_aligned(vpath, "va", zrows)[1][:, 0]
    unit_file = root / "unit.txt"
    unit = unit_file.read_text().strip() if unit_file.exists() else "millions (source currency)"
    return IOTable.build(
        Z,
        Y,
        split_labels(zrows, where=str(zpath), field="Z labels"),
        split_labels(ycols, where=str(ypath), field="Y columns"),
        x=x,
        va=va,
        output=output if x is not None else "rowsums",
        value_added=value_added,
        unit=unit,
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
    with atomic_dir(target, command="write-table", overwrite=overwrite) as tmp:
        for name, df in frames.items():
            if fmt == "parquet":
                df.reset_index(names="label").to_parquet(tmp / f"{name}.parquet", index=False)
            else:
                df.to_csv(tmp / f"{name}.csv", float_format="%.17g")
        (tmp / "unit.txt").write_text(table.unit + "\n")
    return target
