"""Write a :class:`~gpnlab.simulate.config.World` as TOML that ``load_world`` reads back.

A small writer for the shapes a world has: scalars, lists of scalars, tables and arrays of
tables; ``None`` fields are left out (they take their default on reading).
"""

from __future__ import annotations

import json
import math
from typing import Any

from gpnlab.simulate.config import World


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v} to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string is a JSON string
    if isinstance(v, list):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        inner = ", ".join(f"{_key(k)} = {_scalar(x)}" for k, x in v.items() if x is not None)
        return "{" + inner + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def _is_table_list(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _emit(data: dict[str, Any], path: list[str], lines: list[str]) -> None:
    tables = []
    for k, v in data.items():
        if v is None:
            continue
        if isinstance(v, dict) or _is_table_list(v):
            tables.append((k, v))
        else:
            lines.append(f"{_key(k)} = {_scalar(v)}")
    for k, v in tables:
        sub = [*path, _key(k)]
        if isinstance(v, dict):
            lines.append("")
            lines.append(f"[{'.'.join(sub)}]")
            _emit(v, sub, lines)
        else:
            for item in v:
                lines.append("")
                lines.append(f"[[{'.'.join(sub)}]]")
                _emit(item, sub, lines)


def world_toml(world: World) -> str:
    lines: list[str] = []
    _emit(world.model_dump(mode="json"), [], lines)
    return "\n".join(lines) + "\n"
