"""Review and dropping: "upgrade or perish"; lower tiers as price breakers and capacity buffers.

Ernst (2002, sec. 4.2-4.3): requirements rise with every product cycle and suppliers that fall
behind are dropped; lower-tier suppliers deal mostly with higher tiers and are the first to be
cut when volumes fall. Each quarter, once a contract's committed length has run out:

* a supplier whose capability match is below ``mechanisms.drop_threshold`` is dropped, and so
  is one whose buyer produced nothing this quarter (no volume to give);
* where a buyer's lower-tier suppliers have more than 1.5 x the capacity its volume needs, the
  lowest-scoring lower-tier suppliers are dropped until the excess is gone (LT first: higher
  tiers keep their volume).

Drops are counted by supplier location (panel column ``supplier_drops``).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.capability import update_requirements
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import LT

EXCESS = 1.5


def review(m: Model) -> None:
    update_requirements(m)
    f = m.firms
    F = f.size
    m.drops[:] = 0.0
    sup = np.flatnonzero(f.alive & (f.buyer >= 0) & ~f.inhouse & (f.contract_len < 10**6))
    f.contract_age[sup] += 1
    due = sup[f.contract_age[sup] >= f.contract_len[sup]]
    mt = m.match_now[due]
    # a buyer that produced nothing this quarter has no volume to give: its suppliers go
    no_volume = f.units[f.buyer[due]] <= 0
    drop = due[(mt < m.world.mechanisms.drop_threshold) | no_volume]
    # capacity buffer: excess lower-tier capacity per buyer is cut, weakest first
    lt = due[(f.role[due] == LT) & (mt >= m.world.mechanisms.drop_threshold)]
    if lt.size:  # only buyers with excess capacity need their suppliers ranked
        b = f.buyer[lt]
        need_b = np.bincount(b, f.units[lt], F)  # a kept buyer keeps all its suppliers
        over = np.bincount(b, f.capacity[lt], F) > EXCESS * need_b
        lt = lt[over[b]]
    if lt.size:
        b = f.buyer[lt]
        need = need_b[b]
        order = np.lexsort((m.match_now[lt], b))
        lt, b = lt[order], b[order]
        cum = np.cumsum(f.capacity[lt])
        start = np.zeros_like(cum)
        first = np.r_[True, b[1:] != b[:-1]]
        start[first] = cum[first] - f.capacity[lt][first]
        start = np.maximum.accumulate(np.where(first, start, 0))
        within = cum - start  # capacity of the weakest suppliers of the same buyer so far
        total = np.bincount(b, f.capacity[lt], F)[b]
        excess = total - EXCESS * need[order]
        drop = np.concatenate([drop, lt[(excess > 0) & (within <= excess)]])
    if drop.size:
        drop = np.unique(drop)
        f.buyer[drop] = -1
        f.contract_age[drop] = 0
        m.drops += np.bincount(f.loc[drop], minlength=m.G)
