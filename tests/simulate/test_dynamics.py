"""Issue 12: margins from market structure, R&D that moves the frontier, re-tendering, brand
turnover, the pressure to upgrade.

Each test changes one mechanism's input or switches it off and checks the direction the
sources predict, pooled over three independent seeds of a base seed (fast suite: base 1;
``make test-slow``: bases 2-20), as in ``test_mechanisms_not_shortcuts.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.simulate.config import World
from gpnlab.simulate.mechanisms.finance import (
    EXIT_QUARTERS,
    PROMOTION_AGE,
    PROMOTION_STREAK,
    brand_turnover,
)
from gpnlab.simulate.mechanisms.market_power import margins
from gpnlab.simulate.mechanisms.upgrading import launch_brands
from gpnlab.simulate.record import emit_table
from gpnlab.simulate.state import BL, CM
from gpnlab.simulate.step import step
from gpnlab.validate.metrics.links import link_survival, pooled_survival
from tests.simulate.conftest import run, small_world, with_mechanisms

BASES = [1, *(pytest.param(b, marks=pytest.mark.slow) for b in range(2, 21))]


def seeds(base: int) -> tuple[int, int, int]:
    return (1000 * base + 13, 1000 * base + 541, 1000 * base + 953)


def stage_margins(world: World, seed: int, periods: int) -> pd.Series:
    """Mean markup of the producing suppliers of each stage at the end of a run."""
    m = run(world, seed=seed, periods=periods).model
    f = m.firms
    mu = margins(m)
    act = f.alive & (f.units > 0) & ~f.inhouse
    return pd.Series(mu[act]).groupby(np.asarray(m.stages.names)[f.stage[act]]).mean()


def scaled_role(world: World, role: str, factor: float) -> World:
    pops = [
        p.model_copy(update={"count": max(1, round(p.count * factor))}) if p.role == role else p
        for p in world.populations
    ]
    return world.model_copy(update={"populations": pops})


@pytest.mark.parametrize("base", BASES)
def test_margins_thin_where_capable_suppliers_are_many(base: int) -> None:
    """Market power: with three times the higher-tier suppliers (more of them capable), the
    margins of the higher-tier stages fall; the lower tier, whose numbers did not change,
    keeps its margin within noise. The same elasticities apply to every stage: where margins
    differ, the market structure made them differ."""
    base_w = small_world()
    more = scaled_role(base_w, "HT", 3.0)
    falls, lt_change = [], []
    for seed in seeds(base):
        a = stage_margins(base_w, seed, 8)
        b = stage_margins(more, seed, 8)
        falls.append(b["precision_components"] - a["precision_components"])
        lt_change.append(abs(b["commodity_components"] - a["commodity_components"]))
    assert np.mean(falls) < 0
    assert np.mean(lt_change) < abs(np.mean(falls))


@pytest.mark.parametrize("base", BASES)
def test_scarce_capability_earns_the_margin(base: int) -> None:
    """The precision stage (few suppliers meet its requirement) earns a higher margin than
    commodity parts (thousands can), with one substitution elasticity for all stages."""
    gaps = []
    for seed in seeds(base):
        mu = stage_margins(small_world(), seed, 8)
        gaps.append(mu["precision_components"] - mu["commodity_components"])
    assert np.mean(gaps) > 0


@pytest.mark.parametrize("base", BASES)
def test_rd_from_margins_moves_the_frontier_and_requirements(base: int) -> None:
    """Brand leaders' R&D raises what suppliers must meet; without R&D the requirement stays
    near its start. Richer margins (a higher final price) fund more R&D and a faster
    frontier."""

    def level(world: World, seed: int) -> float:
        p = run(world, seed=seed, periods=24).panel
        return float(p[p.period == 24].requirement_level.iloc[0])

    richer = small_world().model_copy(
        update={
            "markets": [
                mk.model_copy(update={"price": mk.price * 1.3}) for mk in small_world().markets
            ]
        }
    )
    on, off, rich = [], [], []
    for seed in seeds(base):
        on.append(level(small_world(), seed))
        off.append(level(with_mechanisms(small_world(), rd_share=0.0), seed))
        rich.append(level(richer, seed))
    assert np.mean(on) > np.mean(off) + 0.05
    assert abs(np.mean(off) - 1.0) < 0.1
    assert np.mean(rich) > np.mean(on)


@pytest.mark.parametrize("base", BASES)
def test_rd_is_design_work_and_the_table_balances(base: int) -> None:
    """R&D is the design units' value added (engineers), sold to the brand at cost: the
    design stage's value added falls without it, and the emitted tables still balance."""
    shares = {}
    for rd in (0.25, 0.0):
        v = []
        for seed in seeds(base)[:2]:
            res = run(with_mechanisms(small_world(), rd_share=rd), seed=seed, periods=8)
            st = res.stages[res.stages.period == 8]
            va = st.groupby("stage").value_added.sum()
            v.append(va["design_rd"] / va.sum())
            t = emit_table(res.model)  # output (sales) = sales to buyers (ledger) + final
            np.testing.assert_allclose(t.x, t.Z.sum(1) + t.Y.sum(1), rtol=1e-12, atol=1e-9)
        shares[rd] = np.mean(v)
    assert shares[0.25] > shares[0.0]


