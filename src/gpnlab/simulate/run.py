"""Run a world for T periods and collect its outputs; write them atomically.

A run is a pure function of (config, seed, version): every random draw comes from a stream
derived from the seed (:meth:`Model.rng`) and outputs are written with fixed column order and
no timestamps, so the same command gives byte-identical Parquet files.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from gpnlab import __version__
from gpnlab.io.own import write_own
from gpnlab.outdir import atomic_dir
from gpnlab.simulate.budget import check_simulation
from gpnlab.simulate.config import World
from gpnlab.simulate.init import build_model
from gpnlab.simulate.links import LinkTracker
from gpnlab.simulate.model import Model
from gpnlab.simulate.record import Rows, emit_table, firm_table, frame, panel_rows, stage_rows
from gpnlab.simulate.step import step, warm_up
from gpnlab.table import IOTable


@dataclass
class Results:
    panel: pd.DataFrame
    stages: pd.DataFrame
    firms: pd.DataFrame
    tables: dict[int, IOTable] = field(default_factory=dict)
    links: pd.DataFrame | None = None
    model: Model | None = None
    wall_time: float = 0.0


def simulate(
    world: World,
    *,
    seed: int | None = None,
    periods: int | None = None,
    mrio_every: int = 0,
    keep_model: bool = False,
    progress: Callable[[int], None] | None = None,
    record: Collection[int] | None = None,
    links: bool = False,
    snapshots: Collection[int] | None = None,
    on_period: Callable[[Model], None] | None = None,
) -> Results:
    """Simulate ``world``; returns the panel, stage table, firm table and IO tables.

    ``record`` limits the panel and stage rows to those periods (default: every period).
    Recording only reads the state, so the rows kept are the same bits either way; skipping
    the IO table and its indicators in other periods saves about 40% of a small world's time.
    ``links`` also returns every contract spell (:mod:`gpnlab.simulate.links`);
    ``snapshots`` returns the firm table at those periods (default: the last), with a
    ``period`` column. With either, ``firm`` is a stable firm id; else it is the firm's slot.
    ``on_period(model)`` is called after the warm-up (period 0) and after every quarter; it
    must only read the model (e.g. :mod:`gpnlab.validate.collect`). A run whose memory
    estimate exceeds the machine is refused before anything is built
    (:func:`gpnlab.simulate.budget.check_simulation`).
    """
    t0 = time.perf_counter()
    T = world.periods if periods is None else periods
    check_simulation(world, T, mrio_every=mrio_every, where=f"simulate ({world.name})")
    m = build_model(world, seed)
    warm_up(m)
    panels: list[Rows] = []
    stages: list[Rows] = []
    tables: dict[int, IOTable] = {}
    tracker = LinkTracker(m) if links or snapshots is not None else None
    wanted = set(snapshots) if snapshots is not None else {T}
    snaps: list[pd.DataFrame] = []
    if on_period is not None:
        on_period(m)
    for _ in range(T):
        step(m)
        if tracker is not None:
            tracker.observe(m)
        if on_period is not None:
            on_period(m)
        if m.period in wanted:
            snaps.append(firm_table(m, None if tracker is None else tracker.firm_id))
        rows = record is None or m.period in record
        keep_table = bool(mrio_every) and (m.period % mrio_every == 0 or m.period == T)
        if rows or keep_table:
            table = emit_table(m)
            if rows:
                panels.append(panel_rows(m, table))
                stages.append(stage_rows(m, table))
            if keep_table:
                tables[m.period] = table
        if progress is not None:
            progress(m.period)
    empty = not panels
    if empty:  # no period recorded: empty tables with the columns of a recorded one
        table = emit_table(m)
        panels.append(panel_rows(m, table))
        stages.append(stage_rows(m, table))
    return Results(
        panel=frame(panels).iloc[0:0] if empty else frame(panels),
        stages=frame(stages).iloc[0:0] if empty else frame(stages),
        firms=pd.concat(snaps, ignore_index=True) if snaps else firm_table(m).iloc[0:0],
        tables=tables,
        links=tracker.table(m) if tracker is not None and links else None,
        model=m if keep_model else None,
        wall_time=time.perf_counter() - t0,
    )


def write_results(
    res: Results,
    world: World,
    out: str | os.PathLike[str],
    *,
    seed: int,
    timers: dict[str, float],
    overwrite: bool = False,
    run_info: dict[str, object] | None = None,
) -> Path:
    """Write panel, stages, firms, mrio/period=T/ and manifest.json into ``out`` atomically.

    ``out`` must be new, empty or an earlier ``gpnlab simulate`` output; ``overwrite`` adds the
    files beside a user's without deleting any (:func:`gpnlab.outdir.atomic_dir`).
    ``run_info`` (e.g. the regime and the countries it was applied to) is recorded in the
    manifest beside the seed.
    """
    with atomic_dir(out, command="simulate", overwrite=overwrite) as tmp:
        res.panel.to_parquet(tmp / "panel.parquet", index=False)
        res.stages.to_parquet(tmp / "stages.parquet", index=False)
        res.firms.to_parquet(tmp / "firms.parquet", index=False)
        if res.links is not None:
            res.links.to_parquet(tmp / "links.parquet", index=False)
        for period, table in res.tables.items():
            write_own(table, tmp / "mrio" / f"period={period}", overwrite=True)
        manifest = {
            "gpnlab_version": __version__,
            "seed": seed,
            **(run_info or {}),
            "periods": int(res.panel["period"].max()) if len(res.panel) else 0,
            "config": world.model_dump(mode="json"),
            "wall_time_s": round(res.wall_time, 3),
            "mechanism_time_s": {k: round(v, 4) for k, v in timers.items()},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return Path(out)
