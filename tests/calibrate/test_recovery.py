"""Simulated method of moments recovers known parameters (slow): targets simulated at theta0
on seeds the calibration never uses. A parameter the moments identify must be estimated within
its reported uncertainty, and that uncertainty must be informative; one they do not must be
reported without a standard error (or, if the tool gives it one, lie within it): an honest
interval or none, never a tight wrong one.

The design (parameter, world size, seeds, moments, Jacobian span) was chosen by power measured on
seed roots this test never uses (501-1301), then run once on its own roots (7001, 23):

* the LEM tariff on imported intermediates (true 0.2, range 0-0.5) moves LEM's trade moments
  smoothly and monotonically (1,500-8,000 firms, 16 seeds, tariff 0 to 0.5: LEM's FVA share
  falls from .52 to .39, its forward participation rises from .35 to .47); the LEM wage, used
  before, no longer did near its value (p .12-1 at 1,500-6,000 firms and 4-16 seeds over points
  within 10% of its range; why it is flat there was not established);
* within 10% of the range at 4,000 firms the slope was still seed noise for the irrelevant
  moments' sum (response p .04-.002, se .15-.29 against errors of .005-.04); points within 20%
  (``diagnostics.jacobian_span``) gave p 1e-5 to 1e-28 on eight roots at 4,000 firms x 8 seeds;
* at 8,000 firms x 8 seeds the backward-participation level (per-seed noise over response .043,
  against .075 for the FVA level of 2001) brought the standard error to .035-.084 on four roots
  (estimates .171-.211, each within 0.5 s.e. of 0.2);
* the switching cost (0 to 0.3) moves no moment consistently (its effect changes sign between
  roots); one root in four called it identified at p .018: its G'WG net of the slope's noise was
  not positive, which left both parameters without a standard error until such a parameter was
  held at its estimate (``run._profiles``); it now gets none and the tariff keeps its own.

An earlier version asked for the switching cost within 2 s.e. and failed (estimate 0.020 against
0.15, s.e. 0.016 from a two-point finite difference that was mostly seed noise).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpnlab.calibrate.objective import IDENTIFIED_P
from gpnlab.calibrate.run import Engine, evaluate, prepare, run_calibration
from gpnlab.calibrate.spec import calibration_from_dict
from gpnlab.simulate.presets import load_preset

THETA0 = {"countries.LEM.policy.tariff_intermediate": 0.2, "mechanisms.switching_cost": 0.15}
IDENTIFIED = "countries.LEM.policy.tariff_intermediate"
COUNTRIES = {"LEM": "CHN", "MXL": "MEX", "KRL": "KOR", "TWL": "TWN"}


def base_spec(targets: list[dict], **changes: object) -> dict:
    return {
        "name": "recovery", "firms": 8000, "seed": 23, "seeds": 8, "start_year": 2000,
        "quarters_per_year": 2, "burn_in": 4, "train": [2000, 2007],
        "countries": COUNTRIES,
        "parameters": {"countries.LEM.policy.tariff_intermediate": {"range": [0.0, 0.5]},
                       "mechanisms.switching_cost": {"range": [0.0, 0.3]}},
        "targets": targets,
        "search": {"trials": 32, "batch": 4, "startup": 12},
        "diagnostics": {"offsets": [-0.2, -0.1, -0.05, 0.05, 0.1, 0.2], "jacobian_span": 0.2},
        **changes,
    }  # fmt: skip


KINDS = [
    {"quantity": "fva_share", "kind": "level", "year": 2001},
    {"quantity": "fva_share", "kind": "change", "from": 2001, "to": 2007},
    {"quantity": "export_share", "kind": "level", "year": 2004},
    {"quantity": "gvc_forward_share", "kind": "level", "year": 2004},
    {"quantity": "gvc_backward_share", "kind": "level", "year": 2004},
]


@pytest.mark.slow
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
        se, p, note = est.loc[name, "se"], est.loc[name, "response_p"], est.loc[name, "note"]
        lo, hi = spec.parameters[name].range
        if name != IDENTIFIED:
            if not p < IDENTIFIED_P:
                assert not np.isfinite(se) and "not identified" in note, (name, p, note)
            elif not np.isfinite(se):  # it responds, within its slope's noise
                assert "held at its estimate" in note, (name, p, note)
            else:  # called identified and given an interval: the interval must hold
                assert abs(res.best[name] - true) <= 2 * se, (name, res.best[name], true, se)
            continue
        assert p < IDENTIFIED_P, (name, p)
        assert np.isfinite(se) and 0 < se < (hi - lo) / 4, (name, se)  # informative
        assert abs(res.best[name] - true) <= 2 * se, (name, res.best[name], true, se)
