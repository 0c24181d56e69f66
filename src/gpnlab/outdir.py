"""Output folders gpnlab owns: it writes only into a folder that is new, empty, or one the same
command wrote before, and it never deletes a file it did not write.

Ownership is a marker file, :data:`MARKER` (``.gpnlab-output.json``), that gpnlab leaves in
every output folder: the command, the gpnlab version and the files it wrote. Rules
(docs/reliability.md):

* a path that is a file, the filesystem root, or a folder holding anything without a marker of
  the same command is refused with one line (:class:`~gpnlab.errors.InputError`, exit 2);
* ``--overwrite`` lets gpnlab write into such a folder, but still never deletes or replaces a
  file it did not write: a name clash with a user's file is refused before anything moves;
* replacing its own output is atomic: the new files are written into a hidden temporary folder
  beside the target (same parent, never at the root), then renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gpnlab import __version__
from gpnlab.errors import InputError

MARKER = ".gpnlab-output.json"


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of ``folder`` if it is one gpnlab wrote, else None."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("tool") != "gpnlab":
        return None
    files = data.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return data


def owned_files(folder: Path, command: str) -> set[str]:
    """Relative paths that ``command`` wrote into ``folder`` (empty if it does not own it)."""
    data = read_marker(folder)
    if data is None or data.get("command") != command:
        return set()
    return {f for f in data["files"] if _safe_relative(f)}


def _safe_relative(name: str) -> bool:
    p = Path(name)
    return not p.is_absolute() and ".." not in p.parts and name not in ("", ".")


def _refuse(out: Path, what: str, fix: str, field: str) -> InputError:
    return InputError(what, where=str(out), field=field, fix=fix)


def refuse_clash(folder: Path, clash: list[str], *, fix: str, field: str = "--out") -> None:
    """Refuse (one line) when ``clash`` -- files of the user's that a command would replace --
    is not empty; nothing has moved yet when this is called."""
    if clash:
        raise _refuse(
            folder,
            f"{clash[0]} exists and gpnlab did not write it"
            + (f" (and {len(clash) - 1} more)" if len(clash) > 1 else ""),
            fix,
            field,
        )


def check_output(
    out: str | os.PathLike[str], *, command: str, overwrite: bool = False, field: str = "--out"
) -> Path:
    """Check that ``command`` may write into ``out``; returns the absolute path.

    Refuses a file, the filesystem root, a folder that is not writable, and a non-empty folder
    that ``command`` did not write (unless ``overwrite``). Creates nothing.
    """
    given = Path(out).expanduser()
    path = Path(os.path.abspath(given))
    fix_elsewhere = "give --out a new or empty folder"
    if path.parent == path:
        raise _refuse(given, "the filesystem root cannot be an output folder", fix_elsewhere, field)
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            raise _refuse(given, "is a file, not a folder", fix_elsewhere, field)
        try:
            entries = [e.name for e in os.scandir(path)]
        except OSError as exc:
            raise _refuse(
                given, f"cannot list the folder ({exc.strerror})", fix_elsewhere, field
            ) from None
        mine = read_marker(path)
        if entries and not overwrite:
            if mine is None:
                raise _refuse(
                    given,
                    f"folder holds {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} "
                    "gpnlab did not write",
                    f"{fix_elsewhere}, or --overwrite to add gpnlab's files beside them "
                    "(nothing of yours is deleted)",
                    field,
                )
            if mine.get("command") != command:
                raise _refuse(
                    given,
                    f"folder holds the output of `gpnlab {mine.get('command')}`, not of "
                    f"`gpnlab {command}`",
                    f"{fix_elsewhere}, or --overwrite to add files beside it",
                    field,
                )
        if not os.access(path, os.W_OK | os.X_OK):
            raise _refuse(given, "folder is not writable", fix_elsewhere, field)
    else:
        parent = _existing_ancestor(path)
        if not parent.is_dir():
            raise _refuse(given, f"{parent} is a file, not a folder", fix_elsewhere, field)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise _refuse(given, f"cannot create a folder in {parent}", fix_elsewhere, field)
    return path


def _existing_ancestor(path: Path) -> Path:
    p = path.parent
    while not p.exists() and p.parent != p:
        p = p.parent
    return p


def write_marker(folder: Path, command: str, files: Iterable[str]) -> None:
    """Write (atomically) ``folder``'s marker listing ``files`` (relative paths)."""
    body = {
        "tool": "gpnlab",
        "command": command,
        "gpnlab_version": __version__,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": sorted(set(files) - {MARKER}),
    }
    tmp = folder / f".{MARKER}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def claim_folder(out: str | os.PathLike[str], *, command: str, overwrite: bool = False) -> Path:
    """Check ``out`` (:func:`check_output`), create it and leave the marker; for commands that
    write into their folder over time (experiments). Returns the absolute path."""
    path = check_output(out, command=command, overwrite=overwrite)
    try:
        path.mkdir(parents=True, exist_ok=True)
        write_marker(path, command, owned_files(path, command))
    except OSError as exc:
        raise _refuse(
            Path(out), f"cannot write the folder ({exc.strerror})", "choose another --out", "--out"
        ) from None
    return path


