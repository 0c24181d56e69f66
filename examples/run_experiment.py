"""Run an experiment spec from Python, write its report and copy one figure for the README.

Usage: ``python examples/run_experiment.py [SPEC] [--out DIR] [--figure FOCAL]``.
With no arguments it runs the demo (``examples/experiments/demo.toml``, about a minute on
2 cores; finished runs in ``out/demo`` are reused) and writes
``docs/figures/demo_trajectories.png`` from the report's trajectories of the focal country.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from gpnlab.experiments import analyse, load_spec, run_experiment
from gpnlab.report.experiment_report import write_report

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("spec", nargs="?", type=Path, default=HERE / "experiments" / "demo.toml")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--figure", default="LEM", help="focal country of the README figure")
    ap.add_argument(
        "--figure-out", type=Path, default=HERE.parent / "docs/figures/demo_trajectories.png"
    )
    args = ap.parse_args()
    spec, root = load_spec(args.spec)
    out = args.out or Path("out") / spec.name
    outcome = run_experiment(spec, out=out, root=root)
    print(f"{outcome.ran} runs ({outcome.skipped} reused) in {outcome.wall_s:.1f} s")
    report, notes = write_report(analyse(out))
    for note in notes:
        print("note:", note)
    figure = out / "figures" / f"trajectories_{args.figure}.png"
    if figure.exists():
        args.figure_out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(figure, args.figure_out)
        print(f"figure: {args.figure_out}")
    print(f"report: {report}")


if __name__ == "__main__":
    main()
