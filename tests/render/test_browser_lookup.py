"""The browser lookup on each OS's layout: a fake folder tree per OS under tmp_path, the
lookup given the OS and its environment (no real browser needed)."""

from pathlib import Path

import pytest

from tthc_lib.render.browser import find_browser, standard_locations


def _tree(root: Path, relative: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")


def _rooted(root: Path):
    """Answers `exists` for a path of another OS inside the fake tree at `root`."""
    return lambda path: (root / path.as_posix().replace(":", "").lstrip("/")).is_file()


def _nothing_on_path(name: str) -> None:
    return None


WINDOWS_ENV = {"PROGRAMFILES": r"C:\Program Files", "PROGRAMFILES(X86)": r"C:\Program Files (x86)",
               "LOCALAPPDATA": r"C:\Users\vanthu\AppData\Local"}


@pytest.mark.parametrize(("installed", "expected"), [
    ("C/Program Files/Google/Chrome/Application/chrome.exe",
     r"C:\Program Files\Google\Chrome\Application\chrome.exe"),
    ("C/Program Files (x86)/Microsoft/Edge/Application/msedge.exe",
     r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"),
    ("C/Users/vanthu/AppData/Local/Google/Chrome/Application/chrome.exe",
     r"C:\Users\vanthu\AppData\Local\Google\Chrome\Application\chrome.exe"),
    ("C/Users/vanthu/AppData/Local/Chromium/Application/chrome.exe",
     r"C:\Users\vanthu\AppData\Local\Chromium\Application\chrome.exe"),
])
def test_windows_finds_chrome_edge_chromium_in_their_folders(tmp_path, installed, expected):
    _tree(tmp_path, installed)
    assert find_browser("Windows", WINDOWS_ENV, _nothing_on_path, _rooted(tmp_path)) == expected


def test_windows_prefers_chrome_to_edge_and_edge_is_there_without_chrome(tmp_path):
    _tree(tmp_path, "C/Program Files (x86)/Microsoft/Edge/Application/msedge.exe")
    _tree(tmp_path, "C/Program Files/Google/Chrome/Application/chrome.exe")
    assert find_browser("Windows", WINDOWS_ENV, _nothing_on_path, _rooted(tmp_path)) == \
        r"C:\Program Files\Google\Chrome\Application\chrome.exe"


def test_windows_without_environment_uses_the_usual_drive(tmp_path):
    _tree(tmp_path, "C/Program Files (x86)/Microsoft/Edge/Application/msedge.exe")
    assert find_browser("Windows", {}, _nothing_on_path, _rooted(tmp_path)) == \
        r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"


@pytest.mark.parametrize(("installed", "expected"), [
    ("Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
     "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
    ("Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
     "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"),
    ("Users/lan/Applications/Chromium.app/Contents/MacOS/Chromium",
     "/Users/lan/Applications/Chromium.app/Contents/MacOS/Chromium"),
])
def test_macos_finds_the_app_bundles(tmp_path, installed, expected):
    _tree(tmp_path, installed)
    env = {"HOME": "/Users/lan"}
    assert find_browser("Darwin", env, _nothing_on_path, _rooted(tmp_path)) == expected


def test_path_comes_before_the_standard_folders(tmp_path):
    _tree(tmp_path, "Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
    on_path = {"chromium": "/opt/homebrew/bin/chromium"}
    assert find_browser("Darwin", {"HOME": "/Users/lan"}, on_path.get, _rooted(tmp_path)) == \
        "/opt/homebrew/bin/chromium"


def test_linux_looks_only_on_path_and_the_variable_wins(tmp_path):
    browser = tmp_path / "bin" / "chromium"
    _tree(tmp_path, "bin/chromium")
    browser.chmod(0o755)
    assert standard_locations("Linux", {"HOME": "/home/a"}) == []
    assert find_browser("Linux", {"PATH": str(tmp_path / "bin")}) == str(browser)
    assert find_browser("Linux", {"PATH": "", "TTHC_CHROMIUM": str(browser)}) == str(browser)
    assert find_browser("Linux", {"PATH": ""}) is None
