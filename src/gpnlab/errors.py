"""Errors raised on bad input (one line that names the file, the field and the fix) and on an
experiment that stopped early (the runs kept and how to resume)."""

from __future__ import annotations

import stat
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


#: Largest TOML file read (bytes). A world or a spec is a few KiB (the shipped default world
#: is 9 KiB); anything this large is not a config and is refused before it is read.
MAX_TOML_BYTES = 16 * 2**20

_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32 byte-order mark"),
    (b"\xff\xfe\x00\x00", "UTF-32 byte-order mark"),
    (b"\xfe\xff", "UTF-16 byte-order mark"),
    (b"\xff\xfe", "UTF-16 byte-order mark"),
)


def _nul_kind(raw: bytes) -> str:
    """What a byte string with NUL bytes is: UTF-16 text (NULs in every other byte of ASCII
    text) or binary data."""
    head = raw[:4096]
    even, odd = head[0::2], head[1::2]
    for half in (even, odd):
        if half and half.count(0) > 0.9 * len(half):
            return "UTF-16 text without a byte-order mark (NUL in every other byte)"
    return f"binary data (NUL byte at byte {raw.index(0)})"


def _toml_text(raw: bytes) -> tuple[str | None, str]:
    """``raw`` decoded as UTF-8 (a UTF-8 byte-order mark is dropped), or ``(None, found)``
    naming what was found instead."""
    for bom, found in _BOMS:
        if raw.startswith(bom):
            return None, found
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if 0 in raw:
        return None, _nul_kind(raw)
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return None, f"a byte that is not UTF-8 at byte {exc.start}"


def read_toml(path: str | Path, *, what: str, field: str) -> dict[str, Any]:
    """Parse a TOML file; every way the file can be unreadable is an :class:`InputError`.

    A missing file, a folder, an unreadable file (permissions), something that is not a
    regular file (a FIFO or a device: reading it could block), a file over
    :data:`MAX_TOML_BYTES`, text that is not UTF-8 (TOML 1.0 requires UTF-8; the message says
    what was found: a UTF-16/32 byte-order mark, binary data, or the first offending byte) and
    bad TOML syntax each give one line naming the file.
    """
    p = Path(path)

    def fail(msg: str, fix: str) -> InputError:
        return InputError(msg, where=str(p), field=field, fix=fix)

    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise fail(f"{what} is a folder, not a file", f"give the path of a {what} TOML file")
        if not stat.S_ISREG(st.st_mode):
            raise fail(f"{what} is not a regular file", f"give the path of a {what} TOML file")
        if st.st_size > MAX_TOML_BYTES:
            raise fail(
                f"{what} file is {st.st_size:,} bytes, more than the {MAX_TOML_BYTES:,} a "
                "TOML config may have",
                f"give the {what} TOML file, not a data file",
            )
        with p.open("rb") as fh:
            raw = fh.read(MAX_TOML_BYTES + 1)
    except InputError:
        raise
    except FileNotFoundError as exc:
        raise fail(f"{what} file not found", "check the path") from exc
    except IsADirectoryError as exc:
        raise fail(
            f"{what} is a folder, not a file", f"give the path of a {what} TOML file"
        ) from exc
    except PermissionError as exc:
        raise fail(
            f"{what} file cannot be read (permission denied)", "check its permissions"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise fail(f"{what} file cannot be read ({reason})", "check the path") from exc
    except ValueError as exc:  # e.g. a NUL character in the path
        raise fail(f"not a valid path ({exc})", "check the path") from exc
    text, found = _toml_text(raw)
    if text is None:
        raise fail(
            f"{what} file is not UTF-8 text: expected UTF-8, found {found}",
            "save the file as UTF-8 TOML",
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"not valid TOML ({exc})", "fix the TOML syntax") from exc
    except RecursionError as exc:
        raise fail("not valid TOML (nested too deeply)", "fix the TOML syntax") from exc


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
