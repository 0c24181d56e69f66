"""Capability against requirements: the match index used by scorecards and reviews.

``match_f = min_k K_fk / R_{s,k}(t)`` over the knowledge dimensions that stage s needs
(requirement above 0.05): a supplier is as good as its weakest needed capability (Ernst 2002,
sec. 4.3: capabilities must cover production, process, design, coordination). Requirements rise
every product cycle (about six months, Ernst 2002): ``R(t) = R(0) (1 + g)^(c floor(t / c))``,
capped by the flagships' own capability growth (:func:`update_requirements`).
The capability *index* reported in panels is the plain mean of K over dimensions (comparable
across runs and stages).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.specialisation import cluster_gain
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import row_mean
from gpnlab.simulate.state import BL, PRODUCTION, FirmView

NEEDED = 0.05
STRETCH = 1.1  # standards may run this far ahead of the flagships' own capability


@kernel
def mean_capability(f: FirmView) -> float:
    """Mean of K over the alive flagships' own units (not in-house plants, not latecomer
    brands); 1.0 if none."""
    alive, role, inhouse, obm, K = f.alive, f.role, f.inhouse, f.obm, f.K
    total = 0.0
    n = 0
    for i in range(K.shape[0]):
        if alive[i] and role[i] == BL and not inhouse[i] and not obm[i]:
            for k in range(K.shape[1]):
                total += K[i, k]
            n += K.shape[1]
    return total / n if n > 0 else 1.0


def flagship_frontier(m: Model) -> float:
    """Mean capability index of the flagships' own units: the standard setters."""
    f = m.firms
    return float(mean_capability(f.view()))


def update_requirements(m: Model) -> None:
    """Requirements rise each product cycle, but never more than a stretch of 10% beyond what
    the flagships themselves have learnt:
    ``R(t) = R(0) min((1 + g)^(c floor(t/c)), 1.1 frontier(t) / frontier(0))``.

    Flagships set the standards (Ernst 2002, sec. 4.2-4.3); requirements that outran every firm
    would drop the whole supplier base at once.
    """
    mech = m.world.mechanisms
    cycles = (m.period // mech.product_cycle) * mech.product_cycle
    if m.frontier0 <= 0:
        m.frontier0 = flagship_frontier(m)
    cap = STRETCH * flagship_frontier(m) / m.frontier0
    m.requirement = m.stages.req0 * min((1 + mech.requirement_growth) ** cycles, max(cap, 1.0))
    refresh_match(m)


@kernel
def match_index(
    K: np.ndarray, stage: np.ndarray, inv: np.ndarray, skip: np.ndarray, out: np.ndarray
) -> None:
    """``out[f] = min_k K_fk inv_sk + skip_sk``; 2.0 where a stage needs no dimension.

    ``inv`` is the (S, D) table ``1 / R_sk`` where stage s needs dimension k, 0 elsewhere;
    ``skip`` is 0 where needed, ``inf`` elsewhere (no branch in the minimum).
    """
    for i in range(K.shape[0]):
        s = stage[i]
        best = K[i, 0] * inv[s, 0] + skip[s, 0]
        for k in range(1, K.shape[1]):
            best = min(best, K[i, k] * inv[s, k] + skip[s, k])
        out[i] = best if best < np.inf else 2.0


def refresh_match(m: Model) -> None:
    """Compute ``m.match_now`` for every firm slot once per period (after requirements move).

    Capabilities change only later in the period (absorption), so sourcing, production and
    review read this one array instead of recomputing the match.
    """
    R = m.requirement
    needed = R > NEEDED
    inv = np.where(needed, 1.0 / np.maximum(R, NEEDED), 0.0)  # (S, D), tiny
    skip = np.where(needed, 0.0, np.inf)
    if m.match_now.shape != (m.firms.size,):
        m.match_now = np.empty(m.firms.size)
    match_index(m.firms.K, m.firms.stage, inv, skip, m.match_now)


def capability_index(K: np.ndarray) -> np.ndarray:
    return row_mean(K)


def agglomeration_saving(m: Model) -> np.ndarray:
    """(G, S) unit-cost saving from co-located active firms of the same stage.

    Agglomeration economies (Ernst 2002, sec. 4.1, concentrated dispersion):
    ``saving = min(0.3, a g_s * 0.1 * log(1 + n_{c,s}))`` with ``a = mechanisms.agglomeration``
    and ``g_s`` the precision tilt of :mod:`specialisation` (precision stages cluster).
    """
    f = m.firms
    counts = active_by_place(f.view(), m.G, m.stages.S)
    a = m.world.mechanisms.agglomeration * cluster_gain(m)[None, :]  # precision stages cluster
    return np.minimum(0.3, a * 0.1 * np.log1p(counts))


@kernel
def active_by_place(f: FirmView, G: int, S: int) -> np.ndarray:
    """(G, S) number of alive firms producing (units > 0) by location and stage."""
    alive, units, loc, stage = f.alive, f.units, f.loc, f.stage
    counts = np.zeros((G, S))
    for i in range(alive.size):
        if alive[i] and units[i] > 0:
            counts[loc[i], stage[i]] += 1.0
    return counts


@kernel
def unit_cost(
    wage: np.ndarray, labour: np.ndarray, saving: np.ndarray, k_production: float, g: int, s: int
) -> float:
    """Labour cost per unit, millions, of a plant of stage s in country g: wage x labour
    requirement / productivity, less the agglomeration saving. Productivity is 1 at a
    production capability of 1: ``0.4 + 0.6 min(K_production, 3)``."""
    productivity = 0.4 + 0.6 * min(k_production, 3.0)
    return wage[g] * 1e-3 * labour[s] / productivity * (1.0 - saving[g, s])


@kernel
def unit_labour_costs(
    f: FirmView, wage: np.ndarray, labour: np.ndarray, saving: np.ndarray
) -> np.ndarray:
    """:func:`unit_cost` of every alive firm (0 in empty slots)."""
    alive, loc, stage, K = f.alive, f.loc, f.stage, f.K
    ulc = np.zeros(alive.size)
    for i in range(alive.size):
        if alive[i]:
            ulc[i] = unit_cost(wage, labour, saving, K[i, PRODUCTION], loc[i], stage[i])
    return ulc
