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


def hub_share_gap(seed: int, T: int = 40, check: bool = True) -> float:
    """The hub's share of world assembly at quarter T with the wage response on, less with
    wages fixed; with ``check``, also that the hub's jobs grew and its wage rose (on) and that
    wages stayed put (off)."""
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
    if check:
        assert p.employment.max() > p.employment.loc[1]
        assert c.wage[g] > c.base_wage[g]
    assert np.array_equal(off.model.countries.wage, off.model.countries.base_wage)
    return assembly_shares(on, T)[hub] - assembly_shares(off, T)[hub]


def test_hub_wages_rise_with_its_jobs() -> None:
    """Lewis turning point: the assembly hub's formal employment absorbs its labour pool and its
    wage rises above the configured one; with the wage response off wages stay put (the
    checks inside ``hub_share_gap``, on the three seeds of base 1). That the hub then loses
    assembly is a small effect, identified only over many seeds: the pooled slow test below
    (on base 1 alone it was -0.049 of 20 bases' mean before spin-offs and several buyers per
    supplier, and +0.007 after, with a seed's standard deviation about 0.1)."""
    for s in seeds(1):
        hub_share_gap(s)


@pytest.mark.slow
def test_hub_loses_assembly_pooled_over_base_seeds_1_to_20() -> None:
    """The same effect over the 60 seeds of bases 1-20, more than two standard errors below
    zero: -0.024, s.d. 0.072, t = -2.6, 19 of 60 seeds positive (since the sales moments
    start at a firm's first sales; before, -0.018 with t = -1.8, a strict xfail). (Per base,
    three seeds are not enough: measured on 20 bases, mean -0.049, a seed's standard
    deviation about 0.1, four bases of twenty positive.) Every seed counts, also those
    whose largest assembly location lost jobs from the start (KRL in one of them)."""
    d = np.array([hub_share_gap(s, check=False) for b in range(1, 21) for s in seeds(b)])
    assert d.mean() < -2 * d.std(ddof=1) / np.sqrt(d.size)


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


def tariff_jump(seed: int, T: int = 30, market: str = "INL") -> float:
    """The share of world assembly in ``market`` over the second half of the run with a
    prohibitive final-goods tariff there, less without it."""
    share = []
    for rate in (1.0, 0.0):
        st = run(with_final_tariff(small_world(), market, rate), seed=seed, periods=T).stages
        a = st[(st.stage == ASSEMBLY) & (st.period > T // 2)].groupby("country").output.sum()
        share.append(a.get(market, 0.0) / a.sum())
    return share[0] - share[1]


@pytest.mark.slow
def test_tariff_jumping_pooled_over_base_seeds_1_to_20() -> None:
    """Tariff-jumping (Belderbos 1997; Blonigen 2002): a prohibitive final-goods tariff in a
    market (1, the most the config allows: imports earn nothing there; a market of 7% of world
    demand) raises the share of world assembly located in that market over the second half of
    the run. Over the 60 seeds of bases 1-20, more than two standard errors above zero; three
    seeds are not enough (base 1 gave -0.008 with spin-offs and several buyers per supplier,
    so there is no fast variant; the final leg's cost rule is tested above). Before
    spin-offs (``mechanisms.spinoff_entry``) it was +0.009 with a standard error of 0.006
    (t = 1.6, an expected failure); with them +0.018, standard error 0.005 (t = 3.6)."""
    d = np.array([tariff_jump(s) for b in range(1, 21) for s in seeds(b)])
    assert d.mean() > 2 * d.std(ddof=1) / np.sqrt(d.size)


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
        local = m.local  # one row per seller of this quarter (m.origin_rows)
        served = f.units[m.sellers] / np.maximum(f.final_units[m.sellers], 1e-300)
        expect = m.ordered_value * served[:, None] * (1 - tariff[None, :] * (1 - local))
        assert (m.origin_rows == m.sellers).all()
        has_mix = m.origin.sum(axis=1) > 0
        np.testing.assert_allclose(m.final_revenue[has_mix], expect[has_mix], rtol=1e-9)
        # every origin ships what it assembled: the locally served and exported units add up
        assert ((local >= 0) & (local <= 1 + 1e-12)).all()
