"""One settings source for both sides of a workbook: the UDF server's formulas and the Refresh button's process.

The per-user file (``settings.json`` in the user config folder, or ``$MARKETREVIEW_SETTINGS``) holds ``source``,
``cache``, ``offline``, ``lang`` and ``credit`` (the chart images' 出所 for CSV data of unnamed
provenance). ``marketreview config`` and the Refresh button (from the workbook's
``xlwings.conf`` sheet) write it; every process reads it. Environment variables override it
(``MARKETREVIEW_SOURCE``, ``MARKETREVIEW_CACHE``, ``MARKETREVIEW_OFFLINE``, ``MARKETREVIEW_LANG``), as CI and
servers set them (``MARKETREVIEW_CACHE`` as before: the default cache file, per source). A bad value is refused
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

from .errors import BadArgumentError
from .types import Lang

KEYS = ("source", "cache", "offline", "lang", "credit")
ENVIRONMENT = {"source": "MARKETREVIEW_SOURCE", "cache": "MARKETREVIEW_CACHE", "offline": "MARKETREVIEW_OFFLINE",
               "lang": "MARKETREVIEW_LANG", "credit": "MARKETREVIEW_CREDIT"}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Settings:
    """What both processes run with. ``cache`` None: the default file for the source."""

    source: str = "auto"
    cache: str | None = None
    offline: bool = False
    lang: Lang = "ja"
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadArgumentError("settings", str(path), f"cannot be read: {exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BadArgumentError("settings", str(path), f"is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadArgumentError("settings", str(path), "must hold a JSON object")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise BadArgumentError("settings", str(path), f"has unknown keys {unknown} (known: {', '.join(KEYS)})")
    return {key: _value(key, value, str(path)) for key, value in data.items() if value is not None}


def load(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings in force: defaults, then the file, then the environment."""
    env = os.environ if environ is None else environ
    values = read_file(path)
    for key, variable in ENVIRONMENT.items():
        raw = env.get(variable, "")
        if not raw.strip():
            continue
        if key == "cache":
            # $MARKETREVIEW_CACHE keeps its meaning: the default file, with one sibling per demo/CSV source
            # (marketreview.app.cache_path_for); it overrides the file's choice
            values.pop("cache", None)
        else:
            values[key] = _value(key, raw, f"${variable}")
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
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(merged, out, indent=2, sort_keys=True)
                out.write("\n")
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    return replace(Settings(), **merged)


def stamp(path: Path | None = None) -> tuple[int, int, int] | None:
    """A cheap change marker for the file, None when absent: every save replaces the file (a new inode), and
    the modification time and size catch an editor that rewrites it in place."""
    try:
        info = (path or settings_path()).stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def describe(settings: Settings) -> dict[str, Any]:
    return asdict(settings)


__all__ = ["ENVIRONMENT", "KEYS", "Settings", "describe", "load", "read_file", "save", "settings_path", "stamp"]
