"""The model container: world config, state arrays, stage table, random streams, timers.

Mechanisms are plain functions ``mechanism(m: Model) -> None`` that read and write ``m``'s
arrays; :mod:`gpnlab.simulate.step` fixes their order. Each mechanism draws from its own
random stream, derived with ``numpy.random.SeedSequence`` from (seed, mechanism name), so a run
is a pure function of (config, seed, version) and switching one mechanism off does not shift
the random numbers of the others.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from gpnlab.simulate.config import ROLES, World, final_stages
from gpnlab.simulate.policy import Instruments
from gpnlab.simulate.state import BL, Countries, Firms


@dataclass
class Stages:
    """Stage attributes as arrays (index = stage)."""

    names: list[str]
    role: np.ndarray
    labour: np.ndarray
    req0: np.ndarray  # (S, D) initial requirements
    complexity: np.ndarray
    tacitness: np.ndarray
    differentiation: np.ndarray
    scale: np.ndarray
    precision: np.ndarray
    inputs: list[list[int]]
    materials: np.ndarray  # basic inputs per unit (world prices)
    final: int  # the stage that sells to end buyers (no stage buys it): marketing by default
    order: list[int]  # topological: inputs before users
    position: np.ndarray  # 0 (most commoditised) .. 1 (most knowledge-intensive)

    @property
    def S(self) -> int:
        return len(self.names)

    @cached_property
    def graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stage order (inputs first) and each stage's input stages as CSR arrays
        (``inputs[ptr[s]:ptr[s + 1]]``), for the kernels."""
        ptr = np.zeros(self.S + 1, np.int64)
        ptr[1:] = np.cumsum([len(i) for i in self.inputs])
        flat = [i for s in range(self.S) for i in self.inputs[s]]
        return np.array(self.order, np.int64), np.array(flat, np.int64), ptr

    @cached_property
    def profile(self) -> np.ndarray:
        """(S, D) requirement profile ``R0_sk / max_k R0_sk``: what each stage needs, 0..1."""
        return self.req0 / np.maximum(self.req0.max(axis=1, keepdims=True), 1e-9)

    @cached_property
    def market_buys(self) -> np.ndarray:
        """(S, S) bool: ``[b, s]`` when a buyer of stage b buys stage s on the market (not
        from its own units: brand leaders' stages are in-house)."""
        out = np.zeros((self.S, self.S), np.bool_)
        for b in range(self.S):
            for s in self.inputs[b]:
                out[b, s] = self.role[s] != BL
        return out


@dataclass
class Model:
    world: World
    firms: Firms
    countries: Countries
    stages: Stages
    instruments: Instruments
    seed: int
    period: int = 0
    requirement: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (S, D) now
    # firms selling to end buyers this period (brand leaders' marketing units, OBM firms) and
    # their sales by destination country: (sellers, G) units and money
    sellers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    final_sales: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    final_revenue: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # end buyers' orders of this period (demand); final_sales/revenue are what was delivered
    ordered_sales: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    ordered_revenue: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    ordered_value: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # before tariff
    # last quarter's sellers (ascending slots; production.final_leg), their (sellers, G) share
    # of units assembled in each country and share of units sold in each market that plants
    # there supplied (read through supplies.assembly_record);
    # (sellers, G) the logistics services each seller bought from each country on the final
    # leg (plant to end market) this quarter
    origin_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    origin: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    local: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    final_freight: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    drops: np.ndarray = field(default_factory=lambda: np.zeros(0))  # suppliers dropped by loc
    policy_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))  # by country
    offered: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (F, D) this period
    match_now: np.ndarray = field(default_factory=lambda: np.zeros(0))  # capability match (F)
    # why review dropped each supplier this period (links.END_*; read by the recording only)
    link_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    # own learning of each firm this period, summed over dimensions (read by recording only)
    own_learned: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (D,) flagships' mean capability per dimension at the start (capability.update_requirements)
    frontier0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # R&D of each brand (its final-stage unit) this quarter (frontier.research)
    rd_spend: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # (G, G) share of the basic inputs of plants in c bought from c' (supplies.origin_shares)
    material_origin: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    obm_attempts: int = 0
    obm_successes: int = 0
    obm_exits: int = 0
    retendered: int = 0  # contracts that went to a challenger at re-tender (tender)
    lines_opened: int = 0  # further lines opened by suppliers under contract (lines)
    lines_closed: int = 0  # lines folded back into their firm when their contract ended
    brand_promotions: int = 0  # latecomer brands that became brand leaders
    brand_exits: int = 0  # brands (flagships or latecomers) that exited after losing share
    timers: dict[str, float] = field(default_factory=dict)
    # per-run constants derived from the world (specialisation tilts), computed once
    derived: dict[str, np.ndarray] = field(default_factory=dict)
    _streams: dict[str, np.random.SeedSequence] = field(default_factory=dict)

    def rng(self, mechanism: str) -> np.random.Generator:
        """The random generator of ``mechanism`` for the current period."""
        key = zlib.crc32(mechanism.encode())
        ss = np.random.SeedSequence([self.seed, key, self.period])
        return np.random.default_rng(ss)

    @property
    def G(self) -> int:
        return len(self.countries.codes)

    def market_price(self) -> np.ndarray:
        """Final price per unit in each country's market (by its region)."""
        prices = np.array([mk.price for mk in self.world.markets])
        return prices[self.countries.region]


def stage_table(world: World) -> Stages:
    S = len(world.stages)
    inputs = [list(s.inputs) for s in world.stages]
    order: list[int] = []
    seen: set[int] = set()

    def visit(i: int, path: tuple[int, ...]) -> None:
        if i in seen:
            return
        if i in path:
            raise ValueError(f"stage inputs form a cycle through stage {i}")
        for j in inputs[i]:
            visit(j, (*path, i))
        seen.add(i)
        order.append(i)

    for i in range(S):
        visit(i, ())
    final = final_stages(inputs)
    if len(final) != 1:
        names = ", ".join(world.stages[i].name for i in final)
        raise ValueError(f"exactly one stage must sell to end buyers (no stage buys it): {names}")
    complexity = np.array([s.complexity for s in world.stages])
    rank = complexity.argsort().argsort()
    return Stages(
        names=[s.name for s in world.stages],
        role=np.array([ROLES.index(s.role) for s in world.stages]),
        labour=np.array([s.labour for s in world.stages]),
        req0=np.array([s.requirement for s in world.stages], dtype=float),
        complexity=complexity,
        tacitness=np.array([s.tacitness for s in world.stages]),
        differentiation=np.array([s.differentiation for s in world.stages]),
        scale=np.array([s.scale for s in world.stages]),
        precision=np.array([s.precision for s in world.stages]),
        inputs=inputs,
        materials=np.array([s.materials for s in world.stages], dtype=float),
        final=final[0],
        order=order,
        position=rank / max(S - 1, 1),
    )
