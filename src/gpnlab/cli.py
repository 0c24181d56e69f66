"""The ``gpnlab`` command line (Typer + Rich).

Bad input prints one line ``error: <file>: <what> (field ...); fix: ...`` and exits with code 2,
with nothing written. A full disk or another failure of the machine prints one line and exits
with 1; Ctrl-C exits with 130 and SIGTERM with 143 (docs/reliability.md).
"""

from __future__ import annotations

import errno
import os
import signal
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from gpnlab import __version__
from gpnlab.errors import ExperimentStopped, InputError
from gpnlab.table import TableWarning

app = typer.Typer(
    add_completion=False,
    # help text is plain text: defaults are written in brackets ("[world's seed]"), which Rich
    # markup would swallow as tags
    rich_markup_mode=None,
    no_args_is_help=True,
    help="gpnlab: global production networks, GVC measurement and industrial-policy simulation.",
)
console = Console(stderr=True)
out_console = Console()


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (temporary files removed), then exit 143."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _error_line(text: str, code: int) -> typer.Exit:
    console.print(f"[bold red]error:[/] {text}".replace("\n", " "), highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


@contextmanager
def user_errors(stored_safe: bool = False) -> Iterator[None]:
    """One line on stderr for everything that can go wrong, never a traceback.

    * :class:`InputError` (bad input, refused output folder, a resource bound) -> exit 2;
    * an experiment that stopped early -> its line (runs kept, how to resume), exit 130 on
      Ctrl-C, 143 on SIGTERM, else 1;
    * a full disk -> "disk is full" (and, for experiments, that stored runs are safe), exit 1;
      other operating-system errors -> the path and the reason, exit 1;
    * Ctrl-C / SIGTERM elsewhere -> "interrupted; nothing was written", exit 130 / 143.
    """
    limit_before = os.environ.get("GPNLAB_MAX_MEMORY")  # --max-memory lasts one command
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (e.g. called from a test's thread)
        previous = None
    try:
        yield
    except InputError as exc:
        raise _error_line(str(exc), 2) from None
    except ExperimentStopped as exc:
        default = 130 if exc.reason == "interrupted" else 143 if exc.reason == "terminated" else 1
        raise _error_line(str(exc), int(getattr(exc, "exit_code", default))) from None
    except OSError as exc:
        safe = "; the runs stored so far are safe" if stored_safe else "; nothing was written"
        if exc.errno == errno.ENOSPC:
            where = f"{exc.filename}: " if exc.filename else ""
            raise _error_line(
                f"{where}the disk is full{safe}; free space and run again", 1
            ) from None
        what = exc.strerror or type(exc).__name__
        where = f"{exc.filename}: " if exc.filename else ""
        raise _error_line(f"{where}{what}{safe}", 1) from None
    except MemoryError:
        raise _error_line(
            "out of memory; nothing was written; fix: a smaller job or --max-memory", 1
        ) from None
    except KeyboardInterrupt:
        raise _error_line("interrupted; nothing was written", 130) from None
    except Terminated:
        raise _error_line("terminated (SIGTERM); nothing was written", 143) from None
    except Exception as exc:
        if os.environ.get("GPNLAB_DEBUG"):
            raise
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        raise _error_line(
            f"internal error (a bug in gpnlab, not in your input): {type(exc).__name__}: "
            f"{first}; rerun with GPNLAB_DEBUG=1 for the traceback and report it",
            1,
        ) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if limit_before is None:
            os.environ.pop("GPNLAB_MAX_MEMORY", None)
        else:
            os.environ["GPNLAB_MAX_MEMORY"] = limit_before


@contextmanager
def table_warnings() -> Iterator[list[str]]:
    """Show the table quirks that were handled (warnings) as notes, once each; the yielded
    list receives them (for ``meta.json``)."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TableWarning)
        try:
            yield notes
        finally:
            for w in caught:
                msg = str(w.message)
                if issubclass(w.category, TableWarning) and msg not in notes:
                    notes.append(msg)
                    console.print(f"[yellow]note:[/] {msg}", highlight=False, soft_wrap=True)
            caught.clear()


def at_least(value: int | None, low: int, option: str, fix: str) -> None:
    """Refuse ``--option value`` below ``low`` in one line."""
    if value is not None and value < low:
        raise InputError(
            f"{option} {value} is below {low}", where=option, field=option[2:], fix=fix
        )


def parse_periods(text: str | None, last: int, option: str) -> list[int] | None:
    """``"20,60,100"`` -> ``[20, 60, 100]``, each a quarter in 1..``last``."""
    if text is None:
        return None
    try:
        periods = sorted({int(p) for p in text.split(",") if p.strip()})
    except ValueError:
        periods = []
    if not periods or periods[0] < 1 or periods[-1] > last:
        raise InputError(
            f"{option} {text!r} is not a list of quarters between 1 and {last}",
            where=option,
            field=option[2:],
            fix=f"give quarters such as 20,60,{last}",
        )
    return periods


def memory_option(max_memory: str | None) -> None:
    from gpnlab.resources import set_memory_limit

    set_memory_limit(max_memory)


MaxMemory = Annotated[
    str | None,
    typer.Option(
        "--max-memory", help="refuse work estimated above this memory, e.g. 8G [available]"
    ),
]
Workers = Annotated[int | None, typer.Option(help="start a Dask LocalCluster of N workers")]
Scheduler = Annotated[
    str | None, typer.Option(help="use an existing Dask scheduler, tcp://host:port")
]
Processes = Annotated[
    int | None, typer.Option(help="local pool size [all cores]; 1 runs in this process")
]
Yes = Annotated[
    bool, typer.Option("--yes", help="start even if the runs would take more than a day")
]
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="write into a folder gpnlab did not create (its files are never deleted)",
    ),
]


def progress_bar(unit: str = "") -> Progress:
    """Progress on stderr: done/total, elapsed time and an estimate of the time left."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def version_callback(value: bool) -> None:
    if value:
        out_console.print(f"gpnlab {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """gpnlab command line."""


@app.command()
def measure(
    path: Annotated[Path, typer.Argument(help="table folder (own/WIOD layout) or ICIO CSV file")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="own | oecd-icio | wiod2016 | figaro | adb | pymrio"),
    ] = "own",
    year: Annotated[int | None, typer.Option(help="pick PATH/YEAR")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder [out/measure-NAME]")] = None,
    output: Annotated[
        str, typer.Option(help="gross output: rowsums (recompute) | given (as published)")
    ] = "rowsums",
    merge_split: Annotated[
        bool, typer.Option(help="ICIO: merge CN1/CN2 into CHN and MX1/MX2 into MEX")
    ] = True,
    va: Annotated[
        str,
        typer.Option(
            "--va",
            help="value added: residual (x - 1'Z, taxes included) | given (the published row)",
        ),
    ] = "residual",
    wwz: Annotated[bool, typer.Option(help="also write the 16 WWZ terms (wwz.parquet)")] = False,
    sink: Annotated[
        bool, typer.Option(help="also write sink-based Borin-Mancini terms (bilateral_sink)")
    ] = False,
    figures: Annotated[bool, typer.Option(help="write PNG figures")] = True,
    group: Annotated[
        list[str] | None,
        typer.Option(help="country group NAME=CODE,CODE,... (repeatable): one exporter"),
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(help="predefined country groups, e.g. eu27,usmca,asean (docs/measurement.md)"),
    ] = None,
    sector_groups: Annotated[
        str | None,
        typer.Option(help="sector groups: primary,manufacturing,utilities_construction,services"),
    ] = None,
    years: Annotated[
        str | None, typer.Option(help="panel: the years to measure, e.g. 1995-2011 or 2000,2005")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="panel: worker threads \\[one per core]")
    ] = None,
    perspective: Annotated[
        str,
        typer.Option(
            help="Borin-Mancini variant of bilateral.parquet and the upper-case country.csv "
            "terms: exporter | world | bilateral | sector | self"
        ),
    ] = "exporter",
    approach: Annotated[str, typer.Option(help="Borin-Mancini: source | sink")] = "source",
    imports: Annotated[
        bool, typer.Option("--imports", help="also write imports.csv (importer perspective)")
    ] = False,
    extras: Annotated[
        bool,
        typer.Option(help="write the extra tables (production_participation, tiva, ...)"),
    ] = True,
    threads: Annotated[
        int | None, typer.Option(help="BLAS threads \\[by table size: docs/production_gvc.md]")
    ] = None,
    report: Annotated[
        bool, typer.Option("--report", help="write report.html: a GVC profile per country")
    ] = False,
    countries: Annotated[
        str | None, typer.Option(help="report: the countries to profile, CODE,CODE \\[all]")
    ] = None,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
) -> None:
    """Measure GVC position and participation from an inter-country IO table, or from a folder
    of yearly tables (a panel: every output with a year column)."""
    from gpnlab.io.formats import FORMATS, read_table
    from gpnlab.measure.indicators import check_variant, measure_with_groups
    from gpnlab.measure.outputs import table_profile, write_indicators
    from gpnlab.measure.panel import is_panel_folder
    from gpnlab.outdir import check_output

    with user_errors():
        memory_option(max_memory)
        if fmt not in FORMATS:
            raise InputError(
                f"unknown format {fmt!r}",
                where=str(path),
                field="--format",
                fix=f"use one of {', '.join(FORMATS)}",
            )
        if output not in ("rowsums", "given"):
            raise InputError(
                f"unknown output rule {output!r}",
                where=str(path),
                field="--output",
                fix="use rowsums or given",
            )
        at_least(threads, 1, "--threads", "give --threads 1 or more")
        measure_options = {
            "perspective": perspective,
            "approach": approach,
            "with_imports": imports,
            "with_extras": extras,
        }
        check_variant(perspective, approach, where=str(path))
        group_map, strict = _group_options(group, groups)
        sector_list = [g for g in (sector_groups or "").split(",") if g.strip()]
        if va not in ("residual", "given"):
            raise InputError(
                f"unknown value-added rule {va!r}",
                where=str(path),
                field="--va",
                fix="use residual or given",
            )
        target = out or Path("out") / f"measure-{_stem(path, year)}"
        if year is None and is_panel_folder(path, fmt):
            at_least(workers, 1, "--workers", "give --workers 1 or more")
            check_output(target, command="measure", overwrite=overwrite)
            _measure_panel(
                path,
                fmt,
                target,
                years=_parse_years(years),
                output=output,
                merge_split=merge_split,
                wwz=wwz,
                sink=sink,
                figures=figures,
                overwrite=overwrite,
                groups=group_map,
                strict=strict,
                sector_groups=sector_list,
                workers=workers,
                report=report,
                countries=_codes(countries),
                options=measure_options,
                value_added=va,
            )
            return
        if years is not None or workers is not None:
            raise InputError(
                "--years and --workers are for a folder of yearly tables",
                where=str(path),
                field="--years" if years is not None else "--workers",
                fix="give the folder that holds one table per year, or drop the option",
            )
        check_output(target, command="measure", overwrite=overwrite)  # refuse before the work
        steps = [
            "read",
            "Leontief inverse",
            "Borin-Mancini",
            "TiVA and vertical specialisation",
            "position and linkages",
            "bilateral terms",
            "KWW",
        ] + (["WWZ"] if wwz else [])
        steps.append("write")
        t0 = time.perf_counter()
        with progress_bar() as bar:
            task = bar.add_task("reading table", total=len(steps))

            def step(name: str) -> None:
                bar.update(task, advance=1, description=name)

            with table_warnings() as notes:
                table = read_table(
                    path,
                    fmt,
                    output=output,  # type: ignore[arg-type]
                    merge_split=merge_split,
                    year=year,
                    value_added=va,  # type: ignore[arg-type]
                )
                ind, group_notes = measure_with_groups(
                    table,
                    with_wwz=wwz,
                    with_sink=sink,
                    groups=group_map,
                    strict_groups=strict,
                    sector_groups=sector_list,
                    progress=step,
                    threads=threads,
                    **measure_options,
                )
            notes.extend(group_notes)
            step("writing")
            chosen = _codes(countries)
            _check_countries(chosen, list(table.countries), table.source)
            options = {
                "format": fmt,
                "output": output,
                "merge_split": merge_split,
                "year": year,
                "groups": group_map,
                "sector_groups": sector_list,
                **measure_options,
                "va": va,
            }
            write_indicators(
                ind,
                table,
                target,
                figures=figures,
                overwrite=overwrite,
                notes=notes,
                options=options,
                profile=table_profile(ind, table, notes) if report else None,
                profile_countries=chosen,
            )
            bar.update(task, completed=len(steps), description="done")
        elapsed = time.perf_counter() - t0
    _print_country_summary(ind.country, table.unit)
    out_console.print(
        f"{table.G} countries x {table.N} sectors ({table.n} rows) measured in {elapsed:.2f} s; "
        f"results in [bold]{target}[/]"
    )


def _group_options(
    group: list[str] | None, groups: str | None
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """``--group NAME=CODES`` (strict: every member must be in the table) and ``--groups``."""
    from gpnlab.measure.groups import parse_group_option, predefined_groups

    mapping = predefined_groups(groups) if groups else {}
    strict = []
    for text in group or []:
        name, members = parse_group_option(text)
        if name in mapping:
            raise InputError(
                f"group {name} is given twice",
                where="command line",
                field="--group",
                fix="give each group one name",
            )
        mapping[name] = members
        strict.append(name)
    return mapping, strict


def _parse_years(text: str | None) -> list[tuple[int, int]] | None:
    """``1995-2011`` or ``2000,2005,2010`` -> spans ``[(lo, hi), ...]``; one line if malformed."""
    if text is None:
        return None
    spans: list[tuple[int, int]] = []
    try:
        for part in text.split(","):
            lo, sep, hi = part.strip().partition("-")
            spans.append((int(lo), int(hi) if sep else int(lo)))
    except ValueError:
        spans = []
    if not spans or any(lo > hi for lo, hi in spans):
        raise InputError(
            f"not a list of years: {text!r}",
            where="command line",
            field="--years",
            fix="write e.g. --years 1995-2011 or --years 2000,2005,2010",
        )
    return spans


def _pick_years(spans: list[tuple[int, int]] | None, have: list[int], where: Path) -> list[int]:
    """The folder's years in the spans; a single year asked for must be there."""
    if spans is None:
        return have
    missing = [lo for lo, hi in spans if lo == hi and lo not in have]
    picked = sorted({y for y in have for lo, hi in spans if lo <= y <= hi})
    if missing or not picked:
        raise InputError(
            f"no table for year {', '.join(map(str, missing or [spans[0][0]]))}"
            if missing
            else "no table in the years asked for",
            where=str(where),
            field="--years",
            fix=f"the folder has {', '.join(map(str, have[:6]))}{' ...' if len(have) > 6 else ''}",
        )
    return picked


def _measure_panel(
    path: Path,
    fmt: str,
    target: Path,
    *,
    years: list[tuple[int, int]] | None,
    output: str,
    merge_split: bool,
    wwz: bool,
    sink: bool,
    figures: bool,
    overwrite: bool,
    groups: dict[str, tuple[str, ...]],
    strict: list[str],
    sector_groups: list[str],
    workers: int | None,
    report: bool,
    countries: list[str] | None,
    options: dict[str, object],
    value_added: str,
) -> None:
    """``gpnlab measure FOLDER``: every year, a progress bar per year, one output folder."""
    from gpnlab.measure.outputs import write_panel
    from gpnlab.measure.panel import panel, year_entries

    picked = _pick_years(years, [y for y, _p in year_entries(path, fmt)], path)
    n = len(picked)
    t0 = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(f"measuring {n} years", total=n)

        def done(year: int) -> None:
            bar.update(task, advance=1, description=f"measured {year}")

        result = panel(
            path,
            fmt,
            years=picked,
            output=output,  # type: ignore[arg-type]
            merge_split=merge_split,
            with_wwz=wwz,
            with_sink=sink,
            groups=dict(groups),
            strict_groups=strict,
            sector_groups=sector_groups,
            workers=workers,
            with_flows=report,
            progress=done,
            value_added=value_added,  # type: ignore[arg-type]
            **options,
        )
        _check_countries(countries, list(result.country.country.astype(str)), str(path))
        bar.update(task, description="writing")
        options = {
            "format": fmt,
            "output": output,
            "merge_split": merge_split,
            "groups": groups,
            "sector_groups": sector_groups,
            "va": value_added,
            **options,
        }
        notes = sorted({n for ns in result.notes.values() for n in ns if n.startswith("group ")})
        write_panel(
            result,
            target,
            figures=figures,
            overwrite=overwrite,
            notes=notes,
            options=options,
            report=report,
            profile_countries=countries,
        )
    elapsed = time.perf_counter() - t0
    for year in result.years:
        for note in result.notes[year]:
            if not note.startswith("group "):
                console.print(f"[yellow]note {year}:[/] {note}", highlight=False, soft_wrap=True)
    last = result.country[result.country.year == result.years[-1]].set_index("country")
    _print_country_summary(last, str(result.tables[result.years[-1]]["unit"]))
    out_console.print(
        f"{len(result.years)} years ({result.years[0]}-{result.years[-1]}) measured in "
        f"{elapsed:.2f} s; results in [bold]{target}[/]"
    )


def _codes(text: str | None) -> list[str] | None:
    """``CODE,CODE`` -> codes; None for no option (or only commas)."""
    codes = [c.strip() for c in (text or "").split(",") if c.strip()]
    return codes or None


def _check_countries(chosen: list[str] | None, known: list[str], where: str) -> None:
    """``--countries`` must name countries (or groups) of the table."""
    unknown = [c for c in chosen or [] if c not in known]
    if unknown:
        raise InputError(
            f"{', '.join(unknown)} not in the table",
            where=where,
            field="--countries",
            fix=f"use codes of the table, e.g. {', '.join(known[:6])}",
        )


def _stem(path: Path, year: int | None) -> str:
    """Default output name: the table's file or folder name (and the year), never empty."""
    name = Path(os.path.abspath(path)).name.removesuffix(".gz").removesuffix(".csv")
    return "-".join(p for p in (name or "table", str(year) if year is not None else "") if p)


def _print_country_summary(country: object, unit: str, top: int = 12) -> None:
    import pandas as pd

    assert isinstance(country, pd.DataFrame)
    df = country.sort_values("gross_exports", ascending=False).head(top)
    t = Table(title=f"Largest exporters (money in {unit}; shares of gross exports)")
    for col in ("country", "gross exports", "DVA share", "VAX ratio", "GVC back.", "GVC fwd."):
        t.add_column(col, justify="right" if col != "country" else "left")
    for name, r in df.iterrows():
        t.add_row(
            str(name),
            f"{r.gross_exports:,.0f}",
            f"{r.dva / r.gross_exports:.3f}" if r.gross_exports else "n/a",
            f"{r.vax_ratio:.3f}",
            f"{r.gvc_backward_share:.3f}",
            f"{r.gvc_forward_share:.3f}",
        )
    out_console.print(t)


@app.command()
def simulate(
    config: Annotated[Path | None, typer.Argument(help="world TOML (default: --preset)")] = None,
    preset: Annotated[str, typer.Option(help="shipped world")] = "default",
    regime: Annotated[
        str, typer.Option(help="policy regime for the focal countries")
    ] = "laissez_faire",
    focal: Annotated[
        str | None,
        typer.Option(
            help="focal countries of the regime, CODE[,CODE] [every country that is not a "
            "flagship home economy]"
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="random seed [world's seed]")] = None,
    periods: Annotated[int | None, typer.Option(help="quarters to simulate")] = None,
    firms: Annotated[int | None, typer.Option(help="scale populations to about N firms")] = None,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/simulate"),
    mrio_every: Annotated[
        int | None,
        typer.Option(
            help="write the IO table every K quarters and at the last (0: never) [the last "
            "quarter only]"
        ),
    ] = None,
    snapshots: Annotated[
        str | None,
        typer.Option(help="firm table at these quarters, T1,T2,... (firms.parquet) [the last]"),
    ] = None,
    list_presets: Annotated[
        bool, typer.Option("--list-presets", help="list worlds and regimes")
    ] = False,
    write_preset: Annotated[
        Path | None,
        typer.Option(
            "--write-preset",
            metavar="FILE",
            help="write the --preset world to FILE (TOML, with its comments) to edit, then stop",
        ),
    ] = None,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
) -> None:
    """Simulate the global production network firm by firm under a policy regime."""
    from gpnlab.outdir import check_output
    from gpnlab.simulate.config import load_world, scale_firms
    from gpnlab.simulate.policy import REGIMES, apply_regime, check_focal
    from gpnlab.simulate.presets import load_preset, preset_names
    from gpnlab.simulate.run import simulate as run_simulation
    from gpnlab.simulate.run import write_results

    if list_presets:
        t = Table(title="Shipped worlds and regimes")
        t.add_column("kind")
        t.add_column("name")
        t.add_column("what")
        for name in preset_names():
            w = load_preset(name)
            t.add_row(
                "world",
                name,
                f"{len(w.countries)} countries, {len(w.stages)} stages, "
                f"{sum(p.count for p in w.populations):,} firms, {w.periods} quarters",
            )
        for name, settings in REGIMES.items():
            t.add_row(
                "regime", name, ", ".join(f"{k}={v}" for k, v in settings.items()) or "baseline"
            )
        out_console.print(t)
        return
    if write_preset is not None:
        from gpnlab.simulate.presets import write_preset_file

        with user_errors():
            path = write_preset_file(preset, write_preset, overwrite=overwrite)
        out_console.print(
            f"world {preset!r} written to {path}; edit it, then: gpnlab simulate {path}",
            soft_wrap=True,
            highlight=False,
        )
        return
    with user_errors():
        memory_option(max_memory)
        at_least(seed, 0, "--seed", "give a seed >= 0")
        at_least(periods, 1, "--periods", "give T >= 1")
        at_least(firms, 10, "--firms", "give N >= 10")
        at_least(mrio_every, 0, "--mrio-every", "give K >= 1, or 0 for no tables")
        check_output(out, command="simulate", overwrite=overwrite)  # refuse before the work
        world = load_world(config) if config is not None else load_preset(preset)
        if regime not in REGIMES:
            raise InputError(
                f"unknown regime {regime!r}",
                where="--regime",
                field="regime",
                fix=f"use one of {', '.join(REGIMES)}",
            )
        focal_codes = focal.split(",") if focal else None
        check_focal(world, focal_codes or [], where="--focal")
        applied_to = focal_codes or [c.code for c in world.countries if not c.flagship_home]
        if focal_codes is None and REGIMES[regime]:
            console.print(
                f"[yellow]note:[/] regime {regime} applies to every country that is not a "
                f"flagship home economy ({', '.join(applied_to)}); --focal CODE[,CODE] picks "
                "some",
                highlight=False,
                soft_wrap=True,
            )
        world = apply_regime(world, regime, focal_codes)
        T = periods or world.periods
        if mrio_every is None:
            mrio_every = T  # the last quarter's table (T % T == 0)
        if firms is not None:
            world = scale_firms(world, firms)
        run_seed = world.seed if seed is None else seed
        snaps = parse_periods(snapshots, T, "--snapshots")
        with progress_bar() as bar:
            task = bar.add_task(f"simulating {world.name} / {regime}", total=T)
            res = run_simulation(
                world,
                seed=run_seed,
                periods=T,
                mrio_every=mrio_every,
                keep_model=True,
                progress=lambda _p: bar.advance(task),
                links=True,
                snapshots=snaps,
            )
        assert res.model is not None
        write_results(
            res,
            world,
            out,
            seed=run_seed,
            timers=res.model.timers,
            overwrite=overwrite,
            run_info={"regime": regime, "focal": applied_to, "focal_given": focal_codes},
        )
    last = res.panel[res.panel.period == res.panel.period.max()]
    t = Table(title=f"Period {int(last.period.iloc[0])}: {world.name}, regime {regime}")
    for col in (
        "country",
        "gross exp.",
        "DVA share",
        "cap. HT",
        "cap. LT",
        "position",
        "informal",
        "ODM",
        "OBM",
    ):
        t.add_column(col, justify="left" if col == "country" else "right")
    for _, r in last.iterrows():
        t.add_row(
            str(r.country),
            f"{r.gross_exports:,.0f}",
            f"{r.dva_share:.3f}",
            f"{r.capability_ht:.3f}",
            f"{r.capability_lt:.3f}",
            f"{r.functional_position:.3f}",
            f"{r.informal_share:.3f}",
            str(int(r.odm_firms)),
            str(int(r.obm_firms)),
        )
    out_console.print(t)
    out_console.print(
        f"{int((res.firms.period == T).sum())} firms x {T} quarters in {res.wall_time:.1f} s; "
        f"results in [bold]{out}[/]"
    )


@app.command()
def experiment(
    spec_file: Annotated[Path, typer.Argument(metavar="SPEC", help="experiment spec (TOML)")],
    out: Annotated[Path | None, typer.Option(help="output folder [out/experiments/<name>]")] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    processes: Processes = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--fresh", help="skip finished runs (default) or discard stored ones"
        ),
    ] = True,
    report: Annotated[bool, typer.Option("--report/--no-report", help="write report.html")] = True,
    overwrite: Overwrite = False,
    yes: Yes = False,
    max_memory: MaxMemory = None,
) -> None:
    """Run an experiment (regimes x focal countries x design x seeds) into DuckDB, then report."""
    from gpnlab.experiments.execute import resolve_base, run_experiment
    from gpnlab.experiments.spec import load_spec

    with user_errors(stored_safe=True):
        memory_option(max_memory)
        spec, root = load_spec(spec_file)
        base = resolve_base(spec, root, where=str(spec_file))
        target = out or Path("out/experiments") / spec.name
        with progress_bar(unit="runs") as bar:
            task = bar.add_task(f"experiment {spec.name}", total=None)

            def start(total: int, done: int) -> None:
                bar.update(task, total=total, completed=done)

            outcome = run_experiment(
                spec,
                base,
                target,
                processes=processes,
                workers=workers,
                scheduler=scheduler,
                fresh=not resume,
                overwrite=overwrite,
                yes=yes,
                where=str(spec_file),
                on_start=start,
                on_batch=lambda n: bar.advance(task, n),
            )
    console.print(
        f"{outcome.ran} run(s) ({outcome.simulated} distinct simulations) in "
        f"{outcome.wall_s:.1f} s on {outcome.backend}"
        + (f", {outcome.skipped} already done" if outcome.skipped else "")
        + (f", [red]{outcome.failed} failed[/] (see experiment.log)" if outcome.failed else ""),
        soft_wrap=True,
    )
    if report:
        _report(target)
    else:
        out_console.print(f"results: {target / 'results.duckdb'}", soft_wrap=True, highlight=False)


@app.command()
def calibrate(
    spec_file: Annotated[Path, typer.Argument(metavar="SPEC", help="calibration spec (TOML)")],
    out: Annotated[
        Path | None, typer.Option(help="output folder [out/calibrations/<name>]")
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    processes: Processes = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume/--fresh", help="keep finished trials (default) or discard stored ones"
        ),
    ] = True,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="write calibration.html")
    ] = True,
    trials: Annotated[
        int | None, typer.Option(min=1, help="search trials [the spec's search.trials]")
    ] = None,
    seeds: Annotated[
        int | None, typer.Option(min=1, help="seeds per trial [the spec's seeds]")
    ] = None,
    firms: Annotated[
        int | None, typer.Option(min=10, help="firms in the world [the spec's firms]")
    ] = None,
    overwrite: Overwrite = False,
    max_memory: MaxMemory = None,
    yes: Yes = False,
) -> None:
    """Fit world parameters to moments of real tables (simulated method of moments, optuna),
    then test the fit on the held-out years (docs/estimation.md)."""
    from gpnlab.calibrate.run import (
        check_calibration_resources,
        check_parameters,
        resolve_base,
        run_calibration,
    )
    from gpnlab.calibrate.spec import load_calibration

    with user_errors(stored_safe=True):
        memory_option(max_memory)
        spec, root = load_calibration(spec_file)
        spec = spec.with_overrides(trials=trials, seeds=seeds, firms=firms, where=str(spec_file))
        base = resolve_base(spec, root, where=str(spec_file))
        check_parameters(spec, base, where=str(spec_file))  # before the progress bar
        check_calibration_resources(
            spec, base, processes, workers, scheduler, None, yes=yes, where=str(spec_file)
        )
        target = out or Path("out/calibrations") / spec.name
        with progress_bar(unit="points") as bar:
            task = bar.add_task(f"calibrate {spec.name}", total=None)
            result = run_calibration(
                spec,
                target,
                root=root,
                base=base,
                processes=processes,
                workers=workers,
                scheduler=scheduler,
                fresh=not resume,
                overwrite=overwrite,
                report=report,
                where=str(spec_file),
                on_start=lambda total: bar.update(task, total=total),
                on_point=lambda n: bar.advance(task, n),
                yes=yes,
            )
    t = Table(title=f"Estimates (search trial {result.best_number}, J = {result.best_J:.4g})")
    for col in ("parameter", "estimate", "s.e."):
        t.add_column(col, justify="left" if col == "parameter" else "right")
    se = result.extra.get("se", {})
    for name, value in result.best.items():
        s = se.get(name, float("nan"))
        t.add_row(name, f"{value:.4g}", "n/a" if s != s else f"{s:.3g}")
    out_console.print(t)
    oos = result.extra.get("oos_summary", "")
    if oos:
        out_console.print(oos, soft_wrap=True, highlight=False)
    console.print(
        f"{result.ran} point(s) simulated ({result.reused} already stored) in "
        f"{result.wall_s:.1f} s on {result.backend}; results in {target}",
        soft_wrap=True,
        highlight=False,
    )


