"""Miroudot & Ye (2021) source-based decomposition of value added in gross exports.

Source: Miroudot, S. & Ye, M. (2021), "Decomposing value added in gross exports", Economic
Systems Research 33(1), 67-87; terms and conventions as the R package exvatools 0.9 implements
them (``make_exvadec(wio, method = "my")``, Feás 2024).

Miroudot and Ye count value added the *first* time it leaves a country: for exporter s they
use the inverse ``B^o = (I - A^o)^{-1}`` of the coefficient matrix ``A^o`` in which the
perimeter's exports are removed, and split the global inverse as ``B = B^o + B^o A^I B`` with
``A^I = A - A^o`` (so ``B^o A^I B = B - B^o``). For exports ``E^{sr}`` of sector i:

Country perimeter (``perim="country"``, exvatools' default; ``A^o`` zeroes ``A^{sr}``, r != s):

* ``DVA = (V^s B^{o,ss})_i E = (V^s L^{ss})_i E``   domestic value added
* ``DDC = (V^s (B - B^o)^{ss})_i E = (V^s (B^{ss} - L^{ss}))_i E``   domestic double counting
* ``FVA = (sum_{t!=s} V^t B^{o,ts})_i E``   foreign value added, where
  ``B^{o,ts} = B^{ts} (B^{ss})^{-1} L^{ss} = B^{ts} [(I - A^{ss}) B^{ss}]^{-1}`` (the column
  block s of ``(I - A)B = I`` gives ``B^{Rs} = (I - A^{RR})^{-1} A^{Rs} B^{ss}``, and of
  ``(I - A^o) B^o = I`` gives ``B^{o,Rs} = (I - A^{RR})^{-1} A^{Rs} L^{ss}``), so no second
  n x n inverse is formed: one N x N solve per country
* ``FDC = (sum_{t!=s} V^t (B - B^o)^{ts})_i E``   foreign double counting
* ``DC = DVA + DDC``, ``FC = FVA + FDC``; ``EXGR = DC + FC``

World perimeter (``perim="world"``, exvatools ``perim = "WLD"``, ``output = "terms"``): ``A^o``
keeps only the domestic blocks, so ``B^o = diag(L^{11}, ..., L^{GG})``; then
``B^{o,ts} = 0`` for t != s and exvatools reports ``FVA = 0`` with the foreign content split into

* ``FDC1 = (sum_{t!=s} V^t (B^o A^I B^o)^{ts})_i E = (sum_{t!=s} V^t L^{tt} A^{ts} L^{ss})_i E``
* ``FDC2 = (sum_{t!=s} V^t (B^o A^I (B - B^o))^{ts})_i E = FC - FDC1``

DVA and DDC are those of the country perimeter. Every term is an [exporter s, sector i,
importer r] array; Money in the table's unit.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.borin_mancini import at_level, foreign_value_added_coefficient

MY_TERMS = ("EXGR", "DC", "DVA", "DDC", "FC", "FVA", "FDC")
MY_WORLD_TERMS = ("EXGR", "DVA", "DDC", "FVA", "FDC1", "FDC2")

Perimeter = Literal["country", "world"]


def first_crossing_foreign_coefficient(acc: ExportAccounts) -> np.ndarray:
    """``sum_{t != s} (V^t L^{tt}) A^{ts} L^{ss}`` as [s, i] (world perimeter, FDC1 per unit).

    Foreign value added of t in s's output that has crossed exactly one border (t to s).
    """
    G = acc.G
    g = np.arange(G)
    # w[s, k] = sum_t (V^t L^{tt})_j A^{ts}_{jk}, then remove t = s
    w = np.einsum("tj,tjsk->sk", acc.VL, acc.A4, optimize=True)
    w -= np.einsum("sj,sjk->sk", acc.VL, acc.A4[g, :, g, :])
    return np.einsum("sk,ski->si", w, acc.Lss)


def miroudot_ye_bilateral(
    acc: ExportAccounts, perim: Perimeter = "country"
) -> dict[str, np.ndarray]:
    """The Miroudot-Ye terms as [s, i, r] arrays (domestic cells zero); see the module doc."""
    E = acc.E3
    VL = acc.VL[:, :, None]
    DVA = VL * E
    DDC = (acc.VBdom - acc.VL)[:, :, None] * E
    FC = acc.VBfor[:, :, None] * E
    if perim == "country":
        FVA = foreign_value_added_coefficient(acc)[:, :, None] * E
        return {
            "EXGR": E,
            "DC": DVA + DDC,
            "DVA": DVA,
            "DDC": DDC,
            "FC": FC,
            "FVA": FVA,
            "FDC": FC - FVA,
        }
    if perim == "world":
        FDC1 = first_crossing_foreign_coefficient(acc)[:, :, None] * E
        return {
            "EXGR": E,
            "DVA": DVA,
            "DDC": DDC,
            "FVA": np.zeros_like(E),
            "FDC1": FDC1,
            "FDC2": FC - FDC1,
        }
    raise ValueError(f"perim must be 'country' or 'world', not {perim!r}")


def miroudot_ye(
    acc: ExportAccounts, level: str = "country", perim: Perimeter = "country"
) -> pd.DataFrame:
    """Miroudot-Ye terms at ``level`` country, sector or bilateral (exvatools' names)."""
    return at_level(acc, miroudot_ye_bilateral(acc, perim), level)
