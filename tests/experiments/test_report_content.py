"""What report.html says (issue 14, item 2): headline and table numbers equal the analysis,
one colour per regime in every figure, a caption under every figure, intervals inside the
quantity's range, definitions, a legend on the network figure, a writer that only renders."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from gpnlab.experiments.api import Analysis
from gpnlab.report import experiment_figures as figs
from gpnlab.report import experiment_report as rep
from gpnlab.report.experiment_report import parse_num, write_report
from gpnlab.report.style import REGIME_COLOURS, regime_colour
from gpnlab.simulate.policy import REGIMES


class Numbers(HTMLParser):
    """Collect ``<span class="num" data-...>`` numbers, noting whether they sit in a headline
    paragraph, and the figures with their captions."""

    def __init__(self) -> None:
        super().__init__()
        self.nums: list[tuple[dict[str, str], str, bool]] = []
        self.headlines: list[str] = []
        self.figures: list[dict[str, object]] = []
        self._span: dict[str, str] | None = None
        self._text = ""
        self._in_headline = False
        self._headline = ""
        self._caption: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "span" and a.get("class") == "num":
            self._span, self._text = a, ""
        elif tag == "p" and a.get("class") == "headline":
            self._in_headline, self._headline = True, ""
        elif tag == "figure":
            self.figures.append({"img": 0, "caption": ""})
        elif tag == "img" and self.figures:
            self.figures[-1]["img"] = int(str(self.figures[-1]["img"])) + 1
        elif tag == "figcaption":
            self._caption = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._span is not None:
            self.nums.append((self._span, self._text, self._in_headline))
            self._span = None
        elif tag == "p" and self._in_headline:
            self.headlines.append(self._headline)
            self._in_headline = False
        elif tag == "figcaption" and self._caption is not None:
            self.figures[-1]["caption"] = self._caption
            self._caption = None

    def handle_data(self, data: str) -> None:
        if self._span is not None:
            self._text += data
        if self._in_headline:
            self._headline += data
        if self._caption is not None:
            self._caption += data


def _parsed(out: Path) -> Numbers:
    p = Numbers()
    p.feed((out / "report.html").read_text(encoding="utf-8"))
    return p


def _close(shown: str, value: float) -> bool:
    """``shown`` is ``value`` as printed: 3 significant digits, whole numbers from 1,000,
    whole percentages."""
    if shown == "n/a":
        return not np.isfinite(value)
    x = parse_num(shown)
    if shown.endswith("%"):
        return abs(x - value) <= 0.005 + 1e-12
    return abs(x - value) <= 5e-3 * abs(value) + 1e-9


def test_headline_numbers_equal_the_ranking_table(reported: tuple[Path, Analysis]) -> None:
    out, a = reported
    p = _parsed(out)
    assert len(p.headlines) == len(a.spec.focal) == 1
    head = [(attrs, text) for attrs, text, in_head in p.nums if in_head]
    assert len(head) >= 10  # estimate, interval, cost, P(best), rank interval, horizon, ...
    r = a.ranking.set_index(["focal", "regime"])
    for attrs, text in head:
        value = float(r.loc[(attrs["data-focal"], attrs["data-regime"]), attrs["data-column"]])
        assert _close(text, value), (attrs, text, value)
    # the baseline spends nothing: no cost interval printed below 0
    costs = [t for at, t, _ in _parsed(out).nums if at["data-column"].startswith("policy_cost")]
    assert costs and all(parse_num(t) >= 0 for t in costs), costs


def test_the_headline_names_the_best_regime_and_the_indistinguishable_ones(
    reported: tuple[Path, Analysis],
) -> None:
    out, a = reported
    text = " ".join(_parsed(out).headlines[0].split())
    r = a.ranking.loc[a.ranking["regime"] != "laissez_faire"]
    r = r.sort_values("value_captured_diff", ascending=False)
    best = r.iloc[0]
    assert re.search(rf"{best['regime']}('s)? (adds|\+|with)", text), text
    sig = (r["value_captured_ci_low"] > 0) | (r["value_captured_ci_high"] < 0)
    for regime in r.loc[~sig, "regime"].iloc[0 if sig.iloc[0] else 1 :]:
        assert re.search(rf"{regime}\b[^.]*not distinguishable", text), text
    if not sig.iloc[0]:
        assert "no regime is distinguishable" in text or "no regime raises" in text
    assert "policy cost of" in text and "paired seeds" in text and "Over the 8 quarters" in text


def test_every_table_number_equals_the_analysis(reported: tuple[Path, Analysis]) -> None:
    out, a = reported
    nums = _parsed(out).nums
    assert len(nums) > 50
    r = a.ranking.set_index(["focal", "regime"])
    for attrs, text, _ in nums:
        value = float(r.loc[(attrs["data-focal"], attrs["data-regime"]), attrs["data-column"]])
        assert _close(text, value), (attrs, text, value)


def test_every_figure_has_an_image_and_a_caption(reported: tuple[Path, Analysis]) -> None:
    out, _ = reported
    figures = _parsed(out).figures
    # per focal: levels, difference paths, forest, ranking, cost and gain, smile,
    # concentration; then the network
    assert len(figures) == 8
    for f in figures:
        assert f["img"] == 1
        assert len(str(f["caption"]).split()) >= 8, f


def _colours(artist: object) -> set[str]:
    if isinstance(artist, Line2D):
        return {to_hex(artist.get_color())}
    if isinstance(artist, Collection):
        fc = artist.get_facecolor()
        cols = fc if len(fc) else artist.get_edgecolor()
        return {to_hex(c, keep_alpha=False) for c in cols}
    if isinstance(artist, Patch):
        return {to_hex(artist.get_facecolor(), keep_alpha=False)}
    raise AssertionError(f"untested artist {artist!r}")


def test_each_regime_has_one_colour_in_every_figure(
    reported: tuple[Path, Analysis], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, a = reported
    drawn: list[tuple[str, Figure]] = []
    save = figs._save

    def capture(fig: Figure, path: Path) -> Path:
        drawn.append((path.name, fig))
        fig.canvas.draw()
        seen: dict[str, set[str]] = {}
        for artist in fig.findobj(lambda x: x.get_gid() in REGIMES):
            seen.setdefault(str(artist.get_gid()), set()).update(_colours(artist))
        figure_colours[path.name] = seen
        return save(fig, path)

    figure_colours: dict[str, dict[str, set[str]]] = {}
    monkeypatch.setattr(figs, "_save", capture)
    write_report(a, tmp_path / "again")
    names = {n.split("_MYL")[0] for n in figure_colours}
    assert names == {"trajectories", "difference_paths", "differences", "ranking",
                     "cost_gain", "smile", "concentration"}  # fmt: skip
    for name, seen in figure_colours.items():
        assert seen, f"{name}: no artist is tagged with its regime"
        for regime, colours in seen.items():
            assert colours == {to_hex(regime_colour(regime))}, (name, regime, colours)
    # every regime of the experiment appears, in the fixed colours, which differ
    assert set().union(*figure_colours.values()) == set(a.spec.regimes)
    assert len(set(REGIME_COLOURS.values())) == len(REGIME_COLOURS) == len(REGIMES)


def test_the_network_figure_has_a_legend(
    reported: tuple[Path, Analysis], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpnlab.report import network_figure as nf

    _, a = reported
    legends: list[list[str]] = []
    real = Figure.savefig

    def keep(fig: Figure, *args: object, **kw: object) -> None:
        legend = fig.axes[0].get_legend()
        legends.append([t.get_text() for t in legend.get_texts()] if legend else [])
        real(fig, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", keep)
    assert a.network is not None
    nf.network_figure(a.network, [s.role for s in a.base.stages], tmp_path / "n.png")
    (texts,) = legends
    for role in ("BL", "CM", "HT", "LT"):
        assert any(t.startswith(role + ":") for t in texts), texts
    assert any("area" in t for t in texts) and any("flow" in t for t in texts)


def test_the_report_defines_regimes_archetypes_units_and_the_caveat(
    reported: tuple[Path, Analysis],
) -> None:
    out, a = reported
    text = (out / "report.html").read_text(encoding="utf-8")
    defs = text[text.index("<h2>Definitions</h2>") :]
    for regime in a.spec.regimes:
        assert regime in defs
        for instrument in REGIMES[regime]:
            assert f"<code>{instrument}</code>" in defs, instrument
    assert "Malaysia-like" in defs  # the focal archetype
    assert "A stylised world, not real economies" in defs
    for phrase in ("model currency", "Capability scale", "quarter", "share of learning"):
        assert phrase in defs, phrase


def test_write_report_only_renders(
    reported: tuple[Path, Analysis], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every analysis function made to fail, an Analysis still renders."""
    import gpnlab.experiments.api as api
    import gpnlab.experiments.worker as worker

    _, a = reported

    def fail(*args: object, **kw: object) -> None:
        raise AssertionError("the writer computed something")

    computing = ("summarise", "differences", "ranking", "rank_distribution", "horizon_long",
                 "cost_effectiveness", "smile_table", "concentration_table", "analyse")  # fmt: skip
    for name in computing:
        monkeypatch.setattr(api, name, fail)
    monkeypatch.setattr(rep, "analyse", fail)
    monkeypatch.setattr(worker, "simulate_run", fail)
    path, notes = write_report(a, tmp_path / "copy")
    assert path.read_text(encoding="utf-8").count("<figcaption>") == 8
    assert notes == a.notes
    assert {p.name for p in (tmp_path / "copy" / "tables").iterdir()} >= {
        "summary.csv", "ranking.csv", "cost_effectiveness.csv", "horizon_differences.csv"
    }  # fmt: skip


