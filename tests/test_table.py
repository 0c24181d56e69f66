"""The IOTable type: construction, padding, output rules, aggregation, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from gpnlab.errors import InputError
from gpnlab.measure import ExportAccounts, bm_source
from gpnlab.synthetic import random_table
from gpnlab.table import IOTable, TableWarning


def small() -> IOTable:
    Z = np.array([[10.0, 5, 2], [3, 20, 4], [1, 2, 8]])
    Y = np.array([[30.0, 5], [10, 40], [2, 20]])
    return IOTable.build(Z, Y, [("A", "s1"), ("A", "s2"), ("B", "s1")], [("A", "F"), ("B", "F")])


def test_countries_with_fewer_sectors_are_padded_with_zero_output() -> None:
    t = small()
    assert t.countries == ["A", "B"] and t.sectors == ["s1", "s2"]
    assert t.n == 4
    assert t.x[3] == 0 and np.all(t.Z[3] == 0) and np.all(t.Z[:, 3] == 0)
    np.testing.assert_allclose(t.x, t.Z.sum(1) + t.Y.sum(1))
    np.testing.assert_allclose(t.x, t.Z.sum(0) + t.va)
    # the label lists build hands over equal those read back from the padded labels
    assert t.countries == list(dict.fromkeys(t.labels.get_level_values(0)))
    assert t.sectors == list(dict.fromkeys(t.labels.get_level_values(1)))
    assert t.categories == list(dict.fromkeys(t.fd_labels.get_level_values(1))) == ["F"]
    with pytest.warns(TableWarning, match="produce nothing"):
        dest = IOTable.build(
            np.eye(2), np.ones((2, 2)), [("A", "s1"), ("A", "s2")], [("A", "F"), ("C", "F")]
        )
    assert dest.countries == ["A", "C"] == list(dict.fromkeys(dest.labels.get_level_values(0)))


def test_output_rule_given_keeps_published_output() -> None:
    Z = np.array([[1.0, 2], [3, 4]])
    Y = np.array([[5.0], [6]])
    labels = [("A", "s"), ("B", "s")]
    given = IOTable.build(Z, Y, labels, [("A", "F")], x=[9.0, 13.5], output="given")
    rows = IOTable.build(Z, Y, labels, [("A", "F")], x=[9.0, 13.5], output="rowsums")
    np.testing.assert_array_equal(given.x, [9.0, 13.5])
    np.testing.assert_array_equal(rows.x, [8.0, 13.0])
    assert given.row_gap()[1] == pytest.approx(0.5)


def test_group_is_a_new_exporter_not_a_sum() -> None:
    t = random_table(4, 3, seed=7)
    grouped = t.aggregate(countries={"C01": "G1", "C02": "G1"})
    assert grouped.countries == ["G1", "C03", "C04"]
    np.testing.assert_allclose(grouped.Z.sum(), t.Z.sum())
    np.testing.assert_allclose(grouped.gdp()["G1"], t.gdp()[["C01", "C02"]].sum())
    members = bm_source(ExportAccounts(t), "country").loc[["C01", "C02"], "GEXP"].sum()
    group = bm_source(ExportAccounts(grouped), "country").loc["G1", "GEXP"]
    assert group < members  # trade between members is now domestic
    np.testing.assert_allclose(grouped.x, grouped.Z.sum(1) + grouped.Y.sum(1))


def test_sector_aggregation_keeps_identities() -> None:
    t = random_table(3, 4, seed=3)
    agg = t.aggregate(sectors={"s01": "primary", "s02": "primary"})
    assert agg.N == 3
    np.testing.assert_allclose(agg.x, agg.Z.sum(1) + agg.Y.sum(1))
    np.testing.assert_allclose(agg.x, agg.Z.sum(0) + agg.va)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"Z": np.ones((2, 3))}, "square"),
        ({"Z": np.array([[1.0, np.nan], [0, 1]])}, "NaN"),
        ({"Z": np.array([[1.0, np.inf], [0, 1]])}, "infinite"),
        ({"Z": np.array([[1.0, -2.0], [0, 1]])}, "negative intermediate"),
        ({"labels": [("A", "s")]}, "row labels"),
        ({"labels": [("A", "s"), ("A", "s")]}, "duplicated"),
        ({"Y": np.ones((3, 1))}, "shape"),
    ],
)
def test_bad_tables_raise_one_clear_error(kwargs: dict, message: str) -> None:
    args = {
        "Z": np.array([[1.0, 2], [3, 4]]),
        "Y": np.array([[5.0], [6]]),
        "labels": [("A", "s"), ("B", "s")],
        "fd_labels": [("A", "F")],
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=message) as info:
        IOTable.build(args["Z"], args["Y"], args["labels"], args["fd_labels"])
    assert "\n" not in str(info.value) and "fix:" in str(info.value)


def test_unproductive_table_is_rejected() -> None:
    from gpnlab.measure import leontief

    Z = np.array([[5.0, 9], [9, 5]])
    Y = np.array([[-4.0], [-4]])  # inputs exceed output: rho(A) > 1
    t = IOTable.build(Z, Y, [("A", "s"), ("B", "s")], [("A", "F")])
    with pytest.raises(InputError, match="not productive"):
        leontief(t)


def test_zero_export_shares_are_nan_not_errors() -> None:
    from gpnlab.measure import measure_all

    Z = np.array([[1.0, 0], [0, 1]])
    Y = np.array([[5.0, 0], [0, 6]])  # autarky: no exports at all
    t = IOTable.build(Z, Y, [("A", "s"), ("B", "s")], [("A", "F"), ("B", "F")])
    c = measure_all(t).country
    assert (c.gross_exports == 0).all()
    assert c.vax_ratio.isna().all() and c.gvc_backward_share.isna().all()


def test_unknown_code_in_aggregation_mapping() -> None:
    t = random_table(3, 2, seed=1)
    with pytest.raises(InputError, match="country 'XX'"):
        t.aggregate(countries={"XX": "G"})
    with pytest.raises(InputError, match="sector 'zz'"):
        t.aggregate(sectors={"zz": "G"})


def test_label_layout_is_remembered_per_label_object_only() -> None:
    """Tables built on the same label objects share the worked-out layout; other label objects
    (even equal ones, or the same labels in another order) get their own, and changing one
    table's lists does not leak into the next table."""
    import pandas as pd

    rows = pd.MultiIndex.from_product([["A", "B"], ["s1", "s2"]], names=["country", "sector"])
    cols = pd.MultiIndex.from_product([["A", "B"], ["F"]], names=["country", "category"])
    Z, Y = np.eye(4), np.ones((4, 2))
    first = IOTable.build(Z, Y, rows, cols)
    first.countries.append("X")
    again = IOTable.build(Z, Y, rows, cols)
    assert again.countries == ["A", "B"] and again.labels is rows
    swapped = pd.MultiIndex.from_tuples(
        [("B", "s1"), ("B", "s2"), ("A", "s1"), ("A", "s2")], names=["country", "sector"]
    )
    other = IOTable.build(Z, Y, swapped, cols)
    assert other.countries == ["B", "A"]
    np.testing.assert_allclose(other.x, Z.sum(1) + Y.sum(1))


