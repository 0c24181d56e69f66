"""The Solara pages: Explore, Compare regimes, Experiments, Measure (docs/app.md).

Everything the pages compute comes from :mod:`gpnlab.app.data`; long work runs in a
:class:`gpnlab.app.runner.Job` (background thread, progress, cancel); every path a user types
or picks is resolved under the root (:mod:`gpnlab.app.paths`). Tables are rendered with
``DataFrame.to_html`` (which escapes its cells); nothing a user supplies is evaluated.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pandas as pd
import solara

from gpnlab.errors import InputError

from . import data
from .params import Control, all_controls
from .paths import app_root
from .runner import Job

ROOT_ENV = "GPNLAB_APP_ROOT"
CONTROLS = all_controls()


def root() -> Path:
    return app_root(os.environ.get(ROOT_ENV, "."))


def _context() -> Any:
    """The Solara kernel context of this page (entered by a job's thread), if any."""
    from solara.server import kernel_context

    return kernel_context.get_current_context() if kernel_context.has_current_context() else None


def html_table(df: pd.DataFrame, cls: str, index: bool = True) -> solara.Element:
    """``df`` as an HTML table (pandas escapes every cell)."""
    text = df.to_html(classes=cls, float_format=lambda v: f"{v:,.4g}", border=0, index=index)
    return solara.HTML(tag="div", unsafe_innerHTML=text, classes=[f"{cls}-box"])


def use_job() -> tuple[Job | None, Callable[[Callable[..., Any]], None]]:
    """The page's current job and a function that starts a new one. The page redraws when a
    job starts and ends; only :func:`JobStatus` redraws while it runs."""
    job, set_job = solara.use_state(cast(Job | None, None))
    _ended, set_ended = solara.use_state(0)

    def start(fn: Callable[..., Any]) -> None:
        if job is not None and job.running:
            return
        j = Job(fn, on_end=lambda: set_ended(lambda t: t + 1), context=_context())
        set_job(j)
        j.start()

    return job, start


@solara.component
def JobStatus(job: Job | None, what: str) -> None:
    """Progress of the running job (redrawn by the job's own reports), or how it ended."""
    _tick, set_tick = solara.use_state(0)

    def watch() -> Callable[[], None] | None:
        if job is None:
            return None

        def redraw() -> None:
            set_tick(lambda t: t + 1)

        job.listeners.append(redraw)
        return lambda: job.listeners.remove(redraw)

    solara.use_effect(watch, [job])
    if job is not None:
        JobLine(job.state, job.progress, job.elapsed, job.error, what)


@solara.component
def JobLine(state: str, progress: float, elapsed: float, error: str, what: str) -> None:
    if state == "running":
        solara.ProgressLinear(progress * 100)
        solara.Text(f"{what}: {progress:.0%} after {elapsed:.1f} s", classes=["job-progress"])
    elif state == "cancelled":
        solara.Warning(f"{what} cancelled after {elapsed:.1f} s", classes=["job-cancelled"])
    elif state == "failed":
        solara.Error(error, classes=["job-error"])
    else:
        solara.Success(f"{what} finished in {elapsed:.1f} s", classes=["job-done"])


def _first_focal(focals: list[str], world: Any) -> str:
    """MYL (the archetype of the shipped experiments) when the world has it."""
    if "MYL" in focals:
        return "MYL"
    return focals[0] if focals else str(world.countries[0].code)


def control_defaults(world: Any, focal: str) -> dict[str, Any]:
    country = next((c for c in world.countries if c.code == focal), world.countries[0])
    out: dict[str, Any] = {}
    for c in CONTROLS:
        src = country.policy if c.group == "policy" else world.mechanisms
        out[c.key] = getattr(src, c.name)
    return out


@solara.component
def ControlWidget(c: Control, value: Any, on_value: Callable[[Any], None]) -> None:
    """A slider (or switch) for one field; its label shows the value the server holds."""
    with solara.Div(classes=[f"ctl-{c.name}"]):
        if c.kind == "bool":
            solara.Switch(label=f"{c.label}", value=bool(value), on_value=on_value)
        elif c.kind == "int":
            solara.SliderInt(
                f"{c.label} = {int(value)}",
                value=int(value),
                min=int(c.low),
                max=int(c.high),
                step=1,
                on_value=on_value,
            )
        else:
            solara.SliderFloat(
                f"{c.label} = {float(value):g}",
                value=float(value),
                min=c.low,
                max=c.high,
                step=c.step,
                on_value=on_value,
            )
        bounds = "on / off" if c.kind == "bool" else f"{c.low:g} .. {c.high:g}"
        solara.Text(
            f"{c.help} [{bounds}; default {c.default}]",
            style={"font-size": "0.75em", "color": "#555"},
        )


@solara.component
def Explore() -> None:
    base = root()
    worlds = solara.use_memo(lambda: data.world_choices(base), [])
    world_choice = solara.use_reactive(worlds[0])
    error = solara.use_reactive("")

    def load() -> Any:
        try:
            return data.load_choice(base, world_choice.value)
        except InputError as exc:  # a TOML under --root that does not load
            error.value = str(exc)
            return data.load_choice(base, "preset:default")

    world = solara.use_memo(load, [world_choice.value])
    focals = data.focal_choices(world)
    focal = solara.use_reactive(_first_focal(focals, world))
    regime = solara.use_reactive("build")
    seeds = solara.use_reactive(5)
    periods = solara.use_reactive(40)
    firms = solara.use_reactive(cast(int | None, 4000))
    outcomes = solara.use_reactive(
        ["dva_share", "capability_ht", "functional_position", "value_captured"]
    )
    worlds_applied = solara.use_memo(
        lambda: data.run_worlds(data.RunRequest(world, focal.value, [regime.value], 1, 1)),
        [world_choice.value, focal.value, regime.value],
    )
    defaults = control_defaults(worlds_applied[regime.value], focal.value)
    values, set_values = solara.use_state(
        defaults, key=f"{world_choice.value}/{focal.value}/{regime.value}"
    )
    show_mech = solara.use_reactive(False)
    job, start = use_job()
    # once the page is up, load what a run needs (scipy, matplotlib, the simulator)
    solara.use_effect(lambda: threading.Thread(target=data.warm_up, daemon=True).start(), [])

    def run() -> None:
        chosen = list(outcomes.value) or data.OUTCOMES[:4]
        moved = {k: v for k, v in values.items() if v != defaults.get(k)}
        req = data.RunRequest(
            world,
            focal.value,
            [regime.value] + ([data.BASELINE] if regime.value != data.BASELINE or moved else []),
            seeds.value,
            periods.value,
            firms.value or None,
            moved,
            table_of=regime.value,
        )
        if req.regimes.count(data.BASELINE) > 1:
            req.regimes = [data.BASELINE]

        def work(progress: Callable[[float], None], stop: threading.Event) -> dict[str, Any]:
            rs = data.run_many(req, progress, stop)
            out: dict[str, Any] = dict(data.analyse_tables(rs.tables, world))
            out["runset"] = rs
            out["request"] = req
            # drawn here, in the job's thread, so the page never waits on matplotlib
            have = set(out["summary"]["outcome"])
            kept = tuple(o for o in chosen if o in have) or tuple(data.OUTCOMES[:4])
            out["figures"] = {kept: explore_figures(out, list(kept))}
            return out

        start(work)

    with solara.Columns([1, 3]):
        with solara.Column():
            solara.Select("world", values=worlds, value=world_choice)
            solara.Select("focal country", values=focals, value=focal)
            solara.Select("regime", values=data.regimes(), value=regime)
            solara.SliderInt(f"seeds ({seeds.value})", value=seeds, min=1, max=20)
            solara.SliderInt(f"quarters ({periods.value})", value=periods, min=1, max=200)
            solara.InputInt("firms (about; blank = the world's)", value=firms, optional=True)
            if error.value:
                solara.Error(error.value)
            with solara.Row():
                solara.Button(
                    "Run",
                    on_click=run,
                    color="primary",
                    disabled=job is not None and job.running,
                    classes=["run-button"],
                )
                solara.Button(
                    "Cancel",
                    on_click=lambda: None if job is None else job.cancel(),
                    disabled=job is None or not job.running,
                    classes=["cancel-button"],
                )
            JobStatus(job, "run")
            solara.Switch(
                label="show the mechanism parameters", value=show_mech, classes=["show-mechanisms"]
            )
            groups = [("policy", f"Policy instruments of {focal.value}")]
            if show_mech.value:  # drawn on demand: ~27 more sliders slow the first paint
                groups.append(("mechanisms", "Mechanisms (whole world)"))
            for group, title in groups:
                with solara.Card(title, margin=0, classes=[f"group-{group}"]):
                    for c in CONTROLS:
                        if c.group != group:
                            continue

                        def set_one(v: Any, key: str = c.key) -> None:
                            set_values(lambda d: {**d, key: v})

                        ControlWidget(c, values.get(c.key, c.default), set_one)
        with solara.Column():
            solara.SelectMultiple(
                "outcomes", values=outcomes.value, all_values=data.OUTCOMES, on_value=outcomes.set
            )
            if job is not None and job.state == "done":
                ExploreResults(job.result, outcomes.value)
            else:
                solara.Markdown(
                    "Choose a world, a focal country and a regime, move the instruments and "
                    "press **Run**: each seed is simulated under the regime and under "
                    "laissez-faire, and the paired difference is shown with its 95% band."
                )


@solara.component
def ExploreResults(result: dict[str, Any], outcomes: list[str]) -> None:
    req: data.RunRequest = result["request"]
    rs: data.RunSet = result["runset"]
    summary = result["summary"]
    kept = [o for o in outcomes if o in set(summary["outcome"])] or data.OUTCOMES[:4]
    runs = rs.tables["runs"]
    n_seeds = int(runs.loc[runs["regime"] == req.regimes[0], "replicate"].nunique())
    n_min = int(summary["n"].min()) if len(summary) else 0
    solara.Markdown(
        f"**{req.focal}, regime `{req.regimes[0]}`**: {n_seeds} seeds x {req.periods} quarters "
        f"({len(rs.tables['runs'])} runs in {rs.wall_s:.1f} s); bands: 95% interval of the "
        f"mean across {n_min} seeds.",
        style={"font-size": "0.9em"},
    )
    moved = ", ".join(f"{k.split('.', 1)[1]} = {v:g}" for k, v in req.values.items())
    solara.Text(
        f"controls moved from the regime's settings: {moved or 'none'}", classes=["moved-controls"]
    )
    solara.Text(f"trajectories: {n_seeds} seeds", classes=["trajectory-seeds"])
    figs = result["figures"].get(tuple(kept))
    if figs is None:  # other outcomes chosen after the run: draw them now
        figs = explore_figures(result, kept)
        result["figures"][tuple(kept)] = figs
    solara.Image(figs["trajectories"], classes=["fig-trajectories"])
    if "differences" in figs:
        solara.Markdown(f"**Difference from laissez-faire** (paired by seed, {n_min} seeds)")
        solara.Image(figs["differences"], classes=["fig-differences"])
    if "stages" in figs:
        solara.Markdown("**Smile curve and concentration by stage** (last quarter)")
        solara.Image(figs["stages"], classes=["fig-stages"])
    if rs.table is not None:
        solara.Markdown(
            f"**The emitted table's headline indicators** (first seed, quarter {req.periods})"
        )
        html_table(data.headline_indicators(rs.table, req.focal), "headline-table")
        solara.Image(figs["network"], classes=["fig-network"])


def explore_figures(result: dict[str, Any], kept: list[str]) -> dict[str, bytes]:
    """The Explore page's figures as PNG bytes (see :mod:`gpnlab.app.figures`)."""
    from . import figures

    req: data.RunRequest = result["request"]
    rs: data.RunSet = result["runset"]
    kept = kept or data.OUTCOMES[:4]
    out = {"trajectories": figures.trajectories(result["summary"], kept, req.regimes)}
    if len(result["differences"]):
        out["differences"] = figures.difference_panels(result["differences"], kept, req.regimes[0])
    if len(result["smile"]):
        out["stages"] = figures.by_stage(result["smile"], result["concentration"], req.regimes)
    if rs.table is not None:
        out["network"] = figures.network(
            rs.table, rs.roles, f"Network of one run after {req.periods} quarters"
        )
    return out


@solara.component
def Compare() -> None:
    base = root()
    worlds = solara.use_memo(lambda: data.world_choices(base), [])
    world_choice = solara.use_reactive(worlds[0])
    world = solara.use_memo(
        lambda: data.load_choice(base, world_choice.value), [world_choice.value]
    )
    focals = data.focal_choices(world)
    focal = solara.use_reactive(_first_focal(focals, world))
    seeds = solara.use_reactive(4)
    periods = solara.use_reactive(20)
    firms = solara.use_reactive(cast(int | None, 2000))
    job, start = use_job()

    def run() -> None:
        req = data.RunRequest(
            world, focal.value, data.regimes(), seeds.value, periods.value, firms.value or None
        )

        def work(progress: Callable[[float], None], stop: threading.Event) -> dict[str, Any]:
            rs = data.run_many(req, progress, stop)
            out: dict[str, Any] = dict(data.analyse_tables(rs.tables, world))
            out["request"] = req
            out["regimes"] = data.regime_table(rs.tables)
            return out

        start(work)

    with solara.Columns([1, 3]):
        with solara.Column():
            solara.Select("world", values=worlds, value=world_choice)
            solara.Select("focal country", values=focals, value=focal)
            solara.SliderInt(f"seeds ({seeds.value})", value=seeds, min=2, max=20)
            solara.SliderInt(f"quarters ({periods.value})", value=periods, min=1, max=200)
            solara.InputInt("firms (about)", value=firms, optional=True)
            with solara.Row():
                solara.Button(
                    "Compare",
                    on_click=run,
                    color="primary",
                    disabled=job is not None and job.running,
                    classes=["run-button"],
                )
                solara.Button(
                    "Cancel",
                    on_click=lambda: None if job is None else job.cancel(),
                    disabled=job is None or not job.running,
                    classes=["cancel-button"],
                )
            JobStatus(job, "comparison")
        with solara.Column():
            if job is not None and job.state == "done":
                CompareResults(job.result)
            else:
                solara.Markdown(
                    "Every regime for one focal country, paired by seed with "
                    "laissez-faire: press **Compare**."
                )


@solara.component
def CompareResults(result: dict[str, Any]) -> None:
    from . import figures

    diffs, summary = result["differences"], result["summary"]
    req: data.RunRequest = result["request"]
    outcomes = [o for o in data.OUTCOMES if o in set(diffs["outcome"])]
    solara.Markdown(
        f"**{req.focal}: difference from laissez-faire at quarter {req.periods}** "
        f"(95% interval, paired by seed, {req.seeds} seeds)"
    )
    solara.Image(figures.forest(diffs, outcomes), classes=["fig-forest"])
    best = result["regimes"]
    solara.Markdown(
        "**Probability of being best** (share of seeds where the regime has the "
        "highest value captured at the last quarter), **cost-effectiveness** (gain "
        "in value captured per unit of policy cost) and **cumulative** value "
        "captured over the horizon"
    )
    html_table(best, "compare-table")
    solara.Markdown(f"**Trajectories** (mean across seeds, 95% band; grey: {data.BASELINE})")
    solara.Image(
        figures.small_multiples(summary, outcomes[:4], req.regimes), classes=["fig-trajectories"]
    )


@solara.component
def Experiments() -> None:
    base = root()
    choices = solara.use_memo(lambda: data.experiment_choices(base), [])
    text = solara.use_reactive(choices[0] if choices else "")
    result, set_result = solara.use_state(cast(Any, None))
    error = solara.use_reactive("")

    def open_() -> None:
        try:
            set_result(data.open_experiment(base, text.value))
            error.value = ""
        except InputError as exc:
            set_result(None)
            error.value = str(exc)

    if choices:
        solara.Select("experiments under the root", values=choices, value=text)
    solara.InputText(
        "experiment folder (relative to the root)",
        value=text,
        continuous_update=True,
        classes=["path-input"],
    )
    solara.Button("Open", on_click=open_, color="primary", classes=["open-button"])
    if error.value:
        solara.Error(error.value, classes=["path-error"])
    if result is not None:
        spec = result["spec"]
        solara.Markdown(
            f"**{spec.name}**: {result['runs_done']} of {result['runs_total']} runs done; "
            f"regimes {', '.join(spec.regimes)}; focal {', '.join(spec.focal)}; "
            f"{spec.replicates} seeds; {spec.periods} quarters (read-only)"
        )
        cols = [
            c
            for c in result["ranking"].columns
            if c in ("focal", "rank", "regime") or c.endswith("_diff")
        ]
        html_table(result["ranking"][cols], "ranking-table", index=False)
        from . import figures

        for focal in spec.focal:
            s = result["summary"].loc[result["summary"]["focal"] == focal]
            kept = [o for o in data.OUTCOMES if o in set(s["outcome"])]
            solara.Markdown(
                f"**{focal}**: mean across seeds with 95% bands; grey: {spec.regimes[0]}"
            )
            solara.Image(
                figures.small_multiples(s, kept[:4], spec.regimes), classes=["fig-trajectories"]
            )
            d = result["differences"].loc[result["differences"]["focal"] == focal]
            if len(d):
                solara.Image(figures.forest(d, kept), classes=["fig-forest"])


@solara.component
def Measure() -> None:
    base = root()
    choices = solara.use_memo(lambda: data.table_choices(base), [])
    text = solara.use_reactive(choices[0] if choices else "")
    year = solara.use_reactive(cast(int | None, None))
    country = solara.use_reactive("")
    result, set_result = solara.use_state(cast(Any, None))
    error = solara.use_reactive("")

    def measure() -> None:
        try:
            table, ind = data.measure_path(base, text.value, year.value)
            set_result((table, ind))
            error.value = ""
        except InputError as exc:
            set_result(None)
            error.value = str(exc)

    if choices:
        solara.Select("tables under the root", values=choices, value=text)
    solara.InputText(
        "table folder (relative to the root; a folder of years with a year)",
        value=text,
        continuous_update=True,
        classes=["path-input"],
    )
    solara.InputInt("year (for a folder of years)", value=year, optional=True)
    solara.Button("Measure", on_click=measure, color="primary", classes=["measure-button"])
    if error.value:
        solara.Error(error.value, classes=["path-error"])
    if result is not None:
        table, ind = result
        codes = list(ind.index)
        solara.Select("country", values=["all", *codes], value=country)
        shown = ind if country.value in ("", "all") else ind.loc[[country.value]]
        solara.Markdown(
            f"{table.G} countries x {table.N} sectors; money in {table.unit}; "
            "shares of gross exports (docs/measurement.md)"
        )
        from gpnlab.report.experiment_figures import label

        html_table(shown.rename(columns=lambda c: label(c, 60)), "indicator-table")


@solara.component
def Layout(children: list[solara.Element] = []) -> None:  # noqa: B006 - Solara's signature
    route, all_routes = solara.use_route()
    solara.Style(".headline-table td, .indicator-table td, .compare-table td {padding: 2px 8px}")
    with solara.AppLayout(title="gpnlab", navigation=False, sidebar_open=False):
        with solara.AppBar():
            for r in all_routes:
                with solara.Link(solara.resolve_path(r)):
                    solara.Button(
                        r.label,
                        text=True,
                        dark=True,
                        outlined=r is route,
                        classes=[f"nav-{r.path.strip('/') or 'explore'}"],
                    )
        for child in children:
            solara.display(child)


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare regimes"),
    solara.Route(path="experiments", component=Experiments, label="Experiments"),
    solara.Route(path="measure", component=Measure, label="Measure"),
]
