"""The battery's numbers for one run: tidy rows ``(metric, period, group, value)``.

Computed where the run is simulated (the experiment worker), so only these few hundred rows
travel to the store. Every number is a function of :mod:`gpnlab.validate.metrics` applied to
the run's outputs (panel, stage table, emitted tables) and to what
:class:`gpnlab.validate.collect.Collector` read (firm snapshots, contract spells); which fact
reads which metric is in :mod:`gpnlab.validate.facts`. Roles, stages and chain positions come
from the world config, never from index literals.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from gpnlab.measure import ExportAccounts
from gpnlab.measure.borin_mancini import bm_source_bilateral, tax_in_dva
from gpnlab.simulate.config import World, final_stages
from gpnlab.simulate.mechanisms.upgrading import ODM_ROLES
from gpnlab.simulate.record import ROLE_NAMES
from gpnlab.simulate.run import Results
from gpnlab.validate.collect import Collected
from gpnlab.validate.metrics.concentration import (
    dispersion_gradient,
    spearman,
    stage_concentration,
)
from gpnlab.validate.metrics.decomposition import (
    foster_haltiwanger_krizan,
    melitz_polanec,
    within_split,
)
from gpnlab.validate.metrics.hazard import drop_observations, hazard_slope
from gpnlab.validate.metrics.links import link_survival, pooled_survival
from gpnlab.validate.metrics.requirements import K_COLUMNS, capability_change, capability_scores
from gpnlab.validate.metrics.smile import smile_metric, value_added_by_stage
from gpnlab.validate.metrics.structural import mcmillan_rodrik
from gpnlab.validate.metrics.tails import tail_exponents

METRIC_COLUMNS = ("metric", "period", "group", "value")
SUPPLIER_ROLES = ("HT", "LT")
TAIL_TOP_SHARE = 0.1
HAZARD_HORIZON = 4  # quarters: "dropped within a year of the snapshot"


def chain_depth(world: World) -> dict[str, int]:
    """Production depth of each stage: 0 without inputs, else 1 + the deepest input."""
    depth: dict[int, int] = {}

    def d(i: int) -> int:
        if i not in depth:
            ins = world.stages[i].inputs
            depth[i] = 0 if not ins else 1 + max(d(j) for j in ins)
        return depth[i]

    return {s.name: d(i) for i, s in enumerate(world.stages)}


def requirement_map(req: np.ndarray, world: World) -> dict[str, np.ndarray]:
    return {s.name: req[i] for i, s in enumerate(world.stages)}


class Rows:
    """Collects metric rows."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, str, float]] = []

    def add(self, metric: str, period: int, value: float, group: str = "") -> None:
        self.rows.append((metric, int(period), group, float(value)))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=list(METRIC_COLUMNS))


def run_metrics(
    world: World, res: Results, col: Collected, horizons: Iterable[int]
) -> pd.DataFrame:
    """Every per-run metric of the battery at each horizon (module docstring)."""
    out = Rows()
    hs = sorted({h for h in horizons if 1 <= h <= col.last_period})
    stage_names = [s.name for s in world.stages]
    role_of: dict[str, str] = {s.name: str(s.role) for s in world.stages}
    depth = chain_depth(world)
    manufacturing = [s.name for s in world.stages if s.role != "BL"]
    codes = [c.code for c in world.countries]
    _smile_and_concentration(out, res.stages, hs, stage_names, manufacturing, depth)
    firms = col.firms
    if not firms.empty:
        dense = firms[["firm", "period", "role", "stage", *K_COLUMNS]]
        hazard_snaps = _with_scores(dense, col, world)[["firm", "period", "role", "gap"]]
        firms = _with_scores(firms[firms["period"].isin({0, *hs})], col, world)
        _tiers(out, firms, col, world, hs)
        _decomposition(out, firms, hs)
        _learning_split(out, firms, hs)
        _diffusion(out, firms, hs)
        _hazard(out, col, hazard_snaps)
        _sizes(out, firms, hs)
        (final,) = final_stages([st.inputs for st in world.stages])
        _obm(out, firms, col, hs, world.stages[final].name)
        _structural(out, firms, col, world, hs)
    _survival(out, col, role_of)
    _requirements(out, col, hs)
    _panel(out, res.panel, hs, world)
    _channels(out, res, col, hs, codes, stage_names)
    _markets_and_capture(out, col, world, hs)
    return out.frame()


