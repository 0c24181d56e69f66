"""The calibration on the engine: outputs, resume after SIGKILL or SIGTERM, the same trials on a
local pool, on a Dask cluster gpnlab starts and on one it reaches by address."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from gpnlab.calibrate.run import run_calibration
from gpnlab.calibrate.spec import calibration_from_dict
from gpnlab.cli import app
from gpnlab.simulate.config import load_world
from tests.calibrate.conftest import tiny, write_spec

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def search_trials(out: Path) -> pd.DataFrame:
    with duckdb.connect(str(out / "calibration.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT number, params, J, status FROM trials WHERE phase = 'search' ORDER BY number"
        ).df()


def test_cli_run_writes_trials_best_world_and_report_then_resumes_with_nothing_to_do(
    tmp_path: Path,
) -> None:
    spec = write_spec(tmp_path, tiny())
    out = tmp_path / "out"
    res = runner.invoke(app, ["calibrate", str(spec), "--out", str(out), "--processes", "2"])
    assert res.exit_code == 0, res.output
    for name in ("trials.parquet", "best.toml", "calibration.html", "calibration.duckdb"):
        assert (out / name).is_file(), name
    trials = pd.read_parquet(out / "trials.parquet")
    search = trials[trials["phase"] == "search"]
    assert len(search) == 6 and (search["status"] == "done").all()
    assert len(trials[trials["phase"] == "profile"]) == 4  # 2 parameters x 2 offsets
    best = search.loc[search["J"].idxmin()]
    world = load_world(out / "best.toml")  # a full world file
    lem = next(c for c in world.countries if c.code == "LEM")
    assert lem.knowledge_base == pytest.approx(best["countries.LEM.knowledge_base"])
    assert world.mechanisms.switching_cost == pytest.approx(best["mechanisms.switching_cost"])
    html = (out / "calibration.html").read_text()
    for section in ("Estimates", "Fit", "Out of sample", "Objective", "Identification"):
        assert section in html
    assert "data:image/png;base64," in html and "<script" not in html
    sim = runner.invoke(
        app, ["simulate", str(out / "best.toml"), "--periods", "2", "--out", str(tmp_path / "sim")]
    )
    assert sim.exit_code == 0, sim.output
    again = runner.invoke(app, ["calibrate", str(spec), "--out", str(out), "--processes", "2"])
    assert again.exit_code == 0, again.output
    assert "0 point(s) simulated (10 already stored)" in again.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "trials.parquet"), trials)


def logged(out: Path) -> list[str]:
    log = out / "calibration.log"
    if not log.exists():
        return []
    return [ln for ln in log.read_text().splitlines() if ln.startswith("search") and " done " in ln]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_killed_run_loses_no_finished_trial_and_resume_equals_an_uninterrupted_run(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """SIGKILL: the driver dies at once; SIGTERM: it unwinds (exit 143, docs/reliability.md).
    Either way every trial logged as finished is in the store and the resumed run's trials are
    those of a run never interrupted."""
    data = tiny(search={"trials": 8, "batch": 2}, diagnostics={"enabled": False})
    spec = write_spec(tmp_path / "k", data)
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "gpnlab.cli",
        "calibrate",
        str(spec),
        "--out",
        str(out),
        "--processes",
        "2",
        "--no-report",
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and len(logged(out)) < 3:
            if proc.poll() is not None:
                pytest.fail("the calibration finished before it could be killed")
            time.sleep(0.01)
        os.kill(proc.pid, sig)  # the driver only: its workers exit on their own
        code = proc.wait(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 143)
    finished = {int(ln.split()[1]) for ln in logged(out)}
    assert len(finished) >= 3
    stored = search_trials(out)
    assert finished <= set(stored["number"])  # every trial logged as finished was committed
    assert len(stored) < 8
    res = runner.invoke(
        app, ["calibrate", str(spec), "--out", str(out), "--processes", "2", "--no-report"]
    )
    assert res.exit_code == 0, res.output
    assert f"({len(stored)} already stored)" in res.output
    resumed = search_trials(out)
    ref_out = tmp_path / "ref"
    run_calibration(
        calibration_from_dict(data), ref_out, root=spec.parent, processes=2, report=False
    )
    pd.testing.assert_frame_equal(resumed, search_trials(ref_out), check_exact=True)


def test_more_trials_on_the_command_line_extend_a_finished_calibration(tmp_path: Path) -> None:
    """``--trials 2`` then ``--trials 4`` on the same folder: the second run keeps the two
    stored trials, adds two, and the four are those of a single 4-trial run; ``--seeds``
    changes the calibration, so it is refused on that folder."""
    data = tiny(search={"trials": 6, "batch": 2}, diagnostics={"enabled": False})
    spec = write_spec(tmp_path / "t", data)
    out = tmp_path / "grown"
    args = ["calibrate", str(spec), "--out", str(out), "--processes", "2", "--no-report"]
    first = runner.invoke(app, [*args, "--trials", "2"])
    assert first.exit_code == 0, first.output
    assert len(search_trials(out)) == 2
    more = runner.invoke(app, [*args, "--trials", "4"])
    assert more.exit_code == 0, more.output
    assert "(2 already stored)" in more.output
    ref = tmp_path / "ref"
    four = calibration_from_dict(data).with_overrides(trials=4)
    run_calibration(four, ref, root=spec.parent, processes=2, report=False)
    pd.testing.assert_frame_equal(search_trials(out), search_trials(ref), check_exact=True)
    other = runner.invoke(app, [*args, "--trials", "4", "--seeds", "3"])
    assert other.exit_code == 2 and "different calibration" in other.output


def test_local_pool_and_dask_give_the_same_trials(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    data = tiny(search={"trials": 4, "batch": 2}, diagnostics={"enabled": False})
    spec = calibration_from_dict(data)
    write_spec(tmp_path, data)  # real.csv
    run_calibration(spec, tmp_path / "local", root=tmp_path, processes=2, report=False)
    run_calibration(spec, tmp_path / "dask", root=tmp_path, workers=2, report=False)
    pd.testing.assert_frame_equal(
        search_trials(tmp_path / "local"), search_trials(tmp_path / "dask"), check_exact=True
    )


def test_an_existing_dask_scheduler_by_address_gives_the_same_trials(tmp_path: Path) -> None:
    """``--scheduler ADDR``: gpnlab connects to a cluster it did not start (here a
    LocalCluster of two worker processes standing in for a remote one), runs the trials there,
    and leaves the cluster running."""
    distributed = pytest.importorskip("distributed")
    data = tiny(search={"trials": 4, "batch": 2}, diagnostics={"enabled": False})
    spec = calibration_from_dict(data)
    write_spec(tmp_path, data)  # real.csv
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:  # fmt: skip
        run_calibration(
            spec, tmp_path / "remote", root=tmp_path, scheduler=cluster.scheduler_address,
            report=False,
        )  # fmt: skip
        with distributed.Client(cluster.scheduler_address, timeout=10) as client:
            assert len(client.scheduler_info()["workers"]) == 2  # still up
    run_calibration(spec, tmp_path / "local", root=tmp_path, processes=2, report=False)
    pd.testing.assert_frame_equal(
        search_trials(tmp_path / "local"), search_trials(tmp_path / "remote"), check_exact=True
    )


def test_cmaes_runs_and_asks_distinct_points(tmp_path: Path) -> None:
    data = tiny(
        search={"trials": 8, "batch": 4, "sampler": "cmaes"}, diagnostics={"enabled": False}
    )
    write_spec(tmp_path, data)
    run_calibration(
        calibration_from_dict(data), tmp_path / "o", root=tmp_path, processes=2, report=False
    )
    t = search_trials(tmp_path / "o")
    assert len(t) == 8 and t["params"].nunique() == 8 and t["J"].notna().all()


def test_example_spec_parses_from_its_file() -> None:
    path = REPO / "examples/calibration/wiod_electronics.toml"
    assert calibration_from_dict(tomllib.loads(path.read_text())).name == "wiod_electronics"


def test_morris_screening_fixes_a_parameter_the_moments_do_not_respond_to(tmp_path: Path) -> None:
    # the default world has no downturn (downturn_start unset): its depth changes nothing, and
    # with common seeds its elementary effects are exactly zero
    params = {**tiny()["parameters"], "shocks.downturn_depth": {"range": [0.1, 0.5]}}
    data = tiny(
        parameters=params,
        screening={"trajectories": 2, "levels": 4},
        search={"trials": 2, "batch": 2},
        diagnostics={"enabled": False},
    )
    write_spec(tmp_path, data)
    res = run_calibration(
        calibration_from_dict(data), tmp_path / "o", root=tmp_path, processes=2, report=True
    )
    screen = res.extra["screen"]
    assert list(screen.index) == list(params)
    assert (screen.loc["shocks.downturn_depth"] == 0).all()
    assert res.fixed == ["shocks.downturn_depth"]
    assert "shocks.downturn_depth" not in res.best
    t = search_trials(tmp_path / "o")
    assert not t["params"].str.contains("downturn").any()
    assert "Morris screening" in (tmp_path / "o" / "calibration.html").read_text()


def test_a_calibration_beyond_the_machine_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """Memory: one simulation per local process must fit (here under a --max-memory of 1 MB);
    time: more than a day of simulations needs --yes. One line, exit 2, no output folder."""
    spec = write_spec(tmp_path, tiny())
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["calibrate", str(spec), "--out", str(out), "--max-memory", "1M", "--processes", "2"]
    )
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1 and "memory" in res.output
    assert not out.exists()
    big = write_spec(
        tmp_path,
        tiny(firms=200_000, seeds=1000, search={"trials": 100_000, "batch": 50, "startup": 10}),
    )
    res = runner.invoke(app, ["calibrate", str(big), "--out", str(out), "--processes", "2"])
    assert res.exit_code == 2, res.output
    assert "--yes" in res.output and len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_another_jacobian_span_rereads_the_stored_profile_without_simulating(
    tmp_path: Path,
) -> None:
    """``diagnostics.jacobian_span`` changes no simulated point: a finished calibration resumed
    with another span is the same calibration (no 'different calibration' refusal), simulates
    nothing new, and reads G from more of the stored profile points."""
    data = tiny(search={"trials": 2, "batch": 2}, diagnostics={"offsets": [-0.3, -0.1, 0.1, 0.3]})
    out = tmp_path / "out"
    spec = write_spec(tmp_path / "t", data)
    first = run_calibration(spec, out, processes=2, report=False)
    with duckdb.connect(str(out / "calibration.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT count(*) FROM trials").fetchone()
    wide = {**data, "diagnostics": {**data["diagnostics"], "jacobian_span": 0.5}}
    again = run_calibration(write_spec(tmp_path / "w", wide), out, processes=2, report=False)
    with duckdb.connect(str(out / "calibration.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM trials").fetchone() == rows
    assert again.ran == 0 and again.reused > 0
    assert again.extra["jacobian_span"] == 0.5 and first.extra["jacobian_span"] == 0.1
    assert again.best == first.best
    assert not (again.extra["jacobian"] == first.extra["jacobian"]).all()
    with duckdb.connect(str(out / "calibration.duckdb"), read_only=True) as con:
        stored = con.execute("SELECT value FROM meta WHERE key = 'spec'").fetchone()
    assert stored is not None  # the provenance names the span this run used
    assert json.loads(stored[0])["diagnostics"]["jacobian_span"] == 0.5
