"""Determinism (same command, same bytes) and invalid configs (one line, exit code 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpnlab.cli import app
from gpnlab.simulate.presets import preset_names

runner = CliRunner()
ARGS = ["--periods", "5", "--firms", "1500", "--mrio-every", "5"]


def test_same_command_gives_identical_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        r = runner.invoke(app, ["simulate", *ARGS, "--seed", "3", "--out", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    for f in ("panel.parquet", "stages.parquet", "firms.parquet", "mrio/period=5/Z.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    r = runner.invoke(app, ["simulate", *ARGS, "--seed", "4", "--out", str(tmp_path / "c")])
    assert r.exit_code == 0
    assert (tmp_path / "a" / "panel.parquet").read_bytes() != (
        tmp_path / "c" / "panel.parquet"
    ).read_bytes()


def test_outputs_and_manifest(tmp_path: Path) -> None:
    import json

    import pandas as pd

    r = runner.invoke(app, ["simulate", *ARGS, "--regime", "build", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    panel = pd.read_parquet(tmp_path / "o" / "panel.parquet")
    from gpnlab.simulate.record import PANEL_OUTCOMES

    assert list(panel.columns) == ["period", "country", *PANEL_OUTCOMES]
    required = [
        "period",
        "country",
        "gross_exports",
        "dva_share",
        "fva_share",
        "gvc_backward",
        "gvc_forward",
        "domestic_ht",
        "domestic_lt",
        "capability_ht",
        "capability_lt",
        "functional_position",
        "value_captured",
        "employment",
        "wage_bill",
        "informal_share",
        "productivity",
        "policy_cost",
        "supplier_drops",
        "odm_firms",
        "obm_firms",
    ]
    assert [c for c in required if c not in panel.columns] == []
    assert len(panel) == 5 * 12
    stages = pd.read_parquet(tmp_path / "o" / "stages.parquet")
    assert {"period", "stage", "country", "output", "value_added", "firms"} <= set(stages.columns)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert manifest["seed"] == 0 and "sourcing" in manifest["mechanism_time_s"]
    assert manifest["config"]["countries"][6]["policy"]["learning_subsidy"] > 0  # focal: MYL
    assert manifest["config"]["countries"][0]["policy"]["learning_subsidy"] == 0  # flagship home


def test_list_presets() -> None:
    r = runner.invoke(app, ["simulate", "--list-presets"])
    assert r.exit_code == 0
    assert "default" in r.output and "gvc_oriented" in r.output
    assert "default" in preset_names()


BASE = Path(__file__).resolve().parents[2] / "src/gpnlab/simulate/presets/default.toml"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('name = "default"', 'name = "default"\ncolour = "red"'), "colour"),
        (lambda t: t.replace("wage = 16.0", "wage = -1.0"), "countries.0.wage"),
        (lambda t: t.replace('role = "LT"\ncount', 'role = "HT"\ncount'), "no supplier"),
        (lambda t: t.replace('country = "SOE"', 'country = "ATL"'), "ATL"),
        (lambda t: t + "\n[oops", "TOML"),
    ],
)
def test_invalid_configs_exit_2_with_one_line(tmp_path: Path, edit, message: str) -> None:
    cfg = tmp_path / "world.toml"
    cfg.write_text(edit(BASE.read_text()))
    out = tmp_path / "o"
    r = runner.invoke(app, ["simulate", str(cfg), "--periods", "2", "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert sum(line.startswith("error:") for line in r.output.splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--regime", "autarky"], "unknown regime"),
        (["--focal", "XXX"], "unknown focal"),
        (["--preset", "mars"], "unknown preset"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    r = runner.invoke(app, ["simulate", *args, "--periods", "1", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and message in r.output


def test_recording_fewer_periods_keeps_the_same_bits() -> None:
    """Recording only reads the state: the kept rows equal those of a full recording."""
    import pandas as pd

    from gpnlab.simulate import load_preset, simulate
    from gpnlab.simulate.config import scale_firms

    w = scale_firms(load_preset("default"), 600)
    full = simulate(w, seed=5, periods=9)
    some = simulate(w, seed=5, periods=9, record={3, 9})
    keep = full.panel["period"].isin([3, 9])
    pd.testing.assert_frame_equal(
        some.panel, full.panel.loc[keep].reset_index(drop=True), check_exact=True
    )
    pd.testing.assert_frame_equal(
        some.stages,
        full.stages.loc[full.stages["period"].isin([3, 9])].reset_index(drop=True),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(some.firms, full.firms, check_exact=True)
    # tables kept for --mrio-every do not add rows for quarters that were not asked for
    both = simulate(w, seed=5, periods=9, record={3, 9}, mrio_every=4)
    assert set(both.panel["period"]) == {3, 9} and set(both.tables) == {4, 8, 9}
    # recording nothing gives empty tables with the recorded columns, and the same final state
    none = simulate(w, seed=5, periods=9, record=set())
    assert none.panel.empty and list(none.panel.columns) == list(full.panel.columns)
    assert none.stages.empty and list(none.stages.columns) == list(full.stages.columns)
    pd.testing.assert_frame_equal(none.firms, full.firms, check_exact=True)


def test_compiled_kernels_compute_what_their_python_source_says(tmp_path: Path) -> None:
    """The period step's numba kernels give the same bits as the same loops run by the
    interpreter (NUMBA_DISABLE_JIT=1): compilation changes speed, not results."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from gpnlab.simulate import load_preset, simulate\n"
        "from gpnlab.simulate.config import scale_firms\n"
        "r = simulate(scale_firms(load_preset('default'), 400), seed=9, periods=4)\n"
        "r.panel.to_parquet(sys.argv[1] + '/panel.parquet')\n"
        "r.firms.to_parquet(sys.argv[1] + '/firms.parquet')\n"
    )
    for name, jit_off in (("compiled", "0"), ("python", "1")):
        out = tmp_path / name
        out.mkdir()
        env = {**os.environ, "NUMBA_DISABLE_JIT": jit_off}
        subprocess.run([sys.executable, "-c", code, str(out)], env=env, check=True)
    for f in ("panel.parquet", "firms.parquet"):
        assert (tmp_path / "compiled" / f).read_bytes() == (tmp_path / "python" / f).read_bytes()


