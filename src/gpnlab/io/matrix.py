"""One labelled wide matrix (CSV, gzipped CSV or Parquet), read so that bad input is one line.

Every table reader goes through here. The rules (issue 9; docs/reliability.md):

* **Files, not folders.** A folder where a file is expected, a missing file, an empty file and a
  header without data rows are refused with one line.
* **Encoding.** Text must be UTF-8 (a UTF-8 byte-order mark is accepted). UTF-16 and UTF-32
  (byte-order mark, or the NUL bytes between characters), other binary data (NUL bytes; gzip,
  Parquet, ZIP/xlsx or xls data under a ``.csv`` name) and bytes that are not UTF-8 are refused,
  saying that UTF-8 was expected and what was found (and at which byte).
* **Header first.** :func:`sniff` reads only the first line (or the Parquet footer), so callers
  know the size of the matrix and can check memory (:func:`check_table_memory`) before the body
  is read.
* **Numbers only.** Every cell after the label column must be a number: text, blank and
  missing-value cells (``n/a``, ``NA``, ...) are refused naming the row and column labels
  (:meth:`Matrix.refuse_nonfinite`; a caller may tolerate blanks in cells it does not use).
  Infinite values are refused the same way.
* **Labels as written.** Column names are taken from the header exactly (pandas would rename a
  duplicated ``AUS_c1`` to ``AUS_c1.1``), so duplicates can be named (:func:`refuse_duplicates`).

The happy path costs one header read on top of the Arrow CSV parser; the diagnosis of a bad file
(which cell, which line, which byte) runs only after a failure.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import warnings
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from gpnlab.errors import InputError
from gpnlab.resources import check_memory, human_bytes
from gpnlab.table import TableWarning

#: Bytes read to sniff the encoding and the header.
SAMPLE = 1 << 16
#: The header (first line) must end within this many bytes.
HEADER_LIMIT = 8 << 20
#: A diagnosis of a bad file reads at most this many (decompressed) bytes, and rows.
DIAGNOSIS_LIMIT = 256 << 20
MAX_DIAGNOSED_ROWS = 5_000_000
#: Float64 copies of the cells alive while a matrix is parsed (the Arrow arrays, the pandas
#: block, the float64 array, the padded table), and bytes held per byte of (decompressed) text
#: (Arrow's parse buffers). Measured: reading a 3000 x 3000 CSV Z (119 MB of text) peaks at
#: 7.8 n^2 float64 cells of resident memory, as the pandas reader did; this model gives 8.1.
PARSE_COPIES = 4
TEXT_FACTOR = 2.5
#: Fixes for an encoding problem.
UTF8_FIX = "save the file as UTF-8 CSV (Excel: 'CSV UTF-8'; or iconv -f UTF-16 -t UTF-8 FILE > NEW)"

_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data", "name the file .csv.gz"),
    (b"PAR1", "a Parquet file", "name the file .parquet"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)", "export the sheet as UTF-8 CSV"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook", "export the sheet as UTF-8 CSV"),
)


@dataclass(frozen=True)
class Header:
    """What :func:`sniff` learns without reading the body."""

    path: Path
    kind: Literal["csv", "parquet"]
    #: all header fields, the label column first
    columns: list[str]
    #: an estimate of the number of data rows (exact for Parquet)
    rows_estimate: int
    #: an estimate of the bytes of (decompressed) text, or the size of a Parquet file
    text_bytes: int

    @property
    def value_columns(self) -> list[str]:
        return self.columns[1:]

    @property
    def n_cols(self) -> int:
        return len(self.columns) - 1


@dataclass(frozen=True)
class Matrix:
    """A wide matrix as read: row labels, column labels, float64 values (NaN where a cell was
    blank or a missing-value marker)."""

    path: Path
    rows: list[str]
    cols: list[str]
    values: np.ndarray

    def refuse_nonfinite(self, field: str, mask: np.ndarray | None = None) -> None:
        """Refuse blank, missing-value (NaN) or infinite cells (only where ``mask`` is True)."""
        bad = ~np.isfinite(self.values)
        if mask is not None:
            bad &= mask
        if not bad.any():
            return
        k = int(np.count_nonzero(bad))
        i, j = (int(a) for a in np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape))
        kind = "an infinite" if np.isinf(self.values[i, j]) else "a blank or missing (n/a, NA, NaN)"
        at = f"row {self.rows[i]!r} (data row {i + 1}), column {self.cols[j]!r}"
        raise InputError(
            f"{kind} cell at {at}"
            if k == 1
            else f"{k} blank, missing or infinite cells; the first is {kind} cell at {at}",
            where=str(self.path),
            field=field,
            fix="write a number in every cell (0 for no flow); a truncated file shows up here too",
        )


# ---------------------------------------------------------------------------- paths
def expect_file(path: Path, what: str) -> None:
    """Refuse a missing path or a folder where a file is expected."""
    if path.is_dir():
        raise InputError(
            f"is a folder, but the {what} must be a file",
            where=str(path),
            field=path.name,
            fix=f"give the {what} as a file (.csv, .csv.gz or .parquet)",
        )
    if not path.exists():
        raise InputError(
            f"{what} not found", where=str(path), field=path.name, fix="check the path"
        )


def one_file(
    path: Path, endings: tuple[str, ...], *, kinds: str, what: str, skip_hidden: bool = True
) -> Path:
    """``path`` itself, or the one file of ``path`` (a folder) whose name ends in one of
    ``endings`` (case-insensitive; hidden entries skipped unless ``skip_hidden`` is False).
    ``kinds`` names the endings in the message (``"CSV"``), ``what`` the table in the fix."""
    if not path.is_dir():
        return path
    files = sorted(
        f
        for f in path.iterdir()
        if f.name.lower().endswith(endings) and not (skip_hidden and f.name.startswith("."))
    )
    if len(files) != 1:
        names = ", ".join(f.name for f in files[:5]) + (" ..." if len(files) > 5 else "")
        raise InputError(
            f"folder holds {len(files)} {kinds} files" + (f" ({names})" if files else ""),
            where=str(path),
            field="PATH",
            fix=f"give the path of one {what} (one year), or pick it with --year",
        )
    return files[0]


def first_bad_cell(texts: pa.Array) -> int:
    """Index of the first text in ``texts`` that does not cast to float64 (bisection; ``texts``
    is known to hold one)."""
    lo, hi = 0, len(texts)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            pc.cast(texts.slice(lo, mid - lo), pa.float64())
            lo = mid
        except pa.ArrowInvalid:
            hi = mid
    return lo


# ---------------------------------------------------------------------------- encodings
def encoding_problem(data: bytes, *, offset: int = 0, final: bool = True) -> str | None:
    """What ``data`` is if not UTF-8 text (``"UTF-16 (byte-order mark)"``...), else None.

    ``offset`` is the position of ``data`` in the file (for the byte number); ``final=False``
    when more bytes follow (a character cut at the end is not an error).
    """
    if offset == 0:
        for bom, name in (
            (b"\xff\xfe\x00\x00", "UTF-32 (little-endian byte-order mark)"),
            (b"\x00\x00\xfe\xff", "UTF-32 (big-endian byte-order mark)"),
            (b"\xff\xfe", "UTF-16 (little-endian byte-order mark)"),
            (b"\xfe\xff", "UTF-16 (big-endian byte-order mark)"),
        ):
            if data.startswith(bom):
                return name
    nul = data.find(b"\x00")
    if nul >= 0:
        head = data[:4096]
        if (
            len(head) >= 4
            and min(head[0::2].count(0), head[1::2].count(0)) == 0
            and max(head[0::2].count(0), head[1::2].count(0)) >= len(head) // 4
        ):
            return "UTF-16 without a byte-order mark (NUL bytes between the characters)"
        return f"binary data (a NUL byte at byte {offset + nul})"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final)
    except UnicodeDecodeError as exc:
        return (
            f"bytes that are not UTF-8 at byte {offset + exc.start} "
            f"(0x{data[exc.start]:02x}; Latin-1 or Windows-1252?)"
        )
    return None


def _refuse_encoding(path: Path, found: str) -> InputError:
    return InputError(
        f"cannot read the file as text: expected UTF-8, found {found}",
        where=str(path),
        field=path.name,
        fix=UTF8_FIX,
    )


def _gzip_error(path: Path, exc: BaseException) -> InputError:
    return InputError(
        f"truncated or corrupt gzip data ({type(exc).__name__}: {str(exc)[:80]})",
        where=str(path),
        field=path.name,
        fix="re-download or re-compress the file (gzip -t FILE checks it)",
    )


def _open_bytes(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return cast(BinaryIO, gzip.open(path, "rb"))
    return open(path, "rb")  # noqa: SIM115 - returned to a with block


def read_text_file(path: Path, *, what: str, limit: int = 4096) -> str:
    """The first ``limit`` bytes of a small text file (``unit.txt``), decoded as UTF-8."""
    expect_file(path, what)
    with open(path, "rb") as fh:
        data = fh.read(limit)
    found = encoding_problem(data, final=len(data) < limit)
    if found:
        raise _refuse_encoding(path, found)
    return data.decode("utf-8-sig", errors="ignore")


# ---------------------------------------------------------------------------- header
def sniff(path: Path, *, what: str = "matrix") -> Header:
    """Check the file and read its header (first line, or the Parquet footer) only."""
    expect_file(path, what)
    try:
        if path.name.endswith(".parquet"):
            return _sniff_parquet(path)
        return _sniff_csv(path)
    except OSError as exc:  # permissions, a vanished file, an I/O error
        raise InputError(
            f"cannot read the file ({exc.strerror or type(exc).__name__})",
            where=str(path),
            field=path.name,
            fix="check that the file is readable (permissions, a mounted disk)",
        ) from exc


def _sniff_csv(path: Path) -> Header:
    size = path.stat().st_size
    if size == 0:
        raise InputError(
            "the file is empty (0 bytes)",
            where=str(path),
            field=path.name,
            fix="write the matrix into it, or re-download it",
        )
    with open(path, "rb") as raw:
        magic = raw.read(8)
    gz = path.name.endswith(".gz")
    if gz and not magic.startswith(b"\x1f\x8b"):
        raise InputError(
            "not gzip data although the name ends in .gz"
            + (f" (found {_describe(magic)})" if _describe(magic) else ""),
            where=str(path),
            field=path.name,
            fix="gzip the CSV file, or drop the .gz from its name",
        )
    if not gz:
        for sig, name, fix in _MAGIC:
            if magic.startswith(sig):
                raise InputError(
                    f"cannot read the file as text: expected UTF-8 CSV, found {name}",
                    where=str(path),
                    field=path.name,
                    fix=fix,
                )
    chunk, eof = _read_head(path)
    if not chunk.strip():
        raise InputError(
            "the file is empty (no data" + (" after decompression)" if gz else ")"),
            where=str(path),
            field=path.name,
            fix="write the matrix into it, or re-download it",
        )
    found = encoding_problem(chunk, final=eof)
    if found:
        raise _refuse_encoding(path, found)
    text = chunk.decode("utf-8", errors="ignore")
    if text.startswith("\ufeff"):
        text = text[1:]
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]  # Arrow ends lines at both
    end = min(ends) if ends else -1
    if end < 0 and not eof:
        raise InputError(
            f"the first line is longer than {human_bytes(HEADER_LIMIT)}: not a CSV matrix",
            where=str(path),
            field=path.name,
            fix="give a comma-separated file with one header line",
        )
    first = text if end < 0 else text[:end]
    try:
        columns = next(csv.reader([first]), [])
    except csv.Error as exc:
        raise InputError(
            f"the header is not a CSV line ({exc})",
            where=str(path),
            field=path.name,
            fix="give a comma-separated file with one header line",
        ) from exc
    if len(columns) < 2:
        seps = [s for s in (";", "\t", "|") if s in first]
        raise InputError(
            (
                f"the header has one field; the file seems separated by {seps[0]!r}"
                if seps
                else "the header has only the label column: the matrix has no columns "
                "(an empty table?)"
            )
            + ", expected a label column and value columns separated by commas",
            where=str(path),
            field=path.name,
            fix="save the matrix as comma-separated CSV with a header line",
        )
    body = text[end + 1 :].lstrip("\n") if end >= 0 else ""
    if not body.strip() and eof:
        raise InputError(
            "the file has a header but no data rows",
            where=str(path),
            field=path.name,
            fix="write the rows of the matrix below the header (a truncated file shows "
            "up here too)",
        )
    total = size if not gz else max(_gzip_isize(path), len(chunk))
    rows = len(columns) - 1
    lines = body.count("\n")
    if lines:
        per_line = len(body[: body.rfind("\n") + 1].encode("utf-8")) / lines
        rows = max(rows, int((total - (len(chunk) - len(body.encode("utf-8")))) / per_line))
    if not gz and not _ends_with_newline(path):
        warnings.warn(
            f"{path}: the file does not end with a line break; if it was cut short, the last "
            "number may be incomplete (re-download it if in doubt)",
            TableWarning,
            stacklevel=3,
        )
    return Header(path=path, kind="csv", columns=columns, rows_estimate=rows, text_bytes=total)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) in (b"\n", b"\r")


def _read_head(path: Path) -> tuple[bytes, bool]:
    """The first bytes of the (decompressed) file, up to the end of the first line; and whether
    the end of the file was reached."""
    parts: list[bytes] = []
    got = 0
    try:
        with _open_bytes(path) as fh:
            while got < HEADER_LIMIT:
                part = fh.read(SAMPLE)
                if not part:
                    return b"".join(parts), True
                parts.append(part)
                got += len(part)
                if len(part) < SAMPLE:  # buffered reads are short only at the end
                    return b"".join(parts), True
                if b"\n" in part:
                    break
            return b"".join(parts), False
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        if parts:
            return b"".join(parts), True
        raise _gzip_error(path, exc) from exc


def _gzip_isize(path: Path) -> int:
    """Uncompressed size recorded in the gzip trailer (modulo 4 GiB; an estimate)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(-4, os.SEEK_END)
            return int.from_bytes(fh.read(4), "little")
    except OSError:
        return 0


