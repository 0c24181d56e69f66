"""Shared figure style: the Okabe-Ito colour-blind-safe palette, one fixed colour per policy
regime, and print-friendly defaults."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",
)

REGIME_COLOURS: dict[str, str] = {
    "laissez_faire": "#000000",  # the usual baseline: black
    "join": "#E69F00",
    "build": "#0072B2",
    "gvc_oriented": "#009E73",
    "hybrid": "#CC79A7",
}
"""One colour per regime of :data:`gpnlab.simulate.policy.REGIMES`, the same in every figure
(whatever the order or the subset of regimes an experiment compares)."""

_SPARE = ("#56B4E9", "#D55E00", "#F0E442", "#999999")


def regime_colour(regime: str) -> str:
    """The colour of ``regime`` in every figure; a regime outside the shipped ones gets a
    spare colour chosen from its name (stable across figures and runs)."""
    if regime in REGIME_COLOURS:
        return REGIME_COLOURS[regime]
    return _SPARE[sum(regime.encode()) % len(_SPARE)]


RC: Any = {
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}