def record_files(folder: Path, command: str, names: Iterable[str]) -> None:
    """Add ``names`` to the files ``command`` owns in ``folder``."""
    write_marker(folder, command, owned_files(folder, command) | set(names))


@contextmanager
def staged_files(folder: Path, command: str, *, field: str = "--out") -> Iterator[Path]:
    """Yield a hidden staging folder inside ``folder``; when the block succeeds, move each
    file written there into ``folder`` (one rename each) and record them as ``command``'s.

    A file that exists in ``folder`` and that ``command`` did not write is never replaced: the
    clash is refused, before anything moves. On error the staging folder is removed.
    """
    try:
        stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
    except OSError as exc:
        raise _refuse(
            folder, f"cannot write in the folder ({exc.strerror})", "check its permissions", field
        ) from None
    try:
        yield stage
        new = _tree(stage)
        mine = owned_files(folder, command)
        clash = [n for n in new if (folder / n).exists() and n not in mine]
        refuse_clash(folder, clash, fix="move it away; gpnlab never replaces a file of yours",
                     field=field)  # fmt: skip
        for name in new:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, folder / name)
        record_files(folder, command, new)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _tree(folder: Path) -> list[str]:
    """Relative paths of the files under ``folder``."""
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink()
    )


@contextmanager
def atomic_dir(
    target: str | os.PathLike[str], *, command: str, overwrite: bool = False
) -> Iterator[Path]:
    """Yield a temporary folder whose files become ``target``'s when the block succeeds.

    The temporary folder is a hidden sibling of ``target``. When ``target`` is new, empty, or
    holds only files this command wrote, the folder is swapped in whole (rename); otherwise
    (``overwrite`` into a folder with files of the user's) each new file is renamed into
    place, the command's old files that the new run did not write are removed, and a file of
    the user's with the same name as a new one is refused before anything moves. On error the
    temporary folder is removed and ``target`` is untouched.
    """
    final = check_output(target, command=command, overwrite=overwrite)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    except OSError as exc:
        raise _refuse(
            Path(target),
            f"cannot write beside the folder ({exc.strerror})",
            "choose another --out",
            "--out",
        ) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    try:
        yield tmp
        new = _tree(tmp)
        write_marker(tmp, command, new)
        _commit(tmp, final, command, new, Path(target))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _commit(tmp: Path, final: Path, command: str, new: list[str], given: Path) -> None:
    if not final.exists():
        os.replace(tmp, final)
        return
    old = owned_files(final, command)
    present = [n for n in _tree(final) if n != MARKER]
    if not present and not any(final.iterdir()):
        os.replace(tmp, final)  # an empty folder is replaced by the rename
        return
    if set(present) <= old:  # only our own files: swap the whole folder
        aside = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, aside)
        os.replace(tmp, final)
        shutil.rmtree(aside, ignore_errors=True)
        return
    clash = sorted(n for n in new if n in present and n not in old)
    refuse_clash(given, clash, fix="move it away or give --out another folder")
    _merge(tmp, final, new, old)


def _merge(tmp: Path, final: Path, new: list[str], old: set[str]) -> None:
    """Move the new files into ``final`` one by one; drop our old files the new run lacks."""
    for name in new:
        dest = final / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / name, dest)
    for name in sorted(old - set(new)):
        p = final / name
        if p.is_file() and not p.is_symlink():
            p.unlink()
    write_marker(final, command_of(tmp), new)
    shutil.rmtree(tmp, ignore_errors=True)


def command_of(folder: Path) -> str:
    data = read_marker(folder)
    return str(data.get("command")) if data else "unknown"
