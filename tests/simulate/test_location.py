"""Location of assembly (issue: concentrated dispersion): final goods ship from the plants
that assemble them, wages rise past a Lewis turning point, and assembly moves in response.

BASES pattern of ``test_mechanisms_not_shortcuts``: each test pools three independent seeds
derived from a base seed; the fast suite runs base 1, the slow suite bases 2-20.
"""

from __future__ import annotations

import numpy as np
import pytest

from gpnlab.simulate.config import World
from gpnlab.simulate.mechanisms.supplies import final_leg_rate, material_rates
from gpnlab.simulate.record import emit_table
from tests.simulate.conftest import run, small_world, with_mechanisms
from tests.simulate.test_mechanisms_not_shortcuts import seeds

BASES = [1, *(pytest.param(b, marks=pytest.mark.slow) for b in range(2, 21))]
ASSEMBLY = "final_assembly_test"


def assembly_shares(res, period: int) -> dict[str, float]:
    st = res.stages
    a = st[(st.stage == ASSEMBLY) & (st.period == period)].set_index("country").output
    return (a / a.sum()).to_dict()


def with_final_tariff(world: World, code: str, rate: float) -> World:
    cs = [
        c.model_copy(update={"policy": c.policy.model_copy(update={"tariff_final": rate})})
        if c.code == code
        else c
        for c in world.countries
    ]
    return world.model_copy(update={"countries": cs})


@pytest.mark.parametrize("base", BASES)
def test_hub_wages_rise_with_its_jobs_and_it_loses_assembly(base: int) -> None:
    """Lewis turning point: the assembly hub's formal employment absorbs its labour pool and its
    wage rises above the configured one; with the wage response on, the hub's share of world
    assembly is lower than with wages fixed (pooled over three seeds)."""
    T = 40
    on_share, off_share = [], []
    for seed in seeds(base):
        on = run(small_world(), seed=seed, periods=T)
        off = run(with_mechanisms(small_world(), wage_response=0.0), seed=seed, periods=T)
        flagship = {c.code for c in small_world().countries if c.flagship_home}
        start = {k: v for k, v in assembly_shares(off, 1).items() if k not in flagship}
        hub = max(start, key=start.__getitem__)  # the largest contract-assembly location
        c = on.model.countries
        g = c.codes.index(hub)
        p = on.panel[on.panel.country == hub].set_index("period")
        # the hub's formal jobs grew past where they started, and its wage rose (and stays:
        # wages are downward-rigid even where the hub then loses jobs)
        assert p.employment.max() > p.employment.loc[1]
        assert c.wage[g] > c.base_wage[g]
        assert np.array_equal(off.model.countries.wage, off.model.countries.base_wage)
        on_share.append(assembly_shares(on, T)[hub])
        off_share.append(assembly_shares(off, T)[hub])
    assert np.mean(on_share) < np.mean(off_share)


def test_final_leg_rate_makes_local_assembly_jump_the_tariff() -> None:
    """A unit assembled in a market short of local assembly crosses no border; one made
    elsewhere pays the tariff and logistics of the markets it is shipped to, so a tariff in
    the short market raises the cost of every other location and not its own."""
    logistics = np.full(3, 0.04)
    assembled = np.array([[0.0, 0.7, 0.3]])  # nothing made in market 0, none short in 2
    sold = np.array([[0.5, 0.2, 0.3]])
    low = final_leg_rate(assembled, sold, np.zeros(3), logistics)[0]
    high = final_leg_rate(assembled, sold, np.array([0.5, 0.0, 0.0]), logistics)[0]
    assert low[0] == high[0] == 0.0  # market 0 is short: a plant there serves it
    assert (high[1:] > low[1:]).all()
    np.testing.assert_allclose(low[1:], 0.08)  # the logistics of both sides
    np.testing.assert_allclose(high[1:], 0.58)  # and market 0's tariff


@pytest.mark.parametrize("base", BASES)
def test_final_goods_tariff_pulls_assembly_into_the_market(base: int) -> None:
    """Tariff-jumping (Belderbos 1997; Blonigen 2002): a prohibitive final-goods tariff in a
    market (1, the most the config allows: imports earn nothing there) raises the share of
    world assembly located in that market over the second half of the run, pooled over three
    seeds. (A market of 7% of world demand; at a tariff of 0.5 the effect is within the noise
    of three seeds in the small world.)"""
    T, market = 30, "INL"
    with_tariff, without = [], []
    for seed in seeds(base):
        for rate, out in ((1.0, with_tariff), (0.0, without)):
            st = run(with_final_tariff(small_world(), market, rate), seed=seed, periods=T).stages
            a = st[(st.stage == ASSEMBLY) & (st.period > T // 2)].groupby("country").output.sum()
            out.append(a.get(market, 0.0) / a.sum())
    assert np.mean(with_tariff) > np.mean(without)


@pytest.mark.parametrize("base", BASES)
def test_the_final_leg_is_booked_and_the_table_balances(base: int) -> None:
    """The logistics of shipping final goods from the plants to the markets are the sellers'
    purchases of logistics services: the emitted table balances, the logistics rows sell the
    final stage exactly what the sellers bought on the final leg, and the sellers' revenue is
    net of each market's tariff on the share assembled outside it."""
    for seed in seeds(base)[:2]:
        m = run(small_world(), seed=seed, periods=4).model
        t = emit_table(m)
        np.testing.assert_allclose(t.x, t.Z.sum(1) + t.Y.sum(1), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(t.x, t.Z.sum(0) + t.tax_row + t.va_basic, rtol=1e-12, atol=1e-9)
        S, N, G = m.stages.S, t.N, m.G
        Z4 = t.Z.reshape(G, N, G, N)
        # the final stage buys logistics on its imported basic inputs and on the final leg
        # (its stage inputs cross no border)
        fin = m.stages.final
        f = m.firms
        mat_log, _ = material_rates(
            m.material_origin,
            m.instruments.effect("tariff_intermediate"),
            m.instruments.effect("logistics_cost"),
        )
        units = np.where(f.stage == fin, f.units, 0.0)
        on_materials = (units * m.stages.materials[fin] * mat_log[f.loc]).sum()
        bought = Z4[:, S + 1, :, fin].sum()
        assert m.final_freight.sum() > 0
        np.testing.assert_allclose(bought, m.final_freight.sum() + on_materials, rtol=1e-9)
        # revenue = value x (1 - t_c x share imported into c), with this quarter's shipments
        tariff = m.instruments.effect("tariff_final")
        local = m.local[m.sellers]
        served = f.units[m.sellers] / np.maximum(f.final_units[m.sellers], 1e-300)
        expect = m.ordered_value * served[:, None] * (1 - tariff[None, :] * (1 - local))
        has_mix = m.origin[m.sellers].sum(axis=1) > 0
        np.testing.assert_allclose(m.final_revenue[has_mix], expect[has_mix], rtol=1e-9)
        # every origin ships what it assembled: the locally served and exported units add up
        assert ((local >= 0) & (local <= 1 + 1e-12)).all()
