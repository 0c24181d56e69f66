"""Experiment specification: pydantic models read from TOML.

An experiment crosses *factors* -- policy regimes, the focal country (which archetype pursues
the regime) and named world parameters -- in a *design*, and repeats every design point with
replicate seeds. Parameters are declared as ``name -> (lower, upper)`` (or levels for a full
factorial), the form SALib's ``problem`` dict and the EMA Workbench's ``RealParameter`` use
(see :mod:`gpnlab.experiments.interop`).

Example (``examples/experiments/smoke.toml``)::

    name = "smoke"
    base = "default"          # a shipped world, or base_file = "my_world.toml"
    firms = 1500
    periods = 12
    seed = 7
    regimes = ["laissez_faire", "build"]
    baseline = "laissez_faire"
    focal = ["MYL"]
    replicates = 3

    [design]
    kind = "factorial"        # factorial | lhs | sobol | morris

    [parameters."mechanisms.transfer_rate"]
    levels = [0.04, 0.08]

    [outputs]
    columns = ["dva_share", "capability_ht"]
    every = 4
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gpnlab.errors import InputError, read_toml
from gpnlab.simulate.config import MAX_FIRMS, MAX_SEED, FieldError
from gpnlab.simulate.record import PANEL_OUTCOMES

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A plain experiment name: it becomes a folder (``out/experiments/NAME``), so no separators,
no leading dot (``.``, ``..``, hidden folders), no spaces or control characters."""
MAX_NAME = 100

DEFAULT_OUTCOMES = (
    "gross_exports",
    "dva_share",
    "dva_share_basic",
    "gvc_backward",
    "capability_ht",
    "capability_lt",
    "match_ht",
    "match_lt",
    "functional_position",
    "value_captured",
    "employment",
    "informal_share",
    "policy_cost",
    "odm_firms",
    "obm_firms",
)


class Strict(BaseModel):
    # allow_inf_nan=False: ranges, levels and every other number must be finite
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Parameter(Strict):
    """A named world parameter varied by the design.

    ``range = [lower, upper]`` for sampled designs (lhs, sobol, morris; uniform on the range);
    ``levels = [a, b, ...]`` for a full factorial.
    """

    range: tuple[float, float] | None = None
    levels: list[float] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Parameter:
        if (self.range is None) == (self.levels is None):
            raise ValueError("give either range = [lower, upper] or levels = [...]")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"empty range {list(self.range)}: lower must be below upper")
        if self.levels is not None and len(self.levels) == 0:
            raise ValueError("levels is empty: give at least one value")
        return self


class Design(Strict):
    """How parameter points are chosen.

    * ``factorial`` -- every combination of the parameters' levels;
    * ``lhs`` -- ``samples`` points of a Latin hypercube (McKay, Beckman & Conover 1979);
    * ``sobol`` -- Saltelli's extension of the Sobol sequence, ``samples * (D + 2)`` points
      (``* (2D + 2)`` with second order) for Sobol indices (Saltelli et al. 2010);
    * ``morris`` -- ``samples`` elementary-effect trajectories of ``D + 1`` points
      (Morris 1991; Campolongo, Cariboni & Saltelli 2007).
    """

    kind: Literal["factorial", "lhs", "sobol", "morris"] = "factorial"
    samples: int = Field(8, ge=1, le=1_000_000, description="base sample size")
    second_order: bool = False
    levels: int = Field(4, ge=2, le=20, description="grid levels of the Morris design")


class Outputs(Strict):
    """What each run keeps: panel columns, every ``every``-th period (and the last)."""

    columns: list[str] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES), min_length=1)
    every: int = Field(1, ge=1, le=10_000)
    stages: bool = Field(True, description="keep the stage table (smile curve, concentration)")
    metrics: Literal["validation"] | None = Field(
        None, description="also compute these per-run metrics (gpnlab validate's battery)"
    )
    horizons: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(
        default_factory=lambda: [20, 60, 100], max_length=100,
        description="quarters at which the per-run metrics are computed",
    )  # fmt: skip

    @model_validator(mode="after")
    def _known(self) -> Outputs:
        for c in self.columns:
            if c not in PANEL_OUTCOMES:
                raise ValueError(f"unknown outcome {c!r}; choose among {', '.join(PANEL_OUTCOMES)}")
        return self


class Analysis(Strict):
    """Interval level, the outcome that ranks regimes, and the period used for indices."""

    level: float = Field(0.95, gt=0, lt=1, description="confidence level of intervals")
    interval: Literal["t", "bootstrap"] = Field(
        "t", description="Student t, or percentile bootstrap (skewed or bounded outcomes)"
    )
    rank_by: str = "value_captured"
    sensitivity_outcomes: list[str] = Field(
        default_factory=lambda: ["dva_share", "capability_ht", "value_captured"]
    )


