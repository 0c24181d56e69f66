"""Bad experiment specs are refused in one line naming the field (issue 9); the run count and
the design's memory are known before the design is drawn."""

from __future__ import annotations

import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import pytest

from gpnlab.errors import InputError
from gpnlab.experiments.design import (
    build_runs,
    count_points,
    count_runs,
    design_bytes,
    design_points,
)
from gpnlab.experiments.execute import group_twins
from gpnlab.experiments.spec import Spec, load_spec, spec_from_dict
from gpnlab.resources import ENV_LIMIT, ResourceError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "experiments"


def spec(**changes: Any) -> Spec:
    return spec_from_dict({"focal": ["MYL"], **changes}, where="s.toml")


def refused(field: str, **changes: Any) -> str:
    with pytest.raises(InputError) as exc:
        spec(**changes)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("s.toml: ")
    assert exc.value.field == field, msg
    return msg


# ------------------------------------------------------------------ name


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "../x",
        "a/../../b",
        "/abs/path",
        "a\\b",
        ".hidden",
        "-flag",
        "with space",
        "tab\there",
        "nul\x00",
        "new\nline",
        "caf\u00e9",
        "x" * 101,
    ],
)
def test_name_must_be_plain(name: str) -> None:
    msg = refused("name", name=name)
    assert "not a plain name" in msg


@pytest.mark.parametrize("name", ["demo", "smoke-2", "run_1.v2", "A", "x" * 100, "2026.q1"])
def test_plain_names_accepted(name: str) -> None:
    assert spec(name=name).name == name


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 2**63}, "seed"),
        ({"firms": 5}, "firms"),
        ({"firms": 2**31}, "firms"),
        ({"periods": 0}, "periods"),
        ({"periods": 10**6}, "periods"),
        ({"replicates": 0}, "replicates"),
        ({"replicates": 10**6}, "replicates"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 10**6}, "batch_size"),
        ({"outputs": {"every": 0}}, "outputs.every"),
        ({"outputs": {"every": 10**6}}, "outputs.every"),
        ({"design": {"samples": 0}}, "design.samples"),
        ({"design": {"kind": "morris", "levels": 1}}, "design.levels"),
        ({"analysis": {"level": 1.0}}, "analysis.level"),
        ({"analysis": {"level": float("nan")}}, "analysis.level"),
    ],
)
def test_numbers_out_of_range(changes: dict[str, Any], field: str) -> None:
    refused(field, **changes)


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_parameters(bad: float) -> None:
    msg = refused(
        "parameters.mechanisms.transfer_rate.levels.1",
        parameters={"mechanisms.transfer_rate": {"levels": [0.1, bad]}},
    )
    assert "finite" in msg
    refused(
        "parameters.mechanisms.transfer_rate.range.0",
        design={"kind": "lhs"},
        parameters={"mechanisms.transfer_rate": {"range": [bad, 0.1]}},
    )


def test_cross_field_checks_name_their_field() -> None:
    refused("regimes", regimes=["laissez_faire", "autarky"])
    refused("baseline", regimes=["build"], baseline="laissez_faire")
    refused("focal", focal=["MYL", "MYL"])
    refused(
        "parameters.mechanisms.transfer_rate",
        design={"kind": "lhs"},
        parameters={"mechanisms.transfer_rate": {"levels": [0.1]}},
    )
    refused("parameters", design={"kind": "sobol"})
    refused(
        "analysis.rank_by", analysis={"rank_by": "dva_share"}, outputs={"columns": ["fva_share"]}
    )


