"""Dispatch on ``--format``: ``own`` (also WIOD), ``oecd-icio``, ``pymrio``; pick a year.

``--year YEAR`` (issue 9: ``--year 1`` used to measure 1995 through a substring match) picks,
inside the folder ``PATH``, whole years only:

1. ``PATH/YEAR`` if it exists;
2. otherwise the one entry of ``PATH`` whose name holds ``YEAR`` as a whole four-digit token
   (not inside a longer number: ``ICIO2021_2018.csv`` is 2018 and 2021, never 201 or 1) and
   that fits the format (a folder for ``own`` and ``pymrio``; a ``.csv`` or ``.csv.gz`` file,
   or a folder, for ``oecd-icio``). Hidden entries are skipped.

A year that is not four digits, no match, or several matches is one line (the matches listed).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gpnlab.errors import InputError
from gpnlab.table import IOTable, OutputRule

FORMATS = ("own", "oecd-icio", "pymrio")


def _fits(p: Path, fmt: str) -> bool:
    if p.name.startswith("."):
        return False
    if fmt == "oecd-icio":
        return p.is_dir() or p.name.endswith((".csv", ".csv.gz"))
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
) -> IOTable:
    """Read a table of format ``fmt``; ``year`` picks a ``PATH/YEAR`` entry if given."""
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

        return read_own(p, output=output)
    if fmt == "oecd-icio":
        from gpnlab.io.oecd_icio import read_oecd_icio

        return read_oecd_icio(p, merge_split=merge_split, output=output)
    from gpnlab.io.pymrio_bridge import read_pymrio_folder

    return read_pymrio_folder(p, output=output)
