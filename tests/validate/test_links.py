"""Link survival on a hand-written contract history with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.validate.metrics.links import link_survival, pooled_survival

LAST = 10  # the run's last period; h = 4, so t = 0..6 are evaluated

# spell, supplier -> buyer, stage, start, end (exclusive; -1 = open at the end of the run)
#  1  s1 -> b1  A  0  3    alive 0, 1, 2 (dropped)
#  2  s1 -> b1  A  5  -1   alive 5..10 (the same pair re-contracts)
#  3  s2 -> b1  A  0  -1   alive 0..10
#  4  s3 -> b2  B  2  7    alive 2..6
#  5  s4 -> b2  B  8  -1   alive 8..10: starts after 10 - 4, enters no count (censored)
#  6  s5 -> b2  B  6  -1   alive 6..10: alive at 6 and at 10 -> survives
HISTORY = pd.DataFrame(
    {
        "supplier": [1, 1, 2, 3, 4, 5],
        "buyer": [101, 101, 101, 102, 102, 102],
        "stage": ["A", "A", "A", "B", "B", "B"],
        "start": [0, 5, 0, 2, 8, 6],
        "end": [3, -1, -1, 7, -1, -1],
        "reason": ["dropped", "open", "open", "retender", "open", "open"],
    }
)

# By hand, pairs (unit="pair"), at t -> t + 4:
#  t=0: alive (s1,b1) (s2,b1); at 4: (s2,b1) only                 -> 1/2
#  t=2: alive (s1,b1) (s2,b1) (s3,b2); at 6: all three (s1,b1 via spell 2) -> 3/3
#  t=4: alive (s2,b1) (s3,b2); at 8: (s2,b1)                      -> 1/2
#  t=6: alive (s1,b1) (s2,b1) (s3,b2) (s5,b2); at 10: all but s3 -> 3/4
# Spells (unit="spell"): the same except t=2, where spell 1 does not reach 6 -> 2/3.
PAIR = {0: (2, 1), 2: (3, 3), 4: (2, 1), 6: (4, 3)}
SPELL = {0: (2, 1), 2: (3, 2), 4: (2, 1), 6: (4, 3)}


def counts(table: pd.DataFrame) -> dict[int, tuple[int, int]]:
    return {int(r.period): (int(r.alive), int(r.survived)) for r in table.itertuples()}


def test_pair_survival_by_hand():
    out = link_survival(HISTORY, last_period=LAST, periods=[0, 2, 4, 6])
    assert counts(out) == PAIR
    assert list(out["survival"]) == pytest.approx([1 / 2, 1, 1 / 2, 3 / 4])
    pooled = pooled_survival(out)
    assert pooled["survival"].iloc[0] == pytest.approx(8 / 11)


def test_spell_survival_by_hand():
    out = link_survival(HISTORY, last_period=LAST, periods=[0, 2, 4, 6], unit="spell")
    assert counts(out) == SPELL
    assert pooled_survival(out)["survival"].iloc[0] == pytest.approx(7 / 11)


def test_default_periods_stop_h_before_the_end():
    out = link_survival(HISTORY, last_period=LAST)
    assert list(out["period"]) == list(range(0, 7))  # 7 + 4 > 10: censored
    # t=1: (s1,b1) (s2,b1) alive; at 5: both (s1,b1 via spell 2) -> 2/2
    # t=3: (s2,b1) (s3,b2); at 7: (s2,b1) -> 1/2   (spell 1 ended at 3: not alive at 3)
    # t=5: (s1,b1) (s2,b1) (s3,b2); at 9: (s1,b1) (s2,b1) -> 2/3
    assert counts(out) == {**PAIR, 1: (2, 2), 3: (2, 1), 5: (3, 2)}


def test_censored_open_link_is_not_counted():
    # spell 5 alone: starts at 8, open; no evaluable date sees it alive
    alone = HISTORY.iloc[[4]]
    out = link_survival(alone, last_period=LAST, periods=range(0, 7))
    assert out["alive"].sum() == 0 and out["survival"].isna().all()
    with pytest.raises(InputError, match="censored"):
        link_survival(HISTORY, last_period=LAST, periods=[8])


def test_by_stage():
    out = link_survival(HISTORY, last_period=LAST, periods=[0, 2, 4, 6], by="stage")
    a = counts(out[out["stage"] == "A"])
    b = counts(out[out["stage"] == "B"])
    assert a == {0: (2, 1), 2: (2, 2), 4: (1, 1), 6: (2, 2)}
    assert b == {0: (0, 0), 2: (1, 1), 4: (1, 0), 6: (2, 1)}
    assert np.isnan(out[(out["stage"] == "B") & (out["period"] == 0)]["survival"]).all()
    pooled = pooled_survival(out, by="stage").set_index("stage")["survival"]
    assert pooled["A"] == pytest.approx(6 / 7)
    assert pooled["B"] == pytest.approx(2 / 4)


def test_end_conventions_agree():
    """NA and -1 both mean open; end_inclusive reads end as the last period with the link."""
    na = HISTORY.assign(end=HISTORY["end"].where(HISTORY["end"] >= 0).astype("Float64"))
    inclusive = HISTORY.assign(end=np.where(HISTORY["end"] >= 0, HISTORY["end"] - 1, -1))
    ref = link_survival(HISTORY, last_period=LAST)
    pd.testing.assert_frame_equal(link_survival(na, last_period=LAST), ref)
    pd.testing.assert_frame_equal(
        link_survival(inclusive, last_period=LAST, end_inclusive=True), ref
    )


def test_quarters_per_year_is_the_horizon():
    # annual data (h = 1): t=2 -> 3: (s1,b1) ends at 3 -> alive (s1,b1) (s2,b1) (s3,b2), kept 2
    out = link_survival(HISTORY, last_period=LAST, quarters_per_year=1, periods=[2])
    assert counts(out) == {2: (3, 2)}


def test_bad_spells():
    bad = HISTORY.assign(end=[3, -1, -1, 1, -1, -1])  # spell 4 ends before it starts
    with pytest.raises(InputError, match="end before they start"):
        link_survival(bad, last_period=LAST)
    with pytest.raises(InputError, match="missing columns"):
        link_survival(HISTORY.drop(columns="buyer"), last_period=LAST)
