"""``validation.html`` (self-contained), ``facts.csv`` and ``decomposition.csv``.

A summary table first (every fact, its verdict and number), then one section per fact: a
figure of the value across horizons with its interval across seeds (and every seed's value),
the verdict, the number, the source, and what the model does mechanically to produce it.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gpnlab import __version__  # noqa: E402
from gpnlab.outdir import staged_files  # noqa: E402
from gpnlab.validate.battery import Battery, comparison, fact_values  # noqa: E402
from gpnlab.validate.facts import FACTS, Fact  # noqa: E402

COLOURS = {"holds": "#1b7837", "fails": "#b2182b", "inconclusive": "#8c8c8c"}
CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:.82em} td,th{border:1px solid #ccc;padding:.2em .45em}
th{background:#f3f3f3} .holds{color:#1b7837;font-weight:600} .fails{color:#b2182b;font-weight:600}
.inconclusive{color:#666;font-weight:600} h2{border-bottom:1px solid #ccc;margin-top:2em}
img{max-width:100%} .caveat{background:#fff4e0;padding:.5em 1em}
"""


def _fmt(v: object) -> str:
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return html.escape(str(v))
    return "n/a" if not np.isfinite(x) else f"{x:.3g}"


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def fact_figure(b: Battery, fact: Fact, rows: pd.DataFrame) -> str:
    """Mean and interval across seeds at each horizon (one line per focal country), with
    every seed's value as a dot and the target shaded."""
    fig, ax = plt.subplots(figsize=(6.2, 2.8))
    focal = sorted(set(rows["focal"]))
    for k, c in enumerate(focal):
        r = rows[rows["focal"] == c].sort_values("horizon")
        x = r["horizon"].to_numpy(float) + 0.6 * k
        ax.fill_between(x, r["ci_low"].astype(float), r["ci_high"].astype(float), alpha=0.2)
        ax.plot(x, r["mean"].astype(float), marker="o", label=c or "world")
        for h, xx in zip(r["horizon"], x, strict=True):
            vals = fact_values(b.metrics, fact, c, int(h), first=min(b.horizons))
            ax.scatter(np.full(vals.size, xx), vals, s=6, color="k", alpha=0.35, zorder=3)
    t = fact.target
    if isinstance(t, tuple):
        ax.axhspan(t[0], t[1], color="#1b7837", alpha=0.08, label="target")
    elif isinstance(t, str) and fact.kind != "distinct":
        ax.axhline(float(t.lstrip("<>=")), color="#1b7837", lw=1, ls="--", label=f"target {t}")
    else:
        ax.axhline(0.0, color="#1b7837", lw=1, ls="--", label="target != 0")
    ax.set_xlabel("quarter")
    label = fact.metric.replace("_", " ")
    if fact.kind in ("effect", "distinct"):
        label = f"{label}\n{fact.a} - {fact.b}"
    elif fact.kind == "trend":
        label = f"{label}\nlast - first horizon"
    ax.set_ylabel(label, fontsize=8)
    ax.legend(fontsize=7, ncol=4)
    ax.grid(alpha=0.3)
    return _png(fig)


def write_outputs(b: Battery, *, world_name: str) -> Path:
    """Write the three files into ``b.out`` (staged, renamed into place)."""
    facts = b.facts
    counts = facts["verdict"].value_counts().to_dict()
    head = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("holds", "fails", "inconclusive"))
    summary = [
        "<table><tr><th>fact</th><th>focal</th><th>quarter</th><th>comparison</th>"
        "<th>mean [95% CI]</th><th>target</th><th>seeds holding</th><th>verdict</th></tr>"
    ]
    for _, r in facts.iterrows():
        summary.append(
            f"<tr><td><a href='#{r['id']}'>{html.escape(r['id'])}</a></td>"
            f"<td>{html.escape(r['focal'] or '-')}</td><td>{r['horizon']}</td>"
            f"<td>{html.escape(r['comparison'])}</td>"
            f"<td>{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]</td>"
            f"<td>{html.escape(r['target'])}</td><td>{_fmt(r['share_holds'])}</td>"
            f"<td class='{r['verdict']}'>{r['verdict']}</td></tr>"
        )
    summary.append("</table>")
    sections = []
    for fact in FACTS:
        rows = facts[facts["id"] == fact.id]
        if rows.empty:
            continue
        verdicts = ", ".join(
            f"<span class='{v}'>{v}</span> ({n})" for v, n in rows["verdict"].value_counts().items()
        )
        notes = "; ".join(sorted({str(n) for n in rows["note"] if isinstance(n, str) and n}))
        sections.append(
            f"<h2 id='{fact.id}'>{html.escape(fact.id)}: {html.escape(fact.family)}</h2>"
            f"<p>{html.escape(fact.statement)}. <i>Source:</i> {html.escape(fact.source)}.</p>"
            f"<p><b>Verdicts:</b> {verdicts}. <b>Metric:</b> <code>{html.escape(fact.metric)}"
            f"</code> ({html.escape(fact.kind)}, {html.escape(comparison(fact))}); target "
            f"{html.escape(rows['target'].iloc[0])}.{' ' + html.escape(notes) if notes else ''}"
            f"</p><p><b>What the model does:</b> {html.escape(fact.mechanism)}.</p>"
            f"<img src='{fact_figure(b, fact, rows)}' alt='{fact.id}'>"
        )
    dec = b.decomposition
    dec_html = dec.to_html(index=False, float_format=lambda v: f"{v:.4g}") if len(dec) else ""
    n_seeds = int(b.metrics["replicate"].nunique()) if len(b.metrics) else 0
    doc = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>gpnlab validation: {html.escape(world_name)}</title><style>{CSS}</style></head><body>
<h1>Stylised facts: where the model stands ({html.escape(world_name)})</h1>
<p class="caveat">A stylised world, not real economies. Each verdict is judged on the
mean across {n_seeds} independent seeds with a 95% Student-t interval: <i>holds</i> when the
whole interval meets the target, <i>fails</i> when none of it does, <i>inconclusive</i>
otherwise. A fact that fails is reported as failing; nothing here is tuned to pass.</p>
<p><b>{head}</b> over {len(facts)} rows; {b.runs} runs in {b.wall_s:.0f} s; gpnlab
{__version__}.</p>
{"".join(summary)}
{"".join(sections)}
<h2>Decompositions</h2><p>Melitz-Polanec terms of the employment-weighted capability match of
suppliers (baseline, quarter 0 to each horizon) by tier and tier:country; channels of the
DVA-share effects (composition of exports by stage; within-stage domestic content split into
sourcing and trade costs booked as value added).</p>
{dec_html}
</body></html>
"""
    with staged_files(b.out, "validate") as stage:
        facts.to_csv(stage / "facts.csv", index=False)
        dec.to_csv(stage / "decomposition.csv", index=False)
        (stage / "validation.html").write_text(doc, encoding="utf-8")
    return b.out / "validation.html"
