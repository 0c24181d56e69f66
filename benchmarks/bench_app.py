"""Speed of ``gpnlab app`` in a real browser (Playwright driving Debian's Chromium, headless).

Prints, on this machine:

* ``first paint`` -- seconds from starting ``gpnlab app`` (a new process) until Chromium
  shows the Explore page with its Run button (goal < 3 s); the browser is launched first, so
  its own start is not counted;
* ``run`` -- seconds from pressing Run to the trajectories appearing, for 5 seeds x 40
  quarters at 4,000 firms (Explore's defaults; regime ``build`` plus laissez-faire for the
  paired difference: 10 simulations), and the progress values the page showed meanwhile
  (goal < 10 s on 2 cores); the first run after the server starts (kernels loaded from
  numba's cache), one after moving an instrument (the regime's 5 runs are simulated, the
  baseline's come from memory; the responsiveness probe below runs during this one) and the
  same again (all from memory);
* ``responsive`` -- while a run is going, how long the page takes to redraw after a control
  is moved (a keyboard step on the seeds slider until its label shows the new value): the
  median and the worst of several tries.

Usage: ``python benchmarks/bench_app.py [--repeat 3]``. Needs ``playwright`` and
``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.app.conftest import CHROMIUM, CHROMIUM_ARGS, Server, free_port  # noqa: E402


def first_paint(browser, root: Path) -> tuple[Server, float, float, object]:
    t0 = time.perf_counter()
    server = Server(root, free_port())  # returns once the server answers HTTP
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url)
    page.locator(".run-button").wait_for(timeout=60_000)
    return server, server.ready, time.perf_counter() - t0, page


def one_run(page, probe: bool) -> tuple[float, list[str], list[float]]:
    """Press Run with the page's defaults; return the wall time until the trajectories show,
    the progress lines seen, and (with ``probe``) the redraw latencies of a slider step."""
    seen: list[str] = []
    lat: list[float] = []
    t0 = time.perf_counter()
    page.locator(".run-button").click()
    page.locator(".job-done").wait_for(state="detached", timeout=30_000)  # the last run's
    slider = page.get_by_role("slider", name=re.compile("^seeds"))
    key = "ArrowRight"
    while True:
        prog = page.locator(".job-progress")
        if prog.count():
            with contextlib.suppress(Exception):  # it may vanish between the two calls
                seen.append(prog.inner_text(timeout=500))
        if page.locator(".job-done").count() and page.locator(".fig-trajectories").count():
            break
        if page.locator(".job-error, .job-cancelled").count():
            raise RuntimeError(page.locator("body").inner_text()[:500])
        if probe and prog.count():
            label = page.get_by_text(re.compile(r"^seeds \(\d+\)$"))
            before = label.inner_text()
            n = int(re.findall(r"\d+", before)[0])
            want = f"seeds ({n + 1 if key == 'ArrowRight' else n - 1})"
            s0 = time.perf_counter()
            slider.first.focus()
            page.keyboard.press(key)
            page.get_by_text(want, exact=True).wait_for(timeout=30_000)
            lat.append(time.perf_counter() - s0)
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    return wall, seen, lat


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs after the first paint (1-3)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        server, http_s, paint_s, page = first_paint(browser, Path(tmp))
        try:
            print(
                f"first paint: {paint_s:.2f} s after the server process started "
                f"(HTTP answered after {http_s:.2f} s; goal < 3 s)"
            )
            cases = [
                ("defaults (build + laissez-faire: 10 simulations)", None),
                (
                    "learning subsidy moved one step (5 regime runs simulated, 5 baseline "
                    "runs from memory)",
                    "learning subsidy",
                ),
                ("the same again (all 10 from memory)", None),
            ]
            for i, (what, move) in enumerate(cases[: args.repeat]):
                if move:
                    thumb = page.get_by_role("slider", name=move)
                    thumb.focus()
                    page.keyboard.press("ArrowRight")
                    want = float(thumb.get_attribute("aria-valuenow"))
                    page.get_by_text(f"{move} = {want:g}").wait_for()
                wall, seen, lat = one_run(page, probe=i == 1)
                shown = [s.split(":")[1].split(" after")[0].strip() for s in seen]
                server_s = re.findall(r"runs in ([0-9.]+) s", page.locator("body").inner_text())
                print(
                    f"run {i + 1}, 5 seeds x 40 quarters x 4,000 firms, {what}: shown "
                    f"{wall:.2f} s after Run (goal < 10 s; simulations {server_s[0]} s); "
                    f"{len(set(shown))} progress values shown: "
                    f"{', '.join(list(dict.fromkeys(shown))[:12]) or 'none'}"
                    + (" ..." if len(set(shown)) > 12 else "")
                )
                if lat:
                    print(
                        f"  responsive during the run: redraw after a slider step "
                        f"{statistics.median(lat) * 1000:.0f} ms median, "
                        f"{max(lat) * 1000:.0f} ms worst ({len(lat)} tries)"
                    )
                slider = page.get_by_role("slider", name=re.compile("^seeds")).first
                slider.focus()
                page.keyboard.press("Home")
                for _ in range(4):
                    page.keyboard.press("ArrowRight")
                page.get_by_text("seeds (5)", exact=True).wait_for()
        finally:
            server.stop()
            browser.close()


if __name__ == "__main__":
    main()
