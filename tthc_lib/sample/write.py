"""Writing the sample's tables as exports, with the messiness of real ones: encodings,
separators, date forms, synonyms, duplicates and a few bad rows."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from tthc_lib import vocab
from tthc_lib.sample.model import (
    COMMUNE_KINDS,
    LOCAL_OFFSET,
    day64,
)
from tthc_lib.vocab import LEVEL_LABELS

# What the exports write for each canonical value (all are synonyms known to vocab).
CHANNEL_LABELS = {"online": "Trực tuyến", "in_person": "Trực tiếp"}


POST_LABELS = ("Dịch vụ bưu chính", "Bưu chính")


STATUS_LABELS = {
    "open": ("Đang giải quyết",),
    "paused": ("Chờ bổ sung", "Tạm dừng"),
    "resolved": ("Đã giải quyết", "Đã trả kết quả"),
    "withdrawn": ("Đã rút", "Rút hồ sơ"),
    "returned": ("Trả lại", "Từ chối"),
}




ONLINE_LABELS = {"full": "Toàn trình", "partial": "Một phần", "none": ("", "Không")}


CHANGE_LABELS = {"new": "Ban hành mới", "amended": "Sửa đổi, bổ sung", "abolished": "Bãi bỏ"}


TOPIC_LABELS = {
    "regulation_or_conduct": ("Quy định hành chính", "Hành vi hành chính"),
    "business_regulation": ("Quy định kinh doanh",),
}






FILES = {
    "units": "don_vi.csv",
    "procedures": "thu_tuc_hanh_chinh.xlsx",
    "changes": "cong_bo_tthc.csv",
    "dossiers": "ho_so_{year}.csv",
    "feedback": "phan_anh_kien_nghi.csv",
}


def header_of(kind: str, name: str) -> str:
    return next(c.header for c in vocab.SCHEMAS[kind] if c.name == name)


def _headers(kind: str):
    """name -> Vietnamese header, for one kind."""
    return {c.name: c.header for c in vocab.SCHEMAS[kind]}.__getitem__


def write_all(out_dir: Path, spec, procs, changes, dossiers, feedback, rng) -> list[Path]:
    paths = [_write_units(out_dir, spec), write_procedures(out_dir, spec, procs, rng),
             write_changes(out_dir, changes)]
    years = np.datetime_as_string(dossiers["received"].to_numpy(), unit="Y").astype(int)
    first_year = years.min()
    for year in sorted(set(years)):
        part = dossiers[years == year].reset_index(drop=True)
        paths.append(write_dossiers(out_dir, part, year, old=(year == first_year), rng=rng,
                                     spec=spec))
    paths.append(write_later_feedback(out_dir, feedback, spec, rng))
    return paths


def write_csv(path: Path, table: pd.DataFrame, sep: str = ",", bom: bool = False) -> Path:
    """CSV as spreadsheets write it: fields quoted only when they need it, CRLF lines."""
    def cell(v) -> str:
        v = "" if v is None else str(v)
        if sep in v or '"' in v or "\n" in v:
            return '"' + v.replace('"', '""') + '"'
        return v

    columns = [[cell(v) for v in table[c].to_numpy(dtype=object)] for c in table.columns]
    lines = [sep.join(cell(c) for c in table.columns)]
    lines += [sep.join(row) for row in zip(*columns)]
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _write_units(out_dir: Path, spec: dict) -> Path:
    city = spec["city"]
    rows = [(city["unit_code"], city["unit_name"], city["kind"], "")]
    rows += [(u["code"], u["name"], unit_kind(u), city["unit_code"])
             for u in spec["units"]]
    table = pd.DataFrame(rows, columns=[header_of("units", c) for c in
                                        ("unit_code", "unit_name", "kind", "parent_code")])
    table.insert(0, "STT", range(1, len(table) + 1))
    return write_csv(out_dir / FILES["units"], table)


def unit_kind(unit: dict) -> str:
    """A ward or commune's kind: as given, else the start of its name."""
    if unit.get("kind"):
        return unit["kind"]
    return next(k for k in COMMUNE_KINDS if unit["name"].startswith(k + " "))


