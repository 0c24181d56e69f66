"""Contract spells (``links.parquet``) and firm snapshots: recording only reads the state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.simulate.config import scale_firms
from gpnlab.simulate.links import REASONS
from gpnlab.simulate.presets import load_preset
from gpnlab.simulate.run import simulate


@pytest.fixture(scope="module")
def runs() -> tuple[object, object]:
    world = scale_firms(load_preset("default"), 1500)
    plain = simulate(world, seed=11, periods=16)
    tracked = simulate(world, seed=11, periods=16, links=True, snapshots=[4, 16])
    return plain, tracked


def test_tracking_links_and_snapshots_changes_no_bits(runs: tuple) -> None:
    plain, tracked = runs
    pd.testing.assert_frame_equal(plain.panel, tracked.panel, check_exact=True)
    pd.testing.assert_frame_equal(plain.stages, tracked.stages, check_exact=True)
    last = tracked.firms[tracked.firms.period == 16].drop(columns=["firm", "buyer"])
    pd.testing.assert_frame_equal(
        plain.firms.drop(columns=["firm", "buyer"]).reset_index(drop=True),
        last.reset_index(drop=True),
        check_exact=True,
    )


def test_spells_do_not_overlap_and_end_after_they_start(runs: tuple) -> None:
    links = runs[1].links
    assert set(links.reason) <= set(REASONS)
    closed = links[links.end >= 0]
    assert (closed.end > closed.start).all()
    end = np.where(links.end < 0, np.iinfo(np.int64).max, links.end)
    s = links.assign(e=end).sort_values(["line", "start", "e"])
    nxt = s.groupby("line").start.shift(-1)
    assert not (nxt < s.e).any(), "a supplier line has two links at once"


def test_open_spells_are_the_links_of_the_last_snapshot(runs: tuple) -> None:
    """A firm's open spells are its accounts (one per line, mechanisms/lines.py), its
    founder line's buyer among them."""
    res = runs[1]
    last = res.firms[res.firms.period == 16]
    open_ = res.links[res.links.end < 0]
    per_firm = open_.groupby("supplier").size()
    serving = last[last.accounts > 0].set_index("firm").accounts
    assert per_firm.sort_index().to_dict() == serving.sort_index().to_dict()
    assert (last.accounts > 1).any()
    founder = last[last.buyer >= 0]
    assert set(zip(founder.firm, founder.buyer, strict=True)) <= set(
        zip(open_.supplier, open_.buyer, strict=True)
    )
    assert set(open_.reason) == {"open"}


def test_review_drops_in_links_equal_the_panels_supplier_drops(runs: tuple) -> None:
    """Two independent records of the same events: the review kernel's count by location and
    the spells the tracker saw end at review."""
    res = runs[1]
    ended = res.links[res.links.reason.isin(["capability", "no_volume", "capacity"])]
    by_period = ended.groupby("end").size().reindex(range(1, 17), fill_value=0)
    panel = res.panel.groupby("period").supplier_drops.sum().reindex(range(1, 17))
    assert by_period.to_numpy().tolist() == panel.astype(int).to_numpy().tolist()
    by_loc = ended.groupby("supplier_location").size()
    panel_loc = res.panel.groupby("country").supplier_drops.sum()
    assert (by_loc.reindex(panel_loc.index, fill_value=0) == panel_loc.astype(int)).all()


def test_firm_ids_are_stable_across_snapshots(runs: tuple) -> None:
    f = runs[1].firms
    a, b = f[f.period == 4].set_index("firm"), f[f.period == 16].set_index("firm")
    both = a.index.intersection(b.index)
    assert len(both) > 0.5 * len(a)
    assert (a.loc[both, "home"] == b.loc[both, "home"]).all()
    assert (a.loc[both, "role"] == b.loc[both, "role"]).all()
    assert (b.loc[both, "age"] == a.loc[both, "age"] + 12).all(), "same firm, 12 quarters older"
    assert not a.index.duplicated().any() and not b.index.duplicated().any()
