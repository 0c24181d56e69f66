"""The notebook API: read an experiment folder and analyse it into tidy tables.

``read_results(out)`` returns what the store holds (spec, base world, runs, panel, stages);
``analyse(out)`` turns it into an :class:`Analysis` -- every table the report shows, as
pandas frames -- and :func:`gpnlab.report.experiment_report.write_report` only renders one::

    from gpnlab.experiments import analyse, load_spec, run_experiment
    spec, root = load_spec("examples/experiments/smoke.toml")
    run_experiment(spec, out="out/smoke", root=root)      # or client=Client(...)
    a = analyse("out/smoke")
    a.ranking[["focal", "regime", "p_best", "rank_low", "rank_high"]]

How each number is computed is in docs/report.md.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gpnlab.experiments.analysis import (
    FewReplicatesWarning,
    clip_differences,
    clip_levels,
    concentration_table,
    cost_effectiveness,
    differences,
    experiment_sensitivity,
    focal_long,
    horizon_long,
    last_stage_rows,
    rank_distribution,
    ranking,
    smile_table,
    summarise,
)
from gpnlab.experiments.design import build_runs, design_points, salib_problem
from gpnlab.experiments.spec import Spec
from gpnlab.simulate.config import World
from gpnlab.table import IOTable


@dataclass
class StoredResults:
    """An experiment folder as stored: its spec, base world and tables (done runs only in
    ``panel``, ``stages`` and ``metrics``; ``runs`` lists every run with its status)."""

    out: Path
    spec: Spec
    base: World
    runs: pd.DataFrame
    panel: pd.DataFrame
    stages: pd.DataFrame
    metrics: pd.DataFrame

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "runs": self.runs,
            "panel": self.panel,
            "stages": self.stages,
            "metrics": self.metrics,
        }


def read_results(out: str | Path) -> StoredResults:
    """Read an experiment folder (``results.duckdb``) without changing it.

    A folder gpnlab wrote before output markers existed is adopted first (as ``gpnlab
    report`` does). A missing or damaged database raises :class:`~gpnlab.errors.InputError`.
    """
    from gpnlab.experiments.execute import adopt_legacy_folder
    from gpnlab.experiments.store import read_meta, read_tables

    out = Path(out)
    adopt_legacy_folder(out)
    spec, base = read_meta(out)
    t = read_tables(out)
    return StoredResults(out, spec, base, t["runs"], t["panel"], t["stages"], t["metrics"])


@dataclass
class Analysis:
    """Everything the report shows, as tidy frames (one row per observation).

    * ``summary`` -- mean, sd, interval per (focal, regime, point, period, outcome), clipped
      to the outcome's support (``clipped`` marks rows where it moved);
    * ``differences`` -- paired differences from the baseline, same keys, clipped likewise;
    * ``horizon`` / ``horizon_differences`` -- the same over the whole horizon (flows summed
      over the quarters, stocks and shares averaged; column ``aggregate``);
    * ``ranking`` -- per (focal, point, regime): rank by the difference in ``rank_by`` at the
      last quarter, ``p_best``, ``rank_low`` / ``rank_high``, every outcome's difference at
      the last quarter (``{o}_diff``, ``{o}_ci_low``, ``{o}_ci_high``) and over the horizon
      (``{o}_cum_diff``, ...), levels (``{o}_level``), cost-effectiveness (``ce``, ``ce_low``,
      ``ce_high``);
    * ``cost_effectiveness`` -- gain per unit of policy cost over the horizon with its interval;
    * ``smile``, ``concentration`` -- value added and concentration by stage (last quarter);
    * ``sensitivity`` -- Sobol or Morris indices (sampled designs; empty otherwise);
    * ``notes`` -- what limits the reading (few replicates, failed runs, clipped intervals).
    """

    out: Path
    spec: Spec
    base: World
    summary: pd.DataFrame
    differences: pd.DataFrame
    horizon: pd.DataFrame
    horizon_differences: pd.DataFrame
    ranking: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    smile: pd.DataFrame
    concentration: pd.DataFrame
    sensitivity: pd.DataFrame
    notes: list[str]
    runs: pd.DataFrame
    points: int
    network: IOTable | None = None
    network_title: str = ""

    @property
    def level(self) -> float:
        return self.spec.analysis.level

    @property
    def rank_by(self) -> str:
        return self.spec.analysis.rank_by

    @property
    def last_period(self) -> int:
        return int(self.summary["period"].max()) if len(self.summary) else self.spec.periods

    @property
    def first_point(self) -> int:
        return int(self.summary["point"].min()) if len(self.summary) else 0

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables written to ``tables/*.csv`` (empty ones left out)."""
        named = {
            "summary": self.summary,
            "differences": self.differences,
            "horizon": self.horizon,
            "horizon_differences": self.horizon_differences,
            "ranking": self.ranking,
            "cost_effectiveness": self.cost_effectiveness,
            "smile": self.smile,
            "concentration": self.concentration,
            "sensitivity": self.sensitivity,
        }
        always = {"summary", "differences", "ranking", "smile", "concentration"}
        return {k: v for k, v in named.items() if k in always or not v.empty}


