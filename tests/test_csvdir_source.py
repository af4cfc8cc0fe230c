"""CsvDirSource: folders built in tmp_path (index.csv and plain names, bad files) and the real folder."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from marketreview.errors import BadArgumentError, DataError, DataFormatError, SymbolNotFoundError
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.fundamentals import DUPLICATE_CLASSES

D = dt.date


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


INDEXED = {
    "index.csv": "file,symbol,kind,adjusted,notes\n"
                 "SPX.csv,^GSPC,index,no,S&P 500\n"
                 "AAPL.csv,AAPL,stock,no,raw\n"
                 "AAPL_adj.csv,AAPL,stock,yes,adjusted\n"
                 "GOOGL.csv,GOOGL,stock,yes,adjusted only\n"
                 "QQQ_raw.csv,QQQ,etf,no,raw with its own adj_close\n",
    "SPX.csv": "date,close,volume\n2025-01-02,5868.55,100\n2025-01-03,5942.47,100\n2025-01-06,5975.38,100\n",
    "AAPL.csv": "date,close\n2025-01-02,243.85\n2025-01-03,243.36\n",
    "AAPL_adj.csv": "date,close\n2025-01-02,242.99\n2025-01-03,242.50\n2025-01-06,244.13\n",
    "GOOGL.csv": "date,close\n2025-01-02,189.43\n2025-01-03,191.79\n",
    "QQQ_raw.csv": "date,close,adj_close\n2025-01-02,510.23,508.90\n2025-01-03,518.58,517.23\n",
    "GSPC.csv": "date,close\n2025-01-02,1.0\n",  # not in the index: never used for ^GSPC
}


@pytest.fixture
def indexed(tmp_path: Path) -> CsvDirSource:
    return CsvDirSource(write(tmp_path / "indexed", INDEXED))


def test_index_maps_files_to_tickers(indexed: CsvDirSource) -> None:
    frame = indexed.fetch(["^GSPC", "AAPL"], D(2025, 1, 2), D(2025, 1, 6))
    assert frame.loc["2025-01-03", ("close", "^GSPC")] == 5942.47
    assert frame.loc["2025-01-03", ("close", "AAPL")] == 243.36  # raw file
    assert frame.loc["2025-01-03", ("adj_close", "AAPL")] == 242.50  # adjusted file
    assert math.isnan(frame.loc["2025-01-06", ("close", "AAPL")])  # the raw file ends on the 3rd
    assert frame.loc["2025-01-06", ("adj_close", "AAPL")] == 244.13
    assert frame.columns.names == ["field", "symbol"]
    assert frame.index.name == "date"


def test_adjusted_only_ticker_is_served_as_close_and_flagged(indexed: CsvDirSource) -> None:
    frame = indexed.fetch(["GOOGL"], D(2025, 1, 2), D(2025, 1, 3))
    assert list(frame[("close", "GOOGL")]) == [189.43, 191.79]
    assert list(frame[("adj_close", "GOOGL")]) == [189.43, 191.79]
    assert indexed.is_adjusted_only("GOOGL") is True
    assert indexed.is_adjusted_only("AAPL") is False
    assert indexed.describe("GOOGL") == "GOOGL.csv (dividend-adjusted)"
    assert indexed.describe("AAPL") == "AAPL.csv; adj_close from AAPL_adj.csv (dividend-adjusted)"
    assert indexed.describe("^GSPC") == "SPX.csv"


def test_raw_file_with_its_own_adj_close_column(indexed: CsvDirSource) -> None:
    frame = indexed.fetch(["QQQ"], D(2025, 1, 2), D(2025, 1, 3))
    assert list(frame[("close", "QQQ")]) == [510.23, 518.58]
    assert list(frame[("adj_close", "QQQ")]) == [508.90, 517.23]


def test_missing_ticker_is_named_and_the_frame_keeps_the_others(indexed: CsvDirSource) -> None:
    with pytest.raises(SymbolNotFoundError) as caught:
        indexed.fetch(["AAPL", "MSFT"], D(2025, 1, 2), D(2025, 1, 3))
    assert caught.value.symbols == ("MSFT",)
    assert list(caught.value.frame[("close", "AAPL")]) == [243.85, 243.36]
    assert indexed.describe("MSFT").startswith("no file for MSFT in ")
    assert indexed.is_adjusted_only("MSFT") is False


def test_ticker_without_rows_in_the_window_is_not_found(indexed: CsvDirSource) -> None:
    with pytest.raises(SymbolNotFoundError) as caught:
        indexed.fetch(["AAPL"], D(2025, 2, 1), D(2025, 2, 28))
    assert caught.value.symbols == ("AAPL",)


@pytest.mark.parametrize(("ticker", "file"), [
    ("^GSPC", "^GSPC.csv"), ("^N225", "N225.csv"), ("1617.T", "1617.T.csv"), ("1618.T", "1618_T.csv"),
    ("JPY=X", "JPY_X.csv"), ("DGS10", "DGS10.csv"),
])
def test_plain_names_without_an_index(tmp_path: Path, ticker: str, file: str) -> None:
    source = CsvDirSource(write(tmp_path, {file: "date,close\n2025-01-06,42.5\n2025-01-07,43.0\n"}))
    frame = source.fetch([ticker], D(2025, 1, 6), D(2025, 1, 7))
    assert list(frame[("close", ticker)]) == [42.5, 43.0]
    assert frame[("adj_close", ticker)].isna().all()
    assert source.describe(ticker) == file


@pytest.mark.parametrize("ticker", ["../secret", "..\\secret", "a/b", "/etc/passwd", "=cmd|x", ""])
def test_hostile_ticker_text_never_becomes_a_path(tmp_path: Path, ticker: str) -> None:
    source = CsvDirSource(write(tmp_path, {"AAPL.csv": "date,close\n2025-01-06,1\n"}))
    with pytest.raises(BadArgumentError):
        source.fetch([ticker], D(2025, 1, 6), D(2025, 1, 7))


@pytest.mark.parametrize(("text", "problem"), [
    ("", "empty file"),
    ("day,close\n2025-01-06,1\n", "no date column"),
    ("date,price\n2025-01-06,1\n", "no close column"),
    ("date,close\n", "no rows"),
    ("date,close\n2025-01-06,1\n06/01/2025,2\n", "line 3: bad date '06/01/2025'"),
    ("date,close\n2025-01-06,1\n2025-01-07,1.2.3\n", "line 3: close is not a number: '1.2.3'"),
    ("date,close\n2025-01-06,1\n2025-01-07,inf\n", "line 3: close is not a finite number"),
    ("date,close\n2025-01-06,1\n2025-01-07,2\n2025-01-06,3\n", "line 4: date 2025-01-06 is repeated"),
    ("date,close,adj_close\n2025-01-06,1,x\n", "line 2: adj_close is not a number"),
])
def test_malformed_files_name_the_file_and_line(tmp_path: Path, text: str, problem: str) -> None:
    source = CsvDirSource(write(tmp_path, {"BAD.csv": text}))
    with pytest.raises(DataFormatError) as caught:
        source.fetch(["BAD"], D(2025, 1, 1), D(2025, 1, 31))
    assert "BAD.csv" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(("index", "problem"), [
    ("file,symbol,kind,adjusted,notes\n../AAPL.csv,AAPL,stock,no,\n", "plain .csv name"),
    ("file,symbol,kind,adjusted,notes\nAAPL.csv,AAPL,stock,maybe,\n", "adjusted must be yes or no"),
    ("file,symbol,kind,adjusted,notes\nAAPL.csv,AAPL,stock,no,\nA2.csv,AAPL,stock,no,\n", "line 3"),
    ("file,ticker\nAAPL.csv,AAPL\n", "missing columns symbol, adjusted"),
])
def test_bad_index_is_a_data_format_error(tmp_path: Path, index: str, problem: str) -> None:
    source = CsvDirSource(write(tmp_path, {"index.csv": index, "AAPL.csv": "date,close\n2025-01-06,1\n"}))
    with pytest.raises(DataFormatError) as caught:
        source.fetch(["AAPL"], D(2025, 1, 6), D(2025, 1, 6))
    assert problem in str(caught.value)


def test_files_are_read_lazily_and_again_when_they_change(tmp_path: Path) -> None:
    folder = write(tmp_path, {"AAPL.csv": "date,close\n2025-01-06,245.0\n", "BAD.csv": "garbage"})
    source = CsvDirSource(folder)
    assert source.fetch(["AAPL"], D(2025, 1, 6), D(2025, 1, 6)).iloc[0, 0] == 245.0  # BAD.csv never read
    before = source.revision("AAPL")
    (folder / "AAPL.csv").write_text("date,close\n2025-01-06,999.0\n", encoding="utf-8")
    assert source.revision("AAPL") != before
    assert source.fetch(["AAPL"], D(2025, 1, 6), D(2025, 1, 6)).iloc[0, 0] == 999.0  # the corrected value


def test_a_folder_that_does_not_exist_is_a_bad_argument(tmp_path: Path) -> None:
    with pytest.raises(BadArgumentError):
        CsvDirSource(tmp_path / "nope")


# -- fundamentals --------------------------------------------------------------------------------------


FUNDAMENTALS = {
    "sp500_constituents_financials_asof_2024-12-31.csv":
        "Symbol,Name,Price,Market Cap,EBITDA\n"
        "AAPL,Apple Inc.,250.42,3785298542592,1\n"
        "GOOGL,Alphabet Inc. (Class A),189.3,2325171929088,2\n"
        "GOOG,Alphabet Inc. (Class C),190.44,2321558798336,2\n"
        "FOX,Fox Corporation (Class B),45.74,21496977408,3\n"
        "BRK.B,Berkshire Hathaway,,,\n",
    "sp500_constituents_financials_asof_2025-01-31.csv": "Symbol,Market Cap\nAAPL,3572851277824\n",
    "sp500_total_market_cap.csv": "date,total_market_cap_usd,precision,basis\n"
                                  "2024-09-30,50570000000000,0.01T,S&P\n"
                                  "2024-12-31,51860000000000,0.01T,S&P\n",
    "sp500_total_market_cap_third_party_estimates.csv": "date,total_market_cap_usd\n2025-01-31,1\n",
}


def test_fundamentals_from_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "fundamentals", FUNDAMENTALS)
    snapshots = CsvDirSource(tmp_path).fundamentals()
    assert [s.date for s in snapshots] == [D(2024, 9, 30), D(2024, 12, 31), D(2025, 1, 31)]
    totals_only, year_end, january = snapshots
    assert totals_only.market_caps.empty and totals_only.index_total == 50.57e12
    assert year_end.index_total == 51.86e12
    assert year_end.market_caps["AAPL"] == 3785298542592
    assert math.isnan(year_end.market_caps["BRK.B"])  # blank: unknown, not zero
    assert year_end.duplicate_classes == ("GOOG",)  # FOX alone (no FOXA line) is not a duplicate
    assert january.index_total is None  # the third-party estimate is not an S&P figure
    assert list(january.market_caps.index) == ["AAPL"]


def test_fundamentals_missing_folder_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        CsvDirSource(tmp_path).fundamentals()


def test_fundamentals_bad_cap_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "fundamentals", {"sp500_constituents_financials_asof_2024-12-31.csv":
                                      "Symbol,Market Cap\nAAPL,1\nMSFT,lots\n"})
    with pytest.raises(DataFormatError) as caught:
        CsvDirSource(tmp_path).fundamentals()
    assert "asof_2024-12-31.csv line 3" in str(caught.value)


# -- the real folder -------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_real_sp500_close(market_dir: Path) -> None:
    frame = CsvDirSource(market_dir).fetch(["^GSPC"], D(2024, 12, 20), D(2024, 12, 27))
    assert frame.loc["2024-12-27", ("close", "^GSPC")] == pytest.approx(5970.839844, abs=1e-6)
    assert pd.Timestamp("2024-12-25") not in frame.index
    assert frame.index[0] == pd.Timestamp("2024-12-20") and frame.index[-1] == pd.Timestamp("2024-12-27")


@pytest.mark.realdata
def test_real_topix17_etfs_are_all_readable(market_dir: Path) -> None:
    tickers = [f"{code}.T" for code in range(1617, 1634)]
    frame = CsvDirSource(market_dir).fetch(tickers, D(2024, 12, 26), D(2024, 12, 27))
    assert frame["close"].notna().any().all()
    assert frame.loc["2024-12-27", ("close", "1617.T")] == 38000
    assert frame.loc["2024-12-27", ("close", "1633.T")] == 38480


@pytest.mark.realdata
def test_real_aapl_raw_close_and_adjusted_file(market_dir: Path) -> None:
    source = CsvDirSource(market_dir)
    frame = source.fetch(["AAPL", "GOOGL"], D(2024, 12, 26), D(2024, 12, 27))
    assert frame.loc["2024-12-26", ("close", "AAPL")] == 259.02
    assert frame.loc["2024-12-26", ("adj_close", "AAPL")] == pytest.approx(257.1537780761719, abs=1e-9)
    assert frame.loc["2024-12-27", ("close", "GOOGL")] == pytest.approx(191.75840759277344, abs=1e-9)
    assert source.is_adjusted_only("GOOGL") and source.is_adjusted_only("RSP")
    assert not source.is_adjusted_only("AAPL")
    assert source.describe("GOOGL") == "GOOGL.csv (dividend-adjusted)"


@pytest.mark.realdata
def test_real_fundamentals(market_dir: Path) -> None:
    snapshots = CsvDirSource(market_dir).fundamentals()
    with_caps = [s for s in snapshots if not s.market_caps.empty]
    assert [s.date for s in with_caps] == [D(2024, 12, 31), D(2025, 1, 31), D(2026, 5, 14), D(2026, 8, 21)]
    year_end = with_caps[0]
    assert year_end.index_total == 51.86e12
    assert year_end.market_caps["AAPL"] == 3785298542592
    assert year_end.duplicate_classes == DUPLICATE_CLASSES
    assert [s.index_total for s in with_caps[1:]] == [None, None, None]
    totals_only = [s.date for s in snapshots if s.market_caps.empty]
    assert totals_only == [D(2019, 12, 31), D(2021, 12, 31), D(2022, 12, 30), D(2023, 12, 29), D(2024, 9, 30),
                           D(2025, 3, 31), D(2025, 6, 30), D(2025, 9, 30)]
