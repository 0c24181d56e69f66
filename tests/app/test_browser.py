"""The app in a real browser (Playwright driving Debian's Chromium, headless).

Checks what issue 14 asks: the page loads; moving an instrument slider and pressing Run gives
trajectories for the number of seeds asked; Cancel stops a run; Compare shows the forest plot;
Experiments opens the smoke experiment; Measure shows indicators for a small table; a path
outside ``--root`` (typed, or a symlink out of it) is refused. Screenshots go to docs/img/ for
people to look at (they are not compared). Skipped with the reason when Chromium or Playwright
is missing.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import Server, screenshot

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
).expect

pytestmark = pytest.mark.slow

RUN_TIMEOUT = 180_000  # ms: the first run in a fresh clone compiles the kernels


def set_slider(page, name: str, value: int, low: int) -> None:
    """Move the integer slider labelled ``name (..)`` to ``value`` with the keyboard."""
    s = page.get_by_role("slider", name=re.compile(rf"^{re.escape(name)}"))
    s.first.focus()
    page.keyboard.press("Home")
    for _ in range(value - low):
        page.keyboard.press("ArrowRight")


def set_firms(page, n: int) -> None:
    box = page.get_by_label(re.compile("^firms"))
    box.fill(str(n))
    box.press("Enter")


def test_page_loads(page, server: Server) -> None:
    t0 = time.perf_counter()
    page.goto(server.url)
    page.locator(".run-button").wait_for()
    paint = time.perf_counter() - t0
    assert page.get_by_text("Policy instruments of MYL").is_visible()
    # one control per policy instrument, with its help text and bounds
    assert page.locator(".ctl-learning_subsidy").get_by_text("share of learning").is_visible()
    screenshot(page, "explore")
    assert page.locator(".ctl-transfer_rate").count() == 0  # mechanisms drawn on demand
    page.get_by_text("show the mechanism parameters").click()
    page.locator(".ctl-transfer_rate").get_by_text("share of the capability gap").wait_for()
    print(f"server answered {server.ready:.2f} s after start; page painted in {paint:.2f} s")


def test_slider_and_run_give_trajectories_for_the_seeds_asked(page, server: Server) -> None:
    page.goto(server.url)
    page.locator(".run-button").wait_for()
    set_slider(page, "seeds", 3, 1)
    set_slider(page, "quarters", 6, 1)
    set_firms(page, 1500)
    thumb = page.get_by_role("slider", name="learning subsidy")
    before = float(thumb.get_attribute("aria-valuenow"))
    thumb.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    after = float(thumb.get_attribute("aria-valuenow"))
    assert after == pytest.approx(before + 0.05)
    # the label shows the value the server holds: wait for it before pressing Run
    ctl = page.locator(".ctl-learning_subsidy")
    ctl.get_by_text(f"learning subsidy = {after:g}").wait_for()
    page.locator(".run-button").click()
    page.locator(".fig-trajectories").wait_for(timeout=RUN_TIMEOUT)
    assert page.locator(".trajectory-seeds").inner_text() == "trajectories: 3 seeds"
    assert "3 seeds x 6 quarters (6 runs" in page.locator("body").inner_text()
    moved = page.locator(".moved-controls").inner_text()
    assert f"learning_subsidy = {after:g}" in moved
    for cls in ("fig-differences", "fig-stages", "fig-network", "headline-table"):
        assert page.locator(f".{cls}").count() == 1, cls
    screenshot(page, "explore_run")
    page.locator(".fig-network").scroll_into_view_if_needed()
    screenshot(page, "explore_network")


def test_cancel_stops_a_run(page, server: Server) -> None:
    page.goto(server.url)
    page.locator(".run-button").wait_for()
    set_slider(page, "seeds", 20, 1)
    page.get_by_role("slider", name=re.compile("^quarters")).first.focus()
    page.keyboard.press("End")
    page.locator(".run-button").click()
    page.locator(".job-progress").wait_for(timeout=RUN_TIMEOUT)
    page.locator(".cancel-button").click()
    page.locator(".job-cancelled").wait_for(timeout=30_000)
    assert page.locator(".fig-trajectories").count() == 0
    expect(page.locator(".run-button")).to_be_enabled()


def test_compare_shows_the_forest_plot(page, server: Server) -> None:
    page.goto(server.url + "/compare")
    page.locator(".run-button").wait_for()
    set_slider(page, "seeds", 2, 2)
    set_slider(page, "quarters", 4, 1)
    set_firms(page, 1000)
    page.locator(".run-button").click()
    page.locator(".fig-forest").wait_for(timeout=RUN_TIMEOUT)
    table = page.locator(".compare-table").inner_text()
    for regime in ("laissez_faire", "join", "build", "gvc_oriented", "hybrid"):
        assert regime in table
    screenshot(page, "compare")


def test_experiments_opens_the_smoke_experiment(page, server: Server, smoke: Path) -> None:
    page.goto(server.url + "/experiments")
    box = page.locator(".path-input input")
    box.fill("smoke")
    box.press("Enter")
    page.locator(".open-button").click()
    page.locator(".ranking-table").wait_for()
    body = page.locator("body").inner_text()
    assert "smoke" in body and "12 of 12 runs done" in body
    assert page.locator(".fig-forest").count() == 1
    screenshot(page, "experiments")


def test_measure_shows_indicators_of_a_small_table(page, server: Server) -> None:
    page.goto(server.url + "/measure")
    box = page.locator(".path-input input")
    box.fill("tables/small")
    box.press("Enter")
    page.locator(".measure-button").click()
    page.locator(".indicator-table").wait_for()
    text = page.locator(".indicator-table").inner_text()
    assert all(c in text for c in ("C01", "C02", "C03", "C04"))
    assert "VAX" in text or "vax" in text
    screenshot(page, "measure")


@pytest.mark.parametrize("path", ["../outside/table", "/etc", "escape/table"])
def test_a_path_outside_the_root_is_refused(page, server: Server, path: str) -> None:
    page.goto(server.url + "/measure")
    box = page.locator(".path-input input")
    box.fill(path)
    box.press("Enter")
    page.locator(".measure-button").click()
    err = page.locator(".path-error")
    err.wait_for()
    assert "outside the app's root folder" in err.inner_text()
    assert page.locator(".indicator-table").count() == 0
    if path.startswith("escape"):
        screenshot(page, "refused")


def test_changing_the_regime_sets_its_instruments(page, server: Server) -> None:
    page.goto(server.url)
    page.locator(".run-button").wait_for()
    ls, fdi = page.locator(".ctl-learning_subsidy"), page.locator(".ctl-fdi_incentive")
    ls.get_by_text("learning subsidy = 0.4").wait_for()  # build (the default regime)
    page.get_by_role("button", name="regime build").click()
    page.get_by_role("option", name="join").click()
    fdi.get_by_text("fdi incentive = 0.15").wait_for()  # REGIMES["join"]
    ls.get_by_text("learning subsidy = 0", exact=True).wait_for()
