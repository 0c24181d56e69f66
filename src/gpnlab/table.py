"""The inter-country input-output table: the one type that both halves of gpnlab share.

Conventions (Miller & Blair 2009, ch. 3; Timmer et al. 2015 for WIOD):

* ``Z`` (n x n): intermediate use; row = producing (country, sector), column = using
  (country, sector). ``n = G * N`` with G countries and N sectors, country-major order.
* ``Y`` (n x G*K): final demand; columns are (destination country, category).
* ``x`` (n): gross output. ``va`` (n): value added, as decompositions use it: the residual
  ``x - 1'Z``, which on a table at basic prices includes the taxes less subsidies on the
  products a sector buys (decompr, exvatools and Stata icio take ``x - colSums(Z)``).
* ``taxes`` (n, optional, zeros when the source has none): of which taxes less subsidies on
  products paid by each using sector (WIOD's TXSP row, OECD ICIO's TLS row; tariffs in the
  simulator's table). Value added at basic prices is ``va - taxes`` (:attr:`IOTable.va_basic`).
* Row identity ``x = Z 1 + Y 1``; column identity ``x = 1'Z + va``. Real tables break the row
  identity by rounding: :func:`IOTable.build` takes ``output="rowsums"`` (recompute x, the
  convention of decompr, exvatools and Stata icio) or ``output="given"`` (keep the published x).
  Value added is the residual ``x - 1'Z`` unless a given one is asked for.

Units are those of the source table (WIOD: millions of US dollars, current prices); the table
records them in ``unit``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from gpnlab.errors import InputError

OutputRule = Literal["rowsums", "given"]
ValueAddedRule = Literal["residual", "given"]


class TableWarning(UserWarning):
    """A quirk of a real table that is handled, not rejected (say what and how)."""


def _as_float(a: object, name: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} holds values that are not numbers ({exc})",
            where=where,
            field=name,
            fix="make every cell numeric",
        ) from exc
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise InputError(
            f"{name} has {bad} NaN or infinite cells",
            where=where,
            field=name,
            fix="fill missing cells with 0 or repair the source file",
        )
    return arr


@dataclass(frozen=True, eq=False)
class IOTable:
    """A labelled inter-country input-output table (build it with :meth:`IOTable.build`).

    Attributes are plain numpy arrays in country-major order; ``labels`` is a
    ``pandas.MultiIndex`` of (country, sector) for rows of ``Z``, ``Y``, ``x`` and ``va``;
    ``fd_labels`` a MultiIndex of (country, category) for columns of ``Y``.
    """

    Z: np.ndarray
    Y: np.ndarray
    x: np.ndarray
    va: np.ndarray
    labels: pd.MultiIndex
    fd_labels: pd.MultiIndex
    unit: str = "millions (currency of the source table)"
    source: str = "memory"
    meta: dict[str, object] = field(default_factory=dict)
    taxes: np.ndarray | None = None

    @property
    def tax_row(self) -> np.ndarray:
        """Taxes less subsidies on products by using sector (zeros when the table has none)."""
        return np.zeros(self.x.shape) if self.taxes is None else self.taxes

    @property
    def va_basic(self) -> np.ndarray:
        """Value added at basic prices: ``va`` less the taxes on products (SNA 2008, 6.77)."""
        return self.va - self.tax_row

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        Z: object,
        Y: object,
        labels: Sequence[tuple[str, str]] | pd.MultiIndex,
        fd_labels: Sequence[tuple[str, str]] | pd.MultiIndex,
        *,
        x: object | None = None,
        va: object | None = None,
        taxes: object | None = None,
        output: OutputRule = "rowsums",
        value_added: ValueAddedRule = "residual",
        unit: str = "millions (currency of the source table)",
        source: str = "memory",
        meta: Mapping[str, object] | None = None,
    ) -> IOTable:
        """Validate, pad and order a table.

        * Rows/columns of ``Z`` and rows of ``Y`` follow ``labels`` (country, sector). Countries
          with fewer sectors than others are padded with zero-output sectors; final-demand
          countries that produce nothing are padded as zero-output countries.
        * ``output="rowsums"`` recomputes gross output as ``Z 1 + Y 1``; ``"given"`` keeps ``x``.
        * ``value_added="residual"`` sets ``va = x - 1'Z``; ``"given"`` keeps ``va``.
        * ``taxes`` (optional): taxes less subsidies on products by using sector, part of ``va``.

        Raises :class:`InputError` for non-square ``Z``, label mismatches, NaN/inf, negative
        intermediate flows, duplicated labels and a missing ``x`` or ``va`` when asked for.
        """
        Zf = _as_float(Z, "Z", source)
        Yf = _as_float(Y, "Y", source)
        if Zf.ndim != 2 or Zf.shape[0] != Zf.shape[1]:
            raise InputError(
                f"Z must be square, got shape {Zf.shape}",
                where=source,
                field="Z",
                fix="give as many columns as rows, one per country-sector",
            )
        rows = _multiindex(labels, ("country", "sector"), source, "Z labels")
        cols = _multiindex(fd_labels, ("country", "category"), source, "Y columns")
        n = Zf.shape[0]
        if n == 0:
            raise InputError(
                "the table is empty (Z is 0 x 0)",
                where=source,
                field="Z",
                fix="give at least one COUNTRY_SECTOR row and column",
            )
        if len(cols) == 0:
            raise InputError(
                "the table has no final-demand columns",
                where=source,
                field="Y",
                fix="give Y at least one COUNTRY_CATEGORY column",
            )
        if len(rows) != n:
            raise InputError(
                f"{len(rows)} row labels for a {n} x {n} Z",
                where=source,
                field="Z labels",
                fix="label every row of Z with one COUNTRY_SECTOR code",
            )
        if Yf.ndim != 2 or Yf.shape != (n, len(cols)):
            raise InputError(
                f"Y has shape {Yf.shape}, expected ({n}, {len(cols)})",
                where=source,
                field="Y",
                fix="give Y one row per row of Z and one column per COUNTRY_CATEGORY label",
            )
        if np.any(Zf < 0):
            k = int(np.count_nonzero(Zf < 0))
            raise InputError(
                f"Z has {k} negative intermediate flows (min {Zf.min():g})",
                where=source,
                field="Z",
                fix="intermediate use cannot be negative; move net adjustments to final demand",
            )
        xf = None if x is None else _as_float(x, "x", source).reshape(-1)
        vaf = None if va is None else _as_float(va, "va", source).reshape(-1)
        txf = None if taxes is None else _as_float(taxes, "taxes", source).reshape(-1)
        for name, arr in (("x", xf), ("va", vaf), ("taxes", txf)):
            if arr is not None and arr.shape != (n,):
                raise InputError(
                    f"{name} has {arr.shape[0]} entries for {n} rows",
                    where=source,
                    field=name,
                    fix=f"give one {name} value per row of Z",
                )
        if output == "given" and xf is None:
            raise InputError(
                "output='given' but the table has no gross output",
                where=source,
                field="x",
                fix="supply x, or use output='rowsums'",
            )
        if value_added == "given" and vaf is None:
            raise InputError(
                "value_added='given' but the table has no value-added row",
                where=source,
                field="va",
                fix="supply va, or use value_added='residual'",
            )

        # ---- pad to a full country x sector grid, country-major
        layout = _layout(rows, cols)
        countries, sectors = list(layout.countries), list(layout.sectors)
        categories = list(layout.categories)
        if layout.grid:
            full, full_fd = rows, cols  # already the full country-major grid (the simulator's)
            pos, fpos = np.arange(n), np.arange(len(cols))
        else:
            full = pd.MultiIndex.from_product([countries, sectors], names=["country", "sector"])
            full_fd = pd.MultiIndex.from_product(
                [countries, categories], names=["country", "category"]
            )
            pos = full.get_indexer(rows)
            fpos = full_fd.get_indexer(cols)
        N = len(full)
        padded = n != N or not np.array_equal(pos, np.arange(n))
        if padded:
            Zp = np.zeros((N, N))
            Zp[np.ix_(pos, pos)] = Zf
            Zf = Zp
        if padded or len(full_fd) != len(cols) or not np.array_equal(fpos, np.arange(len(cols))):
            Yp = np.zeros((N, len(full_fd)))
            Yp[np.ix_(pos, fpos)] = Yf
            Yf = Yp
        if padded:
            if xf is not None:
                xp = np.zeros(N)
                xp[pos] = xf
                xf = xp
            if vaf is not None:
                vp = np.zeros(N)
                vp[pos] = vaf
                vaf = vp
            if txf is not None:
                tp = np.zeros(N)
                tp[pos] = txf
                txf = tp
        extra_fd = [c for c in countries if c not in layout.producing]
        if extra_fd:
            warnings.warn(
                f"{source}: final-demand countries {extra_fd} produce nothing in this table; "
                "they are kept as zero-output countries (pure destinations)",
                TableWarning,
                stacklevel=2,
            )

        with np.errstate(over="ignore", invalid="ignore"):  # overflow is refused just below
            rowsums = Zf.sum(axis=1) + Yf.sum(axis=1)
            _check_sums(rowsums, Zf, Yf, full, source)
        residue = (rowsums <= 0) & (np.abs(Yf).sum(axis=1) + Zf.sum(axis=1) + Zf.sum(axis=0) > 0)
        notes: list[str] = []
        zeroed: list[str] = []
        if output == "rowsums" and np.any(residue):
            # WIOD: e.g. LUX c5/c8 carry re-export and inventory entries that net to <= 0 after
            # rounding to integers; LVA c24 (2002) buys 1 but sells nothing. A sector cannot have
            # negative output; when the flows involved are negligible they are rounding residue.
            names = [f"{a}_{b}" for a, b in full[np.flatnonzero(residue)]]
            moved = float(np.abs(Yf[residue]).sum() + Zf[residue].sum() + Zf[:, residue].sum())
            total = float(np.abs(rowsums).sum())
            if moved > 1e-6 * total:
                raise InputError(
                    f"{len(names)} sector{'s' if len(names) > 1 else ''} ({', '.join(names[:5])}) "
                    f"{'have' if len(names) > 1 else 'has'} zero or negative gross output (row "
                    f"sums of [Z Y]) but {moved:g} of flows",
                    where=source,
                    field="Y",
                    fix="check the final-demand columns (large negative inventories) and Z",
                )
            more = f" and {len(names) - 10} more" if len(names) > 10 else ""
            shown = ", ".join(names[:10]) + more
            note = (
                f"{source}: {len(names)} sector{'s sell' if len(names) > 1 else ' sells'} "
                "nothing net of inventories (row sums of "
                f"[Z Y] <= 0): {shown}; their {moved:g} of absolute flows are rounding residue, "
                "so they are set to zero output and their flows to zero (output='rowsums')"
            )
            # kept on the table too (meta["notes"], meta["rounding_residue"]): the rule changes
            # small economies' numbers, so it must stay visible where warnings are silenced
            notes.append(note)
            zeroed = names
            warnings.warn(note, TableWarning, stacklevel=2)
            Yf = Yf.copy()
            Zf = Zf.copy()
            Yf[residue, :] = 0.0
            Zf[residue, :] = 0.0
            Zf[:, residue] = 0.0
            rowsums = Zf.sum(axis=1) + Yf.sum(axis=1)
        if output == "rowsums":
            if xf is not None:
                gap = xf - rowsums
                if np.any(np.abs(gap) > 1e-9 * max(1.0, float(np.abs(xf).max()))):
                    warnings.warn(
                        f"{source}: published gross output differs from row sums of [Z Y] by "
                        f"{gap.min():.6g} ... {gap.max():.6g}; using row sums (output='rowsums')",
                        TableWarning,
                        stacklevel=2,
                    )
            xf = rowsums
        assert xf is not None
        if value_added == "residual" or vaf is None:
            vaf = xf - Zf.sum(axis=0)
        table = cls(
            Z=Zf,
            Y=Yf,
            x=xf,
            va=vaf,
            labels=full,
            fd_labels=full_fd,
            unit=unit,
            source=source,
            meta=_with_notes(meta, notes, zeroed),
            taxes=txf,
        )
        # the label lists were worked out above: seed the cached properties with them
        table.__dict__.update(countries=countries, sectors=sectors, categories=categories)
        table._warn_quirks()
        return table

    def _warn_quirks(self) -> None:
        zero = int(np.count_nonzero(self.x == 0))
        if zero:
            warnings.warn(
                f"{self.source}: {zero} zero-output sectors; their input coefficients are set to 0 "
                "and their position indicators are NaN",
                TableWarning,
                stacklevel=3,
            )
        if np.any(self.x < 0):
            raise InputError(
                f"{int(np.count_nonzero(self.x < 0))} sectors have negative gross output",
                where=self.source,
                field="x",
                fix="check the final-demand columns (large negative inventories) or the x file",
            )
        live = self.x > 0
        if np.any((self.Z.sum(axis=0) > 0) & ~live):
            raise InputError(
                "a sector with zero output buys intermediate inputs",
                where=self.source,
                field="Z",
                fix="give that sector its gross output or remove its inputs",
            )
        neg_fd = int(np.count_nonzero(self.Y < 0))
        if neg_fd:
            warnings.warn(
                f"{self.source}: {neg_fd} negative final-demand cells (inventory changes); kept",
                TableWarning,
                stacklevel=3,
            )
        neg_va = int(np.count_nonzero(self.va[live] < 0))
        if neg_va:
            warnings.warn(
                f"{self.source}: {neg_va} negative value-added cells (min {self.va.min():.6g}, "
                "rounding in the source); kept, so some input coefficients sum above 1",
                TableWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ shape and labels
    @property
    def n(self) -> int:
        return int(self.Z.shape[0])

    @cached_property
    def countries(self) -> list[str]:
        return _in_order(self.labels, 0)

    @cached_property
    def sectors(self) -> list[str]:
        return _in_order(self.labels, 1)

    @cached_property
    def categories(self) -> list[str]:
        return _in_order(self.fd_labels, 1)

    @property
    def G(self) -> int:
        return len(self.countries)

    @property
    def N(self) -> int:
        return len(self.sectors)

    @cached_property
    def country_of_row(self) -> np.ndarray:
        """Country index (0..G-1) of each row."""
        return np.repeat(np.arange(self.G), self.N)

    @cached_property
    def Yd(self) -> np.ndarray:
        """Final demand summed over categories, by destination country (n x G)."""
        K = len(self.categories)
        return self.Y.reshape(self.n, self.G, K).sum(axis=2)

    # ------------------------------------------------------------------ derived accounts
    def gross_exports(self) -> np.ndarray:
        """Gross exports by (country, sector): sales to all other countries (n)."""
        return self.exports_by_destination().sum(axis=1)

    def exports_by_destination(self) -> np.ndarray:
        """Gross exports ``E[(s,i), r] = Z_(s,i),r 1 + Y_(s,i),r`` for r != s, else 0 (n x G)."""
        G, N = self.G, self.N
        E = self.Z.reshape(self.n, G, N).sum(axis=2) + self.Yd
        E[np.arange(self.n), self.country_of_row] = 0.0
        return E

    def gdp(self) -> pd.Series:
        """Value added by country (GDP at basic prices, in the table's unit)."""
        return pd.Series(
            self.va.reshape(self.G, self.N).sum(axis=1),
            index=pd.Index(self.countries, name="country"),
        )

    def row_gap(self) -> np.ndarray:
        """``x - (Z 1 + Y 1)``: zero when output is row sums; rounding on published tables."""
        return self.x - self.Z.sum(axis=1) - self.Y.sum(axis=1)

    def column_gap(self) -> np.ndarray:
        """``x - (1'Z + va)``: zero unless a given value added disagrees with x."""
        return self.x - self.Z.sum(axis=0) - self.va

    # ------------------------------------------------------------------ aggregation
    def aggregate(
        self,
        countries: Mapping[str, str] | None = None,
        sectors: Mapping[str, str] | None = None,
    ) -> IOTable:
        """Aggregate countries and/or sectors through a mapping (members -> group).

        Unmapped codes keep their own name. A group (say NAFTA) becomes a new exporter: trade
        among its members becomes domestic, so its indicators are *not* sums of its members'.
        Flows, final demand, output and value added are summed, so both identities are kept.
        """
        cmap = dict(countries or {})
        smap = dict(sectors or {})
        for mapping, known, kind in (
            (cmap, self.countries, "country"),
            (smap, self.sectors, "sector"),
        ):
            for code in mapping:
                if code not in known:
                    raise InputError(
                        f"{kind} {code!r} in the aggregation mapping is not in the table",
                        where=self.source,
                        field=f"{kind} mapping",
                        fix=f"use codes among {known[:8]}...",
                    )
        new_rows = pd.MultiIndex.from_arrays(
            [
                [cmap.get(c, c) for c in self.labels.get_level_values(0)],
                [smap.get(s, s) for s in self.labels.get_level_values(1)],
            ],
            names=["country", "sector"],
        )
        new_cols = pd.MultiIndex.from_arrays(
            [
                [cmap.get(c, c) for c in self.fd_labels.get_level_values(0)],
                list(self.fd_labels.get_level_values(1)),
            ],
            names=["country", "category"],
        )
        row_target = pd.MultiIndex.from_tuples(list(dict.fromkeys(new_rows)), names=new_rows.names)
        col_target = pd.MultiIndex.from_tuples(list(dict.fromkeys(new_cols)), names=new_cols.names)
        R = _indicator(row_target.get_indexer(new_rows), len(row_target))
        C = _indicator(col_target.get_indexer(new_cols), len(col_target))
        return IOTable.build(
            R @ self.Z @ R.T,
            R @ self.Y @ C.T,
            row_target,
            col_target,
            x=R @ self.x,
            va=R @ self.va,
            taxes=None if self.taxes is None else R @ self.taxes,
            output="given",
            value_added="given",
            unit=self.unit,
            source=self.source,
            meta={**self.meta, "aggregated": True},
        )

    def with_output(self, output: OutputRule) -> IOTable:
        """The same flows with gross output recomputed (``"rowsums"``) or kept (``"given"``)."""
        return IOTable.build(
            self.Z,
            self.Y,
            self.labels,
            self.fd_labels,
            x=self.x,
            output=output,
            unit=self.unit,
            source=self.source,
            meta=self.meta,
        )


def _with_notes(
    meta: Mapping[str, object] | None, notes: list[str], zeroed: list[str]
) -> dict[str, object]:
    """``meta`` plus the conventions applied while building (``notes``, one line each) and the
    sectors the rounding-residue rule set to zero output (``rounding_residue``)."""
    out = dict(meta or {})
    if notes:
        before = out.get("notes")
        out["notes"] = [*(before if isinstance(before, list) else []), *notes]
    if zeroed:
        out["rounding_residue"] = list(zeroed)
    return out


def _check_sums(
    rowsums: np.ndarray, Z: np.ndarray, Y: np.ndarray, labels: pd.MultiIndex, where: str
) -> None:
    """Refuse values whose row sums of [Z Y] or column sums of Z overflow to infinity (issue 9:
    an all-1e308 table measured as all-NaN). Cells are finite here (:func:`_as_float`)."""
    bad = ~np.isfinite(rowsums)
    if np.all(np.isfinite(Z.sum(axis=0))) and not np.any(bad):
        return
    bad |= ~np.isfinite(Z.sum(axis=0))
    first = labels[int(np.flatnonzero(bad)[0])]
    big = max(float(np.abs(Z).max()), float(np.abs(Y).max()))
    raise InputError(
        f"values overflow: the row sums of [Z Y] or column sums of Z of {int(bad.sum())} "
        f"sectors are infinite (first: {first[0]}_{first[1]}; largest cell {big:.3g})",
        where=where,
        field="Z",
        fix="express the table in a larger unit (e.g. millions instead of units) or repair the "
        "cells",
    )


@dataclass(frozen=True)
class _Layout:
    """What the labels say about the grid: countries (producing first, then final-demand-only
    ones), sectors, categories, whether rows and columns already are the full country-major
    grid, and the producing countries."""

    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    categories: tuple[str, ...]
    grid: bool
    producing: frozenset[str]


_LAYOUTS: dict[tuple[int, int], tuple[pd.MultiIndex, pd.MultiIndex, _Layout]] = {}


def _layout(rows: pd.MultiIndex, cols: pd.MultiIndex) -> _Layout:
    """:class:`_Layout` of a table's labels, remembered for the last few label objects (the
    simulator emits a table with the same label objects every quarter). Entries keep their
    label objects alive, so an ``id`` is never reused while it is remembered."""
    key = (id(rows), id(cols))
    hit = _LAYOUTS.get(key)
    if hit is not None and hit[0] is rows and hit[1] is cols:
        return hit[2]
    countries = _in_order(rows, 0)
    producing = frozenset(countries)
    for c in _in_order(cols, 0):
        if c not in producing and c not in countries:
            countries.append(c)
    layout = _Layout(
        countries=tuple(countries),
        sectors=tuple(_in_order(rows, 1)),
        categories=tuple(_in_order(cols, 1)),
        grid=_is_grid(rows, countries) and _is_grid(cols, countries),
        producing=producing,
    )
    if len(_LAYOUTS) >= 32:
        _LAYOUTS.clear()
    _LAYOUTS[key] = (rows, cols, layout)
    return layout


def _in_order(mi: pd.MultiIndex, level: int) -> list[str]:
    """Distinct values of one level in order of first appearance (``dict.fromkeys`` of the
    level's values), from the level's codes: no Python loop over the labels."""
    codes = np.asarray(mi.codes[level])
    if codes.size and codes.min() < 0:  # missing labels: keep them, as dict.fromkeys would
        return list(dict.fromkeys(mi.get_level_values(level)))
    return list(mi.levels[level].take(pd.unique(codes)).tolist())


def _is_grid(mi: pd.MultiIndex, countries: list[str]) -> bool:
    """True if ``mi`` is every (country, item) pair, country-major, in first-appearance order
    of both levels, with ``countries`` as its first level (what ``from_product`` would give)."""
    c0, c1 = np.asarray(mi.codes[0]), np.asarray(mi.codes[1])
    u0, u1 = pd.unique(c0), pd.unique(c1)
    G, S = len(u0), len(u1)
    return (
        len(countries) == G
        and len(mi) == G * S
        and np.array_equal(c0, np.repeat(u0, S))
        and np.array_equal(c1, np.tile(u1, G))
        and [str(v) for v in mi.levels[0].take(u0).tolist()] == countries
    )


def _indicator(index: np.ndarray, size: int) -> np.ndarray:
    M = np.zeros((size, index.shape[0]))
    M[index, np.arange(index.shape[0])] = 1.0
    return M


def _multiindex(
    labels: Sequence[tuple[str, str]] | pd.MultiIndex,
    names: tuple[str, str],
    where: str,
    field_name: str,
) -> pd.MultiIndex:
    if isinstance(labels, pd.MultiIndex):
        # the same object when already named: its cached checks (duplicates) are kept
        mi = labels if list(labels.names) == list(names) else labels.set_names(list(names))
    else:
        try:
            mi = pd.MultiIndex.from_tuples([(str(a), str(b)) for a, b in labels], names=list(names))
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"labels must be (country, {names[1]}) pairs ({exc})",
                where=where,
                field=field_name,
                fix="label rows COUNTRY_SECTOR and final demand COUNTRY_CATEGORY",
            ) from exc
    if mi.nlevels != 2:
        raise InputError(
            f"labels need two levels, got {mi.nlevels}",
            where=where,
            field=field_name,
            fix="label rows COUNTRY_SECTOR and final demand COUNTRY_CATEGORY",
        )
    if mi.has_duplicates:
        dups = list(dict.fromkeys(f"{a}_{b}" for a, b in mi[mi.duplicated()]))
        shown = ", ".join(dups[:5]) + (f" and {len(dups) - 5} more" if len(dups) > 5 else "")
        raise InputError(
            f"duplicated label{'s' if len(dups) > 1 else ''} {shown}",
            where=where,
            field=field_name,
            fix="each COUNTRY_SECTOR (or COUNTRY_CATEGORY) label may appear once",
        )
    return mi
