"""Value added by stage and the smile curve (Shih's smile; Mudambi 2008; Ernst 2002).

Per (period, stage), from one row per (period, stage, country):

* ``va_share = VA_s / sum_s VA_s``, the stage's share of world value added in the chain;
* ``va_output = VA_s / X_s``, value added per unit of output (1 means the stage buys nothing:
  an accounting shortcut, not a smile).

:func:`smile_metric`, given the stages in chain order, per period::

    smile = min(v_first, v_last) - max_{middle stages} v_s

positive when both ends of the chain are above every middle stage (a smile), negative when some
middle stage (e.g. assembly) is above one of the ends. It applies to either column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.validate.metrics._common import require_columns


def value_added_by_stage(
    stages: pd.DataFrame,
    *,
    value_added: str = "value_added",
    output: str = "output",
    stage: str = "stage",
    period: str = "period",
) -> pd.DataFrame:
    """World value added and output per (period, stage) and the two smile measures.

    Returns ``period, stage, value_added, output, va_share, va_output`` (NaN where the
    denominator is not positive).
    """
    require_columns(stages, [period, stage, value_added, output], where="value_added_by_stage")
    g = stages.groupby([period, stage], sort=True, observed=True)[[value_added, output]].sum()
    g.columns = pd.Index(["value_added", "output"])
    world = g["value_added"].groupby(level=0).transform("sum")
    g["va_share"] = (g["value_added"] / world).where(world > 0)
    g["va_output"] = (g["value_added"] / g["output"]).where(g["output"] > 0)
    return g.reset_index().rename(columns={"level_0": period, "level_1": stage})


def smile_metric(
    by_stage: pd.DataFrame,
    order: Sequence[str],
    *,
    value: str = "va_share",
    stage: str = "stage",
    period: str = "period",
) -> pd.DataFrame:
    """``min(first, last) - max(middle)`` of ``value`` per period, stages in chain ``order``.

    Returns ``period, first, last, middle_max, middle_argmax, smile``; a stage of ``order``
    missing in a period makes that period's numbers NaN.
    """
    order = list(order)
    if len(order) < 3 or len(set(order)) != len(order):
        raise InputError(
            f"order {order}", where="smile_metric", field="order",
            fix="give at least three distinct stages, upstream first",
        )  # fmt: skip
    require_columns(by_stage, [period, stage, value], where="smile_metric")
    sums = by_stage.groupby([period, stage], sort=True, observed=True)[value].sum(min_count=1)
    wide = sums.unstack(stage)
    wide = wide.reindex(columns=order)
    middle = wide[order[1:-1]]
    any_nan = wide.isna().any(axis=1)
    first, last = wide[order[0]], wide[order[-1]]
    mid_max = middle.max(axis=1)
    out = pd.DataFrame(
        {
            "first": first,
            "last": last,
            "middle_max": mid_max,
            "middle_argmax": middle.fillna(-np.inf).idxmax(axis=1).where(~any_nan),
            "smile": np.minimum(first, last) - mid_max,
        }
    )
    out.loc[any_nan, ["first", "last", "middle_max", "smile"]] = np.nan
    out.index.name = period
    return out.reset_index()
