"""Memory and time of a simulation, estimated from the world *before* anything is allocated.

:func:`check_simulation` refuses (one line, :class:`~gpnlab.resources.ResourceError`, exit
code 2) a run whose estimated peak memory exceeds the machine (``--max-memory`` /
``GPNLAB_MAX_MEMORY``, else the memory available now). It reads only the world's counts, so
``--firms 1000000000`` or ``--periods 1000000`` is refused in microseconds, not after
gigabytes of firm arrays.

What a run holds at its peak (:func:`gpnlab.simulate.run.simulate`, then
:func:`~gpnlab.simulate.run.write_results`):

* **firm slots** -- the struct of arrays of :mod:`gpnlab.simulate.state` (the bytes per slot
  are read off :func:`~gpnlab.simulate.state.empty_firms`, 278 B today, plus the model's
  ``offered`` (F, D) and ``match_now`` arrays), the per-step temporaries of the mechanisms
  (98 B per slot measured with tracemalloc, more in numba's own allocations, which tracemalloc
  does not see), and at the end the firm table and its Parquet conversion (380 B per firm).
  Measured total: :data:`SLOT_BYTES`.
* **slots grow with entry** -- start-ups arrive at ``STARTUP_RATE * (0.5 + KB_c + SD_c)`` per
  supplier and quarter (:mod:`~gpnlab.simulate.mechanisms.entry`), so the population grows
  exponentially and without limit: the default world has 3.8x its firms after 400 quarters
  and 1,970x after 1,600 (measured). :func:`firms_after` uses the suppliers' mean start-up
  rate times :data:`NET_ENTRY_EARLY` / :data:`NET_ENTRY_LATE` (exits take back part of it;
  measured) and the arrays' growth step (a quarter, ``entry.place``).
* **recorded rows** -- every recorded quarter keeps its panel (countries x 27 columns) and
  stage rows (countries x stages x 6) until the run ends, then stacks them into DataFrames:
  :data:`ROW_VALUE_BYTES` per value and :data:`PERIOD_BYTES` per quarter.
* **the emitted IO table** -- each recorded quarter builds an n x n table (n = countries x
  stages) and its Borin-Mancini terms: about :data:`TABLE_TRANSIENT` n^2 doubles at once
  (measured 1.4 for the table and 5.6 for the indicators at n = 600 and 1800); with
  ``mrio_every = K`` every K-th table is kept (:data:`TABLE_KEPT` n^2 doubles each).
* a fixed :data:`FIXED_BYTES` for loading the compiled kernels and first-call caches.

Calibration (``python -m gpnlab.simulate.budget``: one subprocess per size, default world,
kernels cached, peak RSS (``ru_maxrss``) of the run and the firm table's Parquet conversion
above the same process after a 200-firm run; 2-core machine, numpy 2.4, Python 3.11; two
calibration passes agreed within 0.3 MiB; wall times on a machine shared with other jobs):

=======  =======  ====  =========  =========  =======  =======  ========
firms    periods  mrio  measured   estimate   est/mea  wall s   est. s
=======  =======  ====  =========  =========  =======  =======  ========
2,000    40       0     13.7 MiB   27.9 MiB   2.0      0.5      0.37
2,000    400      0     34.4 MiB   43.4 MiB   1.3      3.9      4.1
20,000   40       0     40.6 MiB   51.8 MiB   1.3      0.5      1.3
20,000   400      0     72.7 MiB   135.6 MiB  1.9      15.0     25.0
20,000   400      1     93.7 MiB   162.5 MiB  1.7      17.8     25.0
200,000  40       0     195.1 MiB  291.1 MiB  1.5      11.0     11.1
200,000  400      0     592.6 MiB  1.0 GiB    1.7      158-294  234.1
=======  =======  ====  =========  =========  =======  =======  ========

The estimate stays above the measured peak, within about 2x. Wall times depend on the load
(200k x 400 took 158 s and, with other jobs running, 294 s). On an idle machine the same
runs took 0.16 s (2k x 40), 1.4 s (2k x 400) and 0.44 s (20k x 40): about 2.5 million
firm-periods per second plus ~3 ms per recorded quarter; :func:`simulation_seconds` counts
0.8 million per second (:data:`FIRM_PERIODS_PER_SECOND`).
"""

