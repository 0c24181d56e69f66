"""Figures of an experiment report (matplotlib, Okabe-Ito palette, labelled units).

Every figure is drawn from the stored results; nothing is typed in by hand.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from gpnlab.report.style import OKABE_ITO, RC

LABELS = {
    "gross_exports": "Gross exports (million / quarter)",
    "dva_share": "Domestic value added in exports (share)",
    "fva_share": "Foreign value added in exports (share)",
    "gvc_backward": "Backward GVC participation (share)",
    "gvc_forward": "Forward GVC participation (share)",
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
    return {r: OKABE_ITO[i % len(OKABE_ITO)] for i, r in enumerate(regimes)}


def trajectories(
    summary: pd.DataFrame, focal: str, point: int, regimes: list[str], path: Path, level: float
) -> Path:
    """Mean trajectory and confidence band per regime, one panel per outcome."""
    outcomes = [o for o in TRAJECTORY_OUTCOMES if o in set(summary["outcome"])]
    ncol = 4
    nrow = max(1, -(-len(outcomes) // ncol))
    colours = regime_colours(regimes)
    s = summary.loc[(summary["focal"] == focal) & (summary["point"] == point)]
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrow, ncol, figsize=(12, 2.8 * nrow + 0.6), squeeze=False)
        for ax, outcome in zip(axes.flat, outcomes, strict=False):
            for regime in regimes:
                g = s.loc[(s["outcome"] == outcome) & (s["regime"] == regime)]
                if g.empty:
                    continue
                c = colours[regime]
                ax.plot(g["period"], g["mean"], color=c, label=regime, linewidth=1.6)
                ax.fill_between(g["period"], g["ci_low"], g["ci_high"], color=c, alpha=0.18)
            ax.set_title(label(outcome), fontsize=8.5)
            ax.set_xlabel("quarter")
        for ax in list(axes.flat)[len(outcomes) :]:
            ax.axis("off")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=len(regimes), fontsize=8)
        fig.suptitle(f"{focal}: mean across replicates with {level:.0%} confidence bands")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        fig.savefig(path)
        plt.close(fig)
    return path


def difference_forest(
    diffs: pd.DataFrame, focal: str, point: int, outcomes: list[str], path: Path, level: float
) -> Path:
    """Difference from the baseline at the last period with its interval (paired by seed)."""
    d = diffs.loc[(diffs["focal"] == focal) & (diffs["point"] == point)]
    d = d.loc[d["period"] == d["period"].max()]
    regimes = list(dict.fromkeys(d["regime"]))
    colours = regime_colours(["baseline", *regimes])
    ncol = 4
    nrow = max(1, -(-len(outcomes) // ncol))
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrow, ncol, figsize=(12, 0.35 * len(regimes) * nrow + 1.6 * nrow))
        for ax, outcome in zip(np.ravel(axes), outcomes, strict=False):
            g = d.loc[d["outcome"] == outcome].set_index("regime").reindex(regimes)
            y = np.arange(len(regimes))
            for i, r in enumerate(regimes):
                ax.errorbar(
                    g.loc[r, "mean"],
                    y[i],
                    xerr=[
                        [g.loc[r, "mean"] - g.loc[r, "ci_low"]],
                        [g.loc[r, "ci_high"] - g.loc[r, "mean"]],
                    ],
                    fmt="o",
                    color=colours[r],
                    capsize=3,
                )
            ax.axvline(0, color="black", linewidth=0.7)
            ax.set_yticks(y, regimes)
            ax.set_title(label(outcome), fontsize=8.5)
        for ax in list(np.ravel(axes))[len(outcomes) :]:
            ax.axis("off")
        fig.suptitle(
            f"{focal}: difference from the baseline at the last quarter ({level:.0%} interval, "
            "paired by seed)"
        )
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def smile_curve(smile: pd.DataFrame, focal: str, regimes: list[str], path: Path) -> Path:
    """Value added by stage along the chain: world share (left) and the focal country (right)."""
    s = smile.loc[smile["focal"] == focal]
    stages = list(dict.fromkeys(s.sort_values("position")["stage"]))
    x = np.arange(len(stages))
    colours = regime_colours(regimes)
    with plt.rc_context(RC):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6))
        for regime in regimes:
            g = s.loc[s["regime"] == regime].set_index("stage").reindex(stages)
            c = colours[regime]
            a1.plot(x, g["va_share_world"], marker="o", color=c, label=regime)
            a2.plot(x, g["va_focal_mean"], marker="o", color=c, label=regime)
            a2.fill_between(x, g["va_focal_low"], g["va_focal_high"], color=c, alpha=0.15)
        for ax in (a1, a2):
            ax.set_xticks(x, [st.replace("_", "\n") for st in stages], fontsize=7)
        a1.set_ylabel("share of the chain's value added")
        a1.set_title("Smile curve: value added by stage, world")
        a2.set_ylabel("million / quarter")
        a2.set_title(f"Value added by stage in {focal} (with interval)")
        a1.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def concentration(conc: pd.DataFrame, focal: str, regimes: list[str], path: Path) -> Path:
    """Producing countries and Herfindahl-Hirschman index of output by stage."""
    c = conc.loc[conc["focal"] == focal]
    stages = list(dict.fromkeys(c.sort_values("position")["stage"]))
    x = np.arange(len(stages))
    w = 0.8 / max(len(regimes), 1)
    colours = regime_colours(regimes)
    with plt.rc_context(RC):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.4))
        for i, regime in enumerate(regimes):
            g = c.loc[c["regime"] == regime].set_index("stage").reindex(stages)
            a1.bar(x + i * w, g["producers"], w, color=colours[regime], label=regime)
            a2.bar(x + i * w, g["hhi"], w, color=colours[regime], label=regime)
        for ax in (a1, a2):
            ax.set_xticks(x + 0.4 - w / 2, [st.replace("_", "\n") for st in stages], fontsize=7)
        a1.set_title("Countries producing each stage")
        a1.set_ylabel("countries")
        a2.set_title("Concentration of output by stage (HHI, 0..1)")
        a2.set_ylabel("HHI")
        a2.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


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
        fig.savefig(path)
        plt.close(fig)
    return path