def _smile_and_concentration(
    out: Rows,
    stages: pd.DataFrame,
    hs: list[int],
    names: list[str],
    manufacturing: list[str],
    depth: dict[str, int],
) -> None:
    st = stages[stages["period"].isin(hs)]
    by_stage = value_added_by_stage(st)
    for value in ("va_share", "va_output"):
        sm = smile_metric(by_stage, names, value=value)
        for _, r in sm.iterrows():
            out.add(f"smile_{value}", r["period"], r["smile"])
        for _, r in by_stage.iterrows():
            out.add(value, r["period"], r[value], r["stage"])
    conc = stage_concentration(st)
    for _, r in conc.iterrows():
        out.add("hhi", r["period"], r["hhi"], r["stage"])
        out.add("producers", r["period"], r["n_producers"], r["stage"])
    grad = dispersion_gradient(
        conc[conc["stage"].isin(manufacturing)], {s: depth[s] for s in manufacturing}
    )
    for _, r in grad.iterrows():
        out.add("dispersion_rho", r["period"], r["rho"])


def _with_scores(firms: pd.DataFrame, col: Collected, world: World) -> pd.DataFrame:
    """Add match / gap / raw scores against the requirements of each snapshot's date."""
    parts = []
    for period, g in firms.groupby("period", sort=True):
        req = requirement_map(col.requirement[int(str(period))], world)
        sc = capability_scores(g, req)
        parts.append(g.join(sc[["match", "gap", "required", "unrequired", "raw"]]))
    return pd.concat(parts)


def _domestic_suppliers(firms: pd.DataFrame) -> pd.DataFrame:
    return firms[firms["role"].isin(SUPPLIER_ROLES) & (firms["home"] == firms["location"])]


def _tiers(out: Rows, firms: pd.DataFrame, col: Collected, world: World, hs: list[int]) -> None:
    """Capability change of domestic HT and LT suppliers since period 0 (survivors in the same
    tier, ``metrics.requirements.capability_change``), in the dimensions their stage requires
    (match, against the requirements of each date) and on the raw index."""
    sup = _domestic_suppliers(firms).assign(role=lambda d: d["role"].astype(str))
    req0 = requirement_map(col.requirement[0], world)
    for h in hs:
        ch = capability_change(
            sup, req0, start=0, end=h, by="role",
            requirements_end=requirement_map(col.requirement[h], world),
        )  # fmt: skip
        changes = {(str(sc), str(r)): float(v) for sc, r, v in
                   zip(ch["score"], ch["role"], ch["change"], strict=True)}  # fmt: skip
        for score in ("match", "raw", "required", "unrequired"):
            by_role = {r: changes[(score, r)] for r in SUPPLIER_ROLES if (score, r) in changes}
            for role, v in by_role.items():
                out.add(f"cap_change_{score}", h, v, role)
            if len(by_role) == len(SUPPLIER_ROLES):
                out.add(f"tier_gap_{score}", h, by_role["HT"] - by_role["LT"])


def _requirements(out: Rows, col: Collected, hs: list[int]) -> None:
    """Mean requirement over stages and dimensions at each horizon, relative to quarter 0
    (upgrade or perish needs requirements that keep rising)."""
    r0 = float(np.mean(col.requirement[0])) if 0 in col.requirement else float("nan")
    for h in hs:
        if h in col.requirement and r0 > 0:
            out.add("requirement_level", h, float(np.mean(col.requirement[h])) / r0)


