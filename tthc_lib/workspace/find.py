"""Which params, notebooks, store and output folder a command uses
(docs/interfaces.md § Workspaces).

A workspace is a folder holding `params/report.yaml`; the current folder or the nearest one
above it that is a workspace is used. Options given on the command line win; outside any
workspace the built-in params (no narrative, no signers) and the section notebooks shipped in
the package are used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tthc_lib.store import resolve_db

__all__ = ["Workspace", "builtin_params", "find_workspace", "packaged_notebooks", "resolve",
           "sample_spec"]

MARKER = Path("params") / "report.yaml"


def _packaged(*parts: str) -> Path:
    """A folder or file shipped inside the package (importlib.resources is imported here: a
    command run inside a workspace needs none)."""
    from importlib import resources

    ref = resources.files("tthc_lib")
    for part in parts:
        ref = ref / part
    return Path(str(ref))


def packaged_notebooks() -> Path:
    """The section notebooks of the package: the copy an installed wheel holds (setup.py
    copies the repository's notebooks/ into it), else, in a source checkout or an editable
    install, that notebooks/ folder itself beside the package (the one committed copy)."""
    shipped = _packaged("notebooks")
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "notebooks"


def builtin_params() -> Path:
    """The params a new workspace starts from; used as they are outside any workspace."""
    return _packaged("workspace", "template", "params")


def find_workspace(start: str | os.PathLike | None = None) -> Path | None:
    """The workspace holding `start` (default: the current folder), or None."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


@dataclass(frozen=True)
class Workspace:
    """What one command works with; `root` is None outside any workspace."""

    root: Path | None
    params: Path
    notebooks: Path
    db: Path
    out: Path

    def period(self, text: str):
        """`text` (any form of docs/interfaces.md § Periods) in these params' calendar."""
        from tthc_lib.content.words.narrative import Settings
        from tthc_lib.periods import parse_period

        return parse_period(text, Settings.load(self.params).calendar)

    def profiles(self):
        """The source profiles of params/sources/ (docs/profiles.md), checked."""
        from tthc_lib.ingest.profiles import load_profiles

        return load_profiles(self.params / "sources")

    @property
    def params_origin(self) -> str:
        """One line saying which params are used, for a command run outside a workspace."""
        if self.params == builtin_params():
            return ("Không ở trong thư mục làm việc nào (tạo bằng tthc init THƯ_MỤC): dùng tham "
                    "số mặc định của gói, không có lời văn.")
        return f"Dùng tham số trong {self.params}."


def resolve(db: str | None = None, params: str | None = None, notebooks: str | None = None,
            out: str | None = None, start: str | os.PathLike | None = None) -> Workspace:
    """Options first, then $TTHC_DB (store only), then the workspace, then the built-ins."""
    root = find_workspace(start)
    base = root or Path(start or os.getcwd())
    ws_notebooks = root / "notebooks" if root else None
    if ws_notebooks is not None and not any(ws_notebooks.glob("[0-9][0-9]_*.ipynb")):
        ws_notebooks = None
    return Workspace(
        root=root,
        params=Path(params) if params else (root / "params" if root else builtin_params()),
        notebooks=Path(notebooks) if notebooks else (ws_notebooks or packaged_notebooks()),
        db=resolve_db(db, base),
        out=Path(out) if out else base / "outputs",
    )


# The sample's specs, newest first; the package ships copies of both (tests check they match).
SAMPLE_SPECS = ("sample_city_2026.yaml", "sample_city.yaml")


def sample_spec(given: str | None = None, start: str | os.PathLike | None = None) -> Path:
    """The sample city's spec: --spec, else the workspace's params/sample_city_2026.yaml (the
    repository root's: the 2022-2023 sample continued to 2026, on its base
    params/sample_city.yaml), else the copy shipped in the package."""
    if given:
        return Path(given)
    root = find_workspace(start)
    for name in SAMPLE_SPECS:
        if root is not None and (root / "params" / name).is_file():
            return root / "params" / name
    return _packaged("data", SAMPLE_SPECS[0])
