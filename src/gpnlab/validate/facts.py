"""The battery: the stylised facts, the variants they need, and how each is judged.

A fact reads one per-run metric (:mod:`gpnlab.validate.per_run`) and judges it across
independent seeds with :func:`gpnlab.validate.metrics.verdict.summarise_seeds`:

* ``level`` -- the metric in one variant, one value per seed;
* ``effect`` -- the paired difference ``a - b`` between two variants run on the same seeds
  (common random numbers), one value per seed;
* ``trend`` -- the metric at the last horizon minus at the first, one value per seed;
* ``distinct`` -- the paired difference between two variants that should not be the same run:
  holds when its interval excludes zero, *fails* when every seed gives exactly zero (the two
  runs are identical: the model does not separate the two), inconclusive otherwise.

``group`` selects a row of the metric (a stage, a tier, a country); ``"{focal}"`` is replaced
by each focal country. Targets are directions or ranges from the literature; where a range is
a judgement rather than a published number, the source column says so. docs/validation.md
documents every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gpnlab.simulate.config import World
from gpnlab.validate.metrics.verdict import Target

#: Regimes compared on the focal countries besides the baseline.
BASELINE = "laissez_faire"


@dataclass(frozen=True)
class Variant:
    """A world change that some facts compare with the baseline (same seeds)."""

    name: str
    what: str
    parameters: dict[str, float] = field(default_factory=dict)


def variants(world: World) -> list[Variant]:
    """The parameter variants, relative to ``world``'s own values (no constant is assumed)."""
    m = world.mechanisms
    return [
        Variant("no_institutions", "support institutions 0 in every country",
                {"countries.*.institutions": 0.0}),
        Variant("no_transfer", "knowledge transfer switched off",
                {"mechanisms.transfer_rate": 0.0}),
        Variant("half_transfer", "transfer rate halved",
                {"mechanisms.transfer_rate": m.transfer_rate / 2}),
        Variant("half_absorption", "absorptive capacity scale halved",
                {"mechanisms.absorption": m.absorption / 2}),
        Variant("no_upgrading", "functional upgrading (ODM/OBM) switched off",
                {"mechanisms.upgrading": 0.0}),
        Variant("high_volatility", "every country's volatility doubled",
                {"mechanisms.volatility_scale": 2 * m.volatility_scale}),
    ]  # fmt: skip


@dataclass(frozen=True)
class Fact:
    """One row of the battery."""

    id: str
    family: str
    statement: str
    source: str
    metric: str
    kind: str  # level | effect | trend | distinct
    target: Target
    group: str = ""
    a: str = BASELINE  # variant (or regime) measured; for effects the treated one
    b: str = BASELINE  # for effects and distinct: the comparison
    last_only: bool = False  # judged at the last period only (whole-run metrics)
    mechanism: str = ""


ERNST = "Ernst (2002)"
LAURIDSEN = "Lauridsen (2018)"

