"""The notebook API in a few lines: run an experiment, analyse it, read the tables, render.

Usage: ``python examples/notebook_api.py [--out DIR] [--firms N] [--periods T]
[--processes P]``. With no
arguments it runs the smoke experiment (``examples/experiments/smoke.toml``: three regimes for
MYL, 4 seeds, 12 quarters, about a minute on 2 cores; finished runs in ``out/notebook`` are
reused). The same cells work in Jupyter; pass ``client=distributed.Client(...)`` to
``run_experiment`` to run on a Dask cluster.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gpnlab.experiments import analyse, load_spec, run_experiment, spec_from_dict
from gpnlab.report.experiment_report import write_report
from gpnlab.simulate import apply_regime, load_preset

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("out/notebook"))
    ap.add_argument("--firms", type=int, default=None, help="override the spec's firms")
    ap.add_argument("--periods", type=int, default=None, help="override the spec's quarters")
    ap.add_argument("--processes", type=int, default=None, help="worker processes [all cores]")
    args = ap.parse_args()

    # 1. a spec from TOML (a dict works too: spec_from_dict); smaller for a quick look
    spec, root = load_spec(HERE / "experiments" / "smoke.toml")
    changes = {k: v for k, v in (("firms", args.firms), ("periods", args.periods)) if v}
    if changes:
        spec = spec_from_dict({**spec.model_dump(mode="json"), **changes})

    # 2. run it (process pool here; client=Client(...) sends the runs to Dask)
    outcome = run_experiment(spec, out=args.out, root=root, processes=args.processes)
    print(f"{outcome.ran} runs ({outcome.skipped} reused) in {outcome.wall_s:.1f} s")

    # 3. analyse: every table of the report as a tidy pandas frame
    a = analyse(args.out)
    cols = ["focal", "regime", "p_best", "rank_low", "rank_high", "value_captured_diff", "ce"]
    print(a.ranking[cols].to_string(index=False))
    last = a.differences.loc[a.differences["period"] == a.last_period]
    print(last.loc[last["outcome"] == "policy_cost", ["regime", "mean", "ci_low", "ci_high"]])
    for note in a.notes:
        print("note:", note)

    # 4. the world a regime makes: its instruments set for the focal country
    world = apply_regime(load_preset("default"), "build", ["MYL"])
    policy = next(c.policy for c in world.countries if c.code == "MYL")
    print("build in MYL: learning subsidy", policy.learning_subsidy)

    # 5. render the same Analysis as report.html (no computation in the writer)
    path, _ = write_report(a)
    print(f"report: {path}")


if __name__ == "__main__":
    main()
