"""Concentration by stage, the dispersion gradient and the smile metric on hand numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.validate.metrics.concentration import (
    dispersion_gradient,
    spearman,
    stage_concentration,
)
from gpnlab.validate.metrics.smile import smile_metric, value_added_by_stage

# period 1, output by country:
#   design:   A 100                         -> HHI 1, 1 producer
#   parts:    A 50, B 50                    -> HHI .5, 2 producers
#   assembly: A 40, B 30, C 29.5, D 0.5     -> shares .4 .3 .295 .005:
#             HHI .16 + .09 + .087025 + .000025 = .33705; D is below 1%: 3 producers, 4 positive
#   market:   A 0, B 0                      -> no output: HHI NaN, 0 producers
ROWS = [
    ("design", "A", 100.0, 30.0),
    ("parts", "A", 50.0, 5.0),
    ("parts", "B", 50.0, 5.0),
    ("assembly", "A", 40.0, 8.0),
    ("assembly", "B", 30.0, 6.0),
    ("assembly", "C", 29.5, 5.9),
    ("assembly", "D", 0.5, 0.1),
    ("market", "A", 0.0, 0.0),
    ("market", "B", 0.0, 0.0),
]
STAGES = pd.DataFrame(
    [(1, *r) for r in ROWS], columns=["period", "stage", "country", "output", "value_added"]
)
POSITIONS = {"design": 0, "parts": 1, "assembly": 2, "market": 3}


def test_stage_concentration_by_hand():
    out = stage_concentration(STAGES).set_index("stage")
    assert out.loc["design", "hhi"] == pytest.approx(1.0)
    assert out.loc["parts", "hhi"] == pytest.approx(0.5)
    assert out.loc["assembly", "hhi"] == pytest.approx(0.33705)
    assert np.isnan(out.loc["market", "hhi"])
    assert list(out["n_producers"]) == [3, 1, 0, 2]  # sorted stages: assembly design market parts
    assert out.loc["assembly", "n_positive"] == 4
    assert out.loc["assembly", "output"] == pytest.approx(100.0)
    # a zero threshold counts every positive producer
    assert stage_concentration(STAGES, threshold=0.0).set_index("stage").loc[
        "assembly", "n_producers"
    ] == 4  # fmt: skip
    assert list(out.reset_index().columns) == [
        "stage", "period", "output", "hhi", "n_producers", "n_positive",
    ]  # fmt: skip


def test_dispersion_gradient_sign():
    conc = stage_concentration(STAGES)
    # HHI 1, .5, .337 at positions 0, 1, 2 (market has none): perfectly falling -> rho = -1
    g = dispersion_gradient(conc, POSITIONS)
    assert g["rho"].iloc[0] == pytest.approx(-1.0)
    assert g["n_stages"].iloc[0] == 3
    # reversed chain: the most concentrated stage is downstream -> rho = +1
    rev = {s: 3 - p for s, p in POSITIONS.items()}
    assert dispersion_gradient(conc, rev)["rho"].iloc[0] == pytest.approx(1.0)
    with pytest.raises(InputError, match="without a position"):
        dispersion_gradient(conc, {"design": 0})


def test_spearman_by_hand():
    # x ranks 1 2 3 4, y = (10, 30, 20, 40) ranks 1 3 2 4: d = 0 1 1 0, rho = 1 - 6*2/(4*15) = .8
    assert spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    assert np.isnan(spearman([1, 2], [2, 1]))
    assert np.isnan(spearman([1, 2, 3], [5, 5, 5]))
    # ties get average ranks: y ranks 1.5 1.5 3 -> Pearson of ranks
    assert spearman([1, 2, 3], [1, 1, 2]) == pytest.approx(np.sqrt(3) / 2)


# value added and output by stage, world totals (period 1 and 2)
#   period 1: design 30/100 | parts 10/100 | assembly 20/100 | market 40/50   world VA 100
#   period 2: design 20/100 | parts 10/100 | assembly 50/100 | market 20/0    world VA 100
SMILE = pd.DataFrame(
    [
        (1, "design", "A", 100.0, 30.0),
        (1, "parts", "A", 60.0, 6.0),
        (1, "parts", "B", 40.0, 4.0),
        (1, "assembly", "B", 100.0, 20.0),
        (1, "market", "A", 50.0, 40.0),
        (2, "design", "A", 100.0, 20.0),
        (2, "parts", "A", 100.0, 10.0),
        (2, "assembly", "A", 100.0, 50.0),
        (2, "market", "A", 0.0, 20.0),
    ],
    columns=["period", "stage", "country", "output", "value_added"],
)
ORDER = ["design", "parts", "assembly", "market"]


def test_value_added_by_stage_by_hand():
    out = value_added_by_stage(SMILE).set_index(["period", "stage"])
    assert list(out.loc[1].loc[ORDER, "va_share"]) == pytest.approx([0.3, 0.1, 0.2, 0.4])
    assert list(out.loc[1].loc[ORDER, "va_output"]) == pytest.approx([0.3, 0.1, 0.2, 0.8])
    assert out.loc[(1, "parts"), "value_added"] == pytest.approx(10.0)  # summed over countries
    assert out.loc[(1, "parts"), "output"] == pytest.approx(100.0)
    assert list(out.loc[2].loc[ORDER, "va_share"]) == pytest.approx([0.2, 0.1, 0.5, 0.2])
    assert np.isnan(out.loc[(2, "market"), "va_output"])  # no output


def test_smile_metric_by_hand():
    # period 1: min(.3, .4) - max(.1, .2) = .1: a smile
    # period 2: min(.2, .2) - max(.1, .5) = -.3: assembly above both ends
    va = value_added_by_stage(SMILE)
    out = smile_metric(va, ORDER).set_index("period")
    assert out.loc[1, "smile"] == pytest.approx(0.1)
    assert out.loc[1, "middle_argmax"] == "assembly"
    assert (out.loc[1, "first"], out.loc[1, "last"], out.loc[1, "middle_max"]) == pytest.approx(
        (0.3, 0.4, 0.2)
    )
    assert out.loc[2, "smile"] == pytest.approx(-0.3)
    # on VA / output: period 1 min(.3, .8) - max(.1, .2) = .1; period 2 market has no output: NaN
    vo = smile_metric(va, ORDER, value="va_output").set_index("period")
    assert vo.loc[1, "smile"] == pytest.approx(0.1)
    assert np.isnan(vo.loc[2, "smile"]) and pd.isna(vo.loc[2, "middle_argmax"])


def test_smile_metric_missing_stage_and_bad_order():
    va = value_added_by_stage(SMILE[SMILE["stage"] != "parts"])
    out = smile_metric(va, ORDER)
    assert out["smile"].isna().all()
    with pytest.raises(InputError):
        smile_metric(va, ["design", "market"])
    with pytest.raises(InputError):
        smile_metric(va, ["design", "parts", "design"])
