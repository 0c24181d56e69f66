"""Leontief and Ghosh inverses from one LU factorisation of ``I - A``.

Demand side (Leontief 1936; Miller & Blair 2009, eq. 2.11): ``A = Z diag(x)^-1``,
``x = (I - A)^-1 y = B y``. Supply side (Ghosh 1958; Miller & Blair 2009, eq. 12.9):
``Δ = diag(x)^-1 Z``, ``x' = va' (I - Δ)^-1 = va' H``. On sectors with positive output the two
inverses are similar, ``H = diag(x)^-1 B diag(x)``, so one factorisation serves both.

Zero-output sectors (WIOD has some) get zero input coefficients, hence a unit column of ``B``
and a unit row of ``H`` (as pymrio does); value-added coefficients ``v = va / x`` are 0 there.

Non-productive tables are refused before any result is used (docs/reliability.md): ``I - A``
is factorised once with LAPACK ``getrf`` on a copy (never in place: the matrix may be
singular); a zero pivot (``info > 0``) or a reciprocal condition number below machine epsilon
(``gecon``) means ``I - A`` is singular; only then is the factor inverted in place (``getri``).
A nonnegative ``A`` has spectral radius below 1 exactly when that inverse exists and is
nonnegative (Hawkins-Simon; Miller & Blair 2009, section 2.6), which is checked on ``B`` at no
extra factorisation, as is its finiteness.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from gpnlab.errors import InputError
from gpnlab.measure.threads import blas_limit
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
    """Invert ``M`` with one LAPACK LU factorisation (``getrf``, then ``getri``).

    ``M`` is left untouched: ``getrf`` works on a copy, because ``M`` may be singular (an
    in-place inverse of a singular matrix crashed scipy, issue 9). Raises :class:`InputError`
    when ``M`` is empty, holds non-finite values, or is singular (a zero pivot, or a reciprocal
    condition number below machine epsilon). The result has the memory layout of ``M`` (and
    equals ``scipy.linalg.inv(M)`` bit for bit on a general matrix).
    """
    n = int(M.shape[0]) if M.ndim == 2 else 0
    if M.ndim != 2 or n == 0 or M.shape[1] != n:
        raise InputError(
            f"cannot invert an empty or non-square matrix (shape {M.shape})",
            where=where,
            field="Z",
            fix="give a table with at least one country-sector row",
        )
    if not np.all(np.isfinite(M)):
        raise InputError(
            "the input coefficients Z / x overflow (infinite or NaN)",
            where=where,
            field="Z",
            fix="a sector with (almost) zero output buys inputs; check x and Z, or the unit",
        )
    anorm = float(np.abs(M).sum(axis=0).max())  # 1-norm, for the condition number
    lu, piv, info = scipy.linalg.lapack.dgetrf(M, overwrite_a=False)
    if info < 0:  # pragma: no cover - an argument error is a bug, not bad input
        raise RuntimeError(f"LAPACK getrf: argument {-info} is invalid")
    rcond = 0.0
    if info == 0:
        rcond, cinfo = scipy.linalg.lapack.dgecon(lu, anorm, norm="1")
        rcond = float(rcond) if cinfo == 0 else 0.0
    if info > 0 or not rcond >= np.finfo(np.float64).eps:
        raise InputError(
            "I - A is singular: the table is not productive (spectral radius of A is 1"
            + (f"; reciprocal condition number {rcond:.1e}" if info == 0 else "")
            + ")",
            where=where,
            field="Z",
            fix="check for sectors whose inputs exceed their output, and the final demand",
        )
    lwork, _ = scipy.linalg.lapack.dgetri_lwork(n)
    inv, info = scipy.linalg.lapack.dgetri(lu, piv, lwork=int(lwork), overwrite_lu=True)
    if info != 0:  # pragma: no cover - getrf reported no zero pivot
        raise InputError(
            "I - A is singular: the table is not productive",
            where=where,
            field="Z",
            fix="check for sectors whose inputs exceed their output",
        )
    inv = np.asarray(inv)
    return inv if M.flags.f_contiguous else np.ascontiguousarray(inv)


def _i_minus(A: np.ndarray) -> np.ndarray:
    M = -A
    M[np.diag_indices_from(M)] += 1.0
    return M


def _heavy_buyers(table: IOTable, A: np.ndarray) -> str:
    """``"; 2 sectors buy inputs worth at least their output (first: AUS_c1)"`` or ``""``."""
    heavy = np.flatnonzero(A.sum(axis=0) >= 1.0)
    if heavy.size == 0:
        return ""
    first = ", ".join(f"{a}_{b}" for a, b in table.labels[heavy[:3]])
    return f"; {heavy.size} sectors buy inputs worth at least their output (first: {first})"


def leontief_system(table: IOTable, *, threads: int | None = None) -> LeontiefSystem:
    """Factorise ``I - A`` once and return ``A``, ``B``, ``v``.

    ``threads``: BLAS threads for the factorisation and inverse; ``None`` applies the
    size-based rule of :func:`gpnlab.measure.threads.blas_threads` (one thread below
    ``SINGLE_THREAD_BELOW`` rows).

    A table is productive when the spectral radius of A is below 1; for a nonnegative A this
    holds exactly when ``(I - A)^-1`` exists and is nonnegative (Hawkins-Simon; Miller & Blair
    2009, section 2.6), which is what is checked, at no extra factorisation: a singular
    ``I - A``, a negative entry of ``B`` or a non-finite ``B`` is an :class:`InputError`.
    """
    A = input_coefficients(table)
    try:
        with blas_limit(table.n, threads):
            B = inverse_via_lu(_i_minus(A), where=table.source)
    except InputError as exc:
        if "singular" not in exc.what:
            raise
        raise InputError(
            exc.what + _heavy_buyers(table, A), where=exc.where, field=exc.field, fix=exc.fix
        ) from None
    if not np.all(np.isfinite(B)):
        raise InputError(
            "the Leontief inverse (I - A)^-1 overflows (infinite or NaN entries)",
            where=table.source,
            field="Z",
            fix="the table is (nearly) not productive; check units and that no sector's inputs "
            "exceed its output",
        )
    scale = float(np.abs(B).max())
    if B.min() < -PRODUCTIVITY_TOL * max(scale, 1.0):
        raise InputError(
            "the table is not productive: (I - A)^-1 has negative entries, so the spectral "
            "radius of A is at least 1" + _heavy_buyers(table, A),
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