@app.command()
def validate(
    config: Annotated[Path | None, typer.Argument(help="world TOML (default: --preset)")] = None,
    preset: Annotated[str, typer.Option(help="shipped world")] = "default",
    seeds: Annotated[int, typer.Option(help="independent seeds (replicates)")] = 20,
    periods: Annotated[int, typer.Option(help="quarters per run")] = 100,
    firms: Annotated[int | None, typer.Option(help="scale populations to about N firms")] = None,
    focal: Annotated[
        str | None, typer.Option(help="focal countries of the regime facts, CODE[,CODE]")
    ] = None,
    horizons: Annotated[
        str, typer.Option(help="quarters at which facts are judged (and the last one)")
    ] = "20,60,100",
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/validate"),
    workers: Workers = None,
    scheduler: Scheduler = None,
    processes: Processes = None,
    strict: Annotated[bool, typer.Option(help="exit 1 if any fact fails")] = False,
    overwrite: Overwrite = False,
    yes: Yes = False,
    max_memory: MaxMemory = None,
) -> None:
    """Judge the stylised facts of the field on the simulated world, across seeds."""
    from gpnlab.simulate.config import load_world
    from gpnlab.simulate.presets import load_preset
    from gpnlab.validate.battery import run_battery
    from gpnlab.validate.facts import default_focal
    from gpnlab.validate.report import write_outputs

    with user_errors(stored_safe=True):
        memory_option(max_memory)
        at_least(seeds, 2, "--seeds", "give --seeds 10 or more")
        at_least(periods, 1, "--periods", "give T >= 1")
        at_least(firms, 10, "--firms", "give N >= 10")
        world = load_world(config) if config is not None else load_preset(preset)
        # horizons past the run are dropped (the last quarter is always one)
        hs = [h for h in parse_periods(horizons, 10_000, "--horizons") or [] if h <= periods]
        focal_codes = focal.split(",") if focal else default_focal(world)
        with progress_bar(unit="runs") as bar:
            task = bar.add_task("validation", total=None)

            def start(name: str, total: int, done: int) -> None:
                bar.update(task, description=f"validation: {name}", total=total, completed=done)

            battery = run_battery(
                world,
                out,
                seeds=seeds,
                periods=periods,
                firms=firms,
                focal=focal_codes,
                horizons=hs,
                processes=processes,
                workers=workers,
                scheduler=scheduler,
                overwrite=overwrite,
                yes=yes,
                on_start=start,
                on_batch=lambda n: bar.advance(task, n),
            )
        path = write_outputs(battery, world_name=world.name)
    _print_facts(battery.facts)
    out_console.print(f"validation: {path}", soft_wrap=True, highlight=False)
    if strict and (battery.facts["verdict"] == "fails").any():
        raise typer.Exit(code=1)


