"""Reading users' text files (CSV folders, index.csv, symbol maps) in the encodings Excel really saves.

The encoding is detected, never guessed silently, in this strict order:

1. a byte-order mark: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE/BE (Excel's "Unicode text");
2. UTF-16 without a mark, recognised by its zero bytes in every other position;
3. UTF-8 (ASCII included), decoded strictly;
4. cp932, the Shift-JIS that Japanese Excel writes for "CSV (comma delimited)", decoded strictly.

Anything else (Latin-1, other code pages, binary files) is a :class:`~marketreview.errors.DataFormatError` that
names the file, the offending byte and its position, and asks for UTF-8. The encoding used is returned so that
callers can say how a file was read.
"""

from __future__ import annotations

import codecs
import hashlib
import time
from pathlib import Path

from .errors import DataFormatError

__all__ = ["ENCODINGS", "decode", "read_text", "revision"]

#: The encodings :func:`decode` accepts, in the order it tries them.
ENCODINGS = ("utf-8-sig", "utf-16", "utf-8", "cp932")


def decode(data: bytes, where: str) -> tuple[str, str]:
    """``(text, encoding)`` for the bytes of a text file; see the module docstring for the order."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8):], "utf-8", where), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", where), "utf-16"
    if b"\x00" in data:
        zeros_odd = data[1::2].count(0)
        zeros_even = data[0::2].count(0)
        half = len(data) // 2
        if half and zeros_odd >= 0.4 * half and zeros_even == 0:
            return _strict(data, "utf-16-le", where), "utf-16-le"
        if half and zeros_even >= 0.4 * half and zeros_odd == 0:
            return _strict(data, "utf-16-be", where), "utf-16-be"
        raise DataFormatError(where, f"is not a text file (a NUL byte at offset {data.index(0)})")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex()
        raise DataFormatError(where, f"cannot tell its encoding: it is not UTF-8, UTF-16 or Shift-JIS (cp932) "
                              f"(byte 0x{bad} at offset {exc.start}); save it as \"CSV UTF-8\"") from None


def read_text(path: Path, what: str = "") -> tuple[str, str]:
    """``(text, encoding)`` of the file at ``path``; a missing or unreadable file is a DataFormatError."""
    where = f"{what} {path}".strip()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(where, "file not found") from None
    except OSError as exc:
        raise DataFormatError(where, f"cannot be read ({exc.strerror or exc})") from None
    return decode(data, where)


#: A file's content digest by (path, inode, size, mtime, ctime): a file whose status is unchanged is not read again.
_DIGESTS: dict[tuple[str, int, int, int, int], bytes] = {}
#: A status younger than this may hide a same-size rewrite within the file system's time resolution: read it.
_RACY_SECONDS = 2.0


def revision(paths: list[Path]) -> str:
    """A fingerprint of files' names, sizes, modification times and contents: it changes when any does. An
    unchanged file costs one ``stat`` (its content digest is remembered), except within two seconds of its last
    change, when it is read again (an edit in the same clock tick keeps size and mtime)."""
    digest = hashlib.sha256()
    now = time.time()
    for path in paths:
        try:
            status = path.stat()
            key = (str(path), status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
            content = _DIGESTS.get(key)
            if content is None or now - max(status.st_mtime_ns, status.st_ctime_ns) / 1e9 < _RACY_SECONDS:
                content = hashlib.sha256(path.read_bytes()).digest()
                if len(_DIGESTS) > 4096:
                    _DIGESTS.clear()
                _DIGESTS[key] = content
        except OSError as exc:
            digest.update(f"{path.name}:unreadable:{exc.errno}".encode())
            continue
        digest.update(f"{path.name}:{status.st_size}:{status.st_mtime_ns}:".encode())
        digest.update(content)
    return digest.hexdigest()


def _strict(data: bytes, encoding: str, where: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataFormatError(where, f"is not valid {encoding.upper()} (byte 0x{data[exc.start:exc.start + 1].hex()} "
                              f"at offset {exc.start})") from None
    return text.lstrip("\ufeff")