def _describe(magic: bytes) -> str:
    for sig, name, _fix in _MAGIC:
        if magic.startswith(sig):
            return name
    return ""


def _sniff_parquet(path: Path) -> Header:
    import pyarrow.parquet as pq

    with open(path, "rb") as raw:
        magic = raw.read(4)
    if magic != b"PAR1":
        found = _describe(magic) or (
            "text (a CSV file?)" if encoding_problem(magic) is None else "other data"
        )
        raise InputError(
            f"not a Parquet file (found {found})",
            where=str(path),
            field=path.name,
            fix="write the matrix with pandas.DataFrame.to_parquet, or name a CSV file .csv",
        )
    try:
        pf = pq.ParquetFile(path)
        names = list(pf.schema_arrow.names)
        rows = int(pf.metadata.num_rows)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(
            f"cannot read the Parquet file ({type(exc).__name__}: {str(exc)[:100]})",
            where=str(path),
            field=path.name,
            fix="re-export or re-download the file; it may be truncated",
        ) from exc
    names = [c for c in names if not c.startswith("__index_level_")]
    if not names or names[0] != "label":
        raise InputError(
            "first column must be named 'label'",
            where=str(path),
            field="label",
            fix="store row labels in a first column called label",
        )
    if len(names) < 2:
        raise InputError(
            "no value columns after the label column",
            where=str(path),
            field=path.name,
            fix="store the matrix with one column per label",
        )
    if rows == 0:
        raise InputError(
            "the file has no data rows",
            where=str(path),
            field=path.name,
            fix="store the rows of the matrix (a truncated file shows up here too)",
        )
    return Header(
        path=path, kind="parquet", columns=names, rows_estimate=rows, text_bytes=path.stat().st_size
    )


