"""Write a file all-or-nothing: into a temporary sibling, check it, then swap it into place.

A failure at any step leaves an existing file byte-identical and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from ..errors import RenderError

Writer = Callable[[Path], None]
Verifier = Callable[[Path], None]


def _temp_sibling(target: Path) -> Path:
    """Create an empty, exclusive temporary file beside ``target`` (so os.replace stays on one file system).

    Created with mode 0o666 so the umask applies: the final file gets ordinary permissions (mkstemp's are
    0o600).
    The target's suffix is kept because some writers choose the file type from it.
    """
    for _ in range(100):
        temp = target.with_name(f".~{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
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


def atomic_write(path: str | os.PathLike[str], writer: Writer, verify: Verifier | None = None) -> Path:
    """Call ``writer(temp)`` on a temporary file beside ``path``, then ``verify(temp)``, then move it onto
    ``path``.

    Any exception on the way is raised as :class:`RenderError` naming ``path`` (wrapping the original one)
    and the temporary file is removed. Returns the absolute target path.
    """
    target = Path(path).expanduser().absolute()
    if target.is_dir():
        raise RenderError(str(target), "is a folder, not a file")
    if not target.parent.is_dir():
        raise RenderError(str(target), f"folder {target.parent} does not exist")
    try:
        temp = _temp_sibling(target)
    except OSError as exc:
        raise RenderError(str(target), f"cannot write in {target.parent}: {exc}") from exc
    try:
        writer(temp)
        if not temp.is_file() or temp.stat().st_size == 0:
            raise RenderError(str(target), "the writer produced an empty file")
        if verify is not None:
            verify(temp)
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
    return target
