"""The simulator's state: a struct of arrays (numpy), one entry per firm, one per country.

No Python object per firm: every mechanism reads and writes these arrays with vectorised
operations. A firm is a *plant*: it operates one stage in one location (``loc``) and is owned
from ``home`` (MODEL.md section 5). A brand leader (BL) is a unit in the final stage (the one
that sells to end buyers, marketing in the default world) with a unit in each other BL stage
(design) and, at the start, an in-house plant in each CM stage, linked through ``buyer``.
Contracts live on the supplier side: a row sells to at most one buyer at a time (``buyer``,
``contract_age``, ``contract_len``). A supplier firm that serves several buyers is several rows,
one *line* per key account (business groups per customer, as contract manufacturers organise
them): the firm's first row is its *founder* (``parent = -1``), each further line points to it
(``parent``); lines share the founder's plant, capability and cash (:mod:`mechanisms.lines`).

Each firm field's dtype, the value of an empty slot and the value an entrant starts with are
written once, in :data:`FIELDS`; :func:`empty_firms`, :meth:`Firms.grow` and
``entry.new_firms`` (which resets a reused slot) read it. The compiled kernels take the firm
arrays as one :class:`FirmView` (``Firms.view()``), a named tuple of the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter
from typing import NamedTuple

import numpy as np

from gpnlab.simulate.config import DIMENSIONS, ROLES, World
from gpnlab.simulate.jit import kernel

BL, CM, HT, LT = range(4)
D = len(DIMENSIONS)
PRODUCTION, PROCESS, DESIGN, COORDINATION, BRAND = range(D)
OPEN_ENDED = 10**6  # committed length of a link to an own unit: never reviewed away

GIVEN = "given"
"""Entry value of a field that ``entry.new_firms`` sets from its arguments or the world."""


class Field(NamedTuple):
    """One firm field: dtype, value of an empty slot (at creation and for the new slots of a
    grow, and what a reused slot is reset to), trailing shape (``()`` one value per firm,
    ``(D,)`` one per firm and knowledge dimension), and the value an entrant gets where it
    differs (``None``: the empty value; :data:`GIVEN`: set by ``entry.new_firms``)."""

    dtype: type
    fill: bool | int | float
    shape: tuple[int, ...] = ()
    entry: bool | int | float | str | None = None


FIELDS: dict[str, Field] = {
    "alive": Field(np.bool_, False, entry=True),
    "role": Field(np.int8, 0, entry=GIVEN),
    "stage": Field(np.int8, 0, entry=GIVEN),
    "home": Field(np.int16, 0, entry=GIVEN),
    "loc": Field(np.int16, 0, entry=GIVEN),
    "K": Field(np.float64, 0.0, (D,), entry=GIVEN),
    "K0": Field(np.float64, 0.0, (D,), entry=GIVEN),
    "capacity": Field(np.float64, 0.0, entry=GIVEN),
    "cash": Field(np.float64, 0.0, entry=GIVEN),
    "age": Field(np.int32, 0),
    "buyer": Field(np.int32, -1),
    "contract_age": Field(np.int32, 0),
    "contract_len": Field(np.int32, 0),
    "idle": Field(np.int32, 0),
    "inhouse": Field(np.bool_, False),
    "outsource": Field(np.float64, 0.0),
    "odm": Field(np.bool_, False),
    "obm": Field(np.bool_, False),
    "goodwill": Field(np.float64, 0.0),
    "brand_spend": Field(np.float64, 0.0),
    "disrupted": Field(np.bool_, False),
    "delivery_record": Field(np.float64, 0.0),
    "invest": Field(np.float64, 0.0, entry=GIVEN),
    "absorptive": Field(np.float64, 0.0),
    "sales_mean": Field(np.float64, 0.0),
    "sales_var": Field(np.float64, 0.0),
    "units": Field(np.float64, 0.0),
    "final_units": Field(np.float64, 0.0),
    "price": Field(np.float64, 0.0),
    "sales": Field(np.float64, 0.0),
    "purchases": Field(np.float64, 0.0),
    "taxes": Field(np.float64, 0.0),
    "employment": Field(np.float64, 0.0),
    "wage_bill": Field(np.float64, 0.0),
    "profit": Field(np.float64, 0.0),
    "received": Field(np.float64, 0.0),
    "absorbed": Field(np.float64, 0.0),
    "sold_to": Field(np.int32, -1),
    "contract_value": Field(np.float64, 0.0),
    "died": Field(np.int32, -1),
    "profit_streak": Field(np.int32, 0),
    "low_share": Field(np.int32, 0),
    "parent": Field(np.int32, -1),
}
"""Every firm field, in :class:`Firms`' order: its one definition of dtype and defaults."""
_get_fields = attrgetter(*FIELDS)  # all arrays of a Firms in one C call (Firms.view)


