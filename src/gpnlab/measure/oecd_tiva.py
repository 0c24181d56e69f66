"""The OECD Trade in Value Added (TiVA) indicator set, as exvatools computes it.

Sources: OECD (2019, 2023), "Guide to OECD TiVA indicators" (indicator names and definitions);
the R package exvatools 0.9 (Feás 2024), ``make_exvadec(wio, method = "oecd", output = "tiva")``
whose formulas this module reproduces to machine precision. Notation as in
:mod:`gpnlab.measure.blocks`; every array is [country s, sector i, partner r]; ``E^{sr}`` gross
exports, ``Y^{sr}`` final demand, ``Z^{sr} 1 = A^{sr} x^r`` intermediate sales.

Trade flows

* ``EXGR = E^{sr}``, ``EXGR_FNL = Y^{sr}``, ``EXGR_INT = A^{sr} x^r`` (r != s)
* ``IMGR[s, i, r] = E^{rs}_i``, ``IMGR_FNL = Y^{rs}_i``, ``IMGR_INT = (A^{rs} x^s)_i`` (imports
  of s from r of products of sector i); ``BALGR = EXGR - IMGR``
* ``DOM_INT = (A^{ss} x^s)_i``, ``DOM_FNL = Y^{ss}_i``, ``DOM = DOM_INT + DOM_FNL`` (partner s)

Value added in gross exports (sector i = exporting sector)

* ``EXGR_DVA = (V^s B^{ss})_i E`` (domestic content)
* ``EXGR_DDC = v^s_i L^{ss}_{ii} E`` (direct domestic industry value added)
* ``EXGR_IDC = (sum_{j != i} v^s_j L^{ss}_{ji}) E`` (indirect domestic value added)
* ``EXGR_RIM = (V^s (B^{ss} - L^{ss}))_i E`` (re-imported domestic value added);
  ``EXGR_DVA = EXGR_DDC + EXGR_IDC + EXGR_RIM``
* ``EXGR_FVA = (sum_{t != s} V^t B^{ts})_i E`` (foreign content); ``EXGR = EXGR_DVA + EXGR_FVA``

Value added in final demand (sector i = origin sector of the value added)

* ``FD_VA[s, i, r] = v^s_i (B Y)^{s}_{i, r}`` (value added of (s, i) absorbed in r; Johnson &
  Noguera 2012); ``DXD_DVA`` its part with r = s, ``FFD_DVA`` with r != s (value added exported)
* ``DFD_FVA[s, i, r] = FD_VA[r, i, s]`` (r != s): value added of (r, i) in s's final demand
  (value added imported); ``BALVAFD = FFD_DVA - DFD_FVA``
* ``REF = EXGR_DDC + EXGR_IDC - FFD_DVA``: exvatools' reflection, the first-crossing domestic
  value added in exports less the value added absorbed abroad (meaningful by country only)

Participation (OECD's DEXFVA and FEXDVA; exvatools calls them DEXFVAP and FEXDVAP)

* ``DEXFVA[s, i, t] = (V^t B^{ts})_i E^{s*}_i`` (t != s): value added of origin t in s's
  exports of sector i; its sum over t is EXGR_FVA
* ``FEXDVA[s, k, r] = (V^s B^{sr})_k E^{r*}_k`` (r != s): value added of s in r's exports of
  sector k (k is the *foreign exporter's* sector, as in exvatools)

Output and value added: ``PROD = x``, ``VALU = va`` (exvatools ``VA``; the residual
``x - 1'Z`` unless the table was built with value added given).

Indicators exvatools does not provide (own implementation of the OECD definitions):

* ``IMGR_DVA[s, i, r] = (V^s B^{sr})_i E^{rs}_i``: s's own value added returning in its imports
* shares (fractions, not percent; country level): ``EXGR_DVASH = EXGR_DVA / EXGR``,
  ``EXGR_FVASH = EXGR_FVA / EXGR``, ``EXGR_DVAFXSH = FEXDVA / EXGR``,
  ``IMGR_DVASH = IMGR_DVA / IMGR``, ``VALU_FFDDVA = FFD_DVA / VALU`` (share of value added
  absorbed abroad). A share of a zero denominator is NaN.

Money in the table's unit. Costs O(G n^2) after the Leontief inverse; no further inverse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.tiva import safe_share

TIVA_INDICATORS = (
    "EXGR",
    "EXGR_FNL",
    "EXGR_INT",
    "IMGR",
    "IMGR_FNL",
    "IMGR_INT",
    "DOM",
    "DOM_FNL",
    "DOM_INT",
    "BALGR",
    "EXGR_DVA",
    "EXGR_DDC",
    "EXGR_IDC",
    "EXGR_RIM",
    "REF",
    "FD_VA",
    "DXD_DVA",
    "FFD_DVA",
    "DFD_FVA",
    "BALVAFD",
    "EXGR_FVA",
    "DEXFVA",
    "FEXDVA",
    "VALU",
    "PROD",
    "IMGR_DVA",
)
SHARE_INDICATORS = ("EXGR_DVASH", "EXGR_FVASH", "EXGR_DVAFXSH", "IMGR_DVASH", "VALU_FFDDVA")

#: OECD name -> exvatools 0.9 name where they differ (``output = "tiva"``).
EXVATOOLS_NAMES = {"DEXFVA": "DEXFVAP", "FEXDVA": "FEXDVAP", "VALU": "VA"}


def _swap(a: np.ndarray) -> np.ndarray:
    """``out[s, i, r] = a[r, i, s]``."""
    return np.ascontiguousarray(np.transpose(a, (2, 1, 0)))


def tiva_arrays(acc: ExportAccounts) -> dict[str, np.ndarray]:
    """Every TiVA flow as an [s, i, r] array (``VALU`` and ``PROD`` in the column r = s)."""
    G, N = acc.G, acc.N
    g = np.arange(G)
    E = acc.E3
    arr: dict[str, np.ndarray] = {}
    arr["EXGR"] = E
    arr["EXGR_FNL"] = acc.Yexp
    arr["EXGR_INT"] = acc.Zexp
    arr["IMGR"] = _swap(E)
    arr["IMGR_FNL"] = _swap(acc.Yexp)
    arr["IMGR_INT"] = _swap(acc.Zexp)
    dom_int = np.zeros((G, N, G))
    dom_int[g, :, g] = np.einsum("sij,sj->si", acc.Ass, acc.x2)
    dom_fnl = np.zeros((G, N, G))
    dom_fnl[g, :, g] = acc.Ydom
    arr["DOM"] = dom_int + dom_fnl
    arr["DOM_FNL"] = dom_fnl
    arr["DOM_INT"] = dom_int
    arr["BALGR"] = E - arr["IMGR"]

    diagL = np.einsum("sii->si", acc.Lss)
    direct = acc.v2 * diagL
    arr["EXGR_DVA"] = acc.VBdom[:, :, None] * E
    arr["EXGR_DDC"] = direct[:, :, None] * E
    arr["EXGR_IDC"] = (acc.VL - direct)[:, :, None] * E
    arr["EXGR_RIM"] = (acc.VBdom - acc.VL)[:, :, None] * E

    fdva = acc.VAFD.reshape(G, N, G)
    dxd = np.zeros_like(fdva)
    dxd[g, :, g] = fdva[g, :, g]
    ffd = fdva - dxd
    arr["REF"] = acc.VL[:, :, None] * E - ffd
    arr["FD_VA"] = fdva
    arr["DXD_DVA"] = dxd
    arr["FFD_DVA"] = ffd
    arr["DFD_FVA"] = _swap(ffd)
    arr["BALVAFD"] = ffd - arr["DFD_FVA"]
    arr["EXGR_FVA"] = acc.VBfor[:, :, None] * E

    VB3 = acc.VB3  # [t, s, i] = (V^t B^{ts})_i
    dexfva = np.transpose(VB3, (1, 2, 0)) * acc.Etot[:, :, None]  # [s, i, t]
    dexfva[g, :, g] = 0.0
    arr["DEXFVA"] = dexfva
    fexdva = np.transpose(VB3, (0, 2, 1)) * np.transpose(acc.Etot)[None, :, :]  # [s, k, r]
    fexdva[g, :, g] = 0.0
    arr["FEXDVA"] = fexdva
    valu = np.zeros((G, N, G))
    valu[g, :, g] = acc.table.va.reshape(G, N)
    prod = np.zeros((G, N, G))
    prod[g, :, g] = acc.x2
    arr["VALU"] = valu
    arr["PROD"] = prod
    # (V^s B^{sr})_i E^{rs}_i: VB3[s, r, i] * E[r, i, s]
    imgr_dva = np.transpose(VB3, (0, 2, 1)) * arr["IMGR"]
    imgr_dva[g, :, g] = 0.0
    arr["IMGR_DVA"] = imgr_dva
    return arr


def _shares(tot: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "EXGR_DVASH": safe_share(tot["EXGR_DVA"], tot["EXGR"]),
        "EXGR_FVASH": safe_share(tot["EXGR_FVA"], tot["EXGR"]),
        "EXGR_DVAFXSH": safe_share(tot["FEXDVA"], tot["EXGR"]),
        "IMGR_DVASH": safe_share(tot["IMGR_DVA"], tot["IMGR"]),
        "VALU_FFDDVA": safe_share(tot["FFD_DVA"], tot["VALU"]),
    }


def tiva_indicators(acc: ExportAccounts, level: str = "country") -> pd.DataFrame:
    """The TiVA set in long form with the OECD names.

    ``level="country"``: columns (country, indicator, value), the shares included;
    ``"sector"``: (country, sector, indicator, value), sums over partners (the sector's meaning
    per indicator is given in the module doc; no shares); ``"partner"``: (country, sector,
    partner, indicator, value) for every partner, the own country included (VALU, PROD, the
    DOM flows and DXD_DVA sit there; the trade flows are zero there).
    """
    arr = tiva_arrays(acc)
    t = acc.table
    countries = np.asarray(t.countries, dtype=object)
    sectors = np.asarray(t.sectors, dtype=object)
    G, N = acc.G, acc.N
    if level == "country":
        tot = {k: v.sum(axis=(1, 2)) for k, v in arr.items()}
        tot.update(_shares(tot))
        names = list(TIVA_INDICATORS) + list(SHARE_INDICATORS)
        return pd.DataFrame(
            {
                "country": np.tile(countries, len(names)),
                "indicator": np.repeat(np.asarray(names, dtype=object), G),
                "value": np.concatenate([tot[k] for k in names]),
            }
        )
    if level == "sector":
        names = list(TIVA_INDICATORS)
        vals = np.concatenate([arr[k].sum(axis=2).reshape(-1) for k in names])
        return pd.DataFrame(
            {
                "country": np.tile(np.repeat(countries, N), len(names)),
                "sector": np.tile(np.tile(sectors, G), len(names)),
                "indicator": np.repeat(np.asarray(names, dtype=object), G * N),
                "value": vals,
            }
        )
    if level == "partner":
        names = list(TIVA_INDICATORS)
        s_idx, i_idx, r_idx = np.meshgrid(np.arange(G), np.arange(N), np.arange(G), indexing="ij")
        s_f, i_f, r_f = s_idx.reshape(-1), i_idx.reshape(-1), r_idx.reshape(-1)
        k = len(names)
        return pd.DataFrame(
            {
                "country": np.tile(countries[s_f], k),
                "sector": np.tile(sectors[i_f], k),
                "partner": np.tile(countries[r_f], k),
                "indicator": np.repeat(np.asarray(names, dtype=object), s_f.size),
                "value": np.concatenate([arr[n].reshape(-1) for n in names]),
            }
        )
    raise ValueError(f"level must be country, sector or partner, not {level!r}")


def tiva_wide(acc: ExportAccounts, level: str = "country") -> pd.DataFrame:
    """The TiVA set wide: one row per country (``level="country"``, shares included) or
    country-sector (``"sector"``), one column per indicator."""
    arr = tiva_arrays(acc)
    t = acc.table
    if level == "country":
        tot = {k: arr[k].sum(axis=(1, 2)) for k in TIVA_INDICATORS}
        tot.update(_shares(tot))
        return pd.DataFrame(tot, index=pd.Index(t.countries, name="country"))
    if level == "sector":
        return pd.DataFrame(
            {k: arr[k].sum(axis=2).reshape(-1) for k in TIVA_INDICATORS}, index=t.labels
        )
    raise ValueError(f"level must be country or sector, not {level!r}")


OECD_OUTPUTS = {
    "standard": ("EXGR", "DC", "DVA", "VAX", "REF", "DDC", "FC", "GVC", "GVCB", "GVCF"),
    "terms": ("EXGR", "EXGR_DDC", "EXGR_IDC", "EXGR_RIM", "EXGR_FVA"),
    "tiva": tuple(EXVATOOLS_NAMES.get(k, k) for k in TIVA_INDICATORS if k != "IMGR_DVA"),
}


def oecd_exvadec(acc: ExportAccounts, output: str = "standard") -> dict[str, np.ndarray]:
    """exvatools' ``make_exvadec(method = "oecd", output = ...)`` as [s, i, r] arrays, with
    exvatools' names (``standard``: DC = EXGR_DVA, DVA = EXGR_DDC + EXGR_IDC, VAX = FFD_DVA,
    DDC = EXGR_RIM, FC = EXGR_FVA, GVCB = DEXFVA, GVCF = FEXDVA, GVC = GVCB + GVCF)."""
    arr = tiva_arrays(acc)
    if output == "standard":
        return {
            "EXGR": arr["EXGR"],
            "DC": arr["EXGR_DVA"],
            "DVA": arr["EXGR_DDC"] + arr["EXGR_IDC"],
            "VAX": arr["FFD_DVA"],
            "REF": arr["REF"],
            "DDC": arr["EXGR_RIM"],
            "FC": arr["EXGR_FVA"],
            "GVC": arr["DEXFVA"] + arr["FEXDVA"],
            "GVCB": arr["DEXFVA"],
            "GVCF": arr["FEXDVA"],
        }
    if output in ("terms", "tiva"):
        back = {v: k for k, v in EXVATOOLS_NAMES.items()}
        return {name: arr[back.get(name, name)] for name in OECD_OUTPUTS[output]}
    raise ValueError(f"output must be standard, terms or tiva, not {output!r}")
