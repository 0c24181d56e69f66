"""Panels: one indicator set per year of a folder of tables, stacked with a ``year`` column.

``gpnlab measure FOLDER`` (and :func:`panel`) take a folder holding one table per year, as
``../shared/data/wiod2013/`` does (``1995/ ... 2011/``) or a folder of ICIO CSV files
(``ICIO2023_2019.csv ...``). An entry's year is the last whole four-digit token of its name
between 1900 and 2100 (``ICIO2021_2018.csv`` is 2018: the first token is the release).

Years are measured independently (a year's numbers do not depend on which other years are in
the folder, nor on how many worker threads run them), each with one BLAS thread, the
threads sharing the cores: the same bits whatever ``workers`` is. What is
shared across years: the option checks, the memory check (done once for the largest table,
before any year is read), and the worker threads. Threads, not processes: reading (Arrow)
and the dense kernels release the GIL, and a year's frames (the bilateral terms alone are
0.75 M rows for WIOD) would otherwise be pickled back; ``benchmarks/bench_panel.py``
measured 9.3 s with two threads against 13.0 s with two processes for the 17 WIOD years.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gpnlab.errors import InputError
from gpnlab.table import IOTable, OutputRule, TableWarning, ValueAddedRule

YEAR_TOKEN = re.compile(r"(?<!\d)(\d{4})(?!\d)")
FRAMES = ("country", "sector", "bilateral", "kww", "wwz", "bilateral_sink")
FLOWS = ("origins", "destinations")
EXTRA = "extra:"  # prefix of the extra tables' keys between a worker and the stacking


@dataclass
class Panel:
    """Every output frame of :func:`gpnlab.measure.measure_all`, stacked over years.

    Each frame has ``year`` as its first column; ``notes`` holds each year's table notes
    (rounding residue, value added residual ...), ``tables`` each year's shape and source.
    """

    country: pd.DataFrame
    sector: pd.DataFrame
    bilateral: pd.DataFrame
    kww: pd.DataFrame
    wwz: pd.DataFrame | None = None
    bilateral_sink: pd.DataFrame | None = None
    #: value added by origin in gross exports and by destination (country level, with_flows)
    origins: pd.DataFrame | None = None
    destinations: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: dict[int, list[str]] = field(default_factory=dict)
    tables: dict[int, dict[str, object]] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted(self.tables)


def entry_year(name: str) -> int | None:
    """The year of a folder entry: the last whole four-digit token in 1900-2100, or None."""
    years = [int(t) for t in YEAR_TOKEN.findall(name) if 1900 <= int(t) <= 2100]
    return years[-1] if years else None


def _is_table_entry(p: Path, fmt: str) -> bool:
    if p.name.startswith("."):
        return False
    if fmt == "oecd-icio":
        return p.is_file() and p.name.lower().endswith((".csv", ".csv.gz"))
    return p.is_dir()


def year_entries(folder: Path, fmt: str = "own") -> list[tuple[int, Path]]:
    """``[(year, path), ...]`` of the tables in ``folder``, in year order; [] if none.

    Two entries of the same year are refused in one line (which one is meant is not
    guessable).
    """
    if not folder.is_dir():
        return []
    found: dict[int, Path] = {}
    for p in sorted(folder.iterdir()):
        year = entry_year(p.name)
        if year is None or not _is_table_entry(p, fmt):
            continue
        if year in found:
            raise InputError(
                f"two tables for year {year}: {found[year].name} and {p.name}",
                where=str(folder),
                field="PATH",
                fix="keep one table per year in the folder, or pick one with --year",
            )
        found[year] = p
    return sorted(found.items())


def is_panel_folder(path: Path, fmt: str = "own") -> bool:
    """Whether ``path`` is a folder of yearly tables rather than one table.

    An own-layout folder with a ``Z`` file is one table; an ICIO folder with exactly one CSV
    file is one table; otherwise a folder with at least one year entry is a panel.
    """
    if not path.is_dir():
        return False
    if fmt in ("own", "pymrio"):
        from gpnlab.io.own import find_file

        if find_file(path, "Z", required=False) is not None:
            return False
        if fmt == "pymrio" and (path / "Z.txt").exists():
            return False
    entries = year_entries(path, fmt)
    if fmt == "oecd-icio":
        return len(entries) > 1
    return len(entries) >= 1


@dataclass(frozen=True)
class YearJob:
    """What one worker measures: a year's table and the options (picklable)."""

    year: int
    path: str
    fmt: str
    output: str
    merge_split: bool
    value_added: str
    with_wwz: bool
    with_sink: bool
    one_thread: bool
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    strict_groups: tuple[str, ...] = ()
    sector_groups: tuple[str, ...] = ()
    with_flows: bool = False
    #: further keyword options of measure_all (perspective, approach, with_imports, ...)
    options: tuple[tuple[str, Any], ...] = ()


