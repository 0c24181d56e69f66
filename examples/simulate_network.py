"""Simulate the default world for 20 quarters and draw the network figure used in docs/model.md.

Usage: ``python examples/simulate_network.py``.
"""

from __future__ import annotations

from pathlib import Path

from gpnlab.report.network_figure import network_figure
from gpnlab.simulate import load_preset, simulate

world = load_preset("default")
res = simulate(world, periods=20, mrio_every=20)
table = res.tables[20]
out = Path(__file__).resolve().parents[1] / "docs" / "figures" / "network_default.png"
network_figure(
    table,
    [s.role for s in world.stages],
    out,
    title="Default world after 20 quarters (laissez-faire)",
)
last = res.panel[res.panel.period == 20]
print(
    last[["country", "gross_exports", "dva_share", "capability_ht", "functional_position"]].round(3)
)
print(f"figure written to {out}")
