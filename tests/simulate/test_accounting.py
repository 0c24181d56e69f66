"""The emitted table balances firm by firm, and its indicators are the panel's."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gpnlab.io import read_own
from gpnlab.measure import measure_all
from gpnlab.simulate.model import Model
from gpnlab.simulate.record import emit_table
from gpnlab.simulate.run import write_results
from tests.simulate.conftest import run, small_world


def test_table_balances_and_matches_firm_accounts() -> None:
    """x = Z1 + Y1 = 1'Z + taxes + va_basic exactly; each stage's row and column equal the
    firms' own books (sales; purchases of stage inputs, basic inputs and logistics; tariffs);
    the service sectors sell exactly what the firms bought from them."""
    res = run(small_world(), periods=6)
    m = res.model
    t = emit_table(m)
    f = m.firms
    np.testing.assert_allclose(t.x, t.Z.sum(1) + t.Y.sum(1), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(t.x, t.Z.sum(0) + t.tax_row + t.va_basic, rtol=1e-12, atol=1e-9)
    S, N = m.stages.S, t.N
    assert N == S + 2 and t.sectors[S:] == ["basic_inputs", "logistics"]
    key = f.loc.astype(int) * N + f.stage
    sales = np.bincount(key, f.sales, t.n)
    purchases = np.bincount(key, f.purchases, t.n)
    taxes = np.bincount(key, f.taxes, t.n)
    stage = (np.arange(t.n) % N) < S
    np.testing.assert_allclose(t.x[stage], sales[stage], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t.Z.sum(0)[stage], purchases[stage], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t.tax_row, taxes, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(t.va_basic[stage], (sales - purchases - taxes)[stage], atol=1e-9)
    assert (t.x[t.x != 0] > 0).all()
    # every producing stage buys inputs: value added below output wherever output is positive
    live = stage & (t.x > 0)
    assert (t.va_basic[live] < t.x[live]).all()
    # tariffs exist only where borders are crossed with a positive tariff
    assert t.tax_row[~stage].sum() == 0


def test_panel_trade_columns_equal_measure_on_emitted_table(tmp_path: Path) -> None:
    world = small_world()
    res = run(world, periods=6, mrio_every=3)
    write_results(res, world, tmp_path / "sim", seed=1, timers=res.model.timers)
    table = read_own(tmp_path / "sim" / "mrio" / "period=6")
    c = measure_all(table).country
    last = res.panel[res.panel.period == 6].set_index("country")
    np.testing.assert_allclose(last.gross_exports, c.gross_exports, rtol=1e-9)
    np.testing.assert_allclose(last.gvc_backward, c.gvc_backward, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(last.gvc_forward, c.gvc_forward, rtol=1e-9, atol=1e-9)
    share = (c.dva / c.gross_exports).to_numpy()
    np.testing.assert_allclose(last.dva_share.to_numpy(), share, rtol=1e-9, equal_nan=True)
    # the table round-trips its taxes row: DVA without it is the same on both sides
    assert table.taxes is not None and table.taxes.sum() > 0
    basic = (c.dva_basic / c.gross_exports).to_numpy()
    np.testing.assert_allclose(last.dva_share_basic.to_numpy(), basic, rtol=1e-9, equal_nan=True)


def test_a_quarter_without_flows_emits_an_empty_balanced_table() -> None:
    """Before any production nobody has sold anything: the table is all zeros and well typed
    (found by the config fuzzer: np.bincount of no flows returns integers)."""
    from gpnlab.simulate.config import scale_firms
    from gpnlab.simulate.init import build_model
    from gpnlab.simulate.presets import load_preset

    m = build_model(scale_firms(load_preset("default"), 500), seed=1)
    t = emit_table(m)
    assert t.Z.dtype == np.float64 and t.x.sum() == 0 and t.tax_row.sum() == 0


def test_formal_and_informal_productivity_share_the_wages_unit() -> None:
    """An informal worker produces ``informal_productivity`` in the unit a formal worker is paid
    the wage in (thousand per worker-quarter). The panel's wage bill per formal worker is the
    wage; the panel's productivity and validate's McMillan-Rodrik sectors must value formal and
    informal work in that same unit (they once added formal value added x 1000 to informal
    output, so an informal worker counted for a thousandth of what the parameter says)."""
    from gpnlab.validate.per_run import structural_sectors

    T = 6
    res = run(small_world(), periods=T, snapshots=[T])
    m, w = res.model, small_world()
    c = m.countries
    p = res.panel[res.panel.period == T].set_index("country").loc[c.codes]
    working = p.employment.to_numpy() > 0
    wage_per_worker = p.wage_bill.to_numpy()[working] / p.employment.to_numpy()[working]
    # the wage the quarter was paid at (wages move after production): the same unit, not 1e3
    assert np.all((wage_per_worker > c.wage[working] / 2) & (wage_per_worker < 2 * c.wage[working]))
    expected = (p.value_added.to_numpy() + c.informal * w.informal_productivity) / c.labour_force
    np.testing.assert_allclose(p.productivity.to_numpy(), expected, rtol=1e-9)
    sectors = structural_sectors(res.firms, {T: c.informal}, w, [T])
    by = sectors.assign(formal=sectors.sector != "informal").groupby(["country", "formal"])
    tot = by[["value_added", "employment"]].sum()
    informal = tot.xs(False, level="formal")
    informal = informal[informal.employment > 0]
    np.testing.assert_allclose(
        informal.value_added / informal.employment, w.informal_productivity, rtol=1e-12
    )
    formal = tot.xs(True, level="formal")
    formal = formal[formal.employment > 0]
    panel_va_per_worker = (p.value_added / p.employment).loc[formal.index]
    np.testing.assert_allclose(
        formal.value_added / formal.employment, panel_va_per_worker, rtol=1e-6
    )


def test_the_informal_sector_is_counted_from_period_0() -> None:
    """McMillan-Rodrik starts at period 0: its informal sector must be the labour pool less the
    formal jobs of the network the warm-up formed, not empty (it once was zero until the first
    quarter's labour step, so workers seemed to enter informality from nowhere)."""
    seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def look(m: Model) -> None:
        if m.period == 0:
            f = m.firms
            working = f.alive & (f.employment > 0)
            formal = np.bincount(f.loc[working], f.employment[working], m.G) / 1e3
            seen[0] = (m.countries.informal.copy(), m.countries.labour_force - formal)

    run(small_world(), periods=1, on_period=look)
    informal, expected = seen[0]
    np.testing.assert_allclose(informal, np.maximum(expected, 0.0), rtol=1e-12)
    assert (informal > 0).any()
