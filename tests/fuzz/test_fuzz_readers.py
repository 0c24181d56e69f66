"""Fuzz the release-layout readers (OECD ICIO 2016 and 2021, WIOD 2016, ADB MRIO, FIGARO), in the
style of tests/fuzz/test_fuzz_tables.py.

Seeds: small valid files in each exact layout (tests/io/layouts.py). Inputs: random bytes,
truncations, byte flips / inserts / deletes, and random edits of cells (the tokens that broke
readers before: text, blanks, ``n/a``, huge, tiny, infinite numbers ...) and of lines (deleted,
duplicated, swapped). Property, as for the other readers: ``read_table`` then ``measure_all``
either succeeds with finite outputs or raises :class:`InputError` with a one-line message --
never any other exception (:func:`tests.fuzz.test_fuzz_tables.outcome`).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpnlab.io.figaro import FD_CODES
from tests.fuzz.test_fuzz_tables import SLOW, byte_edits, outcome, text_edits
from tests.io.layouts import (
    ADB_FD,
    FD_2016,
    FD_2021,
    WIOD_FD,
    make_truth,
    write_adb,
    write_figaro,
    write_icio_2016,
    write_icio_2021,
    write_wiod2016,
)

FAST = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SEEDS = Path(tempfile.mkdtemp(prefix="gpnlab-fuzz-readers-"))
atexit.register(shutil.rmtree, SEEDS, ignore_errors=True)


def _seed(name: str, write: Callable[[Path], object]) -> Path:
    p = SEEDS / name
    write(p)
    return p


#: (seed file, --format) per layout; tiny tables so that each example reads and measures fast
LAYOUTS: dict[str, tuple[Path, str]] = {
    "icio2016": (
        _seed(
            "ICIO2016_2003.csv",
            lambda p: write_icio_2016(
                p,
                make_truth(
                    ["AUS", "CN1", "CN2"],
                    ["C01", "C10"],
                    ["AUS", "CHN"],
                    FD_2016,
                    seed=1,
                    n_others=1,
                ),
                zero_rows=("CHN",),
            ),
        ),
        "oecd-icio",
    ),
    "icio2021": (
        _seed(
            "ICIO2021_2018.csv",
            lambda p: write_icio_2021(
                p,
                make_truth(
                    ["AUS", "MX1", "MX2"],
                    ["01T02", "10T12"],
                    ["AUS", "MEX"],
                    FD_2021,
                    seed=2,
                    n_others=1,
                ),
                tax_countries=["AUS", "MEX"],
            ),
        ),
        "oecd-icio",
    ),
    "wiod2016": (
        _seed(
            "WIOT2014_Nov16_ROW.csv",
            lambda p: write_wiod2016(
                p,
                make_truth(
                    ["AUS", "ROW"], ["A01", "B"], ["AUS", "ROW"], WIOD_FD, seed=3, n_others=4
                ),
            ),
        ),
        "wiod2016",
    ),
    "adb": (
        _seed(
            "ADB-MRIO-2019.csv",
            lambda p: write_adb(
                p,
                make_truth(
                    ["PRC", "RoW"], ["c1", "c2"], ["PRC", "RoW"], ADB_FD, seed=4, n_others=4
                ),
            ),
        ),
        "adb",
    ),
    "figaro": (
        _seed(
            "flatfile_2020.csv",
            lambda p: write_figaro(
                p,
                make_truth(
                    ["AT", "BE"], ["A01", "B"], ["AT", "BE"], list(FD_CODES), seed=5, n_others=4
                ),
            ),
        ),
        "figaro",
    ),
}


def _run(layout: str, blob: bytes) -> None:
    seed, fmt = LAYOUTS[layout]
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / seed.name
        p.write_bytes(blob)
        outcome(p, fmt)


def _check_bytes(layout: str, data: st.DataObject) -> None:
    raw = LAYOUTS[layout][0].read_bytes()
    _run(layout, data.draw(st.one_of(st.binary(max_size=300), byte_edits(raw))))


def _check_text(layout: str, data: st.DataObject) -> None:
    text = LAYOUTS[layout][0].read_text()
    _run(layout, data.draw(text_edits(text)).encode("utf-8", errors="surrogatepass"))


CHECKS = [(layout, kind) for layout in LAYOUTS for kind in ("bytes", "text")]


def _check(layout: str, kind: str, data: st.DataObject) -> None:
    (_check_bytes if kind == "bytes" else _check_text)(layout, data)


def test_seeds_are_valid() -> None:
    for layout, (seed, fmt) in LAYOUTS.items():
        assert outcome(seed, fmt) == "ok", layout


@pytest.mark.parametrize(("layout", "kind"), CHECKS)
@FAST
@given(data=st.data())
def test_fuzz_readers(layout: str, kind: str, data: st.DataObject) -> None:
    _check(layout, kind, data)


@pytest.mark.slow
@pytest.mark.parametrize(("layout", "kind"), CHECKS)
@SLOW
@given(data=st.data())
def test_fuzz_readers_long(layout: str, kind: str, data: st.DataObject) -> None:
    _check(layout, kind, data)
