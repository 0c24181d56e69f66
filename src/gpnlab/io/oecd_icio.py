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
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.io.labels import split_labels
from gpnlab.table import IOTable, OutputRule, ValueAddedRule

SPLIT_COUNTRIES = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
SPECIAL_ROWS = ("TLS", "VA", "OUT")
OUTPUT_LABELS = ("OUT", "TOTAL")


def _merge_label(label: str) -> str:
    country, sep, rest = label.partition("_")
    return SPLIT_COUNTRIES.get(country, country) + sep + rest


def read_oecd_icio(
    path: str | os.PathLike[str],
    *,
    merge_split: bool = False,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read one OECD ICIO CSV file (see module docstring)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.csv")) + sorted(p.glob("*.csv.gz"))
        if len(files) != 1:
            raise InputError(
                f"folder holds {len(files)} CSV files",
                where=str(p),
                field="PATH",
                fix="give the path of one ICIO CSV file (one year)",
            )
        p = files[0]
    if not p.exists():
        raise InputError("file not found", where=str(p), field="PATH", fix="check the path")
    try:
        df = pd.read_csv(p, index_col=0, engine="pyarrow")
    except (EOFError, OSError, zlib.error, ValueError) as exc:
        raise InputError(
            f"cannot read the file ({type(exc).__name__}: {str(exc)[:120]})",
            where=str(p),
            field=p.name,
            fix="re-download the ICIO CSV; it may be truncated",
        ) from exc
    df.index = [str(i).strip() for i in df.index]
    df.columns = [str(c).strip() for c in df.columns]
    if merge_split:
        df.index = [_merge_label(i) for i in df.index]
        df.columns = [_merge_label(c) for c in df.columns]
        df = df.groupby(level=0, sort=False).sum()
        df = df.T.groupby(level=0, sort=False).sum().T

    rows = [r for r in df.index if r not in SPECIAL_ROWS]
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
    try:
        values = df.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"non-numeric cells ({str(exc)[:80]})",
            where=str(p),
            field="values",
            fix="every cell after the label column must be a number",
        ) from exc
    ridx = df.index.get_indexer(pd.Index(rows))
    cidx = df.columns.get_indexer(pd.Index(rows))
    fidx = df.columns.get_indexer(pd.Index(fd_cols))
    if not np.all(np.isfinite(values[ridx])):
        raise InputError(
            "empty, NaN or infinite cells in the country-sector rows",
            where=str(p),
            field="values",
            fix="fill missing cells with 0 or re-download the file (it may be truncated)",
        )
    Z = values[np.ix_(ridx, cidx)]
    Y = values[np.ix_(ridx, fidx)]
    x = None
    if out_cols:
        x = values[ridx, df.columns.get_loc(out_cols[0])]
    elif "OUT" in df.index:
        x = values[df.index.get_loc("OUT"), cidx]
    va = values[df.index.get_loc("VA"), cidx] if "VA" in df.index else None
    tls = values[df.index.get_loc("TLS"), cidx] if "TLS" in df.index else None
    return IOTable.build(
        Z,
        Y,
        split_labels(rows, where=str(p), field="row labels"),
        split_labels(fd_cols, where=str(p), field="final-demand columns"),
        x=x,
        va=va,
        output=output if x is not None else "rowsums",
        value_added=value_added,
        unit="millions of US dollars, current prices",
        source=str(p),
        meta={"format": "oecd-icio", "merged_split": merge_split, "tls": tls},
    )
