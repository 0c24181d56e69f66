"""Summary of a metric across replicate seeds and its verdict against a target.

A fact's metric is computed once per seed; the battery reports the mean across seeds, the
two-sided Student-t confidence interval of that mean,

    mean ± t_{1-(1-level)/2, n-1} · sd / sqrt(n),     sd with n - 1 degrees of freedom,

(the usual interval for a mean over independent replicates; Windrum, Fagiolo & Moneta 2007 and
Fagiolo et al. 2019 recommend reporting Monte Carlo distributions over seeds), the share of seeds
in which the target holds, and a verdict.

A target is a direction, ``">x"``, ``"<x"``, ``">=x"`` or ``"<=x"`` (e.g. ``">0"``), or a closed
range ``(lo, hi)`` (a range from the literature). It is a convex set, so the verdict compares the
whole interval with it:

* ``"holds"`` -- every point of the interval satisfies the target;
* ``"fails"`` -- no point of the interval satisfies it;
* ``"inconclusive"`` -- the interval straddles a bound of the target, or fewer than
  ``min_finite`` (at least 2) seeds gave a finite value.

Seeds with a non-finite value (NaN: the metric is undefined in that run, e.g. no OBM firm to
count; or +-inf) are dropped and counted in ``n_dropped``; the interval, the share and the verdict
use the finite seeds only, and ``n_dropped`` says how many seeds that leaves out. A paired
comparison (regime against baseline, same seeds) is ``summarise_seeds(a - b, ">0")``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import as_list, require_columns

Target = str | tuple[float, float]
"""A direction (``">0"``, ``"<0.5"``, ``">=1"``, ``"<=x"``) or a closed range ``(lo, hi)``."""

VERDICTS = ("holds", "fails", "inconclusive")

_DIRECTION = re.compile(r"^\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class ParsedTarget:
    """A target as the set ``{x : lo (<|<=) x (<|<=) hi}``."""

    lo: float
    hi: float
    lo_strict: bool
    hi_strict: bool
    text: str

    def satisfied(self, x: np.ndarray) -> np.ndarray:
        """Elementwise: does ``x`` satisfy the target (False for NaN)."""
        x = np.asarray(x, dtype=float)
        above = x > self.lo if self.lo_strict else x >= self.lo
        below = x < self.hi if self.hi_strict else x <= self.hi
        return np.asarray(above & below)

    def interval_verdict(self, low: float, high: float) -> str:
        """``holds`` if all of ``[low, high]`` satisfies the target, ``fails`` if none of it
        does, else ``inconclusive``."""
        if not (math.isfinite(low) and math.isfinite(high)) or low > high:
            return "inconclusive"
        ends = self.satisfied(np.array([low, high]))
        if ends.all():  # the target is convex: both ends inside -> the whole interval is
            return "holds"
        below = high < self.lo or (self.lo_strict and high == self.lo)
        above = low > self.hi or (self.hi_strict and low == self.hi)
        return "fails" if below or above else "inconclusive"


def parse_target(target: Target) -> ParsedTarget:
    """Parse a direction string or a ``(lo, hi)`` range; raise :class:`InputError` if invalid."""
    if isinstance(target, str):
        m = _DIRECTION.match(target)
        if not m:
            raise InputError(
                f"target {target!r} is not a direction",
                where="target",
                fix="write '>x', '<x', '>=x' or '<=x' (e.g. '>0'), or give a range (lo, hi)",
            )
        op, x = m.group(1), float(m.group(2))
        text = f"{op}{m.group(2)}"
        if op.startswith(">"):
            return ParsedTarget(x, math.inf, op == ">", True, text)
        return ParsedTarget(-math.inf, x, True, op == "<", text)
    try:
        lo, hi = (float(v) for v in target)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"target {target!r} is neither a direction nor a range",
            where="target",
            fix="give '>x' / '<x' or a pair (lo, hi)",
        ) from exc
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise InputError(
            f"range target {target!r} is empty or NaN", where="target", fix="give lo <= hi"
        )
    return ParsedTarget(lo, hi, False, False, f"[{lo:g}, {hi:g}]")


class SeedSummary(TypedDict):
    """What :func:`summarise_seeds` returns."""

    target: str  # the target as parsed, e.g. ">0" or "[0.45, 0.93]"
    level: float  # confidence level of the interval
    n_seeds: int  # values given
    n_finite: int  # seeds used
    n_dropped: int  # seeds dropped (NaN or +-inf)
    mean: float  # mean over finite seeds (NaN if none)
    sd: float  # standard deviation, ddof=1 (NaN if fewer than 2)
    ci_low: float  # Student-t interval of the mean (NaN if fewer than 2)
    ci_high: float
    share_holds: float  # share of finite seeds whose own value satisfies the target
    verdict: str  # "holds" | "fails" | "inconclusive"
    note: str  # why the verdict is inconclusive ("" otherwise)


def summarise_seeds(
    values: ArrayLike, target: Target, *, level: float = 0.95, min_finite: int = 2
) -> SeedSummary:
    """Mean, Student-t interval, share of seeds where ``target`` holds, and the verdict.

    ``values`` is one number per seed (1-D). Non-finite values are dropped and counted. With
    fewer than ``min_finite`` finite seeds (``min_finite >= 2``) the verdict is
    ``"inconclusive"``. If every finite seed has the same value the interval is that point
    (sd = 0) and the verdict follows the point.
    """
    if not 0 < level < 1:
        raise InputError(f"level {level} not in (0, 1)", where="summarise_seeds", field="level")
    if min_finite < 2:
        raise InputError(
            f"min_finite {min_finite} < 2",
            where="summarise_seeds",
            field="min_finite",
            fix="an interval needs at least two seeds",
        )
    parsed = parse_target(target)
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError("values are not numbers", where="summarise_seeds", field="values") from exc
    if x.ndim != 1:
        raise InputError(
            f"values have shape {x.shape}",
            where="summarise_seeds",
            field="values",
            fix="give one number per seed (1-D)",
        )
    finite = x[np.isfinite(x)]
    n = int(finite.size)
    mean = float(finite.mean()) if n else math.nan
    sd = float(finite.std(ddof=1)) if n >= 2 else math.nan
    if n >= 2:
        half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
        low, high = mean - half, mean + half
    else:
        low = high = math.nan
    share = float(parsed.satisfied(finite).mean()) if n else math.nan
    if n < min_finite:
        verdict = "inconclusive"
        note = f"{n} finite seed(s) of {x.size}, fewer than {min_finite}"
    else:
        verdict = parsed.interval_verdict(low, high)
        note = "interval straddles the target" if verdict == "inconclusive" else ""
    return SeedSummary(
        target=parsed.text,
        level=level,
        n_seeds=int(x.size),
        n_finite=n,
        n_dropped=int(x.size - n),
        mean=mean,
        sd=sd,
        ci_low=low,
        ci_high=high,
        share_holds=share,
        verdict=verdict,
        note=note,
    )


def summarise_by(
    df: pd.DataFrame,
    value: str,
    target: Target,
    *,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    min_finite: int = 2,
) -> pd.DataFrame:
    """:func:`summarise_seeds` of column ``value`` per group of ``by`` (e.g. fact, horizon).

    ``df`` holds one row per seed (and group). Returns one row per group: the ``by`` columns and
    the keys of :class:`SeedSummary`.
    """
    keys = as_list(by)
    require_columns(df, [value, *keys], where="summarise_by")
    groups = df.groupby(keys, sort=True, dropna=False) if keys else [((), df)]
    rows = []
    for key, g in groups:
        kt = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(keys, kt, strict=True)),
                **summarise_seeds(g[value].to_numpy(), target, level=level, min_finite=min_finite),
            }
        )
    return pd.DataFrame(rows, columns=[*keys, *SeedSummary.__annotations__])
