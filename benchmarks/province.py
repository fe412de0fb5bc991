"""A province-sized set of one-stop exports for the benchmarks: deterministic, written fast.

Districts (Thành phố, Thị xã, Huyện) at the top of the unit registry, each with its wards and
communes (Phường, Xã, Thị trấn) below; a procedure catalogue of both levels; dossiers split
into equal CSV exports (Vietnamese headers of docs/input-format.md, `dd/mm/yyyy HH:MM:SS` times,
applicant columns filled as real exports carry them); a few thousand feedback records. Every
row is valid: the set loads with no row set aside.

Random draws are numpy (one seed, same bytes every run); DuckDB formats the text and writes the
CSV, so two million dossiers take seconds, not minutes.

    python benchmarks/province.py OUT_DIR [--districts 10 --communes 24 --dossiers 2000000]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tthc_lib import vocab

# Dossiers are received from FIRST_DAY to the day before EXPORT_DAY; the export is taken at
# EXPORT_DAY 00:00 local time, so anything closing later is still open in the export.
FIRST_DAY = np.datetime64("2023-07-01")
EXPORT_DAY = np.datetime64("2025-01-01")
# The period the benchmarks compute indicators for: carried-over, in and after all occur.
PERIOD = (date(2024, 1, 1), date(2024, 10, 31))

DAY_S = 86_400
DUE_S = 17 * 3600            # appointments are at 17:00

DISTRICT_KINDS = ("Thành phố", "Thị xã", "Thị xã", "Huyện", "Huyện", "Huyện", "Huyện",
                  "Huyện", "Huyện", "Huyện")
PLACE_A = ("An", "Bình", "Cẩm", "Đông", "Hòa", "Hưng", "Kim", "Long", "Minh", "Nam", "Phú",
           "Quang", "Tân", "Thanh", "Thuận", "Vĩnh", "Gia", "Hải", "Lạc", "Ngọc")
PLACE_B = ("Lạc", "Hòa", "Phong", "Thịnh", "Lợi", "Sơn", "Thành", "Tiến", "Phước", "Xuân",
           "Hưng", "Mỹ", "Đức", "Khánh", "An", "Điền", "Bình", "Yên", "Trung", "Châu")
FIELDS = ("Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Lao động, thương binh và xã hội",
          "Thành lập và hoạt động của hộ kinh doanh", "Tư pháp", "Văn hóa", "Giáo dục và Đào tạo",
          "Y tế", "Nông nghiệp", "Tài nguyên và môi trường", "Nội vụ", "Giao thông vận tải")
VERBS = ("Cấp giấy phép", "Đăng ký", "Cấp bản sao", "Xác nhận", "Cấp đổi", "Cấp lại",
         "Điều chỉnh", "Gia hạn", "Thẩm định", "Giải quyết")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Đinh")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu", "Thanh", "Xuân")
GIVEN = ("Hùng", "Lan", "Dũng", "Hương", "Tuấn", "Mai", "Hải", "Linh", "Nam", "Trang", "Long",
         "Thảo", "Sơn", "Yến", "Quân", "Hạnh", "Bình", "Anh", "Việt", "Quỳnh")
VILLAGES = ("Thôn Đông", "Thôn Đoài", "Thôn Nam", "Thôn Bắc", "Khu 1", "Khu 2", "Tổ 3", "Tổ 5")
PHONE_PREFIXES = ("091", "094", "088", "096", "097", "098", "086", "032", "035", "090", "093")
STATUS_LABELS = ("Đang giải quyết", "Đã giải quyết", "Đã trả kết quả", "Đã rút", "Rút hồ sơ",
                 "Trả lại", "Từ chối")
CHANNEL_LABELS = ("Trực tuyến", "Trực tiếp", "Dịch vụ bưu chính", "Bưu chính")
TOPIC_LABELS = ("Quy định hành chính", "Hành vi hành chính", "Quy định kinh doanh")


@dataclass(frozen=True)
class ProvinceSpec:
    """How big a set to write: districts x (1 + communes) units."""

    districts: int = 10
    communes: int = 24                # per district
    procedures: int = 160
    dossiers: int = 2_000_000
    dossier_files: int = 2            # the dossiers are split into this many exports
    feedback: int = 4_000
    seed: int = 2024

    @property
    def units(self) -> int:
        return self.districts * (1 + self.communes)


def _h(kind: str, column: str) -> str:
    """The Vietnamese header of a column (vocab is the one place for them)."""
    return next(c.header for c in vocab.SCHEMAS[kind] if c.name == column)


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


# --------------------------------------------------------------------------- registries

def make_units(spec: ProvinceSpec) -> pd.DataFrame:
    """The unit registry: code, name, kind, parent (canonical column names)."""
    names = iter(f"{a} {b}" for b in PLACE_B for a in PLACE_A if a != b)
    rows = []
    for d in range(spec.districts):
        kind = DISTRICT_KINDS[d % len(DISTRICT_KINDS)]
        code = f"H23.{d + 1:02d}"
        rows.append((code, f"{kind} {next(names)}", kind, None))
        for c in range(spec.communes):
            ckind = _commune_kind(kind, c)
            rows.append((f"{code}.{c + 1:02d}", f"{ckind} {next(names)}", ckind, code))
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "kind", "parent_code"])


def _commune_kind(district_kind: str, index: int) -> str:
    """A Huyện has one Thị trấn and Xã; a Thành phố or Thị xã mostly Phường, then Xã."""
    if district_kind == "Huyện":
        return "Thị trấn" if index == 0 else "Xã"
    wards = 18 if district_kind == "Thành phố" else 12
    return "Phường" if index < wards else "Xã"


def make_procedures(spec: ProvinceSpec, rng: np.random.Generator) -> pd.DataFrame:
    """The procedure catalogue: code, name, field, level, online service, days to resolve."""
    n = spec.procedures
    field = rng.integers(len(FIELDS), size=n)
    verb = rng.integers(len(VERBS), size=n)
    district = rng.random(n) < 0.4
    service = rng.choice(3, size=n, p=(0.45, 0.35, 0.20))      # full, partial, none
    days = np.where(district, rng.integers(3, 31, size=n), rng.integers(0, 8, size=n))
    return pd.DataFrame({
        "procedure_code": [f"1.{100_000 + 37 * i:06d}.000.00.00.H23" for i in range(n)],
        "procedure_name": [f"{VERBS[v]} ({FIELDS[f].lower()}) số {i + 1}"
                           for i, (v, f) in enumerate(zip(verb, field))],
        "field": [FIELDS[f] for f in field],
        "level": np.where(district, "Cấp huyện", "Cấp xã"),
        "online_service": np.array(["Toàn trình", "Một phần", "Không"])[service],
        "service": service,
        "days": days,
        "district": district,
    })


# --------------------------------------------------------------------------- dossiers

def make_dossiers(spec: ProvinceSpec, units: pd.DataFrame, procs: pd.DataFrame,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Integer draws of every dossier, sorted by receipt: indexes into the registries and
    label tuples, times as local wall-clock seconds since 1970 (-1 = empty)."""
    n = spec.dossiers
    unit = _draw_units(units, n, rng)
    district_unit = (units["parent_code"].isna().to_numpy())[unit]
    proc = _draw_procedures(procs, district_unit, rng)
    service = procs["service"].to_numpy()[proc]
    channel = _draw_channels(service, rng)
    received = _draw_receipts(channel, n, rng)
    due = _due(received, procs["days"].to_numpy()[proc])
    closed, status = _outcomes(received, due, rng)
    order = np.argsort(received, kind="stable")
    out = pd.DataFrame({"unit": unit, "proc": proc, "channel": channel, "received": received,
                        "due": due, "closed": closed, "status": status}).iloc[order]
    out = out.reset_index(drop=True)
    out["seq"] = out.groupby(["unit", out["received"] // DAY_S], sort=False).cumcount() + 1
    out["digitised"] = (rng.random(n) < 0.72).astype(np.int8)
    resolved = out["status"].isin((1, 2)).to_numpy()
    out["result_dig"] = np.where(resolved, (rng.random(n) < 0.63).astype(np.int8), -1)
    return _add_applicants(out, rng)


def _draw_units(units: pd.DataFrame, n: int, rng) -> np.ndarray:
    """Busier units get more dossiers; district offices handle more than a commune."""
    weight = rng.lognormal(0.0, 0.5, len(units))
    weight *= np.where(units["parent_code"].isna().to_numpy(), 4.0, 1.0)
    return rng.choice(len(units), size=n, p=weight / weight.sum()).astype(np.int32)


def _draw_procedures(procs: pd.DataFrame, district_unit: np.ndarray, rng) -> np.ndarray:
    """A procedure of the unit's level, a few procedures much more often than others."""
    out = np.empty(len(district_unit), dtype=np.int32)
    for level in (True, False):
        pool = np.flatnonzero(procs["district"].to_numpy() == level)
        weight = 1.0 / np.arange(1, len(pool) + 1) ** 0.9
        rows = np.flatnonzero(district_unit == level)
        out[rows] = rng.choice(pool, size=len(rows), p=weight / weight.sum())
    return out


def _draw_channels(service: np.ndarray, rng) -> np.ndarray:
    """0 online, 1 in person, 2/3 post (two spellings); online mostly where offered fully."""
    p_online = np.array([0.78, 0.42, 0.0])[service]
    u = rng.random(len(service))
    return np.where(u < p_online, 0,
                    np.where(u < p_online + (1 - p_online) * 0.96, 1,
                             np.where(rng.random(len(service)) < 0.5, 2, 3))).astype(np.int8)


def _draw_receipts(channel: np.ndarray, n: int, rng) -> np.ndarray:
    """Receipt times: working hours for desk dossiers, any hour online."""
    days = int((EXPORT_DAY - FIRST_DAY) / np.timedelta64(1, "D"))
    first = int(FIRST_DAY.astype("datetime64[s]").astype(np.int64))
    day = rng.integers(days, size=n)
    desk = rng.integers(int(7.5 * 3600), 17 * 3600, size=n)
    online = rng.integers(DAY_S, size=n)
    return first + day * DAY_S + np.where(channel == 0, online, desk)


def _due(received: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Appointment: `days` after the receipt day, at 17:00 (same day for 0-day procedures)."""
    return received // DAY_S * DAY_S + days * DAY_S + DUE_S


def _outcomes(received, due, rng) -> tuple[np.ndarray, np.ndarray]:
    """Closing time (-1 while open at the export) and status index into STATUS_LABELS."""
    n = len(received)
    span = np.maximum(due - received, 3600)
    ready = received + (span * rng.gamma(2.0, 0.33, size=n)).astype(np.int64)
    office = rng.integers(int(7.5 * 3600), int(17.5 * 3600), size=n)   # closed in office hours
    closed = np.maximum(ready // DAY_S * DAY_S + office, received + 600)
    never = rng.random(n) < 0.004                       # forgotten dossiers, open for good
    export = int(EXPORT_DAY.astype("datetime64[s]").astype(np.int64))
    still_open = never | (closed >= export)
    kind = rng.choice(4, size=n, p=(0.953, 0.027, 0.012, 0.008))   # resolved, withdrawn ...
    spelling = rng.integers(2, size=n)
    status = np.select([kind == 0, kind == 1, kind == 2], [1 + spelling, 3 + spelling,
                                                          5 + spelling], 5 + spelling)
    status = np.where(still_open, 0, status).astype(np.int8)
    return np.where(still_open, -1, closed), status


def _add_applicants(df: pd.DataFrame, rng) -> pd.DataFrame:
    n = len(df)
    df["family"] = rng.integers(len(FAMILY), size=n).astype(np.int8)
    df["middle"] = rng.integers(len(MIDDLE), size=n).astype(np.int8)
    df["given"] = rng.integers(len(GIVEN), size=n).astype(np.int8)
    df["cccd"] = rng.integers(10**10, 10**11, size=n)
    df["phone_prefix"] = rng.integers(len(PHONE_PREFIXES), size=n).astype(np.int8)
    df["phone"] = rng.integers(10**6, 10**7, size=n)
    df["village"] = rng.integers(len(VILLAGES), size=n).astype(np.int8)
    return df


def _time_sql(col: str) -> str:
    ts = f"make_timestamp({col} * 1000000)"
    return f"CASE WHEN {col} >= 0 THEN strftime({ts}, '%d/%m/%Y %H:%M:%S') END"


def _dossier_select(units: pd.DataFrame, procs: pd.DataFrame) -> str:
    """SQL turning the integer draws (relation `d`) into the export's text columns."""
    h = lambda c: '"' + _h("dossiers", c) + '"'
    ucodes, unames = _sql_list(units["unit_code"]), _sql_list(units["unit_name"])
    pcodes, pnames = _sql_list(procs["procedure_code"]), _sql_list(procs["procedure_name"])
    return f"""
    SELECT {ucodes}[unit + 1] || '-' || strftime(make_timestamp(received * 1000000), '%y%m%d')
               || '-' || lpad(seq::VARCHAR, 4, '0') AS {h('dossier_id')},
           {ucodes}[unit + 1] AS {h('unit_code')},
           {pcodes}[proc + 1] AS {h('procedure_code')},
           {pnames}[proc + 1] AS {h('procedure_name')},
           {_sql_list(CHANNEL_LABELS)}[channel + 1] AS {h('channel')},
           {_time_sql('received')} AS {h('received_at')},
           {_time_sql('due')} AS {h('due_at')},
           {_sql_list(STATUS_LABELS)}[status + 1] AS {h('status')},
           {_time_sql('closed')} AS {h('closed_at')},
           CASE WHEN digitised = 1 THEN 'Có' ELSE 'Không' END AS {h('digitised_on_receipt')},
           CASE result_dig WHEN 1 THEN 'Có' WHEN 0 THEN 'Không' END AS {h('result_digitised')},
           {_sql_list(FAMILY)}[family + 1] || ' ' || {_sql_list(MIDDLE)}[middle + 1] || ' '
               || {_sql_list(GIVEN)}[given + 1] AS {h('applicant_name')},
           '0' || cccd::VARCHAR AS {h('applicant_id')},
           {_sql_list(PHONE_PREFIXES)}[phone_prefix + 1] || phone::VARCHAR AS {h('applicant_phone')},
           {_sql_list(VILLAGES)}[village + 1] || ', ' || {unames}[unit + 1] AS {h('applicant_address')}
    FROM d"""


# --------------------------------------------------------------------------- feedback

def make_feedback(spec: ProvinceSpec, units: pd.DataFrame, rng) -> pd.DataFrame:
    """Feedback records in canonical columns, times as text."""
    n = spec.feedback
    first = int(FIRST_DAY.astype("datetime64[s]").astype(np.int64))
    days = int((EXPORT_DAY - FIRST_DAY) / np.timedelta64(1, "D"))
    received = first + rng.integers(days, size=n) * DAY_S + rng.integers(DAY_S, size=n)
    due = received // DAY_S * DAY_S + rng.integers(5, 16, size=n) * DAY_S + DUE_S
    handled = received + (rng.gamma(2.0, 4.0, size=n) * DAY_S).astype(np.int64) + 3600
    export = int(EXPORT_DAY.astype("datetime64[s]").astype(np.int64))
    handled = np.where(handled >= export, -1, handled)
    topic = rng.choice(3, size=n, p=(0.6, 0.25, 0.15))
    return pd.DataFrame({
        "feedback_id": [f"PAKN-{i + 1:06d}" for i in range(n)],
        "unit_code": units["unit_code"].to_numpy()[rng.integers(len(units), size=n)],
        "topic": np.array(TOPIC_LABELS)[topic],
        "received_at": _dmy(received), "due_at": _dmy(due), "handled_at": _dmy(handled),
        "content": "Phản ánh về thời gian giải quyết hồ sơ",
    })


def _dmy(seconds: np.ndarray) -> list[str]:
    stamps = pd.to_datetime(pd.Series(seconds), unit="s").dt.strftime("%d/%m/%Y %H:%M:%S")
    return [("" if s < 0 else t) for s, t in zip(seconds, stamps)]


# --------------------------------------------------------------------------- writing

def _write_registry(con, frame: pd.DataFrame, kind: str, path: Path) -> Path:
    columns = [c.name for c in vocab.SCHEMAS[kind] if c.name in frame.columns]
    table = frame[columns].rename(columns={c: _h(kind, c) for c in columns})
    con.register("registry", table)
    con.execute(f"COPY (SELECT * FROM registry) TO '{path}' (HEADER, DELIMITER ',')")
    con.unregister("registry")
    return path


def write_province(out_dir: str | Path, spec: ProvinceSpec = ProvinceSpec()) -> dict[str, list[Path]]:
    """Write the exports into `out_dir`; return kind -> paths (units, procedures, dossiers,
    feedback), in load order. Same spec, same bytes."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(spec.seed).spawn(3)]
    units = make_units(spec)
    procs = make_procedures(spec, rngs[0])
    dossiers = make_dossiers(spec, units, procs, rngs[1])
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    try:
        files = {"units": [_write_registry(con, units, "units", out / "don_vi.csv")],
                 "procedures": [_write_registry(con, procs, "procedures", out / "thu_tuc.csv")]}
        files["dossiers"] = _write_dossiers(con, dossiers, units, procs, spec, out)
        files["feedback"] = [_write_registry(con, make_feedback(spec, units, rngs[2]),
                                             "feedback", out / "pakn.csv")]
    finally:
        con.close()
    return files


def _write_dossiers(con, dossiers, units, procs, spec: ProvinceSpec, out: Path) -> list[Path]:
    select = _dossier_select(units, procs)
    paths = []
    for i, part in enumerate(np.array_split(np.arange(len(dossiers)), spec.dossier_files)):
        d = dossiers.iloc[part[0]:part[-1] + 1].reset_index(drop=True)
        path = out / f"ho_so_{i + 1}.csv"
        con.register("d", d)
        con.execute(f"COPY ({select}) TO '{path}' (HEADER, DELIMITER ',')")
        con.unregister("d")
        paths.append(path)
    return paths


def all_paths(files: dict[str, list[Path]]) -> list[Path]:
    """Every file, registries first."""
    return [p for kind in ("units", "procedures", "dossiers", "feedback") for p in files[kind]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--districts", type=int, default=ProvinceSpec.districts)
    parser.add_argument("--communes", type=int, default=ProvinceSpec.communes)
    parser.add_argument("--dossiers", type=int, default=ProvinceSpec.dossiers)
    parser.add_argument("--files", type=int, default=ProvinceSpec.dossier_files)
    parser.add_argument("--seed", type=int, default=ProvinceSpec.seed)
    args = parser.parse_args(argv)
    spec = ProvinceSpec(districts=args.districts, communes=args.communes,
                        dossiers=args.dossiers, dossier_files=args.files, seed=args.seed)
    for path in all_paths(write_province(args.out, spec)):
        print(path)


if __name__ == "__main__":
    main()
