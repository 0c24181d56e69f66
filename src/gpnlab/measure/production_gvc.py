"""Production-based GVC participation, production length and position (Wang, Wei, Yu & Zhu 2017).

Notation: ``A = A^D + A^F`` with ``A^D`` the block-diagonal (domestic) input coefficients and
``A^F`` the off-diagonal (foreign) ones; ``B = (I - A)^-1`` the global and
``L = (I - A^D)^-1`` the block-diagonal local Leontief inverse; ``V̂ = diag(v)``; ``Ŷ = diag(y)``
with ``y`` the final goods produced by each country-sector (summed over destinations),
``y = y^D + y^F`` (domestic final demand ``Y^{ss}``, final-goods exports). Since
``B = L + L A^F B``:

Participation (Wang, Wei, Yu & Zhu 2017a, NBER WP 23222, section 2)::

    V̂BŶ = V̂LŶ^D + V̂LŶ^F + V̂LA^F LŶ^D + V̂LA^F (BŶ - LŶ^D)
           V_D      V_RT     V_GVC_S      V_GVC_C

``V_D`` pure domestic (value added produced and absorbed at home, no border crossed); ``V_RT``
traditional trade (crosses a border once, as a final good); ``V_GVC_S`` simple GVC (crosses
once, as an intermediate, absorbed by the direct importer's domestic final demand);
``V_GVC_C`` complex GVC (crosses more than once). Row sums split value added by origin
(forward: ``v ∘ B y = va``); column sums split final goods by producer (backward:
``v'B ∘ y = y``). Forward participation ``V_GVC / va``, backward ``Y_GVC / y``.

Production length (Wang, Wei, Yu & Zhu 2017b, NBER WP 23261): the output induced
along a chain counts each stage once, ``V̂BBŶ = V̂ (sum_k (k+1) A^k) Ŷ``, so

* ``PLv = v ∘ BBy / va`` (forward) and ``PLy = (v'BB) ∘ y / y`` (backward), total;
* ``PLv_D = V̂LLŶ^D u / V_D``, ``PLv_RT = V̂LLŶ^F u / V_RT``;
* GVC: ``V̂(BB - LL)Ŷ = V̂LLA^F BŶ + V̂BA^F BŶ + V̂LA^F BA^D BŶ``, the domestic segment
  (stages in the source country before the first crossing), the border crossings and the
  foreign segment (domestic stages after the first crossing, abroad or back home), so
  ``PLv_GVC = PLv_GVC_D + CBv_GVC + PLv_GVC_F``, each over ``V_GVC``; the international part
  is ``PLv_GVC_I = CBv_GVC + PLv_GVC_F``. The same matrices summed by column give the backward
  ``PLy_GVC = PLy_GVC_D + CBy_GVC + PLy_GVC_F`` over ``Y_GVC``. Simple and complex GVC
  lengths use ``V̂LLA^F LŶ^D + V̂LA^F LŶ^D + V̂LA^F LA^D LŶ^D`` and the remainder.
* GVC position (2017b): ``GVCPs = PLv_GVC / PLy_GVC`` of the same country-sector.

Country figures sum numerators and denominators over sectors before dividing. (The papers'
text was not available in this session; the definitions are the papers' as restated in the
UIBE GVC index concept note, and every numerator is checked against explicit power-series
path sums in tests/measure/_brute_paths.py.)

Cost: after ``B`` (one LU factorisation, :func:`gpnlab.measure.leontief.leontief_system`) and
the local inverses ``L^{ss}`` (G small N x N inverses, :class:`ExportAccounts`), everything is
about a dozen matrix-vector products with ``B`` and block products with ``A``, ``L``: O(n^2).
No n x n matrix is formed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.leontief import LeontiefSystem, leontief_system
from gpnlab.measure.threads import blas_limit
from gpnlab.table import IOTable

#: The four parts of each side, in the order of the papers.
FORWARD_PARTS = ("V_D", "V_RT", "V_GVC_S", "V_GVC_C")
BACKWARD_PARTS = ("Y_D", "Y_RT", "Y_GVC_S", "Y_GVC_C")

#: Length columns: (name, numerator, denominator) of the forward side; the backward side is the
#: same with ``v`` -> ``y``, ``V_`` -> ``Y_``.
_LENGTHS = (
    ("PLv", "Xv", "va"),
    ("PLv_D", "Xv_D", "V_D"),
    ("PLv_RT", "Xv_RT", "V_RT"),
    ("PLv_GVC", "Xv_GVC", "V_GVC"),
    ("PLv_GVC_D", "Xv_GVC_D", "V_GVC"),
    ("CBv_GVC", "Ev_GVC", "V_GVC"),
    ("PLv_GVC_F", "Xv_GVC_F", "V_GVC"),
    ("PLv_GVC_I", "Xv_GVC_I", "V_GVC"),
    ("PLv_GVC_S", "Xv_GVC_S", "V_GVC_S"),
    ("PLv_GVC_C", "Xv_GVC_C", "V_GVC_C"),
)


Source = LeontiefSystem | ExportAccounts | IOTable


def _accounts(source: Source, threads: int | None = None) -> ExportAccounts:
    """The accounts of ``source``; a bare table is factorised here (once)."""
    if isinstance(source, ExportAccounts):
        return source
    if isinstance(source, IOTable):
        return ExportAccounts(source, leontief_system(source, threads=threads))
    return ExportAccounts(source.table, source)


class _Ops:
    """Block products with ``L``, ``A^D``, ``A^F`` and ``B`` on (n,) or (n, k) arrays."""

    def __init__(self, acc: ExportAccounts) -> None:
        self.G, self.N, self.n = acc.G, acc.N, acc.n
        self.B = acc.system.B
        self.A4 = acc.A4
        self.Ass = acc.Ass
        self.Lss = acc.Lss
        self.off = ~np.eye(self.G, dtype=bool)

    def _g(self, w: np.ndarray) -> np.ndarray:
        return w.reshape(self.G, self.N, -1)

    def _back(self, w: np.ndarray, like: np.ndarray) -> np.ndarray:
        return w.reshape(like.shape)

    # right products M w
    def L(self, w: np.ndarray) -> np.ndarray:
        """``L w`` (block-diagonal local inverse)."""
        return self._back(np.einsum("sij,sjk->sik", self.Lss, self._g(w)), w)

    def AD(self, w: np.ndarray) -> np.ndarray:
        """``A^D w``."""
        return self._back(np.einsum("sij,sjk->sik", self.Ass, self._g(w)), w)

    def AF(self, w: np.ndarray) -> np.ndarray:
        """``A^F w``, summed over foreign blocks only (no cancellation against ``A^D w``)."""
        blocks = np.einsum("sirj,rjk->sirk", self.A4, self._g(w), optimize=True)
        return self._back(np.einsum("sirk,sr->sik", blocks, self.off), w)

    def Bx(self, w: np.ndarray) -> np.ndarray:
        """``B w``."""
        return self.B @ w

    # left products w' M (w given as (n,) or (k, n))
    def _gl(self, w: np.ndarray) -> np.ndarray:
        return w.reshape(-1, self.G, self.N)

    def tL(self, w: np.ndarray) -> np.ndarray:
        """``w' L``."""
        return self._back(np.einsum("ksi,sij->ksj", self._gl(w), self.Lss), w)

    def tAD(self, w: np.ndarray) -> np.ndarray:
        """``w' A^D``."""
        return self._back(np.einsum("ksi,sij->ksj", self._gl(w), self.Ass), w)

    def tAF(self, w: np.ndarray) -> np.ndarray:
        """``w' A^F``."""
        blocks = np.einsum("ksi,sirj->ksrj", self._gl(w), self.A4, optimize=True)
        return self._back(np.einsum("ksrj,sr->krj", blocks, self.off), w)

    def tB(self, w: np.ndarray) -> np.ndarray:
        """``w' B``."""
        return w @ self.B


