"""Internalisation by absorptive capacity; own learning (Cohen & Levinthal 1990; Ernst & Kim).

Transfer is not diffusion: what a firm internalises of what it is offered depends on what it
already knows, on the distance between the two, and on how much it has invested in learning.

* **Absorptive capacity** (Cohen & Levinthal 1990: it rests on prior related knowledge and is
  built cumulatively by the firm's own learning) is the share of a small offer a firm takes in,

  ``a_f = A * clip(0.3 mean(K_f) + 0.8 Z_f + 0.3 KB_c + 0.3 TC_c [HT, CM] + 0.3 HC_c, 0, 1)``

  with ``Z_f`` the firm's stock of own learning investment (``f.absorptive``), a perpetual
  inventory ``Z_f <- (1 - rho) Z_f + rho i_f`` of the learning investment it actually makes
  (``i_f`` while it produces at a profit; ``rho`` = ``STOCK_DEPRECIATION``, R&D stocks lose
  15-20% a year: Griliches 1979, Hall, Mairesse & Mohnen 2010). The initial world's firms have
  been learning before it starts: their stock starts at the rate they invest at (its long-run
  level, :mod:`gpnlab.simulate.init`). An entrant has no stock of its own: its capacity starts
  from its initial capability and its country's. ``KB`` national
  knowledge base, ``TC`` transnational technical communities (Ernst 2002; engineers'
  communities link the technical tiers), ``HC`` human-capital policy (Lauridsen 2018).
* **Cognitive distance** (Nooteboom et al. 2007: learning is novelty times understandability,
  an inverted U in the distance between the firm's knowledge and its source's): of an offer
  ``T_fk`` the firm understands all while the relative distance
  ``d_fk = max(0, source_k - K_fk) / max(K_fk, K_FLOOR)`` is within a typical gap ``d*``
  (``OPTIMAL_DISTANCE``), and ``u_fk = T_fk (d* / d_fk)^2`` beyond it; the source is the
  buyer's ``K_bk`` where the buyer knows more, else the stage's requirement ``R_sk`` (what
  institutions teach, :mod:`transfer`). The offer grows with the gap, so what is learnt from a
  gap rises with it up to ``d*`` and falls as ``d*^2 / d`` beyond: a gap too wide yields little.
  Ordinary supplier-buyer gaps (a few tens of percent) are well within ``d*``; it binds on
  firms that know almost nothing of a dimension their source masters.
* **Saturation**: a firm can take in at most ``C_f = S a_f`` per quarter (``S`` =
  ``CAPACITY_SCALE``, in capability units summed over dimensions), so it internalises
  ``C_f (1 - exp(-U_f / S))`` of its understood offer ``U_f = sum_k u_fk``, spread over the
  dimensions in proportion to ``u_fk``: ``a_f U_f`` for small offers, never more than ``C_f``.
  ``A`` scales the capacity while the transfer rate scales the offer inside the saturation, so
  the two are separately identified (halving the transfer rate costs less than halving ``A``).

Support institutions are not a weight here: they are a source of knowledge of their own
(:mod:`transfer`), absorbed like any other. Own learning adds
``lambda * i_f * (0.5 + KB_c + HC_c) * profile_s`` (profile: the stage's requirement pattern)
while the firm is active, and capabilities depreciate at ``delta`` per quarter.
``A`` = ``mechanisms.absorption``, ``lambda`` = ``mechanisms.own_learning``.
"""

from __future__ import annotations

import math

import numpy as np

from gpnlab.simulate.jit import BUYER_AHEAD, kernel, prefetch
from gpnlab.simulate.mechanisms.specialisation import upgrading_potential
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import CM, HT, FirmView

STOCK_DEPRECIATION = 0.05  # per quarter: the learning stock's half-life is about 3.5 years
OPTIMAL_DISTANCE = 3.0  # relative gap at which a source teaches most (d*)
CAPACITY_SCALE = 0.07  # S: most a firm of full capacity internalises per quarter (sum over k)
# S binds on higher-tier and CM offers (0.02-0.06 a quarter, median 0.02) without stopping their
# catch-up: 0.05 cut HT capability growth over 20 quarters from 0.038 to 0.008; 0.1 and more
# left the halving test (tests/simulate/test_absorptive_capacity.py) within the seed noise
K_FLOOR = 0.01  # what a firm knows of a dimension, for the relative distance (no division by 0)