def cm_survival(world: World, seed: int, periods: int = 30) -> tuple[float, int]:
    res = run(world, seed=seed, periods=periods, links=True)
    links = res.links
    role_of = {s.name: s.role for s in world.stages}
    links = links[~links["inhouse"]].assign(tier=lambda d: d["stage"].map(role_of))
    table = pooled_survival(link_survival(links, last_period=periods, by="tier"), by="tier")
    cm = float(table.set_index("tier").loc["CM", "survival"])
    return cm, int((links.reason == "retendered").sum())


@pytest.mark.parametrize("base", BASES)
def test_retendering_ends_links_of_every_tier(base: int) -> None:
    """Contracts re-tendered at expiry: contract manufacturers' links end too, and fewer
    survive a year than without re-tendering; a higher switching cost keeps more of them."""
    on, off, sticky, moved = [], [], [], 0
    for seed in seeds(base):
        s_on, n = cm_survival(small_world(), seed)
        on.append(s_on)
        moved += n
        off.append(cm_survival(with_mechanisms(small_world(), retender=False), seed)[0])
        sticky.append(cm_survival(with_mechanisms(small_world(), switching_cost=1.0), seed)[0])
    assert moved > 0
    assert np.mean(on) < np.mean(off)
    assert np.mean(on) < np.mean(sticky)


@pytest.mark.parametrize("base", BASES)
def test_a_brand_that_loses_its_market_exits_with_its_units(base: int) -> None:
    """Brand exit: a flagship whose brand is gone (no goodwill, no brand capability) keeps a
    marginal share and exits after EXIT_QUARTERS, with its own units and in-house plants; its
    suppliers are freed."""
    for seed in seeds(base)[:2]:
        res = run(small_world(), seed=seed, periods=2)
        m = res.model
        f = m.firms
        heads = np.flatnonzero(f.alive & (f.role == BL) & (f.stage == m.stages.final) & ~f.obm)
        weak = heads[0]
        own = np.flatnonzero(f.alive & (f.buyer == weak) & ((f.role == BL) | f.inhouse))
        assert own.size > 0
        for _ in range(EXIT_QUARTERS + 4):
            if not f.alive[weak]:
                break
            f.goodwill[weak] = 0.0
            f.K[weak, :] = 0.0
            step(m)
            f = m.firms
        assert not f.alive[weak] and not f.alive[own].any()
        assert m.brand_exits >= 1
        assert not (f.alive & (f.buyer == weak)).any()
        # the rule is the market's, not aimed at one brand: other flagships exit only when they
        # lose their own market, and most keep it over these quarters
        assert f.alive[heads[1:]].mean() >= 0.75


def test_a_sustained_latecomer_brand_becomes_a_brand_leader() -> None:
    """Promotion is earned: a latecomer brand with a profitable streak long enough and old
    enough becomes a brand leader (with its design units); one a quarter short does not."""
    res = run(small_world(), seed=3, periods=2)
    m = res.model
    f = m.firms
    parents = np.flatnonzero(f.alive & (f.role == CM))[:2]
    heads = launch_brands(m, parents)
    f = m.firms
    m.sellers = np.concatenate([m.sellers, heads])
    m.final_revenue = np.vstack([m.final_revenue, np.ones((2, m.G))])
    f.age[heads] = PROMOTION_AGE
    f.profit[heads] = 1.0
    f.profit_streak[heads[0]] = PROMOTION_STREAK - 1  # reaches the streak this quarter
    f.profit_streak[heads[1]] = PROMOTION_STREAK - 2
    brand_turnover(m)
    assert not f.obm[heads[0]] and f.obm[heads[1]]
    design = f.alive & (f.buyer == heads[0]) & (f.role == BL)
    assert design.any() and not f.obm[design].any()
    assert m.brand_promotions == 1
