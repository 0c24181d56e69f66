"""Outputs of a run: the country panel, stage table, firm snapshot and the emitted IO table.

The emitted table follows MODEL.md section 5: a sector is a stage, a row or column is (country where
the plant is, stage), and every country has two more sectors, its basic-inputs industry and its
logistics services (:mod:`gpnlab.simulate.mechanisms.supplies`). ``Z[(c1,s1),(c2,s2)]`` are
purchases by plants at (c2, s2) from plants at (c1, s1), basic inputs and logistics services
included; ``Y[(c,s), d]`` final sales to end buyers in d (at basic prices: net of the final-goods
tariff), booked on the seller's row; the logistics of the final leg (assembly plant to end market)
are the seller's purchases of logistics services; ``taxes`` the tariffs each using sector paid on
its imported inputs (the taxes-less-subsidies row of WIOD and OECD ICIO). Gross output = sales;
value added (the residual ``x - 1'Z``, as decompositions use it) = wages + profits + brand
building + interest + taxes; value added at basic prices excludes the taxes. Both identities hold
exactly. Money: millions of model currency per quarter.

The panel's trade columns are computed by :mod:`gpnlab.measure` on that very table:
``dva_share`` with the residual value added (taxes on imported inputs count as domestic value
added of the importer, which is how decompr, exvatools and the literature use WIOD), and
``dva_share_basic`` without the taxes row (the tax content of exports taken out).
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

from gpnlab.measure import ExportAccounts
from gpnlab.measure.borin_mancini import bm_source_bilateral, tax_in_dva
from gpnlab.measure.tiva import domestic_input_use, safe_share
from gpnlab.simulate.config import DIMENSIONS, SERVICE_SECTORS
from gpnlab.simulate.jit import kernel
from gpnlab.simulate.mechanisms.capability import capability_index
from gpnlab.simulate.mechanisms.supplies import BASIC_OWN_USE, LOGISTICS_INPUT, service_blocks
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import grouped_totals, masked_sum
from gpnlab.simulate.state import BL, HT, LT, FirmView, founders, roots
from gpnlab.table import IOTable, TableWarning

PANEL_OUTCOMES = (
    "gross_exports",
    "dva_share",
    "dva_share_basic",
    "fva_share",
    "gvc_backward",
    "gvc_forward",
    "domestic_input_share",
    "domestic_ht",
    "domestic_lt",
    "capability_ht",
    "capability_lt",
    "match_ht",
    "match_lt",
    "functional_position",
    "value_captured",
    "value_added",
    "employment",
    "wage_bill",
    "informal_share",
    "productivity",
    "policy_cost",
    "supplier_drops",
    "odm_firms",
    "obm_firms",
    "obm_attempts",
    "obm_successes",
    "obm_exits",
    "brand_leaders",
    "brand_promotions",
    "brand_exits",
    "rd_spend",
    "requirement_level",
    "learning_investment",
    "knowledge_received_ht",
    "knowledge_received_lt",
    "outsourcing_share",
    "firms",
)
"""Columns of the panel after (period, country), in order (issue 3 lists the required ones;
experiments keep any of them)."""


@lru_cache(maxsize=16)
def grid_labels(countries: tuple[str, ...], stages: tuple[str, ...]) -> tuple[pd.MultiIndex, ...]:
    """Row labels (country, stage) and final-demand labels (country, "final"), built once."""
    return (
        pd.MultiIndex.from_product([countries, stages], names=["country", "sector"]),
        pd.MultiIndex.from_product([countries, ["final"]], names=["country", "category"]),
    )


@kernel
def ledger_flows(
    f: FirmView, materials: np.ndarray, final: int, G: int, N: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over the production ledger, in slot order (the order of ``np.bincount``, so
    the same bits): the (GN, GN) contract flows ``Z`` (seller's (country, stage) row to the
    buyer's, from ``sold_to`` and ``contract_value``: exits after production do not erase
    flows); the (G, S) basic inputs ``units x materials_s`` of the producing plants at
    (c, s); the (G, G, S) stage inputs shipped across a border, by the buyer's stage (the
    final stage ships to end markets instead, :func:`production.final_leg`); the (GN,) taxes
    on products paid by alive plants."""
    S = materials.size
    n = G * N
    Z = np.zeros((n, n))
    mat = np.zeros((G, S))
    ship = np.zeros((G, G, S))
    taxes = np.zeros(n)
    for i in range(f.loc.size):
        gi = np.int64(f.loc[i])
        si = np.int64(f.stage[i])
        b = f.sold_to[i]
        if b >= 0:
            gb = np.int64(f.loc[b])
            sb = np.int64(f.stage[b])
            Z[gi * N + si, gb * N + sb] += f.contract_value[i]
            if gi != gb and sb != final:
                ship[gi, gb, sb] += f.contract_value[i]
        if f.units[i] > 0:
            mat[gi, si] += f.units[i] * materials[si]
        if f.alive[i]:
            taxes[gi * N + si] += f.taxes[i]
    return Z, mat, ship, taxes