# ---------------------------------------------------------------------------- memory
def check_table_memory(
    where: Path,
    *,
    cells: float,
    n: int,
    G: int,
    text_bytes: float = 0.0,
    extra_cells: float = 0.0,
    copies: int = PARSE_COPIES,
) -> None:
    """Refuse, before the body is read, a table whose reading or measurement would not fit.

    Reading holds ``copies`` float64 copies of the ``cells`` being parsed (``extra_cells`` for
    the smaller files read beside them) and :data:`TEXT_FACTOR` bytes per byte of text;
    measuring holds the table's ``Z`` plus what
    :func:`gpnlab.measure.indicators.memory_estimate` counts for ``n`` rows and ``G`` countries.
    The larger of the two phases is checked (:func:`gpnlab.resources.check_memory`).
    """
    from gpnlab.measure.indicators import memory_estimate

    parse = 8.0 * copies * (cells + extra_cells) + TEXT_FACTOR * text_bytes
    measure = 8.0 * (n * n + extra_cells) + memory_estimate(n, max(G, 1))
    check_memory(
        max(parse, measure),
        what=f"reading and measuring this table ({n:,} rows and columns, {max(G, 1)} countries)",
        where=str(where),
        field="PATH",
        fix="aggregate the table before reading it, or raise --max-memory on a larger machine",
    )


