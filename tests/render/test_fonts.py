"""The cut faces kept in the cache folder: the same bytes as a fresh cut, cut again when the
font changes or the cache is damaged, and never needed (an unusable cache folder is skipped)."""

from __future__ import annotations

import base64
import shutil

import pytest

from tthc_lib.render import fonts


@pytest.fixture
def faces():
    found = fonts._find_font_faces()
    return found[(400, "normal")], found[(700, "normal")]


@pytest.fixture
def font(tmp_path, monkeypatch, faces):
    """A copy of the regular face, with the cache folder in tmp_path."""
    monkeypatch.setenv("TTHC_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "Serif.ttf"
    shutil.copy(faces[0], copy)
    return copy


def test_a_cut_face_is_kept_and_read_back(tmp_path, font):
    first = fonts._font_data(font)
    kept = list((tmp_path / "cache" / "fonts").iterdir())
    assert len(kept) == 1 and kept[0].read_text(encoding="ascii") == first
    assert base64.b64decode(first).startswith(b"wOFF")
    assert fonts._font_data(font) == first == fonts._subset(font)


def test_a_changed_font_or_a_damaged_cache_is_cut_again(font, faces):
    _, bold = faces
    regular_cut = fonts._font_data(font)
    shutil.copy(bold, font)  # same path, other face: a new size and mtime
    assert fonts._font_data(font) == fonts._subset(bold) != regular_cut
    kept = fonts._cache_file(font)
    kept.write_text("not a font", encoding="ascii")
    assert fonts._font_data(font) == fonts._subset(bold)
    assert kept.read_text(encoding="ascii") == fonts._subset(bold)


def test_an_unusable_cache_folder_is_skipped(tmp_path, monkeypatch, faces):
    regular, _ = faces
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("TTHC_CACHE_DIR", str(blocker))
    assert fonts._font_data(regular) == fonts._subset(regular)
