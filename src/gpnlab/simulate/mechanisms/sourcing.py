"""Scorecard sourcing down the hierarchy (Ernst 2002, sec. 4.2-4.3; Cisco's supplier scorecard).

Sourcing is hierarchical: brand leaders buy assembly from contract manufacturers (and their own
plants), CMs buy sub-assemblies from higher-tier suppliers, higher tiers buy precision parts
from other higher-tier firms and commodity parts from lower-tier suppliers. A buyer whose
suppliers' capacity is short of ``1.15 x`` its expected volume opens vacancies (per input stage
and quarter at most ``MAX_NEW`` or a quarter of the suppliers its volume needs, whichever is
larger). For each vacancy ``mechanisms.candidates`` free suppliers of the stage are sampled
(more often in agglomerations and where matchmaking raises visibility: supplier development)
and scored:

``score = -2 log(landed cost / reference) + 1.5 min(match, 1.5) - 2 volatility(loc)
          + 0.3 [same region] + 0.3 [cash > 0] + 3 LC(buyer loc) [domestic, foreign buyer] + e``

landed cost = unit labour cost (wages, productivity, agglomeration saving) times
``1 + tariff on intermediates + logistics`` when the border is crossed; ``LC`` the local-content
requirement on foreign plants; ``e`` Gumbel noise of scale 0.3. Candidates below 90% of the drop
threshold are not eligible. The best candidate takes the vacancy; a supplier claimed twice goes
to the first claim in random order.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.capability import agglomeration_saving, unit_labour_cost
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, LT

VACANCY_SLACK = 1.15
MAX_NEW = 3
NOISE = 0.3


def market_inputs(m: Model, stage: int) -> list[int]:
    """Input stages that a buyer of ``stage`` buys on the market (not from its own units)."""
    return [s for s in m.stages.inputs[stage] if m.stages.role[s] != BL]


def by_stage(m: Model) -> list[np.ndarray]:
    """Indices of alive firms grouped by stage (one sort instead of a full mask per stage)."""
    f = m.firms
    alive = np.flatnonzero(f.alive)
    st = f.stage[alive]
    order = np.argsort(st, kind="stable")
    bounds = np.searchsorted(st[order], np.arange(m.stages.S + 1))
    return [alive[order[bounds[i] : bounds[i + 1]]] for i in range(m.stages.S)]


def sample_by_country(
    items: np.ndarray, country: np.ndarray, weight: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Draw ``items`` with probability proportional to ``weight[country]``, one per uniform.

    Inverse-CDF sampling in two steps that use one uniform each: the country from the
    (G,) cumulative weights ``n_c w_c``, then an item uniformly within the country (the
    uniform's position inside the country's slice of the CDF). Same distribution as
    ``rng.choice(items, p=w[country] / sum)``, with a search over G countries instead of
    over all items.
    """
    order = np.argsort(country, kind="stable")
    n_c = np.bincount(country, minlength=weight.size)
    mass = n_c * weight
    cdf = np.cumsum(mass)
    cdf /= cdf[-1]  # exactly 1 at the end: u < 1 never runs past the last country with items
    c = np.minimum(np.searchsorted(cdf, u, side="right"), weight.size - 1)
    lo = np.where(c > 0, cdf[np.maximum(c - 1, 0)], 0.0)
    within = (u - lo) / np.maximum(cdf[c] - lo, 1e-300)
    k = np.minimum((within * n_c[c]).astype(np.int64), np.maximum(n_c[c] - 1, 0))
    start = np.cumsum(n_c) - n_c
    return items[order[start[c] + k]]


