"""Pareto tail exponents of firm sizes (employment, sales): Hill and Gabaix-Ibragimov.

For sizes above a threshold with ``P(X > x) ~ x^-zeta`` (Zipf's law: ``zeta ≈ 1`` for US firm
employment, Axtell 2001):

* **Hill (1975).** With the sizes sorted ``x_(1) >= x_(2) >= ... >= x_(n)`` and the top ``k``::

      1 / zeta_H = (1/k) sum_{i=1..k} [ln x_(i) - ln x_(k+1)],     se = zeta_H / sqrt(k)

  (``x_(k+1)`` is the threshold; the maximum-likelihood estimator for a Pareto tail above it).
* **Gabaix & Ibragimov (2011), "Rank - 1/2".** OLS on the top ``k``::

      ln(i - 1/2) = a - zeta ln x_(i),     i = 1..k,     se = zeta · sqrt(2 / k)

  the shift of 1/2 removes the leading small-sample bias of the plain log-rank regression, and
  ``zeta sqrt(2/k)`` is its asymptotic standard error (the OLS standard error is wrong here:
  the residuals of a rank regression are strongly correlated).

The tail is chosen with ``k`` (top ``k`` observations) or ``top_share`` (``k = floor(share n)``);
with neither, the whole sample (Hill: ``k = n - 1``, the smallest observation is the threshold;
GI: ``k = n``). Firm-size studies usually take the top 5-10%. Only positive finite sizes enter
(``n`` counts them): a firm of size 0 has no logarithm. Too small a tail (Hill ``k < 2``, GI
``k < 3``) or no spread in it gives NaN, never an error, so that a per-seed metric can be NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import as_list, require_columns


def _sorted_positive(values: ArrayLike) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x) & (x > 0)]
    return np.sort(x)[::-1]


def _tail_size(n: int, k: int | None, top_share: float | None, most: int) -> int:
    if k is not None and top_share is not None:
        raise InputError("give k or top_share, not both", where="tail exponent", field="k")
    if k is not None:
        if k < 1:
            raise InputError(f"k = {k} < 1", where="tail exponent", field="k")
        return min(k, most)
    if top_share is not None:
        if not 0 < top_share <= 1:
            raise InputError(
                f"top_share = {top_share} not in (0, 1]", where="tail exponent", field="top_share"
            )
        return min(math.floor(top_share * n), most)
    return most


def hill(
    values: ArrayLike, *, k: int | None = None, top_share: float | None = None
) -> dict[str, float]:
    """Hill estimator of the tail exponent.

    Returns ``{"zeta", "se", "k", "n", "threshold"}``: the exponent, its standard error
    ``zeta / sqrt(k)``, the number of tail observations, the number of positive observations and
    the threshold ``x_(k+1)``. ``k`` is capped at ``n - 1``.
    """
    x = _sorted_positive(values)
    n = x.size
    kk = _tail_size(n, k, top_share, n - 1)
    out = {"zeta": math.nan, "se": math.nan, "k": float(max(kk, 0)), "n": float(n)}
    out["threshold"] = float(x[kk]) if 0 <= kk < n else math.nan
    if kk < 2:
        return out
    mean_excess = float(np.mean(np.log(x[:kk])) - math.log(x[kk]))
    if mean_excess <= 0:
        return out
    zeta = 1.0 / mean_excess
    out.update(zeta=zeta, se=zeta / math.sqrt(kk))
    return out


def gabaix_ibragimov(
    values: ArrayLike, *, k: int | None = None, top_share: float | None = None
) -> dict[str, float]:
    """Gabaix-Ibragimov rank-1/2 estimator of the tail exponent.

    Returns ``{"zeta", "se", "intercept", "k", "n", "threshold"}``: ``zeta`` (minus the OLS
    slope of ``ln(rank - 1/2)`` on ``ln size``), ``se = zeta sqrt(2/k)``, the intercept ``a``, the
    number of tail observations, the number of positive observations and the smallest size in
    the tail.
    """
    x = _sorted_positive(values)
    n = x.size
    kk = _tail_size(n, k, top_share, n)
    out = {"zeta": math.nan, "se": math.nan, "intercept": math.nan, "k": float(kk), "n": float(n)}
    out["threshold"] = float(x[kk - 1]) if 1 <= kk <= n else math.nan
    if kk < 3:
        return out
    lx = np.log(x[:kk])
    ly = np.log(np.arange(1, kk + 1) - 0.5)
    dx = lx - lx.mean()
    sxx = float(dx @ dx)
    if sxx <= 0:
        return out
    slope = float(dx @ (ly - ly.mean())) / sxx
    zeta = -slope
    out.update(
        zeta=zeta,
        se=abs(zeta) * math.sqrt(2.0 / kk),
        intercept=float(ly.mean() - slope * lx.mean()),
    )
    return out


def tail_exponents(
    df: pd.DataFrame,
    column: str,
    *,
    by: str | Sequence[str] | None = None,
    k: int | None = None,
    top_share: float | None = None,
) -> pd.DataFrame:
    """Both estimators of the tail exponent of ``column`` (e.g. ``employment``) per group.

    Returns one row per (group, method) with columns ``*by, method ("hill" |
    "gabaix_ibragimov"), zeta, se, k, n, threshold``.
    """
    keys = as_list(by)
    require_columns(df, [column, *keys], where="tail_exponents")
    groups = df.groupby(keys, sort=True) if keys else [((), df)]
    rows = []
    for key, g in groups:
        kt = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        v = g[column].to_numpy()
        for method, fit in (
            ("hill", hill(v, k=k, top_share=top_share)),
            ("gabaix_ibragimov", gabaix_ibragimov(v, k=k, top_share=top_share)),
        ):
            rows.append(
                {
                    **kt,
                    "method": method,
                    **{c: fit[c] for c in ("zeta", "se", "k", "n", "threshold")},
                }
            )
    out = pd.DataFrame(rows, columns=[*keys, "method", "zeta", "se", "k", "n", "threshold"])
    return out.astype({"k": "int64", "n": "int64"})
