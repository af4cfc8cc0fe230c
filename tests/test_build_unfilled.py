"""A build over a CSV folder that lacks the Macro sheet's files says so once, in the build's language, and names
each file; the Sources sheet says the same, and no cell calls a file that is only missing a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketreview.cli import main

#: the files data/macro.csv reads that the shared market folder does not have
MISSING = ["BOGZ1FA105050005Q.csv", "BOGZ1FA106000105Q.csv", "GACDFSA066MSFRBPHI.csv", "GACDINA066MSFRBNY.csv",
           "ISM.csv", "SPX_FWD_EPS.csv", "JP_BUYBACKS.csv"]


@pytest.mark.parametrize(("lang", "words"), [("ja", "CSVフォルダにファイルがない系列が7件: "),
                                             ("en", "7 series have no file in the CSV folder: ")])
def test_one_stderr_line_names_the_missing_files(market_dir: Path, tmp_path: Path, capsys, lang: str,
                                                 words: str) -> None:
    for name in MISSING:
        assert not (market_dir / name).exists()
    out = tmp_path / "review.xlsx"
    assert main(["build", "--source", f"csv:{market_dir}", "--cache", str(tmp_path / "c.sqlite"),
                 "--asof", "2025-10-31", "--lang", lang, "--out", str(out)]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    about = [line for line in err if any(name.removesuffix(".csv") in line for name in MISSING)]
    assert about == [f"warning: {words}{', '.join(MISSING)}"]
    assert not [line for line in err if "NO DATA" in line or "fetch failed" in line or "取得に失敗" in line]
