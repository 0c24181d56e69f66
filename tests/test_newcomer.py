"""Issue 14, item 5: the path a new user takes, each finding fixed.

* ``gpnlab simulate`` writes the last quarter's table by default, so the README's
  ``gpnlab measure out/build/mrio/period=40`` finds one (``--mrio-every 0``: none);
* ``gpnlab simulate --write-preset FILE`` gives the ``world.toml`` the README edits;
* ``--help`` keeps the defaults written in brackets;
* ``--regime`` without ``--focal`` says which countries it applies to and the manifest records
  the regime and those countries;
* ``--firms`` below the fewest a world scales to is refused in one line (exit 2);
* installing gpnlab prints no setuptools deprecation warning.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpnlab.cli import app
from gpnlab.simulate.config import load_world, min_firms
from gpnlab.simulate.presets import load_preset

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
SMALL = ["--periods", "3", "--firms", "1500"]


def errors(result: object) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]  # type: ignore[attr-defined]


def test_default_run_writes_the_last_table_and_measure_reads_it(tmp_path: Path) -> None:
    out = tmp_path / "build"
    r = runner.invoke(app, ["simulate", "--regime", "build", *SMALL, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (out / "mrio").iterdir()) == ["period=3"]
    m = runner.invoke(
        app, ["measure", str(out / "mrio" / "period=3"), "--out", str(tmp_path / "m")]
    )
    assert m.exit_code == 0, m.output
    assert (tmp_path / "m" / "country.csv").is_file()


def test_mrio_every_zero_writes_no_table(tmp_path: Path) -> None:
    out = tmp_path / "s"
    r = runner.invoke(app, ["simulate", *SMALL, "--mrio-every", "0", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert not (out / "mrio").exists()


def test_mrio_every_k_also_writes_the_last(tmp_path: Path) -> None:
    out = tmp_path / "s"
    r = runner.invoke(app, ["simulate", *SMALL, "--mrio-every", "2", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (out / "mrio").iterdir()) == ["period=2", "period=3"]


def test_regime_without_focal_is_said_and_recorded(tmp_path: Path) -> None:
    out = tmp_path / "s"
    r = runner.invoke(app, ["simulate", "--regime", "build", *SMALL, "--out", str(out)])
    assert r.exit_code == 0, r.output
    world = load_preset("default")
    others = [c.code for c in world.countries if not c.flagship_home]
    assert "note: regime build applies to every country that is not a flagship" in r.stderr
    assert ", ".join(others) in r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["regime"] == "build"
    assert manifest["focal"] == others and manifest["focal_given"] is None
    # and the regime's instruments are set on exactly those countries
    pol = {c["code"]: c["policy"]["learning_subsidy"] for c in manifest["config"]["countries"]}
    assert {k for k, v in pol.items() if v > 0} == set(others)


def test_regime_with_focal_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "s"
    args = ["simulate", "--regime", "join", "--focal", "MYL,VNL", *SMALL, "--out", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "note:" not in r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["regime"] == "join"
    assert manifest["focal"] == ["MYL", "VNL"] == manifest["focal_given"]


def test_firms_below_the_minimum_is_one_line_exit_2(tmp_path: Path) -> None:
    least = min_firms(load_preset("default"))
    assert least > 10  # the CLI's own floor (10) is below the world's
    r = runner.invoke(app, ["simulate", "--firms", str(least - 1), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    (line,) = errors(r)
    assert f"below {least}" in line and f"give {least} firms or more" in line
    assert not (tmp_path / "o").exists()
    ok = runner.invoke(
        app, ["simulate", "--firms", str(least), "--periods", "1", "--out", str(tmp_path / "p")]
    )
    assert ok.exit_code == 0, ok.output


def test_write_preset_gives_an_editable_world(tmp_path: Path) -> None:
    target = tmp_path / "world.toml"
    r = runner.invoke(app, ["simulate", "--write-preset", str(target)])
    assert r.exit_code == 0, r.output
    assert load_world(target) == load_preset("default")
    assert "#" in target.read_text()  # the comments that explain the values come along
    again = runner.invoke(app, ["simulate", "--write-preset", str(target)])
    assert again.exit_code == 2 and "the file exists" in errors(again)[0]
    bad = runner.invoke(
        app, ["simulate", "--preset", "nope", "--write-preset", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "unknown preset" in errors(bad)[0]
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("command", "bracket"),
    [
        ("simulate", "[world's seed]"),
        ("simulate", "[the last quarter only]"),
        ("experiment", "[all cores]"),
        ("experiment", "[out/experiments/<name>]"),
        ("measure", "[out/measure-NAME]"),
    ],
)
def test_help_keeps_defaults_in_brackets(command: str, bracket: str) -> None:
    r = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert r.exit_code == 0
    assert bracket in " ".join(r.output.split())


@pytest.mark.slow
def test_install_prints_no_setuptools_deprecation(tmp_path: Path) -> None:
    """Build the wheel as pip would (PEP 517, isolated) and look for setuptools' warnings."""
    r = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), "-v", str(REPO)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if r.returncode != 0 and "No matching distribution" in r.stderr + r.stdout:
        pytest.skip("no package index reachable to fetch the build backend")
    assert r.returncode == 0, r.stderr[-2000:]
    text = r.stdout + r.stderr
    assert "SetuptoolsDeprecationWarning" not in text, text[-3000:]
    assert "License classifiers are deprecated" not in text
