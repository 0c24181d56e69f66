"""Calibration specification: pydantic models read from TOML (docs/estimation.md).

A calibration fits named world parameters (the dotted paths of
:mod:`gpnlab.experiments.parameters`) so that moments of the simulated panel match moments
measured on real tables. The simulated run's quarters are mapped to calendar years
(``start_year``, ``quarters_per_year``, after ``burn_in`` quarters); archetypes are mapped to
real country codes (``countries``). Targets are dated; a target dated inside the held-out
window (``test``) is refused, so that the held-out years are never fitted.

Example (``examples/calibration/wiod_electronics.toml``, shortened)::

    name = "wiod_electronics"
    base = "default"
    firms = 1500
    seeds = 8                  # R: the same R seeds in every trial (common random numbers)
    trials = 200
    start_year = 1995
    quarters_per_year = 4
    burn_in = 4
    train = [1995, 2004]
    test = [2005, 2011]
    data = "wiod_electronics_annual.csv"   # or tables = "../../../shared/data/wiod2013"
    sector = "c14"

    [countries]
    LEM = "CHN"

    [parameters."mechanisms.switching_cost"]
    range = [0.0, 0.3]

    [[targets]]
    quantity = "fva_share"
    kind = "level"
    year = 1995
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gpnlab.errors import InputError, read_toml
from gpnlab.experiments.spec import MAX_NAME, NAME_PATTERN
from gpnlab.simulate.config import MAX_SEED, FieldError

JACOBIAN_SPAN = 0.1  # default: profile points within 10% of the range of the estimate give G

#: Quantities a target may name: the simulated panel's definition and the real table's one
#: (gpnlab.calibrate.moments) are the same Borin-Mancini source-based terms, and the same
#: domestic share of intermediate inputs (gpnlab.measure.tiva.domestic_input_use).
QUANTITIES = (
    "fva_share",
    "export_share",
    "gvc_backward_share",
    "gvc_forward_share",
    "domestic_input_share",
)
KINDS = ("level", "change", "slope")
FIX = "see docs/estimation.md"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Bounds(Strict):
    """An estimated parameter: uniform prior box ``range = [lower, upper]``."""

    range: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if not self.range[0] < self.range[1]:
            raise ValueError(f"empty range {list(self.range)}: lower must be below upper")
        return self


class Target(Strict):
    """One moment (or one per country when ``country`` is left out).

    * ``kind = "level"``: the annual value at ``year``;
    * ``kind = "change"``: value at ``to`` minus value at ``from``;
    * ``kind = "slope"``: OLS slope of the annual values over ``window = [first, last]`` (per
      year).

    ``value`` gives the target directly; without it the target is computed from the real data
    (``data`` or ``tables``) of the country mapped to the archetype.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True
    )

    quantity: Literal[
        "fva_share", "export_share", "gvc_backward_share", "gvc_forward_share",
        "domestic_input_share",
    ]  # fmt: skip
    kind: Literal["level", "change", "slope"] = "level"
    country: str | None = Field(None, description="archetype code [every mapped country]")
    year: int | None = None
    from_year: int | None = Field(None, alias="from")
    to_year: int | None = Field(None, alias="to")
    window: tuple[int, int] | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _dates(self) -> Target:
        need = {"level": ("year",), "change": ("from", "to"), "slope": ("window",)}[self.kind]
        got = {"year": self.year, "from": self.from_year, "to": self.to_year, "window": self.window}
        for key, val in got.items():
            if key in need and val is None:
                raise ValueError(f"a {self.kind} target needs {key}")
            if key not in need and val is not None:
                raise ValueError(f"a {self.kind} target takes {', '.join(need)}, not {key}")
        if self.kind == "change" and not self.from_year < self.to_year:  # type: ignore[operator]
            raise ValueError("from must be before to")
        if self.kind == "slope" and not self.window[0] + 1 < self.window[1]:  # type: ignore[index]
            raise ValueError("a slope window needs at least three years")
        return self

    def years(self) -> list[int]:
        """Every year the moment reads."""
        if self.kind == "level":
            return [int(self.year)]  # type: ignore[arg-type]
        if self.kind == "change":
            return [int(self.from_year), int(self.to_year)]  # type: ignore[arg-type]
        lo, hi = self.window  # type: ignore[misc]
        return list(range(lo, hi + 1))

    def date_field(self) -> str:
        return {"level": "year", "change": "from/to", "slope": "window"}[self.kind]

    def label(self, country: str) -> str:
        when = {
            "level": f"{self.year}",
            "change": f"{self.from_year}->{self.to_year}",
            "slope": f"slope {self.window[0]}-{self.window[1]}" if self.window else "",
        }
        return f"{self.quantity} {country} {when[self.kind]}"


