"""A spreadsheet-style table exported as CSV: title and header lines, label columns, numbers.

The WIOD 2016 release and the ADB MRIO tables are Excel sheets: a few title lines, header lines
that label the columns (country codes on one line, sector or category codes on another), then
data lines whose first columns label the row (code, description, country, row number) and whose
other cells are numbers. :func:`read_sheet` reads such a file (CSV, gzipped CSV, or an ``.xlsx``
workbook when openpyxl is installed) so that bad input is one line, as in
:mod:`gpnlab.io.matrix`: the encoding and header are checked first, memory is checked
(:func:`gpnlab.io.matrix.check_table_memory`) before the body is read, and the first cell that is
not a number is named by its row and column labels.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from gpnlab.errors import InputError
from gpnlab.io.matrix import (
    HEADER_LIMIT,
    PARSE_COPIES,
    Header,
    _gzip_isize,
    _open_bytes,
    check_table_memory,
    diagnose,
    encoding_problem,
    expect_file,
    first_bad_cell,
)

T = TypeVar("T")
SHEET_FILES = (".csv", ".csv.gz", ".xlsx")
"""File endings of a sheet layout (WIOD 2016, ADB MRIO): CSV, gzipped CSV or a workbook."""

#: Header lines looked at (title and header lines come before the data).
MAX_HEAD_LINES = 40


@dataclass(frozen=True)
class Sheet:
    """What :func:`read_sheet` returns: the header lines (as lists of cells), the label cells of
    each data row (one list per label column), the numeric block (NaN for blanks) and the data
    rows' line numbers in the file (1-based)."""

    path: Path
    head: list[list[str]]
    labels: list[list[str]]
    values: np.ndarray
    first_line: int


