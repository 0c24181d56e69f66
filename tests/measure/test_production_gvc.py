"""WWYZ (2017a, b) production-based participation, length and position.

Identities as property tests on random productive tables; an independent brute-force oracle
(explicit sums of matrix powers classified by border crossings, ``_brute_paths.py``) on small
tables; WIOD 2011 identities and magnitudes (needs ../shared).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpnlab.io import read_table
from gpnlab.measure import ExportAccounts, leontief_system, production_participation
from gpnlab.measure.production_gvc import BACKWARD_PARTS, FORWARD_PARTS, production_terms
from gpnlab.synthetic import random_table
from tests.conftest import WIOD, needs_shared
from tests.measure._brute_paths import brute_force

RTOL = 1e-9

tables = st.builds(
    random_table,
    countries=st.integers(2, 5),
    sectors=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
    zero_sectors=st.integers(0, 1),
    negative_inventories=st.booleans(),
)
positive_tables = st.builds(
    random_table,
    countries=st.integers(2, 5),
    sectors=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
    zero_sectors=st.integers(0, 1),
)
settings.register_profile(
    "gpnlab", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("gpnlab")


def close(a: object, b: object, scale: float) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=RTOL * max(scale, 1.0))


@given(tables)
def test_four_parts_add_up_to_value_added_and_final_goods(table) -> None:
    t = production_terms(leontief_system(table))
    scale = float(np.abs(table.va).sum())
    close(sum(t[k] for k in FORWARD_PARTS), table.va, scale)
    close(sum(t[k] for k in BACKWARD_PARTS), table.Yd.sum(axis=1), scale)
    close(t["V_GVC"], t["V_GVC_S"] + t["V_GVC_C"], scale)
    close(t["Y_GVC"], t["Y_GVC_S"] + t["Y_GVC_C"], scale)
    # the same n x n matrices summed by row and by column: equal world totals
    for f, b in zip(FORWARD_PARTS, BACKWARD_PARTS, strict=True):
        close(t[f].sum(), t[b].sum(), scale)
    # pure domestic and traditional trade are the same matrix entries on both sides by country
    G, N = table.G, table.N
    close(t["V_D"].reshape(G, N).sum(1), t["Y_D"].reshape(G, N).sum(1), scale)


@given(tables)
def test_output_induced_splits_into_domestic_trade_and_gvc(table) -> None:
    """``V̂BBŶ = V̂LLŶ^D + V̂LLŶ^F + V̂(BB - LL)Ŷ``: the total length is computed from ``B B y``
    alone, its parts from the local inverses and the three GVC segments."""
    t = production_terms(leontief_system(table))
    scale = float(np.abs(t["Xv"]).sum())
    for s in ("v", "y"):
        close(t[f"X{s}"], t[f"X{s}_D"] + t[f"X{s}_RT"] + t[f"X{s}_GVC"], scale)
        close(t[f"X{s}"].sum(), t["Xy" if s == "v" else "Xv"].sum(), scale)
    # forward total output induced by a sector's value added is v_i (B x)_i
    close(t["Xv"], leontief_system(table).v * (leontief_system(table).B @ table.x), scale)


@given(positive_tables)
def test_lengths_at_least_one_where_defined(table) -> None:
    """With nonnegative final demand every stage count is at least its minimum: one stage for
    any chain, the domestic segment and one border crossing for a GVC chain (so at least two
    stages), zero or more foreign stages."""
    country, sector = production_participation(leontief_system(table))
    eps = 1e-12
    for df in (country, sector):
        for col in (
            "PLv",
            "PLv_D",
            "PLv_RT",
            "PLv_GVC_D",
            "CBv_GVC",
            "PLy",
            "PLy_D",
            "PLy_RT",
            "PLy_GVC_D",
            "CBy_GVC",
        ):
            vals = df[col].dropna().to_numpy()
            assert np.all(vals >= 1 - eps), col
        for col in ("PLv_GVC", "PLy_GVC", "PLv_GVC_S", "PLy_GVC_S", "PLv_GVC_C", "PLy_GVC_C"):
            assert np.all(df[col].dropna().to_numpy() >= 2 - eps), col
        # a simple GVC chain crosses exactly once; a complex chain's production part at least
        # once (its final good may cross too, which is no production stage)
        assert np.all(df["PLv_GVC_F"].dropna() >= -eps)
        for col in ("gvc_forward", "gvc_backward"):
            vals = df[col].dropna().to_numpy()
            assert np.all((vals >= -eps) & (vals <= 1 + eps)), col
        close(df["PLv_GVC"], df["PLv_GVC_D"] + df["CBv_GVC"] + df["PLv_GVC_F"], 10.0)
        close(df["PLv_GVC_I"], df["CBv_GVC"] + df["PLv_GVC_F"], 10.0)
    # dead sectors: no value added, no final goods, so undefined lengths
    dead = table.x == 0
    assert sector.loc[dead, ["PLv", "PLy", "gvc_forward"]].isna().all().all()


@given(tables)
def test_country_frame_is_sum_of_sectors(table) -> None:
    country, sector = production_participation(ExportAccounts(table))
    money = ["value_added", "final_goods", *FORWARD_PARTS, "V_GVC", *BACKWARD_PARTS, "Y_GVC"]
    scale = float(np.abs(table.va).sum())
    summed = sector[money].groupby(level="country", sort=False).sum()
    close(summed.loc[country.index].to_numpy(), country[money].to_numpy(), scale)
    np.testing.assert_allclose(
        country["gvc_forward"], country["V_GVC"] / country["value_added"], rtol=1e-12
    )
    # a country's value added is its GDP
    close(country["value_added"], table.gdp().loc[country.index], scale)


def test_system_accounts_and_table_give_the_same_frames() -> None:
    table = random_table(4, 3, seed=3, zero_sectors=1)
    system = leontief_system(table)
    a = production_participation(system)
    b = production_participation(ExportAccounts(table, system))
    c = production_participation(table)
    for x, y, z in zip(a, b, c, strict=True):
        np.testing.assert_array_equal(x.to_numpy(), y.to_numpy())
        np.testing.assert_array_equal(x.to_numpy(), z.to_numpy())
    assert list(a[0].index) == table.countries
    assert a[1].index.equals(table.labels)


def test_no_intermediate_trade_means_no_gvc() -> None:
    """Without foreign inputs (A^F = 0) nothing crosses a border for production: the GVC parts
    are zero, GVC lengths undefined; the final-goods exports remain traditional trade."""
    table = random_table(3, 2, seed=4, foreign_share=0.0)
    t = production_terms(leontief_system(table))
    for k in ("V_GVC_S", "V_GVC_C", "Y_GVC_S", "Y_GVC_C", "Ev_GVC", "Xv_GVC"):
        assert np.all(np.abs(t[k]) <= 1e-12 * table.va.sum()), k
    assert t["V_RT"].sum() > 0
    country, _ = production_participation(leontief_system(table))
    assert country["PLv_GVC"].isna().all() and country["gvc_position"].isna().all()


@pytest.mark.parametrize(
    ("G", "N", "seed", "zero", "inventories"),
    [
        (2, 1, 0, 0, False),
        (3, 2, 1, 0, False),
        (3, 2, 2, 1, True),
        (3, 2, 7, 0, True),
        (4, 3, 5, 1, False),
        (2, 3, 11, 0, True),
    ],
)
def test_against_brute_force_path_sums(
    G: int, N: int, seed: int, zero: int, inventories: bool
) -> None:
    """Every numerator against the explicit power series, to 1e-9 of total value added."""
    table = random_table(G, N, seed=seed, zero_sectors=zero, negative_inventories=inventories)
    ours = production_terms(leontief_system(table))
    oracle = brute_force(table)
    scale = float(np.abs(table.va).sum())
    assert set(oracle) <= set(ours)
    for key, val in oracle.items():
        np.testing.assert_allclose(ours[key], val, rtol=0, atol=1e-9 * scale, err_msg=key)
    # and the oracle itself satisfies the stage identity it was not built to satisfy
    np.testing.assert_allclose(
        oracle["Xv"],
        oracle["Xv_D"]
        + oracle["Xv_RT"]
        + oracle["Xv_GVC_D"]
        + oracle["Ev_GVC"]
        + oracle["Xv_GVC_F"],
        rtol=0,
        atol=1e-9 * scale,
    )


@pytest.fixture(scope="module")
def wiod2011():
    path = WIOD / "2011"
    if not path.exists():
        pytest.skip(f"{path} not found: the shared data folder is not beside the repo")
    table = read_table(path, "own")
    system = leontief_system(table)
    return table, system, production_terms(system), production_participation(system)


@pytest.mark.shared
@needs_shared(WIOD)
def test_wiod_2011_identities(wiod2011) -> None:
    table, _system, t, _frames = wiod2011
    scale = float(table.va.sum())
    close(sum(t[k] for k in FORWARD_PARTS), table.va, scale)
    close(sum(t[k] for k in BACKWARD_PARTS), table.Yd.sum(axis=1), scale)
    close(t["Xv"], t["Xv_D"] + t["Xv_RT"] + t["Xv_GVC"], float(t["Xv"].sum()))
    close(t["Xy"], t["Xy_D"] + t["Xy_RT"] + t["Xy_GVC"], float(t["Xy"].sum()))


@pytest.mark.shared
@needs_shared(WIOD)
def test_wiod_2011_magnitudes(wiod2011) -> None:
    """Plausible magnitudes, bounds set around the values computed here (world shares D 80.3 %,
    RT 6.3 %, simple 8.4 %, complex 5.0 %; PLv_GVC 4.17); not checked against published UIBE
    figures, which were not reachable (docs/production_gvc.md)."""
    table, _system, t, (country, sector) = wiod2011
    W = {k: float(v.sum()) for k, v in t.items()}
    share = {k: W[k] / W["va"] for k in FORWARD_PARTS}
    assert 0.75 < share["V_D"] < 0.85
    assert 0.10 < share["V_GVC_S"] + share["V_GVC_C"] < 0.16
    assert share["V_GVC_S"] > share["V_GVC_C"] > 0.03
    assert 3.5 < W["Xv_GVC"] / W["V_GVC"] < 5.0
    assert 1.5 < W["Xv_D"] / W["V_D"] < W["Xv_GVC"] / W["V_GVC"]
    # small open economies participate more than large ones
    assert country.loc["LUX", "gvc_forward"] > country.loc["DEU", "gvc_forward"]
    assert country.loc["DEU", "gvc_forward"] > country.loc["USA", "gvc_forward"]
    assert country.loc["CHN", "gvc_backward"] > country.loc["USA", "gvc_backward"]
    # position centred near one: forward and backward chains of similar length
    pos = country["gvc_position"]
    assert pos.between(0.8, 1.25).all()
    # undefined exactly where there is no value added (22 zero-output sectors, 1 with va = 0)
    assert sector["PLv"].isna().to_numpy().tolist() == (table.va == 0).tolist()
    assert int((table.x == 0).sum()) == 22
