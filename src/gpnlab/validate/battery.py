"""``gpnlab validate``: run the world over independent seeds under the variants the facts need,
through the experiment engine, and judge every fact.

Layout of the output folder (owned by ``validate``):

* ``runs/regimes/`` -- an experiment: the baseline and the regimes the facts compare
  (:func:`gpnlab.validate.facts.needed_regimes`) on each focal country;
* ``runs/<variant>/`` -- one experiment per parameter variant (baseline regime);
* ``facts.csv``, ``decomposition.csv``, ``validation.html``.

Every experiment uses the same root seed and replicate count, so replicate ``r`` of every
variant runs on the same seed (paired differences, common random numbers). Each folder
resumes like any experiment: run the same command again after a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gpnlab.errors import InputError
from gpnlab.experiments.execute import run_experiment
from gpnlab.experiments.spec import Spec, spec_from_dict
from gpnlab.experiments.store import read_tables
from gpnlab.outdir import claim_folder
from gpnlab.simulate.config import World
from gpnlab.simulate.policy import check_focal
from gpnlab.validate.facts import BASELINE, FACTS, VARIANT_NAMES, Fact, needed_regimes, variants
from gpnlab.validate.metrics.channels import dva_channels
from gpnlab.validate.metrics.verdict import summarise_seeds

DEFAULT_HORIZONS = (20, 60, 100)
KEPT_COLUMNS = ["dva_share", "fva_share", "capability_ht", "capability_lt", "value_captured"]


@dataclass
class Battery:
    """What a validation produced."""

    out: Path
    facts: pd.DataFrame
    decomposition: pd.DataFrame
    metrics: pd.DataFrame
    runs: int
    wall_s: float
    horizons: list[int]


def experiment_specs(
    world: World,
    *,
    seeds: int,
    periods: int,
    firms: int | None,
    focal: list[str],
    horizons: list[int],
    seed: int = 0,
) -> dict[str, Spec]:
    """The experiments of a battery: ``regimes`` and one per parameter variant."""
    common = {
        "periods": periods,
        "firms": firms,
        "seed": seed,
        "baseline": BASELINE,
        "replicates": seeds,
        "outputs": {
            "columns": KEPT_COLUMNS,
            "every": max(1, periods // 25),
            "metrics": "validation",
            "horizons": horizons,
        },
        "analysis": {"rank_by": "value_captured"},
    }
    specs = {
        "regimes": spec_from_dict(
            {
                **common,
                "name": "validate-regimes",
                "regimes": [BASELINE, *needed_regimes()],
                "focal": focal,
            },  # fmt: skip
            where="validate",
        )
    }
    for v in variants(world):
        specs[v.name] = spec_from_dict(
            {
                **common,
                "name": f"validate-{v.name}",
                "regimes": [BASELINE],
                "focal": focal[:1],
                "parameters": {k: {"levels": [val]} for k, val in v.parameters.items()},
            },
            where="validate",
        )
    return specs


def run_battery(
    world: World,
    out: Path,
    *,
    seeds: int = 20,
    periods: int = 100,
    firms: int | None = None,
    focal: list[str],
    horizons: list[int] | None = None,
    processes: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    yes: bool = False,
    on_start: Callable[[str, int, int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> Battery:
    """Run (or resume) every experiment of the battery into ``out`` and judge the facts."""
    import time

    t0 = time.perf_counter()
    hs = sorted({h for h in (horizons or DEFAULT_HORIZONS) if 1 <= h <= periods} | {periods})
    check_focal(world, focal, where="--focal")
    if seeds < 2:
        raise InputError(
            "a battery needs at least 2 seeds for an interval",
            where="--seeds",
            field="seeds",
            fix="give --seeds 10 or more (20 by default)",
        )
    out = claim_folder(out, command="validate", overwrite=overwrite)
    specs = experiment_specs(
        world, seeds=seeds, periods=periods, firms=firms, focal=focal, horizons=hs
    )
    frames = []
    total = 0
    for name, spec in specs.items():
        start = None if on_start is None else (lambda t, d, n=name: on_start(n, t, d))
        outcome = run_experiment(
            spec, world, out / "runs" / name, processes=processes, workers=workers,
            scheduler=scheduler, where=f"validate ({name})", on_start=start,
            on_batch=on_batch, yes=yes,
        )  # fmt: skip
        total += outcome.total
        frames.append(labelled_metrics(out / "runs" / name, name))
    metrics = pd.concat(frames, ignore_index=True)
    facts = judge(metrics, focal, hs)
    decomposition = decompose(metrics, focal, hs)
    return Battery(out, facts, decomposition, metrics, total, time.perf_counter() - t0, hs)


def labelled_metrics(folder: Path, name: str) -> pd.DataFrame:
    """The metrics of one experiment with ``variant``, ``focal`` and ``replicate``."""
    tables = read_tables(folder)
    runs = tables["runs"]
    m = tables["metrics"].merge(
        runs[["run_id", "regime", "focal", "replicate", "status"]], on="run_id"
    )
    m = m[m["status"] == "done"].drop(columns="status")
    variant = m["regime"] if name == "regimes" else name
    return m.assign(variant=variant, experiment=name)


def _side(metrics: pd.DataFrame, variant: str, focal: str) -> pd.DataFrame:
    sel = metrics["variant"] == variant
    if variant not in VARIANT_NAMES and focal:
        sel &= metrics["focal"] == focal
    rows = metrics[sel]
    if variant in VARIANT_NAMES or not focal:  # focal plays no part: one row per replicate
        rows = rows.drop_duplicates(["replicate", "metric", "period", "group"])
    return rows


def fact_values(
    metrics: pd.DataFrame, fact: Fact, focal: str, period: int, first: int | None = None
) -> np.ndarray:
    """One value per replicate (NaN where missing) for ``fact`` at ``period``."""
    group = fact.group.format(focal=focal)

    def series(variant: str, at: int) -> pd.Series:
        rows = _side(metrics, variant, focal)
        rows = rows[(rows["metric"] == fact.metric) & (rows["group"] == group)]
        rows = rows[rows["period"] == at]
        return rows.groupby("replicate")["value"].first()

    if fact.kind == "level":
        s = series(fact.a, period)
    elif fact.kind == "trend":
        assert first is not None
        s = series(fact.a, period) - series(fact.a, first)
    else:
        s = series(fact.a, period) - series(fact.b, period)
    return s.sort_index().to_numpy(dtype=float)


def _focal_list(fact: Fact, focal: list[str]) -> list[str]:
    focal_side = "{focal}" in fact.group or any(
        side not in (BASELINE, *VARIANT_NAMES) for side in (fact.a, fact.b)
    )
    return focal if focal_side else [""]


def judge(metrics: pd.DataFrame, focal: list[str], hs: list[int]) -> pd.DataFrame:
    """One row per (fact, focal country, horizon) with its verdict across seeds."""
    last = max(hs)
    rows = []
    for fact in FACTS:
        periods = [last] if fact.last_only or fact.kind == "trend" else hs
        for c in _focal_list(fact, focal):
            for h in periods:
                values = fact_values(metrics, fact, c, h, first=min(hs))
                if fact.kind == "distinct":
                    summary = distinct_summary(values)
                else:
                    summary = dict(summarise_seeds(values, fact.target))
                rows.append(
                    {
                        "id": fact.id,
                        "family": fact.family,
                        "statement": fact.statement,
                        "source": fact.source,
                        "metric": fact.metric + (f"[{fact.group.format(focal=c)}]"
                                                 if fact.group else ""),
                        "kind": fact.kind,
                        "comparison": comparison(fact),
                        "focal": c,
                        "horizon": h,
                        **{k: summary.get(k) for k in SUMMARY_KEYS},
                        "target": str(fact.target) if fact.kind != "distinct" else "!= 0",
                        "mechanism": fact.mechanism,
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


SUMMARY_KEYS = ("n_finite", "mean", "ci_low", "ci_high", "share_holds", "verdict", "note")


def comparison(fact: Fact) -> str:
    """What a fact compares, e.g. ``join - laissez_faire``."""
    if fact.kind == "level":
        return fact.a
    if fact.kind == "trend":
        return f"{fact.a}: last - first horizon"
    return f"{fact.a} - {fact.b}"


def distinct_summary(values: np.ndarray) -> dict[str, object]:
    """Identification test: the paired difference must not be zero in every seed."""
    finite = values[np.isfinite(values)]
    base = dict(summarise_seeds(values, ">0")) if finite.size else {}
    if finite.size < 2:
        verdict, note = "inconclusive", "fewer than 2 seeds"
    elif np.all(finite == 0):
        verdict, note = "fails", "identical runs in every seed: the two are not identified"
    elif base["ci_low"] > 0 or base["ci_high"] < 0:  # type: ignore[operator]
        verdict, note = "holds", ""
    else:
        verdict, note = "inconclusive", "the runs differ but the interval includes 0"
    share = float(np.mean(finite != 0)) if finite.size else float("nan")
    return {**base, "verdict": verdict, "note": note, "share_holds": share}


def decompose(metrics: pd.DataFrame, focal: list[str], hs: list[int]) -> pd.DataFrame:
    """decomposition.csv: Melitz-Polanec terms of supplier match by tier (and tier:country)
    in the baseline, and the channels of the DVA-share effects of `join` and of upgrading."""
    rows = []
    base = _side(metrics, BASELINE, focal[0])
    kinds = {
        "mp_": "melitz_polanec",
        "fhk_": "foster_haltiwanger_krizan",
        "learning_": "within_transfer_vs_own",
        "diffusion_corr": "capability_gain_vs_knowledge_received_corr",
    }
    mp = base[base["metric"].str.startswith(tuple(kinds))]
    for (metric, period, group), g in mp.groupby(["metric", "period", "group"]):
        s = summarise_seeds(g.groupby("replicate")["value"].first().to_numpy(), ">0")
        prefix = next(k for k in kinds if str(metric).startswith(k))
        rows.append(
            {
                "decomposition": kinds[prefix],
                "comparison": BASELINE,
                "focal": "",
                "group": group,
                "horizon": period,
                "term": str(metric)[len(prefix) :] or "value",
                "mean": s["mean"],
                "ci_low": s["ci_low"],
                "ci_high": s["ci_high"],
                "n_seeds": s["n_finite"],
            }  # fmt: skip
        )
    for c in focal:  # channel of build's effect on lower tiers: Melitz-Polanec terms, paired
        for h in hs:
            for term in ("total", "within", "covariance", "entry", "exit"):
                fact = Fact("", "", "", "", f"mp_{term}", "effect", ">0", group=f"LT:{c}",
                            a="build", b=BASELINE)  # fmt: skip
                s = summarise_seeds(fact_values(metrics, fact, c, h), ">0")
                rows.append(
                    {
                        "decomposition": "melitz_polanec_effect",
                        "comparison": "build - baseline",
                        "focal": c,
                        "group": f"LT:{c}",
                        "horizon": h,
                        "term": term,
                        "mean": s["mean"],
                        "ci_low": s["ci_low"],
                        "ci_high": s["ci_high"],
                        "n_seeds": s["n_finite"],
                    }  # fmt: skip
                )
    for treated, control, label in (("join", BASELINE, "join - baseline"),
                                    (BASELINE, "no_upgrading", "upgrading on - off")):  # fmt: skip
        for c in focal:
            for h in hs:
                per_seed = _channels_per_seed(metrics, control, treated, c, h)
                if per_seed.empty:
                    continue
                for term in ("total", "composition", "within", "sourcing", "trade_costs"):
                    s = summarise_seeds(per_seed[term].to_numpy(), ">0")
                    rows.append(
                        {
                            "decomposition": "dva_share_channels",
                            "comparison": label,
                            "focal": c,
                            "group": c,
                            "horizon": h,
                            "term": term,
                            "mean": s["mean"],
                            "ci_low": s["ci_low"],
                            "ci_high": s["ci_high"],
                            "n_seeds": s["n_finite"],
                        }  # fmt: skip
                    )
    return pd.DataFrame(rows)


def _channels_per_seed(
    metrics: pd.DataFrame, control: str, treated: str, country: str, h: int
) -> pd.DataFrame:
    parts = []
    for state, variant in (("control", control), ("treated", treated)):
        rows = _side(metrics, variant, country)
        sel = rows["metric"].isin(["stage_exports", "stage_domestic", "stage_tax"])
        sel &= (rows["period"] == h) & rows["group"].str.startswith(f"{country}|")
        rows = rows[sel]
        if rows.empty:
            return pd.DataFrame()
        wide = rows.pivot_table(
            index=["replicate", "group"], columns="metric", values="value", aggfunc="first"
        ).reset_index()
        parts.append(wide.assign(state=state, stage=wide["group"].str.split("|").str[1]))
    df = pd.concat(parts, ignore_index=True).fillna({"stage_exports": 0.0})
    for c in ("stage_domestic", "stage_tax"):
        df[c] = df[c].fillna(0.0)
    # a stage exported in only one state enters with zero exports in the other
    full = df.pivot_table(
        index=["replicate", "stage"], columns="state",
        values=["stage_exports", "stage_domestic", "stage_tax"], aggfunc="first",
    )  # fmt: skip
    full = full.stack(future_stack=True).fillna(0.0).reset_index()
    keep = full.groupby("replicate")["state"].transform("nunique") == 2
    return dva_channels(
        full[keep], start="control", end="treated", state="state", stage="stage",
        exports="stage_exports", domestic_share="stage_domestic", tax_share="stage_tax",
        by="replicate",
    )  # fmt: skip
