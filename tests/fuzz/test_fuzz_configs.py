"""Fuzz the world config and the experiment spec (issue 9, item 5).

Inputs: random bytes, truncations, byte flips and random line edits (delete, duplicate,
numbers made huge / negative / inf / nan / strings, keys renamed) of the shipped worlds
(``src/gpnlab/simulate/presets/*.toml``) and the example specs
(``examples/experiments/*.toml``), plus the committed seed corpus
(``tests/fuzz/corpus/configs``).

Property: ``load_world`` / ``load_spec`` (then the base world, ``count_runs`` and, for small
designs, the design itself) either succeed or raise :class:`InputError` whose message is one
line -- never another exception. A world that loads also runs a tiny simulation (about 60
firms, 3 quarters) that succeeds or raises InputError (a memory bound, say). The default run
takes ~15 s on 2 cores; the ``slow`` variant runs 10x more examples (~40 s; ``GPNLAB_FUZZ_SCALE``
multiplies them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpnlab.errors import InputError
from gpnlab.experiments.design import count_points, count_runs, design_bytes, design_points
from gpnlab.experiments.execute import resolve_base, validate
from gpnlab.experiments.spec import load_spec
from gpnlab.resources import ENV_LIMIT
from gpnlab.simulate.budget import check_simulation
from gpnlab.simulate.config import load_world, scale_firms
from gpnlab.simulate.run import simulate

ROOT = Path(__file__).resolve().parents[2]
WORLDS = sorted((ROOT / "src/gpnlab/simulate/presets").glob("*.toml"))
SPECS = sorted((ROOT / "examples/experiments").glob("*.toml"))
CORPUS = Path(__file__).parent / "corpus" / "configs"
SOURCES = {p.name: p.read_bytes() for p in [*WORLDS, *SPECS]}
WORLD_NAMES = [p.name for p in WORLDS]
SPEC_NAMES = [p.name for p in SPECS]

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def one_line(exc: InputError) -> None:
    msg = str(exc)
    assert msg.strip(), "empty error message"
    assert "\n" not in msg and "\r" not in msg, f"not one line: {msg!r}"


@pytest.fixture(autouse=True)
def small_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fuzzed world may hold millions of brand leaders (scale_firms keeps BL counts): the
    tiny simulations run under a 512 MiB bound, so such a world is refused, not run."""
    monkeypatch.setenv(ENV_LIMIT, "512M")


def world_property(path: Path) -> None:
    try:
        world = load_world(path)
    except InputError as exc:
        one_line(exc)
        return
    try:
        small = scale_firms(world, 60)
        check_simulation(small, 3, where="fuzz")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            simulate(small, periods=3)
    except InputError as exc:
        one_line(exc)


def spec_property(path: Path) -> None:
    try:
        spec, root = load_spec(path)
        base = resolve_base(spec, root, where=str(path))
    except InputError as exc:
        one_line(exc)
        return
    runs = count_runs(spec)
    assert runs >= 1
    assert design_bytes(spec) > 0
    if count_points(spec) > 5000:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SALib: sample sizes that are not powers of 2
            points = design_points(spec, where=str(path))
        assert len(points) == count_points(spec)
        validate(spec, base, points, where=str(path))
    except InputError as exc:
        one_line(exc)


def check_file(path: Path, data: bytes, kind: str) -> None:
    path.write_bytes(data)
    if kind == "world":
        world_property(path)
    else:
        spec_property(path)


# ------------------------------------------------------------------ edits of valid files

REPLACEMENTS = [
    "1e308",
    "-1e308",
    "inf",
    "-inf",
    "nan",
    "-1",
    "0",
    "0.0",
    "-0.5",
    "1.5",
    "1000000",
    "2147483648",
    "99999999999999999999",
    "1000000000000",
    '"text"',
    '""',
    "[]",
    "[1, 2]",
    "true",
    "{}",
    "1979-05-27",
    # extremes that are in range for some field (found model limits: a denormal price)
    "5e-324",
    "1e-300",
    "1e-9",
    "0.001",
    "0.999999",
    "2",
    "3",
    "10",
    "100",
    "1e4",
    "1e9",
]
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
KEY = re.compile(r"^(\s*)([A-Za-z_][\w.\"-]*)(\s*=)")


def apply_edit(lines: list[str], op: str, at: int, pick: int, payload: str) -> list[str]:
    if not lines:
        return lines
    i = at % len(lines)
    line = lines[i]
    if op == "delete":
        return lines[:i] + lines[i + 1 :]
    if op == "duplicate":
        return lines[: i + 1] + lines[i:]
    if op == "number":
        hits = list(NUMBER.finditer(line))
        if not hits:
            return lines
        m = hits[pick % len(hits)]
        return [*lines[:i], line[: m.start()] + payload + line[m.end() :], *lines[i + 1 :]]
    if op == "key":
        m = KEY.match(line)
        if m is None:
            return lines
        keys = [k.group(2) for k in map(KEY.match, lines) if k is not None]
        new = keys[pick % len(keys)] if pick % 3 else payload
        return [*lines[:i], m.group(1) + new + line[m.end(2) :], *lines[i + 1 :]]
    return lines


