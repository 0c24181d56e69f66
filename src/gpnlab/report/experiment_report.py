"""``gpnlab report DIR``: a self-contained HTML report of an experiment, plus CSV tables.

The report (``DIR/report.html``) embeds its figures as PNG data URIs, so it opens offline and
can be mailed as one file. Tables go to ``DIR/tables/*.csv``:

* ``summary.csv`` -- mean, sd and interval per (focal, regime, point, period, outcome);
* ``differences.csv`` -- paired differences from the baseline with intervals;
* ``ranking.csv`` -- regimes ranked by the difference in ``analysis.rank_by`` (last period);
* ``smile.csv`` -- value added by stage (world share; focal country with interval);
* ``concentration.csv`` -- producing countries and HHI of output by stage;
* ``sensitivity.csv`` -- Sobol or Morris indices (SALib designs only).
"""

from __future__ import annotations

import base64
import html
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab import __version__
from gpnlab.experiments.analysis import (
    FewReplicatesWarning,
    differences,
    experiment_sensitivity,
    focal_long,
    interval_frame,
    ranking,
    summarise,
    with_run_factors,
)
from gpnlab.experiments.design import build_runs, design_points, salib_problem
from gpnlab.experiments.execute import adopt_legacy_folder
from gpnlab.experiments.spec import Spec
from gpnlab.experiments.store import read_meta, read_tables
from gpnlab.experiments.worker import simulate_run
from gpnlab.outdir import staged_files
from gpnlab.report import experiment_figures as figs
from gpnlab.report.network_figure import network_figure
from gpnlab.simulate.config import World


def _last_stage_rows(tables: dict[str, pd.DataFrame], spec: Spec, base: World) -> pd.DataFrame:
    st = tables["stages"]
    st = with_run_factors(st.loc[st["period"] == st["period"].max()], tables["runs"])
    if spec.design.kind == "factorial":
        st = st.loc[st["point"] == 0]
    position = {s.name: i for i, s in enumerate(base.stages)}
    return st.assign(position=st["stage"].map(position))


def smile_table(st: pd.DataFrame, level: float, method: str = "t", seed: int = 0) -> pd.DataFrame:
    """World VA share and focal-country VA by stage, averaged over replicates."""
    if st.empty:
        return pd.DataFrame()
    world = st.groupby(["run_id", "stage"], sort=False)["value_added"].sum().rename("va_stage")
    total = world.groupby(level="run_id").transform("sum")
    per_run = (world / total).rename("va_share_world").reset_index()
    focal = st.loc[st["country"] == st["focal"], ["run_id", "stage", "value_added"]]
    per_run = per_run.merge(focal, on=["run_id", "stage"], how="left").fillna({"value_added": 0})
    keys = st[["run_id", "focal", "regime", "position", "stage"]].drop_duplicates()
    per_run = per_run.merge(keys, on=["run_id", "stage"])
    ci = interval_frame(
        per_run.rename(columns={"value_added": "value"}),
        ["focal", "regime", "position", "stage"],
        level,
        method,
        seed=seed,
    ).rename(
        columns={
            "mean": "va_focal_mean",
            "ci_low": "va_focal_low",
            "ci_high": "va_focal_high",
            "sd": "va_focal_sd",
        }
    )
    share = (
        per_run.groupby(["focal", "regime", "position", "stage"])["va_share_world"]
        .mean()
        .reset_index()
    )
    return share.merge(ci, on=["focal", "regime", "position", "stage"])


