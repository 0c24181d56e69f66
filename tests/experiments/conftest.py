"""Tiny experiments (a few hundred firms, a few quarters) for fast end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gpnlab.experiments.api import Analysis
from gpnlab.experiments.spec import Spec, spec_from_dict
from gpnlab.experiments.store import read_tables

TINY: dict[str, object] = {
    "name": "tiny",
    "base": "default",
    "firms": 300,
    "periods": 6,
    "seed": 11,
    "regimes": ["laissez_faire", "build"],
    "baseline": "laissez_faire",
    "focal": ["MYL"],
    "replicates": 3,
    "parameters": {"mechanisms.transfer_rate": {"levels": [0.04, 0.08]}},
    "outputs": {"columns": ["dva_share", "capability_ht", "value_captured"], "every": 2},
    "batch_size": 2,
}


def tiny_spec(**changes: object) -> Spec:
    return spec_from_dict({**TINY, **changes})


def stored(out: Path) -> dict[str, pd.DataFrame]:
    """Stored tables without the wall-clock columns (which differ between runs)."""
    t = read_tables(out)
    t["runs"] = t["runs"].drop(columns=["wall_s"])
    return t


def write_spec(path: Path, data: dict[str, object]) -> Path:
    """Write a spec dict as TOML (flat keys and one level of tables are enough here)."""
    lines: list[str] = []
    tables: list[str] = []

    def value(v: object) -> str:
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    for k, v in data.items():
        if isinstance(v, dict):
            if k == "parameters":
                for name, p in v.items():
                    tables.append(f'[parameters."{name}"]')
                    tables += [f"{a} = {value(b)}" for a, b in p.items()]
            else:
                tables.append(f"[{k}]")
                tables += [f"{a} = {value(b)}" for a, b in v.items()]
        else:
            lines.append(f"{k} = {value(v)}")
    path.write_text("\n".join(lines + tables) + "\n")
    return path


REPORT_SPEC: dict[str, object] = {
    "name": "report",
    "base": "default",
    "firms": 400,
    "periods": 8,
    "seed": 3,
    "regimes": ["laissez_faire", "build", "hybrid"],
    "baseline": "laissez_faire",
    "focal": ["MYL"],
    "replicates": 4,
    "outputs": {
        "columns": [
            "dva_share",
            "capability_ht",
            "capability_lt",
            "functional_position",
            "value_captured",
            "employment",
            "informal_share",
            "policy_cost",
        ],
        "every": 2,
    },
}
"""A small experiment with every trajectory outcome and the policy cost (about 10 s)."""


@pytest.fixture(scope="session")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Analysis]:
    """The report experiment, run once per test session: its folder (report written) and its
    analysis."""
    from gpnlab.experiments import analyse, run_experiment
    from gpnlab.report.experiment_report import write_report

    out = tmp_path_factory.mktemp("reported") / "report"
    run_experiment(spec_from_dict(REPORT_SPEC), out=out, processes=1)
    analysis = analyse(out)
    write_report(analysis)
    return out, analysis
