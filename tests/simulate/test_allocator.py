"""The allocator settings (gpnlab.simulate.allocator) change where memory comes from, never a
result: the same world gives the same bits with and without them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = """
import hashlib
import pandas as pd
from gpnlab.simulate import load_preset, simulate
from gpnlab.simulate.allocator import keep_freed_memory
from gpnlab.simulate.config import scale_firms
r = simulate(scale_firms(load_preset("default"), 1500), seed=3, periods=12)
h = hashlib.sha256(pd.util.hash_pandas_object(r.panel, index=False).values.tobytes())
print(keep_freed_memory(), h.hexdigest())
"""


def run(keep: str) -> list[str]:
    env = {**os.environ, "GPNLAB_KEEP_FREED_MEMORY": keep}
    out = subprocess.run(
        [sys.executable, "-c", CODE], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_keeping_freed_memory_changes_no_bit() -> None:
    on, off = run("1"), run("0")
    assert on[0] == "True" and off[0] == "False"  # the setting took effect, or was left alone
    assert on[1] == off[1]