# ---------------------------------------------------------------- issue 9: refused or noted
def test_empty_table_and_no_final_demand_are_one_line() -> None:
    with pytest.raises(InputError, match=r"the table is empty \(Z is 0 x 0\)"):
        IOTable.build(np.zeros((0, 0)), np.zeros((0, 1)), [], [("A", "F")])
    with pytest.raises(InputError, match="no final-demand columns"):
        IOTable.build(np.eye(2), np.zeros((2, 0)), [("A", "s"), ("A", "t")], [])


def test_sums_that_overflow_are_refused() -> None:
    Z = np.full((2, 2), 1e308)
    with pytest.raises(InputError) as info:
        IOTable.build(Z, np.ones((2, 1)), [("A", "s"), ("B", "s")], [("A", "F")], source="big")
    msg = str(info.value)
    assert msg.startswith("big: values overflow") and "first: A_s" in msg and "1e+308" in msg


def test_every_duplicated_label_is_named() -> None:
    labels = [("A", "s"), ("A", "s"), ("B", "t"), ("B", "t")]
    with pytest.raises(InputError, match="duplicated labels A_s, B_t"):
        IOTable.build(np.eye(4), np.ones((4, 1)), labels, [("A", "F")])


def test_rounding_residue_note_counts_and_names_the_sectors() -> None:
    Z = np.array([[10.0, 5, 0], [3, 20, 0], [0, 0, 0]])
    Y = np.array([[30.0, 5], [10, 40], [-1e-7, 0]])
    labels = [("A", "s1"), ("A", "s2"), ("B", "s1")]
    with pytest.warns(TableWarning, match="1 sector sells nothing net of inventories") as rec:
        t = IOTable.build(Z, Y, labels, [("A", "F"), ("B", "F")], source="t")
    text = " ".join(str(w.message) for w in rec)
    assert "B_s1" in text and "set to zero output" in text
    assert t.x[2] == 0 and np.all(t.Y[2] == 0)
    # and the indicators say where: country.csv's residue_sectors, sector.csv's flag
    from gpnlab.measure import measure_all

    ind = measure_all(t)
    assert ind.country.residue_sectors.to_dict() == {"A": 0, "B": 1}
    assert ind.sector.rounding_residue.tolist() == [False, False, True, False]  # B_s2 padded
    Y[2, 0] = -50.0  # not negligible: refused
    with pytest.raises(InputError, match=r"1 sector \(B_s1\) has zero or negative gross"):
        IOTable.build(Z, Y, labels, [("A", "F"), ("B", "F")], source="t")
