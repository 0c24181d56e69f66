"""The WIOD 2016 release (Timmer, Los, Stehrer and de Vries 2016): the WIOT sheet as CSV or xlsx.

One world input-output table per year (``WIOT2014_Nov16_ROW.xlsx``; 43 countries and ``ROW``,
56 sectors, millions of US dollars). The sheet, exported as CSV (or read from the workbook when
openpyxl is installed):

* title lines, then a **code line** whose cells from the fifth column on are the sector codes
  of the intermediate-use columns (``A01`` ... ``U``), the final-demand codes ``CONS_h``
  (households), ``CONS_np`` (non-profit institutions), ``CONS_g`` (government), ``GFCF`` (gross
  fixed capital formation), ``INVEN`` (changes in inventories and valuables) and ``GO`` (total
  output); it is found as the first line holding ``CONS_h``;
* the **country line** right below it (``AUS`` ... ``ROW``; ``TOT`` under ``GO``); other header
  lines (sector names, column numbers ``c1`` ... ``c61``) are ignored;
* **data lines**: sector code, description, country, row number (``c1`` ... ``c56``), then
  the numbers. Country-sector rows come first; then rows with country ``TOT`` and codes
  ``II_fob`` (intermediate inputs, total), ``TXSP`` (taxes less subsidies on products),
  ``EXP_adj`` (cif/fob adjustments on exports), ``PURR`` (direct purchases abroad by residents),
  ``PURNR`` (purchases on the domestic territory by non-residents), ``VA`` (value added at basic
  prices), ``IntTTM`` (international transport margins) and ``GO`` (output at basic prices).

Taken: ``Z`` from the country-sector rows and columns, ``Y`` from the five final-demand columns
of each country, ``x`` from the ``GO`` column (else the ``GO`` row), taxes from ``TXSP``, the
given value added from ``VA``. The residual value added ``x - 1'Z`` is ``TXSP + EXP_adj + PURR +
PURNR + VA + IntTTM``. The 2013 release differs (35 sectors ``c1`` ... ``c35``, final demand
``c37`` ... ``c42``, rows ``r60`` ... ``r69``; pymrio's ``parse_wiod`` reads only that one);
gpnlab reads the 2013 release from its own layout (``shared/data/wiod2013``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gpnlab.errors import InputError
from gpnlab.io.matrix import one_file
from gpnlab.io.sheet import SHEET_FILES, read_sheet, refuse_blanks, same_labels, via_csv
from gpnlab.table import IOTable, OutputRule, ValueAddedRule

FD_CODES = ("CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN")
SPECIAL_ROWS = ("II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM", "GO")
TOTAL = "TOT"
N_LABELS = 4


def _code_line(head: list[list[str]], path: Path) -> int:
    """The last header line holding ``CONS_h`` from the fifth column on (a sector-name line
    above it may repeat the codes)."""
    hits = [i for i, rec in enumerate(head) if "CONS_h" in (c.strip() for c in rec[N_LABELS:])]
    if hits and hits[-1] + 1 < len(head):
        return hits[-1]
    raise InputError(
        "no header line with the final-demand code CONS_h (from the fifth column on)",
        where=str(path),
        field="header",
        fix="give the WIOT sheet of the WIOD 2016 release exported as CSV (title lines, the "
        "code line, the country line, then the data), or check --format",
    )


def _first_data(head: list[list[str]], path: Path) -> int:
    i = _code_line(head, path)
    for k in range(i + 2, len(head)):
        rec = head[k]
        if any(c.strip() for c in rec[:N_LABELS]):  # header lines leave the labels blank
            return k
    return len(head)


def read_wiod2016(
    path: str | os.PathLike[str],
    *,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read one WIOT of the WIOD 2016 release (see module docstring)."""
    p = one_file(Path(path), SHEET_FILES, kinds="CSV or xlsx", what="WIOT file")
    return via_csv(p, lambda src: _read(src, p, output=output, value_added=value_added))


def _estimate(head: list[list[str]], path: Path) -> tuple[int, int]:
    i = _code_line(head, path)
    codes = [c.strip() for c in head[i][N_LABELS:]]
    countries = [c.strip() for c in head[i + 1][N_LABELS:]] if i + 1 < len(head) else []
    inter = [k for k, c in enumerate(codes) if c and c not in FD_CODES and c != "GO"]
    G = len({countries[k] for k in inter if k < len(countries)})
    return len(inter), max(G, 1)


