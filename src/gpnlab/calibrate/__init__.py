"""Calibration: fit named world parameters to moments measured on real tables by the
simulated method of moments, and test the fit on held-out years (docs/estimation.md).

``spec`` (TOML, the held-out rule) -> ``moments`` (the same quantities on simulated and real
panels) -> ``run`` (optuna batches on the experiment engine, ``store``: DuckDB) ->
``objective`` (J, W, sandwich standard errors) -> ``analysis`` (estimates, fit, out of sample,
identification) -> :mod:`gpnlab.report.calibration_report`.

From a notebook::

    from gpnlab.calibrate.run import run_calibration

    result = run_calibration("examples/calibration/smoke.toml", "out/calibrations/smoke")
    result.best, result.extra["tables"]["oos"]
"""
