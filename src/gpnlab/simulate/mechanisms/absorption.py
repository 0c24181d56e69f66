"""Internalisation by absorptive capacity; own learning (Cohen & Levinthal 1990; Ernst & Kim).

Transfer is not diffusion: a firm internalises ``a_f * T_f`` of what it is offered, with
absorptive capacity

``a_f = A * clip(0.3 mean(K_f) + 0.8 i_f + 0.3 KB_c + 0.3 TC_c [HT, CM] + 0.3 HC_c, 0, 1)``

rising with existing capability, the firm's own learning investment ``i_f``, the national
knowledge base ``KB`` and transnational technical communities ``TC`` (Ernst 2002; Lauridsen
2018 on national innovation systems; engineers' communities link the technical tiers) and
human-capital policy ``HC``. Support institutions are not a weight here: they are a source of
knowledge of their own (:mod:`transfer`), absorbed like any other. Own learning adds
``lambda * i_f * (0.5 + KB_c + HC_c) * profile_s`` (profile: the stage's requirement pattern),
and capabilities depreciate at ``delta`` per quarter. ``A`` = ``mechanisms.absorption``.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.specialisation import upgrading_potential
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import CM, HT, FirmView


@kernel
def internalise(
    f: FirmView,
    offered: np.ndarray,
    knowledge_base: np.ndarray,
    tech_communities: np.ndarray,
    human_capital: np.ndarray,
    profile: np.ndarray,
    potential: np.ndarray,
    A: float,
    own_learning: float,
    depreciation: float,
    learned: np.ndarray,
) -> None:
    """One pass over firms: ``K_f <- (K_f + a_f T_f + own_f) (1 - delta)`` (``f.K``), and
    ``absorbed_f = sum_k a_f T_fk`` (``f.absorbed``), ``learned_f = sum_k own_f profile_sk``
    (own learning; read only by recording: :mod:`gpnlab.validate.collect`).

    ``human_capital`` is a (G, S) instrument table, ``profile`` the (S, D)
    requirement pattern of each stage, ``potential`` the (S,) upgrading-potential tilt.
    """
    alive, role, stage, loc, invest, units, profit, K, absorbed = (
        f.alive, f.role, f.stage, f.loc, f.invest, f.units, f.profit, f.K, f.absorbed
    )  # fmt: skip
    D = K.shape[1]
    for i in range(K.shape[0]):
        absorbed[i] = 0.0
        learned[i] = 0.0
        if not alive[i]:
            continue
        g, s, r = loc[i], stage[i], role[i]
        mean_k = K[i, 0]
        for k in range(1, D):
            mean_k += K[i, k]
        mean_k /= D
        technical = tech_communities[g] if r in (HT, CM) else 0.0
        raw = (
            0.3 * mean_k
            + 0.8 * invest[i]
            + 0.3 * knowledge_base[g]
            + 0.3 * technical
            + 0.3 * human_capital[g, s]
        )
        a = A * min(max(raw, 0.0), 1.0)
        active = units[i] > 0 and profit[i] > 0
        env = 0.5 + knowledge_base[g] + human_capital[g, s]
        own = own_learning * (invest[i] * env * potential[s]) if active else 0.0
        total = 0.0
        mine = 0.0
        for k in range(D):
            gain = a * offered[i, k]
            total += gain
            mine += own * profile[s, k]
            K[i, k] = (K[i, k] + gain + own * profile[s, k]) * (1.0 - depreciation)
        absorbed[i] = total
        learned[i] = mine


def absorption(m: Model) -> None:
    f = m.firms
    c = m.countries
    mech = m.world.mechanisms
    if m.offered.shape != f.K.shape:  # no transfer ran this period
        m.offered = np.zeros_like(f.K)
    if m.own_learned.shape != (f.size,):
        m.own_learned = np.zeros(f.size)
    internalise(
        f.view(),
        m.offered,
        c.knowledge_base,
        c.tech_communities,
        m.instruments.table("human_capital"),
        m.stages.profile,
        upgrading_potential(m),  # specialisation: differentiation
        float(mech.absorption),
        float(mech.own_learning),
        float(mech.depreciation),
        m.own_learned,
    )
