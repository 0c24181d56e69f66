"""Position in the value chain: upstreamness and downstreamness.

* Upstreamness (Antràs, Chor, Fally & Hillberry 2012, eq. 7; Miller & Temurshoev 2017 "output
  upstreamness"): ``U = (I - Δ)^-1 1`` with ``Δ = diag(x)^-1 Z``, i.e. the row sums of the Ghosh
  inverse, computed as ``U = diag(x)^-1 B x`` from the Leontief inverse. ``U >= 1``; 1 means
  all output goes straight to final demand. Unit: number of production stages.
* Downstreamness (Antràs & Chor 2013; Miller & Temurshoev 2017 "input downstreamness"):
  ``D = 1' (I - A)^-1``, the column sums of the Leontief inverse: the number of stages embodied
  upstream of a unit of output. ``D >= 1``.

Both are undefined (NaN) for zero-output sectors. Negative final demand (inventories) can push
``U`` below 1 for a few cells of real tables; the values are reported as computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.leontief import LeontiefSystem


def upstreamness(system: LeontiefSystem) -> pd.Series:
    """Output upstreamness ``U_i = (B x)_i / x_i`` (NaN where ``x_i = 0``)."""
    x = system.table.x
    Bx = system.B @ x
    U = np.divide(Bx, x, out=np.full_like(x, np.nan), where=system.live)
    return pd.Series(U, index=system.table.labels, name="upstreamness")


def downstreamness(system: LeontiefSystem) -> pd.Series:
    """Input downstreamness ``D_j = sum_i B_ij`` (NaN where ``x_j = 0``)."""
    D = system.B.sum(axis=0)
    D = np.where(system.live, D, np.nan)
    return pd.Series(D, index=system.table.labels, name="downstreamness")
