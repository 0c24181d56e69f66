"""Re-tendering: contracts are put out to tender at expiry, with an incumbent advantage.

A contract that survives review (:mod:`review`) is not renewed automatically. At the end of
each committed term (``contract_age`` a multiple of ``contract_len``) the buyer re-tenders it:
``mechanisms.candidates`` free suppliers of the stage are drawn, those eligible at sourcing
and with capacity for at least half the incumbent's volume are scored with the sourcing
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
that wins takes the contract for a new term; the incumbent is free again (link end reason
``retendered``). Link survival by tier is then an outcome: it depends on how many capable
free suppliers a stage has, on how much better they are than the incumbents and on the
switching premium -- contract manufacturers' links end too, when a better-placed plant is free.

Switch: ``mechanisms.retender = false`` renews every contract that passes review (the behaviour
before re-tendering).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.capability import agglomeration_saving
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


@kernel
def retender(
    f: FirmView,
    due: np.ndarray,
    free: np.ndarray,
    appeal: np.ndarray,
    pair: np.ndarray,
    tacit: float,
    switching_cost: float,
    term: int,
    u_cand: np.ndarray,
    u_pick: np.ndarray,
    why: np.ndarray,
) -> int:
    """Re-tender the contracts of suppliers ``due`` against challengers drawn from ``free``
    (module docstring); returns how many went to a challenger. Writes ``f.buyer``,
    ``f.contract_age``, ``f.contract_len``, ``f.idle`` and ``why``."""
    buyer, loc, units, capacity, contract_age, contract_len, idle = (
        f.buyer, f.loc, f.units, f.capacity, f.contract_age, f.contract_len, f.idle
    )  # fmt: skip
    n_cand = u_cand.shape[1]
    taken = np.zeros(free.size, np.bool_)
    weight = np.empty(n_cand + 1)
    pick_of = np.empty(n_cand, np.int64)
    moved = 0
    for j in range(due.size):
        i = due[j]
        b = buyer[i]
        lb = loc[b]
        premium = 1.0 + switching_cost * (1.0 + tacit) * (1.0 + min(contract_age[i], 8) / 8.0)
        # exp((NOISE log n + 2 log premium) / NOISE) = n premium^(2 / NOISE)
        weight[0] = appeal[i] * pair[lb, loc[i]] * n_cand * premium ** (2.0 / NOISE)
        for k in range(n_cand):
            q = min(int(u_cand[j, k] * free.size), free.size - 1)
            c = free[q]
            pick_of[k] = q
            ok = not taken[q] and capacity[c] >= 0.5 * units[i]
            weight[k + 1] = appeal[c] * pair[lb, loc[c]] if ok else 0.0
        win = logit_choice(weight, u_pick[j])  # 0: the incumbent keeps it; -1: no weight
        if win <= 0:
            continue
        q = pick_of[win - 1]
        c = free[q]
        taken[q] = True
        buyer[c] = b
        contract_age[c] = 0
        contract_len[c] = term
        idle[c] = 0
        buyer[i] = -1
        contract_age[i] = 0
        why[i] = END_TENDER
        moved += 1
    return moved


def tender(m: Model) -> None:
    f = m.firms
    st = m.stages
    mech = m.world.mechanisms
    live = f.alive & (f.buyer >= 0) & ~f.inhouse & (f.contract_len < OPEN_ENDED)
    due_all = live & (f.contract_age > 0) & (f.contract_age % np.maximum(f.contract_len, 1) == 0)
    if not mech.retender or not due_all.any():
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
    for s in range(st.S):
        here = members[bounds[s] : bounds[s + 1]]
        due = here[due_all[here]]
        if due.size == 0:
            continue
        free = here[(f.buyer[here] < 0) & ~f.inhouse[here] & (f.role[here] == st.role[s])]
        u_cand = rng.random((due.size, int(mech.candidates)))
        u_pick = rng.random(due.size)
        if free.size == 0:
            continue
        pool = np.concatenate([due, free])
        supplier_appeal(
            s, pool, f.view(), m.match_now, m.countries.wage, st.labour, saving, eligible, appeal
        )
        m.retendered += retender(
            f.view(),
            due,
            free,
            appeal,
            pair,
            float(st.tacitness[s]),
            float(mech.switching_cost),
            int(terms[s]),
            u_cand,
            u_pick,
            m.link_end,
        )
