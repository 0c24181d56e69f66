"""The compiled kernels against their docstring equations, on hand-made firms.

Mechanism tests show each effect's direction on whole runs; these pin the arithmetic of each
kernel on a few firms, so that an edit to a loop that changes an equation fails here first.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.absorption import internalise
from gpnlab.simulate.mechanisms.capability import match_index
from gpnlab.simulate.mechanisms.review import EXCESS, drop_suppliers
from gpnlab.simulate.mechanisms.transfer import (
    CHANNEL_ARMS_LENGTH,
    CHANNEL_FORMAL,
    CHANNEL_INFORMAL,
    INSTITUTION_RATE,
    offer,
)
from gpnlab.simulate.state import BL, CM, HT, LT, OPEN_ENDED

i8, i16, i32 = np.int8, np.int16, np.int32


def test_offer_follows_the_transfer_equation() -> None:
    """T_fk = tau channel max(0, K_bk - K_fk) p_sk (1 + SD), design and brand only once process
    capability reaches 80% of the requirement; institutions top a domestic firm's offer up to
    iota (I + SI) max(0, R_sk - K_fk); nothing for brand-leader units."""
    # firm 0: a foreign-owned CM plant in country 1 (home 0); 1: HT supplier in country 1
    # (formal channel); 2: LT supplier in country 2 (arm's length, shallow process capability);
    # 3: domestic HT supplier without a buyer (institutions only); 4: a BL unit
    K = np.array(
        [
            [2.0, 2.0, 2.0, 2.0, 2.0],
            [1.0, 1.0, 0.5, 0.2, 0.1],
            [0.5, 0.1, 0.2, 0.3, 0.4],
            [0.2] * 5,
            [0.1] * 5,
        ]
    )
    role = np.array([CM, HT, LT, HT, BL], i8)
    stage = np.array([4, 3, 2, 1, 0], i8)
    home = np.array([0, 1, 2, 1, 1], i16)
    loc = np.array([1, 1, 2, 1, 1], i16)
    buyer = np.array([-1, 0, 0, -1, -1], i32)
    req = np.full((6, 5), 0.5)
    profile = np.tile(np.array([1.0, 0.8, 0.5, 0.2, 0.0]), (6, 1))
    tacit = np.array([1.0, 1.0, 0.9, 1.0, 1.0, 1.0])
    sd = np.zeros((3, 6))
    sd[2, 2] = 0.5  # supplier development for stage 2 in country 2
    support = np.zeros((3, 6))
    support[1, 1] = 0.5  # institutions for stage 1 in country 1
    offered, received = np.full((5, 5), -1.0), np.full(5, -1.0)
    alive, inhouse = np.ones(5, bool), np.zeros(5, bool)
    offer(
        alive, buyer, inhouse, role, stage, home, loc, K, req, profile, tacit, sd, support, 0.1,
        offered, received,
    )  # fmt: skip

    gap1 = np.maximum(K[0] - K[1], 0)
    np.testing.assert_allclose(offered[1], 0.1 * CHANNEL_FORMAL * gap1 * profile[3])
    gap2 = np.maximum(K[0] - K[2], 0)
    gap2[[2, 4]] = 0.0  # process 0.1 < 0.8 x 0.5: no design or brand knowledge yet
    np.testing.assert_allclose(
        offered[2], 0.1 * CHANNEL_ARMS_LENGTH * 0.9 * gap2 * profile[2] * 1.5
    )
    assert offered[1, 4] == 0 and offered[2, 4] == 0  # the stages need no brand knowledge
    np.testing.assert_allclose(offered[3], INSTITUTION_RATE * 0.5 * np.maximum(0.5 - K[3], 0))
    assert np.all(offered[[0, 4]] == 0) and np.all(received[[0, 4]] == 0)
    np.testing.assert_allclose(received, offered.sum(axis=1))
    assert CHANNEL_ARMS_LENGTH < CHANNEL_INFORMAL < CHANNEL_FORMAL


def test_internalise_follows_the_absorption_equation() -> None:
    """K <- (K + a T + own) (1 - delta) with a = A clip(0.3 mean K + 0.8 i + 0.3 KB + 0.3 TC
    [HT, CM] + 0.3 HC, 0, 1) and own = lambda i (0.5 + KB + HC) potential profile for active
    firms (institutions are a knowledge source in transfer, not a weight here)."""
    K = np.array([[0.4, 0.5, 0.6, 0.2, 0.1], [0.3, 0.3, 0.3, 0.3, 0.3], [1.0] * 5])
    offered = np.array([[0.1, 0.2, 0.0, 0.0, 0.05], [0.2] * 5, [0.0] * 5])
    role = np.array([HT, LT, HT], i8)
    stage = np.array([1, 2, 1], i8)
    loc = np.array([0, 1, 1], i16)
    invest = np.array([0.2, 0.1, 0.3])
    units, profit = np.array([1.0, 1.0, 0.0]), np.array([1.0, -1.0, 1.0])
    kb, tc = np.array([0.5, 0.2]), np.array([0.4, 0.1])
    hc = np.zeros((2, 6))
    hc[0, 1] = 0.1
    profile = np.tile(np.array([1.0, 0.8, 0.5, 0.3, 0.1]), (6, 1))
    potential = np.full(6, 1.2)
    A, lam, delta = 0.9, 0.05, 0.01
    K_before = K.copy()
    absorbed, learned = np.zeros(3), np.zeros(3)
    alive = np.ones(3, bool)
    internalise(alive, role, stage, loc, invest, units, profit, K, offered, kb, tc,
                hc, profile, potential, A, lam, delta, absorbed, learned)  # fmt: skip

    def expected(f: int, technical: float, active: bool) -> np.ndarray:
        g, s = loc[f], stage[f]
        raw = (
            0.3 * K_before[f].mean() + 0.8 * invest[f] + 0.3 * kb[g] + 0.3 * technical
            + 0.3 * hc[g, s]
        )  # fmt: skip
        a = A * min(max(raw, 0.0), 1.0)
        own = lam * invest[f] * (0.5 + kb[g] + hc[g, s]) * potential[s] * active
        return (K_before[f] + a * offered[f] + own * profile[s]) * (1 - delta)

    np.testing.assert_allclose(K[0], expected(0, tc[0], True))
    np.testing.assert_allclose(K[1], expected(1, 0.0, False))  # LT: no technical communities
    np.testing.assert_allclose(K[2], expected(2, tc[1], False))  # no output: no own learning
    assert absorbed[2] == 0.0 and absorbed[0] > 0
    own0 = lam * invest[0] * (0.5 + kb[0] + hc[0, 1]) * potential[1]
    np.testing.assert_allclose(learned, [own0 * profile[1].sum(), 0.0, 0.0])


def test_match_is_the_weakest_needed_capability() -> None:
    K = np.array([[0.5, 2.0, 1.0, 0.1, 0.1], [1.0, 1.0, 1.0, 1.0, 1.0]])
    R = np.array([[0.5, 1.0, 2.0, 0.0, 0.0], [0.0] * 5])  # stage 1 needs nothing
    needed = R > 0.05
    inv = np.where(needed, 1 / np.maximum(R, 0.05), 0.0)
    skip = np.where(needed, 0.0, np.inf)
    out = np.zeros(2)
    match_index(K, np.array([0, 1], i8), inv, skip, out)
    assert out[0] == 0.5 and out[1] == 2.0  # min(1, 2, 0.5); 2.0 where nothing is needed


def test_review_cuts_the_suppliers_whose_loss_costs_least() -> None:
    """Due suppliers below the threshold go; beyond EXCESS x their volume a buyer cuts the
    passing suppliers whose loss costs least, loss = min(match, 2) (1 + tacitness) (1 +
    min(age, 8) / 8), whatever their tier; disrupted suppliers are not counted as excess;
    contracts not yet due and in-house links stay."""
    # firm 0: buyer with volume; 1-2: LT commodity suppliers (tacitness 0.2); 3-4: HT precision
    # suppliers (tacitness 0.7); 5: HT below threshold; 6: LT not yet due; 7: in-house plant;
    # 8: a disrupted LT supplier (delivered nothing)
    n = 9
    buyer = np.array([-1, 0, 0, 0, 0, 0, 0, 0, 0], i32)
    stage = np.array([4, 2, 2, 1, 1, 1, 2, 4, 2], i8)
    tacit = np.array([0.9, 0.7, 0.2, 0.5, 0.3, 0.6])
    inhouse = np.array([False] * 7 + [True, False])
    contract_len = np.array([0, 1, 1, 1, 1, 1, 8, OPEN_ENDED, 1], i32)
    contract_age = np.zeros(n, i32)
    units = np.array([10.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 0.0])
    capacity = np.array([10.0, 5.0, 5.0, 5.0, 5.0, 1.0, 9.0, 1.0, 5.0])
    disrupted = np.array([False] * 8 + [True])
    match = np.array([1.0, 1.2, 1.3, 0.8, 1.2, 0.2, 0.5, 0.1, 0.9])
    loc = np.zeros(n, i16)
    drops = np.zeros(1)
    why = np.zeros(n, i8)
    drop_suppliers(np.ones(n, bool), buyer, inhouse, stage, tacit, loc, contract_age,
                   contract_len, units, capacity, disrupted, match, 0.7, drops, why)  # fmt: skip
    loss = match[1:5] * (1 + tacit[stage[1:5]]) * (1 + 1 / 8)
    # 1.62 (LT), 1.755 (LT), 1.53 (HT: weak match), 2.295 (HT): the weak HT supplier goes first
    assert np.argsort(loss).tolist() == [2, 0, 1, 3]
    # capacity 20 vs need 8 -> excess 20 - 1.5 x 8 = 8: firm 3 (5) goes, firm 1 would pass 8
    assert 20 - EXCESS * 8 == 8
    assert buyer.tolist() == [-1, 0, 0, -1, 0, -1, 0, 0, 0]
    assert drops[0] == 2  # firm 3 (excess) and firm 5 (below the threshold)
    assert why.tolist() == [0, 0, 0, 3, 0, 1, 0, 0, 0]  # capacity buffer, capability
    assert contract_age[6] == 1 and contract_age[7] == 0  # aged, not due / never reviewed
