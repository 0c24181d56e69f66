"""Make-or-buy of brand leaders (Ernst 2002, sec. 4.2: two kinds of flagship).

Brand leaders keep the strategic stages (design, brand and marketing) and decide how much of
final assembly to buy from contract manufacturers. Each quarter a BL compares the unit cost of
its in-house plant with the mean price of its CMs; when the CMs are cheaper by more than a
switching margin it moves a step of its volume to them (``outsource += 0.05``), and back when
they are dearer. An in-house plant whose share falls below 5% is closed (its workers are
displaced). Switch: ``mechanisms.make_or_buy``. Observable: outsourcing share over time.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, CM, FirmView

STEP = 0.05
MARGIN = 0.05


@kernel
def outsourcing_step(f: FirmView, assembly: np.ndarray, final: int) -> np.ndarray:
    """Move each brand leader's outsourcing share a step toward the cheaper side (module
    docstring): with both an in-house plant and CMs producing for it, in-house unit cost
    ``sum(units price) / sum(units)`` over its plants against the same over its CMs (rows in
    index order). Writes ``f.outsource``; returns the in-house plants to close (their brand
    leader outsources 95% or more)."""
    alive, buyer, stage, units, price, inhouse, role, outsource = (
        f.alive, f.buyer, f.stage, f.units, f.price, f.inhouse, f.role, f.outsource
    )  # fmt: skip
    F = alive.size
    val_in = np.zeros(F)
    units_in = np.zeros(F)
    val_cm = np.zeros(F)
    units_cm = np.zeros(F)
    for i in range(F):
        b = buyer[i]
        if alive[i] and b >= 0 and assembly[stage[i]] and units[i] > 0:
            if inhouse[i]:
                val_in[b] += units[i] * price[i]
                units_in[b] += units[i]
            else:
                val_cm[b] += units[i] * price[i]
                units_cm[b] += units[i]
    for b in range(F):  # units > 0 on every row summed: a positive sum means one such row
        if alive[b] and role[b] == BL and stage[b] == final and units_in[b] > 0 and units_cm[b] > 0:
            cost_in = val_in[b] / max(units_in[b], 1e-12)
            cost_cm = val_cm[b] / max(units_cm[b], 1e-12)
            if cost_cm < cost_in * (1 - MARGIN):
                outsource[b] = min(1.0, outsource[b] + STEP)
            if cost_cm > cost_in * (1 + MARGIN):  # not elif: with costs < 0 both can hold
                outsource[b] = max(0.0, outsource[b] - STEP)
    close = np.empty(F, np.int64)
    n = 0
    for i in range(F):
        b = buyer[i]  # an in-house plant always has its brand leader; guard all the same
        if alive[i] and inhouse[i] and b >= 0 and outsource[b] >= 0.95:
            close[n] = i
            n += 1
    return close[:n]


def make_or_buy(m: Model) -> None:
    if not m.world.mechanisms.make_or_buy:
        return
    assembly = m.stages.role == CM  # the stages brand leaders make or buy
    close = outsourcing_step(m.firms.view(), assembly, int(m.stages.final))
    if close.size:
        from gpnlab.simulate.mechanisms.finance import exit_firms

        exit_firms(m, close)
