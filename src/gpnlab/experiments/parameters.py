"""Named world parameters: set a value in a :class:`~gpnlab.simulate.config.World` by its path.

A parameter name is a dotted path into the world's TOML:

* ``mechanisms.transfer_rate``, ``shocks.downturn_depth``, ``informal_productivity``;
* ``countries.<CODE>.<field>`` -- ``<CODE>`` is a country code, ``focal`` (the run's focal
  country) or ``*`` (every country); policy instruments are ``countries.<CODE>.policy.<field>``;
* ``stages.<NAME|INDEX|*>.<field>`` and ``markets.<REGION|*>.<field>``.

Integer fields take the rounded value, switches (``mechanisms.entry``...) are on at >= 0.5, and
the changed world is validated again, so an out-of-range value fails like a bad config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gpnlab.simulate.config import World, world_from_dict

LIST_KEYS = {"countries": "code", "stages": "name", "markets": "region"}


class ParameterError(ValueError):
    """A parameter path that does not name a numeric field of the world."""


def _coerce(old: object, value: float) -> object:
    if isinstance(old, bool):
        return value >= 0.5
    if isinstance(old, int):
        return round(value)
    if isinstance(old, float):
        return float(value)
    raise ParameterError(f"field holds {type(old).__name__}, not a number")


def _select(items: list[dict[str, Any]], key: str, sel: str, focal: str) -> list[dict[str, Any]]:
    if sel == "*":
        return items
    wanted = focal if sel == "focal" else sel
    if key == "name" and wanted.isdigit():
        idx = int(wanted)
        if idx < len(items):
            return [items[idx]]
    hit = [it for it in items if str(it[key]) == wanted]
    if not hit:
        names = ", ".join(str(it[key]) for it in items)
        raise ParameterError(f"no entry {wanted!r}; choose among {names}, focal or *")
    return hit


def _set(data: dict[str, Any], parts: list[str], value: float, focal: str) -> None:
    head, rest = parts[0], parts[1:]
    if head not in data:
        raise ParameterError(f"unknown field {head!r}")
    if head in LIST_KEYS and isinstance(data[head], list):
        if len(rest) < 2:
            raise ParameterError(f"{head} needs a selector and a field, e.g. {head}.*.<field>")
        for item in _select(data[head], LIST_KEYS[head], rest[0], focal):
            _set(item, rest[1:], value, focal)
        return
    if rest:
        if not isinstance(data[head], dict):
            raise ParameterError(f"{head!r} is a value, not a group")
        _set(data[head], rest, value, focal)
        return
    data[head] = _coerce(data[head], value)


def apply_parameters(world: World, values: Mapping[str, float], focal: str) -> World:
    """Return ``world`` with every named parameter set (raises ParameterError / InputError)."""
    if not values:
        return world
    data = world.model_dump()
    for name, value in values.items():
        try:
            _set(data, name.split("."), float(value), focal)
        except ParameterError as exc:
            raise ParameterError(f"parameter {name!r}: {exc}") from None
    return world_from_dict(data, where="parameters")