@pytest.mark.slow
def test_kernels_stay_in_bounds(tmp_path: Path) -> None:
    """numba does not check array bounds: run tiny to mid-size worlds, every regime, a downturn
    and enough quarters for the firm arrays to grow, with bounds checking on (its own cache)."""
    import os
    import subprocess
    import sys

    code = (
        "from gpnlab.simulate import load_preset, simulate\n"
        "from gpnlab.simulate.config import Shocks, scale_firms\n"
        "from gpnlab.simulate.policy import REGIMES, apply_regime\n"
        "for firms in (30, 400):\n"
        "    for regime in REGIMES:\n"
        "        w = apply_regime(scale_firms(load_preset('default'), firms), regime)\n"
        "        simulate(w, seed=firms, periods=8, mrio_every=4)\n"
        "from gpnlab.simulate.init import build_model\n"
        "from gpnlab.simulate.mechanisms.entry import place\n"
        "from gpnlab.simulate.record import emit_table\n"
        "from gpnlab.simulate.step import step, warm_up\n"
        "w = scale_firms(load_preset('default'), 300)\n"
        "w = w.model_copy(update={'shocks': Shocks(downturn_start=6, downturn_length=6,"
        " downturn_depth=0.5)})\n"
        "m = build_model(w, 5)\n"
        "warm_up(m)\n"
        "F0 = m.firms.size\n"
        "for t in range(30):\n"
        "    if t == 10:\n"
        "        place(m, F0)  # more slots than are free: the arrays grow, as entry does\n"
        "    step(m)\n"
        "    emit_table(m)\n"
        "assert m.firms.size > F0, (m.firms.size, F0)\n"
    )
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
