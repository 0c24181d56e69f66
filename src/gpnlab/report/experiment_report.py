"""``gpnlab report DIR``: a self-contained HTML report of an experiment, plus CSV tables.

:func:`write_report` only *renders* an :class:`~gpnlab.experiments.api.Analysis` (computed by
:func:`gpnlab.experiments.api.analyse`): every number in the report is read from its tables.
The report (``DIR/report.html``) embeds its figures as PNG data URIs, so it opens offline and
can be mailed as one file. It holds, in order: a headline paragraph per focal country (the
best regime by ``analysis.rank_by`` with its interval, its cost, what is not distinguishable
from the baseline), the ranking (probability of being best, rank interval, last quarter and
horizon, cost-effectiveness), the figures of each focal country with captions, the network of
one run, the sensitivity indices of a sampled design, and the definitions (regimes and their
instruments, archetypes, units, capability scale, the stylised-world caveat). How each number
is computed: docs/report.md. Tables go to ``DIR/tables/*.csv`` (:meth:`Analysis.tables`).
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab import __version__
from gpnlab.experiments.analysis import FLOWS
from gpnlab.experiments.api import Analysis, analyse
from gpnlab.outdir import staged_files
from gpnlab.report import experiment_figures as figs
from gpnlab.report.network_figure import network_figure
from gpnlab.report.style import regime_colour
from gpnlab.simulate.config import Country, Policy
from gpnlab.simulate.policy import REACH, REGIMES

# -- numbers -----------------------------------------------------------------------------------


def num(v: float, *, sign: bool = False) -> str:
    """A number as the report prints it: 3 significant digits, thousands separated, ``+`` for
    a positive difference when ``sign``; ``n/a`` for a missing value."""
    if v is None or not math.isfinite(float(v)):
        return "n/a"
    v = float(v)
    if abs(v) >= 999.5:
        text = f"{v:,.0f}"
    else:
        text = f"{v:.3g}"
        if "e" in text:  # very small: keep a plain decimal
            text = f"{v:.2e}"
    if text.lstrip("-") in ("0", "0.0"):
        text = "0"
    if sign and v > 0 and text != "0":
        text = "+" + text
    return text


def parse_num(text: str) -> float:
    """Inverse of :func:`num` (and of a percentage written by :func:`_pct`): for the tests."""
    t = text.strip().replace(",", "").replace("+", "").replace("\u2212", "-")
    if t.endswith("%"):
        return float(t[:-1]) / 100
    return float(t)


def _span(value: float, focal: str, regime: str, column: str, *, sign: bool = False) -> str:
    """A number of the ranking table, tagged with where it comes from (``data-*``)."""
    return (
        f'<span class="num" data-focal="{html.escape(focal)}" data-regime="{html.escape(regime)}"'
        f' data-column="{html.escape(column)}">{num(value, sign=sign)}</span>'
    )


def _pct(value: float, focal: str, regime: str, column: str) -> str:
    text = "n/a" if not math.isfinite(float(value)) else f"{100 * float(value):.0f}%"
    return (
        f'<span class="num" data-focal="{html.escape(focal)}" data-regime="{html.escape(regime)}"'
        f' data-column="{html.escape(column)}">{text}</span>'
    )


def _est(row: pd.Series, stem: str, focal: str, regime: str) -> str:
    """``+d [lo, hi]`` of ranking columns ``{stem}_diff`` / ``{stem}_ci_low`` / ``_ci_high``
    (``stem`` ending in ``_cum`` reads ``{o}_cum_diff`` and ``{o}_cum_ci_*``)."""
    return (
        _span(row[f"{stem}_diff"], focal, regime, f"{stem}_diff", sign=True)
        + " ["
        + _span(row[f"{stem}_ci_low"], focal, regime, f"{stem}_ci_low")
        + ", "
        + _span(row[f"{stem}_ci_high"], focal, regime, f"{stem}_ci_high")
        + "]"
    )


def _sig(row: pd.Series, stem: str) -> bool:
    return bool(row[f"{stem}_ci_low"] > 0 or row[f"{stem}_ci_high"] < 0)


def name_unit(outcome: str) -> tuple[str, str]:
    """An outcome's name and unit, from the figure labels: ``("value captured", "million /
    quarter")``."""
    text = figs.LABELS.get(outcome, outcome)
    m = re.fullmatch(r"(.*?) \((.*)\)", text)
    name, unit = (m.group(1), m.group(2)) if m else (text, "")
    if unit == "share" or "share" in name.lower():
        unit = "share, 0..1"
    return name[0].lower() + name[1:], unit


