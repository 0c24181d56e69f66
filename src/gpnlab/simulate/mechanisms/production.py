"""Production, prices and value added by stage, with margins from market power.

Quantities flow down the hierarchy, prices up (MODEL.md section 5 accounting):

1. *Feasibility* (inputs before users): a firm can deliver when every input stage it needs has
   at least one feasible supplier; brand leaders' design units and in-house plants count.
2. *Volumes* (users before inputs): a buyer's volume is split among its feasible suppliers of
   each input stage in proportion to capacity; a brand leader splits assembly between its own
   plants (``1 - outsource``) and its CMs (``outsource``). One unit of each input per unit.
3. *Prices* (inputs before users): ``p_f = (input cost + materials cost + unit labour cost)
   (1 + mu_f)``, with the supplier's margin ``mu_f`` from market structure (its share of the
   capable supply of its stage, :mod:`market_power`), plus a design premium for ODM
   suppliers. Every unit needs the stage's basic
   inputs (:mod:`supplies`). Crossing a border adds the importer's tariff (a tax on the product,
   paid by the buyer) and both sides' logistics services (purchased) to the buyer's cost.
   What the final stage buys crosses no border on its way to the seller: the finished goods
   ship from the plants that assembled them straight to the end markets (step 4).
4. *The final leg* (:func:`final_leg`): a seller's units come from its assembly suppliers (own
   plants, CMs) in proportion to what each assembled; plants serve the market they are in
   first and ship the rest to the markets still short. Market c's final-goods tariff applies
   to the share of c's units imported (revenue net of ``t_c (1 - local_bc)``), and a shipment
   from g to c (valued at the assemblers' prices: the customs value) pays the exporter's and
   the importer's logistics, ``l_g + l_c``, which the seller buys as logistics services (in
   the table's Z, like the intermediate legs). Assembling in the markets saves both: market
   access and tariffs pull assembly toward them (tariff-jumping).
5. *Accounts*: sales = units x price (marketing units: final revenue); purchases = stage
   inputs + basic inputs + logistics services (all in the table's Z); taxes = tariffs paid (the
   table's taxes row); value added at basic prices = sales - purchases - taxes; employment =
   units x labour / productivity; profit = value added - wages - brand building - interest.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import BUYER_AHEAD, kernel, prefetch
from gpnlab.simulate.mechanisms.capability import (
    agglomeration_saving,
    refresh_match,
    unit_labour_costs,
)
from gpnlab.simulate.mechanisms.market_power import margins
from gpnlab.simulate.mechanisms.supplies import material_rates, own_location
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, FirmView, members_by_stage

ODM_PREMIUM = 0.5
LOCAL_CONTENT_COMPLIANCE = 0.5
DISRUPTED_WEIGHT = 1e-6  # a disrupted supplier's weight in its buyer's split


@kernel
def feasibility(
    f: FirmView,
    members: np.ndarray,
    bounds: np.ndarray,
    order: np.ndarray,
    inputs: np.ndarray,
    input_ptr: np.ndarray,
    feasible: np.ndarray,
) -> None:
    """Step 1, inputs first: a firm stays feasible when each input stage it needs has at least
    one feasible supplier under contract to it. ``feasible`` starts as ``alive``."""
    buyer = f.buyer
    count = np.zeros(buyer.size, np.int64)
    for s in order:
        for q in range(input_ptr[s], input_ptr[s + 1]):
            inp = inputs[q]
            sup = members[bounds[inp] : bounds[inp + 1]]
            for i in sup:
                if buyer[i] >= 0 and feasible[i]:
                    count[buyer[i]] += 1
            for j in members[bounds[s] : bounds[s + 1]]:
                if count[j] == 0:
                    feasible[j] = False
            for i in sup:
                if buyer[i] >= 0:
                    count[buyer[i]] = 0


@kernel
def volumes(
    f: FirmView,
    capacity: np.ndarray,
    feasible: np.ndarray,
    members: np.ndarray,
    bounds: np.ndarray,
    order: np.ndarray,
    inputs: np.ndarray,
    input_ptr: np.ndarray,
    stage_role: np.ndarray,
) -> None:
    """Step 2, users first: each buyer's volume is split among its feasible suppliers of each
    input stage in proportion to capacity; a brand leader gives ``1 - outsource`` of assembly
    to its own plants and ``outsource`` to CMs (all to one side if the other has none).
    ``f.units`` holds the final volumes of marketing units on entry, every firm's on exit;
    ``capacity`` is the split weight (capacity, near zero where deliveries are disrupted)."""
    role, stage, buyer, inhouse, outsource, units = (
        f.role, f.stage, f.buyer, f.inhouse, f.outsource, f.units
    )  # fmt: skip
    F = buyer.size
    cap = np.zeros((F, 2))  # a buyer's (own, market) capacity of this input stage, one line
    for n in range(order.size - 1, -1, -1):
        s = order[n]
        for q in range(input_ptr[s], input_ptr[s + 1]):
            inp = inputs[q]
            sup = members[bounds[inp] : bounds[inp + 1]]
            for j in range(sup.size):
                if j + BUYER_AHEAD < sup.size and buyer[sup[j + BUYER_AHEAD]] >= 0:
                    ba = buyer[sup[j + BUYER_AHEAD]]
                    prefetch(stage, ba)
                    prefetch(cap, 2 * ba)
                i = sup[j]
                b = buyer[i]
                if b >= 0 and feasible[i] and stage[b] == s:
                    if inhouse[i]:
                        cap[b, 0] += capacity[i]
                    else:
                        cap[b, 1] += capacity[i]
            for j in range(sup.size):
                if j + BUYER_AHEAD < sup.size and buyer[sup[j + BUYER_AHEAD]] >= 0:
                    ba = buyer[sup[j + BUYER_AHEAD]]
                    prefetch(cap, 2 * ba)
                    prefetch(units, ba)
                    prefetch(outsource, ba)
                    prefetch(role, ba)
                i = sup[j]
                b = buyer[i]
                if b >= 0 and feasible[i] and stage[b] == s:
                    # share to the market side: a brand leader's outsourcing share of assembly,
                    # everything when it has no own plant, nothing when it has no CM
                    if cap[b, 0] <= 0:
                        out = 1.0
                    elif cap[b, 1] <= 0:
                        out = 0.0
                    else:
                        out = outsource[b] if role[b] == BL and stage_role[inp] != BL else 1.0
                    if inhouse[i]:
                        share = (1 - out) * capacity[i] / max(cap[b, 0], 1e-300)
                    else:
                        share = out * capacity[i] / max(cap[b, 1], 1e-300)
                    units[i] += units[b] * share
            for i in sup:
                b = buyer[i]
                if b >= 0:
                    cap[b, 0] = 0.0
                    cap[b, 1] = 0.0


@kernel
def prices(
    f: FirmView,
    ulc: np.ndarray,
    compliance: np.ndarray,
    markup: np.ndarray,
    materials: np.ndarray,
    mat_logistics: np.ndarray,
    mat_tax: np.ndarray,
    tariff: np.ndarray,
    logistics: np.ndarray,
    members: np.ndarray,
    bounds: np.ndarray,
    order: np.ndarray,
    final: int,
) -> None:
    """Step 3, inputs first: ``p_f = (input cost + m_s (1 + l_c + t_c) + ulc_f compliance_f)
    (1 + mu_f)`` per unit, ``mu_f = markup[f]`` (:mod:`market_power`) times the ODM premium,
    ``m_s`` the stage's basic inputs, ``l_c`` and ``t_c`` the logistics
    and tariffs per unit of them (:func:`supplies.material_rates`); a stage's sales to its
    buyers add to their purchases (plus logistics across a border), taxes (tariffs) and input
    cost per unit. Sales to the ``final`` stage cross no border (the goods ship from the plant
    to the end markets: :func:`final_leg`). Writes ``f.price``, adds to ``f.purchases`` and
    ``f.taxes`` (zeroed by the caller)."""
    loc, buyer, units, odm, stage = f.loc, f.buyer, f.units, f.odm, f.stage
    price, purchases, taxes = f.price, f.purchases, f.taxes
    F = buyer.size
    input_cost = np.zeros(F)
    acc = np.zeros((F, 3))  # a buyer's (value, taxes, cost) of this stage's sales, one line
    for s in order:
        here = members[bounds[s] : bounds[s + 1]]
        for i in here:
            g = loc[i]
            mat = materials[s] * units[i]
            purchases[i] += mat * (1.0 + mat_logistics[g])
            taxes[i] += mat * mat_tax[g]
            mat_unit = materials[s] * (1.0 + mat_logistics[g] + mat_tax[g])
            mu = markup[i] * (1.0 + ODM_PREMIUM * (1.0 if odm[i] else 0.0))
            price[i] = (input_cost[i] + mat_unit + ulc[i] * compliance[i]) * (1 + mu)
        for j in range(here.size):
            if j + BUYER_AHEAD < here.size and buyer[here[j + BUYER_AHEAD]] >= 0:
                ba = buyer[here[j + BUYER_AHEAD]]
                prefetch(acc, 3 * ba)
                prefetch(loc, ba)
                prefetch(stage, ba)
            i = here[j]
            b = buyer[i]
            if b >= 0 and units[i] > 0:
                val = units[i] * price[i]
                freight = 0.0
                tax = 0.0
                if loc[i] != loc[b] and stage[b] != final:
                    freight = val * (logistics[loc[b]] + logistics[loc[i]])
                    tax = val * tariff[loc[b]]
                acc[b, 0] += val + freight
                acc[b, 1] += tax
                acc[b, 2] += val + freight + tax
        for j in range(here.size):  # each buyer's sums once (then zeroed: later ones add 0.0)
            if j + BUYER_AHEAD < here.size and buyer[here[j + BUYER_AHEAD]] >= 0:
                ba = buyer[here[j + BUYER_AHEAD]]
                prefetch(acc, 3 * ba)
                prefetch(purchases, ba)
                prefetch(taxes, ba)
                prefetch(units, ba)
                prefetch(input_cost, ba)
            i = here[j]
            b = buyer[i]
            if b >= 0 and units[i] > 0:
                purchases[b] += acc[b, 0]
                taxes[b] += acc[b, 1]
                if units[b] > 0:
                    input_cost[b] += acc[b, 2] / max(units[b], 1e-300)
                acc[b, 0] = 0.0
                acc[b, 1] = 0.0
                acc[b, 2] = 0.0


@kernel
def accounts(
    f: FirmView,
    final_revenue: np.ndarray,
    ulc: np.ndarray,
    wage: np.ndarray,
    labour: np.ndarray,
    rate: np.ndarray,
) -> None:
    """Step 4, per firm: sales = contract units x price + final revenue; the ledger entry
    (``sold_to``, ``contract_value``); employment = units x labour / productivity (productivity
    folded into ``ulc``); wage bill; profit = sales - purchases - taxes - wages - brand
    building - interest on debt at the owner country's rate. Writes ``f.sales``, the ledger,
    ``f.employment``, ``f.wage_bill`` and ``f.profit``."""
    alive, buyer, stage, loc, home = f.alive, f.buyer, f.stage, f.loc, f.home
    price, cash, units, purchases, taxes = f.price, f.cash, f.units, f.purchases, f.taxes
    brand_spend, sales, sold_to, contract_value = (
        f.brand_spend,
        f.sales,
        f.sold_to,
        f.contract_value,
    )
    employment, wage_bill, profit = f.employment, f.wage_bill, f.profit
    for i in range(alive.size):
        has_buyer = alive[i] and buyer[i] >= 0
        contract_sales = (units[i] if has_buyer else 0.0) * price[i]
        sold = has_buyer and contract_sales > 0
        sold_to[i] = buyer[i] if sold else -1
        contract_value[i] = contract_sales if sold else 0.0
        g, s = loc[i], stage[i]
        if not alive[i]:
            sales[i] = 0.0
            employment[i] = 0.0
            wage_bill[i] = 0.0
            profit[i] = 0.0
            continue
        sales[i] = contract_sales + final_revenue[i]
        productivity = ulc[i] / max(wage[g] * 1e-3 * labour[s], 1e-300)
        employment[i] = units[i] * labour[s] * productivity
        wage_bill[i] = employment[i] * wage[g] * 1e-3
        interest = max(-cash[i], 0.0) * rate[home[i]]
        profit[i] = sales[i] - purchases[i] - taxes[i] - wage_bill[i] - brand_spend[i] - interest


def origin_mix(m: Model) -> tuple[np.ndarray, np.ndarray]:
    """(sellers, G) units and value (units x price) that each seller's suppliers of non-BL
    stages (its assembly: own plants and CMs) delivered from each country this quarter."""
    f = m.firms
    st = m.stages
    n, G = m.sellers.size, m.G
    pos = np.full(f.size, -1, np.int64)
    pos[m.sellers] = np.arange(n)
    sup = f.alive & (f.buyer >= 0) & (f.units > 0) & (st.role[f.stage] != BL)
    sup[sup] = pos[f.buyer[sup]] >= 0
    key = pos[f.buyer[sup]] * G + f.loc[sup]
    # float even when no supplier delivered (np.bincount of nothing is int64)
    units = np.bincount(key, f.units[sup], n * G).reshape(n, G).astype(float)
    value = np.bincount(key, f.units[sup] * f.price[sup], n * G).reshape(n, G).astype(float)
    return units, value


def final_leg(m: Model, tariff: np.ndarray, logistics: np.ndarray) -> None:
    """Step 4 (module docstring): ship each seller's units from its assembly plants to its
    markets, plants serving the market they are in first. With ``A_g`` the units assembled in
    g (scaled to the units sold) and ``S_c`` the units sold in c, ``min(A_c, S_c)`` is served
    locally; the rest of each origin, ``A_g - min(A_g, S_g)``, goes to the markets still short,
    ``S_c - min(A_c, S_c)``, in proportion to their shortfall. Market c's tariff applies to its
    imported share ``1 - min(A_c, S_c) / S_c`` of the revenue; the exporter's logistics to the
    value exported from g (at its assemblers' mean price, the customs value) and the importer's
    to the value imported into c (at the mean price of the exports). Writes ``Model.origin``
    (assembled shares), ``Model.local`` (locally served share of each market),
    ``Model.final_revenue`` and ``Model.final_freight`` (added to ``f.purchases``). A seller
    with no assembly supplier ships from its own location."""
    f = m.firms
    m.origin_rows = m.sellers.copy()
    m.origin = np.zeros((m.sellers.size, m.G))
    m.local = np.zeros((m.sellers.size, m.G))
    m.final_freight = np.zeros((m.sellers.size, m.G))
    if m.sellers.size == 0:
        return
    units, value = origin_mix(m)
    total = units.sum(axis=1, keepdims=True)
    origin = np.divide(units, total, out=np.zeros_like(units), where=total > 0)
    m.origin[:] = origin
    sellers = m.sellers
    sold = m.final_sales
    n_sold = sold.sum(axis=1, keepdims=True)
    own = own_location(f.loc[sellers], m.G)
    mix = np.where(total > 0, origin, own)
    made = mix * n_sold  # units assembled in g, scaled to the units sold
    local = np.minimum(made, sold)
    share = np.divide(local, sold, out=(made > 0).astype(float), where=sold > 0)
    m.local[:] = share
    wanted = f.final_units[sellers]
    served = np.where(wanted > 0, f.units[sellers] / np.maximum(wanted, 1e-300), 0.0)
    m.final_revenue = m.ordered_value * served[:, None] * (1 - tariff[None, :] * (1 - share))
    # unit value of each origin (customs value), the seller's own location's when none
    u = units
    v = np.divide(value, u, out=np.zeros_like(u), where=u > 0)
    exported = made - local  # units leaving g
    imported = sold - local  # units entering c
    out_value = (exported * v).sum(axis=1, keepdims=True)
    n_out = exported.sum(axis=1, keepdims=True)
    mean_v = np.divide(out_value, n_out, out=np.zeros_like(n_out), where=n_out > 0)
    m.final_freight = (exported * v + imported * mean_v) * logistics[None, :]
    f.purchases[sellers] += m.final_freight.sum(axis=1)


def production(m: Model) -> None:
    f = m.firms
    F = f.size
    st = m.stages
    alive = f.alive
    members, bounds = members_by_stage(alive, f.stage, st.S)
    order, inputs, input_ptr = st.graph
    # 1. feasibility, inputs first
    feasible = alive.copy()
    feasibility(f.view(), members, bounds, order, inputs, input_ptr, feasible)
    # a supplier whose deliveries are disrupted this quarter loses its share to the buyer's
    # other suppliers of the stage; if all of them are disrupted they deliver late
    # (:mod:`disruption`)
    capacity = np.where(f.disrupted, DISRUPTED_WEIGHT * f.capacity, f.capacity)
    # 2. volumes, users first: the final stage's volume is what end buyers bought
    units = np.where(alive & (f.stage == st.final), f.final_units, 0.0)
    f.units[:] = np.where(feasible, units, 0.0)
    volumes(f.view(), capacity, feasible, members, bounds, order, inputs, input_ptr, st.role)
    units = f.units
    # a seller that cannot deliver (no feasible supplier of an input stage) sells nothing:
    # end buyers' orders (demand) become sales only for what is produced
    if m.sellers.size:
        wanted = f.final_units[m.sellers]
        served = np.where(wanted > 0, units[m.sellers] / np.maximum(wanted, 1e-300), 0.0)
        m.final_sales = m.ordered_sales * served[:, None]
        m.final_revenue = m.ordered_revenue * served[:, None]  # repriced by final_leg
    # 3. prices, inputs first
    c = m.countries
    ulc = unit_labour_costs(f.view(), c.wage, st.labour, agglomeration_saving(m))
    if m.match_now.shape != (F,):  # production called before any review this period
        refresh_match(m)
    lc = m.instruments.effect("local_content")
    compliance = 1 + LOCAL_CONTENT_COMPLIANCE * lc[f.loc] * (f.home != f.loc)
    tariff = m.instruments.effect("tariff_intermediate")
    logistics = m.instruments.effect("logistics_cost")
    mat_logistics, mat_tax = material_rates(m.material_origin, tariff, logistics)
    f.price[:] = 0.0
    f.purchases[:] = 0.0
    f.taxes[:] = 0.0
    prices(
        f.view(),
        ulc,
        compliance,
        margins(m),
        st.materials,
        mat_logistics,
        mat_tax,
        tariff,
        logistics,
        members,
        bounds,
        order,
        st.final,
    )
    # 4. the final leg: plants to end markets
    final_leg(m, m.instruments.effect("tariff_final"), logistics)
    # 5. accounts
    final = np.zeros(F)
    final[m.sellers] = m.final_revenue.sum(axis=1)
    rate = c.cost_of_capital * (1 - m.instruments.effect("patient_capital"))  # by owner
    accounts(f.view(), final, ulc, c.wage, st.labour, rate)
