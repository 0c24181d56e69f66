"""Small hand-made tables in the own and ICIO layouts, and a CLI runner for bad-input checks."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab.io import write_own
from gpnlab.synthetic import random_table

FD_CATS = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")
GPNLAB = Path(sys.executable).with_name("gpnlab")


def own_table(folder: Path, *, countries: int = 2, sectors: int = 2, seed: int = 5) -> Path:
    """A small valid own-layout folder (CSV), written by :func:`write_own`."""
    write_own(random_table(countries, sectors, seed=seed), folder)
    return folder


def own_from_arrays(
    folder: Path, Z: np.ndarray, Y: np.ndarray, rows: list[str], fd: list[str]
) -> Path:
    """An own-layout folder with the given Z and Y (x = row sums; no va)."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(Z, index=rows, columns=rows).to_csv(folder / "Z.csv")
    pd.DataFrame(Y, index=rows, columns=fd).to_csv(folder / "Y.csv")
    with np.errstate(over="ignore"):
        x = Z.sum(axis=1) + Y.sum(axis=1)
    pd.DataFrame({"output": x}, index=rows).to_csv(folder / "x.csv")
    return folder


def edit_cell(path: Path, line: int, field: int, value: str) -> None:
    """Replace field ``field`` of line ``line`` (0-based, header is line 0) of a CSV file."""
    lines = path.read_text().splitlines()
    cells = lines[line].split(",")
    cells[field] = value
    lines[line] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def gzip_file(src: Path, dst: Path) -> Path:
    with open(src, "rb") as fin, gzip.open(dst, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    return dst


def write_icio(
    path: Path,
    producers: list[str],
    sectors: list[str],
    consumers: list[str],
    *,
    seed: int = 0,
    special: tuple[str, ...] = ("TLS", "VA", "OUT"),
) -> list[str]:
    """An ICIO-layout CSV with consistent OUT row and column; returns its lines."""
    rng = np.random.default_rng(seed)
    rows = [f"{c}_{s}" for c in producers for s in sectors]
    n = len(rows)
    Z = rng.integers(0, 30, size=(n, n)).astype(float)
    fd_cols = [f"{c}_{k}" for c in consumers for k in FD_CATS]
    Y = rng.integers(0, 80, size=(n, len(fd_cols))).astype(float)
    x = Z.sum(1) + Y.sum(1)
    tls = rng.integers(0, 5, size=n).astype(float)
    va = x - Z.sum(0) - tls
    lines = [",".join(["", *rows, *fd_cols, "OUT"])]
    for i, r in enumerate(rows):
        lines.append(",".join([r, *map(str, Z[i]), *map(str, Y[i]), str(x[i])]))
    for name, vec in (("TLS", tls), ("VA", va), ("OUT", x)):
        if name in special:
            lines.append(",".join([name, *map(str, vec), *(["0.0"] * len(fd_cols)), "0.0"]))
    path.write_text("\n".join(lines) + "\n")
    return lines


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``gpnlab ARGS`` in a subprocess (a segfault shows up as a negative return code)."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [str(GPNLAB), *args], capture_output=True, text=True, timeout=120, env=full_env
    )


def assert_one_error_line(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit code 2, no traceback, and exactly one stderr line starting with ``error:``."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, proc.stderr[-2000:]
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]
