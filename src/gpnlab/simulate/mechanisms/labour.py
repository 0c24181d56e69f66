"""Labour by stage and an informal sector (McMillan & Rodrik 2011; Lauridsen 2018).

Formal employment is computed firm by firm in :mod:`production` (units x labour requirement /
productivity). Workers displaced by exiting firms, and anyone in the country's labour pool
without a formal job in the network, are in the informal sector, whose value added per worker
is ``World.informal_productivity`` (thousands per worker-quarter). When formal demand for
labour falls, the informal share rises: productivity-reducing structural change. The panel
reports employment, the wage bill, the informal share and aggregate labour productivity, and
:func:`gpnlab.measure.structural_change` decomposes its growth into within and between terms.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model


def labour(m: Model) -> None:
    f = m.firms
    c = m.countries
    working = f.alive & (f.employment > 0)
    formal = np.bincount(f.loc[working], f.employment[working], m.G) / 1e3  # thousands
    c.informal = np.maximum(c.labour_force - formal, 0.0)
    c.displaced[:] = 0.0
