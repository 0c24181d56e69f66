"""``gpnlab calibrate``: simulated method of moments on the experiment engine.

Flow (docs/estimation.md):

1. the targets: each spec target applied to its archetypes, valued from the real data of the
   training window only (:func:`gpnlab.calibrate.moments.expand_moments`);
2. optional Morris screening (SALib's trajectories; R seeds per point): parameters whose
   elementary effects stay below ``screening.threshold`` seed standard deviations on every
   moment are fixed at the base world's value;
3. the search: optuna (TPE, or CMA-ES) asks ``search.batch`` trials at a time; each trial runs
   the same R seeds (common random numbers) through the engine's worker (a persistent local
   :class:`~gpnlab.experiments.execute.LocalPool` or a Dask client: the same
   :func:`~gpnlab.experiments.worker.run_batch`); every finished trial is committed to DuckDB
   at once; once the batch is complete its trials are told in trial-number order.
   Each batch's sampler is seeded from (seed, batch) and sees exactly the trials of the earlier
   batches, so a local pool, Dask and a resumed run all ask the same trials;
4. W is fixed from the first batch (:mod:`gpnlab.calibrate.objective`); J = d' W d;
5. diagnostics around the best trial: 1-D profiles of J, the finite-difference Jacobian of the
   moments (identification table), and the SMM sandwich standard errors;
6. outputs: ``trials.parquet``, ``best.toml`` (a world ``gpnlab simulate`` accepts) and
   ``calibration.html`` (:mod:`gpnlab.report.calibration_report`).

Resume: run the same spec into the same folder; stored trials are read back (their moments
per seed), the optuna study is rebuilt from them with ``add_trials``, and only what is missing
runs. A trial interrupted mid-way (some seeds done) is run again whole.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from gpnlab import outdir
from gpnlab.calibrate.moments import (
    PANEL_COLUMNS,
    Moment,
    expand_moments,
    read_annual_csv,
    real_annual,
    run_moments,
    sim_annual,
)
from gpnlab.calibrate.objective import (
    IDENTIFIED_P,
    Weights,
    informative,
    objective,
    response,
    sandwich,
    weights,
)
from gpnlab.calibrate.spec import CalibrationSpec, load_calibration
from gpnlab.calibrate.store import (
    DB_NAME,
    TrialRecord,
    commit_trial,
    get_meta,
    open_store,
    set_meta,
    set_objective,
    stored_moments,
    stored_trials,
)
from gpnlab.errors import ExperimentStopped, InputError
from gpnlab.experiments.design import RunSpec, replicate_seed
from gpnlab.experiments.execute import (
    LOCK_NAME,
    LocalPool,
    Terminated,
    _dask_results,
    check_resources,
    connect_dask,
    experiment_lock,
    quiet_dask_shutdown,
    resolve_base,
    stop_signals,
)
from gpnlab.experiments.parameters import ParameterError, apply_parameters
from gpnlab.experiments.spec import Spec, spec_from_dict
from gpnlab.experiments.worker import RunResult
from gpnlab.simulate.config import World, scale_firms

COMMAND = "calibrate"
LOG_NAME = "calibration.log"
OUTPUTS = ("trials.parquet", "best.toml", "calibration.html")
FILES = (DB_NAME, DB_NAME + ".wal", LOCK_NAME, LOG_NAME, *OUTPUTS)


class CalibrationStopped(ExperimentStopped):
    """The calibration stopped early; every finished trial is stored."""

    def __init__(self, reason: str, stored: int, out: Path, exit_code: int, resume: str) -> None:
        super().__init__(reason, stored, 0, out)
        self.exit_code = exit_code
        self.args = (
            f"{out}: calibration stopped ({reason}); {stored} finished trial(s) are stored and "
            f"safe; resume with: {resume}",
        )


@dataclass
class Problem:
    """Everything a phase needs: the spec, the worlds, the moments and the engine spec."""

    spec: CalibrationSpec
    base: World
    moments: list[Moment]
    targets: np.ndarray
    exp: Spec  # the experiment spec the engine's worker runs
    seeds: list[int]
    real: pd.DataFrame | None  # annual real values of every year (the report's paths)
    where: str = "spec"


@dataclass
class Result:
    """What a calibration produced (also read back by the report)."""

    out: Path
    best: dict[str, float]
    best_J: float
    best_number: int
    active: list[str]
    fixed: list[str]
    weights: Weights
    ran: int = 0
    reused: int = 0
    wall_s: float = 0.0
    backend: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def engine_spec(spec: CalibrationSpec, base: World) -> Spec:
    """The experiment spec whose worker runs a trial's seeds: every quarter of the mapped
    panel columns, no stage table."""
    return spec_from_dict(
        {
            "name": spec.name,
            "firms": spec.firms,
            "periods": spec.periods(),
            "seed": spec.seed,
            "focal": [base.countries[0].code],
            "replicates": spec.seeds,
            "outputs": {"columns": PANEL_COLUMNS, "every": 1, "stages": False},
            "analysis": {"rank_by": "fva_share", "sensitivity_outcomes": ["fva_share"]},
        },
        where="calibration",
    )


def check_parameters(spec: CalibrationSpec, base: World, *, where: str) -> None:
    """Every parameter applies at both ends of its range (one line naming the field if not)."""
    world = base if spec.firms is None else scale_firms(base, spec.firms)
    focal = base.countries[0].code
    for name, b in spec.parameters.items():
        for v in b.range:
            try:
                apply_parameters(world, {name: v}, focal)
            except (ParameterError, InputError) as exc:
                msg = exc.what if isinstance(exc, InputError) else str(exc)
                raise InputError(
                    f"{msg} (value {v:g})",
                    where=where,
                    field=f"parameters.{name}",
                    fix="use a path and range valid for the world "
                    "(docs/experiments.md, docs/estimation.md)",
                ) from None
    codes = {c.code for c in base.countries}
    for arch in spec.countries:
        if arch not in codes:
            raise InputError(
                f"archetype {arch!r} is not a country of the world",
                where=where,
                field=f"countries.{arch}",
                fix=f"choose among {', '.join(sorted(codes))}",
            )


def load_real(spec: CalibrationSpec, root: Path) -> pd.DataFrame | None:
    if spec.data is not None:
        return read_annual_csv(root / spec.data)
    if spec.tables is not None:
        assert spec.sector is not None
        return real_annual(root / spec.tables, spec.sector, spec.years(), spec.table_format)
    return None


def prepare(spec: CalibrationSpec, base: World, root: Path, *, where: str) -> Problem:
    check_parameters(spec, base, where=where)
    real = load_real(spec, root)
    moments = expand_moments(spec, real, where=where)
    seeds = [replicate_seed(spec.seed, r) for r in range(spec.seeds)]
    return Problem(
        spec,
        base,
        moments,
        np.array([m.value for m in moments]),
        engine_spec(spec, base),
        seeds,
        real,
        where,
    )


# -- the engine: points of R seeds through the experiments' worker -----------------------------


class Engine:
    """Runs points (parameter values, R seeds each) on a local pool or a Dask client."""

    def __init__(self, prob: Problem, *, processes: int | None, client: Any) -> None:
        self.prob = prob
        self.client = client
        n = processes or os.cpu_count() or 1
        self.pool = None if client is not None else LocalPool(prob.exp, prob.base, n)
        self.workers = (
            max(1, len(client.scheduler_info().get("workers", {}))) if client is not None else n
        )
        self.backend = (
            f"dask ({self.workers} workers)" if client is not None else f"local ({n} processes)"
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def run(
        self, points: list[tuple[int, dict[str, float]]]
    ) -> Iterator[tuple[int, list[RunResult]]]:
        """(key, R results in seed order) for each point, as soon as its seeds are done."""
        R = len(self.prob.seeds)
        focal = self.prob.base.countries[0].code
        runs: list[RunSpec] = []
        owner: dict[int, int] = {}
        for key, params in points:
            for r, seed in enumerate(self.prob.seeds):
                rid = len(runs)
                owner[rid] = key
                runs.append(
                    RunSpec(
                        rid, key, "laissez_faire", focal, r, seed, tuple(sorted(params.items()))
                    )
                )
        if not runs:
            return
        chunk = max(1, min(R, math.ceil(len(runs) / (2 * self.workers))))
        tasks = [
            [r for r in runs if owner[r.run_id] == key][i : i + chunk]
            for key, _ in points
            for i in range(0, R, chunk)
        ]
        got: dict[int, list[RunResult]] = {key: [] for key, _ in points}
        stream: Iterator[list[RunResult]]
        if self.client is not None:
            stream = _dask_results(self.client, self.prob.exp, self.prob.base, tasks)
        else:
            assert self.pool is not None
            stream = self.pool.results(tasks)
        for results in stream:
            for res in results:
                key = owner[res.run_id]
                got[key].append(res)
                if len(got[key]) == R:
                    yield key, sorted(got[key], key=lambda x: x.run_id)


def evaluate(
    prob: Problem, results: list[RunResult]
) -> tuple[np.ndarray, pd.DataFrame | None, str]:
    """(R, K) moments, the annual paths (seed_index, country, year, quantity, value) and the
    first error of one point's runs."""
    R, K = len(prob.seeds), len(prob.moments)
    moments = np.full((R, K), np.nan)
    frames = []
    errors = [r.error for r in results if r.status != "done"]
    if errors:
        return moments, None, errors[0]
    for i, res in enumerate(results):
        assert res.panel is not None
        annual = sim_annual(res.panel, prob.spec)
        moments[i] = run_moments(annual, prob.spec, prob.moments)
        frames.append(annual.assign(seed_index=np.int32(i)))
    return moments, pd.concat(frames, ignore_index=True), ""


