"""The per-user settings file both sides of a workbook read: precedence, validation, atomic writes, and the
``marketreview config`` command that shows and changes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketreview import settings
from marketreview.app import open_engine
from marketreview.cli import main
from marketreview.errors import BadArgumentError
from marketreview.settings import Settings


@pytest.fixture
def path(_own_settings_file: Path) -> Path:
    return _own_settings_file


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch):
    for variable in settings.ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)


def test_defaults_without_a_file(path):
    assert not path.exists()
    assert settings.load() == Settings(source="auto", cache=None, offline=False, lang="ja")


def test_the_file_then_the_environment(path, monkeypatch):
    path.write_text(json.dumps({"source": "demo", "lang": "en", "offline": True, "cache": "/x/c.sqlite"}))
    assert settings.load() == Settings(source="demo", cache="/x/c.sqlite", offline=True, lang="en")
    monkeypatch.setenv("MARKETREVIEW_SOURCE", "yahoo")
    monkeypatch.setenv("MARKETREVIEW_OFFLINE", "0")
    assert settings.load() == Settings(source="yahoo", cache="/x/c.sqlite", offline=False, lang="en")
    # $MARKETREVIEW_CACHE names the cache file, as --cache does, overriding the file's
    monkeypatch.setenv("MARKETREVIEW_CACHE", "/env/prices.sqlite")
    assert settings.load().cache == "/env/prices.sqlite"


@pytest.mark.parametrize(("content", "words"), [
    ('{"lang": "fr"}', ["lang", "'fr'", "ja or en"]),
    ('{"offline": "maybe"}', ["offline", "'maybe'", "true or false"]),
    ('{"colour": "red"}', ["unknown keys", "colour"]),
    ("[1, 2]", ["JSON object"]),
    ("{not json", ["not valid JSON"]),
])
def test_a_bad_file_is_refused_naming_it(path, content, words):
    path.write_text(content)
    with pytest.raises(BadArgumentError) as caught:
        settings.load()
    for word in (*words, str(path)):
        assert word in str(caught.value)


def test_a_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("MARKETREVIEW_LANG", "de")
    with pytest.raises(BadArgumentError, match=r"\$MARKETREVIEW_LANG must be ja or en"):
        settings.load()


def test_save_merges_and_unsets(path):
    settings.save({"source": "demo", "lang": "en"})
    settings.save({"cache": "/c.sqlite", "lang": None})
    assert json.loads(path.read_text()) == {"cache": "/c.sqlite", "source": "demo"}
    assert not list(path.parent.glob(".settings-*"))  # the temporary file was moved into place
    with pytest.raises(BadArgumentError, match="colour"):
        settings.save({"colour": "red"})


def test_open_engine_follows_the_settings(tmp_path):
    settings.save({"source": "demo", "cache": str(tmp_path / "s.sqlite"), "offline": True})
    engine = open_engine()
    try:
        assert engine.is_demo and engine.offline and engine.cache.path == tmp_path / "s.sqlite"
    finally:
        engine.cache.close()


def test_config_command_writes_and_shows(path, capsys, monkeypatch):
    assert main(["config", "--source", "demo", "--lang", "en", "--offline", "true"]) == 0
    assert settings.read_file(path) == {"source": "demo", "lang": "en", "offline": True}
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == f"settings file: {path}"
    assert "source = demo  (file)" in shown and "cache =   (default)" in shown
    monkeypatch.setenv("MARKETREVIEW_LANG", "ja")
    assert main(["config", "--unset", "offline"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert "lang = ja  ($MARKETREVIEW_LANG)" in shown and "offline = False  (default)" in shown
    assert main(["config", "--source", " "]) == 2
    assert "source" in capsys.readouterr().err
