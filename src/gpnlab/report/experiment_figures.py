"""Figures of an experiment report (matplotlib, Okabe-Ito palette, labelled units).

Every figure is drawn from an :class:`~gpnlab.experiments.api.Analysis`; nothing is typed in
by hand. Each regime has one colour in every figure (:func:`gpnlab.report.style.
regime_colour`), and every artist drawn for a regime carries the regime's name as its ``gid``
(the tests read the colours back from the figures). Figures are saved by :func:`_save`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gpnlab.experiments.analysis import FLOWS
from gpnlab.report.style import OKABE_ITO, RC, regime_colour

LABELS = {
    "gross_exports": "Gross exports (million / quarter)",
    "dva_share": "Domestic value added in exports (share)",
    "fva_share": "Foreign value added in exports (share)",
    "gvc_backward": "Backward GVC participation (million / quarter)",
    "gvc_forward": "Forward GVC participation (million / quarter)",
    "domestic_input_share": "Domestic share of the chain's intermediate inputs",
    "domestic_ht": "Domestic higher-tier suppliers (firms)",
    "domestic_lt": "Domestic lower-tier suppliers (firms)",
    "capability_ht": "Capability, higher-tier domestic suppliers (index)",
    "capability_lt": "Capability, lower-tier domestic suppliers (index)",
    "functional_position": "Functional position (0 assembly ... 1 design/brand)",
    "value_captured": "Value captured (million / quarter)",
    "value_added": "Formal value added (million / quarter)",
    "employment": "Formal jobs (thousand workers)",
    "wage_bill": "Wage bill (million / quarter)",
    "informal_share": "Informal share of the labour force",
    "productivity": "Value added per worker (thousand / quarter)",
    "policy_cost": "Policy cost (million / quarter)",
    "supplier_drops": "Suppliers dropped (per quarter)",
    "odm_firms": "Domestic ODM firms",
    "obm_firms": "Domestic OBM firms",
    "learning_investment": "Learning investment per supplier (million / quarter)",
    "knowledge_received_ht": "Knowledge received, higher tier (index / quarter)",
    "knowledge_received_lt": "Knowledge received, lower tier (index / quarter)",
    "outsourcing_share": "Flagships' outsourcing share",
    "firms": "Firms",
}

TRAJECTORY_OUTCOMES = (
    "dva_share",
    "capability_ht",
    "capability_lt",
    "functional_position",
    "employment",
    "informal_share",
    "value_captured",
    "policy_cost",
)


def label(outcome: str, width: int = 34) -> str:
    """Axis title of an outcome with its unit, wrapped to fit a small panel."""
    return textwrap.fill(LABELS.get(outcome, outcome), width)


def regime_colours(regimes: list[str]) -> dict[str, str]:
    """The fixed colour of each regime (the same whatever the list's order)."""
    return {r: regime_colour(r) for r in regimes}


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def _tag(artists: object, regime: str) -> None:
    """Give every artist in ``artists`` (nested containers too) the regime as its gid."""
    if hasattr(artists, "set_gid"):
        artists.set_gid(regime)
    if isinstance(artists, (list, tuple)):
        for a in artists:
            _tag(a, regime)


def _grid(n: int, ncol: int, w: float, h: float) -> tuple[Figure, np.ndarray]:
    nrow = max(1, -(-n // ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(w * ncol, h * nrow + 0.8), squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return fig, axes


def trajectories(
    summary: pd.DataFrame,
    focal: str,
    point: int,
    regimes: list[str],
    path: Path,
    level: float,
    baseline: str | None = None,
) -> Path:
    """Mean trajectory per regime (lines), one panel per outcome; only the baseline carries
    its confidence band (the differences are drawn by :func:`difference_paths`)."""
    outcomes = [o for o in TRAJECTORY_OUTCOMES if o in set(summary["outcome"])]
    baseline = baseline or regimes[0]
    s = summary.loc[(summary["focal"] == focal) & (summary["point"] == point)]
    with plt.rc_context(RC):
        fig, axes = _grid(len(outcomes), 4, 3.0, 2.6)
        for ax, outcome in zip(axes.flat, outcomes, strict=False):
            for regime in regimes:
                g = s.loc[(s["outcome"] == outcome) & (s["regime"] == regime)]
                if g.empty:
                    continue
                c = regime_colour(regime)
                lines = ax.plot(g["period"], g["mean"], color=c, label=regime, linewidth=1.6)
                _tag(lines, regime)
                if regime == baseline:
                    band = ax.fill_between(
                        g["period"], g["ci_low"], g["ci_high"], color=c, alpha=0.15, linewidth=0
                    )
                    _tag(band, regime)
            ax.set_title(label(outcome), fontsize=8.5)
            ax.set_xlabel("quarter")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(regimes), fontsize=8)
        fig.suptitle(f"{focal}: mean across replicates; band: {level:.0%} interval of {baseline}")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        return _save(fig, path)


def difference_paths(
    diffs: pd.DataFrame,
    focal: str,
    point: int,
    regimes: list[str],
    outcomes: list[str],
    path: Path,
    level: float,
) -> Path:
    """Small multiples: one row per outcome, one column per regime, each the paired difference
    from the baseline over time with its interval (no overlapping bands)."""
    d = diffs.loc[(diffs["focal"] == focal) & (diffs["point"] == point)]
    cols = [r for r in regimes if r in set(d["regime"])]
    rows = [o for o in outcomes if o in set(d["outcome"])]
    with plt.rc_context(RC):
        fig, axes = plt.subplots(
            max(len(rows), 1),
            max(len(cols), 1),
            figsize=(2.4 * max(len(cols), 1) + 1.6, 1.5 * max(len(rows), 1) + 0.9),
            squeeze=False,
            sharex=True,
            sharey="row",
        )
        for i, outcome in enumerate(rows):
            for j, regime in enumerate(cols):
                ax = axes[i, j]
                g = d.loc[(d["outcome"] == outcome) & (d["regime"] == regime)]
                c = regime_colour(regime)
                ax.axhline(0, color="grey", linewidth=0.6)
                band = ax.fill_between(
                    g["period"], g["ci_low"], g["ci_high"], color=c, alpha=0.25, linewidth=0
                )
                _tag(band, regime)
                _tag(ax.plot(g["period"], g["mean"], color=c, linewidth=1.4), regime)
                if i == 0:
                    ax.set_title(regime, color=c, fontsize=9)
                if j == 0:
                    ax.set_ylabel(label(outcome, 22), fontsize=7)
                if i == len(rows) - 1:
                    ax.set_xlabel("quarter")
                ax.tick_params(labelsize=7)
        fig.suptitle(
            f"{focal}: difference from the baseline over time ({level:.0%} interval, paired "
            "by seed)"
        )
        fig.tight_layout()
        return _save(fig, path)


def difference_forest(
    diffs: pd.DataFrame,
    focal: str,
    point: int,
    outcomes: list[str],
    path: Path,
    level: float,
    order: list[str] | None = None,
) -> Path:
    """Difference from the baseline at the last period with its interval (paired by seed);
    regimes top to bottom in ``order`` (the spec's)."""
    d = diffs.loc[(diffs["focal"] == focal) & (diffs["point"] == point)]
    d = d.loc[d["period"] == d["period"].max()]
    present = set(d["regime"])
    regimes = [r for r in (order or sorted(present)) if r in present][::-1]
    outcomes = [o for o in outcomes if o in set(d["outcome"])]
    with plt.rc_context(RC):
        fig, axes = _grid(len(outcomes), 4, 3.0, 0.35 * len(regimes) + 1.3)
        for ax, outcome in zip(axes.flat, outcomes, strict=False):
            g = d.loc[d["outcome"] == outcome].set_index("regime").reindex(regimes)
            y = np.arange(len(regimes))
            for i, r in enumerate(regimes):
                m, lo, hi = g.loc[r, "mean"], g.loc[r, "ci_low"], g.loc[r, "ci_high"]
                eb = ax.errorbar(
                    m, y[i], xerr=[[m - lo], [hi - m]], fmt="o", color=regime_colour(r), capsize=3
                )
                _tag([eb.lines[0], *eb.lines[1], *eb.lines[2]], r)
            ax.axvline(0, color="black", linewidth=0.7)
            ax.set_yticks(y, regimes)
            ax.set_title(label(outcome), fontsize=8.5)
        fig.suptitle(
            f"{focal}: difference from the baseline at the last quarter ({level:.0%} interval, "
            "paired by seed)"
        )
        fig.tight_layout()
        return _save(fig, path)


def ranking_figure(rank: pd.DataFrame, focal: str, point: int, path: Path, level: float) -> Path:
    """Probability of being best (share of paired seeds) and the rank interval per regime."""
    r = rank.loc[(rank["focal"] == focal) & (rank["point"] == point)].sort_values("rank_mean")
    regimes = list(r["regime"])
    y = np.arange(len(regimes))[::-1]
    with plt.rc_context(RC):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 0.4 * len(regimes) + 1.4))
        for yi, (_, row) in zip(y, r.iterrows(), strict=True):
            c = regime_colour(str(row["regime"]))
            _tag(a1.barh(yi, row["p_best"], color=c), str(row["regime"]))
            _tag(
                a2.plot([row["rank_low"], row["rank_high"]], [yi, yi], color=c, linewidth=3),
                str(row["regime"]),
            )
            _tag(a2.plot(row["rank_mean"], yi, "o", color=c), str(row["regime"]))
        a1.set_yticks(y, regimes)
        a1.set_xlim(0, 1)
        a1.set_xlabel("share of paired seeds in which the regime is best")
        a1.set_title("Probability of being best")
        a2.set_yticks(y, regimes)
        a2.set_xlim(0.5, len(regimes) + 0.5)
        a2.set_xticks(np.arange(1, len(regimes) + 1))
        a2.invert_xaxis()
        a2.set_xlabel("rank (1 = highest)")
        a2.set_title(f"Rank of the mean, {level:.0%} bootstrap interval")
        fig.tight_layout()
        return _save(fig, path)


