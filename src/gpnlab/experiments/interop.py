"""Experiments in the forms SALib and the EMA Workbench consume, without glue code.

* SALib: :func:`gpnlab.experiments.design.salib_problem` is SALib's ``problem`` dict
  (``num_vars``, ``names``, ``bounds``); ``SALib.sample.*.sample(problem, N)`` and
  ``SALib.analyze.*.analyze(problem, Y)`` take it as is.
* EMA Workbench (Kwakkel 2017): :class:`OutcomeFunction` is a picklable callable
  ``f(regime=..., focal=..., seed=..., **parameters) -> {outcome: value}`` -- the function a
  workbench ``Model(name, function=f)`` wraps -- and :func:`ema_model` builds that model with
  the spec's parameters as ``RealParameter`` uncertainties, regime and focal country as
  ``CategoricalParameter`` levers and the kept columns as ``ScalarOutcome`` s (needs
  ``pip install ema_workbench``; gpnlab does not depend on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gpnlab.experiments.design import RunSpec, salib_problem
from gpnlab.experiments.spec import Spec
from gpnlab.experiments.worker import simulate_run
from gpnlab.simulate.config import World


@dataclass(frozen=True)
class OutcomeFunction:
    """One run as a function: keyword parameters in, last-period focal outcomes out."""

    spec: Spec
    base: World

    def __call__(
        self, regime: str | None = None, focal: str | None = None, seed: int = 0, **params: float
    ) -> dict[str, float]:
        unknown = set(params) - set(self.spec.parameters)
        if unknown:
            raise TypeError(
                f"unknown parameter(s) {sorted(unknown)}; the spec declares "
                f"{sorted(self.spec.parameters)}"
            )
        run = RunSpec(
            run_id=0,
            point=0,
            regime=regime or self.spec.baseline,
            focal=focal or self.spec.focal[0],
            replicate=0,
            seed=int(seed),
            params=tuple((k, float(v)) for k, v in params.items()),
        )
        res = simulate_run(self.spec, self.base, run)
        last = res.panel.loc[
            (res.panel["period"] == self.spec.periods) & (res.panel["country"] == run.focal)
        ].iloc[0]
        return {c: float(last[c]) for c in self.spec.outputs.columns}


def ema_model(spec: Spec, base: World, name: str | None = None) -> Any:
    """An EMA Workbench ``Model`` of the experiment (requires ema_workbench)."""
    try:
        from ema_workbench import (
            CategoricalParameter,
            Constant,
            Model,
            RealParameter,
            ScalarOutcome,
        )
    except ImportError as exc:  # pragma: no cover - exercised only without the package
        raise ImportError("ema_model needs the EMA Workbench: pip install ema_workbench") from exc
    model = Model(name or spec.name.replace("-", "_"), function=OutcomeFunction(spec, base))
    bounds = salib_problem(spec)["bounds"]
    model.uncertainties = [
        RealParameter(n, lo, hi)
        for n, (lo, hi) in zip(spec.parameters, bounds, strict=True)  # type: ignore[call-overload]
    ]
    factors = {"regime": spec.regimes, "focal": spec.focal}
    model.levers = [CategoricalParameter(k, v) for k, v in factors.items() if len(v) > 1]
    model.constants = [Constant(k, v[0]) for k, v in factors.items() if len(v) == 1]
    model.outcomes = [ScalarOutcome(c) for c in spec.outputs.columns]
    return model
