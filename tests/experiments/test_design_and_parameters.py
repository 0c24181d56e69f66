"""Designs, replicate seeds and named parameters."""

from __future__ import annotations

import numpy as np
import pytest

from gpnlab.experiments.design import build_runs, design_points, latin_hypercube, replicate_seed
from gpnlab.experiments.parameters import ParameterError, apply_parameters
from gpnlab.simulate import load_preset
from tests.experiments.conftest import tiny_spec


def test_factorial_runs_are_crossed_and_paired_by_seed() -> None:
    spec = tiny_spec()
    runs = build_runs(spec)
    assert len(runs) == 2 * 2 * 3  # regimes x levels x replicates
    assert [r.run_id for r in runs] == list(range(len(runs)))
    for rep in range(3):
        seeds = {r.seed for r in runs if r.replicate == rep}
        assert seeds == {replicate_seed(spec.seed, rep)}
    assert len({replicate_seed(spec.seed, r) for r in range(100)}) == 100
    assert build_runs(spec) == runs  # deterministic


def test_latin_hypercube_has_one_point_per_stratum() -> None:
    u = latin_hypercube(50, 3, seed=4)
    assert u.shape == (50, 3)
    for j in range(3):
        assert sorted(np.floor(u[:, j] * 50).astype(int)) == list(range(50))


@pytest.mark.parametrize(
    ("kind", "n_points"),
    [("lhs", 16), ("sobol", 16 * (2 + 2)), ("morris", 4 * (2 + 1))],
)
def test_sampled_designs_have_salib_sizes(kind: str, n_points: int) -> None:
    spec = tiny_spec(
        design={"kind": kind, "samples": 16 if kind != "morris" else 4},
        parameters={
            "mechanisms.transfer_rate": {"range": [0.02, 0.12]},
            "countries.focal.institutions": {"range": [0.1, 0.9]},
        },
    )
    pts = design_points(spec)
    assert pts.shape == (n_points, 2)
    assert pts[:, 0].min() >= 0.02 and pts[:, 0].max() <= 0.12
    assert len(build_runs(spec)) == n_points * 2 * 3


def test_parameters_set_world_fields_by_path() -> None:
    w = load_preset("default")
    w2 = apply_parameters(
        w,
        {
            "mechanisms.transfer_rate": 0.2,
            "mechanisms.candidates": 3.6,  # integer field: rounded
            "mechanisms.entry": 0.2,  # switch: off below 0.5
            "countries.focal.institutions": 0.9,
            "countries.*.volatility": 0.05,
            "countries.TWL.policy.learning_subsidy": 0.3,
            "stages.2.tacitness": 0.4,
            "markets.*.growth": 0.0,
        },
        focal="MYL",
    )
    assert w2.mechanisms.transfer_rate == 0.2
    assert w2.mechanisms.candidates == 4 and w2.mechanisms.entry is False
    byc = {c.code: c for c in w2.countries}
    assert byc["MYL"].institutions == 0.9
    assert byc["TWL"].institutions == {c.code: c for c in w.countries}["TWL"].institutions
    assert all(c.volatility == 0.05 for c in w2.countries)
    assert byc["TWL"].policy.learning_subsidy == 0.3
    assert w2.stages[2].tacitness == 0.4
    assert all(m.growth == 0.0 for m in w2.markets)


@pytest.mark.parametrize(
    "path", ["mechanisms.no_such_rate", "countries.XXX.wage", "countries", "stages.*.name"]
)
def test_bad_parameter_paths_are_refused(path: str) -> None:
    with pytest.raises(ParameterError):
        apply_parameters(load_preset("default"), {path: 0.5}, focal="MYL")
