"""Dispatch on ``--format``: ``own`` (also WIOD), ``oecd-icio``, ``pymrio``."""

from __future__ import annotations

import os
from pathlib import Path

from gpnlab.errors import InputError
from gpnlab.table import IOTable, OutputRule

FORMATS = ("own", "oecd-icio", "pymrio")


def read_table(
    path: str | os.PathLike[str],
    fmt: str = "own",
    *,
    output: OutputRule = "rowsums",
    merge_split: bool = True,
    year: int | None = None,
) -> IOTable:
    """Read a table of format ``fmt``; ``year`` picks a ``PATH/YEAR`` sub-folder if given."""
    p = Path(path)
    if year is not None:
        candidates = [p / str(year), *sorted(p.glob(f"*{year}*"))]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            raise InputError(
                f"no table for year {year}", where=str(p), field="--year", fix="check the year"
            )
        p = found
    if not p.exists():
        raise InputError("path not found", where=str(p), field="PATH", fix="check the path")
    if fmt == "own":
        from gpnlab.io.own import read_own

        return read_own(p, output=output)
    if fmt == "oecd-icio":
        from gpnlab.io.oecd_icio import read_oecd_icio

        return read_oecd_icio(p, merge_split=merge_split, output=output)
    if fmt == "pymrio":
        from gpnlab.io.pymrio_bridge import read_pymrio_folder

        return read_pymrio_folder(p, output=output)
    raise InputError(
        f"unknown format {fmt!r}",
        where=str(p),
        field="--format",
        fix=f"use one of {', '.join(FORMATS)}",
    )
