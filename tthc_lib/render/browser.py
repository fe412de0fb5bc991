"""Finding a Chromium-family browser to print PDFs: $TTHC_CHROMIUM, then PATH, then the
standard install folders of Windows (Chrome, Edge, Chromium; every Windows has Edge) and macOS
(the .app bundles in /Applications and ~/Applications).

The lookup takes the operating system and the environment as arguments, so each layout can be
tested on any machine."""

from __future__ import annotations

import os
import platform
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

__all__ = ["MISSING_BROWSER", "find_browser", "standard_locations"]

PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
              "chrome", "msedge", "microsoft-edge", "microsoft-edge-stable")

MISSING_BROWSER = ("Không tìm thấy trình duyệt để in PDF (Chromium, Google Chrome hoặc "
                   "Microsoft Edge): hãy cài một trong số đó (Debian: apt-get install chromium) "
                   "hoặc đặt biến TTHC_CHROMIUM là đường dẫn tệp chạy của trình duyệt.")

_WINDOWS_TAILS = (
    ("Google", "Chrome", "Application", "chrome.exe"),
    ("Microsoft", "Edge", "Application", "msedge.exe"),
    ("Chromium", "Application", "chrome.exe"),
)
_WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")

_MAC_APPS = (
    ("Google Chrome.app", "Contents", "MacOS", "Google Chrome"),
    ("Microsoft Edge.app", "Contents", "MacOS", "Microsoft Edge"),
    ("Chromium.app", "Contents", "MacOS", "Chromium"),
)


def standard_locations(system: str, env: Mapping[str, str]) -> list[PurePath]:
    """Where Chrome, Edge and Chromium install themselves on `system` ("Windows", "Darwin";
    nothing beyond PATH elsewhere), in order of preference."""
    if system == "Windows":
        roots = [PureWindowsPath(env[name]) for name in _WINDOWS_ROOTS if env.get(name)]
        if not any(env.get(name) for name in _WINDOWS_ROOTS[:2]):
            roots += [PureWindowsPath(r"C:\Program Files"),
                      PureWindowsPath(r"C:\Program Files (x86)")]
        return [root.joinpath(*tail) for tail in _WINDOWS_TAILS for root in roots]
    if system == "Darwin":
        folders = [PurePosixPath("/Applications")]
        if env.get("HOME"):
            folders.append(PurePosixPath(env["HOME"]) / "Applications")
        return [folder.joinpath(*app) for app in _MAC_APPS for folder in folders]
    return []


def find_browser(system: str | None = None, env: Mapping[str, str] | None = None,
                 which: Callable[[str], str | None] | None = None,
                 exists: Callable[[PurePath], bool] | None = None) -> str | None:
    """The browser's executable, or None: $TTHC_CHROMIUM (a path or a name on PATH), the
    usual names on PATH, then the standard install folders of `system`."""
    system = system or platform.system()
    env = os.environ if env is None else env
    which = which or (lambda name: shutil.which(name, path=env.get("PATH")))
    exists = exists or (lambda path: Path(path).is_file())
    chosen = env.get("TTHC_CHROMIUM", "")
    if chosen:
        found = which(chosen) or (chosen if exists(PurePath(chosen)) else None)
        if found:
            return found
    for name in PATH_NAMES:
        found = which(name)
        if found:
            return found
    for path in standard_locations(system, env):
        if exists(path):
            return str(path)
    return None
