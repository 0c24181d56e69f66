"""Kill safety, the command line (bad specs exit 2 before any run) and the report."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from gpnlab.cli import app
from gpnlab.experiments.execute import run_experiment
from gpnlab.simulate import load_preset
from tests.experiments.conftest import TINY, stored, tiny_spec, write_spec

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def start_experiment(
    tmp_path: Path, out: Path, *, capture: bool
) -> tuple[Path, subprocess.Popen[str]]:
    """A 32-run experiment in a subprocess of its own session (2 pool processes, no report);
    with ``capture`` its stdout and stderr are piped together, else discarded (a SIGKILLed
    driver leaves orphaned workers holding a pipe open)."""
    spec_file = write_spec(tmp_path / "spec.toml", {**TINY, "periods": 10, "replicates": 8})
    cmd = [sys.executable, "-m", "gpnlab.cli", "experiment", str(spec_file), "--out", str(out)]
    proc = subprocess.Popen(
        [*cmd, "--processes", "2", "--no-report"],
        cwd=REPO,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.STDOUT if capture else subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    return spec_file, proc


def logged_runs(out: Path) -> int:
    log = out / "experiment.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_sigkill_mid_experiment_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    spec_file, proc = start_experiment(tmp_path, out, capture=False)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if logged_runs(out) >= 6:
                break
            if proc.poll() is not None:
                pytest.fail("the experiment finished before it could be killed")
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # the driver only: workers are orphaned
        proc.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    con = duckdb.connect(str(out / "results.duckdb"))
    status = dict(con.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
    done = status.get("done", 0)
    assert 6 <= done < 32, status
    # every done run is complete, nothing else has rows
    per_run = con.execute(
        "SELECT r.status, count(p.run_id) FROM runs r LEFT JOIN panel p USING (run_id) "
        "GROUP BY r.run_id, r.status"
    ).fetchall()
    con.close()
    assert {n for s, n in per_run if s == "done"} == {12 * 5}  # 12 countries x periods 2..10
    assert {n for s, n in per_run if s != "done"} <= {0}

    resumed = runner.invoke(app, ["experiment", str(spec_file), "--out", str(out), "--no-report"])
    assert resumed.exit_code == 0, resumed.output
    assert re.search(rf"{done} already done", resumed.output)
    run_experiment(tiny_spec(periods=10, replicates=8), load_preset("default"), tmp_path / "clean")
    a, b = stored(out), stored(tmp_path / "clean")
    assert a["runs"]["run_id"].is_unique and len(a["runs"]) == 32
    for name in ("panel", "stages"):
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)
    pd.testing.assert_frame_equal(
        a["runs"].drop(columns="attempts"), b["runs"].drop(columns="attempts")
    )


BAD = [
    ({"parameters": {"mechanisms.no_such": {"levels": [1.0]}}}, "parameters.mechanisms.no_such"),
    (
        {
            "parameters": {"mechanisms.transfer_rate": {"range": [0.2, 0.1]}},
            "design": {"kind": "lhs"},
        },
        "empty range",
    ),
    ({"parameters": {"mechanisms.transfer_rate": {"levels": [0.1, 7.0]}}}, "less than or equal"),
    ({"replicates": 0}, "replicates"),
    ({"regimes": ["laissez_faire", "autarky"]}, "unknown regime 'autarky'"),
    ({"focal": ["ATL"]}, "unknown focal country 'ATL'"),
    ({"outputs": {"columns": ["happiness"]}}, "unknown outcome 'happiness'"),
    ({"surprise": 1}, "surprise"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_specs_exit_2_with_one_line_before_any_run(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    spec_file = write_spec(tmp_path / "bad.toml", {**TINY, **change})
    out = tmp_path / "out"
    result = runner.invoke(app, ["experiment", str(spec_file), "--out", str(out)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert message in result.output and str(spec_file) in result.output
    assert not out.exists()


def test_unreachable_scheduler_exits_2_before_any_run(tmp_path: Path) -> None:
    spec_file = write_spec(tmp_path / "spec.toml", TINY)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["experiment", str(spec_file), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9"],
    )
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler" in result.output
    assert not out.exists()


def test_smoke_spec_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "smoke"
    spec = REPO / "examples" / "experiments" / "smoke.toml"
    result = runner.invoke(app, ["experiment", str(spec), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith("report: ")
    html = (out / "report.html").read_text()
    assert "<img" in html and "http://" not in html and "https://" not in html
    # trajectories, differences, smile curve, concentration, network
    # per focal: levels, difference paths, forest, ranking, cost and gain, smile, concentration;
    # then the network
    assert html.count("data:image/png;base64,") == 8
    assert html.count("<figcaption>") == 8
    for name in ("summary", "differences", "ranking", "smile", "concentration"):
        assert len(pd.read_csv(out / "tables" / f"{name}.csv")) > 0
    rank = pd.read_csv(out / "tables" / "ranking.csv")
    assert sorted(rank["rank"]) == [1, 2, 3]
    assert set(rank["regime"]) == {"laissez_faire", "build", "gvc_oriented"}
    base = rank.set_index("regime").loc["laissez_faire"]
    assert base["dva_share_diff"] == 0.0
    again = runner.invoke(app, ["report", str(out)])
    assert again.exit_code == 0, again.output


def test_report_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "no results database" in result.output


def test_sobol_experiment_reports_indices(tmp_path: Path) -> None:
    from gpnlab.report.experiment_report import write_report

    spec = tiny_spec(
        periods=4,
        replicates=1,
        design={"kind": "sobol", "samples": 4},
        parameters={"mechanisms.transfer_rate": {"range": [0.0, 0.3]}},
        analysis={"rank_by": "value_captured", "sensitivity_outcomes": ["capability_ht"]},
    )
    out = tmp_path / "sobol"
    outcome = run_experiment(spec, load_preset("default"), out, processes=1)
    assert outcome.ran == 4 * 3 * 2 and outcome.failed == 0
    path, notes = write_report(out)
    sens = pd.read_csv(out / "tables" / "sensitivity.csv")
    assert set(sens["regime"]) == {"laissez_faire", "build"}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sens.columns)
    assert sens["ST"].notna().all()
    assert "Sensitivity" in path.read_text()
    # a sampled design pools its 12 points: intervals cover parameter and seed uncertainty
    summary = pd.read_csv(out / "tables" / "summary.csv")
    assert (summary["n"] == 12).all() and not notes


def test_a_dead_worker_stops_cleanly_and_resume_completes(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "x"
    spec_file, proc = start_experiment(tmp_path, out, capture=True)
    try:
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and time.monotonic() < deadline and proc.poll() is None:
            if logged_runs(out) >= 2:
                servers = [
                    p
                    for p in psutil.Process(proc.pid).children(recursive=True)
                    if "forkserver" in " ".join(p.cmdline())
                ]
                workers = [c for s in servers for c in s.children()]
                victim = workers[0] if workers else None
            time.sleep(0.01)
        if victim is None:
            pytest.skip("no pool worker found to kill (the run finished first)")
        victim.kill()
        output, _ = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1, output
    assert "experiment stopped (BrokenProcessPool: pool worker" in output
    assert "killed by SIGKILL" in output
    assert f"resume with: gpnlab experiment {spec_file} --out {out}" in output
    resumed = runner.invoke(app, ["experiment", str(spec_file), "--out", str(out), "--no-report"])
    assert resumed.exit_code == 0, resumed.output
    assert (stored(out)["runs"]["status"] == "done").all()


def test_report_while_an_experiment_holds_the_database_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "x"
    run_experiment(tiny_spec(replicates=1), load_preset("default"), out, processes=1)
    writer = duckdb.connect(str(out / "results.duckdb"))  # what a running driver holds
    try:
        result = subprocess.run(
            [sys.executable, "-m", "gpnlab.cli", "report", str(out)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        writer.close()
    assert result.returncode == 2, result.stderr
    assert "wait for the running experiment" in result.stderr


def test_out_that_is_a_file_exits_2(tmp_path: Path) -> None:
    spec_file = write_spec(tmp_path / "spec.toml", TINY)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["experiment", str(spec_file), "--out", str(blocker / "x")])
    assert result.exit_code == 2, result.output
    assert "is a file, not a folder" in result.output
    assert blocker.read_text() == "not a folder"