from __future__ import annotations

import math
from dataclasses import fields

from gpnlab.resources import check_memory
from gpnlab.simulate.config import World, firm_slots

#: Bytes per firm slot at the peak, fitted to peak RSS: 0.74 KiB per slot at 200k firms x 400
#: quarters, 0.9 KiB at 200k x 40, 1.4 KiB at 20k x 40 (allocator slack weighs more in small
#: runs). The traced parts: state arrays 278 B (:func:`state_bytes_per_slot`), ``offered`` and
#: ``match_now`` 48 B, step temporaries 98 B (numba's own arrays are not traced), and at the
#: end the firm table with its Parquet conversion, 380 B per firm.
SLOT_BYTES = 960
#: Bytes per initial firm while :func:`~gpnlab.simulate.init.build_model` lays the world out (a
#: Python tuple per firm, then a (n, 7) float array, state included): 610-620 B measured with
#: tracemalloc at 20k and 200k firms -- below the slots' peak, so it never sets the estimate.
BUILD_BYTES = 640
#: Start-up rate per supplier and quarter (``entry.STARTUP_RATE``) and CM plants per quarter
#: (``entry.CM_RATE``); repeated here so that estimating does not import the mechanisms.
STARTUP_RATE = 0.006
CM_RATE = 0.5
#: Net growth of the population as a share of the suppliers' gross start-up rate (0.0057 per
#: quarter in the default world). Measured on the default world at 2,000 firms: e^(0.0034 t)
#: up to t = 400 (0.59 of the gross rate: exits are frequent early on), then 0.0053 per quarter
#: up to t = 1,600 (0.93; 1,970x the initial firms by then). Rounded up to 0.65 and 0.95.
NET_ENTRY_EARLY = 0.65
NET_ENTRY_LATE = 0.95
EARLY_PERIODS = 400
#: The arrays grow by a quarter when entrants fill them (``entry.place``).
GROW_STEP = 1.25
#: Bytes per recorded value (panel and stage rows, kept to the end, then stacked: 2 copies at
#: 8 B plus object overheads) and a fixed part per recorded quarter. Measured: 21.4 KB per
#: quarter of the default world (12 countries, 6 stages; 756 values) for rows + frames.
ROW_VALUE_BYTES = 24
PERIOD_BYTES = 4096
#: Panel columns (period, country and the outcomes) and stage-row columns.
PANEL_COLUMNS = 27
STAGE_COLUMNS = 6
#: Doubles per n^2 at once while a quarter's table and its indicators are computed (measured
#: 1.45 for ``emit_table``, 5.6 more for ``panel_rows``; n = 600, 1800), and per kept table.
TABLE_TRANSIENT = 8.0
TABLE_KEPT = 1.5
#: Loading the cached kernels, first-call caches, allocator arenas: a 2,000-firm run peaks
#: 13.7 MiB above the same process after a 200-firm run.
FIXED_BYTES = 24 * 2**20
#: Largest estimate reported (bytes): beyond this the number means only "far too much".
MAX_ESTIMATE = float(2**60)

#: Time: firm-periods per second of the full step with recording (measured 1.8-2.5 million on
#: 2 cores at 20k-200k firms on an idle machine, 0.8-1.1 million while other jobs shared the
#: machine; 0.8 million keeps the estimate above both), seconds per recorded
#: quarter (emitting and measuring the table, panel rows: ~3 ms at 12 countries x 6 stages),
#: and a fixed cost per run (building the model, the warm-up network formation).
FIRM_PERIODS_PER_SECOND = 0.8e6
SECONDS_PER_PERIOD = 0.004
SECONDS_PER_RUN = 0.1