class Search(Strict):
    """The optimiser: optuna's TPE (default) or CMA-ES, seeded; ``batch`` trials are asked,
    run in parallel, and told in trial-number order (the same trials on any backend)."""

    sampler: Literal["tpe", "cmaes"] = "tpe"
    trials: int = Field(200, ge=1, le=100_000)
    batch: int = Field(8, ge=1, le=1000, description="trials per ask/tell batch")
    startup: int = Field(10, ge=1, le=10_000, description="random trials before TPE models J")


class Weighting(Strict):
    """W of J = d' W d, from the moments' covariance across seeds (pooled over the first
    batch's trials, then fixed)."""

    kind: Literal["diagonal", "full", "auto"] = "diagonal"
    max_condition: float = Field(
        1e3,
        gt=1,
        description="largest condition number of the "
        "moments' correlation matrix for which 'auto' uses the full W",
    )
    floor: float = Field(
        1e-3,
        gt=0,
        description="least standard deviation of a moment, "
        "relative to its |target| (+1e-6): a moment no seed moves cannot "
        "take infinite weight",
    )


class Screening(Strict):
    """Optional Morris screening before the search (SALib): ``trajectories`` elementary-effect
    trajectories; a parameter whose mu* is below ``threshold`` seed standard deviations for
    every moment is fixed at the base world's value."""

    trajectories: int = Field(0, ge=0, le=1000, description="0: no screening")
    levels: int = Field(4, ge=2, le=20)
    threshold: float = Field(0.5, ge=0)


class Diagnostics(Strict):
    """After the search: 1-D profiles of J around the best point (offsets as fractions of each
    parameter's range); the points within ``jacobian_span`` of it give the least-squares
    Jacobian of the moments (identification test and table, standard errors:
    :mod:`gpnlab.calibrate.objective`)."""

    offsets: list[float] = Field(
        default_factory=lambda: [-0.2, -0.1, -0.05, 0.05, 0.1, 0.2], max_length=40
    )
    jacobian_span: float = Field(
        JACOBIAN_SPAN,
        gt=0,
        le=1,
        description="profile points within this fraction of the range of the estimate give "
        "the Jacobian and the identification test (at least the smallest offset on either "
        "side): wider lowers the slope's seed noise where the response is smooth, narrower "
        "keeps it local where it bends",
    )
    enabled: bool = True

    @field_validator("offsets")
    @classmethod
    def _both_sides(cls, offsets: list[float]) -> list[float]:
        if offsets and (min(offsets) >= 0 or max(offsets) <= 0 or 0 in offsets):
            raise ValueError("offsets need negative and positive values, and no zero")
        if any(abs(o) > 1 for o in offsets):
            raise ValueError("offsets are fractions of the range: between -1 and 1")
        return sorted(offsets)

    @model_validator(mode="after")
    def _offsets_when_enabled(self) -> Diagnostics:
        if self.enabled and not self.offsets:
            raise ValueError("diagnostics need offsets (or enabled = false)")
        return self


