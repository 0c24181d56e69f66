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

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.capability import update_requirements
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import LT, OPEN_ENDED

EXCESS = 1.5


@kernel
def drop_suppliers(
    alive: np.ndarray,
    buyer: np.ndarray,
    inhouse: np.ndarray,
    role: np.ndarray,
    loc: np.ndarray,
    contract_age: np.ndarray,
    contract_len: np.ndarray,
    units: np.ndarray,
    capacity: np.ndarray,
    match: np.ndarray,
    threshold: float,
    drops: np.ndarray,
    why: np.ndarray,
) -> None:
    """Age contracts, drop the suppliers that fail review (module docstring); count drops by
    supplier location into ``drops``; write why each supplier was dropped into ``why`` (1 match
    below the threshold, 2 the buyer produced nothing, 3 the capacity buffer; 0 not dropped),
    an array only the recording reads (:mod:`gpnlab.simulate.links`)."""
    F = buyer.size
    dropped = np.zeros(F, np.bool_)
    # lower-tier suppliers due for review that pass it, and their buyers' volume and capacity
    buffer = np.empty(F, np.int64)
    n_buffer = 0
    need = np.zeros(F)
    cap = np.zeros(F)
    for i in range(F):
        b = buyer[i]
        if not alive[i] or b < 0 or inhouse[i] or contract_len[i] >= OPEN_ENDED:
            continue
        contract_age[i] += 1
        if contract_age[i] < contract_len[i]:
            continue
        # a buyer that produced nothing this quarter has no volume to give: its suppliers go
        if match[i] < threshold or units[b] <= 0:
            dropped[i] = True
            why[i] = 1 if match[i] < threshold else 2
        elif role[i] == LT:
            buffer[n_buffer] = i
            n_buffer += 1
            need[b] += units[i]
            cap[b] += capacity[i]
    # capacity buffer: where a buyer's due lower-tier capacity exceeds EXCESS x the volume it
    # gives them, the weakest go first until what remains is within the excess. Each such
    # buyer's list (index order) is sorted by match, stably.
    head = np.full(F, -1, np.int64)
    after = np.empty(F, np.int64)
    for j in range(n_buffer - 1, -1, -1):
        i = buffer[j]
        b = buyer[i]
        if cap[b] > EXCESS * need[b]:
            after[i] = head[b]
            head[b] = i
    group = np.empty(n_buffer, np.int64)
    for j in range(n_buffer):
        b = buyer[buffer[j]]
        n = 0
        i = head[b]
        head[b] = -1  # each buyer once
        while i >= 0:
            k = n  # insertion sort by match, ties keep index order
            while k > 0 and match[group[k - 1]] > match[i]:
                group[k] = group[k - 1]
                k -= 1
            group[k] = i
            n += 1
            i = after[i]
        excess = cap[b] - EXCESS * need[b]
        within = 0.0  # capacity of the weakest suppliers of this buyer so far
        for k in range(n):
            within += capacity[group[k]]
            if within > excess:
                break
            dropped[group[k]] = True
            why[group[k]] = 3
    for i in range(F):
        if dropped[i]:
            buyer[i] = -1
            contract_age[i] = 0
            drops[loc[i]] += 1.0


def review(m: Model) -> None:
    update_requirements(m)
    f = m.firms
    m.drops[:] = 0.0
    if m.link_end.shape != (f.size,):
        m.link_end = np.zeros(f.size, np.int8)
    else:
        m.link_end[:] = 0
    drop_suppliers(
        f.alive,
        f.buyer,
        f.inhouse,
        f.role,
        f.loc,
        f.contract_age,
        f.contract_len,
        f.units,
        f.capacity,
        m.match_now,
        float(m.world.mechanisms.drop_threshold),
        m.drops,
        m.link_end,
    )
