"""Figures of ``gpnlab measure``: GVC participation by country; position vs value added."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from gpnlab.report.style import OKABE_ITO, RC


def participation_figure(country: pd.DataFrame, path: Path, *, unit: str = "") -> Path:
    """Stacked bars of backward and forward GVC participation (shares of gross exports).

    Borin & Mancini (2019): backward = foreign content + domestic double counting; forward =
    domestic value added re-exported by the importer or returning home.
    """
    df = country.dropna(subset=["gvc_backward_share", "gvc_forward_share"])
    df = df.assign(total=df.gvc_backward_share + df.gvc_forward_share).sort_values("total")
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(7.0, max(3.0, 0.18 * len(df) + 1.2)))
        y = np.arange(len(df))
        ax.barh(y, df.gvc_backward_share, color=OKABE_ITO[0], label="backward (FC + DDC)")
        ax.barh(
            y,
            df.gvc_forward_share,
            left=df.gvc_backward_share,
            color=OKABE_ITO[1],
            label="forward (DVA re-exported or returned)",
        )
        ax.set_yticks(y, [str(c) for c in df.index])
        ax.set_xlabel("share of gross exports")
        ax.set_title("GVC participation by country (Borin-Mancini, exporter perspective)")
        ax.legend(loc="lower right")
        ax.set_xlim(0, min(1.0, float(df.total.max()) * 1.1 + 0.02) if len(df) else 1.0)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def position_figure(sector: pd.DataFrame, path: Path) -> Path:
    """Upstreamness against value added per unit of output, by sector (output-weighted).

    Each point is a sector aggregated over countries; its area is proportional to output.
    """
    df = sector.reset_index()
    df = df[df.output > 0].dropna(subset=["upstreamness"])
    g = df.assign(wu=df.upstreamness * df.output).groupby("sector", sort=False)
    agg = pd.DataFrame(
        {
            "upstreamness": g.wu.sum() / g.output.sum(),
            "va_ratio": g.value_added.sum() / g.output.sum(),
            "output": g.output.sum(),
        }
    )
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        size = 600 * agg.output / agg.output.max()
        ax.scatter(
            agg.upstreamness,
            agg.va_ratio,
            s=size,
            color=OKABE_ITO[2],
            alpha=0.6,
            edgecolor="black",
            linewidth=0.4,
        )
        for name, row in agg.iterrows():
            ax.annotate(
                str(name),
                (row.upstreamness, row.va_ratio),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
        ax.set_xlabel("upstreamness (production stages from final demand)")
        ax.set_ylabel("value added / gross output")
        ax.set_title("Position in the value chain and value added, by sector")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path


def participation_over_years_figure(country: pd.DataFrame, path: Path, *, top: int = 6) -> Path:
    """Backward and forward GVC participation over years: the ``top`` exporters of the last
    year, and the median over countries (Borin & Mancini 2019 shares of gross exports)."""
    df = country[country.entity == "country"] if "entity" in country else country
    last = df[df.year == df.year.max()].sort_values("gross_exports", ascending=False)
    names = [str(c) for c in last.country.head(top)]
    median = df.groupby("year")[["gvc_backward_share", "gvc_forward_share"]].median()
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
        for ax, col, title in (
            (axes[0], "gvc_backward_share", "backward (FC + DDC)"),
            (axes[1], "gvc_forward_share", "forward (DVA re-exported or returned)"),
        ):
            for k, name in enumerate(names):
                d = df[df.country == name]
                ax.plot(d.year, d[col], color=OKABE_ITO[k % 7], label=name, linewidth=1.4)
            ax.plot(median.index, median[col], color="black", linestyle="--", label="median")
            ax.set_title(title)
            ax.set_xlabel("year")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[0].set_ylabel("share of gross exports")
        axes[1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.suptitle("GVC participation over years (Borin-Mancini, exporter perspective)")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return path