def _print_facts(facts: object) -> None:
    import pandas as pd

    assert isinstance(facts, pd.DataFrame)
    last = facts[facts["horizon"] == facts["horizon"].max()]
    t = Table(title="Stylised facts at the last quarter (all horizons: facts.csv)")
    for col in ("fact", "focal", "mean [95% CI]", "target", "verdict"):
        t.add_column(col)
    style = {"holds": "green", "fails": "red", "inconclusive": "yellow"}
    for _, r in last.iterrows():
        t.add_row(
            str(r["id"]),
            str(r["focal"] or "-"),
            f"{r['mean']:.3g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]",
            str(r["target"]),
            f"[{style.get(str(r['verdict']), 'white')}]{r['verdict']}[/]",
        )
    out_console.print(t)


@app.command("report")
def report_cmd(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="experiment folder")],
) -> None:
    """Write DIR/report.html (self-contained) and DIR/tables/*.csv from an experiment."""
    _report(folder)


def _report(folder: Path) -> None:
    """Write the report, show its notes and the ranking, end with the report's path."""
    from gpnlab.report.experiment_report import write_report

    with user_errors(stored_safe=True):
        path, notes = write_report(folder)
        for note in notes:
            console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
        _print_ranking(folder)
    out_console.print(f"report: {path}", soft_wrap=True, highlight=False)