class CalibrationSpec(Strict):
    """A complete calibration."""

    name: str = "calibration"
    base: str = "default"
    base_file: str | None = None
    firms: int | None = Field(None, ge=10, le=1_000_000)
    seed: int = Field(0, ge=0, le=MAX_SEED, description="root of the seeds and the sampler")
    seeds: int = Field(8, ge=1, le=1000, description="R: seeds per trial (the same in each)")
    start_year: int = Field(ge=1800, le=2200)
    quarters_per_year: int = Field(4, ge=1, le=12)
    burn_in: int = Field(0, ge=0, le=10_000, description="quarters before start_year")
    train: tuple[int, int]
    test: tuple[int, int] | None = None
    countries: dict[str, str] = Field(min_length=1, description="archetype -> real code")
    data: str | None = Field(
        None,
        description="CSV of annual real values (year, country, "
        "quantity, value), relative to the spec",
    )
    tables: str | None = Field(None, description="folder of one real table per year")
    table_format: str = "own"
    sector: str | None = Field(None, description="the real sector the chain stands for")
    parameters: dict[str, Bounds] = Field(min_length=1, max_length=40)
    targets: list[Target] = Field(min_length=1)
    search: Search = Field(default_factory=lambda: Search.model_validate({}))
    weighting: Weighting = Field(default_factory=lambda: Weighting.model_validate({}))
    screening: Screening = Field(default_factory=lambda: Screening.model_validate({}))
    diagnostics: Diagnostics = Field(default_factory=lambda: Diagnostics.model_validate({}))

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if len(name) > MAX_NAME or NAME_PATTERN.fullmatch(name) is None:
            raise ValueError(
                f"name {name[:40]!r} is not a plain name: letters, digits, '.', '_' and '-' "
                "(it names the output folder)"
            )
        return name

    @model_validator(mode="after")
    def _consistent(self) -> CalibrationSpec:
        if not self.train[0] <= self.train[1]:
            raise FieldError("train = [first, last] with first <= last", "train")
        if self.train[0] < self.start_year:
            raise FieldError(f"train starts before start_year {self.start_year}", "train")
        if self.test is not None:
            if not self.test[0] <= self.test[1]:
                raise FieldError("test = [first, last] with first <= last", "test")
            if self.test[0] <= self.train[1]:
                raise FieldError("the held-out window must start after the training one", "test")
        for name in self.parameters:
            if not name or len(name) > 200:
                raise FieldError("give a dotted world path", "parameters")
        needs_data = any(t.value is None for t in self.targets)
        if needs_data and (self.data is None) == (self.tables is None):
            raise FieldError(
                "targets without value need real data: give data (CSV) or tables (folder), "
                "not both",
                "data",
            )
        if self.tables is not None and self.sector is None:
            raise FieldError("tables need the real sector the chain stands for", "sector")
        for i, t in enumerate(self.targets):
            if t.country is not None and t.country not in self.countries:
                raise FieldError(
                    f"country {t.country!r} is not mapped in [countries]", f"targets.{i}.country"
                )
        return self

    def periods(self) -> int:
        """Quarters simulated: burn-in, then every year up to the last one used."""
        last = self.test[1] if self.test is not None else self.train[1]
        return self.burn_in + (last - self.start_year + 1) * self.quarters_per_year

    def years(self) -> list[int]:
        last = self.test[1] if self.test is not None else self.train[1]
        return list(range(self.start_year, last + 1))

    def digest(self) -> str:
        """What makes two specs the same calibration: everything but the trial budget
        (``search.trials``), so that a finished calibration can be resumed with more trials
        (the search proposes trial k from the k - 1 before it, whatever the budget), and the
        Jacobian's span, which changes no simulated point, only how the stored profile points
        are read (a resume with another span reuses them)."""
        body = self.model_dump(mode="json", by_alias=True)
        body["search"].pop("trials")
        body["diagnostics"].pop("jacobian_span")
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(
        self,
        *,
        trials: int | None = None,
        seeds: int | None = None,
        firms: int | None = None,
        where: str = "spec",
    ) -> CalibrationSpec:
        """The spec with the command line's ``--trials``, ``--seeds`` and ``--firms`` in place
        of its own, validated as if written in the file."""
        data = self.model_dump(mode="json", by_alias=True, exclude_unset=False)
        if trials is not None:
            data["search"]["trials"] = trials
        if seeds is not None:
            data["seeds"] = seeds
        if firms is not None:
            data["firms"] = firms
        return calibration_from_dict(data, where=where)


def check_held_out(spec: CalibrationSpec, *, where: str) -> None:
    """Refuse (one line) a target dated outside the training window, inside the held-out
    one in particular: nothing in the held-out window may be fitted."""
    lo, hi = spec.train
    for i, t in enumerate(spec.targets):
        years = t.years()
        field = f"targets.{i}.{t.date_field().split('/')[0] if t.kind != 'change' else 'to'}"
        if spec.test is not None and any(spec.test[0] <= y <= spec.test[1] for y in years):
            raise InputError(
                f"target {i} ({t.quantity}, {t.kind}) is dated {years[0]}"
                + (f"-{years[-1]}" if len(years) > 1 else "")
                + f", inside the held-out window {spec.test[0]}-{spec.test[1]}",
                where=where,
                field=field,
                fix=f"date it within train = [{lo}, {hi}], or move the held-out window",
            )
        if any(y < lo or y > hi for y in years):
            raise InputError(
                f"target {i} ({t.quantity}, {t.kind}) reads years {years[0]}-{years[-1]}, "
                f"outside the training window {lo}-{hi}",
                where=where,
                field=field,
                fix=f"date it within train = [{lo}, {hi}]",
            )


def _field_path(err: dict[str, object]) -> str:
    loc = err.get("loc", ())
    assert isinstance(loc, tuple)
    path = ".".join(str(p) for p in loc)
    ctx = err.get("ctx")
    cause = ctx.get("error") if isinstance(ctx, dict) else None
    if isinstance(cause, FieldError):
        path = ".".join(p for p in (path, cause.field) if p)
    return path or "spec"


def calibration_from_dict(data: dict[str, object], *, where: str = "spec") -> CalibrationSpec:
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise InputError(msg, where=where, field=_field_path(dict(err)), fix=FIX) from None
    check_held_out(spec, where=where)
    return spec


def load_calibration(path: str | Path) -> tuple[CalibrationSpec, Path]:
    """Read and validate a calibration spec; returns it and the folder paths resolve against."""
    data = read_toml(path, what="calibration spec", field="SPEC")
    return calibration_from_dict(data, where=str(path)), Path(path).resolve().parent