class Spec(Strict):
    """A complete experiment."""

    name: str = Field("experiment", description="plain name: the default output folder")
    base: str = Field("default", description="shipped world (see gpnlab simulate --list-presets)")
    base_file: str | None = Field(None, description="world TOML, relative to the spec file")
    firms: int | None = Field(
        None, ge=10, le=MAX_FIRMS, description="scale populations to about N firms"
    )
    periods: int = Field(40, ge=1, le=10_000)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    regimes: list[str] = Field(default_factory=lambda: ["laissez_faire"], min_length=1)
    baseline: str = "laissez_faire"
    focal: list[str] = Field(
        min_length=1, description="focal country codes (one factor level each)"
    )
    replicates: int = Field(5, ge=1, le=100_000)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    design: Design = Field(default_factory=lambda: Design.model_validate({}))
    outputs: Outputs = Field(default_factory=lambda: Outputs.model_validate({}))
    analysis: Analysis = Field(default_factory=lambda: Analysis.model_validate({}))
    batch_size: int | None = Field(None, ge=1, le=10_000, description="runs per task [automatic]")

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if len(name) > MAX_NAME or NAME_PATTERN.fullmatch(name) is None:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise ValueError(
                f"name {shown!r} is not a plain name: use letters, digits, '.', '_' and '-', "
                f"starting with a letter or digit, at most {MAX_NAME} characters (it names "
                "the output folder; no path separators)"
            )
        return name

    @model_validator(mode="after")
    def _consistent(self) -> Spec:
        from gpnlab.simulate.policy import REGIMES

        for key, names in (("regimes", self.regimes), ("baseline", [self.baseline])):
            for r in names:
                if r not in REGIMES:
                    raise FieldError(
                        f"unknown regime {r!r}; choose among {', '.join(REGIMES)}", key
                    )
        if self.baseline not in self.regimes:
            raise FieldError(
                f"baseline {self.baseline!r} is not among regimes {self.regimes}", "baseline"
            )
        for key, values in (("regimes", self.regimes), ("focal", self.focal)):
            if len(set(values)) != len(values):
                raise FieldError(f"{key} must not repeat a value", key)
        sampled = self.design.kind != "factorial"
        for name, p in self.parameters.items():
            if not name or len(name) > 200:
                raise FieldError(
                    f"parameter name {name[:40]!r}: give a dotted world path", "parameters"
                )
            if sampled and p.range is None:
                raise FieldError(
                    f"parameter {name!r}: a {self.design.kind} design needs range",
                    f"parameters.{name}",
                )
            if not sampled and p.levels is None:
                raise FieldError(
                    f"parameter {name!r}: a factorial design needs levels", f"parameters.{name}"
                )
        if self.design.kind in ("sobol", "morris") and not self.parameters:
            raise FieldError(
                f"a {self.design.kind} design needs at least one parameter", "parameters"
            )
        given = "sensitivity_outcomes" in self.analysis.model_fields_set
        missing = [o for o in self.analysis.sensitivity_outcomes if o not in self.outputs.columns]
        if given and missing:  # the defaults are skipped where not kept; a listed one is an error
            raise FieldError(
                f"analysis.sensitivity_outcomes {missing[0]!r} is not a kept column",
                "analysis.sensitivity_outcomes",
            )
        if self.analysis.rank_by not in self.outputs.columns:
            raise FieldError(
                f"analysis.rank_by {self.analysis.rank_by!r} is not a kept column",
                "analysis.rank_by",
            )
        return self

    def digest(self) -> str:
        """Identity of the experiment: a hash of the resolved spec (resume checks it)."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(body).hexdigest()[:16]


def _field_path(err: dict[str, object]) -> str:
    loc = err.get("loc", ())
    assert isinstance(loc, tuple)
    path = ".".join(str(p) for p in loc)
    ctx = err.get("ctx")
    cause = ctx.get("error") if isinstance(ctx, dict) else None
    if isinstance(cause, FieldError):  # a cross-field check names its field
        path = ".".join(p for p in (path, cause.field) if p)
    return path or "spec"


def spec_from_dict(data: dict[str, object], *, where: str = "spec") -> Spec:
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(
            msg, where=where, field=_field_path(dict(err)), fix="see docs/experiments.md"
        ) from None


def load_spec(path: str | Path) -> tuple[Spec, Path]:
    """Read and validate a spec; returns it and the folder relative paths resolve against."""
    data = read_toml(path, what="spec", field="SPEC")
    return spec_from_dict(data, where=str(path)), Path(path).resolve().parent
