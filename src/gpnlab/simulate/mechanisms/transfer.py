"""Knowledge transfer per contract, by channel (Ernst 2002, sec. 4.3; Javorcik 2004).

Each quarter a supplier under contract is offered knowledge from its buyer in proportion to the
capability gap, per dimension, weighted by what the supplier's stage needs:
``T_fk = tau * channel_f * max(0, K_bk - K_fk) * p_sk * (1 + SD)``, with ``p_sk = R_sk / max_k
R_sk`` the stage's requirement profile (a buyer teaches a commodity supplier production and
process, not brand management; the buyer can only teach what it knows, ``K_bk``).

* Channels: formal (the buyer is a foreign-owned plant in the supplier's country: FDI and
  licensing, weight 1.0); informal early supplier involvement and design information for higher
  tiers (0.7); arm's-length lower-tier relations (0.3).
* More sophisticated knowledge (design, brand) is offered only once the supplier's process
  capability reaches 80% of its stage's requirement: transfer deepens as the supplier upgrades.
* ``SD``: supplier-development programmes of the supplier's country (targeted stages).
* Support institutions are a channel of their own (Lauridsen 2018 on Penang's skills centre
  and Taiwan's ITRI; extension services, standards bodies, training): a domestic firm is also
  offered ``iota (I_c + SI_cs) max(0, R_sk(t) - K_fk - T_fk)``, a share of what its buyer's
  offer leaves of its gap to the stage's current standard. Firms whose buyers transfer little
  -- arm's-length and unattached suppliers -- gain most; ``iota`` = ``INSTITUTION_RATE``.

Transfer is not diffusion: :mod:`absorption` decides how much is internalised.
Switch: ``mechanisms.transfer_rate = 0``. Observable: transferred knowledge by tier.
"""

from __future__ import annotations

import numpy as np

from gpnlab.simulate.jit import BUYER_AHEAD, kernel, prefetch
from gpnlab.simulate.mechanisms.specialisation import tacit_penalty
from gpnlab.simulate.model import Model
from gpnlab.simulate.state import BL, BRAND, DESIGN, LT, PROCESS, FirmView

CHANNEL_FORMAL = 1.0
CHANNEL_INFORMAL = 0.7
CHANNEL_ARMS_LENGTH = 0.3
INSTITUTION_RATE = 0.1


@kernel
def offer(
    f: FirmView,
    req: np.ndarray,
    profile: np.ndarray,
    tacit: np.ndarray,
    sd: np.ndarray,
    support: np.ndarray,
    rate: float,
    offered: np.ndarray,
) -> None:
    """One pass over firms: ``offered[f] = T_f + institutional offer`` (module docstring),
    ``f.received[f] = sum_k offered_fk``.

    ``req`` (S, D) current requirements, ``profile`` (S, D) requirement profile, ``tacit`` (S,)
    tacitness penalty of the distant channels, ``sd`` (G, S) supplier development by (supplier
    location, stage), ``support`` (G, S) institutions plus support-institution policy.
    """
    alive, buyer, inhouse, role, stage, home, loc, K, received = (
        f.alive, f.buyer, f.inhouse, f.role, f.stage, f.home, f.loc, f.K, f.received
    )  # fmt: skip
    D = K.shape[1]
    for i in range(K.shape[0]):
        if i + BUYER_AHEAD < K.shape[0] and buyer[i + BUYER_AHEAD] >= 0:
            nb = buyer[i + BUYER_AHEAD]
            prefetch(K, nb * D)
            prefetch(home, nb)
            prefetch(loc, nb)
        received[i] = 0.0
        for k in range(D):
            offered[i, k] = 0.0
        if not alive[i] or inhouse[i] or role[i] == BL:
            continue
        s = stage[i]
        b = buyer[i]
        domestic = home[i] == loc[i]
        if b < 0 and not domestic:
            continue  # no buyer and no institutions to learn from
        channel = 0.0
        if b >= 0:
            if home[b] != loc[b] and loc[b] == loc[i]:
                channel = CHANNEL_FORMAL
            else:
                channel = (CHANNEL_ARMS_LENGTH if role[i] == LT else CHANNEL_INFORMAL) * tacit[s]
        deep = K[i, PROCESS] >= 0.8 * req[s, PROCESS]
        boost = 1.0 + sd[loc[i], s]
        inst = INSTITUTION_RATE * support[loc[i], s] if domestic else 0.0
        total = 0.0
        for k in range(D):
            t = 0.0
            if b >= 0:
                gap = max(K[b, k] - K[i, k], 0.0)
                if k in (DESIGN, BRAND) and not deep:
                    gap = 0.0
                t = rate * channel * gap * profile[s, k] * boost
            t += inst * max(req[s, k] - K[i, k] - t, 0.0)
            offered[i, k] = t
            total += t
        received[i] = total


def transfer(m: Model) -> np.ndarray:
    """Return the (F, D) knowledge offered this quarter (also kept for absorption)."""
    f = m.firms
    if m.offered.shape != f.K.shape:
        m.offered = np.zeros_like(f.K)
    inst = m.instruments
    support = m.countries.institutions[:, None] + inst.table("support_institutions")
    offer(
        f.view(),
        m.requirement,
        m.stages.profile,
        tacit_penalty(m),  # specialisation: tacit knowledge travels badly off the formal channel
        inst.table("supplier_development"),
        np.ascontiguousarray(support),
        float(m.world.mechanisms.transfer_rate),
        m.offered,
    )
    return m.offered
