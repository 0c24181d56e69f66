"""Eurostat FIGARO inter-country tables, the flat CSV file (industry by industry).

FIGARO (Full International and Global Accounts for Research in input-Output analysis; Eurostat,
Remond-Tiedrez and Rueda-Cantuche, eds., 2019, "EU inter-country supply, use and input-output
tables -- Full international and global accounts for research in input-output analysis
(FIGARO)", Statistical working papers) is published as "flat files", one line per cell
(``flatfile_eu-ic-io_ind-by-ind_23ed_2020.csv``). The columns read (others, such as
``icsupRow``, ``icuseCol``, ``unit`` or ``time_period``, are ignored):

* ``refArea`` -- the country of the row (producing country, or of the primary input);
* ``rowPi`` -- the row item: an industry (NACE codes ``A01`` ... ``U``) or a primary input:
  ``D1`` (compensation of employees), ``B2A3G`` (operating surplus and mixed income),
  ``D29X39`` (other net taxes on production), ``D21X31`` (taxes less subsidies on products),
  ``OP_RES`` and ``OP_NRES`` (purchases of residents abroad, of non-residents in the territory);
* ``counterpartArea`` -- the country of the column (using country);
* ``colPi`` -- the column item: an industry, or a final-demand category ``P3_S13``
  (government), ``P3_S14`` (households), ``P3_S15`` (non-profit institutions), ``P51G`` (gross
  fixed capital formation), ``P5M`` (changes in inventories and valuables);
* ``obsValue`` -- the value (millions of euro).

Industries are the ``colPi`` codes that are not final-demand categories; the rows of those
industries form ``Z`` and ``Y``; missing cells are zero; a repeated cell is refused. Taxes are
``D21X31``; the given value added is ``D1 + B2A3G + D29X39`` (gross value added at basic
prices); the residual ``x - 1'Z`` also holds ``D21X31``, ``OP_RES`` and ``OP_NRES``. The flat file
has no output row: ``output="given"`` takes the column totals ``1'Z + all primary inputs``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from gpnlab.errors import InputError
from gpnlab.io.matrix import PARSE_COPIES, check_table_memory, diagnose, sniff
from gpnlab.table import IOTable, OutputRule, ValueAddedRule

COLUMNS = ("refArea", "rowPi", "counterpartArea", "colPi", "obsValue")
FD_CODES = ("P3_S13", "P3_S14", "P3_S15", "P51G", "P5M")
GVA = ("D1", "B2A3G", "D29X39")
TAXES = "D21X31"
PRIMARY = (*GVA, TAXES, "OP_RES", "OP_NRES")


def read_figaro(
    path: str | os.PathLike[str],
    *,
    output: OutputRule = "rowsums",
    value_added: ValueAddedRule = "residual",
) -> IOTable:
    """Read a FIGARO flat file (see module docstring)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(
            f
            for f in p.iterdir()
            if f.name.lower().endswith((".csv", ".csv.gz")) and not f.name.startswith(".")
        )
        if len(files) != 1:
            raise InputError(
                f"folder holds {len(files)} CSV files",
                where=str(p),
                field="PATH",
                fix="give the path of one FIGARO flat file (one year), or pick it with --year",
            )
        p = files[0]
    h = sniff(p, what="FIGARO flat file")
    names = [c.strip() for c in h.columns]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InputError(
            f"no column {', '.join(missing)} in the header",
            where=str(p),
            field="header",
            fix=f"a FIGARO flat file has the columns {', '.join(COLUMNS)}; check --format",
        )
    for c in COLUMNS:
        if names.count(c) > 1:
            raise InputError(
                f"column {c} appears {names.count(c)} times",
                where=str(p),
                field="header",
                fix="keep one column of each name",
            )
    lines = max(h.rows_estimate, 1)
    n = int(np.sqrt(lines)) + 1  # one line per cell: about n^2 lines
    check_table_memory(
        p,
        cells=float(n) * n,
        n=n,
        G=max(n // 64, 1),
        text_bytes=float(h.text_bytes),
        copies=PARSE_COPIES,
    )
    try:
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(COLUMNS),
                column_types={c: pa.string() for c in COLUMNS},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError, EOFError, ValueError) as exc:
        raise diagnose(h, exc) from exc
    labels = {c: [s.strip() for s in table.column(c).to_pylist()] for c in COLUMNS[:4]}
    texts = pc.utf8_trim_whitespace(table.column("obsValue").combine_chunks())
    try:
        values = pc.cast(texts, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        raise _bad_value(p, texts) from None
    if table.num_rows == 0:
        raise InputError(
            "the file has a header but no data lines",
            where=str(p),
            field=p.name,
            fix="give the whole flat file (a truncated file shows up here too)",
        )
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{int(bad.sum())} blank, missing or infinite values; the first on line {i + 2}",
            where=str(p),
            field="obsValue",
            fix="write a number in every obsValue cell (0 for no flow)",
        )
    for c in COLUMNS[:4]:
        blank = [i for i, v in enumerate(labels[c]) if not v]
        if blank:
            raise InputError(
                f"{len(blank)} blank {c} cells; the first on line {blank[0] + 2}",
                where=str(p),
                field=c,
                fix=f"give every line its {c}",
            )
    return _assemble(p, labels, values, output=output, value_added=value_added)