def _read(src: Path, shown: Path, *, output: OutputRule, value_added: ValueAddedRule) -> IOTable:
    sheet = read_sheet(
        src,
        n_labels=N_LABELS,
        first_data_line=lambda h: _first_data(h, shown),
        n_estimate=lambda h: _estimate(h, shown),
        what="WIOT",
    )
    where = str(shown)
    ci = _code_line(sheet.head, shown)
    width = sheet.values.shape[1]
    codes = [c.strip() for c in sheet.head[ci][N_LABELS:]] + [""] * width
    ctry = [c.strip() for c in sheet.head[ci + 1][N_LABELS:]] + [""] * width
    code_col, _desc, country_col, _rnr = sheet.labels
    # ---- columns
    inter_cols: list[int] = []
    fd_cols: list[int] = []
    total_col: int | None = None
    for j in range(width):
        code, c = codes[j], ctry[j]
        if not code and not c:
            continue
        if code == "GO" or c == TOTAL:
            total_col = j
        elif code in FD_CODES:
            if not c:
                raise InputError(
                    f"final-demand column {j + N_LABELS + 1} ({code}) has no country",
                    where=where,
                    field="country line",
                    fix="the line below the code line must name each column's country",
                )
            fd_cols.append(j)
        elif not code or not c:
            raise InputError(
                f"column {j + N_LABELS + 1} has code {code!r} and country {c!r}",
                where=where,
                field="header",
                fix="every column needs a sector (or final-demand) code and a country",
            )
        else:
            inter_cols.append(j)
    # ---- rows
    prod_rows: list[int] = []
    special: dict[str, int] = {}
    for i, (code, c) in enumerate(zip(code_col, country_col, strict=True)):
        if not code and not c:
            continue  # a blank or note line
        if c == TOTAL or (code in SPECIAL_ROWS and not c):
            if code not in SPECIAL_ROWS:
                raise InputError(
                    f"row {code!r} (line {sheet.first_line + i}) is not one of "
                    f"{', '.join(SPECIAL_ROWS)}",
                    where=where,
                    field="row codes",
                    fix="this is not a WIOD 2016 WIOT, or it was edited; check --format",
                )
            if code in special:
                raise InputError(
                    f"row {code!r} appears twice (lines {sheet.first_line + special[code]} and "
                    f"{sheet.first_line + i})",
                    where=where,
                    field="row codes",
                    fix="keep one row per code",
                )
            special[code] = i
        elif not code or not c:
            raise InputError(
                f"line {sheet.first_line + i} has sector code {code!r} and country {c!r}",
                where=where,
                field="row labels",
                fix="every data row needs a sector code (first column) and a country (third)",
            )
        else:
            prod_rows.append(i)
    if not prod_rows or not inter_cols:
        raise InputError(
            "no country-sector rows or columns",
            where=where,
            field="row labels",
            fix="this is not a WIOD 2016 WIOT, or it is truncated; check --format",
        )
    rows = [(country_col[i], code_col[i]) for i in prod_rows]
    cols = [(ctry[j], codes[j]) for j in inter_cols]
    same_labels(rows, cols, where)
    order = {lab: k for k, lab in enumerate(cols)}
    cidx = np.array([inter_cols[order[lab]] for lab in rows])
    ridx = np.array(prod_rows)
    V = sheet.values
    Z = V[np.ix_(ridx, cidx)]
    Y = V[np.ix_(ridx, np.array(fd_cols, dtype=int))]
    names = [f"{a}_{b}" for a, b in rows]
    refuse_blanks(shown, Z, names, sheet.first_line, "intermediate-use block")
    refuse_blanks(shown, Y, names, sheet.first_line, "final-demand columns")
    x = None
    if total_col is not None:
        x = V[ridx, total_col]
        refuse_blanks(shown, x[:, None], names, sheet.first_line, "GO column")
    elif "GO" in special:
        x = V[special["GO"], cidx]
        refuse_blanks(shown, x[None, :], ["GO"], sheet.first_line, "GO row")

    def row(code: str) -> np.ndarray | None:
        if code not in special:
            return None
        vec = V[special[code], cidx]
        refuse_blanks(shown, vec[None, :], [code], sheet.first_line, f"{code} row")
        return vec

    va, taxes = row("VA"), row("TXSP")
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
        meta={"format": "wiod2016", "release": "2016", "value_added": value_added},
    )