def horizon_unit(outcome: str) -> str:
    """Unit of the horizon aggregate: a flow's per-quarter unit summed over quarters."""
    _, unit = name_unit(outcome)
    if outcome in FLOWS:
        return re.sub(r"\s*/\s*quarter", "", unit) or unit
    return unit


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


# -- headline ----------------------------------------------------------------------------------


def headline(a: Analysis, focal: str) -> str:
    """The headline paragraph of one focal country, every number read from ``a.ranking``."""
    spec = a.spec
    base, rank_by = spec.baseline, a.rank_by
    r = a.ranking
    r = r.loc[(r["focal"] == focal) & (r["point"] == a.first_point)]
    others = r.loc[r["regime"] != base].sort_values(f"{rank_by}_diff", ascending=False)
    name, unit = name_unit(rank_by)
    flow = rank_by in FLOWS
    T = a.last_period
    if others.empty:
        only = f"For {_code(focal)} only the baseline {_code(base)} was run: nothing to compare."
        return f'<p class="headline" data-focal="{html.escape(focal)}">{only}</p>'
    best = others.iloc[0]
    b = str(best["regime"])
    has_cost = "policy_cost_diff" in r.columns
    est = _est(best, rank_by, focal, b)
    if best[f"{rank_by}_diff"] > 0 and _sig(best, rank_by):
        text = (
            f"For <b>{html.escape(focal)}</b>, <b>{_code(b)}</b> "
            + (f"adds {est} {unit} of {name}" if flow else f"raises {name} by {est} ({unit})")
            + f" at the last quarter (quarter {T}) compared with {_code(base)}"
        )
        lead = "It"
    elif best[f"{rank_by}_diff"] > 0:
        text = (
            f"For <b>{html.escape(focal)}</b>, no regime is distinguishable from {_code(base)} in "
            f"{name} at the last quarter (quarter {T}); the largest estimate is {_code(b)}'s "
            f"{est} {unit}"
        )
        lead = f"{_code(b)}"
    else:
        text = (
            f"For <b>{html.escape(focal)}</b>, no regime raises {name} above {_code(base)} at "
            f"the last quarter (quarter {T}); the closest is {_code(b)} with {est} {unit}"
        )
        lead = f"{_code(b)}"
    if has_cost and b != base:
        text += f", at a policy cost of {_est(best, 'policy_cost', focal, b)} million / quarter"
    text += ". "
    if "p_best" in r.columns:
        text += (
            f"{lead} is the best regime in {_pct(best['p_best'], focal, b, 'p_best')} of the "
            f"paired seeds (rank interval {_span(best['rank_low'], focal, b, 'rank_low')} to "
            f"{_span(best['rank_high'], focal, b, 'rank_high')} of {len(r)}). "
        )
    if f"{rank_by}_cum_diff" in r.columns:
        cum_unit = horizon_unit(rank_by)
        verb = "adds" if rank_by in FLOWS else "changes the horizon mean by"
        who = "it" if lead == "It" else lead
        text += f"Over the {T} quarters {who} {verb} {_est(best, rank_by + '_cum', focal, b)} "
        text += f"{cum_unit}"
        if has_cost and "policy_cost_cum_diff" in r.columns:
            text += (
                f" at a cumulative policy cost of {_est(best, 'policy_cost_cum', focal, b)} million"
            )
        if "ce" in r.columns and math.isfinite(float(best["ce"])):
            text += (
                f": {_span(best['ce'], focal, b, 'ce')} ["
                f"{_span(best['ce_low'], focal, b, 'ce_low')}, "
                f"{_span(best['ce_high'], focal, b, 'ce_high')}] of {name} per unit of policy "
                "cost"
            )
        elif "ce_note" in r.columns and isinstance(best["ce_note"], str) and best["ce_note"]:
            text += f" (cost-effectiveness: {html.escape(best['ce_note'])})"
        text += ". "
    rest = others.iloc[1:]
    best_shown = _sig(best, rank_by) and best[f"{rank_by}_diff"] > 0
    same = [str(x["regime"]) for _, x in rest.iterrows() if not _sig(x, rank_by)]
    lower = [x for _, x in rest.iterrows() if _sig(x, rank_by) and x[f"{rank_by}_diff"] < 0]
    higher = [x for _, x in rest.iterrows() if _sig(x, rank_by) and x[f"{rank_by}_diff"] > 0]
    for x in higher:
        g = str(x["regime"])
        verb = "also adds" if flow else "also raises it by"
        text += f"{_code(g)} {verb} {_est(x, rank_by, focal, g)} {unit}. "
    if same:
        verb = "is" if len(same) == 1 else "are"
        text += (
            f"{_and([_code(s) for s in same])} {verb} not distinguishable from {_code(base)} in "
            f"{name}{'' if best_shown else ' either'} (the {a.level:.0%} interval includes 0). "
        )
    for x in lower:
        g = str(x["regime"])
        text += f"{_code(g)} lowers it: {_est(x, rank_by, focal, g)} {unit}. "
    return f'<p class="headline" data-focal="{html.escape(focal)}">{text.strip()}</p>'


