"""Random productive inter-country tables with realistic block structure.

Used by the demo, the property tests and the benchmarks. Construction (a pure function of the
arguments and the seed): input coefficients ``A`` with domestic blocks denser than foreign ones
and column sums drawn in ``[0.25, 0.75)`` (so ``A`` is productive, ``rho(A) < 1``); final demand
``Y >= 0`` with a home bias; output ``x = (I - A)^-1 Y 1``; ``Z = A diag(x)``. Both identities
hold exactly up to rounding, and value added ``(1 - 1'A) x`` is positive.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from gpnlab.table import IOTable

CATEGORIES = ("HH", "GOV", "GFCF")


def random_table(
    countries: int = 4,
    sectors: int = 5,
    *,
    seed: int = 0,
    foreign_share: float = 0.6,
    zero_sectors: int = 0,
    negative_inventories: bool = False,
    unit: str = "millions of model currency",
) -> IOTable:
    """A random productive table of ``countries x sectors`` rows.

    ``zero_sectors`` picks that many (country, sector) cells with zero output (as in WIOD);
    ``negative_inventories`` adds a fourth, partly negative, final-demand category.
    """
    rng = np.random.default_rng(seed)
    G, N = countries, sectors
    n = G * N
    country = np.repeat(np.arange(G), N)
    same = country[:, None] == country[None, :]
    raw = rng.gamma(0.6, 1.0, size=(n, n))
    raw *= np.where(same, 1.0, foreign_share * rng.random((n, n)) * (rng.random((n, n)) < 0.6))
    col_target = rng.uniform(0.25, 0.75, size=n)
    A = raw / raw.sum(axis=0, keepdims=True) * col_target[None, :]
    cats = list(CATEGORIES) + (["INV"] if negative_inventories else [])
    K = len(cats)
    home = np.where(same[:, ::N][:, :G], 1.0, 0.15 * rng.random((n, G)))  # n x G home bias
    Y = rng.gamma(1.0, 100.0, size=(n, G, K)) * home[:, :, None]
    if negative_inventories:
        Y[:, :, K - 1] = rng.normal(0.0, 5.0, size=(n, G))
    dead = rng.choice(n, size=zero_sectors, replace=False) if zero_sectors else np.array([], int)
    A[:, dead] = 0.0
    A[dead, :] = 0.0
    Y[dead] = 0.0
    y = Y.sum(axis=(1, 2))
    x = scipy.linalg.solve(np.eye(n) - A, y)
    if np.any(x[np.setdiff1d(np.arange(n), dead)] <= 0):  # pragma: no cover - tiny inventories
        Y[:, :, :] = np.abs(Y)
        x = scipy.linalg.solve(np.eye(n) - A, Y.sum(axis=(1, 2)))
    x[dead] = 0.0
    Z = A * x[None, :]
    cnames = [f"C{g + 1:02d}" for g in range(G)]
    snames = [f"s{i + 1:02d}" for i in range(N)]
    labels = [(c, s) for c in cnames for s in snames]
    fd = [(c, k) for c in cnames for k in cats]
    return IOTable.build(
        Z,
        Y.reshape(n, G * K),
        labels,
        fd,
        unit=unit,
        source=f"synthetic(countries={G}, sectors={N}, seed={seed})",
    )
