"""The OECD Inter-Country Input-Output (ICIO) CSV layouts: 2016, 2018, 2021 and 2023 releases.

One CSV per year (``ICIO2016_2003.csv``, ``ICIO2018_2010.CSV``, ``ICIO2021_2018.csv``,
``2018_SML.csv``). The first column holds the row labels (its header cell empty or ``V1``); the
other columns are ``COUNTRY_SECTOR`` intermediate use, then final demand, then total output. The
release is detected from the labels, never from the file name (docs/readers.md):

* **2016** -- a ``VA+TAXSUB`` row (value added *including* taxes less subsidies on products)
  and an ``OUT`` row; final demand written category-first, ``HFCE_AUS``, ``NPS_AUS``,
  ``GGFC_AUS``, ``GFCF_AUS``, ``INV_AUS``, ``DIRP_AUS``; a ``DISC`` column (statistical
  discrepancy, one per row, no destination); no total-output column.
* **2018 / 2021** -- one ``XXX_TAXSUB`` row per country (taxes less subsidies on products
  bought from country XXX by each using sector), ``VALU`` (value added at basic prices) and
  ``OUTPUT`` rows, a ``TOTAL`` column; final demand ``AUS_HFCE`` ... (2018: ``P33``, direct
  purchases abroad; 2021: ``DPABR``). The release is reported as 2018 when a ``P33`` category
  is present, else 2021.
* **2023** -- ``TLS`` (taxes less subsidies on intermediate products), ``VA`` and ``OUT`` rows,
  an ``OUT`` column; final demand ``AUS_HFCE`` ... ``AUS_DPABR``.

China and Mexico are split into ``CN1``/``CN2`` and ``MX1``/``MX2`` (processing and other
production) in rows and intermediate columns; their final demand is under ``CHN`` and ``MEX``.
``merge_split=True`` sums the halves into ``CHN`` and ``MEX``. The 2016 and 2018 files also carry
``CHN``/``MEX`` rows and columns of their own; they are summed with the halves, as pymrio's
``parse_oecd`` does (a note says so when the country's own rows are not zero). In the 2023
layout a file with both the halves and the country is refused (ambiguous). Without merging, the
halves are separate producers and ``CHN``/``MEX`` zero-output destinations (or producers when
they have rows).

Taxes: the ``TLS`` row (2023) or the sum of the ``XXX_TAXSUB`` rows (2018/2021) is recorded as
``IOTable.taxes``; the 2016 layout publishes value added and taxes as one row, so its taxes are
unknown (none recorded). The ``DISC`` column (2016) is final use of the producing country
(category ``DISC``): it is not an export to anybody, so gross exports stay those of the OECD
(pymrio keeps it as a destination ``ALL``).

Value added (``value_added``): ``"residual"`` (default) sets ``va = x - 1'Z`` (value added *and*
taxes, the convention of GVC tools, so both identities hold); value added at basic prices
``x - 1'Z - taxes`` is :attr:`IOTable.va_basic`. ``"given"`` takes the published row: ``VA``
(2023), ``VALU`` (2018/2021) or ``VA+TAXSUB`` (2016; it includes taxes). Sources: OECD,
"Inter-Country Input-Output tables" (oe.cd/icio) and the ReadMe files of the 2016, 2018, 2021 and
2023 releases; pymrio ``parse_oecd`` (Stadler 2021). The tables are not shipped with gpnlab.
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
    one_file,
    read_matrix,
    refuse_duplicates,
    sniff,
)
from gpnlab.table import IOTable, OutputRule, TableWarning, ValueAddedRule

SPLIT_COUNTRIES = {"CN1": "CHN", "CN2": "CHN", "MX1": "MEX", "MX2": "MEX"}
#: Rows that are not producing country-sectors, by release (``XXX_TAXSUB`` rows besides).
SPECIAL_ROWS = ("TLS", "VA", "OUT", "VALU", "OUTPUT", "VA+TAXSUB")
OUTPUT_LABELS = ("OUT", "TOTAL")
DISC = "DISC"
#: Final-demand categories of the 2016 release, written before the country (``HFCE_AUS``).
FD_2016 = frozenset({"HFCE", "NPS", "NPISH", "GGFC", "GFCF", "INV", "INVNT", "DIRP"})
#: Header parts that are not producing country-sectors (final-demand categories, output):
#: used only to estimate the table's size from the header.
NOT_PRODUCERS = frozenset(
    {"HFCE", "NPISH", "NPS", "GGFC", "GFCF", "INVNT", "INV", "DIRP", "DPABR", "NONRES", "P33"}
    | {"OUT", "TOTAL", DISC}
)


def is_special_row(label: str) -> bool:
    """True for the rows that are not country-sectors: TLS, VA, OUT, VALU, OUTPUT, VA+TAXSUB and
    the 2018/2021 ``XXX_TAXSUB`` rows."""
    return label in SPECIAL_ROWS or label.endswith("_TAXSUB")


def detect_release(rows: list[str], cols: list[str]) -> str:
    """``"2016"``, ``"2018"``, ``"2021"`` or ``"2023"`` from the labels (module docstring)."""
    row_set = set(rows)
    if "VA+TAXSUB" in row_set or DISC in cols:
        return "2016"
    if row_set & {"VALU", "OUTPUT"} or "TOTAL" in cols or any(r.endswith("_TAXSUB") for r in rows):
        return "2018" if any(c.endswith("_P33") for c in cols) else "2021"
    if any(c.partition("_")[0] in FD_2016 for c in cols):
        return "2016"  # category-first final demand without the special rows
    return "2023"


def _merge_label(label: str) -> str:
    country, sep, rest = label.partition("_")
    return SPLIT_COUNTRIES.get(country, country) + sep + rest


def _icio_file(p: Path) -> Path:
    """The ICIO CSV file: ``p`` itself, or the one CSV file in the folder ``p``."""
    p = one_file(p, (".csv", ".csv.gz"), kinds="CSV", what="ICIO CSV file", skip_hidden=False)
    expect_file(p, "ICIO CSV file")
    return p


def _estimate_memory(h: Header, merge_split: bool) -> None:
    """Check memory from the header (rows unknown: the estimate from the file size, at least
    the number of columns), before the body is read."""
    producers = [
        c
        for c in h.value_columns
        if c.strip().rpartition("_")[2] not in NOT_PRODUCERS
        and c.strip().partition("_")[0] not in NOT_PRODUCERS
    ]
    n = len(producers)
    check_table_memory(
        h.path,
        cells=float(max(h.rows_estimate, h.n_cols)) * h.n_cols,
        n=n,
        G=count_countries(producers),
        text_bytes=float(h.text_bytes),
        copies=PARSE_COPIES + (2 if merge_split else 0),
    )


def _collisions(
    labels: list[str], values: np.ndarray, *, where: Path, axis: str, refuse: bool
) -> list[str]:
    """Groups that ``merge_split`` would sum with a country's own labels (CHN beside CN1/CN2).

    ``values`` holds the label's row (or column) of cells. Own labels that are all zero merge
    silently. Otherwise: refused in the 2023 layout (``refuse``), or returned (a note) in the
    2016-2021 layouts, where pymrio sums them."""
    groups: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(_merge_label(lab), []).append(i)
    clashes: list[str] = []
    for merged, members in groups.items():
        own = [i for i in members if labels[i].partition("_")[0] not in SPLIT_COUNTRIES]
        if len(members) < 2 or not own:
            continue
        if not np.any(values[own]):
            continue
        if refuse:
            raise InputError(
                f"{axis}s {', '.join(labels[i] for i in members)} would all be merged into "
                f"{merged}",
                where=str(where),
                field=f"{axis} labels",
                fix="the file has both the split halves (CN1/CN2, MX1/MX2) and the country; "
                "drop one, or pass --no-merge-split",
            )
        clashes.append(merged)
    return clashes


def _fd_label(label: str, countries: set[str]) -> str:
    """``HFCE_AUS`` (2016, category first) -> ``AUS_HFCE``; other labels unchanged."""
    first, sep, rest = label.partition("_")
    if sep and rest and (first in FD_2016 or first not in countries) and rest in countries:
        return f"{rest}_{first}"
    return label


def read_oecd_icio(
    path: str | os.PathLike[str],
    *,
    merge_split: bool = False,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read one OECD ICIO CSV file of any release (see module docstring).

    Refused with one line (:class:`InputError`): text cells; blank or missing-value (``n/a``)
    cells anywhere in the country-sector rows, and in the special rows (VA, TLS, OUT, VALU,
    OUTPUT, TAXSUB) under the intermediate-use columns (blank cells elsewhere in those rows are
    not used); duplicated row or column labels; merged labels that would collide (2023). A
    file without value-added or output rows is read with a :class:`TableWarning` saying what
    is computed instead.
    """
    p = _icio_file(Path(path))
    h = sniff(p, what="ICIO CSV file")
    _estimate_memory(h, merge_split)
    m = read_matrix(h, field="values")
    index = [str(i).strip() for i in m.rows]
    columns = [str(c).strip() for c in m.cols]
    refuse_duplicates(index, where=p, field="row labels", axis="row")
    refuse_duplicates(columns, where=p, field="column labels", axis="column")
    release = detect_release(index, columns)
    special_mask = np.array([is_special_row(r) for r in index], dtype=bool)
    rows0 = [r for r, s in zip(index, special_mask, strict=True) if not s]
    values0 = m.values
    special = np.flatnonzero(special_mask)
    unused = np.flatnonzero(~np.isin(columns, rows0))
    if special.size and unused.size:  # special rows under final demand and OUT: never read
        block = np.ix_(special, unused)
        cells = values0[block]
        if not np.isfinite(cells).all():  # blanks there are fine: zero them (on a copy)
            values0 = values0.copy()
            values0[block] = np.where(np.isfinite(cells), cells, 0.0)
    Matrix(path=p, rows=index, cols=columns, values=values0).refuse_nonfinite("values")
    df = pd.DataFrame(values0, index=index, columns=columns)
    notes: list[str] = []
    if merge_split:
        old = release != "2023"
        producing = np.flatnonzero(~special_mask)
        row_cl = _collisions(rows0, values0[producing], where=p, axis="row", refuse=not old)
        col_cl = _collisions(columns, values0.T, where=p, axis="column", refuse=not old)
        clashes = sorted(set(row_cl) | set(col_cl))
        if clashes:
            notes.append(
                f"{p}: the {release} layout has rows or columns of their own for "
                f"{', '.join(sorted({c.partition('_')[0] for c in clashes}))} beside the split "
                "halves (CN1/CN2, MX1/MX2); they are summed with the halves (as pymrio's "
                "parse_oecd does)"
            )
        df.index = [r if is_special_row(r) else _merge_label(r) for r in df.index]
        df.columns = [_merge_label(c) for c in df.columns]
        df = df.groupby(level=0, sort=False).sum()
        df = df.T.groupby(level=0, sort=False).sum().T

    rows = [r for r in df.index if not is_special_row(r)]
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
    disc_cols = [c for c in df.columns if c == DISC]
    fd_cols = [c for c in df.columns if c not in row_set and c not in OUTPUT_LABELS and c != DISC]
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
    countries = {r.partition("_")[0] for r in rows}
    fd_labels = [_fd_label(c, countries) for c in fd_cols]
    if disc_cols:  # 2016: the discrepancy is final use of the producing country
        disc = values[ridx, df.columns.get_loc(DISC)]
        owners = list(dict.fromkeys(r.partition("_")[0] for r in rows))
        D = np.zeros((len(rows), len(owners)))
        pos = {c: k for k, c in enumerate(owners)}
        D[np.arange(len(rows)), [pos[r.partition("_")[0]] for r in rows]] = disc
        Y = np.hstack([Y, D])
        fd_labels += [f"{c}_{DISC}" for c in owners]
    x = None
    if out_cols:
        x = values[ridx, df.columns.get_loc(out_cols[0])]
    else:
        out_row = next((r for r in ("OUT", "OUTPUT") if r in df.index), None)
        if out_row is not None:
            x = values[df.index.get_loc(out_row), cidx]
    va_row = next((r for r in ("VA", "VALU", "VA+TAXSUB") if r in df.index), None)
    va = values[df.index.get_loc(va_row), cidx] if va_row is not None else None
    tax_rows = [r for r in df.index if r == "TLS" or r.endswith("_TAXSUB")]
    tls = (
        values[np.ix_(df.index.get_indexer(pd.Index(tax_rows)), cidx)].sum(axis=0)
        if (tax_rows)
        else None
    )
    lacking = [name for name, got in (("VA", va is not None), ("OUT", x is not None)) if not got]
    if lacking:
        notes.append(
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
            )
        )
    for note in notes:
        warnings.warn(note, TableWarning, stacklevel=2)
    return IOTable.build(
        Z,
        Y,
        split_labels(rows, where=str(p), field="row labels"),
        split_labels(fd_labels, where=str(p), field="final-demand columns"),
        x=x,
        va=va,
        # taxes are part of the residual value added; a given VA row excludes them (except
        # 2016's VA+TAXSUB, which holds both and has no separate tax row)
        taxes=tls if value_added == "residual" else None,
        output=output if x is not None else "rowsums",
        value_added=value_added,
        unit="millions of US dollars, current prices",
        source=str(p),
        meta={
            "format": "oecd-icio",
            "release": release,
            "merged_split": merge_split,
            "tls": tls,
            "value_added": value_added,
            "va_row": va_row,
        },
    )
