"""Finance and exit (Dosi, Roventini & Russo 2019 for the firm life cycle of multi-country ABMs).

Cash accumulates profit less learning investment (net of the learning subsidy):
``cash += profit - i_f (1 - LS_c) max(profit, 0)``. A firm exits when its cash falls below
minus two quarters of its average sales (insolvency), or when a supplier has had no buyer for
eight quarters. Exit frees its suppliers, and its workers are displaced into the informal sector
(:mod:`labour`). Brand leaders' marketing and design units do not exit in this version.
"""

from __future__ import annotations

import numpy as np

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


def finance(m: Model) -> None:
    f = m.firms
    alive = f.alive
    subsidy = m.instruments.targeted("learning_subsidy", f.loc, f.stage)
    spend = f.invest * np.maximum(f.profit, 0.0)
    f.cash[alive] += (f.profit - spend * (1 - subsidy))[alive]
    f.age[alive] += 1
    idle = alive & (f.buyer < 0) & ~f.obm & (f.role != BL)
    f.idle[idle] += 1
    f.idle[alive & ~idle] = 0
    insolvent = alive & (f.cash < -INSOLVENCY_QUARTERS * f.sales_mean) & (f.age > 4)
    stale = alive & (f.idle > IDLE_LIMIT)
    out = np.flatnonzero((insolvent | stale) & ~((f.role == BL) & ~f.inhouse))
    exit_firms(m, out)
