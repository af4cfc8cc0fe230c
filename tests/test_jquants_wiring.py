"""The J-Quants key as a user setting (file, environment, ``marketreview config``; shown masked) and the router
that sends TOPIX to J-Quants only when a key is set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marketreview import settings
from marketreview.app import open_engine
from marketreview.cli import main
from marketreview.errors import BadArgumentError
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.jquants import JQuantsSource
from marketreview.sources.router import router_from_spec
from marketreview.sources.yahoo import YahooSource


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (*settings.ENVIRONMENT.values(), settings.JQUANTS_CLIENT_VARIABLE):
        monkeypatch.delenv(variable, raising=False)


def test_config_stores_the_key_in_the_user_file_and_shows_it_masked(_own_settings_file: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--jquants-key", "abcdefgh12345678wxyz"]) == 0
    shown = capsys.readouterr().out
    assert "jquants_key = …wxyz  (file)" in shown
    assert "abcdefgh" not in shown
    assert json.loads(_own_settings_file.read_text(encoding="utf-8"))["jquants_key"] == "abcdefgh12345678wxyz"
    assert settings.load().jquants_key == "abcdefgh12345678wxyz"
    assert main(["config", "--unset", "jquants_key"]) == 0
    assert settings.load().jquants_key is None


def test_environment_variables_serve_the_key(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("JQUANTS_API_KEY", "from-the-official-client")
    assert settings.load().jquants_key == "from-the-official-client"
    assert main(["config"]) == 0
    assert "jquants_key = …ient  ($JQUANTS_API_KEY)" in capsys.readouterr().out
    monkeypatch.setenv("MARKETREVIEW_JQUANTS_KEY", "ours-wins")
    assert settings.load().jquants_key == "ours-wins"


def test_a_key_with_spaces_is_refused_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKETREVIEW_JQUANTS_KEY", "two words")
    with pytest.raises(BadArgumentError) as caught:
        settings.load()
    assert "MARKETREVIEW_JQUANTS_KEY" in str(caught.value) and "two words" not in str(caught.value)


@pytest.mark.parametrize("spec", ["auto", "yahoo"])
def test_with_a_key_topix_goes_to_jquants_and_the_etf_stays_on_yahoo(spec: str) -> None:
    router = router_from_spec(spec, jquants_key="k")
    assert isinstance(router.route("^TOPX"), JQuantsSource)
    assert isinstance(router.route("1306.T"), YahooSource)
    assert not any(isinstance(s, JQuantsSource) for s in router_from_spec(spec).sources)


def test_a_csv_folder_keeps_its_own_topix(tmp_path: Path) -> None:
    router = router_from_spec(f"csv:{tmp_path}", jquants_key="k")
    assert isinstance(router.route("^TOPX"), CsvDirSource)


def test_open_engine_passes_the_setting_to_the_router(tmp_path: Path) -> None:
    settings.save({"jquants_key": "k-from-settings"})
    engine = open_engine("auto", cache_path=tmp_path / "c.sqlite")
    try:
        assert isinstance(engine.router.route("^TOPX"), JQuantsSource)
    finally:
        engine.cache.close()