def measure_year(
    job: YearJob,
) -> tuple[int, dict[str, pd.DataFrame | None], list[str], dict[str, object]]:
    """Read and measure one year (in a worker thread or in the caller's)."""
    from gpnlab.io.formats import read_table
    from gpnlab.measure.indicators import measure_with_groups

    notes: list[str] = []
    options = dict(job.options)
    if job.one_thread:
        options["threads"] = 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TableWarning)
        table = read_table(
            job.path,
            job.fmt,
            output=job.output,  # type: ignore[arg-type]
            merge_split=job.merge_split,
            value_added=job.value_added,  # type: ignore[arg-type]
        )
        ind, group_notes = measure_with_groups(
            table,
            with_wwz=job.with_wwz,
            with_sink=job.with_sink,
            groups=dict(job.groups),
            strict_groups=job.strict_groups,
            sector_groups=job.sector_groups,
            **options,
        )
    for w in caught:
        msg = str(w.message)
        if issubclass(w.category, TableWarning) and msg not in notes:
            notes.append(msg)
    notes.extend(group_notes)
    frames: dict[str, pd.DataFrame | None] = {name: getattr(ind, name) for name in FRAMES}
    frames.update({EXTRA + k: v for k, v in ind.extra.items()})
    if job.with_flows:
        from gpnlab.report.country_profile import flows_by_country

        assert ind.accounts is not None
        frames["origins"], frames["destinations"] = flows_by_country(ind.accounts)
    return job.year, frames, notes, one_year_table(table)


def _with_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    flat = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    return pd.concat([pd.Series(year, index=flat.index, name="year", dtype="int16"), flat], axis=1)


