"""Reductions across the few columns of a (firms, D) array, column by column.

numpy reduces a C-ordered ``(n, 5)`` array along ``axis=1`` with a short inner loop per row:
about 5x slower than five whole-column operations (measured at n = 12,000: 150 us vs 30 us for
a sum). These helpers add the columns in the same order as numpy's row loop (left to right;
numpy sums fewer than eight elements sequentially), so results are the same bits. The period
step's kernels reduce rows inside their loops; these serve the recording and the tests.
"""

from __future__ import annotations

import numpy as np


def row_sum(X: np.ndarray) -> np.ndarray:
    """``X.sum(axis=1)`` for a 2-D array with few columns (same bits)."""
    out = X[:, 0].copy()
    for k in range(1, X.shape[1]):
        out += X[:, k]
    return out


def row_mean(X: np.ndarray) -> np.ndarray:
    """``X.mean(axis=1)`` for a 2-D array with few columns (same bits)."""
    out = row_sum(X)
    out /= X.shape[1]
    return out