edit = st.tuples(
    st.sampled_from(["delete", "duplicate", "number", "number", "number", "key"]),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.one_of(
        st.sampled_from(REPLACEMENTS),
        st.integers(-(2**70), 2**70).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
    ),
)


def edited(name: str, edits: list[tuple[str, int, int, str]]) -> bytes:
    lines = SOURCES[name].decode().splitlines(keepends=True)
    for op, at, pick, payload in edits:
        lines = apply_edit(lines, op, at, pick, payload)
    return "".join(lines).encode()


def run_edits(kind: str, names: list[str], max_examples: int, tmp: Path) -> None:
    @settings(FUZZ, max_examples=max_examples)
    @given(st.sampled_from(names), st.lists(edit, min_size=1, max_size=4))
    def prop(name: str, edits: list[tuple[str, int, int, str]]) -> None:
        check_file(tmp / f"edited-{kind}.toml", edited(name, edits), kind)

    prop()


def run_bytes(kind: str, names: list[str], max_examples: int, tmp: Path) -> None:
    @settings(FUZZ, max_examples=max_examples)
    @given(
        st.one_of(
            st.binary(max_size=2048),  # random bytes
            st.tuples(st.sampled_from(names), st.floats(0, 1)).map(  # truncations
                lambda t: SOURCES[t[0]][: int(len(SOURCES[t[0]]) * t[1])]
            ),
            st.tuples(  # byte flips
                st.sampled_from(names),
                st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=3),
            ).map(lambda t: flip(SOURCES[t[0]], t[1])),
        )
    )
    def prop(data: bytes) -> None:
        check_file(tmp / f"bytes-{kind}.toml", data, kind)

    prop()


def flip(data: bytes, flips: list[tuple[float, int]]) -> bytes:
    out = bytearray(data)
    for where, value in flips:
        out[min(int(where * len(out)), len(out) - 1)] = value
    return bytes(out)


@pytest.mark.parametrize("kind", ["world", "spec"])
def test_edits(kind: str, tmp_path: Path) -> None:
    names = WORLD_NAMES if kind == "world" else SPEC_NAMES
    run_edits(kind, names, 100, tmp_path)


@pytest.mark.parametrize("kind", ["world", "spec"])
def test_bytes_and_truncations(kind: str, tmp_path: Path) -> None:
    names = WORLD_NAMES if kind == "world" else SPEC_NAMES
    run_bytes(kind, names, 40, tmp_path)


#: Multiplies the slow variant's examples (``GPNLAB_FUZZ_SCALE=20 pytest -m slow tests/fuzz``
#: for a long run by hand; ``make test`` runs it at 1).
SCALE = int(os.environ.get("GPNLAB_FUZZ_SCALE", "1"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["world", "spec"])
def test_edits_long(kind: str, tmp_path: Path) -> None:
    names = WORLD_NAMES if kind == "world" else SPEC_NAMES
    run_edits(kind, names, 1000 * SCALE, tmp_path)
    run_bytes(kind, names, 400 * SCALE, tmp_path)


# ------------------------------------------------------------------ the committed corpus

CORPUS_FILES = sorted(p for p in CORPUS.iterdir() if p.name != "README")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_corpus(path: Path) -> None:
    world_property(path)
    spec_property(path)


def test_corpus_is_refused_or_loads() -> None:
    """The corpus holds what it says: every bad world file is refused at load."""
    ok = {"utf8_bom.toml"}  # a UTF-8 byte-order mark is allowed
    for p in CORPUS_FILES:
        if p.name.startswith("spec_"):
            continue
        if p.name in ok:
            load_world(p)
            continue
        with pytest.raises(InputError) as info:
            load_world(p)
        one_line(info.value)


CLI_CASES = ["binary.toml", "utf16_bom.toml", "folder.toml", "cycle.toml", "inf_wage.toml"]


def gpnlab_exe() -> list[str]:
    exe = Path(sys.executable).with_name("gpnlab")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("gpnlab")  # pragma: no cover - an install without the venv layout
    return [found] if found else [sys.executable, "-m", "gpnlab.cli"]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_refuses_bad_world_in_one_line(name: str, tmp_path: Path) -> None:
    out = tmp_path / "o"
    proc = subprocess.run(
        [*gpnlab_exe(), "simulate", str(CORPUS / name), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert name in lines[0]
    assert not out.exists()
