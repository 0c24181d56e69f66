"""The app's figures as PNG bytes (matplotlib's object API: safe from the app's threads).

One colour per regime everywhere, fixed by the regime's place in
:data:`gpnlab.simulate.policy.REGIMES` (Okabe-Ito palette), so a regime keeps its colour
whichever regimes a figure shows. Bands are the 95% Student-t interval of the mean across
seeds; differences are paired by seed (:mod:`gpnlab.experiments.analysis`).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from gpnlab.report.experiment_figures import label
from gpnlab.report.style import OKABE_ITO, RC
from gpnlab.simulate.policy import REGIMES
from gpnlab.table import IOTable


def colour(regime: str) -> str:
    names = list(REGIMES)
    i = names.index(regime) if regime in names else len(names)
    return OKABE_ITO[i % len(OKABE_ITO)]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=RC["figure.dpi"])
    return buf.getvalue()


def _figure(nrow: int, ncol: int, w: float, h: float) -> tuple[Figure, np.ndarray]:
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(w, h))
        axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    return fig, axes


def trajectories(summary: pd.DataFrame, outcomes: list[str], regimes: list[str]) -> bytes:
    """Mean across seeds with its 95% band, one panel per outcome, a line per regime."""
    ncol = min(4, max(1, len(outcomes)))
    nrow = -(-len(outcomes) // ncol)
    fig, axes = _figure(nrow, ncol, 3.1 * ncol, 2.5 * nrow + 0.4)
    for ax, outcome in zip(axes, outcomes, strict=False):
        for regime in regimes:
            g = summary.loc[(summary["outcome"] == outcome) & (summary["regime"] == regime)]
            if g.empty:
                continue
            g = g.sort_values("period")
            c = colour(regime)
            ax.plot(g["period"], g["mean"], color=c, label=regime, linewidth=1.4)
            ax.fill_between(
                g["period"], g["ci_low"], g["ci_high"], color=c, alpha=0.18, linewidth=0
            )
        ax.set_title(label(outcome, 30), fontsize=8)
        ax.set_xlabel("quarter", fontsize=7)
    for ax in axes[len(outcomes) :]:
        ax.axis("off")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def small_multiples(summary: pd.DataFrame, outcomes: list[str], regimes: list[str]) -> bytes:
    """One panel per (outcome, regime): the mean across seeds with its 95% band, the
    baseline's mean in grey in every panel of its row (no overlapping bands)."""
    regimes = [r for r in REGIMES if r in regimes] + [r for r in regimes if r not in REGIMES]
    nrow, ncol = len(outcomes), len(regimes)
    fig, axes = _figure(nrow, ncol, 2.2 * ncol + 0.5, 1.7 * nrow + 0.5)
    grid = axes.reshape(nrow, ncol)
    for i, outcome in enumerate(outcomes):
        s = summary.loc[summary["outcome"] == outcome]
        base = s.loc[s["regime"] == regimes[0]].sort_values("period")
        for j, regime in enumerate(regimes):
            ax = grid[i, j]
            g = s.loc[s["regime"] == regime].sort_values("period")
            if j > 0 and len(base):
                ax.plot(base["period"], base["mean"], color="#999999", linewidth=0.9)
            c = colour(regime)
            ax.plot(g["period"], g["mean"], color=c, linewidth=1.3)
            ax.fill_between(g["period"], g["ci_low"], g["ci_high"], color=c, alpha=0.2, linewidth=0)
            if i == 0:
                ax.set_title(regime, fontsize=8, color=c)
            if j == 0:
                ax.set_ylabel(label(outcome, 22), fontsize=6.5)
            ax.tick_params(labelsize=6)
        for ax in grid[i, 1:]:
            ax.sharey(grid[i, 0])
    fig.tight_layout()
    return _png(fig)


def difference_panels(diffs: pd.DataFrame, outcomes: list[str], regime: str) -> bytes:
    """The paired difference from laissez-faire over time with its 95% band."""
    ncol = min(4, max(1, len(outcomes)))
    nrow = -(-len(outcomes) // ncol)
    fig, axes = _figure(nrow, ncol, 3.1 * ncol, 2.3 * nrow + 0.4)
    d = diffs.loc[diffs["regime"] == regime]
    for ax, outcome in zip(axes, outcomes, strict=False):
        g = d.loc[d["outcome"] == outcome].sort_values("period")
        c = colour(regime)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.plot(g["period"], g["mean"], color=c)
        ax.fill_between(g["period"], g["ci_low"], g["ci_high"], color=c, alpha=0.2, linewidth=0)
        ax.set_title("Δ " + label(outcome, 28), fontsize=8)
        ax.set_xlabel("quarter", fontsize=7)
    for ax in axes[len(outcomes) :]:
        ax.axis("off")
    fig.tight_layout()
    return _png(fig)


def forest(diffs: pd.DataFrame, outcomes: list[str]) -> bytes:
    """Difference from laissez-faire at the last quarter with its 95% interval, per regime."""
    d = diffs.loc[diffs["period"] == diffs["period"].max()]
    regimes = [r for r in REGIMES if r in set(d["regime"])]
    ncol = min(4, max(1, len(outcomes)))
    nrow = -(-len(outcomes) // ncol)
    fig, axes = _figure(nrow, ncol, 3.1 * ncol, (0.3 * len(regimes) + 1.2) * nrow + 0.3)
    y = np.arange(len(regimes))
    for ax, outcome in zip(axes, outcomes, strict=False):
        g = d.loc[d["outcome"] == outcome].set_index("regime").reindex(regimes)
        for i, r in enumerate(regimes):
            m, lo, hi = g.loc[r, ["mean", "ci_low", "ci_high"]]
            ax.errorbar(m, y[i], xerr=[[m - lo], [hi - m]], fmt="o", color=colour(r), capsize=3)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_yticks(y, regimes, fontsize=7)
        ax.set_title("Δ " + label(outcome, 28), fontsize=8)
    for ax in axes[len(outcomes) :]:
        ax.axis("off")
    fig.tight_layout()
    return _png(fig)


def by_stage(smile: pd.DataFrame, conc: pd.DataFrame, regimes: list[str]) -> bytes:
    """Smile curve (world share of value added by stage) and concentration (HHI) by stage."""
    fig, axes = _figure(1, 2, 10, 3.2)
    stages = list(dict.fromkeys(smile.sort_values("position")["stage"]))
    x = np.arange(len(stages))
    w = 0.8 / max(len(regimes), 1)
    for i, regime in enumerate(regimes):
        s = smile.loc[smile["regime"] == regime].set_index("stage").reindex(stages)
        c = conc.loc[conc["regime"] == regime].set_index("stage").reindex(stages)
        axes[0].plot(x, s["va_share_world"], marker="o", color=colour(regime), label=regime)
        axes[1].bar(x + i * w, c["hhi"], w, color=colour(regime), label=regime)
    ticks = [st.replace("_", "\n") for st in stages]
    axes[0].set_xticks(x, ticks, fontsize=6)
    axes[1].set_xticks(x + 0.4 - w / 2, ticks, fontsize=6)
    axes[0].set_title("Smile curve: world share of value added by stage", fontsize=8)
    axes[1].set_title("Concentration of output by stage (HHI, 0..1)", fontsize=8)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def network(table: IOTable, roles: list[str], title: str) -> bytes:
    """The production network of one run (:func:`gpnlab.report.network_figure`)."""
    from gpnlab.report.network_figure import network_figure

    with tempfile.TemporaryDirectory() as tmp:
        p = network_figure(table, roles, Path(tmp) / "network.png", title=title)
        return p.read_bytes()
