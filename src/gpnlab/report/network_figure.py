"""Overview figure of a simulated production network (generated from a run, not drawn).

Nodes are (country, stage) cells placed by stage (x, ordered along the chain) and country (y),
sized by output; edges are intermediate flows between cells (the emitted IO table's ``Z``),
drawn with width proportional to value. Colours mark the role that operates the stage; the
legend (right of the axes) names the roles and says what area and line width stand for.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.lines import Line2D

from gpnlab.report.style import OKABE_ITO, RC
from gpnlab.table import IOTable

ROLE_COLOURS = {
    "BL": OKABE_ITO[0],
    "CM": OKABE_ITO[1],
    "HT": OKABE_ITO[2],
    "LT": OKABE_ITO[3],
    "services": OKABE_ITO[4],  # basic inputs and logistics: country sectors, not firms
}


ROLE_NAMES = {
    "BL": "BL: brand leaders (design, marketing)",
    "CM": "CM: contract manufacturers (assembly)",
    "HT": "HT: higher-tier suppliers",
    "LT": "LT: lower-tier suppliers",
    "services": "basic inputs and logistics",
}


def network_legend() -> list[Artist]:
    """Legend entries: the colour of each role, what a circle's area and a line's width mean."""
    handles: list[Artist] = [
        Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor=c,
               markeredgecolor="black", markeredgewidth=0.3, label=ROLE_NAMES[role])
        for role, c in ROLE_COLOURS.items()
    ]  # fmt: skip
    handles.append(
        Line2D([], [], marker="o", linestyle="", markersize=12, markerfacecolor="white",
               markeredgecolor="black", label="circle area: output of the cell")
    )  # fmt: skip
    handles.append(Line2D([], [], color="grey", linewidth=3, alpha=0.6,
                          label="line width: intermediate flow (value)"))  # fmt: skip
    return handles


def network_figure(
    table: IOTable, stage_roles: list[str], path: Path, *, title: str = "", min_share: float = 0.002
) -> Path:
    G, S = table.G, table.N
    stage_roles = [*stage_roles, *["services"] * (S - len(stage_roles))]
    x = table.x.reshape(G, S)
    pos_x = np.tile(np.arange(S), (G, 1)).astype(float)
    pos_y = np.repeat(np.arange(G)[::-1], S).reshape(G, S).astype(float)
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(8.0, 0.42 * G + 1.6))
        Z = table.Z
        total = Z.sum()
        rows, cols = np.nonzero(min_share * total < Z)
        for r, c in zip(rows, cols, strict=True):
            (g1, s1), (g2, s2) = divmod(int(r), S), divmod(int(c), S)
            ax.plot(
                [pos_x[g1, s1], pos_x[g2, s2]],
                [pos_y[g1, s1], pos_y[g2, s2]],
                color="grey",
                alpha=0.35,
                linewidth=0.3 + 6 * Z[r, c] / Z.max(),
                zorder=1,
            )
        size = 900 * np.sqrt(x / max(x.max(), 1e-12))
        colours = [ROLE_COLOURS[stage_roles[s]] for s in range(S)]
        for s in range(S):
            ax.scatter(
                pos_x[:, s],
                pos_y[:, s],
                s=size[:, s],
                color=colours[s],
                edgecolor="black",
                linewidth=0.3,
                zorder=2,
            )
        ax.set_yticks(np.arange(G)[::-1], table.countries)
        ax.set_xticks(np.arange(S), [s.replace("_", "\n") for s in table.sectors], fontsize=7)
        ax.set_xlim(-0.6, S - 0.4)
        ax.set_title(title or "Simulated production network: output (area) and input flows (lines)")
        ax.legend(handles=network_legend(), loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=7, title="legend", title_fontsize=8, labelspacing=0.9)  # fmt: skip
        fig.tight_layout()
        fig.savefig(path, bbox_inches="tight")  # the legend sits outside the axes
        plt.close(fig)
    return path
