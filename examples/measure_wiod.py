"""Measure GVC participation from the real WIOD 2013 table of 2011 and draw the README figure.

Needs the WIOD folder (``../shared/data/wiod2013`` beside the repository, or pass a path).
Usage: ``python examples/measure_wiod.py [WIOD_YEAR_FOLDER]``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from gpnlab.io import read_table
from gpnlab.measure import measure_all
from gpnlab.report.measure_figures import participation_figure
from gpnlab.table import TableWarning

ROOT = Path(__file__).resolve().parents[1]
default = ROOT.parent / "shared" / "data" / "wiod2013" / "2011"
folder = Path(sys.argv[1]) if len(sys.argv) > 1 else default
if not folder.exists():
    sys.exit(f"{folder} not found: pass the folder of one WIOD year")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", TableWarning)
    table = read_table(folder, "own")
ind = measure_all(table)
out = ROOT / "docs" / "figures" / "wiod2011_participation.png"
participation_figure(ind.country, out)
cols = ["gross_exports", "dva", "vax_ratio", "gvc_backward_share", "gvc_forward_share"]
print(ind.country.sort_values("gross_exports", ascending=False)[cols].head(10).round(3))
print(f"figure written to {out}")
