"""Write the indicator set to a folder: the files of ``gpnlab measure``.

* ``country.csv`` -- one row per country (see :mod:`gpnlab.measure.indicators`)
* ``sector.csv`` -- ``country, sector, output, value_added, upstreamness, downstreamness,
  backward_linkage, forward_linkage, sector_class``
* ``bilateral.parquet`` -- ``exporter, importer, sector, term, value`` (Borin-Mancini terms)
* ``kww.csv`` -- country plus the nine KWW terms
* ``bilateral_sink.parquet`` -- the same layout, sink-based terms (when computed)
* ``wwz.parquet`` -- the sixteen WWZ terms by exporter, sector, importer (when computed)
* ``participation.png``, ``position.png`` -- figures
* ``meta.json`` -- source, unit, shape, output rule, gpnlab version

The folder appears whole or not at all, and only where gpnlab may write
(:func:`gpnlab.outdir.atomic_dir`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gpnlab import __version__
from gpnlab.measure.indicators import Indicators
from gpnlab.outdir import atomic_dir
from gpnlab.report.measure_figures import participation_figure, position_figure
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
) -> Path:
    """Write ``ind`` into ``out`` atomically and return the folder.

    ``notes`` (the table quirks that were handled, e.g. value added taken as a residual) and
    ``options`` (how the table was read) go into ``meta.json``.
    """
    with atomic_dir(out, command="measure", overwrite=overwrite) as tmp:
        ind.country.reset_index().to_csv(tmp / "country.csv", index=False, float_format="%.10g")
        ind.sector.reset_index().to_csv(tmp / "sector.csv", index=False, float_format="%.10g")
        ind.bilateral.to_parquet(tmp / "bilateral.parquet", index=False)
        ind.kww.reset_index().to_csv(tmp / "kww.csv", index=False, float_format="%.10g")
        if ind.bilateral_sink is not None:
            ind.bilateral_sink.to_parquet(tmp / "bilateral_sink.parquet", index=False)
        if ind.wwz is not None:
            ind.wwz.to_parquet(tmp / "wwz.parquet", index=False)
        if figures:
            participation_figure(ind.country, tmp / "participation.png", unit=table.unit)
            position_figure(ind.sector, tmp / "position.png")
        meta = {
            "source": table.source,
            "unit": table.unit,
            "countries": table.G,
            "sectors": table.N,
            "rows": table.n,
            "gpnlab_version": __version__,
            "perspective": "Borin-Mancini exporter perspective, source-based",
            "options": options or {},
            # the table's own notes (the rounding-residue rule) even when warnings were silenced
            "notes": list(dict.fromkeys([*(notes or []), *_table_notes(table)])),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return Path(out)


def _table_notes(table: IOTable) -> list[str]:
    """Conventions :meth:`IOTable.build` applied (``meta["notes"]``), one line each."""
    notes = table.meta.get("notes")
    return [str(n) for n in notes] if isinstance(notes, list) else []
