"""One meaning of the cache setting (issue 20): ``--cache FILE`` and ``$MARKETREVIEW_CACHE=FILE`` name the same file,
for every source; sources stay apart inside it (its rows are keyed by source). ``marketreview config`` shows the
file in use. The demo source is offline and synthetic, so nothing here touches the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marketreview import cli
from marketreview.app import open_engine
from marketreview.cache import Cache


@pytest.mark.parametrize("spec", ["demo", "auto", "yahoo"])
def test_the_environment_names_the_file_itself(tmp_path, monkeypatch, spec):
    cache = tmp_path / "mine.sqlite"
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(cache))
    engine = open_engine(spec)
    try:
        assert engine.cache.path == cache
    finally:
        engine.cache.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".sqlite") == ["mine.sqlite"]


def test_a_fetch_with_cache_is_read_through_the_environment(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "shared.sqlite"
    assert cli.main(["fetch", "--source", "demo", "--cache", str(cache), "SP500"]) == 0
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(cache))
    capsys.readouterr()
    assert cli.main(["call", "--source", "demo", "--offline", "CLOSE", "SP500", "2025-10-31"]) == 0
    shown = capsys.readouterr().out.strip()
    with Cache(cache) as opened:
        assert opened.info("^GSPC", "demo") is not None  # the demo's rows, in the one file, under its own key
        close = opened.read(["^GSPC"], source="demo")[("close", "^GSPC")].loc["2025-10-31"]
    assert float(shown) == pytest.approx(float(close), rel=1e-12)


def test_config_shows_the_file_in_use(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "env.sqlite"))
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert f"cache = {tmp_path / 'env.sqlite'}  ($MARKETREVIEW_CACHE)" in out
    assert f"cache file in use: {tmp_path / 'env.sqlite'}" in out
    monkeypatch.delenv("MARKETREVIEW_CACHE")
    assert cli.main(["config", "--cache", str(tmp_path / "file.sqlite")]) == 0
    assert f"cache file in use: {Path(tmp_path / 'file.sqlite')}" in capsys.readouterr().out
