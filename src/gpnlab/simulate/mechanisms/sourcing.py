"""Scorecard sourcing down the hierarchy (Ernst 2002, sec. 4.2-4.3; Cisco's supplier scorecard).

Sourcing is hierarchical: brand leaders buy assembly from contract manufacturers (and their own
plants), CMs buy sub-assemblies from higher-tier suppliers, higher tiers buy precision parts
from other higher-tier firms and commodity parts from lower-tier suppliers. A buyer whose
suppliers' capacity is short of ``1.15 x`` its expected volume opens vacancies (per input stage
and quarter at most ``MAX_NEW`` or a quarter of the suppliers its volume needs, whichever is
larger). For each vacancy ``mechanisms.candidates`` free suppliers of the stage are sampled
(more often in agglomerations and where matchmaking raises visibility: supplier development)
and scored:

``score = -2 log(landed cost / reference) + 1.5 min(match, 1.5) - 3 delivery record
          + 0.3 [same region] + 0.3 [cash > 0] + 3 LC(buyer loc) [domestic, foreign buyer] + e``

landed cost = unit labour cost (wages, productivity, agglomeration saving) times ``1 + tariff on
intermediates + logistics`` when the border is crossed; ``LC`` the local-content requirement on
foreign plants. When the buyer sells to end buyers (a brand leader's or latecomer brand's marketing
unit buying assembly), the goods ship from the plant to the seller's markets
(:func:`gpnlab.simulate.mechanisms.production.final_leg`), so the landed cost and the region term
are to those markets: ``1 + rate_bc'``, the final leg's cost of one more unit assembled in the
supplier's country c' (nothing where the seller sells more in c' than it assembles there, else the
final-goods tariffs and logistics of the markets it would be shipped to:
:func:`supplies.final_leg_rate`), and ``0.3 sum_d q_bd [same region as c']`` with ``q_bd`` the
seller's sales this quarter (:func:`market_appeal`); ``e`` Gumbel noise of scale ``NOISE`` = 0.3.
Candidates below 90% of the drop threshold are not eligible. The delivery record is the supplier's
observed share of disrupted quarters (:mod:`disruption`): buyers avoid volatile locations because
their suppliers fail to deliver, not by assumption. The best candidate takes the vacancy; a supplier
claimed twice goes to the first claim in random order. The committed length of a new contract is
``commitment (0.5 + tacitness_s)`` quarters: relationships that carry tacit, relationship-specific
knowledge are committed for longer (Williamson 1985 on asset specificity; Ernst 2002 sec. 2.4).

The best of K scores with i.i.d. Gumbel noise is a multinomial-logit choice (McFadden 1974; the
Gumbel-max identity): candidate j wins with probability ``exp(v_j / 0.3) / sum_i exp(v_i / 0.3)``,
``v`` the score without noise. The kernel draws that choice with one uniform per vacancy, and
``exp(v / 0.3)`` factors into a supplier part, a (buyer country, supplier country) part and the
local-content part, each computed once per quarter: no logarithm per candidate.
"""

from __future__ import annotations

import math

import numpy as np

from gpnlab.simulate.jit import kernel, prefetch
from gpnlab.simulate.mechanisms.capability import agglomeration_saving, unit_cost
from gpnlab.simulate.mechanisms.supplies import assembly_record, final_leg_rows
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import pairwise_sum
from gpnlab.simulate.state import PRODUCTION, FirmView, members_by_stage

VACANCY_SLACK = 1.15
MAX_NEW = 3
NOISE = 0.3
RELIABILITY = 3.0  # score weight of the delivery record
BLOCK = 32  # vacancies whose candidates are drawn at once
AHEAD = 4  # vacancies ahead whose buyer and candidates are prefetched (fill_vacancies)


