"""Entry: domestic start-ups and new contract-manufacturing plants attracted by cost and policy.

* Start-ups (Lauridsen 2018 on building domestic capabilities): each quarter country c gets
  ``Poisson(0.006 * n_c * (0.5 + KB_c + SD_c))`` new domestic firms, n_c its active firms;
  90% lower-tier, 10% higher-tier. An entrant starts from what the country knows and what
  the stage needs, plus what spin-offs and hires carry from local incumbents (Klepper 2007 on
  spin-offs; Lauridsen 2018 on Penang's local suppliers founded by former MNC engineers):
  ``K_k = b_csk + h max(0, mean_k(incumbents at c, s) - b_csk)``, lognormal noise, with the
  base ``b_csk = (ENTRY_FLOOR + (1 - ENTRY_FLOOR) KB_c) R_sk(t)`` and ``h = SPINOFF``.
  Entrants never start below the base, so capability cannot ratchet down through entry.
* New CM plants (Ernst 2002, flagships' location choice): ``Poisson(0.5)`` per quarter, placed
  in a non-flagship country with probability proportional to
  ``exp(-2 log(landed_c / median landed) + 6 FDI_c + 2 a * log(1 + CM plants_c))`` (landed
  cost to the world's markets, FDI incentives, agglomeration), owned by the home of an
  existing CM. FDI incentives are paid per new plant. The landed cost of assembling in c is
  ``landed_c = w_c (1 + rate_c)``: unit labour cost at the current wage (the entrant's
  productivity does not depend on where it goes) times the final leg's cost of a unit made
  in c (:func:`supplies.final_leg_rate` with world demand and world assembly by country:
  nothing where c's market is short of local assembly, else the final-goods tariffs and
  logistics of the markets it would ship to; the plant-to-market leg of
  :func:`gpnlab.simulate.mechanisms.production.final_leg`). The weight 2 per log of landed cost
  is the sourcing scorecard's (:mod:`sourcing`), so plants go where buyers will source;
  conditional-logit studies of plant location find the same three forces, cost (negative),
  market access and agglomeration (positive): Head, Ries & Swenson 1995 on Japanese plants in
  the US, Head & Mayer 2004 on market potential in the EU. There is no congestion constant:
  a hub becomes dearer only as its wages rise once its labour reservoir is absorbed
  (:mod:`labour`).
* Spin-offs into parts stages short of suppliers (Klepper 2007: spin-offs are founded by
  employees of incumbents of the same industry, more often and more successfully from the
  better parents; Ernst 2002 sec. 4.1: the most demanding components come from the few clusters
  that master the mix of capabilities they need; Lauridsen 2018 on Penang's suppliers founded by
  former MNC engineers). A buyer of a parts stage s (a firm under contract, or selling, whose
  stage takes s as an input) with no supplier of s under contract is unmet demand; each quarter
  ``Poisson(theta * short_s)`` spin-offs of stage s are founded, ``short_s`` the number of such
  buyers and ``theta = mechanisms.spinoff_entry``. Each is located at a parent drawn uniformly
  among the incumbents of s that meet the stage's current standard (match >= 1, the *capable*
  supply of :mod:`market_power`); none where no incumbent does. It is a domestic firm of its
  parent's location with the start-ups' capability (base plus ``SPINOFF`` of the local
  incumbents' lead) and half the local mean capacity. Where capable incumbents are many, the
  stage grows; a stage whose firms fall short of the standard spawns none: capable supply
  concentrates in the clusters that already master it.
Switch: ``mechanisms.entry`` (all entry); ``mechanisms.spinoff_entry = 0`` (spin-offs only).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.capability import refresh_match
from gpnlab.simulate.mechanisms.specialisation import entry_weight
from gpnlab.simulate.mechanisms.supplies import final_leg_rate
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, CM, FIELDS, GIVEN, HT, LT, D, FirmView, founders

STARTUP_RATE = 0.006
ENTRY_FLOOR = 0.4  # share of the stage's requirement any entrant knows (codified)
SPINOFF = 0.5  # share of the incumbents' lead that spin-offs and hires carry
CM_RATE = 0.5
FDI_COST_PER_PLANT = 2.0  # millions per incentive point


def place(m: Model, count: int) -> np.ndarray:
    f = m.firms
    free = np.flatnonzero(~f.alive & (f.died < m.period))
    if free.size < count:
        f.grow(max(count, f.size // 4))
        if m.offered.shape[0]:
            m.offered = np.vstack([m.offered, np.zeros((f.size - m.offered.shape[0], D))])
        free = np.flatnonzero(~f.alive & (f.died < m.period))
    return free[:count]


def new_firms(
    m: Model,
    role: np.ndarray,
    home: np.ndarray,
    loc: np.ndarray,
    stage: np.ndarray,
    K: np.ndarray,
    capacity: np.ndarray,
) -> np.ndarray:
    """Fill free slots with new firms; returns them. Every field is reset to its entry value
    (:data:`~gpnlab.simulate.state.FIELDS`: an entrant's value where it differs, else the
    empty slot's), then the given ones are set: role, home, location, stage, capability (also
    its entry value ``K0``), capacity, learning investment (the world's rate) and start-up
    cash."""
    f = m.firms
    idx = place(m, role.size)
    for name, spec in FIELDS.items():
        if spec.entry != GIVEN:
            getattr(f, name)[idx] = spec.fill if spec.entry is None else spec.entry
    f.role[idx] = role
    f.home[idx] = home
    f.loc[idx] = loc
    f.stage[idx] = stage
    f.K[idx] = K
    f.K0[idx] = K
    f.capacity[idx] = capacity
    f.invest[idx] = m.world.mechanisms.investment_rate
    f.cash[idx] = 0.05 * capacity * 1e-4
    return idx


@kernel
def peer_sums(f: FirmView, G: int, S: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, capability sums (G*S, D) and capacity sums of active non-BL firms by
    (location, stage), in one pass. A firm with several lines counts once, with its
    capability once (its lines share it) and the capacity of all its lines."""
    alive, inhouse, role, loc, stage, K, capacity, parent = (
        f.alive, f.inhouse, f.role, f.loc, f.stage, f.K, f.capacity, f.parent
    )  # fmt: skip
    n = np.zeros(G * S, np.int64)
    k_sum = np.zeros((G * S, K.shape[1]))
    cap = np.zeros(G * S)
    for i in range(alive.size):
        if alive[i] and not inhouse[i] and role[i] != BL:
            key = loc[i] * S + stage[i]
            cap[key] += capacity[i]
            if parent[i] >= 0:
                continue
            n[key] += 1
            for d in range(K.shape[1]):
                k_sum[key, d] += K[i, d]
    return n, k_sum, cap


def peer_tables(m: Model) -> tuple[np.ndarray, np.ndarray]:
    """Mean capability (G, S, D) and mean capacity (G, S) of active non-BL firms."""
    f = m.firms
    S, G = m.stages.S, m.G
    n, K, cap = peer_sums(f.view(), G, S)
    with np.errstate(invalid="ignore", divide="ignore"):
        meanK = np.where(n[:, None] > 0, K / n[:, None], np.nan).reshape(G, S, D)
        meancap = np.where(n > 0, cap / n, np.nan).reshape(G, S)
    # fall back to the world mean of the stage, then to 40% of the requirement
    ns = n.reshape(G, S).sum(axis=0)
    worldK = K.reshape(G, S, D).sum(axis=0) / np.maximum(ns, 1)[:, None]
    worldK = np.where(ns[:, None] > 0, worldK, 0.4 * m.stages.req0)
    meanK = np.where(np.isnan(meanK), worldK[None], meanK)
    worldcap = np.where(ns > 0, cap.reshape(G, S).sum(axis=0) / np.maximum(ns, 1), 1e3)
    meancap = np.where(np.isnan(meancap), worldcap[None], meancap)
    return meanK, meancap


def entrant_capability(
    m: Model, loc: np.ndarray, stage: np.ndarray, meanK: np.ndarray
) -> np.ndarray:
    """(n, D) expected capability of start-ups at (loc, stage) (module docstring)."""
    kb = m.countries.knowledge_base[loc]
    base = (ENTRY_FLOOR + (1 - ENTRY_FLOOR) * kb)[:, None] * m.requirement[stage]
    return base + SPINOFF * np.maximum(meanK[loc, stage] - base, 0.0)


def landed_cost(m: Model) -> np.ndarray:
    """(G,) ``landed_c = w_c (1 + rate_c)``: the wage times one plus the final leg's cost of a
    unit assembled in c, for the world as one seller (module docstring): world demand this
    quarter against world assembly by country last quarter."""
    c = m.countries
    f = m.firms
    sold = m.ordered_sales.sum(axis=0) if m.ordered_sales.shape[1:] == (m.G,) else np.zeros(0)
    if sold.size != m.G or not sold.sum() > 0:
        sold = np.ones(m.G)
    buys = m.stages.market_buys[m.stages.final]  # the final stage's assembly stages
    made = f.alive & buys[f.stage] & (f.units > 0)
    assembled = np.bincount(f.loc[made], f.units[made], m.G)
    rate = final_leg_rate(
        assembled[None, :],
        sold[None, :],
        m.instruments.effect("tariff_final"),
        m.instruments.effect("logistics_cost"),
    )[0]
    return c.wage * (1.0 + rate)


@kernel
def unmet_buyers(
    f: FirmView, s: int, takes: np.ndarray, final: int, match: np.ndarray
) -> tuple[int, np.ndarray]:
    """Buyers of parts stage s (alive, under contract or selling, their stage takes s as an
    input, ``takes[stage]``; brand leaders' own units only where in-house plants) with no
    supplier of s under contract; and the stage's capable incumbents (founder rows not
    in-house with ``match >= 1``, index order), the spin-offs' parents."""
    alive, stage, buyer, role, inhouse, parent = (
        f.alive, f.stage, f.buyer, f.role, f.inhouse, f.parent
    )  # fmt: skip
    F = alive.size
    served = np.zeros(F, np.bool_)
    parents = np.empty(F, np.int64)
    n_parents = 0
    for i in range(F):
        if alive[i] and stage[i] == s:
            if buyer[i] >= 0:
                served[buyer[i]] = True
            if parent[i] < 0 and not inhouse[i] and match[i] >= 1.0:
                parents[n_parents] = i
                n_parents += 1
    short = 0
    for i in range(F):
        if (
            alive[i]
            and takes[stage[i]]
            and (buyer[i] >= 0 or stage[i] == final)
            and (role[i] != BL or inhouse[i])
            and not served[i]
        ):
            short += 1
    return short, parents[:n_parents]


def spinoffs(m: Model, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(role, location, stage) of this quarter's spin-offs into parts stages short of suppliers
    (module docstring): ``Poisson(theta * unmet buyers)`` per stage, each at a parent drawn
    among the stage's capable incumbents (match >= 1)."""
    f = m.firms
    theta = float(m.world.mechanisms.spinoff_entry)
    if m.match_now.shape != (f.size,):
        refresh_match(m)
    roles, locs, stages = [], [], []
    for s in range(m.stages.S):
        if m.stages.role[s] not in (HT, LT):
            continue
        takes = np.ascontiguousarray(m.stages.market_buys[:, s])
        if not takes.any():
            continue
        short, parents = unmet_buyers(f.view(), s, takes, int(m.stages.final), m.match_now)
        if short == 0:
            continue
        n = int(rng.poisson(theta * short))
        if n == 0 or parents.size == 0:
            continue
        locs.append(f.loc[parents[rng.integers(parents.size, size=n)]].astype(np.int64))
        stages.append(np.full(n, s, np.int64))
        roles.append(np.full(n, m.stages.role[s], np.int8))
    if not locs:
        return np.zeros(0, np.int8), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(roles), np.concatenate(locs), np.concatenate(stages)


def entry(m: Model) -> None:
    if not m.world.mechanisms.entry:
        return
    f = m.firms
    rng = m.rng("entry")
    c = m.countries
    act = founders(f) & (f.role >= HT)
    n_c = np.bincount(f.loc[act], minlength=m.G)
    sd = m.instruments.effect("supplier_development")
    births = rng.poisson(STARTUP_RATE * n_c * (0.5 + c.knowledge_base + sd))
    meanK, meancap = peer_tables(m)
    home = np.repeat(np.arange(m.G), births)
    ht_stages = [s for s in range(m.stages.S) if m.stages.role[s] == HT]
    lt_stages = [s for s in range(m.stages.S) if m.stages.role[s] == LT]
    cm_stages = [s for s in range(m.stages.S) if m.stages.role[s] == CM]
    u = rng.random(home.size)
    if not ht_stages or not lt_stages:  # a world without one of the supplier tiers
        only = lt_stages or ht_stages
        keep = np.asarray(only)
        home, u = (home[:0], u[:0]) if keep.size == 0 else (home, u)
        role = np.full(home.size, LT if lt_stages else HT, np.int8)
        stage = keep[rng.integers(max(keep.size, 1), size=home.size)] if keep.size else home
    else:
        role = np.where(u < 0.9, LT, HT).astype(np.int8)
        # specialisation: scale is an entry barrier among the tier's stages
        w = entry_weight(m)[ht_stages]
        pick = np.searchsorted(np.cumsum(w) / w.sum(), rng.random(home.size), side="right")
        pick_ht = np.array(ht_stages)[np.minimum(pick, len(ht_stages) - 1)]
        stage = np.where(role == LT, lt_stages[0], pick_ht)
    K = entrant_capability(m, home, stage, meanK) * rng.lognormal(0, 0.15, (home.size, D))
    cap = 0.5 * meancap[home, stage]
    loc = home.copy()
    # new CM plants, located by cost, FDI incentives and agglomeration
    cm_alive = founders(f) & (f.role == CM)
    n_cm = int(rng.poisson(CM_RATE)) if cm_alive.any() else 0
    if n_cm and cm_stages:
        cm_c = np.bincount(f.loc[cm_alive], minlength=m.G)
        fdi = m.instruments.effect("fdi_incentive")
        landed = landed_cost(m)
        ref = np.median(landed[~c.flagship_home]) if (~c.flagship_home).any() else 1.0
        util = -2 * np.log(landed / ref) + 6 * fdi
        util += 2 * m.world.mechanisms.agglomeration * np.log1p(cm_c)
        util = np.where(c.flagship_home, -np.inf, util)
        p = np.exp(util - util.max())
        cm_loc = rng.choice(m.G, size=n_cm, p=p / p.sum())
        cm_home = f.home[rng.choice(np.flatnonzero(cm_alive), size=n_cm)]
        s_cm = np.full(n_cm, cm_stages[0])
        K_cm = meanK[cm_home, s_cm] * rng.lognormal(0, 0.1, (n_cm, D))
        np.add.at(
            m.policy_cost,
            cm_loc,
            FDI_COST_PER_PLANT * 100 * m.instruments.raw["fdi_incentive"][cm_loc],
        )
        role = np.concatenate([role, np.full(n_cm, CM, np.int8)])
        home = np.concatenate([home, cm_home])
        loc = np.concatenate([loc, cm_loc])
        stage = np.concatenate([stage, s_cm])
        K = np.vstack([K, K_cm])
        cap = np.concatenate([cap, np.nanmedian(f.capacity[cm_alive]) * np.ones(n_cm)])
    if m.world.mechanisms.spinoff_entry > 0:
        sp_role, sp_loc, sp_stage = spinoffs(m, rng)
        role = np.concatenate([role, sp_role])
        home = np.concatenate([home, sp_loc])
        loc = np.concatenate([loc, sp_loc])
        stage = np.concatenate([stage, sp_stage])
        K = np.vstack(
            [
                K,
                entrant_capability(m, sp_loc, sp_stage, meanK)
                * rng.lognormal(0, 0.15, (sp_loc.size, D)),
            ]
        )
        cap = np.concatenate([cap, 0.5 * meancap[sp_loc, sp_stage]])
    if role.size:
        new_firms(
            m, role, home.astype(np.int16), loc.astype(np.int16), stage.astype(np.int8), K, cap
        )
