"""Country profile report (``gpnlab measure ... --report``, issue 13 item 6)."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from gpnlab.io import write_own
from gpnlab.measure import measure_all
from gpnlab.measure.blocks import ExportAccounts
from gpnlab.report.country_profile import flows_by_country
from gpnlab.synthetic import random_table
from tests.io.helpers import GPNLAB


def test_origins_add_up_to_gross_exports_and_destinations_to_gdp():
    """Every unit of gross exports is value added of some origin (1'V B = 1' when va is the
    column residual), and every country's value added is absorbed somewhere."""
    t = random_table(5, 3, seed=13, negative_inventories=True)
    ind = measure_all(t)
    origins, destinations = flows_by_country(ExportAccounts(t, ind.system))
    by_exporter = origins.groupby("exporter").value.sum()
    np.testing.assert_allclose(
        by_exporter.loc[t.countries], ind.country.gross_exports.loc[t.countries], rtol=1e-10
    )
    by_origin = destinations.groupby("origin").value.sum()
    va = pd.Series(t.va, index=t.labels).groupby(level=0).sum()
    np.testing.assert_allclose(by_origin.loc[t.countries], va.loc[t.countries], rtol=1e-10)
    # the domestic part of the origins is the exporter's DVA in the Hummels et al. sense
    own = origins[origins.origin == origins.exporter].set_index("exporter").value
    np.testing.assert_allclose(
        1 - own.loc[t.countries] / ind.country.gross_exports, ind.country.vs_share, rtol=1e-9
    )


def _panel_folder(root):
    root.mkdir()
    for k, y in enumerate((2001, 2002, 2003)):
        write_own(random_table(4, 3, seed=40 + k), root / str(y))
    return root


def _headline(html_text: str, code: str) -> dict[str, str]:
    section = html_text.split(f"<h2 id='{code}'>")[1].split("<h2")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", section)
    return dict(rows)


@pytest.mark.parametrize("panel", [True, False])
def test_report_headlines_equal_the_tables(tmp_path, panel):
    folder = _panel_folder(tmp_path / "years")
    src = folder if panel else folder / "2003"
    out = tmp_path / "out"
    r = subprocess.run(
        [str(GPNLAB), "measure", str(src), "--out", str(out), "--report",
         "--countries", "C02,C04", "--no-figures"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    page = (out / "report.html").read_text()
    assert page.count("<h2 id=") == 2 and "data:image/png;base64," in page
    c = pd.read_csv(out / "country.csv")
    if panel:
        c = c[c.year == 2003]
    row = c.set_index("country").loc["C04"]
    head = _headline(page, "C04")
    assert float(head["domestic value added / gross exports"]) == pytest.approx(
        row.dva / row.gross_exports, abs=5e-4
    )
    assert float(head["backward GVC participation (share of gross exports)"]) == pytest.approx(
        row.gvc_backward_share, abs=5e-4
    )
    key = next(k for k in head if k.startswith("gross exports"))
    assert float(head[key].replace(",", "")) == pytest.approx(row.gross_exports, abs=0.5)
    assert "Conventions and notes" in page


def test_report_refuses_unknown_countries(tmp_path):
    folder = _panel_folder(tmp_path / "years")
    out = tmp_path / "out"
    r = subprocess.run(
        [str(GPNLAB), "measure", str(folder), "--out", str(out), "--report", "--countries", "XYZ"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 2
    assert "--countries" in r.stderr and "XYZ" in r.stderr
    assert not out.exists()
