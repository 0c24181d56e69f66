"""The order of mechanisms in one period (a quarter), and nothing else."""

from __future__ import annotations

import time
from collections.abc import Callable

from gpnlab.simulate.mechanisms.absorption import absorption
from gpnlab.simulate.mechanisms.capability import update_requirements
from gpnlab.simulate.mechanisms.demand import demand
from gpnlab.simulate.mechanisms.disruption import disruption
from gpnlab.simulate.mechanisms.entry import entry
from gpnlab.simulate.mechanisms.finance import finance
from gpnlab.simulate.mechanisms.frontier import research
from gpnlab.simulate.mechanisms.investment import investment
from gpnlab.simulate.mechanisms.labour import count_informal, formal_employment, labour
from gpnlab.simulate.mechanisms.lines import pool_lines
from gpnlab.simulate.mechanisms.make_or_buy import make_or_buy
from gpnlab.simulate.mechanisms.production import production
from gpnlab.simulate.mechanisms.review import review
from gpnlab.simulate.mechanisms.sourcing import sourcing
from gpnlab.simulate.mechanisms.tender import tender
from gpnlab.simulate.mechanisms.transfer import transfer
from gpnlab.simulate.mechanisms.upgrading import upgrading
from gpnlab.simulate.model import Model
from gpnlab.simulate.policy import policy

ORDER: tuple[tuple[str, Callable[[Model], object]], ...] = (
    ("demand", demand),
    ("review", review),
    ("tender", tender),
    ("make_or_buy", make_or_buy),
    ("sourcing", sourcing),
    ("disruption", disruption),
    ("production", production),
    ("research", research),
    ("transfer", transfer),
    ("absorption", absorption),
    ("investment", investment),
    ("lines", pool_lines),
    ("upgrading", upgrading),
    ("finance", finance),
    ("labour", labour),
    ("policy", policy),
    ("entry", entry),
)


def step(m: Model) -> None:
    """Advance the model by one quarter."""
    m.policy_cost[:] = 0.0
    for name, mechanism in ORDER:
        t0 = time.perf_counter()
        mechanism(m)
        m.timers[name] = m.timers.get(name, 0.0) + time.perf_counter() - t0
    m.period += 1


def warm_up(m: Model, rounds: int = 8) -> None:
    """Form the initial network: demand, then sourcing rounds until buyers are supplied; then
    count the informal sector of the network formed (what :func:`labour` does each quarter),
    so that period 0's informal workers are the labour pool's, not zero."""
    update_requirements(m)
    demand(m)
    for _ in range(rounds):
        sourcing(m, max_new=50)
        production(m)
    count_informal(m, formal_employment(m))
