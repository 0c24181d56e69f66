"""One mechanism test per row of MODEL.md section 1: switch it off, its effect disappears.

Runs are small (about 3,000 firms, 20 quarters) and deterministic; directions are the ones the
sources predict. Developing (non-flagship) countries are the focal group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpnlab.simulate.config import World
from gpnlab.simulate.policy import apply_regime
from tests.simulate.conftest import (
    SEED,
    panel,
    run,
    small_world,
    with_countries,
    with_mechanisms,
)

FLAGSHIP_HOMES = ["FLA", "FLB", "FLC"]


def last(p: pd.DataFrame) -> pd.DataFrame:
    return p[p.period == p.period.max()].set_index("country")


def developing(p: pd.DataFrame) -> pd.DataFrame:
    return p[~p.country.isin(FLAGSHIP_HOMES)]


def growth(p: pd.DataFrame, col: str) -> float:
    d = developing(p)
    first = d[d.period == d.period.min()][col].mean()
    return float(d[d.period == d.period.max()][col].mean() - first)


def test_value_chain_stages_all_produce() -> None:
    """Ernst 3.1: the chain is broken into stages, each with output and value added."""
    res = run(small_world(), periods=4)
    s = res.stages[res.stages.period == 4].groupby("stage").sum(numeric_only=True)
    assert (s.output > 0).all() and (s.value_added > 0).all()


def test_smile_curve_comes_from_brand_rents_and_market_power() -> None:
    """Lauridsen (iPhone): value added high at both ends, thin in assembly. The ends earn it
    through mechanisms: brands keep the final price minus cost and spend part of it on R&D
    (the design units' value added), and margins follow market structure. Without R&D and
    with margins competed away everywhere, design's premium over assembly shrinks (pooled
    over six seeds; by how much: the strict xfail below); marketing keeps the brand rent."""

    seeds = range(1, 7)

    def gap(world: World) -> float:
        out = []
        for seed in seeds:
            st = run(world, seed=seed, periods=4).stages
            v = st[st.period == 4].groupby("stage").value_added.sum()
            v = v / v.sum()
            assert v["final_assembly_test"] < v["marketing_after_sales"]
            out.append(v["design_rd"] - v["final_assembly_test"])
        return float(np.mean(out))

    base = gap(small_world())
    assert base > 0
    flat = gap(flat_world(small_world()))
    assert flat < base


def flat_world(world: World) -> World:
    """No R&D, margins competed away at every stage."""
    return with_mechanisms(world, rd_share=0.0, supplier_substitution=1e4, stage_elasticity=100.0)


@pytest.mark.xfail(
    strict=True,
    reason="issue 12: with several buyers per supplier and spin-offs, R&D and market power "
    "make 49% of design's value-added premium over assembly at quarter 4 (pooled ratio flat / "
    "base 0.513 over seeds 1-6, measured at bd03e8b; 0.547 before the sales moments started "
    "at the first sales, 0.478 before several buyers and spin-offs)",
)
def test_most_of_designs_premium_comes_from_rd_and_market_power() -> None:
    def gap(world: World) -> float:
        out = []
        for seed in range(1, 7):
            st = run(world, seed=seed, periods=4).stages
            v = st[st.period == 4].groupby("stage").value_added.sum()
            out.append((v["design_rd"] - v["final_assembly_test"]) / v.sum())
        return float(np.mean(out))

    assert gap(flat_world(small_world())) < gap(small_world()) / 2


def test_make_or_buy_raises_outsourcing_over_time() -> None:
    """Ernst 4.2: brand leaders outsource assembly to CMs; switched off, the share stays put."""
    rises = []
    for s in (SEED, SEED + 1, SEED + 2):  # pooled: one seed's rise ranged 0.10-0.50
        on = panel(small_world(), seed=s)
        homes = on.country.isin(FLAGSHIP_HOMES)
        share = on[homes].groupby("period").outsourcing_share.mean()
        rises.append(share.iloc[-1] - share.iloc[0])
    assert np.mean(rises) > 0.1
    off = panel(with_mechanisms(small_world(), make_or_buy=False))
    assert np.allclose(off[off.country.isin(FLAGSHIP_HOMES)].outsourcing_share.dropna(), 0.3)


def test_lower_tier_is_the_capacity_buffer_in_a_downturn() -> None:
    """Ernst 4.2: lower-tier suppliers are dropped first when volumes fall."""
    from gpnlab.simulate.config import Shocks

    w = small_world()
    shock = w.model_copy(
        update={"shocks": Shocks(downturn_start=8, downturn_length=4, downturn_depth=0.4)}
    )

    def lt_drops(world) -> float:
        res = run(world, periods=14)
        return float(res.panel[res.panel.period.between(9, 12)].supplier_drops.sum())

    assert lt_drops(shock) > 1.2 * lt_drops(w)


def test_scorecard_chooses_capable_suppliers() -> None:
    """Ernst 4.3 (Cisco scorecard): contracted suppliers are more capable than free ones.
    Re-tendering is switched off: it returns capable incumbents that lost on cost to the free
    pool, which is churn, not the scorecard (``test_dynamics.py`` tests it)."""
    from gpnlab.simulate.mechanisms.capability import refresh_match

    gaps = []
    for s in (SEED, SEED + 1, SEED + 2):  # pooled: one seed's higher-tier gap ranged -0.003-0.08
        m = run(with_mechanisms(small_world(), retender=False), periods=6, seed=s).model
        refresh_match(m)  # the match against the requirements of the last period
        f = m.firms
        gap = []
        for stage in (1, 2, 3):
            pool = f.alive & (f.stage == stage) & ~f.inhouse
            chosen = m.match_now[pool & (f.buyer >= 0)].mean()
            gap.append(chosen - m.match_now[pool & (f.buyer < 0)].mean())
        gaps.append(gap)
    assert (np.mean(gaps, axis=0) > 0).all()


def test_rising_requirements_make_suppliers_upgrade_or_perish() -> None:
    """Ernst 4.3: requirements rising with the flagships' standards drive dropping for falling
    behind (review's capability drops, not the capacity buffer's); frozen requirements, or no
    review threshold, cut them. Pooled over independent seeds."""
    from gpnlab.simulate import simulate

    def capability_drops(world: World, seed: int) -> int:
        count = [0]

        def hook(m: object) -> None:
            ends = m.link_end
            count[0] += int((ends == 1).sum()) if ends.size else 0

        simulate(world, seed=seed, periods=20, on_period=hook)
        return count[0]

    seeds = (11, 29, 47)
    # a faster frontier (more productive R&D) against requirements that never step
    fast = sum(
        capability_drops(with_mechanisms(small_world(), rd_productivity=0.5), s) for s in seeds
    )
    frozen = sum(
        capability_drops(with_mechanisms(small_world(), product_cycle=10_000), s) for s in seeds
    )
    assert fast > frozen
    no_review = with_mechanisms(small_world(), drop_threshold=0.0)
    assert capability_drops(no_review, seeds[0]) == 0 < capability_drops(small_world(), seeds[0])


def test_knowledge_transfer_makes_suppliers_converge() -> None:
    """Ernst 4.3: without transfer, suppliers' capability stops converging toward buyers'."""
    on = growth(panel(small_world()), "capability_ht")
    off = growth(panel(with_mechanisms(small_world(), transfer_rate=0.0)), "capability_ht")
    # transfer covers only the dimensions each stage needs (issue 11), so the raw index of all
    # five dimensions moves less than it did when every dimension was taught
    assert on > 0.01 and on > off + 0.03


def test_transfer_is_not_diffusion_without_absorption() -> None:
    """Ernst & Kim: knowledge offered but not internalised does not raise capability."""
    res = run(with_mechanisms(small_world(), absorption=0.0), periods=10)
    f = res.model.firms
    assert f.received[f.alive].sum() > 0 and f.absorbed[f.alive].sum() == 0
    on = growth(panel(small_world()), "capability_ht")
    off = growth(panel(with_mechanisms(small_world(), absorption=0.0)), "capability_ht")
    assert on > off + 0.03


def test_long_term_commitment_raises_learning_investment() -> None:
    """Ernst 4.3: longer committed contracts -> more investment in learning."""
    long = developing(
        panel(with_mechanisms(small_world(), commitment=12.0))
    ).learning_investment.mean()
    short = developing(
        panel(with_mechanisms(small_world(), commitment=1.0))
    ).learning_investment.mean()
    assert long > 1.5 * short


def test_volatility_lowers_learning_investment() -> None:
    """Lauridsen (Penang): under volatility firms invest in flexibility, not upgrading.
    Pooled over three seeds (with several buyers per supplier the effect on one seed is
    near the 10% line: 0.90 of calm on seed 1, 0.85 and 0.87 on seeds 2 and 3)."""
    seeds = (SEED, SEED + 1, SEED + 2)

    def invest(scale: float) -> float:
        world = with_mechanisms(small_world(), volatility_scale=scale)
        return float(
            np.mean([developing(panel(world, seed=s)).learning_investment.mean() for s in seeds])
        )

    assert invest(4.0) < 0.9 * invest(0.0)


def stage_hhi_gaps(seeds: range, world: World | None = None, quarter: int = 8) -> np.ndarray:
    """Per seed: (precision - commodity, design - commodity) HHI of output across countries
    at ``quarter`` (8 by default) of the small default world (or ``world``)."""
    gaps = []
    for seed in seeds:
        w = small_world() if world is None else world
        st = run(w, periods=quarter, seed=seed, record=[quarter]).stages
        s = st[st.period == quarter]
        shares = s.pivot_table(index="stage", columns="country", values="output", aggfunc="sum")
        hhi = (shares.div(shares.sum(axis=1), axis=0) ** 2).sum(axis=1)
        gaps.append(
            (
                hhi["precision_components"] - hhi["commodity_components"],
                hhi["design_rd"] - hhi["commodity_components"],
            )
        )
    return np.array(gaps)


def test_design_stays_in_few_places() -> None:
    """Ernst 4.1: design stays in few places (the brand leaders' homes); commodity parts
    spread out. Pooled over eight seeds."""
    assert stage_hhi_gaps(range(1, 9))[:, 1].mean() > 0


def test_precision_parts_concentrate() -> None:
    """Ernst 4.1: precision components concentrate in few places more than commodity parts.
    Pooled over eight seeds. Capable precision suppliers are fewer than their buyers, so every
    one of them is under contract wherever it is (location does not select among them); the
    stage concentrates through spin-offs founded where incumbents meet its standard
    (:func:`gpnlab.simulate.mechanisms.entry.spinoffs`)."""
    assert stage_hhi_gaps(range(1, 9))[:, 0].mean() > 0


def test_spinoffs_concentrate_precision_parts() -> None:
    """Klepper 2007; Ernst 4.1: spin-offs into parts stages short of suppliers are founded
    where incumbents master the stage, so capable precision supply concentrates in the
    clusters that already have it. Switched off, the precision - commodity HHI gap at quarter
    20 of the small world falls (from about -0.02 to -0.06), pooled over eight seeds
    independent of the ones above."""
    seeds = range(9, 17)
    on = stage_hhi_gaps(seeds, quarter=20)[:, 0].mean()
    no_spinoffs = with_mechanisms(small_world(), spinoff_entry=0.0)
    off = stage_hhi_gaps(seeds, no_spinoffs, quarter=20)[:, 0].mean()
    assert on > off + 0.02


def test_inverted_pyramid_in_weak_supplier_economies() -> None:
    """Ernst 2.5: assembly resting on imported inputs where domestic suppliers are weak."""
    seeds = (SEED, SEED + 1, SEED + 2)  # pooled: one seed's FVA shares are noisy
    p = sum(last(panel(small_world(), seed=s))[["fva_share"]] for s in seeds)
    assert p.loc["MYL", "fva_share"] > p.loc["TWL", "fva_share"]
    assert p.loc["VNL", "fva_share"] > p.loc["KRL", "fva_share"]


def test_functional_upgrading_odm_and_risky_obm() -> None:
    """Ernst 4.3 (Taiwan): ODM and OBM pursued concurrently; OBM attempts mostly fail."""
    res = run(small_world(), periods=20)
    m = res.model
    assert res.panel.odm_firms.sum() > 0
    assert m.obm_attempts > 0 and m.obm_successes < m.obm_attempts
    off = panel(with_mechanisms(small_world(), upgrading=False))
    assert off.odm_firms.sum() == 0 and off.obm_firms.sum() == 0


def test_support_institutions_let_lower_tiers_catch_up() -> None:
    """Ernst; Lauridsen (NIP): support institutions bring lower-tier firms, whose buyers teach
    little, closer to their stage's standard: pooled over independent seeds, the lower tier's
    capability match moves up more (falls less) with institutions than without."""
    seeds = range(1, 21)  # three seeds are within the noise (11, 29, 47 gave -0.005)
    on = np.mean([growth(panel(small_world(), seed=s), "match_lt") for s in seeds])
    no_inst = with_countries(small_world(), institutions=0.0)
    off = np.mean([growth(panel(no_inst, seed=s), "match_lt") for s in seeds])
    assert on > off


def test_structural_change_displaces_workers_into_informality() -> None:
    """Lauridsen (McMillan & Rodrik): exits push labour into the informal sector."""
    from gpnlab.simulate.config import Shocks

    w = small_world()
    shock = w.model_copy(
        update={"shocks": Shocks(downturn_start=4, downturn_length=6, downturn_depth=0.5)}
    )
    calm = last(panel(w, periods=10)).informal_share.mean()
    hit = last(panel(shock, periods=10)).informal_share.mean()
    assert hit > calm


def test_end_markets_shift_south() -> None:
    """Lauridsen (Gereffi): end markets in Asia and the South grow faster than the North."""
    res = run(small_world(), periods=20)
    m = res.model
    sold = m.final_sales.sum(axis=0)
    region = m.countries.region
    north = sold[region == 0].sum()
    assert north / sold.sum() < 0.6  # from about 0.64 of demand at t = 0
    no_growth = [mk.model_copy(update={"growth": 0.0}) for mk in small_world().markets]
    flat = run(small_world().model_copy(update={"markets": no_growth}), periods=20).model
    s2 = flat.final_sales.sum(axis=0)
    assert s2[region == 0].sum() / s2.sum() > north / sold.sum()


def test_jobs_and_wages_by_country() -> None:
    """Lauridsen (social upgrading): employment and wage bills are reported by country."""
    p = last(panel(small_world()))
    assert (p.employment > 0).all() and (p.wage_bill > 0).all()
    assert (
        p.loc["FLA", "wage_bill"] / p.loc["FLA", "employment"]
        > p.loc["VNL", "wage_bill"] / p.loc["VNL", "employment"]
    )


def test_state_capacity_sets_the_effect_not_the_cost() -> None:
    """Lauridsen (Doner): the same regime with weak state capacity costs as much, achieves less."""
    strong = apply_regime(with_countries(small_world(), state_capacity=0.9), "build")
    weak = apply_regime(with_countries(small_world(), state_capacity=0.1), "build")
    ps, pw = panel(strong), panel(weak)
    assert growth(ps, "capability_ht") > growth(pw, "capability_ht")
    cost_s, cost_w = developing(ps).policy_cost.sum(), developing(pw).policy_cost.sum()
    assert abs(cost_w - cost_s) < 0.25 * cost_s


def viable(p: pd.DataFrame, start: int = 1) -> list[str]:
    """Which of the documented bounds of a viable network (docs/model.md, "long runs") a
    panel breaks at its last period, against its first (``start``)."""
    g = p.groupby("period")
    t0, t1 = start, int(p.period.max())
    tot = g[["employment", "firms", "gross_exports", "brand_leaders"]].sum()
    match = g[["match_ht", "match_lt"]].mean()
    broken = []
    if not tot.firms[t1] >= 0.35 * tot.firms[t0]:
        broken.append(f"firms {tot.firms[t1]:.0f} < 0.35 x {tot.firms[t0]:.0f}")
    if not tot.employment[t1] >= 0.8 * tot.employment[t0]:
        broken.append("employment below 0.8 x its start")
    if not tot.gross_exports[t1] >= 0.5 * tot.gross_exports[t0]:
        broken.append("gross exports below half their start")
    if not tot.brand_leaders[t1] >= 3:
        broken.append(f"{tot.brand_leaders[t1]:.0f} brand leaders")
    for col in ("match_ht", "match_lt"):
        if not match[col][t1] >= 0.6:
            broken.append(f"{col} {match[col][t1]:.2f} < 0.6")
    return broken


def test_long_runs_do_not_collapse() -> None:
    """With requirements following the brand leaders' R&D frontier (no ceiling), learning,
    the pressure to upgrade, entry and exit keep the network within the bounds of a viable
    one over 15 years."""
    p = panel(small_world(), periods=60)
    assert viable(p) == []
    assert p[p.period == 60].requirement_level.iloc[0] > 1.1  # the frontier did move


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_two_hundred_quarters_do_not_collapse(seed: int) -> None:
    """Fifty years of the default world (small): the supplier base, employment, trade and the
    brand leaders stay within the viability bounds while requirements keep rising."""
    p = panel(small_world(), seed=seed, periods=200)
    assert viable(p) == []
    level = p.groupby("period").requirement_level.first()
    assert level[200] > level[100] > 1.1


def test_value_added_thins_on_joining() -> None:
    """Lauridsen (Milberg et al.; Kaplinsky & Morris): joining GVCs (liberalised inputs, FDI in
    assembly) thins domestic value added in the exports of most joining countries. Not
    hard-coded: it follows from sourcing cheaper imported inputs."""

    def late(p: pd.DataFrame) -> pd.Series:
        d = developing(p)
        return d[d.period > d.period.max() - 5].groupby("country").dva_share.mean()

    seeds = tuple(range(SEED, SEED + 5))  # pooled: single seeds put 4 to 8 of 9 countries down
    base = sum(late(panel(small_world(), seed=s)) for s in seeds)
    joined = sum(late(panel(apply_regime(small_world(), "join"), seed=s)) for s in seeds)
    # in the median country and in most countries (over ten seeds 8 of 9 countries thin on
    # average; the small open economy's DVA share swings by +-0.5 with the seed)
    assert (joined - base).median() < 0
    assert (joined < base - 1e-9).sum() > len(base) / 2


def _growth_by_stage(world_changes: dict[str, float]) -> dict[str, float]:
    """Mean K / K0 of suppliers alive since the start, by stage (capability index growth)."""
    from gpnlab.simulate.rowops import row_mean

    res = run(with_mechanisms(small_world(), **world_changes), periods=20)
    f, names = res.model.firms, res.model.stages.names
    out = {}
    for s, name in enumerate(names):
        sel = f.alive & (f.stage == s) & (f.role >= 1) & (f.age >= 20)
        if sel.any():
            out[name] = float((row_mean(f.K[sel]) / row_mean(f.K0[sel])).mean())
    return out


def test_specialisation_sets_upgrading_potential() -> None:
    """Ernst 2.4: learning pays more in differentiated products than in commodities. Without
    transfer (own learning only), the growth gap between precision components
    (differentiation 0.5) and commodity components (0.1) widens with the specialisation tilt
    on and narrows with it off (measured 0.078 vs 0.035)."""
    own = {"transfer_rate": 0.0, "own_learning": 0.1}
    on = _growth_by_stage({**own, "specialisation": 1.0})
    off = _growth_by_stage({**own, "specialisation": 0.0})
    gap_on = on["precision_components"] - on["commodity_components"]
    gap_off = off["precision_components"] - off["commodity_components"]
    assert gap_on > gap_off + 0.02


def test_specialisation_tilts_follow_stage_attributes_and_switch_off() -> None:
    """Tacit knowledge travels badly at arm's length, scale is an entry barrier, precision
    stages gain most from clustering; with ``specialisation = 0`` every tilt is 1."""
    from gpnlab.simulate.init import build_model
    from gpnlab.simulate.mechanisms import specialisation as sp

    on = build_model(small_world())
    names = on.stages.names
    prec, comm, sub = (
        names.index(n) for n in ("precision_components", "commodity_components", "sub_assembly")
    )
    assert sp.upgrading_potential(on)[prec] > sp.upgrading_potential(on)[comm]
    assert sp.tacit_penalty(on)[prec] < sp.tacit_penalty(on)[comm]
    assert sp.entry_weight(on)[prec] < sp.entry_weight(on)[sub]  # scale 0.8 vs 0.6
    assert sp.cluster_gain(on)[prec] > sp.cluster_gain(on)[comm]
    off = build_model(with_mechanisms(small_world(), specialisation=0.0))
    for tilt in (sp.upgrading_potential, sp.tacit_penalty, sp.entry_weight, sp.cluster_gain):
        assert np.array_equal(tilt(off), np.ones(off.stages.S))


def test_candidate_sampling_follows_country_weights() -> None:
    """Two-step inverse-CDF sampling draws each item with probability w[country] / sum."""
    from gpnlab.simulate.mechanisms.sourcing import sample_by_country

    rng = np.random.default_rng(0)
    country = np.array([3, 0, 3, 1, 3, 0, 5])  # countries 2 and 4 have no items
    items = np.arange(100, 107)
    weight = np.array([1.0, 4.0, 9.0, 1.0, 9.0, 2.0])
    draws = sample_by_country(items, country, weight, rng.random(400_000))
    p = weight[country] / weight[country].sum()
    freq = np.bincount(draws - 100, minlength=7) / draws.size
    assert set(np.unique(draws)) == set(items)
    assert np.abs(freq - p).max() < 0.004  # binomial sd <= 0.0008
    edge = sample_by_country(items, country, weight, np.array([0.0, np.nextafter(1.0, 0)]))
    assert edge[0] in items[country == 0] and edge[1] in items[country == 5]


def test_scorecard_logit_choice_is_the_best_score_under_gumbel_noise() -> None:
    """The scorecard keeps the best of K noisy scores; the kernel draws the same choice as a
    logit with one uniform (Gumbel-max identity): frequencies agree with argmax(v + 0.3 e)."""
    from gpnlab.simulate.mechanisms.sourcing import NOISE, logit_choice

    rng = np.random.default_rng(3)
    v = np.array([0.2, -0.1, 0.5, -np.inf, 0.45, 0.0])  # -inf: an ineligible candidate
    weight = np.exp((v - v.max()) / NOISE)
    n = 200_000
    picks = np.array([logit_choice(weight, u) for u in rng.random(n)])
    gumbel = np.argmax(v + NOISE * rng.gumbel(size=(n, v.size)), axis=1)
    p_logit = np.bincount(picks, minlength=v.size) / n
    p_gumbel = np.bincount(gumbel, minlength=v.size) / n
    assert p_logit[3] == 0.0 and p_gumbel[3] == 0.0
    assert np.abs(p_logit - p_gumbel).max() < 0.006  # binomial sd of each <= 0.0011
    assert np.allclose(p_logit, weight / weight.sum(), atol=0.004)
    assert logit_choice(np.zeros(4), 0.5) == -1  # nothing eligible: the vacancy stays open
    assert logit_choice(np.array([0.0, 1.0, 0.0]), np.nextafter(1.0, 0)) == 1
