"""pymrio (a test dependency) gives the same Leontief, Ghosh and multipliers on its fixture."""

from __future__ import annotations

import numpy as np
import pytest

from gpnlab.io.pymrio_bridge import from_pymrio, to_pymrio
from gpnlab.measure.leontief import ghosh_from, leontief_system, multipliers, output_multipliers

pymrio = pytest.importorskip("pymrio")


@pytest.fixture(scope="module")
def test_system():
    io = pymrio.load_test()
    io.calc_all()
    return io


def test_leontief_and_ghosh_match_pymrio(test_system) -> None:
    table = from_pymrio(test_system, output="given")
    sysm = leontief_system(table)
    np.testing.assert_allclose(sysm.B, test_system.L.to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sysm.A, test_system.A.to_numpy(), rtol=1e-12, atol=1e-15)
    Bcoef = pymrio.calc_B(test_system.Z, test_system.x)
    G = pymrio.calc_G(Bcoef)
    np.testing.assert_allclose(ghosh_from(sysm), np.asarray(G), rtol=1e-9, atol=1e-12)


def test_extension_multipliers_match_pymrio(test_system) -> None:
    table = from_pymrio(test_system, output="given")
    sysm = leontief_system(table)
    S = test_system.emissions.S.to_numpy()
    np.testing.assert_allclose(multipliers(sysm, S), test_system.emissions.M.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(output_multipliers(sysm), test_system.L.sum(axis=0), rtol=1e-12)


def test_round_trip_through_pymrio(test_system) -> None:
    table = from_pymrio(test_system, output="given")
    back = from_pymrio(to_pymrio(table), output="given")
    np.testing.assert_array_equal(back.Z, table.Z)
    np.testing.assert_array_equal(back.Y, table.Y)
    np.testing.assert_array_equal(back.x, table.x)
    assert list(back.labels) == list(table.labels)
