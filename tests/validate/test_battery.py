"""The battery: every fact reads a metric a run produces, pairing by seed, the identification
verdict, the collector changes no bits, and (slow) a small battery end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gpnlab.experiments.design import RunSpec
from gpnlab.experiments.spec import spec_from_dict
from gpnlab.experiments.worker import simulate_with_metrics
from gpnlab.simulate.config import scale_firms
from gpnlab.simulate.presets import load_preset
from gpnlab.simulate.run import simulate
from gpnlab.validate.battery import distinct_summary, fact_values, judge
from gpnlab.validate.collect import Collector
from gpnlab.validate.facts import FACTS, VARIANT_NAMES, Fact, needed_regimes, variants


@pytest.fixture(scope="module")
def small_run() -> pd.DataFrame:
    spec = spec_from_dict(
        {
            "name": "t",
            "firms": 900,
            "periods": 16,
            "focal": ["MYL"],
            "outputs": {"metrics": "validation", "horizons": [8, 16]},
        }
    )
    run = RunSpec(run_id=0, point=0, regime="laissez_faire", focal="MYL", replicate=0,
                  seed=5, params=())  # fmt: skip
    _, metrics = simulate_with_metrics(spec, load_preset("default"), run)
    return metrics


def test_variants_are_the_declared_ones_and_relative_to_the_world() -> None:
    world = load_preset("default")
    vs = variants(world)
    assert tuple(v.name for v in vs) == VARIANT_NAMES
    half = next(v for v in vs if v.name == "half_transfer")
    assert half.parameters["mechanisms.transfer_rate"] == world.mechanisms.transfer_rate / 2
    assert set(needed_regimes()) <= {"join", "build", "gvc_oriented", "hybrid"}


def test_every_fact_reads_a_metric_that_a_run_produces(small_run: pd.DataFrame) -> None:
    have = set(zip(small_run["metric"], small_run["group"], strict=True))
    for fact in FACTS:
        key = (fact.metric, fact.group.format(focal="MYL"))
        assert key in have, f"{fact.id} reads {key}, which no run produces"
    assert small_run["value"].notna().mean() > 0.8


def test_collector_changes_no_bits() -> None:
    world = scale_firms(load_preset("default"), 800)
    a = simulate(world, seed=3, periods=10)
    b = simulate(world, seed=3, periods=10, on_period=Collector(periods={0, 4, 10}))
    pd.testing.assert_frame_equal(a.panel, b.panel, check_exact=True)
    pd.testing.assert_frame_equal(a.stages, b.stages, check_exact=True)


def _metrics(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    """Hand-made store rows: (variant, focal, replicate, value) of metric m at period 10."""
    df = pd.DataFrame(rows, columns=["variant", "focal", "replicate", "value"])
    return df.assign(metric="m", period=10, group="")


def test_effects_are_paired_by_seed_whatever_the_row_order() -> None:
    fact = Fact("x", "f", "s", "src", "m", "effect", ">0", a="join", b="laissez_faire")
    rows = [("join", "MYL", r, 10.0 + r) for r in (2, 0, 1)] + [
        ("laissez_faire", "MYL", r, float(r)) for r in (1, 2, 0)
    ] + [("join", "LEM", 0, 99.0)]  # fmt: skip
    values = fact_values(_metrics(rows), fact, "MYL", 10)
    assert values.tolist() == [10.0, 10.0, 10.0]


def test_a_missing_seed_is_nan_not_shifted() -> None:
    fact = Fact("x", "f", "s", "src", "m", "effect", ">0", a="no_transfer", b="laissez_faire")
    rows = [("no_transfer", "MYL", r, 1.0) for r in (0, 2)] + [
        ("laissez_faire", "MYL", r, 0.0) for r in (0, 1, 2)
    ]
    values = fact_values(_metrics(rows), fact, "", 10)
    assert np.isnan(values[1]) and values[0] == 1.0 and values[2] == 1.0


def test_distinct_fails_on_identical_runs_and_holds_on_a_clear_difference() -> None:
    assert distinct_summary(np.zeros(10))["verdict"] == "fails"
    assert distinct_summary(np.array([0.1, 0.12, 0.09, 0.11]))["verdict"] == "holds"
    assert distinct_summary(np.array([0.1, -0.1, 0.05, -0.04]))["verdict"] == "inconclusive"


def test_judge_reports_failures_as_failures() -> None:
    """A level fact whose every seed misses the target is judged 'fails' (never 'holds')."""
    rows = []
    for r in range(8):
        rows.append(("smile_va_share", "", r, -0.2 - 0.01 * r))
    df = pd.DataFrame(rows, columns=["metric", "group", "replicate", "value"])
    df = df.assign(variant="laissez_faire", focal="MYL", period=20)
    out = judge(df, ["MYL"], [20])
    row = out[out["id"] == "smile_va_share"].iloc[0]
    assert row["verdict"] == "fails" and row["share_holds"] == 0


@pytest.mark.slow
def test_small_battery_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "v"
    cmd = [sys.executable, "-m", "gpnlab.cli", "validate", "--seeds", "3", "--periods", "12",
           "--firms", "600", "--horizons", "6,12", "--focal", "MYL", "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    facts = pd.read_csv(out / "facts.csv")
    assert set(facts["id"]) == {f.id for f in FACTS}
    assert set(facts["verdict"]) <= {"holds", "fails", "inconclusive"}
    assert (out / "decomposition.csv").stat().st_size > 0
    html = (out / "validation.html").read_text()
    assert "data:image/png;base64," in html and "<script" not in html
    assert json.loads((out / ".gpnlab-output.json").read_text())["command"] == "validate"
    again = subprocess.run([*cmd, "--strict"], capture_output=True, text=True, timeout=900)
    expected = 1 if (facts["verdict"] == "fails").any() else 0
    assert again.returncode == expected, again.stderr[-2000:]


def test_a_trend_is_the_last_minus_the_first_horizon_per_seed() -> None:
    fact = Fact("x", "f", "s", "src", "m", "trend", ">0")
    df = pd.DataFrame(
        [("laissez_faire", "MYL", r, p, 10.0 * p + r) for r in range(3) for p in (20, 60, 100)],
        columns=["variant", "focal", "replicate", "period", "value"],
    ).assign(metric="m", group="")
    assert fact_values(df, fact, "", 100, first=20).tolist() == [800.0, 800.0, 800.0]
