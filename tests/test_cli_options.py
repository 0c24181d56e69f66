"""Out-of-range command-line options: one ``error:`` line, exit code 2, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpnlab.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["simulate", "--seed", "-1"], "--seed"),
        (["simulate", "--mrio-every", "-1"], "--mrio-every"),
        (["simulate", "--periods", "0"], "--periods"),
        (["simulate", "--firms", "3"], "--firms"),
        (["simulate", "--firms", "1000000000", "--periods", "40"], "firms"),
        (["simulate", "--periods", "1000000"], "quarters"),
        (["simulate", "--periods", "8", "--snapshots", "4,9"], "--snapshots"),
        (["simulate", "--periods", "8", "--snapshots", "x"], "--snapshots"),
        (["simulate", "--max-memory", "lots"], "--max-memory"),
        (["simulate", "--firms", "2000", "--max-memory", "1K"], "memory"),
        (["validate", "--seeds", "1"], "--seeds"),
        (["validate", "--periods", "10", "--horizons", "0,5"], "--horizons"),
        (["validate", "--focal", "XXX", "--seeds", "2", "--periods", "4"], "XXX"),
    ],
)
def test_bad_option_is_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], names: str
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and names in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert not out.exists() or not any(p.name != ".gpnlab-output.json" for p in out.iterdir())
    assert "GPNLAB_MAX_MEMORY" not in os.environ, "--max-memory must not outlive its command"
