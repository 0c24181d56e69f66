"""Bad world files and configs are refused in one line naming the file and field (issue 9),
and a simulation that would not fit in memory is refused before anything is allocated."""

from __future__ import annotations

import copy
import os
import tracemalloc
from importlib.resources import files
from pathlib import Path

import pytest

from gpnlab.errors import InputError, read_toml
from gpnlab.experiments.parameters import apply_parameters
from gpnlab.resources import ENV_LIMIT, ResourceError
from gpnlab.simulate import budget
from gpnlab.simulate.budget import (
    check_simulation,
    simulation_bytes,
    simulation_seconds,
    state_bytes_per_slot,
)
from gpnlab.simulate.config import (
    MAX_FIRMS,
    firm_slots,
    load_world,
    scale_firms,
    stage_cycle,
    world_from_dict,
)
from gpnlab.simulate.presets import load_preset, preset_names
from gpnlab.simulate.run import simulate

PRESET = Path(__file__).resolve().parents[2] / "src/gpnlab/simulate/presets/default.toml"
TEXT = PRESET.read_text()


def one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


def write(tmp_path: Path, data: bytes | str, name: str = "world.toml") -> Path:
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


# ------------------------------------------------------------------ read_toml: the file itself


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (TEXT.encode("utf-16"), "UTF-16 byte-order mark"),
        (TEXT.encode("utf-16-be"), "UTF-16 text without a byte-order mark"),
        (TEXT.encode("utf-32"), "UTF-32 byte-order mark"),
        (b"name = 'x'\n\x00\x01\x02\xff binary", "binary data (NUL byte at byte 11)"),
        ('name = "d\u00e9faut"\n'.encode("latin-1"), "not UTF-8 at byte 9"),
    ],
)
def test_encodings_name_expected_and_found(tmp_path: Path, data: bytes, found: str) -> None:
    p = write(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_world(p)
    msg = one_line(exc)
    assert msg.startswith(str(p)) and "expected UTF-8" in msg and found in msg
    assert exc.value.field == "CONFIG"


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    p = write(tmp_path, b"\xef\xbb\xbf" + TEXT.encode())
    assert load_world(p) == load_preset("default")


def test_folder_fifo_missing_and_oversize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "world.toml"
    folder.mkdir()
    with pytest.raises(InputError, match="is a folder, not a file") as exc:
        load_world(folder)
    one_line(exc)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):  # never blocks on a read
        load_world(fifo)
    with pytest.raises(InputError, match="file not found"):
        load_world(tmp_path / "missing.toml")
    big = write(tmp_path, TEXT, "big.toml")
    with pytest.raises(InputError, match="cannot be read"):
        load_world(big / "inside.toml")  # a file used as a folder: "Not a directory"
    monkeypatch.setattr("gpnlab.errors.MAX_TOML_BYTES", 100)
    with pytest.raises(InputError, match="more than the 100 a TOML config may have"):
        load_world(big)


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, TEXT)

    def denied(*_a: object, **_k: object) -> None:
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(InputError, match="permission denied") as exc:
        read_toml(p, what="config", field="CONFIG")
    one_line(exc)


