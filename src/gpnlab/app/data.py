"""The app's one door to the simulator and the analysis functions.

Every page gets its numbers from here, and this module only calls the functions the CLI and
the report use (``simulate``, ``apply_regime``, ``experiments.analysis``, ``read_table`` and
``measure_all``), so the app shows what the report would: an experiment folder is analysed by
the notebook API's :func:`gpnlab.experiments.analyse` (:func:`open_experiment`); the app's own
runs, which have no folder, by the same analysis functions (:func:`analyse_tables`).

Runs of the app are laid out like an experiment's store (``runs``, ``panel``, ``stages``
frames keyed by ``run_id``), so the same analysis applies: the mean across seeds with a
Student-t interval (:func:`gpnlab.experiments.analysis.summarise`), the difference from
laissez-faire paired by seed (:func:`~gpnlab.experiments.analysis.differences`), the smile
curve and concentration by stage (:func:`gpnlab.experiments.analysis.smile_table`,
:func:`~gpnlab.experiments.analysis.concentration_table`).
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from gpnlab.errors import InputError
from gpnlab.simulate.config import World, load_world, scale_firms
from gpnlab.simulate.policy import REGIMES, apply_regime
from gpnlab.simulate.presets import load_preset, preset_names

if TYPE_CHECKING:
    from gpnlab.table import IOTable

# The analysis, report and run modules (scipy, matplotlib, DuckDB) are imported where they are
# used, so the first page paints without them; :func:`warm_up` loads them in the background.

from .params import apply_controls
from .paths import find_under, resolve_under

BASELINE = "laissez_faire"
OUTCOMES = [
    "dva_share",
    "capability_ht",
    "capability_lt",
    "functional_position",
    "value_captured",
    "employment",
    "informal_share",
    "policy_cost",
]
"""Panel columns the app analyses (those of the shipped experiments)."""
LEVEL = 0.95
THREADS = 2
"""Runs simulated at once: the kernels release the GIL (``nogil``), so two threads use two
cores without the start-up cost of processes."""


class Cancelled(Exception):
    """A run was cancelled by the user (raised from the progress callback)."""


def warm_up() -> None:
    """Import what a run needs (call in a background thread once the page is up)."""
    import gpnlab.experiments.analysis  # noqa: F401
    import gpnlab.measure.indicators  # noqa: F401
    import gpnlab.report.experiment_report  # noqa: F401
    import gpnlab.report.network_figure  # noqa: F401
    import gpnlab.simulate.run  # noqa: F401


def simulate(world: World, **kwargs: Any) -> Any:
    """:func:`gpnlab.simulate.run.simulate` (imported on first use)."""
    from gpnlab.simulate.run import simulate as run

    return run(world, **kwargs)


def world_choices(root: Path) -> list[str]:
    """Shipped presets (``preset:NAME``) and TOML files under the root (relative paths)."""
    return [f"preset:{n}" for n in preset_names()] + find_under(root, "**/*.toml")


def load_choice(root: Path, choice: str) -> World:
    """A world from :func:`world_choices`: a preset, or a TOML file under the root."""
    if choice.startswith("preset:"):
        return load_preset(choice.removeprefix("preset:"))
    return load_world(resolve_under(root, choice, field="world"))


def focal_choices(world: World) -> list[str]:
    """Countries a regime can be applied to (not flagship home economies)."""
    return [c.code for c in world.countries if not c.flagship_home]


@dataclass
class RunRequest:
    world: World
    focal: str
    regimes: list[str]
    seeds: int
    periods: int
    firms: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # controls moved by the user
    table_of: str | None = None  # regime whose first seed also returns its last table


@dataclass
class RunSet:
    """Runs in the layout of an experiment store, and one emitted table."""

    tables: dict[str, pd.DataFrame]
    table: IOTable | None
    roles: list[str]
    wall_s: float


def run_worlds(req: RunRequest) -> dict[str, World]:
    """The world of each regime: scaled, regime applied to the focal country, then the user's
    controls (policy controls only on the chosen regime, mechanism controls on all)."""
    base = req.world if req.firms is None else scale_firms(req.world, req.firms)
    mech = {k: v for k, v in req.values.items() if k.startswith("mechanisms.")}
    out = {}
    for i, regime in enumerate(req.regimes):
        w = apply_regime(base, regime, [req.focal])
        values = req.values if i == 0 else mech
        out[regime] = apply_controls(w, values, [req.focal])
    return out


CACHE_RUNS = 64
"""Runs kept in memory (a few hundred kB each at 4,000 firms): moving an instrument and
pressing Run again re-simulates the regime, not laissez-faire."""
_CACHE: OrderedDict[tuple[str, int, int, bool], Any] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def world_digest(world: World) -> str:
    """SHA-256 of the world's JSON: equal worlds, equal digests."""
    return hashlib.sha256(world.model_dump_json().encode()).hexdigest()


def _remember(key: tuple[str, int, int, bool], res: Any) -> None:
    from gpnlab.simulate.run import Results

    with _CACHE_LOCK:
        _CACHE[key] = Results(res.panel, res.stages, res.firms.iloc[0:0], res.tables)
        while len(_CACHE) > CACHE_RUNS:
            _CACHE.popitem(last=False)


