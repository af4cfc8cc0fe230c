"""SERIES and HISTORY over any FRED series, through the FRED CSV boundary mocked with the real fredgraph format
(``observation_date,SERIESID``, ``.`` for missing; tests/resources/fred_fredgraph_macro.csv holds two quarterly
and two monthly series in one answer), and over a user's CSV folder. Expected values are worked out by hand from
the resource file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from marketreview import app, cli
from marketreview.engine import Engine
from marketreview.functions import call
from marketreview.sources.base import FunctionSource
from marketreview.sources.fred import FredSource, is_fred_series
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

RESOURCES = Path(__file__).resolve().parent / "resources"
MACRO = (RESOURCES / "fred_fredgraph_macro.csv").read_text(encoding="utf-8")
CAPEX, FUNDS, PHILLY = "FRED:BOGZ1FA105050005Q", "FRED:BOGZ1FA106000105Q", "FRED:GACDFSA066MSFRBPHI"
NOW = dt.datetime(2025, 7, 15, 12, 0, tzinfo=dt.timezone.utc)


class FredAnswers:
    """``get(url, timeout)`` answering like fredgraph: one column per requested id, from the current text (a test
    may swap it to model a revision); ids the text lacks come back as all-missing columns."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> str:
        self.urls.append(url)
        rows = list(csv.reader(io.StringIO(self.text)))
        ids = self.query()["id"][0].split(",")
        position = {name: i for i, name in enumerate(rows[0])}
        out = [["observation_date", *ids]]
        out += [[row[0], *(row[position[i]] if i in position else "." for i in ids)] for row in rows[1:]]
        return "\n".join(",".join(row) for row in out) + "\n"

    def query(self, n: int = -1) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.urls[n]).query)


def nothing(symbol: str, dates: pd.DatetimeIndex) -> None:
    return None  # a symbol that reaches the default source is unknown: FRED ids must not land there


@pytest.fixture
def fred() -> FredAnswers:
    return FredAnswers(MACRO)


@pytest.fixture
def clock() -> list[dt.datetime]:
    return [NOW]


@pytest.fixture
def engine(fred, tmp_cache, clock):
    router = Router(FunctionSource(nothing, name="other"), [(is_fred_series, FredSource(get=fred, sleep=None))])
    return Engine(router, tmp_cache, SymbolMap.default(), clock=lambda: clock[0])


def value(engine: Engine, *args: object) -> float:
    answer = call(engine, "SERIES", *args)
    assert not isinstance(answer, list)
    assert answer.error is None, answer.error
    return float(answer.value)


@pytest.mark.parametrize(("args", "expected"), [
    ((CAPEX, "2025-06-30"), 315.0),
    ((CAPEX, "2025-06-30", "pc1"), 25.0),          # (315 / 252 - 1) * 100
    ((CAPEX, "2025-03-31", "chg"), 30.0),          # 300 - 270
    ((FUNDS, "2025-06-30", "ch1"), 40.0),          # 250 - 210
    ((CAPEX, "2024-12-31", "pc1", "a"), 20.0),     # year-end quarters: 270 / 225
    ((PHILLY, "2025-06-30", "lin"), -4.0),
    ((PHILLY, "2025-04-30", "chg"), -38.9),        # -26.4 - 12.5 (April counts from its last day)
    ((PHILLY, "2025-06-30", "", "q"), -4.0),       # 2025Q2 ends with June
    ((PHILLY, "2025-03-31", "lin", "q"), 12.5),    # 2025Q1 ends with March
    (("fred:bogz1fa105050005q", "2025-06-30"), 315.0),  # ids are case-insensitive
])
def test_series_values(engine, args, expected):
    assert value(engine, *args) == pytest.approx(expected, abs=1e-9)


def test_fred_is_asked_for_the_bare_ids_once(engine, fred):
    value(engine, CAPEX, "2025-06-30")
    value(engine, CAPEX, "2025-03-31", "pc1")
    value(engine, FUNDS, "2025-06-30")
    # the first formula's cold start also warms the map's FRED yields; an id outside the map is one more request
    assert [fred.query(n)["id"][0].split(",")[0] for n in range(len(fred.urls))] == ["BOGZ1FA105050005Q",
                                                                                     "BOGZ1FA106000105Q"]
    assert not any("FRED:" in url for url in fred.urls)


def test_quarterly_series_has_no_missing_sessions_and_a_quarter_counts_once_it_ended(engine):
    answer = call(engine, "SERIES", CAPEX, "2025-05-20")  # 2025Q2 (dated 2025-04-01) is not over: 2025Q1's 300
    assert not isinstance(answer, list)
    assert (answer.value, answer.warnings) == (300.0, ())
    assert value(engine, CAPEX, "2025-03-31") == 300.0
    assert value(engine, CAPEX, "2025-06-30") == 315.0


def test_a_missing_month_is_a_warning_not_a_guess(engine):
    answer = call(engine, "SERIES", PHILLY, "2025-06-10")  # 2025-05-01 is "." in the answer; June is not over
    assert not isinstance(answer, list)
    assert answer.value == -26.4
    assert answer.warnings == ("FRED:GACDFSA066MSFRBPHI: no observation for 2025-05; used 2025-04 (dated 2025-04-01)",)


