"""The Borin-Mancini variant, imports and extra tables reach the output folder (issue 13 item 7)."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from gpnlab.io import write_own
from gpnlab.measure import ExportAccounts, bm_decomposition, measure_all
from gpnlab.synthetic import random_table
from tests.io.helpers import GPNLAB


def _run(args, tmp_path):
    return subprocess.run([str(GPNLAB), "measure", *args], capture_output=True, text=True,
                          timeout=300)  # fmt: skip


@pytest.mark.parametrize(("perspective", "approach"), [("world", "sink"), ("exporter", "sink")])
def test_variant_columns_equal_the_decomposition(tmp_path, perspective, approach):
    t = random_table(4, 3, seed=17)
    src = write_own(t, tmp_path / "table")
    out = tmp_path / "out"
    r = _run([str(src), "--out", str(out), "--perspective", perspective, "--approach", approach,
              "--no-figures"], tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    c = pd.read_csv(out / "country.csv").set_index("country")
    ind = measure_all(t)
    want = bm_decomposition(ExportAccounts(t, ind.system), perspective, approach, "country")
    for term, rows in want.groupby("term"):
        np.testing.assert_allclose(c.loc[rows.exporter, term], rows.value, rtol=1e-9, atol=1e-9)
    # the headline columns stay exporter / source
    np.testing.assert_allclose(c.loc[t.countries, "dva"], ind.country.dva, rtol=1e-9)
    assert "perspective" in (out / "meta.json").read_text()


def test_imports_and_extras_are_written(tmp_path):
    src = write_own(random_table(4, 3, seed=18), tmp_path / "table")
    out = tmp_path / "out"
    r = _run([str(src), "--out", str(out), "--imports", "--no-figures"], tmp_path)
    assert r.returncode == 0, r.stderr
    imp = pd.read_csv(out / "imports.csv")
    np.testing.assert_allclose(imp.VA + imp.DC, imp.GIMP, rtol=1e-8)  # CSV keeps 10 digits
    pp = pd.read_csv(out / "production_participation.csv")
    assert len(pp) == 4
    assert (out / "production_participation_sector.csv").exists()
    out2 = tmp_path / "out2"
    r = _run([str(src), "--out", str(out2), "--no-extras", "--no-figures"], tmp_path)
    assert r.returncode == 0 and not (out2 / "production_participation.csv").exists()


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--perspective", "global"], "--perspective"), (["--approach", "up"], "--approach"),
     (["--threads", "0"], "--threads")],
)  # fmt: skip
def test_bad_variant_is_one_line(tmp_path, args, field):
    src = write_own(random_table(3, 2, seed=1), tmp_path / "table")
    out = tmp_path / "out"
    r = _run([str(src), "--out", str(out), *args], tmp_path)
    assert r.returncode == 2 and field in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_panel_carries_the_extra_tables(tmp_path):
    root = tmp_path / "years"
    root.mkdir()
    for k, y in enumerate((2010, 2011)):
        write_own(random_table(3, 2, seed=60 + k), root / str(y))
    out = tmp_path / "out"
    r = _run([str(root), "--out", str(out), "--imports", "--no-figures"], tmp_path)
    assert r.returncode == 0, r.stderr
    for name in ("production_participation.csv", "imports.csv"):
        assert sorted(pd.read_csv(out / name).year.unique()) == [2010, 2011]
