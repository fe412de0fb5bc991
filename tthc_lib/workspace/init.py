"""`tthc init DIR`: make a workspace, or bring one up to date after an ingest.

Nothing the office wrote is overwritten: files are only created when missing, and units found
in the store are appended to params/units.yaml below what is there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from tthc_lib.content.words.narrative import narrative_path
from tthc_lib.content.words.roles import doc_suffix, role_of
from tthc_lib.errors import TthcError
from tthc_lib.periods import Period
from tthc_lib.store import DEFAULT_DB
from tthc_lib.workspace.defaults import NotebookDefaults, store_defaults, write_defaults
from tthc_lib.workspace.find import builtin_params, packaged_notebooks
from tthc_lib.workspace.skeleton import narrative_skeleton

__all__ = ["init_workspace"]

README = """# Thư mục làm việc báo cáo cải cách TTHC

- `params/`: thiết lập (report.yaml), người ký (units.yaml), nơi nhận (recipients.yaml),
  hồ sơ nguồn cho tệp xuất của hệ thống khác (sources/), lời văn theo kỳ (narrative/).
- `notebooks/`: các notebook mục báo cáo (mở bằng JupyterLab để xem từng mục).
- `data/`: kho dữ liệu (tthc.duckdb). `outputs/`: báo cáo HTML/PDF.

