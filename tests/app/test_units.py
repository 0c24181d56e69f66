"""The app's parts without a browser: paths under the root, controls from the config, the
data adapter and the background job."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from gpnlab.app import data
from gpnlab.app.params import all_controls, apply_controls
from gpnlab.app.paths import app_root, find_under, resolve_under
from gpnlab.app.runner import Job
from gpnlab.errors import InputError
from gpnlab.simulate.config import Mechanisms, Policy, World
from gpnlab.simulate.presets import load_preset

# ------------------------------------------------------------------ paths


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "a" / "b").mkdir(parents=True)
    (r / "a" / "b" / "f.toml").write_text("x = 1\n")
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.toml").write_text("y = 2\n")
    (r / "link_out").symlink_to(out, target_is_directory=True)
    (r / "a" / "link_in").symlink_to(r / "a" / "b", target_is_directory=True)
    return app_root(r)


def test_paths_under_the_root_resolve(root: Path) -> None:
    assert resolve_under(root, "a/b/f.toml") == root / "a" / "b" / "f.toml"
    assert resolve_under(root, str(root / "a")) == root / "a"
    assert resolve_under(root, "a/link_in/f.toml") == root / "a" / "b" / "f.toml"
    assert resolve_under(root, ".") == root


@pytest.mark.parametrize(
    "text",
    ["..", "../outside/secret.toml", "a/../../outside", "link_out/secret.toml", "link_out",
     "/etc/passwd", "/"],
)  # fmt: skip
def test_paths_outside_the_root_are_refused(root: Path, text: str) -> None:
    with pytest.raises(InputError, match="outside the app's root folder") as exc:
        resolve_under(root, text, field="table")
    assert exc.value.field == "table" and "\n" not in str(exc.value)


@pytest.mark.parametrize("text", ["", "   ", "a/\x00b", "x" * 5000, "nope/missing.toml"])
def test_unusable_paths_are_refused(root: Path, text: str) -> None:
    with pytest.raises(InputError):
        resolve_under(root, text)


def test_listing_skips_links_out_of_the_root(root: Path) -> None:
    found = find_under(root, "**/*.toml")
    assert "a/b/f.toml" in found
    assert not any("secret" in f for f in found)


def test_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        app_root(tmp_path / "missing")
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="not a folder"):
        app_root(tmp_path / "file")


# ------------------------------------------------------------------ controls


def test_a_control_for_every_numeric_field_with_bounds_and_help() -> None:
    ctl = {c.key: c for c in all_controls()}
    for model, group in ((Policy, "policy"), (Mechanisms, "mechanisms")):
        for name, info in model.model_fields.items():
            if info.annotation in (bool, int, float):
                assert f"{group}.{name}" in ctl, name
    ls = ctl["policy.learning_subsidy"]
    assert (ls.low, ls.high, ls.default) == (0.0, 1.0, 0.0)
    assert "learning investment" in ls.help
    # open bounds stop one step inside: gt 1 and lt 1 are never offered
    assert ctl["mechanisms.supplier_substitution"].low > 1
    assert ctl["mechanisms.turning_point"].high < 1


def test_every_slider_end_is_a_value_the_config_accepts() -> None:
    world = load_preset("default")
    for c in all_controls():
        for v in (c.low, c.high, c.default):
            value = bool(v) if c.kind == "bool" else int(v) if c.kind == "int" else float(v)
            apply_controls(world, {c.key: value}, ["MYL"])


def test_controls_set_policy_on_the_focal_country_only() -> None:
    world = load_preset("default")
    w = apply_controls(world, {"policy.learning_subsidy": 0.7, "mechanisms.transfer_rate": 0.2},
                       ["MYL"])  # fmt: skip
    pol = {c.code: c.policy.learning_subsidy for c in w.countries}
    assert pol["MYL"] == 0.7 and all(v == 0 for k, v in pol.items() if k != "MYL")
    assert w.mechanisms.transfer_rate == 0.2
    with pytest.raises(InputError, match="learning_subsidy"):
        apply_controls(world, {"policy.learning_subsidy": 5.0}, ["MYL"])


# ------------------------------------------------------------------ data and job


@pytest.fixture(scope="module")
def small() -> World:
    return load_preset("default")


def test_runs_are_paired_by_seed_and_analysed_like_the_report(small: World) -> None:
    req = data.RunRequest(small, "MYL", ["build", "laissez_faire"], seeds=3, periods=4,
                          firms=1000, table_of="build")  # fmt: skip
    rs = data.run_many(req)
    runs = rs.tables["runs"]
    assert len(runs) == 6 and sorted(runs["replicate"].unique()) == [0, 1, 2]
    a = data.analyse_tables(rs.tables, small)
    s = a["summary"]
    assert set(s["n"]) == {3} and set(s["period"]) == {1, 2, 3, 4}
    # the paired difference is the mean of per-seed differences (not a difference of means
    # computed elsewhere): recompute it from the panel
    p = rs.tables["panel"].merge(runs, on="run_id")
    p = p.loc[(p["country"] == "MYL") & (p["period"] == 4)].set_index(["regime", "replicate"])
    want = (p.loc["build", "policy_cost"] - p.loc["laissez_faire", "policy_cost"]).mean()
    d = a["differences"]
    got = d.loc[(d["period"] == 4) & (d["outcome"] == "policy_cost"), "mean"].item()
    assert got == pytest.approx(want) and want > 0
    assert rs.table is not None
    head = data.headline_indicators(rs.table, "MYL")
    assert 0 < head.loc["MYL", "dva_share"] < 1


def test_regime_table_probability_of_best_sums_to_one(small: World) -> None:
    req = data.RunRequest(small, "MYL", data.regimes(), seeds=2, periods=2, firms=800)
    rs = data.run_many(req)
    t = data.regime_table(rs.tables)
    assert list(t.index) == data.regimes()
    assert t["p_best"].sum() == pytest.approx(1.0)
    assert t.loc["laissez_faire", "gain"] == 0 and np.isnan(t.loc["laissez_faire", "gain_per_cost"])
    assert (t["cumulative_low"] <= t["cumulative"]).all()


def test_a_set_stop_cancels_within_a_quarter(small: World) -> None:
    req = data.RunRequest(small, "MYL", ["build"], seeds=4, periods=200, firms=1000)
    stop = threading.Event()
    seen: list[float] = []

    def progress(f: float) -> None:
        seen.append(f)
        if len(seen) == 3:
            stop.set()

    t0 = time.perf_counter()
    with pytest.raises(data.Cancelled):
        data.run_many(req, progress, stop)
    assert time.perf_counter() - t0 < 30
    assert max(seen) < 0.1


def test_job_reports_progress_and_ends_cancelled() -> None:
    calls: list[str] = []

    def work(progress, stop):  # type: ignore[no-untyped-def]
        for i in range(1000):
            if stop.is_set():
                raise data.Cancelled("cancelled")
            progress(i / 1000)
            time.sleep(0.01)
        return "done"

    job = Job(work, on_end=lambda: calls.append("end"), every=0.0).start()
    time.sleep(0.1)
    assert job.running and 0 < job.progress < 1
    job.cancel()
    assert job.wait(10) == "cancelled" and calls == ["end"]
    ok = Job(lambda p, s: 42).start()
    assert ok.wait(10) == "done" and ok.result == 42
    bad = Job(lambda p, s: 1 / 0).start()
    assert bad.wait(10) == "failed" and bad.error.startswith("ZeroDivisionError")


def test_measure_path_refuses_outside_and_reads_inside(tmp_path: Path) -> None:
    from gpnlab.io.own import write_own
    from gpnlab.synthetic import random_table

    root = app_root(tmp_path)
    write_own(random_table(3, 2, seed=1), root / "t", overwrite=True)
    table, ind = data.measure_path(root, "t")
    assert list(ind.index) == ["C01", "C02", "C03"]
    assert data.table_choices(root) == ["t"]
    with pytest.raises(InputError, match="outside"):
        data.measure_path(root, "..")


def test_a_run_done_before_is_taken_from_memory(small: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    real = data.simulate

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(data, "simulate", counted)
    req = data.RunRequest(small, "VNL", ["join", "laissez_faire"], seeds=2, periods=2, firms=700)
    first = data.run_many(req)
    assert len(calls) == 4
    again = data.run_many(req)
    assert len(calls) == 4  # nothing re-simulated, same numbers
    assert again.tables["panel"].equals(first.tables["panel"])
    moved = data.RunRequest(small, "VNL", ["join", "laissez_faire"], seeds=2, periods=2,
                            firms=700, values={"policy.fdi_incentive": 0.5})  # fmt: skip
    data.run_many(moved)
    assert len(calls) == 6  # only the regime's runs: the baseline is unchanged


def test_app_command_refuses_a_bad_root_or_port_and_binds_locally(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from gpnlab.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["app", "--root", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "the root folder does not exist" in r.stderr
    r = runner.invoke(app, ["app", "--port", "70000", "--root", str(tmp_path)])
    assert r.exit_code == 2 and "65535" in r.stderr
    help_text = " ".join(runner.invoke(app, ["app", "--help"]).output.split())
    assert "[default: 127.0.0.1]" in help_text and "[default: 8765]" in help_text


def test_measure_a_folder_of_years(tmp_path: Path) -> None:
    from gpnlab.io.own import write_own
    from gpnlab.synthetic import random_table

    root = app_root(tmp_path)
    write_own(random_table(3, 2, seed=1), root / "years" / "2010", overwrite=True)
    write_own(random_table(4, 2, seed=2), root / "years" / "2011", overwrite=True)
    _, ind = data.measure_path(root, "years", 2011)
    assert list(ind.index) == ["C01", "C02", "C03", "C04"]
    _, ind = data.measure_path(root, "years", 2010)
    assert len(ind) == 3