def write_procedures(out_dir: Path, spec: dict, procs: pd.DataFrame, rng,
                      name: str | None = None, title: str | None = None) -> Path:
    """The catalogue as an Excel export: two title lines, a blank line, then the table."""
    from openpyxl import Workbook

    none_labels = ONLINE_LABELS["none"]
    online = [ONLINE_LABELS[o] if o != "none" else none_labels[int(rng.integers(2))]
              for o in procs["online"]]
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục TTHC"
    city = spec["city"]
    title = title or (f"DANH MỤC THỦ TỤC HÀNH CHÍNH THUỘC THẨM QUYỀN GIẢI QUYẾT CỦA "
                      f"UBND {city['unit_name'].upper()} VÀ UBND CẤP XÃ")
    exported = spec["calendar"]["export_date"].strftime("%d/%m/%Y")
    ws.append([title])
    ws.append([f"(Dữ liệu xuất từ Hệ thống thông tin giải quyết TTHC ngày {exported})"])
    ws.append([])
    ws.append(["STT"] + [header_of("procedures", c) for c in
                         ("procedure_code", "procedure_name", "field", "level", "online_service")]
              + ["Thời hạn giải quyết"])
    for i, (p, label) in enumerate(zip(procs.itertuples(), online), start=1):
        ws.append([i, p.code, p.name, p.field, LEVEL_LABELS[p.level], label,
                   f"{p.days:02d} ngày làm việc"])
    for col, width in zip("ABCDEFG", (6, 12, 80, 30, 12, 22, 20)):
        ws.column_dimensions[col].width = width
    path = out_dir / (name or FILES["procedures"])
    path.write_bytes(_stable_xlsx(wb, spec["calendar"]["export_date"]))
    return path