@kernel
def internalise(
    f: FirmView,
    offered: np.ndarray,
    req: np.ndarray,
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
    """Two passes over firms. ``offered[f, k] <- u_fk = T_fk min(1, (d* / d_fk)^2)``, the part
    of the offer understood at the cognitive distance (module docstring; every distance reads
    the capabilities as they were before this call: a first pass, before any is written); ``Z_f``
    (``f.absorptive``) is updated, and ``K_f <- (K_f + g_f + own_f) (1 - delta)`` (``f.K``)
    with ``g_fk = C_f (1 - exp(-U_f / S)) u_fk / U_f``; ``absorbed_f = sum_k g_fk``
    (``f.absorbed``), ``learned_f = sum_k own_f profile_sk`` (own learning; read only by
    recording: :mod:`gpnlab.validate.collect`).

    The distance test needs no division: ``d_fk > 1`` is ``gap_fk > d* max(K_fk, K_FLOOR)``,
    and beyond it ``T_fk / d_fk^2 = T_fk (d* max(K_fk, K_FLOOR) / gap_fk)^2``.

    ``req`` (S, D) current requirements, ``human_capital`` a (G, S) instrument table,
    ``profile`` the (S, D) requirement pattern of each stage, ``potential`` the (S,)
    upgrading-potential tilt.
    """
    alive, role, stage, loc, buyer, invest, units, profit, K, absorbed, stock = (
        f.alive, f.role, f.stage, f.loc, f.buyer, f.invest, f.units, f.profit, f.K,
        f.absorbed, f.absorptive,
    )  # fmt: skip
    F, D = K.shape
    keep = 1.0 - depreciation
    # first pass: the understood offers and each firm's share and own learning, from K as it
    # is (no capability changes yet); second pass: the capabilities. Two passes instead of a
    # copy of K: a buyer's row is read before any row is written.
    for i in range(F):
        if i + BUYER_AHEAD < F and buyer[i + BUYER_AHEAD] >= 0:
            prefetch(K, buyer[i + BUYER_AHEAD] * D)
        absorbed[i] = 0.0  # the share internalised per understood unit, until the second pass
        learned[i] = 0.0  # own learning, until the second pass
        if not alive[i]:
            continue
        b, g, s, r = buyer[i], loc[i], stage[i], role[i]
        mean_k = 0.0
        understood = 0.0
        for k in range(D):
            mine_k = K[i, k]
            mean_k += mine_k
            t = offered[i, k]
            if t > 0.0:
                source = K[b, k] if b >= 0 and K[b, k] > mine_k else req[s, k]
                gap = source - mine_k
                reach = OPTIMAL_DISTANCE * max(mine_k, K_FLOOR)  # d_fk = gap / reach
                if gap > reach:  # beyond the typical gap, understood falls with d squared
                    q = reach / gap
                    t *= q * q
                    offered[i, k] = t
                understood += t
        mean_k /= D
        active = units[i] > 0 and profit[i] > 0
        stock[i] = (1.0 - STOCK_DEPRECIATION) * stock[i] + (
            STOCK_DEPRECIATION * invest[i] if active else 0.0
        )
        technical = tech_communities[g] if r in (HT, CM) else 0.0
        raw = (
            0.3 * mean_k
            + 0.8 * stock[i]
            + 0.3 * knowledge_base[g]
            + 0.3 * technical
            + 0.3 * human_capital[g, s]
        )
        a = A * min(max(raw, 0.0), 1.0)
        # C_f (1 - exp(-U / S)) / U: the share of each understood unit internalised
        if understood > 0.0:
            saturation = math.expm1(-understood / CAPACITY_SCALE)
            absorbed[i] = -a * CAPACITY_SCALE * saturation / understood
        env = 0.5 + knowledge_base[g] + human_capital[g, s]
        learned[i] = own_learning * (invest[i] * env * potential[s]) if active else 0.0
    for i in range(F):
        if not alive[i]:
            continue
        share, own, s = absorbed[i], learned[i], stage[i]
        total = 0.0
        mine = 0.0
        for k in range(D):
            gain = share * offered[i, k]
            taught = own * profile[s, k]
            total += gain
            mine += taught
            K[i, k] = (K[i, k] + gain + taught) * keep
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
        m.offered,  # overwritten with the understood offer
        m.requirement,
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
