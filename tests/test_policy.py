"""The policy layer (``gpnlab.simulate.policy``): stages targeted by name, selective versus
functional instruments, regimes that check their inputs and say which tiers they reach.

Unit tests on worlds and instrument tables: no simulation."""

from __future__ import annotations

import ast
import copy
import importlib.util
import inspect
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import pytest

import gpnlab.simulate as sim
import gpnlab.simulate.policy as policy_module
from gpnlab.errors import InputError, read_toml
from gpnlab.simulate.config import World, world_from_dict
from gpnlab.simulate.policy import (
    FUNCTIONAL,
    REACH,
    REGIMES,
    SELECTIVE,
    Instruments,
    apply_regime,
)

SUPPORT = ("learning_subsidy", "supplier_development", "support_institutions", "human_capital")


@lru_cache(maxsize=1)
def _default_dict() -> dict[str, Any]:
    path = files("gpnlab.simulate.presets") / "default.toml"
    return read_toml(str(path), what="config", field="CONFIG")


def default_dict() -> dict[str, Any]:
    return copy.deepcopy(_default_dict())


@lru_cache(maxsize=1)
def default_world() -> World:
    return world_from_dict(default_dict())


def stage_index(world: World, name: str) -> int:
    return [s.name for s in world.stages].index(name)


def with_policy(g: int, **policy: object) -> World:
    data = default_dict()
    data["countries"][g]["policy"] = {**data["countries"][g].get("policy", {}), **policy}
    return world_from_dict(data)


def developing(world: World) -> list[int]:
    return [g for g, c in enumerate(world.countries) if not c.flagship_home]


# ------------------------------------------------------------------ targeted_stages by name


def test_stage_names_are_accepted_and_mapped_to_their_indices() -> None:
    g = developing(default_world())[0]
    w = with_policy(g, targeted_stages=["sub_assembly", "commodity_components"])
    assert w.countries[g].policy.targeted_stages == ["sub_assembly", "commodity_components"]
    target = Instruments(w).target
    want = np.zeros(len(w.stages), bool)
    want[[stage_index(w, "commodity_components"), stage_index(w, "sub_assembly")]] = True
    np.testing.assert_array_equal(target[g], want)
    # untargeted countries: every stage
    others = [h for h in range(len(w.countries)) if h != g]
    assert target[others].all()


def test_unknown_stage_name_is_refused_with_its_field_and_the_stage_names() -> None:
    g = developing(default_world())[1]
    with pytest.raises(InputError) as exc:
        with_policy(g, targeted_stages=["sub_assembly", "wafer_fab"])
    assert exc.value.field == f"countries.{g}.policy.targeted_stages"
    assert "'wafer_fab'" in exc.value.what
    for s in default_world().stages:
        assert s.name in exc.value.what
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("entry", [1, 3.0, True])
def test_stage_index_is_refused_with_the_fix(entry: object) -> None:
    g = developing(default_world())[2]
    with pytest.raises(InputError) as exc:
        with_policy(g, targeted_stages=["sub_assembly", entry])
    assert exc.value.field == f"countries.{g}.policy.targeted_stages"
    assert "use stage names, e.g." in exc.value.what
    assert "\n" not in str(exc.value)


# ------------------------------------------------------------------ selective vs functional


def test_selective_instruments_are_masked_functional_ones_are_not() -> None:
    g = developing(default_world())[0]
    w = with_policy(g, targeted_stages=["sub_assembly"], **{n: 0.5 for n in SUPPORT})
    inst = Instruments(w)
    s = stage_index(w, "sub_assembly")
    cap = w.countries[g].state_capacity
    for name in SELECTIVE:
        for raw, level in ((False, 0.5 * cap), (True, 0.5)):
            row = inst.table(name, raw=raw)[g]
            assert row[s] == pytest.approx(level)
            assert (np.delete(row, s) == 0).all(), name
    for name in FUNCTIONAL:
        for raw, level in ((False, 0.5 * cap), (True, 0.5)):
            np.testing.assert_allclose(inst.table(name, raw=raw)[g], level)
    assert set(SELECTIVE) | set(FUNCTIONAL) == set(SUPPORT)
    assert not set(SELECTIVE) & set(FUNCTIONAL)
    # tables are what kernels index: (G, S), float, C-contiguous
    for name in SUPPORT:
        t = inst.table(name)
        assert t.shape == (len(w.countries), len(w.stages)) and t.dtype == np.float64
        assert t.flags.c_contiguous