def state_bytes_per_slot() -> int:
    """Bytes of one firm slot in the struct of arrays (every field of
    :class:`~gpnlab.simulate.state.Firms`, at its dtype)."""
    from gpnlab.simulate.state import empty_firms

    f = empty_firms(1)
    return sum(int(getattr(f, fld.name).nbytes) for fld in fields(f))


def _start_up_rate(world: World) -> float:
    """The suppliers' mean gross start-up rate per quarter (``entry.entry``:
    ``STARTUP_RATE * (0.5 + KB_c + SD_c)`` by location, SD through state capacity)."""
    by_code = {c.code: c for c in world.countries}
    total = weighted = 0.0
    for p in world.populations:
        c = by_code.get(p.location or p.country)
        if p.role not in ("HT", "LT") or c is None:
            continue
        sd = c.policy.supplier_development * c.state_capacity
        total += p.count
        weighted += p.count * (0.5 + c.knowledge_base + sd)
    if total == 0 or not world.mechanisms.entry:
        return 0.0
    return STARTUP_RATE * weighted / total


def _log_growth(world: World, periods: int) -> tuple[float, float, int]:
    """(early rate, late rate, early periods) of the population's log growth."""
    r = _start_up_rate(world)
    early = min(periods, EARLY_PERIODS)
    return math.log1p(NET_ENTRY_EARLY * r), math.log1p(NET_ENTRY_LATE * r), early


def firms_after(world: World, periods: int) -> float:
    """Estimated firms alive after ``periods`` quarters (entry makes the population grow
    exponentially, see :data:`NET_ENTRY_EARLY`); ``inf`` when that overflows."""
    a, b, early = _log_growth(world, periods)
    log_g = a * early + b * (periods - early)
    if log_g > 700:
        return math.inf
    cm = CM_RATE * periods if world.mechanisms.entry else 0.0
    return firm_slots(world) * math.exp(log_g) + cm


def _geometric(rate: float, periods: int) -> float:
    """sum over t = 1..T of e^(rate t)."""
    if periods <= 0:
        return 0.0
    if rate == 0:
        return float(periods)
    return math.exp(rate) * math.expm1(rate * periods) / math.expm1(rate)


def _firm_periods(world: World, periods: int) -> float:
    """Sum over quarters of the firms alive (the work of a run); ``inf`` on overflow."""
    a, b, early = _log_growth(world, periods)
    if a * early + b * (periods - early) > 700:
        return math.inf
    n0 = firm_slots(world)
    late = math.exp(a * early) * _geometric(b, periods - early)
    return n0 * (_geometric(a, early) + late) + CM_RATE * periods * (periods + 1) / 2


def simulation_bytes(world: World, periods: int, *, mrio_every: int = 0) -> int:
    """Estimated peak memory (bytes) of ``simulate(world, periods=periods,
    mrio_every=mrio_every)`` and writing its results; an upper-ish bound (see the module
    docstring for the parts and the measurements)."""
    n0 = firm_slots(world)
    G, S = len(world.countries), len(world.stages)
    n = G * S
    spare = int(n0 * 1.05) + 64  # init.build_model
    end = firms_after(world, periods)
    slots = max(float(spare), GROW_STEP * end)
    total = max(slots * SLOT_BYTES, n0 * BUILD_BYTES)
    values = PANEL_COLUMNS * G + STAGE_COLUMNS * G * S
    total += periods * (PERIOD_BYTES + ROW_VALUE_BYTES * values)
    total += TABLE_TRANSIENT * 8.0 * n * n
    if mrio_every > 0:
        kept = periods // mrio_every + 1
        total += kept * (TABLE_KEPT * 8.0 * n * n + 8.0 * n * (G + 2))
    total += FIXED_BYTES
    if not math.isfinite(total) or total > MAX_ESTIMATE:
        return int(MAX_ESTIMATE)
    return int(total)


