"""Value added in final demand (TiVA), value added exported and vertical specialisation.

* Value added by origin in final demand by destination (Johnson & Noguera 2012, eq. 3;
  OECD TiVA "FDva"): ``VAFD = diag(v) B Y_d`` (n x G). Its rows sum to value added, so a
  country's rows sum to its GDP.
* Value added exported (Johnson & Noguera 2012): ``VAX_s = sum_{d != s} VAFD[s-rows, d]``;
  the VAX ratio is ``VAX_s / E_s`` (a fraction of gross exports).
* Vertical specialisation (Hummels, Ishii & Yi 2001, with the global Leontief inverse as in
  Koopman, Wang & Wei 2014): ``VS_s = sum_{t != s} V^t B^{ts} E^{s*}``, the foreign content of
  exports; ``vs_share = VS_s / E_s``.
* Domestic share of intermediate inputs: ``sum_{r in c} Z[r, (c, s)] / sum_r Z[r, (c, s)]``
  per using (country, sector); one minus it is the imported-input share.

Money in the table's unit; shares are fractions. A share of zero exports is NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.table import IOTable


def value_added_in_final_demand(acc: ExportAccounts) -> pd.DataFrame:
    """``diag(v) B Y_d``: rows (origin country, sector), columns destination country."""
    return pd.DataFrame(
        acc.VAFD, index=acc.table.labels, columns=pd.Index(acc.table.countries, name="destination")
    )


def value_added_trade_matrix(acc: ExportAccounts) -> pd.DataFrame:
    """Value added of origin country (rows) absorbed in destination country (columns), G x G."""
    m = acc.VAFD.reshape(acc.G, acc.N, acc.G).sum(axis=1)
    idx = pd.Index(acc.table.countries)
    return pd.DataFrame(m, index=idx.rename("origin"), columns=idx.rename("destination"))


def safe_share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where ``den`` is zero (a share of nothing is undefined)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den != 0)


def domestic_input_use(table: IOTable) -> tuple[np.ndarray, np.ndarray]:
    """(G, N) intermediate inputs each (country, sector) bought from its own country, and
    (G, N) all its intermediate inputs: the column sums of ``Z`` over the rows of the using
    country and over all rows. Their ratio is the domestic share of intermediate inputs
    (OECD TiVA's domestic content of intermediate consumption; Hummels, Ishii & Yi 2001 use
    its complement, the imported-input share, to measure vertical specialisation)."""
    G, N = table.G, table.N
    Z4 = table.Z.reshape(G, N, G, N)
    total = Z4.sum(axis=(0, 1))
    g = np.arange(G)
    domestic = Z4[g, :, g, :].sum(axis=1)
    return domestic, total


def domestic_input_share(table: IOTable) -> np.ndarray:
    """(G, N) domestic share of each (country, sector)'s intermediate inputs, NaN where it
    buys none (:func:`domestic_input_use`)."""
    domestic, total = domestic_input_use(table)
    return safe_share(domestic, total)


def vax_and_vs(acc: ExportAccounts) -> pd.DataFrame:
    """Country table: gross exports, VAX, VAX ratio, VS and VS share."""
    m = value_added_trade_matrix(acc).to_numpy()
    vax = m.sum(axis=1) - np.diag(m)
    gexp = acc.Etot.sum(axis=1)
    vs = np.einsum("si,si->s", acc.VBfor, acc.Etot)
    return pd.DataFrame(
        {
            "gross_exports": gexp,
            "vax_jn": vax,
            "vax_ratio": safe_share(vax, gexp),
            "vs": vs,
            "vs_share": safe_share(vs, gexp),
        },
        index=pd.Index(acc.table.countries, name="country"),
    )
