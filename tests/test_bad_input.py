"""Bad input, from one table: every row of ``resources/bad_inputs.csv`` through every surface that takes it.

A row names a worksheet function (or a CLI command: ``cli:call``, ``cli:fetch``, ``cli:build``, ``cli:review``,
``cli:charts``), its arguments as JSON, the error class expected (the error is an instance of it; ``OK`` for
inputs that must work, ``usage`` for argparse's own refusals), a substring of the message that names the bad
argument (several joined with `` && ``), and for ``OK`` rows the hand-computed answer.

Function rows run through ``functions.call`` on a real :class:`Engine`, through the xlwings UDF module and,
where the arguments can be typed on a command line, through ``marketreview call``. The engine's data is
:func:`conftest.linear_prices` (each symbol its own line: ^GSPC = 157 + 0.75 d, 1631.T = 130 + 1.0 d,
DGS10 = 954 + 2.0 d, DGS2 = 758 + 0.5 d, d = days since 2020-01-01) on each symbol's own exchange days, so
holidays are real: NYSE closed 2024-12-25, 2025-01-01 and 2025-01-09; Tokyo closed 2024-12-31 to 2025-01-03.
Some hand-computed ^GSPC closes: 2024-12-24 → 1521.25, 2024-12-27 → 1523.5, 2024-12-30 → 1525.75,
2024-12-31 → 1526.5, 2025-01-03 → 1528.75, 2025-01-08 → 1532.5, 2025-01-10 → 1534; 1631.T 2024-12-30 → 1955.
"Today" is 2025-01-10.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import RESOURCES, linear_prices

import marketreview.app as app
import marketreview.errors as errors
from marketreview import calendars, cli, functions
from marketreview.cache import Cache
from marketreview.engine import Engine
from marketreview.sources.base import FunctionSource
from marketreview.sources.router import Router
from marketreview.symbols import SymbolMap

TODAY = dt.date(2025, 1, 10)
CLOCK = dt.datetime(2025, 1, 10, 23, 0, tzinfo=dt.timezone.utc)
FAKE_SPEC = "fake"  # the --source value the CLI tests route to the fake source


# -- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    case: str
    function: str
    args: tuple[Any, ...]
    error: str
    message: str
    expected: str

    @property
    def ok(self) -> bool:
        return self.error == "OK"

    @property
    def is_cli(self) -> bool:
        return self.function.startswith("cli:")

    def messages(self) -> list[str]:
        """The substrings the message must contain (several are joined with `` && ``)."""
        return [part for part in self.message.split(" && ") if part]

    def error_class(self) -> type[BaseException]:
        cls = getattr(errors, self.error)
        assert issubclass(cls, errors.MarketReviewError), self.error
        return cls  # type: ignore[no-any-return]


def load_cases(path: Path = RESOURCES / "bad_inputs.csv") -> list[Case]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cases = [Case(r["case"], r["function"], tuple(json.loads(r["args"])), r["error"], r["message"],
                  r["expected"]) for r in rows]
    names = [c.case for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


CASES = load_cases()
FUNCTION_CASES = [c for c in CASES if not c.is_cli]
CLI_ONLY_CASES = [c for c in CASES if c.is_cli]

# Known bugs in other people's modules: {case: {surface: reason}}, marked xfail(strict=True) so the suite
# stays green and a fix turns the row red (XPASS) until the mark is removed. Surfaces: function, udf, cli.
BUGS: dict[str, dict[str, str]] = {}


def _param(case: Case, surface: str) -> Any:
    reason = BUGS.get(case.case, {}).get(surface)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=case.case, marks=marks)


def expected_value(case: Case) -> Any:
    """The hand-computed answer: a number or a ratio of two decimals ("5.25/1523.5": a return is the rise over
    the start close), or JSON (a HISTORY table)."""
    text = case.expected.strip()
    if text.startswith("text:"):  # a text answer, exactly
        return text.removeprefix("text:")
    if text.startswith("["):
        return json.loads(text)
    top, _, bottom = text.partition("/")
    return float(Fraction(top) / Fraction(bottom or "1"))


def matches(value: Any, expected: Any) -> bool:
    if isinstance(expected, float):
        return isinstance(value, (int, float)) and value == pytest.approx(expected, rel=1e-12, abs=1e-12)
    return bool(value == expected)


# -- the engine ------------------------------------------------------------------------------------

_SYMBOLS = SymbolMap.default()


def exchange_days(symbol: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """The trading days of ``symbol``'s exchange as the symbol map gives it (weekdays where it names none:
    FRED series, FX)."""
    calendar = _SYMBOLS.resolve(symbol).calendar
    days = calendars.sessions(calendar, start, end) if calendar else None
    return days if days is not None else pd.bdate_range(start, end, name="date")


def exchange_source() -> FunctionSource:
    """:func:`conftest.linear_prices` on each symbol's exchange days: ``fake_source`` with real holidays."""
    return FunctionSource(linear_prices, name="fake", calendar=exchange_days)


