"""Capability match to requirement, and its change by tier, on hand-made firms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.validate.metrics.requirements import K_COLUMNS, capability_change, capability_scores

REQ = {
    "parts": [0.9, 0.9, 0.5, 0.4, 0.0],
    "commodity": [0.4, 0.3, 0.1, 0.1, 0.0],
    "design": [0.6, 0.7, 1.0, 0.8, 0.6],
    "nothing": [0.0, 0.0, 0.0, 0.0, 0.0],
}


def firms_frame(rows):
    return pd.DataFrame(rows, columns=["period", "firm", "role", "stage", *K_COLUMNS])


def test_scores_by_hand():
    f = firms_frame(
        [
            # parts: ratios .45/.9=.5, 1, 1/.5 capped 1, .2/.4=.5; brand not required
            #   match .75, required mean(.45,.9,1,.2) = .6375, unrequired .7, raw 3.25/5 = .65
            (0, 1, "HT", "parts", 0.45, 0.9, 1.0, 0.2, 0.7),
            # commodity: ratios .5, 1, .5, 2 -> 1: match .75; required .1875; unrequired 0; raw .15
            (0, 2, "LT", "commodity", 0.2, 0.3, 0.05, 0.2, 0.0),
            # design: half of every requirement: match .5, nothing unrequired
            (0, 3, "BL", "design", 0.3, 0.35, 0.5, 0.4, 0.3),
            # a stage without requirements: no match
            (0, 4, "HT", "nothing", 0.5, 0.5, 0.5, 0.5, 0.5),
        ]
    )
    s = capability_scores(f, REQ)
    assert list(s.index) == list(f.index)
    assert list(s["match"][:3]) == pytest.approx([0.75, 0.75, 0.5])
    assert list(s["gap"][:3]) == pytest.approx([0.25, 0.25, 0.5])
    assert list(s["required"][:3]) == pytest.approx([0.6375, 0.1875, 0.37])
    assert list(s["unrequired"][:2]) == pytest.approx([0.7, 0.0])
    assert np.isnan(s["unrequired"][2])
    assert list(s["raw"]) == pytest.approx([0.65, 0.15, 0.37, 0.5])
    assert s.loc[3, ["match", "gap", "required"]].isna().all()
    assert s.loc[3, "unrequired"] == pytest.approx(0.5)


def test_min_requirement_drops_token_requirements():
    # design's brand requirement .6 is dropped at min_requirement .65, with process .7 kept
    f = firms_frame([(0, 3, "BL", "design", 0.3, 0.7, 0.5, 0.4, 0.0)])
    # required: process .7 (ratio 1), design 1.0 (.5), coordination .8 (.5): match 2/3
    s = capability_scores(f, REQ, min_requirement=0.65).iloc[0]
    assert s["match"] == pytest.approx(2 / 3)
    assert s["unrequired"] == pytest.approx(0.15)  # production .3 and brand 0


def test_bad_requirements():
    f = firms_frame([(0, 1, "HT", "unknown", 0.1, 0.1, 0.1, 0.1, 0.1)])
    with pytest.raises(InputError, match="without requirements"):
        capability_scores(f, REQ)
    f = firms_frame([(0, 1, "HT", "parts", 0.1, 0.1, 0.1, 0.1, 0.1)])
    with pytest.raises(InputError, match="entries"):
        capability_scores(f, {"parts": [1.0, 1.0]})
    with pytest.raises(InputError, match=">= 0"):
        capability_scores(f, {"parts": [1.0, 1.0, 1.0, 1.0, -1.0]})


# t=0: firm 1 HT parts (match .75, raw .65); firm 2 HT parts all .9 (match 1, raw .9);
#      firm 3 LT commodity (match .75, raw .15); firm 4 LT commodity exact (match 1, raw .18)
# t=1: firm 1 learns required dims (match 1, raw 3.9/5 = .78); firm 2 unchanged;
#      firm 3 learns only brand, unrequired (match .75, raw .35, unrequired 0 -> 1);
#      firm 4 exits; firm 5 LT commodity enters with nothing (match 0, raw 0)
PANEL = firms_frame(
    [
        (0, 1, "HT", "parts", 0.45, 0.9, 1.0, 0.2, 0.7),
        (0, 2, "HT", "parts", 0.9, 0.9, 0.9, 0.9, 0.9),
        (0, 3, "LT", "commodity", 0.2, 0.3, 0.05, 0.2, 0.0),
        (0, 4, "LT", "commodity", 0.4, 0.3, 0.1, 0.1, 0.0),
        (1, 1, "HT", "parts", 0.9, 0.9, 1.0, 0.4, 0.7),
        (1, 2, "HT", "parts", 0.9, 0.9, 0.9, 0.9, 0.9),
        (1, 3, "LT", "commodity", 0.2, 0.3, 0.05, 0.2, 1.0),
        (1, 5, "LT", "commodity", 0.0, 0.0, 0.0, 0.0, 0.0),
    ]
)


def lookup(out: pd.DataFrame, role: str, score: str) -> pd.Series:
    return out[(out["role"] == role) & (out["score"] == score)].iloc[0]


def test_change_balanced_by_hand():
    out = capability_change(PANEL, REQ, start=0, end=1)
    assert list(out.columns) == [
        "role", "score", "n_start", "n_end", "mean_start", "mean_end", "change",
    ]  # fmt: skip
    ht_match = lookup(out, "HT", "match")
    assert (ht_match["mean_start"], ht_match["mean_end"]) == pytest.approx((0.875, 1.0))
    assert ht_match["change"] == pytest.approx(0.125)
    assert lookup(out, "HT", "raw")["change"] == pytest.approx(0.84 - 0.775)
    # LT: only survivor firm 3; raw up .2 but all of it unrequired: match and required flat
    assert lookup(out, "LT", "match")["change"] == pytest.approx(0.0)
    assert lookup(out, "LT", "required")["change"] == pytest.approx(0.0)
    assert lookup(out, "LT", "raw")["change"] == pytest.approx(0.2)
    assert lookup(out, "LT", "unrequired")["change"] == pytest.approx(1.0)
    assert lookup(out, "LT", "raw")["n_start"] == 1


def test_change_cross_section_by_hand():
    out = capability_change(PANEL, REQ, start=0, end=1, balanced=False)
    lt = lookup(out, "LT", "match")  # (.75 + 1)/2 -> (.75 + 0)/2
    assert (lt["mean_start"], lt["mean_end"], lt["change"]) == pytest.approx((0.875, 0.375, -0.5))
    assert lookup(out, "LT", "raw")["change"] == pytest.approx(0.175 - 0.165)
    assert (lt["n_start"], lt["n_end"]) == (2, 2)


def test_change_against_grown_requirements():
    grown = {s: [2 * r for r in v] for s, v in REQ.items()}
    out = capability_change(PANEL, REQ, start=0, end=1, requirements_end=grown)
    # HT at end vs doubled: firm 1 (.5 + .5 + 1 + .5)/4 = .625, firm 2 (.5 + .5 + .9 + 1)/4 = .725
    ht = lookup(out, "HT", "match")
    assert ht["mean_end"] == pytest.approx(0.675)
    assert ht["change"] == pytest.approx(0.675 - 0.875)
    assert lookup(out, "HT", "raw")["change"] == pytest.approx(0.065)  # raw ignores requirements


def test_change_without_groups():
    out = capability_change(PANEL, REQ, start=0, end=1, by=None)
    assert "role" not in out.columns and list(out["score"]) == [
        "match", "gap", "required", "unrequired", "raw",
    ]  # fmt: skip
    assert out.set_index("score").loc["raw", "n_start"] == 3
