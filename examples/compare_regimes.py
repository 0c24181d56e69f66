"""Compare the five policy regimes on the default world, a few seeds each, and plot them.

A small stand-in for the experiments layer: every regime is applied to the focal countries
(every non-flagship economy), each run is a pure function of (world, regime, seed), and the
figure shows the mean across seeds with the range. Usage:
``python examples/compare_regimes.py [--seeds 3] [--periods 24] [--firms 5000]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from gpnlab.report.style import OKABE_ITO, RC
from gpnlab.simulate import load_preset, simulate
from gpnlab.simulate.config import scale_firms
from gpnlab.simulate.mechanisms.policy import REGIMES, apply_regime

FLAGSHIP_HOMES = ("FLA", "FLB", "FLC")
OUTCOMES = {
    "dva_share": "domestic VA share of exports",
    "capability_ht": "capability, higher-tier suppliers",
    "capability_lt": "capability, lower-tier suppliers",
    "informal_share": "informal share of labour",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--periods", type=int, default=24)
    ap.add_argument("--firms", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=Path("out/compare_regimes.png"))
    args = ap.parse_args()
    world = scale_firms(load_preset("default"), args.firms)
    rows = []
    for regime in REGIMES:
        for seed in range(args.seeds):
            p = simulate(apply_regime(world, regime), seed=seed, periods=args.periods).panel
            p = p[~p.country.isin(FLAGSHIP_HOMES)]
            mean = p.groupby("period")[list(OUTCOMES)].mean().reset_index()
            rows.append(mean.assign(regime=regime, seed=seed))
    df = pd.concat(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(RC):
        fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
        for ax, (col, label) in zip(axes.ravel(), OUTCOMES.items(), strict=True):
            for colour, (regime, g) in zip(
                OKABE_ITO, df.groupby("regime", sort=False), strict=False
            ):
                stats = g.groupby("period")[col].agg(["mean", "min", "max"])
                ax.plot(stats.index, stats["mean"], color=colour, label=regime)
                ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.15)
            ax.set_title(label)
            ax.set_xlabel("quarter")
        axes[0, 0].legend(fontsize=7)
        fig.suptitle(
            f"Regimes on the default world: focal-country means, {args.seeds} seeds (range)"
        )
        fig.tight_layout()
        fig.savefig(args.out)
        plt.close(fig)
    last = df[df.period == df.period.max()].groupby("regime")[list(OUTCOMES)].mean()
    print(last.round(3))
    print(f"figure written to {args.out}")


if __name__ == "__main__":
    main()
