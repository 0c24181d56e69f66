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
    K = acc.Kss
    # f K = VBfor  <=>  K' f' = VBfor'
    return np.linalg.solve(np.transpose(K, (0, 2, 1)), acc.VBfor[:, :, None])[:, :, 0]


def tax_in_dva(acc: ExportAccounts) -> np.ndarray:
    """The part of source-based DVA that is taxes on products, as [s, i] (exporting sector).

    DVA is linear in the value-added coefficients: ``DVA^s = V^s L^{ss} E^{s*}``, and ``v``
    splits into value added at basic prices and taxes less subsidies on products,
    ``v = v_basic + t`` with ``t = taxes / x``. This returns ``T^s L^{ss} E^{s*}``; DVA without
    the taxes row is ``DVA - tax_in_dva`` (zeros when the table has no taxes row).
    """
    table = acc.table
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(table.x > 0, table.tax_row / np.where(table.x > 0, table.x, 1.0), 0.0)
    TL = np.einsum("sj,sji->si", t.reshape(acc.G, acc.N), acc.Lss)
    return TL * acc.Etot


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


SINK_TERMS = ("GEXP", "DC", "DVA", "VAX", "REF", "DDC", "FC", "FVA", "FDC")


def bm_sink_bilateral(acc: ExportAccounts) -> dict[str, np.ndarray]:
    """The nine sink-based terms as [s, i, r] arrays (BM 2019, sec. 4.2; BM 2023, eq. 20-24).

    Sink-based: value added is counted the *last* time it leaves s. Of the exports ``E^{sr}``
    only the part that never feeds s's exports again counts as value added:

    * ``X~ = x - B_{.s} K_s^-1 E^{s*}`` with ``K_s = (I - A^{ss}) B^{ss}``: world output not
      absorbed in s's exports;
    * ``Ψ^{sr} = Y^{r.} + (A X~)^r - A^{rr} X~^r``: r's sales that do not feed s's exports;
    * ``Φ^{sr} = Y^{sr} + A^{sr} L^{rr} Ψ^{sr}``; ``DVA = (V^s B^{ss}) # Φ``,
      ``FVA = (sum_{t!=s} V^t B^{ts}) # Φ``;
    * reflection: the same with output driven by s's own final demand,
      ``X~_s = B Y_{.s} - B_{.s} K_s^-1 sum_{r!=s} A^{sr} (B Y_{.s})^r``, gives
      ``REF = (V^s B^{ss}) # A^{sr} L^{rr} Ψ_s^{sr}``; ``VAX = DVA - REF``.

    DC and FC equal the source-based ones cell by cell; summed over a country's exports every
    term equals the source-based country total. Costs two n x G products with A and B.
    """
    G, N, n = acc.G, acc.N, acc.n
    g = np.arange(G)
    K = acc.Kss
    A = acc.system.A

    def not_feeding_exports(demand: np.ndarray) -> np.ndarray:
        """[s, i] demand on s -> X~ (n x G): world output minus that needed for it via B_{.s}."""
        hat = np.linalg.solve(K, demand[:, :, None])[:, :, 0]  # [s, i]
        return acc.B_times_own(hat).reshape(n, G)  # [(r, j), s]

    def psi(Xt: np.ndarray, first: np.ndarray) -> np.ndarray:
        """[s, r, j] = first[s, r, j] + (A X~)^r - A^{rr} X~^r, for the column s of X~."""
        AX = (A @ Xt).reshape(G, N, G)  # [r, j, s]
        own = np.einsum("rjl,rls->rjs", acc.Ass, Xt.reshape(G, N, G))
        return first + np.transpose(AX - own, (2, 0, 1))

    x = acc.table.x
    Xt = x[:, None] - not_feeding_exports(acc.Etot)
    Psi = psi(Xt, np.broadcast_to(acc.Ytot[None], (G, G, N)))
    Phi = acc.Yexp + acc.A_times_pair(np.einsum("rjl,srl->srj", acc.Lss, Psi))

    BY = acc.BY  # [r, j, s]
    # sum_{r != s} A^{sr} (B Y_{.s})^r: s's intermediate exports that come back to s's final use
    returning = np.einsum("sirj,rjs->si", acc.A4, BY, optimize=True)
    returning -= np.einsum("sij,sj->si", acc.Ass, _own_cols(BY))
    Xts = BY.reshape(n, G) - not_feeding_exports(returning)
    Psis = psi(Xts, np.transpose(acc.Y3, (2, 0, 1)))  # Y^{rs} as [s, r, j]
    Phir = acc.A_times_pair(np.einsum("rjl,srl->srj", acc.Lss, Psis))

    E = acc.E3
    VBd, VBf = acc.VBdom[:, :, None], acc.VBfor[:, :, None]
    DC, FC = VBd * E, VBf * E
    DVA, FVA, REF = VBd * Phi, VBf * Phi, VBd * Phir
    for arr in (DVA, FVA, REF):
        arr[g, :, g] = 0.0
    return {
        "GEXP": E,
        "DC": DC,
        "DVA": DVA,
        "VAX": DVA - REF,
        "REF": REF,
        "DDC": DC - DVA,
        "FC": FC,
        "FVA": FVA,
        "FDC": FC - FVA,
    }


def _own_cols(BY: np.ndarray) -> np.ndarray:
    """[r, j, s] -> [s, j]: the block s of column s (output of s driven by s's final demand)."""
    g = np.arange(BY.shape[0])
    return BY[g, :, g]


def bm_source(acc: ExportAccounts, level: str = "country") -> pd.DataFrame:
    """Source-based exporter-perspective terms (13) at ``level`` country, sector or bilateral."""
    return at_level(acc, bm_source_bilateral(acc), level)


def bm_sink(acc: ExportAccounts, level: str = "country") -> pd.DataFrame:
    """Sink-based exporter-perspective terms (9) at ``level`` country, sector or bilateral."""
    return at_level(acc, bm_sink_bilateral(acc), level)


def at_level(acc: ExportAccounts, terms: dict[str, np.ndarray], level: str) -> pd.DataFrame:
    """Sum [s, i, r] term arrays to ``country`` or ``sector`` rows, or list them ``bilateral``.

    ``bilateral`` is long-wide: one row per (exporter, sector, importer) with r != s.
    """
    t = acc.table
    if level == "bilateral":
        G, N = acc.G, acc.N
        s_idx, i_idx, r_idx = np.meshgrid(np.arange(G), np.arange(N), np.arange(G), indexing="ij")
        keep = (s_idx != r_idx).reshape(-1)
        idx = pd.DataFrame(
            {
                "exporter": np.asarray(t.countries, dtype=object)[s_idx.reshape(-1)[keep]],
                "sector": np.asarray(t.sectors, dtype=object)[i_idx.reshape(-1)[keep]],
                "importer": np.asarray(t.countries, dtype=object)[r_idx.reshape(-1)[keep]],
            }
        )
        cols = pd.DataFrame({k: v.reshape(-1)[keep] for k, v in terms.items()})
        return pd.concat([idx, cols], axis=1)
    if level == "sector":
        return pd.DataFrame(
            {k: v.sum(axis=2).reshape(-1) for k, v in terms.items()}, index=t.labels
        )
    if level == "country":
        return pd.DataFrame(
            {k: v.sum(axis=(1, 2)) for k, v in terms.items()},
            index=pd.Index(t.countries, name="country"),
        )
    raise ValueError(f"level must be country, sector or bilateral, not {level!r}")
