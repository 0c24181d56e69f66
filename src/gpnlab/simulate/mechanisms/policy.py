"""Industrial policy: instruments, regimes and their fiscal cost (Lauridsen 2018).

Each instrument is a number per country (see :class:`gpnlab.simulate.config.Policy`). Its
*effect* is the instrument times the country's state capacity (implementation efficiency;
Lauridsen 2018, citing Doner on the political economy of upgrading), restricted to the targeted
stages when a country is selective. Its *cost* does not shrink with low capacity: weak states
pay the same for less effect, so cost-effectiveness differs between regimes.

Regimes are named presets, one per strand of thinking in Lauridsen (2018):

* ``laissez_faire`` -- baseline: no instrument beyond the country's own settings;
* ``join`` -- join-instead-of-build: low tariffs on intermediates, trade facilitation, FDI
  incentives (the GVC-development view);
* ``build`` -- new industrial policy: learning subsidies, support institutions, human capital,
  patient capital, selectivity toward knowledge-intensive stages, protection of final goods;
* ``gvc_oriented`` -- GVC-oriented industrial policy: modest targeted local content, attracting
  CMs, supplier development and matchmaking, cheap imported inputs, regional orientation;
* ``hybrid`` -- a mix of join and build.
"""

from __future__ import annotations

import numpy as np

from gpnlab.errors import InputError
from gpnlab.simulate.config import Policy, World
from gpnlab.simulate.jit import kernel
from gpnlab.simulate.state import HT

REGIMES: dict[str, dict[str, object]] = {
    "laissez_faire": {},
    "join": {
        "tariff_intermediate": 0.0,
        "tariff_final": 0.05,
        "logistics_cost": 0.015,
        "fdi_incentive": 0.15,
    },
    "build": {
        "tariff_final": 0.20,
        "learning_subsidy": 0.4,
        "support_institutions": 0.5,
        "human_capital": 0.4,
        "patient_capital": 0.5,
        "targeted_stages": [1, 3],
    },
    "gvc_oriented": {
        "tariff_intermediate": 0.0,
        "logistics_cost": 0.02,
        "fdi_incentive": 0.1,
        "local_content": 0.15,
        "supplier_development": 0.5,
        "regional_orientation": 0.5,
        "learning_subsidy": 0.15,
    },
    "hybrid": {
        "tariff_intermediate": 0.0,
        "logistics_cost": 0.02,
        "fdi_incentive": 0.08,
        "supplier_development": 0.3,
        "learning_subsidy": 0.25,
        "support_institutions": 0.3,
        "human_capital": 0.3,
        "patient_capital": 0.3,
    },
}


def check_focal(world: World, focal: list[str], *, where: str) -> None:
    """Refuse (one line, field ``focal``) a focal country code the world does not have."""
    codes = [c.code for c in world.countries]
    for code in focal:
        if code not in codes:
            raise InputError(
                f"unknown focal country {code!r}",
                where=where,
                field="focal",
                fix=f"use codes of the world: {', '.join(codes)}",
            )


def apply_regime(world: World, regime: str, focal: list[str] | None = None) -> World:
    """Return ``world`` with ``regime``'s instruments set for the focal countries.

    Focal countries default to every country that is not a flagship home economy.
    """
    if regime not in REGIMES:
        raise KeyError(regime)
    codes = focal if focal is not None else [c.code for c in world.countries if not c.flagship_home]
    settings = REGIMES[regime]
    countries = []
    for c in world.countries:
        if c.code in codes and settings:
            pol = Policy.model_validate({**c.policy.model_dump(), **settings})
            c = c.model_copy(update={"policy": pol})
        countries.append(c)
    return world.model_copy(update={"countries": countries})


