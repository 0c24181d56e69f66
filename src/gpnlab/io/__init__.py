"""Readers and writers of inter-country IO tables, one module per format.

* :mod:`gpnlab.io.own` -- the project's own folder layout (wide CSV or Parquet), also WIOD's;
* :mod:`gpnlab.io.oecd_icio` -- the OECD ICIO CSV layouts (2016, 2018, 2021, 2023 releases);
* :mod:`gpnlab.io.wiod2016` -- the WIOD 2016 release (the WIOT sheet as CSV or xlsx);
* :mod:`gpnlab.io.figaro` -- Eurostat FIGARO flat CSV files (industry by industry);
* :mod:`gpnlab.io.adb` -- ADB MRIO tables (the sheet as CSV or xlsx);
* :mod:`gpnlab.io.pymrio_bridge` -- pymrio ``IOSystem`` objects, both ways (optional).
"""

from gpnlab.io.formats import FORMATS, read_table
from gpnlab.io.oecd_icio import read_oecd_icio
from gpnlab.io.own import read_own, write_own

__all__ = ["FORMATS", "read_oecd_icio", "read_own", "read_table", "write_own"]
