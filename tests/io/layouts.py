"""Small hand-made tables in the exact release layouts (OECD ICIO 2016 / 2021, WIOD 2016, ADB MRIO,
FIGARO flat CSV), written from known arrays so that a reader can be checked cell by cell.

Each writer returns the :class:`Truth` it wrote: ``Z``, ``Y`` (columns in ``fd`` order), ``x``
(= row sums), ``taxes``, the published value added ``va_given`` and the residual ``x - 1'Z``,
with the row labels ``rows`` and final-demand labels ``fd`` (country, category).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Truth:
    rows: list[tuple[str, str]]
    fd: list[tuple[str, str]]
    Z: np.ndarray
    Y: np.ndarray
    x: np.ndarray
    taxes: np.ndarray
    va_given: np.ndarray
    others: np.ndarray  # the other primary inputs (k x n), part of the residual

    @property
    def va_residual(self) -> np.ndarray:
        return self.x - self.Z.sum(axis=0)


def make_truth(
    countries: list[str],
    sectors: list[str],
    fd_countries: list[str],
    cats: list[str],
    *,
    seed: int = 0,
    n_others: int = 2,
    integers: bool = True,
) -> Truth:
    """Random flows with consistent row and column totals: ``x = Z1 + Y1 = 1'Z + taxes +
    va_given + others``."""
    rng = np.random.default_rng(seed)
    rows = [(c, s) for c in countries for s in sectors]
    n = len(rows)
    fd = [(c, k) for c in fd_countries for k in cats]
    draw = (
        (lambda lo, hi, size: rng.integers(lo, hi, size=size).astype(float))
        if integers
        else (lambda lo, hi, size: np.round(rng.uniform(lo, hi, size=size), 3))
    )
    Z = draw(0, 20, (n, n))
    Y = draw(20, 90, (n, len(fd)))
    Y[:, [j for j, (_c, k) in enumerate(fd) if k == cats[-1]]] -= 5.0  # inventories: negative
    x = Z.sum(axis=1) + Y.sum(axis=1)
    taxes = draw(0, 4, n)
    others = draw(-2, 3, (n_others, n))
    va_given = x - Z.sum(axis=0) - taxes - others.sum(axis=0)
    return Truth(rows, fd, Z, Y, x, taxes, va_given, others)


def _fmt(v: float) -> str:
    return repr(float(v))


def _write(path: Path, lines: list[list[str]]) -> None:
    with open(path, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)


# ---------------------------------------------------------------------------- OECD ICIO
FD_2021 = ["HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR"]
FD_2018 = ["HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "P33"]
FD_2016 = ["HFCE", "NPS", "GGFC", "GFCF", "INV", "DIRP"]


def write_icio_2021(
    path: Path, t: Truth, *, tax_countries: list[str], seed: int = 1
) -> list[list[str]]:
    """The 2018/2021 layout: ``TOTAL`` column, one ``XXX_TAXSUB`` row per country (the taxes of
    each using sector split at random over them), ``VALU`` and ``OUTPUT`` rows."""
    rng = np.random.default_rng(seed)
    labels = [f"{c}_{s}" for c, s in t.rows]
    fd = [f"{c}_{k}" for c, k in t.fd]
    n, nf = len(labels), len(fd)
    share = rng.dirichlet(np.ones(len(tax_countries)), size=n).T  # (countries, n)
    tax_rows = share * t.taxes
    lines = [["", *labels, *fd, "TOTAL"]]
    for i, lab in enumerate(labels):
        lines.append([lab, *map(_fmt, t.Z[i]), *map(_fmt, t.Y[i]), _fmt(t.x[i])])
    for k, c in enumerate(tax_countries):  # taxes on final demand: present, never read
        fdt = rng.integers(0, 9, nf).astype(float)
        lines.append([f"{c}_TAXSUB", *map(_fmt, tax_rows[k]), *map(_fmt, fdt), "0.0"])
    lines.append(["VALU", *map(_fmt, t.va_given + t.others.sum(axis=0)), *[""] * nf, ""])
    lines.append(["OUTPUT", *map(_fmt, t.x), *["0.0"] * nf, "0.0"])
    _write(path, lines)
    return lines


def write_icio_2016(path: Path, t: Truth, *, zero_rows: tuple[str, ...] = ()) -> list[list[str]]:
    """The 2016 layout: final demand category-first (``HFCE_AUS``, grouped by category), the
    last category's column of each country moved into one ``DISC`` column, ``VA+TAXSUB`` and
    ``OUT`` rows, no total column; ``zero_rows`` adds all-zero rows and columns for those
    countries (CHN beside CN1/CN2, as in the release)."""
    cats = list(dict.fromkeys(k for _c, k in t.fd))
    dest = list(dict.fromkeys(c for c, _k in t.fd))
    sectors = list(dict.fromkeys(s for _c, s in t.rows))
    labels = [f"{c}_{s}" for c, s in t.rows]
    extra = [f"{c}_{s}" for c in zero_rows for s in sectors]
    order = [(c, k) for k in cats[:-1] for c in dest]  # category first, by category
    fd_cols = [f"{k}_{c}" for c, k in order]
    pos = {lab: j for j, lab in enumerate(t.fd)}
    disc = t.Y[:, [pos[(c, cats[-1])] for c in dest]].sum(axis=1)
    head = ["", *labels, *extra, *fd_cols, "DISC"]
    lines = [head]
    zeros_extra = ["0"] * len(extra)
    for i, lab in enumerate(labels):
        lines.append(
            [
                lab,
                *map(_fmt, t.Z[i]),
                *zeros_extra,
                *(_fmt(t.Y[i, pos[o]]) for o in order),
                _fmt(disc[i]),
            ]
        )
    for lab in extra:
        lines.append([lab, *["0"] * (len(head) - 1)])
    va = t.x - t.Z.sum(axis=0)
    tail = ["0"] * (len(fd_cols) + 1)
    lines.append(["VA+TAXSUB", *map(_fmt, va), *zeros_extra, *tail])
    lines.append(["OUT", *map(_fmt, t.x), *zeros_extra, *tail])
    _write(path, lines)
    return lines


# ---------------------------------------------------------------------------- WIOD 2016
WIOD_FD = ["CONS_h", "CONS_np", "CONS_g", "GFCF", "INVEN"]
WIOD_SPECIAL = ["II_fob", "TXSP", "EXP_adj", "PURR", "PURNR", "VA", "IntTTM", "GO"]


def write_wiod2016(path: Path, t: Truth) -> list[list[str]]:
    """The WIOT sheet exported as CSV: two title lines, the sector-name line, the code line, the
    country line, the column-number line, data lines (code, description, country, row number),
    then the rows II_fob ... GO with country TOT. ``t.others`` must have 4 rows (EXP_adj, PURR,
    PURNR, IntTTM)."""
    assert t.others.shape[0] == 4
    sectors = list(dict.fromkeys(s for _c, s in t.rows))
    n, nf = len(t.rows), len(t.fd)
    width = 4 + n + nf + 1
    num = {s: f"c{k + 1}" for k, s in enumerate(sectors)}
    fdnum = {k: f"c{len(sectors) + 1 + m}" for m, k in enumerate(WIOD_FD)}
    lines = [
        ["World Input-Output Table 2014", *[""] * (width - 1)],
        ["(millions of US$)", *[""] * (width - 1)],
        [
            "",
            "",
            "",
            "",
            *(f"Sector {s}" for _c, s in t.rows),
            *(f"Use {k}" for _c, k in t.fd),
            "Total output",
        ],
        ["", "", "", "", *(s for _c, s in t.rows), *(k for _c, k in t.fd), "GO"],
        ["", "", "", "", *(c for c, _s in t.rows), *(c for c, _k in t.fd), "TOT"],
        ["", "", "", "", *(num[s] for _c, s in t.rows), *(fdnum[k] for _c, k in t.fd), "c62"],
    ]
    for i, (c, s) in enumerate(t.rows):
        lines.append(
            [s, f"Sector {s}", c, num[s], *map(_fmt, t.Z[i]), *map(_fmt, t.Y[i]), _fmt(t.x[i])]
        )
    exp_adj, purr, purnr, ittm = t.others
    special = {
        "II_fob": t.Z.sum(axis=0),
        "TXSP": t.taxes,
        "EXP_adj": exp_adj,
        "PURR": purr,
        "PURNR": purnr,
        "VA": t.va_given,
        "IntTTM": ittm,
        "GO": t.x,
    }
    for k, code in enumerate(WIOD_SPECIAL):
        fd_cells = ["7.0"] * nf if code in ("PURR", "TXSP") else ["0"] * nf  # never read
        lines.append(
            [code, f"{code} row", "TOT", f"r{64 + k}", *map(_fmt, special[code]), *fd_cells, ""]
        )
    _write(path, lines)
    return lines


# ---------------------------------------------------------------------------- ADB MRIO
ADB_FD = ["F1", "F2", "F3", "F4", "F5"]
ADB_ROWS = [
    ("r61", "Taxes less subsidies on products"),
    ("r62", "Cif/ fob adjustments on exports"),
    ("r63", "Direct purchases abroad by residents"),
    ("r64", "Purchases on the domestic territory by non-residents"),
    ("r65", "Value added at basic prices"),
    ("r66", "International Transport Margins"),
]


def write_adb(path: Path, t: Truth, *, note: bool = True) -> list[list[str]]:
    """The ADB MRIO sheet as CSV: four title lines, the sector-name line, the country line, the
    code line (c1 ... F5, blank over ToT), data lines, r60, the six value-added rows, r69 and a
    footnote. ``t.others`` must have 4 rows (the cif/fob, DPA, PNR and margin rows)."""
    assert t.others.shape[0] == 4
    sectors = list(dict.fromkeys(s for _c, s in t.rows))
    n, nf = len(t.rows), len(t.fd)
    width = 4 + n + nf + 2
    code = {s: f"c{k + 1}" for k, s in enumerate(sectors)}
    blank = [""] * (width - 1)
    lines = [
        ["Multiregional Input-Output Table 2019", *blank],
        ["62 economies, at current prices (industry by industry)", *blank],
        ["In millions of US$", *blank],
        ["", *blank],
        [
            "",
            "",
            "",
            "",
            *(f"Sector {s}" for _c, s in t.rows),
            *(f"Use {k}" for _c, k in t.fd),
            "Total",
            "",
        ],
        ["", "", "", "", *(c for c, _s in t.rows), *(c for c, _k in t.fd), "ToT", ""],
        ["", "", "", "", *(code[s] for _c, s in t.rows), *(k for _c, k in t.fd), "", ""],
    ]
    for i, (c, s) in enumerate(t.rows):
        lines.append(
            [
                "",
                f"Sector {s}",
                c,
                code[s],
                *map(_fmt, t.Z[i]),
                *map(_fmt, t.Y[i]),
                _fmt(t.x[i]),
                "x",
            ]
        )
    cif, dpa, pnr, itm = t.others
    vectors = [t.taxes, cif, dpa, pnr, t.va_given, itm]
    lines.append(
        [
            "",
            "Intermediate input total",
            "ToT",
            "r60",
            *map(_fmt, t.Z.sum(axis=0)),
            *["0"] * nf,
            "0",
            "",
        ]
    )
    for (rc, desc), vec in zip(ADB_ROWS, vectors, strict=True):
        lines.append(["", desc, "ToT", rc, *map(_fmt, vec), *["0"] * nf, "0", ""])
    lines.append(["", "Total output", "ToT", "r69", *map(_fmt, t.x), *["0"] * nf, "0", ""])
    if note:
        lines.append(["Note: totals may not add up due to rounding.", *blank])
    _write(path, lines)
    return lines


# ---------------------------------------------------------------------------- FIGARO
def write_figaro(path: Path, t: Truth, *, drop_zeros: bool = True) -> list[list[str]]:
    """The FIGARO flat file, one line per cell (``icsupRow, icuseCol, refArea, rowPi,
    counterpartArea, colPi, obsValue``); zero cells left out when ``drop_zeros``. ``t.others``
    must have 4 rows: B2A3G, D29X39, OP_RES, OP_NRES; ``va_given`` is D1, so the published
    gross value added is ``va_given + B2A3G + D29X39``."""
    assert t.others.shape[0] == 4
    head = ["icsupRow", "icuseCol", "refArea", "rowPi", "counterpartArea", "colPi", "obsValue"]
    lines = [head]

    def add(ra: str, rp: str, ca: str, cp: str, v: float) -> None:
        if drop_zeros and v == 0:
            return
        lines.append([f"{ra}_{rp}", f"{ca}_{cp}", ra, rp, ca, cp, _fmt(v)])

    for i, (rc, rs) in enumerate(t.rows):
        for j, (cc, cs) in enumerate(t.rows):
            add(rc, rs, cc, cs, t.Z[i, j])
        for j, (cc, ck) in enumerate(t.fd):
            add(rc, rs, cc, ck, t.Y[i, j])
    b2, d29, opr, opn = t.others
    d1 = t.va_given
    for name, vec in (
        ("D1", d1),
        ("B2A3G", b2),
        ("D29X39", d29),
        ("D21X31", t.taxes),
        ("OP_RES", opr),
        ("OP_NRES", opn),
    ):
        for j, (cc, cs) in enumerate(t.rows):
            add(cc, name, cc, cs, vec[j])
    _write(path, lines)
    return lines
