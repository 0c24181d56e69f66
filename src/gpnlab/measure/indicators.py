"""The full indicator set of a table, computed once from one Leontief factorisation.

This is what ``gpnlab measure`` writes. Country table columns (money in the table's unit,
shares as fractions of gross exports):

``gross_exports, dva, vax, fva, fdc, ddc, gvc_backward, gvc_forward`` -- Borin & Mancini,
exporter perspective, source-based (the default of Stata ``icio``), GVCB and GVCF as
``gvc_backward`` / ``gvc_forward``; ``vs_share`` (Hummels-Ishii-Yi, global inverse),
``vax_ratio`` (Johnson-Noguera), ``gvc_backward_share``, ``gvc_forward_share``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.bm_perspectives import (
    APPROACHES,
    PERSPECTIVES,
    bm_terms,
    imports_decomposition,
)
from gpnlab.measure.borin_mancini import bm_sink_bilateral, bm_source_bilateral, tax_in_dva
from gpnlab.measure.kww import kww
from gpnlab.measure.leontief import LeontiefSystem, leontief_system
from gpnlab.measure.linkages import linkage_indices
from gpnlab.measure.miroudot_ye import miroudot_ye
from gpnlab.measure.oecd_tiva import tiva_wide
from gpnlab.measure.position import downstreamness, upstreamness
from gpnlab.measure.production_gvc import production_participation
from gpnlab.measure.threads import blas_limit
from gpnlab.measure.tiva import safe_share, vax_and_vs
from gpnlab.measure.va_origin import va_origin
from gpnlab.measure.wwz import wwz
from gpnlab.resources import check_memory
from gpnlab.table import IOTable

Progress = Callable[[str], None]


@dataclass
class Indicators:
    """Outputs of :func:`measure_all` as labelled frames."""

    country: pd.DataFrame
    sector: pd.DataFrame
    bilateral: pd.DataFrame
    kww: pd.DataFrame
    wwz: pd.DataFrame | None = None
    bilateral_sink: pd.DataFrame | None = None
    #: further output tables by name (:data:`EXTRA_FILES`): production participation,
    #: imports, the OECD TiVA set, Miroudot-Ye, value added by origin
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: the accounts (one factorisation, blocks cached) the frames came from: further
    #: indicators on the same table reuse them
    accounts: ExportAccounts | None = field(default=None, repr=False, compare=False)

    @property
    def system(self) -> LeontiefSystem | None:
        """The Leontief system of :attr:`accounts`."""
        return None if self.accounts is None else self.accounts.system


def measure_all(
    table: IOTable,
    *,
    with_wwz: bool = False,
    with_sink: bool = False,
    progress: Progress | None = None,
    threads: int | None = None,
    perspective: str = "exporter",
    approach: str = "source",
    with_imports: bool = False,
    with_extras: bool = True,
) -> Indicators:
    """Compute the country, sector, bilateral (Borin-Mancini) and KWW tables.

    ``perspective`` and ``approach`` pick the Borin-Mancini variant of ``bilateral`` and of
    the upper-case term columns added to ``country`` (:mod:`gpnlab.measure.bm_perspectives`;
    the lower-case headline columns are always exporter perspective, source-based). The
    ``world`` perspective is defined at the country level only, so ``bilateral`` then stays
    exporter / source; ``bilateral``, ``sector`` and ``self`` perimeters are defined below the
    country, so they add no country columns. ``with_imports`` adds the importer-perspective
    decomposition of gross imports; ``with_extras`` (default) the tables of
    :data:`EXTRA_FILES` that cost O(n^2) after the inverse.

    ``progress`` is called with the name of each step as it starts. Overflow in the arithmetic
    raises no numpy warning: non-finite results are refused at the end (:func:`check_finite`).
    ``threads``: BLAS threads for every dense kernel of the run; ``None`` applies the
    size-based rule of :func:`gpnlab.measure.threads.blas_threads`.
    """
    with np.errstate(over="ignore", invalid="ignore"), blas_limit(table.n, threads) as k:
        return _measure_all(
            table,
            with_wwz=with_wwz,
            with_sink=with_sink,
            progress=progress,
            threads=k,
            perspective=perspective,
            approach=approach,
            with_imports=with_imports,
            with_extras=with_extras,
        )


def _measure_all(
    table: IOTable,
    *,
    with_wwz: bool,
    with_sink: bool,
    progress: Progress | None,
    threads: int,
    perspective: str,
    approach: str,
    with_imports: bool,
    with_extras: bool,
) -> Indicators:
    check_variant(perspective, approach, where=table.source)
    step = progress or (lambda _name: None)
    check_memory(
        memory_estimate(table.n, table.G, with_wwz=with_wwz, with_sink=with_sink),
        what=f"measuring a table of {table.n} rows ({table.G} countries)",
        where=table.source,
        field="Z",
        fix="aggregate the table (IOTable.aggregate) or raise --max-memory on a larger machine",
    )
    step("Leontief inverse")
    system = leontief_system(table, threads=threads)
    acc = ExportAccounts(table, system)
    step("Borin-Mancini")
    terms = bm_source_bilateral(acc)
    country_terms = {k: v.sum(axis=(1, 2)) for k, v in terms.items()}
    step("TiVA and vertical specialisation")
    vv = vax_and_vs(acc)
    gexp = country_terms["GEXP"]
    dva_taxes = tax_in_dva(acc).sum(axis=1)
    country = pd.DataFrame(
        {
            "gross_exports": gexp,
            "dva": country_terms["DVA"],
            # of which taxes less subsidies on products (the table's taxes row; 0 without one)
            "dva_taxes": dva_taxes,
            "dva_basic": country_terms["DVA"] - dva_taxes,
            "vax": country_terms["VAX"],
            "fva": country_terms["FVA"],
            "fdc": country_terms["FDC"],
            "ddc": country_terms["DDC"],
            "gvc_backward": country_terms["GVCB"],
            "gvc_forward": country_terms["GVCF"],
            "vs_share": vv["vs_share"].to_numpy(),
            "vax_ratio": vv["vax_ratio"].to_numpy(),
            "gvc_backward_share": safe_share(country_terms["GVCB"], gexp),
            "gvc_forward_share": safe_share(country_terms["GVCF"], gexp),
            "ref": country_terms["REF"],
            "davax": country_terms["DAVAX"],
            "gvc": country_terms["GVC"],
            "gdp": table.gdp().to_numpy(),
        },
        index=pd.Index(table.countries, name="country"),
    )
    # the rounding-residue rule (IOTable.build) changes small economies' numbers: say where
    residue = np.isin(
        [f"{c}_{s}" for c, s in table.labels],
        list(table.meta.get("rounding_residue", [])),  # type: ignore[call-overload]
    )
    country["residue_sectors"] = np.bincount(
        np.repeat(np.arange(table.G), table.N)[residue], minlength=table.G
    )
    step("position and linkages")
    links = linkage_indices(system)
    sector = pd.DataFrame(
        {
            "output": table.x,
            "value_added": table.va,
            "taxes": table.tax_row,
            "upstreamness": upstreamness(system).to_numpy(),
            "downstreamness": downstreamness(system).to_numpy(),
            "backward_linkage": links["backward_linkage"].to_numpy(),
            "forward_linkage": links["forward_linkage"].to_numpy(),
            "sector_class": links["sector_class"].to_numpy(),
            "rounding_residue": residue,
        },
        index=table.labels,
    )
    step("bilateral terms")
    variant = terms
    if (perspective, approach) != ("exporter", "source"):
        step(f"Borin-Mancini {perspective} perspective, {approach}")
        variant = bm_terms(acc, perspective, approach)
        if perspective in ("exporter", "world"):
            for name, arr in variant.items():
                country[name] = arr if arr.ndim == 1 else arr.sum(axis=(1, 2))
        if perspective == "world":
            variant = terms
    bilateral = bilateral_long(table, variant)
    step("KWW")
    kww_table = kww(acc)
    wwz_table = None
    if with_wwz:
        step("WWZ")
        wwz_table = wwz(acc)
    sink_table = None
    if with_sink:
        step("Borin-Mancini sink-based")
        sink_table = bilateral_long(table, bm_sink_bilateral(acc))
    extra: dict[str, pd.DataFrame] = {}
    if with_extras:
        step("production-based participation and length")
        extra.update(extra_tables(acc))
    if with_imports:
        step("imports")
        imp = imports_decomposition(acc, "country")
        extra["imports"] = imp.pivot(index="importer", columns="term", values="value")[
            ["GIMP", "VA", "DC"]
        ]
        extra["imports_bilateral"] = imports_decomposition(acc, "bilateral")
    ind = Indicators(
        country=country,
        sector=sector,
        bilateral=bilateral,
        kww=kww_table,
        wwz=wwz_table,
        bilateral_sink=sink_table,
        extra=extra,
        accounts=acc,
    )
    check_finite(ind, table)
    return ind


def check_variant(perspective: str, approach: str, *, where: str) -> None:
    """A Borin-Mancini perspective and approach that exist, or one line naming the option."""
    for value, option, known in (
        (perspective, "--perspective", PERSPECTIVES),
        (approach, "--approach", APPROACHES),
    ):
        if value not in known:
            raise InputError(
                f"unknown {option[2:]} {value!r}",
                where=where,
                field=option,
                fix=f"use one of {', '.join(known)}",
            )


EXTRA_FILES: dict[str, str] = {
    "tiva": "csv",
    "miroudot_ye": "csv",
    "va_origin": "parquet",
    "production_participation": "csv",
    "production_participation_sector": "csv",
    "imports": "csv",
    "imports_bilateral": "parquet",
}
"""Each extra table's file type (``NAME.csv`` or ``NAME.parquet`` in the output folder)."""


