"""Configuration of a simulated world: pydantic models read from TOML.

Units: a period is a quarter; money is in millions of a common currency at base-period prices
("model currency"); wages are per worker and quarter in thousands; capabilities are indices
where 1.0 meets the initial requirement of the most demanding stage. Every default value is
documented in ``docs/calibration.md`` with its source or reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gpnlab.errors import InputError, read_toml

DIMENSIONS = ("production", "process", "design", "coordination", "brand")
ROLES = ("BL", "CM", "HT", "LT")
SERVICE_SECTORS = ("basic_inputs", "logistics")
"""Sectors of the emitted table that are not stages: every country's basic-inputs industry
(materials, energy) and its logistics services (:mod:`gpnlab.simulate.mechanisms.supplies`)."""

MAX_FIRMS = 2**30
"""Most firm slots a world may start with. Firm indices (``buyer``, ``sold_to``) are int32
(``state.empty_firms``) and the arrays keep 5% spare slots and grow by a quarter when entry
fills them (``init.build_model``, ``entry.place``), so 2**30 keeps every index below 2**31."""
MAX_SEED = 2**63 - 1
"""Largest seed: the results store keeps seeds as BIGINT (``experiments/store.py``)."""
MIN_BL_CAPABILITY = 0.01
"""Least initial capability of brand leaders: requirement growth is capped at their capability
relative to its start (``capability.update_requirements`` divides by it)."""
MAX_COUNTRIES = 1000
"""Countries are int16 in the firm arrays; the emitted table has countries x stages sectors."""
MAX_STAGES = 100
"""Stages are int8 in the firm arrays (``state.empty_firms``)."""


class FieldError(ValueError):
    """A cross-field check of :class:`World` that failed, with the path of the field to fix
    (pydantic reports model-level errors without a location)."""

    def __init__(self, msg: str, field: str) -> None:
        super().__init__(msg)
        self.field = field


class Strict(BaseModel):
    # allow_inf_nan=False: every float field, in lists too, must be finite (``wage = inf``
    # or ``nan`` is refused at load with its field path instead of failing much later)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


REMOVED_FIELDS: dict[str, str] = {
    "markup": "stage margins now follow market structure (docs/model.md, market power): "
    "remove it; mechanisms.supplier_substitution and mechanisms.stage_elasticity set them",
    "requirement_growth": "requirements now follow the brand leaders' R&D frontier "
    "(docs/model.md, the frontier): remove it; mechanisms.rd_share and "
    "mechanisms.rd_productivity set its pace",
}
"""Fields of earlier versions, refused with what replaced them (not silently ignored)."""


def refuse_removed(data: object) -> object:
    """A ``model_validator(mode="before")`` body: name a removed field and its replacement."""
    if isinstance(data, dict):
        for key in data:
            if key in REMOVED_FIELDS:
                raise FieldError(f"{key!r} is no longer a field: {REMOVED_FIELDS[key]}", key)
    return data


class Policy(Strict):
    """Industrial-policy instruments of one country, each a number with a unit.

    Effects pass through mechanisms (see ``simulate/policy.py``); support instruments are
    scaled by the country's ``state_capacity`` (implementation efficiency, Lauridsen 2018
    citing Doner). ``targeted_stages`` names stages of the world: selective instruments
    (learning subsidy, supplier development) reach only those; functional ones (support
    institutions, human capital) reach every stage.
    """

    tariff_intermediate: float = Field(0.05, ge=0, le=2, description="ad valorem, imported inputs")
    # at most 1: brand leaders' revenue is the price net of the tariff, price x (1 - tariff)
    # (mechanisms/demand.py); above 1 an import's revenue is negative (found by tests/fuzz)
    tariff_final: float = Field(0.10, ge=0, le=1, description="ad valorem, imported final goods")
    logistics_cost: float = Field(0.04, ge=0, le=1, description="ad valorem cost of trade")
    fdi_incentive: float = Field(
        0.0, ge=0, le=1, description="cost advantage offered to new CM plants"
    )
    local_content: float = Field(
        0.0, ge=0, le=1, description="required domestic sourcing share of foreign CMs"
    )
    supplier_development: float = Field(
        0.0, ge=0, le=1, description="matchmaking + transfer support"
    )
    learning_subsidy: float = Field(
        0.0, ge=0, le=1, description="share of learning investment subsidised"
    )
    support_institutions: float = Field(
        0.0, ge=0, le=1, description="technical support for LT absorption"
    )
    human_capital: float = Field(0.0, ge=0, le=1, description="skills programme: absorption bonus")
    patient_capital: float = Field(
        0.0, ge=0, le=1, description="cut in the cost of capital (share)"
    )
    targeted_stages: list[str] = Field(
        default_factory=list,
        description="names of the stages selective instruments support; [] = all",
    )
    regional_orientation: float = Field(
        0.0, ge=0, le=1, description="support for regional end markets (OBM)"
    )

    @model_validator(mode="before")
    @classmethod
    def _stage_names(cls, data: object) -> object:
        # stages are targeted by name (indices were accepted before): refuse an index with the
        # fix rather than pydantic's "Input should be a valid string"
        targets = data.get("targeted_stages") if isinstance(data, dict) else None
        for t in targets if isinstance(targets, list) else []:
            if not isinstance(t, str):
                raise FieldError(
                    f"targeted stage {t!r} is not a stage name: use stage names, e.g. "
                    '["precision_components", "sub_assembly"]',
                    "targeted_stages",
                )
        return data


class Country(Strict):
    """A country archetype (Ernst 2002; Lauridsen 2018)."""

    code: str = Field(min_length=2, max_length=8)
    name: str = ""
    region: str
    wage: float = Field(gt=0, le=1e4, description="thousand model currency per worker-quarter")
    knowledge_base: float = Field(ge=0, le=1, description="national innovation system, 0..1")
    institutions: float = Field(ge=0, le=1, description="support institutions, 0..1")
    tech_communities: float = Field(
        0.0, ge=0, le=1, description="transnational technical communities"
    )
    volatility: float = Field(ge=0, le=1, description="sd of quarterly demand/finance shocks")
    home_market: float = Field(
        gt=0, le=1e9, description="final demand, millions per quarter at t=0"
    )
    state_capacity: float = Field(0.5, ge=0, le=1)
    cost_of_capital: float = Field(0.03, ge=0, le=0.5, description="per quarter")
    labour_force: float = Field(
        ge=1e-3, le=1e7, description="workers (thousands) in the sector's labour pool"
    )
    flagship_home: bool = False
    policy: Policy = Field(default_factory=lambda: Policy.model_validate({}))


class Stage(Strict):
    """A value-chain stage (Ernst 2002, sec. 2.4 and 3.1)."""

    name: str = Field(min_length=1, max_length=64)
    complexity: float = Field(ge=0, le=1)
    tacitness: float = Field(ge=0, le=1)
    scale: float = Field(ge=0, le=1)
    precision: float = Field(ge=0, le=1)
    differentiation: float = Field(ge=0, le=1)
    labour: float = Field(
        gt=0, le=100, description="worker-quarters per final unit at capability 1"
    )
    requirement: list[Annotated[float, Field(ge=0, le=10)]] = Field(
        min_length=5, max_length=5, description="capability needed (index, 1 = demanding)"
    )
    inputs: list[int] = Field(default_factory=list, description="stages bought per unit")
    materials: float = Field(
        0.0,
        ge=0,
        le=1e3,
        description="basic inputs (materials, energy, parts off the shelf) bought per unit, "
        "millions of model currency at the world price",
    )
    role: Literal["BL", "CM", "HT", "LT"] = Field(description="role that operates the stage")

    _removed = model_validator(mode="before")(refuse_removed)


class Population(Strict):
    """Firms of one role in one home country."""

    country: str
    role: Literal["BL", "CM", "HT", "LT"]
    count: int = Field(ge=0, le=MAX_FIRMS)
    capability: float = Field(0.5, ge=0, le=3, description="mean initial capability index")
    location: str | None = Field(None, description="plant location if not home (foreign CM plants)")


class Market(Strict):
    """End-market region: demand growth and requirement level (Lauridsen: shift to the South)."""

    region: str = Field(min_length=1)
    growth: float = Field(
        ge=-0.25, le=0.25, description="demand growth per quarter (shipped: 0.3% to 1.5%)"
    )
    # lower bounds: demand in units is money / price, and brand capability is divided by the
    # requirement; a denormal there overflows to inf (found by tests/fuzz)
    requirement: float = Field(ge=1e-3, le=10, description="multiplier of stage requirements")
    price: float = Field(
        ge=1e-9, le=1e3, description="final price per unit, millions of model currency"
    )


class Shocks(Strict):
    """A common demand shock (e.g. a global downturn) in given periods."""

    downturn_start: int | None = Field(None, ge=0, le=10_000)
    downturn_length: int = Field(4, ge=0, le=10_000)
    downturn_depth: float = Field(0.25, ge=0, lt=1)


class Mechanisms(Strict):
    """Switches and strengths of the mechanisms of MODEL.md section 1 (0 switches one off)."""

    transfer_rate: float = Field(
        0.08, ge=0, le=1, description="share of the capability gap offered per quarter"
    )
    absorption: float = Field(1.0, ge=0, le=2, description="scale of absorptive capacity")
    own_learning: float = Field(
        0.02, ge=0, le=1, description="capability gain per unit of learning investment"
    )
    rd_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="share of a brand's operating margin spent on R&D (moves the frontier)",
    )
    rd_productivity: float = Field(
        0.1,
        ge=0,
        le=10,
        description="capability growth of a brand's own units per unit of R&D intensity",
    )
    rd_difficulty: float = Field(
        1.0,
        ge=0,
        le=5,
        description="ideas get harder to find: R&D productivity falls with (frontier / start)"
        " to this power (phi; 1 = the frontier moves linearly)",
    )
    supplier_substitution: float = Field(
        50.0,
        gt=1,
        le=1e4,
        description="elasticity of substitution among suppliers of a stage (sigma; margin "
        "floor 1/sigma)",
    )
    stage_elasticity: float = Field(
        1.24,
        gt=1,
        le=100,
        description="elasticity of demand for a stage's output (eta; a monopolist's Lerner "
        "index 1/eta)",
    )
    product_cycle: int = Field(
        2, ge=1, le=10_000, description="quarters between requirement steps (about 6 months)"
    )
    drop_threshold: float = Field(
        0.7, ge=0, le=2, description="score below which a supplier is dropped"
    )
    agglomeration: float = Field(
        0.3, ge=0, le=2, description="cost saving per log of co-located firms"
    )
    make_or_buy: bool = True
    upgrading: bool = True
    entry: bool = True
    spinoff_entry: float = Field(
        0.125,
        ge=0,
        le=1,
        description="spin-offs per quarter per buyer left without a supplier of a parts stage, "
        "founded where incumbents meet the stage's standard (entry.py); 0 = off",
    )
    retender: bool = Field(True, description="contracts are re-tendered at expiry (tender)")
    multi_account: bool = Field(
        True,
        description="a supplier under contract may win another buyer's tender with its spare "
        "capacity and serve it on a further line (lines); false = one buyer per supplier",
    )
    switching_cost: float = Field(
        0.15,
        ge=0,
        le=10,
        description="landed-cost advantage a challenger needs against a new relationship at "
        "re-tender (doubles with tacitness 1 and an old relationship)",
    )
    commitment: float = Field(
        4.0, ge=1, le=1000, description="committed contract length, quarters (int32 counter)"
    )
    investment_rate: float = Field(
        0.3, ge=0, le=1, description="share of profit invested in learning"
    )
    volatility_scale: float = Field(
        1.0, ge=0, le=5, description="multiplier on every country's volatility"
    )
    depreciation: float = Field(0.005, ge=0, le=0.2, description="capability decay per quarter")
    candidates: int = Field(6, ge=1, le=64, description="suppliers scored per vacancy")
    obm_success: float = Field(0.1, ge=0, le=1, description="chance an OBM attempt survives")
    specialisation: float = Field(
        1.0, ge=0, le=3, description="strength of the stage-attribute tilts (Ernst 2.4); 0 = off"
    )
    wage_response: float = Field(
        0.25,
        ge=0,
        le=1,
        description="share of the gap to the labour-supply wage closed per quarter (Lewis "
        "turning point, mechanisms/labour.py); 0 = wages fixed at their configured values",
    )
    turning_point: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="formal employment / labour pool beyond which wages rise (Lewis turning "
        "point: the informal reservoir no longer holds wages down)",
    )
    wage_slope: float = Field(
        1.0,
        ge=0,
        le=100,
        description="slope of the labour-supply wage past the turning point: the wage "
        "multiplies by 1 + slope x (rise in tightness) / (1 - turning_point)",
    )

    _removed = model_validator(mode="before")(refuse_removed)


class World(Strict):
    """A complete world: countries, stages, firms, markets, mechanisms, policy."""

    name: str = "world"
    periods: int = Field(40, ge=1, le=10_000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    countries: list[Country] = Field(min_length=1, max_length=MAX_COUNTRIES)
    stages: list[Stage] = Field(min_length=1, max_length=MAX_STAGES)
    populations: list[Population] = Field(min_length=1)
    markets: list[Market] = Field(min_length=1)
    shocks: Shocks = Field(default_factory=lambda: Shocks.model_validate({}))
    mechanisms: Mechanisms = Field(default_factory=lambda: Mechanisms.model_validate({}))
    informal_productivity: float = Field(
        0.2,
        gt=0,
        le=1e4,
        description="value added per informal worker-quarter, in the wage's unit (thousand)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> World:
        codes = [c.code for c in self.countries]
        if len(set(codes)) != len(codes):
            raise FieldError("country codes must be unique", "countries")
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise FieldError("stage names must be unique (they label the emitted table)", "stages")
        for i, name in enumerate(names):
            if name in SERVICE_SECTORS:
                raise FieldError(
                    f"stage name {name!r} is taken by a sector of the emitted table "
                    f"({', '.join(SERVICE_SECTORS)})",
                    f"stages.{i}.name",
                )
        regions = [m.region for m in self.markets]
        if len(set(regions)) != len(regions):
            raise FieldError("market regions must be unique", "markets")
        for i, c in enumerate(self.countries):
            if c.region not in regions:
                raise FieldError(
                    f"country {c.code}: region {c.region!r} has no market entry",
                    f"countries.{i}.region",
                )
            for t in c.policy.targeted_stages:
                if t not in names:
                    raise FieldError(
                        f"country {c.code}: targeted stage {t!r} is not a stage of the world "
                        f"(stages: {', '.join(names)})",
                        f"countries.{i}.policy.targeted_stages",
                    )
        for k, p in enumerate(self.populations):
            for key, where in (("country", p.country), ("location", p.location)):
                if where is not None and where not in codes:
                    raise FieldError(
                        f"population of {p.role} in {where!r}: no such country",
                        f"populations.{k}.{key}",
                    )
        for i, s in enumerate(self.stages):
            for j in s.inputs:
                if not 0 <= j < len(self.stages):
                    raise FieldError(
                        f"stage {s.name}: input stage {j} does not exist", f"stages.{i}.inputs"
                    )
            if len(set(s.inputs)) != len(s.inputs):
                raise FieldError(
                    f"stage {s.name}: inputs repeat a stage {s.inputs}", f"stages.{i}.inputs"
                )
        cycle = stage_cycle([s.inputs for s in self.stages])
        if cycle:
            path = " -> ".join(self.stages[i].name for i in cycle)
            raise FieldError(f"stage inputs form a cycle: {path}", f"stages.{cycle[0]}.inputs")
        final = final_stages([s.inputs for s in self.stages])
        if len(final) != 1:
            found = ", ".join(self.stages[i].name for i in final)
            raise FieldError(
                f"exactly one stage must sell to end buyers (be nobody's input); found {found}",
                "stages",
            )
        if self.stages[final[0]].role != "BL":
            raise FieldError(
                f"the final stage {self.stages[final[0]].name!r} sells to end buyers: its role "
                "must be BL (brand leaders and latecomer brands)",
                f"stages.{final[0]}.role",
            )
        roles_present = {p.role for p in self.populations if p.count > 0}
        for i, s in enumerate(self.stages):
            if s.role not in roles_present:
                raise FieldError(
                    f"stage {s.name!r} has no supplier: no firms of role {s.role}",
                    f"stages.{i}.role",
                )
        for k, p in enumerate(self.populations):
            if p.role == "BL" and p.count > 0 and p.capability < MIN_BL_CAPABILITY:
                raise FieldError(
                    f"brand leaders in {p.country} need a capability of at least "
                    f"{MIN_BL_CAPABILITY} (they set the standards: requirements grow relative "
                    "to their capability)",
                    f"populations.{k}.capability",
                )
        stage_roles = {s.role for s in self.stages}
        for k, p in enumerate(self.populations):
            if p.count > 0 and p.role not in stage_roles:
                raise FieldError(
                    f"population of {p.role} in {p.country}: no stage has role {p.role}",
                    f"populations.{k}.role",
                )
        for i, s in enumerate(self.stages):
            if not s.inputs and s.materials <= 0:
                raise FieldError(
                    f"stage {s.name!r} buys nothing (no input stages and no materials): its "
                    "value added would equal its output; give it materials > 0 (basic inputs "
                    "per unit, docs/calibration.md)",
                    f"stages.{i}.materials",
                )
        slots = firm_slots(self)
        if slots > MAX_FIRMS:
            raise FieldError(
                f"the world has {slots:,} firms (plants), more than the {MAX_FIRMS:,} the "
                "simulator can index",
                "populations",
            )
        return self


def final_stages(inputs: list[list[int]]) -> list[int]:
    """Stages no stage buys (``inputs[i]``: stages that stage i buys): those that sell to end
    buyers. A valid world has exactly one, of role BL (checked in :class:`World`)."""
    used = {j for i in inputs for j in i}
    return [i for i in range(len(inputs)) if i not in used]


def stage_cycle(inputs: list[list[int]]) -> list[int]:
    """A cycle of the stage graph (``inputs[i]``: stages that stage i buys) as stage indices
    from a stage back to itself, e.g. ``[0, 1, 0]``; ``[]`` when the graph is acyclic.

    Iterative depth-first search (a deep chain of stages cannot exhaust Python's stack)."""
    state = [0] * len(inputs)  # 0 unseen, 1 on the current path, 2 done
    for root in range(len(inputs)):
        if state[root]:
            continue
        path: list[int] = [root]
        todo: list[list[int]] = [[j for j in inputs[root] if 0 <= j < len(inputs)]]
        state[root] = 1
        while path:
            if not todo[-1]:
                state[path.pop()] = 2
                todo.pop()
                continue
            j = todo[-1].pop()
            if state[j] == 1:
                return [*path[path.index(j) :], j]
            if state[j] == 0:
                state[j] = 1
                path.append(j)
                todo.append([k for k in inputs[j] if 0 <= k < len(inputs)])
    return []


def firm_slots(world: World) -> int:
    """Firms (plants) the world starts with, as ``init.build_model`` lays them out: a brand
    leader is one unit per BL stage plus an in-house plant per CM stage; every other
    population member is one plant."""
    n_bl = sum(s.role == "BL" for s in world.stages)
    n_cm = sum(s.role == "CM" for s in world.stages)
    return sum(p.count * (n_bl + n_cm if p.role == "BL" else 1) for p in world.populations)


def format_validation(exc: ValidationError) -> tuple[str, str]:
    """First error of a pydantic ValidationError as (field path, message)."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "world"
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        loc = ".".join(p for p in (loc if err["loc"] else "", cause.field) if p)
    return loc, str(err["msg"]).removeprefix("Value error, ")


def load_world(path: str | Path, overrides: dict[str, object] | None = None) -> World:
    """Read and validate a world from TOML. Raises :class:`InputError` with file and field."""
    data = read_toml(path, what="config", field="CONFIG")
    return world_from_dict(data, where=str(path), overrides=overrides)


def world_from_dict(
    data: dict[str, object], *, where: str = "config", overrides: dict[str, object] | None = None
) -> World:
    merged = {**data, **(overrides or {})}
    try:
        return World.model_validate(merged)
    except ValidationError as exc:
        field, msg = format_validation(exc)
        raise InputError(
            msg, where=where, field=field, fix="see docs/calibration.md for valid values"
        ) from None


def min_firms(world: World) -> int:
    """Fewest firms :func:`scale_firms` can give ``world``: every non-BL population that has
    firms keeps at least one."""
    return sum(1 for p in world.populations if p.role != "BL" and p.count > 0)


def scale_firms(world: World, firms: int, *, where: str = "--firms") -> World:
    """Scale every non-BL population so the world has about ``firms`` firms in total.

    Refuses (one line) a count below :func:`min_firms` (it would silently give more firms than
    asked) or above :data:`MAX_FIRMS`; memory is checked separately, before the model is built
    (:func:`gpnlab.simulate.budget.check_simulation`).
    """
    total = sum(p.count for p in world.populations if p.role != "BL")
    if total == 0:
        raise InputError(
            "cannot scale an empty population",
            where=where,
            field="firms",
            fix="give the world's populations some firms",
        )
    least = min_firms(world)
    if firms < least:
        raise InputError(
            f"{firms:,} firms is below {least}, the fewest world {world.name!r} scales to (each "
            f"of its {least} non-brand-leader populations keeps at least one firm)",
            where=where,
            field="firms",
            fix=f"give {least} firms or more",
        )
    if firms > MAX_FIRMS:
        raise InputError(
            f"{firms:,} firms is more than the {MAX_FIRMS:,} the simulator can index",
            where=where,
            field="firms",
            fix=f"give at most {MAX_FIRMS:,} firms",
        )
    factor = firms / total
    pops = [
        p if p.role == "BL" else p.model_copy(update={"count": max(1, round(p.count * factor))})
        for p in world.populations
    ]
    scaled = world.model_copy(update={"populations": pops})
    slots = firm_slots(scaled)
    if slots > MAX_FIRMS:
        raise InputError(
            f"{firms:,} firms lay out as {slots:,} plants, more than the {MAX_FIRMS:,} the "
            "simulator can index",
            where=where,
            field="firms",
            fix="give fewer firms",
        )
    return scaled
