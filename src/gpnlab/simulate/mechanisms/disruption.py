"""Disrupted deliveries: how a volatile location reaches buyers (Lauridsen 2018 on Malaysia).

Volatility does not enter anybody's score as a number. It acts through what it does:

* each quarter a supplier under contract in country c fails to deliver with probability
  ``DISRUPTION_RATE sigma_c`` (power cuts, floods, port congestion, credit stops; ``sigma_c`` the
  country's volatility times ``mechanisms.volatility_scale``). Its buyer shifts the quarter's
  orders to its other suppliers of the stage (:mod:`production`); when all of them are
  disrupted they deliver late and keep their shares;
* buyers observe each supplier's delivery record, the exponentially weighted share of
  disrupted quarters ``r_f <- (1 - EW) r_f + EW [disrupted]``, and score it (:mod:`sourcing`);
* the disrupted firm loses the quarter's sales, so its income is less stable and it invests
  less in learning (:mod:`investment`: the stability term reads the firm's own sales).

Brand leaders' own units are not disrupted (their stages are services at home).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, roots

DISRUPTION_RATE = 0.25  # disruption probability per unit of volatility (calibration.md)
EW = 0.2  # weight of this quarter in the delivery record


def disruption(m: Model) -> None:
    f = m.firms
    rng = m.rng("disruption")
    sigma = m.countries.volatility * m.world.mechanisms.volatility_scale
    p = np.minimum(DISRUPTION_RATE * sigma, 1.0)[f.loc]
    exposed = f.alive & (f.role != BL) & (f.buyer >= 0) & ~f.inhouse
    u = rng.random(f.size)
    f.disrupted[:] = exposed & (u[roots(f)] < p)  # a plant's lines fail together
    live = f.alive & (f.role != BL)
    f.delivery_record[live] = (1 - EW) * f.delivery_record[live] + EW * f.disrupted[live]