def extra_tables(acc: ExportAccounts) -> dict[str, pd.DataFrame]:
    """The default extra tables, from the accounts of the one factorisation: the OECD TiVA set
    by country (:mod:`oecd_tiva`), Miroudot & Ye (2021) by country, value added by origin in
    gross exports by exporter and sector (:mod:`va_origin`), and production-based
    participation, length and position (:mod:`production_gvc`)."""
    pp_country, pp_sector = production_participation(acc)
    return {
        "tiva": tiva_wide(acc, "country"),
        "miroudot_ye": miroudot_ye(acc, "country"),
        "va_origin": va_origin(acc),
        "production_participation": pp_country,
        "production_participation_sector": pp_sector,
    }


#: Columns that are NaN by definition somewhere: shares of zero gross exports, and the
#: position and linkage indices of zero-output sectors. Every other number must be finite.
MAY_BE_NAN = frozenset(
    {
        "vs_share",
        "vax_ratio",
        "gvc_backward_share",
        "gvc_forward_share",
        "upstreamness",
        "downstreamness",
        "backward_linkage",
        "forward_linkage",
    }
)


def check_finite(ind: Indicators, table: IOTable) -> None:
    """Refuse results that overflowed (issue 9: all-1e308 tables gave an all-NaN country.csv).

    No output may be infinite; only the :data:`MAY_BE_NAN` columns may be NaN.
    """
    frames = {
        "country": ind.country,
        "sector": ind.sector,
        "bilateral": ind.bilateral,
        "kww": ind.kww,
        "wwz": ind.wwz,
        "bilateral_sink": ind.bilateral_sink,
    }
    frames.update({f"extra {k}": v for k, v in ind.extra.items()})
    for name, df in frames.items():
        if df is None:
            continue
        for col in df.columns:
            if not pd.api.types.is_float_dtype(df[col].dtype):
                continue
            v = df[col].to_numpy()
            # the extra tables' lengths and shares of nothing are NaN by definition
            nan_ok = col in MAY_BE_NAN or name.startswith("extra ")
            bad = np.isinf(v) if nan_ok else ~np.isfinite(v)
            if np.any(bad):
                raise InputError(
                    f"the results overflow: {int(np.count_nonzero(bad))} infinite or NaN values "
                    f"in {name}.{col}",
                    where=table.source,
                    field=col,
                    fix="express the table in a larger unit (e.g. millions) or check it for "
                    "extreme values",
                )


