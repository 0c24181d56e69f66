"""Calibration spec validation, the held-out rule through the CLI, and the moments."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gpnlab.calibrate.moments import expand_moments, quarter_years, series_moment, sim_annual
from gpnlab.calibrate.objective import sandwich, weights
from gpnlab.calibrate.spec import Target, Weighting, calibration_from_dict
from gpnlab.cli import app
from gpnlab.errors import InputError
from tests.calibrate.conftest import real_frame, tiny, write_spec

runner = CliRunner()


def one_line_exit_2(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    text = res.output.strip()
    assert len(text.splitlines()) == 1, text
    return text


def test_a_target_in_the_held_out_window_is_refused_by_the_cli_in_one_line(
    tmp_path: Path,
) -> None:
    data = tiny()
    data["targets"] = [{"quantity": "fva_share", "kind": "level", "year": 1998}]
    spec = write_spec(tmp_path, data)
    out = tmp_path / "out"
    text = one_line_exit_2(["calibrate", str(spec), "--out", str(out)])
    assert str(spec) in text and "targets.0.year" in text and "held-out window 1998-1999" in text
    assert "fix:" in text
    assert not out.exists()  # nothing written


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"quantity": "fva_share", "kind": "change", "from": 1996, "to": 1999}, "targets.0.to"),
        ({"quantity": "export_share", "kind": "slope", "window": [1995, 1998]}, "targets.0.window"),
    ],
)
def test_a_change_or_slope_reaching_into_the_held_out_window_is_refused(
    tmp_path: Path, target: dict, field: str
) -> None:
    spec = write_spec(tmp_path, {**tiny(), "targets": [target]})
    text = one_line_exit_2(["calibrate", str(spec), "--out", str(tmp_path / "o")])
    assert field in text and "held-out" in text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parameters": {"mechanisms.switching_cost": {"range": [0.3, 0.0]}}}, "parameters"),
        ({"parameters": {"mechanisms.nope": {"range": [0.0, 1.0]}}}, "parameters.mechanisms.nope"),
        ({"countries": {"ZZZ": "CHN"}}, "countries.ZZZ"),
        ({"targets": [{"quantity": "vs_share", "kind": "level", "year": 1995}]}, "targets.0"),
        ({"targets": [{"quantity": "fva_share", "kind": "level", "from": 1995}]}, "targets.0"),
        ({"test": [1996, 1999]}, "test"),
        ({"train": [1990, 1997]}, "train"),
        ({"search": {"sampler": "grid"}}, "search.sampler"),
        ({"name": "../x"}, "name"),
        ({"diagnostics": {"offsets": []}}, "diagnostics"),
        ({"diagnostics": {"jacobian_span": 0.0}}, "diagnostics.jacobian_span"),
    ],
)
def test_bad_specs_are_one_line_naming_the_field(tmp_path: Path, change: dict, field: str) -> None:
    data = tiny()
    data.update(change)
    spec = write_spec(tmp_path, data)
    text = one_line_exit_2(["calibrate", str(spec), "--out", str(tmp_path / "o")])
    assert f"field {field}" in text and str(spec) in text


def test_the_shipped_example_is_valid_and_has_at_most_eight_parameters() -> None:
    path = Path(__file__).resolve().parents[2] / "examples/calibration/wiod_electronics.toml"
    spec = calibration_from_dict(tomllib.loads(path.read_text()), where=str(path))
    assert len(spec.parameters) <= 8
    assert spec.periods() <= 72 and spec.train == (1995, 2004) and spec.test == (2005, 2011)


def test_held_out_real_values_never_reach_the_targets() -> None:
    spec = calibration_from_dict(tiny())
    a = expand_moments(spec, real_frame(0.0))
    b = expand_moments(spec, real_frame(5.0))  # the held-out years changed wildly
    assert [m.value for m in a] == [m.value for m in b]
    c = expand_moments(spec, real_frame(0.0).assign(value=lambda f: f["value"] + 1.0))
    assert [m.value for m in c] != [m.value for m in a]  # the training years do count


def test_moments_of_a_series_against_independent_computations() -> None:
    years = np.arange(1995, 2005)
    v = 0.3 + 0.01 * (years - 1995) + 0.002 * np.sin(years)
    s = dict(zip(years.tolist(), v.tolist(), strict=True))
    slope = Target(quantity="fva_share", kind="slope", window=(1995, 2004))
    assert series_moment(slope, s) == pytest.approx(np.polyfit(years, v, 1)[0], rel=1e-12)
    change = Target.model_validate(
        {"quantity": "fva_share", "kind": "change", "from": 1996, "to": 2001}
    )
    assert series_moment(change, s) == pytest.approx(s[2001] - s[1996])
    level = Target(quantity="fva_share", kind="level", year=1999)
    assert series_moment(level, s) == s[1999]


def test_a_simulated_year_is_the_mean_of_its_quarters_after_the_burn_in() -> None:
    spec = calibration_from_dict(tiny())  # burn_in 2, 2 quarters a year
    assert quarter_years(np.arange(1, 7), spec).tolist() == [-1, -1, 1995, 1995, 1996, 1996]
    periods = np.repeat(np.arange(1, 7), 3)
    country = np.tile(["LEM", "MXL", "FLA"], 6)
    g = np.tile([1.0, 3.0, 6.0], 6) * (1 + periods)
    panel = pd.DataFrame(
        {
            "period": periods,
            "country": country,
            "gross_exports": g,
            "fva_share": 0.1 * periods,
            "gvc_backward": 0.2 * g,
            "gvc_forward": 0.05 * g,
            "domestic_input_share": 0.9 - 0.05 * periods,
        }
    )
    a = sim_annual(panel, spec).set_index(["country", "year", "quantity"])["value"]
    assert a[("LEM", 1995, "fva_share")] == pytest.approx((0.3 + 0.4) / 2)
    assert a[("LEM", 1996, "export_share")] == pytest.approx(0.1)  # 1 / (1 + 3 + 6)
    assert a[("MXL", 1995, "gvc_backward_share")] == pytest.approx(0.2)
    assert a[("LEM", 1996, "domestic_input_share")] == pytest.approx(0.9 - 0.05 * 5.5)
    assert "FLA" not in a.index.get_level_values("country")  # not mapped


def test_weights_diagonal_full_and_auto() -> None:
    rng = np.random.default_rng(0)
    trials = [rng.normal(size=(8, 3)) @ np.diag([1.0, 2.0, 0.5]) for _ in range(10)]
    targets = np.array([1.0, 1.0, 1.0])
    d = weights(trials, targets, Weighting())
    assert d.kind == "diagonal" and np.allclose(d.W, np.diag(np.diag(d.W)))
    pooled = np.concatenate([t - t.mean(axis=0) for t in trials])
    var = (pooled**2).sum(axis=0) / (len(pooled) - len(trials))
    assert np.allclose(np.diag(d.W), 1 / var)
    a = weights(trials, targets, Weighting(kind="auto"))
    assert a.kind == "full" and "full" in a.reason  # 70 dof >= 6, well conditioned
    few = weights(trials[:1], targets, Weighting(kind="auto"))  # 7 dof >= 6, still full
    assert few.kind == "full"
    collinear = [np.column_stack([t[:, 0], t[:, 0], t[:, 2]]) for t in trials]
    c = weights(collinear, targets, Weighting(kind="auto"))
    assert c.kind == "diagonal" and "not well conditioned" in c.reason


def test_sandwich_reduces_to_the_efficient_form_when_w_is_the_inverse_covariance() -> None:
    rng = np.random.default_rng(1)
    G = rng.normal(size=(5, 2))
    A = rng.normal(size=(5, 5))
    S = A @ A.T + np.eye(5)
    R = 4
    got = sandwich(G, np.linalg.inv(S), S, R)
    assert np.allclose(got, (1 + 1 / R) * np.linalg.inv(G.T @ np.linalg.inv(S) @ G))


def test_targets_need_real_data_or_values() -> None:
    data = tiny()
    del data["data"]
    with pytest.raises(InputError, match="field data"):
        calibration_from_dict(data)
    data["targets"] = [{"quantity": "fva_share", "kind": "level", "year": 1995, "value": 0.3}]
    assert calibration_from_dict(data).targets[0].value == 0.3
