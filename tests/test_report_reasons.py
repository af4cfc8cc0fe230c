"""Short localised reasons for error cells, and Sources notes in the workbook's language."""

from __future__ import annotations

from typing import Any

import pytest

from marketreview.report.reasons import localise_note, short_reason


@pytest.mark.parametrize(("message", "ja", "en"), [
    ("#N/A ^RUO: no close on or before 2023-12-31; data starts 2024-11-14", "#N/A データなし", "#N/A no data"),
    ("#N/A ^RUO/^GSPC: only 7 weekly ratios up to 2024-12-27, 26 needed for the 26-week average",
     "#N/A 26週未満", "#N/A < 26 weeks"),
    ("#N/A ^IRX: data ends 2024-07-05, no close near 2025-10-31", "#N/A データ終了", "#N/A data ends early"),
    ("#N/A unknown symbol ^XYZ", "#N/A 銘柄不明", "#N/A unknown symbol"),
    ("#N/A yahoo: returned no data for ^RUO", "#N/A 取得失敗", "#N/A fetch failed"),
    ("#N/A mag7: no fundamentals snapshot with member caps", "#N/A 時価総額なし", "#N/A no cap data"),
    ("#VALUE! something odd", "#VALUE! 入力不正", "#VALUE! bad input"),
    ("no code at all", "計算不可", "not computed"),
])
def test_short_reason(message: str, ja: str, en: str) -> None:
    assert short_reason(message, "ja") == ja
    assert short_reason(message, "en") == en


def test_notes_in_japanese_and_left_alone_in_english() -> None:
    note = "fallback for DGS3MO; IRX.csv; STALE: last fetch failed (yahoo: timeout)"
    assert localise_note(note, "ja") == ("代替ティッカー（本来: DGS3MO）; IRX.csv; "
                                        "古いデータ：最終取得に失敗 (yahoo: timeout)")
    assert localise_note("GOOGL.csv (dividend-adjusted)", "ja") == "GOOGL.csv（配当調整済み）"
    assert localise_note(note, "en") == note


def test_a_status_line_with_many_failures_names_them_and_points_at_the_sources_sheet() -> None:
    import datetime as dt
    from types import SimpleNamespace

    from marketreview.report.cells import CellMaker

    engine: Any = SimpleNamespace(router=SimpleNamespace(sources=[]))
    failed = {f"S{i}": f"reason {i}" for i in range(4)}
    for lang, words in (("en", "Failed to fetch 4 series: S0, S1, S2, S3 (the Sources sheet gives each reason)"),
                        ("ja", "4系列の取得に失敗: S0, S1, S2, S3（理由はデータ出所シートに）")):
        assert CellMaker(engine, dt.date(2025, 1, 10), lang, failed).status([*failed, "OK"]) == words
    two = CellMaker(engine, dt.date(2025, 1, 10), "en", {"S0": "timeout", "S1": "429"})
    assert two.status(["S0", "S1"]) == "Failed to fetch: S0 (timeout); S1 (429)"