@kernel
def country_sampler(
    items: np.ndarray, country: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tables to draw ``items`` with probability proportional to ``weight[country]``.

    Inverse-CDF sampling in two steps that use one uniform each: the country from the
    (G,) cumulative weights ``n_c w_c``, then an item uniformly within the country (the
    uniform's position inside the country's slice of the CDF). Same distribution as
    ``rng.choice(items, p=w[country] / sum)``, with a search over G countries instead of
    over all items; a guide table (Chen & Asau 1974) starts that search a step or two
    before the answer. Returns (items grouped by country, first slot of each country,
    CDF, lower CDF edge, items per unit of probability, guide table).
    """
    G = weight.size
    n_c = np.zeros(G, np.int64)
    for i in range(items.size):
        n_c[country[i]] += 1
    start = np.zeros(G, np.int64)
    for c in range(1, G):
        start[c] = start[c - 1] + n_c[c - 1]
    by_country = np.empty(items.size, np.int64)  # items grouped by country, stable
    fill = start.copy()
    for i in range(items.size):
        by_country[fill[country[i]]] = items[i]
        fill[country[i]] += 1
    cdf = np.cumsum(n_c * weight)
    cdf /= cdf[-1]  # exactly 1 at the end: u < 1 never runs past the last country with items
    lo = np.zeros(G)
    lo[1:] = cdf[:-1]
    per_unit = n_c / np.maximum(cdf - lo, 1e-300)
    guide = np.empty(4 * G, np.int64)  # guide[t]: first country whose CDF passes t / (4G)
    c = 0
    for t in range(guide.size):
        while c < G - 1 and cdf[c] <= t / guide.size:
            c += 1
        guide[t] = c
    return by_country, start, cdf, lo, per_unit, guide


@kernel
def draw_items(
    by_country: np.ndarray,
    start: np.ndarray,
    cdf: np.ndarray,
    lo: np.ndarray,
    per_unit: np.ndarray,
    guide: np.ndarray,
    u: np.ndarray,
    out: np.ndarray,
) -> None:
    """``out[j]``: the item that uniform ``u[j]`` selects from :func:`country_sampler`'s tables
    (searchsorted(cdf, u, "right") from the guide table, then the position within the
    country's slice)."""
    G = cdf.size
    for j in range(u.size):
        c = guide[int(u[j] * guide.size)]
        while c < G - 1 and cdf[c] <= u[j]:
            c += 1
        n_c = start[c + 1] - start[c] if c < G - 1 else by_country.size - start[c]
        k = min(int((u[j] - lo[c]) * per_unit[c]), max(n_c - 1, 0))
        out[j] = by_country[start[c] + k]


@kernel
def sample_by_country(
    items: np.ndarray, country: np.ndarray, weight: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """One draw of :func:`country_sampler` per uniform in ``u``."""
    by_country, start, cdf, lo, per_unit, guide = country_sampler(items, country, weight)
    out = np.empty(u.size, np.int64)
    draw_items(by_country, start, cdf, lo, per_unit, guide, u, out)
    return out


@kernel
def logit_choice(weight: np.ndarray, u: float) -> int:
    """Index j drawn with probability ``weight[j] / sum(weight)`` by uniform ``u``; -1 if the
    weights are all zero. With ``weight = exp(v / sigma)`` this is the winner of
    ``argmax_j v_j + sigma e_j``, e i.i.d. Gumbel (the Gumbel-max identity)."""
    total = 0.0
    for j in range(weight.size):
        total += weight[j]
    if not total > 0.0:
        return -1
    target = u * total
    cum = 0.0
    pick = -1
    for j in range(weight.size):
        if weight[j] > 0.0:
            pick = j  # the last positive weight if rounding leaves the target above the sum
            cum += weight[j]
            if cum > target:
                break
    return pick


@kernel
def shuffle(rng: np.random.Generator, x: np.ndarray) -> None:
    """Fisher-Yates shuffle of ``x`` in place, one uniform per element (numba's
    ``Generator.permutation`` costs ~40 ns per element; this ~5 ns)."""
    for i in range(x.size - 1, 0, -1):
        j = min(int(rng.random() * (i + 1)), i)
        x[i], x[j] = x[j], x[i]


@kernel
def clear_contracted(
    here: np.ndarray, buyer: np.ndarray, inhouse: np.ndarray, cap_sum: np.ndarray
) -> None:
    """Zero the entries of ``cap_sum`` that :func:`open_vacancies` wrote (the buyers of the
    stage's suppliers under contract)."""
    for i in here:
        if not inhouse[i] and buyer[i] >= 0:
            cap_sum[buyer[i]] = 0.0


@kernel
def open_vacancies(
    rng: np.random.Generator,
    s: int,
    f: FirmView,
    members: np.ndarray,
    bounds: np.ndarray,
    buys: np.ndarray,
    stage_role: np.ndarray,
    final: int,
    max_new: int,
    cap_sum: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The free suppliers of stage s (its own role, not in-house) and the vacancies for them,
    one entry per vacancy (the buyer), shuffled.

    Buyers that themselves sell (to a buyer, to end markets) open vacancies for the capacity
    short of ``VACANCY_SLACK`` x their volume, at most max(max_new, a quarter of the suppliers
    that volume needs): the pace of search does not depend on how finely capacity is split.
    ``cap_sum`` (F,) zeros, scratch for the capacity under contract per buyer (zero again on
    return).
    """
    role, stage, buyer, inhouse = f.role, f.stage, f.buyer, f.inhouse
    units, final_units, outsource, capacity = f.units, f.final_units, f.outsource, f.capacity
    here = members[bounds[s] : bounds[s + 1]]
    free = np.empty(here.size, np.int64)
    n_free = 0
    mean_cap = 0.0
    for i in here:  # one pass: contracted capacity, and the free suppliers in index order
        if not inhouse[i]:
            if buyer[i] >= 0:
                cap_sum[buyer[i]] += capacity[i]
            elif role[i] == stage_role[s]:
                free[n_free] = i
                n_free += 1
                mean_cap += capacity[i]
    free = free[:n_free].copy()
    if n_free == 0:
        clear_contracted(here, buyer, inhouse, cap_sum)
        return free, np.empty(0, np.int64)
    mean_cap = max(mean_cap / n_free, 1e-12)
    n_buyers = 0
    for b in range(buys.shape[0]):
        if buys[b, s]:
            n_buyers += bounds[b + 1] - bounds[b]
    open_b = np.empty(n_buyers, np.int64)
    open_n = np.empty(n_buyers, np.int64)
    n_open = 0
    n_vac = 0
    for b in range(buys.shape[0]):
        if not buys[b, s]:
            continue
        for j in members[bounds[b] : bounds[b + 1]]:
            mkt = stage[j] == final
            if not (buyer[j] >= 0 or mkt):
                continue
            if mkt:
                vol = max(final_units[j], 1e-9) * outsource[j]
            else:
                vol = units[j] if units[j] > 0 else 0.6 * capacity[j]
            if not vol > 0:
                continue
            need = vol * VACANCY_SLACK
            limit = max(float(max_new), np.ceil(0.25 * need / mean_cap))
            n_new = int(min(max(np.ceil((need - cap_sum[j]) / mean_cap), 0.0), limit))
            if n_new > 0:
                open_b[n_open] = j
                open_n[n_open] = n_new
                n_open += 1
                n_vac += n_new
    clear_contracted(here, buyer, inhouse, cap_sum)
    vac = np.empty(n_vac, np.int64)
    v = 0
    for j in range(n_open):
        for _ in range(open_n[j]):
            vac[v] = open_b[j]
            v += 1
    shuffle(rng, vac)
    return free, vac


@kernel
def supplier_appeal(
    s: int,
    free: np.ndarray,
    f: FirmView,
    match: np.ndarray,
    wage: np.ndarray,
    labour: np.ndarray,
    saving: np.ndarray,
    eligible: float,
    appeal: np.ndarray,
) -> int:
    """``appeal[f] = exp((v_f - max v) / NOISE)`` for the free suppliers of stage s, with the
    supplier part of the score ``v_f = -2 log(unit labour cost / median) + 1.5 min(match, 1.5)
    - RELIABILITY record_f + 0.3 [cash > 0]`` (record: ``f.delivery_record``); 0 for
    ineligible ones. Returns how many are eligible."""
    loc, K, cash, record = f.loc, f.K, f.cash, f.delivery_record
    value = np.empty(free.size)
    for j in range(free.size):
        i = free[j]
        value[j] = unit_cost(wage, labour, saving, K[i, PRODUCTION], loc[i], s)
    ref = max(np.median(value), 1e-12)
    top = -np.inf
    n_eligible = 0
    for j in range(free.size):
        i = free[j]
        value[j] = (
            -2.0 * np.log(value[j] / ref)
            + 1.5 * min(match[i], 1.5)
            - RELIABILITY * record[i]
            + (0.3 if cash[i] > 0 else 0.0)
        )
        if match[i] >= eligible:
            top = max(top, value[j])
            n_eligible += 1
    for j in range(free.size):
        i = free[j]
        appeal[i] = np.exp((value[j] - top) / NOISE) if match[i] >= eligible else 0.0
    return n_eligible


@kernel
def pair_appeal(region: np.ndarray, tariff: np.ndarray, logistics: np.ndarray) -> np.ndarray:
    """(G, G) ``exp(part / NOISE)`` of the (buyer country, supplier country) part of the score:
    crossing the border adds the importer's tariff and both sides' logistics to the landed
    cost; the same region is a plus."""
    G = region.size
    pair = np.empty((G, G))
    for lb in range(G):
        for lf in range(G):
            part = 0.3 if region[lb] == region[lf] else 0.0
            if lb != lf:
                part -= 2.0 * np.log(1.0 + (tariff[lb] + logistics[lb] + logistics[lf]))
            pair[lb, lf] = np.exp(part / NOISE)
    return pair


@kernel
def market_appeal(
    sales: np.ndarray,
    assembled: np.ndarray,
    home: np.ndarray,
    region: np.ndarray,
    tariff: np.ndarray,
    logistics: np.ndarray,
) -> np.ndarray:
    """(sellers, G) ``exp(part / NOISE)`` of the (seller, supplier country) part of the score
    of a final-stage buyer (module docstring): ``part = 0.3 sum_d q_d [region_d = region_c']
    - 2 log(1 + rate_c')``, ``q`` the seller's sales by market (``sales``, units) as shares,
    ``rate`` the final leg's cost of a unit assembled in c'
    (:func:`supplies.final_leg_rate`, from the seller's last ``assembled`` mix); a seller that
    sold nothing counts its own location (``home``) as its market. ``sales`` and ``assembled``
    are contiguous float rows."""
    q = sales_shares(sales, home)
    rate = final_leg_rows(assembled, q, tariff, logistics)
    R, G = q.shape
    pull = np.empty((R, G))
    for r in range(R):
        for c in range(G):
            same = 0.0  # share of the seller's sales in c's region
            for d in range(G):
                if region[d] == region[c]:
                    same += q[r, d]
            pull[r, c] = math.exp((0.3 * same - 2.0 * math.log1p(rate[r, c])) / NOISE)
    return pull


@kernel
def sales_shares(sales: np.ndarray, home: np.ndarray) -> np.ndarray:
    """(sellers, G) each seller's sales by market as shares (row sums in numpy's order:
    :func:`rowops.pairwise_sum`); 1 at its own location (``home``) where it sold nothing."""
    R, G = sales.shape
    q = np.zeros((R, G))
    for r in range(R):
        total = pairwise_sum(sales[r], 0, G)
        if total > 0:
            for k in range(G):
                q[r, k] = sales[r, k] / total
        else:
            q[r, home[r]] = 1.0
    return q


@kernel
def fill_vacancies(
    rng: np.random.Generator,
    f: FirmView,
    match: np.ndarray,
    members: np.ndarray,
    bounds: np.ndarray,
    buys: np.ndarray,
    stage_role: np.ndarray,
    labour: np.ndarray,
    wage: np.ndarray,
    region: np.ndarray,
    saving: np.ndarray,
    visibility: np.ndarray,
    agglomeration: float,
    tariff: np.ndarray,
    logistics: np.ndarray,
    local_content: np.ndarray,
    max_new: int,
    n_candidates: int,
    eligible: float,
    term: np.ndarray,
    final: int,
    sellers: np.ndarray,
    market_pair: np.ndarray,
) -> None:
    """Open vacancies, sample and score candidates, sign the winners (module docstring).

    Stages are served in index order; within a stage, vacancies in random order (the first
    claim on a supplier wins). Random draws per stage: the vacancy shuffle, then for each block
    of BLOCK vacancies one uniform per candidate, and per vacancy one uniform for the logit
    choice. Once every eligible free supplier is signed, the remaining vacancies of the stage
    stay open (no draws). The buyer ``sellers[r]`` sells to end buyers: its (buyer,
    supplier country) part is ``market_pair[r]`` (:func:`market_appeal`) instead of
    ``pair_appeal``'s row for its location. Signing writes ``f.buyer``,
    ``f.contract_age``, ``f.contract_len`` and ``f.idle``.
    """
    home, loc, buyer, contract_age, contract_len, idle = (
        f.home, f.loc, f.buyer, f.contract_age, f.contract_len, f.idle
    )  # fmt: skip
    appeal = np.zeros(buyer.size)  # exp(supplier part of the score / NOISE), free suppliers
    market_row = np.full(buyer.size, -1, np.int64)  # row of market_pair, -1: not a seller
    for r in range(sellers.size):
        market_row[sellers[r]] = r
    cap_sum = np.zeros(buyer.size)  # open_vacancies' scratch, zero between stages
    weight = np.empty(n_candidates)
    u = np.empty(BLOCK * n_candidates)
    cand = np.empty(BLOCK * n_candidates, np.int64)
    pair = pair_appeal(region, tariff, logistics)
    local_pull = np.exp(3.0 * local_content / NOISE)  # domestic supplier, foreign plant
    for s in range(stage_role.size):
        if not buys[:, s].any():
            continue
        free, vac = open_vacancies(
            rng, s, f, members, bounds, buys, stage_role, final, max_new, cap_sum
        )
        if vac.size == 0:
            continue
        # candidates: more visible in agglomerations and under supplier development
        cluster = np.zeros(wage.size)
        for i in members[bounds[s] : bounds[s + 1]]:
            cluster[loc[i]] += 1.0
        w_c = visibility * (1.0 + agglomeration * np.log1p(cluster))
        by_country, start, cdf, lo, per_unit, guide = country_sampler(free, loc[free], w_c)
        n_left = supplier_appeal(
            s, free, f, match, wage, labour, saving, eligible, appeal
        )  # eligible free suppliers not yet signed
        for v in range(vac.size):
            if n_left == 0:
                break  # every later vacancy would find only signed or ineligible ones
            first = v % BLOCK
            if first == 0:  # candidates for the next BLOCK vacancies
                for j in range(u.size):
                    u[j] = rng.random()
                draw_items(by_country, start, cdf, lo, per_unit, guide, u, cand)
            if first + AHEAD < BLOCK and v + AHEAD < vac.size:  # the rows read below, ahead
                ba = vac[v + AHEAD]
                prefetch(loc, ba)
                prefetch(home, ba)
                prefetch(market_row, ba)
                for j in range(n_candidates):
                    c = cand[(first + AHEAD) * n_candidates + j]
                    prefetch(appeal, c)
                    prefetch(loc, c)
            b = vac[v]
            lb = loc[b]
            lc_gain = home[b] != lb and local_content[lb] > 0
            r = market_row[b]
            for j in range(n_candidates):
                c = cand[first * n_candidates + j]
                if r >= 0:
                    weight[j] = appeal[c] * market_pair[r, loc[c]]
                else:
                    weight[j] = appeal[c] * pair[lb, loc[c]]
                if lc_gain and loc[c] == lb:
                    weight[j] *= local_pull[lb]
            j = logit_choice(weight, rng.random())
            if j < 0:
                continue  # no eligible candidate
            pick = cand[first * n_candidates + j]
            if buyer[pick] < 0:  # the first claim wins
                n_left -= 1
                buyer[pick] = b
                contract_age[pick] = 0
                contract_len[pick] = term[s]
                idle[pick] = 0


def sourcing(m: Model, max_new: int = MAX_NEW) -> None:
    f = m.firms
    mech = m.world.mechanisms
    inst = m.instruments
    members, bounds = members_by_stage(f.alive, f.stage, m.stages.S)
    sellers = m.sellers if m.ordered_sales.shape == (m.sellers.size, m.G) else m.sellers[:0]
    assembled = assembly_record(m, sellers)[0]
    market_pair = market_appeal(
        np.ascontiguousarray(m.ordered_sales if sellers.size else np.zeros((0, m.G)), float),
        assembled,
        f.loc[sellers],
        m.countries.region,
        inst.effect("tariff_final"),
        inst.effect("logistics_cost"),
    )
    fill_vacancies(
        m.rng("sourcing"),
        f.view(),
        m.match_now,
        members,
        bounds,
        m.stages.market_buys,
        m.stages.role,
        m.stages.labour,
        m.countries.wage,
        m.countries.region,
        agglomeration_saving(m),
        1.0 + inst.effect("supplier_development"),
        float(mech.agglomeration),
        inst.effect("tariff_intermediate"),
        inst.effect("logistics_cost"),
        inst.effect("local_content"),
        int(max_new),
        int(mech.candidates),
        0.9 * float(mech.drop_threshold),
        contract_terms(m),
        m.stages.final,
        sellers,
        market_pair,
    )


def contract_terms(m: Model) -> np.ndarray:
    """(S,) committed quarters of a new contract: ``max(1, round(commitment (0.5 +
    tacitness_s)))`` (module docstring); fixed for a run, computed once."""
    terms = m.derived.get("contract_terms")
    if terms is None:
        c = float(m.world.mechanisms.commitment) * (0.5 + m.stages.tacitness)
        terms = m.derived["contract_terms"] = np.maximum(1, np.round(c)).astype(np.int32)
    return terms
