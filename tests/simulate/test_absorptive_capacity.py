"""Issue item 5: absorptive capacity decides what is learnt (Cohen & Levinthal 1990).

What a firm internalises depends on the cognitive distance between what it is offered and what
it knows, saturates at a capacity that the absorption scale sets, and rises with the firm's own
learning investment (:mod:`gpnlab.simulate.mechanisms.absorption`). Model-level tests pool three
independent seeds per base seed, as in ``test_mechanisms_not_shortcuts``: the fast suite runs
base seed 1, the slow suite base seeds 2-20.
"""

from __future__ import annotations

import numpy as np
import pytest

from gpnlab.simulate import simulate
from gpnlab.simulate.config import World
from gpnlab.simulate.mechanisms.absorption import internalise
from gpnlab.simulate.mechanisms.transfer import offer
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import CM, HT, LT, empty_firms
from tests.simulate.conftest import small_world, with_countries, with_mechanisms

BASES = [1, *(pytest.param(b, marks=pytest.mark.slow) for b in range(2, 21))]
i8, i16, i32 = np.int8, np.int16, np.int32


def seeds(base: int) -> tuple[int, int, int]:
    """Three independent seeds for a base seed (far apart, not base, base + 1, ...)."""
    return (1000 * base + 11, 1000 * base + 529, 1000 * base + 947)


def absorbed_by_role(world: World, seed: int, periods: int) -> dict[str, float]:
    """Per supplier role (CM, HT, LT): knowledge absorbed and received per alive non-in-house
    supplier, summed over the run; ``all`` the total absorbed by suppliers; ``stock`` the mean
    absorptive-capacity stock of alive suppliers at the end."""
    sums = dict.fromkeys(("cm", "ht", "lt", "recv_cm", "recv_ht", "recv_lt", "all"), 0.0)

    def hook(m: Model) -> None:
        f = m.firms
        sup = f.alive & (f.role >= CM) & ~f.inhouse
        sums["all"] += float(f.absorbed[sup].sum())
        for name, role in (("cm", CM), ("ht", HT), ("lt", LT)):
            sel = sup & (f.role == role)
            if sel.any():
                sums[name] += float(f.absorbed[sel].mean())
                sums["recv_" + name] += float(f.received[sel].mean())

    res = simulate(world, seed=seed, periods=periods, on_period=hook, keep_model=True,
                   record=[periods])  # fmt: skip
    f = res.model.firms
    sums["stock"] = float(f.absorptive[f.alive & (f.role >= HT)].mean())
    return sums


def halving_gaps(seed: int) -> list[float]:
    """Relative excess of absorbed knowledge when the transfer rate is halved over when
    absorption is halved (CM, HT, all suppliers), institutions off."""
    world = with_countries(small_world(), institutions=0.0)
    mech = world.mechanisms
    half_a = with_mechanisms(world, absorption=mech.absorption / 2)
    half_t = with_mechanisms(world, transfer_rate=mech.transfer_rate / 2)
    a, t = absorbed_by_role(half_a, seed, 30), absorbed_by_role(half_t, seed, 30)
    return [t[r] / a[r] - 1 for r in ("cm", "ht", "all")]


def test_halving_absorption_is_not_halving_the_transfer_rate() -> None:
    """Absorption and the transfer rate are separately identified. Without the institutional
    channel (whose offer depends on what buyers offer), the two entered only as a product before
    this item: halving either gave the same absorbed knowledge, firm for firm and quarter for
    quarter (measured: zero difference on base seeds 1 and 2). Now the transfer rate scales the
    offer inside the saturation and ``absorption`` the capacity, so halving the transfer rate
    costs less absorbed knowledge than halving absorption, by more than the seed noise, for
    contract manufacturers, higher-tier suppliers and all suppliers together. (Lower-tier
    offers are small, arm's length, and mostly below saturation: there the gap is smaller and
    not asserted.)"""
    d = np.array([halving_gaps(s) for s in seeds(1)])  # seeds x (CM, HT, all)
    assert (d > 0).all()
    assert (d.mean(axis=0) > 2 * d.std(axis=0, ddof=1) / np.sqrt(len(d))).all()


@pytest.mark.slow
def test_halving_identified_pooled_over_base_seeds_1_to_20() -> None:
    """The same over the 60 seeds of bases 1-20: for each of CM, HT and all suppliers the
    transfer halving leaves more absorbed, by more than two standard errors. (Per base, with
    three seeds, one seed went the other way on bases 3 and 15.)"""
    d = np.array([halving_gaps(s) for b in range(1, 21) for s in seeds(b)])
    assert (d.mean(axis=0) > 2 * d.std(axis=0, ddof=1) / np.sqrt(len(d))).all()


