"""Koopman, Wang & Wei (2014) decomposition of gross exports into nine terms.

Source: Koopman, R., Wang, Z. & Wei, S.-J. (2014), "Tracing value-added and double counting in
gross exports", AER 104(2), eq. (36). Country level, world perspective; every term in the
table's money unit. For exporter s (sums over r != s, t != s):

1. ``DVA_FIN    = V^s B^{ss} sum_r Y^{sr}``
2. ``DVA_INT    = V^s sum_r B^{sr} Y^{rr}``
3. ``DVA_INTrex = V^s sum_r sum_{t != s, r} B^{sr} Y^{rt}``
4. ``RDV_FIN    = V^s sum_r B^{sr} Y^{rs}``
5. ``RDV_INT    = V^s sum_r B^{sr} A^{rs} L^{ss} Y^{ss}``
6. ``DDC        = V^s sum_r B^{sr} A^{rs} L^{ss} E^{s*}``
7. ``FVA_FIN    = sum_t V^t B^{ts} sum_r Y^{sr}``
8. ``FVA_INT    = sum_t V^t B^{ts} sum_r A^{sr} L^{rr} Y^{rr}``
9. ``FDC        = sum_t V^t B^{ts} sum_r A^{sr} L^{rr} E^{r*}``

The nine terms add up to gross exports ``u E^{s*}`` exactly when gross output equals row sums.
Term names follow the R package decompr.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts

KWW_TERMS = (
    "DVA_FIN",
    "DVA_INT",
    "DVA_INTrex",
    "RDV_FIN",
    "RDV_INT",
    "DDC",
    "FVA_FIN",
    "FVA_INT",
    "FDC",
)


def kww(acc: ExportAccounts) -> pd.DataFrame:
    """Nine KWW terms by exporting country (rows) plus ``gross_exports``."""
    G = acc.G
    own = acc.own
    # VBY[s, r, k] = V^s B^{sr} Y^{rk}
    VBY = np.einsum("srj,rjk->srk", acc.VB3, acc.Y3, optimize=True)
    foreign_r = ~own  # [s, r]
    g = np.arange(G)
    dva_int = np.where(foreign_r, VBY[g[:, None], g[None, :], g[None, :]], 0.0).sum(axis=1)
    rdv_fin = np.where(foreign_r, VBY[g[:, None], g[None, :], g[:, None]], 0.0).sum(axis=1)
    total_r = np.where(foreign_r, VBY.sum(axis=2), 0.0).sum(axis=1)
    dva_intrex = total_r - dva_int - rdv_fin

    # q_s = sum_{r != s} V^s B^{sr} A^{rs}  (N-vector per s)
    VBm = np.where(foreign_r[:, :, None], acc.VB3, 0.0)
    q = np.stack([VBm[s].reshape(-1) @ acc.system.A[:, s * acc.N : (s + 1) * acc.N] for s in g])
    rdv_int = np.einsum("si,si->s", q, acc.LYdom)
    ddc = np.einsum("si,si->s", q, acc.LEtot)

    yexp = acc.Yexp.sum(axis=2)
    dva_fin = np.einsum("si,si->s", acc.VBdom, yexp)
    fva_fin = np.einsum("si,si->s", acc.VBfor, yexp)
    fva_int = np.einsum("si,si->s", acc.VBfor, acc.A_times(acc.LYdom).sum(axis=2))
    fdc = np.einsum("si,si->s", acc.VBfor, acc.A_times(acc.LEtot).sum(axis=2))
    out = pd.DataFrame(
        {
            "DVA_FIN": dva_fin,
            "DVA_INT": dva_int,
            "DVA_INTrex": dva_intrex,
            "RDV_FIN": rdv_fin,
            "RDV_INT": rdv_int,
            "DDC": ddc,
            "FVA_FIN": fva_fin,
            "FVA_INT": fva_int,
            "FDC": fdc,
        },
        index=pd.Index(acc.table.countries, name="country"),
    )
    out["gross_exports"] = acc.Etot.sum(axis=1)
    return out
