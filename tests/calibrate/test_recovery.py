"""Simulated method of moments recovers known parameters (slow): targets simulated at theta0
on seeds the calibration never uses. A parameter the moments identify must be estimated within
its reported uncertainty; one they do not must be reported as not identified (or, if the test
calls it identified, also lie within its uncertainty): an honest interval or none, never a
tight wrong one.

Why these two (chosen on the bits before ac8f565): measured at 1,500 firms over three seed
roots (4-8 seeds each), the LEM wage moves the trade moments beyond the seed noise (LEM's FVA
share falls by .06-.08 from wage 1.5 to 3.0, Mexico's rises by .07-.15, s.e. about .02), while
the switching cost (0 to 0.3) moves none of them consistently: its effect on each moment
changes sign between seed roots. An earlier version of this test asked for the switching cost
within 2 s.e. and failed (estimate 0.020 against 0.15, s.e. 0.016 from a two-point finite
difference that was mostly seed noise).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpnlab.calibrate.objective import IDENTIFIED_P
from gpnlab.calibrate.run import Engine, evaluate, prepare, run_calibration
from gpnlab.calibrate.spec import calibration_from_dict
from gpnlab.simulate.presets import load_preset

THETA0 = {"countries.LEM.wage": 2.6, "mechanisms.switching_cost": 0.15}
IDENTIFIED = "countries.LEM.wage"
COUNTRIES = {"LEM": "CHN", "MXL": "MEX", "KRL": "KOR", "TWL": "TWN"}


def base_spec(targets: list[dict], **changes: object) -> dict:
    return {
        "name": "recovery", "firms": 1500, "seed": 23, "seeds": 4, "start_year": 2000,
        "quarters_per_year": 2, "burn_in": 4, "train": [2000, 2007],
        "countries": COUNTRIES,
        "parameters": {"countries.LEM.wage": {"range": [1.2, 3.5]},
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
    reason="issues 12/15: since the sales moments start at a firm's first sales (ac8f565) the "
    "LEM wage's response p is .23 on this world (4 seeds, 32 trials): its moments no longer "
    "separate it from seed noise, so it is reported as not identified; the test is kept as it "
    "was rather than given more seeds after the fact. Power measured on other seed roots "
    "(501, 601, 701; profile points within 10% of the range of wage 2.6): p .42-.70 at 1,500 "
    "firms x 4 seeds, .12-1 at 8-16 seeds or 3,000-6,000 firms (max |t| 1.2-2.7, noise level); "
    "over 30-50% of the range p 1e-4 to 1e-14: the moments' response is flat near 2.6",
)
def test_smm_recovers_what_the_moments_identify_and_flags_what_they_do_not(tmp_path: Path) -> None:
    placeholder = [{**k, "country": c, "value": 0.0} for k in KINDS for c in COUNTRIES]
    # the "data": 8 seeds of another root at theta0
    truth = calibration_from_dict(base_spec(placeholder, seed=7001, seeds=8))
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
        se, p = est.loc[name, "se"], est.loc[name, "response_p"]
        lo, hi = spec.parameters[name].range
        if name != IDENTIFIED and not p < IDENTIFIED_P:
            assert not np.isfinite(se) and "not identified" in est.loc[name, "note"], name
            continue
        assert p < IDENTIFIED_P, (name, p)
        assert np.isfinite(se) and 0 < se < (hi - lo) / 4, (name, se)  # informative
        assert abs(res.best[name] - true) <= 2 * se, (name, res.best[name], true, se)
