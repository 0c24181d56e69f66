"""Output folders are owned, not taken (docs/reliability.md, "gpnlab never deletes what it did
not write").

Every refusal test plants files of the user's (a thesis chapter, an SSH key, a marker file of
the user's own) and checks exit code 2, one ``error:`` line, and every planted file byte for
byte afterwards.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpnlab.cli import app
from gpnlab.io import write_own
from gpnlab.outdir import MARKER, atomic_dir, check_output, owned_files
from gpnlab.synthetic import random_table

runner = CliRunner()


def plant(folder: Path) -> dict[Path, bytes]:
    """Files of the user's in ``folder``; returns their bytes to compare with afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        folder / "chapter1.tex": b"\\chapter{Upgrading in GVCs}\n",
        folder / ".ssh" / "id_ed25519": b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
        folder / "results.csv": b"country,value\nCHN,1\n",
        folder / "my-marker.json": b'{"owner": "me"}\n',
    }
    for p, body in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body)
    return files


def intact(files: dict[Path, bytes]) -> bool:
    return all(p.is_file() and p.read_bytes() == body for p, body in files.items())


def one_error_line(result: object) -> str:
    text = result.stderr if hasattr(result, "stderr") else result.output  # type: ignore[attr-defined]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, text
    assert "Traceback" not in text
    return errors[0]


@pytest.fixture()
def table_dir(tmp_path: Path) -> Path:
    return write_own(random_table(3, 2, seed=4), tmp_path / "table")


def measure(table: Path, out: Path | str, *extra: str) -> object:
    return runner.invoke(app, ["measure", str(table), "--out", str(out), "--no-figures", *extra])


def test_measure_refuses_a_folder_of_the_users(table_dir: Path, tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    files = plant(thesis)
    before = sorted(p.name for p in thesis.iterdir())
    result = measure(table_dir, thesis)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "thesis" in line and "--overwrite" in line
    assert intact(files)
    assert sorted(p.name for p in thesis.iterdir()) == before
    assert not list(tmp_path.glob(".thesis*")), "no temporary folder left beside it"


def test_measure_refuses_the_working_directory_and_its_parent(
    table_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "project" / "analysis"
    files = plant(work) | plant(work.parent)
    monkeypatch.chdir(work)
    for out in (".", "..", "./"):
        result = measure(table_dir, out)
        assert result.exit_code == 2, (out, result.output)
        one_error_line(result)
    assert intact(files)


def test_measure_refuses_the_home_folder(
    table_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    files = plant(home)
    monkeypatch.setenv("HOME", str(home))
    result = measure(table_dir, "~")
    assert result.exit_code == 2
    one_error_line(result)
    assert intact(files)


def test_measure_refuses_a_file_and_the_root(table_dir: Path, tmp_path: Path) -> None:
    files = plant(tmp_path / "w")
    csv = tmp_path / "w" / "results.csv"
    for out in (csv, Path("/")):
        result = measure(table_dir, out)
        assert result.exit_code == 2
        line = one_error_line(result)
        assert "file" in line or "root" in line
    assert intact(files)
    assert csv.is_file()


def test_overwrite_adds_files_beside_the_users_and_deletes_none(
    table_dir: Path, tmp_path: Path
) -> None:
    thesis = tmp_path / "thesis"
    files = plant(thesis)
    for _ in range(2):  # the second run replaces gpnlab's own files only
        result = measure(table_dir, thesis, "--overwrite")
        assert result.exit_code == 0, result.output
        assert intact(files)
        assert (thesis / "country.csv").is_file()
    assert "country.csv" in owned_files(thesis, "measure")
    assert "chapter1.tex" not in owned_files(thesis, "measure")


def test_overwrite_never_replaces_a_same_named_file_of_the_users(
    table_dir: Path, tmp_path: Path
) -> None:
    thesis = tmp_path / "thesis"
    files = plant(thesis)
    (thesis / "country.csv").write_bytes(b"my own country table\n")
    files[thesis / "country.csv"] = b"my own country table\n"
    result = measure(table_dir, thesis, "--overwrite")
    assert result.exit_code == 2
    assert "country.csv" in one_error_line(result)
    assert intact(files)
    assert not (thesis / "kww.csv").exists(), "nothing moved before the refusal"
    assert not (thesis / MARKER).exists()


def test_rerun_replaces_own_output_whole_and_keeps_a_file_added_later(
    table_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "res"
    assert measure(table_dir, out).exit_code == 0
    marker = json.loads((out / MARKER).read_text())
    assert marker["command"] == "measure" and "country.csv" in marker["files"]
    stale = out / "wwz.parquet"  # written by an earlier run, not by the next
    assert measure(table_dir, out, "--wwz").exit_code == 0
    assert stale.is_file()
    assert measure(table_dir, out).exit_code == 0
    assert not stale.exists(), "gpnlab's own stale file is removed"
    note = out / "notes.txt"
    note.write_text("my notes on this run\n")
    assert measure(table_dir, out).exit_code == 0
    assert note.read_text() == "my notes on this run\n"
    assert (out / "country.csv").is_file()


def test_another_commands_folder_is_not_taken(table_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "res"
    assert measure(table_dir, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = runner.invoke(app, ["simulate", "--firms", "200", "--periods", "2", "--out", str(out)])
    assert result.exit_code == 2
    assert "gpnlab measure" in one_error_line(result)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_simulate_refuses_a_folder_of_the_users(tmp_path: Path) -> None:
    thesis = tmp_path / "thesis"
    files = plant(thesis)
    args = ["simulate", "--firms", "200", "--periods", "2", "--out", str(thesis)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    one_error_line(result)
    assert intact(files)
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.output
    assert intact(files) and (thesis / "panel.parquet").is_file()


def test_a_failure_while_writing_leaves_the_target_untouched(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "a.txt").write_text("old")
    from gpnlab.outdir import write_marker

    write_marker(out, "measure", ["a.txt"])
    with pytest.raises(RuntimeError), atomic_dir(out, command="measure") as tmp:
        (tmp / "a.txt").write_text("new")
        raise RuntimeError("boom")
    assert (out / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["res"], "temporary folder removed"


def test_the_temporary_folder_is_a_sibling_of_the_target(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "res"
    seen: list[Path] = []
    with atomic_dir(out, command="measure") as tmp:
        seen.append(tmp)
        (tmp / "x.txt").write_text("x")
    assert seen[0].parent == out.parent
    assert (out / "x.txt").read_text() == "x"


def test_disk_full_while_writing_is_one_line_and_writes_nothing(
    table_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pandas as pd

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "kww.csv")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "res"
    result = measure(table_dir, out)
    assert result.exit_code == 1
    assert "disk is full" in one_error_line(result)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["table"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_out_is_one_line(table_dir: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = measure(table_dir, locked / "res")
        assert result.exit_code == 2
        one_error_line(result)
    finally:
        locked.chmod(0o755)


def test_check_output_accepts_new_and_empty_folders(tmp_path: Path) -> None:
    assert check_output(tmp_path / "new" / "deeper", command="measure").name == "deeper"
    (tmp_path / "empty").mkdir()
    assert check_output(tmp_path / "empty", command="measure") == tmp_path / "empty"
