"""Output files (issue 10, "Output files"): .xlsx only, the target's permissions and symlink kept, stale temporary
files of ours cleaned, long legal names, and a folder that cannot be created as a clear error."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from sample_report import sample_report

from marketreview import cli
from marketreview.errors import RenderError
from marketreview.render.atomic import atomic_write, clean_stale_temps
from marketreview.render.xlsx import write_xlsx


def writer(text: bytes):  # type: ignore[no-untyped-def]
    def write(temp: Path) -> None:
        temp.write_bytes(text)

    return write


def test_a_macro_enabled_name_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "review.xlsm"
    with pytest.raises(RenderError, match=r"name it \.xlsx"):
        write_xlsx(sample_report(), target)
    assert list(tmp_path.iterdir()) == []


def test_the_targets_permissions_are_kept(tmp_path: Path) -> None:
    target = tmp_path / "review.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, writer(b"new"))
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_symlinked_target_stays_a_symlink_and_its_file_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "review.xlsx"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "review.xlsx"
    link.symlink_to(real)
    assert atomic_write(link, writer(b"new")) == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["review.xlsx"]


def test_stale_temporary_files_of_ours_are_cleaned_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "review.xlsx"
    stale = tmp_path / ".~review.0123abcd.tmp.xlsx"   # left by a build killed an hour ago
    fresh = tmp_path / ".~review.89abcdef.tmp.xlsx"   # another build writing right now
    users = tmp_path / ".~review.notes.xlsx"          # not our pattern
    for path in (stale, fresh, users):
        path.write_bytes(b"x")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    os.utime(users, (old, old))
    atomic_write(target, writer(b"new"))
    assert not stale.exists() and fresh.exists() and users.exists()
    assert clean_stale_temps(target) == []


def test_a_long_legal_name_works(tmp_path: Path) -> None:
    target = tmp_path / ("市場レビュー" * 13 + "x" * 10 + ".xlsx")  # 249 bytes: legal, but not with a temp suffix
    assert len(target.name.encode()) <= 255
    atomic_write(target, writer(b"new"))
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_an_output_folder_that_cannot_be_created_is_a_clear_error(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    code = cli.main(["build", "--source", "demo", "--cache", str(tmp_path / "c.sqlite"),
                     "--out", str(blocker / "2025" / "review.xlsx")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR
    assert "cannot create the folder" in err and str(blocker / "2025") in err and "Traceback" not in err
    assert not (tmp_path / "c.sqlite").exists()  # refused before anything was opened