def test_a_too_wide_gap_yields_less_than_a_moderate_one() -> None:
    """Cognitive distance (Nooteboom et al. 2007): three identical HT suppliers of foreign-owned
    CM plants (formal channel) whose buyers know 1.5x, 4x and 20x what they know. The offer
    grows with the gap, but the share of it internalised falls with the distance, and the
    widest gap yields less in total than the moderate one."""
    K_sup = 0.2
    buyers = np.array([1.5, 4.0, 20.0]) * K_sup
    n = 3
    f = empty_firms(2 * n)
    f.alive[:] = True
    f.role[:n] = CM
    f.role[n:] = HT
    f.stage[:n], f.stage[n:] = 4, 3
    f.home[:n], f.home[n:] = 0, 1
    f.loc[:] = 1
    f.buyer[n:] = np.arange(n)
    f.K[:n] = buyers[:, None]
    f.K[n:] = K_sup
    f.invest[:] = 0.1
    S, D = 6, f.K.shape[1]
    req = np.full((S, D), 0.1)  # process capability is deep enough for every dimension
    profile = np.ones((S, D))
    offered = np.zeros((2 * n, D))
    z = np.zeros((2, S))
    offer(f.view(), req, profile, np.ones(S), z, z, 0.002, offered)
    received = f.received[n:].copy()
    assert received[0] < received[1] < received[2]  # the offer follows the gap
    internalise(
        f.view(), offered, req, np.zeros(2), np.zeros(2), z, profile, np.ones(S),
        1.0, 0.0, 0.0, np.zeros(2 * n),
    )  # fmt: skip
    per_unit = f.absorbed[n:] / received
    assert per_unit[0] > per_unit[1] > per_unit[2] > 0
    assert f.absorbed[n + 2] < f.absorbed[n]  # a gap too wide yields little


def test_own_learning_investment_builds_capacity_from_the_same_offers() -> None:
    """Two identical active suppliers are offered the same knowledge every quarter for five
    years; one invests in learning, the other does not. Own learning's direct gain is switched
    off and capabilities reset every quarter, so only absorptive capacity differs: the
    investing firm accumulates a learning stock and internalises more of the same offers."""
    f = empty_firms(2)
    f.alive[:] = True
    f.role[:] = HT
    f.stage[:] = 3
    f.buyer[:] = -1
    f.units[:], f.profit[:] = 1.0, 1.0
    f.invest[:] = [0.3, 0.0]
    S, D = 6, f.K.shape[1]
    req = np.full((S, D), 0.6)
    z = np.zeros((1, S))
    absorbed = []
    for _ in range(20):
        f.K[:] = 0.4
        offered = np.full((2, D), 0.004)
        internalise(
            f.view(), offered, req, np.zeros(1), np.zeros(1), z, np.ones((S, D)), np.ones(S),
            1.0, 0.0, 0.0, np.zeros(2),
        )  # fmt: skip
        absorbed.append(f.absorbed.copy())
    assert f.absorptive[0] > 0 == f.absorptive[1]
    first, last = absorbed[0], absorbed[-1]
    assert last[0] > first[0] > 0 and last[0] > 1.1 * last[1]
    np.testing.assert_allclose(last[1], first[1])  # no investment: no capacity built


@pytest.mark.parametrize("base", BASES)
def test_without_learning_investment_less_is_absorbed_of_what_is_offered(base: int) -> None:
    """Switching learning investment off (``investment_rate = 0``) leaves suppliers without a
    learning stock, and they internalise a smaller share of the knowledge offered to them:
    pooled over HT and LT suppliers, and for lower-tier suppliers in every seed (measured on
    base seed 1: lower tier 0.156 against 0.145; the higher tier, closer to full capacity,
    0.5% and within the seed noise. Realised learning investment is a few percent of profit,
    so the stock adds about 0.04 to ``a_f``)."""
    world = small_world()
    none = with_mechanisms(world, investment_rate=0.0)
    shares = []  # seeds x (on, off) x (HT, LT)
    for seed in seeds(base):
        on, off = absorbed_by_role(world, seed, 20), absorbed_by_role(none, seed, 20)
        assert on["stock"] > 0 == off["stock"]
        shares.append([[run[r] / run["recv_" + r] for r in ("ht", "lt")] for run in (on, off)])
    x = np.array(shares)
    assert x[:, 0].mean() > 1.02 * x[:, 1].mean()
    assert (x[:, 0, 1] > x[:, 1, 1]).all()
