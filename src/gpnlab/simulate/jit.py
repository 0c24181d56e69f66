"""Compiled kernels for the period step: numba's ``njit`` with the project's settings.

A mechanism's hot loop is one pass over the firm arrays (struct of arrays), compiled once and
cached next to its module (``__pycache__``). Settings: no ``fastmath`` (IEEE arithmetic, so a
run is the same bits on the same machine and library versions), ``nogil`` (several runs can
share a process), ``cache`` (a new process loads the machine code instead of compiling it).

Why compiled loops: at 10,000 firms a numpy version of a mechanism spends most of its time in
the overhead of ~40 whole-array calls and their temporaries; one fused loop reads each firm's
row once. Each kernel is a plain loop over firms (or contracts) whose body touches one firm and
its buyer: the shape of a one-thread-per-firm GPU kernel. ``NUMBA_DISABLE_JIT=1`` runs the
same loops in the interpreter (slow; for debugging).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached, without fastmath."""
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=False)(fn))
