"""Production, prices and value added by stage, with margins from market power.

Quantities flow down the hierarchy, prices up (MODEL.md section 5 accounting):

1. *Feasibility* (inputs before users): a firm can deliver when every input stage it needs has
   at least one feasible supplier; brand leaders' design units and in-house plants count.
2. *Volumes* (users before inputs): a buyer's volume is split among its feasible suppliers of
   each input stage in proportion to capacity; a brand leader splits assembly between its own
   plants (``1 - outsource``) and its CMs (``outsource``). One unit of each input per unit.
3. *Prices* (inputs before users): ``p_f = (input cost + unit labour cost) (1 + mu_f)``, with the
   stage's margin ``mu_s`` (market power: high in design and brand, thin in assembly --
   Lauridsen 2018 on CM margins of 1.7% and 0.8%) scaled by the supplier's capability match,
   plus a design premium for ODM suppliers. Crossing a border adds the importer's tariff on
   intermediates and both sides' logistics costs to the buyer's cost (paid by the buyer; in
   value added as taxes and services).
4. *Accounts*: sales = units x price (marketing units and OBM firms: final revenue);
   purchases = suppliers' sales; value added = sales - purchases; employment = units x labour /
   productivity; profit = value added - wages - trade costs - interest.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.capability import (
    agglomeration_saving,
    refresh_match,
    unit_labour_cost,
)
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL

ODM_PREMIUM = 0.5
LOCAL_CONTENT_COMPLIANCE = 0.5


def production(m: Model) -> None:
    f = m.firms
    F = f.size
    st = m.stages
    alive = f.alive
    has_buyer = alive & (f.buyer >= 0)
    # 1. feasibility, inputs first
    feasible = alive.copy()
    for s in st.order:
        users = alive & (f.stage == s)
        for inp in st.inputs[s]:
            sup = has_buyer & (f.stage == inp) & feasible
            n_ok = np.bincount(f.buyer[sup], minlength=F)
            feasible &= ~users | (n_ok > 0)
    # 2. volumes, users first
    units = np.where(alive & (f.role == BL) & (f.stage == 5), f.final_units, 0.0)
    units = np.where(feasible, units, 0.0)
    for s in reversed(st.order):
        for inp in st.inputs[s]:
            sup = np.flatnonzero(
                has_buyer & feasible & (f.stage == inp) & (f.stage[np.maximum(f.buyer, 0)] == s)
            )
            if sup.size == 0:
                continue
            b = f.buyer[sup]
            own = f.inhouse[sup]
            cap = f.capacity[sup]
            cap_own = np.bincount(b[own], cap[own], F)
            cap_mkt = np.bincount(b[~own], cap[~own], F)
            # a brand leader splits assembly between its plants and CMs; other inputs: market
            out = np.where((f.role == BL) & (st.role[inp] != BL), f.outsource, 1.0)
            out = np.where(cap_own > 0, np.where(cap_mkt > 0, out, 0.0), 1.0)
            share = np.where(
                own,
                (1 - out[b]) * cap / np.maximum(cap_own[b], 1e-300),
                out[b] * cap / np.maximum(cap_mkt[b], 1e-300),
            )
            units[sup] += units[b] * share
    # own-brand units of OBM firms
    units += np.where(f.obm & alive, f.final_units, 0.0)
    f.units[:] = units
    # 3. prices, inputs first
    saving = agglomeration_saving(m)
    idx = np.flatnonzero(alive)
    ulc = np.zeros(F)
    ulc[idx] = unit_labour_cost(m, idx, saving)
    if m.match_now.shape != (F,):  # production called before any review this period
        refresh_match(m)
    mt = m.match_now
    lc = m.instruments.effect("local_content")
    foreign_plant = f.home != f.loc
    mu = st.markup[f.stage] * (0.5 + 0.5 * np.minimum(mt, 2.0)) * (1 + ODM_PREMIUM * f.odm)
    tariff = m.instruments.effect("tariff_intermediate")
    logistics = m.instruments.effect("logistics_cost")
    input_cost = np.zeros(F)
    purchases = np.zeros(F)
    trade = np.zeros(F)
    price = np.zeros(F)
    compliance = 1 + LOCAL_CONTENT_COMPLIANCE * lc[f.loc] * foreign_plant
    contract_units = units - np.where(f.obm, f.final_units, 0.0)
    for s in st.order:
        here = alive & (f.stage == s)
        price = np.where(here, (input_cost + ulc * compliance) * (1 + mu), price)
        # this stage's sales feed its buyers' input costs
        sup = np.flatnonzero(has_buyer & here & (contract_units > 0))
        if sup.size == 0:
            continue
        b = f.buyer[sup]
        val = contract_units[sup] * price[sup]
        border = f.loc[sup] != f.loc[b]
        tc = val * border * (tariff[f.loc[b]] + logistics[f.loc[b]] + logistics[f.loc[sup]])
        purchases += np.bincount(b, val, F)
        trade += np.bincount(b, tc, F)
        per_unit = (np.bincount(b, val + tc, F)) / np.maximum(units, 1e-300)
        input_cost += np.where(units > 0, per_unit, 0.0)
    f.price[:] = price
    # 4. accounts
    contract_sales = np.where(has_buyer, contract_units, 0.0) * price
    final = m.final_revenue.sum(axis=1)
    f.sales[:] = np.where(alive, contract_sales + final, 0.0)
    f.sold_to[:] = np.where(has_buyer & (contract_sales > 0), f.buyer, -1)
    f.contract_value[:] = np.where(f.sold_to >= 0, contract_sales, 0.0)
    f.purchases[:] = purchases
    f.trade_costs[:] = trade
    prod = np.ones(F)
    prod[idx] = ulc[idx] / np.maximum(
        m.countries.wage[f.loc[idx]] * 1e-3 * st.labour[f.stage[idx]], 1e-300
    )
    # employment (workers) = units x labour / productivity  (productivity folded into ulc)
    f.employment[:] = np.where(alive, f.units * st.labour[f.stage] * prod, 0.0)
    f.wage_bill[:] = f.employment * m.countries.wage[f.loc] * 1e-3
    rate = m.countries.cost_of_capital[f.home] * (
        1 - m.instruments.effect("patient_capital")[f.home]
    )
    interest = np.maximum(-f.cash, 0.0) * rate
    f.profit[:] = np.where(
        alive, f.sales - f.purchases - f.trade_costs - f.wage_bill - interest, 0.0
    )
