"""Several buyers per supplier: a supplier firm is one *line* per key account.

A supplier firm under contract can take on another buyer within its capacity (Ernst 2002,
sec. 2.2 on contract manufacturers serving competing brand leaders; Sturgeon 2002 on the
"turnkey" supplier's pooled capacity). In the state a firm that serves k buyers is k rows
(:mod:`gpnlab.simulate.state`): its founder row (``parent = -1``) and ``k - 1`` further
lines (``parent`` = the founder's row), each with one buyer, so every kernel keeps one buyer
per row. Lines are the same plant: the same owner, location and stage.

* **Opening** (:mod:`tender`). At re-tender a supplier already under contract competes for the
  contract with its *spare capacity* ``capacity - units`` (this quarter's volume against what
  the plant can make); it is eligible when the spare covers half the incumbent's volume, as a
  free challenger's capacity must. When it wins, a new line takes the contract with capacity
  ``min(spare, incumbent's capacity, half the winning row's capacity)``, moved from the
  winning row (which keeps at least its own volume and half its capacity).
* **Capability is the firm's** (:func:`pool_capability`, each quarter after learning): every
  row of a firm gets the capacity-weighted mean of its rows' capability and absorptive stock,
  ``K_firm = sum_l cap_l K_l / sum_l cap_l`` -- what one account teaches the plant's engineers
  serves every account (knowledge spreads within the firm, not between firms).
* **Cash is the firm's** (:mod:`finance`): each quarter the rows' cash is summed and shared back
  in proportion to the rows' average sales, so insolvency is judged on the firm, and the whole
  firm (every line) exits together.
* **Market power is the firm's** (:mod:`market_power`): a line's margin follows its firm's
  share of the stage's capable supply.
* **Closing** (:func:`close_lines`, before re-tendering and after it): a line whose contract
  ended (review, re-tender, the buyer's exit) is folded back into its founder: capacity, cash
  and capability (capacity-weighted) return to the founder row, its own suppliers now deliver
  to the founder, and the row is freed. That is not a firm's exit (no workers displaced). A
  founder that loses its own buyer stays a free plant while its lines work; it is idle only
  when no line of the firm has a buyer.

Firm counts, entry rates and the panel's firm means count founders only
(:func:`gpnlab.simulate.state.founders`); ``firms.parquet`` has one row per firm (its lines
summed, ``accounts`` buyers) and ``links.parquet`` names the supplier firm, so a link is a
(supplier firm, buyer firm) pair as in the empirical data. Switch:
``mechanisms.multi_account = false`` (re-tender against free plants only: one buyer per
supplier, the behaviour before).
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import FIELDS, GIVEN, FirmView

# fields a new line copies from the row that won the contract (the same plant and firm)
COPIED = ("role", "stage", "home", "loc", "K", "K0", "invest", "absorptive",
          "delivery_record", "odm", "age")  # fmt: skip


@kernel
def close_lines(f: FirmView, period: int) -> int:
    """Fold every line without a buyer back into its founder (module docstring); returns how
    many rows were freed. Writes the founders' capacity, cash, K and absorptive stock, the
    buyer of the closed lines' suppliers, and the closed rows' ``alive``, ``died``,
    ``parent`` and ``capacity``."""
    alive, parent, buyer, capacity, cash, K, absorptive, died = (
        f.alive, f.parent, f.buyer, f.capacity, f.cash, f.K, f.absorptive, f.died
    )  # fmt: skip
    F = alive.size
    closed = np.zeros(F, np.bool_)
    n = 0
    for i in range(F):
        p = parent[i]
        if not alive[i] or p < 0 or buyer[i] >= 0:
            continue
        total = capacity[p] + capacity[i]
        if total > 0:
            a, b = capacity[p] / total, capacity[i] / total
            for d in range(K.shape[1]):
                K[p, d] = a * K[p, d] + b * K[i, d]
            absorptive[p] = a * absorptive[p] + b * absorptive[i]
        capacity[p] = total
        cash[p] += cash[i]
        cash[i] = 0.0
        closed[i] = True
        n += 1
    if n == 0:
        return 0
    for j in range(F):
        b = buyer[j]
        if alive[j] and b >= 0 and closed[b]:
            buyer[j] = parent[b]  # the firm keeps its suppliers
    for i in range(F):
        if closed[i]:
            alive[i] = False
            died[i] = period
            parent[i] = -1
            capacity[i] = 0.0
    return n


@kernel
def pool_capability(f: FirmView) -> None:
    """Every row of a firm with lines gets the capacity-weighted mean of its rows' ``K`` and
    absorptive stock (module docstring). Two passes over rows; the sums are kept per firm with
    lines only (``group[r]``: its place among them), not per row."""
    alive, parent, capacity, K, absorptive = f.alive, f.parent, f.capacity, f.K, f.absorptive
    F, D = K.shape
    group = np.full(F, -1, np.int64)
    n = 0
    for i in range(F):
        if alive[i] and parent[i] >= 0 and group[parent[i]] < 0:
            group[parent[i]] = n
            n += 1
    weight = np.zeros(n)
    k_sum = np.zeros((n, D))
    a_sum = np.zeros(n)
    for i in range(F):
        if not alive[i]:
            continue
        g = group[parent[i] if parent[i] >= 0 else i]
        if g < 0:
            continue
        w = max(capacity[i], 1e-12)
        weight[g] += w
        a_sum[g] += w * absorptive[i]
        for d in range(D):
            k_sum[g, d] += w * K[i, d]
    for i in range(F):
        if not alive[i]:
            continue
        g = group[parent[i] if parent[i] >= 0 else i]
        if g < 0:
            continue
        absorptive[i] = a_sum[g] / weight[g]
        for d in range(D):
            K[i, d] = k_sum[g, d] / weight[g]


@kernel
def line_lists(alive: np.ndarray, parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's further lines as linked lists: ``first[founder]`` (-1: none), then
    ``after[row]``, in reverse row order. One pass over rows."""
    first = np.full(alive.size, -1, np.int64)
    after = np.full(alive.size, -1, np.int64)
    for i in range(alive.size):
        p = parent[i]
        if alive[i] and p >= 0:
            after[i] = first[p]
            first[p] = i
    return first, after


