"""Knowledge transfer per contract, by channel (Ernst 2002, sec. 4.3; Javorcik 2004).

Each quarter a supplier under contract is offered knowledge from its buyer in proportion to the
capability gap, per dimension: ``T_fk = tau * channel_f * max(0, K_bk - K_fk) * (1 + SD)``.

* Channels: formal (the buyer is a foreign-owned plant in the supplier's country: FDI and
  licensing, weight 1.0); informal early supplier involvement and design information for higher
  tiers (0.7); arm's-length lower-tier relations (0.3).
* More sophisticated knowledge (design, brand) is offered only once the supplier's process
  capability reaches 80% of its stage's requirement: transfer deepens as the supplier upgrades.
* ``SD``: supplier-development programmes of the supplier's country (targeted stages).

Transfer is not diffusion: :mod:`absorption` decides how much is internalised.
Switch: ``mechanisms.transfer_rate = 0``. Observable: transferred knowledge by tier.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.mechanisms.specialisation import tacit_penalty
from gpnlab.simulate.model import Model
from gpnlab.simulate.rowops import row_sum
from gpnlab.simulate.state import BRAND, DESIGN, LT, PROCESS

CHANNEL_FORMAL = 1.0
CHANNEL_INFORMAL = 0.7
CHANNEL_ARMS_LENGTH = 0.3


def transfer(m: Model) -> np.ndarray:
    """Return the (F, D) knowledge offered this quarter (also kept for absorption)."""
    f = m.firms
    offered = np.zeros_like(f.K)
    sup = np.flatnonzero(f.alive & (f.buyer >= 0) & ~f.inhouse & (f.role != 0))
    if sup.size == 0 or m.world.mechanisms.transfer_rate == 0:
        f.received[:] = 0.0
        m.offered = offered
        return offered
    b = f.buyer[sup]
    gap = np.maximum(f.K[b] - f.K[sup], 0.0)
    formal = (f.home[b] != f.loc[b]) & (f.loc[b] == f.loc[sup])
    distant = np.where(f.role[sup] == LT, CHANNEL_ARMS_LENGTH, CHANNEL_INFORMAL)
    # specialisation: tacit knowledge travels badly through informal and arm's-length channels
    distant = distant * tacit_penalty(m)[f.stage[sup]]
    channel = np.where(formal, CHANNEL_FORMAL, distant)
    deep = f.K[sup, PROCESS] >= 0.8 * m.requirement[f.stage[sup], PROCESS]
    gap[:, DESIGN] *= deep
    gap[:, BRAND] *= deep
    sd = m.instruments.targeted("supplier_development", f.loc[sup], f.stage[sup])
    offered[sup] = m.world.mechanisms.transfer_rate * channel[:, None] * gap * (1 + sd)[:, None]
    f.received[:] = row_sum(offered)
    m.offered = offered
    return offered