def _stable_xlsx(wb, when) -> bytes:
    """The workbook's bytes with fixed timestamps (zip entries and document properties), so
    that the same sample is the same file."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = f"{when.isoformat()}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                              lambda m: m.group(1) + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day,
                                                              0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def write_changes(out_dir: Path, changes: pd.DataFrame, name: str | None = None) -> Path:
    """Semicolon-separated, as a regional Excel saves CSV."""
    table = pd.DataFrame({
        "STT": range(1, len(changes) + 1),
        header_of("changes", "decision_no"): changes["decision_no"],
        header_of("changes", "decision_date"): _format_dates(changes["decision_date"].to_numpy()
                                                           .astype("datetime64[s]"), "dmy"),
        header_of("changes", "procedure_code"): changes["procedure_code"],
        header_of("changes", "level"): changes["level"].map(LEVEL_LABELS),
        header_of("changes", "change"): changes["change"].map(CHANGE_LABELS),
    })
    return write_csv(out_dir / (name or FILES["changes"]), table, sep=";")


_D, _M, _Y = [8, 9], [5, 6], [0, 1, 2, 3]
_HM, _HMS, _ISO = list(range(11, 16)), list(range(11, 19)), list(range(19))

# Each form as positions in "YYYY-MM-DDTHH:MM:SS" (ints) and literal characters (str).
DATE_FORMS = {
    "dmy": _D + ["/"] + _M + ["/"] + _Y,
    "dmy_hm": _D + ["/"] + _M + ["/"] + _Y + [" "] + _HM,
    "dmy_hms": _D + ["/"] + _M + ["/"] + _Y + [" "] + _HMS,
    "iso": _ISO,
    "iso_offset": _ISO + list("+07:00"),
    "utc": _ISO + ["Z"],
}


def _format_dates(ts: np.ndarray, form) -> np.ndarray:
    """Local instants (datetime64[s], NaT = empty) written in a form per row: dmy, dmy_hm,
    dmy_hms, iso, iso_offset (+07:00) or utc (Z)."""
    ts = np.asarray(ts, dtype="datetime64[s]")
    forms = np.broadcast_to(np.asarray(form, dtype=object), ts.shape)
    out = np.full(ts.shape, "", dtype=object)
    for name, layout in DATE_FORMS.items():
        rows = (forms == name) & ~np.isnat(ts)
        if rows.any():
            shifted = ts[rows] - LOCAL_OFFSET if name == "utc" else ts[rows]
            out[rows] = rearrange_iso(np.datetime_as_string(shifted, unit="s"), layout)
    return out


def rearrange_iso(iso: np.ndarray, layout: list) -> np.ndarray:
    """Fixed-width ISO strings rebuilt character by character (vectorised)."""
    codes = iso.astype("<U19").view(np.uint32).reshape(len(iso), 19)
    out = np.empty((len(iso), len(layout)), dtype=np.uint32)
    for j, part in enumerate(layout):
        out[:, j] = codes[:, part] if isinstance(part, int) else ord(part)
    return out.view(f"<U{len(layout)}").ravel()


def _labels(rng, values: pd.Series, table: dict) -> list[str]:
    """Each canonical value as one of its export labels, picked at random."""
    pick = rng.integers(0, 2, len(values))
    out = []
    for v, i in zip(values.to_numpy(dtype=object), pick):
        options = table[v]
        out.append(options if isinstance(options, str) else options[i % len(options)])
    return out


def write_dossiers(out_dir, df: pd.DataFrame, year: int, old: bool, rng, spec) -> Path:
    """One year of dossiers. The older export: UTF-8 with BOM, dd/mm/yyyy HH:MM:SS, Có/Không.
    The newer: dates in mixed forms, x/empty flags. Both: status synonyms, a few exact
    duplicates and a few rows the loader must set aside."""
    n = len(df)
    if old:
        form = np.full(n, "dmy_hms", dtype=object)
        due_form = form
        flags = ("Có", "Không")
    else:
        form = rng.choice(np.array(["dmy_hm", "iso", "iso_offset", "utc"], dtype=object), n,
                          p=[0.75, 0.15, 0.06, 0.04])
        due_form = rng.choice(np.array(["dmy", "dmy_hm"], dtype=object), n)
        flags = ("x", "")
    post = POST_LABELS[1] if old else POST_LABELS[0]
    channel = [CHANNEL_LABELS.get(c, post) for c in df["channel"].to_numpy(dtype=object)]
    h = _headers("dossiers")
    table = pd.DataFrame({
        "STT": np.arange(1, n + 1),
        h("dossier_id"): df["dossier_id"], h("unit_code"): df["unit_code"],
        h("procedure_code"): df["procedure_code"], h("procedure_name"): df["procedure_name"],
        h("channel"): channel,
        h("applicant_name"): df["applicant_name"], h("applicant_id"): df["applicant_id"],
        h("applicant_phone"): df["applicant_phone"],
        h("applicant_address"): df["applicant_address"],
        h("received_at"): _format_dates(df["received_at"].to_numpy(), form),
        h("due_at"): _format_dates(df["due_at"].to_numpy(), due_form),
        h("closed_at"): _format_dates(df["closed_at"].to_numpy(), form),
        h("status"): _labels(rng, df["status"], STATUS_LABELS),
        h("digitised_on_receipt"): np.where(df["digitised_on_receipt"], *flags),
        h("result_digitised"): np.where(df["result_digitised"], *flags),
    })
    table = _with_messiness(rng, table, df, spec, old)
    return write_csv(out_dir / FILES["dossiers"].format(year=year), table, bom=old)


def _with_messiness(rng, table: pd.DataFrame, df: pd.DataFrame, spec: dict, old: bool):
    """Insert exact duplicates of a few rows, and a few bad rows: an unknown unit, an
    unparseable date and, in the newer file, a closing before the receipt. Bad rows get ids
    of their own so that they cannot clash with good ones."""
    h = _headers("dossiers")
    ps, pe = day64(spec["period"]["start"]), day64(spec["period"]["end"])
    recv = df["received"].to_numpy()
    if old:
        pool = np.flatnonzero((df["block"] == "carried").to_numpy())
        bad_kinds = ("unit", "date")
    else:
        pool = np.flatnonzero((recv >= ps) & (recv <= pe) & (df["status"] == "resolved"))
        bad_kinds = ("unit", "date", "order")
    dups = rng.choice(pool, 2 if old else 4, replace=False)
    bad_src = rng.choice(np.setdiff1d(pool, dups), len(bad_kinds), replace=False)
    extra = [table.iloc[[i]] for i in dups]
    codes = set(df["unit_code"]) | {spec["city"]["unit_code"]}
    for j, (kind, i) in enumerate(zip(bad_kinds, bad_src), start=1):
        row = table.iloc[[i]].copy()
        row[h("dossier_id")] = df["dossier_id"].iloc[i][:-4] + f"9{j:03d}"
        if kind == "unit":
            row[h("unit_code")] = _unknown_unit(spec["city"]["unit_code"], codes)
        elif kind == "date":
            row[h("received_at")] = "không rõ" if old else "31/02/2023 08:15"
        else:
            closed = df["received_at"].to_numpy()[i] - np.timedelta64(2, "D")
            row[h("closed_at")] = _format_dates(np.array([closed]), "dmy_hm")[0]
        extra.append(row)
    positions = np.concatenate([dups, bad_src]) + 0.5
    merged = pd.concat([table] + extra, ignore_index=True)
    order = np.argsort(np.concatenate([np.arange(len(table)), positions]), kind="stable")
    return merged.iloc[order].reset_index(drop=True)


def _unknown_unit(city_code: str, codes: set) -> str:
    i = 99
    while f"{city_code}{i:02d}" in codes:
        i -= 1
    return f"{city_code}{i:02d}"


def feedback_table(fb: pd.DataFrame, rng) -> pd.DataFrame:
    """The feedback records as their export writes them (topic labels drawn from `rng`)."""
    h = _headers("feedback")
    n = len(fb)
    return pd.DataFrame({
        h("feedback_id"): fb["feedback_id"], h("unit_code"): fb["unit_code"],
        h("topic"): _labels(rng, fb["topic"], TOPIC_LABELS),
        h("received_at"): _format_dates(fb["received_at"].to_numpy(), ["dmy_hm"] * n),
        h("due_at"): _format_dates(fb["due_at"].to_numpy(), ["dmy"] * n),
        h("handled_at"): _format_dates(fb["handled_at"].to_numpy(), ["dmy_hm"] * n),
        h("content"): fb["content"],
    })


def write_later_feedback(out_dir: Path, fb: pd.DataFrame, spec: dict, rng) -> Path:
    """Feedback export with free-text content; one exact duplicate and one row with a unit
    outside the registry (received in the period: it must be set aside, not counted)."""
    h = _headers("feedback")
    table = feedback_table(fb, rng)
    ps, pe = day64(spec["period"]["start"]), day64(spec["period"]["end"])
    recv = fb["received_at"].to_numpy().astype("datetime64[D]")
    i = int(np.flatnonzero((recv >= ps) & (recv <= pe))[0])
    bad = table.iloc[[i]].copy()
    bad[h("feedback_id")] = f"{fb['feedback_id'].iloc[i]}-B"
    codes = {spec["city"]["unit_code"]} | {u["code"] for u in spec["units"]}
    bad[h("unit_code")] = _unknown_unit(spec["city"]["unit_code"], codes)
    table = pd.concat([table.iloc[: i + 1], table.iloc[[i]], bad, table.iloc[i + 1:]],
                      ignore_index=True)
    return write_csv(out_dir / FILES["feedback"], table)