def cost_gain(
    rank: pd.DataFrame, focal: str, point: int, rank_by: str, path: Path, level: float
) -> Path:
    """Cumulative gain in ``rank_by`` against cumulative policy cost over the horizon, each
    a paired difference from the baseline with its interval (both axes)."""
    r = rank.loc[(rank["focal"] == focal) & (rank["point"] == point)]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.0, 4.2))
        for _, row in r.iterrows():
            regime = str(row["regime"])
            x, y = row["policy_cost_cum_diff"], row[f"{rank_by}_cum_diff"]
            eb = ax.errorbar(
                x,
                y,
                xerr=[[x - row["policy_cost_cum_ci_low"]], [row["policy_cost_cum_ci_high"] - x]],
                yerr=[[y - row[f"{rank_by}_cum_ci_low"]], [row[f"{rank_by}_cum_ci_high"] - y]],
                fmt="o",
                color=regime_colour(regime),
                capsize=3,
                label=regime,
            )
            _tag([eb.lines[0], *eb.lines[1], *eb.lines[2]], regime)
        ax.axhline(0, color="grey", linewidth=0.6)
        ax.axvline(0, color="grey", linewidth=0.6)
        ax.set_xlabel("policy cost over the horizon, difference (million)")
        name = LABELS.get(rank_by, rank_by)
        if rank_by in FLOWS:  # summed over the quarters
            name = name.replace("million / quarter", "million")
        ax.set_ylabel(textwrap.fill(f"{name} over the horizon, difference", 40))
        ax.set_title(f"{focal}: what each regime gains and costs ({level:.0%} intervals)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        return _save(fig, path)


def smile_curve(smile: pd.DataFrame, focal: str, regimes: list[str], path: Path) -> Path:
    """Value added by stage along the chain: world share (left) and the focal country (right,
    one small panel per regime with its interval)."""
    s = smile.loc[smile["focal"] == focal]
    stages = list(dict.fromkeys(s.sort_values("position")["stage"]))
    x = np.arange(len(stages))
    regimes = [r for r in regimes if r in set(s["regime"])]
    ticks = [st.replace("_", "\n") for st in stages]
    with plt.rc_context(RC):
        fig = plt.figure(figsize=(12, 3.8))
        gs = fig.add_gridspec(1, 1 + len(regimes), width_ratios=[2.2] + [1.0] * len(regimes))
        a1 = fig.add_subplot(gs[0, 0])
        share = None
        for k, regime in enumerate(regimes):
            g = s.loc[s["regime"] == regime].set_index("stage").reindex(stages)
            c = regime_colour(regime)
            _tag(a1.plot(x, g["va_share_world"], marker="o", color=c, label=regime), regime)
            ax = fig.add_subplot(gs[0, 1 + k], sharey=share)
            share = share or ax
            _tag(ax.plot(x, g["va_focal_mean"], marker="o", color=c), regime)
            band = ax.fill_between(
                x, g["va_focal_low"], g["va_focal_high"], color=c, alpha=0.25, linewidth=0
            )
            _tag(band, regime)
            ax.set_title(regime, color=c, fontsize=8.5)
            ax.set_xticks(x, [st.replace("_", " ") for st in stages], fontsize=6, rotation=90)
            if k == 0:
                ax.set_ylabel(f"value added in {focal}, million / quarter")
        a1.set_xticks(x, ticks, fontsize=7)
        a1.set_ylabel("share of the chain's value added")
        a1.set_ylim(bottom=0)
        a1.set_title("Smile curve: value added by stage, world")
        a1.legend(fontsize=7)
        fig.tight_layout()
        return _save(fig, path)


def concentration(conc: pd.DataFrame, focal: str, regimes: list[str], path: Path) -> Path:
    """Producing countries and Herfindahl-Hirschman index of output by stage."""
    c = conc.loc[conc["focal"] == focal]
    stages = list(dict.fromkeys(c.sort_values("position")["stage"]))
    regimes = [r for r in regimes if r in set(c["regime"])]
    x = np.arange(len(stages))
    w = 0.8 / max(len(regimes), 1)
    with plt.rc_context(RC):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.4))
        for i, regime in enumerate(regimes):
            g = c.loc[c["regime"] == regime].set_index("stage").reindex(stages)
            col = regime_colour(regime)
            _tag(list(a1.bar(x + i * w, g["producers"], w, color=col, label=regime)), regime)
            _tag(list(a2.bar(x + i * w, g["hhi"], w, color=col, label=regime)), regime)
        for ax in (a1, a2):
            ax.set_xticks(x + 0.4 - w / 2, [st.replace("_", "\n") for st in stages], fontsize=7)
        a1.set_title("Countries producing each stage")
        a1.set_ylabel("countries")
        a2.set_title("Concentration of output by stage (HHI, 0..1)")
        a2.set_ylabel("HHI")
        a2.set_ylim(0, 1)
        a2.legend(fontsize=7)
        fig.tight_layout()
        return _save(fig, path)


