"""Borin & Mancini perspectives: world, exporter, sector / bilateral / self perimeters, imports.

Sources: Borin, A. & Mancini, M. (2019), "Measuring what matters in global value chains and
value-added trade", World Bank PRWP 8804 (BM 2019), sections 3-5 and eqs. (39), (47)-(54);
(2023) "Measuring what matters in value-added trade", Economic Systems Research 35(4);
Belotti, Borin & Mancini (2021), Stata Journal 21(3) (``icio``: ``perspective(world |
exporter | sectexp | sectbil | bilat)``, ``approach(source | sink)``, ``imports``). The
term names follow exvatools (``make_exvadec(method = "bm_src" | "bm_snk")``) and icio:
GEXP, DC, DVA, VAX, DAVAX, REF, DDC, FC, FVA, FDC, GVC, GVCB, GVCF, VAXIM; imports GIMP, VA,
DC. The docs are in ``docs/perspectives.md``.

Perspectives (where double counting is judged):

* ``exporter``: the exporting country's border (``borin_mancini``: source 13 terms, sink 9 plus
  VAXIM here);
* ``world``: every border; only the foreign part changes (FVA/FDC), country level only
  (BM 2019 eq. 52 source, eq. 54 sink);
* ``bilateral``: the country pair (s, r): the inverse without ``A^{sr}`` (exvatools ``partner``);
* ``sector``: the exporting country-sector (s, i): the inverse without row (s, i) of the
  foreign blocks ``A^{s,-s}`` (icio ``sectexp``, exvatools ``sector``);
* ``self``: one sectoral-bilateral flow (s, i) -> r: the inverse without row (s, i) of
  ``A^{sr}`` (icio ``sectbil``, exvatools ``partner`` and ``sector`` together).

Each perimeter removes a block of rows of ``A`` from the columns of the perimeter's exports, so
the modified inverse's columns of s are ``B_{.s} (I + P)^-1`` (Woodbury; rank N for a pair,
rank 1 for a sector or a flow) with ``P = A^{sr} B^{rs}`` (pair), ``M_s = sum_{r != s} A^{sr}
B^{rs}`` (country: the exporter perspective) or their diagonal element (sector, flow). One
factorisation (``B``) serves all; nothing n x n is inverted again. 3-d arrays are ``[s, i, r]``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.borin_mancini import BM_TERMS, bm_sink_bilateral, bm_source_bilateral

PERSPECTIVES = ("exporter", "world", "bilateral", "sector", "self")
APPROACHES = ("source", "sink")
LEVELS = ("country", "sector", "bilateral")
PERIMETER_TERMS = ("GEXP", "DC", "DVA", "VAX", "REF", "DDC", "FC", "FVA", "FDC")
SINK_BILATERAL_TERMS = (*PERIMETER_TERMS, "VAXIM")
IMPORT_TERMS = ("GIMP", "VA", "DC")
ALL = "WLD"  # importer / origin of an aggregate row (exvatools' code for the world)
TOTAL = "TOTAL"  # sector of an aggregate row

# levels each perspective is defined at (BM 2019 sec. 4: a perimeter's terms are values of
# that perimeter; finer cells are additive within it, coarser sums would mix perimeters)
_LEVELS = {
    "exporter": LEVELS,
    "world": ("country",),
    "bilateral": ("bilateral",),
    "sector": ("sector", "bilateral"),
    "self": ("bilateral",),
}


# ---------------------------------------------------------------------------------------------
# shared pieces
def _zero_domestic(arr: np.ndarray) -> np.ndarray:
    g = np.arange(arr.shape[0])
    arr[g, :, g] = 0.0
    return arr


def absorbed_abroad_demand(acc: ExportAccounts) -> np.ndarray:
    """``VAXE^{sr} = Y^{sr} + A^{sr} (x^r - sum_t B^{rt} Y^{ts})`` as [s, i, r] (BM 2019 eq. 19).

    The part of the exports ``E^{sr}`` whose output chain ends in final demand outside s;
    ``E - VAXE = A^{sr} (B Y_{.s})^r`` comes back to s's final demand.
    """
    not_home = acc.x2[None, :, :] - np.transpose(acc.BY, (2, 0, 1))
    return acc.Yexp + acc.A_times_pair(not_home)


def pair_reimport(acc: ExportAccounts) -> np.ndarray:
    """``P^{sr} = A^{sr} B^{rs}`` as [s, r, i, k] (N x N per pair; zero for r = s).

    The re-import matrix of the pair perimeter: summed over r != s it is ``M_s = K_s - I``
    (:attr:`ExportAccounts.Kss`).
    """
    P = np.einsum("sirj,rjsk->srik", acc.A4, acc.B4, optimize=True)
    g = np.arange(acc.G)
    P[g, g] = 0.0
    return P


def perimeter_coefficients(acc: ExportAccounts, perspective: str) -> tuple[np.ndarray, np.ndarray]:
    """Value-added-once multipliers ``(c_dom, c_for)`` as [s, i, r] for a perimeter.

    With the perimeter's rows of ``A`` removed from the columns of its exports, the modified
    inverse is ``B* _{.s} = B_{.s} (I + P)^-1`` (Sherman-Morrison-Woodbury), so
    ``c_dom = V^s B^{ss} (I + P)^-1`` and ``c_for = sum_{t != s} V^t B^{ts} (I + P)^-1``
    (BM 2019 eqs. 47-49): ``P = A^{sr} B^{rs}`` for ``bilateral`` (rank N), the diagonal
    element ``M_s[i, i]`` for ``sector`` and ``P^{sr}[i, i]`` for ``self`` (rank 1). The
    ``exporter`` perimeter (``P = M_s``) gives ``V^s L^{ss}`` and BM's eq. 25 coefficient.
    """
    G, N = acc.G, acc.N
    VBd, VBf = acc.VBdom, acc.VBfor
    if perspective == "sector":
        d = 1.0 + np.einsum("sii->si", acc.Kss - np.eye(N)[None])
        return np.repeat((VBd / d)[:, :, None], G, 2), np.repeat((VBf / d)[:, :, None], G, 2)
    P = pair_reimport(acc)
    if perspective == "self":
        d = 1.0 + np.einsum("srii->sir", P)
        return VBd[:, :, None] / d, VBf[:, :, None] / d
    if perspective == "bilateral":
        IP = np.eye(N)[None, None] + P  # [s, r, i, k]
        # c (I + P) = VB  <=>  (I + P)' c' = VB'
        rhs = np.stack(
            [
                np.broadcast_to(VBd[:, None, :], (G, G, N)),
                np.broadcast_to(VBf[:, None, :], (G, G, N)),
            ],
            axis=-1,
        )
        c = np.linalg.solve(np.swapaxes(IP, -1, -2), rhs)  # [s, r, i, 2]
        return np.transpose(c[..., 0], (0, 2, 1)), np.transpose(c[..., 1], (0, 2, 1))
    if perspective == "exporter":
        K = np.swapaxes(acc.Kss, -1, -2)
        cd = np.linalg.solve(K, VBd[:, :, None])[:, :, 0]
        cf = np.linalg.solve(K, VBf[:, :, None])[:, :, 0]
        return np.repeat(cd[:, :, None], G, 2), np.repeat(cf[:, :, None], G, 2)
    raise ValueError(f"no perimeter for perspective {perspective!r}")


def perimeter_bilateral(acc: ExportAccounts, perspective: str) -> dict[str, np.ndarray]:
    """The nine perimeter terms as [s, i, r] arrays for ``bilateral``, ``sector`` or ``self``.

    ``DVA = c_dom E``, ``FVA = c_for E``; content is perimeter-invariant (``DC = V^s B^{ss} E``,
    ``FC = sum_{t != s} V^t B^{ts} E``, BM 2019 sec. 3.2); ``VAX = c_dom VAXE`` and
    ``REF = DVA - VAX`` split the value added by where the export is absorbed, which does not
    depend on the upstream perimeter (exvatools ``make_exvadec(..., partner, sector)``; icio
    ``sectexp``/``sectbil``). At the perimeter's own level source and sink coincide (BM 2019
    sec. 4), so there is one set of terms per perimeter.
    """
    cd, cf = perimeter_coefficients(acc, perspective)
    E = acc.E3
    DC = acc.VBdom[:, :, None] * E
    FC = acc.VBfor[:, :, None] * E
    DVA = _zero_domestic(cd * E)
    FVA = _zero_domestic(cf * E)
    VAX = _zero_domestic(cd * absorbed_abroad_demand(acc))
    return {
        "GEXP": E,
        "DC": DC,
        "DVA": DVA,
        "VAX": VAX,
        "REF": DVA - VAX,
        "DDC": DC - DVA,
        "FC": FC,
        "FVA": FVA,
        "FDC": FC - FVA,
    }


# ---------------------------------------------------------------------------------------------
# VAXIM (sink approach)
def vaxim(acc: ExportAccounts) -> np.ndarray:
    """Domestic value added in ``E^{sr}`` absorbed by the importer r, sink-based, as [s, i, r].

    BM 2019 eq. (39) (icio ``vaxim``): ``VAXIM = (V^s B^{ss}) # [Y^{sr} + A^{sr} L^{rr}
    (Y^{rr} + sum_{j != r} A^{rj} x^{(r, not s)}_j)]`` with ``x^{(r, not s)} = B^{not s}
    Y_{.r}|_{k != s}``: output for r's final demand that does not pass through s's exports
    again, where ``B^{not s}`` is the inverse with ``A^{s,-s}`` removed. By Woodbury on the
    cached ``B``: ``x^{(r, not s)} = B Y_{.r} - B_{.s} K_s^-1 (sum_{j != s} A^{sj} (B Y_{.r})^j
    + Y^{sr})`` with ``K_s = (I - A^{ss}) B^{ss}``. ``DAVAX <= VAXIM <= VAX`` on nonnegative
    tables.
    """
    G, N, n = acc.G, acc.N, acc.n
    A = acc.system.A
    BY = acc.BY  # [j, l, r]
    ABY = (A @ BY.reshape(n, G)).reshape(G, N, G)
    q = ABY - np.einsum("sik,skr->sir", acc.Ass, BY) + acc.Y3  # [s, i, r]
    hat = np.linalg.solve(acc.Kss, q)  # [s, k, r]
    corr = np.einsum("ask,skr->sar", acc.system.B.reshape(n, G, N), hat, optimize=True)
    xr = BY.reshape(n, G)[None, :, :] - corr  # [s, (j, l), r]
    Ar = A.reshape(G, N, n)
    arx = np.empty((G, G, N))  # [s, r, l]: sum_{j != r} A^{rj} x_j
    for r in range(G):
        arx[:, r, :] = (Ar[r] @ xr[:, :, r].T).T
        arx[:, r, :] -= xr[:, r * N : (r + 1) * N, r] @ acc.Ass[r].T
    psi = arx + acc.Ydom[None, :, :]
    phi = acc.Yexp + acc.A_times_pair(np.einsum("rjl,srl->srj", acc.Lss, psi))
    return _zero_domestic(acc.VBdom[:, :, None] * phi)


# ---------------------------------------------------------------------------------------------
# world perspective (country level)
def world_fva(acc: ExportAccounts, approach: str) -> np.ndarray:
    """Foreign value added in each country's exports, world perspective, as [s].

    * ``source`` (BM 2019 eq. 52): counted the first time a non-origin country exports it,
      ``FVA_s = sum_{t != s} V^t L^{tt} A^{ts} L^{ss} E^{s*}``;
    * ``sink`` (BM 2019 eq. 54, the corrected KWW): counted the last time it leaves a
      non-origin border, ``FVA_s = sum_{r != s} [(sum_{t != s} V^t B^{ts}) DAE^{sr} +
      V^r B^{rs} A^{sr} L^{rr} REX^r]`` with ``DAE^{sr} = Y^{sr} + A^{sr} L^{rr} Y^{rr}`` and
      ``REX^r = sum_{j != r} DAE^{rj}``: r's own value added that r re-exports for direct
      absorption is foreign value added of s's exports to r.

    The domestic side is that of the exporter perspective; ``FDC = FC - FVA``. Summed over the
    world both approaches give the same foreign value added.
    """
    G, N = acc.G, acc.N
    if approach == "source":
        VLA = (acc.VL.reshape(-1) @ acc.system.A).reshape(G, N)
        VLA -= np.einsum("sj,sji->si", acc.VL, acc.Ass)  # keep t != s
        return np.einsum("si,si->s", VLA, acc.LEtot)
    if approach == "sink":
        DAE = acc.Yexp + acc.A_times(acc.LYdom)  # [s, i, r]
        Wrex = np.einsum("rjl,rl->rj", acc.Lss, DAE.sum(axis=2))
        own = np.einsum("rsi,sir->s", acc.VB3, acc.A_times(Wrex), optimize=True)
        return np.einsum("si,sir->s", acc.VBfor, DAE) + own
    raise ValueError(f"approach must be source or sink, not {approach!r}")


def world_country(acc: ExportAccounts, approach: str) -> dict[str, np.ndarray]:
    """The nine world-perspective terms per exporter as [s] arrays (BM 2019 sec. 5.1)."""
    src = bm_source_bilateral(acc)
    out = {k: src[k].sum(axis=(1, 2)) for k in PERIMETER_TERMS}
    out["FVA"] = world_fva(acc, approach)
    out["FDC"] = out["FC"] - out["FVA"]
    return out


# ---------------------------------------------------------------------------------------------
# importer perspective
def imports_by_origin(acc: ExportAccounts) -> tuple[np.ndarray, np.ndarray]:
    """Value added and double counting in each country's gross imports, by origin sector.

    BM 2019 eq. (51), importer perspective: the perimeter is the importer r's border. With
    ``d^r = E_{.r}`` (r's imports by exporting country-sector) and ``B~^r`` the inverse without
    r's imported inputs ``A^{tr}, t != r``,

    ``VA[a, r] = v_a (B~^r d^r)_a`` and ``DC[a, r] = v_a (B~^r h^r)_a``,
    ``h^r = sum_{t != r} A^{tr} (B d^r)^r`` (r's re-imports of what its imports embody).

    ``B~^r`` is a rank-N (column block r) change of ``B``: ``B~^r d = B d - W_r K~_r^-1
    (B d)^r`` with ``W_r = B_{.r} (I - A^{rr}) - I_{.r}`` and ``K~_r = B^{rr} (I - A^{rr})``.
    Returns ``(VA, DC)`` as [origin (t, j), importer r] (n x G); ``sum_a VA + DC`` is r's
    gross imports.
    """
    G, N, n = acc.G, acc.N, acc.n
    B = acc.system.B
    v = acc.system.v
    ImA = np.eye(N)[None] - acc.Ass  # [r, j, k]
    Bc = B.reshape(n, G, N)  # [a, r, j]
    W = np.einsum("arj,rjk->ark", Bc, ImA, optimize=True)  # B_{.r} (I - A^{rr})
    g = np.arange(G)
    W.reshape(G, N, G, N)[g, :, g, :] -= np.eye(N)[None]
    Kt = np.einsum("rij,rjk->rik", acc.Bss, ImA)
    d = acc.E3.reshape(n, G)  # d[(s, i), r] = E^{sr}_i

    def btilde(Bd: np.ndarray) -> np.ndarray:
        rr = Bd.reshape(G, N, G)[g, :, g]  # [r, j]
        hat = np.linalg.solve(Kt, rr[:, :, None])[:, :, 0]
        return Bd - np.einsum("ark,rk->ar", W, hat)

    Bd = B @ d
    gr = Bd.reshape(G, N, G)[g, :, g]  # (B d^r)^r as [r, j]
    h = np.einsum("arj,rj->ar", acc.system.A.reshape(n, G, N), gr)
    h.reshape(G, N, G)[g, :, g] = 0.0
    VA = v[:, None] * btilde(Bd)
    DC = v[:, None] * btilde(B @ h)
    return VA, DC


# ---------------------------------------------------------------------------------------------
# tidy frames
def bm_terms(
    acc: ExportAccounts, perspective: str = "exporter", approach: str = "source"
) -> dict[str, np.ndarray]:
    """Term arrays [s, i, r] (or [s] for ``world``) of one perspective and approach."""
    _check(perspective, approach)
    if perspective == "world":
        return world_country(acc, approach)
    if perspective == "exporter":
        if approach == "source":
            return bm_source_bilateral(acc)
        terms = bm_sink_bilateral(acc)
        terms["VAXIM"] = vaxim(acc)
        return terms
    return perimeter_bilateral(acc, perspective)


def bm_decomposition(
    acc: ExportAccounts,
    perspective: str = "exporter",
    approach: str = "source",
    level: str = "country",
) -> pd.DataFrame:
    """Borin-Mancini decomposition of gross exports as a tidy frame.

    Columns ``exporter, importer, sector, term, value``; aggregate rows carry importer
    ``"WLD"`` and sector ``"TOTAL"`` (exvatools' codes). ``level`` is ``country`` (one row
    per exporter and term), ``sector`` (exporter x sector) or ``bilateral`` (exporter x sector
    x importer, r != s). Perspectives and the levels they are defined at: ``exporter`` (all;
    source 13 terms, sink 9 + VAXIM), ``world`` (country; 9 terms), ``sector`` (sector,
    bilateral), ``bilateral`` and ``self`` (bilateral; 9 terms). For the ``bilateral``
    perimeter a pair's value is the sum of its sector rows; for ``sector`` and ``self`` the
    approaches coincide. Raises ``ValueError`` for an unknown or undefined combination.
    """
    _check(perspective, approach)
    if level not in _LEVELS[perspective]:
        raise ValueError(
            f"perspective {perspective!r} is defined at level "
            f"{' or '.join(_LEVELS[perspective])}, not {level!r}"
        )
    terms = bm_terms(acc, perspective, approach)
    t = acc.table
    countries = np.asarray(t.countries, dtype=object)
    sectors = np.asarray(t.sectors, dtype=object)
    names = list(terms)
    if perspective == "world":
        return _tidy(countries, ALL, TOTAL, terms, names)
    if level == "country":
        return _tidy(
            countries, ALL, TOTAL, {k: v.sum(axis=(1, 2)) for k, v in terms.items()}, names
        )
    G, N = acc.G, acc.N
    if level == "sector":
        s_idx = np.repeat(np.arange(G), N)
        return _tidy(
            countries[s_idx],
            ALL,
            sectors[np.tile(np.arange(N), G)],
            {k: v.sum(axis=2).reshape(-1) for k, v in terms.items()},
            names,
        )
    s_idx, i_idx, r_idx = (
        a.reshape(-1) for a in np.meshgrid(np.arange(G), np.arange(N), np.arange(G), indexing="ij")
    )
    keep = s_idx != r_idx
    return _tidy(
        countries[s_idx[keep]],
        countries[r_idx[keep]],
        sectors[i_idx[keep]],
        {k: v.reshape(-1)[keep] for k, v in terms.items()},
        names,
    )


def imports_decomposition(acc: ExportAccounts, level: str = "country") -> pd.DataFrame:
    """Importer-perspective decomposition of gross imports (BM 2019 eq. 51) as a tidy frame.

    Columns ``importer, origin, term, value``. ``country``: per importer GIMP (gross
    imports), VA (value added, counted once at the importer's border) and DC (double
    counting), origin ``"WLD"``; ``bilateral``: VA and DC by origin country of the value
    added (origin = importer is re-imported domestic value added).
    """
    VA, DC = imports_by_origin(acc)
    G, N = acc.G, acc.N
    t = acc.table
    countries = np.asarray(t.countries, dtype=object)
    va = VA.reshape(G, N, G).sum(axis=1)  # [origin, importer]
    dc = DC.reshape(G, N, G).sum(axis=1)
    if level == "country":
        vals = {"GIMP": va.sum(0) + dc.sum(0), "VA": va.sum(0), "DC": dc.sum(0)}
        frames = [
            pd.DataFrame({"importer": countries, "origin": ALL, "term": k, "value": v})
            for k, v in vals.items()
        ]
    elif level == "bilateral":
        imp, ori = np.meshgrid(np.arange(G), np.arange(G), indexing="ij")
        frames = [
            pd.DataFrame(
                {
                    "importer": countries[imp.reshape(-1)],
                    "origin": countries[ori.reshape(-1)],
                    "term": k,
                    "value": m.T.reshape(-1),
                }
            )
            for k, m in (("VA", va), ("DC", dc))
        ]
    else:
        raise ValueError(f"imports level must be country or bilateral, not {level!r}")
    return pd.concat(frames, ignore_index=True)


def _tidy(
    exporter: np.ndarray,
    importer: object,
    sector: object,
    terms: Mapping[str, np.ndarray],
    names: list[str],
) -> pd.DataFrame:
    m = len(exporter)
    frames = [
        pd.DataFrame(
            {
                "exporter": exporter,
                "importer": importer,
                "sector": sector,
                "term": k,
                "value": np.asarray(terms[k], dtype=float).reshape(m),
            }
        )
        for k in names
    ]
    return pd.concat(frames, ignore_index=True)


def _check(perspective: str, approach: str) -> None:
    if perspective not in PERSPECTIVES:
        raise ValueError(
            f"perspective must be one of {', '.join(PERSPECTIVES)}, not {perspective!r}"
        )
    if approach not in APPROACHES:
        raise ValueError(f"approach must be source or sink, not {approach!r}")


__all__ = [
    "APPROACHES",
    "BM_TERMS",
    "IMPORT_TERMS",
    "PERIMETER_TERMS",
    "PERSPECTIVES",
    "SINK_BILATERAL_TERMS",
    "absorbed_abroad_demand",
    "bm_decomposition",
    "bm_terms",
    "imports_by_origin",
    "imports_decomposition",
    "pair_reimport",
    "perimeter_bilateral",
    "perimeter_coefficients",
    "vaxim",
    "world_country",
    "world_fva",
]