def _check_panel_memory(entries: Sequence[tuple[int, Path]], fmt: str, workers: int) -> None:
    """Refuse a panel whose tables (``workers`` at a time) would not fit, before reading one."""
    from gpnlab.measure.indicators import memory_estimate
    from gpnlab.resources import check_memory

    if fmt != "own":
        return  # the other readers check each file's header as they read it
    from gpnlab.io.matrix import sniff
    from gpnlab.io.own import find_file

    largest = 0
    for _year, p in entries:
        z = find_file(p, "Z", required=False)
        if z is None:
            continue
        largest = max(largest, len(sniff(z, what="Z matrix").value_columns))
    if largest:
        check_memory(
            workers * memory_estimate(largest, max(1, largest // 35)),
            what=f"measuring {len(entries)} tables of up to {largest} rows, {workers} at a time",
            where=str(entries[0][1].parent),
            field="PATH",
            fix="use fewer workers (--workers 1) or raise --max-memory on a larger machine",
        )


def default_workers(n_years: int) -> int:
    """One thread per core, at most one per year."""
    return max(1, min(n_years, os.cpu_count() or 1))


def panel(
    path: str | os.PathLike[str],
    fmt: str = "own",
    *,
    years: Sequence[int] | None = None,
    output: OutputRule = "rowsums",
    merge_split: bool = True,
    value_added: ValueAddedRule = "residual",
    with_wwz: bool = False,
    with_sink: bool = False,
    groups: dict[str, Sequence[str]] | None = None,
    strict_groups: Sequence[str] = (),
    sector_groups: Sequence[str] = (),
    workers: int | None = None,
    with_flows: bool = False,
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> Panel:
    """Measure every year of the folder ``path`` (module docstring); ``years`` picks some.

    ``progress`` is called with each year as it is done. ``workers`` threads (default one
    per core, at most one per year; 1 runs in the caller's thread). ``groups``,
    ``strict_groups`` and ``sector_groups`` as in
    :func:`gpnlab.measure.indicators.measure_with_groups`; further
    ``options`` (perspective, approach, with_imports, with_extras) go to ``measure_all``.
    """
    folder = Path(path)
    entries = year_entries(folder, fmt)
    if not entries:
        raise InputError(
            "no yearly tables in the folder",
            where=str(folder),
            field="PATH",
            fix="give a folder holding one table per year (named by its year), or one table",
        )
    if years is not None:
        have = dict(entries)
        missing = [y for y in years if y not in have]
        if missing:
            raise InputError(
                f"no table for year {', '.join(map(str, missing))}",
                where=str(folder),
                field="--years",
                fix=f"the folder has {entries[0][0]}-{entries[-1][0]}",
            )
        entries = [(y, have[y]) for y in sorted(set(years))]
    n_workers = workers or default_workers(len(entries))
    _check_panel_memory(entries, fmt, n_workers)
    group_items = tuple((k, tuple(v)) for k, v in (groups or {}).items())
    jobs = [
        YearJob(
            year=y,
            path=str(p),
            fmt=fmt,
            output=output,
            merge_split=merge_split,
            value_added=value_added,
            with_wwz=with_wwz,
            with_sink=with_sink,
            one_thread=True,
            groups=group_items,
            strict_groups=tuple(strict_groups),
            sector_groups=tuple(sector_groups),
            with_flows=with_flows,
            options=tuple(sorted(options.items())),
        )
        for y, p in entries
    ]
    results = []
    if n_workers == 1:
        for job in jobs:
            results.append(measure_year(job))
            if progress:
                progress(job.year)
    else:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1), ThreadPoolExecutor(n_workers) as pool:
            for res in pool.map(measure_year, jobs):
                results.append(res)
                if progress:
                    progress(res[0])
    return _stack(results)


def _stack(
    results: list[tuple[int, dict[str, pd.DataFrame | None], list[str], dict[str, object]]],
) -> Panel:
    stacked: dict[str, pd.DataFrame | None] = {}
    keys = (k for _y, fs, _n, _i in results for k in fs)
    extra_names = list(dict.fromkeys(k for k in keys if k.startswith(EXTRA)))
    for name in FRAMES + FLOWS + tuple(extra_names):
        parts = [_with_year(f, y) for y, fs, _n, _i in results if (f := fs.get(name)) is not None]
        stacked[name] = pd.concat(parts, ignore_index=True) if parts else None
    country, sector, bilateral, kww = (
        stacked["country"],
        stacked["sector"],
        stacked["bilateral"],
        stacked["kww"],
    )
    assert country is not None and sector is not None and bilateral is not None and kww is not None
    return Panel(
        country=country,
        sector=sector,
        bilateral=bilateral,
        kww=kww,
        wwz=stacked["wwz"],
        bilateral_sink=stacked["bilateral_sink"],
        origins=stacked["origins"],
        destinations=stacked["destinations"],
        extra={k[len(EXTRA) :]: v for k in extra_names if (v := stacked[k]) is not None},
        notes={y: n for y, _f, n, _i in results},
        tables={y: i for y, _f, _n, i in results},
    )


def one_year_table(table: IOTable) -> dict[str, object]:
    """The shape and source of a table as :attr:`Panel.tables` records it."""
    return {
        "source": table.source,
        "unit": table.unit,
        "countries": table.G,
        "sectors": table.N,
        "rows": table.n,
    }
