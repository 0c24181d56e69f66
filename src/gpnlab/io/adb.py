"""The ADB multiregional input-output tables (ADB MRIO): the Excel sheet exported as CSV, or xlsx.

One table per year (``ADB-MRIO-2019_Mar2022.xlsx``; 62 or 72 economies plus ``RoW``, 35
sectors, millions of US dollars; industry by industry). The sheet (Asian Development Bank, "ADB
Multiregional Input-Output Database: Sources and Methods", 2019, and the file itself):

* title lines (table name, coverage, unit), optionally a line of numeric codes and a line of
  sector names; then a **country line** (economy codes over the columns, ``ToT`` over the
  total) and right below it the **code line** (``c1`` ... ``c35`` over intermediate use,
  ``F1`` ... ``F5`` over final demand: household consumption, non-profit institutions,
  government, gross fixed capital formation, changes in inventories). The code line is found as
  the first line holding ``F1`` from the fifth column on;
* **data lines**: an (often empty) first column, the description, the economy, the code, then
  the numbers. Country-sector rows (``c1`` ... ``c35``) come first; then ``r60`` (intermediate
  inputs, total), six value-added rows (taxes less subsidies on products, cif/fob adjustments,
  direct purchases abroad by residents, purchases on the domestic territory by non-residents,
  value added at basic prices, international transport margins) and ``r69`` (total output).
  Columns after the total and lines after ``r69`` (notes) are ignored.

Taken: ``Z`` and ``Y`` (five categories per economy); ``x`` from the total column (else the
``r69`` row); the rows between ``r60`` and ``r69`` are told apart by their description (their
codes differ between editions): taxes from the row whose description says "taxes less
subsidies", the given value added from the row saying "value added". The residual value added
``x - 1'Z`` is the sum of the six rows.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from gpnlab.errors import InputError
from gpnlab.io.matrix import one_file
from gpnlab.io.sheet import SHEET_FILES, read_sheet, refuse_blanks, same_labels, via_csv
from gpnlab.table import IOTable, OutputRule, ValueAddedRule

FD_CODES = ("F1", "F2", "F3", "F4", "F5")
TOTALS = ("ToT", "TOT", "TOTAL", "Total")
N_LABELS = 4
SECTOR = re.compile(r"c\d+")
INTERMEDIATE_TOTAL = "r60"
OUTPUT_ROW = "r69"


def _code_line(head: list[list[str]], path: Path) -> int:
    """The last header line holding ``F1`` from the fifth column on (a name line above it may
    repeat the codes), below the country line."""
    hits = [i for i, rec in enumerate(head) if "F1" in (c.strip() for c in rec[N_LABELS:])]
    if hits and hits[-1] > 0:
        return hits[-1]
    raise InputError(
        "no header line with the final-demand code F1 (from the fifth column on) below a "
        "country line",
        where=str(path),
        field="header",
        fix="give the ADB MRIO sheet exported as CSV (title lines, the country line, the code "
        "line c1 ... F5, then the data), or check --format",
    )


def _first_data(head: list[list[str]], path: Path) -> int:
    i = _code_line(head, path)
    for k in range(i + 1, len(head)):
        rec = head[k]
        if len(rec) > 3 and rec[2].strip() and rec[3].strip():
            return k
    return len(head)


def _estimate(head: list[list[str]], path: Path) -> tuple[int, int]:
    i = _code_line(head, path)
    codes = [c.strip() for c in head[i][N_LABELS:]]
    countries = [c.strip() for c in head[i - 1][N_LABELS:]]
    inter = [k for k, c in enumerate(codes) if SECTOR.fullmatch(c)]
    return len(inter), max(len({countries[k] for k in inter if k < len(countries)}), 1)


def _n_columns(head: list[list[str]], path: Path) -> int:
    """Columns up to the total (``ToT``): those after it are notes, never parsed."""
    i = _code_line(head, path)
    for j in range(N_LABELS, max(len(head[i]), len(head[i - 1]))):
        for rec in (head[i], head[i - 1]):
            if j < len(rec) and rec[j].strip() in TOTALS:
                return j + 1
    return max(len(r) for r in head)


def read_adb(
    path: str | os.PathLike[str],
    *,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read one ADB MRIO table (see module docstring)."""
    p = one_file(Path(path), SHEET_FILES, kinds="CSV or xlsx", what="ADB MRIO file")
    return via_csv(p, lambda src: _read(src, p, output=output, value_added=value_added))


