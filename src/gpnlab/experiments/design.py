"""Design of an experiment: the list of runs (regime x focal x parameter point x replicate).

Replicate ``r`` gets the same seed under every regime, focal country and parameter point
(common random numbers), so differences between regimes are paired by seed. Seeds are the
``r``-th children of ``numpy.random.SeedSequence(spec.seed)``. Runs are numbered replicate
first, so an interrupted experiment holds whole early replicates.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from gpnlab.experiments.spec import Spec
from gpnlab.resources import check_memory


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


def count_points(spec: Spec) -> int:
    """Design points of ``spec``, computed from its sizes (nothing is drawn): the product of
    the levels counts (factorial), ``samples`` (lhs), ``samples * (D + 2)`` or
    ``samples * (2D + 2)`` with second order (sobol, Saltelli 2010 as SALib samples it) and
    ``samples * (D + 1)`` (morris); 1 without parameters."""
    d = len(spec.parameters)
    if d == 0:
        return 1
    kind, n = spec.design.kind, spec.design.samples
    if kind == "factorial":
        return math.prod(len(p.levels or ()) for p in spec.parameters.values())
    if kind == "lhs":
        return n
    if kind == "sobol":
        return n * (2 * d + 2 if spec.design.second_order else d + 2)
    return n * (d + 1)


def count_runs(spec: Spec) -> int:
    """Runs of ``spec``: points x regimes x focal countries x replicates, without building the
    design (:func:`count_points`)."""
    return count_points(spec) * len(spec.regimes) * len(spec.focal) * spec.replicates


#: Bytes per design value while the points are drawn: SALib's and the Latin hypercube's
#: temporaries peak at 11-24 B per value (tracemalloc, 1e5-3e5 points x 4 parameters), the
#: factorial's list of tuples at ~64 B per point plus 16 B per value.
POINT_VALUE_BYTES = 32
POINT_BYTES = 64
#: Bytes per run, measured with tracemalloc on 80,000-330,000 runs: a RunSpec with its params
#: tuple (190 B + 48 B per parameter), the store's rows DataFrame built by ``open_store``
#: (150 B + 68 B per parameter) and the driver's bookkeeping (twins, batches: 243 B).
RUN_BYTES = 200 + 160 + 250
RUN_PARAM_BYTES = 48 + 72
#: Largest estimate reported (bytes; a factorial of many parameters has astronomically many
#: points, whose byte count would not even convert to a float).
MAX_ESTIMATE = 2**60


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"more than 10^{len(str(n)) - 1}"


def design_bytes(spec: Spec) -> int:
    """Estimated peak memory (bytes) of :func:`design_points`, :func:`build_runs` and the
    store's run rows for ``spec`` (an upper-ish bound; the constants above are measured)."""
    d = len(spec.parameters)
    points = count_points(spec)
    runs = count_runs(spec)
    total = points * (POINT_BYTES + POINT_VALUE_BYTES * d) + runs * (
        RUN_BYTES + RUN_PARAM_BYTES * d
    )
    return min(total, MAX_ESTIMATE)


def check_design(spec: Spec, *, where: str = "spec") -> None:
    """Refuse (:class:`~gpnlab.resources.ResourceError`, one line) a design whose points and
    runs would not fit in memory (:func:`design_bytes`), before anything is allocated."""
    points, runs = count_points(spec), count_runs(spec)
    field = (
        "replicates"
        if spec.replicates > points
        else ("parameters" if spec.design.kind == "factorial" else "design.samples")
    )
    check_memory(
        design_bytes(spec),
        what=(
            f"a design of {_count(points)} points x {len(spec.regimes)} regimes x "
            f"{len(spec.focal)} focal x {spec.replicates:,} replicates = {_count(runs)} runs"
        ),
        where=where,
        field=field,
        fix="reduce design.samples, levels, regimes, focal countries or replicates",
    )


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


def design_points(spec: Spec, *, where: str = "spec") -> np.ndarray:
    """Parameter values, one row per design point, columns in the order of ``spec.parameters``.

    Checks first that the whole design (points and runs) fits in memory (:func:`check_design`).
    """
    check_design(spec, where=where)
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


def build_runs(
    spec: Spec, points: np.ndarray | None = None, *, where: str = "spec"
) -> list[RunSpec]:
    """Every run of the experiment, numbered replicate-major (``points``: the design, if
    already drawn by :func:`design_points`). Checks the memory first (:func:`check_design`)."""
    check_design(spec, where=where)
    if points is None:
        points = design_points(spec, where=where)
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
