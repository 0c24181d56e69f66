"""Measure a synthetic 6-country x 8-sector table: no data needed.

Shows the Python API: build a table, compute the indicator set, group exporters, decompose.
Usage: ``python examples/measure_synthetic.py``.
"""

from __future__ import annotations

from gpnlab.measure import ExportAccounts, bm_source, kww, measure_all
from gpnlab.synthetic import random_table

table = random_table(6, 8, seed=42)
ind = measure_all(table)
print(ind.country[["gross_exports", "dva", "vax_ratio", "gvc_backward_share"]].round(3))

# A regional bloc is a new exporter: trade among its members becomes domestic.
bloc = table.aggregate(countries={"C01": "BLOC", "C02": "BLOC", "C03": "BLOC"})
print(bm_source(ExportAccounts(bloc), "country")[["GEXP", "DVA", "FVA", "GVCB"]].round(2))

# The nine KWW (2014) terms add up to gross exports.
k = kww(ExportAccounts(table))
print(k.round(2))
