"""Reductions across the few columns of a (firms, D) array, and masked group totals.

numpy reduces a C-ordered ``(n, 5)`` array along ``axis=1`` with a short inner loop per row:
about 5x slower than whole-column operations (measured at n = 12,000: 150 us vs 30 us for a
sum), which at 1e6 firms read the array once per column. :func:`row_sum` and :func:`row_mean`
are one compiled pass over the rows adding the columns in numpy's order (left to right; numpy
sums fewer than eight elements sequentially), so results are the same bits. The period step's
kernels reduce rows inside their loops; these serve the recording and the tests.
:func:`pairwise_sum` is numpy's summation order for longer rows, inside a kernel;
:func:`positions` finds slots in a sorted slot list. :func:`masked_sum` and
:func:`grouped_totals` are masked group totals (``np.bincount(group[mask], weight[mask], G)``,
the same bits), the latter many of them in one blocked pass over the firms.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel

BLOCK = 4096  # rows per block in grouped_totals (a block's arrays fit in the L2 cache)


@kernel
def row_sum(X: np.ndarray) -> np.ndarray:
    """``X.sum(axis=1)`` for a 2-D array with few columns (same bits: left to right)."""
    n, D = X.shape
    out = np.empty(n)
    for i in range(n):
        acc = X[i, 0] if D else 0.0
        for k in range(1, D):
            acc += X[i, k]
        out[i] = acc
    return out


@kernel
def row_mean(X: np.ndarray) -> np.ndarray:
    """``X.mean(axis=1)`` for a 2-D array with few columns (same bits)."""
    out = row_sum(X)
    D = X.shape[1]
    for i in range(out.size):
        out[i] /= D
    return out


@kernel
def block_sum(x: np.ndarray, lo: int, n: int) -> float:
    """``x[lo:lo + n].sum()`` for ``n <= 128`` with numpy's order (:func:`pairwise_sum`)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += x[lo + i]
        return res
    r = np.empty(8)
    for j in range(8):
        r[j] = x[lo + j]
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += x[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += x[lo + i]
        i += 1
    return res


@kernel
def pairwise_sum(x: np.ndarray, lo: int, n: int) -> float:
    """``x[lo:lo + n].sum()`` of a contiguous float64 array, with numpy's own order (same
    bits): under 8 elements one by one; up to 128 in eight interleaved partial sums added as a
    tree, the rest one by one; beyond, the two halves (cut at a multiple of 8) separately.
    numpy reduces each row of a C-ordered array this way (``X.sum(axis=1)``). numpy's
    recursion over halves runs on an explicit stack (numba cannot cache recursive kernels)."""
    if n <= 128:
        return block_sum(x, lo, n)
    los = np.empty(64, np.int64)  # the halves' depth is at most log2(n) < 64
    ns = np.empty(64, np.int64)
    phase = np.zeros(64, np.int64)  # 0 new, 1 left half summed, 2 both halves summed
    left = np.empty(64)
    top = 0
    los[0], ns[0] = lo, n
    value = 0.0
    while True:
        half = ns[top] // 2
        half -= half % 8
        if phase[top] == 0 and ns[top] <= 128:
            value = block_sum(x, los[top], ns[top])
        elif phase[top] < 2:  # sum the left half (phase 0), then the right half (phase 1)
            if phase[top] == 1:
                left[top] = value
            start = los[top] + (half if phase[top] == 1 else 0)
            size = ns[top] - half if phase[top] == 1 else half
            phase[top] += 1
            top += 1
            los[top], ns[top], phase[top] = start, size, 0
            continue
        else:
            value = left[top] + value
        top -= 1  # hand the value to the caller
        if top < 0:
            return value


@kernel
def masked_sum(group: np.ndarray, mask: np.ndarray, w: np.ndarray, G: int) -> np.ndarray:
    """``np.bincount(group[mask], w[mask], G)`` in one pass (same order, so the same bits)."""
    out = np.zeros(G)
    for i in range(group.size):
        if mask[i]:
            out[group[i]] += w[i]
    return out


@kernel
def grouped_totals(
    groups: tuple[np.ndarray, ...],
    masks: tuple[np.ndarray, ...],
    weights: tuple[np.ndarray, ...],
    spec: np.ndarray,
    G: int,
) -> np.ndarray:
    """Many masked bincounts in one pass over the rows: ``out[p]`` is
    ``np.bincount(groups[a][masks[b]], weights[c][masks[b]], G)`` for ``(a, b, c) = spec[p]``,
    a count where ``c < 0``. Each total adds its rows in index order from 0.0, as
    :func:`masked_sum` does (same bits); reading each array once instead of once per total is
    what it saves (the recording's totals at 1e6 firms are memory-bound)."""
    P = spec.shape[0]
    out = np.zeros((P, G))
    n = masks[0].size
    for lo in range(0, n, BLOCK):  # a block of rows stays in cache across the totals
        hi = min(lo + BLOCK, n)
        for p in range(P):
            group = groups[spec[p, 0]]
            mask = masks[spec[p, 1]]
            if spec[p, 2] < 0:
                for i in range(lo, hi):
                    if mask[i]:
                        out[p, group[i]] += 1.0
            else:
                w = weights[spec[p, 2]]
                for i in range(lo, hi):
                    if mask[i]:
                        out[p, group[i]] += w[i]
    return out


def positions(rows: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Each of ``slots``' place in the ascending slot list ``rows``, -1 where it is not there."""
    if rows.size == 0:
        return np.full(slots.size, -1, np.int64)
    at = np.minimum(np.searchsorted(rows, slots), rows.size - 1)
    return np.where(rows[at] == slots, at, -1)
