"""Router: rules then default, stable batching, the live default, the --source spec and fundamentals."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketreview.errors import BadArgumentError, DataError
from marketreview.sources.base import FunctionSource
from marketreview.sources.csvdir import CsvDirSource
from marketreview.sources.demo import DemoSource
from marketreview.sources.fred import FredSource
from marketreview.sources.router import Router, router_from_spec
from marketreview.sources.yahoo import YahooSource


def nothing(_symbol: str, _dates: object) -> None:
    return None


def test_first_matching_rule_wins_else_default() -> None:
    default, rates, japan = (FunctionSource(nothing, name=n) for n in ("default", "rates", "japan"))
    router = Router(default, [(lambda t: t.startswith("DGS"), rates), (lambda t: t.endswith(".T"), japan),
                              (lambda t: t == "DGS10", japan)])
    assert router.route("DGS10") is rates
    assert router.route("1617.T") is japan
    assert router.route("^GSPC") is default


def test_split_keeps_first_seen_order_and_drops_repeats() -> None:
    default, rates = FunctionSource(nothing, name="default"), FunctionSource(nothing, name="rates")
    router = Router(default, [(lambda t: t.startswith("DGS"), rates)])
    batches = router.split(["DGS2", "^GSPC", "DGS10", "AAPL", "DGS2"])
    assert list(batches) == [rates, default]
    assert batches[rates] == ["DGS2", "DGS10"]
    assert batches[default] == ["^GSPC", "AAPL"]
    assert router.split([]) == {}


def test_default_live_sends_fred_series_to_fred_and_the_rest_to_yahoo() -> None:
    router = Router.default_live()
    assert isinstance(router.route("DGS10"), FredSource)
    assert isinstance(router.route("DFEDTARU"), FredSource)
    assert isinstance(router.route("^TNX"), YahooSource)
    assert isinstance(router.route("1617.T"), YahooSource)
    batches = router.split(["^GSPC", "DGS2", "JPY=X", "DGS10"])
    assert [(s.name, t) for s, t in batches.items()] == [("yahoo", ["^GSPC", "JPY=X"]),
                                                         ("fred", ["DGS2", "DGS10"])]


@pytest.mark.parametrize(("spec", "kind"), [
    ("yahoo", YahooSource), ("fred", FredSource), ("demo", DemoSource), (" Demo ", DemoSource),
])
def test_spec_names_one_source(spec: str, kind: type) -> None:
    router = router_from_spec(spec)
    assert isinstance(router.default, kind)
    assert router.rules == ()


def test_spec_auto_is_the_live_default() -> None:
    router = router_from_spec("auto")
    assert isinstance(router.default, YahooSource)
    assert isinstance(router.route("DGS10"), FredSource)


def test_spec_csv_splits_on_the_first_colon_only(tmp_path: Path) -> None:
    folder = tmp_path / "C:data"  # a colon inside the folder, as in a Windows drive path
    folder.mkdir()
    router = router_from_spec(f"csv:{folder}")
    assert isinstance(router.default, CsvDirSource)
    assert router.default.path == folder


@pytest.mark.parametrize("spec", ["yahooo", "", "csv", "csv:", "csv:/no/such/folder", "demo:x", "fred:DGS10"])
def test_bad_spec_is_a_bad_argument_naming_it(spec: str) -> None:
    with pytest.raises(BadArgumentError) as caught:
        router_from_spec(spec)
    assert repr(spec) in str(caught.value)


def test_fundamentals_come_from_the_first_source_that_has_them(tmp_path: Path) -> None:
    fundamentals = tmp_path / "fundamentals"
    fundamentals.mkdir()
    (fundamentals / "sp500_total_market_cap.csv").write_text(
        "date,total_market_cap_usd,basis\n2024-12-31,51860000000000,S&P\n", encoding="utf-8")
    router = Router(FunctionSource(nothing), [(lambda t: t == "X", CsvDirSource(tmp_path))])
    [snapshot] = router.fundamentals()
    assert snapshot.index_total == 51.86e12
    assert router_from_spec("demo").fundamentals()[0].source == "DEMO (synthetic)"


def test_live_router_has_no_fundamentals() -> None:
    with pytest.raises(DataError) as caught:
        Router.default_live().fundamentals()
    assert "MAG7SHARE needs fundamentals" in str(caught.value)
    assert "--source csv:DIR" in str(caught.value)
