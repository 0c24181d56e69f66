"""The domestic share of intermediate inputs (``measure.tiva.domestic_input_use``), on a table
worked by hand and on the simulated panel's column."""

from __future__ import annotations

import numpy as np

from gpnlab.measure.tiva import domestic_input_share, domestic_input_use
from gpnlab.table import IOTable


def test_domestic_input_share_of_a_table_worked_by_hand() -> None:
    """Two countries A, B; two sectors m, s. Column (A, m) buys 10 + 4 at home (rows A-m,
    A-s) and 6 from B: 14 / 20 = 0.7. Column (B, s) buys 3 from A and 1 at home: 0.25.
    Column (A, s) buys nothing: undefined (NaN)."""
    labels = [("A", "m"), ("A", "s"), ("B", "m"), ("B", "s")]
    Z = np.zeros((4, 4))
    Z[0, 0], Z[1, 0], Z[2, 0] = 10.0, 4.0, 6.0  # into (A, m)
    Z[0, 3], Z[3, 3] = 3.0, 1.0  # into (B, s)
    Z[2, 2] = 2.0  # (B, m) buys from itself only: 1.0
    Y = np.full((4, 2), 50.0)
    t = IOTable.build(Z, Y, labels, [("A", "final"), ("B", "final")])
    share = domestic_input_share(t)
    np.testing.assert_allclose(share[0, 0], 0.7, rtol=1e-15)
    assert np.isnan(share[0, 1])
    np.testing.assert_allclose(share[1, 0], 1.0, rtol=1e-15)
    np.testing.assert_allclose(share[1, 1], 0.25, rtol=1e-15)
    domestic, total = domestic_input_use(t)
    np.testing.assert_allclose(total, [[20.0, 0.0], [2.0, 4.0]])
    np.testing.assert_allclose(domestic, [[14.0, 0.0], [2.0, 1.0]])


def test_panel_domestic_input_share_is_the_firms_domestic_purchases() -> None:
    """The simulated panel's column against the firms' ledger, counted without the table:
    stage inputs each chain plant bought from suppliers in its own country, plus the basic
    inputs and logistics it bought at home (service blocks), over all it bought."""
    from gpnlab.simulate import load_preset, simulate
    from gpnlab.simulate.config import scale_firms
    from gpnlab.simulate.record import emit_table

    r = simulate(scale_firms(load_preset("default"), 600), seed=3, periods=6, keep_model=True)
    m = r.model
    assert m is not None
    f = m.firms
    S, G = m.stages.S, m.G
    table = emit_table(m)
    # stage-to-stage purchases from the ledger: seller i sold contract_value[i] to sold_to[i]
    sup = np.flatnonzero(f.sold_to >= 0)
    b = f.sold_to[sup]
    home_buy = np.bincount(f.loc[b], f.contract_value[sup] * (f.loc[sup] == f.loc[b]), G)
    all_buy = np.bincount(f.loc[b], f.contract_value[sup], G)
    # service inputs (basic inputs, logistics) into the stage columns, from the table's rows
    N = table.N
    Z4 = table.Z.reshape(G, N, G, N)
    services = Z4[:, S:, :, :S]  # (from country, service, to country, stage)
    g = np.arange(G)
    home_buy += services[g, :, g, :].sum(axis=(1, 2))
    all_buy += services.sum(axis=(0, 1, 3))
    last = r.panel[r.panel.period == r.panel.period.max()]
    np.testing.assert_allclose(
        last["domestic_input_share"].to_numpy(), home_buy / all_buy, rtol=1e-10
    )
    assert 0.0 < last["domestic_input_share"].min() <= last["domestic_input_share"].max() <= 1.0