def _headline_text(a: Analysis) -> str:
    p = Numbers()
    p.feed(rep.headline(a, "MYL"))
    return " ".join(p.headlines[0].split())


def test_the_headline_follows_the_intervals(reported: tuple[Path, Analysis]) -> None:
    """Edited rankings: a regime whose interval excludes 0 "adds"; one whose interval is below
    0 "lowers it"; when every estimate is negative no regime "raises" the outcome."""
    import dataclasses

    _, a = reported
    r = a.ranking.copy()
    hy, bu = r["regime"] == "hybrid", r["regime"] == "build"
    r.loc[hy, ["value_captured_diff", "value_captured_ci_low", "value_captured_ci_high"]] = [
        88.0, 7.0, 169.0
    ]  # fmt: skip
    r.loc[bu, ["value_captured_diff", "value_captured_ci_low", "value_captured_ci_high"]] = [
        -30.0, -50.0, -10.0
    ]  # fmt: skip
    text = _headline_text(dataclasses.replace(a, ranking=r))
    assert text.startswith("For MYL, hybrid adds +88 [7, 169] million / quarter of value captured")
    assert "build lowers it: -30 [-50, -10]" in text
    assert "not distinguishable" not in text

    r.loc[hy, ["value_captured_diff", "value_captured_ci_low", "value_captured_ci_high"]] = [
        -5.0, -20.0, 10.0
    ]  # fmt: skip
    text = _headline_text(dataclasses.replace(a, ranking=r))
    assert "no regime raises value captured above laissez_faire" in text
    assert "the closest is hybrid with -5 [-20, 10]" in text
    assert "build lowers it" in text


def test_a_headline_on_an_index_says_raises_by(reported: tuple[Path, Analysis]) -> None:
    import dataclasses

    _, a = reported
    analysis = a.spec.analysis.model_copy(update={"rank_by": "capability_ht"})
    r = a.ranking.copy()
    hy = r["regime"] == "hybrid"
    r.loc[hy, ["capability_ht_diff", "capability_ht_ci_low", "capability_ht_ci_high"]] = [
        0.04, 0.03, 0.05
    ]  # fmt: skip
    b = dataclasses.replace(a, spec=a.spec.model_copy(update={"analysis": analysis}), ranking=r)
    text = _headline_text(b)
    assert "hybrid raises capability, higher-tier domestic suppliers by +0.04 [0.03, 0.05]" in text
    assert "(index)" in text and "changes the horizon mean by" in text
