"""Non-productive, singular and overflowing tables are one-line errors, never a crash (issue 9);
the factorisation still gives scipy.linalg.inv's bits on general matrices."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg

from gpnlab.errors import InputError
from gpnlab.measure import leontief_system, measure_all
from gpnlab.measure.indicators import Indicators, check_finite, memory_estimate
from gpnlab.measure.leontief import inverse_via_lu
from gpnlab.resources import ResourceError
from gpnlab.synthetic import random_table
from gpnlab.table import IOTable
from tests.io.helpers import assert_one_error_line, own_from_arrays, run_cli

ROWS = [("A", "s"), ("B", "s")]
FD = [("A", "F"), ("B", "F")]


def table(Z: list[list[float]], Y: list[list[float]]) -> IOTable:
    return IOTable.build(np.asfortranarray(Z, dtype=float), np.array(Y, float), ROWS, FD)


def test_symmetric_singular_table_is_one_line() -> None:
    # I - A = [[1, -1], [-1, 1]]: scipy.linalg.inv(..., overwrite_a=True) segfaulted on it
    t = table([[0, 100], [100, 0]], [[0, 0], [0, 0]])
    with pytest.raises(InputError) as info:
        leontief_system(t)
    msg = str(info.value)
    assert "I - A is singular" in msg and "not productive" in msg and "\n" not in msg
    assert "2 sectors buy inputs worth at least their output (first: A_s, B_s)" in msg


def test_issue_example_negative_final_demand_is_not_productive() -> None:
    t = table([[0, 100], [100, 0]], [[-50, 0], [0, -50]])
    with pytest.raises(InputError, match="not productive: .I - A.\\^-1 has negative entries"):
        measure_all(t)


@pytest.mark.parametrize("final_demand", ["0", "-50"])
def test_cli_symmetric_table_exits_2_not_139(tmp_path: Path, final_demand: str) -> None:
    y = float(final_demand)
    folder = own_from_arrays(
        tmp_path / "t",
        np.array([[0.0, 100], [100, 0]]),
        np.array([[y, 0], [0, y]]),
        ["A_s", "B_s"],
        ["A_F", "B_F"],
    )
    out = tmp_path / "out"
    proc = run_cli("measure", str(folder), "--out", str(out), "--no-figures")
    assert proc.returncode != -11, "segfault"
    assert_one_error_line(proc, "not productive", str(folder))
    assert not out.exists()


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n", [1, 7, 60])
def test_inverse_has_scipy_bits_and_leaves_its_input(order: str, n: int) -> None:
    rng = np.random.default_rng(n)
    M = np.asarray(np.eye(n) * n - rng.random((n, n)), order=order)  # type: ignore[call-overload]
    before = M.copy()
    B = inverse_via_lu(M)
    np.testing.assert_array_equal(M, before)
    np.testing.assert_array_equal(B, scipy.linalg.inv(M.copy(order="A")))
    assert B.flags.f_contiguous == M.flags.f_contiguous or n == 1


def test_inverse_refuses_empty_nonfinite_and_near_singular() -> None:
    with pytest.raises(InputError, match="empty"):
        inverse_via_lu(np.zeros((0, 0)))
    with pytest.raises(InputError, match="overflow"):
        inverse_via_lu(np.array([[1.0, np.inf], [0, 1]]))
    eps = np.finfo(float).eps
    with pytest.raises(InputError, match="reciprocal condition number"):
        inverse_via_lu(np.array([[1.0, 1.0], [1.0, 1.0 + eps]]))
    with pytest.raises(InputError, match="singular"):
        inverse_via_lu(np.zeros((3, 3)))


def test_reference_tables_are_unchanged() -> None:
    t = random_table(5, 6, seed=2, zero_sectors=2, negative_inventories=True)
    sys_ = leontief_system(t)
    ref = scipy.linalg.inv(np.eye(t.n) - sys_.A)
    np.testing.assert_allclose(sys_.B, ref, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- results and memory
def test_measure_refuses_when_memory_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    t = random_table(3, 4, seed=1)
    monkeypatch.setenv("GPNLAB_MAX_MEMORY", "1K")
    with pytest.raises(ResourceError, match="measuring a table of 12 rows") as info:
        measure_all(t)
    assert "GPNLAB_MAX_MEMORY" in str(info.value)


def test_check_finite_refuses_infinite_and_nan_money_but_not_undefined_shares() -> None:
    t = random_table(2, 2, seed=1)
    ind = measure_all(t)
    ind.country.loc["C01", "vax_ratio"] = np.nan  # a share of nothing: allowed
    check_finite(ind, t)
    bad = Indicators(
        country=ind.country.assign(dva=[np.inf, 1.0]),
        sector=ind.sector,
        bilateral=ind.bilateral,
        kww=ind.kww,
    )
    with pytest.raises(InputError, match="the results overflow: 1 infinite or NaN values in"):
        check_finite(bad, t)
    bad.country = ind.country.assign(vax_ratio=[np.inf, 1.0])
    with pytest.raises(InputError, match="country.vax_ratio"):
        check_finite(bad, t)
    bad.country = ind.country
    bad.kww = ind.kww.assign(DDC=np.nan)
    with pytest.raises(InputError, match="kww.DDC"):
        check_finite(bad, t)


def test_results_are_finite_on_large_but_representable_values() -> None:
    t = random_table(3, 3, seed=4)
    big = IOTable.build(
        t.Z * 1e290, t.Y * 1e290, t.labels, t.fd_labels, source="big"
    )  # sums fit in a double
    try:
        ind = measure_all(big, with_wwz=True, with_sink=True)
    except InputError as exc:
        assert "overflow" in str(exc)
    else:
        for df in (ind.country, ind.bilateral, ind.kww):
            num = df.select_dtypes("number").to_numpy()
            assert not np.isinf(num).any()


@pytest.mark.parametrize(("G", "N"), [(8, 3), (3, 8), (20, 1), (6, 6)])
@pytest.mark.parametrize("extras", [False, True])
def test_memory_estimate_covers_the_measured_peak(G: int, N: int, extras: bool) -> None:
    t = random_table(G, N, seed=3)
    tracemalloc.start()
    try:
        measure_all(t, with_wwz=extras, with_sink=extras)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # tracemalloc also sees pandas' and Python's small objects; allow a fixed 2 MiB for them
    assert peak <= memory_estimate(t.n, t.G, with_wwz=extras, with_sink=extras) + 2**21


def test_overflow_in_a_file_is_one_line(tmp_path: Path) -> None:
    folder = own_from_arrays(
        tmp_path / "t",
        np.full((2, 2), 1e308),
        np.full((2, 2), 1e308),
        ["A_s", "B_s"],
        ["A_F", "B_F"],
    )
    (folder / "x.csv").unlink()  # its row sums are infinite themselves
    out = tmp_path / "out"
    proc = run_cli("measure", str(folder), "--out", str(out), "--no-figures")
    assert_one_error_line(proc, "values overflow", "larger unit")
    assert "RuntimeWarning" not in proc.stderr
    assert not out.exists()
