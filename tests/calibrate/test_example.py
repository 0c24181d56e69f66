"""The shipped WIOD electronics example: its CSV matches the tables (needs ../shared), and it
runs end to end in a reduced form."""

from __future__ import annotations

import runpy
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from gpnlab.calibrate.moments import read_annual_csv
from gpnlab.calibrate.run import run_calibration
from gpnlab.calibrate.spec import calibration_from_dict
from gpnlab.simulate.config import load_world
from tests.conftest import WIOD, needs_shared

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "calibration"


@pytest.mark.shared
@needs_shared(WIOD)
def test_the_shipped_csv_is_what_the_script_computes_from_wiod(tmp_path: Path) -> None:
    from gpnlab.calibrate.moments import real_annual

    fresh = real_annual(WIOD, "c14", list(range(1995, 2012)))
    shipped = read_annual_csv(EXAMPLE / "wiod_electronics_annual.csv")
    merged = shipped.merge(fresh, on=["year", "country", "quantity"], suffixes=("", "_now"))
    assert len(merged) == len(shipped) == 5 * 5 * 17  # countries x quantities x years
    assert (merged["value"] - merged["value_now"]).abs().max() < 1e-6
    fva = fresh[fresh["quantity"] == "fva_share"].set_index(["country", "year"])["value"]
    # FVA share of c14 exports measured independently (the orientation numbers)
    for (c, y), v in {
        ("CHN", 1995): 0.22,
        ("CHN", 2011): 0.29,
        ("MEX", 1995): 0.54,
        ("MEX", 2011): 0.61,
        ("KOR", 2005): 0.35,
        ("TWN", 1995): 0.44,
    }.items():
        assert fva[(c, y)] == pytest.approx(v, abs=0.01), (c, y)


def test_the_script_header_cites_wiod() -> None:
    head = (EXAMPLE / "wiod_electronics_annual.csv").read_text().splitlines()[0]
    assert "Timmer, M. P., Dietzenbacher, E., Los, B., Stehrer, R." in head
    assert "Review of International Economics" in head
    assert "main" in runpy.run_path(str(EXAMPLE / "wiod_moments.py"), run_name="not_main")


@pytest.mark.slow
def test_the_example_runs_end_to_end_in_a_reduced_form(tmp_path: Path) -> None:
    data = tomllib.loads((EXAMPLE / "wiod_electronics.toml").read_text())
    data.update(firms=600, seeds=2)
    data["search"].update(trials=4, batch=2, startup=4)
    data["diagnostics"] = {"offsets": [-0.1, 0.1]}
    spec = calibration_from_dict(data)
    res = run_calibration(spec, tmp_path / "out", root=EXAMPLE, processes=2)
    tables = res.extra["tables"]
    oos = tables["oos"]
    assert len(oos) == 5 * 4  # 5 countries x the 4 target quantities, 2005-2011
    assert (oos["years"] == 7).all()
    assert oos["coverage"].between(0, 1).all() and oos["rmse"].gt(0).all()
    paths = tables["paths"]
    assert set(paths.loc[paths["window"] == "test", "year"]) == set(range(2005, 2012))
    load_world(tmp_path / "out" / "best.toml")
    trials = pd.read_parquet(tmp_path / "out" / "trials.parquet")
    assert len(trials) == 4 + 8 * 2
    assert "Out of sample" in (tmp_path / "out" / "calibration.html").read_text()