@pytest.fixture(scope="module")
def cache_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad_input") / "prices.sqlite"


@pytest.fixture(scope="module")
def engine(cache_file: Path) -> Iterator[Engine]:
    """One engine for the whole table (its first call warms the cache with the whole symbol map)."""
    cache = Cache(cache_file)
    yield Engine(Router(exchange_source()), cache, clock=lambda: CLOCK)
    cache.close()


@pytest.fixture
def udfs(engine: Engine) -> Iterator[Any]:
    module = pytest.importorskip("marketreview_udfs")
    module.set_engine(engine)
    yield module
    module.set_engine(None)


@pytest.fixture
def run_cli(engine: Engine, cache_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Any:
    """``run_cli(command, *args) -> (exit code, stdout, stderr)`` through ``cli.main`` and the real
    ``app.open_engine``: ``--source fake`` routes to the fake source; every other --source value goes through
    the real parser. The engine's clock is fixed; the cache file is the table's warm one."""
    real_router = app.router_from_spec

    def router(spec: str) -> Router:
        return Router(exchange_source()) if spec == FAKE_SPEC else real_router(spec)

    monkeypatch.setattr(app, "router_from_spec", router)
    monkeypatch.setattr(app, "Engine", functools.partial(Engine, clock=lambda: CLOCK))
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(tmp_path / "default-cache" / "prices.sqlite"))

    def run(command: str, *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        argv = [command]
        if command != "template":
            argv += ["--source", FAKE_SPEC, "--cache", str(cache_file)]
        try:
            code = cli.main([*argv, *args])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    return run


# -- the table is complete -------------------------------------------------------------------------


def test_table_covers_every_function_and_command() -> None:
    counted = {name: 0 for name in functions.FUNCTIONS}
    for case in FUNCTION_CASES:
        if _known(case.function) and not case.ok:
            counted[functions.lookup(case.function).name] += 1
    assert all(n >= 3 for n in counted.values()), counted
    commands = {c.function for c in CLI_ONLY_CASES}
    assert commands == {"cli:call", "cli:fetch", "cli:build", "cli:review", "cli:charts"}
    kinds = {"unknown symbol": "XNOPE", "future": "in the future", "start after end": "is after the end date",
             "relative code": "'2Q'", "tenor": "'5Y'", "weeks": "bad weeks"}
    for kind, needle in kinds.items():
        assert any(needle in c.message for c in CASES), kind


# -- worksheet functions ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", [_param(c, "function") for c in FUNCTION_CASES])
def test_function(engine: Engine, case: Case) -> None:
    answer = functions.call(engine, case.function, *case.args)
    assert isinstance(answer, functions.Answer)
    if case.ok:
        assert answer.error is None, answer.error
        value = answer.value
        if isinstance(value, list):  # a HISTORY table: dates as ISO text, as in the answer column
            value = [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in value]
        assert matches(value, expected_value(case)), value
        return
    assert answer.value is None, f"a bad input must not give a value, got {answer.value!r}"
    assert isinstance(answer.error, case.error_class()), repr(answer.error)
    for needle in case.messages():
        assert needle in str(answer.error)
    assert answer.error.excel_text.startswith("#")


def _known(name: str) -> bool:
    return name.strip().upper() in functions.FUNCTIONS or name.strip().upper() in functions.ALIASES


@pytest.mark.parametrize("case", [_param(c, "udf") for c in FUNCTION_CASES if _known(c.function)])
def test_udf(udfs: Any, case: Case) -> None:
    function = functions.lookup(case.function)  # the UDF carries the Excel name (YIELD is UST in a cell)
    params = function.params
    if len(case.args) > len(params):
        pytest.skip("Excel refuses a call with more arguments than the function declares")
    required = sum(not p.optional for p in params)
    args = [*case.args, *[None] * (required - len(case.args))]  # Excel passes an empty cell as None
    shown = getattr(udfs, function.name)(*args)
    if case.ok:
        expected = expected_value(case)
        if isinstance(shown, list):
            shown = [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in shown]
        assert matches(shown, expected), shown
        return
    assert isinstance(shown, str), f"a bad input must show error text, got {shown!r}"
    assert shown.startswith("#") and "internal error" not in shown, shown
    for needle in case.messages():
        assert needle in shown


def _cli_text(case: Case) -> list[str] | None:
    """The row typed on a command line, or None when text would change its meaning (a number or a blank where
    a symbol, tenor or language belongs is a different input on a command line)."""
    if not case.args:
        return [case.function]
    if case.args[0] is None or any(not isinstance(a, str) and a is not None for a in case.args):
        return None
    return [case.function, *("" if a is None else a for a in case.args)]


CLI_FUNCTION_CASES = [c for c in FUNCTION_CASES if _cli_text(c) is not None]


@pytest.mark.parametrize("case", [_param(c, "cli") for c in CLI_FUNCTION_CASES])
def test_cli_call(run_cli: Any, case: Case) -> None:
    argv = _cli_text(case)
    assert argv is not None
    code, out, err = run_cli("call", *argv)
    if case.ok:
        assert code == 0, err
        expected = expected_value(case)
        if isinstance(expected, list):
            rows = list(csv.reader(out.splitlines()))
            assert rows[0] == expected[0]
            assert [(d, float(v)) for d, v in rows[1:]] == [(d, float(v)) for d, v in expected[1:]]
        elif isinstance(expected, str):
            assert out == expected + "\n", out
        else:
            assert matches(float(out), expected), out
        return
    assert code == cli.EXIT_ERROR
    assert out == ""
    for needle in case.messages():
        assert needle in err
    assert "Traceback" not in err


@pytest.mark.parametrize("case", [_param(c, "cli") for c in CLI_ONLY_CASES])
def test_cli_command(run_cli: Any, tmp_path: Path, case: Case) -> None:
    out_file = tmp_path / "review.xlsx"
    places = {"{out}": str(out_file), "{folder}": str(tmp_path), "{fresh}": str(tmp_path / "empty.sqlite"),
              "{xlsm}": str(tmp_path / "review.xlsm"), "{blocked}": str(tmp_path / "a-file" / "sub" / "review.xlsx"),
              "{nomap}": str(tmp_path / "no-such-map.csv"), "{latin1map}": str(tmp_path / "latin1.csv"),
              "{usercsv}": str(tmp_path / "mydata.csv"), "{otherdb}": str(tmp_path / "other.db"),
              "{md}": str(tmp_path / "post.md"), "{blockedmd}": str(tmp_path / "a-file" / "post.md"),
              "{blockeddir}": str(tmp_path / "a-file" / "charts"), "{png}": str(tmp_path / "charts.png")}
    (tmp_path / "a-file").write_text("a file where a folder should be", encoding="utf-8")
    (tmp_path / "latin1.csv").write_bytes("alias,tickers,label_en\nCAC,^FCHI,Société Générale\xff\n"
                                          .encode("latin-1"))
    user_csv = b"date,close\n2024-12-27,5970.84\n"
    (tmp_path / "mydata.csv").write_bytes(user_csv)
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()
    other_db = (tmp_path / "other.db").read_bytes()
    args = [places.get(a, a) for a in case.args]
    code, out, err = run_cli(case.function.removeprefix("cli:"), *args)
    assert (tmp_path / "mydata.csv").read_bytes() == user_csv and (tmp_path / "other.db").read_bytes() == other_db
    assert not (tmp_path / "review.xlsm").exists()
    if case.ok:
        assert code == 0, err
        assert case.expected in out
        assert out_file.is_file()
        return
    assert code == cli.EXIT_ERROR, (out, err)
    for needle in case.messages():
        assert needle in err
    assert "Traceback" not in err
    assert not out_file.exists(), "a failed build must not leave an output file"
    assert not (tmp_path / "post.md").exists() and not (tmp_path / "charts.png").exists()


# -- ranges: blank in, blank out; a bad cell's error stays in its cell ----------------------------


def test_range_with_blanks_and_bad_cells(engine: Engine) -> None:
    column = [["SP500"], [None], [""], ["XNOPE"], [5], ["../x"], ["NDX"]]
    answers = functions.call(engine, "CLOSE", column, "2024-12-27")
    assert isinstance(answers, list) and len(answers) == len(column)
    flat = [row[0] for row in answers]
    shown = [a.value if a is not None else "blank" for a in flat]
    assert shown == [1523.5, "blank", "blank", None, None, None, 1217.0]  # ^GSPC, ^NDX on 2024-12-27
    assert isinstance(flat[3].error, errors.UnknownSymbolError) and "XNOPE" in str(flat[3].error)
    assert isinstance(flat[4].error, errors.BadArgumentError) and "bad ticker 5" in str(flat[4].error)
    assert isinstance(flat[5].error, errors.BadArgumentError) and "'../x'" in str(flat[5].error)


def test_range_of_tenors_with_a_bad_one(engine: Engine) -> None:
    answers = functions.call(engine, "YIELDCHG", ["2Y", None, "5Y", "10Y"], "2024-12-28", "2025-01-04")
    assert isinstance(answers, list)
    assert answers[0].value == 350.0 and answers[3].value == 1400.0  # 7 days: DGS2 +0.5/day, DGS10 +2/day
    assert answers[1] is None
    assert answers[2].value is None and "bad tenor '5Y'" in str(answers[2].error)


def test_range_with_a_bad_shared_argument_fails_every_cell(engine: Engine) -> None:
    answers = functions.call(engine, "PERF", [["SP500"], ["NDX"]], "2Q")
    assert isinstance(answers, list)
    for (answer,) in answers:
        assert answer.value is None and "bad start '2Q'" in str(answer.error)


def test_udf_range_shows_blank_and_error_text_per_cell(udfs: Any) -> None:
    shown = udfs.CLOSEPRICE([["SP500"], [None], ["XNOPE"], ["TOPIX17_BANKS"]], "2025-01-02")
    assert shown[0] == [1528.0]  # ^GSPC on 2025-01-02
    assert shown[1] == [""]
    assert shown[2][0].startswith("#N/A") and "XNOPE" in shown[2][0]
    assert shown[3] == [1955.0]  # 1631.T: Tokyo closed from 2024-12-31, so 2024-12-30


# -- nothing left behind by a refused input ---------------------------------------------------------


def test_bad_source_creates_no_cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MARKETREVIEW_CACHE", str(folder / "prices.sqlite"))
    code = cli.main(["call", "--source", "nope", "CLOSE", "SP500"])
    assert code == cli.EXIT_ERROR
    assert "bad source 'nope'" in capsys.readouterr().err
    assert not folder.exists() or list(folder.iterdir()) == []


def test_no_bad_input_returns_a_number(engine: Engine) -> None:
    """Across the whole table, an error row never carries a finite number anywhere in its answer."""
    for case in FUNCTION_CASES:
        if case.ok or "function" in BUGS.get(case.case, ("", frozenset()))[1]:
            continue
        answer = functions.call(engine, case.function, *case.args)
        assert isinstance(answer, functions.Answer)
        assert not (isinstance(answer.value, float) and math.isfinite(answer.value)), case.case
        assert not answer.warnings, case.case
