"""Resource bounds checked *before* allocation: memory and run counts.

Every command that may allocate in proportion to its inputs (firms x periods, an n x n table,
a design of runs) estimates the bytes first and calls :func:`check_memory`; the estimate and
the limit are in the one-line error. The limit is the memory the machine has available now
(``MemAvailable`` in ``/proc/meminfo``, else physical memory), or a smaller one given with
``--max-memory`` / the ``GPNLAB_MAX_MEMORY`` environment variable (e.g. ``8G``, ``512M``).
"""

from __future__ import annotations

import os
import re

from gpnlab.errors import InputError

ENV_LIMIT = "GPNLAB_MAX_MEMORY"
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
#: Above this many estimated seconds of work, an experiment asks for ``--yes``.
CONFIRM_SECONDS = 24 * 3600.0


class ResourceError(InputError):
    """Work whose memory or size would exceed the machine (exit code 2, nothing allocated)."""


def parse_bytes(text: str, *, where: str = "--max-memory", field: str = "max_memory") -> int:
    """``"8G"``, ``"512M"``, ``"1.5G"``, ``"2000000"`` -> bytes (binary units)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)i?B?\s*", text, flags=re.IGNORECASE)
    if m is None or float(m.group(1)) <= 0:
        raise InputError(
            f"not a memory size: {text!r}",
            where=where,
            field=field,
            fix="give a positive size such as 8G, 512M or 2000000 (bytes)",
        )
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def available_memory() -> int:
    """Bytes of memory available now (Linux ``MemAvailable``; else total physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def memory_limit() -> int:
    """The memory a command may use: ``GPNLAB_MAX_MEMORY`` if set, capped at what is
    available now."""
    avail = available_memory()
    given = os.environ.get(ENV_LIMIT)
    if given:
        return min(parse_bytes(given, where=ENV_LIMIT, field=ENV_LIMIT), avail)
    return avail


def set_memory_limit(text: str | None) -> None:
    """Apply ``--max-memory`` for this process and the worker processes it starts."""
    if text is not None:
        parse_bytes(text)  # one-line error on a bad size
        os.environ[ENV_LIMIT] = text


def human_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def check_memory(estimate: float, *, what: str, where: str, field: str, fix: str = "") -> None:
    """Refuse (:class:`ResourceError`) when ``estimate`` bytes exceed :func:`memory_limit`."""
    limit = memory_limit()
    if estimate > limit:
        source = f"{ENV_LIMIT}/--max-memory" if os.environ.get(ENV_LIMIT) else "available memory"
        raise ResourceError(
            f"{what} needs about {human_bytes(estimate)}, more than the "
            f"{human_bytes(limit)} of {source}",
            where=where,
            field=field,
            fix=fix or "make the job smaller, or raise --max-memory on a larger machine",
        )


def check_run_count(
    runs: int, seconds_per_run: float, workers: int, *, yes: bool, where: str, field: str
) -> float:
    """Refuse an experiment that would take more than a day unless ``yes``; returns the
    estimated wall time in seconds (``runs * seconds_per_run / workers``)."""
    seconds = runs * seconds_per_run / max(workers, 1)
    if seconds > CONFIRM_SECONDS and not yes:
        raise ResourceError(
            f"{runs:,} runs would take about {seconds / 3600:,.0f} hours on {workers} "
            f"worker(s) (estimate {seconds_per_run:.2g} s per run)",
            where=where,
            field=field,
            fix="reduce replicates, samples or regimes, or pass --yes to start anyway",
        )
    return seconds
