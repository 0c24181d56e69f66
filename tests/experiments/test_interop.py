"""The spec's parameters and outcomes drive SALib and the EMA Workbench without glue code."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from gpnlab.experiments.design import build_runs, design_points, salib_problem
from gpnlab.experiments.execute import run_experiment
from gpnlab.experiments.interop import OutcomeFunction, ema_model
from gpnlab.experiments.store import read_tables
from gpnlab.simulate import load_preset
from tests.experiments.conftest import tiny_spec


def test_outcome_function_equals_the_stored_run(tmp_path: Path) -> None:
    spec, base = tiny_spec(replicates=1), load_preset("default")
    run_experiment(spec, base, tmp_path / "x", processes=1)
    t = read_tables(tmp_path / "x")
    run = build_runs(spec)[3]
    f = OutcomeFunction(spec, base)
    got = f(regime=run.regime, focal=run.focal, seed=run.seed, **dict(run.params))
    row = (
        t["panel"]
        .loc[
            (t["panel"]["run_id"] == run.run_id)
            & (t["panel"]["period"] == spec.periods)
            & (t["panel"]["country"] == run.focal)
        ]
        .iloc[0]
    )
    assert got == {c: row[c] for c in spec.outputs.columns}
    with pytest.raises(TypeError, match="unknown parameter"):
        f(regime="build", bogus=1.0)


def test_salib_consumes_the_problem_as_is() -> None:
    from SALib.sample import latin

    spec = tiny_spec(
        design={"kind": "sobol", "samples": 8},
        parameters={"mechanisms.transfer_rate": {"range": [0.02, 0.12]}},
    )
    problem = salib_problem(spec)
    X = latin.sample(problem, 5, seed=1)
    assert X.shape == (5, 1) and (X >= 0.02).all() and (X <= 0.12).all()
    assert design_points(spec).shape == (8 * 3, 1)


def test_ema_workbench_runs_the_model() -> None:
    ema = pytest.importorskip("ema_workbench")
    spec = tiny_spec(
        periods=3,
        design={"kind": "lhs"},
        parameters={"mechanisms.transfer_rate": {"range": [0.02, 0.2]}},
    )
    model = ema_model(spec, load_preset("default"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ema.SequentialEvaluator(model) as ev:
            experiments, outcomes = ema.perform_experiments(
                model, scenarios=2, policies=2, evaluator=ev
            )
    assert len(experiments) == 4
    assert set(experiments["regime"]) == {"laissez_faire", "build"}
    assert set(outcomes) == set(spec.outputs.columns)
    assert all(np.isfinite(v).all() for v in outcomes.values())
