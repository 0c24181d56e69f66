"""Country / sector groups and panels over years (issue 13, items 4 and 5)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from gpnlab.errors import InputError
from gpnlab.io import write_own
from gpnlab.measure import measure_all
from gpnlab.measure.blocks import ExportAccounts
from gpnlab.measure.groups import (
    COUNTRY_GROUPS,
    country_mapping,
    exact_group_vax,
    parse_group_option,
    predefined_groups,
    sector_group,
)
from gpnlab.measure.indicators import measure_with_groups
from gpnlab.measure.panel import entry_year, is_panel_folder, panel, year_entries
from gpnlab.measure.tiva import value_added_trade_matrix
from gpnlab.synthetic import random_table
from tests.conftest import WIOD, needs_shared
from tests.io.helpers import GPNLAB


# ---------------------------------------------------------------- groups
def test_a_one_member_group_is_the_country():
    """Aggregating one country to a group changes nothing: every country column is equal."""
    t = random_table(4, 3, seed=11)
    ind, notes = measure_with_groups(t, groups={"G1": ("C02",)}, strict_groups=["G1"])
    got = ind.country.loc["G1"].drop("entity").astype(float)
    want = ind.country.loc["C02"].drop("entity").astype(float)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-10, atol=1e-9)
    assert "(+0.00%)" in notes[-1]


def test_group_exports_are_the_members_exports_outside_the_group():
    """Group gross exports = members' bilateral gross exports to non-members (exact)."""
    t = random_table(5, 3, seed=3)
    members = ("C01", "C03")
    ind, _ = measure_with_groups(t, groups={"G": members}, strict_groups=["G"])
    bil = measure_all(t).bilateral
    gexp = bil[(bil.term == "GEXP") & bil.exporter.isin(members) & ~bil.importer.isin(members)]
    assert ind.country.loc["G", "gross_exports"] == pytest.approx(gexp.value.sum(), rel=1e-12)
    # the members keep their member-level numbers
    alone = measure_all(t).country
    np.testing.assert_allclose(
        ind.country.loc[list(members), "dva"].astype(float), alone.loc[list(members), "dva"]
    )


def test_exact_group_vax_against_the_value_added_trade_matrix():
    """The note's exact VAX equals the VA-trade matrix summed over member origins and
    non-member destinations (an independent computation through ExportAccounts)."""
    t = random_table(5, 4, seed=8)
    members = ["C02", "C04", "C05"]
    ind = measure_all(t)
    assert ind.system is not None
    vat = value_added_trade_matrix(ExportAccounts(t, ind.system))
    outside = [c for c in t.countries if c not in members]
    want = vat.loc[members, outside].to_numpy().sum()
    assert exact_group_vax(t, ind.system.B, members) == pytest.approx(want, rel=1e-10)


def test_group_notes_name_the_bias():
    t = random_table(5, 4, seed=8)
    _, notes = measure_with_groups(t, groups={"BLOC": ("C02", "C04")}, strict_groups=["BLOC"])
    assert any("not the aggregate" in n and "BLOC" in n for n in notes)


def test_predefined_groups_and_aliases():
    for name, codes in COUNTRY_GROUPS.items():
        assert len(set(codes)) == len(codes), name
        assert all(len(c) == 3 and c.isupper() for c in codes), name
    assert len(COUNTRY_GROUPS["eu27"]) == 27 and "GBR" not in COUNTRY_GROUPS["eu27"]
    assert set(COUNTRY_GROUPS["eu28"]) - set(COUNTRY_GROUPS["eu27"]) == {"GBR"}
    assert len(COUNTRY_GROUPS["asean"]) == 10
    g = predefined_groups("EU27, usmca")
    assert list(g) == ["EU27", "USMCA"]
    with pytest.raises(InputError, match="unknown predefined group"):
        predefined_groups("eu26")


def test_alias_and_absent_members():
    """A predefined list skips absent members with a note; Romania is ROM in WIOD 2013."""
    t = random_table(3, 2, seed=1)
    t = t.aggregate(countries={"C01": "ROM", "C02": "FRA", "C03": "USA"})
    mapping, notes = country_mapping(t, {"EU27": COUNTRY_GROUPS["eu27"]})
    assert mapping == {"ROM": "EU27", "FRA": "EU27"}
    assert "2 of 27 members" in notes[0]
    with pytest.raises(InputError, match="not in the table"):
        country_mapping(t, {"X": ("FRA", "DEU")}, strict={"X"})
    with pytest.raises(InputError, match="no member"):
        country_mapping(t, {"ASEAN": COUNTRY_GROUPS["asean"]})


def test_bad_group_options():
    assert parse_group_option("AND=BOL, COL,ECU") == ("AND", ("BOL", "COL", "ECU"))
    for bad in ("AND", "=BOL", "AND=", "AND=,"):
        with pytest.raises(InputError, match="malformed group"):
            parse_group_option(bad)
    t = random_table(4, 2, seed=2)
    with pytest.raises(InputError, match="in two groups"):
        measure_with_groups(t, groups={"A": ("C01", "C02"), "B": ("C02", "C03")})
    with pytest.raises(InputError, match="is a country of the table"):
        measure_with_groups(t, groups={"C04": ("C01", "C02")}, strict_groups=["C04"])


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("c1", "primary"),
        ("c3", "manufacturing"),
        ("c16", "manufacturing"),
        ("c17", "utilities_construction"),
        ("c19", "services"),
        ("c35", "services"),
        ("C10T12", "manufacturing"),  # ICIO 2023
        ("D10T12", "manufacturing"),  # ICIO 2016-2021 prefix every code with D
        ("D01T02", "primary"),
        ("D35", "utilities_construction"),
        ("D45", "services"),
        ("A01", "primary"),  # WIOD 2016
        ("C10-C12", "manufacturing"),
        ("G46", "services"),
        ("F", "utilities_construction"),
        ("TOTAL", None),
        ("s01", None),
    ],
)
def test_sector_groups_follow_isic(code, group):
    assert sector_group(code) == group


