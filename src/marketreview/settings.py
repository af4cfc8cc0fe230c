"""One settings source for both sides of a workbook: the UDF server's formulas and the Refresh button's process.

The per-user file (``settings.json`` in the user config folder, or ``$MARKETREVIEW_SETTINGS``) holds ``source``,
``cache``, ``offline``, ``lang`` and ``credit`` (the chart images' 出所 for CSV data of unnamed
provenance). ``marketreview config`` and the Refresh button (from the workbook's
``xlwings.conf`` sheet) write it; every process reads it. Environment variables override it
(``MARKETREVIEW_SOURCE``, ``MARKETREVIEW_CACHE``, ``MARKETREVIEW_OFFLINE``, ``MARKETREVIEW_LANG``), as CI and
servers set them (``MARKETREVIEW_CACHE``: the cache file, the same one ``--cache`` names). A bad value is refused
with the file or variable it came from, never ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .errors import BadArgumentError, SettingsError
from .types import Lang

KEYS = ("source", "cache", "offline", "lang", "jquants_key", "credit")
ENVIRONMENT = {"source": "MARKETREVIEW_SOURCE", "cache": "MARKETREVIEW_CACHE", "offline": "MARKETREVIEW_OFFLINE",
               "lang": "MARKETREVIEW_LANG", "jquants_key": "MARKETREVIEW_JQUANTS_KEY", "credit": "MARKETREVIEW_CREDIT"}
#: J-Quants' own client reads its key from this variable; it serves when MARKETREVIEW_JQUANTS_KEY is not set.
JQUANTS_CLIENT_VARIABLE = "JQUANTS_API_KEY"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Settings:
    """What both processes run with. ``cache`` None: the default file for the source."""

    source: str = "auto"
    cache: str | None = None
    offline: bool = False
    lang: Lang = "ja"
    #: the J-Quants API key that serves TOPIX itself (never stored in a workbook or the repository)
    jquants_key: str | None = None
    #: who the chart images' 出所 line names for CSV data whose index.csv has no source column
    credit: str | None = None


def settings_path() -> Path:
    """``$MARKETREVIEW_SETTINGS``, else ``settings.json`` in the user's config folder."""
    override = os.environ.get("MARKETREVIEW_SETTINGS", "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("marketreview")) / "settings.json"


def _value(key: str, raw: Any, where: str) -> Any:
    if key == "offline":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise BadArgumentError(key, raw, f"in {where} must be true or false")
    if key == "lang":
        text = str(raw).strip().lower()
        if text not in ("ja", "en"):
            raise BadArgumentError(key, raw, f"in {where} must be ja or en")
        return text
    if key == "jquants_key":
        text = str(raw).strip()
        if text and (len(text) > 512 or any(c.isspace() or not c.isprintable() for c in text)):
            raise BadArgumentError(key, "(hidden)", f"in {where} is not an API key (spaces or control characters)")
        return text or None
    if key == "source":
        text = str(raw).strip()
        if not text:
            raise BadArgumentError(key, raw, f"in {where} is empty")
        return text
    text = str(raw).strip()
    return text or None


def read_file(path: Path | None = None) -> dict[str, Any]:
    """The file's settings (validated), without the environment; ``{}`` when there is no file."""
    path = path or settings_path()
    text = _read_text(path)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SettingsError(path, f"is not valid JSON: {exc}; {_FIX}") from None
    if not isinstance(data, dict):
        raise SettingsError(path, f"must hold a JSON object; {_FIX}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise SettingsError(path, f"has unknown keys {unknown} (known: {', '.join(KEYS)})")
    return {key: _value(key, value, str(path)) for key, value in data.items() if value is not None}


def load(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in force: defaults, then the file, then the environment."""
    env = os.environ if environ is None else environ
    values = read_file(path)
    for key, variable in ENVIRONMENT.items():
        raw = env.get(variable, "")
        if not raw.strip():
            continue
        values[key] = _value(key, raw, f"${variable}")
    if "jquants_key" not in values and env.get(JQUANTS_CLIENT_VARIABLE, "").strip():
        values["jquants_key"] = _value("jquants_key", env[JQUANTS_CLIENT_VARIABLE], f"${JQUANTS_CLIENT_VARIABLE}")
    return replace(Settings(), **values)


def save(changes: Mapping[str, Any], path: Path | None = None) -> Settings:
    """Merge ``changes`` (``None`` removes a key) into the file, atomically, and return the file's settings
    (without the environment). Unchanged content leaves the file untouched."""
    path = path or settings_path()
    current = read_file(path)
    unknown = sorted(set(changes) - set(KEYS))
    if unknown:
        raise BadArgumentError("settings", unknown, f"unknown keys (known: {', '.join(KEYS)})")
    merged = dict(current)
    for key, raw in changes.items():
        if raw is None:
            merged.pop(key, None)
        else:
            value = _value(key, raw, "the new settings")
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
    if merged != current or not path.exists():
        _write(path, merged)
    return replace(Settings(), **merged)


def reset(path: Path | None = None) -> Path:
    """Replace the settings file, whatever it holds (even a damaged one), with the defaults."""
    path = path or settings_path()
    _write(path, {})
    return path


#: What to do about a settings file that cannot be used.
_FIX = "run `marketreview config --reset` to start again from the defaults"


def _read_text(path: Path) -> str | None:
    """The file's text as Notepad and editors save it (UTF-8 with or without a BOM, UTF-16 with a BOM);
    None when there is no file. Anything else is a :class:`SettingsError` naming the file and the fix."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no such file (its parent may be a file: saving says so)
        return None
    except OSError as exc:
        raise SettingsError(path, f"cannot be read ({exc.strerror or exc}); {_FIX}") from None
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(path, f"is not UTF-8 or UTF-16 text (byte 0x{data[exc.start:exc.start + 1].hex()} "
                            f"at offset {exc.start}); {_FIX}") from None


def _write(path: Path, values: Mapping[str, Any]) -> None:
    """Write ``values`` as the file, atomically; a folder that cannot be written is a SettingsError naming it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
    except OSError as exc:
        raise SettingsError(path, f"cannot be written: the folder {path.parent} is not writable "
                            f"({exc.strerror or exc}); set $MARKETREVIEW_SETTINGS to a file in a folder you can "
                            "write") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(values, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def stamp(path: Path | None = None) -> tuple[int, int, int] | None:
    """A cheap change marker for the file, None when absent: every save replaces the file (a new inode), and
    the modification time and size catch an editor that rewrites it in place."""
    try:
        info = (path or settings_path()).stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def describe(settings: Settings) -> dict[str, Any]:
    """The settings to show: an API key only by its last four characters."""
    shown = asdict(settings)
    if settings.jquants_key:
        shown["jquants_key"] = "…" + settings.jquants_key[-4:]
    return shown


__all__ = ["ENVIRONMENT", "KEYS", "Settings", "describe", "load", "read_file", "reset", "save", "settings_path",
           "stamp"]
