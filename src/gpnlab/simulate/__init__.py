"""The global production network, firm by firm (MODEL.md section 1).

``config`` (pydantic world), ``state`` (struct of arrays), ``mechanisms/`` (one module per
concept), ``step`` (their order), ``record`` (panel, stages, firms, emitted IO table), ``run``.
"""

from gpnlab.simulate.config import World, load_world
from gpnlab.simulate.presets import load_preset, preset_names
from gpnlab.simulate.run import Results, simulate

__all__ = ["Results", "World", "load_preset", "load_world", "preset_names", "simulate"]
