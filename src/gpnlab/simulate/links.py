"""Contract spells and stable firm ids, recorded by reading the state after every quarter.

A firm *slot* is reused by an entrant after its firm exits (``state.Firms``), so slot numbers
are not firm identities. :class:`LinkTracker` gives every firm a stable id (``firm``): a slot
that is alive now and was not alive at the last look holds a new firm (a slot is reused at the
earliest a quarter after its exit, so looking every quarter sees every change).

A *spell* is one supplier firm selling to one buyer firm without a break (``Firms.buyer``: a row
has at most one buyer at a time; a firm serving several buyers has one row, a *line*, per
buyer, and both sides of a link are named by their firm: the founder line's id,
``mechanisms/lines.py``). Each quarter the tracker compares every slot's (firm, buyer firm)
pair with the last look: a pair that went away ends a spell, a new one starts one. Columns of
``links.parquet``:

* ``supplier``, ``buyer`` -- firm ids (as in ``firms.parquet``'s ``firm`` column); ``line`` --
  the supplier line's own id (the supplier's id for its founder line): a line has one buyer at
  a time, a firm one line per account;
* ``stage`` -- the supplier's stage; ``supplier_location`` / ``buyer_location`` -- plant
  locations when the spell started; ``inhouse`` -- a brand leader's own plant (not a contract);
* ``start`` -- first quarter observed with the link (0 = the network formed before quarter 1);
  ``end`` -- first quarter observed without it, -1 if still open when the run ended: the link
  is alive in quarters ``start <= t < end``;
* ``reason`` -- why it ended: ``supplier_exit``, ``buyer_exit`` (the firm left the market),
  ``capability`` (dropped at review: match below the threshold), ``no_volume`` (the buyer
  produced nothing), ``capacity`` (cut as the buyer's excess lower-tier capacity), ``other``
  (e.g. a plant closed by make-or-buy), ``open``.

The review kernel writes why it dropped each supplier into ``Model.link_end`` (an array no
mechanism reads); everything else is read from the state, so a run is the same bits with and
without the tracker (``tests/simulate/test_links.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gpnlab.simulate.model import Model
from gpnlab.simulate.state import roots

#: Codes the review kernel writes into ``Model.link_end`` (0: the link did not end at review).
END_CAPABILITY, END_NO_VOLUME, END_CAPACITY = 1, 2, 3
REASONS = np.array(
    [
        "other",
        "capability",
        "no_volume",
        "capacity",
        "supplier_exit",
        "buyer_exit",
        "open",
        "retendered",  # tender.END_TENDER: the contract went to a challenger at re-tender
    ]
)
SUPPLIER_EXIT, BUYER_EXIT, OPEN = 4, 5, 6

LINK_COLUMNS = (
    "supplier",
    "line",
    "buyer",
    "stage",
    "supplier_location",
    "buyer_location",
    "inhouse",
    "start",
    "end",
    "reason",
)


class LinkTracker:
    """Stable firm ids and contract spells of one run (read-only on the model)."""

    def __init__(self, m: Model) -> None:
        self.next_id = 0
        self.firm_id = np.full(0, -1, np.int64)  # id of the firm in each slot (-1: empty)
        self.alive = np.zeros(0, bool)
        # the open spell of each slot (supplier side): buyer id and slot, start, attributes
        self.pair_buyer = np.full(0, -1, np.int64)
        self.supplier = np.full(0, -1, np.int64)  # the supplier firm's id (its founder line)
        self.line = np.full(0, -1, np.int64)  # the supplier line's own id
        self.buyer_slot = np.zeros(0, np.int64)
        self.start = np.zeros(0, np.int64)
        self.stage = np.zeros(0, np.int64)
        self.sup_loc = np.zeros(0, np.int64)
        self.buy_loc = np.zeros(0, np.int64)
        self.inhouse = np.zeros(0, bool)
        self.closed: list[dict[str, np.ndarray]] = []
        self.observe(m)

    def _fit(self, size: int) -> None:
        extra = size - self.firm_id.size
        if extra <= 0:
            return
        for name in ("firm_id", "pair_buyer", "supplier", "line"):
            setattr(self, name, np.concatenate([getattr(self, name), np.full(extra, -1)]))
        for name in ("buyer_slot", "start", "stage", "sup_loc", "buy_loc"):
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(extra, np.int64)]))
        for name in ("alive", "inhouse"):
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(extra, bool)]))

    def observe(self, m: Model) -> None:
        """Look at the state after a quarter: new firms get ids, changed links end or start."""
        f = m.firms
        n = f.size
        self._fit(n)
        alive = f.alive.copy()
        born = alive & ~self.alive[:n]
        gone = self.alive[:n] & ~alive
        ids = self.firm_id
        ids[:n][gone] = -1
        n_born = int(born.sum())
        ids[:n][born] = np.arange(self.next_id, self.next_id + n_born)
        self.next_id += n_born
        has = alive & (f.buyer >= 0)
        root = roots(f)  # a line's firm is its founder's (mechanisms/lines.py)
        buyer_now = np.full(n, -1, np.int64)
        buyer_now[has] = ids[root[f.buyer[has]]]
        opened = self.pair_buyer[:n] >= 0
        keep = opened & ~born & ~gone & (buyer_now == self.pair_buyer[:n])
        k = min(m.link_end.size, n)  # entry may have grown the arrays after review
        keep[:k] &= m.link_end[:k] == 0  # dropped at review, even if signed again at once
        ended = np.flatnonzero(opened & ~keep)
        started = np.flatnonzero(has & ~keep)
        if ended.size:
            self._close(m, ended, gone)
            self.pair_buyer[ended] = -1
        if started.size:
            b = f.buyer[started].astype(np.int64)
            self.pair_buyer[started] = buyer_now[started]
            self.supplier[started] = ids[root[started]]
            self.line[started] = ids[started]
            self.buyer_slot[started] = root[b]
            self.start[started] = m.period
            self.stage[started] = f.stage[started]
            self.sup_loc[started] = f.loc[started]
            self.buy_loc[started] = f.loc[b]
            self.inhouse[started] = f.inhouse[started]
        self.alive = alive

    def _close(self, m: Model, idx: np.ndarray, gone: np.ndarray) -> None:
        """End the open spells of slots ``idx`` at this quarter, with the reason: the review's
        code if review dropped it, else the supplier's or the buyer's exit, else other."""
        buyer = self.pair_buyer[idx]
        buyer_alive = self.firm_id[self.buyer_slot[idx]] == buyer
        review = np.zeros(idx.size, np.int64)
        inside = idx < m.link_end.size
        review[inside] = m.link_end[idx[inside]]
        reason = np.where(
            review > 0,
            review,
            np.where(gone[idx], SUPPLIER_EXIT, np.where(buyer_alive, 0, BUYER_EXIT)),
        )
        self.closed.append(
            {
                "supplier": self.supplier[idx].copy(),
                "line": self.line[idx].copy(),
                "buyer": buyer.copy(),
                "stage": self.stage[idx].copy(),
                "supplier_location": self.sup_loc[idx].copy(),
                "buyer_location": self.buy_loc[idx].copy(),
                "inhouse": self.inhouse[idx].copy(),
                "start": self.start[idx].copy(),
                "end": np.full(idx.size, m.period, np.int64),
                "reason": reason,
            }
        )

    def table(self, m: Model) -> pd.DataFrame:
        """All spells: the closed ones and those still open (``end = -1``)."""
        o = np.flatnonzero(self.pair_buyer >= 0)
        still_open = {
            "supplier": self.supplier[o],
            "line": self.line[o],
            "buyer": self.pair_buyer[o],
            "stage": self.stage[o],
            "supplier_location": self.sup_loc[o],
            "buyer_location": self.buy_loc[o],
            "inhouse": self.inhouse[o],
            "start": self.start[o],
            "end": np.full(o.size, -1, np.int64),
            "reason": np.full(o.size, OPEN, np.int64),
        }
        parts = [*self.closed, still_open]
        cols = {k: np.concatenate([p[k] for p in parts]) for k in LINK_COLUMNS}
        codes = np.array(m.countries.codes)
        names = np.array(m.stages.names)
        out = pd.DataFrame(
            {
                "supplier": cols["supplier"],
                "line": cols["line"],
                "buyer": cols["buyer"],
                "stage": names[cols["stage"]],
                "supplier_location": codes[cols["supplier_location"]],
                "buyer_location": codes[cols["buyer_location"]],
                "inhouse": cols["inhouse"].astype(bool),
                "start": cols["start"],
                "end": cols["end"],
                "reason": REASONS[cols["reason"]],
            }
        )
        return out.sort_values(["start", "supplier"], kind="stable").reset_index(drop=True)
