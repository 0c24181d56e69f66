"""Fuzz the table readers and the measurement (issue 9, item 5).

Inputs, from the committed seed corpus (``tests/fuzz/corpus/tables``: a 2 x 2 own-layout table
as CSV, gzipped CSV and Parquet, a 2021-layout OECD ICIO file with China split, and known-bad
regressions): random bytes, truncations, byte flips / inserts / deletes, and random edits of
cells (text, blanks, ``n/a``, huge, tiny, infinite, negative numbers...), of lines (deleted,
duplicated, swapped) and of labels; gzipped files are edited both as compressed bytes and as
their text; Parquet files both as bytes and as cells.

Property: ``read_table`` followed by ``measure_all`` either succeeds with outputs that are never
infinite (and NaN only where a column is undefined by definition,
:data:`gpnlab.measure.indicators.MAY_BE_NAN`), or raises :class:`InputError` whose message is
one line -- never any other exception. At the command line: exit code 0, or 2 with exactly one
``error:`` line on stderr and no traceback (and no output folder).

The default run takes about 10 s (``FAST`` examples per test, derandomised so CI is stable);
``pytest -m slow tests/fuzz`` runs many more, randomly.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.io import read_table
from gpnlab.measure import measure_all
from gpnlab.measure.indicators import MAY_BE_NAN
from tests.io.helpers import run_cli

CORPUS = Path(__file__).parent / "corpus" / "tables"
OWN = {"csv": CORPUS / "own_csv", "gz": CORPUS / "own_gz", "parquet": CORPUS / "own_parquet"}
ICIO = CORPUS / "icio_2018.csv"

FAST = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Cell values that broke or nearly broke readers before.
TOKENS = [
    "",
    " ",
    "n/a",
    "NA",
    "nan",
    "NaN",
    "null",
    "abc",
    "1,5",
    "1.5.2",
    "1_000",
    "0x10",
    "true",
    "2020-01-01",
    "1e308",
    "-1e308",
    "1e309",
    "inf",
    "-inf",
    "1e-320",
    "-0",
    "0",
    "-5",
    "-1e20",
    "99999999999999999999999",
    "9" * 400,
    '"',
    '"quoted"',
    "\x00",
    "é",
    "\ufeff",
    "\r",
    "\n",
    "A_s1",
    "C01_s01",
]


# ---------------------------------------------------------------- the property
def outcome(path: Path, fmt: str, merge_split: bool = True) -> str:
    """Read and measure; ``"ok"`` or ``"refused"``. Any other exception fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = read_table(path, fmt, merge_split=merge_split)
            ind = measure_all(table)
    except InputError as exc:
        msg = str(exc)
        assert "\n" not in msg and "\r" not in msg, repr(msg)
        assert msg.strip(), "empty message"
        return "refused"
    frames = {"country": ind.country, "sector": ind.sector, "bilateral": ind.bilateral}
    frames["kww"] = ind.kww
    for name, df in frames.items():
        for col in df.columns:
            if not pd.api.types.is_float_dtype(df[col].dtype):
                continue
            v = df[col].to_numpy()
            assert not np.isinf(v).any(), f"{name}.{col} is infinite"
            if col not in MAY_BE_NAN:
                assert not np.isnan(v).any(), f"{name}.{col} is NaN"
    return "ok"


# ---------------------------------------------------------------- mutations
@st.composite
def byte_edits(draw: st.DrawFn, data: bytes) -> bytes:
    """A few flips, inserts, deletes or overwrites at random positions, or a truncation."""
    out = bytearray(data)
    if draw(st.booleans()):
        return bytes(out[: draw(st.integers(0, max(len(out) - 1, 0)))])
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(out)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "overwrite"]))
        blob = draw(st.binary(min_size=1, max_size=6))
        if op == "flip" and pos < len(out):
            out[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            out[pos:pos] = blob
        elif op == "delete":
            del out[pos : pos + len(blob)]
        else:
            out[pos : pos + len(blob)] = blob
    return bytes(out)


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> str:
    """Edits of a CSV text: cells replaced by :data:`TOKENS` or random text, lines deleted,
    duplicated or swapped, the header edited."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "delete", "duplicate", "swap"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "cell":
            cells = lines[i].split(",")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)))
            lines[i] = ",".join(cells)
        elif kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        else:
            k = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))


def with_copy(src: Path, run: Callable[[Path], None]) -> None:
    """Run ``run`` on a fresh copy of ``src`` (a folder or a file) in a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp) / src.name
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy(src, dst)
        run(dst)


OWN_FILES = {"csv": ["Z.csv", "Y.csv", "x.csv"], "gz": ["Z.csv.gz", "Y.csv.gz", "x.csv.gz"]}
OWN_FILES["parquet"] = ["Z.parquet", "Y.parquet", "x.parquet"]


# ---------------------------------------------------------------- the own layout
def _own_bytes(kind: str, name: str, data: bytes) -> None:
    def run(folder: Path) -> None:
        (folder / name).write_bytes(data)
        outcome(folder, "own")

    with_copy(OWN[kind], run)


def _check_own_random_bytes(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(OWN)))
    name = data.draw(st.sampled_from(OWN_FILES[kind]))
    _own_bytes(kind, name, data.draw(st.binary(max_size=300)))


def _check_own_byte_edits(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(OWN)))
    name = data.draw(st.sampled_from(OWN_FILES[kind]))
    _own_bytes(kind, name, data.draw(byte_edits((OWN[kind] / name).read_bytes())))


