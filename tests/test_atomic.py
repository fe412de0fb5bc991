"""Reports are written whole or not at all, readable by others, errors named."""

from __future__ import annotations

import os
import stat

import pytest

from tthc_lib.atomic import atomic_path, write_bytes_atomic
from tthc_lib.errors import ReportError


def test_written_file_is_whole_and_readable_by_others(tmp_path):
    out = write_bytes_atomic(tmp_path / "a" / "HD.html", b"<html></html>")
    assert out.read_bytes() == b"<html></html>"
    assert stat.S_IMODE(out.stat().st_mode) & 0o044 == 0o044
    assert os.listdir(out.parent) == ["HD.html"]


def test_failure_mid_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "HD.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["HD.pdf"]


def test_unwritable_folder_is_one_clear_error(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="Không ghi được tệp"):
        write_bytes_atomic(blocker / "HD.html", b"x")
