"""A PDF read back as text (poppler's pdftotext)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def whole(pdf: Path) -> bool:
    """poppler reads every page of it (a cut file has no trailer / xref)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    return info.returncode == 0 and "Pages:" in info.stdout and info.stderr == ""