def count_countries(labels: Iterable[str]) -> int:
    """Distinct ``COUNTRY`` prefixes of ``COUNTRY_CODE`` labels (a header-only estimate of G)."""
    return len({str(lab).strip().partition("_")[0] for lab in labels})


# ---------------------------------------------------------------------------- labels
def refuse_duplicates(labels: Sequence[str], *, where: Path, field: str, axis: str) -> None:
    """Name duplicated labels (``axis`` is ``"row"`` or ``"column"``) with their positions."""
    seen: dict[str, int] = {}
    dups: dict[str, list[int]] = {}
    for pos, lab in enumerate(labels, start=1):
        if lab in seen:
            dups.setdefault(lab, [seen[lab]]).append(pos)
        else:
            seen[lab] = pos
    if not dups:
        return
    where_word = "data rows" if axis == "row" else "columns"
    shown = "; ".join(
        f"{lab!r} ({where_word} {', '.join(map(str, p))})" for lab, p in list(dups.items())[:5]
    )
    more = f" and {len(dups) - 5} more" if len(dups) > 5 else ""
    raise InputError(
        f"duplicated {axis} label{'s' if len(dups) > 1 else ''} {shown}{more}",
        where=str(where),
        field=field,
        fix=f"each {axis} label may appear once; remove or rename the repeated {axis}s",
    )


