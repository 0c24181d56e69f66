"""Write the indicator set to a folder: the files of ``gpnlab measure``.

* ``country.csv`` -- one row per country (see :mod:`gpnlab.measure.indicators`)
* ``sector.csv`` -- ``country, sector, output, value_added, upstreamness, downstreamness,
  backward_linkage, forward_linkage, sector_class``
* ``bilateral.parquet`` -- ``exporter, importer, sector, term, value`` (Borin-Mancini terms)
* ``kww.csv`` -- country plus the nine KWW terms
* ``bilateral_sink.parquet`` -- the same layout, sink-based terms (when computed)
* ``wwz.parquet`` -- the sixteen WWZ terms by exporter, sector, importer (when computed)
* ``participation.png``, ``position.png`` -- figures
* ``report.html`` -- country profiles (``--report``, :mod:`gpnlab.report.country_profile`)
* ``meta.json`` -- source, unit, shape, output rule, gpnlab version

A panel (:func:`write_panel`) writes the same files with a ``year`` first column, and
``participation_years.png`` in place of the two one-year figures.

The folder appears whole or not at all, and only where gpnlab may write
(:func:`gpnlab.outdir.atomic_dir`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from gpnlab import __version__
from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.indicators import EXTRA_FILES, Indicators
from gpnlab.measure.panel import Panel
from gpnlab.outdir import atomic_dir
from gpnlab.report.country_profile import (
    ProfileData,
    flows_by_country,
    notes_over_years,
    write_country_profile,
)
from gpnlab.report.measure_figures import (
    participation_figure,
    participation_over_years_figure,
    position_figure,
)
from gpnlab.table import IOTable


def write_indicators(
    ind: Indicators,
    table: IOTable,
    out: str | os.PathLike[str],
    *,
    figures: bool = True,
    overwrite: bool = False,
    notes: list[str] | None = None,
    options: dict[str, object] | None = None,
    profile: ProfileData | None = None,
    profile_countries: Sequence[str] | None = None,
) -> Path:
    """Write ``ind`` into ``out`` atomically and return the folder (``report.html`` from
    ``profile`` when given).

    ``notes`` (the table quirks that were handled, e.g. value added taken as a residual) and
    ``options`` (how the table was read) go into ``meta.json``.
    """
    with atomic_dir(out, command="measure", overwrite=overwrite) as tmp:
        _write_frames(tmp, ind)
        if figures:
            participation_figure(ind.country, tmp / "participation.png", unit=table.unit)
            position_figure(ind.sector, tmp / "position.png")
        if profile is not None:
            write_country_profile(profile, tmp / "report.html", countries=profile_countries)
        meta = {
            "source": table.source,
            "unit": table.unit,
            "countries": table.G,
            "sectors": table.N,
            "rows": table.n,
            "gpnlab_version": __version__,
            "perspective": _perspective_text(options),
            "options": options or {},
            # the table's own notes (the rounding-residue rule) even when warnings were silenced
            "notes": list(dict.fromkeys([*(notes or []), *_table_notes(table)])),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return Path(out)


def _write_frames(tmp: Path, ind: Indicators | Panel) -> None:
    """The CSV (small) and Parquet (long) tables of an indicator set or a panel."""
    for name in ("country", "sector", "kww"):
        frame = getattr(ind, name)
        flat = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
        flat.to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
    ind.bilateral.to_parquet(tmp / "bilateral.parquet", index=False)
    if ind.bilateral_sink is not None:
        ind.bilateral_sink.to_parquet(tmp / "bilateral_sink.parquet", index=False)
    if ind.wwz is not None:
        ind.wwz.to_parquet(tmp / "wwz.parquet", index=False)
    for name, frame in ind.extra.items():
        flat = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
        if EXTRA_FILES.get(name, "parquet") == "csv":
            flat.to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
        else:
            flat.to_parquet(tmp / f"{name}.parquet", index=False)


def write_panel(
    panel: Panel,
    out: str | os.PathLike[str],
    *,
    figures: bool = True,
    overwrite: bool = False,
    notes: list[str] | None = None,
    options: dict[str, object] | None = None,
    profile_countries: Sequence[str] | None = None,
    report: bool = False,
) -> Path:
    """Write a :class:`~gpnlab.measure.panel.Panel` into ``out`` atomically (module docstring);
    ``report`` writes ``report.html`` (the panel must have been measured ``with_flows``).

    ``meta.json`` records each year's table (source, shape) and notes, and the panel-wide
    ``notes`` (e.g. on groups).
    """
    with atomic_dir(out, command="measure", overwrite=overwrite) as tmp:
        _write_frames(tmp, panel)
        if figures:
            participation_over_years_figure(panel.country, tmp / "participation_years.png")
        first = panel.tables[panel.years[0]]
        if report:
            write_country_profile(
                panel_profile(panel, notes or []),
                tmp / "report.html",
                countries=profile_countries,
            )
        meta = {
            "source": str(Path(str(first["source"])).parent),
            "unit": first["unit"],
            "years": panel.years,
            "tables": {str(y): panel.tables[y] for y in panel.years},
            "gpnlab_version": __version__,
            "perspective": _perspective_text(options),
            "options": options or {},
            "notes": notes or [],
            "notes_by_year": {str(y): panel.notes.get(y, []) for y in panel.years},
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return Path(out)


def panel_profile(panel: Panel, notes: list[str]) -> ProfileData:
    """The country-profile inputs of a panel: the last year's flows, every year's frames."""
    assert panel.origins is not None and panel.destinations is not None, "measure with_flows"
    last = panel.years[-1]
    first = panel.tables[panel.years[0]]
    return ProfileData(
        country=panel.country,
        sector=panel.sector,
        origins=panel.origins[panel.origins.year == last].drop(columns="year"),
        destinations=panel.destinations[panel.destinations.year == last].drop(columns="year"),
        unit=str(first["unit"]),
        source=str(Path(str(first["source"])).parent),
        notes=notes + notes_over_years(panel.notes),
    )


def table_profile(ind: Indicators, table: IOTable, notes: list[str]) -> ProfileData:
    """The country-profile inputs of one table (reusing its factorisation)."""
    origins, destinations = flows_by_country(ind.accounts or ExportAccounts(table))
    return ProfileData(
        country=ind.country,
        sector=ind.sector.reset_index(),
        origins=origins,
        destinations=destinations,
        unit=table.unit,
        source=table.source,
        notes=notes,
    )


def _perspective_text(options: dict[str, object] | None) -> str:
    """Which Borin-Mancini variant the files hold (the headline columns are always
    exporter / source)."""
    o = options or {}
    p, a = o.get("perspective", "exporter"), o.get("approach", "source")
    if (p, a) == ("exporter", "source"):
        return "Borin-Mancini exporter perspective, source-based"
    where = (
        "upper-case country.csv columns (bilateral.parquet stays exporter, source-based)"
        if p == "world"
        else "bilateral.parquet"
        + (" and the upper-case country.csv columns" if p == "exporter" else "")
    )
    return (
        f"Borin-Mancini {p} perspective, {a}-based in {where}; the lower-case country.csv "
        "columns are exporter perspective, source-based"
    )


def _table_notes(table: IOTable) -> list[str]:
    """Conventions :meth:`IOTable.build` applied (``meta["notes"]``), one line each."""
    notes = table.meta.get("notes")
    return [str(n) for n in notes] if isinstance(notes, list) else []
