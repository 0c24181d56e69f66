"""Experiments: policy regimes compared over designs and replicate seeds (issue 4).

``spec`` (TOML) -> ``design`` (runs) -> ``execute`` (process pool or Dask) -> ``store``
(DuckDB) -> ``analysis`` (intervals, paired differences, Sobol / Morris indices).
"""