def sourcing(m: Model, max_new: int = MAX_NEW) -> None:
    f = m.firms
    F = f.size
    rng = m.rng("sourcing")
    mech = m.world.mechanisms
    saving = agglomeration_saving(m)
    inst = m.instruments
    sd = inst.effect("supplier_development")
    lc = inst.effect("local_content")
    tariff = inst.effect("tariff_intermediate")
    logistics = inst.effect("logistics_cost")
    region = m.countries.region
    vol_c = m.countries.volatility * mech.volatility_scale
    groups = by_stage(m)
    for s in range(m.stages.S):
        buyers_stages = [b for b in range(m.stages.S) if s in market_inputs(m, b)]
        if not buyers_stages:
            continue
        here = groups[s]
        here = here[~f.inhouse[here]]
        is_sup = here[f.buyer[here] >= 0]
        cap_sum = np.bincount(f.buyer[is_sup], f.capacity[is_sup], F)
        # only buyers that themselves sell (to a buyer or to end markets) search for suppliers
        cand_b = np.concatenate([groups[b] for b in buyers_stages])
        mkt = (f.role[cand_b] == BL) & (f.stage[cand_b] == 5)
        sells = (f.buyer[cand_b] >= 0) | mkt | f.obm[cand_b]
        vol = np.where(f.units[cand_b] > 0, f.units[cand_b], 0.6 * f.capacity[cand_b])
        vol = np.where(mkt, np.maximum(f.final_units[cand_b], 1e-9) * f.outsource[cand_b], vol)
        keep = sells & (vol > 0)
        cand_b, vol = cand_b[keep], vol[keep]
        need = vol * VACANCY_SLACK
        free = here[(f.buyer[here] < 0) & (f.role[here] == m.stages.role[s])]
        if free.size == 0:
            continue
        mean_cap = float(f.capacity[free].mean())
        gap = need - cap_sum[cand_b]
        # at most max(MAX_NEW, a quarter of the suppliers the buyer needs) new ones per quarter:
        # the pace of search does not depend on how finely capacity is split among firms
        limit = np.maximum(max_new, np.ceil(0.25 * need / max(mean_cap, 1e-12)))
        n_new = np.clip(np.ceil(gap / max(mean_cap, 1e-12)), 0, limit).astype(np.int64)
        vac = np.repeat(cand_b, n_new)
        if vac.size == 0:
            continue
        vac = vac[rng.permutation(vac.size)]
        cluster = np.bincount(f.loc[groups[s]], minlength=m.G)
        w_c = (1 + sd) * (1 + mech.agglomeration * np.log1p(cluster))  # visibility by country
        K = mech.candidates
        cand = sample_by_country(free, f.loc[free], w_c, rng.random((vac.size, K)))
        b = vac[:, None]
        lb, lf = f.loc[b], f.loc[cand]
        cost = unit_labour_cost(m, cand.ravel(), saving).reshape(cand.shape)
        border = lb != lf
        landed = cost * (1 + border * (tariff[lb] + logistics[lb] + logistics[lf]))
        ref = np.median(unit_labour_cost(m, free, saving))
        mt = m.match_now[cand]
        foreign_buyer = f.home[b] != f.loc[b]
        score = (
            -2.0 * np.log(landed / max(ref, 1e-12))
            + 1.5 * np.minimum(mt, 1.5)
            - 2.0 * vol_c[lf]
            + 0.3 * (region[lb] == region[lf])
            + 0.3 * (f.cash[cand] > 0)
            + 3.0 * lc[lb] * (foreign_buyer & ~border)
            + NOISE * rng.gumbel(size=cand.shape)
        )
        score = np.where(mt >= 0.9 * mech.drop_threshold, score, -np.inf)
        best = score.argmax(axis=1)
        ok = np.isfinite(score[np.arange(vac.size), best])
        pick = cand[np.arange(vac.size), best]
        vac, pick = vac[ok], pick[ok]
        pick, first = np.unique(pick, return_index=True)
        vac = vac[first]
        f.buyer[pick] = vac
        f.contract_age[pick] = 0
        short = f.role[pick] == LT
        f.contract_len[pick] = np.where(
            short, max(1, int(mech.commitment // 2)), int(mech.commitment)
        )
        f.idle[pick] = 0
