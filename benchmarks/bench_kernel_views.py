"""A kernel called with a ``FirmView`` against the same loop called with flat arrays.

The kernels take the firm arrays as one :class:`~gpnlab.simulate.state.FirmView` (a named tuple
of the ``Firms`` arrays; numba compiles the attribute access statically) instead of 10-36
positional arrays. This measures what that costs on one hot kernel, ``production.prices``, at
1e6 firms of the default world after one period (so that volumes, buyers and matches are
those of a run), in the same process:

* ``flat arrays`` -- the named baseline: the loop body of ``prices`` with each firm array a
  positional argument, as the kernels were called before (``prices_flat`` below, this
  script's only copy of it), compiled with the same settings (no fastmath, nogil);
* ``FirmView``   -- ``production.prices`` as the simulator calls it.

Each is called once to compile (warm-up), then timed best of five, the two alternating
(outputs zeroed before each call, outside the timing); both must give the same bits. Prints
the time of each and the ratio view / flat (1.0: no cost; below 1: faster).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numba
import numpy as np

from gpnlab.simulate import load_preset
from gpnlab.simulate.config import scale_firms
from gpnlab.simulate.init import build_model
from gpnlab.simulate.mechanisms.capability import agglomeration_saving, unit_labour_costs
from gpnlab.simulate.mechanisms.market_power import margins
from gpnlab.simulate.mechanisms.production import LOCAL_CONTENT_COMPLIANCE, ODM_PREMIUM, prices
from gpnlab.simulate.mechanisms.supplies import material_rates
from gpnlab.simulate.state import members_by_stage
from gpnlab.simulate.step import step, warm_up


@numba.njit(cache=False, nogil=True, fastmath=False)
def prices_flat(
    stage: np.ndarray,
    loc: np.ndarray,
    buyer: np.ndarray,
    units: np.ndarray,
    ulc: np.ndarray,
    compliance: np.ndarray,
    markup: np.ndarray,
    odm: np.ndarray,
    materials: np.ndarray,
    mat_logistics: np.ndarray,
    mat_tax: np.ndarray,
    tariff: np.ndarray,
    logistics: np.ndarray,
    members: np.ndarray,
    bounds: np.ndarray,
    order: np.ndarray,
    price: np.ndarray,
    purchases: np.ndarray,
    taxes: np.ndarray,
) -> None:
    """``production.prices`` with flat positional arrays (the signature before FirmView)."""
    F = buyer.size
    input_cost = np.zeros(F)
    val_b = np.zeros(F)
    tax_b = np.zeros(F)
    cost_b = np.zeros(F)
    for s in order:
        here = members[bounds[s] : bounds[s + 1]]
        for i in here:
            g = loc[i]
            mat = materials[s] * units[i]
            purchases[i] += mat * (1.0 + mat_logistics[g])
            taxes[i] += mat * mat_tax[g]
            mat_unit = materials[s] * (1.0 + mat_logistics[g] + mat_tax[g])
            mu = markup[i] * (1.0 + ODM_PREMIUM * (1.0 if odm[i] else 0.0))
            price[i] = (input_cost[i] + mat_unit + ulc[i] * compliance[i]) * (1 + mu)
        for i in here:
            b = buyer[i]
            if b >= 0 and units[i] > 0:
                val = units[i] * price[i]
                freight = 0.0
                tax = 0.0
                if loc[i] != loc[b]:
                    freight = val * (logistics[loc[b]] + logistics[loc[i]])
                    tax = val * tariff[loc[b]]
                val_b[b] += val + freight
                tax_b[b] += tax
                cost_b[b] += val + freight + tax
        for i in here:
            b = buyer[i]
            if b >= 0 and units[i] > 0:
                purchases[b] += val_b[b]
                taxes[b] += tax_b[b]
                if units[b] > 0:
                    input_cost[b] += cost_b[b] / max(units[b], 1e-300)
                val_b[b] = 0.0
                tax_b[b] = 0.0
                cost_b[b] = 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    m = build_model(scale_firms(load_preset("default"), args.firms), seed=1)
    warm_up(m)
    step(m)  # one period: buyers, volumes and matches of a run
    f, st, c = m.firms, m.stages, m.countries
    members, bounds = members_by_stage(f.alive, f.stage, st.S)
    order = st.graph[0]
    ulc = unit_labour_costs(f.view(), c.wage, st.labour, agglomeration_saving(m))
    lc = m.instruments.effect("local_content")
    compliance = 1 + LOCAL_CONTENT_COMPLIANCE * lc[f.loc] * (f.home != f.loc)
    tariff = m.instruments.effect("tariff_intermediate")
    logistics = m.instruments.effect("logistics_cost")
    mat_logistics, mat_tax = material_rates(m.material_origin, tariff, logistics)
    shared = (margins(m), st.materials, mat_logistics, mat_tax, tariff, logistics)

    def run_view() -> None:
        # final = -1: every leg crosses borders as in the flat copy (the same arithmetic)
        prices(f.view(), ulc, compliance, *shared, members, bounds, order, -1)

    out = (np.zeros(f.size), np.zeros(f.size), np.zeros(f.size))

    def run_flat() -> None:
        markup, materials = shared[:2]
        prices_flat(
            f.stage, f.loc, f.buyer, f.units, ulc, compliance, markup, f.odm, materials,
            mat_logistics, mat_tax, tariff, logistics, members, bounds, order, *out,
        )  # fmt: skip

    def reset() -> None:
        for a in (f.price, f.purchases, f.taxes, *out):
            a[:] = 0.0

    def timed(fn: Callable[[], None]) -> float:
        reset()
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    reset()
    run_view()  # warm-up: compile (or load from the cache)
    run_flat()
    same = all(
        np.array_equal(a, b) for a, b in zip((f.price, f.purchases, f.taxes), out, strict=True)
    )
    # the two alternate, so that a noisy neighbour slows both alike
    t_flat, t_view = [], []
    for _ in range(args.repeats):
        t_flat.append(timed(run_flat))
        t_view.append(timed(run_view))
    flat, view = min(t_flat), min(t_view)
    n = int(f.alive.sum())
    print(f"production.prices, {n:,} alive firms ({f.size:,} slots), best of {args.repeats}")
    print(f"{'flat arrays (baseline)':<24}{flat * 1e3:>10.2f} ms")
    print(f"{'FirmView':<24}{view * 1e3:>10.2f} ms")
    print(f"view / flat: {view / flat:.3f}   same bits: {same}")


if __name__ == "__main__":
    main()