# -- the calibration ----------------------------------------------------------------------------


def _sampler_seed(seed: int, phase: int, batch: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(977, phase, batch)).generate_state(1)[0])


def make_sampler(spec: CalibrationSpec, batch: int) -> Any:
    import optuna

    seed = _sampler_seed(spec.seed, 1, batch)
    if spec.search.sampler == "cmaes":
        return optuna.samplers.CmaEsSampler(
            seed=seed,
            n_startup_trials=0,
            independent_sampler=optuna.samplers.RandomSampler(seed=seed),
            popsize=spec.search.batch if spec.search.batch >= 4 else None,
            warn_independent_sampling=False,
        )
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=spec.search.startup, constant_liar=True, multivariate=True
    )


@dataclass
class _State:
    con: duckdb.DuckDBPyConnection
    signals: Any
    log: Any
    on_point: Callable[[int], None] | None
    ran: int = 0
    reused: int = 0
    stored: int = 0


def _run_points(
    prob: Problem,
    eng: Engine,
    st: _State,
    phase: str,
    batch: int,
    points: list[tuple[int, dict[str, float]]],
    attrs: dict[int, str] | None = None,
) -> dict[int, np.ndarray]:
    """Run and commit the points of ``phase`` not yet stored; (R, K) moments of every point."""
    R, K = len(prob.seeds), len(prob.moments)
    have = stored_moments(st.con, phase, R, K)
    done = set(stored_trials(st.con, phase)["number"].astype(int))
    out = {k: have[k] for k, _ in points if k in done and k in have}
    st.reused += len(out)
    if st.on_point is not None and out:
        st.on_point(len(out))
    todo = [(k, p) for k, p in points if k not in out]
    params_of = dict(todo)
    t0 = time.perf_counter()
    for key, results in eng.run(todo):
        moments, annual, error = evaluate(prob, results)
        rec = TrialRecord(
            phase,
            key,
            batch,
            params_of[key],
            "failed" if error else "done",
            sum(r.wall_s for r in results),
            moments,
            annual,
            error=error,
            system_attrs=(attrs or {}).get(key, "{}"),
        )
        with st.signals.deferred():
            commit_trial(st.con, prob.spec, rec)
            st.stored += 1
        st.ran += 1
        st.log.write(f"{phase} {key} {rec.status} {rec.wall_s:.3f}s {error}\n")
        st.log.flush()
        out[key] = moments
        if st.on_point is not None:
            st.on_point(1)
    st.log.write(
        f"{phase} batch {batch}: {len(todo)} point(s) in {time.perf_counter() - t0:.3f}s\n"
    )
    return out