@pytest.mark.parametrize(("args", "text"), [
    ((CAPEX, "2025-06-30", "pct"), "bad units 'pct'"),
    ((CAPEX, "2025-06-30", "lin", "m"), "bad frequency 'm': FRED:BOGZ1FA105050005Q is quarterly"),
    ((CAPEX, "2022-06-30"), "no observation on or before 2022-06-30; data starts 2023-01-01"),
    ((CAPEX, "2023-06-30", "pc1"), "pc1 on the observation dated 2023-04-01 needs the quarterly observation a year"),
    (("", "2025-06-30"), "bad series_id"),
])
def test_errors_name_what_was_wrong(engine, args, text):
    answer = call(engine, "SERIES", *args)
    assert not isinstance(answer, list)
    assert answer.error is not None and text in answer.error.excel_text


def test_a_bare_id_not_routed_to_fred_says_how_to_ask_fred(engine):
    answer = call(engine, "SERIES", "BOGZ1FA105050005Q", "2025-06-30")
    assert not isinstance(answer, list)
    assert answer.error is not None and "FRED:BOGZ1FA105050005Q" in answer.error.excel_text


def test_history_spills_the_transformed_series(engine):
    answer = call(engine, "HISTORY", CAPEX, "2024-10-01", "2025-06-30", "", "pc1")
    assert not isinstance(answer, list)
    assert answer.value == [["date", "value"], [dt.date(2024, 10, 1), pytest.approx(20.0)],
                            [dt.date(2025, 1, 1), pytest.approx(20.0)], [dt.date(2025, 4, 1), pytest.approx(25.0)]]
    yearly = call(engine, "HISTORY", PHILLY, "2023-01-01", "2025-06-30", "a")
    assert not isinstance(yearly, list)
    assert yearly.value == [["date", "value"], [dt.date(2023, 1, 1), -10.5], [dt.date(2024, 1, 1), -16.4],
                            [dt.date(2025, 1, 1), -4.0]]


def test_a_refetch_replaces_revised_history(engine, fred, clock, tmp_cache):
    assert value(engine, CAPEX, "2025-06-30", "pc1") == 25.0
    first_fetch = tmp_cache.info(CAPEX)
    assert first_fetch is not None and first_fetch.fetched_at == NOW
    # FRED revises 2024Q2 (252 → 280) and no longer publishes 2023Q1
    fred.text = MACRO.replace("2024-04-01,252.0,", "2024-04-01,280.0,").replace(
        "2023-01-01,200.0,180.0,", "2023-01-01,,,")
    clock[0] = NOW + dt.timedelta(hours=3)
    report = engine.ensure([CAPEX])
    assert report.ok and report.requests == {"fred": 1}
    assert fred.query()["cosd"] == [engine.history_start(clock[0].date()).isoformat()]  # the whole history
    assert value(engine, CAPEX, "2025-06-30", "pc1") == pytest.approx((315 / 280 - 1) * 100)
    assert tmp_cache.read([CAPEX]).index[0] == pd.Timestamp("2023-04-01")
    refetched = tmp_cache.info(CAPEX)
    assert refetched is not None and refetched.fetched_at == clock[0]
    assert engine.provenance(CAPEX).fetched_at == clock[0]  # what the Sources sheet shows


def test_only_revised_series_are_refetched_whole():
    source = FredSource(get=FredAnswers(MACRO))
    assert [source.revises_history(t) for t in ("DGS10", "FRED:DGS10", CAPEX, "BOGZ1FA106000105Q")] == [
        False, False, True, True]  # the daily market series are topped up as before


def test_the_worksheet_function_is_macroseries(engine):
    import marketreview_udfs as udfs

    udfs.set_engine(engine)
    try:
        assert udfs.MACROSERIES(CAPEX, dt.datetime(2025, 6, 30), "pc1") == pytest.approx(25.0)
        assert udfs.MACROSERIES(CAPEX, 45838.0) == 315.0  # an Excel serial date (2025-06-30)
        assert udfs.MACROSERIES(CAPEX, "2025-06-30", "pct").startswith("#VALUE! bad units 'pct'")
    finally:
        udfs.set_engine(None)


# -- the command line -------------------------------------------------------------------------------------------


