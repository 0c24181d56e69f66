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

from gpnlab.errors import InputError
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


def _positions(names: list[str], wanted: list[str], field: str) -> np.ndarray:
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise InputError(
            f"unknown {field} {', '.join(map(str, unknown))}",
            where="miroudot_ye_perimeter",
            field=field,
            fix=f"use labels of the table: {', '.join(map(str, names[:8]))}"
            + (", ..." if len(names) > 8 else ""),
        )
    return np.array([names.index(w) for w in wanted], dtype=int)


def miroudot_ye_perimeter(
    acc: ExportAccounts,
    exporter: str,
    partners: list[str] | None = None,
    sectors: list[str] | None = None,
) -> pd.DataFrame:
    """Miroudot-Ye terms of one exporter for a bilateral and/or sector perimeter.

    exvatools ``make_exvadec(wio, exporter, method = "my", partner = ..., sector = ...)``:
    ``A^o`` removes only the exports of the perimeter, the rows of ``sectors`` of s (all
    sectors if None) to the columns of ``partners`` (all other countries if None), and every
    term is reported for the perimeter's exports only (other cells zero).

    With ``A^I`` those removed coefficients (nonzero only in the rows of s), the
    Sherman-Morrison-Woodbury identity gives the column block s of the extraction inverse
    without an n x n inverse: ``B^o_{.s} = B_{.s} H^{-1}`` with
    ``H = I_N + A^I_{s.} B_{.s}`` (N x N). For the whole-country perimeter ``H`` is
    ``(I - A^{ss}) B^{ss}`` and the terms are those of :func:`miroudot_ye`.

    Returns one row per (sector, importer), importer != exporter, with :data:`MY_TERMS`.
    """
    t = acc.table
    G, N = acc.G, acc.N
    countries, sector_names = list(t.countries), list(t.sectors)
    s = int(_positions(countries, [exporter], "exporter")[0])
    rows = np.arange(N) if sectors is None else _positions(sector_names, list(sectors), "sectors")
    if partners is None:
        cols_c = np.array([r for r in range(G) if r != s], dtype=int)
    else:
        cols_c = _positions(countries, list(partners), "partners")
        if s in cols_c:
            raise InputError(
                f"the partner list holds the exporter {exporter} itself",
                where="miroudot_ye_perimeter",
                field="partners",
                fix="name only countries other than the exporter",
            )
    A4, B4 = acc.A4, acc.B4
    AI = np.zeros((N, G, N))  # rows of s, all columns as [r, j]
    AI[np.ix_(rows, cols_c, np.arange(N))] = A4[s][np.ix_(rows, cols_c, np.arange(N))]
    Bcol = B4[:, :, s, :]  # [r, j, i] = B_{(r, j), (s, i)}
    H = np.eye(N) + np.einsum("krj,rji->ki", AI, Bcol)
    VBcol = acc.VB3[:, s, :]  # [t, i] = (V^t B^{ts})_i
    VBo = np.linalg.solve(H.T, VBcol.T).T  # [t, i] = (V^t B^{o,ts})_i
    own = np.zeros(G, dtype=bool)
    own[s] = True
    dva = VBo[own].sum(axis=0)
    fva = VBo[~own].sum(axis=0)
    dc = VBcol[own].sum(axis=0)
    fc = VBcol[~own].sum(axis=0)
    mask = np.zeros((N, G), dtype=bool)
    mask[np.ix_(rows, cols_c)] = True
    E = np.where(mask, acc.E3[s], 0.0)  # [i, r]
    terms = {
        "EXGR": E,
        "DC": dc[:, None] * E,
        "DVA": dva[:, None] * E,
        "DDC": (dc - dva)[:, None] * E,
        "FC": fc[:, None] * E,
        "FVA": fva[:, None] * E,
        "FDC": (fc - fva)[:, None] * E,
    }
    i_idx, r_idx = np.meshgrid(np.arange(N), np.arange(G), indexing="ij")
    keep = (r_idx != s).reshape(-1)
    idx = pd.DataFrame(
        {
            "sector": np.asarray(sector_names, dtype=object)[i_idx.reshape(-1)[keep]],
            "importer": np.asarray(countries, dtype=object)[r_idx.reshape(-1)[keep]],
        }
    )
    vals = pd.DataFrame({k: v.reshape(-1)[keep] for k, v in terms.items()})
    return pd.concat([idx, vals], axis=1)
