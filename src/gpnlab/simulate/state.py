"""The simulator's state: a struct of arrays (numpy), one entry per firm, one per country.

No Python object per firm: every mechanism reads and writes these arrays with vectorised
operations. A firm is a *plant*: it operates one stage in one location (``loc``) and is owned
from ``home`` (MODEL.md section 5). A brand leader (BL) is a unit in the final stage (the one
that sells to end buyers, marketing in the default world) with a unit in each other BL stage
(design) and, at the start, an in-house plant in each CM stage, linked through ``buyer``.
Contracts live on the supplier side: a supplier sells to at most one buyer at a time
(``buyer``, ``contract_age``, ``contract_len``) -- its key account.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from gpnlab.simulate.config import DIMENSIONS, ROLES, World
from gpnlab.simulate.jit import kernel

BL, CM, HT, LT = range(4)
D = len(DIMENSIONS)
PRODUCTION, PROCESS, DESIGN, COORDINATION, BRAND = range(D)
OPEN_ENDED = 10**6  # committed length of a link to an own unit: never reviewed away


@dataclass
class Firms:
    """Firm arrays; ``alive`` marks the slots in use (exited slots are reused by entrants)."""

    alive: np.ndarray  # bool
    role: np.ndarray  # int8: BL, CM, HT, LT
    stage: np.ndarray  # int8
    home: np.ndarray  # int16 owner's country
    loc: np.ndarray  # int16 plant location
    K: np.ndarray  # (F, D) capability
    K0: np.ndarray  # (F, D) capability at entry (for convergence diagnostics)
    capacity: np.ndarray  # units per quarter
    cash: np.ndarray
    age: np.ndarray  # int32 quarters
    buyer: np.ndarray  # int32, -1 = none
    contract_age: np.ndarray  # int32
    contract_len: np.ndarray  # int32 committed quarters
    idle: np.ndarray  # int32 quarters without a buyer
    inhouse: np.ndarray  # bool: BL-owned plant (make-or-buy)
    outsource: np.ndarray  # share of assembly a BL buys from CMs (marketing units only)
    odm: np.ndarray  # bool: offers design services (ODM) while its design capability lasts
    obm: np.ndarray  # bool: a unit of a latecomer own brand (its marketing and design units)
    goodwill: np.ndarray  # brand goodwill stock of a final-stage seller (Nerlove-Arrow 1962)
    brand_spend: np.ndarray  # brand building spent this period
    disrupted: np.ndarray  # bool: deliveries disrupted this period
    delivery_record: np.ndarray  # EW mean of disrupted quarters (what buyers observe)
    invest: np.ndarray  # learning investment rate
    sales_mean: np.ndarray  # EW mean of sales (income stability)
    sales_var: np.ndarray  # EW variance of sales
    # flows of the current period
    units: np.ndarray
    final_units: np.ndarray  # units sold to end buyers (BL marketing, OBM)
    price: np.ndarray
    sales: np.ndarray
    purchases: np.ndarray
    taxes: np.ndarray  # tariffs paid on imported inputs (the table's taxes row)
    employment: np.ndarray
    wage_bill: np.ndarray
    profit: np.ndarray
    received: np.ndarray  # knowledge offered through contracts this period (sum over dims)
    absorbed: np.ndarray  # knowledge internalised this period (sum over dims)
    sold_to: np.ndarray  # int32 buyer at production time this period (-1 none): the ledger
    contract_value: np.ndarray  # value sold to that buyer this period
    died: np.ndarray  # int32 period of exit (-1 never); a slot is reused a period later

    @property
    def size(self) -> int:
        return int(self.alive.shape[0])

    def grow(self, extra: int) -> None:
        """Append ``extra`` empty slots to every array (amortised, rarely needed)."""
        for f in fields(self):
            arr = getattr(self, f.name)
            pad_shape = (extra, *arr.shape[1:])
            fill = -1 if f.name in ("buyer", "sold_to", "died") else 0
            setattr(self, f.name, np.concatenate([arr, np.full(pad_shape, fill, arr.dtype)]))


@dataclass
class Countries:
    """Country attributes as arrays (index = position in ``World.countries``)."""

    codes: list[str]
    region: np.ndarray  # int: index into World.markets
    wage: np.ndarray
    knowledge_base: np.ndarray
    institutions: np.ndarray
    tech_communities: np.ndarray
    volatility: np.ndarray
    home_market: np.ndarray
    state_capacity: np.ndarray
    cost_of_capital: np.ndarray
    labour_force: np.ndarray
    flagship_home: np.ndarray
    demand_shock: np.ndarray  # AR(1) log shock of final demand
    informal: np.ndarray  # informal workers (thousands)
    displaced: np.ndarray  # workers displaced this period


def empty_firms(n: int) -> Firms:
    z = np.zeros
    return Firms(
        alive=z(n, bool),
        role=z(n, np.int8),
        stage=z(n, np.int8),
        home=z(n, np.int16),
        loc=z(n, np.int16),
        K=z((n, D)),
        K0=z((n, D)),
        capacity=z(n),
        cash=z(n),
        age=z(n, np.int32),
        buyer=np.full(n, -1, np.int32),
        contract_age=z(n, np.int32),
        contract_len=z(n, np.int32),
        idle=z(n, np.int32),
        inhouse=z(n, bool),
        outsource=z(n),
        odm=z(n, bool),
        obm=z(n, bool),
        goodwill=z(n),
        brand_spend=z(n),
        disrupted=z(n, bool),
        delivery_record=z(n),
        invest=z(n),
        sales_mean=z(n),
        sales_var=z(n),
        units=z(n),
        final_units=z(n),
        price=z(n),
        sales=z(n),
        purchases=z(n),
        taxes=z(n),
        employment=z(n),
        wage_bill=z(n),
        profit=z(n),
        received=z(n),
        absorbed=z(n),
        sold_to=np.full(n, -1, np.int32),
        contract_value=z(n),
        died=np.full(n, -1, np.int32),
    )


def countries_from(world: World) -> Countries:
    regions = [m.region for m in world.markets]
    cs = world.countries

    def arr(name: str) -> np.ndarray:
        return np.array([float(getattr(c, name)) for c in cs])

    return Countries(
        codes=[c.code for c in cs],
        region=np.array([regions.index(c.region) for c in cs]),
        wage=arr("wage"),
        knowledge_base=arr("knowledge_base"),
        institutions=arr("institutions"),
        tech_communities=arr("tech_communities"),
        volatility=arr("volatility"),
        home_market=arr("home_market"),
        state_capacity=arr("state_capacity"),
        cost_of_capital=arr("cost_of_capital"),
        labour_force=arr("labour_force"),
        flagship_home=np.array([c.flagship_home for c in cs]),
        demand_shock=np.zeros(len(cs)),
        informal=np.zeros(len(cs)),
        displaced=np.zeros(len(cs)),
    )


def role_stages(world: World) -> dict[int, list[int]]:
    """Stages each role can operate, from the stage table."""
    out: dict[int, list[int]] = {r: [] for r in range(len(ROLES))}
    for i, s in enumerate(world.stages):
        out[ROLES.index(s.role)].append(i)
    return out


@kernel
def members_by_stage(alive: np.ndarray, stage: np.ndarray, S: int) -> tuple[np.ndarray, np.ndarray]:
    """Alive firms grouped by stage in index order: ``members[bounds[s]:bounds[s + 1]]``."""
    bounds = np.zeros(S + 1, np.int64)
    for i in range(alive.size):
        if alive[i]:
            bounds[stage[i] + 1] += 1
    for s in range(S):
        bounds[s + 1] += bounds[s]
    members = np.empty(bounds[S], np.int64)
    fill = bounds[:S].copy()
    for i in range(alive.size):
        if alive[i]:
            members[fill[stage[i]]] = i
            fill[stage[i]] += 1
    return members, bounds
