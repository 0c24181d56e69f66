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

from gpnlab.simulate.mechanisms.specialisation import cluster_gain
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import row_mean, row_min

NEEDED = 0.05
STRETCH = 1.1  # standards may run this far ahead of the flagships' own capability


def flagship_frontier(m: Model) -> float:
    """Mean capability index of brand leaders' own units: the standard setters."""
    f = m.firms
    lead = f.alive & (f.role == 0) & ~f.inhouse
    return float(f.K[lead].mean()) if lead.any() else 1.0


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


def match(m: Model, idx: np.ndarray) -> np.ndarray:
    """``min_k K_fk / R_sk`` over needed dimensions (2.0 where a stage needs none)."""
    f = m.firms
    R = m.requirement
    needed = R > NEEDED
    inv = np.where(needed, 1.0 / np.maximum(R, NEEDED), 0.0)  # (S, D), tiny
    skip = np.where(needed, 0.0, 1e300)
    st = f.stage[idx]
    out = row_min(f.K[idx] * inv[st] + skip[st])
    return np.where(out < 1e299, out, 2.0)


def refresh_match(m: Model) -> None:
    """Compute ``m.match_now`` for every firm slot once per period (after requirements move).

    Capabilities change only later in the period (absorption), so sourcing, production and
    review read this one array instead of recomputing the match.
    """
    m.match_now = match(m, np.arange(m.firms.size))


def capability_index(K: np.ndarray) -> np.ndarray:
    return row_mean(K)


def productivity(m: Model, idx: np.ndarray) -> np.ndarray:
    """Labour productivity multiplier: 1 at a production capability of 1 (bounded below)."""
    return 0.4 + 0.6 * np.minimum(m.firms.K[idx, 0], 3.0)


def agglomeration_saving(m: Model) -> np.ndarray:
    """(G, S) unit-cost saving from co-located active firms of the same stage.

    Agglomeration economies (Ernst 2002, sec. 4.1, concentrated dispersion):
    ``saving = min(0.3, a g_s * 0.1 * log(1 + n_{c,s}))`` with ``a = mechanisms.agglomeration``
    and ``g_s`` the precision tilt of :mod:`specialisation` (precision stages cluster).
    """
    f = m.firms
    act = f.alive & (f.units > 0)
    S = m.stages.S
    counts = np.bincount(f.loc[act].astype(np.int64) * S + f.stage[act], minlength=m.G * S)
    a = m.world.mechanisms.agglomeration * cluster_gain(m)[None, :]  # precision stages cluster
    return np.minimum(0.3, a * 0.1 * np.log1p(counts.reshape(m.G, S)))


def unit_labour_cost(m: Model, idx: np.ndarray, saving: np.ndarray) -> np.ndarray:
    """Labour cost per unit, millions: wage x labour requirement / productivity, less savings."""
    f = m.firms
    loc, st = f.loc[idx], f.stage[idx]
    base = m.countries.wage[loc] * 1e-3 * m.stages.labour[st] / productivity(m, idx)
    return base * (1 - saving[loc, st])
