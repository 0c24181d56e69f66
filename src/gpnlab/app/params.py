"""Controls built from the pydantic config: one per policy instrument and mechanism parameter.

Each numeric field of :class:`gpnlab.simulate.config.Policy` and
:class:`gpnlab.simulate.config.Mechanisms` becomes a :class:`Control` with the field's default,
its bounds (``ge``/``gt``/``le``/``lt`` of the ``Field``), its help text (the ``description``,
which states the unit) and a kind (``float``, ``int`` or ``bool``). Nothing is written by hand,
so a new instrument or mechanism parameter appears in the app without touching it. Values are
applied through pydantic again (:func:`apply_controls`), so the app can never set a value the
config would refuse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError

from gpnlab.errors import InputError
from gpnlab.simulate.config import Mechanisms, Policy, World, format_validation

OPEN_UPPER = {"float": 10.0, "int": 100}
"""Slider end for a field without an upper bound (its field still accepts more)."""


@dataclass(frozen=True)
class Control:
    group: str  # "policy" or "mechanisms"
    name: str
    kind: str  # "float" | "int" | "bool"
    default: Any
    low: float
    high: float
    step: float
    help: str

    @property
    def key(self) -> str:
        return f"{self.group}.{self.name}"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


def _bounds(meta: list[object]) -> tuple[float, float, bool, bool]:
    """(low, high, low is open, high is open) from a field's ``annotated_types`` metadata."""
    low, high, low_open, high_open = -math.inf, math.inf, False, False
    for m in meta:
        if isinstance(m, Ge):
            low = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Gt):
            low, low_open = float(m.gt), True  # type: ignore[arg-type]
        elif isinstance(m, Le):
            high = float(m.le)  # type: ignore[arg-type]
        elif isinstance(m, Lt):
            high, high_open = float(m.lt), True  # type: ignore[arg-type]
    return low, high, low_open, high_open


def controls(model: type[BaseModel], group: str) -> list[Control]:
    """One :class:`Control` per bool, int or float field of ``model`` (lists are skipped)."""
    out: list[Control] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if ann is bool:
            kind = "bool"
        elif ann is int:
            kind = "int"
        elif ann is float:
            kind = "float"
        else:
            continue
        default = info.default
        if kind == "bool":
            out.append(Control(group, name, kind, bool(default), 0, 1, 1, info.description or ""))
            continue
        low, high, low_open, high_open = _bounds(list(info.metadata))
        if not math.isfinite(low):
            low = 0.0
        bound_high = high
        if not math.isfinite(high):
            high = max(float(OPEN_UPPER[kind]), 2 * float(default))
        # a generous but usable slider: up to 4x the default when the bound is far away
        if high > 10 * max(abs(float(default)), 1e-9) and float(default) > 0:
            high = min(high, 4 * float(default)) if kind == "float" else min(high, 4 * default)
        step = 1.0 if kind == "int" else _nice_step(high - low)
        # an open bound is not a valid value: the slider stops one step inside it
        low, high = low + step * low_open, high - step * (high_open and high == bound_high)
        out.append(Control(group, name, kind, default, low, high, step, info.description or ""))
    return out


def _nice_step(span: float) -> float:
    """A round slider step giving about 100-200 positions over ``span``."""
    if span <= 0:
        return 0.01
    exp = math.floor(math.log10(span / 100))
    return float(10.0**exp)


def all_controls() -> list[Control]:
    """Policy instruments (for the focal countries), then mechanism parameters (world-wide)."""
    return controls(Policy, "policy") + controls(Mechanisms, "mechanisms")


def apply_controls(world: World, values: dict[str, Any], focal: list[str]) -> World:
    """``world`` with ``values`` (keys ``policy.NAME`` and ``mechanisms.NAME``) set: policy on
    the focal countries, mechanisms for the world. Validated by pydantic; a refused value is
    one line naming the field."""
    pol = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("policy.")}
    mech = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("mechanisms.")}
    try:
        countries = []
        for c in world.countries:
            if c.code in focal and pol:
                p = Policy.model_validate({**c.policy.model_dump(), **pol})
                c = c.model_copy(update={"policy": p})
            countries.append(c)
        m = Mechanisms.model_validate({**world.mechanisms.model_dump(), **mech})
    except ValidationError as exc:
        field, msg = format_validation(exc)
        raise InputError(
            msg, where="app controls", field=field, fix="use a value inside the slider's range"
        ) from None
    return world.model_copy(update={"countries": countries, "mechanisms": m})
