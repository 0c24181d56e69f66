"""Dispatch on ``--format``: ``own`` (also WIOD 2013), ``oecd-icio`` (2016-2023 releases, detected),
``wiod2016``, ``figaro``, ``adb``, ``pymrio``; pick a year (docs/readers.md).

``--year YEAR`` (issue 9: ``--year 1`` used to measure 1995 through a substring match) picks,
inside the folder ``PATH``, whole years only:

1. ``PATH/YEAR`` if it exists;
2. otherwise the one entry of ``PATH`` whose name holds ``YEAR`` as a whole four-digit token
   (not inside a longer number: ``ICIO2021_2018.csv`` is 2018 and 2021, never 201 or 1) and
   that fits the format (a folder for ``own`` and ``pymrio``; a ``.csv`` or ``.csv.gz`` file,
   or a folder, for ``oecd-icio`` and ``figaro``; also an ``.xlsx`` file for ``wiod2016`` and
   ``adb``). Hidden entries are skipped.

A year that is not four digits, no match, or several matches is one line (the matches listed).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gpnlab.errors import InputError
from gpnlab.table import IOTable, OutputRule, ValueAddedRule

FORMATS = ("own", "oecd-icio", "wiod2016", "figaro", "adb", "pymrio")
#: File endings each file-based format accepts (a folder holding one such file too).
FILE_ENDINGS = {
    "oecd-icio": (".csv", ".csv.gz"),
    "figaro": (".csv", ".csv.gz"),
    "wiod2016": (".csv", ".csv.gz", ".xlsx"),
    "adb": (".csv", ".csv.gz", ".xlsx"),
}


def _fits(p: Path, fmt: str) -> bool:
    if p.name.startswith("."):
        return False
    if fmt in FILE_ENDINGS:
        return p.is_dir() or p.name.lower().endswith(FILE_ENDINGS[fmt])
    return p.is_dir()


def find_year(folder: Path, year: int, fmt: str = "own") -> Path:
    """The entry of ``folder`` for ``year`` (module docstring)."""
    if not 1000 <= year <= 9999:
        raise InputError(
            f"year {year} is not a four-digit year",
            where=str(folder),
            field="--year",
            fix="give the year of the table, e.g. --year 2011",
        )
    if not folder.is_dir():
        raise InputError(
            "not a folder" if folder.exists() else "folder not found",
            where=str(folder),
            field="--year",
            fix="--year picks PATH/YEAR inside a folder; give the folder, or the table "
            "itself without --year",
        )
    exact = folder / str(year)
    if exact.exists():
        return exact
    token = re.compile(rf"(?<!\d){year}(?!\d)")
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise InputError(
            f"cannot list the folder ({exc.strerror})",
            where=str(folder),
            field="--year",
            fix="check the folder's permissions",
        ) from exc
    matches = [p for p in entries if token.search(p.name) and _fits(p, fmt)]
    if not matches:
        raise InputError(
            f"no table for year {year}",
            where=str(folder),
            field="--year",
            fix=f"name the table {year} (a folder) or put {year} in its file name, "
            "or check the year",
        )
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches[:8]) + (" ..." if len(matches) > 8 else "")
        raise InputError(
            f"{len(matches)} entries match year {year}: {names}",
            where=str(folder),
            field="--year",
            fix="give the table's path itself (without --year)",
        )
    return matches[0]


def read_table(
    path: str | os.PathLike[str],
    fmt: str = "own",
    *,
    output: OutputRule = "rowsums",
    merge_split: bool = True,
    year: int | None = None,
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read a table of format ``fmt``; ``year`` picks a ``PATH/YEAR`` entry if given.

    ``value_added``: ``"residual"`` (``va = x - 1'Z``, taxes included) or ``"given"`` (the
    published value-added row of the layout; docs/readers.md)."""
    if value_added not in ("residual", "given"):
        raise InputError(
            f"unknown value-added rule {value_added!r}",
            where=str(path),
            field="--va",
            fix="use given or residual",
        )
    if fmt not in FORMATS:
        raise InputError(
            f"unknown format {fmt!r}",
            where=str(path),
            field="--format",
            fix=f"use one of {', '.join(FORMATS)}",
        )
    p = Path(path)
    if year is not None:
        p = find_year(p, year, fmt)
    if not p.exists():
        raise InputError("path not found", where=str(p), field="PATH", fix="check the path")
    if fmt == "own":
        from gpnlab.io.own import read_own

        return read_own(p, output=output, value_added=value_added)
    if fmt == "oecd-icio":
        from gpnlab.io.oecd_icio import read_oecd_icio

        return read_oecd_icio(p, merge_split=merge_split, output=output, value_added=value_added)
    if fmt == "wiod2016":
        from gpnlab.io.wiod2016 import read_wiod2016

        return read_wiod2016(p, output=output, value_added=value_added)
    if fmt == "figaro":
        from gpnlab.io.figaro import read_figaro

        return read_figaro(p, output=output, value_added=value_added)
    if fmt == "adb":
        from gpnlab.io.adb import read_adb

        return read_adb(p, output=output, value_added=value_added)
    from gpnlab.io.pymrio_bridge import read_pymrio_folder

    if value_added == "given":
        raise InputError(
            "a saved pymrio system has no value-added row gpnlab reads",
            where=str(p),
            field="--va",
            fix="use --va residual with --format pymrio",
        )
    return read_pymrio_folder(p, output=output)
