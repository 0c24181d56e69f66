"""Errors raised on bad input: one line that names the file, the field and the fix."""

from __future__ import annotations


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
