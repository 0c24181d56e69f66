"""pymrio ``IOSystem`` objects in and out (optional dependency: ``pip install gpnlab[pymrio]``).

pymrio (Stadler 2021, JORS 9(1)) stores ``Z`` and ``Y`` as DataFrames with (region, sector)
MultiIndex rows and (region, category) columns, and ``x`` with column ``indout``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pandas as pd

from gpnlab.errors import InputError
from gpnlab.io.matrix import HEADER_LIMIT, check_table_memory, count_countries
from gpnlab.table import IOTable, OutputRule


def _pymrio() -> Any:
    try:
        import pymrio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            "pymrio is not installed",
            where="pymrio",
            field="--format",
            fix="pip install 'gpnlab[pymrio]'",
        ) from exc
    return pymrio


def from_pymrio(io: Any, *, output: OutputRule = "rowsums", source: str = "pymrio") -> IOTable:
    """Build an :class:`IOTable` from a pymrio ``IOSystem`` (``Z`` and ``Y`` must be set)."""
    if getattr(io, "Z", None) is None or getattr(io, "Y", None) is None:
        raise InputError(
            "the IOSystem has no Z or Y", where=source, field="Z", fix="call io.calc_system() first"
        )
    Z: pd.DataFrame = io.Z
    Y: pd.DataFrame = io.Y
    x = None
    if getattr(io, "x", None) is not None:
        x = io.x.to_numpy().reshape(-1)
    unit = getattr(io, "unit", None)
    if isinstance(unit, pd.DataFrame):
        unit = ", ".join(str(u) for u in pd.unique(unit.to_numpy().ravel()))
    return IOTable.build(
        Z.to_numpy(),
        Y.to_numpy(),
        cast(pd.MultiIndex, Z.index),
        cast(pd.MultiIndex, Y.columns),
        x=x,
        output=output if x is not None else "rowsums",
        unit=str(unit or "pymrio unit"),
        source=source,
    )


def to_pymrio(table: IOTable, name: str = "gpnlab") -> Any:
    """An ``IOSystem`` with ``Z``, ``Y`` and ``x`` set from ``table``."""
    pymrio = _pymrio()
    rows = pd.MultiIndex.from_tuples(list(table.labels), names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples(list(table.fd_labels), names=["region", "category"])
    io = pymrio.IOSystem(
        Z=pd.DataFrame(table.Z, index=rows, columns=rows),
        Y=pd.DataFrame(table.Y, index=rows, columns=cols),
        x=pd.DataFrame({"indout": table.x}, index=rows),
        name=name,
        unit=pd.DataFrame({"unit": table.unit}, index=rows),
    )
    return io


_EXTS = (".txt", ".csv", ".parquet")


def _check_pymrio_memory(folder: Path) -> None:
    """Estimate memory from the header of the saved ``Z`` (pymrio writes ``Z.txt`` tab-separated,
    two label columns, or ``Z.parquet``) before pymrio reads anything; every saved n x n matrix
    (Z, A, L) is read by pymrio."""
    square = [f for f in ("Z", "A", "L") if any((folder / f"{f}{e}").is_file() for e in _EXTS)]
    z = next((folder / f"Z{e}" for e in _EXTS if (folder / f"Z{e}").is_file()), None)
    if z is None:
        return  # pymrio's own error names what is missing
    labels: list[str] = []
    if z.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            n = int(pq.ParquetFile(z).metadata.num_columns)
        except Exception:  # an unreadable file: pymrio's own error says so
            return
    else:
        with open(z, "rb") as fh:
            first = fh.readline(HEADER_LIMIT).decode("utf-8", errors="replace")
        labels = first.rstrip("\r\n").split("\t")[2:]
        n = len(labels)
    check_table_memory(
        folder,
        cells=float(n) * n * max(len(square), 1),
        n=n,
        G=count_countries(labels) if labels else max(n // 50, 1),  # Parquet: about 50 sectors
    )


def read_pymrio_folder(path: str | os.PathLike[str], *, output: OutputRule = "rowsums") -> IOTable:
    """Load an IOSystem saved by pymrio (``io.save_all(path)``, a folder or a zip archive) and
    convert it; memory is checked from the header of ``Z`` first."""
    p = Path(path)
    if p.is_file() and p.suffix != ".zip":
        raise InputError(
            "is a file, but a saved pymrio system is a folder (or a .zip archive)",
            where=str(p),
            field="PATH",
            fix="give the folder written by IOSystem.save_all(), or pass --format own / oecd-icio",
        )
    pymrio = _pymrio()
    if p.is_dir():
        _check_pymrio_memory(p)
    try:
        io = pymrio.load_all(p)
    except Exception as exc:  # pymrio raises many kinds; all mean "not a pymrio folder"
        raise InputError(
            f"not a saved pymrio system ({type(exc).__name__}: {' '.join(str(exc).split())[:100]})",
            where=str(path),
            field="PATH",
            fix="save with IOSystem.save_all(), or pass --format own / oecd-icio",
        ) from exc
    return from_pymrio(io, output=output, source=str(path))
