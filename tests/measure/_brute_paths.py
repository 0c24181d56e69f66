"""Brute-force WWYZ terms by explicit sums of matrix powers, classified by border crossings.

Independent of :mod:`gpnlab.measure.production_gvc`: no inverse, no Leontief system. Paths of
k arcs from row i to column j are summed step by step, ``P_{k+1} = P_k A^D`` (a domestic arc)
or ``P_k A^F`` (a border crossing), in three classes by the number of crossings (0, 1, >= 2),
until the terms vanish. Alongside each class the same sums weighted by the number of domestic
arcs before the first crossing (Q), after it (R) and by the number of crossings (K) count the
production stages of WWYZ (2017b): a path of k arcs has k + 1 stages = (Q + 1) + K + R.
"""

from __future__ import annotations

import numpy as np

from gpnlab.table import IOTable


def brute_force(table: IOTable, tol: float = 1e-18, max_steps: int = 5000) -> dict[str, np.ndarray]:
    G, N, n = table.G, table.N, table.n
    x = table.x
    live = x > 0
    A = np.where(live[None, :], table.Z / np.where(live, x, 1.0)[None, :], 0.0)
    v = np.where(live, table.va / np.where(live, x, 1.0), 0.0)
    country = np.repeat(np.arange(G), N)
    same = country[:, None] == country[None, :]
    AD, AF = np.where(same, A, 0.0), np.where(same, 0.0, A)
    Yd = table.Y.reshape(n, G, -1).sum(axis=2)
    y = Yd.sum(axis=1)
    yD = Yd[np.arange(n), country]
    yF = y - yD

    names = ("P", "Q", "R", "K")
    cur = {(m, c): np.zeros((n, n)) for m in names for c in range(3)}
    cur["P", 0] = np.eye(n)
    tot = {key: val.copy() for key, val in cur.items()}
    stages = np.eye(n)  # sum over k of (k + 1) P_k, all classes: the check on the counts
    for k in range(1, max_steps):
        new = {key: np.zeros((n, n)) for key in cur}
        for c in range(3):
            P, Q, R, K = (cur[m, c] for m in names)
            # a domestic arc: same class
            new["P", c] += P @ AD
            new["Q", c] += (Q + (P if c == 0 else 0.0)) @ AD
            new["R", c] += (R + (P if c >= 1 else 0.0)) @ AD
            new["K", c] += K @ AD
            # a foreign arc: one crossing more
            d = min(c + 1, 2)
            new["P", d] += P @ AF
            new["Q", d] += Q @ AF
            new["R", d] += R @ AF
            new["K", d] += (K + P) @ AF
        cur = new
        for key, val in cur.items():
            tot[key] += val
        Pk = cur["P", 0] + cur["P", 1] + cur["P", 2]
        stages += (k + 1) * Pk
        if max(np.abs(val).max() for val in cur.values()) * (k + 1) < tol:
            break
    else:  # pragma: no cover
        raise RuntimeError("power series did not converge")

    def fwd(M: np.ndarray, w: np.ndarray) -> np.ndarray:  # row sums of V̂ M Ŵ
        return v * (M @ w)

    def bwd(M: np.ndarray, w: np.ndarray) -> np.ndarray:  # column sums of V̂ M Ŵ
        return (v @ M) * w

    T = {c: tot["P", c] for c in range(3)}
    dom_seg = {c: tot["Q", c] + tot["P", c] for c in range(3)}
    gvc = T[1] + T[2]
    out: dict[str, np.ndarray] = {}
    for side, f, s in (("V", fwd, "v"), ("Y", bwd, "y")):
        out[f"{side}_D"] = f(T[0], yD)
        out[f"{side}_RT"] = f(T[0], yF)
        out[f"{side}_GVC_S"] = f(T[1], yD)
        out[f"{side}_GVC_C"] = f(T[1], yF) + f(T[2], y)
        out[f"{side}_GVC"] = f(gvc, y)
        out[f"X{s}"] = f(stages, y)
        out[f"X{s}_D"] = f(dom_seg[0], yD)
        out[f"X{s}_RT"] = f(dom_seg[0], yF)
        out[f"X{s}_GVC_D"] = f(dom_seg[1] + dom_seg[2], y)
        out[f"E{s}_GVC"] = f(tot["K", 1] + tot["K", 2], y)
        out[f"X{s}_GVC_F"] = f(tot["R", 1] + tot["R", 2], y)
        out[f"X{s}_GVC_S"] = f(dom_seg[1] + tot["K", 1] + tot["R", 1], yD)
    return out