def test_sector_groups_keep_output():
    t = random_table(3, 4, seed=4)
    t = t.aggregate(sectors={"s01": "c3", "s02": "c4", "s03": "c20", "s04": "c1"})
    ind, notes = measure_with_groups(t, sector_groups=["manufacturing"])
    man = ind.sector.xs("manufacturing", level="sector")
    members = ind.sector.loc[(slice(None), ["c3", "c4"]), "output"].groupby(level=0).sum()
    np.testing.assert_allclose(man.output.to_numpy(), members.loc[man.index].to_numpy())
    assert any("sector groups manufacturing" in n for n in notes)


# ---------------------------------------------------------------- panels
def _years_folder(root, years=(1995, 2000, 2005)):
    root.mkdir()
    for k, y in enumerate(years):
        write_own(random_table(3, 2, seed=20 + k), root / str(y))
    return root


def test_entry_year_is_the_last_token():
    assert entry_year("ICIO2021_2018.csv") == 2018
    assert entry_year("2011") == 2011
    assert entry_year("WIOT2014_Nov16_ROW") == 2014
    assert entry_year("tables") is None
    assert entry_year("run12345") is None


def test_panel_equals_each_year_alone(tmp_path):
    folder = _years_folder(tmp_path / "years")
    assert is_panel_folder(folder) and not is_panel_folder(folder / "2000")
    p = panel(folder, workers=1)
    assert p.years == [1995, 2000, 2005]
    assert list(p.country.columns[:2]) == ["year", "country"]
    from gpnlab.io.formats import read_table

    for y in p.years:
        alone = measure_all(read_table(folder / str(y), "own")).country.reset_index()
        got = p.country[p.country.year == y].drop(columns="year").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone, check_exact=True)


def test_panel_same_bits_with_workers(tmp_path):
    folder = _years_folder(tmp_path / "years")
    one = panel(folder, workers=1, with_wwz=True)
    two = panel(folder, workers=2, with_wwz=True)
    for name in ("country", "sector", "bilateral", "kww", "wwz"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)


def test_panel_refuses_duplicate_and_missing_years(tmp_path):
    folder = _years_folder(tmp_path / "years")
    write_own(random_table(3, 2, seed=1), folder / "table_2000_copy")
    with pytest.raises(InputError, match="two tables for year 2000"):
        year_entries(folder)
    folder2 = _years_folder(tmp_path / "y2")
    with pytest.raises(InputError, match="no table for year 1999"):
        panel(folder2, years=[1995, 1999])


def test_panel_cli(tmp_path):
    folder = _years_folder(tmp_path / "years")
    out = tmp_path / "out"
    r = subprocess.run(
        [str(GPNLAB), "measure", str(folder), "--out", str(out), "--years", "2000-2005",
         "--group", "AB=C01,C02", "--no-figures"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    country = pd.read_csv(out / "country.csv")
    assert sorted(country.year.unique()) == [2000, 2005]
    assert set(country[country.entity == "group"].country) == {"AB"}
    assert set(pd.read_parquet(out / "bilateral.parquet").year.unique()) == {2000, 2005}
    meta = json.loads((out / "meta.json").read_text())
    assert meta["years"] == [2000, 2005] and any("group AB" in n for n in meta["notes"])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--years", "nineteen"], "--years"),
        (["--years", "1990"], "--years"),
        (["--groups", "eu26"], "--groups"),
        (["--group", "AB"], "--group"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_panel_cli_bad_options(tmp_path, args, field):
    folder = _years_folder(tmp_path / "years")
    out = tmp_path / "out"
    r = subprocess.run(
        [str(GPNLAB), "measure", str(folder), "--out", str(out), *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 2, r.stdout + r.stderr
    assert field in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.shared
@needs_shared(WIOD)
def test_all_wiod_years_through_the_panel_command(tmp_path):
    """All 17 WIOD years: every country's Borin-Mancini and KWW terms add up to its gross
    exports at 1e-9, per year, as written by ``gpnlab measure FOLDER``."""
    out = tmp_path / "panel"
    r = subprocess.run(
        [str(GPNLAB), "measure", str(WIOD), "--out", str(out), "--no-figures"],
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    c = pd.read_csv(out / "country.csv")
    assert sorted(c.year.unique()) == list(range(1995, 2012))
    assert c.groupby("year").size().eq(41).all()
    parts = c.dva + c.fva + c.ddc + c.fdc
    np.testing.assert_allclose(parts, c.gross_exports, rtol=1e-9)
    np.testing.assert_allclose(c.vax + c.ref, c.dva, rtol=1e-9)
    k = pd.read_csv(out / "kww.csv")
    terms = k.drop(columns=["year", "country", "gross_exports"]).sum(axis=1)
    np.testing.assert_allclose(terms, k.gross_exports, rtol=1e-9)