def production_terms(system_or_acc: Source) -> dict[str, np.ndarray]:
    """Numerators and denominators of WWYZ (2017a, b) by country-sector, n-vectors.

    Forward (row sums of the n x n matrices, by value-added origin): ``va``, ``V_D``, ``V_RT``,
    ``V_GVC_S``, ``V_GVC_C``, ``V_GVC`` and output induced ``Xv``, ``Xv_D``, ``Xv_RT``,
    ``Xv_GVC`` (= ``Xv_GVC_D + Ev_GVC + Xv_GVC_F``), ``Xv_GVC_I``, ``Xv_GVC_S``, ``Xv_GVC_C``.
    Backward (column sums, by final-goods producer): the same with ``y`` / ``Y_`` / ``Xy``.
    Formulas in the module docstring.
    """
    acc = _accounts(system_or_acc)
    op = _Ops(acc)
    v = acc.system.v
    table = acc.table
    y = table.Yd.sum(axis=1)
    yD = acc.Ydom.reshape(-1)
    yF = y - yD

    t: dict[str, np.ndarray] = {"va": table.va.copy(), "y": y}
    # ---- forward: value added by origin (column vectors)
    LyD, LyF = op.L(np.column_stack([yD, yF])).T
    By = op.Bx(y)
    AF_By = op.AF(By)
    AF_LyD = op.AF(LyD)
    LAF_LyD = op.L(AF_LyD)
    t["V_D"] = v * LyD
    t["V_RT"] = v * LyF
    t["V_GVC_S"] = v * LAF_LyD
    t["V_GVC_C"] = v * op.L(op.AF(By - LyD))
    t["V_GVC"] = v * op.L(AF_By)
    # lengths: B (B y), B (A^F B y), B (A^D B y) in one product
    BBy, B_AF_By, B_AD_By = op.Bx(np.column_stack([By, AF_By, op.AD(By)])).T
    t["Xv"] = v * BBy
    t["Xv_D"] = v * op.L(LyD)
    t["Xv_RT"] = v * op.L(LyF)
    t["Xv_GVC_D"] = v * op.L(op.L(AF_By))  # V̂ L L A^F B y
    t["Ev_GVC"] = v * B_AF_By  # V̂ B A^F B y
    t["Xv_GVC_F"] = v * op.L(op.AF(B_AD_By))  # V̂ L A^F B A^D B y
    # simple GVC: V̂LLA^F L y^D + V̂LA^F L y^D + V̂LA^F L A^D L y^D
    xs = op.L(LAF_LyD) + LAF_LyD + op.L(op.AF(op.L(op.AD(LyD))))
    t["Xv_GVC_S"] = v * xs

    # ---- backward: final goods by producer (row vectors)
    vL = op.tL(v)
    vLL = op.tL(vL)
    vLAF = op.tAF(vL)
    vLAFL = op.tL(vLAF)
    vB, vLAFB = op.tB(np.vstack([v, vLAF]))
    t["Y_D"] = vL * yD
    t["Y_RT"] = vL * yF
    t["Y_GVC_S"] = vLAFL * yD
    t["Y_GVC_C"] = vLAFB * y - vLAFL * yD
    t["Y_GVC"] = vLAFB * y
    vBB, vLLAFB, vBAFB, vLAFBADB = op.tB(np.vstack([vB, op.tAF(vLL), op.tAF(vB), op.tAD(vLAFB)]))
    t["Xy"] = vBB * y
    t["Xy_D"] = vLL * yD
    t["Xy_RT"] = vLL * yF
    t["Xy_GVC_D"] = vLLAFB * y
    t["Ey_GVC"] = vBAFB * y
    t["Xy_GVC_F"] = vLAFBADB * y
    ys = op.tL(op.tAF(vLL)) + vLAFL + op.tL(op.tAD(vLAFL))
    t["Xy_GVC_S"] = ys * yD

    for side in ("v", "y"):
        d, e, f = t[f"X{side}_GVC_D"], t[f"E{side}_GVC"], t[f"X{side}_GVC_F"]
        t[f"X{side}_GVC_I"] = e + f
        t[f"X{side}_GVC"] = d + e + f
        t[f"X{side}_GVC_C"] = t[f"X{side}_GVC"] - t[f"X{side}_GVC_S"]
    return t


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 (a length or share of nothing is undefined)."""
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den != 0)


def _frame(t: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    cols: dict[str, np.ndarray] = {"value_added": t["va"], "final_goods": t["y"]}
    for name in (*FORWARD_PARTS, "V_GVC", *BACKWARD_PARTS, "Y_GVC"):
        cols[name] = t[name]
    va, y = t["va"], t["y"]
    cols["gvc_forward"] = _ratio(t["V_GVC"], va)
    cols["gvc_forward_simple"] = _ratio(t["V_GVC_S"], va)
    cols["gvc_forward_complex"] = _ratio(t["V_GVC_C"], va)
    cols["gvc_backward"] = _ratio(t["Y_GVC"], y)
    cols["gvc_backward_simple"] = _ratio(t["Y_GVC_S"], y)
    cols["gvc_backward_complex"] = _ratio(t["Y_GVC_C"], y)
    for name, num, den in _LENGTHS:
        cols[name] = _ratio(t[num], t[den])
    for name, num, den in _LENGTHS:
        yname = name.replace("PLv", "PLy").replace("CBv", "CBy")
        ynum = num.replace("Xv", "Xy").replace("Ev", "Ey")
        yden = "y" if den == "va" else den.replace("V_", "Y_")
        cols[yname] = _ratio(t[ynum], t[yden])
    cols["gvc_position"] = _ratio(cols["PLv_GVC"], cols["PLy_GVC"])
    return pd.DataFrame(cols, index=index)


def production_participation(
    system_or_acc: Source,
    *,
    threads: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """WWYZ (2017a) participation and WWYZ (2017b) length and position: ``(country, sector)``.

    Both frames have the same columns: ``value_added``, ``final_goods``; the four forward
    parts ``V_D, V_RT, V_GVC_S, V_GVC_C`` (and ``V_GVC``) of value added, the four backward
    parts ``Y_D, Y_RT, Y_GVC_S, Y_GVC_C`` (and ``Y_GVC``) of final goods (money in the table's
    unit); participation ``gvc_forward = V_GVC / va`` with its ``_simple`` / ``_complex`` parts
    and ``gvc_backward = Y_GVC / y`` likewise (fractions); average production lengths (number
    of stages) ``PLv, PLv_D, PLv_RT, PLv_GVC = PLv_GVC_D + CBv_GVC + PLv_GVC_F``,
    ``PLv_GVC_I = CBv_GVC + PLv_GVC_F``, ``PLv_GVC_S, PLv_GVC_C`` and the backward ``PLy...``
    twins; ``gvc_position = PLv_GVC / PLy_GVC``. Shares and lengths of zero are NaN. The sector
    frame is indexed by (country, sector), the country frame by country; country lengths and
    shares are ratios of sums over sectors. ``threads``: BLAS threads for the products with
    ``B`` (``None``: the rule of :func:`gpnlab.measure.threads.blas_threads`). A bare
    :class:`IOTable` is accepted too (then ``I - A`` is factorised here).
    """
    acc = _accounts(system_or_acc, threads)
    with np.errstate(over="ignore", invalid="ignore"), blas_limit(acc.n, threads):
        t = production_terms(acc)
        sector = _frame(t, acc.table.labels)
        by_country = {k: a.reshape(acc.G, acc.N).sum(axis=1) for k, a in t.items()}
        country = _frame(by_country, pd.Index(acc.table.countries, name="country"))
    return country, sector
