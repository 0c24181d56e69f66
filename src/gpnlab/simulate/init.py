"""Build the initial state of a world: firms by role and country, then the first network.

Initial capabilities follow the population's mean capability, shaped toward the needs of the
firm's stage, with lognormal dispersion; capacities are lognormal with a heavy tail (firm sizes
are close to Zipf-distributed, Axtell 2001) and scaled so that each stage can serve about 1.4
times the initial world demand. The network is formed by running the sourcing mechanism until
every buyer has suppliers (a warm-up that is part of the deterministic run).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.allocator import keep_freed_memory
from gpnlab.simulate.config import ROLES, World
from gpnlab.simulate.mechanisms.demand import BRAND_BUDGET, GOODWILL_DECAY
from gpnlab.simulate.mechanisms.finance import IDLE_LIMIT
from gpnlab.simulate.mechanisms.supplies import origin_shares
from gpnlab.simulate.model import Model, stage_table
from gpnlab.simulate.policy import Instruments
from gpnlab.simulate.state import (
    BL,
    CM,
    HT,
    OPEN_ENDED,
    D,
    countries_from,
    empty_firms,
    role_stages,
)

HT_PRECISION_SHARE = 0.5  # every sub-assembler needs its own precision-parts supplier
CAPACITY_HEADROOM = 1.4
BL_INITIAL_OUTSOURCING = 0.3


def initial_units(world: World) -> float:
    """World final demand at t=0 in units."""
    prices = {m.region: m.price for m in world.markets}
    return float(sum(c.home_market / prices[c.region] for c in world.countries))


def build_model(world: World, seed: int | None = None) -> Model:
    keep_freed_memory()  # scratch arrays reused, not faulted in afresh (simulate.allocator)
    seed = world.seed if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB1]))
    stages = stage_table(world)
    codes = [c.code for c in world.countries]
    by_role = role_stages(world)

    blocks: list[np.ndarray] = []  # per population: (count x rows per firm, 7) rows of
    # role, stage, home, loc, capability, inhouse, parent (-1 for a firm's first row)
    n = 0
    for pop in world.populations:
        home = codes.index(pop.country)
        loc = codes.index(pop.location) if pop.location else home
        role = ROLES.index(pop.role)
        if role == BL:
            # the final-stage unit, a unit in each other BL stage (design), and an in-house
            # plant in each CM stage: make-or-buy starts from vertical integration
            kinds = [(stages.final, False)]
            kinds += [(st, False) for st in by_role[BL] if st != stages.final]
            kinds += [(st, True) for st in by_role[CM]]
            k = len(kinds)
            per_firm = np.empty((pop.count, k, 7))
            per_firm[:, :, 0] = BL
            per_firm[:, :, 1] = [st for st, _ in kinds]
            per_firm[:, :, 2:4] = home
            per_firm[:, :, 4] = pop.capability
            per_firm[:, :, 5] = [inh for _, inh in kinds]
            per_firm[:, :, 6] = n + k * np.arange(pop.count)[:, None]
            per_firm[:, 0, 6] = -1
            rows = per_firm.reshape(-1, 7)
        else:
            rows = np.empty((pop.count, 7))
            choices = by_role[role]
            if role == HT and len(choices) > 1:  # one draw per firm, in firm order
                precise = rng.random(pop.count) < HT_PRECISION_SHARE
                rows[:, 1] = np.where(precise, choices[0], choices[1])
            else:
                rows[:, 1] = choices[0]
            rows[:, 0] = role
            rows[:, 2], rows[:, 3] = home, loc
            rows[:, 4] = pop.capability
            rows[:, 5] = False
            rows[:, 6] = -1
        blocks.append(rows)
        n += len(rows)

    # spare slots for the first entrants; entry.place grows the arrays by a quarter when they
    # run out. Every pass over the firm arrays reads spare slots too, so they are kept few.
    F = int(n * 1.05) + 64
    f = empty_firms(F)
    arr = np.concatenate(blocks) if blocks else np.zeros((0, 7))
    idx = np.arange(n)
    f.alive[idx] = True
    f.role[idx] = arr[:, 0].astype(np.int8)
    f.stage[idx] = arr[:, 1].astype(np.int8)
    f.home[idx] = arr[:, 2].astype(np.int16)
    f.loc[idx] = arr[:, 3].astype(np.int16)
    f.inhouse[idx] = arr[:, 5].astype(bool)
    parents = arr[:, 6].astype(np.int32)
    f.buyer[idx] = parents
    f.contract_len[idx] = np.where(parents >= 0, OPEN_ENDED, 0)
    f.K[idx] = initial_capability(rng, arr[:, 4], stages.req0[f.stage[idx]])
    f.K0[idx] = f.K[idx]

    units0 = initial_units(world)
    f.capacity[idx] = initial_capacity(
        rng, f.role[idx], f.stage[idx], f.inhouse[idx], stages.S, units0
    )
    is_mkt = (f.role[idx] == BL) & (parents < 0)
    f.outsource[idx] = np.where(is_mkt, BL_INITIAL_OUTSOURCING, 0.0)
    f.invest[idx] = world.mechanisms.investment_rate
    # the world's firms have been learning before it starts: their stock of learning investment
    # starts at its long-run level for the rate they invest at (absorption; entrants start at 0)
    f.absorptive[idx] = world.mechanisms.investment_rate
    # the world does not start at a synchronised moment: ages and idle spells are spread out, so
    # that exit rules (idle limit, age gate) do not fire for a whole cohort in the same quarter
    f.age[idx] = rng.integers(0, 40, size=n)
    f.idle[idx] = rng.integers(0, IDLE_LIMIT, size=n)
    m = Model(
        world=world,
        firms=f,
        countries=countries_from(world),
        stages=stages,
        instruments=Instruments(world),
        seed=seed,
    )
    m.requirement = stages.req0.copy()
    m.final_sales = np.zeros((0, m.G))
    m.final_revenue = np.zeros((0, m.G))
    m.drops = np.zeros(m.G)
    m.policy_cost = np.zeros(m.G)
    # start-up cash: two quarters of expected value added at a 10% margin
    f.cash[idx] = 2 * 0.1 * f.capacity[idx] * 1e-4
    m.material_origin = origin_shares(m.countries.labour_force)
    # brand leaders start with the goodwill of steady brand building on an equal share of
    # world demand: G = budget x revenue / decay
    sellers = is_mkt
    money0 = float(sum(c.home_market for c in world.countries))
    f.goodwill[idx[sellers]] = BRAND_BUDGET * money0 / max(int(sellers.sum()), 1) / GOODWILL_DECAY
    return m


def initial_capability(rng: np.random.Generator, mean: np.ndarray, req: np.ndarray) -> np.ndarray:
    """Capability vectors shaped toward the stage's requirement profile, lognormal noise."""
    profile = 0.5 + 0.5 * req / np.maximum(req.max(axis=1, keepdims=True), 1e-9)
    noise = rng.lognormal(0.0, 0.15, size=(len(mean), D))
    return mean[:, None] * profile * noise


def initial_capacity(
    rng: np.random.Generator,
    role: np.ndarray,
    stage: np.ndarray,
    inhouse: np.ndarray,
    S: int,
    units0: float,
) -> np.ndarray:
    """Lognormal capacities, scaled to CAPACITY_HEADROOM x world demand per stage."""
    raw = rng.lognormal(0.0, 1.0, size=len(role))
    cap = np.zeros(len(role))
    for s in range(S):
        sel = (stage == s) & ~inhouse
        if sel.any():
            cap[sel] = raw[sel] / raw[sel].sum() * CAPACITY_HEADROOM * units0
    # in-house BL plants start with the non-outsourced share of their own demand
    nbl = max(int(inhouse.sum()), 1)
    cap[inhouse] = 1.2 * (1 - BL_INITIAL_OUTSOURCING) * units0 / nbl
    cap[(role == BL) & ~inhouse] = units0  # design and marketing units: not binding
    return cap