def test_spec_files_that_are_not_text(tmp_path: Path) -> None:
    for data, found in [
        ((EXAMPLES / "smoke.toml").read_text().encode("utf-16"), "UTF-16 byte-order mark"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
    ]:
        p = tmp_path / "spec.toml"
        p.write_bytes(data)
        with pytest.raises(InputError, match=found) as exc:
            load_spec(p)
        assert exc.value.field == "SPEC" and "expected UTF-8" in str(exc.value)
    with pytest.raises(InputError, match="is a folder"):
        load_spec(tmp_path)


def test_example_specs_load() -> None:
    demo, _ = load_spec(EXAMPLES / "demo.toml")
    assert count_runs(demo) == 1 * 5 * 3 * 10
    smoke, _ = load_spec(EXAMPLES / "smoke.toml")
    assert count_runs(smoke) == 1 * 3 * 1 * 4


# ------------------------------------------------------------------ run counts and memory


def sampled(kind: str, d: int, samples: int, **changes: Any) -> Spec:
    params = {f"mechanisms.p{i}": {"range": [0.0, 1.0]} for i in range(d)}
    return spec(design={"kind": kind, "samples": samples, **changes}, parameters=params)


CASES = [
    spec(),
    spec(regimes=["laissez_faire", "build"], focal=["MYL", "LEM"], replicates=3),
    spec(
        parameters={
            "mechanisms.transfer_rate": {"levels": [0.04, 0.08, 0.12]},
            "mechanisms.absorption": {"levels": [0.5, 1.0]},
        }
    ),
    sampled("lhs", 3, 17),
    sampled("sobol", 3, 8),
    sampled("sobol", 3, 8, second_order=True),
    sampled("sobol", 1, 4, second_order=True),
    sampled("morris", 2, 5),
    sampled("morris", 4, 3, levels=6),
]


@pytest.mark.parametrize("s", CASES)
def test_count_runs_matches_the_design(s: Spec) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib: sample sizes that are not powers of 2
        points = design_points(s)
    assert len(points) == count_points(s)
    assert len(build_runs(s, points)) == count_runs(s)


def test_big_legal_design_refused_before_allocating() -> None:
    """A Sobol design of 1e6 samples x 1e5 replicates is legal but needs ~100 TiB: refused
    from its counts, before SALib draws anything."""
    s = sampled("sobol", 3, 1_000_000, second_order=True).model_copy(update={"replicates": 100_000})
    assert count_runs(s) == 1_000_000 * 8 * 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ResourceError) as exc:
            design_points(s, where="big.toml")
        with pytest.raises(ResourceError):
            build_runs(s)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    msg = str(exc.value)
    assert msg.startswith("big.toml: a design of 8,000,000 points x 1 regimes x 1 focal")
    assert "800,000,000,000 runs needs about" in msg and "\n" not in msg


def test_astronomical_factorial_is_counted_not_built() -> None:
    params = {f"mechanisms.p{i}": {"levels": list(range(10))} for i in range(400)}
    s = spec(parameters=params)
    assert count_points(s) == 10**400
    with pytest.raises(ResourceError, match="more than 10\\^400 points"):
        design_points(s)


def test_max_memory_bounds_the_design(monkeypatch: pytest.MonkeyPatch) -> None:
    s = sampled("lhs", 2, 1000).model_copy(update={"replicates": 1000})  # 1e6 runs
    monkeypatch.setenv(ENV_LIMIT, "64M")
    with pytest.raises(ResourceError, match="1,000,000 runs") as exc:
        design_points(s)
    assert exc.value.field == "design.samples"


def test_design_bytes_bounds_the_traced_peak() -> None:
    """The estimate covers the traced memory of the points, the RunSpecs and the driver's
    bookkeeping (the store's rows are counted too, so it is above, within a few times)."""
    s = sampled("lhs", 3, 2000).model_copy(
        update={"replicates": 10, "regimes": ["laissez_faire", "build"]}
    )
    tracemalloc.start()
    try:
        runs = build_runs(s, design_points(s))
        group_twins(runs)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(runs) == 40_000
    assert peak < design_bytes(s) < 4 * peak, (peak, design_bytes(s))


def test_listed_sensitivity_outcomes_must_be_kept_columns() -> None:
    """A listed outcome that is not kept is refused; the defaults are skipped where not kept."""
    from gpnlab.errors import InputError
    from gpnlab.experiments.spec import spec_from_dict

    base = {"focal": ["MYL"], "outputs": {"columns": ["dva_share", "value_captured"]}}
    spec_from_dict(base)  # default sensitivity outcomes: capability_ht is simply not analysed
    with pytest.raises(InputError, match="sensitivity_outcomes"):
        spec_from_dict({**base, "analysis": {"sensitivity_outcomes": ["capability_ht"]}})