# -- tables ------------------------------------------------------------------------------------


def _cell(row: pd.Series, stem: str, focal: str, regime: str) -> str:
    sig = _sig(row, stem)
    return (
        f'<td class="{"sig" if sig else ""}">'
        + _span(row[f"{stem}_diff"], focal, regime, f"{stem}_diff", sign=True)
        + "<br><small>["
        + _span(row[f"{stem}_ci_low"], focal, regime, f"{stem}_ci_low")
        + ", "
        + _span(row[f"{stem}_ci_high"], focal, regime, f"{stem}_ci_high")
        + "]</small></td>"
    )


def ranking_html(a: Analysis) -> str:
    """Per focal country: rank, P(best), rank interval, the ranked outcome and the policy cost
    at the last quarter and over the horizon, cost-effectiveness."""
    spec, rank_by = a.spec, a.rank_by
    cost = "policy_cost" in spec.outputs.columns
    name, unit = name_unit(rank_by)
    head = [
        "rank",
        "regime",
        "P(best)",
        "rank interval",
        f"&Delta; {html.escape(name)}, last quarter ({html.escape(unit)})",
        f"&Delta; {html.escape(name)}, over the horizon ({html.escape(horizon_unit(rank_by))})",
    ]
    if cost:
        head += [
            "&Delta; policy cost, last quarter (million / quarter)",
            "&Delta; policy cost, over the horizon (million)",
            f"cost-effectiveness ({html.escape(name)} per unit of cost)",
        ]
    parts = []
    for (focal, point), g in a.ranking.groupby(["focal", "point"], sort=True):
        f = str(focal)
        rows = []
        for _, r in g.iterrows():
            reg = str(r["regime"])
            cells = [
                f"<td>{int(r['rank'])}</td>",
                f'<td><span class="swatch" style="background:{regime_colour(reg)}"></span>'
                f"{html.escape(reg)}</td>",
                f"<td>{_pct(r['p_best'], f, reg, 'p_best')}</td>",
                f"<td>{_span(r['rank_low'], f, reg, 'rank_low')} &ndash; "
                f"{_span(r['rank_high'], f, reg, 'rank_high')}</td>",
            ]
            if reg == spec.baseline:
                n = 3 + (3 if cost else 0) - 1
                cells.append(f'<td colspan="{n}" style="text-align:center">baseline</td>')
            else:
                cells += [_cell(r, rank_by, f, reg), _cell(r, f"{rank_by}_cum", f, reg)]
                if cost:
                    cells += [_cell(r, "policy_cost", f, reg), _cell(r, "policy_cost_cum", f, reg)]
                    if math.isfinite(float(r.get("ce", np.nan))):
                        cells.append(
                            f"<td>{_span(r['ce'], f, reg, 'ce')}<br><small>["
                            f"{_span(r['ce_low'], f, reg, 'ce_low')}, "
                            f"{_span(r['ce_high'], f, reg, 'ce_high')}]</small></td>"
                        )
                    else:
                        note = str(r.get("ce_note", "") or "n/a")
                        cells.append(f"<td><small>{html.escape(note)}</small></td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        title = f + (f", design point {point}" if a.ranking["point"].nunique() > 1 else "")
        parts.append(
            f'<h3>{html.escape(title)}</h3><table class="ranking"><tr>'
            + "".join(f"<th>{h}</th>" for h in head)
            + "</tr>"
            + "".join(rows)
            + "</table>"
        )
    return "\n".join(parts)


def outcomes_html(a: Analysis) -> str:
    """Every kept outcome's difference from the baseline, last quarter and horizon."""
    spec = a.spec
    cols = [c for c in spec.outputs.columns if f"{c}_diff" in a.ranking.columns]
    parts = []
    for (focal, point), g in a.ranking.groupby(["focal", "point"], sort=True):
        f = str(focal)
        head = "".join(f"<th>{html.escape(figs.LABELS.get(c, c))}</th>" for c in cols)
        rows = []
        for _, r in g.iterrows():
            reg = str(r["regime"])
            if reg == spec.baseline:
                continue
            for stem, what in (("", "last quarter"), ("_cum", "horizon")):
                cells = "".join(_cell(r, c + stem, f, reg) for c in cols)
                rows.append(f"<tr><td>{html.escape(reg)}</td><td>{what}</td>{cells}</tr>")
        title = f + (f", design point {point}" if a.ranking["point"].nunique() > 1 else "")
        parts.append(
            f'<h3>{html.escape(title)}</h3><div class="wide"><table><tr><th>regime</th>'
            f"<th>when</th>{head}</tr>" + "".join(rows) + "</table></div>"
        )
    return "\n".join(parts)


# -- definitions -------------------------------------------------------------------------------


COUNTRY_UNITS = {k: f.description or "" for k, f in Country.model_fields.items()} | {
    "state_capacity": "implementation efficiency of support instruments, 0..1"
}


def _describe(field: str) -> str:
    info = Policy.model_fields[field]
    return info.description or ""


def definitions_html(a: Analysis) -> str:
    """Regimes and their instruments (units), the archetypes, units, capability scale, the
    stylised-world caveat."""
    spec, base = a.spec, a.base
    rows = []
    for regime in spec.regimes:
        settings = REGIMES[regime]
        sw = f'<span class="swatch" style="background:{regime_colour(regime)}"></span>'
        if not settings:
            rows.append(
                f'<tr><td>{sw}{html.escape(regime)}</td><td colspan="3">no instrument beyond '
                "the country's own settings (below)</td></tr>"
            )
            continue
        for i, (name, value) in enumerate(settings.items()):
            shown = ", ".join(value) if isinstance(value, list) else f"{value:g}"
            reach = REACH.get(regime, {}).get(name, "")
            label = f"{sw}{html.escape(regime)}" if i == 0 else ""
            rows.append(
                f"<tr><td>{label}</td><td>{_code(name)}</td><td>{html.escape(shown)}</td>"
                f"<td>{html.escape(_describe(name))}"
                + (f"; reaches {html.escape(reach)}" if reach else "")
                + "</td></tr>"
            )
    regimes = (
        '<table class="defs"><tr><th>regime</th><th>instrument</th><th>value</th>'
        "<th>unit and reach</th></tr>" + "".join(rows) + "</table>"
    )
    fields = ["wage", "knowledge_base", "institutions", "state_capacity", "volatility",
              "home_market", "labour_force", "cost_of_capital"]  # fmt: skip
    head = "".join(
        f"<th>{_code(k)}<br><small>{html.escape(COUNTRY_UNITS.get(k, ''))}</small></th>"
        for k in fields
    )
    arch = []
    for c in base.countries:
        if c.code not in spec.focal:
            continue
        own = ", ".join(
            f"{k} {v:g}"
            for k, v in c.policy.model_dump().items()
            if k != "targeted_stages" and isinstance(v, float) and v
        )
        arch.append(
            f"<tr><td>{_code(c.code)}</td><td>{html.escape(c.name)}</td>"
            + "".join(f"<td>{getattr(c, k):g}</td>" for k in fields)
            + f"<td><small>{html.escape(own or 'none')}</small></td></tr>"
        )
    archetypes = (
        f'<table class="defs"><tr><th>code</th><th>archetype</th>{head}'
        "<th>own policy settings</th></tr>" + "".join(arch) + "</table>"
    )
    outcomes = "".join(
        f"<li>{_code(o)}: {html.escape(figs.LABELS.get(o, o))}</li>" for o in spec.outputs.columns
    )
    return f"""
<h3>What the numbers are about</h3>
<p><b>A stylised world, not real economies.</b> The base world
{_code(base.name)} is built to compare policy regimes; its countries are archetypes
(e.g. {_code("MYL")} is "Malaysia-like"), not countries, and its numbers are not forecasts or
estimates for any real economy (docs/calibration.md).</p>
<p><b>Units.</b> A period is a quarter. Money is in millions of <i>model currency</i> (a unit of
account of the model, not a real currency) per quarter at base-period prices; over the horizon
flows are summed (millions), stocks and shares averaged. Jobs are thousands of workers; wages
thousands of model currency per worker-quarter; shares lie in [0, 1].</p>
<p><b>Capability scale.</b> A firm's capability is a vector of five dimensions; the index shown
is its mean, where 1 meets the initial requirement of the most demanding stage in that
dimension and 0 is none (docs/model.md). Functional position runs from 0 (assembly) to 1
(design and brand).</p>
<h3>Regimes and their instruments</h3>
<p>Each regime sets these instruments for the focal country (the others keep their own
settings). Support instruments act through the country's state capacity (a weak state pays the
same for less effect); border measures act fully (src/gpnlab/simulate/policy.py).</p>
{regimes}
<h3>Focal archetypes</h3>
{archetypes}
<h3>Outcomes kept</h3><ul>{outcomes}</ul>
"""


# -- the document ------------------------------------------------------------------------------


def _img(path: Path, alt: str, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return (
        f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


CSS = """
body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em} h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#f3f3f3} td:first-child,td:nth-child(2){text-align:left}
td.sig{background:#e6f2fa;font-weight:600}
figure{margin:1em 0} img{max-width:100%} .warn{background:#fff4e0;padding:.5em 1em}
figcaption{font-size:.85em;color:#444;margin-top:.3em}
p.headline{background:#f5f9f5;border-left:4px solid #009E73;padding:.6em 1em}
.swatch{display:inline-block;width:.8em;height:.8em;margin-right:.35em;border-radius:2px}
code{background:#f3f3f3;padding:0 .2em}
table.defs td{text-align:left} div.wide{overflow-x:auto}
"""


def _focal_figures(a: Analysis, focal: str, fig_dir: Path) -> list[str]:
    spec, level, point, T = a.spec, a.level, a.first_point, a.last_period
    base = spec.baseline
    kept = [o for o in figs.TRAJECTORY_OUTCOMES if o in spec.outputs.columns]
    out = []
    interval = "percentile bootstrap" if spec.analysis.interval == "bootstrap" else "Student t"
    p = figs.trajectories(
        a.summary, focal, point, spec.regimes, fig_dir / f"trajectories_{focal}.png", level, base
    )
    out.append(
        _img(
            p,
            f"trajectories {focal}",
            f"Mean across the {spec.replicates} replicate seeds of each regime, quarter by "
            f"quarter, for {_code(focal)}; the band is the {level:.0%} {interval} interval of "
            f"the baseline {_code(base)} (clipped to the outcome's range). Differences with "
            "their intervals are in the next figure.",
        )
    )
    others = [r for r in spec.regimes if r != base]
    if others and len(a.differences):
        p = figs.difference_paths(
            a.differences, focal, point, others, kept, fig_dir / f"difference_paths_{focal}.png",
            level,
        )  # fmt: skip
        out.append(
            _img(
                p,
                f"difference paths {focal}",
                f"Small multiples: one row per outcome, one column per regime; each panel is the "
                f"paired difference from {_code(base)} (same seed) over time with its {level:.0%} "
                "interval. A band that leaves the zero line marks a difference that the seeds "
                "resolve.",
            )
        )
        p = figs.difference_forest(
            a.differences, focal, point, kept, fig_dir / f"differences_{focal}.png", level,
            spec.regimes,
        )  # fmt: skip
        out.append(
            _img(
                p,
                f"differences {focal}",
                f"Difference from {_code(base)} at the last quarter (quarter {T}), paired by seed, "
                f"with its {level:.0%} interval; the vertical line is no difference.",
            )
        )
    if "p_best" in a.ranking.columns and len(spec.regimes) > 1:
        p = figs.ranking_figure(a.ranking, focal, point, fig_dir / f"ranking_{focal}.png", level)
        name, _ = name_unit(a.rank_by)
        out.append(
            _img(
                p,
                f"ranking {focal}",
                f"Left: share of the paired seeds in which each regime has the highest {name} at "
                "the last quarter (sums to 1 over the regimes). Right: rank of the regime's mean "
                f"(dot) and its {level:.0%} interval over paired bootstrap resamples of the seeds.",
            )
        )
    if "policy_cost_cum_diff" in a.ranking.columns and f"{a.rank_by}_cum_diff" in a.ranking:
        p = figs.cost_gain(
            a.ranking, focal, point, a.rank_by, fig_dir / f"cost_gain_{focal}.png", level
        )
        name, _ = name_unit(a.rank_by)
        out.append(
            _img(
                p,
                f"cost and gain {focal}",
                f"What each regime gains in {name} (vertical) and costs in policy spending "
                f"(horizontal) over the {T} quarters, both as paired differences from "
                f"{_code(base)} with {level:.0%} intervals; up and to the left is better value "
                "for money.",
            )
        )
    if len(a.smile):
        p = figs.smile_curve(a.smile, focal, spec.regimes, fig_dir / f"smile_{focal}.png")
        out.append(
            _img(
                p,
                f"smile curve {focal}",
                f"Left: each stage's share of the chain's value added in the world, by regime "
                f"(quarter {T}). Right, one panel per regime: value added by stage in "
                f"{_code(focal)}, mean and {level:.0%} interval across seeds.",
            )
        )
    if len(a.concentration):
        p = figs.concentration(
            a.concentration, focal, spec.regimes, fig_dir / f"concentration_{focal}.png"
        )
        out.append(
            _img(
                p,
                f"concentration {focal}",
                "Countries producing each stage (left) and the Herfindahl-Hirschman index of "
                f"output shares by stage (right, 0 dispersed to 1 one country), quarter {T}, "
                "mean across seeds.",
            )
        )
    return out


def write_report(source: Analysis | str | Path, out: Path | None = None) -> tuple[Path, list[str]]:
    """Render ``source`` (an :class:`Analysis`, or an experiment folder to analyse first) into
    ``out/report.html`` and ``out/tables/`` (``out`` defaults to the experiment's folder).

    Returns the report's path and the analysis notes (few replicates, failed runs, clipping).
    """
    a = source if isinstance(source, Analysis) else analyse(Path(source))
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
    out = Path(out) if out is not None else a.out
    spec = a.spec
    with staged_files(out, "experiment", field="DIR") as stage:
        tdir = stage / "tables"
        tdir.mkdir()
        for name, frame in a.tables().items():
            frame.to_csv(tdir / f"{name}.csv", index=False)
        fig_dir = stage / "figures"
        fig_dir.mkdir()
        heads, body = [], []
        for focal in spec.focal:
            if a.summary.empty or focal not in set(a.summary["focal"]):
                continue
            if len(a.ranking):
                heads.append(headline(a, focal))
            body.append(f"<h2>Focal country {html.escape(focal)}</h2>")
            body += _focal_figures(a, focal, fig_dir)
        net_html = ""
        if a.network is not None:
            p = network_figure(
                a.network,
                [s.role for s in a.base.stages],
                fig_dir / "network.png",
                title=a.network_title,
            )
            net_html = "<h2>The production network of one run</h2>" + _img(
                p,
                "network",
                f"{html.escape(a.network_title)}: each circle is a (country, stage) cell, its "
                "area proportional to output and its colour the role that operates the stage; "
                "lines are intermediate flows between cells, width proportional to value "
                "(flows below 0.2% of the total are not drawn).",
            )
        n_done = int((a.runs["status"] == "done").sum())
        interval = "percentile bootstrap" if spec.analysis.interval == "bootstrap" else "Student t"
        meta = (
            f"<p>{n_done} of {len(a.runs)} runs done; {spec.replicates} replicate seed(s) per "
            f"cell; design <code>{spec.design.kind}</code> with {a.points} point(s); "
            f"{spec.periods} quarters; base world <code>{html.escape(a.base.name)}</code>"
            + (f" scaled to about {spec.firms} firms" if spec.firms else "")
            + f"; intervals at {a.level:.0%}, {interval} across replicates, clipped to each "
            "quantity's range; differences paired by seed; gpnlab "
            f"{__version__}. How each number is computed: docs/report.md.</p>"
        )
        warn_html = (
            '<div class="warn"><b>Notes</b><ul>'
            + "".join(f"<li>{html.escape(n)}</li>" for n in a.notes)
            + "</ul></div>"
            if a.notes
            else ""
        )
        sens_html = ""
        if not a.sensitivity.empty:
            p = figs.sensitivity_bars(a.sensitivity, spec.design.kind, fig_dir / "sensitivity.png")
            what = (
                "first-order (S1) and total (ST) Sobol indices"
                if spec.design.kind == "sobol"
                else "Morris mu* (mean absolute elementary effect)"
            )
            sens_html = (
                "<h2>Sensitivity</h2>"
                + _img(
                    p,
                    "sensitivity",
                    f"{what} of the replicate-mean outcome at the last quarter, with SALib's "
                    f"{a.level:.0%} bootstrap intervals.",
                )
                + a.sensitivity.to_html(index=False, float_format=lambda v: f"{v:.3f}")
            )
        rank_name = figs.LABELS.get(a.rank_by, a.rank_by)
        doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>gpnlab report: {html.escape(spec.name)}</title><style>{CSS}</style></head><body>
<h1>Industrial-policy regimes compared: {html.escape(spec.name)}</h1>
{meta}
<h2>Headlines</h2>
{"".join(heads)}
{warn_html}
<h2>Ranking of regimes</h2>
<p>Ranked by the difference from <code>{html.escape(spec.baseline)}</code> in
{html.escape(rank_name)} at the last quarter. P(best): share of paired seeds in which the
regime has the highest value. Rank interval: {a.level:.0%} interval of the rank of the mean over
paired bootstrap resamples of the seeds. Differences are paired by seed with their
{a.level:.0%} interval in brackets; shaded cells exclude zero. Over the horizon: flows summed
over the {a.last_period} quarters, stocks averaged. Cost-effectiveness: gain over the horizon
per unit of policy cost over the horizon (ratio of paired means, bootstrap interval).</p>
{ranking_html(a)}
<h2>Every outcome, last quarter and horizon</h2>
{outcomes_html(a)}
{"".join(body)}
{net_html}
{sens_html}
<h2>Definitions</h2>
{definitions_html(a)}
<h2>Tables</h2>
<p>CSV files in <code>tables/</code>: {", ".join(a.tables())}; all runs in
<code>results.duckdb</code> and <code>*.parquet</code>.</p>
</body></html>
"""
        (stage / "report.html").write_text(doc, encoding="utf-8")
    return out / "report.html", a.notes
