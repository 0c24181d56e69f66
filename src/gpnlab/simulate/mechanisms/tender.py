"""Re-tendering: contracts are put out to tender at expiry, with an incumbent advantage.

A contract that survives review (:mod:`review`) is not renewed automatically. At the end of
each committed term (``contract_age`` a multiple of ``contract_len``) the buyer re-tenders it:
``mechanisms.candidates`` suppliers of the stage are drawn, free plants and, with
``mechanisms.multi_account``, plants under contract bidding with their spare capacity for a
further line (:mod:`lines`); those eligible at sourcing and with (spare) capacity for at least
half the incumbent's volume are scored with the sourcing
scorecard (:func:`sourcing.supplier_appeal`: landed cost, capability match, delivery record,
finance, the (buyer, supplier country) part), and the incumbent competes with them carrying a
switching premium in the score,

``v_inc + NOISE log(n) + 2 log(1 + c_s (1 + tau_s) (1 + min(age, 8) / 8))``,

The second term is the incumbent's match-specific value: it won its contract as the best of
``n`` candidates (``mechanisms.candidates``), and the expected best of ``n`` Gumbel draws of
scale ``NOISE`` exceeds one draw by ``NOISE log(n)``; that part of the match persists, where a
challenger brings a fresh draw. The third is the switching premium, worth a landed-cost
advantage of ``c_s (1 + tau_s)(1 + min(age, 8)/8)`` (``c_s`` = ``mechanisms.switching_cost``):
qualifying a
new supplier costs the buyer, more where knowledge is tacit (tacitness ``tau_s``) and the
relationship old (relationship capital; Williamson 1985 on asset specificity; Helper 1991 on
exit vs voice; Bernard, Moxnes & Saito 2019 and Carvalho et al. 2021 on costly supplier
switching). The winner is the logit choice of sourcing (Gumbel noise ``NOISE``). A challenger
that wins takes the contract for a new term (a plant under contract on a new line); the
incumbent is free again (link end reason ``retendered``; a line of a firm with other accounts
folds back into it). Link survival by tier is then an outcome: it depends on how many capable
suppliers have room for the contract, on how much better they are than the incumbents and on
the switching premium -- contract manufacturers' links end too, since a better-placed
contract manufacturer with room is usually serving someone else.

Switch: ``mechanisms.retender = false`` renews every contract that passes review (the behaviour
before re-tendering).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel, prefetch
from gpnlab.simulate.mechanisms.capability import agglomeration_saving
from gpnlab.simulate.mechanisms.lines import fold_lines, line_lists, start_lines
from gpnlab.simulate.mechanisms.sourcing import (
    NOISE,
    contract_terms,
    logit_choice,
    pair_appeal,
    supplier_appeal,
)
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import OPEN_ENDED, FirmView, members_by_stage

END_TENDER = 7  # link_end code: the contract went to a challenger at re-tender
AHEAD = 4  # due rows whose challengers' rows are prefetched ahead (retender)


@kernel
def serves(
    firm: int,
    b: int,
    buyer_now: int,
    lf: int,
    buyer0: np.ndarray,
    parent: np.ndarray,
    line_after: np.ndarray,
    opened: np.ndarray,
    first: np.ndarray,
    after: np.ndarray,
) -> bool:
    """Whether ``firm`` (a founder row) already has a line to buyer ``b``: for a firm with
    lines (``lf = line_first[firm]`` of ``lines.line_lists``, then ``line_after[row]``) its
    rows' buyers when the stage's re-tender began (``buyer0``), for a one-row firm its buyer
    now (``buyer_now``); or a line opened in this call for ``b`` (``first[b]``, then
    ``after[k]``, in ``opened``)."""
    k = lf
    if k < 0:
        if buyer_now == b:
            return True
    elif buyer0[firm] == b:
        return True
    while k >= 0:
        if buyer0[k] == b:
            return True
        k = line_after[k]
    k = first[b]
    while k >= 0:
        c = opened[k, 0]
        if (parent[c] if parent[c] >= 0 else c) == firm:
            return True
        k = after[k]
    return False


@kernel
def retender(
    f: FirmView,
    due: np.ndarray,
    due_q: np.ndarray,
    cands: np.ndarray,
    n_free: int,
    appeal: np.ndarray,
    pair: np.ndarray,
    tacit: float,
    switching_cost: float,
    term: int,
    u_cand: np.ndarray,
    u_pick: np.ndarray,
    why: np.ndarray,
    slots: np.ndarray,
    opened: np.ndarray,
    line_cap: np.ndarray,
    line_first: np.ndarray,
    line_after: np.ndarray,
    buyer0: np.ndarray,
    first: np.ndarray,
) -> tuple[int, int]:
    """Re-tender the contracts of suppliers ``due`` against challengers drawn from ``cands``:
    its first ``n_free`` are free plants, the rest rows under contract that bid with their
    spare capacity (module docstring, :mod:`lines`); ``due_q[j]`` is due row j's place in
    ``cands`` (-1 if none). A free challenger that wins takes the
    contract itself; a busy one wins it for a new line in the next of ``slots``, recorded as
    ``opened[k] = (winning row, slot, buyer)`` with the line's capacity ``line_cap[k]`` (moved from
    the winning row; :func:`lines.start_lines` fills the slot). A firm bids only for buyers it
    does not serve yet (:func:`serves`, the firms' lines listed by ``lines.line_lists``, with
    ``buyer0`` the contracts when the stage's re-tender began and ``first`` all -1: the lines
    opened here per buyer, reset before returning).
    Returns (contracts that went to a challenger, lines opened). Writes ``f.buyer``,
    ``f.contract_age``, ``f.contract_len``, ``f.idle``, ``f.capacity`` and ``why``."""
    buyer, loc, units, capacity, contract_age, contract_len, idle, parent, cash, price = (
        f.buyer, f.loc, f.units, f.capacity, f.contract_age, f.contract_len, f.idle, f.parent,
        f.cash, f.price,
    )  # fmt: skip
    n_cand = u_cand.shape[1]
    # the challengers' attributes side by side, one cache line each (the draws below read
    # them at random: at 1e6 firms, one field per line would cost a cache miss each); kept
    # in step with the firm arrays where this call changes them
    P = np.empty((cands.size, 8))
    for q in range(cands.size):
        c = cands[q]
        P[q, 0] = appeal[c]
        P[q, 1] = loc[c]
        P[q, 2] = capacity[c]
        P[q, 3] = units[c]
        P[q, 4] = cash[c]
        P[q, 5] = parent[c] if parent[c] >= 0 else c
        P[q, 6] = buyer[c]  # kept in step below: a due row that loses its contract
        P[q, 7] = line_first[int(P[q, 5])]
    taken = np.zeros(n_free, np.bool_)
    weight = np.empty(n_cand + 1)
    pick_of = np.empty(n_cand, np.int64)
    after = np.empty(slots.size, np.int64)
    moved = 0
    n_open = 0
    for j in range(due.size):
        if j + 2 * AHEAD < due.size:  # start loading the challengers of a later due row
            for k in range(n_cand):
                ahead = min(int(u_cand[j + 2 * AHEAD, k] * cands.size), cands.size - 1)
                prefetch(P, ahead * P.shape[1])
        if j + AHEAD < due.size:  # their rows are in cache now: what `serves` will read
            ba = buyer[due[j + AHEAD]]
            prefetch(loc, ba)
            if first.size:
                prefetch(first, ba)
            for k in range(n_cand):
                ahead = min(int(u_cand[j + AHEAD, k] * cands.size), cands.size - 1)
                if ahead >= n_free and P[ahead, 7] >= 0:
                    prefetch(buyer0, int(P[ahead, 5]))
                    prefetch(buyer0, int(P[ahead, 7]))
                    prefetch(line_after, int(P[ahead, 7]))
        i = due[j]
        b = buyer[i]
        lb = loc[b]
        root_i = parent[i] if parent[i] >= 0 else i
        premium = 1.0 + switching_cost * (1.0 + tacit) * (1.0 + min(contract_age[i], 8) / 8.0)
        setup = switching_cost * (1.0 + tacit) * units[i] * price[i]  # a new line's set-up
        # exp((NOISE log n + 2 log premium) / NOISE) = n premium^(2 / NOISE)
        weight[0] = appeal[i] * pair[lb, loc[i]] * n_cand * premium ** (2.0 / NOISE)
        for k in range(n_cand):
            q = min(int(u_cand[j, k] * cands.size), cands.size - 1)
            pick_of[k] = q
            if q < n_free:
                ok = not taken[q] and P[q, 2] >= 0.5 * units[i]
            else:
                root_c = int(P[q, 5])
                ok = (
                    n_open < slots.size
                    and root_c != root_i
                    and P[q, 3] > 0  # serving its own buyer
                    and P[q, 4] >= setup  # can pay for qualifying the new line
                    and 0.5 * P[q, 2] >= 0.5 * units[i]  # half its plant for the line
                    and P[q, 6] >= 0  # still under contract (not just lost it here)
                    and not serves(
                        root_c,
                        b,
                        int(P[q, 6]),
                        int(P[q, 7]),
                        buyer0,
                        parent,
                        line_after,
                        opened,
                        first,
                        after,
                    )
                )
            weight[k + 1] = P[q, 0] * pair[lb, int(P[q, 1])] if ok else 0.0
        win = logit_choice(weight, u_pick[j])  # 0: the incumbent keeps it; -1: no weight
        if win <= 0:
            continue
        q = pick_of[win - 1]
        c = cands[q]
        if q < n_free:
            taken[q] = True
            buyer[c] = b
            contract_age[c] = 0
            contract_len[c] = term
            idle[c] = 0
        else:
            cap = min(capacity[i], 0.5 * capacity[c])  # moved from its other account
            capacity[c] -= cap
            cash[c] -= setup
            P[q, 2] = capacity[c]
            P[q, 4] = cash[c]
            opened[n_open, 0] = c
            opened[n_open, 1] = slots[n_open]
            opened[n_open, 2] = b
            after[n_open] = first[b]
            first[b] = n_open
            line_cap[n_open] = cap
            n_open += 1
        buyer[i] = -1
        if due_q[j] >= 0:
            P[due_q[j], 6] = -1.0
        contract_age[i] = 0
        why[i] = END_TENDER
        moved += 1
    for k in range(n_open):
        first[opened[k, 2]] = -1
    return moved, n_open


@kernel
def stage_pools(
    f: FirmView, here: np.ndarray, role: int, multi_account: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over a stage's alive rows ``here`` (index order): the rows due for re-tender
    (a contract to another firm, not open-ended, at a positive multiple of its term), the free
    rows of the stage's ``role`` not in-house, with ``multi_account`` those under contract
    (busy), and each due row's place among the busy rows (-1 if it is not one)."""
    buyer, inhouse, rl, age, term = f.buyer, f.inhouse, f.role, f.contract_age, f.contract_len
    due = np.empty(here.size, np.int64)
    at = np.empty(here.size, np.int64)
    free = np.empty(here.size, np.int64)
    busy = np.empty(here.size if multi_account else 0, np.int64)
    n_due = n_free = n_busy = 0
    for i in here:
        b = buyer[i]
        own = not inhouse[i] and rl[i] == role
        if (
            b >= 0
            and not inhouse[i]
            and term[i] < OPEN_ENDED
            and age[i] > 0
            and age[i] % max(term[i], 1) == 0
        ):
            due[n_due] = i
            at[n_due] = n_busy if multi_account and own else -1
            n_due += 1
        if own and b < 0:
            free[n_free] = i
            n_free += 1
        elif own and multi_account:
            busy[n_busy] = i
            n_busy += 1
    return due[:n_due], free[:n_free], busy[:n_busy], at[:n_due]


