"""Demand by end market with shocks, and the brand competition that allocates it.

* End markets are countries grouped in regions with their own growth, price and requirement
  level: the shift of end markets to the South, with lower standards there (Lauridsen 2018,
  citing Gereffi). Final demand of country c in period t (money):
  ``D_c(t) = home_market_c (1 + g_region)^t exp(z_c(t)) (1 - downturn(t))``, with an AR(1)
  shock ``z_c(t) = 0.7 z_c(t-1) + sigma_c eps`` (volatility; Lauridsen on Malaysia).
* Sellers are the units of the final stage (marketing): brand leaders' and latecomer own
  brands' (OBM). Their shares of market c follow a logit in brand capability and brand
  goodwill, lowered by the final-goods tariff on the share of the seller's goods imported
  into c: ``u_bc = beta min(K_b,brand / R_c, 2) + gamma log(G_b / mean G) - theta t_c (1 - o_bc)``,
  ``o_bc`` the share of the seller's units in c that its plants in c supplied last quarter
  (:func:`gpnlab.simulate.mechanisms.production.final_leg`; a seller without a record ships
  from its own location). Final goods ship from the plants that assemble them: a brand assembled
  in its export markets jumps their tariffs (tariff-jumping FDI, Belderbos 1997; Blonigen
  2002).
  Goodwill is the stock of brand building (Nerlove & Arrow 1962):
  ``G_b <- (1 - delta_G) G_b + spend_b``, and each seller spends ``BRAND_BUDGET`` of last
  quarter's revenue on it, at least ``BRAND_FIXED`` of a flagship's average spend (a presence
  in the market costs a minimum: distribution, after-sales service). Brand building is a cost
  of the seller (its marketing staff and campaigns: value added of the marketing stage, not a
  purchase). Production capacity plays no part in the brand competition. Latecomer brands
  sell in their home region only (they start where they know the market, Ernst 2002 sec. 4.3
  on Acer) and at a discount (``OBM_PRICE_DISCOUNT``: no brand premium yet).

Units sold: ``D_c / p_region``; revenue per unit net of market c's tariff on the share imported
into c. Demand prices that share with last quarter's origin mix; :mod:`production` books the
revenue with the mix actually shipped this quarter.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.supplies import assembly_record, own_location
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BRAND

PERSISTENCE = 0.7
BRAND_SENSITIVITY = 4.0
TARIFF_SENSITIVITY = 5.0
OBM_PRICE_DISCOUNT = 0.7
GOODWILL_ELASTICITY = 0.5  # gamma: share elasticity of goodwill (advertising elasticities 0.1-0.5)
GOODWILL_DECAY = 0.15  # delta_G per quarter: brand building wears off in 1-2 years
BRAND_BUDGET = 0.04  # advertising and brand spending / revenue (consumer electronics: 3-6%)
BRAND_FIXED = 0.05  # the minimum spend, as a share of a flagship's average spend


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


def seller_origin(m: Model, sellers: np.ndarray) -> np.ndarray:
    """(sellers, G) share of each seller's units in each market that plants in that market
    supplied last quarter (``Model.local``, written by :func:`production.final_leg`); a seller
    without a record (new, or nothing assembled) ships from its own location."""
    f = m.firms
    own = own_location(f.loc[sellers], m.G)
    mix, local, _ = assembly_record(m, sellers)
    return np.where(mix.sum(axis=1, keepdims=True) > 0, local, own)


def demand(m: Model) -> None:
    """Allocate each market's units among sellers; sets final_units, final_sales, revenue,
    brand spending and goodwill."""
    f = m.firms
    units = market_demand(m)
    sellers = np.flatnonzero(f.alive & (f.stage == m.stages.final))
    last_revenue = f.sales[sellers]  # last quarter's (final) revenue of each seller
    f.final_units[:] = 0.0
    f.brand_spend[:] = 0.0
    m.sellers = sellers
    m.final_sales = m.ordered_sales = np.zeros((0, m.G))
    m.final_revenue = m.ordered_revenue = m.ordered_value = np.zeros((0, m.G))
    if sellers.size == 0:
        return
    is_obm = f.obm[sellers]
    flagship = ~is_obm
    typical = BRAND_BUDGET * (last_revenue[flagship].mean() if flagship.any() else 0.0)
    spend = np.maximum(BRAND_BUDGET * last_revenue, BRAND_FIXED * typical)
    f.brand_spend[sellers] = spend
    f.goodwill[sellers] = (1 - GOODWILL_DECAY) * f.goodwill[sellers] + spend
    tariff = m.instruments.effect("tariff_final")
    region = m.countries.region
    req = np.array([mk.requirement for mk in m.world.markets])[region]  # (G,)
    brand = f.K[sellers, BRAND]
    imported = 1.0 - seller_origin(m, sellers)  # (sellers, G) share imported into each market
    util = BRAND_SENSITIVITY * np.minimum(brand[:, None] / req[None, :], 2.0)
    goodwill = np.maximum(f.goodwill[sellers], 1e-300)
    util += GOODWILL_ELASTICITY * np.log(goodwill / goodwill.mean())[:, None]
    util -= TARIFF_SENSITIVITY * tariff[None, :] * imported
    # latecomer brands sell in their own region only
    same_region = region[f.loc[sellers]][:, None] == region[None, :]
    allowed = np.where(is_obm[:, None], same_region, True)
    util = np.where(allowed, util, -np.inf)
    util -= util.max(axis=0, keepdims=True)
    w = np.exp(util)
    share = w / w.sum(axis=0, keepdims=True)
    sold = share * units[None, :]
    price = m.market_price()[None, :] * np.where(is_obm[:, None], OBM_PRICE_DISCOUNT, 1.0)
    value = sold * price  # at the market price, before the tariff
    revenue = value * (1 - tariff[None, :] * imported)
    m.final_sales = m.ordered_sales = sold  # production keeps what it can deliver
    m.final_revenue = m.ordered_revenue = revenue
    m.ordered_value = value
    f.final_units[sellers] = sold.sum(axis=1)