def _bad_value(p: Path, texts: pa.Array) -> InputError:
    lo, hi = 0, len(texts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            pc.cast(texts.slice(lo, mid - lo), pa.float64())
            lo = mid
        except pa.ArrowInvalid:
            hi = mid
    text = str(texts[lo].as_py() or "")
    return InputError(
        f"obsValue {text[:40]!r} on line {lo + 2} is not a number"
        if text
        else f"blank obsValue on line {lo + 2}",
        where=str(p),
        field="obsValue",
        fix="write a number in every obsValue cell; remove text and thousands separators",
    )


def _assemble(
    p: Path,
    labels: dict[str, list[str]],
    values: np.ndarray,
    *,
    output: OutputRule,
    value_added: ValueAddedRule,
) -> IOTable:
    where = str(p)
    row_item = np.array(labels["rowPi"], dtype=object)
    col_item = np.array(labels["colPi"], dtype=object)
    fd_mask_col = np.isin(col_item, FD_CODES)
    industries = list(dict.fromkeys(col_item[~fd_mask_col].tolist()))
    ind_set = set(industries)
    prim_mask = np.isin(row_item, PRIMARY)
    prod_mask = np.array([r in ind_set for r in row_item], dtype=bool)
    unknown = ~(prim_mask | prod_mask)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(
            f"rowPi {row_item[i]!r} (line {i + 2}) is neither an industry of the columns nor a "
            f"primary input ({', '.join(PRIMARY)})",
            where=where,
            field="rowPi",
            fix="use the industry-by-industry flat file; check the codes (or --format)",
        )
    row_key = pd.Series(labels["refArea"], dtype=object) + "_" + pd.Series(row_item)
    col_key = pd.Series(labels["counterpartArea"], dtype=object) + "_" + pd.Series(col_item)
    pairs = pd.DataFrame({"r": row_key, "c": col_key})
    dup = pairs.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"cell {row_key[i]} x {col_key[i]} appears twice (line {i + 2} repeats it)",
            where=where,
            field="cells",
            fix="each (refArea, rowPi, counterpartArea, colPi) may appear once",
        )
    prod_keys = list(dict.fromkeys(row_key[prod_mask].tolist()))
    inter_keys = list(dict.fromkeys(col_key[~fd_mask_col].tolist()))
    fd_keys = list(dict.fromkeys(col_key[fd_mask_col].tolist()))
    if set(prod_keys) != set(inter_keys):
        extra = [k for k in prod_keys if k not in set(inter_keys)] or [
            k for k in inter_keys if k not in set(prod_keys)
        ]
        raise InputError(
            f"country-industry {extra[0]} is a row but not a column, or a column but not a row",
            where=where,
            field="refArea/counterpartArea",
            fix="rows and columns must name the same country-industries; the file may be truncated",
        )
    if not fd_keys:
        raise InputError(
            "no final-demand cells (colPi P3_S13, P3_S14, P3_S15, P51G, P5M)",
            where=where,
            field="colPi",
            fix="give the whole flat file, industry by industry",
        )
    n = len(prod_keys)
    rpos = {k: i for i, k in enumerate(prod_keys)}
    cpos = {k: i for i, k in enumerate(inter_keys)}
    order = np.array([cpos[k] for k in prod_keys])  # column j of Z = the row's own label
    fpos = {k: i for i, k in enumerate(fd_keys)}
    Z = np.zeros((n, n))
    Y = np.zeros((n, len(fd_keys)))
    prim_items = list(PRIMARY)
    P = np.zeros((len(prim_items), n))
    rk, ck = row_key.to_numpy(), col_key.to_numpy()
    m = prod_mask & ~fd_mask_col
    Z_c = np.zeros((n, n))
    Z_c[[rpos[k] for k in rk[m]], [cpos[k] for k in ck[m]]] = values[m]
    Z = Z_c[:, order]
    m = prod_mask & fd_mask_col
    Y[[rpos[k] for k in rk[m]], [fpos[k] for k in ck[m]]] = values[m]
    m = prim_mask & ~fd_mask_col
    Pc = np.zeros((len(prim_items), n))
    np.add.at(Pc, ([prim_items.index(r) for r in row_item[m]], [cpos[k] for k in ck[m]]), values[m])
    P = Pc[:, order]
    split = [k.split("_", 1) for k in prod_keys]
    rows = [(a, b) for a, b in split]
    fd = [tuple(k.split("_", 1)) for k in fd_keys]
    va = P[[prim_items.index(c) for c in GVA]].sum(axis=0)
    taxes = P[prim_items.index(TAXES)]
    x_cols = Z.sum(axis=0) + P.sum(axis=0)
    return IOTable.build(
        Z,
        Y,
        rows,
        [(a, b) for a, b in fd],
        x=x_cols,
        va=va,
        taxes=taxes if value_added == "residual" else None,
        output=output,
        value_added=value_added,
        unit="millions of euro, current prices",
        source=where,
        meta={"format": "figaro", "value_added": value_added},
    )
