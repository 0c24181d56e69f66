"""Borin & Mancini (2019, 2023) decomposition of gross exports, exporter perspective.

Sources: Borin, A. & Mancini, M. (2019), "Measuring what matters in global value chains and
value-added trade", World Bank PRWP 8804, sections 3-4; (2023) Economic Systems Research 35(4);
Belotti, Borin & Mancini (2021), Stata Journal 21(3) (the ``icio`` command, whose default this is).

Exporter perspective: double counting is judged within the exporting country's own exports,
so the terms are additive over sectors and destinations. For exports ``E^{sr}`` of sector i:

* ``DC  = (V^s B^{ss})_i E``          domestic content;   ``FC = (sum_{t!=s} V^t B^{ts})_i E``
* ``DVA = (V^s L^{ss})_i E``          domestic value added, counted the first time it leaves s
  (source-based); ``DDC = DC - DVA``
* ``FVA = f_i E`` with ``f^s' = (sum_{t!=s} V^t B^{ts}) [(I - A^{ss}) B^{ss}]^-1``, foreign value
  added counted once; ``FDC = FC - FVA``
* ``DAVAX = (V^s L^{ss})_i (Y^{sr} + A^{sr} L^{rr} Y^{rr})_i``: absorbed by the direct importer
* ``VAX = (V^s L^{ss})_i (Y^{sr} + A^{sr} (x^r - sum_t B^{rt} Y^{ts}))_i``: absorbed abroad;
  ``REF = DVA - VAX`` returns home
* ``GVC = E - DAVAX``; ``GVCB = FC + DDC`` (backward); ``GVCF = GVC - GVCB`` (forward).

Identities (exact with output = row sums): ``GEXP = DC + FC``, ``DC = DVA + DDC``,
``FC = FVA + FDC``, ``DVA = VAX + REF``, ``GVC = GVCB + GVCF = GEXP - DAVAX``. At the level of
a country's total exports the source- and sink-based approaches coincide (BM 2019, sec. 4), and
``VAX`` equals Johnson & Noguera's value added exported.

Units: the table's money unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts

BM_TERMS = (
    "GEXP",
    "DC",
    "DVA",
    "VAX",
    "DAVAX",
    "REF",
    "DDC",
    "FC",
    "FVA",
    "FDC",
    "GVC",
    "GVCB",
    "GVCF",
)


def foreign_value_added_coefficient(acc: ExportAccounts) -> np.ndarray:
    """``f^s = VBfor^s [(I - A^{ss}) B^{ss}]^-1`` as [s, i] (BM 2019, eq. 25).

    ``(I - A^{ss}) B^{ss} = I + sum_{j != s} A^{sj} B^{js}`` removes the loops through which
    foreign value added in s's exports would be counted again on re-export.
    """
    eye = np.eye(acc.N)[None]
    K = np.einsum("sij,sjk->sik", eye - acc.Ass, acc.Bss)
    # f K = VBfor  <=>  K' f' = VBfor'
    return np.linalg.solve(np.transpose(K, (0, 2, 1)), acc.VBfor[:, :, None])[:, :, 0]


def bm_source_bilateral(acc: ExportAccounts) -> dict[str, np.ndarray]:
    """The 13 source-based terms as [s, i, r] arrays (domestic cells zero)."""
    E = acc.E3
    VL = acc.VL[:, :, None]
    DC = acc.VBdom[:, :, None] * E
    FC = acc.VBfor[:, :, None] * E
    DVA = VL * E
    FVA = foreign_value_added_coefficient(acc)[:, :, None] * E
    DAE = acc.Yexp + acc.A_times(acc.LYdom)
    # x^r - sum_t B^{rt} Y^{ts}: output of r not absorbed in s, as [s, r, j]
    not_home = acc.x2[None, :, :] - np.transpose(acc.BY, (2, 0, 1))
    VAXE = acc.Yexp + acc.A_times_pair(not_home)
    DAVAX = VL * DAE
    VAX = VL * VAXE
    GVC = E - DAVAX
    DDC = DC - DVA
    GVCB = FC + DDC
    return {
        "GEXP": E,
        "DC": DC,
        "DVA": DVA,
        "VAX": VAX,
        "DAVAX": DAVAX,
        "REF": DVA - VAX,
        "DDC": DDC,
        "FC": FC,
        "FVA": FVA,
        "FDC": FC - FVA,
        "GVC": GVC,
        "GVCB": GVCB,
        "GVCF": GVC - GVCB,
    }


def bm_source(acc: ExportAccounts, level: str = "country") -> pd.DataFrame:
    """Source-based exporter-perspective terms at ``level`` country, sector or bilateral.

    ``bilateral`` is long: one row per (exporter, sector, importer) with r != s.
    """
    terms = bm_source_bilateral(acc)
    t = acc.table
    if level == "bilateral":
        G, N = acc.G, acc.N
        s_idx, i_idx, r_idx = np.meshgrid(np.arange(G), np.arange(N), np.arange(G), indexing="ij")
        keep = (s_idx != r_idx).reshape(-1)
        cols = {k: v.reshape(-1)[keep] for k, v in terms.items()}
        idx = pd.DataFrame(
            {
                "exporter": np.asarray(t.countries, dtype=object)[s_idx.reshape(-1)[keep]],
                "sector": np.asarray(t.sectors, dtype=object)[i_idx.reshape(-1)[keep]],
                "importer": np.asarray(t.countries, dtype=object)[r_idx.reshape(-1)[keep]],
            }
        )
        return pd.concat([idx, pd.DataFrame(cols)], axis=1)
    if level == "sector":
        data = {k: v.sum(axis=2).reshape(-1) for k, v in terms.items()}
        return pd.DataFrame(data, index=t.labels)
    if level == "country":
        data = {k: v.sum(axis=(1, 2)) for k, v in terms.items()}
        return pd.DataFrame(data, index=pd.Index(t.countries, name="country"))
    raise ValueError(f"level must be country, sector or bilateral, not {level!r}")
