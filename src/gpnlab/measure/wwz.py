"""Wang, Wei & Zhu (2013) sixteen-term decomposition at the bilateral-sector level.

Source: Wang, Z., Wei, S.-J. & Zhu, K. (2013), "Quantifying international production sharing
at the bilateral and sector levels", NBER WP 19677, eq. (37). For exports of sector i of
country s to country r (``#`` is the element-wise product, sums over t, u != s as written):

==  ============  =========================================================================
 1  DVA_FIN       (V^s B^{ss})' # Y^{sr}
 2  DVA_INT       (V^s L^{ss})' # (A^{sr} B^{rr} Y^{rr})
 3  DVA_INTrexI1  (V^s L^{ss})' # (A^{sr} sum_{t!=s,r} B^{rt} Y^{tt})
 4  DVA_INTrexF   (V^s L^{ss})' # (A^{sr} B^{rr} sum_{t!=s,r} Y^{rt})
 5  DVA_INTrexI2  (V^s L^{ss})' # (A^{sr} sum_{t!=s,r} B^{rt} sum_{u!=s,t} Y^{tu})
 6  RDV_FIN       (V^s L^{ss})' # (A^{sr} B^{rr} Y^{rs})
 7  RDV_FIN2      (V^s L^{ss})' # (A^{sr} sum_{t!=s,r} B^{rt} Y^{ts})
 8  RDV_INT       (V^s L^{ss})' # (A^{sr} B^{rs} Y^{ss})
 9  DDC_FIN       (V^s L^{ss})' # (A^{sr} B^{rs} sum_{t!=s} Y^{st})
10  DDC_INT       (V^s B^{ss} - V^s L^{ss})' # (A^{sr} x^r)
11  MVA_FIN       (V^r B^{rs})' # Y^{sr}
12  MVA_INT       (V^r B^{rs})' # (A^{sr} L^{rr} Y^{rr})
13  MDC           (V^r B^{rs})' # (A^{sr} L^{rr} E^{r*})
14  OVA_FIN       (sum_{t!=s,r} V^t B^{ts})' # Y^{sr}
15  OVA_INT       (sum_{t!=s,r} V^t B^{ts})' # (A^{sr} L^{rr} Y^{rr})
16  ODC           (sum_{t!=s,r} V^t B^{ts})' # (A^{sr} L^{rr} E^{r*})
==  ============  =========================================================================

Terms 2-9 split ``A^{sr} x^r`` because ``x^r = sum_t B^{rt} Y^{t.}``; 11-16 split it as
``x^r = L^{rr}(Y^{rr} + E^{r*})``. All sixteen add up to ``E^{sr}`` exactly when output equals
row sums. Every sum over third countries is formed as a total minus the excluded countries, so
the cost is O(n^2) after ``B``. Units: the table's money unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.borin_mancini import at_level

WWZ_TERMS = (
    "DVA_FIN",
    "DVA_INT",
    "DVA_INTrexI1",
    "DVA_INTrexF",
    "DVA_INTrexI2",
    "RDV_FIN",
    "RDV_FIN2",
    "RDV_INT",
    "DDC_FIN",
    "DDC_INT",
    "MVA_FIN",
    "MVA_INT",
    "MDC",
    "OVA_FIN",
    "OVA_INT",
    "ODC",
)


def wwz_bilateral(acc: ExportAccounts) -> dict[str, np.ndarray]:
    """The sixteen WWZ terms as [s, i, r] arrays (domestic cells zero)."""
    G = acc.G
    g = np.arange(G)
    # B^{rr} Y^{rk} as [r, j, k]
    BrrY = np.einsum("rjl,rlk->rjk", acc.Bss, acc.Y3)
    BrrYtot = BrrY.sum(axis=2)  # [r, j]
    BrrY_rr = BrrY[g, :, g]  # [r, j]
    BY = acc.BY  # [r, j, k] = sum_t B^{rt} Y^{tk}
    BYtot = BY.sum(axis=2)  # [r, j] = x^r (when output = row sums)
    BYdom = (acc.system.B @ acc.Ydom.reshape(-1)).reshape(G, acc.N)  # sum_t B^{rt} Y^{tt}
    BrsYss = acc.B_times_own(acc.Ydom)  # [r, j, s] = B^{rs} Y^{ss}
    BrsYs = acc.B_times_own(acc.Ytot)  # [r, j, s] = B^{rs} Y^{s.}

    def by_pair(a_rjs: np.ndarray) -> np.ndarray:
        """[r, j, s] -> [s, r, j]"""
        return np.transpose(a_rjs, (2, 0, 1))

    # right-hand vectors w[s, r, j] for terms 2-9
    w2 = np.broadcast_to(BrrY_rr[None], (G, G, acc.N))
    third_dom = BYdom[None] - BrrY_rr[None] - by_pair(BrsYss)  # sum_{t!=s,r} B^{rt} Y^{tt}
    w3 = third_dom
    BrrY_rs = by_pair(BrrY)  # [s, r, j] = B^{rr} Y^{rs}
    w4 = BrrYtot[None] - BrrY_rr[None] - BrrY_rs
    third_tot = BYtot[None] - BrrYtot[None] - by_pair(BrsYs)
    BY_rs = by_pair(BY)  # [s, r, j] = sum_t B^{rt} Y^{ts}
    third_to_s = BY_rs - BrrY_rs - by_pair(BrsYss)  # sum_{t!=s,r} B^{rt} Y^{ts}
    w5 = third_tot - third_dom - third_to_s
    w6 = BrrY_rs
    w7 = third_to_s
    w8 = by_pair(BrsYss)
    w9 = by_pair(BrsYs - BrsYss)

    VL = acc.VL[:, :, None]
    terms: dict[str, np.ndarray] = {}
    terms["DVA_FIN"] = acc.VBdom[:, :, None] * acc.Yexp
    for name, w in zip(WWZ_TERMS[1:9], (w2, w3, w4, w5, w6, w7, w8, w9), strict=True):
        terms[name] = VL * acc.A_times_pair(np.ascontiguousarray(w))
    terms["DDC_INT"] = (acc.VBdom - acc.VL)[:, :, None] * acc.Zexp

    # V^r B^{rs} for exporter (s, i) and importer r: VB3[r, s, i] -> [s, i, r]
    VBr = np.transpose(acc.VB3, (1, 2, 0))
    VBother = acc.VBfor[:, :, None] - VBr  # sum_{t != s, r} V^t B^{ts}
    ALY = acc.A_times(acc.LYdom)
    ALE = acc.A_times(acc.LEtot)
    terms["MVA_FIN"] = VBr * acc.Yexp
    terms["MVA_INT"] = VBr * ALY
    terms["MDC"] = VBr * ALE
    terms["OVA_FIN"] = VBother * acc.Yexp
    terms["OVA_INT"] = VBother * ALY
    terms["ODC"] = VBother * ALE
    for v in terms.values():
        v[g, :, g] = 0.0
    return terms


def wwz(acc: ExportAccounts) -> pd.DataFrame:
    """WWZ terms in long-wide form: one row per (exporter, sector, importer), r != s."""
    terms = wwz_bilateral(acc)
    terms["gross_exports"] = acc.E3
    return at_level(acc, terms, "bilateral")
