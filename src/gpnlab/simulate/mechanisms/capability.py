"""Capability against requirements: the match index used by scorecards and reviews.

``match_f = min_k K_fk / R_{s,k}(t)`` over the knowledge dimensions that stage s needs
(requirement above 0.05): a supplier is as good as its weakest needed capability (Ernst 2002,
sec. 4.3: capabilities must cover production, process, design, coordination). Requirements rise
every product cycle (about six months, Ernst 2002) with the frontier the brand leaders' R&D moves
(:mod:`frontier`, :func:`update_requirements`).
The capability *index* reported in panels is the plain mean of K over dimensions (comparable
across runs and stages).
"""

from __future__ import annotations

import math

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.specialisation import cluster_gain
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import row_mean
from gpnlab.simulate.state import BL, PRODUCTION, FirmView

NEEDED = 0.05


@kernel
def mean_capability(f: FirmView) -> np.ndarray:
    """(D,) mean of K over the alive flagships' own units (not in-house plants, not latecomer
    brands), per knowledge dimension; ones if none."""
    alive, role, inhouse, obm, K = f.alive, f.role, f.inhouse, f.obm, f.K
    total = np.zeros(K.shape[1])
    n = 0
    for i in range(K.shape[0]):
        if alive[i] and role[i] == BL and not inhouse[i] and not obm[i]:
            for k in range(K.shape[1]):
                total[k] += K[i, k]
            n += 1
    return total / n if n > 0 else np.ones(K.shape[1])


def flagship_frontier(m: Model) -> np.ndarray:
    """(D,) the flagships' own units' mean capability per dimension: the standard setters."""
    f = m.firms
    return mean_capability(f.view())


def update_requirements(m: Model) -> None:
    """Requirements follow the flagships' frontier per knowledge dimension, in steps of one
    product cycle ``c``: ``R_sk(t) = R_sk(0) F_k(c floor(t/c)) / F_k(0)``.

    Flagships set the standards (Ernst 2002, sec. 4.2-4.3) from what they know, dimension by
    dimension: a buyer can require of its suppliers only what its own knowledge has moved to
    (and can teach, :mod:`transfer`). What flagships know moves with their R&D
    (:mod:`frontier`), own learning and depreciation. No ceiling and no fixed growth rate: the
    pace is the brand leaders' R&D, funded from their margins.
    """
    if m.frontier0.shape != (m.stages.req0.shape[1],):
        m.frontier0 = np.maximum(flagship_frontier(m), 1e-9)
    if (
        m.requirement.shape != m.stages.req0.shape
        or m.period % m.world.mechanisms.product_cycle == 0
    ):
        m.requirement = m.stages.req0 * (flagship_frontier(m) / m.frontier0)[None, :]
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
    inv, skip = needed_inverse(m.requirement)
    if m.match_now.shape != (m.firms.size,):
        m.match_now = np.empty(m.firms.size)
    match_index(m.firms.K, m.firms.stage, inv, skip, m.match_now)


@kernel
def needed_inverse(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`match_index`'s (S, D) tables from the requirements ``R``: ``1 / R_sk`` and 0
    where stage s needs dimension k (``R_sk > NEEDED``), 0 and ``inf`` elsewhere."""
    inv = np.zeros(R.shape)
    skip = np.zeros(R.shape)
    for s in range(R.shape[0]):
        for k in range(R.shape[1]):
            if R[s, k] > NEEDED:
                inv[s, k] = 1.0 / R[s, k]
            else:
                skip[s, k] = np.inf
    return inv, skip


def capability_index(K: np.ndarray) -> np.ndarray:
    return row_mean(K)


def agglomeration_saving(m: Model) -> np.ndarray:
    """(G, S) unit-cost saving from co-located active firms of the same stage.

    Agglomeration economies (Ernst 2002, sec. 4.1, concentrated dispersion):
    ``saving = min(0.3, a g_s * 0.1 * log(1 + n_{c,s}))`` with ``a = mechanisms.agglomeration``
    and ``g_s`` the precision tilt of :mod:`specialisation` (precision stages cluster).
    """
    f = m.firms
    # precision stages cluster
    strength = float(m.world.mechanisms.agglomeration) * cluster_gain(m)
    return place_saving(f.view(), m.G, strength)


@kernel
def place_saving(f: FirmView, G: int, strength: np.ndarray) -> np.ndarray:
    """(G, S) :func:`agglomeration_saving` from the counts of :func:`active_by_place`,
    ``strength`` (S,) the agglomeration parameter times the precision tilt."""
    S = strength.size
    saving = active_by_place(f, G, S)
    for g in range(G):
        for s in range(S):
            saving[g, s] = min(0.3, strength[s] * 0.1 * math.log1p(saving[g, s]))
    return saving


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