def _screen(prob: Problem, eng: Engine, st: _State) -> tuple[list[str], pd.DataFrame]:
    """Morris screening: the parameters kept and the table (parameter x moment: mu*/sd)."""
    from SALib.sample import morris

    names = list(prob.spec.parameters)
    cfg = prob.spec.screening
    if cfg.trajectories == 0:
        return names, pd.DataFrame()
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(prob.spec.parameters[n].range) for n in names],
    }
    X = morris.sample(problem, cfg.trajectories, num_levels=cfg.levels, seed=prob.spec.seed)
    points = [(i, {n: float(x[j]) for j, n in enumerate(names)}) for i, x in enumerate(X)]
    per = _run_points(prob, eng, st, "screen", 0, points)
    Y = np.array([np.nanmean(per[i], axis=0) for i in range(len(X))])  # (points, K)
    P = len(names)
    sd = np.sqrt(
        np.diag(weights([per[i] for i in range(len(X))], prob.targets, prob.spec.weighting).S)
    ) / np.sqrt(len(prob.seeds))
    effects: dict[int, list[np.ndarray]] = {j: [] for j in range(P)}
    for t in range(cfg.trajectories):
        rows = slice(t * (P + 1), (t + 1) * (P + 1))
        x, y = X[rows], Y[rows]
        for s in range(P):
            moved = np.flatnonzero(x[s + 1] != x[s])
            if len(moved) == 1:
                effects[int(moved[0])].append(np.abs(y[s + 1] - y[s]))
    table = pd.DataFrame(
        {
            n: np.nanmean(effects[j], axis=0) / sd if effects[j] else np.nan
            for j, n in enumerate(names)
        },
        index=[m.label for m in prob.moments],
    ).T
    score = table.max(axis=1)
    keep = [n for n in names if score[n] >= cfg.threshold]
    if not keep:
        keep = [str(score.idxmax())]
    return keep, table


