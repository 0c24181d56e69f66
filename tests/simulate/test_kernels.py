"""The compiled kernels against their docstring equations, on hand-made firms.

Mechanism tests show each effect's direction on whole runs; these pin the arithmetic of each
kernel on a few firms, so that an edit to a loop that changes an equation fails here first.
The firms are ``empty_firms(n)`` with the fields a test needs filled in, passed as ``.view()``.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from gpnlab.simulate.config import scale_firms
from gpnlab.simulate.init import build_model
from gpnlab.simulate.mechanisms import absorption as ab
from gpnlab.simulate.mechanisms.absorption import internalise
from gpnlab.simulate.mechanisms.capability import match_index
from gpnlab.simulate.mechanisms.entry import new_firms
from gpnlab.simulate.mechanisms.investment import EW, invest_and_expand
from gpnlab.simulate.mechanisms.review import EXCESS, drop_suppliers
from gpnlab.simulate.mechanisms.transfer import (
    CHANNEL_ARMS_LENGTH,
    CHANNEL_FORMAL,
    CHANNEL_INFORMAL,
    INSTITUTION_RATE,
    offer,
)
from gpnlab.simulate.presets import load_preset
from gpnlab.simulate.state import (
    BL,
    CM,
    FIELDS,
    GIVEN,
    HT,
    LT,
    OPEN_ENDED,
    Firms,
    FirmView,
    empty_firms,
)

i8, i16, i32 = np.int8, np.int16, np.int32


def firms(**arrays: np.ndarray) -> Firms:
    """Alive firms, as many as the arrays are long, with these fields set (the rest empty)."""
    n = len(next(iter(arrays.values())))
    f = empty_firms(n)
    f.alive[:] = True
    for name, value in arrays.items():
        getattr(f, name)[:] = value
    return f


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
    offered = np.full((5, 5), -1.0)
    f = firms(K=K, role=role, stage=stage, home=home, loc=loc, buyer=buyer, received=-1.0)
    offer(f.view(), req, profile, tacit, sd, support, 0.1, offered)
    received = f.received

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
    """u_k = T_k min(1, (d* / d_k)^2), d_k = max(0, source_k - K_k) / max(K_k, K_FLOOR) (source:
    the buyer where it knows more, else the requirement); Z <- (1 - rho) Z + rho i [active];
    a = A clip(0.3 mean K + 0.8 Z + 0.3 KB + 0.3 TC [HT, CM] + 0.3 HC, 0, 1);
    K <- (K + S a (1 - exp(-U / S)) u / U + own) (1 - delta), own = lambda i (0.5 + KB + HC)
    potential profile for active firms (institutions are a knowledge source in transfer, not a
    weight here)."""
    K = np.array(
        [[0.4, 0.5, 0.6, 0.2, 0.1], [0.3, 0.3, 0.3, 0.3, 0.3], [1.0] * 5, [0.8, 0.2, 0.9, 0.5, 0.0]]
    )
    offered = np.array([[0.1, 0.2, 0.0, 0.0, 0.05], [0.02] * 5, [0.0] * 5, [0.0] * 5])
    role = np.array([HT, LT, HT, CM], i8)
    stage = np.array([1, 2, 1, 4], i8)
    loc = np.array([0, 1, 1, 0], i16)
    buyer = np.array([3, -1, -1, -1], i32)
    invest = np.array([0.2, 0.1, 0.3, 0.0])
    units, profit = np.array([1.0, 1.0, 0.0, 0.0]), np.array([1.0, -1.0, 1.0, 0.0])
    stock = np.array([0.1, 0.2, 0.0, 0.0])
    kb, tc = np.array([0.5, 0.2]), np.array([0.4, 0.1])
    hc = np.zeros((2, 6))
    hc[0, 1] = 0.1
    req = np.full((6, 5), 0.7)
    profile = np.tile(np.array([1.0, 0.8, 0.5, 0.3, 0.1]), (6, 1))
    potential = np.full(6, 1.2)
    A, lam, delta = 0.9, 0.05, 0.01
    K_before, offered_before = K.copy(), offered.copy()
    learned = np.zeros(4)
    f = firms(
        role=role, stage=stage, loc=loc, buyer=buyer, invest=invest, units=units,
        profit=profit, K=K, absorptive=stock,
    )  # fmt: skip
    internalise(f.view(), offered, req, kb, tc, hc, profile, potential, A, lam, delta, learned)
    K, absorbed = f.K, f.absorbed

    def expected(f: int, technical: float, active: bool) -> np.ndarray:
        g, s, b = loc[f], stage[f], buyer[f]
        k = K_before[f]
        source = np.where((b >= 0) & (K_before[b] > k), K_before[b], req[s]) if b >= 0 else req[s]
        d = np.maximum(source - k, 0) / np.maximum(k, ab.K_FLOOR) / ab.OPTIMAL_DISTANCE
        u = offered_before[f] * np.minimum(1.0, 1.0 / np.maximum(d, 1e-300) ** 2)
        np.testing.assert_allclose(offered[f], u)  # the understood offer is written back
        z = (1 - ab.STOCK_DEPRECIATION) * stock[f] + ab.STOCK_DEPRECIATION * invest[f] * active
        np.testing.assert_allclose(f_stock[f], z)
        raw = 0.3 * k.mean() + 0.8 * z + 0.3 * kb[g] + 0.3 * technical + 0.3 * hc[g, s]
        a = A * min(max(raw, 0.0), 1.0)
        S, U = ab.CAPACITY_SCALE, u.sum()
        gain = S * a * (1 - np.exp(-U / S)) * u / U if U > 0 else 0 * u
        own = lam * invest[f] * (0.5 + kb[g] + hc[g, s]) * potential[s] * active
        return (k + gain + own * profile[s]) * (1 - delta)

    f_stock = f.absorptive
    np.testing.assert_allclose(K[0], expected(0, tc[0], True))  # learns from its buyer (3)
    np.testing.assert_allclose(K[1], expected(1, 0.0, False))  # LT: no technical communities
    np.testing.assert_allclose(K[2], expected(2, tc[1], False))  # no output: no own learning
    assert absorbed[2] == 0.0 and absorbed[0] > 0
    np.testing.assert_allclose(absorbed[:2], (K[:2] / (1 - delta) - K_before[:2]).sum(axis=1)
                               - learned[:2])  # fmt: skip
    own0 = lam * invest[0] * (0.5 + kb[0] + hc[0, 1]) * potential[1]
    np.testing.assert_allclose(learned, [own0 * profile[1].sum(), 0.0, 0.0, 0.0])
    # saturation: the intake never exceeds the capacity C_f = S a_f
    assert absorbed[0] < ab.CAPACITY_SCALE * A


def test_sales_moments_start_at_the_first_sales() -> None:
    """A firm that has never sold starts its moments at its first sales (m = s, v = 0), so a
    newcomer at steady sales invests like an incumbent at the same steady sales; a firm whose
    sales change is unstable: v <- (1 - w) v + w (s - m)^2, m <- (1 - w) m + w s, and its
    learning investment falls by S = 1 / (1 + 5 cv)."""
    # 0: never sold, sells 10; 1: steady at 10; 2: never sold, sells nothing yet
    f = firms(
        sales=np.array([10.0, 10.0, 0.0]),
        sales_mean=np.array([0.0, 10.0, 0.0]),
        buyer=np.array([-1, -1, -1], i32),
    )
    rate, subsidy = np.zeros(1), np.zeros((1, 1))
    for _ in range(3):  # the newcomer keeps pace with the incumbent quarter after quarter
        invest_and_expand(f.view(), rate, subsidy, np.ones(3), 0.7, 0.2)
        assert f.sales_mean[0] == f.sales_mean[1] == 10.0 and f.sales_var[0] == 0.0
        assert f.invest[0] == f.invest[1] > 0.0
        assert f.sales_mean[2] == f.sales_var[2] == 0.0
    f = firms(sales=np.array([20.0]), sales_mean=np.array([10.0]), buyer=np.array([-1], i32))
    invest_and_expand(f.view(), rate, subsidy, np.ones(1), 0.7, 0.2)
    var, mean = EW * 10.0**2, (1 - EW) * 10.0 + EW * 20.0
    assert np.isclose(f.sales_var[0], var) and np.isclose(f.sales_mean[0], mean)
    steady = 0.2 * (1 / 3) / (4 / 6)  # i0 C(L = 1) with S = 1
    assert np.isclose(f.invest[0], steady / (1 + 5 * min(np.sqrt(var) / mean, 2.0)))


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
    f = firms(
        buyer=buyer, stage=stage, inhouse=inhouse, contract_len=contract_len,
        contract_age=contract_age, units=units, capacity=capacity, disrupted=disrupted, loc=loc,
    )  # fmt: skip
    drop_suppliers(f.view(), tacit, match, 0.7, drops, why)
    buyer, contract_age = f.buyer, f.contract_age
    loss = match[1:5] * (1 + tacit[stage[1:5]]) * (1 + 1 / 8)
    # 1.62 (LT), 1.755 (LT), 1.53 (HT: weak match), 2.295 (HT): the weak HT supplier goes first
    assert np.argsort(loss).tolist() == [2, 0, 1, 3]
    # capacity 20 vs need 8 -> excess 20 - 1.5 x 8 = 8: firm 3 (5) goes, firm 1 would pass 8
    assert 20 - EXCESS * 8 == 8
    assert buyer.tolist() == [-1, 0, 0, -1, 0, -1, 0, 0, 0]
    assert drops[0] == 2  # firm 3 (excess) and firm 5 (below the threshold)
    assert why.tolist() == [0, 0, 0, 3, 0, 1, 0, 0, 0]  # capacity buffer, capability
    assert contract_age[6] == 1 and contract_age[7] == 0  # aged, not due / never reviewed


def test_firm_fields_are_defined_once() -> None:
    """FIELDS, Firms and FirmView name the same fields in order; empty slots (at creation and
    after a grow) carry each field's dtype, trailing shape and empty value; the view holds the
    arrays themselves (a kernel's writes land in Firms), and a grow makes a new view necessary."""
    assert tuple(FIELDS) == tuple(fl.name for fl in fields(Firms)) == FirmView._fields
    f = empty_firms(3)
    for name, spec in FIELDS.items():
        arr = getattr(f, name)
        assert arr.dtype == spec.dtype and arr.shape == (3, *spec.shape), name
        assert np.all(arr == spec.fill), name
    v = f.view()
    assert isinstance(v, FirmView)
    assert all(getattr(v, name) is getattr(f, name) for name in FIELDS)
    f.buyer[0], f.K[1, 2] = 2, 0.5
    f.grow(2)
    for name, spec in FIELDS.items():
        arr = getattr(f, name)
        assert arr.dtype == spec.dtype and arr.shape == (5, *spec.shape), name
        assert np.all(arr[3:] == spec.fill), name
    assert f.buyer[0] == 2 and f.K[1, 2] == 0.5  # old slots kept
    assert f.view().buyer is f.buyer and v.buyer is not f.buyer


def test_an_entrant_starts_from_the_field_table() -> None:
    """A reused slot is reset to every field's entry value (FIELDS: the entrant's where it
    differs, else the empty slot's); the given fields come from new_firms' arguments."""
    m = build_model(scale_firms(load_preset("default"), 300), seed=2)
    f = m.firms
    for name in FIELDS:  # stale values of the firms that held the slots
        arr = getattr(f, name)
        arr[:3] = True if arr.dtype == np.bool_ else 7
    f.alive[:3] = False
    f.died[:3] = -1  # free slots (their firms exited before this period)
    K = np.full((2, len(f.K[0])), 0.3)
    idx = new_firms(
        m, np.array([LT, HT], i8), np.array([1, 2], i16), np.array([1, 0], i16),
        np.array([2, 1], i8), K, np.array([4.0, 5.0]),
    )  # fmt: skip
    assert idx.tolist() == [0, 1]
    for name, spec in FIELDS.items():
        if spec.entry != GIVEN:
            want = spec.fill if spec.entry is None else spec.entry
            assert np.all(getattr(f, name)[idx] == want), name
    assert f.alive[idx].all() and (f.buyer[idx] == -1).all() and (f.died[idx] == -1).all()
    assert f.role[idx].tolist() == [LT, HT] and f.stage[idx].tolist() == [2, 1]
    assert f.home[idx].tolist() == [1, 2] and f.loc[idx].tolist() == [1, 0]
    assert np.all(f.K[idx] == 0.3) and np.all(f.K0[idx] == 0.3)
    assert f.capacity[idx].tolist() == [4.0, 5.0]
    assert np.all(f.invest[idx] == m.world.mechanisms.investment_rate)
    assert f.cash[idx].tolist() == (0.05 * np.array([4.0, 5.0]) * 1e-4).tolist()
    assert f.role[2] == 7  # a slot not taken keeps its values


def test_prefetch_compiles_and_changes_no_result() -> None:
    """``jit.prefetch`` compiles on this numba/LLVM (the intrinsic's name depends on the
    pointer type) for 1-D and 2-D arrays of several dtypes, and a gather that prefetches ahead
    reads the same values as numpy's."""
    import numba

    from gpnlab.simulate.jit import prefetch

    @numba.njit
    def gather(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
        flat = a.reshape(-1)
        width = a.size // a.shape[0]
        out = np.empty(rows.size * width, a.dtype)
        for n in range(rows.size):
            if n + 4 < rows.size:
                prefetch(a, rows[n + 4] * width)
            for k in range(width):
                out[n * width + k] = flat[rows[n] * width + k]
        return out

    rng = np.random.default_rng(0)
    rows = rng.integers(0, 1000, 5000)
    for a in (rng.random(1000), rng.integers(-9, 9, 1000).astype(np.int32), rng.random((1000, 8))):
        np.testing.assert_array_equal(gather(a, rows), a[rows].reshape(-1))
    assert prefetch(np.zeros(3), 1) is None  # the interpreter's version does nothing
