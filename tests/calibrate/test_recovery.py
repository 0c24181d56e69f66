"""Simulated method of moments recovers known parameters (slow): targets simulated at theta0
on seeds the calibration never uses; the estimate must lie within its reported uncertainty."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpnlab.calibrate.run import Engine, evaluate, prepare, run_calibration
from gpnlab.calibrate.spec import calibration_from_dict
from gpnlab.simulate.presets import load_preset

THETA0 = {"countries.LEM.knowledge_base": 0.5, "mechanisms.switching_cost": 0.15}
COUNTRIES = {"LEM": "CHN", "MXL": "MEX", "KRL": "KOR", "TWL": "TWN"}


def base_spec(targets: list[dict], **changes: object) -> dict:
    return {
        "name": "recovery", "firms": 400, "seed": 11, "seeds": 4, "start_year": 2000,
        "quarters_per_year": 2, "burn_in": 4, "train": [2000, 2007],
        "countries": COUNTRIES,
        "parameters": {"countries.LEM.knowledge_base": {"range": [0.3, 0.7]},
                       "mechanisms.switching_cost": {"range": [0.0, 0.3]}},
        "targets": targets,
        "search": {"trials": 32, "batch": 4, "startup": 12},
        "diagnostics": {"offsets": [-0.1, -0.05, 0.05, 0.1]},
        **changes,
    }  # fmt: skip


KINDS = [
    {"quantity": "fva_share", "kind": "level", "year": 2001},
    {"quantity": "fva_share", "kind": "change", "from": 2001, "to": 2007},
    {"quantity": "export_share", "kind": "level", "year": 2004},
    {"quantity": "gvc_forward_share", "kind": "level", "year": 2004},
]


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="issue 15: on the simulator with several buyers per supplier and spin-offs "
    "(ac56767) the search ends at switching_cost 0.020 (true 0.15) with a sandwich s.e. of "
    "0.016: these trade moments barely identify the switching cost in a 400-firm world, and "
    "the finite-difference Jacobian over 4 common-random-number seeds overstates the moments' "
    "response, so the reported uncertainty is too small (the helper's run before the last "
    "simulator changes recovered 0.158, s.e. 0.015)",
)
def test_smm_recovers_two_parameters_within_the_reported_uncertainty(tmp_path: Path) -> None:
    placeholder = [{**k, "country": c, "value": 0.0} for k in KINDS for c in COUNTRIES]
    # the "data": 8 seeds of another root at theta0
    truth = calibration_from_dict(base_spec(placeholder, seed=9001, seeds=8))
    prob = prepare(truth, load_preset("default"), tmp_path, where="truth")
    eng = Engine(prob, processes=2, client=None)
    try:
        ((_, results),) = list(eng.run([(0, THETA0)]))
    finally:
        eng.close()
    moments, _, error = evaluate(prob, results)
    assert not error
    values = np.nanmean(moments, axis=0)
    targets = [{**t, "value": float(v)} for t, v in zip(placeholder, values, strict=True)]
    spec = calibration_from_dict(base_spec(targets))
    res = run_calibration(spec, tmp_path / "out", root=tmp_path, processes=2, report=False)
    est = res.extra["tables"]["estimates"].set_index("parameter")
    for name, true in THETA0.items():
        se = est.loc[name, "se"]
        lo, hi = spec.parameters[name].range
        assert np.isfinite(se) and 0 < se < (hi - lo) / 4, (name, se)  # informative
        assert abs(res.best[name] - true) <= 2 * se, (name, res.best[name], true, se)
