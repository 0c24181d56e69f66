"""The OECD Inter-Country Input-Output (ICIO) CSV layout, 2021 and 2023 releases.

One CSV per year (e.g. ``ICIO2021_2018.csv`` or ``2018_SML.csv``). Header: an empty (or ``V1``)
first cell, then ``COUNTRY_SECTOR`` columns of intermediate use (``AUS_01T02`` in the 2021
release, ``AUS_A01_02`` in 2023), then final-demand columns ``COUNTRY_CATEGORY`` with categories
``HFCE, NPISH, GGFC, GFCF, INVNT, DPABR`` (and ``NONRES`` where present), then ``OUT``.
Rows: the same ``COUNTRY_SECTOR`` codes, then ``TLS`` (taxes less subsidies on intermediate
products), ``VA`` (value added at basic prices) and ``OUT`` (gross output).

China and Mexico are split into ``CN1``/``CN2`` and ``MX1``/``MX2`` (processing and other
production) in rows and intermediate columns, while their final demand is under ``CHN`` and
``MEX``. ``merge_split=True`` sums the halves into ``CHN`` and ``MEX``; without it the halves are
separate producers and ``CHN``/``MEX`` are zero-output destinations.

Value added: by default the residual ``x - 1'Z``, which equals ``VA + TLS`` on a consistent
file (the convention of GVC tools, so that both identities hold); ``value_added="given"`` takes
the ``VA`` row alone. The full tables are distributed by the OECD (oe.cd/icio); they are not
shipped with gpnlab.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.io.labels import split_labels
from gpnlab.io.matrix import (
    PARSE_COPIES,
    Header,
    Matrix,
    check_table_memory,
    count_countries,
    expect_file,
    read_matrix,
    refuse_duplicates,
    sniff,
)
from gpnlab.table import IOTable, OutputRule, TableWarning, ValueAddedRule

SPLIT_COUNTRIES = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
SPECIAL_ROWS = ("TLS", "VA", "OUT")
OUTPUT_LABELS = ("OUT", "TOTAL")
#: Header suffixes that are not producing country-sectors (final-demand categories, output):
#: used only to estimate the table's size from the header.
NOT_PRODUCERS = frozenset(
    {"HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR", "NONRES", "P33", "OUT", "TOTAL"}
)


def _merge_label(label: str) -> str:
    country, sep, rest = label.partition("_")
    return SPLIT_COUNTRIES.get(country, country) + sep + rest


def _icio_file(p: Path) -> Path:
    """The ICIO CSV file: ``p`` itself, or the one CSV file in the folder ``p``."""
    if p.is_dir():
        files = sorted(p.glob("*.csv")) + sorted(p.glob("*.csv.gz"))
        if len(files) != 1:
            names = ", ".join(f.name for f in files[:5]) + (" ..." if len(files) > 5 else "")
            raise InputError(
                f"folder holds {len(files)} CSV files" + (f" ({names})" if files else ""),
                where=str(p),
                field="PATH",
                fix="give the path of one ICIO CSV file (one year), or pick it with --year",
            )
        p = files[0]
    expect_file(p, "ICIO CSV file")
    return p


def _estimate_memory(h: Header, merge_split: bool) -> None:
    """Check memory from the header (rows unknown: the estimate from the file size, at least
    the number of columns), before the body is read."""
    producers = [c for c in h.value_columns if c.strip().rpartition("_")[2] not in NOT_PRODUCERS]
    n = len(producers)
    check_table_memory(
        h.path,
        cells=float(max(h.rows_estimate, h.n_cols)) * h.n_cols,
        n=n,
        G=count_countries(producers),
        text_bytes=float(h.text_bytes),
        copies=PARSE_COPIES + (2 if merge_split else 0),
    )


def _refuse_merge_collisions(labels: list[str], *, where: Path, axis: str) -> None:
    """``merge_split`` sums CN1/CN2 into CHN: refuse a file that also has CHN's own rows."""
    groups: dict[str, list[str]] = {}
    for lab in labels:
        groups.setdefault(_merge_label(lab), []).append(lab)
    for merged, members in groups.items():
        if len(members) > 1 and any(m.partition("_")[0] not in SPLIT_COUNTRIES for m in members):
            raise InputError(
                f"{axis}s {', '.join(members)} would all be merged into {merged}",
                where=str(where),
                field=f"{axis} labels",
                fix="the file has both the split halves (CN1/CN2, MX1/MX2) and the country; "
                "drop one, or pass --no-merge-split",
            )


