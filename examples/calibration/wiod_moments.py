"""Compute the real annual values that ``wiod_electronics.toml`` is fitted to, from WIOD.

For every year 1995-2011 of the WIOD 2013 release (one folder per year, ``Z``, ``Y``, ``x``
in gpnlab's own layout), the Borin-Mancini source-based terms of sector ``c14`` (electrical
and optical equipment) are computed with :mod:`gpnlab.measure` and turned into the
quantities of :mod:`gpnlab.calibrate.moments`: the FVA share of the sector's exports, its
share in world exports of the sector, backward / forward participation as shares of the
sector's gross exports, and the domestic share of the sector's intermediate inputs. The
mapped countries' values are written to ``wiod_electronics_annual.csv`` next to this script,
with the source and its citation, so that the example runs without the tables.

Usage: ``python examples/calibration/wiod_moments.py [WIOD2013_FOLDER]``
(default: ``$GPNLAB_SHARED/data/wiod2013``, else ``../shared/data/wiod2013`` beside the
repository).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gpnlab.calibrate.moments import real_annual

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
COUNTRIES = ["CHN", "MEX", "KOR", "TWN", "IND"]
YEARS = list(range(1995, 2012))
SECTOR = "c14"
OUT = HERE / "wiod_electronics_annual.csv"
CITATION = (
    "Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R. and de Vries, G. J. (2015), "
    "An Illustrated User Guide to the World Input-Output Database: the Case of Global "
    "Automotive Production, Review of International Economics 23: 575-605"
)


def main(folder: Path) -> Path:
    frame = real_annual(folder, SECTOR, YEARS)
    frame = frame[frame["country"].isin(COUNTRIES)].sort_values(["quantity", "country", "year"])
    header = (
        f"# Source: WIOD 2013 release, sector {SECTOR} (electrical and optical equipment), "
        f"{YEARS[0]}-{YEARS[-1]}; {CITATION}.\n"
        "# Computed by examples/calibration/wiod_moments.py with gpnlab.measure "
        "(Borin-Mancini source-based terms of the sector; the domestic share of its "
        "intermediate inputs; docs/estimation.md).\n"
        "# export_share is the share in the exports of the sector of the 40 WIOD countries "
        "and the rest of the world.\n"
    )
    with OUT.open("w", encoding="utf-8") as fh:
        fh.write(header)
        frame.to_csv(fh, index=False, float_format="%.6f")
    return OUT


if __name__ == "__main__":
    shared = Path(os.environ.get("GPNLAB_SHARED", ROOT.parent / "shared"))
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else shared / "data" / "wiod2013"
    if not folder.exists():
        sys.exit(f"{folder} not found: pass the WIOD 2013 folder (one subfolder per year)")
    print(f"written {main(folder)}")
