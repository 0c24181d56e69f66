"""Small worlds for fast simulation tests."""

from __future__ import annotations

import os
from functools import lru_cache

import pandas as pd

from gpnlab.simulate import load_preset, simulate
from gpnlab.simulate.config import World, scale_firms

FIRMS = 3000
# the seed of single-seed mechanism tests; GPNLAB_TEST_SEED=k re-runs them on another seed
# (a robustness audit: `GPNLAB_TEST_SEED=2 pytest tests/simulate/test_mechanisms.py`)
SEED = int(os.environ.get("GPNLAB_TEST_SEED", "1"))
PERIODS = 20


@lru_cache(maxsize=1)
def small_world() -> World:
    return scale_firms(load_preset("default"), FIRMS)


def with_mechanisms(world: World, **changes: object) -> World:
    mech = world.mechanisms.model_copy(update=changes)
    return world.model_copy(update={"mechanisms": mech})


def with_countries(world: World, **changes: object) -> World:
    return world.model_copy(
        update={"countries": [c.model_copy(update=changes) for c in world.countries]}
    )


@lru_cache(maxsize=64)
def _run(world_json: str, seed: int, periods: int) -> pd.DataFrame:
    world = World.model_validate_json(world_json)
    return simulate(world, seed=seed, periods=periods).panel


def panel(world: World, seed: int | None = None, periods: int = PERIODS) -> pd.DataFrame:
    return _run(world.model_dump_json(), SEED if seed is None else seed, periods)


def run(world: World, seed: int | None = None, periods: int = PERIODS, **kw: object):
    return simulate(
        world, seed=SEED if seed is None else seed, periods=periods, keep_model=True, **kw
    )