def sensitivity_bars(sens: pd.DataFrame, kind: str, path: Path) -> Path:
    """Sobol first/total-order indices or Morris mu* per parameter, with intervals."""
    groups = list(sens.groupby(["focal", "regime", "outcome"], sort=True))[:8]
    ncol = min(4, len(groups))
    nrow = -(-len(groups) // ncol)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.1 * ncol, 2.6 * nrow), squeeze=False)
        for ax, ((focal, regime, outcome), g) in zip(axes.flat, groups, strict=False):
            y = np.arange(len(g))
            if kind == "sobol":
                ax.barh(y - 0.2, g["S1"], 0.4, xerr=g["S1_conf"], color=OKABE_ITO[0], label="S1")
                ax.barh(y + 0.2, g["ST"], 0.4, xerr=g["ST_conf"], color=OKABE_ITO[1], label="ST")
            else:
                ax.barh(y, g["mu_star"], 0.6, xerr=g["mu_star_conf"], color=OKABE_ITO[0])
            ax.set_yticks(y, g["parameter"], fontsize=7)
            ax.set_title(f"{focal} / {regime}\n{outcome}", fontsize=8)
        for ax in list(axes.flat)[len(groups) :]:
            ax.axis("off")
        if kind == "sobol":
            axes.flat[0].legend(fontsize=7)
        fig.suptitle("Sobol indices" if kind == "sobol" else "Morris mu* (elementary effects)")
        fig.tight_layout()
        return _save(fig, path)
