"""The global production network, firm by firm (MODEL.md section 1).

``config`` (pydantic world), ``state`` (struct of arrays), ``mechanisms/`` (one module per
concept), ``policy`` (instruments, regimes and their fiscal cost), ``step`` (their order),
``record`` (panel, stages, firms, emitted IO table), ``run``.
"""

from gpnlab.simulate.config import World, load_world
from gpnlab.simulate.policy import REGIMES, Instruments, apply_regime
from gpnlab.simulate.presets import load_preset, preset_names
from gpnlab.simulate.run import Results, simulate

__all__ = [
    "REGIMES",
    "Instruments",
    "Results",
    "World",
    "apply_regime",
    "load_preset",
    "load_world",
    "preset_names",
    "simulate",
]
