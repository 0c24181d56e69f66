"""KWW (2014) appendix C and D examples reproduced to 1e-4 (shared/oracles)."""

from __future__ import annotations

import pytest

from gpnlab.measure import KWW_TERMS, ExportAccounts, kww, vax_and_vs
from tests.conftest import ORACLES, load_oracles, needs_shared, oracle_table

pytestmark = needs_shared(ORACLES / "kww2014_examples.json")
EXAMPLES = load_oracles()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"][:40] for e in EXAMPLES])
def test_kww_terms_match_published(example: dict) -> None:
    acc = ExportAccounts(oracle_table(example))
    got = kww(acc)
    for country in example["countries"]:
        expected = example["kww"].get(country, {})
        for term in KWW_TERMS:
            assert got.loc[country, term] == pytest.approx(expected.get(term, 0.0), abs=1e-4), (
                country,
                term,
            )
    for country, value in example.get("gross_exports", {}).items():
        assert got.loc[country, "gross_exports"] == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"][:40] for e in EXAMPLES])
def test_vax_ratio_and_vertical_specialisation(example: dict) -> None:
    table = vax_and_vs(ExportAccounts(oracle_table(example)))
    for country, value in example.get("vax_ratio", {}).items():
        # published ratios are rounded to 3-4 digits
        assert table.loc[country, "vax_ratio"] == pytest.approx(value, abs=6e-4)
    for country, value in example.get("vertical_specialisation", {}).items():
        assert table.loc[country, "vs"] == pytest.approx(value, abs=1e-4)