def write_user_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "index.csv").write_text("file,symbol,kind,adjusted,notes\n"
                                      "ISM.csv,ISM,macro,no,ISM Manufacturing PMI typed in from the ISM report\n",
                                      encoding="utf-8")
    months = pd.date_range("2023-01-31", "2025-06-30", freq="ME")
    values = [50.0 + (i % 7) - 3 for i in range(len(months))]
    values[months.get_loc(pd.Timestamp("2024-06-30"))] = 50.0
    values[months.get_loc(pd.Timestamp("2025-06-30"))] = 49.0
    lines = ["date,close", *(f"{d.date().isoformat()},{v}" for d, v in zip(months, values, strict=True))]
    (folder / "ISM.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_cli_series_from_a_csv_folder(tmp_path, capsys):
    folder = write_user_folder(tmp_path / "mine")
    code = cli.main(["call", "SERIES", "ISM", "2025-06-30", "pc1", "--source", f"csv:{folder}",
                     "--cache", str(tmp_path / "c.sqlite")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert float(out) == pytest.approx(-2.0)  # (49 / 50 - 1) * 100, June against June of a month-end series


def test_cli_series_from_a_mocked_fred(tmp_path, capsys, monkeypatch, fred):
    monkeypatch.setattr(app, "router_from_spec", lambda spec: Router(
        FunctionSource(nothing, name="other"), [(is_fred_series, FredSource(get=fred, sleep=None))]))
    code = cli.main(["call", "SERIES", CAPEX, "2025-06-30", "pc1", "--cache", str(tmp_path / "c.sqlite")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert float(out) == pytest.approx(25.0)
    assert "BOGZ1FA105050005Q" in fred.query(0)["id"][0]


def test_a_csv_folder_serves_a_fred_id_from_fred_s_own_download(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    rows = [r.split(",")[:2] for r in MACRO.strip().splitlines()]
    kept = [r for r in rows[1:] if r[1]]
    kept = [[d, "." if d == "2023-07-01" else v] for d, v in kept]  # FRED's "." for a missing value
    text = "\n".join(",".join(r) for r in [rows[0], *kept]) + "\n"
    assert text.startswith("observation_date,BOGZ1FA105050005Q\n2023-01-01,200.0\n")
    (folder / "BOGZ1FA105050005Q.csv").write_text(text, encoding="utf-8")
    cache = str(tmp_path / "c.sqlite")
    code = cli.main(["call", "SERIES", CAPEX, "2025-06-30", "pc1", "--source", f"csv:{folder}", "--cache", cache])
    out, err = capsys.readouterr()
    assert (code, float(out)) == (0, pytest.approx(25.0)), err
    code = cli.main(["call", "SERIES", CAPEX, "2024-09-30", "pc1", "--source", f"csv:{folder}", "--cache", cache])
    out, err = capsys.readouterr()
    assert code == 2 and "needs the quarterly observation a year earlier" in err  # 2023Q3 is missing


# -- a user's macro series on the dates a reviewer means (issue 21) -------------------------------------------

#: A complete quarterly series, dated at a mix of quarter starts and quarter ends (as typed from a report).
MIXQ_ROWS = ("date,close\n2024-01-01,190.0\n2024-06-30,200.0\n2024-07-01,204.0\n2024-12-31,207.0\n"
             "2025-01-01,209.0\n2025-06-30,213.0\n")


def _series_cli(tmp_path: Path, capsys: Any, *args: str) -> tuple[int, str, str]:
    code = cli.main(["call", "SERIES", *args, "--source", f"csv:{tmp_path / 'mine'}",
                     "--cache", str(tmp_path / "c.sqlite")])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_series_of_a_quarterly_csv_with_mixed_dates(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "MIXQ.csv").write_text(MIXQ_ROWS, encoding="utf-8")
    code, out, err = _series_cli(tmp_path, capsys, "MIXQ", "2025-06-30", "pc1")
    assert (code, float(out)) == (0, pytest.approx(6.5)), err  # (213 / 200 - 1) * 100, 2025Q2 on 2024Q2
    code, out, err = _series_cli(tmp_path, capsys, "MIXQ", "2025-06-30", "pc1", "q")
    assert (code, float(out)) == (0, pytest.approx(6.5)), err
    code, out, err = _series_cli(tmp_path, capsys, "MIXQ", "2025-05-15")  # 2025Q2 is not over: 2025Q1's
    assert (code, float(out)) == (0, 209.0), err


def test_cli_series_whose_dates_fit_no_frequency_names_the_file_until_declared(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "ODD.csv").write_text("date,close\n2024-01-15,1.0\n2024-05-02,2.0\n2024-08-20,3.0\n2024-11-09,4.0\n",
                                    encoding="utf-8")
    code, out, err = _series_cli(tmp_path, capsys, "ODD", "2024-12-31")
    assert code == 2 and "ODD.csv: its dates fit no frequency" in err and "declare it in index.csv" in err
    (folder / "index.csv").write_text("file,symbol,kind,adjusted,notes,frequency\nODD.csv,ODD,macro,no,typed in,q\n",
                                      encoding="utf-8")
    code, out, err = _series_cli(tmp_path, capsys, "ODD", "2024-12-31")
    assert (code, float(out)) == (0, 4.0), err
    (folder / "index.csv").unlink()
    (folder / "ODD.csv").write_text("date,close,frequency\n2024-01-15,1.0,q\n2024-05-02,2.0,q\n2024-08-20,3.0,q\n",
                                    encoding="utf-8")
    code, out, err = _series_cli(tmp_path, capsys, "ODD", "2024-12-31")
    assert (code, float(out)) == (0, 3.0), err
