"""The recording's reductions (:mod:`gpnlab.simulate.rowops`) against numpy: the same bits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gpnlab.simulate.rowops import (
    BLOCK,
    grouped_totals,
    masked_sum,
    positions,
    row_mean,
    row_sum,
)


@settings(max_examples=60, deadline=None)
@given(
    n=st.sampled_from([0, 1, 7, BLOCK - 1, BLOCK, 2 * BLOCK + 3]),
    G=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_grouped_totals_are_numpys_bincounts(n: int, G: int, seed: int) -> None:
    """Every total equals ``np.bincount(group[mask], weight[mask], G)`` bit for bit, with NaN,
    infinite, negative and huge weights, across block boundaries and shared arrays."""
    rng = np.random.default_rng(seed)
    groups = [rng.integers(0, G, n).astype(np.int16) for _ in range(2)]
    masks = [rng.random(n) < p for p in (0.1, 0.5, 0.95)]
    weights = [rng.normal(0, 1e6, n), rng.random(n)]
    weights[0][rng.random(n) < 0.01] = np.nan
    weights[1][rng.random(n) < 0.01] = np.inf
    spec = np.array([(a, b, c) for a in range(2) for b in range(3) for c in (-1, 0, 1)], np.int64)
    out = grouped_totals(tuple(groups), tuple(masks), tuple(weights), spec, G)
    for p, (a, b, c) in enumerate(spec):
        g, m = groups[a], masks[b]
        want = np.bincount(g[m], None if c < 0 else weights[c][m], G).astype(float)
        np.testing.assert_array_equal(out[p], want)
        if c >= 0:
            np.testing.assert_array_equal(out[p], masked_sum(g, m, weights[c], G))


@settings(max_examples=60, deadline=None)
@given(
    n=st.sampled_from([0, 1, 5, 1000]),
    D=st.integers(1, 7),
    scale=st.sampled_from([1e-300, 1.0, 1e300]),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_sum_and_mean_are_numpys(n: int, D: int, scale: float, seed: int) -> None:
    """``row_sum`` / ``row_mean`` equal ``X.sum(axis=1)`` / ``X.mean(axis=1)`` bit for bit
    (with NaN, infinities, overflow and a strided view)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, D)) * scale
    X[rng.random((n, D)) < 0.02] = np.nan
    X[rng.random((n, D)) < 0.02] = -np.inf
    for A in (X, X[::2]):
        np.testing.assert_array_equal(row_sum(A), A.sum(axis=1))
        np.testing.assert_array_equal(row_mean(A), A.mean(axis=1))


def test_positions() -> None:
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(5000, 300, replace=False))
    slots = rng.integers(0, 5000, 400)
    at = positions(rows, slots)
    found = np.isin(slots, rows)
    assert (at[~found] == -1).all()
    np.testing.assert_array_equal(rows[at[found]], slots[found])
