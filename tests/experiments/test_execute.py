"""End-to-end execution: local pool, Dask LocalCluster, resume, retry of failed runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gpnlab.experiments import worker
from gpnlab.experiments.execute import run_experiment
from gpnlab.experiments.store import read_tables
from gpnlab.simulate import load_preset
from tests.experiments.conftest import stored, tiny_spec


def assert_same_results(a: Path, b: Path) -> None:
    ta, tb = stored(a), stored(b)
    for name in ("runs", "panel", "stages"):
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)


def test_local_pool_and_dask_cluster_store_identical_results(tmp_path: Path) -> None:
    spec = tiny_spec()
    base = load_preset("default")
    serial = run_experiment(spec, base, tmp_path / "serial", processes=1)
    pool = run_experiment(spec, base, tmp_path / "pool", processes=2)
    dask = run_experiment(spec, base, tmp_path / "dask", workers=2)
    assert serial.ran == pool.ran == dask.ran == 12 and dask.failed == 0
    assert dask.backend.startswith("dask (2 workers")
    assert_same_results(tmp_path / "serial", tmp_path / "pool")
    assert_same_results(tmp_path / "serial", tmp_path / "dask")
    t = read_tables(tmp_path / "dask")
    assert (t["runs"]["status"] == "done").all()
    # kept outputs: columns and periods asked for, every country of every run
    assert list(t["panel"].columns) == [
        "run_id",
        "period",
        "country",
        "dva_share",
        "capability_ht",
        "value_captured",
    ]
    assert sorted(t["panel"]["period"].unique()) == [2, 4, 6]
    assert t["panel"].groupby("run_id").size().nunique() == 1
    for name in ("runs", "panel", "stages"):
        assert (tmp_path / "dask" / f"{name}.parquet").exists()
        exported = pd.read_parquet(tmp_path / "dask" / f"{name}.parquet")
        assert len(exported) == len(t[name])


def test_resume_skips_finished_runs(tmp_path: Path) -> None:
    spec, base = tiny_spec(), load_preset("default")
    first = run_experiment(spec, base, tmp_path / "x", processes=1)
    again = run_experiment(spec, base, tmp_path / "x", processes=1)
    assert first.ran == 12 and again.ran == 0 and again.skipped == 12
    assert (stored(tmp_path / "x")["runs"]["attempts"] == 1).all()


def test_failed_runs_are_recorded_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, base = tiny_spec(), load_preset("default")
    real = worker.simulate_run

    def flaky(spec_, base_, run, **kw):  # type: ignore[no-untyped-def]
        if run.run_id % 5 == 0:
            raise RuntimeError("solver blew up")
        return real(spec_, base_, run, **kw)

    monkeypatch.setattr(worker, "simulate_run", flaky)
    first = run_experiment(spec, base, tmp_path / "x", processes=1)
    assert first.failed == 3  # runs 0, 5, 10
    runs = read_tables(tmp_path / "x")["runs"]
    failed = runs.loc[runs["status"] == "failed"]
    assert list(failed["run_id"]) == [0, 5, 10]
    assert failed["error"].str.contains("RuntimeError: solver blew up").all()
    assert not set(read_tables(tmp_path / "x")["panel"]["run_id"]) & {0, 5, 10}
    monkeypatch.setattr(worker, "simulate_run", real)
    second = run_experiment(spec, base, tmp_path / "x", processes=1)
    assert second.ran == 3 and second.failed == 0
    run_experiment(spec, base, tmp_path / "clean", processes=1)
    clean = stored(tmp_path / "clean")
    retried = stored(tmp_path / "x")
    pd.testing.assert_frame_equal(clean["panel"], retried["panel"])
    assert list(retried["runs"]["attempts"]) == [2 if i in (0, 5, 10) else 1 for i in range(12)]


def test_a_different_spec_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    from gpnlab.errors import InputError

    base = load_preset("default")
    run_experiment(tiny_spec(replicates=1), base, tmp_path / "x", processes=1)
    with pytest.raises(InputError, match="different experiment"):
        run_experiment(tiny_spec(replicates=2), base, tmp_path / "x", processes=1)
    fresh = run_experiment(tiny_spec(replicates=2), base, tmp_path / "x", processes=1, fresh=True)
    assert fresh.ran == 8


def test_stored_runs_of_another_world_or_version_are_not_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run is a pure function of (config, seed, version): a folder whose runs were made with
    another base world, or by another gpnlab version, is refused with the --fresh fix."""
    from gpnlab.errors import InputError
    from gpnlab.experiments import store

    base = load_preset("default")
    run_experiment(tiny_spec(replicates=1), base, tmp_path / "x", processes=1)
    changed = base.model_copy(update={"informal_productivity": 0.5})
    with pytest.raises(InputError, match="another base world") as exc:
        run_experiment(tiny_spec(replicates=1), changed, tmp_path / "x", processes=1)
    assert "--fresh" in str(exc.value)
    monkeypatch.setattr(store, "__version__", "9.9.9")
    with pytest.raises(InputError, match="made by gpnlab .*, this is 9.9.9"):
        run_experiment(tiny_spec(replicates=1), base, tmp_path / "x", processes=1)