# ---------------------------------------------------------------------------- body
def read_matrix(header: Header, *, field: str) -> Matrix:
    """Read the body of the file ``header`` describes; cells that are not numbers are refused
    (blank and missing-value cells become NaN: check them with :meth:`Matrix.refuse_nonfinite`)."""
    path = header.path
    try:
        table = _read_parquet(header) if header.kind == "parquet" else _read_csv(header)
        rows = [str(r) for r in table.column(0).to_pylist()]
        body = _numeric(header, table, rows, field)
        del table
        values = body.to_pandas().to_numpy(dtype=np.float64, na_value=np.nan)
        del body
        pa.default_memory_pool().release_unused()  # hand the parse buffers back before measuring
    except InputError:
        raise
    except MemoryError as exc:
        raise InputError(
            f"out of memory while reading the file ({type(exc).__name__})",
            where=str(path),
            field=field,
            fix="aggregate the table, or read it on a machine with more memory",
        ) from exc
    except (pa.ArrowException, OSError, EOFError, zlib.error, ValueError) as exc:
        raise diagnose(header, exc) from exc
    return Matrix(path=path, rows=rows, cols=list(header.value_columns), values=values)


def _read_csv(header: Header) -> pa.Table:
    names = [f"c{i}" for i in range(len(header.columns))]
    return pacsv.read_csv(
        header.path,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(
            column_types={"c0": pa.string()}, strings_can_be_null=False
        ),
    )


def _read_parquet(header: Header) -> pa.Table:
    import pyarrow.parquet as pq

    table = pq.read_table(header.path)
    keep = [i for i, c in enumerate(table.column_names) if not c.startswith("__index_level_")]
    table = table.select(keep)
    names = [f"c{i}" for i in range(table.num_columns)]
    return table.rename_columns(names).set_column(0, "c0", pc.cast(table.column(0), pa.string()))


