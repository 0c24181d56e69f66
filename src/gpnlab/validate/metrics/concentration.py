"""Geographic concentration of each stage across countries ("concentrated dispersion").

Ernst (2002, sec. 4.1): production disperses, but into few places, and design and precision
stages stay more concentrated than assembly. Per (period, stage), with country output shares
``s_c = x_c / sum_c x_c``:

* ``hhi = sum_c s_c^2`` (Herfindahl-Hirschman), in ``[1/N, 1]`` with ``N`` the countries with
  positive output (1 = one country produces everything);
* ``n_producers``: countries whose share exceeds ``threshold`` (default 1%), so that a sliver of
  output does not count as a producing country; ``n_positive``: countries with any output.

:func:`dispersion_gradient` asks whether dispersion rises toward the final product: the Spearman
rank correlation, per period, between a stage's position on the chain (a given mapping, 0 =
upstream, larger = closer to the final product) and its HHI. **Sign:** ``rho < 0`` means
concentration falls (dispersion rises) toward the final product, the stylised fact; ``rho > 0``
means the downstream stages are the more concentrated ones.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import require_columns


def stage_concentration(
    stages: pd.DataFrame,
    *,
    threshold: float = 0.01,
    output: str = "output",
    stage: str = "stage",
    country: str = "country",
    period: str = "period",
) -> pd.DataFrame:
    """HHI and producing countries per (period, stage) from one row per (period, stage, country).

    Returns ``period, stage, output, hhi, n_producers, n_positive`` (``hhi`` NaN where a stage
    has no output).
    """
    require_columns(stages, [period, stage, country, output], where="stage_concentration")
    if not 0 <= threshold < 1:
        raise InputError(f"threshold {threshold}", where="stage_concentration", field="threshold")
    x = stages.groupby([period, stage, country], sort=True, observed=True)[output].sum()
    if (x < 0).any():
        raise InputError("negative output", where="stage_concentration", field=output)
    total = x.groupby(level=[0, 1]).transform("sum")
    share = (x / total).where(total > 0)
    d = pd.DataFrame(
        {
            "output": x,
            "sq": share**2,
            "producer": share > threshold,
            "positive": x > 0,
        }
    )
    g = d.groupby(level=[0, 1], sort=True).agg(
        output=("output", "sum"),
        hhi=("sq", lambda s: s.sum(min_count=1)),
        n_producers=("producer", "sum"),
        n_positive=("positive", "sum"),
    )
    g = g.reset_index().rename(columns={"level_0": period, "level_1": stage})
    return g.astype({"n_producers": "int64", "n_positive": "int64"})


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman rank correlation (average ranks for ties); NaN with fewer than 3 pairs or no
    spread in either variable. Pairs with a NaN are dropped."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return float("nan")
    ra = pd.Series(a[ok]).rank().to_numpy()
    rb = pd.Series(b[ok]).rank().to_numpy()
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = float(np.sqrt((ra @ ra) * (rb @ rb)))
    return float(ra @ rb) / den if den > 0 else float("nan")


def dispersion_gradient(
    concentration: pd.DataFrame,
    positions: Mapping[str, float],
    *,
    value: str = "hhi",
    stage: str = "stage",
    period: str = "period",
) -> pd.DataFrame:
    """Spearman correlation of stage position with ``value`` (HHI) per period.

    ``concentration`` is :func:`stage_concentration`'s output (or any frame with ``period,
    stage, value``); every stage in it needs a position. Returns ``period, rho, n_stages``
    (``rho < 0``: dispersion rises toward the final product).
    """
    require_columns(concentration, [period, stage, value], where="dispersion_gradient")
    unknown = sorted(set(concentration[stage]) - set(positions))
    if unknown:
        raise InputError(
            f"stages without a position: {unknown}",
            where="dispersion_gradient",
            field="positions",
            fix="map every stage to its position on the chain (0 = upstream)",
        )
    pos = concentration[stage].map(positions).astype(float)
    d = pd.DataFrame({"period": concentration[period], "pos": pos, "v": concentration[value]})
    rows = [
        {
            period: p,
            "rho": spearman(g["pos"], g["v"]),
            "n_stages": int(g["v"].notna().sum()),
        }
        for p, g in d.groupby("period", sort=True)
    ]
    return pd.DataFrame(rows, columns=[period, "rho", "n_stages"])
