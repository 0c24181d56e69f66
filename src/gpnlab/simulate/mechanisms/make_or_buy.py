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

from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, CM

STEP = 0.05
MARGIN = 0.05


def make_or_buy(m: Model) -> None:
    if not m.world.mechanisms.make_or_buy:
        return
    f = m.firms
    F = f.size
    assembly = m.stages.role[f.stage] == CM  # the stages brand leaders make or buy
    sup = f.alive & (f.buyer >= 0) & assembly & (f.units > 0)
    b = f.buyer[sup]
    val = f.units[sup] * f.price[sup]
    own = f.inhouse[sup]
    cost_in = np.bincount(b[own], val[own], F) / np.maximum(
        np.bincount(b[own], f.units[sup][own], F), 1e-12
    )
    cost_cm = np.bincount(b[~own], val[~own], F) / np.maximum(
        np.bincount(b[~own], f.units[sup][~own], F), 1e-12
    )
    has_both = (np.bincount(b[own], minlength=F) > 0) & (np.bincount(b[~own], minlength=F) > 0)
    mkt = f.alive & (f.role == BL) & (f.stage == m.stages.final) & has_both
    cheaper = mkt & (cost_cm < cost_in * (1 - MARGIN))
    dearer = mkt & (cost_cm > cost_in * (1 + MARGIN))
    f.outsource[cheaper] = np.minimum(1.0, f.outsource[cheaper] + STEP)
    f.outsource[dearer] = np.maximum(0.0, f.outsource[dearer] - STEP)
    # close in-house plants of BLs that outsource (almost) everything
    plants = f.alive & f.inhouse
    close = plants & (f.outsource[np.maximum(f.buyer, 0)] >= 0.95)
    if close.any():
        from gpnlab.simulate.mechanisms.finance import exit_firms

        exit_firms(m, np.flatnonzero(close))
