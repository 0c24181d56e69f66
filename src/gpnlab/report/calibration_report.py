"""``calibration.html``: a self-contained report of a calibration (figures embedded as PNG data
URIs, as :mod:`gpnlab.report.experiment_report`). It renders the tables of
:mod:`gpnlab.calibrate.analysis`; it computes nothing of its own.

Sections: the estimates and their uncertainty, the fit table, each target quantity's path
against the real data with the held-out window shaded and the out-of-sample statistics, the
objective's history, identification (least-squares Jacobian table, Morris screening) and 1-D
profiles of J around the estimate.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from gpnlab import __version__
from gpnlab.report.experiment_report import CSS, num
from gpnlab.report.style import OKABE_ITO

if TYPE_CHECKING:
    from pathlib import Path

    from gpnlab.calibrate.run import Problem, Result


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _figure(fig: Any, alt: str, caption: str) -> str:
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _table(df: pd.DataFrame, *, index: bool = False) -> str:
    if df is None or len(df) == 0:
        return "<p>(none)</p>"
    return (
        '<div class="wide">'
        + df.to_html(index=index, float_format=lambda v: num(v), na_rep="n/a", escape=True)
        + "</div>"
    )


def paths_figure(prob: Problem, p: pd.DataFrame) -> Any:
    quantities = sorted(p["quantity"].unique())
    countries = list(prob.spec.countries)
    fig, axes = plt.subplots(
        len(quantities),
        len(countries),
        figsize=(2.6 * len(countries), 2.2 * len(quantities)),
        squeeze=False,
        sharex=True,
    )
    for i, q in enumerate(quantities):
        for j, c in enumerate(countries):
            ax = axes[i][j]
            g = p[(p["quantity"] == q) & (p["country"] == c)].sort_values("year")
            ax.fill_between(g["year"], g["sim_low"], g["sim_high"], color=OKABE_ITO[0], alpha=0.2)
            ax.plot(g["year"], g["sim_mean"], color=OKABE_ITO[0], lw=1.5, label="simulated")
            ax.plot(g["year"], g["real"], "o", color=OKABE_ITO[5], ms=3, label="real")
            if prob.spec.test is not None:
                ax.axvspan(
                    prob.spec.test[0] - 0.5, prob.spec.test[1] + 0.5, color="#999", alpha=0.15
                )
            ax.set_title(f"{c} / {prob.spec.countries[c]}", fontsize=8)
            if j == 0:
                ax.set_ylabel(q, fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def history_figure(trials: pd.DataFrame) -> Any:
    s = trials[trials["phase"] == "search"].sort_values("number")
    J = s["J"].astype(float).to_numpy()
    fig, ax = plt.subplots(figsize=(6, 3))
    ok = np.isfinite(J) & (J > 0)
    ax.semilogy(s["number"][ok], J[ok], ".", color=OKABE_ITO[0], label="trial")
    run_min = np.minimum.accumulate(np.where(np.isfinite(J), J, np.inf))
    ax.semilogy(s["number"], run_min, "-", color=OKABE_ITO[5], label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel("J")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def profiles_figure(profile: pd.DataFrame) -> Any:
    names = list(dict.fromkeys(profile["parameter"]))
    fig, axes = plt.subplots(1, len(names), figsize=(2.8 * len(names), 2.5), squeeze=False)
    for ax, n in zip(axes[0], names, strict=True):
        g = profile[profile["parameter"] == n].sort_values("value")
        ax.plot(g["value"], g["J"], "o-", color=OKABE_ITO[0], ms=3)
        b = g[g["offset"] == 0]
        ax.plot(b["value"], b["J"], "*", color=OKABE_ITO[5], ms=9)
        ax.set_title(n, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("J")
    fig.tight_layout()
    return fig


def write_report(prob: Problem, res: Result, tables: dict[str, Any], path: Path) -> Path:
    spec = prob.spec
    est, fit, oos = tables["estimates"], tables["fit"], tables["oos"]
    parts = [f"<h1>Calibration: {html.escape(spec.name)}</h1>"]
    parts.append(
        f"<p>Simulated method of moments: {len(prob.moments)} moment(s), "
        f"{len(res.active)} estimated parameter(s), {spec.seeds} seed(s) per trial (the same "
        f"seeds in every trial), {spec.search.trials} {spec.search.sampler.upper()} trial(s) in "
        f"batches of {spec.search.batch}; base world <code>{html.escape(prob.base.name)}</code>"
        + (f" at about {spec.firms} firms" if spec.firms else "")
        + f", {spec.periods()} quarters ({spec.burn_in} burn-in, then {spec.start_year}-"
        f"{spec.years()[-1]} at {spec.quarters_per_year} quarters a year). Training "
        f"{spec.train[0]}-{spec.train[1]}"
        + (f", held out {spec.test[0]}-{spec.test[1]} (never fitted)" if spec.test else "")
        + f". Weighting: {html.escape(res.weights.reason)}. gpnlab {__version__}. "
        "Definitions: docs/estimation.md.</p>"
    )
    parts.append(f'<p class="headline">{html.escape(tables["summary"])}</p>')
    parts.append("<h2>Estimates</h2>")
    parts.append(
        f"<p>Best search trial {res.best_number}, J = {num(res.best_J)}. <b>se</b>: the SMM "
        "sandwich standard error (1 + 1/R)(G'WG)^-1 G'WSWG (G'WG)^-1 from the "
        "Jacobian G at the estimate (least-squares slopes over the profile points within "
        f"{num(res.extra.get('jacobian_span', spec.diagnostics.jacobian_span))} of the range "
        "of it, G'WG corrected for their noise) and the seeds' covariance S, treating "
        "the real moments as one draw of the model; <b>response_p</b>: p-value of 'no moment "
        "responds to the parameter' (Bonferroni over the moments); above 0.05 the parameter "
        "is not identified by these moments and gets no se, nor does one that responds but "
        "no more than its slope's noise (held at its estimate; the other se are conditional "
        "on it); <b>ci90</b>: estimate +- 1.645 se, "
        "clipped to the bounds. <b>best10</b>: range (min-max) of the parameter over the best 10% "
        "of trials (how flat J is, not a sampling interval).</p>"
    )
    parts.append(_table(est))
    parts.append(
        "<h2>Fit</h2><p>Target, simulated mean at the estimate over the seeds, and the "
        "90% band over seeds (5th-95th percentiles); J_share: the moment's share of "
        "J.</p>" + _table(fit)
    )
    p = tables["paths"]
    if len(p):
        parts.append("<h2>Paths against the real data</h2>")
        parts.append(
            _figure(
                paths_figure(prob, p),
                "paths",
                "Annual values at the estimate: seed mean (line) and 90% band over seeds (shaded), "
                "real values (dots); the held-out window is shaded grey.",
            )
        )
        parts.append(
            "<h3>Out of sample</h3><p>Held-out years only, at the estimate (not refitted). "
            "rmse: of the seed mean against the real values; rmse_train: the same over the "
            "training years; rmse_persistence: carrying the last training year's real value "
            "forward (a yardstick); coverage: share of held-out real values inside the "
            "simulated 90% band; direction_right: the simulated change from the last training "
            "year to the last held-out year has the sign of the real one.</p>" + _table(oos)
        )
    trials = tables["trials"]
    parts.append("<h2>Objective</h2>")
    parts.append(
        _figure(
            history_figure(trials),
            "history",
            "J of each search trial and the best so far (log scale).",
        )
    )
    parts.append("<h2>Identification</h2>")
    ident = tables["identification"]
    if len(ident):
        parts.append(
            "<p>Least-squares slopes at the estimate (the profile points near it): the change "
            "in each moment when a parameter moves across its whole range (linearised), in "
            "seed standard deviations of the moment. Near zero on every moment: the parameter "
            "is not identified by these moments (response_p in the estimates).</p>"
            + _table(ident, index=True)
        )
    screen = res.extra.get("screen")
    if isinstance(screen, pd.DataFrame) and len(screen):
        parts.append(
            f"<h3>Morris screening</h3><p>mu* (mean absolute elementary effect, SALib "
            f"trajectories) of the seed-mean moments, in seed standard deviations of the "
            f"mean; kept: {html.escape(', '.join(res.active))}; fixed at the base value: "
            f"{html.escape(', '.join(res.fixed) or 'none')}.</p>" + _table(screen, index=True)
        )
    profile = res.extra.get("profile")
    if isinstance(profile, pd.DataFrame) and len(profile):
        parts.append(
            _figure(
                profiles_figure(profile),
                "profiles",
                "1-D profiles of J around the estimate (star), one parameter "
                "moved at a time, the others at the estimate.",
            )
        )
    doc = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>gpnlab calibration: {html.escape(spec.name)}</title><style>{CSS}</style>"
        "</head><body>" + "\n".join(parts) + "</body></html>\n"
    )
    path.write_text(doc, encoding="utf-8")
    return path