def test_bad_syntax_and_deep_nesting(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not valid TOML"):
        load_world(write(tmp_path, TEXT[: len(TEXT) // 3] + "[[countries"))
    with pytest.raises(InputError, match="not valid TOML"):
        load_world(write(tmp_path, "a = " + "[" * 5000 + "]" * 5000))


# ------------------------------------------------------------------ World: values and graph


def edited(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    return write(tmp_path, TEXT.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "field", "what"),
    [
        ("wage = 16.0", "wage = inf", "countries.0.wage", "finite"),
        ("wage = 16.0", "wage = nan", "countries.0.wage", "finite"),
        ("home_market = 9000.0", "home_market = -inf", "countries.0.home_market", "finite"),
        (
            "requirement = [0.6, 0.7, 1.0, 0.8, 0.6]",
            "requirement = [0.6, nan, 1.0, 0.8, 0.6]",
            "stages.0.requirement.1",
            "finite",
        ),
        ("growth = 0.003", "growth = 1e308", "markets.0.growth", "less than or equal"),
        ("seed = 0", "seed = -1", "seed", "greater than or equal to 0"),
        ("count = 6000", "count = 100000000000", "count", "less than or equal"),
        ("price = 0.0006", "price = 0", "markets.0.price", "greater than or equal to 0.000000001"),
        ("price = 0.0006", "price = 5e-324", "markets.0.price", "greater than or equal"),
        ("labour_force = 490.0", "labour_force = 1e-300", "labour_force", "greater than"),
        ("labour = 0.004", "labour = 1e9", "stages.0.labour", "less than or equal"),
        ('name = "design_rd"', 'name = ""', "stages.0.name", "at least 1"),
    ],
)
def test_out_of_range_values_name_the_field(
    tmp_path: Path, old: str, new: str, field: str, what: str
) -> None:
    p = edited(tmp_path, old, new)
    with pytest.raises(InputError) as exc:
        load_world(p)
    msg = one_line(exc)
    assert field in exc.value.field and what in msg and msg.startswith(str(p))


@pytest.mark.parametrize(
    ("table", "line", "field"),
    [
        ("[[stages]]", "markup = 0.15", "stages.0.markup"),
        ("[mechanisms]", "requirement_growth = 0.01", "mechanisms.requirement_growth"),
    ],
)
def test_removed_fields_are_refused_with_their_replacement(
    tmp_path: Path, table: str, line: str, field: str
) -> None:
    """A config written for an earlier version names the removed field and what replaced it
    (one line), rather than pydantic's bare 'extra inputs are not permitted'."""
    text = (files("gpnlab.simulate.presets") / "default.toml").read_text()
    p = tmp_path / "old.toml"
    edited_text = text.replace(table, f"{table}\n{line}", 1)
    if edited_text == text:  # no such table in the preset: add it at the end
        edited_text = f"{text}\n{table}\n{line}\n"
    p.write_text(edited_text)
    with pytest.raises(InputError) as exc:
        load_world(p)
    msg = one_line(exc)
    assert exc.value.field == field and "no longer a field" in msg and "remove it" in msg


def test_stage_cycle_is_named(tmp_path: Path) -> None:
    # precision_components (1) buys sub_assembly (3), which buys precision_components
    block = "labour = 0.004\nrequirement = [0.9, 0.9, 0.5, 0.4, 0.1]\ninputs = []"
    p = edited(tmp_path, block, block.replace("inputs = []", "inputs = [3]"))
    with pytest.raises(InputError) as exc:
        load_world(p)
    msg = one_line(exc)
    assert (
        "stage inputs form a cycle: precision_components -> sub_assembly -> "
        "precision_components" in msg
    )
    assert exc.value.field == "stages.1.inputs"


def test_self_input_and_repeated_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cycle: marketing_after_sales -> marketing_after"):
        load_world(edited(tmp_path, "inputs = [0, 4]", "inputs = [5, 4]"))
    with pytest.raises(InputError, match="repeat") as exc:
        load_world(edited(tmp_path, "inputs = [0, 4]", "inputs = [4, 4]"))
    assert exc.value.field == "stages.5.inputs"
    with pytest.raises(InputError, match="input stage 9 does not exist"):
        load_world(edited(tmp_path, "inputs = [0, 4]", "inputs = [9]"))


def test_stage_cycle_helper() -> None:
    assert stage_cycle([[], [0], [1]]) == []
    assert stage_cycle([[2], [0], [1]]) == [0, 2, 1, 0]
    assert stage_cycle([[0]]) == [0, 0]
    chain = [[i + 1] for i in range(5000)] + [[0]]  # deep: no recursion limit
    assert len(stage_cycle(chain)) == 5002


def test_cross_field_checks_name_their_field() -> None:
    d = load_preset("default").model_dump()
    cases = [
        (lambda w: w["stages"][1].update(name="design_rd"), "stages", "stage names"),
        (lambda w: w["markets"].append(dict(w["markets"][0])), "markets", "regions"),
        (lambda w: w["populations"][0].update(location="ZZZ"), "populations.0.location", "ZZZ"),
        (lambda w: w["countries"][3].update(region="mars"), "countries.3.region", "mars"),
        (
            lambda w: [s.update(role="HT") for s in w["stages"] if s["role"] == "BL"],
            "stages.5.role",
            "its role must be BL",
        ),
    ]
    for change, field, what in cases:
        w = copy.deepcopy(d)
        change(w)
        with pytest.raises(InputError, match=what) as exc:
            world_from_dict(w, where="w.toml")
        assert exc.value.field == field, (field, str(exc.value))


def test_model_limits_found_by_the_fuzz() -> None:
    """Values the model cannot run: a final-goods tariff above 1 makes an import's revenue
    negative; brand leaders without capability divide the requirement cap by zero."""
    d = load_preset("default").model_dump()
    w = copy.deepcopy(d)
    w["countries"][0]["policy"]["tariff_final"] = 1.5
    with pytest.raises(InputError) as exc:
        world_from_dict(w)
    assert exc.value.field == "countries.0.policy.tariff_final"
    w = copy.deepcopy(d)
    w["populations"][0]["capability"] = 0.0
    with pytest.raises(InputError, match="brand leaders in FLA need a capability") as exc:
        world_from_dict(w)
    assert exc.value.field == "populations.0.capability"
    w["populations"][0]["role"] = "LT"  # suppliers may start without capability
    world_from_dict(w)


def test_shipped_worlds_load() -> None:
    for name in preset_names():
        w = load_preset(name)
        assert firm_slots(w) > 0


def test_parameter_overrides_are_validated_again() -> None:
    """Experiments build worlds with apply_parameters: the same bounds hold there."""
    base = load_preset("default")
    for value in (float("inf"), float("nan"), -1.0):
        with pytest.raises(InputError, match="wage"):
            apply_parameters(base, {"countries.focal.wage": value}, "MYL")
    with pytest.raises(InputError, match="seed"):
        apply_parameters(base, {"seed": -3.0}, "MYL")
    with pytest.raises(InputError, match="growth"):
        apply_parameters(base, {"markets.*.growth": 5.0}, "MYL")


def test_scale_firms_caps_absurd_counts() -> None:
    base = load_preset("default")
    with pytest.raises(InputError, match="more than the 1,073,741,824") as exc:
        scale_firms(base, 2**31)
    assert exc.value.where == "--firms"
    assert firm_slots(scale_firms(base, MAX_FIRMS // 2)) <= MAX_FIRMS
    with pytest.raises(InputError):
        scale_firms(base, 0)


# ------------------------------------------------------------------ the memory budget


def test_state_bytes_per_slot_counts_every_array() -> None:
    # 5 bool + 2 int8 + 2 int16 + 2 x (5 float64) + 22 float64 + 10 int32 (state.empty_firms)
    assert state_bytes_per_slot() == 5 + 2 + 4 + 80 + 176 + 40
    assert state_bytes_per_slot() + 48 <= budget.SLOT_BYTES


def test_absurd_firms_refused_before_allocating() -> None:
    base = load_preset("default")
    tracemalloc.start()
    try:
        world = scale_firms(base, 1_000_000_000)
        with pytest.raises(ResourceError) as exc:
            check_simulation(world, 40, where="--firms/--periods")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**20  # the check reads counts only
    msg = one_line(exc)
    assert "firms x 40 quarters" in msg and "needs about" in msg and "TiB" in msg
    assert msg.startswith("--firms/--periods:") and exc.value.field == "--firms"


def test_endless_periods_refused() -> None:
    world = scale_firms(load_preset("default"), 2000)
    with pytest.raises(ResourceError, match="1,000,000 quarters") as exc:
        check_simulation(world, 1_000_000, where="--periods", field="--periods")
    assert "entry grows them to more than 10^15" in str(exc.value)


def test_max_memory_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    world = scale_firms(load_preset("default"), 20_000)
    check_simulation(world, 40, where="--firms")
    monkeypatch.setenv(ENV_LIMIT, "16M")
    with pytest.raises(ResourceError, match="GPNLAB_MAX_MEMORY"):
        check_simulation(world, 40, where="--firms")


def test_estimate_grows_with_firms_periods_and_tables() -> None:
    base = load_preset("default")
    small, big = scale_firms(base, 2000), scale_firms(base, 200_000)
    assert simulation_bytes(big, 40) > 5 * simulation_bytes(small, 40)
    assert simulation_bytes(small, 400) > simulation_bytes(small, 40)
    assert simulation_bytes(small, 40, mrio_every=1) > simulation_bytes(small, 40)
    assert simulation_bytes(small, 10**7) == int(budget.MAX_ESTIMATE)


def test_estimate_bounds_the_traced_peak() -> None:
    """The estimate (less its fixed allowance) is above the traced peak of a real run and
    within a few times of it (tracemalloc misses numba's own arrays and allocator slack,
    which the estimate covers: see the calibration against peak RSS in budget.py)."""
    world = scale_firms(load_preset("default"), 8000)
    simulate(scale_firms(load_preset("default"), 200), periods=2)  # load the kernels
    tracemalloc.start()
    try:
        simulate(world, periods=30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    variable = simulation_bytes(world, 30) - budget.FIXED_BYTES
    assert peak < variable < 5 * peak, (peak, variable)


def test_seconds_estimate() -> None:
    base = load_preset("default")
    w = scale_firms(base, 20_000)
    t = simulation_seconds(w, 40)
    assert 0.3 < t < 30
    assert simulation_seconds(w, 400) > 5 * t
    assert simulation_seconds(scale_firms(base, 200), 1) >= budget.SECONDS_PER_RUN
    assert simulation_seconds(w, 10**7) == float("inf")