def _decomposition(out: Rows, firms: pd.DataFrame, hs: list[int]) -> None:
    """Melitz-Polanec and Foster-Haltiwanger-Krizan decompositions of employment-weighted
    supplier match, quarter 0 to each horizon, by tier (and by tier:country at the last)."""
    cols = ["firm", "period", "role", "home", "match", "employment"]
    sup = firms.loc[firms["role"].isin(SUPPLIER_ROLES), cols]
    sup = sup.assign(weight=sup["employment"] + 1e-9, role=sup["role"].astype(str),
                     home=sup["home"].astype(str))  # fmt: skip
    for h in hs:
        pair = sup[sup["period"].isin((0, h))]
        # by tier at every horizon; by tier and country at the last one (its cost is merges)
        for by in ("role", ["role", "home"]) if h == hs[-1] else ("role",):
            mp = melitz_polanec(pair, start=0, end=h, value="match", weight="weight", by=by)
            for _, r in mp.iterrows():
                grp = r["role"] if by == "role" else f"{r['role']}:{r['home']}"
                for term in ("total", "within", "covariance", "entry", "exit"):
                    out.add(f"mp_{term}", h, r[term], grp)
            fhk = foster_haltiwanger_krizan(
                pair, start=0, end=h, value="match", weight="weight", by=by
            )
            for _, r in fhk.iterrows():
                grp = r["role"] if by == "role" else f"{r['role']}:{r['home']}"
                for term in ("total", "within", "between", "cross", "entry", "exit"):
                    out.add(f"fhk_{term}", h, r[term], grp)


