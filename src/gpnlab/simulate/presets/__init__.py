"""Shipped worlds (TOML files in this folder) and regimes (:data:`REGIMES`)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from gpnlab.errors import InputError
from gpnlab.simulate.config import World, load_world


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in files(__package__).iterdir() if p.name.endswith(".toml"))


def load_preset(name: str) -> World:
    if name not in preset_names():
        raise InputError(
            f"unknown preset {name!r}",
            where="--preset",
            field="preset",
            fix=f"use one of {', '.join(preset_names())}",
        )
    return load_world(str(files(__package__) / f"{name}.toml"))


def write_preset_file(name: str, path: str | Path, *, overwrite: bool = False) -> Path:
    """Copy the shipped world ``name`` (its TOML text, comments included) to ``path``.

    Refuses (one line) an unknown preset, an existing file unless ``overwrite``, and a folder
    that does not exist; the file appears whole (written beside, then renamed)."""
    if name not in preset_names():
        load_preset(name)  # raises the one-line error with the names
    target = Path(path)
    if target.is_dir():
        raise InputError(
            "is a folder", where=str(target), field="--write-preset", fix="give a file name"
        )
    if target.exists() and not overwrite:
        raise InputError(
            "the file exists",
            where=str(target),
            field="--write-preset",
            fix="give a new file name, or --overwrite to replace it",
        )
    if not target.parent.is_dir():
        raise InputError(
            "its folder does not exist",
            where=str(target),
            field="--write-preset",
            fix="create the folder first or give another path",
        )
    text = (files(__package__) / f"{name}.toml").read_text(encoding="utf-8")
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