class Instruments:
    """Effective instruments as arrays: ``effect[name][country]`` and a (G, S) target mask."""

    def __init__(self, world: World) -> None:
        cs = world.countries
        S = len(world.stages)
        self.capacity = np.array([c.state_capacity for c in cs])
        self.raw: dict[str, np.ndarray] = {}
        for name in Policy.model_fields:
            if name == "targeted_stages":
                continue
            self.raw[name] = np.array([float(getattr(c.policy, name)) for c in cs])
        self.target = np.ones((len(cs), S), bool)
        for g, c in enumerate(cs):
            if c.policy.targeted_stages:
                self.target[g] = False
                self.target[g, c.policy.targeted_stages] = True

    # border measures act fully; support programmes act through state capacity
    BORDER = ("tariff_intermediate", "tariff_final", "logistics_cost", "local_content")

    def effect(self, name: str) -> np.ndarray:
        if name in self.BORDER:
            return self.raw[name]
        return self.raw[name] * self.capacity

    def table(self, name: str, *, raw: bool = False) -> np.ndarray:
        """(G, S) effect of a support instrument by (country, stage), 0 off the targeted
        stages: what kernels index. ``raw``: the instrument as set, before state capacity
        (what it costs)."""
        return (self.raw[name] if raw else self.effect(name))[:, None] * self.target


# fiscal cost of support instruments, millions per quarter per unit of the instrument
COST_SCALE = {
    "supplier_development": 0.002,  # per domestic supplier under contract
    "support_institutions": 0.05,  # per thousand workers in the labour pool
    "human_capital": 0.03,  # per thousand workers in the labour pool
}


def policy(m: object) -> None:
    """Add this quarter's fiscal cost of each country's instruments to ``m.policy_cost``.

    Learning subsidies cost the subsidised share of learning spending; patient capital the
    interest forgone on negative cash of domestic firms; supplier development a fee per domestic
    supplier under contract; institutions and human capital a budget per worker of the labour
    pool. FDI incentives are paid on entry (:mod:`entry`). Costs use the raw instrument (a
    weak state pays the same for less effect).
    """
    from gpnlab.simulate.model import Model

    assert isinstance(m, Model)
    f = m.firms
    inst = m.instruments
    learning, patient, suppliers = support_costs(
        f.alive,
        f.role,
        f.buyer,
        f.loc,
        f.home,
        f.stage,
        f.invest,
        f.profit,
        f.cash,
        inst.table("learning_subsidy", raw=True),
        inst.raw["patient_capital"] * m.countries.cost_of_capital,
    )
    cost = learning + patient
    cost += COST_SCALE["supplier_development"] * inst.raw["supplier_development"] * suppliers
    lf = m.countries.labour_force
    cost += COST_SCALE["support_institutions"] * inst.raw["support_institutions"] * lf
    cost += COST_SCALE["human_capital"] * inst.raw["human_capital"] * lf
    m.policy_cost += cost


@kernel
def support_costs(
    alive: np.ndarray,
    role: np.ndarray,
    buyer: np.ndarray,
    loc: np.ndarray,
    home: np.ndarray,
    stage: np.ndarray,
    invest: np.ndarray,
    profit: np.ndarray,
    cash: np.ndarray,
    subsidy: np.ndarray,
    forgone: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass over alive firms, by country: subsidised learning spending (by location,
    ``subsidy`` (G, S) raw rate on target), interest forgone on negative cash (by owner,
    ``forgone`` (G,) raw rate x cost of capital), domestic suppliers under contract."""
    G = forgone.size
    learning = np.zeros(G)
    patient = np.zeros(G)
    suppliers = np.zeros(G)
    for i in range(alive.size):
        if not alive[i]:
            continue
        learning[loc[i]] += invest[i] * max(profit[i], 0.0) * subsidy[loc[i], stage[i]]
        patient[home[i]] += forgone[home[i]] * max(-cash[i], 0.0)
        if buyer[i] >= 0 and home[i] == loc[i] and role[i] >= HT:  # HT and LT suppliers
            suppliers[loc[i]] += 1.0
    return learning, patient, suppliers