def _print_ranking(folder: Path) -> None:
    """Terminal table: regimes ranked per focal country (from tables/ranking.csv)."""
    import pandas as pd

    path = folder / "tables" / "ranking.csv"
    rank = pd.read_csv(path)
    if rank.empty:
        return
    short = {
        "dva_share": "Δ DVA sh.",
        "capability_ht": "Δ cap. HT",
        "capability_lt": "Δ cap. LT",
        "functional_position": "Δ position",
        "value_captured": "Δ value capt.",
        "policy_cost": "Δ cost",
    }
    cols = [c for c in short if {f"{c}_diff", f"{c}_ci_low", f"{c}_ci_high"} <= set(rank.columns)]
    if not cols or rank["regime"].nunique() < 2:
        console.print(
            "[yellow]note:[/] one regime only: nothing to rank (differences need two regimes)",
            highlight=False,
        )
        return
    t = Table(
        title="Regimes ranked: difference from the baseline at the last quarter",
        caption="* the interval excludes 0 (intervals: tables/ranking.csv, report.html)",
    )
    for col in ("focal", "rank", "regime", *cols):
        t.add_column(short.get(col, col), justify="left" if col in ("focal", "regime") else "right")
    for _, r in rank.loc[rank["point"] == rank["point"].min()].iterrows():
        cells = []
        for c in cols:
            lo, hi = r[c + "_ci_low"], r[c + "_ci_high"]
            star = "*" if (lo > 0 or hi < 0) else ""
            cells.append(f"{r[c + '_diff']:+.2g}{star}")
        t.add_row(str(r["focal"]), str(int(r["rank"])), str(r["regime"]), *cells)
    out_console.print(t)


@app.command("app")
def app_cmd(
    host: Annotated[
        str, typer.Option(help="address to bind; 0.0.0.0 exposes the app to your network")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8765,
    root: Annotated[
        Path, typer.Option(help="the only folder the app reads worlds, tables, experiments from")
    ] = Path("."),
) -> None:
    """Open the interactive app (Solara): Explore, Compare regimes, Experiments, Measure."""
    from gpnlab.app.server import configure, serve

    with user_errors():
        at_least(port, 1, "--port", "give a port between 1 and 65535")
        if port > 65535:
            raise InputError(
                f"--port {port} is above 65535",
                where="--port",
                field="port",
                fix="give a port between 1 and 65535",
            )
        resolved = configure(root, host, port)
    console.print(
        f"gpnlab app on http://{host}:{port} (files under {resolved}); Ctrl-C stops it",
        highlight=False,
        soft_wrap=True,
    )
    serve(resolved, host, port)


if __name__ == "__main__":  # pragma: no cover
    app()