def emit_table(m: Model) -> IOTable:
    f = m.firms
    S, G = m.stages.S, m.G
    N = S + len(SERVICE_SECTORS)
    BASIC, FREIGHT = S, S + 1  # the service sectors' positions within a country
    n = G * N
    row = f.loc.astype(np.int64) * N + f.stage
    Z, mat, ship, taxes = ledger_flows(f.view(), m.stages.materials, m.stages.final, G, N)
    logistics = m.instruments.effect("logistics_cost")
    basic, freight = service_blocks(m.material_origin, mat, logistics, ship)
    if m.final_freight.shape == (m.sellers.size, G) and m.sellers.size:
        # logistics on the final leg, sold by each country to the sellers
        seller_at = np.repeat(f.loc[m.sellers].astype(np.int64), G)
        from_k = np.tile(np.arange(G), m.sellers.size)
        final_at = np.full(seller_at.size, m.stages.final, np.int64)
        np.add.at(freight, (from_k, seller_at, final_at), m.final_freight.ravel())
    Z4 = Z.reshape(G, N, G, N)
    Z4[:, BASIC, :, :S] += basic
    Z4[:, FREIGHT, :, :S] += freight
    # the service sectors' own inputs: basic inputs at home
    g = np.arange(G)
    freight_out = freight.sum(axis=(1, 2))
    basic_out = (basic.sum(axis=(1, 2)) + LOGISTICS_INPUT * freight_out) / (1 - BASIC_OWN_USE)
    Z4[g, BASIC, g, FREIGHT] += LOGISTICS_INPUT * freight_out
    Z4[g, BASIC, g, BASIC] += BASIC_OWN_USE * basic_out
    sold = m.final_revenue.sum(axis=1) != 0
    Y = np.zeros((n, G))
    np.add.at(Y, row[m.sellers[sold]], m.final_revenue[sold])
    labels, fd_labels = grid_labels(tuple(m.countries.codes), (*m.stages.names, *SERVICE_SECTORS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)
        return IOTable.build(
            Z,
            Y,
            labels,
            fd_labels,
            taxes=taxes,
            unit="millions of model currency per quarter",
            source=f"simulation period {m.period}",
        )


def trade_indicators(table: IOTable) -> dict[str, np.ndarray]:
    """Borin-Mancini country terms of the emitted table (the panel's trade columns), one value
    per country in table order."""
    acc = ExportAccounts(table)
    t = {k: v.sum(axis=(1, 2)) for k, v in bm_source_bilateral(acc).items()}
    g = t["GEXP"]
    taxes = tax_in_dva(acc).sum(axis=1)
    # the chain's plants (stage columns, not the service sectors'): the domestic share of the
    # intermediate inputs they bought, the quantity measured on a real table's sector
    domestic, total = domestic_input_use(table)
    S = table.N - len(SERVICE_SECTORS)
    return {
        "gross_exports": g,
        "dva_share": safe_share(t["DVA"], g),
        "dva_share_basic": safe_share(t["DVA"] - taxes, g),
        "fva_share": safe_share(t["FVA"], g),
        "gvc_backward": t["GVCB"],
        "gvc_forward": t["GVCF"],
        "domestic_input_share": safe_share(domestic[:, :S].sum(axis=1), total[:, :S].sum(axis=1)),
    }


Rows = dict[str, np.ndarray | list[str]]
"""Columns of one recorded quarter; :func:`frame` stacks the quarters into one table."""


def frame(quarters: list[Rows]) -> pd.DataFrame:
    """One DataFrame from the rows of several quarters (one construction per run)."""
    first = quarters[0]
    return pd.DataFrame(
        {
            k: [v for q in quarters for v in q[k]]
            if isinstance(first[k], list)
            else np.concatenate([q[k] for q in quarters])
            for k in first
        }
    )


def capped_match(m: Model) -> np.ndarray:
    """Each slot's capability match to its stage's requirement, capped at 2 (the match index
    of stages needing nothing); NaN before the first review has computed it."""
    f = m.firms
    if m.match_now.shape != (f.size,):
        return np.full(f.size, np.nan)
    return np.minimum(m.match_now, 2.0)


def totals(
    G: int, wanted: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]
) -> dict[str, np.ndarray]:
    """Each of ``wanted``'s (group, mask, weight) masked bincount over ``G`` groups, all in one
    pass over the firms (:func:`rowops.grouped_totals`; the same bits as one
    ``np.bincount(group[mask], weight[mask], G)`` each); a count (weight None) as int64."""
    arrays: list[list[np.ndarray]] = [[], [], []]

    def slot(k: int, a: np.ndarray, dtype: np.dtype | type | None = None) -> int:
        a = np.ascontiguousarray(a, dtype)
        for n, seen in enumerate(arrays[k]):
            if seen is a:
                return n
        arrays[k].append(a)
        return len(arrays[k]) - 1

    gtype = np.result_type(*(g for g, _, _ in wanted.values()))  # one tuple type for the kernel
    spec = np.array(
        [
            (slot(0, g, gtype), slot(1, m, np.bool_), -1 if w is None else slot(2, w, float))
            for g, m, w in wanted.values()
        ],
        np.int64,
    ).reshape(-1, 3)
    groups, masks, weights = (tuple(a) for a in arrays)
    out = grouped_totals(groups, masks, weights or (np.zeros(0),), spec, G)
    return {
        name: out[p].astype(np.int64) if w is None else out[p]
        for p, (name, (_, _, w)) in enumerate(wanted.items())
    }