def _survivors(sup: pd.DataFrame, start: int, end: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows at ``start`` and at ``end`` of the firms present at both, indexed by firm and
    aligned."""
    a = sup[sup["period"] == start].set_index("firm")
    b = sup[sup["period"] == end].set_index("firm")
    both = a.index.intersection(b.index)
    return a.loc[both], b.loc[both]


def _learning_split(out: Rows, firms: pd.DataFrame, hs: list[int]) -> None:
    """Survivors' within-firm change of the raw capability index (mean of the five
    dimensions), quarter 0 to each horizon, split into absorbed transfer and own learning
    (``metrics.decomposition.within_split``; both flows are sums over dimensions, so / 5 gives
    index units; depreciation is in the residual)."""
    sup = firms[firms["role"].isin(SUPPLIER_ROLES)]
    D = 5.0
    for h in hs:
        a, b = _survivors(sup, 0, h)
        if a.empty:
            continue
        inc = pd.DataFrame(
            {
                "firm": a.index,
                "transfer": ((b["absorbed_total"] - a["absorbed_total"]) / D).clip(lower=0),
                "own": ((b["learned_total"] - a["learned_total"]) / D).clip(lower=0),
            }
        ).reset_index(drop=True)
        split = within_split(
            sup[sup["firm"].isin(a.index)], inc, start=0, end=h, transfer="transfer", own="own",
            value="raw", by="role",
        )  # fmt: skip
        for _, r in split.iterrows():
            for term in ("within", "within_transfer", "within_own", "residual"):
                out.add(f"learning_{term}", h, r[term], r["role"])


def _diffusion(out: Rows, firms: pd.DataFrame, hs: list[int]) -> None:
    """Capability growth against knowledge received (survivors since period 0): the
    correlation across firms of the gain in match with the knowledge offered, by tier."""
    sup = firms[firms["role"].isin(SUPPLIER_ROLES)]
    for h in hs:
        a, b = _survivors(sup, 0, h)
        gain = b["match"] - a["match"]
        got = b["received_total"]
        for role in SUPPLIER_ROLES:
            sel = (b["role"] == role).to_numpy()
            x, y = got.to_numpy()[sel], gain.to_numpy()[sel]
            if x.size >= 3 and np.ptp(x) > 0:
                out.add("diffusion_corr", h, float(np.corrcoef(x, y)[0, 1]), role)


def _hazard(out: Rows, col: Collected, firms: pd.DataFrame) -> None:
    """Upgrade or perish: logit slope of "dropped within a year" on the capability gap."""
    links = col.links[~col.links["inhouse"]]
    links = links.assign(
        reason=np.where(
            links["reason"].isin(["capability", "no_volume", "capacity"]),
            "dropped",
            links["reason"],
        )  # fmt: skip
    )
    sup = firms[firms["role"].isin([*SUPPLIER_ROLES, "CM"])]
    dates = [p for p in sorted(sup["period"].unique()) if p + HAZARD_HORIZON <= col.last_period]
    if not dates:
        return
    obs = drop_observations(
        links, sup, last_period=col.last_period, horizon=HAZARD_HORIZON, periods=dates,
        carry="role",
    )  # fmt: skip
    fit = hazard_slope(obs, method="logit")
    out.add("drop_hazard_slope", col.last_period, fit["slope"])
    out.add("drop_hazard_ame", col.last_period, fit["ame"])
    cap = links[links["reason"] == "dropped"]
    out.add("drops_capability_share", col.last_period,
            float((col.links["reason"] == "capability").sum() / max(len(cap), 1)))  # fmt: skip


def _sizes(out: Rows, firms: pd.DataFrame, hs: list[int]) -> None:
    for h in hs:
        snap = firms[(firms["period"] == h) & (firms["sales"] > 0)]
        for column in ("employment", "sales"):
            te = tail_exponents(snap, column, top_share=TAIL_TOP_SHARE)
            for _, r in te.iterrows():
                out.add(f"tail_{column}_{r['method']}", h, r["zeta"])


def _obm(out: Rows, firms: pd.DataFrame, col: Collected, hs: list[int], final: str) -> None:
    """ODM firms and their share of the CM and higher-tier firms that could be one
    (:mod:`gpnlab.simulate.mechanisms.upgrading`); latecomer brands (their final-stage units)
    alive, success rate, survival."""
    firms = firms[~firms["obm"] | (firms["stage"] == final)]  # one row per brand
    for h in hs:
        snap = firms[firms["period"] == h]
        out.add("odm_firms", h, float(snap["odm"].sum()))
        able = snap[snap["role"].isin(ROLE_NAMES[list(ODM_ROLES)])]
        if len(able):
            out.add("odm_share", h, float(able["odm"].mean()))
        out.add("obm_firms", h, float(snap["obm"].sum()))
    if col.obm_attempts:
        out.add("obm_success_rate", col.last_period, col.obm_successes / col.obm_attempts)
    if len(hs) >= 2:
        a, b = hs[0], hs[-1]
        first = firms[(firms["period"] == a) & firms["obm"]]["firm"]
        last = set(firms[firms["period"] == b]["firm"])
        if len(first):
            out.add("obm_survival", b, float(np.mean([f in last for f in first])))


def _structural(
    out: Rows, firms: pd.DataFrame, col: Collected, world: World, hs: list[int]
) -> None:
    """McMillan-Rodrik by country (:func:`structural_sectors`), quarter 0 to each horizon."""
    df = structural_sectors(firms, col.informal, world, sorted({0, *hs}))
    for h in hs:
        mr = mcmillan_rodrik(df, start=0, end=h, by="country")
        for _, r in mr.iterrows():
            out.add("mr_within", h, r["within"], r["country"])
            out.add("mr_structural", h, r["structural"], r["country"])


def structural_sectors(
    firms: pd.DataFrame, informal: dict[int, np.ndarray], world: World, periods: list[int]
) -> pd.DataFrame:
    """Sector rows ``country, sector, period, value_added, employment`` for McMillan-Rodrik:
    each formal stage at the plants' location (firms that sold) and the informal sector
    (the labour pool's workers without a formal job, ``informal[p]`` by country, producing
    ``informal_productivity`` each). Employment in thousand workers, value added in the
    firm table's unit (the wage bill's: thousand workers x wage), so productivity is in the
    wage's unit (thousand per worker-quarter) for both kinds of sector."""
    codes = [c.code for c in world.countries]
    rows = []
    for p in periods:
        snap = firms[(firms["period"] == p) & (firms["sales"] != 0)]
        g = snap.groupby(["location", "stage"], observed=True)[["value_added", "employment"]]
        formal = g.sum().reset_index()
        rows.append(
            pd.DataFrame(
                {
                    "country": formal["location"],
                    "sector": formal["stage"],
                    "period": p,
                    "value_added": formal["value_added"],
                    "employment": formal["employment"] / 1e3,  # workers -> thousand
                }
            )
        )
        rows.append(
            pd.DataFrame(
                {
                    "country": codes,
                    "sector": "informal",
                    "period": p,
                    "value_added": informal[p] * world.informal_productivity,
                    "employment": informal[p],  # thousand workers
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _survival(out: Rows, col: Collected, role_of: dict[str, str]) -> None:
    """Supplier-link survival per year by the supplier's tier (contracts only)."""
    links = col.links[~col.links["inhouse"]].assign(tier=lambda d: d["stage"].map(role_of))
    if col.last_period <= 4 or links.empty:
        return
    table = link_survival(links, last_period=col.last_period, by="tier")
    pooled = pooled_survival(table, by="tier")
    for _, r in pooled.iterrows():
        out.add("link_survival", col.last_period, r["survival"], r["tier"])
    out.add("link_survival", col.last_period, float(pooled_survival(table)["survival"].iloc[0]))


PANEL_METRICS = (
    "dva_share",
    "fva_share",
    "capability_ht",
    "capability_lt",
    "learning_investment",
    "domestic_ht",
    "domestic_lt",
    "value_captured",
    "gross_exports",
)


def _panel(out: Rows, panel: pd.DataFrame, hs: list[int], world: World) -> None:
    """Panel values of every country (group = country), their means over the countries that
    are not flagship homes, and the inverted-pyramid correlation over those countries."""
    latecomers = [c.code for c in world.countries if not c.flagship_home]
    for h in hs:
        p = panel[panel["period"] == h].set_index("country")
        for col in PANEL_METRICS:
            for code, v in p[col].items():
                out.add(col, h, float(v), str(code))
            out.add(f"mean_{col}", h, float(p.loc[latecomers, col].mean()))
        late = p.loc[latecomers]
        strength = (late["domestic_ht"] + late["domestic_lt"]) / late["gross_exports"].where(
            late["gross_exports"] > 0
        )
        out.add("pyramid_rho", h, spearman(late["fva_share"], strength))


def _channels(
    out: Rows, res: Results, col: Collected, hs: list[int], codes: list[str], stages: list[str]
) -> None:
    """Per (country, stage) at each horizon: exports, the domestic value-added share of those
    exports (Borin-Mancini source-based DVA by exporting sector, residual value added as the
    panel uses it) and the part of it that is taxes on products (tariffs on imported inputs:
    :func:`gpnlab.measure.borin_mancini.tax_in_dva`), the accounting channel."""
    del col
    for h in hs:
        table = res.tables.get(h)
        if table is None:
            continue
        acc = ExportAccounts(table)
        t = bm_source_bilateral(acc)
        exports = t["GEXP"].sum(axis=2)
        dva = t["DVA"].sum(axis=2)
        tax = tax_in_dva(acc)
        for ci, c in enumerate(codes):
            for si, s in enumerate(stages):
                e = float(exports[ci, si])
                if e <= 0:
                    continue
                grp = f"{c}|{s}"
                out.add("stage_exports", h, e, grp)
                out.add("stage_domestic", h, float(dva[ci, si]) / e, grp)
                out.add("stage_tax", h, float(tax[ci, si]) / e, grp)


def _markets_and_capture(out: Rows, col: Collected, world: World, hs: list[int]) -> None:
    """End markets by region; value capture by role as shares of world final sales."""
    region = np.array([c.region for c in world.countries])
    north = max(world.markets, key=lambda mk: mk.price).region  # the premium market
    brand_stages = [s.name for s in world.stages if s.role == "BL"]
    for h in hs:
        dest = col.final_by_destination.get(h)
        if dest is not None and dest.sum() > 0:
            out.add("south_share", h, float(dest[region != north].sum() / dest.sum()))
        cap = col.capture[col.capture["period"] == h] if not col.capture.empty else col.capture
        if cap.empty:
            continue
        final = float(cap["final_revenue"].sum())
        if final <= 0:
            continue
        lead = cap[(cap["role"] == "BL") & ~cap["obm"]]
        out.add("lead_profit_share", h, float(lead["profit"].sum()) / final)
        # the lead firms' gross margin (Kraemer, Linden & Dedrick's "Apple profit": the price
        # less purchased inputs, production labour and other firms' profits): their profit
        # plus the pay of their own design and marketing staff (R&D is bought from the design
        # units at cost); an in-house plant's workers are production labour, not in it
        staff = lead[lead["stage"].isin(brand_stages)]
        gross = float(lead["profit"].sum() + staff["wage_bill"].sum())
        out.add("lead_gross_share", h, gross / final)
        assembly = cap[cap["role"] == "CM"]
        out.add("assembly_labour_share", h, float(assembly["wage_bill"].sum()) / final)
        if cap["obm"].any():  # no latecomer brand sells: their share is undefined, not 0
            out.add("obm_final_share", h, float(cap.loc[cap["obm"], "final_revenue"].sum()) / final)
