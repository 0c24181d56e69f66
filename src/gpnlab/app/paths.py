"""Files the app may open: only under ``--root``.

A path typed by a user is taken relative to the root (an absolute path is accepted only if it
lies under the root), resolved with every symlink followed (``Path.resolve(strict=True)``), and
refused with one line (:class:`gpnlab.errors.InputError`) when the resolved path is not the root
or below it: ``..`` components, absolute paths elsewhere and symlinks that point out of the root
are all caught by the same test on the resolved path.
"""

from __future__ import annotations

from pathlib import Path

from gpnlab.errors import InputError

MAX_NAME = 4096
"""Longest path text accepted (a longer one is refused before touching the file system)."""


def app_root(root: str | Path) -> Path:
    """The resolved root folder; refuses one that does not exist or is not a folder."""
    p = Path(root).expanduser()
    try:
        r = p.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError(
            "the root folder does not exist",
            where=str(root),
            field="--root",
            fix="give an existing folder with --root",
        ) from None
    if not r.is_dir():
        raise InputError(
            "the root is not a folder",
            where=str(root),
            field="--root",
            fix="give a folder with --root",
        )
    return r


def resolve_under(root: Path, text: str, *, field: str = "path") -> Path:
    """``text`` (relative to ``root``, or absolute under it) as a resolved, existing path under
    ``root``; anything else is refused with one line naming the field and the fix."""
    text = text.strip()
    fix = f"choose a file or folder under {root}"
    if not text or len(text) > MAX_NAME or "\x00" in text:
        raise InputError("no usable path given", where=text[:80] or "(empty)", field=field, fix=fix)
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        # a missing path is refused without saying whether it lies outside the root
        raise InputError("no such file or folder", where=text, field=field, fix=fix) from None
    if resolved != root and root not in resolved.parents:
        raise InputError(
            "the path is outside the app's root folder", where=text, field=field, fix=fix
        )
    return resolved


def relative(root: Path, path: Path) -> str:
    """``path`` as shown to the user: relative to the root, ``.`` for the root itself."""
    rel = path.relative_to(root).as_posix()
    return rel or "."


def find_under(root: Path, pattern: str, *, limit: int = 200) -> list[str]:
    """Paths under ``root`` matching the glob ``pattern`` (relative, sorted), skipping any that
    resolve outside the root (a symlink out of it) and hidden folders; at most ``limit``."""
    found: list[str] = []
    for p in sorted(root.glob(pattern)):
        if any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        try:
            r = p.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if r == root or root in r.parents:
            found.append(relative(root, p))
        if len(found) >= limit:
            break
    return found
