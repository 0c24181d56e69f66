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
    offer,
)
from gpnlab.simulate.state import BL, CM, HT, LT, OPEN_ENDED

i8, i16, i32 = np.int8, np.int16, np.int32


def test_offer_follows_the_transfer_equation() -> None:
    """T_fk = tau channel max(0, K_bk - K_fk) (1 + SD), design and brand only once process
    capability reaches 80% of the requirement; nothing for firms without a buyer."""
    # firm 0: a foreign-owned CM plant in country 1 (home 0); 1: HT supplier in country 1
    # (formal channel); 2: LT supplier in country 2 (arm's length, shallow process capability);
    # 3: HT supplier without a buyer
    K = np.array(
        [[2.0, 2.0, 2.0, 2.0, 2.0], [1.0, 1.0, 0.5, 0.2, 0.1], [0.5, 0.1, 0.2, 0.3, 0.4], [1.0] * 5]
    )
    role = np.array([CM, HT, LT, HT], i8)
    stage = np.array([4, 3, 2, 1], i8)
    home = np.array([0, 1, 2, 1], i16)
    loc = np.array([1, 1, 2, 1], i16)
    buyer = np.array([-1, 0, 0, -1], i32)
    req_process = np.full(6, 0.5)
    tacit = np.array([1.0, 1.0, 0.9, 1.0, 1.0, 1.0])
    sd = np.zeros((3, 6))
    sd[2, 2] = 0.5  # supplier development for stage 2 in country 2
    offered, received = np.full((4, 5), -1.0), np.full(4, -1.0)
    alive, inhouse = np.ones(4, bool), np.zeros(4, bool)
    offer(
        alive,
        buyer,
        inhouse,
        role,
        stage,
        home,
        loc,
        K,
        req_process,
        tacit,
        sd,
        0.1,
        offered,
        received,
    )

    gap1 = np.maximum(K[0] - K[1], 0)
    np.testing.assert_allclose(offered[1], 0.1 * CHANNEL_FORMAL * gap1)
    gap2 = np.maximum(K[0] - K[2], 0)
    gap2[[2, 4]] = 0.0  # process 0.1 < 0.8 x 0.5: no design or brand knowledge yet
    np.testing.assert_allclose(offered[2], 0.1 * CHANNEL_ARMS_LENGTH * 0.9 * gap2 * 1.5)
    assert np.all(offered[[0, 3]] == 0) and np.all(received[[0, 3]] == 0)
    np.testing.assert_allclose(received, offered.sum(axis=1))
    assert CHANNEL_ARMS_LENGTH < CHANNEL_INFORMAL < CHANNEL_FORMAL


def test_internalise_follows_the_absorption_equation() -> None:
    """K <- (K + a T + own) (1 - delta) with a = A clip(0.3 mean K + 0.8 i + 0.3 KB + 0.3 TC
    [HT, CM] + w (I + SI) + 0.3 HC, 0, 1) and own = lambda i (0.5 + KB + HC) potential profile
    for active firms."""
    K = np.array([[0.4, 0.5, 0.6, 0.2, 0.1], [0.3, 0.3, 0.3, 0.3, 0.3], [1.0] * 5])
    offered = np.array([[0.1, 0.2, 0.0, 0.0, 0.05], [0.2] * 5, [0.0] * 5])
    role = np.array([HT, LT, HT], i8)
    stage = np.array([1, 2, 1], i8)
    loc = np.array([0, 1, 1], i16)
    invest = np.array([0.2, 0.1, 0.3])
    units, profit = np.array([1.0, 1.0, 0.0]), np.array([1.0, -1.0, 1.0])
    kb, tc, inst = np.array([0.5, 0.2]), np.array([0.4, 0.1]), np.array([0.6, 0.3])
    support, hc = np.zeros((2, 6)), np.zeros((2, 6))
    support[1, 2], hc[0, 1] = 0.2, 0.1
    profile = np.tile(np.array([1.0, 0.8, 0.5, 0.3, 0.1]), (6, 1))
    potential = np.full(6, 1.2)
    A, lam, delta = 0.9, 0.05, 0.01
    K_before = K.copy()
    absorbed, learned = np.zeros(3), np.zeros(3)
    alive = np.ones(3, bool)
    internalise(alive, role, stage, loc, invest, units, profit, K, offered, kb, tc, inst,
                support, hc, profile, potential, A, lam, delta, absorbed, learned)  # fmt: skip

    def expected(f: int, w_inst: float, technical: float, active: bool) -> np.ndarray:
        g, s = loc[f], stage[f]
        raw = (
            0.3 * K_before[f].mean() + 0.8 * invest[f] + 0.3 * kb[g] + 0.3 * technical
            + w_inst * (inst[g] + support[g, s]) + 0.3 * hc[g, s]
        )  # fmt: skip
        a = A * min(max(raw, 0.0), 1.0)
        own = lam * invest[f] * (0.5 + kb[g] + hc[g, s]) * potential[s] * active
        return (K_before[f] + a * offered[f] + own * profile[s]) * (1 - delta)

    np.testing.assert_allclose(K[0], expected(0, 0.2, tc[0], True))
    np.testing.assert_allclose(K[1], expected(1, 0.8, 0.0, False))  # LT: institutions weigh 0.8
    np.testing.assert_allclose(K[2], expected(2, 0.2, tc[1], False))  # no output: no own learning
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


def test_review_drops_failing_and_excess_lower_tier_suppliers() -> None:
    """Due suppliers below the threshold go; a buyer's passing lower-tier suppliers beyond
    EXCESS x their volume go weakest first; contracts not yet due and in-house links stay."""
    # firm 0: buyer with volume; 1-4: its LT suppliers; 5: HT supplier below threshold;
    # 6: LT supplier not yet due; 7: in-house plant (open-ended link)
    n = 8
    buyer = np.array([-1, 0, 0, 0, 0, 0, 0, 0], i32)
    role = np.array([CM, LT, LT, LT, LT, HT, LT, BL], i8)
    inhouse = np.array([False] * 7 + [True])
    contract_len = np.array([0, 1, 1, 1, 1, 1, 8, OPEN_ENDED], i32)
    contract_age = np.zeros(n, i32)
    units = np.array([10.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    capacity = np.array([10.0, 5.0, 5.0, 5.0, 5.0, 1.0, 9.0, 1.0])
    match = np.array([1.0, 0.9, 1.3, 1.1, 1.2, 0.2, 0.5, 0.1])
    loc = np.zeros(n, i16)
    drops = np.zeros(1)
    why = np.zeros(n, i8)
    drop_suppliers(np.ones(n, bool), buyer, inhouse, role, loc, contract_age, contract_len,
                   units, capacity, match, 0.7, drops, why)  # fmt: skip
    # LT 1-4 pass: capacity 20 vs need 8 -> excess 20 - 1.5 x 8 = 8: the weakest (1: 0.9, then
    # 3: 1.1) go while their capacity (5, then 10) stays within 8 -> only firm 1
    assert 20 - EXCESS * 8 == 8
    assert buyer.tolist() == [-1, -1, 0, 0, 0, -1, 0, 0]
    assert drops[0] == 2  # firm 1 (excess) and firm 5 (below the threshold)
    assert why.tolist() == [0, 3, 0, 0, 0, 1, 0, 0]  # capacity buffer, capability
    assert contract_age[6] == 1 and contract_age[7] == 0  # aged, not due / never reviewed