def test_runs_with_the_same_inputs_are_simulated_once(tmp_path: Path) -> None:
    """Baseline runs of different focal countries are the same world and seed."""
    from gpnlab.experiments.design import build_runs
    from gpnlab.experiments.worker import simulate_run

    spec = tiny_spec(focal=["MYL", "LEM"], replicates=2)
    base = load_preset("default")
    outcome = run_experiment(spec, base, tmp_path / "x", processes=1)
    # 2 regimes x 2 focal x 2 levels x 2 replicates = 16 runs; laissez_faire shared by focal
    assert outcome.ran == 16 and outcome.simulated == 12
    t = read_tables(tmp_path / "x")
    runs = build_runs(spec)
    lf = [r for r in runs if r.regime == "laissez_faire" and r.focal == "LEM"]
    for r in lf:  # every stored twin equals its own direct simulation
        direct = simulate_run(spec, base, r).panel
        kept = direct.loc[direct["period"].isin([2, 4, 6])].sort_values(["period", "country"])
        kept = kept[spec.outputs.columns]
        stored_rows = t["panel"].loc[t["panel"]["run_id"] == r.run_id]
        pd.testing.assert_frame_equal(
            stored_rows.sort_values(["period", "country"])[spec.outputs.columns].reset_index(
                drop=True
            ),
            kept.reset_index(drop=True),
            check_exact=True,
        )
    # with a focal-country parameter the focal matters even under laissez_faire
    spec2 = tiny_spec(
        focal=["MYL", "LEM"],
        replicates=1,
        parameters={"countries.focal.institutions": {"levels": [0.9]}},
    )
    assert run_experiment(spec2, base, tmp_path / "y", processes=1).simulated == 4


def test_pool_with_more_processes_than_tasks_and_nothing_left_to_run(tmp_path: Path) -> None:
    spec, base = tiny_spec(replicates=1, batch_size=4), load_preset("default")
    first = run_experiment(spec, base, tmp_path / "x", processes=3)  # one task of 4 runs
    assert first.ran == 4 and first.failed == 0
    again = run_experiment(spec, base, tmp_path / "x", processes=3)  # no task at all
    assert again.ran == 0 and again.skipped == 4
    run_experiment(spec, base, tmp_path / "serial", processes=1)
    assert_same_results(tmp_path / "x", tmp_path / "serial")


def test_results_do_not_depend_on_the_pool_size_or_batching(tmp_path: Path) -> None:
    base = load_preset("default")
    run_experiment(tiny_spec(batch_size=1), base, tmp_path / "a", processes=2)
    run_experiment(tiny_spec(batch_size=5), base, tmp_path / "b", processes=3)
    ta, tb = stored(tmp_path / "a"), stored(tmp_path / "b")
    for name in ("panel", "stages"):
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)