def panel_rows(m: Model, table: IOTable) -> Rows:
    """One row per country: the panel columns (``PANEL_OUTCOMES``) of this quarter."""
    f = m.firms
    G = m.G
    c = m.countries
    alive = f.alive
    # counts and firm means are over firms: a supplier serving several buyers is several
    # rows (lines, mechanisms/lines.py) sharing one capability; its flows are summed
    firm = founders(f)
    root = roots(f)
    engaged = np.zeros(f.size, bool)  # the firm has a buyer on some line
    engaged[root[alive & (f.buyer >= 0)]] = True
    received = masked_sum(root, alive, f.received, f.size)
    dom = firm & (f.home == f.loc)
    cap = capability_index(f.K)
    va = f.sales - f.purchases - f.taxes  # value added at basic prices
    match = capped_match(m)
    brands = alive & f.obm & (f.stage == m.stages.final)  # latecomer brands (OBM)
    produced = f.sales != 0  # this period's producers, including those that exited after
    pos = m.stages.position[f.stage]
    wpos = (f.home == f.loc) & produced & (va > 0)
    mkt = alive & (f.role == BL) & (f.stage == m.stages.final) & ~f.obm
    heads_alive = alive & (f.role == BL) & (f.stage == m.stages.final) & ~f.inhouse
    ht, lt, learners = dom & (f.role == HT), dom & (f.role == LT), dom & (f.role >= HT)
    loc, home = f.loc, f.home
    t = totals(
        G,
        {  # name: (country of, firms, summed weight; None counts them)
            "domestic_ht": (loc, ht & engaged, None),
            "domestic_lt": (loc, lt & engaged, None),
            "n_ht": (loc, ht, None),
            "n_lt": (loc, lt, None),
            "n_learners": (loc, learners, None),
            "capability_ht": (loc, ht, cap),
            "capability_lt": (loc, lt, cap),
            "match_ht": (loc, ht, match),
            "match_lt": (loc, lt, match),
            "received_ht": (loc, ht, received),
            "received_lt": (loc, lt, received),
            "invest": (loc, learners, f.invest),
            "va_weight": (loc, wpos, va),
            "va_position": (loc, wpos, va * pos),
            "profit": (home, produced, f.profit),
            "wage_bill": (loc, produced, f.wage_bill),
            "employment": (loc, produced, f.employment),
            "value_added": (loc, produced, va),
            "n_mkt": (home, mkt, None),
            "outsource": (home, mkt, f.outsource),
            "odm_firms": (loc, dom & f.odm, None),
            "obm_firms": (loc, brands, None),
            "brand_leaders": (loc, heads_alive, None),
            "firms": (loc, firm, None),
        },
    )

    def mean(total: str, n: str) -> np.ndarray:
        return np.where(t[n] > 0, t[total] / np.maximum(t[n], 1), np.nan)

    functional = np.where(
        t["va_weight"] > 0, t["va_position"] / np.maximum(t["va_weight"], 1e-300), np.nan
    )
    captured = t["profit"] + t["wage_bill"]
    employment = t["employment"] / 1e3
    va_formal = t["value_added"]
    informal = c.informal
    # value added per worker of the labour force, formal and informal, in the wage's unit
    # (thousand per worker-quarter): value added is in thousand x thousand (the wage bill's
    # unit: thousand workers x wage), so the informal sector's is informal x its productivity
    productivity = (va_formal + informal * m.world.informal_productivity) / c.labour_force
    rd = m.rd_spend if m.rd_spend.shape == (f.size,) else np.zeros(f.size)
    return {
        "period": np.full(G, m.period, np.int64),
        "country": list(c.codes),
        **trade_indicators(table),
        "domestic_ht": t["domestic_ht"],
        "domestic_lt": t["domestic_lt"],
        "capability_ht": mean("capability_ht", "n_ht"),
        "capability_lt": mean("capability_lt", "n_lt"),
        "match_ht": mean("match_ht", "n_ht"),
        "match_lt": mean("match_lt", "n_lt"),
        "functional_position": functional,
        "value_captured": captured,
        "value_added": va_formal,
        "employment": employment,
        "wage_bill": t["wage_bill"],
        "informal_share": informal / c.labour_force,
        "productivity": productivity,
        "policy_cost": m.policy_cost.copy(),
        "supplier_drops": m.drops.copy(),
        "odm_firms": t["odm_firms"],
        "obm_firms": t["obm_firms"],
        "obm_attempts": np.full(G, float(m.obm_attempts)),  # world totals so far
        "obm_successes": np.full(G, float(m.obm_successes)),
        "obm_exits": np.full(G, float(m.obm_exits)),
        "brand_leaders": t["brand_leaders"],  # brands selling from here (flagships, OBM)
        "brand_promotions": np.full(G, float(m.brand_promotions)),  # world totals so far
        "brand_exits": np.full(G, float(m.brand_exits)),
        "rd_spend": np.bincount(f.home, rd, G),  # by the brand's owner country
        "requirement_level": np.full(G, float(m.requirement.sum() / m.stages.req0.sum())),
        "learning_investment": mean("invest", "n_learners"),
        "knowledge_received_ht": mean("received_ht", "n_ht"),
        "knowledge_received_lt": mean("received_lt", "n_lt"),
        "outsourcing_share": mean("outsource", "n_mkt"),
        "firms": t["firms"],
    }


