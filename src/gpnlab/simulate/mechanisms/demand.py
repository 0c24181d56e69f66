"""Demand by end market with shocks, and the brand competition that allocates it.

* End markets are countries grouped in regions with their own growth, price and requirement
  level: the shift of end markets to the South, with lower standards there (Lauridsen 2018,
  citing Gereffi). Final demand of country c in period t (money):
  ``D_c(t) = home_market_c (1 + g_region)^t exp(z_c(t)) (1 - downturn(t))``, with an AR(1)
  shock ``z_c(t) = 0.7 z_c(t-1) + sigma_c eps`` (volatility; Lauridsen on Malaysia).
* Sellers are brand leaders' marketing units and own-brand (OBM) firms. Their shares of
  market c follow a logit in brand capability, lowered by the final-goods tariff for imports and
  weighted by size (an OBM firm counts with its capacity relative to a brand leader's volume,
  so shares do not depend on how finely suppliers are split into firms); OBM firms sell only in
  their own region, where requirements are theirs to meet.

Units sold: ``D_c / p_region``; revenue per unit net of the importing country's tariff.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, BRAND, MARKETING

PERSISTENCE = 0.7
BRAND_SENSITIVITY = 4.0
TARIFF_SENSITIVITY = 5.0
OBM_PRICE_DISCOUNT = 0.7


def market_demand(m: Model) -> np.ndarray:
    """Final demand in units per country this period (updates the demand shocks)."""
    c = m.countries
    rng = m.rng("demand")
    sigma = c.volatility * m.world.mechanisms.volatility_scale
    c.demand_shock = PERSISTENCE * c.demand_shock + sigma * rng.standard_normal(m.G)
    growth = np.array([mk.growth for mk in m.world.markets])[c.region]
    money = c.home_market * (1 + growth) ** m.period * np.exp(c.demand_shock)
    sh = m.world.shocks
    if (
        sh.downturn_start is not None
        and sh.downturn_start <= m.period < sh.downturn_start + sh.downturn_length
    ):
        money = money * (1 - sh.downturn_depth)
    return money / m.market_price()


def demand(m: Model) -> None:
    """Allocate each market's units among sellers; sets final_units, final_sales, revenue."""
    f = m.firms
    units = market_demand(m)
    sellers = np.flatnonzero(f.alive & (((f.role == BL) & (f.stage == MARKETING)) | f.obm))
    f.final_units[:] = 0.0
    m.sellers = sellers
    m.final_sales = np.zeros((0, m.G))
    m.final_revenue = np.zeros((0, m.G))
    if sellers.size == 0:
        return
    tariff = m.instruments.effect("tariff_final")
    region = m.countries.region
    req = np.array([mk.requirement for mk in m.world.markets])[region]  # (G,)
    brand = f.K[sellers, BRAND]
    is_obm = f.obm[sellers]
    imported = f.loc[sellers][:, None] != np.arange(m.G)[None, :]
    util = BRAND_SENSITIVITY * np.minimum(brand[:, None] / req[None, :], 2.0)
    util -= TARIFF_SENSITIVITY * tariff[None, :] * imported
    # own-brand upstarts sell in their own region only, and need a foothold in brand
    same_region = region[f.loc[sellers]][:, None] == region[None, :]
    allowed = np.where(is_obm[:, None], same_region, True)
    util = np.where(allowed, util, -np.inf)
    util -= util.max(axis=0, keepdims=True)
    # an own-brand upstart weighs in with its size relative to a brand leader's volume, so the
    # brands' shares do not depend on how finely the supplier base is split into firms
    bl_volume = units.sum() / max(int((~is_obm).sum()), 1)
    size = np.where(is_obm, f.capacity[sellers] / bl_volume, 1.0)
    w = np.exp(util) * size[:, None]
    share = w / w.sum(axis=0, keepdims=True)
    sold = share * units[None, :]
    price = m.market_price()[None, :] * np.where(is_obm[:, None], OBM_PRICE_DISCOUNT, 1.0)
    revenue = sold * price * (1 - tariff[None, :] * imported)
    m.final_sales = sold
    m.final_revenue = revenue
    f.final_units[sellers] = sold.sum(axis=1)