def test_build_reaches_the_lower_tier_through_functional_instruments() -> None:
    w = apply_regime(default_world(), "build")
    inst = Instruments(w)
    lower = stage_index(w, "commodity_components")
    assert w.stages[lower].role == "LT"
    targeted = [stage_index(w, n) for n in ("precision_components", "sub_assembly")]
    focal = developing(w)
    assert focal
    for g in focal:
        assert w.countries[g].policy.targeted_stages == ["precision_components", "sub_assembly"]
        assert inst.table("support_institutions")[g, lower] > 0
        assert inst.table("human_capital")[g, lower] > 0
        assert inst.table("learning_subsidy")[g, lower] == 0
        assert (inst.table("learning_subsidy")[g, targeted] > 0).all()


# ------------------------------------------------------------------ apply_regime checks


def test_unknown_regime_is_an_input_error() -> None:
    with pytest.raises(InputError) as exc:
        apply_regime(default_world(), "autarky")
    assert exc.value.field == "regime"
    assert "'autarky'" in exc.value.what
    for name in REGIMES:
        assert name in exc.value.fix
    assert "\n" not in str(exc.value)


def test_unknown_focal_code_is_an_input_error() -> None:
    with pytest.raises(InputError) as exc:
        apply_regime(default_world(), "join", ["VNL", "XXX"])
    assert exc.value.field == "focal"
    assert "'XXX'" in exc.value.what


def test_regime_sets_only_the_focal_countries() -> None:
    base = default_world()
    w = apply_regime(base, "join", ["VNL"])
    for before, after in zip(base.countries, w.countries, strict=True):
        if after.code == "VNL":
            assert after.policy.fdi_incentive == REGIMES["join"]["fdi_incentive"]
        else:
            assert after.policy == before.policy
    assert apply_regime(base, "laissez_faire") == base


def _renamed(**names: str) -> World:
    data = default_dict()
    for s in data["stages"]:
        s["name"] = names.get(s["name"], s["name"])
    return world_from_dict(data)


def test_regime_stage_names_the_world_lacks_are_dropped() -> None:
    w = apply_regime(_renamed(sub_assembly="modules"), "build")
    g = developing(w)[0]
    assert w.countries[g].policy.targeted_stages == ["precision_components"]
    target = Instruments(w).target[g]
    assert target.sum() == 1 and target[stage_index(w, "precision_components")]
    # none left: targeting empty, selective instruments reach every stage
    w = apply_regime(_renamed(sub_assembly="modules", precision_components="parts"), "build")
    for g in developing(w):
        assert w.countries[g].policy.targeted_stages == []
        assert (Instruments(w).table("learning_subsidy")[g] > 0).all()
    # the worlds stay valid: a round trip through validation accepts them
    World.model_validate(w.model_dump())


# ------------------------------------------------------------------ REACH, exports, layout


def test_reach_documents_every_instrument_of_every_regime() -> None:
    assert list(REACH) == list(REGIMES)
    world = default_world()
    for regime, settings in REGIMES.items():
        instruments = [k for k in settings if k != "targeted_stages"]
        assert sorted(REACH[regime]) == sorted(instruments), regime
        targets = settings.get("targeted_stages") or []
        assert isinstance(targets, list)
        for name in FUNCTIONAL:
            if name in REACH[regime]:
                assert REACH[regime][name].startswith("all tiers"), (regime, name)
        for name in SELECTIVE:
            if name not in REACH[regime]:
                continue
            text = REACH[regime][name]
            if targets:
                roles = {world.stages[stage_index(world, t)].role for t in targets}
                assert text.startswith("/".join(sorted(roles))), (regime, name, text)
                assert all(t in text for t in targets), (regime, name)
            else:
                assert text.startswith("all tiers"), (regime, name)


def test_policy_layer_is_exported_and_out_of_mechanisms() -> None:
    assert sim.REGIMES is REGIMES and sim.Instruments is Instruments
    assert sim.apply_regime is apply_regime
    assert importlib.util.find_spec("gpnlab.simulate.mechanisms.policy") is None
    # no import cycle: the policy layer names the model for type checking only
    tree = ast.parse(inspect.getsource(policy_module))
    guarded = {
        id(node)
        for block in tree.body
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    model_imports = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "gpnlab.simulate.model"
    ]
    assert model_imports and all(id(node) in guarded for node in model_imports)