def _fixed_weights(prob: Problem, st: _State, first: list[np.ndarray]) -> Weights:
    saved = get_meta(st.con, "weights")
    if saved is not None:
        d = json.loads(saved)
        return Weights(np.array(d["W"]), np.array(d["S"]), d["kind"], d["reason"], d["dof"])
    w = weights(first, prob.targets, prob.spec.weighting)
    body = {"W": w.W.tolist(), "S": w.S.tolist(), "kind": w.kind, "reason": w.reason, "dof": w.dof}
    with st.signals.deferred():
        set_meta(st.con, "weights", json.dumps(body))
    return w


def _search(
    prob: Problem, eng: Engine, st: _State, active: list[str]
) -> tuple[list[tuple[int, Any]], Weights, dict[int, np.ndarray]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec = prob.spec
    dists: dict[str, optuna.distributions.BaseDistribution] = {
        n: optuna.distributions.FloatDistribution(*spec.parameters[n].range) for n in active
    }
    told: list[Any] = []
    numbers: list[int] = []
    W: Weights | None = None
    allm: dict[int, np.ndarray] = {}
    n_batches = math.ceil(spec.search.trials / spec.search.batch)
    stored = stored_trials(st.con, "search")
    stored_params = {
        int(n): json.loads(str(v)) for n, v in zip(stored["number"], stored["params"], strict=True)
    }
    for b in range(n_batches):
        size = min(spec.search.batch, spec.search.trials - b * spec.search.batch)
        study = optuna.create_study(direction="minimize", sampler=make_sampler(spec, b))
        study.add_trials(told)
        asked = [study.ask(dists) for _ in range(size)]
        points = [(t.number, {n: float(t.params[n]) for n in active}) for t in asked]
        for key, p in points:
            if key in stored_params and stored_params[key] != p:
                raise InputError(
                    f"stored trial {key} has other parameters than the sampler asks now",
                    where=DB_NAME,
                    field="--out",
                    fix="run again with --fresh",
                )
        frozen = {t.number: t for t in study.get_trials(deepcopy=False)}
        sys_attrs = {t.number: dict(frozen[t.number].system_attrs) for t in asked}
        attrs = {k: json.dumps(v, sort_keys=True) for k, v in sys_attrs.items()}
        moments = _run_points(prob, eng, st, "search", b, points, attrs)
        allm.update(moments)
        if W is None:
            W = _fixed_weights(prob, st, [moments[k] for k, _ in points])
        Js = {k: objective(np.nanmean(moments[k], axis=0), prob.targets, W.W) for k, _ in points}
        with st.signals.deferred():
            set_objective(st.con, "search", Js)
        for _t, (key, p) in zip(asked, points, strict=True):  # trial-number order
            ok = np.isfinite(Js[key])
            numbers.append(key)
            told.append(
                optuna.trial.create_trial(
                    params=p,
                    distributions=dists,
                    value=Js[key] if ok else None,
                    state=optuna.trial.TrialState.COMPLETE if ok else optuna.trial.TrialState.FAIL,
                    system_attrs=sys_attrs[key],
                )
            )
    assert W is not None
    return list(zip(numbers, told, strict=True)), W, allm


def _profiles(
    prob: Problem,
    eng: Engine,
    st: _State,
    best: dict[str, float],
    active: list[str],
    W: Weights,
    best_m: np.ndarray,
) -> dict[str, Any]:
    """1-D profiles of J, the Jacobian of the mean moments and the sandwich covariance."""
    spec = prob.spec
    offs = spec.diagnostics.offsets
    points, where = [], []
    for j, n in enumerate(active):
        lo, hi = spec.parameters[n].range
        for o, off in enumerate(offs):
            v = float(np.clip(best[n] + off * (hi - lo), lo, hi))
            points.append((j * len(offs) + o, {**best, n: v}))
            where.append((n, off, v))
    per = _run_points(prob, eng, st, "profile", 0, points)
    K, P = len(prob.moments), len(active)
    mean = {k: np.nanmean(m, axis=0) for k, m in per.items()}
    rows = []
    for (k, _p), (n, off, v) in zip(points, where, strict=True):
        rows.append(
            {"parameter": n, "offset": off, "value": v, "J": objective(mean[k], prob.targets, W.W)}
        )
    for n in active:
        rows.append(
            {
                "parameter": n,
                "offset": 0.0,
                "value": best[n],
                "J": objective(np.nanmean(best_m, axis=0), prob.targets, W.W),
            }
        )
    profile = pd.DataFrame(rows).sort_values(["parameter", "value"], kind="stable")
    # G and the response test (objective.response) from the points within jacobian_span of
    # the estimate (at least the smallest offset on either side) and the estimate itself
    smallest = (min(-o for o in offs if o < 0), min(o for o in offs if o > 0))
    span = max(spec.diagnostics.jacobian_span, *smallest)
    near = [o for o, off in enumerate(offs) if abs(off) <= span + 1e-12]
    m0 = np.nanmean(best_m, axis=0)
    R = len(prob.seeds)
    G = np.zeros((K, P))
    response_p = np.full(P, np.nan)
    g_noise = np.full(P, np.inf)
    for j, n in enumerate(active):
        x = np.array([best[n]] + [where[j * len(offs) + o][2] for o in near])
        y = np.vstack([m0] + [mean[j * len(offs) + o] for o in near])
        G[:, j], response_p[j], g_noise[j] = response(x, y, W.S, R)
    responds = np.flatnonzero(response_p < IDENTIFIED_P)  # NaN compares False
    identified = informative(G, W.W, W.S, g_noise, responds)
    held = np.zeros(P, bool)  # responds, but within its slope's noise: held at its estimate
    held[np.setdiff1d(responds, identified)] = True
    cov = np.full((P, P), np.nan)
    if identified.size:  # the others held at their estimates
        cov[np.ix_(identified, identified)] = sandwich(
            G[:, identified], W.W, W.S, R, g_noise[identified]
        )
    return {
        "profile": profile,
        "jacobian": G,
        "cov": cov,
        "response_p": response_p,
        "held": held,
        "jacobian_span": span,
    }


def planned_points(spec: CalibrationSpec) -> int:
    """Parameter points a calibration simulates at most: Morris screening, the search, the
    profiles of J (each point runs ``spec.seeds`` seeds)."""
    n_screen = spec.screening.trajectories * (len(spec.parameters) + 1)
    n_prof = len(spec.parameters) * len(spec.diagnostics.offsets) * int(spec.diagnostics.enabled)
    return n_screen + spec.search.trials + n_prof


def check_calibration_resources(
    spec: CalibrationSpec,
    base: World,
    processes: int | None,
    workers: int | None,
    scheduler: str | None,
    client: Any,
    *,
    yes: bool,
    where: str,
) -> float:
    """The experiments' resource rule (:func:`gpnlab.experiments.execute.check_resources`) for
    the calibration's simulations: memory of one simulation per local process, and the run
    count against a day of work. Returns the estimated seconds."""
    dask = client is not None or scheduler is not None or workers is not None
    n_workers = (workers or 1) if dask else (processes or os.cpu_count() or 1)
    local = 0 if client is not None or scheduler is not None else n_workers
    runs = planned_points(spec) * spec.seeds
    return check_resources(
        engine_spec(spec, base), base, runs, max(local, 1), n_workers, yes=yes, where=where
    )


def run_calibration(
    spec: CalibrationSpec | str | Path,
    out: str | Path | None = None,
    *,
    root: str | Path | None = None,
    base: World | None = None,
    processes: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    fresh: bool = False,
    overwrite: bool = False,
    report: bool = True,
    where: str = "spec",
    on_start: Callable[[int], None] | None = None,
    on_point: Callable[[int], None] | None = None,
    yes: bool = False,
) -> Result:
    """Run (or resume) a calibration into ``out`` [out/calibrations/<name>]. Refused before
    anything is written when one simulation per local process would exceed the machine's
    memory, or when the estimated time exceeds a day without ``yes``
    (:func:`check_calibration_resources`)."""
    t0 = time.perf_counter()
    if not isinstance(spec, CalibrationSpec):
        where = str(spec) if where == "spec" else where
        spec, spec_root = load_calibration(spec)
        root = spec_root if root is None else root
    rootp = Path(root) if root is not None else Path.cwd()
    if base is None:
        base = resolve_base(spec, rootp, where=where)
    prob = prepare(spec, base, rootp, where=where)
    outp = Path(out) if out is not None else Path("out/calibrations") / spec.name
    if workers is not None and workers < 1:
        raise InputError("workers must be at least 1", where="--workers", field="workers")
    if processes is not None and processes < 1:
        raise InputError("processes must be at least 1", where="--processes", field="processes")
    check_calibration_resources(spec, base, processes, workers, scheduler, client, yes=yes,
                                where=where)  # fmt: skip
    folder = outdir.claim_folder(outp, command=COMMAND, overwrite=overwrite)
    own_client = client is None and (workers is not None or scheduler is not None)
    resume = f"gpnlab calibrate {where} --out {outp}" if where != "spec" else "the same call"
    with stop_signals() as signals, experiment_lock(folder):
        owned = outdir.owned_files(folder, COMMAND)
        clash = [n for n in FILES if n != LOCK_NAME and (folder / n).exists() and n not in owned]
        outdir.refuse_clash(folder, clash, fix="move it away or give --out another folder")
        outdir.record_files(folder, COMMAND, FILES)
        if fresh:
            for name in (DB_NAME, DB_NAME + ".wal"):
                if name in owned:
                    (folder / name).unlink(missing_ok=True)
        con = open_store(folder, spec, base)
        st = _State(con, signals, (folder / LOG_NAME).open("a", encoding="utf-8"), on_point)
        eng: Engine | None = None
        try:
            if own_client:
                client = connect_dask(workers, scheduler)
            eng = Engine(prob, processes=processes, client=client)
            if on_start is not None:
                on_start(planned_points(spec))
            active, screen = _screen(prob, eng, st)
            told, W, allm = _search(prob, eng, st, active)
            Js = np.array([t.value if t.value is not None else np.inf for _, t in told])
            best_number, best_t = told[int(np.argmin(Js))]
            best = {n: float(best_t.params[n]) for n in active}
            diag: dict[str, Any] = {}
            if spec.diagnostics.enabled:
                diag = _profiles(prob, eng, st, best, active, W, allm[best_number])
            result = Result(
                folder,
                best,
                float(Js.min()),
                best_number,
                active,
                [n for n in spec.parameters if n not in active],
                W,
                ran=st.ran,
                reused=st.reused,
                backend=eng.backend,
                extra={"screen": screen, "best_moments": allm[best_number], **diag},
            )
            write_outputs(prob, result, con, folder, report=report)
        except (KeyboardInterrupt, Terminated) as exc:
            if client is not None:
                quiet_dask_shutdown()
            term = isinstance(exc, Terminated)
            raise CalibrationStopped(
                "terminated" if term else "interrupted",
                st.stored,
                outp,
                143 if term else 130,
                resume,
            ) from None
        finally:
            if eng is not None:
                eng.close()
            st.log.close()
            with contextlib.suppress(duckdb.Error):
                con.close()
            if own_client and client is not None:
                cluster = client.cluster
                with contextlib.suppress(Exception):
                    client.close()
                    if cluster is not None:
                        cluster.close()
    result.wall_s = time.perf_counter() - t0
    return result


# -- outputs -----------------------------------------------------------------------------------


def best_world(prob: Problem, best: dict[str, float]) -> World:
    """The calibrated world: the base at the spec's firm count, the estimates set, and the
    calibration's horizon and first seed (so ``gpnlab simulate best.toml`` runs seed 0 of the
    fit)."""
    w = prob.base if prob.spec.firms is None else scale_firms(prob.base, prob.spec.firms)
    w = apply_parameters(w, best, prob.base.countries[0].code)
    return w.model_copy(update={"periods": prob.spec.periods(), "seed": prob.seeds[0]})


def write_outputs(
    prob: Problem, result: Result, con: duckdb.DuckDBPyConnection, folder: Path, *, report: bool
) -> None:
    from gpnlab.calibrate.toml_out import world_toml

    trials = con.execute(
        "SELECT phase, number, batch, J, status, wall_s, error, params, "
        + ", ".join(f'"{n}"' for n in prob.spec.parameters)
        + " FROM trials ORDER BY phase, number"
    ).df()
    mean = con.execute(
        "SELECT phase, number, moment, avg(value) AS value FROM moments GROUP BY ALL ORDER BY ALL"
    ).df()
    wide = mean.pivot_table(index=["phase", "number"], columns="moment", values="value")
    wide.columns = [f"m{int(c)}" for c in wide.columns]
    trials = trials.merge(wide.reset_index(), on=["phase", "number"], how="left")
    from gpnlab.calibrate import analysis

    annual = con.execute(
        "SELECT seed_index, country, year, quantity, value FROM annual "
        "WHERE phase = 'search' AND number = ?",
        [result.best_number],
    ).df()
    best_m = result.extra["best_moments"]
    tables: dict[str, Any] = {"trials": trials}
    tables["estimates"] = analysis.estimates(prob, result, trials)
    tables["fit"] = analysis.fit_table(prob, best_m, result.weights.W)
    tables["paths"] = analysis.paths(prob, annual)
    tables["oos"] = analysis.out_of_sample(prob, tables["paths"])
    tables["identification"] = analysis.identification(prob, result)
    tables["summary"] = analysis.summarise(prob, result, tables)
    est = tables["estimates"].set_index("parameter")
    result.extra.update(
        se={n: float(est.loc[n, "se"]) for n in result.active},
        oos_summary=tables["summary"],
        tables=tables,
    )
    world = best_world(prob, result.best)
    header = (
        f"# gpnlab calibrate {prob.spec.name}: the base world '{prob.base.name}' at the "
        f"estimates of search trial {result.best_number} (J = {result.best_J:.4g})\n"
        + "".join(f"#   {n} = {v:.6g}\n" for n, v in result.best.items())
        + "# run it with: gpnlab simulate best.toml\n"
    )
    with outdir.staged_files(folder, COMMAND) as stage:
        trials.to_parquet(stage / "trials.parquet", index=False)
        (stage / "best.toml").write_text(header + world_toml(world), encoding="utf-8")
        if report:
            from gpnlab.report.calibration_report import write_report

            write_report(prob, result, tables, stage / "calibration.html")
