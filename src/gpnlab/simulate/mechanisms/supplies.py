"""Basic inputs, logistics services and tariffs: what every stage buys besides its stage inputs.

Every producing stage buys basic inputs (materials, energy, standard parts): ``materials_s``
millions of model currency per unit at the world price (``Stage.materials``). They come from
the basic-inputs industry of every country by a gravity rule with a border effect (McCallum
1995; Anderson & van Wincoop 2003): a plant in c buys the share

``w[c, c'] = L_c' b[c != c'] / sum_k L_k b[c != k]``

from country c', with ``L`` the labour force (the size of its economy) and ``b = BORDER``
for a foreign origin, 1 at home. Small economies import most of their materials, large ones
few: in WIOD 2005 the domestic share of the inputs of electrical and optical equipment (c14)
runs from 0.35 (MEX) and 0.44 (TWN) to 0.90 (JPN).

Crossing a border costs what it costs (issue 11, item 2):

* the importer's **tariff** on intermediates is a tax on the product paid by the buyer: it is
  part of the buyer's intermediate consumption (SNA 2008, 6.213), goes to the importing
  government and is booked in the emitted table's taxes-less-subsidies row, not as anybody's
  value added at basic prices;
* **logistics** (freight, customs brokerage, handling) is a service purchased from the
  logistics sector of each side of the border: ``logistics_cost`` of the importer and of the
  exporter, each a share of the shipment's value, sold by that country's logistics sector.

The two service sectors are country aggregates, not firms. The basic-inputs industry buys
``BASIC_OWN_USE`` of its output from its own country's basic-inputs industry (WIOD 2005: the
intermediate share of basic metals, c12, is 0.62-0.78 in USA, CHN, JPN, DEU, KOR, TWN, MEX);
logistics buys ``LOGISTICS_INPUT`` of its output as basic inputs at home (inland transport,
c23: 0.32-0.61). The rest of their output is their value added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gpnlab.simulate.jit import kernel
from gpnlab.simulate.rowops import pairwise_sum, positions

if TYPE_CHECKING:
    from gpnlab.simulate.model import Model

BORDER = 0.1  # weight of a foreign origin relative to home in the gravity rule
BASIC_OWN_USE = 0.7  # share of the basic-inputs industry's output it buys from itself
LOGISTICS_INPUT = 0.45  # share of the logistics sector's output bought as basic inputs


def origin_shares(labour_force: np.ndarray) -> np.ndarray:
    """(G, G) ``w[c, c']``: share of the basic inputs of plants in c bought from c'."""
    G = labour_force.size
    w = np.tile(np.asarray(labour_force, float), (G, 1)) * BORDER
    w[np.arange(G), np.arange(G)] = labour_force
    return w / w.sum(axis=1, keepdims=True)


def material_rates(
    shares: np.ndarray, tariff: np.ndarray, logistics: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per buyer country c, per unit of basic inputs bought: logistics services paid
    ``sum_{c' != c} w[c, c'] (l_c + l_c')`` and tariffs paid ``t_c sum_{c' != c} w[c, c']``."""
    foreign = shares.copy()
    np.fill_diagonal(foreign, 0.0)
    imported = foreign.sum(axis=1)
    log_rate = imported * logistics + foreign @ logistics
    return log_rate, imported * tariff


def service_blocks(
    shares: np.ndarray,
    materials_by_place: np.ndarray,
    logistics: np.ndarray,
    shipments: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Flows of the basic-inputs and logistics sectors for the emitted table.

    ``materials_by_place`` (G, S): basic inputs bought by the plants at (c, s) this quarter
    (world prices); ``shipments`` (G, G, S): value of stage inputs shipped from c' to the
    plants at (c, s) across a border (``[c', c, s]``, diagonal zero). Returns

    * ``basic`` (G, G, S): basic inputs sold by c' to (c, s) (``[c', c, s]``),
    * ``freight`` (G, G, S): logistics sold by c' to (c, s) on materials and stage inputs.

    The same sums as the firms' own purchases in :mod:`production` (tested).
    """
    basic = shares.T[:, :, None] * materials_by_place[None, :, :]
    foreign = basic.copy()
    G = shares.shape[0]
    foreign[np.arange(G), np.arange(G), :] = 0.0
    imported = foreign.sum(axis=0)  # (G, S) by buyer
    ship_in = shipments.sum(axis=0)  # (G, S) stage inputs imported by the buyer
    freight = (foreign + shipments) * logistics[:, None, None]  # exporter's side
    freight[np.arange(G), np.arange(G), :] += (imported + ship_in) * logistics[:, None]
    return basic, freight


def final_leg_rate(
    assembled: np.ndarray, sold: np.ndarray, tariff: np.ndarray, logistics: np.ndarray
) -> np.ndarray:
    """(R, G) cost of the final leg, per unit of value, of one more unit assembled in each
    country c' for each of R sellers (rows): what a plant there adds to the landed cost of the
    seller's goods in its markets (:func:`gpnlab.simulate.mechanisms.production.final_leg`).

    ``assembled`` and ``sold`` (R, G) are the seller's units assembled in and sold to each
    country, as shares or units (each row is normalised here). Plants serve the market they
    are in first: where the seller sells more in c' than it assembles there (a local deficit),
    the extra unit crosses no border (0). Otherwise it is exported to the markets in deficit
    in proportion to their deficits ``M_d = max(sold_d - assembled_d, 0)`` and pays their
    final-goods tariff and both sides' logistics: ``sum_{d != c'} w_d (t_d + l_d) + l_c'``
    (``w`` the deficits as shares, or the sales as shares where there is none)."""
    a = np.ascontiguousarray(assembled, float)
    q = np.ascontiguousarray(sold, float)
    return final_leg_rows(a, q, tariff, logistics)


@kernel
def final_leg_rows(
    a: np.ndarray, q: np.ndarray, tariff: np.ndarray, logistics: np.ndarray
) -> np.ndarray:
    """:func:`final_leg_rate` of contiguous float rows ``a`` (assembled) and ``q`` (sold), in
    one compiled call (the sums over the other markets are loops, not matrix products)."""
    deficit, w, wt = final_leg_weights(a, q, tariff + logistics)
    return final_leg_cost(w, wt, deficit, logistics)


@kernel
def final_leg_weights(
    a: np.ndarray, q: np.ndarray, tl: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`final_leg_rate`'s elementwise part, row by row: the deficits ``max(q - a, 0)``
    of the rows as shares, the market weights ``w`` (the deficits, or the sales shares where
    there is none) and ``w * tl`` (``tl`` tariff plus logistics by market). Row sums in
    numpy's order (:func:`rowops.pairwise_sum`)."""
    R, G = q.shape
    deficit = np.empty((R, G))
    w = np.empty((R, G))
    wt = np.empty((R, G))
    qn = np.empty(G)
    for r in range(R):
        sa = max(pairwise_sum(a[r], 0, G), 1e-300)
        sq = max(pairwise_sum(q[r], 0, G), 1e-300)
        for k in range(G):
            qn[k] = q[r, k] / sq
            deficit[r, k] = max(qn[k] - a[r, k] / sa, 0.0)
        short = pairwise_sum(deficit[r], 0, G) > 1e-12
        for k in range(G):
            w[r, k] = deficit[r, k] if short else qn[k]
            wt[r, k] = w[r, k] * tl[k]
    return deficit, w, wt


@kernel
def final_leg_cost(
    w: np.ndarray, wt: np.ndarray, deficit: np.ndarray, logistics: np.ndarray
) -> np.ndarray:
    """(R, G) rate of :func:`final_leg_rate` from the market weights ``w`` and ``wt = w (t +
    l)`` and the deficits: ``sum_{d != c'} wt_d / sum_{d != c'} w_d + l_c'`` (0 where no other
    market has weight), 0 where the plant's own market is in deficit."""
    R, G = w.shape
    rate = np.empty((R, G))
    for r in range(R):
        for k in range(G):
            reach = 0.0  # weight of the markets other than the plant's own
            cost = 0.0
            for d in range(G):
                if d != k:
                    reach += w[r, d]
                    cost += wt[r, d]
            x = cost / max(reach, 1e-300) if reach > 0 else 0.0
            rate[r, k] = 0.0 if deficit[r, k] > 1e-12 else x + logistics[k]
    return rate


def own_location(loc: np.ndarray, G: int) -> np.ndarray:
    """(len(loc), G) one row per seller with 1 at its own location: where a seller without a
    record of its assembly ships from, and sells to when it has sold nothing."""
    out = np.zeros((loc.size, G))
    out[np.arange(loc.size), loc] = 1.0
    return out


def assembly_record(m: Model, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Last quarter's record of the sellers in ``slots`` (written by
    :func:`gpnlab.simulate.mechanisms.production.final_leg`): (slots, G) assembled shares,
    (slots, G) locally served shares, and whether each slot was a seller then. The record is
    kept for that quarter's sellers only (``Model.origin_rows``, ascending slots), so a slot
    that sold nothing reads zeros."""
    G = m.G
    rows = m.origin_rows
    origin = np.zeros((slots.size, G))
    local = np.zeros((slots.size, G))
    if rows.size == 0 or m.origin.shape != (rows.size, G):
        return origin, local, np.zeros(slots.size, bool)
    at = positions(rows, slots)
    found = at >= 0
    origin[found] = m.origin[at[found]]
    local[found] = m.local[at[found]]
    return origin, local, found
