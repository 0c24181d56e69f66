"""Errors raised on bad input (one line that names the file, the field and the fix) and on an
experiment that stopped early (the runs kept and how to resume)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad user input (a file, a table, a config).

    The message is one line: ``<where>: <what is wrong> (<field>); fix: <how to fix>``.
    The CLI prints it and exits with code 2.
    """

    def __init__(self, what: str, *, where: str = "input", field: str = "", fix: str = "") -> None:
        self.where = where
        self.what = what
        self.field = field
        self.fix = fix
        msg = f"{where}: {what}"
        if field:
            msg += f" (field {field})"
        if fix:
            msg += f"; fix: {fix}"
        super().__init__(msg.replace("\n", " "))


def read_toml(path: str | Path, *, what: str, field: str) -> dict[str, Any]:
    """Parse a TOML file; a missing file or bad syntax is an :class:`InputError`."""
    p = Path(path)
    try:
        return tomllib.loads(p.read_text())
    except FileNotFoundError as exc:
        raise InputError(
            f"{what} file not found", where=str(p), field=field, fix="check the path"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"not valid TOML ({exc})", where=str(p), field=field, fix="fix the TOML syntax"
        ) from exc


class ExperimentStopped(RuntimeError):
    """The experiment stopped early (interrupt, a dead worker, a full disk...).

    Every run committed before the stop is kept; running the same spec into the same folder
    resumes from there.
    """

    def __init__(self, reason: str, stored: int, total: int, out: Path) -> None:
        self.reason, self.stored, self.total, self.out = reason, stored, total, out
        super().__init__(
            f"{out}: experiment stopped ({reason}); {stored} of {total} runs are stored; "
            "run the same command again to resume"
        )
