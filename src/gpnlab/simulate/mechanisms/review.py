"""Review and dropping: "upgrade or perish"; who serves as the capacity buffer.

Ernst (2002, sec. 4.2-4.3): requirements rise with every product cycle and suppliers that fall
behind are dropped; lower-tier suppliers are the first to be cut when volumes fall. Here that
ordering is an outcome, not a rule. Each quarter, once a contract's committed length has run
out:

* a supplier whose capability match is below ``mechanisms.drop_threshold`` is dropped, and so
  is one whose buyer produced nothing this quarter (no volume to give);
* where the suppliers due for review have more than ``EXCESS`` x the capacity the buyer's
  volume gives them, the buyer cuts those whose loss costs it least until the excess is gone.
  The cost of losing a supplier is
  ``loss_f = min(match_f, 2) (1 + tau_s) (1 + min(age_f, 8) / 8)``: a better match, knowledge
  that is tacit and relationship-specific (tacitness ``tau_s`` of the supplier's stage) and an
  older relationship (quarters under the contract: specific investment sunk in it; Williamson
  1985, Helper 1991 on exit vs voice) make a supplier dearer to replace. Commodity suppliers on
  short contracts tend to come first, but so does any weak, new supplier of any tier.

Drops are counted by supplier location (panel column ``supplier_drops``).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.capability import update_requirements
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import OPEN_ENDED, FirmView

EXCESS = 1.5


@kernel
def drop_suppliers(
    f: FirmView,
    tacit: np.ndarray,
    match: np.ndarray,
    threshold: float,
    drops: np.ndarray,
    why: np.ndarray,
) -> None:
    """Age contracts, drop the suppliers that fail review (module docstring); count drops by
    supplier location into ``drops``; write why each supplier was dropped into ``why`` (1 match
    below the threshold, 2 the buyer produced nothing, 3 the capacity buffer; 0 not dropped),
    an array only the recording reads (:mod:`gpnlab.simulate.links`). Writes ``f.buyer`` and
    ``f.contract_age``."""
    alive, buyer, inhouse, stage, loc = f.alive, f.buyer, f.inhouse, f.stage, f.loc
    contract_age, contract_len, units, capacity, disrupted = (
        f.contract_age, f.contract_len, f.units, f.capacity, f.disrupted
    )  # fmt: skip
    F = buyer.size
    # suppliers due for review that pass it (and their buyers), what losing each costs, and
    # their buyers' volume and capacity
    buffer = np.empty(F, np.int64)
    buffer_b = np.empty(F, np.int64)
    loss = np.empty(F)
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
            why[i] = 1 if match[i] < threshold else 2
            drop(i, buyer, contract_age, loc, drops)
        elif not disrupted[i]:  # a disrupted quarter's lost orders are not excess capacity
            loss[i] = (
                min(match[i], 2.0) * (1.0 + tacit[stage[i]]) * (1.0 + min(contract_age[i], 8) / 8.0)
            )
            buffer[n_buffer] = i
            buffer_b[n_buffer] = b
            n_buffer += 1
            need[b] += units[i]
            cap[b] += capacity[i]
    # capacity buffer: where a buyer's due capacity exceeds EXCESS x the volume it gives those
    # suppliers, the cheapest to lose go first until what remains is within the excess. Each
    # such buyer's list (index order) is sorted by loss, stably.
    head = np.full(F, -1, np.int64)
    after = np.empty(F, np.int64)
    for j in range(n_buffer - 1, -1, -1):
        i = buffer[j]
        b = buffer_b[j]
        if cap[b] > EXCESS * need[b]:
            after[i] = head[b]
            head[b] = i
    group = np.empty(n_buffer, np.int64)
    for j in range(n_buffer):
        b = buffer_b[j]
        n = 0
        i = head[b]
        head[b] = -1  # each buyer once
        while i >= 0:
            k = n  # insertion sort by loss, ties keep index order
            while k > 0 and loss[group[k - 1]] > loss[i]:
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
            why[group[k]] = 3
            drop(group[k], buyer, contract_age, loc, drops)


@kernel
def drop(
    i: int, buyer: np.ndarray, contract_age: np.ndarray, loc: np.ndarray, drops: np.ndarray
) -> None:
    """End supplier i's contract and count the drop at its location."""
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
        f.view(),
        m.stages.tacitness,
        m.match_now,
        float(m.world.mechanisms.drop_threshold),
        m.drops,
        m.link_end,
    )
