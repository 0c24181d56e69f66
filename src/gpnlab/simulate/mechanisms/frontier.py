"""Brand leaders' R&D moves the frontier that suppliers' requirements follow (Ernst 2002, 4.2-4.3).

Each brand (the final-stage unit of a brand leader or a latecomer brand, and its own design
units) spends a share ``rho`` (``mechanisms.rd_share``) of its operating margin this quarter on
R&D: ``RD_b = rho max(profit_b, 0)``. R&D is the work of its design units -- engineers, a
wage bill, value added of the design stage -- sold to the brand's final-stage unit at cost (an
in-house service: the design unit's sales, the final-stage unit's purchases; the table
balances). A brand with no design unit employs the engineers itself.

R&D raises the capabilities of all the brand's own units (one firm's knowledge: the unit that
buys from contract manufacturers knows what its engineers found) in proportion to its R&D
intensity (R&D over revenue), along the requirement profile ``p_k`` of its R&D (design) stage:

``K_uk <- K_uk (1 + lambda (RD_b / revenue_b) (F_0 / F_t)^phi p_k)``

with ``lambda`` = ``mechanisms.rd_productivity`` and ``F_t / F_0`` the frontier (mean over
dimensions) relative to its start: ideas get harder to find as the frontier advances (Jones
1995; Bloom, Jones, Van Reenen & Webb 2020 estimate research productivity falling 5-7% a
year), ``phi`` = ``mechanisms.rd_difficulty``; with ``phi = 1`` a constant R&D intensity moves
the frontier linearly, not exponentially. R&D raises the knowledge stock in proportion to R&D
intensity (Griliches 1979; consumer-electronics brands spend 5-8% of revenue on R&D, EU
Industrial R&D Investment Scoreboard). The frontier is the flagships' own units' mean
capability per dimension (:func:`capability.flagship_frontier`), and requirements follow it
dimension by dimension at product-cycle steps (:func:`capability.update_requirements`): no
ceiling, no fixed growth rate. Margins fund R&D, R&D moves the frontier, the frontier raises
what suppliers must meet: "upgrade or perish" keeps its pace only while brands earn margins.

Switch: ``mechanisms.rd_share = 0`` (the frontier then moves only with own learning and
depreciation). Observables: ``rd_spend`` (panel, by brand home), the requirement multiplier.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.capability import flagship_frontier
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, FirmView


@kernel
def fund_research(
    f: FirmView,
    final: int,
    rd_share: float,
    productivity: float,
    difficulty: float,
    wage: np.ndarray,
    profile: np.ndarray,
    spend: np.ndarray,
) -> None:
    """Book each brand's R&D (module docstring) and raise its own units' capabilities.

    Writes ``spend[head]`` (R&D of each brand this quarter), and for the design units and
    brand heads ``sales``, ``contract_value``, ``sold_to``, ``purchases``, ``wage_bill``,
    ``employment``, ``profit`` and ``K``."""
    alive, role, stage, inhouse, buyer, loc, K = (
        f.alive, f.role, f.stage, f.inhouse, f.buyer, f.loc, f.K
    )  # fmt: skip
    sales, contract_value, sold_to, purchases, wage_bill, employment, profit = (
        f.sales, f.contract_value, f.sold_to, f.purchases, f.wage_bill, f.employment, f.profit
    )  # fmt: skip
    F = alive.size
    D = K.shape[1]
    n_design = np.zeros(F, np.int64)
    intensity = np.zeros(F)
    for i in range(F):
        spend[i] = 0.0
        if alive[i] and role[i] == BL and not inhouse[i] and stage[i] != final:
            b = buyer[i]
            if b >= 0 and alive[b] and stage[b] == final:
                n_design[b] += 1
    for b in range(F):
        if not (alive[b] and role[b] == BL and stage[b] == final and not inhouse[b]):
            continue
        rd = rd_share * max(profit[b], 0.0)
        if not rd > 0:
            continue
        spend[b] = rd
        profit[b] -= rd
        if n_design[b] == 0:  # no design unit: the brand employs its engineers itself
            wage_bill[b] += rd
            employment[b] += rd / max(wage[loc[b]] * 1e-3, 1e-300)
        else:
            purchases[b] += rd
        intensity[b] = rd / max(sales[b], 1e-300)
    for i in range(F):
        if not (alive[i] and role[i] == BL and not inhouse[i]):
            continue
        b = i if stage[i] == final else buyer[i]
        if b < 0 or spend[b] <= 0:
            continue
        if i != b:  # a design unit: its engineers, sold to the brand at cost
            share = spend[b] / n_design[b]
            sales[i] += share
            contract_value[i] += share
            sold_to[i] = b
            wage_bill[i] += share
            employment[i] += share / max(wage[loc[i]] * 1e-3, 1e-300)
        g = productivity * intensity[b] * difficulty
        for k in range(D):
            K[i, k] *= 1.0 + g * profile[k]


def rd_profile(m: Model) -> np.ndarray:
    """(D,) what R&D teaches the brand: the requirement profile of its R&D stages (the BL
    stages other than the final one, averaged; the final stage's where there is none); fixed
    for a run, computed once."""
    profile = m.derived.get("rd_profile")
    if profile is None:
        st = m.stages
        rd = [s for s in range(st.S) if st.role[s] == BL and s != st.final] or [st.final]
        profile = m.derived["rd_profile"] = np.ascontiguousarray(st.profile[rd].mean(axis=0))
    return profile


def research(m: Model) -> None:
    f = m.firms
    mech = m.world.mechanisms
    if m.rd_spend.shape != (f.size,):
        m.rd_spend = np.zeros(f.size)
    fund_research(
        f.view(),
        m.stages.final,
        float(mech.rd_share),
        float(mech.rd_productivity),
        float((m.frontier0.mean() / max(flagship_frontier(m).mean(), 1e-12)) ** mech.rd_difficulty),
        m.countries.wage,
        rd_profile(m),
        m.rd_spend,
    )