Các bước: `tthc inspect TỆP...` (xem tệp được đọc thế nào), `tthc ingest TỆP...`,
`tthc init .` (thêm đơn vị đã nạp vào params/units.yaml), `tthc report --period 2023-Q3
--unit all`, `tthc preview --unit MÃ --period 2023-Q3` (xem trực tiếp khi sửa lời văn).
"""


@dataclass
class InitResult:
    root: Path
    created: list[Path] = field(default_factory=list)
    units_added: list[str] = field(default_factory=list)
    notebooks_updated: list[Path] = field(default_factory=list)
    defaults: NotebookDefaults | None = None


def init_workspace(folder: Path, period: Period | None = None,
                   today: date | None = None, db: Path | None = None) -> InitResult:
    """Create what is missing of the workspace at `folder`; add the units of the store `db`
    (default: the workspace's data/tthc.duckdb) to units.yaml. A place that cannot hold it
    (below a file, read-only) is one line."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise TthcError(f"{folder} là một tệp, không phải thư mục; hãy chọn thư mục khác.")
    try:
        return _init(folder, period, today, Path(db) if db else folder / DEFAULT_DB)
    except OSError as exc:
        raise TthcError(f"Không tạo được thư mục làm việc {folder}: {_why(exc)}; hãy chọn "
                        "thư mục khác.") from None


def _why(exc: OSError) -> str:
    import errno

    where = exc.filename or ""
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocking = next((p for p in Path(where).parents if p.is_file()), Path(where))
        return f"{blocking} là một tệp, không phải thư mục"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"không có quyền ghi vào {where}"
    return f"{where}: {exc.strerror}"


def _init(folder: Path, period: Period | None, today: date | None, db: Path) -> InitResult:
    result = InitResult(folder)
    _copy_params(folder / "params", result)
    for sub in ("data", "outputs"):
        _mkdir(folder / sub, result)
    if not (folder / "README.md").exists():
        _write(folder / "README.md", README, result)
    registry = _stored_units(db)
    defaults = store_defaults(db, today or date.today(),
                              _calendar(folder / "params"), period)
    _write_notebooks(folder / "notebooks", defaults, result)
    skeleton = narrative_path(folder / "params", defaults.period.start, defaults.period.end)
    if not skeleton.exists():
        _write(skeleton, narrative_skeleton(defaults.period, _calendar(folder / "params")),
               result)
    result.units_added = add_units(folder / "params" / "units.yaml", registry)
    return result


def _mkdir(path: Path, result: InitResult) -> None:
    if not path.exists():
        path.mkdir(parents=True)
        result.created.append(path)


def _write(path: Path, text: str, result: InitResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result.created.append(path)


def _copy_params(params: Path, result: InitResult) -> None:
    template = builtin_params()
    for src in sorted(template.rglob("*")):
        dst = params / src.relative_to(template)
        if src.is_dir():
            _mkdir(dst, result)
        elif not dst.exists():
            _write(dst, src.read_text(encoding="utf-8"), result)
    _mkdir(params / "narrative", result)


def _calendar(params: Path) -> str:
    try:
        data = yaml.safe_load((params / "report.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return "calendar"
    return str(data.get("calendar") or "calendar") if isinstance(data, dict) else "calendar"


def _stored_units(db: Path) -> list[dict]:
    """The registry in the workspace's store (code, name, parent), or [] before any ingest."""
    if not db.exists():
        return []
    from tthc_lib.store.connection import open_store

    with open_store(db, read_only=True) as con:
        rows = con.execute("SELECT unit_code, unit_name, kind, level, role, parent_code "
                           "FROM units ORDER BY parent_code NULLS FIRST, unit_code").fetchall()
    names = {r[0]: r for r in rows}
    return [{"code": c, "name": n, "parent": p,
             "info": {"unit_name": n, "kind": k, "level": lv, "role": r},
             "parent_info": ({"unit_name": names[p][1], "kind": names[p][2]}
                             if p in names else None)}
            for c, n, k, lv, r, p in rows]


def _write_notebooks(folder: Path, defaults: NotebookDefaults, result: InitResult) -> None:
    """Copy the packaged section notebooks, their parameters defaulting to this workspace's
    active top unit and last complete period; refresh those defaults in notebooks already
    there (`result.notebooks_updated`)."""
    _mkdir(folder, result)
    for src in sorted(packaged_notebooks().glob("[0-9][0-9]_*.ipynb")):
        dst = folder / src.name
        existed = dst.exists()
        if write_defaults(src, dst, defaults):
            (result.notebooks_updated if existed else result.created).append(dst)
    result.defaults = defaults


_UNITS_KEY = re.compile(r"^units:\s*(\{\s*\})?\s*(#.*)?$")
_TOP_KEY = re.compile(r"^[^\s#-][^:]*:")


def add_units(path: Path, registry: list[dict]) -> list[str]:
    """Append the stored units missing from `units:` of units.yaml; returns their codes."""
    text = path.read_text(encoding="utf-8") if path.exists() else "units:\n"
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise TthcError(f"{path}: không đúng cú pháp YAML ({exc.problem}); hãy sửa rồi chạy "
                        "lại tthc init.") from None
    have = set((data.get("units") or {}) if isinstance(data, dict) else {})
    missing = [u for u in registry if u["code"] not in have]
    if not missing:
        return []
    lines = text.splitlines()
    at = [i for i, line in enumerate(lines) if _UNITS_KEY.match(line)]
    if not at:
        lines.append("units:")
    elif any(_TOP_KEY.match(line) for line in lines[at[-1] + 1:]):
        raise TthcError(f"{path}: khóa \"units:\" phải là khóa cuối tệp để tthc init thêm đơn "
                        "vị mới; hãy chuyển nó xuống cuối tệp.")
    else:
        lines[at[-1]] = "units:"
    for u in missing:
        lines.append(_unit_line(u))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [u["code"] for u in missing]


ROLE_WORDS = {"province": "tỉnh, thành phố", "department": "sở", "board": "ban",
              "district": "cấp huyện", "commune": "xã, phường"}


def _unit_line(unit: dict) -> str:
    """`  HPSTP: {name: "", doc_suffix: BC-STP}  # Sở Tư pháp (sở): ghi tên người ký`."""
    code = yaml.safe_dump(unit["code"]).splitlines()[0]
    info = unit.get("info")
    if not info:
        return f'  {code}: {{name: ""}}  # {unit["name"]}: ghi tên người ký'
    suffix = doc_suffix(info, unit.get("parent_info"))
    return (f'  {code}: {{name: "", doc_suffix: {suffix}}}  # {unit["name"]} '
            f'({ROLE_WORDS[role_of(info)]}): ghi tên người ký')