def _with_ranks(
    rank: pd.DataFrame,
    hdiffs: pd.DataFrame,
    dist: pd.DataFrame,
    ce: pd.DataFrame,
) -> pd.DataFrame:
    """The ranking with horizon differences, rank distribution and cost-effectiveness."""
    keys = ["focal", "point", "regime"]
    if rank.empty:
        return rank
    out = rank
    if not hdiffs.empty:
        wide = hdiffs.pivot_table(
            index=keys, columns="outcome", values=["mean", "ci_low", "ci_high"]
        )
        pairs: list[tuple[str, str]] = [(str(c[0]), str(c[1])) for c in wide.columns.tolist()]
        wide.columns = [f"{o}_cum_diff" if s == "mean" else f"{o}_cum_{s}" for s, o in pairs]
        out = out.merge(wide.reset_index(), on=keys, how="left")
        cum = [c for c in out.columns if "_cum_" in c]
        out.loc[out[cum].isna().all(axis=1), cum] = 0.0  # the baseline
    if not dist.empty:
        out = out.merge(dist.drop(columns="pairs"), on=keys, how="left")
    if not ce.empty:
        out = out.merge(
            ce[[*keys, "ratio", "ratio_low", "ratio_high", "note"]].rename(
                columns={"ratio": "ce", "ratio_low": "ce_low", "ratio_high": "ce_high",
                         "note": "ce_note"}
            ),
            on=keys,
            how="left",
        )  # fmt: skip
    return out


def analyse(out: str | Path | StoredResults, *, network: bool = True) -> Analysis:
    """Analyse an experiment folder (or what :func:`read_results` returned).

    ``network``: also re-simulate one baseline run to its last quarter for the network figure
    (a run is a pure function of its inputs, so it is the stored run's network).
    """
    stored = out if isinstance(out, StoredResults) else read_results(out)
    spec, base, tables = stored.spec, stored.base, stored.tables
    level, method, seed = spec.analysis.level, spec.analysis.interval, spec.seed
    rank_by = spec.analysis.rank_by
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FewReplicatesWarning)
        long = focal_long(tables, spec)
        summary = summarise(long, level, method, seed=seed)
        diffs = differences(long, spec.baseline, level, method, seed=seed)
        hlong = horizon_long(long)
        hsummary = summarise(hlong, level, method, seed=seed) if len(hlong) else hlong
        hdiffs = (
            differences(hlong, spec.baseline, level, method, seed=seed) if len(hlong) else hlong
        )
    notes = sorted({str(w.message) for w in caught})
    if len(hsummary):
        aggregate = hlong.drop_duplicates("outcome").set_index("outcome")["aggregate"]
        hsummary = hsummary.assign(aggregate=hsummary["outcome"].map(aggregate))
        hdiffs = hdiffs.assign(aggregate=hdiffs["outcome"].map(aggregate))
    summary = clip_levels(summary)
    diffs = clip_differences(diffs, summary, spec.baseline)
    if len(hsummary):
        hsummary = clip_levels(hsummary)
        hdiffs = clip_differences(hdiffs, hsummary, spec.baseline)
    n_clipped = int(summary["clipped"].sum() + diffs["clipped"].sum()) if len(summary) else 0
    if n_clipped:
        notes.append(
            f"{n_clipped} interval(s) crossed the range their quantity can take (a cost below 0, "
            "a share outside [0, 1]) and were clipped to it"
        )
    last = long.loc[long["period"] == long["period"].max()] if len(long) else long
    dist = rank_distribution(last, rank_by, spec.regimes, level, seed=seed)
    ce = pd.DataFrame()
    if "policy_cost" in spec.outputs.columns and len(hlong):
        ce = cost_effectiveness(hlong, rank_by, spec.baseline, spec.regimes, level, seed=seed)
    rank = _with_ranks(ranking(diffs, summary, rank_by), hdiffs, dist, ce)
    st = last_stage_rows(tables, spec, [s.name for s in base.stages])
    smile = smile_table(st, level, method, seed)
    conc = concentration_table(st)
    points = design_points(spec)
    sens = experiment_sensitivity(tables, spec, salib_problem(spec), points)
    runs = tables["runs"]
    n_done = int((runs["status"] == "done").sum())
    failed = runs.loc[runs["status"] == "failed"]
    if len(failed):
        notes.append(
            f"{len(failed)} run(s) failed, e.g. run {failed.iloc[0].run_id}: "
            f"{failed.iloc[0].error}; `gpnlab experiment ... --resume` retries them"
        )
    if n_done < len(runs):
        notes.append(f"only {n_done} of {len(runs)} runs are done: the report is partial")
    table = None
    title = ""
    if network:
        from gpnlab.experiments.worker import simulate_run

        run0 = next(r for r in build_runs(spec, points) if r.regime == spec.baseline)
        res = simulate_run(spec, base, run0, mrio_every=spec.periods)
        table = res.tables[spec.periods]
        title = (
            f"Network of one run ({spec.baseline}, focal {run0.focal}, replicate 0) after "
            f"{spec.periods} quarters"
        )
    return Analysis(
        out=stored.out,
        spec=spec,
        base=base,
        summary=summary,
        differences=diffs,
        horizon=hsummary,
        horizon_differences=hdiffs,
        ranking=rank,
        cost_effectiveness=ce,
        smile=smile,
        concentration=conc,
        sensitivity=sens,
        notes=notes,
        runs=runs,
        points=len(points),
        network=table,
        network_title=title,
    )