def simulation_seconds(world: World, periods: int) -> float:
    """Estimated wall time (s) of one run of ``world`` for ``periods`` quarters, recording
    every quarter, on one core of the calibration machine: a fixed cost per run, a cost per
    recorded quarter and the firm-periods (growing with entry) at
    :data:`FIRM_PERIODS_PER_SECOND`. Conservative: measured runs take 0.3-0.8x of it."""
    fp = _firm_periods(world, periods)
    n = len(world.countries) * len(world.stages)
    per_period = SECONDS_PER_PERIOD * max(1.0, (n / 72) ** 2)  # the table work is O(n^2)+
    seconds = SECONDS_PER_RUN + periods * per_period + fp / FIRM_PERIODS_PER_SECOND
    return seconds if math.isfinite(seconds) else math.inf


def check_simulation(
    world: World, periods: int, *, mrio_every: int = 0, where: str, field: str = "--firms"
) -> None:
    """Refuse (:class:`~gpnlab.resources.ResourceError`, one line) a simulation whose estimated
    peak memory (:func:`simulation_bytes`) exceeds the memory limit. Reads only the world's
    counts: call it before :func:`~gpnlab.simulate.run.simulate` builds anything."""
    firms = firm_slots(world)
    estimate = simulation_bytes(world, periods, mrio_every=mrio_every)
    end = firms_after(world, periods)
    what = f"{firms:,} firms x {periods:,} quarters"
    if end > 2 * firms:
        grown = "more than 10^15" if end > 1e15 else f"about {end:,.0f}"
        what += f" (entry grows them to {grown})"
    if mrio_every > 0:
        what += f" with an IO table every {mrio_every} quarter(s)"
    check_memory(
        estimate,
        what=what,
        where=where,
        field=field,
        fix="give fewer --firms or --periods, or raise --max-memory on a larger machine",
    )


def _measure_one(firms: int, periods: int, mrio_every: int) -> dict[str, float]:
    """Peak RSS of one simulation in a fresh subprocess, above the same process after a
    200-firm warm-up run (kernels loaded)."""
    import json
    import subprocess
    import sys

    code = f"""
import json, resource, time
from gpnlab.simulate import load_preset, simulate
from gpnlab.simulate.config import scale_firms
w0 = load_preset("default")
simulate(scale_firms(w0, 200), periods=2)
w = scale_firms(w0, {firms})
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t0 = time.perf_counter()
res = simulate(w, periods={periods}, mrio_every={mrio_every})
res.firms.to_parquet("/dev/null")
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"rss": peak - base, "wall": wall}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:  # pragma: no cover - calibration, run by hand
    """Print measured and estimated peak memory and time for the calibration sizes."""
    from gpnlab.resources import human_bytes
    from gpnlab.simulate.config import scale_firms
    from gpnlab.simulate.presets import load_preset

    base = load_preset("default")
    sizes = [
        (2000, 40, 0),
        (2000, 400, 0),
        (20000, 40, 0),
        (20000, 400, 0),
        (20000, 400, 1),
        (200000, 40, 0),
        (200000, 400, 0),
    ]
    print("firms periods mrio  measured  estimate  ratio  wall_s  est_s")
    for firms, periods, mrio in sizes:
        w = scale_firms(base, firms)
        got = _measure_one(firms, periods, mrio)
        est = simulation_bytes(w, periods, mrio_every=mrio)
        print(
            f"{firms:>6} {periods:>7} {mrio:>4} {human_bytes(got['rss']):>9} "
            f"{human_bytes(est):>9} {est / max(got['rss'], 1):6.2f} {got['wall']:7.2f} "
            f"{simulation_seconds(w, periods):6.2f}",
            flush=True,
        )


if __name__ == "__main__":  # pragma: no cover
    main()
