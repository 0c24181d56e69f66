"""Finance and exit (Dosi, Roventini & Russo 2019 for the firm life cycle of multi-country ABMs).

Cash accumulates profit less learning investment (net of the learning subsidy):
``cash += profit - i_f (1 - LS_c) max(profit, 0)``. A firm exits when its cash falls below
minus two quarters of its average sales (insolvency), or when a supplier has had no buyer for
eight quarters. A supplier firm with several lines (:mod:`lines`) pools its cash over them and
exits as one. Exit frees its suppliers, and its workers are displaced into the informal sector
(:mod:`labour`). A latecomer brand (OBM, :mod:`upgrading`) is one business: its design unit's
cash is swept into its final-stage unit each quarter, and when that unit is insolvent the
whole brand exits.

Brands enter and exit (Ernst 2002 sec. 4.3 on Acer; the record of Nokia, Motorola, BlackBerry):

* a latecomer brand that has been profitable for ``PROMOTION_STREAK`` consecutive quarters
  (after R&D) and is at least ``PROMOTION_AGE`` quarters old becomes a brand leader: it sells
  in every region at the market price (:mod:`demand`), its units count in the frontier, and it
  is judged like any flagship from then on;
* a brand leader whose share of world final sales has stayed below ``EXIT_SHARE`` of an equal
  share (``1 / number of brands``) for ``EXIT_QUARTERS`` consecutive quarters exits with all its
  own units and in-house plants (``m.brand_exits``); a latecomer brand is judged on the same
  rule once it is ``PROMOTION_AGE`` quarters old, and on insolvency from the start.

The number and homes of brand leaders are outcomes (panel ``brand_leaders``).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, FirmView

IDLE_LIMIT = 8
INSOLVENCY_QUARTERS = 2.0
PROMOTION_STREAK = 12  # quarters of profit in a row: three years of a sustained business
PROMOTION_AGE = 20  # quarters: five years
EXIT_SHARE = 0.2  # of an equal share of world final sales
EXIT_QUARTERS = 12  # quarters in a row below it


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
def settle(f: FirmView, subsidy: np.ndarray) -> np.ndarray:
    """Cash, age and idle quarters of every alive row (``f.cash``, ``f.age``, ``f.idle``);
    returns the rows that exit (insolvent or idle too long; the flagships' own units never).
    A firm with several lines (:mod:`lines`) is judged as one: its rows' cash is pooled and
    shared back in proportion to their average sales (capacity where it has none), it is
    insolvent when the pooled cash is below minus two quarters of its pooled sales; it is
    idle only when none of its lines has a buyer; and every line leaves with its founder."""
    alive, role, inhouse, obm, buyer, loc, stage, parent = (
        f.alive, f.role, f.inhouse, f.obm, f.buyer, f.loc, f.stage, f.parent
    )  # fmt: skip
    profit, invest, sales_mean, cash, age, idle, capacity = (
        f.profit, f.invest, f.sales_mean, f.cash, f.age, f.idle, f.capacity
    )  # fmt: skip
    F = alive.size
    grouped = np.zeros(F, np.bool_)
    for i in range(F):
        if alive[i] and parent[i] >= 0:
            grouped[parent[i]] = True
    g_cash = np.zeros(F)
    g_sales = np.zeros(F)
    g_cap = np.zeros(F)
    g_busy = np.zeros(F, np.bool_)
    for i in range(F):
        if not alive[i]:
            continue
        spend = invest[i] * max(profit[i], 0.0)
        cash[i] += profit[i] - spend * (1 - subsidy[loc[i], stage[i]])
        age[i] += 1
        r = parent[i] if parent[i] >= 0 else i
        if grouped[r]:
            g_cash[r] += cash[i]
            g_sales[r] += sales_mean[i]
            g_cap[r] += capacity[i]
            g_busy[r] |= buyer[i] >= 0
    leaving = np.zeros(F, np.bool_)
    for i in range(F):
        if not alive[i]:
            continue
        r = parent[i] if parent[i] >= 0 else i
        if grouped[r]:
            if g_sales[r] > 0:
                cash[i] = g_cash[r] * sales_mean[i] / g_sales[r]
            else:
                cash[i] = g_cash[r] * capacity[i] / max(g_cap[r], 1e-300)
        working = buyer[i] >= 0 or (grouped[r] and g_busy[r])
        if not working and not obm[i] and role[i] != BL:
            idle[i] += 1
        else:
            idle[i] = 0
        if parent[i] >= 0:
            continue  # a line leaves with its founder (below)
        if grouped[i]:  # the firm's pooled cash against its pooled sales
            insolvent = g_cash[i] < -INSOLVENCY_QUARTERS * g_sales[i] and age[i] > 4
        else:
            insolvent = cash[i] < -INSOLVENCY_QUARTERS * sales_mean[i] and age[i] > 4
        stale = idle[i] > IDLE_LIMIT
        flagship_unit = role[i] == BL and not inhouse[i] and not obm[i]
        leaving[i] = (insolvent or stale) and not flagship_unit
    for i in range(F):
        if alive[i] and parent[i] >= 0 and leaving[parent[i]]:
            leaving[i] = True
    return np.flatnonzero(leaving)


def brand_turnover(m: Model) -> np.ndarray:
    """Promote sustained latecomer brands; return the units of brands that lose their market
    (module docstring). Reads this quarter's final sales (``m.final_revenue``)."""
    f = m.firms
    alive = f.alive[m.sellers]
    heads = m.sellers[alive]
    if heads.size == 0:
        return heads
    world = m.final_revenue.sum(axis=1)[alive]
    share = world / max(world.sum(), 1e-300)
    f.profit_streak[heads] = np.where(f.profit[heads] > 0, f.profit_streak[heads] + 1, 0)
    marginal = share < EXIT_SHARE / heads.size
    f.low_share[heads] = np.where(marginal, f.low_share[heads] + 1, 0)
    mature = f.age[heads] >= PROMOTION_AGE
    promote = heads[f.obm[heads] & mature & (f.profit_streak[heads] >= PROMOTION_STREAK)]
    if promote.size:
        units = np.isin(f.buyer, promote) & f.obm
        f.obm[promote] = False
        f.obm[units] = False
        m.brand_promotions += int(promote.size)
    judged = (~f.obm[heads]) | mature
    gone = heads[judged & (f.low_share[heads] >= EXIT_QUARTERS)]
    if gone.size == 0:
        return gone
    m.brand_exits += int(gone.size)
    own = f.alive & np.isin(f.buyer, gone) & ((f.role == BL) | f.inhouse)
    return np.union1d(gone, np.flatnonzero(own))


def finance(m: Model) -> None:
    f = m.firms
    final = m.stages.final
    # a latecomer brand's other units hand their cash to its final-stage unit (one business)
    sub = np.flatnonzero(f.alive & f.obm & (f.stage != final) & (f.buyer >= 0))
    if sub.size:
        np.add.at(f.cash, f.buyer[sub], f.cash[sub])
        f.cash[sub] = 0.0
    out = settle(f.view(), m.instruments.table("learning_subsidy"))
    heads = out[f.obm[out] & (f.stage[out] == final)]
    out = out[~(f.obm[out] & (f.stage[out] != final))]  # a brand's units go with the brand
    if heads.size:
        gone = np.zeros(f.size, bool)
        gone[heads] = True
        units = np.flatnonzero(f.alive & f.obm & (f.buyer >= 0) & gone[np.maximum(f.buyer, 0)])
        out = np.union1d(out, units)
        m.obm_exits += int(heads.size)
    exit_firms(m, np.union1d(out, brand_turnover(m)))