def _read(src: Path, shown: Path, *, output: OutputRule, value_added: ValueAddedRule) -> IOTable:
    sheet = read_sheet(
        src,
        n_labels=N_LABELS,
        first_data_line=lambda h: _first_data(h, shown),
        n_estimate=lambda h: _estimate(h, shown),
        what="ADB MRIO",
        n_columns=lambda h: _n_columns(h, shown),
    )
    where = str(shown)
    ci = _code_line(sheet.head, shown)
    width = sheet.values.shape[1]
    codes = [c.strip() for c in sheet.head[ci][N_LABELS:]] + [""] * width
    ctry = [c.strip() for c in sheet.head[ci - 1][N_LABELS:]] + [""] * width
    _first, desc_col, country_col, code_col = sheet.labels
    # ---- columns, up to the total
    inter_cols: list[int] = []
    fd_cols: list[int] = []
    total_col: int | None = None
    for j in range(width):
        code, c = codes[j], ctry[j]
        if c in TOTALS or code in TOTALS:
            total_col = j
            break
        if not code and not c:
            continue
        if not c or not (SECTOR.fullmatch(code) or code in FD_CODES):
            raise InputError(
                f"column {j + N_LABELS + 1} has code {code!r} and economy {c!r}",
                where=where,
                field="header",
                fix="every column needs an economy and a code c1 ... c35 or F1 ... F5",
            )
        (fd_cols if code in FD_CODES else inter_cols).append(j)
    # ---- rows, up to r69
    prod_rows: list[int] = []
    special: list[int] = []
    out_row: int | None = None
    for i, (code, c) in enumerate(zip(code_col, country_col, strict=True)):
        if not code and not c:
            continue  # notes
        if SECTOR.fullmatch(code) and c and c not in TOTALS:
            if special:
                raise InputError(
                    f"country-sector row {c}_{code} (line {sheet.first_line + i}) comes after "
                    "the value-added rows",
                    where=where,
                    field="row labels",
                    fix="this is not an ADB MRIO sheet, or it was edited; check --format",
                )
            prod_rows.append(i)
        elif code == OUTPUT_ROW:
            out_row = i
            break
        elif code and (c in TOTALS or not c):
            special.append(i)
        else:
            raise InputError(
                f"line {sheet.first_line + i} has code {code!r} and economy {c!r}",
                where=where,
                field="row labels",
                fix="every data row needs an economy (third column) and a code c1 ... c35, or "
                "is one of the rows r60 ... r69",
            )
    if not prod_rows or not inter_cols:
        raise InputError(
            "no country-sector rows or columns",
            where=where,
            field="row labels",
            fix="this is not an ADB MRIO sheet, or it is truncated; check --format",
        )
    rows = [(country_col[i], code_col[i]) for i in prod_rows]
    cols = [(ctry[j], codes[j]) for j in inter_cols]
    same_labels(rows, cols, where)
    order = {lab: k for k, lab in enumerate(cols)}
    cidx = np.array([inter_cols[order[lab]] for lab in rows])
    ridx = np.array(prod_rows)
    V = sheet.values
    names = [f"{a}_{b}" for a, b in rows]
    Z = V[np.ix_(ridx, cidx)]
    Y = V[np.ix_(ridx, np.array(fd_cols, dtype=int))]
    refuse_blanks(shown, Z, names, sheet.first_line, "intermediate-use block")
    refuse_blanks(shown, Y, names, sheet.first_line, "final-demand columns")
    x = None
    if total_col is not None:
        x = V[ridx, total_col]
        refuse_blanks(shown, x[:, None], names, sheet.first_line, "total column")
    elif out_row is not None:
        x = V[out_row, cidx]
        refuse_blanks(shown, x[None, :], [OUTPUT_ROW], sheet.first_line, "r69 row")

    def by_description(words: str) -> np.ndarray | None:
        hits = [
            i for i in special if code_col[i] != INTERMEDIATE_TOTAL and words in desc_col[i].lower()
        ]
        if len(hits) != 1:
            return None
        vec = V[hits[0], cidx]
        refuse_blanks(shown, vec[None, :], [code_col[hits[0]]], sheet.first_line, "rows")
        return vec

    taxes = by_description("taxes less subsidies")
    va = by_description("value added")
    fd = [(ctry[j], codes[j]) for j in fd_cols]
    return IOTable.build(
        Z,
        Y,
        rows,
        fd,
        x=x,
        va=va,
        taxes=taxes if value_added == "residual" else None,
        output=output if x is not None else "rowsums",
        value_added=value_added,
        unit="millions of US dollars, current prices",
        source=where,
        meta={"format": "adb", "value_added": value_added},
    )
