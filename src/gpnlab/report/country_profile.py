"""Country profiles: ``gpnlab measure ... --report`` writes one self-contained HTML page.

For each country (or those asked for): its headline indicators over the years with the median
and interquartile range over all countries of the table; the origins of the foreign value added
in its gross exports and the destinations where its value added is absorbed (last year); its
position (output-weighted upstreamness, Antras et al. 2012) against its GVC participation
(Borin & Mancini 2019), beside every other country; and the table's convention notes (rounding
residue, value added given or residual, groups). Figures are PNG embedded as base64, so the page
is one file that opens anywhere.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from gpnlab.measure.blocks import ExportAccounts
from gpnlab.report.style import OKABE_ITO, RC

HEADLINES = {
    "dva_share": "domestic value added / gross exports",
    "vax_ratio": "VAX ratio (value added absorbed abroad / gross exports)",
    "gvc_backward_share": "backward GVC participation (share of gross exports)",
    "gvc_forward_share": "forward GVC participation (share of gross exports)",
}


@dataclass
class ProfileData:
    """What the profiles read: the country and sector frames (with a ``year`` column for a
    panel), value added by origin in gross exports and by destination of absorption (the last
    year's, long: ``origin, exporter, value`` and ``origin, destination, value``), the unit and
    the notes."""

    country: pd.DataFrame
    sector: pd.DataFrame
    origins: pd.DataFrame
    destinations: pd.DataFrame
    unit: str
    source: str
    notes: list[str]


def flows_by_country(acc: ExportAccounts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Value added of each origin country in each exporter's gross exports, and value added of
    each origin absorbed in each destination's final demand.

    Origins in exports: ``sum_i (V^t B^{ts})_i E^{s*}_i`` (Koopman, Wang & Wei 2014's
    value-added content of gross exports by source; OECD TiVA ``EXGR_VA`` by source country).
    Destinations: ``V B Y`` summed by origin and absorbing country (Johnson & Noguera 2012).
    """
    from gpnlab.measure.tiva import value_added_trade_matrix
    from gpnlab.measure.va_origin import va_origin_array

    countries = pd.Index(acc.table.countries)
    origin = va_origin_array(acc).sum(axis=2)
    o = pd.DataFrame(origin, index=countries.rename("origin"), columns=countries.rename("exporter"))
    d = value_added_trade_matrix(acc)
    return (
        o.melt(ignore_index=False, value_name="value").reset_index(),
        d.melt(ignore_index=False, value_name="value").reset_index(),
    )


def _with_shares(country: pd.DataFrame) -> pd.DataFrame:
    df = country if "country" in country.columns else country.reset_index()
    df = df.copy()
    if "year" not in df:
        df.insert(0, "year", 0)
    if "entity" in df:
        df = df[df.entity == "country"]
    with np.errstate(divide="ignore", invalid="ignore"):
        df["dva_share"] = np.where(df.gross_exports > 0, df.dva / df.gross_exports, np.nan)
    return df


def _position(sector: pd.DataFrame) -> pd.DataFrame:
    """Output-weighted upstreamness by (year, country)."""
    df = sector.copy()
    if "year" not in df:
        df.insert(0, "year", 0)
    df = df[(df.output > 0) & df.upstreamness.notna()]
    df = df.assign(wu=df.upstreamness * df.output)
    g = df.groupby(["year", "country"], observed=True)
    return (g.wu.sum() / g.output.sum()).rename("upstreamness").reset_index()


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _profile_figure(
    code: str, shares: pd.DataFrame, data: ProfileData, position: pd.DataFrame
) -> str:
    """One figure per country: the headlines over years (or against the distribution for one
    year), top origins and destinations, and position against participation."""
    years = sorted(shares.year.unique())
    last = years[-1]
    me = shares[shares.country == code]
    with plt.rc_context(RC):
        fig = plt.figure(figsize=(11.0, 6.4))
        grid = fig.add_gridspec(2, 4)
        for k, (col, label) in enumerate(HEADLINES.items()):
            ax = fig.add_subplot(grid[0, k])
            q = shares.groupby("year")[col].quantile(np.array([0.25, 0.5, 0.75])).unstack()
            if len(years) > 1:
                ax.fill_between(q.index, q[0.25], q[0.75], color="0.85", label="middle half")
                ax.plot(q.index, q[0.5], color="0.3", linestyle="--", label="median")
                ax.plot(me.year, me[col], color=OKABE_ITO[0], linewidth=1.8, label=code)
                ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
                ax.set_xlabel("year")
            else:
                vals = shares[col].dropna()
                ax.hist(vals, bins=15, color="0.8")
                ax.axvline(float(me[col].iloc[0]), color=OKABE_ITO[0], linewidth=2, label=code)
                ax.axvline(float(vals.median()), color="0.3", linestyle="--", label="median")
                ax.set_xlabel("share")
                ax.set_ylabel("countries")
            ax.set_title(label.split(" (")[0], fontsize=8)
            if k == 0:
                ax.legend(fontsize=7)
        top = 6
        o = data.origins[(data.origins.exporter == code) & (data.origins.origin != code)]
        o = o.sort_values("value", ascending=False).head(top)
        ax = fig.add_subplot(grid[1, 0])
        gexp = float(me[me.year == last].gross_exports.iloc[0]) if len(me) else 0.0
        share = o.value / gexp if gexp > 0 else o.value * np.nan
        ax.barh(o.origin.astype(str)[::-1], share[::-1], color=OKABE_ITO[1])
        ax.set_title("origins of foreign value added\nin its exports", fontsize=8)
        ax.set_xlabel("share of its gross exports")
        d = data.destinations[
            (data.destinations.origin == code) & (data.destinations.destination != code)
        ]
        d = d.sort_values("value", ascending=False).head(top)
        ax = fig.add_subplot(grid[1, 1])
        total_abroad = float(
            data.destinations[
                (data.destinations.origin == code) & (data.destinations.destination != code)
            ].value.sum()
        )
        ax.barh(
            d.destination.astype(str)[::-1],
            (d.value / total_abroad if total_abroad > 0 else d.value * np.nan)[::-1],
            color=OKABE_ITO[2],
        )
        ax.set_title("where its value added is absorbed\n(abroad)", fontsize=8)
        ax.set_xlabel("share of its value added absorbed abroad")
        ax = fig.add_subplot(grid[1, 2:])
        pos = position[position.year == last].merge(
            shares[shares.year == last], on=["year", "country"]
        )
        part = pos.gvc_backward_share + pos.gvc_forward_share
        ax.scatter(pos.upstreamness, part, color="0.6", s=18)
        mine = pos.country == code
        ax.scatter(pos.upstreamness[mine], part[mine], color=OKABE_ITO[5], s=60, zorder=3)
        for name, ux, py in zip(pos.country, pos.upstreamness, part, strict=True):
            ax.annotate(str(name), (ux, py), fontsize=6, xytext=(2, 2), textcoords="offset points",
                        color=OKABE_ITO[5] if name == code else "0.45")  # fmt: skip
        ax.set_xlabel("upstreamness (output-weighted, stages from final demand)")
        ax.set_ylabel("GVC participation\n(backward + forward share)")
        ax.set_title(f"position and participation against the other countries ({last})"
                     if last else "position and participation against the other countries",
                     fontsize=8)  # fmt: skip
        fig.suptitle(f"{code}: GVC profile", fontsize=11)
        fig.tight_layout()
        return _png(fig)


def _headline_table(code: str, shares: pd.DataFrame, unit: str) -> str:
    last = shares.year.max()
    now = shares[shares.year == last]
    me = now[now.country == code]
    rows = []
    ge = float(me.gross_exports.iloc[0])
    rank = int((now.gross_exports > ge).sum()) + 1
    rows.append(
        f"<tr><td>gross exports ({html.escape(unit)})</td><td>{ge:,.0f}</td>"
        f"<td>{float(now.gross_exports.median()):,.0f}</td><td>{rank} of {len(now)}</td></tr>"
    )
    for col, label in HEADLINES.items():
        v = float(me[col].iloc[0])
        med = float(now[col].median())
        r = int((now[col] > v).sum()) + 1
        rows.append(
            f"<tr><td>{html.escape(label)}</td><td>{v:.3f}</td><td>{med:.3f}</td>"
            f"<td>{r} of {int(now[col].notna().sum())}</td></tr>"
        )
    first = shares.year.min()
    change = ""
    if first != last:
        was = shares[(shares.year == first) & (shares.country == code)]
        if len(was):
            d = float(me.gvc_backward_share.iloc[0]) - float(was.gvc_backward_share.iloc[0])
            f = float(me.gvc_forward_share.iloc[0]) - float(was.gvc_forward_share.iloc[0])
            change = (
                f"<p>From {first} to {last} its backward participation changed by {d:+.3f} "
                f"and its forward participation by {f:+.3f} (shares of gross exports).</p>"
            )
    when = f" ({last})" if last else ""
    return (
        f"<table><tr><th>indicator{when}</th><th>{html.escape(code)}</th><th>median country</th>"
        "<th>rank (1 = highest)</th></tr>" + "".join(rows) + "</table>" + change
    )


STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px}
td:nth-child(n+2){text-align:right}img{max-width:100%}.cap{color:#555;font-size:.9em}
nav a{margin-right:.6em}
"""


def write_country_profile(
    data: ProfileData, path: Path, *, countries: Sequence[str] | None = None
) -> Path:
    """Write the profile page for ``countries`` (default: every country) to ``path``."""
    shares = _with_shares(data.country)
    position = _position(data.sector)
    known = list(dict.fromkeys(shares.country.astype(str)))
    chosen = list(countries) if countries else known
    years = sorted(shares.year.unique())
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else (str(years[0]) if years[0] else "")
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>GVC country profiles {html.escape(span)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>GVC country profiles{(' ' + html.escape(span)) if span else ''}</h1>",
        f"<p>Source: {html.escape(data.source)}. Money in {html.escape(data.unit)}. "
        "Participation and value-added shares follow Borin &amp; Mancini (2019), exporter "
        "perspective, source-based; VAX ratio Johnson &amp; Noguera (2012); upstreamness Antras, "
        "Chor, Fally &amp; Hillberry (2012), weighted by output. Medians and ranks are over the "
        f"{len(known)} countries of the table (groups excluded).</p>",
        "<nav>" + "".join(f"<a href='#{html.escape(c)}'>{html.escape(c)}</a>" for c in chosen)
        + "</nav>",
    ]  # fmt: skip
    for code in chosen:
        fig = _profile_figure(code, shares, data, position)
        parts.append(f"<h2 id='{html.escape(code)}'>{html.escape(code)}</h2>")
        parts.append(_headline_table(code, shares, data.unit))
        parts.append(
            f"<img alt='GVC profile of {html.escape(code)}' src='data:image/png;base64,{fig}'>"
        )  # noqa: E501
        parts.append(
            "<p class='cap'>Top row: the four headline shares"
            + (" over the years (blue), with the median country (dashed) and the middle half of "
               "countries (grey band)." if len(years) > 1 else
               " against the distribution over countries (the country in blue, the median "
               "dashed).")
            + " Bottom left: the countries whose value added makes up most of its foreign "
            "value added in gross exports, as shares of its gross exports (last year). Bottom "
            "middle: where its value added is absorbed in final demand abroad, as shares of all "
            "its value added absorbed abroad. Bottom right: each country's output-weighted "
            "upstreamness against its GVC participation, this country in red.</p>"
        )  # fmt: skip
    parts.append("<h2>Conventions and notes on the tables</h2><ul>")
    parts.extend(f"<li>{html.escape(n)}</li>" for n in data.notes)
    if not data.notes:
        parts.append("<li>No table quirks were handled.</li>")
    parts.append("</ul></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def notes_over_years(notes_by_year: dict[int, list[str]]) -> list[str]:
    """One line per distinct note, with the years it applies to (a panel's notes repeat)."""
    years_of: dict[str, list[int]] = {}
    for year in sorted(notes_by_year):
        for note in notes_by_year[year]:
            key = note.split(": ", 1)[1] if note.startswith(("/", ".")) and ": " in note else note
            years_of.setdefault(key, []).append(year)
    return [f"{_years_text(ys)}: {n}" for n, ys in years_of.items()]


def _years_text(years: list[int]) -> str:
    if len(years) == 1:
        return str(years[0])
    more = " ..." if len(years) > 6 else ""
    return f"{len(years)} years ({', '.join(map(str, years[:6]))}{more})"
