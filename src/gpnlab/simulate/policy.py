"""Industrial policy: instruments, regimes and their fiscal cost (Lauridsen 2018).

Each instrument is a number per country (see :class:`gpnlab.simulate.config.Policy`). Its
*effect* is the instrument times the country's state capacity (implementation efficiency;
Lauridsen 2018, citing Doner on the political economy of upgrading); border measures act fully.
Its *cost* does not shrink with low capacity: weak states pay the same for less effect, so
cost-effectiveness differs between regimes.

Which stages an instrument reaches (:class:`Instruments`):

* **selective** instruments (:data:`SELECTIVE`: learning subsidies, supplier development) are
  restricted to the country's ``targeted_stages`` -- stage *names* of the world; an empty list
  means every stage. Supplier development is selective in its transfer boost; its matchmaking
  (visibility in sourcing) and its effect on the start-up rate act on every tier.
* **functional** instruments (:data:`FUNCTIONAL`: support institutions, human capital --
  extension services, standards, training and skills, Lauridsen 2018's horizontal measures)
  reach every stage whatever the targeting.
* **border** measures (:data:`BORDER`: tariffs, logistics, local content) act on trade and on
  foreign plants; FDI incentives on new CM plants; patient capital on every domestic-owned
  firm; regional orientation on own-brand attempts. None of them is restricted by targeting.

:data:`REACH` states, per regime and instrument, which tiers the regime reaches under these
rules.

Regimes are named presets, one per strand of thinking in Lauridsen (2018):

* ``laissez_faire`` -- baseline: no instrument beyond the country's own settings;
* ``join`` -- join-instead-of-build: low tariffs on intermediates, trade facilitation, FDI
  incentives (the GVC-development view);
* ``build`` -- new industrial policy: learning subsidies selective toward the knowledge-
  intensive higher-tier stages (``precision_components``, ``sub_assembly``), support
  institutions and human capital for every tier (the lower tier included), patient capital,
  protection of final goods;
* ``gvc_oriented`` -- GVC-oriented industrial policy: modest local content, attracting CMs,
  supplier development and matchmaking, cheap imported inputs, regional orientation;
* ``hybrid`` -- a mix of join and build.

Regimes are applied to arbitrary worlds (:func:`apply_regime`): a regime's targeted stage names
that the world does not have are dropped, and if none remains the country's targeting is left
empty (every stage), so a regime never fails on a world with other stage names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gpnlab.errors import InputError
from gpnlab.simulate.config import Policy, World
from gpnlab.simulate.jit import kernel
from gpnlab.simulate.state import HT, FirmView

if TYPE_CHECKING:
    from gpnlab.simulate.model import Model

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
        "targeted_stages": ["precision_components", "sub_assembly"],
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

#: restricted to the country's targeted stages (all stages when it targets none)
SELECTIVE = ("learning_subsidy", "supplier_development")
#: horizontal measures: reach every stage whatever the targeting
FUNCTIONAL = ("support_institutions", "human_capital")
#: border measures: act fully (not through state capacity), by country
BORDER = ("tariff_intermediate", "tariff_final", "logistics_cost", "local_content")

_IMPORT_TARIFF = "border: inputs imported by plants located in the country (every buying stage)"
_FINAL_TARIFF = "border: final goods imported into the country's market"
_LOGISTICS = "border: every cross-border input purchase to or from the country (both sides)"
_FDI = "new CM plants (final assembly) choosing where to locate"
_FUNCTIONAL = "all tiers (functional): every stage of the country, LT included"
_PATIENT = "all tiers: every firm owned from the country (by owner, wherever located)"
_SD_ALL = (
    "all tiers (no stage targeted): transfer boost to suppliers under contract (CM, HT, LT); "
    "matchmaking in sourcing and start-ups: all tiers"
)
_LS_ALL = "all tiers (no stage targeted): every firm located in the country"

#: Which tiers each regime's instruments reach, from the rules above and the mechanisms that
#: read each instrument. Tiers are those of the shipped default world (BL: design_rd,
#: marketing_after_sales; HT: precision_components, sub_assembly; LT: commodity_components; CM:
#: final_assembly_test). ``tests/test_policy.py`` checks it against :data:`REGIMES`.
REACH: dict[str, dict[str, str]] = {
    "laissez_faire": {},
    "join": {
        "tariff_intermediate": _IMPORT_TARIFF,
        "tariff_final": _FINAL_TARIFF,
        "logistics_cost": _LOGISTICS,
        "fdi_incentive": _FDI,
    },
    "build": {
        "tariff_final": _FINAL_TARIFF,
        "learning_subsidy": "HT (targeted stages: precision_components, sub_assembly)",
        "support_institutions": _FUNCTIONAL,
        "human_capital": _FUNCTIONAL,
        "patient_capital": _PATIENT,
    },
    "gvc_oriented": {
        "tariff_intermediate": _IMPORT_TARIFF,
        "logistics_cost": _LOGISTICS,
        "fdi_incentive": _FDI,
        "local_content": "foreign-owned plants in the country: pull toward domestic suppliers "
        "(every supplier tier), compliance cost",
        "supplier_development": _SD_ALL,
        "regional_orientation": "own-brand (OBM) attempts of ODM firms (HT, CM)",
        "learning_subsidy": _LS_ALL,
    },
    "hybrid": {
        "tariff_intermediate": _IMPORT_TARIFF,
        "logistics_cost": _LOGISTICS,
        "fdi_incentive": _FDI,
        "supplier_development": _SD_ALL,
        "learning_subsidy": _LS_ALL,
        "support_institutions": _FUNCTIONAL,
        "human_capital": _FUNCTIONAL,
        "patient_capital": _PATIENT,
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


def check_regime(regime: str, *, where: str) -> None:
    """Refuse (one line, field ``regime``) a regime that is not in :data:`REGIMES`."""
    if regime not in REGIMES:
        raise InputError(
            f"unknown regime {regime!r}",
            where=where,
            field="regime",
            fix=f"use one of {', '.join(REGIMES)}",
        )


def apply_regime(
    world: World, regime: str, focal: list[str] | None = None, *, where: str = "regime"
) -> World:
    """Return ``world`` with ``regime``'s instruments set for the focal countries.

    Focal countries default to every country that is not a flagship home economy. An unknown
    regime or focal code is refused (:class:`InputError`, fields ``regime`` / ``focal``). The
    regime's ``targeted_stages`` keep only the names the world has; when none remains the
    focal countries target nothing (selective instruments reach every stage).
    """
    check_regime(regime, where=where)
    if focal is not None:
        check_focal(world, focal, where=where)
    codes = focal if focal is not None else [c.code for c in world.countries if not c.flagship_home]
    settings = dict(REGIMES[regime])
    if "targeted_stages" in settings:
        names = {s.name for s in world.stages}
        targets = settings["targeted_stages"]
        assert isinstance(targets, list)
        settings["targeted_stages"] = [t for t in targets if t in names]
    countries = []
    for c in world.countries:
        if c.code in codes and settings:
            pol = Policy.model_validate({**c.policy.model_dump(), **settings})
            c = c.model_copy(update={"policy": pol})
        countries.append(c)
    return world.model_copy(update={"countries": countries})


class Instruments:
    """Effective instruments as arrays: ``effect[name][country]`` and a (G, S) target mask
    (targeted stage names mapped to the world's stage indices)."""

    # border measures act fully; support programmes act through state capacity
    BORDER = BORDER
    SELECTIVE = SELECTIVE
    FUNCTIONAL = FUNCTIONAL

    def __init__(self, world: World) -> None:
        cs = world.countries
        S = len(world.stages)
        index = {s.name: j for j, s in enumerate(world.stages)}
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
                for name in c.policy.targeted_stages:
                    if name not in index:  # a world built around validation (model_copy)
                        raise InputError(
                            f"country {c.code}: targeted stage {name!r} is not a stage of "
                            "the world",
                            where="world",
                            field=f"countries.{g}.policy.targeted_stages",
                            fix=f"use stage names: {', '.join(index)}",
                        )
                    self.target[g, index[name]] = True

    def effect(self, name: str) -> np.ndarray:
        if name in self.BORDER:
            return self.raw[name]
        return self.raw[name] * self.capacity

    def table(self, name: str, *, raw: bool = False) -> np.ndarray:
        """(G, S) effect of a support instrument by (country, stage): what kernels index.

        Selective instruments (:data:`SELECTIVE`) are 0 off the country's targeted stages;
        functional ones (:data:`FUNCTIONAL`) reach every stage. ``raw``: the instrument as
        set, before state capacity (what it costs)."""
        per_country = self.raw[name] if raw else self.effect(name)
        out = np.repeat(per_country[:, None], self.target.shape[1], axis=1)
        if name in self.SELECTIVE:
            out *= self.target
        return out


# fiscal cost of support instruments, millions per quarter per unit of the instrument
COST_SCALE = {
    "supplier_development": 0.002,  # per domestic supplier under contract
    "support_institutions": 0.05,  # per thousand workers in the labour pool
    "human_capital": 0.03,  # per thousand workers in the labour pool
}


def policy(m: Model) -> None:
    """Add this quarter's fiscal cost of each country's instruments to ``m.policy_cost``.

    Learning subsidies cost the subsidised share of learning spending; patient capital the
    interest forgone on negative cash of domestic firms; supplier development a fee per domestic
    supplier under contract; institutions and human capital a budget per worker of the labour
    pool. FDI incentives are paid on entry (:mod:`entry`). Costs use the raw instrument (a
    weak state pays the same for less effect).
    """
    f = m.firms
    inst = m.instruments
    learning, patient, suppliers = support_costs(
        f.view(),
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
    f: FirmView, subsidy: np.ndarray, forgone: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass over alive firms, by country: subsidised learning spending (by location,
    ``subsidy`` (G, S) raw rate on target), interest forgone on negative cash (by owner,
    ``forgone`` (G,) raw rate x cost of capital), domestic suppliers under contract."""
    alive, role, buyer, loc, home, stage, invest, profit, cash = (
        f.alive, f.role, f.buyer, f.loc, f.home, f.stage, f.invest, f.profit, f.cash
    )  # fmt: skip
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
