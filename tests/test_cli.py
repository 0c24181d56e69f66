"""``gpnlab measure`` end to end: files written, errors as one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gpnlab.cli import app
from gpnlab.io import write_own
from gpnlab.synthetic import random_table

runner = CliRunner()

COUNTRY_COLUMNS = [
    "country",
    "gross_exports",
    "dva",
    "dva_taxes",
    "dva_basic",
    "vax",
    "fva",
    "fdc",
    "ddc",
    "gvc_backward",
    "gvc_forward",
    "vs_share",
    "vax_ratio",
    "gvc_backward_share",
    "gvc_forward_share",
]
SECTOR_COLUMNS = [
    "country",
    "sector",
    "output",
    "value_added",
    "taxes",
    "upstreamness",
    "downstreamness",
    "backward_linkage",
    "forward_linkage",
]


@pytest.fixture()
def table_dir(tmp_path: Path) -> Path:
    return write_own(random_table(4, 3, seed=9, zero_sectors=1), tmp_path / "table")


def test_measure_writes_every_output(table_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "res"
    result = runner.invoke(app, ["measure", str(table_dir), "--out", str(out), "--wwz", "--sink"])
    assert result.exit_code == 0, result.output
    country = pd.read_csv(out / "country.csv")
    assert country.columns[: len(COUNTRY_COLUMNS)].tolist() == COUNTRY_COLUMNS
    assert len(country) == 4
    sector = pd.read_csv(out / "sector.csv")
    assert sector.columns[: len(SECTOR_COLUMNS)].tolist() == SECTOR_COLUMNS
    bil = pd.read_parquet(out / "bilateral.parquet")
    assert bil.columns.tolist() == ["exporter", "importer", "sector", "term", "value"]
    assert not (bil.exporter == bil.importer).any()
    gexp = bil[bil.term == "GEXP"].groupby("exporter", observed=True).value.sum()
    gexp.index = gexp.index.astype(str)
    pd.testing.assert_series_equal(
        gexp.sort_index(),
        country.set_index("country").gross_exports.sort_index(),
        check_names=False,
        rtol=1e-9,
    )
    kww = pd.read_csv(out / "kww.csv")
    assert "DVA_INTrex" in kww.columns and "FDC" in kww.columns
    assert (out / "participation.png").stat().st_size > 1000
    assert (out / "position.png").stat().st_size > 1000
    assert (out / "wwz.parquet").exists()
    sink = pd.read_parquet(out / "bilateral_sink.parquet")
    assert set(sink.term.astype(str)) == {
        "GEXP",
        "DC",
        "DVA",
        "VAX",
        "REF",
        "DDC",
        "FC",
        "FVA",
        "FDC",
    }


@pytest.mark.parametrize(
    ("breakage", "args", "message"),
    [
        ("none", ["--format", "excel"], "unknown format"),
        ("none", ["--output", "guess"], "unknown output rule"),
        ("missing_x_and_Z", [], "missing file Z"),
        ("negative", [], "negative intermediate"),
        ("nan", [], "NaN"),
        ("nonsquare", [], "labels of Z differ"),
        ("unproductive", [], "not productive"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_output(
    table_dir: Path, tmp_path: Path, breakage: str, args: list[str], message: str
) -> None:
    zfile = table_dir / "Z.csv"
    if breakage == "missing_x_and_Z":
        zfile.unlink()
    elif breakage in ("negative", "nan", "unproductive"):
        df = pd.read_csv(zfile, index_col=0)
        if breakage == "negative":
            df.iloc[0, 1] = -5.0
        elif breakage == "nan":
            df.iloc[0, 1] = float("nan")
        else:
            df.iloc[:, :] = df.to_numpy() * 50  # inputs far above output
            ydf = pd.read_csv(table_dir / "Y.csv", index_col=0)
            ydf.iloc[:, :] = -ydf.to_numpy() * 0.0
            ydf.iloc[:, 0] = -df.to_numpy().sum(axis=1) * 0.5
            ydf.to_csv(table_dir / "Y.csv")
            (table_dir / "x.csv").unlink()
        df.to_csv(zfile)
    elif breakage == "nonsquare":
        df = pd.read_csv(zfile, index_col=0)
        df.iloc[:-1].to_csv(zfile)
    out = tmp_path / "res"
    result = runner.invoke(app, ["measure", str(table_dir), "--out", str(out), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert not out.exists()
    assert not any(p.name.startswith(".res") for p in tmp_path.iterdir())
