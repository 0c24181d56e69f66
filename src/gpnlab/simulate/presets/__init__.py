"""Shipped worlds (TOML files in this folder) and regimes (:data:`REGIMES`)."""

from __future__ import annotations

from importlib.resources import files

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