def run_many(
    req: RunRequest,
    progress: Callable[[float], None] | None = None,
    stop: threading.Event | None = None,
) -> RunSet:
    """Simulate every (regime, seed) of ``req``, seeds ``world.seed + r`` shared by the
    regimes (so differences are paired), two at a time. ``progress(fraction)`` is called after
    every quarter of every run; setting ``stop`` raises :class:`Cancelled` within a quarter.
    A (world, seed, quarters) simulated before in this process is taken from memory."""
    import time

    t0 = time.perf_counter()
    worlds = run_worlds(req)
    jobs = [(regime, r) for regime in req.regimes for r in range(req.seeds)]
    total = len(jobs) * req.periods
    done = [0]
    lock = threading.Lock()

    def tick(_period: int) -> None:
        if stop is not None and stop.is_set():
            raise Cancelled("cancelled")
        with lock:
            done[0] += 1
            frac = done[0] / total
        if progress is not None:
            progress(frac)

    digests = {regime: world_digest(w) for regime, w in worlds.items()}

    def one(job: tuple[str, int]) -> tuple[str, int, Any]:
        regime, r = job
        w = worlds[regime]
        keep = req.table_of == regime and r == 0
        key = (digests[regime], w.seed + r, req.periods, keep)
        res = _CACHE.get(key)
        if res is None:
            res = simulate(
                w,
                seed=w.seed + r,
                periods=req.periods,
                mrio_every=req.periods if keep else 0,
                progress=tick,
            )
            _remember(key, res)
        else:  # a run is a pure function of (world, seed, periods): reuse it
            with lock:
                done[0] += req.periods
            if progress is not None:
                progress(done[0] / total)
        return regime, r, res

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(one, j) for j in jobs]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            if stop is not None:
                stop.set()
            for f in futures:
                f.cancel()
            raise
    runs, panels, stages = [], [], []
    table = None
    for run_id, (regime, r, res) in enumerate(results):
        runs.append(
            {
                "run_id": run_id,
                "focal": req.focal,
                "regime": regime,
                "point": 0,
                "replicate": r,
                "status": "done",
            }
        )
        panels.append(res.panel.assign(run_id=run_id))
        stages.append(res.stages.assign(run_id=run_id))
        if res.tables:
            table = res.tables[max(res.tables)]
    tables = {
        "runs": pd.DataFrame(runs),
        "panel": pd.concat(panels, ignore_index=True),
        "stages": pd.concat(stages, ignore_index=True),
    }
    roles = [str(s.role) for s in req.world.stages]
    return RunSet(tables, table, roles, time.perf_counter() - t0)


