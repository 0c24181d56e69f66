"""Capability against the requirements of the firm's stage.

A stage ``s`` requires ``r_sd >= 0`` in each of the five dimensions ``d`` (production, process,
design, coordination, brand; ``StageSpec.requirement``). For a firm with capabilities ``k_d``
operating ``s``, over the required dimensions ``D_s = {d : r_sd > min_requirement}``:

* ``match = mean_{d in D_s} min(k_d / r_sd, 1)`` in ``[0, 1]``: the share of its stage's
  requirements it meets, each dimension capped at 1 so that surplus in one dimension does not
  make up for a shortfall in another; ``gap = 1 - match`` (the capability gap of
  :mod:`.hazard`);
* ``required = mean_{d in D_s} k_d`` (uncapped, required dimensions only);
* ``unrequired = mean_{d not in D_s} k_d`` (NaN if the stage requires every dimension);
* ``raw = mean_d k_d`` over all five dimensions, the simulator's capability index
  (``capability_index``).

A stage that requires nothing has NaN ``match``, ``gap`` and ``required``. Comparing
``required`` / ``match`` with ``raw`` tells learning that matters for the stage from learning in
dimensions the stage does not need.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from gpnlab.errors import InputError
from gpnlab.simulate.config import DIMENSIONS
from gpnlab.validate.metrics._common import as_list, require_columns

K_COLUMNS = tuple(f"k_{d}" for d in DIMENSIONS)
SCORES = ("match", "gap", "required", "unrequired", "raw")


def _requirements_for(
    stages: pd.Series, requirements: Mapping[str, ArrayLike], n_dims: int
) -> np.ndarray:
    """(n, D) requirement rows for the stages of ``stages``."""
    stages = stages.astype(str)  # a categorical column may carry categories of other rows
    names = sorted(set(stages))
    unknown = [s for s in names if s not in requirements]
    if unknown:
        raise InputError(
            f"stages without requirements: {unknown}",
            where="requirements",
            fix="pass a requirement vector for every stage",
        )
    table = np.array([np.asarray(requirements[s], dtype=float) for s in names]).reshape(
        len(names), -1
    )
    if table.shape[1] != n_dims:
        raise InputError(
            f"requirement vectors have {table.shape[1]} entries, expected {n_dims}",
            where="requirements",
        )
    if (table < 0).any() or not np.isfinite(table).all():
        raise InputError("requirements must be finite and >= 0", where="requirements")
    codes = pd.Categorical(stages, categories=names).codes
    return table[codes]


def capability_scores(
    firms: pd.DataFrame,
    requirements: Mapping[str, ArrayLike],
    *,
    stage: str = "stage",
    k_columns: Sequence[str] = K_COLUMNS,
    min_requirement: float = 0.0,
) -> pd.DataFrame:
    """``match, gap, required, unrequired, raw`` per firm (same index as ``firms``).

    ``requirements`` maps each stage name to its requirement vector, in the order of
    ``k_columns``. A dimension counts as required when its requirement exceeds
    ``min_requirement`` (0: any positive requirement).
    """
    kc = list(k_columns)
    require_columns(firms, [stage, *kc], where="capability_scores")
    K = firms[kc].to_numpy(dtype=float)
    r = _requirements_for(firms[stage], requirements, len(kc))
    req = r > min_requirement
    n_req = req.sum(axis=1)
    n_un = len(kc) - n_req
    ratio = np.minimum(np.divide(K, r, out=np.zeros_like(K), where=req), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        match = np.where(n_req > 0, np.where(req, ratio, 0.0).sum(axis=1) / n_req, np.nan)
        required = np.where(n_req > 0, np.where(req, K, 0.0).sum(axis=1) / n_req, np.nan)
        unrequired = np.where(n_un > 0, np.where(req, 0.0, K).sum(axis=1) / n_un, np.nan)
    return pd.DataFrame(
        {
            "match": match,
            "gap": 1.0 - match,
            "required": required,
            "unrequired": unrequired,
            "raw": K.mean(axis=1),
        },
        index=firms.index,
    )


def capability_change(
    firms: pd.DataFrame,
    requirements: Mapping[str, ArrayLike],
    *,
    start: int,
    end: int,
    by: str | Sequence[str] | None = "role",
    requirements_end: Mapping[str, ArrayLike] | None = None,
    balanced: bool = True,
    firm: str = "firm",
    period: str = "period",
    stage: str = "stage",
    k_columns: Sequence[str] = K_COLUMNS,
    min_requirement: float = 0.0,
) -> pd.DataFrame:
    """Mean of each score at ``start`` and ``end`` and its change, per group (tier by default).

    ``requirements`` apply at ``start``, ``requirements_end`` (default: the same) at ``end``;
    each snapshot uses the firm's stage then. ``balanced=True`` keeps survivors (firms in the
    same group at both snapshots: the Melitz-Polanec within term with equal weights);
    ``balanced=False`` compares the cross-sections (entry and exit included). Returns long
    rows ``*by, score, n_start, n_end, mean_start, mean_end, change``.
    """
    keys = as_list(by)
    require_columns(firms, [period, firm, stage, *keys, *k_columns], where="capability_change")
    snaps = []
    for at, req in ((start, requirements), (end, requirements_end or requirements)):
        snap = firms[firms[period] == at]
        if snap.empty:
            raise InputError(f"no firm at period {at}", where="capability_change", field=period)
        if snap[firm].duplicated().any():
            raise InputError(
                f"firm ids repeat within period {at}", where="capability_change", field=firm
            )
        sc = capability_scores(
            snap, req, stage=stage, k_columns=k_columns, min_requirement=min_requirement
        )
        snaps.append(pd.concat([snap[[firm, *keys]], sc], axis=1))
    a, b = snaps
    if balanced:
        both = a[[firm, *keys]].merge(b[[firm, *keys]], on=[firm, *keys])
        a = a.merge(both, on=[firm, *keys])
        b = b.merge(both, on=[firm, *keys])
    if not keys:
        a, b = a.assign(_all=0), b.assign(_all=0)
    gk = keys or ["_all"]
    long = []
    for frame, tag in ((a, "start"), (b, "end")):
        m = frame.melt(id_vars=gk, value_vars=list(SCORES), var_name="score")
        agg = m.groupby([*gk, "score"], sort=True, dropna=False)["value"].agg(["count", "mean"])
        long.append(agg.set_axis([f"n_{tag}", f"mean_{tag}"], axis=1))
    out = long[0].join(long[1], how="outer").reset_index()
    out["change"] = out["mean_end"] - out["mean_start"]
    out = out.fillna({"n_start": 0, "n_end": 0}).astype({"n_start": "int64", "n_end": "int64"})
    out["score"] = pd.Categorical(out["score"], categories=list(SCORES))
    out = out.sort_values([*gk, "score"], ignore_index=True)
    out["score"] = out["score"].astype(str)
    cols = [*keys, "score", "n_start", "n_end", "mean_start", "mean_end", "change"]
    return out[cols]
