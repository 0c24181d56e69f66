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
from gpnlab.io.matrix import PARSE_COPIES, check_table_memory, diagnose, one_file, sniff
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
    p = one_file(Path(path), (".csv", ".csv.gz"), kinds="CSV", what="FIGARO flat file")
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
    labels = {c: _encode(table.column(c)) for c in COLUMNS[:4]}
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
        codes, words = labels[c]
        empty = np.flatnonzero(words == "")
        if empty.size:
            blank = np.flatnonzero(np.isin(codes, empty))
            raise InputError(
                f"{blank.size} blank {c} cells; the first on line {int(blank[0]) + 2}",
                where=str(p),
                field=c,
                fix=f"give every line its {c}",
            )
    return _assemble(p, labels, values, output=output, value_added=value_added)


def _encode(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, words): the column's trimmed strings as integer codes into ``words`` (in order
    of first appearance), without a Python string per line."""
    enc = pc.utf8_trim_whitespace(column.combine_chunks()).dictionary_encode()
    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    words = np.array(enc.dictionary.to_pylist(), dtype=object)
    return codes, words


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
    labels: dict[str, tuple[np.ndarray, np.ndarray]],
    values: np.ndarray,
    *,
    output: OutputRule,
    value_added: ValueAddedRule,
) -> IOTable:
    """Pivot the lines into Z, Y and the primary inputs with integer keys (area x item)."""
    where = str(p)
    (ra, ra_w), (rp, rp_w) = labels["refArea"], labels["rowPi"]
    (ca, ca_w), (cp, cp_w) = labels["counterpartArea"], labels["colPi"]
    areas = pd.Index(list(dict.fromkeys([*ra_w, *ca_w])))
    items = pd.Index(list(dict.fromkeys([*cp_w, *rp_w])))
    n_items = len(items)
    row_item = items.get_indexer(rp_w)[rp]
    col_item = items.get_indexer(cp_w)[cp]
    is_fd = np.isin(items.to_numpy(dtype=object), FD_CODES)
    is_ind = np.zeros(n_items, dtype=bool)
    is_ind[np.unique(col_item[~is_fd[col_item]])] = True
    is_prim = np.isin(items.to_numpy(dtype=object), PRIMARY)
    fd_col = is_fd[col_item]
    prod = is_ind[row_item]
    prim = is_prim[row_item]
    unknown = ~(prod | prim)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(
            f"rowPi {items[row_item[i]]!r} (line {i + 2}) is neither an industry of the columns "
            f"nor a primary input ({', '.join(PRIMARY)})",
            where=where,
            field="rowPi",
            fix="use the industry-by-industry flat file; check the codes (or --format)",
        )
    key_r = areas.get_indexer(ra_w)[ra] * n_items + row_item
    key_c = areas.get_indexer(ca_w)[ca] * n_items + col_item
    span = len(areas) * n_items
    cell = pd.Index(key_r * span + key_c)
    if cell.has_duplicates:
        i = int(np.flatnonzero(cell.duplicated())[0])
        raise InputError(
            f"cell {_name(key_r[i], areas, items)} x {_name(key_c[i], areas, items)} appears "
            f"twice (line {i + 2} repeats it)",
            where=where,
            field="cells",
            fix="each (refArea, rowPi, counterpartArea, colPi) may appear once",
        )
    prod_keys = pd.unique(key_r[prod])
    inter_keys = pd.unique(key_c[~fd_col])
    fd_keys = pd.unique(key_c[fd_col])
    extra = np.setdiff1d(prod_keys, inter_keys)
    if not extra.size:
        extra = np.setdiff1d(inter_keys, prod_keys)
    if extra.size:
        raise InputError(
            f"country-industry {_name(extra[0], areas, items)} is a row but not a column, or a "
            "column but not a row",
            where=where,
            field="refArea/counterpartArea",
            fix="rows and columns must name the same country-industries; the file may be truncated",
        )
    if not fd_keys.size:
        raise InputError(
            "no final-demand cells (colPi P3_S13, P3_S14, P3_S15, P51G, P5M)",
            where=where,
            field="colPi",
            fix="give the whole flat file, industry by industry",
        )
    n = len(prod_keys)
    rows_ix = pd.Index(prod_keys)
    Z = np.zeros((n, n))
    m = prod & ~fd_col
    Z[rows_ix.get_indexer(key_r[m]), rows_ix.get_indexer(key_c[m])] = values[m]
    Y = np.zeros((n, len(fd_keys)))
    m = prod & fd_col
    Y[rows_ix.get_indexer(key_r[m]), pd.Index(fd_keys).get_indexer(key_c[m])] = values[m]
    prim_list = list(PRIMARY)
    P = np.zeros((len(prim_list), n))
    m = prim & ~fd_col
    which = pd.Index(prim_list).get_indexer(items[row_item[m]])
    np.add.at(P, (which, rows_ix.get_indexer(key_c[m])), values[m])
    rows = [(str(areas[k // n_items]), str(items[k % n_items])) for k in prod_keys]
    fd = [(str(areas[k // n_items]), str(items[k % n_items])) for k in fd_keys]
    va = P[[prim_list.index(c) for c in GVA]].sum(axis=0)
    taxes = P[prim_list.index(TAXES)]
    return IOTable.build(
        Z,
        Y,
        rows,
        fd,
        x=Z.sum(axis=0) + P.sum(axis=0),
        va=va,
        taxes=taxes if value_added == "residual" else None,
        output=output,
        value_added=value_added,
        unit="millions of euro, current prices",
        source=where,
        meta={"format": "figaro", "value_added": value_added},
    )


def _name(key: int, areas: pd.Index, items: pd.Index) -> str:
    n_items = len(items)
    return f"{areas[int(key) // n_items]}_{items[int(key) % n_items]}"
