"""Experiments: policy regimes compared over designs and replicate seeds (issue 4).

``spec`` (TOML) -> ``design`` (runs) -> ``execute`` (process pool or Dask) -> ``store``
(DuckDB) -> ``analysis`` (intervals, paired differences, Sobol / Morris indices).

The notebook API (issue 14) is importable from here::

    from gpnlab.experiments import analyse, load_spec, read_results, run_experiment

    spec, root = load_spec("examples/experiments/smoke.toml")
    run_experiment(spec, out="out/smoke", root=root)   # client=distributed.Client(...)
    a = analyse("out/smoke")                           # Analysis: tidy pandas frames
    a.ranking, a.differences, a.smile, a.notes

Names are imported on first use, so that ``import gpnlab.experiments.spec`` (and every worker
process) does not load the store, the analysis or Dask.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gpnlab.experiments.api import Analysis, StoredResults, analyse, read_results
    from gpnlab.experiments.execute import Outcome, resolve_base, run_experiment
    from gpnlab.experiments.spec import Spec, load_spec, spec_from_dict

_WHERE = {
    "Analysis": "api",
    "StoredResults": "api",
    "analyse": "api",
    "read_results": "api",
    "Outcome": "execute",
    "resolve_base": "execute",
    "run_experiment": "execute",
    "Spec": "spec",
    "load_spec": "spec",
    "spec_from_dict": "spec",
}

__all__ = [
    "Analysis",
    "Outcome",
    "Spec",
    "StoredResults",
    "analyse",
    "load_spec",
    "read_results",
    "resolve_base",
    "run_experiment",
    "spec_from_dict",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"gpnlab.experiments.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'gpnlab.experiments' has no attribute {name!r}")