class FirmView(NamedTuple):
    """The firm arrays as one argument of a compiled kernel: the :class:`Firms` arrays
    themselves (no copy), same names, same order (``Firms.view()``). numba compiles the
    attribute access statically. Build it where the kernel is called: ``Firms.grow``
    replaces the arrays."""

    alive: np.ndarray
    role: np.ndarray
    stage: np.ndarray
    home: np.ndarray
    loc: np.ndarray
    K: np.ndarray
    K0: np.ndarray
    capacity: np.ndarray
    cash: np.ndarray
    age: np.ndarray
    buyer: np.ndarray
    contract_age: np.ndarray
    contract_len: np.ndarray
    idle: np.ndarray
    inhouse: np.ndarray
    outsource: np.ndarray
    odm: np.ndarray
    obm: np.ndarray
    goodwill: np.ndarray
    brand_spend: np.ndarray
    disrupted: np.ndarray
    delivery_record: np.ndarray
    invest: np.ndarray
    absorptive: np.ndarray
    sales_mean: np.ndarray
    sales_var: np.ndarray
    units: np.ndarray
    final_units: np.ndarray
    price: np.ndarray
    sales: np.ndarray
    purchases: np.ndarray
    taxes: np.ndarray
    employment: np.ndarray
    wage_bill: np.ndarray
    profit: np.ndarray
    received: np.ndarray
    absorbed: np.ndarray
    sold_to: np.ndarray
    contract_value: np.ndarray
    died: np.ndarray
    profit_streak: np.ndarray
    low_share: np.ndarray
    parent: np.ndarray


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
    absorptive: np.ndarray  # stock of own learning investment (absorptive capacity, absorption)
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
    profit_streak: np.ndarray  # int32 consecutive quarters of profit (a brand's head unit)
    low_share: np.ndarray  # int32 consecutive quarters a brand's market share was marginal
    parent: np.ndarray  # int32 founder row of a supplier's further line (-1: the firm itself)

    @property
    def size(self) -> int:
        return int(self.alive.shape[0])

    def view(self) -> FirmView:
        """The arrays as a :class:`FirmView` for the kernels (valid until the next grow)."""
        return FirmView._make(_get_fields(self))

    def grow(self, extra: int) -> None:
        """Append ``extra`` empty slots (:data:`FIELDS`) to every array (amortised, rarely
        needed)."""
        for name, spec in FIELDS.items():
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, empty_field(spec, extra)]))


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
    base_wage: np.ndarray  # configured wage: the labour-supply wage at the reference tightness
    reference_tightness: np.ndarray  # max(turning point, tightness in quarter 1); NaN before


def empty_field(spec: Field, n: int) -> np.ndarray:
    """``n`` empty slots of one field."""
    return np.full((n, *spec.shape), spec.fill, spec.dtype)


def empty_firms(n: int) -> Firms:
    """``n`` empty slots (:data:`FIELDS`' dtypes and empty values)."""
    return Firms(**{name: empty_field(spec, n) for name, spec in FIELDS.items()})


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
        base_wage=arr("wage"),
        reference_tightness=np.full(len(cs), np.nan),
    )


if not tuple(FIELDS) == tuple(f.name for f in fields(Firms)) == FirmView._fields:
    raise RuntimeError("state: FIELDS, Firms and FirmView must name the same fields in order")


def role_stages(world: World) -> dict[int, list[int]]:
    """Stages each role can operate, from the stage table."""
    out: dict[int, list[int]] = {r: [] for r in range(len(ROLES))}
    for i, s in enumerate(world.stages):
        out[ROLES.index(s.role)].append(i)
    return out


def roots(f: Firms) -> np.ndarray:
    """(F,) the firm each row belongs to: its founder row (itself unless it is a line)."""
    return np.where(f.parent >= 0, f.parent, np.arange(f.size, dtype=np.int32))


def founders(f: Firms) -> np.ndarray:
    """(F,) bool: alive rows that are firms (not a further line of a firm): count these."""
    return f.alive & (f.parent < 0)


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