def concentration_table(st: pd.DataFrame) -> pd.DataFrame:
    """Per stage: countries with output > 0 and HHI of output shares, mean over replicates."""
    if st.empty:
        return pd.DataFrame()
    total = st.groupby(["run_id", "stage"])["output"].transform("sum")
    share = np.where(total > 0, st["output"] / total.where(total > 0, 1.0), 0.0)
    st = st.assign(share2=share**2, producing=(share > 1e-9).astype(float))
    per_run = (
        st.groupby(["run_id", "focal", "regime", "position", "stage"])
        .agg(hhi=("share2", "sum"), producers=("producing", "sum"))
        .reset_index()
    )
    return (
        per_run.groupby(["focal", "regime", "position", "stage"])[["hhi", "producers"]]
        .mean()
        .reset_index()
    )


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _ranking_html(rank: pd.DataFrame, spec: Spec) -> str:
    cols = [c for c in figs.TRAJECTORY_OUTCOMES if c in spec.outputs.columns]
    parts = []
    for (focal, point), g in rank.groupby(["focal", "point"], sort=True):
        head = "".join(f"<th>&Delta; {html.escape(figs.LABELS.get(c, c))}</th>" for c in cols)
        rows = []
        for _, r in g.iterrows():
            cells = []
            if r["regime"] == spec.baseline:
                cols_iter: list[str] = []
                cells = [f'<td colspan="{len(cols)}" style="text-align:center">baseline</td>']
            else:
                cols_iter = cols
            for c in cols_iter:
                d = float(r.get(f"{c}_diff", 0.0))
                lo = float(r.get(f"{c}_ci_low", np.nan))
                hi = float(r.get(f"{c}_ci_high", np.nan))
                sig = bool(lo > 0 or hi < 0)
                txt = f"{d:+.3g}<br><small>[{lo:+.3g}, {hi:+.3g}]</small>"
                cells.append(f'<td class="{"sig" if sig else ""}">{txt}</td>')
            rows.append(
                f"<tr><td>{int(r['rank'])}</td><td>{html.escape(str(r['regime']))}</td>"
                + "".join(cells)
                + "</tr>"
            )
        title = f"{focal}" + (f", design point {point}" if rank["point"].nunique() > 1 else "")
        parts.append(
            f"<h3>{html.escape(title)}</h3><table><tr><th>rank</th><th>regime</th>{head}</tr>"
            + "".join(rows)
            + "</table>"
        )
    return "\n".join(parts)


CSS = """
body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right} th{background:#f3f3f3}
td:nth-child(2){text-align:left} td.sig{background:#e6f2fa;font-weight:600}
figure{margin:1em 0} img{max-width:100%} .warn{background:#fff4e0;padding:.5em 1em}
code{background:#f3f3f3;padding:0 .2em}
"""


