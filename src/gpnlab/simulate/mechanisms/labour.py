"""Labour by stage, an informal sector, and wages that rise once the reservoir is absorbed.

Formal employment is computed firm by firm in :mod:`production` (units x labour requirement /
productivity). Workers displaced by exiting firms, and anyone in the country's labour pool
without a formal job in the network, are in the informal sector, whose value added per worker
is ``World.informal_productivity`` (thousands per worker-quarter). When formal demand for
labour falls, the informal share rises: productivity-reducing structural change (McMillan &
Rodrik 2011; Lauridsen 2018). The panel reports employment, the wage bill, the informal share
and aggregate labour productivity, and :func:`gpnlab.measure.structural_change` decomposes its
growth into within and between terms.

Wages follow labour-market tightness in a Lewis (1954) economy with a turning point (Fei &
Ranis 1961): while the informal sector holds a reservoir of workers, the formal sector hires
at a flat wage; once formal employment has absorbed it, the supply of labour slopes up and
wages rise. With tightness ``e_c = min(formal employment_c / labour pool_c, 1)``, the labour-supply
wage is

``w*_c = w0_c (1 + kappa max(e_c - ehat_c, 0) / (1 - e*))``,

``w0_c`` the configured wage, ``e* = mechanisms.turning_point`` and ``ehat_c = max(e*, e_c at
quarter 1)`` (an economy already past its turning point when the run starts is paid ``w0_c``
at the tightness it starts from; ``Countries.reference_tightness``), ``kappa =
mechanisms.wage_slope``. The wage closes a share ``nu = mechanisms.wage_response`` of the gap
each quarter and never falls (downward rigidity: Bewley 1999; Dickens et al. 2007), so a hub
that loses jobs keeps the wage it reached: ``w_c <- w_c + nu max(w*_c - w_c, 0)``. The new
wage applies from the next quarter (production, sourcing and entry read ``Countries.wage``).
``nu = 0`` keeps wages at their configured values. Values and sources: docs/calibration.md.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model


def tightness(formal: np.ndarray, labour_force: np.ndarray) -> np.ndarray:
    """``e_c``: formal employment / labour pool (both in thousands), at most 1 (formal jobs
    beyond the pool find no more workers to absorb: the supply wage stops rising there)."""
    return np.minimum(formal / np.maximum(labour_force, 1e-300), 1.0)


def supply_wage(
    base: np.ndarray, e: np.ndarray, reference: np.ndarray, slope: float, turning_point: float
) -> np.ndarray:
    """``w*_c`` (module docstring): the base wage until tightness passes ``reference``, then
    rising by ``slope`` per unit of ``(e - reference) / (1 - turning_point)``."""
    return base * (1.0 + slope * np.maximum(e - reference, 0.0) / (1.0 - turning_point))


def formal_employment(m: Model) -> np.ndarray:
    """Formal employment by country (thousands): the workers of live firms, where they work."""
    f = m.firms
    working = f.alive & (f.employment > 0)
    return np.bincount(f.loc[working], f.employment[working], m.G) / 1e3


def count_informal(m: Model, formal: np.ndarray) -> None:
    """The informal sector: the labour pool less formal jobs (module docstring)."""
    c = m.countries
    c.informal = np.maximum(c.labour_force - formal, 0.0)


def labour(m: Model) -> None:
    c = m.countries
    formal = formal_employment(m)
    count_informal(m, formal)
    c.displaced[:] = 0.0
    mech = m.world.mechanisms
    if mech.wage_response <= 0:
        return
    e = tightness(formal, c.labour_force)
    if np.isnan(c.reference_tightness).any():  # the first quarter
        c.reference_tightness = np.maximum(mech.turning_point, e)
    target = supply_wage(c.base_wage, e, c.reference_tightness, mech.wage_slope, mech.turning_point)
    c.wage = c.wage + mech.wage_response * np.maximum(target - c.wage, 0.0)
