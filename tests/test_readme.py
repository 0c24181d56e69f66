"""Every command block of the README, run as written (issue 14, item 5).

The README's ```bash blocks are run in order, one block per test, in one temporary folder
holding a copy of the files they use (``examples/``, the ``Makefile``), with ``gpnlab`` the
package of this checkout. Commands that need what a new user does not have are skipped with
the reason (the ``../shared`` WIOD tables, a file of their own, a Dask cluster); ``make test``
is this suite itself; ``make X`` runs the Makefile's recipe without rebuilding ``.venv``.
``gpnlab app`` is started, must answer on its address and is stopped. Blocks that simulate for
longer than a few seconds are ``slow``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

SKIP = {
    "../shared": "needs the WIOD tables in ../shared (not part of a fresh clone)",
    "ICIO2021_2018.csv": "needs the user's own OECD ICIO file",
    "saved_pymrio_folder": "needs the user's own pymrio folder",
    "tcp://host:8786": "needs a running Dask scheduler at host:8786",
    "make test": "is this test suite itself",
}
SLOW = ("make demo", "gpnlab simulate --regime", "gpnlab experiment", "gpnlab validate",
        "gpnlab report", "gpnlab calibrate")  # fmt: skip
NOT_RUN = {
    "gpnlab validate": "the full battery (20 seeds x 100 quarters for each of its variants) is "
    "too long for a test; the small form on the next line is run",
}


def blocks() -> list[list[str]]:
    """The README's ```bash blocks as lists of commands (comments and blank lines dropped)."""
    text = README.read_text(encoding="utf-8")
    out = []
    for body in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        cmds = [ln.split(" #")[0].rstrip() if " #" in ln else ln.rstrip()
                for ln in body.splitlines()]  # fmt: skip
        cmds = [c for c in cmds if c.strip() and not c.lstrip().startswith("#")]
        raw = [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        out.append(list(zip(cmds, raw, strict=True)))
    return out  # type: ignore[return-value]


def skip_reason(cmd: str, raw: str = "") -> str | None:
    for key, why in SKIP.items():
        if key in cmd:
            return why
    return NOT_RUN.get(cmd.strip())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("readme")
    shutil.copytree(REPO / "examples", d / "examples")
    shutil.copy(REPO / "Makefile", d / "Makefile")
    bindir = d / ".bin"
    bindir.mkdir()
    wrapper = bindir / "gpnlab"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m gpnlab.cli "$@"\n')
    wrapper.chmod(0o755)
    return d


def env(workdir: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = f"{workdir / '.bin'}{os.pathsep}{e.get('PATH', '')}"
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), e.get("PYTHONPATH")]))
    e["COLUMNS"] = "120"
    return e


def make_recipe(target: str, workdir: Path) -> str:
    """``make TARGET`` without the .venv set-up: the recipe with ``gpnlab`` from PATH."""
    return f"make --no-print-directory {target} STAMP= BIN={workdir / '.bin'}"


def run_app(cmd: str, workdir: Path) -> None:
    m = re.search(r"--port\s+(\d+)", cmd)
    port = int(m.group(1)) if m else 8765
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            pytest.skip(f"port {port} is in use on this machine")
    proc = subprocess.Popen(
        shlex.split(cmd),
        cwd=workdir,
        env=env(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    assert r.status == 200
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"{cmd!r} did not answer on 127.0.0.1:{port} within a minute")
    finally:
        proc.terminate()
        proc.wait(10)


def run_block(index: int, workdir: Path) -> None:
    skipped = []
    for cmd, raw in blocks()[index]:
        why = skip_reason(cmd, raw)
        if why:
            skipped.append(f"{cmd.strip()!r}: {why}")
            continue
        line = cmd.strip()
        if line.startswith("gpnlab app"):
            run_app(line, workdir)
            continue
        if line.startswith("make "):
            line = make_recipe(line.split()[1], workdir)
        r = subprocess.run(line, shell=True, cwd=workdir, env=env(workdir),
                           capture_output=True, text=True, timeout=1800)  # fmt: skip
        assert r.returncode == 0, f"{cmd!r} exited {r.returncode}:\n{r.stderr[-3000:]}"
        assert "Traceback" not in r.stderr, r.stderr[-3000:]
    if skipped and len(skipped) == len(blocks()[index]):
        pytest.skip("; ".join(skipped))


def _params() -> list[object]:
    out = []
    for i, block in enumerate(blocks()):
        first = block[0][0].strip()
        slow = any(any(s in c for s in SLOW) and not skip_reason(c, r) for c, r in block)
        marks = [pytest.mark.slow] if slow else []
        out.append(pytest.param(i, id=f"block{i}-{first.split()[0]}-{first.split()[1]}",
                                marks=marks))  # fmt: skip
    return out


@pytest.mark.parametrize("index", _params())
def test_readme_block_runs_as_written(index: int, workdir: Path) -> None:
    run_block(index, workdir)


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs_as_written(index: int, workdir: Path) -> None:
    code = python_blocks()[index]
    for key, why in SKIP.items():
        if key in code:
            pytest.skip(why)
    r = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=env(workdir),
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]


def test_the_readme_chain_is_in_the_readme() -> None:
    """The chain of issue 14 stays in the README, in this order (so the test above runs it)."""
    cmds = [c.strip() for b in blocks() for c, _ in b]
    sim = cmds.index("gpnlab simulate --regime build --periods 40 --out out/build")
    assert cmds[sim + 1] == "gpnlab measure out/build/mrio/period=40"
    wp = cmds.index("gpnlab simulate --write-preset world.toml")
    assert cmds[wp + 1].startswith("gpnlab simulate world.toml")