def start_lines(
    m: Model,
    slots: np.ndarray,
    source: np.ndarray,
    capacity: np.ndarray,
    buyer: np.ndarray,
    term: np.ndarray | int,
) -> None:
    """Fill free ``slots`` with new lines of the rows ``source`` (the firms that won), each
    under a new contract to ``buyer`` of ``term`` quarters (per line) with ``capacity``
    (already taken from the source rows). Every field is reset to its empty value, then the
    plant's and firm's fields are copied (``COPIED``); cash, sales history and flows start at
    zero (the sales moments start at the line's first sales, :mod:`investment`)."""
    if slots.size == 0:
        return
    f = m.firms
    for name, spec in FIELDS.items():
        if name not in COPIED:
            getattr(f, name)[slots] = spec.fill if spec.entry in (None, GIVEN) else spec.entry
    for name in COPIED:
        getattr(f, name)[slots] = getattr(f, name)[source]
    f.parent[slots] = np.where(f.parent[source] >= 0, f.parent[source], source)
    f.capacity[slots] = capacity
    f.buyer[slots] = buyer
    f.contract_len[slots] = term
    if m.match_now.shape == (f.size,):
        m.match_now[slots] = m.match_now[source]
    if m.offered.shape[0] == f.size:
        m.offered[slots] = 0.0
    m.lines_opened += int(slots.size)


def pool_lines(m: Model) -> None:
    """The mechanism of a quarter: pool each firm's capability over its lines."""
    f = m.firms
    if (f.parent[f.alive] >= 0).any():
        pool_capability(f.view())


def fold_lines(m: Model) -> None:
    """Close the lines without a buyer (:func:`close_lines`)."""
    f = m.firms
    if (f.parent[f.alive] >= 0).any():
        m.lines_closed += close_lines(f.view(), m.period)
