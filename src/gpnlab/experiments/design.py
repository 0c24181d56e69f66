"""Design of an experiment: the list of runs (regime x focal x parameter point x replicate).

Replicate ``r`` gets the same seed under every regime, focal country and parameter point
(common random numbers), so differences between regimes are paired by seed. Seeds are the
``r``-th children of ``numpy.random.SeedSequence(spec.seed)``. Runs are numbered replicate
first, so an interrupted experiment holds whole early replicates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from gpnlab.experiments.spec import Spec


@dataclass(frozen=True)
class RunSpec:
    """One simulation run of an experiment."""

    run_id: int
    point: int
    regime: str
    focal: str
    replicate: int
    seed: int
    params: tuple[tuple[str, float], ...] = ()


def replicate_seed(seed: int, replicate: int) -> int:
    """Seed of replicate ``r``: the r-th child of SeedSequence(seed), as a 63-bit integer."""
    child = np.random.SeedSequence(seed, spawn_key=(replicate,))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def salib_problem(spec: Spec) -> dict[str, object]:
    """The parameters as a SALib ``problem`` dict (names and uniform bounds)."""
    names = list(spec.parameters)
    bounds = []
    for p in spec.parameters.values():
        if p.range is not None:
            bounds.append([p.range[0], p.range[1]])
        else:
            assert p.levels is not None
            bounds.append([min(p.levels), max(p.levels)])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def latin_hypercube(n: int, d: int, seed: int) -> np.ndarray:
    """``n`` points of a Latin hypercube in [0, 1)^d: one point per stratum in each dimension."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31,)))
    u = rng.random((n, d))
    strata = np.stack([rng.permutation(n) for _ in range(d)], axis=1)
    return (strata + u) / n


def design_points(spec: Spec) -> np.ndarray:
    """Parameter values, one row per design point, columns in the order of ``spec.parameters``."""
    params = list(spec.parameters.values())
    d = len(params)
    kind = spec.design.kind
    if d == 0:
        return np.zeros((1, 0))
    if kind == "factorial":
        levels = [p.levels for p in params]
        return np.array(list(itertools.product(*levels)), dtype=float)  # type: ignore[arg-type]
    problem = salib_problem(spec)
    bounds = np.array(problem["bounds"], dtype=float)
    if kind == "lhs":
        u = latin_hypercube(spec.design.samples, d, spec.seed)
        return bounds[:, 0] + u * (bounds[:, 1] - bounds[:, 0])
    if kind == "sobol":
        from SALib.sample import sobol

        return np.asarray(
            sobol.sample(
                problem,
                spec.design.samples,
                calc_second_order=spec.design.second_order,
                scramble=True,
                seed=spec.seed,
            )
        )
    from SALib.sample import morris

    return np.asarray(
        morris.sample(problem, spec.design.samples, num_levels=spec.design.levels, seed=spec.seed)
    )


def build_runs(spec: Spec, points: np.ndarray | None = None) -> list[RunSpec]:
    """Every run of the experiment, numbered replicate-major (``points``: the design, if
    already drawn by :func:`design_points`)."""
    if points is None:
        points = design_points(spec)
    names = list(spec.parameters)
    runs: list[RunSpec] = []
    for r in range(spec.replicates):
        seed = replicate_seed(spec.seed, r)
        for focal in spec.focal:
            for k, row in enumerate(points):
                params = tuple((n, float(v)) for n, v in zip(names, row, strict=True))
                for regime in spec.regimes:
                    runs.append(RunSpec(len(runs), k, regime, focal, r, seed, params))
    return runs
