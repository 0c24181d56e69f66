"""Shared block quantities of the export decompositions, each computed once.

Notation (Koopman, Wang & Wei 2014; Wang, Wei & Zhu 2013; Borin & Mancini 2019): countries
``s, r, t``; ``A^{sr}`` and ``B^{sr}`` are N x N blocks of the input coefficients and of the
global Leontief inverse; ``L^{ss} = (I - A^{ss})^-1`` is the local (domestic) inverse;
``V^s`` the value-added coefficients of s; ``Y^{sr}`` final demand for s's goods in r;
``E^{sr} = A^{sr} x^r + Y^{sr}`` gross exports; ``E^{s*} = sum_{r != s} E^{sr}``.

Every quantity here costs at most O(G n^2) once ``B`` is known; no block inverse is repeated per
exporter and nothing larger than n x n is formed. 3-d arrays are laid out ``[s, i, r]``:
exporter country, exporter sector, importer country.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from gpnlab.measure.leontief import LeontiefSystem, leontief_system
from gpnlab.table import IOTable


class ExportAccounts:
    """Lazily computed blocks shared by KWW, WWZ, Borin-Mancini and TiVA."""

    def __init__(self, table: IOTable, system: LeontiefSystem | None = None) -> None:
        self.table = table
        self.system = system if system is not None else leontief_system(table)
        self.G, self.N, self.n = table.G, table.N, table.n

    # ---- reshaped views (no copies)
    @property
    def A4(self) -> np.ndarray:
        return self.system.A.reshape(self.G, self.N, self.G, self.N)

    @property
    def B4(self) -> np.ndarray:
        return self.system.B.reshape(self.G, self.N, self.G, self.N)

    @property
    def x2(self) -> np.ndarray:
        return self.table.x.reshape(self.G, self.N)

    @cached_property
    def own(self) -> np.ndarray:
        """Boolean [s, r] mask of the diagonal (domestic) country pairs."""
        return np.eye(self.G, dtype=bool)

    # ---- final demand and exports
    @cached_property
    def Y3(self) -> np.ndarray:
        """Final demand ``Y[s, i, r]`` for (s, i)'s goods in country r."""
        return self.table.Yd.reshape(self.G, self.N, self.G)

    @cached_property
    def Ydom(self) -> np.ndarray:
        """Domestic final demand ``Y^{ss}`` as [s, i]."""
        g = np.arange(self.G)
        return self.Y3[g, :, g]

    @cached_property
    def Ytot(self) -> np.ndarray:
        """Total final demand for (s, i)'s goods, ``Y^{s.}``, as [s, i]."""
        return self.Y3.sum(axis=2)

    @cached_property
    def Yexp(self) -> np.ndarray:
        """Final-goods exports ``Y^{sr}``, r != s, as [s, i, r] (domestic cells zero)."""
        Y = self.Y3.copy()
        g = np.arange(self.G)
        Y[g, :, g] = 0.0
        return Y

    @cached_property
    def Zexp(self) -> np.ndarray:
        """Intermediate exports ``A^{sr} x^r`` as [s, i, r] (domestic cells zero)."""
        Z = np.einsum("sirj,rj->sir", self.A4, self.x2, optimize=True)
        g = np.arange(self.G)
        Z[g, :, g] = 0.0
        return Z

    @cached_property
    def E3(self) -> np.ndarray:
        """Gross exports ``E[s, i, r] = A^{sr} x^r + Y^{sr}`` (r != s; domestic cells zero)."""
        return self.Yexp + self.Zexp

    @cached_property
    def Etot(self) -> np.ndarray:
        """Total gross exports ``E^{s*}`` as [s, i]."""
        return self.E3.sum(axis=2)

    # ---- diagonal blocks and local inverses
    @cached_property
    def Ass(self) -> np.ndarray:
        g = np.arange(self.G)
        return self.A4[g, :, g, :]

    @cached_property
    def Bss(self) -> np.ndarray:
        g = np.arange(self.G)
        return self.B4[g, :, g, :]

    @cached_property
    def Lss(self) -> np.ndarray:
        """Local Leontief inverses ``L^{ss} = (I - A^{ss})^-1``, [s, i, j]."""
        eye = np.eye(self.N)[None, :, :]
        return np.linalg.inv(eye - self.Ass)

    @cached_property
    def Kss(self) -> np.ndarray:
        """``K^s = (I - A^{ss}) B^{ss} = I + sum_{j != s} A^{sj} B^{js}`` as [s, i, j].

        Its inverse removes the loops through which s's exports come back into s's exports
        (Borin & Mancini 2019, eq. 25).
        """
        eye = np.eye(self.N)[None, :, :]
        return np.einsum("sij,sjk->sik", eye - self.Ass, self.Bss)

    # ---- value-added multipliers
    @cached_property
    def v2(self) -> np.ndarray:
        return self.system.v.reshape(self.G, self.N)

    @cached_property
    def VB(self) -> np.ndarray:
        """``VB[t, (s, i)] = (V^t B^{ts})_i``: value added of t per unit of (s, i) (G x n)."""
        B = self.system.B
        out = np.empty((self.G, self.n))
        for t in range(self.G):
            rows = slice(t * self.N, (t + 1) * self.N)
            out[t] = self.system.v[rows] @ B[rows, :]
        return out

    @cached_property
    def VB3(self) -> np.ndarray:
        """``VB`` as [t, s, i]."""
        return self.VB.reshape(self.G, self.G, self.N)

    @cached_property
    def VBdom(self) -> np.ndarray:
        """Domestic value-added multiplier ``V^s B^{ss}`` as [s, i]."""
        g = np.arange(self.G)
        return self.VB3[g, g, :]

    @cached_property
    def VBfor(self) -> np.ndarray:
        """Foreign value-added multiplier ``sum_{t != s} V^t B^{ts}`` as [s, i]."""
        return self.VB3.sum(axis=0) - self.VBdom

    @cached_property
    def VL(self) -> np.ndarray:
        """Local domestic value-added multiplier ``V^s L^{ss}`` as [s, i]."""
        return np.einsum("sj,sji->si", self.v2, self.Lss)

    # ---- output driven by final demand
    @cached_property
    def BY(self) -> np.ndarray:
        """``B Y_d``: output of every (r, j) driven by final demand of each country k, [r, j, k]."""
        return (self.system.B @ self.table.Yd).reshape(self.G, self.N, self.G)

    @cached_property
    def VAFD(self) -> np.ndarray:
        """``diag(v) B Y_d``: value added of each (country, sector) absorbed in each country."""
        return self.system.v[:, None] * self.BY.reshape(self.n, self.G)

    @cached_property
    def LYdom(self) -> np.ndarray:
        """``L^{rr} Y^{rr}`` as [r, j]."""
        return np.einsum("rjl,rl->rj", self.Lss, self.Ydom)

    @cached_property
    def LEtot(self) -> np.ndarray:
        """``L^{rr} E^{r*}`` as [r, j]."""
        return np.einsum("rjl,rl->rj", self.Lss, self.Etot)

    # ---- helpers
    def A_times(self, w: np.ndarray) -> np.ndarray:
        """``[s, i, r] -> (A^{sr} w^r)_i`` for w given as [r, j] (domestic cells zeroed)."""
        out = np.einsum("sirj,rj->sir", self.A4, w, optimize=True)
        g = np.arange(self.G)
        out[g, :, g] = 0.0
        return out

    def A_times_pair(self, w: np.ndarray) -> np.ndarray:
        """``[s, i, r] -> (A^{sr} w^{(s, r)})_i`` for w as [s, r, j] (domestic cells zeroed)."""
        out = np.einsum("sirj,srj->sir", self.A4, w, optimize=True)
        g = np.arange(self.G)
        out[g, :, g] = 0.0
        return out

    def B_times_own(self, w: np.ndarray) -> np.ndarray:
        """``[r, j, s] -> (B^{rs} w^s)_j`` for w given as [s, l]."""
        return np.einsum("rjsl,sl->rjs", self.B4, w, optimize=True)
