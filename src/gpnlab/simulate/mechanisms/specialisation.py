"""Specialisation model: what a stage's attributes do (Ernst 2002, sec. 2.4).

Ernst sets specialisations apart by product (commodities vs differentiated products) and by
production (mass vs flexible), each with its own entry barriers, value generation and
upgrading potential. Four stage attributes act through four mechanisms, each a tilt around the
chain's mean attribute (a stage of average attributes is unaffected, so the average calibration
stays put), with strength ``kappa = mechanisms.specialisation`` (0 switches all four off):

* **upgrading potential** -- own learning in stage s is scaled by
  ``1 + kappa (d_s - mean d)``, d = differentiation: learning pays in differentiated products
  and saturates in commodities (used in :mod:`absorption`);
* **tacit knowledge** -- knowledge offered through informal and arm's-length channels is scaled
  by ``1 - kappa/2 (tau_s - mean tau)``, tau = tacitness: codified knowledge travels, tacit
  knowledge needs people on the spot, so the formal channel (a foreign plant in the supplier's
  country) is not scaled (used in :mod:`transfer`);
* **entry barriers** -- start-ups of a tier choose among its stages with weight
  ``1 - kappa (sigma_s - mean sigma)``, sigma = scale (minimum efficient scale) (:mod:`entry`);
* **concentrated dispersion** -- the agglomeration saving is scaled by
  ``1 + kappa (pi_s - mean pi)``, pi = precision: precision stages gain most from clustering
  and stay in few places (Ernst 2002, sec. 4.1) (:func:`capability.agglomeration_saving`).

Multipliers are floored at 0.05 so that no stage is cut off entirely. Observable: upgrading
potential by specialisation (capability growth by stage), producing countries and HHI by stage.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.model import Model

FLOOR = 0.05


def tilt(attribute: np.ndarray, strength: float) -> np.ndarray:
    """``max(FLOOR, 1 + strength (a_s - mean a))`` per stage."""
    a = np.asarray(attribute, dtype=float)
    return np.maximum(FLOOR, 1.0 + strength * (a - a.mean()))


def _per_run(m: Model, key: str, attribute: np.ndarray, strength: float) -> np.ndarray:
    """``tilt(attribute, strength)``, computed once per run: stage attributes and the strength
    are fixed for a run (the kernels read the result; nobody writes it)."""
    out = m.derived.get(key)
    if out is None:
        out = m.derived[key] = tilt(attribute, strength)
    return out


def upgrading_potential(m: Model) -> np.ndarray:
    """(S,) multiplier of own learning: differentiated stages reward learning."""
    k = m.world.mechanisms.specialisation
    return _per_run(m, "upgrading_potential", m.stages.differentiation, k)


def tacit_penalty(m: Model) -> np.ndarray:
    """(S,) multiplier of informal and arm's-length transfer: tacit knowledge travels badly."""
    k = m.world.mechanisms.specialisation
    return _per_run(m, "tacit_penalty", m.stages.tacitness, -0.5 * k)


def entry_weight(m: Model) -> np.ndarray:
    """(S,) weight of a stage in start-ups' choice: scale is an entry barrier."""
    k = m.world.mechanisms.specialisation
    return _per_run(m, "entry_weight", m.stages.scale, -k)


def cluster_gain(m: Model) -> np.ndarray:
    """(S,) multiplier of the agglomeration saving: precision stages cluster."""
    k = m.world.mechanisms.specialisation
    return _per_run(m, "cluster_gain", m.stages.precision, k)