def stage_rows(m: Model, table: IOTable) -> Rows:
    """One row per (country, stage) of this quarter: output, value added at basic prices,
    taxes on products paid, producing firms (the table's service sectors are left out)."""
    f = m.firms
    S, G = m.stages.S, m.G
    producing = np.zeros(f.size, bool)  # firms with output on some line
    producing[roots(f)[f.alive & (f.units > 0)]] = True
    firms = np.bincount(f.loc[producing].astype(np.int64) * S + f.stage[producing], minlength=G * S)
    keep = (np.arange(table.n) % table.N) < S
    return {
        "period": np.full(G * S, m.period, np.int64),
        "stage": list(m.stages.names) * G,
        "country": [c for c in m.countries.codes for _ in range(S)],
        "output": table.x[keep],
        "value_added": table.va_basic[keep],
        "taxes": table.tax_row[keep],
        "firms": firms,
    }


ROLE_NAMES = np.array(["BL", "CM", "HT", "LT"])


def firm_table(m: Model, ids: np.ndarray | None = None) -> pd.DataFrame:
    """One row per alive firm now (``period`` = this quarter); ``firm`` is the stable id from
    ``ids`` (per slot, :class:`gpnlab.simulate.links.LinkTracker`), else the slot. A supplier
    serving several buyers (lines, :mod:`gpnlab.simulate.mechanisms.lines`) is one row: its
    lines' capacity, units, sales, value added, employment and cash summed, ``accounts`` the
    buyers it serves, ``buyer`` its founder line's buyer; capability is the firm's (shared)."""
    f = m.firms
    idx = np.flatnonzero(founders(f))
    alive = f.alive
    root = roots(f)[alive]

    def summed(x: np.ndarray) -> np.ndarray:
        return np.bincount(root, x[alive], f.size)[idx]

    va = f.sales - f.purchases - f.taxes
    codes = np.array(m.countries.codes)
    buyer = np.where(f.buyer[idx] >= 0, roots(f)[np.maximum(f.buyer[idx], 0)], -1)  # its firm
    return pd.DataFrame(
        {
            "period": np.full(idx.size, m.period, np.int64),
            "firm": idx if ids is None else ids[idx],
            "role": ROLE_NAMES[f.role[idx]],
            "stage": np.array(m.stages.names)[f.stage[idx]],
            "home": codes[f.home[idx]],
            "location": codes[f.loc[idx]],
            "buyer": buyer if ids is None else np.where(buyer >= 0, ids[np.maximum(buyer, 0)], -1),
            "accounts": summed((f.buyer >= 0).astype(float)).astype(np.int64),
            "capability": capability_index(f.K[idx]),
            **{f"k_{d}": f.K[idx, i] for i, d in enumerate(DIMENSIONS)},
            "capacity": summed(f.capacity),
            "units": summed(f.units),
            "sales": summed(f.sales),
            "value_added": summed(va),
            "capability_match": capped_match(m)[idx],
            "employment": summed(f.employment),
            "cash": summed(f.cash),
            "age": f.age[idx],
            "odm": f.odm[idx],
            "obm": f.obm[idx],
            "inhouse": f.inhouse[idx],
            "invest": f.invest[idx],
        }
    )
