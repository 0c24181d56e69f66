"""What the battery reads from a run, collected by a read-only hook on the simulation.

:class:`Collector` is passed to :func:`gpnlab.simulate.run.simulate` as ``on_period``. After
the warm-up (period 0) and after every quarter it looks at the model without changing it, so a
run is the same bits with and without it. It keeps:

* contract spells and stable firm ids (:class:`gpnlab.simulate.links.LinkTracker`);
* firm snapshots at the given quarters, with the knowledge each firm has been offered, has
  internalised from transfers and has learnt on its own so far (sums over dimensions);
* per snapshot: the stage requirements, informal employment, final sales by destination
  country, and profit and wage bill by role and stage (value capture);
* OBM attempts and successes at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gpnlab.simulate.links import LinkTracker
from gpnlab.simulate.model import Model
from gpnlab.simulate.record import ROLE_NAMES, firm_table
from gpnlab.simulate.state import founders, roots


@dataclass
class Collected:
    """The collector's harvest of one run (small: a few snapshots of firm tables)."""

    firms: pd.DataFrame  # firm_table rows + period, received (cumulative), req_* columns
    links: pd.DataFrame
    requirement: dict[int, np.ndarray]  # period -> (S, D)
    informal: dict[int, np.ndarray]  # period -> (G,) thousand workers
    final_by_destination: dict[int, np.ndarray]  # period -> (G,) money
    capture: pd.DataFrame  # period, role, stage, profit, wage_bill, final_revenue
    obm_attempts: int = 0
    obm_successes: int = 0
    last_period: int = 0


@dataclass
class Collector:
    """Read-only ``on_period`` hook (module docstring)."""

    periods: set[int]
    tracker: LinkTracker | None = None
    received: np.ndarray = field(default_factory=lambda: np.zeros(0))  # by firm id
    absorbed: np.ndarray = field(default_factory=lambda: np.zeros(0))  # internalised transfer
    learned: np.ndarray = field(default_factory=lambda: np.zeros(0))  # own learning
    snaps: list[pd.DataFrame] = field(default_factory=list)
    requirement: dict[int, np.ndarray] = field(default_factory=dict)
    informal: dict[int, np.ndarray] = field(default_factory=dict)
    final_by_destination: dict[int, np.ndarray] = field(default_factory=dict)
    capture: list[pd.DataFrame] = field(default_factory=list)
    model: Model | None = None

    def __call__(self, m: Model) -> None:
        if self.tracker is None:
            self.tracker = LinkTracker(m)
        else:
            self.tracker.observe(m)
        self.model = m
        f = m.firms
        ids = self.tracker.firm_id[: f.size]
        live = np.flatnonzero(f.alive & (ids >= 0))  # each slot id in one slot
        owner = ids[roots(f)[live]]  # a line's flows are its firm's (mechanisms/lines.py)
        flows = {  # this quarter's flows, summed over dimensions
            "received": f.received,
            "absorbed": f.absorbed,
            "learned": m.own_learned if m.own_learned.size == f.size else None,
        }
        for name, flow in flows.items():
            total = getattr(self, name)  # running sum by firm id
            if self.tracker.next_id > total.size:
                total = np.concatenate([total, np.zeros(max(self.tracker.next_id, total.size))])
                setattr(self, name, total)
            if m.period > 0 and flow is not None:
                np.add.at(total, owner, flow[live])
        if m.period in self.periods:
            self._snapshot(m, ids)

    def _snapshot(self, m: Model, ids: np.ndarray) -> None:
        f = m.firms
        t = firm_table(m, self.tracker.firm_id if self.tracker is not None else None)
        idx = np.flatnonzero(founders(f))  # firm_table's rows: one per firm, lines summed
        root = roots(f)[f.alive]
        t["received_total"] = self.received[ids[idx]]
        t["absorbed_total"] = self.absorbed[ids[idx]]
        t["learned_total"] = self.learned[ids[idx]]
        for name in ("wage_bill", "profit", "taxes"):
            t[name] = np.bincount(root, getattr(f, name)[f.alive], f.size)[idx]
        for name in ("role", "stage", "home", "location"):  # fast takes and group-bys
            t[name] = t[name].astype("category")
        self.snaps.append(t)
        self.requirement[m.period] = np.array(m.requirement, copy=True)
        self.informal[m.period] = np.array(m.countries.informal, copy=True)
        dest = np.zeros(m.G)
        if m.final_revenue.size:
            dest = m.final_revenue.sum(axis=0)
        self.final_by_destination[m.period] = dest
        produced = f.sales != 0
        roles = ROLE_NAMES[f.role[produced]]
        stages = np.array(m.stages.names)[f.stage[produced]]
        seller_rev = np.zeros(f.size)
        if m.sellers.size:
            seller_rev[m.sellers] = m.final_revenue.sum(axis=1)
        frame = pd.DataFrame(
            {
                "role": roles,
                "stage": stages,
                "obm": f.obm[produced],
                "profit": f.profit[produced],
                "wage_bill": f.wage_bill[produced],
                "final_revenue": seller_rev[produced],
            }
        )
        agg = frame.groupby(["role", "stage", "obm"], as_index=False, observed=True).sum()
        self.capture.append(agg.assign(period=m.period))

    def result(self) -> Collected:
        assert self.tracker is not None and self.model is not None
        m = self.model
        return Collected(
            firms=pd.concat(self.snaps, ignore_index=True) if self.snaps else pd.DataFrame(),
            links=self.tracker.table(m),
            requirement=self.requirement,
            informal=self.informal,
            final_by_destination=self.final_by_destination,
            capture=pd.concat(self.capture, ignore_index=True) if self.capture else pd.DataFrame(),
            obm_attempts=int(m.obm_attempts),
            obm_successes=int(m.obm_successes),
            last_period=int(m.period),
        )
