"""Shared fixtures. Tests that read ../shared skip with a reason when it is absent."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest

from gpnlab.table import IOTable, TableWarning

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GPNLAB_SHARED", ROOT.parent / "shared"))
WIOD = SHARED / "data" / "wiod2013"
ORACLES = SHARED / "oracles"


@pytest.fixture(autouse=True)
def _quiet_table_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TableWarning)
        yield


def needs_shared(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not path.exists(), reason=f"{path} not found: the shared data folder is not beside the repo"
    )


def oracle_table(example: dict) -> IOTable:
    """Build an IOTable from one example of kww2014_examples.json."""
    C, S = example["countries"], example["sectors"]
    labels = [(c, s) for c in C for s in S]
    pos = {lab: i for i, lab in enumerate(labels)}
    n, G = len(labels), len(C)
    if "Z" in example:
        Z = np.array(example["Z"], float)
        Y = np.array(example["Y"], float)
    else:
        Z = np.zeros((n, n))
        Y = np.zeros((n, G))
        if "Z_nonzero" in example:
            for a, b, v in example["Z_nonzero"]:
                Z[pos[(a, S[0])], pos[(b, S[0])]] = v
            for a, b, v in example["Y_nonzero"]:
                Y[pos[(a, S[0])], C.index(b)] = v
        else:
            for a, i, b, j, v in example["Z_nonzero_by_country_sector"]:
                Z[pos[(a, i)], pos[(b, j)]] = v
            for a, i, b, v in example["Y_nonzero_by_country_sector"]:
                Y[pos[(a, i)], C.index(b)] = v
    return IOTable.build(Z, Y, labels, [(c, "FD") for c in C], source=example["name"])


def load_oracles() -> list[dict]:
    path = ORACLES / "kww2014_examples.json"
    if not path.exists():
        return []
    return json.loads(path.read_text())["examples"]
