"""How many BLAS threads the dense kernels use (issue 13, item 8).

The rule (measured with ``benchmarks/bench_measure.py --threads``; numbers in
docs/production_gvc.md):

* ``threads=None`` (the default): one thread for tables below :data:`SINGLE_THREAD_BELOW`
  rows; above, every core this process may run on (``os.sched_getaffinity``) but one, at
  least 1 and at most :data:`MAX_THREADS`. So a 2-core machine always runs single-threaded.
  Measured on 2 shared cores, one thread beat two at every size from n = 200 to 7000 (by
  1.5-8x for the inverse): a BLAS thread that has to wait for a core busy with other work
  holds up every synchronisation of the blocked LU (issue 13: 0.2-1.8 s against 0.15-0.17 s
  single-threaded at n = 1435); leaving one core free keeps that from happening where the
  rest of the machine needs a core. Below the threshold one thread inverts in under a second
  (0.33 s at n = 1435, 0.76 s at 2000 here), so threads could save less than that even on an
  idle machine, while they cost up to 8x on a loaded one.
* ``threads=k``: exactly ``k`` threads (k >= 1), whatever the size.

The rule is deterministic: it reads the table size and the affinity mask, never the load.
The limit is applied with :mod:`threadpoolctl` around the whole computation and restored
afterwards; it affects the BLAS/LAPACK library numpy and scipy load (OpenBLAS, MKL, BLIS).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from gpnlab.errors import InputError

#: Tables with fewer rows than this run single-threaded (see the module docstring).
SINGLE_THREAD_BELOW = 2000
#: Never more BLAS threads than this by default (the dense LU stops scaling well before).
MAX_THREADS = 16


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def blas_threads(n: int, threads: int | None = None) -> int:
    """BLAS threads for a dense kernel on an n x n matrix (the rule in the module docstring)."""
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise InputError(
                f"threads must be a whole number of at least 1, not {threads!r}",
                where="threads",
                field="threads",
                fix="give threads=1, 2, ... or leave it out (None) for the size-based rule",
            )
        return threads
    if n < SINGLE_THREAD_BELOW:
        return 1
    return max(1, min(available_cores() - 1, MAX_THREADS))


@lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def blas_limit(n: int, threads: int | None = None) -> Iterator[int]:
    """Run the block with :func:`blas_threads` BLAS threads; yields the number used."""
    k = blas_threads(n, threads)
    with _controller().limit(limits=k, user_api="blas"):
        yield k