def long_frame(tables: dict[str, pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """Long table (run, focal, regime, point, replicate, period, outcome, value) of the focal
    country's rows (as :func:`gpnlab.experiments.analysis.focal_long`)."""
    from gpnlab.experiments.analysis import with_run_factors

    panel = with_run_factors(tables["panel"], tables["runs"])
    panel = panel.loc[panel["country"] == panel["focal"]]
    return panel.melt(
        id_vars=["run_id", "focal", "regime", "point", "replicate", "period"],
        value_vars=columns,
        var_name="outcome",
    )


def analyse_tables(
    tables: dict[str, pd.DataFrame], world: World, baseline: str = BASELINE
) -> dict[str, pd.DataFrame]:
    """summary, differences (paired by seed, from ``baseline``), ranking, smile and
    concentration of a :class:`RunSet`'s tables, as the report computes them."""
    from gpnlab.experiments.analysis import (
        FewReplicatesWarning,
        concentration_table,
        differences,
        ranking,
        smile_table,
        summarise,
        with_run_factors,
    )

    cols = [c for c in OUTCOMES if c in tables["panel"].columns]
    long = long_frame(tables, cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewReplicatesWarning)
        summary = summarise(long, LEVEL)
        regimes = set(long["regime"])
        diffs = (
            differences(long, baseline, LEVEL)
            if baseline in regimes and len(regimes) > 1
            else pd.DataFrame(columns=[*summary.columns, "significant"])
        )
        st = tables["stages"]
        st = with_run_factors(st.loc[st["period"] == st["period"].max()], tables["runs"])
        position = {s.name: i for i, s in enumerate(world.stages)}
        st = st.assign(position=st["stage"].map(position))
        smile = smile_table(st, LEVEL)
        conc = concentration_table(st)
    rank = ranking(diffs, summary, "value_captured") if len(diffs) else pd.DataFrame()
    return {
        "summary": summary,
        "differences": diffs,
        "ranking": rank,
        "smile": smile,
        "concentration": conc,
    }


def regime_table(
    tables: dict[str, pd.DataFrame], outcome: str = "value_captured", cost: str = "policy_cost"
) -> pd.DataFrame:
    """Per regime, from the runs paired by seed (focal country, last quarter unless stated):

    * ``p_best`` -- share of seeds in which the regime has the highest ``outcome`` of all
      regimes (ties shared);
    * ``gain`` and its interval -- mean difference from laissez-faire in ``outcome``;
    * ``extra_cost`` -- mean difference in ``cost``; ``gain_per_cost`` -- ``gain /
      extra_cost`` (ratio of the means; empty when the regime costs no more than the baseline);
    * ``cumulative`` and its interval -- ``outcome`` summed over all quarters, mean across seeds.

    Intervals: Student t at 95% across seeds (:func:`gpnlab.experiments.analysis.t_interval`).
    """
    from gpnlab.experiments.analysis import t_interval, with_run_factors

    panel = with_run_factors(tables["panel"], tables["runs"])
    panel = panel.loc[panel["country"] == panel["focal"]]
    last = panel.loc[panel["period"] == panel["period"].max()]
    wide = last.pivot_table(index="replicate", columns="regime", values=outcome)
    best = wide.eq(wide.max(axis=1), axis=0)
    p_best = best.div(best.sum(axis=1), axis=0).mean()
    cum = panel.groupby(["regime", "replicate"])[outcome].sum().unstack("regime")
    costs = last.pivot_table(index="replicate", columns="regime", values=cost)
    rows = []
    for regime in [r for r in REGIMES if r in wide.columns]:
        g = wide[regime] - wide[BASELINE] if BASELINE in wide else wide[regime] * float("nan")
        c = costs[regime] - costs[BASELINE] if BASELINE in costs else g * float("nan")
        gm, _, glo, ghi, _ = t_interval(g.dropna().to_numpy(), LEVEL)
        cm, _, clo, chi, _ = t_interval(cum[regime].dropna().to_numpy(), LEVEL)
        extra = float(c.mean())
        rows.append(
            {
                "regime": regime,
                "p_best": float(p_best.get(regime, 0.0)),
                "gain": gm,
                "gain_low": glo,
                "gain_high": ghi,
                "extra_cost": extra,
                "gain_per_cost": gm / extra if extra > 1e-12 else float("nan"),
                "cumulative": cm,
                "cumulative_low": clo,
                "cumulative_high": chi,
            }
        )
    return pd.DataFrame(rows).set_index("regime")


def headline_indicators(table: IOTable, focal: str) -> pd.DataFrame:
    """The emitted table's headline indicators for the focal country and the world
    (:func:`gpnlab.measure.indicators.measure_all`)."""
    return measure_indicators(table).loc[[focal]]


MEASURE_COLUMNS = [
    "gross_exports",
    "dva",
    "vax_ratio",
    "gvc_backward_share",
    "gvc_forward_share",
]


def measure_indicators(table: IOTable) -> pd.DataFrame:
    """Country indicators of a table (Borin-Mancini terms, VAX ratio, GVC participation)."""
    from gpnlab.measure.indicators import measure_all

    country = measure_all(table).country
    cols = [c for c in MEASURE_COLUMNS if c in country.columns]
    out = country[cols].copy()
    out.insert(
        2,
        "dva_share",
        country["dva"] / country["gross_exports"].where(country["gross_exports"] != 0),
    )
    return out


def table_choices(root: Path) -> list[str]:
    """Folders under the root that hold a table in the own layout (a ``Z`` file)."""
    found = {str(Path(p).parent) for p in find_under(root, "**/Z.csv*")}
    found |= {str(Path(p).parent) for p in find_under(root, "**/Z.parquet")}
    return sorted(found)


def measure_path(root: Path, text: str, year: int | None = None) -> tuple[IOTable, pd.DataFrame]:
    """Read the table at ``text`` (under the root; own/WIOD layout, or a folder of years with
    ``year``) and measure it."""
    from gpnlab.io.formats import read_table

    path = resolve_under(root, text, field="table")
    table = read_table(path, "own", year=year)
    return table, measure_indicators(table)


def experiment_choices(root: Path) -> list[str]:
    """Folders under the root holding an experiment store (``results.duckdb``)."""
    return sorted(str(Path(p).parent) for p in find_under(root, "**/results.duckdb"))


def open_experiment(root: Path, text: str) -> dict[str, Any]:
    """An experiment folder under the root, analysed read-only with the notebook API
    (:func:`gpnlab.experiments.analyse`): its spec, world and the report's tables."""
    from gpnlab.experiments import analyse, read_results

    folder = resolve_under(root, text, field="experiment")
    if not (folder / "results.duckdb").is_file():
        raise InputError(
            "not an experiment folder (no results.duckdb)",
            where=text,
            field="experiment",
            fix="choose a folder written by gpnlab experiment",
        )
    stored = read_results(folder)
    result = analyse(stored, network=False)
    spec, base, tables = stored.spec, stored.base, stored.tables
    summary, diffs, rank = result.summary, result.differences, result.ranking
    runs = tables["runs"]
    return {
        "folder": folder,
        "spec": spec,
        "world": base,
        "summary": summary,
        "differences": diffs,
        "ranking": rank,
        "runs_done": int((runs["status"] == "done").sum()),
        "runs_total": len(runs),
        "report": folder / "report.html" if (folder / "report.html").is_file() else None,
    }


def regimes() -> list[str]:
    return list(REGIMES)