FACTS: tuple[Fact, ...] = (
    Fact("smile_va_share", "smile curve",
         "Both ends of the chain (design, marketing) take a larger share of world value added "
         "than any fabrication stage", f"{ERNST}, sec. 3; {LAURIDSEN} (smile curve)",
         "smile_va_share", "level", ">0",
         mechanism="margins follow market structure (one Atkeson-Burstein rule for every stage: "
         "the supplier's share of capable supply); brands earn the final price minus cost "
         "and spend a share of it on R&D, the design units' value added"),
    Fact("smile_va_output", "smile curve",
         "Value added per unit of output is higher at both ends than in the middle",
         f"{ERNST}, sec. 3", "smile_va_output", "level", ">0",
         mechanism="as above; every stage buys basic inputs, the final stage buys design and "
         "assembly"),
    Fact("concentrated_dispersion", "concentrated dispersion",
         "Dispersion rises toward the final product: the deeper a fabrication stage in the "
         "chain, the less concentrated across countries (Spearman rho of depth and HHI < 0)",
         f"{ERNST}, sec. 2.4 and 4.1", "dispersion_rho", "level", "<0",
         mechanism="plants locate by cost, agglomeration saving and the buyer's sourcing"),
    Fact("tiered_diffusion", "tiered diffusion",
         "Higher-tier domestic suppliers gain more capability in the dimensions their stage "
         "requires than lower-tier ones", f"{ERNST}, sec. 4.2-4.3", "tier_gap_match", "level",
         ">0", mechanism="transfer is offered through contracts in proportion to the gap (so "
         "the furthest behind are offered most); absorption rises with a firm's own capability "
         "and support institutions are a channel of their own for domestic firms"),
    Fact("tiered_diffusion_raw", "tiered diffusion",
         "Higher-tier domestic suppliers gain more on the raw capability index (all five "
         "dimensions, needed or not) than lower-tier ones", f"{ERNST}, sec. 4.2-4.3",
         "tier_gap_raw", "level", ">0",
         mechanism="as above; transfer covers every dimension whatever the stage needs"),
    Fact("institutions_lower_tier", "tiered diffusion",
         "Support institutions raise lower-tier suppliers' capability (match to requirement)",
         f"{LAURIDSEN}; {ERNST}, sec. 4.4", "cap_change_match", "effect", ">0", group="LT",
         a=BASELINE, b="no_institutions",
         mechanism="support institutions offer domestic firms a share of their gap to the "
         "stage's standard that their buyer's offer leaves"),
    Fact("transfer_higher_tier", "tiered diffusion",
         "Knowledge transfer from buyers raises higher-tier suppliers' capability",
         f"{ERNST}, sec. 4.3", "cap_change_match", "effect", ">0", group="HT",
         a=BASELINE, b="no_transfer", mechanism="transfer offered through contracts"),
    Fact("transfer_is_not_diffusion", "transfer is not diffusion",
         "Absorption and transfer are separately identified: halving absorptive capacity is "
         "not the same run as halving the transfer rate",
         "Cohen & Levinthal (1990); Ernst & Kim (2002)", "cap_change_match", "distinct",
         ">0", group="LT", a="half_absorption", b="half_transfer",
         mechanism="absorptive capacity saturates: a firm internalises "
         "S a_f (1 - exp(-U_f / S)) of the offer U_f it understands; absorption scales the "
         "capacity a_f, the transfer rate the offer inside the saturation, so halving the "
         "transfer rate costs less than halving absorption"),
    Fact("upgrade_or_perish", "upgrade or perish",
         "Suppliers further below their stage's requirement are more likely to be dropped "
         "within a year (logit slope of the drop on the capability gap > 0)",
         f"{ERNST}, sec. 4.3", "drop_hazard_slope", "level", ">0", last_only=True,
         mechanism="review drops a supplier whose match falls below the threshold"),
    Fact("requirements_keep_rising", "upgrade or perish",
         "Requirements keep rising with each product cycle: the mean requirement is higher at "
         "the last horizon than at the first", f"{ERNST}, sec. 4.3", "requirement_level",
         "trend", ">0", mechanism="requirements follow the flagships' frontier, which their R&D "
         "(funded from margins) moves; no ceiling"),
    Fact("va_thinning_on_joining", "value-added thinning",
         "Joining GVCs (`join` on the focal country) lowers its domestic value-added share of "
         "exports", f"{LAURIDSEN}; Kee & Tang (2016)", "dva_share", "effect", "<0",
         group="{focal}", a="join", b=BASELINE,
         mechanism="lower tariffs and FDI incentives bring foreign plants that import inputs "
         "(the sourcing channel in decomposition.csv); tariffs paid on imported inputs are in "
         "the table's taxes row, which the residual value added of decompositions counts as "
         "the importer's, so lower tariffs also lower DVA by accounting (the trade_costs "
         "channel; dva_share_basic leaves it out)"),
    Fact("va_thickening_with_upgrading", "value-added thickening",
         "Functional upgrading raises the domestic value-added share of exports "
         "(upgrading on vs off)", f"{LAURIDSEN}; Kee & Tang (2016)", "dva_share", "effect",
         ">0", group="{focal}", a=BASELINE, b="no_upgrading",
         mechanism="ODM suppliers earn a design premium on their margin (domestic value "
         "added); a latecomer brand keeps the brand's margin and its design unit's value "
         "added at home and buys its assembly from contract manufacturers like any brand "
         "leader"),
    Fact("join_raises_fva", "regime effects",
         "`join` raises the focal country's foreign value-added share of exports",
         f"{LAURIDSEN}", "fva_share", "effect", ">0", group="{focal}", a="join", b=BASELINE,
         mechanism="foreign plants that import inputs"),
    Fact("build_raises_lower_tier", "regime effects",
         "`build` raises the focal country's lower-tier capability", f"{LAURIDSEN}",
         "capability_lt", "effect", ">0", group="{focal}", a="build", b=BASELINE,
         mechanism="learning subsidies, support institutions and human capital enter "
         "absorption and investment"),
    Fact("inverted_pyramid", "inverted pyramid",
         "Across latecomer countries, the import content of exports falls with the strength of "
         "the domestic supplier base (Spearman rho < 0)", f"{ERNST}, sec. 2.5",
         "pyramid_rho", "level", "<0",
         mechanism="buyers source abroad where domestic suppliers are few or weak"),
    Fact("volatility_own_investment", "volatility and lock-in",
         "Higher volatility lowers firms' learning investment (own-investment channel)",
         f"{LAURIDSEN} (Malaysia)", "mean_learning_investment", "effect", "<0",
         a="high_volatility", b=BASELINE,
         mechanism="income instability lowers the investment rate"),
    Fact("volatility_buyers_avoid", "volatility and lock-in",
         "Higher volatility lowers the number of domestic lower-tier suppliers with a buyer "
         "(buyers-avoid-the-location channel)", f"{LAURIDSEN} (Malaysia)",
         "mean_domestic_lt", "effect", "<0", a="high_volatility", b=BASELINE,
         mechanism="the supplier scorecard penalises the location's volatility"),
    Fact("volatility_lower_tier", "volatility and lock-in",
         "Higher volatility lowers lower-tier capability", f"{LAURIDSEN} (Malaysia)",
         "mean_capability_lt", "effect", "<0", a="high_volatility", b=BASELINE,
         mechanism="less investment and fewer contracts mean less learning and transfer"),
    Fact("odm_spreads", "OEM / ODM / OBM",
         "Design capability spreads among suppliers (OEM to ODM): the ODM share of contract "
         "manufacturers and higher-tier suppliers is higher at the last horizon than at the "
         "first", f"{ERNST}, sec. 4.3; Hobday (1995)", "odm_share", "trend", ">0",
         mechanism="a supplier offers design services while its design capability is at least "
         "0.6 of the most design-intensive stage's requirement, which follows the flagships' "
         "frontier; design knowledge comes from transfer once process capability is near the "
         "requirement, own learning and absorptive capacity"),
    Fact("obm_is_risky", "OEM / ODM / OBM",
         "Most own-brand (OBM) attempts fail", f"{ERNST}, sec. 4.3; Hobday (1995)",
         "obm_success_rate", "level", "<0.5", last_only=True,
         mechanism="an OBM attempt succeeds with a probability set by obm_success"),
    Fact("obm_firms_exit", "OEM / ODM / OBM",
         "Some own-brand firms exit (survival between the first and last horizon below 1)",
         f"{ERNST}, sec. 4.3", "obm_survival", "level", "<1", last_only=True,
         mechanism="a latecomer brand exits when insolvent or, once mature, after 12 quarters "
         "with a marginal share"),
    Fact("obm_small_share", "OEM / ODM / OBM",
         "Latecomer own brands hold a minority of world final sales (below a quarter; a "
         "judgement, not a published number)", f"{ERNST}, sec. 3", "obm_final_share",
         "level", "<0.25", mechanism="latecomer brands compete in the brand logit by brand "
         "capability and goodwill, in their home region, at a discount"),
    Fact("size_tail_employment", "firm sizes",
         "Firm employment has a Pareto tail with exponent near 1 (0.8-1.3)",
         "Axtell (2001); Gabaix & Ibragimov (2011) estimator", "tail_employment_gabaix_ibragimov",
         "level", (0.8, 1.3), mechanism="lognormal initial capacities grown by volume"),
    Fact("size_tail_sales", "firm sizes",
         "Firm sales have a Pareto tail with exponent near 1 (0.8-1.3)",
         "Axtell (2001); Gabaix & Ibragimov (2011) estimator", "tail_sales_gabaix_ibragimov",
         "level", (0.8, 1.3), mechanism="as employment, times prices"),
    Fact("link_survival_HT", "supplier links",
         "Annual survival of higher-tier supplier links lies between all-transaction (0.45) and "
         "major-link (0.93) estimates", "Mizuno, Souma & Watanabe (2014)", "link_survival",
         "level", (0.45, 0.93), group="HT", last_only=True,
         mechanism="links end at review (capability, no volume, excess capacity), at "
         "re-tender or on exit"),
    Fact("link_survival_LT", "supplier links",
         "Annual survival of lower-tier supplier links lies between 0.45 and 0.93",
         "Mizuno, Souma & Watanabe (2014)", "link_survival", "level", (0.45, 0.93),
         group="LT", last_only=True, mechanism="as above; LT are the capacity buffer"),
    Fact("link_survival_CM", "supplier links",
         "Annual survival of contract manufacturers' links lies between 0.45 and 0.93",
         "Mizuno, Souma & Watanabe (2014)", "link_survival", "level", (0.45, 0.93),
         group="CM", last_only=True, mechanism="re-tendering at the end of each term against "
         "free plants, with a switching premium; review; exit"),
    Fact("structural_change", "structural change",
         "Structural change contributes positively to the focal (Asian latecomer) country's "
         "labour productivity growth", "McMillan & Rodrik (2011), Asia", "mr_structural",
         "level", ">0", group="{focal}",
         mechanism="workers move between the informal sector and formal stages"),
    Fact("end_markets_south", "end markets",
         "End markets shift South: the share of world final sales outside the premium market "
         "rises over the run", f"{LAURIDSEN}; Kaplinsky & Farooki (2011)", "south_share",
         "trend", ">0", mechanism="regional demand growth rates in the config"),
    Fact("lead_firm_capture", "value capture",
         "Lead firms capture 30-60% of the final price as gross profit (the price less "
         "purchased inputs, production labour and other firms' profits; their own R&D and "
         "marketing staff are paid out of it)",
         "Kraemer, Linden & Dedrick (2011): Apple 58.5% (iPhone), 30% (iPad)",
         "lead_gross_share", "level", (0.3, 0.6),
         mechanism="brand leaders earn the final price minus costs at a margin set by the "
         "brand competition; their design units' engineers (R&D) and marketing staff are paid "
         "from it (the profit alone is the metric lead_profit_share)"),
    Fact("assembly_labour_capture", "value capture",
         "Assembly labour earns 1-3% of the final price",
         "Kraemer, Linden & Dedrick (2011): Chinese labour 1.8% (iPhone), 2% (iPad)",
         "assembly_labour_share", "level", (0.01, 0.03),
         mechanism="assembly wages = units x labour requirement x wage"),
)  # fmt: skip


VARIANT_NAMES = (
    "no_institutions",
    "no_transfer",
    "half_transfer",
    "half_absorption",
    "no_upgrading",
    "high_volatility",
)
#: Focal countries when none are given (the demo's); else the first three latecomers.
DEFAULT_FOCAL = ("MYL", "LEM", "VNL")


def needed_regimes(facts: tuple[Fact, ...] = FACTS) -> list[str]:
    """Regimes the facts compare on focal countries (besides the baseline)."""
    out: list[str] = []
    for f in facts:
        for side in (f.a, f.b):
            if side != BASELINE and side not in VARIANT_NAMES and side not in out:
                out.append(side)
    return out


def default_focal(world: World) -> list[str]:
    codes = [c.code for c in world.countries]
    if all(c in codes for c in DEFAULT_FOCAL):
        return list(DEFAULT_FOCAL)
    return [c.code for c in world.countries if not c.flagship_home][:3]
