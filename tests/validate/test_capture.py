"""Value capture by role on hand data (Kraemer, Linden & Dedrick 2011's shares of the price)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gpnlab.simulate.presets import load_preset
from gpnlab.validate.per_run import Rows, _markets_and_capture

# One quarter, final sales 1000 (900 by the flagship, 100 by a latecomer brand):
#   flagship marketing unit: profit 200, its staff 60; its design unit: profit 10, engineers
#   150; its in-house assembly plant: profit 5, production workers 20;
#   a CM: profit 15, workers 25; the latecomer brand: profit 30, staff 8.
# Gross profit of the lead firm = 200 + 10 + 5 + 60 + 150 = 425 (the plant's 20 is production
# labour): .425 of the price; its profit alone .215; assembly labour .025 (the CM's only).
ROWS = [
    ("BL", "marketing_after_sales", False, 200.0, 60.0, 900.0),
    ("BL", "design_rd", False, 10.0, 150.0, 0.0),
    ("BL", "final_assembly_test", False, 5.0, 20.0, 0.0),
    ("CM", "final_assembly_test", False, 15.0, 25.0, 0.0),
    ("BL", "marketing_after_sales", True, 30.0, 8.0, 100.0),
]


def test_lead_firms_gross_profit_and_assembly_labour_as_shares_of_the_price() -> None:
    cap = pd.DataFrame(ROWS, columns=["role", "stage", "obm", "profit", "wage_bill",
                                      "final_revenue"]).assign(period=4)  # fmt: skip
    col = SimpleNamespace(final_by_destination={}, capture=cap)
    out = Rows()
    _markets_and_capture(out, col, load_preset("default"), [4])  # type: ignore[arg-type]
    got = out.frame().set_index("metric")["value"]
    assert got["lead_gross_share"] == pytest.approx(0.425)
    assert got["lead_profit_share"] == pytest.approx(0.215)
    assert got["assembly_labour_share"] == pytest.approx(0.025)
    assert got["obm_final_share"] == pytest.approx(0.1)
    assert np.isfinite(got.to_numpy()).all()


def test_no_latecomer_brand_selling_leaves_their_share_undefined() -> None:
    """Where no latecomer brand sells, 'latecomer brands hold a minority' says nothing: the
    share is undefined (no row), so the fact is inconclusive, not held at 0."""
    cap = pd.DataFrame([r for r in ROWS if not r[2]],
                       columns=["role", "stage", "obm", "profit", "wage_bill",
                                "final_revenue"]).assign(period=4)  # fmt: skip
    col = SimpleNamespace(final_by_destination={}, capture=cap)
    out = Rows()
    _markets_and_capture(out, col, load_preset("default"), [4])  # type: ignore[arg-type]
    got = out.frame().set_index("metric")["value"]
    assert "obm_final_share" not in got.index
    assert got["lead_profit_share"] == pytest.approx(0.215 / 0.9)


def test_odm_share_counts_cm_and_higher_tier_firms_only() -> None:
    """ODM share = ODM firms / CM and HT firms at the horizon (a lower-tier or brand row is
    not a candidate); a latecomer brand's units count once (its final-stage unit)."""
    from gpnlab.validate.per_run import _obm

    firms = pd.DataFrame(
        [  # period, role, stage, odm, obm, firm
            (20, "CM", "final_assembly_test", True, False, 1),
            (20, "HT", "sub_assembly", False, False, 2),
            (20, "HT", "precision_components", False, False, 3),
            (20, "HT", "precision_components", True, False, 4),
            (20, "LT", "commodity_components", False, False, 5),
            (20, "BL", "marketing_after_sales", False, True, 6),
            (20, "BL", "design_rd", False, True, 7),
            (60, "CM", "final_assembly_test", False, False, 1),
            (60, "HT", "sub_assembly", False, False, 2),
            (100, "LT", "commodity_components", False, False, 5),  # no candidate left
        ],
        columns=["period", "role", "stage", "odm", "obm", "firm"],
    )
    col = SimpleNamespace(obm_attempts=0, obm_successes=0)
    out = Rows()
    _obm(out, firms, col, [20, 60, 100], "marketing_after_sales")  # type: ignore[arg-type]
    got = out.frame().set_index(["metric", "period"])["value"]
    assert got[("odm_share", 20)] == pytest.approx(0.5)
    assert got[("odm_share", 60)] == 0.0
    assert got[("odm_firms", 20)] == 2.0 and got[("obm_firms", 20)] == 1.0
    assert ("odm_share", 100) not in got.index  # no CM or HT firm: undefined, not 0
