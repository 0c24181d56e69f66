"""Margins from market structure: each supplier's markup follows its share of capable supply.

A stage's margin is not a constant of the stage. Suppliers of a stage compete for its buyers'
orders; only those that meet the stage's current requirement (capability match >= 1) are
substitutes for one another, the rest are a competitive fringe. The Lerner index of supplier f
follows the nested-CES Cournot rule of Atkeson & Burstein (2008, AER 98(5), eq. 11):

``L_f = s_f / eta + (1 - s_f) / sigma``,  ``mu_f = L_f / (1 - L_f)`` (price over cost, less 1)

with ``s_f`` its share of the capable capacity of its stage in the world market (capacity
weighted by ``min(match, 2)``; 0 for a supplier below the requirement; a firm serving several
buyers counts its lines together, :mod:`lines`), ``sigma`` the
elasticity of substitution among suppliers of a stage (``mechanisms.supplier_substitution``)
and ``eta`` the elasticity of demand for the stage's output (``mechanisms.stage_elasticity``,
above 1). Where capability is scarce -- few capable precision suppliers, the brand leaders'
own design units -- shares are large and margins high; where capability has spread -- many
capable assemblers or commodity suppliers -- shares are small and margins fall to the floor
``1 / sigma``: commoditisation (Ernst 2002, sec. 4.1; Lauridsen 2018 on CM margins of 1-2%).
The smile curve is then an outcome of who can supply what, and it can deepen as capability
spreads in the middle of the chain. ``L_f`` is capped at ``LERNER_CAP``.

In-house plants sell to their own brand leader and are priced like any supplier of their
stage (a transfer price at the market's margin). The final stage sells to end buyers at the
market price (:mod:`demand`): its margin is the residual, not this rule.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import FirmView

LERNER_CAP = 0.6  # mu at most 1.5: a monopolist of a stage facing eta near 1


@kernel
def lerner_shares(
    f: FirmView, match: np.ndarray, S: int, sigma: float, eta: float, markup: np.ndarray
) -> None:
    """``markup[f] = mu_f`` of every alive row (module docstring); two passes over rows. The
    share is the row's firm's (its lines summed, :mod:`lines`)."""
    alive, stage, capacity, parent = f.alive, f.stage, f.capacity, f.parent
    total = np.zeros(S)
    firm = np.zeros(alive.size)  # the capable capacity of each firm (over its lines)
    for i in range(alive.size):
        if alive[i] and match[i] >= 1.0:
            w = capacity[i] * min(match[i], 2.0)
            total[stage[i]] += w
            firm[parent[i] if parent[i] >= 0 else i] += w
    floor = 1.0 / sigma
    for i in range(alive.size):
        markup[i] = 0.0
        if not alive[i]:
            continue
        s = stage[i]
        share = 0.0
        if match[i] >= 1.0 and total[s] > 0:
            share = firm[parent[i] if parent[i] >= 0 else i] / total[s]
        lerner = min(share / eta + (1.0 - share) * floor, LERNER_CAP)
        markup[i] = lerner / (1.0 - lerner)


def margins(m: Model) -> np.ndarray:
    """(F,) markup over cost of every firm this quarter (0 in empty slots)."""
    f = m.firms
    mech = m.world.mechanisms
    out = np.empty(f.size)
    lerner_shares(
        f.view(),
        m.match_now,
        m.stages.S,
        float(mech.supplier_substitution),
        float(mech.stage_elasticity),
        out,
    )
    return out
