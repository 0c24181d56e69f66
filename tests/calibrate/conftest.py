"""A tiny calibration: 250 firms, 12 quarters (2 of burn-in, then 1995-1999 at 2 quarters a
year), two parameters, 2 seeds, annual 'real' values in a CSV written by the test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TINY: dict[str, Any] = {
    "name": "tiny",
    "firms": 250,
    "seed": 3,
    "seeds": 2,
    "start_year": 1995,
    "quarters_per_year": 2,
    "burn_in": 2,
    "train": [1995, 1997],
    "test": [1998, 1999],
    "data": "real.csv",
    "countries": {"LEM": "CHN", "MXL": "MEX"},
    "parameters": {
        "mechanisms.switching_cost": {"range": [0.0, 0.3]},
        "countries.LEM.knowledge_base": {"range": [0.3, 0.7]},
    },
    "targets": [
        {"quantity": "fva_share", "kind": "level", "year": 1995},
        {"quantity": "fva_share", "kind": "change", "from": 1995, "to": 1997},
        {"quantity": "export_share", "kind": "slope", "window": [1995, 1997]},
    ],
    "search": {"trials": 6, "batch": 2, "startup": 2},
    "diagnostics": {"offsets": [-0.1, 0.1]},
}


def tiny(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(TINY)
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    return data


def real_frame(shift: float = 0.0) -> pd.DataFrame:
    """Annual values for CHN and MEX, 1995-1999; ``shift`` is added to the held-out years."""
    rows = []
    for c, base in (("CHN", 0.3), ("MEX", 0.5)):
        for y in range(1995, 2000):
            held = shift if y >= 1998 else 0.0
            for q, v in (
                ("fva_share", base + 0.01 * (y - 1995)),
                ("export_share", base / 10 + 0.002 * (y - 1995)),
                ("gvc_backward_share", base),
                ("gvc_forward_share", base / 3),
            ):
                rows.append({"year": y, "country": c, "quantity": q, "value": v + held})
    return pd.DataFrame(rows)


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, float | int | np.floating):
        return repr(float(v)) if isinstance(v, float | np.floating) else str(v)
    raise TypeError(type(v))


def write_spec(folder: Path, data: dict[str, Any], *, real_shift: float = 0.0) -> Path:
    """``folder/spec.toml`` and ``folder/real.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    real_frame(real_shift).to_csv(folder / "real.csv", index=False)
    lines = [
        f"{k} = {toml_value(v)}"
        for k, v in data.items()
        if not isinstance(v, dict | list)
        or (isinstance(v, list) and v and not isinstance(v[0], dict))
    ]
    for k in ("search", "diagnostics", "weighting", "screening", "countries"):
        if k in data:
            lines.append(f"[{k}]")
            lines += [f"{kk} = {toml_value(vv)}" for kk, vv in data[k].items()]
    for name, b in data["parameters"].items():
        lines.append(f'[parameters."{name}"]')
        lines.append(f"range = {toml_value(b['range'])}")
    for t in data["targets"]:
        lines.append("[[targets]]")
        lines += [f"{kk} = {toml_value(vv)}" for kk, vv in t.items()]
    path = folder / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
