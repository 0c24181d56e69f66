"""Incentives to invest in learning (Ernst 2002, sec. 4.3; Lauridsen 2018 on Penang).

Suppliers invest in learning when they have long-term commitment, stable income and finance;
under volatility they invest in flexibility instead. The learning investment rate is

``i_f = i0 * C(L_f) * S_f * Fin_f * (1 + LS_c)``, capped at 1, where
``C(L) = L / (L + 2) / (4 / 6)`` (committed contract length L in quarters, 1 at four quarters),
``S_f = 1 / (1 + 5 cv_f)`` (income instability: the coefficient of variation of the firm's
own sales, which volatility raises through demand shocks and disrupted deliveries,
:mod:`disruption`; the country's volatility is not a separate term). ``cv_f`` (capped at 2)
comes from exponentially weighted moments of sales, ``v <- (1 - w) v + w (s - m)^2`` then
``m <- (1 - w) m + w s`` with ``w = EW``, started at the first quarter in which the
firm (or a new line, :mod:`lines`) sells: ``m = s, v = 0``. Moments started at zero would make
every newcomer look maximally unstable (``cv = 2`` in its first quarter, still 1.5 in its
second at constant sales) and hold back its learning for years by construction,
``Fin_f = 1 / (1 + 10 r_c (1 - PC_c))`` (cost of capital after patient-capital policy) and
``LS_c`` the learning subsidy (targeted stages), times the pressure to upgrade
``1 + P_f``: a supplier under contract whose capability match has fallen below its stage's
requirement invests more the closer it is to being dropped,
``P_f = clip((1 - match_f) / (1 - threshold), 0, 1)`` (Ernst 2002 sec. 4.3, "upgrade or
perish"; Lauridsen 2018 on MNC buyers' pressure on Penang suppliers; Helper 1991 on voice).
``i0`` = ``mechanisms.investment_rate``. Observable: investment rates.

Capacity follows volume: a firm that produced more than its capacity expands by a quarter of the
excess each quarter (firms grow with their buyers, which keeps the firm-size distribution heavy
tailed as in Axtell 2001, instead of buyers recruiting ever more small suppliers).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import FirmView

EW = 0.2
CAPACITY_ADJUSTMENT = 0.25
MAX_COMMITMENT = 40  # quarters: longer commitments add nothing


@kernel
def invest_and_expand(
    f: FirmView,
    rate: np.ndarray,
    subsidy: np.ndarray,
    match: np.ndarray,
    threshold: float,
    investment_rate: float,
) -> None:
    """One pass over alive firms: update the sales moments, set ``i_f`` (module docstring),
    expand capacity by a quarter of any output above it. ``rate`` (G,) the owner country's
    cost of capital after patient capital, ``subsidy`` (G, S) the learning subsidy by location
    and stage. Writes ``f.sales_mean``, ``f.sales_var``, ``f.invest`` and ``f.capacity``."""
    alive, buyer, contract_len, loc, home, stage, sales, units = (
        f.alive, f.buyer, f.contract_len, f.loc, f.home, f.stage, f.sales, f.units
    )  # fmt: skip
    sales_mean, sales_var, invest, capacity = f.sales_mean, f.sales_var, f.invest, f.capacity
    for i in range(alive.size):
        if not alive[i]:
            continue
        s, mean = sales[i], sales_mean[i]
        if mean == 0.0 and sales_var[i] == 0.0:  # never sold: the first sales start the moments
            sales_mean[i] = s
        else:
            dev = s - mean  # dev * dev, not ** 2: the interpreter's pow can differ by an ulp
            sales_var[i] = (1 - EW) * sales_var[i] + EW * (dev * dev)
            sales_mean[i] = (1 - EW) * mean + EW * s
        cv = min(np.sqrt(sales_var[i]) / max(sales_mean[i], 1e-12), 2.0)
        L = min(contract_len[i], MAX_COMMITMENT) if buyer[i] >= 0 else 1
        commit = (L / (L + 2.0)) / (4.0 / 6.0)
        stability = 1.0 / (1.0 + 5.0 * cv)
        finance = 1.0 / (1.0 + 10.0 * rate[home[i]])
        boost = 1 + subsidy[loc[i], stage[i]]
        pressure = 0.0
        if buyer[i] >= 0 and match[i] < 1.0:
            pressure = min((1.0 - match[i]) / max(1.0 - threshold, 1e-9), 1.0)
        invest[i] = min(
            1.0, investment_rate * commit * stability * finance * boost * (1.0 + pressure)
        )
        capacity[i] += CAPACITY_ADJUSTMENT * max(units[i] - capacity[i], 0.0)


def investment(m: Model) -> None:
    f = m.firms
    c = m.countries
    mech = m.world.mechanisms
    invest_and_expand(
        f.view(),
        c.cost_of_capital * (1 - m.instruments.effect("patient_capital")),
        m.instruments.table("learning_subsidy"),
        m.match_now,
        float(mech.drop_threshold),
        float(mech.investment_rate),
    )
