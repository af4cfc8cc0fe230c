"""Write a file all-or-nothing: into a temporary sibling, check it, then swap it into place.

A failure at any step leaves an existing file byte-identical and no temporary file behind. The new file keeps
the permissions of the one it replaces; a symlink stays a symlink (its target is replaced). Temporary files of
ours left by a killed run (older than an hour) are removed; a name too long for a temporary sibling is shortened
in the temporary name only.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import BadArgumentError, RenderError

Writer = Callable[[Path], None]
Verifier = Callable[[Path], None]

#: File names longer than this (in UTF-8 bytes) are shortened in the temporary name (NAME_MAX is 255).
_NAME_BYTES = 200
_STALE_SECONDS = 3600
_OURS = re.compile(r"^\.~.*\.[0-9a-f]{8}\.tmp(\.[^.]*)?$")


def _temp_stem(target: Path) -> str:
    stem = target.stem
    while len(stem.encode("utf-8")) > _NAME_BYTES:
        stem = stem[:-1]
    return stem


def clean_stale_temps(target: Path, now: float | None = None) -> list[Path]:
    """Remove temporary siblings of ``target`` that a killed run of ours left behind (our name pattern, older
    than an hour, so a build running right now in another process keeps its file). Returns what was removed."""
    now = time.time() if now is None else now
    prefix = f".~{_temp_stem(target)}."
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(prefix) and _OURS.match(entry.name)):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file() and not entry.is_symlink() and now - entry.stat().st_mtime > _STALE_SECONDS:
                entry.unlink()
                removed.append(entry)
    return removed


def _temp_sibling(target: Path) -> Path:
    """Create an empty, exclusive temporary file beside ``target`` (so os.replace stays on one file system).

    Created with mode 0o666 so the umask applies: the final file gets ordinary permissions (mkstemp's are
    0o600).
    The target's suffix is kept because some writers choose the file type from it.
    """
    for _ in range(100):
        temp = target.with_name(f".~{_temp_stem(target)}.{secrets.token_hex(4)}.tmp{target.suffix}")
        try:
            os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return temp
    raise RenderError(str(target), "could not create a temporary file beside it")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: Suffixes that name a file: a folder for chart images must not look like one.
_FILE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".svg", ".md", ".markdown", ".txt", ".text", ".html", ".htm",
                            ".xlsx", ".xlsm", ".xls", ".csv", ".pdf", ".json"})


def output_file(path: str | os.PathLike[str], suffixes: tuple[str, ...], what: str) -> Path:
    """Check ``path`` before anything is computed or written, the way ``build`` checks its ``--out``: not a
    folder, a suffix of ``suffixes`` (``what`` says why), and a folder that exists or can be created (a parent
    that is a file is named). Returns the path."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise RenderError(str(out), "is a folder, not a file")
    if out.suffix.lower() not in suffixes:
        raise BadArgumentError("--out", str(path), f"{what}: name it {' or '.join(suffixes)}")
    _make_folder(out.parent, out)
    return out


def output_folder(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check a folder to write files into (created later, by the writer): not named like a file
    (``charts.png``), and no file where it or one of its parents should be."""
    out = Path(path).expanduser()
    if out.suffix.lower() in _FILE_SUFFIXES and not out.is_dir():
        raise BadArgumentError(option, str(path), f"is the folder the chart images go into; a name ending in "
                               f"{out.suffix} looks like a file (try {out.with_suffix('')})")
    _no_file_in_the_way(out, out)
    return out


def _no_file_in_the_way(folder: Path, target: Path) -> None:
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise RenderError(str(target), f"cannot create the folder {folder}: {parent} is a file")


def _make_folder(folder: Path, target: Path) -> None:
    _no_file_in_the_way(folder, target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(str(target), f"cannot create the folder {folder}: {exc.strerror or exc}") from exc


def atomic_write(path: str | os.PathLike[str], writer: Writer, verify: Verifier | None = None) -> Path:
    """Call ``writer(temp)`` on a temporary file beside ``path``, then ``verify(temp)``, then move it onto
    ``path``.

    Any exception on the way is raised as :class:`RenderError` naming ``path`` (wrapping the original one)
    and the temporary file is removed. Returns the absolute target path.
    """
    named = Path(path).expanduser().absolute()
    target = named.resolve() if named.is_symlink() else named  # write through the link, keep the link
    if target.is_dir():
        raise RenderError(str(named), "is a folder, not a file")
    if not target.parent.is_dir():
        raise RenderError(str(named), f"folder {target.parent} does not exist")
    mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else None
    clean_stale_temps(target)
    try:
        temp = _temp_sibling(target)
    except OSError as exc:
        raise RenderError(str(named), f"cannot write in {target.parent}: {exc}") from exc
    try:
        writer(temp)
        if not temp.is_file() or temp.stat().st_size == 0:
            raise RenderError(str(target), "the writer produced an empty file")
        if verify is not None:
            verify(temp)
        if mode is not None:
            os.chmod(temp, mode)
        _fsync(temp)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if not isinstance(exc, Exception) or (isinstance(exc, RenderError) and exc.target == str(target)):
            raise
        if isinstance(exc, PermissionError):
            raise RenderError(str(target), f"permission denied (is the file open in Excel?): {exc}") from exc
        reason = str(exc) if isinstance(exc, RenderError) else f"{type(exc).__name__}: {exc}"
        raise RenderError(str(target), reason) from exc
    return named