def read_oecd_icio(
    path: str | os.PathLike[str],
    *,
    merge_split: bool = False,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read one OECD ICIO CSV file (see module docstring).

    Refused with one line (:class:`InputError`): text cells; blank or missing-value (``n/a``)
    cells anywhere in the country-sector rows, and in the VA, TLS and OUT rows under the
    intermediate-use columns (blank cells elsewhere in those rows are not used); duplicated row
    or column labels; merged labels that would collide. A file without VA or OUT rows is read
    with a :class:`TableWarning` saying what is computed instead.
    """
    p = _icio_file(Path(path))
    h = sniff(p, what="ICIO CSV file")
    _estimate_memory(h, merge_split)
    m = read_matrix(h, field="values")
    index = [str(i).strip() for i in m.rows]
    columns = [str(c).strip() for c in m.cols]
    refuse_duplicates(index, where=p, field="row labels", axis="row")
    refuse_duplicates(columns, where=p, field="column labels", axis="column")
    rows0 = [r for r in index if r not in SPECIAL_ROWS]
    values0 = m.values
    special = np.flatnonzero([r in SPECIAL_ROWS for r in index])
    unused = np.flatnonzero(~np.isin(columns, rows0))
    if special.size and unused.size:  # TLS/VA/OUT under final demand and OUT: never read
        block = np.ix_(special, unused)
        cells = values0[block]
        if not np.isfinite(cells).all():  # blanks there are fine: zero them (on a copy)
            values0 = values0.copy()
            values0[block] = np.where(np.isfinite(cells), cells, 0.0)
    Matrix(path=p, rows=index, cols=columns, values=values0).refuse_nonfinite("values")
    df = pd.DataFrame(values0, index=index, columns=columns)
    if merge_split:
        _refuse_merge_collisions(index, where=p, axis="row")
        _refuse_merge_collisions(columns, where=p, axis="column")
        df.index = [_merge_label(i) for i in df.index]
        df.columns = [_merge_label(c) for c in df.columns]
        df = df.groupby(level=0, sort=False).sum()
        df = df.T.groupby(level=0, sort=False).sum().T

    rows = [r for r in df.index if r not in SPECIAL_ROWS]
    if not rows:
        raise InputError(
            "no country-sector rows",
            where=str(p),
            field="row labels",
            fix="this is not an ICIO table, or it is truncated; check --format",
        )
    row_set = set(rows)
    missing = [r for r in rows if r not in df.columns]
    if missing:
        raise InputError(
            f"{len(missing)} country-sector rows have no intermediate-use column "
            f"(first: {missing[0]})",
            where=str(p),
            field="columns",
            fix="this is not an ICIO table, or it is truncated; check --format",
        )
    out_cols = [c for c in df.columns if c in OUTPUT_LABELS]
    fd_cols = [c for c in df.columns if c not in row_set and c not in OUTPUT_LABELS]
    if not fd_cols:
        raise InputError(
            "no final-demand columns (COUNTRY_HFCE, ...)",
            where=str(p),
            field="columns",
            fix="this is not an ICIO table; check --format",
        )
    values = df.to_numpy(dtype=np.float64, na_value=np.nan)
    ridx = df.index.get_indexer(pd.Index(rows))
    cidx = df.columns.get_indexer(pd.Index(rows))
    fidx = df.columns.get_indexer(pd.Index(fd_cols))
    Z = values[np.ix_(ridx, cidx)]
    Y = values[np.ix_(ridx, fidx)]
    x = None
    if out_cols:
        x = values[ridx, df.columns.get_loc(out_cols[0])]
    elif "OUT" in df.index:
        x = values[df.index.get_loc("OUT"), cidx]
    va = values[df.index.get_loc("VA"), cidx] if "VA" in df.index else None
    tls = values[df.index.get_loc("TLS"), cidx] if "TLS" in df.index else None
    lacking = [name for name, got in (("VA", va is not None), ("OUT", x is not None)) if not got]
    if lacking:
        warnings.warn(
            f"{p}: no {' or '.join(lacking)} row"
            + (" or column" if "OUT" in lacking else "")
            + "; "
            + "; ".join(
                text
                for name, text in (
                    ("VA", "value added is the residual x - 1'Z (not checked against VA)"),
                    ("OUT", "gross output is the row sums of [Z Y] (not checked against OUT)"),
                )
                if name in lacking
            ),
            TableWarning,
            stacklevel=2,
        )
    return IOTable.build(
        Z,
        Y,
        split_labels(rows, where=str(p), field="row labels"),
        split_labels(fd_cols, where=str(p), field="final-demand columns"),
        x=x,
        va=va,
        # TLS is part of the residual value added; a given VA row excludes it
        taxes=tls if value_added == "residual" else None,
        output=output if x is not None else "rowsums",
        value_added=value_added,
        unit="millions of US dollars, current prices",
        source=str(p),
        meta={"format": "oecd-icio", "merged_split": merge_split, "tls": tls},
    )
