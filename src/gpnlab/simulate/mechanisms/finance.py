"""Finance and exit (Dosi, Roventini & Russo 2019 for the firm life cycle of multi-country ABMs).

Cash accumulates profit less learning investment (net of the learning subsidy):
``cash += profit - i_f (1 - LS_c) max(profit, 0)``. A firm exits when its cash falls below
minus two quarters of its average sales (insolvency), or when a supplier has had no buyer for
eight quarters. Exit frees its suppliers, and its workers are displaced into the informal sector
(:mod:`labour`). Brand leaders' marketing and design units do not exit in this version.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL

IDLE_LIMIT = 8
INSOLVENCY_QUARTERS = 2.0


def exit_firms(m: Model, idx: np.ndarray) -> None:
    f = m.firms
    if idx.size == 0:
        return
    m.countries.displaced += np.bincount(f.loc[idx], f.employment[idx], m.G) / 1e3
    f.alive[idx] = False
    f.died[idx] = m.period
    gone = np.zeros(f.size, bool)
    gone[idx] = True
    orphan = f.alive & (f.buyer >= 0) & gone[np.maximum(f.buyer, 0)]
    f.buyer[orphan] = -1
    f.buyer[idx] = -1


@kernel
def settle(
    alive: np.ndarray,
    role: np.ndarray,
    inhouse: np.ndarray,
    obm: np.ndarray,
    buyer: np.ndarray,
    loc: np.ndarray,
    stage: np.ndarray,
    profit: np.ndarray,
    invest: np.ndarray,
    sales_mean: np.ndarray,
    subsidy: np.ndarray,
    cash: np.ndarray,
    age: np.ndarray,
    idle: np.ndarray,
) -> np.ndarray:
    """One pass over alive firms: cash, age and idle quarters; returns the firms that exit
    (insolvent or idle too long; brand leaders' own units never)."""
    leaving = np.zeros(alive.size, np.bool_)
    for i in range(alive.size):
        if not alive[i]:
            continue
        spend = invest[i] * max(profit[i], 0.0)
        cash[i] += profit[i] - spend * (1 - subsidy[loc[i], stage[i]])
        age[i] += 1
        if buyer[i] < 0 and not obm[i] and role[i] != BL:
            idle[i] += 1
        else:
            idle[i] = 0
        insolvent = cash[i] < -INSOLVENCY_QUARTERS * sales_mean[i] and age[i] > 4
        stale = idle[i] > IDLE_LIMIT
        leaving[i] = (insolvent or stale) and not (role[i] == BL and not inhouse[i])
    return np.flatnonzero(leaving)


def finance(m: Model) -> None:
    f = m.firms
    out = settle(
        f.alive,
        f.role,
        f.inhouse,
        f.obm,
        f.buyer,
        f.loc,
        f.stage,
        f.profit,
        f.invest,
        f.sales_mean,
        m.instruments.table("learning_subsidy"),
        f.cash,
        f.age,
        f.idle,
    )
    exit_firms(m, out)
