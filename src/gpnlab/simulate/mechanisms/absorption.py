"""Internalisation by absorptive capacity; own learning (Cohen & Levinthal 1990; Ernst & Kim).

Transfer is not diffusion: a firm internalises ``a_f * T_f`` of what it is offered, with
absorptive capacity

``a_f = A * clip(0.3 mean(K_f) + 0.8 i_f + 0.3 KB_c + 0.3 TC_c [HT, CM] + w_r (I_c + SI_c)
+ 0.3 HC_c, 0, 1)``

rising with existing capability, the firm's own learning investment ``i_f``, the national
knowledge base ``KB`` and transnational technical communities ``TC`` (Ernst 2002; Lauridsen
2018 on national innovation systems), support institutions ``I`` and support-institution
policy ``SI`` (weight ``w_r`` = 0.8 for lower tiers, who have no other source, 0.2 otherwise)
and human-capital policy ``HC``. Own learning adds
``lambda * i_f * (0.5 + KB_c + HC_c) * profile_s`` (profile: the stage's requirement pattern),
and capabilities depreciate at ``delta`` per quarter. ``A`` = ``mechanisms.absorption``.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.specialisation import upgrading_potential
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import row_mean, row_sum
from gpnlab.simulate.state import CM, HT, LT


def absorptive_capacity(m: Model, idx: np.ndarray) -> np.ndarray:
    f = m.firms
    c = m.countries
    loc, st, role = f.loc[idx], f.stage[idx], f.role[idx]
    inst = m.instruments
    w_inst = np.where(role == LT, 0.8, 0.2)
    support = c.institutions[loc] + inst.targeted("support_institutions", loc, st)
    raw = (
        0.3 * row_mean(f.K[idx])
        + 0.8 * f.invest[idx]
        + 0.3 * c.knowledge_base[loc]
        + 0.3 * c.tech_communities[loc] * ((role == HT) | (role == CM))
        + w_inst * support
        + 0.3 * inst.targeted("human_capital", loc, st)
    )
    return m.world.mechanisms.absorption * np.clip(raw, 0.0, 1.0)


def absorption(m: Model) -> None:
    f = m.firms
    idx = np.flatnonzero(f.alive)
    gain = np.zeros((idx.size, f.K.shape[1]))
    if m.offered.shape == f.K.shape:
        gain += absorptive_capacity(m, idx)[:, None] * m.offered[idx]
    f.absorbed[:] = 0.0
    f.absorbed[idx] = row_sum(gain)
    c = m.countries
    mech = m.world.mechanisms
    req0 = m.stages.req0  # (S, D): normalise per stage, then gather per firm
    profile = (req0 / np.maximum(req0.max(axis=1, keepdims=True), 1e-9))[f.stage[idx]]
    learn_env = (
        0.5
        + c.knowledge_base[f.loc[idx]]
        + m.instruments.targeted("human_capital", f.loc[idx], f.stage[idx])
    )
    active = (f.units[idx] > 0) & (f.profit[idx] > 0)
    potential = upgrading_potential(m)[f.stage[idx]]  # specialisation: differentiation
    own = mech.own_learning * (f.invest[idx] * active * learn_env * potential)[:, None] * profile
    f.K[idx] = (f.K[idx] + gain + own) * (1 - mech.depreciation)
