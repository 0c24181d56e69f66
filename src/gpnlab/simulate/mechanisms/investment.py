"""Incentives to invest in learning (Ernst 2002, sec. 4.3; Lauridsen 2018 on Penang).

Suppliers invest in learning when they have long-term commitment, stable income and finance;
under volatility they invest in flexibility instead. The learning investment rate is

``i_f = i0 * C(L_f) * S_f * Fin_f * (1 + LS_c)``, capped at 1, where
``C(L) = L / (L + 2) / (4 / 6)`` (committed contract length L in quarters, 1 at four quarters),
``S_f = 1 / (1 + 5 cv_f + 5 sigma_c)`` (income instability: coefficient of variation of the
firm's sales and its country's volatility), ``Fin_f = 1 / (1 + 10 r_c (1 - PC_c))`` (cost of
capital after patient-capital policy) and ``LS_c`` the learning subsidy (targeted stages).
``i0`` = ``mechanisms.investment_rate``. Observable: investment rates.

Capacity follows volume: a firm that produced more than its capacity expands by a quarter of the
excess each quarter (firms grow with their buyers, which keeps the firm-size distribution heavy
tailed as in Axtell 2001, instead of buyers recruiting ever more small suppliers).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model

EW = 0.2
CAPACITY_ADJUSTMENT = 0.25


def investment(m: Model) -> None:
    f = m.firms
    idx = np.flatnonzero(f.alive)
    s = f.sales[idx]
    mean = f.sales_mean[idx]
    f.sales_var[idx] = (1 - EW) * f.sales_var[idx] + EW * (s - mean) ** 2
    f.sales_mean[idx] = (1 - EW) * mean + EW * s
    cv = np.sqrt(f.sales_var[idx]) / np.maximum(f.sales_mean[idx], 1e-12)
    cv = np.minimum(cv, 2.0)
    loc = f.loc[idx]
    c = m.countries
    mech = m.world.mechanisms
    L = np.where(f.buyer[idx] >= 0, np.minimum(f.contract_len[idx], 40), 1)
    commit = (L / (L + 2.0)) / (4.0 / 6.0)
    sigma = c.volatility[loc] * mech.volatility_scale
    stability = 1.0 / (1.0 + 5.0 * cv + 5.0 * sigma)
    rate = c.cost_of_capital[f.home[idx]] * (
        1 - m.instruments.effect("patient_capital")[f.home[idx]]
    )
    finance = 1.0 / (1.0 + 10.0 * rate)
    subsidy = m.instruments.targeted("learning_subsidy", loc, f.stage[idx])
    f.invest[idx] = np.minimum(
        1.0, mech.investment_rate * commit * stability * finance * (1 + subsidy)
    )
    over = f.units[idx] - f.capacity[idx]
    f.capacity[idx] += CAPACITY_ADJUSTMENT * np.maximum(over, 0.0)