def _head_lines(path: Path) -> tuple[list[list[str]], int]:
    """The first lines of the file as CSV records, and the total byte size (decompressed when
    the name ends in .gz, estimated from the sample)."""
    expect_file(path, "table file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(
            "the file is empty (0 bytes)",
            where=str(path),
            field=path.name,
            fix="export the sheet as UTF-8 CSV into it, or re-download it",
        )
    try:
        with _open_bytes(path) as fh:
            data = fh.read(HEADER_LIMIT)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(
            f"cannot read the file ({type(exc).__name__})",
            where=str(path),
            field=path.name,
            fix="check the file (re-download or re-compress it)",
        ) from exc
    found = encoding_problem(data, final=len(data) < HEADER_LIMIT)
    if found:
        raise InputError(
            f"cannot read the file as text: expected UTF-8, found {found}",
            where=str(path),
            field=path.name,
            fix="export the sheet as UTF-8 CSV (Excel: 'CSV UTF-8')",
        )
    text = data.decode("utf-8", errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()[:MAX_HEAD_LINES]
    if len(data) >= HEADER_LIMIT and len(lines) < 2:
        raise InputError(
            "the first lines are too long: not a CSV sheet",
            where=str(path),
            field=path.name,
            fix="export the sheet as comma-separated CSV",
        )
    try:
        head = list(csv.reader(lines))
    except csv.Error as exc:
        raise InputError(
            f"the first lines are not CSV ({exc})",
            where=str(path),
            field=path.name,
            fix="export the sheet as comma-separated CSV",
        ) from exc
    return head, max(_gzip_isize(path), len(data)) if path.name.endswith(".gz") else size


def xlsx_to_csv(path: Path, *, sheet: str | int = 0) -> Path:
    """Write the first (or the named) sheet of an ``.xlsx`` workbook to a temporary CSV file
    (openpyxl, read-only mode); memory is checked from the sheet's dimensions first."""
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError(
            "reading .xlsx needs openpyxl, which is not installed",
            where=str(path),
            field=path.name,
            fix="export the sheet as UTF-8 CSV, or pip install openpyxl",
        ) from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad workbook
        raise InputError(
            f"cannot open the workbook ({type(exc).__name__}: {str(exc)[:80]})",
            where=str(path),
            field=path.name,
            fix="export the sheet as UTF-8 CSV, or re-download the workbook",
        ) from exc
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        rows, cols = int(ws.max_row or 0), int(ws.max_column or 0)
        check_table_memory(path, cells=float(rows) * cols, n=cols, G=max(cols // 56, 1))
        tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the with block below
            "w", suffix=".csv", delete=False, newline="", encoding="utf-8"
        )
        with tmp:
            writer = csv.writer(tmp)
            for row in ws.iter_rows(values_only=True):
                writer.writerow(["" if v is None else v for v in row])
    finally:
        wb.close()
    return Path(tmp.name)


def via_csv(path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)`` for a CSV file; for an ``.xlsx`` workbook, ``read`` of its first sheet
    written to a temporary CSV file (:func:`xlsx_to_csv`), removed afterwards."""
    src = xlsx_to_csv(path) if path.name.lower().endswith(".xlsx") else path
    try:
        return read(src)
    finally:
        if src != path:
            src.unlink(missing_ok=True)


def read_sheet(
    path: Path,
    *,
    n_labels: int,
    first_data_line: Callable[[list[list[str]]], int],
    n_estimate: Callable[[list[list[str]]], tuple[int, int]],
    what: str,
    n_columns: Callable[[list[list[str]]], int] | None = None,
) -> Sheet:
    """Read a sheet with ``n_labels`` label columns.

    ``first_data_line(head)`` gives the 0-based index of the first data line among the header
    lines (raising :class:`InputError` when the layout is not recognised); ``n_estimate(head)``
    gives (rows and columns of the intermediate block, countries) for the memory check;
    ``n_columns(head)``, if given, the number of columns (labels included) that hold the table:
    columns after them (notes) are not parsed. Every value cell must be a number or blank
    (NaN); the caller decides where blanks are allowed.
    """
    head, size = _head_lines(path)
    start = first_data_line(head)
    if start >= len(head) and len(head) < MAX_HEAD_LINES:
        raise InputError(
            "the file has header lines but no data rows",
            where=str(path),
            field=path.name,
            fix=f"export the whole {what} sheet (a truncated file shows up here too)",
        )
    width = max(len(r) for r in head)
    n, G = n_estimate(head)
    check_table_memory(
        path,
        cells=float(max(n, 1)) * width,
        n=n,
        G=G,
        text_bytes=float(size),
        copies=PARSE_COPIES,
    )
    names = [f"c{i}" for i in range(width)]
    header = Header(path=path, kind="csv", columns=names, rows_estimate=n, text_bytes=size)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=start),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(min(n_labels, width))},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError, EOFError, zlib.error, ValueError) as exc:
        raise _diagnose(header, start, exc) from exc
    if table.num_rows == 0:
        raise InputError(
            "the file has header lines but no data rows",
            where=str(path),
            field=path.name,
            fix=f"export the whole {what} sheet (a truncated file shows up here too)",
        )
    labels = [[s.strip() for s in table.column(i).to_pylist()] for i in range(min(n_labels, width))]
    cols = []
    used = width if n_columns is None else min(width, n_columns(head))
    for j in range(n_labels, used):
        col = table.column(j)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            cols.append(pc.cast(col, pa.float64()).to_numpy())
            continue
        if pa.types.is_null(col.type):
            cols.append(np.full(table.num_rows, np.nan))
            continue
        texts = pc.utf8_trim_whitespace(pc.cast(col, pa.string()).combine_chunks())
        empty = pc.equal(texts, "")
        texts = pc.if_else(empty, pa.scalar(None, pa.string()), texts)
        try:
            cols.append(pc.cast(texts, pa.float64()).to_numpy(zero_copy_only=False))
        except pa.ArrowInvalid:
            raise _bad_cell(path, head, labels, j, texts, start) from None
    values = np.column_stack(cols) if cols else np.zeros((table.num_rows, 0))
    return Sheet(path=path, head=head, labels=labels, values=values, first_line=start + 1)


def _diagnose(header: Header, start: int, exc: BaseException) -> InputError:
    """The row with the wrong number of fields, or the parser's message."""
    k = len(header.columns)
    try:
        with _open_bytes(header.path) as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
            for i, rec in enumerate(csv.reader(text), start=1):
                if i > start and rec and len(rec) != k:
                    return InputError(
                        f"line {i} ({rec[0][:40]!r}) has {len(rec)} fields, the header lines "
                        f"have {k}",
                        where=str(header.path),
                        field=header.path.name,
                        fix="give every row the same number of fields (re-export the sheet)",
                    )
    except (OSError, EOFError, zlib.error, csv.Error):
        pass
    return diagnose(header, exc)


def _bad_cell(
    path: Path,
    head: list[list[str]],
    labels: list[list[str]],
    j: int,
    texts: pa.Array,
    start: int,
) -> InputError:
    lo = first_bad_cell(texts)
    text = texts[lo].as_py() or ""
    row = " ".join(v for v in (col[lo] for col in labels) if v)
    colname = " ".join(r[j] for r in head[:start] if j < len(r) and r[j].strip())[:60]
    return InputError(
        f"cell {text[:40]!r} is not a number at line {start + lo + 1} (row {row!r}), "
        f"column {j + 1}" + (f" ({colname})" if colname else ""),
        where=str(path),
        field="values",
        fix="write a number in every cell (0 for no flow); remove text, footnotes and thousands "
        "separators",
    )


def refuse_blanks(
    path: Path, values: np.ndarray, labels: list[str], first_line: int, what: str
) -> None:
    """Refuse blank or non-finite cells of the used block ``values`` (rows labelled
    ``labels``)."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    i, j = (int(a) for a in np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape))
    raise InputError(
        f"{int(bad.sum())} blank, missing or infinite cells in the {what}; the first in row "
        f"{labels[i]!r}, value column {j + 1}",
        where=str(path),
        field="values",
        fix="write a number in every cell (0 for no flow); a truncated file shows up here too",
    )


def same_labels(rows: list[tuple[str, str]], cols: list[tuple[str, str]], where: str) -> None:
    """Rows and intermediate-use columns must name the same country-sectors, each once."""
    for labels, what in ((rows, "row"), (cols, "column")):
        seen: set[tuple[str, str]] = set()
        for lab in labels:
            if lab in seen:
                raise InputError(
                    f"duplicated {what} {lab[0]}_{lab[1]}",
                    where=where,
                    field=f"{what} labels",
                    fix=f"each country-sector {what} may appear once",
                )
            seen.add(lab)
    row_set, col_set = set(rows), set(cols)
    extra_r = [lab for lab in rows if lab not in col_set]
    extra_c = [lab for lab in cols if lab not in row_set]
    if extra_r or extra_c:
        lab, side = (extra_r[0], "row") if extra_r else (extra_c[0], "column")
        raise InputError(
            f"{len(extra_r)} rows have no intermediate-use column and {len(extra_c)} columns "
            f"no row (first: {side} {lab[0]}_{lab[1]})",
            where=where,
            field="labels",
            fix="the country-sector rows and columns must match; the file may be truncated",
        )
