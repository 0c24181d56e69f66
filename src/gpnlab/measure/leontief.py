"""Leontief and Ghosh inverses from one LU factorisation of ``I - A``.

Demand side (Leontief 1936; Miller & Blair 2009, eq. 2.11): ``A = Z diag(x)^-1``,
``x = (I - A)^-1 y = B y``. Supply side (Ghosh 1958; Miller & Blair 2009, eq. 12.9):
``Δ = diag(x)^-1 Z``, ``x' = va' (I - Δ)^-1 = va' H``. On sectors with positive output the two
inverses are similar, ``H = diag(x)^-1 B diag(x)``, so one factorisation serves both.

Zero-output sectors (WIOD has some) get zero input coefficients, hence a unit column of ``B``
and a unit row of ``H`` (as pymrio does); value-added coefficients ``v = va / x`` are 0 there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from gpnlab.errors import InputError
from gpnlab.table import IOTable

PRODUCTIVITY_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class LeontiefSystem:
    """Technical coefficients, the global Leontief inverse and value-added coefficients.

    ``A`` (n x n) input coefficients; ``B = (I - A)^-1``; ``v = va / x`` (0 where x = 0);
    ``live`` marks sectors with positive output.
    """

    table: IOTable
    A: np.ndarray
    B: np.ndarray
    v: np.ndarray
    live: np.ndarray


def input_coefficients(table: IOTable) -> np.ndarray:
    """``A = Z diag(x)^-1`` with zero columns where output is zero (Miller & Blair eq. 2.4)."""
    inv_x = np.divide(1.0, table.x, out=np.zeros_like(table.x), where=table.x > 0)
    return table.Z * inv_x[None, :]


def value_added_coefficients(table: IOTable) -> np.ndarray:
    """``v = va / x``, value added per unit of output (0 where output is zero)."""
    return np.divide(table.va, table.x, out=np.zeros_like(table.x), where=table.x > 0)


def inverse_via_lu(M: np.ndarray, *, where: str = "table") -> np.ndarray:
    """Invert ``M`` with one LAPACK LU factorisation (getrf followed by getri).

    ``M`` is overwritten. Raises :class:`InputError` when ``M`` is singular.
    """
    try:
        return np.asarray(scipy.linalg.inv(M, overwrite_a=True, check_finite=False))
    except np.linalg.LinAlgError as exc:
        raise InputError(
            "I - A is singular: the table is not productive (spectral radius of A is 1)",
            where=where,
            field="Z",
            fix="check for sectors whose inputs exceed their output",
        ) from exc


def leontief_system(table: IOTable) -> LeontiefSystem:
    """Factorise ``I - A`` once and return ``A``, ``B``, ``v``.

    A table is productive when the spectral radius of A is below 1; for a nonnegative A this
    holds exactly when ``(I - A)^-1`` exists and is nonnegative (Hawkins-Simon; Miller & Blair
    2009, section 2.6), which is what is checked, at no extra factorisation.
    """
    A = input_coefficients(table)
    M = -A
    M[np.diag_indices_from(M)] += 1.0
    B = inverse_via_lu(M, where=table.source)
    scale = float(np.abs(B).max())
    if not np.isfinite(scale) or B.min() < -PRODUCTIVITY_TOL * max(scale, 1.0):
        raise InputError(
            "the table is not productive: (I - A)^-1 has negative entries, so the spectral "
            "radius of A is at least 1",
            where=table.source,
            field="Z",
            fix="check units and that no sector's inputs exceed its output",
        )
    return LeontiefSystem(
        table=table, A=A, B=B, v=value_added_coefficients(table), live=table.x > 0
    )


def leontief(table: IOTable) -> np.ndarray:
    """The global Leontief inverse ``B = (I - A)^-1`` (n x n)."""
    return leontief_system(table).B


def ghosh_from(system: LeontiefSystem) -> np.ndarray:
    """The Ghosh inverse ``H = (I - diag(x)^-1 Z)^-1 = diag(x)^-1 B diag(x)`` (n x n)."""
    x = system.table.x
    inv_x = np.divide(1.0, x, out=np.zeros_like(x), where=system.live)
    H = system.B * inv_x[:, None] * x[None, :]
    dead = np.flatnonzero(~system.live)
    H[dead, :] = 0.0
    H[dead, dead] = 1.0
    return H


def ghosh(table: IOTable) -> np.ndarray:
    """The Ghosh inverse of ``table`` (see :func:`ghosh_from`)."""
    return ghosh_from(leontief_system(table))


def multipliers(system: LeontiefSystem, coefficients: np.ndarray) -> np.ndarray:
    """Total (direct + indirect) multipliers ``M = S B`` of per-unit-output coefficients ``S``.

    ``S`` is k x n (e.g. emissions, jobs or value added per unit of output; Miller & Blair 2009,
    ch. 6). With ``S = v`` the value-added multipliers are 1 on a balanced table.
    """
    S = np.atleast_2d(np.asarray(coefficients, dtype=np.float64))
    return S @ system.B


def output_multipliers(system: LeontiefSystem) -> np.ndarray:
    """Simple output multipliers, the column sums ``1' B`` (Miller & Blair 2009, eq. 6.3)."""
    return system.B.sum(axis=0)
