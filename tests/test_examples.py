"""The runnable examples keep running (small arguments; the WIOD one needs ../shared)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [name, *argv])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")


def test_measure_synthetic(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    run_example("measure_synthetic.py", [], monkeypatch)
    assert "BLOC" in capsys.readouterr().out


def test_run_experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = EXAMPLES / "experiments" / "smoke.toml"
    fig = tmp_path / "fig.png"
    args = [
        str(spec),
        "--out",
        str(tmp_path / "smoke"),
        "--figure",
        "MYL",
        "--figure-out",
        str(fig),
    ]
    run_example("run_experiment.py", args, monkeypatch)
    assert (tmp_path / "smoke" / "report.html").exists()
    assert fig.stat().st_size > 10_000


def test_notebook_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "nb"
    args = ["--out", str(out), "--firms", "300", "--periods", "6", "--processes", "1"]
    run_example("notebook_api.py", args, monkeypatch)
    printed = capsys.readouterr().out
    assert "p_best" in printed and "learning subsidy 0.4" in printed
    assert (out / "report.html").exists() and (out / "tables" / "ranking.csv").exists()
