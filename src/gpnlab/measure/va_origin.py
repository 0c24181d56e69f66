"""Value added by origin country in gross exports, and the WWZ-to-KWW aggregation.

Value added by origin (exvatools 0.9 ``make_exvadir(wio, exporter, va_type = "TC",
flow_type = "EXGR")``, exporter perspective; Koopman, Wang & Wei 2014, the gross "content"
view). For exporter s, sector i, origin country t (t = s included)::

    VAO[t, s, i] = (V^t B^{ts})_i  E^{s*}_i

Summed over t it is gross exports (``sum_t V^t B^{ts} = 1'`` when output equals row sums);
``t = s`` is the domestic content (EXGR_DVA), ``t != s`` the foreign content by origin
(EXGR_FVA, OECD DEXFVA). With ``destination=True`` the exports are split by importer r,
``(V^t B^{ts})_i E^{sr}_i``, which is exvatools' matrix before it is summed over columns.

Value added without double counting (``va_type="TVA"``; exvatools ``va_type = "TVA"``): the
same with the extraction inverse of the exporter (its exports removed, Miroudot & Ye 2021),
``(V^t B^{o,ts})_i E^{s*}_i`` with ``B^{o}_{.s} = B_{.s} [(I - A^{ss}) B^{ss}]^{-1}`` (one N x N
solve per exporter, no n x n inverse). The own origin is then Miroudot-Ye's DVA and the others
their FVA by origin country; the difference from ``"TC"`` is the double counting.

WWZ to KWW (Wang, Wei & Zhu 2013, NBER WP 19677, section 4 and their Table summarising the
correspondence; 2018 revision likewise): summed over importers and sectors, the sixteen
bilateral-sector WWZ terms regroup exactly into Koopman, Wang & Wei's (2014) nine country terms:

==========  ===========================================
KWW         WWZ terms (gpnlab / decompr names)
==========  ===========================================
DVA_FIN     DVA_FIN (T1)
DVA_INT     DVA_INT + DVA_INTrexI1 (T2 + T3)
DVA_INTrex  DVA_INTrexF + DVA_INTrexI2 (T4 + T5)
RDV_FIN     RDV_FIN + RDV_FIN2 (T6 + T7)
RDV_INT     RDV_INT (T8)
DDC         DDC_FIN + DDC_INT (T9 + T10)
FVA_FIN     MVA_FIN + OVA_FIN (T11 + T14)
FVA_INT     MVA_INT + OVA_INT (T12 + T15)
FDC         MDC + ODC (T13 + T16)
==========  ===========================================

T3 (intermediates that r processes into exports absorbed in third countries' domestic final
demand, ``A^{sr} B^{rt} Y^{tt}``) belongs to KWW's DVA_INT because KWW's ``V^s B^{sr} Y^{rr}``
sorts exports by the country whose domestic final demand absorbs them, not by the first
importer; the regrouping holds for country totals, not bilateral cells.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.kww import KWW_TERMS
from gpnlab.measure.wwz import WWZ_TERMS

WWZ_TO_KWW: dict[str, tuple[str, ...]] = {
    "DVA_FIN": ("DVA_FIN",),
    "DVA_INT": ("DVA_INT", "DVA_INTrexI1"),
    "DVA_INTrex": ("DVA_INTrexF", "DVA_INTrexI2"),
    "RDV_FIN": ("RDV_FIN", "RDV_FIN2"),
    "RDV_INT": ("RDV_INT",),
    "DDC": ("DDC_FIN", "DDC_INT"),
    "FVA_FIN": ("MVA_FIN", "OVA_FIN"),
    "FVA_INT": ("MVA_INT", "OVA_INT"),
    "FDC": ("MDC", "ODC"),
}


VaType = Literal["TC", "TVA"]


def origin_multipliers(acc: ExportAccounts, va_type: VaType = "TC") -> np.ndarray:
    """``M[t, s, i]``: value added of origin t per unit of (s, i)'s exports.

    ``"TC"``: ``(V^t B^{ts})_i``; ``"TVA"``: ``(V^t B^{ts} [(I - A^{ss}) B^{ss}]^{-1})_i``.
    """
    if va_type == "TC":
        return acc.VB3
    if va_type == "TVA":
        rhs = np.transpose(acc.VB3, (1, 2, 0))  # [s, i, t]
        sol = np.linalg.solve(np.transpose(acc.Kss, (0, 2, 1)), rhs)  # K_s' y = VB_s'
        return np.ascontiguousarray(np.transpose(sol, (2, 0, 1)))
    raise ValueError(f"va_type must be 'TC' or 'TVA', not {va_type!r}")


def va_origin_array(acc: ExportAccounts, va_type: VaType = "TC") -> np.ndarray:
    """``VAO[t, s, i] = M[t, s, i] E^{s*}_i`` (origin t, exporter s, sector i)."""
    return origin_multipliers(acc, va_type) * acc.Etot[None, :, :]


def va_origin(
    acc: ExportAccounts, destination: bool = False, va_type: VaType = "TC"
) -> pd.DataFrame:
    """Value added of each origin country in each exporter's gross exports, by sector.

    Long form: columns (origin, exporter, sector, value), or with ``destination=True``
    (origin, exporter, sector, importer, value) for exports to each importer r != exporter.
    ``va_type`` ``"TC"`` (gross content, default) or ``"TVA"`` (value added, no double
    counting), as exvatools' ``make_exvadir``.
    """
    t = acc.table
    G, N = acc.G, acc.N
    countries = np.asarray(t.countries, dtype=object)
    sectors = np.asarray(t.sectors, dtype=object)
    if not destination:
        o, s, i = np.meshgrid(np.arange(G), np.arange(G), np.arange(N), indexing="ij")
        return pd.DataFrame(
            {
                "origin": countries[o.reshape(-1)],
                "exporter": countries[s.reshape(-1)],
                "sector": sectors[i.reshape(-1)],
                "value": va_origin_array(acc, va_type).reshape(-1),
            }
        )
    vals = origin_multipliers(acc, va_type)[:, :, :, None] * acc.E3[None, :, :, :]  # [t, s, i, r]
    o, s, i, r = np.meshgrid(np.arange(G), np.arange(G), np.arange(N), np.arange(G), indexing="ij")
    keep = (s != r).reshape(-1)
    return pd.DataFrame(
        {
            "origin": countries[o.reshape(-1)[keep]],
            "exporter": countries[s.reshape(-1)[keep]],
            "sector": sectors[i.reshape(-1)[keep]],
            "importer": countries[r.reshape(-1)[keep]],
            "value": vals.reshape(-1)[keep],
        }
    )


def wwz_to_kww(wwz_frame: pd.DataFrame) -> pd.DataFrame:
    """Aggregate WWZ's sixteen terms into KWW's nine country terms (table in the module doc).

    ``wwz_frame`` is :func:`gpnlab.measure.wwz` output (one row per exporter, sector and
    importer, with an ``exporter`` column) or any frame holding the sixteen term columns and
    either an ``exporter`` column or a ``country`` index level. Returns one row per exporting
    country (index ``country``), the nine KWW columns in :data:`KWW_TERMS` order, plus
    ``gross_exports`` when the input has it.
    """
    missing = [c for c in WWZ_TERMS if c not in wwz_frame.columns]
    if missing:
        raise InputError(
            f"the WWZ frame lacks the term columns {', '.join(missing)}",
            where="wwz_to_kww",
            field="wwz_frame",
            fix="pass the frame returned by gpnlab.measure.wwz(acc)",
        )
    cols = list(WWZ_TERMS) + (["gross_exports"] if "gross_exports" in wwz_frame else [])
    if "exporter" in wwz_frame.columns:
        by = wwz_frame.groupby("exporter", sort=False)[cols].sum()
    elif "country" in (wwz_frame.index.names or []):
        by = wwz_frame.groupby(level="country", sort=False)[cols].sum()
    else:
        raise InputError(
            "the WWZ frame has neither an 'exporter' column nor a 'country' index level",
            where="wwz_to_kww",
            field="wwz_frame",
            fix="pass the frame returned by gpnlab.measure.wwz(acc)",
        )
    out = pd.DataFrame(
        {k: by[list(parts)].sum(axis=1) for k, parts in WWZ_TO_KWW.items()}, index=by.index
    )[list(KWW_TERMS)]
    if "gross_exports" in by:
        out["gross_exports"] = by["gross_exports"]
    out.index.name = "country"
    return out
