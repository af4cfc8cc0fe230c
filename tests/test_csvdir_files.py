"""CSV folders as users really have them (issue 10, items 6 and 7): the encodings and headers Excel writes,
rows with a wrong field count, dates out of range, files edited after they were read, one bad file among good
ones, and index.csv / symbol maps saved by Japanese Excel.

Every file here is written by the test with its own closes (AAPL 245.0/246.5, MSFT 420.25/421.75, GSPC
5970.84/5930.85), so a mix-up between files shows in the number.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from marketreview import functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.errors import DataFormatError, SourceError
from marketreview.sources.csvdir import CsvDirSource, read_price_file
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap
from marketreview.textfiles import decode

D = dt.date
CLOCK = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
PLAIN = "date,close\n2024-12-27,5970.84\n2024-12-30,5906.94\n"
JAPANESE = "日付,終値,調整後終値\n2024/12/27,5970.84,5970.84\n2024/12/30,5906.94,5906.94\n"
YAHOO = ("Date,Open,High,Low,Close,Adj Close,Volume\n"
         "2024-12-27,6006.17,6006.17,5932.95,5970.84,5970.84,2821120000\n"
         "2024-12-30,5920.67,5940.79,5869.16,5906.94,5906.94,3433250000\n")


def closes(path: Path) -> list[float]:
    return read_price_file(path).close.tolist()


@pytest.mark.parametrize(("text", "encoding"), [
    (PLAIN, "utf-8"),
    (PLAIN, "utf-8-sig"),                      # Excel "CSV UTF-8": a BOM
    (JAPANESE, "cp932"),                       # Japanese Excel "CSV (comma delimited)": Shift-JIS
    (JAPANESE, "utf-16"),                      # with a BOM
    (JAPANESE.replace(",", "\t"), "utf-16"),   # Excel "Unicode text": UTF-16 with tabs
    (JAPANESE, "utf-16-le"),                   # no BOM
    (YAHOO, "utf-8"),                          # Yahoo's download
], ids=["utf8", "utf8-bom", "cp932", "utf16", "utf16-tabs", "utf16le-no-bom", "yahoo"])
def test_encodings_and_headers_users_have(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "GSPC.csv"
    path.write_bytes(text.encode(encoding))
    assert closes(path) == [5970.84, 5906.94]


def test_the_encoding_is_detected_and_said_never_guessed(tmp_path: Path) -> None:
    assert decode(JAPANESE.encode("cp932"), "f") == (JAPANESE, "cp932")
    assert decode(JAPANESE.encode("utf-8"), "f") == (JAPANESE, "utf-8")
    (tmp_path / "GSPC.csv").write_bytes(JAPANESE.encode("cp932"))
    source = CsvDirSource(tmp_path)
    source.fetch(["^GSPC"], D(2024, 12, 27), D(2024, 12, 30))
    assert source.describe("^GSPC") == "GSPC.csv (read as cp932)"


@pytest.mark.parametrize(("data", "message"), [
    ("date,close\n2024-12-27,5970.84\n# Société Générale\n".encode("latin-1") + b"\xff\n",
     "cannot tell its encoding: it is not UTF-8, UTF-16 or Shift-JIS (cp932) (byte 0x"),
    (b"\x00\x01\x02binary\x00", "is not a text file"),
    (b"date,close\n2024-12-27,5970.84\n2024-12-30,104,75\n", "line 3: 3 fields, the header has 2"),
    (b"date,close\n2024-12-27,5970.84\n1600-01-03,1.0\n", "line 3: date 1600-01-03 is outside the supported range"),
    (b"date,close\n2300-01-03,1.0\n", "line 2: date 2300-01-03 is outside the supported range"),
    (b"date,close\n2024-12-27,5970.84\n2024-12-27,5970.85\n", "line 3: date 2024-12-27 is repeated"),
    (b"date,close\n27.12.2024,5970.84\n", "line 2: bad date '27.12.2024'"),
    (b"Datum,Schluss\n2024-12-27,5970.84\n", "no date column"),
], ids=["latin1", "binary", "comma-decimal", "year-1600", "year-2300", "repeated", "german-date", "german-header"])
def test_bad_files_are_errors_naming_the_file_and_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "GSPC.csv"
    path.write_bytes(data)
    with pytest.raises(DataFormatError) as caught:
        read_price_file(path)
    assert str(path) in str(caught.value) and message in str(caught.value), str(caught.value)


def folder_engine(folder: Path, cache: Cache, clock: dt.datetime = CLOCK) -> Engine:
    return Engine(Router(CsvDirSource(folder)), cache, clock=lambda: clock)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_one_bad_file_costs_only_its_own_symbol(tmp_path: Path, tmp_cache: Cache) -> None:
    write(tmp_path, "AAPL.csv", "date,close\n2025-01-09,245.0\n2025-01-10,246.5\n")
    write(tmp_path, "MSFT.csv", "date,close\n2025-01-09,420.25\n2025-01-09,421.75\n")  # repeated date
    write(tmp_path, "index.csv", "file,symbol,kind,adjusted,notes\nAAPL.csv,AAPL,stock,no,\nMSFT.csv,MSFT,stock,no,\n"
          "NVDA.csv,NVDA,stock,no,the file is missing\nMETA.csv,META,stock,maybe,bad flag\n")
    engine = folder_engine(tmp_path, tmp_cache)
    report = engine.ensure(["AAPL", "MSFT", "NVDA", "META"], D(2025, 1, 9), D(2025, 1, 10))
    assert report.fetched == ["AAPL"]
    assert "MSFT.csv line 3: date 2025-01-09 is repeated" in str(report.failed["MSFT"])
    assert "NVDA.csv: file not found" in str(report.failed["NVDA"])
    assert "index.csv line 5: adjusted must be yes or no" in str(report.failed["META"])
    assert functions.call(engine, "CLOSE", "AAPL", "2025-01-10").value == 246.5
    shown = functions.call(engine, "CLOSE", "MSFT", "2025-01-10")
    assert shown.value is None and "MSFT.csv line 3" in shown.error.excel_text


def test_many_symbols_of_one_batch_fail_with_their_own_reasons(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", "date,close\n2025-01-10,246.5\n")
    write(tmp_path, "MSFT.csv", "date,close\n2025-01-10,421,75\n")
    with pytest.raises(SourceError) as caught:
        CsvDirSource(tmp_path).fetch(["AAPL", "MSFT", "XNOPE"], D(2025, 1, 10), D(2025, 1, 10))
    assert caught.value.frame[("close", "AAPL")].tolist() == [246.5]
    assert set(caught.value.causes) == {"MSFT", "XNOPE"}
    assert "MSFT.csv line 2: 3 fields" in str(caught.value.causes["MSFT"])


def test_an_edited_file_is_read_again_and_replaces_the_rows_it_served(tmp_path: Path, tmp_cache: Cache) -> None:
    path = write(tmp_path, "AAPL.csv", "date,close\n2025-01-08,244.0\n2025-01-09,245.0\n2025-01-10,246.5\n")
    first = folder_engine(tmp_path, tmp_cache)
    assert functions.call(first, "CLOSE", "AAPL", "2025-01-09").value == 245.0
    # Corrected past value, a removed day, within the TTL: a new engine (the next CLI call) sees the file as it is.
    path.write_text("date,close\n2025-01-09,245.75\n2025-01-10,246.5\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    second = folder_engine(tmp_path, tmp_cache)
    assert functions.call(second, "CLOSE", "AAPL", "2025-01-09").value == 245.75
    assert functions.call(second, "CLOSE", "AAPL", "2025-01-08").error is not None  # the removed day is gone
    assert tmp_cache.read(["AAPL"], source=CsvDirSource(tmp_path).key)[("close", "AAPL")].tolist() == [245.75, 246.5]
    # Same size and mtime, different content: the hash still sees it (on the next refresh of the same engine).
    mtime = path.stat().st_mtime_ns
    path.write_text("date,close\n2025-01-09,245.25\n2025-01-10,246.5\n", encoding="utf-8")
    os.utime(path, ns=(mtime, mtime))
    assert second.ensure(["AAPL"]).ok
    assert functions.call(second, "CLOSE", "AAPL", "2025-01-09").value == 245.25
    assert second.provenance("AAPL").fetched_at == CLOCK  # the Sources sheet's time: when the file was read


def test_an_appended_row_is_read_within_the_ttl(tmp_path: Path, tmp_cache: Cache) -> None:
    path = write(tmp_path, "AAPL.csv", "date,close\n2025-01-09,245.0\n")
    assert functions.call(folder_engine(tmp_path, tmp_cache), "CLOSE", "AAPL", "2025-01-10").value == 245.0
    with path.open("a", encoding="utf-8") as fh:
        fh.write("2025-01-10,246.5\n")
    assert functions.call(folder_engine(tmp_path, tmp_cache), "CLOSE", "AAPL", "2025-01-10").value == 246.5


def test_an_unchanged_file_is_not_read_again(tmp_path: Path, tmp_cache: Cache) -> None:
    write(tmp_path, "AAPL.csv", "date,close\n2025-01-09,245.0\n")
    folder_engine(tmp_path, tmp_cache).ensure(["AAPL"])
    engine = folder_engine(tmp_path, tmp_cache)
    assert engine.ensure(["AAPL"]).requests == {}


def test_index_and_symbol_map_saved_by_japanese_excel(tmp_path: Path, tmp_cache: Cache) -> None:
    write(tmp_path, "index.csv", "file,symbol,kind,adjusted,notes\n日経平均.csv,^N225,index,no,日経平均株価\n", "cp932")
    write(tmp_path, "日経平均.csv", "日付,終値\n2025/01/10,39190.40\n", "cp932")
    assert functions.call(folder_engine(tmp_path, tmp_cache), "CLOSE", "^N225", "2025-01-10").value == 39190.40
    mapping = write(tmp_path, "symbols.csv", "alias,tickers,label_en,label_ja\nNIKKEI,^N225,Nikkei 225,日経平均\n",
                    "cp932")
    info = SymbolMap.default().with_overrides(mapping).resolve("NIKKEI")
    assert info.label_ja == "日経平均" and info.tickers == ("^N225",)


def test_a_missing_symbol_map_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match=r"symbol map .*nope\.csv: file not found"):
        SymbolMap.default().with_overrides(tmp_path / "nope.csv")
