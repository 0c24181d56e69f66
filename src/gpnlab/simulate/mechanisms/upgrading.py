"""Functional upgrading: OEM, ODM and OBM pursued concurrently (Ernst 2002, sec. 4.3, Taiwan).

* **ODM** follows current design capability: a CM or higher-tier supplier whose design
  capability is at least ``ODM_SHARE`` of the design requirement of the most design-intensive
  stage offers design services (earning a design premium on its margin, :mod:`production`)
  while it keeps its OEM contract; it loses the status when its capability falls below that
  (requirements rise every product cycle).
* **OBM** is a business, not a label: an ODM firm with brand capability of at least
  ``OBM_BRAND`` and positive cash attempts its own brand with probability ``ATTEMPT`` per
  quarter. An attempt succeeds with probability ``p_obm (1 + RO_c) (0.5 + KB_c)`` (regional
  orientation policy, knowledge base); a failed attempt costs ``FAIL_COST`` of the firm's cash.
  A success launches a latecomer brand: a unit in the final stage (marketing) and one in each
  other brand-leader stage (design), located where the parent is, owned by the parent's home,
  carrying the parent's capabilities and funded with ``LAUNCH_CASH`` of the parent's cash. The
  brand then lives like any brand leader: it sells in its region through the brand competition
  (:mod:`demand`: brand capability and goodwill), buys assembly from contract manufacturers
  through sourcing and pays for it, pays for brand building, and exits after sustained losses
  (:mod:`finance`). The parent keeps supplying.

Switch: ``mechanisms.upgrading``. Observables: ODM firms, OBM attempts, successes, brands
alive and exits.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.entry import new_firms
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, BRAND, CM, DESIGN, HT, OPEN_ENDED

ODM_SHARE = 0.6
OBM_BRAND = 0.4
ATTEMPT = 0.05
FAIL_COST = 0.3
LAUNCH_CASH = 0.5
ODM_ROLES = (CM, HT)  # who can offer design services (and so attempt a brand)


def upgrading(m: Model) -> None:
    if not m.world.mechanisms.upgrading:
        return
    f = m.firms
    rng = m.rng("upgrading")
    design_req = m.requirement[:, DESIGN].max()
    cand = f.alive & np.isin(f.role, ODM_ROLES)
    f.odm[:] = cand & (f.K[:, DESIGN] >= ODM_SHARE * design_req)
    # a firm attempts, not each of its lines (:mod:`lines`)
    try_obm = np.flatnonzero(f.odm & (f.parent < 0) & (f.K[:, BRAND] >= OBM_BRAND) & (f.cash > 0))
    if try_obm.size == 0:
        return
    u = rng.random((try_obm.size, 2))
    attempt = try_obm[u[:, 0] < ATTEMPT]
    u2 = u[u[:, 0] < ATTEMPT, 1]
    c = m.countries
    loc = f.loc[attempt]
    p = (
        m.world.mechanisms.obm_success
        * (1 + m.instruments.effect("regional_orientation")[loc])
        * (0.5 + c.knowledge_base[loc])
    )
    win = u2 < p
    lose = attempt[~win]
    f.cash[lose] -= FAIL_COST * np.abs(f.cash[lose])
    m.obm_attempts += attempt.size
    m.obm_successes += int(win.sum())
    launch_brands(m, attempt[win])


def launch_brands(m: Model, parents: np.ndarray) -> np.ndarray:
    """Create a latecomer brand per parent: its final-stage unit and a unit in each other BL
    stage, buying from the final-stage unit's suppliers like a brand leader that outsources
    all assembly. Returns the final-stage units."""
    if parents.size == 0:
        return parents
    f = m.firms
    st = m.stages
    own = [s for s in range(st.S) if st.role[s] == BL and s != st.final]
    n = parents.size
    per = 1 + len(own)
    stages = np.array([st.final, *own], np.int8)
    stage = np.tile(stages, n)
    parent = np.repeat(parents, per)
    fund = LAUNCH_CASH * np.maximum(f.cash[parents], 0.0)
    f.cash[parents] -= fund
    idx = new_firms(
        m,
        np.full(n * per, BL, np.int8),
        f.home[parent],
        f.loc[parent],
        stage,
        f.K[parent],
        np.ones(n * per),  # design capacity: the brand's only design unit takes all its volume
    )
    heads = idx[::per]
    f.obm[idx] = True
    f.outsource[heads] = 1.0  # no in-house plant: all assembly is bought
    f.cash[heads] = fund
    # the brand's other units serve its final-stage unit for good (own units)
    for k in range(1, per):
        f.buyer[idx[k::per]] = heads
        f.contract_len[idx[k::per]] = OPEN_ENDED
    return heads