def _check_own_text_edits(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(["csv", "gz"]))
    name = data.draw(st.sampled_from(OWN_FILES[kind]))
    raw = (OWN[kind] / name).read_bytes()
    text = (gzip.decompress(raw) if kind == "gz" else raw).decode()
    edited = data.draw(text_edits(text)).encode("utf-8", errors="surrogatepass")
    _own_bytes(kind, name, gzip.compress(edited, mtime=0) if kind == "gz" else edited)


def _check_own_parquet_cells(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(OWN_FILES["parquet"]))
    df = pd.read_parquet(OWN["parquet"] / name)
    i = data.draw(st.integers(0, len(df) - 1))
    col = data.draw(st.sampled_from(list(df.columns)))
    value = data.draw(
        st.one_of(
            st.sampled_from(TOKENS),
            st.floats(allow_nan=True, allow_infinity=True),
            st.none(),
        )
    )
    df = df.astype(object)
    df.iloc[i, list(df.columns).index(col)] = value
    buf = io.BytesIO()
    try:
        df.to_parquet(buf, index=False)
    except Exception:  # a column pandas cannot store (mixed types): store as text
        df.astype(str).to_parquet(buf, index=False)
    _own_bytes("parquet", name, buf.getvalue())


# ---------------------------------------------------------------- OECD ICIO
def _icio(data_bytes: bytes, merge_split: bool) -> None:
    def run(path: Path) -> None:
        path.write_bytes(data_bytes)
        outcome(path, "oecd-icio", merge_split=merge_split)

    with_copy(ICIO, run)


def _check_icio_bytes(data: st.DataObject) -> None:
    raw = ICIO.read_bytes()
    blob = data.draw(st.one_of(st.binary(max_size=300), byte_edits(raw)))
    _icio(blob, data.draw(st.booleans()))


def _check_icio_text_edits(data: st.DataObject) -> None:
    edited = data.draw(text_edits(ICIO.read_text()))
    _icio(edited.encode("utf-8", errors="surrogatepass"), data.draw(st.booleans()))


CHECKS = {
    "own_random_bytes": _check_own_random_bytes,
    "own_byte_edits": _check_own_byte_edits,
    "own_text_edits": _check_own_text_edits,
    "own_parquet_cells": _check_own_parquet_cells,
    "icio_bytes": _check_icio_bytes,
    "icio_text_edits": _check_icio_text_edits,
}


@pytest.mark.parametrize("check", sorted(CHECKS))
@FAST
@given(data=st.data())
def test_fuzz_tables(check: str, data: st.DataObject) -> None:
    CHECKS[check](data)


@pytest.mark.slow
@pytest.mark.parametrize("check", sorted(CHECKS))
@SLOW
@given(data=st.data())
def test_fuzz_tables_long(check: str, data: st.DataObject) -> None:
    CHECKS[check](data)


def test_seed_corpus_outcomes() -> None:
    """The good seeds measure; the regressions of issue 9 are refused in one line."""
    assert outcome(OWN["csv"], "own") == "ok"
    assert outcome(OWN["gz"], "own") == "ok"
    assert outcome(OWN["parquet"], "own") == "ok"
    assert outcome(ICIO, "oecd-icio", merge_split=True) == "ok"
    assert outcome(ICIO, "oecd-icio", merge_split=False) == "ok"
    assert outcome(CORPUS / "own_singular", "own") == "refused"
    assert outcome(CORPUS / "own_utf16", "own") == "refused"
    for merge in (True, False):
        assert outcome(CORPUS / "icio_duplicated_row.csv", "oecd-icio", merge) == "refused"


# ---------------------------------------------------------------- the command line
CLI_CASES = {
    "own_csv": ("own", 0),
    "own_singular": ("own", 2),
    "icio_duplicated_row.csv": ("oecd-icio", 2),
}
CLI_SLOW = {
    "own_gz": ("own", 0),
    "own_parquet": ("own", 0),
    "icio_2018.csv": ("oecd-icio", 0),
    "own_utf16": ("own", 2),
}


def _cli(name: str, fmt: str, expected: int, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("measure", str(CORPUS / name), "--format", fmt, "--out", str(out))
    assert proc.returncode in (0, 2), (proc.returncode, proc.stderr[-2000:])
    assert proc.returncode == expected, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    if proc.returncode == 2:
        assert len(errors) == 1, proc.stderr
        assert list(tmp_path.iterdir()) == []  # nothing written
    else:
        assert not errors and (out / "country.csv").exists()
        assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing outside --out


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_cli_on_corpus(name: str, tmp_path: Path) -> None:
    _cli(name, *CLI_CASES[name], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLI_SLOW))
def test_cli_on_corpus_slow(name: str, tmp_path: Path) -> None:
    _cli(name, *CLI_SLOW[name], tmp_path)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, database=None)
@given(data=st.data())
def test_cli_on_mutated_files(data: st.DataObject) -> None:
    """Random edits of the own CSV seed, through the CLI: exit 0 or 2 with one line."""
    name = data.draw(st.sampled_from(OWN_FILES["csv"]))
    text = (OWN["csv"] / name).read_text()
    edited = data.draw(text_edits(text)).encode("utf-8", errors="surrogatepass")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "t"
        shutil.copytree(OWN["csv"], folder)
        (folder / name).write_bytes(edited)
        out = Path(tmp) / "out"
        proc = run_cli("measure", str(folder), "--out", str(out), "--no-figures")
        assert proc.returncode in (0, 2), (proc.returncode, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr
        if proc.returncode == 2:
            assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]) == 1
            assert not out.exists()
