"""The symbol map refuses, at load, a map that would silently merge or drop securities (issue 10, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketreview import cli
from marketreview.errors import DataFormatError
from marketreview.symbols import SymbolMap

HEADER = "alias,tickers,group,calendar,label_en,label_ja,short_en,short_ja\n"


def write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "my_symbols.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_two_mag7_members_on_one_ticker_is_an_error_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, "AAPL,MSFT,mag7,XNYS,Apple,アップル,Apple,アップル\n")
    with pytest.raises(DataFormatError) as caught:
        SymbolMap.default().with_overrides(path)
    message = str(caught.value)
    assert str(path) in message and "group MAG7: AAPL and MSFT both map to ticker MSFT" in message


def test_a_fallback_shared_by_two_members_is_an_error_too(tmp_path: Path) -> None:
    path = write(tmp_path, "TSLA,TSLA|NVDA,mag7,XNYS,Tesla,テスラ,Tesla,テスラ\n")
    with pytest.raises(DataFormatError, match="NVDA and TSLA both map to ticker NVDA"):
        SymbolMap.default().with_overrides(path)


def test_a_duplicate_alias_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "MYIDX,^GSPC,,XNYS,One,One,One,One\nmyidx,^DJI,,XNYS,Two,Two,Two,Two\n")
    with pytest.raises(DataFormatError) as caught:
        SymbolMap.default().with_overrides(path)
    assert f"{path}:3" in str(caught.value) and "duplicate alias myidx (first on line 2)" in str(caught.value)


def test_overriding_a_default_row_once_still_works(tmp_path: Path) -> None:
    path = write(tmp_path, "SP500,^SPX,us_indices,XNYS,S&P 500,S&P500,S&P 500,SP500\n")
    assert SymbolMap.default().with_overrides(path).resolve("SP500").ticker == "^SPX"


def test_the_default_map_loads_and_mag7_is_seven_securities() -> None:
    members = SymbolMap.default().group("MAG7")
    assert len({m.ticker for m in members}) == 7


def test_the_cli_refuses_such_a_map_with_a_clean_message(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "AAPL,MSFT,mag7,XNYS,Apple,アップル,Apple,アップル\n")
    code = cli.main(["call", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"), "--symbol-map", str(path),
                     "MAG7SHARE", "2024-12-27"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR and "both map to ticker MSFT" in err and "Traceback" not in err
