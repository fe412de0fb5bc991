"""The report's serif, "TTHC Serif": a Times-metric family with every Vietnamese letter,
found on the system and embedded in HTML as subset WOFF data URIs (nothing is fetched).

Cutting the four faces to the report's characters takes fontTools about 2.4 s, which every
process that writes a page (each worker, the index) would pay once: the cut faces are kept in
a cache folder ($TTHC_CACHE_DIR, else $XDG_CACHE_HOME/tthc-report, else ~/.cache/tthc-report)
under a key of the font file's path and stat, fontTools' version and the character ranges, so
a changed or updated font is cut again. The cache is a convenience: when it cannot be read
or written the face is cut as before."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
from functools import cache, lru_cache
from pathlib import Path

from tthc_lib.errors import ReportError

FONT_FAMILY = "TTHC Serif"


# (css weight, css style) -> file name stem per known family, Times-metric with Vietnamese.
FONT_FILES = {
    "Liberation Serif": {
        (400, "normal"): "LiberationSerif-Regular.ttf", (700, "normal"): "LiberationSerif-Bold.ttf",
        (400, "italic"): "LiberationSerif-Italic.ttf",
        (700, "italic"): "LiberationSerif-BoldItalic.ttf",
    },
    "Tinos": {
        (400, "normal"): "Tinos-Regular.ttf", (700, "normal"): "Tinos-Bold.ttf",
        (400, "italic"): "Tinos-Italic.ttf", (700, "italic"): "Tinos-BoldItalic.ttf",
    },
    "Times New Roman": {
        (400, "normal"): "times.ttf", (700, "normal"): "timesbd.ttf",
        (400, "italic"): "timesi.ttf", (700, "italic"): "timesbi.ttf",
    },
}


FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/croscore", "/usr/share/fonts/liberation-serif-fonts",
    "/usr/share/fonts/liberation-serif", "/usr/share/fonts/google-croscore",
    "/usr/share/fonts/TTF", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
    "/Library/Fonts", "~/Library/Fonts", os.path.join(os.environ.get("WINDIR", "C:/Windows"), "Fonts"),
)


VIETNAMESE_SAMPLE = "ĂÂĐÊÔƠƯăâđêôơư" + "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸỹ"


# Latin, Vietnamese, combining marks, punctuation, currency, arrows, maths, boxes.
SUBSET_RANGES = ((0x20, 0x24F), (0x2B0, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
                 (0x20A0, 0x20CF), (0x2100, 0x22FF), (0x25A0, 0x25FF))


@lru_cache(maxsize=1)
def font_css() -> str:
    """@font-face rules of "TTHC Serif" (four faces) as data URIs; found once per process."""
    faces = _find_font_faces()
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f"font-style: {style}; src: url(data:font/woff;base64,{_font_data(path)}) "
        'format("woff"); }'
        for (weight, style), path in faces.items()
    )


def _find_font_faces() -> dict[tuple[int, str], Path]:
    """The four faces of the first known Times-metric family installed with full Vietnamese."""
    for family, files in FONT_FILES.items():
        faces = {key: _locate(family, name) for key, name in files.items()}
        if all(faces.values()) and all(map(_covers_vietnamese, faces.values())):
            return faces
    raise ReportError(
        "Không tìm thấy phông chữ Times (có đủ tiếng Việt) để nhúng vào báo cáo: cài "
        "fonts-liberation2 hoặc fonts-croscore (Debian), hoặc phông Times New Roman."
    )


def _locate(family: str, file_name: str) -> Path | None:
    for folder in FONT_DIRS:
        path = Path(folder).expanduser() / file_name
        if path.is_file():
            return path
    return _fc_list(family).get(file_name.lower())


@cache
def _fc_list(family: str) -> dict[str, Path]:
    """Font files of `family` known to fontconfig, by lower-case file name ({} without it)."""
    if not shutil.which("fc-list"):
        return {}
    try:
        listing = subprocess.run(["fc-list", family, "file"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    paths = [Path(line.split(":")[0].strip()) for line in listing.splitlines() if line.strip()]
    return {path.name.lower(): path for path in paths}


def _covers_vietnamese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    cmap = TTFont(path, lazy=True).getBestCmap() or {}
    return all(ord(char) in cmap for char in VIETNAMESE_SAMPLE)


CACHE_VERSION = "1"


def _font_data(path: Path) -> str:
    """The face cut to the characters of Vietnamese reports, as base64 WOFF (from the cache
    folder when it holds this face's cut)."""
    cached = _cache_file(path)
    try:
        data = cached.read_text(encoding="ascii")
        if base64.b64decode(data[:8]).startswith(b"wOFF"):
            return data
    except (OSError, ValueError):
        pass
    data = _subset(path)
    try:
        from tthc_lib.atomic import write_bytes_atomic

        write_bytes_atomic(cached, data.encode("ascii"))
    except (OSError, ReportError):  # no cache folder: cut again next time
        pass
    return data


def cache_dir() -> Path:
    """Where cut faces are kept: $TTHC_CACHE_DIR, $XDG_CACHE_HOME/tthc-report, ~/.cache/…"""
    if os.environ.get("TTHC_CACHE_DIR"):
        return Path(os.environ["TTHC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tthc-report"


def _cache_file(path: Path) -> Path:
    import fontTools

    st = Path(path).stat()
    key = hashlib.sha256(repr((CACHE_VERSION, str(Path(path).resolve()), st.st_size,
                               st.st_mtime_ns, fontTools.version, SUBSET_RANGES))
                         .encode("utf-8")).hexdigest()[:20]
    return cache_dir() / "fonts" / f"{Path(path).stem}-{key}.woff.b64"


def _subset(path: Path) -> str:
    """The face cut to the characters of Vietnamese reports, as base64 WOFF."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge's timestamp: unknown to the subsetter
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in SUBSET_RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
