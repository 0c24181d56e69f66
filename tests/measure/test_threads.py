"""BLAS thread rule (issue 13, item 8): which count is used, that it is restored, and how much
the results move between thread counts."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from gpnlab.errors import InputError
from gpnlab.measure import leontief_system, measure_all, production_participation
from gpnlab.measure import threads as threads_mod
from gpnlab.measure.threads import (
    MAX_THREADS,
    SINGLE_THREAD_BELOW,
    available_cores,
    blas_limit,
    blas_threads,
)
from gpnlab.synthetic import random_table

# ``gpnlab.measure.leontief`` is also a function exported by gpnlab.measure: take the module
leontief_mod = importlib.import_module("gpnlab.measure.leontief")


def blas_counts() -> list[int]:
    return [int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Record the BLAS thread counts in force while leontief_system inverts ``I - A``."""
    seen: list[list[int]] = []
    real = leontief_mod.inverse_via_lu

    def wrapped(M: np.ndarray, *, where: str = "table") -> np.ndarray:
        seen.append(blas_counts())
        return real(M, where=where)

    monkeypatch.setattr(leontief_mod, "inverse_via_lu", wrapped)
    return seen


def test_rule() -> None:
    assert blas_threads(10) == 1
    assert blas_threads(SINGLE_THREAD_BELOW - 1) == 1
    above = max(1, min(available_cores() - 1, MAX_THREADS))
    assert blas_threads(SINGLE_THREAD_BELOW) == above
    assert blas_threads(10**6) == above
    assert blas_threads(10, threads=3) == 3
    assert blas_threads(10**6, threads=1) == 1


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_thread_count_is_one_line(bad: object) -> None:
    with pytest.raises(InputError, match="threads must be a whole number") as exc:
        blas_threads(100, threads=bad)  # type: ignore[arg-type]
    assert "\n" not in str(exc.value) and "fix:" in str(exc.value)


def test_limit_is_applied_and_restored() -> None:
    before = blas_counts()
    if not before:
        pytest.skip("no BLAS library visible to threadpoolctl")
    with blas_limit(10) as k:
        assert k == 1
        assert set(blas_counts()) == {1}
    assert blas_counts() == before


def test_small_table_inverts_single_threaded(spy: list[list[int]]) -> None:
    if not blas_counts():
        pytest.skip("no BLAS library visible to threadpoolctl")
    table = random_table(4, 5, seed=1)
    leontief_system(table)
    assert spy[-1] and set(spy[-1]) == {1}
    measure_all(table)
    assert set(spy[-1]) == {1}


def test_large_table_uses_all_cores_but_one(spy: list[list[int]], monkeypatch) -> None:
    """Above the threshold (lowered here to keep the table small) every core but one is used:
    on 8 cores 7 threads, on 2 cores 1."""
    if not blas_counts():
        pytest.skip("no BLAS library visible to threadpoolctl")
    monkeypatch.setattr(threads_mod, "SINGLE_THREAD_BELOW", 10)
    table = random_table(4, 5, seed=1)
    for cores, expected in ((8, 7), (2, 1), (1, 1), (64, MAX_THREADS)):
        monkeypatch.setattr(threads_mod, "available_cores", lambda c=cores: c)
        leontief_system(table)
        assert set(spy[-1]) == {expected}, cores


def test_explicit_threads_reach_the_inversion(spy: list[list[int]]) -> None:
    if not blas_counts():
        pytest.skip("no BLAS library visible to threadpoolctl")
    table = random_table(4, 5, seed=1)
    measure_all(table, threads=2)
    assert set(spy[-1]) == {2}
    leontief_system(table, threads=3)
    assert set(spy[-1]) == {3}


def test_results_across_thread_counts_agree_to_rounding() -> None:
    """Not guaranteed bit-identical: OpenBLAS splits the LU and the triangular solves
    differently with more threads, which reorders floating-point sums. Measured on WIOD 2011
    (docs/production_gvc.md): max |B(1) - B(2)| / max |B| about 4e-16. Here: at most 1e-13."""
    table = random_table(12, 25, seed=2, zero_sectors=3)
    one = measure_all(table, threads=1, with_wwz=True)
    two = measure_all(table, threads=2, with_wwz=True)
    for a, b in ((one.country, two.country), (one.sector, two.sector)):
        num = a.select_dtypes("number").to_numpy()
        num2 = b.select_dtypes("number").to_numpy()
        np.testing.assert_allclose(num, num2, rtol=1e-13, atol=1e-13 * np.nanmax(np.abs(num)))
    s1 = leontief_system(table, threads=1)
    s2 = leontief_system(table, threads=2)
    assert float(np.abs(s1.B - s2.B).max()) <= 1e-13 * float(np.abs(s1.B).max())
    c1, _ = production_participation(s1)
    c2, _ = production_participation(s2)
    np.testing.assert_allclose(c1.to_numpy(), c2.to_numpy(), rtol=1e-12)


def test_same_thread_count_is_bit_identical() -> None:
    """Repeating a run with the same thread count gives the same bits."""
    table = random_table(12, 25, seed=2)
    a = leontief_system(table, threads=1).B
    b = leontief_system(table, threads=1).B
    np.testing.assert_array_equal(a, b)


def test_production_participation_applies_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    if not blas_counts():
        pytest.skip("no BLAS library visible to threadpoolctl")
    pg = importlib.import_module("gpnlab.measure.production_gvc")
    seen: list[list[int]] = []
    real = pg.production_terms

    def wrapped(acc):  # type: ignore[no-untyped-def]
        seen.append(blas_counts())
        return real(acc)

    monkeypatch.setattr(pg, "production_terms", wrapped)
    system = leontief_system(random_table(3, 4, seed=1))
    production_participation(system)
    assert set(seen[-1]) == {1}
    production_participation(system, threads=2)
    assert set(seen[-1]) == {2}