def memory_estimate(n: int, G: int, *, with_wwz: bool = False, with_sink: bool = False) -> float:
    """Bytes :func:`measure_all` allocates at its peak for ``n`` rows and ``G`` countries.

    Counted, in float64 cells: four dense n x n arrays (``A``, ``I - A``, its LU factor and
    ``B``; the table's own ``Z`` is not counted), the [s, i, r] term arrays and their long
    tables (at most 48 arrays of n x G cells, 32 more with WWZ or sink-based terms) and two
    G x G x G arrays (KWW). Measured peaks (tracemalloc, 300 x 1 to 10 x 100 tables) are 0.2-0.8
    of this estimate.
    """
    per_nG = 48 + (32 if with_wwz or with_sink else 0)
    return 8.0 * (4.0 * n * n + per_nG * n * G + 2.0 * G**3)


def bilateral_long(table: IOTable, terms: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long table ``exporter, importer, sector, term, value`` from [s, i, r] term arrays."""
    G, N = table.G, table.N
    s_idx, r_idx, i_idx = np.meshgrid(np.arange(G), np.arange(G), np.arange(N), indexing="ij")
    keep = (s_idx != r_idx).reshape(-1)
    s_k, r_k, i_k = s_idx.reshape(-1)[keep], r_idx.reshape(-1)[keep], i_idx.reshape(-1)[keep]
    names = list(terms)
    k = len(names)
    values = np.concatenate([terms[name][s_k, i_k, r_k] for name in names])
    cat = pd.Categorical.from_codes
    return pd.DataFrame(
        {
            "exporter": cat(np.tile(s_k, k), categories=pd.Index(table.countries)),
            "importer": cat(np.tile(r_k, k), categories=pd.Index(table.countries)),
            "sector": cat(np.tile(i_k, k), categories=pd.Index(table.sectors)),
            "term": cat(np.repeat(np.arange(k), len(s_k)), categories=pd.Index(names)),
            "value": values,
        }
    )


def measure_with_groups(
    table: IOTable,
    *,
    with_wwz: bool = False,
    with_sink: bool = False,
    groups: Mapping[str, Sequence[str]] | None = None,
    strict_groups: Collection[str] = (),
    sector_groups: Sequence[str] = (),
    progress: Progress | None = None,
    **options: Any,
) -> tuple[Indicators, list[str]]:
    """:func:`measure_all`, plus rows for country and sector groups, and the notes on them.

    Each group is measured as one exporter (or one sector) of the table aggregated to the
    groups (:mod:`gpnlab.measure.groups`): its rows are appended to the member-level frames,
    marked ``entity = "group"`` in the country frame (``"country"`` for the members; the
    column exists only when there are country groups). Members stay
    as they are: their numbers come from the member-level table. ``strict_groups`` names the
    user-defined groups, whose members must all be in the table. ``options`` go to both
    :func:`measure_all` calls (perspective, approach, imports, extras, threads).
    """
    from gpnlab.measure.groups import country_mapping, group_notes, sector_mapping

    ind = measure_all(table, with_wwz=with_wwz, with_sink=with_sink, progress=progress, **options)
    if not groups and not sector_groups:
        return ind, []
    cmap, notes = country_mapping(table, groups or {}, strict=strict_groups)
    smap, sector_notes = sector_mapping(table, sector_groups) if sector_groups else ({}, [])
    notes.extend(sector_notes)
    agg = table.aggregate(countries=cmap, sectors=smap)
    gind = measure_all(agg, with_wwz=with_wwz, with_sink=with_sink, **options)
    names = list(dict.fromkeys(cmap.values()))
    sector_names = set(smap.values())
    if names:
        rows = gind.country.loc[names].copy()
        rows.insert(0, "entity", "group")
        ind.country.insert(0, "entity", "country")
        ind.country = pd.concat([ind.country, rows])
        ind.kww = pd.concat([ind.kww, gind.kww.loc[names]])
        for key, frame in gind.extra.items():
            if (
                key in ind.extra
                and frame.index.nlevels >= 1
                and frame.index.names[0]
                in (
                    "country",
                    "importer",
                )
            ):
                rows_g = frame[frame.index.get_level_values(0).isin(names)]
                ind.extra[key] = pd.concat([ind.extra[key], rows_g])
        assert ind.system is not None
        present = {g: [c for c, n in cmap.items() if n == g] for g in names}
        vax = {str(g): float(v) for g, v in gind.country.loc[names, "vax"].items()}
        notes.extend(group_notes(table, ind.system.B, present, vax))
    srows = gind.sector[
        gind.sector.index.get_level_values(0).isin(names)
        | gind.sector.index.get_level_values(1).isin(sector_names)
    ]
    ind.sector = pd.concat([ind.sector, srows])
    ind.bilateral = _append_group_rows(ind.bilateral, gind.bilateral, names, sector_names)
    if ind.wwz is not None and gind.wwz is not None:
        ind.wwz = _append_group_rows(ind.wwz, gind.wwz, names, sector_names)
    if ind.bilateral_sink is not None and gind.bilateral_sink is not None:
        ind.bilateral_sink = _append_group_rows(
            ind.bilateral_sink, gind.bilateral_sink, names, sector_names
        )
    if sector_names:
        notes.append(
            f"sector groups {', '.join(sorted(sector_names))} are measured on the table "
            "aggregated to them: output, value_added and taxes are strict group values; "
            "upstreamness, downstreamness and linkages are those of the aggregated sector "
            "(not averages of its members)"
        )
    return ind, notes


def _append_group_rows(
    members: pd.DataFrame, grouped: pd.DataFrame, names: list[str], sector_names: set[str]
) -> pd.DataFrame:
    """Member-level long rows plus the grouped table's rows that involve a group."""
    keep = np.zeros(len(grouped), dtype=bool)
    for col in ("exporter", "importer", "country"):
        if col in grouped.columns:
            keep |= grouped[col].astype(str).isin(names).to_numpy()
    if "sector" in grouped.columns:
        keep |= grouped["sector"].astype(str).isin(sector_names).to_numpy()
    extra = grouped.loc[keep]
    out = pd.concat(
        [
            members.astype(dict.fromkeys(_cats(members), str)),
            extra.astype(dict.fromkeys(_cats(extra), str)),
        ],
        ignore_index=True,
    )
    for c in _cats(members):
        out[c] = out[c].astype("category")
    return out


def _cats(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