def tender(m: Model) -> None:
    f = m.firms
    st = m.stages
    mech = m.world.mechanisms
    if not mech.retender:
        fold_lines(m)  # lines whose contract ended at review or with their buyer
        return
    rng = m.rng("tender")
    inst = m.instruments
    pair = pair_appeal(
        m.countries.region, inst.effect("tariff_intermediate"), inst.effect("logistics_cost")
    )
    saving = agglomeration_saving(m)
    terms = contract_terms(m)
    eligible = 0.9 * float(mech.drop_threshold)
    appeal = np.zeros(f.size)
    members, bounds = members_by_stage(f.alive, f.stage, st.S)  # index order within a stage
    empty = np.flatnonzero(~f.alive & (f.died < m.period))  # slots for new lines
    line_first, line_after = line_lists(f.alive, f.parent)
    # a stage's rows change only in its own re-tender: the contracts at the start of this call
    # are those at the start of each stage's (read by retender's `serves`)
    buyer0 = f.buyer.copy() if mech.multi_account else f.buyer
    first = np.full(f.size if mech.multi_account else 0, -1, np.int64)
    new_lines: list[np.ndarray] = []  # (winning row, slot, buyer, term) per stage
    new_caps: list[np.ndarray] = []
    for s in range(st.S):
        here = members[bounds[s] : bounds[s + 1]]
        due, free, busy, at = stage_pools(f.view(), here, int(st.role[s]), mech.multi_account)
        if due.size == 0:
            continue
        u_cand = rng.random((due.size, int(mech.candidates)))
        u_pick = rng.random(due.size)
        if free.size + busy.size == 0:
            continue
        cands = np.concatenate([free, busy])
        due_q = np.where(at >= 0, free.size + at, -1)
        pool = cands if busy.size else np.concatenate([due, free])  # due rows are busy rows
        supplier_appeal(
            s, pool, f.view(), m.match_now, m.countries.wage, st.labour, saving, eligible, appeal
        )
        slots = empty[: min(due.size, empty.size)] if busy.size else empty[:0]
        opened = np.empty((slots.size, 3), np.int64)
        line_cap = np.empty(slots.size)
        moved, n_open = retender(
            f.view(),
            due,
            due_q,
            cands,
            free.size,
            appeal,
            pair,
            float(st.tacitness[s]),
            float(mech.switching_cost),
            int(terms[s]),
            u_cand,
            u_pick,
            m.link_end,
            slots,
            opened,
            line_cap,
            line_first,
            line_after,
            buyer0,
            first,
        )
        m.retendered += moved
        if n_open:
            new_lines.append(np.column_stack([opened[:n_open], np.full(n_open, terms[s])]))
            new_caps.append(line_cap[:n_open])
            empty = empty[n_open:]
    if new_lines:  # the new rows are not read again in this call: filled once, here
        source, new, buyer, term = np.concatenate(new_lines).T
        start_lines(m, new, source, np.concatenate(new_caps), buyer, term)
    fold_lines(m)  # lines that lost their contract at review, here or with their buyer