def write_report(out: Path) -> tuple[Path, list[str]]:
    """Analyse the experiment in ``out``; write ``out/report.html`` and ``out/tables/``.

    Returns the report's path and its notes (too few replicates, failed or missing runs).
    """
    adopt_legacy_folder(out)  # a folder from before output markers, if certainly gpnlab's
    spec, base = read_meta(out)
    tables = read_tables(out)
    level = spec.analysis.level
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FewReplicatesWarning)
        long = focal_long(tables, spec)
        method = spec.analysis.interval
        summary = summarise(long, level, method, seed=spec.seed)
        diffs = differences(long, spec.baseline, level, method, seed=spec.seed)
    notes = sorted({str(w.message) for w in caught})
    rank = ranking(diffs, summary, spec.analysis.rank_by)
    st = _last_stage_rows(tables, spec, base)
    smile = smile_table(st, level, spec.analysis.interval, spec.seed)
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

    with staged_files(out, "experiment", field="DIR") as stage:
        tdir = stage / "tables"
        tdir.mkdir()
        summary.to_csv(tdir / "summary.csv", index=False)
        diffs.to_csv(tdir / "differences.csv", index=False)
        rank.to_csv(tdir / "ranking.csv", index=False)
        smile.to_csv(tdir / "smile.csv", index=False)
        conc.to_csv(tdir / "concentration.csv", index=False)
        if not sens.empty:
            sens.to_csv(tdir / "sensitivity.csv", index=False)

        fig_dir = stage / "figures"
        fig_dir.mkdir()
        body = []
        first_point = int(summary["point"].min()) if len(summary) else 0
        for focal in spec.focal:
            if summary.empty or focal not in set(summary["focal"]):
                continue
            body.append(f"<h2>Focal country {html.escape(focal)}</h2>")
            p = figs.trajectories(
                summary,
                focal,
                first_point,
                spec.regimes,
                fig_dir / f"trajectories_{focal}.png",
                level,
            )
            body.append(_img(p, f"trajectories {focal}"))
            kept = [o for o in figs.TRAJECTORY_OUTCOMES if o in spec.outputs.columns]
            if len(spec.regimes) > 1 and len(diffs):
                p = figs.difference_forest(
                    diffs, focal, first_point, kept, fig_dir / f"differences_{focal}.png", level
                )
                body.append(_img(p, f"differences {focal}"))
            if len(smile):
                p = figs.smile_curve(smile, focal, spec.regimes, fig_dir / f"smile_{focal}.png")
                body.append(_img(p, f"smile curve {focal}"))
                p = figs.concentration(
                    conc, focal, spec.regimes, fig_dir / f"concentration_{focal}.png"
                )
                body.append(_img(p, f"concentration {focal}"))

        # network picture of one run, re-simulated (a run is a pure function of its inputs)
        run0 = next(r for r in build_runs(spec, points) if r.regime == spec.baseline)
        res = simulate_run(spec, base, run0, mrio_every=spec.periods)
        net = network_figure(
            res.tables[spec.periods],
            [s.role for s in base.stages],
            fig_dir / "network.png",
            title=f"Network of one run ({spec.baseline}, replicate 0) after "
            f"{spec.periods} quarters",
        )

        meta = (
            f"<p>{n_done} of {len(runs)} runs done; {spec.replicates} replicate seed(s) per cell; "
            f"design <code>{spec.design.kind}</code> with {len(points)} point(s); "
            f"{spec.periods} quarters; base world <code>{html.escape(base.name)}</code>"
            + (f" scaled to about {spec.firms} firms" if spec.firms else "")
            + f"; intervals at {level:.0%}, "
            + ("percentile bootstrap" if spec.analysis.interval == "bootstrap" else "Student t")
            + " across replicates; differences paired by "
            f"seed; gpnlab {__version__}.</p>"
        )
        warn_html = (
            '<div class="warn"><b>Notes</b><ul>'
            + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            + "</ul></div>"
            if notes
            else ""
        )
        sens_html = ""
        if not sens.empty:
            p = figs.sensitivity_bars(sens, spec.design.kind, fig_dir / "sensitivity.png")
            sens_html = (
                "<h2>Sensitivity</h2>"
                + _img(p, "sensitivity")
                + sens.to_html(index=False, float_format=lambda v: f"{v:.3f}")
            )
        doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>gpnlab report: {html.escape(spec.name)}</title><style>{CSS}</style></head><body>
<h1>Industrial-policy regimes compared: {html.escape(spec.name)}</h1>
{meta}{warn_html}
<h2>Ranking of regimes</h2>
<p>Difference from <code>{html.escape(spec.baseline)}</code> at the last quarter for the focal
country, with the {level:.0%} interval in brackets; shaded cells exclude zero. Ranked by
&Delta; {html.escape(figs.LABELS.get(spec.analysis.rank_by, spec.analysis.rank_by))}.</p>
{_ranking_html(rank, spec)}
{"".join(body)}
<h2>The production network of one run</h2>
{_img(net, "network")}
{sens_html}
<h2>Tables</h2>
<p>CSV files in <code>tables/</code>: summary, differences, ranking, smile, concentration
{"and sensitivity" if not sens.empty else ""}; all runs in <code>results.duckdb</code> and
<code>*.parquet</code>.</p>
</body></html>
"""
        (stage / "report.html").write_text(doc, encoding="utf-8")
    return out / "report.html", notes
