"""Rasmussen-Hirschman linkage indices and key sectors.

Rasmussen (1956) power and sensitivity of dispersion; Hirschman (1958) backward and forward
linkages; Miller & Blair (2009), section 12.2, with the Ghosh inverse for the forward index:

* backward ``BL_j = n * sum_i B_ij / sum_ij B_ij``  (column sums of the Leontief inverse)
* forward  ``FL_i = n * sum_j H_ij / sum_ij H_ij``  (row sums of the Ghosh inverse)

Both are normalised so that their mean over the sectors with positive output is 1; zero-output
sectors are excluded from the normalisation and get NaN. A *key sector* has both indices above
1; ``backward`` or ``forward`` oriented sectors have only one above 1; the rest are ``weak``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.leontief import LeontiefSystem


def linkage_indices(system: LeontiefSystem) -> pd.DataFrame:
    """Backward and forward linkage indices and the key-sector class, one row per sector."""
    live = system.live
    x = system.table.x
    col = system.B.sum(axis=0)
    row_h = np.divide(system.B @ x, x, out=np.zeros_like(x), where=live)  # Ghosh row sums
    m = int(live.sum())
    bl = np.full(x.shape, np.nan)
    fl = np.full(x.shape, np.nan)
    if m:
        bl[live] = m * col[live] / col[live].sum()
        fl[live] = m * row_h[live] / row_h[live].sum()
    kind = np.select(
        [(bl > 1) & (fl > 1), bl > 1, fl > 1, live],
        ["key", "backward", "forward", "weak"],
        default="inactive",
    )
    return pd.DataFrame(
        {"backward_linkage": bl, "forward_linkage": fl, "sector_class": kind},
        index=system.table.labels,
    )