def _numeric(header: Header, table: pa.Table, rows: list[str], field: str) -> pa.Table:
    """The value columns of ``table``, every one numeric (or refused naming the first bad
    cell)."""
    body = table.select(list(range(1, table.num_columns)))
    for j in range(body.num_columns):
        col = body.column(j)
        t = col.type
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            continue
        name = body.column_names[j]
        if pa.types.is_null(t) or pa.types.is_decimal(t):
            body = body.set_column(j, name, pc.cast(col, pa.float64()))
            continue
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            raise diagnose(header, ValueError(f"column {j + 1} is not UTF-8 text"))
        texts = col if pa.types.is_string(t) or pa.types.is_large_string(t) else None
        if texts is None:
            texts = pc.cast(col, pa.string())
        trimmed = pc.utf8_trim_whitespace(texts)
        try:
            body = body.set_column(j, name, pc.cast(trimmed, pa.float64()))
        except pa.ArrowInvalid:
            raise _bad_cell(header, rows, j, trimmed.combine_chunks(), field) from None
    return body


def _bad_cell(header: Header, rows: list[str], j: int, texts: pa.Array, field: str) -> InputError:
    lo = first_bad_cell(texts)
    text = texts[lo].as_py()
    col = header.value_columns[j]
    what = "blank cell" if not text else f"cell {text[:40]!r} is not a number"
    return InputError(
        f"{what} at row {rows[lo]!r} (data row {lo + 1}), column {col!r}",
        where=str(header.path),
        field=field,
        fix="write a number in every cell (0 for no flow); remove text, footnotes and thousands "
        "separators",
    )


# ---------------------------------------------------------------------------- diagnosis
def diagnose(header: Header, exc: BaseException) -> InputError:
    """The one-line reason a file failed to parse: its encoding, a truncated gzip stream, the
    first row with the wrong number of fields, or else the parser's message."""
    path = header.path
    if header.kind == "csv":
        found = _scan(header)
        if found is not None:
            return found
    msg = " ".join(str(exc).split())[:160]
    return InputError(
        f"cannot read the file ({type(exc).__name__}: {msg}); it may be truncated or not a "
        "wide labelled matrix",
        where=str(path),
        field=path.name,
        fix="re-export or re-download the file",
    )


def _scan(header: Header) -> InputError | None:
    """Read the file again (at most :data:`DIAGNOSIS_LIMIT` bytes) to find what is wrong."""
    path = header.path
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    try:
        with _open_bytes(path) as fh:
            while offset < DIAGNOSIS_LIMIT:
                part = fh.read(1 << 20)
                if not part:
                    break
                found = encoding_problem(part, offset=offset, final=False)
                if found is None:
                    try:
                        decoder.decode(part, False)
                    except UnicodeDecodeError as e:
                        found = f"bytes that are not UTF-8 near byte {offset + e.start}"
                if found is not None:
                    return _refuse_encoding(path, found)
                offset += len(part)
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        return _gzip_error(path, e)
    except OSError:
        return None
    return _field_counts(header)


def _field_counts(header: Header) -> InputError | None:
    """The first data row whose number of fields differs from the header's."""
    k = len(header.columns)
    try:
        with _open_bytes(header.path) as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(text)
            next(reader, None)
            for i, rec in enumerate(reader, start=1):
                if not rec:
                    continue
                if len(rec) != k:
                    last = next(reader, None) is None
                    label = rec[0][:40] if rec else ""
                    return InputError(
                        f"data row {i} ({label!r}) has {len(rec)} fields, the header has {k}"
                        + ("; the file looks truncated" if last and len(rec) < k else ""),
                        where=str(header.path),
                        field=header.path.name,
                        fix="give every row one label and one value per header column "
                        "(re-download a truncated file)",
                    )
                if i >= MAX_DIAGNOSED_ROWS:  # pragma: no cover - a bound on the diagnosis
                    break
    except (OSError, EOFError, zlib.error, csv.Error):
        return None
    return None
