"""Invented applicants (names, CCCD numbers, phones, addresses) for the personal columns: they
exist only to prove that personal data never reaches the store or an output."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tthc_lib.sample.write import rearrange_iso, unit_kind

# Fake applicants: common Vietnamese names, mobile prefixes.
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Đinh", "Trịnh", "Lương", "Mạc", "Lý")


FAMILY_WEIGHT = (31, 11, 9, 7, 5, 5, 4, 2, 2, 2, 1.5, 1.5, 1, 1, 1, 0.5, 0.5, 0.5)


MIDDLE = {"m": ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Tiến"),
          "f": ("Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Phương", "Minh", "Thị")}


GIVEN = {"m": ("Hùng", "Dũng", "Tuấn", "Hải", "Nam", "Long", "Thắng", "Hoàng", "Sơn", "Trung",
               "Cường", "Đức", "Phong", "Quân", "Khánh", "Bình", "Toàn", "Huy", "Việt", "Tùng"),
         "f": ("Lan", "Hương", "Mai", "Hoa", "Linh", "Trang", "Hằng", "Thảo", "Nga", "Yến",
               "Hạnh", "Huyền", "Ngọc", "Phương", "Thủy", "Loan", "Dung", "Vân", "Anh", "Quỳnh")}


PHONE_PREFIXES = ("091", "094", "088", "083", "084", "085", "096", "097", "098", "086", "032",
                  "033", "034", "035", "036", "037", "038", "039", "090", "093", "089", "070",
                  "077", "078", "079")


VILLAGES = ("Đông", "Đoài", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Tân")


def add_applicants(df: pd.DataFrame, spec: dict, rng) -> pd.DataFrame:
    """Sort the dossiers by receipt, give them one-stop ids, and fake applicants."""
    df = df.assign(_key=rng.random(len(df)))
    df = df.sort_values(["received_at", "unit_code", "_key"], kind="stable")
    df = df.drop(columns="_key").reset_index(drop=True)
    seq = df.groupby(["unit_code", "received"], sort=False).cumcount().to_numpy() + 1
    ymd = rearrange_iso(np.datetime_as_string(df["received"].to_numpy(), unit="s"),
                     [2, 3, 5, 6, 8, 9])
    df["dossier_id"] = [f"{u}-{d}-{s:04d}"
                        for u, d, s in zip(df["unit_code"].to_numpy(dtype=object), ymd, seq)]
    n = len(df)
    male = rng.random(n) < 0.5
    df["applicant_name"] = _names(rng, male)
    df["applicant_id"] = _citizen_ids(rng, male, str(spec["city"]["citizen_id_prefix"]))
    prefix = np.array(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), n)]
    digits = rng.integers(0, 10_000_000, n)
    df["applicant_phone"] = [f"{p}{d:07d}" for p, d in zip(prefix, digits)]
    df["applicant_address"] = _addresses(rng, df["unit_code"].to_numpy(), spec)
    return df


def _names(rng, male: np.ndarray) -> list[str]:
    n = len(male)
    fam = np.array(FAMILY)[rng.choice(len(FAMILY), n, p=np.array(FAMILY_WEIGHT) /
                                      sum(FAMILY_WEIGHT))]
    mid_i, giv_i = rng.integers(0, 100, n), rng.integers(0, 100, n)
    out = []
    for f, m, a, b in zip(fam, male, mid_i, giv_i):
        sex = "m" if m else "f"
        out.append(f"{f} {MIDDLE[sex][a % len(MIDDLE[sex])]} {GIVEN[sex][b % len(GIVEN[sex])]}")
    return out


def _citizen_ids(rng, male: np.ndarray, prefix: str) -> list[str]:
    """12-digit CCCD numbers: province, sex and century, year of birth, serial."""
    n = len(male)
    year = rng.integers(1950, 2006, n)
    century = np.where(year >= 2000, 2, 0) + np.where(male, 0, 1)
    serial = rng.integers(0, 1_000_000, n)
    return [f"{prefix}{c}{y % 100:02d}{s:06d}" for c, y, s in zip(century, year, serial)]


def _addresses(rng, unit_codes: np.ndarray, spec: dict) -> list[str]:
    """An address in the dossier's ward or commune (the city's own: any of them)."""
    units = spec["units"]
    names = {u["code"]: u["name"] for u in units}
    village_kind = {u["code"]: unit_kind(u) == "Xã" for u in units}
    n = len(unit_codes)
    anywhere = np.array([u["code"] for u in units])[rng.integers(0, len(units), n)]
    home = np.where(np.isin(unit_codes, list(names)), unit_codes, anywhere)
    streets = spec["streets"]
    street_i, house, village = (rng.integers(0, len(streets), n), rng.integers(1, 250, n),
                                rng.integers(0, len(VILLAGES), n))
    city = spec["city"]["unit_name"]
    out = []
    for code, s, h, v in zip(home, street_i, house, village):
        if village_kind[code]:
            out.append(f"Thôn {VILLAGES[v]}, {names[code]}, {city}")
        else:
            out.append(f"Số {h} đường {streets[s]}, {names[code]}, {city}")
    return out
