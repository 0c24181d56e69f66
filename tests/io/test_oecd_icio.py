"""The OECD ICIO CSV layout, tested on small hand-made files in the 2023 layout (the 2016 and
2018/2021 layouts: tests/io/test_readers_oecd.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpnlab.errors import InputError
from gpnlab.io import read_oecd_icio, read_table
from gpnlab.measure import measure_all

FD_CATS = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")


def write_icio(
    path: Path,
    producers: list[str],
    sectors: list[str],
    consumers: list[str],
    *,
    seed: int = 0,
    first_cell: str = "",
) -> dict[str, np.ndarray]:
    """Write an ICIO-layout CSV with consistent OUT row/column; return the arrays."""
    rng = np.random.default_rng(seed)
    rows = [f"{c}_{s}" for c in producers for s in sectors]
    n = len(rows)
    Z = rng.integers(0, 30, size=(n, n)).astype(float)
    fd_cols = [f"{c}_{k}" for c in consumers for k in FD_CATS]
    Y = rng.integers(0, 80, size=(n, len(fd_cols))).astype(float)
    Y[:, [i for i, c in enumerate(fd_cols) if c.endswith("INVNT")]] -= 3.0
    x = Z.sum(1) + Y.sum(1)
    tls = rng.integers(0, 5, size=n).astype(float)
    va = x - Z.sum(0) - tls
    header = [first_cell, *rows, *fd_cols, "OUT"]
    lines = [",".join(header)]
    for i, r in enumerate(rows):
        lines.append(
            ",".join(
                [r, *map(str, map(float, Z[i])), *map(str, map(float, Y[i])), str(float(x[i]))]
            )
        )
    for name, vec in (("TLS", tls), ("VA", va), ("OUT", x)):
        lines.append(",".join([name, *map(str, map(float, vec)), *(["0.0"] * len(fd_cols)), "0.0"]))
    path.write_text("\n".join(lines) + "\n")
    return {"Z": Z, "Y": Y, "x": x, "va": va, "tls": tls}


PRODUCERS = ["AUS", "CN1", "CN2", "MX1", "MX2", "ROW"]
CONSUMERS = ["AUS", "CHN", "MEX", "ROW"]


def test_2023_layout_with_split_countries_merged(tmp_path: Path) -> None:
    # 2023 labels (TLS/VA/OUT) with ISIC 4 two-digit sector codes; the real 2021 layout (TAXSUB
    # rows, VALU, OUTPUT, TOTAL) is in tests/io/test_readers_oecd.py
    arrays = write_icio(tmp_path / "ICIO2023_2018.csv", PRODUCERS, ["01T02", "10T12"], CONSUMERS)
    t = read_oecd_icio(tmp_path / "ICIO2023_2018.csv", merge_split=True)
    assert t.meta["release"] == "2023"
    assert t.countries == ["AUS", "CHN", "MEX", "ROW"]
    assert t.sectors == ["01T02", "10T12"]
    assert t.categories == list(FD_CATS)
    np.testing.assert_allclose(t.Z.sum(), arrays["Z"].sum())
    np.testing.assert_allclose(t.x.sum(), arrays["x"].sum())
    # CHN row of sector 01T02 is CN1 + CN2
    i_cn1, i_cn2 = 2, 4  # CN1_01T02, CN2_01T02 in the file order
    np.testing.assert_allclose(t.x[2], arrays["x"][i_cn1] + arrays["x"][i_cn2])
    # residual value added = VA + TLS on a consistent file
    np.testing.assert_allclose(t.va.sum(), arrays["va"].sum() + arrays["tls"].sum())
    c = measure_all(t).country
    assert np.isfinite(c.loc["CHN", "gvc_backward_share"])


def test_2023_layout_kept_split_makes_destinations(tmp_path: Path) -> None:
    write_icio(tmp_path / "icio.csv", PRODUCERS, ["01T02", "10T12"], CONSUMERS)
    t = read_oecd_icio(tmp_path / "icio.csv", merge_split=False)
    assert t.countries[:6] == PRODUCERS and set(t.countries[6:]) == {"CHN", "MEX"}
    chn = t.countries.index("CHN")
    assert np.all(t.x.reshape(t.G, t.N)[chn] == 0)


def test_2023_layout_with_underscored_sector_codes(tmp_path: Path) -> None:
    sectors = ["A01_02", "C10T12", "D"]
    arrays = write_icio(
        tmp_path / "2020.csv", ["AUS", "USA"], sectors, ["AUS", "USA"], first_cell="V1", seed=3
    )
    t = read_table(tmp_path / "2020.csv", "oecd-icio")
    assert t.sectors == sectors and t.countries == ["AUS", "USA"]
    np.testing.assert_allclose(t.x, arrays["x"])
    t_given = read_oecd_icio(tmp_path / "2020.csv", value_added="given")
    np.testing.assert_allclose(t_given.va, arrays["va"])


def test_wrong_file_gives_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "not_icio.csv"
    p.write_text(",a,b\nx,1,2\ny,3,4\n")
    with pytest.raises(InputError, match="no intermediate-use column"):
        read_oecd_icio(p)
