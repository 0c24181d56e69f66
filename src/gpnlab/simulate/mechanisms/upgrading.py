"""Functional upgrading: OEM, ODM and OBM pursued concurrently (Ernst 2002, sec. 4.3, Taiwan).

* OEM -> ODM: a CM or higher-tier supplier whose design capability reaches 60% of the design
  stage's current requirement offers design services (ODM), earning a design premium on its
  margin (:mod:`production`) while keeping its OEM contract.
* ODM -> OBM: an ODM firm with brand capability of at least 0.4 and positive cash attempts its
  own brand with probability 5% per quarter. Attempts are risky and mostly fail: success with
  probability ``p_obm * (1 + RO_c) * (0.5 + KB_c)`` (regional orientation policy, knowledge
  base); a failed attempt costs 30% of the firm's cash. Successful firms keep supplying and
  also sell their own brand in their region (:mod:`demand`).
Switch: ``mechanisms.upgrading``. Observable: counts by mode and success rates.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BRAND, CM, DESIGN, HT

ODM_SHARE = 0.6
OBM_BRAND = 0.4
ATTEMPT = 0.05
FAIL_COST = 0.3


def upgrading(m: Model) -> None:
    if not m.world.mechanisms.upgrading:
        return
    f = m.firms
    rng = m.rng("upgrading")
    design_req = m.requirement[:, DESIGN].max()
    cand = f.alive & ((f.role == CM) | (f.role == HT))
    f.odm |= cand & (f.K[:, DESIGN] >= ODM_SHARE * design_req)
    try_obm = np.flatnonzero(f.odm & ~f.obm & f.alive & (f.K[:, BRAND] >= OBM_BRAND) & (f.cash > 0))
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
    f.obm[attempt[win]] = True
    lose = attempt[~win]
    f.cash[lose] -= FAIL_COST * np.abs(f.cash[lose])
    m.obm_attempts += attempt.size
    m.obm_successes += int(win.sum())
