"""Fixtures of the app tests: a root folder with a small table, the smoke experiment and a
symlink that points out of the root; the app served on a free 127.0.0.1 port; Chromium driven
by Playwright (skipped, with the reason, when either is missing)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("GPNLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "docs" / "img"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_root(root: Path) -> Path:
    """A root with ``tables/small`` (a 4-country x 5-sector synthetic table), an
    ``outside/`` folder beside it (with a table) and ``escape``, a symlink to it."""
    from gpnlab.io.own import write_own
    from gpnlab.synthetic import random_table

    root.mkdir(parents=True, exist_ok=True)
    write_own(random_table(4, 5, seed=3), root / "tables" / "small", overwrite=True)
    outside = root.parent / "outside"
    write_own(random_table(3, 2, seed=4), outside / "table", overwrite=True)
    (root / "escape").symlink_to(outside, target_is_directory=True)
    return root


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src"), str(REPO), *filter(None, [e.get("PYTHONPATH", "")])]
    )
    return e


def run_smoke(root: Path) -> Path:
    """The shipped smoke experiment (examples/experiments/smoke.toml) into ``root/smoke``."""
    out = root / "smoke"
    subprocess.run(
        [sys.executable, "-m", "gpnlab.cli", "experiment",
         str(REPO / "examples" / "experiments" / "smoke.toml"), "--out", str(out),
         "--processes", "1", "--no-report"],
        check=True, env=env(), capture_output=True, timeout=600,
    )  # fmt: skip
    return out


class Server:
    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port = root, port
        self.url = f"http://127.0.0.1:{port}"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gpnlab.cli", "app", "--port", str(port), "--root", str(root)],
            env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.ready = self.wait()

    def wait(self) -> float:
        """Seconds from the start of the process until the page answers."""
        deadline = self.started + START_TIMEOUT
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gpnlab app exited: {self.proc.stdout.read()}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(self.url, timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gpnlab app did not answer within a minute")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium; .ci/run does it)"
    return None


@pytest.fixture(scope="session")
def app_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("app") / "root")


@pytest.fixture(scope="session")
def server(app_root: Path) -> Iterator[Server]:
    s = Server(app_root, free_port())
    yield s
    s.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: object, server: Server) -> Iterator[object]:
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    pg.set_default_timeout(30_000)
    yield pg
    pg.close()


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"app_{name}.png"), full_page=False)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def smoke(app_root: Path) -> Path:
    return run_smoke(app_root)


__all__ = ["screenshot", "shutil"]
