"""The sample city's exports read back with pandas, independently of the ingest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tthc_lib import vocab


def decode(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def read_csv(path: Path) -> pd.DataFrame:
    first = decode(path).splitlines()[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return table


def canonical(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    lookup = vocab.header_lookup(kind)
    keep = {h: lookup[vocab.norm_header(h)].name for h in table.columns
            if vocab.norm_header(h) in lookup}
    return table[list(keep)].rename(columns=keep)


def local_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The local date of each written date/time (NaT when empty) and where it is unreadable.
    Without an offset a time is local; with one it is converted to Asia/Ho_Chi_Minh."""
    text = text.str.strip()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    dmy = text.str.fullmatch(r"\d{2}/\d{2}/\d{4}(?: \d{2}:\d{2}(?::\d{2})?)?")
    parts = text[dmy].str.extract(r"(\d{2})/(\d{2})/(\d{4})")
    out[dmy] = pd.to_datetime(parts[2] + "-" + parts[1] + "-" + parts[0], format="%Y-%m-%d",
                              errors="coerce")
    offset = ~dmy & text.str.contains(r"(?:Z|[+-]\d\d:\d\d)$")
    moments = pd.to_datetime(text[offset], format="ISO8601", utc=True, errors="coerce")
    out[offset] = moments.dt.tz_convert("Asia/Ho_Chi_Minh").dt.tz_localize(None).dt.normalize()
    naive = ~dmy & ~offset & (text != "")
    out[naive] = pd.to_datetime(text[naive].str[:10], format="%Y-%m-%d", errors="coerce")
    return out, out.isna() & (text != "")
